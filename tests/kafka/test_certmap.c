/* tests/kafka/test_certmap.c: gateway/certmap, the certmap broker identity.
 * Users' certificates are made at start with OpenSSL's API in a temporary
 * folder laid out as mounted Strimzi KafkaUser Secrets (<user>/user.crt,
 * <user>/user.key, plus a Kubernetes "..data" folder and a stray file).
 * Checks that each user is found by the DER subject of a client
 * certificate, a multi-valued RDN with an escaped comma among them; that a
 * name which prints the same but is encoded otherwise (PrintableString for
 * UTF8String) matches no one; the RFC 2253 text for logs; and the folders
 * that must not load (two users with one subject, a certificate without its
 * key, no user, no folder). Then the folder watched for changes
 * (common/filewatch, as the gateway watches it to reload the map): users
 * added, removed, and rotated through a swapped `..data` link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/filewatch.h"
#include "compat/error.h"
#include "gateway/certmap.h"
#include "gateway/tls.h"
#include "tests/tap.h"

static char dir[64];

/* A name from (attribute, value, string type, joins the previous RDN)
 * entries. */
struct entry {
	const char *field;
	const char *value;
	int type;
	int multi;
};

static X509_NAME *make_name(const struct entry *e, size_t n)
{
	X509_NAME *name = X509_NAME_new();
	for (size_t i = 0; i < n; i++)
		X509_NAME_add_entry_by_txt(name, e[i].field, e[i].type,
		                           (const unsigned char *)e[i].value, -1, -1,
		                           e[i].multi ? -1 : 0);
	return name;
}

/* Writes `d`/user.crt (self-signed, subject `name`) and, unless `nokey`,
 * `d`/user.key, under the test folder. Returns 1 on success. */
