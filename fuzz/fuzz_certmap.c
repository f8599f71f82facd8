/* fuzz/fuzz_certmap.c: what a TLS client and an operator's files put in front
 * of gateway/certmap and gateway/tls. At start, users' certificates are made
 * with OpenSSL's API in a temporary folder laid out as mounted Strimzi
 * KafkaUser Secrets (<user>/user.crt, <user>/user.key): "order-processor"
 * (O=Acme, CN=order-processor) and "payments-svc" (C=DE, O=Acme\, Inc.,
 * OU=payments, CN=svc+UID=42: a multi-valued RDN), loaded once as a map.
 * The first byte of the input picks a mode (byte % 5), the rest is `in`:
 *   0  `in` is a client certificate's DER subject (attacker-controlled): it
 *      goes to certmap_find(), to certmap_name_text() (into a heap buffer of
 *      1 to 256 bytes, (byte / 5) * 5 + 1, so an overrun is caught) and,
 *      parsed as an X509_NAME, to tls_name_der_equal() against each user and
 *      itself. A user found must be the one whose subject has the same DER;
 *      the text must be terminated inside the buffer and hold no control
 *      character (it goes to log lines).
 *   1  `in` is a CA file: tls_client_new() with it as the brokers' CA, and
 *      tls_server_new() with it as the clients' CA (a fixed certificate and
 *      key, client certificates required).
 *   2  `in` is a user's user.crt (with a fixed, valid user.key beside it),
 *      loaded with certmap_load().
 *   3  `in` follows a valid user.crt in the same file (the chain after the
 *      leaf), with its valid key: certmap_load() and, when it loads, the user
 *      is found by the leaf's subject.
 *   4  `in` is a user's user.key (beside a valid user.crt): certmap_load().
 * A context or map that loads is freed; one that does not must say why, with
 * a known code and a terminated message. Never crash, leak, hang or prompt
 * for a passphrase. Seeds: fuzz/corpus/certmap/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "compat/error.h"
#include "gateway/certmap.h"
#include "gateway/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_PATH_MAX 256

/* What is made once, at start. */
static char fuzz_dir[64];
static struct certmap *fuzz_map;
static X509_NAME *fuzz_names[2];
static const char *const fuzz_users[2] = {"order-processor", "payments-svc"};
static char *fuzz_crt_pem; /* order-processor's user.crt and user.key, as text */
static size_t fuzz_crt_len;
static char *fuzz_key_pem;
static size_t fuzz_key_len;

static void fuzz_path(char *out, const char *rel)
{
	snprintf(out, FUZZ_PATH_MAX, "%s/%s", fuzz_dir, rel);
}

static int fuzz_write(const char *rel, const void *a, size_t alen, const void *b, size_t blen)
{
	char path[FUZZ_PATH_MAX];
	fuzz_path(path, rel);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int ok = fwrite(a, 1, alen, f) == alen && fwrite(b, 1, blen, f) == blen;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void fuzz_mkdir(const char *rel)
{
	char path[FUZZ_PATH_MAX];
	fuzz_path(path, rel);
	mkdir(path, 0700);
}

/* PEM text of `x` or `key` in a new NUL-terminated buffer. */
static char *fuzz_pem(X509 *x, EVP_PKEY *key, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out = NULL;
	if (b && (x ? PEM_write_bio_X509(b, x)
	            : PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)) == 1) {
		long n = BIO_get_mem_data(b, &p);
		if (n > 0 && (out = malloc((size_t)n + 1))) {
			memcpy(out, p, (size_t)n);
			out[n] = '\0';
			*len = (size_t)n;
		}
	}
	BIO_free(b);
	return out;
}

/* A self-signed certificate for `name` and its key, as PEM text written to
 * `rel`/user.crt and `rel`/user.key. Keeps the texts of the first user. */
