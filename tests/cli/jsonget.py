#!/usr/bin/env python3
"""tests/cli/jsonget.py: one value out of a JSON document, for the shell tests.

  jsonget.py FILE PATH   prints the value at PATH in FILE ("-" reads stdin)
  jsonget.py --canon TEXT prints TEXT, a JSON value, in the same form

PATH is "." for the whole document, or keys and array indexes separated by
"/" ("/results/0/problems/0/rule"); a trailing "#" gives the length of the
array or object found there ("/results#"). Values are printed as compact JSON
with sorted keys, so two equal values print the same. A PATH that does not
exist prints "<missing>". Exit status: 0, or 2 (with one line on stderr) when
the document is not JSON.
"""
import json
import sys


def canon(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def lookup(doc, path):
    count = path.endswith("#")
    if count:
        path = path[:-1]
    v = doc
    for seg in [s for s in path.split("/") if s not in ("", ".")]:
        if isinstance(v, list):
            try:
                v = v[int(seg)]
            except (ValueError, IndexError):
                return "<missing>"
        elif isinstance(v, dict):
            if seg not in v:
                return "<missing>"
            v = v[seg]
        else:
            return "<missing>"
    if count:
        return str(len(v)) if isinstance(v, (list, dict)) else "<missing>"
    return canon(v)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--canon":
        try:
            print(canon(json.loads(sys.argv[2])))
        except ValueError as e:
            print("jsonget: expected value is not JSON: %s" % e, file=sys.stderr)
            return 2
        return 0
    if len(sys.argv) != 3:
        print("usage: jsonget.py FILE PATH | --canon TEXT", file=sys.stderr)
        return 2
    src = sys.stdin if sys.argv[1] == "-" else open(sys.argv[1], encoding="utf-8")
    try:
        doc = json.load(src)
    except ValueError as e:
        print("jsonget: not JSON: %s" % e, file=sys.stderr)
        return 2
    print(lookup(doc, sys.argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
