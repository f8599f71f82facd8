#!/usr/bin/env bash
# tests/kafka/validate-serve.sh: record validation in `schemagate serve` (the
# registry and the gateway in one process, the gateway reading the store
# in-process) on librdkafka's mock cluster: before a subject exists records
# pass; a registration takes effect at once; GET /metrics and
# GET /rejections answer on the registry port beside the API (keeping its
# Content-Security-Policy); SIGHUP reloads --rules (enforce -> shadow), and a
# broken rules file keeps the rules in force. Fast: no JVM. Prints TAP.
. "$(dirname "$0")/lib.sh"

SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
PY=$(kt_python) || kt_skip_all "no Python with kafka-python (tests/clients/setup-venv.sh)"
base=$(kt_free_ports 4) || kt_skip_all "no free loopback ports"
echo '{"rules": [{"topic": "orders", "mode": "enforce"}]}' >"$KT_WORK/rules.json"
kt_start_serve "$base" --db "$KT_WORK/v.db" --rules "$KT_WORK/rules.json"
kt_ok $? \
	"schemagate serve --rules starts" || { sed 's/^/#   /' "$KT_WORK/serve.log"; kt_done; exit 1; }
pid=$KT_SERVE_PID
url=$KT_SERVE_URL
kt_check "serve validates against the store in-process" grep -q "validates records against the registry's store (in-process" "$KT_WORK/serve.log"

produce() { # VALUE-JSON: prints accepted or rejected <error>
	"$PY" - "127.0.0.1:$base" "$1" 2>/dev/null <<-'PY'
		import json, sys
		from kafka import KafkaProducer
		producer = KafkaProducer(bootstrap_servers=[sys.argv[1]], value_serializer=lambda v: json.dumps(v).encode('utf-8'))
		try:
		    producer.send('orders', json.loads(sys.argv[2])).get(timeout=20)
		    print("accepted")
		except Exception as e:
		    print("rejected", type(e).__name__)
	PY
}
BAD='{"order_id": "o-1", "amount": "abc"}'
kt_is "$(produce "$BAD")" accepted "no orders-value subject yet: the record passes"
curl -sf -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
	--data '{"schemaType":"JSON","schema":"{\"type\":\"object\",\"properties\":{\"amount\":{\"type\":\"number\"}},\"required\":[\"amount\"]}"}' \
	"$url/subjects/orders-value/versions" >/dev/null
kt_ok $? "orders-value is registered"
kt_is "$(produce "$BAD")" "rejected InvalidRecordError" "right after the registration the invalid order is rejected"
kt_is "$(produce '{"order_id": "o-2", "amount": 2}')" accepted "a valid order is accepted"

curl -sfD "$KT_WORK/m.h" "$url/metrics" >"$KT_WORK/m"
kt_check "GET /metrics on the registry port counts the rejection" \
	grep -q 'schemagate_gateway_batches_total{topic="orders",outcome="rejected"} 1' "$KT_WORK/m"
kt_check "GET /metrics is Prometheus text with the Content-Security-Policy header" \
	sh -c "grep -qi '^content-type: text/plain; version=0.0.4' '$KT_WORK/m.h' && grep -qi '^content-security-policy:' '$KT_WORK/m.h'"
curl -sf "$url/rejections?topic=orders&limit=5" >"$KT_WORK/r"
kt_check "GET /rejections?topic=orders lists it with its reason" \
	"$PY" -c "import json,sys; r=json.load(open('$KT_WORK/r'))['rejections']; sys.exit(not (len(r)==1 and r[0]['reason']=='json_invalid' and r[0]['topic']=='orders'))"
kt_is "$(curl -s -o /dev/null -w '%{http_code}' "$url/rejections?limit=x")" 422 "GET /rejections with a bad limit is 422"
kt_check "the API still answers beside them" curl -sf -o /dev/null "$url/subjects"

echo '{"rules": [{"topic": "orders", "mode": "shadow"}]}' >"$KT_WORK/rules.json"
kill -HUP "$pid"
for _ in $(seq 1 50); do grep -q "rules reloaded" "$KT_WORK/serve.log" && break; sleep 0.1; done
kt_check "SIGHUP reloads the rules file" grep -q "SIGHUP: rules reloaded from $KT_WORK/rules.json" "$KT_WORK/serve.log"
kt_is "$(produce "$BAD")" accepted "in shadow mode the invalid order is forwarded"
kt_check "and counted as shadow-rejected" \
	sh -c "curl -sf '$url/metrics' | grep -q 'schemagate_gateway_batches_total{topic=\"orders\",outcome=\"shadow_rejected\"} 1'"
echo '{"rules": [{"topic": "orders", "mode": "enforced"}]}' >"$KT_WORK/rules.json"
kill -HUP "$pid"
for _ in $(seq 1 50); do grep -q "rules kept" "$KT_WORK/serve.log" && break; sleep 0.1; done
kt_check "a broken rules file on SIGHUP keeps the rules in force, with the reason" grep -q "SIGHUP: rules kept: .*enforced" "$KT_WORK/serve.log"
kt_check "serve is still running" kill -0 "$pid"
kt_stop_serve
kt_done
