"""tests/cases/protobuf-desc/make-expected.py: writes <case>/serialized.b64 for
the `.proto` cases, and <case>/input.b64 for the descriptor cases, with the
protobuf package (PyPI `protobuf`, in the test venv): each FileDescriptorProto
below is built by hand the way Confluent 8.1's DynamicSchema builder builds it
from the `.proto` text (for serialized.b64), or as protoc and the Python client
would send one (for input.b64), and serialized by protobuf itself, so the
expected bytes owe nothing to schemagate's encoder. Run it with the venv's
python from this folder when a case changes; commit what it writes.
"""
import base64
import os

from google.protobuf import descriptor_pb2 as d

F = d.FieldDescriptorProto
HERE = os.path.dirname(os.path.abspath(__file__))


def field(name, number, label=None, type=None, type_name=None, **kw):
    f = F(name=name, number=number)
    if label:
        f.label = label
    if type:
        f.type = type
    if type_name is not None:
        f.type_name = type_name
    for k, v in kw.items():
        if k == "options":
            f.options.CopyFrom(v)
        else:
            setattr(f, k, v)
    return f


def oneof(name):
    o = d.OneofDescriptorProto(name=name)
    o.options.SetInParent()  # Confluent merges an empty OneofOptions
    return o


def write(case, name, fd):
    # deterministic: map entries (Meta.params) in key order, as the cases
    # list them, where Java keeps insertion order
    with open(os.path.join(HERE, case, name), "w") as out:
        out.write(base64.b64encode(fd.SerializeToString(deterministic=True)).decode() + "\n")


def orders():
    fd = d.FileDescriptorProto(name="default", package="demo.v1", syntax="proto3")
    fd.dependency.append("google/protobuf/timestamp.proto")
    m = fd.message_type.add(name="Order")
    m.field.extend([
        field("card", 6, F.LABEL_OPTIONAL, F.TYPE_STRING, oneof_index=0),
        field("iban", 7, F.LABEL_OPTIONAL, F.TYPE_STRING, oneof_index=0),
        field("id", 1, None, F.TYPE_STRING),
        field("amount", 2, F.LABEL_OPTIONAL, F.TYPE_INT64,
              options=d.FieldOptions(deprecated=True), oneof_index=1, proto3_optional=True),
        field("items", 3, F.LABEL_REPEATED, None, "itemsEntry"),
        field("at", 4, None, F.TYPE_MESSAGE, "google.protobuf.Timestamp"),
        field("status", 5, None, F.TYPE_ENUM, "Status"),
    ])
    item = m.nested_type.add(name="Item")
    item.field.extend([
        field("sku", 1, None, F.TYPE_STRING),
        field("q", 2, F.LABEL_REPEATED, F.TYPE_INT32, options=d.FieldOptions(packed=False)),
    ])
    entry = m.nested_type.add(name="itemsEntry")
    entry.field.extend([field("key", 1, None, F.TYPE_STRING),
                        field("value", 2, None, F.TYPE_MESSAGE, "Item")])
    entry.options.map_entry = True
    st = m.enum_type.add(name="Status")
    st.value.add(name="UNKNOWN", number=0)
    st.value.add(name="OK", number=1)
    m.oneof_decl.extend([oneof("pay"), oneof("_amount")])
    m.reserved_range.add(start=8, end=9)
    m.reserved_range.add(start=10, end=13)
    m.reserved_name.append("old")
    top = fd.enum_type.add(name="Top")
    top.value.add(name="A", number=0)
    top.value.add(name="B", number=1).options.deprecated = True
    svc = fd.service.add(name="S")
    svc.method.add(name="Get", input_type="Order", output_type="Order",
                   client_streaming=False, server_streaming=True)
    fd.options.java_package = "com.demo"
    fd.options.optimize_for = d.FileOptions.SPEED
    write("orders", "serialized.b64", fd)


