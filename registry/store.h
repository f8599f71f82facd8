/* registry/store.h: the registry's durable state in one SQLite database.
 *
 * What is stored: schemas (one row per distinct content in a context: type,
 * canonical text, references, metadata and rule set, keyed by a SHA-256 of
 * that content), the versions of each subject (subject, version, schema key,
 * soft-deleted flag), the references each schema makes to (subject, version)
 * pairs, the config and mode objects, global and per subject, and Confluent's
 * contexts. The store knows nothing of the Confluent semantics;
 * registry/api decides, the store records.
 *
 * Contexts and schema keys: ids are per context (Confluent 8's contexts, see
 * registry/qsubject.h), so the same id may name different schemas in two
 * contexts. A schema is named in the store by its key: its context's number
 * (store_context()) in the high 32 bits and its Confluent id in the low 31.
 * The default context "." is number 0, so there a key is the id itself, as
 * in databases written before contexts. Every `schema_id` and `id` below is
 * a key unless it says otherwise; STORE_KEY_ID() gives the id a client sees.
 * A subject's versions use schemas of the subject's own context.
 *
 * Durability: WAL journal with synchronous=FULL, so a committed write survives
 * kill -9 and a crash of the machine. Every write happens in one transaction
 * begun with BEGIN IMMEDIATE on the single writer connection, which a mutex
 * guards: writers are serialised, and a read-check-insert sequence inside one
 * write transaction cannot race with another writer. Ids and versions are
 * allocated inside that transaction.
 *
 * Reads use a pool of read-only connections, each transaction a consistent
 * snapshot. The schema of the database is versioned (table meta); opening a
 * database written by a newer binary fails and names both versions.
 *
 * Threading: store_open/store_close from one thread; the rest from any number
 * of threads. A transaction belongs to the thread that began it. A thread must
 * not hold two transactions at once (a read inside a write deadlocks nothing,
 * but it would not see the write's own changes: use the write transaction).
 *
 * Ownership: strings passed in are borrowed. Out-parameters documented as
 * "malloc'd" are the caller's to free(); row callbacks receive borrowed
 * values, valid only during the call. Every function returning int returns
 * -1 with `err` set (SG_ESTORE, SG_ENOMEM, SG_ETIMEOUT when the database stays
 * locked past the busy timeout) on failure.
 */
#ifndef SG_STORE_H
#define SG_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "compat/error.h"

/* The schema version of the database this binary writes. */
#define STORE_SCHEMA_VERSION 5

/* Schema keys (see the top of this file). */
#define STORE_ID_MAX           2147483647LL
#define STORE_CONTEXT_NUM_MAX  2147483647LL
#define STORE_KEY(context, id) (((int64_t)(context) << 32) | (int64_t)(id))
#define STORE_KEY_ID(key)      ((int64_t)(key)&0xffffffffLL)
#define STORE_KEY_CONTEXT(key) ((int64_t)(key) >> 32)
/* The longest context name, NUL included. */
#define STORE_CONTEXT_MAX 256

struct store;
struct store_tx;

struct store_options {
	unsigned readers;    /* read connections in the pool; 0 means 4 */
	int busy_timeout_ms; /* how long to wait for a lock; 0 means 10000 */
	/* Testing only: behave like an older binary whose newest migration is
	 * this one (1..STORE_SCHEMA_VERSION). 0 means STORE_SCHEMA_VERSION.
	 * Below the current version only store_open and store_close work: tests
	 * write the older layout's rows with SQL. */
	int schema_version;
};

/* Opens (creating if needed) the database at `path` and applies pending
 * migrations. `opts` may be NULL. Fails with SG_EIO when the file cannot be
 * opened or written, and with SG_ESTORE when the database is from a newer
 * binary or is not a schemagate database. */
struct store *store_open(const char *path, const struct store_options *opts, struct sg_error *err);
/* Closes every connection. No transaction may be open. Accepts NULL. */
void store_close(struct store *st);

/* The database's schema version after migrations. */
int store_schema_version(const struct store *st);
/* A random identifier made when the database was created (36 characters),
 * stable for its life: the registry's cluster id. */
const char *store_cluster_id(const struct store *st);

/* Begins a read transaction on a pooled connection, waiting for one to be
 * free. */
struct store_tx *store_read(struct store *st, struct sg_error *err);
/* Begins the write transaction (BEGIN IMMEDIATE), waiting for the writer. */
struct store_tx *store_write(struct store *st, struct sg_error *err);
/* Commits. For a write transaction, returns only once the commit is durable.
 * The transaction is finished either way: do not use `tx` afterwards. */
int store_commit(struct store_tx *tx, struct sg_error *err);
/* Rolls back (if not committed) and releases the connection. Accepts NULL. */
void store_end(struct store_tx *tx);

