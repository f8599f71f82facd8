"""tests/examples/kubernetes.py: the registry cluster of examples/kubernetes
(registry.yaml, registry-kafka.yaml, kafka.yaml) against the binary it runs.

- The Deployment: three replicas of `schemagate registry --store kafka`, a
  PodDisruptionBudget with maxUnavailable 1, probes on GET /health, a
  Service; --advertised-url from the pod's IP through the downward API.
- Every flag the container is given, and every SCHEMAGATE_* variable it
  sets, is one `schemagate registry --help` lists; every $(VAR) it uses is
  defined before it.
- The broker TLS files (--broker-tls-ca/cert/key) are on Secret volumes: the
  KafkaUser's Secret and Strimzi's cluster CA; the brokers' address is the
  bootstrap Service of the Kafka's listener that takes client certificates.
- The KafkaTopics for the registry's topic and the election's topic: 1
  partition, replicas 3 (no more than the brokers), compacted,
  min.insync.replicas 2.
- The KafkaUser's ACLs are exactly those a node needs, with the names the
  binary uses: the topic and group id (its --help defaults, or the
  Deployment's variables), the election topic (registry/leader.h), the
  reader's group (<group-id>-view, registry/kafkastore.c) and the
  transactional id (<group-id>-writer, from --help and kafkastore.c).
Prints TAP.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exlib  # noqa: E402

exlib.ensure_venv(__file__)

import yaml  # noqa: E402

from exlib import EXAMPLES, SRCDIR, diag, done, is_, ok, schemagate  # noqa: E402

K8S = os.path.join(EXAMPLES, "kubernetes")


def load_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def source(rel):
    with open(os.path.join(SRCDIR, rel)) as f:
        return f.read()


# --- the files ---------------------------------------------------------------
kust = load_all(os.path.join(K8S, "kustomization.yaml"))[0]
resources = kust.get("resources", [])
on_disk = sorted(f for f in os.listdir(K8S) if f.endswith(".yaml") and f != "kustomization.yaml")
is_(sorted(resources), on_disk, "kustomization.yaml lists every manifest of examples/kubernetes")
objs = []
for f in resources:
    for d in load_all(os.path.join(K8S, f)):
        objs.append(d)


def find(kind, pred=lambda d: True):
    return [d for d in objs if d.get("kind") == kind and pred(d)]


def one(kind, name):
    found = find(kind, lambda d: d.get("metadata", {}).get("name") == name)
    ok(len(found) == 1, "exactly one %s %s" % (kind, name), "found %d" % len(found))
    return found[0] if found else {}


# --- what the binary says ----------------------------------------------------
st, help_out, help_err = schemagate("registry", "--help")
is_(st, 0, "schemagate registry --help exits 0")
help_flags = set(re.findall(r"^\s+(--[a-z][a-z0-9-]*)", help_out, re.M))
help_vars = set(re.findall(r"\(env (SCHEMAGATE_[A-Z0-9_]+)", help_out))
ok("--store" in help_flags and "SCHEMAGATE_BROKERS" in help_vars,
   "--help lists --store and SCHEMAGATE_BROKERS", help_out)


def help_default(flag):
    """The default --help gives for `flag` (the word after `default`)."""
    m = re.search(r"^\s+" + re.escape(flag) + r" .*\n\s+\(env [A-Z_]+; default ([^)\s]+)\)",
                  help_out, re.M)
    return m.group(1) if m else None


default_topic = help_default("--topic")
default_group = help_default("--group-id")
is_(default_topic, "_schemas", "--help: --topic defaults to _schemas")
is_(default_group, "schemagate-registry", "--help: --group-id defaults to schemagate-registry")
m = re.search(r"transactional\.id is ID(-[a-z]+)", help_out)
writer_suffix = m.group(1) if m else None
ks = source("registry/kafkastore.c")
ok(writer_suffix and ('sizeof "%s"' % writer_suffix) in ks and ('"%%s%s"' % writer_suffix) in ks,
   "the writer's transactional id is <group-id>%s (--help and registry/kafkastore.c)" % writer_suffix)
m = re.search(r'snprintf\(view_group, sizeof view_group, "%s(-[a-z]+)", group\)', ks)
view_suffix = m.group(1) if m else None
ok(view_suffix, "registry/kafkastore.c: the reader's group.id is <group-id>%s" % view_suffix)
m = re.search(r'#define LEADER_DEFAULT_TOPIC "([^"]+)"', source("registry/leader.h"))
leader_topic = m.group(1) if m else None
ok(leader_topic, "registry/leader.h: the election's topic is %s" % leader_topic)
m = re.search(r'#define LEADER_DEFAULT_GROUP "([^"]+)"', source("registry/leader.h"))
is_(m.group(1) if m else None, default_group, "registry/leader.h: the election's group is --group-id's default")

# --- the Deployment ----------------------------------------------------------
dep = one("Deployment", "schemagate-registry")
spec = dep.get("spec", {})
pod = spec.get("template", {}).get("spec", {})
pod_labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
is_(spec.get("replicas"), 3, "registry Deployment: 3 replicas")
cs = [c for c in pod.get("containers", []) if c.get("name") == "registry"]
ok(len(cs) == 1, "registry Deployment: a container named registry")
c = cs[0] if cs else {}
args = c.get("args", [])
env = c.get("env", [])
envmap = {e.get("name"): e for e in env}


def arg_after(flag):
    i = args.index(flag) if flag in args else -1
    return args[i + 1] if 0 <= i < len(args) - 1 else None


def setting(flag, var):
    """The value a flag gets: from args, else from its variable, else None."""
    v = arg_after(flag)
    if v is None and var in envmap:
        v = envmap[var].get("value")
    return v


is_(args[:1], ["registry"], "registry: runs `schemagate registry`")
is_(setting("--store", "SCHEMAGATE_STORE"), "kafka", "registry: --store kafka")
used_flags = sorted(a for a in args if a.startswith("--"))
is_([f for f in used_flags if f not in help_flags], [],
    "registry: every flag given (%s) is one --help lists" % " ".join(used_flags))
used_vars = sorted(n for n in envmap if n.startswith("SCHEMAGATE_"))
ok(len(used_vars) >= 3, "registry: configured through SCHEMAGATE_* variables (%s)" % " ".join(used_vars))
is_([v for v in used_vars if v not in help_vars], [],
    "registry: every SCHEMAGATE_* variable set is one --help lists")
is_(sorted(n for n in envmap if not n.startswith("SCHEMAGATE_")), ["POD_IP"],
    "registry: no other variable than SCHEMAGATE_* and POD_IP")
# $(VAR) in args and env values: Kubernetes expands only variables defined
# in env (before the use, for env values); anything else stays literal.
for i, e in enumerate(env):
    for ref in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", str(e.get("value", ""))):
        ok(ref in [x.get("name") for x in env[:i]], "registry: env %s uses $(%s), defined before it"
           % (e.get("name"), ref))
for a in args:
    for ref in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", a):
        ok(ref in envmap, "registry: argument %s uses $(%s), defined in env" % (a, ref))
adv = setting("--advertised-url", "SCHEMAGATE_ADVERTISED_URL") or ""
is_(adv, "http://$(POD_IP):8081", "registry: --advertised-url is the pod's IP on port 8081")
is_(envmap.get("POD_IP", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath"), "status.podIP",
    "registry: POD_IP comes from the downward API (status.podIP)")
listen = setting("--listen", "SCHEMAGATE_LISTEN") or ""
ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
is_(listen, "0.0.0.0:%s" % ports.get("http"), "registry: --listen 0.0.0.0 on the container's port http")
for probe in ("readinessProbe", "livenessProbe"):
    get = c.get(probe, {}).get("httpGet", {})
    is_((get.get("path"), ports.get(get.get("port"), get.get("port"))), ("/health", 8081),
        "registry: %s is GET /health on 8081" % probe)
# The view database: on a mounted, writable volume (the root is read-only).
mounts = {m.get("mountPath").rstrip("/"): m for m in c.get("volumeMounts", [])}
volumes = {v.get("name"): v for v in pod.get("volumes", [])}


def mounted(path):
    """The volume that holds `path`, and whether it is mounted read-only."""
    for mp, m in mounts.items():
        if path and path.startswith(mp + "/"):
            return volumes.get(m.get("name"), {}), bool(m.get("readOnly")), path[len(mp) + 1:]
    return None, None, None


vol, ro, _ = mounted(setting("--db", "SCHEMAGATE_DB"))
ok(vol is not None and not ro, "registry: --db is on a writable mounted volume")

# --- Kafka, its listener and the TLS files -------------------------------------
brokers = setting("--brokers", "SCHEMAGATE_BROKERS") or ""
m = re.fullmatch(r"([a-z0-9-]+)-kafka-bootstrap(?:\.([a-z0-9-]+)\.svc)?:(\d+)", brokers)
ok(m, "registry: --brokers is a Strimzi bootstrap Service (%s)" % brokers)
cluster = m.group(1) if m else None
kafka = one("Kafka", cluster)
kspec = kafka.get("spec", {}).get("kafka", {})
listeners = [x for x in kspec.get("listeners", []) if m and x.get("port") == int(m.group(3))]
lst = listeners[0] if listeners else {}
ok(lst.get("tls") is True and lst.get("authentication", {}).get("type") == "tls",
   "Kafka %s: the listener on %s is TLS with client certificates" % (cluster, m.group(3) if m else "?"), lst)
is_(kspec.get("authorization", {}).get("type"), "simple", "Kafka %s: ACLs are checked (simple)" % cluster)
brokers_n = sum(p.get("spec", {}).get("replicas", 0) for p in find("KafkaNodePool")
                if p.get("metadata", {}).get("labels", {}).get("strimzi.io/cluster") == cluster
                and "broker" in p.get("spec", {}).get("roles", []))

user = one("KafkaUser", "schemagate-registry")
is_(user.get("metadata", {}).get("labels", {}).get("strimzi.io/cluster"), cluster,
    "KafkaUser: belongs to %s" % cluster)
is_(user.get("spec", {}).get("authentication", {}).get("type"), "tls", "KafkaUser: authenticates with tls")
for flag, var, secret, key in (
        ("--broker-tls-ca", "SCHEMAGATE_BROKER_TLS_CA", "%s-cluster-ca-cert" % cluster, "ca.crt"),
        ("--broker-tls-cert", "SCHEMAGATE_BROKER_TLS_CERT", "schemagate-registry", "user.crt"),
        ("--broker-tls-key", "SCHEMAGATE_BROKER_TLS_KEY", "schemagate-registry", "user.key")):
    v, ro, rel = mounted(setting(flag, var))
    s = (v or {}).get("secret", {})
    items = {i.get("path"): i.get("key") for i in s.get("items", [])}
    got = (s.get("secretName"), items.get(rel, rel if not items else None), ro)
    is_(got, (secret, key, True), "registry: %s is %s of the Secret %s, mounted read-only" % (flag, key, secret))

# --- PodDisruptionBudget and Service -------------------------------------------
pdb = one("PodDisruptionBudget", "schemagate-registry")
is_(pdb.get("apiVersion"), "policy/v1", "PodDisruptionBudget: policy/v1")
is_(pdb.get("spec", {}).get("maxUnavailable"), 1, "PodDisruptionBudget: maxUnavailable 1")
for what, sel in (("PodDisruptionBudget", pdb.get("spec", {}).get("selector", {}).get("matchLabels", {})),
                  ("Service", one("Service", "schemagate-registry").get("spec", {}).get("selector", {}))):
    ok(sel and all(pod_labels.get(k) == v for k, v in sel.items()), "%s selects the registry's pods" % what)

# --- the topics ----------------------------------------------------------------
topic = setting("--topic", "SCHEMAGATE_TOPIC") or default_topic
group = setting("--group-id", "SCHEMAGATE_GROUP_ID") or default_group
is_((topic, group), (default_topic, default_group),
    "registry: the topic and group id are the binary's defaults (%s, %s)" % (default_topic, default_group))
for name in (topic, leader_topic):
    kts = find("KafkaTopic", lambda d: (d.get("spec", {}).get("topicName")
                                         or d.get("metadata", {}).get("name")) == name)
    ok(len(kts) == 1, "a KafkaTopic for %s" % name, "found %d" % len(kts))
    kt = kts[0] if kts else {}
    ts = kt.get("spec", {})
    is_((kt.get("metadata", {}).get("labels", {}).get("strimzi.io/cluster"), ts.get("partitions"),
         ts.get("replicas"), ts.get("config", {}).get("cleanup.policy"),
         str(ts.get("config", {}).get("min.insync.replicas"))),
        (cluster, 1, 3, "compact", "2"),
        "KafkaTopic %s: in %s, 1 partition, replicas 3, compact, min.insync.replicas 2" % (name, cluster))
    ok(ts.get("replicas", 99) <= brokers_n, "KafkaTopic %s: no more replicas than brokers (%d)" % (name, brokers_n))

# --- the ACLs: exactly what a node needs -----------------------------------------
need = {
    ("topic", topic): {"Describe", "Read", "Write", "DescribeConfigs"},
    ("topic", leader_topic): {"Describe", "Read", "Write"},
    ("group", group): {"Read", "Describe"},
    ("group", group + (view_suffix or "?")): {"Read"},
    ("transactionalId", group + (writer_suffix or "?")): {"Write", "Describe"},
}
got = {}
acls = user.get("spec", {}).get("authorization", {}).get("acls", [])
is_(user.get("spec", {}).get("authorization", {}).get("type"), "simple", "KafkaUser: simple authorization")
for a in acls:
    r = a.get("resource", {})
    ok(r.get("patternType", "literal") == "literal" and a.get("type", "allow") == "allow",
       "ACL on %s %s: literal, allow" % (r.get("type"), r.get("name")), a)
    ops = set(a.get("operations", [])) | ({a["operation"]} if "operation" in a else set())
    got.setdefault((r.get("type"), r.get("name")), set()).update(ops)
for res in sorted(need, key=str):
    is_(sorted(got.get(res, set())), sorted(need[res]), "ACL: %s %s allows %s" % (res + (
        ", ".join(sorted(need[res])),)))
is_(sorted(set(got) - set(need), key=str), [], "ACL: nothing on other resources (no cluster, no wildcard)")
text = open(os.path.join(K8S, "registry-kafka.yaml")).read()
for res in need:
    ok(re.search(r"^# - %s %s\b" % (res[0], re.escape(res[1])), text, re.M),
       "registry-kafka.yaml: the ACLs on %s %s are explained" % res)
readme = open(os.path.join(K8S, "README.md")).read()
ok(all(f in readme for f in resources), "examples/kubernetes/README.md names every manifest")
done()
