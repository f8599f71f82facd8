# tests/registry/cli.sh: the schemagate command line: help, version, flag and
# environment handling, startup errors (exit 2, one line) and clean shutdown.
. "${SG_SRCDIR:-.}/tests/lib.sh"

# run CMD...: runs with stdout and stderr captured in $OUT, $ERR, status in $RC.
run() {
	"$@" >"$SG_TMP/out" 2>"$SG_TMP/err"
	RC=$?
	OUT=$(cat "$SG_TMP/out")
	ERR=$(cat "$SG_TMP/err")
	ERR_LINES=$(grep -c '' "$SG_TMP/err")
}

# --- help and version ----------------------------------------------------------
run "$SG_BIN" --help
is "$RC" 0 "--help exits 0"
for c in serve registry version help; do
	like "$OUT" "^  $c " "--help lists '$c'"
done

for c in serve registry version help; do
	run "$SG_BIN" "$c" --help
	is "$RC" 0 "$c --help exits 0"
	like "$OUT" "^Usage: schemagate $c" "$c --help starts with its usage"
	like "$OUT" "Examples?:" "$c --help shows an example"
	help_out=$OUT
	run "$SG_BIN" help "$c"
	is "$OUT" "$help_out" "help $c prints the same as $c --help"
done

run "$SG_BIN" registry --help
for v in SCHEMAGATE_LISTEN SCHEMAGATE_DB SCHEMAGATE_BODY_LIMIT SCHEMAGATE_THREADS; do
	like "$OUT" "env $v" "registry --help documents $v"
done
run "$SG_BIN" serve --help
for v in SCHEMAGATE_REGISTRY_LISTEN SCHEMAGATE_DB SCHEMAGATE_BODY_LIMIT; do
	like "$OUT" "env $v" "serve --help documents $v"
done

run "$SG_BIN" version
is "$RC" 0 "version exits 0"
like "$OUT" '^schemagate [0-9]+\.[0-9]+\.[0-9]+$' "version prints 'schemagate X.Y.Z'"

# --- usage errors: exit 2, one line on stderr, nothing on stdout -----------------
usage_error() { # DESC REGEX CMD...
	_d=$1 _re=$2
	shift 2
	run "$@"
	is "$RC" 2 "$_d: exit 2"
	is "$ERR_LINES" 1 "$_d: one line on stderr"
	like "$ERR" "$_re" "$_d: the message says why"
	is "$OUT" "" "$_d: nothing on stdout"
}
usage_error "unknown flag" "unknown flag '--bogus'" "$SG_BIN" registry --bogus
usage_error "missing value" "--db needs a value" "$SG_BIN" registry --db
usage_error "unknown command" "unknown command 'frobnicate'" "$SG_BIN" frobnicate
usage_error "bad listen address" "--listen 'nowhere'" "$SG_BIN" registry --listen nowhere --db "$SG_TMP/a.db"
usage_error "port above 65535" "--listen '127.0.0.1:70000'" "$SG_BIN" registry --listen 127.0.0.1:70000 --db "$SG_TMP/a.db"
usage_error "bad body limit" "--body-limit '12x'" "$SG_BIN" registry --listen 127.0.0.1:0 --db "$SG_TMP/a.db" --body-limit 12x
usage_error "bad env value names the variable" "SCHEMAGATE_BODY_LIMIT '-1'" \
	env SCHEMAGATE_BODY_LIMIT=-1 "$SG_BIN" registry --listen 127.0.0.1:0 --db "$SG_TMP/a.db"
usage_error "help of an unknown command" "unknown command 'nope'" "$SG_BIN" help nope

# --- startup errors --------------------------------------------------------------
if sg_start; then
	taken=$SG_PORT
	usage_error "port taken" "127\.0\.0\.1:$taken: address already in use" \
		"$SG_BIN" registry --listen "127.0.0.1:$taken" --db "$SG_TMP/b.db"
	sg_stop
	is "$?" 0 "first registry still stops cleanly"
else
	not_ok "registry starts for the port-taken test"
fi

usage_error "db in a missing directory" "$SG_TMP/missing/x\.db" \
	"$SG_BIN" registry --listen 127.0.0.1:0 --db "$SG_TMP/missing/x.db"
: >"$SG_TMP/plainfile"
usage_error "db below a plain file" "$SG_TMP/plainfile/x\.db" \
	"$SG_BIN" registry --listen 127.0.0.1:0 --db "$SG_TMP/plainfile/x.db"
mkdir "$SG_TMP/adir.db"
usage_error "db path is a directory" "$SG_TMP/adir\.db" \
	"$SG_BIN" registry --listen 127.0.0.1:0 --db "$SG_TMP/adir.db"

# --- environment variables, and flags beating them --------------------------------
log=$SG_TMP/env.log
SCHEMAGATE_LISTEN=127.0.0.1:0 SCHEMAGATE_DB="$SG_TMP/env.db" "$SG_BIN" registry 2>"$log" &
pid=$!
if port=$(sg_wait_log "$log" $pid); then
	like "$(cat "$log")" "\(db $SG_TMP/env\.db\)" "SCHEMAGATE_DB and SCHEMAGATE_LISTEN are honoured"
	check "the env-configured registry answers" sg_wait_http "http://127.0.0.1:$port/"
	check "SCHEMAGATE_DB created the database file" test -s "$SG_TMP/env.db"
