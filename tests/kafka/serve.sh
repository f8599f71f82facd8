#!/usr/bin/env bash
# tests/kafka/serve.sh: the quick start, as a newcomer runs it. `schemagate
# serve` with no --brokers runs the registry and the gateway on librdkafka's
# in-process mock cluster; the example schemas register through the CLI, the
# seed's kafka-python producer and consumer group work through the gateway,
# and SIGTERM stops everything cleanly. Fast: no JVM. Prints TAP.
. "$(dirname "$0")/lib.sh"

SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
base=$(kt_free_ports 4) || kt_skip_all "no free loopback ports"
kt_start_serve "$base" --db "$KT_WORK/quick.db"
kt_ok $? \
	"schemagate serve starts the registry and the gateway" || { sed 's/^/#   /' "$KT_WORK/serve.log"; kt_done; exit 1; }
pid=$KT_SERVE_PID
url=$KT_SERVE_URL
kt_check "serve says plainly that the mock cluster keeps no data" grep -q "NOT kept" "$KT_WORK/serve.log"
kt_check "the registry answers /health" curl -sf -o /dev/null "$url/health"
kt_check "schemagate register --map schemas/subjects.json against it" \
	"$SG_BIN" register --registry "$url" --map "$KT_SRC/schemas/subjects.json" --quiet

if PYC=$(kt_python); then
	"$PYC" - "127.0.0.1:$base" >"$KT_WORK/py.out" 2>&1 <<-'PY'
		import json, sys
		from kafka import KafkaProducer, KafkaConsumer
		gw = sys.argv[1]
		order = {"event_type": "order_created", "order_id": "ORD-1001", "customer_id": "C-7",
		         "amount": 42.5, "currency": "EUR", "status": "pending",
		         "timestamp": "2026-11-25T13:00:00Z"}
		producer = KafkaProducer(bootstrap_servers=[gw], value_serializer=lambda v: json.dumps(v).encode('utf-8'))
		producer.send('orders', order).get(timeout=20)
		producer.flush()
		consumer = KafkaConsumer('orders', bootstrap_servers=[gw], group_id='order-processor',
		                         auto_offset_reset='earliest', consumer_timeout_ms=15000,
		                         value_deserializer=lambda m: json.loads(m.decode('utf-8')))
		got = next(iter(consumer), None)
		consumer.close()
		print("roundtrip", "ok" if got is not None and got.value == order else "bad %r" % (got,))
	PY
	kt_check "the seed's kafka-python producer and consumer group work through serve" \
		grep -q "^roundtrip ok" "$KT_WORK/py.out" || sed 's/^/#   /' "$KT_WORK/py.out" | tail -5
else
	kt_skip "the seed's kafka-python producer and consumer group work through serve" \
		"no venv with kafka-python (tests/clients/setup-venv.sh)"
fi

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
kt_is "$status" 0 "SIGTERM stops serve cleanly (exit 0)"
kt_check "it logs that it stopped" grep -q "schemagate: stopped" "$KT_WORK/serve.log"
kt_done
