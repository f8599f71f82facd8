#!/usr/bin/env bash
# tests/kafka/broker.sh: the gateway in front of one real Apache Kafka broker
# (KRaft, started once for the whole script), driven by real clients: raw
# wire checks (kwire.py), kcat, kafka-python, confluent-kafka-python and the
# Java client. Records produced through the gateway are read back straight
# from the broker. Prints TAP.
. "$(dirname "$0")/lib.sh"

kt_prepare
KT_SASL=1 kt_start_kafka 1 || { kt_ok 1 "a Kafka broker starts"; kt_done; exit 1; }
kt_start_gateway || { kt_ok 1 "the gateway starts"; kt_done; exit 1; }
BROKER=$KT_BROKERS
GW=$KT_GW
GW_PID=$KT_GW_PID
GW_LOG=$KT_GW_LOG
GW_BASE=$KT_GW_BASE
kt_diag "broker $BROKER, gateway $GW, node 1 on port $((GW_BASE + 1))"
PY=python3

# Raw wire: versions, every layout of every rewritten API, pipelining.
kt_relay "kwire versions" $PY "$KT_SRC/tests/kafka/kwire.py" versions "$GW" "$BROKER"
kt_relay "kwire addresses" $PY "$KT_SRC/tests/kafka/kwire.py" addresses "$GW" 127.0.0.1 "$GW_BASE" 1
kt_relay "kwire pipeline" $PY "$KT_SRC/tests/kafka/kwire.py" pipeline "$GW" kt-pipeline

# kcat (librdkafka 2.0.2): produce through the gateway with each codec, read
# back through the gateway and straight from the broker.
for codec in none gzip snappy lz4 zstd; do
	topic=kcat-$codec
	printf 'k%d\tvalue %d %s\n' $(for i in $(seq 1 50); do echo "$i $i $codec"; done) >"$KT_WORK/in.$codec"
	if ! kcat -b "$GW" -P -t "$topic" -p 0 -z "$codec" -K '\t' -X request.required.acks=-1 \
		<"$KT_WORK/in.$codec" 2>"$KT_WORK/kcat.err"; then
		kt_ok 1 "kcat -z $codec produces through the gateway"
		sed 's/^/#   /' "$KT_WORK/kcat.err"
		continue
	fi
	kcat -b "$BROKER" -C -t "$topic" -p 0 -o beginning -e -q -f '%k\t%s\n' >"$KT_WORK/direct.$codec" 2>/dev/null
	kt_check "kcat -z $codec: 50 records produced through the gateway read back identical from the broker" \
		cmp -s "$KT_WORK/in.$codec" "$KT_WORK/direct.$codec"
	kcat -b "$GW" -C -t "$topic" -p 0 -o beginning -e -q -f '%k\t%s\n' >"$KT_WORK/gw.$codec" 2>/dev/null
	kt_check "kcat -z $codec: consumed through the gateway" cmp -s "$KT_WORK/in.$codec" "$KT_WORK/gw.$codec"
done
# Large Produce requests (about 1 MB each, and one 500 kB record), which the
# gateway passes on while they arrive (cut-through, gateway/loop frame_head).
$PY -c 'import sys
for i in range(4000): print("k%d\t%s" % (i, ("v%d-" % i) * 200))
print("big\t" + "x" * 500000)' >"$KT_WORK/in.large"
if kcat -b "$GW" -P -t kcat-large -p 0 -K '\t' -X request.required.acks=-1 -X linger.ms=200 \
	-X batch.size=1000000 <"$KT_WORK/in.large" 2>"$KT_WORK/kcat.err"; then
	kcat -b "$BROKER" -C -t kcat-large -p 0 -o beginning -e -q -f '%k\t%s\n' >"$KT_WORK/direct.large" 2>/dev/null
	kt_check "4 MB in 1 MB Produce requests and a 500 kB record through the gateway read back identical from the broker" \
		cmp -s "$KT_WORK/in.large" "$KT_WORK/direct.large"
else
	kt_ok 1 "kcat produces 1 MB requests through the gateway"
	sed 's/^/#   /' "$KT_WORK/kcat.err"
fi
kcat -b "$GW" -L -t kcat-none >"$KT_WORK/kcat.L" 2>&1
kt_check "kcat -L through the gateway names only the gateway's address" \
	grep -q "broker 1 at 127.0.0.1:$((GW_BASE + 1))" "$KT_WORK/kcat.L"
