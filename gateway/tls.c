/* gateway/tls.c: OpenSSL contexts for the gateway's connections. */
#include "gateway/tls.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/pembundle.h"
#include "compat/error.h"

/* The session id context of server contexts: without one, a client that
 * resumes a session made with a client certificate fails the handshake. */
#define TLS_SID_CTX "schemagate"

struct tls_ctx {
	SSL_CTX *ctx;
	int server;
	int insecure; /* client: no verification at all */
};

/* Writes the first error of this thread's OpenSSL queue into `buf` as text
 * and empties the queue. */
static void tls_reason(char *buf, size_t size)
{
	unsigned long e = ERR_peek_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	if (e && ERR_SYSTEM_ERROR(e))
		snprintf(buf, size, "%s", strerror(ERR_GET_REASON(e)));
	else if (r)
		snprintf(buf, size, "%s", r);
	else if (e)
		ERR_error_string_n(e, buf, size);
	else
		snprintf(buf, size, "unknown error");
	ERR_clear_error();
}

/* Sets `err` to "`what`: the OpenSSL reason". Returns -1. */
static int tls_fail(struct sg_error *err, int code, const char *what)
{
	char why[256];
	tls_reason(why, sizeof why);
	return error_set(err, code, "%s: %s", what, why);
}

/* Keys are never read with a passphrase: OpenSSL would prompt on the
 * terminal and block. */
static int tls_no_password(char *buf, int size, int rwflag, void *arg)
{
	return -1;
}

/* Orders the CA names sent to clients (and finds duplicates). */
static int tls_name_order(const X509_NAME *const *a, const X509_NAME *const *b)
{
	return X509_NAME_cmp(*a, *b);
}

/* Trusts every certificate of the CA `path`, a file or a folder read as
 * common/pembundle.h says, and adds their subjects to `names` when not NULL.
 * 0, or -1 with `err` set (also when no certificate was found). */
static int tls_add_ca(SSL_CTX *ctx, STACK_OF(X509_NAME) * names, const char *path,
                      struct sg_error *err)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	char what[600];
	size_t len;
	char *pem = pembundle_read(path, PEMBUNDLE_MAX, &len, err);
	BIO *b = pem ? BIO_new_mem_buf(pem, (int)len) : NULL;
	X509 *x;
	int count = 0;

	if (!pem)
		return error_prefix(err, SG_EIO, "the CA ");
	if (!b) {
		free(pem);
		return tls_fail(err, SG_ENOMEM, "out of memory");
	}
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(b, NULL, tls_no_password, NULL))) {
		X509_NAME *n = NULL;
		int ok = X509_STORE_add_cert(store, x) == 1;
		if (ok && names && sk_X509_NAME_find(names, X509_get_subject_name(x)) < 0)
			ok = (n = X509_NAME_dup(X509_get_subject_name(x))) &&
			     sk_X509_NAME_push(names, n) > 0;
		X509_free(x);
		count++;
		if (!ok) {
			X509_NAME_free(n);
			BIO_free(b);
			free(pem);
			snprintf(what, sizeof what, "cannot trust certificate %d of the CA %s",
			         count, path);
			return tls_fail(err, SG_ENOMEM, what);
		}
	}
	BIO_free(b);
	free(pem);
	unsigned long e = ERR_peek_last_error();
	if (count > 0 && ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
		ERR_clear_error(); /* the end of the text */
		return 0;
	}
	/* pembundle checked the PEM and the DER's outline: this is a DER
	 * structure that is no certificate. */
	snprintf(what, sizeof what, "bad certificate in the CA %s (number %d, files in name order)",
	         path, count + 1);
	return tls_fail(err, SG_EIO, what);
}

/* A context with what both sides share. NULL with `err` set. */
static struct tls_ctx *tls_ctx_new(const SSL_METHOD *method, enum tls_min_version min,
                                   struct sg_error *err)
{
	struct tls_ctx *t = calloc(1, sizeof *t);

