# tests/registry/client-tls.sh: `schemagate check`, `register` and `validate`
# against `schemagate registry` over HTTPS with an auth file: the registry's
# CA (a file, or a folder holding an old and a new CA), a client certificate
# and Basic credentials, from the --registry-* flags and, separately, from
# the SCHEMAGATE_REGISTRY_* variables (common/regclient, cli/main).
#
# Each failure is exit status 2 and one line on stderr that says what failed:
# no CA (the system's store does not know ours), a wrong CA, no client
# certificate where one is required, a wrong password (401), a Read-only user
# registering (403). No message holds a password.
#
# Certificates are made here with openssl, as in tests/registry/tls.sh.
. "${SG_SRCDIR:-.}/tests/lib.sh"

command -v openssl >/dev/null || skip_all "openssl is not installed"

# --- certificates ------------------------------------------------------------------
P=$SG_TMP/pki
mkdir -p "$P"
ca() { # NAME SUBJECT: a self-signed CA, P-256
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$P/$1.key" -out "$P/$1.pem" -subj "$2" 2>/dev/null
}
cert() { # NAME CA SUBJECT EXTENSIONS: a certificate signed by CA
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$P/$1.key" -out "$P/$1.csr" -subj "$3" 2>/dev/null &&
		printf '%b\n' "$4" >"$P/$1.ext" &&
		openssl x509 -req -in "$P/$1.csr" -CA "$P/$2.pem" -CAkey "$P/$2.key" -CAcreateserial \
			-days 2 -extfile "$P/$1.ext" -out "$P/$1.pem" 2>/dev/null
}
ok_pki=1
ca old "/CN=registry CA (old)" || ok_pki=0
ca new "/CN=registry CA (new)" || ok_pki=0
ca foreign "/CN=someone else's CA" || ok_pki=0
cert server new "/CN=localhost" "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth" || ok_pki=0
cert ci new "/CN=ci" "extendedKeyUsage=clientAuth" || ok_pki=0
cert bot old "/CN=ci-bot" "extendedKeyUsage=clientAuth" || ok_pki=0
cert stranger foreign "/CN=ci" "extendedKeyUsage=clientAuth" || ok_pki=0
[ $ok_pki -eq 1 ] || skip_all "openssl could not make the test certificates"
# A CA folder as a Kubernetes Secret mounts it during a renewal: both CAs,
# each entry a link into a hidden ..data folder, and a file that is not a CA.
mkdir -p "$P/cas/..2024_01_01" && cp "$P/old.pem" "$P/cas/..2024_01_01/ca-old.crt" &&
	cp "$P/new.pem" "$P/cas/..2024_01_01/ca.crt" && ln -s ..2024_01_01 "$P/cas/..data" &&
	ln -s ..data/ca.crt "$P/cas/ca.crt" && ln -s ..data/ca-old.crt "$P/cas/ca-old.crt" &&
	echo "12" >"$P/cas/ca.password"

# --- the auth file -----------------------------------------------------------------
user() { printf '%s\n' "$2" | "$SG_BIN" passwd "$1"; }
AUTH=$SG_TMP/auth.json
cat >"$AUTH" <<-EOF
	{"users": [$(user writer 'w:pass/1'), $(user reader reader-pw)],
	 "permissions": [
	  {"username": "writer", "operation": "Write", "resource": "Subject:orders-.*"},
	  {"username": "reader", "operation": "Read", "resource": "Subject:orders-.*"},
	  {"username": "CN=ci-bot", "operation": "Write", "resource": "Subject:orders-.*"}
	 ]}
EOF

# --- schema and fixtures -------------------------------------------------------------
W=$SG_TMP/w
mkdir -p "$W"
cat >"$W/orders.json" <<-'EOF'
	{"type": "object", "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"}},
	 "required": ["order_id", "amount"]}
EOF
cat >"$W/orders-v2.json" <<-'EOF'
	{"title": "Order", "type": "object",
	 "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"}},
	 "required": ["order_id", "amount"]}
EOF
echo '{"order_id": "o-1", "amount": 12.5}' >"$W/good.json"
echo '{"order_id": "o-2", "amount": "twelve"}' >"$W/bad.json"

