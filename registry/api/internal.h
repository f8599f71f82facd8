/* registry/api/internal.h: what the files of registry/api/ share; nothing
 * outside this folder includes it. The public header is registry/api.h.
 *
 * One file per resource, as Confluent splits them: metadata.c, schemas.c,
 * subjects.c, versions.c, register.c (POST /subjects/{subject}/versions),
 * compat.c, config.c, mode.c. api.c implements registry/api.h: it routes a
 * request to one of their handlers. What they share is declared below,
 * grouped by the file that defines it: the request in flight (request.c),
 * the schema a request proposes (candidate.c), what a compatibility check
 * reads (history.c), and a few helpers of the resources.
 *
 * Names: every name starts with api_ and then, but for request.c's helpers
 * that every handler uses (api_send, api_fail, api_query...), its file's
 * name: api_schemas_entity() is in schemas.c, api_cand_build() in
 * candidate.c.
 *
 * Conventions: a handler (api_fn) answers through c->resp and every path
 * through it sends exactly one response. A helper returning -1 either sent
 * the response ("response sent") or set `err` for its caller to send. JSON
 * values are new references unless said otherwise. Handlers run on many
 * server threads at once and share only struct api, whose caches are
 * thread-safe; a handler blocks only in the store (registry/store.h).
 */
#ifndef SG_API_INTERNAL_H
#define SG_API_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "compat/error.h"
#include "compat/schema.h"
#include "registry/auth.h"
#include "registry/http.h"
#include "registry/store.h"

struct compatreport_prev;
struct schemacache_item;

struct api {
	struct store *st; /* borrowed */
	size_t body_limit;
	struct idcache *ids;        /* bodies of GET /schemas/ids/{id}, by id */
	struct schemacache *parsed; /* parsed schemas, by id */
	char *types;                /* the GET /schemas/types body, immutable */
	struct auth_watch *auth;    /* borrowed; NULL: no authorization */
	int ui_open;                /* with auth: /ui/ needs no credentials */
	struct forward *forward;    /* borrowed; NULL: every write is handled here */
	/* api_options' catch_up and ready, with their log_ctx; NULL outside
	 * kafka mode. */
	int (*catch_up)(void *log_ctx);
	int (*ready)(void *log_ctx, char *why, size_t cap);
	void *log_ctx;
	/* api_forward_stats(), counted by api_forwarded(). */
	_Atomic uint64_t fwd_ok, fwd_rejected, fwd_failed, fwd_no_leader;
};

/* One request in flight. */
struct api_ctx {
	struct api *a;
	const struct http_request *req;
	struct http_response *resp;
	const char *ctype; /* negotiated response type */
	/* The {subject} segment, UTF-8 repaired and qualified as Confluent
	 * normalizes it (":.ctx:s", or "s" in the default context; see
	 * registry/qsubject.h); NULL if none, and for /config and /mode of the
	 * default context itself. */
	char *subject;
	/* The context of `subject` (".ctx"), "." without one. */
	char context[STORE_CONTEXT_MAX];
	/* A query parameter the /contexts/{context}/ prefix set (api.c's
	 * api_context_filter): api_query() answers query_value for query_key. */
	const char *query_key;
	const char *query_value;
	/* With authorization on: the auth file in force for this request (a
	 * reference), who makes it (borrowed from `auth` or the request), and
	 * the Read filter of listings, made when first needed. All NULL when
	 * the API is open. */
	struct auth *auth;
	const char *principal;
	struct auth_filter *filter;
};

/* A handler of the route table. */
typedef void (*api_fn)(struct api_ctx *c);

/* ---- request.c: answering ---- */

/* Sets the response: `status`, `body` (taken; malloc'd, may be NULL). */
void api_send(struct api_ctx *c, int status, char *body, size_t len);
/* Sends Confluent's error body for `code` (status and error_code from the
 * table in compat/error.h) with `msg`. */
