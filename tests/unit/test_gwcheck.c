/* tests/unit/test_gwcheck.c: the validation engine (gateway/gwcheck) over
 * hand-built RecordBatches, with schemas from an in-memory registry
 * (tests/unit/gwfake.h) parsed for real by gateway/schemasource.
 *
 * Covers every verdict (ACCEPT, REJECT, RETRIABLE, SHADOW_REJECT), every
 * rejection reason, the three subject strategies, keys, tombstones, plain
 * and framed JSON, framed Avro (with a reference), compressed, corrupt and
 * control batches, the bounds on messages and ids, fail-open, rules reload,
 * and concurrent use from several threads.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "gateway/gwcheck.h"
#include "gateway/metrics.h"
#include "gateway/rejections.h"
#include "gateway/rules.h"
#include "gateway/schemasource.h"
#include "tests/tap.h"
#include "tests/unit/gwfake.h"

#define ORDERS_JSON                                                                                \
	"{\"$schema\":\"http://json-schema.org/draft-07/"                                          \
	"schema#\",\"title\":\"com.acme.OrderJson\","                                              \
	"\"type\":\"object\",\"required\":[\"order_id\",\"amount\"],\"properties\":{"              \
	"\"order_id\":{\"type\":\"string\"},\"amount\":{\"type\":\"number\",\"minimum\":0},"       \
	"\"currency\":{\"enum\":[\"EUR\",\"USD\"]},\"status\":{\"type\":\"string\"}}}"
#define KEY_JSON                                                                                   \
	"{\"type\":\"object\",\"required\":[\"tenant\"],\"properties\":{\"tenant\":{\"type\":"     \
	"\"string\"}}}"
#define UNTITLED_JSON "{\"type\":\"object\"}"

static struct fakereg reg;
static atomic_uint_fast64_t now_ms = 1000000;
static struct schemasource *ss;
static struct rejections *rej;
static struct metrics *met;
static struct gwcheck *gw;
static struct gwcheck_scratch *scr;
static struct gwcheck_verdict V;
static char logbuf[1 << 16];
static size_t loglen;
static pthread_mutex_t logmu = PTHREAD_MUTEX_INITIALIZER;

static int64_t id_orders_json, id_orders_avro, id_key_json, id_untitled, id_proto, id_payment;

static void capture_log(void *arg, const char *line)
{
	(void)arg;
	pthread_mutex_lock(&logmu);
	int n = snprintf(logbuf + loglen, sizeof logbuf - loglen, "%s\n", line);
	if (n > 0 && (size_t)n < sizeof logbuf - loglen)
		loglen += (size_t)n;
	pthread_mutex_unlock(&logmu);
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

static struct tb_rec V_(const char *value) {
	struct tb_rec r = {.klen = -1, .val = value, .vlen = value ? (int32_t)strlen(value) : -1};
	return r;
}

static struct tb_rec
BIN(const struct tb *t) {
	struct tb_rec r = {.klen = -1, .val = t->p, .vlen = (int32_t)t->len};
	return r;
}

static void
run_bytes(const char *topic, const uint8_t *p, size_t n)
{
	struct gwcheck_input in = {.topic = topic,
	                           .partition = 3,
	                           .records = p,
	                           .len = n,
	                           .client_id = "test-client",
	                           .client_addr = "127.0.0.1:5555"};
	gwcheck_batch(gw, scr, &in, &V);
}

static void run(const char *topic, const struct tb_rec *recs, int n, int flags)
{
	struct tb b = tb_batch(recs, n, flags);
	run_bytes(topic, b.p, b.len);
	free(b.p);
}

/* Checks outcome, reason and (when not NULL) the first record message. */
static void expect(enum gwcheck_outcome o, enum gwcheck_reason reason, const char *msg,
                   const char *name)
{
	if (!tap_ok(V.outcome == o, "%s: outcome %s", name, gwcheck_outcome_name(o)))
		tap_diag("got %s (%s): %s", gwcheck_outcome_name(V.outcome),
		         gwcheck_reason_name(V.reason), V.message);
	if (o != GWCHECK_ACCEPT &&
	    !tap_ok(V.reason == reason, "%s: reason %s", name, gwcheck_reason_name(reason)))
		tap_diag("got reason %s: %s", gwcheck_reason_name(V.reason), V.message);
	if (msg)
		tap_is_str(V.nerrors ? V.errors[0].message : V.message, msg, "%s: message", name);
	if (getenv("GWCHECK_VERBOSE"))
		tap_diag("%s: %s", name, V.message);
}

/* ---- setup ---- */

