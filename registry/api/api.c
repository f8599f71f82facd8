/* registry/api/api.c: the functions of registry/api.h. api_handle() routes a
 * request through the route table, negotiates the content types, and calls
 * one handler; api_new() and api_free() create and free the api and its
 * caches, from which api_dropped_forget() removes what a purge dropped.
 *
 * Handlers read through a read transaction and write through the store's
 * single write transaction; each resource has its file in this folder.
 */
#include "registry/api.h"
#include "registry/api/internal.h"
#include "registry/ui.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "compat/schema.h"
#include "registry/auth.h"
#include "registry/forward.h"
#include "registry/idcache.h"
#include "registry/jsonio.h"
#include "registry/qsubject.h"
#include "registry/schemacache.h"

#define API_CT_V1   "application/vnd.schemaregistry.v1+json"
#define API_CT_SR   "application/vnd.schemaregistry+json"
#define API_CT_JSON "application/json"

/* ---- Routing and content negotiation ---- */

/* What a route needs when authorization is on. API_READ, API_WRITE and
 * API_ADMIN are that operation on the route's resource: the {subject} of the
 * path for AUTH_SUBJECT, or Config: or Mode:. A DELETE with ?permanent=true
 * needs Admin where the route says Write; a registration with an id or in
 * IMPORT mode checks Admin itself (register.c). */
enum api_need {
	API_OPEN,     /* anyone, no credentials */
	API_AUTHN,    /* any authenticated principal */
	API_FILTERED, /* authenticated; the handler shows only readable subjects */
	API_READ,
	API_WRITE,
	API_ADMIN,
};

struct api_route {
	const char *method;
	const char *path[6]; /* literal segments; "*" matches any one */
	int subject_at;      /* index of the {subject} segment, or -1 */
	enum api_need need;
	enum auth_resource res; /* for API_READ, API_WRITE and API_ADMIN */
	api_fn fn;
};

