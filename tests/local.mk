# tests/: every test prints TAP. C unit tests use tests/tap.h.
EXTRA_DIST += tests/tap.h
TEST_CF = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
TEST_COMPAT_LIBS = compat/libsgcompat.a $(COMPAT_LIBS)

check_PROGRAMS += tests/unit/test_basics
tests_unit_test_basics_SOURCES = tests/unit/test_basics.c
tests_unit_test_basics_CFLAGS = $(TEST_CF)
tests_unit_test_basics_LDADD = $(TEST_COMPAT_LIBS)
TESTS += tests/unit/test_basics
# Confluent's rule set validation (compat/ruleset), as a table of cases.
check_PROGRAMS += tests/unit/test_ruleset
tests_unit_test_ruleset_SOURCES = tests/unit/test_ruleset.c
tests_unit_test_ruleset_CFLAGS = $(TEST_CF)
tests_unit_test_ruleset_LDADD = $(TEST_COMPAT_LIBS)
TESTS += tests/unit/test_ruleset

# Kafka codec (gateway/kreader, kwriter, crc32c, records, kcompress).
TEST_GATEWAY_LIBS = gateway/libsggateway.a compat/libsgcompat.a $(GATEWAY_LIBS) $(COMPAT_LIBS)
check_PROGRAMS += tests/unit/test_kreader
tests_unit_test_kreader_SOURCES = tests/unit/test_kreader.c
tests_unit_test_kreader_CFLAGS = $(TEST_CF)
tests_unit_test_kreader_LDADD = $(TEST_GATEWAY_LIBS)
TESTS += tests/unit/test_kreader
check_PROGRAMS += tests/unit/test_kwriter
tests_unit_test_kwriter_SOURCES = tests/unit/test_kwriter.c
tests_unit_test_kwriter_CFLAGS = $(TEST_CF)
tests_unit_test_kwriter_LDADD = $(TEST_GATEWAY_LIBS)
TESTS += tests/unit/test_kwriter
check_PROGRAMS += tests/unit/test_crc32c
tests_unit_test_crc32c_SOURCES = tests/unit/test_crc32c.c
tests_unit_test_crc32c_CFLAGS = $(TEST_CF)
tests_unit_test_crc32c_LDADD = $(TEST_GATEWAY_LIBS)
TESTS += tests/unit/test_crc32c
check_PROGRAMS += tests/unit/test_kcompress
tests_unit_test_kcompress_SOURCES = tests/unit/test_kcompress.c
tests_unit_test_kcompress_CFLAGS = $(TEST_CF) $(ZLIB_CFLAGS) $(SNAPPY_CFLAGS) $(LZ4_CFLAGS) $(ZSTD_CFLAGS)
tests_unit_test_kcompress_LDADD = $(TEST_GATEWAY_LIBS)
TESTS += tests/unit/test_kcompress
check_PROGRAMS += tests/unit/test_records
tests_unit_test_records_SOURCES = tests/unit/test_records.c
tests_unit_test_records_CFLAGS = $(TEST_CF) $(ZLIB_CFLAGS) $(ZSTD_CFLAGS)
tests_unit_test_records_LDADD = $(TEST_GATEWAY_LIBS)
TESTS += tests/unit/test_records
# Record-batch cases: real batches (see tests/cases/records/capture.c).
RECORDS_CASES = \
	tests/cases/records/java-xerial-snappy/batch.bin tests/cases/records/java-xerial-snappy/expect \
	tests/cases/records/legacy-magic0/batch.bin tests/cases/records/legacy-magic0/expect \
	tests/cases/records/legacy-magic1/batch.bin tests/cases/records/legacy-magic1/expect \
	tests/cases/records/librdkafka-gzip/batch.bin tests/cases/records/librdkafka-gzip/expect \
	tests/cases/records/librdkafka-idempotent-lz4/batch.bin tests/cases/records/librdkafka-idempotent-lz4/expect \
	tests/cases/records/librdkafka-lz4/batch.bin tests/cases/records/librdkafka-lz4/expect \
	tests/cases/records/librdkafka-none/batch.bin tests/cases/records/librdkafka-none/expect \
	tests/cases/records/librdkafka-snappy/batch.bin tests/cases/records/librdkafka-snappy/expect \
	tests/cases/records/librdkafka-two-batches-gzip/batch.bin tests/cases/records/librdkafka-two-batches-gzip/expect \
	tests/cases/records/librdkafka-zstd/batch.bin tests/cases/records/librdkafka-zstd/expect
EXTRA_DIST += $(RECORDS_CASES) tests/cases/records/capture.c

# HTTP cases: every tests/http/cases/NAME.http played by tests/http/runner against
# a fresh `$(SG_BIN) registry` (see tests/http/README.md).
check_PROGRAMS += tests/http/runner
tests_http_runner_SOURCES = tests/http/runner.c
tests_http_runner_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CURL_CFLAGS)
tests_http_runner_LDADD = $(JANSSON_LIBS) $(CURL_LIBS)
TESTS += tests/http/runner

# Gateway proxy (tests/kafka/): gwrun runs the gateway from flags for the
# real-broker scripts.
check_PROGRAMS += tests/kafka/gwrun
tests_kafka_gwrun_SOURCES = tests/kafka/gwrun.c
tests_kafka_gwrun_CFLAGS = $(TEST_CF)
tests_kafka_gwrun_LDADD = $(TEST_GATEWAY_LIBS)
check_PROGRAMS += tests/kafka/test_mock
tests_kafka_test_mock_SOURCES = tests/kafka/test_mock.c
tests_kafka_test_mock_CFLAGS = $(TEST_CF) $(RDKAFKA_CFLAGS)
tests_kafka_test_mock_LDADD = $(TEST_GATEWAY_LIBS) $(PTHREAD_LIBS)
TESTS += tests/kafka/test_mock
# Kafka frames as data: tests/kafka/frames/*.frames (see test_kframes.c).
KFRAMES_CASES = tests/kafka/frames/api_versions.frames tests/kafka/frames/describe_cluster.frames \
	tests/kafka/frames/fetch.frames tests/kafka/frames/find_coordinator.frames \
	tests/kafka/frames/metadata.frames tests/kafka/frames/produce.frames \
	tests/kafka/frames/requests.frames
