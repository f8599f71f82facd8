#!/usr/bin/env bash
# bench/gateway-enforce/run.sh: what record validation costs a producer end to
# end, against a real Apache Kafka broker in the same run (not a test). For
# each of ROUNDS rounds and each format, bench/gateway/kbench produces RECORDS
# orders (acks=all, linger.ms=5)
#   - straight to the broker (direct),
#   - through `schemagate gateway` without --registry (pass-through),
#   - through `schemagate gateway --registry` with the topic's -value subject
#     registered (enforce: every record is validated, all are valid),
# in an order that alternates between rounds, and prints the records per
# second of each, the medians, the medians of the per-round ratios and each
# gateway's CPU time per million records. The formats:
#   - json: plain JSON (the seed's json.dumps(order)), the schemas/orders.json
#     event, about 200 bytes, validated against the JSON Schema;
#   - avro: Confluent-framed Avro (what KafkaAvroSerializer writes), the
#     schemas/orders.avsc event, about 90 bytes.
#
# Usage, from a plain (not sanitizer) build folder:
#   make schemagate bench/gateway/kbench && SG_BUILDDIR=$PWD bash /path/to/src/bench/gateway-enforce/run.sh
# Environment: ROUNDS (5), RECORDS (1000000), FORMATS ("json avro"),
# GATEWAY_CPU (unset; N runs the gateways on core N and the broker and the
# producer on the other cores, in every run).
set -u
SG_SRCDIR=${SG_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SG_SRCDIR/tests/kafka/lib.sh"
SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
KBENCH=$KT_BUILD/bench/gateway/kbench
ROUNDS=${ROUNDS:-5}
RECORDS=${RECORDS:-1000000}
FORMATS=${FORMATS:-json avro}

[ -x "$SG_BIN" ] && [ -x "$KBENCH" ] || { echo "build schemagate and bench/gateway/kbench first" >&2; exit 1; }
kt_fetch || { echo "cannot fetch Kafka: $KT_SKIP_WHY" >&2; exit 1; }
KT_BENCH=1 kt_start_kafka 1 || exit 1
kt_bench_pin || exit 1

REGP=$(kt_free_ports 1)
"$SG_BIN" registry --listen "127.0.0.1:$REGP" --db "$KT_WORK/reg.db" 2>"$KT_WORK/reg.log" &
KT_PIDS+=($!)
kt_wait_port "$REGP" 10 || { echo "registry did not start" >&2; exit 1; }
# Registers both schemas and writes both record files (4-byte big-endian
# length, then the value), the same orders in each format.
python3 - "$SG_SRCDIR/schemas" "http://127.0.0.1:$REGP" "$RECORDS" "$KT_WORK" <<-'PY' || exit 1
	import json, struct, sys, urllib.request
	schemas, reg, n, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
	def register(subject, kind, path):
	    body = json.dumps({"schemaType": kind, "schema": open(path).read()}).encode()
	    req = urllib.request.Request(reg + "/subjects/%s/versions" % subject, data=body,
	                                 headers={"Content-Type": "application/json"}, method="POST")
	    return json.load(urllib.request.urlopen(req))["id"]
	register("bench-json-value", "JSON", schemas + "/orders.json")
	avro_id = register("bench-avro-value", "AVRO", schemas + "/orders.avsc")
	def long(v):
	    v = (v << 1) ^ (v >> 63)
	    out = bytearray()
	    while v > 0x7F:
	        out.append((v & 0x7F) | 0x80)
	        v >>= 7
	    out.append(v)
	    return bytes(out)
	def string(s):
	    b = s.encode()
	    return long(len(b)) + b
	with open(work + "/json.rec", "wb") as fj, open(work + "/avro.rec", "wb") as fa:
	    for i in range(n):
	        order = {"event_type": "order_created", "order_id": "ORD-%08d" % i,
	                 "customer_id": "CUST-%05d" % (i % 50000), "amount": round(10 + i % 1000 * 0.37, 2),
	                 "currency": "EUR", "status": "pending", "timestamp": "2026-11-25T13:31:05Z",
	                 "cancel_reason": None}
	        j = json.dumps(order).encode()
	        fj.write(struct.pack(">I", len(j)) + j)
	        a = (b"\0" + struct.pack(">I", avro_id) + long(0) + string(order["order_id"]) +
	             string(order["customer_id"]) + struct.pack("<d", order["amount"]) +
	             string(order["currency"]) + long(0) + string(order["timestamp"]) + long(0))
	        fa.write(struct.pack(">I", len(a)) + a)
PY
start_gw() { # NAME [ARGS...]: sets GW_<NAME> (address) and GWPID_<NAME>
	local name=$1 port
	shift
	port=$(kt_free_ports 8)
	$KT_PIN_GW "$SG_BIN" gateway --listen "127.0.0.1:$port" --brokers "$KT_BROKERS" "$@" 2>"$KT_WORK/gw-$name.log" &
	KT_PIDS+=($!)
	eval "GWPID_$name=$!"
	kt_wait_port "$port" 10 || { echo "gateway $name did not start" >&2; exit 1; }
	eval "GW_$name=127.0.0.1:$port"
}
start_gw pass
start_gw enforce --registry "http://127.0.0.1:$REGP" --admin-listen "127.0.0.1:$(kt_free_ports 1)"
ADMIN=$(sed -n 's/.*admin .* on \(.*\)$/\1/p' "$KT_WORK/gw-enforce.log")

# CPU seconds (user + system) gateway NAME (pass, enforce) used so far; 0
# for direct.
gw_cpu() { if [ "$1" = direct ]; then echo 0; else eval "kt_cpu_seconds \"\$GWPID_$1\""; fi; }
run() { # FORMAT SIDE: appends records/s to $KT_WORK/FORMAT.SIDE, prints it
	local fmt=$1 side=$2 boot out c0 c1
	case $side in direct) boot=$KT_BROKERS ;; pass) boot=$GW_pass ;; *) boot=$GW_enforce ;; esac
	c0=$(gw_cpu "$side")
	out=$($KT_PIN_OTHERS "$KBENCH" "$boot" "bench-$fmt" file "$KT_WORK/$fmt.rec") || { echo "kbench $fmt $side failed: $out" >&2; exit 1; }
	c1=$(gw_cpu "$side")
	[ "$side" != direct ] && echo "$c0 $c1" | awk -v n="$RECORDS" '{printf "%.3f\n", ($2 - $1) * 1e6 / n}' >>"$KT_WORK/$fmt.$side.cpu"
	echo "$out" | sed 's/.*records_per_s=\([0-9]*\).*/\1/' | tee -a "$KT_WORK/$fmt.$side"
}
# Warm-up, not counted: the broker's JIT keeps speeding up over the first few
# million records, and each gateway sees each format once.
for fmt in $FORMATS; do
	for side in direct direct direct pass enforce; do
		run "$fmt" "$side" >/dev/null || exit 1
	done
	: >"$KT_WORK/$fmt.direct"
	: >"$KT_WORK/$fmt.pass"
	: >"$KT_WORK/$fmt.enforce"
	: >"$KT_WORK/$fmt.pass.cpu"
	: >"$KT_WORK/$fmt.enforce.cpu"
