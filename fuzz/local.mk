# fuzz/: libFuzzer targets, built with ./configure --enable-fuzzing CC=clang.
# Each target reads one input and must never crash, hang or grow without bound.
if FUZZING
FUZZ_CF = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
FUZZ_LINK = -fsanitize=fuzzer
endif

# fuzz/fuzz_avsc: parses arbitrary bytes as an Avro schema (with and without a
# reference) and prints every form. Seeds: fuzz/corpus/avsc/.
if FUZZING
noinst_PROGRAMS += fuzz/fuzz_avsc
fuzz_fuzz_avsc_SOURCES = fuzz/fuzz_avsc.c
fuzz_fuzz_avsc_CFLAGS = $(FUZZ_CF)
fuzz_fuzz_avsc_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_avsc_LDADD = compat/libsgcompat.a $(COMPAT_LIBS)
endif
EXTRA_DIST += fuzz/corpus/avsc/record.avsc fuzz/corpus/avsc/union.avsc \
	fuzz/corpus/avsc/logical.avsc fuzz/corpus/avsc/recursive.avsc fuzz/corpus/avsc/defaults.avsc

# fuzz/fuzz_records: RecordBatch parsing with decompression (modes in the
# file's header); fuzz/fuzz_kreader: the cursor and writer contracts.
# Seeds: fuzz/corpus/records/, fuzz/corpus/kreader/.
if FUZZING
noinst_PROGRAMS += fuzz/fuzz_records fuzz/fuzz_kreader
fuzz_fuzz_records_SOURCES = fuzz/fuzz_records.c
fuzz_fuzz_records_CFLAGS = $(FUZZ_CF) $(ZLIB_CFLAGS) $(SNAPPY_CFLAGS) $(LZ4_CFLAGS) $(ZSTD_CFLAGS)
fuzz_fuzz_records_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_records_LDADD = gateway/libsggateway.a compat/libsgcompat.a $(GATEWAY_LIBS) $(COMPAT_LIBS)
fuzz_fuzz_kreader_SOURCES = fuzz/fuzz_kreader.c
fuzz_fuzz_kreader_CFLAGS = $(FUZZ_CF)
fuzz_fuzz_kreader_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_kreader_LDADD = gateway/libsggateway.a compat/libsgcompat.a $(GATEWAY_LIBS) $(COMPAT_LIBS)
endif
CODEC_FUZZ_SEEDS = \
	fuzz/corpus/records/java-xerial-snappy.m0 \
	fuzz/corpus/records/java-xerial-snappy.m1 \
	fuzz/corpus/records/java-xerial-snappy.m2 \
	fuzz/corpus/records/legacy-magic0.m0 \
	fuzz/corpus/records/legacy-magic1.m0 \
	fuzz/corpus/records/librdkafka-gzip.m0 \
	fuzz/corpus/records/librdkafka-gzip.m1 \
	fuzz/corpus/records/librdkafka-gzip.m2 \
	fuzz/corpus/records/librdkafka-idempotent-lz4.m0 \
	fuzz/corpus/records/librdkafka-idempotent-lz4.m1 \
	fuzz/corpus/records/librdkafka-idempotent-lz4.m2 \
	fuzz/corpus/records/librdkafka-lz4.m0 \
	fuzz/corpus/records/librdkafka-lz4.m1 \
	fuzz/corpus/records/librdkafka-lz4.m2 \
	fuzz/corpus/records/librdkafka-none.m0 \
	fuzz/corpus/records/librdkafka-none.m1 \
	fuzz/corpus/records/librdkafka-snappy.m0 \
	fuzz/corpus/records/librdkafka-snappy.m1 \
	fuzz/corpus/records/librdkafka-snappy.m2 \
	fuzz/corpus/records/librdkafka-two-batches-gzip.m0 \
	fuzz/corpus/records/librdkafka-two-batches-gzip.m1 \
	fuzz/corpus/records/librdkafka-two-batches-gzip.m2 \
	fuzz/corpus/records/librdkafka-zstd.m0 \
	fuzz/corpus/records/librdkafka-zstd.m1 \
	fuzz/corpus/records/librdkafka-zstd.m2 \
	fuzz/corpus/records/records-gzip.m3 \
	fuzz/corpus/records/records-lz4.m3 \
	fuzz/corpus/records/records-none.m3 \
	fuzz/corpus/records/records-snappy.m3 \
	fuzz/corpus/records/records-zstd.m3 \
	fuzz/corpus/kreader/arrays-sub \
	fuzz/corpus/kreader/ints \
	fuzz/corpus/kreader/strings \
	fuzz/corpus/kreader/varints
EXTRA_DIST += $(CODEC_FUZZ_SEEDS)

