/* registry/store.c: the SQLite store of registry/store.h.
 *
 * One writer connection behind a mutex, a pool of read-only connections, and
 * for each connection a lazily prepared set of statements. A transaction is
 * the connection it runs on (struct store_tx lives inside struct store_conn),
 * so beginning one allocates nothing.
 */
#include "registry/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "registry/guid.h"
#include "registry/qsubject.h"
#include "registry/sha256.h"

static void store_schema_hash(const struct store_schema *s, uint8_t out[SHA256_LEN]);

/* Each migration takes the database from version i-1 to version i, inside
 * the transaction that records the new version. Never edit a released one:
 * add the next. */
static const char *const store_migrations[] = {
    [1] = "CREATE TABLE meta ("
          "  key TEXT PRIMARY KEY,"
          "  value TEXT NOT NULL"
          ") WITHOUT ROWID;"
          /* AUTOINCREMENT: an id is never handed out twice, even after the schema
           * it named was deleted for good (Confluent never reuses ids either). */
          "CREATE TABLE schemas ("
          "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
          "  type TEXT NOT NULL,"
          "  schema TEXT NOT NULL,"
          "  refs TEXT,"
          "  metadata TEXT,"
          "  ruleset TEXT,"
          "  hash BLOB NOT NULL UNIQUE"
          ");"
          "CREATE TABLE versions ("
          "  subject TEXT NOT NULL,"
          "  version INTEGER NOT NULL,"
          "  schema_id INTEGER NOT NULL REFERENCES schemas(id),"
          "  deleted INTEGER NOT NULL DEFAULT 0,"
          "  PRIMARY KEY (subject, version)"
          ") WITHOUT ROWID;"
          "CREATE TABLE refs ("
          "  schema_id INTEGER NOT NULL REFERENCES schemas(id) ON DELETE CASCADE,"
          "  name TEXT NOT NULL,"
          "  subject TEXT NOT NULL,"
          "  version INTEGER NOT NULL"
          ");"
          /* scope 0 is the registry (subject ''), scope 1 a subject. */
          "CREATE TABLE config ("
          "  scope INTEGER NOT NULL,"
          "  subject TEXT NOT NULL,"
          "  value TEXT NOT NULL,"
          "  PRIMARY KEY (scope, subject)"
          ") WITHOUT ROWID;"
          "CREATE TABLE modes ("
          "  scope INTEGER NOT NULL,"
          "  subject TEXT NOT NULL,"
          "  mode TEXT NOT NULL,"
          "  PRIMARY KEY (scope, subject)"
          ") WITHOUT ROWID;",
    [2] = "CREATE INDEX versions_by_schema ON versions(schema_id);"
          "CREATE INDEX refs_by_target ON refs(subject, version);"
          "CREATE INDEX refs_by_schema ON refs(schema_id);",
    /* Confluent 8: each schema's GUID (registry/guid; filled in for older
     * rows by store_guid_backfill) and each version's timestamp (ms since
     * the epoch of its registration or soft delete; NULL for older rows). */
    [3] = "ALTER TABLE schemas ADD COLUMN guid TEXT;"
          "CREATE INDEX schemas_by_guid ON schemas(guid);"
          "ALTER TABLE versions ADD COLUMN ts INTEGER;",
    /* Confluent's contexts: each has a number, the high 32 bits of the key
     * of its schemas (the default context "." is 0, so its keys are the ids
     * the rows had), the largest id handed out in it, and whether GET
     * /contexts lists it (DELETE /contexts unlists it; its number and ids
     * stay, so an id is never handed out twice in a context). A reference
     * gets its target: its subject resolved in the referring schema's
     * context. Subjects an older binary stored qualified (":.ctx:s", then in
     * the default id space) move to their context in store_context_backfill. */
    [4] = "CREATE TABLE contexts ("
          "  num INTEGER PRIMARY KEY,"
          "  name TEXT NOT NULL UNIQUE,"
          "  last_id INTEGER NOT NULL DEFAULT 0,"
          "  listed INTEGER NOT NULL DEFAULT 1"
          ");"
          "INSERT INTO contexts (num, name, last_id) VALUES (0, '.',"
          " max(coalesce((SELECT max(id) FROM schemas), 0),"
          "     coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'schemas'), 0)));"
          "ALTER TABLE refs ADD COLUMN target TEXT;"
          "UPDATE refs SET target = subject;"
          "CREATE INDEX refs_by_qtarget ON refs(target, version);",
    /* Kafka mode (registry/kafkastore.h): the offset of the next record of
     * the log to apply, written in the transaction that applies a record;
     * and per version the log's value as read, so that a rewrite (a soft
     * delete) writes back the fields this store does not model. */
    [5] = "CREATE TABLE logpos ("
          "  topic TEXT PRIMARY KEY,"
          "  next INTEGER NOT NULL"
          ") WITHOUT ROWID;"
          "ALTER TABLE versions ADD COLUMN extra TEXT;",
};

enum store_stmt_id {
	ST_BEGIN,
	ST_BEGIN_IMMEDIATE,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SCHEMA_GET,
	ST_SCHEMA_FIND,
	ST_SCHEMA_INSERT,
	ST_SCHEMA_MAX_ID,
	ST_SCHEMA_BY_GUID,
	ST_SCHEMA_USED,
	ST_SCHEMA_DELETE,
	ST_REF_INSERT,
	ST_VERSION_GET,
	ST_VERSION_LATEST,
	ST_VERSIONS,
	ST_VERSIONS_BY_SCHEMA,
	ST_VERSION_INSERT,
	ST_VERSION_SOFT_DELETE,
	ST_VERSION_DELETE,
	ST_SUBJECTS,
	ST_SUBJECT_EXISTS,
	ST_SCHEMAS_BY_PREFIX,
	ST_REFERRERS,
	ST_CONFIG_GET,
	ST_CONFIG_PUT,
	ST_CONFIG_DELETE,
	ST_CONFIGS_BY_PREFIX,
	ST_MODE_GET,
	ST_MODE_PUT,
	ST_MODE_DELETE,
	ST_CTX_GET,
	ST_CTX_INSERT,
	ST_CTX_RELIST,
	ST_CTX_UNLIST,
	ST_CTX_LIST,
	ST_CTX_NAME,
	ST_CTX_LAST,
	ST_CTX_BUMP,
	ST_GUID_KEYS,
	ST_VERSION_PUT,
	ST_VERSION_EXTRA,
	ST_LOGPOS_GET,
	ST_LOGPOS_PUT,
	ST_COUNT
};

