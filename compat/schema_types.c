/* compat/schema_types.c: the rows of the table of schema types (struct
 * schema_ops in compat/schema.h), one section per type, each calling into its
 * folder, and the table itself at the end. Nothing here keeps state: a row's
 * functions may be called from any number of threads at once. */
#include "compat/schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "compat/avro/avcompat.h"
#include "compat/avro/avjson.h"
#include "compat/avro/avsc.h"
#include "compat/avro/avvalid.h"
#include "compat/jsonschema/jsondiff.h"
#include "compat/jsonschema/jsonschema.h"
#include "compat/jsonschema/jsontext.h"
#include "compat/jsonschema/jsregex.h"
#include "compat/protobuf/pbcompat.h"
#include "compat/protobuf/pbfile.h"
#include "compat/protobuf/pbform.h"
#include "compat/protobuf/pbnames.h"
#include "compat/protobuf/pbdesc.h"
#include "compat/protobuf/pbnorm.h"
#include "compat/protobuf/pbvalid.h"

/* One thread's working memory: the words of the last refusal, and a member
 * per type that keeps something between payloads. */
struct schema_scratch {
	char why[SCHEMA_WHY_MAX];
	struct jsregex_scratch *rx; /* JSON Schema: the PCRE2 match buffer */
	struct report *findings;    /* JSON Schema: what a refused payload breaks */
	unsigned flags;             /* SCHEMA_CHECK_* bits */
};

struct schema_scratch *schema_scratch_new(void)
{
	struct schema_scratch *sc = calloc(1, sizeof *sc);
	if (sc && !(sc->findings = report_new())) {
		free(sc);
		return NULL;
	}
	return sc;
}

void schema_scratch_free(struct schema_scratch *sc)
{
	if (!sc)
		return;
	jsregex_scratch_free(sc->rx);
	report_free(sc->findings);
	free(sc);
}

const char *schema_why(const struct schema_scratch *sc)
{
	return sc->why;
}

void schema_scratch_set_flags(struct schema_scratch *sc, unsigned flags)
{
	sc->flags = flags;
}

void schema_scratch_say(struct schema_scratch *sc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sc->why, sizeof sc->why, fmt, ap);
	va_end(ap);
}

static int schema_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- Avro (compat/avro): the model is a struct avsc_schema ---- */

static void *avro_parse(const char *text, size_t len, const struct schema_ref *refs, size_t nrefs,
                        struct sg_error *err)
{
	const struct avsc_schema **arefs = NULL;
	if (nrefs) {
		arefs = calloc(nrefs, sizeof *arefs);
		if (!arefs) {
			error_set(err, SG_ENOMEM, "out of memory");
			return NULL;
		}
		for (size_t i = 0; i < nrefs; i++) {
			arefs[i] = schema_avro(refs[i].schema);
			if (!arefs[i]) {
				error_set(err, SG_EINVALID_SCHEMA,
				          "reference '%s' is not an Avro schema",
				          refs[i].name ? refs[i].name : "");
				free(arefs);
				return NULL;
			}
		}
	}
	struct avsc_schema *m = avsc_parse(text, len, arefs, nrefs, err);
	free(arefs);
	return m;
}

static void avro_free(void *model)
{
	avsc_free(model);
}

static const char *avro_canonical(const void *model)
{
	return avsc_java_string(model);
}

static const char *avro_normalized(const void *model)
{
	return avsc_normalized(model);
}

static char *avro_resolved(const void *model)
{
	return avsc_resolved_string(model);
}

static const char *avro_record_name(const void *model)
{
	const struct avsc_node *root = avsc_root(model);
	const char *name = avsc_fullname(root);
	return name ? name : avsc_kind_name(avsc_kind(root));
}

static int avro_compatible(const void *reader, const void *writer, enum schema_policy policy,
                           struct report *r, struct sg_error *err)
{
	return avcompat_check_err(reader, writer, r, err);
}

static void *avro_prepare(const void *model, struct sg_error *err)
{
	return avvalid_compile(model, err);
}

static void avro_unprepare(void *state)
{
	avvalid_free(state);
}

/* About 16 bytes an instruction, its tables included. */
static size_t avro_state_bytes(const void *state)
{
	return avvalid_program_size(state) * 16u;
}

