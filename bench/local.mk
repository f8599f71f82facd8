# bench/: benchmarks, never part of `make check`. Each has a README line in bench/README.md.

# bench/registry: the registry under wrk (run.sh); see bench/README.md.
EXTRA_DIST += %reldir%/README.md %reldir%/registry/run.sh %reldir%/registry/setup.py \
	%reldir%/registry/get_ids.lua %reldir%/registry/post_known.lua %reldir%/registry/post_compat.lua

# bench/gateway: producer throughput and latency straight to a real broker
# and through the gateway, with the gateway's CPU and memory (run.sh).
noinst_PROGRAMS += %reldir%/gateway/kbench
%canon_reldir%_gateway_kbench_LDADD = $(RDKAFKA_LIBS) $(PTHREAD_LIBS)
# bench/gateway/relay: a splice()-only TCP relay, the baseline for any proxy.
noinst_PROGRAMS += %reldir%/gateway/relay
%canon_reldir%_gateway_relay_LDADD = $(PTHREAD_LIBS)
# bench/gateway/tlsload: idle connections and TLS handshakes against the
# gateway, for run.sh MODE=tls.
noinst_PROGRAMS += %reldir%/gateway/tlsload
%canon_reldir%_gateway_tlsload_LDADD = $(OPENSSL_LIBS)
EXTRA_DIST += %reldir%/gateway/run.sh %reldir%/gateway/README.md %reldir%/gateway/tls.sh %reldir%/gateway/tlslib.sh
# bench/jsonschema: compat/jsonschema vs ajv on an orders document (run.sh).
# The program is built with the tree (so it cannot rot); run.sh runs it.
noinst_PROGRAMS += %reldir%/jsonschema/bench_jsonschema
EXTRA_DIST += %reldir%/jsonschema/README.md %reldir%/jsonschema/run.sh %reldir%/jsonschema/bench_ajv.js \
	%reldir%/jsonschema/orders.schema.json %reldir%/jsonschema/order.json

# bench/avro: compat/avvalid against avro-c's decode on orders records, one
# core. Built and run only by `make bench-avro` (never by `make all` or
# `make check`). EXTRA_PROGRAMS is set here with '=' because Makefile.am does
# not declare it; move the '=' there if another benchmark needs it.
EXTRA_PROGRAMS = %reldir%/avro/bench_avro
%canon_reldir%_avro_bench_avro_LDADD = $(LDADD) $(AVRO_LIBS)
CLEANFILES += %reldir%/avro/bench_avro$(EXEEXT)
.PHONY: bench-avro
bench-avro: %reldir%/avro/bench_avro$(EXEEXT)
	%reldir%/avro/bench_avro$(EXEEXT) $(srcdir)/schemas/orders.avsc $(BENCH_SECONDS)

# bench/gateway-validate: records/s on one core through gateway/gwcheck for the
# orders event (schemas/orders.*), Avro framed, JSON plain/framed and Protobuf
# framed (run.sh).
noinst_PROGRAMS += %reldir%/gateway-validate/bench_gwcheck
EXTRA_DIST += %reldir%/gateway-validate/run.sh
# bench/looptls: CPU per GiB echoed and memory per idle connection, TLS
# against plaintext, on gateway/loop alone (see bench/README.md).
noinst_PROGRAMS += %reldir%/looptls/bench_looptls
# bench/gateway-enforce: kcat through schemagate gateway --registry (every record
# validated) against pass-through and direct, on a real broker (run.sh).
EXTRA_DIST += %reldir%/gateway-enforce/run.sh
