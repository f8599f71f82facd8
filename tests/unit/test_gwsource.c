/* tests/unit/test_gwsource.c: schema lookups and their caches
 * (gateway/schemasource).
 *
 * Against the in-memory registry of tests/unit/gwfake.h, with a test
 * clock: schemas by id cached for good (negative answers for a while), the
 * id -> subjects lists and latest versions with their TTLs and the recheck
 * of a missing subject, invalidation, the backoff after a failure, stale
 * answers during an outage (positive only), the memory-bounded LRU, single
 * flight under concurrent misses, unusable schemas (of a type unknown to
 * this build too) and record names.
 * Then the HTTP backend against the real registry (registry/api over a
 * temporary store, served by registry/http in this process), including the
 * outage once the server is stopped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat/error.h"
#include "gateway/schemasource.h"
#include "registry/api.h"
#include "registry/http.h"
#include "common/regclient.h"
#include "registry/store.h"
#include "tests/tap.h"
#include "tests/unit/gwfake.h"

#define ORDER_JSON "{\"title\":\"com.acme.Order\",\"type\":\"object\"}"

static atomic_uint_fast64_t now_ms = 5000000;

static struct schemasource *open_fake(struct fakereg *f, struct schemasource_options *o)
{
	struct sg_error err;
	error_clear(&err);
	struct schemasource_backend b = fake_backend(f);
	o->clock_ms = fake_clock;
	o->clock_arg = &now_ms;
	struct schemasource *ss = schemasource_open(&b, o, &err);
	if (!ss) {
		tap_diag("schemasource_open: %s", err.msg);
		abort();
	}
	return ss;
}

static void test_by_id(void)
{
	struct fakereg f;
	fake_init(&f);
	int64_t id = fake_register(&f, "orders-value", SCHEMA_JSON, ORDER_JSON, NULL, 0);
	int64_t av = fake_register(&f, "s-value", SCHEMA_AVRO, "\"string\"", NULL, 0);
	int64_t pb = fake_register(&f, "p-value", SCHEMA_PROTOBUF, "syntax = \"proto3\";", NULL, 0);
	struct schemasource_ref missing = {"com.acme.Gone", "gone", 3};
	int64_t broken = fake_register(&f, "b-value", SCHEMA_AVRO,
	                               "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":"
	                               "\"g\",\"type\":\"com.acme.Gone\"}]}",
	                               &missing, 1);
	struct schemasource_options o = {0};
	struct schemasource *ss = open_fake(&f, &o);
	struct sg_error err;
	const struct schemasource_schema *s = NULL, *s2 = NULL;

	error_clear(&err);
	tap_is_int(schemasource_schema(ss, id, &s, &err), 1, "schema by id found");
	tap_ok(s && s->schema && s->validator && s->type == SCHEMA_JSON,
	       "JSON schema parsed and compiled");
	tap_is_str(s ? s->record_name : NULL, "com.acme.Order", "record name = JSON title");
	tap_is_int(schemasource_schema(ss, id, &s2, &err), 1, "found again");
	tap_ok(s == s2, "same cached entry");
	tap_is_int(atomic_load(&f.calls_by_id), 1, "one registry call for two lookups");
	schemasource_release(ss, s);
	schemasource_release(ss, s2);

	tap_is_int(schemasource_schema(ss, av, &s, &err), 1, "Avro primitive schema");
	tap_ok(s && s->validator && s->type == SCHEMA_AVRO, "Avro program compiled");
	tap_is_str(s ? s->record_name : NULL, "string", "record name of a primitive = its type");
	schemasource_release(ss, s);

	tap_is_int(schemasource_schema(ss, pb, &s, &err), 1, "PROTOBUF id found");
	tap_ok(s && !s->schema && s->unusable, "... but unusable: %s", s ? s->unusable : "");
	schemasource_release(ss, s);
	tap_is_int(schemasource_schema(ss, broken, &s, &err), 1, "missing reference: found");
	tap_ok(s && !s->schema && s->unusable && strstr(s->unusable, "com.acme.Gone"),
	       "... unusable, naming the reference: %s", s ? s->unusable : "");
	schemasource_release(ss, s);
	int calls = atomic_load(&f.calls_by_id);
	schemasource_schema(ss, pb, &s, &err);
	schemasource_release(ss, s);
	tap_is_int(atomic_load(&f.calls_by_id), calls, "unusable entries are cached too");
	atomic_fetch_add(&now_ms, 5001);
	schemasource_schema(ss, pb, &s, &err);
	schemasource_release(ss, s);
	tap_is_int(atomic_load(&f.calls_by_id), calls + 1,
	           "... and asked again after negative_ttl_ms");
	atomic_store(&f.down, 1);
	atomic_fetch_add(&now_ms, 5001);
	error_clear(&err);
	tap_is_int(schemasource_schema(ss, pb, &s, &err), 1,
	           "... served stale when the registry is down");
	tap_ok(s && s->unusable, "... still unusable");
	schemasource_release(ss, s);
	atomic_store(&f.down, 0);
	atomic_fetch_add(&now_ms, 2000); /* past the backoff */

	/* Unknown ids: remembered for negative_ttl_ms (5 s), then asked again. */
	calls = atomic_load(&f.calls_by_id);
	tap_is_int(schemasource_schema(ss, 777, &s, &err), 0, "unknown id: 0");
	tap_ok(s == NULL, "... no entry");
	tap_is_int(schemasource_schema(ss, 777, &s, &err), 0, "unknown id again: 0");
	tap_is_int(atomic_load(&f.calls_by_id) - calls, 1, "... from the negative cache");
	atomic_fetch_add(&now_ms, 5001);
	schemasource_schema(ss, 777, &s, &err);
	tap_is_int(atomic_load(&f.calls_by_id) - calls, 2, "... asked again after the TTL");

	/* Invalidation drops negative entries (the id may just have been made). */
	schemasource_schema(ss, 777, &s, &err);
	schemasource_invalidate(ss, NULL);
	schemasource_schema(ss, 777, &s, &err);
	tap_is_int(atomic_load(&f.calls_by_id) - calls, 3, "... and after an invalidation");

	struct schemasource_stats st;
	schemasource_stats(ss, &st);
	tap_ok(st.hits >= 3 && st.fetches >= 7 && st.id_entries >= 4 && st.id_bytes > 0,
	       "stats: %" PRIu64 " hits, %" PRIu64 " fetches, %zu entries, %zu bytes", st.hits,
	       st.fetches, st.id_entries, st.id_bytes);
	schemasource_close(ss);
	fake_fini(&f);
}

