/* tests/unit/test_logview.c: the store as a view of `_schemas`
 * (registry/logview) without Kafka. Change capture as data: each case runs
 * store operations in one write transaction and lists the records it must
 * produce, "KEY => VALUE" ("KEY => null" for a tombstone), byte for byte;
 * the local transaction must be rolled back. Then apply: the captured
 * records, decoded, rebuild the same state in a second store; and records
 * as Confluent writes them (DELETE_SUBJECT's watermark, CLEAR_SUBJECT, a
 * duplicate id, unknown fields kept for a rewrite) change the view as
 * Confluent's message handler changes its cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/logview.h"
#include "registry/schemalog.h"
#include "registry/store.h"
#include "tests/tap.h"

static char tmpdir[256];
static struct logview_batch batch;
static int published, discarded;

static int hk_before(void *ctx, struct sg_error *err)
{
	(void)ctx;
	(void)err;
	logview_batch_clear(&batch);
	return 0;
}

static int hk_change(void *ctx, struct store_tx *tx, const struct store_change *c,
                     struct sg_error *err)
{
	(void)ctx;
	return logview_capture(&batch, tx, c, err);
}

static int hk_publish(void *ctx, struct sg_error *err)
{
	(void)ctx;
	(void)err;
	published++;
	return 0;
}

static void hk_discard(void *ctx)
{
	(void)ctx;
	discarded++;
	logview_batch_clear(&batch);
}

static const struct store_log_hooks hooks = {hk_before, hk_change, hk_publish, hk_discard};

static struct store *open_store(const char *name)
{
	char path[512];
	struct sg_error e = {0};
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	struct store *st = store_open(path, NULL, &e);
	if (!st)
		tap_diag("store_open: %s", e.msg);
	return st;
}

/* The batch as text, one "KEY => VALUE" line per record. */
static void batch_text(char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < batch.n && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s => %s\n", batch.recs[i].key,
		                      batch.recs[i].value ? batch.recs[i].value : "null");
}

static int64_t put_schema(struct store_tx *tx, int64_t ctx, const char *text, const char *refs,
                          const char *meta)
{
	struct sg_error e = {0};
	struct store_schema s = {
	    .context = ctx, .type = "AVRO", .text = text, .refs = refs, .metadata = meta};
	int64_t id = store_schema_insert(tx, &s, NULL, 0, &e);
	if (id < 0)
		tap_diag("insert: %s", e.msg);
	return id;
}

/* ---- Capture ---- */

enum op {
	OP_REGISTER, /* subject, version, schema text (new id) */
	OP_SOFT,     /* subject, version */
	OP_PURGE,    /* subject, version */
	OP_CONFIG,   /* subject (NULL: global), value JSON */
	OP_CONFIG_DEL,
	OP_MODE, /* subject, mode */
	OP_MODE_DEL,
	OP_CONTEXT, /* value: context name */
	OP_UNLIST,
	OP_END
};

struct step {
	enum op op;
	const char *subject;
	int version;
	const char *value;
};

