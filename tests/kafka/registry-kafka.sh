#!/usr/bin/env bash
# tests/kafka/registry-kafka.sh: the registry on Kafka's _schemas log
# (--store kafka, registry/kafkastore.h) against one real broker. Writes
# through a kafka-mode registry land on the topic byte for byte as Confluent
# 8.1 writes them (read back raw with confluent-kafka, read_committed); a
# restart resumes from the view's stored offset and applies nothing twice
# (counted in its log line); a read replica (--leader-eligible false)
# replays the topic and answers the same, and forwards writes to the leader; a
# topic filled by hand with Confluent's records (migration from a running
# Confluent registry) is served; a recreated topic rebuilds the view; a
# topic of the wrong shape is refused with a fix; kill -9 right after a 200
# loses nothing; a second leader-eligible node follows the leader (its
# writes are forwarded; one id, one schema throughout); serve takes the same
# flags; an SSL-only broker that requires client certificates is reached
# with --broker-tls-ca, -cert and -key. Prints TAP.
. "$(dirname "$0")/lib.sh"

SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
command -v curl >/dev/null || kt_skip_all "external: no curl"
PY=$(kt_python) || kt_skip_all "external: no venv with confluent-kafka (tests/clients/setup-venv.sh)"
kt_prepare
kt_start_kafka 1 || { kt_ok 1 "the broker starts"; kt_done; exit 1; }

# start_node NAME DB [FLAGS...]: a kafka-mode registry; sets URL_<NAME>,
# PID_<NAME>. Its log is $KT_WORK/NAME.log (appended to across restarts).
start_node() {
	local name=$1 db=$2 pid url from
	shift 2
	touch "$KT_WORK/$name.log"
	from=$(($(wc -l <"$KT_WORK/$name.log") + 1))
	"$SG_BIN" registry --listen 127.0.0.1:0 --db "$KT_WORK/$db" --store kafka \
		--brokers "$KT_BROKERS" "$@" 2>>"$KT_WORK/$name.log" &
	pid=$!
	KT_PIDS+=($pid)
	url=
	for _ in $(seq 1 600); do
		url=$(tail -n "+$from" "$KT_WORK/$name.log" |
			sed -n 's/^schemagate: registry listening on \(http:[^ ]*\) .*/\1/p')
		[ -n "$url" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	eval "PID_$name=$pid URL_$name=$url"
	[ -n "$url" ]
}
stop_node() { # NAME [SIGNAL]
	local pid
	pid=$(eval echo "\$PID_$1")
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
# The last "caught up" line of a node's log.
caught_up() { grep "caught up at offset" "$KT_WORK/$1.log" | tail -1; }

J='Content-Type: application/vnd.schemaregistry.v1+json'
post() { curl -s -X POST -H "$J" "$1" -d "$2"; }
# A registration's answer: {"id":N} when it has an id, else the answer.
reg() {
	post "$1/versions" "$2" | "$PY" -c 'import json,sys; t=sys.stdin.read()
try:
    print(json.dumps({"id": json.loads(t)["id"]}, separators=(",", ":")))
except Exception:
    print(t)'
}
put() { curl -s -X PUT -H "$J" "$1" -d "$2"; }

# The topic's records, raw: "OFFSET KEY => VALUE" ("null" for a tombstone).
raw() { # TOPIC
	"$PY" - "$KT_BROKERS" "$1" <<-'PY'
		import sys
		from confluent_kafka import Consumer, TopicPartition
		c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "raw-reader",
		              "enable.auto.commit": False, "isolation.level": "read_committed",
		              "enable.partition.eof": True})
		c.assign([TopicPartition(sys.argv[2], 0, 0)])
		while True:
		    m = c.poll(10)
		    if m is None:
		        break
		    if m.error():
		        if m.error().code() == -191:  # _PARTITION_EOF
		            break
		        continue
		    v = m.value()
		    print(m.offset(), m.key().decode(), "=>", "null" if v is None else v.decode())
		c.close()
	PY
}

# ---- Writes through a kafka-mode registry ----
start_node A a.db --advertised-url http://a.example:8081
kt_ok $? "a kafka-mode registry starts on an empty broker" ||
	{ sed 's/^/#   /' "$KT_WORK/A.log"; kt_done; exit 1; }
kt_check "it created _schemas with one partition, compacted" \
	grep -q "created topic '_schemas' (1 partition, replication 1, cleanup.policy=compact)" \
	"$KT_WORK/A.log"
