# fuzz/: libFuzzer targets, built with ./configure --enable-fuzzing CC=clang.
# Each target reads one input and must never crash, hang or grow without bound.
if FUZZING
FUZZER_LINK = $(AM_LDFLAGS) -fsanitize=fuzzer
endif

# fuzz/fuzz_avsc: parses arbitrary bytes as an Avro schema (with and without a
# reference) and prints every form. Seeds: fuzz/corpus/avsc/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_avsc
%canon_reldir%_fuzz_avsc_LDFLAGS = $(FUZZER_LINK)
endif
EXTRA_DIST += %reldir%/corpus/avsc/record.avsc %reldir%/corpus/avsc/union.avsc \
	%reldir%/corpus/avsc/logical.avsc %reldir%/corpus/avsc/recursive.avsc %reldir%/corpus/avsc/defaults.avsc

# fuzz/fuzz_protobuf: compat/protobuf on any bytes as `.proto` text: parse,
# canonical string (which must print as itself when it parses again), type
# resolution, and the registry's row. Seeds: fuzz/corpus/protobuf/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_protobuf
%canon_reldir%_fuzz_protobuf_LDFLAGS = $(FUZZER_LINK)
endif
EXTRA_DIST += %reldir%/corpus/protobuf/proto3.proto %reldir%/corpus/protobuf/proto2.proto \
	%reldir%/corpus/protobuf/options.proto %reldir%/corpus/protobuf/small.proto

# fuzz/fuzz_pbdesc: compat/protobuf/pbdesc on any bytes as a serialized
# FileDescriptorProto (and as base64 text): read, canonical and normalized
# strings, written back (what is written reads again; a second trip is a
# fixed point). Seeds: fuzz/corpus/pbdesc/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_pbdesc
%canon_reldir%_fuzz_pbdesc_LDFLAGS = $(FUZZER_LINK)
endif
EXTRA_DIST += %reldir%/corpus/pbdesc/desc-proto2.bin %reldir%/corpus/pbdesc/desc-proto3.bin \
	%reldir%/corpus/pbdesc/orders.bin %reldir%/corpus/pbdesc/proto2-ext.bin \
	%reldir%/corpus/pbdesc/desc-meta.bin %reldir%/corpus/pbdesc/meta.bin

# fuzz/fuzz_records: RecordBatch parsing with decompression (modes in the
# file's header); fuzz/fuzz_kreader: the cursor and writer contracts.
# Seeds: fuzz/corpus/records/, fuzz/corpus/kreader/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_records %reldir%/fuzz_kreader
%canon_reldir%_fuzz_records_LDFLAGS = $(FUZZER_LINK)
%canon_reldir%_fuzz_kreader_LDFLAGS = $(FUZZER_LINK)
endif
CODEC_FUZZ_SEEDS = \
	%reldir%/corpus/records/java-xerial-snappy.m0 \
	%reldir%/corpus/records/java-xerial-snappy.m1 \
	%reldir%/corpus/records/java-xerial-snappy.m2 \
	%reldir%/corpus/records/legacy-magic0.m0 \
	%reldir%/corpus/records/legacy-magic1.m0 \
	%reldir%/corpus/records/librdkafka-gzip.m0 \
	%reldir%/corpus/records/librdkafka-gzip.m1 \
	%reldir%/corpus/records/librdkafka-gzip.m2 \
	%reldir%/corpus/records/librdkafka-idempotent-lz4.m0 \
	%reldir%/corpus/records/librdkafka-idempotent-lz4.m1 \
	%reldir%/corpus/records/librdkafka-idempotent-lz4.m2 \
	%reldir%/corpus/records/librdkafka-lz4.m0 \
	%reldir%/corpus/records/librdkafka-lz4.m1 \
	%reldir%/corpus/records/librdkafka-lz4.m2 \
	%reldir%/corpus/records/librdkafka-none.m0 \
	%reldir%/corpus/records/librdkafka-none.m1 \
	%reldir%/corpus/records/librdkafka-snappy.m0 \
	%reldir%/corpus/records/librdkafka-snappy.m1 \
	%reldir%/corpus/records/librdkafka-snappy.m2 \
	%reldir%/corpus/records/librdkafka-two-batches-gzip.m0 \
	%reldir%/corpus/records/librdkafka-two-batches-gzip.m1 \
	%reldir%/corpus/records/librdkafka-two-batches-gzip.m2 \
	%reldir%/corpus/records/librdkafka-zstd.m0 \
	%reldir%/corpus/records/librdkafka-zstd.m1 \
	%reldir%/corpus/records/librdkafka-zstd.m2 \
	%reldir%/corpus/records/records-gzip.m3 \
	%reldir%/corpus/records/records-lz4.m3 \
	%reldir%/corpus/records/records-none.m3 \
	%reldir%/corpus/records/records-snappy.m3 \
	%reldir%/corpus/records/records-zstd.m3 \
	%reldir%/corpus/kreader/arrays-sub \
	%reldir%/corpus/kreader/ints \
	%reldir%/corpus/kreader/strings \
	%reldir%/corpus/kreader/varints
