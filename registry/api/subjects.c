/* registry/api/subjects.c: the subjects resource, GET /subjects,
 * DELETE /subjects/{subject} and the lookup POST /subjects/{subject}.
 */
#include "registry/api/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "registry/jsonio.h"
#include "registry/qsubject.h"
#include "registry/schemacache.h"

/* GET /subjects: the subjects the principal may read, paged. */
struct api_subjects_list {
	struct api_ctx *c;
	const char *prefix; /* as Confluent's subjectPrefix (registry/qsubject.h) */
	struct api_pager pg;
};

static int api_subjects_cb(void *ctx, const struct store_version *v)
{
	struct api_subjects_list *l = ctx;
	if (!qsubject_prefix_matches(l->prefix, v->subject) || !api_may_read(l->c, v->subject))
		return 0;
	return api_pager_push(&l->pg, json_string(v->subject));
}

/* GET /subjects: ?subjectPrefix, ?deleted, ?deletedOnly, paged. */
void api_subjects_list(struct api_ctx *c)
{
	int offset, limit;
	if (api_query_int(c, "offset", 0, &offset) < 0 || api_query_int(c, "limit", -1, &limit) < 0)
		return;
	/* Without a prefix, Confluent lists every context (":*:"). */
	const char *prefix = api_query(c, "subjectPrefix");
	char *fixed = jsonio_utf8_repair(prefix ? prefix : QSUBJECT_WILDCARD);
	enum store_filter f = api_query_bool(c, "deletedOnly") ? STORE_DELETED_ONLY
	                      : api_query_bool(c, "deleted")   ? STORE_ALL
	                                                       : STORE_LIVE;
	struct store_tx *tx = api_read(c);
	if (!tx) {
		free(fixed);
		return;
	}
	struct sg_error e = {0};
	struct api_subjects_list l = {.c = c, .prefix = fixed ? fixed : ""};
	api_pager_init(&l.pg, offset, limit);
	int r = store_subjects(tx, qsubject_prefix_scan(l.prefix), f, api_subjects_cb, &l, &e);
	store_end(tx);
	free(fixed);
	if (r < 0) {
		json_decref(l.pg.out);
		api_send_error(c, &e);
		return;
	}
	api_send_json(c, l.pg.out);
}

