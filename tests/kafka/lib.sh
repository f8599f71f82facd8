# tests/kafka/lib.sh: the real-broker test harness, sourced by the
# tests/kafka/*.sh scripts (bash). It
#   - fetches Apache Kafka (org.apache.kafka:kafka_2.13, tests/kafka/pom.xml)
#     and its dependencies from Maven Central with mvn, once, into
#     $SG_BUILDDIR/.cache/kafka/lib (reused while the pom is unchanged);
#   - compiles the Java test client (tests/kafka/KClient.java) against them;
#   - formats KRaft log dirs and starts one or three broker+controller nodes
#     on free loopback ports, waiting until each answers;
#   - starts the gateway (tests/kafka/gwrun) in front of them;
#   - prints TAP: kt_ok / kt_is / kt_skip / kt_done, and relays TAP lines
#     that helper programs print (kt_relay); tests/run counts every skip
#     here (a missing tool, venv or port) as a failure, since it installs
#     all of them;
#   - stops everything it started, by pid, when the script exits.
#
# Environment: SG_BUILDDIR, SG_SRCDIR (from make check); SG_PYTHON (a Python
# with kafka-python and confluent-kafka, when set up); SG_KAFKA_VERSION
# (default: the pom's); SG_KAFKA_JVM_OPTS (extra broker JVM options);
# KT_BENCH=1 (brokers keep the full JIT, for bench/gateway/run.sh);
# SG_KAFKA_SKIP=1 skips every real-broker test.

set -u
KT_SRC=${SG_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KT_BUILD=${SG_BUILDDIR:-$PWD}
KT_CACHE=$KT_BUILD/.cache/kafka
KT_LIB=$KT_CACHE/lib
KT_CLASSES=$KT_CACHE/classes
KT_GWRUN=$KT_BUILD/tests/kafka/gwrun
KT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/sgkafka.XXXXXX")
KT_PIDS=()
KT_N=0
KT_FAILED=0

kt_cleanup() {
	local pid
	for pid in "${KT_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${KT_PIDS[@]}"; do
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ "${KT_KEEP:-0}" = 1 ]; then
		echo "# kept $KT_WORK"
	else
		rm -rf "$KT_WORK"
	fi
}
trap kt_cleanup EXIT
trap 'exit 130' INT TERM

# TAP.
kt_ok() { # COND-STATUS DESCRIPTION: pass when the status is 0
	local st=$1
	shift
	KT_N=$((KT_N + 1))
	if [ "$st" = 0 ]; then
		echo "ok $KT_N - $*"
	else
		echo "not ok $KT_N - $*"
		KT_FAILED=$((KT_FAILED + 1))
	fi
	return "$st"
}
kt_check() { # DESCRIPTION COMMAND...: runs the command, passes on exit 0
	local desc=$1
	shift
	"$@"
	kt_ok $? "$desc"
}
kt_is() { # GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		kt_ok 0 "$3"
	else
		kt_ok 1 "$3"
		kt_diag "  got:  $1"
		kt_diag "  want: $2"
	fi
}
kt_skip() { # DESCRIPTION REASON
	KT_N=$((KT_N + 1))
	echo "ok $KT_N - $1 # SKIP $2"
}
kt_diag() { printf '# %s\n' "$*"; }
kt_done() {
	echo "1..$KT_N"
	[ "$KT_FAILED" = 0 ]
}
kt_skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}
# Runs a helper that prints TAP lines ("ok - ...", "not ok - ...", "# ...")
# without numbers or a plan, renumbers them into this script's stream, and
# counts a failure when the helper exits non-zero without reporting one.
kt_relay() { # DESCRIPTION COMMAND...
	local desc=$1 line st before=$KT_FAILED out
	shift
	out=$KT_WORK/relay.$KT_N.out
	"$@" >"$out" 2>"$out.err"
	st=$?
	while IFS= read -r line; do
		case $line in
		"not ok"*) KT_N=$((KT_N + 1)); KT_FAILED=$((KT_FAILED + 1)); echo "not ok $KT_N${line#not ok}" ;;
		"ok"*) KT_N=$((KT_N + 1)); echo "ok $KT_N${line#ok}" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$out"
	if [ "$st" != 0 ] && [ "$KT_FAILED" = "$before" ]; then
		kt_ok 1 "$desc: exited with status $st"
	fi
	if [ "$st" != 0 ] || [ "$KT_FAILED" != "$before" ]; then
		sed 's/^/#   stderr: /' "$out.err" | tail -30
	fi
	return 0
}

