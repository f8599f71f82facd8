/* registry/logview.c: store changes to `_schemas` records and back; see
 * registry/logview.h. */
#include "registry/logview.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/entity.h"
#include "registry/jsonio.h"
#include "registry/qsubject.h"

/* ---- Capture ---- */

static int logview_push(struct logview_batch *b, const struct schemalog_key *k,
                        enum schemalog_keytype type, const struct schemalog_value *v,
                        struct sg_error *err)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		struct logview_record *r = realloc(b->recs, cap * sizeof *r);
		if (!r)
			return error_set(err, SG_ENOMEM, "out of memory");
		b->recs = r;
		b->cap = cap;
	}
	struct logview_record rec = {0};
	if (schemalog_encode_key(k, &rec.key, &rec.key_len, err) < 0)
		return -1;
	if (v && schemalog_encode_value(type, v, &rec.value, &rec.value_len, err) < 0) {
		free(rec.key);
		return -1;
	}
	b->recs[b->n++] = rec;
	return 0;
}

void logview_batch_clear(struct logview_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->recs[i].key);
		free(b->recs[i].value);
	}
	b->n = 0;
	b->purged = 0;
	b->mark = 0;
}

/* A copy of the schema row a version uses. */
struct logview_schema {
	char *type, *text, *refs, *metadata, *ruleset;
};

static char *logview_dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int logview_schema_cb(void *ctx, const struct store_schema *s)
{
	struct logview_schema *o = ctx;
	o->type = logview_dup(s->type);
	o->text = logview_dup(s->text);
	o->refs = logview_dup(s->refs);
	o->metadata = logview_dup(s->metadata);
	o->ruleset = logview_dup(s->ruleset);
	return 0;
}

static void logview_schema_free(struct logview_schema *o)
{
	free(o->type);
	free(o->text);
	free(o->refs);
	free(o->metadata);
	free(o->ruleset);
}

static json_t *logview_parse(const char *text)
{
	return text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
}

/* The SCHEMA record of a version as the transaction has it now. */
static int logview_capture_version(struct logview_batch *b, struct store_tx *tx,
                                   const struct store_change *c, int deleted, struct sg_error *err)
{
	struct store_version v;
	int r = store_version_get(tx, c->subject, c->version, &v, err);
	if (r <= 0)
		return r < 0 ? -1
		             : error_set(err, SG_EINTERNAL, "version %d of '%s' vanished",
		                         c->version, c->subject);
	struct logview_schema s = {0};
	r = store_schema_get(tx, v.schema_id, logview_schema_cb, &s, err);
	if (r <= 0) {
		logview_schema_free(&s);
		return r < 0 ? -1
		             : error_set(err, SG_EINTERNAL, "schema %lld vanished",
		                         (long long)v.schema_id);
	}
	char *extra = NULL;
	int rc = -1;
	json_t *refs = logview_parse(s.refs), *meta = logview_parse(s.metadata),
	       *rules = logview_parse(s.ruleset), *xj = NULL;
	if (!s.type || !s.text || (s.refs && !refs) || (s.metadata && !meta) ||
	    (s.ruleset && !rules)) {
		error_set(err, SG_ENOMEM, "out of memory reading schema %lld",
		          (long long)v.schema_id);
		goto out;
	}
	if (deleted) {
		if (store_version_extra(tx, c->subject, c->version, &extra, err) < 0)
			goto out;
		xj = logview_parse(extra);
		if (!json_is_object(xj)) {
			json_decref(xj);
			xj = NULL;
		}
	}
	struct schemalog_key k;
	schemalog_key_init(&k, SCHEMALOG_SCHEMA);
	k.subject = c->subject;
	k.version = c->version;
	struct schemalog_value val;
	schemalog_value_init(&val);
	val.subject = c->subject;
	val.has_version = 1;
	val.version = c->version;
	val.has_id = 1;
	val.id = (int32_t)STORE_KEY_ID(v.schema_id);
	val.schema_type = s.type;
	val.references = refs;
	val.metadata = meta;
	val.rule_set = rules;
	val.schema = s.text;
	val.deleted = deleted;
	val.json = xj;
	rc = logview_push(b, &k, SCHEMALOG_SCHEMA, &val, err);
out:
	json_decref(refs);
	json_decref(meta);
	json_decref(rules);
	json_decref(xj);
	free(extra);
	logview_schema_free(&s);
	return rc;
}

static int logview_bool(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_boolean(v) ? json_is_true(v) : SCHEMALOG_UNSET;
}

static const char *logview_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_t *logview_obj(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_object(v) ? v : NULL;
}

