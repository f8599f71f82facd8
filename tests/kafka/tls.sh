#!/usr/bin/env bash
# tests/kafka/tls.sh: TLS through the gateway (issue #14) against one real
# Apache Kafka broker. Certificates are made with openssl in the work folder.
#   - clients: `schemagate gateway --gateway-tls-*` in front of a plaintext
#     broker; kafka-python over TLS (tests/kafka/ktls.py) produces through
#     it and reads back byte-identical, straight from the broker and through
#     the gateway; with client auth required, a client without a certificate
#     and one with a certificate of a foreign CA are refused at the
#     handshake; validation still rejects a bad order over TLS.
#   - brokers: a second broker with an SSL listener only (client
#     certificates required; kt_start_kafka_ssl); the gateway reaches it with
#     --broker-tls-ca and --broker-identity gateway, for TLS and plaintext
#     clients; a wrong CA, and no identity, fail the broker's handshake;
#     --broker-tls-insecure-skip-verify works and says it is insecure.
#   - certmap: --broker-identity-dir with two users (one with a multi-valued
#     RDN and an escaped comma); each client reaches the broker (ACLs with
#     StandardAuthorizer) as its own user: order-processor writes orders and
#     is denied payments, and the other way round; a client whose subject
#     matches no user (or only prints like one) is refused, its subject logged.
# Prints TAP.
. "$(dirname "$0")/lib.sh"

[ -x "${SG_BIN:-}" ] || kt_skip_all "SG_BIN (the schemagate binary) is not set"
command -v openssl >/dev/null || kt_skip_all "openssl is not installed"
PY=$(kt_python) || kt_skip_all "no Python with kafka-python and confluent-kafka (tests/clients/setup-venv.sh)"
kt_prepare

# Certificates: the gateway's (names 127.0.0.1 and localhost) and a client's
# from one CA, and a client's from a foreign CA.
C=$KT_WORK/certs
kt_tls_ca "$C" ca && kt_tls_ca "$C" foreign-ca &&
	kt_tls_cert "$C" gateway "/CN=gateway" ca "IP:127.0.0.1,DNS:localhost" &&
	kt_tls_cert "$C" client "/O=Acme/CN=order-processor" ca &&
	kt_tls_cert "$C" foreign "/O=Acme/CN=order-processor" foreign-ca
kt_ok $? "openssl makes a CA, the gateway's and clients' certificates" || { kt_done; exit 1; }

kt_start_kafka 1 || { kt_ok 1 "the broker starts"; kt_done; exit 1; }
BROKER=$KT_BROKERS

REGP=$(kt_free_ports 1)
REG=http://127.0.0.1:$REGP
"$SG_BIN" registry --listen "127.0.0.1:$REGP" --db "$KT_WORK/registry.db" >"$KT_WORK/registry.log" 2>&1 &
KT_PIDS+=($!)
kt_wait_port "$REGP" 10
kt_ok $? "schemagate registry listens on $REG" || { kt_done; exit 1; }

# start_gw NAME FLAGS...: schemagate gateway on free ports; sets GW, GW_LOG.
start_gw() {
	local name=$1 port
	shift
	port=$(kt_free_ports 8)
	GW_LOG=$KT_WORK/gateway-$name.log
	"$SG_BIN" gateway --listen "127.0.0.1:$port" "$@" >"$GW_LOG" 2>&1 &
	KT_PIDS+=($!)
	GW=127.0.0.1:$port
	kt_wait_port "$port" 10 || { sed 's/^/#   /' "$GW_LOG"; return 1; }
}

# log_has PATTERN FILE: waits up to 5 s for a line the gateway writes once it
# has started (it may bind its port a moment before it writes the line).
log_has() {
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q "$1" "$2" && return 0
		sleep 0.1
	done
	return 1
}

# Clients over TLS, client certificates required, the broker in plaintext.
start_gw required --brokers "$BROKER" --registry "$REG" \
	--gateway-tls-cert "$C/gateway.crt" --gateway-tls-key "$C/gateway.key" \
	--gateway-tls-client-ca "$C/ca.crt" --gateway-tls-client-auth required