static int make_user(const char *d, const X509_NAME *name, int nokey)
{
	char path[256];
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	FILE *f;
	int ok;

	snprintf(path, sizeof path, "%s/%s", dir, d);
	for (char *slash = strchr(path + strlen(dir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	mkdir(path, 0700);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, name);
	X509_sign(x, key, EVP_sha256());
	snprintf(path, sizeof path, "%s/%s/user.crt", dir, d);
	f = fopen(path, "w");
	ok = f && PEM_write_X509(f, x) == 1;
	if (f)
		fclose(f);
	if (ok && !nokey) {
		snprintf(path, sizeof path, "%s/%s/user.key", dir, d);
		f = fopen(path, "w");
		ok = f && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
		if (f)
			fclose(f);
	}
	X509_free(x);
	EVP_PKEY_free(key);
	return ok;
}

static const unsigned char *der_of(const X509_NAME *n, size_t *len)
{
	const unsigned char *der;
	X509_NAME_get0_der(n, &der, len);
	return der;
}

static struct certmap *load(const char *sub, struct sg_error *err)
{
	char path[256];
	struct tls_client_options base = {.insecure_no_verify = 1};
	snprintf(path, sizeof path, "%s%s%s", dir, *sub ? "/" : "", sub);
	error_clear(err);
	return certmap_load(path, &base, err);
}

/* Runs `cmd` (a shell command) in the test folder. */
static int sh(const char *cmd)
{
	char line[1024];
	snprintf(line, sizeof line, "cd '%s' && %s", dir, cmd);
	return system(line) == 0;
}

/* The identity folder watched for changes (common/filewatch, as the gateway
 * watches it): each user a Kubernetes Secret mount whose `..data` link is
 * swapped on an update. */
static void watch_cases(const X509_NAME *n_op, const X509_NAME *n_pay)
{
	struct filewatch *w = filewatch_new();
	struct certmap *m;
	struct sg_error err;
	uint64_t a, b;
	char path[256];

	tap_ok(make_user("w/src/op", n_op, 0) && make_user("w/src/pay", n_pay, 0) &&
	           make_user("w/src/pay2", n_pay, 0) &&
	           sh("mkdir -p w/ids/op/..v1 && cp w/src/op/* w/ids/op/..v1/ && "
	              "ln -s ..v1 w/ids/op/..data && ln -s ..data/user.crt w/ids/op/user.crt && "
	              "ln -s ..data/user.key w/ids/op/user.key"),
	       "a watched folder of one user, mounted as a Secret");
	snprintf(path, sizeof path, "%s/w/ids", dir);
	tap_ok(w && filewatch_add(w, path, 2) == 0, "watched to two levels");
	a = filewatch_scan(w);
	tap_ok(filewatch_scan(w) == a, "nothing changed: the same signature");
	tap_ok(sh("mkdir w/ids/.tmp && touch w/ids/.tmp/x w/ids/op/..v1/.hidden") &&
	           filewatch_scan(w) == a,
	       "hidden entries do not count");
	tap_ok(sh("mkdir w/ids/pay && cp w/src/pay/* w/ids/pay/"), "user pay added");
	b = filewatch_scan(w);
	tap_ok(b != a, "a user added changes the signature");
	m = load("w/ids", &err);
	tap_ok(m && certmap_count(m) == 2, "and the folder loads with two users");
	certmap_free(m);
	tap_ok(sh("mkdir w/ids/op/..v2 && cp w/src/pay2/* w/ids/op/..v2/ && "
	          "ln -s ..v2 w/ids/op/..data_tmp && mv -T w/ids/op/..data_tmp w/ids/op/..data && "
	          "rm -r w/ids/op/..v1"),
	       "user op's Secret updated (..data swapped, the old folder removed)");
	a = filewatch_scan(w);
	tap_ok(a != b, "a swapped ..data link changes the signature");
	m = load("w/ids", &err);
	tap_ok(!m && strstr(err.msg, "the same subject"),
	       "and the reload sees the new file (here: one subject twice): %s", err.msg);
	certmap_free(m);
	tap_ok(sh("rm -r w/ids/pay"), "user pay removed");
	b = filewatch_scan(w);
	tap_ok(b != a, "a user removed changes the signature");
	m = load("w/ids", &err);
	tap_ok(m && certmap_count(m) == 1, "and the folder loads with one user");
	certmap_free(m);
	tap_ok(sh("cat w/src/op/user.crt > w/ids/op/..v2/user.crt") && filewatch_scan(w) != b,
	       "a file rewritten in place changes the signature");
	filewatch_free(w);
	filewatch_free(NULL);
}

int main(void)
{
	const struct entry op[] = {{"O", "Acme", MBSTRING_UTF8, 0},
	                           {"CN", "order-processor", MBSTRING_UTF8, 0}};
	const struct entry look[] = {{"O", "Acme", V_ASN1_PRINTABLESTRING, 0},
	                             {"CN", "order-processor", V_ASN1_PRINTABLESTRING, 0}};
	const struct entry pay[] = {{"C", "DE", MBSTRING_ASC, 0},
	                            {"O", "Acme, Inc.", MBSTRING_UTF8, 0},
	                            {"OU", "payments", MBSTRING_UTF8, 0},
	                            {"CN", "svc", MBSTRING_UTF8, 0},
	                            {"UID", "42", MBSTRING_UTF8, 1}};
	const struct entry stranger[] = {{"CN", "stranger", MBSTRING_UTF8, 0}};
	X509_NAME *n_op = make_name(op, 2), *n_look = make_name(look, 2),
	          *n_pay = make_name(pay, 5), *n_stranger = make_name(stranger, 1);
	struct sg_error err;
	struct certmap *m;
	const char *user = NULL;
	const unsigned char *der;
	size_t len;
	char text[256], text2[256];
	FILE *f;
	int found;

	snprintf(dir, sizeof dir, "/tmp/sgcertmap.XXXXXX");
	if (!mkdtemp(dir))
		return tap_skip_all("cannot make a temporary folder");

	/* A mounted identity folder: two users, "..data", a stray file. */
	snprintf(text, sizeof text, "%s/ids", dir);
	mkdir(text, 0700);
	snprintf(text, sizeof text, "%s/ids/..data", dir);
	mkdir(text, 0700);
	snprintf(text, sizeof text, "%s/ids/README", dir);
	f = fopen(text, "w");
	if (f)
		fclose(f);
	tap_ok(make_user("ids/order-processor", n_op, 0), "user order-processor written");
	tap_ok(make_user("ids/payments-svc", n_pay, 0), "user payments-svc written");
	m = load("ids", &err);
	tap_ok(m != NULL, "a folder of two users loads%s%s", m ? "" : ": ", err.msg);
	if (!m)
		return tap_done();
	tap_is_int((long long)certmap_count(m), 2,
	           "two users, \"..data\" and a stray file skipped");

	der = der_of(n_op, &len);
	found =
	    certmap_find(m, der, len, &user) != NULL && user && !strcmp(user, "order-processor");
	tap_ok(found, "O=Acme/CN=order-processor finds order-processor (%s)", user ? user : "none");
	user = NULL;
	der = der_of(n_pay, &len);
	found = certmap_find(m, der, len, &user) != NULL && user && !strcmp(user, "payments-svc");
	tap_ok(found, "a multi-valued RDN finds payments-svc (%s)", user ? user : "none");
	tap_ok(!strcmp(certmap_name_text(der, len, text, sizeof text),
	               "CN=svc+UID=42,OU=payments,O=Acme\\, Inc.,C=DE") ||
	           !strcmp(text, "UID=42+CN=svc,OU=payments,O=Acme\\, Inc.,C=DE"),
	       "its RFC 2253 text escapes the comma: %s", text);

	der = der_of(n_look, &len);
	user = NULL;
	tap_ok(certmap_find(m, der, len, &user) == NULL && !user,
	       "the PrintableString look-alike of order-processor matches no one");
	certmap_name_text(der, len, text, sizeof text);
	/* A buffer of size 0 gets nothing, not even a terminator (ASan sees a
	 * write past a 1-byte allocation given as size 0). */
	char *none = malloc(1);
	if (none) {
		none[0] = 'x';
		certmap_name_text(der, len, none, 0);
		tap_ok(none[0] == 'x', "certmap_name_text with size 0 writes nothing");
		free(none);
	}
	der = der_of(n_op, &len);
	certmap_name_text(der, len, text2, sizeof text2);
	tap_ok(!strcmp(text, text2), "though it prints the same: %s", text);
	der = der_of(n_stranger, &len);
	tap_ok(certmap_find(m, der, len, &user) == NULL, "CN=stranger matches no one");
	tap_ok(certmap_find(m, (const uint8_t *)"\x30\x05junk", 7, &user) == NULL,
	       "bytes that are no DER name match no one");
	tap_ok(!strcmp(certmap_name_text((const uint8_t *)"\x30\x05junk", 7, text, sizeof text),
	               "(unparsable name)"),
	       "and print as (unparsable name)");
	certmap_name_text(der_of(n_pay, &len), len, text, 8);
	tap_is_int((long long)strlen(text), 7, "a small buffer gets a truncated text");
	certmap_free(m);

	/* Folders that must not load. */
	tap_ok(make_user("dup/a", n_op, 0) && make_user("dup/b", n_op, 0),
	       "dup/a and dup/b written");
	m = load("dup", &err);
	tap_ok(!m && strstr(err.msg, "the same subject O=Acme") == NULL &&
	           strstr(err.msg, "the same subject CN=order-processor,O=Acme") != NULL,
	       "two users with one subject do not load: %s", err.msg);
	certmap_free(m);
	tap_ok(make_user("nokey/x", n_op, 1), "nokey/x written without its key");
	m = load("nokey", &err);
	tap_ok(!m && strstr(err.msg, "no user.key"), "a certificate without its key: %s", err.msg);
	certmap_free(m);
	snprintf(text, sizeof text, "%s/empty", dir);
	mkdir(text, 0700);
	m = load("empty", &err);
	tap_ok(!m && strstr(err.msg, "holds no <user>/user.crt"), "no user: %s", err.msg);
	certmap_free(m);
	m = load("missing", &err);
	tap_ok(!m && err.code == SG_EIO, "no folder: %s", err.msg);
	certmap_free(m);
	certmap_free(NULL); /* accepted: a crash would end the plan short */

	watch_cases(n_op, n_pay);

	X509_NAME_free(n_op);
	X509_NAME_free(n_look);
	X509_NAME_free(n_pay);
	X509_NAME_free(n_stranger);
	snprintf(text, sizeof text, "rm -rf '%s'", dir);
	if (system(text) != 0)
		tap_diag("could not remove %s", dir);
	return tap_done();
}