static int logview_capture_config(struct logview_batch *b, const struct store_change *c,
                                  struct sg_error *err)
{
	json_t *cfg = logview_parse(c->value);
	if (!json_is_object(cfg)) {
		json_decref(cfg);
		return error_set(err, SG_ESTORE, "a stored config is malformed");
	}
	struct schemalog_key k;
	schemalog_key_init(&k, SCHEMALOG_CONFIG);
	k.subject = c->subject;
	struct schemalog_value v;
	schemalog_value_init(&v);
	v.subject = c->subject;
	v.alias = logview_str(cfg, "alias");
	v.normalize = logview_bool(cfg, "normalize");
	v.validate_fields = logview_bool(cfg, "validateFields");
	v.validate_rules = logview_bool(cfg, "validateRules");
	v.compatibility_level = logview_str(cfg, "compatibilityLevel");
	v.compatibility_group = logview_str(cfg, "compatibilityGroup");
	v.default_metadata = logview_obj(cfg, "defaultMetadata");
	v.override_metadata = logview_obj(cfg, "overrideMetadata");
	v.default_rule_set = logview_obj(cfg, "defaultRuleSet");
	v.override_rule_set = logview_obj(cfg, "overrideRuleSet");
	v.json = cfg; /* what Confluent does not know (compatibilityPolicy) */
	int rc = logview_push(b, &k, SCHEMALOG_CONFIG, &v, err);
	json_decref(cfg);
	return rc;
}

/* ---- The high-water mark of ids ---- */

/* A store_contexts() callback: the largest id of context `name` into the
 * JSON object of the mark. */
struct logview_mark_ctx {
	struct store_tx *tx;
	json_t *ids;
	struct sg_error *err;
};

static int logview_mark_cb(void *ctx, const char *name)
{
	struct logview_mark_ctx *m = ctx;
	int64_t num = 0, last;
	if (store_context(m->tx, name, 0, &num, m->err) != 1)
		return -1;
	if ((last = store_schema_max_id_in(m->tx, num, m->err)) < 0)
		return -1;
	if (last > 0 && json_object_set_new(m->ids, name, json_integer(last)) < 0)
		return error_set(m->err, SG_ENOMEM, "out of memory");
	return 0;
}

/* The NOOP mark of write transaction `tx` (every context's largest id ever
 * handed out) into the batch, replacing the one it already holds. */
static int logview_capture_mark(struct logview_batch *b, struct store_tx *tx, struct sg_error *err)
{
	json_t *ids = json_object(), *o = json_object();
	struct logview_mark_ctx m = {tx, ids, err};
	int64_t last = ids && o ? store_schema_max_id(tx, err) : -1;
	int rc = -1;
	if (!ids || !o) {
		error_set(err, SG_ENOMEM, "out of memory");
		goto out;
	}
	if (last < 0)
		goto out;
	if (last > 0 && json_object_set_new(ids, QSUBJECT_DEFAULT_CONTEXT, json_integer(last)) < 0)
		goto oom;
	if (store_contexts(tx, logview_mark_cb, &m, err) < 0)
		goto out;
	if (json_object_set(o, LOGVIEW_MARK_FIELD, ids) < 0)
		goto oom;
	char *value = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!value)
		goto oom;
	if (!b->mark) {
		struct schemalog_key k;
		schemalog_key_init(&k, SCHEMALOG_NOOP);
		if (logview_push(b, &k, SCHEMALOG_NOOP, NULL, err) < 0) {
			free(value);
			goto out;
		}
		b->mark = b->n;
	}
	struct logview_record *r = &b->recs[b->mark - 1];
	free(r->value);
	r->value = value;
	r->value_len = strlen(value);
	rc = 0;
	goto out;
oom:
	error_set(err, SG_ENOMEM, "out of memory");
out:
	json_decref(ids);
	json_decref(o);
	return rc;
}

int logview_apply_mark(struct store_tx *tx, const char *value, size_t len, struct sg_error *err)
{
	json_t *v = json_loadb(value, len, 0, NULL);
	json_t *ids = json_object_get(v, LOGVIEW_MARK_FIELD);
	const char *name;
	json_t *id;
	int rc = 0;
	json_object_foreach(ids, name, id)
	{
		json_int_t last = json_integer_value(id);
		int64_t num = 0;
		if (!json_is_integer(id) || last <= 0 || last > INT32_MAX)
			continue;
		int r = store_context(tx, name, 0, &num, err);
		/* A context unlisted since (its CONTEXT record compacted away)
		 * keeps its ids: it is known again, unlisted. */
		if (r == 0 && (store_context(tx, name, 1, &num, err) < 0 ||
		               store_context_unlist(tx, name, err) < 0))
			r = -1;
		if (r < 0 || store_schema_id_floor(tx, num, last, err) < 0) {
			rc = -1;
			break;
		}
	}
	json_decref(v);
	return rc;
}

