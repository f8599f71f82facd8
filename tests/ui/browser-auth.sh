#!/bin/sh
# tests/ui/browser-auth.sh: the schema browser behind authentication (issue
# #14), in Debian's Chromium driven by playwright-core (tests/ui/browser-auth.mjs).
# Two registries with the same auth file and subjects:
#   - HTTP with --auth-file: the browser's own Basic credentials (Playwright's
#     httpCredentials answer the 401's WWW-Authenticate challenge, as a person
#     would in the prompt); none or wrong ones get the 401;
#   - HTTPS with --tls-client-auth requested: a client certificate from an NSS
#     database ($HOME/.pki/nssdb of a HOME made here with certutil and
#     pk12util, libnss3-tools), chosen without a prompt by the profile's
#     auto_select_certificate content setting (what the AutoSelectCertificateForUrls
#     policy sets; Chromium reads it from the profile's Preferences); the
#     certificate's subject DN is the principal. The registry's CA is trusted
#     in that database too, so the browser checks the registry's certificate.
# Certificates are made here with openssl. Prints TAP; screenshots go to
# $SG_BUILDDIR/screenshots/.
. "${SG_SRCDIR:-.}/tests/lib.sh"

if ! command -v node >/dev/null || [ ! -x /usr/bin/chromium ]; then
	skip_all "needs node and Debian's chromium (scripts/install-deps test)"
fi
command -v openssl >/dev/null || skip_all "openssl is not installed"
command -v certutil >/dev/null && command -v pk12util >/dev/null ||
	skip_all "needs certutil and pk12util (libnss3-tools, scripts/install-deps test)"
SG_BUILDDIR=${SG_BUILDDIR:-.} "$SG_SRCDIR/tests/ui/setup-node.sh" >/dev/null || {
	echo "Bail out! npm could not install playwright-core"
	exit 1
}

# --- certificates and the browser's NSS databases ---------------------------------
P=$SG_TMP/pki
mkdir -p "$P"
pki() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/$1.key" \
		-out "$P/$1.csr" -subj "$2" 2>/dev/null &&
		printf '%s\n' "$3" >"$P/$1.ext" &&
		openssl x509 -req -in "$P/$1.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial \
			-days 2 -extfile "$P/$1.ext" -out "$P/$1.pem" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$P/ca.key" -out "$P/ca.pem" -subj "/CN=schemagate ui test CA" 2>/dev/null &&
	pki server /CN=localhost "subjectAltName=IP:127.0.0.1" &&
	pki ci "/O=Example/CN=ci" "extendedKeyUsage=clientAuth" &&
	openssl pkcs12 -export -in "$P/ci.pem" -inkey "$P/ci.key" -name ci -out "$P/ci.p12" -passout pass: ||
	skip_all "openssl could not make the test certificates"
# nssdb HOME [P12]: an NSS database in HOME/.pki/nssdb that trusts the CA for
# servers and, with P12, holds that client certificate and key.
nssdb() {
	mkdir -p "$1/.pki/nssdb" &&
		certutil -N -d "sql:$1/.pki/nssdb" --empty-password &&
		certutil -A -d "sql:$1/.pki/nssdb" -n "schemagate ui test CA" -t C,, -i "$P/ca.pem" &&
		{ [ -z "${2:-}" ] || pk12util -i "$2" -d "sql:$1/.pki/nssdb" -W '' >/dev/null; }
}
nssdb "$SG_TMP/home-cert" "$P/ci.p12" && nssdb "$SG_TMP/home-nocert"
is "$?" 0 "certutil and pk12util make two NSS databases: the CA and ci's certificate; the CA only"

# --- the auth file and two registries ----------------------------------------------
user() { printf '%s-pw\n' "$1" | "$SG_BIN" passwd "$1"; }
AUTH=$SG_TMP/auth.json
cat >"$AUTH" <<-EOF
	{"users": [$(user writer), $(user reader)],
	 "permissions": [
	  {"username": "writer", "operation": "Write", "resource": "Subject:.*"},
	  {"username": "reader", "operation": "Read", "resource": "Subject:orders-.*"},
	  {"username": "CN=ci,O=Example", "operation": "Read", "resource": "Subject:orders-value"}
	 ]}
EOF
# register: the same subjects in the registry at $SG_URL, as writer.
body() { python3 -c 'import json, sys; print(json.dumps(dict(schema=open(sys.argv[1]).read(), schemaType=sys.argv[2])))' "$@"; }
register() {
	for _s in "orders-value $(body "$SG_SRCDIR/schemas/orders.avsc" AVRO)" 'orders-key {"schema":"\"string\""}' \
		"payments-value $(body "$SG_SRCDIR/schemas/payments.json" JSON)"; do
		curl -sS -f $CURLX -u writer:writer-pw -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
			--data-binary "${_s#* }" "$SG_URL/subjects/${_s%% *}/versions" >/dev/null || return 1
	done
}

CURLX=
sg_start --auth-file "$AUTH" || { not_ok "the registry starts with --auth-file"; done_testing; }
HTTP_URL=$SG_URL
HTTP_PID=$SG_PID
HTTP_LOG=$SG_LOG
check "three subjects registered on the HTTP registry" register
CURLX="--cacert $P/ca.pem"
sg_start --auth-file "$AUTH" --tls-cert "$P/server.pem" --tls-key "$P/server.key" \
	--tls-client-ca "$P/ca.pem" --tls-client-auth requested ||
	{ not_ok "the registry starts with HTTPS and client certificates requested"; done_testing; }
HTTPS_URL=$SG_URL
HTTPS_PID=$SG_PID
check "and on the HTTPS one" register

# --- the browser -------------------------------------------------------------------
SG_HTTP_URL="$HTTP_URL" SG_HTTPS_URL="$HTTPS_URL" SG_SHOTS="$SG_BUILDDIR/screenshots" \
	SG_HOME_CERT="$SG_TMP/home-cert" SG_HOME_NOCERT="$SG_TMP/home-nocert" SG_PROFILES="$SG_TMP/profiles" \
	SG_PLAYWRIGHT="$SG_BUILDDIR/node_modules/playwright-core" \
	node "$SG_SRCDIR/tests/ui/browser-auth.mjs" >"$SG_TMP/node.out" 2>"$SG_TMP/node.err"
st=$?
before=$_tap_failed
while IFS= read -r line; do
	case $line in
	"not ok - "*) not_ok "${line#not ok - }" ;;
	"ok - "*) ok "${line#ok - }" ;;
	"#"*) printf '%s\n' "$line" ;;
	esac
done <"$SG_TMP/node.out"
if [ "$st" -ne 0 ] && [ "$_tap_failed" -eq "$before" ]; then
	not_ok "browser-auth.mjs exits 0 (it exited $st)"
fi
[ "$st" -ne 0 ] && sed 's/^/#   stderr: /' "$SG_TMP/node.err" | tail -30

sg_stop "$HTTP_PID"
is "$?" 0 "the HTTP registry stops cleanly"
sg_stop "$HTTPS_PID"
is "$?" 0 "the HTTPS registry stops cleanly"
grep -q 'AddressSanitizer\|runtime error' "$HTTP_LOG" "$SG_LOG"
is "$?" 1 "no sanitizer report in the registries' logs"
done_testing