static void setup(void)
{
	fake_init(&reg);
	id_orders_json = fake_register(&reg, "orders-value", SCHEMA_JSON, ORDERS_JSON, NULL, 0);
	/* Avro with a reference: Currency lives in its own subject. */
	const char *currency =
	    "{\"type\":\"enum\",\"name\":\"Currency\",\"namespace\":\"com.acme\","
	    "\"symbols\":[\"EUR\",\"USD\"]}";
	fake_register(&reg, "currency", SCHEMA_AVRO, currency, NULL, 0);
	struct schemasource_ref ref = {"com.acme.Currency", "currency", 1};
	const char *order_ref =
	    "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\",\"fields\":["
	    "{\"name\":\"order_id\",\"type\":\"string\"},{\"name\":\"amount\",\"type\":\"double\"},"
	    "{\"name\":\"currency\",\"type\":\"Currency\"},"
	    "{\"name\":\"status\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
	id_orders_avro = fake_register(&reg, "avorders-value", SCHEMA_AVRO, order_ref, &ref, 1);
	fake_register(&reg, "com.acme.Order", SCHEMA_AVRO, order_ref, &ref, 1);
	fake_register(&reg, "rn-com.acme.Order", SCHEMA_AVRO, order_ref, &ref, 1);
	id_key_json = fake_register(&reg, "orders-key", SCHEMA_JSON, KEY_JSON, NULL, 0);
	id_untitled = fake_register(&reg, "untitled-value", SCHEMA_JSON, UNTITLED_JSON, NULL, 0);
	id_proto = fake_register(&reg, "proto-value", SCHEMA_PROTOBUF,
	                         "syntax = \"proto3\"; message M { string a = 1; }", NULL, 0);
	id_payment = fake_register(&reg, "payments-value", SCHEMA_AVRO,
	                           "{\"type\":\"record\",\"name\":\"Payment\",\"fields\":["
	                           "{\"name\":\"amount\",\"type\":\"long\"}]}",
	                           NULL, 0);
	/* Avro latest for a topic whose producers send plain JSON by mistake. */
	fake_register(&reg, "avonly-value", SCHEMA_AVRO, AV_ORDER_SCHEMA, NULL, 0);

	struct sg_error err;
	error_clear(&err);
	struct schemasource_backend b = fake_backend(&reg);
	struct schemasource_options o = {.clock_ms = fake_clock, .clock_arg = &now_ms};
	ss = schemasource_open(&b, &o, &err);
	rej = rejections_new(64);
	met = metrics_new(gwcheck_reason_names, GWCHECK_REASON_COUNT, 100);
	struct gwcheck_options go = {.log = capture_log};
	gw = gwcheck_new(ss, NULL, rej, met, NULL, &go, &err);
	scr = gwcheck_scratch_new(gw);
	if (!ss || !rej || !met || !gw || !scr) {
		tap_diag("setup: %s", err.msg);
		abort();
	}
}

static void teardown(void)
{
	gwcheck_scratch_free(scr);
	gwcheck_free(gw);
	metrics_free(met);
	rejections_free(rej);
	schemasource_close(ss);
	fake_fini(&reg);
}

/* ---- the cases ---- */

static void test_default_rules(void)
{
	use_rules(NULL);
	struct tb_rec recs[] = {V_("hello"), V_(NULL), V_("{\"x\":1}")};
	run("no-subject-topic", recs, 3, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "topic without a subject passes");
	tap_ok(V.unchecked == 1, "... marked unchecked");
	tap_is_int(V.records, 3, "... 3 records read");

	struct tb_rec ok[] = {V_("{\"order_id\":\"o-1\",\"amount\":12.5,\"currency\":\"EUR\"}"),
	                      V_("  [1]"), V_(NULL)};
	ok[1] = V_("{\"order_id\":\"o-2\",\"amount\":0}");
	run("orders", ok, 3, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "plain JSON orders pass (and a tombstone)");
	tap_ok(V.unchecked == 0 && V.code == SG_OK, "... fully checked, code SG_OK");

	struct tb_rec bad[] = {V_("{\"order_id\":\"o-1\",\"amount\":1}"),
	                       V_("{\"order_id\":\"o-2\",\"amount\":\"abc\"}")};
	run("orders", bad, 2, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_JSON,
	       "record 1: /amount: \"abc\" is not of type number (orders-value v1, id 1)",
	       "plain JSON with a bad amount");
	tap_is_int(V.code, SG_EINVALID_RECORD, "... code SG_EINVALID_RECORD");
	tap_is_int(error_kafka_code(V.code), 87, "... Kafka INVALID_RECORD (87)");
	tap_is_int(error_kafka_retriable(V.code), 0, "... not retriable");
	tap_is_int(V.first_bad, 1, "... first bad record 1");
	tap_is_int(V.bad, 1, "... one bad record");
	tap_is_int((int)V.nerrors, 1, "... one error listed");
	tap_is_int(V.errors[0].index, 1, "... at index 1");
	tap_is_str(V.message, V.errors[0].message, "... ErrorMessage is the record's message");

	struct tb_rec miss[] = {V_("{\"amount\":3}")};
	run("orders", miss, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_JSON,
	       "record 0: required property \"order_id\" is missing (orders-value v1, id 1)",
	       "missing required field (root location)");

	struct tb_rec syn[] = {V_("{\"order_id\": \"o-1\", \"amount\": 1,}")};
	run("orders", syn, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_JSON_SYNTAX, NULL, "plain JSON syntax error");
	tap_ok(strncmp(V.errors[0].message, "record 0: not valid JSON: ", 26) == 0,
	       "... says not valid JSON: %s", V.errors[0].message);

	struct tb_rec dup[] = {V_("{\"order_id\":\"o-1\",\"amount\":1,\"amount\":\"x\"}")};
	run("orders", dup, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_JSON_SYNTAX, NULL,
	       "duplicate keys are refused (a consumer could read the other one)");

	struct tb_rec txt[] = {V_("hello")};
	run("orders", txt, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FORMAT,
	       "record 0: not in an accepted format (confluent-avro, confluent-json, plain-json, "
	       "confluent-protobuf): the value starts with byte 0x68",
	       "text on a topic with a subject");

	struct tb_rec empty[] = {V_("")};
	run("orders", empty, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FORMAT,
	       "record 0: empty value: in no accepted format (confluent-avro, confluent-json, "
	       "plain-json, confluent-protobuf)",
	       "empty value");

	struct tb_rec num[] = {V_("42")};
	run("orders", num, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FORMAT, NULL,
	       "a bare JSON number is not plain JSON (objects and arrays only)");
}

