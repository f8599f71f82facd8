/* registry/api/versions.c: a subject's versions, GET
 * /subjects/{subject}/versions, GET .../versions/{version}[/schema],
 * .../referencedby and DELETE .../versions/{version}; and what finding and
 * deleting versions needs elsewhere too (the version that uses a schema, the
 * reference check, the settings of a subject left empty).
 */
#include "registry/api/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

struct api_find_version {
	const char *subject;
	int any;
	int version;
};

/* A store_versions_by_schema() callback keeping the newest of f->subject. */
static int api_find_version_cb(void *ctx, const struct store_version *v)
{
	struct api_find_version *f = ctx;
	if (strcmp(v->subject, f->subject) == 0 && (f->any || !v->deleted) &&
	    v->version > f->version)
		f->version = v->version;
	return 0;
}

int api_versions_of(struct store_tx *tx, const char *subject, int64_t id, int any,
                    struct sg_error *err)
{
	struct api_find_version f = {subject, any, 0};
	if (store_versions_by_schema(tx, id, 1, api_find_version_cb, &f, err) < 0)
		return -1;
	return f.version;
}

/* GET /subjects/{subject}/versions */
struct api_versions_list {
	struct api_pager pg;
	int negative;
};

static int api_versions_cb(void *ctx, const struct store_version *v)
{
	struct api_versions_list *l = ctx;
	return api_pager_push(&l->pg,
	                      json_integer(l->negative && v->deleted ? -v->version : v->version));
}

/* GET /subjects/{subject}/versions: ?deleted, ?deletedOnly, and
 * ?deletedAsNegative (every version, soft-deleted ones negated), paged. */
void api_versions_list(struct api_ctx *c)
{
	int offset, limit;
	if (api_query_int(c, "offset", 0, &offset) < 0 || api_query_int(c, "limit", -1, &limit) < 0)
		return;
	int deleted = api_query_bool(c, "deleted");
	int deleted_only = api_query_bool(c, "deletedOnly");
	int negative = api_query_bool(c, "deletedAsNegative");
	enum store_filter f = negative       ? STORE_ALL
	                      : deleted_only ? STORE_DELETED_ONLY
	                      : deleted      ? STORE_ALL
	                                     : STORE_LIVE;
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	struct api_versions_list l = {.negative = negative};
	api_pager_init(&l.pg, offset, limit);
	int r = store_subject_exists(tx, c->subject, deleted || deleted_only || negative, &e);
	if (r == 1 && store_versions(tx, c->subject, f, api_versions_cb, &l, &e) < 0)
		r = -1;
	store_end(tx);
	if (r < 0) {
		json_decref(l.pg.out);
		api_send_error(c, &e);
		return;
	}
	if (r == 0) {
		json_decref(l.pg.out);
		api_fail(c, SG_ESUBJECT_NOT_FOUND, "Subject '%s' not found.", c->subject);
		return;
	}
	api_send_json(c, l.pg.out);
}

/* ---- One version ---- */

/* Confluent's get(subject, version, deleted): -1 is the latest live
 * version; a number is that version, live or (with `deleted`) soft-deleted.
 * Returns 1 with *v filled, 0 when none, -1. */
static int api_versions_find(struct store_tx *tx, const char *subject, int version, int deleted,
                             struct store_version *v, struct sg_error *e)
{
	int r = version == -1 ? store_version_latest(tx, subject, 0, v, e)
	                      : store_version_get(tx, subject, version, v, e);
	return r == 1 && v->deleted && !deleted ? 0 : r;
}

/* api_versions_find() in one context for api_in_contexts(). */
struct api_versions_try {
	struct store_tx *tx;
	int version, deleted;
	struct store_version *v;
};

static int api_versions_try_cb(struct api_ctx *c, void *arg, struct sg_error *e)
{
	struct api_versions_try *t = arg;
	return api_versions_find(t->tx, c->subject, t->version, t->deleted, t->v, e);
}

