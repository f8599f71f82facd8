#!/usr/bin/env bash
# bench/gateway/run.sh: what the gateway costs a producer, against a real
# Apache Kafka broker in the same run (not a test). For each of ROUNDS rounds
# it runs bench/gateway/kbench three ways:
#   - direct: straight at the broker;
#   - relay: through bench/gateway/relay, a splice()-only TCP relay (what any
#     proxy costs at the least: the extra hop);
#   - gateway: through `schemagate gateway --listen ... --brokers ...`, as a
#     user runs it;
# in an order that reverses from round to round, measuring
#   - throughput: RECORDS records of 1 KiB, acks=all, linger.ms=5;
#   - latency: LAT_RECORDS records of 1 KiB at LAT_RATE/s, acks=all,
#     linger.ms=0, time from produce() to the delivery report;
# and samples the gateway's CPU time and resident memory (/proc).
#
# Usage, from a plain (not sanitizer) build folder:
#   make schemagate bench/gateway/kbench bench/gateway/relay
#   SG_BUILDDIR=$PWD bash /path/to/src/bench/gateway/run.sh
# Environment: ROUNDS (5), RECORDS (1000000), LAT_RECORDS (20000), LAT_RATE (2000),
# GATEWAY_CPU (unset; N runs the gateway and the relay on core N and the broker
# and the producer on the other cores, in every run).
set -u
SG_SRCDIR=${SG_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SG_SRCDIR/tests/kafka/lib.sh"
KBENCH=$KT_BUILD/bench/gateway/kbench
RELAY=$KT_BUILD/bench/gateway/relay
SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
ROUNDS=${ROUNDS:-5}
RECORDS=${RECORDS:-1000000}
LAT_RECORDS=${LAT_RECORDS:-20000}
LAT_RATE=${LAT_RATE:-2000}

[ -x "$KBENCH" ] && [ -x "$RELAY" ] && [ -x "$SG_BIN" ] ||
	{ echo "build schemagate, bench/gateway/kbench and bench/gateway/relay first" >&2; exit 1; }
kt_fetch || { echo "cannot fetch Kafka: $KT_SKIP_WHY" >&2; exit 1; }
KT_BENCH=1 KT_RELAY=1 kt_start_kafka 1 || exit 1
kt_bench_pin || exit 1
port=$(kt_free_ports 8)
$KT_PIN_GW "$SG_BIN" gateway --listen "127.0.0.1:$port" --brokers "$KT_BROKERS" 2>"$KT_WORK/gateway.log" &
KT_GW_PID=$!
KT_PIDS+=($KT_GW_PID)
kt_wait_port "$port" 10 || { echo "the gateway did not start" >&2; cat "$KT_WORK/gateway.log" >&2; exit 1; }
KT_GW=127.0.0.1:$port
# The broker's RELAY listener advertises the relay's port, so a producer that
# bootstraps through the relay keeps going through it.
$KT_PIN_GW "$RELAY" "$KT_RELAY_ADV_1" "$KT_RELAY_PORT_1" >"$KT_WORK/relay.out" 2>&1 &
KT_PIDS+=($!)
kt_wait_port "$KT_RELAY_ADV_1" 10 || { echo "the relay did not start" >&2; cat "$KT_WORK/relay.out" >&2; exit 1; }
RELAY_AT=127.0.0.1:$KT_RELAY_ADV_1
echo "broker $KT_BROKERS, relay $RELAY_AT, gateway $KT_GW (pid $KT_GW_PID), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# CPU seconds (user + system) the gateway used so far.
gw_cpu() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$KT_GW_PID/stat"; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
boot() { case $1 in direct) echo "$KT_BROKERS" ;; relay) echo "$RELAY_AT" ;; *) echo "$KT_GW" ;; esac; }

# Warm-up, not counted: the broker's JIT keeps speeding up over the first few
# million records (direct went from ~310k to ~470k records/s over ten runs).
for w in 1 2 3; do
	$KT_PIN_OTHERS "$KBENCH" "$KT_BROKERS" bench-tp throughput "$RECORDS" >/dev/null || exit 1
done
for side in relay gateway; do
	$KT_PIN_OTHERS "$KBENCH" "$(boot $side)" bench-tp throughput "$RECORDS" >/dev/null || exit 1
