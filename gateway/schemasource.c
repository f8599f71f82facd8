/* gateway/schemasource.c: schema lookups with caches (see schemasource.h).
 *
 * Locks: `lock` (a rwlock) guards the caches, each a common/lru; fresh hits
 * take it for reading (lru_get_shared*). `fmu` guards the in-flight list, its
 * condition variable and the last fetch error. A fetch runs with neither
 * held. Id entries are reference counted: the cache that holds an entry holds
 * one reference, each caller of schemasource_schema() one more.
 */
#include "gateway/schemasource.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/lru.h"
#include "common/regclient.h"

/* Fixed cost counted for each cached schema, and the factor applied to its
 * text (and its references' texts) to estimate the parsed model's size. */
#define SS_ENTRY_BYTES 1024u
#define SS_TEXT_FACTOR 16u

/* A schema by id (in `ids`), or an id the registry does not have (in
 * `unknown`). The same struct, under a string key, is a GUID: in `ids` with
 * the GUID's id in pub.id and nothing else (`guid` set), or in `unknown`
 * when the registry does not have it. */
struct ss_id {
	struct schemasource_schema pub; /* first: pub pointers convert back */
	atomic_uint refs;
	int missing;         /* the registry has no such id (a negative entry) */
	int guid;            /* a GUID's entry: only pub.id means anything */
	uint64_t fetched_ms; /* for negative and unusable entries */
	size_t bytes;        /* estimated memory; 0 for a negative entry */
	struct schema *schema;
	struct schema **deps; /* referenced schemas, freed after `schema` */
	size_t ndeps;
	struct schema_validator *validator; /* freed before `schema` */
	char *unusable;
};

/* The latest version of a subject (the key of `latest`). */
struct ss_latest {
	int found;
	int64_t id;
	int version;
	uint64_t fetched_ms;
};

struct ss_pair {
	char *subject;
	int version;
};

/* The (subject, version) pairs of an id (the key of `idsubs`). */
struct ss_idsub {
	int found; /* the id exists */
	struct ss_pair *pairs;
	size_t npairs;
	uint64_t fetched_ms;
};

enum ss_kind { SS_KIND_ID, SS_KIND_LATEST, SS_KIND_IDSUB, SS_KIND_GUID };

struct ss_flight {
	enum ss_kind kind;
	int64_t id;
	const char *subject; /* borrowed from the leader's caller */
	int done;
	int rc;
	struct sg_error err;
	unsigned users;
	struct ss_flight *next;
};

struct schemasource {
	struct schemasource_backend be;
	struct schemasource_options o;

	pthread_rwlock_t lock;
	/* Schemas by id, each costing its estimated bytes (at most the whole
	 * budget, so that an oversized one is kept alone), with the GUIDs
	 * (string keys) costing SCHEMASOURCE_GUID_BYTES, and the ids and GUIDs the
	 * registry does not have, each costing 1: these are outside the byte
	 * budget, so unknown ids a client makes up never push real schemas out.
	 * An id is in at most one of the two. */
	struct lru *ids, *unknown;
	size_t id_bytes; /* the estimates of the schemas in `ids`, uncapped */
	/* The latest version by subject, each costing 1 (max_subjects). */
	struct lru *latest;
	/* The (subject, version) pairs by id, each costing 1 (max_ids). */
	struct lru *idsubs;

	pthread_mutex_t fmu;
	pthread_cond_t fcond;
	struct ss_flight *flights;
	char last_error[SG_ERROR_MSG_MAX];
	atomic_uint_fast64_t down_until;

	atomic_uint_fast64_t hits, fetches, fetch_errors, stale_served;
};

/* ---- time and counters ---- */

