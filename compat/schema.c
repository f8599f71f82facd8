/* compat/schema.c: one interface over the schema types. Each type keeps its own
 * model; this file only dispatches and holds the strings every type shares. */
#include "compat/schema.h"

#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "compat/avcompat.h"
#include "compat/avsc.h"

struct schema {
	enum schema_type type;
	struct avsc_schema *avro;   /* SCHEMA_AVRO */
	json_t *json;               /* SCHEMA_JSON: the document */
	char *canonical;            /* SCHEMA_JSON only; Avro's lives in its model */
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

struct schema *schema_parse(enum schema_type type, const char *text, size_t len,
			    const struct schema_ref *refs, size_t nrefs,
			    struct sg_error *err)
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
		error_set(err, SG_EINVALID_SCHEMA, "JSON Schema is not supported by this build");
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
	json_decref(s->json);
	free(s->canonical);
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

const char *schema_normalized(const struct schema *s)
{
	return s->type == SCHEMA_AVRO ? avsc_normalized(s->avro) : s->canonical;
}

const struct avsc_schema *schema_avro(const struct schema *s)
{
	return s && s->type == SCHEMA_AVRO ? s->avro : NULL;
}

int schema_compatible(const struct schema *reader, const struct schema *writer,
		      enum schema_policy policy, struct report *r)
{
	if (reader->type != writer->type) {
		if (r)
			report_add(r, "TYPE_MISMATCH", "",
				   "a %s schema cannot read data written with a %s schema",
				   schema_type_name(reader->type), schema_type_name(writer->type));
		return 0;
	}
	switch (reader->type) {
	case SCHEMA_AVRO:
		return avcompat_check(reader->avro, writer->avro, r);
	default:
		(void)policy;
		return -1;
	}
}

int schema_check_level(enum level level, const struct schema *candidate,
		       const struct schema *const *history, size_t n,
		       enum schema_policy policy, struct report *r, size_t *failed)
{
	if (level == LEVEL_NONE || n == 0)
		return 1;
	size_t oldest = level_transitive(level) ? 0 : n - 1;
	for (size_t i = n; i-- > oldest;) {
		int ok = 1;
		if (level_backward(level))
			ok = schema_compatible(candidate, history[i], policy, r);
		if (ok == 1 && level_forward(level))
			ok = schema_compatible(history[i], candidate, policy, r);
		if (ok != 1) {
			if (failed)
				*failed = i;
			return ok;
		}
	}
	return 1;
}
