# registry/: the Confluent Schema Registry REST API over an SQLite store.
noinst_LIBRARIES += registry/libsgregistry.a
registry_libsgregistry_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) $(MHD_CFLAGS) $(CURL_CFLAGS)
registry_libsgregistry_a_SOURCES = registry/http.h
registry_libsgregistry_a_SOURCES += registry/http.c
registry_libsgregistry_a_SOURCES += registry/regclient.c registry/regclient.h
# The SQLite store (registry/store) and its content hash (registry/sha256).
registry_libsgregistry_a_SOURCES += registry/store.c registry/store.h \
	registry/sha256.c registry/sha256.h
# The REST API (registry/api) over the store: the caches (idcache for bodies
# by id, schemacache for parsed schemas), Confluent's JSON entities (entity,
# jsonio) and its wording of compatibility failures (compatreport).
registry_libsgregistry_a_SOURCES += registry/api.c registry/api.h \
	registry/jsonio.c registry/jsonio.h registry/entity.c registry/entity.h \
	registry/idcache.c registry/idcache.h registry/schemacache.c registry/schemacache.h \
	registry/compatreport.c registry/compatreport.h

# The schema browser: registry/ui/ is embedded into the binary at build time.
UI_FILES = index.html app.js style.css vendor/diff.min.js
EXTRA_DIST += $(UI_FILES:%=registry/ui/%) registry/ui/vendor/diff.LICENSE scripts/embed
registry_libsgregistry_a_SOURCES += registry/ui.c registry/ui.h compat/embed.h
nodist_registry_libsgregistry_a_SOURCES = registry/ui_assets.c
BUILT_SOURCES += registry/ui_assets.c
CLEANFILES += registry/ui_assets.c
registry/ui_assets.c: $(UI_FILES:%=$(top_srcdir)/registry/ui/%) $(top_srcdir)/scripts/embed \
		$(top_srcdir)/registry/local.mk
	$(AM_V_GEN)$(MKDIR_P) registry && $(SHELL) $(top_srcdir)/scripts/embed $(top_srcdir)/registry/ui $@ ui_assets $(UI_FILES)