kt_ok $? "schemagate gateway --gateway-tls-* (client auth required) starts" || { kt_done; exit 1; }
kt_check "it logs that clients use TLS with certificates required" \
	log_has 'gateway TLS: clients over TLS (client certificates required), brokers in plaintext' "$GW_LOG"

kt_relay "ktls.py roundtrip" "$PY" "$KT_SRC/tests/kafka/ktls.py" roundtrip "$GW" "$BROKER" tls-bytes "$C"
kt_relay "ktls.py refused (no certificate)" "$PY" "$KT_SRC/tests/kafka/ktls.py" refused "$GW" "$C" -
kt_relay "ktls.py refused (foreign CA)" "$PY" "$KT_SRC/tests/kafka/ktls.py" refused "$GW" "$C" "$C/foreign"
kt_check "the gateway logs the refused handshakes" grep -q 'TLS handshake failed' "$GW_LOG"
kt_relay "ktls.py validate" "$PY" "$KT_SRC/tests/kafka/ktls.py" validate "$GW" "$BROKER" "$REG" "$C"

# kcat over TLS, certificates requested only: it may come without one.
start_gw requested --brokers "$BROKER" \
	--gateway-tls-cert "$C/gateway.crt" --gateway-tls-key "$C/gateway.key" \
	--gateway-tls-client-ca "$C/ca.crt" --gateway-tls-client-auth requested
kt_ok $? "schemagate gateway with client auth requested starts" || { kt_done; exit 1; }
printf 'kcat-1\nkcat-2\n' | kcat -P -b "$GW" -t tls-kcat -p 0 -X security.protocol=ssl \
	-X ssl.ca.location="$C/ca.crt" 2>"$KT_WORK/kcat.err"
kt_ok $? "kcat without a certificate produces over TLS" || sed 's/^/#   /' "$KT_WORK/kcat.err"
got=$(kcat -C -b "$BROKER" -t tls-kcat -p 0 -o beginning -e -q 2>/dev/null | paste -sd,)
kt_is "$got" "kcat-1,kcat-2" "the broker holds kcat's records"
got=$(kcat -C -b "$GW" -t tls-kcat -p 0 -o beginning -e -q -X security.protocol=ssl \
	-X ssl.ca.location="$C/ca.crt" 2>/dev/null | paste -sd,)
kt_is "$got" "kcat-1,kcat-2" "kcat reads them back over TLS through the gateway"

# Flags that make no sense alone are refused before anything starts.
"$SG_BIN" gateway --listen 127.0.0.1:0 --brokers "$BROKER" --broker-port-base 20000 \
	--gateway-tls-client-auth required >/dev/null 2>"$KT_WORK/bad.err"
kt_is "$?" 2 "--gateway-tls-client-auth without a certificate is a usage error"
kt_check "it says what is missing" grep -q 'needs --gateway-tls-cert' "$KT_WORK/bad.err"

# Brokers over TLS.
BC=$KT_WORK/broker-certs
KT_SSL_SUPER="User:CN=broker;User:CN=admin;User:CN=schemagate-gateway;User:ANONYMOUS" \
	kt_start_kafka_ssl "$BC" || { kt_ok 1 "an SSL-only broker starts"; kt_done; exit 1; }
kt_ok 0 "an SSL-only broker (PEM stores, client certificates required) starts"
SBROKER=$KT_BROKERS
kt_tls_cert "$BC" gw-id "/CN=schemagate-gateway" ca
kt_ok $? "openssl makes the gateway's broker identity"
ID=(--broker-identity gateway --broker-tls-cert "$BC/gw-id.crt" --broker-tls-key "$BC/gw-id.key")

start_gw tls-both --brokers "$SBROKER" \
	--gateway-tls-cert "$C/gateway.crt" --gateway-tls-key "$C/gateway.key" \
	--gateway-tls-client-ca "$C/ca.crt" --gateway-tls-client-auth required \
	--broker-tls-ca "$BC/ca.crt" "${ID[@]}"
