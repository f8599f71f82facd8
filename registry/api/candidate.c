/* registry/api/candidate.c: the candidate schema of a lookup, registration
 * or compatibility check (struct api_cand): the request's schema parsed
 * against the store, in the form the store keys on; Confluent's canLookup(),
 * which finds a version that is the candidate but for its confluent:version;
 * and the opening a lookup and a compatibility check share (struct
 * api_cand_req).
 */
#include "registry/api/internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "registry/entity.h"
#include "registry/jsonio.h"
#include "registry/schemacache.h"

void api_cand_clear(struct api *a, struct api_cand *cd)
{
	schemacache_release(a->parsed, cd->item);
	free(cd->refs_text);
	json_decref(cd->refs_json);
	free(cd->meta_text);
	free(cd->rules_text);
	free(cd->resolved);
	free(cd->refs);
	memset(cd, 0, sizeof *cd);
}

void api_cand_content(const struct api_cand *cd, struct store_schema *out)
{
	memset(out, 0, sizeof *out);
	out->type = cd->type_name;
	out->text = cd->text;
	out->refs = cd->refs_text;
	out->metadata = cd->meta_text;
	out->ruleset = cd->rules_text;
}

int api_cand_set_extras(struct api_cand *cd, const json_t *meta, const json_t *rules,
                        struct sg_error *err)
{
	free(cd->meta_text);
	free(cd->rules_text);
	cd->meta_text = meta ? jsonio_dump(meta, NULL) : NULL;
	cd->rules_text = rules ? jsonio_dump(rules, NULL) : NULL;
	if ((meta && !cd->meta_text) || (rules && !cd->rules_text))
		return error_set(err, SG_ENOMEM, "out of memory");
	return 0;
}

/* Orders references by subject, then version. */
static int api_ref_cmp(const void *pa, const void *pb)
{
	const struct store_ref *a = pa, *b = pb;
	int c = strcmp(a->subject, b->subject);
	return c ? c : (a->version > b->version) - (a->version < b->version);
}

/* Confluent's normalize() for references: sorted by subject then version,
 * duplicates dropped. Returns the new count. */
static size_t api_refs_normalize(struct store_ref *refs, size_t n)
{
	qsort(refs, n, sizeof *refs, api_ref_cmp);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && api_ref_cmp(&refs[k - 1], &refs[i]) == 0 &&
		    strcmp(refs[k - 1].name, refs[i].name) == 0)
			continue;
		refs[k++] = refs[i];
	}
	return k;
}

int api_cand_build(struct api *a, struct store_tx *tx, const struct api_sreq *r, const char *text,
                   enum schema_type type, const char *type_name, const struct store_ref *refs,
                   size_t nrefs, const char *bad_ref, int normalize, const char *context,
                   struct api_cand *cd, struct sg_error *err)
{
	memset(cd, 0, sizeof *cd);
	if (type_name && schema_type_parse(type_name, &type) < 0)
		return error_set(err, SG_EINVALID_SCHEMA, "Invalid schema type %s", type_name);
	if (!text || !*text)
		return error_set(err, SG_EINVALID_SCHEMA, "Empty schema");
	if (bad_ref)
		return error_set(err, SG_EINVALID_SCHEMA,
		                 "Invalid schema of type %s, details: Invalid reference: %s",
		                 schema_type_name(type), bad_ref);
	cd->type_name = schema_type_name(type);
	if (nrefs) {
		cd->resolved = calloc(nrefs, sizeof *cd->resolved);
		cd->refs = calloc(nrefs, sizeof *cd->refs);
		if (!cd->resolved || !cd->refs)
			goto oom;
	}
	struct sg_error pe = {0};
	cd->item = schemacache_parse(a->parsed, tx, type, text, strlen(text), refs, nrefs, context,
	                             cd->resolved, &pe);
	if (!cd->item) {
		if (pe.code == SG_EINVALID_SCHEMA || pe.code == SG_ELIMIT)
			error_set(err, SG_EINVALID_SCHEMA, "Invalid schema of type %s, details: %s",
			          cd->type_name, pe.msg);
		else
			error_set(err, pe.code, "%s", pe.msg);
		goto fail;
	}
	const struct schema *s = schemacache_schema(cd->item);
	cd->text = normalize ? schema_normalized(s) : schema_canonical(s);
	if (!cd->text)
		cd->text = schema_canonical(s);
	if (nrefs) {
		for (size_t i = 0; i < nrefs; i++) {
			cd->refs[i] = refs[i];
			cd->refs[i].version = cd->resolved[i];
		}
		if (normalize)
			nrefs = api_refs_normalize(cd->refs, nrefs);
		cd->refs_json = json_array();
		if (!cd->refs_json)
			goto oom;
		for (size_t i = 0; i < nrefs; i++) {
			json_t *o = json_object();
			json_object_set_new(o, "name", json_string(cd->refs[i].name));
			json_object_set_new(o, "subject", json_string(cd->refs[i].subject));
			json_object_set_new(o, "version", json_integer(cd->refs[i].version));
			json_array_append_new(cd->refs_json, o);
		}
		cd->nrefs = nrefs;
		cd->refs_text = jsonio_dump(cd->refs_json, NULL);
		if (!cd->refs_text)
			goto oom;
	}
	if (api_cand_set_extras(cd, r ? r->metadata : NULL, r ? r->ruleset : NULL, err) < 0)
		goto fail;
	return 0;
oom:
	error_set(err, SG_ENOMEM, "out of memory");
fail:
	api_cand_clear(a, cd);
	return -1;
}

json_t *api_cand_entity(const struct api_cand *cd, const struct store_version *v, int64_t id)
{
	struct store_schema s;
	api_cand_content(cd, &s);
	s.id = id;
	return api_schemas_entity(v, &s);
}

