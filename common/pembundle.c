/* common/pembundle.c: see pembundle.h. */
#include "common/pembundle.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/readfile.h"

#define PEMBUNDLE_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEMBUNDLE_END   "-----END CERTIFICATE-----"
#define PEMBUNDLE_WRAP  64 /* base64 characters a line, as RFC 7468 writes them */

/* The text being built: at most `limit` bytes, plus the NUL. */
struct pembundle_out {
	char *p;
	size_t n, cap, limit;
	const char *path; /* what the caller asked for, for the limit's message */
};

/* Appends `k` bytes to `o`, keeping room for the NUL. 0, or -1 with `err`. */
static int pembundle_put(struct pembundle_out *o, const char *s, size_t k, struct sg_error *err)
{
	if (k > o->limit - o->n)
		return error_set(err, SG_ELIMIT,
		                 "%s: the certificates add up to more than %zu bytes", o->path,
		                 o->limit);
	if (o->n + k + 1 > o->cap) {
		size_t ncap = o->cap ? o->cap : o->limit < 4096 ? o->limit + 1 : 4096;
		while (ncap < o->n + k + 1)
			ncap = ncap > (o->limit + 1) / 2 ? o->limit + 1 : 2 * ncap;
		char *np = realloc(o->p, ncap);
		if (!np)
			return error_set(err, SG_ENOMEM, "%s: out of memory", o->path);
		o->p = np;
		o->cap = ncap;
	}
	memcpy(o->p + o->n, s, k);
	o->n += k;
	o->p[o->n] = '\0';
	return 0;
}

/* 1 when the line [p, end) is `marker`, then only blanks (a CRLF file's
 * '\r' among them). */
