"""tests/registry/concurrency.py: many clients registering at the same instant.

- 64 clients register the SAME schema under one subject: one id, one version.
- 64 clients register the same schema under 64 subjects: one id, version 1 each.
- 64 clients register 64 DIFFERENT schemas under one subject (compatibility
  NONE): versions are exactly 1..64 and the ids are distinct and contiguous.
- 64 clients register 64 different schemas under 64 subjects: same checks.

Each client has its own connection and all wait on a barrier before sending.
Standard library only; prints TAP. Needs $SG_BIN.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

N = 64
CT = "application/vnd.schemaregistry.v1+json"

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
            print("#   " + str(d))
    sys.stdout.flush()
    return cond


def request(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", CT)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw.decode("utf-8", "replace")
    except OSError as e:
        return 0, str(e)


def start_registry(tmp):
    log = open(os.path.join(tmp, "registry.log"), "w+")
    proc = subprocess.Popen(
        [os.environ["SG_BIN"], "registry", "--listen", "127.0.0.1:0",
         "--db", os.path.join(tmp, "c.db")],
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


def at_once(fn, n=N):
    """Runs fn(i) for i in 0..n-1 in n threads released together; returns results."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        barrier.wait()
        results[i] = fn(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def record(name):
    return json.dumps({"type": "record", "name": name,
                       "fields": [{"name": "a", "type": "int"}]})


def main():
    if not os.environ.get("SG_BIN"):
        print("Bail out! SG_BIN is not set")
        return 1
    tmp = tempfile.mkdtemp(prefix="sg-conc.")
    proc, base, log = start_registry(tmp)
    try:
        run(base)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = "timeout"
        log.seek(0)
        ok(rc == 0, "registry exits 0 on SIGTERM after the load", "exit: %s" % rc,
           log.read())
        log.close()
        subprocess.call(["rm", "-rf", tmp])
    print("1..%d" % _n)
    return 1 if _failed else 0


def run(base):
    # 1. The same schema, one subject, 64 clients at once.
    same = {"schema": record("Same")}
    res = at_once(lambda i: request(base, "POST", "/subjects/same/versions", same))
    statuses = sorted({s for s, _ in res})
    ok(statuses == [200], "same schema x%d: every client gets 200" % N, statuses,
       [b for s, b in res if s != 200][:3])
    ids = {b.get("id") for s, b in res if s == 200 and isinstance(b, dict)}
    ok(len(ids) == 1, "same schema x%d: exactly one id" % N, ids)
    s, versions = request(base, "GET", "/subjects/same/versions")
    ok(s == 200 and versions == [1], "same schema x%d: exactly one version" % N, s, versions)

    # 2. The same schema, 64 subjects: the global id is shared.
    shared = {"schema": record("Shared")}
    res = at_once(lambda i: request(base, "POST", "/subjects/shared-%d/versions" % i, shared))
    ok(all(s == 200 for s, _ in res), "one schema under %d subjects: all 200" % N,
       [r for r in res if r[0] != 200][:3])
    ids = {b.get("id") for s, b in res if s == 200 and isinstance(b, dict)}
    ok(len(ids) == 1, "one schema under %d subjects: one shared id" % N, ids)
    bad = [i for i in range(N)
           if request(base, "GET", "/subjects/shared-%d/versions" % i) != (200, [1])]
    ok(not bad, "one schema under %d subjects: each subject has version 1 only" % N, bad[:5])

    # 3. Different schemas, one subject.
    s, body = request(base, "PUT", "/config/many", {"compatibility": "NONE"})
    ok(s == 200, "subject 'many' set to compatibility NONE", s, body)
    res = at_once(lambda i: request(base, "POST", "/subjects/many/versions",
                                    {"schema": record("Many%d" % i)}))
    ok(all(s == 200 for s, _ in res), "%d schemas into one subject: all 200" % N,
       [r for r in res if r[0] != 200][:3])
    ids = sorted(b.get("id") for s, b in res if s == 200 and isinstance(b, dict))
    ok(len(set(ids)) == N, "%d schemas into one subject: %d distinct ids" % (N, N), ids)
    ok(ids and ids == list(range(ids[0], ids[0] + N)),
       "%d schemas into one subject: ids contiguous, none skipped" % N, ids)
    s, versions = request(base, "GET", "/subjects/many/versions")
    ok(s == 200 and versions == list(range(1, N + 1)),
       "%d schemas into one subject: versions exactly 1..%d" % (N, N), s, versions)
    seen = {}
    for v in range(1, N + 1):
        s, b = request(base, "GET", "/subjects/many/versions/%d" % v)
        if s == 200:
            seen[b.get("id")] = v
    ok(sorted(seen) == ids, "each version holds one of the acknowledged ids",
       sorted(seen), ids)

    # 4. Different schemas, different subjects.
    res = at_once(lambda i: request(base, "POST", "/subjects/solo-%d/versions" % i,
                                    {"schema": record("Solo%d" % i)}))
    ok(all(s == 200 for s, _ in res), "%d schemas into %d subjects: all 200" % (N, N),
       [r for r in res if r[0] != 200][:3])
    ids2 = sorted(b.get("id") for s, b in res if s == 200 and isinstance(b, dict))
    ok(len(set(ids2)) == N and not set(ids2) & set(ids),
       "%d schemas into %d subjects: distinct ids, none reused" % (N, N), ids2)
    ok(ids2 and ids2 == list(range(ids2[0], ids2[0] + N)),
       "%d schemas into %d subjects: ids contiguous" % (N, N), ids2)


if __name__ == "__main__":
    sys.exit(main())
