/* registry/api.h: the Confluent Schema Registry REST API. It turns one HTTP
 * request into one response, with the registry's semantics, over a store.
 *
 * Endpoints: those of Confluent Schema Registry 7.x (schemas, subjects,
 * versions, references, compatibility, config, mode, contexts, metadata),
 * answering as it does: same status codes, error_code values and messages,
 * same JSON fields. Also GET /health for probes: 200 {"status":"UP"} when
 * the store answers, 503 {"status":"DOWN",...} when it does not.
 *
 * Authorization: with api_options.auth, every request but GET and POST /
 * and GET /health must come from a principal (HTTP Basic credentials
 * checked against the auth file, else the client certificate's subject DN),
 * or it gets 401 with WWW-Authenticate; what it may do is the auth file's
 * (registry/auth.h), per the table of routes in api.c. Without it, the API
 * is open to everyone.
 *
 * Threading: api_handle() is called from many server threads at once and is
 * thread-safe. Ownership: api_new() borrows the store, which must outlive the
 * api; api_free() accepts NULL.
 */
#ifndef SG_API_H
#define SG_API_H

#include "compat/error.h"
#include "registry/http.h"

struct store;
struct api;
struct auth_watch;
struct forward;

struct api_options {
	size_t body_limit;     /* bytes; the 413 message names it (default 16 MiB) */
	size_t id_cache_bytes; /* bodies of GET /schemas/ids/{id} kept in memory;
	                        * 0 means 32 MiB */
	size_t parsed_cache;   /* parsed schemas kept for compatibility checks;
	                        * 0 means 1000 */
	/* Who may do what; NULL: everyone everything. Borrowed: it must outlive
	 * the api. */
	struct auth_watch *auth;
	int ui_open; /* with auth: the schema browser's files need no credentials */
	/* A node of a registry cluster: writes (POST, PUT and DELETE routes but
	 * lookups and compatibility checks) are sent to the leader when this
	 * node does not lead (registry/forward.h); reads are served here.
	 * Borrowed: it must outlive the api. NULL: every write is handled here. */
	struct forward *forward;
};

struct api *api_new(struct store *st, const struct api_options *opts, struct sg_error *err);
void api_free(struct api *a);

/* An http_handler: `ctx` is the struct api. */
void api_handle(void *ctx, const struct http_request *req, struct http_response *resp);

/* For pages served beside the API (serve's GET /metrics): 1 when the request
 * comes from an authenticated principal, or when the api has no auth; else 0
 * with `resp` filled with the API's 401. Any thread. */
int api_authenticated(struct api *a, const struct http_request *req, struct http_response *resp);

/* Forgets the bodies cached for GET /schemas/ids/{id}: the store changed
 * under the API (kafka mode: the log's reader applied records). Any thread. */
void api_forget_cached(struct api *a);

#endif
