/* cli/inproc.c: schemasource_backend over the registry's store. Ids of
 * contexts other than the default one are read through the store's keys
 * (the context's number and the id, registry/store.h); every id handed to
 * the source is the Confluent id, without the context's number. */
#include "cli/inproc.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/schemasource.h"
#include "registry/store.h"

/* Most references one stored schema may list (the source bounds them too). */
#define INPROC_REFS_MAX SCHEMASOURCE_REF_MAX

struct inproc_call {
	int version;
	schemasource_text_fn fn;
	void *arg;
	struct sg_error *err;
	int failed;
};

/* Hands one stored schema to the source, with its references. */
static int inproc_schema_cb(void *ctx, const struct store_schema *s)
{
	struct inproc_call *c = ctx;
	struct schemasource_ref refs[INPROC_REFS_MAX];
	struct schemasource_text t;
	json_t *arr = NULL;
	size_t n = 0;
	int rc;

	memset(&t, 0, sizeof t);
	t.id = STORE_KEY_ID(s->id);
	t.version = c->version;
	if (schema_type_parse(s->type ? s->type : "AVRO", &t.type) != 0)
		t.unknown_type = s->type; /* cached as unusable, saying so */
	t.text = s->text;
	t.len = strlen(s->text);
	if (s->refs && *s->refs) {
		size_t i;
		json_t *r;
		arr = json_loads(s->refs, 0, NULL);
		if (!json_is_array(arr) || json_array_size(arr) > INPROC_REFS_MAX) {
			json_decref(arr);
			error_set(c->err, SG_EINTERNAL, "schema %lld has unreadable references",
			          (long long)s->id);
			c->failed = 1;
			return 1;
		}
		json_array_foreach(arr, i, r)
		{
			json_t *ver = json_object_get(r, "version");
			refs[n].name = json_string_value(json_object_get(r, "name"));
			refs[n].subject = json_string_value(json_object_get(r, "subject"));
			refs[n].version = json_is_integer(ver) ? (int)json_integer_value(ver) : -1;
			if (!refs[n].name || !refs[n].subject) {
				json_decref(arr);
				error_set(c->err, SG_EINTERNAL,
				          "schema %lld has an incomplete reference",
				          (long long)s->id);
				c->failed = 1;
				return 1;
			}
			n++;
		}
	}
	t.refs = n ? refs : NULL;
	t.nrefs = n;
	rc = c->fn(c->arg, &t, c->err);
	json_decref(arr);
	if (rc != 0) {
		c->failed = 1;
		return 1;
	}
	return 0;
}

/* The store's key of id `id` of `context` (NULL: the default context).
 * Returns 1 with *key, 0 when the context is unknown, -1. */
static int inproc_key(struct store_tx *tx, const char *context, int64_t id, int64_t *key,
                      struct sg_error *err)
{
	int64_t num = 0;
	int rc = context ? store_context(tx, context, 0, &num, err) : 1;
	if (rc == 1 && (id <= 0 || id > INT32_MAX))
		rc = 0;
	*key = STORE_KEY(num, id);
	return rc;
}

static int inproc_schema_by_id_in(void *ctx, const char *context, int64_t id,
                                  schemasource_text_fn fn, void *arg, struct sg_error *err)
{
	struct inproc_call c = {0, fn, arg, err, 0};
	struct store_tx *tx = store_read(ctx, err);
	int64_t key;
	int rc;

	if (!tx)
		return -1;
	rc = inproc_key(tx, context, id, &key, err);
	if (rc == 1)
		rc = store_schema_get(tx, key, inproc_schema_cb, &c, err);
	store_end(tx);
	if (c.failed)
		return -1;
	return rc;
}

static int inproc_schema_by_id(void *ctx, int64_t id, schemasource_text_fn fn, void *arg,
                               struct sg_error *err)
{
	return inproc_schema_by_id_in(ctx, NULL, id, fn, arg, err);
}

static int inproc_noop_schema(void *ctx, const struct store_schema *s)
{
	(void)ctx;
	(void)s;
	return 0;
}

struct inproc_versions {
	schemasource_version_fn fn;
	void *arg;
	int stopped;
};

