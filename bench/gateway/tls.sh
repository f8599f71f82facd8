#!/usr/bin/env bash
# bench/gateway/tls.sh: bench/gateway/run.sh's TLS modes (run.sh execs this
# for MODE=tls and MODE=handshakes; not a test). One real Apache Kafka broker
# with an SSL listener and a SASL_PLAINTEXT one (bench/gateway/tlslib.sh).
#
# MODE=tls: TLS on both sides against plaintext on both sides, in one run.
# Two gateways (`schemagate gateway`), started once:
#   - gw-plain: plaintext to clients, plaintext (SASL_PLAINTEXT) to the broker;
#   - gw-tls: TLS to clients (RSA 2048 server certificate, no client
#     certificate), TLS to the broker (CA and name verified, identity
#     `gateway`: one client certificate);
# and for each of ROUNDS rounds, kbench four ways, in an order that rotates
# from round to round: direct-plain, direct-tls (straight at the broker's two
# listeners), gw-plain and gw-tls:
#   - throughput: RECORDS records of 1 KiB, acks=all, linger.ms=5, with each
#     gateway's CPU time (/proc/PID/stat) per GiB produced through it;
#   - latency: LAT_RECORDS records at LAT_RATE/s, linger.ms=0, p50 and p99.
# Then, MEM_ROUNDS times alternating plain and TLS, a fresh gateway of each
# kind: its RSS with 16 idle connections, then with IDLE_CONNS more
# (bench/gateway/tlsload idle: handshaken, one ApiVersions answered, so the
# gateway holds each client's broker connection too); the growth per
# connection.
#
# MODE=handshakes: the TLS handshakes one core of the gateway sustains. The
# gateway runs on core GATEWAY_CPU (default 0) alone; the broker and the
# clients (bench/gateway/tlsload handshakes: HS_PROCS processes, each
# a new connection and a full handshake after the other, no resumption) on
# the other cores. Two gateways, TLS to clients and plaintext to the broker
# (each connection's broker side is then only a TCP connect): one with an
# ECDSA P-256 certificate, one with an RSA 2048 one; and a plaintext one for
# the baseline (tcp-plain: what a connection costs without TLS). For each of
# ROUNDS rounds, HS_SECONDS of TLS 1.3 and of TLS 1.2 against each TLS
# gateway and of plain connections, in an order that rotates; prints the handshakes per second, the gateway's CPU (% of a
# core) and the handshakes per CPU second of the gateway (what a core does
# when the gateway has it all).
#
# Environment: MODE, ROUNDS (3), RECORDS (1000000), LAT_RECORDS (20000),
# LAT_RATE (2000), MEM_ROUNDS (3), IDLE_CONNS (1000), HS_SECONDS (5),
# HS_PROCS (16), GATEWAY_CPU (tls: unset = shared cores, as run.sh).
set -u
SG_SRCDIR=${SG_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SG_SRCDIR/tests/kafka/lib.sh"
. "$SG_SRCDIR/bench/gateway/tlslib.sh"
KBENCH=$KT_BUILD/bench/gateway/kbench
TLSLOAD=$KT_BUILD/bench/gateway/tlsload
SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
MODE=${MODE:-tls}
ROUNDS=${ROUNDS:-3}
RECORDS=${RECORDS:-1000000}
LAT_RECORDS=${LAT_RECORDS:-20000}
LAT_RATE=${LAT_RATE:-2000}
MEM_ROUNDS=${MEM_ROUNDS:-3}
IDLE_CONNS=${IDLE_CONNS:-1000}
HS_SECONDS=${HS_SECONDS:-5}
HS_PROCS=${HS_PROCS:-16}

[ -x "$KBENCH" ] && [ -x "$TLSLOAD" ] && [ -x "$SG_BIN" ] ||
	{ echo "build schemagate, bench/gateway/kbench and bench/gateway/tlsload first" >&2; exit 1; }
[ "$MODE" = handshakes ] && GATEWAY_CPU=${GATEWAY_CPU:-0}
kt_fetch || { echo "cannot fetch Kafka: $KT_SKIP_WHY" >&2; exit 1; }
bench_tls_broker || { echo "the broker did not start" >&2; exit 1; }
kt_bench_pin || exit 1
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$(date -u +%FT%TZ) MODE=$MODE, $(nproc) cores, load average $LOAD0, $(openssl version)"

handshakes() {
	local kind cfg ver r c0 c1 out n s i
	bench_ecdsa_cert "$BENCH_TLS" gw-ec ca || { echo "openssl could not make the ECDSA certificate" >&2; exit 1; }
	bench_start_gw hs-ecdsa "$KT_PIN_GW" "$BENCH_PLAIN_BROKERS" \
		--gateway-tls-cert "$BENCH_TLS/gw-ec.crt" --gateway-tls-key "$BENCH_TLS/gw-ec.key" || exit 1
	GW_ecdsa=$BENCH_GW_PORT GWPID_ecdsa=$BENCH_GW_PID
	bench_start_gw hs-rsa "$KT_PIN_GW" "$BENCH_PLAIN_BROKERS" \
		--gateway-tls-cert "$BENCH_TLS/gateway.crt" --gateway-tls-key "$BENCH_TLS/gateway.key" || exit 1
	GW_rsa=$BENCH_GW_PORT GWPID_rsa=$BENCH_GW_PID
	bench_start_gw hs-tcp "$KT_PIN_GW" "$BENCH_PLAIN_BROKERS" || exit 1
	GW_tcp=$BENCH_GW_PORT GWPID_tcp=$BENCH_GW_PID
	local cfgs=(ecdsa-1.3 rsa-1.3 ecdsa-1.2 rsa-1.2 tcp-plain)
	# Warm-up, not counted.
	for cfg in "${cfgs[@]}"; do
		kind=${cfg%-*}
		eval "$KT_PIN_OTHERS \"\$TLSLOAD\" handshakes 127.0.0.1 \"\$GW_$kind\" 1 \"\$HS_PROCS\" ${cfg#*-}" >/dev/null || exit 1
	done
	for r in $(seq 1 "$ROUNDS"); do
		for i in 0 1 2 3 4; do
			cfg=${cfgs[$(((i + r - 1) % 5))]}
			kind=${cfg%-*} ver=${cfg#*-}
			sleep 1
			c0=$(eval "kt_cpu_seconds \"\$GWPID_$kind\"")
			out=$(eval "$KT_PIN_OTHERS \"\$TLSLOAD\" handshakes 127.0.0.1 \"\$GW_$kind\" \"\$HS_SECONDS\" \"\$HS_PROCS\" $ver") ||
				{ echo "tlsload failed: $out" >&2; exit 1; }
			c1=$(eval "kt_cpu_seconds \"\$GWPID_$kind\"")
			n=$(echo "$out" | sed 's/^handshakes=\([0-9]*\).*/\1/')
			s=$(echo "$out" | sed 's/.* seconds=\([0-9.]*\).*/\1/')
			echo "$out" | sed 's/.*per_s=\([0-9]*\).*/\1/' >>"$KT_WORK/hs.$cfg"
			echo "$c0 $c1 $s" | awk '{printf "%.0f\n", 100 * ($2 - $1) / $3}' >>"$KT_WORK/hscpu.$cfg"
			echo "$c0 $c1 $n" | awk '{printf "%.0f\n", ($2 > $1) ? $3 / ($2 - $1) : 0}' >>"$KT_WORK/hspercpu.$cfg"
			echo "round $r $cfg: $out, gateway CPU $(tail -1 "$KT_WORK/hscpu.$cfg")% of a core, $(tail -1 "$KT_WORK/hspercpu.$cfg") per CPU s"
		done
	done
	echo
	echo "== full handshakes against the gateway on core $GATEWAY_CPU, $HS_PROCS client processes on the other cores, median (min-max) of $ROUNDS"
	for cfg in "${cfgs[@]}"; do
		printf '%-9s %s/s, gateway CPU %s%% of a core, %s handshakes per gateway CPU second\n' "$cfg" \
			"$(bench_spread <"$KT_WORK/hs.$cfg")" "$(bench_spread <"$KT_WORK/hscpu.$cfg")" \
			"$(bench_spread <"$KT_WORK/hspercpu.$cfg")"
	done
	cat "$KT_WORK"/gw-hs-*.log | sort | uniq -c | sort -rn | head -5 | sed 's/^/gateway log: /'
	echo "load average at the start: $LOAD0, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}
[ "$MODE" = handshakes ] && { handshakes; exit 0; }
[ "$MODE" = tls ] || { echo "MODE=$MODE: tls or handshakes" >&2; exit 2; }

bench_start_gw plain "$KT_PIN_GW" "$BENCH_PLAIN_BROKERS" || exit 1
GWP=$BENCH_GW_PORT GWP_PID=$BENCH_GW_PID
# shellcheck disable=SC2086
bench_start_gw tls "$KT_PIN_GW" "$KT_BROKERS" $BENCH_GW_TLS || exit 1
GWT=$BENCH_GW_PORT GWT_PID=$BENCH_GW_PID
echo "broker SSL $KT_BROKERS, SASL_PLAINTEXT $BENCH_PLAIN_BROKERS; gw-plain 127.0.0.1:$GWP (pid $GWP_PID), gw-tls 127.0.0.1:$GWT (pid $GWT_PID)"

SIDES=(direct-plain direct-tls gw-plain gw-tls)
# kbench's arguments before the topic for side $1.
target() {
	case $1 in
	direct-plain) echo "$BENCH_X_PLAIN $BENCH_PLAIN_BROKERS" ;;
	direct-tls) echo "$BENCH_X_DIRECT $KT_BROKERS" ;;
	gw-plain) echo "$BENCH_X_PLAIN 127.0.0.1:$GWP" ;;
	gw-tls) echo "$BENCH_X_GW 127.0.0.1:$GWT" ;;
	esac
}
gwpid() { case $1 in gw-plain) echo "$GWP_PID" ;; gw-tls) echo "$GWT_PID" ;; *) echo "" ;; esac; }
cpu_of() { if [ -n "$1" ]; then kt_cpu_seconds "$1"; else echo 0; fi; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }

# Warm-up, not counted: the broker's JIT, both listeners, both gateways.
for side in direct-plain direct-plain direct-tls direct-tls gw-plain gw-tls; do
	# shellcheck disable=SC2046
	$KT_PIN_OTHERS "$KBENCH" $(target $side) bench-tp throughput "$RECORDS" >/dev/null || { echo "warm-up $side failed" >&2; exit 1; }
done
for r in $(seq 1 "$ROUNDS"); do
	order=
	for i in 0 1 2 3; do
		order="$order ${SIDES[$(((i + r - 1) % 4))]}"
	done
	line="round $r throughput:"
	for side in $order; do
		sleep 2
		pid=$(gwpid $side)
		c0=$(cpu_of "$pid")
		# shellcheck disable=SC2046
		out=$($KT_PIN_OTHERS "$KBENCH" $(target $side) bench-tp throughput "$RECORDS") || { echo "kbench $side failed" >&2; exit 1; }
		c1=$(cpu_of "$pid")
		echo "$out" | field records_per_s >>"$KT_WORK/tp.$side"
		echo "$out" | field MiB_per_s >>"$KT_WORK/mib.$side"
		line="$line $side $(echo "$out" | field MiB_per_s) MiB/s"
		if [ -n "$pid" ]; then
			echo "$c0 $c1" | awk -v n="$RECORDS" '{printf "%.3f\n", ($2 - $1) / (n * 1024 / 2^30)}' >>"$KT_WORK/cpugib.$side"
			line="$line ($(tail -1 "$KT_WORK/cpugib.$side") CPU s/GiB)"
		fi
		line="$line;"
	done
	echo "$line"
	line="round $r latency at $LAT_RATE/s:"
	for side in $order; do
		sleep 2
		# shellcheck disable=SC2046
		out=$($KT_PIN_OTHERS "$KBENCH" $(target $side) bench-lat latency "$LAT_RECORDS" "$LAT_RATE") || { echo "kbench $side failed" >&2; exit 1; }
		for k in p50_us p99_us; do
			echo "$out" | field $k >>"$KT_WORK/$k.$side"
		done
		line="$line $side p50 $(echo "$out" | field p50_us) p99 $(echo "$out" | field p99_us) us;"
	done
	echo "$line"
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$MEM_ROUNDS"); do
	bench_mem_per_conn "$KT_WORK/mem.plain" mem-plain "$IDLE_CONNS" plain "$BENCH_PLAIN_BROKERS" || exit 1
	# shellcheck disable=SC2086
	bench_mem_per_conn "$KT_WORK/mem.tls" mem-tls "$IDLE_CONNS" tls "$KT_BROKERS" $BENCH_GW_TLS || exit 1
	echo "memory round $r: $(tail -1 "$KT_WORK/mem.plain") KiB per idle plaintext connection, $(tail -1 "$KT_WORK/mem.tls") KiB per idle TLS one"