	if (!t) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	ERR_clear_error();
	t->ctx = SSL_CTX_new(method);
	if (!t->ctx) {
		tls_fail(err, SG_ENOMEM, "cannot create a TLS context");
		free(t);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(t->ctx, min == TLS_MIN_1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	/* Idle connections hold no record buffers; a write may stop after any
	 * record and be retried from a buffer that moved (see gateway/loop). */
	SSL_CTX_set_mode(t->ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
	                             SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* One read() per record or so, instead of two (header, then body). */
	SSL_CTX_set_read_ahead(t->ctx, 1);
	SSL_CTX_set_default_passwd_cb(t->ctx, tls_no_password);
	return t;
}

/* Loads a certificate chain and its key into `t`. 0, or -1 with `err` set. */
static int tls_use_identity(struct tls_ctx *t, const char *cert, const char *key,
                            struct sg_error *err)
{
	char what[600];

	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert) != 1) {
		snprintf(what, sizeof what, "cannot load the certificate chain %s", cert);
		return tls_fail(err, SG_EIO, what);
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM) != 1) {
		snprintf(what, sizeof what, "cannot load the private key %s", key);
		return tls_fail(err, SG_EIO, what);
	}
	if (SSL_CTX_check_private_key(t->ctx) != 1) {
		snprintf(what, sizeof what, "the key %s does not match the certificate %s", key,
		         cert);
		return tls_fail(err, SG_EUNPROCESSABLE, what);
	}
	return 0;
}

struct tls_ctx *tls_server_new(const struct tls_server_options *o, struct sg_error *err)
{
	STACK_OF(X509_NAME) *names = NULL;
	struct tls_ctx *t;
	int mode = SSL_VERIFY_NONE;

	if (!o->cert_file || !o->key_file) {
		error_set(err, SG_EUNPROCESSABLE, "a TLS listener needs a certificate and a key");
		return NULL;
	}
	if (o->client_auth != TLS_CLIENT_AUTH_NONE && !o->client_ca) {
		error_set(err, SG_EUNPROCESSABLE,
		          "client certificates need a CA to verify them against");
		return NULL;
	}
	if (!(t = tls_ctx_new(TLS_server_method(), o->min_version, err)))
		return NULL;
	t->server = 1;
	if (tls_use_identity(t, o->cert_file, o->key_file, err) != 0)
		goto err;
	SSL_CTX_set_session_id_context(t->ctx, (const unsigned char *)TLS_SID_CTX,
	                               sizeof TLS_SID_CTX - 1);
	if (o->client_ca) {
		if (!(names = sk_X509_NAME_new(tls_name_order))) {
			tls_fail(err, SG_ENOMEM, "out of memory");
			goto err;
		}
		if (tls_add_ca(t->ctx, names, o->client_ca, err) != 0)
			goto err;
		/* The CA names go in the certificate request: a client with
		 * several certificates picks the one they sign. */
		SSL_CTX_set_client_CA_list(t->ctx, names);
		names = NULL;
	}
	if (o->client_auth == TLS_CLIENT_AUTH_REQUESTED)
		mode = SSL_VERIFY_PEER;
	else if (o->client_auth == TLS_CLIENT_AUTH_REQUIRED)
		mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	SSL_CTX_set_verify(t->ctx, mode, NULL);
	return t;
err:
	sk_X509_NAME_pop_free(names, X509_NAME_free);
	tls_ctx_free(t);
	return NULL;
}

struct tls_ctx *tls_client_new(const struct tls_client_options *o, struct sg_error *err)
{
	struct tls_ctx *t;

	if (!o->cert_file != !o->key_file) {
		error_set(err, SG_EUNPROCESSABLE,
		          "a TLS client identity needs both a certificate and a key");
		return NULL;
	}
	if (!(t = tls_ctx_new(TLS_client_method(), o->min_version, err)))
		return NULL;
	t->insecure = o->insecure_no_verify != 0;
	if (o->cert_file && tls_use_identity(t, o->cert_file, o->key_file, err) != 0)
		goto err;
	if (t->insecure) {
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
		return t;
	}
	if (o->ca) {
		if (tls_add_ca(t->ctx, NULL, o->ca, err) != 0)
			goto err;
	} else if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		tls_fail(err, SG_EIO, "cannot load the system's trusted CAs");
		goto err;
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	return t;
err:
	tls_ctx_free(t);
	return NULL;
}

