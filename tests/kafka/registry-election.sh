#!/usr/bin/env bash
# tests/kafka/registry-election.sh: a registry cluster's leader election
# (registry/leader), its forwarding of writes (registry/forward) and how
# fencing stops a paused old leader, against one real Apache Kafka broker.
# The nodes are tests/kafka/leaderrun processes: the registry API over each
# node's own SQLite file, with the leader module and the forwarding hook.
#
# Election (three eligible nodes and one that may not lead, writing with a
# shared transactional.id to a fence topic while they lead):
#   - the first node leads; nodes that join later learn its URL and do not
#     take leadership from it;
#   - kill -9 the leader: another node leads within the session timeout
#     (the time is printed), and only one;
#   - SIGSTOP the leader until another leads and writes, then SIGCONT: the
#     old leader steps down, and none of its writes lands after the new
#     leader's (read back read_committed from the fence topic);
#   - the node started with --ineligible never leads, and says when no
#     leader is known.
# Forwarding (a leader and a follower that may not lead):
#   - writes sent to the follower land on the leader, answered as the leader
#     answers (registration, config, an invalid schema's 422, a context
#     path, a soft then a hard delete with ?permanent=true);
#   - reads and lookups are answered by the follower itself;
#   - a request already forwarded is not forwarded again (50004);
#   - the leader killed: 50003 while the follower still believes in it, then
#     50004 with Confluent's messages once the group has no leader.
. "$(dirname "$0")/lib.sh"

kt_prepare
command -v curl >/dev/null || kt_skip_all "external: curl is not installed"
LR=$KT_BUILD/tests/kafka/leaderrun
[ -x "$LR" ] || { kt_ok 1 "leaderrun is built (make tests/kafka/leaderrun)"; kt_done; exit 1; }
kt_start_kafka 1 || { kt_ok 1 "the broker starts"; kt_done; exit 1; }

SESSION_MS=6000

