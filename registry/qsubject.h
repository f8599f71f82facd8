/* registry/qsubject.h: Confluent's qualified subjects (QualifiedSubject in
 * Confluent 8.1's client), the names that carry a schema context.
 *
 * A subject ":.orders:payments-value" is the subject "payments-value" of the
 * context ".orders"; a subject without that prefix is in the default context
 * ".". A qualified name with nothing after the context (":.orders:", or
 * ":.orders") names the context itself: config and mode set on it apply to
 * every subject of the context. ":*:" is the context wildcard, which a
 * listing's subjectPrefix uses to mean every context. The context ".__GLOBAL"
 * holds the config and mode that apply across contexts.
 *
 * Contexts are spelt with their leading dot (".orders"), as Confluent's
 * GET /contexts lists them. Every function here is pure (no I/O, no state)
 * and reads its input without copying it: views returned point into it.
 * Tenants (Confluent Cloud's multi-tenancy) are not modelled: every name is
 * in the default tenant.
 */
#ifndef SG_QSUBJECT_H
#define SG_QSUBJECT_H

#include <stddef.h>

#include "compat/error.h"

#define QSUBJECT_DEFAULT_CONTEXT "."
#define QSUBJECT_GLOBAL_CONTEXT  ".__GLOBAL"
#define QSUBJECT_WILDCARD        ":*:"

/* A qualified subject taken apart. `context` is not NUL-terminated: it is
 * `context_len` bytes, "." for the default context and "*" for the
 * wildcard. `subject` is the rest of the input (NUL-terminated), "" when the
 * name is a context alone. */
struct qsubject {
	const char *context;
	size_t context_len;
	const char *subject;
};

/* Takes `name` apart as QualifiedSubject's constructor does: ":.ctx:rest"
 * is context ".ctx" and subject "rest"; ":.ctx" (no second colon) is
 * context ".ctx" and subject ""; ":*:rest" is the wildcard with "rest";
 * anything else is the default context with `name` whole. Never fails. */
void qsubject_parse(const char *name, struct qsubject *out);

/* Whether `q` is in the default context. */
int qsubject_is_default(const struct qsubject *q);

/* Whether `name` is the default context itself (":.:", or ""), which
 * /config/{s} and /mode/{s} treat as the registry-wide setting
 * (QualifiedSubject.isDefaultContext). */
int qsubject_names_default_context(const char *name);

/* QualifiedSubject.isValidSubject: no ISO control character (U+0000..U+001F,
 * U+007F..U+009F), a subject other than "__GLOBAL" and "__EMPTY", and the
 * context ".__GLOBAL" only for a config or mode (`config_or_mode`). */
int qsubject_valid(const char *name, int config_or_mode);

/* Writes `name` in Confluent's normal form (QualifiedSubject.normalize):
 * the default context drops its prefix (":.:s" is "s"), any other context
 * keeps it with both colons (":.ctx" is ":.ctx:"). Returns the length, or -1
 * with `err` set (SG_ENOMEM) when it does not fit `cap` bytes. */
int qsubject_normalize(const char *name, char *out, size_t cap, struct sg_error *err);

/* ContextFilter's normalizeContext: the context of a /contexts/{context}/
 * URL prefix ("ctx", ".ctx", ":.ctx:") as the prefix of a qualified subject
 * (":.ctx:"), or "" for the default context. Fails with SG_EBAD_REQUEST and
 * Confluent's message "Context name cannot contain a colon" for a colon
 * inside the name, or SG_ENOMEM when it does not fit. Returns the length
 * or -1. */
int qsubject_context_prefix(const char *context, char *out, size_t cap, struct sg_error *err);

/* Whether `name` starts with a context (":." or the wildcard), as
 * ContextFilter asks before it prefixes a subject with the URL's context. */
int qsubject_has_context(const char *name);

/* Writes the context of `name` with its leading dot (".ctx", or "." for the
 * default context) into `out`. Returns the length, or -1 (SG_ENOMEM). */
int qsubject_context_of(const char *name, char *out, size_t cap, struct sg_error *err);

/* Resolves a reference's subject against the subject that refers to it
 * (QualifiedSubject.qualifySubjectWithParent): a qualified `ref` stays as it
 * is; an unqualified one takes the context of `parent`. Writes the result
 * in normal form. Returns the length, or -1 (SG_ENOMEM). */
int qsubject_resolve_ref(const char *parent, const char *ref, char *out, size_t cap,
                         struct sg_error *err);

/* Whether subject `name` falls in a listing by `prefix` as Confluent's
 * store ranges do: ":*:" alone admits every subject of every context;
 * ":*:p" admits the subjects of any context whose unqualified name starts
 * with "p"; a qualified prefix (":.ctx:p", or ":.ct" for every context
 * whose name starts with ".ct") admits the names that start with it; any
 * other prefix admits only default-context subjects that start with it
 * ("" is the whole default context, and ":.:p" is "p"). */
int qsubject_prefix_matches(const char *prefix, const char *name);

/* The bytes every subject qsubject_prefix_matches() admits for `prefix`
 * starts with: a store listing by that prefix, then filtered, finds them
 * all. Points into `prefix`, or is "". */
const char *qsubject_prefix_scan(const char *prefix);

#endif