int api_versions_resolve(struct api_ctx *c, struct store_tx *tx, int version, int deleted,
                         struct store_version *v)
{
	struct sg_error e = {0};
	int r = api_versions_find(tx, c->subject, version, deleted, v, &e);
	if (r == 0) {
		struct api_versions_try t = {tx, version, deleted, v};
		r = api_in_contexts(c, tx, api_versions_try_cb, &t, &e);
	}
	if (r == 0) {
		r = store_subject_exists(tx, c->subject, deleted, &e);
		if (r == 0)
			api_fail(c, SG_ESUBJECT_NOT_FOUND, "Subject '%s' not found.", c->subject);
		else if (r == 1)
			api_fail(c, SG_EVERSION_NOT_FOUND, "Version %d not found.", version);
		if (r >= 0)
			return 0;
	}
	if (r < 0) {
		api_send_error(c, &e);
		return -1;
	}
	return 1;
}

/* GET .../versions/{version}: the Schema entity, or with `raw` .../schema:
 * its text alone. */
static void api_versions_get_common(struct api_ctx *c, int raw)
{
	int version;
	if (api_version_param(c, c->req->segs[3], &version) < 0)
		return;
	int deleted = api_query_bool(c, "deleted");
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	struct store_version v;
	if (api_versions_resolve(c, tx, version, deleted, &v) != 1) {
		store_end(tx);
		return;
	}
	struct sg_error e = {0};
	json_t *ent = NULL;
	int r = api_schemas_load(tx, v.schema_id, &v, &ent, &e);
	if (r == 1 && api_schemas_format(c, tx, ent, &e) < 0)
		r = -1;
	/* .../schema answers getSchemaByVersion with referenceFormat "". */
	if (r == 1 && !raw && api_schemas_qualify_refs(c, ent, &e) < 0)
		r = -1;
	store_end(tx);
	if (r <= 0) {
		if (r == 0)
			error_set(&e, SG_ESTORE,
			          "version %d of subject '%s' names a missing schema", v.version,
			          c->subject);
		api_send_error(c, &e);
		return;
	}
	if (raw) {
		api_send_text(c, json_string_value(json_object_get(ent, "schema")));
		json_decref(ent);
		return;
	}
	api_send_json(c, ent);
}

/* GET /subjects/{subject}/versions/{version} */
void api_versions_get(struct api_ctx *c)
{
	api_versions_get_common(c, 0);
}

/* GET /subjects/{subject}/versions/{version}/schema */
void api_versions_raw(struct api_ctx *c)
{
	api_versions_get_common(c, 1);
}

/* GET /subjects/{subject}/versions/{version}/referencedby */
static int api_referrer_ids_cb(void *ctx, const struct store_version *v)
{
	json_t *out = ctx;
	size_t n = json_array_size(out);
	json_int_t id = STORE_KEY_ID(v->schema_id);
	if (!n || json_integer_value(json_array_get(out, n - 1)) != id)
		json_array_append_new(out, json_integer(id));
	return 0;
}

/* The ids of the schemas that refer to the version, paged; ?deleted counts
 * soft-deleted referrers. */
void api_versions_referencedby(struct api_ctx *c)
{
	int version, offset, limit;
	if (api_version_param(c, c->req->segs[3], &version) < 0 ||
	    api_query_int(c, "offset", 0, &offset) < 0 || api_query_int(c, "limit", -1, &limit) < 0)
		return;
	int deleted = api_query_bool(c, "deleted");
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	struct store_version v;
	if (api_versions_resolve(c, tx, version, 1, &v) != 1) {
		store_end(tx);
		return;
	}
	struct sg_error e = {0};
	json_t *out = json_array();
	int r = store_referrers(tx, c->subject, v.version, deleted, api_referrer_ids_cb, out, &e);
	store_end(tx);
	if (r < 0) {
		json_decref(out);
		api_send_error(c, &e);
		return;
	}
	api_send_json(c, api_page(out, offset, limit));
}

/* ---- Deletes ---- */

/* api_versions_referenced(): stops at the first referrer that is not of
 * `except`. */
struct api_ref_check {
	const char *except;
	int found;
};

