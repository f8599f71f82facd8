# tests/: every test prints TAP. C unit tests use tests/tap.h.
EXTRA_DIST += %reldir%/tap.h %reldir%/failalloc.h %reldir%/casedir.h
# Every program here links with the project's default LDADD (Makefile.am);
# tests that count or fail allocations (tests/failalloc.h) link with $(WRAP_ALLOC).
WRAP_ALLOC = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

check_PROGRAMS += %reldir%/unit/test_basics
TESTS += %reldir%/unit/test_basics
# The bounded LRU cache (common/lru): cases as a table in the test; malloc is
# wrapped so allocations can fail on purpose.
check_PROGRAMS += %reldir%/unit/test_lru
%canon_reldir%_unit_test_lru_LDFLAGS = $(AM_LDFLAGS) $(WRAP_ALLOC),--wrap=aligned_alloc
TESTS += %reldir%/unit/test_lru
# The CA reader (common/pembundle): certificates made at test time, a mounted
# Secret's layout; malloc is wrapped so allocations can fail on purpose.
check_PROGRAMS += %reldir%/unit/test_pembundle
%canon_reldir%_unit_test_pembundle_LDFLAGS = $(AM_LDFLAGS) $(WRAP_ALLOC)
TESTS += %reldir%/unit/test_pembundle
# cli/opts' duration reader, as a table of values.
check_PROGRAMS += %reldir%/unit/test_opts
%canon_reldir%_unit_test_opts_SOURCES = %reldir%/unit/test_opts.c cli/opts.c cli/opts.h
TESTS += %reldir%/unit/test_opts
# Confluent's rule set validation (compat/ruleset), as a table of cases.
check_PROGRAMS += %reldir%/unit/test_ruleset
TESTS += %reldir%/unit/test_ruleset
# Reserved fields' names in Java's HashSet order (registry/reserved).
check_PROGRAMS += %reldir%/unit/test_reserved
TESTS += %reldir%/unit/test_reserved
# Confluent's _schemas records (registry/schemalog): golden bytes printed by
# Jackson; malloc is wrapped so allocations can fail on purpose.
check_PROGRAMS += %reldir%/unit/test_schemalog
%canon_reldir%_unit_test_schemalog_LDFLAGS = $(AM_LDFLAGS) $(WRAP_ALLOC)
TESTS += %reldir%/unit/test_schemalog

# Kafka codec (gateway/kreader, kwriter, crc32c, records, kcompress).
check_PROGRAMS += %reldir%/unit/test_kreader
TESTS += %reldir%/unit/test_kreader
check_PROGRAMS += %reldir%/unit/test_kwriter
TESTS += %reldir%/unit/test_kwriter
check_PROGRAMS += %reldir%/unit/test_crc32c
TESTS += %reldir%/unit/test_crc32c
check_PROGRAMS += %reldir%/unit/test_kcompress
TESTS += %reldir%/unit/test_kcompress
check_PROGRAMS += %reldir%/unit/test_records
TESTS += %reldir%/unit/test_records
# Record-batch cases: real batches (see tests/cases/records/capture.c).
RECORDS_CASES = \
	%reldir%/cases/records/java-xerial-snappy/batch.bin %reldir%/cases/records/java-xerial-snappy/expect \
	%reldir%/cases/records/legacy-magic0/batch.bin %reldir%/cases/records/legacy-magic0/expect \
	%reldir%/cases/records/legacy-magic1/batch.bin %reldir%/cases/records/legacy-magic1/expect \
	%reldir%/cases/records/librdkafka-gzip/batch.bin %reldir%/cases/records/librdkafka-gzip/expect \
	%reldir%/cases/records/librdkafka-idempotent-lz4/batch.bin %reldir%/cases/records/librdkafka-idempotent-lz4/expect \
	%reldir%/cases/records/librdkafka-lz4/batch.bin %reldir%/cases/records/librdkafka-lz4/expect \
	%reldir%/cases/records/librdkafka-none/batch.bin %reldir%/cases/records/librdkafka-none/expect \
	%reldir%/cases/records/librdkafka-snappy/batch.bin %reldir%/cases/records/librdkafka-snappy/expect \
	%reldir%/cases/records/librdkafka-two-batches-gzip/batch.bin %reldir%/cases/records/librdkafka-two-batches-gzip/expect \
	%reldir%/cases/records/librdkafka-zstd/batch.bin %reldir%/cases/records/librdkafka-zstd/expect
EXTRA_DIST += $(RECORDS_CASES) %reldir%/cases/records/capture.c

# HTTP cases: every tests/http/cases/NAME.http played by tests/http/runner against
# a fresh `$(SG_BIN) registry` (see tests/http/README.md).
check_PROGRAMS += %reldir%/http/runner
TESTS += %reldir%/http/runner

# Gateway proxy (tests/kafka/): gwrun runs the gateway from flags for the
# real-broker scripts.
check_PROGRAMS += %reldir%/kafka/gwrun
# leaderrun: a registry node (SQLite, registry/leader, registry/forward) for
# tests/kafka/registry-election.sh.
check_PROGRAMS += %reldir%/kafka/leaderrun
check_PROGRAMS += %reldir%/kafka/test_mock
TESTS += %reldir%/kafka/test_mock
# Kafka frames as data: tests/kafka/frames/*.frames (see test_kframes.c).
KFRAMES_CASES = %reldir%/kafka/frames/api_versions.frames %reldir%/kafka/frames/describe_cluster.frames \
	%reldir%/kafka/frames/fetch.frames %reldir%/kafka/frames/find_coordinator.frames \
	%reldir%/kafka/frames/metadata.frames %reldir%/kafka/frames/produce.frames \
	%reldir%/kafka/frames/requests.frames
EXTRA_DIST += $(KFRAMES_CASES)
check_PROGRAMS += %reldir%/kafka/test_kframes
TESTS += %reldir%/kafka/test_kframes
check_PROGRAMS += %reldir%/kafka/test_loop
TESTS += %reldir%/kafka/test_loop
# The gateway's limits on clients (idle timeout, connections per address and
# in all) over real sockets, before a fake broker.
check_PROGRAMS += %reldir%/kafka/test_gwlimits
TESTS += %reldir%/kafka/test_gwlimits
# TLS on loop connections (gateway/tls, gateway/loop): certificates made at
# test time, loop clients and listeners, and a blocking OpenSSL client.
check_PROGRAMS += %reldir%/kafka/test_looptls
TESTS += %reldir%/kafka/test_looptls
# The certmap identity (gateway/certmap): users found by DER subject.
check_PROGRAMS += %reldir%/kafka/test_certmap
TESTS += %reldir%/kafka/test_certmap

# Avro schema model (compat/avsc): cases in tests/cases/avsc/. Allocations are
# wrapped (-Wl,--wrap) so the test can fail the Nth one.
AVSC_CASES = %reldir%/cases/avsc/README.md %reldir%/cases/avsc/upstream-schema-tests.jsonl \
	%reldir%/cases/avsc/valid.jsonl %reldir%/cases/avsc/invalid.jsonl %reldir%/cases/avsc/refs.jsonl
EXTRA_DIST += $(AVSC_CASES)
check_PROGRAMS += %reldir%/unit/test_avsc
%canon_reldir%_unit_test_avsc_LDFLAGS = $(AM_LDFLAGS) $(WRAP_ALLOC)
TESTS += %reldir%/unit/test_avsc
# Protobuf `.proto` parser and canonical string (compat/protobuf): cases in
# tests/cases/protobuf/<case>/{input.proto, canonical.proto or error}.
# Allocations are wrapped so each can fail in turn.
PROTOBUF_CASES = \
	%reldir%/cases/protobuf/custom-options/canonical.proto \
	%reldir%/cases/protobuf/custom-options/input.proto \
	%reldir%/cases/protobuf/err-bad-syntax/error \
	%reldir%/cases/protobuf/err-bad-syntax/input.proto \
	%reldir%/cases/protobuf/err-duplicate-type/error \
	%reldir%/cases/protobuf/err-duplicate-type/input.proto \
	%reldir%/cases/protobuf/err-edition/error \
	%reldir%/cases/protobuf/err-edition/input.proto \
	%reldir%/cases/protobuf/err-enum-leading-digit/error \
	%reldir%/cases/protobuf/err-enum-leading-digit/input.proto \
	%reldir%/cases/protobuf/err-eof/error \
	%reldir%/cases/protobuf/err-eof/input.proto \
	%reldir%/cases/protobuf/err-file-level-field/error \
	%reldir%/cases/protobuf/err-file-level-field/input.proto \
	%reldir%/cases/protobuf/err-map-label/error \
	%reldir%/cases/protobuf/err-map-label/input.proto \
	%reldir%/cases/protobuf/err-proto2-no-label/error \
	%reldir%/cases/protobuf/err-proto2-no-label/input.proto \
	%reldir%/cases/protobuf/err-proto3-required/error \
	%reldir%/cases/protobuf/err-proto3-required/input.proto \
	%reldir%/cases/protobuf/err-syntax-not-first/error \
	%reldir%/cases/protobuf/err-syntax-not-first/input.proto \
	%reldir%/cases/protobuf/err-tag-not-int/error \
	%reldir%/cases/protobuf/err-tag-not-int/input.proto \
	%reldir%/cases/protobuf/err-trailing-comment/error \
	%reldir%/cases/protobuf/err-trailing-comment/input.proto \
	%reldir%/cases/protobuf/err-unterminated-comment/error \
	%reldir%/cases/protobuf/err-unterminated-comment/input.proto \
	%reldir%/cases/protobuf/err-unterminated-string/error \
	%reldir%/cases/protobuf/err-unterminated-string/input.proto \
	%reldir%/cases/protobuf/no-syntax/canonical.proto \
	%reldir%/cases/protobuf/no-syntax/input.proto \
	%reldir%/cases/protobuf/proto2-groups-extensions/canonical.proto \
	%reldir%/cases/protobuf/proto2-groups-extensions/input.proto \
	%reldir%/cases/protobuf/proto3-everything/canonical.proto \
	%reldir%/cases/protobuf/proto3-everything/input.proto
