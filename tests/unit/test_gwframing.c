/* tests/unit/test_gwframing.c: the validation engine (gateway/gwcheck) on
 * records framed as Confluent 8 serializers frame them (gateway/framing.h):
 * magic byte 1 and a schema GUID, and the schema id or GUID in a
 * __value_schema_id / __key_schema_id header with the payload unframed; and
 * the schema source's GUID lookups (cached, bounded, failing closed).
 *
 * The registry is tests/unit/gwfake.h's, with a GUID table added here (the
 * GUIDs are made up: what matters is that the gateway asks for the GUID the
 * record carries, as text, and uses the id it gets back). Records are built
 * byte for byte here, headers included.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "gateway/framing.h"
#include "gateway/gwcheck.h"
#include "gateway/rules.h"
#include "gateway/schemasource.h"
#include "tests/tap.h"
#include "tests/unit/gwfake.h"

#define ORDERS_JSON                                                                                \
	"{\"type\":\"object\",\"required\":[\"order_id\",\"amount\"],\"properties\":{"             \
	"\"order_id\":{\"type\":\"string\"},\"amount\":{\"type\":\"number\",\"minimum\":0}}}"
#define KEY_JSON                                                                                   \
	"{\"type\":\"object\",\"required\":[\"tenant\"],\"properties\":{\"tenant\":{\"type\":"     \
	"\"string\"}}}"

static struct fakereg reg;
static atomic_uint_fast64_t now_ms = 1000000;
static atomic_int guid_calls;
static struct schemasource *ss;
static struct gwcheck *gw;
static struct gwcheck_scratch *scr;
static struct gwcheck_verdict V;
static int64_t id_json, id_avro, id_key, id_other;

/* The made-up GUID of schema `id`: 16 bytes, the id in the last one. */
static void guid_of(int64_t id, uint8_t g[16])
{
	for (int i = 0; i < 16; i++)
		g[i] = (uint8_t)(0xa0 + i);
	g[15] = (uint8_t)id;
}