int logview_capture(struct logview_batch *b, struct store_tx *tx, const struct store_change *c,
                    struct sg_error *err)
{
	struct schemalog_key k;
	struct schemalog_value v;
	schemalog_value_init(&v);
	switch (c->kind) {
	case STORE_CHANGE_VERSION_INSERT:
		return logview_capture_version(b, tx, c, 0, err);
	case STORE_CHANGE_VERSION_SOFT_DELETE:
		return logview_capture_version(b, tx, c, 1, err);
	case STORE_CHANGE_VERSION_PURGE:
		schemalog_key_init(&k, SCHEMALOG_SCHEMA);
		k.subject = c->subject;
		k.version = c->version;
		b->purged = 1;
		if (logview_push(b, &k, SCHEMALOG_SCHEMA, NULL, err) < 0)
			return -1;
		return logview_capture_mark(b, tx, err);
	case STORE_CHANGE_CONFIG_PUT:
		return logview_capture_config(b, c, err);
	case STORE_CHANGE_CONFIG_DELETE:
		schemalog_key_init(&k, SCHEMALOG_CONFIG);
		k.subject = c->subject;
		return logview_push(b, &k, SCHEMALOG_CONFIG, NULL, err);
	case STORE_CHANGE_MODE_PUT:
		if (b->purged && strcmp(c->value, "IMPORT") == 0) {
			/* Confluent's unforced switch to IMPORT: tombstones, then
			 * CLEAR_SUBJECT, then the mode. */
			schemalog_key_init(&k, SCHEMALOG_CLEAR_SUBJECT);
			k.subject = c->subject;
			v.subject = c->subject;
			if (logview_push(b, &k, SCHEMALOG_CLEAR_SUBJECT, &v, err) < 0)
				return -1;
		}
		schemalog_key_init(&k, SCHEMALOG_MODE);
		k.subject = c->subject;
		v.subject = c->subject;
		v.mode = c->value;
		return logview_push(b, &k, SCHEMALOG_MODE, &v, err);
	case STORE_CHANGE_MODE_DELETE:
		schemalog_key_init(&k, SCHEMALOG_MODE);
		k.subject = c->subject;
		return logview_push(b, &k, SCHEMALOG_MODE, NULL, err);
	case STORE_CHANGE_CONTEXT_CREATE:
	case STORE_CHANGE_CONTEXT_UNLIST:
		schemalog_key_init(&k, SCHEMALOG_CONTEXT);
		k.tenant = "default";
		k.context = c->value;
		v.tenant = "default";
		v.context = c->value;
		return logview_push(b, &k, SCHEMALOG_CONTEXT,
		                    c->kind == STORE_CHANGE_CONTEXT_CREATE ? &v : NULL, err);
	}
	return error_set(err, SG_EINTERNAL, "unknown store change %d", (int)c->kind);
}

/* ---- Apply ---- */

/* The store's text of the log's references: [{"name","subject","version"}]
 * as the API writes it, and the list store_schema_insert() takes. */
static int logview_refs(const json_t *in, char **text, struct store_ref **refs, size_t *n,
                        struct sg_error *err)
{
	*text = NULL;
	*refs = NULL;
	*n = 0;
	if (!in || json_array_size(in) == 0)
		return 0;
	size_t count = json_array_size(in);
	json_t *out = json_array();
	*refs = calloc(count, sizeof **refs);
	if (!out || !*refs)
		goto oom;
	for (size_t i = 0; i < count; i++) {
		json_t *r = json_array_get(in, i);
		const char *name = logview_str(r, "name"), *subject = logview_str(r, "subject");
		json_t *ver = json_object_get(r, "version");
		if (!name || !subject || !json_is_integer(ver)) {
			json_decref(out);
			free(*refs);
			*refs = NULL;
			return error_set(err, SG_ECORRUPT,
			                 "a reference lacks name, subject or version");
		}
		json_t *o = json_pack("{s:s,s:s,s:I}", "name", name, "subject", subject, "version",
		                      json_integer_value(ver));
		if (!o || json_array_append_new(out, o) < 0)
			goto oom;
		(*refs)[i] = (struct store_ref){name, subject, (int)json_integer_value(ver)};
	}
	*n = count;
	*text = jsonio_dump(out, NULL);
	json_decref(out);
	if (!*text)
		goto oom;
	return 0;
oom:
	json_decref(out);
	free(*refs);
	*refs = NULL;
	return error_set(err, SG_ENOMEM, "out of memory");
}