A=$URL_A
kt_is "$(reg "$A/subjects/orders-value" '{"schema":"{\"type\":\"string\"}"}')" \
	'{"id":1}' "register answers id 1"
kt_is "$(reg "$A/subjects/orders-value" \
	'{"schema":"[\"string\",\"int\"]","metadata":{"properties":{"owner":"team-a"}}}' |
	tr -d '\n')" '{"id":2}' "a second version with metadata answers id 2"
kt_is "$(reg "$A/subjects/orders-value" '{"schema":"{\"type\":\"string\"}"}')" \
	'{"id":1}' "registering version 1 again answers its id (decided on the view)"
kt_is "$(curl -s "$A/subjects/orders-value/versions/1" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["subject"], d["version"], d["id"], d["schema"])')" \
	'orders-value 1 1 "string"' "the version reads back at once from the same node"
kt_is "$(put "$A/config/orders-value" '{"compatibility":"FULL"}')" '{"compatibility":"FULL"}' \
	"PUT /config/orders-value"
kt_is "$(put "$A/mode/orders-value" '{"mode":"READONLY"}')" '{"mode":"READONLY"}' \
	"PUT /mode/orders-value"
kt_is "$(curl -s -X DELETE "$A/mode/orders-value")" '{"mode":"READONLY"}' \
	"DELETE /mode/orders-value"
kt_is "$(curl -s -X DELETE "$A/subjects/orders-value/versions/1")" 1 \
	"soft-delete version 1"
kt_is "$(reg "$A/subjects/tmp" '{"schema":"{\"type\":\"int\"}"}')" '{"id":3}' \
	"register tmp (id 3)"
kt_is "$(curl -s -X DELETE "$A/subjects/tmp")" '[1]' "soft-delete subject tmp"
kt_is "$(curl -s -X DELETE "$A/subjects/tmp?permanent=true")" '[1]' \
	"hard-delete subject tmp"
kt_is "$(reg "$A/subjects/:.ctx:c-value" '{"schema":"{\"type\":\"long\"}"}')" \
	'{"id":1}' "register in context .ctx (ids per context)"
kt_is "$(curl -s "$A/subjects/orders-value/versions?deleted=true")" '[1,2]' \
	"the view lists both versions with deleted=true"
kt_is "$(curl -s "$A/subjects/orders-value/versions")" '[2]' "and only 2 as live"

# The topic, byte for byte as Confluent 8.1 writes it (registry/schemalog.h).
raw _schemas >"$KT_WORK/raw.out" 2>"$KT_WORK/raw.err"
cut -d' ' -f2- "$KT_WORK/raw.out" >"$KT_WORK/raw.records"
cat >"$KT_WORK/want.records" <<-'EOF'
	{"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":1} => {"subject":"orders-value","version":1,"id":1,"schemaType":"AVRO","schema":"\"string\"","deleted":false}
	{"keytype":"SCHEMA","subject":"orders-value","version":2,"magic":1} => {"subject":"orders-value","version":2,"id":2,"schemaType":"AVRO","metadata":{"properties":{"owner":"team-a"}},"schema":"[\"string\",\"int\"]","deleted":false}
	{"keytype":"CONFIG","subject":"orders-value","magic":0} => {"subject":"orders-value","compatibilityLevel":"FULL"}
	{"keytype":"MODE","subject":"orders-value","magic":0} => {"subject":"orders-value","mode":"READONLY"}
	{"keytype":"MODE","subject":"orders-value","magic":0} => null
	{"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":1} => {"subject":"orders-value","version":1,"id":1,"schemaType":"AVRO","schema":"\"string\"","deleted":true}
	{"keytype":"SCHEMA","subject":"tmp","version":1,"magic":1} => {"subject":"tmp","version":1,"id":3,"schemaType":"AVRO","schema":"\"int\"","deleted":false}
	{"keytype":"SCHEMA","subject":"tmp","version":1,"magic":1} => {"subject":"tmp","version":1,"id":3,"schemaType":"AVRO","schema":"\"int\"","deleted":true}
	{"keytype":"SCHEMA","subject":"tmp","version":1,"magic":1} => null
	{"keytype":"NOOP","magic":0} => {"schemagateLastIds":{".":3}}
	{"keytype":"CONTEXT","tenant":"default","context":".ctx","magic":0} => {"tenant":"default","context":".ctx"}
	{"keytype":"SCHEMA","subject":":.ctx:c-value","version":1,"magic":1} => {"subject":":.ctx:c-value","version":1,"id":1,"schemaType":"AVRO","schema":"\"long\"","deleted":false}
