/* registry/api/mode.c: GET, PUT and DELETE /mode[/{subject}], with the
 * switch to IMPORT, and the mode that applies to a subject (api_mode_scope),
 * which every write reads first.
 */
#include "registry/api/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "compat/jsonschema/jsvalue.h"
#include "registry/jsonio.h"
#include "registry/qsubject.h"

/* The mode set on `scope` (NULL: the registry) or, when none, on the
 * context ".__GLOBAL" (InMemoryCache.mode's last step). Returns 1 with
 * `mode` filled, 0 when neither is set, -1. */
static int api_mode_or_global(struct store_tx *tx, const char *scope, char mode[STORE_MODE_MAX],
                              struct sg_error *err)
{
	int r = store_mode_get(tx, scope, mode, err);
	if (r != 0)
		return r;
	return store_mode_get(tx, ":" QSUBJECT_GLOBAL_CONTEXT ":", mode, err);
}

int api_mode_scope(struct store_tx *tx, const char *subject, int own_only,
                   char mode[STORE_MODE_MAX], struct sg_error *err)
{
	char global[STORE_MODE_MAX];
	int g = api_mode_or_global(tx, NULL, global, err);
	if (g < 0)
		return -1;
	if (!g)
		snprintf(global, sizeof global, "READWRITE");
	if (!subject || strcmp(global, "READONLY_OVERRIDE") == 0) {
		snprintf(mode, STORE_MODE_MAX, "%s", global);
		return 0;
	}
	int s = store_mode_get(tx, subject, mode, err);
	if (s < 0)
		return -1;
	if (s || own_only) {
		if (!s)
			mode[0] = '\0';
		return 0;
	}
	/* Outside the default context, the context's own mode (":.ctx:") comes
	 * before ".__GLOBAL"'s; the registry's does not apply there. */
	struct qsubject q;
	qsubject_parse(subject, &q);
	if (qsubject_is_default(&q) || q.context_len >= STORE_CONTEXT_MAX) {
		snprintf(mode, STORE_MODE_MAX, "%s", global);
		return 0;
	}
	char ctx[STORE_CONTEXT_MAX + 3];
	snprintf(ctx, sizeof ctx, ":%.*s:", (int)q.context_len, q.context);
	s = strcmp(ctx, subject) == 0 ? 0 : api_mode_or_global(tx, ctx, mode, err);
	if (s == 0)
		s = api_mode_or_global(tx, subject, mode, err);
	if (s < 0)
		return -1;
	if (!s)
		snprintf(mode, STORE_MODE_MAX, "READWRITE");
	return 0;
}

int api_mode_readonly(const char *mode)
{
	return strcmp(mode, "READONLY") == 0 || strcmp(mode, "READONLY_OVERRIDE") == 0;
}

const char *api_mode_context_word(const char *subject, char *out, size_t cap)
{
	struct qsubject q;
	out[0] = '\0';
	if (!subject)
		return out;
	qsubject_parse(subject, &q);
	if (!qsubject_is_default(&q))
		snprintf(out, cap, ":%.*s:", (int)q.context_len, q.context);
	return out;
}

int api_mode_gate(struct api_ctx *c, struct store_tx *tx, char mode[STORE_MODE_MAX],
                  struct sg_error *err)
{
	if (api_mode_scope(tx, c->subject, 0, mode, err) < 0)
		return -1;
	if (!api_mode_readonly(mode))
		return 0;
	/* Confluent words the registry-wide case "Subject null in context  ...". */
	char ctx[STORE_CONTEXT_MAX + 3];
	api_fail(c, SG_EOPERATION_NOT_PERMITTED, "Subject %s in context %s is in read-only mode",
	         c->subject ? c->subject : "null",
	         api_mode_context_word(c->subject, ctx, sizeof ctx));
	return 1;
}

/* ---- GET, PUT and DELETE /mode[/{subject}] ---- */

