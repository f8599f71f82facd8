/* compat/jsparse.c: recursive-descent JSON parser over a bounded cursor,
 * building jansson values with their no-check constructors (the parser has
 * validated UTF-8 itself). */
#include "compat/jsparse.h"

#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const unsigned char *p, *start, *end;
	int depth;
	int had_nul;        /* the last string decoded a \u0000 */
	struct sg_error *err;
	int failed;
	/* Scratch for strings with escapes and for number tokens. */
	char *buf;
	size_t cap;
};

/* Records a syntax error at the cursor (first error wins). */
static json_t *syntax(struct parser *ps, const char *what)
{
	if (ps->failed)
		return NULL;
	ps->failed = 1;
	int line = 1, col = 1;
	for (const unsigned char *q = ps->start; q < ps->p && q < ps->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else if ((*q & 0xC0) != 0x80) {
			col++;
		}
	}
	error_set(ps->err, SG_EBAD_REQUEST, "invalid JSON at line %d, column %d: %s", line, col,
		  what);
	return NULL;
}

static json_t *nomem(struct parser *ps)
{
	if (!ps->failed) {
		ps->failed = 1;
		error_set(ps->err, SG_ENOMEM, "out of memory parsing JSON");
	}
	return NULL;
}

static int reserve(struct parser *ps, size_t n)
{
	if (n <= ps->cap)
		return 0;
	size_t cap = ps->cap ? ps->cap : 256;
	while (cap < n)
		cap *= 2;
	char *b = realloc(ps->buf, cap);
	if (!b)
		return -1;
	ps->buf = b;
	ps->cap = cap;
	return 0;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
		ps->p++;
}

/* Length of the valid UTF-8 sequence at `p` (one code point), or 0. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

static int hex4(const unsigned char *p, const unsigned char *end, uint32_t *out)
{
	uint32_t v = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Parses a string whose opening quote is at the cursor. On success stores
 * its bytes in *s / *n: either pointing into the input (no escapes) or into
 * ps->buf (valid until the next string). Returns 0 or -1. */
static int parse_string(struct parser *ps, const char **s, size_t *n)
{
	const unsigned char *p = ps->p + 1, *end = ps->end;
	const unsigned char *run = p;
	size_t o = 0;
	int escaped = 0;
	ps->had_nul = 0;
	for (;;) {
		if (p >= end) {
			ps->p = p;
			syntax(ps, "unterminated string");
			return -1;
		}
		/* Eight bytes at a time up to the next '"', '\\', control
		 * character or non-ASCII byte. */
		while (end - p >= 8) {
			uint64_t w;
			memcpy(&w, p, 8);
			const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
			uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
			uint64_t special = ((q - ones) & ~q) | ((b - ones) & ~b) |
					   (w - ones * 0x20) | w;
			special &= highs;
			if (special) {
				/* The lowest flagged byte is a real one (borrows only
				 * carry upwards). */
				p += __builtin_ctzll(special) / 8;
				break;
			}
			p += 8;
		}
		if (p >= end)
			continue;
		unsigned char c = *p;
		if (c == '"')
			break;
		if (c < 0x20) {
			ps->p = p;
			syntax(ps, "control character in a string");
			return -1;
		}
		if (c < 0x80 && c != '\\') {
			p++;
			continue;
		}
		if (c != '\\') {
			size_t k = utf8_seq(p, end);
			if (!k) {
				ps->p = p;
				syntax(ps, "invalid UTF-8 in a string");
				return -1;
			}
			p += k;
			continue;
		}
		/* An escape: copy the run so far, then decode. */
		if (!escaped) {
			escaped = 1;
			o = 0;
		}
		size_t runlen = (size_t)(p - run);
		if (reserve(ps, o + runlen + 8) < 0) {
			nomem(ps);
			return -1;
		}
		memcpy(ps->buf + o, run, runlen);
		o += runlen;
		if (p + 1 >= end) {
			ps->p = p;
			syntax(ps, "unterminated escape");
			return -1;
		}
		unsigned char e = p[1];
		p += 2;
		switch (e) {
		case '"': ps->buf[o++] = '"'; break;
		case '\\': ps->buf[o++] = '\\'; break;
		case '/': ps->buf[o++] = '/'; break;
		case 'b': ps->buf[o++] = '\b'; break;
		case 'f': ps->buf[o++] = '\f'; break;
		case 'n': ps->buf[o++] = '\n'; break;
		case 'r': ps->buf[o++] = '\r'; break;
		case 't': ps->buf[o++] = '\t'; break;
		case 'u': {
			uint32_t cp, lo;
			if (hex4(p, end, &cp) < 0) {
				ps->p = p - 2;
				syntax(ps, "invalid \\u escape");
				return -1;
			}
			p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, end, &lo) < 0 ||
				    lo < 0xDC00 || lo > 0xDFFF) {
					ps->p = p - 6;
					syntax(ps, "unpaired high surrogate in a \\u escape");
					return -1;
				}
				p += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				ps->p = p - 6;
				syntax(ps, "unpaired low surrogate in a \\u escape");
				return -1;
			}
			if (cp == 0)
				ps->had_nul = 1;
			o += put_utf8(ps->buf + o, cp);
			break;
		}
		default:
			ps->p = p - 2;
			syntax(ps, "invalid escape");
			return -1;
		}
		run = p;
	}
	if (escaped) {
		size_t runlen = (size_t)(p - run);
		if (reserve(ps, o + runlen + 1) < 0) {
			nomem(ps);
			return -1;
		}
		memcpy(ps->buf + o, run, runlen);
		o += runlen;
		ps->buf[o] = '\0';
		*s = ps->buf;
		*n = o;
	} else {
		*s = (const char *)ps->p + 1;
		*n = (size_t)(p - ps->p - 1);
	}
	ps->p = p + 1;
	return 0;
}