static const char *const store_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN",
    [ST_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SCHEMA_GET] =
        "SELECT id, type, schema, refs, metadata, ruleset, guid FROM schemas WHERE id = ?1",
    [ST_SCHEMA_FIND] = "SELECT id FROM schemas WHERE hash = ?1",
    [ST_SCHEMA_INSERT] =
        "INSERT INTO schemas (id, type, schema, refs, metadata, ruleset, hash, guid) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_SCHEMA_BY_GUID] = "SELECT s.id FROM schemas s JOIN contexts c ON c.num = s.id >> 32"
                          " WHERE s.guid = ?1 ORDER BY c.num != 0, c.name, s.id LIMIT 1",
    [ST_GUID_KEYS] = "SELECT c.name, min(s.id) FROM schemas s JOIN contexts c ON c.num = s.id >> 32"
                     " WHERE s.guid = ?1 GROUP BY c.name ORDER BY c.name",
    [ST_SCHEMA_MAX_ID] = "SELECT last_id FROM contexts WHERE num = ?1",
    [ST_SCHEMA_USED] = "SELECT 1 FROM versions WHERE schema_id = ?1 LIMIT 1",
    [ST_SCHEMA_DELETE] = "DELETE FROM schemas WHERE id = ?1",
    [ST_REF_INSERT] = "INSERT INTO refs (schema_id, name, subject, version, target)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_VERSION_GET] =
        "SELECT schema_id, deleted, ts FROM versions WHERE subject = ?1 AND version = ?2",
    [ST_VERSION_LATEST] = "SELECT version, schema_id, deleted, ts FROM versions"
                          " WHERE subject = ?1 AND deleted <= ?2 ORDER BY version DESC LIMIT 1",
    [ST_VERSIONS] = "SELECT version, schema_id, deleted, ts FROM versions"
                    " WHERE subject = ?1 AND deleted BETWEEN ?2 AND ?3 ORDER BY version",
    [ST_VERSIONS_BY_SCHEMA] = "SELECT subject, version, schema_id, deleted, ts FROM versions"
                              " WHERE schema_id = ?1 AND deleted <= ?2 ORDER BY subject, version",
    [ST_VERSION_INSERT] = "INSERT INTO versions (subject, version, schema_id, deleted, ts) VALUES "
                          "(?1, ?2, ?3, 0, ?4)",
    [ST_VERSION_SOFT_DELETE] =
        "UPDATE versions SET deleted = 1, ts = ?3 WHERE subject = ?1 AND version = ?2",
    [ST_VERSION_DELETE] =
        "DELETE FROM versions WHERE subject = ?1 AND version = ?2 RETURNING schema_id",
    [ST_SUBJECTS] = "SELECT subject FROM versions"
                    " WHERE subject >= ?1 AND (?2 IS NULL OR subject < ?2)"
                    " GROUP BY subject HAVING min(deleted) BETWEEN ?3 AND ?4 ORDER BY subject",
    [ST_SUBJECT_EXISTS] = "SELECT 1 FROM versions WHERE subject = ?1 AND deleted <= ?2 LIMIT 1",
    [ST_SCHEMAS_BY_PREFIX] = "SELECT v.subject, v.version, v.schema_id, v.deleted,"
                             " s.type, s.schema, s.refs, s.metadata, s.ruleset, s.guid, v.ts"
                             " FROM versions v JOIN schemas s ON s.id = v.schema_id"
                             " WHERE v.subject >= ?1 AND (?2 IS NULL OR v.subject < ?2)"
                             " AND v.deleted BETWEEN ?3 AND ?4 ORDER BY v.subject, v.version",
    [ST_REFERRERS] = "SELECT DISTINCT v.subject, v.version, v.schema_id, v.deleted, v.ts"
                     " FROM refs r JOIN versions v ON v.schema_id = r.schema_id"
                     " WHERE r.target = ?1 AND r.version = ?2 AND v.deleted <= ?3"
                     " ORDER BY v.schema_id, v.subject, v.version",
    [ST_CONFIG_GET] = "SELECT value FROM config WHERE scope = ?1 AND subject = ?2",
    [ST_CONFIG_PUT] = "INSERT OR REPLACE INTO config (scope, subject, value) VALUES (?1, ?2, ?3)",
    [ST_CONFIG_DELETE] = "DELETE FROM config WHERE scope = ?1 AND subject = ?2",
    [ST_CONFIGS_BY_PREFIX] = "SELECT subject, value FROM config WHERE scope = 1"
                             " AND subject >= ?1 AND (?2 IS NULL OR subject < ?2) ORDER BY subject",
    [ST_MODE_GET] = "SELECT mode FROM modes WHERE scope = ?1 AND subject = ?2",
    [ST_MODE_PUT] = "INSERT OR REPLACE INTO modes (scope, subject, mode) VALUES (?1, ?2, ?3)",
    [ST_MODE_DELETE] = "DELETE FROM modes WHERE scope = ?1 AND subject = ?2",
    [ST_CTX_GET] = "SELECT num, listed FROM contexts WHERE name = ?1",
    [ST_CTX_INSERT] = "INSERT INTO contexts (num, name) VALUES"
                      " ((SELECT max(num) + 1 FROM contexts), ?1) RETURNING num",
    [ST_CTX_RELIST] = "UPDATE contexts SET listed = 1 WHERE num = ?1",
    [ST_CTX_UNLIST] = "UPDATE contexts SET listed = 0 WHERE name = ?1 AND num != 0 AND listed",
    [ST_CTX_LIST] = "SELECT name FROM contexts WHERE listed AND num != 0 ORDER BY name",
    [ST_CTX_NAME] = "SELECT name FROM contexts WHERE num = ?1",
    [ST_CTX_LAST] = "SELECT last_id FROM contexts WHERE num = ?1",
    [ST_CTX_BUMP] = "UPDATE contexts SET last_id = max(last_id, ?2) WHERE num = ?1",
    [ST_VERSION_PUT] = "INSERT OR REPLACE INTO versions (subject, version, schema_id, deleted, ts,"
                       " extra) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_VERSION_EXTRA] = "SELECT extra FROM versions WHERE subject = ?1 AND version = ?2",
    [ST_LOGPOS_GET] = "SELECT next FROM logpos WHERE topic = ?1",
    [ST_LOGPOS_PUT] = "INSERT OR REPLACE INTO logpos (topic, next) VALUES (?1, ?2)",
};

struct store_tx {
	struct store *st;
	struct store_conn *conn;
	int write;
	int logged; /* a write transaction whose changes go to the log hooks */
};

struct store_conn {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	struct store_tx tx; /* the transaction running on this connection */
};

struct store {
	struct store_conn writer;
	pthread_mutex_t writer_mu;
	struct store_conn *readers;
	unsigned nreaders;
	unsigned *free_readers; /* stack of indexes into readers */
	unsigned nfree;
	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cond;
	int version;
	char cluster_id[40];
	const struct store_log_hooks *hooks; /* NULL: changes stay local */
	void *hooks_ctx;
};

/* ---- Errors ---- */

static int store_fail(sqlite3 *db, int rc, struct sg_error *err, const char *what)
{
	int prim = rc & 0xff;
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		return error_set(err, SG_ETIMEOUT, "%s: the database stayed locked (%s)", what,
		                 msg);
	if (prim == SQLITE_NOMEM)
		return error_set(err, SG_ENOMEM, "%s: out of memory", what);
	if (prim == SQLITE_CANTOPEN || prim == SQLITE_READONLY || prim == SQLITE_PERM)
		return error_set(err, SG_EIO, "%s: %s", what, msg);
	return error_set(err, SG_ESTORE, "%s: %s", what, msg);
}

/* ---- Statements ---- */

static sqlite3_stmt *store_stmt(struct store_tx *tx, enum store_stmt_id id, struct sg_error *err)
{
	struct store_conn *c = tx->conn;
	if (!c->stmt[id]) {
		int rc = sqlite3_prepare_v3(c->db, store_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		                            &c->stmt[id], NULL);
		if (rc != SQLITE_OK) {
			store_fail(c->db, rc, err, "preparing a statement");
			c->stmt[id] = NULL;
			return NULL;
		}
	}
	return c->stmt[id];
}

static void store_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Runs a statement that returns no rows (or whose rows are ignored). */
static int store_exec(struct store_tx *tx, sqlite3_stmt *s, struct sg_error *err, const char *what)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	store_done(s);
	if (rc != SQLITE_DONE)
		return store_fail(tx->conn->db, rc, err, what);
	return 0;
}

