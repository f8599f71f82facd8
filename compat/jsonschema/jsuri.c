/* compat/jsonschema/jsuri.c: RFC 3986 reference resolution and RFC 6901 JSON pointers. */
#include "compat/jsonschema/jsuri.h"

#include <stdlib.h>
#include <string.h>

#include "compat/hex.h"

/* One parsed URI reference: each part points into the original string. */
struct uparts {
	const char *scheme, *auth, *path, *query, *frag;
	size_t nscheme, nauth, npath, nquery, nfrag;
	int has_scheme, has_auth, has_query, has_frag;
};

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static size_t scheme_len(const char *s)
{
	size_t i = 0;
	if (!is_alpha((unsigned char)s[0]))
		return 0;
	while (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) || s[i] == '+' ||
	       s[i] == '-' || s[i] == '.')
		i++;
	return s[i] == ':' ? i : 0;
}

static void uri_split(const char *s, struct uparts *u)
{
	memset(u, 0, sizeof *u);
	size_t n = scheme_len(s);
	if (n) {
		u->has_scheme = 1;
		u->scheme = s;
		u->nscheme = n;
		s += n + 1;
	}
	if (s[0] == '/' && s[1] == '/') {
		s += 2;
		u->has_auth = 1;
		u->auth = s;
		u->nauth = strcspn(s, "/?#");
		s += u->nauth;
	}
	u->path = s;
	u->npath = strcspn(s, "?#");
	s += u->npath;
	if (*s == '?') {
		u->has_query = 1;
		u->query = ++s;
		u->nquery = strcspn(s, "#");
		s += u->nquery;
	}
	if (*s == '#') {
		u->has_frag = 1;
		u->frag = ++s;
		u->nfrag = strlen(s);
	}
}

/* Removes "." and ".." segments (RFC 3986 5.2.4) from the `n` bytes at `in`,
 * writing at most `n` bytes to `out`. Returns the output length. */
static size_t remove_dots(const char *in, size_t n, char *out)
{
	size_t o = 0, i = 0;
	while (i < n) {
		const char *p = in + i;
		size_t left = n - i;
		if (left >= 3 && memcmp(p, "../", 3) == 0) {
			i += 3;
		} else if (left >= 2 && memcmp(p, "./", 2) == 0) {
			i += 2;
		} else if (left >= 3 && memcmp(p, "/./", 3) == 0) {
			i += 2;
		} else if (left == 2 && memcmp(p, "/.", 2) == 0) {
			out[o++] = '/';
			i = n;
		} else if ((left >= 4 && memcmp(p, "/../", 4) == 0) ||
		           (left == 3 && memcmp(p, "/..", 3) == 0)) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			if (left == 3) {
				out[o++] = '/';
				i = n;
			} else {
				i += 3;
			}
		} else if ((left == 1 && p[0] == '.') || (left == 2 && memcmp(p, "..", 2) == 0)) {
			i = n;
		} else {
			size_t j = 0;
			if (p[0] == '/')
				out[o++] = p[j++];
			while (j < left && p[j] != '/')
				out[o++] = p[j++];
			i += j;
		}
	}
	return o;
}