static const struct {
	const char *name;
	struct step steps[6];
	const char *want;
} capture_cases[] = {
    {"a registration is one SCHEMA record",
     {{OP_REGISTER, "orders-value", 1, "\"string\""}, {OP_END, NULL, 0, NULL}},
     "{\"keytype\":\"SCHEMA\",\"subject\":\"orders-value\",\"version\":1,\"magic\":1} => "
     "{\"subject\":\"orders-value\",\"version\":1,\"id\":1,\"schemaType\":\"AVRO\","
     "\"schema\":\"\\\"string\\\"\",\"deleted\":false}\n"},
    {"a soft delete rewrites the SCHEMA value with deleted:true",
     {{OP_SOFT, "orders-value", 1, NULL}, {OP_END, NULL, 0, NULL}},
     "{\"keytype\":\"SCHEMA\",\"subject\":\"orders-value\",\"version\":1,\"magic\":1} => "
     "{\"subject\":\"orders-value\",\"version\":1,\"id\":1,\"schemaType\":\"AVRO\","
     "\"schema\":\"\\\"string\\\"\",\"deleted\":true}\n"},
    {"a hard delete is a SCHEMA tombstone",
     {{OP_PURGE, "orders-value", 1, NULL}, {OP_END, NULL, 0, NULL}},
     "{\"keytype\":\"SCHEMA\",\"subject\":\"orders-value\",\"version\":1,\"magic\":1} => null\n"
     /* the high-water mark of ids, which compaction keeps */
     "{\"keytype\":\"NOOP\",\"magic\":0} => {\"schemagateLastIds\":{\".\":1}}\n"},
    {"a subject config is a CONFIG record in Confluent's field names",
     {{OP_CONFIG, "orders-value", 0,
       "{\"normalize\":true,\"compatibilityLevel\":\"FULL\",\"compatibilityPolicy\":\"x\"}"},
      {OP_END, NULL, 0, NULL}},
     "{\"keytype\":\"CONFIG\",\"subject\":\"orders-value\",\"magic\":0} => "
     "{\"subject\":\"orders-value\",\"normalize\":true,\"compatibilityLevel\":\"FULL\","
     "\"compatibilityPolicy\":\"x\"}\n"},
    {"the global config has no subject",
     {{OP_CONFIG, NULL, 0, "{\"compatibilityLevel\":\"NONE\"}"}, {OP_END, NULL, 0, NULL}},
     "{\"keytype\":\"CONFIG\",\"magic\":0} => {\"compatibilityLevel\":\"NONE\"}\n"},
    {"deleting a config is a CONFIG tombstone",
     {{OP_CONFIG_DEL, NULL, 0, NULL}, {OP_END, NULL, 0, NULL}},
     "{\"keytype\":\"CONFIG\",\"magic\":0} => null\n"},
    {"a mode is a MODE record",
     {{OP_MODE, "orders-value", 0, "READONLY"}, {OP_END, NULL, 0, NULL}},
     "{\"keytype\":\"MODE\",\"subject\":\"orders-value\",\"magic\":0} => "
     "{\"subject\":\"orders-value\",\"mode\":\"READONLY\"}\n"},
    {"deleting a mode is a MODE tombstone",
     {{OP_MODE_DEL, "orders-value", 0, NULL}, {OP_END, NULL, 0, NULL}},
     "{\"keytype\":\"MODE\",\"subject\":\"orders-value\",\"magic\":0} => null\n"},
    {"a new context is a CONTEXT record before the SCHEMA record",
     {{OP_CONTEXT, NULL, 0, ".ctx"},
      {OP_REGISTER, ":.ctx:s", 1, "\"int\""},
      {OP_END, NULL, 0, NULL}},
     "{\"keytype\":\"CONTEXT\",\"tenant\":\"default\",\"context\":\".ctx\",\"magic\":0} => "
     "{\"tenant\":\"default\",\"context\":\".ctx\"}\n"
     "{\"keytype\":\"SCHEMA\",\"subject\":\":.ctx:s\",\"version\":1,\"magic\":1} => "
     "{\"subject\":\":.ctx:s\",\"version\":1,\"id\":1,\"schemaType\":\"AVRO\","
     "\"schema\":\"\\\"int\\\"\",\"deleted\":false}\n"},
    {"unlisting a context is a CONTEXT tombstone",
     {{OP_UNLIST, NULL, 0, ".ctx"}, {OP_END, NULL, 0, NULL}},
     "{\"keytype\":\"CONTEXT\",\"tenant\":\"default\",\"context\":\".ctx\",\"magic\":0} => "
     "null\n"},
    {"IMPORT after purges: tombstones, CLEAR_SUBJECT, then MODE",
     {{OP_REGISTER, "imp", 1, "\"long\""},
      {OP_SOFT, "imp", 1, NULL},
      {OP_PURGE, "imp", 1, NULL},
      {OP_MODE, NULL, 0, "IMPORT"},
      {OP_END, NULL, 0, NULL}},
     "{\"keytype\":\"SCHEMA\",\"subject\":\"imp\",\"version\":1,\"magic\":1} => "
     "{\"subject\":\"imp\",\"version\":1,\"id\":2,\"schemaType\":\"AVRO\","
     "\"schema\":\"\\\"long\\\"\",\"deleted\":false}\n"
     "{\"keytype\":\"SCHEMA\",\"subject\":\"imp\",\"version\":1,\"magic\":1} => "
     "{\"subject\":\"imp\",\"version\":1,\"id\":2,\"schemaType\":\"AVRO\","
     "\"schema\":\"\\\"long\\\"\",\"deleted\":true}\n"
     "{\"keytype\":\"SCHEMA\",\"subject\":\"imp\",\"version\":1,\"magic\":1} => null\n"
     "{\"keytype\":\"NOOP\",\"magic\":0} => {\"schemagateLastIds\":{\".\":2}}\n"
     "{\"keytype\":\"CLEAR_SUBJECT\",\"magic\":0} => {}\n"
     "{\"keytype\":\"MODE\",\"magic\":0} => {\"mode\":\"IMPORT\"}\n"},
};

