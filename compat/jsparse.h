/* compat/jsparse.h: a fast, strict JSON parser that builds jansson values.
 *
 * It accepts exactly RFC 8259 JSON (any value at the top level, surrounded by
 * optional whitespace) and produces the same jansson values json_loadb()
 * would with JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, with
 * two deliberate differences:
 * - an integer literal beyond json_int_t becomes a real (a double) instead
 *   of an error; a real beyond the double range is still an error;
 * - nesting deeper than JSPARSE_MAX_DEPTH is an error (jansson's own limit
 *   is the same, 2048).
 * Strings must be valid UTF-8 (no surrogates, no overlong forms); escapes
 * must be well formed, and \uD800-\uDFFF only as a high-low pair.
 * Duplicate object keys are an error, and so is a NUL character (\u0000) in
 * an object key (allowed in string values): a consumer reading keys as C
 * strings would see a different key than the one validated.
 *
 * It reads through a bounded cursor and never reads past `len`. The parse is
 * recursive, one level of C recursion per level of nesting.
 *
 * Ownership: returns a new reference, or NULL with the reason in `err`
 * (SG_EBAD_REQUEST with line, column and what was expected; SG_ENOMEM).
 * The number parser honours only '.' as the decimal point, whatever the
 * locale.
 */
#ifndef SG_JSPARSE_H
#define SG_JSPARSE_H

#include <stddef.h>
#include <jansson.h>

#include "compat/error.h"

#define JSPARSE_MAX_DEPTH 2048

json_t *jsparse(const char *buf, size_t len, struct sg_error *err);

#endif
