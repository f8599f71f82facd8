/* registry/schemacache.c: reference-counted parsed schemas, cached by id in
 * a common/lru of `max_items` (cost 1 each) under one mutex.
 *
 * The lru holds one reference to each item it caches; its free callback drops
 * that reference, within the mutex, so an item evicted while no caller holds
 * it is freed there (releasing what it references takes no lock).
 */
#include "registry/schemacache.h"

#include "registry/qsubject.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "common/lru.h"

struct schemacache_item {
	struct schema *schema;
	struct schemacache_item **deps; /* held: what this schema references */
	size_t ndeps;
	_Atomic long refs;
};

struct schemacache {
	pthread_mutex_t mu;
	struct lru *items; /* guarded by mu */
};

static void schemacache_item_free(struct schemacache *c, struct schemacache_item *it);

void schemacache_release(struct schemacache *c, struct schemacache_item *it)
{
	if (it && atomic_fetch_sub(&it->refs, 1) == 1)
		schemacache_item_free(c, it);
}

static void schemacache_item_free(struct schemacache *c, struct schemacache_item *it)
{
	schema_free(it->schema);
	for (size_t i = 0; i < it->ndeps; i++)
		schemacache_release(c, it->deps[i]);
	free(it->deps);
	free(it);
}

/* The lru's free callback: drops the cache's hold. */
static void schemacache_evicted(void *arg, void *value)
{
	schemacache_release(arg, value);
}