/* Runs `steps` in one write transaction, the hooks capturing. A case finds
 * the versions it deletes in the state the previous cases' records left,
 * applied back by test_capture() as the reader would. */
static int run_steps(struct store *st, const struct step *steps)
{
	struct sg_error e = {0};
	struct store_tx *tx = store_write(st, &e);
	if (!tx)
		return -1;
	int rc = 0;
	for (const struct step *s = steps; rc == 0 && s->op != OP_END; s++) {
		int64_t num = 0, id;
		switch (s->op) {
		case OP_REGISTER:
			if (s->subject[0] == ':' && store_context(tx, ".ctx", 1, &num, &e) < 0)
				rc = -1;
			id = put_schema(tx, num, s->value, NULL, NULL);
			if (id < 0 || store_version_insert(tx, s->subject, s->version, id, &e) < 0)
				rc = -1;
			break;
		case OP_SOFT:
			rc = store_version_soft_delete(tx, s->subject, s->version, &e) < 0 ? -1 : 0;
			break;
		case OP_PURGE:
			rc = store_version_purge(tx, s->subject, s->version, NULL, &e) < 0 ? -1 : 0;
			break;
		case OP_CONFIG:
			rc = store_config_put(tx, s->subject, s->value, &e);
			break;
		case OP_CONFIG_DEL:
			rc = store_config_delete(tx, s->subject, &e) < 0 ? -1 : 0;
			break;
		case OP_MODE:
			rc = store_mode_put(tx, s->subject, s->value, &e);
			break;
		case OP_MODE_DEL:
			rc = store_mode_delete(tx, s->subject, &e) < 0 ? -1 : 0;
			break;
		case OP_CONTEXT:
			rc = store_context(tx, s->value, 1, &num, &e) < 0 ? -1 : 0;
			break;
		case OP_UNLIST:
			rc = store_context_unlist(tx, s->value, &e) < 0 ? -1 : 0;
			break;
		case OP_END:
			break;
		}
	}
	if (rc < 0) {
		tap_diag("step failed: %s", e.msg);
		store_end(tx);
		return -1;
	}
	return store_commit(tx, &e);
}

/* Applies every record of the batch to `st` (apply transaction). */
static int apply_batch(struct store *st, int64_t ts)
{
	struct sg_error e = {0};
	struct store_tx *tx = store_apply_begin(st, &e);
	if (!tx)
		return -1;
	for (size_t i = 0; i < batch.n; i++) {
		struct schemalog_record r;
		const struct logview_record *x = &batch.recs[i];
		if (schemalog_decode(x->key, x->key_len, x->value, x->value_len, &r, &e) < 0 ||
		    (r.key.type == SCHEMALOG_NOOP && x->value
		         ? logview_apply_mark(tx, x->value, x->value_len, &e)
		         : logview_apply(tx, &r, ts, &e)) != 0) {
			tap_diag("apply %s: %s", x->key, e.msg);
			schemalog_record_clear(&r);
			store_end(tx);
			return -1;
		}
		schemalog_record_clear(&r);
	}
	return store_commit(tx, &e);
}

