/* compat/jsstream.h: one-pass validation of raw JSON bytes, for schemas whose
 * checks can all be decided while the text is read: no document is built.
 * Internal to compat/: jsonschema.c is the only user.
 *
 * A schema has a one-pass form when every node reachable from its root uses
 * only "type", the scalar keywords (const, enum, bounds, multipleOf,
 * lengths, pattern, format), "properties" (at most 64) with
 * "additionalProperties", "required" folded into the properties' mask,
 * min/maxProperties, "items"/"prefixItems"/"additionalItems" and
 * min/maxItems. Those are the schemas producers register for events: flat
 * or nested records of typed fields. Applicators (allOf, anyOf, oneOf, not,
 * if), patternProperties, uniqueItems, contains, dependencies, dynamic
 * references and unevaluated* have no one-pass form.
 *
 * The answer is one-sided. 1 means valid, exactly as the full evaluator
 * over a compat/jsdoc document would say: the text is read by the same
 * lexer (compat/jslex), every scalar is checked by the evaluator itself
 * through `leaf`, and every container keyword is checked here. 0 means "not
 * shown": the document is invalid, or malformed, or needs something this
 * reader does not do (an escaped object key, a long escaped string, more
 * than 32 unknown keys in one object, nesting past JSSTREAM_MAX_DEPTH, a
 * const or enum on an object or array). The caller then runs the full
 * evaluator, which also says why.
 */
#ifndef SG_JSSTREAM_H
#define SG_JSSTREAM_H

#include <stddef.h>

#include "compat/jscompile.h"
#include "compat/jsdoc.h"

/* Containers nested deeper than this are left to the full evaluator. */
#define JSSTREAM_MAX_DEPTH 64

/* Checks scalar `x` against every keyword of node `n` (a JSNODE_SCHEMA).
 * Returns 1 when valid, 0 when not. */
typedef int (*jsstream_leaf_fn)(void *ctx, const struct jsnode *n, const struct jsd *x);

/* Whether the graph reachable from `root` (whose node ids are below
 * `nnodes`) has a one-pass form. Returns 1, 0, or -1 out of memory. */
int jsstream_plan(const struct jsnode *root, size_t nnodes);

/* Reads the `len` bytes at `buf` against `root` (a graph jsstream_plan()
 * accepted), calling `leaf` for each scalar a keyword looks at. Returns 1
 * (valid) or 0 (not shown). The full evaluator's limits hold here too: a
 * value nested `max_depth` levels deep, or more than `max_steps` values
 * checked against a schema node, is not shown. Never allocates; recursion
 * is bounded by JSSTREAM_MAX_DEPTH. */
int jsstream_valid(const struct jsnode *root, const char *buf, size_t len, unsigned max_depth,
                   unsigned long max_steps, jsstream_leaf_fn leaf, void *ctx);

#endif