static int pembundle_is(const char *p, const char *end, const char *marker)
{
	size_t m = strlen(marker);
	if ((size_t)(end - p) < m || memcmp(p, marker, m) != 0)
		return 0;
	for (p += m; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return 0;
	return 1;
}

static int pembundle_b64(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Checks the base64 characters `s` (`m` of them, blanks already dropped):
 * whole quanta, '=' only as the last one or two, decoding to one DER
 * structure (a SEQUENCE whose definite length spans it exactly). Returns
 * NULL when fine, else what is wrong. */
static const char *pembundle_check(const char *s, size_t m)
{
	unsigned char der[6];
	size_t pad = 0, dlen, len, head;

	if (m == 0 || m % 4 != 0)
		return "is not base64";
	if (s[m - 1] == '=')
		pad = s[m - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < m - pad; i++)
		if (pembundle_b64((unsigned char)s[i]) < 0)
			return "is not base64";
	dlen = m / 4 * 3 - pad;
	if (dlen < 2 || m < 8)
		return "is not one DER structure";
	for (size_t i = 0; i < 2; i++) { /* the first 6 bytes, from 8 characters */
		unsigned v = 0;
		for (size_t j = 0; j < 4; j++) {
			int d = pembundle_b64((unsigned char)s[4 * i + j]);
			v = v << 6 | (unsigned)(d < 0 ? 0 : d);
		}
		der[3 * i] = (unsigned char)(v >> 16);
		der[3 * i + 1] = (unsigned char)(v >> 8);
		der[3 * i + 2] = (unsigned char)v;
	}
	if (der[0] != 0x30)
		return "is not one DER structure";
	if (der[1] < 0x80) {
		len = der[1];
		head = 2;
	} else {
		size_t k = der[1] & 0x7f;
		if (k == 0 || k > 4 || dlen < 2 + k)
			return "is not one DER structure";
		len = 0;
		for (size_t i = 0; i < k; i++)
			len = len << 8 | der[2 + i];
		head = 2 + k;
	}
	if (len > dlen || head + len != dlen)
		return "is not one DER structure";
	return NULL;
}

/* Appends the certificate blocks of `text` (`n` bytes, read from `file`) to
 * `o`, re-wrapped. `chars` has room for `n` bytes: a block's base64
 * characters are gathered there. Returns how many, or -1 with `err` set. */
static int pembundle_scan(struct pembundle_out *o, const char *file, const char *text, size_t n,
                          char *chars, struct sg_error *err)
{
	const char *p = text, *end = text + n;
	unsigned long line = 1;
	int blocks = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;
		if (!pembundle_is(p, next, PEMBUNDLE_BEGIN)) {
			p = next;
			line++;
			continue;
		}
		unsigned long at = line;
		size_t m = 0;
		int ended = 0;
		const char *bad = NULL;
		for (p = next, line++; p < end && !ended && !bad; p = next, line++) {
			eol = memchr(p, '\n', (size_t)(end - p));
			next = eol ? eol + 1 : end;
			if (*p == '-' && !(ended = pembundle_is(p, next, PEMBUNDLE_END)))
				break; /* another marker: this block is cut off */
			for (const char *c = p; !ended && c < next && !bad; c++) {
				if (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')
					continue;
				if (pembundle_b64((unsigned char)*c) < 0 && *c != '=')
					bad = "is not base64";
				else
					chars[m++] = *c;
			}
		}
		if (!bad && !ended)
			return error_set(
			    err, SG_EIO,
			    "%s: the certificate at line %lu is cut off (no " PEMBUNDLE_END
			    " line)",
			    file, at);
		if (!bad)
			bad = pembundle_check(chars, m);
		if (bad)
			return error_set(err, SG_EIO, "%s: the certificate at line %lu %s", file,
			                 at, bad);
		if (pembundle_put(o, PEMBUNDLE_BEGIN "\n", sizeof PEMBUNDLE_BEGIN, err) < 0)
			return -1;
		for (size_t i = 0; i < m; i += PEMBUNDLE_WRAP) {
			size_t k = m - i < PEMBUNDLE_WRAP ? m - i : PEMBUNDLE_WRAP;
			if (pembundle_put(o, chars + i, k, err) < 0 ||
			    pembundle_put(o, "\n", 1, err) < 0)
				return -1;
		}
		if (pembundle_put(o, PEMBUNDLE_END "\n", sizeof PEMBUNDLE_END, err) < 0)
			return -1;
		blocks++;
	}
	return blocks;
}

/* Reads the file `file` into `o`. Returns how many certificates, or -1. */
static int pembundle_file(struct pembundle_out *o, const char *file, struct sg_error *err)
{
	size_t n;
	char *text = readfile(file, o->limit, &n, err);
	if (!text)
		return -1;
	char *chars = malloc(n + 1);
	int k = chars ? pembundle_scan(o, file, text, n, chars, err)
	              : error_set(err, SG_ENOMEM, "%s: out of memory", file);
	free(chars);
	free(text);
	return k;
}

static int pembundle_visible(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static int pembundle_order(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Reads every regular file of the folder `dir` into `o`. Returns how many
 * certificates, or -1. */
static int pembundle_dir(struct pembundle_out *o, const char *dir, struct sg_error *err)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, pembundle_visible, pembundle_order);
	int count = 0;

	if (n < 0)
		return error_set(err, SG_EIO, "%s: %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		size_t dl = strlen(dir), nl = strlen(ents[i]->d_name);
		char *file = count >= 0 ? malloc(dl + nl + 2) : NULL;
		struct stat st;
		if (count >= 0 && !file)
			count = error_set(err, SG_ENOMEM, "%s: out of memory", dir);
		if (file) {
			memcpy(file, dir, dl);
			file[dl] = '/';
			memcpy(file + dl + 1, ents[i]->d_name, nl + 1);
			if (stat(file, &st) != 0) {
				/* A link left dangling, or a file gone since the
				 * listing (a Secret updated meanwhile): not there. */
				if (errno != ENOENT)
					count =
					    error_set(err, SG_EIO, "%s: %s", file, strerror(errno));
			} else if (S_ISREG(st.st_mode)) {
				int k = pembundle_file(o, file, err);
				count = k < 0 ? -1 : count + k;
			}
			free(file);
		}
		free(ents[i]);
	}
	free(ents);
	if (count == 0)
		return error_set(err, SG_EIO, "%s: a folder with no PEM certificate in its files",
		                 dir);
	return count;
}

char *pembundle_read(const char *path, size_t limit, size_t *len, struct sg_error *err)
{
	struct pembundle_out o = {NULL, 0, 0, limit, path};
	struct stat st;
	int count;

	if (stat(path, &st) != 0) {
		error_set(err, SG_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		count = pembundle_dir(&o, path, err);
	} else {
		count = pembundle_file(&o, path, err);
		if (count == 0)
			count = error_set(err, SG_EIO, "%s: no PEM certificate in it", path);
	}
	if (count < 0) {
		free(o.p);
		return NULL;
	}
	if (len)
		*len = o.n;
	return o.p;
}
