/* registry/api/tags.c: POST /subjects/{subject}/versions/{version}/tags,
 * a new version of a subject made from one of its versions with inline
 * schema tags added or removed (compat/schematags), and its metadata and
 * rule set replaced or edited, as Confluent 8.1's
 * SubjectVersionsResource.modifyTags and KafkaSchemaRegistry.modifySchemaTags
 * do. The new version is registered the usual way (register.c's
 * api_register_schema(): mode gate, fill-in, compatibility, ids).
 *
 * The request (TagSchemaRequest): newVersion, tagsToAdd, tagsToRemove,
 * metadata, ruleSet, rulesToMerge, rulesToRemove. Like the rest of this
 * registry, rule sets are kept (Confluent's open-source RuleSetHandler drops
 * a tag request's ruleSet; Confluent Enterprise and Cloud keep it).
 */
#include "registry/api/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "compat/ruleset.h"
#include "compat/schematags.h"
#include "registry/entity.h"
#include "registry/jsonio.h"

/* A tag request in progress. Zeroed, it holds nothing. */
struct api_tags {
	json_t *body;
	int new_version;            /* 0 when absent */
	json_t *metadata;           /* canonical, or NULL */
	json_t *ruleset;            /* canonical, or NULL */
	json_t *merge;              /* rulesToMerge, canonical, or NULL */
	const json_t *remove_names; /* rulesToRemove, borrowed from body, or NULL */
	json_t *stored;             /* the tagged version's entity */
	json_t *rules;              /* the rule set of the new version, or NULL */
};

static void api_tags_clear(struct api_tags *t)
{
	json_decref(t->body);
	json_decref(t->metadata);
	json_decref(t->ruleset);
	json_decref(t->merge);
	json_decref(t->stored);
	json_decref(t->rules);
	memset(t, 0, sizeof *t);
}

/* The body as Jackson maps a TagSchemaRequest: 0, or -1 with `e` set. */
static int api_tags_parse(struct api_ctx *c, struct api_tags *t, struct sg_error *e)
{
	if (jsonio_parse(c->req->body, c->req->body_len, &t->body, e) < 0)
		return -1;
	if (!t->body || json_is_null(t->body))
		return error_set(e, SG_EUNPROCESSABLE, "The request body may not be empty");
	if (!json_is_object(t->body))
		return error_set(e, SG_EBAD_REQUEST, "The request body must be a JSON object");
	int present;
	const json_t *names = json_object_get(t->body, "rulesToRemove");
	if (jsonio_get_int32(t->body, "newVersion", 0, &t->new_version, &present, e) < 0 ||
	    schematags_check(json_object_get(t->body, "tagsToAdd"), "tagsToAdd", e) < 0 ||
	    schematags_check(json_object_get(t->body, "tagsToRemove"), "tagsToRemove", e) < 0 ||
	    entity_metadata(json_object_get(t->body, "metadata"), "metadata", &t->metadata, e) <
	        0 ||
	    entity_ruleset(json_object_get(t->body, "ruleSet"), "ruleSet", &t->ruleset, e) < 0 ||
	    entity_ruleset(json_object_get(t->body, "rulesToMerge"), "rulesToMerge", &t->merge, e) <
	        0)
		return -1;
	if (names && !json_is_null(names)) {
		if (!json_is_array(names))
			return error_set(e, SG_EBAD_REQUEST,
			                 "Field 'rulesToRemove' must be an array of strings");
		for (size_t i = 0; i < json_array_size(names); i++) {
			const json_t *n = json_array_get(names, i);
			if (!json_is_string(n) && !json_is_null(n))
				return error_set(
				    e, SG_EBAD_REQUEST,
				    "Field 'rulesToRemove' must be an array of strings");
		}
		t->remove_names = names;
	}
	return 0;
}

/* The live version `version` (-1: the latest) of c->subject into *v: 1, 0
 * when there is none, -1. */
static int api_tags_live(struct store_tx *tx, const char *subject, int version,
                         struct store_version *v, struct sg_error *e)
{
	int r = version == -1 ? store_version_latest(tx, subject, 0, v, e)
	                      : store_version_get(tx, subject, version, v, e);
	if (r == 1 && v->deleted)
		r = 0;
	return r;
}

/* Loads the tagged version as Confluent's getUsingContexts(subject,
 * version, false) finds it (soft-deleted versions are not; a default-context
 * subject falls back to the same name in each context). The new version is
 * registered under the subject as given (modifySchemaTags(subject, ...)),
 * so c->subject is left as it was. Returns 1, or 0 (response sent), or -1
 * with `e` set. */
static int api_tags_load(struct api_ctx *c, struct store_tx *tx, int version, struct api_tags *t,
                         struct sg_error *e)
{
	char *given = strdup(c->subject);
	char given_context[sizeof c->context];
	memcpy(given_context, c->context, sizeof given_context);
	if (!given)
		return error_set(e, SG_ENOMEM, "out of memory");
	struct store_version v;
	int r = api_versions_resolve(c, tx, version, 0, &v);
	if (r == 1) {
		r = api_schemas_load(tx, v.schema_id, &v, &t->stored, e);
		if (r == 0)
			error_set(e, SG_ESTORE, "version %d of subject '%s' names a missing schema",
			          v.version, c->subject);
		r = r == 1 ? 1 : -1;
	} else {
		r = 0;
	}
	free(c->subject);
	c->subject = given;
	memcpy(c->context, given_context, sizeof c->context);
	return r;
}

