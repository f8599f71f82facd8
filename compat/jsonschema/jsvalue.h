/* compat/jsonschema/jsvalue.h: JSON values (compat/jsdoc documents) as JSON Schema
 * sees them.
 *
 * Documents keep integers (int64) and reals (double) apart; JSON Schema does
 * not: 1 and 1.0 are the same number, so they are equal in "enum", "const"
 * and "uniqueItems", and (from draft 6 on) 1.0 is an integer. These helpers
 * compare numbers exactly across both representations, so that
 * 9007199254740993 and 9007199254740992.0 differ as they should.
 *
 * Recursive helpers stop at JSVALUE_MAX_DEPTH levels of nesting; deeper
 * values compare unequal and hash alike, never overflowing the stack.
 * Nothing here allocates except where stated.
 */
#ifndef SG_JSVALUE_H
#define SG_JSVALUE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <jansson.h>

#include "compat/jsonschema/jsdoc.h"

#define JSVALUE_MAX_DEPTH 4096

/* A number, kept in the representation it was written in. */
struct jsnum {
	int is_int;
	int64_t i;
	double d;
};

/* Fills `n` from a number. Returns 0, or -1 when `v` is not a number. */
int jsvalue_num(const struct jsd *v, struct jsnum *n);
int jsvalue_num_json(const json_t *v, struct jsnum *n);

/* Compares two numbers exactly: -1, 0 or 1. */
int jsvalue_num_cmp(const struct jsnum *a, const struct jsnum *b);

/* Whether number `x` is a multiple of `m` (m > 0). Integers are exact; reals
 * use a relative tolerance of a few ulps so that 0.0075 is a multiple of
 * 0.0001; a quotient beyond 2^53 counts as whole, and one that overflows is
 * decided exactly on the binary values. */
int jsvalue_num_multiple(const struct jsnum *x, const struct jsnum *m);

/* Whether `v` is an integer: an integer literal, a real beyond the int64
 * range without a fraction (an integer literal too big to hold), or (when
 * `reals_count` is set, as in draft 6 and later) any finite real without a
 * fractional part. */
int jsvalue_is_integer(const struct jsd *v, int reals_count);

/* Whether real `d` is finite and has no fractional part. */
int jsvalue_real_is_whole(double d);

/* Equality as JSON Schema defines it (numbers by value, objects regardless of
 * key order, strings byte for byte including NUL). */
int jsvalue_equal(const struct jsd *a, const struct jsd *b);

/* jsvalue_equal() with strings, the common case of "enum" and "const",
 * compared in line. */
static inline int jsvalue_equal_fast(const struct jsd *a, const struct jsd *b)
{
	if (a->type == JSD_STRING && b->type == JSD_STRING)
		return a->n == b->n &&
		       (!a->n || (a->u.s[0] == b->u.s[0] && memcmp(a->u.s, b->u.s, a->n) == 0));
	return jsvalue_equal(a, b);
}

/* A hash consistent with jsvalue_equal(). */
uint64_t jsvalue_hash(const struct jsd *v);

/* How messages name the JSON type of a jansson value: "an object", "an
 * array", "a string", "an integer", "a number", "a boolean", "null". */
const char *jsvalue_type_word(const json_t *v);

/* Number of Unicode code points in the `n` bytes of UTF-8 at `s`. */
size_t jsvalue_utf8_len(const char *s, size_t n);

/* Writes a compact, human-readable rendering of `v` into `buf` of size `cap`
 * (at least 8), truncated with "..." past `cap`; containers nested deeper
 * than a few levels print as "[...]" / "{...}". Returns `buf`. */
const char *jsvalue_render(const struct jsd *v, char *buf, size_t cap);

#endif
