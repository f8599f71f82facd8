"""tests/registry/clients_tls.py: confluent-kafka-python's schema registry
client against a registry on HTTPS with --auth-file and client certificates
requested. Driven by tests/registry/clients-tls.sh, which makes the
certificates and the auth file; prints unnumbered TAP lines ("ok - ...",
"not ok - ...", "# ...") for it to number.

  clients_tls.py URL DIR

URL is the registry (https://127.0.0.1:PORT); DIR holds ca.pem (the CA of the
registry's certificate and of the clients'), ci.pem/ci.key (subject
CN=ci,O=Example: Write on Subject:ci-.*), ops.pem/ops.key (a subject the auth
file does not name) and stranger.pem/stranger.key (CN=ci,O=Example again, but
from a CA the registry does not trust). The users writer (Write) and reader
(Read) on Subject:orders-.* have the passwords writer-pw and reader-pw.
"""
import os
import struct
import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

URL, DIR = sys.argv[1], sys.argv[2]
CA = os.path.join(DIR, "ca.pem")

ORDER = """{"type": "record", "name": "Order", "namespace": "shop",
 "fields": [{"name": "id", "type": "long"}, {"name": "customer", "type": "string"}]}"""
# A field added with a default: compatible, so only the permission decides.
ORDER_V2 = ORDER.replace('"type": "string"}]', '"type": "string"},\n'
                         ' {"name": "channel", "type": "string", "default": "web"}]')


def ok(cond, desc, *diag):
    print("%s - %s" % ("ok" if cond else "not ok", desc))
    if not cond:
        for d in diag:
            for line in str(d).splitlines() or [""]:
                print("#   " + line)
    sys.stdout.flush()
    return cond


def client(user=None, cert=None, ca=CA):
    """A new SchemaRegistryClient (no cache) as USER (Basic) or CERT (a client
    certificate's base name in DIR), trusting CA (None: the system's CAs)."""
    conf = {"url": URL}
    if ca:
        conf["ssl.ca.location"] = ca
    if user:
        conf["basic.auth.user.info"] = "%s:%s-pw" % (user, user) if ":" not in user else user
    if cert:
        conf["ssl.certificate.location"] = os.path.join(DIR, cert + ".pem")
        conf["ssl.key.location"] = os.path.join(DIR, cert + ".key")
    return SchemaRegistryClient(conf)


def call(fn):
    """(result, None) or (None, the exception)."""
    try:
        return fn(), None
    except Exception as e:  # the caller checks which
        return None, e


def refused(e):
    """(HTTP status, error_code, message) of a SchemaRegistryError, else the exception."""
    if isinstance(e, SchemaRegistryError):
        return (e.http_status_code, e.error_code, e.error_message)
    return e


def denied(op, subject):
    return (403, 40301, "User is denied operation %s on Subject: %s" % (op, subject))


UNAUTHORIZED = (401, 401, "Unauthorized")


