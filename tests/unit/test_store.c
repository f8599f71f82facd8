/* tests/unit/test_store.c: the SQLite store (registry/store) and its content
 * hash (registry/sha256): SHA-256 vectors, migrations and refusal of a newer
 * database, the records it keeps, ids never reused, and allocation of ids and
 * versions by concurrent writers. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "registry/sha256.h"
#include "registry/store.h"
#include "tests/tap.h"

static char tmpdir[256];

static void path_in_tmp(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmpdir, name);
}

/* ---- SHA-256 ---- */

static void hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < SHA256_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_sha256(void)
{
	static const struct {
		const char *in;
		const char *want;
	} v[] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t d[SHA256_LEN];
		char h[65];
		sha256(v[i].in, strlen(v[i].in), d);
		hex(d, h);
		tap_is_str(h, v[i].want, "sha256 of a %zu-byte vector", strlen(v[i].in));
	}
	/* One million 'a', fed in uneven pieces across block boundaries. */
	struct sha256 c;
	sha256_init(&c);
	char chunk[997];
	memset(chunk, 'a', sizeof chunk);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof chunk ? left : sizeof chunk;
		sha256_update(&c, chunk, n);
		left -= n;
	}
	uint8_t d[SHA256_LEN];
	char h[65];
	sha256_final(&c, d);
	hex(d, h);
	tap_is_str(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	           "sha256 of one million 'a' in pieces");
}

/* ---- Helpers ---- */

static int count_cb(void *ctx, const struct store_version *v)
{
	(void)v;
	(*(int *)ctx)++;
	return 0;
}

static int exists_cb(void *ctx, const struct store_schema *s)
{
	(void)ctx;
	(void)s;
	return 0;
}

struct collect {
	char buf[512];
};

static int collect_cb(void *ctx, const struct store_version *v)
{
	struct collect *c = ctx;
	size_t n = strlen(c->buf);
	snprintf(c->buf + n, sizeof c->buf - n, "%s%s:%d%s", n ? "," : "", v->subject, v->version,
	         v->deleted ? "d" : "");
	return 0;
}

static int64_t insert_schema(struct store_tx *tx, const char *text, int64_t id, struct sg_error *e)
{
	struct store_schema s = {.id = id, .type = "AVRO", .text = text};
	return store_schema_insert(tx, &s, NULL, 0, e);
}

/* ---- Migrations ---- */

struct guid_seen {
	char guid[64];
};

static int guid_cb(void *ctx, const struct store_schema *s)
{
	struct guid_seen *g = ctx;
	snprintf(g->guid, sizeof g->guid, "%s", s->guid ? s->guid : "(none)");
	return 0;
}

/* Migration 3 on a database that the previous release (schema version 2)
 * wrote: rows written with its statements get their Confluent GUIDs (values
 * computed outside schemagate, see tests/http/cases/015-entities-8x.http),
 * old versions have no timestamp, and the GUID index answers. */
static void test_migration_guids(void)
{
	char path[300];
	path_in_tmp(path, sizeof path, "guids.db");
	struct sg_error e = {0};
	struct store_options v2 = {.schema_version = 2};
	struct store *st = store_open(path, &v2, &e);
	tap_ok(st != NULL, "the previous release creates a database (%s)", e.msg);
	if (!st)
		return;
	store_close(st);
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(
		    db,
		    "INSERT INTO schemas (id, type, schema, hash) VALUES (1, 'AVRO', '\"string\"', "
		    "x'01');"
		    "INSERT INTO schemas (id, type, schema, refs, hash) VALUES (2, 'AVRO',"
		    " '{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"m\","
		    "\"type\":\"Money\"}]}',"
		    " '[{\"name\":\"Money\",\"subject\":\"m2\",\"version\":1}]', x'02');"
		    "INSERT INTO versions (subject, version, schema_id, deleted) VALUES ('names', "
		    "1, 1, 0);",
		    NULL, NULL, NULL);
	sqlite3_close(db);
	tap_is_int(rc, SQLITE_OK, "rows written as the previous release writes them");

	st = store_open(path, NULL, &e);
	tap_ok(st != NULL, "the current binary migrates it (%s)", e.msg);
	if (!st)
		return;
	struct store_tx *tx = store_read(st, &e);
	struct guid_seen g1 = {""}, g2 = {""};
	struct store_version v = {0};
	tap_is_int(store_schema_get(tx, 1, guid_cb, &g1, &e), 1, "schema 1 is there");
	tap_is_str(g1.guid, "095d71cf-1255-6b9d-5e33-0ad575b3df5d", "schema 1 got its GUID");
	store_schema_get(tx, 2, guid_cb, &g2, &e);
	tap_is_str(g2.guid, "a765c578-a75d-6f13-2e63-42fd9669709c",
	           "schema 2 got its GUID, references included");
	tap_is_int((int)store_schema_by_guid(tx, "a765c578-a75d-6f13-2e63-42fd9669709c", &e), 2,
	           "the GUID finds schema 2");
	tap_is_int((int)store_schema_by_guid(tx, "00000000-0000-0000-0000-000000000000", &e), 0,
	           "an unknown GUID finds nothing");
	tap_is_int(store_version_get(tx, "names", 1, &v, &e), 1, "the old version is there");
	tap_ok(v.ts == 0 && v.schema_id == 1, "an old version has no timestamp");
	store_end(tx);
	store_close(st);
}

