/* registry/api/config.c: GET, PUT and DELETE /config[/{subject}], and the
 * config that applies to a subject (api_config_scope), which registration,
 * lookup and compatibility checks read.
 */
#include "registry/api/internal.h"

#include <stdlib.h>
#include <jansson.h>

#include "compat/level.h"
#include "compat/ruleset.h"
#include "registry/entity.h"
#include "registry/jsonio.h"
#include "registry/qsubject.h"

/* The stored config text that applies to `subject` (NULL: the registry), as
 * Confluent's lookup cache finds it (InMemoryCache.config): the subject's
 * own; else its context's (":.ctx:") outside the default context, the
 * registry's in it; else the one set on ".__GLOBAL". Returns 1 with *text
 * (malloc'd), 0 when none, -1. */
static int api_config_chain(struct store_tx *tx, const char *subject, char **text,
                            struct sg_error *err)
{
	int r = subject ? store_config_get(tx, subject, text, err) : 0;
	if (r != 0)
		return r;
	char ctx[STORE_CONTEXT_MAX + 3] = "";
	if (subject) {
		struct qsubject q;
		qsubject_parse(subject, &q);
		if (!qsubject_is_default(&q) && q.context_len < STORE_CONTEXT_MAX)
			snprintf(ctx, sizeof ctx, ":%.*s:", (int)q.context_len, q.context);
	}
	r = store_config_get(tx, ctx[0] ? ctx : NULL, text, err);
	if (r != 0)
		return r;
	return store_config_get(tx, ":" QSUBJECT_GLOBAL_CONTEXT ":", text, err);
}

json_t *api_config_scope(struct store_tx *tx, const char *subject, struct sg_error *err)
{
	char *text = NULL;
	int r = api_config_chain(tx, subject, &text, err);
	if (r < 0)
		return NULL;
	json_t *cfg = text ? json_loads(text, 0, NULL) : json_object();
	free(text);
	if (!json_is_object(cfg)) {
		json_decref(cfg);
		error_set(err, SG_ESTORE, "a stored config is malformed");
		return NULL;
	}
	if (!json_object_get(cfg, "compatibilityLevel"))
		json_object_set_new(cfg, "compatibilityLevel",
		                    json_string(level_name(LEVEL_BACKWARD)));
	return cfg;
}

/* ---- GET, PUT and DELETE /config[/{subject}] ---- */

/* The Config entity Confluent returns: fields in its order, the level
 * filled in with BACKWARD when the stored config has none. */
static json_t *api_config_view(const json_t *stored)
{
	json_t *full = entity_config_merge(stored, NULL);
	if (!full)
		full = json_object();
	if (full && !json_object_get(full, "compatibilityLevel")) {
		json_t *lvl = json_pack("{s:s}", "compatibilityLevel", level_name(LEVEL_BACKWARD));
		json_t *merged = entity_config_merge(full, lvl);
		json_decref(lvl);
		json_decref(full);
		full = merged;
	}
	return full;
}

/* Reads the stored config of `subject` (NULL: the registry). Returns 1 with
 * *out set, 0 when none, -1. */
static int api_config_stored(struct store_tx *tx, const char *subject, json_t **out,
                             struct sg_error *err)
{
	char *text = NULL;
	*out = NULL;
	int r = store_config_get(tx, subject, &text, err);
	if (r == 1) {
		*out = json_loads(text, 0, NULL);
		free(text);
		if (!json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			return error_set(err, SG_ESTORE, "a stored config is malformed");
		}
	}
	return r;
}

/* GET /config[/{subject}]: the config as Confluent shows it; a subject
 * without its own is a 40408 unless ?defaultToGlobal=true. */
