#!/usr/bin/env bash
# bench/gateway/run.sh: what the gateway costs a producer, against a real
# Apache Kafka broker in the same run (not a test). For each of ROUNDS rounds
# it runs bench/gateway/kbench three ways:
#   - direct: straight at the broker;
#   - relay: through bench/gateway/relay, a splice()-only TCP relay (what any
#     proxy costs at the least: the extra hop);
#   - gateway: through `schemagate gateway --listen ... --brokers ...`, as a
#     user runs it;
# in an order that rotates from round to round (each side goes first, second
# and third equally often over a multiple of 3 rounds), measuring
#   - throughput: RECORDS records of 1 KiB, acks=all, linger.ms=5;
#   - latency: LAT_RECORDS records of 1 KiB at LAT_RATE/s, acks=all,
#     linger.ms=0, time from produce() to the delivery report;
# and samples the gateway's and the relay's CPU time and the gateway's
# resident memory (/proc). Before the rounds, 3 direct runs, one through the
# relay and one through the gateway warm up the broker (not counted); each
# run starts after a 2 s pause, so that the broker has deleted the segments
# the run before it rolled (retention is checked every second).
#
# Usage, from a plain (not sanitizer) build folder:
#   make schemagate bench/gateway/kbench bench/gateway/relay
#   SG_BUILDDIR=$PWD bash /path/to/src/bench/gateway/run.sh
# Environment: ROUNDS (6), RECORDS (1000000), LAT_RECORDS (20000), LAT_RATE (2000),
# GATEWAY_CPU (unset; N runs the gateway and the relay on core N and the broker
# and the producer on the other cores, in every run).
# MODE (plain): tls and handshakes run bench/gateway/tls.sh instead (TLS on
# both sides against plaintext, and the TLS handshakes one core sustains;
# see there and bench/gateway/README.md).
set -u
case ${MODE:-plain} in
plain) ;;
tls | handshakes) exec bash "$(dirname "$0")/tls.sh" ;;
*) echo "MODE=$MODE: plain, tls or handshakes" >&2; exit 2 ;;
esac
SG_SRCDIR=${SG_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SG_SRCDIR/tests/kafka/lib.sh"
KBENCH=$KT_BUILD/bench/gateway/kbench
RELAY=$KT_BUILD/bench/gateway/relay
SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
ROUNDS=${ROUNDS:-6}
RECORDS=${RECORDS:-1000000}
LAT_RECORDS=${LAT_RECORDS:-20000}
LAT_RATE=${LAT_RATE:-2000}

[ -x "$KBENCH" ] && [ -x "$RELAY" ] && [ -x "$SG_BIN" ] ||
	{ echo "build schemagate, bench/gateway/kbench and bench/gateway/relay first" >&2; exit 1; }
kt_fetch || { echo "cannot fetch Kafka: $KT_SKIP_WHY" >&2; exit 1; }
KT_BENCH=1 KT_RELAY=1 kt_start_kafka 1 || exit 1
kt_bench_pin || exit 1
# The broker's RELAY listener advertises the relay's port, so a producer that
# bootstraps through the relay keeps going through it. The relay starts
# before the gateway picks its ports, and must say it is ready and stay up.
$KT_PIN_GW "$RELAY" "$KT_RELAY_ADV_1" "$KT_RELAY_PORT_1" >"$KT_WORK/relay.out" 2>&1 &
RELAY_PID=$!
KT_PIDS+=($RELAY_PID)
for _ in $(seq 1 50); do
	grep -q '^ready$' "$KT_WORK/relay.out" && break
	sleep 0.1
done
grep -q '^ready$' "$KT_WORK/relay.out" && kill -0 "$RELAY_PID" ||
	{ echo "the relay did not start" >&2; cat "$KT_WORK/relay.out" >&2; exit 1; }
RELAY_AT=127.0.0.1:$KT_RELAY_ADV_1
port=$(kt_free_ports 8)
$KT_PIN_GW "$SG_BIN" gateway --listen "127.0.0.1:$port" --brokers "$KT_BROKERS" 2>"$KT_WORK/gateway.log" &
KT_GW_PID=$!
KT_PIDS+=($KT_GW_PID)
kt_wait_port "$port" 10 || { echo "the gateway did not start" >&2; cat "$KT_WORK/gateway.log" >&2; exit 1; }
KT_GW=127.0.0.1:$port
echo "broker $KT_BROKERS, relay $RELAY_AT, gateway $KT_GW (pid $KT_GW_PID), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

gw_cpu() { kt_cpu_seconds "$KT_GW_PID"; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
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
	case $((r % 3)) in
	1) order="direct relay gateway" ;;
	2) order="relay gateway direct" ;;
	0) order="gateway direct relay" ;;
	esac
	line="round $r throughput:"
	for side in $order; do
		sleep 2
		c0=$(gw_cpu); r0=$(kt_cpu_seconds "$RELAY_PID"); t0=$(date +%s.%N)
		out=$($KT_PIN_OTHERS "$KBENCH" "$(boot $side)" bench-tp throughput "$RECORDS") || exit 1
		c1=$(gw_cpu); r1=$(kt_cpu_seconds "$RELAY_PID"); t1=$(date +%s.%N)
		v=$(echo "$out" | field records_per_s)
		echo "$v" >>"$KT_WORK/tp.$side"
		line="$line $side $v/s"
		if [ "$side" = gateway ]; then
			echo "$c0 $c1 $t0 $t1" | awk '{printf "%.1f\n", 100 * ($2 - $1) / ($4 - $3)}' >>"$KT_WORK/cpu.gw"
			echo "$c0 $c1" | awk -v n="$RECORDS" '{printf "%.2f\n", ($2 - $1) / (n * 1024 / 2^30)}' >>"$KT_WORK/cpugib.gw"
		elif [ "$side" = relay ]; then
			echo "$r0 $r1" | awk -v n="$RECORDS" '{printf "%.2f\n", ($2 - $1) / (n * 1024 / 2^30)}' >>"$KT_WORK/cpugib.relay"
		fi
	done
	echo "$line, gateway CPU $(tail -1 "$KT_WORK/cpu.gw")% of a core"
	line="round $r latency at $LAT_RATE/s:"
	for side in $order; do
		sleep 2
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