static enum schema_payload avro_check(const void *state, const void *target, const uint8_t *p,
                                      size_t n, struct schema_scratch *sc)
{
	return avvalid_check(state, p, n, NULL) == 1 ? SCHEMA_PAYLOAD_VALID
	                                             : SCHEMA_PAYLOAD_INVALID;
}

/* Every refusal is SCHEMA_PAYLOAD_INVALID: a payload that is not an encoding
 * of the schema has no other syntax to break. */
static enum schema_payload avro_explain(const void *state, const void *target, const uint8_t *p,
                                        size_t n, struct schema_scratch *sc)
{
	struct sg_error e;
	error_clear(&e);
	avvalid_check(state, p, n, &e);
	schema_scratch_say(sc, "%s", e.msg);
	return SCHEMA_PAYLOAD_INVALID;
}

static int avro_check_report(const void *state, const void *target, const uint8_t *p, size_t n,
                             struct report *r)
{
	return avvalid_check_report(state, p, n, r);
}

/* A document in Avro's JSON encoding (compat/avro/avjson). */
static int avro_check_json(const void *model, const char *text, size_t len, struct report *r)
{
	struct sg_error err;
	error_clear(&err);
	json_t *doc = jsonschema_parse(text, len, &err);
	if (!doc) {
		report_add(r, "parse", "", "not JSON: %s", err.msg);
		return 0;
	}
	int ok = avjson_validate(model, doc, r);
	json_decref(doc);
	return ok;
}

/* Its own extensions; a union (an array) or a named type's object. */
static enum schema_guess avro_guess(const char *path, const char *text, size_t len)
{
	static const char *const named[] = {"record", "enum", "fixed", "error"};
	if (schema_ends_with(path, ".avsc") || schema_ends_with(path, ".avro"))
		return SCHEMA_GUESS_OWN_NAME;
	json_t *doc = json_loadb(text, len, JSON_DECODE_ANY, NULL);
	enum schema_guess g = json_is_array(doc) ? SCHEMA_GUESS_LIKELY : SCHEMA_GUESS_NONE;
	const char *t = json_string_value(json_object_get(doc, "type"));
	for (size_t i = 0; t && i < sizeof named / sizeof named[0]; i++)
		if (strcmp(t, named[i]) == 0)
			g = SCHEMA_GUESS_LIKELY;
	json_decref(doc);
	return g;
}

/* A field of the root, when the root is a record (read from the canonical
 * form, which keeps every field under its name). */
static int avro_has_top_level_field(const void *model, const char *name)
{
	json_t *root = json_loads(avro_canonical(model), JSON_DECODE_ANY, NULL);
	const char *type = json_string_value(json_object_get(root, "type"));
	int found = 0;
	size_t i;
	json_t *f;
	if (type && strcmp(type, "record") == 0) {
		json_array_foreach(json_object_get(root, "fields"), i, f)
		{
			const char *fn = json_string_value(json_object_get(f, "name"));
			found |= fn && strcmp(fn, name) == 0;
		}
	}
	json_decref(root);
	return found;
}

static const struct schema_ops avro_ops = {
    .type = SCHEMA_AVRO,
    .name = "AVRO",
    .title = "Avro",
    .record_name_from = NULL,
    .parse = avro_parse,
    .free = avro_free,
    .canonical = avro_canonical,
    .normalized = avro_normalized,
    .resolved = avro_resolved,
    .record_name = avro_record_name,
    .has_top_level_field = avro_has_top_level_field,
    .compatible = avro_compatible,
    .describe = avcompat_confluent_message,
    .prepare = avro_prepare,
    .unprepare = avro_unprepare,
    .state_bytes = avro_state_bytes,
    .frame = NULL,
    .check = avro_check,
    .explain = avro_explain,
    .check_report = avro_check_report,
    .check_json = avro_check_json,
    .guess = avro_guess,
};

/* ---- JSON Schema (compat/jsonschema) ---- */

/* A reference: the name a "$ref" uses, and the borrowed document of the
 * referenced schema (which outlives this one). */
struct json_ref {
	char *name; /* owned: the caller's names live for schema_parse() only */
	const json_t *doc;
};

/* The document, its compiled validator, its references and its strings. */
struct json_model {
	json_t *doc;
	struct jsonschema *validator;
	struct json_ref *refs;
	size_t nrefs;
	char *canonical;
	char *normalized;
};

