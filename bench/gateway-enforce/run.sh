#!/usr/bin/env bash
# bench/gateway-enforce/run.sh: what record validation costs a producer end to
# end, against a real Apache Kafka broker in the same run (not a test). For
# each of ROUNDS rounds, kcat produces RECORDS plain-JSON orders (the
# schemas/orders.json event, about 200 bytes each; acks=all, linger.ms=5)
#   - straight to the broker (direct),
#   - through `schemagate gateway` without --registry (pass-through),
#   - through `schemagate gateway --registry` with orders-value registered
#     (enforce: every record is validated, all are valid),
# and prints the records per second of each and the medians.
#
# Usage, from a plain (not sanitizer) build folder:
#   make schemagate && SG_BUILDDIR=$PWD bash /path/to/src/bench/gateway-enforce/run.sh
# Environment: ROUNDS (5), RECORDS (1000000).
set -u
SG_SRCDIR=${SG_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SG_SRCDIR/tests/kafka/lib.sh"
SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
ROUNDS=${ROUNDS:-5}
RECORDS=${RECORDS:-1000000}

[ -x "$SG_BIN" ] || { echo "build schemagate first" >&2; exit 1; }
command -v kcat >/dev/null || { echo "kcat is needed" >&2; exit 1; }
kt_fetch || { echo "cannot fetch Kafka: $KT_SKIP_WHY" >&2; exit 1; }
KT_BENCH=1 kt_start_kafka 1 || exit 1

REGP=$(kt_free_ports 1)
"$SG_BIN" registry --listen "127.0.0.1:$REGP" --db "$KT_WORK/reg.db" 2>"$KT_WORK/reg.log" &
KT_PIDS+=($!)
kt_wait_port "$REGP" 10 || { echo "registry did not start" >&2; exit 1; }
python3 - "$SG_SRCDIR/schemas/orders.json" "http://127.0.0.1:$REGP" <<-'PY' || exit 1
	import json, sys, urllib.request
	body = json.dumps({"schemaType": "JSON", "schema": open(sys.argv[1]).read()}).encode()
	req = urllib.request.Request(sys.argv[2] + "/subjects/bench-orders-value/versions", data=body,
	                             headers={"Content-Type": "application/json"}, method="POST")
	urllib.request.urlopen(req).read()
PY
python3 - "$RECORDS" >"$KT_WORK/orders.jsonl" <<-'PY'
	import json, sys
	for i in range(int(sys.argv[1])):
	    print(json.dumps({"event_type": "order_created", "order_id": "ORD-%08d" % i,
	                      "customer_id": "CUST-%05d" % (i % 50000), "amount": round(10 + i % 1000 * 0.37, 2),
	                      "currency": "EUR", "status": "pending", "timestamp": "2026-11-25T13:31:05Z",
	                      "cancel_reason": None}))
PY
start_gw() { # NAME [ARGS...]: sets GW_<NAME>
	local name=$1 port
	shift
	port=$(kt_free_ports 8)
	"$SG_BIN" gateway --listen "127.0.0.1:$port" --brokers "$KT_BROKERS" "$@" 2>"$KT_WORK/gw-$name.log" &
	KT_PIDS+=($!)
	kt_wait_port "$port" 10 || { echo "gateway $name did not start" >&2; exit 1; }
	eval "GW_$name=127.0.0.1:$port"
}
start_gw pass
start_gw enforce --registry "http://127.0.0.1:$REGP" --admin-listen "127.0.0.1:$(kt_free_ports 1)"
ADMIN=$(sed -n 's/.*admin .* on \(.*\)$/\1/p' "$KT_WORK/gw-enforce.log")

run() { # BOOTSTRAP: prints records per second
	local t0 t1
	t0=$(date +%s.%N)
	kcat -P -b "$1" -t bench-orders -p 0 -X acks=all -X linger.ms=5 -X queue.buffering.max.messages=1000000 \
		-l "$KT_WORK/orders.jsonl" 2>"$KT_WORK/kcat.err" || { cat "$KT_WORK/kcat.err" >&2; exit 1; }
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk -v n="$RECORDS" '{printf "%.0f\n", n / ($2 - $1)}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
run "$KT_BROKERS" >/dev/null
for r in $(seq 1 "$ROUNDS"); do
	d=$(run "$KT_BROKERS"); p=$(run "$GW_pass"); e=$(run "$GW_enforce")
	echo "round $r: direct $d/s, pass-through $p/s, enforce $e/s"
	echo "$d" >>"$KT_WORK/d"; echo "$p" >>"$KT_WORK/p"; echo "$e" >>"$KT_WORK/e"
	echo "$d $p $e" >>"$KT_WORK/rounds"
done
d=$(median <"$KT_WORK/d"); p=$(median <"$KT_WORK/p"); e=$(median <"$KT_WORK/e")
echo
echo "== medians of $ROUNDS rounds ($RECORDS plain-JSON orders, $(wc -c <"$KT_WORK/orders.jsonl") bytes, acks=all, kcat)"
printf 'direct        %8.0f rec/s\n' "$d"
ratio() { awk -v c="$1" '{print 100 * $c / $1}' "$KT_WORK/rounds" | median; }
printf 'pass-through  %8.0f rec/s  (%.1f%% of direct; per-round ratio median %.1f%%)\n' "$p" \
	"$(echo "$d $p" | awk '{print 100 * $2 / $1}')" "$(ratio 2)"
printf 'enforce       %8.0f rec/s  (%.1f%% of direct; per-round ratio median %.1f%%)\n' "$e" \
	"$(echo "$d $e" | awk '{print 100 * $2 / $1}')" "$(ratio 3)"
[ -n "$ADMIN" ] && curl -s "http://$ADMIN/metrics" | grep 'batches_total{topic="bench-orders",outcome="\(accepted\|rejected\)"}\|records_total{topic="bench-orders",outcome="accepted"}'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (figures mean little on a busy machine)"