/* One route a line: clang-format would spread the long ones over six. */
/* clang-format off */
#define S AUTH_SUBJECT
#define C AUTH_CONFIG
#define M AUTH_MODE
static const struct api_route api_routes[] = {
    {"GET", {NULL}, -1, API_OPEN, S, api_metadata_root},
    {"POST", {NULL}, -1, API_OPEN, S, api_metadata_root},
    {"GET", {"health"}, -1, API_OPEN, S, api_metadata_health},
    {"GET", {"schemas", "types"}, -1, API_AUTHN, S, api_schemas_types},
    {"GET", {"schemas"}, -1, API_FILTERED, S, api_schemas_list},
    {"GET", {"schemas", "ids", "*"}, -1, API_FILTERED, S, api_schemas_by_id},
    {"GET", {"schemas", "ids", "*", "schema"}, -1, API_FILTERED, S, api_schemas_by_id_raw},
    {"GET", {"schemas", "ids", "*", "subjects"}, -1, API_FILTERED, S, api_schemas_id_subjects},
    {"GET", {"schemas", "ids", "*", "versions"}, -1, API_FILTERED, S, api_schemas_id_versions},
    {"GET", {"schemas", "guids", "*"}, -1, API_FILTERED, S, api_schemas_by_guid},
    {"GET", {"schemas", "guids", "*", "ids"}, -1, API_FILTERED, S, api_schemas_guid_ids},
    {"GET", {"subjects"}, -1, API_FILTERED, S, api_subjects_list},
    {"POST", {"subjects", "*"}, 1, API_READ, S, api_subjects_lookup},
    {"DELETE", {"subjects", "*"}, 1, API_WRITE, S, api_subjects_delete},
    {"GET", {"subjects", "*", "versions"}, 1, API_READ, S, api_versions_list},
    {"GET", {"subjects", "*", "metadata"}, 1, API_READ, S, api_versions_with_metadata},
    {"POST", {"subjects", "*", "versions"}, 1, API_WRITE, S, api_register},
    {"GET", {"subjects", "*", "versions", "*"}, 1, API_READ, S, api_versions_get},
    {"DELETE", {"subjects", "*", "versions", "*"}, 1, API_WRITE, S, api_versions_delete},
    {"GET", {"subjects", "*", "versions", "*", "schema"}, 1, API_READ, S, api_versions_raw},
    {"GET", {"subjects", "*", "versions", "*", "referencedby"}, 1, API_READ, S, api_versions_referencedby},
    {"POST", {"subjects", "*", "versions", "*", "tags"}, 1, API_WRITE, S, api_tags_modify},
    {"POST", {"compatibility", "subjects", "*", "versions", "*"}, 2, API_READ, S, api_compat_version},
    {"POST", {"compatibility", "subjects", "*", "versions"}, 2, API_READ, S, api_compat_all},
    {"GET", {"config"}, -1, API_READ, C, api_config_get},
    {"PUT", {"config"}, -1, API_ADMIN, C, api_config_put},
    {"DELETE", {"config"}, -1, API_ADMIN, C, api_config_delete},
    {"GET", {"config", "*"}, 1, API_READ, S, api_config_get},
    {"PUT", {"config", "*"}, 1, API_ADMIN, S, api_config_put},
    {"DELETE", {"config", "*"}, 1, API_ADMIN, S, api_config_delete},
    {"GET", {"mode"}, -1, API_READ, M, api_mode_get},
    {"PUT", {"mode"}, -1, API_ADMIN, M, api_mode_put},
    {"DELETE", {"mode"}, -1, API_ADMIN, M, api_mode_delete},
    {"GET", {"mode", "*"}, 1, API_READ, S, api_mode_get},
    {"PUT", {"mode", "*"}, 1, API_ADMIN, S, api_mode_put},
    {"DELETE", {"mode", "*"}, 1, API_ADMIN, S, api_mode_delete},
    {"GET", {"contexts"}, -1, API_AUTHN, S, api_contexts_list},
    /* Admin on the context as a subject (":.ctx:"), checked by the handler. */
    {"DELETE", {"contexts", "*"}, -1, API_AUTHN, S, api_contexts_delete},
    {"GET", {"v1", "metadata", "id"}, -1, API_AUTHN, S, api_metadata_id},
    {"GET", {"v1", "metadata", "version"}, -1, API_AUTHN, S, api_metadata_version},
};
#undef S
#undef C
#undef M
/* clang-format on */

/* Whether the request's path has the route's segments ("*" matches any). */
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

/* Whether a request body's Content-Type is one the resources consume (no
 * header, or an empty one, is). */
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

/* ---- Authorization ---- */

#define API_WWW_AUTHENTICATE "WWW-Authenticate: Basic realm=\"schemagate\""

/* Sends the 401 of a request from nobody, which invites a browser to ask for
 * a user and password. */
static void api_unauthorized(struct api_ctx *c)
{
	struct http_response *r = c->resp;
	api_send_error_msg(c, SG_EUNAUTHENTICATED, "Unauthorized");
	if (r->nheaders < sizeof r->headers / sizeof r->headers[0])
		r->headers[r->nheaders++] = API_WWW_AUTHENTICATE;
}

/* Who makes the request under `au` (NULL: nobody): the user of its Basic
 * credentials when they are right, else, when it gives none, the subject DN
 * of its verified client certificate. Wrong or malformed credentials are
 * nobody, whatever the certificate. Borrowed from `au` or `req`. */
static const char *api_principal(struct auth *au, const struct http_request *req)
{
	if (!au || req->basic_malformed)
		return NULL;
	if (req->basic_user)
		return auth_authenticate_basic(au, req->basic_user, req->basic_password);
	return req->peer_principal;
}

/* Sends the 403 of `op` on `res` (`subject` for a subject). */
static void api_forbid(struct api_ctx *c, enum auth_op op, enum auth_resource res,
                       const char *subject)
{
	static const char *const ops[] = {"", "Read", "Write", "Admin"};
	if (res == AUTH_SUBJECT)
		api_fail(c, SG_EFORBIDDEN, "User is denied operation %s on Subject: %s", ops[op],
		         subject ? subject : "");
	else
		api_fail(c, SG_EFORBIDDEN, "User is denied operation %s on %s", ops[op],
		         res == AUTH_CONFIG ? "Config:" : "Mode:");
}