static void json_free(void *model)
{
	struct json_model *m = model;
	if (!m)
		return;
	jsonschema_free(m->validator);
	json_decref(m->doc);
	for (size_t i = 0; i < m->nrefs; i++)
		free(m->refs[i].name);
	free(m->refs);
	free(m->canonical);
	free(m->normalized);
	free(m);
}

/* Adds reference `name` to m->refs unless a reference of that name is there
 * already (the first one wins). Returns 0, or -1 out of memory. */
static int json_add_ref(struct json_model *m, size_t cap, const char *name, const json_t *doc)
{
	for (size_t i = 0; i < m->nrefs; i++)
		if (strcmp(m->refs[i].name, name) == 0)
			return 0;
	if (m->nrefs == cap)
		return 0;
	if (!(m->refs[m->nrefs].name = strdup(name)))
		return -1;
	m->refs[m->nrefs++].doc = doc;
	return 0;
}

/* Fills m->refs and compiles the validator with the references as named
 * documents: the direct ones, then theirs (each reference's model already
 * holds its own, transitively), as Confluent resolves a chain a -> b -> c
 * for a. Names are copied; documents are borrowed from the references,
 * which outlive this schema. Returns 0, or -1 with `err`. */
static int json_compile(struct json_model *m, const struct schema_ref *refs, size_t nrefs,
                        struct sg_error *err)
{
	size_t cap = nrefs;
	for (size_t i = 0; i < nrefs; i++) {
		const struct json_model *dep =
		    refs[i].schema ? schema_model(refs[i].schema, SCHEMA_JSON) : NULL;
		if (!dep || !refs[i].name)
			return error_set(err, SG_EINVALID_SCHEMA,
			                 "reference '%s' is not a JSON Schema",
			                 refs[i].name ? refs[i].name : "");
		cap += dep->nrefs;
	}
	if (cap && !(m->refs = calloc(cap, sizeof *m->refs)))
		return error_set(err, SG_ENOMEM, "out of memory");
	for (size_t i = 0; i < nrefs; i++)
		if (json_add_ref(m, cap, refs[i].name, schema_json(refs[i].schema)) < 0)
			return error_set(err, SG_ENOMEM, "out of memory");
	for (size_t i = 0; i < nrefs; i++) {
		const struct json_model *dep = schema_model(refs[i].schema, SCHEMA_JSON);
		for (size_t k = 0; k < dep->nrefs; k++)
			if (json_add_ref(m, cap, dep->refs[k].name, dep->refs[k].doc) < 0)
				return error_set(err, SG_ENOMEM, "out of memory");
	}
	struct jsonschema_named *named = m->nrefs ? calloc(m->nrefs, sizeof *named) : NULL;
	if (m->nrefs && !named)
		return error_set(err, SG_ENOMEM, "out of memory");
	for (size_t i = 0; i < m->nrefs; i++) {
		named[i].name = m->refs[i].name;
		named[i].schema = m->refs[i].doc;
	}
	struct jsonschema_options opts = {.named = named, .nnamed = m->nrefs};
	if (jsonschema_check_meta(m->doc, err) == 0)
		m->validator = jsonschema_compile(m->doc, &opts, err);
	free(named);
	if (m->validator)
		return 0;
	if (err && err->code != SG_ENOMEM && err->code != SG_ELIMIT &&
	    strncmp(err->msg, "Invalid JSON Schema", 19) != 0)
		error_prefix(err, SG_EINVALID_SCHEMA, "Invalid JSON Schema: ");
	return -1;
}

/* The text must be JSON (no duplicate keys), conform to its draft's
 * meta-schema, and compile (every "$ref" resolves, every pattern is a valid
 * regular expression). */
static void *json_parse(const char *text, size_t len, const struct schema_ref *refs, size_t nrefs,
                        struct sg_error *err)
{
	struct json_model *m = calloc(1, sizeof *m);
	if (!m) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	struct sg_error perr;
	error_clear(&perr);
	m->doc = jsonschema_parse(text, len, &perr);
	if (!m->doc) {
		error_set(err, perr.code == SG_ENOMEM ? SG_ENOMEM : SG_EINVALID_SCHEMA,
		          "Invalid JSON Schema: %s", perr.msg);
	} else if (!json_is_object(m->doc) && !json_is_boolean(m->doc)) {
		error_set(err, SG_EINVALID_SCHEMA,
		          "Invalid JSON Schema: a schema is a JSON object or a boolean");
	} else if (json_compile(m, refs, nrefs, err) == 0) {
		m->canonical = jsontext_canonical(text, len, 0, err);
		m->normalized = m->canonical ? jsontext_canonical(text, len, 1, err) : NULL;
		if (m->normalized)
			return m;
	}
	json_free(m);
	return NULL;
}