# Ports: random loopback ports below the ephemeral range that nothing
# answers on. kt_free_ports N prints the first of N consecutive free ports.
kt_port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
kt_free_ports() {
	local n=$1 base i ok
	for _ in $(seq 1 200); do
		base=$((12000 + RANDOM % 18000))
		ok=1
		for ((i = 0; i < n; i++)); do
			kt_port_free $((base + i)) || { ok=0; break; }
		done
		[ "$ok" = 1 ] && { echo "$base"; return 0; }
	done
	return 1
}

kt_wait_port() { # PORT SECONDS
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kt_port_free "$1" || return 0
		sleep 0.1
	done
	return 1
}

# Fetching Kafka. Sets KT_SKIP_WHY and returns 1 when it cannot.
kt_fetch() {
	local stamp want
	KT_SKIP_WHY=
	if [ "${SG_KAFKA_SKIP:-0}" = 1 ]; then
		KT_SKIP_WHY="SG_KAFKA_SKIP=1"
		return 1
	fi
	for tool in java javac mvn kcat; do
		command -v "$tool" >/dev/null || { KT_SKIP_WHY="$tool is not installed"; return 1; }
	done
	mkdir -p "$KT_CACHE"
	want=$(cat "$KT_SRC/tests/kafka/pom.xml" "$KT_SRC/tests/kafka/KClient.java" | cksum | cut -d' ' -f1)
	want="$want ${SG_KAFKA_VERSION:-pom}"
	stamp=$KT_CACHE/stamp
	if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
		(
			exec 9>"$KT_CACHE/lock"
			flock 9
			[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && exit 0
			rm -rf "$KT_LIB" "$KT_CLASSES"
			mvn -B -q -f "$KT_SRC/tests/kafka/pom.xml" \
				${SG_KAFKA_VERSION:+-Dkafka.version=$SG_KAFKA_VERSION} \
				dependency:copy-dependencies -DincludeScope=runtime \
				-DoutputDirectory="$KT_LIB" >"$KT_CACHE/mvn.log" 2>&1 || exit 1
			mkdir -p "$KT_CLASSES"
			javac -nowarn -d "$KT_CLASSES" -cp "$KT_LIB/*" "$KT_SRC/tests/kafka/KClient.java" \
				>"$KT_CACHE/javac.log" 2>&1 || exit 2
			echo "$want" >"$stamp"
		)
		case $? in
		0) ;;
		1) KT_SKIP_WHY="mvn could not fetch Kafka (see $KT_CACHE/mvn.log)"; tail -20 "$KT_CACHE/mvn.log" | sed 's/^/# /'; return 1 ;;
		*) KT_SKIP_WHY="javac failed"; sed 's/^/# /' "$KT_CACHE/javac.log"; return 2 ;;
		esac
	fi
	return 0
}

# kt_fetch for a script: skips the whole script when Kafka cannot be had,
# fails it when the Java test client does not compile.
kt_prepare() {
	kt_fetch
	case $? in
	0) ;;
	1) kt_skip_all "$KT_SKIP_WHY" ;;
	*) kt_ok 1 "the Java test client compiles"; kt_done; exit 1 ;;
	esac
}

