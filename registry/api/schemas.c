/* registry/api/schemas.c: the schemas resource, GET /schemas,
 * /schemas/types, /schemas/ids/{id}[/schema|/subjects|/versions], and the
 * Schema entity the other resources answer with (api_schemas_entity,
 * api_schemas_load, api_schemas_format for ?format=resolved).
 */
#include "registry/api/internal.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "registry/guid.h"
#include "registry/idcache.h"
#include "registry/jsonio.h"
#include "registry/qsubject.h"
#include "registry/schemacache.h"

#define API_SCHEMA_LIMIT 1000 /* GET /schemas: default and largest page */

/* ---- The Schema entity ---- */

/* Sets "references" (when not empty), "metadata" and "ruleSet" (when stored)
 * on `o` from a stored schema, as Confluent's entities carry them. */
static void api_put_stored_extras(json_t *o, const struct store_schema *s)
{
	if (s->refs) {
		json_t *r = json_loads(s->refs, 0, NULL);
		if (json_array_size(r))
			json_object_set_new(o, "references", r);
		else
			json_decref(r);
	}
	if (s->metadata)
		json_object_set_new(o, "metadata", json_loads(s->metadata, 0, NULL));
	if (s->ruleset)
		json_object_set_new(o, "ruleSet", json_loads(s->ruleset, 0, NULL));
}

/* The store gives the GUID; a schema not from the store (a candidate) has
 * it computed. */
int api_schemas_identity(json_t *o, const struct store_schema *s)
{
	char guid[GUID_TEXT_LEN + 1];
	const char *g = s->guid;
	struct sg_error e = {0};
	if (!g && guid_of(s->text, s->refs, s->metadata, s->ruleset, guid, &e) == 0)
		g = guid;
	if (g && json_object_set_new(o, "guid", json_string(g)) < 0)
		return -1;
	return json_object_set_new(o, "schemaType", json_string(s->type ? s->type : "AVRO"));
}

json_t *api_schemas_entity(const struct store_version *v, const struct store_schema *s)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	if (v && v->subject)
		json_object_set_new(o, "subject", json_string(v->subject));
	if (v && v->version > 0)
		json_object_set_new(o, "version", json_integer(v->version));
	json_object_set_new(o, "id", json_integer(STORE_KEY_ID(s->id)));
	if (api_schemas_identity(o, s) < 0) {
		json_decref(o);
		return NULL;
	}
	api_put_stored_extras(o, s);
	json_object_set_new(o, "schema", json_string(s->text));
	return o;
}

void api_schemas_stamp(json_t *ent, const struct store_version *v)
{
	if (!ent || !v)
		return;
	if (v->ts > 0)
		json_object_set_new(ent, "ts", json_integer(v->ts));
	json_object_set_new(ent, "deleted", json_boolean(v->deleted));
}

struct api_entity_ctx {
	const struct store_version *v;
	json_t *out;
};

/* A store_schema_get() callback building the entity of `s` into e->out. */
static int api_entity_cb(void *ctx, const struct store_schema *s)
{
	struct api_entity_ctx *e = ctx;
	e->out = api_schemas_entity(e->v, s);
	api_schemas_stamp(e->out, e->v);
	return 0;
}

int api_schemas_load(struct store_tx *tx, int64_t id, const struct store_version *v, json_t **out,
                     struct sg_error *err)
{
	struct api_entity_ctx e = {v, NULL};
	int r = store_schema_get(tx, id, api_entity_cb, &e, err);
	if (r == 1 && !e.out)
		return error_set(err, SG_ENOMEM, "out of memory");
	*out = e.out;
	return r;
}

int api_schemas_wants_resolved(struct api_ctx *c)
{
	const char *f = api_query(c, "format");
	return f && strcmp(f, "resolved") == 0;
}

/* ?format=resolved or ?format=serialized (Protobuf's): a body built from the
 * parsed schema, not the stored string. */
static int api_schemas_wants_formatted(struct api_ctx *c)
{
	const char *f = api_query(c, "format");
	return f && (strcmp(f, "resolved") == 0 || strcmp(f, "serialized") == 0);
}

int api_schemas_set_resolved(json_t *ent, const struct schema *s, struct sg_error *err)
{
	char *text = schema_resolved(s);
	json_t *v = text ? json_string(text) : NULL;
	free(text);
	if (!v || json_object_set_new(ent, "schema", v) != 0)
		return error_set(err, SG_ENOMEM, "out of memory");
	return 0;
}

