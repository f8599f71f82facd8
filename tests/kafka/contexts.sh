#!/usr/bin/env bash
# tests/kafka/contexts.sh: a topic whose subjects are in a registry context
# (issue #15; Confluent 8's ":.ctx:" qualified subjects, the rule setting
# "context"), through the gateway against one real Apache Kafka broker.
# tests/kafka/kcontexts.py writes records with confluent-kafka-python's
# AvroSerializer (a subject.name.strategy returning ":.ctx:<topic>-value")
# twice: through `schemagate gateway --registry` (ids looked up over HTTP,
# /schemas/ids/{id}?subject=:.ctx:), then through `schemagate serve` (looked
# up in the store in-process). Ids are per context: the default context's
# id 1 is another schema. Prints TAP.
. "$(dirname "$0")/lib.sh"

[ -x "${SG_BIN:-}" ] || kt_skip_all "SG_BIN (the schemagate binary) is not set"
PY=$(kt_python) || kt_skip_all "no Python with kafka-python and confluent-kafka (tests/clients/setup-venv.sh)"
kt_prepare
kt_start_kafka 1 || { kt_ok 1 "the broker starts"; kt_done; exit 1; }
BROKER=$KT_BROKERS
cat >"$KT_WORK/rules.json" <<-'JSON'
	{"rules": [{"topic_regex": "[hs]-orders", "context": ".ctx", "require_schema": true}]}
JSON

# 1. schemagate registry, and schemagate gateway --registry in front of the broker.
REGP=$(kt_free_ports 1)
REG=http://127.0.0.1:$REGP
"$SG_BIN" registry --listen "127.0.0.1:$REGP" --db "$KT_WORK/registry.db" >"$KT_WORK/registry.log" 2>&1 &
REG_PID=$!
KT_PIDS+=($REG_PID)
kt_wait_port "$REGP" 10
kt_ok $? "schemagate registry listens on $REG" || { sed 's/^/#   /' "$KT_WORK/registry.log"; kt_done; exit 1; }
GWP=$(kt_free_ports 8)
ADMP=$(kt_free_ports 1)
"$SG_BIN" gateway --listen "127.0.0.1:$GWP" --brokers "$BROKER" --registry "$REG" \
	--rules "$KT_WORK/rules.json" --admin-listen "127.0.0.1:$ADMP" >"$KT_WORK/gateway.out" 2>"$KT_WORK/gateway.log" &
GW_PID=$!
KT_PIDS+=($GW_PID)
kt_wait_port "$GWP" 10 && kt_wait_port "$ADMP" 10
kt_ok $? "schemagate gateway --registry --rules starts" || { sed 's/^/#   /' "$KT_WORK/gateway.log"; kt_done; exit 1; }
kt_relay "kcontexts.py through gateway --registry" "$PY" "$KT_SRC/tests/kafka/kcontexts.py" \
	"127.0.0.1:$GWP" "$BROKER" "$REG" "http://127.0.0.1:$ADMP" h-
kill "$GW_PID" "$REG_PID"
wait "$GW_PID" "$REG_PID" 2>/dev/null
grep -q 'AddressSanitizer\|runtime error' "$KT_WORK/gateway.log" "$KT_WORK/registry.log"
kt_is "$?" 1 "no sanitizer report in the gateway's or the registry's log"

# 2. schemagate serve: the gateway reads the registry's store in-process.
SERVEP=$(kt_free_ports 8)
kt_start_serve "$SERVEP" --db "$KT_WORK/serve.db" --brokers "$BROKER" --rules "$KT_WORK/rules.json"
kt_ok $? "schemagate serve --brokers --rules starts" || { sed 's/^/#   /' "$KT_WORK/serve.log"; kt_done; exit 1; }
kt_relay "kcontexts.py through serve" "$PY" "$KT_SRC/tests/kafka/kcontexts.py" \
	"127.0.0.1:$SERVEP" "$BROKER" "$KT_SERVE_URL" "$KT_SERVE_URL" s-
kt_stop_serve
grep -q 'AddressSanitizer\|runtime error' "$KT_WORK/serve.log"
kt_is "$?" 1 "no sanitizer report in serve's log"
kt_done
