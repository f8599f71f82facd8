"""tests/kafka/kframing.py: Confluent 8 record framings through the gateway,
against a real broker. Driven by tests/kafka/framing.sh; prints unnumbered TAP
lines (kt_relay).

  kframing.py GW BROKER REGISTRY REJECTIONS-URL PREFIX

confluent-kafka-python's AvroSerializer and JSONSerializer write each framing:
  - GUID prefix: schema.id.serializer set to a function that writes the
    client's own SchemaId.guid_to_bytes() before the payload (the client ships
    no such serializer; Confluent's Java PrefixSchemaIdSerializer writes ids
    only, and every deserializer reads both);
  - header: schema.id.serializer = header_schema_id_serializer (the GUID in a
    __value_schema_id / __key_schema_id header, the payload unframed).
What the client cannot write is built here byte for byte as Confluent's
SchemaId (v8.1.0) writes it: magic byte 0 + a 4-byte big-endian id in a
header, and malformed framings. Each first checks that the client's bytes are
those (magic byte 1, then uuid.UUID(guid).bytes, the most then the least
significant long, big-endian). Valid records are read back straight from the
broker byte-identical, and decoded by the client's default deserializers
(dual_schema_id_deserializer); invalid ones are refused with INVALID_RECORD
and listed in GET /rejections with their reason. Topics start with PREFIX.
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

ORDER_SCHEMA = json.dumps({
    "type": "object",
    "properties": {"order_id": {"type": "string"}, "amount": {"type": "number", "minimum": 0}},
    "required": ["order_id", "amount"],
})
KEY_SCHEMA = json.dumps({
    "type": "object", "properties": {"tenant": {"type": "string"}}, "required": ["tenant"],
})
AVRO_ORDER = json.dumps({
    "type": "record", "name": "Order", "namespace": "com.example.framing",
    "fields": [{"name": "order_id", "type": "string"}, {"name": "amount", "type": "double"}],
})


def http_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def read_back(broker, topic, want, timeout=20):
    """The records of `topic` partition 0 straight from the broker, as
    (key, value, headers)."""
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
    c = Consumer({"bootstrap.servers": broker, "group.id": "kt-framing-%f" % time.time(),
                  "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    out = []
    end = time.time() + timeout
    idle = 0
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
        out.append((m.key(), m.value(), m.headers() or []))
    c.close()
    return out


def guid_prefix_serializer(payload, ctx, schema_id):
    """A schema.id.serializer writing the GUID prefix, with the client's own
    SchemaId.guid_to_bytes() (magic byte 1 + 16 bytes)."""
    return schema_id.guid_to_bytes() + payload


class Run:
    def __init__(self, gw, broker, reg, rejections, prefix):
        from confluent_kafka import Producer
        from confluent_kafka.schema_registry import SchemaRegistryClient
        self.gw, self.broker, self.reg, self.rej, self.prefix = gw, broker, reg, rejections, prefix
        self.src = SchemaRegistryClient({"url": reg})
        self.p = Producer({"bootstrap.servers": gw, "acks": "all", "message.timeout.ms": 30000,
                           "linger.ms": 0})

    def produce(self, topic, value, headers=None, key=None):
        """Produces one record; returns None (delivered) or the error."""
        got = []
        self.p.produce(topic, value=value, key=key, headers=headers, partition=0,
                       on_delivery=lambda err, msg: got.append(err))
        self.p.flush(30)
        return got[0] if got else "no delivery report"

    def refused(self, err):
        from confluent_kafka import KafkaError
        return err is not None and not isinstance(err, str) and err.code() == KafkaError.INVALID_RECORD

    def guid(self, subject):
        """The GUID the registry gives the subject's latest version."""
        return http_json("%s/subjects/%s/versions/latest" % (self.reg, subject)).get("guid")

    def reasons(self, topic):
        r = http_json("%s/rejections?topic=%s&limit=50" % (self.rej, topic))["rejections"]
        return sorted(x["reason"] for x in r)