# node_start NAME [LEADERRUN ARGS...]: starts a node logging to
# $KT_WORK/NAME.log; sets PID_NAME and URL_NAME once it listens.
node_start() {
	local name=$1 url=
	shift
	"$LR" --brokers "$KT_BROKERS" --db "$KT_WORK/$name.db" --session-ms "$SESSION_MS" "$@" \
		>"$KT_WORK/$name.log" 2>&1 &
	local pid=$!
	KT_PIDS+=("$pid")
	eval "PID_$name=$pid"
	for _ in $(seq 1 100); do
		url=$(sed -n 's/^url //p' "$KT_WORK/$name.log")
		[ -n "$url" ] && break
		sleep 0.1
	done
	eval "URL_$name=$url"
	[ -n "$url" ]
}
# wait_log NAME REGEX SECONDS [FROM]: until the node's log has a matching
# line (at line FROM or later).
wait_log() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		tail -n "+${4:-1}" "$KT_WORK/$1.log" | grep -Eq "$2" && return 0
		sleep 0.1
	done
	return 1
}
lines() { wc -l <"$KT_WORK/$1.log"; }
# stop NAME...: SIGTERM, then waits until each has exited (15 s at most).
stop() {
	local n p
	for n in "$@"; do
		kill "$(pid "$n")" 2>/dev/null
	done
	for n in "$@"; do
		p=$(pid "$n")
		for _ in $(seq 1 150); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
	done
}
pid() { eval "echo \$PID_$1"; }
url() { eval "echo \$URL_$1"; }
# req METHOD URL [BODY [HEADER]]: prints "STATUS BODY"; as CRED (USER:PASSWORD)
# when set.
CRED=
req() {
	local out st
	out=$(curl -s -o - -w '\n%{http_code}' -X "$1" -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
		${CRED:+-u "$CRED"} ${4:+-H "$4"} ${3:+--data-binary "$3"} "$2")
	st=${out##*$'\n'}
	echo "$st ${out%$'\n'*}"
}
now_ms() { date +%s%3N; }

# ---- Election and fencing ----
G=election-$$
FENCE=fence-$$
n1_ok=0
node_start n1 --group "$G" --fence-topic "$FENCE" && wait_log n1 '^gain 1$' 60 && n1_ok=1
kt_ok $((1 - n1_ok)) "the first node leads, with epoch 1"
wait_log n1 '^write ok 1 ' 30
kt_ok $? "the leader writes through its transactional producer"
node_start n2 --group "$G" --fence-topic "$FENCE"
node_start n3 --group "$G" --fence-topic "$FENCE"
node_start n4 --group "$G" --fence-topic "$FENCE" --ineligible
for n in n2 n3 n4; do
	wait_log "$n" "the leader is $(url n1) \\(epoch 1\\)" 30
	kt_ok $? "$n learns the leader's URL"
done
sleep 3
grep -q '^gain' "$KT_WORK/n2.log" "$KT_WORK/n3.log"
kt_is $? 1 "nodes that joined later did not take leadership"
grep -q '^lose' "$KT_WORK/n1.log"
kt_is $? 1 "the first node still leads"

t0=$(now_ms)
kill -9 "$(pid n1)"
new=
for _ in $(seq 1 300); do
	for n in n2 n3; do
		grep -q '^gain 2$' "$KT_WORK/$n.log" && new=$n
	done
	[ -n "$new" ] && break
	sleep 0.1
done
t1=$(now_ms)
kt_ok $([ -n "$new" ]; echo $?) "after kill -9 of the leader another node leads (epoch 2)"
kt_diag "failover (kill -9 to the new leader's on_gain): $((t1 - t0)) ms, session timeout $SESSION_MS ms"
kt_ok $([ $((t1 - t0)) -le $((SESSION_MS + 6000)) ]; echo $?) \
	"the failover takes at most the session timeout plus 6 s"
other=n2
[ "$new" = n2 ] && other=n3
sleep 2
grep -q '^gain' "$KT_WORK/$other.log"
kt_is $? 1 "only one node leads"
wait_log "$other" "the leader is $(url "$new") \\(epoch 2\\)" 15
kt_ok $? "the other node learns the new leader"
wait_log "$new" '^write ok 2 ' 30
kt_ok $? "the new leader writes (epoch 2)"

# SIGSTOP the leader past its session: the other node leads and writes.
kill -STOP "$(pid "$new")"
# The last write it had acknowledged; the one after may be in flight.
last=$(sed -n 's/^write ok 2 \([0-9]*\)$/\1/p' "$KT_WORK/$new.log" | tail -1)
wait_log "$other" '^gain 3$' 40
kt_ok $? "with the leader paused, the other node leads (epoch 3)"
wait_log "$other" '^write ok 3 ' 30
kt_ok $? "the new leader writes (epoch 3)"
kill -CONT "$(pid "$new")"
wait_log "$new" '^lose$' 30
kt_ok $? "the resumed old leader steps down"
sleep 1
grep -E '^write (fenced|failed) 2 |stopped leading' "$KT_WORK/$new.log" | sed 's/^/#   old leader: /'
grep -q '^gain 4' "$KT_WORK/$new.log"
kt_is $? 1 "the old leader does not lead again"
late=$(sed -n 's/^write ok 2 \([0-9]*\)$/\1/p' "$KT_WORK/$new.log" | awk -v l="${last:-0}" '$1 > l + 1' | wc -l)
kt_is "$late" 0 "the old leader had no write acknowledged after it woke (but the one in flight)"
mark=$(lines n4)
stop "$other" "$new"
# The writers stopped, every committed record, in offset order: epochs never go back.
timeout 60 kcat -C -b "$KT_BROKERS" -t "$FENCE" -e -q -X isolation.level=read_committed -f '%s\n' \
	>"$KT_WORK/fence.txt" 2>"$KT_WORK/fence.err"
order=$(awk '{print $2}' "$KT_WORK/fence.txt" | awk 'BEGIN{bad=0} {if ($1 < last) bad=1; last=$1} END{print bad}')
kt_is "$order" 0 "no write of an old leader landed after a newer leader's (read_committed)"
epochs=$(awk '{print $2}' "$KT_WORK/fence.txt" | uniq | paste -sd, -)
kt_diag "epochs of the committed writes, in order: $epochs"
kt_is "$(awk '{print $2}' "$KT_WORK/fence.txt" | sort -un | paste -sd, -)" "1,2,3" \
	"the three leaders' writes are all in the log"

# The node that may not lead: it never does, even when it is the last.
wait_log n4 'no leader known' 20 "$mark"
kt_ok $? "with every eligible node gone, the ineligible node knows no leader"
grep -q '^gain' "$KT_WORK/n4.log"
kt_is $? 1 "the ineligible node never leads"

# ---- Forwarding ----
# Both nodes check credentials. alice is Admin on both; bob may write on the
# follower but only read on the leader, so his 403 can only be the leader's.
users=$(for u in alice bob; do printf '%s\n' "$u-secret" | "${SG_BIN:-$KT_BUILD/schemagate}" passwd "$u" | tr -d '\n'; echo; done | paste -sd, -)
perm() { printf '{"username":"%s","operation":"%s","resource":"%s"}' "$@"; }
admin="$(perm alice Admin 'Subject:.*'),$(perm alice Admin Config:),$(perm alice Admin Mode:)"
echo "{\"users\":[$users],\"permissions\":[$admin,$(perm bob Read 'Subject:.*')]}" >"$KT_WORK/auth-a.json"
echo "{\"users\":[$users],\"permissions\":[$admin,$(perm bob Write 'Subject:.*')]}" >"$KT_WORK/auth-b.json"
G2=forward-$$
node_start a --group "$G2" --auth "$KT_WORK/auth-a.json" && wait_log a '^gain 1$' 60
kt_ok $? "node a leads"
node_start b --group "$G2" --ineligible --forward-timeout-ms 3000 --auth "$KT_WORK/auth-b.json" &&
	wait_log b "the leader is $(url a) " 30
kt_ok $? "node b (ineligible) learns a's URL"
A=$(url a)
B=$(url b)
S='{"schema":"\"string\""}'
CRED=bob:bob-secret
kt_is "$(req POST "$B/subjects/auth-value/versions" "$S")" \
	'403 {"error_code":40301,"message":"User is denied operation Write on Subject: auth-value"}' \
	"the caller's credentials reach the leader, which decides (bob only reads there)"
CRED=
kt_is "$(req POST "$B/subjects/auth-value/versions" "$S" | cut -c1-4)" '401 ' \
	"without credentials the follower answers 401 itself"
CRED=alice:alice-secret
kt_is "$(req POST "$B/subjects/auth-value/versions" "$S" | cut -c1-24)" '200 {"version":1,"id":1,' \
	"alice's registration through the follower lands"
S='{"schema":"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"f\",\"type\":\"string\"}]}"}'
got=$(req POST "$B/subjects/fwd-value/versions" "$S")
kt_is "$(echo "$got" | cut -c1-24)" '200 {"version":1,"id":2,' \
	"a registration sent to the follower is answered 200 with version 1, id 2"
kt_is "$got" "$(req POST "$A/subjects/fwd-value/versions" "$S")" \
	"its answer is the leader's, byte for byte (the same registration sent to the leader)"
kt_is "$(req GET "$A/subjects/fwd-value/versions")" '200 [1]' "it landed on the leader"
kt_is "$(req GET "$B/subjects/fwd-value/versions" | cut -c1-23)" '404 {"error_code":40401' \
	"a read is answered by the follower itself (its own store)"
kt_is "$(req POST "$B/subjects/fwd-value" "$S" | cut -c1-23)" '404 {"error_code":40401' \
	"a lookup (POST /subjects/{s}) is not forwarded"
bad='{"schema":"{\"type\":\"record\""}'
kt_is "$(req POST "$B/subjects/fwd-value/versions" "$bad")" \
	"$(req POST "$A/subjects/fwd-value/versions" "$bad")" \
	"an invalid schema's error comes back unchanged"
kt_is "$(req PUT "$B/config/fwd-value" '{"compatibility":"FULL"}')" '200 {"compatibility":"FULL"}' \
	"PUT /config/{s} through the follower"
kt_is "$(req GET "$A/config/fwd-value")" '200 {"compatibilityLevel":"FULL"}' "the leader has the config"
kt_is "$(req POST "$B/contexts/.c1/subjects/s/versions" "$S" | cut -c1-24)" '200 {"version":1,"id":1,' \
	"a /contexts/ path is forwarded as the client sent it"
kt_is "$(req GET "$A/subjects/:.c1:s/versions")" '200 [1]' "the leader registered it in context .c1"
kt_is "$(req DELETE "$B/subjects/fwd-value/versions/1")" '200 1' "a soft delete through the follower"
kt_is "$(req DELETE "$B/subjects/fwd-value/versions/1?permanent=true")" '200 1' \
	"a hard delete through the follower (the query is forwarded)"
kt_is "$(req GET "$A/subjects/fwd-value/versions/1?deleted=true" | cut -c1-23)" '404 {"error_code":40401' \
	"the leader hard-deleted the version (its only one: the subject is gone)"
kt_is "$(req POST "$B/subjects/fwd-value/versions" "$S" 'X-Forward: true')" \
	'500 {"error_code":50004,"message":"Leader not known."}' \
	"a request already forwarded is not forwarded again"

mark=$(lines b)
kill -9 "$(pid a)"
kt_is "$(req POST "$B/subjects/fwd-value/versions" "$S")" \
	'500 {"error_code":50003,"message":"Error while forwarding register schema request to the leader"}' \
	"the leader killed, still believed in: 50003"
kt_is "$(req DELETE "$B/config/fwd-value")" \
	'500 {"error_code":50003,"message":"Error while forwarding delete config request to the leader"}' \
	"50003 for DELETE /config/{s}, in Confluent's words"
wait_log b 'no leader known' 30 "$mark"
kt_ok $? "once the group has no member, the follower knows no leader"
kt_is "$(req POST "$B/subjects/fwd-value/versions" "$S")" \
	'500 {"error_code":50004,"message":"Leader not known."}' "no leader: 50004"
kt_is "$(req PUT "$B/mode/fwd-value" '{"mode":"READONLY"}')" \
	'500 {"error_code":50004,"message":"Failed to update mode"}' "50004 for PUT /mode/{s}"
kt_is "$(req DELETE "$B/subjects/fwd-value")" \
	'500 {"error_code":50004,"message":"Error while deleting the subject fwd-value"}' \
	"50004 for DELETE /subjects/{s}"
kt_is "$(req GET "$B/subjects/fwd-value/versions" | cut -c1-4)" '404 ' "reads still work without a leader"

# ---- schemagate registry --store kafka: three nodes ----
CRED=
SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
G3=e2e-$$
T3=_schemas_e2e_$$
# sg_start NAME [FLAGS...]: a kafka-mode registry node (log NAME.log, appended
# to); sets PID_NAME and URL_NAME once it listens (it then knows a leader).
sg_start() {
	local name=$1 from pid u=
	shift
	touch "$KT_WORK/$name.log"
	from=$(($(lines "$name") + 1))
	"$SG_BIN" registry --listen 127.0.0.1:0 --db "$KT_WORK/$name.db" --store kafka \
		--brokers "$KT_BROKERS" --topic "$T3" --group-id "$G3" "$@" 2>>"$KT_WORK/$name.log" &
	pid=$!
	KT_PIDS+=("$pid")
	eval "PID_$name=$pid"
	for _ in $(seq 1 300); do
		u=$(tail -n "+$from" "$KT_WORK/$name.log" |
			sed -n 's/^schemagate: registry listening on \(http:[^ ]*\) .*/\1/p')
		[ -n "$u" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	eval "URL_$name=$u"
	[ -n "$u" ]
}
schema() { printf '{"schema":"{\\"type\\":\\"record\\",\\"name\\":\\"%s\\",\\"fields\\":[]}"}' "$1"; }
sg_start p && wait_log p 'this node leads' 5
kt_ok $? "schemagate node p starts and leads"
sg_start q && sg_start r --leader-eligible false
kt_ok $? "node q (eligible) and node r (not) start"
P=$(url p) Q=$(url q) R=$(url r)
kt_is "$(req POST "$R/subjects/e1/versions" "$(schema E1)" | cut -c1-24)" '200 {"version":1,"id":1,' \
	"a registration through r (forwarded to p) is answered 200"
kt_is "$(req GET "$R/subjects/e1/versions")" '200 [1]' \
	"r answered only once its own view had it: read-your-writes at once"
grep -q 'this node leads' "$KT_WORK/q.log"
kt_is $? 1 "q does not take leadership from p"

t0=$(now_ms)
kill -9 "$(pid p)"
got=
for _ in $(seq 1 300); do
	got=$(req POST "$R/subjects/e2/versions" "$(schema E2)" | cut -c1-24)
	[ "$got" = '200 {"version":1,"id":2,' ] && break
	sleep 0.1
done
t1=$(now_ms)
kt_is "$got" '200 {"version":1,"id":2,' "after kill -9 of the leader, a write through r succeeds again"
kt_diag "failover (kill -9 to the first successful write through r): $((t1 - t0)) ms"
kt_check "q leads" grep -q 'this node leads' "$KT_WORK/q.log"

# p comes back (it follows q); SIGSTOP q past its session: p leads and takes
# writes; SIGCONT q and write through it at once.
sg_start p
kt_ok $? "p restarts"
P=$(url p)
kill -STOP "$(pid q)"
mark=$(lines p)
wait_log p 'this node leads' 30 "$mark" && wait_log r "the leader is $P" 10
kt_ok $? "with q paused, p leads (and r knows it)"
kt_is "$(req POST "$R/subjects/e3/versions" "$(schema E3)" | cut -c1-24)" '200 {"version":1,"id":3,' \
	"a write through r lands on p"
kill -CONT "$(pid q)"
for i in 1 2 3 4 5; do
	req POST "$Q/subjects/eq$i/versions" "$(schema EQ$i)" | cut -c1-70 >>"$KT_WORK/q-writes.txt"
done
kt_diag "q's answers just after SIGCONT:"
sed 's/^/#   /' "$KT_WORK/q-writes.txt"
wait_log q 'stopped leading' 20 && wait_log q "the leader is $P" 10
kt_ok $? "q steps down and follows p"
kt_is "$(grep -c 'this node is the writer' "$KT_WORK/q.log")" 1 \
	"q never became the writer again after it was fenced"
grep -q 'this node leads' "$KT_WORK/p.log"
kt_is "$(grep -c "no longer the writer" "$KT_WORK/p.log")" 0 "p, the leader, was never fenced"
kt_is "$(req POST "$Q/subjects/e4/versions" "$(schema E4)" | cut -c1-22)" '200 {"version":1,"id":' \
	"a write through q then lands (forwarded to p)"
# Every node ends with the same state, and no id names two schemas.
for _ in $(seq 1 50); do
	a=$(curl -s "$P/schemas?deleted=true") b=$(curl -s "$Q/schemas?deleted=true") c=$(curl -s "$R/schemas?deleted=true")
	[ "$a" = "$b" ] && [ "$b" = "$c" ] && break
	sleep 0.2
done
kt_is "$b" "$a" "q's dump is p's"
kt_is "$c" "$a" "r's dump is p's"
dup=$(printf '%s' "$a" | "$KT_BUILD/.venv/bin/python" -c 'import json,sys
ids={}
for s in json.load(sys.stdin): ids.setdefault(s["id"], set()).add(s["schema"])
print(sum(1 for v in ids.values() if len(v) > 1))')
kt_is "$dup" 0 "no id is bound to two schemas"
stop p q r

for n in n1 n2 n3 n4 a b p q r; do
	grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error' "$KT_WORK/$n.log" && kt_diag "sanitizer report in $n.log"
done
grep -l 'AddressSanitizer\|LeakSanitizer\|runtime error' "$KT_WORK"/*.log >/dev/null 2>&1
kt_is $? 1 "no sanitizer report in any node's log"
if [ "$KT_FAILED" != 0 ]; then
	for n in n1 n2 n3 n4 a b p q r; do
		kt_diag "---- $n.log"
		grep -v '^write ok' "$KT_WORK/$n.log" | tail -25 | sed 's/^/#   /'
	done
fi
kt_done