int api_schemas_format(struct api_ctx *c, struct store_tx *tx, json_t *ent, struct sg_error *err)
{
	const char *type = json_string_value(json_object_get(ent, "schemaType"));
	const char *format = api_query(c, "format");
	/* ?format=serialized: a Protobuf schema's own format (any other type
	 * answers its canonical string, as Confluent does for a format it lacks) */
	int serialized = format && strcmp(format, "serialized") == 0;
	if (!ent || !api_schemas_wants_formatted(c))
		return 0;
	if (serialized ? !type || strcmp(type, "PROTOBUF") != 0
	               : (type && strcmp(type, "AVRO") != 0) || !json_object_get(ent, "references"))
		return 0;
	/* The schema's key: its id in the context of the entity's subject. */
	int64_t id = json_integer_value(json_object_get(ent, "id"));
	const char *subject = json_string_value(json_object_get(ent, "subject"));
	if (subject && id > 0 && id <= STORE_ID_MAX) {
		char name[STORE_CONTEXT_MAX];
		int64_t num = 0;
		if (qsubject_context_of(subject, name, sizeof name, err) < 0 ||
		    store_context(tx, name, 0, &num, err) < 0)
			return -1;
		id = STORE_KEY(num, id);
	}
	struct schemacache_item *item = schemacache_get(c->a->parsed, tx, id, err);
	if (!item)
		return -1;
	int rc;
	if (serialized) {
		char *text = schema_formatted(schemacache_schema(item), format, err);
		json_t *v = text ? json_string(text) : NULL;
		free(text);
		if (v && json_object_set_new(ent, "schema", v) == 0)
			rc = 0;
		else
			rc = err->code ? -1 : error_set(err, SG_ENOMEM, "out of memory");
	} else {
		rc = api_schemas_set_resolved(ent, schemacache_schema(item), err);
	}
	schemacache_release(c->a->parsed, item);
	return rc;
}

/* ---- GET /schemas/types: what this build parses (probed by api_new()) ---- */

void api_schemas_types(struct api_ctx *c)
{
	api_send_text(c, c->a->types);
}

/* ---- GET /schemas/ids/{id}[/...] ---- */

static int api_id_param(struct api_ctx *c, int32_t *id)
{
	if (jsonio_parse_int32(c->req->segs[2], id) < 0) {
		api_not_found(c);
		return -1;
	}
	return 0;
}

/* A store_versions_by_schema() callback keeping the first (subject, version)
 * in *ctx (its subject a malloc'd copy). */
static int api_first_version_cb(void *ctx, const struct store_version *v)
{
	struct store_version *out = ctx;
	*out = *v;
	out->subject = strdup(v->subject);
	return 1;
}

/* Whether `subject` has a version (soft-deleted ones too) of schema key
 * `key`: 1, 0 or -1. */
static int api_key_in_subject(struct store_tx *tx, const char *subject, int64_t key,
                              struct sg_error *e)
{
	int v = api_versions_of(tx, subject, key, 1, e);
	return v < 0 ? -1 : v > 0;
}

/* A store_contexts() callback: the key of ids->id under the subject of that
 * context named like ids->subject, when it has one. */
struct api_key_search {
	struct store_tx *tx;
	const char *subject;
	int64_t id, key;
	struct sg_error *e;
};

static int api_key_search_cb(void *ctx, const char *name)
{
	struct api_key_search *s = ctx;
	int64_t num = 0;
	if (s->key)
		return 0;
	size_t cap = strlen(name) + strlen(s->subject) + 3;
	char *qualified = malloc(cap);
	if (!qualified)
		return error_set(s->e, SG_ENOMEM, "out of memory");
	snprintf(qualified, cap, ":%s:%s", name, s->subject);
	int r = store_context(s->tx, name, 0, &num, s->e);
	if (r > 0)
		r = api_key_in_subject(s->tx, qualified, STORE_KEY(num, s->id), s->e);
	free(qualified);
	if (r > 0)
		s->key = STORE_KEY(num, s->id);
	return r < 0 ? -1 : r;
}

/* The schema key that id `id` names for ?subject= (Confluent's
 * getSchemaKeyUsingContexts): without it, the id of the default context; a
 * qualified subject, or a context alone (":.ctx:"), looks in its context
 * (the subject must have a version of it); a default-context subject first
 * in the default context, then under the same name in each context, then in
 * the default context whoever uses it. Sets *key (0 when none: the handler
 * answers 40403). Returns 0, or -1 (response sent). */
static int api_schemas_key(struct api_ctx *c, int32_t id, int64_t *key)
{
	const char *given = api_query(c, "subject");
	*key = id;
	if (!given || id <= 0)
		return 0;
	size_t cap = strlen(given) + 3;
	char *subject = malloc(cap);
	char name[STORE_CONTEXT_MAX];
	struct sg_error e = {0};
	struct store_tx *tx = NULL;
	int r = -1;
	if (!subject || qsubject_normalize(given, subject, cap, &e) < 0 ||
	    qsubject_context_of(subject, name, sizeof name, &e) < 0)
		goto fail;
	if (!(tx = api_read(c))) {
		free(subject);
		return -1;
	}
	struct qsubject q;
	qsubject_parse(subject, &q);
	*key = 0;
	if (!qsubject_is_default(&q)) {
		int64_t num = 0;
		r = store_context(tx, name, 0, &num, &e);
		if (r > 0 && *q.subject)
			r = api_key_in_subject(tx, subject, STORE_KEY(num, id), &e);
		if (r > 0)
			*key = STORE_KEY(num, id);
	} else {
		r = *q.subject ? api_key_in_subject(tx, subject, id, &e) : 0;
		struct api_key_search s = {tx, subject, id, 0, &e};
		if (r == 0 && *q.subject && store_contexts(tx, api_key_search_cb, &s, &e) < 0)
			r = -1;
		if (r == 0 && s.key)
			*key = s.key;
		else if (r >= 0)
			*key = id;
	}
	if (r < 0)
		goto fail;
	store_end(tx);
	free(subject);
	return 0;
fail:
	store_end(tx);
	free(subject);
	if (e.code == SG_OK)
		error_set(&e, SG_ENOMEM, "out of memory");
	api_send_error(c, &e);
	return -1;
}

