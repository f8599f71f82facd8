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
# JSON Schema validation, drafts 4 to 2020-12 (compat/jsonschema: API and
# evaluator; compat/jscompile: compiler; helpers jsuri, jsvalue, jsregex,
# jsformat, jsdoc (the document model and its parser), jslex (its tokens),
# jsstream (one-pass validation of raw bytes for simple schemas);
# compat/jsmeta: the official meta-schemas, embedded from compat/meta/ by
# scripts/embed into the generated jsmeta_data.c).
compat_libsgcompat_a_SOURCES += compat/jsonschema.c compat/jsonschema.h \
	compat/jscompile.c compat/jscompile.h compat/jsuri.c compat/jsuri.h \
	compat/jsvalue.c compat/jsvalue.h compat/jsregex.c compat/jsregex.h \
	compat/jsformat.c compat/jsformat.h compat/jsmeta.c compat/jsmeta.h \
	compat/jsdoc.c compat/jsdoc.h compat/jslex.c compat/jslex.h \
	compat/jsstream.c compat/jsstream.h
nodist_compat_libsgcompat_a_SOURCES = compat/jsmeta_data.c
JSMETA_FILES = compat/meta/draft4.json compat/meta/draft6.json compat/meta/draft7.json \
	compat/meta/draft2019-09.json compat/meta/draft2020-12.json compat/meta/vocabularies.json
compat/jsmeta_data.c: $(JSMETA_FILES:%=$(srcdir)/%) $(srcdir)/scripts/embed $(srcdir)/compat/local.mk
	@$(MKDIR_P) compat
	$(AM_V_GEN)$(SHELL) $(srcdir)/scripts/embed $(srcdir)/compat/meta $@ jsmeta_files $(JSMETA_FILES:compat/meta/%=%)
BUILT_SOURCES += compat/jsmeta_data.c
CLEANFILES += compat/jsmeta_data.c
EXTRA_DIST += $(JSMETA_FILES) compat/meta/LICENSE
# JSON text in Jackson's compact form: a JSON Schema's canonical string.
compat_libsgcompat_a_SOURCES += compat/jsontext.c compat/jsontext.h
# Avro payload validation against the writer schema (compat/avvalid).
compat_libsgcompat_a_SOURCES += compat/avvalid.c compat/avvalid.h
# Avro's JSON encoding checked against a schema (fixtures for `schemagate validate`).
compat_libsgcompat_a_SOURCES += compat/avjson.c compat/avjson.h
# Confluent's rule set validation: names, types, actions, modes (compat/ruleset).
compat_libsgcompat_a_SOURCES += compat/ruleset.c compat/ruleset.h