int api_may_read(struct api_ctx *c, const char *subject)
{
	if (!c->a->auth)
		return 1;
	if (!c->filter)
		c->filter = auth_filter_new(c->auth, c->principal, AUTH_READ);
	/* Out of memory, the NULL filter refuses everything. */
	return auth_filter_subject(c->filter, subject);
}

int api_require_on(struct api_ctx *c, enum auth_op op, const char *subject)
{
	if (!c->a->auth || auth_permits(c->auth, c->principal, op, AUTH_SUBJECT, subject))
		return 0;
	api_forbid(c, op, AUTH_SUBJECT, subject);
	return -1;
}

int api_require(struct api_ctx *c, enum auth_op op)
{
	return api_require_on(c, op, c->subject);
}

/* Whether the principal may use `route`: 1, or 0 with the 403 sent. Called
 * once c->subject is set. */
static int api_permitted(struct api_ctx *c, const struct api_route *route)
{
	if (!c->a->auth || route->need < API_READ)
		return 1;
	enum auth_op op = route->need == API_READ    ? AUTH_READ
	                  : route->need == API_WRITE ? AUTH_WRITE
	                                             : AUTH_ADMIN;
	/* A hard delete removes what no one can bring back. */
	if (op == AUTH_WRITE && strcmp(route->method, "DELETE") == 0 &&
	    api_query_bool(c, "permanent"))
		op = AUTH_ADMIN;
	if (auth_permits(c->auth, c->principal, op, route->res, c->subject))
		return 1;
	api_forbid(c, op, route->res, c->subject);
	return 0;
}

int api_authenticated(struct api *a, const struct http_request *req, struct http_response *resp)
{
	if (!a->auth)
		return 1;
	struct auth *au = auth_watch_get(a->auth);
	int ok = api_principal(au, req) != NULL;
	auth_unref(au);
	if (!ok) {
		struct api_ctx c = {.a = a, .req = req, .resp = resp, .ctype = API_CT_JSON};
		api_unauthorized(&c);
	}
	return ok;
}

/* Confluent's AliasFilter (v8.1.0): a path segment right after "subjects"
 * names a subject whose own config may set an "alias"; the request then acts
 * on the alias instead, once (an alias of an alias is not followed), before
 * anything else looks at the subject, authorization included. /config/{s}
 * and /mode/{s} are not aliased. A config that cannot be read leaves the
 * subject as it is, as Confluent's filter does. Replaces c->subject. */
static void api_alias(struct api_ctx *c, const struct api_route *route)
{
	if (route->subject_at < 1 || strcmp(c->req->segs[route->subject_at - 1], "subjects") != 0)
		return;
	struct sg_error e = {0};
	struct store_tx *tx = store_read(c->a->st, &e);
	char *text = NULL;
	if (!tx)
		return;
	int r = store_config_get(tx, c->subject, &text, &e);
	store_end(tx);
	json_t *cfg = r == 1 ? json_loads(text, 0, NULL) : NULL;
	const char *alias = json_string_value(json_object_get(cfg, "alias"));
	/* The alias names a subject of the aliased subject's context unless it
	 * is qualified (AliasFilter's qualifySubjectWithParent). */
	size_t cap = alias && *alias ? strlen(c->subject) + strlen(alias) + 3 : 0;
	char *to = cap ? malloc(cap) : NULL;
	if (to && qsubject_resolve_ref(c->subject, alias, to, cap, &e) >= 0 &&
	    qsubject_context_of(to, c->context, sizeof c->context, &e) >= 0) {
		free(c->subject);
		c->subject = to;
	} else {
		free(to);
	}
	json_decref(cfg);
	free(text);
}