static int store_simple(struct store_conn *c, const char *sql, struct sg_error *err,
                        const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		error_set(err, (rc & 0xff) == SQLITE_BUSY ? SG_ETIMEOUT : SG_ESTORE, "%s: %s", what,
		          msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static const char *store_col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* A subject key: scope 0 and '' for the registry, scope 1 for a subject. */
static void store_bind_scope(sqlite3_stmt *s, const char *subject)
{
	sqlite3_bind_int(s, 1, subject ? 1 : 0);
	sqlite3_bind_text(s, 2, subject ? subject : "", -1, SQLITE_STATIC);
}

/* Binds [prefix, successor) to ?1, ?2: the successor is the prefix with its
 * last byte incremented (UTF-8 never has 0xff, so no carry), NULL for "". */
static void store_bind_prefix(sqlite3_stmt *s, const char *prefix, char *succ, size_t cap)
{
	size_t n = prefix ? strlen(prefix) : 0;
	sqlite3_bind_text(s, 1, n ? prefix : "", -1, SQLITE_STATIC);
	if (n == 0 || n + 1 > cap || (unsigned char)prefix[n - 1] == 0xff) {
		sqlite3_bind_null(s, 2);
		return;
	}
	memcpy(succ, prefix, n + 1);
	succ[n - 1] = (char)((unsigned char)succ[n - 1] + 1);
	sqlite3_bind_text(s, 2, succ, (int)n, SQLITE_STATIC);
}

static void store_filter_range(enum store_filter f, int *lo, int *hi)
{
	*lo = f == STORE_DELETED_ONLY ? 1 : 0;
	*hi = f == STORE_LIVE ? 0 : 1;
}

/* ---- Connections and migrations ---- */

static int store_conn_open(struct store_conn *c, const char *path, int flags, int busy_ms,
                           struct sg_error *err)
{
	memset(c, 0, sizeof *c);
	int rc = sqlite3_open_v2(path, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		error_set(err, SG_EIO, "cannot open database '%s': %s", path,
		          c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		sqlite3_close(c->db);
		c->db = NULL;
		return -1;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, busy_ms);
	c->tx.conn = c;
	return 0;
}

static void store_conn_close(struct store_conn *c)
{
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->stmt[i]);
	sqlite3_close(c->db);
	memset(c, 0, sizeof *c);
}

/* Reads one TEXT value with a one-shot statement. Returns 1 with `out`
 * filled, 0 when there is no row, -1 on error. */
static int store_query_text(struct store_conn *c, const char *sql, char *out, size_t cap,
                            struct sg_error *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(c->db, rc, err, "reading the database");
	rc = sqlite3_step(s);
	int found = 0;
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 0);
		snprintf(out, cap, "%s", v ? v : "");
		found = 1;
	} else if (rc != SQLITE_DONE) {
		store_fail(c->db, rc, err, "reading the database");
		found = -1;
	}
	sqlite3_finalize(s);
	return found;
}

/* Milliseconds since the epoch: a version's timestamp (Confluent's "ts"). */
static int64_t store_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Fills in the GUID of every schema that has none (rows written before
 * migration 3). Runs on the writer, inside the migration's transaction. */
