/* gateway/certmap.c: users' certificates by subject, and their contexts. */
#include "gateway/certmap.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "compat/error.h"
#include "gateway/tls.h"

/* Most users one folder may hold. */
#define CERTMAP_MAX_USERS 4096
#define CERTMAP_PATH_MAX  4096

struct certmap_user {
	char *name;          /* the sub-folder's name */
	X509_NAME *subject;  /* of user.crt */
	struct tls_ctx *tls; /* user.crt and user.key over the base options */
};

struct certmap {
	struct certmap_user *users;
	size_t n;
};

void certmap_free(struct certmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->users[i].name);
		X509_NAME_free(m->users[i].subject);
		tls_ctx_free(m->users[i].tls);
	}
	free(m->users);
	free(m);
}

size_t certmap_count(const struct certmap *m)
{
	return m->n;
}

/* The subject of the first certificate in `path`, or NULL with `err` set. */
static X509_NAME *certmap_read_subject(const char *path, struct sg_error *err)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	X509_NAME *name;

	if (!f) {
		error_set(err, SG_EIO, "cannot open %s", path);
		return NULL;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x) {
		error_set(err, SG_EUNPROCESSABLE, "%s holds no PEM certificate", path);
		return NULL;
	}
	name = X509_NAME_dup(X509_get_subject_name(x));
	X509_free(x);
	if (!name)
		error_set(err, SG_ENOMEM, "out of memory");
	return name;
}

static int certmap_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Loads the user in `dir`/`name`, if it is one: 1 when added, 0 when the
 * entry is not a user, -1 with `err` set. */
static int certmap_add(struct certmap *m, const char *dir, const char *name,
                       const struct tls_client_options *base, struct sg_error *err)
{
	char crt[CERTMAP_PATH_MAX], key[CERTMAP_PATH_MAX], text[512];
	struct tls_client_options o = *base;
	struct certmap_user *u;

	if (snprintf(crt, sizeof crt, "%s/%s/user.crt", dir, name) >= (int)sizeof crt ||
	    snprintf(key, sizeof key, "%s/%s/user.key", dir, name) >= (int)sizeof key)
		return error_set(err, SG_EUNPROCESSABLE, "%s/%s: path too long", dir, name);
	if (!certmap_is_file(crt))
		return 0;
	if (!certmap_is_file(key))
		return error_set(err, SG_EIO, "%s has no user.key beside it", crt);
	if (m->n == CERTMAP_MAX_USERS)
		return error_set(err, SG_EUNPROCESSABLE, "%s: more than %d users", dir,
		                 CERTMAP_MAX_USERS);
	u = &m->users[m->n];
	memset(u, 0, sizeof *u);
	if (!(u->subject = certmap_read_subject(crt, err)))
		return -1;
	for (size_t i = 0; i < m->n; i++)
		if (tls_name_der_equal(m->users[i].subject, u->subject)) {
			const unsigned char *der;
			size_t len;
			X509_NAME_get0_der(u->subject, &der, &len);
			error_set(err, SG_EUNPROCESSABLE,
			          "users %s and %s have the same subject %s", m->users[i].name,
			          name, certmap_name_text(der, len, text, sizeof text));
			X509_NAME_free(u->subject);
			return -1;
		}
	o.cert_file = crt;
	o.key_file = key;
	u->tls = tls_client_new(&o, err);
	u->name = strdup(name);
	if (!u->tls || !u->name) {
		if (u->tls)
			error_set(err, SG_ENOMEM, "out of memory");
		X509_NAME_free(u->subject);
		tls_ctx_free(u->tls);
		free(u->name);
		return -1;
	}
	m->n++;
	return 1;
}

struct certmap *certmap_load(const char *dir, const struct tls_client_options *base,
                             struct sg_error *err)
{
	struct certmap *m = calloc(1, sizeof *m);
	DIR *d;
	struct dirent *e;

	if (!m || !(m->users = calloc(CERTMAP_MAX_USERS, sizeof *m->users))) {
		free(m);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	d = opendir(dir);
	if (!d) {
		error_set(err, SG_EIO, "cannot open the identity folder %s", dir);
		goto err;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (certmap_add(m, dir, e->d_name, base, err) < 0) {
			closedir(d);
			goto err;
		}
	}
	closedir(d);
	if (!m->n) {
		error_set(err, SG_EUNPROCESSABLE, "%s holds no <user>/user.crt", dir);
		goto err;
	}
	return m;
err:
	certmap_free(m);
	return NULL;
}

struct tls_ctx *certmap_find(const struct certmap *m, const uint8_t *der, size_t len,
                             const char **user)
{
	const unsigned char *p = der;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
	struct tls_ctx *found = NULL;

	if (!name)
		return NULL;
	for (size_t i = 0; i < m->n && !found; i++)
		if (tls_name_der_equal(m->users[i].subject, name)) {
			found = m->users[i].tls;
			*user = m->users[i].name;
		}
	X509_NAME_free(name);
	return found;
}

const char *certmap_name_text(const uint8_t *der, size_t len, char *buf, size_t size)
{
	const unsigned char *p = der;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
	BIO *b = BIO_new(BIO_s_mem());
	int n = -1;

	if (name && b && X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_read(b, buf, size > 1 ? (int)size - 1 : 0);
	if (size == 0)
		; /* nothing fits, not even the terminator */
	else if (n < 0)
		snprintf(buf, size, "(unparsable name)");
	else
		buf[n] = '\0';
	BIO_free(b);
	X509_NAME_free(name);
	return buf;
}
