/* gateway/tls.h: TLS contexts for the gateway's connections, over OpenSSL.
 * A context holds what every connection of one side shares: for the
 * listener (server), the certificate chain and key, the CAs client
 * certificates must chain to and whether one is asked for; for the brokers
 * (client), the CAs a broker's certificate must chain to, or an explicit
 * choice not to verify, and an optional client certificate. gateway/loop
 * makes one SSL per connection from a context (tls_ssl_new) and does the
 * I/O; nothing here touches a socket.
 *
 * Certificates, keys and CAs are PEM. A CA is given as a file holding one or
 * more certificates, or as a directory, read by common/pembundle: every
 * regular file in it (links followed, hidden names skipped, names not
 * hashed, no recursion) is read and each certificate in it trusted; files
 * with no PEM certificate in them (a Kubernetes Secret's ca.p12,
 * ca.password) are skipped. Either way at least one certificate must be
 * found. So a Secret that holds an old and a new CA during a
 * renewal (Strimzi) trusts both.
 *
 * Reloading: a context never changes once made. To rotate certificates,
 * make a new context from the files and use it for new connections; a
 * failed load returns NULL and the caller keeps the old one. Each SSL holds
 * a reference to the OpenSSL context it was made from, so the caller may
 * free a tls_ctx while connections made from it live on: they keep working
 * with the old certificates until they close.
 *
 * Ownership: tls_server_new() and tls_client_new() return a context the
 * caller frees with tls_ctx_free(); tls_ssl_new() returns an SSL the caller
 * frees with SSL_free(). Bytes returned by tls_peer_subject_der() are
 * borrowed from the SSL. Errors are reported in a caller-provided
 * struct sg_error (SG_EIO for files, SG_EUNPROCESSABLE for a bad setting,
 * SG_ENOMEM).
 *
 * Threads: a context may be used by any number of threads at once once
 * made; an SSL by one thread at a time.
 */
#ifndef SG_TLS_H
#define SG_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

struct sg_error;
struct tls_ctx;

/* Whether the server asks clients for a certificate. With REQUESTED a client
 * may send none, but one it sends must verify; with REQUIRED a client
 * without one fails the handshake. */
enum tls_client_auth {
	TLS_CLIENT_AUTH_NONE,
	TLS_CLIENT_AUTH_REQUESTED,
	TLS_CLIENT_AUTH_REQUIRED,
};

/* The oldest protocol version a context accepts. */
enum tls_min_version {
	TLS_MIN_1_2, /* the default */
	TLS_MIN_1_3,
};

struct tls_server_options {
	const char *cert_file; /* the certificate, then the chain up to the CA; required */
	const char *key_file;  /* its private key; required */
	/* The CAs client certificates must chain to: a file or a directory
	 * (see the top of this file). Required unless client_auth is NONE. */
	const char *client_ca;
	enum tls_client_auth client_auth;
	enum tls_min_version min_version;
};

struct tls_client_options {
	/* The CAs a broker's certificate must chain to: a file or a directory.
	 * NULL: the system's trust store. */
	const char *ca;
	/* 1: accept any certificate from any host; no verification at all.
	 * For tests and debugging only: it lets anyone on the path read and
	 * change the traffic. */
	int insecure_no_verify;
	/* An identity for brokers that ask for one (mutual TLS): both or
	 * neither. */
	const char *cert_file;
	const char *key_file;
	enum tls_min_version min_version;
};

/* Makes a server context. NULL on failure with `err` set: a file that cannot
 * be read, a key that does not match the certificate, a CA file or directory
 * with no certificate in it, client auth without a CA. */
struct tls_ctx *tls_server_new(const struct tls_server_options *o, struct sg_error *err);

/* Makes a client context (to brokers). NULL on failure with `err` set. */
struct tls_ctx *tls_client_new(const struct tls_client_options *o, struct sg_error *err);

/* What a context's own certificate says, for log lines and metrics. */
struct tls_cert_info {
	char serial[80];     /* the serial number in hex, e.g. "1A2B" (truncated to fit) */
	char subject[256];   /* RFC 2253 text, truncated to fit */
	long long not_after; /* the end of its validity, in seconds since the epoch */
};

/* Fills `out` from the certificate `t` shows its peers (the server's, or a
 * client context's identity). 0, or -1 when it has none or it cannot be
 * read. */
int tls_ctx_cert_info(const struct tls_ctx *t, struct tls_cert_info *out);

/* Drops the caller's context; connections made from it keep what they need.
 * Accepts NULL. */
void tls_ctx_free(struct tls_ctx *t);

/* 1 for a server context, 0 for a client one. */
int tls_ctx_is_server(const struct tls_ctx *t);

/* Makes the SSL of one connection, in the accepting state for a server
 * context and in the connecting state for a client one, with no socket yet
 * (the caller sets it). For a client context `name` is the broker's name or
 * numeric address: a name is sent as SNI, and unless the context is
 * insecure, the broker's certificate must match it (a DNS name, or an IP
 * address for a numeric one); `name` is required then, and ignored for a
 * server context. NULL with `err` set on failure. */
SSL *tls_ssl_new(struct tls_ctx *t, const char *name, struct sg_error *err);

/* Why the last operation on `ssl` failed, as "what went wrong" text for a
 * log line (e.g. "certificate verify failed (hostname mismatch)"): the first
 * error in this thread's OpenSSL queue, with the verification result when
 * verification failed. Empties the thread's queue. Returns `buf`. */
const char *tls_error_text(const SSL *ssl, char *buf, size_t size);

/* The subject of the peer's certificate as DER bytes (a DER X509_NAME,
 * the form identities are compared in): 0 with `*der` and `*len` set,
 * borrowed from `ssl` and valid while it lives, or -1 when the peer sent no
 * certificate (or the handshake is not done). */
int tls_peer_subject_der(const SSL *ssl, const uint8_t **der, size_t *len);

/* 1 when two names have the same DER encoding, 0 otherwise (or when either
 * cannot be encoded). Names are compared as DER, never as formatted text:
 * two names that print alike (escaping, attribute order, string types) are
 * different names here. */
int tls_name_der_equal(const X509_NAME *a, const X509_NAME *b);

#endif
