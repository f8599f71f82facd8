#!/usr/bin/env bash
# tests/kafka/registry-tls.sh: the gateway's client of the registry over
# HTTPS with credentials (issue #14). One real Apache Kafka broker;
# `schemagate registry` with HTTPS, client certificates required and an auth
# file; `schemagate gateway --registry https://... --registry-ca
# --registry-cert --registry-key --registry-basic-auth` in front of the
# broker. Certificates are made with openssl in the work folder.
#   - the right CA, certificate and password: the gateway says at start that
#     the registry answers; confluent-kafka's producer gets a good order
#     through (read back byte-identical straight from the broker) and a bad
#     one refused with INVALID_RECORD, logged against the subject;
#   - a wrong password: the gateway still starts, logs that the registry
#     refused the credentials for its user, and fails closed: a good order is
#     not written (the producer gets no acknowledgement), the log says why
#     for the batch too, and no log line holds the password;
#   - no client certificate: the log says the registry requires one;
#   - a wrong CA: the log says so; the CA file then replaced with the right
#     one is not read by the connection made before, until SIGHUP makes the
#     gateway connect anew: then a good order goes through.
# Prints TAP.
. "$(dirname "$0")/lib.sh"

[ -x "${SG_BIN:-}" ] || kt_skip_all "SG_BIN (the schemagate binary) is not set"
command -v openssl >/dev/null || kt_skip_all "openssl is not installed"
PY=$(kt_python) || kt_skip_all "no Python with kafka-python and confluent-kafka (tests/clients/setup-venv.sh)"
kt_prepare

# Certificates: the registry's CA, the registry's (127.0.0.1), the gateway's
# client certificate there.
C=$KT_WORK/certs
kt_tls_ca "$C" regca && kt_tls_ca "$C" otherca &&
	kt_tls_cert "$C" registry "/CN=registry" regca "IP:127.0.0.1,DNS:localhost" &&
	kt_tls_cert "$C" gw "/O=Acme/CN=schemagate-gateway" regca
kt_ok $? "openssl makes the registry's CA and certificate and the gateway's client certificate" || { kt_done; exit 1; }

# The auth file: the gateway may read every subject, the admin write them.
user() { printf '%s\n' "$2" | "$SG_BIN" passwd "$1"; }
cat >"$KT_WORK/auth.json" <<-EOF
	{"users": [$(user gateway 'gw:S3cret') , $(user admin admin-pw)],
	 "permissions": [
	  {"username": "gateway", "operation": "Read", "resource": "Subject:.*"},
	  {"username": "admin", "operation": "Write", "resource": "Subject:.*"}
	 ]}
EOF

kt_start_kafka 1 || { kt_ok 1 "the broker starts"; kt_done; exit 1; }
BROKER=$KT_BROKERS

REGP=$(kt_free_ports 1)
REG=https://127.0.0.1:$REGP
"$SG_BIN" registry --listen "127.0.0.1:$REGP" --db "$KT_WORK/registry.db" \
	--tls-cert "$C/registry.crt" --tls-key "$C/registry.key" --tls-client-ca "$C/regca.crt" \
	--tls-client-auth required --auth-file "$KT_WORK/auth.json" >"$KT_WORK/registry.log" 2>&1 &
KT_PIDS+=($!)
kt_wait_port "$REGP" 10
kt_ok $? "schemagate registry listens on $REG (HTTPS, client certificates required, an auth file)" ||
	{ sed 's/^/#   /' "$KT_WORK/registry.log"; kt_done; exit 1; }

cat >"$KT_WORK/orders.json" <<-'EOF'
	{"type": "object", "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"}},
	 "required": ["order_id", "amount"]}
EOF
SCHEMAGATE_REGISTRY_BASIC_AUTH='admin:admin-pw' "$SG_BIN" register --registry "$REG" \
	--registry-ca "$C/regca.crt" --registry-cert "$C/gw.crt" --registry-key "$C/gw.key" \
	--subject orders-value "$KT_WORK/orders.json" >"$KT_WORK/register.out" 2>&1
kt_ok $? "schemagate register over HTTPS as admin: $(cat "$KT_WORK/register.out")"

