# registry/: the Confluent Schema Registry REST API over an SQLite store.
noinst_LIBRARIES += registry/libsgregistry.a
registry_libsgregistry_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) $(MHD_CFLAGS)
registry_libsgregistry_a_SOURCES = registry/http.h
registry_libsgregistry_a_SOURCES += registry/http.c