/* ---- Contexts: the /contexts/{context}/ URL prefix ---- */

/* A request as Confluent's ContextFilter (v8.1.0) rewrites it: segments it
 * made are owned here, the others borrowed from the original. */
struct api_rewrite {
	struct http_request req;
	char *owned[HTTP_MAX_SEGMENTS];
	size_t nowned;
	const char *query_key; /* the query parameter it sets, or NULL */
	char *query_value;
};

static void api_rewrite_free(struct api_rewrite *rw)
{
	for (size_t i = 0; i < rw->nowned; i++)
		free(rw->owned[i]);
	free(rw->query_value);
}

/* Joins `a` and `b` into a new string kept by `rw`. NULL out of memory. */
static const char *api_rewrite_join(struct api_rewrite *rw, const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = malloc(na + nb + 1);
	if (!s || rw->nowned == HTTP_MAX_SEGMENTS) {
		free(s);
		return NULL;
	}
	memcpy(s, a, na);
	memcpy(s + na, b, nb + 1);
	rw->owned[rw->nowned++] = s;
	return s;
}

/* ContextFilter.modifyUri: a path under /contexts/{context}/ loses that
 * prefix and names the context in what follows: the segment after
 * "subjects" (or "deks"), and after a leading "config" or "mode", gets
 * ":.context:" unless it starts with a context already; a bare /config or
 * /mode becomes /config/:.context:; /schemas/ids/... gets ?subject=
 * prefixed with it, /schemas and /subjects ?subjectPrefix=. The context is
 * normalized where it is used (qsubject_context_prefix), so a colon in it
 * fails only there, with the 400 Confluent answers. Returns 0 when the path
 * has no such prefix (rw untouched), 1 rewritten, -1 with `e` set. */
static int api_context_filter(const struct http_request *in, struct api_rewrite *rw,
                              struct sg_error *e)
{
	if (in->nsegs < 2 || strcmp(in->segs[0], "contexts") != 0)
		return 0;
	rw->req = *in;
	const char *context = QSUBJECT_DEFAULT_CONTEXT;
	char prefix[STORE_CONTEXT_MAX + 4];
	int have_prefix = 0, context_next = 0, config_or_mode = 0, subject_next = 0, first = 1;
	size_t n = 0;
#define API_PREFIX()                                                                               \
	(have_prefix ? 0                                                                           \
	             : (have_prefix = 1,                                                           \
	                qsubject_context_prefix(context, prefix, sizeof prefix, e) < 0 ? -1 : 0))
	for (size_t i = 0; i < in->nsegs; i++) {
		const char *seg = in->segs[i];
		if (context_next) {
			context = seg;
			have_prefix = 0;
			context_next = 0;
			continue;
		}
		if (strcmp(seg, "contexts") == 0) {
			context_next = 1;
			continue;
		}
		const char *out = seg;
		if (subject_next) {
			if (!qsubject_has_context(seg)) {
				if (API_PREFIX() < 0)
					return -1;
				out = api_rewrite_join(rw, prefix, seg);
				if (!out)
					return error_set(e, SG_ENOMEM, "out of memory");
			}
			subject_next = 0;
		}
		int root_cm = first && (strcmp(seg, "config") == 0 || strcmp(seg, "mode") == 0);
		if (strcmp(seg, "subjects") == 0 || strcmp(seg, "deks") == 0 || root_cm) {
			subject_next = 1;
			config_or_mode |= root_cm;
		}
		rw->req.segs[n++] = out;
		first = 0;
	}
	if (config_or_mode && subject_next) {
		if (API_PREFIX() < 0)
			return -1;
		if (prefix[0] && n < HTTP_MAX_SEGMENTS)
			rw->req.segs[n++] = api_rewrite_join(rw, prefix, "");
	} else if (context_next) {
		rw->req.segs[n++] = "contexts";
	} else if (n == 0 && strcmp(context, QSUBJECT_DEFAULT_CONTEXT) != 0) {
		if (API_PREFIX() < 0)
			return -1;
		rw->req.segs[n++] = "contexts";
		rw->req.segs[n++] = api_rewrite_join(rw, prefix, "");
	}
	for (size_t i = 0; i < n; i++)
		if (!rw->req.segs[i])
			return error_set(e, SG_ENOMEM, "out of memory");
	rw->req.nsegs = n;
	/* ContextFilter.replaceQueryParams */
	const char *key = NULL;
	if (n >= 2 && strcmp(rw->req.segs[0], "schemas") == 0 &&
	    strcmp(rw->req.segs[1], "ids") == 0)
		key = "subject";
	else if (n == 1 && (strcmp(rw->req.segs[0], "schemas") == 0 ||
	                    strcmp(rw->req.segs[0], "subjects") == 0))
		key = "subjectPrefix";
	if (key) {
		const char *given = http_query(in, key);
		if (!given)
			given = "";
		if (!qsubject_has_context(given)) {
			if (API_PREFIX() < 0)
				return -1;
			size_t len = strlen(prefix) + strlen(given) + 1;
			if (!(rw->query_value = malloc(len)))
				return error_set(e, SG_ENOMEM, "out of memory");
			snprintf(rw->query_value, len, "%s%s", prefix, given);
			rw->query_key = key;
		}
	}
#undef API_PREFIX
	return 1;
}

