#!/usr/bin/env bash
# tests/kafka/tls-rotate.sh: the gateway's certificates rotated while it
# runs (issue #14), against one real Apache Kafka broker with an SSL
# listener (client certificates required). The gateway runs in certmap mode
# with its server certificate in a folder laid out as a mounted Kubernetes
# Secret (..2026_N/ with the files, ..data -> it, tls.crt -> ..data/tls.crt).
#   - a kafka-python producer stays connected and keeps producing through
#     every change below: at the end each of its connections is one the
#     gateway logged before the first rotation, and every record was
#     acknowledged;
#   - the Secret updated as the kubelet does (a new ..data swapped in), no
#     signal: new connections see the new serial (openssl s_client), and
#     /metrics counts the reload and shows the new serial;
#   - a broken key swapped in: the old certificate stays, the failure is
#     logged naming the file and counted in /metrics;
#   - an update followed at once by SIGHUP: reloaded by the signal;
#   - a certmap user added to the folder at run time can then produce,
#     and is logged with the user it maps to;
#   - a client that opens a TCP connection and never handshakes is closed
#     after --gateway-tls-handshake-timeout, logged and counted;
#   - a consumer through the gateway reads back every record byte-identical.
# Prints TAP.
. "$(dirname "$0")/lib.sh"

[ -x "${SG_BIN:-}" ] || kt_skip_all "SG_BIN (the schemagate binary) is not set"
command -v openssl >/dev/null || kt_skip_all "openssl is not installed"
command -v curl >/dev/null || kt_skip_all "curl is not installed"
PY=$(kt_python) || kt_skip_all "no Python with kafka-python and confluent-kafka (tests/clients/setup-venv.sh)"
kt_prepare

# The gateway's certificates (three generations, names 127.0.0.1 and
# localhost) and clients' from one CA; the users' broker certificates from
# the broker's CA (kt_start_kafka_ssl makes it).
C=$KT_WORK/certs
kt_tls_ca "$C" ca &&
	for g in 1 2 3; do
		kt_tls_cert "$C" "gateway-$g" "/CN=gateway-$g" ca "IP:127.0.0.1,DNS:localhost" || exit 1
	done &&
	kt_tls_cert "$C" client "/O=Acme/CN=order-processor" ca &&
	kt_tls_cert "$C" dave "/O=Acme/CN=dave" ca
kt_ok $? "openssl makes a CA, three gateway certificates and two clients'" || { kt_done; exit 1; }
serial_of() { openssl x509 -noout -serial -in "$1" | sed 's/^serial=//'; }
S1=$(serial_of "$C/gateway-1.crt")
S2=$(serial_of "$C/gateway-2.crt")
S3=$(serial_of "$C/gateway-3.crt")

BC=$KT_WORK/broker-certs
kt_start_kafka_ssl "$BC" || { kt_ok 1 "an SSL-only broker starts"; kt_done; exit 1; }
kt_ok 0 "an SSL-only broker (client certificates required) starts"
SBROKER=$KT_BROKERS
kt_tls_cert "$BC" user-op "/O=Acme/CN=order-processor" ca &&
	kt_tls_cert "$BC" user-dave "/O=Acme/CN=dave" ca
kt_ok $? "openssl makes the users' broker certificates"

# The identity folder: one user now, dave later.
ID=$KT_WORK/identities
mkdir -p "$ID/order-processor" &&
	cp "$BC/user-op.crt" "$ID/order-processor/user.crt" && cp "$BC/user-op.key" "$ID/order-processor/user.key"
kt_ok $? "the identity folder holds order-processor"

# secret_update GEN CRT KEY: the kubelet's update of the Secret mount $M: the
# files into a new timestamped folder, a ..data_tmp link renamed over ..data,
# the previous folder removed.
M=$KT_WORK/gateway-tls
GEN_DIR=
secret_update() {
	local d="..2026_12_07_10_00_0$1.123" old=$GEN_DIR
	mkdir -p "$M/$d" && cp "$2" "$M/$d/tls.crt" && cp "$3" "$M/$d/tls.key" &&
		ln -s "$d" "$M/..data_tmp" && mv -T "$M/..data_tmp" "$M/..data" || return 1
	[ -e "$M/tls.crt" ] || ln -s ..data/tls.crt "$M/tls.crt"
	[ -e "$M/tls.key" ] || ln -s ..data/tls.key "$M/tls.key"
	[ -z "$old" ] || rm -rf "${M:?}/$old"
	GEN_DIR=$d
}
mkdir -p "$M" && secret_update 1 "$C/gateway-1.crt" "$C/gateway-1.key"
kt_ok $? "the gateway's Secret mount holds gateway-1 (serial $S1)"