static void test_framed_json(void)
{
	use_rules(NULL);
	const char *good = "{\"order_id\":\"o-9\",\"amount\":5}";
	struct tb f1 = tb_framed(id_orders_json, good, strlen(good));
	struct tb_rec r1[] = {BIN(&f1)};
	run("orders", r1, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "framed JSON passes");

	const char *neg = "{\"order_id\":\"o-9\",\"amount\":-5}";
	struct tb f2 = tb_framed(id_orders_json, neg, strlen(neg));
	struct tb_rec r2[] = {BIN(&f1), BIN(&f1), BIN(&f2)};
	run("orders", r2, 3, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_JSON,
	       "record 2: /amount: -5 is less than the minimum of 0 (orders-value v1, id 1)",
	       "framed JSON below the minimum");

	struct tb f3 = tb_framed(id_orders_json, "{\"order_id\":", 12);
	struct tb_rec r3[] = {BIN(&f3)};
	run("orders", r3, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_JSON_SYNTAX, NULL, "framed truncated JSON");

	struct tb f4 = tb_framed(9999, good, strlen(good));
	struct tb_rec r4[] = {BIN(&f4)};
	run("orders", r4, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_UNKNOWN_ID, "record 0: schema id 9999 does not exist",
	       "unknown schema id");

	struct tb f5 = tb_framed(id_key_json, "{\"tenant\":\"a\"}", 14);
	struct tb_rec r5[] = {BIN(&f5)};
	run("orders", r5, 1, 0);
	char want[256];
	snprintf(want, sizeof want,
	         "record 0: schema id %" PRId64 " is not registered under subject orders-value",
	         id_key_json);
	expect(GWCHECK_REJECT, GWCHECK_REASON_WRONG_SUBJECT, want,
	       "an id registered under another subject");

	uint8_t shorty[] = {0, 0, 1};
	struct tb_rec r6[] = {{.klen = -1, .val = shorty, .vlen = 3}};
	run("orders", r6, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FRAMING,
	       "record 0: magic byte 0 but 3 bytes: Confluent framing needs 5 (magic byte and a "
	       "4-byte schema id) before the payload",
	       "magic byte with a short header");

	/* Protobuf: message indexes ([0]: the byte 0), then the payload */
	struct tb f7 = tb_framed(id_proto, "\x00\x0a\x01\x41", 4);
	struct tb_rec r7[] = {BIN(&f7)};
	run("proto", r7, 1, 0);
	expect(GWCHECK_ACCEPT, GWCHECK_REASON_NONE, NULL, "a Protobuf record of message M");
	struct tb f7b = tb_framed(id_proto, "\x00\x0a\x02\xc3\x28", 5);
	struct tb_rec r7b[] = {BIN(&f7b)};
	run("proto", r7b, 1, 0);
	snprintf(want, sizeof want,
	         "record 0: /a: a string that is not UTF-8 (byte 0xc3) at byte 2 "
	         "(proto-value v1, id %" PRId64 ")",
	         id_proto);
	expect(GWCHECK_REJECT, GWCHECK_REASON_PROTOBUF, want, "a Protobuf string not UTF-8");
	struct tb f7c = tb_framed(id_proto, "\x02\x02\x0a\x01\x41", 5);
	struct tb_rec r7c[] = {BIN(&f7c)};
	run("proto", r7c, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FRAMING, NULL, "a Protobuf message index past M");
	tap_ok(strstr(V.errors[0].message, "out of range (the schema has 1 message)") != NULL,
	       "... says why: %s", V.errors[0].message);
	free(f7b.p);
	free(f7c.p);

	free(f1.p);
	free(f2.p);
	free(f3.p);
	free(f4.p);
	free(f5.p);
	free(f7.p);
}

