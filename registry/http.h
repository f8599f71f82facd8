/* registry/http.h: a small HTTP server on libmicrohttpd. It knows nothing of
 * schemas or Confluent: it accepts connections, reads a bounded request body,
 * splits and percent-decodes the path, and hands one complete request to a
 * handler, which fills in one response.
 *
 * Threading: the handler is called from several server threads at once, so it
 * must be thread-safe. http_open() returns once the socket listens;
 * http_close() stops accepting, waits for handlers in progress, then frees.
 */
#ifndef SG_HTTP_H
#define SG_HTTP_H

#include <stddef.h>
#include "compat/error.h"

#define HTTP_MAX_SEGMENTS 16

/* One request, valid only during the handler call (everything is borrowed). */
struct http_request {
	const char *method;   /* "GET", "POST", ... */
	const char *raw_path; /* as sent, still percent-encoded, no query */
	/* raw_path split on '/', each segment percent-decoded on its own, so a
	 * subject containing "%2F" stays one segment. Empty segments are dropped. */
	const char *segs[HTTP_MAX_SEGMENTS];
	size_t nsegs;
	int too_many_segments; /* the path had more than HTTP_MAX_SEGMENTS */
	const char *body;      /* NUL-terminated; may hold NULs before body_len */
	size_t body_len;
	int body_too_large; /* the body passed the limit: body is NULL */
	const void *impl;   /* the server's own, for the accessors below */
};

/* A query parameter, percent-decoded ("+" is a space), or NULL when absent. A
 * parameter given with no value ("?permanent") returns "". */
const char *http_query(const struct http_request *req, const char *key);
/* A request header, matched case-insensitively, or NULL. */
const char *http_header(const struct http_request *req, const char *name);

/* The handler fills this. `body` is malloc'd and taken by the server.
 * `content_type` is borrowed (a string literal). Extra headers are optional
 * "Name: value" strings, also borrowed. */
struct http_response {
	int status;
	char *body;
	size_t body_len;
	const char *content_type;
	const char *headers[8];
	size_t nheaders;
};

typedef void (*http_handler)(void *ctx, const struct http_request *req, struct http_response *resp);

struct http_options {
	const char *host;  /* address to bind, e.g. "127.0.0.1" or "::" */
	int port;          /* 0 picks a free port; see http_port() */
	size_t body_limit; /* bytes; larger bodies reach the handler as body_too_large */
	unsigned threads;  /* worker threads; 0 means the number of CPUs */
};

/* Starts serving. Returns NULL and sets `err` (SG_EIO with "address in use" or
 * the system's reason) when the socket cannot be bound. */
struct http_server *http_open(const struct http_options *opts, http_handler handler, void *ctx,
                              struct sg_error *err);
/* The port actually bound. */
int http_port(const struct http_server *srv);
void http_close(struct http_server *srv);

#endif
