/* registry/api/register.c: POST /subjects/{subject}/versions, registering a
 * schema under a subject.
 *
 * api_register() runs the steps of api_register_steps[] in order over one
 * struct api_reg until one answers: the request alone, the read-only answer
 * to a schema already registered, then under the store's single write
 * transaction the mode gate, the fill-in from the previous version, the
 * de-duplication, the compatibility check, the version number, the id
 * allocation and the insert. Every check the write depends on happens
 * inside that transaction, so concurrent requests cannot interleave between
 * a check and the write it guards.
 */
#include "registry/api/internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "compat/ruleset.h"
#include "registry/compatreport.h"
#include "registry/entity.h"
#include "registry/schemacache.h"

/* A registration in progress: what its steps share. Zeroed (but for `c`),
 * it holds nothing; api_register_clear() releases what it holds. */
struct api_reg {
	struct api_ctx *c;
	struct api_sreq r;
	const char *bad_ref; /* the request's first incomplete reference */
	int normalize;       /* ?normalize=true, or the config's normalize */
	struct store_tx *tx; /* the write transaction, from the mode gate on */
	int import;          /* the subject is in IMPORT mode */
	json_t *cfg;         /* the config that applies to the subject */
	json_t *prev;        /* the latest live version's entity, or NULL */
	int next_version;    /* one more than the newest version, deleted or not */
	/* The schema to register: the request's, or filled in from `prev`. */
	const char *text;
	const char *type_name;
	enum schema_type type;
	const struct store_ref *refs;
	size_t nrefs;
	struct store_ref *prev_refs; /* owned: `refs` when taken from `prev` */
	json_t *meta, *rules;        /* with the config's defaults and overrides */
	struct api_cand cd;
	int64_t existing;  /* the id of the same schema already stored, or 0 */
	int64_t schema_id; /* the key to register: the request's, `existing`, or -1 */
	int64_t context;   /* the subject's context's number (store.h) */
	int version;       /* the version to register */
	/* IMPORT: the version is taken, by this schema key; the registration
	 * replaces it (Confluent's kafkaStore.put of the same SchemaKey). */
	int64_t overwrites;
};

static void api_register_clear(struct api_reg *g)
{
	store_end(g->tx);
	api_sreq_clear(&g->r);
	json_decref(g->cfg);
	json_decref(g->prev);
	free(g->prev_refs);
	json_decref(g->meta);
	json_decref(g->rules);
	api_cand_clear(g->c->a, &g->cd);
	memset(g, 0, sizeof *g);
}

/* The answer to a registration, Confluent 8's RegisterSchemaResponse of the
 * schema as registered (or found): version, id, guid, schemaType,
 * references (when any), metadata and ruleSet (when set, also when the
 * registry filled them in from the previous version or the config), and
 * the schema text. */
static json_t *api_register_full(const struct api_cand *cd, int version, int64_t id)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	struct store_schema content;
	api_cand_content(cd, &content);
	if (version > 0)
		json_object_set_new(o, "version", json_integer(version));
	json_object_set_new(o, "id", json_integer(STORE_KEY_ID(id)));
	if (api_schemas_identity(o, &content) < 0) {
		json_decref(o);
		return NULL;
	}
	if (cd->refs_json && json_array_size(cd->refs_json))
		json_object_set(o, "references", cd->refs_json);
	if (cd->meta_text)
		json_object_set_new(o, "metadata", json_loads(cd->meta_text, 0, NULL));
	if (cd->rules_text)
		json_object_set_new(o, "ruleSet", json_loads(cd->rules_text, 0, NULL));
	json_object_set_new(o, "schema", json_string(cd->text));
	return o;
}

/* Ends the transaction (the writer is free before the answer is written)
 * and sends `answer` (stolen; NULL is out of memory). Returns 1, a step's
 * "answered". */
static int api_register_reply(struct api_reg *g, json_t *answer)
{
	store_end(g->tx);
	g->tx = NULL;
	api_send_json(g->c, answer);
	return 1;
}