static void test_avro(void)
{
	use_rules(NULL);
	struct tb o1 = av_order("o-1", 10.5, 1, "NEW");
	struct tb f1 = tb_framed(id_orders_avro, o1.p, o1.len);
	struct tb o2 = av_order("o-2", 3, 0, NULL);
	struct tb f2 = tb_framed(id_orders_avro, o2.p, o2.len);
	struct tb_rec ok[] = {BIN(&f1), BIN(&f2)};
	run("avorders", ok, 2, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "framed Avro (schema with a reference) passes");
	tap_ok(V.unchecked == 0, "... fully checked");

	struct tb o3 = av_order("o-3", 1, 2, NULL); /* enum index 2 of 2 symbols */
	struct tb f3 = tb_framed(id_orders_avro, o3.p, o3.len);
	struct tb_rec r3[] = {BIN(&f1), BIN(&f3)};
	run("avorders", r3, 2, 0);
	char want[256];
	snprintf(want, sizeof want,
	         "record 1: /currency: enum index 2 out of range (2 symbols) at byte 12 "
	         "(avorders-value v1, id %" PRId64 ")",
	         id_orders_avro);
	expect(GWCHECK_REJECT, GWCHECK_REASON_AVRO, want, "enum index out of range");

	struct tb f4 = tb_framed(id_orders_avro, o1.p, o1.len);
	tb_put(&f4, "\x00", 1);
	struct tb_rec r4[] = {BIN(&f4)};
	run("avorders", r4, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_AVRO, NULL, "trailing byte");
	tap_ok(strstr(V.errors[0].message, "trailing") != NULL, "... says trailing: %s",
	       V.errors[0].message);

	struct tb f5 = tb_framed(id_orders_avro, o1.p, o1.len - 2);
	struct tb_rec r5[] = {BIN(&f5)};
	run("avorders", r5, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_AVRO, NULL, "truncated Avro");

	/* A string with an invalid UTF-8 byte. */
	struct tb o6 = av_order("o-\xff", 1, 0, NULL);
	struct tb f6 = tb_framed(id_orders_avro, o6.p, o6.len);
	struct tb_rec r6[] = {BIN(&f6)};
	run("avorders", r6, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_AVRO, NULL, "invalid UTF-8 in a string");

	/* Plain JSON to a topic whose subject holds Avro. */
	struct tb_rec r7[] = {V_("{\"order_id\":\"o\"}")};
	run("avonly", r7, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FORMAT, NULL, "plain JSON on an Avro subject");
	tap_ok(strstr(V.errors[0].message, "is AVRO, not JSON") != NULL, "... says so: %s",
	       V.errors[0].message);

	/* An Avro-only rule refuses framed JSON and plain JSON. */
	use_rules("{\"rules\":[{\"topic\":\"orders\",\"formats\":[\"confluent-avro\"]}]}");
	const char *good = "{\"order_id\":\"o-9\",\"amount\":5}";
	struct tb f8 = tb_framed(id_orders_json, good, strlen(good));
	struct tb_rec r8[] = {BIN(&f8)};
	run("orders", r8, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FORMAT,
	       "record 0: Confluent-framed JSON Schema (schema id 1) is not accepted here "
	       "(accepted: confluent-avro)",
	       "framed JSON where only Avro is accepted");
	struct tb_rec r9[] = {V_(good)};
	run("orders", r9, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FORMAT, NULL,
	       "plain JSON where only Avro is accepted");

	free(o1.p);
	free(o2.p);
	free(o3.p);
	free(o6.p);
	free(f1.p);
	free(f2.p);
	free(f3.p);
	free(f4.p);
	free(f5.p);
	free(f6.p);
	free(f8.p);
}

static void test_strategies(void)
{
	struct tb o1 = av_order("o-1", 10.5, 1, "NEW");
	struct tb f1 = tb_framed(id_orders_avro, o1.p, o1.len);
	struct tb_rec r1[] = {BIN(&f1)};

	use_rules("{\"default\":{\"subject_strategy\":\"RecordNameStrategy\","
	          "\"formats\":[\"confluent-avro\",\"confluent-json\"]}}");
	run("anytopic", r1, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "RecordNameStrategy: registered under com.acme.Order");
	tap_ok(V.unchecked == 0, "... fully checked");

	struct tb_rec txt[] = {V_("{\"a\":1}")};
	run("anytopic", txt, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FORMAT, NULL,
	       "RecordNameStrategy: an unframed record is in no accepted format");

	struct tb u = tb_framed(id_untitled, "{}", 2);
	struct tb_rec r2[] = {BIN(&u)};
	run("anytopic", r2, 1, 0);
	char want[256];
	snprintf(want, sizeof want,
	         "record 0: schema id %" PRId64 " has no record name for RecordNameStrategy (a "
	         "JSON schema needs a \"title\")",
	         id_untitled);
	expect(GWCHECK_REJECT, GWCHECK_REASON_RECORD_NAME, want, "JSON schema without a title");

	/* The JSON schema's title names the subject, which does not exist:
	 * it passes unless require_schema. */
	const char *good = "{\"order_id\":\"o-9\",\"amount\":5}";
	struct tb fj = tb_framed(id_orders_json, good, strlen(good));
	struct tb_rec r3[] = {BIN(&fj)};
	run("anytopic", r3, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "derived subject absent, require_schema false: passes");
	tap_ok(V.unchecked == 1, "... unchecked");
	use_rules("{\"default\":{\"subject_strategy\":\"RecordNameStrategy\","
	          "\"formats\":[\"confluent-avro\",\"confluent-json\"],\"require_schema\":true}}");
	run("anytopic", r3, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_NO_SUBJECT,
	       "record 0: subject com.acme.OrderJson does not exist",
	       "derived subject absent, require_schema: rejected");

	/* Payment (id registered only under payments-value) under
	 * RecordNameStrategy: the subject "Payment" does not exist. */
	uint8_t pay[] = {0x02};
	struct tb fp = tb_framed(id_payment, pay, 1);
	struct tb_rec r4[] = {BIN(&fp)};
	run("anytopic", r4, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_NO_SUBJECT, NULL, "Payment subject absent");

	use_rules("{\"default\":{\"subject_strategy\":\"TopicRecordNameStrategy\","
	          "\"formats\":[\"confluent-avro\"]}}");
	run("rn", r1, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "TopicRecordNameStrategy: rn-com.acme.Order");
	tap_ok(V.unchecked == 0, "... fully checked");
	/* A JSON schema's title names the record. */
	fake_register(&reg, "other-com.acme.OrderJson", SCHEMA_JSON, ORDERS_JSON, NULL, 0);
	use_rules("{\"default\":{\"subject_strategy\":\"TopicRecordNameStrategy\","
	          "\"formats\":[\"confluent-avro\", \"confluent-json\"]}}");
	struct tb fj2 = tb_framed(id_orders_json, good, strlen(good));
	struct tb_rec r5[] = {BIN(&fj2)};
	schemasource_invalidate(ss, NULL);
	run("other", r5, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "TopicRecordNameStrategy with a JSON title");
	tap_ok(V.unchecked == 0, "... fully checked");
	/* A newer version under the subject: the older id still counts. */
	fake_register(&reg, "rn-com.acme.Order", SCHEMA_AVRO, AV_ORDER_SCHEMA, NULL, 0);
	schemasource_invalidate(ss, NULL);
	struct tb fo = tb_framed(id_orders_avro, o1.p, o1.len);
	struct tb_rec r6[] = {BIN(&fo)};
	run("rn", r6, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "an older version under the subject still counts");
	/* The derived subject exists, but the id is not one of its versions. */
	fake_register(&reg, "rn-Payment", SCHEMA_AVRO,
	              "{\"type\":\"record\",\"name\":\"Payment\",\"fields\":[]}", NULL, 0);
	schemasource_invalidate(ss, NULL);
	run("rn", r4, 1, 0);
	char want2[256];
	snprintf(want2, sizeof want2,
	         "record 0: schema id %" PRId64 " is not registered under subject rn-Payment",
	         id_payment);
	expect(GWCHECK_REJECT, GWCHECK_REASON_WRONG_SUBJECT, want2,
	       "TopicRecordNameStrategy: id not under the derived subject");

	free(o1.p);
	free(f1.p);
	free(u.p);
	free(fj.p);
	free(fj2.p);
	free(fp.p);
	free(fo.p);
}

