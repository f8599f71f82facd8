/* registry/api.c: the Confluent REST API over the store.
 *
 * api_handle() routes a request, negotiates the content types, and calls one
 * handler. Handlers read through a read transaction and write through the
 * store's single write transaction; every check that a write depends on
 * (does the schema exist, is it compatible, which version and id come next)
 * happens inside that transaction, so concurrent requests cannot interleave
 * between a check and the write it guards.
 *
 * Errors reach the client through api_fail()/api_send_error(), which map the
 * code through the one table in compat/error.h. The messages are Confluent's.
 */
#include "registry/api.h"
#include "registry/ui.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "config.h"
#include "compat/jsonschema/jsvalue.h"
#include "compat/level.h"
#include "compat/ruleset.h"
#include "compat/schema.h"
#include "registry/compatreport.h"
#include "registry/entity.h"
#include "registry/idcache.h"
#include "registry/jsonio.h"
#include "registry/schemacache.h"
#include "registry/store.h"

#define API_CT_V1   "application/vnd.schemaregistry.v1+json"
#define API_CT_SR   "application/vnd.schemaregistry+json"
#define API_CT_JSON "application/json"

#define API_SCHEMA_LIMIT 1000 /* GET /schemas: default and largest page */
#define API_MAX_REFS     1000 /* references one registration may carry */

struct api {
	struct store *st;
	size_t body_limit;
	struct idcache *ids;
	struct schemacache *parsed;
	char *types; /* the GET /schemas/types body, immutable */
};

/* One request in flight. */
struct api_ctx {
	struct api *a;
	const struct http_request *req;
	struct http_response *resp;
	const char *ctype; /* negotiated response type */
	char *subject;     /* the {subject} segment, UTF-8 repaired; NULL if none */
};

/* ---- Responses ---- */

static void api_send(struct api_ctx *c, int status, char *body, size_t len)
{
	c->resp->status = status;
	c->resp->body = body;
	c->resp->body_len = len;
	c->resp->content_type = c->ctype;
}

static void api_send_error_msg(struct api_ctx *c, int code, const char *msg)
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

static void api_send_error(struct api_ctx *c, const struct sg_error *e)
{
	api_send_error_msg(c, e->code == SG_OK ? SG_EINTERNAL : e->code, e->msg);
}

static void api_fail(struct api_ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void api_fail(struct api_ctx *c, int code, const char *fmt, ...)
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

/* Sends `v` (stolen) as a 200 JSON body. */
static void api_send_json(struct api_ctx *c, json_t *v)
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

static void api_send_text(struct api_ctx *c, const char *text)
{
	char *body = strdup(text);
	if (!body) {
		api_fail(c, SG_ENOMEM, "out of memory");
		return;
	}
	api_send(c, 200, body, strlen(body));
}

/* What Jersey answers when no resource matches, or a path or query parameter
 * does not convert to its Java type. */
static void api_not_found(struct api_ctx *c)
{
	api_fail(c, SG_ENOTFOUND, "HTTP 404 Not Found");
}

/* ---- Parameters ---- */

static const char *api_query(struct api_ctx *c, const char *key)
{
	return http_query(c->req, key);
}

static int api_query_bool(struct api_ctx *c, const char *key)
{
	return jsonio_parse_bool(api_query(c, key));
}

/* An int query parameter: absent or empty gives `dflt`; anything Java cannot
 * parse as an int is a 404, as in Jersey. Returns 0 or -1 (response sent). */
static int api_query_int(struct api_ctx *c, const char *key, int dflt, int *out)
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

/* Confluent's VersionId: "latest" (any case, trimmed) or an int in
 * [1, 2^31-1], or -1 for latest. Returns 0, or -1 with the 42202 sent. */
static int api_version_param(struct api_ctx *c, const char *raw, int *out)
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
 * names. */
static int api_subject_valid(const char *s)
{
	if (strcmp(s, "__GLOBAL") == 0 || strcmp(s, "__EMPTY") == 0)
		return 0;
	const unsigned char *p = (const unsigned char *)s;
	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 0;
	}
	return 1;
}

static int api_check_subject(struct api_ctx *c)
{
	if (api_subject_valid(c->subject))
		return 0;
	api_fail(c, SG_EINVALID_SUBJECT, "The specified subject '%s' is not a valid.", c->subject);
	return -1;
}

/* Applies offset and limit to a JSON array (Java's skip/limit): returns a
 * new array with the page, and releases `a`. A limit <= 0 means none. */
static json_t *api_page(json_t *a, int offset, int limit)
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

/* Collects listing entries with offset and limit applied as they come, so a
 * long listing holds only its page in memory. */
struct api_pager {
	json_t *out;
	size_t skip; /* entries still to skip */
	size_t left; /* entries still to keep; SIZE_MAX for all */
};

static void api_pager_init(struct api_pager *p, int offset, int limit)
{
	p->out = json_array();
	p->skip = offset > 0 ? (size_t)offset : 0;
	p->left = limit > 0 ? (size_t)limit : SIZE_MAX;
}

