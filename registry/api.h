/* registry/api.h: the Confluent Schema Registry REST API. It turns one HTTP
 * request into one response, with the registry's semantics, over a store.
 *
 * Endpoints: those of Confluent Schema Registry 7.x (schemas, subjects,
 * versions, references, compatibility, config, mode, contexts, metadata),
 * answering as it does: same status codes, error_code values and messages,
 * same JSON fields. Also GET /health for probes: 200 {"status":"UP"} when
 * the store answers (and, for a view of a log, api_options.ready says it is
 * caught up), 503 {"status":"DOWN","reason":...} when not.
 *
 * Read-your-writes on a view of a log: a read that would answer 404 for an
 * id, a GUID, a subject or a version first lets the view catch up with the
 * log (api_options.catch_up) and is answered again once: a write acknowledged
 * by another node is not reported unknown here.
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

#include <stdint.h>

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
	/* A node whose store is a view of a log (kafka mode), else both NULL.
	 * catch_up: called once when a read (a GET, a lookup, a compatibility
	 * check) is about to answer 404 with 40401, 40402 or 40403; it waits,
	 * bounded, until the view has reached the log's end, and returns 1 when
	 * the read should be answered again from the view it reached, 0 when
	 * not (the 404 stands). ready: whether GET /health may answer UP: 1, or
	 * 0 with why it may not in `why` (then 503 DOWN with that reason). Both
	 * are called from server threads with `log_ctx`. */
	int (*catch_up)(void *log_ctx);
	int (*ready)(void *log_ctx, char *why, size_t cap);
	void *log_ctx;
};

struct api *api_new(struct store *st, const struct api_options *opts, struct sg_error *err);
void api_free(struct api *a);

/* An http_handler: `ctx` is the struct api. */
void api_handle(void *ctx, const struct http_request *req, struct http_response *resp);

/* For pages served beside the API (serve's GET /metrics): 1 when the request
 * comes from an authenticated principal, or when the api has no auth; else 0
 * with `resp` filled with the API's 401. Any thread. */
int api_authenticated(struct api *a, const struct http_request *req, struct http_response *resp);

/* Writes this node sent to the leader (api_options.forward), by outcome:
 * the leader answered 2xx (ok) or another status (rejected: e.g. 409, 422),
 * it could not be reached or did not answer (failed, 50003), no leader was
 * known (no_leader, 50004). Any thread. */
struct api_forward_stats {
	uint64_t ok, rejected, failed, no_leader;
};
void api_forward_stats(struct api *a, struct api_forward_stats *out);

/* Forgets the bodies cached for GET /schemas/ids/{id}: the store changed
 * under the API (kafka mode: the log's reader applied records). Any thread. */
void api_forget_cached(struct api *a);

#endif
