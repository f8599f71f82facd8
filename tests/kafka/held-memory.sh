#!/usr/bin/env bash
# tests/kafka/held-memory.sh: the gateway's memory limit for requests held
# for validation (--held-memory), in `schemagate serve` on librdkafka's mock
# cluster. With a limit far below what three concurrent producers send and
# one validation thread, the clients are paused and resumed (both logged),
# every record still arrives and is validated, and an invalid one is still
# rejected. Fast: no JVM. Prints TAP.
. "$(dirname "$0")/lib.sh"

SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
PY=$(kt_python) || kt_skip_all "no Python with kafka-python (tests/clients/setup-venv.sh)"
base=$(kt_free_ports 4) || kt_skip_all "no free loopback ports"
kt_start_serve "$base" --db "$KT_WORK/h.db" --held-memory 4K --validate-threads 1
kt_ok $? \
	"schemagate serve --held-memory 4K --validate-threads 1 starts" ||
	{ sed 's/^/#   /' "$KT_WORK/serve.log"; kt_done; exit 1; }
url=$KT_SERVE_URL
curl -sf -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
	--data '{"schemaType":"JSON","schema":"{\"type\":\"object\",\"properties\":{\"amount\":{\"type\":\"number\"},\"note\":{\"type\":\"string\"}},\"required\":[\"amount\"]}"}' \
	"$url/subjects/orders-value/versions" >/dev/null
kt_ok $? "orders-value is registered"

# Three producers at once, each 400 records of about 300 bytes in batches of
# up to 16 KiB: far more than 4 KiB is sent while validation runs.
"$PY" - "127.0.0.1:$base" >"$KT_WORK/produced" 2>"$KT_WORK/py.err" <<-'PY'
	import json, sys, threading
	from kafka import KafkaProducer
	counts = [0, 0, 0]
	def run(k):
	    p = KafkaProducer(bootstrap_servers=[sys.argv[1]], acks='all', linger_ms=50, batch_size=16384,
	                      value_serializer=lambda v: json.dumps(v).encode('utf-8'))
	    futures = [p.send('orders', {"amount": i, "note": "x" * 280}) for i in range(400)]
	    p.flush(timeout=60)
	    counts[k] = sum(1 for f in futures if f.succeeded())
	    p.close()
	threads = [threading.Thread(target=run, args=(k,)) for k in range(3)]
	for t in threads: t.start()
	for t in threads: t.join()
	print(" ".join(map(str, counts)))
PY
kt_is "$(cat "$KT_WORK/produced")" "400 400 400" "every record of three concurrent producers is delivered" ||
	sed 's/^/#   /' "$KT_WORK/py.err" | tail -5
kt_check "the limit was reached and logged" grep -q "held requests reach .* bytes (limit 4096): clients that send more wait" "$KT_WORK/serve.log"
kt_check "and the clients were read again once validation caught up" grep -q "held requests are back to .* bytes: every client is read again" "$KT_WORK/serve.log"
kt_check "every record was validated and accepted" \
	sh -c "curl -sf '$url/metrics' | grep -q 'schemagate_gateway_records_total{topic=\"orders\",outcome=\"accepted\"} 1200'"
bad=$("$PY" - "127.0.0.1:$base" 2>/dev/null <<-'PY'
	import sys
	from kafka import KafkaProducer
	p = KafkaProducer(bootstrap_servers=[sys.argv[1]])
	try:
	    p.send('orders', b'{"amount": "abc"}').get(timeout=20)
	    print("accepted")
	except Exception as e:
	    print("rejected", type(e).__name__)
PY
)
kt_is "$bad" "rejected InvalidRecordError" "an invalid record is still rejected"
kt_stop_serve
kt_done