done

ratio() { paste "$KT_WORK/$1.$3" "$KT_WORK/$1.$2" | awk '$2 > 0 {printf "%.3f\n", $1 / $2}' | bench_spread; }
echo
echo "== median (min-max) of $ROUNDS rounds; 1 KiB records, acks=all, librdkafka $(pkg-config --modversion rdkafka), $(openssl version | cut -d' ' -f1-2)"
for side in "${SIDES[@]}"; do
	printf 'throughput %-12s %s MiB/s, %s rec/s\n' "$side" "$(bench_spread <"$KT_WORK/mib.$side")" "$(bench_spread <"$KT_WORK/tp.$side")"
done
echo "per-round throughput ratios: gw-tls/gw-plain $(ratio tp gw-plain gw-tls), direct-tls/direct-plain $(ratio tp direct-plain direct-tls),"
echo "  gw-plain/direct-plain $(ratio tp direct-plain gw-plain), gw-tls/direct-tls $(ratio tp direct-tls gw-tls)"
echo "gateway CPU s per GiB produced: plain $(bench_spread <"$KT_WORK/cpugib.gw-plain"), TLS $(bench_spread <"$KT_WORK/cpugib.gw-tls");"
echo "  per-round TLS/plain $(ratio cpugib gw-plain gw-tls) (goal: at most 2)"
for k in p50_us p99_us; do
	line="latency ${k%_us} at $LAT_RATE/s (us):"
	for side in "${SIDES[@]}"; do
		line="$line $side $(bench_spread <"$KT_WORK/$k.$side");"
	done
	echo "$line"
done
echo "gateway RSS per idle connection, $IDLE_CONNS at once, $MEM_ROUNDS fresh gateways each: plain $(bench_spread <"$KT_WORK/mem.plain") KiB, TLS $(bench_spread <"$KT_WORK/mem.tls") KiB"
echo "load average at the start: $LOAD0, after the rounds: $LOAD1, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