# fuzz/fuzz_kproto: the gateway's request header parser and response
# rewriters (ApiVersions, Metadata, FindCoordinator, DescribeCluster,
# Produce/Fetch NodeEndpoints). Seeds: fuzz/corpus/kproto/.
if FUZZING
noinst_PROGRAMS += fuzz/fuzz_kproto
fuzz_fuzz_kproto_SOURCES = fuzz/fuzz_kproto.c
fuzz_fuzz_kproto_CFLAGS = $(FUZZ_CF)
fuzz_fuzz_kproto_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_kproto_LDADD = gateway/libsggateway.a compat/libsgcompat.a $(GATEWAY_LIBS) $(COMPAT_LIBS)
endif
KPROTO_FUZZ_SEEDS = \
	fuzz/corpus/kproto/api-versions-v0 \
	fuzz/corpus/kproto/api-versions-v3 \
	fuzz/corpus/kproto/api-versions-v4 \
	fuzz/corpus/kproto/describe-cluster-v0 \
	fuzz/corpus/kproto/describe-cluster-v2 \
	fuzz/corpus/kproto/fetch-v16-node-endpoints \
	fuzz/corpus/kproto/find-coordinator-v0 \
	fuzz/corpus/kproto/find-coordinator-v1 \
	fuzz/corpus/kproto/find-coordinator-v3 \
	fuzz/corpus/kproto/find-coordinator-v4 \
	fuzz/corpus/kproto/find-coordinator-v6 \
	fuzz/corpus/kproto/metadata-v0 \
	fuzz/corpus/kproto/metadata-v1 \
	fuzz/corpus/kproto/metadata-v12 \
	fuzz/corpus/kproto/metadata-v13 \
	fuzz/corpus/kproto/metadata-v5 \
	fuzz/corpus/kproto/metadata-v9 \
	fuzz/corpus/kproto/produce-v10-node-endpoints \
	fuzz/corpus/kproto/produce-v12 \
	fuzz/corpus/kproto/produce-v9 \
	fuzz/corpus/kproto/request-metadata-v12 \
	fuzz/corpus/kproto/request-produce-v9
EXTRA_DIST += $(KPROTO_FUZZ_SEEDS)

# fuzz/fuzz_jsondiff: compat/jsondiff on a flags byte plus two or three JSON
# documents (original, update, external $ref target). Seeds: fuzz/corpus/jsondiff/,
# dictionary: fuzz/corpus/jsondiff.dict.
if FUZZING
noinst_PROGRAMS += fuzz/fuzz_jsondiff
fuzz_fuzz_jsondiff_SOURCES = fuzz/fuzz_jsondiff.c
fuzz_fuzz_jsondiff_CFLAGS = $(FUZZ_CF)
fuzz_fuzz_jsondiff_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_jsondiff_LDADD = compat/libsgcompat.a $(COMPAT_LIBS)
endif
JSONDIFF_FUZZ_SEEDS = \
	fuzz/corpus/jsondiff/connect-type-bytes.json \
	fuzz/corpus/jsondiff/cyclic-ref-change.json \
	fuzz/corpus/jsondiff/cyclic-ref-identical.json \
	fuzz/corpus/jsondiff/defs-bridge.json \
	fuzz/corpus/jsondiff/draft2020-mix.json \
	fuzz/corpus/jsondiff/draft2020-prefixitems-closed.json \
	fuzz/corpus/jsondiff/external-ref.json \
	fuzz/corpus/jsondiff/id-and-anchor-refs.json \
	fuzz/corpus/jsondiff/lenient-closing-open-model.json \
	fuzz/corpus/jsondiff/multipleof-decimal-reduced.json \
	fuzz/corpus/jsondiff/multipleof-decimal.json \
	fuzz/corpus/jsondiff/mutual-recursion-change.json \
	fuzz/corpus/jsondiff/recursive-oneof-change.json \
	fuzz/corpus/jsondiff/recursive-oneof-identical.json \
	fuzz/corpus/jsondiff/ref-cycle-without-schema.json \
	fuzz/corpus/jsondiff/type-array-keyword.json
EXTRA_DIST += $(JSONDIFF_FUZZ_SEEDS) fuzz/corpus/jsondiff.dict
# fuzz/fuzz_jsonschema_compile: compat/jsonschema compilation (+ a few validations and
# the meta-schema check); fuzz/fuzz_jsonschema_validate: a schema and a document
# split at the first NUL, validated with and without a report (verdicts must agree).
# fuzz/fuzz_jsonschema_parse: compat/jsdoc (via jsonschema_parse) against
# jansson's parser (same accepted texts, equal values).
# Seeds: fuzz/corpus/jsonschema_{compile,validate,parse}/.
if FUZZING
noinst_PROGRAMS += fuzz/fuzz_jsonschema_compile fuzz/fuzz_jsonschema_validate \
	fuzz/fuzz_jsonschema_parse
