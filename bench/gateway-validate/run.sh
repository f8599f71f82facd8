#!/bin/sh
# bench/gateway-validate/run.sh: records validated per second on one core by
# the gateway's validation engine (gateway/gwcheck) for the orders event, Avro
# framed, JSON plain/framed and Protobuf framed (an orders-like message the
# bench holds), next to the validators alone. Run from a build
# folder (plain build, not the sanitizer one). Knobs: SECONDS (per
# measurement, default 2), PER (records per batch, default 500), CPU (core to
# pin to, default 0).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
CPU=${CPU:-0}
make -s bench/gateway-validate/bench_gwcheck
pin=""
if command -v taskset >/dev/null 2>&1; then
	pin="taskset -c $CPU"
fi
echo "# $(uname -m), $(nproc) cores, pinned to core $CPU"
$pin ./bench/gateway-validate/bench_gwcheck "$src/schemas/orders.avsc" "$src/schemas/orders.json" \
	"${SECONDS:-2}" "${PER:-500}"