else
	not_ok "registry starts from environment variables alone"
	sed 's/^/#   /' "$log"
fi
kill -TERM $pid; wait $pid
is "$?" 0 "env-configured registry exits 0 on SIGTERM"

log=$SG_TMP/flag.log  # a new file: the old one still holds a "listening" line
SCHEMAGATE_LISTEN=127.0.0.1:1 SCHEMAGATE_DB="$SG_TMP/env.db" "$SG_BIN" registry \
	--listen 127.0.0.1:0 --db "$SG_TMP/flag.db" 2>"$log" &
pid=$!
if sg_wait_log "$log" $pid >/dev/null; then
	like "$(cat "$log")" "\(db $SG_TMP/flag\.db\)" "--db beats SCHEMAGATE_DB"
	like "$(cat "$log")" "127\.0\.0\.1:[0-9]+ " "--listen beats SCHEMAGATE_LISTEN"
else
	not_ok "flags beat environment variables"
	sed 's/^/#   /' "$log"
fi
kill -TERM $pid; wait $pid

if SCHEMAGATE_BODY_LIMIT=1K sg_start; then
	big=$(head -c 3000 /dev/zero | tr '\0' 'a')
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
		--data-binary "{\"schema\": \"\\\"$big\\\"\"}" "$SG_URL/subjects/s/versions")
	is "$code" 413 "SCHEMAGATE_BODY_LIMIT=1K: a 3 KB body gets 413"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
		--data-binary '{"schema": "\"string\""}' "$SG_URL/subjects/s/versions")
	is "$code" 200 "SCHEMAGATE_BODY_LIMIT=1K: a small body still registers"
	sg_stop
else
	not_ok "registry starts with SCHEMAGATE_BODY_LIMIT=1K"
fi

# serve: its own listen variable, and ./schemagate.db by default.
mkdir "$SG_TMP/cwd"
log=$SG_TMP/serve.log
(cd "$SG_TMP/cwd" && exec env SCHEMAGATE_REGISTRY_LISTEN=127.0.0.1:0 "$SG_BIN" serve 2>"$log") &
pid=$!
if port=$(sg_wait_log "$log" $pid); then
	like "$(cat "$log")" '\(db \./schemagate\.db\)' "serve defaults to ./schemagate.db"
	check "serve honours SCHEMAGATE_REGISTRY_LISTEN" sg_wait_http "http://127.0.0.1:$port/"
	check "serve created ./schemagate.db" test -f "$SG_TMP/cwd/schemagate.db"
else
	not_ok "serve starts"
	sed 's/^/#   /' "$log"
fi
kill -INT $pid; wait $pid
is "$?" 0 "serve exits 0 on SIGINT"

# IPv6: the log brackets the address; skipped where the host has no ::1.
log=$SG_TMP/v6.log
"$SG_BIN" registry --listen '[::1]:0' --db "$SG_TMP/v6.db" 2>"$log" &
pid=$!
if port=$(sg_wait_log "$log" $pid); then
	like "$(cat "$log")" "http://\[::1\]:$port " "IPv6 listen: logs http://[::1]:PORT"
	code=$(curl -g -s -o /dev/null -w '%{http_code}' "http://[::1]:$port/subjects")
	is "$code" 200 "IPv6 listen: answers on [::1]"
	kill -TERM $pid; wait $pid
	is "$?" 0 "IPv6 registry exits 0 on SIGTERM"
else
	wait $pid
	if grep -q 'address not available\|address family' "$log"; then
		ok "IPv6 listen # SKIP no ::1 on this host"
	else
		not_ok "IPv6 listen on [::1]:0"
		sed 's/^/#   /' "$log"
	fi
fi

# --- shutdown ----------------------------------------------------------------------
if sg_start; then
	is "$(grep -c '' "$SG_LOG")" 1 "startup logs exactly one line"
	sg_req GET /subjects >/dev/null
	sg_stop
	is "$?" 0 "SIGTERM: exit 0"
	like "$(tail -n 1 "$SG_LOG")" '^schemagate: stopped$' "SIGTERM: logs that it stopped"
	check "every log line carries the schemagate: prefix" sh -c "! grep -v '^schemagate: ' '$SG_LOG'"
fi
if sg_start; then
	kill -INT "$SG_PID"
	wait "$SG_PID"
	is "$?" 0 "SIGINT: exit 0"
fi

# SIGTERM while four clients keep registering and reading.
if sg_start; then
	load() {
		_i=0
		while [ $_i -lt 2000 ]; do
			curl -s -o /dev/null --max-time 5 -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
				--data-binary "{\"schema\": \"{\\\"type\\\":\\\"enum\\\",\\\"name\\\":\\\"E$1x$_i\\\",\\\"symbols\\\":[\\\"A\\\"]}\"}" \
				"$SG_URL/subjects/load-$1-$_i/versions" || return 0
			curl -s -o /dev/null --max-time 5 "$SG_URL/subjects" || return 0
			_i=$((_i + 1))
		done
	}
	lpids=""
	for w in 1 2 3 4; do load $w & lpids="$lpids $!"; done
	sleep 1
	sg_stop
	is "$?" 0 "SIGTERM under load: exit 0"
	for p in $lpids; do wait "$p"; done
fi

done_testing