static int store_guid_backfill(struct store_conn *c, struct sg_error *err)
{
	sqlite3_stmt *q = NULL, *u = NULL;
	int rc = sqlite3_prepare_v2(c->db,
	                            "SELECT id, schema, refs, metadata, ruleset FROM schemas"
	                            " WHERE guid IS NULL",
	                            -1, &q, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(c->db, "UPDATE schemas SET guid = ?2 WHERE id = ?1", -1, &u,
		                        NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		char guid[GUID_TEXT_LEN + 1];
		if (guid_of((const char *)sqlite3_column_text(q, 1),
		            (const char *)sqlite3_column_text(q, 2),
		            (const char *)sqlite3_column_text(q, 3),
		            (const char *)sqlite3_column_text(q, 4), guid, err) < 0) {
			error_prefix(err, SG_ESTORE,
			             "schema %lld: ", (long long)sqlite3_column_int64(q, 0));
			sqlite3_finalize(q);
			sqlite3_finalize(u);
			return -1;
		}
		sqlite3_bind_int64(u, 1, sqlite3_column_int64(q, 0));
		sqlite3_bind_text(u, 2, guid, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(u);
		sqlite3_reset(u);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(q);
	sqlite3_finalize(u);
	if (rc != SQLITE_DONE)
		return store_fail(c->db, rc, err, "filling in schema GUIDs");
	return 0;
}

/* Migration 4, for subjects an older binary stored qualified: such a
 * subject (":.ctx:s") was then one more subject of the default id space.
 * Each of its versions moves to its context, under the same id (ids were
 * unique across the store, so none collides), with a copy of the schema row
 * hashed for that context and its references resolved there; a schema row
 * no default-context version uses any more goes. Runs on the writer, inside
 * the migration's transaction. */
static int store_context_backfill(struct store_conn *c, struct sg_error *err)
{
	static const char *const sql[] = {
	    /* 0: the versions of qualified subjects */
	    "SELECT subject, version, schema_id FROM versions"
	    " WHERE substr(subject, 1, 2) = ':.' AND schema_id < 4294967296",
	    /* 1 */
	    "INSERT OR IGNORE INTO contexts (num, name) VALUES"
	    " ((SELECT max(num) + 1 FROM contexts), ?1)",
	    /* 2 */ "SELECT num FROM contexts WHERE name = ?1",
	    /* 3 */ "SELECT type, schema, refs, metadata, ruleset FROM schemas WHERE id = ?1",
	    /* 4 */
	    "INSERT OR IGNORE INTO schemas (id, type, schema, refs, metadata, ruleset, hash, guid)"
	    " SELECT ?2, type, schema, refs, metadata, ruleset, ?3, guid FROM schemas WHERE id = "
	    "?1",
	    /* 5 */
	    "INSERT INTO refs (schema_id, name, subject, version, target)"
	    " SELECT ?2, name, subject, version, CASE WHEN substr(subject, 1, 2) = ':.'"
	    " THEN subject ELSE ':' || ?3 || ':' || subject END FROM refs WHERE schema_id = ?1",
	    /* 6 */ "UPDATE versions SET schema_id = ?3 WHERE subject = ?1 AND version = ?2",
	    /* 7 */ "UPDATE contexts SET last_id = max(last_id, ?2) WHERE num = ?1",
	    /* 8 */
	    "DELETE FROM schemas WHERE id = ?1 AND NOT EXISTS"
	    " (SELECT 1 FROM versions WHERE schema_id = ?1)",
	};
	enum { N = sizeof sql / sizeof sql[0] };
	sqlite3_stmt *st[N] = {0};
	int rc = SQLITE_OK;
	for (size_t i = 0; i < N && rc == SQLITE_OK; i++)
		rc = sqlite3_prepare_v2(c->db, sql[i], -1, &st[i], NULL);
	int64_t *moved = NULL;
	size_t nmoved = 0, cap = 0;
	while (rc == SQLITE_OK && (rc = sqlite3_step(st[0])) == SQLITE_ROW) {
		const char *subject = (const char *)sqlite3_column_text(st[0], 0);
		int version = sqlite3_column_int(st[0], 1);
		int64_t old = sqlite3_column_int64(st[0], 2);
		char name[STORE_CONTEXT_MAX];
		if (!subject || qsubject_context_of(subject, name, sizeof name, err) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (strcmp(name, QSUBJECT_DEFAULT_CONTEXT) == 0) {
			rc = SQLITE_OK;
			continue;
		}
		sqlite3_bind_text(st[1], 1, name, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st[1]);
		sqlite3_reset(st[1]);
		sqlite3_bind_text(st[2], 1, name, -1, SQLITE_TRANSIENT);
		if (rc == SQLITE_DONE)
			rc = sqlite3_step(st[2]);
		int64_t num = sqlite3_column_int64(st[2], 0);
		sqlite3_reset(st[2]);
		if (rc != SQLITE_ROW)
			break;
		/* The copy's hash, as store_schema_hash() makes it for `num`. */
		sqlite3_bind_int64(st[3], 1, old);
		if ((rc = sqlite3_step(st[3])) != SQLITE_ROW) {
			sqlite3_reset(st[3]);
			break;
		}
		struct store_schema sc = {
		    .context = num,
		    .type = (const char *)sqlite3_column_text(st[3], 0),
		    .text = (const char *)sqlite3_column_text(st[3], 1),
		    .refs = (const char *)sqlite3_column_text(st[3], 2),
		    .metadata = (const char *)sqlite3_column_text(st[3], 3),
		    .ruleset = (const char *)sqlite3_column_text(st[3], 4),
		};
		uint8_t hash[SHA256_LEN];
		store_schema_hash(&sc, hash);
		sqlite3_reset(st[3]);
		int64_t key = STORE_KEY(num, old);
		sqlite3_bind_int64(st[4], 1, old);
		sqlite3_bind_int64(st[4], 2, key);
		sqlite3_bind_blob(st[4], 3, hash, sizeof hash, SQLITE_TRANSIENT);
		rc = sqlite3_step(st[4]);
		sqlite3_reset(st[4]);
		if (rc == SQLITE_DONE && sqlite3_changes(c->db) > 0) {
			sqlite3_bind_int64(st[5], 1, old);
			sqlite3_bind_int64(st[5], 2, key);
			sqlite3_bind_text(st[5], 3, name, -1, SQLITE_TRANSIENT);
			rc = sqlite3_step(st[5]);
			sqlite3_reset(st[5]);
		}
		if (rc == SQLITE_DONE) {
			sqlite3_bind_text(st[6], 1, subject, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int(st[6], 2, version);
			sqlite3_bind_int64(st[6], 3, key);
			rc = sqlite3_step(st[6]);
			sqlite3_reset(st[6]);
		}
		if (rc == SQLITE_DONE) {
			sqlite3_bind_int64(st[7], 1, num);
			sqlite3_bind_int64(st[7], 2, old);
			rc = sqlite3_step(st[7]);
			sqlite3_reset(st[7]);
		}
		if (rc != SQLITE_DONE)
			break;
		if (nmoved == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			int64_t *m = realloc(moved, ncap * sizeof *m);
			if (!m) {
				rc = SQLITE_NOMEM;
				break;
			}
			moved = m;
			cap = ncap;
		}
		moved[nmoved++] = old;
		rc = SQLITE_OK;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	for (size_t i = 0; rc == SQLITE_OK && i < nmoved; i++) {
		sqlite3_bind_int64(st[8], 1, moved[i]);
		rc = sqlite3_step(st[8]);
		sqlite3_reset(st[8]);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	free(moved);
	for (size_t i = 0; i < N; i++)
		sqlite3_finalize(st[i]);
	if (rc != SQLITE_OK) {
		if (err->code == SG_OK || rc != SQLITE_NOMEM)
			return store_fail(c->db, rc, err,
			                  "moving qualified subjects to their contexts");
		return -1;
	}
	return 0;
}

static void store_make_uuid(char out[40])
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t got = fd >= 0 ? read(fd, b, sizeof b) : -1;
	if (fd >= 0)
		close(fd);
	if (got != (ssize_t)sizeof b) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		unsigned long long x = (unsigned long long)ts.tv_nsec ^
		                       ((unsigned long long)ts.tv_sec << 20) ^
		                       ((unsigned long long)getpid() << 40);
		for (size_t i = 0; i < sizeof b; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			b[i] = (unsigned char)(x >> 56);
		}
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	         b[13], b[14], b[15]);
}

static int store_meta_put(struct store_conn *c, const char *key, const char *value,
                          struct sg_error *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    c->db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(c->db, rc, err, "writing the database version");
	return 0;
}

/* Brings the database to `target`, creating it when empty; all in one
 * transaction. Sets st->version and st->cluster_id. */
static int store_migrate(struct store *st, const char *path, int target, struct sg_error *err)
{
	struct store_conn *c = &st->writer;
	if (store_simple(c, "BEGIN IMMEDIATE", err, "opening the database") < 0)
		return -1;
	char buf[64];
	int current = 0;
	int has_meta = store_query_text(c,
	                                "SELECT name FROM sqlite_master"
	                                " WHERE type = 'table' AND name = 'meta'",
	                                buf, sizeof buf, err);
	if (has_meta < 0)
		goto fail;
	if (has_meta) {
		int r = store_query_text(c, "SELECT value FROM meta WHERE key = 'schema_version'",
		                         buf, sizeof buf, err);
		if (r < 0)
			goto fail;
		char *end = NULL;
		long v = r ? strtol(buf, &end, 10) : -1;
		if (r == 0 || !end || *end || v < 1 || v > 1000000) {
			error_set(err, SG_ESTORE,
			          "'%s' is not a schemagate database"
			          " (its meta table holds no valid schema_version)",
			          path);
			goto fail;
		}
		current = (int)v;
	} else {
		int others = store_query_text(c,
		                              "SELECT name FROM sqlite_master"
		                              " WHERE name NOT LIKE 'sqlite_%' LIMIT 1",
		                              buf, sizeof buf, err);
		if (others < 0)
			goto fail;
		if (others) {
			error_set(err, SG_ESTORE,
			          "'%s' is not a schemagate database"
			          " (it has tables but no meta table)",
			          path);
			goto fail;
		}
	}
	if (current > target) {
		error_set(err, SG_ESTORE,
		          "database '%s' has schema version %d, newer than this binary supports"
		          " (%d): upgrade schemagate or point it at another database",
		          path, current, target);
		goto fail;
	}
	for (int v = current + 1; v <= target; v++) {
		char what[64];
		snprintf(what, sizeof what, "applying database migration %d", v);
		if (store_simple(c, store_migrations[v], err, what) < 0)
			goto fail;
		snprintf(buf, sizeof buf, "%d", v);
		if (store_meta_put(c, "schema_version", buf, err) < 0)
			goto fail;
	}
	if (current < 3 && target >= 3 && store_guid_backfill(c, err) < 0)
		goto fail;
	if (current < 4 && target >= 4 && store_context_backfill(c, err) < 0)
		goto fail;
	int r = store_query_text(c, "SELECT value FROM meta WHERE key = 'cluster_id'",
	                         st->cluster_id, sizeof st->cluster_id, err);
	if (r < 0)
		goto fail;
	if (r == 0) {
		store_make_uuid(st->cluster_id);
		if (store_meta_put(c, "cluster_id", st->cluster_id, err) < 0)
			goto fail;
	}
	if (store_simple(c, "COMMIT", err, "opening the database") < 0)
		goto fail;
	st->version = target > current ? target : current;
	return 0;
fail:
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

struct store *store_open(const char *path, const struct store_options *opts, struct sg_error *err)
{
	struct store_options o = {0};
	if (opts)
		o = *opts;
	if (o.readers == 0)
		o.readers = 4;
	if (o.readers > 256)
		o.readers = 256;
	if (o.busy_timeout_ms <= 0)
		o.busy_timeout_ms = 10000;
	if (o.schema_version <= 0 || o.schema_version > STORE_SCHEMA_VERSION)
		o.schema_version = STORE_SCHEMA_VERSION;

	if (!sqlite3_threadsafe()) {
		error_set(err, SG_ESTORE, "this SQLite library was built without thread support");
		return NULL;
	}
	struct store *st = calloc(1, sizeof *st);
	if (!st) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&st->writer_mu, NULL);
	pthread_mutex_init(&st->pool_mu, NULL);
	pthread_cond_init(&st->pool_cond, NULL);
	st->writer.tx.st = st;

	if (store_conn_open(&st->writer, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	                    o.busy_timeout_ms, err) < 0)
		goto fail;
	st->writer.tx.st = st;
	st->writer.tx.write = 1;
	if (sqlite3_db_readonly(st->writer.db, "main") == 1) {
		error_set(err, SG_EIO, "database '%s' is not writable", path);
		goto fail;
	}
	char mode[16];
	int r = store_query_text(&st->writer, "PRAGMA journal_mode=WAL", mode, sizeof mode, err);
	if (r < 0) {
		error_prefix(err, SG_EIO, "cannot use database '%s': ", path);
		goto fail;
	}
	if (r == 0 || strcmp(mode, "wal") != 0) {
		error_set(err, SG_EIO, "database '%s' cannot use WAL journaling (got '%s')", path,
		          r ? mode : "");
		goto fail;
	}
	if (store_simple(&st->writer, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err,
	                 "configuring the database") < 0)
		goto fail;
	if (store_migrate(st, path, o.schema_version, err) < 0)
		goto fail;

	st->readers = calloc(o.readers, sizeof *st->readers);
	st->free_readers = calloc(o.readers, sizeof *st->free_readers);
	if (!st->readers || !st->free_readers) {
		error_set(err, SG_ENOMEM, "out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < o.readers; i++) {
		if (store_conn_open(&st->readers[i], path, SQLITE_OPEN_READONLY, o.busy_timeout_ms,
		                    err) < 0)
			goto fail;
		st->readers[i].tx.st = st;
		st->nreaders = i + 1;
		st->free_readers[st->nfree++] = i;
	}
	return st;
fail:
	store_close(st);
	return NULL;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (unsigned i = 0; i < st->nreaders; i++)
		store_conn_close(&st->readers[i]);
	if (st->writer.db)
		store_conn_close(&st->writer);
	free(st->readers);
	free(st->free_readers);
	pthread_mutex_destroy(&st->writer_mu);
	pthread_mutex_destroy(&st->pool_mu);
	pthread_cond_destroy(&st->pool_cond);
	free(st);
}

int store_schema_version(const struct store *st)
{
	return st->version;
}

const char *store_cluster_id(const struct store *st)
{
	return st->cluster_id;
}

/* ---- Transactions ---- */

static void store_release(struct store_tx *tx)
{
	struct store *st = tx->st;
	if (tx->write) {
		pthread_mutex_unlock(&st->writer_mu);
		return;
	}
	pthread_mutex_lock(&st->pool_mu);
	st->free_readers[st->nfree++] = (unsigned)(tx->conn - st->readers);
	pthread_cond_signal(&st->pool_cond);
	pthread_mutex_unlock(&st->pool_mu);
}

static struct store_tx *store_begin(struct store_tx *tx, enum store_stmt_id begin,
                                    struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, begin, err);
	if (!s || store_exec(tx, s, err, "beginning a transaction") < 0) {
		store_release(tx);
		return NULL;
	}
	return tx;
}

struct store_tx *store_read(struct store *st, struct sg_error *err)
{
	pthread_mutex_lock(&st->pool_mu);
	while (st->nfree == 0)
		pthread_cond_wait(&st->pool_cond, &st->pool_mu);
	unsigned i = st->free_readers[--st->nfree];
	pthread_mutex_unlock(&st->pool_mu);
	return store_begin(&st->readers[i].tx, ST_BEGIN, err);
}

struct store_tx *store_write(struct store *st, struct sg_error *err)
{
	const struct store_log_hooks *h = st->hooks;
	if (h && h->before_write(st->hooks_ctx, err) < 0)
		return NULL;
	pthread_mutex_lock(&st->writer_mu);
	st->writer.tx.logged = h != NULL;
	struct store_tx *tx = store_begin(&st->writer.tx, ST_BEGIN_IMMEDIATE, err);
	if (!tx && h)
		h->discard(st->hooks_ctx);
	return tx;
}

struct store_tx *store_apply_begin(struct store *st, struct sg_error *err)
{
	pthread_mutex_lock(&st->writer_mu);
	st->writer.tx.logged = 0;
	return store_begin(&st->writer.tx, ST_BEGIN_IMMEDIATE, err);
}

void store_set_log_hooks(struct store *st, const struct store_log_hooks *h, void *ctx)
{
	st->hooks = h;
	st->hooks_ctx = ctx;
}

static void store_rollback(struct store_tx *tx)
{
	if (!sqlite3_get_autocommit(tx->conn->db)) {
		struct sg_error ignored = {0};
		sqlite3_stmt *s = store_stmt(tx, ST_ROLLBACK, &ignored);
		if (!s || store_exec(tx, s, &ignored, "rolling back") < 0)
			sqlite3_exec(tx->conn->db, "ROLLBACK", NULL, NULL, NULL);
	}
}

int store_commit(struct store_tx *tx, struct sg_error *err)
{
	if (tx->write && tx->logged) {
		/* The log is the truth: what this transaction did reaches the
		 * database when the reader applies it back. */
		struct store *st = tx->st;
		store_rollback(tx);
		tx->logged = 0;
		store_release(tx);
		return st->hooks->publish(st->hooks_ctx, err);
	}
	sqlite3_stmt *s = store_stmt(tx, ST_COMMIT, err);
	int rc = s ? store_exec(tx, s, err, "committing") : -1;
	if (rc < 0 && !sqlite3_get_autocommit(tx->conn->db))
		sqlite3_exec(tx->conn->db, "ROLLBACK", NULL, NULL, NULL);
	store_release(tx);
	return rc;
}

void store_end(struct store_tx *tx)
{
	if (!tx)
		return;
	store_rollback(tx);
	int logged = tx->write && tx->logged;
	struct store *st = tx->st;
	tx->logged = 0;
	store_release(tx);
	if (logged)
		st->hooks->discard(st->hooks_ctx);
}

/* Tells the hooks of a change made in `tx`; 0 when the changes stay local. */
static int store_changed(struct store_tx *tx, enum store_change_kind kind, const char *subject,
                         int version, const char *value, struct sg_error *err)
{
	if (!tx->write || !tx->logged)
		return 0;
	struct store_change c = {kind, subject, version, value};
	return tx->st->hooks->change(tx->st->hooks_ctx, tx, &c, err);
}

/* ---- Schemas ---- */

static void store_hash_field(struct sha256 *h, const char *v)
{
	uint8_t head[9] = {0};
	size_t n = v ? strlen(v) : 0;
	head[0] = v ? 1 : 0;
	for (int i = 0; i < 8; i++)
		head[1 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	sha256_update(h, head, sizeof head);
	if (n)
		sha256_update(h, v, n);
}

/* The content key: each field with a presence byte and a length, so that no
 * two different contents hash the same input. Outside the default context
 * the context's number comes first, so that the same content has a row (and
 * an id) of its own in each context; in the default context the hash is the
 * one older binaries wrote. */
static void store_schema_hash(const struct store_schema *s, uint8_t out[SHA256_LEN])
{
	struct sha256 h;
	sha256_init(&h);
	if (s->context) {
		char num[32];
		snprintf(num, sizeof num, "context %lld", (long long)s->context);
		store_hash_field(&h, num);
	}
	store_hash_field(&h, s->type);
	store_hash_field(&h, s->text);
	store_hash_field(&h, s->refs);
	store_hash_field(&h, s->metadata);
	store_hash_field(&h, s->ruleset);
	sha256_final(&h, out);
}

int store_schema_get(struct store_tx *tx, int64_t id, store_schema_fn fn, void *ctx,
                     struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_SCHEMA_GET, err);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		struct store_schema row = {
		    .id = sqlite3_column_int64(s, 0),
		    .context = STORE_KEY_CONTEXT(sqlite3_column_int64(s, 0)),
		    .type = store_col_text(s, 1),
		    .text = store_col_text(s, 2),
		    .refs = store_col_text(s, 3),
		    .metadata = store_col_text(s, 4),
		    .ruleset = store_col_text(s, 5),
		    .guid = store_col_text(s, 6),
		};
		if (!row.type || !row.text)
			ret = store_fail(tx->conn->db, SQLITE_NOMEM, err, "reading a schema");
		else
			ret = fn(ctx, &row) ? -1 : 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(tx->conn->db, rc, err, "reading a schema");
	}
	store_done(s);
	return ret;
}

int64_t store_schema_find(struct store_tx *tx, const struct store_schema *sc, struct sg_error *err)
{
	uint8_t hash[SHA256_LEN];
	store_schema_hash(sc, hash);
	sqlite3_stmt *s = store_stmt(tx, ST_SCHEMA_FIND, err);
	if (!s)
		return -1;
	sqlite3_bind_blob(s, 1, hash, sizeof hash, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	int64_t id = 0;
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		id = store_fail(tx->conn->db, rc, err, "looking up a schema");
	store_done(s);
	return id;
}

/* Reads one integer column of a one-row statement with ?1 bound to `a`.
 * Returns 1 with *out set, 0 when no row, -1. */
static int store_one_int(struct store_tx *tx, enum store_stmt_id id, int64_t a, int64_t *out,
                         struct sg_error *err, const char *what)
{
	sqlite3_stmt *s = store_stmt(tx, id, err);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, a);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(tx->conn->db, rc, err, what);
	}
	store_done(s);
	return ret;
}

/* The target of a reference `subject` made from context number `ctx`: the
 * subject resolved in that context (registry/qsubject.h), into `out`. */
static int store_ref_target(struct store_tx *tx, int64_t ctx, const char *subject, char **out,
                            struct sg_error *err)
{
	char name[STORE_CONTEXT_MAX] = ".";
	if (ctx && store_context_name(tx, ctx, name, err) < 0)
		return -1;
	char parent[STORE_CONTEXT_MAX + 3];
	snprintf(parent, sizeof parent, ":%s:", name);
	size_t cap = strlen(parent) + strlen(subject) + 1;
	*out = malloc(cap);
	if (!*out)
		return error_set(err, SG_ENOMEM, "out of memory");
	if (qsubject_resolve_ref(parent, subject, *out, cap, err) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int64_t store_schema_insert(struct store_tx *tx, const struct store_schema *sc,
                            const struct store_ref *refs, size_t nrefs, struct sg_error *err)
{
	uint8_t hash[SHA256_LEN];
	char guid[GUID_TEXT_LEN + 1];
	store_schema_hash(sc, hash);
	if (guid_of(sc->text, sc->refs, sc->metadata, sc->ruleset, guid, err) < 0)
		return -1;
	int64_t id = sc->id;
	if (id <= 0) {
		int64_t last = 0;
		int r = store_one_int(tx, ST_CTX_LAST, sc->context, &last, err, "allocating an id");
		if (r < 0)
			return -1;
		if (r == 0)
			return error_set(err, SG_ESTORE, "context %lld is not in the store",
			                 (long long)sc->context);
		id = last + 1;
	}
	if (id > STORE_ID_MAX)
		return error_set(err, SG_EOPERATION_NOT_PERMITTED, "schema id %lld is out of range",
		                 (long long)id);
	int64_t key = STORE_KEY(sc->context, id);
	sqlite3_stmt *s = store_stmt(tx, ST_SCHEMA_INSERT, err);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, key);
	sqlite3_bind_text(s, 2, sc->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, sc->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, sc->refs, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, sc->metadata, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, sc->ruleset, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 7, hash, sizeof hash, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, guid, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	store_done(s);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return error_set(err, SG_EOPERATION_NOT_PERMITTED,
		                 "schema id %lld is already in use", (long long)id);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return error_set(err, SG_EID_MISMATCH,
		                 "this schema is already registered under another id");
	if (rc != SQLITE_DONE)
		return store_fail(tx->conn->db, rc, err, "inserting a schema");
	sqlite3_stmt *b = store_stmt(tx, ST_CTX_BUMP, err);
	if (!b)
		return -1;
	sqlite3_bind_int64(b, 1, sc->context);
	sqlite3_bind_int64(b, 2, id);
	if (store_exec(tx, b, err, "allocating an id") < 0)
		return -1;
	for (size_t i = 0; i < nrefs; i++) {
		sqlite3_stmt *r = store_stmt(tx, ST_REF_INSERT, err);
		char *target = NULL;
		if (!r || store_ref_target(tx, sc->context, refs[i].subject, &target, err) < 0)
			return -1;
		sqlite3_bind_int64(r, 1, key);
		sqlite3_bind_text(r, 2, refs[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(r, 3, refs[i].subject, -1, SQLITE_STATIC);
		sqlite3_bind_int(r, 4, refs[i].version);
		sqlite3_bind_text(r, 5, target, -1, free);
		if (store_exec(tx, r, err, "inserting a reference") < 0)
			return -1;
	}
	return key;
}

int64_t store_schema_by_guid(struct store_tx *tx, const char *guid, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_SCHEMA_BY_GUID, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, guid, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	int64_t id = 0;
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		id = store_fail(tx->conn->db, rc, err, "looking up a GUID");
	store_done(s);
	return id;
}

int64_t store_schema_max_id(struct store_tx *tx, struct sg_error *err)
{
	return store_schema_max_id_in(tx, 0, err);
}

int64_t store_schema_max_id_in(struct store_tx *tx, int64_t ctx, struct sg_error *err)
{
	int64_t last = 0;
	int r =
	    store_one_int(tx, ST_SCHEMA_MAX_ID, ctx, &last, err, "reading the largest schema id");
	return r < 0 ? -1 : last;
}

int store_schema_id_floor(struct store_tx *tx, int64_t context, int64_t id, struct sg_error *err)
{
	sqlite3_stmt *b = store_stmt(tx, ST_CTX_BUMP, err);
	if (!b)
		return -1;
	sqlite3_bind_int64(b, 1, context);
	sqlite3_bind_int64(b, 2, id);
	return store_exec(tx, b, err, "raising the largest id") < 0 ? -1 : 0;
}

int store_guid_keys(struct store_tx *tx, const char *guid, store_context_id_fn fn, void *ctx,
                    struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_GUID_KEYS, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, guid, -1, SQLITE_STATIC);
	int rc, calls = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = store_col_text(s, 0);
		if (!name) {
			store_done(s);
			return store_fail(tx->conn->db, SQLITE_NOMEM, err, "looking up a GUID");
		}
		calls++;
		if (fn(ctx, name, sqlite3_column_int64(s, 1)) < 0) {
			store_done(s);
			return -1;
		}
	}
	store_done(s);
	if (rc != SQLITE_DONE)
		return store_fail(tx->conn->db, rc, err, "looking up a GUID");
	return calls;
}

/* ---- Contexts ---- */

int store_context(struct store_tx *tx, const char *name, int create, int64_t *num,
                  struct sg_error *err)
{
	*num = 0;
	if (strcmp(name, QSUBJECT_DEFAULT_CONTEXT) == 0)
		return 1;
	if (strlen(name) >= STORE_CONTEXT_MAX)
		return error_set(err, SG_EINVALID_SUBJECT, "a context name is longer than %d bytes",
		                 STORE_CONTEXT_MAX - 1);
	sqlite3_stmt *s = store_stmt(tx, ST_CTX_GET, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	int listed = 0, found = 0;
	if (rc == SQLITE_ROW) {
		*num = sqlite3_column_int64(s, 0);
		listed = sqlite3_column_int(s, 1);
		found = 1;
	}
	store_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(tx->conn->db, rc, err, "reading a context");
	if (!create)
		return found;
	if (found) {
		if (listed)
			return 1;
		sqlite3_stmt *u = store_stmt(tx, ST_CTX_RELIST, err);
		if (!u)
			return -1;
		sqlite3_bind_int64(u, 1, *num);
		if (store_exec(tx, u, err, "listing a context") < 0 ||
		    store_changed(tx, STORE_CHANGE_CONTEXT_CREATE, NULL, 0, name, err) < 0)
			return -1;
		return 1;
	}
	sqlite3_stmt *i = store_stmt(tx, ST_CTX_INSERT, err);
	if (!i)
		return -1;
	sqlite3_bind_text(i, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(i);
	if (rc == SQLITE_ROW)
		*num = sqlite3_column_int64(i, 0);
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(i);
	store_done(i);
	if (rc != SQLITE_DONE)
		return store_fail(tx->conn->db, rc, err, "adding a context");
	if (*num > STORE_CONTEXT_NUM_MAX)
		return error_set(err, SG_ESTORE, "too many contexts");
	if (store_changed(tx, STORE_CHANGE_CONTEXT_CREATE, NULL, 0, name, err) < 0)
		return -1;
	return 1;
}

int store_context_name(struct store_tx *tx, int64_t num, char name[STORE_CONTEXT_MAX],
                       struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_CTX_NAME, err);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, num);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		const char *v = store_col_text(s, 0);
		snprintf(name, STORE_CONTEXT_MAX, "%s", v ? v : "");
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(tx->conn->db, rc, err, "reading a context");
	}
	store_done(s);
	return ret;
}

int store_contexts(struct store_tx *tx, store_context_fn fn, void *ctx, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_CTX_LIST, err);
	if (!s)
		return -1;
	int rc, calls = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = store_col_text(s, 0);
		if (!name) {
			store_done(s);
			return store_fail(tx->conn->db, SQLITE_NOMEM, err, "listing contexts");
		}
		calls++;
		if (fn(ctx, name) < 0) {
			store_done(s);
			return -1;
		}
	}
	store_done(s);
	if (rc != SQLITE_DONE)
		return store_fail(tx->conn->db, rc, err, "listing contexts");
	return calls;
}

int store_context_unlist(struct store_tx *tx, const char *name, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_CTX_UNLIST, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (store_exec(tx, s, err, "deleting a context") < 0)
		return -1;
	if (sqlite3_changes(tx->conn->db) == 0)
		return 0;
	if (store_changed(tx, STORE_CHANGE_CONTEXT_UNLIST, NULL, 0, name, err) < 0)
		return -1;
	return 1;
}

/* ---- Versions ---- */

int store_version_get(struct store_tx *tx, const char *subject, int version,
                      struct store_version *out, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_VERSION_GET, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, version);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		out->subject = subject;
		out->version = version;
		out->schema_id = sqlite3_column_int64(s, 0);
		out->deleted = sqlite3_column_int(s, 1);
		out->ts = sqlite3_column_int64(s, 2);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(tx->conn->db, rc, err, "reading a version");
	}
	store_done(s);
	return ret;
}