/* With authorization on, an id is known to a principal only when it may read
 * a subject holding it (soft-deleted versions count); to others it answers
 * 40403, as an unknown id. */
struct api_id_readable {
	struct api_ctx *c;
	int found;
};

/* A store_versions_by_schema() callback; stops at the first readable subject. */
static int api_id_readable_cb(void *ctx, const struct store_version *v)
{
	struct api_id_readable *r = ctx;
	r->found = api_may_read(r->c, v->subject);
	return r->found;
}

/* Whether the principal may see schema `id`: 1 (always without
 * authorization), 0, or -1 with `e` set. */
static int api_id_readable(struct api_ctx *c, struct store_tx *tx, int64_t id, struct sg_error *e)
{
	struct api_id_readable r = {c, 0};
	if (!c->a->auth)
		return 1;
	if (id > 0 && store_versions_by_schema(tx, id, 1, api_id_readable_cb, &r, e) < 0)
		return -1;
	return r.found;
}

/* GET /schemas/ids/{id}: a SchemaString (schemaType, schema, references,
 * metadata, ruleSet). The hot path: answered from the id cache when it can. */
struct api_schemastring {
	int raw;
	json_t *out;
	char *text;
};

/* A store_schema_get() callback: the text alone (ss->raw), else the
 * SchemaString object. */
static int api_schemastring_cb(void *ctx, const struct store_schema *s)
{
	struct api_schemastring *ss = ctx;
	if (ss->raw) {
		ss->text = strdup(s->text);
		return 0;
	}
	json_t *o = json_object();
	if (!o)
		return 0;
	if (api_schemas_identity(o, s) < 0) {
		json_decref(o);
		return 0;
	}
	json_object_set_new(o, "schema", json_string(s->text));
	api_put_stored_extras(o, s);
	ss->out = o;
	return 0;
}

/* ?format=resolved on the entity /schemas/ids/{id} answers, which carries no
 * "id" (api_schemas_format reads it): lends it the key for the call. */
static int api_schemas_format_by_id(struct api_ctx *c, struct store_tx *tx, int32_t id, json_t *ent,
                                    struct sg_error *err)
{
	if (!ent)
		return error_set(err, SG_ENOMEM, "out of memory");
	json_object_set_new(ent, "id", json_integer(id));
	int rc = api_schemas_format(c, tx, ent, err);
	json_object_del(ent, "id");
	return rc;
}

/* Which version's "ts" and "deleted" GET /schemas/ids/{id} shows. Confluent
 * reads the SchemaValue of lookupCache.schemaKeyById(id, null): the first
 * subject of a ConcurrentHashMap<subject, version> (the newest version of
 * that subject written with the id, soft-deleted ones too). The map's order
 * is its bucket order: Java's String.hashCode of the subject, spread, masked
 * by the table size (16, doubled each time the count reaches 3/4 of it);
 * subjects in one bucket are taken in the store's (byte) order, where Java
 * keeps insertion order. */
struct api_id_pick {
	struct store_version rows[64]; /* newest row per subject, at most 64 */
	char *subjects[64];
	size_t n;
	size_t total; /* subjects seen */
};

static int api_id_pick_cb(void *ctx, const struct store_version *v)
{
	struct api_id_pick *p = ctx;
	if (p->n && strcmp(p->subjects[p->n - 1], v->subject) == 0) {
		p->rows[p->n - 1] = *v; /* ascending versions: the later is newer */
		p->rows[p->n - 1].subject = p->subjects[p->n - 1];
		return 0;
	}
	p->total++;
	if (p->n == sizeof p->rows / sizeof p->rows[0])
		return 0;
	if (!(p->subjects[p->n] = strdup(v->subject)))
		return 0;
	p->rows[p->n] = *v;
	p->rows[p->n].subject = p->subjects[p->n];
	p->n++;
	return 0;
}

/* Java's String.hashCode() of UTF-8 `s`, over its UTF-16 units. */
static uint32_t api_java_hash(const char *s)
{
	uint32_t h = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp = *p++;
		int more = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : cp >= 0xC0 ? 1 : 0;
		if (more)
			cp &= 0x3Fu >> more;
		for (; more && (*p & 0xC0) == 0x80; more--)
			cp = (cp << 6) | (*p++ & 0x3F);
		if (cp > 0xFFFF) {
			cp -= 0x10000;
			h = 31 * h + (0xD800 + (cp >> 10));
			h = 31 * h + (0xDC00 + (cp & 0x3FF));
		} else {
			h = 31 * h + cp;
		}
	}
	return h;
}

/* The row Confluent's schemaKeyById picks, or NULL when none. */
static const struct store_version *api_id_pick_first(const struct api_id_pick *p)
{
	uint32_t size = 16;
	while (p->total >= size - size / 4)
		size *= 2;
	const struct store_version *best = NULL;
	uint32_t best_bucket = 0;
	for (size_t i = 0; i < p->n; i++) {
		uint32_t h = api_java_hash(p->rows[i].subject);
		uint32_t bucket = ((h ^ (h >> 16)) & 0x7fffffffu) & (size - 1);
		if (!best || bucket < best_bucket) {
			best = &p->rows[i];
			best_bucket = bucket;
		}
	}
	return best;
}