/* The answer when the schema matched stored version `version` but for its
 * confluent:version (canLookup): Confluent answers that stored version
 * (its Schema entity as a RegisterSchemaResponse: ts and deleted too, no
 * subject). NULL with `e` set on failure. */
static json_t *api_register_stored(struct store_tx *tx, const char *subject, int version,
                                   int64_t id, struct sg_error *e)
{
	struct store_version row;
	json_t *ent = NULL;
	int r = store_version_get(tx, subject, version, &row, e);
	if (r == 1)
		r = api_schemas_load(tx, id, &row, &ent, e);
	if (r != 1) {
		if (r == 0)
			error_set(e, SG_ESTORE, "version %d of subject '%s' went away", version,
			          subject);
		json_decref(ent);
		return NULL;
	}
	json_object_del(ent, "subject");
	return ent;
}

/* Answers with schema `id` at `version`. Returns 1. */
static int api_register_answer(struct api_reg *g, int version, int64_t id)
{
	return api_register_reply(g, api_register_full(&g->cd, version, id));
}

/* Purges soft-deleted versions of `subject` older than `below` that use
 * schema `id`, unless something refers to them (Confluent tombstones them
 * when the schema is registered again). */
struct api_stale {
	int64_t id;
	int below;
	json_t *versions;
};

static int api_stale_cb(void *ctx, const struct store_version *v)
{
	struct api_stale *s = ctx;
	if (v->deleted && v->schema_id == s->id && v->version < s->below)
		json_array_append_new(s->versions, json_integer(v->version));
	return 0;
}

static int api_purge_stale(struct store_tx *tx, const char *subject, int64_t id, int below,
                           struct sg_error *err)
{
	struct api_stale s = {id, below, json_array()};
	if (!s.versions)
		return error_set(err, SG_ENOMEM, "out of memory");
	int rc =
	    store_versions(tx, subject, STORE_DELETED_ONLY, api_stale_cb, &s, err) < 0 ? -1 : 0;
	for (size_t i = 0; rc == 0 && i < json_array_size(s.versions); i++) {
		int v = (int)json_integer_value(json_array_get(s.versions, i));
		int ref = api_versions_referenced(tx, subject, v, 1, NULL, err);
		if (ref < 0 || (ref == 0 && store_version_purge(tx, subject, v, NULL, err) < 0))
			rc = -1;
	}
	json_decref(s.versions);
	return rc;
}

/* Each step of a registration returns 0 to go on, 1 when it has answered
 * (response sent), or -1 with `e` set for api_register() to send. */

/* The request alone: its ruleSet is validated before the subject name, as
 * Confluent does. */
static int api_register_check(struct api_reg *g, struct sg_error *e)
{
	if (ruleset_validate(json_object_get(g->r.body, "ruleSet"), e) < 0)
		return -1;
	if (api_check_subject(g->c) < 0)
		return 1;
	g->normalize = api_query_bool(g->c, "normalize");
	return 0;
}

/* The read-only first step, as Confluent's registerOrForward: a schema
 * already registered under the subject is answered without taking the
 * writer, whatever the mode. */
