#!/usr/bin/env bash
# tests/kafka/registry-kafka-ops.sh: the operations of a kafka-mode registry
# cluster (issue #16) against one real broker, with a leader (A) and a read
# replica (B, --leader-eligible false):
#   - read-your-writes for reads: B's view is held back (another process
#     holds its SQLite file's write lock, so B's reader cannot apply); a
#     schema registered on A is read from B at once by id, GUID and version,
#     and B answers 200, not 404, once its view caught up (at most 2 s);
#   - GET /health answers 503 DOWN while the broker is stopped (SIGSTOP)
#     longer than the bound (10 s), and UP again once it answers;
#   - GET /metrics: the applied offset, the log's end, the lag, leader or
#     follower, writes published, forwarded writes by outcome; they move;
#   - ids are never reused: after a hard delete of the highest id, a fresh
#     node on the log as compaction leaves it (simulated by a copy: the
#     latest record per key, no tombstones) hands out a higher id, thanks to
#     the NOOP high-water mark (registry/logview.h); the same copy without
#     the mark hands the id out again (the control).
# Prints TAP.
. "$(dirname "$0")/lib.sh"

SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
command -v curl >/dev/null || kt_skip_all "external: no curl"
PY=$(kt_python) || kt_skip_all "external: no venv with confluent-kafka (tests/clients/setup-venv.sh)"
kt_prepare
kt_start_kafka 1 || { kt_ok 1 "the broker starts"; kt_done; exit 1; }

# start_node NAME DB [FLAGS...]: a kafka-mode registry; sets URL_<NAME>,
# PID_<NAME>. Its log is $KT_WORK/NAME.log.
start_node() {
	local name=$1 db=$2 pid url
	shift 2
	"$SG_BIN" registry --listen 127.0.0.1:0 --db "$KT_WORK/$db" --store kafka \
		--brokers "$KT_BROKERS" "$@" 2>>"$KT_WORK/$name.log" &
	pid=$!
	KT_PIDS+=($pid)
	url=
	for _ in $(seq 1 600); do
		url=$(sed -n 's/^schemagate: registry listening on \(http:[^ ]*\) .*/\1/p' \
			"$KT_WORK/$name.log" | tail -1)
		[ -n "$url" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	eval "PID_$name=$pid URL_$name=$url"
	[ -n "$url" ]
}
J='Content-Type: application/vnd.schemaregistry.v1+json'
# field JSON KEY: one field of a JSON answer.
field() { "$PY" -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2]))' "$1" "$2"; }
status() { curl -s -o /dev/null -w '%{http_code}' "$1"; }
# metric URL NAME: the value of one sample of GET /metrics (NAME with labels).
metric() { curl -s "$1/metrics" | awk -v n="$2" '$1 == n {print $2}'; }

start_node A a.db
kt_ok $? "node A (leader-eligible) starts" || { sed 's/^/#   /' "$KT_WORK/A.log"; kt_done; exit 1; }
start_node B b.db --leader-eligible false
kt_ok $? "node B (read replica) starts" || { sed 's/^/#   /' "$KT_WORK/B.log"; kt_done; exit 1; }
A=$URL_A B=$URL_B

# ---- Metrics before any write ----
kt_is "$(metric "$A" schemagate_registry_leader)" 1 "A's metrics say it leads"
kt_is "$(metric "$B" schemagate_registry_leader)" 0 "B's metrics say it follows"
off0=$(metric "$B" schemagate_registry_log_offset)
kt_check "B's metrics have the applied offset ($off0)" test -n "$off0"
w0=$(metric "$A" schemagate_registry_log_writes_total)
kt_is "$(metric "$B" 'schemagate_registry_forwarded_writes_total{outcome="ok"}')" 0 \
	"B forwarded no write yet"

# ---- Read-your-writes: B's view held back ----
# Another process holds B's SQLite write lock (WAL: reads go on), so B's
# reader cannot apply what A writes until it lets go, 1 s later.
"$PY" - "$KT_WORK/b.db" >"$KT_WORK/lock.out" 2>&1 <<-'PY' &
	import sqlite3, sys, time
	c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
	c.execute("BEGIN IMMEDIATE")
	print("locked", flush=True)
	time.sleep(1.0)
	c.execute("COMMIT")
	print("released", flush=True)