/* Stamps `ent` with the ts and deleted of the version Confluent shows.
 * 0 or -1. */
static int api_id_stamp(struct store_tx *tx, int32_t id, json_t *ent, struct sg_error *e)
{
	struct api_id_pick p = {0};
	int rc = store_versions_by_schema(tx, id, 1, api_id_pick_cb, &p, e) < 0 ? -1 : 0;
	if (rc == 0)
		api_schemas_stamp(ent, api_id_pick_first(&p));
	for (size_t i = 0; i < p.n; i++)
		free(p.subjects[i]);
	return rc;
}

/* GET /schemas/ids/{id}, or with `raw` .../schema (the text alone), of
 * schema `id`. Without ?fetchMaxId or ?format=resolved the body comes from,
 * or goes into, the id cache; `gen` keeps out a body read before a purge. */
int api_schemas_qualify_refs(struct api_ctx *c, json_t *ent, struct sg_error *e)
{
	const char *format = api_query(c, "referenceFormat");
	const char *parent = json_string_value(json_object_get(ent, "subject"));
	json_t *refs = json_object_get(ent, "references");
	struct qsubject q;
	if (!format || strcmp(format, "qualified") != 0 || !parent || !json_array_size(refs))
		return 0;
	qsubject_parse(parent, &q);
	if (qsubject_is_default(&q))
		return 0;
	for (size_t i = 0; i < json_array_size(refs); i++) {
		json_t *ref = json_array_get(refs, i);
		const char *given = json_string_value(json_object_get(ref, "subject"));
		if (!given)
			continue;
		size_t cap = strlen(parent) + strlen(given) + 3;
		char *to = malloc(cap);
		if (!to || qsubject_resolve_ref(parent, given, to, cap, e) < 0) {
			free(to);
			return error_set(e, SG_ENOMEM, "out of memory");
		}
		json_t *v = json_string(to);
		free(to);
		if (!v || json_object_set_new(ref, "subject", v) < 0)
			return error_set(e, SG_ENOMEM, "out of memory");
	}
	return 0;
}

static void api_schemas_by_id_common(struct api_ctx *c, int32_t shown, int64_t id, int raw)
{
	int max_id = !raw && api_query_bool(c, "fetchMaxId");
	/* ?format=resolved is built from the entity, even for the raw text, and
	 * not cached; nor is an answer to ?subject=, which names it. */
	int resolved = api_schemas_wants_formatted(c);
	struct store_version named = {0};
	int cached = !max_id && !resolved && !api_query(c, "subject");
	/* Cache keys: the schema key for the entity, minus it for the raw text
	 * (keys are > 0). */
	int64_t key = raw ? -(int64_t)id : id;
	size_t len = 0;
	char *body;
	if (c->a->auth) {
		struct store_tx *atx = api_read(c);
		if (!atx)
			return;
		struct sg_error ae = {0};
		int readable = api_id_readable(c, atx, id, &ae);
		store_end(atx);
		if (readable < 0) {
			api_send_error(c, &ae);
			return;
		}
		if (!readable) {
			api_fail(c, SG_ESCHEMA_NOT_FOUND, "Schema %d not found", (int)shown);
			return;
		}
	}
	if (id > 0 && cached && (body = idcache_get(c->a->ids, key, &len))) {
		api_send(c, 200, body, len);
		return;
	}
	uint64_t gen = idcache_generation(c->a->ids);
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	struct api_schemastring ss = {raw && !resolved, NULL, NULL};
	int r = id > 0 ? store_schema_get(tx, id, api_schemastring_cb, &ss, &e) : 0;
	int64_t max = 0;
	if (r == 1 && resolved && api_schemas_format_by_id(c, tx, id, ss.out, &e) < 0)
		r = -1;
	if (r == 1 && ss.out && api_id_stamp(tx, id, ss.out, &e) < 0)
		r = -1;
	if (r == 1 && max_id)
		max = store_schema_max_id_in(tx, STORE_KEY_CONTEXT(id), &e);
	if (r == 1 && api_query(c, "subject") &&
	    store_versions_by_schema(tx, id, 1, api_first_version_cb, &named, &e) < 0)
		r = -1;
	if (r == 1 && named.subject && ss.out) {
		json_object_set_new(ss.out, "subject", json_string(named.subject));
		json_object_set_new(ss.out, "version", json_integer(named.version));
		if (api_schemas_qualify_refs(c, ss.out, &e) < 0)
			r = -1;
	}
	free((char *)named.subject);
	store_end(tx);
	if (r < 0 || max < 0) {
		api_send_error(c, &e);
	} else if (r == 0) {
		api_fail(c, SG_ESCHEMA_NOT_FOUND, "Schema %d not found", (int)shown);
	} else if (raw && resolved) {
		api_send_text(c, json_string_value(json_object_get(ss.out, "schema")));
	} else if (raw) {
		if (!ss.text) {
			api_fail(c, SG_ENOMEM, "out of memory");
		} else {
			idcache_put(c->a->ids, key, ss.text, strlen(ss.text), gen);
			api_send(c, 200, ss.text, strlen(ss.text));
			ss.text = NULL;
		}
	} else {
		if (max_id && ss.out)
			json_object_set_new(ss.out, "maxId", json_integer(max));
		body = ss.out ? jsonio_dump(ss.out, &len) : NULL;
		if (!body) {
			api_fail(c, SG_ENOMEM, "out of memory");
		} else {
			if (cached)
				idcache_put(c->a->ids, key, body, len, gen);
			api_send(c, 200, body, len);
		}
	}
	json_decref(ss.out);
	free(ss.text);
}