EXTRA_DIST += $(CODEC_FUZZ_SEEDS)

# fuzz/fuzz_kproto: the gateway's request header parser and response
# rewriters (ApiVersions, Metadata, FindCoordinator, DescribeCluster,
# Produce/Fetch NodeEndpoints). Seeds: fuzz/corpus/kproto/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_kproto
%canon_reldir%_fuzz_kproto_LDFLAGS = $(FUZZER_LINK)
endif
KPROTO_FUZZ_SEEDS = \
	%reldir%/corpus/kproto/api-versions-v0 \
	%reldir%/corpus/kproto/api-versions-v3 \
	%reldir%/corpus/kproto/api-versions-v4 \
	%reldir%/corpus/kproto/describe-cluster-v0 \
	%reldir%/corpus/kproto/describe-cluster-v2 \
	%reldir%/corpus/kproto/fetch-v16-node-endpoints \
	%reldir%/corpus/kproto/find-coordinator-v0 \
	%reldir%/corpus/kproto/find-coordinator-v1 \
	%reldir%/corpus/kproto/find-coordinator-v3 \
	%reldir%/corpus/kproto/find-coordinator-v4 \
	%reldir%/corpus/kproto/find-coordinator-v6 \
	%reldir%/corpus/kproto/metadata-v0 \
	%reldir%/corpus/kproto/metadata-v1 \
	%reldir%/corpus/kproto/metadata-v12 \
	%reldir%/corpus/kproto/metadata-v13 \
	%reldir%/corpus/kproto/metadata-v5 \
	%reldir%/corpus/kproto/metadata-v9 \
	%reldir%/corpus/kproto/produce-v10-node-endpoints \
	%reldir%/corpus/kproto/produce-v12 \
	%reldir%/corpus/kproto/produce-v9 \
	%reldir%/corpus/kproto/request-metadata-v12 \
	%reldir%/corpus/kproto/request-produce-v9
EXTRA_DIST += $(KPROTO_FUZZ_SEEDS)

# fuzz/fuzz_jsondiff: compat/jsondiff on a flags byte plus two or three JSON
# documents (original, update, external $ref target). Seeds: fuzz/corpus/jsondiff/,
# dictionary: fuzz/corpus/jsondiff.dict.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_jsondiff
%canon_reldir%_fuzz_jsondiff_LDFLAGS = $(FUZZER_LINK)
endif
JSONDIFF_FUZZ_SEEDS = \
	%reldir%/corpus/jsondiff/connect-type-bytes.json \
	%reldir%/corpus/jsondiff/cyclic-ref-change.json \
	%reldir%/corpus/jsondiff/cyclic-ref-identical.json \
	%reldir%/corpus/jsondiff/defs-bridge.json \
	%reldir%/corpus/jsondiff/draft2020-mix.json \
	%reldir%/corpus/jsondiff/draft2020-prefixitems-closed.json \
	%reldir%/corpus/jsondiff/external-ref.json \
	%reldir%/corpus/jsondiff/id-and-anchor-refs.json \
	%reldir%/corpus/jsondiff/lenient-closing-open-model.json \
	%reldir%/corpus/jsondiff/multipleof-decimal-reduced.json \
	%reldir%/corpus/jsondiff/multipleof-decimal.json \
	%reldir%/corpus/jsondiff/mutual-recursion-change.json \
	%reldir%/corpus/jsondiff/recursive-oneof-change.json \
	%reldir%/corpus/jsondiff/recursive-oneof-identical.json \
	%reldir%/corpus/jsondiff/ref-cycle-without-schema.json \
	%reldir%/corpus/jsondiff/type-array-keyword.json