/* Clinger's fast path: a decimal with at most 15 significant digits and a
 * power of ten within 10^22 is exactly (digits) times or divided by an
 * exactly representable power of ten, so one IEEE operation rounds it
 * correctly. Returns 1 with the value, or 0 to let strtod decide. The token
 * [p, end) has already been checked against the JSON number grammar. */
static int fast_real(const unsigned char *p, const unsigned char *end, double *out)
{
	static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
				       1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
				       1e19, 1e20, 1e21, 1e22};
	int neg = 0, digits = 0, exp10 = 0;
	uint64_t mant = 0;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (mant == 0 && *p == '0')
			continue;
		if (++digits > 15)
			return 0;
		mant = mant * 10 + (uint64_t)(*p - '0');
	}
	if (p < end && *p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
			exp10--;
			if (mant == 0 && *p == '0')
				continue;
			if (++digits > 15)
				return 0;
			mant = mant * 10 + (uint64_t)(*p - '0');
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0, e = 0;
		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			if (e > 1000)
				return 0;
			e = e * 10 + (*p - '0');
		}
		exp10 += eneg ? -e : e;
	}
	double d = (double)mant;
	if (mant == 0)
		exp10 = 0;
	if (exp10 < -22 || exp10 > 22)
		return 0;
	d = exp10 < 0 ? d / pow10[-exp10] : d * pow10[exp10];
	*out = neg ? -d : d;
	return 1;
}

static json_t *parse_number(struct parser *ps)
{
	const unsigned char *p = ps->p, *end = ps->end, *tok = p;
	int neg = 0, is_int = 1;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9') {
		ps->p = p;
		return syntax(ps, "invalid number");
	}
	uint64_t mag = 0;
	int overflow = 0;
	if (*p == '0') {
		p++;
	} else {
		while (p < end && *p >= '0' && *p <= '9') {
			unsigned d = (unsigned)(*p - '0');
			if (mag > (UINT64_MAX - d) / 10)
				overflow = 1;
			else
				mag = mag * 10 + d;
			p++;
		}
	}
	if (p < end && *p == '.') {
		is_int = 0;
		p++;
		if (p >= end || *p < '0' || *p > '9') {
			ps->p = p;
			return syntax(ps, "invalid number: digits expected after '.'");
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		is_int = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9') {
			ps->p = p;
			return syntax(ps, "invalid number: digits expected in the exponent");
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (is_int && !overflow) {
		if (!neg && mag <= (uint64_t)INT64_MAX) {
			ps->p = p;
			json_t *v = json_integer((json_int_t)mag);
			return v ? v : nomem(ps);
		}
		if (neg && mag <= (uint64_t)INT64_MAX + 1) {
			ps->p = p;
			json_t *v = json_integer(mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(json_int_t)mag);
			return v ? v : nomem(ps);
		}
	}
	double fast;
	if (fast_real(tok, p, &fast)) {
		ps->p = p;
		json_t *v = json_real(fast);
		return v ? v : nomem(ps);
	}
	/* A real, or an integer too large for json_int_t: strtod on a
	 * NUL-terminated copy whose '.' is the locale's decimal point. */
	size_t n = (size_t)(p - tok);
	if (reserve(ps, n + 1) < 0)
		return nomem(ps);
	memcpy(ps->buf, tok, n);
	ps->buf[n] = '\0';
	char *dot = memchr(ps->buf, '.', n);
	if (dot) {
		const char *dp = localeconv()->decimal_point;
		if (dp && dp[0] && dp[0] != '.' && !dp[1])
			*dot = dp[0];
	}
	errno = 0;
	char *stop;
	double d = strtod(ps->buf, &stop);
	if (stop != ps->buf + n) {
		ps->p = tok;
		return syntax(ps, "invalid number");
	}
	if (errno == ERANGE && (d > 1.0 || d < -1.0)) {
		ps->p = tok;
		return syntax(ps, "real number overflow");
	}
	ps->p = p;
	json_t *v = json_real(d);
	return v ? v : nomem(ps);
}

static json_t *parse_value(struct parser *ps);

static json_t *parse_array(struct parser *ps)
{
	json_t *a = json_array();
	if (!a)
		return nomem(ps);
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return a;
	}
	for (;;) {
		json_t *v = parse_value(ps);
		if (!v)
			goto fail;
		if (json_array_append_new(a, v) < 0) {
			nomem(ps);
			goto fail;
		}
		skip_ws(ps);
		if (ps->p >= ps->end) {
			syntax(ps, "']' expected near end of input");
			goto fail;
		}
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == ']') {
			ps->p++;
			return a;
		}
		syntax(ps, "',' or ']' expected");
		goto fail;
	}
