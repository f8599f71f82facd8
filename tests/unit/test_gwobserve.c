/* tests/unit/test_gwobserve.c: what operators see of the gateway's
 * validation: the rejections ring (gateway/rejections: JSON for
 * GET /rejections, the log line) and the Prometheus text (gateway/metrics),
 * including their bounds and concurrent use. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gateway/metrics.h"
#include "gateway/rejections.h"
#include "tests/tap.h"

static void test_ring(void)
{
	struct rejections *r = rejections_new(3);
	const char *topics[] = {"orders", "leads", "orders", "payments", "orders"};
	for (int i = 0; i < 5; i++) {
		struct rejection e = {.topic = topics[i],
		                      .partition = i,
		                      .client_id = "py",
		                      .client_addr = "10.0.0.7:5123",
		                      .reason = "json_invalid",
		                      .message = "record 0: bad",
		                      .records = 10,
		                      .rejected = 1,
		                      .first = 0,
		                      .time_ms = 1700000000123 + i};
		rejections_add(r, &e);
	}
	tap_is_int((long long)rejections_total(r), 5, "5 added");
	char *js = rejections_json(r, NULL, 0, NULL);
	json_t *doc = js ? json_loads(js, 0, NULL) : NULL;
	json_t *list = json_object_get(doc, "rejections");
	tap_is_int((long long)json_array_size(list), 3, "capacity 3: the oldest overwritten");
	tap_is_int(json_integer_value(json_object_get(doc, "total")), 5, "total counts them all");
	tap_is_int(json_integer_value(json_object_get(doc, "capacity")), 3, "capacity shown");
	tap_is_int(json_integer_value(json_object_get(json_array_get(list, 0), "partition")), 4,
	           "newest first");
	tap_is_int(json_integer_value(json_object_get(json_array_get(list, 2), "partition")), 2,
	           "oldest kept last");
	json_t *first = json_array_get(list, 0);
	tap_is_str(json_string_value(json_object_get(first, "time")), "2023-11-14T22:13:20.127Z",
	           "time in ISO 8601 UTC with milliseconds");
	tap_is_str(json_string_value(json_object_get(first, "client_address")), "10.0.0.7:5123",
	           "client address");
	tap_is_str(json_string_value(json_object_get(first, "mode")), "enforce", "mode");
	json_decref(doc);
	free(js);

	js = rejections_json(r, "orders", 0, NULL);
	doc = js ? json_loads(js, 0, NULL) : NULL;
	list = json_object_get(doc, "rejections");
	tap_is_int((long long)json_array_size(list), 2, "topic filter: orders only");
	json_decref(doc);
	free(js);
	js = rejections_json(r, NULL, 1, NULL);
	doc = js ? json_loads(js, 0, NULL) : NULL;
	tap_is_int((long long)json_array_size(json_object_get(doc, "rejections")), 1, "limit 1");
	json_decref(doc);
	free(js);
	js = rejections_json(r, "nothing", 0, NULL);
	tap_is_str(js, "{\"rejections\":[],\"total\":5,\"capacity\":3}", "no match: empty list");
	free(js);

	/* Strings: invalid UTF-8 becomes '?', long ones are cut with "...". */
	char longid[600];
	memset(longid, 'c', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	struct rejection bad = {.topic = "t\xff",
	                        .client_id = longid,
	                        .shadow = 1,
	                        .message = "caf\xc3\xa9 \xe2\x82",
	                        .first = -1};
	rejections_add(r, &bad);
	js = rejections_json(r, NULL, 1, NULL);
	doc = js ? json_loads(js, 0, NULL) : NULL;
	first = json_array_get(json_object_get(doc, "rejections"), 0);
	tap_ok(doc != NULL, "output with hostile strings is valid JSON");
	tap_is_str(json_string_value(json_object_get(first, "topic")), "t?", "invalid byte -> ?");
	tap_is_str(json_string_value(json_object_get(first, "message")), "caf\xc3\xa9 ??",
	           "valid UTF-8 kept, a cut sequence replaced");
	const char *cid = json_string_value(json_object_get(first, "client_id"));
	tap_ok(cid && strlen(cid) == REJECTIONS_CLIENT_MAX - 1 &&
	           strcmp(cid + strlen(cid) - 3, "...") == 0,
	       "long client id cut to the field with \"...\"");
	tap_is_str(json_string_value(json_object_get(first, "mode")), "shadow", "shadow mode");
	json_decref(doc);
	free(js);
	rejections_free(r);
}