def proto2_ext():
    fd = d.FileDescriptorProto(name="default", package="shop", syntax="proto2")
    fd.dependency.extend(["google/protobuf/descriptor.proto", "google/protobuf/duration.proto"])
    fd.public_dependency.append(1)
    m = fd.message_type.add(name="Item")
    m.field.extend([
        field("sku", 1, F.LABEL_REQUIRED, F.TYPE_STRING, json_name="SKU"),
        field("count", 2, F.LABEL_OPTIONAL, F.TYPE_INT32, default_value="1"),
        field("sizes", 3, F.LABEL_REPEATED, F.TYPE_INT64,
              options=d.FieldOptions(packed=True, deprecated=True)),
        field("kind", 4, F.LABEL_OPTIONAL, F.TYPE_ENUM, "Kind", default_value="SMALL"),
        field("sub_items", 7, F.LABEL_REPEATED, None, "SubItemsEntry"),
    ])
    entry = m.nested_type.add(name="SubItemsEntry")
    entry.field.extend([field("key", 1, None, F.TYPE_STRING),
                        field("value", 2, None, F.TYPE_MESSAGE, "Item")])
    entry.options.map_entry = True
    kind = m.enum_type.add(name="Kind")
    kind.value.add(name="SMALL", number=0)
    kind.value.add(name="LITTLE", number=0)
    kind.value.add(name="BIG", number=1)
    kind.options.allow_alias = True
    kind.reserved_range.add(start=10, end=20)
    kind.reserved_name.append("OLD")
    for start, end in ((100, 200), (500, 501)):
        r = m.extension_range.add(start=start, end=end)
        r.options.SetInParent()  # Confluent merges an empty ExtensionRangeOptions
    m.reserved_range.add(start=5, end=7)
    svc = fd.service.add(name="Shop")
    svc.method.add(name="Buy", input_type="Item", output_type="Item", client_streaming=True,
                   server_streaming=False,
                   options=d.MethodOptions(idempotency_level=d.MethodOptions.IDEMPOTENT))
    svc.options.deprecated = True
    fd.extension.extend([
        field("label", 50001, F.LABEL_OPTIONAL, F.TYPE_STRING,
              extendee="google.protobuf.FieldOptions"),
        field("flag", 100, F.LABEL_OPTIONAL, F.TYPE_BOOL, extendee="Item"),
    ])
    fd.options.java_multiple_files = True
    fd.options.go_package = "example.com/shop"
    write("proto2-ext", "serialized.b64", fd)


def desc_proto3():
    """As protoc writes it (absolute type names, json_name on every field,
    a map entry message), plus what Confluent drops: an unknown file field,
    a custom option, an unknown enum value of optimize_for, and a group of an
    unknown number."""
    fd = d.FileDescriptorProto(name="events/v1/event.proto", package="events.v1",
                               syntax="proto3")
    fd.dependency.append("google/protobuf/timestamp.proto")
    m = fd.message_type.add(name="Event")
    m.field.extend([
        field("id", 1, F.LABEL_OPTIONAL, F.TYPE_STRING, json_name="id"),
        field("at", 2, F.LABEL_OPTIONAL, F.TYPE_MESSAGE, ".google.protobuf.Timestamp",
              json_name="at"),
        field("labels", 3, F.LABEL_REPEATED, F.TYPE_MESSAGE, ".events.v1.Event.LabelsEntry",
              json_name="labels"),
        field("user_id", 4, F.LABEL_OPTIONAL, F.TYPE_INT64, json_name="userId",
              oneof_index=0),
        field("device", 5, F.LABEL_OPTIONAL, F.TYPE_STRING, json_name="device", oneof_index=0),
        field("score", 6, F.LABEL_OPTIONAL, F.TYPE_DOUBLE, json_name="score", oneof_index=1,
              proto3_optional=True),
        field("kinds", 7, F.LABEL_REPEATED, F.TYPE_ENUM, ".events.v1.Kind", json_name="kinds"),
    ])
    e = m.nested_type.add(name="LabelsEntry")
    e.field.extend([field("key", 1, F.LABEL_OPTIONAL, F.TYPE_STRING, json_name="key"),
                    field("value", 2, F.LABEL_OPTIONAL, F.TYPE_STRING, json_name="value")])
    e.options.map_entry = True
    m.oneof_decl.add(name="who")
    m.oneof_decl.add(name="_score")
    m.reserved_range.add(start=9, end=12)
    m.reserved_range.add(start=20, end=21)
    m.reserved_name.extend(["old", "older"])
    k = fd.enum_type.add(name="Kind")
    k.value.add(name="KIND_UNSPECIFIED", number=0)
    k.value.add(name="KIND_CLICK", number=1)
    k.reserved_range.add(start=5, end=5)
    fd.options.java_package = "com.example.events"
    fd.options.java_multiple_files = True
    raw = fd.SerializeToString()
    # unknown to Confluent: field 99 of the file (a varint), a group 98 with a
    # field inside, and option 999 (a custom one) and optimize_for = 7 (no
    # such mode) inside FileOptions
    extra_opts = bytes([0xb8, 0x3e, 0x01, 0x48, 0x07])  # 999: 1, 9: 7
    opts = fd.options.SerializeToString() + extra_opts
    fd2 = d.FileDescriptorProto()
    fd2.ParseFromString(raw)
    fd2.ClearField("options")
    raw = fd2.SerializeToString() + bytes([0x42, len(opts)]) + opts
    raw += bytes([0x98, 0x06, 0x2a])  # 99: 42
    raw += bytes([0x93, 0x06, 0x08, 0x01, 0x94, 0x06])  # group 98 { 1: 1 }
    with open(os.path.join(HERE, "desc-proto3", "input.b64"), "w") as out:
        out.write(base64.b64encode(raw).decode() + "\n")


