"""tests/kafka/kvalidate.py: record validation through `schemagate gateway
--registry` in front of a real broker, with real clients and raw wire frames.
Driven by tests/kafka/validate.sh; prints unnumbered TAP lines (kt_relay).

  kvalidate.py main GW BROKER REGISTRY ADMIN     every check with the registry up
  kvalidate.py outage-raw GW                     a raw Produce while the registry is down
  kvalidate.py outage-produce GW BROKER OUTFILE  confluent-kafka producing across an outage

Records are always read back straight from the broker, never through the gateway.
"""
import json
import os
import struct
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kwire import (NOTAGS, Conn, Reader, cstring, diag, i16, i32, ok,  # noqa: E402
                   record_batch, string, uvarint)
import kwire  # noqa: E402

ORDER_SCHEMA = {
    "type": "object",
    "properties": {
        "order_id": {"type": "string"},
        "amount": {"type": "number"},
        "currency": {"type": "string"},
        "status": {"type": "string"},
    },
    "required": ["order_id", "amount"],
}
AVRO_ORDER = json.dumps({
    "type": "record", "name": "Order", "namespace": "com.example.orders",
    "fields": [{"name": "order_id", "type": "string"}, {"name": "amount", "type": "double"},
               {"name": "currency", "type": "string"}],
})


def register(reg, subject, schema, schema_type="JSON"):
    body = {"schema": schema if isinstance(schema, str) else json.dumps(schema)}
    if schema_type != "AVRO":
        body["schemaType"] = schema_type
    req = urllib.request.Request(
        "%s/subjects/%s/versions" % (reg, subject), data=json.dumps(body).encode(),
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())["id"]


def http_get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def read_back(broker, topic, partitions=(0,), want=None, timeout=15):
    """Every record of `topic` (the given partitions) straight from the broker,
    as (partition, key, value, headers); stops early once `want` are read."""
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
    c = Consumer({"bootstrap.servers": broker, "group.id": "kt-validate-reader-%f" % time.time(),
                  "enable.auto.commit": False})
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    out = []
    end = time.time() + timeout
    idle = 0
    while time.time() < end:
        m = c.poll(0.5)
        if m is None:
            idle += 1
            if want is None and idle >= 6 and out:
                break
            if want is not None and len(out) >= want and idle >= 2:
                break
            continue
        if m.error():
            continue
        idle = 0
        out.append((m.partition(), m.key(), m.value(), m.headers() or []))
    c.close()
    return out


def produce_body(v, topics, acks=-1):
    """A Produce body for [(topic, [(partition, value), ...]), ...]."""
    flex = v >= 9
    arr = (lambda n: uvarint(n + 1)) if flex else i32
    s = cstring if flex else string
    b = s(None) + i16(acks) + i32(15000) + arr(len(topics))
    for topic, parts in topics:
        b += s(topic) + arr(len(parts))
        for p, value in parts:
            batch = record_batch(value)
            b += i32(p) + (uvarint(len(batch) + 1) if flex else i32(len(batch))) + batch
            if flex:
                b += NOTAGS
        if flex:
            b += NOTAGS
    if flex:
        b += NOTAGS
    return b


def parse_produce(r, v):
    """[(topic, partition, error, base_offset, record_errors, message)], throttle."""
    flex = v >= 9
    out = []
    for _ in range(r.array(flex)):
        t = r.string(flex)
        for _ in range(r.array(flex)):
            p = r.i32()
            err = r.i16()
            base = r.i64()
            r.i64()
            if v >= 5:
                r.i64()
            rec, msg = [], None
            if v >= 8:
                for _ in range(r.array(flex)):
                    rec.append((r.i32(), r.string(flex)))
                    r.tags(flex)
                msg = r.string(flex)
            r.tags(flex)
            out.append((t, p, err, base, rec, msg))
        r.tags(flex)
    throttle = r.i32()
    r.tags(flex)
    return out, throttle, r.rest()


def good(tag):
    return json.dumps({"order_id": tag, "amount": 12.5, "currency": "EUR"}).encode()


def bad(tag):
    return json.dumps({"order_id": tag, "amount": "abc", "currency": "EUR"}).encode()


def wait_topic(gw, topic):
    c = Conn(gw)
    kwire.ensure_topic(c, topic)
    c.close()