EXTRA_DIST += $(KFRAMES_CASES)
check_PROGRAMS += tests/kafka/test_kframes
tests_kafka_test_kframes_SOURCES = tests/kafka/test_kframes.c
tests_kafka_test_kframes_CFLAGS = $(TEST_CF)
tests_kafka_test_kframes_LDADD = $(TEST_GATEWAY_LIBS)
TESTS += tests/kafka/test_kframes
check_PROGRAMS += tests/kafka/test_loop
tests_kafka_test_loop_SOURCES = tests/kafka/test_loop.c
tests_kafka_test_loop_CFLAGS = $(TEST_CF)
tests_kafka_test_loop_LDADD = $(TEST_GATEWAY_LIBS) $(PTHREAD_LIBS)
TESTS += tests/kafka/test_loop

# Avro schema model (compat/avsc): cases in tests/cases/avsc/. Allocations are
# wrapped (-Wl,--wrap) so the test can fail the Nth one.
AVSC_CASES = tests/cases/avsc/README.md tests/cases/avsc/upstream-schema-tests.jsonl \
	tests/cases/avsc/valid.jsonl tests/cases/avsc/invalid.jsonl tests/cases/avsc/refs.jsonl
EXTRA_DIST += $(AVSC_CASES)
check_PROGRAMS += tests/unit/test_avsc
tests_unit_test_avsc_SOURCES = tests/unit/test_avsc.c
tests_unit_test_avsc_CFLAGS = $(TEST_CF)
tests_unit_test_avsc_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
tests_unit_test_avsc_LDADD = $(TEST_COMPAT_LIBS)
TESTS += tests/unit/test_avsc
# Real-broker tests: each script starts Apache Kafka (fetched with mvn, see
# tests/kafka/lib.sh) and the gateway, drives real clients, and stops both.
KAFKA_TESTS = tests/kafka/mock.sh tests/kafka/serve.sh tests/kafka/broker.sh tests/kafka/cluster.sh
TESTS += $(KAFKA_TESTS)
EXTRA_DIST += $(KAFKA_TESTS) tests/kafka/lib.sh tests/kafka/kwire.py tests/kafka/pyclients.py tests/kafka/README.md \
	tests/kafka/KClient.java tests/kafka/pom.xml
# Record validation end to end (issue #5): schemagate registry, then gateway
# --registry --rules --admin-listen in front of a real broker.
KAFKA_TESTS += tests/kafka/validate.sh tests/kafka/validate-serve.sh tests/kafka/held-memory.sh
EXTRA_DIST += tests/kafka/kvalidate.py tests/kafka/KValidate.java
# The Produce codec of the validating gateway (gateway/kproduce), byte for byte.
check_PROGRAMS += tests/unit/test_kproduce
tests_unit_test_kproduce_SOURCES = tests/unit/test_kproduce.c
tests_unit_test_kproduce_CFLAGS = $(TEST_CF)
tests_unit_test_kproduce_LDADD = $(TEST_GATEWAY_LIBS)
TESTS += tests/unit/test_kproduce

