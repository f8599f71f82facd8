#!/usr/bin/env bash
# tests/kafka/mock.sh: the embedded default. With no brokers the gateway
# serves librdkafka's in-process mock cluster (3 brokers); the seed's
# kafka-python snippet, confluent-kafka and kcat run against it unchanged.
# Fast: no JVM. Prints TAP.
. "$(dirname "$0")/lib.sh"

command -v kcat >/dev/null || kt_skip_all "kcat is not installed"
KT_BROKERS= kt_start_gateway --mock 3 || { kt_ok 1 "the gateway starts with --mock 3"; kt_done; exit 1; }
kt_check "the gateway says the mock cluster's data is not kept" grep -q "NOT kept" "$KT_GW_LOG"

seq -f 'mock-%g' 1 40 >"$KT_WORK/in"
kcat -b "$KT_GW" -P -t kt-mock -p 0 -X request.required.acks=-1 <"$KT_WORK/in" 2>"$KT_WORK/kcat.err"
kcat -b "$KT_GW" -C -t kt-mock -p 0 -o beginning -e -q >"$KT_WORK/out" 2>>"$KT_WORK/kcat.err"
kt_check "kcat produces and consumes through the gateway and the mock cluster" cmp -s "$KT_WORK/in" "$KT_WORK/out" ||
	sed 's/^/#   /' "$KT_WORK/kcat.err" | tail -5
kcat -b "$KT_GW" -L >"$KT_WORK/L" 2>&1
kt_is "$(grep -c "at 127.0.0.1:$((KT_GW_BASE + 1))\|at 127.0.0.1:$((KT_GW_BASE + 2))\|at 127.0.0.1:$((KT_GW_BASE + 3))" "$KT_WORK/L")" 3 \
	"kcat -L lists the 3 mock brokers at the gateway's ports"

if PYC=$(kt_python); then
	"$PYC" - "$KT_GW" >"$KT_WORK/py.out" 2>&1 <<-'PY'
		import json, sys
		from kafka import KafkaProducer, KafkaConsumer
		gw = sys.argv[1]
		orders = [{"order_id": i, "item": "widget"} for i in range(20)]
		producer = KafkaProducer(bootstrap_servers=[gw], value_serializer=lambda v: json.dumps(v).encode('utf-8'))
		for o in orders:
		    producer.send('orders', o)
		producer.flush()
		consumer = KafkaConsumer('orders', bootstrap_servers=[gw], group_id='order-processor',
		                         auto_offset_reset='earliest', consumer_timeout_ms=15000,
		                         value_deserializer=lambda m: json.loads(m.decode('utf-8')))
		got = []
		for m in consumer:
		    got.append(m.value)
		    if len(got) == len(orders):
		        break
		consumer.close()
		print("kafka-python", "ok" if sorted(got, key=lambda o: o["order_id"]) == orders else "bad %s" % got)
		from confluent_kafka import Producer, Consumer
		p = Producer({"bootstrap.servers": gw, "acks": "all"})
		for i in range(20):
		    p.produce("ck-mock", b"ck-%d" % i, partition=0)
		left = p.flush(20)
		c = Consumer({"bootstrap.servers": gw, "group.id": "ck-group", "auto.offset.reset": "earliest"})
		c.subscribe(["ck-mock"])
		got = []
		import time
		end = time.time() + 20
		while len(got) < 20 and time.time() < end:
		    m = c.poll(0.5)
		    if m is not None and not m.error():
		        got.append(m.value())
		c.close()
		print("confluent-kafka", "ok" if left == 0 and sorted(got) == sorted(b"ck-%d" % i for i in range(20)) else "bad %d %s" % (left, got))
	PY
	kt_check "the seed's kafka-python snippet (producer, group 'order-processor') works against the mock" \
		grep -q "^kafka-python ok" "$KT_WORK/py.out"
	kt_check "confluent-kafka produces and consumes in a group against the mock" \
		grep -q "^confluent-kafka ok" "$KT_WORK/py.out"
	grep -v "^kafka-python ok\|^confluent-kafka ok\|DeprecationWarning\|^  " "$KT_WORK/py.out" | head -10 | sed 's/^/#   /'
else
	kt_skip "the seed's kafka-python snippet against the mock" "no venv with the client libraries"
fi
kill "$KT_GW_PID"
wait "$KT_GW_PID"
kt_is "$?" 0 "the gateway and its mock cluster stop cleanly"

# A broker that refuses connections: the client's connection is closed with a
# log line, and the gateway keeps running.
dead=$(kt_free_ports 1)
KT_GW_NAME=-dead KT_BROKERS=127.0.0.1:$dead kt_start_gateway || kt_ok 1 "a gateway in front of a dead broker starts"
kcat -b "$KT_GW" -L -m 3 >/dev/null 2>&1
kt_check "a refused broker connection closes the client's connection with a log line" \
	grep -q "connect to 127.0.0.1:$dead failed" "$KT_GW_LOG"
kt_check "the gateway keeps running" kill -0 "$KT_GW_PID"
kt_done
