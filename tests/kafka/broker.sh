#!/usr/bin/env bash
# tests/kafka/broker.sh: the gateway in front of one real Apache Kafka broker
# (KRaft, started once for the whole script), driven by real clients: raw
# wire checks (kwire.py), kcat, kafka-python, confluent-kafka-python and the
# Java client. Records produced through the gateway are read back straight
# from the broker. Prints TAP.
. "$(dirname "$0")/lib.sh"

kt_prepare
kt_start_kafka 1 || { kt_ok 1 "a Kafka broker starts"; kt_done; exit 1; }
kt_start_gateway || { kt_ok 1 "the gateway starts"; kt_done; exit 1; }
BROKER=$KT_BROKERS
GW=$KT_GW
kt_diag "broker $BROKER, gateway $GW, node 1 on port $((KT_GW_BASE + 1))"
PY=python3

# Raw wire: versions, every layout of every rewritten API, pipelining.
kt_relay "kwire versions" $PY "$KT_SRC/tests/kafka/kwire.py" versions "$GW" "$BROKER"
kt_relay "kwire addresses" $PY "$KT_SRC/tests/kafka/kwire.py" addresses "$GW" 127.0.0.1 "$KT_GW_BASE" 1
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
kcat -b "$GW" -L -t kcat-none >"$KT_WORK/kcat.L" 2>&1
kt_check "kcat -L through the gateway names only the gateway's address" \
	grep -q "broker 1 at 127.0.0.1:$((KT_GW_BASE + 1))" "$KT_WORK/kcat.L"
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
kt_relay "java client" kt_java suite "$GW" "$BROKER" "1=127.0.0.1:$((KT_GW_BASE + 1))"

# Bad input last: it must not disturb anyone else.
kt_relay "kwire badinput" $PY "$KT_SRC/tests/kafka/kwire.py" badinput "$GW" "$KT_GW_LOG"
kt_check "the gateway is still running" kill -0 "$KT_GW_PID"
kill "$KT_GW_PID"
wait "$KT_GW_PID"
kt_is "$?" 0 "the gateway stops cleanly on SIGTERM"
if grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$KT_GW_LOG" >/dev/null; then
	kt_ok 1 "no sanitizer report from the gateway"
	grep -A20 -E 'Sanitizer|runtime error' "$KT_GW_LOG" | head -40 | sed 's/^/#   /'
fi
kt_done