/* ---- Confluent's canLookup(): the same schema but for confluent:version ---- */

/* Metadata without the confluent:version property; NULL when nothing else is
 * left (Confluent treats no metadata and empty metadata alike here). */
static json_t *api_meta_without_version(const char *text)
{
	json_t *m = text ? json_loads(text, 0, NULL) : NULL;
	json_t *props = json_object_get(m, "properties");
	if (props) {
		json_object_del(props, ENTITY_CONFLUENT_VERSION);
		if (json_object_size(props) == 0)
			json_object_del(m, "properties");
	}
	if (m && json_object_size(m) == 0) {
		json_decref(m);
		m = NULL;
	}
	return m;
}

/* Two optional texts are the same: both absent, or equal. */
static int api_same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

struct api_equiv {
	const struct api_cand *cd;
	const char *cand_version; /* the candidate's confluent:version, or NULL */
	json_t *cand_meta;        /* the candidate's metadata without it */
	int version;              /* the version being compared */
	int match;
};

/* A store_schema_get() callback: sets q->match when stored schema `s` is
 * the candidate but for confluent:version. */
static int api_equiv_cb(void *ctx, const struct store_schema *s)
{
	struct api_equiv *q = ctx;
	const struct api_cand *cd = q->cd;
	if (strcmp(s->type, cd->type_name) != 0 || strcmp(s->text, cd->text) != 0 ||
	    !api_same_text(s->refs, cd->refs_text) || !api_same_text(s->ruleset, cd->rules_text))
		return 0;
	json_t *full = s->metadata ? json_loads(s->metadata, 0, NULL) : NULL;
	const char *prev_version = entity_metadata_property(full, ENTITY_CONFLUENT_VERSION);
	char mine[16];
	snprintf(mine, sizeof mine, "%d", q->version);
	/* Only a difference in confluent:version is forgiven, and a version the
	 * candidate names must be this one. */
	int applies = (prev_version || q->cand_version) &&
	              (!q->cand_version || strcmp(q->cand_version, mine) == 0);
	json_decref(full);
	if (!applies)
		return 0;
	json_t *prev = api_meta_without_version(s->metadata);
	q->match =
	    (!prev && !q->cand_meta) || (prev && q->cand_meta && json_equal(prev, q->cand_meta));
	json_decref(prev);
	return 0;
}

struct api_live_list {
	int versions[256];
	int64_t ids[256];
	size_t n;
};

/* A store_versions() callback keeping the latest 256 live versions. */
static int api_live_list_cb(void *ctx, const struct store_version *v)
{
	struct api_live_list *l = ctx;
	if (l->n == sizeof l->versions / sizeof l->versions[0]) {
		memmove(l->versions, l->versions + 1, (l->n - 1) * sizeof l->versions[0]);
		memmove(l->ids, l->ids + 1, (l->n - 1) * sizeof l->ids[0]);
		l->n--;
	}
	l->versions[l->n] = v->version;
	l->ids[l->n] = v->schema_id;
	l->n++;
	return 0;
}

int api_cand_equivalent(struct store_tx *tx, const char *subject, const struct api_cand *cd,
                        int64_t *id, struct sg_error *err)
{
	json_t *meta = cd->meta_text ? json_loads(cd->meta_text, 0, NULL) : NULL;
	const char *cv = entity_metadata_property(meta, ENTITY_CONFLUENT_VERSION);
	struct api_equiv q = {cd, cv, api_meta_without_version(cd->meta_text), 0, 0};
	struct api_live_list *l = calloc(1, sizeof *l);
	int found = 0;
	if (!l) {
		found = error_set(err, SG_ENOMEM, "out of memory");
		goto out;
	}
	if (store_versions(tx, subject, STORE_LIVE, api_live_list_cb, l, err) < 0) {
		found = -1;
		goto out;
	}
	for (size_t i = l->n; i-- > 0 && !found;) {
		q.version = l->versions[i];
		if (store_schema_get(tx, l->ids[i], api_equiv_cb, &q, err) < 0) {
			found = -1;
			break;
		}
		if (q.match) {
			*id = l->ids[i];
			found = l->versions[i];
		}
	}
out:
	free(l);
	json_decref(q.cand_meta);
	json_decref(meta);
	return found;
}

/* ---- The opening of a lookup and of a compatibility check ---- */

int api_cand_req_open(struct api_ctx *c, struct api_cand_req *q)
{
	memset(q, 0, sizeof *q);
	if (api_sreq_parse(c, &q->r, &q->bad_ref) < 0)
		return -1;
	if (!(q->tx = api_read(c))) {
		api_sreq_clear(&q->r);
		return -1;
	}
	return 0;
}

int api_cand_req_config(struct api_ctx *c, struct api_cand_req *q, struct sg_error *err)
{
	if (!(q->cfg = api_config_scope(q->tx, c->subject, err)))
		return -1;
	q->normalize =
	    api_query_bool(c, "normalize") || json_is_true(json_object_get(q->cfg, "normalize"));
	return 0;
}

int api_cand_req_build(struct api_ctx *c, struct api_cand_req *q, struct sg_error *err)
{
	const struct api_sreq *r = &q->r;
	return api_cand_build(c->a, q->tx, r, r->text, SCHEMA_AVRO, r->type_name, r->refs, r->nrefs,
	                      q->bad_ref, q->normalize, c->context, &q->cd, err);
}

void api_cand_req_close(struct api_ctx *c, struct api_cand_req *q)
{
	store_end(q->tx);
	api_cand_clear(c->a, &q->cd);
	json_decref(q->cfg);
	api_sreq_clear(&q->r);
	memset(q, 0, sizeof *q);
}