EXTRA_DIST += $(PROTOBUF_CASES)
check_PROGRAMS += %reldir%/unit/test_protobuf
%canon_reldir%_unit_test_protobuf_LDFLAGS = $(AM_LDFLAGS) $(WRAP_ALLOC)
TESTS += %reldir%/unit/test_protobuf
# The serialized form and the normalized string (compat/protobuf/pbdesc,
# pbnorm): cases in tests/cases/protobuf-desc/<case>/{input.proto or
# input.b64, serialized.b64, canonical.proto, normalized.proto, lossy};
# make-expected.py wrote the .b64 files with the protobuf package.
PROTOBUF_DESC_CASES = \
	%reldir%/cases/protobuf-desc/make-expected.py \
	%reldir%/cases/protobuf-desc/desc-meta/canonical.proto \
	%reldir%/cases/protobuf-desc/desc-meta/input.b64 \
	%reldir%/cases/protobuf-desc/desc-meta/normalized.proto \
	%reldir%/cases/protobuf-desc/desc-proto2/canonical.proto \
	%reldir%/cases/protobuf-desc/desc-proto2/input.b64 \
	%reldir%/cases/protobuf-desc/desc-proto2/normalized.proto \
	%reldir%/cases/protobuf-desc/desc-proto3/canonical.proto \
	%reldir%/cases/protobuf-desc/desc-proto3/input.b64 \
	%reldir%/cases/protobuf-desc/desc-proto3/normalized.proto \
	%reldir%/cases/protobuf-desc/meta/input.proto \
	%reldir%/cases/protobuf-desc/meta/normalized.proto \
	%reldir%/cases/protobuf-desc/meta/serialized.b64 \
	%reldir%/cases/protobuf-desc/options-ext/input.proto \
	%reldir%/cases/protobuf-desc/options-ext/lossy \
	%reldir%/cases/protobuf-desc/options-ext/normalized.proto \
	%reldir%/cases/protobuf-desc/options-norm/input.proto \
	%reldir%/cases/protobuf-desc/options-norm/lossy \
	%reldir%/cases/protobuf-desc/options-norm/normalized.proto \
	%reldir%/cases/protobuf-desc/orders/input.proto \
	%reldir%/cases/protobuf-desc/orders/normalized.proto \
	%reldir%/cases/protobuf-desc/orders/serialized.b64 \
	%reldir%/cases/protobuf-desc/proto2-ext/input.proto \
	%reldir%/cases/protobuf-desc/proto2-ext/lossy \
	%reldir%/cases/protobuf-desc/proto2-ext/normalized.proto \
	%reldir%/cases/protobuf-desc/proto2-ext/serialized.b64 \
	%reldir%/cases/protobuf-desc/sorting/input.proto \
	%reldir%/cases/protobuf-desc/sorting/normalized.proto
EXTRA_DIST += $(PROTOBUF_DESC_CASES)
check_PROGRAMS += %reldir%/unit/test_pbdesc
%canon_reldir%_unit_test_pbdesc_LDFLAGS = $(AM_LDFLAGS) $(WRAP_ALLOC)
TESTS += %reldir%/unit/test_pbdesc
# Protobuf payloads (compat/protobuf/pbvalid through compat/schema.h): the
# cases in tests/cases/pbvalid/ (good payloads from its gen.py); allocations
# are wrapped so the check can be shown to make none.
PBVALID_CASES = %reldir%/cases/pbvalid/README.md %reldir%/cases/pbvalid/gen.py \
	%reldir%/cases/pbvalid/orders.proto %reldir%/cases/pbvalid/orders.cases \
	%reldir%/cases/pbvalid/legacy.proto %reldir%/cases/pbvalid/legacy.cases \
	%reldir%/cases/pbvalid/common.proto %reldir%/cases/pbvalid/uses.proto \
	%reldir%/cases/pbvalid/refs.cases %reldir%/cases/pbvalid/empty.proto \
	%reldir%/cases/pbvalid/empty.cases
EXTRA_DIST += $(PBVALID_CASES)
check_PROGRAMS += %reldir%/unit/test_pbvalid
%canon_reldir%_unit_test_pbvalid_LDFLAGS = $(AM_LDFLAGS) $(WRAP_ALLOC)
TESTS += %reldir%/unit/test_pbvalid
# Protobuf compatibility (compat/protobuf/pbcompat): Confluent's diff examples
# from $(SG_SHARED)/suites, then hand-written cases in the test; allocations
# are wrapped so each can fail in turn.
check_PROGRAMS += %reldir%/unit/test_pbcompat
%canon_reldir%_unit_test_pbcompat_LDFLAGS = $(AM_LDFLAGS) $(WRAP_ALLOC)
TESTS += %reldir%/unit/test_pbcompat
# Real-broker tests: each script starts Apache Kafka (fetched with mvn, see
# tests/kafka/lib.sh) and the gateway, drives real clients, and stops both.
KAFKA_TESTS = %reldir%/kafka/mock.sh %reldir%/kafka/serve.sh %reldir%/kafka/broker.sh %reldir%/kafka/cluster.sh %reldir%/kafka/gw-replicas.sh
TESTS += $(KAFKA_TESTS)
EXTRA_DIST += $(KAFKA_TESTS) %reldir%/kafka/lib.sh %reldir%/kafka/kwire.py %reldir%/kafka/pyclients.py %reldir%/kafka/README.md \
	%reldir%/kafka/KClient.java %reldir%/kafka/pom.xml
# Record validation end to end (issue #5): schemagate registry, then gateway
# --registry --rules --admin-listen in front of a real broker.
KAFKA_TESTS += %reldir%/kafka/validate.sh %reldir%/kafka/validate-serve.sh %reldir%/kafka/held-memory.sh
# TLS through the gateway (issue #14): clients, brokers.
KAFKA_TESTS += %reldir%/kafka/tls.sh %reldir%/kafka/tls-rotate.sh
# The Java client with hostname verification, and SASL_SSL with SCRAM through
# the gateway (--broker-identity sasl).
KAFKA_TESTS += %reldir%/kafka/tls-clients.sh
EXTRA_DIST += %reldir%/kafka/ktls.py
# The gateway's registry client over HTTPS with a CA, a client certificate
# and Basic credentials (issue #14): validation, and failing closed.
KAFKA_TESTS += %reldir%/kafka/registry-tls.sh
# A registry cluster: leader election, forwarding, fencing (leaderrun).
KAFKA_TESTS += %reldir%/kafka/registry-election.sh
EXTRA_DIST += %reldir%/kafka/kvalidate.py %reldir%/kafka/KValidate.java
# Confluent 8 framings (issue #15): the GUID prefix and the schema id header,
# from confluent-kafka-python's serializers, through gateway --registry and
# serve, against a real broker.
KAFKA_TESTS += %reldir%/kafka/framing.sh
EXTRA_DIST += %reldir%/kafka/kframing.py
# Confluent-framed Protobuf records through the gateway (issue #17):
# confluent-kafka-python's ProtobufSerializer/Deserializer, one real broker.
KAFKA_TESTS += %reldir%/kafka/protobuf.sh
EXTRA_DIST += %reldir%/kafka/kprotobuf.py
# A topic whose subjects are in a registry context (issue #15): the rule's
# "context", ids of that context over HTTP and in serve, against a real broker.
KAFKA_TESTS += %reldir%/kafka/contexts.sh
EXTRA_DIST += %reldir%/kafka/kcontexts.py
# The registry on Kafka's _schemas log (--store kafka): Confluent's records
# byte for byte, resume, a read replica, migration, fencing.
KAFKA_TESTS += %reldir%/kafka/registry-kafka.sh
# Its operations: read-your-writes for reads, /health on catch-up, metrics,
# ids never reused.
KAFKA_TESTS += %reldir%/kafka/registry-kafka-ops.sh
# The Produce codec of the validating gateway (gateway/kproduce), byte for byte.
check_PROGRAMS += %reldir%/unit/test_kproduce
TESTS += %reldir%/unit/test_kproduce