fuzz_fuzz_jsonschema_parse_SOURCES = fuzz/fuzz_jsonschema_parse.c
fuzz_fuzz_jsonschema_parse_CFLAGS = $(FUZZ_CF)
fuzz_fuzz_jsonschema_parse_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_jsonschema_parse_LDADD = compat/libsgcompat.a $(COMPAT_LIBS)
fuzz_fuzz_jsonschema_compile_SOURCES = fuzz/fuzz_jsonschema_compile.c
fuzz_fuzz_jsonschema_compile_CFLAGS = $(FUZZ_CF)
fuzz_fuzz_jsonschema_compile_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_jsonschema_compile_LDADD = compat/libsgcompat.a $(COMPAT_LIBS)
fuzz_fuzz_jsonschema_validate_SOURCES = fuzz/fuzz_jsonschema_validate.c
fuzz_fuzz_jsonschema_validate_CFLAGS = $(FUZZ_CF)
fuzz_fuzz_jsonschema_validate_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_jsonschema_validate_LDADD = compat/libsgcompat.a $(COMPAT_LIBS)
endif
JSONSCHEMA_FUZZ_SEEDS = \
	fuzz/corpus/jsonschema_parse/duplicate \
	fuzz/corpus/jsonschema_parse/mixed \
	fuzz/corpus/jsonschema_parse/nested \
	fuzz/corpus/jsonschema_parse/numbers \
	fuzz/corpus/jsonschema_parse/string \
	fuzz/corpus/jsonschema_compile/anchors-ids \
	fuzz/corpus/jsonschema_compile/big-numbers \
	fuzz/corpus/jsonschema_compile/bool-schemas \
	fuzz/corpus/jsonschema_compile/contains-minmax \
	fuzz/corpus/jsonschema_compile/deep \
	fuzz/corpus/jsonschema_compile/deps-2019 \
	fuzz/corpus/jsonschema_compile/draft4-exclusive \
	fuzz/corpus/jsonschema_compile/draft7-meta \
	fuzz/corpus/jsonschema_compile/dynamic \
	fuzz/corpus/jsonschema_compile/formats \
	fuzz/corpus/jsonschema_compile/if-then-else \
	fuzz/corpus/jsonschema_compile/nul-strings \
	fuzz/corpus/jsonschema_compile/oneof-not \
	fuzz/corpus/jsonschema_compile/orders \
	fuzz/corpus/jsonschema_compile/pattern-props \
	fuzz/corpus/jsonschema_compile/recursive \
	fuzz/corpus/jsonschema_compile/remote \
	fuzz/corpus/jsonschema_compile/unevaluated-items \
	fuzz/corpus/jsonschema_compile/urn-and-pointer \
	fuzz/corpus/jsonschema_compile/vocab-meta \
	fuzz/corpus/jsonschema_validate/anchors-ids \
	fuzz/corpus/jsonschema_validate/big-numbers \
	fuzz/corpus/jsonschema_validate/bool-schemas \
	fuzz/corpus/jsonschema_validate/contains-minmax \
	fuzz/corpus/jsonschema_validate/deep \
	fuzz/corpus/jsonschema_validate/deps-2019 \
	fuzz/corpus/jsonschema_validate/draft4-exclusive \
	fuzz/corpus/jsonschema_validate/draft7-meta \
	fuzz/corpus/jsonschema_validate/dynamic \
	fuzz/corpus/jsonschema_validate/formats \
	fuzz/corpus/jsonschema_validate/if-then-else \
	fuzz/corpus/jsonschema_validate/nul-strings \
	fuzz/corpus/jsonschema_validate/oneof-not \
	fuzz/corpus/jsonschema_validate/one-pass-allof-ref \
	fuzz/corpus/jsonschema_validate/one-pass-duplicates \
	fuzz/corpus/jsonschema_validate/one-pass-nested \
	fuzz/corpus/jsonschema_validate/one-pass-oneof-null \
	fuzz/corpus/jsonschema_validate/one-pass-optional-record \
	fuzz/corpus/jsonschema_validate/orders \
	fuzz/corpus/jsonschema_validate/pattern-props \
	fuzz/corpus/jsonschema_validate/recursive \
	fuzz/corpus/jsonschema_validate/remote \
	fuzz/corpus/jsonschema_validate/unevaluated-items \
	fuzz/corpus/jsonschema_validate/urn-and-pointer \
	fuzz/corpus/jsonschema_validate/vocab-meta
EXTRA_DIST += $(JSONSCHEMA_FUZZ_SEEDS)