int store_version_latest(struct store_tx *tx, const char *subject, int any,
                         struct store_version *out, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_VERSION_LATEST, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, any ? 1 : 0);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		out->subject = subject;
		out->version = sqlite3_column_int(s, 0);
		out->schema_id = sqlite3_column_int64(s, 1);
		out->deleted = sqlite3_column_int(s, 2);
		out->ts = sqlite3_column_int64(s, 3);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(tx->conn->db, rc, err, "reading the latest version");
	}
	store_done(s);
	return ret;
}

/* Steps `s`, whose rows are versions with the given column layout, calling
 * `fn` for each. `subject` (when not NULL) is used instead of column `cs`.
 * With `deleted` (cdel >= 0), the timestamp is the column after it. */
static int store_each_version(struct store_tx *tx, sqlite3_stmt *s, const char *subject, int cs,
                              int cv, int cid, int cdel, store_version_fn fn, void *ctx,
                              struct sg_error *err, const char *what)
{
	int calls = 0, rc, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_version v = {
		    .subject = subject ? subject : store_col_text(s, cs),
		    .version = cv >= 0 ? sqlite3_column_int(s, cv) : 0,
		    .schema_id = cid >= 0 ? sqlite3_column_int64(s, cid) : 0,
		    .deleted = cdel >= 0 ? sqlite3_column_int(s, cdel) : 0,
		    .ts = cdel >= 0 ? sqlite3_column_int64(s, cdel + 1) : 0,
		};
		if (!v.subject) {
			store_done(s);
			return store_fail(tx->conn->db, SQLITE_NOMEM, err, what);
		}
		calls++;
		int r = fn(ctx, &v);
		if (r < 0) {
			store_done(s);
			return -1;
		}
		stop = r > 0;
	}
	store_done(s);
	if (!stop && rc != SQLITE_DONE)
		return store_fail(tx->conn->db, rc, err, what);
	return calls;
}

