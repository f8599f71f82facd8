/* registry/api.h: the Confluent Schema Registry REST API. It turns one HTTP
 * request into one response, with the registry's semantics, over a store.
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

struct api_options {
	size_t body_limit;  /* bytes; the 413 message names it (default 16 MiB) */
};

struct api *api_new(struct store *st, const struct api_options *opts, struct sg_error *err);
void api_free(struct api *a);

/* An http_handler: `ctx` is the struct api. */
void api_handle(void *ctx, const struct http_request *req, struct http_response *resp);

#endif