PORT=$(kt_free_ports 8)
APORT=$(kt_free_ports 1)
GW=127.0.0.1:$PORT
GW_LOG=$KT_WORK/gateway.log
"$SG_BIN" gateway --listen "$GW" --brokers "$SBROKER" --admin-listen "127.0.0.1:$APORT" \
	--gateway-tls-cert "$M/tls.crt" --gateway-tls-key "$M/tls.key" \
	--gateway-tls-client-ca "$C/ca.crt" --gateway-tls-client-auth required \
	--broker-tls-ca "$BC/ca.crt" --broker-identity-dir "$ID" \
	--gateway-tls-handshake-timeout 2 >"$GW_LOG" 2>&1 &
GW_PID=$!
KT_PIDS+=("$GW_PID")
kt_wait_port "$PORT" 10 && kt_wait_port "$APORT" 10
kt_ok $? "schemagate gateway (certmap, certificate from the mount, admin port) starts" ||
	{ sed 's/^/#   /' "$GW_LOG"; kt_done; exit 1; }

# The serial a new TLS connection to the gateway is shown.
new_serial() {
	openssl s_client -connect "$GW" -servername localhost -CAfile "$C/ca.crt" \
		-cert "$C/client.crt" -key "$C/client.key" </dev/null 2>/dev/null |
		openssl x509 -noout -serial 2>/dev/null | sed 's/^serial=//'
}
# wait_serial WANT: up to 15 s until new connections are shown WANT.
wait_serial() {
	local i got
	for i in $(seq 1 75); do
		got=$(new_serial)
		[ "$got" = "$1" ] && break
		sleep 0.2
	done
	echo "$got"
}
metrics() { curl -s "http://127.0.0.1:$APORT/metrics"; }
# metric LINE-PREFIX: the value of that /metrics line, or -1.
metric() { metrics | awk -v p="$1 " 'index($0, p) == 1 {print substr($0, length(p) + 1); f = 1} END {if (!f) print -1}'; }
# wait_metric PREFIX WANT: up to 15 s until the metric is at least WANT.
wait_metric() {
	local i
	for i in $(seq 1 75); do
		[ "$(metric "$1")" -ge "$2" ] 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}
OK='schemagate_gateway_tls_reloads_total{context="server",result="ok"}'
FAILED='schemagate_gateway_tls_reloads_total{context="server",result="failed"}'

kt_is "$(new_serial)" "$S1" "a new connection is shown gateway-1's serial"
kt_check "/metrics shows gateway-1's notAfter by its serial" \
	sh -c "curl -s http://127.0.0.1:$APORT/metrics | grep -q 'schemagate_gateway_tls_certificate_not_after_seconds{context=\"server\",serial=\"$S1\"} [0-9]'"

# The clients.
cat >"$KT_WORK/rot.py" <<'PYEOF'
import os, ssl, sys, time

def ok(cond, desc):
    print("%s - %s" % ("ok" if cond else "not ok", desc))
    sys.stdout.flush()
    return cond

def tls(d, who):
    return {"security_protocol": "SSL", "ssl_cafile": os.path.join(d, "ca.crt"),
            "ssl_certfile": os.path.join(d, who + ".crt"), "ssl_keyfile": os.path.join(d, who + ".key"),
            "ssl_check_hostname": True}