PY
LOCKER=$!
for _ in $(seq 1 100); do grep -q locked "$KT_WORK/lock.out" && break; sleep 0.05; done
kt_check "B's view file is locked" grep -q locked "$KT_WORK/lock.out"
ans=$(curl -s -X POST -H "$J" "$A/subjects/ryw-value/versions" -d '{"schema":"{\"type\":\"string\"}"}')
id=$(field "$ans" id)
kt_check "A registers ryw-value (id $id)" test "$id" -ge 1
guid=$(curl -s "$A/schemas/ids/$id" | "$PY" -c 'import json,sys; print(json.load(sys.stdin).get("guid",""))')
t0=$(date +%s%N)
got=$(curl -s -w ' %{http_code}' "$B/schemas/ids/$id")
t1=$(date +%s%N)
kt_is "${got##* }" 200 "B answers GET /schemas/ids/$id with 200 at once (its view caught up first)"
kt_diag "B's answer took $(((t1 - t0) / 1000000)) ms, its view held back for 1000 ms"
grep -q released "$KT_WORK/lock.out" || wait "$LOCKER"
kt_is "$(status "$B/subjects/ryw-value/versions/1")" 200 "B has the version too"
if [ -n "$guid" ]; then
	kt_is "$(status "$B/schemas/guids/$guid")" 200 "and the GUID"
fi
kt_is "$(status "$B/schemas/ids/9999")" 404 "an id no one registered is still 404 on B"
kt_is "$(field "$(curl -s "$B/subjects/nobody/versions/1")" error_code)" 40401 \
	"and an unknown subject 40401"

# The same for a version, held back again.
"$PY" - "$KT_WORK/b.db" >"$KT_WORK/lock2.out" 2>&1 <<-'PY' &
	import sqlite3, sys, time
	c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
	c.execute("BEGIN IMMEDIATE")
	print("locked", flush=True)
	time.sleep(1.0)
	c.execute("COMMIT")
PY
LOCKER=$!
for _ in $(seq 1 100); do grep -q locked "$KT_WORK/lock2.out" && break; sleep 0.05; done
curl -s -X POST -H "$J" "$A/subjects/ryw-value/versions" \
	-d '{"schema":"[\"string\",\"null\"]"}' >/dev/null
kt_is "$(status "$B/subjects/ryw-value/versions/2")" 200 \
	"B answers a version registered on A a moment ago with 200"
wait "$LOCKER"

# ---- Metrics move ----
kt_is "$(curl -s -X POST -H "$J" "$B/subjects/fwd-value/versions" \
	-d '{"schema":"{\"type\":\"int\"}"}' | "$PY" -c 'import json,sys; print("id" in json.load(sys.stdin))')" \
	True "a write on B is forwarded to A"
kt_is "$(metric "$B" 'schemagate_registry_forwarded_writes_total{outcome="ok"}')" 1 \
	"B counts one forwarded write, ok"
curl -s -X POST -H "$J" "$B/subjects/fwd-value/versions" -d '{"schema":"{bad"}' >/dev/null
kt_is "$(metric "$B" 'schemagate_registry_forwarded_writes_total{outcome="rejected"}')" 1 \
	"and one the leader rejected (422)"
w1=$(metric "$A" schemagate_registry_log_writes_total)
kt_is "$((w1 - w0))" 3 "A's writes published grew by 3"
off1=$(metric "$B" schemagate_registry_log_offset)
kt_check "B's applied offset moved ($off0 -> $off1)" test "$off1" -gt "$off0"
kt_is "$(metric "$B" schemagate_registry_log_lag)" 0 "B's lag is 0 when idle"
kt_is "$(metric "$B" schemagate_registry_log_end_offset)" "$(metric "$A" schemagate_registry_log_end_offset)" \
	"A and B see the same log end"

