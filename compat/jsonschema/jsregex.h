/* compat/jsonschema/jsregex.h: ECMA-262 regular expressions ("pattern",
 * "patternProperties", format "regex") on PCRE2.
 *
 * Patterns are translated to PCRE2 syntax with ECMA-262 "u"-mode meaning
 * where the two differ: "\s" is ECMA whitespace, "." excludes every line
 * terminator, "$" matches only at the very end, "\uXXXX" and "\u{X...}" are
 * code points (surrogate pairs combined), long Unicode property names such as
 * "\p{Letter}" are accepted, "[^]" matches anything, and escapes ECMA does not
 * define (such as "\a" or "\Z") are errors. "\d" and "\w" stay ASCII, as in
 * ECMA-262.
 *
 * Matching is bounded: every match runs under a match limit, a backtracking
 * depth limit and a heap limit, so a hostile pattern ("(a+)+$") cannot hang
 * the caller; hitting a limit is reported as an error, never as a match.
 *
 * Threads: a compiled struct jsregex is immutable and may be matched from
 * many threads at once; each thread passes its own struct jsregex_scratch.
 */
#ifndef SG_JSREGEX_H
#define SG_JSREGEX_H

#include <stddef.h>

/* Longest pattern accepted, in bytes. */
#define JSREGEX_MAX_PATTERN 16384

struct jsregex;
/* Per-thread matching state (PCRE2 match data), created on first use. */
struct jsregex_scratch;

/* Compiles the ECMA-262 pattern of `n` bytes at `pat`. Returns NULL when it
 * is invalid (with a reason in `why`, of size `whycap`) or when memory ran
 * out (then *nomem is set to 1; `nomem` may be NULL). */
struct jsregex *jsregex_compile(const char *pat, size_t n, int *nomem, char *why, size_t whycap);
void jsregex_free(struct jsregex *re);

/* The pattern as written in the schema (NUL-terminated). */
const char *jsregex_source(const struct jsregex *re);

/* Searches the `n` bytes of UTF-8 at `s` (unanchored). Returns 1 when the
 * pattern matches, 0 when not, -1 when a match limit was hit, -2 when memory
 * ran out.
 * `*scratch` starts as NULL and is allocated on first use; release it with
 * jsregex_scratch_free(). */
int jsregex_match(const struct jsregex *re, const char *s, size_t n,
                  struct jsregex_scratch **scratch);
void jsregex_scratch_free(struct jsregex_scratch *scratch);

#endif