static const char *const api_modes[] = {"READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT",
                                        NULL};

/* GET /mode[/{subject}]: the mode that applies; a subject without its own
 * is a 40409 unless ?defaultToGlobal=true. */
void api_mode_get(struct api_ctx *c)
{
	int to_global = api_query_bool(c, "defaultToGlobal");
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	char mode[STORE_MODE_MAX];
	int r = api_mode_scope(tx, c->subject, !to_global, mode, &e);
	store_end(tx);
	if (r < 0) {
		api_send_error(c, &e);
		return;
	}
	if (!mode[0]) {
		api_fail(c, SG_EMODE_NOT_CONFIGURED,
		         "Subject '%s' does not have subject-level mode configured", c->subject);
		return;
	}
	api_send_json(c, json_pack("{s:s}", "mode", mode));
}

/* A store_subjects() callback appending the subject to the array `ctx`. */
static int api_import_subject_cb(void *ctx, const struct store_version *v)
{
	json_array_append_new(ctx, json_string(v->subject));
	return 0;
}

/* The subjects a mode set on c->subject covers, as InMemoryCache's
 * matchingSubjectPredicate: the registry's (NULL) and ".__GLOBAL"'s cover
 * every subject of every context, a context alone (":.ctx:") the subjects
 * of that context, any other subject itself. Returns the prefix to list
 * subjects by, or NULL for the subject itself. */
static const char *api_import_prefix(const struct api_ctx *c)
{
	struct qsubject q;
	if (!c->subject)
		return "";
	qsubject_parse(c->subject, &q);
	if (*q.subject)
		return NULL;
	if (q.context_len == strlen(QSUBJECT_GLOBAL_CONTEXT) &&
	    memcmp(q.context, QSUBJECT_GLOBAL_CONTEXT, q.context_len) == 0)
		return "";
	return c->subject;
}

/* Switching to IMPORT (KafkaSchemaRegistry.setMode): Confluent requires no
 * live subject in scope (api_import_prefix), then hard-deletes what is left
 * (soft-deleted versions), unless a version of them is referred to: every
 * version is checked, in subject and version order, before any is deleted.
 * Returns 0, or -1 with the response sent. */
static int api_import_prepare(struct api_ctx *c, struct store_tx *tx, struct api_dropped *dropped)
{
	struct sg_error e = {0};
	json_t *subjects = json_array(), *versions = json_array();
	const char *prefix = api_import_prefix(c);
	int rc = -1;
	int live;
	if (!subjects || !versions) {
		error_set(&e, SG_ENOMEM, "out of memory");
		goto fail;
	}
	if (!prefix) {
		live = store_subject_exists(tx, c->subject, 0, &e);
		if (live == 0 && store_subject_exists(tx, c->subject, 1, &e) == 1)
			json_array_append_new(subjects, json_string(c->subject));
	} else {
		live = store_subjects(tx, prefix, STORE_LIVE, api_import_subject_cb, subjects, &e);
		json_array_clear(subjects);
		if (live == 0 &&
		    store_subjects(tx, prefix, STORE_ALL, api_import_subject_cb, subjects, &e) < 0)
			live = -1;
	}
	if (live < 0 || e.code)
		goto fail;
	if (live > 0) {
		api_fail(c, SG_EOPERATION_NOT_PERMITTED,
		         "Cannot import since found existing subjects");
		goto out;
	}
	/* First every version's referrers, then the deletes. */
	for (int purge = 0; purge < 2; purge++) {
		for (size_t i = 0; i < json_array_size(subjects); i++) {
			const char *s = json_string_value(json_array_get(subjects, i));
			json_array_clear(versions);
			if (store_versions(tx, s, STORE_ALL, api_versions_collect_cb, versions,
			                   &e) < 0)
				goto fail;
			size_t n = json_array_size(versions);
			for (size_t j = 0; j < n; j++) {
				/* Checks oldest first; deletes newest first, so a version
				 * referring to an older one of its subject goes first. */
				json_t *pair = json_array_get(versions, purge ? n - 1 - j : j);
				int v = (int)json_integer_value(json_array_get(pair, 0));
				int64_t gone = 0;
				if (purge) {
					if (store_version_purge(tx, s, v, &gone, &e) < 0 ||
					    api_dropped_add(dropped, gone, &e) < 0)
						goto fail;
					continue;
				}
				int ref = api_versions_referenced(tx, s, v, 1, NULL, &e);
				if (ref < 0)
					goto fail;
				if (ref) {
					api_versions_fail_referenced(c, s, v);
					goto out;
				}
			}
		}
	}
	rc = 0;
	goto out;
fail:
	api_send_error(c, &e);
out:
	json_decref(subjects);
	json_decref(versions);
	return rc;
}