/* GET /schemas/ids/{id} */
void api_schemas_by_id(struct api_ctx *c)
{
	int32_t id;
	int64_t key;
	if (api_id_param(c, &id) == 0 && api_schemas_key(c, id, &key) == 0)
		api_schemas_by_id_common(c, id, key, 0);
}

/* GET /schemas/ids/{id}/schema */
void api_schemas_by_id_raw(struct api_ctx *c)
{
	int32_t id;
	int64_t key;
	if (api_id_param(c, &id) == 0 && api_schemas_key(c, id, &key) == 0)
		api_schemas_by_id_common(c, id, key, 1);
}

/* The schema id of the GUID in the path (segment 2; any letter case), or 0
 * when none has it (answered 40403 "Schema <guid> not found", as Confluent's
 * getSchemaByGuid does), or -1 (answered). */
static int64_t api_guid_param(struct api_ctx *c)
{
	const char *param = c->req->segs[2];
	char guid[GUID_TEXT_LEN + 1];
	if (!guid_valid(param)) {
		api_fail(c, SG_ESCHEMA_NOT_FOUND, "Schema %s not found", param);
		return 0;
	}
	for (int i = 0; i <= GUID_TEXT_LEN; i++)
		guid[i] = (char)tolower((unsigned char)param[i]);
	struct store_tx *tx = api_read(c);
	if (!tx)
		return -1;
	struct sg_error e = {0};
	int64_t id = store_schema_by_guid(tx, guid, &e);
	int readable = id > 0 ? api_id_readable(c, tx, id, &e) : 0;
	store_end(tx);
	if (id < 0 || readable < 0) {
		api_send_error(c, &e);
		return -1;
	}
	if (id == 0 || !readable)
		api_fail(c, SG_ESCHEMA_NOT_FOUND, "Schema %s not found", param);
	return readable ? id : 0;
}

/* GET /schemas/guids/{guid}: the SchemaString of the schema with that GUID,
 * as GET /schemas/ids/{id} answers it (Confluent's getByGuid). */
void api_schemas_by_guid(struct api_ctx *c)
{
	int64_t id = api_guid_param(c);
	if (id > 0)
		api_schemas_by_id_common(c, (int32_t)STORE_KEY_ID(id), id, 0);
}

/* A store_guid_keys() callback: one {"context", "id"} of a readable key. */
struct api_guid_ids {
	struct api_ctx *c;
	struct store_tx *tx;
	json_t *out;
	struct sg_error *e;
};

static int api_guid_ids_cb(void *ctx, const char *context, int64_t key)
{
	struct api_guid_ids *g = ctx;
	int readable = api_id_readable(g->c, g->tx, key, g->e);
	if (readable > 0)
		json_array_append_new(g->out, json_pack("{s:s, s:I}", "context", context, "id",
		                                        (json_int_t)STORE_KEY_ID(key)));
	return readable < 0 ? -1 : 0;
}

/* GET /schemas/guids/{guid}/ids: [{"context": ".", "id": N}], the ids the
 * GUID has in each context ([] when none), ordered by context as
 * Confluent's listIdsForGuid sorts its ContextIds. */
void api_schemas_guid_ids(struct api_ctx *c)
{
	const char *param = c->req->segs[2];
	char guid[GUID_TEXT_LEN + 1] = "";
	for (int i = 0; guid_valid(param) && i <= GUID_TEXT_LEN; i++)
		guid[i] = (char)tolower((unsigned char)param[i]);
	json_t *out = json_array();
	struct store_tx *tx = api_read(c);
	if (!tx) {
		json_decref(out);
		return;
	}
	struct sg_error e = {0};
	struct api_guid_ids g = {c, tx, out, &e};
	int r = *guid ? store_guid_keys(tx, guid, api_guid_ids_cb, &g, &e) : 0;
	store_end(tx);
	if (r < 0) {
		json_decref(out);
		api_send_error(c, &e);
		return;
	}
	api_send_json(c, out);
}

/* GET /schemas/ids/{id}/subjects and /versions. */
struct api_id_list {
	struct api_ctx *c;
	json_t *out;
	int versions; /* SubjectVersion objects, else distinct subjects */
};

/* A store_versions_by_schema() callback; rows come ordered by subject. Only
 * subjects the principal may read are listed. */
static int api_id_list_cb(void *ctx, const struct store_version *v)
{
	struct api_id_list *l = ctx;
	if (!api_may_read(l->c, v->subject))
		return 0;
	if (l->versions) {
		json_array_append_new(
		    l->out, json_pack("{s:s, s:i}", "subject", v->subject, "version", v->version));
		return 0;
	}
	size_t n = json_array_size(l->out);
	const char *last = n ? json_string_value(json_array_get(l->out, n - 1)) : NULL;
	if (!last || strcmp(last, v->subject) != 0)
		json_array_append_new(l->out, json_string(v->subject));
	return 0;
}

