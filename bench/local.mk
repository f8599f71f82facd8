# bench/: benchmarks, never part of `make check`. Each has a README line in bench/README.md.

# bench/registry: the registry under wrk (run.sh); see bench/README.md.
EXTRA_DIST += bench/README.md bench/registry/run.sh bench/registry/setup.py \
	bench/registry/get_ids.lua bench/registry/post_known.lua bench/registry/post_compat.lua

# bench/gateway: producer throughput and latency straight to a real broker
# and through the gateway, with the gateway's CPU and memory (run.sh).
noinst_PROGRAMS += bench/gateway/kbench
bench_gateway_kbench_SOURCES = bench/gateway/kbench.c
bench_gateway_kbench_CFLAGS = $(AM_CFLAGS) $(RDKAFKA_CFLAGS)
bench_gateway_kbench_LDADD = $(RDKAFKA_LIBS) $(PTHREAD_LIBS)
# bench/gateway/relay: a splice()-only TCP relay, the baseline for any proxy.
noinst_PROGRAMS += bench/gateway/relay
bench_gateway_relay_SOURCES = bench/gateway/relay.c
bench_gateway_relay_LDADD = $(PTHREAD_LIBS)
EXTRA_DIST += bench/gateway/run.sh bench/gateway/README.md
# bench/jsonschema: compat/jsonschema vs ajv on an orders document (run.sh).
# The program is built with the tree (so it cannot rot); run.sh runs it.
noinst_PROGRAMS += bench/jsonschema/bench_jsonschema
bench_jsonschema_bench_jsonschema_SOURCES = bench/jsonschema/bench_jsonschema.c
bench_jsonschema_bench_jsonschema_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
bench_jsonschema_bench_jsonschema_LDADD = compat/libsgcompat.a $(COMPAT_LIBS)
EXTRA_DIST += bench/jsonschema/README.md bench/jsonschema/run.sh bench/jsonschema/bench_ajv.js \
	bench/jsonschema/orders.schema.json bench/jsonschema/order.json

# bench/avro: compat/avvalid against avro-c's decode on orders records, one
# core. Built and run only by `make bench-avro` (never by `make all` or
# `make check`). EXTRA_PROGRAMS is set here with '=' because Makefile.am does
# not declare it; move the '=' there if another benchmark needs it.
EXTRA_PROGRAMS = bench/avro/bench_avro
bench_avro_bench_avro_SOURCES = bench/avro/bench_avro.c
bench_avro_bench_avro_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(AVRO_CFLAGS)
bench_avro_bench_avro_LDADD = compat/libsgcompat.a $(COMPAT_LIBS) $(AVRO_LIBS)
CLEANFILES += bench/avro/bench_avro$(EXEEXT)
.PHONY: bench-avro
bench-avro: bench/avro/bench_avro$(EXEEXT)
	bench/avro/bench_avro$(EXEEXT) $(srcdir)/schemas/orders.avsc $(BENCH_SECONDS)

# bench/gateway-validate: records/s on one core through gateway/gwcheck for the
# orders event (schemas/orders.*), Avro framed and JSON plain/framed (run.sh).
noinst_PROGRAMS += bench/gateway-validate/bench_gwcheck
bench_gateway_validate_bench_gwcheck_SOURCES = bench/gateway-validate/bench_gwcheck.c
bench_gateway_validate_bench_gwcheck_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(ZLIB_CFLAGS)
bench_gateway_validate_bench_gwcheck_LDADD = gateway/libsggateway.a registry/libsgregistry.a \
	compat/libsgcompat.a $(GATEWAY_LIBS) $(REGISTRY_LIBS) $(COMPAT_LIBS)
EXTRA_DIST += bench/gateway-validate/run.sh
# bench/gateway-enforce: kcat through schemagate gateway --registry (every record
# validated) against pass-through and direct, on a real broker (run.sh).
EXTRA_DIST += bench/gateway-enforce/run.sh
