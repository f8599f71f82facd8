# gateway/: the Kafka-protocol proxy.
noinst_LIBRARIES += %reldir%/libsggateway.a
%canon_reldir%_libsggateway_a_SOURCES = \
	%reldir%/kreader.c %reldir%/kreader.h \
	%reldir%/kwriter.c %reldir%/kwriter.h \
	%reldir%/crc32c.c %reldir%/crc32c.h \
	%reldir%/kcompress.c %reldir%/kcompress.h \
	%reldir%/records.c %reldir%/records.h
# (each group of modules below adds itself to the library's sources)
# The proxy: the event loop (splice() streaming in loop_splice; loop_conn.h
# is internal to the two), Kafka headers and versions, address rewriting,
# client sessions, and the entry points the CLI calls.
%canon_reldir%_libsggateway_a_SOURCES += \
	%reldir%/loop.c %reldir%/loop.h \
	%reldir%/loop_splice.c %reldir%/loop_conn.h \
	%reldir%/tls.c %reldir%/tls.h \
	%reldir%/certmap.c %reldir%/certmap.h \
	%reldir%/kproto.c %reldir%/kproto.h \
	%reldir%/kaddr.c %reldir%/kaddr.h \
	%reldir%/proxy.c %reldir%/proxy.h %reldir%/gwlog.h \
	%reldir%/gateway.c %reldir%/gateway.h
# Record validation (issue #5): the rules file, schema lookups with caches,
# where a record names its schema (framing: id or GUID, prefix or header),
# the per-batch validation engine, the rejections ring, Prometheus metrics
# and the dead-letter producer.
%canon_reldir%_libsggateway_a_SOURCES += \
	%reldir%/rules.c %reldir%/rules.h \
	%reldir%/schemasource.c %reldir%/schemasource.h \
	%reldir%/framing.c %reldir%/framing.h \
	%reldir%/gwcheck.c %reldir%/gwcheck.h \
	%reldir%/rejections.c %reldir%/rejections.h \
	%reldir%/metrics.c %reldir%/metrics.h \
	%reldir%/deadletter.c %reldir%/deadletter.h
# Validation in the Produce path: the Produce request/response codec and the
# worker pool that runs checks off the event loop.
%canon_reldir%_libsggateway_a_SOURCES += \
	%reldir%/kproduce.c %reldir%/kproduce.h \
	%reldir%/workers.c %reldir%/workers.h