# Avro compatibility (compat/avcompat): the shared Avro suite, the hand-written
# cases in tests/cases/avcompat/<case>/{writer.avsc,reader.avsc,expect.json} and
# built cases; malloc is wrapped so allocations can fail on purpose.
AVCOMPAT_CASES = %reldir%/cases/avcompat/README.md \
	%reldir%/cases/avcompat/all_six_types/expect.json \
	%reldir%/cases/avcompat/all_six_types/reader.avsc \
	%reldir%/cases/avcompat/all_six_types/writer.avsc \
	%reldir%/cases/avcompat/decimal_fixed_vs_bytes/expect.json \
	%reldir%/cases/avcompat/decimal_fixed_vs_bytes/reader.avsc \
	%reldir%/cases/avcompat/decimal_fixed_vs_bytes/writer.avsc \
	%reldir%/cases/avcompat/decimal_precision_change/expect.json \
	%reldir%/cases/avcompat/decimal_precision_change/reader.avsc \
	%reldir%/cases/avcompat/decimal_precision_change/writer.avsc \
	%reldir%/cases/avcompat/deep_records_fixed_size/expect.json \
	%reldir%/cases/avcompat/deep_records_fixed_size/reader.avsc \
	%reldir%/cases/avcompat/deep_records_fixed_size/writer.avsc \
	%reldir%/cases/avcompat/empty_union_writer/expect.json \
	%reldir%/cases/avcompat/empty_union_writer/reader.avsc \
	%reldir%/cases/avcompat/empty_union_writer/writer.avsc \
	%reldir%/cases/avcompat/enum_default_field_missing_in_writer/expect.json \
	%reldir%/cases/avcompat/enum_default_field_missing_in_writer/reader.avsc \
	%reldir%/cases/avcompat/enum_default_field_missing_in_writer/writer.avsc \
	%reldir%/cases/avcompat/enum_reader_default/expect.json \
	%reldir%/cases/avcompat/enum_reader_default/reader.avsc \
	%reldir%/cases/avcompat/enum_reader_default/writer.avsc \
	%reldir%/cases/avcompat/enum_symbols_sorted/expect.json \
	%reldir%/cases/avcompat/enum_symbols_sorted/reader.avsc \
	%reldir%/cases/avcompat/enum_symbols_sorted/writer.avsc \
	%reldir%/cases/avcompat/error_type_reads_record/expect.json \
	%reldir%/cases/avcompat/error_type_reads_record/reader.avsc \
	%reldir%/cases/avcompat/error_type_reads_record/writer.avsc \
	%reldir%/cases/avcompat/field_alias/expect.json \
	%reldir%/cases/avcompat/field_alias/reader.avsc \
	%reldir%/cases/avcompat/field_alias/writer.avsc \
	%reldir%/cases/avcompat/field_alias_ambiguous/expect.json \
	%reldir%/cases/avcompat/field_alias_ambiguous/reader.avsc \
	%reldir%/cases/avcompat/field_alias_ambiguous/writer.avsc \
	%reldir%/cases/avcompat/field_alias_to_incompatible_type/expect.json \
	%reldir%/cases/avcompat/field_alias_to_incompatible_type/reader.avsc \
	%reldir%/cases/avcompat/field_alias_to_incompatible_type/writer.avsc \
	%reldir%/cases/avcompat/field_reorder_and_defaults/expect.json \
	%reldir%/cases/avcompat/field_reorder_and_defaults/reader.avsc \
	%reldir%/cases/avcompat/field_reorder_and_defaults/writer.avsc \
	%reldir%/cases/avcompat/fixed_alias/expect.json \
	%reldir%/cases/avcompat/fixed_alias/reader.avsc \
	%reldir%/cases/avcompat/fixed_alias/writer.avsc \
	%reldir%/cases/avcompat/logical_date_to_timestamp/expect.json \
	%reldir%/cases/avcompat/logical_date_to_timestamp/reader.avsc \
	%reldir%/cases/avcompat/logical_date_to_timestamp/writer.avsc \
	%reldir%/cases/avcompat/mutual_recursion/expect.json \
	%reldir%/cases/avcompat/mutual_recursion/reader.avsc \
	%reldir%/cases/avcompat/mutual_recursion/writer.avsc \
	%reldir%/cases/avcompat/mutual_recursion_deep_finding/expect.json \
	%reldir%/cases/avcompat/mutual_recursion_deep_finding/reader.avsc \
	%reldir%/cases/avcompat/mutual_recursion_deep_finding/writer.avsc \
	%reldir%/cases/avcompat/name_and_fields_together/expect.json \
	%reldir%/cases/avcompat/name_and_fields_together/reader.avsc \
	%reldir%/cases/avcompat/name_and_fields_together/writer.avsc \
	%reldir%/cases/avcompat/nested_namespace_inheritance/expect.json \
	%reldir%/cases/avcompat/nested_namespace_inheritance/reader.avsc \
	%reldir%/cases/avcompat/nested_namespace_inheritance/writer.avsc \
	%reldir%/cases/avcompat/null_top_into_union/expect.json \
	%reldir%/cases/avcompat/null_top_into_union/reader.avsc \
	%reldir%/cases/avcompat/null_top_into_union/writer.avsc \
	%reldir%/cases/avcompat/promotions_in_containers/expect.json \
	%reldir%/cases/avcompat/promotions_in_containers/reader.avsc \
	%reldir%/cases/avcompat/promotions_in_containers/writer.avsc \
	%reldir%/cases/avcompat/reader_union_promotion/expect.json \
	%reldir%/cases/avcompat/reader_union_promotion/reader.avsc \
	%reldir%/cases/avcompat/reader_union_promotion/writer.avsc \
	%reldir%/cases/avcompat/record_alias_fullname/expect.json \
	%reldir%/cases/avcompat/record_alias_fullname/reader.avsc \
	%reldir%/cases/avcompat/record_alias_fullname/writer.avsc \
	%reldir%/cases/avcompat/record_alias_other_namespace/expect.json \
	%reldir%/cases/avcompat/record_alias_other_namespace/reader.avsc \
	%reldir%/cases/avcompat/record_alias_other_namespace/writer.avsc \
	%reldir%/cases/avcompat/recursive_list_compatible/expect.json \
	%reldir%/cases/avcompat/recursive_list_compatible/reader.avsc \
	%reldir%/cases/avcompat/recursive_list_compatible/writer.avsc \
	%reldir%/cases/avcompat/recursive_tree_type_change/expect.json \
	%reldir%/cases/avcompat/recursive_tree_type_change/reader.avsc \
	%reldir%/cases/avcompat/recursive_tree_type_change/writer.avsc \
	%reldir%/cases/avcompat/shared_enum_twice/expect.json \
	%reldir%/cases/avcompat/shared_enum_twice/reader.avsc \
	%reldir%/cases/avcompat/shared_enum_twice/writer.avsc \
	%reldir%/cases/avcompat/shared_record_twice/expect.json \
	%reldir%/cases/avcompat/shared_record_twice/reader.avsc \
	%reldir%/cases/avcompat/shared_record_twice/writer.avsc \
	%reldir%/cases/avcompat/union_inside_containers/expect.json \
	%reldir%/cases/avcompat/union_inside_containers/reader.avsc \
	%reldir%/cases/avcompat/union_inside_containers/writer.avsc \
	%reldir%/cases/avcompat/union_reader_record_branch_incompatible/expect.json \
	%reldir%/cases/avcompat/union_reader_record_branch_incompatible/reader.avsc \
	%reldir%/cases/avcompat/union_reader_record_branch_incompatible/writer.avsc \
	%reldir%/cases/avcompat/unqualified_name_match/expect.json \
	%reldir%/cases/avcompat/unqualified_name_match/reader.avsc \
	%reldir%/cases/avcompat/unqualified_name_match/writer.avsc \
	%reldir%/cases/avcompat/writer_union_partial/expect.json \
	%reldir%/cases/avcompat/writer_union_partial/reader.avsc \
	%reldir%/cases/avcompat/writer_union_partial/writer.avsc
