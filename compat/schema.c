/* compat/schema.c: one interface over the schema types. A schema is a type's
 * row and that type's model; this file looks rows up and calls them, and
 * holds what every type shares (levels of checks, file detection). The rows
 * are in compat/schema_types.c. */
#include "compat/schema.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct schema {
	const struct schema_ops *ops;
	void *model; /* owned, freed by ops->free */
};

struct schema_validator {
	const struct schema_ops *ops;
	void *state; /* ops->prepare's; released by ops->unprepare when it has one */
};

int schema_type_parse(const char *s, enum schema_type *out)
{
	const struct schema_ops *ops;
	for (int t = 0; s && (ops = schema_ops((enum schema_type)t)); t++) {
		if (strcmp(s, ops->name) == 0) {
			*out = ops->type;
			return 0;
		}
	}
	return -1;
}

const char *schema_type_name(enum schema_type t)
{
	const struct schema_ops *ops = schema_ops(t);
	return ops ? ops->name : "AVRO";
}

struct schema *schema_parse(enum schema_type type, const char *text, size_t len,
                            const struct schema_ref *refs, size_t nrefs, struct sg_error *err)
{
	const struct schema_ops *ops = schema_ops(type);
	if (!ops) {
		error_set(err, SG_EINVALID_SCHEMA, "unknown schema type %d", (int)type);
		return NULL;
	}
	struct schema *s = calloc(1, sizeof *s);
	if (!s) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	s->ops = ops;
	s->model = ops->parse(text, len, refs, nrefs, err);
	if (!s->model) {
		free(s);
		return NULL;
	}
	return s;
}

void schema_free(struct schema *s)
{
	if (!s)
		return;
	s->ops->free(s->model);
	free(s);
}

enum schema_type schema_type(const struct schema *s)
{
	return s->ops->type;
}

const char *schema_canonical(const struct schema *s)
{
	return s->ops->canonical(s->model);
}

char *schema_resolved(const struct schema *s)
{
	return s->ops->resolved(s->model);
}

char *schema_formatted(const struct schema *s, const char *format, struct sg_error *err)
{
	return s->ops->formatted && format ? s->ops->formatted(s->model, format, err) : NULL;
}

const char *schema_normalized(const struct schema *s)
{
	return s->ops->normalized(s->model);
}

const char *schema_record_name(const struct schema *s)
{
	return s->ops->record_name(s->model);
}

int schema_has_top_level_field(const struct schema *s, const char *name)
{
	return s->ops->has_top_level_field(s->model, name);
}

const void *schema_model(const struct schema *s, enum schema_type t)
{
	return s && s->ops->type == t ? s->model : NULL;
}

int schema_compatible(const struct schema *reader, const struct schema *writer,
                      enum schema_policy policy, struct report *r, struct sg_error *err)
{
	if (reader->ops != writer->ops) {
		/* Confluent's words for it (SchemaValidatorBuilder). */
		if (r)
			report_add(r, "INCOMPATIBLE", "",
			           "Incompatible because of different schema type");
		return 0;
	}
	if (!reader->ops->compatible)
		return error_set(err, SG_EINTERNAL, "no compatibility rules for %s schemas",
		                 reader->ops->name);
	return reader->ops->compatible(reader->model, writer->model, policy, r, err);
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
	const struct schema_ops *ops = schema_ops(type);
	if (!ops || !ops->describe)
		return -1;
	return ops->describe(r, i, reader, writer, out, cap);
}

/* ---- schema files ---- */

int schema_file_type_parse(const char *word, enum schema_type *out)
{
	const struct schema_ops *ops;
	for (int t = 0; word && (ops = schema_ops((enum schema_type)t)); t++) {
		size_t i = 0;
		while (ops->name[i] && word[i] == tolower((unsigned char)ops->name[i]))
			i++;
		if (ops->guess && !ops->name[i] && !word[i]) {
			*out = ops->type;
			return 0;
		}
	}
	return -1;
}

