"""tests/kafka/ktls.py: Kafka clients through a TLS gateway (issue #14).
Driven by tests/kafka/tls.sh; prints unnumbered TAP lines (kt_relay).

  ktls.py roundtrip GW BROKER TOPIC DIR    produce over TLS through the gateway,
                                           read back straight from the broker and
                                           through the gateway, byte for byte
  ktls.py refused GW DIR CERT|-            a client with this certificate (or none)
                                           is refused at the TLS handshake
  ktls.py validate GW BROKER REGISTRY DIR  a bad order is still rejected over TLS
  ktls.py certmap GW BROKER DIR PRINCIPAL1 PRINCIPAL2
                                           the certmap identity: DIR/client (user 1,
                                           may write `orders`) and DIR/payments
                                           (user 2, may write `payments`), with
                                           broker ACLs set here as the admin
  ktls.py scram GW BROKER CA               SASL_SSL with SCRAM-SHA-512 through a
                                           gateway in `--broker-identity sasl` mode:
                                           users alice (alice-secret) and bob
                                           (bob-secret), broker ACLs set here over
                                           BROKER (plaintext, a super user); CA
                                           is the gateway's CA file

DIR holds ca.crt (the gateway's CA) and client.crt/client.key. With
KT_BROKER_TLS=DIR2, the broker itself is reached over TLS with DIR2's ca.crt,
admin.crt and admin.key (reading back straight from it).
"""
import json
import os
import socket
import ssl
import struct
import sys
import time
import urllib.request


def ok(cond, desc):
    print("%s - %s" % ("ok" if cond else "not ok", desc))
    sys.stdout.flush()
    return cond


def diag(msg):
    for line in str(msg).splitlines():
        print("# " + line)


def tls_args(d, cert="client"):
    return {"security_protocol": "SSL", "ssl_cafile": os.path.join(d, "ca.crt"),
            "ssl_certfile": os.path.join(d, cert + ".crt"),
            "ssl_keyfile": os.path.join(d, cert + ".key")}


def broker_conf(broker):
    """confluent-kafka settings that reach the broker itself."""
    conf = {"bootstrap.servers": broker}
    d = os.environ.get("KT_BROKER_TLS")
    if d:
        conf.update({"security.protocol": "ssl", "ssl.ca.location": os.path.join(d, "ca.crt"),
                     "ssl.certificate.location": os.path.join(d, "admin.crt"),
                     "ssl.key.location": os.path.join(d, "admin.key")})
    return conf


def read_broker(broker, topic, want, timeout=30):
    """(key, value) of every record of partition 0 of `topic`, straight from the broker."""
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
    conf = broker_conf(broker)
    conf.update({"group.id": "kt-tls-reader-%f" % time.time(), "enable.auto.commit": False})
    c = Consumer(conf)
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    out = []
    end = time.time() + timeout
    while time.time() < end and len(out) < want:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        out.append((m.key(), m.value()))
    c.close()
    return out


def records(n):
    """Keys and values with every byte value in them, and an empty value."""
    out = []
    for i in range(n):
        value = bytes((i * 7 + j) % 256 for j in range(300 + i * 1000))
        out.append((b"k-%d" % i, value))
    out.append((b"empty", b""))
    return out


def roundtrip(gw, broker, topic, d):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    want = records(5)
    p = KafkaProducer(bootstrap_servers=[gw], acks="all", **tls_args(d))
    offsets = [p.send(topic, key=k, value=v, partition=0).get(timeout=30).offset
               for k, v in want]
    p.flush()
    p.close()
    ok(offsets == list(range(offsets[0], offsets[0] + len(want))),
       "kafka-python over TLS: %d records produced through the gateway (offsets %s)"
       % (len(want), offsets))
    got = read_broker(broker, topic, len(want))
    ok(got == want, "read straight from the broker: %d records, byte-identical" % len(want))
    if got != want:
        diag("got %d records" % len(got))
    c = KafkaConsumer(bootstrap_servers=[gw], enable_auto_commit=False,
                      consumer_timeout_ms=15000, **tls_args(d))
    c.assign([TopicPartition(topic, 0)])
    c.seek_to_beginning()
    back = []
    for m in c:
        back.append((m.key, m.value if m.value is not None else b""))
        if len(back) == len(want):
            break
    c.close()
    ok(back == want, "kafka-python over TLS consumes them back through the gateway "
       "(broker port), byte-identical")


