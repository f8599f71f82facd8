# tests/: every test prints TAP. C unit tests use tests/tap.h.
EXTRA_DIST += tests/tap.h
TEST_CF = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
TEST_COMPAT_LIBS = compat/libsgcompat.a $(COMPAT_LIBS)

check_PROGRAMS += tests/unit/test_basics
tests_unit_test_basics_SOURCES = tests/unit/test_basics.c
tests_unit_test_basics_CFLAGS = $(TEST_CF)
tests_unit_test_basics_LDADD = $(TEST_COMPAT_LIBS)
TESTS += tests/unit/test_basics

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
KAFKA_TESTS = tests/kafka/broker.sh
TESTS += $(KAFKA_TESTS)
EXTRA_DIST += $(KAFKA_TESTS) tests/kafka/lib.sh tests/kafka/kwire.py tests/kafka/pyclients.py \
	tests/kafka/KClient.java tests/kafka/pom.xml