static int api_register_known(struct api_reg *g, struct sg_error *e)
{
	struct api_ctx *c = g->c;
	const struct api_sreq *r = &g->r;
	if (!r->text || !*r->text)
		return 0;
	struct store_tx *tx = store_read(c->a->st, e);
	if (!tx)
		return -1;
	int ret = -1;
	json_t *answer = NULL;
	struct api_cand cd = {0};
	json_t *cfg = api_config_scope(tx, c->subject, e);
	if (!cfg)
		goto out;
	int normalize = g->normalize || json_is_true(json_object_get(cfg, "normalize"));
	if (entity_config_has_defaults(cfg)) {
		ret = 0;
		goto out;
	}
	if (api_cand_build(c->a, tx, r, r->text, SCHEMA_AVRO, r->type_name, r->refs, r->nrefs,
	                   g->bad_ref, normalize, c->context, &cd, e) < 0)
		goto out;
	struct store_schema content;
	api_cand_content(&cd, &content);
	int known = api_subject_context(c, tx, 0, &content.context, e);
	if (known <= 0) {
		ret = known;
		goto out;
	}
	int64_t id = store_schema_find(tx, &content, e);
	if (id < 0)
		goto out;
	int version = id > 0 ? api_versions_of(tx, c->subject, id, 0, e) : 0;
	int equivalent = 0;
	if (version == 0 && (r->version == 0 || r->version == -1)) {
		version = api_cand_equivalent(tx, c->subject, &cd, &id, e);
		equivalent = version > 0;
	}
	if (version < 0)
		goto out;
	ret = 0;
	if (version > 0) {
		if (r->version == 0 || r->version == -1) {
			if (r->id < 0 || r->id == STORE_KEY_ID(id)) {
				answer = equivalent
				             ? api_register_stored(tx, c->subject, version, id, e)
				             : api_register_full(&cd, version, id);
				ret = answer || e->code == SG_OK ? 1 : -1;
			}
		} else if (r->id == STORE_KEY_ID(id) && r->version == version) {
			answer = api_register_full(&cd, version, id);
			ret = 1;
		}
	}
out:
	json_decref(cfg);
	api_cand_clear(c->a, &cd);
	store_end(tx);
	return ret == 1 ? api_register_reply(g, answer) : ret;
}

/* The mode gate: takes the writer, then refuses a read-only subject, a
 * principal without Admin an id or IMPORT mode, an id outside IMPORT mode,
 * and a registration without one outside READWRITE. */
static int api_register_mode(struct api_reg *g, struct sg_error *e)
{
	struct api_ctx *c = g->c;
	char mode[STORE_MODE_MAX];
	if (!(g->tx = api_write(c)))
		return 1;
	int gate = api_mode_gate(c, g->tx, mode, e);
	if (gate != 0)
		return gate;
	g->import = strcmp(mode, "IMPORT") == 0;
	/* Choosing the id, or importing, is for administrators. */
	if ((g->r.id >= 0 || g->import) && api_require(c, AUTH_ADMIN) < 0)
		return 1;
	/* checkRegisterMode's words, the context as qualifiedContextFor. */
	char ctx[STORE_CONTEXT_MAX + 3];
	api_mode_context_word(c->subject, ctx, sizeof ctx);
	if (g->r.id >= 0 && !g->import) {
		api_fail(c, SG_EOPERATION_NOT_PERMITTED,
		         "Subject %s in context %s is not in import or forward mode", c->subject,
		         ctx);
		return 1;
	}
	if (g->r.id < 0 && strcmp(mode, "READWRITE") != 0) {
		api_fail(c, SG_EOPERATION_NOT_PERMITTED,
		         "Subject %s in context %s is not in read-write mode", c->subject, ctx);
		return 1;
	}
	return 0;
}

/* Reads what the fill-in starts from: the next version number, the config
 * (and its normalize), the latest live version's entity. 0 or -1. */
static int api_register_previous(struct api_reg *g, struct sg_error *e)
{
	const char *subject = g->c->subject;
	struct store_version latest_any, latest;
	int has_any = store_version_latest(g->tx, subject, 1, &latest_any, e);
	int has_live = has_any < 0 ? -1 : store_version_latest(g->tx, subject, 0, &latest, e);
	if (has_any < 0 || has_live < 0)
		return -1;
	g->next_version = has_any ? latest_any.version + 1 : 1;
	if (!(g->cfg = api_config_scope(g->tx, subject, e)))
		return -1;
	g->normalize = g->normalize || json_is_true(json_object_get(g->cfg, "normalize"));
	if (has_live && api_schemas_load(g->tx, latest.schema_id, NULL, &g->prev, e) < 0)
		return -1;
	return 0;
}

/* An empty schema takes the previous version's text, type and references.
 * 0 or -1. A stored type this build does not know can only come from a
 * damaged store: a 500 that names the schema, as schemacache_get() words
 * it, not the client's 42201. */
