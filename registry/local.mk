# registry/: the Confluent Schema Registry REST API over an SQLite store.
noinst_LIBRARIES += %reldir%/libsgregistry.a
# The HTTP server (libmicrohttpd).
%canon_reldir%_libsgregistry_a_SOURCES = %reldir%/http.c %reldir%/http.h
# Who may use the registry: the auth file, passwords and permissions.
%canon_reldir%_libsgregistry_a_SOURCES += %reldir%/auth.c %reldir%/auth.h
# The SQLite store (store) and its content hash (sha256).
%canon_reldir%_libsgregistry_a_SOURCES += %reldir%/store.c %reldir%/store.h \
	%reldir%/sha256.c %reldir%/sha256.h %reldir%/guid.c %reldir%/guid.h
# Confluent's qualified subjects (:.context:subject), which the store and
# the API both read.
%canon_reldir%_libsgregistry_a_SOURCES += %reldir%/qsubject.c %reldir%/qsubject.h
# The REST API over the store: the caches (idcache for bodies by id,
# schemacache for parsed schemas), Confluent's JSON entities (entity, jsonio)
# and its wording of compatibility failures (compatreport).
%canon_reldir%_libsgregistry_a_SOURCES += %reldir%/api.h \
	%reldir%/jsonio.c %reldir%/jsonio.h %reldir%/entity.c %reldir%/entity.h \
	%reldir%/idcache.c %reldir%/idcache.h %reldir%/schemacache.c %reldir%/schemacache.h \
	%reldir%/compatreport.c %reldir%/compatreport.h %reldir%/reserved.c %reldir%/reserved.h
# Confluent's _schemas topic records, decoded and encoded byte for byte (schemalog).
%canon_reldir%_libsgregistry_a_SOURCES += %reldir%/schemalog.c %reldir%/schemalog.h
# Kafka mode: the store as a view of that log (logview: records to store
# changes and back) and its Kafka side (kafkastore: the topic, the reader
# thread, the transactional writer).
%canon_reldir%_libsgregistry_a_SOURCES += %reldir%/logview.c %reldir%/logview.h \
	%reldir%/kafkastore.c %reldir%/kafkastore.h
# A registry cluster: who leads (leader, a Kafka consumer group) and how a
# write reaching another node is sent to it (forward, libcurl).
%canon_reldir%_libsgregistry_a_SOURCES += %reldir%/leader.c %reldir%/leader.h \
	%reldir%/forward.c %reldir%/forward.h
# registry/api/: the API itself, one file per resource as Confluent splits
# them. api.c implements api.h (routing, content negotiation, lifecycle);
# internal.h is what the folder's files share: the request (request.c), the
# candidate schema of a request (candidate.c), a subject's history for
# compatibility checks (history.c).
%canon_reldir%_libsgregistry_a_SOURCES += %reldir%/api/internal.h \
	%reldir%/api/api.c %reldir%/api/request.c \
	%reldir%/api/candidate.c %reldir%/api/history.c \
	%reldir%/api/metadata.c %reldir%/api/contexts.c %reldir%/api/schemas.c %reldir%/api/subjects.c \
	%reldir%/api/versions.c %reldir%/api/register.c %reldir%/api/compat.c \
	%reldir%/api/config.c %reldir%/api/mode.c
# POST /subjects/{subject}/versions/{version}/tags (tags.c).
%canon_reldir%_libsgregistry_a_SOURCES += %reldir%/api/tags.c

# The schema browser: registry/ui/ is embedded into the binary at build time.
UI_FILES = index.html app.js style.css vendor/diff.min.js
EXTRA_DIST += $(UI_FILES:%=%reldir%/ui/%) %reldir%/ui/vendor/diff.LICENSE scripts/embed
%canon_reldir%_libsgregistry_a_SOURCES += %reldir%/ui.c %reldir%/ui.h
nodist_%canon_reldir%_libsgregistry_a_SOURCES = %reldir%/ui_assets.c
BUILT_SOURCES += %reldir%/ui_assets.c
CLEANFILES += %reldir%/ui_assets.c
%reldir%/ui_assets.c: $(UI_FILES:%=$(top_srcdir)/%reldir%/ui/%) $(top_srcdir)/scripts/embed \
		$(top_srcdir)/%reldir%/local.mk
	$(AM_V_GEN)$(MKDIR_P) %reldir% && $(SHELL) $(top_srcdir)/scripts/embed $(top_srcdir)/%reldir%/ui $@ ui_assets $(UI_FILES)