static int fuzz_make_user(const char *rel, const X509_NAME *name, int keep)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	char crt_rel[FUZZ_PATH_MAX], key_rel[FUZZ_PATH_MAX];
	size_t clen = 0, klen = 0;
	char *crt, *k;
	int rc = -1;

	if (!key || !x)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, name);
	if (!X509_sign(x, key, EVP_sha256()))
		goto out;
	crt = fuzz_pem(x, NULL, &clen);
	k = fuzz_pem(NULL, key, &klen);
	snprintf(crt_rel, sizeof crt_rel, "%s/user.crt", rel);
	snprintf(key_rel, sizeof key_rel, "%s/user.key", rel);
	if (crt && k && fuzz_write(crt_rel, crt, clen, "", 0) == 0 &&
	    fuzz_write(key_rel, k, klen, "", 0) == 0)
		rc = 0;
	if (rc == 0 && keep) {
		fuzz_crt_pem = crt, fuzz_crt_len = clen;
		fuzz_key_pem = k, fuzz_key_len = klen;
	} else {
		free(crt);
		free(k);
	}
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

static void fuzz_cleanup(void)
{
	static const char *const files[] = {
	    "ids/order-processor/user.crt",
	    "ids/order-processor/user.key",
	    "ids/payments-svc/user.crt",
	    "ids/payments-svc/user.key",
	    "one/u/user.crt",
	    "one/u/user.key",
	    "ca.pem",
	    "ids/order-processor",
	    "ids/payments-svc",
	    "ids",
	    "one/u",
	    "one",
	    "",
	};
	char path[FUZZ_PATH_MAX];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		fuzz_path(path, files[i]);
		if (unlink(path) != 0)
			rmdir(path);
	}
	certmap_free(fuzz_map);
	X509_NAME_free(fuzz_names[0]);
	X509_NAME_free(fuzz_names[1]);
	free(fuzz_crt_pem);
	free(fuzz_key_pem);
}

static void fuzz_init(void)
{
	struct tls_client_options base = {.insecure_no_verify = 1};
	char path[FUZZ_PATH_MAX];
	struct sg_error err;
	X509_NAME *op = X509_NAME_new(), *pay = X509_NAME_new();

	snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/sgfuzzcertmap.XXXXXX");
	if (!mkdtemp(fuzz_dir) || !op || !pay)
		abort();
	X509_NAME_add_entry_by_txt(op, "O", MBSTRING_UTF8, (const unsigned char *)"Acme", -1, -1,
	                           0);
	X509_NAME_add_entry_by_txt(op, "CN", MBSTRING_UTF8,
	                           (const unsigned char *)"order-processor", -1, -1, 0);
	X509_NAME_add_entry_by_txt(pay, "C", MBSTRING_ASC, (const unsigned char *)"DE", -1, -1, 0);
	X509_NAME_add_entry_by_txt(pay, "O", MBSTRING_UTF8, (const unsigned char *)"Acme, Inc.", -1,
	                           -1, 0);
	X509_NAME_add_entry_by_txt(pay, "OU", MBSTRING_UTF8, (const unsigned char *)"payments", -1,
	                           -1, 0);
	X509_NAME_add_entry_by_txt(pay, "CN", MBSTRING_UTF8, (const unsigned char *)"svc", -1, -1,
	                           0);
	X509_NAME_add_entry_by_txt(pay, "UID", MBSTRING_UTF8, (const unsigned char *)"42", -1, -1,
	                           -1);
	fuzz_names[0] = op;
	fuzz_names[1] = pay;
	fuzz_mkdir("ids");
	fuzz_mkdir("ids/order-processor");
	fuzz_mkdir("ids/payments-svc");
	fuzz_mkdir("one");
	fuzz_mkdir("one/u");
	if (fuzz_make_user("ids/order-processor", op, 1) != 0 ||
	    fuzz_make_user("ids/payments-svc", pay, 0) != 0)
		abort();
	fuzz_path(path, "ids");
	error_clear(&err);
	fuzz_map = certmap_load(path, &base, &err);
	if (!fuzz_map || certmap_count(fuzz_map) != 2) {
		fprintf(stderr, "fuzz_certmap: the fixture map does not load: %s\n", err.msg);
		abort();
	}
	atexit(fuzz_cleanup);
}

/* A failed load must say why: a known code and a terminated message. */
static void fuzz_failed(const struct sg_error *err)
{
	if (!memchr(err->msg, 0, sizeof err->msg) || !err->msg[0])
		__builtin_trap();
	if (err->code != SG_EIO && err->code != SG_EUNPROCESSABLE && err->code != SG_ENOMEM)
		__builtin_trap();
}

