"""tests/examples/exlib.py: what the Python example tests share.

- ensure_venv(): re-executes the calling test in $SG_BUILDDIR/.venv (made by
  tests/clients/setup-venv.sh, which installs PyYAML among others), as
  tests/clients/confluent_client.py does; prints a TAP SKIP when no venv can
  be made.
- TAP: ok(), is_(), diag(), skip(), done().
- Registry: a `schemagate registry` on a free port with a new database,
  stopped when the test exits.
- schemagate(): runs $SG_BIN with arguments, returns (status, stdout, stderr).
"""
import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SRCDIR = os.path.abspath(os.environ.get("SG_SRCDIR") or
                         os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILDDIR = os.path.abspath(os.environ.get("SG_BUILDDIR") or ".")
SG_BIN = os.path.abspath(os.environ.get("SG_BIN") or os.path.join(BUILDDIR, "schemagate"))
EXAMPLES = os.path.join(SRCDIR, "examples")


def ensure_venv(script):
    """Runs `script` again inside the test venv unless already there."""
    venv = os.path.join(BUILDDIR, ".venv")
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    vpy = os.path.join(venv, "bin", "python")
    setup = os.path.join(SRCDIR, "tests", "clients", "setup-venv.sh")
    rc = subprocess.call(["sh", setup], stdout=sys.stderr, stderr=sys.stderr)
    if rc != 0 and not os.path.exists(vpy):
        print("1..0 # SKIP cannot create the Python venv %s (%s exited %d)" % (venv, setup, rc))
        sys.exit(0)
    sys.stdout.flush()
    shutil.rmtree(TMP, ignore_errors=True)
    os.execv(vpy, [vpy, os.path.abspath(script)] + sys.argv[1:])


_n = 0
_failed = 0


def diag(*lines):
    for d in lines:
        for line in str(d).splitlines() or [""]:
            print("#   " + line)
    sys.stdout.flush()


def ok(cond, desc, *why):
    """One TAP assertion; `why` is printed as diagnostics when it fails."""
    global _n, _failed
    _n += 1
    if not cond:
        _failed += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (_n, desc))
    if not cond:
        diag(*why)
    sys.stdout.flush()
    return bool(cond)


def is_(got, want, desc):
    return ok(got == want, desc, "got:  %r" % (got,), "want: %r" % (want,))


def skip(desc, reason):
    global _n
    _n += 1
    print("ok %d - %s # SKIP %s" % (_n, desc, reason))
    sys.stdout.flush()


def done():
    print("1..%d" % _n)
    sys.stdout.flush()
    sys.exit(1 if _failed else 0)


TMP = tempfile.mkdtemp(prefix="sg-examples.")
_procs = []


def _cleanup():
    for p in _procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    shutil.rmtree(TMP, ignore_errors=True)


atexit.register(_cleanup)


def schemagate(*args, cwd=None, env=None, timeout=60):
    p = subprocess.run([SG_BIN] + list(args), cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


class Registry:
    """`schemagate registry` on 127.0.0.1 and a free port, with a new database."""

    def __init__(self):
        fd, self.log = tempfile.mkstemp(prefix="registry.", suffix=".log", dir=TMP)
        os.close(fd)
        db = os.path.join(TMP, "registry-%d.db" % len(_procs))
        self.proc = subprocess.Popen([SG_BIN, "registry", "--listen", "127.0.0.1:0", "--db", db],
                                     stdout=subprocess.DEVNULL, stderr=open(self.log, "w"))
        _procs.append(self.proc)
        self.url = None
        deadline = time.time() + 15
        while time.time() < deadline and self.proc.poll() is None:
            m = re.search(r"listening on (http://[^ ]+) ", open(self.log).read())
            if m:
                self.url = m.group(1)
                break
            time.sleep(0.05)
        if not self.url:
            raise RuntimeError("the registry did not start: " + open(self.log).read())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(15)