int api_schemas_exists_cb(void *ctx, const struct store_schema *s)
{
	(void)ctx;
	(void)s;
	return 0;
}

/* GET /schemas/ids/{id}/subjects, or with `versions` .../versions: a 40403
 * when the schema does not exist, else the page of its users. */
static void api_schemas_id_list(struct api_ctx *c, int versions)
{
	int32_t shown;
	int64_t id;
	int offset, limit;
	if (api_id_param(c, &shown) < 0 || api_query_int(c, "offset", 0, &offset) < 0 ||
	    api_query_int(c, "limit", -1, &limit) < 0 || api_schemas_key(c, shown, &id) < 0)
		return;
	int deleted = api_query_bool(c, "deleted");
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	struct api_id_list l = {c, json_array(), versions};
	int r = id > 0 ? store_schema_get(tx, id, api_schemas_exists_cb, NULL, &e) : 0;
	if (r == 1)
		r = api_id_readable(c, tx, id, &e);
	if (r == 1 && store_versions_by_schema(tx, id, deleted, api_id_list_cb, &l, &e) < 0)
		r = -1;
	store_end(tx);
	if (r < 0) {
		json_decref(l.out);
		api_send_error(c, &e);
		return;
	}
	if (r == 0) {
		json_decref(l.out);
		api_fail(c, SG_ESCHEMA_NOT_FOUND, "Schema not found");
		return;
	}
	api_send_json(c, api_page(l.out, offset, limit));
}

void api_schemas_id_subjects(struct api_ctx *c)
{
	api_schemas_id_list(c, 0);
}

void api_schemas_id_versions(struct api_ctx *c)
{
	api_schemas_id_list(c, 1);
}

/* ---- GET /schemas ---- */

/* Confluent 8.1's getSchemas answers ExtendedSchema entities, built from the
 * Schema of each version by a constructor that copies neither its ts nor its
 * deleted flag: a listed entity carries neither. */

struct api_schemas_list {
	struct api_ctx *c;
	const char *prefix; /* as Confluent's subjectPrefix (registry/qsubject.h) */
	struct api_pager pg;
	int latest_only;
	json_t *pending; /* latestOnly: the newest row of the current subject */
	char *pending_subject;
};

/* Emits the pending row (latestOnly). Returns 1 when the page is full. */
static int api_schemas_flush(struct api_schemas_list *l)
{
	int full = l->pending ? api_pager_push(&l->pg, l->pending) : 0;
	l->pending = NULL;
	free(l->pending_subject);
	l->pending_subject = NULL;
	return full;
}

/* A store_schemas_by_prefix() callback; rows come ordered by subject then
 * version, so with latestOnly the last row of a subject is kept pending
 * until the next subject starts. */
static int api_schemas_cb(void *ctx, const struct store_version *v, const struct store_schema *s)
{
	struct api_schemas_list *l = ctx;
	if (!qsubject_prefix_matches(l->prefix, v->subject) || !api_may_read(l->c, v->subject))
		return 0;
	if (!l->latest_only) {
		if (l->pg.skip && !l->pg.keep) {
			l->pg.skip--;
			return 0;
		}
		return api_pager_push(&l->pg, api_schemas_entity(v, s));
	}
	if (l->pending_subject && strcmp(l->pending_subject, v->subject) != 0 &&
	    api_schemas_flush(l))
		return 1;
	json_decref(l->pending);
	l->pending = api_schemas_entity(v, s);
	if (!l->pending_subject)
		l->pending_subject = strdup(v->subject);
	return 0;
}

/* ---- GET /schemas?aliases=true ----
 *
 * Confluent 8.1's allVersionsIncludingAliasesWithSubjectPrefix: the configs
 * of the subjects under the prefix (the registry's own config is not among
 * them) name alias targets; every listed schema of a target carries
 * "aliases", the subjects whose config points at it (in subject order); the
 * versions of a target outside the prefix are listed too, with the same
 * deleted and latestOnly rules; the whole list is sorted by subject (Java's
 * String.compareTo, UTF-16 code units) then version, and paged after. An
 * alias names its target as written: only the default context exists here.
 * With authorization on, unreadable subjects are neither listed nor named in
 * "aliases". */

/* The next code point of UTF-8 `*p` (0 at the end), advancing *p. */
static uint32_t api_utf8_next(const unsigned char **p)
{
	uint32_t cp = *(*p)++;
	if (!cp) {
		(*p)--;
		return 0;
	}
	int more = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : cp >= 0xC0 ? 1 : 0;
	if (more)
		cp &= 0x3Fu >> more;
	for (; more && (**p & 0xC0) == 0x80; more--)
		cp = (cp << 6) | (*(*p)++ & 0x3F);
	return cp;
}

/* Java's String.compareTo of two UTF-8 strings: < 0, 0 or > 0 as `a` sorts
 * before, with or after `b` by UTF-16 code units (a supplementary character,
 * a surrogate pair, sorts before U+E000..U+FFFF). */
static int api_java_strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	for (;;) {
		uint32_t x = api_utf8_next(&p), y = api_utf8_next(&q);
		if (x != y) {
			uint32_t ux = x > 0xFFFF ? 0xD800 + ((x - 0x10000) >> 10) : x;
			uint32_t uy = y > 0xFFFF ? 0xD800 + ((y - 0x10000) >> 10) : y;
			if (ux != uy)
				return ux < uy ? -1 : 1;
			return x < y ? -1 : 1; /* same high surrogate: by the low one */
		}
		if (!x)
			return 0;
	}
}