mode = sys.argv[1]
if mode == "produce":
    # produce GW DIR STOP OUT: one record every 50 ms until STOP exists;
    # each value's hex in OUT.
    from kafka import KafkaProducer
    gw, d, stop, out = sys.argv[2:6]
    p = KafkaProducer(bootstrap_servers=[gw], acks="all", retries=0, linger_ms=0,
                      request_timeout_ms=10000, **tls(d, "client"))
    sent = errors = 0
    with open(out, "w") as f:
        while not os.path.exists(stop) or sent < 10:
            v = os.urandom(64) + b"\x00\xff" + ("record %06d" % sent).encode()
            try:
                p.send("rotate", value=v, key=b"k%d" % sent, partition=0).get(timeout=15)
                f.write(v.hex() + "\n")
                f.flush()
                sent += 1
            except Exception as e:
                errors += 1
                print("# send failed: %r" % (e,))
            time.sleep(0.05)
    p.close()
    ok(errors == 0 and sent >= 10, "the producer that stayed connected sent %d records, %d failed" % (sent, errors))
elif mode == "once":
    # once GW DIR WHO: one record as WHO; ok when acknowledged.
    from kafka import KafkaProducer
    gw, d, who = sys.argv[2:5]
    try:
        p = KafkaProducer(bootstrap_servers=[gw], acks="all", retries=0, max_block_ms=8000,
                          request_timeout_ms=8000, **tls(d, who))
        p.send("rotate-once", value=b"from " + who.encode(), partition=0).get(timeout=10)
        p.close()
        print("acked")
    except Exception as e:
        print("failed: %r" % (e,))
elif mode == "consume":
    # consume GW DIR IN: reads partition 0 of `rotate` through the gateway;
    # ok when the values are IN's, byte for byte, in order.
    from kafka import KafkaConsumer, TopicPartition
    gw, d, inp = sys.argv[2:5]
    want = [bytes.fromhex(l.strip()) for l in open(inp) if l.strip()]
    c = KafkaConsumer(bootstrap_servers=[gw], enable_auto_commit=False, **tls(d, "client"))
    tp = TopicPartition("rotate", 0)
    c.assign([tp])
    c.seek_to_beginning(tp)
    got = []
    end = time.time() + 30
    while time.time() < end and len(got) < len(want):
        for recs in c.poll(timeout_ms=500).values():
            got.extend(r.value for r in recs)
    c.close()
    ok(got == want, "a consumer through the gateway reads back the %d records byte-identical (got %d)"
       % (len(want), len(got)))
PYEOF

STOP=$KT_WORK/stop-producer
SENT=$KT_WORK/sent
"$PY" "$KT_WORK/rot.py" produce "$GW" "$C" "$STOP" "$SENT" >"$KT_WORK/producer.out" 2>"$KT_WORK/producer.err" &
PROD=$!
KT_PIDS+=("$PROD")
sent_count() { { wc -l <"$SENT"; } 2>/dev/null || echo 0; }
for _ in $(seq 1 100); do
	[ "$(sent_count)" -ge 5 ] && break
	sleep 0.2
done
[ "$(sent_count)" -ge 5 ]
kt_ok $? "a producer connects through the gateway and produces"

# 1. The kubelet's update, no signal.
secret_update 2 "$C/gateway-2.crt" "$C/gateway-2.key"
kt_ok $? "the Secret updated to gateway-2 (..data swapped)"
kt_is "$(wait_serial "$S2")" "$S2" "without a signal, new connections soon see gateway-2's serial"
kt_is "$(metric "$OK")" 1 "/metrics counts one reload done"
kt_check "/metrics shows gateway-2's serial" \
	sh -c "curl -s http://127.0.0.1:$APORT/metrics | grep -q 'not_after_seconds{context=\"server\",serial=\"$S2\"}'"
kt_check "the reload is logged with the new certificate" \
	grep -q 'TLS (files changed): the server context was reloaded: certificate CN=gateway-2' "$GW_LOG"

# 2. A broken key.
printf 'not a key\n' >"$KT_WORK/broken.key"
secret_update 3 "$C/gateway-3.crt" "$KT_WORK/broken.key"
kt_ok $? "the Secret updated with a broken key"
wait_metric "$FAILED" 1
kt_ok $? "/metrics counts the failed reload"
kt_is "$(new_serial)" "$S2" "new connections keep gateway-2's serial"
kt_check "the failure is logged on one line naming the file and the reason" \
	grep -q "the server context was NOT reloaded, the previous one stays: cannot load the private key $M/tls.key: " "$GW_LOG"
