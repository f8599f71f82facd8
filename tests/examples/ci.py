"""tests/examples/ci.py: the CI examples' own shell steps, run here against a
local registry.

examples/ci/github-actions.yml: every `run:` step of the job is executed with
bash (-e -o pipefail, as GitHub runs them) in a copy of the repository's
schemas/, with `schemagate` (this build) on PATH and ${{ vars.SCHEMA_REGISTRY_URL }}
replaced by the registry's URL. Each step's `if:` is evaluated for the event
being played: a pull request, a push to main, a push to another branch, and a
pull request that breaks `orders`. examples/ci/gitlab-ci.yml: the same for each
job's `script:` lines and `rules:`.

Steps that install packages or build are not run; they are listed below in
SKIPPED with the reason, and the test checks that they are what the list says
(and that they install exactly the packages of scripts/install-deps build).
Any other step that is not a shell step fails the test. Prints TAP.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exlib  # noqa: E402

exlib.ensure_venv(__file__)

import yaml  # noqa: E402

from exlib import EXAMPLES, SG_BIN, SRCDIR, TMP, Registry, diag, done, is_, ok  # noqa: E402

# Steps the test does not run, by example file and step name, and why.
SKIPPED = {
    "github": {
        "actions/checkout@v4": "checks out the repository; the test runs in a copy of its schemas/",
        "Install build dependencies": "installs Debian packages with sudo apt-get; here they are "
                                      "installed by scripts/install-deps",
        "Build schemagate": "builds and installs with sudo into /usr/local/bin; the test puts this "
                            "build's schemagate on PATH instead",
    },
    "gitlab": {
        ".schemagate before_script": "installs Debian packages and builds schemagate in the job's "
                                     "image; the test puts this build's schemagate on PATH instead",
    },
}

BIN = os.path.join(TMP, "bin")
os.makedirs(BIN)
os.symlink(SG_BIN, os.path.join(BIN, "schemagate"))


def install_deps_build_packages():
    """The `build_pkgs` array of scripts/install-deps."""
    text = open(os.path.join(SRCDIR, "scripts", "install-deps")).read()
    m = re.search(r"^build_pkgs=\((.*?)\)", text, re.S | re.M)
    return sorted(m.group(1).split()) if m else []


def apt_packages(script):
    """The packages an `apt-get install` command line names."""
    text = script.replace("\\\n", " ")
    m = re.search(r"apt-get install (.*)", text)
    if not m:
        return []
    words = re.split(r"\s+", m.group(1).split("&&")[0].strip())
    return sorted(w for w in words if w and not w.startswith("-"))


def workdir(name, break_orders=False):
    """A copy of schemas/, as a checkout holds it; optionally with a change to
    orders.json that breaks its consumers (amount becomes text)."""
    d = os.path.join(TMP, name)
    shutil.copytree(os.path.join(SRCDIR, "schemas"), os.path.join(d, "schemas"))
    if break_orders:
        p = os.path.join(d, "schemas", "orders.json")
        s = json.load(open(p))
        s["properties"]["amount"] = {"type": "string"}
        json.dump(s, open(p, "w"), indent=2)
    return d


def sh(script, cwd, env):
    p = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script],
                       cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def subjects(reg):
    return sorted(get_json(reg.url + "/subjects"))


MAP = json.load(open(os.path.join(SRCDIR, "schemas", "subjects.json")))
BUILD_PKGS = install_deps_build_packages()
ok(len(BUILD_PKGS) > 5, "scripts/install-deps lists the build packages (%d)" % len(BUILD_PKGS))

# --- GitHub Actions ------------------------------------------------------------
wf = yaml.safe_load(open(os.path.join(EXAMPLES, "ci", "github-actions.yml")))
# PyYAML reads the key `on` as the boolean True (YAML 1.1).
on = wf.get("on", wf.get(True, {}))
ok("pull_request" in on and "main" in on.get("push", {}).get("branches", []),
   "github: runs on pull requests and on pushes to main")
jobs = wf.get("jobs", {})
is_(len(jobs), 1, "github: one job")
job = next(iter(jobs.values())) if jobs else {}
steps = job.get("steps", [])


def gh_expr(text, ctx):
    """${{ ... }} in a run or env value: only the registry variable is known."""
    def repl(m):
        expr = m.group(1).strip()
        if expr in ctx:
            return ctx[expr]
        raise KeyError(expr)
    return re.sub(r"\$\{\{(.*?)\}\}", repl, text)


def gh_if(cond, event, ref):
    """A step's `if:`, for the few operators these examples use."""
    if cond is None:
        return True
    expr = cond.strip()
    if expr.startswith("${{") and expr.endswith("}}"):
        expr = expr[3:-2].strip()
    if not re.fullmatch(r"(\s|github\.event_name|github\.ref|'[^']*'|==|!=|&&|\|\||\(|\))*", expr):
        raise ValueError("unsupported if: " + cond)
    py = (expr.replace("&&", " and ").replace("||", " or ")
          .replace("github.event_name", repr(event)).replace("github.ref", repr(ref)))
    return bool(eval(py, {"__builtins__": {}}, {}))  # the regex above admits only literals and operators


