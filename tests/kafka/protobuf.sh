#!/usr/bin/env bash
# tests/kafka/protobuf.sh: Confluent-framed Protobuf records validated by the
# gateway (issue #17) in front of one real Apache Kafka broker, with
# `schemagate registry` and `schemagate gateway --registry`;
# tests/kafka/kprotobuf.py drives confluent-kafka-python's ProtobufSerializer
# and ProtobufDeserializer (see its header). A rule sets
# reject_unknown_fields on one topic. Prints TAP.
. "$(dirname "$0")/lib.sh"

[ -x "${SG_BIN:-}" ] || kt_skip_all "SG_BIN (the schemagate binary) is not set"
PY=$(kt_python) || kt_skip_all "no Python with kafka-python and confluent-kafka (tests/clients/setup-venv.sh)"
"$PY" -c 'import google.protobuf, grpc_tools' 2>/dev/null ||
	kt_skip_all "external: the venv has no protobuf or grpcio-tools (tests/clients/requirements.txt)"
kt_prepare
kt_start_kafka 1 || { kt_ok 1 "the broker starts"; kt_done; exit 1; }
BROKER=$KT_BROKERS
cat >"$KT_WORK/rules.json" <<-'JSON'
	{"rules": [{"topic": "pb-strict", "reject_unknown_fields": true}]}
JSON

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
kt_relay "kprotobuf.py through gateway --registry" "$PY" "$KT_SRC/tests/kafka/kprotobuf.py" \
	"127.0.0.1:$GWP" "$BROKER" "$REG" "http://127.0.0.1:$ADMP" pb-
kt_check "the gateway logged a protobuf_invalid rejection" \
	grep -q 'event=rejection mode=enforce topic=pb-orders .*reason=protobuf_invalid' "$KT_WORK/gateway.log"
kill "$GW_PID" "$REG_PID"
wait "$GW_PID" "$REG_PID" 2>/dev/null
grep -q 'AddressSanitizer\|runtime error' "$KT_WORK/gateway.log" "$KT_WORK/registry.log"
kt_is "$?" 1 "no sanitizer report in the gateway's or the registry's log"
kt_done