EXTRA_DIST += $(AVCOMPAT_CASES)
check_PROGRAMS += %reldir%/unit/test_avcompat
%canon_reldir%_unit_test_avcompat_LDFLAGS = $(AM_LDFLAGS) $(WRAP_ALLOC)
TESTS += %reldir%/unit/test_avcompat

# JSON Schema compatibility (compat/jsondiff): Confluent's diff examples and
# Karapace's pairs from $(SG_SHARED)/suites, plus tests/cases/jsondiff/<case>/
# {original.json,update.json,expect.json}.
JSONDIFF_CASES = \
	%reldir%/cases/jsondiff/connect-type-bytes/expect.json \
	%reldir%/cases/jsondiff/connect-type-bytes/original.json \
	%reldir%/cases/jsondiff/connect-type-bytes/update.json \
	%reldir%/cases/jsondiff/cyclic-ref-change/expect.json \
	%reldir%/cases/jsondiff/cyclic-ref-change/original.json \
	%reldir%/cases/jsondiff/cyclic-ref-change/update.json \
	%reldir%/cases/jsondiff/cyclic-ref-identical/expect.json \
	%reldir%/cases/jsondiff/cyclic-ref-identical/original.json \
	%reldir%/cases/jsondiff/cyclic-ref-identical/update.json \
	%reldir%/cases/jsondiff/deep-nesting-150/expect.json \
	%reldir%/cases/jsondiff/deep-nesting-150/original.json \
	%reldir%/cases/jsondiff/deep-nesting-150/update.json \
	%reldir%/cases/jsondiff/deep-nesting-300/expect.json \
	%reldir%/cases/jsondiff/deep-nesting-300/original.json \
	%reldir%/cases/jsondiff/deep-nesting-300/update.json \
	%reldir%/cases/jsondiff/defs-bridge/expect.json \
	%reldir%/cases/jsondiff/defs-bridge/original.json \
	%reldir%/cases/jsondiff/defs-bridge/update.json \
	%reldir%/cases/jsondiff/ecma-pattern-properties/expect.json \
	%reldir%/cases/jsondiff/ecma-pattern-properties/original.json \
	%reldir%/cases/jsondiff/ecma-pattern-properties/update.json \
	%reldir%/cases/jsondiff/draft2020-prefixitems-closed/expect.json \
	%reldir%/cases/jsondiff/draft2020-prefixitems-closed/original.json \
	%reldir%/cases/jsondiff/draft2020-prefixitems-closed/update.json \
	%reldir%/cases/jsondiff/id-and-anchor-refs/expect.json \
	%reldir%/cases/jsondiff/id-and-anchor-refs/original.json \
	%reldir%/cases/jsondiff/id-and-anchor-refs/update.json \
	%reldir%/cases/jsondiff/lenient-closing-open-model/expect.json \
	%reldir%/cases/jsondiff/lenient-closing-open-model/original.json \
	%reldir%/cases/jsondiff/lenient-closing-open-model/update.json \
	%reldir%/cases/jsondiff/multipleof-decimal-reduced/expect.json \
	%reldir%/cases/jsondiff/multipleof-decimal-reduced/original.json \
	%reldir%/cases/jsondiff/multipleof-decimal-reduced/update.json \
	%reldir%/cases/jsondiff/multipleof-decimal/expect.json \
	%reldir%/cases/jsondiff/multipleof-decimal/original.json \
	%reldir%/cases/jsondiff/multipleof-decimal/update.json \
	%reldir%/cases/jsondiff/mutual-recursion-change/expect.json \
	%reldir%/cases/jsondiff/mutual-recursion-change/original.json \
	%reldir%/cases/jsondiff/mutual-recursion-change/update.json \
	%reldir%/cases/jsondiff/recursive-oneof-change/expect.json \
	%reldir%/cases/jsondiff/recursive-oneof-change/original.json \
	%reldir%/cases/jsondiff/recursive-oneof-change/update.json \
	%reldir%/cases/jsondiff/recursive-oneof-identical/expect.json \
	%reldir%/cases/jsondiff/recursive-oneof-identical/original.json \
	%reldir%/cases/jsondiff/recursive-oneof-identical/update.json \
	%reldir%/cases/jsondiff/ref-chain-500/expect.json \
	%reldir%/cases/jsondiff/ref-chain-500/original.json \
	%reldir%/cases/jsondiff/ref-chain-500/update.json \
	%reldir%/cases/jsondiff/ref-cycle-without-schema/expect.json \
	%reldir%/cases/jsondiff/ref-cycle-without-schema/original.json \
	%reldir%/cases/jsondiff/ref-cycle-without-schema/update.json \
	%reldir%/cases/jsondiff/type-array-keyword/expect.json \
	%reldir%/cases/jsondiff/type-array-keyword/original.json \
	%reldir%/cases/jsondiff/type-array-keyword/update.json
EXTRA_DIST += $(JSONDIFF_CASES)
check_PROGRAMS += %reldir%/unit/test_jsondiff
TESTS += %reldir%/unit/test_jsondiff