def api_versions_frame():
    body = struct.pack(">hhi", 18, 0, 1) + struct.pack(">h", 4) + b"ktls"
    return struct.pack(">i", len(body)) + body


def refused(gw, d, cert):
    """A raw TLS client: with TLS 1.3 a refused certificate shows after the
    client's side of the handshake, so the check is that no answer comes."""
    host, port = gw.rsplit(":", 1)
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
    if cert != "-":
        ctx.load_cert_chain(cert + ".crt", cert + ".key")
    what = "no certificate" if cert == "-" else "%s.crt" % os.path.basename(cert)
    answer = b""
    why = ""
    try:
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname=host) as s:
                s.sendall(api_versions_frame())
                answer = s.recv(4)
                why = "closed" if not answer else "answered"
    except (ssl.SSLError, OSError) as e:
        why = "%s: %s" % (type(e).__name__, e)
    ok(answer == b"", "a client with %s is refused at the handshake (%s)" % (what, why))
    # And a real client gets nowhere either.
    from kafka import KafkaProducer
    from kafka.errors import KafkaError
    args = {"security_protocol": "SSL", "ssl_cafile": os.path.join(d, "ca.crt")}
    if cert != "-":
        args.update({"ssl_certfile": cert + ".crt", "ssl_keyfile": cert + ".key"})
    try:
        p = KafkaProducer(bootstrap_servers=[gw], max_block_ms=4000, api_version=(2, 8, 0),
                          **args)
        p.send("tls-refused", b"x").get(timeout=5)
        p.close()
        ok(False, "kafka-python with %s cannot produce" % what)
    except KafkaError as e:
        ok(True, "kafka-python with %s cannot produce (%s)" % (what, type(e).__name__))