static const char *json_canonical(const void *model)
{
	const struct json_model *m = model;
	return m->canonical;
}

static const char *json_normalized(const void *model)
{
	const struct json_model *m = model;
	return m->normalized;
}

static char *json_resolved(const void *model)
{
	const struct json_model *m = model;
	return strdup(m->canonical);
}

static const char *json_record_name(const void *model)
{
	const struct json_model *m = model;
	return json_string_value(json_object_get(m->doc, "title"));
}

/* Resolves a "$ref" outside a JSON Schema to one of its references, by the
 * name given at registration (with or without a fragment). */
static const json_t *json_resolve(void *ctx, const char *uri)
{
	const struct json_model *m = ctx;
	for (size_t i = 0; i < m->nrefs; i++) {
		const char *name = m->refs[i].name;
		size_t n = strcspn(name, "#");
		if (strcmp(name, uri) == 0 || (strlen(uri) == n && strncmp(name, uri, n) == 0))
			return m->refs[i].doc;
	}
	return NULL;
}

/* Confluent diffs the old (writer) schema against the new (reader). */
static int json_compatible(const void *reader, const void *writer, enum schema_policy policy,
                           struct report *r, struct sg_error *err)
{
	const struct json_model *rm = reader, *wm = writer;
	struct jsondiff_options opts = {
	    .lenient = policy == SCHEMA_POLICY_LENIENT,
	    .resolve_original = json_resolve,
	    .resolve_original_ctx = (void *)wm,
	    .resolve_update = json_resolve,
	    .resolve_update_ctx = (void *)rm,
	};
	return jsondiff_compare(wm->doc, rm->doc, &opts, r, err);
}

static int json_describe(const struct report *r, size_t i, const char *reader, const char *writer,
                         char *out, size_t cap)
{
	return jsondiff_describe(report_type(r, i), report_location(r, i), reader, writer, out,
	                         cap);
}

/* The state is the model's compiled validator (borrowed). */
static void *json_prepare(const void *model, struct sg_error *err)
{
	const struct json_model *m = model;
	return m->validator;
}

/* The fast pass stops at the first error, without words. */
static enum schema_payload json_check(const void *state, const void *target, const uint8_t *p,
                                      size_t n, struct schema_scratch *sc)
{
	int rc = jsonschema_validate_bytes_rx(state, (const char *)p, n, NULL, &sc->rx);
	if (rc < 0)
		schema_scratch_say(sc, "out of memory validating JSON");
	return rc == 1  ? SCHEMA_PAYLOAD_VALID
	       : rc < 0 ? SCHEMA_PAYLOAD_NOMEM
	                : SCHEMA_PAYLOAD_INVALID;
}

/* Runs again with a report: the first finding's instance location, then its
 * message without the " (at #...)" schema location compat/jsonschema ends it
 * with. The message is cut to SCHEMA_WHY_MAX before that location is looked
 * for, as the gateway's messages always were. */
static enum schema_payload json_explain(const void *state, const void *target, const uint8_t *p,
                                        size_t n, struct schema_scratch *sc)
{
	struct report *r = sc->findings;
	report_reset(r);
	jsonschema_validate_bytes_rx(state, (const char *)p, n, r, &sc->rx);
	if (report_count(r) == 0) {
		schema_scratch_say(sc, "the schema refuses it");
		return SCHEMA_PAYLOAD_INVALID;
	}
	char msg[SCHEMA_WHY_MAX];
	snprintf(msg, sizeof msg, "%s", report_message(r, 0));
	char *at = strstr(msg, " (at #");
	if (at && msg[strlen(msg) - 1] == ')')
		*at = '\0';
	const char *type = report_type(r, 0);
	const char *loc = report_location(r, 0);
	if (type && strcmp(type, "parse") == 0) {
		schema_scratch_say(sc, "not valid JSON: %s", msg);
		return SCHEMA_PAYLOAD_SYNTAX;
	}
	if (loc && *loc)
		schema_scratch_say(sc, "%s: %s", loc, msg);
	else
		schema_scratch_say(sc, "%s", msg);
	return SCHEMA_PAYLOAD_INVALID;
}

