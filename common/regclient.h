/* common/regclient.h: a small client for a Confluent-compatible schema
 * registry (ours or any other), over libcurl. The CLI uses it, and so does a
 * standalone gateway.
 *
 * A regclient is not thread-safe: use one per thread. Every call blocks for at
 * most the timeout given to regclient_new(). Responses larger than
 * REGCLIENT_MAX_BODY are refused (SG_ELIMIT).
 *
 * Ownership: regclient_request() hands back a new JSON reference in *out that
 * the caller json_decref()s; bodies passed in are borrowed.
 */
#ifndef SG_REGCLIENT_H
#define SG_REGCLIENT_H

#include <jansson.h>
#include "compat/error.h"

#define REGCLIENT_MAX_BODY (64u << 20)

struct regclient;

/* `base_url` like "http://127.0.0.1:8081" (a trailing '/' is fine). Returns NULL
 * with `err` set when libcurl cannot be initialised. */
struct regclient *regclient_new(const char *base_url, long timeout_ms, struct sg_error *err);
void regclient_free(struct regclient *c);

/* Sends METHOD base_url+path, with `body` (may be NULL) as
 * application/vnd.schemaregistry.v1+json. `path` must already be
 * percent-encoded (see regclient_escape()). Returns the HTTP status and sets
 * *out to the parsed JSON body (NULL when the body is empty or not JSON). On a
 * transport failure (refused, timeout, TLS) returns -1 with `err` set to
 * SG_EUNAVAILABLE and a one-line reason naming the URL. For a status >= 400,
 * `err` is also set, with the registry's own message when it sent one. */
int regclient_request(struct regclient *c, const char *method, const char *path, const json_t *body,
                      json_t **out, struct sg_error *err);

/* Percent-encodes one path segment (a subject name) into `out` of size `cap`.
 * Returns 0, or -1 when it does not fit. */
int regclient_escape(const char *segment, char *out, size_t cap);

#endif