struct schemacache *schemacache_new(size_t max_items)
{
	struct schemacache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->items = lru_new(max_items, schemacache_evicted, c);
	if (!c->items) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

void schemacache_free(struct schemacache *c)
{
	if (!c)
		return;
	lru_free(c->items);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

const struct schema *schemacache_schema(const struct schemacache_item *it)
{
	return it->schema;
}

/* ---- Loading ---- */

struct schemacache_row {
	struct sg_error *err;
	char *type;
	char *text;
	size_t len;
	char *refs;
};

static int schemacache_copy_row(void *ctx, const struct store_schema *s)
{
	struct schemacache_row *row = ctx;
	row->type = strdup(s->type);
	row->len = strlen(s->text);
	row->text = strdup(s->text);
	row->refs = s->refs ? strdup(s->refs) : NULL;
	if (!row->type || !row->text || (s->refs && !row->refs))
		return error_set(row->err, SG_ENOMEM, "out of memory");
	return 0;
}

static void schemacache_row_clear(struct schemacache_row *row)
{
	free(row->type);
	free(row->text);
	free(row->refs);
}

static struct schemacache_item *schemacache_get_depth(struct schemacache *c, struct store_tx *tx,
                                                      int64_t id, int depth, struct sg_error *err);

/* Builds an item: resolves `refs` (depth-limited) in `context` (a
 * reference names a subject of the referring schema's context unless it is
 * qualified: registry/qsubject.h), then parses. `resolved` receives concrete
 * versions when not NULL. */
static struct schemacache_item *schemacache_build(struct schemacache *c, struct store_tx *tx,
                                                  const char *context, enum schema_type type,
                                                  const char *text, size_t len,
                                                  const struct store_ref *refs, size_t nrefs,
                                                  int *resolved, int depth, struct sg_error *err)
{
	struct schemacache_item *it = calloc(1, sizeof *it);
	struct schema_ref *srefs = nrefs ? calloc(nrefs, sizeof *srefs) : NULL;
	if (!it || (nrefs && (!srefs || !(it->deps = calloc(nrefs, sizeof *it->deps))))) {
		error_set(err, SG_ENOMEM, "out of memory");
		goto fail;
	}
	atomic_init(&it->refs, 1);
	for (size_t i = 0; i < nrefs; i++) {
		const struct store_ref *r = &refs[i];
		struct store_version v;
		char parent[STORE_CONTEXT_MAX + 3];
		snprintf(parent, sizeof parent, ":%s:", context ? context : ".");
		size_t cap = strlen(parent) + strlen(r->subject) + 1;
		char *target = malloc(cap);
		if (!target) {
			error_set(err, SG_ENOMEM, "out of memory");
			goto fail;
		}
		int found = qsubject_resolve_ref(parent, r->subject, target, cap, err);
		if (found == 0 || found > 0)
			found = r->version == -1
			            ? store_version_latest(tx, target, 0, &v, err)
			            : store_version_get(tx, target, r->version, &v, err);
		free(target);
		if (found < 0)
			goto fail;
		if (found == 0) {
			error_set(err, SG_EINVALID_SCHEMA,
			          "No schema reference found for subject \"%s\" and version %d",
			          r->subject, r->version);
			goto fail;
		}
		if (resolved)
			resolved[i] = v.version;
		struct schemacache_item *dep =
		    schemacache_get_depth(c, tx, v.schema_id, depth + 1, err);
		if (!dep) {
			if (err && err->code == SG_ESCHEMA_NOT_FOUND) {
				err->code = SG_OK;
				error_set(
				    err, SG_EINVALID_SCHEMA,
				    "No schema reference found for subject \"%s\" and version %d",
				    r->subject, r->version);
			}
			goto fail;
		}
		it->deps[it->ndeps++] = dep;
		srefs[i].name = r->name;
		srefs[i].schema = dep->schema;
	}
	it->schema = schema_parse(type, text, len, srefs, nrefs, err);
	if (!it->schema)
		goto fail;
	free(srefs);
	return it;
fail:
	free(srefs);
	if (it)
		schemacache_item_free(c, it);
	return NULL;
}

/* Parses the stored references JSON of a schema row into `out` (views into
 * `doc`, which the caller frees). Returns the count, or -1. */
static long schemacache_refs(const char *text, json_t **doc, struct store_ref **out,
                             struct sg_error *err)
{
	*doc = NULL;
	*out = NULL;
	if (!text)
		return 0;
	json_t *a = json_loads(text, 0, NULL);
	if (!json_is_array(a)) {
		json_decref(a);
		return error_set(err, SG_ESTORE, "a stored schema has malformed references");
	}
	size_t n = json_array_size(a);
	struct store_ref *refs = n ? calloc(n, sizeof *refs) : NULL;
	if (n && !refs) {
		json_decref(a);
		return error_set(err, SG_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(a, i);
		refs[i].name = json_string_value(json_object_get(r, "name"));
		refs[i].subject = json_string_value(json_object_get(r, "subject"));
		refs[i].version = (int)json_integer_value(json_object_get(r, "version"));
		if (!refs[i].name || !refs[i].subject) {
			free(refs);
			json_decref(a);
			return error_set(err, SG_ESTORE,
			                 "a stored schema has malformed references");
		}
	}
	*doc = a;
	*out = refs;
	return (long)n;
}

static struct schemacache_item *schemacache_load(struct schemacache *c, struct store_tx *tx,
                                                 int64_t id, int depth, struct sg_error *err)
{
	struct schemacache_row row = {.err = err};
	int found = store_schema_get(tx, id, schemacache_copy_row, &row, err);
	if (found <= 0) {
		schemacache_row_clear(&row);
		if (found == 0)
			error_set(err, SG_ESCHEMA_NOT_FOUND, "Schema %lld not found",
			          (long long)id);
		return NULL;
	}
	enum schema_type type = SCHEMA_AVRO;
	if (schema_type_parse(row.type, &type) < 0) {
		error_set(err, SG_ESTORE, "schema %lld has an unknown type '%s'", (long long)id,
		          row.type);
		schemacache_row_clear(&row);
		return NULL;
	}
	json_t *doc = NULL;
	struct store_ref *refs = NULL;
	long nrefs = schemacache_refs(row.refs, &doc, &refs, err);
	struct schemacache_item *it = NULL;
	/* References resolve in the schema's own context. */
	char context[STORE_CONTEXT_MAX] = ".";
	if (nrefs > 0 && STORE_KEY_CONTEXT(id) != 0 &&
	    store_context_name(tx, STORE_KEY_CONTEXT(id), context, err) < 0)
		nrefs = -1;
	if (nrefs >= 0)
		it = schemacache_build(c, tx, context, type, row.text, row.len, refs, (size_t)nrefs,
		                       NULL, depth, err);
	free(refs);
	json_decref(doc);
	schemacache_row_clear(&row);
	return it;
}

static struct schemacache_item *schemacache_get_depth(struct schemacache *c, struct store_tx *tx,
                                                      int64_t id, int depth, struct sg_error *err)
{
	if (depth > SCHEMACACHE_MAX_DEPTH) {
		error_set(err, SG_EINVALID_SCHEMA, "references are nested more than %d deep",
		          SCHEMACACHE_MAX_DEPTH);
		return NULL;
	}
	pthread_mutex_lock(&c->mu);
	struct schemacache_item *it = lru_get(c->items, id);
	if (it)
		atomic_fetch_add(&it->refs, 1);
	pthread_mutex_unlock(&c->mu);
	if (it)
		return it;

	it = schemacache_load(c, tx, id, depth, err);
	if (!it)
		return NULL;

	pthread_mutex_lock(&c->mu);
	struct schemacache_item *raced = lru_get(c->items, id);
	if (raced) {
		atomic_fetch_add(&raced->refs, 1);
		pthread_mutex_unlock(&c->mu);
		schemacache_release(c, it);
		return raced;
	}
	atomic_fetch_add(&it->refs, 1); /* the cache's own hold, if it takes the item */
	if (lru_put(c->items, id, it, 1) != 1)
		atomic_fetch_sub(&it->refs, 1);
	pthread_mutex_unlock(&c->mu);
	return it;
}

struct schemacache_item *schemacache_get(struct schemacache *c, struct store_tx *tx, int64_t id,
                                         struct sg_error *err)
{
	return schemacache_get_depth(c, tx, id, 0, err);
}

struct schemacache_item *schemacache_parse(struct schemacache *c, struct store_tx *tx,
                                           enum schema_type type, const char *text, size_t len,
                                           const struct store_ref *refs, size_t nrefs,
                                           const char *context, int *resolved, struct sg_error *err)
{
	return schemacache_build(c, tx, context, type, text, len, refs, nrefs, resolved, 0, err);
}

void schemacache_forget(struct schemacache *c, int64_t id)
{
	pthread_mutex_lock(&c->mu);
	struct schemacache_item *it = lru_take(c->items, id);
	pthread_mutex_unlock(&c->mu);
	schemacache_release(c, it);
}