void api_send_error_msg(struct api_ctx *c, int code, const char *msg);
/* Sends `e`; an error without a code is an internal error. */
void api_send_error(struct api_ctx *c, const struct sg_error *e);
/* Sends error `code` with a printf-formatted message. */
void api_fail(struct api_ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sends `v` (stolen) as a 200 JSON body; NULL is out of memory. */
void api_send_json(struct api_ctx *c, json_t *v);
/* Sends a copy of `text` as a 200 body. */
void api_send_text(struct api_ctx *c, const char *text);
/* What Jersey answers when no resource matches, or a path or query parameter
 * does not convert to its Java type. */
void api_not_found(struct api_ctx *c);

/* ---- api.c: authorization (the route table says what a route needs) ---- */

/* Whether the request's principal may read `subject`: always without
 * authorization. Listings call it for each subject they would show. */
int api_may_read(struct api_ctx *c, const char *subject);
/* For what only the request's body or the store tells (a registration with
 * an id, or in IMPORT mode, needs Admin): 0 when the principal may do `op` on
 * c->subject (or authorization is off), else -1 with the 403 sent. */
int api_require(struct api_ctx *c, enum auth_op op);
/* api_require() on `subject` rather than c->subject. */
int api_require_on(struct api_ctx *c, enum auth_op op, const char *subject);

/* ---- api.c: contexts ---- */

/* The number of c->context in the store (registry/store.h's keys); with
 * `create` (write transactions) the context is added when new. Returns 1,
 * 0 when the context is unknown, -1. */
int api_subject_context(struct api_ctx *c, struct store_tx *tx, int create, int64_t *num,
                        struct sg_error *e);

/* One try of api_in_contexts(): 1 when found, 0 when not, -1 with `e` set. */
typedef int (*api_in_context_fn)(struct api_ctx *c, void *arg, struct sg_error *e);
/* Confluent's fallbacks for a subject of the default context that is not
 * found there (KafkaSchemaRegistry's lookUpSchemaUnderSubjectUsingContexts
 * and getUsingContexts): for a default-context c->subject ("s", not a
 * context alone), calls `fn` once per listed context, in name order (as
 * allContexts() iterates ContextKeys), with c->subject set to the subject
 * qualified there (":.ctx:s") and c->context to the context, until `fn`
 * returns nonzero. Qualified subjects the principal may not read are
 * skipped. On 1, c->subject and c->context stay those of the context where
 * `fn` found it (the given subject is freed); otherwise they are restored.
 * Returns 1, 0 (also for a subject this does not apply to), or -1. */
int api_in_contexts(struct api_ctx *c, struct store_tx *tx, api_in_context_fn fn, void *arg,
                    struct sg_error *e);

/* ---- request.c: parameters ---- */

/* The query parameter `key`, NULL when absent. */
const char *api_query(struct api_ctx *c, const char *key);
/* A boolean query parameter: true only for "true", in any case. */
int api_query_bool(struct api_ctx *c, const char *key);
/* An int query parameter: absent or empty gives `dflt`; anything Java cannot
 * parse as an int is a 404, as in Jersey. Returns 0 or -1 (response sent). */
int api_query_int(struct api_ctx *c, const char *key, int dflt, int *out);
/* Confluent's VersionId: "latest" (any case, trimmed) or an int in
 * [1, 2^31-1], or -1 for latest. Returns 0, or -1 with the 42202 sent. */
int api_version_param(struct api_ctx *c, const char *raw, int *out);
/* Refuses c->subject when Confluent would (control characters, reserved
 * names). Returns 0, or -1 with the 42208 sent. */
int api_check_subject(struct api_ctx *c);

/* ---- request.c: paging a listing ---- */

/* Applies offset and limit to a JSON array (Java's skip/limit): returns a
 * new array with the page, and releases `a`. A limit <= 0 means none. */
json_t *api_page(json_t *a, int offset, int limit);

/* Collects listing entries with offset and limit applied as they come, so a
 * long listing holds only its page in memory. */
struct api_pager {
	json_t *out; /* the page; owned by the caller */
	size_t skip; /* entries still to skip */
	size_t left; /* entries still to keep; SIZE_MAX for all */
	/* When set, only entries it answers non-zero for are paged (offset and
	 * limit count those alone). */
	int (*keep)(const json_t *v, const void *arg);
	const void *keep_arg;
};

/* Starts a page (a limit <= 0 means none); p->out is NULL out of memory. */
void api_pager_init(struct api_pager *p, int offset, int limit);
/* Takes `v`. Returns 1 when the page is full (stop listing), else 0. */
int api_pager_push(struct api_pager *p, json_t *v);

/* ---- request.c: the store ---- */

/* A read transaction, or the store's single write transaction; each waits
 * for its connection. NULL with the response sent when the store fails. The
 * caller ends it with store_end(), or api_commit(). */
struct store_tx *api_read(struct api_ctx *c);
struct store_tx *api_write(struct api_ctx *c);
/* Commits *tx, which ends it: *tx is NULL after, whatever the outcome.
 * Returns 0, or -1 (response sent). */
int api_commit(struct api_ctx *c, struct store_tx **tx);

/* ---- request.c: the schema in a request ---- */

/* A registration, lookup or compatibility request body. Strings are borrowed
 * from `body`. */
struct api_sreq {
	json_t *body;
	const char *text;      /* "schema"; NULL or "" when absent */
	const char *type_name; /* "schemaType"; NULL means AVRO; an unknown name is
	                        * refused where the candidate is built (api_cand_build) */
	struct store_ref *refs;
	size_t nrefs;
	json_t *metadata;  /* canonical, owned; NULL when absent */
	json_t *ruleset;   /* canonical, owned; NULL when absent */
	int id;            /* -1 when absent */
	int version;       /* 0 when absent */
	char bad_ref[300]; /* the first incomplete reference, as Java prints it */
};

/* Reads the body as a RegisterSchemaRequest into `r`, which the caller
 * clears. Returns 0, or -1 with the error sent (and `r` cleared). A
 * reference missing a field is reported later, as Confluent does, as an
 * invalid schema: r->nrefs counts only complete references and *bad_ref
 * names the first incomplete one (NULL when none; it points into `r`). */
int api_sreq_parse(struct api_ctx *c, struct api_sreq *r, const char **bad_ref);
/* Frees what `r` holds and zeroes it; a cleared `r` may be cleared again. */
void api_sreq_clear(struct api_sreq *r);

/* ---- candidate.c: the schema a request proposes ---- */

/* A candidate schema: the request's schema parsed against the store, and its
 * content in the form the store keys on. Zeroed, it is empty. */
struct api_cand {
	struct schemacache_item *item;
	const char *text;      /* canonical (or normalized) text, owned by item */
	const char *type_name; /* "AVRO", ... */
	char *refs_text;       /* stored references JSON, or NULL */
	json_t *refs_json;
	char *meta_text;
	char *rules_text;
	int *resolved;          /* concrete version of each reference */
	struct store_ref *refs; /* the request's, versions resolved */
	size_t nrefs;
};

/* Parses `text` of `type` (or of `type_name` when not NULL) with `refs`
 * resolved through tx in `context` (".ctx") into `cd`, normalized with `normalize`; the metadata
 * and rule set are `r`'s when `r` is not NULL. Returns 0, or -1 with `cd`
 * empty and `err` SG_EINVALID_SCHEMA with Confluent's message ("Invalid
 * schema of type AVRO, details: ..."), or a store error. */
int api_cand_build(struct api *a, struct store_tx *tx, const struct api_sreq *r, const char *text,
                   enum schema_type type, const char *type_name, const struct store_ref *refs,
                   size_t nrefs, const char *bad_ref, int normalize, const char *context,
                   struct api_cand *cd, struct sg_error *err);
/* Releases what `cd` holds and empties it. */
void api_cand_clear(struct api *a, struct api_cand *cd);
/* Fills `out` with views into `cd` (id 0), as store_schema_find() and
 * store_schema_insert() take it. */
void api_cand_content(const struct api_cand *cd, struct store_schema *out);
/* Sets the metadata and rule set of a candidate (either may be NULL).
 * Returns 0, or -1 (SG_ENOMEM). */
int api_cand_set_extras(struct api_cand *cd, const json_t *meta, const json_t *rules,
                        struct sg_error *err);
/* The Schema entity of a candidate stored as version `v` (see
 * api_schemas_entity()) with schema id `id`; NULL out of memory. */
json_t *api_cand_entity(const struct api_cand *cd, const struct store_version *v, int64_t id);
/* The newest live version of `subject` (among its latest 256) that is the
 * candidate but for the confluent:version metadata property, as Confluent's
 * canLookup() accepts. Returns the version with *id set, 0, or -1. */
int api_cand_equivalent(struct store_tx *tx, const char *subject, const struct api_cand *cd,
                        int64_t *id, struct sg_error *err);

/* What a lookup (POST /subjects/{subject}) and a compatibility check share:
 * the schema in the request, a read transaction, the config that applies
 * to the subject, and the candidate built from them. A handler calls
 * api_cand_req_open(), then api_cand_req_config() and api_cand_req_build()
 * with its own steps between them, and api_cand_req_close() at the end. */
struct api_cand_req {
	struct api_sreq r;
	const char *bad_ref; /* the request's first incomplete reference */
	struct store_tx *tx; /* a read transaction; NULL once ended */
	json_t *cfg;         /* the config that applies; NULL before _config() */
	int normalize;       /* ?normalize=true, or the config's normalize */
	struct api_cand cd;  /* empty before _build() */
};

/* Parses the request body and begins a read transaction. Returns 0, or -1
 * (response sent, nothing held). */
int api_cand_req_open(struct api_ctx *c, struct api_cand_req *q);
/* Reads the config that applies to c->subject, and whether to normalize.
 * Returns 0 or -1. */
int api_cand_req_config(struct api_ctx *c, struct api_cand_req *q, struct sg_error *err);
/* Builds q->cd from the request, as api_cand_build(). Returns 0 or -1. */
int api_cand_req_build(struct api_ctx *c, struct api_cand_req *q, struct sg_error *err);
/* Ends the transaction (if still open) and releases what `q` holds. */
void api_cand_req_close(struct api_ctx *c, struct api_cand_req *q);

/* ---- history.c: what a compatibility check reads ---- */

/* The live versions of a subject, oldest first, with their parsed schemas.
 * Zeroed, it is empty. */
struct api_history {
	struct compatreport_prev *prev;
	struct schemacache_item **items;
	char **texts;
	json_t **metadata;
	size_t n, cap;
};

/* Releases what `h` holds and empties it. */
void api_history_clear(struct api *a, struct api_history *h);
/* Appends version `v`. Returns 0 or -1. */
int api_history_load_one(struct api *a, struct store_tx *tx, const struct store_version *v,
                         struct api_history *h, struct sg_error *err);
/* Loads what a check under `cfg` reads: nothing for NONE (but the latest
 * live version with validateFields), the latest live version for a
 * non-transitive level, every live version for a transitive one or when a
 * compatibilityGroup filters them. Returns 0 or -1. */
int api_history_for(struct api *a, struct store_tx *tx, const char *subject, const json_t *cfg,
                    struct api_history *h, struct sg_error *err);
/* Runs the check the subject's config asks for: with validateFields, the
 * reserved fields first (registry/reserved.h, against the latest version),
 * then the level's. With a compatibilityGroup, only versions whose metadata
 * property of that name equals the candidate's count for the level. Returns
 * 1, 0 (messages appended) or -1. */
int api_history_check(const json_t *cfg, const struct schema *cand, const json_t *cand_meta,
                      struct api_history *h, json_t *messages, struct sg_error *err);

/* ---- schemas.c: the Schema entity ---- */

/* A schema as Confluent 8's Schema entity writes it: subject and version
 * (from `v`, when not NULL), id, guid, schemaType (AVRO too), references and
 * metadata and ruleSet when present, schema. Returns a new object or NULL. */
json_t *api_schemas_entity(const struct store_version *v, const struct store_schema *s);
/* Adds what a stored version's entity carries besides: "ts" (when known)
 * and "deleted". Confluent has them on entities read from its store (a
 * version, a listing, a lookup that matched only after filling in the
 * previous version's metadata), not on ones built from the request (a
 * registration's answer, an exact lookup). Accepts NULLs. */
void api_schemas_stamp(json_t *ent, const struct store_version *v);
/* Sets "guid" and "schemaType" of `s` on `o`, as every Confluent 8 entity
 * carries them. Returns 0, or -1 out of memory. */
int api_schemas_identity(json_t *o, const struct store_schema *s);
/* Loads schema `id` as an entity (of stored version `v`, stamped, when not
 * NULL). Returns 1 with *out set, 0 when absent, -1 on error. */
int api_schemas_load(struct store_tx *tx, int64_t id, const struct store_version *v, json_t **out,
                     struct sg_error *err);
/* ?format=resolved. Confluent applies it to Avro only (AvroSchema's
 * formattedString()); other values, like "default", and other schema types
 * answer the stored string. */
int api_schemas_wants_resolved(struct api_ctx *c);
/* Sets "schema" of entity `ent` to the resolved form of `s`. 0, or -1 with
 * `err` set. */
int api_schemas_set_resolved(json_t *ent, const struct schema *s, struct sg_error *err);
/* Applies ?format=resolved to entity `ent` of a stored schema (its "id"):
 * an Avro schema with references gets them written out in full; anything
 * else is already in its resolved form. 0, or -1 with `err` set. */
int api_schemas_format(struct api_ctx *c, struct store_tx *tx, json_t *ent, struct sg_error *err);
/* ?referenceFormat=qualified on an entity whose "subject" is outside the
 * default context (Confluent 8.1's getSchemaByVersion and getSchema): each
 * reference's subject qualified with that subject's context, as
 * QualifiedSubject.qualifySubjectWithParent(...).toUnqualifiedSubject()
 * writes it. Anything else leaves `ent` as it is. 0, or -1 with `e` set. */
int api_schemas_qualify_refs(struct api_ctx *c, json_t *ent, struct sg_error *e);
/* A store_schema_get() callback that only learns that the schema exists. */
int api_schemas_exists_cb(void *ctx, const struct store_schema *s);

/* ---- versions.c: finding and deleting versions ---- */

/* The newest live version (or any version, with `any`) of `subject` that uses
 * schema `id`. Returns the version, 0 when none, -1. */
int api_versions_of(struct store_tx *tx, const char *subject, int64_t id, int any,
                    struct sg_error *err);
/* Whether a version (soft-deleted ones too, with `deleted`) refers to
 * (subject, version), not counting those of `except_subject` when not NULL.
 * Returns 1, 0 or -1. */
int api_versions_referenced(struct store_tx *tx, const char *subject, int version, int deleted,
                            const char *except_subject, struct sg_error *err);
/* Resolves {version} of c->subject as Confluent's getUsingContexts(): -1
 * is the latest live version; a number is that version, live or (with
 * `deleted`) soft-deleted; a default-context subject without it is looked
 * for under the same name in each context (api_in_contexts(), which then
 * leaves c->subject qualified). On absence sends 40401 (the subject has no
 * version: live ones, or any with `deleted`) or 40402 and returns 0.
 * Returns 1 with *v filled, 0 (response sent), -1 (response sent). */
int api_versions_resolve(struct api_ctx *c, struct store_tx *tx, int version, int deleted,
                         struct store_version *v);
/* Sends the 42206 of a delete that something refers to. */
void api_versions_fail_referenced(struct api_ctx *c, const char *subject, int version);
/* Removes mode and config of `subject` when it has no version left. Returns
 * 0 or -1. */
int api_versions_drop_settings(struct store_tx *tx, const char *subject, struct sg_error *err);
/* A store_versions() callback appending [version, deleted] pairs to the
 * JSON array `ctx`. */
int api_versions_collect_cb(void *ctx, const struct store_version *v);

/* ---- config.c and mode.c: the settings that apply to a subject ---- */

/* The config that applies to `subject` (NULL: the registry's), as Confluent
 * resolves it: the subject's own, else the registry's, else the default; a
 * config without a level gets BACKWARD. Returns a new object or NULL. */
json_t *api_config_scope(struct store_tx *tx, const char *subject, struct sg_error *err);
/* The mode that applies to `subject`: a registry-wide READONLY_OVERRIDE
 * wins, then the subject's own mode, then the registry's, else READWRITE.
 * With `own_only`, a subject without its own mode yields "" (Confluent's
 * getMode). Returns 0 or -1. */
int api_mode_scope(struct store_tx *tx, const char *subject, int own_only,
                   char mode[STORE_MODE_MAX], struct sg_error *err);
/* The context of `subject` as Confluent's messages name it
 * (QualifiedSubject.qualifiedContextFor): ":.ctx:", or "" for the default
 * context and for the registry (NULL), so that Java prints "Subject s in
 * context  is in read-only mode" with two spaces. Writes into `out`
 * (STORE_CONTEXT_MAX + 3 bytes suffice) and returns it. */
const char *api_mode_context_word(const char *subject, char *out, size_t cap);
/* Whether `mode` refuses writes (READONLY, READONLY_OVERRIDE). */
int api_mode_readonly(const char *mode);
/* The mode gate of every write to c->subject (NULL: the registry): reads the
 * mode that applies into `mode` and answers 42205 when it refuses writes.
 * Returns 0 when the write may go on, 1 when it has answered, or -1 with
 * `err` set. */
int api_mode_gate(struct api_ctx *c, struct store_tx *tx, char mode[STORE_MODE_MAX],
                  struct sg_error *err);

/* ---- api.c: the caches after a purge ---- */

/* Ids whose schema rows a purge dropped; the caches forget them after the
 * commit (a cached body of a dropped id would otherwise still be served).
 * Zeroed, it is empty; the caller frees `ids`. */
struct api_dropped {
	int64_t *ids;
	size_t n, cap;
};

/* Adds `id` (0 is none). Returns 0, or -1 (SG_ENOMEM). */
int api_dropped_add(struct api_dropped *d, int64_t id, struct sg_error *err);
/* Forgets the dropped ids in the caches and frees the list. */
void api_dropped_forget(struct api *a, struct api_dropped *d);

/* ---- The handlers of the route table (api.c), by file ---- */

void api_metadata_root(struct api_ctx *c);
void api_metadata_health(struct api_ctx *c);
void api_contexts_list(struct api_ctx *c);
void api_contexts_delete(struct api_ctx *c);
void api_metadata_id(struct api_ctx *c);
void api_metadata_version(struct api_ctx *c);

void api_schemas_types(struct api_ctx *c);
void api_schemas_list(struct api_ctx *c);
void api_schemas_by_id(struct api_ctx *c);
void api_schemas_by_id_raw(struct api_ctx *c);
void api_schemas_by_guid(struct api_ctx *c);
void api_schemas_guid_ids(struct api_ctx *c);
void api_schemas_id_subjects(struct api_ctx *c);
void api_schemas_id_versions(struct api_ctx *c);

void api_subjects_list(struct api_ctx *c);
void api_subjects_lookup(struct api_ctx *c);
void api_subjects_delete(struct api_ctx *c);

void api_versions_list(struct api_ctx *c);
void api_versions_get(struct api_ctx *c);
void api_versions_raw(struct api_ctx *c);
void api_versions_referencedby(struct api_ctx *c);
void api_versions_delete(struct api_ctx *c);
void api_versions_with_metadata(struct api_ctx *c);

void api_register(struct api_ctx *c);
/* Registers the schema of `r` (taken: cleared after) under c->subject as
 * Confluent's KafkaSchemaRegistry.register() does, without the read-only
 * lookup of registerOrForward first: the mode gate, the fill-in from the
 * previous version, de-duplication, compatibility, the version (r->version,
 * 0 for the next), the id and the insert. Sends the answer. */
void api_register_schema(struct api_ctx *c, struct api_sreq *r);

void api_tags_modify(struct api_ctx *c);

void api_compat_version(struct api_ctx *c);
void api_compat_all(struct api_ctx *c);

void api_config_get(struct api_ctx *c);
void api_config_put(struct api_ctx *c);
void api_config_delete(struct api_ctx *c);

void api_mode_get(struct api_ctx *c);
void api_mode_put(struct api_ctx *c);
void api_mode_delete(struct api_ctx *c);

#endif