static void test_subjects_and_latest(void)
{
	struct fakereg f;
	fake_init(&f);
	int64_t id = fake_register(&f, "orders-value", SCHEMA_JSON, ORDER_JSON, NULL, 0);
	struct schemasource_options o = {
	    .latest_ttl_ms = 5000, .subjects_ttl_ms = 60000, .recheck_ms = 1000};
	struct schemasource *ss = open_fake(&f, &o);
	struct sg_error err;
	error_clear(&err);
	int version = 0;

	tap_is_int(schemasource_registered(ss, id, "orders-value", &version, &err), 1,
	           "registered under orders-value");
	tap_is_int(version, 1, "... as version 1");
	tap_is_int(schemasource_registered(ss, id, "other-value", NULL, &err), 0,
	           "not under other-value");
	tap_is_int(atomic_load(&f.calls_subjects), 1, "one list fetch for both answers");

	/* Registered under a second subject: seen after recheck_ms. */
	fake_register(&f, "other-value", SCHEMA_JSON, ORDER_JSON, NULL, 0);
	tap_is_int(schemasource_registered(ss, id, "other-value", NULL, &err), 0,
	           "a fresh list answers no within recheck_ms");
	atomic_fetch_add(&now_ms, 1001);
	tap_is_int(schemasource_registered(ss, id, "other-value", &version, &err), 1,
	           "after recheck_ms a missing subject is asked again");
	tap_is_int(atomic_load(&f.calls_subjects), 2, "... one more fetch");
	tap_is_int(schemasource_registered(ss, id, "orders-value", NULL, &err), 1,
	           "present subjects answer from the cache");
	tap_is_int(atomic_load(&f.calls_subjects), 2, "... without a fetch");
	tap_is_int(schemasource_registered(ss, 999, "orders-value", NULL, &err), 0,
	           "unknown id: not registered");

	struct schemasource_latest l;
	tap_is_int(schemasource_latest(ss, "orders-value", &l, &err), 1, "latest found");
	tap_ok(l.id == id && l.version == 1, "... id and version");
	int by_id = atomic_load(&f.calls_by_id);
	const struct schemasource_schema *s = NULL;
	schemasource_schema(ss, l.id, &s, &err);
	schemasource_release(ss, s);
	tap_is_int(atomic_load(&f.calls_by_id), by_id,
	           "the latest lookup seeded the id cache (no by-id fetch)");
	tap_is_int(schemasource_latest(ss, "nope-value", &l, &err), 0, "absent subject: 0");
	int calls = atomic_load(&f.calls_version);
	schemasource_latest(ss, "nope-value", &l, &err);
	schemasource_latest(ss, "orders-value", &l, &err);
	tap_is_int(atomic_load(&f.calls_version), calls, "both answers cached (absence too)");

	int64_t v2 = fake_register(&f, "orders-value", SCHEMA_JSON,
	                           "{\"title\":\"com.acme.Order\",\"type\":\"object\","
	                           "\"required\":[\"a\"]}",
	                           NULL, 0);
	schemasource_latest(ss, "orders-value", &l, &err);
	tap_ok(l.id == id, "within the TTL the old latest is served");
	atomic_fetch_add(&now_ms, 5001);
	schemasource_latest(ss, "orders-value", &l, &err);
	tap_ok(l.id == v2 && l.version == 2, "after the TTL the new latest");
	int64_t v3 = fake_register(&f, "orders-value", SCHEMA_JSON,
	                           "{\"title\":\"com.acme.Order\",\"type\":\"object\","
	                           "\"required\":[\"b\"]}",
	                           NULL, 0);
	schemasource_invalidate(ss, "orders-value");
	schemasource_latest(ss, "orders-value", &l, &err);
	tap_ok(l.id == v3 && l.version == 3, "invalidate(subject) shows a registration at once");
	fake_delete_subject(&f, "orders-value");
	schemasource_invalidate(ss, NULL);
	tap_is_int(schemasource_latest(ss, "orders-value", &l, &err), 0,
	           "a soft-deleted subject has no latest");
	tap_is_int(schemasource_registered(ss, id, "orders-value", NULL, &err), 0,
	           "... and its ids are no longer registered under it");
	schemasource_close(ss);
	fake_fini(&f);
}

