#!/usr/bin/env bash
# tests/examples/python.sh: the Python examples (examples/python/*.py and the
# producer of examples/airflow/orders_dag.py) with the real client libraries,
# against a real Apache Kafka broker behind `schemagate gateway` and a
# schemagate registry holding schemas/subjects.json. The examples are run as
# written, with only their addresses replaced: 127.0.0.1:9092 by the
# gateway's port and http://127.0.0.1:8081 by the registry's URL.
# What they produce is read back straight from the broker with kcat.
# Uses the harness of tests/kafka/lib.sh. Prints TAP.
. "$(dirname "$0")/../kafka/lib.sh"

SG_BIN=${SG_BIN:-$KT_BUILD/schemagate}
kt_prepare
PY=$(kt_python) || kt_skip_all "no Python with kafka-python and confluent-kafka (run tests/clients/setup-venv.sh)"
kt_start_kafka 1 || { kt_ok 1 "a Kafka broker starts"; kt_done; exit 1; }

# The registry, with the example topics' subjects.
"$SG_BIN" registry --listen 127.0.0.1:0 --db "$KT_WORK/registry.db" 2>"$KT_WORK/registry.log" &
KT_PIDS+=($!)
REG=
for _ in $(seq 1 100); do
	REG=$(sed -n 's/^schemagate: registry listening on \(http:\/\/[^ ]*\) .*/\1/p' "$KT_WORK/registry.log")
	[ -n "$REG" ] && break
	sleep 0.1
done
kt_check "the registry starts" test -n "$REG" || { sed 's/^/#   /' "$KT_WORK/registry.log"; kt_done; exit 1; }
"$SG_BIN" register --registry "$REG" --map "$KT_SRC/schemas/subjects.json" --quiet
kt_ok $? "schemagate register --map schemas/subjects.json"

# The gateway on the first of 8 free ports; broker node N on the port after it + N.
GWP=$(kt_free_ports 8) || { kt_ok 1 "free ports for the gateway"; kt_done; exit 1; }
"$SG_BIN" gateway --listen "127.0.0.1:$GWP" --brokers "$KT_BROKERS" --registry "$REG" \
	>"$KT_WORK/gateway.out" 2>"$KT_WORK/gateway.log" &
KT_PIDS+=($!)
kt_wait_port "$GWP" 20
kt_ok $? "schemagate gateway listens on 127.0.0.1:$GWP" || { sed 's/^/#   /' "$KT_WORK/gateway.log"; kt_done; exit 1; }
GW=127.0.0.1:$GWP

# The examples as written, addresses replaced, in a tree like the repository's.
EX=$KT_WORK/repo
mkdir -p "$EX/examples"
ln -s "$KT_SRC/schemas" "$EX/schemas"
for d in python airflow; do
	mkdir -p "$EX/examples/$d"
	for f in "$KT_SRC/examples/$d"/*.py; do
		sed -e "s/127\.0\.0\.1:9092/$GW/g" -e "s#http://127\.0\.0\.1:8081#$REG#g" "$f" >"$EX/examples/$d/${f##*/}"
	done
done
kt_check "the examples name the gateway and registry addresses that were replaced" \
	grep -q "$GW" "$EX/examples/python/producer.py" "$EX/examples/python/consumer.py" "$EX/examples/python/avro_producer.py"

# Reads a topic straight from the broker: one value per line.
direct() { kcat -b "$KT_BROKERS" -C -t "$1" -o beginning -e -q -f "${2:-%s\n}" 2>/dev/null; }

out=$(cd "$EX" && "$PY" examples/python/producer.py 2>"$KT_WORK/producer.err")
kt_ok $? "python/producer.py runs through the gateway" || sed 's/^/#   /' "$KT_WORK/producer.err" | tail -20
kt_is "$(grep '^accepted: order ORD-100234' <<<"$out")" "accepted: order ORD-100234 at orders[0] offset 0" \
	"python/producer.py: the valid order is accepted"
kt_is "$(grep '^rejected:' <<<"$out")" "rejected: order ORD-100235: InvalidRecordError" \
	"python/producer.py: the order with a text amount is rejected with InvalidRecordError"
want=$("$PY" -c 'import json; print(json.dumps({"event_type": "order_created", "order_id": "ORD-100234", "customer_id": "CUST-42", "amount": 129.90, "currency": "EUR", "status": "pending", "timestamp": "2026-11-25T13:00:00Z"}))')
kt_is "$(direct orders)" "$want" "the broker holds exactly the valid order's JSON, and not the rejected one"

out=$(cd "$EX" && timeout 60 "$PY" examples/python/consumer.py 2>"$KT_WORK/consumer.err")
kt_ok $? "python/consumer.py runs through the gateway" || sed 's/^/#   /' "$KT_WORK/consumer.err" | tail -20
kt_is "$out" "order ORD-100234: order_created pending 129.90 EUR" \
	"python/consumer.py (group order-processor) reads the accepted order back"

out=$(cd "$EX" && "$PY" examples/python/avro_producer.py 2>"$KT_WORK/avro.err")
kt_ok $? "python/avro_producer.py runs through the gateway with our registry" || sed 's/^/#   /' "$KT_WORK/avro.err" | tail -20
kt_is "$out" "accepted: order ORD-200001 at orders-avro[0] offset 0" "python/avro_producer.py: the Avro order is accepted"
id=$(curl -s "$REG/subjects/orders-avro-value/versions/1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
frame=$(kcat -b "$KT_BROKERS" -C -t orders-avro -o beginning -c 1 -e -q -f '%s' 2>/dev/null | head -c 5 | od -An -tu1 | tr -s ' ')
kt_is "$frame" " 0 0 0 0 $id" "the record on the broker is Confluent-framed with the id our registry gave (${id:-none})"

# The Airflow DAG's producer, its tasks called as Airflow would (with the
# stand-in for the decorators only; kafka-python is the real one).
mkdir -p "$KT_WORK/airflow-stub"
ln -s "$KT_SRC/tests/examples/stubs/airflow" "$KT_WORK/airflow-stub/airflow"
out=$(cd "$EX" && PYTHONPATH="$KT_WORK/airflow-stub" "$PY" - examples/airflow/orders_dag.py 2>"$KT_WORK/airflow.err" <<-'PY'
	import importlib.util, sys
	spec = importlib.util.spec_from_file_location("orders_dag", sys.argv[1])
	mod = importlib.util.module_from_spec(spec)
	spec.loader.exec_module(mod)
	from airflow.decorators import DAGS
	build, send = (c.task for c in DAGS[0]["calls"])
	print(send.function(build.function()))
PY
)
kt_is "$out" 2 "airflow: the DAG's send task produces its 2 orders through the gateway" ||
	sed 's/^/#   /' "$KT_WORK/airflow.err" | tail -20
kt_is "$(direct orders '%s\n' | grep -c 'ORD-300001')" 2 "airflow: both orders are on the broker"
kt_done