# Avro compatibility (compat/avcompat): the shared Avro suite, the hand-written
# cases in tests/cases/avcompat/<case>/{writer.avsc,reader.avsc,expect.json} and
# built cases; malloc is wrapped so allocations can fail on purpose.
AVCOMPAT_CASES = tests/cases/avcompat/README.md \
	tests/cases/avcompat/all_six_types/expect.json \
	tests/cases/avcompat/all_six_types/reader.avsc \
	tests/cases/avcompat/all_six_types/writer.avsc \
	tests/cases/avcompat/decimal_fixed_vs_bytes/expect.json \
	tests/cases/avcompat/decimal_fixed_vs_bytes/reader.avsc \
	tests/cases/avcompat/decimal_fixed_vs_bytes/writer.avsc \
	tests/cases/avcompat/decimal_precision_change/expect.json \
	tests/cases/avcompat/decimal_precision_change/reader.avsc \
	tests/cases/avcompat/decimal_precision_change/writer.avsc \
	tests/cases/avcompat/deep_records_fixed_size/expect.json \
	tests/cases/avcompat/deep_records_fixed_size/reader.avsc \
	tests/cases/avcompat/deep_records_fixed_size/writer.avsc \
	tests/cases/avcompat/empty_union_writer/expect.json \
	tests/cases/avcompat/empty_union_writer/reader.avsc \
	tests/cases/avcompat/empty_union_writer/writer.avsc \
	tests/cases/avcompat/enum_default_field_missing_in_writer/expect.json \
	tests/cases/avcompat/enum_default_field_missing_in_writer/reader.avsc \
	tests/cases/avcompat/enum_default_field_missing_in_writer/writer.avsc \
	tests/cases/avcompat/enum_reader_default/expect.json \
	tests/cases/avcompat/enum_reader_default/reader.avsc \
	tests/cases/avcompat/enum_reader_default/writer.avsc \
	tests/cases/avcompat/enum_symbols_sorted/expect.json \
	tests/cases/avcompat/enum_symbols_sorted/reader.avsc \
	tests/cases/avcompat/enum_symbols_sorted/writer.avsc \
	tests/cases/avcompat/error_type_reads_record/expect.json \
	tests/cases/avcompat/error_type_reads_record/reader.avsc \
	tests/cases/avcompat/error_type_reads_record/writer.avsc \
	tests/cases/avcompat/field_alias/expect.json \
	tests/cases/avcompat/field_alias/reader.avsc \
	tests/cases/avcompat/field_alias/writer.avsc \
	tests/cases/avcompat/field_alias_ambiguous/expect.json \
	tests/cases/avcompat/field_alias_ambiguous/reader.avsc \
	tests/cases/avcompat/field_alias_ambiguous/writer.avsc \
	tests/cases/avcompat/field_alias_to_incompatible_type/expect.json \
	tests/cases/avcompat/field_alias_to_incompatible_type/reader.avsc \
	tests/cases/avcompat/field_alias_to_incompatible_type/writer.avsc \
	tests/cases/avcompat/field_reorder_and_defaults/expect.json \
	tests/cases/avcompat/field_reorder_and_defaults/reader.avsc \
	tests/cases/avcompat/field_reorder_and_defaults/writer.avsc \
	tests/cases/avcompat/fixed_alias/expect.json \
	tests/cases/avcompat/fixed_alias/reader.avsc \
	tests/cases/avcompat/fixed_alias/writer.avsc \
	tests/cases/avcompat/logical_date_to_timestamp/expect.json \
	tests/cases/avcompat/logical_date_to_timestamp/reader.avsc \
	tests/cases/avcompat/logical_date_to_timestamp/writer.avsc \
	tests/cases/avcompat/mutual_recursion/expect.json \
	tests/cases/avcompat/mutual_recursion/reader.avsc \
	tests/cases/avcompat/mutual_recursion/writer.avsc \
	tests/cases/avcompat/mutual_recursion_deep_finding/expect.json \
	tests/cases/avcompat/mutual_recursion_deep_finding/reader.avsc \
	tests/cases/avcompat/mutual_recursion_deep_finding/writer.avsc \
	tests/cases/avcompat/name_and_fields_together/expect.json \
	tests/cases/avcompat/name_and_fields_together/reader.avsc \
	tests/cases/avcompat/name_and_fields_together/writer.avsc \
	tests/cases/avcompat/nested_namespace_inheritance/expect.json \
	tests/cases/avcompat/nested_namespace_inheritance/reader.avsc \
	tests/cases/avcompat/nested_namespace_inheritance/writer.avsc \
	tests/cases/avcompat/null_top_into_union/expect.json \
	tests/cases/avcompat/null_top_into_union/reader.avsc \
	tests/cases/avcompat/null_top_into_union/writer.avsc \
	tests/cases/avcompat/promotions_in_containers/expect.json \
	tests/cases/avcompat/promotions_in_containers/reader.avsc \
	tests/cases/avcompat/promotions_in_containers/writer.avsc \
	tests/cases/avcompat/reader_union_promotion/expect.json \
	tests/cases/avcompat/reader_union_promotion/reader.avsc \
	tests/cases/avcompat/reader_union_promotion/writer.avsc \
	tests/cases/avcompat/record_alias_fullname/expect.json \
	tests/cases/avcompat/record_alias_fullname/reader.avsc \
	tests/cases/avcompat/record_alias_fullname/writer.avsc \
	tests/cases/avcompat/record_alias_other_namespace/expect.json \
	tests/cases/avcompat/record_alias_other_namespace/reader.avsc \
	tests/cases/avcompat/record_alias_other_namespace/writer.avsc \
	tests/cases/avcompat/recursive_list_compatible/expect.json \
	tests/cases/avcompat/recursive_list_compatible/reader.avsc \
	tests/cases/avcompat/recursive_list_compatible/writer.avsc \
	tests/cases/avcompat/recursive_tree_type_change/expect.json \
	tests/cases/avcompat/recursive_tree_type_change/reader.avsc \
	tests/cases/avcompat/recursive_tree_type_change/writer.avsc \
	tests/cases/avcompat/shared_enum_twice/expect.json \
	tests/cases/avcompat/shared_enum_twice/reader.avsc \
	tests/cases/avcompat/shared_enum_twice/writer.avsc \
	tests/cases/avcompat/shared_record_twice/expect.json \
	tests/cases/avcompat/shared_record_twice/reader.avsc \
	tests/cases/avcompat/shared_record_twice/writer.avsc \
	tests/cases/avcompat/union_inside_containers/expect.json \
	tests/cases/avcompat/union_inside_containers/reader.avsc \
	tests/cases/avcompat/union_inside_containers/writer.avsc \
	tests/cases/avcompat/union_reader_record_branch_incompatible/expect.json \
	tests/cases/avcompat/union_reader_record_branch_incompatible/reader.avsc \
	tests/cases/avcompat/union_reader_record_branch_incompatible/writer.avsc \
	tests/cases/avcompat/unqualified_name_match/expect.json \
	tests/cases/avcompat/unqualified_name_match/reader.avsc \
	tests/cases/avcompat/unqualified_name_match/writer.avsc \
	tests/cases/avcompat/writer_union_partial/expect.json \
	tests/cases/avcompat/writer_union_partial/reader.avsc \
	tests/cases/avcompat/writer_union_partial/writer.avsc
EXTRA_DIST += $(AVCOMPAT_CASES)
check_PROGRAMS += tests/unit/test_avcompat
tests_unit_test_avcompat_SOURCES = tests/unit/test_avcompat.c
tests_unit_test_avcompat_CFLAGS = $(TEST_CF)
tests_unit_test_avcompat_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
tests_unit_test_avcompat_LDADD = $(TEST_COMPAT_LIBS) $(PTHREAD_LIBS)
TESTS += tests/unit/test_avcompat

# JSON Schema compatibility (compat/jsondiff): Confluent's diff examples and
# Karapace's pairs from $(SG_SHARED)/suites, plus tests/cases/jsondiff/<case>/
# {original.json,update.json,expect.json}.
JSONDIFF_CASES = \
	tests/cases/jsondiff/connect-type-bytes/expect.json \
	tests/cases/jsondiff/connect-type-bytes/original.json \
	tests/cases/jsondiff/connect-type-bytes/update.json \
	tests/cases/jsondiff/cyclic-ref-change/expect.json \
	tests/cases/jsondiff/cyclic-ref-change/original.json \
	tests/cases/jsondiff/cyclic-ref-change/update.json \
	tests/cases/jsondiff/cyclic-ref-identical/expect.json \
	tests/cases/jsondiff/cyclic-ref-identical/original.json \
	tests/cases/jsondiff/cyclic-ref-identical/update.json \
	tests/cases/jsondiff/deep-nesting-150/expect.json \
	tests/cases/jsondiff/deep-nesting-150/original.json \
	tests/cases/jsondiff/deep-nesting-150/update.json \
	tests/cases/jsondiff/deep-nesting-300/expect.json \
	tests/cases/jsondiff/deep-nesting-300/original.json \
	tests/cases/jsondiff/deep-nesting-300/update.json \
	tests/cases/jsondiff/defs-bridge/expect.json \
	tests/cases/jsondiff/defs-bridge/original.json \
	tests/cases/jsondiff/defs-bridge/update.json \
	tests/cases/jsondiff/draft2020-prefixitems-closed/expect.json \
	tests/cases/jsondiff/draft2020-prefixitems-closed/original.json \
	tests/cases/jsondiff/draft2020-prefixitems-closed/update.json \
	tests/cases/jsondiff/id-and-anchor-refs/expect.json \
	tests/cases/jsondiff/id-and-anchor-refs/original.json \
	tests/cases/jsondiff/id-and-anchor-refs/update.json \
	tests/cases/jsondiff/lenient-closing-open-model/expect.json \
	tests/cases/jsondiff/lenient-closing-open-model/original.json \
	tests/cases/jsondiff/lenient-closing-open-model/update.json \
	tests/cases/jsondiff/multipleof-decimal-reduced/expect.json \
	tests/cases/jsondiff/multipleof-decimal-reduced/original.json \
	tests/cases/jsondiff/multipleof-decimal-reduced/update.json \
	tests/cases/jsondiff/multipleof-decimal/expect.json \
	tests/cases/jsondiff/multipleof-decimal/original.json \
	tests/cases/jsondiff/multipleof-decimal/update.json \
	tests/cases/jsondiff/mutual-recursion-change/expect.json \
	tests/cases/jsondiff/mutual-recursion-change/original.json \
	tests/cases/jsondiff/mutual-recursion-change/update.json \
	tests/cases/jsondiff/recursive-oneof-change/expect.json \
	tests/cases/jsondiff/recursive-oneof-change/original.json \
	tests/cases/jsondiff/recursive-oneof-change/update.json \
	tests/cases/jsondiff/recursive-oneof-identical/expect.json \
	tests/cases/jsondiff/recursive-oneof-identical/original.json \
	tests/cases/jsondiff/recursive-oneof-identical/update.json \
	tests/cases/jsondiff/ref-chain-500/expect.json \
	tests/cases/jsondiff/ref-chain-500/original.json \
	tests/cases/jsondiff/ref-chain-500/update.json \
	tests/cases/jsondiff/ref-cycle-without-schema/expect.json \
	tests/cases/jsondiff/ref-cycle-without-schema/original.json \
	tests/cases/jsondiff/ref-cycle-without-schema/update.json \
	tests/cases/jsondiff/type-array-keyword/expect.json \
	tests/cases/jsondiff/type-array-keyword/original.json \
	tests/cases/jsondiff/type-array-keyword/update.json