done
for r in $(seq 1 "$ROUNDS"); do
	# Odd rounds go direct, relay, gateway; even rounds the other way round,
	# so no side always meets the broker just after the same other one.
	order="direct relay gateway"
	[ $((r % 2)) = 0 ] && order="gateway relay direct"
	line="round $r throughput:"
	for side in $order; do
		c0=$(gw_cpu); t0=$(date +%s.%N)
		out=$($KT_PIN_OTHERS "$KBENCH" "$(boot $side)" bench-tp throughput "$RECORDS") || exit 1
		c1=$(gw_cpu); t1=$(date +%s.%N)
		v=$(echo "$out" | field records_per_s)
		echo "$v" >>"$KT_WORK/tp.$side"
		line="$line $side $v/s"
		if [ "$side" = gateway ]; then
			echo "$c0 $c1 $t0 $t1" | awk '{printf "%.1f\n", 100 * ($2 - $1) / ($4 - $3)}' >>"$KT_WORK/cpu.gw"
			echo "$c0 $c1" | awk -v n="$RECORDS" '{printf "%.2f\n", ($2 - $1) / (n * 1024 / 2^30)}' >>"$KT_WORK/cpugib.gw"
		fi
	done
	echo "$line, gateway CPU $(tail -1 "$KT_WORK/cpu.gw")% of a core"
	line="round $r latency at $LAT_RATE/s:"
	for side in $order; do
		c0=$(gw_cpu); t0=$(date +%s.%N)
		out=$($KT_PIN_OTHERS "$KBENCH" "$(boot $side)" bench-lat latency "$LAT_RECORDS" "$LAT_RATE") || exit 1
		c1=$(gw_cpu); t1=$(date +%s.%N)
		for k in p50_us p99_us; do
			echo "$out" | field $k >>"$KT_WORK/$k.$side"
		done
		line="$line $side p50 $(echo "$out" | field p50_us) p99 $(echo "$out" | field p99_us) us;"
		[ "$side" = gateway ] &&
			echo "$c0 $c1 $t0 $t1" | awk '{printf "%.1f\n", 100 * ($2 - $1) / ($4 - $3)}' >>"$KT_WORK/cpulat.gw"
	done
	echo "$line"
done

# Per-round ratio of column $2 to column $1 of the rounds, median, in %.
ratio() { paste "$KT_WORK/tp.$2" "$KT_WORK/tp.$1" | awk '{printf "%.4f\n", 100 * $1 / $2}' | median; }
echo
echo "== medians of $ROUNDS rounds (1 KiB records, acks=all, librdkafka $(pkg-config --modversion rdkafka))"
for side in direct relay gateway; do
	printf 'throughput %-8s %8.0f rec/s\n' "$side" "$(median <"$KT_WORK/tp.$side")"
done
printf 'per-round ratios: relay %.1f%% of direct, gateway %.1f%% of direct, gateway %.1f%% of relay\n' \
	"$(ratio direct relay)" "$(ratio direct gateway)" "$(ratio relay gateway)"
for k in p50_us p99_us; do
	a=$(median <"$KT_WORK/$k.direct"); b=$(median <"$KT_WORK/$k.relay"); c=$(median <"$KT_WORK/$k.gateway")
	printf 'latency %-4s direct %6.0f us  relay %6.0f us (%+.0f)  gateway %6.0f us (%+.0f)\n' "${k%_us}" \
		"$a" "$b" "$(echo "$a $b" | awk '{print $2 - $1}')" "$c" "$(echo "$a $c" | awk '{print $2 - $1}')"
done
printf 'gateway CPU  %.0f%% of a core at full throughput, %.1f%% at %s rec/s\n' \
	"$(median <"$KT_WORK/cpu.gw")" "$(median <"$KT_WORK/cpulat.gw")" "$LAT_RATE"
printf 'gateway CPU  %.2f s per GiB produced through it\n' "$(median <"$KT_WORK/cpugib.gw")"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (figures mean little on a busy machine)"
echo "gateway memory: $(grep -E 'VmHWM|VmRSS' "/proc/$KT_GW_PID/status" | tr -s ' \t' ' ' | paste -sd, -)"
