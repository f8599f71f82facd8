#!/usr/bin/env python3
"""tests/kafka/kwire.py: raw Kafka wire checks of the gateway, standard
library only. Speaks the protocol byte by byte (layouts from apache/kafka
clients/src/main/resources/common/message/*.json) so that each version of
each rewritten API is exercised, not only the one a client library picks.

Prints unnumbered TAP lines ("ok - ...", "not ok - ...", "# ...") that
tests/kafka/lib.sh renumbers. Subcommands:

  versions GATEWAY BROKER           ApiVersions v0-v4: the intersection
  addresses GATEWAY HOST BASE IDS   Metadata v0-v13, FindCoordinator v0-v6,
                                    DescribeCluster v0-v2: every address is
                                    HOST:BASE+id (IDS: comma-separated)
  pipeline GATEWAY TOPIC            pipelined requests, acks=0, order
  badinput GATEWAY LOGFILE          bad frames close one connection with a
                                    log line; another connection keeps working
  ports GATEWAY BROKER BASE TOPIC   Produce to each partition on each node's
                                    port: only the leader's port accepts it
  backpressure GATEWAY PID TOPIC    a client that stops reading big Fetch
                                    responses does not grow the gateway
  slowbroker GWRUN                  a broker that stops reading does not
                                    either (a fake broker; starts its own gwrun)
"""
import subprocess
import threading
import os
import socket
import struct
import sys
import time

FAILED = 0


def ok(cond, what):
    global FAILED
    print(("ok - " if cond else "not ok - ") + what, flush=True)
    if not cond:
        FAILED += 1
    return cond


def diag(s):
    print("# " + str(s), flush=True)


# Encoding.
def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)


def uvarint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def varint(v):
    return uvarint((v << 1) ^ (v >> 63) if v < 0 else v << 1)


def string(s):
    if s is None:
        return i16(-1)
    b = s.encode() if isinstance(s, str) else s
    return i16(len(b)) + b


def cstring(s):
    if s is None:
        return uvarint(0)
    b = s.encode() if isinstance(s, str) else s
    return uvarint(len(b) + 1) + b


NOTAGS = b"\x00"

# First flexible version of the APIs used here.
FLEX = {0: 9, 3: 9, 10: 3, 18: 3, 60: 0}


def request(key, version, cid, body, client_id="kwire"):
    flex = version >= FLEX.get(key, 1 << 30)
    hdr = i16(key) + i16(version) + i32(cid) + string(client_id)
    if flex:
        hdr += NOTAGS
    return hdr + body


def frame(payload):
    return i32(len(payload)) + payload


class Reader:
    def __init__(self, b):
        self.b, self.p = b, 0

    def take(self, n):
        if self.p + n > len(self.b):
            raise ValueError("truncated at %d" % self.p)
        v = self.b[self.p:self.p + n]
        self.p += n
        return v

    def i8(self): return struct.unpack(">b", self.take(1))[0]
    def i16(self): return struct.unpack(">h", self.take(2))[0]
    def i32(self): return struct.unpack(">i", self.take(4))[0]
    def i64(self): return struct.unpack(">q", self.take(8))[0]

    def uvarint(self):
        v = s = 0
        while True:
            b = self.take(1)[0]
            v |= (b & 0x7F) << s
            s += 7
            if not b & 0x80:
                return v

    def string(self, flex):
        if flex:
            n = self.uvarint() - 1
        else:
            n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def array(self, flex):
        n = self.uvarint() - 1 if flex else self.i32()
        return max(n, 0)

    def tags(self, flex):
        if flex:
            for _ in range(self.uvarint()):
                self.uvarint()
                self.take(self.uvarint())

    def rest(self):
        return len(self.b) - self.p