/* Takes `v`. Returns 1 when the page is full (stop listing), else 0. */
static int api_pager_push(struct api_pager *p, json_t *v)
{
	if (!v)
		return 0;
	if (p->left == 0) {
		json_decref(v);
		return 1;
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

static struct store_tx *api_read(struct api_ctx *c)
{
	struct sg_error e = {0};
	struct store_tx *tx = store_read(c->a->st, &e);
	if (!tx)
		api_send_error(c, &e);
	return tx;
}

static struct store_tx *api_write(struct api_ctx *c)
{
	struct sg_error e = {0};
	struct store_tx *tx = store_write(c->a->st, &e);
	if (!tx)
		api_send_error(c, &e);
	return tx;
}

/* Commits; on failure sends the error. Returns 0 or -1. */
static int api_commit(struct api_ctx *c, struct store_tx *tx)
{
	struct sg_error e = {0};
	if (store_commit(tx, &e) < 0) {
		api_send_error(c, &e);
		return -1;
	}
	return 0;
}

/* The config that applies to `subject` (NULL: the registry's), as Confluent
 * resolves it: the subject's own, else the registry's, else the default; a
 * config without a level gets BACKWARD. Returns a new object or NULL. */
static json_t *api_config_scope(struct store_tx *tx, const char *subject, struct sg_error *err)
{
	char *text = NULL;
	int r = subject ? store_config_get(tx, subject, &text, err) : 0;
	if (r == 0)
		r = store_config_get(tx, NULL, &text, err);
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

/* The mode that applies to `subject`: a registry-wide READONLY_OVERRIDE
 * wins, then the subject's own mode, then the registry's, else READWRITE.
 * With `own_only`, a subject without its own mode yields "" (Confluent's
 * getMode). Returns 0 or -1. */
static int api_mode_scope(struct store_tx *tx, const char *subject, int own_only,
                          char mode[STORE_MODE_MAX], struct sg_error *err)
{
	char global[STORE_MODE_MAX];
	int g = store_mode_get(tx, NULL, global, err);
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
	if (!s)
		snprintf(mode, STORE_MODE_MAX, "%s", own_only ? "" : global);
	return 0;
}

static int api_mode_readonly(const char *mode)
{
	return strcmp(mode, "READONLY") == 0 || strcmp(mode, "READONLY_OVERRIDE") == 0;
}

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

/* A schema as Confluent's Schema entity writes it: subject and version when
 * given, id, schemaType unless AVRO, references and metadata and ruleSet
 * when present, schema. Returns a new object or NULL. */
static json_t *api_schema_entity(const char *subject, int version, const struct store_schema *s)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	if (subject)
		json_object_set_new(o, "subject", json_string(subject));
	if (version > 0)
		json_object_set_new(o, "version", json_integer(version));
	json_object_set_new(o, "id", json_integer(s->id));
	if (s->type && strcmp(s->type, "AVRO") != 0)
		json_object_set_new(o, "schemaType", json_string(s->type));
	api_put_stored_extras(o, s);
	json_object_set_new(o, "schema", json_string(s->text));
	return o;
}

struct api_entity_ctx {
	const char *subject;
	int version;
	json_t *out;
};

static int api_entity_cb(void *ctx, const struct store_schema *s)
{
	struct api_entity_ctx *e = ctx;
	e->out = api_schema_entity(e->subject, e->version, s);
	return 0;
}

/* Loads schema `id` as an entity (subject/version when given). Returns 1
 * with *out set, 0 when absent, -1 on error. */
static int api_load_entity(struct store_tx *tx, int64_t id, const char *subject, int version,
                           json_t **out, struct sg_error *err)
{
	struct api_entity_ctx e = {subject, version, NULL};
	int r = store_schema_get(tx, id, api_entity_cb, &e, err);
	if (r == 1 && !e.out)
		return error_set(err, SG_ENOMEM, "out of memory");
	*out = e.out;
	return r;
}

/* ?format=resolved. Confluent applies it to Avro only (AvroSchema's
 * formattedString()); other values, like "default", and other schema types
 * answer the stored string. */
static int api_wants_resolved(struct api_ctx *c)
{
	const char *f = api_query(c, "format");
	return f && strcmp(f, "resolved") == 0;
}

/* Sets "schema" of entity `ent` to the resolved form of `s`. 0, or -1 with
 * `err` set. */
static int api_set_resolved(json_t *ent, const struct schema *s, struct sg_error *err)
{
	char *text = schema_resolved(s);
	json_t *v = text ? json_string(text) : NULL;
	free(text);
	if (!v || json_object_set_new(ent, "schema", v) != 0)
		return error_set(err, SG_ENOMEM, "out of memory");
	return 0;
}

/* Applies ?format=resolved to entity `ent` of a stored schema (its "id"):
 * an Avro schema with references gets them written out in full; anything
 * else is already in its resolved form. 0, or -1 with `err` set. */
static int api_apply_format(struct api_ctx *c, struct store_tx *tx, json_t *ent,
                            struct sg_error *err)
{
	if (!ent || !api_wants_resolved(c) || json_object_get(ent, "schemaType") ||
	    !json_object_get(ent, "references"))
		return 0;
	int64_t id = json_integer_value(json_object_get(ent, "id"));
	struct schemacache_item *item = schemacache_get(c->a->parsed, tx, id, err);
	if (!item)
		return -1;
	int rc = api_set_resolved(ent, schemacache_schema(item), err);
	schemacache_release(c->a->parsed, item);
	return rc;
}

struct api_find_version {
	const char *subject;
	int any;
	int version;
};

static int api_find_version_cb(void *ctx, const struct store_version *v)
{
	struct api_find_version *f = ctx;
	if (strcmp(v->subject, f->subject) == 0 && (f->any || !v->deleted) &&
	    v->version > f->version)
		f->version = v->version;
	return 0;
}

/* The newest live version (or any version, with `any`) of `subject` that uses
 * schema `id`. Returns the version, 0 when none, -1. */
static int api_version_of(struct store_tx *tx, const char *subject, int64_t id, int any,
                          struct sg_error *err)
{
	struct api_find_version f = {subject, any, 0};
	if (store_versions_by_schema(tx, id, 1, api_find_version_cb, &f, err) < 0)
		return -1;
	return f.version;
}

/* ---- The schema in a request ---- */

/* A registration, lookup or compatibility request body. Strings are borrowed
 * from `body`. */
struct api_sreq {
	json_t *body;
	const char *text;      /* "schema"; NULL or "" when absent */
	const char *type_name; /* "schemaType"; NULL means AVRO */
	enum schema_type type;
	int type_ok; /* type_name names a type we know */
	struct store_ref *refs;
	size_t nrefs;
	json_t *metadata;  /* canonical, owned; NULL when absent */
	json_t *ruleset;   /* canonical, owned; NULL when absent */
	int id;            /* -1 when absent */
	int version;       /* 0 when absent */
	char bad_ref[300]; /* the first incomplete reference, as Java prints it */
};

static void api_sreq_clear(struct api_sreq *r)
{
	json_decref(r->body);
	json_decref(r->metadata);
	json_decref(r->ruleset);
	free(r->refs);
	memset(r, 0, sizeof *r);
}

/* Reads the body as a RegisterSchemaRequest. Returns 0, or -1 with the error
 * sent. A reference missing a field is reported later, as Confluent does, as
 * an invalid schema: r->nrefs counts only complete references and *bad_ref
 * names the first incomplete one. */
static int api_sreq_parse(struct api_ctx *c, struct api_sreq *r, const char **bad_ref)
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
	r->type = SCHEMA_AVRO;
	r->type_ok = !r->type_name || schema_type_parse(r->type_name, &r->type) == 0;
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

/* A candidate schema: the request's schema parsed against the store, and its
 * content in the form the store keys on. */
struct api_cand {
	struct schemacache_item *item;
	const char *text;      /* canonical (or normalized) text, owned by item */
	const char *type_name; /* "AVRO", ... */
	char *refs_text;       /* stored references JSON, or NULL */
	json_t *refs_json;
	char *meta_text;
	char *rules_text;
	int *resolved;          /* concrete version of each reference */
	struct store_ref *refs; /* the request's, versions resolved */
	size_t nrefs;
};

static void api_cand_clear(struct api *a, struct api_cand *cd)
{
	schemacache_release(a->parsed, cd->item);
	free(cd->refs_text);
	json_decref(cd->refs_json);
	free(cd->meta_text);
	free(cd->rules_text);
	free(cd->resolved);
	free(cd->refs);
	memset(cd, 0, sizeof *cd);
}

static void api_cand_content(const struct api_cand *cd, struct store_schema *out)
{
	memset(out, 0, sizeof *out);
	out->type = cd->type_name;
	out->text = cd->text;
	out->refs = cd->refs_text;
	out->metadata = cd->meta_text;
	out->ruleset = cd->rules_text;
}

/* Sets the metadata and rule set of a candidate (either may be NULL). */
static int api_cand_set_extras(struct api_cand *cd, const json_t *meta, const json_t *rules,
                               struct sg_error *err)
{
	free(cd->meta_text);
	free(cd->rules_text);
	cd->meta_text = meta ? jsonio_dump(meta, NULL) : NULL;
	cd->rules_text = rules ? jsonio_dump(rules, NULL) : NULL;
	if ((meta && !cd->meta_text) || (rules && !cd->rules_text))
		return error_set(err, SG_ENOMEM, "out of memory");
	return 0;
}

static int api_ref_cmp(const void *pa, const void *pb)
{
	const struct store_ref *a = pa, *b = pb;
	int c = strcmp(a->subject, b->subject);
	return c ? c : (a->version > b->version) - (a->version < b->version);
}

/* Confluent's normalize() for references: sorted by subject then version,
 * duplicates dropped. Returns the new count. */
static size_t api_refs_normalize(struct store_ref *refs, size_t n)
{
	qsort(refs, n, sizeof *refs, api_ref_cmp);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && api_ref_cmp(&refs[k - 1], &refs[i]) == 0 &&
		    strcmp(refs[k - 1].name, refs[i].name) == 0)
			continue;
		refs[k++] = refs[i];
	}
	return k;
}

/* Parses `text` of `type` with `refs` resolved through tx into `cd`.
 * Errors are SG_EINVALID_SCHEMA with Confluent's message ("Invalid schema of
 * type AVRO, details: ..."), or store errors. */
static int api_cand_build(struct api *a, struct store_tx *tx, const struct api_sreq *r,
                          const char *text, enum schema_type type, const char *type_name,
                          const struct store_ref *refs, size_t nrefs, const char *bad_ref,
                          int normalize, struct api_cand *cd, struct sg_error *err)
{
	memset(cd, 0, sizeof *cd);
	if (type_name && schema_type_parse(type_name, &type) < 0)
		return error_set(err, SG_EINVALID_SCHEMA, "Invalid schema type %s", type_name);
	if (!text || !*text)
		return error_set(err, SG_EINVALID_SCHEMA, "Empty schema");
	if (bad_ref)
		return error_set(err, SG_EINVALID_SCHEMA,
		                 "Invalid schema of type %s, details: Invalid reference: %s",
		                 schema_type_name(type), bad_ref);
	cd->type_name = schema_type_name(type);
	if (nrefs) {
		cd->resolved = calloc(nrefs, sizeof *cd->resolved);
		cd->refs = calloc(nrefs, sizeof *cd->refs);
		if (!cd->resolved || !cd->refs)
			goto oom;
	}
	struct sg_error pe = {0};
	cd->item = schemacache_parse(a->parsed, tx, type, text, strlen(text), refs, nrefs,
	                             cd->resolved, &pe);
	if (!cd->item) {
		if (pe.code == SG_EINVALID_SCHEMA || pe.code == SG_ELIMIT)
			error_set(err, SG_EINVALID_SCHEMA, "Invalid schema of type %s, details: %s",
			          cd->type_name, pe.msg);
		else
			error_set(err, pe.code, "%s", pe.msg);
		goto fail;
	}
	const struct schema *s = schemacache_schema(cd->item);
	cd->text = normalize ? schema_normalized(s) : schema_canonical(s);
	if (!cd->text)
		cd->text = schema_canonical(s);
	if (nrefs) {
		for (size_t i = 0; i < nrefs; i++) {
			cd->refs[i] = refs[i];
			cd->refs[i].version = cd->resolved[i];
		}
		if (normalize)
			nrefs = api_refs_normalize(cd->refs, nrefs);
		cd->refs_json = json_array();
		if (!cd->refs_json)
			goto oom;
		for (size_t i = 0; i < nrefs; i++) {
			json_t *o = json_object();
			json_object_set_new(o, "name", json_string(cd->refs[i].name));
			json_object_set_new(o, "subject", json_string(cd->refs[i].subject));
			json_object_set_new(o, "version", json_integer(cd->refs[i].version));
			json_array_append_new(cd->refs_json, o);
		}
		cd->nrefs = nrefs;
		cd->refs_text = jsonio_dump(cd->refs_json, NULL);
		if (!cd->refs_text)
			goto oom;
	}
	if (api_cand_set_extras(cd, r ? r->metadata : NULL, r ? r->ruleset : NULL, err) < 0)
		goto fail;
	return 0;
oom:
	error_set(err, SG_ENOMEM, "out of memory");
fail:
	api_cand_clear(a, cd);
	return -1;
}

