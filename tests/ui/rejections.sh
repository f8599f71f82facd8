#!/usr/bin/env bash
# tests/ui/rejections.sh: the schema browser's rejections view with a real
# rejection. Starts `schemagate serve` on librdkafka's mock cluster, registers
# orders-value (schemas/orders.json), has kafka-python send an order whose
# amount is text (the gateway refuses it), then runs tests/ui/rejections.mjs in
# Chromium against the registry port. Prints TAP.
. "${SG_SRCDIR:-.}/tests/kafka/lib.sh"

command -v node >/dev/null && [ -x /usr/bin/chromium ] || kt_skip_all "needs node and Debian's chromium"
PY=$(kt_python) || kt_skip_all "no Python with kafka-python (tests/clients/setup-venv.sh)"
SG_BUILDDIR=${SG_BUILDDIR:-.} "$SG_SRCDIR/tests/ui/setup-node.sh" >/dev/null || {
	echo "Bail out! npm could not install playwright-core"
	exit 1
}
SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
base=$(kt_free_ports 4) || kt_skip_all "no free loopback ports"
kt_start_serve "$base" --db "$KT_WORK/r.db"
url=$KT_SERVE_URL
[ -n "$url" ] || { echo "Bail out! serve did not start"; sed 's/^/# /' "$KT_WORK/serve.log"; exit 1; }
"$SG_BIN" register --registry "$url" --subject orders-value --quiet "$SG_SRCDIR/schemas/orders.json" ||
	{ echo "Bail out! could not register orders-value"; exit 1; }
"$PY" - "127.0.0.1:$base" >"$KT_WORK/py.out" 2>&1 <<-'PY'
	import json, sys
	from kafka import KafkaProducer
	producer = KafkaProducer(bootstrap_servers=[sys.argv[1]], client_id='order-producer',
	                         value_serializer=lambda v: json.dumps(v).encode('utf-8'))
	bad = {"event_type": "order_created", "order_id": "ORD-1002", "customer_id": "C-7", "amount": "abc",
	       "currency": "EUR", "status": "pending", "timestamp": "2026-11-25T13:00:00Z"}
	try:
	    producer.send('orders', bad).get(timeout=20)
	    print("accepted")
	except Exception as e:
	    print("rejected", type(e).__name__)
PY
kt_check "the gateway rejects the order whose amount is text" grep -q "^rejected" "$KT_WORK/py.out"
SG_URL=$url SG_SHOTS="$SG_BUILDDIR/screenshots" SG_PLAYWRIGHT="$SG_BUILDDIR/node_modules/playwright-core" \
	node "$SG_SRCDIR/tests/ui/rejections.mjs" >"$KT_WORK/ui.tap" 2>&1
status=$?
# Renumber the browser's TAP after this script's own line.
while IFS= read -r line; do
	case $line in
	"ok "*) kt_ok 0 "${line#ok * - }" ;;
	"not ok "*) kt_ok 1 "${line#not ok * - }" ;;
	"#"*) echo "$line" ;;
	esac
done <"$KT_WORK/ui.tap"
[ $status -eq 0 ] || grep -q "^not ok" "$KT_WORK/ui.tap" || kt_ok 1 "the browser test ran ($(tail -3 "$KT_WORK/ui.tap" | tr '\n' ' '))"
kt_done