static int json_check_report(const void *state, const void *target, const uint8_t *p, size_t n,
                             struct report *r)
{
	return jsonschema_validate_bytes(state, (const char *)p, n, r);
}

static int json_check_json(const void *model, const char *text, size_t len, struct report *r)
{
	const struct json_model *m = model;
	return jsonschema_validate_bytes(m->validator, text, len, r);
}

/* ".json" (shared with Avro files); an object with a JSON Schema keyword, or
 * of a type only JSON Schema has. */
static enum schema_guess json_guess(const char *path, const char *text, size_t len)
{
	static const char *const keys[] = {"$schema", "properties", "$ref",  "$defs", "definitions",
	                                   "allOf",   "anyOf",      "oneOf", "items", "required"};
	static const char *const types[] = {"object", "integer", "number"};
	enum schema_guess g =
	    schema_ends_with(path, ".json") ? SCHEMA_GUESS_NAME : SCHEMA_GUESS_NONE;
	json_t *doc = json_loadb(text, len, JSON_DECODE_ANY, NULL);
	const char *t = json_string_value(json_object_get(doc, "type"));
	for (size_t i = 0; json_is_object(doc) && i < sizeof keys / sizeof keys[0]; i++)
		if (json_object_get(doc, keys[i]))
			g = SCHEMA_GUESS_SURE;
	for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(t, types[i]) == 0)
			g = SCHEMA_GUESS_SURE;
	json_decref(doc);
	return g;
}

static int json_has_top_level_field(const void *model, const char *name)
{
	const struct json_model *m = model;
	return json_object_get(json_object_get(m->doc, "properties"), name) != NULL;
}

static const struct schema_ops json_ops = {
    .type = SCHEMA_JSON,
    .name = "JSON",
    .title = "JSON Schema",
    .record_name_from = "a \"title\"",
    .parse = json_parse,
    .free = json_free,
    .canonical = json_canonical,
    .normalized = json_normalized,
    .resolved = json_resolved,
    .record_name = json_record_name,
    .has_top_level_field = json_has_top_level_field,
    .compatible = json_compatible,
    .describe = json_describe,
    .prepare = json_prepare,
    .unprepare = NULL,
    .state_bytes = NULL,
    .frame = NULL,
    .check = json_check,
    .explain = json_explain,
    .check_report = json_check_report,
    .check_json = json_check_json,
    .guess = json_guess,
};

/* ---- Protobuf (compat/protobuf): parsed, printed, resolved, compared, and
 * its payloads checked (compat/protobuf/pbvalid) ---- */

struct protobuf_model {
	struct pbfile *file;
	char *canonical;
	char *normalized;
	struct pbnames *names; /* its own, its references' (transitively), the well-known */
	char *record_name;     /* the first message's (else enum's) full name, or NULL */
	/* every file it imports, transitively, for compat/protobuf/pbcompat: the
	 * names are owned, the files borrowed from the references' models */
	struct pbcompat_dep *deps;
	size_t ndeps;
};

static void protobuf_free(void *model)
{
	struct protobuf_model *m = model;
	if (!m)
		return;
	pbfile_free(m->file);
	free(m->canonical);
	free(m->normalized);
	pbnames_free(m->names);
	free(m->record_name);
	for (size_t i = 0; i < m->ndeps; i++)
		free((char *)m->deps[i].name);
	free(m->deps);
	free(m);
}

/* Fills m->deps: each reference (its origin, what Confluent compares
 * references by, is its canonical string), then the files it imports, each
 * import path once (the first wins). Returns 0, or -1 out of memory. */
