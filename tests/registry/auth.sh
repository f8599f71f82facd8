# tests/registry/auth.sh: `--auth-file` on `schemagate registry` and `serve`:
# who the registry lets in (HTTP Basic checked against an auth file made with
# `schemagate passwd`, or a verified client certificate's subject DN) and
# what each may do (registry/api's route table and filtered listings), the
# file reloaded when it changes and on SIGHUP, and the open routes.
. "${SG_SRCDIR:-.}/tests/lib.sh"

command -v openssl >/dev/null || skip_all "openssl is not installed"
PY=${SG_PYTHON:-python3}

# --- the auth file -----------------------------------------------------------------
# user NAME: a users entry for NAME, whose password is NAME-pw.
user() { printf '%s-pw\n' "$1" | "$SG_BIN" passwd "$1"; }
CI_DN='CN=ci,O=Example'
# perms EXTRA: the permissions array; EXTRA is one more entry, for the reloads
# (always 5 bytes of resource, so that the file keeps its size).
perms() {
	cat <<-EOF
		"permissions": [
		 {"username": "admin", "operation": "Admin", "resource": "Subject:.*"},
		 {"username": "admin", "operation": "Admin", "resource": "Config:"},
		 {"username": "admin", "operation": "Admin", "resource": "Mode:"},
		 {"username": "writer", "operation": "Write", "resource": "Subject:orders-.*"},
		 {"username": "reader", "operation": "Read", "resource": "Subject:orders-.*"},
		 {"username": "reader", "operation": "Read", "resource": "Config:"},
		 {"username": "$CI_DN", "operation": "Read", "resource": "Subject:orders-value"},
		 {"username": "writer", "operation": "Write", "resource": "Subject:$1"}
		]
	EOF
}
USERS=$(printf '"users": [%s, %s, %s, %s]' "$(user admin)" "$(user writer)" "$(user reader)" "$(user nobody)")
AUTH=$SG_TMP/auth.json
printf '{%s,\n%s}\n' "$USERS" "$(perms zzzzz)" >"$AUTH"