static void test_outage(void)
{
	struct fakereg f;
	fake_init(&f);
	int64_t id = fake_register(&f, "orders-value", SCHEMA_JSON, ORDER_JSON, NULL, 0);
	struct schemasource_options o = {.latest_ttl_ms = 5000, .backoff_ms = 1000};
	struct schemasource *ss = open_fake(&f, &o);
	struct sg_error err;
	struct schemasource_latest l;
	error_clear(&err);
	tap_is_int(schemasource_latest(ss, "orders-value", &l, &err), 1, "latest cached");
	tap_is_int(schemasource_latest(ss, "nope-value", &l, &err), 0, "absence cached");
	tap_is_int(schemasource_registered(ss, id, "orders-value", NULL, &err), 1, "list cached");

	atomic_store(&f.down, 1);
	atomic_fetch_add(&now_ms, 3600 * 1000);
	error_clear(&err);
	tap_is_int(schemasource_latest(ss, "orders-value", &l, &err), 1,
	           "outage: an expired latest is served stale");
	tap_ok(l.id == id, "... with its id");
	error_clear(&err);
	tap_is_int(schemasource_latest(ss, "nope-value", &l, &err), -1,
	           "outage: an expired absence is not served");
	tap_is_int(err.code, SG_EUNAVAILABLE, "... SG_EUNAVAILABLE");
	error_clear(&err);
	tap_is_int(schemasource_registered(ss, id, "orders-value", NULL, &err), 1,
	           "outage: a stale list may say yes");
	error_clear(&err);
	tap_is_int(schemasource_registered(ss, id, "other-value", NULL, &err), -1,
	           "outage: a stale list may not say no");
	const struct schemasource_schema *s = NULL;
	error_clear(&err);
	tap_is_int(schemasource_schema(ss, id, &s, &err), 1, "outage: a cached schema is served");
	schemasource_release(ss, s);
	error_clear(&err);
	tap_is_int(schemasource_schema(ss, 4242, &s, &err), -1, "outage: an uncached id fails");
	tap_is_int(err.code, SG_EUNAVAILABLE, "... SG_EUNAVAILABLE");

	/* Backoff: within backoff_ms no call reaches the registry. */
	int calls = atomic_load(&f.calls_by_id) + atomic_load(&f.calls_version) +
	            atomic_load(&f.calls_subjects);
	error_clear(&err);
	tap_is_int(schemasource_schema(ss, 4243, &s, &err), -1, "during the backoff: fails");
	tap_ok(strstr(err.msg, "retrying shortly") && strstr(err.msg, "connection refused"),
	       "... at once, with the last reason: %s", err.msg);
	tap_is_int(atomic_load(&f.calls_by_id) + atomic_load(&f.calls_version) +
	               atomic_load(&f.calls_subjects),
	           calls, "... without calling the registry");
	atomic_store(&f.down, 0);
	atomic_fetch_add(&now_ms, 1001);
	error_clear(&err);
	tap_is_int(schemasource_latest(ss, "nope-value", &l, &err), 0,
	           "after the backoff and the outage: asked again");
	struct schemasource_stats st;
	schemasource_stats(ss, &st);
	tap_ok(st.stale_served >= 2 && st.fetch_errors >= 1,
	       "stats count stale answers (%" PRIu64 ") and errors (%" PRIu64 ")", st.stale_served,
	       st.fetch_errors);
	schemasource_close(ss);
	fake_fini(&f);
}