static int protobuf_collect_deps(struct protobuf_model *m, const struct schema_ref *refs,
                                 size_t nrefs, struct sg_error *err)
{
	size_t cap = 0;
	for (size_t i = 0; i < nrefs; i++) {
		const struct protobuf_model *dep = schema_model(refs[i].schema, SCHEMA_PROTOBUF);
		cap += 1 + dep->ndeps;
	}
	if (cap && !(m->deps = calloc(cap, sizeof *m->deps)))
		return error_set(err, SG_ENOMEM, "out of memory");
	for (size_t i = 0; i < nrefs; i++) {
		const struct protobuf_model *dep = schema_model(refs[i].schema, SCHEMA_PROTOBUF);
		for (size_t k = 0; k <= dep->ndeps; k++) {
			struct pbcompat_dep d =
			    k == 0 ? (struct pbcompat_dep){refs[i].name ? refs[i].name : "",
			                                   dep->file, dep->canonical}
			           : dep->deps[k - 1];
			int seen = 0;
			for (size_t j = 0; !seen && j < m->ndeps; j++)
				seen = strcmp(m->deps[j].name, d.name) == 0;
			if (seen)
				continue;
			if (!(d.name = strdup(d.name)))
				return error_set(err, SG_ENOMEM, "out of memory");
			m->deps[m->ndeps++] = d;
		}
	}
	return 0;
}

/* An import must be a well-known file or one of the references, by name. */
static int protobuf_check_imports(const struct pbfile_name *imp, const struct schema_ref *refs,
                                  size_t nrefs, struct sg_error *err)
{
	for (; imp; imp = imp->next) {
		int found = pbnames_well_known(imp->name);
		for (size_t i = 0; !found && i < nrefs; i++)
			found = refs[i].name && strcmp(refs[i].name, imp->name) == 0;
		if (!found)
			return error_set(
			    err, SG_EINVALID_SCHEMA,
			    "import \"%s\" is not resolved: it is no well-known file and "
			    "no reference of the schema has that name",
			    imp->name);
	}
	return 0;
}

/* Confluent's name(): the first message's full name, else the first enum's. */
static char *protobuf_first_name(const struct pbfile *f)
{
	const struct pbfile_type *t = f->types;
	while (t && t->is_enum)
		t = t->next;
	if (!t)
		t = f->types;
	if (!t)
		return NULL;
	size_t lp = f->package ? strlen(f->package) : 0, ln = strlen(t->name);
	char *s = malloc(lp + 1 + ln + 1);
	if (s)
		snprintf(s, lp + 1 + ln + 1, "%s%s%s", lp ? f->package : "", lp ? "." : "",
		         t->name);
	return s;
}

/* Parses `.proto` text, or base64 of a serialized FileDescriptorProto,
 * resolves its imports through the references (a reference's name is the
 * import's path) and the well-known files, and checks that every type it
 * uses resolves, as Confluent's validate() does. */
static void *protobuf_parse(const char *text, size_t len, const struct schema_ref *refs,
                            size_t nrefs, struct sg_error *err)
{
	struct protobuf_model *m = calloc(1, sizeof *m);
	if (!m) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	/* Confluent reads the text as `.proto` first, then as base64 of a
	 * serialized FileDescriptorProto; when both fail, the text's error */
	struct sg_error text_err = {0};
	if (!(m->file = pbfile_parse(text, len, &text_err))) {
		struct sg_error desc_err = {0};
		if (text_err.code == SG_EINVALID_SCHEMA)
			m->file = pbdesc_decode_base64(text, len, &desc_err);
		if (!m->file) {
			if (desc_err.code == SG_ENOMEM)
				error_set(err, SG_ENOMEM, "out of memory");
			else
				error_set(err, text_err.code, "%s", text_err.msg);
			goto fail;
		}
	}
	for (size_t i = 0; i < nrefs; i++)
		if (!schema_model(refs[i].schema, SCHEMA_PROTOBUF)) {
			error_set(err, SG_EINVALID_SCHEMA,
			          "reference '%s' is not a Protobuf schema",
			          refs[i].name ? refs[i].name : "");
			goto fail;
		}
	if (protobuf_check_imports(m->file->imports, refs, nrefs, err) < 0 ||
	    protobuf_check_imports(m->file->public_imports, refs, nrefs, err) < 0 ||
	    protobuf_check_imports(m->file->weak_imports, refs, nrefs, err) < 0)
		goto fail;
	if (!(m->names = pbnames_new())) {
		error_set(err, SG_ENOMEM, "out of memory");
		goto fail;
	}
	if (pbnames_add_file(m->names, m->file, err) < 0 ||
	    pbnames_add_well_known(m->names, err) < 0)
		goto fail;
	for (size_t i = 0; i < nrefs; i++) {
		const struct protobuf_model *dep = schema_model(refs[i].schema, SCHEMA_PROTOBUF);
		if (pbnames_add_all(m->names, dep->names, err) < 0)
			goto fail;
	}
	pbnames_freeze(m->names);
	if (protobuf_collect_deps(m, refs, nrefs, err) < 0 ||
	    pbnames_check(m->names, m->file, err) < 0 ||
	    !(m->canonical = pbform_canonical(m->file, err)) ||
	    !(m->normalized = pbnorm_normalized(m->file, m->names, err)))
		goto fail;
	if (m->file->types && !(m->record_name = protobuf_first_name(m->file))) {
		error_set(err, SG_ENOMEM, "out of memory");
		goto fail;
	}
	return m;
fail:
	protobuf_free(m);
	return NULL;
}