def check_seed(gw, broker):
    """The seed's exact kafka-python code."""
    from kafka import KafkaProducer
    from kafka.errors import KafkaError
    producer = KafkaProducer(bootstrap_servers=[gw],
                             value_serializer=lambda v: json.dumps(v).encode('utf-8'))
    valid = {"order_id": "seed-1", "amount": 99.95, "currency": "EUR", "status": "created"}
    md = producer.send('orders', valid).get(timeout=30)
    ok(md.offset >= 0, "kafka-python (seed code): a valid order is accepted (offset %d)" % md.offset)
    invalid = {"order_id": "seed-2", "amount": "abc", "currency": "EUR", "status": "created"}
    try:
        producer.send('orders', invalid).get(timeout=30)
        ok(False, "kafka-python (seed code): an order with a text amount is rejected")
    except KafkaError as e:
        ok(type(e).__name__ == "InvalidRecordError",
           "kafka-python (seed code): an order with a text amount is rejected (%s)" % type(e).__name__)
        ok("/amount" in str(e) and "orders-value" in str(e),
           "kafka-python sees the reason (Produce v8+ ErrorMessage): %s" % str(e)[:160])
    producer.close()
    got = [r[2] for r in read_back(broker, "orders", (0, 1))]
    ok(got.count(json.dumps(valid).encode()) == 1,
       "the valid order is read back byte-identical straight from the broker")
    ok(json.dumps(invalid).encode() not in got, "the rejected order is not on the broker")


def check_wire(gw, broker):
    """Mixed and all-rejected requests at flexible and classic versions."""
    for v in (3, 7, 8, 9, 12):
        c = Conn(gw)
        body = produce_body(v, [("orders", [(0, good("mixed-v%d" % v)), (1, bad("mixed-v%d" % v))]),
                                ("kt-free", [(0, b"not json at all v%d" % v)])])
        try:
            res, throttle, rest = parse_produce(c.call(0, v, body), v)
        except Exception as e:
            ok(False, "Produce v%d mixed request answered: %s" % (v, e))
            continue
        names = [(t, p) for t, p, *_ in res]
        ok(names == [("orders", 0), ("orders", 1), ("kt-free", 0)] and rest == 0,
           "Produce v%d mixed: the answer lists the partitions in request order %s" % (v, names))
        errs = {(t, p): (e, b, rec, msg) for t, p, e, b, rec, msg in res}
        ok(errs[("orders", 0)][0] == 0 and errs[("orders", 0)][1] >= 0,
           "Produce v%d mixed: the valid partition lands (error 0, offset %d)" % (v, errs[("orders", 0)][1]))
        ok(errs[("orders", 1)][0] == 87 and errs[("orders", 1)][1] == -1,
           "Produce v%d mixed: the invalid partition is INVALID_RECORD (87), got %d" % (v, errs[("orders", 1)][0]))
        ok(errs[("kt-free", 0)][0] == 0,
           "Produce v%d mixed: a topic without a subject passes" % v)
        if v >= 8:
            e, _, rec, msg = errs[("orders", 1)]
            ok(len(rec) == 1 and rec[0][0] == 0 and "/amount" in (rec[0][1] or ""),
               "Produce v%d: RecordErrors names record 0 and why: %s" % (v, rec))
            ok(msg is not None and "orders-value" in msg, "Produce v%d: ErrorMessage %r" % (v, msg))
        c.close()
    got = read_back(broker, "orders", (0, 1))
    for v in (3, 7, 8, 9, 12):
        ok(any(p == 0 and val == good("mixed-v%d" % v) for p, _, val, _ in got),
           "Produce v%d mixed: the broker holds the valid partition's record" % v)
        ok(not any(val == bad("mixed-v%d" % v) for _, _, val, _ in got),
           "Produce v%d mixed: the broker holds nothing of the rejected partition" % v)
    for v in (3, 9, 12):
        c = Conn(gw)
        body = produce_body(v, [("orders", [(1, bad("all-v%d" % v)), (0, bad("all2-v%d" % v))])])
        try:
            res, throttle, rest = parse_produce(c.call(0, v, body), v)
            ok([(t, p, e) for t, p, e, *_ in res] == [("orders", 1, 87), ("orders", 0, 87)]
               and throttle == 0 and rest == 0,
               "Produce v%d all rejected: the gateway answers itself, in order: %s" % (v, res))
            # The connection keeps working after a gateway-made answer.
            res2, _, _ = parse_produce(c.call(0, v, produce_body(v, [("orders", [(0, good("after-v%d" % v))])])), v)
            ok(res2[0][2] == 0, "Produce v%d: the next request on that connection lands" % v)
        except Exception as e:
            ok(False, "Produce v%d all rejected: %s" % (v, e))
        c.close()
    # acks=0: a rejection closes the connection, as a broker does.
    c = Conn(gw, timeout=10)
    c.send(0, 9, produce_body(9, [("orders", [(0, bad("acks0"))])], acks=0))
    closed = False
    try:
        c.call(18, 0, b"")
    except (EOFError, ConnectionError, OSError):
        closed = True
    ok(closed, "acks=0 with a rejected partition: the gateway closes the connection")


