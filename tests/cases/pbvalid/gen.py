#!/usr/bin/env python3
"""Prints the good payloads of tests/cases/pbvalid/*.cases as protobuf's
Python package writes them: compiles orders.proto and legacy.proto with
grpcio-tools' protoc into a temporary folder, builds messages, prints
`name hex`. Run with the test venv's python (build/dev/.venv/bin/python)."""
import importlib, os, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
out = tempfile.mkdtemp()
from grpc_tools import protoc
import grpc_tools
inc = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
for f in ("orders.proto", "legacy.proto"):
    if protoc.main(["protoc", "-I" + here, "-I" + inc, "--python_out=" + out, f]) != 0:
        sys.exit("protoc failed on " + f)
sys.path.insert(0, out)
orders = importlib.import_module("orders_pb2")
legacy = importlib.import_module("legacy_pb2")


def show(name, msg):
    print(name, msg.SerializeToString().hex())


o = orders.Order(order_id="ORD-100234", customer_id="CUST-42", amount=129.95,
                 currency="EUR", status=orders.Order.PAID, codes=[1, -2, 300])
o.items.add(sku="SKU-1", qty=2, price_cents=1999)
o.items.add(sku="SKU-\u00e9\u2014", qty=-1, price_cents=5)
o.tags["channel"] = "web"
o.tags["r\u00e9gion"] = "\u6771\u4eac"
o.created.seconds = 1764075600
o.created.nanos = 5
o.card = "4111"
show("order-full", o)
show("order-empty", orders.Order())
show("order-voucher", orders.Order(voucher=orders.Order.Item(sku="V")))
show("item", orders.Order.Item(sku="X", qty=7))
show("other", orders.Other(a=-5, b=b"\xff\xfe"))
r = legacy.Req(id=7, name="caf\xe9".encode("latin-1").decode("latin-1"))
r.inner.tag = "t"
r.inner.z = -3
r.blob.k = 9
r.more.add(tag="m")
show("req-full", r)
show("req-min", legacy.Req(id=1))
