/* registry/api/request.c: the request in flight (struct api_ctx, see
 * internal.h): answering it, reading its parameters, paging a listing, its
 * store transaction, and the schema its body carries.
 *
 * Errors reach the client through api_fail()/api_send_error(), which map the
 * code through the one table in compat/error.h. The messages are Confluent's.
 */
#include "registry/api/internal.h"

#include "registry/idcache.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "compat/jsonschema/jsvalue.h"
#include "registry/entity.h"
#include "registry/jsonio.h"
#include "registry/qsubject.h"

#define API_MAX_REFS 1000 /* references one registration may carry */

/* ---- Responses ---- */

void api_send(struct api_ctx *c, int status, char *body, size_t len)
{
	c->resp->status = status;
	c->resp->body = body;
	c->resp->body_len = len;
	c->resp->content_type = c->ctype;
}

void api_send_error_msg(struct api_ctx *c, int code, const char *msg)
{
	size_t len = 0;
	char *body = jsonio_error_body_msg(code, msg, &len);
	if (!body) {
		static const char oom[] = "{\"error_code\":50001,\"message\":\"out of memory\"}";
		body = strdup(oom);
		len = body ? sizeof oom - 1 : 0;
		code = SG_ENOMEM;
	}
	api_send(c, error_http_status(code), body, len);
}

void api_send_error(struct api_ctx *c, const struct sg_error *e)
{
	api_send_error_msg(c, e->code == SG_OK ? SG_EINTERNAL : e->code, e->msg);
}

void api_fail(struct api_ctx *c, int code, const char *fmt, ...)
{
	struct sg_error e = {0};
	char msg[SG_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	error_set(&e, code, "%s", msg);
	api_send_error(c, &e);
}

void api_send_json(struct api_ctx *c, json_t *v)
{
	size_t len = 0;
	char *body = v ? jsonio_dump(v, &len) : NULL;
	json_decref(v);
	if (!body) {
		api_fail(c, SG_ENOMEM, "out of memory");
		return;
	}
	api_send(c, 200, body, len);
}

void api_send_text(struct api_ctx *c, const char *text)
{
	char *body = strdup(text);
	if (!body) {
		api_fail(c, SG_ENOMEM, "out of memory");
		return;
	}
	api_send(c, 200, body, strlen(body));
}

void api_not_found(struct api_ctx *c)
{
	api_fail(c, SG_ENOTFOUND, "HTTP 404 Not Found");
}

/* ---- Parameters ---- */

const char *api_query(struct api_ctx *c, const char *key)
{
	if (c->query_key && strcmp(key, c->query_key) == 0)
		return c->query_value;
	return http_query(c->req, key);
}

int api_query_bool(struct api_ctx *c, const char *key)
{
	return jsonio_parse_bool(api_query(c, key));
}

int api_query_int(struct api_ctx *c, const char *key, int dflt, int *out)
{
	const char *s = api_query(c, key);
	*out = dflt;
	if (!s || !*s)
		return 0;
	int32_t v;
	if (jsonio_parse_int32(s, &v) < 0) {
		api_not_found(c);
		return -1;
	}
	*out = v;
	return 0;
}

int api_version_param(struct api_ctx *c, const char *raw, int *out)
{
	char buf[64];
	size_t n = strlen(raw);
	const char *s = raw;
	while (n && (unsigned char)*s <= ' ') {
		s++;
		n--;
	}
	while (n && (unsigned char)s[n - 1] <= ' ')
		n--;
	int ok = 0;
	if (n < sizeof buf) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		int32_t v;
		if (strcasecmp(buf, "latest") == 0) {
			*out = -1;
			ok = 1;
		} else if (jsonio_parse_int32(buf, &v) == 0 && (v >= 1 || v == -1)) {
			*out = v;
			ok = 1;
		}
	}
	if (!ok)
		api_fail(c, SG_EINVALID_VERSION,
		         "The specified version '%s' is not a valid version id. Allowed values are "
		         "between [1, 2^31-1] and the string \"latest\"",
		         raw);
	return ok ? 0 : -1;
}

/* Confluent refuses subjects with ISO control characters and its reserved
 * names, and the context ".__GLOBAL" but for a config or a mode
 * (QualifiedSubject.isValidSubject). */
int api_check_subject(struct api_ctx *c)
{
	const char *first = c->req->segs[0];
	int config_or_mode = strcmp(first, "config") == 0 || strcmp(first, "mode") == 0;
	if (qsubject_valid(c->subject, config_or_mode))
		return 0;
	api_fail(c, SG_EINVALID_SUBJECT, "The specified subject '%s' is not a valid.", c->subject);
	return -1;
}

json_t *api_page(json_t *a, int offset, int limit)
{
	size_t n = json_array_size(a);
	size_t off = offset > 0 ? (size_t)offset : 0;
	if (off == 0 && (limit <= 0 || (size_t)limit >= n))
		return a;
	json_t *page = json_array();
	for (size_t i = off; page && i < n && (limit <= 0 || i - off < (size_t)limit); i++)
		json_array_append(page, json_array_get(a, i));
	json_decref(a);
	return page;
}

