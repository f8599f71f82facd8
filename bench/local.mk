# bench/: benchmarks, never part of `make check`. Each has a README line in bench/README.md.

# bench/registry: the registry under wrk (run.sh); see bench/README.md.
EXTRA_DIST += bench/README.md bench/registry/run.sh bench/registry/setup.py \
	bench/registry/get_ids.lua bench/registry/post_known.lua bench/registry/post_compat.lua
