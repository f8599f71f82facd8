/* tests/unit/test_gwdeadletter.c: rejected records written to a dead-letter
 * topic (gateway/deadletter through gateway/gwcheck), on librdkafka's
 * in-process mock cluster, and read back with a real consumer: original key,
 * value and headers kept, the schemagate.* headers added; only the bad
 * records, only in enforce mode. Then the bounds: a full queue drops at once
 * (never blocks), and close() counts what it could not deliver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "compat/error.h"
#include "gateway/deadletter.h"
#include "gateway/gwcheck.h"
#include "gateway/metrics.h"
#include "gateway/rules.h"
#include "gateway/schemasource.h"
#include "tests/tap.h"
#include "tests/unit/gwfake.h"

#define ORDERS_JSON                                                                                \
	"{\"type\":\"object\",\"required\":[\"order_id\",\"amount\"],\"properties\":{"             \
	"\"order_id\":{\"type\":\"string\"},\"amount\":{\"type\":\"number\"}}}"
#define DLT "orders-rejected"

static char logbuf[1 << 15];
static size_t loglen;
static pthread_mutex_t logmu = PTHREAD_MUTEX_INITIALIZER;

static void capture_log(void *arg, const char *line)
{
	(void)arg;
	pthread_mutex_lock(&logmu);
	int n = snprintf(logbuf + loglen, sizeof logbuf - loglen, "%s\n", line);
	if (n > 0 && (size_t)n < sizeof logbuf - loglen)
		loglen += (size_t)n;
	pthread_mutex_unlock(&logmu);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A header's value as a string ("" for null), or NULL when absent. */
static const char *header(rd_kafka_message_t *m, const char *name, char *buf, size_t cap)
{
	rd_kafka_headers_t *h = NULL;
	const void *v;
	size_t n;
	if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    rd_kafka_header_get_last(h, name, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return NULL;
	snprintf(buf, cap, "%.*s", (int)n, v ? (const char *)v : "");
	return buf;
}

/* Reads up to `want` messages of DLT partition 0 from the start into `out`
 * (their count in *n). Returns the consumer: destroy the messages before
 * consumer_done() (librdkafka waits for them). */
static rd_kafka_t *consume(const char *boot, rd_kafka_message_t **out, int want, int *got)
{
	char errstr[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "bootstrap.servers", boot, errstr, sizeof errstr);
	rd_kafka_conf_set(conf, "group.id", "dlt-reader", errstr, sizeof errstr);
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr);
	rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *tl = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(tl, DLT, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, tl);
	rd_kafka_topic_partition_list_destroy(tl);
	int n = 0;
	double end = now_s() + 15;
	while (n < want && now_s() < end) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
		if (!m)
			continue;
		if (m->err) {
			rd_kafka_message_destroy(m);
			continue;
		}
		out[n++] = m;
	}
	*got = n;
	return rk;
}

static void consumer_done(rd_kafka_t *rk)
{
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
}

static int wait_delivered(struct deadletter *dl, uint64_t want)
{
	struct deadletter_stats st;
	double end = now_s() + 15;
	do {
		deadletter_stats(dl, &st);
		if (st.delivered >= want)
			return 1;
		struct timespec ts = {0, 20000000};
		nanosleep(&ts, NULL);
	} while (now_s() < end);
	return 0;
}

