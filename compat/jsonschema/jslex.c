/* compat/jsonschema/jslex.c: JSON tokens through a bounded cursor. */
#include "compat/jsonschema/jslex.h"

#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "compat/hex.h"

void jslex_init(struct jslex *lx, const char *buf, size_t len, struct sg_error *err)
{
	lx->p = lx->start = (const unsigned char *)buf;
	lx->end = lx->p + len;
	lx->err = err;
	lx->failed = 0;
}

int jslex_fail_at(struct jslex *lx, const unsigned char *at, const char *what)
{
	if (lx->failed)
		return -1;
	lx->failed = 1;
	if (!lx->err)
		return -1;
	int line = 1, col = 1;
	for (const unsigned char *q = lx->start; q < at && q < lx->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else if ((*q & 0xC0) != 0x80) {
			col++;
		}
	}
	error_set(lx->err, SG_EBAD_REQUEST, "invalid JSON at line %d, column %d: %s", line, col,
	          what);
	return -1;
}

int jslex_fail(struct jslex *lx, const char *what)
{
	return jslex_fail_at(lx, lx->p, what);
}

int jslex_nomem(struct jslex *lx)
{
	if (!lx->failed) {
		lx->failed = 1;
		if (lx->err)
			error_set(lx->err, SG_ENOMEM, "out of memory parsing JSON");
	}
	return -1;
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
		int h = hex_value(p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | (uint32_t)h;
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

long jslex_unescape(struct jslex *lx, const struct jslex_str *s, char *out, int *nul)
{
	const unsigned char *p = (const unsigned char *)s->raw, *end = p + s->len;
	size_t o = 0;
	*nul = 0;
	while (p < end) {
		if (*p != '\\') {
			out[o++] = (char)*p++;
			continue;
		}
		unsigned char e = p[1];
		const unsigned char *at = p;
		p += 2;
		switch (e) {
		case '"':
			out[o++] = '"';
			break;
		case '\\':
			out[o++] = '\\';
			break;
		case '/':
			out[o++] = '/';
			break;
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'u': {
			uint32_t cp, lo;
			if (hex4(p, end, &cp) < 0)
				return jslex_fail_at(lx, at, "invalid \\u escape");
			p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    hex4(p + 2, end, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
					return jslex_fail_at(
					    lx, at, "unpaired high surrogate in a \\u escape");
				p += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				return jslex_fail_at(lx, at,
				                     "unpaired low surrogate in a \\u escape");
			}
			if (cp == 0)
				*nul = 1;
			o += put_utf8(out + o, cp);
			break;
		}
		default:
			return jslex_fail_at(lx, at, "invalid escape");
		}
	}
	return (long)o;
}

int jslex_string(struct jslex *lx, struct jslex_str *s)
{
	const unsigned char *body = lx->p + 1, *p = body, *end = lx->end;
	int escaped = 0;
	for (;;) {
		/* Sixteen (SSE2) or eight bytes at a time up to the next '"',
		 * '\\', control character or non-ASCII byte. */
#ifdef __SSE2__
		while (end - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			/* Signed bytes: non-ASCII ones are negative, so one
			 * comparison finds them and the control characters. */
			__m128i hit =
			    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
			                              _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
			                 _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
			int m = _mm_movemask_epi8(hit);
			if (m) {
				p += __builtin_ctz((unsigned)m);
				goto special;
			}
			p += 16;
		}
#endif
		while (end - p >= 8) {
			uint64_t w;
			memcpy(&w, p, 8);
			const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
			uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
			uint64_t special =
			    (((q - ones) & ~q) | ((b - ones) & ~b) | (w - ones * 0x20) | w) & highs;
			if (special) {
				/* The lowest flagged byte is a real one (borrows only
				 * carry upwards). */
				p += __builtin_ctzll(special) / 8;
				break;
			}
			p += 8;
		}
#ifdef __SSE2__
	special:
#endif
		if (p >= end) {
			lx->p = p;
			return jslex_fail(lx, "unterminated string");
		}
		unsigned char c = *p;
		if (c == '"')
			break;
		if (c < 0x20) {
			lx->p = p;
			return jslex_fail(lx, "control character in a string");
		}
		if (c == '\\') {
			if (p + 1 >= end) {
				lx->p = p;
				return jslex_fail(lx, "unterminated string");
			}
			escaped = 1;
			p += 2; /* the escape's letter is checked when decoding */
			continue;
		}
		if (c < 0x80) {
			p++;
			continue;
		}
		size_t k = utf8_seq(p, end);
		if (!k) {
			lx->p = p;
			return jslex_fail(lx, "invalid UTF-8 in a string");
		}
		p += k;
	}
	s->raw = (const char *)body;
	s->len = (size_t)(p - body);
	s->escaped = escaped;
	lx->p = p + 1;
	return 0;
}

/* Clinger's fast path: a decimal with at most 15 significant digits and a
 * power of ten within 10^22 is exactly (digits) times or divided by an
 * exactly representable power of ten, so one IEEE operation rounds it
 * correctly. Returns 1 with the value, or 0 to let strtod decide. The token
 * [p, end) has already been checked against the JSON number grammar. */
static int fast_real(const unsigned char *p, const unsigned char *end, double *out)
{
	static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
	                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
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

int jslex_number(struct jslex *lx, struct jslex_num *out)
{
	const unsigned char *p = lx->p, *end = lx->end, *tok = p;
	int neg = 0, is_int = 1, overflow = 0;
	uint64_t mag = 0;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9') {
		lx->p = p;
		return jslex_fail(lx, "invalid number");
	}
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
			lx->p = p;
			return jslex_fail(lx, "invalid number: digits expected after '.'");
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
			lx->p = p;
			return jslex_fail(lx, "invalid number: digits expected in the exponent");
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	lx->p = p;
	if (is_int && !overflow && mag <= (uint64_t)INT64_MAX + (uint64_t)neg) {
		out->is_int = 1;
		out->i = !neg                             ? (int64_t)mag
		         : mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN
		                                          : -(int64_t)mag;
		return 0;
	}
	out->is_int = 0;
	if (fast_real(tok, p, &out->d))
		return 0;
	/* A long real, or an integer too large for int64: strtod on a
	 * NUL-terminated copy whose '.' is the locale's decimal point. */
	size_t n = (size_t)(p - tok);
	char small[64], *buf = n < sizeof small ? small : malloc(n + 1);
	if (!buf)
		return jslex_nomem(lx);
	memcpy(buf, tok, n);
	buf[n] = '\0';
	char *dot = memchr(buf, '.', n);
	if (dot) {
		const char *dp = localeconv()->decimal_point;
		if (dp && dp[0] && dp[0] != '.' && !dp[1])
			*dot = dp[0];
	}
	errno = 0;
	char *stop;
	double d = strtod(buf, &stop);
	int bad = stop != buf + n, range = errno == ERANGE && (d > 1.0 || d < -1.0);
	if (buf != small)
		free(buf);
	if (bad)
		return jslex_fail_at(lx, tok, "invalid number");
	if (range)
		return jslex_fail_at(lx, tok, "real number overflow");
	out->d = d;
	return 0;
}

int jslex_literal(struct jslex *lx, const char *word, size_t n)
{
	if ((size_t)(lx->end - lx->p) < n || memcmp(lx->p, word, n) != 0)
		return 0;
	lx->p += n;
	return 1;
}