void tls_ctx_free(struct tls_ctx *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx); /* each SSL made from it holds its own reference */
	free(t);
}

int tls_ctx_cert_info(const struct tls_ctx *t, struct tls_cert_info *out)
{
	X509 *x = SSL_CTX_get0_certificate(t->ctx);
	BIGNUM *bn = NULL;
	char *hex = NULL;
	BIO *b = NULL;
	struct tm tm;
	int n, rc = -1;

	memset(out, 0, sizeof *out);
	if (!x)
		return -1;
	if (!(bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) || !(hex = BN_bn2hex(bn)))
		goto out;
	snprintf(out->serial, sizeof out->serial, "%s", hex);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1)
		goto out;
	out->not_after = (long long)timegm(&tm);
	if (!(b = BIO_new(BIO_s_mem())) ||
	    X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) < 0)
		goto out;
	n = BIO_read(b, out->subject, (int)sizeof out->subject - 1);
	out->subject[n > 0 ? n : 0] = '\0';
	rc = 0;
out:
	BIO_free(b);
	OPENSSL_free(hex);
	BN_free(bn);
	ERR_clear_error();
	return rc;
}

int tls_ctx_is_server(const struct tls_ctx *t)
{
	return t->server;
}

/* 1 when `name` is a numeric IPv4 or IPv6 address. */
static int tls_is_address(const char *name)
{
	unsigned char a[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, name, a) == 1 || inet_pton(AF_INET6, name, a) == 1;
}

SSL *tls_ssl_new(struct tls_ctx *t, const char *name, struct sg_error *err)
{
	SSL *ssl;
	int ok = 1;

	if (!t->server && !t->insecure && (!name || !*name)) {
		error_set(err, SG_EUNPROCESSABLE, "a verified TLS connection needs a host name");
		return NULL;
	}
	ERR_clear_error();
	if (!(ssl = SSL_new(t->ctx))) {
		tls_fail(err, SG_ENOMEM, "cannot create a TLS connection");
		return NULL;
	}
	if (t->server) {
		SSL_set_accept_state(ssl);
		return ssl;
	}
	SSL_set_connect_state(ssl);
	if (name && *name && !tls_is_address(name))
		ok = SSL_set_tlsext_host_name(ssl, name) == 1;
	if (ok && !t->insecure) {
		if (tls_is_address(name)) {
			ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1;
		} else {
			SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			ok = SSL_set1_host(ssl, name) == 1;
		}
	}
	if (!ok) {
		tls_fail(err, SG_EUNPROCESSABLE, "cannot set the TLS host name");
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

const char *tls_error_text(const SSL *ssl, char *buf, size_t size)
{
	unsigned long e = ERR_peek_error();
	long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
	size_t n;

	tls_reason(buf, size);
	if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
	    v != X509_V_OK) {
		n = strlen(buf);
		snprintf(buf + n, size - n, " (%s)", X509_verify_cert_error_string(v));
	}
	return buf;
}

int tls_peer_subject_der(const SSL *ssl, const uint8_t **der, size_t *len)
{
	X509 *x = SSL_get0_peer_certificate(ssl);
	const unsigned char *p;
	size_t n;

	if (!x || X509_NAME_get0_der(X509_get_subject_name(x), &p, &n) != 1)
		return -1;
	*der = p;
	*len = n;
	return 0;
}

int tls_name_der_equal(const X509_NAME *a, const X509_NAME *b)
{
	const unsigned char *pa, *pb;
	size_t na, nb;

	if (X509_NAME_get0_der(a, &pa, &na) != 1 || X509_NAME_get0_der(b, &pb, &nb) != 1)
		return 0;
	return na == nb && memcmp(pa, pb, na) == 0;
}
