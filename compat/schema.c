/* compat/schema.c: one interface over the schema types. Each type keeps its own
 * model; this file only dispatches and holds the strings every type shares. */
#include "compat/schema.h"

#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "compat/avro/avcompat.h"
#include "compat/avro/avsc.h"
#include "compat/jsonschema/jsondiff.h"
#include "compat/jsonschema/jsonschema.h"
#include "compat/jsonschema/jsontext.h"

/* A JSON Schema's reference: the name a "$ref" uses, and the borrowed document
 * of the referenced schema (which outlives this one). */
struct schema_jsonref {
	const char *name;
	const json_t *doc;
};

struct schema {
	enum schema_type type;
	struct avsc_schema *avro; /* SCHEMA_AVRO */
	/* SCHEMA_JSON: the document, its compiled validator, its references, and
	 * its strings (Avro's live in its model). */
	json_t *json;
	struct jsonschema *validator;
	struct schema_jsonref *jrefs;
	size_t njrefs;
	char *canonical;
	char *normalized;
};

static const char *const schema_type_names[] = {
    [SCHEMA_AVRO] = "AVRO",
    [SCHEMA_JSON] = "JSON",
    [SCHEMA_PROTOBUF] = "PROTOBUF",
};

int schema_type_parse(const char *s, enum schema_type *out)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof schema_type_names / sizeof schema_type_names[0]; i++) {
		if (strcmp(s, schema_type_names[i]) == 0) {
			*out = (enum schema_type)i;
			return 0;
		}
	}
	return -1;
}

const char *schema_type_name(enum schema_type t)
{
	if ((unsigned)t >= sizeof schema_type_names / sizeof schema_type_names[0])
		return "AVRO";
	return schema_type_names[t];
}

static struct schema *schema_parse_avro(struct schema *s, const char *text, size_t len,
                                        const struct schema_ref *refs, size_t nrefs,
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
			arefs[i] = refs[i].schema ? schema_avro(refs[i].schema) : NULL;
			if (!arefs[i]) {
				error_set(err, SG_EINVALID_SCHEMA,
				          "reference '%s' is not an Avro schema",
				          refs[i].name ? refs[i].name : "");
				free(arefs);
				return NULL;
			}
		}
	}
	s->avro = avsc_parse(text, len, arefs, nrefs, err);
	free(arefs);
	return s->avro ? s : NULL;
}

/* JSON Schema: the text must be JSON (no duplicate keys), conform to its
 * draft's meta-schema, and compile (every "$ref" resolves, every pattern is a
 * valid regular expression). */
static struct schema *schema_parse_json(struct schema *s, const char *text, size_t len,
                                        const struct schema_ref *refs, size_t nrefs,
                                        struct sg_error *err)
{
	struct sg_error perr;
	error_clear(&perr);
	s->json = jsonschema_parse(text, len, &perr);
	if (!s->json) {
		error_set(err, perr.code == SG_ENOMEM ? SG_ENOMEM : SG_EINVALID_SCHEMA,
		          "Invalid JSON Schema: %s", perr.msg);
		return NULL;
	}
	if (!json_is_object(s->json) && !json_is_boolean(s->json)) {
		error_set(err, SG_EINVALID_SCHEMA,
		          "Invalid JSON Schema: a schema is a JSON object or a boolean");
		return NULL;
	}
	if (nrefs) {
		s->jrefs = calloc(nrefs, sizeof *s->jrefs);
		if (!s->jrefs) {
			error_set(err, SG_ENOMEM, "out of memory");
			return NULL;
		}
	}
	struct jsonschema_named *named = nrefs ? calloc(nrefs, sizeof *named) : NULL;
	if (nrefs && !named) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < nrefs; i++) {
		if (!refs[i].schema || refs[i].schema->type != SCHEMA_JSON || !refs[i].name) {
			error_set(err, SG_EINVALID_SCHEMA, "reference '%s' is not a JSON Schema",
			          refs[i].name ? refs[i].name : "");
			free(named);
			return NULL;
		}
		s->jrefs[i].name = refs[i].name;
		s->jrefs[i].doc = refs[i].schema->json;
		named[i].name = refs[i].name;
		named[i].schema = refs[i].schema->json;
	}
	s->njrefs = nrefs;
	struct jsonschema_options opts = {.named = named, .nnamed = nrefs};
	if (jsonschema_check_meta(s->json, err) == 0)
		s->validator = jsonschema_compile(s->json, &opts, err);
	free(named);
	if (!s->validator) {
		if (err && err->code != SG_ENOMEM && err->code != SG_ELIMIT &&
		    strncmp(err->msg, "Invalid JSON Schema", 19) != 0)
			error_prefix(err, SG_EINVALID_SCHEMA, "Invalid JSON Schema: ");
		return NULL;
	}
	s->canonical = jsontext_canonical(text, len, 0, err);
	s->normalized = s->canonical ? jsontext_canonical(text, len, 1, err) : NULL;
	return s->normalized ? s : NULL;
}