static int api_ref_check_cb(void *ctx, const struct store_version *v)
{
	struct api_ref_check *rc = ctx;
	if (rc->except && strcmp(rc->except, v->subject) == 0)
		return 0;
	rc->found = 1;
	return 1;
}

int api_versions_referenced(struct store_tx *tx, const char *subject, int version, int deleted,
                            const char *except_subject, struct sg_error *err)
{
	struct api_ref_check rc = {except_subject, 0};
	if (store_referrers(tx, subject, version, deleted, api_ref_check_cb, &rc, err) < 0)
		return -1;
	return rc.found;
}

void api_versions_fail_referenced(struct api_ctx *c, const char *subject, int version)
{
	api_fail(c, SG_EREFERENCE_EXISTS,
	         "One or more references exist to the schema "
	         "{magic=1,keytype=SCHEMA,subject=%s,version=%d}.",
	         subject, version);
}

int api_versions_drop_settings(struct store_tx *tx, const char *subject, struct sg_error *err)
{
	int r = store_subject_exists(tx, subject, 1, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (store_mode_delete(tx, subject, err) < 0 || store_config_delete(tx, subject, err) < 0)
		return -1;
	return 0;
}

int api_versions_collect_cb(void *ctx, const struct store_version *v)
{
	json_array_append_new(ctx, json_pack("[i,i]", v->version, v->deleted));
	return 0;
}

/* DELETE /subjects/{subject}/versions/{version}[?permanent=true] */
void api_versions_delete(struct api_ctx *c)
{
	int version;
	if (api_version_param(c, c->req->segs[3], &version) < 0)
		return;
	int permanent = api_query_bool(c, "permanent");
	struct store_tx *tx = api_write(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	struct api_dropped dropped = {0};
	struct store_version v;
	char mode[STORE_MODE_MAX];
	int r = version == -1 ? store_version_latest(tx, c->subject, 0, &v, &e)
	                      : store_version_get(tx, c->subject, version, &v, &e);
	if (r < 0)
		goto fail;
	if (r == 1 && v.deleted && !permanent) {
		api_fail(c, SG_EVERSION_SOFT_DELETED,
		         "Subject '%s' Version %s was soft deleted.Set permanent=true to delete "
		         "permanently",
		         c->subject, c->req->segs[3]);
		goto done;
	}
	if (r == 0) {
		r = store_subject_exists(tx, c->subject, 1, &e);
		if (r == 0)
			api_fail(c, SG_ESUBJECT_NOT_FOUND, "Subject '%s' not found.", c->subject);
		else if (r == 1)
			api_fail(c, SG_EVERSION_NOT_FOUND, "Version %d not found.", version);
		if (r < 0)
			goto fail;
		goto done;
	}
	int gate = api_mode_gate(c, tx, mode, &e);
	if (gate < 0)
		goto fail;
	if (gate > 0)
		goto done;
	int ref = api_versions_referenced(tx, c->subject, v.version, permanent, NULL, &e);
	if (ref < 0)
		goto fail;
	if (ref) {
		api_versions_fail_referenced(c, c->subject, v.version);
		goto done;
	}
	if (permanent && !v.deleted) {
		api_fail(c, SG_EVERSION_NOT_SOFT_DELETED,
		         "Subject '%s' Version %d was not deleted first before being permanently "
		         "deleted",
		         c->subject, v.version);
		goto done;
	}
	if (permanent) {
		int64_t gone = 0;
		if (store_version_purge(tx, c->subject, v.version, &gone, &e) < 0 ||
		    api_versions_drop_settings(tx, c->subject, &e) < 0 ||
		    api_dropped_add(&dropped, gone, &e) < 0)
			goto fail;
	} else if (store_version_soft_delete(tx, c->subject, v.version, &e) < 0) {
		goto fail;
	}
	if (api_commit(c, &tx) < 0)
		goto done;
	api_dropped_forget(c->a, &dropped);
	api_send_json(c, json_integer(v.version));
	goto done;
fail:
	api_send_error(c, &e);
done:
	store_end(tx);
	free(dropped.ids);
}

/* ---- GET /subjects/{subject}/metadata ---- */

#define API_META_PAIRS 16 /* the query keeps 32 parameters: 16 key/value pairs */

/* The newest version whose metadata properties hold every requested pair
 * (Confluent's getLatestWithMetadata): versions come in ascending order, so
 * the last match wins. */
struct api_meta_match {
	struct store_tx *tx;
	const char *keys[API_META_PAIRS], *values[API_META_PAIRS];
	size_t n;
	struct store_version found;
	int have;
	struct sg_error *err;
};

/* One schema tried against the pairs. */
struct api_meta_probe {
	const struct api_meta_match *m;
	int hit;
};

/* A store_schema_get() callback: a hit when the schema's metadata has
 * properties that hold every pair. A schema without metadata, or with
 * metadata but no properties, matches nothing, not even an empty query. */
static int api_meta_schema_cb(void *ctx, const struct store_schema *s)
{
	struct api_meta_probe *p = ctx;
	json_t *meta = s->metadata ? json_loads(s->metadata, 0, NULL) : NULL;
	const json_t *props = json_object_get(meta, "properties");
	p->hit = json_is_object(props);
	for (size_t i = 0; p->hit && i < p->m->n; i++) {
		const char *v = json_string_value(json_object_get(props, p->m->keys[i]));
		p->hit = v && strcmp(v, p->m->values[i]) == 0;
	}
	json_decref(meta);
	return 0;
}

static int api_meta_version_cb(void *ctx, const struct store_version *v)
{
	struct api_meta_match *m = ctx;
	struct api_meta_probe p = {m, 0};
	if (store_schema_get(m->tx, v->schema_id, api_meta_schema_cb, &p, m->err) < 0)
		return -1;
	if (p.hit) {
		m->found = *v;
		m->have = 1;
	}
	return 0;
}

/* The pairs of ?key=K&value=V&...: as many as the shorter list has, a key
 * given twice taking its last value (Confluent puts them in a HashMap). */
static void api_meta_pairs(struct api_ctx *c, struct api_meta_match *m)
{
	for (size_t i = 0; i < API_META_PAIRS; i++) {
		const char *k = http_query_nth(c->req, "key", i);
		const char *v = http_query_nth(c->req, "value", i);
		if (!k || !v)
			break;
		size_t j = 0;
		while (j < m->n && strcmp(m->keys[j], k) != 0)
			j++;
		m->keys[j] = k;
		m->values[j] = v;
		if (j == m->n)
			m->n++;
	}
}

/* GET /subjects/{subject}/metadata?key=K&value=V...[&deleted=true]
 * [&format=resolved]: the Schema entity of the newest version (soft-deleted
 * ones too with ?deleted=true) whose metadata properties hold every pair;
 * 40401 when the subject has no such versions at all, else 40403 "Schema not
 * found" (SubjectsResource.getLatestWithMetadata, v8.1.0). */
void api_versions_with_metadata(struct api_ctx *c)
{
	int deleted = api_query_bool(c, "deleted");
	struct sg_error e = {0};
	struct api_meta_match m = {.err = &e};
	api_meta_pairs(c, &m);
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	m.tx = tx;
	json_t *ent = NULL;
	int r = store_versions(tx, c->subject, deleted ? STORE_ALL : STORE_LIVE,
	                       api_meta_version_cb, &m, &e);
	if (r >= 0 && m.have) {
		r = api_schemas_load(tx, m.found.schema_id, &m.found, &ent, &e);
		if (r == 1 && api_schemas_format(c, tx, ent, &e) < 0)
			r = -1;
	} else if (r >= 0) {
		r = store_subject_exists(tx, c->subject, deleted, &e);
		if (r == 0)
			api_fail(c, SG_ESUBJECT_NOT_FOUND, "Subject '%s' not found.", c->subject);
		else if (r == 1)
			api_fail(c, SG_ESCHEMA_NOT_FOUND, "Schema not found");
		r = r < 0 ? -1 : 0;
	}
	store_end(tx);
	if (r < 0)
		api_send_error(c, &e);
	else if (ent)
		api_send_json(c, ent);
	else if (m.have)
		api_fail(c, SG_ENOMEM, "out of memory");
}