static const char *protobuf_canonical(const void *model)
{
	const struct protobuf_model *m = model;
	return m->canonical;
}

/* Confluent's normalize(): names resolved, options, fields and ranges
 * sorted, messages in their order (compat/protobuf/pbnorm). */
static const char *protobuf_normalized(const void *model)
{
	const struct protobuf_model *m = model;
	return m->normalized;
}

/* Confluent has no resolved form for Protobuf: the canonical string. */
static char *protobuf_resolved(const void *model)
{
	const struct protobuf_model *m = model;
	return strdup(m->canonical);
}

/* Confluent's formattedString("serialized"): the FileDescriptorProto its
 * DynamicSchema builder makes, serialized, in base64. */
static char *protobuf_formatted(const void *model, const char *format, struct sg_error *err)
{
	const struct protobuf_model *m = model;
	if (strcmp(format, "serialized") != 0)
		return NULL;
	return pbdesc_encode(m->file, m->names, err);
}

static const char *protobuf_record_name(const void *model)
{
	const struct protobuf_model *m = model;
	return m->record_name;
}

/* Confluent's hasTopLevelField(): a field (oneof members aside) of any
 * top-level message. */
static int protobuf_has_top_level_field(const void *model, const char *name)
{
	const struct protobuf_model *m = model;
	for (const struct pbfile_type *t = m->file->types; t; t = t->next)
		for (const struct pbfile_field *f = t->is_enum ? NULL : t->fields; f; f = f->next)
			if (strcmp(f->name, name) == 0)
				return 1;
	return 0;
}

/* Confluent's rules (compat/protobuf/pbcompat): the old (writer) schema is
 * its "original", the new (reader) one its "update". */
static int protobuf_compatible(const void *reader, const void *writer, enum schema_policy policy,
                               struct report *r, struct sg_error *err)
{
	const struct protobuf_model *rm = reader, *wm = writer;
	struct pbcompat_schema rs = {rm->file, rm->deps, rm->ndeps};
	struct pbcompat_schema ws = {wm->file, wm->deps, wm->ndeps};
	return pbcompat_check(&rs, &ws, 0, r, err);
}

static int protobuf_describe(const struct report *r, size_t i, const char *reader,
                             const char *writer, char *out, size_t cap)
{
	return pbcompat_describe(report_type(r, i), report_location(r, i), reader, writer, out,
	                         cap);
}

/* The validator: every message of the file and of the files it imports,
 * compiled (the files and names are borrowed from the model). */
static void *protobuf_prepare(const void *model, struct sg_error *err)
{
	const struct protobuf_model *m = model;
	const struct pbfile **deps = m->ndeps ? calloc(m->ndeps, sizeof *deps) : NULL;
	if (m->ndeps && !deps) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < m->ndeps; i++)
		deps[i] = m->deps[i].file;
	struct pbvalid *v = pbvalid_new(m->file, deps, m->ndeps, m->names, err);
	free(deps);
	return v;
}

static void protobuf_unprepare(void *state)
{
	pbvalid_free(state);
}

static size_t protobuf_state_bytes(const void *state)
{
	return pbvalid_bytes(state);
}

/* Confluent's message indexes, between the schema id and the payload. */
static int protobuf_frame(const void *state, const uint8_t *p, size_t n, size_t *header,
                          const void **target, struct schema_scratch *sc)
{
	const struct pbvalid_msg *msg;
	if (pbvalid_frame(state, p, n, header, &msg, sc->why, sizeof sc->why) < 0)
		return -1;
	*target = msg;
	return 0;
}

static const char *protobuf_target_name(const void *state, const void *target)
{
	return pbvalid_msg_name(target);
}