static void test_log_line(void)
{
	struct rejection e = {.topic = "orders",
	                      .partition = 2,
	                      .client_id = "my producer",
	                      .client_addr = "127.0.0.1:40000",
	                      .reason = "json_invalid",
	                      .message = "record 3: /amount: \"abc\" is not of type number\n(x=1)",
	                      .records = 5,
	                      .rejected = 2,
	                      .first = 3};
	char line[512];
	size_t n = rejections_log_line(&e, line, sizeof line);
	tap_is_str(
	    line,
	    "event=rejection mode=enforce topic=orders partition=2 client_id=\"my producer\" "
	    "client=127.0.0.1:40000 records=5 rejected=2 first=3 reason=json_invalid "
	    "message=\"record 3: /amount: \\\"abc\\\" is not of type number\\n(x=1)\"",
	    "logfmt line, values quoted and escaped when needed");
	tap_is_int((long long)n, (long long)strlen(line), "returns its length");
	e.event = "retriable";
	e.client_id = NULL;
	e.message = "a\x01";
	rejections_log_line(&e, line, sizeof line);
	tap_ok(strncmp(line, "event=retriable mode=enforce", 28) == 0, "event replaced");
	tap_ok(strstr(line, "client_id=\"\"") && strstr(line, "message=\"a\\u0001\""),
	       "empty and control characters quoted: %s", line);
	char tiny[16];
	n = rejections_log_line(&e, tiny, sizeof tiny);
	tap_ok(n == 15 && strlen(tiny) == 15, "bounded by the buffer");
}

static const char *const reasons[] = {"none", "format", "json_invalid"};

static void test_metrics_text(void)
{
	struct metrics *m = metrics_new(reasons, 3, 1);
	metrics_batch(m, "a", METRICS_ACCEPTED, 3, 30000);   /* 30 us */
	metrics_batch(m, "b", METRICS_REJECTED, 2, 2000000); /* 2 ms, "b" past max_topics */
	metrics_reason(m, "b", 2, 2);
	metrics_reason(m, "a", 9, 1); /* out of range: ignored */
	metrics_dead_lettered(m, "a", 1);
	char *text = metrics_render(m, NULL, NULL);
	const char *want =
	    "# HELP schemagate_gateway_batches_total Partition batches checked, by outcome.\n"
	    "# TYPE schemagate_gateway_batches_total counter\n"
	    "schemagate_gateway_batches_total{topic=\"a\",outcome=\"accepted\"} 1\n"
	    "schemagate_gateway_batches_total{topic=\"a\",outcome=\"rejected\"} 0\n"
	    "schemagate_gateway_batches_total{topic=\"a\",outcome=\"shadow_rejected\"} 0\n"
	    "schemagate_gateway_batches_total{topic=\"a\",outcome=\"retriable\"} 0\n"
	    "schemagate_gateway_batches_total{topic=\"a\",outcome=\"unchecked\"} 0\n"
	    "schemagate_gateway_batches_total{topic=\"_other\",outcome=\"accepted\"} 0\n"
	    "schemagate_gateway_batches_total{topic=\"_other\",outcome=\"rejected\"} 1\n"
	    "schemagate_gateway_batches_total{topic=\"_other\",outcome=\"shadow_rejected\"} 0\n"
	    "schemagate_gateway_batches_total{topic=\"_other\",outcome=\"retriable\"} 0\n"
	    "schemagate_gateway_batches_total{topic=\"_other\",outcome=\"unchecked\"} 0\n"
	    "# HELP schemagate_gateway_records_total Records in the batches checked, by outcome "
	    "of their batch.\n"
	    "# TYPE schemagate_gateway_records_total counter\n"
	    "schemagate_gateway_records_total{topic=\"a\",outcome=\"accepted\"} 3\n"
	    "schemagate_gateway_records_total{topic=\"a\",outcome=\"rejected\"} 0\n"
	    "schemagate_gateway_records_total{topic=\"a\",outcome=\"shadow_rejected\"} 0\n"
	    "schemagate_gateway_records_total{topic=\"a\",outcome=\"retriable\"} 0\n"
	    "schemagate_gateway_records_total{topic=\"a\",outcome=\"unchecked\"} 0\n"
	    "schemagate_gateway_records_total{topic=\"_other\",outcome=\"accepted\"} 0\n"
	    "schemagate_gateway_records_total{topic=\"_other\",outcome=\"rejected\"} 2\n"
	    "schemagate_gateway_records_total{topic=\"_other\",outcome=\"shadow_rejected\"} 0\n"
	    "schemagate_gateway_records_total{topic=\"_other\",outcome=\"retriable\"} 0\n"
	    "schemagate_gateway_records_total{topic=\"_other\",outcome=\"unchecked\"} 0\n"
	    "# HELP schemagate_gateway_rejected_records_total Records found bad, by reason "
	    "(shadow mode included).\n"
	    "# TYPE schemagate_gateway_rejected_records_total counter\n"
	    "schemagate_gateway_rejected_records_total{topic=\"_other\",reason=\"json_invalid\"} "
	    "2\n"
	    "# HELP schemagate_gateway_dead_lettered_total Rejected records handed to the "
	    "dead-letter producer.\n"
	    "# TYPE schemagate_gateway_dead_lettered_total counter\n"
	    "schemagate_gateway_dead_lettered_total{topic=\"a\"} 1\n"
	    "# HELP schemagate_gateway_validation_seconds Time to check one partition batch, "
	    "registry lookups included.\n"
	    "# TYPE schemagate_gateway_validation_seconds histogram\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"1e-05\"} 0\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"2.5e-05\"} 0\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"5e-05\"} 1\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"0.0001\"} 1\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"0.00025\"} 1\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"0.0005\"} 1\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"0.001\"} 1\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"0.0025\"} 2\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"0.005\"} 2\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"0.01\"} 2\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"0.025\"} 2\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"0.05\"} 2\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"0.1\"} 2\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"0.25\"} 2\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"0.5\"} 2\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"1\"} 2\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"2.5\"} 2\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"5\"} 2\n"
	    "schemagate_gateway_validation_seconds_bucket{le=\"+Inf\"} 2\n"
	    "schemagate_gateway_validation_seconds_sum 0.002030000\n"
	    "schemagate_gateway_validation_seconds_count 2\n";
	tap_is_str(text, want, "exposition text, exactly");
	free(text);

	struct metrics_extra x = {.has_dead_letter = 1,
	                          .dl_queued = 4,
	                          .dl_dropped = 1,
	                          .has_rejections = 1,
	                          .rejections = 7};
	text = metrics_render(m, &x, NULL);
	tap_ok(text && strstr(text, "schemagate_gateway_dead_letter_queued_total 4\n") &&
	           strstr(text, "schemagate_gateway_dead_letter_dropped_total 1\n") &&
	           strstr(text, "# TYPE schemagate_gateway_rejections_total counter\n"
	                        "schemagate_gateway_rejections_total 7\n") &&
	           !strstr(text, "schema_cache"),
	       "extra figures rendered when given");
	free(text);
	metrics_free(m);

	m = metrics_new(reasons, 3, 10);
	metrics_batch(m, "we\"ird\\topic\n", METRICS_ACCEPTED, 1, 1);
	text = metrics_render(m, NULL, NULL);
	tap_ok(text && strstr(text, "{topic=\"we\\\"ird\\\\topic\\n\",outcome=\"accepted\"} 1\n"),
	       "label values escaped");
	free(text);
	metrics_free(m);
	tap_ok(metrics_new(reasons, METRICS_MAX_REASONS + 1, 0) == NULL,
	       "too many reasons refused");
}