void api_config_get(struct api_ctx *c)
{
	int to_global = api_query_bool(c, "defaultToGlobal");
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	json_t *stored = NULL;
	int r = api_config_stored(tx, c->subject, &stored, &e);
	if (r == 0 && c->subject && to_global) {
		char *text = NULL;
		r = api_config_chain(tx, c->subject, &text, &e);
		/* Not inside json_is_object(): a macro that evaluates its
		 * argument twice. */
		if (r == 1)
			stored = json_loads(text, 0, NULL);
		if (r == 1 && !json_is_object(stored)) {
			json_decref(stored);
			stored = NULL;
			r = error_set(&e, SG_ESTORE, "a stored config is malformed");
		}
		free(text);
	}
	store_end(tx);
	if (r < 0) {
		api_send_error(c, &e);
		return;
	}
	if (r == 0 && c->subject && !to_global) {
		api_fail(c, SG_ECOMPAT_NOT_CONFIGURED,
		         "Subject '%s' does not have subject-level compatibility configured",
		         c->subject);
		return;
	}
	json_t *view = api_config_view(stored);
	json_decref(stored);
	api_send_json(c, view);
}

/* PUT /config[/{subject}]: merges the request into the stored config and
 * answers the result as Confluent 8 does (the stored config in the request's
 * shape, the level upper-cased: {"compatibility": "BACKWARD"}); an empty
 * object changes nothing and answers the config as it is. The body is
 * checked before the subject. */
void api_config_put(struct api_ctx *c)
{
	struct sg_error e = {0};
	json_t *body = NULL, *stored = NULL, *old = NULL, *merged = NULL, *view = NULL;
	if (jsonio_parse(c->req->body, c->req->body_len, &body, &e) < 0)
		goto fail;
	if (!body || json_is_null(body)) {
		error_set(&e, SG_EUNPROCESSABLE, "The request body may not be empty");
		goto fail;
	}
	if (entity_config_request(body, &stored, &e) < 0 ||
	    ruleset_validate(json_object_get(body, "defaultRuleSet"), &e) < 0 ||
	    ruleset_validate(json_object_get(body, "overrideRuleSet"), &e) < 0)
		goto fail;
	if (c->subject && api_check_subject(c) < 0)
		goto done;
	struct store_tx *tx = api_write(c);
	if (!tx)
		goto done;
	char mode[STORE_MODE_MAX];
	int gate = api_mode_gate(c, tx, mode, &e);
	if (gate != 0) {
		store_end(tx);
		if (gate < 0)
			goto fail;
		goto done;
	}
	char *text = NULL;
	if (api_config_stored(tx, c->subject, &old, &e) < 0 ||
	    !(merged = entity_config_merge(old, stored)) ||
	    !(view = entity_config_update_view(merged)) || !(text = jsonio_dump(merged, NULL)) ||
	    store_config_put(tx, c->subject, text, &e) < 0) {
		free(text);
		if (e.code == SG_OK)
			error_set(&e, SG_ENOMEM, "out of memory");
		store_end(tx);
		goto fail;
	}
	free(text);
	if (api_commit(c, &tx) == 0) {
		api_send_json(c, view);
		view = NULL;
	}
	goto done;
fail:
	api_send_error(c, &e);
done:
	json_decref(body);
	json_decref(stored);
	json_decref(old);
	json_decref(merged);
	json_decref(view);
}

/* DELETE /config[/{subject}]: removes it, and answers what it was. */
void api_config_delete(struct api_ctx *c)
{
	struct store_tx *tx = api_write(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	json_t *old = NULL;
	char mode[STORE_MODE_MAX];
	int r = api_config_stored(tx, c->subject, &old, &e);
	if (r < 0)
		goto fail;
	if (r == 0 && c->subject) {
		api_fail(c, SG_ESUBJECT_NOT_FOUND, "Subject '%s' not found.", c->subject);
		goto done;
	}
	if ((r = api_mode_gate(c, tx, mode, &e)) < 0)
		goto fail;
	if (r > 0)
		goto done;
	if (store_config_delete(tx, c->subject, &e) < 0)
		goto fail;
	if (api_commit(c, &tx) < 0)
		goto done;
	api_send_json(c, api_config_view(old));
	goto done;
fail:
	api_send_error(c, &e);
done:
	store_end(tx);
	json_decref(old);
}