/* The content hash the store keeps for a default-context schema of type
 * AVRO (registry/store.c: each field with a presence byte and a big-endian
 * 64-bit length), computed here as release 3 computed it, into `hex`. */
static void v3_hash_field(struct sha256 *h, const char *v)
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

static void v3_hash(const char *text, const char *refs, char out[2 * SHA256_LEN + 1])
{
	struct sha256 h;
	uint8_t d[SHA256_LEN];
	sha256_init(&h);
	v3_hash_field(&h, "AVRO");
	v3_hash_field(&h, text);
	v3_hash_field(&h, refs);
	v3_hash_field(&h, NULL);
	v3_hash_field(&h, NULL);
	sha256_final(&h, d);
	hex(d, out);
}

static int context_list_cb(void *ctx, const char *name)
{
	struct collect *c = ctx;
	size_t n = strlen(c->buf);
	snprintf(c->buf + n, sizeof c->buf - n, "%s%s", n ? "," : "", name);
	return 0;
}

/* Migration 4 on a database that release 3 wrote, with data: its ids stay
 * (the default context's keys are the ids), and the subjects it stored
 * qualified (":.ctx:s", which it kept in the one id space) move to their
 * context under the same ids, references resolved there. */
static void test_migration_contexts(void)
{
	char path[300];
	path_in_tmp(path, sizeof path, "contexts.db");
	struct sg_error e = {0};
	struct store_options v3 = {.schema_version = 3};
	struct store *st = store_open(path, &v3, &e);
	tap_ok(st != NULL, "release 3 creates a database (%s)", e.msg);
	if (!st)
		return;
	store_close(st);
	const char *rec = "{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"m\","
	                  "\"type\":\"Money\"}]}";
	const char *rec_refs = "[{\"name\":\"Money\",\"subject\":\"m2\",\"version\":1}]";
	char h1[65], h2[65], h3[65];
	v3_hash("\"string\"", NULL, h1);
	v3_hash(rec, rec_refs, h2);
	v3_hash("\"int\"", NULL, h3);
	char sql[4096];
	snprintf(
	    sql, sizeof sql,
	    "INSERT INTO schemas (id, type, schema, hash, guid) VALUES"
	    " (1, 'AVRO', '\"string\"', x'%s', 'g1'),"
	    " (3, 'AVRO', '\"int\"', x'%s', 'g3');"
	    "INSERT INTO schemas (id, type, schema, refs, hash, guid) VALUES"
	    " (2, 'AVRO', '%s', '%s', x'%s', 'g2');"
	    "INSERT INTO refs (schema_id, name, subject, version) VALUES (2, 'Money', 'm2', 1);"
	    "UPDATE sqlite_sequence SET seq = 5 WHERE name = 'schemas';"
	    "INSERT INTO versions (subject, version, schema_id, deleted, ts) VALUES"
	    " ('names', 1, 1, 0, 100), (':.ctx:names', 1, 1, 0, 101),"
	    " (':.ctx:p', 1, 2, 0, 102), ('m2', 1, 3, 0, 103), (':.ctx:m2', 1, 3, 1, 104);"
	    "INSERT INTO config (scope, subject, value) VALUES"
	    " (1, ':.ctx:names', '{\"compatibilityLevel\":\"NONE\"}');",
	    h1, h3, rec, rec_refs, h2);
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	tap_is_int(rc, SQLITE_OK, "rows written as release 3 writes them");

	st = store_open(path, NULL, &e);
	tap_ok(st != NULL, "the current binary migrates it (%s)", e.msg);
	if (!st)
		return;
	tap_is_int(store_schema_version(st), STORE_SCHEMA_VERSION, "to the latest schema version");
	struct store_tx *tx = store_read(st, &e);
	int64_t n = -1;
	tap_is_int(store_context(tx, ".ctx", 0, &n, &e), 1, "the context .ctx exists");
	tap_ok(n > 0, "with a number of its own (%lld)", (long long)n);
	struct collect names = {""};
	store_contexts(tx, context_list_cb, &names, &e);
	tap_is_str(names.buf, ".ctx", "and is listed");

	struct store_version v = {0};
	tap_is_int(store_version_get(tx, "names", 1, &v, &e), 1, "a default-context version");
	tap_ok(v.schema_id == 1 && v.ts == 100, "keeps its id and timestamp");
	tap_is_int(store_version_get(tx, ":.ctx:names", 1, &v, &e), 1, "a qualified version");
	tap_ok(v.schema_id == STORE_KEY(n, 1) && STORE_KEY_ID(v.schema_id) == 1 && v.ts == 101,
	       "is in its context under the same id (key %lld)", (long long)v.schema_id);
	store_version_get(tx, ":.ctx:m2", 1, &v, &e);
	tap_ok(v.schema_id == STORE_KEY(n, 3) && v.deleted, "a soft-deleted one moves too");
	struct guid_seen g = {""};
	tap_is_int(store_schema_get(tx, STORE_KEY(n, 2), guid_cb, &g, &e), 1,
	           "the moved schema is there");
	tap_is_str(g.guid, "g2", "with its GUID");
	tap_is_int(store_schema_get(tx, 2, exists_cb, NULL, &e), 0,
	           "the default-context row no version uses is gone");
	tap_is_int(store_schema_get(tx, 1, exists_cb, NULL, &e), 1,
	           "one a default-context version uses stays");

	struct store_schema str = {.type = "AVRO", .text = "\"string\""};
	tap_is_int(store_schema_find(tx, &str, &e), 1, "the default context finds its content");
	str.context = n;
	tap_is_int(store_schema_find(tx, &str, &e), STORE_KEY(n, 1),
	           "so does the context, under its own key");
	tap_is_int(store_schema_by_guid(tx, "g2", &e), STORE_KEY(n, 2),
	           "a GUID only the context has finds it there");
	tap_is_int(store_schema_by_guid(tx, "g1", &e), 1, "the default context's comes first");

	struct collect refs = {""};
	store_referrers(tx, ":.ctx:m2", 1, 1, collect_cb, &refs, &e);
	tap_is_str(refs.buf, ":.ctx:p:1", "the reference resolves in its context");
	struct collect none = {""};
	store_referrers(tx, "m2", 1, 1, collect_cb, &none, &e);
	tap_is_str(none.buf, "", "not to the default context's subject");
	char *cfg = NULL;
	tap_is_int(store_config_get(tx, ":.ctx:names", &cfg, &e), 1, "the config stays");
	free(cfg);
	tap_is_int(store_schema_max_id(tx, &e), 5, "the default context's ids go on after 5");
	tap_is_int(store_schema_max_id_in(tx, n, &e), 3, "the context's after 3");
	store_end(tx);

	tx = store_write(st, &e);
	struct store_schema fresh = {.type = "AVRO", .text = "\"long\"", .context = n};
	int64_t k = store_schema_insert(tx, &fresh, NULL, 0, &e);
	tap_is_int(k, STORE_KEY(n, 4), "a new schema of the context gets id 4");
	fresh.context = 0;
	tap_is_int(store_schema_insert(tx, &fresh, NULL, 0, &e), 6,
	           "the same content in the default context gets id 6");
	store_end(tx);
	store_close(st);
}