EXTRA_DIST += $(JSONDIFF_CASES)
check_PROGRAMS += tests/unit/test_jsondiff
tests_unit_test_jsondiff_SOURCES = tests/unit/test_jsondiff.c
tests_unit_test_jsondiff_CFLAGS = $(TEST_CF)
tests_unit_test_jsondiff_LDADD = $(TEST_COMPAT_LIBS)
TESTS += tests/unit/test_jsondiff

# JSON Schema validation (compat/jsonschema): the JSON-Schema-Test-Suite from
# $(SG_SHARED), error reports and limits, and the data cases in
# tests/cases/jsonschema/<case>/{schema.json,input.json,expect[,options,one_pass]}.
JSONSCHEMA_CASES = \
	tests/cases/jsonschema/anyof-explained/expect \
	tests/cases/jsonschema/anyof-explained/input.json \
	tests/cases/jsonschema/anyof-explained/schema.json \
	tests/cases/jsonschema/anyof-oneof/expect \
	tests/cases/jsonschema/anyof-oneof/input.json \
	tests/cases/jsonschema/anyof-oneof/schema.json \
	tests/cases/jsonschema/big-integers/expect \
	tests/cases/jsonschema/big-integers/input.json \
	tests/cases/jsonschema/big-integers/schema.json \
	tests/cases/jsonschema/dependent-2019/expect \
	tests/cases/jsonschema/dependent-2019/input.json \
	tests/cases/jsonschema/dependent-2019/schema.json \
	tests/cases/jsonschema/draft4-exclusive/expect \
	tests/cases/jsonschema/draft4-exclusive/input.json \
	tests/cases/jsonschema/draft4-exclusive/options \
	tests/cases/jsonschema/draft4-exclusive/schema.json \
	tests/cases/jsonschema/escaped-locations/expect \
	tests/cases/jsonschema/escaped-locations/input.json \
	tests/cases/jsonschema/escaped-locations/schema.json \
	tests/cases/jsonschema/format-annotation-only/expect \
	tests/cases/jsonschema/format-annotation-only/input.json \
	tests/cases/jsonschema/format-annotation-only/schema.json \
	tests/cases/jsonschema/format-asserted/expect \
	tests/cases/jsonschema/format-asserted/input.json \
	tests/cases/jsonschema/format-asserted/options \
	tests/cases/jsonschema/format-asserted/schema.json \
	tests/cases/jsonschema/nul-and-unicode/expect \
	tests/cases/jsonschema/nul-and-unicode/input.json \
	tests/cases/jsonschema/nul-and-unicode/schema.json \
	tests/cases/jsonschema/one-pass-const-object/expect \
	tests/cases/jsonschema/one-pass-const-object/input.json \
	tests/cases/jsonschema/one-pass-const-object/one_pass \
	tests/cases/jsonschema/one-pass-const-object/schema.json \
	tests/cases/jsonschema/one-pass-deep/expect \
	tests/cases/jsonschema/one-pass-deep/input.json \
	tests/cases/jsonschema/one-pass-deep/one_pass \
	tests/cases/jsonschema/one-pass-deep/schema.json \
	tests/cases/jsonschema/one-pass-duplicate-known/expect \
	tests/cases/jsonschema/one-pass-duplicate-known/input.json \
	tests/cases/jsonschema/one-pass-duplicate-known/one_pass \
	tests/cases/jsonschema/one-pass-duplicate-known/schema.json \
	tests/cases/jsonschema/one-pass-duplicate-unknown/expect \
	tests/cases/jsonschema/one-pass-duplicate-unknown/input.json \
	tests/cases/jsonschema/one-pass-duplicate-unknown/one_pass \
	tests/cases/jsonschema/one-pass-duplicate-unknown/schema.json \
	tests/cases/jsonschema/one-pass-escaped-key/expect \
	tests/cases/jsonschema/one-pass-escaped-key/input.json \
	tests/cases/jsonschema/one-pass-escaped-key/one_pass \
	tests/cases/jsonschema/one-pass-escaped-key/schema.json \
	tests/cases/jsonschema/one-pass-escaped-value/expect \
	tests/cases/jsonschema/one-pass-escaped-value/input.json \
	tests/cases/jsonschema/one-pass-escaped-value/one_pass \
	tests/cases/jsonschema/one-pass-escaped-value/schema.json \
	tests/cases/jsonschema/one-pass-long-escaped/expect \
	tests/cases/jsonschema/one-pass-long-escaped/input.json \
	tests/cases/jsonschema/one-pass-long-escaped/one_pass \
	tests/cases/jsonschema/one-pass-long-escaped/schema.json \
	tests/cases/jsonschema/one-pass-many-keys/expect \
	tests/cases/jsonschema/one-pass-many-keys/input.json \
	tests/cases/jsonschema/one-pass-many-keys/one_pass \
	tests/cases/jsonschema/one-pass-many-keys/schema.json \
	tests/cases/jsonschema/one-pass-missing-required/expect \
	tests/cases/jsonschema/one-pass-missing-required/input.json \
	tests/cases/jsonschema/one-pass-missing-required/one_pass \
	tests/cases/jsonschema/one-pass-missing-required/schema.json \
	tests/cases/jsonschema/one-pass-none/expect \
	tests/cases/jsonschema/one-pass-none/input.json \
	tests/cases/jsonschema/one-pass-none/one_pass \
	tests/cases/jsonschema/one-pass-none/schema.json \
	tests/cases/jsonschema/one-pass-oneof-null-invalid/expect \
	tests/cases/jsonschema/one-pass-oneof-null-invalid/input.json \
	tests/cases/jsonschema/one-pass-oneof-null-invalid/one_pass \
	tests/cases/jsonschema/one-pass-oneof-null-invalid/schema.json \
	tests/cases/jsonschema/one-pass-oneof-null/expect \
	tests/cases/jsonschema/one-pass-oneof-null/input.json \
	tests/cases/jsonschema/one-pass-oneof-null/one_pass \
	tests/cases/jsonschema/one-pass-oneof-null/schema.json \
	tests/cases/jsonschema/one-pass-out-of-order/expect \
	tests/cases/jsonschema/one-pass-out-of-order/input.json \
	tests/cases/jsonschema/one-pass-out-of-order/one_pass \
	tests/cases/jsonschema/one-pass-out-of-order/schema.json \
	tests/cases/jsonschema/one-pass-prefix-items/expect \
	tests/cases/jsonschema/one-pass-prefix-items/input.json \
	tests/cases/jsonschema/one-pass-prefix-items/one_pass \
	tests/cases/jsonschema/one-pass-prefix-items/schema.json \
	tests/cases/jsonschema/one-pass-pydantic-invalid/expect \
	tests/cases/jsonschema/one-pass-pydantic-invalid/input.json \
	tests/cases/jsonschema/one-pass-pydantic-invalid/one_pass \
	tests/cases/jsonschema/one-pass-pydantic-invalid/schema.json \
	tests/cases/jsonschema/one-pass-pydantic-null/expect \
	tests/cases/jsonschema/one-pass-pydantic-null/input.json \
	tests/cases/jsonschema/one-pass-pydantic-null/one_pass \
	tests/cases/jsonschema/one-pass-pydantic-null/schema.json \
	tests/cases/jsonschema/one-pass-pydantic-optional/expect \
	tests/cases/jsonschema/one-pass-pydantic-optional/input.json \
	tests/cases/jsonschema/one-pass-pydantic-optional/one_pass \
	tests/cases/jsonschema/one-pass-pydantic-optional/schema.json \
	tests/cases/jsonschema/one-pass-pydantic1-allof-invalid/expect \
	tests/cases/jsonschema/one-pass-pydantic1-allof-invalid/input.json \
	tests/cases/jsonschema/one-pass-pydantic1-allof-invalid/one_pass \
	tests/cases/jsonschema/one-pass-pydantic1-allof-invalid/schema.json \
	tests/cases/jsonschema/one-pass-pydantic1-allof/expect \
	tests/cases/jsonschema/one-pass-pydantic1-allof/input.json \
	tests/cases/jsonschema/one-pass-pydantic1-allof/one_pass \
	tests/cases/jsonschema/one-pass-pydantic1-allof/schema.json \
	tests/cases/jsonschema/one-pass-trailing/expect \
	tests/cases/jsonschema/one-pass-trailing/input.json \
	tests/cases/jsonschema/one-pass-trailing/one_pass \
	tests/cases/jsonschema/one-pass-trailing/schema.json \
	tests/cases/jsonschema/one-pass-whole-reals-draft4/expect \
	tests/cases/jsonschema/one-pass-whole-reals-draft4/input.json \
	tests/cases/jsonschema/one-pass-whole-reals-draft4/one_pass \
	tests/cases/jsonschema/one-pass-whole-reals-draft4/options \
	tests/cases/jsonschema/one-pass-whole-reals-draft4/schema.json \
	tests/cases/jsonschema/one-pass-whole-reals/expect \
	tests/cases/jsonschema/one-pass-whole-reals/input.json \
	tests/cases/jsonschema/one-pass-whole-reals/one_pass \
	tests/cases/jsonschema/one-pass-whole-reals/schema.json \
	tests/cases/jsonschema/orders-errors/expect \
	tests/cases/jsonschema/orders-errors/input.json \
	tests/cases/jsonschema/orders-errors/one_pass \
	tests/cases/jsonschema/orders-errors/schema.json \
	tests/cases/jsonschema/orders-valid/expect \
	tests/cases/jsonschema/orders-valid/input.json \
	tests/cases/jsonschema/orders-valid/one_pass \
	tests/cases/jsonschema/orders-valid/schema.json \
	tests/cases/jsonschema/parse-duplicate-key/expect \
	tests/cases/jsonschema/parse-duplicate-key/input.json \
	tests/cases/jsonschema/parse-duplicate-key/schema.json \
	tests/cases/jsonschema/parse-truncated/expect \
	tests/cases/jsonschema/parse-truncated/input.json \
	tests/cases/jsonschema/parse-truncated/schema.json \
	tests/cases/jsonschema/propertynames-contains/expect \
	tests/cases/jsonschema/propertynames-contains/input.json \
	tests/cases/jsonschema/propertynames-contains/schema.json \
	tests/cases/jsonschema/unevaluated-2020/expect \
	tests/cases/jsonschema/unevaluated-2020/input.json \
	tests/cases/jsonschema/unevaluated-2020/schema.json