# JSON Schema validation (compat/jsonschema): the JSON-Schema-Test-Suite from
# $(SG_SHARED), error reports and limits, and the data cases in
# tests/cases/jsonschema/<case>/{schema.json,input.json,expect[,options,one_pass]}.
JSONSCHEMA_CASES = \
	%reldir%/cases/jsonschema/anyof-explained/expect \
	%reldir%/cases/jsonschema/anyof-explained/input.json \
	%reldir%/cases/jsonschema/anyof-explained/schema.json \
	%reldir%/cases/jsonschema/anyof-oneof/expect \
	%reldir%/cases/jsonschema/anyof-oneof/input.json \
	%reldir%/cases/jsonschema/anyof-oneof/schema.json \
	%reldir%/cases/jsonschema/big-integers/expect \
	%reldir%/cases/jsonschema/big-integers/input.json \
	%reldir%/cases/jsonschema/big-integers/schema.json \
	%reldir%/cases/jsonschema/dependent-2019/expect \
	%reldir%/cases/jsonschema/dependent-2019/input.json \
	%reldir%/cases/jsonschema/dependent-2019/schema.json \
	%reldir%/cases/jsonschema/draft4-exclusive/expect \
	%reldir%/cases/jsonschema/draft4-exclusive/input.json \
	%reldir%/cases/jsonschema/draft4-exclusive/options \
	%reldir%/cases/jsonschema/draft4-exclusive/schema.json \
	%reldir%/cases/jsonschema/escaped-locations/expect \
	%reldir%/cases/jsonschema/escaped-locations/input.json \
	%reldir%/cases/jsonschema/escaped-locations/schema.json \
	%reldir%/cases/jsonschema/format-annotation-only/expect \
	%reldir%/cases/jsonschema/format-annotation-only/input.json \
	%reldir%/cases/jsonschema/format-annotation-only/schema.json \
	%reldir%/cases/jsonschema/format-asserted/expect \
	%reldir%/cases/jsonschema/format-asserted/input.json \
	%reldir%/cases/jsonschema/format-asserted/options \
	%reldir%/cases/jsonschema/format-asserted/schema.json \
	%reldir%/cases/jsonschema/nul-and-unicode/expect \
	%reldir%/cases/jsonschema/nul-and-unicode/input.json \
	%reldir%/cases/jsonschema/nul-and-unicode/schema.json \
	%reldir%/cases/jsonschema/one-pass-const-object/expect \
	%reldir%/cases/jsonschema/one-pass-const-object/input.json \
	%reldir%/cases/jsonschema/one-pass-const-object/one_pass \
	%reldir%/cases/jsonschema/one-pass-const-object/schema.json \
	%reldir%/cases/jsonschema/one-pass-deep/expect \
	%reldir%/cases/jsonschema/one-pass-deep/input.json \
	%reldir%/cases/jsonschema/one-pass-deep/one_pass \
	%reldir%/cases/jsonschema/one-pass-deep/schema.json \
	%reldir%/cases/jsonschema/one-pass-duplicate-known/expect \
	%reldir%/cases/jsonschema/one-pass-duplicate-known/input.json \
	%reldir%/cases/jsonschema/one-pass-duplicate-known/one_pass \
	%reldir%/cases/jsonschema/one-pass-duplicate-known/schema.json \
	%reldir%/cases/jsonschema/one-pass-duplicate-unknown/expect \
	%reldir%/cases/jsonschema/one-pass-duplicate-unknown/input.json \
	%reldir%/cases/jsonschema/one-pass-duplicate-unknown/one_pass \
	%reldir%/cases/jsonschema/one-pass-duplicate-unknown/schema.json \
	%reldir%/cases/jsonschema/one-pass-escaped-key/expect \
	%reldir%/cases/jsonschema/one-pass-escaped-key/input.json \
	%reldir%/cases/jsonschema/one-pass-escaped-key/one_pass \
	%reldir%/cases/jsonschema/one-pass-escaped-key/schema.json \
	%reldir%/cases/jsonschema/one-pass-escaped-value/expect \
	%reldir%/cases/jsonschema/one-pass-escaped-value/input.json \
	%reldir%/cases/jsonschema/one-pass-escaped-value/one_pass \
	%reldir%/cases/jsonschema/one-pass-escaped-value/schema.json \
	%reldir%/cases/jsonschema/one-pass-long-escaped/expect \
	%reldir%/cases/jsonschema/one-pass-long-escaped/input.json \
	%reldir%/cases/jsonschema/one-pass-long-escaped/one_pass \
	%reldir%/cases/jsonschema/one-pass-long-escaped/schema.json \
	%reldir%/cases/jsonschema/one-pass-many-keys/expect \
	%reldir%/cases/jsonschema/one-pass-many-keys/input.json \
	%reldir%/cases/jsonschema/one-pass-many-keys/one_pass \
	%reldir%/cases/jsonschema/one-pass-many-keys/schema.json \
	%reldir%/cases/jsonschema/one-pass-missing-required/expect \
	%reldir%/cases/jsonschema/one-pass-missing-required/input.json \
	%reldir%/cases/jsonschema/one-pass-missing-required/one_pass \
	%reldir%/cases/jsonschema/one-pass-missing-required/schema.json \
	%reldir%/cases/jsonschema/one-pass-none/expect \
	%reldir%/cases/jsonschema/one-pass-none/input.json \
	%reldir%/cases/jsonschema/one-pass-none/one_pass \
	%reldir%/cases/jsonschema/one-pass-none/schema.json \
	%reldir%/cases/jsonschema/one-pass-oneof-null-invalid/expect \
	%reldir%/cases/jsonschema/one-pass-oneof-null-invalid/input.json \
	%reldir%/cases/jsonschema/one-pass-oneof-null-invalid/one_pass \
	%reldir%/cases/jsonschema/one-pass-oneof-null-invalid/schema.json \
	%reldir%/cases/jsonschema/one-pass-oneof-null/expect \
	%reldir%/cases/jsonschema/one-pass-oneof-null/input.json \
	%reldir%/cases/jsonschema/one-pass-oneof-null/one_pass \
	%reldir%/cases/jsonschema/one-pass-oneof-null/schema.json \
	%reldir%/cases/jsonschema/one-pass-out-of-order/expect \
	%reldir%/cases/jsonschema/one-pass-out-of-order/input.json \
	%reldir%/cases/jsonschema/one-pass-out-of-order/one_pass \
	%reldir%/cases/jsonschema/one-pass-out-of-order/schema.json \
	%reldir%/cases/jsonschema/one-pass-prefix-items/expect \
	%reldir%/cases/jsonschema/one-pass-prefix-items/input.json \
	%reldir%/cases/jsonschema/one-pass-prefix-items/one_pass \
	%reldir%/cases/jsonschema/one-pass-prefix-items/schema.json \
	%reldir%/cases/jsonschema/one-pass-pydantic-invalid/expect \
	%reldir%/cases/jsonschema/one-pass-pydantic-invalid/input.json \
	%reldir%/cases/jsonschema/one-pass-pydantic-invalid/one_pass \
	%reldir%/cases/jsonschema/one-pass-pydantic-invalid/schema.json \
	%reldir%/cases/jsonschema/one-pass-pydantic-null/expect \
	%reldir%/cases/jsonschema/one-pass-pydantic-null/input.json \
	%reldir%/cases/jsonschema/one-pass-pydantic-null/one_pass \
	%reldir%/cases/jsonschema/one-pass-pydantic-null/schema.json \
	%reldir%/cases/jsonschema/one-pass-pydantic-optional/expect \
	%reldir%/cases/jsonschema/one-pass-pydantic-optional/input.json \
	%reldir%/cases/jsonschema/one-pass-pydantic-optional/one_pass \
	%reldir%/cases/jsonschema/one-pass-pydantic-optional/schema.json \
	%reldir%/cases/jsonschema/one-pass-pydantic1-allof-invalid/expect \
	%reldir%/cases/jsonschema/one-pass-pydantic1-allof-invalid/input.json \
	%reldir%/cases/jsonschema/one-pass-pydantic1-allof-invalid/one_pass \
	%reldir%/cases/jsonschema/one-pass-pydantic1-allof-invalid/schema.json \
	%reldir%/cases/jsonschema/one-pass-pydantic1-allof/expect \
	%reldir%/cases/jsonschema/one-pass-pydantic1-allof/input.json \
	%reldir%/cases/jsonschema/one-pass-pydantic1-allof/one_pass \
	%reldir%/cases/jsonschema/one-pass-pydantic1-allof/schema.json \
	%reldir%/cases/jsonschema/one-pass-trailing/expect \
	%reldir%/cases/jsonschema/one-pass-trailing/input.json \
	%reldir%/cases/jsonschema/one-pass-trailing/one_pass \
	%reldir%/cases/jsonschema/one-pass-trailing/schema.json \
	%reldir%/cases/jsonschema/one-pass-whole-reals-draft4/expect \
	%reldir%/cases/jsonschema/one-pass-whole-reals-draft4/input.json \
	%reldir%/cases/jsonschema/one-pass-whole-reals-draft4/one_pass \
	%reldir%/cases/jsonschema/one-pass-whole-reals-draft4/options \
	%reldir%/cases/jsonschema/one-pass-whole-reals-draft4/schema.json \
	%reldir%/cases/jsonschema/one-pass-whole-reals/expect \
	%reldir%/cases/jsonschema/one-pass-whole-reals/input.json \
	%reldir%/cases/jsonschema/one-pass-whole-reals/one_pass \
	%reldir%/cases/jsonschema/one-pass-whole-reals/schema.json \
	%reldir%/cases/jsonschema/orders-errors/expect \
	%reldir%/cases/jsonschema/orders-errors/input.json \
	%reldir%/cases/jsonschema/orders-errors/one_pass \
	%reldir%/cases/jsonschema/orders-errors/schema.json \
	%reldir%/cases/jsonschema/orders-valid/expect \
	%reldir%/cases/jsonschema/orders-valid/input.json \
	%reldir%/cases/jsonschema/orders-valid/one_pass \
	%reldir%/cases/jsonschema/orders-valid/schema.json \
	%reldir%/cases/jsonschema/parse-duplicate-key/expect \
	%reldir%/cases/jsonschema/parse-duplicate-key/input.json \
	%reldir%/cases/jsonschema/parse-duplicate-key/schema.json \
	%reldir%/cases/jsonschema/parse-truncated/expect \
	%reldir%/cases/jsonschema/parse-truncated/input.json \
	%reldir%/cases/jsonschema/parse-truncated/schema.json \
	%reldir%/cases/jsonschema/propertynames-contains/expect \
	%reldir%/cases/jsonschema/propertynames-contains/input.json \
	%reldir%/cases/jsonschema/propertynames-contains/schema.json \
	%reldir%/cases/jsonschema/unevaluated-2020/expect \
	%reldir%/cases/jsonschema/unevaluated-2020/input.json \
	%reldir%/cases/jsonschema/unevaluated-2020/schema.json
EXTRA_DIST += $(JSONSCHEMA_CASES)
check_PROGRAMS += %reldir%/unit/test_jsonschema
%canon_reldir%_unit_test_jsonschema_LDFLAGS = $(AM_LDFLAGS) $(WRAP_ALLOC)
TESTS += %reldir%/unit/test_jsonschema

# The registry's SQLite store (registry/store, registry/sha256).
check_PROGRAMS += %reldir%/unit/test_store
TESTS += %reldir%/unit/test_store
# The store as a view of _schemas (registry/logview): change capture as
# data, and Confluent's records applied.
check_PROGRAMS += %reldir%/unit/test_logview
TESTS += %reldir%/unit/test_logview
# Qualified subjects (registry/qsubject), from tests/cases/qsubject/cases.txt.
check_PROGRAMS += %reldir%/unit/test_qsubject
TESTS += %reldir%/unit/test_qsubject
EXTRA_DIST += %reldir%/cases/qsubject/cases.txt