struct schema *schema_parse(enum schema_type type, const char *text, size_t len,
                            const struct schema_ref *refs, size_t nrefs, struct sg_error *err)
{
	struct schema *s = calloc(1, sizeof *s);
	if (!s) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	s->type = type;
	struct schema *ok = NULL;
	switch (type) {
	case SCHEMA_AVRO:
		ok = schema_parse_avro(s, text, len, refs, nrefs, err);
		break;
	case SCHEMA_JSON:
		ok = schema_parse_json(s, text, len, refs, nrefs, err);
		break;
	case SCHEMA_PROTOBUF:
		error_set(err, SG_EINVALID_SCHEMA, "PROTOBUF schemas are not supported");
		break;
	}
	if (!ok)
		schema_free(s);
	return ok;
}

void schema_free(struct schema *s)
{
	if (!s)
		return;
	avsc_free(s->avro);
	jsonschema_free(s->validator);
	json_decref(s->json);
	free(s->jrefs);
	free(s->canonical);
	free(s->normalized);
	free(s);
}

enum schema_type schema_type(const struct schema *s)
{
	return s->type;
}

const char *schema_canonical(const struct schema *s)
{
	return s->type == SCHEMA_AVRO ? avsc_java_string(s->avro) : s->canonical;
}

char *schema_resolved(const struct schema *s)
{
	if (s->type == SCHEMA_AVRO)
		return avsc_resolved_string(s->avro);
	return strdup(s->canonical);
}

const char *schema_normalized(const struct schema *s)
{
	return s->type == SCHEMA_AVRO ? avsc_normalized(s->avro) : s->normalized;
}

/* Resolves a "$ref" outside a JSON Schema to one of its references, by the
 * name given at registration (with or without a fragment). */
static const json_t *schema_json_resolve(void *ctx, const char *uri)
{
	const struct schema *s = ctx;
	for (size_t i = 0; i < s->njrefs; i++) {
		const char *name = s->jrefs[i].name;
		size_t n = strcspn(name, "#");
		if (strcmp(name, uri) == 0 || (strlen(uri) == n && strncmp(name, uri, n) == 0))
			return s->jrefs[i].doc;
	}
	return NULL;
}

const struct avsc_schema *schema_avro(const struct schema *s)
{
	return s && s->type == SCHEMA_AVRO ? s->avro : NULL;
}

int schema_compatible(const struct schema *reader, const struct schema *writer,
                      enum schema_policy policy, struct report *r, struct sg_error *err)
{
	if (reader->type != writer->type) {
		/* Confluent's words for it (SchemaValidatorBuilder). */
		if (r)
			report_add(r, "INCOMPATIBLE", "",
			           "Incompatible because of different schema type");
		return 0;
	}
	switch (reader->type) {
	case SCHEMA_AVRO:
		return avcompat_check_err(reader->avro, writer->avro, r, err);
	case SCHEMA_JSON: {
		/* Confluent diffs the old (writer) schema against the new (reader). */
		struct jsondiff_options opts = {
		    .lenient = policy == SCHEMA_POLICY_LENIENT,
		    .resolve_original = schema_json_resolve,
		    .resolve_original_ctx = (void *)writer,
		    .resolve_update = schema_json_resolve,
		    .resolve_update_ctx = (void *)reader,
		};
		return jsondiff_compare(writer->json, reader->json, &opts, r, err);
	}
	default:
		return error_set(err, SG_EINTERNAL, "no compatibility rules for %s schemas",
		                 schema_type_name(reader->type));
	}
}

const json_t *schema_json(const struct schema *s)
{
	return s && s->type == SCHEMA_JSON ? s->json : NULL;
}

const struct jsonschema *schema_json_validator(const struct schema *s)
{
	return s && s->type == SCHEMA_JSON ? s->validator : NULL;
}

int schema_check_level(enum level level, const struct schema *candidate,
                       const struct schema *const *history, size_t n, enum schema_policy policy,
                       struct report *r, size_t *failed, struct sg_error *err)
{
	if (level == LEVEL_NONE || n == 0)
		return 1;
	size_t oldest = level_transitive(level) ? 0 : n - 1;
	for (size_t i = n; i-- > oldest;) {
		int ok = 1;
		if (level_backward(level))
			ok = schema_compatible(candidate, history[i], policy, r, err);
		if (ok == 1 && level_forward(level))
			ok = schema_compatible(history[i], candidate, policy, r, err);
		if (ok != 1) {
			if (failed)
				*failed = i;
			return ok;
		}
	}
	return 1;
}

int schema_describe(enum schema_type type, const struct report *r, size_t i, const char *reader,
                    const char *writer, char *out, size_t cap)
{
	switch (type) {
	case SCHEMA_AVRO:
		return avcompat_confluent_message(r, i, reader, writer, out, cap);
	case SCHEMA_JSON:
		return jsondiff_describe(report_type(r, i), report_location(r, i), reader, writer,
		                         out, cap);
	default:
		return -1;
	}
}