EOF
diff "$KT_WORK/want.records" "$KT_WORK/raw.records" >"$KT_WORK/raw.diff"
kt_ok $? "the topic holds Confluent's records, byte for byte, in order" ||
	sed 's/^/#   /' "$KT_WORK/raw.diff" "$KT_WORK/raw.err"
# Offsets: one transaction per write, each ends with a commit marker (the
# hard delete's holds its tombstone and the NOOP mark of ids).
kt_is "$(cut -d' ' -f1 "$KT_WORK/raw.out" | tr '\n' ' ')" "0 2 4 6 8 10 12 14 16 17 19 20 " \
	"one Kafka transaction per write (a commit marker after each)"
end_a=$(caught_up A)

# ---- Restart: resume from the stored offset ----
stop_node A
start_node A a.db
kt_ok $? "the registry restarts on its view"
A=$URL_A
kt_check "it resumed at the stored offset and applied nothing again" \
	grep -q "caught up at offset 21: 0 records applied, 0 skipped, replayed from offset 21" \
	"$KT_WORK/A.log" || caught_up A | sed 's/^/#   /'
kt_is "$(curl -s "$A/subjects/orders-value/versions?deleted=true")" '[1,2]' \
	"and answers as before"
kt_is "$(reg "$A/subjects/after-restart" '{"schema":"{\"type\":\"boolean\"}"}')" \
	'{"id":4}' "a write after the restart takes the next id"

# ---- A read replica ----
start_node B b.db --leader-eligible false
kt_ok $? "a second node (not leader-eligible) starts on the same topic"
B=$URL_B
kt_check "it replayed the whole topic" grep -q "records applied, 0 skipped, replayed from offset 0" \
	"$KT_WORK/B.log"
for path in "subjects" "subjects/orders-value/versions?deleted=true" \
	"subjects/orders-value/versions/2" "schemas/ids/2" "config/orders-value" \
	"subjects/:.ctx:c-value/versions/1" "contexts" "schemas?deleted=true"; do
	a=$(curl -s "$A/$path")
	b=$(curl -s "$B/$path")
	kt_is "$b" "$a" "the replica answers GET /$path as the writer does"
done
kt_is "$(reg "$B/subjects/after-restart" '{"schema":"{\"type\":\"boolean\"}"}')" '{"id":4}' \
	"a write to the replica is forwarded to the leader, and its answer relayed"
reg "$A/subjects/seen-by-b" '{"schema":"{\"type\":\"double\"}"}' >/dev/null
for _ in $(seq 1 50); do
	[ "$(curl -s "$B/subjects/seen-by-b/versions")" = "[1]" ] && break
	sleep 0.1
done
kt_is "$(curl -s "$B/subjects/seen-by-b/versions")" "[1]" \
	"a write on the writer reaches the replica"

# ---- kill -9 right after a 200 ----
for i in $(seq 1 20); do
	reg "$A/subjects/k9-$i" "{\"schema\":\"{\\\"type\\\":\\\"fixed\\\",\\\"name\\\":\\\"F$i\\\",\\\"size\\\":$i}\"}" >>"$KT_WORK/k9.out"
	echo >>"$KT_WORK/k9.out"
done
stop_node A KILL
kt_is "$(grep -c '"id"' "$KT_WORK/k9.out")" 20 "20 registrations acknowledged, then kill -9"
start_node A a.db
kt_ok $? "the killed writer restarts"
A=$URL_A
n=0
for i in $(seq 1 20); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$A/subjects/k9-$i/versions/1")" = 200 ] && n=$((n + 1))
done
kt_is "$n" 20 "every acknowledged registration is there after the restart"
n=0
for _ in $(seq 1 50); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$B/subjects/k9-20/versions/1")" = 200 ] && break
	sleep 0.1
done
kt_is "$(curl -s "$B/subjects?subjectPrefix=k9-" | tr ',' '\n' | grep -c k9-)" 20 \
	"and on the replica"

# ---- A second leader-eligible node follows ----
# Leader election (registry/leader): A leads; D joins the group and does not
# take leadership from it (cooperative-sticky). Fencing between writers is
# tests/kafka/registry-election.sh's.
start_node D d.db
kt_ok $? "a second leader-eligible node starts"
D=$URL_D
kt_is "$(reg "$D/subjects/by-d" '{"schema":"{\"type\":\"bytes\"}"}' | tr -d '\n')" \
	'{"id":26}' "a write to it goes to the leader (the next id)"
