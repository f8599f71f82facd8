/* registry/http.h: a small HTTP server on libmicrohttpd. It knows nothing of
 * schemas or Confluent: it accepts connections, reads a bounded request body,
 * splits and percent-decodes the path, and hands one complete request to a
 * handler, which fills in one response.
 *
 * HTTPS: with http_options.tls the server speaks TLS 1.2 or 1.3 only
 * (libmicrohttpd on GnuTLS). Client certificates, when asked for, are checked
 * here against the client CA: a request whose certificate does not verify
 * (unknown CA, expired, not for TLS clients) is answered 401 without reaching
 * the handler, and so is one without a certificate when it is required. The
 * handler sees who the certificate names in http_request.peer_principal, and
 * any HTTP Basic credentials, decoded, in basic_user and basic_password; what
 * they may do is for the handler to decide.
 *
 * Limits (struct http_options): at most max_connections connections open,
 * and max_connections_per_ip from one address (MHD closes one more at once);
 * a connection that neither sends nor reads for idle_timeout_ms is closed;
 * and a request must arrive whole, request line, headers and body, within
 * request_timeout_ms of its first byte, or its connection is closed (so a
 * client that trickles a byte now and then, a slowloris, cannot hold a
 * connection). Its first byte is seen as the request line arriving, or as
 * the socket's byte count growing at a look taken every tenth of the
 * timeout (at most 250 ms) while the connection waits for a request. The
 * request line and headers together are at most HTTP_HEADER_LIMIT bytes
 * (431 or 414 past it), the body at most body_limit (413). What happens at
 * a limit is logged, at most HTTP_LOG_BURST lines a second.
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
	/* The query as sent after '?', still percent-encoded, without a
	 * fragment; "" when there is none (a forwarded request carries it). */
	const char *raw_query;
	/* raw_path split on '/', each segment percent-decoded on its own, so a
	 * subject containing "%2F" stays one segment. Empty segments are dropped. */
	const char *segs[HTTP_MAX_SEGMENTS];
	size_t nsegs;
	int too_many_segments; /* the path had more than HTTP_MAX_SEGMENTS */
	const char *body;      /* NUL-terminated; may hold NULs before body_len */
	size_t body_len;
	int body_too_large; /* the body passed the limit: body is NULL */
	/* The subject DN of the client's verified certificate, or NULL when it
	 * gave none (or the server speaks plain HTTP). RFC 4514, as GnuTLS's
	 * gnutls_x509_crt_get_dn3() prints it: the most specific RDN first, ","
	 * between RDNs with no space, "+" inside a multi-valued one, attribute
	 * types as short names (CN, OU, O, L, ST, C, DC, UID) or dotted OIDs,
	 * and the characters , + " \ < > ; in values escaped with a backslash:
	 * a certificate issued for "/C=NL/O=Example, Inc./OU=Platform/CN=ci"
	 * reads "CN=ci,OU=Platform,O=Example\, Inc.,C=NL". Auth files name
	 * certificate principals in exactly this form. */
	const char *peer_principal;
	/* An "Authorization: Basic" header, decoded: the user (before the first
	 * ':') and the password (after it). NULL when there is none, and when it
	 * is malformed (not base64, no ':', a NUL byte), which sets
	 * basic_malformed. */
	const char *basic_user;
	const char *basic_password;
	int basic_malformed;
	const void *impl; /* the server's own, for the accessors below */
};

/* A query parameter, percent-decoded ("+" is a space), or NULL when absent. A
 * parameter given with no value ("?permanent") returns "". */
const char *http_query(const struct http_request *req, const char *key);
/* The `n`th (from 0) value of a repeated query parameter
 * ("?key=a&value=1&key=b&value=2"), in the order sent, or NULL when there
 * are not that many. Only the first 32 parameters of a query are kept. */
const char *http_query_nth(const struct http_request *req, const char *key, size_t n);
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

/* Client certificates: not asked for; asked for (a request without one goes
 * on, with no peer_principal); or required (a request without one gets 401). */
enum http_client_auth {
	HTTP_CLIENT_AUTH_NONE,
	HTTP_CLIENT_AUTH_REQUESTED,
	HTTP_CLIENT_AUTH_REQUIRED
};

/* Largest certificate, key or client CA file read, in bytes. */
#define HTTP_TLS_FILE_MAX (1u << 20)

struct http_tls {
	const char *cert_file; /* PEM: the server's certificate, then its chain */
	const char *key_file;  /* PEM: its private key, not encrypted */
	/* PEM: the CAs client certificates must chain to, a file or a folder
	 * read as common/pembundle.h says. Needed unless client_auth is NONE. */
	const char *client_ca;
	enum http_client_auth client_auth;
};

/* Largest request line plus headers, in bytes. */
#define HTTP_HEADER_LIMIT (64 * 1024)
/* Log lines a second, at most, from the server itself. */
#define HTTP_LOG_BURST 5

struct http_options {
	const char *host;           /* address to bind, e.g. "127.0.0.1" or "::" */
	int port;                   /* 0 picks a free port; see http_port() */
	size_t body_limit;          /* bytes; larger bodies reach the handler as body_too_large */
	unsigned threads;           /* worker threads; 0 means the number of CPUs */
	const struct http_tls *tls; /* NULL: plain HTTP; read by http_open() only */
	/* Connections open at once; 0: 4096. */
	unsigned max_connections;
	/* Connections open at once from one IP address; 0: 1024. */
	unsigned max_connections_per_ip;
	/* A connection idle this long is closed; whole seconds (rounded up);
	 * 0: 30000 (Jetty's and so Confluent's idle timeout). */
	unsigned idle_timeout_ms;
	/* A request not read whole this long after its first byte closes its
	 * connection; 0: 30000. */
	unsigned request_timeout_ms;
};

/* Starts serving. Returns NULL and sets `err` (SG_EIO with "address in use" or
 * the system's reason) when the socket cannot be bound, or when a TLS file
 * does not load (the message names it and says why). */
struct http_server *http_open(const struct http_options *opts, http_handler handler, void *ctx,
                              struct sg_error *err);
/* The port actually bound. */
int http_port(const struct http_server *srv);
void http_close(struct http_server *srv);

#endif