EXTRA_DIST += $(JSONSCHEMA_CASES)
check_PROGRAMS += tests/unit/test_jsonschema
tests_unit_test_jsonschema_SOURCES = tests/unit/test_jsonschema.c
tests_unit_test_jsonschema_CFLAGS = $(TEST_CF)
tests_unit_test_jsonschema_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
tests_unit_test_jsonschema_LDADD = $(TEST_COMPAT_LIBS) $(PTHREAD_LIBS)
TESTS += tests/unit/test_jsonschema

# The registry's SQLite store (registry/store, registry/sha256).
TEST_REGISTRY_LIBS = registry/libsgregistry.a compat/libsgcompat.a $(REGISTRY_LIBS) $(COMPAT_LIBS)
check_PROGRAMS += tests/unit/test_store
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(TEST_CF) $(SQLITE_CFLAGS)
tests_unit_test_store_LDADD = $(TEST_REGISTRY_LIBS)
TESTS += tests/unit/test_store

# Registry black-box tests (shell and Python, TAP) against $(SG_BIN); tests/lib.sh
# holds the shell helpers. The client test runs in $(abs_top_builddir)/.venv,
# made (or refreshed) by tests/clients/setup-venv.sh.
REGISTRY_TESTS = tests/registry/cli.sh tests/registry/durability.sh \
	tests/registry/concurrency.py tests/registry/http_edge.py \
	tests/clients/confluent_client.py