/* ---- Schemas ---- */

/* A schema row. Text fields are NUL-terminated; refs is a JSON array text,
 * metadata and ruleset JSON object texts; each of those three is NULL when
 * absent. */
struct store_schema {
	int64_t id; /* the key on rows the store returns; see store_schema_insert */
	/* The context's number (store_context()); 0 is the default context.
	 * store_schema_find() and store_schema_insert() read it. */
	int64_t context;
	const char *type; /* "AVRO", "JSON", "PROTOBUF" */
	const char *text;
	const char *refs;
	const char *metadata;
	const char *ruleset;
	/* Confluent's GUID of the content (registry/guid.h); set on rows the
	 * store returns, ignored on insert (the store computes it). */
	const char *guid;
};

/* One reference a schema makes: the name it uses, and the subject version. */
struct store_ref {
	const char *name;
	const char *subject;
	int version;
};

/* Calls `fn` with the schema `id` (borrowed strings). Returns 1 when found
 * (with fn's non-zero return, if any, passed on as -1 with err set by fn),
 * 0 when there is no such schema. */
typedef int (*store_schema_fn)(void *ctx, const struct store_schema *s);
int store_schema_get(struct store_tx *tx, int64_t id, store_schema_fn fn, void *ctx,
                     struct sg_error *err);

/* The key of the schema with exactly this content in context s->context
 * (id ignored), or 0 when none. Returns the key (> 0), 0, or -1. */
int64_t store_schema_find(struct store_tx *tx, const struct store_schema *s, struct sg_error *err);

/* Inserts a schema and its references into context s->context, which must
 * exist (store_context()); write transactions only. s->id > 0 asks for that
 * id (IMPORT); 0 allocates one above every id ever used in the context (a
 * new context starts at 1, as Confluent's IncrementalIdGenerator does). A
 * reference's subject is resolved in the context (qsubject_resolve_ref()) for
 * store_referrers(). Returns the key, or -1 (SG_EOPERATION_NOT_PERMITTED when
 * the id is taken or out of range, SG_EID_MISMATCH when the content exists
 * under another id). */
int64_t store_schema_insert(struct store_tx *tx, const struct store_schema *s,
                            const struct store_ref *refs, size_t nrefs, struct sg_error *err);

/* The key of the schema whose GUID is `guid` (lower case): the lowest id in
 * the default context, else in the first context by name that has one, as
 * Confluent's getIdUsingContexts looks. 0 when none. */
int64_t store_schema_by_guid(struct store_tx *tx, const char *guid, struct sg_error *err);

/* Calls `fn` with each context that has a schema of GUID `guid` and the
 * lowest such key in it, ordered by context name. Returns the number of
 * calls, or -1 (fn's -1 passed on). */
typedef int (*store_context_id_fn)(void *ctx, const char *context, int64_t key);
int store_guid_keys(struct store_tx *tx, const char *guid, store_context_id_fn fn, void *ctx,
                    struct sg_error *err);

/* The largest id ever handed out in the default context (or context number
 * `context`), purged ones included, or 0. */
int64_t store_schema_max_id(struct store_tx *tx, struct sg_error *err);
int64_t store_schema_max_id_in(struct store_tx *tx, int64_t context, struct sg_error *err);
/* Raises the largest id handed out in context number `context` to at least
 * `id` (kafka mode: the log's high-water mark of ids, registry/logview.h);
 * write and apply transactions. Returns 0 or -1. */
int store_schema_id_floor(struct store_tx *tx, int64_t context, int64_t id, struct sg_error *err);

/* ---- Contexts ---- */

/* The number of context `name` (".ctx"; "." is 0). With `create` (write
 * transactions only), a context not yet known is added, and one that
 * store_context_unlist() removed is listed again with its number and ids.
 * Returns 1 with *num set, 0 when unknown (without `create`), or -1
 * (SG_EINVALID_SUBJECT for a name of STORE_CONTEXT_MAX bytes or more). */
int store_context(struct store_tx *tx, const char *name, int create, int64_t *num,
                  struct sg_error *err);
/* The name of context number `num`. Returns 1, 0 when none, -1. */
int store_context_name(struct store_tx *tx, int64_t num, char name[STORE_CONTEXT_MAX],
                       struct sg_error *err);
/* Calls `fn` with the name of each listed context but the default one, in
 * byte order. Returns the number of calls, or -1 (fn's -1 passed on). */
typedef int (*store_context_fn)(void *ctx, const char *name);
int store_contexts(struct store_tx *tx, store_context_fn fn, void *ctx, struct sg_error *err);
/* Takes context `name` off the listing (its number and ids stay). Returns
 * 1, 0 when it was not listed (or is the default context), -1. */
int store_context_unlist(struct store_tx *tx, const char *name, struct sg_error *err);

