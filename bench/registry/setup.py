"""bench/registry/setup.py: fills a running registry for the benchmark.

Usage: setup.py BASE_URL N OUTDIR
- registers N distinct record schemas, one per subject bench-<i>, and writes
  their ids to OUTDIR/ids (one per line) and "SUBJECT<TAB>BODY" lines to
  OUTDIR/bodies (for re-registering known schemas);
- sets subject compat-history to FULL_TRANSITIVE and registers 100 versions
  in it (each adds an optional field with a default), then writes a 101st
  candidate to OUTDIR/compat-body.
Standard library only; one keep-alive connection.
"""
import http.client
import json
import os
import sys
import urllib.parse

CT = {"Content-Type": "application/vnd.schemaregistry.v1+json"}


def main():
    base, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    u = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)

    def call(method, path, body):
        if body is None:
            conn.request(method, path)
        else:
            conn.request(method, path, json.dumps(body), CT)
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            sys.exit("setup: %s %s -> %d %s" % (method, path, r.status, data[:300]))
        return json.loads(data)

    with open(os.path.join(out, "ids"), "w") as ids, \
            open(os.path.join(out, "bodies"), "w") as bodies:
        for i in range(n):
            schema = {"type": "record", "name": "Bench%d" % i, "namespace": "bench",
                      "fields": [{"name": "id", "type": "long"},
                                 {"name": "name", "type": "string"},
                                 {"name": "score%d" % i, "type": "double", "default": 0}]}
            body = {"schema": json.dumps(schema)}
            sid = call("POST", "/subjects/bench-%d/versions" % i, body)["id"]
            ids.write("%d\n" % sid)
            bodies.write("bench-%d\t%s\n" % (i, json.dumps(body)))

    call("PUT", "/config/compat-history", {"compatibility": "FULL_TRANSITIVE"})
    fields = [{"name": "id", "type": "long"}]

    def history_schema(k):
        return {"schema": json.dumps({"type": "record", "name": "Evolving", "namespace": "bench",
                                      "fields": fields + [
                                          {"name": "f%d" % j, "type": ["null", "string"],
                                           "default": None} for j in range(k)]})}

    for k in range(100):
        call("POST", "/subjects/compat-history/versions", history_schema(k))
    versions = call("GET", "/subjects/compat-history/versions", None)
    if len(versions) != 100:
        sys.exit("setup: compat-history has %d versions, not 100" % len(versions))
    with open(os.path.join(out, "compat-body"), "w") as f:
        f.write(json.dumps(history_schema(100)))
    print("setup: %d schemas in %d subjects, compat-history has 100 versions" % (n, n))


if __name__ == "__main__":
    main()