/* Protobuf: RecordNameStrategy names the subject by the message the
 * indexes pick; reject_unknown_fields. */
static void test_protobuf(void)
{
	const char *text = "syntax = \"proto3\"; package pkg;\n"
	                   "message A { string a = 1; }\nmessage B { int64 b = 1; }\n";
	int64_t id = fake_register(&reg, "pkg.B", SCHEMA_PROTOBUF, text, NULL, 0);
	fake_register(&reg, "pb-value", SCHEMA_PROTOBUF, text, NULL, 0);
	schemasource_invalidate(ss, NULL);
	struct tb fb = tb_framed(id, "\x02\x02\x08\x05", 4);
	struct tb fa = tb_framed(id, "\x00\x0a\x01\x41", 4);
	struct tb fu = tb_framed(id, "\x02\x02\x08\x05\x10\x01", 6);
	struct tb_rec rb[] = {BIN(&fb)}, ra[] = {BIN(&fa)}, ru[] = {BIN(&fu)};
	struct tb_rec both[] = {BIN(&fb), BIN(&fa)};

	use_rules("{\"default\":{\"subject_strategy\":\"RecordNameStrategy\","
	          "\"formats\":[\"confluent-protobuf\"],\"require_schema\":true}}");
	run("anytopic", rb, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "RecordNameStrategy: message pkg.B under subject pkg.B");
	tap_ok(V.unchecked == 0, "... fully checked");
	run("anytopic", ra, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_NO_SUBJECT, "record 0: subject pkg.A does not exist",
	       "RecordNameStrategy: message pkg.A names subject pkg.A");
	run("anytopic", both, 2, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_NO_SUBJECT, "record 1: subject pkg.A does not exist",
	       "one id, two messages in a batch: each its own subject");
	run("anytopic", ru, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "an unknown field passes by default");

	use_rules("{\"rules\":[{\"topic\":\"pb\",\"reject_unknown_fields\":true}]}");
	run("pb", rb, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "reject_unknown_fields: a record without any");
	run("pb", ru, 1, 0);
	char want[256];
	snprintf(want, sizeof want,
	         "record 0: field 2 (wire type 0) is not in message pkg.B at byte 2 (pb-value v1, "
	         "id %" PRId64 ")",
	         id);
	expect(GWCHECK_REJECT, GWCHECK_REASON_PROTOBUF, want,
	       "reject_unknown_fields: an unknown field is rejected");
	free(fb.p);
	free(fa.p);
	free(fu.p);
}

static void test_keys_tombstones(void)
{
	use_rules("{\"rules\":[{\"topic\":\"orders\",\"parts\":\"both\","
	          "\"allow_tombstones\":false}]}");
	const char *val = "{\"order_id\":\"o-1\",\"amount\":1}";
	struct tb_rec r[] = {
	    {.key = "{\"tenant\":\"t\"}", .klen = 14, .val = val, .vlen = (int32_t)strlen(val)}};
	run("orders", r, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "key and value both valid");

	struct tb_rec rk[] = {
	    {.key = "{\"tenant\":1}", .klen = 12, .val = val, .vlen = (int32_t)strlen(val)}};
	run("orders", rk, 1, 0);
	char want[256];
	snprintf(want, sizeof want,
	         "record 0: key: /tenant: 1 is not of type string (orders-key v1, id %" PRId64 ")",
	         id_key_json);
	expect(GWCHECK_REJECT, GWCHECK_REASON_JSON, want, "bad key");

	struct tb_rec rn[] = {{.klen = -1, .val = val, .vlen = (int32_t)strlen(val)}};
	run("orders", rn, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "a null key passes");

	struct tb_rec rt[] = {{.key = "{\"tenant\":\"t\"}", .klen = 14, .vlen = -1}};
	run("orders", rt, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_TOMBSTONE,
	       "record 0: null value (tombstone) is not allowed on this topic",
	       "tombstone refused when allow_tombstones is false");

	use_rules("{\"rules\":[{\"topic\":\"leads\",\"require_schema\":true}]}");
	struct tb_rec rl[] = {V_("{\"lead\":1}")};
	run("leads", rl, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_NO_SUBJECT,
	       "record 0: subject leads-value does not exist", "require_schema without a subject");
}