EXTRA_DIST += $(JSONDIFF_FUZZ_SEEDS) %reldir%/corpus/jsondiff.dict
# fuzz/fuzz_jsonschema_compile: compat/jsonschema compilation (+ a few validations and
# the meta-schema check); fuzz/fuzz_jsonschema_validate: a schema and a document
# split at the first NUL, validated with and without a report (verdicts must agree).
# fuzz/fuzz_jsonschema_parse: compat/jsdoc (via jsonschema_parse) against
# jansson's parser (same accepted texts, equal values).
# Seeds: fuzz/corpus/jsonschema_{compile,validate,parse}/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_jsonschema_compile %reldir%/fuzz_jsonschema_validate \
	%reldir%/fuzz_jsonschema_parse
%canon_reldir%_fuzz_jsonschema_parse_LDFLAGS = $(FUZZER_LINK)
%canon_reldir%_fuzz_jsonschema_compile_LDFLAGS = $(FUZZER_LINK)
%canon_reldir%_fuzz_jsonschema_validate_LDFLAGS = $(FUZZER_LINK)
endif
JSONSCHEMA_FUZZ_SEEDS = \
	%reldir%/corpus/jsonschema_parse/duplicate \
	%reldir%/corpus/jsonschema_parse/mixed \
	%reldir%/corpus/jsonschema_parse/nested \
	%reldir%/corpus/jsonschema_parse/numbers \
	%reldir%/corpus/jsonschema_parse/string \
	%reldir%/corpus/jsonschema_compile/anchors-ids \
	%reldir%/corpus/jsonschema_compile/big-numbers \
	%reldir%/corpus/jsonschema_compile/bool-schemas \
	%reldir%/corpus/jsonschema_compile/contains-minmax \
	%reldir%/corpus/jsonschema_compile/deep \
	%reldir%/corpus/jsonschema_compile/deps-2019 \
	%reldir%/corpus/jsonschema_compile/draft4-exclusive \
	%reldir%/corpus/jsonschema_compile/draft7-meta \
	%reldir%/corpus/jsonschema_compile/dynamic \
	%reldir%/corpus/jsonschema_compile/formats \
	%reldir%/corpus/jsonschema_compile/if-then-else \
	%reldir%/corpus/jsonschema_compile/nul-strings \
	%reldir%/corpus/jsonschema_compile/oneof-not \
	%reldir%/corpus/jsonschema_compile/orders \
	%reldir%/corpus/jsonschema_compile/pattern-props \
	%reldir%/corpus/jsonschema_compile/recursive \
	%reldir%/corpus/jsonschema_compile/remote \
	%reldir%/corpus/jsonschema_compile/unevaluated-items \
	%reldir%/corpus/jsonschema_compile/urn-and-pointer \
	%reldir%/corpus/jsonschema_compile/vocab-meta \
	%reldir%/corpus/jsonschema_validate/anchors-ids \
	%reldir%/corpus/jsonschema_validate/big-numbers \
	%reldir%/corpus/jsonschema_validate/bool-schemas \
	%reldir%/corpus/jsonschema_validate/contains-minmax \
	%reldir%/corpus/jsonschema_validate/deep \
	%reldir%/corpus/jsonschema_validate/deps-2019 \
	%reldir%/corpus/jsonschema_validate/draft4-exclusive \
	%reldir%/corpus/jsonschema_validate/draft7-meta \
	%reldir%/corpus/jsonschema_validate/dynamic \
	%reldir%/corpus/jsonschema_validate/formats \
	%reldir%/corpus/jsonschema_validate/if-then-else \
	%reldir%/corpus/jsonschema_validate/nul-strings \
	%reldir%/corpus/jsonschema_validate/oneof-not \
	%reldir%/corpus/jsonschema_validate/one-pass-allof-ref \
	%reldir%/corpus/jsonschema_validate/one-pass-duplicates \
	%reldir%/corpus/jsonschema_validate/one-pass-nested \
	%reldir%/corpus/jsonschema_validate/one-pass-oneof-null \
	%reldir%/corpus/jsonschema_validate/one-pass-optional-record \
	%reldir%/corpus/jsonschema_validate/orders \
	%reldir%/corpus/jsonschema_validate/pattern-props \
	%reldir%/corpus/jsonschema_validate/recursive \
	%reldir%/corpus/jsonschema_validate/remote \
	%reldir%/corpus/jsonschema_validate/unevaluated-items \
	%reldir%/corpus/jsonschema_validate/urn-and-pointer \
	%reldir%/corpus/jsonschema_validate/vocab-meta