static int fake_guid(void *ctx, const char *guid, int64_t *id, struct sg_error *err)
{
	struct fakereg *f = ctx;
	if (fake_enter(f, &guid_calls, err))
		return -1;
	int rc = 0;
	for (size_t i = 0; i < f->nschemas; i++) {
		uint8_t g[16];
		char t[FRAMING_GUID_TEXT_LEN + 1];
		guid_of(f->schemas[i].id, g);
		framing_guid_text(g, t);
		if (strcmp(t, guid) == 0) {
			*id = f->schemas[i].id;
			rc = 1;
		}
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

static void quiet_log(void *arg, const char *line)
{
	(void)arg;
	(void)line;
}

static void use_rules(const char *json)
{
	struct sg_error err;
	error_clear(&err);
	struct rules *r =
	    json ? rules_parse(json, strlen(json), "test", &err) : rules_new_default();
	if (!r) {
		tap_diag("rules: %s", err.msg);
		abort();
	}
	gwcheck_set_rules(gw, r);
}

/* ---- records with binary headers ---- */

struct hrec {
	const void *key;
	int32_t klen; /* -1: null */
	const void *val;
	int32_t vlen; /* -1: null */
	const char *hkey[3];
	const void *hval[3];
	int32_t hlen[3]; /* -1: a null value */
	int nh;
};

static void hb_record(struct tb *e, int i, const struct hrec *r)
{
	struct tb body = {0};
	uint8_t zero = 0;
	tb_put(&body, &zero, 1);
	tb_zz(&body, i);
	tb_zz(&body, i);
	tb_zz(&body, r->klen);
	if (r->klen > 0)
		tb_put(&body, r->key, (size_t)r->klen);
	tb_zz(&body, r->vlen);
	if (r->vlen > 0)
		tb_put(&body, r->val, (size_t)r->vlen);
	tb_zz(&body, r->nh);
	for (int h = 0; h < r->nh; h++) {
		tb_zz(&body, (int64_t)strlen(r->hkey[h]));
		tb_put(&body, r->hkey[h], strlen(r->hkey[h]));
		tb_zz(&body, r->hlen[h]);
		if (r->hlen[h] > 0)
			tb_put(&body, r->hval[h], (size_t)r->hlen[h]);
	}
	tb_zz(e, (int64_t)body.len);
	tb_put(e, body.p, body.len);
	free(body.p);
}

static void run(const char *topic, const struct hrec *recs, int n)
{
	struct tb records = {0};
	for (int i = 0; i < n; i++)
		hb_record(&records, i, &recs[i]);
	struct tb b = tb_seal(records, n, 0);
	struct gwcheck_input in = {.topic = topic, .partition = 0, .records = b.p, .len = b.len};
	gwcheck_batch(gw, scr, &in, &V);
	free(b.p);
}

/* Magic byte 1, the GUID of `id`, then `payload`. */
static struct tb guid_framed(int64_t id, const void *payload, size_t n)
{
	uint8_t g[16];
	struct tb t = {0};
	guid_of(id, g);
	tb_be(&t, 1, 1);
	tb_put(&t, g, 16);
	tb_put(&t, payload, n);
	return t;
}

/* A header value: magic byte 1 and the GUID of `id` (17 bytes). */
static struct tb guid_header(int64_t id)
{
	return guid_framed(id, NULL, 0);
}

static struct hrec VAL(const struct tb *t) {
	struct hrec r = {.klen = -1, .val = t->p, .vlen = (int32_t)t->len};
	return r;
}

/* Value `v` (unframed) with one header `name` = `h`. */
static struct hrec
VAL_H(const void *v, size_t vn, const char *name, const void *h, int32_t hn) {
	struct hrec r = {.klen = -1, .val = v, .vlen = (int32_t)vn, .nh = 1};
	r.hkey[0] = name;
	r.hval[0] = h;
	r.hlen[0] = hn;
	return r;
}

static void
expect(enum gwcheck_outcome o, enum gwcheck_reason reason, const char *msg, const char *name)
{
	if (!tap_ok(V.outcome == o, "%s: outcome %s", name, gwcheck_outcome_name(o)))
		tap_diag("got %s (%s): %s", gwcheck_outcome_name(V.outcome),
		         gwcheck_reason_name(V.reason), V.message);
	if (o != GWCHECK_ACCEPT && o != GWCHECK_RETRIABLE &&
	    !tap_ok(V.reason == reason, "%s: reason %s", name, gwcheck_reason_name(reason)))
		tap_diag("got reason %s: %s", gwcheck_reason_name(V.reason), V.message);
	if (msg)
		tap_is_str(V.nerrors ? V.errors[0].message : V.message, msg, "%s: message", name);
}

/* ---- the cases ---- */

static void test_guid_prefix(void)
{
	use_rules(NULL);
	const char *ok = "{\"order_id\":\"o-1\",\"amount\":2}";
	const char *bad = "{\"order_id\":\"o-2\",\"amount\":-1}";
	struct tb a = guid_framed(id_json, ok, strlen(ok));
	struct tb b = guid_framed(id_json, bad, strlen(bad));
	struct hrec r1[] = {VAL(&a), VAL(&a)};
	run("orders", r1, 2);
	expect(GWCHECK_ACCEPT, 0, NULL, "JSON framed by GUID");
	tap_ok(V.unchecked == 0, "... fully checked");
	struct hrec r2[] = {VAL(&a), VAL(&b)};
	run("orders", r2, 2);
	expect(GWCHECK_REJECT, GWCHECK_REASON_JSON,
	       "record 1: /amount: -1 is less than the minimum of 0 (orders-value v1, id 1)",
	       "JSON framed by GUID, invalid");
	free(a.p);
	free(b.p);

	struct tb av = av_order("o-1", 3.5, 1, NULL);
	struct tb ga = guid_framed(id_avro, av.p, av.len);
	struct tb gt = guid_framed(id_avro, av.p, av.len - 1);
	struct hrec r3[] = {VAL(&ga)};
	run("avorders", r3, 1);
	expect(GWCHECK_ACCEPT, 0, NULL, "Avro framed by GUID");
	struct hrec r4[] = {VAL(&gt)};
	run("avorders", r4, 1);
	expect(GWCHECK_REJECT, GWCHECK_REASON_AVRO, NULL, "Avro framed by GUID, one byte short");
	struct hrec r5[] = {VAL(&ga)};
	run("orders", r5, 1);
	expect(GWCHECK_REJECT, GWCHECK_REASON_WRONG_SUBJECT,
	       "record 0: schema id 2 is not registered under subject orders-value",
	       "GUID of a schema of another subject");
	free(ga.p);
	free(gt.p);
	free(av.p);

	struct tb unk = guid_framed(99, ok, strlen(ok));
	struct hrec r6[] = {VAL(&unk)};
	run("orders", r6, 1);
	expect(GWCHECK_REJECT, GWCHECK_REASON_UNKNOWN_ID,
	       "record 0: schema GUID a0a1a2a3-a4a5-a6a7-a8a9-aaabacadae63 does not exist",
	       "a GUID no schema has");
	free(unk.p);

	uint8_t shortg[] = {1, 0xa0, 0xa1, 0xa2};
	struct hrec r7[] = {{.klen = -1, .val = shortg, .vlen = 4}};
	run("orders", r7, 1);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FRAMING,
	       "record 0: magic byte 1 but 4 bytes: Confluent framing by GUID needs 17 (magic byte "
	       "and a 16-byte schema GUID) before the payload",
	       "magic byte 1 with 3 bytes of GUID");
}

static void test_header(void)
{
	use_rules(NULL);
	struct tb h = guid_header(id_avro);
	/* order_id "" encodes as byte 0: read as a prefix, it would be magic
	 * byte 0 with a made-up id; with the header it is the payload. */
	struct tb av = av_order("", 1.0, 0, "new");
	struct hrec r1[] = {VAL_H(av.p, av.len, "__value_schema_id", h.p, (int32_t)h.len)};
	run("avorders", r1, 1);
	expect(GWCHECK_ACCEPT, 0, NULL, "Avro with the GUID in __value_schema_id, starting 0x00");
	tap_ok(av.p[0] == 0, "... (the payload does start with byte 0)");

	struct hrec r2[] = {VAL_H(av.p, av.len - 1, "__value_schema_id", h.p, (int32_t)h.len)};
	run("avorders", r2, 1);
	expect(GWCHECK_REJECT, GWCHECK_REASON_AVRO, NULL, "header GUID, truncated Avro payload");

	uint8_t idh[] = {0, 0, 0, 0, (uint8_t)id_avro};
	struct hrec r3[] = {VAL_H(av.p, av.len, "__value_schema_id", idh, 5)};
	run("avorders", r3, 1);
	expect(GWCHECK_ACCEPT, 0, NULL, "Avro with the id in __value_schema_id");

	struct hrec r4[] = {VAL_H(av.p, av.len, "__value_schema_id", h.p, 16)};
	run("avorders", r4, 1);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FRAMING,
	       "record 0: header __value_schema_id has 16 bytes: after magic byte 1 it must hold "
	       "a 16-byte schema GUID (17 bytes in all)",
	       "a header value one byte short");

	/* A null header value is as none: the prefix counts. */
	struct tb pre = tb_framed(id_avro, av.p, av.len);
	struct hrec r5[] = {VAL_H(pre.p, pre.len, "__value_schema_id", NULL, -1)};
	run("avorders", r5, 1);
	expect(GWCHECK_ACCEPT, 0, NULL, "null header value, id prefix");
	/* Another part's header does not apply to the value, whose first
	 * bytes are then read as magic byte 0 and id 0. */
	struct hrec r6[] = {VAL_H(av.p, av.len, "__key_schema_id", h.p, (int32_t)h.len)};
	run("avorders", r6, 1);
	expect(GWCHECK_REJECT, GWCHECK_REASON_UNKNOWN_ID, "record 0: schema id 0 does not exist",
	       "a __key_schema_id header does not frame the value");
	free(pre.p);

	struct tb hu = guid_header(77);
	struct hrec r7[] = {VAL_H(av.p, av.len, "__value_schema_id", hu.p, (int32_t)hu.len)};
	run("avorders", r7, 1);
	expect(GWCHECK_REJECT, GWCHECK_REASON_UNKNOWN_ID,
	       "record 0: schema GUID a0a1a2a3-a4a5-a6a7-a8a9-aaabacadae4d (in a header) does not "
	       "exist",
	       "an unknown GUID in a header");
	free(hu.p);
	free(av.p);

	/* JSON in header mode, and a JSON key with its own header. */
	use_rules("{\"rules\":[{\"topic\":\"orders\",\"parts\":\"both\"}]}");
	const char *val = "{\"order_id\":\"o-1\",\"amount\":1}";
	const char *key = "{\"tenant\":\"t\"}";
	const char *badkey = "{\"tenant\":1}";
	struct tb hv = guid_header(id_json), hk = guid_header(id_key);
	struct hrec r8 = {.key = key,
	                  .klen = (int32_t)strlen(key),
	                  .val = val,
	                  .vlen = (int32_t)strlen(val),
	                  .nh = 2};
	r8.hkey[0] = "__key_schema_id";
	r8.hval[0] = hk.p;
	r8.hlen[0] = (int32_t)hk.len;
	r8.hkey[1] = "__value_schema_id";
	r8.hval[1] = hv.p;
	r8.hlen[1] = (int32_t)hv.len;
	run("orders", &r8, 1);
	expect(GWCHECK_ACCEPT, 0, NULL, "JSON key and value, each with its GUID header");
	r8.key = badkey;
	r8.klen = (int32_t)strlen(badkey);
	run("orders", &r8, 1);
	expect(GWCHECK_REJECT, GWCHECK_REASON_JSON,
	       "record 0: key: /tenant: 1 is not of type string (orders-key v1, id 3)",
	       "a bad key under its GUID header");
	/* The value's header named for the key: the key's schema is wrong. */
	r8.key = key;
	r8.klen = (int32_t)strlen(key);
	r8.hval[0] = hv.p;
	run("orders", &r8, 1);
	expect(GWCHECK_REJECT, GWCHECK_REASON_WRONG_SUBJECT,
	       "record 0: key: schema id 1 is not registered under subject orders-key",
	       "the value's GUID in __key_schema_id");
	free(hv.p);
	free(hk.p);
	free(h.p);
}

