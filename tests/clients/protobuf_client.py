"""tests/clients/protobuf_client.py: confluent-kafka-python's ProtobufSerializer
and ProtobufDeserializer, unchanged, against schemagate (issue #17).

The `.proto` files below are compiled at test time, in a temporary folder, by
protoc from grpcio-tools (`python -m grpc_tools.protoc`); nothing generated
is kept. The serializer registers the file in its serialized form (base64 of
a FileDescriptorProto) with a reference to another file, and the client
reads it back through ?format=serialized, which it parses with the protobuf
package's DescriptorPool. Checked:
  - registration through the serializer: the reference registered under
    its file name, the schema under orders-value, Confluent's framing
    (magic byte, id, message index [0] as one 0 byte);
  - the canonical string the registry stores for the descriptor form;
  - ?format=serialized: protobuf parses it, serializing it again gives the
    same bytes (fields in number order), and it has what Confluent's
    builder writes (name "default", the dependencies, oneof fields first,
    empty oneof options, streaming flags);
  - the deserializer reads a record back (writer schema by id, serialized);
  - use.latest.version: the serializer takes the latest version (served
    serialized) and frames with its id; lookup_schema finds the version;
  - ?normalize=true: the `.proto` text and the descriptor normalize to the
    same string, hence the same id.

Runs in the venv $SG_BUILDDIR/.venv made by tests/clients/setup-venv.sh (as
tests/clients/confluent_client.py does). Prints TAP. Needs $SG_BIN; no
Kafka broker.
"""
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def ensure_venv():
    builddir = os.environ.get("SG_BUILDDIR") or "."
    venv = os.path.abspath(os.path.join(builddir, ".venv"))
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    vpy = os.path.join(venv, "bin", "python")
    setup = os.path.join(HERE, "setup-venv.sh")
    rc = subprocess.call(["sh", setup], stdout=sys.stderr, stderr=sys.stderr)
    if rc != 0 and not os.path.exists(vpy):
        print("1..0 # SKIP external: cannot create the Python venv %s (%s exited %d)"
              % (venv, setup, rc))
        sys.exit(0)
    os.execv(vpy, [vpy, os.path.abspath(__file__)] + sys.argv[1:])


ensure_venv()

_n = 0
_failed = 0


def ok(cond, desc, *diag):
    global _n, _failed
    _n += 1
    if not cond:
        _failed += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (_n, desc))
    if not cond:
        for d in diag:
            for line in str(d).splitlines() or [""]:
                print("#   " + line)
    sys.stdout.flush()
    return cond


def attempt(desc, fn):
    """Runs fn(); a raised exception is a failed check. Returns fn's result or None."""
    try:
        return fn()
    except Exception as e:  # a client error is a test failure, shown in full
        ok(False, desc, "%s: %s" % (type(e).__name__, e))
        return None


