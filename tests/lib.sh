# tests/lib.sh: shared helpers for the TAP shell tests. Source it first:
#   . "${SG_SRCDIR:-.}/tests/lib.sh"
#
# TAP:      ok DESC, not_ok DESC, check DESC CMD..., is GOT WANT DESC,
#           like GOT REGEX DESC, diag MSG, skip_all REASON, done_testing.
# Registry: sg_start [FLAGS...] starts `$SG_BIN registry` on 127.0.0.1:0 with a
#           new database in $SG_TMP (unless FLAGS give --db) and waits until it
#           answers HTTP; it sets SG_PID, SG_PORT, SG_URL, SG_LOG and SG_DB
#           (SG_URL is https://... when FLAGS turn TLS on).
#           sg_stop [PID] sends SIGTERM and waits: its status is the
#           registry's exit status. sg_kill9 [PID] kills without warning.
# Cleanup:  an EXIT trap stops every registry started here and removes $SG_TMP.
# Skips:    tests/run accepts only a skip whose reason begins with "external:"
#           (an input kept outside the repository, see tests/tap.h); any other
#           skip_all, such as for a missing tool, counts as a failure there.
#
# Everything runs in the test's own shell; nothing here is left running.

SG_BIN=${SG_BIN:-./schemagate}
SG_SRCDIR=${SG_SRCDIR:-.}
SG_BUILDDIR=${SG_BUILDDIR:-.}

_tap_n=0
_tap_failed=0
_sg_pids=""

diag() { printf '# %s\n' "$*"; }

ok() {
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s\n' "$_tap_n" "$*"
}

not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	printf 'not ok %d - %s\n' "$_tap_n" "$*"
}

# check DESC CMD...: ok when CMD exits 0.
check() {
	_desc=$1
	shift
	if "$@"; then ok "$_desc"; else not_ok "$_desc"; diag "  command failed: $*"; fi
}

# is GOT WANT DESC: ok when the two strings are equal.
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "  got:  $1"
		diag "  want: $2"
	fi
}

# like GOT EXTENDED-REGEX DESC: ok when GOT matches.
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok "$3"
	else
		not_ok "$3"
		diag "  got:  $1"
		diag "  want: /$2/"
	fi
}

skip_all() {
	printf '1..0 # SKIP %s\n' "$*"
	exit 0
}

done_testing() {
	printf '1..%d\n' "$_tap_n"
	[ "$_tap_failed" -eq 0 ]
	exit $?
}

_sg_cleanup() {
	for _p in $_sg_pids; do
		if kill -0 "$_p" 2>/dev/null; then
			kill -TERM "$_p" 2>/dev/null
			_i=0
			while kill -0 "$_p" 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
			kill -KILL "$_p" 2>/dev/null
		fi
		wait "$_p" 2>/dev/null
	done
	[ -n "${SG_TMP:-}" ] && rm -rf "$SG_TMP"
}

SG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sg-test.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
trap '_sg_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -x "$SG_BIN" ] || { echo "Bail out! SG_BIN=$SG_BIN is not an executable"; exit 1; }
command -v curl >/dev/null || skip_all "curl is not installed"

_sg_forget() {
	_new=""
	for _p in $_sg_pids; do [ "$_p" = "$1" ] || _new="$_new $_p"; done
	_sg_pids=$_new
}

# sg_wait_log FILE PID: waits up to 60 s for the "listening" line (http:// or
# https://); prints the port.
# (Generous: a loaded CI machine running the sanitizer build starts slowly.)
sg_wait_log() {
	_i=0
	while [ $_i -lt 1200 ]; do
		_port=$(sed -n 's/^schemagate: registry listening on https\{0,1\}:\/\/.*:\([0-9][0-9]*\) (db .*)$/\1/p' "$1" 2>/dev/null | head -n 1)
		if [ -n "$_port" ]; then printf '%s\n' "$_port"; return 0; fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# sg_wait_http URL: waits up to 60 s until URL answers with any HTTP status
# (over HTTPS, whatever its certificate: this only waits for the server).
sg_wait_http() {
	_i=0
	while [ $_i -lt 1200 ]; do
		_code=$(curl -s -k -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null)
		[ -n "$_code" ] && [ "$_code" != "000" ] && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# sg_start [FLAGS...]: see the top of this file. Returns 1 (with the log shown
# as diagnostics) when the registry does not come up.
sg_start() {
	_has_db=0
	for _a in "$@"; do case $_a in --db|--db=*) _has_db=1 ;; esac; done
	SG_DB=$SG_TMP/registry-$$-$_tap_n-$(date +%s%N).db
	SG_LOG=$SG_TMP/registry-$(date +%s%N).log
	if [ $_has_db -eq 1 ]; then
		"$SG_BIN" registry --listen 127.0.0.1:0 "$@" 2>"$SG_LOG" &
	else
		"$SG_BIN" registry --listen 127.0.0.1:0 --db "$SG_DB" "$@" 2>"$SG_LOG" &
	fi
	SG_PID=$!
	_sg_pids="$_sg_pids $SG_PID"
	if ! SG_PORT=$(sg_wait_log "$SG_LOG" "$SG_PID"); then
		diag "registry did not start; its log:"
		sed 's/^/#   /' "$SG_LOG"
		return 1
	fi
	SG_URL=http://127.0.0.1:$SG_PORT
	grep -q '^schemagate: registry listening on https://' "$SG_LOG" && SG_URL=https://127.0.0.1:$SG_PORT
	sg_wait_http "$SG_URL/" || { diag "registry on $SG_URL does not answer"; return 1; }
	return 0
}

# sg_stop [PID]: SIGTERM, then waits up to 15 s. Returns the exit status, or
# 124 when it did not stop (it is then killed).
sg_stop() {
	_pid=${1:-$SG_PID}
	kill -TERM "$_pid" 2>/dev/null
	_i=0
	while kill -0 "$_pid" 2>/dev/null && [ $_i -lt 300 ]; do sleep 0.05; _i=$((_i + 1)); done
	if kill -0 "$_pid" 2>/dev/null; then
		kill -KILL "$_pid" 2>/dev/null
		wait "$_pid" 2>/dev/null
		_sg_forget "$_pid"
		return 124
	fi
	wait "$_pid"
	_rc=$?
	_sg_forget "$_pid"
	return $_rc
}

# sg_kill9 [PID]: kills at once and reaps.
sg_kill9() {
	_pid=${1:-$SG_PID}
	kill -KILL "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	_sg_forget "$_pid"
	return 0
}

# sg_req METHOD PATH [BODY]: one request to $SG_URL with the registry content
# type. Prints the body, then the status on a last line of its own.
sg_req() {
	if [ $# -ge 3 ]; then
		curl -sS -X "$1" -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
			--data-binary "$3" -w '\n%{http_code}' "$SG_URL$2"
	else
		curl -sS -X "$1" -w '\n%{http_code}' "$SG_URL$2"
	fi
}