# start_gw NAME FLAGS...: schemagate gateway on free ports; sets GW, GW_LOG, GW_PID.
start_gw() {
	local name=$1 port
	shift
	port=$(kt_free_ports 8)
	GW_LOG=$KT_WORK/gateway-$name.log
	"$SG_BIN" gateway --listen "127.0.0.1:$port" --brokers "$BROKER" "$@" >"$GW_LOG" 2>&1 &
	GW_PID=$!
	KT_PIDS+=($GW_PID)
	GW=127.0.0.1:$port
	kt_wait_port "$port" 10 || { sed 's/^/#   /' "$GW_LOG"; return 1; }
}

# The producer: produce.py GW BROKER TOPIC TAG TIMEOUT_MS GOOD|BAD prints one
# line "delivered", or "error NAME: REASON", then "broker N": how many times
# the record is on the broker.
cat >"$KT_WORK/produce.py" <<-'EOF'
	import json, sys, time
	from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING
	gw, broker, topic, tag, timeout, kind = sys.argv[1:7]
	amount = 12.5 if kind == "GOOD" else "twelve"
	value = json.dumps({"order_id": tag, "amount": amount}).encode()
	reports = []
	p = Producer({"bootstrap.servers": gw, "acks": "all", "message.timeout.ms": int(timeout),
	              "retry.backoff.ms": 200})
	p.produce(topic, value, partition=0, on_delivery=lambda e, m: reports.append(e))
	p.flush(int(timeout) / 1000 + 10)
	e = reports[0] if reports else "no report"
	print("delivered" if e is None else "error %s: %s" % (e.name() if hasattr(e, "name") else e, e.str() if hasattr(e, "str") else ""))
	c = Consumer({"bootstrap.servers": broker, "group.id": "kt-rtls-%f" % time.time(),
	              "enable.auto.commit": False})
	c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
	got, idle, end = [], 0, time.time() + 15
	while time.time() < end and idle < 6:
	    m = c.poll(0.5)
	    if m is None:
	        idle += 1
	        continue
	    if not m.error():
	        idle = 0
	        got.append(m.value())
	c.close()
	print("broker %d" % got.count(value))
EOF
produce() { # GW TAG TIMEOUT_MS GOOD|BAD: sets OUT
	OUT=$("$PY" "$KT_WORK/produce.py" "$1" "$BROKER" orders "$2" "$3" "$4" 2>"$KT_WORK/produce.err")
}

# --- the right CA, certificate and password ------------------------------------------
GOODPW='gateway:gw:S3cret'
start_gw good --registry "$REG" --registry-ca "$C/regca.crt" --registry-cert "$C/gw.crt" \
	--registry-key "$C/gw.key" --registry-basic-auth "$GOODPW"
kt_ok $? "schemagate gateway --registry https://... --registry-ca/-cert/-key/-basic-auth starts" || { kt_done; exit 1; }
kt_check "its log says the registry answers" grep -q "^schemagate: gateway: registry https://127.0.0.1:$REGP answers$" "$GW_LOG"
produce "$GW" good-1 20000 GOOD
kt_is "$OUT" "delivered
broker 1" "a good order is accepted and read back byte-identical from the broker"
produce "$GW" bad-1 20000 BAD
kt_is "$(printf '%s\n' "$OUT" | tail -1)" "broker 0" "a bad order is not on the broker"
case $(printf '%s\n' "$OUT" | head -1) in
"error INVALID_RECORD: "*) kt_ok 0 "a bad order is refused with the gateway's INVALID_RECORD" ;;
*) kt_ok 1 "a bad order is refused with the gateway's INVALID_RECORD"; kt_diag "got: $OUT" ;;
esac
kt_check "the gateway logs the rejection against orders-value" \
	grep -q "event=rejection mode=enforce topic=orders .*reason=json_invalid .*orders-value" "$GW_LOG"
kill "$GW_PID"
wait "$GW_PID"
kt_is "$?" 0 "the gateway stops cleanly on SIGTERM"

# --- a wrong password: fails closed, says why ---------------------------------------------
start_gw badpw --registry "$REG" --registry-ca "$C/regca.crt" --registry-cert "$C/gw.crt" \
	--registry-key "$C/gw.key" --registry-basic-auth 'gateway:wr0ng-Secret'