void api_pager_init(struct api_pager *p, int offset, int limit)
{
	p->out = json_array();
	p->skip = offset > 0 ? (size_t)offset : 0;
	p->left = limit > 0 ? (size_t)limit : SIZE_MAX;
	p->keep = NULL;
	p->keep_arg = NULL;
}

int api_pager_push(struct api_pager *p, json_t *v)
{
	if (!v)
		return 0;
	if (p->left == 0) {
		json_decref(v);
		return 1;
	}
	if (p->keep && !p->keep(v, p->keep_arg)) {
		json_decref(v);
		return 0;
	}
	if (p->skip) {
		p->skip--;
		json_decref(v);
		return 0;
	}
	json_array_append_new(p->out, v);
	return --p->left == 0;
}

/* ---- Store access shared by handlers ---- */

struct store_tx *api_read(struct api_ctx *c)
{
	struct sg_error e = {0};
	struct store_tx *tx = store_read(c->a->st, &e);
	if (!tx)
		api_send_error(c, &e);
	return tx;
}

struct store_tx *api_write(struct api_ctx *c)
{
	struct sg_error e = {0};
	struct store_tx *tx = store_write(c->a->st, &e);
	if (!tx)
		api_send_error(c, &e);
	return tx;
}

int api_commit(struct api_ctx *c, struct store_tx **tx)
{
	struct sg_error e = {0};
	int rc = store_commit(*tx, &e);
	*tx = NULL;
	/* A write may change the ts and deleted of what /schemas/ids/{id}
	 * answers (registry/idcache.h). */
	idcache_forget_all(c->a->ids);
	if (rc < 0) {
		api_send_error(c, &e);
		return -1;
	}
	return 0;
}

/* ---- The schema in a request ---- */

void api_sreq_clear(struct api_sreq *r)
{
	json_decref(r->body);
	json_decref(r->metadata);
	json_decref(r->ruleset);
	free(r->refs);
	memset(r, 0, sizeof *r);
}

int api_sreq_parse(struct api_ctx *c, struct api_sreq *r, const char **bad_ref)
{
	struct sg_error e = {0};
	memset(r, 0, sizeof *r);
	r->id = -1;
	*bad_ref = NULL;
	if (jsonio_parse(c->req->body, c->req->body_len, &r->body, &e) < 0)
		goto fail;
	if (!r->body || json_is_null(r->body)) {
		error_set(&e, SG_EUNPROCESSABLE, "The request body may not be empty");
		goto fail;
	}
	if (!json_is_object(r->body)) {
		error_set(&e, SG_EBAD_REQUEST, "The request body must be a JSON object, not %s",
		          jsvalue_type_word(r->body));
		goto fail;
	}
	json_t *refs = NULL;
	int has;
	if (jsonio_get_string(r->body, "schema", &r->text, &e) < 0 ||
	    jsonio_get_string(r->body, "schemaType", &r->type_name, &e) < 0 ||
	    jsonio_get_array(r->body, "references", &refs, &e) < 0 ||
	    jsonio_get_int32(r->body, "id", -1, &r->id, &has, &e) < 0 ||
	    jsonio_get_int32(r->body, "version", 0, &r->version, &has, &e) < 0 ||
	    entity_metadata(json_object_get(r->body, "metadata"), "metadata", &r->metadata, &e) <
	        0 ||
	    entity_ruleset(json_object_get(r->body, "ruleSet"), "ruleSet", &r->ruleset, &e) < 0)
		goto fail;
	size_t n = json_array_size(refs);
	if (n > API_MAX_REFS) {
		error_set(&e, SG_EUNPROCESSABLE, "A schema may carry at most %d references",
		          API_MAX_REFS);
		goto fail;
	}
	if (n && !(r->refs = calloc(n, sizeof *r->refs))) {
		error_set(&e, SG_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *ref = json_array_get(refs, i);
		if (!json_is_object(ref)) {
			error_set(&e, SG_EBAD_REQUEST,
			          "Field 'references' must hold objects, not %s",
			          jsvalue_type_word(ref));
			goto fail;
		}
		struct store_ref *sr = &r->refs[r->nrefs];
		int present = 0;
		if (jsonio_get_string(ref, "name", &sr->name, &e) < 0 ||
		    jsonio_get_string(ref, "subject", &sr->subject, &e) < 0 ||
		    jsonio_get_int32(ref, "version", 0, &sr->version, &present, &e) < 0)
			goto fail;
		if (!sr->name || !sr->subject || !present) {
			if (!*bad_ref) {
				char version[16] = "null";
				if (present)
					snprintf(version, sizeof version, "%d", sr->version);
				snprintf(r->bad_ref, sizeof r->bad_ref,
				         "{name='%s', subject='%s', version=%s}",
				         sr->name ? sr->name : "null",
				         sr->subject ? sr->subject : "null", version);
				*bad_ref = r->bad_ref;
			}
			continue;
		}
		r->nrefs++;
	}
	return 0;
fail:
	api_sreq_clear(r);
	api_send_error(c, &e);
	return -1;
}
