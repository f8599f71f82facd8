/* compat/jsdoc.c: the validation document model: arena, strict parser,
 * conversions from and to jansson, member lookup. */
#include "compat/jsdoc.h"

#include <errno.h>
#include <locale.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- arena --- */

struct chunk {
	struct chunk *next;
	alignas(max_align_t) unsigned char data[];
};

void jsd_arena_init(struct jsd_arena *a, void *buf, size_t cap)
{
	a->cur = buf;
	a->used = 0;
	a->cap = buf ? cap : 0;
	a->chunks = NULL;
}

void jsd_arena_free(struct jsd_arena *a)
{
	struct chunk *c = a->chunks;
	while (c) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	a->chunks = NULL;
	a->cur = NULL;
	a->used = a->cap = 0;
}

static void *arena_alloc(struct jsd_arena *a, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	size_t off = (a->used + 7) & ~(size_t)7;
	if (a->cur && off <= a->cap && a->cap - off >= n) {
		a->used = off + n;
		return a->cur + off;
	}
	size_t cap = n > 8192 ? n : 8192;
	struct chunk *c = malloc(sizeof *c + cap);
	if (!c)
		return NULL;
	c->next = a->chunks;
	a->chunks = c;
	a->cur = c->data;
	a->cap = cap;
	a->used = n;
	return c->data;
}

/* --- member lookup --- */

static uint32_t key_hash(const char *k, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 16777619u;
	}
	return h;
}

static size_t index_size(size_t n)
{
	size_t cap = 32;
	while (cap < 2 * n)
		cap *= 2;
	return cap;
}

/* Builds the hash index of object `o` (n > 16). Returns 0, 1 when two keys
 * are equal (the later one's position in *dup), or -1 out of memory. */
static int build_index(struct jsd_arena *a, struct jsd *o, size_t *dup)
{
	size_t cap = index_size(o->n);
	uint32_t *t = arena_alloc(a, cap * sizeof *t);
	if (!t)
		return -1;
	memset(t, 0, cap * sizeof *t);
	for (uint32_t i = 0; i < o->n; i++) {
		const struct jsd_member *m = &o->u.members[i];
		size_t s = key_hash(m->key, m->klen) & (cap - 1);
		for (; t[s]; s = (s + 1) & (cap - 1)) {
			const struct jsd_member *q = &o->u.members[t[s] - 1];
			if (q->klen == m->klen && memcmp(q->key, m->key, m->klen) == 0) {
				*dup = i;
				return 1;
			}
		}
		t[s] = i + 1;
	}
	o->index = t;
	return 0;
}

const struct jsd *jsd_object_get(const struct jsd *o, const char *k, size_t n)
{
	if (o->type != JSD_OBJECT)
		return NULL;
	if (!o->index) {
		for (uint32_t i = 0; i < o->n; i++) {
			const struct jsd_member *m = &o->u.members[i];
			if (m->klen == n &&
			    (n == 0 || (m->key[0] == k[0] && memcmp(m->key, k, n) == 0)))
				return &m->val;
		}
		return NULL;
	}
	size_t mask = index_size(o->n) - 1;
	for (size_t s = key_hash(k, n) & mask; o->index[s]; s = (s + 1) & mask) {
		const struct jsd_member *m = &o->u.members[o->index[s] - 1];
		if (m->klen == n && memcmp(m->key, k, n) == 0)
			return &m->val;
	}
	return NULL;
}

/* --- parser --- */

/* A value waiting for its container to close, with the key (objects) and
 * where that key started (for the duplicate-key message). */
struct pending {
	struct jsd_member m;
	const unsigned char *at;
};

struct parser {
	const unsigned char *p, *start, *end;
	int depth;
	int failed;
	struct sg_error *err;
	struct jsd_arena *a;
	struct pending *stack;
	size_t sp, scap;
	struct pending first[64];
};

static int syntax_at(struct parser *ps, const unsigned char *at, const char *what)
{
	if (ps->failed)
		return -1;
	ps->failed = 1;
	int line = 1, col = 1;
	for (const unsigned char *q = ps->start; q < at && q < ps->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else if ((*q & 0xC0) != 0x80) {
			col++;
		}
	}
	error_set(ps->err, SG_EBAD_REQUEST, "invalid JSON at line %d, column %d: %s", line, col,
	          what);
	return -1;
}

static int syntax(struct parser *ps, const char *what)
{
	return syntax_at(ps, ps->p, what);
}

