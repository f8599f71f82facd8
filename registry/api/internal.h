/* registry/api/internal.h: what the files of registry/api/ share, and nothing
 * outside this folder includes. The public header is registry/api.h.
 *
 * One file per resource, as Confluent splits them: subjects.c, versions.c,
 * register.c (POST /subjects/{subject}/versions), schemas.c, compat.c,
 * config.c, mode.c, metadata.c; api.c routes a request to one of their
 * handlers. The helpers they share are declared below, grouped by the file
 * that defines them.
 *
 * Conventions: a handler (api_fn) answers through c->resp and returns
 * nothing; every path sends exactly one response. Helpers that return -1 say
 * whether they sent the response ("response sent") or set `err` for the
 * caller to send. Nothing here blocks but the store (see registry/store.h);
 * handlers run on many server threads at once and share only struct api,
 * whose caches are thread-safe.
 */
#ifndef SG_API_INTERNAL_H
#define SG_API_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "compat/error.h"
#include "compat/schema.h"
#include "registry/http.h"
#include "registry/store.h"

struct compatreport_prev;
struct schemacache_item;

struct api {
	struct store *st;
	size_t body_limit;
	struct idcache *ids;
	struct schemacache *parsed;
	char *types; /* the GET /schemas/types body, immutable */
};

/* One request in flight. */
struct api_ctx {
	struct api *a;
	const struct http_request *req;
	struct http_response *resp;
	const char *ctype; /* negotiated response type */
	char *subject;     /* the {subject} segment, UTF-8 repaired; NULL if none */
};

/* A handler of the route table. */
typedef void (*api_fn)(struct api_ctx *c);

/* ---- request.c: answering a request ---- */