# Who may use the registry (registry/auth): the auth file tests/cases/auth/auth.json,
# what it permits and whose passwords it takes, and broken files with their errors.
AUTH_INVALID = json-duplicate-key json-syntax permission-bad-regex permission-config-suffix \
	permission-empty-pattern permission-karapace-catch-all permission-missing-resource \
	permission-not-object permission-operation-not-string permission-unknown-operation \
	permissions-missing top-not-object top-unknown-member user-empty-username \
	user-hash-not-base64 user-hash-wrong-length user-missing-salt user-not-object \
	user-old-karapace-password user-salt-not-string user-twice user-unknown-algorithm \
	users-not-array
AUTH_CASES = %reldir%/cases/auth/README.md %reldir%/cases/auth/auth.json \
	%reldir%/cases/auth/permissions.txt %reldir%/cases/auth/passwords.txt \
	%reldir%/cases/auth/warnings.txt \
	$(AUTH_INVALID:%=%reldir%/cases/auth/invalid/%/auth.json) \
	$(AUTH_INVALID:%=%reldir%/cases/auth/invalid/%/error)
EXTRA_DIST += $(AUTH_CASES)
check_PROGRAMS += %reldir%/unit/test_auth
TESTS += %reldir%/unit/test_auth
# `schemagate passwd` round trip: the entry it prints lets the user in
# (checked by tests/registry/authcheck, which loads an auth file).
check_PROGRAMS += %reldir%/registry/authcheck
TESTS += %reldir%/registry/passwd.sh
EXTRA_DIST += %reldir%/registry/passwd.sh
# HTTPS (registry/http): certificates made with openssl in the test; curl
# against tests/registry/tlsecho (what http.c tells a handler of the client)
# and against `schemagate registry` and `serve` with the --tls flags.
check_PROGRAMS += %reldir%/registry/tlsecho
TESTS += %reldir%/registry/tls.sh
EXTRA_DIST += %reldir%/registry/tls.sh
# confluent-kafka-python's registry client and Avro serde against HTTPS with
# --auth-file: Basic users and a client certificate (issue #14).
TESTS += %reldir%/registry/clients-tls.sh
EXTRA_DIST += %reldir%/registry/clients-tls.sh %reldir%/registry/clients_tls.py
# The registry's clients over HTTPS with credentials (common/regclient):
# check, register and validate with the --registry-ca/-cert/-key/-basic-auth
# flags and their variables, against `schemagate registry` with TLS and an
# auth file.
TESTS += %reldir%/registry/client-tls.sh
EXTRA_DIST += %reldir%/registry/client-tls.sh

# Registry black-box tests (shell and Python, TAP) against $(SG_BIN); tests/lib.sh
# holds the shell helpers. The client test runs in $(abs_top_builddir)/.venv,
# made (or refreshed) by tests/clients/setup-venv.sh.
REGISTRY_TESTS = %reldir%/registry/cli.sh %reldir%/registry/auth.sh %reldir%/registry/durability.sh \
	%reldir%/registry/concurrency.py %reldir%/registry/http_edge.py %reldir%/registry/limits.py \
	%reldir%/clients/confluent_client.py %reldir%/clients/protobuf_client.py
# Confluent's Protobuf diff suite from $(SG_SHARED)/suites replayed through a
# running registry (tests/unit/test_pbcompat checks it against the code).
REGISTRY_TESTS += %reldir%/registry/protobuf_suite.py
TESTS += $(REGISTRY_TESTS)
EXTRA_DIST += $(REGISTRY_TESTS) %reldir%/lib.sh %reldir%/clients/setup-venv.sh \
	%reldir%/clients/requirements.txt
# The @confluentinc/schemaregistry JavaScript client (issue #15), pinned by
# tests/clients/js/package-lock.json and installed by tests/ui/setup-node.sh.
TESTS += %reldir%/clients/schemaregistry-js.sh
EXTRA_DIST += %reldir%/clients/schemaregistry-js.sh %reldir%/clients/js/schemaregistry.mjs \
	%reldir%/clients/js/package.json %reldir%/clients/js/package-lock.json %reldir%/clients/README.md

# The registry API cases played by tests/http/runner (one scenario per file;
# NAME.*.json files are request bodies the cases send with @file).
HTTP_CASES = \
	%reldir%/http/cases/001-root-health-metadata.http \
	%reldir%/http/cases/010-register-basic.http \
	%reldir%/http/cases/011-register-idempotent.http \
	%reldir%/http/cases/012-same-schema-other-subject.http \
	%reldir%/http/cases/013-register-normalize.http \
	%reldir%/http/cases/014-json-schema.http \
	%reldir%/http/cases/015-entities-8x.http \
	%reldir%/http/cases/020-version-numbering.http \
	%reldir%/http/cases/021-delete-version.http \
	%reldir%/http/cases/022-delete-subject.http \
	%reldir%/http/cases/023-reregister-after-delete.http \
	%reldir%/http/cases/030-references.http \
	%reldir%/http/cases/031-references-nested.http \
	%reldir%/http/cases/032-format-resolved.http \
	%reldir%/http/cases/033-json-references.http \
	%reldir%/http/cases/040-compatibility-backward.http \
	%reldir%/http/cases/041-compatibility-levels.http \
	%reldir%/http/cases/042-compatibility-edges.http \
	%reldir%/http/cases/043-compatibility-ecma-pattern.http \
	%reldir%/http/cases/050-config.http \
	%reldir%/http/cases/051-config-update.http \
	%reldir%/http/cases/052-config-alias.http \
	%reldir%/http/cases/053-reserved-fields.http \
	%reldir%/http/cases/060-modes.http \
	%reldir%/http/cases/061-import-mode.http \
	%reldir%/http/cases/070-content-types.http \
	%reldir%/http/cases/071-body-limit.http \
	%reldir%/http/cases/080-bad-input.bad-utf8.json \
	%reldir%/http/cases/080-bad-input.deep-body.json \
	%reldir%/http/cases/080-bad-input.deep-schema.json \
	%reldir%/http/cases/080-bad-input.http \
	%reldir%/http/cases/081-absurd-ids-versions.http \
	%reldir%/http/cases/082-subject-names.http \
	%reldir%/http/cases/090-list-schemas.http \
	%reldir%/http/cases/091-list-subjects.http \
	%reldir%/http/cases/092-metadata-ruleset.http \
	%reldir%/http/cases/093-lookup.http \
	%reldir%/http/cases/094-ruleset-validation.http \
	%reldir%/http/cases/095-latest-with-metadata.http \
	%reldir%/http/cases/096-schema-tags.http \
	%reldir%/http/cases/097-schema-by-id-deleted.http \
	%reldir%/http/cases/098-schemas-aliases.http \
	%reldir%/http/cases/099-schemas-ruletype.http \
	%reldir%/http/cases/100-contexts.http \
	%reldir%/http/cases/101-contexts-prefix.http \
	%reldir%/http/cases/102-contexts-fallbacks.http \
	%reldir%/http/cases/103-contexts-modes.http \
	%reldir%/http/cases/110-protobuf-register.http \
	%reldir%/http/cases/111-protobuf-compat.http \
	%reldir%/http/cases/112-protobuf-serialized-normalize.http
EXTRA_DIST += $(HTTP_CASES)

check_PROGRAMS += %reldir%/unit/test_jsontext
TESTS += %reldir%/unit/test_jsontext
EXTRA_DIST += %reldir%/cases/jsontext/cases.txt

# Avro payload validation (compat/avvalid): the cases in tests/cases/avvalid/,
# the example schemas, and random schemas and values written by avro-c (the
# reference encoder, linked only here). malloc is wrapped (-Wl,--wrap) so the
# test can count allocations and fail the Nth one.
AVVALID_CASES = %reldir%/cases/avvalid/README.md \
	%reldir%/cases/avvalid/blocks.cases %reldir%/cases/avvalid/orders.cases \
	%reldir%/cases/avvalid/primitives.cases %reldir%/cases/avvalid/records.cases \
	%reldir%/cases/avvalid/recursion.cases %reldir%/cases/avvalid/strings.cases \
	%reldir%/cases/avvalid/unions-enums.cases
EXTRA_DIST += $(AVVALID_CASES)
check_PROGRAMS += %reldir%/unit/test_avvalid
%canon_reldir%_unit_test_avvalid_LDFLAGS = $(AM_LDFLAGS) $(WRAP_ALLOC)
%canon_reldir%_unit_test_avvalid_LDADD = $(LDADD) $(AVRO_LIBS)
TESTS += %reldir%/unit/test_avvalid