def check_guid_prefix(r, kind):
    from confluent_kafka.serialization import MessageField, SerializationContext
    topic = r.prefix + kind + "-guid"
    subject = topic + "-value"
    if kind == "avro":
        from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
        ser = AvroSerializer(r.src, AVRO_ORDER, conf={"schema.id.serializer": guid_prefix_serializer})
        de = AvroDeserializer(r.src)
        bad_payload = b"\x02"  # a string length and no string
    else:
        from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
        ser = JSONSerializer(ORDER_SCHEMA, r.src, conf={"schema.id.serializer": guid_prefix_serializer})
        de = JSONDeserializer(ORDER_SCHEMA, schema_registry_client=r.src)
        bad_payload = b'{"order_id": "o-2", "amount": -1}'
    order = {"order_id": "o-1", "amount": 12.5}
    ctx = SerializationContext(topic, MessageField.VALUE)
    v = ser(order, ctx)
    guid = r.guid(subject)
    ok(guid is not None and v[:17] == b"\x01" + uuid.UUID(guid).bytes,
       "%s: the %s serializer's GUID prefix is magic byte 1 and the registry's GUID %s, "
       "most significant long first" % (topic, kind, guid))
    err = r.produce(topic, v)
    ok(err is None, "%s: a valid record framed by GUID is accepted (%s)" % (topic, err))
    err = r.produce(topic, v[:17] + bad_payload)
    ok(r.refused(err), "%s: an invalid payload after the GUID is INVALID_RECORD: %s" % (topic, err))
    err = r.produce(topic, b"\x01" + uuid.uuid4().bytes + v[17:])
    ok(r.refused(err), "%s: a GUID no schema has is INVALID_RECORD: %s" % (topic, err))
    err = r.produce(topic, v[:9])
    ok(r.refused(err), "%s: magic byte 1 with 8 bytes of GUID is INVALID_RECORD: %s" % (topic, err))
    got = read_back(r.broker, topic, 1)
    ok([g[1] for g in got] == [v], "%s: only the valid record is in the topic, byte-identical" % topic)
    if got:
        ok(de(got[0][1], ctx) == order, "%s: the client's deserializer reads it back" % topic)
    invalid = "avro_invalid" if kind == "avro" else "json_invalid"
    ok(r.reasons(topic) == sorted([invalid, "unknown_id", "framing"]),
       "%s: GET /rejections lists %s, unknown_id and framing: %s" % (topic, invalid, r.reasons(topic)))