grep -q 'this node leads' "$KT_WORK/D.log"
kt_is $? 1 "it does not lead"
kt_is "$(reg "$A/subjects/by-a" '{"schema":"{\"type\":\"null\"}"}')" '{"id":27}' \
	"the leader takes the next id"
for _ in $(seq 1 50); do
	[ "$(curl -s "$D/subjects/by-a/versions")" = "[1]" ] && break
	sleep 0.1
done
kt_is "$(curl -s "$D/schemas/ids/27" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["schema"])')" \
	'"null"' "id 27 names the same schema on D: one id, one schema"
stop_node D
stop_node B

# ---- Migration: a topic written by Confluent ----
# Records as Confluent 8.1 writes them (registry/schemalog.h), produced raw:
# two subjects, a soft-deleted subject (DELETE_SUBJECT watermark), configs
# and modes, a field Confluent 8.1 does not know, a NOOP, an undecodable
# record (skipped, as Confluent's reader does).
"$PY" - "$KT_BROKERS" <<-'PY' >"$KT_WORK/fill.out" 2>&1
	import sys
	from confluent_kafka import Producer
	from confluent_kafka.admin import AdminClient, NewTopic
	b = sys.argv[1]
	a = AdminClient({"bootstrap.servers": b})
	for f in a.create_topics([NewTopic("confluent_schemas", 1, 1, config={"cleanup.policy": "compact"}),
	                          NewTopic("bad_partitions", 3, 1, config={"cleanup.policy": "compact"}),
	                          NewTopic("bad_policy", 1, 1, config={"cleanup.policy": "delete"})]).values():
	    f.result()
	p = Producer({"bootstrap.servers": b})
	recs = [
	    ('{"keytype":"CONFIG","magic":0}', '{"compatibilityLevel":"BACKWARD"}'),
	    ('{"keytype":"SCHEMA","subject":"pay-value","version":1,"magic":1}',
	     '{"subject":"pay-value","version":1,"id":100001,"schemaType":"AVRO","schema":"\\"string\\"","deleted":false}'),
	    ('{"keytype":"SCHEMA","subject":"pay-value","version":2,"magic":1}',
	     '{"subject":"pay-value","version":2,"id":100002,"schemaType":"JSON","schema":"{\\"type\\":\\"object\\"}","deleted":false,"x-future":[1,2]}'),
	    ('{"keytype":"NOOP","magic":0}', None),
	    ('{"keytype":"SCHEMA","subject":"old","version":1,"magic":0}',
	     '{"subject":"old","version":1,"id":100003,"schema":"\\"int\\"","deleted":false}'),
	    ('{"keytype":"SCHEMA","subject":"old","version":2,"magic":1}',
	     '{"subject":"old","version":2,"id":100004,"schemaType":"AVRO","schema":"\\"long\\"","deleted":false}'),
	    ('{"keytype":"DELETE_SUBJECT","subject":"old","magic":0}', '{"subject":"old","version":2}'),
	    ('{"keytype":"CONFIG","subject":"pay-value","magic":0}',
	     '{"subject":"pay-value","compatibilityLevel":"NONE"}'),
	    ('{"keytype":"MODE","subject":"pay-value","magic":0}', '{"subject":"pay-value","mode":"READONLY"}'),
	    ('{"keytype":"NOT_A_TYPE","magic":0}', '{}'),
	]
	for k, v in recs:
	    p.produce("confluent_schemas", key=k.encode(), value=None if v is None else v.encode(), partition=0)
	p.flush(30)
	print("filled", len(recs))
PY
kt_check "a topic is filled with Confluent's records" grep -q "^filled 10" "$KT_WORK/fill.out" ||
	sed 's/^/#   /' "$KT_WORK/fill.out"
start_node C c.db --topic confluent_schemas --leader-eligible false
kt_ok $? "a node replays the Confluent-written topic"
C=$URL_C
kt_check "9 records applied, the undecodable one skipped and logged" \
	grep -q "caught up at offset 10: 9 records applied, 1 skipped" "$KT_WORK/C.log"
kt_check "the skipped record is named in the log" grep -q "offset 9: a record that does not decode" \
	"$KT_WORK/C.log"
kt_is "$(curl -s "$C/schemas/ids/100002" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["schemaType"], d["schema"])')" \
	'JSON {"type":"object"}' "the same ids: /schemas/ids/100002"
kt_is "$(curl -s "$C/subjects/pay-value/versions")" "[1,2]" "the same versions"
kt_is "$(curl -s "$C/subjects")" '["pay-value"]' "DELETE_SUBJECT's watermark deleted old"
kt_is "$(curl -s "$C/subjects/old/versions?deleted=true")" "[1,2]" \
	"whose versions stay, soft-deleted (a magic-0 key included)"