/* PUT /mode[/{subject}]: sets the mode, and answers it as given. Unless
 * ?force=true, switching to IMPORT requires no live subject in scope and
 * purges what is left (api_import_prepare). */
void api_mode_put(struct api_ctx *c)
{
	struct sg_error e = {0};
	json_t *body = NULL;
	struct store_tx *tx = NULL;
	struct api_dropped dropped = {0};
	if (c->subject && api_check_subject(c) < 0)
		return;
	if (jsonio_parse(c->req->body, c->req->body_len, &body, &e) < 0)
		goto fail;
	if (!body || json_is_null(body)) {
		error_set(&e, SG_EUNPROCESSABLE, "The request body may not be empty");
		goto fail;
	}
	if (!json_is_object(body)) {
		error_set(&e, SG_EBAD_REQUEST, "The request body must be a JSON object, not %s",
		          jsvalue_type_word(body));
		goto fail;
	}
	const char *given;
	if (jsonio_get_string(body, "mode", &given, &e) < 0)
		goto fail;
	const char *mode = NULL;
	for (size_t i = 0; given && api_modes[i]; i++)
		if (strcasecmp(given, api_modes[i]) == 0)
			mode = api_modes[i];
	if (!mode) {
		api_fail(c, SG_EINVALID_MODE,
		         "Invalid mode. Valid values are READWRITE, READONLY, and IMPORT.");
		goto done;
	}
	int force = api_query_bool(c, "force");
	if (!(tx = api_write(c)))
		goto done;
	char current[STORE_MODE_MAX];
	if (api_mode_scope(tx, c->subject, 0, current, &e) < 0)
		goto fail;
	if (strcmp(mode, "IMPORT") == 0 && strcmp(current, "IMPORT") != 0 && !force &&
	    api_import_prepare(c, tx, &dropped) < 0)
		goto done;
	if (store_mode_put(tx, c->subject, mode, &e) < 0)
		goto fail;
	if (api_commit(c, &tx) < 0)
		goto done;
	api_dropped_forget(c->a, &dropped);
	api_send_json(c, json_pack("{s:s}", "mode", given));
	goto done;
fail:
	api_send_error(c, &e);
done:
	store_end(tx);
	free(dropped.ids);
	json_decref(body);
}

/* DELETE /mode[/{subject}]: removes the mode set there, and answers what it
 * was. */
void api_mode_delete(struct api_ctx *c)
{
	struct store_tx *tx = api_write(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	char old[STORE_MODE_MAX];
	int r = api_mode_scope(tx, c->subject, 1, old, &e);
	if (r < 0)
		goto fail;
	if (!old[0]) {
		api_fail(c, SG_ESUBJECT_NOT_FOUND, "Subject '%s' not found.", c->subject);
		goto done;
	}
	if (store_mode_delete(tx, c->subject, &e) < 0)
		goto fail;
	if (api_commit(c, &tx) < 0)
		goto done;
	api_send_json(c, json_pack("{s:s}", "mode", old));
	goto done;
fail:
	api_send_error(c, &e);
done:
	store_end(tx);
}