def check_confluent(gw, broker, reg):
    from confluent_kafka import KafkaError, Producer
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroSerializer
    try:
        from confluent_kafka.schema_registry.json_schema import JSONSerializer
    except ImportError as e:  # it needs the jsonschema package
        JSONSerializer = None
        diag("JSONSerializer cannot be imported: %s" % e)
    from confluent_kafka.serialization import MessageField, SerializationContext

    src = SchemaRegistryClient({"url": reg})
    reports = []
    p = Producer({"bootstrap.servers": gw, "acks": "all", "message.timeout.ms": 30000})

    def dr(err, msg):
        reports.append((err, msg.topic(), msg.value()))

    # Avro through AvroSerializer (registers avro-orders-value in our registry).
    avro = AvroSerializer(src, AVRO_ORDER)
    v = avro({"order_id": "avro-1", "amount": 10.0, "currency": "EUR"},
             SerializationContext("avro-orders", MessageField.VALUE))
    p.produce("avro-orders", v, partition=0, on_delivery=dr)
    p.flush(30)
    sid = struct.unpack(">I", v[1:5])[0]
    ok(reports and reports[-1][0] is None,
       "confluent-kafka AvroSerializer: a valid order is accepted (schema id %d)" % sid)
    corrupt = v[:5] + b"\x02"  # a string length with no string after it
    p.produce("avro-orders", corrupt, partition=0, on_delivery=dr)
    p.flush(30)
    err = reports[-1][0]
    ok(err is not None and err.code() == KafkaError.INVALID_RECORD,
       "confluent-kafka: a truncated Avro record is rejected with INVALID_RECORD: %s" % err)
    got = [r[2] for r in read_back(broker, "avro-orders", want=1)]
    ok(got == [v], "the Avro record is read back byte-identical, the corrupt one is not there")

    # JSON Schema through JSONSerializer.
    if JSONSerializer is not None:
        js = JSONSerializer(json.dumps(ORDER_SCHEMA), src)
        v = js({"order_id": "json-1", "amount": 3.5}, SerializationContext("json-orders", MessageField.VALUE))
        how = "confluent-kafka JSONSerializer"
    else:
        jid = register(reg, "json-orders-value", ORDER_SCHEMA)
        v = b"\0" + struct.pack(">I", jid) + json.dumps({"order_id": "json-1", "amount": 3.5}).encode()
        how = "a Confluent-framed JSON record (JSONSerializer unavailable)"
    p.produce("json-orders", v, partition=0, on_delivery=dr)
    p.flush(30)
    ok(reports[-1][0] is None, "%s: a valid order is accepted" % how)
    framed_bad = v[:5] + b'{"order_id": "json-2", "amount": "abc"}'
    p.produce("json-orders", framed_bad, partition=0, on_delivery=dr)
    p.flush(30)
    err = reports[-1][0]
    ok(err is not None and err.code() == KafkaError.INVALID_RECORD,
       "confluent-kafka: a framed JSON record the schema refuses is rejected: %s" % err)
    got = [r[2] for r in read_back(broker, "json-orders", want=1)]
    ok(got == [v], "the JSON Schema record is read back byte-identical, the bad one is not there")

    # Idempotent producer: keeps working after a rejection.
    reports.clear()
    ip = Producer({"bootstrap.servers": gw, "enable.idempotence": True, "message.timeout.ms": 30000})
    errs = []
    ip.produce("orders", good("idem-1"), partition=0, on_delivery=dr)
    ip.flush(30)
    ip.produce("orders", bad("idem-2"), partition=0, on_delivery=dr)
    ip.flush(30)
    ip.produce("orders", good("idem-3"), partition=0, on_delivery=dr)
    ip.produce("orders", good("idem-4"), partition=0, on_delivery=dr)
    ip.flush(30)
    codes = [None if e is None else e.code() for e, _, _ in reports]
    ok(codes == [None, KafkaError.INVALID_RECORD, None, None],
       "idempotent confluent-kafka producer: accepted, rejected, then accepted again: %s" % codes)
    got = [r[2] for r in read_back(broker, "orders", (0,))]
    ok([g for g in got if b"idem-" in g] == [good("idem-1"), good("idem-3"), good("idem-4")],
       "the idempotent producer's records are on the broker once each, in order")

    # Dead letters: the rejected record with its key, headers and the reason.
    reports.clear()
    p.produce("orders-dl", bad("dl-1"), key=b"order-key", partition=0,
              headers=[("trace-id", b"t-123")], on_delivery=dr)
    p.flush(30)
    err = reports[-1][0]
    ok(err is not None and err.code() == KafkaError.INVALID_RECORD,
       "a record for a topic with a dead-letter rule is rejected: %s" % err)
    dead = read_back(broker, "orders-dead", want=1, timeout=20)
    ok(len(dead) == 1 and dead[0][2] == bad("dl-1") and dead[0][1] == b"order-key",
       "the dead-letter topic holds the rejected record with its key and value")
    hdrs = dict(dead[0][3]) if dead else {}
    ok(hdrs.get("trace-id") == b"t-123", "the dead letter keeps the record's own header")
    ok(hdrs.get("schemagate.reason") == b"json_invalid" and
       hdrs.get("schemagate.source.topic") == b"orders-dl" and
       b"/amount" in hdrs.get("schemagate.error", b""),
       "the dead letter carries the reason, the source topic and the message: %s" %
       sorted(hdrs))
    ok(read_back(broker, "orders-dl", timeout=4) == [], "nothing of it reached orders-dl")


