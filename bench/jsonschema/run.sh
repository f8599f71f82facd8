#!/bin/sh
# bench/jsonschema/run.sh: schemagate's JSON Schema validation against ajv on
# the same orders schema and 191-byte document, both pinned to one core.
# Run from a build folder (plain build): it builds bench_jsonschema there,
# installs ajv from npm into $AJV_DIR (default: ./bench-ajv, kept between
# runs) and prints ns/message and messages/s for parse only, validate only and
# parse + validate, for each. Knobs: SECONDS (per measurement, default 3),
# CPU (core to pin to, default 0), AJV_VERSION (default 8).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SECONDS_PER=${SECONDS:-3}
CPU=${CPU:-0}
AJV_DIR=${AJV_DIR:-$(pwd)/bench-ajv}
AJV_VERSION=${AJV_VERSION:-8}

make -s bench/jsonschema/bench_jsonschema
if [ ! -d "$AJV_DIR/node_modules/ajv" ]; then
	mkdir -p "$AJV_DIR"
	npm install --silent --no-audit --no-fund --prefix "$AJV_DIR" "ajv@$AJV_VERSION" >/dev/null
fi
pin=""
if command -v taskset >/dev/null 2>&1; then
	pin="taskset -c $CPU"
fi
echo "# $(uname -m), $(nproc) cores, pinned to core $CPU; node $(node --version)"
$pin ./bench/jsonschema/bench_jsonschema "$here/orders.schema.json" "$here/order.json" "$SECONDS_PER"
NODE_PATH="$AJV_DIR/node_modules" $pin node "$here/bench_ajv.js" \
	"$here/orders.schema.json" "$here/order.json" "$SECONDS_PER"
