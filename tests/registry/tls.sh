# tests/registry/tls.sh: HTTPS in registry/http and the --tls flags of
# `schemagate registry` and `serve`, with curl.
#
# Certificates are made here with openssl: CA 1 and CA 2 (trusted), a foreign
# CA (not), the server's (127.0.0.1), client certificates from each CA, and
# one of CA 1 made for servers only (key usage serverAuth).
#
# A client certificate that does not verify gets HTTP 401, not a failed
# handshake: libmicrohttpd only asks GnuTLS to request a certificate
# (GNUTLS_CERT_REQUEST) and never checks it, so the handshake succeeds and
# registry/http verifies the peer on the request. A request without one when
# they are required gets 401 the same way.
#
# tests/registry/tlsecho (registry/http with a handler that echoes what it is
# told of the client) shows the principal and the Basic credentials the API
# will see.
. "${SG_SRCDIR:-.}/tests/lib.sh"

command -v openssl >/dev/null || skip_all "openssl is not installed"
TLSECHO=${SG_BUILDDIR:-.}/tests/registry/tlsecho
[ -x "$TLSECHO" ] || skip_all "tests/registry/tlsecho is not built (make check builds it)"

# --- certificates ------------------------------------------------------------------
P=$SG_TMP/pki
mkdir -p "$P"
# ca NAME SUBJECT: a self-signed CA, P-256.
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$P/$1.key" -out "$P/$1.pem" -subj "$2" 2>/dev/null
}
# cert NAME CA SUBJECT EXTENSIONS: a certificate signed by CA.
cert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$P/$1.key" -out "$P/$1.csr" -subj "$3" 2>/dev/null &&
		printf '%b\n' "$4" >"$P/$1.ext" &&
		openssl x509 -req -in "$P/$1.csr" -CA "$P/$2.pem" -CAkey "$P/$2.key" -CAcreateserial \
			-days 2 -extfile "$P/$1.ext" -out "$P/$1.pem" 2>/dev/null
}
ok_pki=1
ca ca1 "/CN=schemagate test CA 1" || ok_pki=0
ca ca2 "/CN=schemagate test CA 2" || ok_pki=0
ca foreign "/CN=someone else's CA" || ok_pki=0
cert server ca1 "/CN=localhost" "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth" || ok_pki=0
cert ci ca1 "/C=NL/O=Example, Inc./OU=Platform/CN=ci" "extendedKeyUsage=clientAuth" || ok_pki=0
cert ops ca2 "/CN=ops" "extendedKeyUsage=clientAuth" || ok_pki=0
cert stranger foreign "/CN=ci" "extendedKeyUsage=clientAuth" || ok_pki=0
cert serveronly ca1 "/CN=not-a-client" "extendedKeyUsage=serverAuth" || ok_pki=0
[ $ok_pki -eq 1 ] || skip_all "openssl could not make the test certificates"
# The client CA as a folder: both CAs, and a file that is not PEM and is skipped.
mkdir -p "$P/cas"
cp "$P/ca1.pem" "$P/cas/ca1.pem"
cp "$P/ca2.pem" "$P/cas/ca2.CRT"
echo "not a certificate" >"$P/cas/README.txt"

CURL="curl -sS --max-time 10 --cacert $P/ca1.pem"
# as NAME: curl's options to present client certificate NAME.
as() { printf -- '--cert %s --key %s' "$P/$1.pem" "$P/$1.key"; }
# get URL [CURL-OPTIONS...]: the status line "CODE BODY" of a GET.
get() {
	_url=$1
	shift
	_body=$($CURL "$@" -w '\n%{http_code}' "$_url" 2>/dev/null)
	printf '%s %s' "$(printf '%s' "$_body" | tail -n 1)" "$(printf '%s' "$_body" | sed '$d')"
}

