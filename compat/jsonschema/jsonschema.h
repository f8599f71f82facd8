/* compat/jsonschema/jsonschema.h: JSON Schema validation (drafts 4, 6, 7, 2019-09 and
 * 2020-12) on jansson values: compile a schema once, validate many documents.
 *
 * The draft comes from the schema's "$schema"; without one, the options'
 * default draft applies (draft-07 unless set, as Confluent does). Every
 * keyword of each draft is supported, including "$dynamicRef",
 * "$recursiveRef", "unevaluatedProperties"/"unevaluatedItems" and custom
 * meta-schemas' "$vocabulary". "format" is an annotation unless format
 * assertion is switched on (or the 2020-12 format-assertion vocabulary is
 * used). Patterns are ECMA-262, run on PCRE2 under match limits.
 *
 * Ownership: jsonschema_compile() takes its own references to the schema and
 * to every named or resolved schema; the caller keeps (and frees) theirs but
 * must not modify them while the validator lives. Documents passed to
 * jsonschema_validate() are borrowed for the duration of the call.
 *
 * Threads: a compiled struct jsonschema is immutable (but for a few spare
 * PCRE2 match buffers it hands out and takes back with atomic exchanges).
 * Any number of threads may call jsonschema_validate*() on it at once, each
 * with its own report.
 * Compilation calls the resolver on the compiling thread only.
 *
 * Parsing raw bytes (jsonschema_parse(), jsonschema_validate_bytes(), both
 * through compat/jsdoc, a strict RFC 8259 parser; validate_bytes() builds no
 * jansson values at all, and needs no allocation for a few kilobytes of
 * JSON):
 * - duplicate object keys are rejected: a gateway must not let a consumer
 *   read a different value than the one validated;
 * - NUL characters (\u0000) are allowed in string values, as JSON allows
 *   them, but not in object keys (as jansson; a key would read differently
 *   as a C string);
 * - integers beyond 64 bits become reals (doubles) instead of failing, so
 *   "type": "number" and range checks work on them; smaller integers stay
 *   exact; reals beyond the double range are rejected;
 * - nesting deeper than 2048 levels (JSD_MAX_DEPTH, as jansson's own limit)
 *   is a parse error, never a crash; a json_t document deeper than that is
 *   invalid with a "depth" error.
 * Integer semantics: from draft 6 on, a real with no fractional part (1.0)
 * is an integer; in draft 4 only integer literals are. 1 and 1.0 are equal
 * in "enum", "const" and "uniqueItems" in every draft.
 */
#ifndef SG_JSONSCHEMA_H
#define SG_JSONSCHEMA_H

#include <stddef.h>
#include <jansson.h>

#include "compat/error.h"
#include "compat/report.h"

enum jsonschema_draft {
	JSONSCHEMA_DRAFT_DEFAULT = 0, /* draft-07 */
	JSONSCHEMA_DRAFT4 = 4,
	JSONSCHEMA_DRAFT6 = 6,
	JSONSCHEMA_DRAFT7 = 7,
	JSONSCHEMA_DRAFT2019_09 = 2019,
	JSONSCHEMA_DRAFT2020_12 = 2020,
};

/* Default limit on nested evaluation (instance depth plus schema nesting),
 * past which validation stops with a "depth" error. */
#define JSONSCHEMA_MAX_DEPTH 1000

/* Default budget of subschema evaluations for one document. Schemas whose
 * applicators nest through shared "$ref"s can take time exponential in their
 * size; past the budget validation stops with a "limit" error, so one
 * message costs bounded CPU. jsonschema_validate_bytes() adds 32 steps per
 * input byte, so large documents are not penalised. */
#define JSONSCHEMA_MAX_STEPS 2000000

/* Fetches the schema document at absolute `uri` (no fragment) for a "$ref"
 * or "$schema" that no loaded schema defines. Returns a new reference, or
 * NULL when the URI is unknown. Called during jsonschema_compile() only. The
 * official meta-schemas are bundled and never asked for. */
typedef json_t *(*jsonschema_resolver_fn)(void *ctx, const char *uri);