kt_check "kcat -L through the gateway does not leak the broker's address" \
	bash -c "! grep -q ':${BROKER##*:}' '$KT_WORK/kcat.L'"
# A consumer group through kcat (balanced consumer).
kcat -b "$GW" -G kt-kcat-group kcat-none -o beginning -e -q -f '%k\t%s\n' -X enable.auto.commit=true \
	-X auto.commit.interval.ms=100 >"$KT_WORK/group.kcat" 2>"$KT_WORK/group.err"
kt_check "kcat -G (consumer group) reads every record through the gateway" \
	cmp -s <(sort "$KT_WORK/in.none") <(sort "$KT_WORK/group.kcat")

# Python clients (from the venv of tests/clients/setup-venv.sh).
if PYC=$(kt_python); then
	kt_relay "python clients" "$PYC" "$KT_SRC/tests/kafka/pyclients.py" "$GW" "$BROKER"
else
	kt_skip "kafka-python and confluent-kafka through the gateway" "no venv with the client libraries"
fi

# The Java producer, consumer and admin client.
kt_relay "java client" kt_java suite "$GW" "$BROKER" "1=127.0.0.1:$((GW_BASE + 1))"

# SASL/PLAIN passes through untouched: a second gateway in front of the
# broker's SASL_PLAINTEXT listener.
KT_GW_NAME=-sasl KT_GW_BROKERS=127.0.0.1:$KT_SASL_PORT_1 kt_start_gateway ||
	kt_ok 1 "a gateway in front of the SASL listener starts"
SASL="-X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=PLAIN"
seq -f 'sasl-%g' 1 20 >"$KT_WORK/in.sasl"
# shellcheck disable=SC2086
kcat -b "$KT_GW" $SASL -X sasl.username=alice -X sasl.password=alice-secret -P -t kt-sasl -p 0 \
	<"$KT_WORK/in.sasl" 2>"$KT_WORK/sasl.err"
# shellcheck disable=SC2086
kcat -b "$KT_GW" $SASL -X sasl.username=alice -X sasl.password=alice-secret -C -t kt-sasl -p 0 \
	-o beginning -e -q >"$KT_WORK/out.sasl" 2>>"$KT_WORK/sasl.err"
kt_check "SASL/PLAIN through the gateway: kcat produces and consumes as alice" \
	cmp -s "$KT_WORK/in.sasl" "$KT_WORK/out.sasl" || sed 's/^/#   /' "$KT_WORK/sasl.err" | tail -5
# shellcheck disable=SC2086
kcat -b "$KT_GW" $SASL -X sasl.username=alice -X sasl.password=wrong -L -m 5 >"$KT_WORK/sasl.bad" 2>&1
kt_check "SASL/PLAIN through the gateway: a wrong password is refused by the broker" \
	grep -qi "authentication" "$KT_WORK/sasl.bad"
kt_check "the SASL gateway names only its own ports" \
	bash -c "kcat -b '$KT_GW' $SASL -X sasl.username=alice -X sasl.password=alice-secret -L -t kt-sasl 2>&1 | grep -q 'broker 1 at 127.0.0.1:$((KT_GW_BASE + 1))'"
kill "$KT_GW_PID"

# Backpressure both ways: a client that does not read, a broker that does not read.
kt_relay "kwire backpressure" $PY "$KT_SRC/tests/kafka/kwire.py" backpressure "$GW" "$GW_PID" kt-backpressure
kt_relay "kwire slowbroker" $PY "$KT_SRC/tests/kafka/kwire.py" slowbroker "$KT_GWRUN"

# Bad input last: it must not disturb anyone else.
kt_relay "kwire badinput" $PY "$KT_SRC/tests/kafka/kwire.py" badinput "$GW" "$GW_LOG"
kt_check "the gateway is still running" kill -0 "$GW_PID"
kill "$GW_PID"
wait "$GW_PID"
kt_is "$?" 0 "the gateway stops cleanly on SIGTERM"
if grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$KT_WORK"/gateway*.log >/dev/null; then
	kt_ok 1 "no sanitizer report from the gateways"
	grep -h -A20 -E 'Sanitizer|runtime error' "$KT_WORK"/gateway*.log | head -40 | sed 's/^/#   /'
fi
kt_done
