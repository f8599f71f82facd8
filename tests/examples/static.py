"""tests/examples/static.py: every example that needs no Kafka, checked here.

- Every YAML file under examples/ parses (PyYAML, from the test venv).
- examples/kubernetes: the fields that must agree are asserted one by one:
  Strimzi kinds and apiVersions, the KafkaTopic for orders, the registry's
  replicas and view volume, container ports 8081 and 9092 (and one per broker
  node), readiness and liveness probes on GET /health, the Services, the
  ServiceMonitor's /metrics on the registry's port, the gateway's upstream
  and registry, and the flags given to schemagate against its own --help.
- examples/kestra: the Produce task, pointed at the gateway and `orders`; the
  value it renders is an order schemas/orders.json accepts.
- examples/python and examples/airflow: run against stand-ins for kafka-python,
  confluent-kafka and Airflow (tests/examples/stubs/) that record instead of
  connecting; what they would send is checked: addresses, topic, group, and
  the records themselves against schemas/ with `schemagate validate`.
Prints TAP.
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exlib  # noqa: E402

exlib.ensure_venv(__file__)

import yaml  # noqa: E402

from exlib import EXAMPLES, SRCDIR, TMP, diag, done, is_, ok, schemagate  # noqa: E402

STUBS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stubs")
GATEWAY = "127.0.0.1:9092"        # the gateway's default listen address (issue #4)
REGISTRY = "http://127.0.0.1:8081"


def load_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def validate(schema, record, name):
    """schemagate validate --schema SCHEMA on one record; returns the exit status."""
    path = os.path.join(TMP, name + ".json")
    with open(path, "w") as f:
        json.dump(record, f)
    st, out, err = schemagate("validate", "--schema", os.path.join(SRCDIR, "schemas", schema), path)
    if st not in (0, 1):
        diag("schemagate validate exited %d: %s" % (st, err.strip()))
    return st


def help_flags(command):
    """The flags `schemagate COMMAND --help` lists, or None when there is no such command."""
    st, out, _ = schemagate(command, "--help")
    if st != 0:
        return None
    return set(re.findall(r"^  (--[a-z][a-z0-9-]*)", out, re.M))


# --- every YAML file parses -------------------------------------------------
yamls = []
for root, _, files in os.walk(EXAMPLES):
    for f in sorted(files):
        if f.endswith((".yml", ".yaml")):
            yamls.append(os.path.join(root, f))
ok(len(yamls) >= 8, "examples/ holds the YAML examples (%d files)" % len(yamls))
for path in sorted(yamls):
    rel = os.path.relpath(path, SRCDIR)
    try:
        docs = load_all(path)
        ok(len(docs) > 0 and all(isinstance(d, dict) for d in docs), "%s parses as YAML mappings" % rel)
    except yaml.YAMLError as e:
        ok(False, "%s parses as YAML" % rel, str(e))

# --- every example folder has a README ---------------------------------------
for d in sorted(os.listdir(EXAMPLES)):
    if os.path.isdir(os.path.join(EXAMPLES, d)):
        ok(os.path.isfile(os.path.join(EXAMPLES, d, "README.md")), "examples/%s has a README.md" % d)

# --- Kubernetes -----------------------------------------------------------------
K8S = os.path.join(EXAMPLES, "kubernetes")
objs = {}
for f in ("kafka.yaml", "registry-kafka.yaml", "registry.yaml", "gateway.yaml", "monitoring.yaml"):
    for d in load_all(os.path.join(K8S, f)):
        objs[(d.get("kind"), d.get("metadata", {}).get("name"))] = d


def one(kind, name=None):
    found = [v for (k, n), v in objs.items() if k == kind and (name is None or n == name)]
    ok(len(found) == 1, "kubernetes: exactly one %s%s" % (kind, " " + name if name else ""),
       "found %d" % len(found))
    return found[0] if found else {}


def container(workload, name):
    for c in workload.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
        if c.get("name") == name:
            return c
    ok(False, "kubernetes: %s has a container %s" % (workload.get("metadata", {}).get("name"), name))
    return {}


def port_number(c, port):
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    for p in c.get("ports", []):
        if p.get("name") == port:
            return p.get("containerPort")
    return None


def arg_after(args, flag):
    return args[args.index(flag) + 1] if flag in args and args.index(flag) + 1 < len(args) else None


namespaces = {d.get("metadata", {}).get("namespace") for d in objs.values()}
is_(namespaces, {"kafka"}, "kubernetes: every object is in the namespace kafka")

kafka = one("Kafka", "orders-kafka")
is_(kafka.get("apiVersion"), "kafka.strimzi.io/v1beta2", "Strimzi Kafka: apiVersion kafka.strimzi.io/v1beta2")
listeners = kafka.get("spec", {}).get("kafka", {}).get("listeners", [])
plain = [l for l in listeners if l.get("tls") is False and l.get("type") == "internal"]
ok(len(plain) == 1, "Strimzi Kafka: one internal plaintext listener for the gateway", listeners)
plain_port = plain[0].get("port") if plain else None
is_(plain_port, 9092, "Strimzi Kafka: the plaintext listener is on 9092")
is_(kafka.get("metadata", {}).get("annotations", {}).get("strimzi.io/kraft"), "enabled",
    "Strimzi Kafka: KRaft enabled")
pool = one("KafkaNodePool")
is_(pool.get("apiVersion"), "kafka.strimzi.io/v1beta2", "KafkaNodePool: apiVersion kafka.strimzi.io/v1beta2")
is_(pool.get("metadata", {}).get("labels", {}).get("strimzi.io/cluster"), "orders-kafka",
    "KafkaNodePool: belongs to orders-kafka")
ok("broker" in pool.get("spec", {}).get("roles", []), "KafkaNodePool: its nodes are brokers")
nodes = pool.get("spec", {}).get("replicas", 0)
topic = one("KafkaTopic", "orders")
is_(topic.get("apiVersion"), "kafka.strimzi.io/v1beta2", "KafkaTopic orders: apiVersion kafka.strimzi.io/v1beta2")
is_(topic.get("metadata", {}).get("labels", {}).get("strimzi.io/cluster"), "orders-kafka",
    "KafkaTopic orders: strimzi.io/cluster is orders-kafka")
ok(topic.get("spec", {}).get("replicas", 0) <= nodes,
   "KafkaTopic orders: no more replicas than brokers")

# The registry.
reg = one("Deployment", "schemagate-registry")
is_(reg.get("apiVersion"), "apps/v1", "registry Deployment: apps/v1")
# Three nodes on --store kafka (tests/examples/kubernetes.py checks the cluster).
is_(reg.get("spec", {}).get("replicas"), 3, "registry: three replicas (--store kafka)")
is_(reg.get("spec", {}).get("strategy", {}).get("rollingUpdate", {}).get("maxUnavailable"), 0,
    "registry: a rolling update stops a pod only once a new one is ready")
rc = container(reg, "registry")
is_([p.get("containerPort") for p in rc.get("ports", [])], [8081], "registry: container port 8081")
for probe in ("readinessProbe", "livenessProbe"):
    get = rc.get(probe, {}).get("httpGet", {})
    is_(get.get("path"), "/health", "registry: %s is GET /health" % probe)
    is_(port_number(rc, get.get("port")), 8081, "registry: %s on port 8081" % probe)
rargs = rc.get("args", [])
is_(rargs[:1], ["registry"], "registry: runs `schemagate registry`")
is_(arg_after(rargs, "--listen"), "0.0.0.0:8081", "registry: --listen 0.0.0.0:8081")
db = arg_after(rargs, "--db") or ""
mounts = {m.get("mountPath"): m.get("name") for m in rc.get("volumeMounts", [])}
vol = [m for m in mounts if db.startswith(m.rstrip("/") + "/")]
ok(len(vol) == 1, "registry: --db %s is on a mounted volume" % db, mounts)
vols = {v.get("name"): v for v in reg.get("spec", {}).get("template", {}).get("spec", {}).get("volumes", [])}
ok(vol and "emptyDir" in vols.get(mounts.get(vol[0]), {}),
   "registry: the view database is on an emptyDir (the topic is the state; a new pod replays it)")
psc = reg.get("spec", {}).get("template", {}).get("spec", {}).get("securityContext", {})
docker_uid = re.findall(r"^USER\s+(\d+)", open(os.path.join(SRCDIR, "Dockerfile")).read(), re.M)
docker_uid = int(docker_uid[-1]) if docker_uid else None
is_((psc.get("runAsNonRoot"), psc.get("runAsUser")), (True, docker_uid),
    "registry: runs as non-root uid %s, the Dockerfile's USER" % docker_uid)
reg_flags = help_flags("registry")
is_(sorted(f for f in rargs if f.startswith("--") and f not in (reg_flags or set())), [],
    "registry: every flag given is one `schemagate registry --help` lists")

rsvc = one("Service", "schemagate-registry")
labels = reg.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
sel = rsvc.get("spec", {}).get("selector", {})
ok(sel and all(labels.get(k) == v for k, v in sel.items()), "registry Service selects the registry's pods")
rports = rsvc.get("spec", {}).get("ports", [])
is_([(p.get("name"), p.get("port"), port_number(rc, p.get("targetPort"))) for p in rports],
    [("http", 8081, 8081)], "registry Service: port http 8081 to the container's 8081")

# Monitoring.
sm = one("ServiceMonitor", "schemagate-registry")
is_(sm.get("apiVersion"), "monitoring.coreos.com/v1", "ServiceMonitor: apiVersion monitoring.coreos.com/v1")
eps = sm.get("spec", {}).get("endpoints", [])
is_([(e.get("port"), e.get("path")) for e in eps], [("http", "/metrics")],
    "ServiceMonitor: scrapes /metrics on the registry Service's port http")
msel = sm.get("spec", {}).get("selector", {}).get("matchLabels", {})
slabels = rsvc.get("metadata", {}).get("labels", {})
ok(msel and all(slabels.get(k) == v for k, v in msel.items()),
   "ServiceMonitor: selects the registry Service by its labels", msel, slabels)

# The gateway.
gw = one("Deployment", "schemagate-gateway")
gc = container(gw, "gateway")
gargs = gc.get("args", [])
is_(gargs[:1], ["gateway"], "gateway: runs `schemagate gateway`")
is_(arg_after(gargs, "--listen"), "0.0.0.0:9092", "gateway: --listen 0.0.0.0:9092")
is_(arg_after(gargs, "--brokers"), "orders-kafka-kafka-bootstrap.kafka.svc:%s" % plain_port,
    "gateway: --brokers is the Strimzi bootstrap Service of orders-kafka")
is_(arg_after(gargs, "--registry"), "http://schemagate-registry.kafka.svc:8081",
    "gateway: --registry is the registry Service")
is_(arg_after(gargs, "--advertised-host"), "schemagate-gateway.kafka.svc",
    "gateway: advertises its own Service's name")
base = int(arg_after(gargs, "--broker-port-base") or 0)
want_ports = [9092] + [base + n for n in range(nodes)]  # node ids 0..replicas-1
is_(sorted(p.get("containerPort") for p in gc.get("ports", [])), want_ports,
    "gateway: container ports 9092 and one per broker node (%s)" % want_ports[1:])
for probe in ("readinessProbe", "livenessProbe"):
    is_(port_number(gc, gc.get(probe, {}).get("tcpSocket", {}).get("port")), 9092,
        "gateway: %s connects to 9092" % probe)
gsvc = one("Service", "schemagate-gateway")
is_(sorted((p.get("port"), port_number(gc, p.get("targetPort"))) for p in gsvc.get("spec", {}).get("ports", [])),
    [(p, p) for p in want_ports], "gateway Service: the same ports, each to its container port")
glabels = gw.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
gsel = gsvc.get("spec", {}).get("selector", {})
ok(gsel and all(glabels.get(k) == v for k, v in gsel.items()), "gateway Service selects the gateway's pods")
gsc = gw.get("spec", {}).get("template", {}).get("spec", {}).get("securityContext", {})
is_((gsc.get("runAsNonRoot"), gsc.get("runAsUser")), (True, docker_uid),
    "gateway: runs as non-root uid %s, the Dockerfile's USER" % docker_uid)
gw_flags = help_flags("gateway")
is_(sorted(f for f in gargs if f.startswith("--") and f not in (gw_flags or set())), [],
    "gateway: every flag given is one `schemagate gateway --help` lists")

kust = load_all(os.path.join(K8S, "kustomization.yaml"))[0]
manifests = sorted(f for f in os.listdir(K8S) if f.endswith(".yaml") and f != "kustomization.yaml")
is_(sorted(kust.get("resources", [])), manifests, "kustomization.yaml lists every manifest")

# --- Kestra ----------------------------------------------------------------------
flow = load_all(os.path.join(EXAMPLES, "kestra", "produce-orders.yml"))[0]
is_((flow.get("id"), bool(flow.get("namespace"))), ("produce-orders", True), "kestra: a flow with an id and a namespace")
produce = [t for t in flow.get("tasks", []) if t.get("type") == "io.kestra.plugin.kafka.Produce"]
ok(len(produce) == 1, "kestra: one io.kestra.plugin.kafka.Produce task")
t = produce[0] if produce else {}
is_(t.get("properties", {}).get("bootstrap.servers"), GATEWAY, "kestra: bootstrap.servers is the gateway")
is_(t.get("topic"), "orders", "kestra: produces to orders")
is_(t.get("valueSerializer"), "STRING", "kestra: the value goes out as the JSON text itself")
defaults = {i["id"]: i.get("defaults") for i in flow.get("inputs", [])}


def render(text, inputs):
    def one_expr(m):
        expr = m.group(1).strip()
        if expr.startswith("inputs."):
            return str(inputs[expr[len("inputs."):]])
        if expr == "execution.startDate":
            return "2026-11-25T13:00:00.123456Z"
        raise KeyError(expr)
    return re.sub(r"\{\{(.*?)\}\}", one_expr, text)


try:
    order = json.loads(render(t.get("from", {}).get("value", ""), defaults))
    ok(True, "kestra: the value renders to JSON")
    is_(validate("orders.json", order, "kestra"), 0, "kestra: the rendered order is valid for schemas/orders.json")
    bad = json.loads(render(t.get("from", {}).get("value", ""), dict(defaults, amount=-1)))
    is_(validate("orders.json", bad, "kestra-negative"), 1,
        "kestra: with a negative amount (the README's failing run) the order is invalid")
    is_(render(t.get("from", {}).get("key", ""), defaults), order.get("order_id"), "kestra: the key is the order id")
except (ValueError, KeyError) as e:
    ok(False, "kestra: the value renders to JSON", repr(e))

# --- Python examples and the Airflow DAG, with stand-in clients ----------------


def run_stubbed(script, stdin_lines=None, code=None):
    """Runs an example with the stand-ins first on the path; returns (status,
    stdout, stderr, calls)."""
    log = os.path.join(TMP, "stub-%s.log" % os.path.basename(script))
    open(log, "w").close()
    env = dict(os.environ, PYTHONPATH=STUBS, SG_STUB_LOG=log)
    if stdin_lines is not None:
        inp = os.path.join(TMP, "stub-input")
        with open(inp, "w") as f:
            f.write("\n".join(stdin_lines) + "\n")
        env["SG_STUB_INPUT"] = inp
    argv = [sys.executable, "-c", code, script] if code else [sys.executable, script]
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, cwd=TMP)
    calls = [json.loads(l) for l in open(log).read().splitlines()]
    return p.returncode, p.stdout, p.stderr, calls


PY = os.path.join(EXAMPLES, "python")
st, out, err, calls = run_stubbed(os.path.join(PY, "producer.py"))
is_(st, 0, "python/producer.py runs", ) or diag(err)
prod = [c for c in calls if c["call"] == "KafkaProducer"]
is_([c["config"].get("bootstrap_servers") for c in prod], [[GATEWAY]],
    "python/producer.py: one KafkaProducer with bootstrap_servers=['%s']" % GATEWAY)
sends = [c for c in calls if c["call"] == "send"]
is_([c["topic"] for c in sends], ["orders", "orders"], "python/producer.py: sends two records to orders")
if len(sends) == 2:
    first, second = (json.loads(c["value"]) for c in sends)
    is_(validate("orders.json", first, "py-valid"), 0, "python/producer.py: the first order is valid (accepted)")
    is_(validate("orders.json", second, "py-invalid"), 1,
        "python/producer.py: the second order is invalid (the one the gateway rejects)")
ok(re.search(r"^accepted: order ORD-100234 at orders\[0\] offset 0$", out, re.M),
   "python/producer.py prints the accepted order", out)

valid = json.dumps(json.loads(sends[0]["value"])) if sends else "{}"
st, out, err, calls = run_stubbed(os.path.join(PY, "consumer.py"), stdin_lines=[valid])
is_(st, 0, "python/consumer.py runs") or diag(err)
cons = [c for c in calls if c["call"] == "KafkaConsumer"]
is_([(c["topics"], c["config"].get("group_id"), c["config"].get("bootstrap_servers")) for c in cons],
    [(["orders"], "order-processor", [GATEWAY])],
    "python/consumer.py: KafkaConsumer('orders', group_id='order-processor') on the gateway")
is_(out.strip(), "order ORD-100234: order_created pending 129.90 EUR", "python/consumer.py prints the order it read")

st, out, err, calls = run_stubbed(os.path.join(PY, "avro_producer.py"))
is_(st, 0, "python/avro_producer.py runs") or diag(err)
is_([c["conf"].get("url") for c in calls if c["call"] == "SchemaRegistryClient"], [REGISTRY],
    "python/avro_producer.py: SchemaRegistryClient on our registry")
with open(os.path.join(SRCDIR, "schemas", "orders.avsc")) as f:
    avsc = f.read()
is_([c["schema"] == avsc for c in calls if c["call"] == "AvroSerializer"], [True],
    "python/avro_producer.py: AvroSerializer with schemas/orders.avsc")
is_([c["config"].get("bootstrap.servers") for c in calls if c["call"] == "Producer"], [GATEWAY],
    "python/avro_producer.py: Producer bootstrap.servers is the gateway")
recs = [c for c in calls if c["call"] == "avro_serialize"]
is_([(c["topic"], c["field"]) for c in recs], [("orders-avro", "value")],
    "python/avro_producer.py: one value serialized for orders-avro")
if recs:
    is_(validate("orders.avsc", recs[0]["record"], "py-avro"), 0,
        "python/avro_producer.py: the order is valid for schemas/orders.avsc")
is_([c["topic"] for c in calls if c["call"] == "produce"], ["orders-avro"], "python/avro_producer.py: produces to orders-avro")

# Airflow: import the DAG file (parse time), then run its tasks' functions.
AIRFLOW_CHECK = r"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("orders_dag", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
from airflow.decorators import DAGS
d = DAGS[0]
calls = [(r.task.task_id, [a.task.task_id if hasattr(a, "task") else a for a in r.args]) for r in d["calls"]]
orders = d["calls"][0].task.function()
sent = d["calls"][1].task.function(orders)
print(json.dumps({"dags": len(DAGS), "dag_id": d["dag_id"], "schedule": d["kwargs"].get("schedule", "unset"),
                  "calls": calls, "orders": orders, "sent": sent}))
"""
st, out, err, calls = run_stubbed(os.path.join(EXAMPLES, "airflow", "orders_dag.py"), code=AIRFLOW_CHECK)
is_(st, 0, "airflow/orders_dag.py imports and its tasks run") or diag(err)
try:
    res = json.loads(out)
except ValueError:
    res = {}
is_((res.get("dags"), res.get("dag_id"), res.get("schedule")), (1, "produce_orders", None),
    "airflow: one DAG produce_orders, run on demand (schedule=None)")
is_(res.get("calls"), [["build_orders", []], ["send", ["build_orders"]]],
    "airflow: build_orders feeds send")
for i, o in enumerate(res.get("orders", [])):
    is_(validate("orders.json", o, "airflow-%d" % i), 0, "airflow: order %d it builds is valid for schemas/orders.json" % i)
sends = [c for c in calls if c["call"] == "send"]
is_((res.get("sent"), [c["topic"] for c in sends]), (2, ["orders", "orders"]), "airflow: send() produces both to orders")
is_([c["config"].get("bootstrap_servers") for c in calls if c["call"] == "KafkaProducer"], [[GATEWAY]],
    "airflow: the producer's bootstrap_servers is the gateway")
is_([json.loads(c["value"]) for c in sends], res.get("orders"), "airflow: the records sent are the orders built, as JSON")

done()
