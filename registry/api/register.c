/* registry/api/register.c: POST /subjects/{subject}/versions, registering a
 * schema under a subject.
 *
 * Every check the write depends on (does the schema exist, is it compatible,
 * which version and id come next) happens inside the store's single write
 * transaction, so concurrent requests cannot interleave between a check and
 * the write it guards.
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

/* The full answer Confluent gives a registration that changed the schema
 * (filled it in from the previous version, or set metadata or rules). */
static json_t *api_register_full(const struct api_cand *cd, int version, int64_t id)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(id));
	if (version > 0)
		json_object_set_new(o, "version", json_integer(version));
	if (strcmp(cd->type_name, "AVRO") != 0)
		json_object_set_new(o, "schemaType", json_string(cd->type_name));
	if (cd->refs_json && json_array_size(cd->refs_json))
		json_object_set(o, "references", cd->refs_json);
	if (cd->meta_text)
		json_object_set_new(o, "metadata", json_loads(cd->meta_text, 0, NULL));
	if (cd->rules_text)
		json_object_set_new(o, "ruleSet", json_loads(cd->rules_text, 0, NULL));
	json_object_set_new(o, "schema", json_string(cd->text));
	return o;
}

static json_t *api_register_id(int64_t id)
{
	return json_pack("{s:I}", "id", (json_int_t)id);
}

/* The read-only first step of a registration, as Confluent's
 * registerOrForward: a schema already registered under the subject is
 * answered without taking the writer, whatever the mode. Returns 1 with
 * *answer set, 0 to go on, -1 with err set. */