def start_registry(tmp):
    log = open(os.path.join(tmp, "registry.log"), "w+")
    proc = subprocess.Popen(
        [os.environ["SG_BIN"], "registry", "--listen", "127.0.0.1:0",
         "--db", os.path.join(tmp, "pb.db")],
        stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 15
    while time.time() < deadline:
        log.seek(0)
        m = re.search(r"registry listening on http://127\.0\.0\.1:(\d+) ", log.read())
        if m:
            return proc, "http://127.0.0.1:" + m.group(1), log
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    log.seek(0)
    print("Bail out! registry did not start: " + log.read().replace("\n", " | "))
    proc.kill()
    sys.exit(1)


def http(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, method=method, data=data,
                                 headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


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

option java_package = "com.example.orders";

message Order {
  string id = 1;
  demo.common.Money total = 2;
  google.protobuf.Timestamp at = 3;
  map<string, int32> qty = 4;
  repeated Line lines = 5;
  State state = 6;
  optional string note = 7;
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

service Orders {
  rpc Watch (Order) returns (stream Order);
}
"""

# What Confluent's toProtoFile(FileDescriptorProto) makes of protoc's
# descriptor of ORDERS_PROTO, printed canonically: type names as protoc
# wrote them (absolute), the map as its QtyEntry message, the oneof's fields
# without a label, the proto3 optional field `optional` (its synthetic
# oneof dropped).
ORDERS_CANONICAL = """syntax = "proto3";
package demo.orders;

import "common/money.proto";
import "google/protobuf/timestamp.proto";

option java_package = "com.example.orders";

message Order {
  string id = 1;
  .demo.common.Money total = 2;
  .google.protobuf.Timestamp at = 3;
  repeated .demo.orders.Order.QtyEntry qty = 4;
  repeated .demo.orders.Order.Line lines = 5;
  .demo.orders.Order.State state = 6;
  optional string note = 7;

  oneof pay {
    string card = 8;
    string iban = 9;
  }

  message QtyEntry {
    option map_entry = true;
  
    string key = 1;
    int32 value = 2;
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

service Orders {
  rpc Watch (.demo.orders.Order) returns (stream .demo.orders.Order);
}
"""


def compile_protos(tmp):
    """protoc (grpc_tools) into tmp; returns the imported orders_pb2 module."""
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
        print("Bail out! protoc failed (%d)" % rc)
        sys.exit(1)
    sys.path.insert(0, tmp)
    import orders_pb2
    return orders_pb2


def run(base, tmp):
    from google.protobuf import descriptor_pb2
    from google.protobuf import timestamp_pb2
    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    pb = compile_protos(tmp)
    client = SchemaRegistryClient({"url": base})
    ctx = SerializationContext("orders", MessageField.VALUE)
    order = pb.Order(id="o-1", total={"currency": "EUR", "units": 1250},
                     at=timestamp_pb2.Timestamp(seconds=1700000000), qty={"apple": 3},
                     lines=[pb.Order.Line(sku="apple", n=3)], state=pb.Order.PAID, note="fast",
                     card="4111")

    ser = ProtobufSerializer(pb.Order, client, {"auto.register.schemas": True})
    data = attempt("serialize (auto.register)", lambda: ser(order, ctx))
    if data is None:
        return
    st, subjects = http(base, "GET", "/subjects")
    ok(st == 200 and sorted(subjects) == ["common/money.proto", "orders-value"],
       "the serializer registered the reference under its file name and the schema", subjects)
    st, ent = http(base, "GET", "/subjects/orders-value/versions/1")
    sid = ent.get("id") if st == 200 else None
    ok(st == 200 and ent.get("schemaType") == "PROTOBUF"
       and ent.get("references") == [{"name": "common/money.proto",
                                      "subject": "common/money.proto", "version": 1}],
       "orders-value version 1: PROTOBUF, referencing common/money.proto", ent)
    ok(data[:5] == b"\x00" + (sid or 0).to_bytes(4, "big") and data[5:6] == b"\x00",
       "framing: magic byte, the schema id, message index [0] as one 0 byte", data[:8].hex())
    ok(ent.get("schema") == ORDERS_CANONICAL,
       "the descriptor form is stored as Confluent's canonical string of it", ent.get("schema"))
    st, money = http(base, "GET", "/subjects/common%2Fmoney.proto/versions/1")
    ok(st == 200 and money.get("schema", "").startswith('syntax = "proto3";\npackage demo.common;'),
       "the reference's canonical string", money)

    # ?format=serialized, as the clients read it
    st, s1 = http(base, "GET", "/schemas/ids/%d?format=serialized" % (sid or 0))
    raw = base64.b64decode(s1.get("schema", "")) if st == 200 else b""
    fd = descriptor_pb2.FileDescriptorProto()
    parsed = attempt("protobuf parses ?format=serialized", lambda: fd.ParseFromString(raw))
    ok(parsed is not None and fd.SerializeToString() == raw,
       "serialized again by protobuf, the same bytes (fields in number order)", raw.hex())
    msg = fd.message_type[0] if fd.message_type else descriptor_pb2.DescriptorProto()
    ok(fd.name == "default" and fd.package == "demo.orders" and fd.syntax == "proto3"
       and list(fd.dependency) == ["common/money.proto", "google/protobuf/timestamp.proto"],
       "serialized: name default, package, syntax, the dependencies", fd)
    ok([f.name for f in msg.field] == ["card", "iban", "id", "total", "at", "qty", "lines",
                                        "state", "note"],
       "serialized: the oneof's fields first, then the others in order",
       [f.name for f in msg.field])
    ok([o.name for o in msg.oneof_decl] == ["pay", "_note"]
       and all(o.HasField("options") for o in msg.oneof_decl),
       "serialized: the oneof, then the proto3 optional field's synthetic one, each with an "
       "empty options message", msg.oneof_decl)
    ok([n.name for n in msg.nested_type] == ["QtyEntry", "Line"]
       and msg.nested_type[0].options.map_entry,
       "serialized: the map entry message as registered", [n.name for n in msg.nested_type])
    rpc = fd.service[0].method[0] if fd.service and fd.service[0].method else None
    ok(rpc is not None and rpc.HasField("client_streaming") and not rpc.client_streaming
       and rpc.server_streaming, "serialized: both streaming flags written", rpc)
    st, s2 = http(base, "GET", "/subjects/orders-value/versions/latest?format=serialized")
    ok(st == 200 and s2.get("schema") == s1.get("schema"),
       "the version endpoint serves the same serialized form", s2)
    st, raw_text = None, None
    req = urllib.request.Request(base + "/schemas/ids/%d/schema?format=serialized" % (sid or 0))
    with urllib.request.urlopen(req) as r:
        raw_text = r.read().decode()
    ok(raw_text == s1.get("schema"), "/schemas/ids/{id}/schema?format=serialized: the text alone",
       raw_text)
    st, plain = http(base, "GET", "/schemas/ids/%d?format=default" % (sid or 0))
    ok(plain.get("schema") == ORDERS_CANONICAL, "?format=default: the canonical string", plain)

    # the deserializer: writer schema by id, served serialized
    de = ProtobufDeserializer(pb.Order, {}, SchemaRegistryClient({"url": base}))
    back = attempt("deserialize", lambda: de(data, ctx))
    ok(back == order, "the deserializer reads the record back", back)

    # use.latest.version: the latest version (served serialized) frames the record
    latest_ser = ProtobufSerializer(pb.Order, SchemaRegistryClient({"url": base}),
                                    {"auto.register.schemas": False, "use.latest.version": True})
    data2 = attempt("serialize (use.latest.version)", lambda: latest_ser(order, ctx))
    ok(data2 is not None and data2 == data, "use.latest.version: the same id and bytes",
       data2 and data2[:8].hex())
    fresh = SchemaRegistryClient({"url": base})
    ref = attempt("lookup_schema", lambda: fresh.lookup_schema(
        "orders-value", Schema(base64.b64encode(pb.DESCRIPTOR.serialized_pb).decode(), "PROTOBUF",
                               ent.get("references") and [
                                   __import__("confluent_kafka.schema_registry",
                                              fromlist=["SchemaReference"]).SchemaReference(
                                       "common/money.proto", "common/money.proto", 1)])))
    ok(ref is not None and ref.schema_id == sid and ref.version == 1,
       "lookup_schema of the descriptor finds version 1", ref)

    # ?normalize=true: text and descriptor, one string
    refs = [{"name": "common/money.proto", "subject": "common/money.proto", "version": 1}]
    st, n1 = http(base, "POST", "/subjects/norm-text/versions?normalize=true",
                  {"schemaType": "PROTOBUF", "schema": ORDERS_PROTO, "references": refs})
    st2, n2 = http(base, "POST", "/subjects/norm-desc/versions?normalize=true",
                   {"schemaType": "PROTOBUF", "references": refs,
                    "schema": base64.b64encode(pb.DESCRIPTOR.serialized_pb).decode()})
    ok(st == 200 and st2 == 200 and n1.get("id") == n2.get("id"),
       "normalize=true: the .proto text and its descriptor get the same id", n1, n2)
    st, nt = http(base, "GET", "/subjects/norm-text/versions/1")
    ok("map<string, int32> qty = 4;" in nt.get("schema", "")
       and ".demo.common.Money total = 2;" in nt.get("schema", ""),
       "the normalized string: the map as map<>, type names full", nt.get("schema"))
    st, nd = http(base, "GET", "/subjects/norm-desc/versions/1")
    ok(st == 200 and "map<string, int32> qty = 4;" in nd.get("schema", "")
       and "QtyEntry" not in nd.get("schema", ""),
       "the descriptor normalized: its map entry printed as map<K, V>", nd.get("schema"))

    # a string that is neither `.proto` text nor base64 of a descriptor: the
    # text's error
    st, bad = http(base, "POST", "/subjects/bad/versions",
                   {"schemaType": "PROTOBUF", "schema": "bWVzc2FnZQ"})
    ok(st == 422 and bad.get("error_code") == 42201 and "Syntax error" in bad.get("message", ""),
       "neither text nor a descriptor: 42201 with the text's error", st, bad)


def main():
    tmp = tempfile.mkdtemp(prefix="sg-pb-")
    proc, base, log = start_registry(tmp)
    try:
        run(base, tmp)
    finally:
        proc.terminate()
        proc.wait()
    print("1..%d" % _n)
    if _failed:
        log.seek(0)
        print("# registry log:\n" + "".join("#   " + l for l in log.readlines()[-30:]))
    sys.exit(1 if _failed else 0)


if __name__ == "__main__":
    main()