done
for r in $(seq 1 "$ROUNDS"); do
	order="direct pass enforce"
	[ $((r % 2)) -eq 0 ] && order="enforce pass direct"
	for fmt in $FORMATS; do
		line=""
		for side in $order; do
			v=$(run "$fmt" "$side") || exit 1
			line="$line $side $v/s"
		done
		echo "round $r $fmt:$line"
	done
done
echo
echo "== medians of $ROUNDS rounds of $RECORDS orders each (acks=all, linger.ms=5, kbench), $(nproc) cores"
for fmt in $FORMATS; do
	paste "$KT_WORK/$fmt.direct" "$KT_WORK/$fmt.pass" "$KT_WORK/$fmt.enforce" >"$KT_WORK/$fmt.rounds"
	ratio() { awk -v c="$1" '{print 100 * $c / $1}' "$KT_WORK/$fmt.rounds" | kt_median; }
	d=$(kt_median <"$KT_WORK/$fmt.direct"); p=$(kt_median <"$KT_WORK/$fmt.pass"); e=$(kt_median <"$KT_WORK/$fmt.enforce")
	echo "$fmt ($(($(wc -c <"$KT_WORK/$fmt.rec") / RECORDS - 4)) bytes a record):"
	printf '  direct        %8.0f rec/s\n' "$d"
	printf '  pass-through  %8.0f rec/s  (per-round ratio median %.1f%% of direct)\n' "$p" "$(ratio 2)"
	printf '  enforce       %8.0f rec/s  (per-round ratio median %.1f%% of direct, %.1f%% of pass-through)\n' \
		"$e" "$(ratio 3)" "$(awk '{print 100 * $3 / $2}' "$KT_WORK/$fmt.rounds" | kt_median)"
	printf '  gateway CPU per million records (median): pass-through %.2f s, enforce %.2f s\n' \
		"$(kt_median <"$KT_WORK/$fmt.pass.cpu")" "$(kt_median <"$KT_WORK/$fmt.enforce.cpu")"
done
[ -n "$ADMIN" ] && curl -s "http://$ADMIN/metrics" | grep 'records_total{topic="bench-[a-z]*",outcome="\(accepted\|rejected\)"}'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (figures mean little on a busy machine)"
