/* compat/jsonschema/jsvalue.c: number-aware equality, hashing and rendering of
 * documents. */
#include "compat/jsonschema/jsvalue.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libm is not linked: the few real-number helpers needed are here. */

/* floor() for finite `d`; values beyond 2^52 are already integral. */
static double dfloor(double d)
{
	if (!(d > -4503599627370496.0 && d < 4503599627370496.0))
		return d;
	double f = (double)(long long)d;
	return f > d ? f - 1 : f;
}

/* Splits finite, non-zero `d` into odd integer `*odd` times 2^`*exp`. */
static void split_binary(double d, uint64_t *odd, int *exp)
{
	uint64_t bits;
	memcpy(&bits, &d, sizeof bits);
	int e = (int)((bits >> 52) & 0x7ff);
	uint64_t mant = bits & ((1ULL << 52) - 1);
	if (e) {
		mant |= 1ULL << 52;
		e -= 1075;
	} else {
		e = -1074;
	}
	while (mant && !(mant & 1)) {
		mant >>= 1;
		e++;
	}
	*odd = mant;
	*exp = e;
}

/* Whether `x` is exactly an integer multiple of `m` (> 0) as binary
 * doubles: used when the quotient is too large for a tolerance test. */
static int binary_multiple(double x, double m)
{
	uint64_t xo, mo;
	int xe, me;
	if (x == 0)
		return 1;
	split_binary(x < 0 ? -x : x, &xo, &xe);
	split_binary(m, &mo, &me);
	return xe >= me && xo % mo == 0;
}

int jsvalue_num(const struct jsd *v, struct jsnum *n)
{
	if (v->type == JSD_INT) {
		n->is_int = 1;
		n->i = v->u.i;
		n->d = (double)n->i;
		return 0;
	}
	if (v->type == JSD_REAL) {
		n->is_int = 0;
		n->i = 0;
		n->d = v->u.d;
		return 0;
	}
	return -1;
}

int jsvalue_num_json(const json_t *v, struct jsnum *n)
{
	if (json_is_integer(v)) {
		n->is_int = 1;
		n->i = json_integer_value(v);
		n->d = (double)n->i;
		return 0;
	}
	if (json_is_real(v)) {
		n->is_int = 0;
		n->i = 0;
		n->d = json_real_value(v);
		return 0;
	}
	return -1;
}

/* Compares integer `i` with real `d` exactly. */
static int cmp_int_real(int64_t i, double d)
{
	if (isnan(d))
		return -1;
	if (d >= 9223372036854775808.0)
		return -1;
	if (d < -9223372036854775808.0)
		return 1;
	double fl = dfloor(d);
	int64_t fi = (int64_t)fl;
	if (i < fi)
		return -1;
	if (i > fi)
		return 1;
	return d == fl ? 0 : -1;
}

int jsvalue_num_cmp(const struct jsnum *a, const struct jsnum *b)
{
	if (a->is_int && b->is_int)
		return a->i < b->i ? -1 : a->i > b->i;
	if (a->is_int)
		return cmp_int_real(a->i, b->d);
	if (b->is_int)
		return -cmp_int_real(b->i, a->d);
	return a->d < b->d ? -1 : a->d > b->d;
}

int jsvalue_num_multiple(const struct jsnum *x, const struct jsnum *m)
{
	if (x->is_int && m->is_int) {
		if (m->i <= 0)
			return 0;
		return x->i % m->i == 0;
	}
	double xd = x->d, md = m->d;
	if (!(md > 0) || !isfinite(xd))
		return 0;
	double q = xd / md;
	double aq = q < 0 ? -q : q;
	/* A finite quotient beyond 2^53 has no fraction left (so any integer is
	 * a multiple of 1e-8); one that overflows is decided exactly. */
	if (!isfinite(q))
		return binary_multiple(xd, md);
	if (aq >= 9007199254740992.0)
		return 1;
	double r = dfloor(q + 0.5);
	double diff = q > r ? q - r : r - q;
	return diff <= 4 * DBL_EPSILON * (aq > 1.0 ? aq : 1.0);
}

int jsvalue_real_is_whole(double d)
{
	return isfinite(d) && dfloor(d) == d;
}

int jsvalue_is_integer(const struct jsd *v, int reals_count)
{
	if (v->type == JSD_INT)
		return 1;
	if (v->type != JSD_REAL || !jsvalue_real_is_whole(v->u.d))
		return 0;
	/* Beyond the int64 range a whole real is an integer literal that could
	 * not be held as one: an integer in every draft. */
	return reals_count || v->u.d >= 9223372036854775808.0 || v->u.d < -9223372036854775808.0;
}

static int equal_depth(const struct jsd *a, const struct jsd *b, int depth)
{
	if (a == b)
		return 1;
	if (depth > JSVALUE_MAX_DEPTH)
		return 0;
	if (a->type == JSD_STRING || b->type == JSD_STRING) /* the common case, first */
		return a->type == b->type && a->n == b->n && memcmp(a->u.s, b->u.s, a->n) == 0;
	struct jsnum x, y;
	if (jsvalue_num(a, &x) == 0 && jsvalue_num(b, &y) == 0)
		return jsvalue_num_cmp(&x, &y) == 0;
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case JSD_ARRAY:
		if (a->n != b->n)
			return 0;
		for (uint32_t i = 0; i < a->n; i++)
			if (!equal_depth(&a->u.items[i], &b->u.items[i], depth + 1))
				return 0;
		return 1;
	case JSD_OBJECT:
		if (a->n != b->n)
			return 0;
		for (uint32_t i = 0; i < a->n; i++) {
			const struct jsd_member *m = &a->u.members[i];
			const struct jsd *bv = jsd_object_get(b, m->key, m->klen);
			if (!bv || !equal_depth(&m->val, bv, depth + 1))
				return 0;
		}
		return 1;
	default: /* true, false, null: same type means equal */
		return 1;
	}
}