/* The store's text of metadata or a rule set: canonical as the API makes it. */
static int logview_canon(const json_t *in, int ruleset, char **text, struct sg_error *err)
{
	*text = NULL;
	if (!in || json_is_null(in))
		return 0;
	json_t *canon = NULL;
	int r = ruleset ? entity_ruleset(in, "ruleSet", &canon, err)
	                : entity_metadata(in, "metadata", &canon, err);
	if (r < 0)
		return -1;
	if (canon) {
		*text = jsonio_dump(canon, NULL);
		json_decref(canon);
		if (!*text)
			return error_set(err, SG_ENOMEM, "out of memory");
	}
	return 0;
}

struct logview_same {
	const char *text;
	int same;
};

static int logview_same_cb(void *ctx, const struct store_schema *s)
{
	struct logview_same *m = ctx;
	m->same = strcmp(m->text, s->text) == 0;
	return 0;
}

static int logview_apply_schema(struct store_tx *tx, const struct schemalog_record *r, int64_t ts,
                                struct sg_error *err)
{
	const char *subject = r->key.subject;
	int version = r->key.version;
	if (!r->has_value)
		return store_version_purge(tx, subject, version, NULL, err) < 0 ? -1 : 0;
	const struct schemalog_value *v = &r->value;
	char ctxname[STORE_CONTEXT_MAX];
	int64_t num;
	if (qsubject_context_of(subject, ctxname, sizeof ctxname, err) < 0 ||
	    store_context(tx, ctxname, 1, &num, err) < 0)
		return -1;
	int64_t key = STORE_KEY(num, v->id);
	struct logview_same same = {v->schema, -1};
	int found = store_schema_get(tx, key, logview_same_cb, &same, err);
	if (found < 0)
		return -1;
	if (found && !same.same) {
		/* KafkaStoreMessageHandler.validateUpdate: IGNORE_FAILURE. */
		error_set(err, SG_OK,
		          "SCHEMA %s version %d: id %d already names another schema; ignored",
		          subject, version, (int)v->id);
		return 1;
	}
	if (!found) {
		char *refs_text = NULL, *meta = NULL, *rules = NULL;
		struct store_ref *refs = NULL;
		size_t nrefs = 0;
		int64_t got = -1;
		if (logview_refs(v->references, &refs_text, &refs, &nrefs, err) == 0 &&
		    logview_canon(v->metadata, 0, &meta, err) == 0 &&
		    logview_canon(v->rule_set, 1, &rules, err) == 0) {
			struct store_schema s = {
			    .id = v->id,
			    .context = num,
			    .type = v->schema_type ? v->schema_type : "AVRO",
			    .text = v->schema,
			    .refs = refs_text,
			    .metadata = meta,
			    .ruleset = rules,
			};
			got = store_schema_insert(tx, &s, refs, nrefs, err);
		}
		free(refs_text);
		free(meta);
		free(rules);
		free(refs);
		if (got < 0) {
			if (err->code == SG_EID_MISMATCH || err->code == SG_ECORRUPT ||
			    err->code == SG_EOPERATION_NOT_PERMITTED ||
			    err->code == SG_EINVALID_RULESET || err->code == SG_EBAD_REQUEST ||
			    err->code == SG_EUNPROCESSABLE) {
				error_prefix(err, SG_OK,
				             "SCHEMA %s version %d (id %d) ignored: ", subject,
				             version, (int)v->id);
				return 1;
			}
			return -1;
		}
	}
	char *extra = v->json ? jsonio_dump(v->json, NULL) : NULL;
	if (v->json && !extra)
		return error_set(err, SG_ENOMEM, "out of memory");
	int rc = store_version_put(tx, subject, version, key, v->deleted, ts, extra, err);
	free(extra);
	return rc < 0 ? -1 : 0;
}

static int logview_versions_cb(void *ctx, const struct store_version *v)
{
	json_t *a = ctx;
	return json_array_append_new(
	    a, json_pack("[i,I,i]", v->version, (json_int_t)v->schema_id, v->deleted));
}

