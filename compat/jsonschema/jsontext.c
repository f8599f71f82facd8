/* compat/jsonschema/jsontext.c: a recursive-descent rewriter from JSON text to Jackson's
 * compact form. Every read goes through the cursor in struct jt; every write
 * through a growable buffer. */
#include "compat/jsonschema/jsontext.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/hex.h"

struct jt_buf {
	char *p;
	size_t n, cap;
};

struct jt {
	const char *p, *end, *start;
	int sorted;
	int failed;
	struct sg_error *err;
};

static int jt_fail(struct jt *t, int code, const char *what)
{
	if (!t->failed)
		error_set(t->err, code, "JSON text at byte %zu: %s", (size_t)(t->p - t->start),
		          what);
	t->failed = 1;
	return -1;
}

static int jt_put(struct jt *t, struct jt_buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return jt_fail(t, SG_ENOMEM, "out of memory");
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

static void jt_ws(struct jt *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t' || *t->p == '\n' || *t->p == '\r'))
		t->p++;
}

static int jt_hex4(struct jt *t, unsigned *out)
{
	if (t->end - t->p < 4)
		return jt_fail(t, SG_EINVALID_SCHEMA, "truncated \\u escape");
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hex_value((unsigned char)*t->p++);
		if (h < 0)
			return jt_fail(t, SG_EINVALID_SCHEMA, "bad \\u escape");
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

static int jt_utf8(struct jt *t, struct jt_buf *b, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return jt_put(t, b, u, n);
}

/* Reads a string token and writes it again with Jackson's escapes. */
static int jt_string(struct jt *t, struct jt_buf *b)
{
	t->p++; /* the opening quote */
	if (jt_put(t, b, "\"", 1))
		return -1;
	while (t->p < t->end && *t->p != '"') {
		unsigned char c = (unsigned char)*t->p;
		if (c < 0x20)
			return jt_fail(t, SG_EINVALID_SCHEMA, "control character in a string");
		if (c != '\\') {
			const char *run = t->p;
			while (t->p < t->end && *t->p != '"' && *t->p != '\\' &&
			       (unsigned char)*t->p >= 0x20)
				t->p++;
			if (jt_put(t, b, run, (size_t)(t->p - run)))
				return -1;
			continue;
		}
		if (++t->p >= t->end)
			break;
		char e = *t->p++;
		unsigned cp;
		switch (e) {
		case '"':
			cp = '"';
			break;
		case '\\':
			cp = '\\';
			break;
		case '/':
			cp = '/';
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			if (jt_hex4(t, &cp))
				return -1;
			if (cp >= 0xD800 && cp <= 0xDBFF && t->end - t->p >= 6 && t->p[0] == '\\' &&
			    t->p[1] == 'u') {
				const char *save = t->p;
				unsigned lo;
				t->p += 2;
				if (jt_hex4(t, &lo))
					return -1;
				if (lo >= 0xDC00 && lo <= 0xDFFF)
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				else
					t->p = save;
			}
			break;
		default:
			return jt_fail(t, SG_EINVALID_SCHEMA, "bad escape in a string");
		}
		/* Jackson escapes '"', '\\' and control characters; nothing else. */
		static const char *const short_esc[] = {
		    ['\b'] = "\\b", ['\t'] = "\\t", ['\n'] = "\\n", ['\f'] = "\\f", ['\r'] = "\\r",
		};
		int rc;
		if (cp == '"')
			rc = jt_put(t, b, "\\\"", 2);
		else if (cp == '\\')
			rc = jt_put(t, b, "\\\\", 2);
		else if (cp < 0x20 && cp < sizeof short_esc / sizeof short_esc[0] && short_esc[cp])
			rc = jt_put(t, b, short_esc[cp], 2);
		else if (cp < 0x20 || (cp >= 0xD800 && cp <= 0xDFFF)) {
			static const char hex[] = "0123456789ABCDEF";
			char u[6] = {'\\',
			             'u',
			             hex[(cp >> 12) & 15],
			             hex[(cp >> 8) & 15],
			             hex[(cp >> 4) & 15],
			             hex[cp & 15]};
			rc = jt_put(t, b, u, 6);
		} else
			rc = jt_utf8(t, b, cp);
		if (rc)
			return -1;
	}
	if (t->p >= t->end)
		return jt_fail(t, SG_EINVALID_SCHEMA, "unterminated string");
	t->p++;
	return jt_put(t, b, "\"", 1);
}

/* Writes a number as Jackson does with exact BigDecimals: integers as written
 * (but "-0" is 0), others as Java's BigDecimal.toString(). */
static int jt_number(struct jt *t, struct jt_buf *b)
{
	const char *s = t->p;
	int neg = 0;
	if (t->p < t->end && *t->p == '-') {
		neg = 1;
		t->p++;
	}
	char digits[1100];
	size_t nd = 0;
	long long scale = 0; /* value = digits * 10^-scale */
	int any = 0, frac = 0, expo = 0;
	while (t->p < t->end && *t->p >= '0' && *t->p <= '9') {
		if (nd < sizeof digits - 1)
			digits[nd++] = *t->p;
		else
			return jt_fail(t, SG_ELIMIT, "number too long");
		t->p++;
		any = 1;
	}
	if (t->p < t->end && *t->p == '.') {
		frac = 1;
		t->p++;
		while (t->p < t->end && *t->p >= '0' && *t->p <= '9') {
			if (nd >= sizeof digits - 1)
				return jt_fail(t, SG_ELIMIT, "number too long");
			digits[nd++] = *t->p++;
			scale++;
		}
	}
	long long e = 0;
	if (t->p < t->end && (*t->p == 'e' || *t->p == 'E')) {
		expo = 1;
		t->p++;
		int eneg = 0;
		if (t->p < t->end && (*t->p == '+' || *t->p == '-'))
			eneg = *t->p++ == '-';
		while (t->p < t->end && *t->p >= '0' && *t->p <= '9') {
			if (e < 100000000)
				e = e * 10 + (*t->p - '0');
			t->p++;
		}
		scale -= eneg ? -e : e;
	}
	if (!any)
		return jt_fail(t, SG_EINVALID_SCHEMA, "bad number");
	if (!frac && !expo) {
		if (nd == 1 && digits[0] == '0')
			return jt_put(t, b, "0", 1);
		return jt_put(t, b, s, (size_t)(t->p - s));
	}
	/* BigDecimal keeps leading zeros out of the unscaled value. */
	size_t lead = 0;
	while (lead + 1 < nd && digits[lead] == '0')
		lead++;
	const char *u = digits + lead;
	size_t un = nd - lead;
	int zero = un == 1 && u[0] == '0';
	long long adjusted = -scale + (long long)un - 1;
	char out[1200];
	size_t o = 0;
	if (neg && !zero)
		out[o++] = '-';
	if (scale >= 0 && adjusted >= -6) {
		/* Plain notation. */
		if ((long long)un > scale) {
			size_t ip = un - (size_t)scale;
			memcpy(out + o, u, ip);
			o += ip;
			if (scale > 0) {
				out[o++] = '.';
				memcpy(out + o, u + ip, (size_t)scale);
				o += (size_t)scale;
			}
		} else {
			out[o++] = '0';
			out[o++] = '.';
			for (long long i = 0; i < scale - (long long)un; i++)
				out[o++] = '0';
			memcpy(out + o, u, un);
			o += un;
		}
	} else {
		/* Scientific notation: d.dddE±n. */
		out[o++] = u[0];
		if (un > 1) {
			out[o++] = '.';
			memcpy(out + o, u + 1, un - 1);
			o += un - 1;
		}
		int w = snprintf(out + o, sizeof out - o, "E%s%lld", adjusted >= 0 ? "+" : "",
		                 adjusted);
		o += (size_t)(w > 0 ? w : 0);
	}
	return jt_put(t, b, out, o);
}

static int jt_value(struct jt *t, struct jt_buf *b, int depth);

struct jt_member {
	char *key;   /* the written key, with quotes */
	char *value; /* the written value */
	size_t klen, vlen;
};

/* Java sorts keys by UTF-16 code units; for strings without characters beyond
 * U+FFFF that is the order of their UTF-8 bytes, and this compares bytes. */
static int jt_member_cmp(const void *a, const void *b)
{
	const struct jt_member *x = a, *y = b;
	return strcmp(x->key, y->key);
}

static int jt_object(struct jt *t, struct jt_buf *b, int depth)
{
	t->p++;
	struct jt_member *m = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	jt_ws(t);
	if (t->p < t->end && *t->p == '}') {
		t->p++;
		return jt_put(t, b, "{}", 2);
	}
	for (;;) {
		jt_ws(t);
		if (t->p >= t->end || *t->p != '"') {
			jt_fail(t, SG_EINVALID_SCHEMA, "expected a member name");
			goto done;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			struct jt_member *p = realloc(m, cap * sizeof *m);
			if (!p) {
				jt_fail(t, SG_ENOMEM, "out of memory");
				goto done;
			}
			m = p;
		}
		struct jt_buf kb = {0}, vb = {0};
		m[n].key = m[n].value = NULL;
		n++;
		if (jt_string(t, &kb)) {
			free(kb.p);
			goto done;
		}
		m[n - 1].key = kb.p;
		m[n - 1].klen = kb.n;
		jt_ws(t);
		if (t->p >= t->end || *t->p != ':') {
			jt_fail(t, SG_EINVALID_SCHEMA, "expected ':'");
			goto done;
		}
		t->p++;
		if (jt_value(t, &vb, depth + 1)) {
			free(vb.p);
			goto done;
		}
		m[n - 1].value = vb.p;
		m[n - 1].vlen = vb.n;
		jt_ws(t);
		if (t->p < t->end && *t->p == ',') {
			t->p++;
			continue;
		}
		if (t->p < t->end && *t->p == '}') {
			t->p++;
			break;
		}
		jt_fail(t, SG_EINVALID_SCHEMA, "expected ',' or '}'");
		goto done;
	}
	if (t->sorted)
		qsort(m, n, sizeof *m, jt_member_cmp);
	if (jt_put(t, b, "{", 1))
		goto done;
	for (size_t i = 0; i < n; i++) {
		if ((i && jt_put(t, b, ",", 1)) || jt_put(t, b, m[i].key, m[i].klen) ||
		    jt_put(t, b, ":", 1) || jt_put(t, b, m[i].value, m[i].vlen))
			goto done;
	}
	rc = jt_put(t, b, "}", 1);
done:
	for (size_t i = 0; i < n; i++) {
		free(m[i].key);
		free(m[i].value);
	}
	free(m);
	return rc;
}

static int jt_array(struct jt *t, struct jt_buf *b, int depth)
{
	t->p++;
	if (jt_put(t, b, "[", 1))
		return -1;
	jt_ws(t);
	if (t->p < t->end && *t->p == ']') {
		t->p++;
		return jt_put(t, b, "]", 1);
	}
	for (int first = 1;; first = 0) {
		if (!first && jt_put(t, b, ",", 1))
			return -1;
		if (jt_value(t, b, depth + 1))
			return -1;
		jt_ws(t);
		if (t->p < t->end && *t->p == ',') {
			t->p++;
			continue;
		}
		if (t->p < t->end && *t->p == ']') {
			t->p++;
			return jt_put(t, b, "]", 1);
		}
		return jt_fail(t, SG_EINVALID_SCHEMA, "expected ',' or ']'");
	}
}

static int jt_literal(struct jt *t, struct jt_buf *b, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(t->end - t->p) < n || memcmp(t->p, word, n) != 0)
		return jt_fail(t, SG_EINVALID_SCHEMA, "unexpected character");
	t->p += n;
	return jt_put(t, b, word, n);
}

static int jt_value(struct jt *t, struct jt_buf *b, int depth)
{
	if (depth > JSONTEXT_MAX_DEPTH)
		return jt_fail(t, SG_ELIMIT, "nested too deep");
	jt_ws(t);
	if (t->p >= t->end)
		return jt_fail(t, SG_EINVALID_SCHEMA, "unexpected end");
	switch (*t->p) {
	case '{':
		return jt_object(t, b, depth);
	case '[':
		return jt_array(t, b, depth);
	case '"':
		return jt_string(t, b);
	case 't':
		return jt_literal(t, b, "true");
	case 'f':
		return jt_literal(t, b, "false");
	case 'n':
		return jt_literal(t, b, "null");
	default:
		return jt_number(t, b);
	}
}

char *jsontext_canonical(const char *text, size_t len, int sorted, struct sg_error *err)
{
	struct jt t = {.p = text, .end = text + len, .start = text, .sorted = sorted, .err = err};
	struct jt_buf b = {0};
	if (jt_value(&t, &b, 0) == 0) {
		jt_ws(&t);
		if (t.p == t.end && b.p)
			return b.p;
		jt_fail(&t, SG_EINVALID_SCHEMA, "trailing characters");
	}
	free(b.p);
	return NULL;
}
