/* compat/jsonschema/jslex.h: the tokens of strict RFC 8259 JSON, read through a bounded
 * cursor. Two readers share it: the document parser (compat/jsdoc) and the
 * one-pass validator (compat/jsstream), so both accept exactly the same
 * text.
 *
 * The payload policy (compat/jsonschema/jsonschema.h): strings must be valid UTF-8 (no
 * surrogates, no overlong forms) without raw control characters, and
 * \uD800-\uDFFF may appear only as a high-low pair; integer literals beyond
 * int64 become reals; reals beyond the double range are errors; '.' is the
 * decimal point whatever the locale.
 *
 * Errors: the first error sets `failed` and, when the cursor was given an
 * sg_error, SG_EBAD_REQUEST with the line, column and what was wrong (or
 * SG_ENOMEM). A cursor with no sg_error only fails, which costs nothing.
 * Nothing here reads before `start` or at or past `end`, or keeps state
 * beyond the cursor.
 */
#ifndef SG_JSLEX_H
#define SG_JSLEX_H

#include <stddef.h>
#include <stdint.h>

#include "compat/error.h"

struct jslex {
	const unsigned char *p, *start, *end;
	struct sg_error *err; /* may be NULL */
	int failed;
};

/* A string token: its raw body between the quotes (escapes not decoded). */
struct jslex_str {
	const char *raw;
	size_t len;
	int escaped; /* the body holds at least one backslash escape */
};

/* A number token, in the representation it was written in. */
struct jslex_num {
	int is_int;
	int64_t i;
	double d;
};

void jslex_init(struct jslex *lx, const char *buf, size_t len, struct sg_error *err);

/* Fails with `what` at `at` (or at the cursor). Returns -1. */
int jslex_fail_at(struct jslex *lx, const unsigned char *at, const char *what);
int jslex_fail(struct jslex *lx, const char *what);
int jslex_nomem(struct jslex *lx);

/* Skips JSON whitespace. */
static inline void jslex_ws(struct jslex *lx)
{
	while (lx->p < lx->end &&
	       (*lx->p == ' ' || *lx->p == '\n' || *lx->p == '\r' || *lx->p == '\t'))
		lx->p++;
}

/* Scans the string whose opening quote is at the cursor: checks UTF-8 and
 * control characters and moves past the closing quote. Escapes are found
 * but their letters are checked by jslex_unescape(). Returns 0 or -1. */
int jslex_string(struct jslex *lx, struct jslex_str *s);

/* Decodes the escapes of string `s` into `out`, which has room for s->len
 * bytes (decoding only shrinks). Returns the decoded length, or -1 (an
 * invalid escape or an unpaired surrogate). Sets *nul when a \u0000 appears. */
long jslex_unescape(struct jslex *lx, const struct jslex_str *s, char *out, int *nul);

/* Reads the number at the cursor (which is at '-' or a digit). Returns 0
 * or -1. */
int jslex_number(struct jslex *lx, struct jslex_num *n);

/* Consumes `word` ("true", "false", "null") when the cursor is at it.
 * Returns 1, or 0 leaving the cursor alone. */
int jslex_literal(struct jslex *lx, const char *word, size_t n);

#endif