static int api_register_known(struct api_ctx *c, const struct api_sreq *r, const char *bad_ref,
                              int normalize_param, json_t **answer, struct sg_error *e)
{
	*answer = NULL;
	if (!r->text || !*r->text)
		return 0;
	struct store_tx *tx = store_read(c->a->st, e);
	if (!tx)
		return -1;
	int ret = -1;
	struct api_cand cd = {0};
	json_t *cfg = api_config_scope(tx, c->subject, e);
	if (!cfg)
		goto out;
	int normalize = normalize_param || json_is_true(json_object_get(cfg, "normalize"));
	if (entity_config_has_defaults(cfg)) {
		ret = 0;
		goto out;
	}
	if (api_cand_build(c->a, tx, r, r->text, r->type, r->type_name, r->refs, r->nrefs, bad_ref,
	                   normalize, &cd, e) < 0)
		goto out;
	struct store_schema content;
	api_cand_content(&cd, &content);
	int64_t id = store_schema_find(tx, &content, e);
	if (id < 0)
		goto out;
	int version = id > 0 ? api_versions_of(tx, c->subject, id, 0, e) : 0;
	if (version == 0 && (r->version == 0 || r->version == -1))
		version = api_cand_equivalent(tx, c->subject, &cd, &id, e);
	if (version < 0)
		goto out;
	ret = 0;
	if (version > 0) {
		if (r->version == 0 || r->version == -1) {
			if (r->id < 0 || r->id == id) {
				*answer = api_register_id(id);
				ret = 1;
			}
		} else if (r->id == id && r->version == version) {
			*answer = api_register_full(&cd, version, id);
			ret = 1;
		}
	}
out:
	json_decref(cfg);
	api_cand_clear(c->a, &cd);
	store_end(tx);
	return ret;
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

/* POST /subjects/{subject}/versions. The ruleSet is validated before the
 * subject name, as Confluent does. */
void api_register(struct api_ctx *c)
{
	struct api_sreq r;
	const char *bad_ref;
	struct sg_error e = {0};
	if (api_sreq_parse(c, &r, &bad_ref) < 0)
		return;
	if (ruleset_validate(json_object_get(r.body, "ruleSet"), &e) < 0) {
		api_send_error(c, &e);
		api_sreq_clear(&r);
		return;
	}
	if (api_check_subject(c) < 0) {
		api_sreq_clear(&r);
		return;
	}
	int normalize = api_query_bool(c, "normalize");
	json_t *answer = NULL;
	int known = api_register_known(c, &r, bad_ref, normalize, &answer, &e);
	if (known != 0) {
		if (known < 0)
			api_send_error(c, &e);
		else
			api_send_json(c, answer);
		api_sreq_clear(&r);
		return;
	}

	struct store_tx *tx = api_write(c);
	if (!tx) {
		api_sreq_clear(&r);
		return;
	}
	struct api_cand cd = {0};
	struct api_history h = {0};
	json_t *cfg = NULL, *prev_ent = NULL, *meta = NULL, *rules = NULL, *messages = NULL;
	char mode[STORE_MODE_MAX];
	if (api_mode_scope(tx, c->subject, 0, mode, &e) < 0)
		goto fail;
	if (api_mode_readonly(mode)) {
		api_fail(c, SG_EOPERATION_NOT_PERMITTED, "Subject %s is in read-only mode",
		         c->subject);
		goto done;
	}
	int import = strcmp(mode, "IMPORT") == 0;
	if (r.id >= 0 && !import) {
		api_fail(c, SG_EOPERATION_NOT_PERMITTED, "Subject %s is not in import mode",
		         c->subject);
		goto done;
	}
	if (r.id < 0 && strcmp(mode, "READWRITE") != 0) {
		api_fail(c, SG_EOPERATION_NOT_PERMITTED, "Subject %s is not in read-write mode",
		         c->subject);
		goto done;
	}

	struct store_version latest_any, latest;
	int has_any = store_version_latest(tx, c->subject, 1, &latest_any, &e);
	int has_live = has_any < 0 ? -1 : store_version_latest(tx, c->subject, 0, &latest, &e);
	if (has_any < 0 || has_live < 0)
		goto fail;
	int next_version = has_any ? latest_any.version + 1 : 1;
	if (!(cfg = api_config_scope(tx, c->subject, &e)))
		goto fail;
	normalize = normalize || json_is_true(json_object_get(cfg, "normalize"));
	if (has_live && api_schemas_load(tx, latest.schema_id, NULL, 0, &prev_ent, &e) < 0)
		goto fail;

	/* Confluent's maybePopulateFromPrevious: an empty schema takes the
	 * previous version's; metadata and rules come from the request, else
	 * the previous version, with the config's defaults under and overrides
	 * over them. Not in IMPORT mode. */
	const char *text = r.text;
	const char *type_name = r.type_name;
	enum schema_type type = r.type;
	const struct store_ref *refs = r.refs;
	size_t nrefs = r.nrefs;
	struct store_ref *prev_refs = NULL;
	json_t *prev_refs_json = NULL;
	int modified = 0;
	if (!import) {
		if ((!text || !*text) && prev_ent) {
			text = json_string_value(json_object_get(prev_ent, "schema"));
			type_name = json_string_value(json_object_get(prev_ent, "schemaType"));
			type = SCHEMA_AVRO;
			if (type_name)
				schema_type_parse(type_name, &type);
			prev_refs_json = json_object_get(prev_ent, "references");
			nrefs = json_array_size(prev_refs_json);
			if (nrefs && !(prev_refs = calloc(nrefs, sizeof *prev_refs))) {
				error_set(&e, SG_ENOMEM, "out of memory");
				goto fail;
			}
			for (size_t i = 0; i < nrefs; i++) {
				json_t *ref = json_array_get(prev_refs_json, i);
				prev_refs[i].name = json_string_value(json_object_get(ref, "name"));
				prev_refs[i].subject =
				    json_string_value(json_object_get(ref, "subject"));
				prev_refs[i].version =
				    (int)json_integer_value(json_object_get(ref, "version"));
			}
			refs = prev_refs;
			bad_ref = NULL;
			modified = 1;
		}
		const json_t *specific_meta =
		    r.metadata ? r.metadata : json_object_get(prev_ent, "metadata");
		const json_t *specific_rules =
		    r.ruleset ? r.ruleset : json_object_get(prev_ent, "ruleSet");
		json_t *m1 =
		    entity_metadata_merge(json_object_get(cfg, "defaultMetadata"), specific_meta);
		meta = entity_metadata_merge(m1, json_object_get(cfg, "overrideMetadata"));
		json_decref(m1);
		json_t *r1 =
		    entity_ruleset_merge(json_object_get(cfg, "defaultRuleSet"), specific_rules);
		rules = entity_ruleset_merge(r1, json_object_get(cfg, "overrideRuleSet"));
		json_decref(r1);
		if (r.version != 0 || entity_metadata_property(meta, ENTITY_CONFLUENT_VERSION)) {
			char num[16];
			snprintf(num, sizeof num, "%d", next_version);
			json_t *m2 =
			    entity_metadata_with_property(meta, ENTITY_CONFLUENT_VERSION, num);
			json_decref(meta);
			meta = m2;
		}
		if (meta || rules)
			modified = 1;
	} else {
		meta = json_incref(r.metadata);
		rules = json_incref(r.ruleset);
	}
	if (api_cand_build(c->a, tx, NULL, text, type, type_name, refs, nrefs, bad_ref, normalize,
	                   &cd, &e) < 0 ||
	    api_cand_set_extras(&cd, meta, rules, &e) < 0)
		goto fail_refs;

	struct store_schema content;
	api_cand_content(&cd, &content);
	int64_t existing = store_schema_find(tx, &content, &e);
	if (existing < 0)
		goto fail_refs;
	int64_t schema_id = r.id >= 0 ? r.id : -1;
	if (existing > 0) {
		if (schema_id < 0 || schema_id == existing) {
			int v =
			    r.version == 0 ? api_versions_of(tx, c->subject, existing, 0, &e) : 0;
			if (v < 0)
				goto fail_refs;
			if (v > 0) {
				json_t *ans = modified ? api_register_full(&cd, v, existing)
				                       : api_register_id(existing);
				store_end(tx);
				tx = NULL;
				api_send_json(c, ans);
				goto done_refs;
			}
			schema_id = existing;
		} else {
			api_fail(c, SG_EID_MISMATCH,
			         "Schema already registered with id %lld instead of input id %d",
			         (long long)existing, r.id);
			goto done_refs;
		}
	}

	if (r.version == 0 && !import) {
		int64_t eq_id = 0;
		int v = api_cand_equivalent(tx, c->subject, &cd, &eq_id, &e);
		if (v < 0)
			goto fail_refs;
		if (v > 0) {
			json_t *ans =
			    modified ? api_register_full(&cd, v, eq_id) : api_register_id(eq_id);
			store_end(tx);
			tx = NULL;
			api_send_json(c, ans);
			goto done_refs;
		}
	}
	if (!import) {
		if (api_history_for(c->a, tx, c->subject, cfg, &h, &e) < 0)
			goto fail_refs;
		messages = json_array();
		if (!messages) {
			error_set(&e, SG_ENOMEM, "out of memory");
			goto fail_refs;
		}
		int ok =
		    api_history_check(cfg, schemacache_schema(cd.item), meta, &h, messages, &e);
		if (ok < 0)
			goto fail_refs;
		if (ok == 0) {
			char *list = compatreport_join(messages);
			size_t need = (list ? strlen(list) : 0) + strlen(c->subject) + 128;
			char *msg = malloc(need);
			if (!list || !msg) {
				free(list);
				free(msg);
				error_set(&e, SG_ENOMEM, "out of memory");
				goto fail_refs;
			}
			snprintf(
			    msg, need,
			    "Schema being registered is incompatible with an earlier schema for "
			    "subject \"%s\", details: %s",
			    c->subject, list);
			api_send_error_msg(c, SG_ECONFLICT_INCOMPATIBLE, msg);
			free(list);
			free(msg);
			goto done_refs;
		}
	}

	int version = next_version;
	if (r.version > 0) {
		if (r.version != next_version && !import) {
			api_fail(c, SG_EINVALID_SCHEMA,
			         "Version is not one more than previous version");
			goto done_refs;
		}
		version = r.version;
		struct store_version taken;
		int t = store_version_get(tx, c->subject, version, &taken, &e);
		if (t < 0)
			goto fail_refs;
		if (t == 1) {
			api_fail(c, SG_EOPERATION_NOT_PERMITTED,
			         "Overwrite of version %d of subject %s is not permitted.", version,
			         c->subject);
			goto done_refs;
		}
	}
	if (schema_id < 0 || schema_id != existing) {
		if (schema_id == 0) {
			api_fail(c, SG_EOPERATION_NOT_PERMITTED,
			         "Schema id 0 is not permitted: ids start at 1");
			goto done_refs;
		}
		if (schema_id > 0) {
			int taken =
			    store_schema_get(tx, schema_id, api_schemas_exists_cb, NULL, &e);
			if (taken < 0)
				goto fail_refs;
			if (taken) {
				api_fail(c, SG_EOPERATION_NOT_PERMITTED,
				         "Overwrite new schema with id %lld is not permitted.",
				         (long long)schema_id);
				goto done_refs;
			}
		}
		content.id = schema_id > 0 ? schema_id : 0;
		schema_id = store_schema_insert(tx, &content, cd.refs, cd.nrefs, &e);
		if (schema_id < 0)
			goto fail_refs;
	}
	if (store_version_insert(tx, c->subject, version, schema_id, &e) < 0 ||
	    (schema_id == existing && api_purge_stale(tx, c->subject, schema_id, version, &e) < 0))
		goto fail_refs;
	if (api_commit(c, tx) < 0) {
		tx = NULL;
		goto done_refs;
	}
	tx = NULL;
	api_send_json(c, modified ? api_register_full(&cd, version, schema_id)
	                          : api_register_id(schema_id));
	goto done_refs;
fail_refs:
	api_send_error(c, &e);
done_refs:
	free(prev_refs);
	goto done;
fail:
	api_send_error(c, &e);
done:
	store_end(tx);
	api_cand_clear(c->a, &cd);
	api_history_clear(c->a, &h);
	json_decref(cfg);
	json_decref(prev_ent);
	json_decref(meta);
	json_decref(rules);
	json_decref(messages);
	api_sreq_clear(&r);
}