static void fuzz_subject(size_t bufsz, const uint8_t *in, size_t len)
{
	const char *user = NULL;
	struct tls_ctx *t = certmap_find(fuzz_map, in, len, &user);
	char *buf = malloc(bufsz);
	const unsigned char *p = in;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);

	if (!buf)
		return;
	if (certmap_name_text(in, len, buf, bufsz) != buf || !memchr(buf, 0, bufsz))
		__builtin_trap();
	/* Log lines take this text: no control character may pass. */
	for (const char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			__builtin_trap();
	free(buf);

	if (t && (!name || !user))
		__builtin_trap();
	if (name) {
		if (!tls_name_der_equal(name, name))
			__builtin_trap();
		for (size_t i = 0; i < 2; i++) {
			int eq = tls_name_der_equal(name, fuzz_names[i]);
			if (eq != tls_name_der_equal(fuzz_names[i], name))
				__builtin_trap();
			/* Found means: this user, and only when the DER is the same. */
			if (eq != (t && strcmp(user, fuzz_users[i]) == 0))
				__builtin_trap();
		}
		X509_NAME_free(name);
	} else if (t) {
		__builtin_trap();
	}
}

static void fuzz_ca(const uint8_t *in, size_t len)
{
	char ca[FUZZ_PATH_MAX], crt[FUZZ_PATH_MAX], key[FUZZ_PATH_MAX];
	struct sg_error err;
	struct tls_ctx *t;

	if (fuzz_write("ca.pem", in, len, "", 0) != 0)
		return;
	fuzz_path(ca, "ca.pem");
	fuzz_path(crt, "ids/order-processor/user.crt");
	fuzz_path(key, "ids/order-processor/user.key");

	struct tls_client_options co = {.ca = ca};
	error_clear(&err);
	t = tls_client_new(&co, &err);
	if (!t)
		fuzz_failed(&err);
	tls_ctx_free(t);

	struct tls_server_options so = {.cert_file = crt,
	                                .key_file = key,
	                                .client_ca = ca,
	                                .client_auth = TLS_CLIENT_AUTH_REQUIRED};
	error_clear(&err);
	t = tls_server_new(&so, &err);
	if (!t)
		fuzz_failed(&err);
	else if (!tls_ctx_is_server(t))
		__builtin_trap();
	tls_ctx_free(t);
}

static void fuzz_user(int mode, const uint8_t *in, size_t len)
{
	struct tls_client_options base = {.insecure_no_verify = 1};
	char dir[FUZZ_PATH_MAX];
	struct sg_error err;
	int rc;

	if (mode == 2)
		rc = fuzz_write("one/u/user.crt", in, len, "", 0) |
		     fuzz_write("one/u/user.key", fuzz_key_pem, fuzz_key_len, "", 0);
	else if (mode == 3)
		rc = fuzz_write("one/u/user.crt", fuzz_crt_pem, fuzz_crt_len, in, len) |
		     fuzz_write("one/u/user.key", fuzz_key_pem, fuzz_key_len, "", 0);
	else
		rc = fuzz_write("one/u/user.crt", fuzz_crt_pem, fuzz_crt_len, "", 0) |
		     fuzz_write("one/u/user.key", in, len, "", 0);
	if (rc != 0)
		return;
	fuzz_path(dir, "one");
	error_clear(&err);
	struct certmap *m = certmap_load(dir, &base, &err);
	if (!m) {
		fuzz_failed(&err);
		return;
	}
	if (certmap_count(m) != 1)
		__builtin_trap();
	if (mode == 3) {
		/* The leaf is order-processor's whatever follows it. */
		const unsigned char *der;
		const char *user = NULL;
		size_t dlen;
		X509_NAME_get0_der(fuzz_names[0], &der, &dlen);
		if (!certmap_find(m, der, dlen, &user) || strcmp(user, "u") != 0)
			__builtin_trap();
	}
	certmap_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		fuzz_init();
		ready = 1;
	}
	if (size < 1)
		return 0;
	int mode = data[0] % 5;
	const uint8_t *in = data + 1;
	size_t len = size - 1;
	if (mode == 0)
		fuzz_subject((size_t)(data[0] / 5) * 5 + 1, in, len);
	else if (mode == 1)
		fuzz_ca(in, len);
	else
		fuzz_user(mode, in, len);
	return 0;
}