static void test_cache_and_outage(void)
{
	use_rules(NULL);
	now_ms += 100000; /* past every negative entry */
	const char *ok = "{\"order_id\":\"o-1\",\"amount\":2}";
	struct tb a = guid_framed(id_other, ok, strlen(ok));
	struct hrec r1[] = {VAL(&a), VAL(&a), VAL(&a)};
	int before = atomic_load(&guid_calls);
	run("others", r1, 3);
	expect(GWCHECK_ACCEPT, 0, NULL, "a new GUID, three records");
	tap_is_int(atomic_load(&guid_calls) - before, 1, "... one GUID lookup for the batch");
	run("others", r1, 3);
	tap_is_int(atomic_load(&guid_calls) - before, 1, "... none for the next batch (cached)");

	struct tb unk = guid_framed(98, ok, strlen(ok));
	struct hrec r2[] = {VAL(&unk)};
	before = atomic_load(&guid_calls);
	run("orders", r2, 1);
	run("orders", r2, 1);
	tap_is_int(atomic_load(&guid_calls) - before, 1, "an unknown GUID is remembered");
	now_ms += 6000;
	run("orders", r2, 1);
	tap_is_int(atomic_load(&guid_calls) - before, 2, "... for negative_ttl_ms only");

	atomic_store(&reg.down, 1);
	run("others", r1, 3);
	expect(GWCHECK_ACCEPT, 0, NULL, "registry down: a cached GUID still validates");
	struct tb fresh = guid_framed(97, ok, strlen(ok));
	struct hrec r3[] = {VAL(&fresh)};
	run("orders", r3, 1);
	expect(GWCHECK_RETRIABLE, 0, NULL, "registry down: an uncached GUID is retriable");
	tap_is_int(V.code, SG_EUNAVAILABLE, "... code SG_EUNAVAILABLE");
	atomic_store(&reg.down, 0);
	now_ms += 6000; /* past the backoff */
	run("orders", r3, 1);
	expect(GWCHECK_REJECT, GWCHECK_REASON_UNKNOWN_ID, NULL,
	       "registry back: the GUID is looked up (and unknown)");
	free(fresh.p);
	free(unk.p);
	free(a.p);

	/* More distinct GUIDs than a batch may name. */
	struct hrec many[GWCHECK_MAX_IDS + 1];
	struct tb bufs[GWCHECK_MAX_IDS + 1];
	for (int i = 0; i <= GWCHECK_MAX_IDS; i++) {
		bufs[i] = guid_framed(100 + i, ok, strlen(ok));
		many[i] = VAL(&bufs[i]);
	}
	before = atomic_load(&guid_calls);
	run("orders", many, GWCHECK_MAX_IDS + 1);
	tap_ok(V.outcome == GWCHECK_REJECT && V.bad == GWCHECK_MAX_IDS + 1,
	       "%d unknown GUIDs: all bad", GWCHECK_MAX_IDS + 1);
	tap_is_int(atomic_load(&guid_calls) - before, GWCHECK_MAX_IDS,
	           "... the registry asked for %d of them, not the one past the bound",
	           GWCHECK_MAX_IDS);
	for (int i = 0; i <= GWCHECK_MAX_IDS; i++)
		free(bufs[i].p);

	struct schemasource_stats st;
	schemasource_stats(ss, &st);
	tap_ok(st.id_bytes >= SCHEMASOURCE_GUID_BYTES, "cached GUIDs count in the byte budget");
}

