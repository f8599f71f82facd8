"""tests/registry/protobuf_suite.py: Confluent's 54 Protobuf compatibility
cases ($SG_SHARED/suites/protobuf-confluent-diff.jsonl, read in place; see
its README for the format) replayed through a running `schemagate registry`,
as the suite's README says: the dependencies registered first under the
subjects their references name (each case under its own prefix, with filler
versions below a referenced version), then the old schema (with its
metadata, validateFields on), then a verbose BACKWARD check of the new one
against it, then its registration. Each case must match the verdict, and
the verbose messages must name exactly the case's incompatible changes
(type and path); registering gives 200 when compatible, 409 when not.
Standard library only; prints TAP. Needs $SG_BIN; a missing suite folder is
one `external:` skip.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

_n = 0
_failed = 0
# Confluent's SchemaDiff.COMPATIBLE_CHANGES (the 8.1 branch after 8.1.5)
COMPATIBLE = {
    "MESSAGE_ADDED", "MESSAGE_MOVED", "ENUM_ADDED", "ENUM_REMOVED", "ENUM_CONST_ADDED",
    "ENUM_CONST_CHANGED", "ENUM_CONST_REMOVED", "FIELD_ADDED", "FIELD_REMOVED",
    "FIELD_NAME_CHANGED", "FIELD_STRING_OR_BYTES_LABEL_CHANGED", "ONEOF_ADDED",
    "ONEOF_REMOVED", "ONEOF_FIELD_ADDED", "ONEOF_FIELD_MOVED_TO_TOP_LEVEL",
}


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


def request(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/vnd.schemaregistry.v1+json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def start_registry(tmp):
    log = open(os.path.join(tmp, "registry.log"), "w+")
    proc = subprocess.Popen(
        [os.environ["SG_BIN"], "registry", "--listen", "127.0.0.1:0",
         "--db", os.path.join(tmp, "suite.db")],
        stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 15
    while time.time() < deadline:
        log.seek(0)
        m = re.search(r"registry listening on http://127\.0\.0\.1:(\d+) ", log.read())
        if m:
            return proc, "http://127.0.0.1:%s" % m.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    log.seek(0)
    print("Bail out! registry did not start: " + log.read().replace("\n", " | "))
    proc.kill()
    sys.exit(1)


def register_dependencies(base, prefix, case):
    """Registers every version the case's references name; returns the
    references of each side, with the prefixed subjects, or an error."""
    texts = {}
    for side in ("original", "update"):
        deps = {d["name"]: d["dependency"] for d in case.get(side + "_dependencies", [])}
        for ref in case.get(side + "_references", []):
            texts.setdefault(ref["subject"], {})[ref["version"]] = deps[ref["name"]]
    for subject, versions in sorted(texts.items()):
        s = prefix + subject
        for v in range(1, max(versions) + 1):
            text = versions.get(v, 'syntax = "proto3";\nmessage Filler%d {}\n' % v)
            st, body = request(base, "POST", "/subjects/%s/versions" % s,
                               {"schemaType": "PROTOBUF", "schema": text})
            if st != 200 or body.get("version") != v:
                return None, "dependency %s v%d: %s %s" % (s, v, st, body)
    refs = {}
    for side in ("original", "update"):
        refs[side] = [dict(r, subject=prefix + r["subject"])
                      for r in case.get(side + "_references", [])]
    return refs, None


def body_of(case, side, refs):
    b = {"schemaType": "PROTOBUF", "schema": case[side + "_schema"]}
    if refs[side]:
        b["references"] = refs[side]
    if case.get(side + "_metadata"):
        b["metadata"] = case[side + "_metadata"]
    return b


def found_changes(messages):
    """The (type, path) of each {errorType:...} message."""
    out = []
    for m in messages:
        t = re.match(r'\{errorType:"([A-Z_]+)", description:"(.*)"\}$', m)
        if t:
            p = re.search(r"'(#/[^']*)'", t.group(2))
            out.append("%s %s" % (t.group(1), p.group(1) if p else "?"))
    return sorted(out)


def run_case(base, case):
    cid = case["id"]
    prefix = "c%s-" % cid
    subject = prefix + "value"
    refs, err = register_dependencies(base, prefix, case)
    if not ok(refs is not None, "%s: dependencies registered" % cid, err):
        return False
    st, body = request(base, "PUT", "/config/" + subject, {"validateFields": True})
    st2, body2 = request(base, "POST", "/subjects/%s/versions" % subject,
                         body_of(case, "original", refs))
    if not ok(st == 200 and st2 == 200, "%s: the old schema registers" % cid, body, body2):
        return False
    request(base, "PUT", "/config/" + subject, {"compatibility": "BACKWARD"})
    st, body = request(base, "POST",
                       "/compatibility/subjects/%s/versions/latest?verbose=true" % subject,
                       body_of(case, "update", refs))
    want = case["expected_backward"]
    good = ok(st == 200 and body.get("is_compatible") == want,
              "%s: BACKWARD is %s" % (cid, "compatible" if want else "incompatible"), st, body)
    expected = sorted(c for c in case["changes"] if c.split()[0] not in COMPATIBLE)
    got = found_changes(body.get("messages", []) if st == 200 else [])
    good &= ok(got == expected, "%s: the verbose messages name its incompatible changes" % cid,
               "got:  %s" % got, "want: %s" % expected)
    st, body = request(base, "POST", "/subjects/%s/versions" % subject,
                       body_of(case, "update", refs))
    good &= ok(st == (200 if want else 409), "%s: registering it answers %d" %
               (cid, 200 if want else 409), st, body)
    return good


def main():
    shared = os.environ.get("SG_SHARED") or os.path.join(
        os.environ.get("SG_SRCDIR", "."), "..", "shared")
    path = os.path.join(shared, "suites", "protobuf-confluent-diff.jsonl")
    if not os.path.isdir(os.path.join(shared, "suites")):
        print("1..0 # SKIP external: %s does not exist; run with SG_SHARED=<folder holding "
              "suites/> to check it" % os.path.join(shared, "suites"))
        return 0
    if "SG_BIN" not in os.environ:
        ok(False, "SG_BIN names the schemagate binary under test")
        print("1..%d" % _n)
        return 1
    with open(path) as f:
        cases = [json.loads(line) for line in f if line.strip()]
    ok(len(cases) == 54, "the suite has 54 cases (%d)" % len(cases))
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_registry(tmp)
        try:
            request(base, "PUT", "/config", {"compatibility": "NONE"})
            passed = sum(1 for c in cases if run_case(base, c))
            print("# Confluent's Protobuf diff suite through the registry: %d of %d cases "
                  "pass" % (passed, len(cases)))
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    print("1..%d" % _n)
    return 1 if _failed else 0


if __name__ == "__main__":
    sys.exit(main())
