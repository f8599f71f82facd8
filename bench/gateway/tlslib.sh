# bench/gateway/tlslib.sh: the TLS set-up shared by bench/gateway/tls.sh and
# bench/gateway-enforce/run.sh MODE=tls (bash, sourced after
# tests/kafka/lib.sh; benchmarks only).
#
# bench_tls_broker: one KT_BENCH broker (kt_start_kafka_ssl) with two
# listeners, so that the TLS and the plaintext figures come from the same
# broker in the same run:
#   - SSL (client certificates required) at $KT_BROKERS;
#   - SASL_PLAINTEXT (PLAIN, user admin) at $BENCH_PLAIN_BROKERS: after the
#     SASL exchange at connection start the bytes are plaintext, as on a
#     PLAINTEXT listener (tests/kafka/lib.sh has no second PLAINTEXT
#     listener that advertises itself, and a gateway learns the brokers'
#     addresses from Metadata).
# Makes in $BENCH_TLS (RSA 2048, tests/kafka/lib.sh's kt_tls_*): ca.crt, the
# broker's, admin.crt/key (the identity the gateway shows the broker and
# direct TLS producers use) and gateway.crt/key (the gateway's server
# certificate, for 127.0.0.1). Sets:
#   BENCH_X_PLAIN    kbench/kcat -X flags for the SASL_PLAINTEXT listener and
#                    for a plaintext gateway in front of it;
#   BENCH_X_DIRECT   -X flags for the SSL listener (with admin's certificate);
#   BENCH_X_GW       -X flags for a TLS gateway (server verified, no client
#                    certificate: --gateway-tls-client-auth none);
#   BENCH_GW_TLS     the gateway flags for TLS on both sides (identity
#                    `gateway`: one certificate towards the broker).
bench_tls_broker() {
	BENCH_TLS=$KT_WORK/tls
	KT_BENCH=1 KT_SASL=1 kt_start_kafka_ssl "$BENCH_TLS" 1 || return 1
	kt_tls_cert "$BENCH_TLS" gateway "/CN=gateway" ca "IP:127.0.0.1,DNS:localhost" || return 1
	BENCH_PLAIN_BROKERS=127.0.0.1:$KT_SASL_PORT_1
	BENCH_X_PLAIN="-X security.protocol=sasl_plaintext -X sasl.mechanisms=PLAIN -X sasl.username=admin -X sasl.password=admin-secret"
	BENCH_X_DIRECT="-X security.protocol=ssl -X ssl.ca.location=$BENCH_TLS/ca.crt -X ssl.certificate.location=$BENCH_TLS/admin.crt -X ssl.key.location=$BENCH_TLS/admin.key"
	BENCH_X_GW="-X security.protocol=ssl -X ssl.ca.location=$BENCH_TLS/ca.crt"
	BENCH_GW_TLS="--gateway-tls-cert $BENCH_TLS/gateway.crt --gateway-tls-key $BENCH_TLS/gateway.key --broker-tls-ca $BENCH_TLS/ca.crt --broker-identity gateway --broker-tls-cert $BENCH_TLS/admin.crt --broker-tls-key $BENCH_TLS/admin.key"
}

# bench_ecdsa_cert DIR NAME CA: DIR/NAME.crt and .key, an ECDSA P-256 server
# certificate for 127.0.0.1 signed by DIR/CA.{crt,key} (kt_tls_cert makes
# RSA 2048 ones).
bench_ecdsa_cert() {
	local dir=$1 name=$2 ca=$3
	printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/$name.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
		-keyout "$dir/$name.key" -out "$dir/$name.csr" >/dev/null 2>&1 &&
		openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" \
			-CAcreateserial -days 2 -extfile "$dir/$name.ext" -out "$dir/$name.crt" >/dev/null 2>&1
}

# bench_start_gw NAME PIN BROKERS [GATEWAY FLAGS...]: starts `schemagate
# gateway` ($SG_BIN) under the command prefix PIN ("" or "taskset -c N"),
# logging to $KT_WORK/gw-NAME.log; sets BENCH_GW_PORT and BENCH_GW_PID.
bench_start_gw() {
	local name=$1 pin=$2 brokers=$3 port
	shift 3
	port=$(kt_free_ports 8) || return 1
	$pin "$SG_BIN" gateway --listen "127.0.0.1:$port" --brokers "$brokers" "$@" 2>"$KT_WORK/gw-$name.log" &
	BENCH_GW_PID=$!
	KT_PIDS+=($BENCH_GW_PID)
	BENCH_GW_PORT=$port
	kt_wait_port "$port" 10 || { echo "gateway $name did not start:" >&2; cat "$KT_WORK/gw-$name.log" >&2; return 1; }
}

# bench_stop PID: stops a process this script started (SIGTERM, then waits)
# and drops it from KT_PIDS.
bench_stop() {
	local pid=$1 p keep=()
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for p in "${KT_PIDS[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	KT_PIDS=("${keep[@]}")
}

bench_rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }

# bench_idle_conns PORT N tls|plain: opens N idle connections to 127.0.0.1:PORT
# with $TLSLOAD (each handshaken and past one ApiVersions request), waits
# until all are up and sets BENCH_IDLE_PID (kill it with bench_stop).
bench_idle_conns() {
	local out=$KT_WORK/idle.$BASHPID.$RANDOM
	"$TLSLOAD" idle 127.0.0.1 "$1" "$2" "$3" >"$out" 2>&1 &
	BENCH_IDLE_PID=$!
	KT_PIDS+=($BENCH_IDLE_PID)
	for _ in $(seq 1 600); do
		grep -q '^ready' "$out" 2>/dev/null && return 0
		kill -0 "$BENCH_IDLE_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "tlsload idle $* did not finish:" >&2
	cat "$out" >&2
	return 1
}

# bench_mem_per_conn FILE NAME N tls|plain BROKERS [GATEWAY FLAGS...]: a
# fresh gateway; its RSS with 16 idle connections (warm-up), then with N
# more; appends the growth per connection in KiB (one decimal) to FILE.
bench_mem_per_conn() {
	local file=$1 name=$2 n=$3 kind=$4 brokers=$5 warm_pid r0 r1
	shift 5
	bench_start_gw "$name" "" "$brokers" "$@" || return 1
	bench_idle_conns "$BENCH_GW_PORT" 16 "$kind" || return 1
	warm_pid=$BENCH_IDLE_PID
	sleep 1
	r0=$(bench_rss_kib "$BENCH_GW_PID")
	bench_idle_conns "$BENCH_GW_PORT" "$n" "$kind" || return 1
	sleep 1
	r1=$(bench_rss_kib "$BENCH_GW_PID")
	bench_stop "$BENCH_IDLE_PID"
	bench_stop "$warm_pid"
	bench_stop "$BENCH_GW_PID"
	echo "$r0 $r1" | awk -v n="$n" '{printf "%.1f\n", ($2 - $1) / n}' >>"$file"
}

# bench_spread: "median (min-max)" of the numbers on stdin.
bench_spread() {
	sort -n | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
		printf "%s (%s-%s)", m, a[1], a[NR]}'
}