/* Contexts on a new database: ids per context from 1, the same content with
 * a row in each, an unlisted context keeping its ids. */
static void test_contexts(void)
{
	char path[300];
	path_in_tmp(path, sizeof path, "ctx.db");
	struct sg_error e = {0};
	struct store *st = store_open(path, NULL, &e);
	if (!tap_ok(st != NULL, "open (%s)", e.msg))
		return;
	struct store_tx *tx = store_write(st, &e);
	int64_t a = -1, b = -1, zero = -1;
	tap_is_int(store_context(tx, ".", 0, &zero, &e), 1, "the default context is always there");
	tap_is_int(zero, 0, "as number 0");
	tap_is_int(store_context(tx, ".a", 0, &a, &e), 0,
	           "an unknown context is not made by a read");
	store_context(tx, ".b", 1, &b, &e);
	store_context(tx, ".a", 1, &a, &e);
	tap_ok(a > 0 && b > 0 && a != b, "two contexts, two numbers");
	struct store_schema s = {.type = "AVRO", .text = "\"string\""};
	tap_is_int(store_schema_insert(tx, &s, NULL, 0, &e), 1, "id 1 in the default context");
	s.context = a;
	int64_t ka = store_schema_insert(tx, &s, NULL, 0, &e);
	tap_ok(ka == STORE_KEY(a, 1), "the same content is id 1 of .a too");
	struct store_schema other = {.type = "AVRO", .text = "\"int\"", .context = b};
	tap_is_int(store_schema_insert(tx, &other, NULL, 0, &e), STORE_KEY(b, 1),
	           "and id 1 of .b names another schema");
	tap_is_int(store_version_insert(tx, ":.a:s", 1, ka, &e), 0, "a version in .a");
	struct store_ref r = {"R", "s", 1};
	struct store_schema refd = {.type = "AVRO", .text = "\"bytes\"", .context = a};
	int64_t kr = store_schema_insert(tx, &refd, &r, 1, &e);
	store_version_insert(tx, ":.a:t", 1, kr, &e);
	struct collect c = {""};
	store_referrers(tx, ":.a:s", 1, 0, collect_cb, &c, &e);
	tap_is_str(c.buf, ":.a:t:1", "a reference from .a names a subject of .a");
	struct collect names = {""};
	store_contexts(tx, context_list_cb, &names, &e);
	tap_is_str(names.buf, ".a,.b", "the contexts, in byte order");
	tap_is_int(store_context_unlist(tx, ".b", &e), 1, "a context is unlisted");
	tap_is_int(store_context_unlist(tx, ".", &e), 0, "the default context never is");
	struct collect after = {""};
	store_contexts(tx, context_list_cb, &after, &e);
	tap_is_str(after.buf, ".a", "and no longer listed");
	int64_t b2 = -1;
	store_context(tx, ".b", 1, &b2, &e);
	tap_is_int(b2, b, "used again, it keeps its number");
	struct store_schema more = {.type = "AVRO", .text = "\"long\"", .context = b};
	tap_is_int(store_schema_insert(tx, &more, NULL, 0, &e), STORE_KEY(b, 2),
	           "and its ids go on");
	struct store_schema imp = {.id = 7, .type = "AVRO", .text = "\"float\"", .context = a};
	tap_is_int(store_schema_insert(tx, &imp, NULL, 0, &e), STORE_KEY(a, 7),
	           "an imported id in a context");
	tap_is_int(store_schema_max_id_in(tx, a, &e), 7, "raises the context's largest id");
	tap_is_int(store_schema_max_id(tx, &e), 1, "not the default context's");
	struct store_schema big = {.id = 2147483648LL, .type = "AVRO", .text = "\"double\""};
	error_clear(&e);
	tap_is_int(store_schema_insert(tx, &big, NULL, 0, &e), -1, "an id past 2^31-1 is refused");
	tap_is_int(e.code, SG_EOPERATION_NOT_PERMITTED, "as an operation not permitted");
	store_end(tx);
	store_close(st);
}