/* A source with a budget of 4 GUIDs: the fifth evicts the first. */
static void test_bound(void)
{
	struct schemasource_backend b = fake_backend(&reg);
	b.id_by_guid = fake_guid;
	struct schemasource_options o = {.id_cache_bytes = 4 * SCHEMASOURCE_GUID_BYTES,
	                                 .clock_ms = fake_clock,
	                                 .clock_arg = &now_ms};
	struct sg_error err;
	error_clear(&err);
	struct schemasource *s = schemasource_open(&b, &o, &err);
	char text[5][FRAMING_GUID_TEXT_LEN + 1];
	int64_t ids[5];
	for (int i = 0; i < 5; i++) {
		uint8_t g[16];
		ids[i] = fake_register(&reg, "bound-value", SCHEMA_JSON,
		                       i == 0   ? "{\"type\":\"string\"}"
		                       : i == 1 ? "{\"type\":\"number\"}"
		                       : i == 2 ? "{\"type\":\"integer\"}"
		                       : i == 3 ? "{\"type\":\"boolean\"}"
		                                : "{\"type\":\"null\"}",
		                       NULL, 0);
		guid_of(ids[i], g);
		framing_guid_text(g, text[i]);
	}
	int64_t got = 0;
	int ok = 1;
	for (int i = 0; i < 5; i++)
		ok &= schemasource_guid(s, text[i], &got, &err) == 1 && got == ids[i];
	tap_ok(ok, "five GUIDs looked up, each to its id");
	struct schemasource_stats st;
	schemasource_stats(s, &st);
	tap_ok(st.id_bytes <= 4 * SCHEMASOURCE_GUID_BYTES && st.evictions >= 1,
	       "the cache stays within its budget (%zu bytes, %" PRIu64 " evicted)", st.id_bytes,
	       st.evictions);
	int before = atomic_load(&guid_calls);
	schemasource_guid(s, text[4], &got, &err);
	tap_is_int(atomic_load(&guid_calls) - before, 0, "the newest is still cached");
	schemasource_guid(s, text[0], &got, &err);
	tap_is_int(atomic_load(&guid_calls) - before, 1,
	           "the oldest was evicted and is asked again");
	schemasource_close(s);

	struct schemasource_backend nog = fake_backend(&reg);
	s = schemasource_open(&nog, &o, &err);
	tap_is_int(schemasource_guid(s, text[0], &got, &err), 0,
	           "a backend without GUID lookups knows no GUID");
	schemasource_close(s);
}