EXTRA_DIST += $(JSONSCHEMA_FUZZ_SEEDS)

# fuzz/fuzz_avvalid: compat/avvalid on a schema-choice byte and a payload (fixed
# schemas, recursive ones among them), or on a schema text, a NUL and a payload;
# checks the verdict's contracts (see the file). Seeds: fuzz/corpus/avvalid/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_avvalid
%canon_reldir%_fuzz_avvalid_LDFLAGS = $(FUZZER_LINK)
endif
AVVALID_FUZZ_SEEDS = \
	%reldir%/corpus/avvalid/every-type %reldir%/corpus/avvalid/infinite %reldir%/corpus/avvalid/list \
	%reldir%/corpus/avvalid/mutual %reldir%/corpus/avvalid/orders-cancelled \
	%reldir%/corpus/avvalid/orders-created %reldir%/corpus/avvalid/regress-key-at-byte \
	%reldir%/corpus/avvalid/regress-long-location %reldir%/corpus/avvalid/text-map-union \
	%reldir%/corpus/avvalid/text-recursive %reldir%/corpus/avvalid/tree %reldir%/corpus/avvalid/zero-types
EXTRA_DIST += $(AVVALID_FUZZ_SEEDS)

# fuzz/fuzz_pbvalid: compat/protobuf/pbvalid through the schema table, on a
# schema-choice byte and a payload (fixed schemas, a recursive one among them),
# or on `.proto` text, a NUL and a payload; framed or not, unknown fields
# refused or not; checks the verdict's contracts (see the file). Seeds:
# fuzz/corpus/pbvalid/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_pbvalid
%canon_reldir%_fuzz_pbvalid_LDFLAGS = $(FUZZER_LINK)
endif
EXTRA_DIST += %reldir%/corpus/pbvalid/order %reldir%/corpus/pbvalid/order-framed \
	%reldir%/corpus/pbvalid/item-framed %reldir%/corpus/pbvalid/other-framed-strict \
	%reldir%/corpus/pbvalid/req %reldir%/corpus/pbvalid/tree \
	%reldir%/corpus/pbvalid/unknown-groups %reldir%/corpus/pbvalid/text-proto2 \
	%reldir%/corpus/pbvalid/regress-no-fields

# fuzz/fuzz_gwcheck: the gateway's validation engine on arbitrary records
# (raw batches, or values and keys wrapped in valid batches; modes in the
# file's header) with a fixed schema set from tests/unit/gwfake.h.
# Seeds: fuzz/corpus/gwcheck/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_gwcheck
%canon_reldir%_fuzz_gwcheck_LDFLAGS = $(FUZZER_LINK)
endif
GWCHECK_FUZZ_SEEDS = \
	%reldir%/corpus/gwcheck/framed-avro \
	%reldir%/corpus/gwcheck/framed-avro-gzip-records \
	%reldir%/corpus/gwcheck/framed-json \
	%reldir%/corpus/gwcheck/keys-values \
	%reldir%/corpus/gwcheck/plain-json \
	%reldir%/corpus/gwcheck/plain-json-bad \
	%reldir%/corpus/gwcheck/raw-batch \
	%reldir%/corpus/gwcheck/raw-batch-gzip \
	%reldir%/corpus/gwcheck/record-name-avro \
	%reldir%/corpus/gwcheck/topic-record-shadow \
	%reldir%/corpus/gwcheck/unusable-proto
EXTRA_DIST += $(GWCHECK_FUZZ_SEEDS)

# fuzz/fuzz_framing: where a record names its schema (gateway/framing: id or
# GUID, prefix or header; modes in the file's header). Seeds:
# fuzz/corpus/framing/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_framing
%canon_reldir%_fuzz_framing_LDFLAGS = $(FUZZER_LINK)
endif
FRAMING_FUZZ_SEEDS = \
	%reldir%/corpus/framing/guid-prefix \
	%reldir%/corpus/framing/guid-header \
	%reldir%/corpus/framing/headers
EXTRA_DIST += $(FRAMING_FUZZ_SEEDS)