int store_versions(struct store_tx *tx, const char *subject, enum store_filter f,
                   store_version_fn fn, void *ctx, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_VERSIONS, err);
	if (!s)
		return -1;
	int lo, hi;
	store_filter_range(f, &lo, &hi);
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, lo);
	sqlite3_bind_int(s, 3, hi);
	return store_each_version(tx, s, subject, -1, 0, 1, 2, fn, ctx, err, "listing versions");
}

int store_versions_by_schema(struct store_tx *tx, int64_t schema_id, int deleted,
                             store_version_fn fn, void *ctx, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_VERSIONS_BY_SCHEMA, err);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, schema_id);
	sqlite3_bind_int(s, 2, deleted ? 1 : 0);
	return store_each_version(tx, s, NULL, 0, 1, 2, 3, fn, ctx, err, "listing versions");
}

int store_version_insert(struct store_tx *tx, const char *subject, int version, int64_t schema_id,
                         struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_VERSION_INSERT, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, version);
	sqlite3_bind_int64(s, 3, schema_id);
	sqlite3_bind_int64(s, 4, store_now_ms());
	int rc = sqlite3_step(s);
	store_done(s);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return error_set(err, SG_EOPERATION_NOT_PERMITTED,
		                 "subject '%s' already has a version %d", subject, version);
	if (rc != SQLITE_DONE)
		return store_fail(tx->conn->db, rc, err, "inserting a version");
	return store_changed(tx, STORE_CHANGE_VERSION_INSERT, subject, version, NULL, err);
}