static int nomem(struct parser *ps)
{
	if (!ps->failed) {
		ps->failed = 1;
		error_set(ps->err, SG_ENOMEM, "out of memory parsing JSON");
	}
	return -1;
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

/* Decodes the escapes of the raw string body [p, end) (already scanned:
 * valid UTF-8, closing quote at `end`) into `out`. Returns the length, or
 * -1 with a syntax error. Sets *nul when a \u0000 appears. */
static long unescape(struct parser *ps, const unsigned char *p, const unsigned char *end, char *out,
                     int *nul)
{
	size_t o = 0;
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
				return syntax_at(ps, at, "invalid \\u escape");
			p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    hex4(p + 2, end, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
					return syntax_at(ps, at,
					                 "unpaired high surrogate in a \\u escape");
				p += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				return syntax_at(ps, at, "unpaired low surrogate in a \\u escape");
			}
			if (cp == 0)
				*nul = 1;
			o += put_utf8(out + o, cp);
			break;
		}
		default:
			return syntax_at(ps, at, "invalid escape");
		}
	}
	return (long)o;
}

/* Parses the string whose opening quote is at the cursor into *s / *n
 * (pointing into the input when there are no escapes, else into the
 * arena). Sets *nul when it holds a NUL character. Returns 0 or -1. */
