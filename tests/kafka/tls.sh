#!/usr/bin/env bash
# tests/kafka/tls.sh: TLS through the gateway (issue #14) against one real
# Apache Kafka broker. Certificates are made with openssl in the work folder.
#   - clients: `schemagate gateway --gateway-tls-*` in front of a plaintext
#     broker; kafka-python over TLS (tests/kafka/ktls.py) produces through
#     it and reads back byte-identical, straight from the broker and through
#     the gateway; with client auth required, a client without a certificate
#     and one with a certificate of a foreign CA are refused at the
#     handshake; validation still rejects a bad order over TLS.
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
	kt_tls_cert "$C" client "/CN=order-processor/O=Acme" ca &&
	kt_tls_cert "$C" foreign "/CN=order-processor/O=Acme" foreign-ca
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

# Clients over TLS, client certificates required, the broker in plaintext.
start_gw required --brokers "$BROKER" --registry "$REG" \
	--gateway-tls-cert "$C/gateway.crt" --gateway-tls-key "$C/gateway.key" \
	--gateway-tls-client-ca "$C/ca.crt" --gateway-tls-client-auth required
kt_ok $? "schemagate gateway --gateway-tls-* (client auth required) starts" || { kt_done; exit 1; }
kt_check "it logs that clients use TLS with certificates required" \
	grep -q 'gateway TLS: clients over TLS (client certificates required), brokers in plaintext' "$GW_LOG"

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

grep -q 'AddressSanitizer\|runtime error' "$KT_WORK"/gateway-*.log
kt_is "$?" 1 "no sanitizer report in the gateway logs"
kt_done
