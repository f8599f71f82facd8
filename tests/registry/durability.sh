# tests/registry/durability.sh: a 200 means committed. Several clients register
# distinct schemas while the registry is killed with SIGKILL; after a restart on
# the same database every acknowledged (subject, version, id) must be there,
# with no id or (subject, version) given twice. Three rounds on one database.
. "${SG_SRCDIR:-.}/tests/lib.sh"

ROUNDS=3
WORKERS=4
PER_WORKER=400      # upper bound of registrations per worker and round
KILL_AFTER_ACKS=60  # acknowledged registrations seen before the kill
CT='Content-Type: application/vnd.schemaregistry.v1+json'
DB=$SG_TMP/durable.db
ACKS=$SG_TMP/acks   # one line per 200: SUBJECT NAME ID

: >"$ACKS"

# worker ROUND W: registers schema R_<round>_<w>_<i> under subject dur-<w> (so
# versions pile up across rounds) and appends each acknowledged one to its file.
worker() {
	_out=$SG_TMP/acks.$1.$2
	: >"$_out"
	_i=0
	while [ $_i -lt $PER_WORKER ]; do
		_name=R_$1_$2_$_i
		_resp=$(curl -s --max-time 10 -H "$CT" -w ' %{http_code}' \
			--data-binary "{\"schema\": \"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"$_name\\\",\\\"fields\\\":[{\\\"name\\\":\\\"a\\\",\\\"type\\\":\\\"int\\\"}]}\"}" \
			"$SG_URL/subjects/dur-$2/versions") || return 0
		case $_resp in
		*' 200')
			_id=$(printf '%s' "$_resp" | sed -n 's/.*"id":[ ]*\([0-9][0-9]*\).*/\1/p')
			printf 'dur-%s %s %s\n' "$2" "$_name" "$_id" >>"$_out"
			;;
		*) return 0 ;;
		esac
		_i=$((_i + 1))
	done
}

acked_count() { cat "$SG_TMP"/acks.* 2>/dev/null | grep -c ''; }

round=1
while [ $round -le $ROUNDS ]; do
	if ! sg_start --db "$DB"; then
		not_ok "round $round: registry starts on the database"
		break
	fi
	if [ $round -eq 1 ]; then
		code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "$CT" \
			--data-binary '{"compatibility": "NONE"}' "$SG_URL/config")
		is "$code" 200 "compatibility set to NONE so every distinct schema is a new version"
	fi
	rm -f "$SG_TMP"/acks.*
	w=1
	wpids=""
	while [ $w -le $WORKERS ]; do
		worker $round $w &
		wpids="$wpids $!"
		w=$((w + 1))
	done
	i=0
	while [ "$(acked_count)" -lt $KILL_AFTER_ACKS ] && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sg_kill9 "$SG_PID"
	for p in $wpids; do wait "$p"; done
	n=$(acked_count)
	cat "$SG_TMP"/acks.* >>"$ACKS"
	if [ "$n" -ge $KILL_AFTER_ACKS ]; then
		ok "round $round: killed with SIGKILL under load after $n acknowledged registrations"
	else
		not_ok "round $round: load reached $KILL_AFTER_ACKS acknowledged registrations before the kill (got $n)"
		sed 's/^/#   /' "$SG_LOG"
	fi

	if ! sg_start --db "$DB"; then
		not_ok "round $round: registry restarts on the killed database"
		break
	fi
	ok "round $round: registry restarts on the killed database"

	# Every acknowledgement so far, all rounds: look the schema up in its subject.
	missing=0
	: >"$SG_TMP/versions"
	while read -r subject name id; do
		body=$(curl -s --max-time 10 -H "$CT" \
			--data-binary "{\"schema\": \"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"$name\\\",\\\"fields\\\":[{\\\"name\\\":\\\"a\\\",\\\"type\\\":\\\"int\\\"}]}\"}" \
			"$SG_URL/subjects/$subject")
		got_id=$(printf '%s' "$body" | sed -n 's/.*"id":[ ]*\([0-9][0-9]*\).*/\1/p')
		got_v=$(printf '%s' "$body" | sed -n 's/.*"version":[ ]*\([0-9][0-9]*\).*/\1/p')
		if [ "$got_id" != "$id" ] || [ -z "$got_v" ]; then
			missing=$((missing + 1))
			[ $missing -le 5 ] && diag "  $subject $name: acknowledged id $id, now: $body"
		fi
		printf '%s %s\n' "$subject" "$got_v" >>"$SG_TMP/versions"
	done <"$ACKS"
	total=$(grep -c '' "$ACKS")
	is "$missing" 0 "round $round: all $total acknowledged (subject, version, id) survive kill -9"
	dup_ids=$(awk '{print $3}' "$ACKS" | sort | uniq -d | head -n 5 | tr '\n' ' ')
	is "$dup_ids" "" "round $round: no id acknowledged for two different schemas"
	dup_versions=$(sort "$SG_TMP/versions" | uniq -d | head -n 5 | tr '\n' ' ')
	is "$dup_versions" "" "round $round: no (subject, version) holds two acknowledged schemas"
	sg_stop
	is "$?" 0 "round $round: restarted registry stops cleanly"
	round=$((round + 1))
done

done_testing
