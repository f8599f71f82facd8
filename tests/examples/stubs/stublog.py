"""Appends one JSON line per call to $SG_STUB_LOG (see README.md)."""
import json
import os


def log(kind, **fields):
    fields["call"] = kind
    with open(os.environ["SG_STUB_LOG"], "a") as f:
        f.write(json.dumps(fields, default=repr) + "\n")