static void test_modes(void)
{
	struct tb_rec bad[] = {V_("{\"order_id\":\"o-2\",\"amount\":\"abc\"}")};
	use_rules("{\"rules\":[{\"topic\":\"orders\",\"mode\":\"shadow\"}]}");
	uint64_t before = rejections_total(rej);
	run("orders", bad, 1, 0);
	expect(GWCHECK_SHADOW_REJECT, GWCHECK_REASON_JSON, NULL, "shadow mode would reject");
	tap_is_int(V.code, SG_EINVALID_RECORD, "... with the code it would answer");
	tap_is_int((long long)(rejections_total(rej) - before), 1, "... and is recorded");
	char *js = rejections_json(rej, "orders", 1, NULL);
	tap_ok(js && strstr(js, "\"mode\":\"shadow\"") && strstr(js, "\"partition\":3") &&
	           strstr(js, "\"client_id\":\"test-client\"") &&
	           strstr(js, "\"client_address\":\"127.0.0.1:5555\"") &&
	           strstr(js, "\"reason\":\"json_invalid\""),
	       "the ring holds mode, partition, client and reason: %s", js ? js : "(null)");
	free(js);
	pthread_mutex_lock(&logmu);
	tap_ok(strstr(logbuf, "event=rejection mode=shadow topic=orders partition=3 "
	                      "client_id=test-client client=127.0.0.1:5555 records=1 rejected=1 "
	                      "first=0 reason=json_invalid message=\"record 0: /amount:") != NULL,
	       "one structured log line");
	pthread_mutex_unlock(&logmu);

	use_rules("{\"rules\":[{\"topic\":\"orders\",\"mode\":\"off\"}]}");
	run("orders", bad, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "mode off passes anything");
	tap_ok(V.unchecked == 1 && V.records == 1, "... unchecked, records counted");

	use_rules(NULL);
	run("orders", bad, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_JSON, NULL, "rules reloaded: enforced again");
}

static void test_batches(void)
{
	use_rules(NULL);
	struct tb_rec ok[] = {V_("{\"order_id\":\"o-1\",\"amount\":1}"),
	                      V_("{\"order_id\":\"o-2\",\"amount\":2}")};
	run("orders", ok, 2, TB_GZIP);
	expect(GWCHECK_ACCEPT, 0, NULL, "gzip batch passes");
	tap_is_int(V.records, 2, "... 2 records");
	struct tb_rec bad[] = {V_("{\"order_id\":\"o-1\",\"amount\":1}"), V_("nope")};
	run("orders", bad, 2, TB_GZIP);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FORMAT, NULL, "gzip batch with a bad record");
	tap_is_int(V.first_bad, 1, "... first bad 1");

	/* Two batches back to back: indexes continue. */
	struct tb a = tb_batch(ok, 2, 0), b = tb_batch(bad, 2, 0);
	tb_put(&a, b.p, b.len);
	run_bytes("orders", a.p, a.len);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FORMAT, NULL, "two batches");
	tap_is_int(V.first_bad, 3, "... the index counts across batches");
	free(b.p);

	/* A flipped byte breaks the CRC. */
	a.p[a.len - 1] ^= 1;
	run_bytes("orders", a.p, a.len);
	expect(GWCHECK_REJECT, GWCHECK_REASON_BATCH, NULL, "corrupt batch");
	tap_is_int(V.code, SG_ECORRUPT, "... code SG_ECORRUPT");
	tap_is_int(error_kafka_code(V.code), 87, "... INVALID_RECORD, never CORRUPT_MESSAGE");
	tap_ok(strncmp(V.message, "batch unreadable", 16) == 0, "... message: %s", V.message);
	tap_is_int(V.first_bad, -1, "... no record index");
	free(a.p);

	uint8_t junk[7] = {1, 2, 3};
	run_bytes("orders", junk, sizeof junk);
	expect(GWCHECK_REJECT, GWCHECK_REASON_BATCH, NULL, "7 bytes of junk");

	run_bytes("orders", NULL, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "no records");

	/* Control batches (transaction markers) are not validated. */
	uint8_t marker[] = {0, 0, 0, 0, 0, 0};
	struct tb_rec ctl[] = {{.key = marker, .klen = 4, .val = marker, .vlen = 6}};
	run("orders", ctl, 1, TB_CONTROL);
	expect(GWCHECK_ACCEPT, 0, NULL, "control batch");
	tap_is_int(V.records, 1, "... its record counted");

	/* A control batch whose header claims INT32_MAX records (CRC
	 * correct), then a batch with a bad record: the claim is not believed
	 * (it overflowed the record count, found by fuzz_produce_struct). */
	{
		struct tb c = {0};
		tb_record(&c, 0, &ctl[0]);
		struct tb two = tb_seal(c, INT32_MAX, 0x30);
		struct tb_rec badrec[] = {V_("bad")};
		struct tb next = tb_batch(badrec, 1, 0);
		tb_put(&two, next.p, next.len);
		free(next.p);
		run_bytes("orders", two.p, two.len);
		expect(GWCHECK_REJECT, GWCHECK_REASON_BATCH, NULL,
		       "control batch claiming INT32_MAX records");
		tap_ok(V.records >= 0 && V.records <= 2, "... records counted: %d", (int)V.records);
		tap_ok(strstr(V.message, "claims 2147483647 records but holds 1") != NULL,
		       "... message: %s", V.message);
		free(two.p);
	}

	/* Many bad records: all counted, 16 listed, the message says how many more. */
	struct tb_rec many[40];
	for (int i = 0; i < 40; i++)
		many[i] = V_(i % 2 ? "bad" : "{\"order_id\":\"o\",\"amount\":1}");
	run("orders", many, 40, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_FORMAT, NULL, "40 records, 20 bad");
	tap_is_int(V.bad, 20, "... 20 counted");
	tap_is_int((int)V.nerrors, GWCHECK_MAX_ERRORS, "... %d listed", GWCHECK_MAX_ERRORS);
	tap_is_int(V.errors[GWCHECK_MAX_ERRORS - 1].index, 31, "... the last listed is record 31");
	tap_ok(strstr(V.message, "(and 19 more bad records)") != NULL, "... message: %s",
	       V.message);

	/* A long message is cut to GWCHECK_MESSAGE_MAX. */
	char big[2000];
	snprintf(big, sizeof big, "{\"order_id\":\"o\",\"amount\":1,\"currency\":\"");
	size_t n = strlen(big);
	memset(big + n, 'X', 1500);
	snprintf(big + n + 1500, sizeof big - n - 1500, "\"}");
	struct tb_rec lr[] = {V_(big)};
	run("orders", lr, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_JSON, NULL, "a long value in a message");
	tap_ok(strlen(V.errors[0].message) < GWCHECK_MESSAGE_MAX, "... message bounded (%zu)",
	       strlen(V.errors[0].message));

	/* More distinct schema ids than GWCHECK_MAX_IDS. */
	struct tb frames[GWCHECK_MAX_IDS + 6];
	struct tb_rec ids[GWCHECK_MAX_IDS + 6];
	for (int i = 0; i < GWCHECK_MAX_IDS + 6; i++) {
		frames[i] = tb_framed(100000 + i, "{}", 2);
		ids[i] = BIN(&frames[i]);
	}
	int calls = atomic_load(&reg.calls_by_id);
	run("orders", ids, GWCHECK_MAX_IDS + 6, 0);
	tap_ok(V.outcome == GWCHECK_REJECT && V.bad == GWCHECK_MAX_IDS + 6,
	       "every record with an unknown id is bad");
	tap_is_int(atomic_load(&reg.calls_by_id) - calls, GWCHECK_MAX_IDS,
	           "... only %d ids looked up", GWCHECK_MAX_IDS);
	tap_is_int(V.errors[0].reason, GWCHECK_REASON_UNKNOWN_ID, "... first: unknown_id");
	int too_many = 0;
	for (size_t i = 0; i < V.nerrors; i++)
		too_many |= V.errors[i].reason == GWCHECK_REASON_TOO_MANY_IDS;
	tap_ok(too_many == 0, "... the first 16 listed are unknown ids");
	for (int i = 0; i < GWCHECK_MAX_IDS + 6; i++)
		free(frames[i].p);
}