kt_ok $? "with a wrong password the gateway still starts"
kt_check "its log says at start that the registry refused the credentials for user gateway" \
	grep -q "^schemagate: gateway: warning: GET https://127.0.0.1:$REGP/schemas/types: the registry refused the credentials for user gateway: Unauthorized (error_code 401); until the registry answers, records to validate are refused with a retriable error$" "$GW_LOG"
produce "$GW" badpw-1 6000 GOOD
kt_is "$(printf '%s\n' "$OUT" | tail -1)" "broker 0" "fails closed: a good order is not written without the registry's answer"
like_out=$(printf '%s\n' "$OUT" | head -1)
case $like_out in
"error "*) kt_ok 0 "the producer gets no acknowledgement: $like_out" ;;
*) kt_ok 1 "the producer gets no acknowledgement"; kt_diag "got: $OUT" ;;
esac
kt_check "the log says why for the batch too (registry_unavailable, the refused credentials)" \
	grep -q "reason=registry_unavailable.*the registry refused the credentials for user gateway" "$GW_LOG"
grep -q "wr0ng-Secret" "$GW_LOG"
kt_is "$?" 1 "no line of the gateway's log holds the password"
kill "$GW_PID"
wait "$GW_PID"
kt_is "$?" 0 "the gateway stops cleanly on SIGTERM"

# --- no client certificate, and a wrong CA: the log says which -----------------------------
start_gw nocert --registry "$REG" --registry-ca "$C/regca.crt" --registry-basic-auth "$GOODPW"
kt_ok $? "without a client certificate the gateway still starts"
kt_check "its log says the registry requires a client certificate" \
	grep -q "warning: GET .*: the registry requires a client certificate, and none was given" "$GW_LOG"
kill "$GW_PID"
wait "$GW_PID"
CAFILE=$KT_WORK/registry-ca.crt
cp "$C/otherca.crt" "$CAFILE"
start_gw wrongca --registry "$REG" --registry-ca "$CAFILE" --registry-cert "$C/gw.crt" \
	--registry-key "$C/gw.key" --registry-basic-auth "$GOODPW"
kt_ok $? "with a wrong CA the gateway still starts"
kt_check "its log says the registry's certificate does not verify against that CA" \
	grep -q "warning: cannot reach .*: the registry's certificate does not verify against the CAs in $CAFILE" "$GW_LOG"

# --- the CA file replaced: connections made before keep the old CA until SIGHUP -------------
cp "$C/regca.crt" "$CAFILE"
produce "$GW" ca-before-hup 6000 GOOD
kt_is "$(printf '%s\n' "$OUT" | tail -1)" "broker 0" "the CA file replaced, no SIGHUP yet: the gateway's connection still has the old CA"
kill -HUP "$GW_PID"
for _ in $(seq 50); do
	grep -q "SIGHUP: the registry's connections open anew" "$GW_LOG" && break
	sleep 0.1
done
kt_check "SIGHUP: the gateway says its registry connections open anew" \
	grep -q "SIGHUP: the registry's connections open anew (its CA and client certificate are read again)" "$GW_LOG"
produce "$GW" ca-after-hup 20000 GOOD
kt_is "$OUT" "delivered
broker 1" "after SIGHUP the new CA is read: a good order is validated and written"
kill "$GW_PID"
wait "$GW_PID"

# --- usage errors --------------------------------------------------------------------------
"$SG_BIN" gateway --listen 127.0.0.1:0 --brokers "$BROKER" --registry-ca "$C/regca.crt" >/dev/null 2>"$KT_WORK/usage.err"
kt_is "$?" 2 "--registry-ca without --registry: exit 2"
kt_check "... and says so" grep -q -- "--registry-ca needs --registry" "$KT_WORK/usage.err"
"$SG_BIN" gateway --listen 127.0.0.1:0 --brokers "$BROKER" --registry "$REG" --registry-ca "$C/none.crt" >/dev/null 2>"$KT_WORK/usage.err"
kt_is "$?" 2 "a CA file that does not exist: exit 2"
kt_check "... naming it: $(cat "$KT_WORK/usage.err")" grep -q "none.crt: No such file or directory" "$KT_WORK/usage.err"

for f in "$KT_WORK"/gateway-*.log; do
	grep -q 'AddressSanitizer\|runtime error' "$f" && { kt_ok 1 "no sanitizer report in $f"; sed 's/^/#   /' "$f" | head -30; }
done
kt_done