static int table_has_index(const char *path, const char *index)
{
	sqlite3 *db = NULL;
	int found = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *s = NULL;
		if (sqlite3_prepare_v2(db,
		                       "SELECT 1 FROM sqlite_master WHERE type='index' AND name=?1",
		                       -1, &s, NULL) == SQLITE_OK) {
			sqlite3_bind_text(s, 1, index, -1, SQLITE_STATIC);
			found = sqlite3_step(s) == SQLITE_ROW;
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return found;
}

static void test_migrations(void)
{
	char path[300];
	path_in_tmp(path, sizeof path, "migrate.db");
	struct sg_error e = {0};

	/* An older binary (migrations up to 1) creates the database. */
	struct store_options old = {.schema_version = 1};
	struct store *st = store_open(path, &old, &e);
	tap_ok(st != NULL, "an older binary creates a database (%s)", e.msg);
	if (!st)
		return;
	tap_is_int(store_schema_version(st), 1, "it is at schema version 1");
	char cluster[40];
	snprintf(cluster, sizeof cluster, "%s", store_cluster_id(st));
	tap_is_int(strlen(cluster), 36, "a cluster id is made at creation");
	store_close(st);
	tap_ok(!table_has_index(path, "refs_by_target"), "migration 2 has not run yet");

	/* This binary upgrades it, keeping the cluster id. */
	st = store_open(path, NULL, &e);
	tap_ok(st != NULL, "the current binary opens the older database (%s)", e.msg);
	if (!st)
		return;
	tap_is_int(store_schema_version(st), STORE_SCHEMA_VERSION, "it is migrated to the latest");
	tap_is_str(store_cluster_id(st), cluster, "the cluster id survives the migration");
	store_close(st);
	tap_ok(table_has_index(path, "refs_by_target"), "migration 2 created its index");

	/* The older binary now refuses it, naming both versions. */
	error_clear(&e);
	st = store_open(path, &old, &e);
	tap_ok(st == NULL, "an older binary refuses a newer database");
	store_close(st);
	char want[64];
	snprintf(want, sizeof want, "schema version %d", STORE_SCHEMA_VERSION);
	tap_ok(strstr(e.msg, want) && strstr(e.msg, "(1)") && strstr(e.msg, "newer"),
	       "the refusal names both versions: %s", e.msg);
	tap_is_int(e.code, SG_ESTORE, "the refusal is a store error");

	/* A database from a binary newer than this one. */
	sqlite3 *db = NULL;
	sqlite3_open(path, &db);
	sqlite3_exec(db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'", NULL, NULL,
	             NULL);
	sqlite3_close(db);
	error_clear(&e);
	st = store_open(path, NULL, &e);
	tap_ok(st == NULL && strstr(e.msg, "schema version 99") && strstr(e.msg, "supports"),
	       "this binary refuses schema version 99: %s", e.msg);
	store_close(st);

	/* Something that is not ours. */
	char other[300];
	path_in_tmp(other, sizeof other, "other.db");
	sqlite3_open(other, &db);
	sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL);
	sqlite3_close(db);
	error_clear(&e);
	st = store_open(other, NULL, &e);
	tap_ok(st == NULL && strstr(e.msg, "not a schemagate database"),
	       "a foreign database is refused: %s", e.msg);
	store_close(st);

	/* A path that cannot be created. */
	error_clear(&e);
	st = store_open("/nonexistent-dir/x/y.db", NULL, &e);
	tap_ok(st == NULL && e.code == SG_EIO, "an impossible path is an I/O error: %s", e.msg);
	store_close(st);
}