# --- helpers -----------------------------------------------------------------------
# r USER METHOD PATH [BODY]: "CODE BODY" of one request as USER ("-" for none).
r() {
	_who=$1
	shift
	if [ "$_who" = - ]; then _u=; else _u="-u $_who:$_who-pw"; fi
	_out=$(sg_req_as "$_u" "$@")
	printf '%s %s' "$(printf '%s' "$_out" | tail -n 1)" "$(printf '%s' "$_out" | sed '$d')"
}
# sg_req_as CURL-AUTH METHOD PATH [BODY]: sg_req with more curl options.
sg_req_as() {
	_a=$1
	shift
	if [ $# -ge 3 ]; then
		curl -sS $CURLX $_a -X "$1" -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
			--data-binary "$3" -w '\n%{http_code}' "$SG_URL$2"
	else
		curl -sS $CURLX $_a -X "$1" -w '\n%{http_code}' "$SG_URL$2"
	fi
}
CURLX=
UNAUTHORIZED='401 {"error_code":401,"message":"Unauthorized"}'
denied() { printf '403 {"error_code":40301,"message":"User is denied operation %s on %s"}' "$1" "$2"; }
STR='{"schema":"\"string\""}'
INT='{"schema":"\"int\""}'

# --- start-up ----------------------------------------------------------------------
"$SG_BIN" registry --listen 127.0.0.1:0 --db "$SG_TMP/x.db" --auth-file "$SG_TMP/none.json" \
	>/dev/null 2>"$SG_TMP/err"
is "$?" 2 "a missing auth file: exit status 2"
like "$(cat "$SG_TMP/err")" "none.json" "and the message names the file"
"$SG_BIN" registry --listen 127.0.0.1:0 --db "$SG_TMP/x.db" --ui-auth maybe >/dev/null 2>"$SG_TMP/err"
is "$?" 2 "--ui-auth takes open or authenticated only"

sg_start --auth-file "$AUTH" || { not_ok "the registry starts with --auth-file"; done_testing; }
ok "the registry starts with --auth-file"
like "$(cat "$SG_LOG")" "auth: .*auth.json: 4 users, 8 permissions" "it logs what the file holds"

# --- who -------------------------------------------------------------------------
is "$(r - GET /health)" '200 {"status":"UP"}' "GET /health is open"
like "$(r - GET /)" '^200 ' "GET / is open"
is "$(r - GET /subjects)" "$UNAUTHORIZED" "no credentials: 401"
hdr=$(curl -sS -D - -o /dev/null "$SG_URL/subjects" | tr -d '\r')
like "$hdr" 'WWW-Authenticate: Basic realm="schemagate"' "the 401 asks for Basic credentials"
CURLX='-u admin:wrong'
is "$(r - GET /subjects)" "$UNAUTHORIZED" "a wrong password: 401"
CURLX='-u ghost:ghost-pw'
is "$(r - GET /subjects)" "$UNAUTHORIZED" "an unknown user: 401"
CURLX=
is "$(curl -sS -H 'Authorization: Basic !!!' "$SG_URL/subjects")" "${UNAUTHORIZED#401 }" "malformed credentials: 401"
is "$(r - GET /nowhere)" "$UNAUTHORIZED" "an unknown path: 401 before 404"
like "$(r nobody GET /schemas/types)" '^200 \[' "/schemas/types: any authenticated user"
is "$(r nobody GET /contexts)" '200 ["."]' "/contexts: any authenticated user"
like "$(r nobody GET /v1/metadata/id)" '^200 ' "/v1/metadata/id: any authenticated user"
# DELETE /contexts/{ctx}: Admin on the context as a subject (":.ctx:"), as
# PUT /config/:.ctx: and /mode/:.ctx: need.
is "$(r writer DELETE /contexts/.t)" "$(denied Admin 'Subject: :.t:')" "DELETE /contexts/.t: 403 without Admin on Subject::.t:"
is "$(r reader DELETE /contexts/:.t:)" "$(denied Admin 'Subject: :.t:')" "the delimited form names the same context"
is "$(r admin DELETE /contexts/.t)" '204 ' "Admin on Subject:.* deletes it"

# --- Read, Write, Admin on subjects ------------------------------------------------
is "$(r writer POST /subjects/orders-value/versions "$STR")" '200 {"version":1,"id":1,"guid":"095d71cf-1255-6b9d-5e33-0ad575b3df5d","schemaType":"AVRO","schema":"\"string\""}' "Write on Subject:orders-.*: registers orders-value"
is "$(r reader POST /subjects/orders-key/versions "$STR")" "$(denied Write 'Subject: orders-key')" "Read only: a registration is 403"
is "$(r writer POST /subjects/xorders-value/versions "$STR")" "$(denied Write 'Subject: xorders-value')" "the regex covers the whole name: xorders-value is not orders-.*"
is "$(r writer POST /subjects/orders-key/versions "$STR")" '200 {"version":1,"id":1,"guid":"095d71cf-1255-6b9d-5e33-0ad575b3df5d","schemaType":"AVRO","schema":"\"string\""}' "writer registers orders-key"
is "$(r admin POST /subjects/payments-value/versions "$STR")" '200 {"version":1,"id":1,"guid":"095d71cf-1255-6b9d-5e33-0ad575b3df5d","schemaType":"AVRO","schema":"\"string\""}' "admin registers payments-value (the same id)"
is "$(r admin POST /subjects/payments-key/versions "$INT")" '200 {"version":1,"id":2,"guid":"ef524ea1-b91e-7317-3d93-8ade36c1db32","schemaType":"AVRO","schema":"\"int\""}' "admin registers payments-key (id 2)"
like "$(r reader POST /subjects/orders-value "$STR")" '^200 \{"subject":"orders-value","version":1,"id":1' "a lookup needs Read only"
is "$(r reader GET /subjects/orders-value/versions)" '200 [1]' "Read: the versions"
is "$(r reader GET /subjects/payments-value/versions)" "$(denied Read 'Subject: payments-value')" "no Read on payments-value: 403"
like "$(r reader POST /compatibility/subjects/orders-value/versions/latest "$STR")" '^200 \{"is_compatible":true' "a compatibility check needs Read"
is "$(r writer POST /subjects/orders-value/versions '{"schema":"\"string\"","id":7}')" \
	"$(denied Admin 'Subject: orders-value')" "a registration with an id needs Admin"