kt_is "$(curl -s "$C/config")" '{"compatibilityLevel":"BACKWARD"}' "the global config"
kt_is "$(curl -s "$C/config/pay-value")" '{"compatibilityLevel":"NONE"}' "the subject's config"
kt_is "$(curl -s "$C/mode/pay-value")" '{"mode":"READONLY"}' "the subject's mode"
stop_node C

# ---- A topic of the wrong shape is refused ----
"$SG_BIN" registry --listen 127.0.0.1:0 --db "$KT_WORK/bad.db" --store kafka \
	--brokers "$KT_BROKERS" --topic bad_partitions 2>"$KT_WORK/bad1.log"
kt_is "$?" 2 "a topic with 3 partitions: exit 2"
kt_check "the message says what to do" grep -q "topic 'bad_partitions' has 3 partitions; the registry needs exactly 1" \
	"$KT_WORK/bad1.log" || sed 's/^/#   /' "$KT_WORK/bad1.log"
"$SG_BIN" registry --listen 127.0.0.1:0 --db "$KT_WORK/bad.db" --store kafka \
	--brokers "$KT_BROKERS" --topic bad_policy 2>"$KT_WORK/bad2.log"
kt_is "$?" 2 "a topic with cleanup.policy=delete: exit 2"
kt_check "the message names the fix" grep -q "has cleanup.policy=delete; the registry needs compact.*--add-config cleanup.policy=compact" \
	"$KT_WORK/bad2.log" || sed 's/^/#   /' "$KT_WORK/bad2.log"

# ---- The topic recreated: the view is rebuilt ----
stop_node A
"$PY" - "$KT_BROKERS" <<-'PY' >"$KT_WORK/recreate.out" 2>&1
	import sys, time
	from confluent_kafka.admin import AdminClient, NewTopic
	a = AdminClient({"bootstrap.servers": sys.argv[1]})
	for f in a.delete_topics(["_schemas"]).values():
	    f.result()
	for _ in range(100):
	    try:
	        for f in a.create_topics([NewTopic("_schemas", 1, 1, config={"cleanup.policy": "compact"})]).values():
	            f.result()
	        break
	    except Exception as e:
	        time.sleep(0.2)
	print("recreated")
PY
kt_check "_schemas is deleted and created again, empty" grep -q recreated "$KT_WORK/recreate.out"
start_node A a.db
kt_ok $? "the writer restarts on its old view"
A=$URL_A
kt_check "it sees the topic was recreated and rebuilds the view" \
	grep -q "the topic was recreated; rebuilding the view from its start" "$KT_WORK/A.log"
kt_is "$(curl -s "$A/subjects")" "[]" "the rebuilt view is the (empty) topic's"
kt_is "$(reg "$A/subjects/fresh" '{"schema":"{\"type\":\"string\"}"}')" '{"id":1}' \
	"and takes writes again"
stop_node A

# ---- serve --store kafka: the registry and the gateway on the log ----
base=$(kt_free_ports 4)
kt_start_serve "$base" --db "$KT_WORK/serve.db" --store kafka --brokers "$KT_BROKERS" \
	--leader-eligible false
kt_ok $? "serve --store kafka starts as a read replica" || sed 's/^/#   /' "$KT_WORK/serve.log"
kt_is "$(curl -s "$KT_SERVE_URL/subjects")" '["fresh"]' "and serves the topic's subjects"
kt_stop_serve

# ---- Brokers over TLS, client certificate required ----
kt_start_kafka_ssl "$KT_WORK/ssl" || { kt_ok 1 "an SSL-only broker starts"; kt_done; exit 1; }
start_node T t.db --broker-tls-ca "$KT_WORK/ssl/ca.crt" \
	--broker-tls-cert "$KT_WORK/ssl/admin.crt" --broker-tls-key "$KT_WORK/ssl/admin.key"
kt_ok $? "a kafka-mode registry reaches an SSL-only broker (--broker-tls-ca, -cert, -key)" ||
	sed 's/^/#   /' "$KT_WORK/T.log"
kt_is "$(reg "$URL_T/subjects/over-tls" '{"schema":"{\"type\":\"string\"}"}')" '{"id":1}' \
	"and writes through it"
stop_node T
grep -q 'AddressSanitizer\|runtime error' "$KT_WORK"/*.log
kt_is "$?" 1 "no sanitizer report in any log"
kt_done
