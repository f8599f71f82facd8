# compat/: schema models, canonical forms, compatibility and payload
# validation. Pure: no I/O, no threads, no globals that change.
noinst_LIBRARIES += compat/libsgcompat.a
compat_libsgcompat_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
compat_libsgcompat_a_SOURCES = \
	compat/error.c compat/error.h \
	compat/report.c compat/report.h \
	compat/schema.c compat/schema.h \
	compat/level.c compat/level.h
# (each module below adds itself to compat_libsgcompat_a_SOURCES)
# The Avro schema model and its printed forms (compat/avsc, compat/avform).
compat_libsgcompat_a_SOURCES += compat/avsc.c compat/avsc.h compat/avform.c compat/avform.h
# Avro schema resolution as a compatibility check (compat/avcompat).
compat_libsgcompat_a_SOURCES += compat/avcompat.c compat/avcompat.h
# JSON Schema compatibility as Confluent judges it (compat/jsondiff, with its
# everit / 2020-12 schema model in compat/jsondiff_model).
compat_libsgcompat_a_SOURCES += compat/jsondiff.c compat/jsondiff.h \
	compat/jsondiff_model.c compat/jsondiff_model.h