kt_ok $? "schemagate gateway with TLS on both sides starts" || { kt_done; exit 1; }
kt_check "it logs TLS on both sides and the gateway's identity" \
	log_has "clients over TLS (client certificates required), brokers over TLS, verified (the gateway's certificate)" "$GW_LOG"
KT_BROKER_TLS=$BC kt_relay "ktls.py roundtrip (TLS broker)" "$PY" "$KT_SRC/tests/kafka/ktls.py" roundtrip "$GW" "$SBROKER" tls-both "$C"

start_gw tls-broker --brokers "$SBROKER" --broker-tls-ca "$BC/ca.crt" "${ID[@]}"
kt_ok $? "schemagate gateway --broker-tls-ca --broker-identity gateway starts (plaintext clients)" || { kt_done; exit 1; }
printf 'ssl-1\nssl-2\nssl-3\n' | kcat -P -b "$GW" -t tls-broker -p 0 2>"$KT_WORK/kcat.err"
kt_ok $? "kcat produces through the gateway to the SSL broker" || sed 's/^/#   /' "$KT_WORK/kcat.err"
# shellcheck disable=SC2046
got=$(kcat -C -b "$SBROKER" $(kt_kcat_ssl) -t tls-broker -p 0 -o beginning -e -q 2>/dev/null | paste -sd,)
kt_is "$got" "ssl-1,ssl-2,ssl-3" "the SSL broker holds the records"
got=$(kcat -C -b "$GW" -t tls-broker -p 0 -o beginning -e -q 2>/dev/null | paste -sd,)
kt_is "$got" "ssl-1,ssl-2,ssl-3" "kcat consumes them back through the gateway"

start_gw wrong-ca --brokers "$SBROKER" --broker-tls-ca "$C/ca.crt" "${ID[@]}"
kt_ok $? "a gateway that trusts another CA starts" || { kt_done; exit 1; }
kcat -L -b "$GW" -m 5 >/dev/null 2>&1
kt_is "$?" 1 "with a broker certificate from an untrusted CA, kcat gets no metadata"
kt_check "the gateway logs the failed verification" grep -q 'certificate verify failed' "$GW_LOG"

start_gw no-identity --brokers "$SBROKER" --broker-tls-ca "$BC/ca.crt" --broker-identity sasl
kt_ok $? "a gateway with no broker identity starts" || { kt_done; exit 1; }
kcat -L -b "$GW" -m 5 >/dev/null 2>&1
kt_is "$?" 1 "a broker that requires a certificate refuses a gateway without one"

start_gw insecure --brokers "$SBROKER" --broker-tls-insecure-skip-verify "${ID[@]}"
kt_ok $? "schemagate gateway --broker-tls-insecure-skip-verify starts" || { kt_done; exit 1; }
kt_check "it warns that broker certificates are not verified" log_has 'WARNING: broker certificates are NOT verified' "$GW_LOG"
got=$(kcat -C -b "$GW" -t tls-broker -p 0 -o beginning -e -q 2>/dev/null | paste -sd,)
kt_is "$got" "ssl-1,ssl-2,ssl-3" "kcat consumes through it"

# certmap: the users' broker certificates (the broker's CA) have the
# subjects of the clients' certificates (the gateway's client CA).
ID=$KT_WORK/identities
P2SUBJ="/C=DE/O=Acme, Inc./OU=payments/CN=svc+UID=42"
kt_tls_cert "$C" payments "$P2SUBJ" ca &&
	kt_tls_cert "$C" stranger "/O=Acme/CN=stranger" ca &&
	kt_tls_cert "$BC" user-op "/O=Acme/CN=order-processor" ca &&
	kt_tls_cert "$BC" user-pay "$P2SUBJ" ca &&
	mkdir -p "$ID/order-processor" "$ID/payments-svc" "$ID/..data" &&
	cp "$BC/user-op.crt" "$ID/order-processor/user.crt" && cp "$BC/user-op.key" "$ID/order-processor/user.key" &&
	cp "$BC/user-pay.crt" "$ID/payments-svc/user.crt" && cp "$BC/user-pay.key" "$ID/payments-svc/user.key" &&
	cp "$BC/ca.crt" "$ID/order-processor/ca.crt"
