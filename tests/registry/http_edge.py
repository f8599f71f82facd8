"""tests/registry/http_edge.py: the HTTP layer under malformed and hostile
traffic, over raw sockets. After each abuse the registry must still answer a
normal request, and at the end it must stop cleanly on SIGTERM.

Standard library only; prints TAP. Needs $SG_BIN.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

_n = 0
_failed = 0
LIMIT = 4096  # --body-limit for this registry


def ok(cond, desc, *diag):
    global _n, _failed
    _n += 1
    if not cond:
        _failed += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (_n, desc))
    if not cond:
        for d in diag:
            print("#   " + str(d).replace("\n", "\n#   "))
    sys.stdout.flush()
    return cond


def start_registry(tmp):
    log = open(os.path.join(tmp, "registry.log"), "w+")
    proc = subprocess.Popen(
        [os.environ["SG_BIN"], "registry", "--listen", "127.0.0.1:0",
         "--db", os.path.join(tmp, "edge.db"), "--body-limit", str(LIMIT)],
        stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 15
    while time.time() < deadline:
        log.seek(0)
        m = re.search(r"registry listening on http://127\.0\.0\.1:(\d+) ", log.read())
        if m:
            return proc, int(m.group(1)), log
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    log.seek(0)
    print("Bail out! registry did not start: " + log.read().replace("\n", " | "))
    proc.kill()
    sys.exit(1)


class Conn:
    """A client socket with its own read buffer, so pipelined answers are kept."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def sendall(self, data):
        self.s.sendall(data)

    def close(self):
        self.s.close()

    def _fill(self):
        try:
            chunk = self.s.recv(65536)
        except OSError:
            chunk = b""
        self.buf += chunk
        return bool(chunk)


def connect(port):
    return Conn(port)


def read_response(c):
    """Reads one response (Content-Length bodies only). Returns (status, headers, body)
    or (None, None, b"") when the server closed the connection first."""
    while b"\r\n\r\n" not in c.buf:
        if not c._fill():
            return None, None, c.buf
    head, rest = c.buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    c.buf = rest
    while len(c.buf) < n:
        if not c._fill():
            break
    body, c.buf = c.buf[:n], c.buf[n:]
    return status, headers, body


def exchange(port, raw):
    s = connect(port)
    try:
        s.sendall(raw)
        return read_response(s)
    finally:
        s.close()


def healthy(port, after):
    try:
        status, _, body = exchange(port, b"GET /subjects HTTP/1.1\r\nHost: x\r\n\r\n")
    except OSError as e:
        status, body = None, str(e)
    ok(status == 200, "still serving after %s" % after, status, body)


def main():
    if not os.environ.get("SG_BIN"):
        print("Bail out! SG_BIN is not set")
        return 1
    tmp = tempfile.mkdtemp(prefix="sg-edge.")
    proc, port, log = start_registry(tmp)
    try:
        run(port)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = "timeout"
        log.seek(0)
        text = log.read()
        ok(rc == 0, "registry exits 0 on SIGTERM", "exit: %s" % rc, text)
        ok(all(l.startswith("schemagate: ") for l in text.splitlines()),
           "every log line has the schemagate: prefix", text)
        log.close()
        subprocess.call(["rm", "-rf", tmp])
    print("1..%d" % _n)
    return 1 if _failed else 0


def run(port):
    healthy(port, "start")

    status, _, _ = exchange(port, b"HELLO THERE\r\n\r\n")
    ok(status is None or 400 <= status < 500, "garbage request line: 4xx or closed", status)
    healthy(port, "a garbage request line")

    big = b"GET /subjects HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n"
    try:
        status, _, _ = exchange(port, big)
    except OSError:
        status = None
    ok(status is None or 400 <= status < 500, "200 KB of headers: 4xx or closed", status)
    healthy(port, "oversized headers")

    long_path = b"GET /subjects/" + b"x" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    try:
        status, _, _ = exchange(port, long_path)
    except OSError:
        status = None
    ok(status is None or 400 <= status < 500, "100 KB request line: 4xx or closed", status)
    healthy(port, "an oversized request line")

    s = connect(port)
    s.sendall(b"GET /subjects HTTP/1.1\r\nHost: x\r\n\r\nGET /schemas/types HTTP/1.1\r\nHost: x\r\n\r\n")
    a = read_response(s)
    b = read_response(s)
    s.close()
    ok(a[0] == 200 and b[0] == 200, "two pipelined requests get two answers", a[0], b[0])
    ok(b[2] and "AVRO" in b[2].decode("utf-8", "replace"),
       "the second pipelined answer is the second request's", b[2])

    s = connect(port)
    for i in range(3):
        s.sendall(b"GET /subjects HTTP/1.1\r\nHost: x\r\n\r\n")
        st, _, _ = read_response(s)
        if st != 200:
            break
    s.close()
    ok(st == 200, "three requests on one keep-alive connection", st)

    body = json.dumps({"schema": json.dumps({"type": "string", "doc": "x" * (LIMIT * 4)})}).encode()
    raw = (b"POST /subjects/big/versions HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: application/vnd.schemaregistry.v1+json\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body)) + body
    status, _, resp = exchange(port, raw)
    ok(status == 413, "a body over --body-limit (Content-Length) gets 413", status, resp[:200])

    chunks = b""
    for i in range(0, len(body), 1000):
        piece = body[i:i + 1000]
        chunks += b"%x\r\n" % len(piece) + piece + b"\r\n"
    chunks += b"0\r\n\r\n"
    raw = (b"POST /subjects/big/versions HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: application/vnd.schemaregistry.v1+json\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n") + chunks
    status, _, resp = exchange(port, raw)
    ok(status == 413, "a chunked body over --body-limit gets 413", status, resp[:200])

    raw = (b"POST /subjects/big/versions HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: application/vnd.schemaregistry.v1+json\r\n"
           b"Content-Length: 99999999999999999999999\r\n\r\n")
    try:
        status, _, _ = exchange(port, raw)
    except OSError:
        status = None
    ok(status is None or status in (400, 413), "an absurd Content-Length: 400/413 or closed", status)
    healthy(port, "oversized bodies")

    s = connect(port)
    s.sendall(b"POST /subjects/cut/versions HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/vnd.schemaregistry.v1+json\r\n"
              b"Content-Length: 1000\r\n\r\n{\"schema\": ")
    s.close()
    healthy(port, "a client that hangs up mid-body")

    idle = []
    try:
        for i in range(300):
            idle.append(connect(port))
        healthy(port, "300 idle connections are open")
    finally:
        for c in idle:
            c.close()

    s = connect(port)
    s.sendall(b"GET /subjects/a%2Fb/versions HTTP/1.1\r\nHost: x\r\n\r\n")
    st, _, resp = read_response(s)
    s.close()
    msg = resp.decode("utf-8", "replace")
    ok(st == 404 and "a/b" in msg, "an encoded '/' stays inside the subject name", st, msg)


if __name__ == "__main__":
    sys.exit(main())