static void test_capture(void)
{
	struct store *st = open_store("capture.db");
	if (!st)
		return;
	store_set_log_hooks(st, &hooks, NULL);
	char got[4096];
	for (size_t i = 0; i < sizeof capture_cases / sizeof capture_cases[0]; i++) {
		int rc = run_steps(st, capture_cases[i].steps);
		batch_text(got, sizeof got);
		tap_ok(rc == 0, "%s: the transaction commits", capture_cases[i].name);
		tap_is_str(got, capture_cases[i].want, "%s", capture_cases[i].name);
		/* What the log says is the state: apply it back, as the reader
		 * would, so that the next case starts from it. */
		store_set_log_hooks(st, NULL, NULL);
		tap_ok(apply_batch(st, 1000 + (int64_t)i) == 0, "%s: the records apply back",
		       capture_cases[i].name);
		store_set_log_hooks(st, &hooks, NULL);
	}

	/* Nothing stays local, and a transaction ended without commit drops what
	 * it captured. */
	struct sg_error e = {0};
	struct step reg[] = {{OP_REGISTER, "local", 1, "\"float\""}, {OP_END, NULL, 0, NULL}};
	tap_ok(run_steps(st, reg) == 0, "a registration is captured");
	struct store_tx *tx = store_read(st, &e);
	tap_is_int(store_subject_exists(tx, "local", 1, &e), 0,
	           "the local transaction was rolled back at commit");
	store_end(tx);
	int before = discarded;
	tx = store_write(st, &e);
	store_config_put(tx, NULL, "{\"compatibilityLevel\":\"FULL\"}", &e);
	store_end(tx);
	tap_is_int(discarded, before + 1, "store_end without commit discards the capture");
	tap_is_int((long long)batch.n, 0, "and leaves no record");
	store_set_log_hooks(st, NULL, NULL);
	store_close(st);
}

/* ---- Apply ---- */

struct rec {
	const char *key, *value; /* value NULL: tombstone */
};

static int apply_recs(struct store *st, const struct rec *recs, size_t n, int *skipped)
{
	struct sg_error e = {0};
	struct store_tx *tx = store_apply_begin(st, &e);
	if (!tx)
		return -1;
	*skipped = 0;
	for (size_t i = 0; i < n; i++) {
		struct schemalog_record r;
		struct sg_error re = {0};
		if (schemalog_decode(recs[i].key, strlen(recs[i].key), recs[i].value,
		                     recs[i].value ? strlen(recs[i].value) : 0, &r, &re) < 0) {
			tap_diag("decode %s: %s", recs[i].key, re.msg);
			store_end(tx);
			return -1;
		}
		int rc = logview_apply(tx, &r, 42, &re);
		schemalog_record_clear(&r);
		if (rc < 0) {
			tap_diag("apply %s: %s", recs[i].key, re.msg);
			store_end(tx);
			return -1;
		}
		*skipped += rc;
	}
	return store_commit(tx, &e);
}

#define SKEY(s, v) "{\"keytype\":\"SCHEMA\",\"subject\":\"" s "\",\"version\":" #v ",\"magic\":1}"
#define SVAL(s, v, id, schema, del)                                                                \
	"{\"subject\":\"" s "\",\"version\":" #v ",\"id\":" #id                                    \
	",\"schemaType\":\"AVRO\",\"schema\":\"" schema "\",\"deleted\":" del "}"