# Starting brokers. kt_start_kafka N starts N combined broker+controller
# nodes with ids 1..N and sets KT_BROKERS ("127.0.0.1:p1,..."), KT_PORT_<id>.
# With KT_SASL=1 each node also has a SASL_PLAINTEXT listener (PLAIN; users
# admin/admin-secret and alice/alice-secret) at KT_SASL_PORT_<id>.
# With KT_SCRAM=DIR (see kt_start_kafka_scram) that listener is SASL_SSL
# instead: SCRAM-SHA-512 only, DIR/broker.pem as its key and certificate, no
# client certificates, and the users of KT_SCRAM_USERS ("name:password ...")
# created at format time (StorageTool --add-scram).
# With KT_SUPER (a super.users value) the broker authorizes with
# StandardAuthorizer and ACLs whatever its listeners (KT_SSL_SUPER below).
# With KT_RELAY=1 (benchmarks) each node also has a RELAY listener at
# KT_RELAY_PORT_<id> that advertises 127.0.0.1:KT_RELAY_ADV_<id>, where a
# relay in front of it is to listen.
kt_start_kafka() {
	local n=$1 id base cbase sbase rbase abase sasl relay radv voters cluster dir jvm i main scram u
	base=$(kt_free_ports "$n") || return 1
	cbase=$(kt_free_ports "$n") || return 1
	sbase=$(kt_free_ports "$n") || return 1
	if [ "${KT_RELAY:-0}" = 1 ]; then
		rbase=$(kt_free_ports "$n") || return 1
		abase=$(kt_free_ports "$n") || return 1
	fi
	cluster=$(java -cp "$KT_LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
	[ -n "$cluster" ] || { kt_diag "StorageTool random-uuid failed"; return 1; }
	voters=
	for ((i = 1; i <= n; i++)); do
		voters="$voters${voters:+,}$i@127.0.0.1:$((cbase + i - 1))"
	done
	cat >"$KT_WORK/log4j2.properties" <<-EOF
		rootLogger.level = WARN
		rootLogger.appenderRef.f.ref = f
		appender.f.type = Console
		appender.f.name = f
		appender.f.layout.type = PatternLayout
		appender.f.layout.pattern = [%d] %p %m (%c)%n
		logger.started.name = kafka.server.KafkaRaftServer
		logger.started.level = INFO
	EOF
	# Tests favour a fast, small start (C1 only, serial GC); KT_BENCH=1 gives
	# the broker the full JIT, G1 and a fixed 1 GiB heap.
	if [ "${KT_BENCH:-0}" = 1 ]; then
		jvm="-Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true"
	else
		jvm="-Xms256m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true"
	fi
	jvm="$jvm -Dlog4j2.configurationFile=$KT_WORK/log4j2.properties ${SG_KAFKA_JVM_OPTS:-}"
	KT_BROKERS=
	for ((id = 1; id <= n; id++)); do
		dir=$KT_WORK/kafka${KT_SSL:+-ssl}-$id
		mkdir -p "$dir"
		eval "KT_PORT_$id=$((base + id - 1))"
		KT_BROKERS="$KT_BROKERS${KT_BROKERS:+,}127.0.0.1:$((base + id - 1))"
		{
			echo "process.roles=broker,controller"
			echo "node.id=$id"
			if [ "$n" = 1 ]; then
				echo "controller.quorum.bootstrap.servers=127.0.0.1:$cbase"
			else
				echo "controller.quorum.voters=$voters"
			fi
			sasl=
			if [ -n "${KT_SCRAM:-}" ]; then
				sasl=",SASL_SSL://127.0.0.1:$((sbase + id - 1))"
				echo "sasl.enabled.mechanisms=SCRAM-SHA-512"
				echo "listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512"
				echo "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
				echo "listener.name.sasl_ssl.ssl.keystore.type=PEM"
				echo "listener.name.sasl_ssl.ssl.keystore.location=$KT_SCRAM/broker.pem"
				echo "listener.name.sasl_ssl.ssl.client.auth=none"
				eval "KT_SASL_PORT_$id=$((sbase + id - 1))"
			elif [ "${KT_SASL:-0}" = 1 ]; then
				sasl=",SASL_PLAINTEXT://127.0.0.1:$((sbase + id - 1))"
				echo "sasl.enabled.mechanisms=PLAIN"
				echo "listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";"
				eval "KT_SASL_PORT_$id=$((sbase + id - 1))"
			fi
			relay= radv=
			if [ "${KT_RELAY:-0}" = 1 ]; then
				relay=",RELAY://127.0.0.1:$((rbase + id - 1))"
				radv=",RELAY://127.0.0.1:$((abase + id - 1))"
				eval "KT_RELAY_PORT_$id=$((rbase + id - 1))"
				eval "KT_RELAY_ADV_$id=$((abase + id - 1))"
			fi
			main=PLAINTEXT
			if [ -n "${KT_SSL:-}" ]; then
				main=SSL
				echo "ssl.keystore.type=PEM"
				echo "ssl.keystore.location=$KT_SSL/broker.pem"
				echo "ssl.truststore.type=PEM"
				echo "ssl.truststore.location=$KT_SSL/ca.crt"
				echo "ssl.client.auth=required"
				if [ -n "${KT_SSL_SUPER:-}" ]; then
					echo "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"
					echo "super.users=$KT_SSL_SUPER"
				fi
			elif [ -n "${KT_SUPER:-}" ]; then
				echo "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"
				echo "super.users=$KT_SUPER"
			fi
			echo "listeners=$main://127.0.0.1:$((base + id - 1)),CONTROLLER://127.0.0.1:$((cbase + id - 1))$sasl$relay"
			echo "advertised.listeners=$main://127.0.0.1:$((base + id - 1)),CONTROLLER://127.0.0.1:$((cbase + id - 1))$sasl$radv"
			echo "controller.listener.names=CONTROLLER"
			echo "inter.broker.listener.name=$main"
			echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,RELAY:PLAINTEXT"
			echo "log.dirs=$dir/data"
			echo "num.partitions=${KT_PARTITIONS:-1}"
			echo "default.replication.factor=1"
			echo "offsets.topic.replication.factor=1"
			echo "offsets.topic.num.partitions=1"
			echo "transaction.state.log.replication.factor=1"
			echo "transaction.state.log.min.isr=1"
			echo "transaction.state.log.num.partitions=1"
			echo "share.coordinator.state.topic.replication.factor=1"
			echo "share.coordinator.state.topic.min.isr=1"
			echo "group.initial.rebalance.delay.ms=0"
			echo "auto.create.topics.enable=true"
			if [ "${KT_BENCH:-0}" = 1 ]; then
				# Benchmarks write gigabytes: a partition's log stays at its
				# retention (128 MiB) plus about a second of writes, and old
				# segments are deleted at once, so the broker writes into
				# pages it has used before (bench/gateway/README.md says why
				# that matters on a VM).
				echo "log.segment.bytes=67108864"
				echo "log.retention.bytes=134217728"
				echo "log.retention.check.interval.ms=1000"
				echo "log.segment.delete.delay.ms=0"
				echo "log.initial.task.delay.ms=500"
			else
				echo "log.segment.bytes=16777216"
			fi
		} >"$dir/server.properties"
		scram=()
		if [ -n "${KT_SCRAM:-}" ]; then
			for u in ${KT_SCRAM_USERS:-}; do
				scram+=(--add-scram "SCRAM-SHA-512=[name=${u%%:*},password=${u#*:}]")
			done
		fi
		if [ "$n" = 1 ]; then
			java -cp "$KT_LIB/*" kafka.tools.StorageTool format -t "$cluster" \
				-c "$dir/server.properties" --standalone "${scram[@]}" >"$dir/format.log" 2>&1
		else
			java -cp "$KT_LIB/*" kafka.tools.StorageTool format -t "$cluster" \
				-c "$dir/server.properties" "${scram[@]}" >"$dir/format.log" 2>&1
		fi || { kt_diag "format of node $id failed:"; sed 's/^/#   /' "$dir/format.log"; return 1; }
	done
	for ((id = 1; id <= n; id++)); do
		dir=$KT_WORK/kafka${KT_SSL:+-ssl}-$id
		# shellcheck disable=SC2086
		java $jvm -cp "$KT_LIB/*" kafka.Kafka "$dir/server.properties" >"$dir/broker.log" 2>&1 &
		KT_PIDS+=($!)
		eval "KT_PID_$id=$!"
	done
	for ((id = 1; id <= n; id++)); do
		if ! kt_wait_broker "$((base + id - 1))" 90; then
			kt_diag "broker $id did not start; its log:"
			tail -40 "$KT_WORK/kafka${KT_SSL:+-ssl}-$id/broker.log" | sed 's/^/#   /'
			return 1
		fi
	done
	return 0
}

# The kcat flags that reach a broker of kt_start_kafka_ssl (as its admin user),
# or nothing.
kt_kcat_ssl() {
	[ -n "${KT_SSL:-}" ] || return 0
	echo "-X security.protocol=ssl -X ssl.ca.location=$KT_SSL/ca.crt" \
		"-X ssl.certificate.location=$KT_SSL/admin.crt -X ssl.key.location=$KT_SSL/admin.key"
}

# kt_start_kafka_ssl DIR [N]: kt_start_kafka with an SSL listener instead of
# the PLAINTEXT one (clients and brokers between them), PEM stores, client
# certificates required. Makes in DIR (with kt_tls_ca, kt_tls_cert): ca.crt,
# the broker's certificate (127.0.0.1 and localhost) and key as broker.pem,
# and admin.crt/admin.key (CN=admin) for the tests' own reads. KT_SSL stays
# set to DIR, so kt_kcat_ssl gives kcat's flags. With KT_SSL_SUPER (a
# super.users value, e.g. "User:CN=admin;User:CN=broker;User:ANONYMOUS", the
# last for the plaintext controller listener) the broker authorizes with
# StandardAuthorizer and ACLs.
kt_start_kafka_ssl() {
	local dir=$1
	kt_tls_ca "$dir" ca &&
		kt_tls_cert "$dir" broker "/CN=broker" ca "IP:127.0.0.1,DNS:localhost" &&
		kt_tls_cert "$dir" admin "/CN=admin" ca &&
		cat "$dir/broker.key" "$dir/broker.crt" >"$dir/broker.pem" || {
		kt_diag "openssl could not make the broker's certificates"
		return 1
	}
	KT_SSL=$dir
	kt_start_kafka "${2:-1}"
}

# kt_start_kafka_scram DIR "USER:PASSWORD ..." [N]: kt_start_kafka with a
# SASL_SSL listener beside the PLAINTEXT one (KT_SCRAM above): SCRAM-SHA-512
# for the given users, its certificate made in DIR (ca.crt, and broker.pem for
# 127.0.0.1 and localhost) with kt_tls_ca and kt_tls_cert. Its ports are
# KT_SASL_PORT_<id>; KT_BROKERS stays the PLAINTEXT listeners.
kt_start_kafka_scram() {
	local dir=$1
	kt_tls_ca "$dir" ca &&
		kt_tls_cert "$dir" broker "/CN=broker" ca "IP:127.0.0.1,DNS:localhost" &&
		cat "$dir/broker.key" "$dir/broker.crt" >"$dir/broker.pem" || {
		kt_diag "openssl could not make the broker's certificates"
		return 1
	}
	KT_SCRAM=$dir KT_SCRAM_USERS=$2 kt_start_kafka "${3:-1}"
}

# Waits until a broker answers a metadata request with every node registered.
kt_wait_broker() { # PORT SECONDS
	local i
	for ((i = 0; i < $2; i++)); do
		if kcat -b "127.0.0.1:$1" -L -m 2 -t __kt_none $(kt_kcat_ssl) >/dev/null 2>&1; then
			return 0
		fi
		sleep 1
	done
	return 1
}

# Starts the gateway in front of KT_BROKERS. Sets KT_GW (host:port of the
# bootstrap listener), KT_GW_PORT, KT_GW_BASE, KT_GW_LOG, KT_GW_PID.
# Benchmarks only: with GATEWAY_CPU=N set, the gateway runs on core N and the
# broker (already started) and the producers on every other core, so the
# gateway's CPU does not come out of the broker's share (as when it runs on
# machines of its own). Sets KT_PIN_GW and KT_PIN_OTHERS to command prefixes
# ("taskset -c ..."), empty when GATEWAY_CPU is unset.
kt_bench_pin() {
	KT_PIN_GW=""
	KT_PIN_OTHERS=""
	[ -n "${GATEWAY_CPU:-}" ] || return 0
	local n others pid
	n=$(nproc)
	[ "$GATEWAY_CPU" -lt "$n" ] && [ "$n" -ge 2 ] || { echo "GATEWAY_CPU=$GATEWAY_CPU: this machine has $n cores" >&2; return 1; }
	others=$(seq 0 $((n - 1)) | grep -vx "$GATEWAY_CPU" | paste -sd,)
	KT_PIN_GW="taskset -c $GATEWAY_CPU"
	KT_PIN_OTHERS="taskset -c $others"
	for pid in $(set | sed -n 's/^KT_PID_[0-9]*=\([0-9]*\)$/\1/p'); do
		taskset -a -p -c "$others" "$pid" >/dev/null || return 1
	done
	echo "pinned: gateway on core $GATEWAY_CPU, broker and producers on cores $others"
}

# Benchmarks: CPU seconds (user + system) process $1 has used so far, and
# the median of the numbers on stdin (the mean of the middle two for an
# even count).
kt_cpu_seconds() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
kt_median() { sort -n | awk '{a[NR]=$1} END {print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

kt_start_gateway() { # [EXTRA GWRUN ARGS...]; KT_GW_BROKERS overrides KT_BROKERS
	local base
	base=$(kt_free_ports 8) || return 1
	KT_GW_LOG=$KT_WORK/gateway${KT_GW_NAME:-}.log
	KT_GW_OUT=$KT_WORK/gateway${KT_GW_NAME:-}.out
	: >"$KT_GW_OUT"
	"$KT_GWRUN" --listen 127.0.0.1:0 --brokers "${KT_GW_BROKERS:-$KT_BROKERS}" --broker-port-base "$base" "$@" \
		>"$KT_GW_OUT" 2>"$KT_GW_LOG" &
	KT_GW_PID=$!
	KT_PIDS+=($KT_GW_PID)
	for _ in $(seq 1 50); do
		if read -r _ KT_GW_PORT _ KT_GW_BASE <"$KT_GW_OUT" 2>/dev/null && [ -n "${KT_GW_BASE:-}" ]; then
			KT_GW=127.0.0.1:$KT_GW_PORT
			return 0
		fi
		kill -0 "$KT_GW_PID" 2>/dev/null || break
		sleep 0.1
	done
	kt_diag "the gateway did not start:"
	sed 's/^/#   /' "$KT_GW_LOG"
	return 1
}

# Starts `schemagate serve` (SG_BIN) with its gateway on 127.0.0.1:PORT and
# its registry on a free port, logging to $KT_WORK/serve.log:
# kt_start_serve PORT [SERVE ARGS...]. Sets KT_SERVE_PID and KT_SERVE_URL (the
# registry's base URL); returns 0 once both listen, 1 otherwise (the log says
# why).
kt_start_serve() {
	local port=$1
	shift
	"${SG_BIN:-$KT_BUILD/schemagate}" serve --registry-listen 127.0.0.1:0 \
		--gateway-listen "127.0.0.1:$port" "$@" 2>"$KT_WORK/serve.log" &
	KT_SERVE_PID=$!
	KT_PIDS+=($KT_SERVE_PID)
	KT_SERVE_URL=
	for _ in $(seq 1 300); do
		KT_SERVE_URL=$(sed -n 's/^schemagate: registry listening on \(http:[^ ]*\).*/\1/p' "$KT_WORK/serve.log")
		[ -n "$KT_SERVE_URL" ] && grep -q "gateway listening" "$KT_WORK/serve.log" && break
		kill -0 "$KT_SERVE_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$KT_SERVE_URL" ] && grep -q "gateway listening on port $port" "$KT_WORK/serve.log"
}

# Stops the serve of kt_start_serve with SIGTERM: two checks, that it exits 0
# and that its log holds no sanitizer report.
kt_stop_serve() {
	local status=0
	kill "$KT_SERVE_PID"
	wait "$KT_SERVE_PID" || status=$?
	kt_is "$status" 0 "SIGTERM stops serve cleanly"
	grep -q 'AddressSanitizer\|runtime error' "$KT_WORK/serve.log"
	kt_is "$?" 1 "no sanitizer report in the log"
}

# Runs the Java test client: kt_java ARGS...
kt_java() {
	java -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
		-Dlog4j2.configurationFile="$KT_WORK/log4j2.properties" \
		-cp "$KT_CLASSES:$KT_LIB/*" KClient "$@"
}

# Python with the client libraries, or empty.
kt_python() {
	local py=${SG_PYTHON:-}
	if [ -z "$py" ] && [ -x "$KT_BUILD/.venv/bin/python" ]; then
		py=$KT_BUILD/.venv/bin/python
	fi
	[ -n "$py" ] && "$py" -c 'import kafka, confluent_kafka' 2>/dev/null && echo "$py"
}

# TLS material, made with the openssl command in the work folder (RSA 2048,
# PKCS#8 keys, valid two days).
# kt_tls_ca DIR NAME: a self-signed CA, DIR/NAME.crt and DIR/NAME.key.
kt_tls_ca() {
	mkdir -p "$1"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" \
		-keyout "$1/$2.key" -out "$1/$2.crt" >/dev/null 2>&1
}
# kt_tls_cert DIR NAME SUBJECT CA [SAN]: DIR/NAME.crt (its chain: itself) and
# DIR/NAME.key, signed by DIR/CA.{crt,key}; SUBJECT as openssl -subj takes it
# ("/CN=x/O=y", "+" for a multi-valued RDN); SAN e.g. "IP:127.0.0.1,DNS:localhost".
kt_tls_cert() {
	local dir=$1 name=$2 subj=$3 ca=$4 san=${5:-}
	{
		echo "basicConstraints=CA:FALSE"
		echo "keyUsage=digitalSignature,keyEncipherment"
		echo "extendedKeyUsage=serverAuth,clientAuth"
		[ -n "$san" ] && echo "subjectAltName=$san"
	} >"$dir/$name.ext"
	openssl req -new -newkey rsa:2048 -nodes -multivalue-rdn -subj "$subj" \
		-keyout "$dir/$name.key" -out "$dir/$name.csr" >/dev/null 2>&1 &&
		openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" \
			-CAcreateserial -days 2 -extfile "$dir/$name.ext" -out "$dir/$name.crt" >/dev/null 2>&1
}