char *jsuri_resolve(const char *base, const char *ref)
{
	struct uparts b, r;
	uri_split(base ? base : "", &b);
	uri_split(ref ? ref : "", &r);

	/* Worst case: every part of both strings plus separators. */
	size_t cap = strlen(base ? base : "") + strlen(ref ? ref : "") + 8;
	char *out = malloc(cap);
	char *merged = malloc(cap);
	if (!out || !merged) {
		free(out);
		free(merged);
		return NULL;
	}

	const char *scheme = NULL, *auth = NULL, *query = NULL;
	size_t nscheme = 0, nauth = 0, nquery = 0, npath = 0;
	int has_auth = 0, has_query = 0;
	char *path = merged;

	if (r.has_scheme) {
		scheme = r.scheme, nscheme = r.nscheme;
		has_auth = r.has_auth, auth = r.auth, nauth = r.nauth;
		npath = remove_dots(r.path, r.npath, path);
		has_query = r.has_query, query = r.query, nquery = r.nquery;
	} else {
		if (b.has_scheme)
			scheme = b.scheme, nscheme = b.nscheme;
		if (r.has_auth) {
			has_auth = 1, auth = r.auth, nauth = r.nauth;
			npath = remove_dots(r.path, r.npath, path);
			has_query = r.has_query, query = r.query, nquery = r.nquery;
		} else {
			has_auth = b.has_auth, auth = b.auth, nauth = b.nauth;
			if (r.npath == 0) {
				memcpy(path, b.path, b.npath);
				npath = b.npath;
				if (r.has_query)
					has_query = 1, query = r.query, nquery = r.nquery;
				else
					has_query = b.has_query, query = b.query, nquery = b.nquery;
			} else {
				char *tmp = out; /* scratch: out is written last */
				size_t nt = 0;
				if (r.path[0] == '/') {
					memcpy(tmp, r.path, r.npath);
					nt = r.npath;
				} else if (b.has_auth && b.npath == 0) {
					tmp[0] = '/';
					memcpy(tmp + 1, r.path, r.npath);
					nt = r.npath + 1;
				} else {
					size_t keep = b.npath;
					while (keep > 0 && b.path[keep - 1] != '/')
						keep--;
					memcpy(tmp, b.path, keep);
					memcpy(tmp + keep, r.path, r.npath);
					nt = keep + r.npath;
				}
				npath = remove_dots(tmp, nt, path);
				has_query = r.has_query, query = r.query, nquery = r.nquery;
			}
		}
	}

	/* `path` lives in `merged`, so `out` can be assembled now. */
	size_t o = 0;
	if (scheme) {
		memcpy(out + o, scheme, nscheme);
		o += nscheme;
		out[o++] = ':';
	}
	if (has_auth) {
		out[o++] = '/';
		out[o++] = '/';
		memcpy(out + o, auth, nauth);
		o += nauth;
	}
	memcpy(out + o, path, npath);
	o += npath;
	if (has_query) {
		out[o++] = '?';
		memcpy(out + o, query, nquery);
		o += nquery;
	}
	if (r.has_frag && r.nfrag > 0) {
		out[o++] = '#';
		memcpy(out + o, r.frag, r.nfrag);
		o += r.nfrag;
	}
	out[o] = '\0';
	free(merged);
	return out;
}

size_t jsuri_base_len(const char *uri)
{
	return strcspn(uri, "#");
}

int jsuri_unescape(const char *s, size_t n, char **res, size_t *outlen)
{
	char *out = malloc(n + 1);
	size_t o = 0;
	*res = NULL;
	if (!out)
		return -2;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		int hi = i + 1 < n ? hex_value((unsigned char)s[i + 1]) : -1;
		int lo = i + 2 < n ? hex_value((unsigned char)s[i + 2]) : -1;
		if (hi < 0 || lo < 0) {
			free(out);
			return -1;
		}
		out[o++] = (char)(hi * 16 + lo);
		i += 2;
	}
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	*res = out;
	return 0;
}

/* Reads one reference token starting at `p` (after its '/'), unescaping ~0 and
 * ~1 into `tok`. Returns the token length or -1 on a bad escape. */
static long read_token(const char *p, const char *end, char *tok, const char **next)
{
	size_t n = 0;
	while (p < end && *p != '/') {
		if (*p == '~') {
			if (p + 1 >= end || (p[1] != '0' && p[1] != '1'))
				return -1;
			tok[n++] = p[1] == '0' ? '~' : '/';
			p += 2;
		} else {
			tok[n++] = *p++;
		}
	}
	*next = p;
	return (long)n;
}

json_t *jsuri_pointer_step(json_t *cur, const char **pp, const char *end, char *tok)
{
	const char *p = *pp;
	if (p >= end || *p != '/')
		return NULL;
	p++;
	long n = read_token(p, end, tok, &p);
	*pp = p;
	if (n < 0)
		return NULL;
	if (json_is_object(cur))
		return json_object_getn(cur, tok, (size_t)n);
	if (!json_is_array(cur) || n == 0 || (n > 1 && tok[0] == '0') || n > 18)
		return NULL;
	size_t idx = 0;
	for (long i = 0; i < n; i++) {
		if (!is_digit((unsigned char)tok[i]))
			return NULL;
		idx = idx * 10 + (size_t)(tok[i] - '0');
	}
	return json_array_get(cur, idx);
}