/* Schema.compareTo: by subject, then version. */
static int api_entity_cmp(const json_t *a, const json_t *b)
{
	int r = api_java_strcmp(json_string_value(json_object_get(a, "subject")),
	                        json_string_value(json_object_get(b, "subject")));
	if (r)
		return r;
	json_int_t x = json_integer_value(json_object_get(a, "version"));
	json_int_t y = json_integer_value(json_object_get(b, "version"));
	return (x > y) - (x < y);
}

static int api_entity_qsort_cmp(const void *a, const void *b)
{
	return api_entity_cmp(*(json_t *const *)a, *(json_t *const *)b);
}

struct api_aliases {
	struct api_ctx *c;
	const char *prefix;  /* subjectPrefix, as qsubject_prefix_matches() reads it */
	json_t *by_target;   /* target subject -> array of the subjects aliasing it */
	json_t **extra;      /* entities of the targets outside the prefix, sorted */
	size_t n, cap, next; /* next: the first of `extra` not yet paged */
	struct api_pager *pg;
	int latest_only;
	json_t *pending;    /* latestOnly: the newest row of the current subject */
	const char *target; /* loading `extra`: the subject scanned */
};

/* A store_configs_by_prefix() callback: files the config's subject under the
 * target its "alias" names, keeping each list in Java's subject order. */
static int api_aliases_config_cb(void *ctx, const char *subject, const char *json)
{
	struct api_aliases *al = ctx;
	json_t *cfg = json_loads(json, 0, NULL);
	const char *target = json_string_value(json_object_get(cfg, "alias"));
	int rc = 0;
	if (target && *target && qsubject_prefix_matches(al->prefix, subject) &&
	    api_may_read(al->c, subject)) {
		json_t *list = json_object_get(al->by_target, target);
		if (!list) {
			list = json_array();
			if (json_object_set_new(al->by_target, target, list) < 0)
				list = NULL;
		}
		size_t i = json_array_size(list);
		while (i > 0 &&
		       api_java_strcmp(json_string_value(json_array_get(list, i - 1)), subject) > 0)
			i--;
		if (!list || json_array_insert_new(list, i, json_string(subject)) < 0)
			rc = -1;
	}
	json_decref(cfg);
	return rc;
}

/* Gives `ent` the "aliases" of its subject, when any subject aliases it. */
static void api_aliases_mark(struct api_aliases *al, json_t *ent)
{
	json_t *list =
	    json_object_get(al->by_target, json_string_value(json_object_get(ent, "subject")));
	if (json_array_size(list))
		json_object_set(ent, "aliases", list);
}

/* Appends `ent` (taken; NULL is out of memory) to al->extra. 0 or -1. */
static int api_aliases_keep(struct api_aliases *al, json_t *ent)
{
	if (!ent)
		return -1;
	if (al->n == al->cap) {
		size_t cap = al->cap ? 2 * al->cap : 16;
		json_t **grown = realloc(al->extra, cap * sizeof *grown);
		if (!grown) {
			json_decref(ent);
			return -1;
		}
		al->extra = grown;
		al->cap = cap;
	}
	api_aliases_mark(al, ent);
	al->extra[al->n++] = ent;
	return 0;
}

/* A store_schemas_by_prefix() callback over the rows of subjects starting
 * with al->target: keeps those of the target itself (the first rows, as
 * the shortest name sorts first), the newest alone with latestOnly. */
static int api_aliases_target_cb(void *ctx, const struct store_version *v,
                                 const struct store_schema *s)
{
	struct api_aliases *al = ctx;
	if (strcmp(v->subject, al->target) != 0)
		return 1;
	if (al->latest_only) {
		json_decref(al->pending);
		al->pending = api_schemas_entity(v, s);
		return al->pending ? 0 : -1;
	}
	return api_aliases_keep(al, api_schemas_entity(v, s));
}

/* Pages the kept entities of al->extra that sort before `ent` (all of them
 * when `ent` is NULL). Returns 1 when the page is full. */
static int api_aliases_drain(struct api_aliases *al, const json_t *ent)
{
	while (al->next < al->n && (!ent || api_entity_cmp(al->extra[al->next], ent) < 0)) {
		json_t *x = al->extra[al->next];
		al->extra[al->next++] = NULL;
		if (api_pager_push(al->pg, x))
			return 1;
	}
	return 0;
}

/* Pages `ent` (taken) after the kept entities sorting before it. Returns 1
 * when the page is full. */
static int api_aliases_page(struct api_aliases *al, json_t *ent)
{
	if (!ent)
		return 0;
	if (api_aliases_drain(al, ent)) {
		json_decref(ent);
		return 1;
	}
	api_aliases_mark(al, ent);
	return api_pager_push(al->pg, ent);
}

/* A store_schemas_by_prefix() callback over the subjects under the prefix,
 * in subject then version order; with latestOnly a subject's newest row is
 * held until the next subject starts. */