enum schema_type schema_file_type(const char *path, const char *text, size_t len)
{
	const struct schema_ops *ops, *best = schema_ops(SCHEMA_AVRO);
	enum schema_guess surest = SCHEMA_GUESS_NONE;
	for (int t = 0; (ops = schema_ops((enum schema_type)t)); t++) {
		enum schema_guess g = ops->guess ? ops->guess(path, text, len) : SCHEMA_GUESS_NONE;
		if (g > surest) {
			surest = g;
			best = ops;
		}
	}
	return best->type;
}

/* ---- payloads ---- */

struct schema_validator *schema_validator_new(const struct schema *s, struct sg_error *err)
{
	if (!s->ops->prepare) {
		error_set(err, SG_EINVALID_SCHEMA, "%s payloads cannot be checked", s->ops->title);
		return NULL;
	}
	struct schema_validator *v = calloc(1, sizeof *v);
	if (!v) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	v->ops = s->ops;
	v->state = s->ops->prepare(s->model, err);
	if (!v->state) {
		free(v);
		return NULL;
	}
	return v;
}

void schema_validator_free(struct schema_validator *v)
{
	if (!v)
		return;
	if (v->ops->unprepare)
		v->ops->unprepare(v->state);
	free(v);
}

size_t schema_validator_bytes(const struct schema_validator *v)
{
	return v->ops->state_bytes ? v->ops->state_bytes(v->state) : 0;
}

/* Reads the type's header of a framed payload, then checks (`explain` 0) or
 * explains (1) the payload. Kept out of schema_validate(), whose every call
 * would otherwise pay for this one's stack. */
__attribute__((noinline)) static enum schema_payload
schema_validate_framed(const struct schema_validator *v, const uint8_t *p, size_t n,
                       struct schema_scratch *sc, int explain)
{
	size_t header = 0;
	const void *target = NULL;
	if (v->ops->frame(v->state, p, n, &header, &target, sc) != 0)
		return SCHEMA_PAYLOAD_FRAMING;
	if (explain)
		return v->ops->explain(v->state, target, p + header, n - header, sc);
	return v->ops->check(v->state, target, p + header, n - header, sc);
}

enum schema_payload schema_validate(const struct schema_validator *v, enum schema_framing framing,
                                    const uint8_t *p, size_t n, struct schema_scratch *sc)
{
	if (framing == SCHEMA_FRAMED && v->ops->frame)
		return schema_validate_framed(v, p, n, sc, 0);
	return v->ops->check(v->state, NULL, p, n, sc);
}

const char *schema_framed_record_name(const struct schema_validator *v, const uint8_t *p, size_t n,
                                      struct schema_scratch *sc)
{
	size_t header = 0;
	const void *target = NULL;
	if (!v->ops->frame || !v->ops->target_name ||
	    v->ops->frame(v->state, p, n, &header, &target, sc) != 0 || !target)
		return NULL;
	return v->ops->target_name(v->state, target);
}

enum schema_payload schema_explain(const struct schema_validator *v, enum schema_framing framing,
                                   const uint8_t *p, size_t n, struct schema_scratch *sc)
{
	if (framing == SCHEMA_FRAMED && v->ops->frame)
		return schema_validate_framed(v, p, n, sc, 1);
	return v->ops->explain(v->state, NULL, p, n, sc);
}

int schema_validate_report(const struct schema_validator *v, enum schema_framing framing,
                           const uint8_t *p, size_t n, struct report *r)
{
	const void *target = NULL;
	if (framing == SCHEMA_FRAMED && v->ops->frame) {
		struct schema_scratch *sc = schema_scratch_new();
		size_t header = 0;
		if (!sc)
			return -1;
		int rc = v->ops->frame(v->state, p, n, &header, &target, sc);
		if (rc != 0)
			report_add(r, "framing", "", "%s", schema_why(sc));
		schema_scratch_free(sc);
		if (rc != 0)
			return 0;
		p += header;
		n -= header;
	}
	return v->ops->check_report(v->state, target, p, n, r);
}

int schema_validate_json(const struct schema *s, const char *text, size_t len, struct report *r)
{
	if (!s->ops->check_json) {
		report_add(r, "unsupported", "", "%s documents cannot be checked yet",
		           s->ops->title);
		return 0;
	}
	return s->ops->check_json(s->model, text, len, r);
}