TESTS += $(REGISTRY_TESTS)
EXTRA_DIST += $(REGISTRY_TESTS) tests/lib.sh tests/clients/setup-venv.sh \
	tests/clients/requirements.txt

# The registry API cases played by tests/http/runner (one scenario per file;
# NAME.*.json files are request bodies the cases send with @file).
HTTP_CASES = \
	tests/http/cases/001-root-health-metadata.http \
	tests/http/cases/010-register-basic.http \
	tests/http/cases/011-register-idempotent.http \
	tests/http/cases/012-same-schema-other-subject.http \
	tests/http/cases/013-register-normalize.http \
	tests/http/cases/014-json-schema.http \
	tests/http/cases/020-version-numbering.http \
	tests/http/cases/021-delete-version.http \
	tests/http/cases/022-delete-subject.http \
	tests/http/cases/023-reregister-after-delete.http \
	tests/http/cases/030-references.http \
	tests/http/cases/031-references-nested.http \
	tests/http/cases/032-format-resolved.http \
	tests/http/cases/040-compatibility-backward.http \
	tests/http/cases/041-compatibility-levels.http \
	tests/http/cases/042-compatibility-edges.http \
	tests/http/cases/050-config.http \
	tests/http/cases/060-modes.http \
	tests/http/cases/061-import-mode.http \
	tests/http/cases/070-content-types.http \
	tests/http/cases/071-body-limit.http \
	tests/http/cases/080-bad-input.bad-utf8.json \
	tests/http/cases/080-bad-input.deep-body.json \
	tests/http/cases/080-bad-input.deep-schema.json \
	tests/http/cases/080-bad-input.http \
	tests/http/cases/081-absurd-ids-versions.http \
	tests/http/cases/082-subject-names.http \
	tests/http/cases/090-list-schemas.http \
	tests/http/cases/091-list-subjects.http \
	tests/http/cases/092-metadata-ruleset.http \
	tests/http/cases/093-lookup.http \
	tests/http/cases/094-ruleset-validation.http
EXTRA_DIST += $(HTTP_CASES)

check_PROGRAMS += tests/unit/test_jsontext
tests_unit_test_jsontext_SOURCES = tests/unit/test_jsontext.c
tests_unit_test_jsontext_CFLAGS = $(TEST_CF)
tests_unit_test_jsontext_LDADD = $(TEST_COMPAT_LIBS)
TESTS += tests/unit/test_jsontext
EXTRA_DIST += tests/cases/jsontext/cases.txt

# Avro payload validation (compat/avvalid): the cases in tests/cases/avvalid/,
# the example schemas, and random schemas and values written by avro-c (the
# reference encoder, linked only here). malloc is wrapped (-Wl,--wrap) so the
# test can count allocations and fail the Nth one.
AVVALID_CASES = tests/cases/avvalid/README.md \
	tests/cases/avvalid/blocks.cases tests/cases/avvalid/orders.cases \
	tests/cases/avvalid/primitives.cases tests/cases/avvalid/records.cases \
	tests/cases/avvalid/recursion.cases tests/cases/avvalid/strings.cases \
	tests/cases/avvalid/unions-enums.cases
EXTRA_DIST += $(AVVALID_CASES)
check_PROGRAMS += tests/unit/test_avvalid
tests_unit_test_avvalid_SOURCES = tests/unit/test_avvalid.c
tests_unit_test_avvalid_CFLAGS = $(TEST_CF) $(AVRO_CFLAGS)
tests_unit_test_avvalid_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
tests_unit_test_avvalid_LDADD = $(TEST_COMPAT_LIBS) $(AVRO_LIBS) $(PTHREAD_LIBS)
TESTS += tests/unit/test_avvalid

# The schema browser in a real browser (Debian's Chromium via playwright-core).
UI_TESTS = tests/ui/browser.sh tests/ui/rejections.sh
TESTS += $(UI_TESTS)
EXTRA_DIST += $(UI_TESTS) tests/ui/browser.mjs tests/ui/rejections.mjs tests/ui/package.json tests/ui/setup-node.sh

check_PROGRAMS += tests/unit/test_avjson
tests_unit_test_avjson_SOURCES = tests/unit/test_avjson.c
tests_unit_test_avjson_CFLAGS = $(TEST_CF)
tests_unit_test_avjson_LDADD = $(TEST_COMPAT_LIBS)
TESTS += tests/unit/test_avjson
EXTRA_DIST += tests/cases/avjson/cases.jsonl

