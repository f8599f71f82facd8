/* registry/api/history.c: a subject's history as a compatibility check
 * reads it (struct api_history), and the check its config asks for.
 */
#include "registry/api/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "compat/level.h"
#include "registry/compatreport.h"
#include "registry/entity.h"
#include "registry/reserved.h"
#include "registry/schemacache.h"

void api_history_clear(struct api *a, struct api_history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		schemacache_release(a->parsed, h->items[i]);
		free(h->texts[i]);
		json_decref(h->metadata[i]);
	}
	free(h->prev);
	free(h->items);
	free(h->texts);
	free(h->metadata);
	memset(h, 0, sizeof *h);
}

struct api_history_load {
	struct api *a;
	struct store_tx *tx;
	struct api_history *h;
	struct sg_error *err;
};

/* A store_versions() callback: appends version `v`, parsed, to l->h. */
static int api_history_cb(void *ctx, const struct store_version *v)
{
	struct api_history_load *l = ctx;
	struct api_history *h = l->h;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 8;
		struct compatreport_prev *p = realloc(h->prev, cap * sizeof *p);
		if (p)
			h->prev = p;
		struct schemacache_item **it = realloc(h->items, cap * sizeof *it);
		if (it)
			h->items = it;
		char **t = realloc(h->texts, cap * sizeof *t);
		if (t)
			h->texts = t;
		json_t **m = realloc(h->metadata, cap * sizeof *m);
		if (m)
			h->metadata = m;
		if (!p || !it || !t || !m)
			return error_set(l->err, SG_ENOMEM, "out of memory");
		h->cap = cap;
	}
	json_t *ent = NULL;
	int r = api_schemas_load(l->tx, v->schema_id, NULL, &ent, l->err);
	if (r <= 0)
		return r == 0 ? error_set(l->err, SG_ESTORE, "a version names a missing schema")
		              : -1;
	struct schemacache_item *item = schemacache_get(l->a->parsed, l->tx, v->schema_id, l->err);
	if (!item) {
		json_decref(ent);
		return -1;
	}
	char *text = strdup(json_string_value(json_object_get(ent, "schema")));
	json_t *meta = json_incref(json_object_get(ent, "metadata"));
	json_decref(ent);
	if (!text) {
		schemacache_release(l->a->parsed, item);
		json_decref(meta);
		return error_set(l->err, SG_ENOMEM, "out of memory");
	}
	h->items[h->n] = item;
	h->texts[h->n] = text;
	h->metadata[h->n] = meta;
	h->prev[h->n] = (struct compatreport_prev){schemacache_schema(item), v->version, text};
	h->n++;
	return 0;
}

/* Loads every live version of `subject`. */
static int api_history_load(struct api *a, struct store_tx *tx, const char *subject,
                            struct api_history *h, struct sg_error *err)
{
	struct api_history_load l = {a, tx, h, err};
	return store_versions(tx, subject, STORE_LIVE, api_history_cb, &l, err) < 0 ? -1 : 0;
}

int api_history_load_one(struct api *a, struct store_tx *tx, const struct store_version *v,
                         struct api_history *h, struct sg_error *err)
{
	struct api_history_load l = {a, tx, h, err};
	return api_history_cb(&l, v);
}

int api_history_for(struct api *a, struct store_tx *tx, const char *subject, const json_t *cfg,
                    struct api_history *h, struct sg_error *err)
{
	enum level level = entity_config_level(cfg, LEVEL_BACKWARD);
	/* Reserved fields (validateFields) read the latest version at any level. */
	if (level == LEVEL_NONE && !json_is_true(json_object_get(cfg, "validateFields")))
		return 0;
	if (level_transitive(level) || json_object_get(cfg, "compatibilityGroup"))
		return api_history_load(a, tx, subject, h, err);
	struct store_version v;
	int r = store_version_latest(tx, subject, 0, &v, err);
	if (r <= 0)
		return r;
	return api_history_load_one(a, tx, &v, h, err);
}

int api_history_check(const json_t *cfg, const struct schema *cand, const json_t *cand_meta,
                      struct api_history *h, json_t *messages, struct sg_error *err)
{
	enum level level = entity_config_level(cfg, LEVEL_BACKWARD);
	const char *policy = json_string_value(json_object_get(cfg, "compatibilityPolicy"));
	enum schema_policy pol = policy && strcasecmp(policy, "LENIENT") == 0
	                             ? SCHEMA_POLICY_LENIENT
	                             : SCHEMA_POLICY_STRICT;
	int validate_fields = json_is_true(json_object_get(cfg, "validateFields"));
	if (validate_fields &&
	    reserved_check(cand, cand_meta, h->n ? h->metadata[h->n - 1] : NULL, messages, err) < 0)
		return -1;
	const char *group = json_string_value(json_object_get(cfg, "compatibilityGroup"));
	struct compatreport_prev *prev = h->prev;
	size_t n = h->n;
	struct compatreport_prev *kept = NULL;
	if (group && n) {
		const char *mine = entity_metadata_property(cand_meta, group);
		kept = calloc(n, sizeof *kept);
		if (!kept)
			return error_set(err, SG_ENOMEM, "out of memory");
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			const char *theirs = entity_metadata_property(h->metadata[i], group);
			if ((!mine && !theirs) || (mine && theirs && strcmp(mine, theirs) == 0))
				kept[k++] = h->prev[i];
		}
		prev = kept;
		n = k;
	}
	int r = compatreport_check(level, pol, validate_fields, cand, prev, n, messages, err);
	free(kept);
	return r;
}