/* Confluent's resources normalize the {subject} they are given
 * (QualifiedSubject.normalize: ":.:s" is "s", ":.ctx" is ":.ctx:"), and
 * /config and /mode treat the default context itself as the registry.
 * Replaces c->subject (NULL for the registry) and sets c->context. Returns 0
 * or -1 (out of memory). */
static int api_qualify_subject(struct api_ctx *c)
{
	size_t cap = strlen(c->subject) + 3;
	char *norm = malloc(cap);
	struct sg_error e = {0};
	if (!norm || qsubject_normalize(c->subject, norm, cap, &e) < 0) {
		free(norm);
		return -1;
	}
	free(c->subject);
	c->subject = norm;
	const char *first = c->req->segs[0];
	if ((strcmp(first, "config") == 0 || strcmp(first, "mode") == 0) &&
	    qsubject_names_default_context(norm)) {
		free(c->subject);
		c->subject = NULL;
		return 0;
	}
	return qsubject_context_of(norm, c->context, sizeof c->context, &e) < 0 ? -1 : 0;
}

int api_subject_context(struct api_ctx *c, struct store_tx *tx, int create, int64_t *num,
                        struct sg_error *e)
{
	return store_context(tx, c->context, create, num, e);
}

/* A store_contexts() callback appending the name to the JSON array `ctx`. */
static int api_context_name_cb(void *ctx, const char *name)
{
	json_t *s = json_string(name);
	return s && json_array_append_new(ctx, s) == 0 ? 0 : -1;
}

int api_in_contexts(struct api_ctx *c, struct store_tx *tx, api_in_context_fn fn, void *arg,
                    struct sg_error *e)
{
	struct qsubject q;
	if (!c->subject)
		return 0;
	qsubject_parse(c->subject, &q);
	if (!qsubject_is_default(&q) || !*q.subject)
		return 0;
	json_t *names = json_array();
	if (!names)
		return error_set(e, SG_ENOMEM, "out of memory");
	char *given = c->subject;
	char given_context[sizeof c->context];
	memcpy(given_context, c->context, sizeof given_context);
	int r = store_contexts(tx, api_context_name_cb, names, e);
	if (r < 0 && e->code == SG_OK)
		error_set(e, SG_ENOMEM, "out of memory");
	for (size_t i = 0; r >= 0 && i < json_array_size(names); i++) {
		const char *name = json_string_value(json_array_get(names, i));
		size_t cap = strlen(name) + strlen(q.subject) + 3;
		char *qualified = malloc(cap);
		if (!qualified || strlen(name) >= sizeof c->context) {
			free(qualified);
			r = error_set(e, SG_ENOMEM, "out of memory");
			break;
		}
		snprintf(qualified, cap, ":%s:%s", name, q.subject);
		if (!api_may_read(c, qualified)) {
			free(qualified);
			continue;
		}
		c->subject = qualified;
		snprintf(c->context, sizeof c->context, "%s", name);
		r = fn(c, arg, e);
		if (r == 1) {
			free(given);
			break;
		}
		c->subject = given;
		memcpy(c->context, given_context, sizeof c->context);
		free(qualified);
		r = r < 0 ? -1 : 0;
	}
	json_decref(names);
	return r;
}