static uint64_t ss_now(const struct schemasource *ss)
{
	if (ss->o.clock_ms)
		return ss->o.clock_ms(ss->o.clock_arg);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void ss_count(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* ---- id entries ---- */

static void ss_id_free(struct ss_id *e)
{
	schema_validator_free(e->validator);
	schema_free(e->schema);
	for (size_t i = e->ndeps; i-- > 0;)
		schema_free(e->deps[i]);
	free(e->deps);
	free(e->unusable);
	free(e);
}

static void ss_id_put(struct ss_id *e)
{
	if (e && atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
		ss_id_free(e);
}

/* Drops the reference a cache held on `value`, which has just left it (`arg`
 * is the source): the free callback of `ids` and `unknown`, and what follows
 * an lru_take() from them. Write lock held. */
static void ss_id_drop(void *arg, void *value)
{
	struct schemasource *ss = arg;
	struct ss_id *e = value;
	ss->id_bytes -= e->bytes;
	ss_id_put(e);
}

/* Removes the entry for `id` from whichever cache holds it. Write lock
 * held. */
static void ss_id_remove(struct schemasource *ss, int64_t id)
{
	struct ss_id *e = lru_take(ss->ids, id);
	if (!e)
		e = lru_take(ss->unknown, id);
	if (e)
		ss_id_drop(ss, e);
}

/* Puts `e` in its cache (replacing an entry for the same id), which takes a
 * reference, and takes one for the caller. When the cache cannot take it
 * (out of memory), the caller's is the only one. Write lock held. */
static void ss_id_insert(struct schemasource *ss, struct ss_id *e)
{
	ss_id_remove(ss, e->pub.id);
	int taken;
	if (e->missing) {
		taken = lru_put(ss->unknown, e->pub.id, e, 1) == 1;
	} else {
		size_t cost = e->bytes < ss->o.id_cache_bytes ? e->bytes : ss->o.id_cache_bytes;
		taken = lru_put(ss->ids, e->pub.id, e, cost) == 1;
		if (taken)
			ss->id_bytes += e->bytes;
	}
	atomic_store_explicit(&e->refs, taken ? 2 : 1, memory_order_relaxed);
}

/* Puts entry `e` in its cache under string key `key` (a GUID, or an id of
 * a context, see ss_lookup_key()), replacing any, as ss_id_insert() does for
 * ids. Write lock held. */
static void ss_str_insert(struct schemasource *ss, const char *key, struct ss_id *e)
{
	struct ss_id *old = lru_take_str(ss->ids, key);
	if (!old)
		old = lru_take_str(ss->unknown, key);
	if (old)
		ss_id_drop(ss, old);
	int taken;
	if (e->missing) {
		taken = lru_put_str(ss->unknown, key, e, 1) == 1;
	} else {
		size_t cost = e->bytes < ss->o.id_cache_bytes ? e->bytes : ss->o.id_cache_bytes;
		taken = lru_put_str(ss->ids, key, e, cost) == 1;
		if (taken)
			ss->id_bytes += e->bytes;
	}
	atomic_store_explicit(&e->refs, taken ? 2 : 1, memory_order_relaxed);
}

/* ---- subject tables ---- */

/* The free callback of `latest`. */
static void ss_latest_drop(void *arg, void *value)
{
	(void)arg;
	free(value);
}

static void ss_idsub_free(struct ss_idsub *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->npairs; i++)
		free(e->pairs[i].subject);
	free(e->pairs);
	free(e);
}

/* The free callback of `idsubs`. */
static void ss_idsub_drop(void *arg, void *value)
{
	(void)arg;
	ss_idsub_free(value);
}

/* ---- single flight ---- */

/* Joins the fetch of (kind, id, subject) in progress, waiting for its end
 * (returns 0: read fl->rc and fl->err, then ss_flight_put()), or starts one
 * (returns 1: fetch, then ss_flight_end()). */
static int ss_flight_begin(struct schemasource *ss, enum ss_kind kind, int64_t id,
                           const char *subject, struct ss_flight **out)
{
	pthread_mutex_lock(&ss->fmu);
	for (struct ss_flight *f = ss->flights; f; f = f->next) {
		if (f->kind == kind && f->id == id &&
		    (subject ? f->subject && strcmp(f->subject, subject) == 0 : !f->subject)) {
			f->users++;
			while (!f->done)
				pthread_cond_wait(&ss->fcond, &ss->fmu);
			pthread_mutex_unlock(&ss->fmu);
			*out = f;
			return 0;
		}
	}
	struct ss_flight *f = calloc(1, sizeof *f);
	if (f) {
		f->kind = kind;
		f->id = id;
		f->subject = subject;
		f->users = 1;
		f->next = ss->flights;
		ss->flights = f;
	}
	pthread_mutex_unlock(&ss->fmu);
	*out = f; /* NULL when out of memory: the caller fetches alone */
	return 1;
}

static void ss_flight_put(struct schemasource *ss, struct ss_flight *f)
{
	pthread_mutex_lock(&ss->fmu);
	int last = --f->users == 0;
	pthread_mutex_unlock(&ss->fmu);
	if (last)
		free(f);
}

static void ss_flight_end(struct schemasource *ss, struct ss_flight *f, int rc,
                          const struct sg_error *err)
{
	if (!f)
		return;
	pthread_mutex_lock(&ss->fmu);
	struct ss_flight **pp = &ss->flights;
	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
	f->subject = NULL; /* the leader's string is about to go */
	f->done = 1;
	f->rc = rc;
	if (err)
		f->err = *err;
	pthread_cond_broadcast(&ss->fcond);
	pthread_mutex_unlock(&ss->fmu);
	ss_flight_put(ss, f);
}

/* ---- calling the backend ---- */

/* Fails at once while the registry is known to be down. */
static int ss_backoff(struct schemasource *ss, struct sg_error *err)
{
	uint64_t until = atomic_load_explicit(&ss->down_until, memory_order_relaxed);
	if (until == 0 || ss_now(ss) >= until)
		return 0;
	pthread_mutex_lock(&ss->fmu);
	error_set(err, SG_EUNAVAILABLE, "schema registry unavailable (retrying shortly): %s",
	          ss->last_error);
	pthread_mutex_unlock(&ss->fmu);
	return -1;
}

/* Records the outcome of a backend call. Failures the caller makes itself
 * (SG_ENOMEM, SG_ELIMIT from a callback) pass through as they are; any other
 * failure starts a backoff and becomes SG_EUNAVAILABLE, keeping its message. */
static int ss_called(struct schemasource *ss, int rc, struct sg_error *local, struct sg_error *err)
{
	ss_count(&ss->fetches);
	if (rc >= 0) {
		atomic_store_explicit(&ss->down_until, 0, memory_order_relaxed);
		return rc;
	}
	if (local->code == SG_ENOMEM || local->code == SG_ELIMIT) {
		error_set(err, local->code, "%s", local->msg);
		return -1;
	}
	ss_count(&ss->fetch_errors);
	if (local->code == SG_OK)
		error_set(local, SG_EUNAVAILABLE, "schema registry lookup failed");
	pthread_mutex_lock(&ss->fmu);
	snprintf(ss->last_error, sizeof ss->last_error, "%s", local->msg);
	pthread_mutex_unlock(&ss->fmu);
	atomic_store_explicit(&ss->down_until, ss_now(ss) + ss->o.backoff_ms, memory_order_relaxed);
	error_set(err, SG_EUNAVAILABLE, "%s", local->msg);
	return -1;
}

/* A schema's text, copied out of a backend callback. */
struct ss_copy {
	int64_t id;
	int version;
	enum schema_type type;
	char *text;
	size_t len;
	struct schemasource_ref *refs;
	size_t nrefs;
	char *unknown_type; /* as schemasource_text has it */
};

static void ss_copy_clear(struct ss_copy *c)
{
	free(c->text);
	free(c->unknown_type);
	for (size_t i = 0; i < c->nrefs; i++) {
		free((char *)c->refs[i].name);
		free((char *)c->refs[i].subject);
	}
	free(c->refs);
	memset(c, 0, sizeof *c);
}

static int ss_copy_fn(void *arg, const struct schemasource_text *t, struct sg_error *err)
{
	struct ss_copy *c = arg;
	ss_copy_clear(c);
	c->id = t->id;
	c->version = t->version;
	c->type = t->type;
	c->len = t->len;
	c->text = malloc(t->len + 1);
	if (!c->text)
		return error_set(err, SG_ENOMEM, "out of memory");
	memcpy(c->text, t->text, t->len);
	c->text[t->len] = '\0';
	if (t->unknown_type && !(c->unknown_type = strdup(t->unknown_type)))
		return error_set(err, SG_ENOMEM, "out of memory");
	if (t->nrefs > SCHEMASOURCE_REF_MAX)
		return error_set(err, SG_ELIMIT, "schema %" PRId64 " has more than %d references",
		                 t->id, SCHEMASOURCE_REF_MAX);
	if (t->nrefs) {
		c->refs = calloc(t->nrefs, sizeof *c->refs);
		if (!c->refs)
			return error_set(err, SG_ENOMEM, "out of memory");
		for (size_t i = 0; i < t->nrefs; i++) {
			c->refs[i].name = strdup(t->refs[i].name ? t->refs[i].name : "");
			c->refs[i].subject = strdup(t->refs[i].subject ? t->refs[i].subject : "");
			c->refs[i].version = t->refs[i].version;
			c->nrefs = i + 1;
			if (!c->refs[i].name || !c->refs[i].subject)
				return error_set(err, SG_ENOMEM, "out of memory");
		}
	}
	return 0;
}

/* ---- contexts ---- */

/* Whether `context` names a context other than the default one. */
static int ss_in_context(const char *context)
{
	return context && *context && strcmp(context, ".") != 0;
}

/* The context of a qualified subject (":.ctx:s" is ".ctx") into `out`, or
 * NULL for a subject of the default context (or one whose context is too
 * long to be one). */
static const char *ss_subject_context(const char *subject, char *out, size_t cap)
{
	if (strncmp(subject, ":.", 2) != 0)
		return NULL;
	const char *end = strchr(subject + 1, ':');
	size_t n = end ? (size_t)(end - subject - 1) : strlen(subject + 1);
	if (n + 1 > cap || n > SCHEMASOURCE_CONTEXT_MAX)
		return NULL;
	memcpy(out, subject + 1, n);
	out[n] = '\0';
	return ss_in_context(out) ? out : NULL;
}

/* A reference's subject as the registry resolves it for a schema of
 * `context` (Confluent's QualifiedSubject.qualifySubjectWithParent): an
 * unqualified subject is the context's, a qualified one stays. Returns
 * `subject`, or `buf` holding ":.ctx:subject". */
static const char *ss_ref_subject(const char *context, const char *subject, char *buf, size_t cap)
{
	if (!ss_in_context(context) || strncmp(subject, ":.", 2) == 0 ||
	    (size_t)snprintf(buf, cap, ":%s:%s", context, subject) >= cap)
		return subject;
	return buf;
}

/* What parsing a schema tree collects. */
struct ss_build {
	struct schemasource *ss;
	const char *context; /* of the schema's id: ".ctx", NULL for the default */
	struct schema **deps;
	size_t ndeps, cap;
	size_t text_bytes;
	size_t fetched; /* references fetched so far */
};

/* Parses `c` with its references fetched and parsed first. Returns the
 * schema, or NULL with `err`: SG_EUNAVAILABLE when a fetch failed (the whole
 * lookup fails), anything else when the schema cannot be used. */
static struct schema *ss_parse_tree(struct ss_build *b, const struct ss_copy *c, int depth,
                                    struct sg_error *err)
{
	struct schemasource *ss = b->ss;
	b->text_bytes += c->len;
	if (depth > SCHEMASOURCE_REF_DEPTH) {
		error_set(err, SG_ELIMIT, "references nest deeper than %d", SCHEMASOURCE_REF_DEPTH);
		return NULL;
	}
	if (c->unknown_type) {
		error_set(err, SG_EINVALID_SCHEMA, "unknown schema type '%s'", c->unknown_type);
		return NULL;
	}
	struct schema_ref *refs = c->nrefs ? calloc(c->nrefs, sizeof *refs) : NULL;
	if (c->nrefs && !refs) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	struct schema *s = NULL;
	for (size_t i = 0; i < c->nrefs; i++) {
		const struct schemasource_ref *r = &c->refs[i];
		if (++b->fetched > SCHEMASOURCE_REF_MAX) {
			error_set(err, SG_ELIMIT, "more than %d references in all",
			          SCHEMASOURCE_REF_MAX);
			goto out;
		}
		if (ss_backoff(ss, err))
			goto out;
		struct ss_copy dep = {0};
		struct sg_error local = {0};
		char qualified[SCHEMASOURCE_CONTEXT_MAX + SCHEMASOURCE_SUBJECT_MAX + 3];
		const char *subject =
		    ss_ref_subject(b->context, r->subject, qualified, sizeof qualified);
		int rc = ss->be.subject_version(ss->be.ctx, subject, r->version, ss_copy_fn, &dep,
		                                &local);
		if (ss_called(ss, rc, &local, err) < 0) {
			ss_copy_clear(&dep);
			goto out;
		}
		if (rc == 0) {
			ss_copy_clear(&dep);
			error_set(err, SG_EINVALID_SCHEMA,
			          "reference \"%s\": subject \"%s\" has no version %d", r->name,
			          r->subject, r->version);
			goto out;
		}
		struct schema *d = ss_parse_tree(b, &dep, depth + 1, err);
		ss_copy_clear(&dep);
		if (!d)
			goto out;
		if (b->ndeps == b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 4;
			struct schema **n = realloc(b->deps, cap * sizeof *n);
			if (!n) {
				schema_free(d);
				error_set(err, SG_ENOMEM, "out of memory");
				goto out;
			}
			b->deps = n;
			b->cap = cap;
		}
		b->deps[b->ndeps++] = d;
		refs[i].name = r->name;
		refs[i].schema = d;
	}
	s = schema_parse(c->type, c->text, c->len, refs, c->nrefs, err);
out:
	free(refs);
	return s;
}

/* Builds the cache entry for a fetched schema: parse, compile, name. Only a
 * failed fetch of a reference (SG_EUNAVAILABLE) or SG_ENOMEM fails it; any
 * other problem makes an entry whose schema is unusable. */
static struct ss_id *ss_build_entry(struct schemasource *ss, const char *context,
                                    const struct ss_copy *c, struct sg_error *err)
{
	struct ss_id *e = calloc(1, sizeof *e);
	if (!e) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	e->pub.id = c->id;
	e->pub.type = c->type;
	struct ss_build b = {.ss = ss, .context = context};
	struct sg_error perr = {0};
	e->schema = ss_parse_tree(&b, c, 0, &perr);
	e->deps = b.deps;
	e->ndeps = b.ndeps;
	if (!e->schema && (perr.code == SG_EUNAVAILABLE || perr.code == SG_ENOMEM)) {
		error_set(err, perr.code, "%s", perr.msg);
		ss_id_free(e);
		return NULL;
	}
	int nomem = 0;
	if (e->schema) {
		e->validator = schema_validator_new(e->schema, &perr);
		nomem = !e->validator && perr.code == SG_ENOMEM;
	}
	if (!nomem && !e->validator) {
		e->unusable = strdup(perr.code ? perr.msg : "the schema cannot be parsed");
		nomem = !e->unusable;
		schema_free(e->schema);
		e->schema = NULL;
	}
	if (nomem) {
		ss_id_free(e);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	e->pub.schema = e->schema;
	e->pub.validator = e->validator;
	e->pub.record_name = e->schema ? schema_record_name(e->schema) : NULL;
	e->pub.unusable = e->unusable;
	e->bytes = SS_ENTRY_BYTES + b.text_bytes * SS_TEXT_FACTOR +
	           (e->validator ? schema_validator_bytes(e->validator) : 0);
	return e;
}

/* An entry for a schema whose fetch itself says it cannot be used (a
 * callback's SG_ELIMIT: too many references). */
static struct ss_id *ss_unusable_entry(int64_t id, const struct sg_error *why)
{
	struct ss_id *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->pub.id = id;
	e->unusable = strdup(why->msg);
	if (!e->unusable) {
		free(e);
		return NULL;
	}
	e->pub.unusable = e->unusable;
	e->bytes = SS_ENTRY_BYTES;
	return e;
}

/* ---- the lookup loop ---- */

/* A cache's answer when it has none: the backend must be asked. */
#define SS_MISS (-2)

struct ss_lookup;

/* What makes one kind of lookup: the rest (single flight, backoff, the
 * outage error) is ss_lookup_run()'s, the same for every kind. */
struct ss_lookup_ops {
	enum ss_kind kind;
	/* The caches' answer (0 or 1, with the lookup's results filled in),
	 * or SS_MISS. Takes the cache lock itself. */
	int (*cached)(struct schemasource *ss, struct ss_lookup *l, uint64_t now);
	/* After another caller's fetch of the same key answered `rc` (0 or 1):
	 * this caller's answer, or SS_MISS to consult the caches again. NULL
	 * means the latter. */
	int (*joined)(struct schemasource *ss, struct ss_lookup *l, int rc);
	/* Asks the backend (through ss_called()) and caches what it answered.
	 * Returns 0, 1 (results filled in), or -1 with `ferr` set. */
	int (*fetch)(struct schemasource *ss, struct ss_lookup *l, struct sg_error *ferr);
	/* This caller's answer after its own fetch answered `rc` (0 or 1: what
	 * callers that joined it are told). NULL means `rc`. */
	int (*answer)(struct ss_lookup *l, int rc);
	/* When the backend cannot answer: 1 with the results filled in from a
	 * stale entry that may still be served, else 0. NULL means none may. */
	int (*stale)(struct schemasource *ss, struct ss_lookup *l);
};

/* A lookup's key (what concurrent callers share one fetch for); each kind
 * embeds it first, with its results after it. */
struct ss_lookup {
	const struct ss_lookup_ops *ops;
	int64_t id;      /* an id, or 0 */
	const char *key; /* a subject or GUID, or NULL; borrowed, or `ckey` */
	/* An id of a context other than the default one (".ctx"; NULL for the
	 * default context): the caches key it by `ckey`, ".ctx" and the id,
	 * which is also `key` (ss_lookup_key()). */
	const char *context;
	char ckey[SCHEMASOURCE_CONTEXT_MAX + 72];
};

/* Sets the id of lookup `l` in `context` (NULL or "." for the default
 * context, which keys by the id alone, as before contexts). A context is
 * keyed by ".ctx", a 0x1f byte (in no context name) and the id: never a
 * GUID, whose string keys share the `ids` cache. Returns 0, or -1 when the
 * context name is too long. */
static int ss_lookup_key(struct ss_lookup *l, const char *context, int64_t id)
{
	l->id = id;
	if (!ss_in_context(context))
		return 0;
	if (strlen(context) > SCHEMASOURCE_CONTEXT_MAX)
		return -1;
	snprintf(l->ckey, sizeof l->ckey, "%s\x1f%" PRId64, context, id);
	l->context = context;
	l->key = l->ckey;
	return 0;
}

/* The entry of cache `c` for the lookup's id (its context's key). */
static void *ss_cache_get_shared(struct lru *c, const struct ss_lookup *l)
{
	return l->context ? lru_get_shared_str(c, l->key) : lru_get_shared(c, l->id);
}

static void *ss_cache_take(struct lru *c, const struct ss_lookup *l)
{
	return l->context ? lru_take_str(c, l->key) : lru_take(c, l->id);
}

static int ss_cache_put(struct lru *c, const struct ss_lookup *l, void *v, size_t cost)
{
	return l->context ? lru_put_str(c, l->key, v, cost) : lru_put(c, l->id, v, cost);
}

/* Answers a lookup from the caches, or with one fetch per key however many
 * callers ask at once (a caller that joined a fetch looks again, at most
 * three times, then fetches itself). While the registry is down, fails at
 * once (ss_backoff) unless a stale answer may be served. */
static int ss_lookup_run(struct schemasource *ss, struct ss_lookup *l, struct sg_error *err)
{
	const struct ss_lookup_ops *ops = l->ops;
	struct sg_error ferr = {0};
	for (int round = 0;; round++) {
		int rc = ops->cached(ss, l, ss_now(ss));
		if (rc != SS_MISS)
			return rc;
		struct ss_flight *fl = NULL;
		if (round < 3 && ss_flight_begin(ss, ops->kind, l->id, l->key, &fl) == 0) {
			rc = fl->rc;
			ferr = fl->err;
			ss_flight_put(ss, fl);
			if (rc < 0)
				break;
			if (ops->joined && (rc = ops->joined(ss, l, rc)) != SS_MISS)
				return rc;
			continue;
		}
		rc = ss_backoff(ss, &ferr);
		if (rc == 0)
			rc = ops->fetch(ss, l, &ferr);
		ss_flight_end(ss, fl, rc, &ferr);
		if (rc >= 0)
			return ops->answer ? ops->answer(l, rc) : rc;
		break;
	}
	if (ops->stale && ops->stale(ss, l)) {
		ss_count(&ss->stale_served);
		return 1;
	}
	if (ferr.code == SG_OK)
		error_set(&ferr, SG_EUNAVAILABLE, "schema registry lookup failed");
	error_set(err, ferr.code == SG_ENOMEM ? SG_ENOMEM : SG_EUNAVAILABLE, "%s", ferr.msg);
	return -1;
}

/* ---- a schema by id ---- */

struct ss_schema_lookup {
	struct ss_lookup l;
	const struct schemasource_schema *out; /* held */
};

static int ss_schema_cached(struct schemasource *ss, struct ss_lookup *l, uint64_t now)
{
	struct ss_schema_lookup *q = (struct ss_schema_lookup *)l;
	int rc = SS_MISS;
	pthread_rwlock_rdlock(&ss->lock);
	struct ss_id *e = ss_cache_get_shared(ss->ids, l);
	struct ss_id *neg = e ? NULL : ss_cache_get_shared(ss->unknown, l);
	if (e && (!e->unusable || now - e->fetched_ms < ss->o.negative_ttl_ms)) {
		atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
		q->out = &e->pub;
		rc = 1;
	} else if (neg && now - neg->fetched_ms < ss->o.negative_ttl_ms) {
		rc = 0;
	}
	pthread_rwlock_unlock(&ss->lock);
	if (rc != SS_MISS)
		ss_count(&ss->hits);
	return rc;
}

static int ss_schema_fetch(struct schemasource *ss, struct ss_lookup *l, struct sg_error *ferr)
{
	struct ss_schema_lookup *q = (struct ss_schema_lookup *)l;
	struct ss_copy c = {0};
	struct sg_error local = {0};
	int rc = !l->context ? ss->be.schema_by_id(ss->be.ctx, l->id, ss_copy_fn, &c, &local)
	         : ss->be.schema_by_id_in
	             ? ss->be.schema_by_id_in(ss->be.ctx, l->context, l->id, ss_copy_fn, &c, &local)
	             : 0;
	rc = ss_called(ss, rc, &local, ferr);
	struct ss_id *ne = NULL;
	if (rc == 1) {
		c.id = l->id;
		ne = ss_build_entry(ss, l->context, &c, ferr);
		if (!ne)
			rc = -1;
	} else if (rc < 0 && ferr->code == SG_ELIMIT) {
		ne = ss_unusable_entry(l->id, ferr);
		rc = ne ? 1 : -1;
	} else if (rc == 0) {
		ne = calloc(1, sizeof *ne);
		if (ne) {
			ne->pub.id = l->id;
			ne->missing = 1;
		}
	}
	ss_copy_clear(&c);
	if (!ne)
		return rc;
	ne->fetched_ms = ss_now(ss);
	pthread_rwlock_wrlock(&ss->lock);
	if (l->context)
		ss_str_insert(ss, l->key, ne);
	else
		ss_id_insert(ss, ne);
	pthread_rwlock_unlock(&ss->lock);
	if (rc == 1)
		q->out = &ne->pub; /* the reference ss_build_entry() made */
	else
		ss_id_put(ne);
	return rc;
}

/* An unusable schema is served stale (the id exists; why it could not be
 * used is the best answer there is); a negative entry is not (the id may
 * exist by now). */
static int ss_schema_stale(struct schemasource *ss, struct ss_lookup *l)
{
	struct ss_schema_lookup *q = (struct ss_schema_lookup *)l;
	pthread_rwlock_rdlock(&ss->lock);
	struct ss_id *e = ss_cache_get_shared(ss->ids, l);
	if (e) {
		atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
		q->out = &e->pub;
	}
	pthread_rwlock_unlock(&ss->lock);
	return e != NULL;
}

static const struct ss_lookup_ops ss_schema_ops = {
    .kind = SS_KIND_ID,
    .cached = ss_schema_cached,
    .fetch = ss_schema_fetch,
    .stale = ss_schema_stale,
};

int schemasource_schema_in(struct schemasource *ss, const char *context, int64_t id,
                           const struct schemasource_schema **out, struct sg_error *err)
{
	struct ss_schema_lookup q = {.l = {.ops = &ss_schema_ops}};
	*out = NULL;
	if (ss_lookup_key(&q.l, context, id) < 0)
		return 0;
	int rc = ss_lookup_run(ss, &q.l, err);
	*out = rc == 1 ? q.out : NULL;
	return rc;
}

int schemasource_schema(struct schemasource *ss, int64_t id, const struct schemasource_schema **out,
                        struct sg_error *err)
{
	return schemasource_schema_in(ss, NULL, id, out, err);
}

void schemasource_release(struct schemasource *ss, const struct schemasource_schema *s)
{
	(void)ss;
	if (s)
		ss_id_put((struct ss_id *)(void *)s);
}

/* ---- an id by GUID ---- */

struct ss_guid_lookup {
	struct ss_lookup l;
	int64_t id;
	const char *guid; /* l->key but in a context, where l->key is `ckey` */
};

static int ss_guid_cached(struct schemasource *ss, struct ss_lookup *l, uint64_t now)
{
	struct ss_guid_lookup *q = (struct ss_guid_lookup *)l;
	int rc = SS_MISS;
	pthread_rwlock_rdlock(&ss->lock);
	struct ss_id *e = lru_get_shared_str(ss->ids, l->key);
	struct ss_id *neg = e ? NULL : lru_get_shared_str(ss->unknown, l->key);
	if (e) {
		q->id = e->pub.id;
		rc = 1;
	} else if (neg && now - neg->fetched_ms < ss->o.negative_ttl_ms) {
		rc = 0;
	}
	pthread_rwlock_unlock(&ss->lock);
	if (rc != SS_MISS)
		ss_count(&ss->hits);
	return rc;
}

static int ss_guid_fetch(struct schemasource *ss, struct ss_lookup *l, struct sg_error *ferr)
{
	struct ss_guid_lookup *q = (struct ss_guid_lookup *)l;
	struct sg_error local = {0};
	int rc = !l->context ? ss->be.id_by_guid(ss->be.ctx, l->key, &q->id, &local)
	         : ss->be.id_by_guid_in
	             ? ss->be.id_by_guid_in(ss->be.ctx, l->context, q->guid, &q->id, &local)
	             : 0;
	rc = ss_called(ss, rc, &local, ferr);
	if (rc < 0)
		return rc;
	struct ss_id *ne = calloc(1, sizeof *ne);
	if (ne) {
		ne->pub.id = rc == 1 ? q->id : 0;
		ne->guid = 1;
		ne->missing = rc == 0;
		ne->bytes = rc == 1 ? SCHEMASOURCE_GUID_BYTES : 0;
		ne->fetched_ms = ss_now(ss);
		pthread_rwlock_wrlock(&ss->lock);
		ss_str_insert(ss, l->key, ne);
		pthread_rwlock_unlock(&ss->lock);
		ss_id_put(ne);
	}
	return rc;
}

/* No stale answer: a known GUID never expires, so none is left to serve
 * once the caches miss; an unknown one may exist by now. */
static const struct ss_lookup_ops ss_guid_ops = {
    .kind = SS_KIND_GUID,
    .cached = ss_guid_cached,
    .fetch = ss_guid_fetch,
};

int schemasource_guid_in(struct schemasource *ss, const char *context, const char *guid,
                         int64_t *id, struct sg_error *err)
{
	struct ss_guid_lookup q = {.l = {.ops = &ss_guid_ops, .key = guid}, .guid = guid};
	if (ss_in_context(context)) {
		/* Keyed by the GUID, 0x1e (in no GUID) and the context. */
		if (!ss->be.id_by_guid_in || strlen(context) > SCHEMASOURCE_CONTEXT_MAX ||
		    strlen(guid) > 64)
			return 0;
		snprintf(q.l.ckey, sizeof q.l.ckey, "%s\x1e%s", guid, context);
		q.l.context = context;
		q.l.key = q.l.ckey;
	} else if (!ss->be.id_by_guid) {
		return 0;
	}
	int rc = ss_lookup_run(ss, &q.l, err);
	if (rc == 1)
		*id = q.id;
	return rc;
}

int schemasource_guid(struct schemasource *ss, const char *guid, int64_t *id, struct sg_error *err)
{
	return schemasource_guid_in(ss, NULL, guid, id, err);
}

/* ---- the latest version of a subject ---- */

/* Adds the schema of a latest lookup to the id cache when it is not there,
 * so the lookup by id that usually follows costs nothing. */
static void ss_latest_seed(struct schemasource *ss, const char *subject, const struct ss_copy *c)
{
	/* The id is one of the subject's context. */
	char context[SCHEMASOURCE_CONTEXT_MAX + 1];
	struct ss_lookup k = {0};
	if (ss_lookup_key(&k, ss_subject_context(subject, context, sizeof context), c->id) < 0)
		return;
	pthread_rwlock_rdlock(&ss->lock);
	int have = ss_cache_get_shared(ss->ids, &k) != NULL;
	pthread_rwlock_unlock(&ss->lock);
	if (have)
		return;
	struct sg_error err = {0};
	struct ss_id *ne = ss_build_entry(ss, k.context, c, &err);
	if (!ne)
		return;
	ne->fetched_ms = ss_now(ss);
	pthread_rwlock_wrlock(&ss->lock);
	if (k.context ? lru_get_shared_str(ss->ids, k.key) != NULL
	              : lru_get(ss->ids, c->id) != NULL) {
		pthread_rwlock_unlock(&ss->lock);
		ss_id_free(ne);
		return;
	}
	if (k.context)
		ss_str_insert(ss, k.key, ne);
	else
		ss_id_insert(ss, ne);
	pthread_rwlock_unlock(&ss->lock);
	ss_id_put(ne);
}

struct ss_latest_lookup {
	struct ss_lookup l;
	struct schemasource_latest *out;
};

static int ss_latest_cached(struct schemasource *ss, struct ss_lookup *l, uint64_t now)
{
	struct ss_latest_lookup *q = (struct ss_latest_lookup *)l;
	int rc = SS_MISS;
	pthread_rwlock_rdlock(&ss->lock);
	struct ss_latest *e = lru_get_shared_str(ss->latest, l->key);
	if (e && now - e->fetched_ms < ss->o.latest_ttl_ms) {
		rc = e->found;
		q->out->id = e->id;
		q->out->version = e->version;
	}
	pthread_rwlock_unlock(&ss->lock);
	if (rc != SS_MISS)
		ss_count(&ss->hits);
	return rc;
}

static int ss_latest_fetch(struct schemasource *ss, struct ss_lookup *l, struct sg_error *ferr)
{
	struct ss_latest_lookup *q = (struct ss_latest_lookup *)l;
	struct ss_copy c = {0};
	struct sg_error local = {0};
	int rc = ss->be.subject_version(ss->be.ctx, l->key, -1, ss_copy_fn, &c, &local);
	rc = ss_called(ss, rc, &local, ferr);
	if (rc >= 0) {
		if (rc == 1)
			ss_latest_seed(ss, l->key, &c);
		struct ss_latest *ne = malloc(sizeof *ne);
		pthread_rwlock_wrlock(&ss->lock);
		free(lru_take_str(ss->latest, l->key));
		if (ne) {
			*ne = (struct ss_latest){.found = rc,
			                         .id = c.id,
			                         .version = c.version,
			                         .fetched_ms = ss_now(ss)};
			if (lru_put_str(ss->latest, l->key, ne, 1) == 1)
				ne = NULL;
		}
		pthread_rwlock_unlock(&ss->lock);
		free(ne);
		q->out->id = c.id;
		q->out->version = c.version;
	}
	ss_copy_clear(&c);
	return rc;
}

/* A stale positive answer is served; a stale "no such subject" is not (the
 * subject may exist by now, and passing records unchecked would be failing
 * open). */
static int ss_latest_stale(struct schemasource *ss, struct ss_lookup *l)
{
	struct ss_latest_lookup *q = (struct ss_latest_lookup *)l;
	pthread_rwlock_rdlock(&ss->lock);
	struct ss_latest *e = lru_get_shared_str(ss->latest, l->key);
	int found = e && e->found;
	if (found) {
		q->out->id = e->id;
		q->out->version = e->version;
	}
	pthread_rwlock_unlock(&ss->lock);
	return found;
}

static const struct ss_lookup_ops ss_latest_ops = {
    .kind = SS_KIND_LATEST,
    .cached = ss_latest_cached,
    .fetch = ss_latest_fetch,
    .stale = ss_latest_stale,
};

int schemasource_latest(struct schemasource *ss, const char *subject,
                        struct schemasource_latest *out, struct sg_error *err)
{
	if (strlen(subject) > SCHEMASOURCE_SUBJECT_MAX)
		return 0;
	struct ss_latest_lookup q = {.l = {.ops = &ss_latest_ops, .key = subject}, .out = out};
	return ss_lookup_run(ss, &q.l, err);
}

/* ---- whether an id is registered under a subject ---- */

/* Looks for `subject` in an id's list. Returns 1 (setting *version), 0. */
static int ss_pairs_find(const struct ss_idsub *e, const char *subject, int *version)
{
	for (size_t i = 0; i < e->npairs; i++)
		if (strcmp(e->pairs[i].subject, subject) == 0) {
			if (version)
				*version = e->pairs[i].version;
			return 1;
		}
	return 0;
}

struct ss_pairs {
	struct ss_pair *pairs;
	size_t n, cap;
	int nomem;
};

static int ss_pairs_fn(void *arg, const char *subject, int version)
{
	struct ss_pairs *p = arg;
	if (p->n >= SCHEMASOURCE_ID_SUBJECTS_MAX)
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;
		struct ss_pair *n = realloc(p->pairs, cap * sizeof *n);
		if (!n) {
			p->nomem = 1;
			return -1;
		}
		p->pairs = n;
		p->cap = cap;
	}
	p->pairs[p->n].subject = strdup(subject);
	if (!p->pairs[p->n].subject) {
		p->nomem = 1;
		return -1;
	}
	p->pairs[p->n++].version = version;
	return 0;
}

/* The id's list is fetched once for all subjects (the flight's key is the
 * id alone); the subject asked about is the lookup's own. */
struct ss_idsub_lookup {
	struct ss_lookup l;
	const char *subject;
	int *version;
	int in; /* what this caller's own fetch found */
};

static int ss_idsub_cached(struct schemasource *ss, struct ss_lookup *l, uint64_t now)
{
	struct ss_idsub_lookup *q = (struct ss_idsub_lookup *)l;
	int rc = SS_MISS;
	pthread_rwlock_rdlock(&ss->lock);
	struct ss_idsub *e = ss_cache_get_shared(ss->idsubs, l);
	if (e) {
		uint64_t age = now - e->fetched_ms;
		int in = e->found && ss_pairs_find(e, q->subject, q->version);
		/* A fresh list answers; a subject missing from a list older than
		 * recheck_ms is asked again (a registration since). */
		if (age < ss->o.subjects_ttl_ms && (in || age < ss->o.recheck_ms))
			rc = in;
	}
	pthread_rwlock_unlock(&ss->lock);
	if (rc != SS_MISS)
		ss_count(&ss->hits);
	return rc;
}

/* The list another caller fetched answers this one, whatever its age: a
 * subject it does not hold is not fetched again. */
static int ss_idsub_joined(struct schemasource *ss, struct ss_lookup *l, int rc)
{
	struct ss_idsub_lookup *q = (struct ss_idsub_lookup *)l;
	if (rc == 0)
		return 0;
	pthread_rwlock_rdlock(&ss->lock);
	struct ss_idsub *e = ss_cache_get_shared(ss->idsubs, l);
	rc = e ? e->found && ss_pairs_find(e, q->subject, q->version) : SS_MISS;
	pthread_rwlock_unlock(&ss->lock);
	return rc;
}

static int ss_idsub_fetch(struct schemasource *ss, struct ss_lookup *l, struct sg_error *ferr)
{
	struct ss_idsub_lookup *q = (struct ss_idsub_lookup *)l;
	struct ss_pairs p = {0};
	struct sg_error local = {0};
	int rc =
	    !l->context ? ss->be.subjects_by_id(ss->be.ctx, l->id, ss_pairs_fn, &p, &local)
	    : ss->be.subjects_by_id_in
	        ? ss->be.subjects_by_id_in(ss->be.ctx, l->context, l->id, ss_pairs_fn, &p, &local)
	        : 0;
	if (rc < 0 && p.nomem) {
		local.code = SG_OK;
		error_set(&local, SG_ENOMEM, "out of memory");
	}
	rc = ss_called(ss, rc, &local, ferr);
	if (rc >= 0) {
		struct ss_idsub fetched = {.found = rc, .pairs = p.pairs, .npairs = p.n};
		q->in = rc == 1 && ss_pairs_find(&fetched, q->subject, q->version);
		struct ss_idsub *ne = malloc(sizeof *ne);
		pthread_rwlock_wrlock(&ss->lock);
		ss_idsub_free(ss_cache_take(ss->idsubs, l));
		if (ne) {
			*ne = fetched;
			ne->fetched_ms = ss_now(ss);
			if (ss_cache_put(ss->idsubs, l, ne, 1) == 1) {
				ne = NULL;
				p.pairs = NULL; /* now the cache's */
				p.n = 0;
			}
		}
		pthread_rwlock_unlock(&ss->lock);
		free(ne);
	}
	for (size_t i = 0; i < p.n; i++)
		free(p.pairs[i].subject);
	free(p.pairs);
	return rc;
}

static int ss_idsub_answer(struct ss_lookup *l, int rc)
{
	(void)rc;
	return ((struct ss_idsub_lookup *)l)->in;
}

/* A stale list may say yes; it may not say no. */
static int ss_idsub_stale(struct schemasource *ss, struct ss_lookup *l)
{
	struct ss_idsub_lookup *q = (struct ss_idsub_lookup *)l;
	pthread_rwlock_rdlock(&ss->lock);
	struct ss_idsub *e = ss_cache_get_shared(ss->idsubs, l);
	int in = e && e->found && ss_pairs_find(e, q->subject, q->version);
	pthread_rwlock_unlock(&ss->lock);
	return in;
}

static const struct ss_lookup_ops ss_idsub_ops = {
    .kind = SS_KIND_IDSUB,
    .cached = ss_idsub_cached,
    .joined = ss_idsub_joined,
    .fetch = ss_idsub_fetch,
    .answer = ss_idsub_answer,
    .stale = ss_idsub_stale,
};

int schemasource_registered(struct schemasource *ss, int64_t id, const char *subject, int *version,
                            struct sg_error *err)
{
	struct ss_idsub_lookup q = {
	    .l = {.ops = &ss_idsub_ops}, .subject = subject, .version = version};
	/* The id is one of the subject's context. */
	char context[SCHEMASOURCE_CONTEXT_MAX + 1];
	if (ss_lookup_key(&q.l, ss_subject_context(subject, context, sizeof context), id) < 0)
		return 0;
	return ss_lookup_run(ss, &q.l, err);
}

void schemasource_invalidate(struct schemasource *ss, const char *subject)
{
	pthread_rwlock_wrlock(&ss->lock);
	if (subject)
		free(lru_take_str(ss->latest, subject));
	else
		lru_clear(ss->latest);
	lru_clear(ss->idsubs);
	lru_clear(ss->unknown); /* unknown ids may have been registered just now */
	pthread_rwlock_unlock(&ss->lock);
	atomic_store_explicit(&ss->down_until, 0, memory_order_relaxed);
}

void schemasource_stats(struct schemasource *ss, struct schemasource_stats *out)
{
	memset(out, 0, sizeof *out);
	out->hits = atomic_load(&ss->hits);
	out->fetches = atomic_load(&ss->fetches);
	out->fetch_errors = atomic_load(&ss->fetch_errors);
	out->stale_served = atomic_load(&ss->stale_served);
	struct lru_stats ids, unknown;
	pthread_rwlock_rdlock(&ss->lock);
	lru_stats(ss->ids, &ids);
	lru_stats(ss->unknown, &unknown);
	out->id_bytes = ss->id_bytes;
	pthread_rwlock_unlock(&ss->lock);
	out->evictions = ids.evictions;
	out->id_entries = ids.count + unknown.count;
}

/* ---- opening and closing ---- */

struct schemasource *schemasource_open(const struct schemasource_backend *b,
                                       const struct schemasource_options *o, struct sg_error *err)
{
	if (!b || !b->schema_by_id || !b->subjects_by_id || !b->subject_version) {
		error_set(err, SG_EINTERNAL, "schemasource: incomplete backend");
		return NULL;
	}
	struct schemasource *ss = calloc(1, sizeof *ss);
	if (!ss) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	ss->be = *b;
	if (o)
		ss->o = *o;
	if (!ss->o.id_cache_bytes)
		ss->o.id_cache_bytes = 64u << 20;
	if (!ss->o.latest_ttl_ms)
		ss->o.latest_ttl_ms = 5000;
	if (!ss->o.subjects_ttl_ms)
		ss->o.subjects_ttl_ms = 60000;
	if (!ss->o.recheck_ms)
		ss->o.recheck_ms = 1000;
	if (!ss->o.negative_ttl_ms)
		ss->o.negative_ttl_ms = 5000;
	if (!ss->o.backoff_ms)
		ss->o.backoff_ms = 1000;
	if (!ss->o.max_subjects)
		ss->o.max_subjects = 10000;
	if (!ss->o.max_ids)
		ss->o.max_ids = 10000;
	if (!ss->o.max_unknown_ids)
		ss->o.max_unknown_ids = 10000;
	ss->ids = lru_new(ss->o.id_cache_bytes, ss_id_drop, ss);
	ss->unknown = lru_new(ss->o.max_unknown_ids, ss_id_drop, ss);
	ss->latest = lru_new(ss->o.max_subjects, ss_latest_drop, NULL);
	ss->idsubs = lru_new(ss->o.max_ids, ss_idsub_drop, NULL);
	if (!ss->ids || !ss->unknown || !ss->latest || !ss->idsubs) {
		lru_free(ss->ids);
		lru_free(ss->unknown);
		lru_free(ss->latest);
		lru_free(ss->idsubs);
		free(ss);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	pthread_rwlock_init(&ss->lock, NULL);
	pthread_mutex_init(&ss->fmu, NULL);
	pthread_cond_init(&ss->fcond, NULL);
	return ss;
}

void schemasource_reconnect(struct schemasource *ss)
{
	if (ss && ss->be.reconnect)
		ss->be.reconnect(ss->be.ctx);
}

void schemasource_close(struct schemasource *ss)
{
	if (!ss)
		return;
	lru_free(ss->ids);
	lru_free(ss->unknown);
	lru_free(ss->latest);
	lru_free(ss->idsubs);
	if (ss->be.close)
		ss->be.close(ss->be.ctx);
	pthread_rwlock_destroy(&ss->lock);
	pthread_mutex_destroy(&ss->fmu);
	pthread_cond_destroy(&ss->fcond);
	free(ss);
}

/* ---- the HTTP backend (registry/regclient) ---- */

#define SS_HTTP_IDLE_MAX 64

struct ss_http {
	char *url;
	/* How every client reaches the registry; the strings are owned copies. */
	struct regclient_options ro;
	pthread_mutex_t mu;
	struct regclient *idle[SS_HTTP_IDLE_MAX];
	size_t nidle;
	/* Bumped by ss_http_reconnect(): a client made before goes when it is
	 * given back. Guarded by mu. */
	unsigned gen;
};

/* A client, and the generation it was made in (*gen). */
static struct regclient *ss_http_take(struct ss_http *h, unsigned *gen, struct sg_error *err)
{
	pthread_mutex_lock(&h->mu);
	struct regclient *c = h->nidle ? h->idle[--h->nidle] : NULL;
	*gen = h->gen;
	pthread_mutex_unlock(&h->mu);
	return c ? c : regclient_new(h->url, &h->ro, err);
}

static void ss_http_give(struct ss_http *h, struct regclient *c, unsigned gen)
{
	pthread_mutex_lock(&h->mu);
	if (gen == h->gen && h->nidle < SS_HTTP_IDLE_MAX) {
		h->idle[h->nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&h->mu);
	regclient_free(c);
}

/* GETs `path`. Returns 1 with *out, 0 on a 404 whose code is one of
 * `absent` (SG_OK-terminated list), -1 with `err`. */
static int ss_http_get(struct ss_http *h, const char *path, const int *absent, json_t **out,
                       struct sg_error *err)
{
	*out = NULL;
	unsigned gen;
	struct regclient *c = ss_http_take(h, &gen, err);
	if (!c)
		return -1;
	struct sg_error local = {0};
	int status = regclient_request(c, "GET", path, NULL, out, &local);
	ss_http_give(h, c, gen);
	if (status >= 200 && status < 300 && *out)
		return 1;
	if (status == 404)
		for (const int *a = absent; *a != SG_OK; a++)
			if (local.code == *a) {
				json_decref(*out);
				*out = NULL;
				return 0;
			}
	json_decref(*out);
	*out = NULL;
	if (local.code == SG_OK)
		error_set(&local, SG_EUNAVAILABLE, "GET %s: HTTP %d without a JSON body", path,
		          status);
	error_set(err, SG_EUNAVAILABLE, "%s", local.msg);
	return -1;
}

/* Reads a schema body ({schema, schemaType, references, id, version}) and
 * passes it to `fn`. */
static int ss_http_text(json_t *body, int64_t id, schemasource_text_fn fn, void *arg,
                        struct sg_error *err)
{
	json_t *text = json_object_get(body, "schema");
	json_t *type = json_object_get(body, "schemaType");
	json_t *refs = json_object_get(body, "references");
	if (!json_is_string(text))
		return error_set(err, SG_EUNAVAILABLE, "registry answer without a schema");
	struct schemasource_text t = {
	    .id = json_is_integer(json_object_get(body, "id"))
	              ? json_integer_value(json_object_get(body, "id"))
	              : id,
	    .version = (int)json_integer_value(json_object_get(body, "version")),
	    .type = SCHEMA_AVRO, /* without schemaType, as Confluent has it */
	    .text = json_string_value(text),
	    .len = json_string_length(text),
	};
	if (json_is_string(type) && schema_type_parse(json_string_value(type), &t.type) != 0)
		t.unknown_type = json_string_value(type);
	size_t n = json_is_array(refs) ? json_array_size(refs) : 0;
	if (n > SCHEMASOURCE_REF_MAX)
		return error_set(err, SG_ELIMIT, "schema %" PRId64 " has more than %d references",
		                 t.id, SCHEMASOURCE_REF_MAX);
	struct schemasource_ref *r = n ? calloc(n, sizeof *r) : NULL;
	if (n && !r)
		return error_set(err, SG_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(refs, i);
		r[i].name = json_string_value(json_object_get(o, "name"));
		r[i].subject = json_string_value(json_object_get(o, "subject"));
		json_t *v = json_object_get(o, "version");
		r[i].version = json_is_integer(v) ? (int)json_integer_value(v) : -1;
		if (!r[i].name || !r[i].subject) {
			free(r);
			return error_set(err, SG_EUNAVAILABLE,
			                 "registry answer with a bad reference");
		}
	}
	t.refs = r;
	t.nrefs = n;
	int rc = fn(arg, &t, err);
	free(r);
	return rc < 0 ? -1 : 1;
}

/* The query that names context `context` (NULL: the default context) for
 * an id: "?subject=%3A.ctx%3A" (getSchemaKeyUsingContexts with a context
 * alone: the context's id, whichever subject uses it), or "". 0, or -1 when
 * it does not fit. */
static int ss_http_context_query(const char *context, char *out, size_t cap)
{
	char q[SCHEMASOURCE_CONTEXT_MAX + 3];
	char esc[3 * sizeof q + 1];
	out[0] = '\0';
	if (!context)
		return 0;
	snprintf(q, sizeof q, ":%s:", context);
	if (regclient_escape(q, esc, sizeof esc) != 0 ||
	    (size_t)snprintf(out, cap, "?subject=%s", esc) >= cap)
		return -1;
	return 0;
}

static int ss_http_by_id_in(void *ctx, const char *context, int64_t id, schemasource_text_fn fn,
                            void *arg, struct sg_error *err)
{
	static const int absent[] = {SG_ESCHEMA_NOT_FOUND, SG_ENOTFOUND, SG_OK};
	char query[3 * (SCHEMASOURCE_CONTEXT_MAX + 3) + 16];
	char path[sizeof query + 64];
	if (ss_http_context_query(context, query, sizeof query) < 0)
		return 0;
	snprintf(path, sizeof path, "/schemas/ids/%" PRId64 "%s", id, query);
	json_t *body;
	int rc = ss_http_get(ctx, path, absent, &body, err);
	if (rc == 1)
		rc = ss_http_text(body, id, fn, arg, err);
	json_decref(body);
	return rc;
}

static int ss_http_by_id(void *ctx, int64_t id, schemasource_text_fn fn, void *arg,
                         struct sg_error *err)
{
	return ss_http_by_id_in(ctx, NULL, id, fn, arg, err);
}

static int ss_http_subjects_in(void *ctx, const char *context, int64_t id,
                               schemasource_version_fn fn, void *arg, struct sg_error *err)
{
	static const int absent[] = {SG_ESCHEMA_NOT_FOUND, SG_ENOTFOUND, SG_OK};
	char query[3 * (SCHEMASOURCE_CONTEXT_MAX + 3) + 16];
	char path[sizeof query + 64];
	if (ss_http_context_query(context, query, sizeof query) < 0)
		return 0;
	snprintf(path, sizeof path, "/schemas/ids/%" PRId64 "/versions%s", id, query);
	json_t *body;
	int rc = ss_http_get(ctx, path, absent, &body, err);
	if (rc == 1) {
		if (!json_is_array(body)) {
			rc = error_set(err, SG_EUNAVAILABLE, "GET %s: not an array", path);
		} else {
			size_t i;
			json_t *o;
			json_array_foreach(body, i, o)
			{
				const char *s = json_string_value(json_object_get(o, "subject"));
				json_t *v = json_object_get(o, "version");
				if (!s || !json_is_integer(v))
					continue;
				if (fn(arg, s, (int)json_integer_value(v)) < 0) {
					rc = error_set(err, SG_ENOMEM, "out of memory");
					break;
				}
			}
		}
	}
	json_decref(body);
	return rc;
}

static int ss_http_subjects(void *ctx, int64_t id, schemasource_version_fn fn, void *arg,
                            struct sg_error *err)
{
	return ss_http_subjects_in(ctx, NULL, id, fn, arg, err);
}

static int ss_http_version(void *ctx, const char *subject, int version, schemasource_text_fn fn,
                           void *arg, struct sg_error *err)
{
	static const int absent[] = {SG_ESUBJECT_NOT_FOUND, SG_EVERSION_NOT_FOUND, SG_ENOTFOUND,
	                             SG_OK};
	char esc[3 * SCHEMASOURCE_SUBJECT_MAX + 1];
	char path[sizeof esc + 64];
	if (regclient_escape(subject, esc, sizeof esc) != 0)
		return 0;
	if (version < 0)
		snprintf(path, sizeof path, "/subjects/%s/versions/latest", esc);
	else
		snprintf(path, sizeof path, "/subjects/%s/versions/%d?deleted=true", esc, version);
	json_t *body;
	int rc = ss_http_get(ctx, path, absent, &body, err);
	if (rc == 1)
		rc = ss_http_text(body, 0, fn, arg, err);
	json_decref(body);
	return rc;
}

/* GET /schemas/guids/{guid}/ids: [{"context": ".", "id": N}, ...]. The id
 * of the default context (the lowest, should there be several) is the one
 * GET /schemas/ids/{id} serves. */
static int ss_http_guid_in(void *ctx, const char *context, const char *guid, int64_t *id,
                           struct sg_error *err)
{
	static const int absent[] = {SG_ESCHEMA_NOT_FOUND, SG_ENOTFOUND, SG_OK};
	char esc[3 * 64 + 1];
	char path[sizeof esc + 32];
	if (strlen(guid) > 64 || regclient_escape(guid, esc, sizeof esc) != 0)
		return 0;
	snprintf(path, sizeof path, "/schemas/guids/%s/ids", esc);
	json_t *body;
	int rc = ss_http_get(ctx, path, absent, &body, err);
	if (rc == 1) {
		if (!json_is_array(body)) {
			rc = error_set(err, SG_EUNAVAILABLE, "GET %s: not an array", path);
		} else {
			int64_t best = 0;
			size_t i;
			json_t *o;
			json_array_foreach(body, i, o)
			{
				const char *cx = json_string_value(json_object_get(o, "context"));
				json_t *v = json_object_get(o, "id");
				if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
				    strcmp(cx ? cx : ".", context ? context : ".") != 0)
					continue;
				if (!best || json_integer_value(v) < best)
					best = json_integer_value(v);
			}
			rc = best > 0;
			*id = best;
		}
	}
	json_decref(body);
	return rc;
}

static int ss_http_guid(void *ctx, const char *guid, int64_t *id, struct sg_error *err)
{
	return ss_http_guid_in(ctx, NULL, guid, id, err);
}

static void ss_http_reconnect(void *ctx)
{
	struct ss_http *h = ctx;
	struct regclient *old[SS_HTTP_IDLE_MAX];
	pthread_mutex_lock(&h->mu);
	size_t n = h->nidle;
	memcpy(old, h->idle, n * sizeof old[0]);
	h->nidle = 0;
	h->gen++;
	pthread_mutex_unlock(&h->mu);
	for (size_t i = 0; i < n; i++)
		regclient_free(old[i]);
}

static void ss_http_close(void *ctx)
{
	struct ss_http *h = ctx;
	for (size_t i = 0; i < h->nidle; i++)
		regclient_free(h->idle[i]);
	pthread_mutex_destroy(&h->mu);
	free(h->url);
	free((char *)h->ro.ca);
	free((char *)h->ro.cert);
	free((char *)h->ro.key);
	if (h->ro.basic_auth) {
		volatile char *p = (char *)h->ro.basic_auth;
		while (*p)
			*p++ = '\0';
		free((char *)h->ro.basic_auth);
	}
	free(h);
}

/* A copy of `s` in *dst (NULL stays NULL). Returns 0, or -1 out of memory. */
static int ss_http_dup(const char **dst, const char *s)
{
	*dst = s ? strdup(s) : NULL;
	return s && !*dst ? -1 : 0;
}

struct schemasource *schemasource_open_http(const char *url, const struct regclient_options *ro,
                                            const struct schemasource_options *o,
                                            struct sg_error *err)
{
	struct ss_http *h = calloc(1, sizeof *h);
	if (!h)
		goto nomem;
	pthread_mutex_init(&h->mu, NULL);
	if (ro)
		h->ro.timeout_ms = ro->timeout_ms;
	if (h->ro.timeout_ms <= 0)
		h->ro.timeout_ms = 2000;
	if (!(h->url = strdup(url)) ||
	    (ro && (ss_http_dup(&h->ro.ca, ro->ca) < 0 || ss_http_dup(&h->ro.cert, ro->cert) < 0 ||
	            ss_http_dup(&h->ro.key, ro->key) < 0 ||
	            ss_http_dup(&h->ro.basic_auth, ro->basic_auth) < 0))) {
		ss_http_close(h);
		goto nomem;
	}
	/* The first client initialises libcurl, on the caller's thread, and says
	 * at once when a CA, certificate or key does not load. */
	h->idle[0] = regclient_new(url, &h->ro, err);
	if (!h->idle[0]) {
		ss_http_close(h);
		return NULL;
	}
	h->nidle = 1;
	struct schemasource_backend b = {
	    .schema_by_id = ss_http_by_id,
	    .subjects_by_id = ss_http_subjects,
	    .subject_version = ss_http_version,
	    .id_by_guid = ss_http_guid,
	    .schema_by_id_in = ss_http_by_id_in,
	    .subjects_by_id_in = ss_http_subjects_in,
	    .id_by_guid_in = ss_http_guid_in,
	    .reconnect = ss_http_reconnect,
	    .close = ss_http_close,
	    .ctx = h,
	};
	struct schemasource *ss = schemasource_open(&b, o, err);
	if (!ss)
		ss_http_close(h);
	return ss;
nomem:
	error_set(err, SG_ENOMEM, "out of memory");
	return NULL;
}
