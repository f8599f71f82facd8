"""tests/kafka/kcontexts.py: a topic whose subjects are in a registry context
(Confluent 8's ":.ctx:" qualified subjects), through the gateway, against a
real broker. Driven by tests/kafka/contexts.sh; prints unnumbered TAP lines
(kt_relay).

  kcontexts.py GW BROKER REGISTRY REJECTIONS-URL PREFIX

The rules file gives topic PREFIX + "orders" the context ".ctx", so the
gateway names its subject ":.ctx:<topic>-value" and looks its ids up in that
context. Ids are per context: the default context's id 1 is another schema
(OTHER, registered first), under which the context's records do not decode.
confluent-kafka-python's AvroSerializer writes the records, with a
subject.name.strategy that returns the qualified subject (auto-registering
ORDER there as the context's id 1). Good records pass (read back
byte-identical and decoded by the client); a bad payload under the context's
id, and an id only the default context has, are refused with INVALID_RECORD
and listed in GET /rejections. A topic of the default context still uses the
default context's ids.
"""
import json
import os
import sys
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kwire import diag, ok  # noqa: E402
import kwire  # noqa: E402

ORDER = json.dumps({
    "type": "record", "name": "Order", "namespace": "com.example.ctx",
    "fields": [{"name": "order_id", "type": "string"}, {"name": "amount", "type": "double"}],
})
# The default context's id 1: an Order's bytes (a string length, then 'o')
# are not one of these (a long, then a boolean that must be 0 or 1).
OTHER = json.dumps({
    "type": "record", "name": "Other", "namespace": "com.example.ctx",
    "fields": [{"name": "n", "type": "long"}, {"name": "flag", "type": "boolean"}],
})
THIRD = json.dumps({"type": "record", "name": "Third", "fields": [{"name": "s", "type": "string"}]})


def http_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def read_back(broker, topic, want, timeout=20):
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
    c = Consumer({"bootstrap.servers": broker, "group.id": "kt-ctx-%f" % time.time(),
                  "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    out, idle, end = [], 0, time.time() + timeout
    while time.time() < end:
        m = c.poll(0.5)
        if m is None:
            idle += 1
            if len(out) >= want and idle >= 2:
                break
            continue
        if m.error():
            continue
        idle = 0
        out.append(m.value())
    c.close()
    return out


def main(gw, broker, reg, rejections, prefix):
    from confluent_kafka import KafkaError, Producer
    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = prefix + "orders"
    qualified = ":.ctx:%s-value" % topic
    plain_topic = prefix + "plain"
    src = SchemaRegistryClient({"url": reg})
    p = Producer({"bootstrap.servers": gw, "acks": "all", "message.timeout.ms": 30000, "linger.ms": 0})

    def produce(t, value):
        got = []
        p.produce(t, value=value, partition=0, on_delivery=lambda err, msg: got.append(err))
        p.flush(30)
        return got[0] if got else "no delivery report"

    def refused(err):
        return err is not None and not isinstance(err, str) and err.code() == KafkaError.INVALID_RECORD

    other = src.register_schema(plain_topic + "-value", Schema(OTHER, "AVRO"))
    third = src.register_schema(prefix + "third-value", Schema(THIRD, "AVRO"))
    ok((other, third) == (1, 2), "the default context's ids 1 and 2 are OTHER and THIRD: %s" % [other, third])

    strategy = (lambda ctx, record_name: ":.ctx:%s-value" % ctx.topic)
    ser = AvroSerializer(src, ORDER, conf={"subject.name.strategy": strategy})
    ctx = SerializationContext(topic, MessageField.VALUE)
    order = {"order_id": "o-1", "amount": 12.5}
    v = ser(order, ctx)
    latest = http_json("%s/subjects/%s/versions/latest" % (reg, qualified))
    ok(latest.get("id") == 1 and v[:5] == b"\x00\x00\x00\x00\x01",
       "the serializer registered ORDER under %s as the context's id 1, and frames it so: %s"
       % (qualified, latest.get("id")))
    err = produce(topic, v)
    ok(err is None, "%s: a record framed with the context's id 1 is accepted (%s)" % (topic, err))
    v2 = ser({"order_id": "o-2", "amount": 0.5}, ctx)
    err = produce(topic, v2)
    ok(err is None, "%s: a second one too, from the cache (%s)" % (topic, err))
    err = produce(topic, v[:5] + b"\x06o-1\x00")
    ok(refused(err), "%s: a payload ORDER does not decode, under the context's id, is "
       "INVALID_RECORD: %s" % (topic, err))
    err = produce(topic, b"\x00\x00\x00\x00\x02" + v[5:])
    ok(refused(err), "%s: id 2, which only the default context has, is INVALID_RECORD: %s" % (topic, err))

    # A GUID names content; the gateway asks for the id it has in the context.
    guid = latest.get("guid")
    err = produce(topic, b"\x01" + uuid.UUID(guid).bytes + v[5:]) if guid else "no guid"
    ok(err is None, "%s: the same record framed by its GUID %s is accepted (%s)" % (topic, guid, err))

    got = read_back(broker, topic, 3)
    ok(got[:2] == [v, v2] and len(got) == 3, "%s: the accepted records are in the topic, "
       "byte-identical (%d read)" % (topic, len(got)))
    if got:
        de = AvroDeserializer(src, conf={"subject.name.strategy": strategy})
        ok(de(got[0], ctx) == order, "%s: the client's deserializer reads it back through "
           "?subject=%s" % (topic, qualified))
    reasons = sorted(x["reason"] for x in http_json("%s/rejections?topic=%s&limit=50" % (rejections, topic))["rejections"])
    ok(reasons == ["avro_invalid", "unknown_id"], "%s: GET /rejections lists avro_invalid and "
       "unknown_id: %s" % (topic, reasons))

    # The default context's topic: id 1 is OTHER there.
    pser = AvroSerializer(src, OTHER, conf={"auto.register.schemas": False})
    pv = pser({"n": 3, "flag": True}, SerializationContext(plain_topic, MessageField.VALUE))
    err = produce(plain_topic, pv)
    ok(pv[:5] == b"\x00\x00\x00\x00\x01" and err is None,
       "%s: a default-context topic's record under the default context's id 1 is accepted (%s)"
       % (plain_topic, err))
    err = produce(plain_topic, v)
    ok(refused(err), "%s: an ORDER record framed with id 1 is INVALID_RECORD there: %s" % (plain_topic, err))
    diag("%s: done" % prefix)
    return 1 if kwire.FAILED else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