/* ---- A registry cluster: writes go to the leader ---- */

/* The routes that write, with what Confluent 8.1 answers when it cannot
 * forward one to the leader (the resources' catch blocks): no leader known
 * (50004) and the leader unreachable (50003). DELETE of a subject or a
 * context words both as its other failures, the first followed by the
 * subject (`subject`). */
static const struct api_write_route {
	api_fn fn;
	const char *unknown;
	const char *failed;
	int subject;
} api_write_routes[] = {
    {api_register, "Leader not known.",
     "Error while forwarding register schema request to the leader", 0},
    {api_tags_modify, "Leader not known.",
     "Error while forwarding register schema request to the leader", 0},
    {api_versions_delete, "Leader not known.",
     "Error while forwarding delete schema version request to the leader", 0},
    {api_subjects_delete, "Error while deleting the subject ", "Error while deleting the subject ",
     1},
    {api_contexts_delete, "Error while deleting context", "Error while deleting context", 0},
    {api_config_put, "Failed to update compatibility level",
     "Error while forwarding update config request to the leader", 0},
    {api_config_delete, "Failed to delete compatibility level",
     "Error while forwarding delete config request to the leader", 0},
    {api_mode_put, "Failed to update mode",
     "Error while forwarding update mode request to the leader", 0},
    {api_mode_delete, "Failed to delete mode",
     "Error while forwarding delete mode request to the leader", 0},
};

/* The one forwarding hook: with a forward (a node of a cluster), a write
 * route on a node that does not lead is sent to the leader as the client
 * sent it (`orig`, before the /contexts/ rewrite) and the leader's answer
 * relayed. Called once the request passed every check this node makes
 * (authentication, 404/405, 415, 406, 413, authorization). Returns 1 when
 * the response is sent, 0 when this node handles the request itself. */
static int api_forwarded(struct api_ctx *c, const struct api_route *route,
                         const struct http_request *orig)
{
	if (!c->a->forward)
		return 0;
	const struct api_write_route *w = NULL;
	for (size_t i = 0; i < sizeof api_write_routes / sizeof api_write_routes[0]; i++)
		if (api_write_routes[i].fn == route->fn)
			w = &api_write_routes[i];
	if (!w)
		return 0;
	struct sg_error e = {0};
	int r = forward_write(c->a->forward, orig, c->resp, &e);
	if (r == 1 && c->resp->status >= 200 && c->resp->status < 300)
		atomic_fetch_add(&c->a->fwd_ok, 1);
	else if (r == 1)
		atomic_fetch_add(&c->a->fwd_rejected, 1);
	else if (r < 0)
		atomic_fetch_add(
		    e.code == SG_ELEADER_UNKNOWN ? &c->a->fwd_no_leader : &c->a->fwd_failed, 1);
	if (r >= 0)
		return r;
	if (e.code == SG_EFORWARD)
		fprintf(stderr, "schemagate: forward: %s\n", e.msg);
	if (e.code != SG_EFORWARD && e.code != SG_ELEADER_UNKNOWN) {
		api_send_error(c, &e);
		return 1;
	}
	api_fail(c, e.code, "%s%s", e.code == SG_EFORWARD ? w->failed : w->unknown,
	         w->subject && c->subject ? c->subject : "");
	return 1;
}

/* ---- A view of a log: read-your-writes and readiness ---- */

/* Whether `route`, which answered the 404 in `resp`, is a read whose 404
 * says that an id, GUID, subject or version is unknown (40401, 40402,
 * 40403): the answer a view behind the log may give wrongly. */