/* ---- Records ---- */

static void test_records(void)
{
	char path[300];
	path_in_tmp(path, sizeof path, "records.db");
	struct sg_error e = {0};
	struct store *st = store_open(path, NULL, &e);
	tap_ok(st != NULL, "open (%s)", e.msg);
	if (!st)
		return;

	struct store_tx *tx = store_write(st, &e);
	int64_t a = insert_schema(tx, "\"string\"", 0, &e);
	int64_t b = insert_schema(tx, "\"long\"", 0, &e);
	tap_ok(a == 1 && b == 2, "ids are allocated from 1 (%lld, %lld)", (long long)a,
	       (long long)b);
	struct store_schema same = {.type = "AVRO", .text = "\"string\""};
	tap_is_int(store_schema_find(tx, &same, &e), 1, "a schema is found by its content");
	struct store_schema meta = {.type = "AVRO", .text = "\"string\"", .metadata = "{}"};
	tap_is_int(store_schema_find(tx, &meta, &e), 0, "metadata is part of the content");
	struct store_schema json = {.type = "JSON", .text = "\"string\""};
	tap_is_int(store_schema_find(tx, &json, &e), 0, "the type is part of the content");
	error_clear(&e);
	tap_is_int(insert_schema(tx, "\"string\"", 0, &e), -1, "the same content twice is refused");
	tap_is_int(e.code, SG_EID_MISMATCH, "... as content under another id");
	error_clear(&e);
	tap_is_int(insert_schema(tx, "\"int\"", 2, &e), -1, "an id in use is refused");
	tap_is_int(e.code, SG_EOPERATION_NOT_PERMITTED, "... as not permitted");
	error_clear(&e);
	tap_is_int(insert_schema(tx, "\"int\"", 100, &e), 100, "an explicit id is kept (IMPORT)");
	tap_is_int(insert_schema(tx, "\"float\"", 0, &e), 101, "the next id follows it");

	tap_is_int(store_version_insert(tx, "s", 1, a, &e), 0, "version 1 of s");
	tap_is_int(store_version_insert(tx, "s", 2, b, &e), 0, "version 2 of s");
	tap_is_int(store_version_insert(tx, "t", 1, a, &e), 0, "version 1 of t, same schema");
	tap_is_int(store_version_insert(tx, "u", 1, 100, &e), 0, "version 1 of u");
	tap_is_int(store_version_insert(tx, "s", 2, a, &e), -1,
	           "a version cannot be written twice");
	error_clear(&e);
	struct store_ref ref = {"Str", "s", 1};
	struct store_schema refd = {.type = "AVRO",
	                            .text = "\"Str\"",
	                            .refs = "[{\"name\":\"Str\",\"subject\":\"s\",\"version\":1}]"};
	int64_t r = store_schema_insert(tx, &refd, &ref, 1, &e);
	tap_is_int(store_version_insert(tx, "v", 1, r, &e), 0, "v refers to s version 1");
	tap_is_int(store_commit(tx, &e), 0, "commit (%s)", e.msg);

	tx = store_read(st, &e);
	struct store_version v;
	tap_is_int(store_version_latest(tx, "s", 0, &v, &e), 1, "s has a latest version");
	tap_is_int(v.version, 2, "... version 2");
	struct collect c = {""};
	store_subjects(tx, "", STORE_LIVE, collect_cb, &c, &e);
	tap_is_str(c.buf, "s:0,t:0,u:0,v:0", "subjects in order");
	c.buf[0] = '\0';
	store_subjects(tx, "t", STORE_LIVE, collect_cb, &c, &e);
	tap_is_str(c.buf, "t:0", "subjects by prefix");
	c.buf[0] = '\0';
	store_versions_by_schema(tx, a, 1, collect_cb, &c, &e);
	tap_is_str(c.buf, "s:1,t:1", "versions that use a schema");
	c.buf[0] = '\0';
	store_referrers(tx, "s", 1, 0, collect_cb, &c, &e);
	tap_is_str(c.buf, "v:1", "who refers to s version 1");
	store_end(tx);

	/* Soft delete, then permanent delete; an id that lost its last version
	 * is gone and never handed out again. */
	tx = store_write(st, &e);
	tap_is_int(store_version_soft_delete(tx, "u", 1, &e), 1, "soft-delete u:1");
	c.buf[0] = '\0';
	store_subjects(tx, "", STORE_DELETED_ONLY, collect_cb, &c, &e);
	tap_is_str(c.buf, "u:0", "u is a deleted subject");
	c.buf[0] = '\0';
	store_subjects(tx, "", STORE_LIVE, collect_cb, &c, &e);
	tap_is_str(c.buf, "s:0,t:0,v:0", "u is not a live subject");
	tap_is_int(store_subject_exists(tx, "u", 0, &e), 0, "u has no live version");
	tap_is_int(store_subject_exists(tx, "u", 1, &e), 1, "u has a version");
	int64_t dropped = -1;
	tap_is_int(store_version_purge(tx, "u", 1, &dropped, &e), 1, "purge u:1");
	tap_is_int(dropped, 100, "schema 100 lost its last version and is dropped");
	tap_is_int(store_version_purge(tx, "t", 1, &dropped, &e), 1, "purge t:1");
	tap_is_int(dropped, 0, "schema 1 is still used by s:1");
	tap_is_int(insert_schema(tx, "\"int\"", 0, &e), 103, "a dropped id is not reused");
	tap_is_int(store_schema_max_id(tx, &e), 103, "the largest id");
	tap_is_int(store_commit(tx, &e), 0, "commit");

	/* Config and mode, global and per subject. */
	tx = store_write(st, &e);
	char *cfg = NULL;
	tap_is_int(store_config_get(tx, NULL, &cfg, &e), 0, "no global config yet");
	store_config_put(tx, NULL, "{\"compatibilityLevel\":\"FULL\"}", &e);
	store_config_put(tx, "s", "{\"compatibilityLevel\":\"NONE\"}", &e);
	tap_is_int(store_config_get(tx, NULL, &cfg, &e), 1, "a global config");
	tap_is_str(cfg, "{\"compatibilityLevel\":\"FULL\"}", "... as written");
	free(cfg);
	tap_is_int(store_config_get(tx, "s", &cfg, &e), 1, "a subject config");
	tap_is_str(cfg, "{\"compatibilityLevel\":\"NONE\"}", "... distinct from the global one");
	free(cfg);
	tap_is_int(store_config_delete(tx, "s", &e), 1, "delete the subject config");
	tap_is_int(store_config_delete(tx, "s", &e), 0, "... only once");
	char mode[STORE_MODE_MAX];
	store_mode_put(tx, NULL, "READONLY", &e);
	tap_is_int(store_mode_get(tx, NULL, mode, &e), 1, "a global mode");
	tap_is_str(mode, "READONLY", "... READONLY");
	tap_is_int(store_mode_get(tx, "s", mode, &e), 0, "no subject mode");
	store_end(tx); /* rolled back */
	tx = store_read(st, &e);
	tap_is_int(store_mode_get(tx, NULL, mode, &e), 0, "a rolled-back write left nothing");
	store_end(tx);
	store_close(st);

	/* What was committed is there after reopening. */
	st = store_open(path, NULL, &e);
	tx = st ? store_read(st, &e) : NULL;
	tap_ok(tx && store_version_get(tx, "s", 2, &v, &e) == 1 && v.schema_id == b,
	       "committed versions survive a reopen");
	store_end(tx);
	store_close(st);
}

