/* tests/unit/test_pembundle.c: the CA reader of the gateway, the registry and
 * the registry client (common/pembundle).
 *
 * Certificates are made at test time with OpenSSL (self-signed, P-256) and
 * laid out in a temporary folder: a mounted Kubernetes Secret during a
 * Strimzi CA renewal (the kubelet's hidden `..2026_...` folder and `..data`
 * link, `ca.crt` through it with the old and the new CA, `ca.p12` binary,
 * `ca.password`), single files, folders with nothing to trust, a file over
 * the limit, a missing path, blocks cut off or broken. What comes out is
 * compared byte for byte with what OpenSSL writes (PEM_write_bio_X509 wraps
 * at 64 characters too), and read back with OpenSSL. The program is linked
 * with -Wl,--wrap=malloc,calloc,realloc so that every allocation of the
 * reader can be failed on purpose (tests/failalloc.h).
 */
#include "common/pembundle.h"
#include "tests/failalloc.h"
#include "tests/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static char dir[64] = "/tmp/test_pembundle.XXXXXX";

/* The test folder's `rel`, in a static buffer of 4 (so that a call may take
 * a few paths at once). */
static const char *at(const char *rel)
{
	static char bufs[4][256];
	static int i;
	char *b = bufs[i++ % 4];
	snprintf(b, sizeof bufs[0], "%s/%s", dir, rel);
	return b;
}

static int write_file(const char *rel, const void *data, size_t n)
{
	FILE *f = fopen(at(rel), "wb");
	int ok = f && fwrite(data, 1, n, f) == n;
	if (f)
		ok = fclose(f) == 0 && ok;
	return ok;
}

static int write_text(const char *rel, const char *text)
{
	return write_file(rel, text, strlen(text));
}

/* A self-signed certificate with subject CN=`cn`, and its PEM text as
 * OpenSSL writes it (a new string). */
static X509 *make_cert(const char *cn, char **pem, EVP_PKEY **keyp)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, name);
	X509_sign(x, key, EVP_sha256());
	X509_NAME_free(name);
	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &p);
	*pem = strndup(p, (size_t)n);
	BIO_free(b);
	if (keyp)
		*keyp = key;
	else
		EVP_PKEY_free(key);
	return x;
}

static char *cat2(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = malloc(na + nb + 1);
	memcpy(s, a, na);
	memcpy(s + na, b, nb + 1);
	return s;
}

/* How many certificates OpenSSL reads from `pem`, each compared with
 * want[i] (NULL: not compared). -1 when one does not parse. */
static int openssl_reads(const char *pem, X509 *const *want, int nwant)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x;
	int n = 0;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		if (n < nwant && want[n] && X509_cmp(x, want[n]) != 0)
			n = -1000;
		X509_free(x);
		n++;
	}
	BIO_free(b);
	return n < 0 ? -1 : n;
}

/* Reads `path`, expecting failure with `code` and the message `msg`
 * (compared whole, the test folder's name put in place of "@"). */
static void expect_error(const char *what, const char *path, size_t limit, int code,
                         const char *msg)
{
	char want[1024];
	size_t w = 0;
	for (const char *m = msg; *m && w < sizeof want - 64; m++)
		if (*m == '@')
			w += (size_t)snprintf(want + w, sizeof want - w, "%s", dir);
		else
			want[w++] = *m;
	want[w] = '\0';
	struct sg_error err;
	error_clear(&err);
	size_t len = 12345;
	char *pem = pembundle_read(path, limit, &len, &err);
	tap_ok(!pem && err.code == code, "%s: fails with %s (got %s)", what, error_name(code),
	       error_name(err.code));
	tap_is_str(err.msg, want, "%s: says so", what);
	tap_ok(len == 12345, "%s: *len is left alone", what);
	free(pem);
}