static void test_decompress_limit(void)
{
	/* A checker with a 4 KiB limit: a batch that decompresses past it. */
	struct sg_error err;
	error_clear(&err);
	struct gwcheck_options o = {.decompress_limit = 4096, .log = capture_log};
	struct gwcheck *small = gwcheck_new(ss, NULL, NULL, NULL, NULL, &o, &err);
	struct gwcheck_scratch *s = gwcheck_scratch_new(small);
	static char zeros[20000];
	memset(zeros, '{', sizeof zeros - 1);
	struct tb_rec r[] = {{.klen = -1, .val = zeros, .vlen = (int32_t)sizeof zeros - 1}};
	struct tb b = tb_batch(r, 1, TB_GZIP);
	struct gwcheck_input in = {.topic = "orders", .records = b.p, .len = b.len};
	gwcheck_batch(small, s, &in, &V);
	expect(GWCHECK_REJECT, GWCHECK_REASON_BATCH, NULL, "decompression past the limit");
	tap_is_int(V.code, SG_ELIMIT, "... code SG_ELIMIT");
	tap_is_int(error_kafka_code(V.code), 10, "... MESSAGE_TOO_LARGE (10)");
	free(b.p);
	gwcheck_scratch_free(s);
	gwcheck_free(small);
}

static void test_outage(void)
{
	/* A new topic with a schema nobody has looked up yet. */
	fake_register(&reg, "fresh-value", SCHEMA_JSON, ORDERS_JSON, NULL, 0);
	use_rules(NULL);
	struct tb_rec ok[] = {V_("{\"order_id\":\"o-1\",\"amount\":1}")};
	struct tb_rec bad[] = {V_("{\"order_id\":\"o-1\",\"amount\":-1}")};
	atomic_store(&reg.down, 1);
	run("fresh", ok, 1, 0);
	expect(GWCHECK_RETRIABLE, GWCHECK_REASON_UNAVAILABLE, NULL,
	       "registry down, nothing cached: retriable");
	tap_is_int(V.code, SG_EUNAVAILABLE, "... code SG_EUNAVAILABLE");
	tap_is_int(error_kafka_code(V.code), 7, "... REQUEST_TIMED_OUT (7)");
	tap_is_int(error_kafka_retriable(V.code), 1, "... which clients retry");
	tap_ok(strstr(V.message, "connection refused") != NULL, "... message says why: %s",
	       V.message);

	use_rules("{\"rules\":[{\"topic\":\"fresh\",\"fail_open\":true}]}");
	run("fresh", ok, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "fail_open: passes");
	tap_ok(V.unchecked == 1, "... unchecked");

	use_rules("{\"rules\":[{\"topic\":\"fresh\",\"mode\":\"shadow\"}]}");
	run("fresh", ok, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "shadow mode never blocks, even in an outage");

	/* Registry back: the schema gets cached; down again: still validated
	 * from the cache, even past the TTLs (stale answers are served). */
	use_rules(NULL);
	atomic_store(&reg.down, 0);
	atomic_fetch_add(&now_ms, 2000); /* past the backoff */
	run("fresh", ok, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "registry back: passes");
	tap_ok(V.unchecked == 0, "... checked");
	atomic_store(&reg.down, 1);
	atomic_fetch_add(&now_ms, 3600 * 1000);
	run("fresh", ok, 1, 0);
	expect(GWCHECK_ACCEPT, 0, NULL, "down again, cached: valid passes");
	tap_ok(V.unchecked == 0, "... fully checked from the cache");
	run("fresh", bad, 1, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_JSON, NULL, "down again, cached: invalid rejected");

	/* A bad record before the outage bites makes the batch REJECT. */
	const char *good = "{\"order_id\":\"o-9\",\"amount\":5}";
	struct tb f = tb_framed(424242, good, strlen(good));
	struct tb_rec mixed[] = {bad[0], BIN(&f)};
	run("fresh", mixed, 2, 0);
	expect(GWCHECK_REJECT, GWCHECK_REASON_JSON, NULL,
	       "bad record, then an unknown id during the outage: reject");
	struct tb_rec mixed2[] = {ok[0], BIN(&f)};
	run("fresh", mixed2, 2, 0);
	expect(GWCHECK_RETRIABLE, GWCHECK_REASON_UNAVAILABLE, NULL,
	       "good record, then an uncached id: retriable");
	free(f.p);

	/* Topics without a subject: a stale "no subject" is not trusted. */
	run("no-subject-topic", ok, 1, 0);
	expect(GWCHECK_RETRIABLE, GWCHECK_REASON_UNAVAILABLE, NULL,
	       "expired 'no subject' during an outage: retriable (fail closed)");
	atomic_store(&reg.down, 0);
	atomic_fetch_add(&now_ms, 2000);
	pthread_mutex_lock(&logmu);
	tap_ok(strstr(logbuf, "event=retriable") != NULL, "retriable batches are logged");
	pthread_mutex_unlock(&logmu);
}