static void test_lru(void)
{
	struct fakereg f;
	fake_init(&f);
	int64_t ids[20];
	for (int i = 0; i < 20; i++) {
		char text[128], subject[32];
		snprintf(text, sizeof text, "{\"title\":\"T%d\",\"type\":\"object\"}", i);
		snprintf(subject, sizeof subject, "s%d-value", i);
		ids[i] = fake_register(&f, subject, SCHEMA_JSON, text, NULL, 0);
	}
	/* Each entry is estimated at 1 KiB + 16 x its text: about 1.6 KiB. */
	struct schemasource_options o = {.id_cache_bytes = 8 * 1024};
	struct schemasource *ss = open_fake(&f, &o);
	struct sg_error err;
	error_clear(&err);
	const struct schemasource_schema *held = NULL, *s = NULL;
	schemasource_schema(ss, ids[0], &held, &err);
	for (int i = 1; i < 20; i++) {
		schemasource_schema(ss, ids[i], &s, &err);
		schemasource_release(ss, s);
	}
	struct schemasource_stats st;
	schemasource_stats(ss, &st);
	tap_ok(st.id_bytes <= 8 * 1024 && st.evictions >= 14,
	       "memory bound kept: %zu bytes, %zu entries, %" PRIu64 " evictions", st.id_bytes,
	       st.id_entries, st.evictions);
	tap_ok(held && held->schema && strcmp(held->record_name, "T0") == 0,
	       "an evicted entry stays valid while held");
	schemasource_release(ss, held);
	/* The most recently used survive: ids[19] is a hit. */
	int calls = atomic_load(&f.calls_by_id);
	schemasource_schema(ss, ids[19], &s, &err);
	schemasource_release(ss, s);
	tap_is_int(atomic_load(&f.calls_by_id), calls, "the most recent entry is still cached");
	schemasource_schema(ss, ids[0], &s, &err);
	schemasource_release(ss, s);
	tap_is_int(atomic_load(&f.calls_by_id), calls + 1, "the least recent was evicted");
	schemasource_close(ss);

	/* Unknown ids: an LRU of max_unknown_ids, outside the byte budget. */
	struct schemasource_options o2 = {.id_cache_bytes = 4 * 1024, .max_unknown_ids = 3};
	ss = open_fake(&f, &o2);
	schemasource_schema(ss, ids[5], &held, &err);
	schemasource_release(ss, held);
	for (int i = 0; i < 1000; i++)
		schemasource_schema(ss, 100000 + i, &s, &err);
	calls = atomic_load(&f.calls_by_id);
	schemasource_schema(ss, ids[5], &s, &err);
	schemasource_release(ss, s);
	tap_is_int(atomic_load(&f.calls_by_id), calls,
	           "1000 made-up ids do not push a real schema out");
	schemasource_schema(ss, 100999, &s, &err);
	tap_is_int(atomic_load(&f.calls_by_id), calls, "the newest unknown ids are remembered");
	schemasource_schema(ss, 100000, &s, &err);
	tap_is_int(atomic_load(&f.calls_by_id), calls + 1, "the oldest are forgotten");
	schemasource_stats(ss, &st);
	tap_ok(st.id_entries <= 1 + 3, "entries bounded: %zu", st.id_entries);
	/* Least recently used, not oldest: an unknown id looked up between
	 * the made-up ones stays remembered. */
	schemasource_schema(ss, 200000, &s, &err);
	calls = atomic_load(&f.calls_by_id);
	for (int i = 0; i < 10; i++) {
		schemasource_schema(ss, 300000 + i, &s, &err);
		schemasource_schema(ss, 200000, &s, &err);
	}
	tap_is_int(atomic_load(&f.calls_by_id), calls + 10,
	           "an unknown id in use is not forgotten (least recently used first)");
	schemasource_close(ss);

	/* An entry over the whole budget is kept alone, its estimate reported
	 * as it is. */
	struct schemasource_options o3 = {.id_cache_bytes = 1024};
	ss = open_fake(&f, &o3);
	schemasource_schema(ss, ids[1], &s, &err);
	schemasource_release(ss, s);
	schemasource_schema(ss, ids[2], &s, &err);
	schemasource_release(ss, s);
	calls = atomic_load(&f.calls_by_id);
	schemasource_schema(ss, ids[2], &s, &err);
	schemasource_release(ss, s);
	tap_is_int(atomic_load(&f.calls_by_id), calls, "an oversized entry is cached, alone");
	schemasource_stats(ss, &st);
	tap_ok(st.id_entries == 1 && st.id_bytes > 1024 && st.evictions == 1,
	       "... %zu entry of %zu bytes, %" PRIu64 " eviction", st.id_entries, st.id_bytes,
	       st.evictions);
	schemasource_close(ss);
	fake_fini(&f);
}