def check_shadow(gw, broker, admin):
    from kafka import KafkaProducer
    producer = KafkaProducer(bootstrap_servers=[gw],
                             value_serializer=lambda v: json.dumps(v).encode('utf-8'))
    md = producer.send('orders-shadow', {"order_id": "sh-1", "amount": "abc"}).get(timeout=30)
    ok(md.offset >= 0, "shadow mode: an invalid order is forwarded")
    producer.close()
    got = [r[2] for r in read_back(broker, "orders-shadow", (0, 1), want=1)]
    ok(got == [json.dumps({"order_id": "sh-1", "amount": "abc"}).encode()],
       "shadow mode: the broker holds the record")
    m = http_get(admin + "/metrics")
    line = 'schemagate_gateway_batches_total{topic="orders-shadow",outcome="shadow_rejected"} 1'
    ok(line in m, "shadow mode: GET /metrics counts it (%s)" % line)
    ok('schemagate_gateway_batches_total{topic="orders",outcome="rejected"}' in m,
       "GET /metrics counts rejections for orders")
    rj = json.loads(http_get(admin + "/rejections?topic=orders&limit=2"))
    ok(len(rj["rejections"]) == 2 and all(r["topic"] == "orders" for r in rj["rejections"]) and
       rj["rejections"][0]["reason"] == "json_invalid" and rj["rejections"][0]["client_address"],
       "GET /rejections?topic=orders&limit=2 lists the newest two, with reason and address")
    ok(json.loads(http_get(admin + "/health"))["status"] == "UP", "GET /health on the admin port")


def main(gw, broker, reg, admin):
    register(reg, "orders-value", ORDER_SCHEMA)
    register(reg, "orders-shadow-value", ORDER_SCHEMA)
    register(reg, "orders-dl-value", ORDER_SCHEMA)
    for t in ("orders", "kt-free", "avro-orders", "json-orders", "orders-shadow", "orders-dl",
              "orders-dead"):
        wait_topic(gw, t)
    check_seed(gw, broker)
    check_wire(gw, broker)
    check_confluent(gw, broker, reg)
    check_shadow(gw, broker, admin)


def outage_raw(gw):
    c = Conn(gw)
    v = 9
    res, _, _ = parse_produce(c.call(0, v, produce_body(v, [("payments", [(0, good("raw-outage"))])])), v)
    ok(res[0][2] == 7 and res[0][5] and "payments-value" in res[0][5],
       "registry down, nothing cached: a retriable REQUEST_TIMED_OUT (7) with a message: %s" % (res,))
    c.close()


def outage_produce(gw, broker, outfile):
    from confluent_kafka import Producer
    reports = []
    p = Producer({"bootstrap.servers": gw, "acks": "all", "message.timeout.ms": 60000,
                  "retry.backoff.ms": 200})
    p.produce("payments", good("pay-outage"), partition=0,
              on_delivery=lambda e, m: reports.append(e))
    t0 = time.time()
    while not reports and time.time() - t0 < 60:
        p.poll(0.2)
    with open(outfile, "w") as f:
        f.write("delivered %s after %.1fs\n" % (reports[0] if reports else "nothing", time.time() - t0))
    got = [r[2] for r in read_back(broker, "payments", want=1)]
    with open(outfile, "a") as f:
        f.write("broker %d\n" % got.count(good("pay-outage")))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "main":
        main(*sys.argv[2:6])
    elif cmd == "outage-raw":
        outage_raw(sys.argv[2])
    elif cmd == "outage-produce":
        outage_produce(*sys.argv[2:5])
    sys.exit(1 if kwire.FAILED else 0)