int jsvalue_equal(const struct jsd *a, const struct jsd *b)
{
	return equal_depth(a, b, 0);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t hash_depth(const struct jsd *v, int depth)
{
	if (depth > JSVALUE_MAX_DEPTH)
		return 0;
	switch (v->type) {
	case JSD_INT:
	case JSD_REAL: {
		/* Equal numbers must hash alike whatever their representation: hash
		 * the double value; integers beyond 2^53 then share buckets with
		 * their neighbours, which equality sorts out. */
		double d = v->type == JSD_INT ? (double)v->u.i : v->u.d;
		if (d == 0)
			d = 0; /* -0.0 == 0.0 */
		uint64_t bits;
		memcpy(&bits, &d, sizeof bits);
		return mix(3, bits);
	}
	case JSD_STRING:
		return mix(4, hash_bytes(v->u.s, v->n));
	case JSD_ARRAY: {
		uint64_t h = 5;
		for (uint32_t i = 0; i < v->n; i++)
			h = mix(h, hash_depth(&v->u.items[i], depth + 1));
		return h;
	}
	case JSD_OBJECT: {
		uint64_t h = 6;
		for (uint32_t i = 0; i < v->n; i++) {
			const struct jsd_member *m = &v->u.members[i];
			/* Order-independent: sum the member hashes. */
			h += mix(hash_bytes(m->key, m->klen), hash_depth(&m->val, depth + 1));
		}
		return h;
	}
	case JSD_TRUE:
		return 7;
	case JSD_FALSE:
		return 8;
	default:
		return 9;
	}
}

uint64_t jsvalue_hash(const struct jsd *v)
{
	return hash_depth(v, 0);
}

size_t jsvalue_utf8_len(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

/* A bounded output buffer: writes past `cap` - 4 bytes set `full`, and the
 * text then ends in "...". */
struct rbuf {
	char *p;
	size_t n, cap;
	int full;
};

static void rput(struct rbuf *b, const char *s, size_t n)
{
	if (b->full)
		return;
	if (b->n + n > b->cap - 4) {
		size_t keep = b->cap - 4 - b->n;
		/* Never cut a UTF-8 sequence in half. */
		while (keep > 0 && keep < n && ((unsigned char)s[keep] & 0xC0) == 0x80)
			keep--;
		memcpy(b->p + b->n, s, keep);
		b->n += keep;
		memcpy(b->p + b->n, "...", 4);
		b->full = 1;
		return;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void rstring(struct rbuf *b, const char *s, size_t n)
{
	rput(b, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n && !b->full; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		rput(b, s + run, i - run);
		char esc[8];
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof esc, "\\%c", c);
		else if (c == '\n')
			snprintf(esc, sizeof esc, "\\n");
		else
			snprintf(esc, sizeof esc, "\\u%04x", c);
		rput(b, esc, strlen(esc));
		run = i + 1;
	}
	rput(b, s + run, n - run);
	rput(b, "\"", 1);
}

static void rvalue(struct rbuf *b, const struct jsd *v, int depth)
{
	char tmp[40];
	if (b->full)
		return;
	switch (v->type) {
	case JSD_INT:
		snprintf(tmp, sizeof tmp, "%" PRId64, v->u.i);
		rput(b, tmp, strlen(tmp));
		return;
	case JSD_REAL: {
		double d = v->u.d;
		snprintf(tmp, sizeof tmp, "%.17g", d);
		/* The shortest form that reads back as the same double. */
		for (int prec = 1; prec < 17; prec++) {
			char t[40];
			snprintf(t, sizeof t, "%.*g", prec, d);
			if (strtod(t, NULL) == d) {
				memcpy(tmp, t, sizeof t);
				break;
			}
		}
		if (!strpbrk(tmp, ".eEni"))
			strcat(tmp, ".0");
		rput(b, tmp, strlen(tmp));
		return;
	}
	case JSD_STRING:
		rstring(b, v->u.s, v->n);
		return;
	case JSD_TRUE:
		rput(b, "true", 4);
		return;
	case JSD_FALSE:
		rput(b, "false", 5);
		return;
	case JSD_NULL:
		rput(b, "null", 4);
		return;
	case JSD_ARRAY:
		if (depth > 8 && v->n) {
			rput(b, "[...]", 5);
			return;
		}
		rput(b, "[", 1);
		for (uint32_t i = 0; i < v->n && !b->full; i++) {
			if (i)
				rput(b, ",", 1);
			rvalue(b, &v->u.items[i], depth + 1);
		}
		rput(b, "]", 1);
		return;
	default:
		if (depth > 8 && v->n) {
			rput(b, "{...}", 5);
			return;
		}
		rput(b, "{", 1);
		for (uint32_t i = 0; i < v->n && !b->full; i++) {
			if (i)
				rput(b, ",", 1);
			rstring(b, v->u.members[i].key, v->u.members[i].klen);
			rput(b, ":", 1);
			rvalue(b, &v->u.members[i].val, depth + 1);
		}
		rput(b, "}", 1);
		return;
	}
}

const char *jsvalue_render(const struct jsd *v, char *buf, size_t cap)
{
	struct rbuf b = {buf, 0, cap, 0};
	buf[0] = '\0';
	rvalue(&b, v, 0);
	return buf;
}

const char *jsvalue_type_word(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}