# Gateway validation (issue #5): rules cases as data in tests/cases/gwrules/<case>/
# {rules.json,expect}; gwcheck and schemasource against the in-memory registry of
# tests/unit/gwfake.h (and, for HTTP, the real registry in-process); the
# rejections ring and metrics; the dead-letter producer on librdkafka's mock cluster.
GWRULES_CASES = \
	tests/cases/gwrules/bad-dlt/expect tests/cases/gwrules/bad-dlt/rules.json \
	tests/cases/gwrules/bad-mode/expect tests/cases/gwrules/bad-mode/rules.json \
	tests/cases/gwrules/bad-parts/expect tests/cases/gwrules/bad-parts/rules.json \
	tests/cases/gwrules/bad-regex/expect tests/cases/gwrules/bad-regex/rules.json \
	tests/cases/gwrules/bad-strategy/expect tests/cases/gwrules/bad-strategy/rules.json \
	tests/cases/gwrules/bad-topic-name/expect tests/cases/gwrules/bad-topic-name/rules.json \
	tests/cases/gwrules/bool-type/expect tests/cases/gwrules/bool-type/rules.json \
	tests/cases/gwrules/both-selectors/expect tests/cases/gwrules/both-selectors/rules.json \
	tests/cases/gwrules/default-inherited/expect tests/cases/gwrules/default-inherited/rules.json \
	tests/cases/gwrules/default-topic/expect tests/cases/gwrules/default-topic/rules.json \
	tests/cases/gwrules/duplicate-key/expect tests/cases/gwrules/duplicate-key/rules.json \
	tests/cases/gwrules/duplicate-topic/expect tests/cases/gwrules/duplicate-topic/rules.json \
	tests/cases/gwrules/empty-object/expect tests/cases/gwrules/empty-object/rules.json \
	tests/cases/gwrules/formats-empty/expect tests/cases/gwrules/formats-empty/rules.json \
	tests/cases/gwrules/formats-twice/expect tests/cases/gwrules/formats-twice/rules.json \
	tests/cases/gwrules/formats-unknown/expect tests/cases/gwrules/formats-unknown/rules.json \
	tests/cases/gwrules/full/expect tests/cases/gwrules/full/rules.json \
	tests/cases/gwrules/mode-not-string/expect tests/cases/gwrules/mode-not-string/rules.json \
	tests/cases/gwrules/no-selector/expect tests/cases/gwrules/no-selector/rules.json \
	tests/cases/gwrules/not-object/expect tests/cases/gwrules/not-object/rules.json \
	tests/cases/gwrules/plain-json-record-name/expect tests/cases/gwrules/plain-json-record-name/rules.json \
	tests/cases/gwrules/rules-not-array/expect tests/cases/gwrules/rules-not-array/rules.json \
	tests/cases/gwrules/syntax-error/expect tests/cases/gwrules/syntax-error/rules.json \
	tests/cases/gwrules/typo-setting/expect tests/cases/gwrules/typo-setting/rules.json \
	tests/cases/gwrules/unknown-top/expect tests/cases/gwrules/unknown-top/rules.json
EXTRA_DIST += $(GWRULES_CASES) tests/unit/gwfake.h
TEST_GWCHECK_LIBS = gateway/libsggateway.a registry/libsgregistry.a compat/libsgcompat.a \
	$(GATEWAY_LIBS) $(REGISTRY_LIBS) $(COMPAT_LIBS) $(PTHREAD_LIBS)
check_PROGRAMS += tests/unit/test_gwrules tests/unit/test_gwcheck tests/unit/test_gwsource
tests_unit_test_gwrules_SOURCES = tests/unit/test_gwrules.c
tests_unit_test_gwrules_CFLAGS = $(TEST_CF)
tests_unit_test_gwrules_LDADD = $(TEST_GWCHECK_LIBS)
tests_unit_test_gwcheck_SOURCES = tests/unit/test_gwcheck.c
tests_unit_test_gwcheck_CFLAGS = $(TEST_CF) $(ZLIB_CFLAGS)
tests_unit_test_gwcheck_LDADD = $(TEST_GWCHECK_LIBS)
tests_unit_test_gwsource_SOURCES = tests/unit/test_gwsource.c
tests_unit_test_gwsource_CFLAGS = $(TEST_CF) $(ZLIB_CFLAGS) $(CURL_CFLAGS)
tests_unit_test_gwsource_LDADD = $(TEST_GWCHECK_LIBS)
TESTS += tests/unit/test_gwrules tests/unit/test_gwcheck tests/unit/test_gwsource
check_PROGRAMS += tests/unit/test_gwobserve tests/unit/test_gwdeadletter
tests_unit_test_gwobserve_SOURCES = tests/unit/test_gwobserve.c
tests_unit_test_gwobserve_CFLAGS = $(TEST_CF)
tests_unit_test_gwobserve_LDADD = $(TEST_GWCHECK_LIBS)
tests_unit_test_gwdeadletter_SOURCES = tests/unit/test_gwdeadletter.c
tests_unit_test_gwdeadletter_CFLAGS = $(TEST_CF) $(ZLIB_CFLAGS) $(RDKAFKA_CFLAGS)
tests_unit_test_gwdeadletter_LDADD = $(TEST_GWCHECK_LIBS)
TESTS += tests/unit/test_gwobserve tests/unit/test_gwdeadletter
# Allocation failures: our allocations are wrapped so the Nth one can fail.
check_PROGRAMS += tests/unit/test_gwnomem
tests_unit_test_gwnomem_SOURCES = tests/unit/test_gwnomem.c
tests_unit_test_gwnomem_CFLAGS = $(TEST_CF) $(ZLIB_CFLAGS)
tests_unit_test_gwnomem_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
tests_unit_test_gwnomem_LDADD = $(TEST_GWCHECK_LIBS)
TESTS += tests/unit/test_gwnomem