static int api_unknown_to_view(const struct api_route *route, const struct http_response *resp)
{
	if (resp->status != 404 || !resp->body)
		return 0;
	for (size_t i = 0; i < sizeof api_write_routes / sizeof api_write_routes[0]; i++)
		if (api_write_routes[i].fn == route->fn)
			return 0;
	json_t *o = json_loadb(resp->body, resp->body_len, 0, NULL);
	json_int_t code = json_integer_value(json_object_get(o, "error_code"));
	json_decref(o);
	return code == 40401 || code == 40402 || code == 40403;
}

/* Calls the route's handler; on a view of a log, a read it answers "unknown"
 * is answered again, once, after the view caught up with the log's end (the
 * one place where read-your-writes across nodes is kept for reads). */
static void api_call(struct api_ctx *c, const struct api_route *route)
{
	size_t nheaders = c->resp->nheaders;
	route->fn(c);
	if (!c->a->catch_up || !api_unknown_to_view(route, c->resp) ||
	    !c->a->catch_up(c->a->log_ctx))
		return;
	free(c->resp->body);
	c->resp->body = NULL;
	c->resp->body_len = 0;
	c->resp->status = 0;
	c->resp->content_type = NULL;
	c->resp->nheaders = nheaders;
	route->fn(c);
}

/* GET /health on a view of a log that is not caught up: 503 DOWN with the
 * reason. Returns 1 when it answered, 0 when the handler should. */
static int api_health_gate(struct api_ctx *c, const struct api_route *route)
{
	char why[256] = "";
	if (route->fn != api_metadata_health || !c->a->ready ||
	    c->a->ready(c->a->log_ctx, why, sizeof why))
		return 0;
	json_t *o = json_pack("{s:s, s:s}", "status", "DOWN", "reason", why);
	size_t len = 0;
	char *body = o ? jsonio_dump(o, &len) : NULL;
	json_decref(o);
	api_send(c, error_http_status(SG_EUNAVAILABLE), body, len);
	return 1;
}

/* Answers one API request: the route, then in Jersey's order 405 or 404,
 * 415, 406 and 413, then the handler with c->subject repaired. With
 * authorization on, a request from nobody gets 401 first (unless the route
 * is open), and one the principal may not make 403 just before the handler. */
static void api_dispatch(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct api_ctx c = {.a = ctx, .req = req, .resp = resp, .ctype = API_CT_V1};
	const struct http_request *orig = req;
	struct api_rewrite rw = {0};
	struct sg_error ce = {0};
	snprintf(c.context, sizeof c.context, "%s", QSUBJECT_DEFAULT_CONTEXT);
	int rewritten = api_context_filter(req, &rw, &ce);
	if (rewritten > 0) {
		req = c.req = &rw.req;
		c.query_key = rw.query_key;
		c.query_value = rw.query_value;
	}
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
	if (c.a->auth && !(route && route->need == API_OPEN)) {
		c.auth = auth_watch_get(c.a->auth);
		c.principal = api_principal(c.auth, req);
		if (!c.principal) {
			api_unauthorized(&c);
			goto out;
		}
	}
	if (rewritten < 0) {
		api_send_error(&c, &ce);
		goto out;
	}
	if (!route) {
		if (path_known)
			api_fail(&c, SG_EMETHOD, "HTTP 405 Method Not Allowed");
		else
			api_not_found(&c);
		goto out;
	}
	int has_body = strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0;
	if (has_body && !api_content_type_ok(http_header(req, "Content-Type"))) {
		api_fail(&c, SG_EMEDIA_TYPE, "HTTP 415 Unsupported Media Type");
		goto out;
	}
	if (!accepted) {
		api_fail(&c, SG_ENOT_ACCEPTABLE, "HTTP 406 Not Acceptable");
		goto out;
	}
	if (req->body_too_large) {
		api_fail(&c, SG_ETOO_LARGE,
		         "The request body is larger than the limit of %zu bytes", c.a->body_limit);
		goto out;
	}
	if (route->subject_at >= 0) {
		c.subject = jsonio_utf8_repair(req->segs[route->subject_at]);
		if (!c.subject || api_qualify_subject(&c) < 0) {
			api_fail(&c, SG_ENOMEM, "out of memory");
			goto out;
		}
		if (c.subject)
			api_alias(&c, route);
	}
	if (api_permitted(&c, route) && !api_forwarded(&c, route, orig) &&
	    !api_health_gate(&c, route))
		api_call(&c, route);
out:
	free(c.subject);
	auth_filter_free(c.filter);
	auth_unref(c.auth);
	api_rewrite_free(&rw);
}

