/* common/regclient.h: a small client for a Confluent-compatible schema
 * registry (ours or any other), over libcurl. The CLI uses it, and so does a
 * standalone gateway.
 *
 * Over https:// it verifies the registry's certificate and host name (TLS 1.2
 * at least) against the CAs of struct regclient_options, or the system's
 * store; it can show a client certificate and send HTTP Basic credentials,
 * given in the options or as the URL's userinfo ("https://USER:PASS@host").
 * No message it writes holds a password: URLs are shown without it.
 *
 * A regclient is not thread-safe: use one per thread. Every call blocks for at
 * most the options' timeout. Responses larger than REGCLIENT_MAX_BODY are
 * refused (SG_ELIMIT).
 *
 * Ownership: regclient_new() copies what it needs of the options (it reads
 * the CA files once, into memory; the client certificate and key files are
 * read again by libcurl for each new connection, so renewed files apply).
 * regclient_request() hands back a new JSON reference in *out that the caller
 * json_decref()s; bodies passed in are borrowed.
 */
#ifndef SG_REGCLIENT_H
#define SG_REGCLIENT_H

#include <jansson.h>
#include "compat/error.h"

#define REGCLIENT_MAX_BODY (64u << 20)
/* The CA files of one client add up to at most this many bytes. */
#define REGCLIENT_CA_MAX (4u << 20)

/* How to reach the registry. Every field may be 0 or NULL. */
struct regclient_options {
	long timeout_ms; /* each request; 0: 10000 */
	/* The CAs to verify an https:// registry with: a PEM file, or a folder
	 * read as common/pembundle.h says (every regular file, hidden ones
	 * skipped, files without a certificate skipped), such as a mounted
	 * Kubernetes Secret holding an old and a new CA during a renewal.
	 * NULL: the system's CA store. */
	const char *ca;
	const char *cert;       /* client certificate (PEM, then its chain); needs `key` */
	const char *key;        /* its private key (PEM, not encrypted) */
	const char *basic_auth; /* "USER:PASSWORD" (the password may hold ':'); beats the URL's */
};

struct regclient;

/* `base_url` like "http://127.0.0.1:8081" (a trailing '/' is fine). `o` may
 * be NULL for the defaults. Returns NULL with `err` set when libcurl cannot be
 * initialised, a CA, certificate or key file cannot be read ("PATH: reason"),
 * a CA holds no PEM certificate, `cert` and `key` do not come together, TLS
 * options are given for an http:// URL, or `basic_auth` has no ':'. */
struct regclient *regclient_new(const char *base_url, const struct regclient_options *o,
                                struct sg_error *err);
void regclient_free(struct regclient *c);

/* The base URL as messages show it: without the password of its userinfo.
 * Owned by `c`. */
const char *regclient_url(const struct regclient *c);

/* Sends METHOD base_url+path, with `body` (may be NULL) as
 * application/vnd.schemaregistry.v1+json. `path` must already be
 * percent-encoded (see regclient_escape()). Returns the HTTP status and sets
 * *out to the parsed JSON body (NULL when the body is empty or not JSON).
 *
 * On a transport failure returns -1 with `err` set to SG_EUNAVAILABLE and one
 * line naming the URL and what failed: refused, timeout, a registry
 * certificate that does not verify (against which CAs), a client certificate
 * the registry requires or refuses. For a status >= 400, `err` is also set,
 * with the registry's own message when it sent one: a 401 says which
 * credentials were refused ("the registry refused the credentials for user
 * X"), a 403 that the user is not allowed and why. */
int regclient_request(struct regclient *c, const char *method, const char *path, const json_t *body,
                      json_t **out, struct sg_error *err);

/* Percent-encodes one path segment (a subject name) into `out` of size `cap`.
 * Returns 0, or -1 when it does not fit. */
int regclient_escape(const char *segment, char *out, size_t cap);

#endif
