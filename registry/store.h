/* registry/store.h: the registry's durable state in one SQLite database.
 *
 * What is stored: schemas (one row per distinct content: type, canonical text,
 * references, metadata and rule set, keyed by a SHA-256 of that content), the
 * versions of each subject (subject, version, schema id, soft-deleted flag),
 * the references each schema makes to (subject, version) pairs, and the config
 * and mode objects, global and per subject. The store knows nothing of the
 * Confluent semantics; registry/api.c decides, the store records.
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
#define STORE_SCHEMA_VERSION 3

struct store;
struct store_tx;

struct store_options {
	unsigned readers;    /* read connections in the pool; 0 means 4 */
	int busy_timeout_ms; /* how long to wait for a lock; 0 means 10000 */
	/* Testing only: behave like an older binary whose newest migration is
	 * this one (1..STORE_SCHEMA_VERSION). 0 means STORE_SCHEMA_VERSION. */
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
	int64_t id;
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

/* The id of the schema with exactly this content (id ignored), or 0 when
 * none. Returns the id (> 0), 0, or -1. */
int64_t store_schema_find(struct store_tx *tx, const struct store_schema *s, struct sg_error *err);

/* Inserts a schema and its references; write transactions only. s->id > 0
 * asks for that id (IMPORT); 0 allocates one above every id ever used.
 * Returns the id, or -1 (SG_EOPERATION_NOT_PERMITTED when the id is taken,
 * SG_EID_MISMATCH when the content exists under another id). */
int64_t store_schema_insert(struct store_tx *tx, const struct store_schema *s,
                            const struct store_ref *refs, size_t nrefs, struct sg_error *err);

/* The lowest id of the schemas whose GUID is `guid` (lower case), or 0 when
 * none. */
int64_t store_schema_by_guid(struct store_tx *tx, const char *guid, struct sg_error *err);

/* The largest schema id in use, or 0. */
int64_t store_schema_max_id(struct store_tx *tx, struct sg_error *err);

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
 * version): v describes the referring version (its subject, version, schema
 * id, deleted flag). Ordered by schema id, subject, version. Deleted
 * referring versions only with `deleted`. */
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

#endif