int store_version_soft_delete(struct store_tx *tx, const char *subject, int version,
                              struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_VERSION_SOFT_DELETE, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, version);
	sqlite3_bind_int64(s, 3, store_now_ms());
	if (store_exec(tx, s, err, "deleting a version") < 0)
		return -1;
	if (sqlite3_changes(tx->conn->db) == 0)
		return 0;
	if (store_changed(tx, STORE_CHANGE_VERSION_SOFT_DELETE, subject, version, NULL, err) < 0)
		return -1;
	return 1;
}

int store_version_purge(struct store_tx *tx, const char *subject, int version, int64_t *dropped_id,
                        struct sg_error *err)
{
	if (dropped_id)
		*dropped_id = 0;
	sqlite3_stmt *s = store_stmt(tx, ST_VERSION_DELETE, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, version);
	int rc = sqlite3_step(s);
	int64_t schema_id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	store_done(s);
	if (rc != SQLITE_DONE)
		return store_fail(tx->conn->db, rc, err, "deleting a version");
	if (schema_id == 0)
		return 0;
	if (store_changed(tx, STORE_CHANGE_VERSION_PURGE, subject, version, NULL, err) < 0)
		return -1;

	sqlite3_stmt *u = store_stmt(tx, ST_SCHEMA_USED, err);
	if (!u)
		return -1;
	sqlite3_bind_int64(u, 1, schema_id);
	rc = sqlite3_step(u);
	store_done(u);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return store_fail(tx->conn->db, rc, err, "deleting a version");
	sqlite3_stmt *d = store_stmt(tx, ST_SCHEMA_DELETE, err);
	if (!d)
		return -1;
	sqlite3_bind_int64(d, 1, schema_id);
	if (store_exec(tx, d, err, "deleting a schema") < 0)
		return -1;
	if (dropped_id)
		*dropped_id = schema_id;
	return 1;
}

/* ---- Subjects ---- */

int store_subjects(struct store_tx *tx, const char *prefix, enum store_filter f,
                   store_version_fn fn, void *ctx, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_SUBJECTS, err);
	if (!s)
		return -1;
	size_t n = prefix ? strlen(prefix) : 0;
	char *succ = n ? malloc(n + 1) : NULL;
	if (n && !succ)
		return error_set(err, SG_ENOMEM, "out of memory");
	int lo, hi;
	store_filter_range(f, &lo, &hi);
	store_bind_prefix(s, prefix, succ, n + 1);
	sqlite3_bind_int(s, 3, lo);
	sqlite3_bind_int(s, 4, hi);
	int r = store_each_version(tx, s, NULL, 0, -1, -1, -1, fn, ctx, err, "listing subjects");
	free(succ);
	return r;
}

int store_subject_exists(struct store_tx *tx, const char *subject, int any, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_SUBJECT_EXISTS, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, any ? 1 : 0);
	int rc = sqlite3_step(s);
	store_done(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return store_fail(tx->conn->db, rc, err, "reading a subject");
	return 0;
}

