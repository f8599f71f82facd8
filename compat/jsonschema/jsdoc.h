/* compat/jsonschema/jsdoc.h: a read-only JSON document built for validation.
 *
 * A document is a tree of struct jsd values in one arena: containers hold
 * their children in contiguous arrays, objects with more than 16 members
 * carry a hash index, and strings point straight into the parsed text when
 * they have no escapes. Parsing a small message allocates nothing when the
 * arena starts on a caller's stack buffer.
 *
 * Parsing (jsd_parse) accepts exactly RFC 8259 JSON (any value at the top,
 * optional surrounding whitespace) with the payload policy of
 * compat/jsonschema/jsonschema.h: duplicate keys and NUL characters in keys are errors
 * (NUL is fine in string values); strings must be valid UTF-8 (no
 * surrogates, no overlong forms) and \uD800-\uDFFF only as a high-low pair;
 * integer literals beyond int64 become reals; reals beyond the double range
 * are errors; nesting deeper than JSD_MAX_DEPTH is an error. '.' is the
 * decimal point whatever the locale. Tokens come from compat/jslex, which
 * reads through a bounded cursor and never past `len`; the parser recurses
 * once per nesting level.
 *
 * Ownership: every value lives in the arena (and may point into the parsed
 * text or the converted json_t), so it is valid until jsd_arena_free() and
 * while that input lives. jsd_to_json() returns a new jansson reference.
 * Nothing here keeps global state.
 */
#ifndef SG_JSDOC_H
#define SG_JSDOC_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "compat/error.h"

#define JSD_MAX_DEPTH 2048

enum jsd_type {
	JSD_NULL,
	JSD_FALSE,
	JSD_TRUE,
	JSD_INT,
	JSD_REAL,
	JSD_STRING,
	JSD_ARRAY,
	JSD_OBJECT,
};

struct jsd_member;

struct jsd {
	uint8_t type; /* enum jsd_type */
	uint32_t n;   /* string bytes, array items, object members */
	union {
		int64_t i;
		double d;
		const char *s; /* not NUL-terminated; may contain NUL */
		const struct jsd *items;
		const struct jsd_member *members;
	} u;
	const uint32_t *index; /* objects over 16 members: index + 1 by key hash */
};

struct jsd_member {
	const char *key;
	uint32_t klen;
	struct jsd val;
};

/* An arena: chunks from malloc after an optional first buffer the caller
 * provides (typically on its stack). */
struct jsd_arena {
	unsigned char *cur;
	size_t used, cap;
	void *chunks; /* malloc'd chunks, freed by jsd_arena_free */
};

void jsd_arena_init(struct jsd_arena *a, void *buf, size_t cap);
void jsd_arena_free(struct jsd_arena *a);

/* Parses `len` bytes at `buf`. Returns the root (valid while `buf` and the
 * arena live), or NULL with SG_EBAD_REQUEST (line, column and what was
 * expected) or SG_ENOMEM in `err`. */
const struct jsd *jsd_parse(struct jsd_arena *a, const char *buf, size_t len, struct sg_error *err);

struct jslex;

/* Reads the scalar (string, number, true, false, null) at the cursor of
 * `lx` (compat/jslex; not at its end) into *out, moving past it. An escaped
 * string is decoded into `buf` when its raw body fits in `cap` bytes, else
 * into arena `a`; with `a` NULL a longer one is refused with no error set.
 * Returns 0, or -1 (a syntax error in `lx`, out of memory, or refused). */
int jsd_scalar(struct jslex *lx, struct jsd_arena *a, char *buf, size_t cap, struct jsd *out);

/* Views jansson value `v` as a document (strings and keys are borrowed from
 * `v`). Returns NULL with SG_ELIMIT when `v` nests deeper than `max_depth`,
 * or SG_ENOMEM. */
const struct jsd *jsd_from_json(struct jsd_arena *a, const json_t *v, unsigned max_depth,
                                struct sg_error *err);

/* A new jansson value equal to `d`, or NULL when out of memory. */
json_t *jsd_to_json(const struct jsd *d);

/* The member named `k` (`n` bytes) of object `o`, or NULL. */
const struct jsd *jsd_object_get(const struct jsd *o, const char *k, size_t n);

#endif