/* Sets the response; takes `body` (malloc'd). */
void api_send(struct api_ctx *c, int status, char *body, size_t len);
/* Sends Confluent's {"error_code":..., "message":...} for `code`. */
void api_send_error_msg(struct api_ctx *c, int code, const char *msg);
/* Sends `e`; an error without a code is an internal error. */
void api_send_error(struct api_ctx *c, const struct sg_error *e);
void api_fail(struct api_ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sends `v` (stolen) as a 200 JSON body. */
void api_send_json(struct api_ctx *c, json_t *v);
/* Sends a copy of `text` as a 200 body. */
void api_send_text(struct api_ctx *c, const char *text);
/* What Jersey answers when no resource matches, or a parameter does not
 * convert to its Java type. */
void api_not_found(struct api_ctx *c);

/* ---- request.c: parameters ---- */

/* The query parameter `key`, NULL when absent. */
const char *api_query(struct api_ctx *c, const char *key);
/* A boolean query parameter, as Java's Boolean.parseBoolean. */
int api_query_bool(struct api_ctx *c, const char *key);
/* An int query parameter, `dflt` when absent. 0, or -1 (response sent). */
int api_query_int(struct api_ctx *c, const char *key, int dflt, int *out);
/* Confluent's VersionId: *out is the version, -1 for "latest". 0, or -1
 * (response sent). */
int api_version_param(struct api_ctx *c, const char *raw, int *out);
/* Refuses a subject name Confluent refuses. 0, or -1 (response sent). */
int api_check_subject(struct api_ctx *c);

/* ---- request.c: paging a listing ---- */

/* Applies offset and limit to array `a` (released): returns the page. */
json_t *api_page(json_t *a, int offset, int limit);

/* Collects listing entries with offset and limit applied as they come, so a
 * long listing holds only its page in memory. */
struct api_pager {
	json_t *out;
	size_t skip; /* entries still to skip */
	size_t left; /* entries still to keep; SIZE_MAX for all */
};

void api_pager_init(struct api_pager *p, int offset, int limit);
/* Takes `v`. Returns 1 when the page is full (stop listing), else 0. */
int api_pager_push(struct api_pager *p, json_t *v);

/* ---- request.c: the store transaction ---- */

/* A read or the write transaction; NULL (response sent) when the store
 * fails. The caller ends it with store_end() or api_commit(). */
struct store_tx *api_read(struct api_ctx *c);
struct store_tx *api_write(struct api_ctx *c);
/* Commits (which ends `tx`). 0, or -1 (response sent). */
int api_commit(struct api_ctx *c, struct store_tx *tx);

/* ---- request.c: the schema in a request ---- */

/* A registration, lookup or compatibility request body. Strings are borrowed
 * from `body`. */
struct api_sreq {
	json_t *body;
	const char *text;      /* "schema"; NULL or "" when absent */
	const char *type_name; /* "schemaType"; NULL means AVRO */
	enum schema_type type;
	int type_ok; /* type_name names a type we know */
	struct store_ref *refs;
	size_t nrefs;
	json_t *metadata;  /* canonical, owned; NULL when absent */
	json_t *ruleset;   /* canonical, owned; NULL when absent */
	int id;            /* -1 when absent */
	int version;       /* 0 when absent */
	char bad_ref[300]; /* the first incomplete reference, as Java prints it */
};

/* Reads the body into `r`. 0, or -1 (response sent, `r` cleared). */
int api_sreq_parse(struct api_ctx *c, struct api_sreq *r, const char **bad_ref);
void api_sreq_clear(struct api_sreq *r);

/* ---- candidate.c: the schema a request proposes ---- */

/* A candidate schema: the request's schema parsed against the store, and its
 * content in the form the store keys on. */
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

int api_cand_build(struct api *a, struct store_tx *tx, const struct api_sreq *r, const char *text,
                   enum schema_type type, const char *type_name, const struct store_ref *refs,
                   size_t nrefs, const char *bad_ref, int normalize, struct api_cand *cd,
                   struct sg_error *err);
void api_cand_clear(struct api *a, struct api_cand *cd);
/* Fills `out` with views into `cd` (no id). */
void api_cand_content(const struct api_cand *cd, struct store_schema *out);
int api_cand_set_extras(struct api_cand *cd, const json_t *meta, const json_t *rules,
                        struct sg_error *err);
json_t *api_cand_entity(const struct api_cand *cd, const char *subject, int version, int64_t id);
int api_find_equivalent(struct store_tx *tx, const char *subject, const struct api_cand *cd,
                        int64_t *id, struct sg_error *err);

/* ---- history.c: what a compatibility check reads ---- */

/* The live versions of a subject, oldest first, with their parsed schemas. */
struct api_history {
	struct compatreport_prev *prev;
	struct schemacache_item **items;
	char **texts;
	json_t **metadata;
	size_t n, cap;
};

void api_history_clear(struct api *a, struct api_history *h);
int api_history_load_one(struct api *a, struct store_tx *tx, const struct store_version *v,
                         struct api_history *h, struct sg_error *err);
int api_history_for(struct api *a, struct store_tx *tx, const char *subject, const json_t *cfg,
                    struct api_history *h, struct sg_error *err);
int api_check(const json_t *cfg, const struct schema *cand, const json_t *cand_meta,
              struct api_history *h, json_t *messages, struct sg_error *err);

/* ---- schemas.c: the Schema entity ---- */

json_t *api_schema_entity(const char *subject, int version, const struct store_schema *s);
int api_load_entity(struct store_tx *tx, int64_t id, const char *subject, int version, json_t **out,
                    struct sg_error *err);
int api_wants_resolved(struct api_ctx *c);
int api_set_resolved(json_t *ent, const struct schema *s, struct sg_error *err);
int api_apply_format(struct api_ctx *c, struct store_tx *tx, json_t *ent, struct sg_error *err);
/* A store_schema_get() callback that only learns that the schema exists. */
int api_schema_exists_cb(void *ctx, const struct store_schema *s);

/* ---- versions.c: finding and deleting versions ---- */

int api_version_of(struct store_tx *tx, const char *subject, int64_t id, int any,
                   struct sg_error *err);
int api_is_referenced(struct store_tx *tx, const char *subject, int version, int deleted,
                      const char *except_subject, struct sg_error *err);
/* Sends the 42206 of a delete that something refers to. */
void api_fail_referenced(struct api_ctx *c, const char *subject, int version);

/* Ids whose schema rows a purge dropped; the caches forget them after the
 * commit (a cached body of a dropped id would otherwise still be served). */
struct api_dropped {
	int64_t *ids;
	size_t n, cap;
};

int api_dropped_add(struct api_dropped *d, int64_t id, struct sg_error *err);
void api_dropped_forget(struct api *a, struct api_dropped *d);
int api_drop_subject_settings(struct store_tx *tx, const char *subject, struct sg_error *err);
/* A store_versions() callback appending [version, deleted] pairs to the
 * JSON array `ctx`. */
int api_collect_versions_cb(void *ctx, const struct store_version *v);

/* ---- config.c and mode.c: the settings that apply to a subject ---- */

json_t *api_config_scope(struct store_tx *tx, const char *subject, struct sg_error *err);
int api_mode_scope(struct store_tx *tx, const char *subject, int own_only,
                   char mode[STORE_MODE_MAX], struct sg_error *err);
/* Whether `mode` refuses writes. */
int api_mode_readonly(const char *mode);

/* ---- The handlers of the route table (api.c), by file ---- */

void api_root(struct api_ctx *c);
void api_health(struct api_ctx *c);
void api_contexts(struct api_ctx *c);
void api_metadata_id(struct api_ctx *c);
void api_metadata_version(struct api_ctx *c);

void api_schema_types(struct api_ctx *c);
void api_schemas_list(struct api_ctx *c);
void api_schema_by_id(struct api_ctx *c);
void api_schema_by_id_raw(struct api_ctx *c);
void api_schema_id_subjects(struct api_ctx *c);
void api_schema_id_versions(struct api_ctx *c);

void api_subjects_list(struct api_ctx *c);
void api_subject_lookup(struct api_ctx *c);
void api_subject_delete(struct api_ctx *c);

void api_versions_list(struct api_ctx *c);
void api_version_get(struct api_ctx *c);
void api_version_raw(struct api_ctx *c);
void api_version_referencedby(struct api_ctx *c);
void api_version_delete(struct api_ctx *c);

void api_register(struct api_ctx *c);

void api_compat_version(struct api_ctx *c);
void api_compat_all(struct api_ctx *c);

void api_config_get(struct api_ctx *c);
void api_config_put(struct api_ctx *c);
void api_config_delete(struct api_ctx *c);

void api_mode_get(struct api_ctx *c);
void api_mode_put(struct api_ctx *c);
void api_mode_delete(struct api_ctx *c);

#endif
