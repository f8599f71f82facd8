#!/usr/bin/env bash
# tests/kafka/tls-clients.sh: clients over TLS through the gateway that check
# more than tls.sh's (issue #14), against one real Apache Kafka broker with a
# PLAINTEXT listener and a SASL_SSL one (SCRAM-SHA-512, kt_start_kafka_scram),
# StandardAuthorizer ACLs.
#   - the Java client (tests/kafka/KClient.java) with Kafka's default
#     ssl.endpoint.identification.algorithm=https: it produces and consumes
#     when the gateway's certificate names the address it connects to and the
#     advertised host; it fails with a hostname verification error when the
#     certificate names another host, or names the bootstrap address but not
#     the advertised host; with the check turned off the same certificate
#     works (so the failure is the name check alone);
#   - --broker-identity sasl: SASL_SSL clients (confluent-kafka, kafka-python,
#     Java) authenticate with SCRAM-SHA-512 through the gateway, which reaches
#     the broker's SASL_SSL listener with --broker-tls-ca; each user gets its
#     own ACLs (TOPIC_AUTHORIZATION_FAILED on the other's topic); a wrong
#     password gets the broker's SASL authentication error.
# Prints TAP.
. "$(dirname "$0")/lib.sh"

[ -x "${SG_BIN:-}" ] || kt_skip_all "SG_BIN (the schemagate binary) is not set"
command -v openssl >/dev/null || kt_skip_all "openssl is not installed"
PY=$(kt_python) || kt_skip_all "no Python with kafka-python and confluent-kafka (tests/clients/setup-venv.sh)"
kt_prepare

# Gateway certificates from one CA: for 127.0.0.1, for localhost only, and for
# a host that is neither.
C=$KT_WORK/certs
kt_tls_ca "$C" ca &&
	kt_tls_cert "$C" gw-ip "/CN=gateway" ca "IP:127.0.0.1" &&
	kt_tls_cert "$C" gw-localhost "/CN=localhost" ca "DNS:localhost" &&
	kt_tls_cert "$C" gw-wrong "/CN=wrong.example" ca "DNS:wrong.example"
kt_ok $? "openssl makes a CA and three gateway certificates (IP:127.0.0.1, DNS:localhost, DNS:wrong.example)" ||
	{ kt_done; exit 1; }

B=$KT_WORK/broker-certs
KT_SUPER="User:ANONYMOUS;User:admin" kt_start_kafka_scram "$B" "alice:alice-secret bob:bob-secret" ||
	{ kt_ok 1 "the broker starts"; kt_done; exit 1; }
kt_ok 0 "a broker with PLAINTEXT and SASL_SSL (SCRAM-SHA-512 users alice and bob) listeners and ACLs starts"
BROKER=$KT_BROKERS
SASL_BROKER=127.0.0.1:$KT_SASL_PORT_1

# start_gw NAME FLAGS...: schemagate gateway on free ports; sets GW, GW_PORT, GW_LOG.
start_gw() {
	local name=$1
	shift
	GW_PORT=$(kt_free_ports 8)
	GW_LOG=$KT_WORK/gateway-$name.log
	"$SG_BIN" gateway --listen "127.0.0.1:$GW_PORT" "$@" >"$GW_LOG" 2>&1 &
	KT_PIDS+=($!)
	GW=127.0.0.1:$GW_PORT
	kt_wait_port "$GW_PORT" 10 || { sed 's/^/#   /' "$GW_LOG"; return 1; }
}
# tls_gw NAME CERT FLAGS...: a gateway with TLS to clients, plaintext to BROKER.
tls_gw() {
	local name=$1 cert=$2
	shift 2
	start_gw "$name" --brokers "$BROKER" --gateway-tls-cert "$C/$cert.crt" --gateway-tls-key "$C/$cert.key" "$@"
	kt_ok $? "schemagate gateway with the $cert certificate${*:+ ($*)} starts"
}

# --- the Java client with hostname verification ------------------------------------
SSL=$KT_WORK/ssl.properties
printf 'security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location=%s\n' "$C/ca.crt" >"$SSL"
NOCHECK=$KT_WORK/ssl-nocheck.properties
{ cat "$SSL"; echo "ssl.endpoint.identification.algorithm="; } >"$NOCHECK"

tls_gw ip gw-ip || { kt_done; exit 1; }
kt_relay "KClient secure (IP)" kt_java secure "$GW" "$BROKER" java-tls-ip "$SSL" \
	"over TLS, hostname verification on, certificate IP:127.0.0.1"

tls_gw localhost gw-localhost --advertised-host localhost || { kt_done; exit 1; }
kt_relay "KClient secure (localhost)" kt_java secure "localhost:$GW_PORT" "$BROKER" java-tls-localhost "$SSL" \
	"over TLS to localhost, certificate DNS:localhost, --advertised-host localhost"

tls_gw wrong gw-wrong || { kt_done; exit 1; }
kt_relay "KClient refused (wrong name)" kt_java refused "$GW" "$SSL" \
	'SslAuthenticationException.*<- SSLHandshakeException: No subject alternative names matching IP address 127\.0\.0\.1 found' \
	"a gateway certificate for wrong.example fails hostname verification"
kt_relay "KClient secure (no check)" kt_java secure "$GW" "$BROKER" java-tls-nocheck "$NOCHECK" \
	"with ssl.endpoint.identification.algorithm= empty, the same certificate"

# The bootstrap address matches, the advertised host does not: the first
# connection succeeds and the one to the broker's port fails.
tls_gw advertised gw-ip --advertised-host localhost || { kt_done; exit 1; }
kt_relay "KClient refused (advertised)" kt_java refused "$GW" "$SSL" \
	'SslAuthenticationException.*<- SSLHandshakeException: No name matching localhost found' \
	"a certificate for 127.0.0.1 only, advertised host localhost: the broker port fails hostname verification"
grep -q 'TLS handshake failed' "$GW_LOG"
kt_ok $? "the gateway logs the handshake the client broke off"

# --- SASL_SSL with SCRAM through the gateway ---------------------------------------
start_gw sasl --brokers "$SASL_BROKER" --broker-tls-ca "$B/ca.crt" --broker-identity sasl \
	--gateway-tls-cert "$C/gw-ip.crt" --gateway-tls-key "$C/gw-ip.key"
kt_ok $? "schemagate gateway --broker-identity sasl --broker-tls-ca (the SASL_SSL listener) starts" ||
	{ kt_done; exit 1; }
kt_relay "ktls.py scram" "$PY" "$KT_SRC/tests/kafka/ktls.py" scram "$GW" "$BROKER" "$C/ca.crt"

SCRAM=$KT_WORK/scram.properties
{
	cat "$SSL"
	echo "security.protocol=SASL_SSL"
	echo "sasl.mechanism=SCRAM-SHA-512"
	echo 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";'
} >"$SCRAM"
kt_relay "KClient secure (SCRAM)" kt_java secure "$GW" "$BROKER" scram-java "$SCRAM" \
	"SASL_SSL SCRAM-SHA-512 as alice, hostname verification on"
sed 's/alice-secret/wrong-secret/' "$SCRAM" >"$KT_WORK/scram-wrong.properties"
kt_relay "KClient refused (SCRAM password)" kt_java refused "$GW" "$KT_WORK/scram-wrong.properties" \
	'SaslAuthenticationException: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512' \
	"a wrong password gets the broker's SaslAuthenticationException"

grep -q 'AddressSanitizer\|runtime error' "$KT_WORK"/gateway-*.log
kt_is "$?" 1 "no sanitizer report in the gateway logs"
kt_done
