# compat/: schema models, canonical forms, compatibility and payload
# validation. Pure: no I/O, no threads, no globals that change.
# The shared pieces sit at the top; each schema type has a folder of its own
# and a row in the table of types (schema_types.c), which schema.c calls.
noinst_LIBRARIES += %reldir%/libsgcompat.a
%canon_reldir%_libsgcompat_a_SOURCES = \
	%reldir%/error.c %reldir%/error.h \
	%reldir%/report.c %reldir%/report.h \
	%reldir%/schema.c %reldir%/schema.h \
	%reldir%/schema_types.c \
	%reldir%/level.c %reldir%/level.h \
	%reldir%/ruleset.c %reldir%/ruleset.h \
	%reldir%/schematags.c %reldir%/schematags.h \
	%reldir%/embed.h %reldir%/hex.h

# compat/avro/: the Avro schema model, its printed forms and its checks of
# defaults and logical types (avsc, avform, avattr), schema resolution as a
# compatibility check (avcompat), payload validation against the writer schema
# (avvalid), and Avro's JSON encoding checked against a schema, for
# `schemagate validate` fixtures (avjson).
%canon_reldir%_libsgcompat_a_SOURCES += \
	%reldir%/avro/avsc.c %reldir%/avro/avsc.h \
	%reldir%/avro/avform.c %reldir%/avro/avform.h \
	%reldir%/avro/avattr.c %reldir%/avro/avattr.h \
	%reldir%/avro/avcompat.c %reldir%/avro/avcompat.h \
	%reldir%/avro/avvalid.c %reldir%/avro/avvalid.h \
	%reldir%/avro/avjson.c %reldir%/avro/avjson.h

# compat/protobuf/: Protobuf `.proto` files, parsed as Square Wire does
# (pbfile: the model and its parser), printed as Confluent's canonical
# string (pbform), its type names resolved against references and the
# well-known files (pbnames), read from and written as a serialized
# FileDescriptorProto (pbdesc), normalized (pbnorm), Confluent's
# compatibility rules (pbcompat), payloads checked (pbvalid). The rules are
# in compat/protobuf/README.
%canon_reldir%_libsgcompat_a_SOURCES += \
	%reldir%/protobuf/pbfile.c %reldir%/protobuf/pbfile.h \
	%reldir%/protobuf/pbform.c %reldir%/protobuf/pbform.h \
	%reldir%/protobuf/pbnames.c %reldir%/protobuf/pbnames.h \
	%reldir%/protobuf/pbdesc.c %reldir%/protobuf/pbdesc.h \
	%reldir%/protobuf/pbnorm.c %reldir%/protobuf/pbnorm.h \
	%reldir%/protobuf/pbcompat.c %reldir%/protobuf/pbcompat.h \
	%reldir%/protobuf/pbvalid.c %reldir%/protobuf/pbvalid.h
EXTRA_DIST += %reldir%/protobuf/README

# compat/jsonschema/: JSON Schema, drafts 4 to 2020-12.
# Validation: jsonschema (API and evaluator), jscompile (compiler; its first
# pass and reference resolution in jscompile_scan, sharing jscompile_state.h),
# and the toolkit jsuri, jsvalue, jsregex (ECMA-262 patterns), jsformat,
# jsdoc (the document model and its parser), jslex (its tokens), jsstream
# (one-pass validation of raw bytes for simple schemas), jsmeta (the official
# meta-schemas, embedded from meta/ by scripts/embed into jsmeta_data.c).
# Canonical text: jsontext (Jackson's compact form).
# Compatibility as Confluent judges it: jsondiff (the walk), jsondiff_types
# (the Difference types), jsondiff_context (paths, differences, limits), and
# the everit / 2020-12 schema model: jsondiff_model (space, documents, $refs,
# equality) with its two loaders, jsondiff_everit (drafts 4 to 7) and
# jsondiff_skema (2019-09 and 2020-12), which share jsondiff_load.h.
%canon_reldir%_libsgcompat_a_SOURCES += \
	%reldir%/jsonschema/jsonschema.c %reldir%/jsonschema/jsonschema.h \
	%reldir%/jsonschema/jscompile.c %reldir%/jsonschema/jscompile.h \
	%reldir%/jsonschema/jscompile_state.h %reldir%/jsonschema/jscompile_scan.c \
	%reldir%/jsonschema/jsuri.c %reldir%/jsonschema/jsuri.h \
	%reldir%/jsonschema/jsvalue.c %reldir%/jsonschema/jsvalue.h \
	%reldir%/jsonschema/jsregex.c %reldir%/jsonschema/jsregex.h \
	%reldir%/jsonschema/jsformat.c %reldir%/jsonschema/jsformat.h \
	%reldir%/jsonschema/jsmeta.c %reldir%/jsonschema/jsmeta.h \
	%reldir%/jsonschema/jsdoc.c %reldir%/jsonschema/jsdoc.h \
	%reldir%/jsonschema/jslex.c %reldir%/jsonschema/jslex.h \
	%reldir%/jsonschema/jsstream.c %reldir%/jsonschema/jsstream.h \
	%reldir%/jsonschema/jsontext.c %reldir%/jsonschema/jsontext.h \
	%reldir%/jsonschema/jsondiff.c %reldir%/jsonschema/jsondiff.h \
	%reldir%/jsonschema/jsondiff_types.c %reldir%/jsonschema/jsondiff_types.h \
	%reldir%/jsonschema/jsondiff_context.c %reldir%/jsonschema/jsondiff_context.h \
	%reldir%/jsonschema/jsondiff_model.c %reldir%/jsonschema/jsondiff_model.h \
	%reldir%/jsonschema/jsondiff_load.h \
	%reldir%/jsonschema/jsondiff_everit.c %reldir%/jsonschema/jsondiff_skema.c
nodist_%canon_reldir%_libsgcompat_a_SOURCES = %reldir%/jsonschema/jsmeta_data.c
JSMETA_FILES = draft4.json draft6.json draft7.json draft2019-09.json draft2020-12.json \
	vocabularies.json
%reldir%/jsonschema/jsmeta_data.c: $(JSMETA_FILES:%=$(srcdir)/%reldir%/jsonschema/meta/%) \
		$(srcdir)/scripts/embed $(srcdir)/%reldir%/local.mk
	@$(MKDIR_P) %reldir%/jsonschema
	$(AM_V_GEN)$(SHELL) $(srcdir)/scripts/embed $(srcdir)/%reldir%/jsonschema/meta $@ jsmeta_files \
		$(JSMETA_FILES)
BUILT_SOURCES += %reldir%/jsonschema/jsmeta_data.c
CLEANFILES += %reldir%/jsonschema/jsmeta_data.c
EXTRA_DIST += $(JSMETA_FILES:%=%reldir%/jsonschema/meta/%) %reldir%/jsonschema/meta/LICENSE