/* The entity of a candidate (for lookup and registration answers). */
static json_t *api_cand_entity(const struct api_cand *cd, const char *subject, int version,
                               int64_t id)
{
	struct store_schema s;
	api_cand_content(cd, &s);
	s.id = id;
	return api_schema_entity(subject, version, &s);
}

/* ---- Confluent's canLookup(): the same schema but for confluent:version ---- */

/* Metadata without the confluent:version property; NULL when nothing else is
 * left (Confluent treats no metadata and empty metadata alike here). */
static json_t *api_meta_without_version(const char *text)
{
	json_t *m = text ? json_loads(text, 0, NULL) : NULL;
	json_t *props = json_object_get(m, "properties");
	if (props) {
		json_object_del(props, ENTITY_CONFLUENT_VERSION);
		if (json_object_size(props) == 0)
			json_object_del(m, "properties");
	}
	if (m && json_object_size(m) == 0) {
		json_decref(m);
		m = NULL;
	}
	return m;
}

static int api_same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

struct api_equiv {
	const struct api_cand *cd;
	const char *cand_version; /* the candidate's confluent:version, or NULL */
	json_t *cand_meta;        /* the candidate's metadata without it */
	int version;              /* the version being compared */
	int match;
};

static int api_equiv_cb(void *ctx, const struct store_schema *s)
{
	struct api_equiv *q = ctx;
	const struct api_cand *cd = q->cd;
	if (strcmp(s->type, cd->type_name) != 0 || strcmp(s->text, cd->text) != 0 ||
	    !api_same_text(s->refs, cd->refs_text) || !api_same_text(s->ruleset, cd->rules_text))
		return 0;
	json_t *full = s->metadata ? json_loads(s->metadata, 0, NULL) : NULL;
	const char *prev_version = entity_metadata_property(full, ENTITY_CONFLUENT_VERSION);
	char mine[16];
	snprintf(mine, sizeof mine, "%d", q->version);
	/* Only a difference in confluent:version is forgiven, and a version the
	 * candidate names must be this one. */
	int applies = (prev_version || q->cand_version) &&
	              (!q->cand_version || strcmp(q->cand_version, mine) == 0);
	json_decref(full);
	if (!applies)
		return 0;
	json_t *prev = api_meta_without_version(s->metadata);
	q->match =
	    (!prev && !q->cand_meta) || (prev && q->cand_meta && json_equal(prev, q->cand_meta));
	json_decref(prev);
	return 0;
}

struct api_live_list {
	int versions[256];
	int64_t ids[256];
	size_t n;
};

static int api_live_list_cb(void *ctx, const struct store_version *v)
{
	struct api_live_list *l = ctx;
	if (l->n == sizeof l->versions / sizeof l->versions[0]) {
		memmove(l->versions, l->versions + 1, (l->n - 1) * sizeof l->versions[0]);
		memmove(l->ids, l->ids + 1, (l->n - 1) * sizeof l->ids[0]);
		l->n--;
	}
	l->versions[l->n] = v->version;
	l->ids[l->n] = v->schema_id;
	l->n++;
	return 0;
}

/* The newest live version of `subject` (among its latest 256) that is the
 * candidate but for the confluent:version metadata property, as Confluent's
 * canLookup() accepts. Returns the version with *id set, 0, or -1. */
static int api_find_equivalent(struct store_tx *tx, const char *subject, const struct api_cand *cd,
                               int64_t *id, struct sg_error *err)
{
	json_t *meta = cd->meta_text ? json_loads(cd->meta_text, 0, NULL) : NULL;
	const char *cv = entity_metadata_property(meta, ENTITY_CONFLUENT_VERSION);
	struct api_equiv q = {cd, cv, api_meta_without_version(cd->meta_text), 0, 0};
	struct api_live_list *l = calloc(1, sizeof *l);
	int found = 0;
	if (!l) {
		found = error_set(err, SG_ENOMEM, "out of memory");
		goto out;
	}
	if (store_versions(tx, subject, STORE_LIVE, api_live_list_cb, l, err) < 0) {
		found = -1;
		goto out;
	}
	for (size_t i = l->n; i-- > 0 && !found;) {
		q.version = l->versions[i];
		if (store_schema_get(tx, l->ids[i], api_equiv_cb, &q, err) < 0) {
			found = -1;
			break;
		}
		if (q.match) {
			*id = l->ids[i];
			found = l->versions[i];
		}
	}
out:
	free(l);
	json_decref(q.cand_meta);
	json_decref(meta);
	return found;
}

/* ---- Handlers: root, health, metadata, contexts ---- */

static void api_root(struct api_ctx *c)
{
	api_send_json(c, json_object());
}

static void api_health(struct api_ctx *c)
{
	struct sg_error e = {0};
	struct store_tx *tx = store_read(c->a->st, &e);
	int64_t max = tx ? store_schema_max_id(tx, &e) : -1;
	if (tx)
		store_end(tx);
	if (max < 0) {
		json_t *o = json_pack("{s:s, s:s}", "status", "DOWN", "reason", e.msg);
		size_t len = 0;
		char *body = o ? jsonio_dump(o, &len) : NULL;
		json_decref(o);
		api_send(c, error_http_status(SG_EUNAVAILABLE), body, len);
		return;
	}
	api_send_json(c, json_pack("{s:s}", "status", "UP"));
}

static void api_contexts(struct api_ctx *c)
{
	api_send_json(c, json_pack("[s]", "."));
}

static void api_metadata_id(struct api_ctx *c)
{
	api_send_json(c, json_pack("{s:s, s:{s:[], s:{s:s, s:s}}}", "id", "", "scope", "path",
	                           "clusters", "kafka-cluster", store_cluster_id(c->a->st),
	                           "schema-registry-cluster", "schema-registry"));
}

static void api_metadata_version(struct api_ctx *c)
{
	api_send_json(c, json_pack("{s:s, s:s}", "version", PACKAGE_VERSION, "commitId", ""));
}

static void api_schema_types(struct api_ctx *c)
{
	api_send_text(c, c->a->types);
}

/* ---- Handlers: schemas by id ---- */

static int api_id_param(struct api_ctx *c, int32_t *id)
{
	if (jsonio_parse_int32(c->req->segs[2], id) < 0) {
		api_not_found(c);
		return -1;
	}
	return 0;
}

/* GET /schemas/ids/{id}: a SchemaString (schemaType, schema, references,
 * metadata, ruleSet). The hot path: answered from the id cache when it can. */
struct api_schemastring {
	int raw;
	json_t *out;
	char *text;
};

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
	if (strcmp(s->type, "AVRO") != 0)
		json_object_set_new(o, "schemaType", json_string(s->type));
	json_object_set_new(o, "schema", json_string(s->text));
	api_put_stored_extras(o, s);
	ss->out = o;
	return 0;
}

/* ?format=resolved on the entity /schemas/ids/{id} answers, which carries no
 * "id" (api_apply_format reads it): lends it one for the call. */
static int api_apply_format_by_id(struct api_ctx *c, struct store_tx *tx, int32_t id, json_t *ent,
                                  struct sg_error *err)
{
	if (!ent)
		return error_set(err, SG_ENOMEM, "out of memory");
	json_object_set_new(ent, "id", json_integer(id));
	int rc = api_apply_format(c, tx, ent, err);
	json_object_del(ent, "id");
	return rc;
}