# echo_start MODE [CA]: starts tlsecho, sets ECHO_URL and ECHO_PID.
echo_start() {
	if [ $# -ge 2 ]; then
		"$TLSECHO" "$P/server.pem" "$P/server.key" "$2" "$1" >"$SG_TMP/echo.out" 2>"$SG_TMP/echo.err" &
	else
		"$TLSECHO" "$P/server.pem" "$P/server.key" >"$SG_TMP/echo.out" 2>"$SG_TMP/echo.err" &
	fi
	ECHO_PID=$!
	_sg_pids="$_sg_pids $ECHO_PID"
	_i=0
	while ! grep -q '^port ' "$SG_TMP/echo.out" && kill -0 "$ECHO_PID" 2>/dev/null && [ $_i -lt 400 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	ECHO_URL=https://127.0.0.1:$(sed -n 's/^port //p' "$SG_TMP/echo.out")/x
	# Says why, when the server did not come up.
	grep -q '^port ' "$SG_TMP/echo.out" ||
		diag "tlsecho $*: no port after $_i waits; out: $(cat "$SG_TMP/echo.out"); err: $(cat "$SG_TMP/echo.err")"
}

UNAUTHORIZED='401 {"error_code":401,"message":"Unauthorized"}'
CI_DN='CN=ci,OU=Platform,O=Example\\, Inc.,C=NL'

# --- registry/http, client certificates requested -----------------------------------
echo_start requested "$P/ca1.pem"
is "$(get "$ECHO_URL")" '200 {"principal":null,"user":null,"password":null,"malformed":false}' \
	"requested: no certificate, no principal"
is "$(get "$ECHO_URL" $(as ci))" '200 {"principal":"'"$CI_DN"'","user":null,"password":null,"malformed":false}' \
	"requested: the principal is the subject DN in RFC 4514 form, as GnuTLS prints it"
is "$(get "$ECHO_URL" $(as stranger))" "$UNAUTHORIZED" "requested: a certificate of an unknown CA gets 401"
is "$(get "$ECHO_URL" $(as serveronly))" "$UNAUTHORIZED" "requested: a certificate for servers only gets 401"
is "$(get "$ECHO_URL" -u 'al:ice:pw')" '200 {"principal":null,"user":"al","password":"ice:pw","malformed":false}' \
	"Basic credentials: the user ends at the first ':'"
is "$(get "$ECHO_URL" $(as ci) -u 'ci-bot:s3cret')" \
	'200 {"principal":"'"$CI_DN"'","user":"ci-bot","password":"s3cret","malformed":false}' \
	"a certificate and Basic credentials together"
is "$(get "$ECHO_URL" -H 'Authorization: basic   dTpw  ')" '200 {"principal":null,"user":"u","password":"p","malformed":false}' \
	"Basic: the scheme in any case, spaces around the token"
is "$(get "$ECHO_URL" -H 'Authorization: Basic !!!')" '200 {"principal":null,"user":null,"password":null,"malformed":true}' \
	"Basic: not base64 is malformed"
is "$(get "$ECHO_URL" -H 'Authorization: Basic bm9jb2xvbg==')" '200 {"principal":null,"user":null,"password":null,"malformed":true}' \
	"Basic: no ':' is malformed"
is "$(get "$ECHO_URL" -H 'Authorization: Basic dQBzZXI6cA==')" '200 {"principal":null,"user":null,"password":null,"malformed":true}' \
	"Basic: a NUL byte is malformed"
is "$(get "$ECHO_URL" -H 'Authorization: Bearer abc')" '200 {"principal":null,"user":null,"password":null,"malformed":false}' \
	"another scheme is no Basic credentials"
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${ECHO_URL#https://127.0.0.1:}" 2>/dev/null)
is "$code" "000" "plain HTTP to the HTTPS port gets no HTTP answer"
sg_stop "$ECHO_PID"

# --- registry/http, client certificates required, CAs from a folder -------------------
echo_start required "$P/cas"
is "$(get "$ECHO_URL")" "$UNAUTHORIZED" "required: no certificate gets 401"
is "$(get "$ECHO_URL" -u 'al:pw')" "$UNAUTHORIZED" "required: Basic credentials do not replace it"
is "$(get "$ECHO_URL" $(as stranger))" "$UNAUTHORIZED" "required: a certificate of an unknown CA gets 401"
is "$(get "$ECHO_URL" $(as ops))" '200 {"principal":"CN=ops","user":null,"password":null,"malformed":false}' \
	"required: a certificate of the folder's CA 2 (ca2.CRT) is let in"
is "$(get "$ECHO_URL" $(as ci))" '200 {"principal":"'"$CI_DN"'","user":null,"password":null,"malformed":false}' \
	"required: a certificate of the folder's CA 1 is let in"
sg_stop "$ECHO_PID"

# --- registry/http, TLS files that do not load -----------------------------------------
echo_fails() { # DESC REGEX ARGS...
	_d=$1 _re=$2
	shift 2
	"$TLSECHO" "$@" >"$SG_TMP/echo.out" 2>&1
	_rc=$?
	is "$_rc" 2 "$_d: does not start"
	like "$(cat "$SG_TMP/echo.out")" "$_re" "$_d: says why"
}
echo_fails "a key that is not the certificate's" "server.pem, .*ci.key: .*" "$P/server.pem" "$P/ci.key"
echo_fails "a missing certificate" "nowhere.pem: No such file or directory" "$P/nowhere.pem" "$P/server.key"
echo_fails "a key that is no key" "server.pem, .*ca1.pem: " "$P/server.pem" "$P/ca1.pem"
mkdir -p "$P/empty"
echo_fails "a client CA folder without certificates" "empty: a folder with no PEM certificate in its files" \
	"$P/server.pem" "$P/server.key" "$P/empty" required
echo_fails "a client CA that is no PEM" "README.txt: no PEM certificate in it" \
	"$P/server.pem" "$P/server.key" "$P/cas/README.txt" required

# --- schemagate registry --tls-* ------------------------------------------------------
if sg_start --tls-cert "$P/server.pem" --tls-key "$P/server.key"; then
	like "$(head -n 1 "$SG_LOG")" '^schemagate: registry listening on https://127\.0\.0\.1:[0-9]+ \(db .*\)$' \
		"registry --tls-cert: the log says https://"
	is "$(get "$SG_URL/subjects")" "200 []" "registry: HTTPS answers, the certificate verifies against CA 1"
	reg=$($CURL -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
		--data '{"schema": "{\"type\": \"string\"}"}' -w ' %{http_code}' "$SG_URL/subjects/s-value/versions")
	is "$reg" '{"version":1,"id":1,"guid":"095d71cf-1255-6b9d-5e33-0ad575b3df5d","schemaType":"AVRO","schema":"\"string\""} 200' \
		"registry: a schema registers over HTTPS"
	code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SG_PORT/subjects" 2>/dev/null)
	is "$code" "000" "registry: plain HTTP gets no answer"
	sg_stop
else
	not_ok "registry --tls-cert --tls-key starts"
fi

if sg_start --tls-cert "$P/server.pem" --tls-key "$P/server.key" --tls-client-ca "$P/ca1.pem" \
	--tls-client-auth required; then
	like "$(head -n 1 "$SG_LOG")" 'https://.*, client certificates required\)$' \
		"registry --tls-client-auth required: the log says so"
	is "$(get "$SG_URL/subjects")" "$UNAUTHORIZED" "registry, required: no certificate gets 401"
	is "$(get "$SG_URL/subjects" $(as stranger))" "$UNAUTHORIZED" "registry, required: an unknown CA's certificate gets 401"
	is "$(get "$SG_URL/subjects" $(as ci))" "200 []" "registry, required: a good certificate is let in"
	sg_stop
else
	not_ok "registry --tls-client-auth required starts"
fi

if SCHEMAGATE_TLS_CERT=$P/server.pem SCHEMAGATE_TLS_KEY=$P/server.key SCHEMAGATE_TLS_CLIENT_CA=$P/cas \
	SCHEMAGATE_TLS_CLIENT_AUTH=requested sg_start; then
	like "$(head -n 1 "$SG_LOG")" 'https://.*, client certificates checked when given\)$' \
		"SCHEMAGATE_TLS_* variables turn TLS on"
	is "$(get "$SG_URL/subjects")" "200 []" "requested, from the variables: no certificate is let in"
	is "$(get "$SG_URL/subjects" $(as stranger))" "$UNAUTHORIZED" "requested, from the variables: a bad one is not"
	sg_stop
else
	not_ok "registry with SCHEMAGATE_TLS_* starts"
fi

# --- usage errors: exit 2, one line on stderr ----------------------------------------
refused() { # DESC REGEX FLAGS...
	_d=$1 _re=$2
	shift 2
	"$SG_BIN" registry --listen 127.0.0.1:0 --db "$SG_TMP/u.db" "$@" >"$SG_TMP/out" 2>"$SG_TMP/err"
	is "$?" 2 "$_d: exit 2"
	is "$(grep -c '' "$SG_TMP/err")" 1 "$_d: one line on stderr"
	like "$(cat "$SG_TMP/err")" "$_re" "$_d: says why"
}
refused "a certificate without a key" "--tls-cert needs --tls-key" --tls-cert "$P/server.pem"
refused "a key without a certificate" "--tls-key needs --tls-cert" --tls-key "$P/server.key"
refused "client certificates without TLS" "--tls-client-auth needs --tls-cert" --tls-client-auth requested
refused "required without a client CA" "--tls-client-auth required needs --tls-client-ca" \
	--tls-cert "$P/server.pem" --tls-key "$P/server.key" --tls-client-auth required
refused "a client CA that is not used" "--tls-client-ca needs --tls-client-auth requested or required" \
	--tls-cert "$P/server.pem" --tls-key "$P/server.key" --tls-client-ca "$P/ca1.pem"
refused "a mode that does not exist" "--tls-client-auth must be none, requested or required" \
	--tls-cert "$P/server.pem" --tls-key "$P/server.key" --tls-client-auth optional
refused "a missing key file" "nokey.pem: No such file or directory" \
	--tls-cert "$P/server.pem" --tls-key "$P/nokey.pem"
refused "a key that is not the certificate's" "server.pem, .*ci.key: " \
	--tls-cert "$P/server.pem" --tls-key "$P/ci.key"

# --- schemagate serve --registry-tls-* --------------------------------------------------
# The gateway (on librdkafka's mock cluster) needs fixed ports: two free ones.
ports=$(${SG_PYTHON:-python3} -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
set -- $ports
log=$SG_TMP/serve.log
"$SG_BIN" serve --registry-listen 127.0.0.1:0 --gateway-listen "127.0.0.1:$1" --broker-port-base "$2" \
	--db "$SG_TMP/serve.db" \
	--registry-tls-cert "$P/server.pem" --registry-tls-key "$P/server.key" \
	--registry-tls-client-ca "$P/ca1.pem" --registry-tls-client-auth required 2>"$log" &
pid=$!
_sg_pids="$_sg_pids $pid"
if port=$(sg_wait_log "$log" "$pid"); then
	is "$(get "https://127.0.0.1:$port/subjects")" "$UNAUTHORIZED" "serve --registry-tls-*: no certificate gets 401"
	is "$(get "https://127.0.0.1:$port/subjects" $(as ci))" "200 []" "serve --registry-tls-*: a good certificate is let in"
else
	not_ok "serve --registry-tls-* starts"
	sed 's/^/#   /' "$log"
fi
sg_stop "$pid"
is "$?" 0 "serve stops cleanly"

done_testing
