/* compat/jsonschema/jsuri.h: URI references and JSON pointers as JSON Schema's "$ref",
 * "$id" and "$anchor" use them.
 *
 * URIs are resolved by RFC 3986 section 5 and compared as strings; nothing is
 * fetched. A base may be empty or relative (a schema without "$id" has no
 * absolute base), and the result is then relative too.
 *
 * Ownership: functions returning `char *` return a string the caller frees
 * with free(), or NULL when out of memory (or, where stated, on bad input).
 * Nothing else allocates; JSON values returned are borrowed from the input.
 */
#ifndef SG_JSURI_H
#define SG_JSURI_H

#include <stddef.h>
#include <jansson.h>

/* Resolves reference `ref` against `base` (RFC 3986 section 5.2.2, with dot
 * segments removed). An empty fragment ("x#") is dropped from the result. */
char *jsuri_resolve(const char *base, const char *ref);

/* Length of `uri` without its fragment: the offset of the first '#', or the
 * whole length. */
size_t jsuri_base_len(const char *uri);

/* Percent-decodes the `n` bytes at `s` into a new NUL-terminated string in
 * `*out` (freed by the caller), its length (which may include NUL bytes) in
 * `*outlen`. Returns 0, -1 when a '%' is not followed by two hex digits, or
 * -2 when out of memory. */
int jsuri_unescape(const char *s, size_t n, char **out, size_t *outlen);

/* Steps one reference token of a JSON pointer: `*p` points at the token's
 * '/' and is advanced past the token. `tok` must hold at least `end` - `*p`
 * bytes. Returns the child of `cur` the token names (borrowed), or NULL when
 * there is none or the token is malformed. */
json_t *jsuri_pointer_step(json_t *cur, const char **p, const char *end, char *tok);

#endif