# The schema browser in a real browser (Debian's Chromium via playwright-core).
UI_TESTS = %reldir%/ui/browser.sh %reldir%/ui/rejections.sh
# Behind authentication (issue #14): Basic, and a client certificate from an
# NSS database (certutil and pk12util, libnss3-tools).
UI_TESTS += %reldir%/ui/browser-auth.sh
TESTS += $(UI_TESTS)
EXTRA_DIST += $(UI_TESTS) %reldir%/ui/browser.mjs %reldir%/ui/rejections.mjs %reldir%/ui/package.json %reldir%/ui/setup-node.sh
EXTRA_DIST += %reldir%/ui/browser-auth.mjs

check_PROGRAMS += %reldir%/unit/test_avjson
TESTS += %reldir%/unit/test_avjson
EXTRA_DIST += %reldir%/cases/avjson/cases.jsonl

# Gateway validation (issue #5): rules cases as data in tests/cases/gwrules/<case>/
# {rules.json,expect}; gwcheck and schemasource against the in-memory registry of
# tests/unit/gwfake.h (and, for HTTP, the real registry in-process); the
# rejections ring and metrics; the dead-letter producer on librdkafka's mock cluster.
GWRULES_CASES = \
	%reldir%/cases/gwrules/bad-context/expect %reldir%/cases/gwrules/bad-context/rules.json \
	%reldir%/cases/gwrules/bad-dlt/expect %reldir%/cases/gwrules/bad-dlt/rules.json \
	%reldir%/cases/gwrules/context/expect %reldir%/cases/gwrules/context/rules.json \
	%reldir%/cases/gwrules/bad-mode/expect %reldir%/cases/gwrules/bad-mode/rules.json \
	%reldir%/cases/gwrules/bad-parts/expect %reldir%/cases/gwrules/bad-parts/rules.json \
	%reldir%/cases/gwrules/bad-regex/expect %reldir%/cases/gwrules/bad-regex/rules.json \
	%reldir%/cases/gwrules/bad-strategy/expect %reldir%/cases/gwrules/bad-strategy/rules.json \
	%reldir%/cases/gwrules/bad-topic-name/expect %reldir%/cases/gwrules/bad-topic-name/rules.json \
	%reldir%/cases/gwrules/bool-type/expect %reldir%/cases/gwrules/bool-type/rules.json \
	%reldir%/cases/gwrules/both-selectors/expect %reldir%/cases/gwrules/both-selectors/rules.json \
	%reldir%/cases/gwrules/default-inherited/expect %reldir%/cases/gwrules/default-inherited/rules.json \
	%reldir%/cases/gwrules/default-topic/expect %reldir%/cases/gwrules/default-topic/rules.json \
	%reldir%/cases/gwrules/duplicate-key/expect %reldir%/cases/gwrules/duplicate-key/rules.json \
	%reldir%/cases/gwrules/duplicate-topic/expect %reldir%/cases/gwrules/duplicate-topic/rules.json \
	%reldir%/cases/gwrules/empty-object/expect %reldir%/cases/gwrules/empty-object/rules.json \
	%reldir%/cases/gwrules/formats-empty/expect %reldir%/cases/gwrules/formats-empty/rules.json \
	%reldir%/cases/gwrules/formats-twice/expect %reldir%/cases/gwrules/formats-twice/rules.json \
	%reldir%/cases/gwrules/formats-unknown/expect %reldir%/cases/gwrules/formats-unknown/rules.json \
	%reldir%/cases/gwrules/full/expect %reldir%/cases/gwrules/full/rules.json \
	%reldir%/cases/gwrules/mode-not-string/expect %reldir%/cases/gwrules/mode-not-string/rules.json \
	%reldir%/cases/gwrules/no-selector/expect %reldir%/cases/gwrules/no-selector/rules.json \
	%reldir%/cases/gwrules/not-object/expect %reldir%/cases/gwrules/not-object/rules.json \
	%reldir%/cases/gwrules/plain-json-record-name/expect %reldir%/cases/gwrules/plain-json-record-name/rules.json \
	%reldir%/cases/gwrules/protobuf/expect %reldir%/cases/gwrules/protobuf/rules.json \
	%reldir%/cases/gwrules/bad-reject-unknown/expect %reldir%/cases/gwrules/bad-reject-unknown/rules.json \
	%reldir%/cases/gwrules/rules-not-array/expect %reldir%/cases/gwrules/rules-not-array/rules.json \
	%reldir%/cases/gwrules/syntax-error/expect %reldir%/cases/gwrules/syntax-error/rules.json \
	%reldir%/cases/gwrules/typo-setting/expect %reldir%/cases/gwrules/typo-setting/rules.json \
	%reldir%/cases/gwrules/unknown-top/expect %reldir%/cases/gwrules/unknown-top/rules.json
EXTRA_DIST += $(GWRULES_CASES) %reldir%/unit/gwfake.h
check_PROGRAMS += %reldir%/unit/test_gwrules %reldir%/unit/test_gwcheck %reldir%/unit/test_gwsource
TESTS += %reldir%/unit/test_gwrules %reldir%/unit/test_gwcheck %reldir%/unit/test_gwsource
# Confluent 8 framings (gateway/framing): the parser as a table, and the
# engine on GUID-prefixed and header-framed records with GUID lookups.
check_PROGRAMS += %reldir%/unit/test_framing %reldir%/unit/test_gwframing
TESTS += %reldir%/unit/test_framing %reldir%/unit/test_gwframing
check_PROGRAMS += %reldir%/unit/test_gwobserve %reldir%/unit/test_gwdeadletter
TESTS += %reldir%/unit/test_gwobserve %reldir%/unit/test_gwdeadletter
# Allocation failures: our allocations are wrapped so the Nth one can fail.
check_PROGRAMS += %reldir%/unit/test_gwnomem
%canon_reldir%_unit_test_gwnomem_LDFLAGS = $(AM_LDFLAGS) \
	$(WRAP_ALLOC),--wrap=strdup,--wrap=strndup
TESTS += %reldir%/unit/test_gwnomem