/* ---- Concurrent writers ---- */

#define WRITERS 8
#define ROUNDS  40

struct writer_arg {
	struct store *st;
	int n;
	int64_t shared_ids[ROUNDS]; /* the id each round got for the shared schema */
	int shared_versions[ROUNDS];
	int failures;
};

struct find_in_subject {
	const char *subject;
	int version;
};

static int find_in_subject_cb(void *ctx, const struct store_version *v)
{
	struct find_in_subject *f = ctx;
	if (strcmp(v->subject, f->subject) == 0)
		f->version = v->version;
	return 0;
}

/* What the API does for a registration, in one write transaction: find the
 * schema by content or insert it, and add a version unless the subject has
 * one with that schema. */
static int register_once(struct store *st, const char *subject, const char *text, int64_t *id,
                         int *version)
{
	struct sg_error e = {0};
	struct store_tx *tx = store_write(st, &e);
	if (!tx)
		return -1;
	struct store_schema s = {.type = "AVRO", .text = text};
	int64_t found = store_schema_find(tx, &s, &e);
	if (found < 0)
		goto fail;
	if (found == 0 && (found = store_schema_insert(tx, &s, NULL, 0, &e)) < 0)
		goto fail;
	struct find_in_subject f = {subject, 0};
	if (store_versions_by_schema(tx, found, 1, find_in_subject_cb, &f, &e) < 0)
		goto fail;
	struct store_version latest;
	int has = store_version_latest(tx, subject, 1, &latest, &e);
	if (has < 0)
		goto fail;
	if (f.version) {
		*version = f.version;
	} else {
		*version = has ? latest.version + 1 : 1;
		if (store_version_insert(tx, subject, *version, found, &e) < 0)
			goto fail;
	}
	*id = found;
	return store_commit(tx, &e);
fail:
	store_end(tx);
	return -1;
}