static int inproc_version_cb(void *ctx, const struct store_version *v)
{
	struct inproc_versions *c = ctx;
	if (c->fn(c->arg, v->subject, v->version) != 0) {
		c->stopped = 1;
		return 1;
	}
	return 0;
}

static int inproc_subjects_by_id_in(void *ctx, const char *context, int64_t id,
                                    schemasource_version_fn fn, void *arg, struct sg_error *err)
{
	struct inproc_versions c = {fn, arg, 0};
	struct store_tx *tx = store_read(ctx, err);
	int64_t key;
	int rc;

	if (!tx)
		return -1;
	rc = inproc_key(tx, context, id, &key, err);
	if (rc == 1)
		rc = store_schema_get(tx, key, inproc_noop_schema, NULL, err);
	if (rc == 1 && store_versions_by_schema(tx, key, 0, inproc_version_cb, &c, err) < 0)
		rc = -1;
	store_end(tx);
	if (c.stopped) {
		if (!err->code)
			error_set(err, SG_EINTERNAL, "listing the subjects of id %lld stopped",
			          (long long)id);
		return -1;
	}
	return rc;
}

static int inproc_subjects_by_id(void *ctx, int64_t id, schemasource_version_fn fn, void *arg,
                                 struct sg_error *err)
{
	return inproc_subjects_by_id_in(ctx, NULL, id, fn, arg, err);
}

static int inproc_subject_version(void *ctx, const char *subject, int version,
                                  schemasource_text_fn fn, void *arg, struct sg_error *err)
{
	struct store_tx *tx = store_read(ctx, err);
	struct store_version v;
	struct inproc_call c = {0, fn, arg, err, 0};
	int rc;

	if (!tx)
		return -1;
	rc = version < 0 ? store_version_latest(tx, subject, 0, &v, err)
	                 : store_version_get(tx, subject, version, &v, err);
	if (rc == 1) {
		c.version = v.version;
		rc = store_schema_get(tx, v.schema_id, inproc_schema_cb, &c, err);
		if (rc == 0) {
			error_set(err, SG_EINTERNAL,
			          "%s version %d names schema %lld, which is missing", subject,
			          v.version, (long long)v.schema_id);
			rc = -1;
		}
	}
	store_end(tx);
	if (c.failed)
		return -1;
	return rc;
}

static int inproc_id_by_guid(void *ctx, const char *guid, int64_t *id, struct sg_error *err)
{
	struct store_tx *tx = store_read(ctx, err);
	int64_t got;

	if (!tx)
		return -1;
	got = store_schema_by_guid(tx, guid, err);
	store_end(tx);
	if (got <= 0)
		return got < 0 ? -1 : 0;
	*id = got;
	return 1;
}

/* A store_guid_keys() callback keeping the key of one context. */
struct inproc_guid {
	const char *context;
	int64_t key;
};

static int inproc_guid_cb(void *ctx, const char *context, int64_t key)
{
	struct inproc_guid *g = ctx;
	if (strcmp(context, g->context) == 0)
		g->key = key;
	return 0;
}

static int inproc_id_by_guid_in(void *ctx, const char *context, const char *guid, int64_t *id,
                                struct sg_error *err)
{
	struct store_tx *tx = store_read(ctx, err);
	struct inproc_guid g = {context, 0};
	int rc;

	if (!tx)
		return -1;
	rc = store_guid_keys(tx, guid, inproc_guid_cb, &g, err);
	store_end(tx);
	if (rc < 0)
		return -1;
	if (g.key <= 0)
		return 0;
	*id = STORE_KEY_ID(g.key);
	return 1;
}

struct schemasource *inproc_open(struct store *st, const struct schemasource_options *o,
                                 struct sg_error *err)
{
	struct schemasource_backend b = {
	    .schema_by_id = inproc_schema_by_id,
	    .subjects_by_id = inproc_subjects_by_id,
	    .subject_version = inproc_subject_version,
	    .id_by_guid = inproc_id_by_guid,
	    .schema_by_id_in = inproc_schema_by_id_in,
	    .subjects_by_id_in = inproc_subjects_by_id_in,
	    .id_by_guid_in = inproc_id_by_guid_in,
	    .close = NULL,
	    .ctx = st,
	};
	return schemasource_open(&b, o, err);
}

void inproc_changed(struct schemasource *ss, const char *subject)
{
	schemasource_invalidate(ss, subject);
}