# fuzz/fuzz_kproduce: the Produce request/response codec of the validating
# gateway (parse, rewrite without rejected partitions, merge, synthesize).
# Seeds: fuzz/corpus/kproduce/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_kproduce
%canon_reldir%_fuzz_kproduce_LDFLAGS = $(FUZZER_LINK)
endif
KPRODUCE_FUZZ_SEEDS = \
	%reldir%/corpus/kproduce/acks0-v9 \
	%reldir%/corpus/kproduce/all-rejected-v12 \
	%reldir%/corpus/kproduce/mixed-v12 \
	%reldir%/corpus/kproduce/mixed-v3 \
	%reldir%/corpus/kproduce/mixed-v7 \
	%reldir%/corpus/kproduce/mixed-v8 \
	%reldir%/corpus/kproduce/mixed-v9
EXTRA_DIST += $(KPRODUCE_FUZZ_SEEDS)

# fuzz/fuzz_ruleset: Confluent's rule set checks (compat/ruleset) on any JSON,
# and any bytes as a rule name. Seeds: fuzz/corpus/ruleset/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_ruleset
%canon_reldir%_fuzz_ruleset_LDFLAGS = $(FUZZER_LINK)
endif
EXTRA_DIST += %reldir%/corpus/ruleset/valid.json %reldir%/corpus/ruleset/invalid.json \
	%reldir%/corpus/ruleset/name.txt

# fuzz/fuzz_authfile: the registry's auth file parser (registry/auth) on any
# bytes, and what a file that loads permits. Seeds: fuzz/corpus/authfile/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_authfile
%canon_reldir%_fuzz_authfile_LDFLAGS = $(FUZZER_LINK)
endif
EXTRA_DIST += %reldir%/corpus/authfile/karapace-readme.json %reldir%/corpus/authfile/every-kind.json \
	%reldir%/corpus/authfile/backtracking.json %reldir%/corpus/authfile/errors.json

# fuzz/fuzz_certmap: a client certificate's DER subject through
# gateway/certmap (find, log text) and tls_name_der_equal(), and any bytes as
# a CA file (tls_client_new, tls_server_new) or as a user's user.crt, its
# chain or its user.key (certmap_load); the users' certificates are made at
# start in a temporary folder. Seeds: fuzz/corpus/certmap/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_certmap
%canon_reldir%_fuzz_certmap_LDFLAGS = $(FUZZER_LINK)
endif
CERTMAP_FUZZ_SEEDS = \
	%reldir%/corpus/certmap/subject-order-processor \
	%reldir%/corpus/certmap/subject-payments-multi-rdn \
	%reldir%/corpus/certmap/subject-printable-lookalike \
	%reldir%/corpus/certmap/subject-control-chars \
	%reldir%/corpus/certmap/ca-two-certs \
	%reldir%/corpus/certmap/ca-cert-then-garbage \
	%reldir%/corpus/certmap/user-crt \
	%reldir%/corpus/certmap/chain-extra-cert \
	%reldir%/corpus/certmap/user-key \
	%reldir%/corpus/certmap/user-key-encrypted
EXTRA_DIST += $(CERTMAP_FUZZ_SEEDS)

# fuzz/fuzz_opts: configuration text: the gateway's --brokers and --listen
# (through gateway_open, which refuses before it opens anything) and
# cli/opts (opts_parse and its typed readers, the last against references).
# Seeds: fuzz/corpus/opts/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_opts
%canon_reldir%_fuzz_opts_SOURCES = %reldir%/fuzz_opts.c cli/opts.c cli/opts.h
%canon_reldir%_fuzz_opts_LDFLAGS = $(FUZZER_LINK)
endif
OPTS_FUZZ_SEEDS = \
	%reldir%/corpus/opts/brokers \
	%reldir%/corpus/opts/brokers-v6 \
	%reldir%/corpus/opts/listen \
	%reldir%/corpus/opts/hostport-v6 \
	%reldir%/corpus/opts/size-mib \
	%reldir%/corpus/opts/uint \
	%reldir%/corpus/opts/on-false \
	%reldir%/corpus/opts/argv
EXTRA_DIST += $(OPTS_FUZZ_SEEDS)

# fuzz/fuzz_rules: the gateway's rules file (gateway/rules) on any bytes, and
# what a file that loads answers for a few topics. Seeds: fuzz/corpus/rules/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_rules
%canon_reldir%_fuzz_rules_LDFLAGS = $(FUZZER_LINK)
endif
RULES_FUZZ_SEEDS = \
	%reldir%/corpus/rules/full.json \
	%reldir%/corpus/rules/default-inherited.json \
	%reldir%/corpus/rules/plain-json-record-name.json \
	%reldir%/corpus/rules/bad-regex.json