# ---- Ids never reused, even after compaction ----
# Hard-delete the highest id, then give a fresh node (new view file) the
# topic as compaction leaves it once the tombstones' retention passed: the
# latest record of each key, none whose latest is a tombstone. Compaction
# is simulated by copying into a new topic (deterministic; the broker's
# cleaner runs on its own schedule). With the NOOP mark the fresh node hands
# out a higher id; the same copy without the mark shows the test can fail.
hi=$(curl -s -X POST -H "$J" "$A/subjects/top-value/versions" -d '{"schema":"{\"type\":\"bytes\"}"}')
hi=$(field "$hi" id)
kt_check "A registers top-value, the highest id ($hi)" test "$hi" -ge 3
curl -s -X DELETE "$A/subjects/top-value" >/dev/null
kt_is "$(curl -s -X DELETE "$A/subjects/top-value?permanent=true")" '[1]' "and hard-deletes it"
# compact SRC DST KEEP_NOOP ID: DST holds SRC as compacted; prints the count
# and "id ID left" when a value still names that id.
compact() {
	"$PY" - "$KT_BROKERS" "$@" <<-'PY'
		import sys
		from confluent_kafka import Consumer, Producer, TopicPartition
		from confluent_kafka.admin import AdminClient, NewTopic
		brokers, src, dst, keep_noop, hid = sys.argv[1:6]
		c = Consumer({"bootstrap.servers": brokers, "group.id": "compactor",
		              "enable.auto.commit": False, "isolation.level": "read_committed",
		              "enable.partition.eof": True})
		c.assign([TopicPartition(src, 0, 0)])
		latest = {}
		while True:
		    m = c.poll(10)
		    if m is None or (m.error() and m.error().code() == -191):
		        break
		    if m.error():
		        continue
		    latest.pop(m.key(), None)
		    latest[m.key()] = m.value()
		c.close()
		a = AdminClient({"bootstrap.servers": brokers})
		for f in a.create_topics([NewTopic(dst, 1, 1, config={"cleanup.policy": "compact"})]).values():
		    f.result()
		p = Producer({"bootstrap.servers": brokers})
		n, left = 0, False
		for k, v in latest.items():
		    if v is None or (keep_noop != "1" and b'"NOOP"' in k):
		        continue
		    left |= ('"id":%s,' % hid).encode() in v
		    p.produce(dst, key=k, value=v, partition=0)
		    n += 1
		p.flush(10)
		print(n, "records", "with" if keep_noop == "1" else "without", "the mark",
		      "id %s left" % hid if left else "")
	PY
}
compact _schemas compacted 1 "$hi" >"$KT_WORK/compact1.out" 2>&1
kt_ok $? "the log compacted into topic 'compacted': $(cat "$KT_WORK/compact1.out")"
compact _schemas nomark 0 "$hi" >"$KT_WORK/compact2.out" 2>&1
kt_ok $? "and into 'nomark' without the NOOP mark: $(cat "$KT_WORK/compact2.out")"
kt_check "no record of id $hi is left in the compacted log" \
	bash -c "! grep -q 'left' '$KT_WORK/compact1.out'"
for t in compacted nomark; do
	start_node "C$t" "c-$t.db" --topic "$t" --group-id "g-$t"
	kt_ok $? "a fresh node (new view file) replays '$t'" || sed 's/^/#   /' "$KT_WORK/C$t.log"
done
got=$(field "$(curl -s -X POST -H "$J" "$URL_Ccompacted/subjects/new-value/versions" \
	-d '{"schema":"{\"type\":\"double\"}"}')" id)
kt_check "the fresh node on the compacted log hands out id $got, above $hi" test "$got" -gt "$hi"
kt_is "$(status "$URL_Ccompacted/schemas/ids/$hi")" 404 "and id $hi names nothing there"
got=$(field "$(curl -s -X POST -H "$J" "$URL_Cnomark/subjects/new-value/versions" \
	-d '{"schema":"{\"type\":\"double\"}"}')" id)
kt_is "$got" "$hi" "without the mark, a fresh node would hand out id $hi again (the control)"

# ---- /health: ready only while caught up ----
kt_is "$(curl -s "$B/health")" '{"status":"UP"}' "B's /health is UP"
kill -STOP "$KT_PID_1"
sleep 12
got=$(curl -s -m 5 -w ' %{http_code}' "$B/health")
kill -CONT "$KT_PID_1"
kt_is "${got##* }" 503 "with the broker stopped past 10 s, B's /health is 503"
kt_check "its reason says the view is not caught up" \
	grep -q '"status":"DOWN".*last caught up' <<<"$got"
kt_diag "$got"
up=
for _ in $(seq 1 300); do
	[ "$(status "$B/health")" = 200 ] && up=1 && break
	sleep 0.1
done
kt_ok "$([ -n "$up" ]; echo $?)" "B's /health is UP again once the broker answers"
kt_is "$(status "$A/health")" 200 "and A's"

kt_done
