"""tests/examples/dockerfile.py: the Dockerfile at the repository root, linted
for structure, since Docker cannot run here:
- multi-stage: a Debian bookworm `FROM ... AS build` stage that installs the
  packages of scripts/install-deps build and builds with autotools, and a
  final bookworm stage that copies the binary from it;
- the final stage is small: no compilers, no -dev packages, and it installs
  the Debian package of every shared library this build's schemagate needs
  (found with readelf and dpkg, where dpkg exists);
- it runs as a user that is not root; EXPOSE 8081 and 9092; ENTRYPOINT
  schemagate; CMD `serve --registry-listen 0.0.0.0:8081 --db PATH` with PATH
  under a VOLUME, and every flag in CMD is one `schemagate serve --help` lists;
- .dockerignore keeps build folders and .git out of the context.
Prints TAP.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exlib import SG_BIN, SRCDIR, diag, done, is_, ok, schemagate, skip  # noqa: E402

# Libraries every Debian system has, and sanitizer runtimes of test builds.
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}
SANITIZER_LIBS = re.compile(r"^lib(asan|ubsan|lsan|tsan)\.so")


def instructions(path):
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    out, cur = [], ""
    for line in open(path):
        s = line.rstrip("\n")
        if not cur and (not s.strip() or s.lstrip().startswith("#")):
            continue
        if cur and s.lstrip().startswith("#"):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        word, _, rest = cur.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        cur = ""
    return out


def stages(instrs):
    result = []
    for ins, args in instrs:
        if ins == "FROM":
            result.append({"from": args, "body": []})
        elif result:
            result[-1]["body"].append((ins, args))
    return result


def apt_installed(stage):
    pkgs = []
    for ins, args in stage["body"]:
        if ins == "RUN":
            for part in args.split("&&"):
                m = re.search(r"apt-get install (.*)", part)
                if m:
                    pkgs += [w for w in m.group(1).split() if not w.startswith("-")]
    return sorted(pkgs)


def install_deps_build_packages():
    text = open(os.path.join(SRCDIR, "scripts", "install-deps")).read()
    m = re.search(r"^build_pkgs=\((.*?)\)", text, re.S | re.M)
    return sorted(m.group(1).split()) if m else []


def exec_form(args):
    try:
        v = json.loads(args)
        return v if isinstance(v, list) else None
    except ValueError:
        return None


path = os.path.join(SRCDIR, "Dockerfile")
ok(os.path.isfile(path), "Dockerfile exists at the repository root")
st = stages(instructions(path))
ok(len(st) >= 2, "Dockerfile: multi-stage (%d stages)" % len(st))
first, final = st[0], st[-1]
ok(re.fullmatch(r"debian:bookworm(-slim)?(@\S+)?\s+AS\s+build", first["from"], re.I),
   "Dockerfile: the first stage is `FROM debian:bookworm... AS build`", first["from"])
ok(re.fullmatch(r"debian:bookworm(-slim)?(@\S+)?", final["from"]),
   "Dockerfile: the final stage is Debian bookworm, unnamed", final["from"])

build_runs = " ".join(a for i, a in first["body"] if i == "RUN")
is_(apt_installed(first), install_deps_build_packages(),
    "Dockerfile: the build stage installs exactly the packages of scripts/install-deps build")
ok(all(w in build_runs for w in ("autoreconf", "configure", "make")), "Dockerfile: builds with autotools")

body = final["body"]
copies = [a for i, a in body if i == "COPY"]
ok(any(a.startswith("--from=build ") and "schemagate" in a for a in copies),
   "Dockerfile: the final stage copies the binary from the build stage", copies)
runtime = apt_installed(final)
bad = [p for p in runtime if p.endswith("-dev") or p in ("gcc", "make", "autoconf", "automake", "libtool")]
is_(bad, [], "Dockerfile: the final stage installs no compiler and no -dev package")
ok(any("rm -rf /var/lib/apt/lists" in a for i, a in body if i == "RUN"),
   "Dockerfile: the final stage drops the apt lists")

# Every shared library the binary needs comes from a package the final stage installs.
if not shutil.which("dpkg") or not shutil.which("readelf"):
    skip("Dockerfile: the final stage installs each runtime library's package",
         "dpkg or readelf missing: not a Debian machine")
else:
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                        subprocess.run(["readelf", "-d", SG_BIN], capture_output=True, text=True).stdout)
    ok(len(needed) > 0, "readelf lists the libraries schemagate needs (%d)" % len(needed))
    ldd = subprocess.run(["ldd", SG_BIN], capture_output=True, text=True).stdout
    for lib in needed:
        if SANITIZER_LIBS.match(lib):
            continue
        m = re.search(r"^\s*" + re.escape(lib) + r" => (\S+)", ldd, re.M)
        where = os.path.realpath(m.group(1)) if m else None
        owner = subprocess.run(["dpkg", "-S", where or lib], capture_output=True, text=True).stdout
        pkg = owner.split(":")[0].strip() if owner else ""
        if not pkg:
            # /lib is a link to /usr/lib on bookworm: ask for the other spelling.
            alt = where.replace("/usr/lib/", "/lib/", 1) if where else lib
            owner = subprocess.run(["dpkg", "-S", alt], capture_output=True, text=True).stdout
            pkg = owner.split(":")[0].strip()
        if pkg in BASE_PACKAGES:
            continue
        ok(pkg in runtime, "Dockerfile: the final stage installs %s (for %s)" % (pkg or "?", lib), runtime)

users = [a for i, a in body if i == "USER"]
ok(len(users) >= 1, "Dockerfile: the final stage has a USER line")
user = users[-1].split(":")[0] if users else "root"
ok(user not in ("root", "0", ""), "Dockerfile: runs as a user that is not root (USER %s)" % (users[-1] if users else "-"))
last_run = max([n for n, (i, _) in enumerate(body) if i == "RUN"] or [-1])
last_user = max([n for n, (i, _) in enumerate(body) if i == "USER"] or [-1])
ok(last_user > last_run, "Dockerfile: USER comes after the last RUN, so nothing after it runs as root")
if user.isdigit():
    ok(any("--uid %s" % user in a for i, a in body if i == "RUN"),
       "Dockerfile: uid %s is created with useradd" % user)

exposed = set()
for i, a in body:
    if i == "EXPOSE":
        exposed |= {p.split("/")[0] for p in a.split()}
ok({"8081", "9092"} <= exposed, "Dockerfile: EXPOSE 8081 9092", sorted(exposed))

entry = [exec_form(a) for i, a in body if i == "ENTRYPOINT"]
is_(entry[-1:], [["schemagate"]], 'Dockerfile: ENTRYPOINT ["schemagate"] (exec form)')
cmd = [exec_form(a) for i, a in body if i == "CMD"]
cmd = cmd[-1] if cmd and cmd[-1] else []
is_(cmd[:1], ["serve"], "Dockerfile: CMD runs `serve`")


def flag_value(args, flag):
    for n, a in enumerate(args):
        if a == flag and n + 1 < len(args):
            return args[n + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


is_(flag_value(cmd, "--registry-listen"), "0.0.0.0:8081", "Dockerfile: CMD serves the registry on 0.0.0.0:8081")
db = flag_value(cmd, "--db") or ""
volumes = []
for i, a in body:
    if i == "VOLUME":
        v = exec_form(a)
        volumes += v if v else shlex.split(a)
ok(any(db.startswith(v.rstrip("/") + "/") for v in volumes),
   "Dockerfile: the database %s is under a VOLUME %s" % (db, volumes))
st_, out, _ = schemagate("serve", "--help")
serve_flags = set(re.findall(r"^  (--[a-z][a-z0-9-]*)", out, re.M))
unknown = sorted(a.split("=")[0] for a in cmd if a.startswith("--") and a.split("=")[0] not in serve_flags)
is_(unknown, [], "Dockerfile: every flag in CMD is one `schemagate serve --help` lists")

ignore = os.path.join(SRCDIR, ".dockerignore")
lines = [l.strip() for l in open(ignore)] if os.path.isfile(ignore) else []
ok(".git" in lines and "build" in lines, ".dockerignore keeps .git and build/ out of the build context", lines)

done()