static void test_apply(void)
{
	struct store *st = open_store("apply.db");
	if (!st)
		return;
	struct sg_error e = {0};
	int skipped = 0;
	/* As Confluent 8.1 writes them, with a field it does not know in v3. */
	const struct rec recs[] = {
	    {SKEY("a", 1), SVAL("a", 1, 7, "\\\"string\\\"", "false")},
	    {SKEY("a", 2), SVAL("a", 2, 8, "\\\"int\\\"", "false")},
	    {SKEY("a", 3), "{\"subject\":\"a\",\"version\":3,\"id\":9,\"schemaType\":\"AVRO\","
	                   "\"schema\":\"\\\"long\\\"\",\"deleted\":false,\"future\":{\"x\":1}}"},
	    {"{\"keytype\":\"DELETE_SUBJECT\",\"subject\":\"a\",\"magic\":0}",
	     "{\"subject\":\"a\",\"version\":2}"},
	    /* id 7 already names "string": Confluent ignores this one */
	    {SKEY("b", 1), SVAL("b", 1, 7, "\\\"bytes\\\"", "false")},
	    {"{\"keytype\":\"CONFIG\",\"magic\":0}",
	     "{\"compatibilityLevel\":\"FULL_TRANSITIVE\"}"},
	    {"{\"keytype\":\"MODE\",\"subject\":\"a\",\"magic\":0}",
	     "{\"subject\":\"a\",\"mode\":\"READONLY\"}"},
	    {"{\"keytype\":\"NOOP\",\"magic\":0}", NULL},
	    {"{\"keytype\":\"CONTEXT\",\"tenant\":\"default\",\"context\":\".c2\",\"magic\":0}",
	     "{\"tenant\":\"default\",\"context\":\".c2\"}"},
	};
	tap_ok(apply_recs(st, recs, sizeof recs / sizeof recs[0], &skipped) == 0,
	       "Confluent's records apply");
	tap_is_int(skipped, 1, "the record whose id names another schema is skipped");
	struct store_tx *tx = store_read(st, &e);
	struct store_version v;
	store_version_get(tx, "a", 1, &v, &e);
	tap_ok(v.deleted && v.schema_id == 7, "DELETE_SUBJECT marks version 1 deleted");
	store_version_get(tx, "a", 2, &v, &e);
	tap_ok(v.deleted && v.schema_id == 8, "and version 2, its watermark");
	store_version_get(tx, "a", 3, &v, &e);
	tap_ok(!v.deleted && v.schema_id == 9 && v.ts == 42,
	       "but not version 3, above it (ts from the record)");
	tap_is_int(store_subject_exists(tx, "b", 1, &e), 0, "b was not registered");
	char *cfg = NULL, mode[STORE_MODE_MAX];
	store_config_get(tx, NULL, &cfg, &e);
	tap_is_str(cfg ? cfg : "", "{\"compatibilityLevel\":\"FULL_TRANSITIVE\"}",
	           "the global config is stored as the API stores it");
	free(cfg);
	store_mode_get(tx, "a", mode, &e);
	tap_is_str(mode, "READONLY", "the subject's mode");
	int64_t num = 0;
	tap_is_int(store_context(tx, ".c2", 0, &num, &e), 1, "the context is listed");
	tap_is_int(store_schema_max_id(tx, &e), 9, "ids continue above the log's");
	store_end(tx);

	/* A rewrite keeps the field Confluent did not know. */
	store_set_log_hooks(st, &hooks, NULL);
	tx = store_write(st, &e);
	store_version_soft_delete(tx, "a", 3, &e);
	store_commit(tx, &e);
	char got[2048];
	batch_text(got, sizeof got);
	tap_is_str(got,
	           SKEY("a", 3) " => {\"subject\":\"a\",\"version\":3,\"id\":9,\"schemaType\":"
	                        "\"AVRO\",\"schema\":\"\\\"long\\\"\",\"deleted\":true,"
	                        "\"future\":{\"x\":1}}\n",
	           "a soft delete writes back the unknown field");
	store_set_log_hooks(st, NULL, NULL);

	/* CLEAR_SUBJECT drops the soft-deleted versions; tombstones purge. */
	const struct rec more[] = {
	    {"{\"keytype\":\"CLEAR_SUBJECT\",\"subject\":\"a\",\"magic\":0}",
	     "{\"subject\":\"a\"}"},
	    {SKEY("a", 3), NULL},
	    {"{\"keytype\":\"MODE\",\"subject\":\"a\",\"magic\":0}", NULL},
	};
	tap_ok(apply_recs(st, more, 3, &skipped) == 0, "CLEAR_SUBJECT and tombstones apply");
	tx = store_read(st, &e);
	tap_is_int(store_subject_exists(tx, "a", 1, &e), 0,
	           "CLEAR_SUBJECT dropped the deleted versions, the tombstone the last");
	tap_is_int(store_mode_get(tx, "a", mode, &e), 0, "the MODE tombstone deleted the mode");
	tap_is_int(store_schema_max_id(tx, &e), 9, "and no id is handed out again");
	store_end(tx);

	/* The log position and the reset of a rebuilt view. */
	tx = store_apply_begin(st, &e);
	store_log_position_put(tx, "_schemas", 12, &e);
	store_commit(tx, &e);
	int64_t next = 0;
	tx = store_read(st, &e);
	tap_ok(store_log_position(tx, "_schemas", &next, &e) == 1 && next == 12,
	       "the log position is stored");
	store_end(tx);
	tx = store_apply_begin(st, &e);
	tap_ok(store_log_reset(tx, &e) == 0 && store_commit(tx, &e) == 0, "the view is emptied");
	tx = store_read(st, &e);
	tap_is_int(store_log_position(tx, "_schemas", &next, &e), 0, "with its position");
	tap_is_int(store_schema_max_id(tx, &e), 0, "and its ids");
	tap_is_int(store_context(tx, ".c2", 0, &num, &e), 0, "and its contexts");
	store_end(tx);
	store_close(st);
}