/* The latest-version and id -> subjects caches hold max_subjects and
 * max_ids entries, the least recently used evicted first. */
static void test_bounds(void)
{
	struct fakereg f;
	fake_init(&f);
	const char *subjects[3] = {"a-value", "b-value", "c-value"};
	int64_t ids[3];
	for (int i = 0; i < 3; i++) {
		char text[64];
		snprintf(text, sizeof text, "{\"title\":\"T%d\",\"type\":\"object\"}", i);
		ids[i] = fake_register(&f, subjects[i], SCHEMA_JSON, text, NULL, 0);
	}
	struct schemasource_options o = {.max_subjects = 2, .max_ids = 2};
	struct schemasource *ss = open_fake(&f, &o);
	struct sg_error err;
	error_clear(&err);
	/* a fetched first, then b, then a used again: b is the least recently
	 * used (and a the oldest fetched, which the policy must not go by). */
	const int order[4] = {0, 1, 0, 2};
	struct schemasource_latest l;
	for (int i = 0; i < 4; i++) {
		schemasource_latest(ss, subjects[order[i]], &l, &err);
		atomic_fetch_add(&now_ms, 1);
	}
	int calls = atomic_load(&f.calls_version);
	schemasource_latest(ss, "a-value", &l, &err);
	tap_is_int(atomic_load(&f.calls_version), calls,
	           "latest: a subject in use stays cached (max_subjects 2)");
	schemasource_latest(ss, "b-value", &l, &err);
	tap_is_int(atomic_load(&f.calls_version), calls + 1,
	           "... the least recently used was evicted");

	for (int i = 0; i < 4; i++) {
		schemasource_registered(ss, ids[order[i]], subjects[order[i]], NULL, &err);
		atomic_fetch_add(&now_ms, 1);
	}
	calls = atomic_load(&f.calls_subjects);
	tap_is_int(schemasource_registered(ss, ids[0], "a-value", NULL, &err), 1,
	           "subjects of an id: an id in use stays cached (max_ids 2)");
	tap_is_int(atomic_load(&f.calls_subjects), calls, "... without a fetch");
	schemasource_registered(ss, ids[1], "b-value", NULL, &err);
	tap_is_int(atomic_load(&f.calls_subjects), calls + 1,
	           "... the least recently used was evicted");
	schemasource_close(ss);
	fake_fini(&f);
}