# --- listings ----------------------------------------------------------------------
is "$(r reader GET /subjects)" '200 ["orders-key","orders-value"]' "GET /subjects lists the readable subjects"
is "$(r admin GET /subjects)" '200 ["orders-key","orders-value","payments-key","payments-value"]' "all of them for admin"
is "$(r reader GET /schemas | sed 's/,"schema":"[^}]*}/}/g')" \
	'200 [{"subject":"orders-key","version":1,"id":1,"guid":"095d71cf-1255-6b9d-5e33-0ad575b3df5d","schemaType":"AVRO"},{"subject":"orders-value","version":1,"id":1,"guid":"095d71cf-1255-6b9d-5e33-0ad575b3df5d","schemaType":"AVRO"}]' \
	"GET /schemas lists the readable subjects' schemas"
is "$(r nobody GET /subjects)" '200 []' "nothing for a user without permissions"
is "$(r reader GET /schemas/ids/1 | sed 's/"ts":[0-9]*/"ts":TS/')" '200 {"guid":"095d71cf-1255-6b9d-5e33-0ad575b3df5d","schemaType":"AVRO","schema":"\"string\"","ts":TS,"deleted":false}' "an id of a readable subject"
is "$(r reader GET /schemas/ids/2)" '404 {"error_code":40403,"message":"Schema 2 not found"}' "an id of unreadable subjects only: 404, as if unknown"
is "$(r reader GET /schemas/guids/ef524ea1-b91e-7317-3d93-8ade36c1db32)" '404 {"error_code":40403,"message":"Schema ef524ea1-b91e-7317-3d93-8ade36c1db32 not found"}' "a GUID of unreadable subjects only: 404, as if unknown"
is "$(r reader GET /schemas/guids/ef524ea1-b91e-7317-3d93-8ade36c1db32/ids)" '200 []' "and no ids for it"
is "$(r admin GET /schemas/guids/ef524ea1-b91e-7317-3d93-8ade36c1db32/ids)" '200 [{"context":".","id":2}]' "its id for admin"
is "$(r reader GET /schemas/ids/2/schema)" '404 {"error_code":40403,"message":"Schema 2 not found"}' "and its /schema"
is "$(r reader GET /schemas/ids/2/versions)" '404 {"error_code":40403,"message":"Schema not found"}' "and its /versions"
is "$(r reader GET /schemas/ids/1/subjects)" '200 ["orders-key","orders-value"]' "/schemas/ids/1/subjects: the readable ones"
is "$(r admin GET /schemas/ids/1/subjects)" '200 ["orders-key","orders-value","payments-value"]' "all of them for admin"

# --- config and mode ---------------------------------------------------------------
like "$(r reader GET /config)" '^200 \{"compatibilityLevel":"BACKWARD"' "Read on Config: reads the global config"
is "$(r writer GET /config)" "$(denied Read 'Config:')" "without it: 403"
is "$(r reader PUT /config '{"compatibility":"FULL"}')" "$(denied Admin 'Config:')" "changing it needs Admin on Config:"
is "$(r admin PUT /config '{"compatibility":"FULL"}')" '200 {"compatibility":"FULL"}' "admin changes it"
is "$(r reader GET /mode)" "$(denied Read 'Mode:')" "GET /mode needs Read on Mode:"
is "$(r admin GET /mode)" '200 {"mode":"READWRITE"}' "admin reads it"
is "$(r writer PUT /config/orders-value '{"compatibility":"NONE"}')" "$(denied Admin 'Subject: orders-value')" \
	"a subject's config needs Admin on the subject"
