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
# producer on the other cores, in every run), MODE (plain).
#
# MODE=tls: the broker has an SSL listener and a SASL_PLAINTEXT one
# (bench/gateway/tlslib.sh), and each side runs twice, plaintext on both
# sides (direct, pass, enforce: the SASL_PLAINTEXT listener) and TLS on both
# sides (direct-tls: the SSL listener; pass-tls and enforce-tls: TLS to the
# producer, RSA 2048 server certificate, and TLS to the broker, identity
# `gateway`), each TLS run next to its plaintext one, the pair's order
# alternating between rounds. Prints as well each gateway's CPU per GiB of
# record values and the per-round TLS/plaintext ratios.
set -u
SG_SRCDIR=${SG_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SG_SRCDIR/tests/kafka/lib.sh"
. "$SG_SRCDIR/bench/gateway/tlslib.sh"
MODE=${MODE:-plain}
case $MODE in plain | tls) ;; *) echo "MODE=$MODE: plain or tls" >&2; exit 2 ;; esac
SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
KBENCH=$KT_BUILD/bench/gateway/kbench
ROUNDS=${ROUNDS:-5}
RECORDS=${RECORDS:-1000000}
FORMATS=${FORMATS:-json avro}

[ -x "$SG_BIN" ] && [ -x "$KBENCH" ] || { echo "build schemagate and bench/gateway/kbench first" >&2; exit 1; }
kt_fetch || { echo "cannot fetch Kafka: $KT_SKIP_WHY" >&2; exit 1; }
if [ "$MODE" = tls ]; then
	bench_tls_broker || exit 1
	PLAIN_BROKERS=$BENCH_PLAIN_BROKERS X_PLAIN=$BENCH_X_PLAIN
	SIDES="direct direct-tls pass pass-tls enforce enforce-tls"
else
	KT_BENCH=1 kt_start_kafka 1 || exit 1
	PLAIN_BROKERS=$KT_BROKERS X_PLAIN=
	SIDES="direct pass enforce"
fi
kt_bench_pin || exit 1
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

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
start_gw() { # NAME BROKERS [ARGS...]: sets GW_<NAME> (address) and GWPID_<NAME>
	local name=$1 brokers=$2 port
	shift 2
	port=$(kt_free_ports 8)
	$KT_PIN_GW "$SG_BIN" gateway --listen "127.0.0.1:$port" --brokers "$brokers" "$@" 2>"$KT_WORK/gw-$name.log" &
	KT_PIDS+=($!)
	eval "GWPID_$name=$!"
	kt_wait_port "$port" 10 || { echo "gateway $name did not start" >&2; exit 1; }
	eval "GW_$name=127.0.0.1:$port"
}
start_gw pass "$PLAIN_BROKERS"
start_gw enforce "$PLAIN_BROKERS" --registry "http://127.0.0.1:$REGP" --admin-listen "127.0.0.1:$(kt_free_ports 1)"
ADMIN=$(sed -n 's/.*admin .* on \(.*\)$/\1/p' "$KT_WORK/gw-enforce.log")
if [ "$MODE" = tls ]; then
	# shellcheck disable=SC2086
	start_gw pass_tls "$KT_BROKERS" $BENCH_GW_TLS
	# shellcheck disable=SC2086
	start_gw enforce_tls "$KT_BROKERS" $BENCH_GW_TLS --registry "http://127.0.0.1:$REGP"
fi
echo "$(date -u +%FT%TZ) MODE=$MODE, $(nproc) cores, load average $LOAD0"