static int parse_string(struct parser *ps, const char **s, uint32_t *n, int *nul)
{
	const unsigned char *body = ps->p + 1, *p = body, *end = ps->end;
	int escaped = 0;
	*nul = 0;
	for (;;) {
		/* Eight bytes at a time up to the next '"', '\\', control
		 * character or non-ASCII byte. */
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
		if (p >= end) {
			ps->p = p;
			return syntax(ps, "unterminated string");
		}
		unsigned char c = *p;
		if (c == '"')
			break;
		if (c < 0x20) {
			ps->p = p;
			return syntax(ps, "control character in a string");
		}
		if (c == '\\') {
			if (p + 1 >= end) {
				ps->p = p;
				return syntax(ps, "unterminated string");
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
			ps->p = p;
			return syntax(ps, "invalid UTF-8 in a string");
		}
		p += k;
	}
	size_t raw = (size_t)(p - body);
	if (raw > UINT32_MAX) {
		ps->p = body;
		return syntax(ps, "string too long");
	}
	if (!escaped) {
		*s = (const char *)body;
		*n = (uint32_t)raw;
	} else {
		/* Decoding only shrinks: \uXXXX (6 bytes) gives at most 3. */
		char *out = arena_alloc(ps->a, raw ? raw : 1);
		if (!out)
			return nomem(ps);
		long len = unescape(ps, body, p, out, nul);
		if (len < 0)
			return -1;
		*s = out;
		*n = (uint32_t)len;
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

static int parse_number(struct parser *ps, struct jsd *out)
{
	const unsigned char *p = ps->p, *end = ps->end, *tok = p;
	int neg = 0, is_int = 1, overflow = 0;
	uint64_t mag = 0;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9') {
		ps->p = p;
		return syntax(ps, "invalid number");
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
	ps->p = p;
	if (is_int && !overflow && mag <= (uint64_t)INT64_MAX + (uint64_t)neg) {
		out->type = JSD_INT;
		out->u.i = !neg                             ? (int64_t)mag
		           : mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN
		                                            : -(int64_t)mag;
		return 0;
	}
	out->type = JSD_REAL;
	if (fast_real(tok, p, &out->u.d))
		return 0;
	/* A long real, or an integer too large for int64: strtod on a
	 * NUL-terminated copy whose '.' is the locale's decimal point. */
	size_t n = (size_t)(p - tok);
	char small[64], *buf = n < sizeof small ? small : malloc(n + 1);
	if (!buf)
		return nomem(ps);
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
		return syntax_at(ps, tok, "invalid number");
	if (range)
		return syntax_at(ps, tok, "real number overflow");
	out->u.d = d;
	return 0;
}

static int push(struct parser *ps)
{
	if (ps->sp < ps->scap)
		return 0;
	size_t cap = ps->scap * 2;
	struct pending *s = malloc(cap * sizeof *s);
	if (!s)
		return nomem(ps);
	memcpy(s, ps->stack, ps->sp * sizeof *s);
	if (ps->stack != ps->first)
		free(ps->stack);
	ps->stack = s;
	ps->scap = cap;
	return 0;
}

static int parse_value(struct parser *ps, struct jsd *out);

static int parse_array(struct parser *ps, struct jsd *out)
{
	size_t base = ps->sp;
	ps->p++;
	skip_ws(ps);
	if (!(ps->p < ps->end && *ps->p == ']')) {
		for (;;) {
			/* The stack may move while the value parses: keep the index. */
			if (push(ps) < 0)
				return -1;
			size_t idx = ps->sp++;
			memset(&ps->stack[idx], 0, sizeof ps->stack[idx]);
			struct jsd v;
			if (parse_value(ps, &v) < 0)
				return -1;
			ps->stack[idx].m.val = v;
			skip_ws(ps);
			if (ps->p >= ps->end)
				return syntax(ps, "']' expected near end of input");
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			if (*ps->p == ']')
				break;
			return syntax(ps, "',' or ']' expected");
		}
	}
	ps->p++;
	size_t n = ps->sp - base;
	struct jsd *items = NULL;
	if (n && !(items = arena_alloc(ps->a, n * sizeof *items)))
		return nomem(ps);
	for (size_t i = 0; i < n; i++)
		items[i] = ps->stack[base + i].m.val;
	ps->sp = base;
	memset(out, 0, sizeof *out);
	out->type = JSD_ARRAY;
	out->n = (uint32_t)n;
	out->u.items = items;
	return 0;
}

static int parse_object(struct parser *ps, struct jsd *out)
{
	size_t base = ps->sp;
	ps->p++;
	skip_ws(ps);
	if (!(ps->p < ps->end && *ps->p == '}')) {
		for (;;) {
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != '"')
				return syntax(ps, "string or '}' expected");
			if (push(ps) < 0)
				return -1;
			struct pending *e = &ps->stack[ps->sp];
			memset(e, 0, sizeof *e);
			e->at = ps->p;
			int nul;
			if (parse_string(ps, &e->m.key, &e->m.klen, &nul) < 0)
				return -1;
			if (nul)
				return syntax_at(ps, e->at, "NUL character in an object key");
			size_t idx = ps->sp++;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return syntax(ps, "':' expected");
			ps->p++;
			struct jsd v;
			if (parse_value(ps, &v) < 0)
				return -1;
			ps->stack[idx].m.val = v;
			skip_ws(ps);
			if (ps->p >= ps->end)
				return syntax(ps, "'}' expected near end of input");
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			if (*ps->p == '}')
				break;
			return syntax(ps, "',' or '}' expected");
		}
	}
	ps->p++;
	size_t n = ps->sp - base;
	struct jsd_member *m = NULL;
	if (n && !(m = arena_alloc(ps->a, n * sizeof *m)))
		return nomem(ps);
	for (size_t i = 0; i < n; i++)
		m[i] = ps->stack[base + i].m;
	memset(out, 0, sizeof *out);
	out->type = JSD_OBJECT;
	out->n = (uint32_t)n;
	out->u.members = m;
	/* Duplicate keys: pairwise for small objects, by the index otherwise. */
	size_t dup = 0;
	int found = 0;
	if (n <= 16) {
		for (size_t i = 1; i < n && !found; i++)
			for (size_t j = 0; j < i; j++)
				if (m[i].klen == m[j].klen &&
				    memcmp(m[i].key, m[j].key, m[i].klen) == 0) {
					dup = i;
					found = 1;
					break;
				}
	} else {
		found = build_index(ps->a, out, &dup);
		if (found < 0)
			return nomem(ps);
	}
	if (found)
		return syntax_at(ps, ps->stack[base + dup].at, "duplicate object key");
	ps->sp = base;
	return 0;
}

static int literal(struct parser *ps, const char *word, size_t n)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return 0;
	ps->p += n;
	return 1;
}

static int parse_value(struct parser *ps, struct jsd *out)
{
	skip_ws(ps);
	memset(out, 0, sizeof *out);
	if (ps->p >= ps->end)
		return syntax(ps, "a value expected near end of input");
	switch (*ps->p) {
	case '{':
	case '[': {
		if (++ps->depth > JSD_MAX_DEPTH)
			return syntax(ps, "maximum nesting depth exceeded");
		int rc = *ps->p == '{' ? parse_object(ps, out) : parse_array(ps, out);
		ps->depth--;
		return rc;
	}
	case '"': {
		int nul;
		out->type = JSD_STRING;
		return parse_string(ps, &out->u.s, &out->n, &nul);
	}
	case 't':
		if (literal(ps, "true", 4)) {
			out->type = JSD_TRUE;
			return 0;
		}
		break;
	case 'f':
		if (literal(ps, "false", 5)) {
			out->type = JSD_FALSE;
			return 0;
		}
		break;
	case 'n':
		if (literal(ps, "null", 4)) {
			out->type = JSD_NULL;
			return 0;
		}
		break;
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps, out);
	}
	return syntax(ps, "invalid token");
}