def validate(gw, broker, reg, d):
    from kafka import KafkaProducer
    from kafka.errors import KafkaError
    schema = {"type": "object", "properties": {"order_id": {"type": "string"},
                                               "amount": {"type": "number"}},
              "required": ["order_id", "amount"]}
    body = json.dumps({"schemaType": "JSON", "schema": json.dumps(schema)}).encode()
    req = urllib.request.Request("%s/subjects/tls-orders-value/versions" % reg, data=body,
                                 headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
                                 method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        ok(r.status == 200, "tls-orders-value registered")
    p = KafkaProducer(bootstrap_servers=[gw], value_serializer=lambda v: json.dumps(v).encode(),
                      **tls_args(d))
    md = p.send("tls-orders", {"order_id": "t-1", "amount": 9.5}).get(timeout=30)
    ok(md.offset >= 0, "over TLS a valid order is accepted (offset %d)" % md.offset)
    try:
        p.send("tls-orders", {"order_id": "t-2", "amount": "abc"}).get(timeout=30)
        ok(False, "over TLS an order with a text amount is rejected")
    except KafkaError as e:
        ok(type(e).__name__ == "InvalidRecordError",
           "over TLS an order with a text amount is rejected (%s)" % type(e).__name__)
    p.close()
    got = read_broker(broker, "tls-orders", 1, timeout=10)
    ok([json.loads(v)["order_id"] for _, v in got] == ["t-1"],
       "only the valid order reached the broker")


def certmap(gw, broker, d, p1, p2):
    from confluent_kafka import KafkaError, Producer
    from confluent_kafka.admin import (AclBinding, AclOperation, AclPermissionType,
                                       AdminClient, NewTopic, ResourcePatternType,
                                       ResourceType)
    admin = AdminClient(broker_conf(broker))
    fs = admin.create_topics([NewTopic(t, 1, 1) for t in ("orders", "payments")])
    for t, f in fs.items():
        try:
            f.result(30)
        except Exception as e:  # already there
            diag("create %s: %s" % (t, e))
    acls = [AclBinding(ResourceType.TOPIC, topic, ResourcePatternType.LITERAL, principal, "*",
                       op, AclPermissionType.ALLOW)
            for principal, topic in (("User:" + p1, "orders"), ("User:" + p2, "payments"))
            for op in (AclOperation.WRITE, AclOperation.DESCRIBE)]
    done = True
    for f in admin.create_acls(acls).values():
        try:
            f.result(30)
        except Exception as e:
            done = False
            diag("create_acls: %s" % e)
    ok(done, "ACLs: %s may write orders, %s may write payments" % (p1, p2))
    time.sleep(1)

    def produce(cert, topic, value):
        conf = {"bootstrap.servers": gw, "security.protocol": "ssl",
                "ssl.ca.location": os.path.join(d, "ca.crt"),
                "ssl.certificate.location": os.path.join(d, cert + ".crt"),
                "ssl.key.location": os.path.join(d, cert + ".key"),
                "message.timeout.ms": 20000, "acks": "all"}
        res = []
        p = Producer(conf)
        p.produce(topic, value=value, partition=0, on_delivery=lambda e, m: res.append(e))
        p.flush(30)
        if not res:
            return "no delivery report"
        return None if res[0] is None else res[0].code()

    denied = KafkaError.TOPIC_AUTHORIZATION_FAILED
    for cert, user, mine, other in (("client", p1, "orders", "payments"),
                                    ("payments", p2, "payments", "orders")):
        got = produce(cert, mine, b"from " + cert.encode())
        ok(got is None, "through the gateway as %s: a record to %s is written (%s)"
           % (user, mine, got))
        got = produce(cert, other, b"denied " + cert.encode())
        ok(got == denied, "as %s: a record to %s gets TOPIC_AUTHORIZATION_FAILED (%s)"
           % (user, other, got))
    for topic, want in (("orders", b"from client"), ("payments", b"from payments")):
        got = [v for _, v in read_broker(broker, topic, 1, timeout=15)]
        ok(got == [want], "the broker's %s holds exactly %r" % (topic, want))


def sasl_conf(gw, ca, user, password):
    return {"bootstrap.servers": gw, "security.protocol": "sasl_ssl",
            "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": user,
            "sasl.password": password, "ssl.ca.location": ca}


def scram(gw, broker, ca):
    from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition, OFFSET_BEGINNING
    from confluent_kafka.admin import (AclBinding, AclOperation, AclPermissionType,
                                       AdminClient, NewTopic, ResourcePatternType,
                                       ResourceType)
    from kafka import KafkaConsumer, KafkaProducer
    from kafka import TopicPartition as KTopicPartition
    admin = AdminClient({"bootstrap.servers": broker})
    for t, f in admin.create_topics([NewTopic(t, 1, 1) for t in ("scram-orders", "scram-payments", "scram-java")]).items():
        try:
            f.result(30)
        except Exception as e:  # already there
            diag("create %s: %s" % (t, e))
    acls = [AclBinding(ResourceType.TOPIC, topic, ResourcePatternType.LITERAL, "User:" + user, "*",
                       op, AclPermissionType.ALLOW)
            for user, topic in (("alice", "scram-orders"), ("alice", "scram-java"),
                                ("bob", "scram-payments"))
            for op in (AclOperation.WRITE, AclOperation.READ, AclOperation.DESCRIBE)]
    done = True
    for f in admin.create_acls(acls).values():
        try:
            f.result(30)
        except Exception as e:
            done = False
            diag("create_acls: %s" % e)
    ok(done, "ACLs: User:alice may write and read scram-orders (and scram-java), User:bob scram-payments")
    time.sleep(1)

    def produce(user, password, topic, value, timeout_ms=15000):
        errors = []
        conf = sasl_conf(gw, ca, user, password)
        conf.update({"message.timeout.ms": timeout_ms, "acks": "all",
                     "error_cb": lambda e: errors.append(e)})
        res = []
        p = Producer(conf)
        p.produce(topic, value=value, partition=0, on_delivery=lambda e, m: res.append(e))
        p.flush(20)
        if not res:
            return "no delivery report", errors
        return (None if res[0] is None else res[0].code()), errors

    got, errs = produce("alice", "alice-secret", "scram-orders", b"alice-1")
    ok(got is None, "confluent-kafka SASL_SSL SCRAM-SHA-512 as alice: a record to scram-orders "
       "is written through the gateway (%s)" % got)
    if errs:
        diag("errors: %s" % [str(e) for e in errs])
    got, _ = produce("alice", "alice-secret", "scram-payments", b"alice-denied")
    ok(got == KafkaError.TOPIC_AUTHORIZATION_FAILED,
       "as alice: a record to scram-payments gets TOPIC_AUTHORIZATION_FAILED (%s)" % got)
    got, _ = produce("bob", "bob-secret", "scram-payments", b"bob-1")
    ok(got is None, "as bob: a record to scram-payments is written (%s)" % got)
    got, _ = produce("bob", "bob-secret", "scram-orders", b"bob-denied")
    ok(got == KafkaError.TOPIC_AUTHORIZATION_FAILED,
       "as bob: a record to scram-orders gets TOPIC_AUTHORIZATION_FAILED (%s)" % got)

    # The broker's own answer to a wrong password, relayed through the gateway.
    got, errs = produce("alice", "wrong-secret", "scram-orders", b"never", 4000)
    auth = [e for e in errs if e.code() == KafkaError._AUTHENTICATION]
    ok(got is not None and auth and "invalid credentials with SASL mechanism SCRAM-SHA-512" in auth[0].str(),
       "a wrong password: the broker's SASL authentication error (%s)"
       % (auth[0].str() if auth else [str(e) for e in errs]))
    got, errs = produce("mallory", "mallory-secret", "scram-orders", b"never", 4000)
    auth = [e for e in errs if e.code() == KafkaError._AUTHENTICATION]
    ok(got is not None and auth, "an unknown user: the same (%s)" % (auth[0].str() if auth else errs))

    # kafka-python too: produce and consume back through the gateway.
    kp = {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
          "sasl_plain_username": "alice", "sasl_plain_password": "alice-secret", "ssl_cafile": ca}
    p = KafkaProducer(bootstrap_servers=[gw], acks="all", **kp)
    md = p.send("scram-orders", value=b"alice-2", partition=0).get(timeout=30)
    p.close()
    ok(md.offset == 1, "kafka-python SASL_SSL SCRAM-SHA-512 as alice: written at offset %d" % md.offset)
    c = KafkaConsumer(bootstrap_servers=[gw], enable_auto_commit=False, consumer_timeout_ms=15000, **kp)
    c.assign([KTopicPartition("scram-orders", 0)])
    c.seek_to_beginning()
    back = []
    for m in c:
        back.append(m.value)
        if len(back) == 2:
            break
    c.close()
    ok(back == [b"alice-1", b"alice-2"], "kafka-python as alice consumes both back through the gateway (%s)" % back)

    conf = sasl_conf(gw, ca, "bob", "bob-secret")
    conf.update({"group.id": "kt-scram-%f" % time.time(), "enable.auto.commit": False})
    cons = Consumer(conf)
    cons.assign([TopicPartition("scram-payments", 0, OFFSET_BEGINNING)])
    got = []
    end = time.time() + 20
    while time.time() < end and not got:
        m = cons.poll(0.5)
        if m is not None and not m.error():
            got.append(m.value())
    cons.close()
    ok(got == [b"bob-1"], "confluent-kafka as bob consumes scram-payments through the gateway (%s)" % got)

    for topic, want in (("scram-orders", [b"alice-1", b"alice-2"]), ("scram-payments", [b"bob-1"])):
        got = [v for _, v in read_broker(broker, topic, len(want), timeout=15)]
        ok(got == want, "the broker's %s holds exactly %r" % (topic, want))


def main():
    mode = sys.argv[1]
    if mode == "roundtrip":
        roundtrip(*sys.argv[2:6])
    elif mode == "refused":
        refused(*sys.argv[2:5])
    elif mode == "validate":
        validate(*sys.argv[2:6])
    elif mode == "certmap":
        certmap(*sys.argv[2:7])
    elif mode == "scram":
        scram(*sys.argv[2:5])
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