/* The checks of modifyTags on the rule sets, in its order. 0 or -1. */
static int api_tags_check_rules(const struct api_tags *t, struct sg_error *e)
{
	if ((t->merge || t->remove_names) && t->ruleset)
		return error_set(e, SG_EINVALID_RULESET,
		                 "ruleSet should be omitted if specifying rulesToMerge or "
		                 "rulesToRemove");
	if (ruleset_validate(json_object_get(t->body, "rulesToMerge"), e) < 0 ||
	    ruleset_validate(json_object_get(t->body, "ruleSet"), e) < 0)
		return -1;
	return 0;
}

/* maybeModifyPreviousRuleSet: the request's ruleSet; or, with rulesToMerge
 * or rulesToRemove, the rule set of version newVersion - 1 (the latest
 * live version without newVersion) with them applied. 0 or -1. */
static int api_tags_rules(struct api_ctx *c, struct store_tx *tx, struct api_tags *t,
                          struct sg_error *e)
{
	if (!t->merge && !t->remove_names) {
		t->rules = json_incref(t->ruleset);
		return 0;
	}
	int old = t->new_version ? t->new_version - 1 : -1;
	struct store_version v;
	json_t *prev = NULL;
	int r = old == -1 || old > 0 ? api_tags_live(tx, c->subject, old, &v, e) : 0;
	if (r == 1)
		r = api_schemas_load(tx, v.schema_id, NULL, &prev, e);
	if (r < 0)
		return -1;
	json_t *rs = ruleset_merge(json_object_get(prev, "ruleSet"), t->merge);
	json_decref(prev);
	if (rs && t->remove_names) {
		json_t *kept = ruleset_remove(rs, t->remove_names);
		json_decref(rs);
		if (!kept)
			return error_set(e, SG_ENOMEM, "out of memory");
		rs = kept;
	}
	t->rules = rs;
	return 0;
}

/* The registration request of the new version: the tagged text, the
 * stored type and references, the metadata (the request's, else the
 * stored version's) naming newVersion, and the rule set. 0 or -1. */
static int api_tags_sreq(struct api_tags *t, char *text, struct api_sreq *r, struct sg_error *e)
{
	const json_t *type = json_object_get(t->stored, "schemaType");
	json_t *refs = json_object_get(t->stored, "references");
	r->body =
	    json_pack("{s:s, s:O, s:O}", "schema", text, "schemaType",
	              type ? (json_t *)type : json_null(), "references", refs ? refs : json_null());
	if (!r->body)
		return error_set(e, SG_ENOMEM, "out of memory");
	r->text = json_string_value(json_object_get(r->body, "schema"));
	r->type_name = json_string_value(json_object_get(r->body, "schemaType"));
	r->nrefs = json_array_size(refs);
	if (r->nrefs && !(r->refs = calloc(r->nrefs, sizeof *r->refs)))
		return error_set(e, SG_ENOMEM, "out of memory");
	const json_t *own = json_object_get(r->body, "references");
	for (size_t i = 0; i < r->nrefs; i++) {
		const json_t *ref = json_array_get(own, i);
		r->refs[i].name = json_string_value(json_object_get(ref, "name"));
		r->refs[i].subject = json_string_value(json_object_get(ref, "subject"));
		r->refs[i].version = (int)json_integer_value(json_object_get(ref, "version"));
	}
	const json_t *meta = t->metadata ? t->metadata : json_object_get(t->stored, "metadata");
	char num[16];
	snprintf(num, sizeof num, "%d", t->new_version);
	r->metadata = entity_metadata_with_property(meta, ENTITY_CONFLUENT_VERSION, num);
	r->ruleset = json_incref(t->rules);
	r->id = -1;
	r->version = t->new_version;
	if (!r->metadata)
		return error_set(e, SG_ENOMEM, "out of memory");
	return 0;
}

/* POST /subjects/{subject}/versions/{version}/tags */
void api_tags_modify(struct api_ctx *c)
{
	struct api_tags t = {0};
	struct api_sreq r = {0};
	struct sg_error e = {0};
	struct store_tx *tx = NULL;
	char *text = NULL;
	int version;
	if (api_tags_parse(c, &t, &e) < 0)
		goto fail;
	if (api_check_subject(c) < 0 || api_version_param(c, c->req->segs[3], &version) < 0)
		goto out;
	if (!(tx = api_read(c)))
		goto out;
	int r1 = api_tags_load(c, tx, version, &t, &e);
	if (r1 == 0)
		goto out;
	if (r1 < 0 || api_tags_check_rules(&t, &e) < 0 || api_tags_rules(c, tx, &t, &e) < 0)
		goto fail;
	store_end(tx);
	tx = NULL;
	const char *stored = json_string_value(json_object_get(t.stored, "schema"));
	const char *type_name = json_string_value(json_object_get(t.stored, "schemaType"));
	enum schema_type type = SCHEMA_AVRO;
	if (type_name && schema_type_parse(type_name, &type) < 0) {
		error_set(&e, SG_ESTORE, "a stored schema has an unknown type '%s'", type_name);
		goto fail;
	}
	text = schematags_apply(type, stored, strlen(stored), json_object_get(t.body, "tagsToAdd"),
	                        json_object_get(t.body, "tagsToRemove"), &e);
	if (!text || api_tags_sreq(&t, text, &r, &e) < 0)
		goto fail;
	api_register_schema(c, &r);
	goto out;
fail:
	api_send_error(c, &e);
out:
	store_end(tx);
	free(text);
	api_sreq_clear(&r);
	api_tags_clear(&t);
}