kt_is "$(metric "$OK")" 1 "no reload counted as done"

# 3. An update, then SIGHUP at once (before the watcher's second look).
secret_update 4 "$C/gateway-3.crt" "$C/gateway-3.key" && kill -HUP "$GW_PID"
kt_ok $? "the Secret updated to gateway-3, then SIGHUP"
kt_is "$(wait_serial "$S3")" "$S3" "new connections see gateway-3's serial"
kt_check "the reload was the signal's" \
	grep -q 'TLS (reload asked): the server context was reloaded: certificate CN=gateway-3' "$GW_LOG"
kt_check "SIGHUP is logged" grep -q "SIGHUP: reloading the gateway's TLS files" "$GW_LOG"

# 4. A certmap user added at run time (SIGHUP reloaded the folder once).
before=$(metric 'schemagate_gateway_tls_reloads_total{context="certmap",result="ok"}')
got=$("$PY" "$KT_WORK/rot.py" once "$GW" "$C" dave 2>/dev/null)
[[ $got == failed* ]]
kt_ok $? "dave, no user yet, cannot produce ($got)"
kt_check "he is refused with his subject logged" \
	grep -q 'no broker identity for the client certificate subject CN=dave,O=Acme' "$GW_LOG"
mkdir "$ID/.dave" && cp "$BC/user-dave.crt" "$ID/.dave/user.crt" && cp "$BC/user-dave.key" "$ID/.dave/user.key" &&
	mv "$ID/.dave" "$ID/dave"
kt_ok $? "user dave added to the identity folder"
wait_metric 'schemagate_gateway_tls_reloads_total{context="certmap",result="ok"}' $((before + 1))
kt_ok $? "the watcher reloads the folder"
kt_is "$(metric schemagate_gateway_tls_certmap_users)" 2 "/metrics shows two users"
got=$("$PY" "$KT_WORK/rot.py" once "$GW" "$C" dave 2>/dev/null)
kt_is "$got" acked "dave now produces"
kt_check "the gateway logs whom he maps to" \
	grep -q 'certificate subject CN=dave,O=Acme maps to user dave' "$GW_LOG"

# 5. A client that never handshakes.
before=$(metric 'schemagate_gateway_tls_client_handshakes_total{result="timeout"}')
exec 7<>"/dev/tcp/127.0.0.1/$PORT"
sleep 3.5
kt_is "$(metric 'schemagate_gateway_tls_client_handshakes_total{result="timeout"}')" $((before + 1)) \
	"a connection without a handshake is counted as timed out after 2 s"
kt_check "and logged" grep -q 'TLS handshake not done within 2 s' "$GW_LOG"
exec 7<&-

# The producer never reconnected: each TCP connection it has open now was
# mapped to its user (one log line per client connection, naming its port)
# before the first rotation.
first=$(grep -n 'the server context was reloaded' "$GW_LOG" | head -1 | cut -d: -f1)
n=0 old=0
for lp in $(ss -Htnp state established "( dport >= :$PORT and dport <= :$((PORT + 7)) )" |
	grep "pid=$PROD," | awk '{print $3}' | sed 's/.*://'); do
	n=$((n + 1))
	at=$(grep -n "client 127.0.0.1:$lp on port .* maps to user order-processor" "$GW_LOG" | head -1 | cut -d: -f1)
	[ -n "$at" ] && [ -n "$first" ] && [ "$at" -lt "$first" ] && old=$((old + 1))
done
kt_ok $((!(n > 0 && old == n))) "the producer's connections were all opened before the first rotation: it stayed connected ($old of $n)"
touch "$STOP"
for _ in $(seq 1 100); do kill -0 "$PROD" 2>/dev/null || break; sleep 0.2; done
wait "$PROD"
kt_relay "rot.py produce" cat "$KT_WORK/producer.out"
kt_relay "rot.py consume" "$PY" "$KT_WORK/rot.py" consume "$GW" "$C" "$SENT"

grep -q 'AddressSanitizer\|runtime error' "$GW_LOG"
kt_is "$?" 1 "no sanitizer report in the gateway log"
kt_done
