#!/usr/bin/env python3
"""tests/kafka/pyclients.py GATEWAY BROKER: kafka-python (with the seed's own
snippet) and confluent-kafka-python driven through the gateway; what they
produce is read back straight from the broker and must be byte-identical.
Prints unnumbered TAP lines that tests/kafka/lib.sh renumbers."""
import json
import os
import sys
import time

FAILED = 0


def ok(cond, what):
    global FAILED
    print(("ok - " if cond else "not ok - ") + what, flush=True)
    if not cond:
        FAILED += 1
    return cond


def diag(s):
    print("# " + str(s), flush=True)


def read_direct(broker, topic, want, partition=0, isolation="read_uncommitted"):
    """(key, value, headers) of partition `partition`, straight from the broker."""
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
    c = Consumer({"bootstrap.servers": broker, "group.id": "kt-direct-reader",
                  "enable.auto.commit": False, "isolation.level": isolation})
    c.assign([TopicPartition(topic, partition, OFFSET_BEGINNING)])
    out = []
    deadline = time.time() + 20
    idle_until = None
    while time.time() < deadline:
        m = c.poll(0.3)
        if m is None:
            if len(out) >= want:
                if idle_until is None:
                    idle_until = time.time() + 0.7
                elif time.time() > idle_until:
                    break
            continue
        if m.error():
            continue
        out.append((m.key(), m.value(), m.headers() or []))
    c.close()
    return out


def seed_snippet(gw, broker):
    """The seed's kafka-python snippet, unchanged but for the address."""
    from kafka import KafkaProducer, KafkaConsumer
    orders = [{"order_id": i, "item": "widget-%d" % i, "qty": i % 5 + 1, "note": "caf\u00e9"} for i in range(20)]

    producer = KafkaProducer(bootstrap_servers=[gw],
                             value_serializer=lambda v: json.dumps(v).encode('utf-8'))
    for o in orders:
        producer.send('orders', o)
    producer.flush()
    producer.close()
    ok(True, "kafka-python: KafkaProducer(value_serializer=json) sent %d orders through the gateway" % len(orders))

    direct = read_direct(broker, "orders", len(orders))
    want = [json.dumps(o).encode("utf-8") for o in orders]
    ok([v for _, v, _ in direct] == want, "kafka-python: the broker holds the exact JSON bytes of every order")

    consumer = KafkaConsumer('orders', bootstrap_servers=[gw], group_id='order-processor',
                             auto_offset_reset='earliest', enable_auto_commit=False,
                             value_deserializer=lambda m: json.loads(m.decode('utf-8')),
                             consumer_timeout_ms=15000)
    got = []
    for msg in consumer:
        got.append(msg.value)
        if len(got) == len(orders):
            break
    consumer.commit()
    consumer.close()
    ok(got == orders, "kafka-python: KafkaConsumer(group_id='order-processor') reads every order back")

    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": broker, "group.id": "order-processor"})
    committed = c.committed([TopicPartition("orders", 0)], timeout=10)
    c.close()
    ok(committed and committed[0].offset == len(orders),
       "kafka-python: group 'order-processor' committed offset %d, as the broker sees it" % len(orders))


def confluent(gw, broker):
    from confluent_kafka import Producer, Consumer, TopicPartition
    from confluent_kafka.admin import AdminClient

    md = AdminClient({"bootstrap.servers": gw}).list_topics(timeout=10)
    addrs = sorted("%s:%d" % (b.host, b.port) for b in md.brokers.values())
    gw_host = gw.rsplit(":", 1)[0]
    ok(all(a.startswith(gw_host + ":") for a in addrs) and broker not in addrs,
       "confluent-kafka: AdminClient.list_topics through the gateway shows gateway addresses %s" % addrs)

    for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
        topic = "py-confluent-" + codec
        recs = [(b"key-%d" % i, os.urandom(i * 7 % 900) + (b"z" * 200 if i % 2 else b""),
                 [("h", b"%d" % i), ("bin", bytes(range(i % 7)))]) for i in range(60)]
        p = Producer({"bootstrap.servers": gw, "compression.type": codec, "acks": "all",
                      "enable.idempotence": True, "linger.ms": 5})
        errors = []
        for k, v, h in recs:
            p.produce(topic, v, k, partition=0, headers=h,
                      on_delivery=lambda err, msg: errors.append(err) if err else None)
        left = p.flush(30)
        ok(left == 0 and not errors, "confluent-kafka: idempotent producer, %s, delivered through the gateway" % codec)
        direct = read_direct(broker, topic, len(recs))
        ok(direct == recs, "confluent-kafka: %s: key, value and headers byte-identical on the broker" % codec)

    # A consumer group through the gateway, with a commit the broker sees.
    c = Consumer({"bootstrap.servers": gw, "group.id": "kt-py-group", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe(["py-confluent-none"])
    got = []
    deadline = time.time() + 30
    while len(got) < 60 and time.time() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got.append(m.value())
    c.commit(asynchronous=False)
    c.close()
    ok(len(got) == 60, "confluent-kafka: consumer group joined and fetched 60 records through the gateway")
    c = Consumer({"bootstrap.servers": broker, "group.id": "kt-py-group"})
    committed = c.committed([TopicPartition("py-confluent-none", 0)], timeout=10)
    c.close()
    ok(committed and committed[0].offset == 60, "confluent-kafka: the group's commit reached the broker")

    # Transactions: commit then abort.
    p = Producer({"bootstrap.servers": gw, "transactional.id": "kt-py-tx"})
    p.init_transactions(30)
    p.begin_transaction()
    for i in range(5):
        p.produce("py-tx", b"committed-%d" % i, partition=0)
    p.commit_transaction(30)
    p.begin_transaction()
    for i in range(5):
        p.produce("py-tx", b"aborted-%d" % i, partition=0)
    p.flush(30)
    p.abort_transaction(30)
    committed = read_direct(broker, "py-tx", 5, isolation="read_committed")
    ok([v for _, v, _ in committed] == [b"committed-%d" % i for i in range(5)],
       "confluent-kafka: transactional commit and abort, read_committed on the broker")


def main():
    gw, broker = sys.argv[1], sys.argv[2]
    for fn in (seed_snippet, confluent):
        try:
            fn(gw, broker)
        except Exception as e:
            ok(False, "%s: %s: %s" % (fn.__name__, type(e).__name__, e))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