# schemagate check / register as data: tests/cli/cases/*.case played by
# tests/cli/run.sh (format in tests/cli/README.md); tests/cli/help.sh checks the
# --help of every command that `schemagate help` lists.
CLI_CASES = \
	%reldir%/cli/cases/001-online-compatible-text.case \
	%reldir%/cli/cases/002-online-new-subject.case \
	%reldir%/cli/cases/003-online-incompatible-text.case \
	%reldir%/cli/cases/004-online-incompatible-json.case \
	%reldir%/cli/cases/005-online-incompatible-github.case \
	%reldir%/cli/cases/006-online-multi-problems.case \
	%reldir%/cli/cases/007-online-quiet-incompatible.case \
	%reldir%/cli/cases/008-online-quiet-compatible.case \
	%reldir%/cli/cases/009-online-subject-level-none.case \
	%reldir%/cli/cases/010-online-subject-level-forward.case \
	%reldir%/cli/cases/011-online-level-override-forward.case \
	%reldir%/cli/cases/012-online-level-override-backward.case \
	%reldir%/cli/cases/013-online-level-transitive.case \
	%reldir%/cli/cases/014-online-level-not-transitive.case \
	%reldir%/cli/cases/015-online-json-schema.case \
	%reldir%/cli/cases/016-online-json-schema-compatible.case \
	%reldir%/cli/cases/017-type-detect-content.case \
	%reldir%/cli/cases/018-type-forced-avro.case \
	%reldir%/cli/cases/019-type-forced-json.case \
	%reldir%/cli/cases/020-type-bad.case \
	%reldir%/cli/cases/021-online-type-change.case \
	%reldir%/cli/cases/022-online-protobuf.case \
	%reldir%/cli/cases/023-online-protobuf-compatible.case \
	%reldir%/cli/cases/022-online-level-type-change.case \
	%reldir%/cli/cases/030-map-all-compatible.case \
	%reldir%/cli/cases/031-map-mixed.case \
	%reldir%/cli/cases/032-map-mixed-json.case \
	%reldir%/cli/cases/033-map-mixed-github.case \
	%reldir%/cli/cases/034-map-missing-file.case \
	%reldir%/cli/cases/035-map-not-object.case \
	%reldir%/cli/cases/036-map-bad-value.case \
	%reldir%/cli/cases/037-map-broken.case \
	%reldir%/cli/cases/038-map-missing.case \
	%reldir%/cli/cases/039-map-with-subject.case \
	%reldir%/cli/cases/040-no-subject.case \
	%reldir%/cli/cases/041-two-files-online.case \
	%reldir%/cli/cases/042-missing-file.case \
	%reldir%/cli/cases/043-unparsable-schema.case \
	%reldir%/cli/cases/044-invalid-avro.case \
	%reldir%/cli/cases/045-unreachable.case \
	%reldir%/cli/cases/046-tls-failure.case \
	%reldir%/cli/cases/047-registry-404.case \
	%reldir%/cli/cases/048-env-registry.case \
	%reldir%/cli/cases/049-env-format.case \
	%reldir%/cli/cases/050-env-format-flag-wins.case \
	%reldir%/cli/cases/051-registry-trailing-slash.case \
	%reldir%/cli/cases/052-json-unreachable.case \
	%reldir%/cli/cases/053-check-subject-escaped.case \
	%reldir%/cli/cases/060-github-escape-property.case \
	%reldir%/cli/cases/061-github-escape-data.case \
	%reldir%/cli/cases/062-text-one-line-per-problem.case \
	%reldir%/cli/cases/063-json-weird-names.case \
	%reldir%/cli/cases/070-bad-flag.case \
	%reldir%/cli/cases/071-bad-format.case \
	%reldir%/cli/cases/072-bad-level.case \
	%reldir%/cli/cases/073-flag-missing-value.case \
	%reldir%/cli/cases/074-unknown-command.case \
	%reldir%/cli/cases/075-level-empty.case \
	%reldir%/cli/cases/100-offline-compatible.case \
	%reldir%/cli/cases/101-offline-incompatible-text.case \
	%reldir%/cli/cases/102-offline-incompatible-json.case \
	%reldir%/cli/cases/103-offline-github.case \
	%reldir%/cli/cases/104-offline-github-escape-data.case \
	%reldir%/cli/cases/105-offline-level-forward.case \
	%reldir%/cli/cases/106-offline-level-full.case \
	%reldir%/cli/cases/107-offline-transitive.case \
	%reldir%/cli/cases/108-offline-not-transitive.case \
	%reldir%/cli/cases/109-offline-json-schema.case \
	%reldir%/cli/cases/110-offline-quiet-compatible.case \
	%reldir%/cli/cases/111-offline-one-file.case \
	%reldir%/cli/cases/112-offline-with-subject.case \
	%reldir%/cli/cases/113-offline-missing-file.case \
	%reldir%/cli/cases/114-offline-unparsable.case \
	%reldir%/cli/cases/115-offline-type-mix.case \
	%reldir%/cli/cases/116-offline-ignores-registry.case \
	%reldir%/cli/cases/117-offline-ecma-pattern.case \
	%reldir%/cli/cases/118-offline-protobuf.case \
	%reldir%/cli/cases/119-offline-protobuf-compatible.case \
	%reldir%/cli/cases/120-gateway-broker-port-signed.case \
	%reldir%/cli/cases/121-gateway-broker-ipv6-brackets.case \
	%reldir%/cli/cases/130-validate-protobuf-binary.case \
	%reldir%/cli/cases/131-validate-protobuf-framed.case \
	%reldir%/cli/cases/132-validate-protobuf-json.case \
	%reldir%/cli/cases/200-register-new.case \
	%reldir%/cli/cases/201-register-idempotent.case \
	%reldir%/cli/cases/202-register-second-version.case \
	%reldir%/cli/cases/203-register-incompatible.case \
	%reldir%/cli/cases/204-register-incompatible-github.case \
	%reldir%/cli/cases/205-register-json.case \
	%reldir%/cli/cases/206-register-json-refused.case \
	%reldir%/cli/cases/207-register-map.case \
	%reldir%/cli/cases/208-register-map-again.case \
	%reldir%/cli/cases/209-register-quiet.case \
	%reldir%/cli/cases/210-register-github-success.case \
	%reldir%/cli/cases/211-register-unparsable.case \
	%reldir%/cli/cases/212-register-missing-file.case \
	%reldir%/cli/cases/213-register-unreachable.case \
	%reldir%/cli/cases/214-register-no-level.case \
	%reldir%/cli/cases/215-register-no-offline.case \
	%reldir%/cli/cases/216-register-two-files.case \
	%reldir%/cli/cases/217-register-type-detect.case \
	%reldir%/cli/cases/218-register-map-stops-at-refusal.case \
	%reldir%/cli/cases/219-register-subject-escaped.case \
	%reldir%/cli/cases/300-help-check-registry-tls.case \
	%reldir%/cli/cases/301-help-register-registry-tls.case \
	%reldir%/cli/cases/302-help-validate-registry-tls.case \
	%reldir%/cli/cases/303-help-gateway-registry-tls.case \
	%reldir%/cli/cases/304-registry-cert-without-key.case \
	%reldir%/cli/cases/305-registry-basic-auth-env-no-colon.case \
	%reldir%/cli/cases/306-registry-ca-for-http.case \
	%reldir%/cli/cases/307-registry-password-not-shown.case \
	%reldir%/cli/cases/308-registry-store-unknown.case \
	%reldir%/cli/cases/309-registry-store-kafka-no-brokers.case \
	%reldir%/cli/cases/310-registry-leader-eligible-env.case
CLI_FILES = \
	%reldir%/cli/files/broken.avsc \
	%reldir%/cli/files/ecma-pattern-v1.json \
	%reldir%/cli/files/ecma-pattern-v2.json \
	%reldir%/cli/files/item-framed.bin \
	%reldir%/cli/files/item-framed-bad-index.bin \
	%reldir%/cli/files/map-bad-value.json \
	%reldir%/cli/files/map-broken.json \
	%reldir%/cli/files/map-missing-file.json \
	%reldir%/cli/files/map-mixed.json \
	%reldir%/cli/files/map-not-object.json \
	%reldir%/cli/files/not-avro.avsc \
	%reldir%/cli/files/order.pb \
	%reldir%/cli/files/order-bad-utf8.pb \
	%reldir%/cli/files/orders.proto \
	%reldir%/cli/files/orders-v2-amount-string.proto \
	%reldir%/cli/files/orders-v2-note.proto \
	%reldir%/cli/files/orders-amount-string.json \
	%reldir%/cli/files/orders-multi.avsc \
	%reldir%/cli/files/orders-schema \
	%reldir%/cli/files/orders-v2-default.avsc \
	%reldir%/cli/files/orders-v2-nodefault.avsc \
	%reldir%/cli/files/orders-v2.json \
	%reldir%/cli/files/weird-v1.json \
	%reldir%/cli/files/weird-v2.json
CLI_TESTS = %reldir%/cli/run.sh %reldir%/cli/help.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS) $(CLI_CASES) $(CLI_FILES) %reldir%/cli/README.md %reldir%/cli/jsonget.py
# The examples (examples/, Dockerfile) tested where they can run here:
# tests/examples/ci.py (the CI files' shell steps against a local registry),
# static.py (YAML, Kubernetes fields, clients' calls with stand-ins),
# dockerfile.py (structure), python.sh (real clients, broker and gateway),
# kubernetes.py (the registry cluster's manifests against --help and the ACLs
# against the names the binary uses).
EXAMPLES_FILES = Dockerfile .dockerignore examples/README.md \
	examples/ci/README.md examples/ci/github-actions.yml examples/ci/gitlab-ci.yml \
	examples/python/README.md examples/python/producer.py examples/python/consumer.py \
	examples/python/avro_producer.py examples/python/requirements.txt \
	examples/kestra/README.md examples/kestra/produce-orders.yml \
	examples/airflow/README.md examples/airflow/orders_dag.py \
	examples/kubernetes/README.md examples/kubernetes/kafka.yaml \
	examples/kubernetes/registry.yaml examples/kubernetes/registry-kafka.yaml examples/kubernetes/gateway.yaml \
	examples/kubernetes/monitoring.yaml examples/kubernetes/kustomization.yaml
EXAMPLES_TESTS = %reldir%/examples/ci.py %reldir%/examples/static.py %reldir%/examples/dockerfile.py \
	%reldir%/examples/python.sh %reldir%/examples/kubernetes.py
EXAMPLES_STUBS = %reldir%/examples/stubs/README.md %reldir%/examples/stubs/stublog.py \
	%reldir%/examples/stubs/kafka/__init__.py %reldir%/examples/stubs/kafka/errors.py \
	%reldir%/examples/stubs/confluent_kafka/__init__.py \
	%reldir%/examples/stubs/confluent_kafka/serialization.py \
	%reldir%/examples/stubs/confluent_kafka/schema_registry/__init__.py \
	%reldir%/examples/stubs/confluent_kafka/schema_registry/avro.py \
	%reldir%/examples/stubs/airflow/__init__.py %reldir%/examples/stubs/airflow/decorators.py
TESTS += $(EXAMPLES_TESTS)
EXTRA_DIST += $(EXAMPLES_FILES) $(EXAMPLES_TESTS) $(EXAMPLES_STUBS) %reldir%/examples/exlib.py
# end of tests/cli and tests/examples