static int api_register_fill_schema(struct api_reg *g, struct sg_error *e)
{
	g->text = json_string_value(json_object_get(g->prev, "schema"));
	g->type_name = json_string_value(json_object_get(g->prev, "schemaType"));
	g->type = SCHEMA_AVRO;
	if (g->type_name && schema_type_parse(g->type_name, &g->type) < 0)
		return error_set(e, SG_ESTORE, "schema %lld has an unknown type '%s'",
		                 (long long)json_integer_value(json_object_get(g->prev, "id")),
		                 g->type_name);
	json_t *refs = json_object_get(g->prev, "references");
	g->nrefs = json_array_size(refs);
	if (g->nrefs && !(g->prev_refs = calloc(g->nrefs, sizeof *g->prev_refs)))
		return error_set(e, SG_ENOMEM, "out of memory");
	for (size_t i = 0; i < g->nrefs; i++) {
		json_t *ref = json_array_get(refs, i);
		g->prev_refs[i].name = json_string_value(json_object_get(ref, "name"));
		g->prev_refs[i].subject = json_string_value(json_object_get(ref, "subject"));
		g->prev_refs[i].version = (int)json_integer_value(json_object_get(ref, "version"));
	}
	g->refs = g->prev_refs;
	g->bad_ref = NULL;
	return 0;
}

/* Metadata and rules come from the request, else the previous version, with
 * the config's defaults under and overrides over them; the metadata names
 * the version when the request gives one or the metadata already did. */
static void api_register_fill_extras(struct api_reg *g)
{
	const json_t *cfg = g->cfg;
	const json_t *meta = g->r.metadata ? g->r.metadata : json_object_get(g->prev, "metadata");
	const json_t *rules = g->r.ruleset ? g->r.ruleset : json_object_get(g->prev, "ruleSet");
	json_t *m1 = entity_metadata_merge(json_object_get(cfg, "defaultMetadata"), meta);
	g->meta = entity_metadata_merge(m1, json_object_get(cfg, "overrideMetadata"));
	json_decref(m1);
	json_t *r1 = entity_ruleset_merge(json_object_get(cfg, "defaultRuleSet"), rules);
	g->rules = entity_ruleset_merge(r1, json_object_get(cfg, "overrideRuleSet"));
	json_decref(r1);
	if (g->r.version != 0 || entity_metadata_property(g->meta, ENTITY_CONFLUENT_VERSION)) {
		char num[16];
		snprintf(num, sizeof num, "%d", g->next_version);
		json_t *m2 = entity_metadata_with_property(g->meta, ENTITY_CONFLUENT_VERSION, num);
		json_decref(g->meta);
		g->meta = m2;
	}
}

/* Confluent's maybePopulateFromPrevious (not in IMPORT mode), then the
 * candidate built from the result. */
static int api_register_fill(struct api_reg *g, struct sg_error *e)
{
	if (api_register_previous(g, e) < 0)
		return -1;
	g->text = g->r.text;
	g->type_name = g->r.type_name;
	g->type = SCHEMA_AVRO; /* unless type_name says otherwise */
	g->refs = g->r.refs;
	g->nrefs = g->r.nrefs;
	if (g->import) {
		g->meta = json_incref(g->r.metadata);
		g->rules = json_incref(g->r.ruleset);
	} else {
		if ((!g->text || !*g->text) && g->prev && api_register_fill_schema(g, e) < 0)
			return -1;
		api_register_fill_extras(g);
	}
	if (api_cand_build(g->c->a, g->tx, NULL, g->text, g->type, g->type_name, g->refs, g->nrefs,
	                   g->bad_ref, g->normalize, g->c->context, &g->cd, e) < 0 ||
	    api_cand_set_extras(&g->cd, g->meta, g->rules, e) < 0)
		return -1;
	return 0;
}

/* De-duplication: the same schema already stored is answered when the
 * subject has it (or a version equivalent to it), and otherwise reused; an
 * id in the request must be that schema's. */