static void api_schema_by_id_common(struct api_ctx *c, int raw)
{
	int32_t id;
	if (api_id_param(c, &id) < 0)
		return;
	int max_id = !raw && api_query_bool(c, "fetchMaxId");
	/* ?format=resolved is built from the entity, even for the raw text, and
	 * not cached. */
	int resolved = api_wants_resolved(c);
	int cached = !max_id && !resolved;
	/* Cache keys: id for the entity, -id for the raw text (ids are > 0). */
	int64_t key = raw ? -(int64_t)id : id;
	size_t len = 0;
	char *body;
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
	if (r == 1 && resolved && api_apply_format_by_id(c, tx, id, ss.out, &e) < 0)
		r = -1;
	if (r == 1 && max_id)
		max = store_schema_max_id(tx, &e);
	store_end(tx);
	if (r < 0 || max < 0) {
		api_send_error(c, &e);
	} else if (r == 0) {
		api_fail(c, SG_ESCHEMA_NOT_FOUND, "Schema %d not found", (int)id);
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

static void api_schema_by_id(struct api_ctx *c)
{
	api_schema_by_id_common(c, 0);
}

static void api_schema_by_id_raw(struct api_ctx *c)
{
	api_schema_by_id_common(c, 1);
}

/* GET /schemas/ids/{id}/subjects and /versions. */
struct api_id_list {
	json_t *out;
	int versions; /* SubjectVersion objects, else distinct subjects */
};

static int api_id_list_cb(void *ctx, const struct store_version *v)
{
	struct api_id_list *l = ctx;
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

static int api_schema_exists_cb(void *ctx, const struct store_schema *s)
{
	(void)ctx;
	(void)s;
	return 0;
}

static void api_schema_id_list(struct api_ctx *c, int versions)
{
	int32_t id;
	int offset, limit;
	if (api_id_param(c, &id) < 0 || api_query_int(c, "offset", 0, &offset) < 0 ||
	    api_query_int(c, "limit", -1, &limit) < 0)
		return;
	int deleted = api_query_bool(c, "deleted");
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	struct api_id_list l = {json_array(), versions};
	int r = id > 0 ? store_schema_get(tx, id, api_schema_exists_cb, NULL, &e) : 0;
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

static void api_schema_id_subjects(struct api_ctx *c)
{
	api_schema_id_list(c, 0);
}

static void api_schema_id_versions(struct api_ctx *c)
{
	api_schema_id_list(c, 1);
}

/* ---- Handlers: listings ---- */

/* GET /schemas */
struct api_schemas_list {
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

static int api_schemas_cb(void *ctx, const struct store_version *v, const struct store_schema *s)
{
	struct api_schemas_list *l = ctx;
	if (!l->latest_only) {
		if (l->pg.skip) {
			l->pg.skip--;
			return 0;
		}
		return api_pager_push(&l->pg, api_schema_entity(v->subject, v->version, s));
	}
	if (l->pending_subject && strcmp(l->pending_subject, v->subject) != 0 &&
	    api_schemas_flush(l))
		return 1;
	json_decref(l->pending);
	l->pending = api_schema_entity(v->subject, v->version, s);
	if (!l->pending_subject)
		l->pending_subject = strdup(v->subject);
	return 0;
}

static void api_schemas_list(struct api_ctx *c)
{
	int offset, limit;
	if (api_query_int(c, "offset", 0, &offset) < 0 || api_query_int(c, "limit", -1, &limit) < 0)
		return;
	if (limit <= 0 || limit > API_SCHEMA_LIMIT)
		limit = API_SCHEMA_LIMIT;
	const char *prefix = api_query(c, "subjectPrefix");
	char *fixed = prefix ? jsonio_utf8_repair(prefix) : NULL;
	struct api_schemas_list l = {.latest_only = api_query_bool(c, "latestOnly")};
	api_pager_init(&l.pg, offset, limit);
	enum store_filter f = api_query_bool(c, "deleted") ? STORE_ALL : STORE_LIVE;
	struct store_tx *tx = api_read(c);
	if (!tx) {
		free(fixed);
		json_decref(l.pg.out);
		return;
	}
	struct sg_error e = {0};
	int r = store_schemas_by_prefix(tx, fixed ? fixed : "", f, api_schemas_cb, &l, &e);
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

/* GET /subjects */
static int api_subjects_cb(void *ctx, const struct store_version *v)
{
	return api_pager_push(ctx, json_string(v->subject));
}

static void api_subjects_list(struct api_ctx *c)
{
	int offset, limit;
	if (api_query_int(c, "offset", 0, &offset) < 0 || api_query_int(c, "limit", -1, &limit) < 0)
		return;
	const char *prefix = api_query(c, "subjectPrefix");
	/* ":*:" is Confluent's "every context", ":.:" the default one: we have
	 * only the default context, so both mean every subject. */
	if (prefix && (strcmp(prefix, ":*:") == 0 || strcmp(prefix, ":.:") == 0))
		prefix = NULL;
	char *fixed = prefix ? jsonio_utf8_repair(prefix) : NULL;
	enum store_filter f = api_query_bool(c, "deletedOnly") ? STORE_DELETED_ONLY
	                      : api_query_bool(c, "deleted")   ? STORE_ALL
	                                                       : STORE_LIVE;
	struct store_tx *tx = api_read(c);
	if (!tx) {
		free(fixed);
		return;
	}
	struct sg_error e = {0};
	struct api_pager pg;
	api_pager_init(&pg, offset, limit);
	int r = store_subjects(tx, fixed ? fixed : "", f, api_subjects_cb, &pg, &e);
	store_end(tx);
	free(fixed);
	if (r < 0) {
		json_decref(pg.out);
		api_send_error(c, &e);
		return;
	}
	api_send_json(c, pg.out);
}

/* GET /subjects/{subject}/versions */
struct api_versions_list {
	struct api_pager pg;
	int negative;
};

static int api_versions_cb(void *ctx, const struct store_version *v)
{
	struct api_versions_list *l = ctx;
	return api_pager_push(&l->pg,
	                      json_integer(l->negative && v->deleted ? -v->version : v->version));
}

static void api_versions_list(struct api_ctx *c)
{
	int offset, limit;
	if (api_query_int(c, "offset", 0, &offset) < 0 || api_query_int(c, "limit", -1, &limit) < 0)
		return;
	int deleted = api_query_bool(c, "deleted");
	int deleted_only = api_query_bool(c, "deletedOnly");
	int negative = api_query_bool(c, "deletedAsNegative");
	enum store_filter f = negative       ? STORE_ALL
	                      : deleted_only ? STORE_DELETED_ONLY
	                      : deleted      ? STORE_ALL
	                                     : STORE_LIVE;
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	struct api_versions_list l = {.negative = negative};
	api_pager_init(&l.pg, offset, limit);
	int r = store_subject_exists(tx, c->subject, deleted || deleted_only || negative, &e);
	if (r == 1 && store_versions(tx, c->subject, f, api_versions_cb, &l, &e) < 0)
		r = -1;
	store_end(tx);
	if (r < 0) {
		json_decref(l.pg.out);
		api_send_error(c, &e);
		return;
	}
	if (r == 0) {
		json_decref(l.pg.out);
		api_fail(c, SG_ESUBJECT_NOT_FOUND, "Subject '%s' not found.", c->subject);
		return;
	}
	api_send_json(c, l.pg.out);
}

/* ---- Handlers: one version ---- */

/* Resolves {version} of the current subject as Confluent's get(): -1 is the
 * latest live version; a number is that version, live or (with `deleted`)
 * soft-deleted. On absence sends 40401 or 40402 and returns 0. Returns 1 with
 * *v filled, 0 (response sent), -1 (response sent). */
static int api_resolve_version(struct api_ctx *c, struct store_tx *tx, int version, int deleted,
                               struct store_version *v)
{
	struct sg_error e = {0};
	int r = version == -1 ? store_version_latest(tx, c->subject, 0, v, &e)
	                      : store_version_get(tx, c->subject, version, v, &e);
	if (r == 1 && v->deleted && !deleted)
		r = 0;
	if (r == 0) {
		r = store_subject_exists(tx, c->subject, deleted, &e);
		if (r == 0)
			api_fail(c, SG_ESUBJECT_NOT_FOUND, "Subject '%s' not found.", c->subject);
		else if (r == 1)
			api_fail(c, SG_EVERSION_NOT_FOUND, "Version %d not found.", version);
		if (r >= 0)
			return 0;
	}
	if (r < 0) {
		api_send_error(c, &e);
		return -1;
	}
	return 1;
}

static void api_version_get_common(struct api_ctx *c, int raw)
{
	int version;
	if (api_version_param(c, c->req->segs[3], &version) < 0)
		return;
	int deleted = api_query_bool(c, "deleted");
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	struct store_version v;
	if (api_resolve_version(c, tx, version, deleted, &v) != 1) {
		store_end(tx);
		return;
	}
	struct sg_error e = {0};
	json_t *ent = NULL;
	int r = api_load_entity(tx, v.schema_id, c->subject, v.version, &ent, &e);
	if (r == 1 && api_apply_format(c, tx, ent, &e) < 0)
		r = -1;
	store_end(tx);
	if (r <= 0) {
		if (r == 0)
			error_set(&e, SG_ESTORE,
			          "version %d of subject '%s' names a missing schema", v.version,
			          c->subject);
		api_send_error(c, &e);
		return;
	}
	if (raw) {
		api_send_text(c, json_string_value(json_object_get(ent, "schema")));
		json_decref(ent);
		return;
	}
	api_send_json(c, ent);
}

static void api_version_get(struct api_ctx *c)
{
	api_version_get_common(c, 0);
}

static void api_version_raw(struct api_ctx *c)
{
	api_version_get_common(c, 1);
}

/* GET /subjects/{subject}/versions/{version}/referencedby */
static int api_referrer_ids_cb(void *ctx, const struct store_version *v)
{
	json_t *out = ctx;
	size_t n = json_array_size(out);
	if (!n || json_integer_value(json_array_get(out, n - 1)) != v->schema_id)
		json_array_append_new(out, json_integer(v->schema_id));
	return 0;
}

static void api_version_referencedby(struct api_ctx *c)
{
	int version, offset, limit;
	if (api_version_param(c, c->req->segs[3], &version) < 0 ||
	    api_query_int(c, "offset", 0, &offset) < 0 || api_query_int(c, "limit", -1, &limit) < 0)
		return;
	int deleted = api_query_bool(c, "deleted");
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	struct store_version v;
	if (api_resolve_version(c, tx, version, 1, &v) != 1) {
		store_end(tx);
		return;
	}
	struct sg_error e = {0};
	json_t *out = json_array();
	int r = store_referrers(tx, c->subject, v.version, deleted, api_referrer_ids_cb, out, &e);
	store_end(tx);
	if (r < 0) {
		json_decref(out);
		api_send_error(c, &e);
		return;
	}
	api_send_json(c, api_page(out, offset, limit));
}

/* ---- Deletes ---- */

/* The versions that refer to (subject, version), except those of
 * `except_subject` when not NULL. Returns 1 when there is one, 0, -1. */
struct api_ref_check {
	const char *except;
	int found;
};

static int api_ref_check_cb(void *ctx, const struct store_version *v)
{
	struct api_ref_check *rc = ctx;
	if (rc->except && strcmp(rc->except, v->subject) == 0)
		return 0;
	rc->found = 1;
	return 1;
}

static int api_is_referenced(struct store_tx *tx, const char *subject, int version, int deleted,
                             const char *except_subject, struct sg_error *err)
{
	struct api_ref_check rc = {except_subject, 0};
	if (store_referrers(tx, subject, version, deleted, api_ref_check_cb, &rc, err) < 0)
		return -1;
	return rc.found;
}

static void api_fail_referenced(struct api_ctx *c, const char *subject, int version)
{
	api_fail(c, SG_EREFERENCE_EXISTS,
	         "One or more references exist to the schema "
	         "{magic=1,keytype=SCHEMA,subject=%s,version=%d}.",
	         subject, version);
}

/* Ids whose schema rows a purge dropped; the caches forget them after the
 * commit (a cached body of a dropped id would otherwise still be served). */
struct api_dropped {
	int64_t *ids;
	size_t n, cap;
};

static int api_dropped_add(struct api_dropped *d, int64_t id, struct sg_error *err)
{
	if (!id)
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		int64_t *ids = realloc(d->ids, cap * sizeof *ids);
		if (!ids)
			return error_set(err, SG_ENOMEM, "out of memory");
		d->ids = ids;
		d->cap = cap;
	}
	d->ids[d->n++] = id;
	return 0;
}

/* Forgets the dropped ids in the caches and frees the list. */
static void api_dropped_forget(struct api *a, struct api_dropped *d)
{
	for (size_t i = 0; i < d->n; i++) {
		idcache_forget(a->ids, d->ids[i]);
		idcache_forget(a->ids, -d->ids[i]);
		schemacache_forget(a->parsed, d->ids[i]);
	}
	free(d->ids);
	memset(d, 0, sizeof *d);
}

/* Removes mode and config of a subject that has no version left. */
static int api_drop_subject_settings(struct store_tx *tx, const char *subject, struct sg_error *err)
{
	int r = store_subject_exists(tx, subject, 1, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (store_mode_delete(tx, subject, err) < 0 || store_config_delete(tx, subject, err) < 0)
		return -1;
	return 0;
}

/* Collects version numbers into a JSON array. */
static int api_collect_versions_cb(void *ctx, const struct store_version *v)
{
	json_array_append_new(ctx, json_pack("[i,i]", v->version, v->deleted));
	return 0;
}

/* DELETE /subjects/{subject}[?permanent=true] */
static void api_subject_delete(struct api_ctx *c)
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
	if (r < 0 || api_mode_scope(tx, c->subject, 0, mode, &e) < 0)
		goto fail;
	if (api_mode_readonly(mode)) {
		api_fail(c, SG_EOPERATION_NOT_PERMITTED, "Subject %s is in read-only mode",
		         c->subject);
		goto done;
	}
	if (store_versions(tx, c->subject, permanent ? STORE_ALL : STORE_LIVE,
	                   api_collect_versions_cb, versions, &e) < 0)
		goto fail;
	for (size_t i = 0; i < json_array_size(versions); i++) {
		json_t *pair = json_array_get(versions, i);
		int v = (int)json_integer_value(json_array_get(pair, 0));
		int ref = api_is_referenced(tx, c->subject, v, permanent, c->subject, &e);
		if (ref < 0)
			goto fail;
		if (ref) {
			api_fail_referenced(c, c->subject, v);
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
	if (permanent && api_drop_subject_settings(tx, c->subject, &e) < 0)
		goto fail;
	if (api_commit(c, tx) < 0) {
		tx = NULL;
		goto done;
	}
	tx = NULL;
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

/* DELETE /subjects/{subject}/versions/{version}[?permanent=true] */
static void api_version_delete(struct api_ctx *c)
{
	int version;
	if (api_version_param(c, c->req->segs[3], &version) < 0)
		return;
	int permanent = api_query_bool(c, "permanent");
	struct store_tx *tx = api_write(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	struct api_dropped dropped = {0};
	struct store_version v;
	char mode[STORE_MODE_MAX];
	int r = version == -1 ? store_version_latest(tx, c->subject, 0, &v, &e)
	                      : store_version_get(tx, c->subject, version, &v, &e);
	if (r < 0)
		goto fail;
	if (r == 1 && v.deleted && !permanent) {
		api_fail(c, SG_EVERSION_SOFT_DELETED,
		         "Subject '%s' Version %s was soft deleted.Set permanent=true to delete "
		         "permanently",
		         c->subject, c->req->segs[3]);
		goto done;
	}
	if (r == 0) {
		r = store_subject_exists(tx, c->subject, 1, &e);
		if (r == 0)
			api_fail(c, SG_ESUBJECT_NOT_FOUND, "Subject '%s' not found.", c->subject);
		else if (r == 1)
			api_fail(c, SG_EVERSION_NOT_FOUND, "Version %d not found.", version);
		if (r < 0)
			goto fail;
		goto done;
	}
	if (api_mode_scope(tx, c->subject, 0, mode, &e) < 0)
		goto fail;
	if (api_mode_readonly(mode)) {
		api_fail(c, SG_EOPERATION_NOT_PERMITTED, "Subject %s is in read-only mode",
		         c->subject);
		goto done;
	}
	int ref = api_is_referenced(tx, c->subject, v.version, permanent, NULL, &e);
	if (ref < 0)
		goto fail;
	if (ref) {
		api_fail_referenced(c, c->subject, v.version);
		goto done;
	}
	if (permanent && !v.deleted) {
		api_fail(c, SG_EVERSION_NOT_SOFT_DELETED,
		         "Subject '%s' Version %d was not deleted first before being permanently "
		         "deleted",
		         c->subject, v.version);
		goto done;
	}
	if (permanent) {
		int64_t gone = 0;
		if (store_version_purge(tx, c->subject, v.version, &gone, &e) < 0 ||
		    api_drop_subject_settings(tx, c->subject, &e) < 0 ||
		    api_dropped_add(&dropped, gone, &e) < 0)
			goto fail;
	} else if (store_version_soft_delete(tx, c->subject, v.version, &e) < 0) {
		goto fail;
	}
	if (api_commit(c, tx) < 0) {
		tx = NULL;
		goto done;
	}
	tx = NULL;
	api_dropped_forget(c->a, &dropped);
	api_send_json(c, json_integer(v.version));
	goto done;
fail:
	api_send_error(c, &e);
done:
	store_end(tx);
	free(dropped.ids);
}

/* ---- Lookup, registration, compatibility ---- */

/* POST /subjects/{subject}: is this schema registered under the subject? */
static void api_subject_lookup(struct api_ctx *c)
{
	struct api_sreq r;
	const char *bad_ref;
	if (api_sreq_parse(c, &r, &bad_ref) < 0)
		return;
	int deleted = api_query_bool(c, "deleted");
	struct store_tx *tx = api_read(c);
	if (!tx) {
		api_sreq_clear(&r);
		return;
	}
	struct sg_error e = {0};
	struct api_cand cd = {0};
	json_t *cfg = api_config_scope(tx, c->subject, &e);
	if (!cfg)
		goto fail;
	int normalize =
	    api_query_bool(c, "normalize") || json_is_true(json_object_get(cfg, "normalize"));
	json_decref(cfg);
	if (!r.text || !*r.text)
		goto absent;
	if (api_cand_build(c->a, tx, &r, r.text, r.type, r.type_name, r.refs, r.nrefs, bad_ref,
	                   normalize, &cd, &e) < 0)
		goto fail;
	struct store_schema content;
	api_cand_content(&cd, &content);
	int64_t id = store_schema_find(tx, &content, &e);
	if (id < 0)
		goto fail;
	int version = id > 0 ? api_version_of(tx, c->subject, id, deleted, &e) : 0;
	if (version < 0)
		goto fail;
	if (version == 0 && !r.metadata && !r.ruleset) {
		/* As registration would: inherit the latest version's metadata and
		 * rule set, then look again. */
		struct store_version latest;
		int lr = store_version_latest(tx, c->subject, 0, &latest, &e);
		json_t *ent = NULL;
		if (lr < 0 ||
		    (lr == 1 && api_load_entity(tx, latest.schema_id, NULL, 0, &ent, &e) < 0))
			goto fail;
		json_t *m = json_object_get(ent, "metadata"), *rs = json_object_get(ent, "ruleSet");
		if (m || rs) {
			if (api_cand_set_extras(&cd, m, rs, &e) < 0) {
				json_decref(ent);
				goto fail;
			}
			api_cand_content(&cd, &content);
			id = store_schema_find(tx, &content, &e);
			version = id > 0 ? api_version_of(tx, c->subject, id, deleted, &e) : 0;
		}
		json_decref(ent);
		if (id < 0 || version < 0)
			goto fail;
	}
	if (version == 0 && !deleted) {
		version = api_find_equivalent(tx, c->subject, &cd, &id, &e);
		if (version < 0)
			goto fail;
		if (version > 0) {
			json_t *ent = NULL;
			if (api_load_entity(tx, id, c->subject, version, &ent, &e) < 0 ||
			    api_apply_format(c, tx, ent, &e) < 0) {
				json_decref(ent);
				goto fail;
			}
			store_end(tx);
			api_cand_clear(c->a, &cd);
			api_sreq_clear(&r);
			api_send_json(c, ent);
			return;
		}
	}
	if (version > 0) {
		json_t *ent = api_cand_entity(&cd, c->subject, version, id);
		if (ent && api_wants_resolved(c) && !json_object_get(ent, "schemaType") &&
		    json_object_get(ent, "references") &&
		    api_set_resolved(ent, schemacache_schema(cd.item), &e) < 0) {
			json_decref(ent);
			goto fail;
		}
		store_end(tx);
		api_cand_clear(c->a, &cd);
		api_sreq_clear(&r);
		api_send_json(c, ent);
		return;
	}
absent : {
	int exists = store_subject_exists(tx, c->subject, deleted, &e);
	if (exists < 0)
		goto fail;
	if (exists)
		api_fail(c, SG_ESCHEMA_NOT_FOUND, "Schema not found");
	else
		api_fail(c, SG_ESUBJECT_NOT_FOUND, "Subject '%s' not found.", c->subject);
	goto done;
}
fail:
	api_send_error(c, &e);
done:
	store_end(tx);
	api_cand_clear(c->a, &cd);
	api_sreq_clear(&r);
}

/* The live versions of a subject, oldest first, with their parsed schemas. */
struct api_history {
	struct compatreport_prev *prev;
	struct schemacache_item **items;
	char **texts;
	json_t **metadata;
	size_t n, cap;
};

static void api_history_clear(struct api *a, struct api_history *h)
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
	int r = api_load_entity(l->tx, v->schema_id, NULL, 0, &ent, l->err);
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

/* Loads the live versions of `subject`, or just `only` when > 0. */
static int api_history_load(struct api *a, struct store_tx *tx, const char *subject,
                            struct api_history *h, struct sg_error *err)
{
	struct api_history_load l = {a, tx, h, err};
	return store_versions(tx, subject, STORE_LIVE, api_history_cb, &l, err) < 0 ? -1 : 0;
}

static int api_history_load_one(struct api *a, struct store_tx *tx, const struct store_version *v,
                                struct api_history *h, struct sg_error *err)
{
	struct api_history_load l = {a, tx, h, err};
	return api_history_cb(&l, v);
}

/* Loads what a check under `cfg` reads: nothing for NONE, the latest live
 * version for a non-transitive level, every live version for a transitive
 * one or when a compatibilityGroup filters them. */
static int api_history_for(struct api *a, struct store_tx *tx, const char *subject,
                           const json_t *cfg, struct api_history *h, struct sg_error *err)
{
	enum level level = entity_config_level(cfg, LEVEL_BACKWARD);
	if (level == LEVEL_NONE)
		return 0;
	if (level_transitive(level) || json_object_get(cfg, "compatibilityGroup"))
		return api_history_load(a, tx, subject, h, err);
	struct store_version v;
	int r = store_version_latest(tx, subject, 0, &v, err);
	if (r <= 0)
		return r;
	return api_history_load_one(a, tx, &v, h, err);
}

/* Runs the check the subject's config asks for. With a compatibilityGroup,
 * only versions whose metadata property of that name equals the candidate's
 * count. Returns 1, 0 (messages filled) or -1. */
static int api_check(const json_t *cfg, const struct schema *cand, const json_t *cand_meta,
                     struct api_history *h, json_t *messages, struct sg_error *err)
{
	enum level level = entity_config_level(cfg, LEVEL_BACKWARD);
	const char *policy = json_string_value(json_object_get(cfg, "compatibilityPolicy"));
	enum schema_policy pol = policy && strcasecmp(policy, "LENIENT") == 0
	                             ? SCHEMA_POLICY_LENIENT
	                             : SCHEMA_POLICY_STRICT;
	int validate_fields = json_is_true(json_object_get(cfg, "validateFields"));
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
	int version = id > 0 ? api_version_of(tx, c->subject, id, 0, e) : 0;
	if (version == 0 && (r->version == 0 || r->version == -1))
		version = api_find_equivalent(tx, c->subject, &cd, &id, e);
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
		int ref = api_is_referenced(tx, subject, v, 1, NULL, err);
		if (ref < 0 || (ref == 0 && store_version_purge(tx, subject, v, NULL, err) < 0))
			rc = -1;
	}
	json_decref(s.versions);
	return rc;
}

/* POST /subjects/{subject}/versions. The ruleSet is validated before the
 * subject name, as Confluent does. */
static void api_register(struct api_ctx *c)
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
	if (has_live && api_load_entity(tx, latest.schema_id, NULL, 0, &prev_ent, &e) < 0)
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
			    r.version == 0 ? api_version_of(tx, c->subject, existing, 0, &e) : 0;
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
		int v = api_find_equivalent(tx, c->subject, &cd, &eq_id, &e);
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
		int ok = api_check(cfg, schemacache_schema(cd.item), meta, &h, messages, &e);
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
			int taken = store_schema_get(tx, schema_id, api_schema_exists_cb, NULL, &e);
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

/* POST /compatibility/subjects/{subject}/versions[/{version}] */
static void api_compat_common(struct api_ctx *c, int one)
{
	int version = 0;
	if (one && api_version_param(c, c->req->segs[4], &version) < 0)
		return;
	struct api_sreq r;
	const char *bad_ref;
	if (api_sreq_parse(c, &r, &bad_ref) < 0)
		return;
	int verbose = api_query_bool(c, "verbose");
	struct store_tx *tx = api_read(c);
	if (!tx) {
		api_sreq_clear(&r);
		return;
	}
	struct sg_error e = {0};
	struct api_cand cd = {0};
	struct api_history h = {0};
	json_t *cfg = NULL, *messages = json_array();
	if (one) {
		struct store_version v;
		int found = version == -1 ? store_version_latest(tx, c->subject, 0, &v, &e)
		                          : store_version_get(tx, c->subject, version, &v, &e);
		if (found == 1 && v.deleted)
			found = 0;
		if (found < 0)
			goto fail;
		if (found == 0 && version != -1) {
			api_fail(c, SG_EVERSION_NOT_FOUND, "Version %d not found.", version);
			goto done;
		}
		if (found == 1 && api_history_load_one(c->a, tx, &v, &h, &e) < 0)
			goto fail;
	}
	if (!(cfg = api_config_scope(tx, c->subject, &e)))
		goto fail;
	if (!one && api_history_for(c->a, tx, c->subject, cfg, &h, &e) < 0)
		goto fail;
	int normalize =
	    api_query_bool(c, "normalize") || json_is_true(json_object_get(cfg, "normalize"));
	struct sg_error pe = {0};
	if (api_cand_build(c->a, tx, &r, r.text, r.type, r.type_name, r.refs, r.nrefs, bad_ref,
	                   normalize, &cd, &pe) < 0) {
		if (pe.code != SG_EINVALID_SCHEMA || !verbose) {
			e = pe;
			goto fail;
		}
		json_array_append_new(messages, json_string(pe.msg));
		store_end(tx);
		tx = NULL;
		api_send_json(c, json_pack("{s:b, s:O}", "is_compatible", 0, "messages", messages));
		goto done;
	}
	int ok = api_check(cfg, schemacache_schema(cd.item), r.metadata, &h, messages, &e);
	if (ok < 0)
		goto fail;
	store_end(tx);
	tx = NULL;
	json_t *out = json_pack("{s:b}", "is_compatible", ok);
	if (out && verbose)
		json_object_set(out, "messages", messages);
	api_send_json(c, out);
	goto done;
fail:
	api_send_error(c, &e);
done:
	store_end(tx);
	api_cand_clear(c->a, &cd);
	api_history_clear(c->a, &h);
	json_decref(cfg);
	json_decref(messages);
	api_sreq_clear(&r);
}

static void api_compat_version(struct api_ctx *c)
{
	api_compat_common(c, 1);
}

static void api_compat_all(struct api_ctx *c)
{
	api_compat_common(c, 0);
}

/* ---- Config ---- */

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

static void api_config_get(struct api_ctx *c)
{
	int to_global = api_query_bool(c, "defaultToGlobal");
	struct store_tx *tx = api_read(c);
	if (!tx)
		return;
	struct sg_error e = {0};
	json_t *stored = NULL;
	int r = api_config_stored(tx, c->subject, &stored, &e);
	if (r == 0 && c->subject && to_global)
		r = api_config_stored(tx, NULL, &stored, &e);
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

/* "Subject null ..." for the registry, as Confluent words it. */
static const char *api_subject_word(const char *subject)
{
	return subject ? subject : "null";
}

static void api_config_put(struct api_ctx *c)
{
	struct sg_error e = {0};
	json_t *body = NULL, *stored = NULL, *echo = NULL, *old = NULL, *merged = NULL;
	if (jsonio_parse(c->req->body, c->req->body_len, &body, &e) < 0)
		goto fail;
	if (!body || json_is_null(body)) {
		error_set(&e, SG_EUNPROCESSABLE, "The request body may not be empty");
		goto fail;
	}
	if (entity_config_request(body, &stored, &echo, &e) < 0 ||
	    ruleset_validate(json_object_get(body, "defaultRuleSet"), &e) < 0 ||
	    ruleset_validate(json_object_get(body, "overrideRuleSet"), &e) < 0)
		goto fail;
	if (c->subject && api_check_subject(c) < 0)
		goto done;
	struct store_tx *tx = api_write(c);
	if (!tx)
		goto done;
	char mode[STORE_MODE_MAX];
	if (api_mode_scope(tx, c->subject, 0, mode, &e) < 0) {
		store_end(tx);
		goto fail;
	}
	if (api_mode_readonly(mode)) {
		store_end(tx);
		api_fail(c, SG_EOPERATION_NOT_PERMITTED, "Subject %s is in read-only mode",
		         api_subject_word(c->subject));
		goto done;
	}
	char *text = NULL;
	if (api_config_stored(tx, c->subject, &old, &e) < 0 ||
	    !(merged = entity_config_merge(old, stored)) || !(text = jsonio_dump(merged, NULL)) ||
	    store_config_put(tx, c->subject, text, &e) < 0) {
		free(text);
		if (e.code == SG_OK)
			error_set(&e, SG_ENOMEM, "out of memory");
		store_end(tx);
		goto fail;
	}
	free(text);
	if (api_commit(c, tx) == 0) {
		api_send_json(c, echo);
		echo = NULL;
	}
	goto done;
fail:
	api_send_error(c, &e);
done:
	json_decref(body);
	json_decref(stored);
	json_decref(echo);
	json_decref(old);
	json_decref(merged);
}

static void api_config_delete(struct api_ctx *c)
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
	if (api_mode_scope(tx, c->subject, 0, mode, &e) < 0)
		goto fail;
	if (api_mode_readonly(mode)) {
		api_fail(c, SG_EOPERATION_NOT_PERMITTED, "Subject %s is in read-only mode",
		         api_subject_word(c->subject));
		goto done;
	}
	if (store_config_delete(tx, c->subject, &e) < 0)
		goto fail;
	if (api_commit(c, tx) < 0) {
		tx = NULL;
		goto done;
	}
	tx = NULL;
	api_send_json(c, api_config_view(old));
	goto done;
fail:
	api_send_error(c, &e);
done:
	store_end(tx);
	json_decref(old);
}

/* ---- Mode ---- */

static const char *const api_modes[] = {"READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT",
                                        NULL};

static void api_mode_get(struct api_ctx *c)
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

static int api_import_subject_cb(void *ctx, const struct store_version *v)
{
	json_array_append_new(ctx, json_string(v->subject));
	return 0;
}

/* Switching to IMPORT: Confluent requires no live subject in scope, then
 * purges what is left (soft-deleted versions), unless something refers to
 * it. Returns 0, or -1 with the response sent. */
static int api_import_prepare(struct api_ctx *c, struct store_tx *tx, struct api_dropped *dropped)
{
	struct sg_error e = {0};
	json_t *subjects = json_array(), *versions = json_array();
	int rc = -1;
	int live;
	if (c->subject) {
		live = store_subject_exists(tx, c->subject, 0, &e);
		if (live == 0 && store_subject_exists(tx, c->subject, 1, &e) == 1)
			json_array_append_new(subjects, json_string(c->subject));
	} else {
		live = store_subjects(tx, "", STORE_LIVE, api_import_subject_cb, subjects, &e);
		if (live == 0 &&
		    store_subjects(tx, "", STORE_ALL, api_import_subject_cb, subjects, &e) < 0)
			live = -1;
	}
	if (live < 0 || e.code)
		goto fail;
	if (live > 0) {
		api_fail(c, SG_EOPERATION_NOT_PERMITTED,
		         "Cannot import since found existing subjects");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(subjects); i++) {
		const char *s = json_string_value(json_array_get(subjects, i));
		json_array_clear(versions);
		if (store_versions(tx, s, STORE_ALL, api_collect_versions_cb, versions, &e) < 0)
			goto fail;
		for (size_t j = json_array_size(versions); j-- > 0;) {
			int v =
			    (int)json_integer_value(json_array_get(json_array_get(versions, j), 0));
			int ref = api_is_referenced(tx, s, v, 1, NULL, &e);
			if (ref < 0)
				goto fail;
			if (ref) {
				api_fail_referenced(c, s, v);
				goto out;
			}
			int64_t gone = 0;
			if (store_version_purge(tx, s, v, &gone, &e) < 0 ||
			    api_dropped_add(dropped, gone, &e) < 0)
				goto fail;
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

static void api_mode_put(struct api_ctx *c)
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
	if (api_commit(c, tx) < 0) {
		tx = NULL;
		goto done;
	}
	tx = NULL;
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

static void api_mode_delete(struct api_ctx *c)
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
	if (api_commit(c, tx) < 0) {
		tx = NULL;
		goto done;
	}
	tx = NULL;
	api_send_json(c, json_pack("{s:s}", "mode", old));
	goto done;
fail:
	api_send_error(c, &e);
done:
	store_end(tx);
}

/* ---- Routing and content negotiation ---- */

typedef void (*api_fn)(struct api_ctx *c);

struct api_route {
	const char *method;
	const char *path[6]; /* literal segments; "*" matches any one */
	int subject_at;      /* index of the {subject} segment, or -1 */
	api_fn fn;
};

static const struct api_route api_routes[] = {
    {"GET", {NULL}, -1, api_root},
    {"POST", {NULL}, -1, api_root},
    {"GET", {"health"}, -1, api_health},
    {"GET", {"schemas", "types"}, -1, api_schema_types},
    {"GET", {"schemas"}, -1, api_schemas_list},
    {"GET", {"schemas", "ids", "*"}, -1, api_schema_by_id},
    {"GET", {"schemas", "ids", "*", "schema"}, -1, api_schema_by_id_raw},
    {"GET", {"schemas", "ids", "*", "subjects"}, -1, api_schema_id_subjects},
    {"GET", {"schemas", "ids", "*", "versions"}, -1, api_schema_id_versions},
    {"GET", {"subjects"}, -1, api_subjects_list},
    {"POST", {"subjects", "*"}, 1, api_subject_lookup},
    {"DELETE", {"subjects", "*"}, 1, api_subject_delete},
    {"GET", {"subjects", "*", "versions"}, 1, api_versions_list},
    {"POST", {"subjects", "*", "versions"}, 1, api_register},
    {"GET", {"subjects", "*", "versions", "*"}, 1, api_version_get},
    {"DELETE", {"subjects", "*", "versions", "*"}, 1, api_version_delete},
    {"GET", {"subjects", "*", "versions", "*", "schema"}, 1, api_version_raw},
    {"GET", {"subjects", "*", "versions", "*", "referencedby"}, 1, api_version_referencedby},
    {"POST", {"compatibility", "subjects", "*", "versions", "*"}, 2, api_compat_version},
    {"POST", {"compatibility", "subjects", "*", "versions"}, 2, api_compat_all},
    {"GET", {"config"}, -1, api_config_get},
    {"PUT", {"config"}, -1, api_config_put},
    {"DELETE", {"config"}, -1, api_config_delete},
    {"GET", {"config", "*"}, 1, api_config_get},
    {"PUT", {"config", "*"}, 1, api_config_put},
    {"DELETE", {"config", "*"}, 1, api_config_delete},
    {"GET", {"mode"}, -1, api_mode_get},
    {"PUT", {"mode"}, -1, api_mode_put},
    {"DELETE", {"mode"}, -1, api_mode_delete},
    {"GET", {"mode", "*"}, 1, api_mode_get},
    {"PUT", {"mode", "*"}, 1, api_mode_put},
    {"DELETE", {"mode", "*"}, 1, api_mode_delete},
    {"GET", {"contexts"}, -1, api_contexts},
    {"GET", {"v1", "metadata", "id"}, -1, api_metadata_id},
    {"GET", {"v1", "metadata", "version"}, -1, api_metadata_version},
};

static int api_route_matches(const struct api_route *r, const struct http_request *req)
{
	size_t n = 0;
	while (n < 6 && r->path[n])
		n++;
	if (n != req->nsegs)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(r->path[i], "*") != 0 && strcmp(r->path[i], req->segs[i]) != 0)
			return 0;
	return 1;
}

/* Copies the media type of a header value (before ';'), trimmed and lower
 * case, into `out`. */
static void api_media_type(const char *v, char *out, size_t cap)
{
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = 0;
	while (v[n] && v[n] != ';' && v[n] != ',')
		n++;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)v[i]);
	out[n] = '\0';
}

static int api_content_type_ok(const char *header)
{
	if (!header)
		return 1;
	char mt[128];
	api_media_type(header, mt, sizeof mt);
	return !mt[0] || strcmp(mt, API_CT_V1) == 0 || strcmp(mt, API_CT_SR) == 0 ||
	       strcmp(mt, API_CT_JSON) == 0 || strcmp(mt, "application/octet-stream") == 0;
}

/* The response type for an Accept header, as Jersey picks it from what the
 * resources produce (v1 at quality 1, the generic vendor type at 0.9, plain
 * JSON at 0.5): the best product of the client's q and ours. NULL when none
 * is acceptable. */
static const char *api_negotiate(const char *accept)
{
	static const struct {
		const char *type;
		double qs;
	} offers[] = {{API_CT_V1, 1.0}, {API_CT_SR, 0.9}, {API_CT_JSON, 0.5}};
	if (!accept || !*accept)
		return API_CT_V1;
	double best_score[3] = {0, 0, 0};
	int best_spec[3] = {-1, -1, -1};
	const char *p = accept;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char range[256];
		if (len >= sizeof range)
			len = sizeof range - 1;
		memcpy(range, p, len);
		range[len] = '\0';
		p = end ? end + 1 : p + strlen(p);

		char mt[128];
		api_media_type(range, mt, sizeof mt);
		if (!mt[0])
			continue;
		double q = 1.0;
		for (char *param = strchr(range, ';'); param; param = strchr(param + 1, ';')) {
			const char *s = param + 1;
			while (*s == ' ')
				s++;
			if ((s[0] == 'q' || s[0] == 'Q') && s[1] == '=')
				q = strtod(s + 2, NULL);
		}
		if (q < 0 || q > 1)
			q = 0;
		for (int i = 0; i < 3; i++) {
			int spec = -1;
			const char *slash = strchr(offers[i].type, '/');
			if (strcmp(mt, "*/*") == 0 || strcmp(mt, "*") == 0)
				spec = 0;
			else if (strcmp(mt, offers[i].type) == 0)
				spec = 2;
			else if (strlen(mt) == (size_t)(slash - offers[i].type) + 2 &&
			         strncmp(mt, offers[i].type,
			                 (size_t)(slash - offers[i].type) + 1) == 0 &&
			         mt[slash - offers[i].type + 1] == '*')
				spec = 1;
			if (spec > best_spec[i]) {
				best_spec[i] = spec;
				best_score[i] = q * offers[i].qs;
			}
		}
	}
	int pick = -1;
	for (int i = 0; i < 3; i++)
		if (best_spec[i] >= 0 && best_score[i] > 0 &&
		    (pick < 0 || best_score[i] > best_score[pick]))
			pick = i;
	return pick < 0 ? NULL : offers[pick].type;
}

static void api_dispatch(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct api_ctx c = {.a = ctx, .req = req, .resp = resp, .ctype = API_CT_V1};
	const struct api_route *route = NULL;
	int path_known = 0;
	/* HEAD is answered as GET (the server sends no body), as Jersey does. */
	const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
	if (!req->too_many_segments) {
		for (size_t i = 0; i < sizeof api_routes / sizeof api_routes[0]; i++) {
			if (!api_route_matches(&api_routes[i], req))
				continue;
			path_known = 1;
			if (strcmp(api_routes[i].method, method) == 0) {
				route = &api_routes[i];
				break;
			}
		}
	}
	const char *accepted = api_negotiate(http_header(req, "Accept"));
	if (accepted)
		c.ctype = accepted;
	if (!route) {
		if (path_known)
			api_fail(&c, SG_EMETHOD, "HTTP 405 Method Not Allowed");
		else
			api_not_found(&c);
		return;
	}
	int has_body = strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0;
	if (has_body && !api_content_type_ok(http_header(req, "Content-Type"))) {
		api_fail(&c, SG_EMEDIA_TYPE, "HTTP 415 Unsupported Media Type");
		return;
	}
	if (!accepted) {
		api_fail(&c, SG_ENOT_ACCEPTABLE, "HTTP 406 Not Acceptable");
		return;
	}
	if (req->body_too_large) {
		api_fail(&c, SG_ETOO_LARGE,
		         "The request body is larger than the limit of %zu bytes", c.a->body_limit);
		return;
	}
	if (route->subject_at >= 0) {
		c.subject = jsonio_utf8_repair(req->segs[route->subject_at]);
		if (!c.subject) {
			api_fail(&c, SG_ENOMEM, "out of memory");
			return;
		}
	}
	route->fn(&c);
	free(c.subject);
}

/* The schema browser's files are served beside the API; every response, API
 * or page, carries the page's Content-Security-Policy. */
void api_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
	if (!ui_handle(req, resp))
		api_dispatch(ctx, req, resp);
	if (resp->nheaders < sizeof resp->headers / sizeof resp->headers[0])
		resp->headers[resp->nheaders++] = "Content-Security-Policy: " UI_CSP;
}

/* ---- Lifecycle ---- */

/* The schema types this build can parse, in Confluent's order. */
static json_t *api_probe_types(void)
{
	static const struct {
		enum schema_type type;
		const char *name, *probe;
	} kinds[] = {
	    {SCHEMA_JSON, "JSON", "{}"},
	    {SCHEMA_PROTOBUF, "PROTOBUF", "syntax = \"proto3\"; message M {}"},
	    {SCHEMA_AVRO, "AVRO", "\"string\""},
	};
	json_t *a = json_array();
	for (size_t i = 0; a && i < sizeof kinds / sizeof kinds[0]; i++) {
		struct sg_error e = {0};
		struct schema *s = schema_parse(kinds[i].type, kinds[i].probe,
		                                strlen(kinds[i].probe), NULL, 0, &e);
		if (s)
			json_array_append_new(a, json_string(kinds[i].name));
		schema_free(s);
	}
	return a;
}

struct api *api_new(struct store *st, const struct api_options *opts, struct sg_error *err)
{
	struct api *a = calloc(1, sizeof *a);
	if (!a) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	a->st = st;
	a->body_limit = opts && opts->body_limit ? opts->body_limit : 16u * 1024 * 1024;
	size_t cache_bytes =
	    opts && opts->id_cache_bytes ? opts->id_cache_bytes : 32u * 1024 * 1024;
	size_t parsed = opts && opts->parsed_cache ? opts->parsed_cache : 1000;
	a->ids = idcache_new(cache_bytes);
	a->parsed = schemacache_new(parsed);
	json_t *types = api_probe_types();
	a->types = types ? jsonio_dump(types, NULL) : NULL;
	json_decref(types);
	if (!a->ids || !a->parsed || !a->types) {
		api_free(a);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	return a;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	idcache_free(a->ids);
	schemacache_free(a->parsed);
	free(a->types);
	free(a);
}