struct mt_arg {
	struct metrics *m;
	int id;
};

static void *mt_main(void *arg)
{
	struct mt_arg *a = arg;
	char topic[32];
	for (int i = 0; i < 20000; i++) {
		snprintf(topic, sizeof topic, "topic-%d", (i + a->id) % 50);
		metrics_batch(a->m, topic, (enum metrics_outcome)(i % METRICS_OUTCOME_COUNT), 2,
		              (uint64_t)i * 100);
		metrics_reason(a->m, topic, 1, 1);
	}
	return NULL;
}

/* Sums every sample of `family{...}` lines. */
static unsigned long long sum_family(const char *text, const char *family)
{
	unsigned long long total = 0;
	size_t n = strlen(family);
	for (const char *p = text; (p = strstr(p, family)); p += n) {
		if ((p != text && p[-1] != '\n') || p[n] != '{')
			continue;
		const char *sp = strchr(p, ' ');
		const char *nl = strchr(p, '\n');
		if (sp && nl && sp < nl)
			total += strtoull(sp + 1, NULL, 10);
	}
	return total;
}

static void test_metrics_threads(void)
{
	struct metrics *m = metrics_new(reasons, 3, 40);
	pthread_t t[8];
	struct mt_arg a[8];
	for (int i = 0; i < 8; i++) {
		a[i] = (struct mt_arg){m, i};
		pthread_create(&t[i], NULL, mt_main, &a[i]);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	char *text = metrics_render(m, NULL, NULL);
	tap_is_int((long long)sum_family(text, "schemagate_gateway_batches_total"), 160000,
	           "8 threads x 20000 batches, none lost");
	tap_is_int((long long)sum_family(text, "schemagate_gateway_records_total"), 320000,
	           "records counted");
	tap_is_int((long long)sum_family(text, "schemagate_gateway_rejected_records_total"), 160000,
	           "reasons counted");
	int named = 0;
	for (const char *p = text;
	     (p = strstr(p, "schemagate_gateway_batches_total{topic=\"topic-")); p++) {
		const char *end = strchr(p, '}');
		const char *acc = strstr(p, "outcome=\"accepted\"");
		named += acc && end && acc < end;
	}
	tap_is_int(named, 40, "50 topics: 40 kept by name");
	tap_ok(strstr(text, "batches_total{topic=\"_other\",outcome=\"accepted\"}") != NULL,
	       "... the rest under _other");
	tap_ok(strstr(text, "schemagate_gateway_validation_seconds_count 160000\n") != NULL,
	       "histogram count");
	free(text);
	metrics_free(m);
}

int main(void)
{
	test_ring();
	test_log_line();
	test_metrics_text();
	test_metrics_threads();
	return tap_done();
}