int store_schemas_by_prefix(struct store_tx *tx, const char *prefix, enum store_filter f,
                            store_row_fn fn, void *ctx, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_SCHEMAS_BY_PREFIX, err);
	if (!s)
		return -1;
	size_t n = prefix ? strlen(prefix) : 0;
	char *succ = n ? malloc(n + 1) : NULL;
	if (n && !succ)
		return error_set(err, SG_ENOMEM, "out of memory");
	int lo, hi;
	store_filter_range(f, &lo, &hi);
	store_bind_prefix(s, prefix, succ, n + 1);
	sqlite3_bind_int(s, 3, lo);
	sqlite3_bind_int(s, 4, hi);
	int calls = 0, rc, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_version v = {
		    .subject = store_col_text(s, 0),
		    .version = sqlite3_column_int(s, 1),
		    .schema_id = sqlite3_column_int64(s, 2),
		    .deleted = sqlite3_column_int(s, 3),
		    .ts = sqlite3_column_int64(s, 10),
		};
		struct store_schema sc = {
		    .id = v.schema_id,
		    .context = STORE_KEY_CONTEXT(v.schema_id),
		    .type = store_col_text(s, 4),
		    .text = store_col_text(s, 5),
		    .refs = store_col_text(s, 6),
		    .metadata = store_col_text(s, 7),
		    .ruleset = store_col_text(s, 8),
		    .guid = store_col_text(s, 9),
		};
		if (!v.subject || !sc.type || !sc.text) {
			calls = store_fail(tx->conn->db, SQLITE_NOMEM, err, "listing schemas");
			stop = 1;
			rc = SQLITE_DONE;
			break;
		}
		calls++;
		int r = fn(ctx, &v, &sc);
		if (r < 0) {
			calls = -1;
			stop = 1;
			break;
		}
		stop = r > 0;
	}
	store_done(s);
	free(succ);
	if (calls >= 0 && !stop && rc != SQLITE_DONE)
		return store_fail(tx->conn->db, rc, err, "listing schemas");
	return calls;
}

/* ---- References ---- */

int store_referrers(struct store_tx *tx, const char *subject, int version, int deleted,
                    store_version_fn fn, void *ctx, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_REFERRERS, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, version);
	sqlite3_bind_int(s, 3, deleted ? 1 : 0);
	return store_each_version(tx, s, NULL, 0, 1, 2, 3, fn, ctx, err, "listing references");
}

/* ---- Config and mode ---- */

int store_config_get(struct store_tx *tx, const char *subject, char **json, struct sg_error *err)
{
	*json = NULL;
	sqlite3_stmt *s = store_stmt(tx, ST_CONFIG_GET, err);
	if (!s)
		return -1;
	store_bind_scope(s, subject);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		const char *v = store_col_text(s, 0);
		*json = v ? strdup(v) : NULL;
		ret = *json ? 1 : error_set(err, SG_ENOMEM, "out of memory");
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(tx->conn->db, rc, err, "reading a config");
	}
	store_done(s);
	return ret;
}

int store_config_put(struct store_tx *tx, const char *subject, const char *json,
                     struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_CONFIG_PUT, err);
	if (!s)
		return -1;
	store_bind_scope(s, subject);
	sqlite3_bind_text(s, 3, json, -1, SQLITE_STATIC);
	if (store_exec(tx, s, err, "writing a config") < 0)
		return -1;
	return store_changed(tx, STORE_CHANGE_CONFIG_PUT, subject, 0, json, err);
}

int store_config_delete(struct store_tx *tx, const char *subject, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_CONFIG_DELETE, err);
	if (!s)
		return -1;
	store_bind_scope(s, subject);
	if (store_exec(tx, s, err, "deleting a config") < 0)
		return -1;
	if (sqlite3_changes(tx->conn->db) == 0)
		return 0;
	if (store_changed(tx, STORE_CHANGE_CONFIG_DELETE, subject, 0, NULL, err) < 0)
		return -1;
	return 1;
}

int store_configs_by_prefix(struct store_tx *tx, const char *prefix, store_config_fn fn, void *ctx,
                            struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_CONFIGS_BY_PREFIX, err);
	if (!s)
		return -1;
	size_t n = prefix ? strlen(prefix) : 0;
	char *succ = n ? malloc(n + 1) : NULL;
	if (n && !succ)
		return error_set(err, SG_ENOMEM, "out of memory");
	store_bind_prefix(s, prefix, succ, n + 1);
	int calls = 0, rc = SQLITE_DONE, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *subject = store_col_text(s, 0), *value = store_col_text(s, 1);
		if (!subject || !value) {
			calls = store_fail(tx->conn->db, SQLITE_NOMEM, err, "listing configs");
			stop = 1;
			break;
		}
		calls++;
		int r = fn(ctx, subject, value);
		if (r < 0) {
			calls = -1;
			stop = 1;
			break;
		}
		stop = r > 0;
	}
	store_done(s);
	free(succ);
	if (calls >= 0 && !stop && rc != SQLITE_DONE)
		return store_fail(tx->conn->db, rc, err, "listing configs");
	return calls;
}

int store_mode_get(struct store_tx *tx, const char *subject, char mode[STORE_MODE_MAX],
                   struct sg_error *err)
{
	mode[0] = '\0';
	sqlite3_stmt *s = store_stmt(tx, ST_MODE_GET, err);
	if (!s)
		return -1;
	store_bind_scope(s, subject);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		const char *v = store_col_text(s, 0);
		snprintf(mode, STORE_MODE_MAX, "%s", v ? v : "");
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(tx->conn->db, rc, err, "reading a mode");
	}
	store_done(s);
	return ret;
}

int store_mode_put(struct store_tx *tx, const char *subject, const char *mode, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_MODE_PUT, err);
	if (!s)
		return -1;
	store_bind_scope(s, subject);
	sqlite3_bind_text(s, 3, mode, -1, SQLITE_STATIC);
	if (store_exec(tx, s, err, "writing a mode") < 0)
		return -1;
	return store_changed(tx, STORE_CHANGE_MODE_PUT, subject, 0, mode, err);
}

int store_mode_delete(struct store_tx *tx, const char *subject, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_MODE_DELETE, err);
	if (!s)
		return -1;
	store_bind_scope(s, subject);
	if (store_exec(tx, s, err, "deleting a mode") < 0)
		return -1;
	if (sqlite3_changes(tx->conn->db) == 0)
		return 0;
	if (store_changed(tx, STORE_CHANGE_MODE_DELETE, subject, 0, NULL, err) < 0)
		return -1;
	return 1;
}

/* ---- The log ---- */

int store_version_put(struct store_tx *tx, const char *subject, int version, int64_t schema_id,
                      int deleted, int64_t ts, const char *extra, struct sg_error *err)
{
	struct store_version old;
	int r = store_version_get(tx, subject, version, &old, err);
	if (r < 0)
		return -1;
	if (r == 1 && old.schema_id != schema_id &&
	    store_version_purge(tx, subject, version, NULL, err) < 0)
		return -1;
	sqlite3_stmt *s = store_stmt(tx, ST_VERSION_PUT, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, version);
	sqlite3_bind_int64(s, 3, schema_id);
	sqlite3_bind_int(s, 4, deleted ? 1 : 0);
	sqlite3_bind_int64(s, 5, ts);
	sqlite3_bind_text(s, 6, extra, -1, SQLITE_STATIC);
	return store_exec(tx, s, err, "writing a version");
}

int store_version_extra(struct store_tx *tx, const char *subject, int version, char **json,
                        struct sg_error *err)
{
	*json = NULL;
	sqlite3_stmt *s = store_stmt(tx, ST_VERSION_EXTRA, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, version);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		const char *v = store_col_text(s, 0);
		ret = 1;
		if (v && !(*json = strdup(v)))
			ret = error_set(err, SG_ENOMEM, "out of memory");
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(tx->conn->db, rc, err, "reading a version");
	}
	store_done(s);
	return ret;
}

int store_log_position(struct store_tx *tx, const char *topic, int64_t *next, struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_LOGPOS_GET, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, topic, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		*next = sqlite3_column_int64(s, 0);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(tx->conn->db, rc, err, "reading the log position");
	}
	store_done(s);
	return ret;
}

int store_log_position_put(struct store_tx *tx, const char *topic, int64_t next,
                           struct sg_error *err)
{
	sqlite3_stmt *s = store_stmt(tx, ST_LOGPOS_PUT, err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, next);
	return store_exec(tx, s, err, "writing the log position");
}

int store_log_reset(struct store_tx *tx, struct sg_error *err)
{
	return store_simple(tx->conn,
	                    "DELETE FROM refs; DELETE FROM versions; DELETE FROM schemas;"
	                    " DELETE FROM config; DELETE FROM modes; DELETE FROM logpos;"
	                    " DELETE FROM contexts WHERE num != 0;"
	                    " UPDATE contexts SET last_id = 0, listed = 1;",
	                    err, "emptying the view");
}