int main(void)
{
	fake_init(&reg);
	id_json = fake_register(&reg, "orders-value", SCHEMA_JSON, ORDERS_JSON, NULL, 0);
	id_avro = fake_register(&reg, "avorders-value", SCHEMA_AVRO, AV_ORDER_SCHEMA, NULL, 0);
	id_key = fake_register(&reg, "orders-key", SCHEMA_JSON, KEY_JSON, NULL, 0);
	id_other = fake_register(&reg, "others-value", SCHEMA_JSON, ORDERS_JSON "  ", NULL, 0);
	struct sg_error err;
	error_clear(&err);
	struct schemasource_backend b = fake_backend(&reg);
	b.id_by_guid = fake_guid;
	struct schemasource_options o = {.clock_ms = fake_clock, .clock_arg = &now_ms};
	ss = schemasource_open(&b, &o, &err);
	struct gwcheck_options go = {.log = quiet_log};
	gw = ss ? gwcheck_new(ss, NULL, NULL, NULL, NULL, &go, &err) : NULL;
	scr = gw ? gwcheck_scratch_new(gw) : NULL;
	if (!scr) {
		tap_diag("setup: %s", err.msg);
		return 1;
	}
	test_guid_prefix();
	test_header();
	test_cache_and_outage();
	test_bound();
	gwcheck_scratch_free(scr);
	gwcheck_free(gw);
	schemasource_close(ss);
	fake_fini(&reg);
	return tap_done();
}
