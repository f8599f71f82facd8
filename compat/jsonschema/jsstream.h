/* compat/jsonschema/jsstream.h: one-pass validation of raw JSON bytes: no document is
 * built. Internal to compat/: jsonschema.c is the only user.
 *
 * The reader walks the text once. It checks every scalar through the
 * evaluator itself (the `leaf` callback, which runs the node's keywords,
 * applicators included, on that one value), and checks objects and arrays
 * itself, which it can do when their nodes use only "type", "properties" (at
 * most 64, no patternProperties) with "additionalProperties" and "required"
 * folded into the properties' mask, min/maxProperties, "items" /
 * "prefixItems" / "additionalItems", min/maxItems and keywords that do
 * nothing to containers. An anyOf or oneOf whose branches all exclude the
 * container's type but one ({"anyOf": [{"$ref": "#/$defs/Address"},
 * {"type": "null"}]}, what generators write for an optional record) passes
 * the container to that branch, and so does an allOf whose other branches
 * have no keywords ({"allOf": [{"$ref": ...}]}, what pydantic 1 writes
 * around a described field). A schema has a one-pass form when every
 * node a container can reach that way is one of these; schemas with
 * $dynamicRef or $recursiveRef have none. That covers the schemas producers
 * register for events: records of typed, optional and nested fields.
 *
 * The answer is one-sided. 1 means valid, exactly as the full evaluator
 * over a compat/jsdoc document would say, within the same depth and step
 * limits: the text is read by the same lexer (compat/jslex), scalars are
 * checked by the evaluator's own code, and the reader counts depth and
 * steps as the evaluator does. 0 means "not shown": the document is
 * invalid, or malformed, or needs something this reader does not do (an
 * escaped object key, a long escaped string, more than 32 unknown keys in
 * one object, containers nested JSSTREAM_MAX_DEPTH deep, a keyword such as
 * const, allOf or uniqueItems on a container). The caller then runs the
 * full evaluator, which also says why.
 */
#ifndef SG_JSSTREAM_H
#define SG_JSSTREAM_H

#include <stddef.h>

#include "compat/jsonschema/jscompile.h"
#include "compat/jsonschema/jsdoc.h"

/* Containers nested deeper than this are left to the full evaluator. */
#define JSSTREAM_MAX_DEPTH 64

/* Checks scalar `x` against every keyword of node `n` (a JSNODE_SCHEMA),
 * which the evaluator enters at depth `depth` after counting it in *steps:
 * subschemas evaluated on the way add to *steps. Returns 1 when valid, 0
 * when not (or past the limits). */
typedef int (*jsstream_leaf_fn)(void *ctx, const struct jsnode *n, const struct jsd *x,
                                unsigned depth, unsigned long *steps);

/* A one-pass plan: how each node a container can reach meets objects and
 * arrays, worked out once. Borrows the graph; free it before the graph. */
struct jsstream;

/* Plans the graph reachable from `root` (whose node ids are below `nnodes`,
 * and which has no dynamic references). Returns 1 with the plan in *out
 * (free with jsstream_free()), 0 when the graph has no one-pass form, or -1
 * out of memory; *out is NULL unless 1. */
int jsstream_plan(const struct jsnode *root, size_t nnodes, struct jsstream **out);
void jsstream_free(struct jsstream *plan);

/* Reads the `len` bytes at `buf` against the planned graph, calling `leaf`
 * for each scalar a keyword looks at. Returns 1
 * (valid) or 0 (not shown). The full evaluator's limits hold here too: an
 * evaluation `max_depth` deep, or more than `max_steps` of them, is not
 * shown. Never allocates; recursion is bounded by JSSTREAM_MAX_DEPTH. */
int jsstream_valid(const struct jsstream *plan, const char *buf, size_t len, unsigned max_depth,
                   unsigned long max_steps, jsstream_leaf_fn leaf, void *ctx);

#endif