struct worker {
	int id;
	int wrong;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct gwcheck_scratch *s = gwcheck_scratch_new(gw);
	struct tb o1 = av_order("o-1", 10.5, 1, "NEW");
	struct tb f1 = tb_framed(id_orders_avro, o1.p, o1.len);
	struct tb o2 = av_order("o-1", 10.5, 5, "NEW");
	struct tb f2 = tb_framed(id_orders_avro, o2.p, o2.len);
	struct tb_rec good[] = {BIN(&f1), V_(NULL)};
	struct tb_rec bad[] = {BIN(&f1), BIN(&f2)};
	struct tb_rec json[] = {V_("{\"order_id\":\"o-1\",\"amount\":1}")};
	struct tb gb = tb_batch(good, 2, 0), bb = tb_batch(bad, 2, TB_GZIP),
	          jb = tb_batch(json, 1, 0);
	for (int i = 0; i < 2000; i++) {
		struct gwcheck_verdict v;
		struct gwcheck_input in = {.topic = "avorders", .partition = w->id};
		int which = (i + w->id) % 3;
		const struct tb *b = which == 0 ? &gb : which == 1 ? &bb : &jb;
		in.records = b->p;
		in.len = b->len;
		if (which == 2)
			in.topic = "orders";
		gwcheck_batch(gw, s, &in, &v);
		enum gwcheck_outcome want = which == 1 ? GWCHECK_REJECT : GWCHECK_ACCEPT;
		if (v.outcome != want || (which == 1 && v.first_bad != 1))
			w->wrong++;
	}
	free(o1.p);
	free(o2.p);
	free(f1.p);
	free(f2.p);
	free(gb.p);
	free(bb.p);
	free(jb.p);
	gwcheck_scratch_free(s);
	return NULL;
}

static void test_threads(void)
{
	use_rules(NULL);
	schemasource_invalidate(ss, NULL);
	pthread_t t[8];
	struct worker w[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){.id = i};
		pthread_create(&t[i], NULL, worker_main, &w[i]);
	}
	/* Swap the rules while the workers run: each batch sees one rule set. */
	for (int i = 0; i < 50; i++)
		use_rules(NULL);
	int wrong = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		wrong += w[i].wrong;
	}
	tap_is_int(wrong, 0, "8 threads x 2000 batches, each verdict right");
}

static void test_metrics_text(void)
{
	char *text = gwcheck_metrics_text(gw, NULL);
	tap_ok(text != NULL, "metrics rendered");
	if (!text)
		return;
	tap_ok(strstr(text,
	              "schemagate_gateway_batches_total{topic=\"orders\",outcome=\"rejected\"} ") !=
	           NULL,
	       "per topic and outcome");
	tap_ok(strstr(text, "schemagate_gateway_rejected_records_total{topic=\"orders\",reason="
	                    "\"json_invalid\"} ") != NULL,
	       "per reason");
	tap_ok(strstr(text, "schemagate_gateway_schema_cache_hits_total ") != NULL,
	       "schema cache figures");
	tap_ok(strstr(text, "schemagate_gateway_rejections_total ") != NULL, "rejections total");
	tap_ok(strstr(text, "schemagate_gateway_validation_seconds_count ") != NULL, "histogram");
	free(text);
}

int main(void)
{
	setup();
	test_default_rules();
	test_framed_json();
	test_avro();
	test_strategies();
	test_protobuf();
	test_keys_tombstones();
	test_modes();
	test_batches();
	test_decompress_limit();
	test_outage();
	test_threads();
	test_metrics_text();
	teardown();
	return tap_done();
}
