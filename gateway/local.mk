# gateway/: the Kafka-protocol proxy.
noinst_LIBRARIES += gateway/libsggateway.a
gateway_libsggateway_a_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS) $(SNAPPY_CFLAGS) $(LZ4_CFLAGS) $(ZSTD_CFLAGS) $(LIBEVENT_CFLAGS) $(RDKAFKA_CFLAGS)
gateway_libsggateway_a_SOURCES = \
	gateway/kreader.c gateway/kreader.h \
	gateway/kwriter.c gateway/kwriter.h \
	gateway/crc32c.c gateway/crc32c.h \
	gateway/kcompress.c gateway/kcompress.h \
	gateway/records.c gateway/records.h
# (each gateway module adds itself to gateway_libsggateway_a_SOURCES)
# The proxy: the event loop, Kafka headers and versions, address rewriting,
# client sessions, and the entry points the CLI calls.
gateway_libsggateway_a_SOURCES += \
	gateway/loop.c gateway/loop.h \
	gateway/kproto.c gateway/kproto.h \
	gateway/kaddr.c gateway/kaddr.h \
	gateway/proxy.c gateway/proxy.h \
	gateway/gateway.c gateway/gateway.h
# Record validation (issue #5): the rules file, schema lookups with caches,
# the per-batch validation engine, the rejections ring, Prometheus metrics
# and the dead-letter producer.
gateway_libsggateway_a_CFLAGS += $(JANSSON_CFLAGS) $(PCRE2_CFLAGS) $(CURL_CFLAGS)
gateway_libsggateway_a_SOURCES += \
	gateway/rules.c gateway/rules.h \
	gateway/schemasource.c gateway/schemasource.h \
	gateway/gwcheck.c gateway/gwcheck.h \
	gateway/rejections.c gateway/rejections.h \
	gateway/metrics.c gateway/metrics.h \
	gateway/deadletter.c gateway/deadletter.h
# Validation in the Produce path: the Produce request/response codec and the
# worker pool that runs checks off the event loop.
gateway_libsggateway_a_SOURCES += \
	gateway/kproduce.c gateway/kproduce.h \
	gateway/workers.c gateway/workers.h