EXTRA_DIST += $(RULES_FUZZ_SEEDS)

# fuzz/fuzz_pembundle: common/pembundle (the CA reader of the gateway, the
# registry and the registry client) on any bytes as a CA file's contents, read
# as the file and as its folder. Seeds: fuzz/corpus/pembundle/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_pembundle
%canon_reldir%_fuzz_pembundle_LDFLAGS = $(FUZZER_LINK)
endif
EXTRA_DIST += %reldir%/corpus/pembundle/two-cas.crt %reldir%/corpus/pembundle/crlf-key-cert.pem \
	%reldir%/corpus/pembundle/cut-off.crt

# fuzz/fuzz_schemalog: Confluent's _schemas records (registry/schemalog):
# arbitrary keys and values decoded, and what decodes re-encoded and decoded
# again to the same record and bytes (modes in the file's header).
# Seeds: fuzz/corpus/schemalog/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_schemalog
%canon_reldir%_fuzz_schemalog_LDFLAGS = $(FUZZER_LINK)
endif
SCHEMALOG_FUZZ_SEEDS = \
	%reldir%/corpus/schemalog/clear-subject-all \
	%reldir%/corpus/schemalog/config-every-field \
	%reldir%/corpus/schemalog/context \
	%reldir%/corpus/schemalog/delete-subject \
	%reldir%/corpus/schemalog/mode-context \
	%reldir%/corpus/schemalog/noop \
	%reldir%/corpus/schemalog/schema-every-field \
	%reldir%/corpus/schemalog/schema-registered \
	%reldir%/corpus/schemalog/schema-unknown-fields \
	%reldir%/corpus/schemalog/tombstone-legacy-key \
	%reldir%/corpus/schemalog/unknown-keytype
EXTRA_DIST += $(SCHEMALOG_FUZZ_SEEDS)
# fuzz/fuzz_produce_struct: Produce requests mutated at the record and batch
# level by a custom mutator that re-seals every batch (length, CRC-32C,
# compression), through gateway/kproduce and gateway/gwcheck as the proxy
# runs them. Seeds: fuzz/corpus/produce_struct/ (valid requests).
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_produce_struct
%canon_reldir%_fuzz_produce_struct_LDFLAGS = $(FUZZER_LINK)
endif
PRODUCE_STRUCT_FUZZ_SEEDS = \
	%reldir%/corpus/produce_struct/mixed-v3 \
	%reldir%/corpus/produce_struct/mixed-v7 \
	%reldir%/corpus/produce_struct/mixed-v9 \
	%reldir%/corpus/produce_struct/mixed-v12 \
	%reldir%/corpus/produce_struct/regress-control-count
EXTRA_DIST += $(PRODUCE_STRUCT_FUZZ_SEEDS)

# fuzz/fuzz_jsonschema_diff: the one-pass JSON validator (compat/jsonschema/
# jsstream) against the full one on generated or given schemas and
# documents: a one-pass "valid" must be the full validator's. Seeds:
# fuzz/corpus/jsonschema_diff/.
if FUZZING
noinst_PROGRAMS += %reldir%/fuzz_jsonschema_diff
%canon_reldir%_fuzz_jsonschema_diff_LDFLAGS = $(FUZZER_LINK)
endif
JSONSCHEMA_DIFF_FUZZ_SEEDS = \
	%reldir%/corpus/jsonschema_diff/allof-ref \
	%reldir%/corpus/jsonschema_diff/allof-ref.gen-doc \
	%reldir%/corpus/jsonschema_diff/nested \
	%reldir%/corpus/jsonschema_diff/nested.gen-doc \
	%reldir%/corpus/jsonschema_diff/oneof-null \
	%reldir%/corpus/jsonschema_diff/oneof-null.gen-doc \
	%reldir%/corpus/jsonschema_diff/optional-record \
	%reldir%/corpus/jsonschema_diff/optional-record.gen-doc \
	%reldir%/corpus/jsonschema_diff/generated-0 \
	%reldir%/corpus/jsonschema_diff/generated-1 \
	%reldir%/corpus/jsonschema_diff/generated-2
EXTRA_DIST += $(JSONSCHEMA_DIFF_FUZZ_SEEDS)