# fuzz/fuzz_avvalid: compat/avvalid on a schema-choice byte and a payload (fixed
# schemas, recursive ones among them), or on a schema text, a NUL and a payload;
# checks the verdict's contracts (see the file). Seeds: fuzz/corpus/avvalid/.
if FUZZING
noinst_PROGRAMS += fuzz/fuzz_avvalid
fuzz_fuzz_avvalid_SOURCES = fuzz/fuzz_avvalid.c
fuzz_fuzz_avvalid_CFLAGS = $(FUZZ_CF)
fuzz_fuzz_avvalid_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_avvalid_LDADD = compat/libsgcompat.a $(COMPAT_LIBS)
endif
AVVALID_FUZZ_SEEDS = \
	fuzz/corpus/avvalid/every-type fuzz/corpus/avvalid/infinite fuzz/corpus/avvalid/list \
	fuzz/corpus/avvalid/mutual fuzz/corpus/avvalid/orders-cancelled \
	fuzz/corpus/avvalid/orders-created fuzz/corpus/avvalid/regress-key-at-byte \
	fuzz/corpus/avvalid/regress-long-location fuzz/corpus/avvalid/text-map-union \
	fuzz/corpus/avvalid/text-recursive fuzz/corpus/avvalid/tree fuzz/corpus/avvalid/zero-types
EXTRA_DIST += $(AVVALID_FUZZ_SEEDS)

# fuzz/fuzz_gwcheck: the gateway's validation engine on arbitrary records
# (raw batches, or values and keys wrapped in valid batches; modes in the
# file's header) with a fixed schema set from tests/unit/gwfake.h.
# Seeds: fuzz/corpus/gwcheck/.
if FUZZING
noinst_PROGRAMS += fuzz/fuzz_gwcheck
fuzz_fuzz_gwcheck_SOURCES = fuzz/fuzz_gwcheck.c
fuzz_fuzz_gwcheck_CFLAGS = $(FUZZ_CF) $(ZLIB_CFLAGS)
fuzz_fuzz_gwcheck_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_gwcheck_LDADD = gateway/libsggateway.a registry/libsgregistry.a compat/libsgcompat.a \
	$(GATEWAY_LIBS) $(REGISTRY_LIBS) $(COMPAT_LIBS)
endif
GWCHECK_FUZZ_SEEDS = \
	fuzz/corpus/gwcheck/framed-avro \
	fuzz/corpus/gwcheck/framed-avro-gzip-records \
	fuzz/corpus/gwcheck/framed-json \
	fuzz/corpus/gwcheck/keys-values \
	fuzz/corpus/gwcheck/plain-json \
	fuzz/corpus/gwcheck/plain-json-bad \
	fuzz/corpus/gwcheck/raw-batch \
	fuzz/corpus/gwcheck/raw-batch-gzip \
	fuzz/corpus/gwcheck/record-name-avro \
	fuzz/corpus/gwcheck/topic-record-shadow \
	fuzz/corpus/gwcheck/unusable-proto
EXTRA_DIST += $(GWCHECK_FUZZ_SEEDS)

# fuzz/fuzz_kproduce: the Produce request/response codec of the validating
# gateway (parse, rewrite without rejected partitions, merge, synthesize).
# Seeds: fuzz/corpus/kproduce/.
if FUZZING
noinst_PROGRAMS += fuzz/fuzz_kproduce
fuzz_fuzz_kproduce_SOURCES = fuzz/fuzz_kproduce.c
fuzz_fuzz_kproduce_CFLAGS = $(FUZZ_CF)
fuzz_fuzz_kproduce_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_kproduce_LDADD = gateway/libsggateway.a compat/libsgcompat.a $(GATEWAY_LIBS) $(COMPAT_LIBS)
endif
KPRODUCE_FUZZ_SEEDS = \
	fuzz/corpus/kproduce/acks0-v9 \
	fuzz/corpus/kproduce/all-rejected-v12 \
	fuzz/corpus/kproduce/mixed-v12 \
	fuzz/corpus/kproduce/mixed-v3 \
	fuzz/corpus/kproduce/mixed-v7 \
	fuzz/corpus/kproduce/mixed-v8 \
	fuzz/corpus/kproduce/mixed-v9
EXTRA_DIST += $(KPRODUCE_FUZZ_SEEDS)

# fuzz/fuzz_ruleset: Confluent's rule set checks (compat/ruleset) on any JSON,
# and any bytes as a rule name. Seeds: fuzz/corpus/ruleset/.
if FUZZING
noinst_PROGRAMS += fuzz/fuzz_ruleset
fuzz_fuzz_ruleset_SOURCES = fuzz/fuzz_ruleset.c
fuzz_fuzz_ruleset_CFLAGS = $(FUZZ_CF)
fuzz_fuzz_ruleset_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_ruleset_LDADD = compat/libsgcompat.a $(COMPAT_LIBS)
endif
EXTRA_DIST += fuzz/corpus/ruleset/valid.json fuzz/corpus/ruleset/invalid.json \
	fuzz/corpus/ruleset/name.txt