is "$(r admin PUT /config/orders-value '{"compatibility":"NONE"}')" '200 {"compatibility":"NONE"}' "admin sets it"
like "$(r reader GET /config/orders-value)" '^200 \{"compatibilityLevel":"NONE"' "reading it needs Read on the subject"
is "$(r writer PUT /mode/orders-key '{"mode":"IMPORT"}')" "$(denied Admin 'Subject: orders-key')" "a subject's mode needs Admin"
like "$(r reader GET /mode/orders-value)" '^(200|404) ' "reading it needs Read"
is "$(r admin PUT /mode/orders-new '{"mode":"IMPORT"}')" '200 {"mode":"IMPORT"}' "admin puts orders-new in IMPORT mode"
is "$(r writer POST /subjects/orders-new/versions "$STR")" "$(denied Admin 'Subject: orders-new')" \
	"registering in IMPORT mode needs Admin"

# --- deletes -----------------------------------------------------------------------
is "$(r reader DELETE /subjects/orders-key/versions/1)" "$(denied Write 'Subject: orders-key')" "a soft delete needs Write"
is "$(r writer DELETE /subjects/orders-key/versions/1)" '200 1' "writer soft-deletes"
is "$(r writer DELETE '/subjects/orders-key/versions/1?permanent=true')" "$(denied Admin 'Subject: orders-key')" \
	"a hard delete needs Admin"
is "$(r admin DELETE '/subjects/orders-key/versions/1?permanent=true')" '200 1' "admin hard-deletes"

# --- the schema browser ------------------------------------------------------------
is "$(curl -s -o /dev/null -w '%{http_code}' "$SG_URL/ui/")" 401 "/ui/ needs credentials by default"
is "$(curl -s -o /dev/null -w '%{http_code}' -u reader:reader-pw "$SG_URL/ui/")" 200 "and gets them"

# --- reloading ---------------------------------------------------------------------
is "$(r writer POST /subjects/payments-key/versions "$INT")" "$(denied Write 'Subject: payments-key')" "before the change: 403"
cp -p "$AUTH" "$SG_TMP/auth.before"
printf '{%s,\n%s}\n' "$USERS" "$(perms 'pay.*')" >"$AUTH"
touch -r "$SG_TMP/auth.before" "$AUTH" # same inode, size and time: only SIGHUP sees it
sleep 1.2
is "$(r writer POST /subjects/payments-key/versions "$INT")" "$(denied Write 'Subject: payments-key')" \
	"a change the file's stat does not show waits for SIGHUP"
kill -HUP "$SG_PID"
sleep 0.3
is "$(r writer POST /subjects/payments-key/versions "$INT")" '200 {"version":1,"id":2,"guid":"ef524ea1-b91e-7317-3d93-8ade36c1db32","schemaType":"AVRO","schema":"\"int\""}' "after SIGHUP: the new permission holds"
printf '{%s,\n%s}\n' "$USERS" "$(perms zzzzz)" >"$AUTH"
touch -d '+2 seconds' "$AUTH"
sleep 1.2
is "$(r writer POST /subjects/payments-key/versions "$INT")" "$(denied Write 'Subject: payments-key')" \
	"a changed file is reloaded without a signal"
printf '{"users": [' >"$AUTH"
touch -d '+4 seconds' "$AUTH"
sleep 1.2
is "$(r reader GET /subjects/orders-value/versions)" '200 [1]' "a broken file keeps the one in force"
sg_stop
is "$?" 0 "the registry stops cleanly"
printf '{%s,\n%s}\n' "$USERS" "$(perms zzzzz)" >"$AUTH"

# --- client certificates -----------------------------------------------------------
P=$SG_TMP/pki
mkdir -p "$P"
# pki NAME SUBJECT EXT: a P-256 key and certificate signed by the CA (made first).
pki() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/$1.key" \
		-out "$P/$1.csr" -subj "$2" 2>/dev/null &&
		printf '%s\n' "$3" >"$P/$1.ext" &&
		openssl x509 -req -in "$P/$1.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial \
			-days 2 -extfile "$P/$1.ext" -out "$P/$1.pem" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$P/ca.key" -out "$P/ca.pem" -subj "/CN=auth test CA" 2>/dev/null &&
	pki server /CN=localhost "subjectAltName=IP:127.0.0.1" &&
	pki ci "/O=Example/CN=ci" "extendedKeyUsage=clientAuth" &&
	pki ops "/CN=ops" "extendedKeyUsage=clientAuth" || skip_all "openssl could not make the test certificates"