static int api_register_dedup(struct api_reg *g, struct sg_error *e)
{
	struct api_ctx *c = g->c;
	struct store_schema content;
	api_cand_content(&g->cd, &content);
	/* The subject's context: made here, with the write transaction, as
	 * Confluent saves its ContextKey with the registration. */
	if (api_subject_context(c, g->tx, 1, &g->context, e) < 0)
		return -1;
	content.context = g->context;
	g->existing = store_schema_find(g->tx, &content, e);
	if (g->existing < 0)
		return -1;
	g->schema_id = g->r.id >= 0 ? STORE_KEY(g->context, g->r.id) : -1;
	if (g->existing > 0) {
		if (g->schema_id >= 0 && g->schema_id != g->existing) {
			api_fail(c, SG_EID_MISMATCH,
			         "Schema already registered with id %lld instead of input id %d",
			         (long long)STORE_KEY_ID(g->existing), g->r.id);
			return 1;
		}
		int v =
		    g->r.version == 0 ? api_versions_of(g->tx, c->subject, g->existing, 0, e) : 0;
		if (v < 0)
			return -1;
		if (v > 0)
			return api_register_answer(g, v, g->existing);
		g->schema_id = g->existing;
	}
	if (g->r.version == 0 && !g->import) {
		int64_t eq_id = 0;
		int v = api_cand_equivalent(g->tx, c->subject, &g->cd, &eq_id, e);
		if (v < 0)
			return -1;
		if (v > 0) {
			json_t *answer = api_register_stored(g->tx, c->subject, v, eq_id, e);
			return answer ? api_register_reply(g, answer) : -1;
		}
	}
	return 0;
}

/* Sends the 409 of an incompatible schema, with the check's messages. */
static int api_register_fail_incompatible(struct api_reg *g, const json_t *messages,
                                          struct sg_error *e)
{
	const char *subject = g->c->subject;
	char *list = compatreport_join(messages);
	size_t need = (list ? strlen(list) : 0) + strlen(subject) + 128;
	char *msg = malloc(need);
	if (!list || !msg) {
		free(list);
		free(msg);
		return error_set(e, SG_ENOMEM, "out of memory");
	}
	snprintf(msg, need,
	         "Schema being registered is incompatible with an earlier schema for "
	         "subject \"%s\", details: %s",
	         subject, list);
	api_send_error_msg(g->c, SG_ECONFLICT_INCOMPATIBLE, msg);
	free(list);
	free(msg);
	return 1;
}

/* Compatibility with the subject's history, as its config asks (not in
 * IMPORT mode). */
static int api_register_compat(struct api_reg *g, struct sg_error *e)
{
	if (g->import)
		return 0;
	struct api_history h = {0};
	json_t *messages = NULL;
	int rc = -1;
	if (api_history_for(g->c->a, g->tx, g->c->subject, g->cfg, &h, e) < 0)
		goto out;
	if (!(messages = json_array())) {
		error_set(e, SG_ENOMEM, "out of memory");
		goto out;
	}
	int ok =
	    api_history_check(g->cfg, schemacache_schema(g->cd.item), g->meta, &h, messages, e);
	if (ok >= 0)
		rc = ok ? 0 : api_register_fail_incompatible(g, messages, e);
out:
	api_history_clear(g->c->a, &h);
	json_decref(messages);
	return rc;
}

/* The version number: the next one, or the request's, which outside IMPORT
 * mode must be the next one, and may not be taken; in IMPORT mode a taken
 * version is replaced (api_register_insert). */
static int api_register_version(struct api_reg *g, struct sg_error *e)
{
	struct api_ctx *c = g->c;
	g->version = g->next_version;
	if (g->r.version <= 0)
		return 0;
	if (g->r.version != g->next_version && !g->import) {
		api_fail(c, SG_EINVALID_SCHEMA, "Version is not one more than previous version");
		return 1;
	}
	g->version = g->r.version;
	struct store_version taken;
	int t = store_version_get(g->tx, c->subject, g->version, &taken, e);
	if (t < 0)
		return -1;
	if (t == 1 && g->import) {
		g->overwrites = taken.schema_id;
		return 0;
	}
	if (t == 1) {
		api_fail(c, SG_EOPERATION_NOT_PERMITTED,
		         "Overwrite of version %d of subject %s is not permitted.", g->version,
		         c->subject);
		return 1;
	}
	return 0;
}

/* Id allocation: a new schema gets the request's id, which must be free and
 * not 0, or the store's next one. */