# run CMD...: stdout in $OUT, stderr in $ERR (and its line count), status in $RC.
run() {
	"$@" >"$SG_TMP/out" 2>"$SG_TMP/err"
	RC=$?
	OUT=$(cat "$SG_TMP/out")
	ERR=$(cat "$SG_TMP/err")
	ERR_LINES=$(grep -c '' "$SG_TMP/err")
}
# fails DESC REGEX CMD...: exit 2, one line on stderr matching REGEX, which
# holds no password.
fails() {
	_d=$1 _re=$2
	shift 2
	run "$@"
	diag "$_d: $ERR"
	is "$RC" 2 "$_d: exit status 2"
	is "$ERR_LINES" 1 "$_d: one line on stderr"
	like "$ERR" "$_re" "$_d: says what failed"
	case $ERR in
	*pass/1* | *reader-pw* | *wrong-pw*) not_ok "$_d: the message holds no password" ;;
	*) ok "$_d: the message holds no password" ;;
	esac
}

# --- the registry: HTTPS, client certificates required, an auth file ----------------
sg_start --tls-cert "$P/server.pem" --tls-key "$P/server.key" --tls-client-ca "$P/cas" \
	--tls-client-auth required --auth-file "$AUTH" ||
	{ not_ok "the registry starts with HTTPS, required client certificates and an auth file"; done_testing; }
ok "the registry starts with HTTPS, required client certificates and an auth file"
REG=$SG_URL
cd "$W" || exit 1

# --- with flags ---------------------------------------------------------------------
TLS="--registry $REG --registry-ca $P/new.pem --registry-cert $P/ci.pem --registry-key $P/ci.key"
run "$SG_BIN" register $TLS --registry-basic-auth 'writer:w:pass/1' --subject orders-value orders.json
is "$RC" 0 "flags: register exits 0"
is "$OUT" "orders.json: registered under orders-value as version 1, id 1" "flags: register says what it registered"
run "$SG_BIN" check $TLS --registry-basic-auth 'reader:reader-pw' --subject orders-value orders-v2.json
is "$RC" 0 "flags: check as a Read user exits 0"
like "$OUT" "^orders-v2.json: compatible with orders-value" "flags: check says compatible"
run "$SG_BIN" validate $TLS --registry-basic-auth 'reader:reader-pw' --subject orders-value good.json
is "$RC" 0 "flags: validate a good fixture against the subject: exit 0"
like "$OUT" "^1 of 1 documents valid$" "flags: validate counts it valid"
run "$SG_BIN" validate $TLS --registry-basic-auth 'reader:reader-pw' --subject orders-value bad.json
is "$RC" 1 "flags: validate a bad fixture: exit 1 (the schema came from the registry)"
like "$OUT" "^bad.json:.*amount" "flags: validate names the bad field"
# A client certificate is a principal of its own: CN=ci-bot, signed by the old CA.
run "$SG_BIN" register --registry "$REG" --registry-ca "$P/cas" --registry-cert "$P/bot.pem" \
	--registry-key "$P/bot.key" --subject orders-value orders-v2.json