def play_github(reg, event, ref, cwd):
    """Runs the job's steps for one event; returns {step name: (status, out, err)}
    for the steps that ran, stopping at the first failure as GitHub does."""
    ctx = {"vars.SCHEMA_REGISTRY_URL": reg.url}
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""),
               GITHUB_EVENT_NAME=event, GITHUB_REF=ref, CI="true")
    env.pop("SCHEMAGATE_FORMAT", None)
    for k, v in job.get("env", {}).items():
        env[k] = gh_expr(str(v), ctx)
    ran = {}
    for st in steps:
        name = st.get("name") or st.get("uses")
        if name in SKIPPED["github"]:
            continue
        if "run" not in st:
            ran[name] = (None, "", "not a shell step and not in SKIPPED")
            break
        if not gh_if(st.get("if"), event, ref):
            continue
        step_env = dict(env)
        for k, v in st.get("env", {}).items():
            step_env[k] = gh_expr(str(v), ctx)
        ran[name] = sh(gh_expr(st["run"], ctx), cwd, step_env)
        if ran[name][0] != 0:
            break
    return ran


by_name = {(s.get("name") or s.get("uses")): s for s in steps}
for name, why in SKIPPED["github"].items():
    ok(name in by_name, "github: the skipped step '%s' exists (%s)" % (name, why))
install = by_name.get("Install build dependencies", {}).get("run", "")
is_(apt_packages(install), BUILD_PKGS, "github: installs exactly the packages of scripts/install-deps build")
build = by_name.get("Build schemagate", {}).get("run", "")
ok(all(w in build for w in ("autoreconf", "configure", "make")), "github: the build step builds with autotools")
check_step = [s for s in steps if "schemagate check" in s.get("run", "")]
ok(any("--map schemas/subjects.json --format github" in s["run"] and
       gh_if(s.get("if"), "pull_request", "refs/pull/1/merge") for s in check_step),
   "github: pull requests run `schemagate check --map schemas/subjects.json --format github`")

reg = Registry()
ran = play_github(reg, "pull_request", "refs/pull/7/merge", workdir("gh-pr"))
is_({k: v[0] for k, v in ran.items()},
    {"Show the registry's subjects": 0, "Check schema compatibility": 0},
    "github, pull request: the show and check steps run and pass; register does not run")
for k, v in ran.items():
    if v[0] != 0:
        diag(k, v[1], v[2])
is_(ran.get("Check schema compatibility", (0, "", ""))[1], "",
    "github, pull request: a compatible change prints no annotation")
is_(subjects(reg), [], "github, pull request: nothing registered")

ran = play_github(reg, "push", "refs/heads/main", workdir("gh-main"))
is_({k: v[0] for k, v in ran.items()}, {"Show the registry's subjects": 0, "Register schemas": 0},
    "github, push to main: the register step runs and passes")
for k, v in ran.items():
    if v[0] != 0:
        diag(k, v[1], v[2])
is_(subjects(reg), sorted(MAP), "github, push to main: every subject of schemas/subjects.json registered")
is_(get_json(reg.url + "/subjects/orders-value/versions/1").get("schemaType"), "JSON",
    "github, push to main: orders-value holds schemas/orders.json as JSON Schema")

ran = play_github(reg, "push", "refs/heads/main", workdir("gh-main-again"))
is_(ran.get("Register schemas", (None,))[0], 0, "github, push to main again: register is idempotent")
is_(get_json(reg.url + "/subjects/orders-value/versions"), [1], "github, push to main again: no new version")

ran = play_github(reg, "push", "refs/heads/feature", workdir("gh-feature"))
is_(sorted(ran), ["Show the registry's subjects"], "github, push to another branch: neither check nor register")

ran = play_github(reg, "pull_request", "refs/pull/8/merge", workdir("gh-break", break_orders=True))
st, out, err = ran.get("Check schema compatibility", (None, "", ""))
is_(st, 1, "github, breaking pull request: the check step fails (exit 1)")
ok(re.fullmatch(r"::error file=schemas/orders\.json,title=TYPE_CHANGED::#/properties/amount: [^\n]+\n", out),
   "github, breaking pull request: exactly one ::error annotation on schemas/orders.json", out)