kt_ok $? "openssl makes two users' certificates (one subject $(openssl x509 -noout -subject -nameopt RFC2253 -in "$ID/payments-svc/user.crt"))"
# The same text as order-processor's subject, but PrintableString instead of
# UTF8String: a different name.
printf '[req]\ndistinguished_name=dn\nstring_mask=default\n[dn]\n' >"$KT_WORK/printable.cnf"
openssl req -new -newkey rsa:2048 -nodes -config "$KT_WORK/printable.cnf" -subj "/O=Acme/CN=order-processor" \
	-keyout "$C/lookalike.key" -out "$C/lookalike.csr" >/dev/null 2>&1 &&
	openssl x509 -req -in "$C/lookalike.csr" -CA "$C/ca.crt" -CAkey "$C/ca.key" -CAcreateserial -days 2 \
		-extfile "$C/client.ext" -out "$C/lookalike.crt" >/dev/null 2>&1
kt_ok $? "openssl makes a look-alike of order-processor's certificate (PrintableString)"
kt_is "$(openssl x509 -noout -subject -nameopt RFC2253 -in "$C/lookalike.crt")" \
	"$(openssl x509 -noout -subject -nameopt RFC2253 -in "$C/client.crt")" "the look-alike's subject prints the same"

start_gw certmap --brokers "$SBROKER" \
	--gateway-tls-cert "$C/gateway.crt" --gateway-tls-key "$C/gateway.key" \
	--gateway-tls-client-ca "$C/ca.crt" --gateway-tls-client-auth required \
	--broker-tls-ca "$BC/ca.crt" --broker-identity-dir "$ID"
kt_ok $? "schemagate gateway with --broker-identity-dir (certmap by default) starts" || { kt_done; exit 1; }
kt_check "it loads two identities" log_has "certmap: 2 broker identities from $ID" "$GW_LOG"
KT_BROKER_TLS=$BC kt_relay "ktls.py certmap" "$PY" "$KT_SRC/tests/kafka/ktls.py" certmap "$GW" "$SBROKER" "$C" \
	"CN=order-processor,O=Acme" 'CN=svc+UID=42,OU=payments,O=Acme\, Inc.,C=DE'
kt_relay "ktls.py refused (no user)" "$PY" "$KT_SRC/tests/kafka/ktls.py" refused "$GW" "$C" "$C/stranger"
kt_check "the refusal names the subject" grep -q 'no broker identity for the client certificate subject CN=stranger,O=Acme' "$GW_LOG"
kt_relay "ktls.py refused (look-alike)" "$PY" "$KT_SRC/tests/kafka/ktls.py" refused "$GW" "$C" "$C/lookalike"
n=$(grep -c 'no broker identity for the client certificate subject CN=order-processor,O=Acme' "$GW_LOG")
[ "$n" -gt 0 ]
kt_ok $? "the look-alike is refused as no user, though it prints like one ($n log lines)"

mkdir -p "$KT_WORK/dup/a" "$KT_WORK/dup/b"
cp "$ID/order-processor/user.crt" "$ID/order-processor/user.key" "$KT_WORK/dup/a/"
cp "$ID/order-processor/user.crt" "$ID/order-processor/user.key" "$KT_WORK/dup/b/"
"$SG_BIN" gateway --listen 127.0.0.1:0 --broker-port-base 20000 --brokers "$SBROKER" \
	--gateway-tls-cert "$C/gateway.crt" --gateway-tls-key "$C/gateway.key" \
	--gateway-tls-client-ca "$C/ca.crt" --gateway-tls-client-auth required \
	--broker-tls-ca "$BC/ca.crt" --broker-identity-dir "$KT_WORK/dup" >/dev/null 2>"$KT_WORK/dup.err"
kt_ok $((! $?)) "two users with one subject: the gateway does not start" || true
kt_check "it says which" grep -q 'users [ab] and [ab] have the same subject CN=order-processor,O=Acme' "$KT_WORK/dup.err"

grep -q 'AddressSanitizer\|runtime error' "$KT_WORK"/gateway-*.log
kt_is "$?" 1 "no sanitizer report in the gateway logs"
kt_done
