/* compat/jsonschema/jsondiff_context.h: the state of one JSON Schema
 * comparison, as Confluent's SchemaDiff keeps it in its Context class: the
 * path being compared, the differences found under it, and the limits every
 * pass shares. Internal to the differ (jsondiff.c).
 *
 * Errors: functions returning int return 0, or -1 after recording the error
 * in the shared state (jd_fail(): SG_ENOMEM, or SG_ELIMIT past the memory
 * or step limit; the first error wins).
 *
 * Ownership: a context owns its path and its differences (jd_ctx_free()
 * releases them); a list owns its paths (jd_list_free()).
 */
#ifndef SG_JSONDIFF_CONTEXT_H
#define SG_JSONDIFF_CONTEXT_H

#include <stddef.h>

#include "compat/error.h"
#include "compat/jsonschema/jsondiff_model.h"

/* One difference: a Difference type (enum jd_type) at a path. */
struct jd_diff {
	int type;
	char *path;
};

struct jd_list {
	struct jd_diff *v;
	size_t n, cap;
};

/* Limits and state shared by every pass of one comparison. */
struct jd_shared {
	struct jdm_space *space;
	struct sg_error *err;
	int failed;
	unsigned long steps, max_steps;
	size_t bytes, max_bytes;
	int depth;
};

/* The pair memo of one pass (jsondiff.c): the differences of each pair of
 * nodes compared, relative to the pair. */
struct jd_entry {
	const struct jdm_node *o, *u;
	int done;
	struct jd_list diffs;
};

struct jd_table {
	struct jd_entry **v;
	size_t n, cap;
};

/* One pass over the two schemas. */
struct jd_run {
	struct jd_shared *sh;
	int lenient;
	struct jd_table memo;
	const struct jd_table *seed; /* the previous pass, whose incompatible pairs are trusted */
	int optimism;                /* a cycle was assumed compatible */
};

/* Confluent's Context: the path being compared and the differences found. */
struct jd_ctx {
	struct jd_run *run;
	char *path; /* "#/" + segments joined by "/" */
	size_t len, cap;
	size_t *marks; /* path length before each segment */
	size_t nmarks, capmarks;
	struct jd_list diffs;
};

/* Records an error (the first one wins) and marks the comparison failed.
 * Returns -1. */
__attribute__((format(printf, 3, 4))) int jd_fail(struct jd_shared *sh, int code, const char *fmt,
                                                  ...);

/* Counts `n` bytes against the memory limit. */
int jd_charge(struct jd_shared *sh, size_t n);

/* Counts `n` steps against the step limit. */
int jd_step(struct jd_shared *sh, unsigned long n);

/* 1 when every difference in `l` is compatible under the run's policy. */
int jd_list_compatible(const struct jd_run *run, const struct jd_list *l);
void jd_list_free(struct jd_list *l);

/* A context at the root ("#/") with no differences. */
int jd_ctx_init(struct jd_ctx *c, struct jd_run *run);
void jd_ctx_free(struct jd_ctx *c);

/* Context.getSubcontext(): a new context `c` at the path of `parent`, with
 * no differences. */
int jd_ctx_sub(const struct jd_ctx *parent, struct jd_ctx *c);

/* Enters path segment `seg` (as written, unescaped); jd_pop() leaves it. */
int jd_push(struct jd_ctx *c, const char *seg);
void jd_pop(struct jd_ctx *c);

/* Adds a difference of `type` at the current path, or at the current path
 * plus segment `attr`. */
int jd_add(struct jd_ctx *c, int type);
int jd_add_at(struct jd_ctx *c, const char *attr, int type);

/* Context.addDifferences(): appends differences whose paths are already full. */
int jd_add_all(struct jd_ctx *c, const struct jd_list *l);

/* Moves the differences of a finished subcontext into `c` and frees `sub`. */
int jd_take_all(struct jd_ctx *c, struct jd_ctx *sub);

/* Context.addDifferencesRebased(): differences with pair-relative paths
 * ("#/..."), appended onto the current path. */
int jd_add_rebased(struct jd_ctx *c, const struct jd_list *rel);

#endif
