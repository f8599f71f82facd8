#!/bin/sh
# bench/registry/run.sh: throughput, p99 latency and resident memory of the
# registry under wrk. Not a test: it prints figures and exits 0 when every
# run completed. See bench/README.md.
#
# Environment (all optional):
#   SG_BIN        the binary (default ./schemagate, then the source tree's parent build)
#   N             schemas registered before the runs (default 1000)
#   DURATION      each wrk run, wrk syntax (default 10s)
#   CONNECTIONS   wrk connections (default 64)
#   WRK_THREADS   wrk threads (default 2)
#   SG_THREADS    registry HTTP threads (default 0: one per CPU)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
SG_BIN=${SG_BIN:-./schemagate}
N=${N:-1000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
SG_THREADS=${SG_THREADS:-0}

command -v wrk >/dev/null || { echo "bench: wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
[ -x "$SG_BIN" ] || { echo "bench: SG_BIN=$SG_BIN is not an executable" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sg-bench.XXXXXX")
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		wait "$pid" || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

: >"$tmp/registry.log" # exists before the wait loop reads it, even if the child is slow to start
"$SG_BIN" registry --listen 127.0.0.1:0 --db "$tmp/bench.db" --threads "$SG_THREADS" 2>"$tmp/registry.log" &
pid=$!
port=""
i=0
while [ -z "$port" ] && [ $i -lt 300 ]; do
	port=$(sed -n 's/^schemagate: registry listening on http:\/\/127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$tmp/registry.log")
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/registry.log" >&2; exit 1; }
	[ -n "$port" ] || sleep 0.05
	i=$((i + 1))
done
[ -n "$port" ] || { echo "bench: registry did not start" >&2; cat "$tmp/registry.log" >&2; exit 1; }
url=http://127.0.0.1:$port

# mem LABEL: the registry's resident memory now and at its peak.
mem() {
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
	hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
	printf '  %-44s VmRSS %6.1f MiB   VmHWM %6.1f MiB\n' "$1" \
		"$(echo "$rss" | awk '{print $1 / 1024}')" "$(echo "$hwm" | awk '{print $1 / 1024}')"
}

# bench LABEL LUA PATH: one wrk run, then its figures and the memory.
bench() {
	timeout 900 wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$here/$2" "$url$3" >"$tmp/wrk.out" 2>&1 || {
		cat "$tmp/wrk.out" >&2
		exit 1
	}
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk.out")
	p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.out")
	p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.out")
	total=$(awk '/requests in/ {print $1}' "$tmp/wrk.out")
	bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$tmp/wrk.out")
	errs=$(awk '/Socket errors:/ {print $0}' "$tmp/wrk.out")
	printf '%s\n  requests/s %10s   p50 %8s   p99 %8s   requests %s   non-2xx %s\n' \
		"$1" "$rps" "$p50" "$p99" "$total" "${bad:-0}"
	[ -z "$errs" ] || printf '  %s\n' "$errs"
	mem "after this run"
	[ -z "${bad:-}" ] || { echo "bench: $1 had non-2xx answers" >&2; sed -n 1,40p "$tmp/wrk.out" >&2; exit 1; }
}

echo "schemagate registry benchmark: $(nproc) CPUs, wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION, registry --threads $SG_THREADS"
mem "at start"
timeout 900 python3 "$here/setup.py" "$url" "$N" "$tmp"
mem "after registering $N schemas + 100 versions"
echo

SG_BENCH_IDS=$tmp/ids bench "GET /schemas/ids/{id} ($N ids, rotating)" get_ids.lua /
SG_BENCH_BODIES=$tmp/bodies bench "POST /subjects/{s}/versions, already registered ($N schemas)" post_known.lua /
SG_BENCH_BODY=$tmp/compat-body SG_BENCH_PATH=/compatibility/subjects/compat-history/versions \
	bench "POST /compatibility/subjects/{s}/versions (100 versions, FULL_TRANSITIVE)" post_compat.lua /

# The compatibility answer itself, so a fast wrong answer cannot pass unnoticed.
answer=$(curl -s -H 'Content-Type: application/vnd.schemaregistry.v1+json' --data-binary "@$tmp/compat-body" \
	"$url/compatibility/subjects/compat-history/versions")
echo "compatibility answer: $answer"

kill -TERM "$pid"
wait "$pid"
pid=""
echo "registry stopped cleanly"
