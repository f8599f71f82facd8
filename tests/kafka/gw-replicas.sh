#!/usr/bin/env bash
# tests/kafka/gw-replicas.sh: gateway replicas (issue #16). Two gateways in
# front of one real broker, each with its own broker port base (one host
# cannot give both the same ports). Each learns the brokers by itself at
# start, so broker 1's port (base + 1) is open as soon as it says it is
# ready, before any client asked it for Metadata: a fresh client whose only
# bootstrap is that port produces through replica A and another reads back
# through replica B's. A gateway whose brokers cannot be reached does not
# say it is ready, opens no broker port, and its /health answers 503.
# Prints TAP.
. "$(dirname "$0")/lib.sh"

kt_prepare
SG=$KT_BUILD/schemagate
PY=$(kt_python) || PY=

# The line a gateway logs once every broker's port is open; waits up to
# $2 seconds for it in log $1.
gw_wait_ready() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -qs "gateway: ready: " "$1" && return 0
		sleep 0.1
	done
	return 1
}

gw_port_open() { ! kt_port_free "$1"; }

# Unreachable brokers first: nothing listens on $dead.
dead=$(kt_free_ports 1)
admin=$(kt_free_ports 1)
dbase=$(kt_free_ports 4)
"$SG" gateway --listen 127.0.0.1:0 --brokers "127.0.0.1:$dead" --broker-port-base "$dbase" \
	--admin-listen "127.0.0.1:$admin" 2>"$KT_WORK/dead.log" &
dead_pid=$!
KT_PIDS+=($dead_pid)
kt_wait_port "$admin" 10 || kt_diag "the admin port of the gateway in front of a dead broker did not open"
kt_is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin/health")" 503 \
	"brokers unreachable: /health answers 503 at once"
sleep 7
kt_is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin/health")" 503 \
	"brokers unreachable: /health still answers 503 after 7 s"
kt_check "brokers unreachable: the gateway logs that it cannot learn them" \
	grep -q "cannot learn the brokers" "$KT_WORK/dead.log"
kt_check "brokers unreachable: no ready line" bash -c "! grep -q 'gateway: ready: ' '$KT_WORK/dead.log'"
kt_check "brokers unreachable: no broker port is open" kt_port_free $((dbase + 1))
kill "$dead_pid"
wait "$dead_pid"
kt_is "$?" 0 "the gateway in front of a dead broker stops cleanly on SIGTERM"

kt_start_kafka 1 || { kt_ok 1 "a Kafka broker starts"; kt_done; exit 1; }

# Replica A, started through the CLI with an admin port: /health turns 200
# once it is ready.
abase=$(kt_free_ports 4)
admin=$(kt_free_ports 1)
"$SG" gateway --listen 127.0.0.1:0 --brokers "$KT_BROKERS" --broker-port-base "$abase" \
	--admin-listen "127.0.0.1:$admin" 2>"$KT_WORK/a.log" &
a_pid=$!
KT_PIDS+=($a_pid)
kt_check "replica A logs that it is ready" gw_wait_ready "$KT_WORK/a.log" 30
# Right after ready, before any client spoke to A.
kt_check "replica A serves broker 1's port once ready, before any client asked it" \
	gw_port_open $((abase + 1))
kt_wait_port "$admin" 5
kt_is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin/health")" 200 \
	"replica A: /health answers 200 once ready"
kt_check "replica A's ready line names broker 1's port" \
	grep -q "gateway: ready: 1 broker node learned, served on ports $((abase + 1))\$" "$KT_WORK/a.log"

aport=$(sed -n 's/^schemagate: gateway listening on port \([0-9]*\).*/\1/p' "$KT_WORK/a.log")

# Replica B (tests/kafka/gwrun), another base.
KT_GW_NAME=-b kt_start_gateway || kt_ok 1 "replica B starts"
bbase=$KT_GW_BASE
kt_check "replica B logs that it is ready" gw_wait_ready "$KT_GW_LOG" 30
kt_check "replica B serves broker 1's port once ready, before any client asked it" \
	gw_port_open $((bbase + 1))

# Fresh clients whose only bootstrap is a broker port: produce through A's,
# read back through B's.
if [ -n "$PY" ]; then
	"$PY" - "127.0.0.1:$((abase + 1))" "127.0.0.1:$((bbase + 1))" "127.0.0.1:$aport" >"$KT_WORK/py.out" 2>&1 <<-'EOF'
		import sys
		from confluent_kafka import Consumer, Producer
		a, b, boot = sys.argv[1], sys.argv[2], sys.argv[3]
		p = Producer({"bootstrap.servers": a, "acks": "all"})
		sent = [b"r-%d" % i for i in range(20)]
		for v in sent:
		    p.produce("kt-replicas", v, partition=0)
		left = p.flush(30)
		print("produced", len(sent) - left)
		c = Consumer({"bootstrap.servers": b, "group.id": "kt-replicas",
		              "auto.offset.reset": "earliest", "enable.auto.commit": False})
		c.assign([__import__("confluent_kafka").TopicPartition("kt-replicas", 0, 0)])
		got = []
		import time
		end = time.time() + 30
		while len(got) < len(sent) and time.time() < end:
		    m = c.poll(1.0)
		    if m is not None and not m.error():
		        got.append(m.value())
		c.close()
		print("consumed", len(got), "equal" if got == sent else "different")
		md = Producer({"bootstrap.servers": boot}).list_topics(timeout=10)
		for bid, br in md.brokers.items():
		    print("broker", bid, br.host, br.port)
	EOF
	kt_check "confluent-kafka bootstrapped at A's broker port produces 20 records" \
		grep -q "^produced 20$" "$KT_WORK/py.out"
	kt_check "confluent-kafka bootstrapped at B's broker port reads them back" \
		grep -q "^consumed 20 equal$" "$KT_WORK/py.out"
	kt_check "a client bootstrapped through A's bootstrap port is told broker 1 is at A's port" \
		grep -q "^broker 1 127.0.0.1 $((abase + 1))$" "$KT_WORK/py.out"
	grep -v "^produced\|^consumed\|^broker" "$KT_WORK/py.out" | head -10 | sed 's/^/#   /'
else
	kt_ok 1 "kafka clients through the replicas: no venv with confluent-kafka"
fi
kill "$KT_GW_PID"
wait "$KT_GW_PID"
kt_is "$?" 0 "replica B stops cleanly on SIGTERM"
kill "$a_pid"
wait "$a_pid"
kt_is "$?" 0 "replica A stops cleanly on SIGTERM"
kt_check "no sanitizer report in any gateway's log" \
	bash -c "! grep -l 'AddressSanitizer\|runtime error' '$KT_WORK'/*.log"
kt_done