# CPU seconds (user + system) gateway SIDE (pass, enforce, pass-tls,
# enforce-tls) used so far; 0 for direct and direct-tls.
gw_cpu() { case $1 in direct*) echo 0 ;; *) eval "kt_cpu_seconds \"\$GWPID_${1/-/_}\"" ;; esac; }
# kbench's arguments before the topic for SIDE.
target() {
	case $1 in
	direct) echo "$X_PLAIN $PLAIN_BROKERS" ;;
	direct-tls) echo "$BENCH_X_DIRECT $KT_BROKERS" ;;
	*-tls) eval "echo \"\$BENCH_X_GW \$GW_${1/-/_}\"" ;;
	*) eval "echo \"\$X_PLAIN \$GW_$1\"" ;;
	esac
}
run() { # FORMAT SIDE: appends records/s to $KT_WORK/FORMAT.SIDE, prints it
	local fmt=$1 side=$2 out c0 c1
	c0=$(gw_cpu "$side")
	# shellcheck disable=SC2046
	out=$($KT_PIN_OTHERS "$KBENCH" $(target "$side") "bench-$fmt" file "$KT_WORK/$fmt.rec") || { echo "kbench $fmt $side failed: $out" >&2; exit 1; }
	c1=$(gw_cpu "$side")
	case $side in
	direct*) ;;
	*)
		echo "$c0 $c1" | awk -v n="$RECORDS" '{printf "%.3f\n", ($2 - $1) * 1e6 / n}' >>"$KT_WORK/$fmt.$side.cpu"
		# CPU per GiB of the record file (values and their 4-byte lengths).
		echo "$c0 $c1" | awk -v b="$(wc -c <"$KT_WORK/$fmt.rec")" '{printf "%.3f\n", ($2 - $1) * 2^30 / b}' >>"$KT_WORK/$fmt.$side.cpugib"
		;;
	esac
	echo "$out" | sed 's/.*records_per_s=\([0-9]*\).*/\1/' | tee -a "$KT_WORK/$fmt.$side"
}
# Warm-up, not counted: the broker's JIT keeps speeding up over the first few
# million records, and each gateway sees each format once.
for fmt in $FORMATS; do
	for side in direct direct $SIDES; do
		run "$fmt" "$side" >/dev/null || exit 1
	done
	for side in $SIDES; do
		: >"$KT_WORK/$fmt.$side"
		: >"$KT_WORK/$fmt.$side.cpu"
		: >"$KT_WORK/$fmt.$side.cpugib"
	done
done
for r in $(seq 1 "$ROUNDS"); do
	order=$SIDES
	[ $((r % 2)) -eq 0 ] && order=$(echo "$SIDES" | tr ' ' '\n' | tac | paste -sd' ')
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
if [ "$MODE" = tls ]; then
	echo
	echo "== TLS on both sides against plaintext: median (min-max) of $ROUNDS rounds"
	# tlsratio FORMAT KIND SUFFIX: per-round KIND-tls / KIND of the values in FORMAT.KIND.SUFFIX
	tlsratio() { paste "$KT_WORK/$1.$2-tls$3" "$KT_WORK/$1.$2$3" | awk '$2 > 0 {printf "%.3f\n", $1 / $2}' | bench_spread; }
	for fmt in $FORMATS; do
		echo "$fmt:"
		for side in $SIDES; do
			printf '  %-12s %s rec/s\n' "$side" "$(bench_spread <"$KT_WORK/$fmt.$side")"
		done
		for kind in pass enforce; do
			printf '  %-8s CPU per million records: plain %s s, TLS %s s; per GiB of records: plain %s s, TLS %s s\n' "$kind" \
				"$(bench_spread <"$KT_WORK/$fmt.$kind.cpu")" "$(bench_spread <"$KT_WORK/$fmt.$kind-tls.cpu")" \
				"$(bench_spread <"$KT_WORK/$fmt.$kind.cpugib")" "$(bench_spread <"$KT_WORK/$fmt.$kind-tls.cpugib")"
			printf '  %-8s per-round TLS/plain: throughput %s, gateway CPU %s (goal: at most 2)\n' "$kind" \
				"$(tlsratio "$fmt" "$kind" "")" "$(tlsratio "$fmt" "$kind" .cpu)"
		done
		printf '  direct   per-round TLS/plain throughput %s\n' "$(tlsratio "$fmt" direct "")"
	done
fi
[ -n "$ADMIN" ] && curl -s "http://$ADMIN/metrics" | grep 'records_total{topic="bench-[a-z]*",outcome="\(accepted\|rejected\)"}'
echo "load average at the start: $LOAD0, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (figures mean little on a busy machine)"