static int count_context(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return 0;
}

/* The NOOP mark of ids on a fresh view (the log compacted: the highest ids'
 * records gone): each context's next id is above the mark, a context the
 * view never saw is known again, unlisted; a NOOP with another value or a
 * null one changes nothing. */
static void test_mark(void)
{
	struct store *st = open_store("mark.db");
	if (!st)
		return;
	struct sg_error e = {0};
	struct store_tx *tx = store_apply_begin(st, &e);
	static const char *const marks[] = {
	    "{\"schemagateLastIds\":{\".\":7,\".gone\":3}}",
	    "{\"schemagateLastIds\":{\".\":5,\".gone\":\"x\"}}",
	    "{\"other\":1}",
	    "not json",
	};
	int rc = tx ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < sizeof marks / sizeof marks[0]; i++)
		rc = logview_apply_mark(tx, marks[i], strlen(marks[i]), &e);
	if (rc == 0)
		rc = store_commit(tx, &e);
	else
		store_end(tx);
	tap_ok(rc == 0, "NOOP marks apply to a fresh view%s%s", rc ? ": " : "", rc ? e.msg : "");
	tx = store_read(st, &e);
	int64_t num = -1;
	tap_is_int(tx ? store_schema_max_id(tx, &e) : -1, 7,
	           "the default context's largest id is the mark's (a lower one later does not "
	           "lower it)");
	tap_is_int(tx ? store_context(tx, ".gone", 0, &num, &e) : -1, 1,
	           "a context only the mark names is known");
	tap_is_int(tx && num > 0 ? store_schema_max_id_in(tx, num, &e) : -1, 3,
	           "with the mark's largest id");
	tap_is_int(tx ? store_contexts(tx, count_context, NULL, &e) : -1, 0, "and not listed");
	store_end(tx);
	tx = store_write(st, &e);
	int64_t id = tx ? put_schema(tx, 0, "\"string\"", NULL, NULL) : -1;
	tap_is_int(id, 8, "the next schema registered gets id 8, not one the log no longer shows");
	store_end(tx);
	store_close(st);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "%s/sg-logview-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_capture();
	test_apply();
	test_mark();
	logview_batch_clear(&batch);
	free(batch.recs);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", tmpdir);
	return tap_done();
}
