/* cli/regfetch.c: fetch, resolve references, parse, keep. */
#include "cli/regfetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct regfetch {
	struct regclient *rc;
	struct schema **all; /* every parsed schema, references first, freed in reverse */
	size_t n, cap;
};

struct regfetch *regfetch_new(struct regclient *rc, struct sg_error *err)
{
	struct regfetch *f = calloc(1, sizeof *f);
	if (!f)
		error_set(err, SG_ENOMEM, "out of memory");
	else
		f->rc = rc;
	return f;
}

void regfetch_free(struct regfetch *f)
{
	if (!f)
		return;
	for (size_t i = f->n; i-- > 0;)
		schema_free(f->all[i]);
	free(f->all);
	free(f);
}

static int regfetch_keep(struct regfetch *f, struct schema *s)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct schema **p = realloc(f->all, cap * sizeof *p);
		if (!p)
			return -1;
		f->all = p;
		f->cap = cap;
	}
	f->all[f->n++] = s;
	return 0;
}

static const struct schema *regfetch_path(struct regfetch *f, const char *path, const char *what,
                                          int *version_out, int depth, struct sg_error *err);

static const struct schema *regfetch_version_at(struct regfetch *f, const char *subject,
                                                int version, int *version_out, int depth,
                                                struct sg_error *err)
{
	char esc[1024], path[1200];
	if (regclient_escape(subject, esc, sizeof esc) != 0) {
		error_set(err, SG_EBAD_REQUEST, "subject name too long");
		return NULL;
	}
	if (version < 0)
		snprintf(path, sizeof path, "/subjects/%s/versions/latest", esc);
	else
		snprintf(path, sizeof path, "/subjects/%s/versions/%d", esc, version);
	char what[1100];
	if (version < 0)
		snprintf(what, sizeof what, "%s version latest", subject);
	else
		snprintf(what, sizeof what, "%s version %d", subject, version);
	return regfetch_path(f, path, what, version_out, depth, err);
}

/* Fetches `path` (an answer with schema, schemaType, references) and parses it. */
static const struct schema *regfetch_path(struct regfetch *f, const char *path, const char *what,
                                          int *version_out, int depth, struct sg_error *err)
{
	if (depth > REGFETCH_MAX_DEPTH) {
		error_set(err, SG_ELIMIT, "references nest deeper than %d", REGFETCH_MAX_DEPTH);
		return NULL;
	}
	json_t *resp = NULL;
	if (regclient_request(f->rc, "GET", path, NULL, &resp, err) != 200) {
		json_decref(resp);
		if (err && err->code == SG_OK)
			error_set(err, SG_EUNAVAILABLE, "%s: unexpected answer from the registry",
			          path);
		return NULL;
	}
	const char *text = json_string_value(json_object_get(resp, "schema"));
	const char *tname = json_string_value(json_object_get(resp, "schemaType"));
	enum schema_type type = SCHEMA_AVRO; /* without schemaType, as Confluent has it */
	if (!text) {
		error_set(err, SG_EUNAVAILABLE, "%s: unexpected answer from the registry", path);
		json_decref(resp);
		return NULL;
	}
	if (tname && schema_type_parse(tname, &type) != 0) {
		error_set(err, SG_EINVALID_SCHEMA, "%s: unknown schema type '%s'", what, tname);
		json_decref(resp);
		return NULL;
	}
	if (version_out)
		*version_out = (int)json_integer_value(json_object_get(resp, "version"));
	const json_t *refs = json_object_get(resp, "references");
	size_t nrefs = json_array_size(refs);
	struct schema_ref *rv = nrefs ? calloc(nrefs, sizeof *rv) : NULL;
	struct schema *s = NULL;
	if (nrefs && !rv) {
		error_set(err, SG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nrefs; i++) {
		const json_t *r = json_array_get(refs, i);
		const char *rsub = json_string_value(json_object_get(r, "subject"));
		json_int_t rver = json_integer_value(json_object_get(r, "version"));
		rv[i].name = json_string_value(json_object_get(r, "name"));
		if (!rsub || !rv[i].name) {
			error_set(err, SG_EUNAVAILABLE, "%s: a reference lacks subject or name",
			          path);
			goto done;
		}
		rv[i].schema = regfetch_version_at(f, rsub, (int)rver, NULL, depth + 1, err);
		if (!rv[i].schema)
			goto done;
	}
	s = schema_parse(type, text, strlen(text), rv, nrefs, err);
	if (!s) {
		error_prefix(err, SG_EINVALID_SCHEMA, "%s: ", what);
	} else if (regfetch_keep(f, s) != 0) {
		schema_free(s);
		s = NULL;
		error_set(err, SG_ENOMEM, "out of memory");
	}
done:
	free(rv);
	json_decref(resp);
	return s;
}

const struct schema *regfetch_version(struct regfetch *f, const char *subject, int version,
                                      int *version_out, struct sg_error *err)
{
	return regfetch_version_at(f, subject, version, version_out, 0, err);
}

const struct schema *regfetch_id(struct regfetch *f, long long id, struct sg_error *err)
{
	char path[64], what[64];
	snprintf(path, sizeof path, "/schemas/ids/%lld", id);
	snprintf(what, sizeof what, "schema id %lld", id);
	return regfetch_path(f, path, what, NULL, 0, err);
}