int main(void)
{
	char *pem_old, *pem_new, *pem_other, *pem_leaf, *key_pem;
	EVP_PKEY *leaf_key;
	X509 *old_ca = make_cert("ca-2025", &pem_old, NULL);
	X509 *new_ca = make_cert("ca-2026", &pem_new, NULL);
	X509 *other = make_cert("other", &pem_other, NULL);
	X509 *leaf = make_cert("leaf", &pem_leaf, &leaf_key);
	struct sg_error err;
	size_t len;
	char *pem, *want;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	{
		BIO *b = BIO_new(BIO_s_mem());
		char *p;
		PEM_write_bio_PrivateKey(b, leaf_key, NULL, NULL, 0, NULL, NULL);
		long n = BIO_get_mem_data(b, &p);
		key_pem = strndup(p, (size_t)n);
		BIO_free(b);
	}

	/* ---- a mounted Secret during a CA renewal ---- */
	unsigned char p12[300];
	for (size_t i = 0; i < sizeof p12; i++)
		p12[i] = (unsigned char)(i * 37 + (i >> 3)); /* NULs and every byte */
	char *both = cat2(pem_old, pem_new);
	int laid = mkdir(at("secret"), 0700) == 0 &&
	           mkdir(at("secret/..2026_12_07_10_00_00.1"), 0700) == 0 &&
	           write_text("secret/..2026_12_07_10_00_00.1/ca.crt", both) &&
	           write_file("secret/..2026_12_07_10_00_00.1/ca.p12", p12, sizeof p12) &&
	           write_text("secret/..2026_12_07_10_00_00.1/ca.password", "s3cret-p12\n") &&
	           symlink("..2026_12_07_10_00_00.1", at("secret/..data")) == 0 &&
	           symlink("..data/ca.crt", at("secret/ca.crt")) == 0 &&
	           symlink("..data/ca.p12", at("secret/ca.p12")) == 0 &&
	           symlink("..data/ca.password", at("secret/ca.password")) == 0;
	tap_ok(laid, "a folder laid out like a mounted Secret: %s", at("secret"));
	error_clear(&err);
	pem = pembundle_read(at("secret"), PEMBUNDLE_MAX, &len, &err);
	tap_ok(pem && err.code == SG_OK, "the Secret reads: %s", err.msg);
	tap_is_str(pem, both, "the Secret gives ca.crt's two CAs once, in order, and nothing else");
	tap_ok(pem && len == strlen(pem), "*len is the text's length");
	tap_is_int(pem ? openssl_reads(pem, (X509 *[]){old_ca, new_ca}, 2) : -2, 2,
	           "OpenSSL reads the old and the new CA back");
	free(pem);
	pem = pembundle_read(at("secret/ca.crt"), PEMBUNDLE_MAX, NULL, &err);
	tap_is_str(pem, both, "ca.crt alone, through its links, gives the same (len may be NULL)");
	free(pem);

	/* ---- single files ---- */
	/* CRLF, a one-line body, blanks, text around: what `openssl x509 -text`
	 * or a hand-edited bundle may hold. The key is not taken. */
	{
		const char *b = strstr(pem_other, "\n") + 1, *e = strstr(pem_other, "-----END");
		char body[4096], text[8192];
		size_t m = 0;
		for (const char *c = b; c < e; c++)
			if (*c != '\n')
				body[m++] = *c;
		body[m] = '\0';
		snprintf(text, sizeof text,
		         "subject=CN = other\r\n%s\r\n-----BEGIN CERTIFICATE-----  \r\n%s\r\n"
		         "-----END CERTIFICATE-----\r\ntrailing words",
		         key_pem, body);
		tap_ok(write_text("crlf.pem", text), "a file with CRLF, a key, one long line");
	}
	pem = pembundle_read(at("crlf.pem"), PEMBUNDLE_MAX, &len, &err);
	tap_is_str(pem, pem_other, "its certificate comes out wrapped at 64, LF, without the key");
	free(pem);
	want = cat2(pem_leaf, pem_old);
	{
		char *chain = cat2(want, key_pem);
		write_text("chain.pem", chain);
		free(chain);
	}
	pem = pembundle_read(at("chain.pem"), PEMBUNDLE_MAX, &len, &err);
	tap_is_str(pem, want, "a file of two certificates and a key gives both certificates");
	free(pem);
	free(want);
	write_text("key.pem", key_pem);
	expect_error("a file holding only a key", at("key.pem"), PEMBUNDLE_MAX, SG_EIO,
	             "@/key.pem: no PEM certificate in it");
	write_text("empty.pem", "");
	expect_error("an empty file", at("empty.pem"), PEMBUNDLE_MAX, SG_EIO,
	             "@/empty.pem: no PEM certificate in it");
	{
		char json[8192];
		snprintf(json, sizeof json, "{\"ca.crt\": \"%s\"}\n", pem_new);
		for (char *c = json; *c; c++) /* one line, as JSON would escape it */
			if (*c == '\n' && c[1])
				*c = ' ';
		write_text("secret.json", json);
	}
	expect_error("a marker that does not start a line (JSON)", at("secret.json"), PEMBUNDLE_MAX,
	             SG_EIO, "@/secret.json: no PEM certificate in it");
	expect_error("a missing path", at("nowhere.pem"), PEMBUNDLE_MAX, SG_EIO,
	             "@/nowhere.pem: No such file or directory");

	/* ---- folders ---- */
	mkdir(at("empty"), 0700);
	expect_error("an empty folder", at("empty"), PEMBUNDLE_MAX, SG_EIO,
	             "@/empty: a folder with no PEM certificate in its files");
	mkdir(at("junk"), 0700);
	mkdir(at("junk/nested"), 0700);
	mkdir(at("junk/..2026_12_07_10_00_00.1"), 0700);
	write_file("junk/ca.p12", p12, sizeof p12);
	write_text("junk/ca.password", "s3cret\n");
	write_text("junk/README.crt", "not a certificate\n");
	write_text("junk/user.key", key_pem);
	write_text("junk/nested/ca.crt", pem_other);
	write_text("junk/..2026_12_07_10_00_00.1/ca.crt", pem_other);
	write_text("junk/.hidden.crt", pem_other);
	symlink("nowhere.crt", at("junk/dangling.crt"));
	expect_error("a folder of non-PEM files (a sub-folder, hidden files, a dangling link "
	             "with certificates are not read)",
	             at("junk"), PEMBUNDLE_MAX, SG_EIO,
	             "@/junk: a folder with no PEM certificate in its files");
	mkdir(at("order"), 0700);
	write_text("order/b.crt", pem_new);
	write_text("order/a.pem", pem_old);
	write_text("order/B.txt", pem_other);
	write_text("order/c", key_pem);
	want = cat2(pem_other, pem_old);
	{
		char *w2 = cat2(want, pem_new);
		free(want);
		want = w2;
	}
	pem = pembundle_read(at("order"), PEMBUNDLE_MAX, &len, &err);
	tap_is_str(pem, want, "a folder: any name, in byte order (B.txt, a.pem, b.crt)");
	free(pem);

	/* ---- limits ---- */
	size_t one = strlen(pem_old);
	{
		char msg[512];
		snprintf(msg, sizeof msg, "@/chain.pem: larger than %zu bytes", one);
		expect_error("a file over the limit", at("chain.pem"), one, SG_ELIMIT, msg);
		snprintf(msg, sizeof msg, "@/order: the certificates add up to more than %zu bytes",
		         2 * one);
		expect_error("a folder whose certificates add up to more than the limit",
		             at("order"), 2 * one, SG_ELIMIT, msg);
	}
	pem = pembundle_read(at("order"), strlen(want), &len, &err);
	tap_ok(pem && len == strlen(want), "a bundle of exactly the limit is fine");
	free(pem);
	free(want);

	/* ---- broken blocks ---- */
	{
		char cut[4096];
		size_t n = strlen(pem_new) - strlen("-----END CERTIFICATE-----\n");
		snprintf(cut, sizeof cut, "text\n%.*s", (int)n, pem_new);
		write_text("cut.pem", cut);
		expect_error("a block cut off at the end of the file", at("cut.pem"), PEMBUNDLE_MAX,
		             SG_EIO,
		             "@/cut.pem: the certificate at line 2 is cut off "
		             "(no -----END CERTIFICATE----- line)");
		/* The first two lines of one, then another. */
		const char *l2 = strchr(pem_new, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
		mkdir(at("cutdir"), 0700);
		write_text("cutdir/a.crt", pem_old);
		snprintf(cut, sizeof cut, "%.*s%s", (int)(l3 - pem_new), pem_new, pem_other);
		write_text("cutdir/b.crt", cut);
		expect_error("a block cut off by the next one, in a folder", at("cutdir"),
		             PEMBUNDLE_MAX, SG_EIO,
		             "@/cutdir/b.crt: the certificate at line 1 is cut off "
		             "(no -----END CERTIFICATE----- line)");
		/* A line left out: whole base64 quanta, but not the DER's length. */
		snprintf(cut, sizeof cut, "%.*s%s", (int)(l2 - pem_new), pem_new, l3);
		write_text("short.pem", cut);
		expect_error("a block missing a line", at("short.pem"), PEMBUNDLE_MAX, SG_EIO,
		             "@/short.pem: the certificate at line 1 is not one DER structure");
		snprintf(cut, sizeof cut, "%s", pem_new);
		cut[40] = '*';
		write_text("star.pem", cut);
		expect_error("a block with a character out of base64", at("star.pem"),
		             PEMBUNDLE_MAX, SG_EIO,
		             "@/star.pem: the certificate at line 1 is not base64");
		snprintf(cut, sizeof cut, "%.*s%s", (int)(l2 - pem_new) + 3, pem_new, l2 + 3 + 1);
		write_text("odd.pem", cut);
		expect_error("a block of a length not a multiple of 4", at("odd.pem"),
		             PEMBUNDLE_MAX, SG_EIO,
		             "@/odd.pem: the certificate at line 1 is not base64");
		write_text("emptyblock.pem",
		           "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
		expect_error("an empty block", at("emptyblock.pem"), PEMBUNDLE_MAX, SG_EIO,
		             "@/emptyblock.pem: the certificate at line 1 is not base64");
		write_text(
		    "notder.pem",
		    "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQh\n-----END CERTIFICATE-----\n");
		expect_error("a block that is no DER", at("notder.pem"), PEMBUNDLE_MAX, SG_EIO,
		             "@/notder.pem: the certificate at line 1 is not one DER structure");
	}

	/* ---- allocation failures: the Secret, each allocation failed in turn ---- */
	{
		int clean = 1, runs = 0;
		for (long n = 0;; n++) {
			error_clear(&err);
			failalloc_fail_after(n);
			pem = pembundle_read(at("secret"), PEMBUNDLE_MAX, &len, &err);
			failalloc_disarm();
			if (!failalloc_fired()) {
				clean = clean && pem && strcmp(pem, both) == 0;
				free(pem);
				break;
			}
			runs++;
			if (pem || err.code != SG_ENOMEM || !strstr(err.msg, "out of memory"))
				clean = 0;
			free(pem);
		}
		tap_ok(clean && runs >= 3,
		       "each of %d allocations failed in turn gives SG_ENOMEM, then it reads",
		       runs);
	}

	free(both);
	free(pem_old);
	free(pem_new);
	free(pem_other);
	free(pem_leaf);
	free(key_pem);
	X509_free(old_ca);
	X509_free(new_ca);
	X509_free(other);
	X509_free(leaf);
	EVP_PKEY_free(leaf_key);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", dir);
	return tap_done();
}