/* The schema browser's files are served beside the API (with authorization
 * on, to authenticated principals unless ui_open); every response, API or
 * page, carries the page's Content-Security-Policy. */
void api_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct api *a = ctx;
	int page = req->nsegs > 0 && strcmp(req->segs[0], "ui") == 0;
	if (page && !a->ui_open && !api_authenticated(a, req, resp))
		; /* the 401 is the answer */
	else if (!ui_handle(req, resp))
		api_dispatch(ctx, req, resp);
	if (resp->nheaders < sizeof resp->headers / sizeof resp->headers[0])
		resp->headers[resp->nheaders++] = "Content-Security-Policy: " UI_CSP;
}

/* ---- Lifecycle ---- */

/* GET /schemas/types: the types this build parses, in Confluent's order. */
static json_t *api_schema_types_list(void)
{
	static const enum schema_type order[] = {SCHEMA_JSON, SCHEMA_PROTOBUF, SCHEMA_AVRO};
	json_t *a = json_array();
	for (size_t i = 0; a && i < sizeof order / sizeof order[0]; i++)
		if (schema_type_supported(order[i]))
			json_array_append_new(a, json_string(schema_type_name(order[i])));
	return a;
}

/* The caches are sized from `opts` (NULL: the defaults in registry/api.h). */
struct api *api_new(struct store *st, const struct api_options *opts, struct sg_error *err)
{
	struct api *a = calloc(1, sizeof *a);
	if (!a) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	a->st = st;
	a->auth = opts ? opts->auth : NULL;
	a->ui_open = opts ? opts->ui_open : 0;
	a->forward = opts ? opts->forward : NULL;
	a->catch_up = opts ? opts->catch_up : NULL;
	a->ready = opts ? opts->ready : NULL;
	a->log_ctx = opts ? opts->log_ctx : NULL;
	a->body_limit = opts && opts->body_limit ? opts->body_limit : 16u * 1024 * 1024;
	size_t cache_bytes =
	    opts && opts->id_cache_bytes ? opts->id_cache_bytes : 32u * 1024 * 1024;
	size_t parsed = opts && opts->parsed_cache ? opts->parsed_cache : 1000;
	a->ids = idcache_new(cache_bytes);
	a->parsed = schemacache_new(parsed);
	json_t *types = api_schema_types_list();
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

/* ---- The caches after a purge ---- */

int api_dropped_add(struct api_dropped *d, int64_t id, struct sg_error *err)
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

void api_dropped_forget(struct api *a, struct api_dropped *d)
{
	for (size_t i = 0; i < d->n; i++) {
		idcache_forget(a->ids, d->ids[i]);
		idcache_forget(a->ids, -d->ids[i]);
		schemacache_forget(a->parsed, d->ids[i]);
	}
	free(d->ids);
	memset(d, 0, sizeof *d);
}

void api_forward_stats(struct api *a, struct api_forward_stats *out)
{
	out->ok = atomic_load(&a->fwd_ok);
	out->rejected = atomic_load(&a->fwd_rejected);
	out->failed = atomic_load(&a->fwd_failed);
	out->no_leader = atomic_load(&a->fwd_no_leader);
}

void api_forget_cached(struct api *a)
{
	idcache_forget_all(a->ids);
}