static unsigned protobuf_flags(const struct schema_scratch *sc)
{
	return sc && (sc->flags & SCHEMA_CHECK_REJECT_UNKNOWN) ? PBVALID_REJECT_UNKNOWN : 0;
}

static enum schema_payload protobuf_verdict(enum pbvalid_result r)
{
	return r == PBVALID_OK       ? SCHEMA_PAYLOAD_VALID
	       : r == PBVALID_SYNTAX ? SCHEMA_PAYLOAD_SYNTAX
	                             : SCHEMA_PAYLOAD_INVALID;
}

static enum schema_payload protobuf_check(const void *state, const void *target, const uint8_t *p,
                                          size_t n, struct schema_scratch *sc)
{
	return protobuf_verdict(pbvalid_check(state, target, p, n, protobuf_flags(sc), NULL, 0));
}

static enum schema_payload protobuf_explain(const void *state, const void *target, const uint8_t *p,
                                            size_t n, struct schema_scratch *sc)
{
	return protobuf_verdict(
	    pbvalid_check(state, target, p, n, protobuf_flags(sc), sc->why, sizeof sc->why));
}

static int protobuf_check_report(const void *state, const void *target, const uint8_t *p, size_t n,
                                 struct report *r)
{
	char why[SCHEMA_WHY_MAX];
	enum pbvalid_result v = pbvalid_check(state, target, p, n, 0, why, sizeof why);
	if (v == PBVALID_OK)
		return 1;
	/* "/a/b: what at byte N": the path is the finding's location */
	char *colon = why[0] == '/' ? strstr(why, ": ") : NULL;
	const char *what = why;
	if (colon) {
		*colon = '\0';
		what = colon + 2;
	}
	int rc =
	    report_add(r, v == PBVALID_SYNTAX ? "syntax" : "invalid", colon ? why : "", "%s", what);
	return rc < 0 ? -1 : 0;
}

/* Its own extension only: `.proto` text has no sign JSON or Avro lacks. */
static enum schema_guess protobuf_guess(const char *path, const char *text, size_t len)
{
	return schema_ends_with(path, ".proto") ? SCHEMA_GUESS_OWN_NAME : SCHEMA_GUESS_NONE;
}

static const struct schema_ops protobuf_ops = {
    .type = SCHEMA_PROTOBUF,
    .name = "PROTOBUF",
    .title = "Protobuf",
    .record_name_from = "a message",
    .parse = protobuf_parse,
    .free = protobuf_free,
    .canonical = protobuf_canonical,
    .normalized = protobuf_normalized,
    .resolved = protobuf_resolved,
    .formatted = protobuf_formatted,
    .record_name = protobuf_record_name,
    .has_top_level_field = protobuf_has_top_level_field,
    .compatible = protobuf_compatible,
    .describe = protobuf_describe,
    .prepare = protobuf_prepare,
    .unprepare = protobuf_unprepare,
    .state_bytes = protobuf_state_bytes,
    .frame = protobuf_frame,
    .target_name = protobuf_target_name,
    .check = protobuf_check,
    .explain = protobuf_explain,
    .check_report = protobuf_check_report,
    .check_json = NULL,
    .guess = protobuf_guess,
};

/* ---- the table ---- */

static const struct schema_ops *const schema_rows[] = {
    [SCHEMA_AVRO] = &avro_ops,
    [SCHEMA_JSON] = &json_ops,
    [SCHEMA_PROTOBUF] = &protobuf_ops,
};

const struct schema_ops *schema_ops(enum schema_type t)
{
	return (unsigned)t < sizeof schema_rows / sizeof schema_rows[0] ? schema_rows[t] : NULL;
}

int schema_type_supported(enum schema_type t)
{
	const struct schema_ops *o = schema_ops(t);
	return o && o->free && o->canonical && o->compatible;
}

const struct avsc_schema *schema_avro(const struct schema *s)
{
	return schema_model(s, SCHEMA_AVRO);
}

const json_t *schema_json(const struct schema *s)
{
	const struct json_model *m = schema_model(s, SCHEMA_JSON);
	return m ? m->doc : NULL;
}

const struct jsonschema *schema_json_validator(const struct schema *s)
{
	const struct json_model *m = schema_model(s, SCHEMA_JSON);
	return m ? m->validator : NULL;
}