/* A schema known by name, as Confluent's schema references are: a "$ref"
 * whose URI (as written, or resolved against the referring schema's base)
 * equals `name` resolves to `schema` (which may use fragments of its own). */
struct jsonschema_named {
	const char *name;
	const json_t *schema;
};

struct jsonschema_options {
	enum jsonschema_draft draft;     /* when "$schema" is absent */
	int format_assert;               /* 1: "format" asserts; 0: annotation */
	jsonschema_resolver_fn resolver; /* may be NULL */
	void *resolver_ctx;
	const struct jsonschema_named *named; /* `nnamed` entries, may be NULL */
	size_t nnamed;
	unsigned max_depth;      /* 0: JSONSCHEMA_MAX_DEPTH */
	unsigned long max_steps; /* 0: JSONSCHEMA_MAX_STEPS */
};

struct jsonschema;
struct jsregex_scratch;

/* Compiles `schema` (an object or a boolean). `opts` may be NULL for the
 * defaults. Every "$ref" is resolved and every pattern compiled here. On
 * failure returns NULL and sets `err`: SG_EINVALID_SCHEMA with what and where
 * (a malformed keyword, an unresolvable "$ref", a bad pattern, a "$ref" cycle
 * that never reaches the instance), SG_ELIMIT for a schema nested too deep, or
 * SG_ENOMEM. */
struct jsonschema *jsonschema_compile(const json_t *schema, const struct jsonschema_options *opts,
                                      struct sg_error *err);
void jsonschema_free(struct jsonschema *v);

/* Validates `doc`. Returns 1 when valid, 0 when invalid, -1 on an internal
 * error (out of memory). With a report, every error found is appended (up to
 * the report's limit): type = the keyword ("minimum", "required", ...),
 * location = the instance's JSON pointer ("" for the root), message = a
 * sentence ending with the schema location, such as
 * `-5 is less than the minimum of 0 (at #/properties/amount/minimum)`.
 * With `r` == NULL validation stops at the first error (fastest). A document
 * nested deeper than the depth limit is invalid with a "depth" error; one
 * that exhausts the step budget is invalid with a "limit" error. */
int jsonschema_validate(const struct jsonschema *v, const json_t *doc, struct report *r);

/* Parses `len` bytes of JSON (see the parsing rules above) and validates the
 * result. A parse failure is invalid (0) with one "parse" error. When the
 * schema allows, one pass over the bytes shows a valid document valid
 * without building anything (compat/jsstream); other documents, and
 * invalid ones, take the full path. */
int jsonschema_validate_bytes(const struct jsonschema *v, const char *buf, size_t len,
                              struct report *r);

/* jsonschema_validate_bytes() with the caller's own PCRE2 match buffer: a
 * thread that validates many documents keeps one `*rx` (NULL at first,
 * allocated on first use, freed with jsregex_scratch_free()) instead of
 * taking one of the validator's shared buffers each time, which costs two
 * atomic operations on a cache line every thread touches. */
int jsonschema_validate_bytes_rx(const struct jsonschema *v, const char *buf, size_t len,
                                 struct report *r, struct jsregex_scratch **rx);

/* The one-pass check that jsonschema_validate_bytes() tries first (see
 * compat/jsonschema/jsstream.h), alone: 1 when it shows the document valid, 0 when it
 * does not (the document is invalid, or needs the full evaluator), -1 when
 * the schema has no one-pass form. Its 1 is exact; tests hold it to the
 * full evaluator's verdict. */
int jsonschema_validate_stream(const struct jsonschema *v, const char *buf, size_t len);

/* Parses `len` bytes of JSON by the rules above. Returns a new reference, or
 * NULL with SG_EBAD_REQUEST (malformed, duplicate key, too deep) or SG_ENOMEM
 * in `err`. */
json_t *jsonschema_parse(const char *buf, size_t len, struct sg_error *err);

/* Validates `schema` against the meta-schema of its draft ("$schema", or
 * draft-07 when absent). Returns 0 when it conforms, or -1 with
 * SG_EINVALID_SCHEMA and the first violation ("schema at /properties/a/type:
 * ...") in `err` (also for an unknown "$schema"), or SG_ENOMEM. */
int jsonschema_check_meta(const json_t *schema, struct sg_error *err);

#endif