struct flight_arg {
	struct schemasource *ss;
	int64_t id;
	const char *subject; /* asked whether the id is registered under it */
	int found;
	int latest;
	int registered;
};

static void *flight_main(void *arg)
{
	struct flight_arg *a = arg;
	struct sg_error err;
	error_clear(&err);
	const struct schemasource_schema *s = NULL;
	a->found = schemasource_schema(a->ss, a->id, &s, &err);
	schemasource_release(a->ss, s);
	struct schemasource_latest l;
	a->latest = schemasource_latest(a->ss, "orders-value", &l, &err);
	a->registered = schemasource_registered(a->ss, a->id, a->subject, NULL, &err);
	return NULL;
}

static void test_single_flight(void)
{
	struct fakereg f;
	fake_init(&f);
	int64_t id = fake_register(&f, "orders-value", SCHEMA_JSON, ORDER_JSON, NULL, 0);
	struct schemasource_options o = {0};
	struct schemasource *ss = open_fake(&f, &o);
	atomic_store(&f.delay_ms, 100);
	pthread_t t[8];
	struct flight_arg a[8];
	for (int i = 0; i < 8; i++) {
		a[i] = (struct flight_arg){
		    .ss = ss, .id = id, .subject = i % 2 ? "other-value" : "orders-value"};
		pthread_create(&t[i], NULL, flight_main, &a[i]);
	}
	int ok = 1;
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ok &= a[i].found == 1 && a[i].latest == 1;
		/* Callers that joined another's fetch of the id's subjects get
		 * their own subject's answer, not the fetcher's. */
		ok &= a[i].registered == (i % 2 ? 0 : 1);
	}
	tap_ok(ok, "8 concurrent misses all answered");
	tap_is_int(atomic_load(&f.calls_by_id), 1, "... with one fetch by id (single flight)");
	tap_is_int(atomic_load(&f.calls_version), 1, "... and one latest fetch");
	tap_is_int(atomic_load(&f.calls_subjects), 1,
	           "... and one fetch of the id's subjects, for two subjects asked about");
	/* Again, every caller asking about a subject the id is not registered
	 * under: whichever of them fetches must answer no too. */
	schemasource_invalidate(ss, NULL);
	for (int i = 0; i < 8; i++) {
		a[i] = (struct flight_arg){.ss = ss, .id = id, .subject = "other-value"};
		pthread_create(&t[i], NULL, flight_main, &a[i]);
	}
	ok = 1;
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ok &= a[i].registered == 0;
	}
	tap_ok(ok, "8 concurrent callers asking about another subject are all told no");
	tap_is_int(atomic_load(&f.calls_subjects), 2, "... with one more fetch");
	schemasource_close(ss);
	fake_fini(&f);
}