sg_start --db "$SG_DB" --auth-file "$AUTH" --ui-auth open --tls-cert "$P/server.pem" --tls-key "$P/server.key" \
	--tls-client-ca "$P/ca.pem" --tls-client-auth requested ||
	{ not_ok "the registry starts with HTTPS and --auth-file"; done_testing; }
CURLX="--cacert $P/ca.pem --cert $P/ci.pem --key $P/ci.key"
is "$(r - GET /subjects/orders-value/versions)" '200 [1]' "a client certificate's DN is the principal"
is "$(r - GET /subjects/orders-key/versions)" "$(denied Read 'Subject: orders-key')" "with its own permissions"
is "$(r - GET /subjects)" '200 ["orders-value"]' "and its own listing"
CI=$CURLX
CURLX="$CI -u reader:wrong"
is "$(r - GET /subjects/orders-value/versions)" "$UNAUTHORIZED" \
	"wrong Basic credentials are not made good by the certificate"
CURLX=$CI
like "$(r reader GET /config)" '^200 ' "Basic credentials win over the certificate"
CURLX="--cacert $P/ca.pem --cert $P/ops.pem --key $P/ops.key"
is "$(r - GET /subjects/orders-value/versions)" "$(denied Read 'Subject: orders-value')" "a certificate the file does not name: 403"
CURLX="--cacert $P/ca.pem"
is "$(r - GET /subjects)" "$UNAUTHORIZED" "no certificate, no credentials: 401"
is "$(curl -s $CURLX -o /dev/null -w '%{http_code}' "$SG_URL/ui/")" 200 "--ui-auth open: /ui/ needs no credentials"
sg_stop
is "$?" 0 "the HTTPS registry stops cleanly"
CURLX=

# --- serve: /metrics ---------------------------------------------------------------
# serve_start FLAGS...: `schemagate serve` on free ports; sets SG_URL.
serve_start() {
	SG_LOG=$SG_TMP/serve-$(date +%s%N).log
	_free=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$SG_BIN" serve --registry-listen 127.0.0.1:0 --gateway-listen 127.0.0.1:0 \
		--broker-port-base $((_free - 1)) --db "$SG_TMP/serve.db" --auth-file "$AUTH" "$@" 2>"$SG_LOG" &
	SG_PID=$!
	_sg_pids="$_sg_pids $SG_PID"
	SG_PORT=$(sg_wait_log "$SG_LOG" "$SG_PID") || { sed 's/^/#   /' "$SG_LOG"; return 1; }
	SG_URL=http://127.0.0.1:$SG_PORT
	_i=0
	while ! grep -q 'gateway listening' "$SG_LOG" && kill -0 "$SG_PID" 2>/dev/null && [ $_i -lt 600 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	grep -q 'gateway listening' "$SG_LOG" && sg_wait_http "$SG_URL/" || { sed 's/^/#   /' "$SG_LOG"; return 1; }
}
echo '{"rules": [{"topic": "orders", "mode": "enforce"}]}' >"$SG_TMP/rules.json"
if serve_start --rules "$SG_TMP/rules.json"; then
	is "$(curl -s -o /dev/null -w '%{http_code}' "$SG_URL/metrics")" 401 "serve --auth-file: /metrics needs credentials"
	is "$(curl -s -o /dev/null -w '%{http_code}' -u nobody:nobody-pw "$SG_URL/metrics")" 200 "any authenticated user reads it"
	is "$(r - GET /subjects)" "$UNAUTHORIZED" "serve enforces the auth file"
	kill -HUP "$SG_PID"
	sleep 0.3
	like "$(cat "$SG_LOG")" "SIGHUP: rules reloaded" "serve's SIGHUP reloads the rules"
	like "$(grep -c 'auth: .*auth.json: 4 users' "$SG_LOG")" '^2$' "and the auth file"
	sg_stop
	is "$?" 0 "serve stops cleanly"
else
	not_ok "serve --auth-file starts"
fi
if serve_start --metrics-auth open; then
	is "$(curl -s -o /dev/null -w '%{http_code}' "$SG_URL/metrics")" 200 "--metrics-auth open: no credentials needed"
	sg_stop
else
	not_ok "serve --metrics-auth open starts"
fi

done_testing
