"""tests/clients/confluent_client.py: confluent-kafka-python's SchemaRegistryClient
and its Avro serializer, unchanged, against schemagate, subject aliases
included; then against a registry started with --auth-file, the serializer
with basic.auth.user.info.

Runs in the venv $SG_BUILDDIR/.venv made by tests/clients/setup-venv.sh: when
started by another interpreter it runs that script (a no-op when the venv is
current) and re-executes itself with the venv's python. It skips only when
the venv cannot be created. Prints TAP. Needs $SG_BIN; no Kafka broker.
"""
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time

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
        print("1..0 # SKIP cannot create the Python venv %s (%s exited %d)" % (venv, setup, rc))
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


def start_registry(tmp, *flags):
    log = open(os.path.join(tmp, "registry.log"), "w+")
    proc = subprocess.Popen(
        [os.environ["SG_BIN"], "registry", "--listen", "127.0.0.1:0",
         "--db", os.path.join(tmp, "client.db")] + list(flags),
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


ORDER_V1 = """{
  "type": "record", "name": "Order", "namespace": "shop.v1",
  "fields": [
    {"name": "id", "type": "long"},
    {"name": "customer", "type": "string"},
    {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
    {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID", "SHIPPED"]}},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "note", "type": ["null", "string"], "default": null}
  ]
}"""

# v2 adds a field with a default: BACKWARD compatible.
ORDER_V2 = ORDER_V1.replace(
    '{"name": "note", "type": ["null", "string"], "default": null}',
    '{"name": "note", "type": ["null", "string"], "default": null},\n'
    '    {"name": "channel", "type": "string", "default": "web"}')

# v3 adds a field without a default: not BACKWARD compatible.
ORDER_BAD = ORDER_V1.replace(
    '{"name": "note", "type": ["null", "string"], "default": null}',
    '{"name": "note", "type": ["null", "string"], "default": null},\n'
    '    {"name": "warehouse", "type": "string"}')


def run(base):
    import decimal
    import json

    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
    from confluent_kafka.schema_registry.error import SchemaRegistryError
    from confluent_kafka.serialization import MessageField, SerializationContext

    client = SchemaRegistryClient({"url": base})
    subject = "orders-value"

    sid = attempt("register_schema", lambda: client.register_schema(subject, Schema(ORDER_V1, "AVRO")))
    if sid is None:
        return
    ok(isinstance(sid, int) and sid > 0, "register_schema returns a positive id", sid)
    again = attempt("register again", lambda: client.register_schema(subject, Schema(ORDER_V1, "AVRO")))
    ok(again == sid, "registering the same schema again returns the same id", again, sid)

    # A fresh client has no cache: these go to the registry.
    fresh = SchemaRegistryClient({"url": base})
    got = attempt("get_schema", lambda: fresh.get_schema(sid))
    if got is not None:
        ok(got.schema_type in ("AVRO", None), "get_schema: type AVRO", got.schema_type)
        ok(json.loads(got.schema_str) == json.loads(ORDER_V1),
           "get_schema(id) returns the registered schema", got.schema_str)

    latest = attempt("get_latest_version", lambda: fresh.get_latest_version(subject))
    if latest is not None:
        ok(latest.schema_id == sid and latest.version == 1 and latest.subject == subject,
           "get_latest_version: id, version 1, subject",
           (latest.schema_id, latest.version, latest.subject))

    looked = attempt("lookup_schema", lambda: fresh.lookup_schema(subject, Schema(ORDER_V1, "AVRO")))
    if looked is not None:
        ok(looked.schema_id == sid and looked.version == 1, "lookup_schema finds it",
           (looked.schema_id, looked.version))

    subjects = attempt("get_subjects", fresh.get_subjects)
    ok(subjects is not None and subject in subjects, "get_subjects lists the subject", subjects)
    versions = attempt("get_versions", lambda: fresh.get_versions(subject))
    ok(versions == [1], "get_versions is [1]", versions)

    # Confluent 8: the full registration answer carries the GUID, which
    # finds the schema again; metadata finds the newest version that has it.
    from confluent_kafka.schema_registry import Metadata, MetadataProperties
    full = attempt("register_schema_full_response",
                   lambda: SchemaRegistryClient({"url": base}).register_schema_full_response(
                       subject, Schema(ORDER_V1, "AVRO")))
    if full is not None:
        ok(full.schema_id == sid and full.version == 1 and isinstance(full.guid, str)
           and len(full.guid) == 36, "register_schema_full_response: id, version 1 and a GUID",
           (full.schema_id, full.version, full.guid))
        by_guid = attempt("get_schema_by_guid", lambda: fresh.get_schema_by_guid(full.guid))
        ok(by_guid is not None and json.loads(by_guid.schema_str) == json.loads(ORDER_V1),
           "get_schema_by_guid returns the registered schema", by_guid)
    meta_subject = "orders-meta-value"
    owned = Schema('"string"', "AVRO", metadata=Metadata(None, MetadataProperties({"owner": "team-a"}), None))
    attempt("register with metadata", lambda: fresh.register_schema(meta_subject, owned))
    found = attempt("get_latest_with_metadata",
                    lambda: SchemaRegistryClient({"url": base}).get_latest_with_metadata(
                        meta_subject, {"owner": "team-a"}))
    ok(found is not None and found.version == 1 and found.subject == meta_subject,
       "get_latest_with_metadata finds the version with owner=team-a",
       found and (found.subject, found.version))
    missing = None
    try:
        SchemaRegistryClient({"url": base}).get_latest_with_metadata(meta_subject, {"owner": "team-z"})
    except SchemaRegistryError as e:
        missing = e
    ok(missing is not None and missing.http_status_code == 404 and missing.error_code == 40403,
       "get_latest_with_metadata with no match: 404, 40403", missing)

    compat = attempt("get_compatibility", fresh.get_compatibility)
    ok(compat == "BACKWARD", "global compatibility defaults to BACKWARD", compat)
    yes = attempt("test_compatibility v2", lambda: fresh.test_compatibility(subject, Schema(ORDER_V2, "AVRO")))
    ok(yes is True, "test_compatibility: a field added with a default is compatible", yes)
    no = attempt("test_compatibility bad", lambda: fresh.test_compatibility(subject, Schema(ORDER_BAD, "AVRO")))
    ok(no is False, "test_compatibility: a field added without a default is not", no)
    try:
        fresh.register_schema(subject, Schema(ORDER_BAD, "AVRO"))
        ok(False, "registering an incompatible schema fails with 409")
    except SchemaRegistryError as e:
        ok(e.http_status_code == 409, "registering an incompatible schema fails with 409",
           e.http_status_code, e.error_code, e.error_message)

    try:
        fresh.get_schema(987654)
        ok(False, "get_schema of an unknown id raises 40403")
    except SchemaRegistryError as e:
        ok(e.http_status_code == 404 and e.error_code == 40403,
           "get_schema of an unknown id raises 40403", e.http_status_code, e.error_code)

    # The serializer round trip, Confluent wire format, no broker.
    ctx = SerializationContext("orders", MessageField.VALUE)
    ser = AvroSerializer(client, ORDER_V2, conf={"auto.register.schemas": True})
    order = {"id": 42, "customer": "Ada", "amount": decimal.Decimal("19.99"), "status": "PAID",
             "tags": ["gift", "express"], "note": None, "channel": "app"}
    data = attempt("AvroSerializer serializes", lambda: ser(order, ctx))
    if data is None:
        return
    ok(len(data) > 5 and data[0] == 0, "serialized bytes start with magic byte 0", data[:8])
    v2_id = struct.unpack(">I", data[1:5])[0]
    # A new client again: `fresh` caches the latest version it saw.
    v2 = attempt("get_latest_version after auto-register",
                 lambda: SchemaRegistryClient({"url": base}).get_latest_version(subject))
    ok(v2 is not None and v2.version == 2 and v2.schema_id == v2_id,
       "the serializer auto-registered v2 and framed its id",
       (v2_id, v2 and v2.version, v2 and v2.schema_id))
    ok(v2_id != sid, "v2 has a new id", v2_id, sid)

    de = AvroDeserializer(SchemaRegistryClient({"url": base}))
    back = attempt("AvroDeserializer deserializes", lambda: de(data, ctx))
    ok(back == order, "deserialized record equals the original", back, order)

    # A reader on v1 reads v2 data (schema resolution through the registry's writer schema).
    de_v1 = AvroDeserializer(SchemaRegistryClient({"url": base}), ORDER_V1)
    back1 = attempt("AvroDeserializer with a v1 reader", lambda: de_v1(data, ctx))
    want1 = dict(order)
    del want1["channel"]
    ok(back1 == want1, "a v1 reader gets the record without the v2 field", back1)

    # use.latest.version: no registration, the latest version's id.
    ser_latest = AvroSerializer(SchemaRegistryClient({"url": base}), None,
                                conf={"auto.register.schemas": False, "use.latest.version": True})
    data2 = attempt("serializer with use.latest.version", lambda: ser_latest(order, ctx))
    ok(data2 is not None and struct.unpack(">I", data2[1:5])[0] == v2_id,
       "use.latest.version frames the latest id", data2 and data2[:5])

    deleted = attempt("delete_subject", lambda: fresh.delete_subject(subject))
    ok(deleted == [1, 2], "delete_subject returns the versions deleted", deleted)


def run_aliases(base):
    """Subject aliases (Confluent 8.1's AliasFilter) as the client meets them.
    confluent-kafka-python 2.16's ServerConfig has no "alias" field (set_config
    would drop it), so the alias is set by a plain PUT /config/{subject}; the
    rest goes through the client's public calls and its serializer."""
    import json
    import urllib.request

    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    client = SchemaRegistryClient({"url": base})
    target, alias = "payments-value", "pay-value"
    pid = attempt("aliases: register the target", lambda: client.register_schema(target, Schema('"long"', "AVRO")))
    req = urllib.request.Request(base + "/config/" + alias, data=json.dumps({"alias": target}).encode(),
                                 method="PUT", headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    with urllib.request.urlopen(req) as resp:
        ok(json.loads(resp.read()) == {"alias": target}, "aliases: PUT /config/%s sets the alias" % alias)
    cfg = attempt("aliases: get_config of the alias", lambda: SchemaRegistryClient({"url": base}).get_config(alias))
    ok(cfg is not None, "aliases: get_config parses a config holding an alias", cfg)

    latest = attempt("aliases: get_latest_version",
                     lambda: SchemaRegistryClient({"url": base}).get_latest_version(alias))
    ok(latest is not None and (latest.subject, latest.version, latest.schema_id) == (target, 1, pid),
       "aliases: get_latest_version of the alias answers the target's version",
       latest and (latest.subject, latest.version, latest.schema_id))
    looked = attempt("aliases: lookup_schema",
                     lambda: SchemaRegistryClient({"url": base}).lookup_schema(alias, Schema('"long"', "AVRO")))
    ok(looked is not None and (looked.subject, looked.schema_id) == (target, pid),
       "aliases: lookup_schema under the alias finds the target's version",
       looked and (looked.subject, looked.schema_id))
    again = attempt("aliases: register_schema", lambda: SchemaRegistryClient({"url": base}).register_schema(
        alias, Schema('"long"', "AVRO")))
    ok(again == pid, "aliases: registering under the alias answers the target's id", again, pid)
    subjects = attempt("aliases: get_subjects", SchemaRegistryClient({"url": base}).get_subjects) or []
    ok(target in subjects and alias not in subjects, "aliases: the alias holds no versions of its own", subjects)
    versions = attempt("aliases: get_versions", lambda: SchemaRegistryClient({"url": base}).get_versions(alias))
    ok(versions == [1], "aliases: get_versions of the alias are the target's", versions)

    # The serializer names the subject from the topic ("pay" -> "pay-value").
    ser = AvroSerializer(SchemaRegistryClient({"url": base}), None,
                         conf={"auto.register.schemas": False, "use.latest.version": True})
    data = attempt("aliases: serializer on the alias subject",
                   lambda: ser(7, SerializationContext("pay", MessageField.VALUE)))
    ok(data is not None and data[0] == 0 and struct.unpack(">I", data[1:5])[0] == pid,
       "aliases: use.latest.version on the alias subject frames the target's id", data and data[:5])


def run_contexts(base):
    """Confluent 8.1's contexts as confluent-kafka-python meets them: a
    qualified subject ":.ctx:orders-value" through the plain client, the same
    subject through a client whose URL ends in /contexts/.ctx (ContextFilter
    qualifies it), both checked against each other; ids per context (run()
    registered ORDER_V1 as id 1 of the default context, here ORDER_V2 comes
    first and is id 1 of .ctx); the serializer and deserializer with a
    subject.name.strategy that returns the qualified subject."""
    import decimal
    import json

    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    qualified = ":.ctx:orders-value"
    plain = SchemaRegistryClient({"url": base})
    scoped = SchemaRegistryClient({"url": base + "/contexts/.ctx"})

    v2 = attempt("contexts: register ORDER_V2 under %s" % qualified,
                 lambda: plain.register_schema(qualified, Schema(ORDER_V2, "AVRO")))
    ok(v2 == 1, "contexts: the context's ids start at 1", v2)
    v1 = attempt("contexts: register ORDER_V1 through /contexts/.ctx",
                 lambda: scoped.register_schema("orders-value", Schema(ORDER_V1, "AVRO")))
    ok(v1 == 2, "contexts: the next id of .ctx, not the default context's", v1)
    again = attempt("contexts: register ORDER_V1 under the qualified subject",
                    lambda: SchemaRegistryClient({"url": base}).register_schema(qualified, Schema(ORDER_V1, "AVRO")))
    ok(again == v1, "contexts: the qualified subject and the URL prefix are the same subject", again, v1)

    a = attempt("contexts: get_latest_version(%s)" % qualified,
                lambda: SchemaRegistryClient({"url": base}).get_latest_version(qualified))
    b = attempt("contexts: get_latest_version through /contexts/.ctx",
                lambda: SchemaRegistryClient({"url": base + "/contexts/.ctx"}).get_latest_version("orders-value"))
    ok(a is not None and (a.subject, a.version, a.schema_id) == (qualified, 2, v1),
       "contexts: the latest version names the qualified subject", a and (a.subject, a.version, a.schema_id))
    ok(a is not None and b is not None and (a.subject, a.version, a.schema_id, a.schema.schema_str)
       == (b.subject, b.version, b.schema_id, b.schema.schema_str),
       "contexts: both clients read the same latest version",
       a and (a.subject, a.version, a.schema_id), b and (b.subject, b.version, b.schema_id))
    versions = attempt("contexts: get_versions through /contexts/.ctx",
                       lambda: SchemaRegistryClient({"url": base + "/contexts/.ctx"}).get_versions("orders-value"))
    ok(versions == [1, 2], "contexts: the context's versions", versions)

    by_subject = attempt("contexts: get_schema(1, subject_name=%s)" % qualified,
                         lambda: SchemaRegistryClient({"url": base}).get_schema(1, subject_name=qualified))
    by_prefix = attempt("contexts: get_schema(1) through /contexts/.ctx",
                        lambda: SchemaRegistryClient({"url": base + "/contexts/.ctx"}).get_schema(1))
    default = attempt("contexts: get_schema(1) of the default context",
                      lambda: SchemaRegistryClient({"url": base}).get_schema(1))
    ok(by_subject is not None and json.loads(by_subject.schema_str) == json.loads(ORDER_V2),
       "contexts: id 1 with the qualified subject is .ctx's ORDER_V2", by_subject and by_subject.schema_str)
    ok(by_prefix is not None and by_subject is not None and by_prefix.schema_str == by_subject.schema_str,
       "contexts: the same through /contexts/.ctx", by_prefix and by_prefix.schema_str)
    ok(default is not None and json.loads(default.schema_str) == json.loads(ORDER_V1),
       "contexts: id 1 alone is still the default context's ORDER_V1", default and default.schema_str)

    looked = attempt("contexts: lookup_schema through /contexts/.ctx",
                     lambda: SchemaRegistryClient({"url": base + "/contexts/.ctx"}).lookup_schema(
                         "orders-value", Schema(ORDER_V2, "AVRO")))
    ok(looked is not None and (looked.subject, looked.version, looked.schema_id) == (qualified, 1, v2),
       "contexts: lookup_schema answers the qualified subject", looked and (looked.subject, looked.schema_id))
    subjects = attempt("contexts: get_subjects through /contexts/.ctx",
                       SchemaRegistryClient({"url": base + "/contexts/.ctx"}).get_subjects)
    ok(subjects == [qualified], "contexts: the context lists its own subjects", subjects)
    listed = attempt("contexts: get_subjects", SchemaRegistryClient({"url": base}).get_subjects) or []
    ok(qualified in listed and "payments-value" in listed, "contexts: GET /subjects lists every context", listed)

    # The serializer names the subject through the strategy; the deserializer
    # asks for the id with that subject (GET /schemas/ids/2?subject=...).
    strategy = (lambda ctx, record_name: qualified)
    ser = AvroSerializer(SchemaRegistryClient({"url": base}), ORDER_V1,
                         conf={"auto.register.schemas": False, "subject.name.strategy": strategy})
    order = {"id": 7, "customer": "ada", "amount": decimal.Decimal("12.50"), "status": "PAID",
             "tags": ["ctx"], "note": None}
    field = SerializationContext("orders", MessageField.VALUE)
    data = attempt("contexts: serialize to %s" % qualified, lambda: ser(order, field))
    ok(data is not None and data[0] == 0 and struct.unpack(">I", data[1:5])[0] == v1,
       "contexts: the frame carries the id of .ctx", data and data[:5])
    if data is not None:
        des = AvroDeserializer(SchemaRegistryClient({"url": base}), conf={"subject.name.strategy": strategy})
        back = attempt("contexts: deserialize with the strategy", lambda: des(data, field))
        ok(back == order, "contexts: the deserializer reads the record back through ?subject=", back)
        des2 = AvroDeserializer(SchemaRegistryClient({"url": base + "/contexts/.ctx"}))
        back2 = attempt("contexts: deserialize through /contexts/.ctx", lambda: des2(data, field))
        ok(back2 == order, "contexts: and through the context's URL", back2)


def auth_file(tmp):
    """An auth file whose user ci (password ci-pw) may write orders-*."""
    import json
    entry = subprocess.run([os.environ["SG_BIN"], "passwd", "ci"], input=b"ci-pw\n",
                           stdout=subprocess.PIPE, check=True).stdout
    path = os.path.join(tmp, "auth.json")
    with open(path, "w") as f:
        json.dump({"users": [json.loads(entry)],
                   "permissions": [{"username": "ci", "operation": "Write",
                                    "resource": "Subject:orders-.*"}]}, f)
    return path


def run_auth(base):
    """The serializer and the client with basic.auth.user.info, against --auth-file."""
    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
    from confluent_kafka.schema_registry.error import SchemaRegistryError
    from confluent_kafka.serialization import MessageField, SerializationContext

    def client(user_info=None):
        conf = {"url": base}
        if user_info:
            conf["basic.auth.user.info"] = user_info
        return SchemaRegistryClient(conf)

    def status(fn):
        try:
            fn()
            return None
        except SchemaRegistryError as e:
            return (e.http_status_code, e.error_code)

    schema = Schema('{"type":"record","name":"Ping","fields":[{"name":"n","type":"long"}]}', "AVRO")
    ci = client("ci:ci-pw")
    ctx = SerializationContext("orders", MessageField.VALUE)
    ser = AvroSerializer(ci, schema.schema_str)
    data = attempt("auth: the serializer with basic.auth.user.info", lambda: ser({"n": 7}, ctx))
    ok(data is not None and data[0] == 0, "auth: it registers orders-value and frames the record",
       data and data[:5])
    de = AvroDeserializer(ci)
    back = data and attempt("auth: the deserializer", lambda: de(data, ctx))
    ok(back == {"n": 7}, "auth: the deserializer reads it back through the registry", back)
    got = status(lambda: client().get_subjects())
    ok(got == (401, 401), "auth: no credentials: 401", got)
    got = status(lambda: client("ci:wrong").get_subjects())
    ok(got == (401, 401), "auth: a wrong password: 401", got)
    got = status(lambda: ci.register_schema("payments-value", schema))
    ok(got == (403, 40301), "auth: a subject ci may not write: 403 40301", got)
    subjects = attempt("auth: get_subjects", lambda: ci.get_subjects())
    ok(subjects == ["orders-value"], "auth: ci lists what it may read", subjects)


def run_with_auth(tmp):
    """Starts a registry with --auth-file (a database of its own), runs
    run_auth() against it, and stops it."""
    where = os.path.join(tmp, "auth")
    os.mkdir(where)
    proc, base, log = start_registry(where, "--auth-file", auth_file(where))
    try:
        run_auth(base)
    finally:
        proc.terminate()
        rc = proc.wait(timeout=15)  # a registry that hangs fails the test
        log.seek(0)
        ok(rc == 0, "auth: the registry exits 0 on SIGTERM", "exit: %s" % rc, log.read())
        log.close()


def main():
    if not os.environ.get("SG_BIN"):
        print("Bail out! SG_BIN is not set")
        return 1
    tmp = tempfile.mkdtemp(prefix="sg-client.")
    proc, base, log = start_registry(tmp)
    try:
        run(base)
        run_aliases(base)
        run_contexts(base)
        run_with_auth(tmp)
    except Exception as e:
        import traceback
        ok(False, "the client test ran to its end", traceback.format_exc())
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = "timeout"
        log.seek(0)
        ok(rc == 0, "registry exits 0 on SIGTERM", "exit: %s" % rc, log.read())
        log.close()
        subprocess.call(["rm", "-rf", tmp])
    print("1..%d" % _n)
    return 1 if _failed else 0


if __name__ == "__main__":
    sys.exit(main())