/* DELETE /subjects/{subject}[?permanent=true] */
void api_subjects_delete(struct api_ctx *c)
{
	int permanent = api_query_bool(c, "permanent");
	struct store_tx *tx = api_write(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	struct api_dropped dropped = {0};
	json_t *versions = json_array(), *out = json_array();
	char mode[STORE_MODE_MAX];
	int r = store_subject_exists(tx, c->subject, 1, &e);
	if (r == 0) {
		api_fail(c, SG_ESUBJECT_NOT_FOUND, "Subject '%s' not found.", c->subject);
		goto done;
	}
	if (r == 1 && !permanent && (r = store_subject_exists(tx, c->subject, 0, &e)) == 0) {
		api_fail(c, SG_ESUBJECT_SOFT_DELETED,
		         "Subject '%s' was soft deleted.Set permanent=true to delete permanently",
		         c->subject);
		goto done;
	}
	if (r < 0 || (r = api_mode_gate(c, tx, mode, &e)) < 0)
		goto fail;
	if (r > 0)
		goto done;
	if (store_versions(tx, c->subject, permanent ? STORE_ALL : STORE_LIVE,
	                   api_versions_collect_cb, versions, &e) < 0)
		goto fail;
	for (size_t i = 0; i < json_array_size(versions); i++) {
		json_t *pair = json_array_get(versions, i);
		int v = (int)json_integer_value(json_array_get(pair, 0));
		int ref = api_versions_referenced(tx, c->subject, v, permanent, c->subject, &e);
		if (ref < 0)
			goto fail;
		if (ref) {
			api_versions_fail_referenced(c, c->subject, v);
			goto done;
		}
		if (permanent && !json_integer_value(json_array_get(pair, 1))) {
			api_fail(
			    c, SG_ESUBJECT_NOT_SOFT_DELETED,
			    "Subject '%s' was not deleted first before being permanently deleted",
			    c->subject);
			goto done;
		}
		json_array_append_new(out, json_integer(v));
	}
	/* Newest first, so versions referring to older ones of the same subject
	 * go before what they refer to. */
	for (size_t i = json_array_size(out); i-- > 0;) {
		int v = (int)json_integer_value(json_array_get(out, i));
		int64_t gone = 0;
		if (permanent ? store_version_purge(tx, c->subject, v, &gone, &e) < 0
		              : store_version_soft_delete(tx, c->subject, v, &e) < 0)
			goto fail;
		if (api_dropped_add(&dropped, gone, &e) < 0)
			goto fail;
	}
	if (permanent && api_versions_drop_settings(tx, c->subject, &e) < 0)
		goto fail;
	if (api_commit(c, &tx) < 0)
		goto done;
	api_dropped_forget(c->a, &dropped);
	api_send_json(c, out);
	out = NULL;
	goto done;
fail:
	api_send_error(c, &e);
done:
	store_end(tx);
	free(dropped.ids);
	json_decref(versions);
	json_decref(out);
}

/* ---- POST /subjects/{subject}: is this schema registered under it? ---- */

/* One lookup of the candidate (Confluent's lookUpSchemaUnderSubject): the
 * version that has it as it is (with `deleted`, soft-deleted versions too),
 * else, live versions only, the newest that has it but for a confluent:version
 * (canLookup), which then answers as stored (*stored = 1). Returns the
 * version with *id set, 0, or -1. */
static int api_subjects_pass(struct api_ctx *c, struct api_cand_req *q, int deleted, int64_t *id,
                             int *stored, struct sg_error *e)
{
	struct store_schema content;
	api_cand_content(&q->cd, &content);
	*stored = 0;
	int known = api_subject_context(c, q->tx, 0, &content.context, e);
	if (known <= 0)
		return known;
	*id = store_schema_find(q->tx, &content, e);
	if (*id < 0)
		return -1;
	int version = *id > 0 ? api_versions_of(q->tx, c->subject, *id, deleted, e) : 0;
	if (version != 0 || deleted)
		return version;
	version = api_cand_equivalent(q->tx, c->subject, &q->cd, id, e);
	*stored = version > 0;
	return version;
}

/* Gives a candidate that carries neither metadata nor a rule set the latest
 * version's, as registration would. Returns 1 when that changed it, 0 when
 * not, or -1. */
static int api_subjects_fill(struct api_ctx *c, struct api_cand_req *q, struct sg_error *e)
{
	if (q->r.metadata || q->r.ruleset)
		return 0;
	struct store_version latest;
	int lr = store_version_latest(q->tx, c->subject, 0, &latest, e);
	json_t *ent = NULL;
	if (lr < 0 || (lr == 1 && api_schemas_load(q->tx, latest.schema_id, NULL, &ent, e) < 0)) {
		json_decref(ent);
		return -1;
	}
	json_t *m = json_object_get(ent, "metadata"), *rs = json_object_get(ent, "ruleSet");
	int r = !m && !rs ? 0 : api_cand_set_extras(&q->cd, m, rs, e) < 0 ? -1 : 1;
	json_decref(ent);
	return r;
}

/* The version of the subject that has the candidate: one lookup as it is,
 * then, when that finds nothing, one with the latest version's metadata and
 * rules (as Confluent looks up). An exact match answers the request's schema
 * (no ts, no deleted: those are the store's), a match but for the
 * confluent:version the stored one. Returns 1 with *ent the answer (NULL out
 * of memory), 0 when there is none, or -1. */
static int api_subjects_find(struct api_ctx *c, struct api_cand_req *q, int deleted, json_t **ent,
                             struct sg_error *e)
{
	int64_t id;
	int stored, filled;
	int version = api_subjects_pass(c, q, deleted, &id, &stored, e);
	if (version == 0 && (filled = api_subjects_fill(c, q, e)) != 0)
		version = filled < 0 ? -1 : api_subjects_pass(c, q, deleted, &id, &stored, e);
	if (version <= 0)
		return version;
	struct store_version row = {.subject = c->subject, .version = version};
	if (stored) {
		if (store_version_get(q->tx, c->subject, version, &row, e) < 0 ||
		    api_schemas_load(q->tx, id, &row, ent, e) < 0 ||
		    api_schemas_format(c, q->tx, *ent, e) < 0) {
			json_decref(*ent);
			*ent = NULL;
			return -1;
		}
		return 1;
	}
	*ent = api_cand_entity(&q->cd, &row, id);
	if (*ent && api_schemas_wants_resolved(c) && !strcmp(q->cd.type_name, "AVRO") &&
	    json_object_get(*ent, "references") &&
	    api_schemas_set_resolved(*ent, schemacache_schema(q->cd.item), e) < 0) {
		json_decref(*ent);
		*ent = NULL;
		return -1;
	}
	return 1;
}

/* Sends the 404 of a schema the subject does not have. 0, or -1. */
static int api_subjects_absent(struct api_ctx *c, struct store_tx *tx, int deleted,
                               struct sg_error *e)
{
	int exists = store_subject_exists(tx, c->subject, deleted, e);
	if (exists < 0)
		return -1;
	if (exists)
		api_fail(c, SG_ESCHEMA_NOT_FOUND, "Schema not found");
	else
		api_fail(c, SG_ESUBJECT_NOT_FOUND, "Subject '%s' not found.", c->subject);
	return 0;
}

/* One context of the lookup's fallback (api_in_contexts()): the candidate
 * built again in the context (its references resolve there), at the
 * normalize of the given subject, then looked up. A schema that does not
 * parse there is not found there, as lookUpSchemaUnderSubjectUsingContexts
 * ignores InvalidSchemaException. */
struct api_subjects_try {
	struct api_cand_req *q;
	int deleted;
	json_t **ent;
};

static int api_subjects_try_cb(struct api_ctx *c, void *arg, struct sg_error *e)
{
	struct api_subjects_try *t = arg;
	api_cand_clear(c->a, &t->q->cd);
	if (api_cand_req_build(c, t->q, e) < 0) {
		if (e->code != SG_EINVALID_SCHEMA)
			return -1;
		*e = (struct sg_error){0};
		return 0;
	}
	return api_subjects_find(c, t->q, t->deleted, t->ent, e);
}

/* POST /subjects/{subject}: the version of the subject that has the schema;
 * a default-context subject that does not have it is looked up under the
 * same name in each context (lookUpSchemaUnderSubjectUsingContexts), and a
 * match there answers with the qualified subject and the context's id. */
void api_subjects_lookup(struct api_ctx *c)
{
	struct api_cand_req q;
	if (api_cand_req_open(c, &q) < 0)
		return;
	int deleted = api_query_bool(c, "deleted");
	struct sg_error e = {0};
	json_t *ent = NULL;
	int has_schema = q.r.text && *q.r.text; /* without one, nothing is found */
	int rc = api_cand_req_config(c, &q, &e);
	if (rc == 0 && has_schema)
		rc = api_cand_req_build(c, &q, &e);
	if (rc == 0 && has_schema)
		rc = api_subjects_find(c, &q, deleted, &ent, &e);
	if (rc == 0 && has_schema) {
		struct api_subjects_try t = {&q, deleted, &ent};
		rc = api_in_contexts(c, q.tx, api_subjects_try_cb, &t, &e);
	}
	if (rc == 1) {
		api_cand_req_close(c, &q);
		api_send_json(c, ent);
		return;
	}
	if (rc == 0)
		rc = api_subjects_absent(c, q.tx, deleted, &e);
	if (rc < 0)
		api_send_error(c, &e);
	api_cand_req_close(c, &q);
}
