# tests/registry/passwd.sh: `schemagate passwd USER` round trip. The entry it
# prints goes into an auth file, which registry/auth loads and which lets USER
# in with that password only (checked by tests/registry/authcheck); Python's
# hashlib computes the same hash (Karapace's scrypt); input edge cases; and,
# through a pseudo-terminal, the password asked twice without echo.
. "${SG_SRCDIR:-.}/tests/lib.sh"

AUTHCHECK=${SG_BUILDDIR:-.}/tests/registry/authcheck
[ -x "$AUTHCHECK" ] || skip_all "tests/registry/authcheck is not built (make check builds it)"
PY=${SG_PYTHON:-python3}

# run CMD...: stdout, stderr and status of CMD in $OUT, $ERR, $RC.
run() {
	"$@" >"$SG_TMP/out" 2>"$SG_TMP/err"
	RC=$?
	OUT=$(cat "$SG_TMP/out")
	ERR=$(cat "$SG_TMP/err")
}

# authfile ENTRY USER: an auth file holding ENTRY, with Read on every subject for USER.
authfile() {
	printf '{"users": [%s],\n "permissions": [{"username": "%s", "operation": "Read", "resource": "Subject:.*"}]}\n' \
		"$1" "$2" >"$SG_TMP/auth.json"
}

