#!/bin/sh
# tests/registry/clients-tls.sh: confluent-kafka-python's SchemaRegistryClient,
# AvroSerializer and AvroDeserializer, unchanged, against a registry on HTTPS
# with an auth file (issue #14):
#   schemagate registry --tls-cert ... --tls-client-ca ... --tls-client-auth requested --auth-file ...
# The certificates (a CA, the registry's for 127.0.0.1, clients' from it and
# one from a foreign CA) are made here with openssl; the auth file's users come
# from `schemagate passwd`. tests/registry/clients_tls.py drives the client
# (basic.auth.user.info for a Write and a Read-only user; ssl.certificate.location
# and ssl.key.location for a client certificate, whose subject DN is the
# principal) and prints unnumbered TAP lines, which this script numbers.
# Runs in the venv $SG_BUILDDIR/.venv (tests/clients/setup-venv.sh).
. "${SG_SRCDIR:-.}/tests/lib.sh"

command -v openssl >/dev/null || skip_all "openssl is not installed"
VPY=$SG_BUILDDIR/.venv/bin/python
if ! "$VPY" -c 'import confluent_kafka.schema_registry.avro' 2>/dev/null; then
	sh "$SG_SRCDIR/tests/clients/setup-venv.sh" >&2 ||
		skip_all "external: cannot create the Python venv $SG_BUILDDIR/.venv (PyPI)"
fi

# --- certificates ------------------------------------------------------------------
P=$SG_TMP/pki
mkdir -p "$P"
# pki NAME SUBJECT EXT [CA]: a P-256 key and certificate signed by CA (default ca).
pki() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/$1.key" \
		-out "$P/$1.csr" -subj "$2" 2>/dev/null &&
		printf '%s\n' "$3" >"$P/$1.ext" &&
		openssl x509 -req -in "$P/$1.csr" -CA "$P/${4:-ca}.pem" -CAkey "$P/${4:-ca}.key" -CAcreateserial \
			-days 2 -extfile "$P/$1.ext" -out "$P/$1.pem" 2>/dev/null
}
# ca NAME: a self-signed P-256 CA.
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$P/$1.key" -out "$P/$1.pem" -subj "/CN=$1" 2>/dev/null
}
ca ca && ca foreign-ca &&
	pki server /CN=localhost "subjectAltName=IP:127.0.0.1" &&
	pki ci "/O=Example/CN=ci" "extendedKeyUsage=clientAuth" &&
	pki ops "/O=Example/CN=ops" "extendedKeyUsage=clientAuth" &&
	pki stranger "/O=Example/CN=ci" "extendedKeyUsage=clientAuth" foreign-ca ||
	skip_all "openssl could not make the test certificates"
ok "openssl makes a CA, the registry's certificate and clients' (one from a foreign CA)"

# --- the auth file -----------------------------------------------------------------
user() { printf '%s-pw\n' "$1" | "$SG_BIN" passwd "$1"; }
AUTH=$SG_TMP/auth.json
cat >"$AUTH" <<-EOF
	{"users": [$(user writer), $(user reader)],
	 "permissions": [
	  {"username": "writer", "operation": "Write", "resource": "Subject:orders-.*"},
	  {"username": "reader", "operation": "Read", "resource": "Subject:orders-.*"},
	  {"username": "CN=ci,O=Example", "operation": "Write", "resource": "Subject:ci-.*"}
	 ]}
EOF

sg_start --auth-file "$AUTH" --tls-cert "$P/server.pem" --tls-key "$P/server.key" \
	--tls-client-ca "$P/ca.pem" --tls-client-auth requested ||
	{ not_ok "schemagate registry starts with HTTPS, client certificates requested and --auth-file"; done_testing; }
like "$SG_URL" '^https://127\.0\.0\.1:' \
	"schemagate registry starts with HTTPS, client certificates requested and --auth-file"

# --- the client --------------------------------------------------------------------
"$VPY" "$SG_SRCDIR/tests/registry/clients_tls.py" "$SG_URL" "$P" >"$SG_TMP/py.out" 2>"$SG_TMP/py.err"
st=$?
before=$_tap_failed
while IFS= read -r line; do
	case $line in
	"not ok - "*) not_ok "${line#not ok - }" ;;
	"ok - "*) ok "${line#ok - }" ;;
	"#"*) printf '%s\n' "$line" ;;
	esac
done <"$SG_TMP/py.out"
if [ "$st" -ne 0 ] && [ "$_tap_failed" -eq "$before" ]; then
	not_ok "clients_tls.py exits 0 (it exited $st)"
fi
[ "$st" -ne 0 ] && sed 's/^/#   stderr: /' "$SG_TMP/py.err" | tail -30

sg_stop
is "$?" 0 "the registry stops cleanly"
grep -q 'AddressSanitizer\|runtime error' "$SG_LOG"
is "$?" 1 "no sanitizer report in the registry's log"
done_testing