def desc_proto2():
    """A proto2 descriptor as protoc writes it: required and optional
    labels, defaults, a public and a weak dependency, extend blocks of two
    extendees, an extension range, a nested extension."""
    fd = d.FileDescriptorProto(name="legacy.proto", package="legacy")
    fd.dependency.extend(["google/protobuf/descriptor.proto", "google/protobuf/empty.proto",
                          "google/protobuf/any.proto"])
    fd.public_dependency.append(1)
    fd.weak_dependency.append(2)
    m = fd.message_type.add(name="Rec")
    m.field.extend([
        field("name", 1, F.LABEL_REQUIRED, F.TYPE_STRING, json_name="name"),
        field("size", 2, F.LABEL_OPTIONAL, F.TYPE_UINT32, default_value="10", json_name="size"),
        field("mode", 3, F.LABEL_OPTIONAL, F.TYPE_ENUM, ".legacy.Rec.Mode", default_value="B",
              json_name="mode", options=d.FieldOptions(deprecated=True)),
        field("data", 4, F.LABEL_REPEATED, F.TYPE_BYTES, json_name="data",
              options=d.FieldOptions(ctype=d.FieldOptions.CORD, packed=False)),
    ])
    mode = m.enum_type.add(name="Mode")
    mode.value.add(name="A", number=0)
    mode.value.add(name="B", number=1, options=d.EnumValueOptions(deprecated=True))
    m.extension_range.add(start=100, end=536870912)
    m.extension.add(name="nested_ext", number=101, label=F.LABEL_OPTIONAL, type=F.TYPE_INT32,
                    extendee=".legacy.Rec", json_name="nestedExt")
    m.options.deprecated = True
    fd.extension.extend([
        field("tag", 50000, F.LABEL_OPTIONAL, F.TYPE_STRING,
              extendee=".google.protobuf.MessageOptions", json_name="tag"),
        field("more", 102, F.LABEL_REPEATED, F.TYPE_INT32, extendee=".legacy.Rec",
              json_name="more"),
        field("other", 50001, F.LABEL_OPTIONAL, F.TYPE_BOOL,
              extendee=".google.protobuf.MessageOptions", json_name="other"),
    ])
    with open(os.path.join(HERE, "desc-proto2", "input.b64"), "w") as out:
        out.write(base64.b64encode(fd.SerializeToString()).decode() + "\n")


def meta():
    """confluent/meta.proto options on a file, a message (as (x).tags), a
    field (params, in key order), an enum and an enum value: each an
    extension 1088 of its options message."""
    from confluent_kafka.schema_registry.confluent import meta_pb2
    fd = d.FileDescriptorProto(name="default", package="m", syntax="proto3")
    fd.dependency.append("confluent/meta.proto")
    m = fd.message_type.add(name="Rec")
    ssn = m.field.add(name="ssn", number=1, type=F.TYPE_STRING)
    fm = ssn.options.Extensions[meta_pb2.field_meta]
    fm.doc = "social"
    fm.params["k1"] = "v1"
    fm.params["k2"] = "v2"
    fm.tags.extend(["PII", "SENSITIVE"])
    m.field.add(name="kind", number=2, type=F.TYPE_ENUM, type_name="Kind")
    kind = m.enum_type.add(name="Kind")
    kind.options.Extensions[meta_pb2.enum_meta].doc = "kinds"
    a = kind.value.add(name="A", number=0)
    a.options.Extensions[meta_pb2.enum_value_meta].tags.append("X")
    m.options.Extensions[meta_pb2.message_meta].tags.append("TAG")
    fd.options.Extensions[meta_pb2.file_meta].doc = "file doc"
    write("meta", "serialized.b64", fd)


def desc_meta():
    """A descriptor with a decimal's precision and scale as Meta params
    (Confluent prints their value before their key) and a tag."""
    from confluent_kafka.schema_registry.confluent import meta_pb2
    fd = d.FileDescriptorProto(name="dm.proto", package="dm", syntax="proto3")
    fd.dependency.append("confluent/meta.proto")
    m = fd.message_type.add(name="Amount")
    f = m.field.add(name="value", number=1, label=F.LABEL_OPTIONAL, type=F.TYPE_BYTES,
                    json_name="value")
    fm = f.options.Extensions[meta_pb2.field_meta]
    fm.params["precision"] = "10"
    fm.params["scale"] = "2"
    fm.tags.append("MONEY")
    write("desc-meta", "input.b64", fd)


orders()
meta()
desc_meta()
proto2_ext()
desc_proto3()
desc_proto2()