/* ---- Subject versions ---- */

struct store_version {
	const char *subject;
	int version;
	int64_t schema_id;
	int deleted; /* soft-deleted */
	/* When it was registered or soft-deleted, in ms since the epoch
	 * (Confluent's "ts"); 0 when unknown (rows from before migration 3). */
	int64_t ts;
};

/* Which versions (or subjects) a listing returns. A subject counts as deleted
 * when every one of its versions is. */
enum store_filter {
	STORE_LIVE,         /* not deleted */
	STORE_ALL,          /* both */
	STORE_DELETED_ONLY, /* deleted only */
};

/* Looks up one version. Returns 1 and fills *out (subject borrowed from the
 * argument), or 0 when absent (deleted rows are found too: check out->deleted). */
int store_version_get(struct store_tx *tx, const char *subject, int version,
                      struct store_version *out, struct sg_error *err);

/* The newest version of a subject: the newest live one, or with `any` the
 * newest of all. Returns 1 with *out filled, 0 when there is none. */
int store_version_latest(struct store_tx *tx, const char *subject, int any,
                         struct store_version *out, struct sg_error *err);

/* Calls `fn` for each version of `subject` the filter admits, in ascending
 * version order. `fn` returns 0 to go on, 1 to stop, -1 to fail (setting err).
 * Returns the number of calls made, or -1. */
typedef int (*store_version_fn)(void *ctx, const struct store_version *v);
int store_versions(struct store_tx *tx, const char *subject, enum store_filter f,
                   store_version_fn fn, void *ctx, struct sg_error *err);

/* Calls `fn` for each version (of any subject) whose schema is `schema_id`,
 * ordered by subject then version. Deleted versions only with `deleted`. */
int store_versions_by_schema(struct store_tx *tx, int64_t schema_id, int deleted,
                             store_version_fn fn, void *ctx, struct sg_error *err);

/* Adds a version (live). Fails with SG_EOPERATION_NOT_PERMITTED when the
 * subject already has that version. */
int store_version_insert(struct store_tx *tx, const char *subject, int version, int64_t schema_id,
                         struct sg_error *err);

/* Marks a version soft-deleted. Returns 1, or 0 when there is no such version. */
int store_version_soft_delete(struct store_tx *tx, const char *subject, int version,
                              struct sg_error *err);

/* Removes a version for good. When no version uses its schema any more, the
 * schema row and its references go too, and *dropped_id (when not NULL) is
 * set to its id (else 0). Returns 1, or 0 when there was no such version. */
int store_version_purge(struct store_tx *tx, const char *subject, int version, int64_t *dropped_id,
                        struct sg_error *err);

/* ---- Subjects ---- */

/* Calls `fn` with each subject starting with `prefix` ("" for all) that the
 * filter admits, in byte order (v->subject is the subject; other fields are
 * zero). Returns the number of calls, or -1. */
int store_subjects(struct store_tx *tx, const char *prefix, enum store_filter f,
                   store_version_fn fn, void *ctx, struct sg_error *err);

/* Whether a subject has versions: live ones, or with `any` any at all.
 * Returns 1, 0, or -1. */
int store_subject_exists(struct store_tx *tx, const char *subject, int any, struct sg_error *err);

/* Calls `fn` for every version of subjects starting with `prefix`, joined
 * with its schema: ordered by subject then version. The filter applies to
 * versions. */
typedef int (*store_row_fn)(void *ctx, const struct store_version *v, const struct store_schema *s);
int store_schemas_by_prefix(struct store_tx *tx, const char *prefix, enum store_filter f,
                            store_row_fn fn, void *ctx, struct sg_error *err);

/* ---- References ---- */

/* Calls `fn` for each version that uses a schema referring to (subject,
 * version), `subject` qualified (a reference from a context names a subject
 * of that context unless it names another): v describes the referring version (its subject,
 * version, schema id, deleted flag). Ordered by schema id, subject, version. Deleted referring
 * versions only with `deleted`. */
int store_referrers(struct store_tx *tx, const char *subject, int version, int deleted,
                    store_version_fn fn, void *ctx, struct sg_error *err);

/* ---- Config and mode ---- */

/* The config object (JSON text) of `subject`, or of the registry when subject
 * is NULL. Returns 1 and sets *json (malloc'd), or 0 when none is set. */
int store_config_get(struct store_tx *tx, const char *subject, char **json, struct sg_error *err);
int store_config_put(struct store_tx *tx, const char *subject, const char *json,
                     struct sg_error *err);
/* Returns 1 when a config was removed, 0 when there was none. */
int store_config_delete(struct store_tx *tx, const char *subject, struct sg_error *err);