def check_header(r, kind):
    from confluent_kafka.schema_registry import header_schema_id_serializer
    from confluent_kafka.serialization import MessageField, SerializationContext
    topic = r.prefix + kind + "-hdr"
    subject = topic + "-value"
    conf = {"schema.id.serializer": header_schema_id_serializer}
    if kind == "avro":
        from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
        ser = AvroSerializer(r.src, AVRO_ORDER, conf=conf)
        de = AvroDeserializer(r.src)
        # order_id "" encodes as byte 0: unframed Avro that starts like the
        # id prefix, which only the header tells apart.
        order = {"order_id": "", "amount": 3.0}
        bad = lambda v: v[:-1]  # noqa: E731
    else:
        from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
        ser = JSONSerializer(ORDER_SCHEMA, r.src, conf=conf)
        de = JSONDeserializer(ORDER_SCHEMA, schema_registry_client=r.src)
        order = {"order_id": "o-1", "amount": 3.0}
        bad = lambda v: b'{"order_id": 5, "amount": 1}'  # noqa: E731
    headers = []
    ctx = SerializationContext(topic, MessageField.VALUE, headers)
    v = ser(order, ctx)
    guid = r.guid(subject)
    sid = http_json("%s/subjects/%s/versions/latest" % (r.reg, subject))["id"]
    ok(headers == [("__value_schema_id", b"\x01" + uuid.UUID(guid).bytes)] and v[:1] not in (b"\x01",),
       "%s: header_schema_id_serializer writes __value_schema_id = magic byte 1 + GUID %s, "
       "the payload unframed" % (topic, guid))
    if kind == "avro":
        ok(v[:1] == b"\x00", "%s: (the unframed Avro payload starts with byte 0)" % topic)
    err = r.produce(topic, v, headers=headers)
    ok(err is None, "%s: a valid record with its GUID in a header is accepted (%s)" % (topic, err))
    id_header = [("__value_schema_id", b"\x00" + sid.to_bytes(4, "big"))]
    err = r.produce(topic, v, headers=id_header)
    ok(err is None, "%s: the same payload with magic byte 0 + id %d in the header (by hand) "
       "is accepted (%s)" % (topic, sid, err))
    err = r.produce(topic, bad(v), headers=headers)
    ok(r.refused(err), "%s: an invalid payload under a GUID header is INVALID_RECORD: %s" % (topic, err))
    err = r.produce(topic, v, headers=[("__value_schema_id", headers[0][1][:16])])
    ok(r.refused(err), "%s: a 16-byte header value is INVALID_RECORD: %s" % (topic, err))
    err = r.produce(topic, v, headers=[("__value_schema_id", b"\x01" + uuid.uuid4().bytes)])
    ok(r.refused(err), "%s: a header GUID no schema has is INVALID_RECORD: %s" % (topic, err))
    got = read_back(r.broker, topic, 2)
    ok([(g[1], list(g[2])) for g in got] == [(v, headers), (v, id_header)],
       "%s: the two valid records are in the topic, values and headers byte-identical" % topic)
    if got:
        rctx = SerializationContext(topic, MessageField.VALUE, got[0][2])
        ok(de(got[0][1], rctx) == order, "%s: the client's deserializer reads it back" % topic)
    invalid = "avro_invalid" if kind == "avro" else "json_invalid"
    ok(r.reasons(topic) == sorted([invalid, "framing", "unknown_id"]),
       "%s: GET /rejections lists %s, framing and unknown_id: %s" % (topic, invalid, r.reasons(topic)))


def check_keys(r):
    """A JSON key and value, each with its GUID header (rule: parts both)."""
    from confluent_kafka.schema_registry import header_schema_id_serializer
    from confluent_kafka.schema_registry.json_schema import JSONSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext
    topic = r.prefix + "keys"
    conf = {"schema.id.serializer": header_schema_id_serializer}
    kser = JSONSerializer(KEY_SCHEMA, r.src, conf=conf)
    vser = JSONSerializer(ORDER_SCHEMA, r.src, conf=conf)
    headers = []
    k = kser({"tenant": "t-1"}, SerializationContext(topic, MessageField.KEY, headers))
    v = vser({"order_id": "o-1", "amount": 1}, SerializationContext(topic, MessageField.VALUE, headers))
    ok([h[0] for h in headers] == ["__key_schema_id", "__value_schema_id"],
       "%s: the key and the value each get their header" % topic)
    err = r.produce(topic, v, headers=headers, key=k)
    ok(err is None, "%s: key and value framed by headers are accepted (%s)" % (topic, err))
    err = r.produce(topic, v, headers=headers, key=b'{"tenant": 7}')
    ok(r.refused(err), "%s: a bad key under its header is INVALID_RECORD: %s" % (topic, err))
    swapped = [("__key_schema_id", headers[1][1]), ("__value_schema_id", headers[1][1])]
    err = r.produce(topic, v, headers=swapped, key=k)
    ok(r.refused(err), "%s: the value's GUID in __key_schema_id is INVALID_RECORD: %s" % (topic, err))
    got = read_back(r.broker, topic, 1)
    ok([(g[0], g[1], list(g[2])) for g in got] == [(k, v, headers)],
       "%s: the valid record is read back byte-identical, key, value and headers" % topic)


def main(gw, broker, reg, rejections, prefix):
    r = Run(gw, broker, reg, rejections, prefix)
    for kind in ("avro", "json"):
        check_guid_prefix(r, kind)
        check_header(r, kind)
    check_keys(r)
    diag("%s: done" % prefix)
    return 1 if kwire.FAILED else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