/* ---- the HTTP backend against the real registry ---- */

static int post_schema(struct regclient *c, const char *subject, const char *type,
                       const char *schema, json_t *refs)
{
	char path[256];
	snprintf(path, sizeof path, "/subjects/%s/versions", subject);
	json_t *body = json_pack("{s:s, s:s}", "schemaType", type, "schema", schema);
	if (refs)
		json_object_set_new(body, "references", refs);
	json_t *out = NULL;
	struct sg_error err;
	error_clear(&err);
	int st = regclient_request(c, "POST", path, body, &out, &err);
	int id = st == 200 ? (int)json_integer_value(json_object_get(out, "id")) : -1;
	if (id < 0)
		tap_diag("POST %s: %d %s", path, st, err.msg);
	json_decref(body);
	json_decref(out);
	return id;
}

static void test_http(void)
{
	char dir[] = "/tmp/test_gwsource_XXXXXX";
	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp");
		return;
	}
	char db[256];
	snprintf(db, sizeof db, "%s/registry.db", dir);
	struct sg_error err;
	error_clear(&err);
	struct store *st = store_open(db, NULL, &err);
	struct api *api = st ? api_new(st, NULL, &err) : NULL;
	struct http_options ho = {
	    .host = "127.0.0.1", .port = 0, .body_limit = 1 << 20, .threads = 2};
	struct http_server *srv = api ? http_open(&ho, api_handle, api, &err) : NULL;
	if (!tap_ok(srv != NULL, "in-process registry started (%s)", err.msg)) {
		api_free(api);
		store_close(st);
		return;
	}
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d", http_port(srv));
	struct regclient *rc =
	    regclient_new(url, &(struct regclient_options){.timeout_ms = 5000}, &err);
	int id = post_schema(rc, "orders-value", "JSON", ORDER_JSON, NULL);
	int cur = post_schema(rc, "currency", "AVRO",
	                      "{\"type\":\"enum\",\"name\":\"Currency\",\"namespace\":\"com.acme\","
	                      "\"symbols\":[\"EUR\",\"USD\"]}",
	                      NULL);
	json_t *refs = json_pack("[{s:s, s:s, s:i}]", "name", "com.acme.Currency", "subject",
	                         "currency", "version", 1);
	int av = post_schema(rc, "avorders-value", "AVRO",
	                     "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\","
	                     "\"fields\":[{\"name\":\"c\",\"type\":\"Currency\"}]}",
	                     refs);
	tap_ok(id > 0 && cur > 0 && av > 0, "schemas registered over HTTP");

	error_clear(&err);
	struct schemasource *ss = schemasource_open_http(url, NULL, NULL, &err);
	tap_ok(ss != NULL, "HTTP source opened");
	const struct schemasource_schema *s = NULL;
	tap_is_int(schemasource_schema(ss, id, &s, &err), 1, "HTTP: schema by id");
	tap_ok(s && s->validator && s->type == SCHEMA_JSON, "... JSON, compiled");
	schemasource_release(ss, s);
	tap_is_int(schemasource_schema(ss, av, &s, &err), 1, "HTTP: Avro with a reference");
	tap_ok(s && s->validator && strcmp(s->record_name, "com.acme.Order") == 0,
	       "... compiled, record name com.acme.Order (%s)",
	       s && s->unusable ? s->unusable : "");
	schemasource_release(ss, s);
	tap_is_int(schemasource_schema(ss, 999, &s, &err), 0, "HTTP: unknown id is 0 (a 404)");
	int version = 0;
	tap_is_int(schemasource_registered(ss, id, "orders-value", &version, &err), 1,
	           "HTTP: /schemas/ids/{id}/versions lists orders-value");
	tap_is_int(version, 1, "... version 1");
	tap_is_int(schemasource_registered(ss, id, "currency", NULL, &err), 0,
	           "... and not currency");
	tap_is_int(schemasource_registered(ss, 999, "orders-value", NULL, &err), 0,
	           "HTTP: unknown id has no subjects");
	struct schemasource_latest l;
	tap_is_int(schemasource_latest(ss, "orders-value", &l, &err), 1, "HTTP: latest");
	tap_ok(l.id == id && l.version == 1, "... id and version");
	tap_is_int(schemasource_latest(ss, "no such/subject", &l, &err), 0,
	           "HTTP: absent subject (escaped path) is 0");

	/* Stop the registry: cached answers stay, new ones are unavailable. */
	http_close(srv);
	srv = NULL;
	error_clear(&err);
	tap_is_int(schemasource_schema(ss, id, &s, &err), 1, "HTTP down: cached schema served");
	schemasource_release(ss, s);
	error_clear(&err);
	tap_is_int(schemasource_schema(ss, cur, &s, &err), -1, "HTTP down: uncached id fails");
	tap_is_int(err.code, SG_EUNAVAILABLE, "... SG_EUNAVAILABLE");
	tap_ok(strstr(err.msg, url) != NULL, "... naming the URL: %s", err.msg);
	schemasource_close(ss);
	regclient_free(rc);
	api_free(api);
	store_close(st);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", dir);
}