/* Calls `fn` with the subject and config (JSON text) of each subject whose
 * config is set and whose name starts with `prefix` ("" or NULL: all),
 * ordered by subject (bytewise); the registry's own config is not listed.
 * `fn` returns 0 to go on, > 0 to stop, < 0 to fail (with `err` set).
 * Returns the number of calls, or -1. */
typedef int (*store_config_fn)(void *ctx, const char *subject, const char *json);
int store_configs_by_prefix(struct store_tx *tx, const char *prefix, store_config_fn fn, void *ctx,
                            struct sg_error *err);

#define STORE_MODE_MAX 32
/* The mode ("READWRITE", ...) of `subject`, or of the registry when NULL.
 * Returns 1 and fills `mode`, or 0 when none is set. */
int store_mode_get(struct store_tx *tx, const char *subject, char mode[STORE_MODE_MAX],
                   struct sg_error *err);
int store_mode_put(struct store_tx *tx, const char *subject, const char *mode,
                   struct sg_error *err);
int store_mode_delete(struct store_tx *tx, const char *subject, struct sg_error *err);

/* ---- The log (kafka mode, registry/kafkastore.h) ----
 *
 * In kafka mode the database is a view of a log: the reader applies the
 * log's records in apply transactions (store_apply_begin), and writes made
 * by the API are not kept locally but captured and published to the log.
 * Hooks do the capturing: with hooks set, a write transaction
 * (store_write) calls before_write first, then `change` after each change
 * it makes; store_commit rolls the local transaction back, releases the
 * writer and calls publish, whose result is the commit's; store_end without
 * a commit calls discard. Apply transactions never call hooks. */

/* What one change of a write transaction did. */
enum store_change_kind {
	STORE_CHANGE_VERSION_INSERT = 1, /* subject, version: a new live version */
	STORE_CHANGE_VERSION_SOFT_DELETE,
	STORE_CHANGE_VERSION_PURGE,
	STORE_CHANGE_CONFIG_PUT,     /* subject (NULL: the registry), value: the config JSON */
	STORE_CHANGE_CONFIG_DELETE,  /* subject */
	STORE_CHANGE_MODE_PUT,       /* subject, value: the mode */
	STORE_CHANGE_MODE_DELETE,    /* subject */
	STORE_CHANGE_CONTEXT_CREATE, /* value: the context's name (".ctx") */
	STORE_CHANGE_CONTEXT_UNLIST, /* value: the context's name */
};

struct store_change {
	enum store_change_kind kind;
	const char *subject;
	int version;
	const char *value;
};

struct store_log_hooks {
	/* Before a write transaction begins, outside the writer lock. -1 (with
	 * err set) fails store_write. */
	int (*before_write)(void *ctx, struct sg_error *err);
	/* After each change, inside the transaction, which it may read. -1 fails
	 * the change (the store function returns -1). */
	int (*change)(void *ctx, struct store_tx *tx, const struct store_change *c,
	              struct sg_error *err);
	/* At commit, after the local rollback, the writer released: publishes
	 * what was captured. Its result is store_commit's. */
	int (*publish)(void *ctx, struct sg_error *err);
	/* A write transaction ended without a commit: drop what was captured. */
	void (*discard)(void *ctx);
};

/* Sets (or with NULL clears) the hooks. Call while no transaction runs. */
void store_set_log_hooks(struct store *st, const struct store_log_hooks *h, void *ctx);

/* Begins a write transaction that calls no hooks: the log's reader applying
 * records. Its changes are committed locally by store_commit. */
struct store_tx *store_apply_begin(struct store *st, struct sg_error *err);

/* Sets a version as the log says it is: inserted, or replaced (another
 * schema: the old one is dropped when unused, as store_version_purge does),
 * with its deleted flag, timestamp (ms) and `extra`, the JSON of the log's
 * value to write back on a rewrite (NULL: none). Apply transactions. */
int store_version_put(struct store_tx *tx, const char *subject, int version, int64_t schema_id,
                      int deleted, int64_t ts, const char *extra, struct sg_error *err);
/* The `extra` JSON of a version. Returns 1 with *json malloc'd (NULL when
 * none is kept), 0 when there is no such version, -1. */
int store_version_extra(struct store_tx *tx, const char *subject, int version, char **json,
                        struct sg_error *err);

/* The log position of the view: the offset of the next record to apply in
 * `topic`. Returns 1 with *next set, 0 when none is stored, -1. */
int store_log_position(struct store_tx *tx, const char *topic, int64_t *next, struct sg_error *err);
int store_log_position_put(struct store_tx *tx, const char *topic, int64_t next,
                           struct sg_error *err);
/* Empties the view: schemas, versions, references, configs, modes,
 * contexts (their ids too) and log positions. Apply transactions: the view
 * of a log that was recreated is rebuilt from its start. */
int store_log_reset(struct store_tx *tx, struct sg_error *err);

#endif