static void test_dead_letters(void)
{
	char errstr[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
	rd_kafka_t *owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	rd_kafka_mock_cluster_t *mc = owner ? rd_kafka_mock_cluster_new(owner, 1) : NULL;
	if (!tap_ok(mc != NULL, "mock cluster started"))
		return;
	const char *boot = rd_kafka_mock_cluster_bootstraps(mc);
	rd_kafka_mock_topic_create(mc, DLT, 1, 1);

	struct sg_error err;
	error_clear(&err);
	struct deadletter_options dopt = {.brokers = boot, .log = capture_log};
	struct deadletter *dl = deadletter_open(&dopt, &err);
	tap_ok(dl != NULL, "dead-letter producer opened (%s)", err.msg);

	struct fakereg reg;
	fake_init(&reg);
	int64_t id = fake_register(&reg, "orders-value", SCHEMA_JSON, ORDERS_JSON, NULL, 0);
	struct schemasource_backend b = fake_backend(&reg);
	struct schemasource *ss = schemasource_open(&b, NULL, &err);
	struct metrics *met = metrics_new(gwcheck_reason_names, GWCHECK_REASON_COUNT, 0);
	const char *rtext =
	    "{\"rules\":[{\"topic\":\"orders\",\"dead_letter_topic\":\"" DLT "\"}]}";
	struct rules *rules = rules_parse(rtext, strlen(rtext), NULL, &err);
	struct gwcheck_options go = {.log = capture_log};
	struct gwcheck *gw = gwcheck_new(ss, rules, NULL, met, dl, &go, &err);
	struct gwcheck_scratch *s = gwcheck_scratch_new(gw);

	const char *good = "{\"order_id\":\"o-1\",\"amount\":1}";
	const char *bad1 = "{\"order_id\":\"o-2\",\"amount\":\"abc\"}";
	const char *bad2 = "not json";
	struct tb_rec recs[] = {
	    {.key = "k0", .klen = 2, .val = good, .vlen = (int32_t)strlen(good)},
	    {.key = "k1",
	     .klen = 2,
	     .val = bad1,
	     .vlen = (int32_t)strlen(bad1),
	     .hkey = "trace",
	     .hval = "t-1"},
	    {.klen = -1, .val = bad2, .vlen = (int32_t)strlen(bad2), .hkey = "nullhdr"},
	};
	struct tb batch = tb_batch(recs, 3, TB_GZIP);
	struct gwcheck_input in = {.topic = "orders",
	                           .partition = 3,
	                           .records = batch.p,
	                           .len = batch.len,
	                           .client_id = "py-producer",
	                           .client_addr = "10.1.2.3:45678"};
	struct gwcheck_verdict v;
	gwcheck_batch(gw, s, &in, &v);
	tap_ok(v.outcome == GWCHECK_REJECT && v.bad == 2, "batch rejected, 2 bad records");
	tap_ok(wait_delivered(dl, 2), "2 dead letters delivered");

	rd_kafka_message_t *m[4] = {0};
	int n = 0;
	rd_kafka_t *consumer = consume(boot, m, 2, &n);
	tap_is_int(n, 2, "2 records in %s (only the bad ones)", DLT);
	char buf[512], want[64];
	if (n == 2) {
		tap_ok(m[0]->key_len == 2 && memcmp(m[0]->key, "k1", 2) == 0, "key kept");
		tap_ok(m[0]->len == strlen(bad1) && memcmp(m[0]->payload, bad1, m[0]->len) == 0,
		       "value kept byte for byte");
		tap_is_str(header(m[0], "trace", buf, sizeof buf), "t-1", "original header kept");
		tap_is_str(header(m[0], "schemagate.reason", buf, sizeof buf), "json_invalid",
		           "schemagate.reason");
		tap_ok(header(m[0], "schemagate.error", buf, sizeof buf) &&
		           strncmp(buf, "record 1: /amount: \"abc\"", 24) == 0,
		       "schemagate.error: %s", buf);
		snprintf(want, sizeof want, "%lld", (long long)id);
		tap_is_str(header(m[0], "schemagate.schema.id", buf, sizeof buf), want,
		           "schemagate.schema.id (the subject's latest, for plain JSON)");
		tap_is_str(header(m[0], "schemagate.source.topic", buf, sizeof buf), "orders",
		           "schemagate.source.topic");
		tap_is_str(header(m[0], "schemagate.source.partition", buf, sizeof buf), "3",
		           "schemagate.source.partition");
		tap_is_str(header(m[0], "schemagate.source.record", buf, sizeof buf), "1",
		           "schemagate.source.record");
		tap_is_str(header(m[0], "schemagate.client.id", buf, sizeof buf), "py-producer",
		           "schemagate.client.id");
		tap_is_str(header(m[0], "schemagate.client.address", buf, sizeof buf),
		           "10.1.2.3:45678", "schemagate.client.address");
		tap_ok(m[1]->key == NULL, "a null key stays null");
		tap_is_str(header(m[1], "nullhdr", buf, sizeof buf), "", "a null header kept");
		tap_is_str(header(m[1], "schemagate.reason", buf, sizeof buf), "format",
		           "second record: reason format");
		tap_is_str(header(m[1], "schemagate.source.record", buf, sizeof buf), "2",
		           "second record: index 2");
		rd_kafka_timestamp_type_t tt;
		tap_ok(rd_kafka_message_timestamp(m[0], &tt) == 1700000000001LL,
		       "the record's timestamp kept");
	}
	for (int i = 0; i < n; i++)
		rd_kafka_message_destroy(m[i]);
	consumer_done(consumer);

	char *text = gwcheck_metrics_text(gw, NULL);
	tap_ok(text &&
	           strstr(text, "schemagate_gateway_dead_lettered_total{topic=\"orders\"} 2\n") &&
	           strstr(text, "schemagate_gateway_dead_letter_delivered_total 2\n"),
	       "metrics count the dead letters");
	free(text);

	/* Shadow mode forwards: nothing goes to the dead-letter topic. */
	const char *shadow = "{\"rules\":[{\"topic\":\"orders\",\"mode\":\"shadow\","
	                     "\"dead_letter_topic\":\"" DLT "\"}]}";
	gwcheck_set_rules(gw, rules_parse(shadow, strlen(shadow), NULL, &err));
	gwcheck_batch(gw, s, &in, &v);
	struct deadletter_stats st;
	deadletter_stats(dl, &st);
	tap_ok(v.outcome == GWCHECK_SHADOW_REJECT && st.queued == 2,
	       "shadow mode: no dead letters (%llu queued)", (unsigned long long)st.queued);

	free(batch.p);
	gwcheck_scratch_free(s);
	gwcheck_free(gw);
	metrics_free(met);
	schemasource_close(ss);
	fake_fini(&reg);
	deadletter_close(dl);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(owner);
}

static void test_bounds(void)
{
	struct sg_error err;
	error_clear(&err);
	struct deadletter_options o = {
	    .brokers = "127.0.0.1:1", .queue_messages = 1, .flush_ms = 200, .log = capture_log};
	struct deadletter *dl = deadletter_open(&o, &err);
	if (!tap_ok(dl != NULL, "producer for an unreachable broker opens (%s)", err.msg))
		return;
	struct deadletter_record r = {.topic = DLT,
	                              .source_topic = "orders",
	                              .key = {NULL, -1},
	                              .value = {(const uint8_t *)"v", 1},
	                              .schema_id = -1,
	                              .reason = "format",
	                              .message = "record 0: x"};
	tap_is_int(deadletter_submit(dl, &r), 0, "first record queued");
	double t0 = now_s();
	tap_is_int(deadletter_submit(dl, &r), -1, "queue full: dropped");
	tap_ok(now_s() - t0 < 0.1, "... at once, without blocking");
	struct deadletter_stats st;
	deadletter_stats(dl, &st);
	tap_ok(st.queued == 1 && st.dropped == 1, "stats: 1 queued, 1 dropped");
	deadletter_close(dl);
	pthread_mutex_lock(&logmu);
	tap_ok(strstr(logbuf, "event=dead_letter_dropped") != NULL, "the drop is logged");
	tap_ok(strstr(logbuf, "event=dead_letter_unflushed records=1") != NULL ||
	           strstr(logbuf, "event=dead_letter_failed") != NULL,
	       "close() reports what it could not deliver");
	pthread_mutex_unlock(&logmu);

	struct deadletter_options none = {0};
	error_clear(&err);
	tap_ok(deadletter_open(&none, &err) == NULL && err.code == SG_EBAD_REQUEST,
	       "no brokers: refused");
	const char *kv[] = {"no.such.property", "1", NULL};
	struct deadletter_options badp = {.brokers = "127.0.0.1:1", .config = kv};
	error_clear(&err);
	tap_ok(deadletter_open(&badp, &err) == NULL && strstr(err.msg, "no.such.property"),
	       "a bad librdkafka property is refused: %s", err.msg);
	deadletter_close(NULL);
}

int main(void)
{
	test_dead_letters();
	test_bounds();
	return tap_done();
}