/* A registry whose every schema is of a type this build does not know. */
static int xml_text(schemasource_text_fn fn, void *arg, struct sg_error *err)
{
	struct schemasource_text t = {
	    .id = 7, .version = 1, .text = "<x/>", .len = 4, .unknown_type = "XML"};
	return fn(arg, &t, err) < 0 ? -1 : 1;
}

static int xml_by_id(void *ctx, int64_t id, schemasource_text_fn fn, void *arg,
                     struct sg_error *err)
{
	return xml_text(fn, arg, err);
}

static int xml_subjects(void *ctx, int64_t id, schemasource_version_fn fn, void *arg,
                        struct sg_error *err)
{
	return 0;
}

static int xml_version(void *ctx, const char *subject, int version, schemasource_text_fn fn,
                       void *arg, struct sg_error *err)
{
	return xml_text(fn, arg, err);
}

static void test_unknown_type(void)
{
	struct schemasource_backend b = {.schema_by_id = xml_by_id,
	                                 .subjects_by_id = xml_subjects,
	                                 .subject_version = xml_version};
	struct sg_error err;
	error_clear(&err);
	struct schemasource *ss = schemasource_open(&b, NULL, &err);
	struct schemasource_latest l;
	const struct schemasource_schema *s = NULL;
	tap_is_int(schemasource_latest(ss, "x-value", &l, &err), 1,
	           "unknown schema type: the latest version is still found");
	tap_is_int(schemasource_schema(ss, 7, &s, &err), 1, "... and so is its id");
	tap_ok(s && !s->schema && !s->validator && s->unusable &&
	           strcmp(s->unusable, "unknown schema type 'XML'") == 0,
	       "... unusable, saying why: %s", s && s->unusable ? s->unusable : "");
	schemasource_release(ss, s);
	schemasource_close(ss);
}

int main(void)
{
	test_by_id();
	test_subjects_and_latest();
	test_outage();
	test_lru();
	test_bounds();
	test_single_flight();
	test_unknown_type();
	test_http();
	return tap_done();
}
