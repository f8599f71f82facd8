"""tests/registry/limits.py: the registry's HTTP limits against hostile and
stuck clients, over raw sockets. The registry runs with short limits
(--request-timeout 1500ms, --idle-timeout 1s; then a second one with 60s
for the connection limits; 4 connections per IP, 12 in all); loopback addresses 127.0.0.1 to .9 stand for different hosts. Each case
checks that the limit holds and that a well-behaved client of another address
is served meanwhile:
  - slowloris headers (a byte every 200 ms, never idle) and a slow body are
    closed after the request timeout, not before it;
  - idle keep-alive connections are closed after the idle timeout;
  - the 5th connection of one address and the 13th in all are refused,
    and slots come back when connections close;
  - an oversized query string gets 414/431 or a close.
Standard library only; prints TAP. Needs $SG_BIN.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

_n = 0
_failed = 0
REQUEST_MS = 1500
IDLE_S = 1
PER_IP = 4
TOTAL = 12


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


def start_registry(tmp, idle_s=IDLE_S):
    log = open(os.path.join(tmp, "registry-%d.log" % idle_s), "w+")
    proc = subprocess.Popen(
        [os.environ["SG_BIN"], "registry", "--listen", "127.0.0.1:0",
         "--db", os.path.join(tmp, "limits.db"),
         "--request-timeout", "%dms" % REQUEST_MS, "--idle-timeout", "%ds" % idle_s,
         "--max-connections-per-ip", str(PER_IP), "--max-connections", str(TOTAL),
         "--threads", "2"],
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


def dial(port, src="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def get(s):
    """One GET /subjects on `s`; its status, or None when closed."""
    try:
        s.sendall(b"GET /subjects HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        m = re.search(rb"content-length:\s*(\d+)", head, re.I)
        n = int(m.group(1)) if m else 0
        while len(rest) < n:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        return int(head.split()[1])
    except OSError:
        return None


def served(port, src):
    try:
        s = dial(port, src)
    except OSError:
        return False
    try:
        return get(s) == 200
    finally:
        s.close()


def closed_within(s, limit):
    """Seconds until the server ends `s` (EOF or reset), or None."""
    t0 = time.time()
    s.settimeout(0.05)
    while time.time() - t0 < limit:
        try:
            if s.recv(65536) == b"":
                return time.time() - t0
        except socket.timeout:
            continue
        except OSError:
            return time.time() - t0
    return None


class Trickle(threading.Thread):
    """Sends `data` a few bytes every 200 ms until the server closes."""

    def __init__(self, s, data, step):
        super().__init__(daemon=True)
        self.s, self.data, self.step = s, data, step
        self.ended = None

    def run(self):
        t0 = time.time()
        for i in range(0, len(self.data), self.step):
            try:
                self.s.sendall(self.data[i:i + self.step])
            except OSError:
                break
            time.sleep(0.2)
        self.ended = time.time() - t0


def slow_cases(port):
    head = b"GET /subjects HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
    s = dial(port, "127.0.0.2")
    t = Trickle(s, head, 2)
    t0 = time.time()
    t.start()
    others = [served(port, "127.0.0.3") for _ in range(5)]
    took = closed_within(s, 10)
    ok(took is not None and REQUEST_MS / 1000 - 0.1 <= time.time() - t0 < REQUEST_MS / 1000 + 1.5,
       "slowloris headers (2 bytes every 200 ms) are closed after the request timeout",
       "closed after %s s" % (None if took is None else round(time.time() - t0, 2)))
    ok(all(others), "meanwhile another client is served", others)
    s.close()

    body = b'{"schema": "\\"string\\""}' + b" " * 400
    req = (b"POST /subjects/slow-value/versions HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
    s = dial(port, "127.0.0.2")
    s.sendall(req)
    t = Trickle(s, body, 5)
    t0 = time.time()
    t.start()
    took = closed_within(s, 10)
    ok(took is not None and REQUEST_MS / 1000 - 0.1 <= time.time() - t0 < REQUEST_MS / 1000 + 1.5,
       "a slow body (5 bytes every 200 ms) is closed after the request timeout",
       "closed after %s s" % (None if took is None else round(time.time() - t0, 2)))
    ok(served(port, "127.0.0.3"), "and another client is served after it")
    s.close()

    # A client that is slow but finishes within the timeout is answered.
    s = dial(port, "127.0.0.2")
    s.sendall(b"GET /subjects HTTP/1.1\r\nHost: x\r\n")
    time.sleep(0.5)
    s.sendall(b"\r\n")
    data = s.recv(65536)
    ok(data.startswith(b"HTTP/1.1 200"), "a request that takes 0.5 s is answered", data[:40])
    s.close()


def idle_cases(port):
    conns = [dial(port, "127.0.0.4") for _ in range(3)]
    sts = [get(c) for c in conns]
    ok(sts == [200] * 3, "three keep-alive connections answered", sts)
    t0 = time.time()
    ends = [closed_within(c, 5) for c in conns]
    ok(all(e is not None for e in ends) and time.time() - t0 < IDLE_S + 2.5,
       "idle keep-alive connections are closed after the idle timeout",
       ends)
    for c in conns:
        c.close()


def limit_cases(port):
    mine = [dial(port, "127.0.0.5") for _ in range(PER_IP)]
    sts = [get(c) for c in mine]
    ok(sts == [200] * PER_IP, "%d connections of 127.0.0.5 are served" % PER_IP, sts)
    extra = dial(port, "127.0.0.5")
    st = get(extra)
    ok(st is None, "the %dth connection of 127.0.0.5 is refused" % (PER_IP + 1), st)
    extra.close()
    ok(served(port, "127.0.0.6"), "meanwhile 127.0.0.6 is served")
    more = [dial(port, src) for src in ("127.0.0.6",) * 4 + ("127.0.0.7",) * 4]
    sts = [get(c) for c in more]
    ok(sts == [200] * 8, "%d connections in all are served" % TOTAL, sts)
    late = dial(port, "127.0.0.8")
    st = get(late)
    ok(st is None, "the %dth connection in all is refused" % (TOTAL + 1), st)
    late.close()
    ok(all(get(c) == 200 for c in mine), "the connections already in are served")
    for c in mine + more:
        c.close()
    time.sleep(0.3)
    ok(served(port, "127.0.0.8"), "closed connections give their slots back")


def main():
    if not os.environ.get("SG_BIN"):
        print("Bail out! SG_BIN is not set")
        return 1
    tmp = tempfile.mkdtemp(prefix="sg-limits.")
    proc, port, log = start_registry(tmp)
    try:
        slow_cases(port)
        idle_cases(port)
        st = None
        try:
            s = dial(port, "127.0.0.9")
            s.sendall(b"GET /subjects?q=" + b"x" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            data = s.recv(65536)
            m = re.match(rb"HTTP/1\.1 (\d+)", data)
            st = int(m.group(1)) if m else None
        except OSError:
            pass
        ok(st is None or st in (414, 431), "a 100 KB query string: 414/431 or closed", st)
        ok(served(port, "127.0.0.9"), "still serving after it")
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
        ok("was not read whole within 1500 ms" in text,
           "the request timeouts are logged", text)
        log.close()
    # The connection limits, with connections that stay (idle timeout 60 s).
    proc, port, log = start_registry(tmp, 60)
    try:
        limit_cases(port)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = "timeout"
        log.seek(0)
        text = log.read()
        ok(rc == 0, "the second registry exits 0 on SIGTERM", "exit: %s" % rc, text)
        log.close()
        subprocess.call(["rm", "-rf", tmp])
    print("1..%d" % _n)
    return 1 if _failed else 0


if __name__ == "__main__":
    sys.exit(main())
