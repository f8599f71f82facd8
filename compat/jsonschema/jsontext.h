/* compat/jsonschema/jsontext.h: JSON text rewritten compactly the way Confluent's Jackson
 * writes it, so a JSON Schema's canonical string is what a Confluent registry
 * would store and return.
 *
 * The rewrite works on the text, not on a parsed value, because Jackson keeps
 * numbers exactly (BigDecimal): "0.1" stays 0.1, "1.50" stays 1.50, "1e10"
 * becomes 1E+10 (Java's BigDecimal.toString()). Whitespace is dropped; strings
 * are decoded and written again with only the escapes JSON needs ('"', '\\',
 * and control characters; "\/" becomes "/", "\u0041" becomes "A"). With
 * `sorted`, object members are ordered by key, recursively (Confluent's
 * normalize()).
 *
 * Input must be one JSON value (validate it first; jansson rejects what this
 * would). Nesting deeper than JSONTEXT_MAX_DEPTH fails. Pure; thread-safe.
 */
#ifndef SG_JSONTEXT_H
#define SG_JSONTEXT_H

#include <stddef.h>
#include "compat/error.h"

#define JSONTEXT_MAX_DEPTH 2048

/* Returns a malloc'd NUL-terminated string, or NULL with `err` set
 * (SG_EINVALID_SCHEMA for text that is not JSON, SG_ELIMIT, SG_ENOMEM). */
char *jsontext_canonical(const char *text, size_t len, int sorted, struct sg_error *err);

#endif