/* DELETE_SUBJECT: every live version up to `upto` is marked deleted. */
static int logview_apply_delete_subject(struct store_tx *tx, const char *subject, int upto,
                                        int64_t ts, struct sg_error *err)
{
	json_t *vs = json_array();
	if (!vs)
		return error_set(err, SG_ENOMEM, "out of memory");
	int rc = store_versions(tx, subject, STORE_LIVE, logview_versions_cb, vs, err) < 0 ? -1 : 0;
	for (size_t i = 0; rc == 0 && i < json_array_size(vs); i++) {
		json_t *p = json_array_get(vs, i);
		int version = (int)json_integer_value(json_array_get(p, 0));
		if (version > upto)
			continue;
		char *extra = NULL;
		rc = store_version_extra(tx, subject, version, &extra, err) < 0 ? -1 : 0;
		if (rc == 0)
			rc = store_version_put(tx, subject, version,
			                       json_integer_value(json_array_get(p, 1)), 1, ts,
			                       extra, err);
		free(extra);
	}
	json_decref(vs);
	return rc;
}

static int logview_subjects_cb(void *ctx, const struct store_version *v)
{
	return json_array_append_new(ctx, json_string(v->subject));
}

/* CLEAR_SUBJECT (InMemoryCache.clearSubjects): the soft-deleted versions of
 * `subject` go; a context (":.ctx:") stands for its subjects, none for all. */
static int logview_apply_clear(struct store_tx *tx, const char *subject, struct sg_error *err)
{
	struct qsubject q;
	json_t *subjects = json_array(), *vs = json_array();
	int rc = 0;
	if (!subjects || !vs) {
		rc = error_set(err, SG_ENOMEM, "out of memory");
		goto out;
	}
	if (subject)
		qsubject_parse(subject, &q);
	if (subject && *q.subject) {
		json_array_append_new(subjects, json_string(subject));
	} else if (store_subjects(tx, "", STORE_ALL, logview_subjects_cb, subjects, err) < 0) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; rc == 0 && i < json_array_size(subjects); i++) {
		const char *s = json_string_value(json_array_get(subjects, i));
		if (subject && !*q.subject) {
			struct qsubject sq;
			qsubject_parse(s, &sq);
			if (sq.context_len != q.context_len ||
			    memcmp(sq.context, q.context, q.context_len) != 0)
				continue;
		}
		json_array_clear(vs);
		if (store_versions(tx, s, STORE_DELETED_ONLY, logview_versions_cb, vs, err) < 0) {
			rc = -1;
			break;
		}
		for (size_t j = 0; rc == 0 && j < json_array_size(vs); j++) {
			int version =
			    (int)json_integer_value(json_array_get(json_array_get(vs, j), 0));
			rc = store_version_purge(tx, s, version, NULL, err) < 0 ? -1 : 0;
		}
	}
out:
	json_decref(subjects);
	json_decref(vs);
	return rc;
}

/* The config the store keeps: the value's fields but the record's own. */
static int logview_apply_config(struct store_tx *tx, const struct schemalog_record *r,
                                struct sg_error *err)
{
	json_t *cfg = json_deep_copy(r->value.json);
	if (!cfg)
		return error_set(err, SG_ENOMEM, "out of memory");
	json_object_del(cfg, "subject");
	json_object_del(cfg, "offset");
	json_object_del(cfg, "ts");
	char *text = jsonio_dump(cfg, NULL);
	json_decref(cfg);
	if (!text)
		return error_set(err, SG_ENOMEM, "out of memory");
	int rc = store_config_put(tx, r->key.subject, text, err);
	free(text);
	return rc < 0 ? -1 : 0;
}

int logview_apply(struct store_tx *tx, const struct schemalog_record *r, int64_t ts,
                  struct sg_error *err)
{
	const struct schemalog_key *k = &r->key;
	int64_t num;
	switch (k->type) {
	case SCHEMALOG_SCHEMA:
		return logview_apply_schema(tx, r, ts, err);
	case SCHEMALOG_CONFIG:
		if (!r->has_value)
			return store_config_delete(tx, k->subject, err) < 0 ? -1 : 0;
		return logview_apply_config(tx, r, err);
	case SCHEMALOG_MODE:
		if (!r->has_value)
			return store_mode_delete(tx, k->subject, err) < 0 ? -1 : 0;
		return store_mode_put(tx, k->subject, r->value.mode, err) < 0 ? -1 : 0;
	case SCHEMALOG_DELETE_SUBJECT:
		if (!r->has_value)
			return 0;
		return logview_apply_delete_subject(tx, k->subject, r->value.version, ts, err);
	case SCHEMALOG_CLEAR_SUBJECT:
		if (!r->has_value)
			return 0;
		return logview_apply_clear(tx, k->subject, err);
	case SCHEMALOG_CONTEXT:
		if (!k->context || !*k->context)
			return 0;
		if (!r->has_value)
			return store_context_unlist(tx, k->context, err) < 0 ? -1 : 0;
		return store_context(tx, k->context, 1, &num, err) < 0 ? -1 : 0;
	case SCHEMALOG_NOOP:
		return 0;
	}
	return 0;
}