# The median of the per-round ratios of side $2's throughput to side $1's, in %.
ratio() { paste "$KT_WORK/tp.$2" "$KT_WORK/tp.$1" | awk '{printf "%.4f\n", 100 * $1 / $2}' | kt_median; }
echo
echo "== medians of $ROUNDS rounds (1 KiB records, acks=all, librdkafka $(pkg-config --modversion rdkafka))"
for side in direct relay gateway; do
	printf 'throughput %-8s %8.0f rec/s\n' "$side" "$(kt_median <"$KT_WORK/tp.$side")"
done
printf 'per-round ratios: relay %.1f%% of direct, gateway %.1f%% of direct, gateway %.1f%% of relay\n' \
	"$(ratio direct relay)" "$(ratio direct gateway)" "$(ratio relay gateway)"
for k in p50_us p99_us; do
	a=$(kt_median <"$KT_WORK/$k.direct"); b=$(kt_median <"$KT_WORK/$k.relay"); c=$(kt_median <"$KT_WORK/$k.gateway")
	printf 'latency %-4s direct %6.0f us  relay %6.0f us (%+.0f)  gateway %6.0f us (%+.0f)\n' "${k%_us}" \
		"$a" "$b" "$(echo "$a $b" | awk '{print $2 - $1}')" "$c" "$(echo "$a $c" | awk '{print $2 - $1}')"
done
printf 'gateway CPU  %.0f%% of a core at full throughput, %.1f%% at %s rec/s\n' \
	"$(kt_median <"$KT_WORK/cpu.gw")" "$(kt_median <"$KT_WORK/cpulat.gw")" "$LAT_RATE"
printf 'CPU per GiB produced through it: gateway %.2f s, relay %.2f s\n' \
	"$(kt_median <"$KT_WORK/cpugib.gw")" "$(kt_median <"$KT_WORK/cpugib.relay")"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (figures mean little on a busy machine)"
echo "gateway memory: $(grep -E 'VmHWM|VmRSS' "/proc/$KT_GW_PID/status" | tr -s ' \t' ' ' | paste -sd, -)"