fail:
	json_decref(a);
	return NULL;
}

static json_t *parse_object(struct parser *ps)
{
	json_t *o = json_object();
	char small[64];
	if (!o)
		return nomem(ps);
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return o;
	}
	for (;;) {
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '"') {
			syntax(ps, "string or '}' expected");
			goto fail;
		}
		const char *k;
		size_t kn;
		const unsigned char *key_at = ps->p;
		if (parse_string(ps, &k, &kn) < 0)
			goto fail;
		if (ps->had_nul) {
			ps->p = key_at;
			syntax(ps, "NUL character in an object key");
			goto fail;
		}
		/* The key may live in ps->buf, which the value would overwrite. */
		char *key = small;
		if (kn >= sizeof small && !(key = malloc(kn + 1))) {
			nomem(ps);
			goto fail;
		}
		memcpy(key, k, kn);
		key[kn] = '\0';
		skip_ws(ps);
		json_t *v = NULL;
		if (ps->p >= ps->end || *ps->p != ':') {
			syntax(ps, "':' expected");
		} else {
			ps->p++;
			v = parse_value(ps);
		}
		/* A duplicate key replaces the value without growing the object. */
		size_t before = json_object_size(o);
		int rc = v ? json_object_setn_new_nocheck(o, key, kn, v) : -1;
		if (v && rc < 0) {
			nomem(ps);
		} else if (v && json_object_size(o) == before) {
			ps->p = key_at;
			syntax(ps, "duplicate object key");
			rc = -1;
		}
		if (key != small)
			free(key);
		if (rc < 0)
			goto fail;
		skip_ws(ps);
		if (ps->p >= ps->end) {
			syntax(ps, "'}' expected near end of input");
			goto fail;
		}
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == '}') {
			ps->p++;
			return o;
		}
		syntax(ps, "',' or '}' expected");
		goto fail;
	}
fail:
	json_decref(o);
	return NULL;
}

static int literal(struct parser *ps, const char *word, size_t n)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return 0;
	ps->p += n;
	return 1;
}

static json_t *parse_value(struct parser *ps)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return syntax(ps, "a value expected near end of input");
	json_t *v;
	switch (*ps->p) {
	case '{':
	case '[':
		if (++ps->depth > JSPARSE_MAX_DEPTH)
			return syntax(ps, "maximum nesting depth exceeded");
		v = *ps->p == '{' ? parse_object(ps) : parse_array(ps);
		ps->depth--;
		return v;
	case '"': {
		const char *s;
		size_t n;
		if (parse_string(ps, &s, &n) < 0)
			return NULL;
		v = json_stringn_nocheck(s, n);
		return v ? v : nomem(ps);
	}
	case 't':
		if (literal(ps, "true", 4))
			return json_true();
		break;
	case 'f':
		if (literal(ps, "false", 5))
			return json_false();
		break;
	case 'n':
		if (literal(ps, "null", 4))
			return json_null();
		break;
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps);
	}
	return syntax(ps, "invalid token");
}

json_t *jsparse(const char *buf, size_t len, struct sg_error *err)
{
	struct parser ps = {
		.p = (const unsigned char *)buf,
		.start = (const unsigned char *)buf,
		.end = (const unsigned char *)buf + len,
		.err = err,
	};
	if (!buf) {
		error_set(err, SG_EBAD_REQUEST, "invalid JSON: no input");
		return NULL;
	}
	json_t *v = parse_value(&ps);
	if (v) {
		skip_ws(&ps);
		if (ps.p != ps.end) {
			syntax(&ps, "end of input expected after the value");
			json_decref(v);
			v = NULL;
		}
	}
	free(ps.buf);
	return v;
}