is "$RC" 0 "flags: register as the certificate's subject CN=ci-bot, CAs from a Secret-like folder: exit 0"
is "$OUT" "orders-v2.json: registered under orders-value as version 2, id 2" "flags: version 2 registered"
# Basic credentials in the URL's userinfo.
HP=${REG#https://}
run "$SG_BIN" check --registry "https://reader:reader-pw@$HP" --registry-ca "$P/new.pem" \
	--registry-cert "$P/ci.pem" --registry-key "$P/ci.key" --subject orders-value orders-v2.json
is "$RC" 0 "URL userinfo: check as reader exits 0"
run "$SG_BIN" check --registry "https://reader:wrong-pw@$HP" --registry-ca "$P/new.pem" \
	--registry-cert "$P/ci.pem" --registry-key "$P/ci.key" --registry-basic-auth 'reader:reader-pw' \
	--subject orders-value orders-v2.json
is "$RC" 0 "--registry-basic-auth beats the credentials in the URL"

# --- with the variables ---------------------------------------------------------------
run env SCHEMAGATE_REGISTRY="$REG" SCHEMAGATE_REGISTRY_CA="$P/cas" SCHEMAGATE_REGISTRY_CERT="$P/ci.pem" \
	SCHEMAGATE_REGISTRY_KEY="$P/ci.key" SCHEMAGATE_REGISTRY_BASIC_AUTH='writer:w:pass/1' \
	"$SG_BIN" register --subject orders-copy-value orders.json
is "$RC" 0 "variables: register exits 0"
is "$OUT" "orders.json: registered under orders-copy-value as version 1, id 1" "variables: it registered"
run env SCHEMAGATE_REGISTRY="$REG" SCHEMAGATE_REGISTRY_CA="$P/new.pem" SCHEMAGATE_REGISTRY_CERT="$P/ci.pem" \
	SCHEMAGATE_REGISTRY_KEY="$P/ci.key" SCHEMAGATE_REGISTRY_BASIC_AUTH='reader:reader-pw' \
	"$SG_BIN" check --subject orders-value orders-v2.json
is "$RC" 0 "variables: check exits 0"
run env SCHEMAGATE_REGISTRY="$REG" SCHEMAGATE_REGISTRY_CA="$P/new.pem" SCHEMAGATE_REGISTRY_CERT="$P/ci.pem" \
	SCHEMAGATE_REGISTRY_KEY="$P/ci.key" SCHEMAGATE_REGISTRY_BASIC_AUTH='reader:reader-pw' \
	"$SG_BIN" validate --subject orders-value good.json bad.json
is "$RC" 1 "variables: validate reads the subject (one of two fixtures invalid: exit 1)"
like "$OUT" "1 of 2 documents valid" "variables: validate counts"
run env SCHEMAGATE_REGISTRY="$REG" SCHEMAGATE_REGISTRY_CA="$P/new.pem" SCHEMAGATE_REGISTRY_CERT="$P/ci.pem" \
	SCHEMAGATE_REGISTRY_KEY="$P/ci.key" SCHEMAGATE_REGISTRY_BASIC_AUTH='reader:reader-pw' \
	"$SG_BIN" check --registry-basic-auth 'writer:w:pass/1' --subject orders-value orders-v2.json
is "$RC" 0 "a flag beats its variable"

# --- failures -------------------------------------------------------------------------
fails "no CA (the system's)" \
	"^schemagate: cannot reach https://127\.0\.0\.1:[0-9]+/.*: the registry's certificate does not verify against the system's CAs.*(certificate|issuer)" \
	"$SG_BIN" check --registry "$REG" --registry-cert "$P/ci.pem" --registry-key "$P/ci.key" \
	--registry-basic-auth 'reader:reader-pw' --subject orders-value orders-v2.json
fails "a wrong CA" "does not verify against the CAs in $P/foreign.pem" \
	"$SG_BIN" register --registry "$REG" --registry-ca "$P/foreign.pem" --registry-cert "$P/ci.pem" \
	--registry-key "$P/ci.key" --registry-basic-auth 'writer:w:pass/1' --subject orders-value orders.json
fails "no client certificate where one is required" \
	"/subjects/orders-value/versions/latest: the registry requires a client certificate, and none was given" \
	"$SG_BIN" validate --registry "$REG" --registry-ca "$P/new.pem" --registry-basic-auth 'reader:reader-pw' \
	--subject orders-value good.json
fails "a client certificate of a CA the registry does not trust" \
	"the registry refused the client certificate $P/stranger.pem" \
	"$SG_BIN" validate --registry "$REG" --registry-ca "$P/new.pem" --registry-cert "$P/stranger.pem" \
	--registry-key "$P/stranger.key" --registry-basic-auth 'reader:reader-pw' --subject orders-value good.json
fails "a wrong password (401)" \
	"^schemagate: POST https://127\.0\.0\.1:[0-9]+/.*: the registry refused the credentials for user reader: Unauthorized \(error_code 401\)$" \
	"$SG_BIN" check $TLS --registry-basic-auth 'reader:wrong-pw' --subject orders-value orders-v2.json
fails "a wrong password in the URL (401), the URL shown without it" \
	"^schemagate: POST https://reader@127\.0\.0\.1:[0-9]+/.*: the registry refused the credentials for user reader" \
	"$SG_BIN" check --registry "https://reader:wrong-pw@$HP" --registry-ca "$P/new.pem" \
	--registry-cert "$P/ci.pem" --registry-key "$P/ci.key" --subject orders-value orders-v2.json
fails "a Read-only user registering (403)" \
	"^schemagate: POST https://.*/subjects/orders-value/versions: the registry does not allow this to reader: User is denied operation Write on Subject: orders-value \(error_code 40301\)$" \
	"$SG_BIN" register $TLS --registry-basic-auth 'reader:reader-pw' --subject orders-value orders-v2.json
fails "a wrong password from the variable (401)" "the registry refused the credentials for user writer" \
	env SCHEMAGATE_REGISTRY_BASIC_AUTH='writer:wrong-pw' "$SG_BIN" register $TLS --subject orders-value orders.json

# --- usage errors ------------------------------------------------------------------------
fails "a certificate without its key" "--registry-cert needs --registry-key" \
	"$SG_BIN" check --registry "$REG" --registry-cert "$P/ci.pem" --subject orders-value orders.json
fails "a key without its certificate, from a variable" "SCHEMAGATE_REGISTRY_KEY needs --registry-cert" \
	env SCHEMAGATE_REGISTRY_KEY="$P/ci.key" "$SG_BIN" validate --registry "$REG" --subject orders-value good.json
fails "Basic credentials without a ':'" "--registry-basic-auth must be USER:PASSWORD" \
	"$SG_BIN" register --registry "$REG" --registry-basic-auth reader --subject orders-value orders.json
fails "a CA file that does not exist" "$P/nowhere.pem: No such file or directory" \
	"$SG_BIN" check --registry "$REG" --registry-ca "$P/nowhere.pem" --subject orders-value orders.json
fails "a CA file that holds no certificate" "$P/ci.key: no PEM certificate in it" \
	"$SG_BIN" check --registry "$REG" --registry-ca "$P/ci.key" --subject orders-value orders.json
fails "a CA folder without certificates" "a folder with no PEM certificate in its files" \
	"$SG_BIN" check --registry "$REG" --registry-ca "$W" --subject orders-value orders.json
fails "a client key that does not exist" "$P/nokey.pem: No such file or directory" \
	"$SG_BIN" check $TLS --registry-key "$P/nokey.pem" --subject orders-value orders.json
fails "a key that is not the certificate's" "the client certificate $P/ci.pem or its key $P/bot.key cannot be used" \
	"$SG_BIN" check --registry "$REG" --registry-ca "$P/new.pem" --registry-cert "$P/ci.pem" \
	--registry-key "$P/bot.key" --subject orders-value orders.json
fails "a CA for a plain http:// registry" "apply to https:// only" \
	"$SG_BIN" check --registry "http://127.0.0.1:1" --registry-ca "$P/new.pem" --subject orders-value orders.json

sg_stop
is "$?" 0 "the registry stops cleanly"

# --- client certificates requested, not required ---------------------------------------
sg_start --tls-cert "$P/server.pem" --tls-key "$P/server.key" --tls-client-ca "$P/new.pem" \
	--tls-client-auth requested --auth-file "$AUTH" ||
	{ not_ok "the registry starts with client certificates requested"; done_testing; }
REG=$SG_URL
run "$SG_BIN" check --registry "$REG" --registry-ca "$P/new.pem" --registry-basic-auth 'reader:reader-pw' \
	--subject orders-value orders.json
is "$RC" 0 "requested: Basic credentials alone, no certificate: exit 0"
fails "requested: no credentials at all (401)" \
	"the registry wants credentials \(Basic, or a client certificate\), and none were given" \
	"$SG_BIN" check --registry "$REG" --registry-ca "$P/new.pem" --subject orders-value orders.json
fails "requested: a certificate of another CA (401)" "the registry refused the client certificate $P/bot.pem" \
	"$SG_BIN" check --registry "$REG" --registry-ca "$P/new.pem" --registry-cert "$P/bot.pem" \
	--registry-key "$P/bot.key" --registry-basic-auth 'reader:reader-pw' --subject orders-value orders.json
sg_stop

done_testing