# schemagate check / register as data: tests/cli/cases/*.case played by
# tests/cli/run.sh (format in tests/cli/README.md); tests/cli/help.sh checks the
# --help of every command that `schemagate help` lists.
CLI_CASES = \
	tests/cli/cases/001-online-compatible-text.case \
	tests/cli/cases/002-online-new-subject.case \
	tests/cli/cases/003-online-incompatible-text.case \
	tests/cli/cases/004-online-incompatible-json.case \
	tests/cli/cases/005-online-incompatible-github.case \
	tests/cli/cases/006-online-multi-problems.case \
	tests/cli/cases/007-online-quiet-incompatible.case \
	tests/cli/cases/008-online-quiet-compatible.case \
	tests/cli/cases/009-online-subject-level-none.case \
	tests/cli/cases/010-online-subject-level-forward.case \
	tests/cli/cases/011-online-level-override-forward.case \
	tests/cli/cases/012-online-level-override-backward.case \
	tests/cli/cases/013-online-level-transitive.case \
	tests/cli/cases/014-online-level-not-transitive.case \
	tests/cli/cases/015-online-json-schema.case \
	tests/cli/cases/016-online-json-schema-compatible.case \
	tests/cli/cases/017-type-detect-content.case \
	tests/cli/cases/018-type-forced-avro.case \
	tests/cli/cases/019-type-forced-json.case \
	tests/cli/cases/020-type-bad.case \
	tests/cli/cases/021-online-type-change.case \
	tests/cli/cases/022-online-level-type-change.case \
	tests/cli/cases/030-map-all-compatible.case \
	tests/cli/cases/031-map-mixed.case \
	tests/cli/cases/032-map-mixed-json.case \
	tests/cli/cases/033-map-mixed-github.case \
	tests/cli/cases/034-map-missing-file.case \
	tests/cli/cases/035-map-not-object.case \
	tests/cli/cases/036-map-bad-value.case \
	tests/cli/cases/037-map-broken.case \
	tests/cli/cases/038-map-missing.case \
	tests/cli/cases/039-map-with-subject.case \
	tests/cli/cases/040-no-subject.case \
	tests/cli/cases/041-two-files-online.case \
	tests/cli/cases/042-missing-file.case \
	tests/cli/cases/043-unparsable-schema.case \
	tests/cli/cases/044-invalid-avro.case \
	tests/cli/cases/045-unreachable.case \
	tests/cli/cases/046-tls-failure.case \
	tests/cli/cases/047-registry-404.case \
	tests/cli/cases/048-env-registry.case \
	tests/cli/cases/049-env-format.case \
	tests/cli/cases/050-env-format-flag-wins.case \
	tests/cli/cases/051-registry-trailing-slash.case \
	tests/cli/cases/052-json-unreachable.case \
	tests/cli/cases/053-check-subject-escaped.case \
	tests/cli/cases/060-github-escape-property.case \
	tests/cli/cases/061-github-escape-data.case \
	tests/cli/cases/062-text-one-line-per-problem.case \
	tests/cli/cases/063-json-weird-names.case \
	tests/cli/cases/070-bad-flag.case \
	tests/cli/cases/071-bad-format.case \
	tests/cli/cases/072-bad-level.case \
	tests/cli/cases/073-flag-missing-value.case \
	tests/cli/cases/074-unknown-command.case \
	tests/cli/cases/075-level-empty.case \
	tests/cli/cases/100-offline-compatible.case \
	tests/cli/cases/101-offline-incompatible-text.case \
	tests/cli/cases/102-offline-incompatible-json.case \
	tests/cli/cases/103-offline-github.case \
	tests/cli/cases/104-offline-github-escape-data.case \
	tests/cli/cases/105-offline-level-forward.case \
	tests/cli/cases/106-offline-level-full.case \
	tests/cli/cases/107-offline-transitive.case \
	tests/cli/cases/108-offline-not-transitive.case \
	tests/cli/cases/109-offline-json-schema.case \
	tests/cli/cases/110-offline-quiet-compatible.case \
	tests/cli/cases/111-offline-one-file.case \
	tests/cli/cases/112-offline-with-subject.case \
	tests/cli/cases/113-offline-missing-file.case \
	tests/cli/cases/114-offline-unparsable.case \
	tests/cli/cases/115-offline-type-mix.case \
	tests/cli/cases/116-offline-ignores-registry.case \
	tests/cli/cases/200-register-new.case \
	tests/cli/cases/201-register-idempotent.case \
	tests/cli/cases/202-register-second-version.case \
	tests/cli/cases/203-register-incompatible.case \
	tests/cli/cases/204-register-incompatible-github.case \
	tests/cli/cases/205-register-json.case \
	tests/cli/cases/206-register-json-refused.case \
	tests/cli/cases/207-register-map.case \
	tests/cli/cases/208-register-map-again.case \
	tests/cli/cases/209-register-quiet.case \
	tests/cli/cases/210-register-github-success.case \
	tests/cli/cases/211-register-unparsable.case \
	tests/cli/cases/212-register-missing-file.case \
	tests/cli/cases/213-register-unreachable.case \
	tests/cli/cases/214-register-no-level.case \
	tests/cli/cases/215-register-no-offline.case \
	tests/cli/cases/216-register-two-files.case \
	tests/cli/cases/217-register-type-detect.case \
	tests/cli/cases/218-register-map-stops-at-refusal.case \
	tests/cli/cases/219-register-subject-escaped.case
CLI_FILES = \
	tests/cli/files/broken.avsc \
	tests/cli/files/map-bad-value.json \
	tests/cli/files/map-broken.json \
	tests/cli/files/map-missing-file.json \
	tests/cli/files/map-mixed.json \
	tests/cli/files/map-not-object.json \
	tests/cli/files/not-avro.avsc \
	tests/cli/files/orders-amount-string.json \
	tests/cli/files/orders-multi.avsc \
	tests/cli/files/orders-schema \
	tests/cli/files/orders-v2-default.avsc \
	tests/cli/files/orders-v2-nodefault.avsc \
	tests/cli/files/orders-v2.json \
	tests/cli/files/weird-v1.json \
	tests/cli/files/weird-v2.json
CLI_TESTS = tests/cli/run.sh tests/cli/help.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS) $(CLI_CASES) $(CLI_FILES) tests/cli/README.md tests/cli/jsonget.py
# The examples (examples/, Dockerfile) tested where they can run here:
# tests/examples/ci.py (the CI files' shell steps against a local registry),
# static.py (YAML, Kubernetes fields, clients' calls with stand-ins),
# dockerfile.py (structure), python.sh (real clients, broker and gateway).
EXAMPLES_FILES = Dockerfile .dockerignore examples/README.md \
	examples/ci/README.md examples/ci/github-actions.yml examples/ci/gitlab-ci.yml \
	examples/python/README.md examples/python/producer.py examples/python/consumer.py \
	examples/python/avro_producer.py examples/python/requirements.txt \
	examples/kestra/README.md examples/kestra/produce-orders.yml \
	examples/airflow/README.md examples/airflow/orders_dag.py \
	examples/kubernetes/README.md examples/kubernetes/kafka.yaml \
	examples/kubernetes/registry.yaml examples/kubernetes/gateway.yaml \
	examples/kubernetes/monitoring.yaml examples/kubernetes/kustomization.yaml
EXAMPLES_TESTS = tests/examples/ci.py tests/examples/static.py tests/examples/dockerfile.py \
	tests/examples/python.sh
EXAMPLES_STUBS = tests/examples/stubs/README.md tests/examples/stubs/stublog.py \
	tests/examples/stubs/kafka/__init__.py tests/examples/stubs/kafka/errors.py \
	tests/examples/stubs/confluent_kafka/__init__.py \
	tests/examples/stubs/confluent_kafka/serialization.py \
	tests/examples/stubs/confluent_kafka/schema_registry/__init__.py \
	tests/examples/stubs/confluent_kafka/schema_registry/avro.py \
	tests/examples/stubs/airflow/__init__.py tests/examples/stubs/airflow/decorators.py
TESTS += $(EXAMPLES_TESTS)
EXTRA_DIST += $(EXAMPLES_FILES) $(EXAMPLES_TESTS) $(EXAMPLES_STUBS) tests/examples/exlib.py
# end of tests/cli and tests/examples