def basic():
    """basic.auth.user.info over HTTPS: writer registers and serializes,
    reader looks up and reads but may not register."""
    ctx = SerializationContext("orders", MessageField.VALUE)
    order = {"id": 42, "customer": "Ada"}

    writer = client("writer")
    ser = AvroSerializer(writer, ORDER)
    data, e = call(lambda: ser(order, ctx))
    ok(e is None and data[:1] == b"\0",
       "Basic writer: AvroSerializer registers orders-value over HTTPS and frames the record",
       e, data)
    if e is not None:
        return
    sid = struct.unpack(">I", data[1:5])[0]
    back, e = call(lambda: AvroDeserializer(client("writer"))(data, ctx))
    ok(back == order, "Basic writer: AvroDeserializer reads it back through the registry", back, e)

    reader = client("reader")
    got, e = call(lambda: reader.lookup_schema("orders-value", Schema(ORDER, "AVRO")))
    ok(e is None and got.schema_id == sid and got.version == 1,
       "Basic reader: lookup_schema (POST /subjects/orders-value) finds id %d, version 1" % sid,
       e, got and (got.schema_id, got.version))
    got, e = call(lambda: client("reader").get_latest_version("orders-value"))
    ok(e is None and got.schema_id == sid, "Basic reader: get_latest_version", e)
    got, e = call(lambda: client("reader").get_schema(sid))
    ok(e is None and '"Order"' in got.schema_str, "Basic reader: get_schema(%d)" % sid, e)
    back, e = call(lambda: AvroDeserializer(client("reader"))(data, ctx))
    ok(back == order, "Basic reader: AvroDeserializer reads the writer's record", back, e)
    latest = AvroSerializer(client("reader"), None,
                            conf={"auto.register.schemas": False, "use.latest.version": True})
    data2, e = call(lambda: latest(order, ctx))
    ok(e is None and data2 == data,
       "Basic reader: AvroSerializer with use.latest.version (lookups only) frames the same bytes",
       e, data2)

    _, e = call(lambda: client("reader").register_schema("orders-value", Schema(ORDER_V2, "AVRO")))
    ok(refused(e) == denied("Write", "orders-value"),
       "Basic reader: register_schema raises SchemaRegistryError 403 40301", refused(e))
    _, e = call(lambda: AvroSerializer(client("reader"), ORDER_V2)(order, ctx))
    ok(refused(e) == denied("Write", "orders-value"),
       "Basic reader: AvroSerializer's auto-registration raises the same 403 40301", refused(e))
    _, e = call(lambda: client("writer").register_schema("payments-value", Schema(ORDER, "AVRO")))
    ok(refused(e) == denied("Write", "payments-value"),
       "Basic writer: a subject outside Subject:orders-.* is 403 40301", refused(e))
    got, e = call(lambda: client("reader").get_versions("orders-value"))
    ok(got == [1], "Basic reader: the refused registrations added no version", got, e)

    _, e = call(lambda: client().get_subjects())
    ok(refused(e) == UNAUTHORIZED, "no credentials and no certificate: SchemaRegistryError 401", refused(e))
    _, e = call(lambda: client("writer:wrong").get_subjects())
    ok(refused(e) == UNAUTHORIZED, "a wrong password: 401", refused(e))
    _, e = call(lambda: client("writer", ca=None).get_subjects())
    ok(e is not None and not isinstance(e, SchemaRegistryError)
       and "CERTIFICATE_VERIFY_FAILED" in str(e),
       "without ssl.ca.location the client refuses the registry's certificate (verification is on)",
       "%s: %s" % (type(e).__name__, e))


def mtls():
    """ssl.certificate.location and ssl.key.location: the subject DN
    CN=ci,O=Example is the principal."""
    ctx = SerializationContext("ci-events", MessageField.VALUE)
    event = {"id": 7, "customer": "ci"}
    ci = client(cert="ci")
    data, e = call(lambda: AvroSerializer(ci, ORDER)(event, ctx))
    ok(e is None and data[:1] == b"\0",
       "client certificate CN=ci,O=Example: AvroSerializer registers ci-events-value", e, data)
    back, e = call(lambda: AvroDeserializer(client(cert="ci"))(data, ctx)) if data else (None, None)
    ok(back == event, "client certificate: AvroDeserializer reads it back", back, e)
    got, e = call(lambda: client(cert="ci").get_subjects())
    ok(got == ["ci-events-value"], "client certificate: get_subjects lists only what it may read", got, e)
    _, e = call(lambda: client(cert="ci").register_schema("orders-value", Schema(ORDER_V2, "AVRO")))
    ok(refused(e) == denied("Write", "orders-value"),
       "client certificate: orders-value is not its subject: 403 40301", refused(e))
    got, e = call(lambda: client(cert="ops").get_subjects())
    ok(got == [], "a certificate the auth file does not name: an empty listing", got, e)
    _, e = call(lambda: client(cert="ops").register_schema("ci-events-value", Schema(ORDER, "AVRO")))
    ok(refused(e) == denied("Write", "ci-events-value"),
       "and its registration is 403 40301", refused(e))
    _, e = call(lambda: client(cert="stranger").get_subjects())
    ok(refused(e) == UNAUTHORIZED,
       "the same subject from a CA the registry does not trust: 401", refused(e))
    got, e = call(lambda: client("reader", cert="ci").get_subjects())
    ok(got == ["orders-value"], "Basic credentials with a certificate: the Basic user's listing", got, e)


basic()
mtls()