class Conn:
    def __init__(self, addr, timeout=15):
        h, p = addr.rsplit(":", 1)
        self.s = socket.create_connection((h, int(p)), timeout=timeout)
        self.cid = 0

    def send(self, key, version, body):
        self.cid += 1
        self.s.sendall(frame(request(key, version, self.cid, body)))
        return self.cid

    def recv_frame(self):
        n = struct.unpack(">i", self.recv_exact(4))[0]
        return self.recv_exact(n)

    def recv_exact(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                raise EOFError("connection closed")
            b += c
        return b

    def call(self, key, version, body):
        cid = self.send(key, version, body)
        resp = self.recv_frame()
        r = Reader(resp)
        got = r.i32()
        if got != cid:
            raise ValueError("correlation id %d, want %d" % (got, cid))
        # Response header v1 (tags) for flexible versions, but never for ApiVersions.
        if key != 18 and version >= FLEX.get(key, 1 << 30):
            r.tags(True)
        return r

    def close(self):
        self.s.close()


# Request bodies.
def api_versions_body(v):
    if v >= 3:
        return cstring("kwire") + cstring("1.0") + NOTAGS
    return b""


def parse_api_versions(r, v):
    flex = v >= 3
    err = r.i16()
    if err == 35 and v > 0 and r.rest() > 0:
        pass
    keys = {}
    for _ in range(r.array(flex)):
        k, lo, hi = r.i16(), r.i16(), r.i16()
        r.tags(flex)
        keys[k] = (lo, hi)
    return err, keys


def metadata_body(v):
    flex = v >= 9
    b = b""
    if v == 0:
        b += i32(0)                       # empty array: all topics
    else:
        b += uvarint(0) if flex else i32(-1)  # null: all topics
    if v >= 4:
        b += i8(1)                        # allow_auto_topic_creation
    if 8 <= v <= 10:
        b += i8(0)                        # include_cluster_authorized_operations
    if v >= 8:
        b += i8(0)                        # include_topic_authorized_operations
    if flex:
        b += NOTAGS
    return b


def metadata_topic_body(v, topic):
    flex = v >= 9
    b = b""
    if flex:
        b += uvarint(2)
        if v >= 10:
            b += b"\x00" * 16
        b += cstring(topic) + NOTAGS
    else:
        b += i32(1) + string(topic)
    if v >= 4:
        b += i8(1)
    if 8 <= v <= 10:
        b += i8(0)
    if v >= 8:
        b += i8(0)
    if flex:
        b += NOTAGS
    return b


def parse_metadata(r, v):
    """Returns (brokers {id: (host, port)}, topics {name: {partition: leader}})."""
    flex = v >= 9
    if v >= 3:
        r.i32()
    brokers = {}
    for _ in range(r.array(flex)):
        nid = r.i32()
        host = r.string(flex)
        port = r.i32()
        if v >= 1:
            r.string(flex)
        r.tags(flex)
        brokers[nid] = (host, port)
    if v >= 2:
        r.string(flex)
    if v >= 1:
        r.i32()
    topics = {}
    for _ in range(r.array(flex)):
        r.i16()
        name = r.string(flex)
        if v >= 10:
            r.take(16)
        if v >= 1:
            r.i8()
        parts = {}
        for _ in range(r.array(flex)):
            r.i16()
            idx = r.i32()
            leader = r.i32()
            if v >= 7:
                r.i32()
            for _ in range(r.array(flex)):
                r.i32()
            for _ in range(r.array(flex)):
                r.i32()
            if v >= 5:
                for _ in range(r.array(flex)):
                    r.i32()
            r.tags(flex)
            parts[idx] = leader
        if v >= 8:
            r.i32()
        r.tags(flex)
        topics[name] = parts
    return brokers, topics


def find_coordinator_body(v, key):
    flex = v >= 3
    if v <= 3:
        b = (cstring(key) if flex else string(key))
        if v >= 1:
            b += i8(0)                    # key_type: group
    else:
        b = i8(0) + uvarint(2) + cstring(key)
    if flex:
        b += NOTAGS
    return b


def parse_find_coordinator(r, v):
    """Returns a list of (error, node_id, host, port)."""
    flex = v >= 3
    if v >= 1:
        r.i32()
    if v <= 3:
        err = r.i16()
        if v >= 1:
            r.string(flex)
        nid, host, port = r.i32(), r.string(flex), r.i32()
        return [(err, nid, host, port)]
    out = []
    for _ in range(r.array(True)):
        r.string(True)
        nid, host, port = r.i32(), r.string(True), r.i32()
        err = r.i16()
        r.string(True)
        r.tags(True)
        out.append((err, nid, host, port))
    return out


def describe_cluster_body(v):
    b = i8(0)
    if v >= 1:
        b += i8(1)
    if v >= 2:
        b += i8(0)
    return b + NOTAGS


def parse_describe_cluster(r, v):
    r.i32()
    err = r.i16()
    r.string(True)
    if v >= 1:
        r.i8()
    r.string(True)
    r.i32()
    brokers = {}
    for _ in range(r.array(True)):
        nid, host, port = r.i32(), r.string(True), r.i32()
        r.string(True)
        if v >= 2:
            r.i8()
        r.tags(True)
        brokers[nid] = (host, port)
    return err, brokers


# A record batch (magic 2) with one record, for raw Produce requests.
def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_CRC = _crc32c_table()


def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = _CRC[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def record_batch(value, key=b"k"):
    body = i8(0) + varint(0) + varint(0) + varint(len(key)) + key + varint(len(value)) + value + varint(0)
    rec = varint(len(body)) + body
    after_crc = (i16(0) + i32(0) + i64(int(time.time() * 1000)) * 2 + i64(-1) + i16(-1) + i32(-1)
                 + i32(1) + rec)
    crc = struct.pack(">I", crc32c(after_crc))
    part = i32(0) + i8(2) + crc + after_crc   # partition leader epoch, magic, crc
    return i64(0) + i32(len(part)) + part


def produce_body(v, topic, partition, acks, value):
    flex = v >= 9
    batch = record_batch(value)
    if flex:
        b = cstring(None) + i16(acks) + i32(10000) + uvarint(2) + cstring(topic) + uvarint(2) + i32(partition)
        b += uvarint(len(batch) + 1) + batch + NOTAGS + NOTAGS + NOTAGS
    else:
        b = string(None) + i16(acks) + i32(10000) + i32(1) + string(topic) + i32(1) + i32(partition)
        b += i32(len(batch)) + batch
    return b


def parse_produce_error(r, v):
    flex = v >= 9
    errs = []
    for _ in range(r.array(flex)):
        r.string(flex)
        for _ in range(r.array(flex)):
            r.i32()
            errs.append(r.i16())
            r.i64()
            if v >= 2:
                r.i64()
            if v >= 5:
                r.i64()
            if v >= 8:
                for _ in range(r.array(flex)):
                    r.i32()
                    r.string(flex)
                    r.tags(flex)
                r.string(flex)
            r.tags(flex)
        r.tags(flex)
    return errs


# Subcommands.
def cmd_versions(gw, broker):
    gwc, brc = Conn(gw), Conn(broker)
    for v in range(0, 5):
        _, gk = parse_api_versions(gwc.call(18, v, api_versions_body(v)), v)
        _, bk = parse_api_versions(brc.call(18, v, api_versions_body(v)), v)
        caps = {0: 12, 1: 18, 3: 13, 10: 6, 18: 4, 55: 1, 60: 2}
        want = {}
        for k, (lo, hi) in bk.items():
            if k in (78, 79):
                continue
            if k in caps:
                hi = min(hi, caps[k])
            if lo <= hi:
                want[k] = (lo, hi)
        if not ok(gk == want, "ApiVersions v%d through the gateway is the intersection (%d APIs)" % (v, len(gk))):
            for k in sorted(set(gk) | set(want)):
                if gk.get(k) != want.get(k):
                    diag("  key %d: got %s want %s" % (k, gk.get(k), want.get(k)))
        if v == 4:
            ok(bk.get(0, (0, 0))[1] >= 13 and gk.get(0) == (bk[0][0], 12),
               "Produce is capped at v12 (the broker offers up to v%d)" % bk.get(0, (0, 0))[1])
            ok(78 not in gk and 79 not in gk, "ShareFetch and ShareAcknowledge are not offered")
    # A version above the gateway's: answered by the gateway itself, v0 layout.
    cid = gwc.send(18, 9, api_versions_body(9))
    r = Reader(gwc.recv_frame())
    got_cid = r.i32()
    err, keys = parse_api_versions(r, 0)
    ok(got_cid == cid and err == 35 and keys == {18: (0, 4)},
       "ApiVersions v9 gets UNSUPPORTED_VERSION with the gateway's range (v0 layout)")
    _, keys = parse_api_versions(gwc.call(18, 3, api_versions_body(3)), 3)
    ok(18 in keys, "the connection still works after it")
    gwc.close()
    brc.close()
    return 0


def cmd_addresses(gw, host, base, ids):
    base = int(base)
    ids = sorted(int(x) for x in ids.split(","))
    want = {i: (host, base + i) for i in ids}
    c = Conn(gw)
    for v in range(0, 14):
        try:
            brokers, _ = parse_metadata(c.call(3, v, metadata_body(v)), v)
        except Exception as e:
            ok(False, "Metadata v%d: %s" % (v, e))
            c = Conn(gw)
            continue
        if not ok(brokers == want, "Metadata v%d lists every broker at the gateway" % v):
            diag("  got %s want %s" % (brokers, want))
    for v in range(0, 7):
        deadline = time.time() + 20
        while True:
            res = parse_find_coordinator(c.call(10, v, find_coordinator_body(v, "kwire-group")), v)
            if all(e == 0 for e, _, _, _ in res) or time.time() > deadline:
                break
            time.sleep(0.3)
        good = len(res) == 1 and res[0][0] == 0 and (res[0][2], res[0][3]) == want.get(res[0][1])
        if not ok(good, "FindCoordinator v%d (%s layout) names the coordinator at the gateway"
                  % (v, "old" if v <= 3 else "coordinators array")):
            diag("  got %s" % res)
    for v in range(0, 3):
        err, brokers = parse_describe_cluster(c.call(60, v, describe_cluster_body(v)), v)
        if not ok(err == 0 and brokers == want, "DescribeCluster v%d lists every broker at the gateway" % v):
            diag("  got %s %s" % (err, brokers))
    c.close()
    return 0


def ensure_topic(c, topic):
    """Creates `topic` through a Metadata request and waits for its leader."""
    deadline = time.time() + 20
    while time.time() < deadline:
        _, topics = parse_metadata(c.call(3, 9, metadata_topic_body(9, topic)), 9)
        if topics.get(topic) and all(l >= 0 for l in topics[topic].values()):
            return
        time.sleep(0.3)


def cmd_pipeline(gw, topic):
    c = Conn(gw)
    ensure_topic(c, topic)
    batch = b""
    plan = []          # (cid, key, version, expects a response)
    reqs = [(18, 3, api_versions_body(3), True),
            (3, 12, metadata_topic_body(12, topic), True),
            (0, 9, produce_body(9, topic, 0, 0, b"acks-zero-1"), False),
            (3, 1, metadata_body(1), True),
            (0, 9, produce_body(9, topic, 0, 1, b"acks-one"), True),
            (0, 3, produce_body(3, topic, 0, 0, b"acks-zero-2"), False),
            (18, 9, b"", True),
            (60, 0, describe_cluster_body(0), True)] * 8
    for key, v, body, resp in reqs:
        c.cid += 1
        batch += frame(request(key, v, c.cid, body))
        plan.append((c.cid, key, v, resp))
    c.s.sendall(batch)
    want = [cid for cid, _, _, resp in plan if resp]
    got = []
    try:
        for _ in want:
            got.append(struct.unpack(">i", c.recv_frame()[:4])[0])
    except Exception as e:
        diag("  %s after %d responses" % (e, len(got)))
    ok(got == want, "%d pipelined requests: %d responses in request order, none for acks=0"
       % (len(plan), len(want)))
    c.s.settimeout(1.0)
    try:
        extra = c.s.recv(1)
        ok(extra == b"", "no extra response arrives")
    except socket.timeout:
        ok(True, "no extra response arrives")
    c.close()
    return 0


def log_lines(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().splitlines()
    except OSError:
        return []


def closed_by_peer(s, timeout=10):
    s.settimeout(timeout)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def cmd_badinput(gw, logfile):
    healthy = Conn(gw)
    healthy.call(18, 3, api_versions_body(3))
    h, p = gw.rsplit(":", 1)
    ok_hdr = request(3, 1, 1, metadata_body(1))
    cases = [
        ("truncated frame: client leaves mid-request", i32(100) + ok_hdr[:10], "mid-request", True),
        ("client disconnects after a length prefix only", i32(64), "mid-request", True),
        ("frame over the limit", i32(0x40000000) + b"x" * 64, "over the limit", False),
        ("negative frame length", i32(-5) + b"x" * 8, "negative frame length", False),
        ("header shorter than its fixed fields", frame(b"\x00\x03\x00"), "bad request", False),
        ("client id longer than the frame", frame(i16(3) + i16(1) + i32(1) + i16(500) + b"abc"),
         "bad request", False),
        ("bad varint in the header's tagged fields",
         frame(i16(3) + i16(12) + i32(1) + string("c") + b"\xff\xff\xff\xff\xff\xff"), "varint", False),
        ("negative API version", frame(i16(3) + i16(-2) + i32(1) + string("c")), "bad request", False),
        ("Produce v13 (above the gateway's cap)",
         frame(i16(0) + i16(13) + i32(1) + string("c") + NOTAGS + cstring(None) + i16(1)),
         "not offered", False),
        ("ShareFetch (not offered)", frame(i16(78) + i16(1) + i32(1) + string("c") + NOTAGS),
         "not offered", False),
        ("SaslHandshake v0 (raw SASL tokens would follow)",
         frame(i16(17) + i16(0) + i32(1) + string("c") + string("PLAIN")), "SaslHandshake v0", False),
        ("Produce header cut before acks", frame(i16(0) + i16(9) + i32(1) + string("c") + NOTAGS + cstring("tx")),
         "Produce request", False),
    ]
    for name, data, needle, half_close in cases:
        before = len(log_lines(logfile))
        s = socket.create_connection((h, int(p)), timeout=10)
        s.sendall(data)
        if half_close:
            s.close()
            closed = True
        else:
            closed = closed_by_peer(s)
            s.close()
        new = []
        deadline = time.time() + 5
        while time.time() < deadline:
            new = log_lines(logfile)[before:]
            if any(needle in line for line in new):
                break
            time.sleep(0.05)
        logged = any(needle in line for line in new)
        ok(closed and logged, "%s: the gateway closes that connection and logs it" % name)
        if not logged:
            diag("  new log lines: %s" % new)
        try:
            healthy.call(3, 1, metadata_body(1))
            alive = True
        except Exception as e:
            diag("  healthy connection: %s" % e)
            alive = False
            healthy = Conn(gw)
        ok(alive, "%s: another client's connection keeps working" % name)
    healthy.close()
    # A fresh connection after all that.
    c = Conn(gw)
    _, keys = parse_api_versions(c.call(18, 3, api_versions_body(3)), 3)
    ok(0 in keys, "new connections are served after the bad ones")
    c.close()
    return 0


def cmd_ports(gw, broker, base, topic):
    base = int(base)
    d = Conn(broker)
    deadline = time.time() + 30
    parts = {}
    while time.time() < deadline:
        _, topics = parse_metadata(d.call(3, 9, metadata_topic_body(9, topic)), 9)
        parts = topics.get(topic) or {}
        if len(parts) >= 3 and all(l >= 0 for l in parts.values()):
            break
        time.sleep(0.5)
    d.close()
    leaders = sorted(set(parts.values()))
    ok(len(parts) == 3 and len(leaders) == 3,
       "topic %s has 3 partitions led by 3 different brokers (%s)" % (topic, parts))
    g = Conn(gw)
    brokers, gtopics = parse_metadata(g.call(3, 12, metadata_topic_body(12, topic)), 12)
    g.close()
    ok(gtopics.get(topic) == parts and all(brokers.get(l) == ("127.0.0.1", base + l) for l in leaders),
       "through the gateway, each leader is at port base+id")
    for p_, leader in sorted(parts.items()):
        for nid in leaders:
            c = Conn("127.0.0.1:%d" % (base + nid))
            errs = parse_produce_error(c.call(0, 9, produce_body(9, topic, p_, 1, b"to-%d" % p_)), 9)
            c.close()
            if nid == leader:
                ok(errs == [0], "partition %d via node %d's port (the leader): accepted" % (p_, nid))
            else:
                ok(errs == [6], "partition %d via node %d's port: NOT_LEADER_OR_FOLLOWER from broker %d"
                   % (p_, nid, nid))
    return 0


def rss_kib(pid):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fetch_body_v4(topic, offset, max_bytes):
    return (i32(-1) + i32(0) + i32(1) + i32(max_bytes) + i8(0)
            + i32(1) + string(topic) + i32(1) + i32(0) + i64(offset) + i32(max_bytes))


def cmd_backpressure(gw, pid, topic, nfetch="150"):
    nfetch = int(nfetch)
    value = os.urandom(900 * 1024)
    c = Conn(gw, timeout=60)
    ensure_topic(c, topic)
    for _ in range(4):
        errs = parse_produce_error(c.call(0, 9, produce_body(9, topic, 0, 1, value)), 9)
        if errs != [0]:
            return ok(False, "backpressure: produce failed: %s" % errs)
    base = rss_kib(pid)
    batch = b""
    first = c.cid + 1
    for _ in range(nfetch):
        c.cid += 1
        batch += frame(request(1, 4, c.cid, fetch_body_v4(topic, 0, 1024 * 1024)))
    sender = threading.Thread(target=c.s.sendall, args=(batch,))
    sender.start()
    time.sleep(4)
    peak = rss_kib(pid)
    got, size = [], 0
    try:
        for _ in range(nfetch):
            f = c.recv_frame()
            got.append(struct.unpack(">i", f[:4])[0])
            size += len(f)
    except Exception as e:
        diag("  %s after %d responses" % (e, len(got)))
    sender.join(10)
    diag("  %d Fetch responses, %d MiB in all; gateway RSS %d KiB before, %d KiB while the client "
         "did not read" % (len(got), size >> 20, base, peak))
    ok(size > 100 << 20, "backpressure: the broker had over 100 MiB of responses for the client")
    ok(peak - base < 48 * 1024, "backpressure: a client that does not read grows the gateway by %d KiB (< 48 MiB)"
       % (peak - base))
    ok(got == list(range(first, first + nfetch)), "backpressure: then every response arrives, in order")
    c.close()
    return 0


def cmd_slowbroker(gwrun):
    fake = socket.socket()
    fake.bind(("127.0.0.1", 0))
    fake.listen(8)
    held = []

    def accept():
        while True:
            try:
                s, _ = fake.accept()
            except OSError:
                return
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            held.append(s)          # never read
    threading.Thread(target=accept, daemon=True).start()
    port = fake.getsockname()[1]
    base = 20000 + os.getpid() % 20000
    gw = subprocess.Popen([gwrun, "--listen", "127.0.0.1:0", "--brokers", "127.0.0.1:%d" % port,
                           "--broker-port-base", str(base)],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        gwport = int(gw.stdout.readline().split()[1])
        c = Conn("127.0.0.1:%d" % gwport)
        before = rss_kib(gw.pid)
        one = frame(request(0, 9, 1, produce_body(9, "t", 0, 1, os.urandom(1 << 20))))
        sent = [0]
        c.s.settimeout(0.5)

        def pump():
            deadline = time.time() + 5
            while time.time() < deadline and sent[0] < 400:
                try:
                    c.s.sendall(one)
                    sent[0] += 1
                except (socket.timeout, OSError):
                    return
        pump()
        peak = rss_kib(gw.pid)
        diag("  the client got %d MiB out before the gateway stopped reading; gateway RSS %d -> %d KiB"
             % (sent[0], before, peak))
        ok(sent[0] < 400, "slow broker: the gateway stops reading a client whose broker does not read")
        ok(peak - before < 48 * 1024, "slow broker: the gateway grows by %d KiB (< 48 MiB)" % (peak - before))
        c.close()
    finally:
        gw.terminate()
        gw.wait(10)
        fake.close()
        for s in held:
            s.close()
    return 0


def main():
    cmds = {"versions": cmd_versions, "addresses": cmd_addresses, "pipeline": cmd_pipeline,
            "badinput": cmd_badinput, "ports": cmd_ports, "backpressure": cmd_backpressure,
            "slowbroker": cmd_slowbroker}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        cmds[sys.argv[1]](*sys.argv[2:])
    except Exception as e:
        ok(False, "%s: %s: %s" % (sys.argv[1], type(e).__name__, e))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
