#!/usr/bin/env bash
# bench/gateway/run.sh: what the gateway costs a producer, against a real
# Apache Kafka broker in the same run (not a test). For each of ROUNDS rounds
# it runs bench/gateway/kbench straight at the broker and through the
# gateway, alternating which goes first:
#   - throughput: RECORDS records of 1 KiB, acks=all, linger.ms=5;
#   - latency: LAT_RECORDS records of 1 KiB at LAT_RATE/s, acks=all,
#     linger.ms=0, time from produce() to the delivery report;
# and samples the gateway's CPU time and resident memory (/proc). The gateway
# is `schemagate gateway --listen ... --brokers ...`, as a user runs it.
#
# Usage, from a plain (not sanitizer) build folder:
#   make schemagate bench/gateway/kbench
#   SG_BUILDDIR=$PWD bash /path/to/src/bench/gateway/run.sh
# Environment: ROUNDS (5), RECORDS (1000000), LAT_RECORDS (20000), LAT_RATE (2000),
# GATEWAY_CPU (unset; N runs the gateway on core N and the broker and the
# producer on the other cores, in both the direct and the gateway runs).
set -u
SG_SRCDIR=${SG_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SG_SRCDIR/tests/kafka/lib.sh"
KBENCH=$KT_BUILD/bench/gateway/kbench
SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
ROUNDS=${ROUNDS:-5}
RECORDS=${RECORDS:-1000000}
LAT_RECORDS=${LAT_RECORDS:-20000}
LAT_RATE=${LAT_RATE:-2000}

[ -x "$KBENCH" ] && [ -x "$SG_BIN" ] || { echo "build schemagate and bench/gateway/kbench first" >&2; exit 1; }
kt_fetch || { echo "cannot fetch Kafka: $KT_SKIP_WHY" >&2; exit 1; }
KT_BENCH=1 kt_start_kafka 1 || exit 1
kt_bench_pin || exit 1
port=$(kt_free_ports 8)
$KT_PIN_GW "$SG_BIN" gateway --listen "127.0.0.1:$port" --brokers "$KT_BROKERS" 2>"$KT_WORK/gateway.log" &
KT_GW_PID=$!
KT_PIDS+=($KT_GW_PID)
kt_wait_port "$port" 10 || { echo "the gateway did not start" >&2; cat "$KT_WORK/gateway.log" >&2; exit 1; }
KT_GW=127.0.0.1:$port
echo "broker $KT_BROKERS, gateway $KT_GW (pid $KT_GW_PID), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# CPU seconds (user + system) the gateway used so far.
gw_cpu() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$KT_GW_PID/stat"; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

$KT_PIN_OTHERS "$KBENCH" "$KT_BROKERS" bench-warm throughput 50000 >/dev/null
$KT_PIN_OTHERS "$KBENCH" "$KT_GW" bench-warm throughput 50000 >/dev/null
for r in $(seq 1 "$ROUNDS"); do
	# Odd rounds go direct first, even rounds through the gateway first, so
	# neither side always meets the broker just after the other's load.
	if [ $((r % 2)) = 1 ]; then
		d=$($KT_PIN_OTHERS "$KBENCH" "$KT_BROKERS" bench-tp throughput "$RECORDS") || exit 1
	fi
	c0=$(gw_cpu); t0=$(date +%s.%N)
	g=$($KT_PIN_OTHERS "$KBENCH" "$KT_GW" bench-tp throughput "$RECORDS") || exit 1
	c1=$(gw_cpu); t1=$(date +%s.%N)
	if [ $((r % 2)) = 0 ]; then
		d=$($KT_PIN_OTHERS "$KBENCH" "$KT_BROKERS" bench-tp throughput "$RECORDS") || exit 1
	fi
	echo "$(echo "$d" | field records_per_s) $(echo "$g" | field records_per_s)" |
		awk '{printf "%.4f\n", $2 / $1}' >>"$KT_WORK/tp.ratio"
	echo "round $r throughput: direct $(echo "$d" | field records_per_s)/s, gateway $(echo "$g" | field records_per_s)/s, gateway CPU $(echo "$c0 $c1 $t0 $t1" | awk '{printf "%.0f", 100 * ($2 - $1) / ($4 - $3)}')% of a core"
	echo "$d" | field records_per_s >>"$KT_WORK/tp.direct"
	echo "$g" | field records_per_s >>"$KT_WORK/tp.gw"
	echo "$c0 $c1 $t0 $t1" | awk '{printf "%.1f\n", 100 * ($2 - $1) / ($4 - $3)}' >>"$KT_WORK/cpu.gw"
	echo "$c0 $c1" | awk -v n="$RECORDS" '{printf "%.2f\n", ($2 - $1) / (n * 1024 / 2^30)}' >>"$KT_WORK/cpugib.gw"
	d=$($KT_PIN_OTHERS "$KBENCH" "$KT_BROKERS" bench-lat latency "$LAT_RECORDS" "$LAT_RATE") || exit 1
	c0=$(gw_cpu); t0=$(date +%s.%N)
	g=$($KT_PIN_OTHERS "$KBENCH" "$KT_GW" bench-lat latency "$LAT_RECORDS" "$LAT_RATE") || exit 1
	c1=$(gw_cpu); t1=$(date +%s.%N)
	echo "round $r latency at $LAT_RATE/s: direct p50 $(echo "$d" | field p50_us) us p99 $(echo "$d" | field p99_us) us; gateway p50 $(echo "$g" | field p50_us) us p99 $(echo "$g" | field p99_us) us"
	for k in p50_us p99_us; do
		echo "$d" | field $k >>"$KT_WORK/$k.direct"
		echo "$g" | field $k >>"$KT_WORK/$k.gw"
	done
	echo "$c0 $c1 $t0 $t1" | awk '{printf "%.1f\n", 100 * ($2 - $1) / ($4 - $3)}' >>"$KT_WORK/cpulat.gw"
done

tpd=$(median <"$KT_WORK/tp.direct"); tpg=$(median <"$KT_WORK/tp.gw")
echo
echo "== medians of $ROUNDS rounds (1 KiB records, acks=all, librdkafka $(pkg-config --modversion rdkafka))"
printf 'throughput   direct %8.0f rec/s  gateway %8.0f rec/s  (%.1f%% of direct; per-round ratio median %.1f%%)\n' \
	"$tpd" "$tpg" "$(echo "$tpd $tpg" | awk '{print 100 * $2 / $1}')" "$(median <"$KT_WORK/tp.ratio" | awk '{print 100 * $1}')"
for k in p50_us p99_us; do
	a=$(median <"$KT_WORK/$k.direct"); b=$(median <"$KT_WORK/$k.gw")
	printf 'latency %-4s direct %8.0f us     gateway %8.0f us     (+%.0f us)\n' "${k%_us}" "$a" "$b" \
		"$(echo "$a $b" | awk '{print $2 - $1}')"
done
printf 'gateway CPU  %.0f%% of a core at full throughput, %.1f%% at %s rec/s\n' \
	"$(median <"$KT_WORK/cpu.gw")" "$(median <"$KT_WORK/cpulat.gw")" "$LAT_RATE"
printf 'gateway CPU  %.2f s per GiB produced through it\n' "$(median <"$KT_WORK/cpugib.gw")"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (figures mean little on a busy machine)"
echo "gateway memory: $(grep -E 'VmHWM|VmRSS' "/proc/$KT_GW_PID/status" | tr -s ' \t' ' ' | paste -sd, -)"