ran = play_github(reg, "push", "refs/heads/main", workdir("gh-break-main", break_orders=True))
is_(ran.get("Register schemas", (None,))[0], 1, "github, breaking push to main: the register step fails")
is_(get_json(reg.url + "/subjects/orders-value/versions"), [1], "github, breaking push to main: nothing new registered")
reg.stop()

# --- GitLab CI -------------------------------------------------------------------
gl = yaml.safe_load(open(os.path.join(EXAMPLES, "ci", "gitlab-ci.yml")))
tpl = gl.get(".schemagate", {})
before = "\n".join(tpl.get("before_script", []))
is_(apt_packages(before), sorted(set(BUILD_PKGS) | {"ca-certificates", "curl"}),
    "gitlab: before_script installs the packages of scripts/install-deps build (plus ca-certificates, curl)")
ok(all(w in before for w in ("autoreconf", "configure", "make")), "gitlab: before_script builds with autotools")
gl_jobs = {k: v for k, v in gl.items() if not k.startswith(".") and isinstance(v, dict) and "script" in v}
is_(sorted(gl_jobs), ["check-schemas", "register-schemas"], "gitlab: a check job and a register job")
is_([j.get("extends") for j in gl_jobs.values()], [".schemagate", ".schemagate"],
    "gitlab: both jobs build schemagate through .schemagate (before_script, skipped here)")


def gl_if(cond, variables):
    """A rule's `if:` (CI variables, ==, !=, &&, ||, quoted strings)."""
    toks = re.findall(r'\$[A-Za-z_][A-Za-z0-9_]*|"[^"]*"|==|!=|&&|\|\||\(|\)|\S+', cond)
    py = []
    for t in toks:
        if t.startswith("$"):
            py.append(repr(variables.get(t[1:], "")))
        elif t.startswith('"'):
            py.append(repr(t[1:-1]))
        elif t in ("==", "!=", "(", ")"):
            py.append(t)
        elif t == "&&":
            py.append("and")
        elif t == "||":
            py.append("or")
        else:
            raise ValueError("unsupported rule token %r in %r" % (t, cond))
    return bool(eval(" ".join(py), {"__builtins__": {}}, {}))  # only literals and operators


def play_gitlab(reg, variables, cwd):
    """Runs each job whose rules match; returns {job: (status, out, err)}."""
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), CI="true",
               SCHEMA_REGISTRY_URL=reg.url, **variables)
    env.pop("SCHEMAGATE_FORMAT", None)
    for k, v in gl.get("variables", {}).items():
        env[k] = re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)", lambda m: env.get(m.group(1), ""), str(v))
    ran = {}
    for name, j in sorted(gl_jobs.items(), key=lambda kv: gl["stages"].index(kv[1]["stage"])):
        rules = j.get("rules", [])
        if rules and not any(gl_if(r["if"], env) for r in rules if "if" in r):
            continue
        ran[name] = sh("\n".join(j["script"]), cwd, env)
        if ran[name][0] != 0:
            break
    return ran


reg = Registry()
cwd = workdir("gl-mr")
ran = play_gitlab(reg, {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_DEFAULT_BRANCH": "main",
                        "CI_MERGE_REQUEST_IID": "7"}, cwd)
is_({k: v[0] for k, v in ran.items()}, {"check-schemas": 0}, "gitlab, merge request: check-schemas runs and passes")
for k, v in ran.items():
    if v[0] != 0:
        diag(k, v[1], v[2])
try:
    report = json.load(open(os.path.join(cwd, "schemagate-check.json")))
    is_(sorted((r["subject"], r["compatible"]) for r in report["results"]),
        sorted((s, True) for s in MAP), "gitlab, merge request: the JSON artifact says every subject is compatible")
except (OSError, ValueError, KeyError) as e:
    ok(False, "gitlab, merge request: the JSON artifact schemagate-check.json is written", repr(e))
is_(subjects(reg), [], "gitlab, merge request: nothing registered")

ran = play_gitlab(reg, {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main"},
                  workdir("gl-main"))
is_({k: v[0] for k, v in ran.items()}, {"register-schemas": 0}, "gitlab, default branch: register-schemas runs and passes")
is_(subjects(reg), sorted(MAP), "gitlab, default branch: every subject registered")

ran = play_gitlab(reg, {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_DEFAULT_BRANCH": "main"},
                  workdir("gl-break", break_orders=True))
st, out, err = ran.get("check-schemas", (None, "", ""))
is_(st, 1, "gitlab, breaking merge request: check-schemas fails (exit 1)")
ok(re.search(r"^schemas/orders\.json:#/properties/amount: TYPE_CHANGED: ", out, re.M),
   "gitlab, breaking merge request: the job log names the file, the location and the rule", out)
reg.stop()

done()