static int api_aliases_row_cb(void *ctx, const struct store_version *v,
                              const struct store_schema *s)
{
	struct api_aliases *al = ctx;
	if (!qsubject_prefix_matches(al->prefix, v->subject) || !api_may_read(al->c, v->subject))
		return 0;
	if (!al->latest_only)
		return api_aliases_page(al, api_schemas_entity(v, s));
	if (al->pending &&
	    strcmp(json_string_value(json_object_get(al->pending, "subject")), v->subject) != 0) {
		json_t *done = al->pending;
		al->pending = NULL;
		if (api_aliases_page(al, done))
			return 1;
	}
	json_decref(al->pending);
	al->pending = api_schemas_entity(v, s);
	return 0;
}

/* Fills `pg` with the page of GET /schemas?aliases=true under `prefix`.
 * Returns >= 0, or -1 with `err` set. */
static int api_schemas_aliases(struct api_ctx *c, struct store_tx *tx, const char *prefix,
                               enum store_filter f, int latest_only, struct api_pager *pg,
                               struct sg_error *err)
{
	struct api_aliases al = {.c = c,
	                         .prefix = prefix,
	                         .by_target = json_object(),
	                         .pg = pg,
	                         .latest_only = latest_only};
	const char *scan = qsubject_prefix_scan(prefix);
	int r =
	    al.by_target ? store_configs_by_prefix(tx, scan, api_aliases_config_cb, &al, err) : -1;
	if (r < 0 && !err->code)
		error_set(err, SG_ENOMEM, "out of memory");
	const char *target;
	json_t *list;
	json_object_foreach(al.by_target, target, list)
	{
		if (r < 0)
			break;
		if (qsubject_prefix_matches(prefix, target) || !api_may_read(c, target))
			continue; /* under the prefix: listed by the scan below */
		al.target = target;
		r = store_schemas_by_prefix(tx, target, f, api_aliases_target_cb, &al, err);
		if (r >= 0 && al.pending) {
			r = api_aliases_keep(&al, al.pending);
			al.pending = NULL;
		}
		if (r < 0 && !err->code)
			error_set(err, SG_ENOMEM, "out of memory");
	}
	if (al.n)
		qsort(al.extra, al.n, sizeof *al.extra, api_entity_qsort_cmp);
	if (r >= 0)
		r = store_schemas_by_prefix(tx, scan, f, api_aliases_row_cb, &al, err);
	if (r >= 0) {
		json_t *last = al.pending;
		al.pending = NULL;
		if (!api_aliases_page(&al, last))
			api_aliases_drain(&al, NULL);
	}
	json_decref(al.pending);
	for (size_t i = al.next; i < al.n; i++)
		json_decref(al.extra[i]);
	free(al.extra);
	json_decref(al.by_target);
	return r;
}

/* Whether entity `v` has a rule of type `arg` in any of its rule set's lists
 * (Confluent's RuleSet.hasRulesWithType: the type compared exactly). */
static int api_schemas_has_rule_type(const json_t *v, const void *arg)
{
	static const char *const lists[] = {"domainRules", "migrationRules", "encodingRules"};
	const json_t *rs = json_object_get(v, "ruleSet");
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		size_t j;
		const json_t *rule;
		json_array_foreach(json_object_get(rs, lists[i]), j, rule)
		{
			const char *type = json_string_value(json_object_get(rule, "type"));
			if (type && strcmp(type, arg) == 0)
				return 1;
		}
	}
	return 0;
}

/* GET /schemas: pages of at most API_SCHEMA_LIMIT, of the subjects the
 * principal may read. ?ruleType= keeps the schemas with a rule of that type,
 * after latestOnly picked each subject's newest (Confluent 8.1's postFilter
 * in schemasByVersion), before offset and limit. */
void api_schemas_list(struct api_ctx *c)
{
	int offset, limit;
	if (api_query_int(c, "offset", 0, &offset) < 0 || api_query_int(c, "limit", -1, &limit) < 0)
		return;
	if (limit <= 0 || limit > API_SCHEMA_LIMIT)
		limit = API_SCHEMA_LIMIT;
	const char *prefix = api_query(c, "subjectPrefix");
	char *fixed = prefix ? jsonio_utf8_repair(prefix) : NULL;
	/* Without a prefix, the default context's schemas (Confluent's ""). */
	struct api_schemas_list l = {
	    .c = c, .prefix = fixed ? fixed : "", .latest_only = api_query_bool(c, "latestOnly")};
	api_pager_init(&l.pg, offset, limit);
	const char *rule_type = api_query(c, "ruleType");
	if (rule_type && *rule_type) {
		l.pg.keep = api_schemas_has_rule_type;
		l.pg.keep_arg = rule_type;
	}
	enum store_filter f = api_query_bool(c, "deleted") ? STORE_ALL : STORE_LIVE;
	struct store_tx *tx = api_read(c);
	if (!tx) {
		free(fixed);
		json_decref(l.pg.out);
		return;
	}
	struct sg_error e = {0};
	int r = api_query_bool(c, "aliases")
	            ? api_schemas_aliases(c, tx, l.prefix, f, l.latest_only, &l.pg, &e)
	            : store_schemas_by_prefix(tx, qsubject_prefix_scan(l.prefix), f, api_schemas_cb,
	                                      &l, &e);
	store_end(tx);
	api_schemas_flush(&l);
	free(fixed);
	if (r < 0) {
		json_decref(l.pg.out);
		api_send_error(c, &e);
		return;
	}
	api_send_json(c, l.pg.out);
}
