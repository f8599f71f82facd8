"""tests/kafka/kprotobuf.py: Protobuf records through the gateway, against a
real broker. Driven by tests/kafka/protobuf.sh; prints unnumbered TAP lines
(kt_relay).

  kprotobuf.py GW BROKER REGISTRY REJECTIONS-URL PREFIX

The `.proto` files are compiled at test time by protoc from grpcio-tools
(as tests/clients/protobuf_client.py does); nothing generated is kept.
confluent-kafka-python's ProtobufSerializer registers an Order (nested
messages, a map, a oneof, google/protobuf/timestamp.proto, and a reference
to another subject, common/money.proto) and produces through the gateway;
the records are read back straight from the broker byte-identical and
decoded by ProtobufDeserializer. Refused with INVALID_RECORD and listed in
GET /rejections with their reason: a record serialized from another message
(Order.Line, framed as an Order), a truncated record, a message index out of
range, and on the topic whose rule sets reject_unknown_fields a record with
a field Order does not declare (which passes elsewhere). Topics start with
PREFIX.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kwire import diag, ok  # noqa: E402

MONEY_PROTO = """syntax = "proto3";
package demo.common;

message Money {
  string currency = 1;
  int64 units = 2;
}
"""

ORDERS_PROTO = """syntax = "proto3";
package demo.orders;

import "common/money.proto";
import "google/protobuf/timestamp.proto";

message Order {
  string id = 1;
  demo.common.Money total = 2;
  google.protobuf.Timestamp at = 3;
  map<string, int32> qty = 4;
  repeated Line lines = 5;
  State state = 6;
  oneof pay {
    string card = 8;
    string iban = 9;
  }

  message Line {
    string sku = 1;
    int32 n = 2;
  }
  enum State {
    NEW = 0;
    PAID = 1;
  }
}
"""


def compile_protos(tmp):
    os.makedirs(os.path.join(tmp, "common"), exist_ok=True)
    with open(os.path.join(tmp, "common", "money.proto"), "w") as f:
        f.write(MONEY_PROTO)
    with open(os.path.join(tmp, "orders.proto"), "w") as f:
        f.write(ORDERS_PROTO)
    import grpc_tools
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    rc = subprocess.call([sys.executable, "-m", "grpc_tools.protoc", "-I", tmp, "-I", include,
                          "--python_out=" + tmp, "orders.proto", "common/money.proto"])
    if rc != 0:
        ok(False, "protoc compiles the test's .proto files (%d)" % rc)
        sys.exit(1)
    sys.path.insert(0, tmp)
    import orders_pb2
    return orders_pb2


def http_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def read_back(broker, topic, want, timeout=20):
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
    c = Consumer({"bootstrap.servers": broker, "group.id": "kt-pb-%f" % time.time(),
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
        out.append(m.value())
    c.close()
    return out


def main():
    gw, broker, reg, rej, prefix = sys.argv[1:6]
    from confluent_kafka import KafkaError, Producer
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext
    from google.protobuf import timestamp_pb2

    pb = compile_protos(tempfile.mkdtemp())
    client = SchemaRegistryClient({"url": reg})
    p = Producer({"bootstrap.servers": gw, "acks": "all", "message.timeout.ms": 30000,
                  "linger.ms": 0})

    def produce(topic, value):
        got = []
        p.produce(topic, value=value, partition=0, on_delivery=lambda err, msg: got.append(err))
        p.flush(30)
        return got[0] if got else "no delivery report"

    def refused(err):
        return err is not None and not isinstance(err, str) and err.code() == KafkaError.INVALID_RECORD

    def reasons(topic):
        r = http_json("%s/rejections?topic=%s&limit=50" % (rej, topic))["rejections"]
        return sorted(x["reason"] for x in r), [x.get("message", "") for x in r]

    topic = prefix + "orders"
    ctx = SerializationContext(topic, MessageField.VALUE)
    ser = ProtobufSerializer(pb.Order, client, {"auto.register.schemas": True})
    orders = [
        pb.Order(id="o-1", total={"currency": "EUR", "units": 1250},
                 at=timestamp_pb2.Timestamp(seconds=1700000000), qty={"apple": 3, "pear": 1},
                 lines=[pb.Order.Line(sku="apple", n=3), pb.Order.Line(sku="p\u00e9ar", n=1)],
                 state=pb.Order.PAID, card="4111"),
        pb.Order(id="o-2", iban="FR76"),
        pb.Order(),
    ]
    values = [ser(o, ctx) for o in orders]
    subjects = http_json(reg + "/subjects")
    ok(topic + "-value" in subjects and "common/money.proto" in subjects,
       "the serializer registered %s-value and its reference common/money.proto: %s"
       % (topic, subjects))
    sid = http_json("%s/subjects/%s-value/versions/latest" % (reg, topic))["id"]
    for i, v in enumerate(values):
        err = produce(topic, v)
        ok(err is None, "%s: Order %d (nested messages, a map, a Timestamp, a Money of "
           "another subject) is accepted: %s" % (topic, i, err))
    got = read_back(broker, topic, len(values))
    ok(got == values, "%s: read back from the broker byte-identical (%d records)" % (topic, len(got)))
    de = ProtobufDeserializer(pb.Order, {"use.deprecated.format": False})
    decoded = [de(v, ctx) for v in got]
    ok(decoded == orders, "%s: ProtobufDeserializer decodes what was produced" % topic)

    # A record serialized from another message: an Order.Line, framed as an
    # Order (magic byte, Order's id, index [0]).
    head = b"\x00" + sid.to_bytes(4, "big") + b"\x00"
    line = pb.Order.Line(sku="apple", n=3).SerializeToString()
    err = produce(topic, head + line)
    ok(refused(err), "%s: an Order.Line framed as an Order is INVALID_RECORD: %s" % (topic, err))
    err = produce(topic, values[0][:-3])
    ok(refused(err), "%s: a truncated Order is INVALID_RECORD: %s" % (topic, err))
    err = produce(topic, b"\x00" + sid.to_bytes(4, "big") + b"\x02\x04" + values[0][6:])
    ok(refused(err), "%s: message index [2] (the schema has 1 message) is INVALID_RECORD: %s"
       % (topic, err))
    rs, msgs = reasons(topic)
    ok(rs == ["framing", "protobuf_invalid", "protobuf_invalid"],
       "%s: GET /rejections lists framing and protobuf_invalid twice: %s" % (topic, rs))
    ok(any("/total: wire type 0, but the field (2, message) takes 2" in m for m in msgs),
       "%s: the Order.Line's rejection names the field and the wire types: %s" % (topic, msgs))

    # Unknown fields: pass by default, refused where the rule says so.
    unknown = values[1] + b"\xf8\x06\x01"  # field 111, varint 1
    err = produce(topic, unknown)
    ok(err is None, "%s: an unknown field passes by default: %s" % (topic, err))
    strict = prefix + "strict"
    sctx = SerializationContext(strict, MessageField.VALUE)
    sv = ser(orders[1], sctx)
    err = produce(strict, sv)
    ok(err is None, "%s (reject_unknown_fields): an Order without unknown fields: %s" % (strict, err))
    err = produce(strict, sv + b"\xf8\x06\x01")
    ok(refused(err), "%s (reject_unknown_fields): an unknown field is INVALID_RECORD: %s"
       % (strict, err))
    rs, msgs = reasons(strict)
    ok(rs == ["protobuf_invalid"] and any("field 111 (wire type 0) is not in message "
                                          "demo.orders.Order" in m for m in msgs),
       "%s: listed as protobuf_invalid, naming the field: %s" % (strict, msgs))


if __name__ == "__main__":
    main()