static void *writer_main(void *p)
{
	struct writer_arg *w = p;
	for (int i = 0; i < ROUNDS; i++) {
		char subject[32], text[64];
		int64_t id;
		int version;
		/* A schema of its own ... */
		snprintf(subject, sizeof subject, "own-%d", w->n);
		snprintf(text, sizeof text, "{\"type\":\"fixed\",\"name\":\"f%d_%d\",\"size\":1}",
		         w->n, i);
		if (register_once(w->st, subject, text, &id, &version) < 0)
			w->failures++;
		/* ... and, each round, the same new schema as every other writer. */
		snprintf(text, sizeof text, "{\"type\":\"fixed\",\"name\":\"shared%d\",\"size\":1}",
		         i);
		if (register_once(w->st, "shared", text, &w->shared_ids[i],
		                  &w->shared_versions[i]) < 0)
			w->failures++;
		/* Readers run alongside. */
		struct sg_error e = {0};
		struct store_tx *tx = store_read(w->st, &e);
		int n = 0;
		if (!tx || store_versions(tx, subject, STORE_ALL, count_cb, &n, &e) < 0)
			w->failures++;
		store_end(tx);
	}
	return NULL;
}

static void test_concurrency(void)
{
	char path[300];
	path_in_tmp(path, sizeof path, "concurrent.db");
	struct sg_error e = {0};
	struct store_options o = {.readers = 3};
	struct store *st = store_open(path, &o, &e);
	tap_ok(st != NULL, "open with 3 readers for %d threads (%s)", WRITERS, e.msg);
	if (!st)
		return;
	static struct writer_arg args[WRITERS];
	pthread_t th[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		args[i] = (struct writer_arg){.st = st, .n = i};
		pthread_create(&th[i], NULL, writer_main, &args[i]);
	}
	int failures = 0;
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		failures += args[i].failures;
	}
	tap_is_int(failures, 0, "no transaction failed");

	int same_id = 1, same_version = 1;
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 1; i < WRITERS; i++) {
			same_id &= args[i].shared_ids[r] == args[0].shared_ids[r];
			same_version &= args[i].shared_versions[r] == args[0].shared_versions[r];
		}
	tap_ok(same_id, "a schema registered by %d writers at once got one id", WRITERS);
	tap_ok(same_version, "... and one version");

	struct store_tx *tx = store_read(st, &e);
	int shared = 0;
	store_versions(tx, "shared", STORE_ALL, count_cb, &shared, &e);
	tap_is_int(shared, ROUNDS, "the shared subject has one version per round");
	int64_t max = store_schema_max_id(tx, &e);
	tap_is_int(max, WRITERS * ROUNDS + ROUNDS,
	           "ids run without a gap to the number of schemas");
	/* Every id from 1 to max exists: none skipped (and the unique content key
	 * rules out duplicates). */
	int present = 0;
	for (int64_t id = 1; id <= max; id++)
		present += store_schema_get(tx, id, exists_cb, NULL, &e) == 1;
	tap_is_int(present, max, "every id up to the largest names a schema");
	int versions_ok = 1;
	for (int i = 0; i < WRITERS; i++) {
		char subject[32];
		snprintf(subject, sizeof subject, "own-%d", i);
		struct store_version v;
		versions_ok &=
		    store_version_latest(tx, subject, 1, &v, &e) == 1 && v.version == ROUNDS;
		int n = 0;
		store_versions(tx, subject, STORE_ALL, count_cb, &n, &e);
		versions_ok &= n == ROUNDS;
	}
	tap_ok(versions_ok, "each writer's subject has versions 1..%d", ROUNDS);
	store_end(tx);
	store_close(st);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "%s/sg-store-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_sha256();
	test_migrations();
	test_migration_guids();
	test_migration_contexts();
	test_contexts();
	test_records();
	test_concurrency();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", tmpdir);
	return tap_done();
}