static int api_register_allocate(struct api_reg *g, struct sg_error *e)
{
	if (g->existing > 0 && g->schema_id == g->existing)
		return 0;
	if (g->schema_id >= 0 && STORE_KEY_ID(g->schema_id) == 0) {
		api_fail(g->c, SG_EOPERATION_NOT_PERMITTED,
		         "Schema id 0 is not permitted: ids start at 1");
		return 1;
	}
	if (g->schema_id > 0) {
		int taken = store_schema_get(g->tx, g->schema_id, api_schemas_exists_cb, NULL, e);
		if (taken < 0)
			return -1;
		if (taken) {
			/* checkIfSchemaWithIdExist's words. */
			char ctx[STORE_CONTEXT_MAX + 3];
			api_fail(
			    g->c, SG_EOPERATION_NOT_PERMITTED,
			    "Overwrite new schema with id %lld in context %s is not permitted.",
			    (long long)STORE_KEY_ID(g->schema_id),
			    api_mode_context_word(g->c->subject, ctx, sizeof ctx));
			return 1;
		}
	}
	struct store_schema content;
	api_cand_content(&g->cd, &content);
	content.id = g->schema_id > 0 ? STORE_KEY_ID(g->schema_id) : 0;
	content.context = g->context;
	g->schema_id = store_schema_insert(g->tx, &content, g->cd.refs, g->cd.nrefs, e);
	return g->schema_id < 0 ? -1 : 0;
}

/* Inserts the version, tombstones what it makes stale, commits, answers. */
static int api_register_insert(struct api_reg *g, struct sg_error *e)
{
	const char *subject = g->c->subject;
	if (g->overwrites && g->overwrites == g->schema_id) {
		/* The same key again under a version that has it (soft-deleted,
		 * or the lookup missed it): nothing to replace it with. */
		api_fail(g->c, SG_EOPERATION_NOT_PERMITTED,
		         "Overwrite of version %d of subject %s is not permitted.", g->version,
		         subject);
		return 1;
	}
	/* A replaced version goes first, with its schema if nothing else uses
	 * it: as when Confluent's new value for the key replaces the old. */
	if (g->overwrites && store_version_purge(g->tx, subject, g->version, NULL, e) < 0)
		return -1;
	if (store_version_insert(g->tx, subject, g->version, g->schema_id, e) < 0 ||
	    (g->schema_id == g->existing &&
	     api_purge_stale(g->tx, subject, g->schema_id, g->version, e) < 0))
		return -1;
	if (api_commit(g->c, &g->tx) < 0)
		return 1;
	return api_register_answer(g, g->version, g->schema_id);
}

/* The steps of a registration, in order. */
static int (*const api_register_steps[])(struct api_reg *g, struct sg_error *e) = {
    api_register_check,    /* the request alone */
    api_register_known,    /* already registered: answered without the writer */
    api_register_mode,     /* the mode gate; takes the writer */
    api_register_fill,     /* filled in from the previous version: the candidate */
    api_register_dedup,    /* the same schema already stored */
    api_register_compat,   /* compatible with the subject's history */
    api_register_version,  /* the version number */
    api_register_allocate, /* the schema id, and the schema row */
    api_register_insert,   /* the version row, commit, answer */
};

/* Runs the steps from `first` on; sends the answer or the error. */
static void api_register_run(struct api_reg *g, size_t first)
{
	struct sg_error e = {0};
	size_t n = sizeof api_register_steps / sizeof api_register_steps[0];
	int rc = 0;
	for (size_t i = first; rc == 0 && i < n; i++)
		rc = api_register_steps[i](g, &e);
	if (rc < 0)
		api_send_error(g->c, &e);
	api_register_clear(g);
}

/* POST /subjects/{subject}/versions */
void api_register(struct api_ctx *c)
{
	struct api_reg g = {.c = c};
	if (api_sreq_parse(c, &g.r, &g.bad_ref) < 0)
		return;
	api_register_run(&g, 0);
}

void api_register_schema(struct api_ctx *c, struct api_sreq *r)
{
	struct api_reg g = {.c = c, .r = *r};
	memset(r, 0, sizeof *r);
	api_register_run(&g, 2); /* from the mode gate on */
}