# json_get KEY: the string member KEY of the JSON object in $OUT.
json_get() {
	printf '%s' "$OUT" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# --- a password from a pipe -------------------------------------------------------
run sh -c 'printf "s3cret pass:word\n" | "$0" passwd alice' "$SG_BIN"
is "$RC" 0 "passwd alice: exit 0"
is "$ERR" "" "passwd alice: nothing on stderr"
is "$(printf '%s' "$OUT" | "$PY" -c 'import json, sys; print(sorted(json.load(sys.stdin)))')" \
	"['algorithm', 'password_hash', 'salt', 'username']" "prints one JSON object with the four members of a users entry"
is "$(json_get username)" alice "username is USER"
is "$(json_get algorithm)" scrypt "algorithm is scrypt"
like "$(json_get salt)" '^[A-Za-z0-9_-]{22}$' "the salt is 16 random bytes in base64url, as Karapace's"
like "$(json_get password_hash)" '^[A-Za-z0-9+/]{86}==$' "the hash is 64 bytes in base64"
entry=$OUT
salt=$(json_get salt)
hash=$(json_get password_hash)

authfile "$entry" alice
run "$AUTHCHECK" "$SG_TMP/auth.json" alice "s3cret pass:word"
is "$OUT" "ok alice" "the entry lets alice in with her password"
run "$AUTHCHECK" "$SG_TMP/auth.json" alice "s3cret pass:word "
is "$OUT" "refused" "and not with another"
run "$AUTHCHECK" "$SG_TMP/auth.json" bob "s3cret pass:word"
is "$OUT" "refused" "and nobody else with hers"

# Karapace computes the same hash: hashlib.scrypt(password, salt, n=16384, r=8, p=1).
py_hash=$("$PY" -c 'import base64, hashlib, sys
print(base64.b64encode(hashlib.scrypt(sys.argv[1].encode(), salt=sys.argv[2].encode(), n=16384, r=8, p=1)).decode())' \
	"s3cret pass:word" "$salt")
is "$py_hash" "$hash" "Python's hashlib.scrypt (Karapace's hash_password) computes the same hash"

run sh -c 'printf "s3cret pass:word\n" | "$0" passwd alice' "$SG_BIN"
salt2=$(json_get salt)
ok_if_differ() { if [ "$1" != "$2" ]; then ok "$3"; else not_ok "$3"; fi; }
ok_if_differ "$salt" "$salt2" "a second entry for the same password has another salt"

# --- what is read from the pipe ----------------------------------------------------
run sh -c 'printf "first\nsecond\n" | "$0" passwd carol' "$SG_BIN"
authfile "$OUT" carol
run "$AUTHCHECK" "$SG_TMP/auth.json" carol first
is "$OUT" "ok carol" "only the first line is the password"

run sh -c 'printf "crlf\r\n" | "$0" passwd dave' "$SG_BIN"
authfile "$OUT" dave
run "$AUTHCHECK" "$SG_TMP/auth.json" dave crlf
is "$OUT" "ok dave" "a line ending \\r\\n loses both"

run sh -c 'printf "no-newline" | "$0" passwd erin' "$SG_BIN"
authfile "$OUT" erin
run "$AUTHCHECK" "$SG_TMP/auth.json" erin no-newline
is "$OUT" "ok erin" "a last line without \\n is read whole"

run sh -c 'printf "%s\n" "ünïcødé" | "$0" passwd "Jörg Müller"' "$SG_BIN"
authfile "$OUT" "Jörg Müller"
run "$AUTHCHECK" "$SG_TMP/auth.json" "Jörg Müller" "ünïcødé"
is "$OUT" "ok Jörg Müller" "UTF-8 user names and passwords"

# --- refusals: exit 2, one line on stderr saying why, nothing on stdout -------------
# One per line: what it is | what stderr says | stdin (a printf format) | the arguments.
long=$(head -c 1025 /dev/zero | tr '\000' x)
while IFS='|' read -r desc why input args; do
	printf "$input" | eval "\"\$SG_BIN\" passwd $args" >"$SG_TMP/out" 2>"$SG_TMP/err"
	RC=$?
	is "$RC $(grep -c '' "$SG_TMP/err") $(wc -c <"$SG_TMP/out")" "2 1 0" "$desc: exit 2, one line on stderr, nothing on stdout"
	like "$(cat "$SG_TMP/err")" "$why" "$desc: says why"
done <<EOF
empty input|no password on standard input||alice
an empty line|the password is empty|\n|alice
a NUL byte|holds a NUL byte|a\000b\n|alice
a password past 1024 bytes|longer than 1024 bytes|$long\n|alice
no USER|give the USER|pw\n|
two USERs|unexpected argument 'bob'|pw\n|alice bob
an empty USER|USER must hold 1 to 1024 bytes|pw\n|''
EOF

# --- a terminal: asked twice, no echo -------------------------------------------------
# onpty.py PASSWORD1 PASSWORD2 -- CMD...: runs CMD on a pseudo-terminal, answers
# each prompt, prints what the terminal showed, then "exit N", then stdout.
cat >"$SG_TMP/onpty.py" <<'EOF'
import os, pty, select, sys
sep = sys.argv.index("--")
answers, cmd = sys.argv[1:sep], sys.argv[sep + 1:]
r, w = os.pipe()
pid, fd = pty.fork()
if pid == 0:
    os.dup2(w, 1)
    os.execv(cmd[0], cmd)
os.close(w)
shown, out = b"", b""
while True:
    ready = select.select([fd, r], [], [], 20)[0]
    if not ready:
        break
    if r in ready:
        chunk = os.read(r, 4096)
        out += chunk
    if fd in ready:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            break
        shown += chunk
        while answers and shown.rstrip().endswith(b":"):
            os.write(fd, answers.pop(0).encode() + b"\n")
            shown += b"<typed>"
            break
_, status = os.waitpid(pid, 0)
while True:
    chunk = os.read(r, 4096)
    if not chunk:
        break
    out += chunk
sys.stdout.write(shown.decode(errors="replace").replace("\r", "") + "\n")
sys.stdout.write("exit %d\n" % os.waitstatus_to_exitcode(status))
sys.stdout.write(out.decode())
EOF
run "$PY" "$SG_TMP/onpty.py" "tty secret" "tty secret" -- "$SG_BIN" passwd frank
like "$OUT" "Password for frank: <typed>" "a terminal is asked for the password"
like "$OUT" "Again: <typed>" "and asked again"
if printf '%s' "$OUT" | grep -q "tty secret"; then not_ok "the password is not echoed"; else ok "the password is not echoed"; fi
like "$OUT" "exit 0" "the same password twice: exit 0"
printf '%s\n' "$OUT" | sed -n '/^{$/,/^}$/p' >"$SG_TMP/entry.json"
authfile "$(cat "$SG_TMP/entry.json")" frank
run "$AUTHCHECK" "$SG_TMP/auth.json" frank "tty secret"
is "$OUT" "ok frank" "the entry typed on a terminal lets frank in"

run "$PY" "$SG_TMP/onpty.py" "one" "two" -- "$SG_BIN" passwd frank
like "$OUT" "the two passwords differ" "two different passwords are refused"
like "$OUT" "exit 2" "with exit 2"
if printf '%s' "$OUT" | grep -q '"password_hash"'; then not_ok "and no entry"; else ok "and no entry"; fi

done_testing