const struct jsd *jsd_parse(struct jsd_arena *a, const char *buf, size_t len, struct sg_error *err)
{
	struct parser ps;
	ps.p = ps.start = (const unsigned char *)buf;
	ps.end = ps.p + len;
	ps.depth = 0;
	ps.failed = 0;
	ps.err = err;
	ps.a = a;
	ps.stack = ps.first;
	ps.sp = 0;
	ps.scap = sizeof ps.first / sizeof ps.first[0];
	if (!buf) {
		error_set(err, SG_EBAD_REQUEST, "invalid JSON: no input");
		return NULL;
	}
	struct jsd *root = arena_alloc(a, sizeof *root);
	int rc = root ? parse_value(&ps, root) : nomem(&ps);
	if (rc == 0) {
		skip_ws(&ps);
		if (ps.p != ps.end)
			rc = syntax(&ps, "end of input expected after the value");
	}
	if (ps.stack != ps.first)
		free(ps.stack);
	return rc == 0 ? root : NULL;
}

/* --- conversions --- */

struct conv {
	struct jsd_arena *a;
	unsigned max_depth;
	struct sg_error *err;
};

static int from_json(struct conv *cv, const json_t *v, struct jsd *out, unsigned depth)
{
	memset(out, 0, sizeof *out);
	switch (json_typeof(v)) {
	case JSON_NULL:
		out->type = JSD_NULL;
		return 0;
	case JSON_TRUE:
		out->type = JSD_TRUE;
		return 0;
	case JSON_FALSE:
		out->type = JSD_FALSE;
		return 0;
	case JSON_INTEGER:
		out->type = JSD_INT;
		out->u.i = json_integer_value(v);
		return 0;
	case JSON_REAL:
		out->type = JSD_REAL;
		out->u.d = json_real_value(v);
		return 0;
	case JSON_STRING:
		out->type = JSD_STRING;
		out->u.s = json_string_value(v);
		out->n = (uint32_t)json_string_length(v);
		return 0;
	default:
		break;
	}
	if (depth >= cv->max_depth)
		return error_set(cv->err, SG_ELIMIT, "value nested deeper than %u levels",
		                 cv->max_depth);
	if (json_is_array(v)) {
		size_t n = json_array_size(v);
		struct jsd *items = n ? arena_alloc(cv->a, n * sizeof *items) : NULL;
		if (n && !items)
			return error_set(cv->err, SG_ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++)
			if (from_json(cv, json_array_get(v, i), &items[i], depth + 1) < 0)
				return -1;
		out->type = JSD_ARRAY;
		out->n = (uint32_t)n;
		out->u.items = items;
		return 0;
	}
	json_t *o = (json_t *)v;
	size_t n = json_object_size(o), i = 0;
	struct jsd_member *m = n ? arena_alloc(cv->a, n * sizeof *m) : NULL;
	if (n && !m)
		return error_set(cv->err, SG_ENOMEM, "out of memory");
	for (void *it = json_object_iter(o); it && i < n; it = json_object_iter_next(o, it), i++) {
		m[i].key = json_object_iter_key(it);
		m[i].klen = (uint32_t)json_object_iter_key_len(it);
		if (from_json(cv, json_object_iter_value(it), &m[i].val, depth + 1) < 0)
			return -1;
	}
	out->type = JSD_OBJECT;
	out->n = (uint32_t)i;
	out->u.members = m;
	size_t dup;
	if (i > 16 && build_index(cv->a, out, &dup) < 0)
		return error_set(cv->err, SG_ENOMEM, "out of memory");
	return 0;
}

const struct jsd *jsd_from_json(struct jsd_arena *a, const json_t *v, unsigned max_depth,
                                struct sg_error *err)
{
	struct conv cv = {a, max_depth, err};
	struct jsd *root = arena_alloc(a, sizeof *root);
	if (!root) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	return from_json(&cv, v, root, 0) < 0 ? NULL : root;
}

json_t *jsd_to_json(const struct jsd *d)
{
	switch (d->type) {
	case JSD_NULL:
		return json_null();
	case JSD_TRUE:
		return json_true();
	case JSD_FALSE:
		return json_false();
	case JSD_INT:
		return json_integer(d->u.i);
	case JSD_REAL:
		return json_real(d->u.d);
	case JSD_STRING:
		return json_stringn_nocheck(d->u.s, d->n);
	case JSD_ARRAY: {
		json_t *a = json_array();
		for (uint32_t i = 0; a && i < d->n; i++) {
			json_t *e = jsd_to_json(&d->u.items[i]);
			if (!e || json_array_append_new(a, e) < 0) {
				json_decref(a);
				return NULL;
			}
		}
		return a;
	}
	default: {
		json_t *o = json_object();
		for (uint32_t i = 0; o && i < d->n; i++) {
			const struct jsd_member *m = &d->u.members[i];
			json_t *e = jsd_to_json(&m->val);
			if (!e || json_object_setn_new_nocheck(o, m->key, m->klen, e) < 0) {
				json_decref(o);
				return NULL;
			}
		}
		return o;
	}
	}
}
