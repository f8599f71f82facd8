#!/usr/bin/env bash
# tests/kafka/validate.sh: record validation (issue #5) end to end. One real
# Apache Kafka broker (2 partitions a topic), `schemagate registry`, and
# `schemagate gateway --registry --rules --admin-listen` in front of the
# broker; tests/kafka/kvalidate.py drives kafka-python (the seed's code),
# confluent-kafka (AvroSerializer, JSONSerializer, idempotence), the Java
# producer with a hand-framed Avro record (KValidate.java) and raw
# Produce frames (v3..v12: mixed, all-rejected, acks=0), checks shadow mode,
# dead letters, GET /metrics and /rejections, then stops the registry: a
# retriable error, and nothing lost once it is back. Prints TAP.
. "$(dirname "$0")/lib.sh"

[ -x "${SG_BIN:-}" ] || kt_skip_all "SG_BIN (the schemagate binary) is not set"
PY=$(kt_python) || kt_skip_all "no Python with kafka-python and confluent-kafka (tests/clients/setup-venv.sh)"
kt_prepare
KT_PARTITIONS=2 kt_start_kafka 1 || { kt_ok 1 "the broker starts"; kt_done; exit 1; }
BROKER=$KT_BROKERS

REGP=$(kt_free_ports 1)
REG=http://127.0.0.1:$REGP
start_registry() {
	"$SG_BIN" registry --listen "127.0.0.1:$REGP" --db "$KT_WORK/registry.db" \
		>>"$KT_WORK/registry.log" 2>&1 &
	REG_PID=$!
	KT_PIDS+=($REG_PID)
	kt_wait_port "$REGP" 10
}
start_registry
kt_ok $? "schemagate registry listens on $REG" || { sed 's/^/#   /' "$KT_WORK/registry.log"; kt_done; exit 1; }

cat >"$KT_WORK/rules.json" <<-'JSON'
	{"rules": [{"topic": "orders-shadow", "mode": "shadow"},
	           {"topic": "orders-dl", "dead_letter_topic": "orders-dead"}]}
JSON
GWP=$(kt_free_ports 8)
ADMP=$(kt_free_ports 1)
"$SG_BIN" gateway --listen "127.0.0.1:$GWP" --brokers "$BROKER" --registry "$REG" \
	--rules "$KT_WORK/rules.json" --admin-listen "127.0.0.1:$ADMP" >"$KT_WORK/gateway.out" 2>"$KT_WORK/gateway.log" &
GW_PID=$!
KT_PIDS+=($GW_PID)
kt_wait_port "$GWP" 10 && kt_wait_port "$ADMP" 10
kt_ok $? "schemagate gateway --registry --rules --admin-listen starts" || { sed 's/^/#   /' "$KT_WORK/gateway.log"; kt_done; exit 1; }
GW=127.0.0.1:$GWP

kt_relay "kvalidate.py main" "$PY" "$KT_SRC/tests/kafka/kvalidate.py" main "$GW" "$BROKER" "$REG" "http://127.0.0.1:$ADMP"
# The Java producer with a hand-framed Avro record (avro-orders-value was
# registered by kvalidate.py's AvroSerializer).
AVRO_ID=$(curl -sf "$REG/subjects/avro-orders-value/versions/latest" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
mkdir -p "$KT_WORK/jv"
if javac -d "$KT_WORK/jv" -cp "$KT_LIB/*" "$KT_SRC/tests/kafka/KValidate.java" 2>"$KT_WORK/javac.log"; then
	kt_relay "KValidate" java -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
		-Dlog4j2.configurationFile="$KT_WORK/log4j2.properties" -cp "$KT_WORK/jv:$KT_LIB/*" \
		KValidate "$GW" "$BROKER" avro-orders "${AVRO_ID:-0}"
else
	kt_ok 1 "tests/kafka/KValidate.java compiles"
	sed 's/^/#   /' "$KT_WORK/javac.log" | head -20
fi
kt_check "one structured log line per rejected batch" grep -q 'event=rejection mode=enforce topic=orders partition=1 .*reason=json_invalid' "$KT_WORK/gateway.log"

# Registry outage: payments-value exists but the gateway has never looked it up.
curl -sf -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
	--data '{"schemaType":"JSON","schema":"{\"type\":\"object\",\"required\":[\"order_id\"]}"}' \
	"$REG/subjects/payments-value/versions" >/dev/null
kt_ok $? "payments-value is registered"
"$PY" -c "import sys; sys.path.insert(0, '$KT_SRC/tests/kafka'); import kwire; c = kwire.Conn('$GW'); kwire.ensure_topic(c, 'payments')"
kill "$REG_PID"
wait "$REG_PID" 2>/dev/null
kt_relay "kvalidate.py outage-raw" "$PY" "$KT_SRC/tests/kafka/kvalidate.py" outage-raw "$GW"
"$PY" "$KT_SRC/tests/kafka/kvalidate.py" outage-produce "$GW" "$BROKER" "$KT_WORK/outage.out" \
	>"$KT_WORK/outage.log" 2>&1 &
OUT_PID=$!
KT_PIDS+=($OUT_PID)
sleep 4
kt_check "while the registry is down the producer's record waits (no delivery report yet)" \
	test ! -s "$KT_WORK/outage.out"
start_registry
kt_ok $? "the registry comes back"
wait "$OUT_PID"
kt_check "once the registry is back the record is delivered: $(head -1 "$KT_WORK/outage.out" 2>/dev/null)" \
	grep -q '^delivered None' "$KT_WORK/outage.out"
kt_check "the broker holds it exactly once (nothing lost, nothing doubled)" grep -q '^broker 1$' "$KT_WORK/outage.out"
kt_check "GET /metrics counts the retriable batches" \
	sh -c "curl -sf http://127.0.0.1:$ADMP/metrics | grep -q 'schemagate_gateway_batches_total{topic=\"payments\",outcome=\"retriable\"} [1-9]'"

kill "$GW_PID"
wait "$GW_PID"
kt_is "$?" 0 "the gateway stops cleanly on SIGTERM"
grep -q 'AddressSanitizer\|runtime error' "$KT_WORK/gateway.log"
kt_is "$?" 1 "no sanitizer report in the gateway's log"
kt_done
