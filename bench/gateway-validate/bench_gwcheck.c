/* bench/gateway-validate/bench_gwcheck.c: records validated per second on
 * one core through the gateway's validation engine (gateway/gwcheck), for
 * the orders event of schemas/orders.avsc and schemas/orders.json, and the
 * same event as a Protobuf message (ORDERS_PROTO below, written here: the
 * example schemas have no .proto).
 *
 * Usage: bench_gwcheck ORDERS.avsc ORDERS.json [SECONDS] [RECORDS_PER_BATCH]
 *
 * Each line is one measurement, run for SECONDS (default 2): ns per record
 * and records per second, for
 *   avvalid alone          compat/avvalid on one Avro payload (the floor)
 *   jsonschema alone       compat/jsonschema parse + validate of one JSON text
 *   gwcheck avro framed    whole batches of Confluent-framed Avro records
 *   gwcheck avro gzip      the same batch, gzip-compressed
 *   gwcheck json plain     whole batches of plain JSON records (the seed's case)
 *   gwcheck json framed    whole batches of Confluent-framed JSON records
 *   pbvalid alone          compat/protobuf/pbvalid on one Protobuf payload
 *                          (schema_validate(), message indexes included)
 *   gwcheck protobuf framed  whole batches of Confluent-framed Protobuf records
 * Batches hold RECORDS_PER_BATCH records (default 500) and go through
 * gwcheck_batch() exactly as the proxy calls it, with metrics on and the
 * schemas in the in-memory registry of tests/unit/gwfake.h (cached after the
 * first batch, as in steady state). Every batch must be accepted; a wrong
 * verdict ends the run with status 1. With ONLY set in the environment, only
 * the gwcheck measurements whose name contains it run (for profiling).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat/avro/avvalid.h"
#include "compat/jsonschema/jsonschema.h"
#include "compat/schema.h"
#include "gateway/gwcheck.h"
#include "gateway/metrics.h"
#include "gateway/rules.h"
#include "gateway/schemasource.h"
#include "tests/unit/gwfake.h"

static double seconds = 2;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	p[n] = '\0';
	fclose(f);
	return p;
}

static void report(const char *what, double elapsed, unsigned long long records)
{
	double ns = elapsed * 1e9 / (double)records;
	printf("%-22s %8.1f ns/record %12.0f records/s\n", what, ns, (double)records / elapsed);
	fflush(stdout);
}

static volatile int sink;

/* The orders event (schemas/orders.avsc) as a proto3 message. */
static const char ORDERS_PROTO[] =
    "syntax = \"proto3\";\npackage com.schemagate.examples.orders;\n"
    "message OrderEvent {\n  OrderEventType event_type = 1;\n  string order_id = 2;\n"
    "  string customer_id = 3;\n  double amount = 4;\n  string currency = 5;\n"
    "  OrderStatus status = 6;\n  string timestamp = 7;\n  optional string cancel_reason = 8;\n"
    "}\nenum OrderEventType {\n  ORDER_CREATED = 0;\n  ORDER_STATUS_UPDATED = 1;\n"
    "  ORDER_CANCELLED = 2;\n}\nenum OrderStatus {\n  PENDING = 0;\n  PAID = 1;\n"
    "  SHIPPED = 2;\n  DELIVERED = 3;\n  CANCELLED = 4;\n}\n";

/* A length-delimited field `tag` holding s. */
static void pb_string(struct tb *t, uint8_t tag, const char *s)
{
	uint8_t h[2] = {tag, (uint8_t)strlen(s)};
	tb_put(t, h, 2);
	tb_put(t, s, strlen(s));
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s ORDERS.avsc ORDERS.json [SECONDS] [RECORDS_PER_BATCH]\n",
		        argv[0]);
		return 2;
	}
	if (argc > 3)
		seconds = atof(argv[3]);
	int per = argc > 4 ? atoi(argv[4]) : 500;
	if (per < 1 || per > 100000)
		per = 500;
	char *avsc = slurp(argv[1]), *jsonschema = slurp(argv[2]);

	struct fakereg reg;
	fake_init(&reg);
	int64_t av_id = fake_register(&reg, "orders-value", SCHEMA_AVRO, avsc, NULL, 0);
	int64_t js_id = fake_register(&reg, "jorders-value", SCHEMA_JSON, jsonschema, NULL, 0);
	int64_t pb_id =
	    fake_register(&reg, "porders-value", SCHEMA_PROTOBUF, ORDERS_PROTO, NULL, 0);

	/* The records. */
	struct tb av = {0};
	tb_zz(&av, 0); /* ORDER_CREATED */
	av_string(&av, "ORD-100234");
	av_string(&av, "cust-00099137");
	av_double(&av, 1049.97);
	av_string(&av, "EUR");
	tb_zz(&av, 1); /* PAID */
	av_string(&av, "2026-11-25T13:00:00Z");
	tb_zz(&av, 0); /* cancel_reason: null */
	const char *js =
	    "{\"event_type\":\"order_created\",\"order_id\":\"ORD-100234\","
	    "\"customer_id\":\"cust-00099137\",\"amount\":1049.97,\"currency\":\"EUR\","
	    "\"status\":\"paid\",\"timestamp\":\"2026-11-25T13:00:00Z\","
	    "\"cancel_reason\":null}";
	/* The same event in Protobuf, after its message indexes ([0]: one 0) */
	struct tb pb = {0};
	double amount = 1049.97;
	uint8_t dbl[9] = {0x21};
	memcpy(dbl + 1, &amount, 8);    /* little-endian hosts */
	tb_put(&pb, "\x00\x08\x01", 3); /* indexes [0]; event_type ORDER_STATUS_UPDATED */
	pb_string(&pb, 0x12, "ORD-100234");
	pb_string(&pb, 0x1a, "cust-00099137");
	tb_put(&pb, dbl, 9);
	pb_string(&pb, 0x2a, "EUR");
	tb_put(&pb, "\x30\x01", 2); /* PAID */
	pb_string(&pb, 0x3a, "2026-11-25T13:00:00Z");
	struct tb pbf = tb_framed(pb_id, pb.p, pb.len);
	struct tb avf = tb_framed(av_id, av.p, av.len);
	struct tb jsf = tb_framed(js_id, js, strlen(js));
	printf("# orders record: Avro %zu bytes, JSON %zu bytes, Protobuf %zu bytes (with its "
	       "index); %d records per batch\n",
	       av.len, strlen(js), pb.len, per);

	struct sg_error err;
	error_clear(&err);
	struct schema *as = schema_parse(SCHEMA_AVRO, avsc, strlen(avsc), NULL, 0, &err);
	struct schema *jss =
	    schema_parse(SCHEMA_JSON, jsonschema, strlen(jsonschema), NULL, 0, &err);
	struct avvalid *v = as ? avvalid_compile(schema_avro(as), &err) : NULL;
	struct schema *ps =
	    jss ? schema_parse(SCHEMA_PROTOBUF, ORDERS_PROTO, strlen(ORDERS_PROTO), NULL, 0, &err)
	        : NULL;
	struct schema_validator *pv = ps ? schema_validator_new(ps, &err) : NULL;
	struct schema_scratch *psc = schema_scratch_new();
	if (!v || !jss || !pv || !psc) {
		fprintf(stderr, "schemas: %s\n", err.msg);
		return 1;
	}

	unsigned long long n = 0;
	double t0 = now(), t;
	do {
		for (int i = 0; i < 1000; i++)
			sink += avvalid_check(v, av.p, av.len, NULL);
		n += 1000;
	} while ((t = now()) - t0 < seconds);
	report("avvalid alone", t - t0, n);

	const struct jsonschema *jv = schema_json_validator(jss);
	n = 0;
	t0 = now();
	do {
		for (int i = 0; i < 100; i++)
			sink += jsonschema_validate_bytes(jv, js, strlen(js), NULL);
		n += 100;
	} while ((t = now()) - t0 < seconds);
	report("jsonschema alone", t - t0, n);

	if (schema_validate(pv, SCHEMA_FRAMED, pb.p, pb.len, psc) != SCHEMA_PAYLOAD_VALID) {
		schema_explain(pv, SCHEMA_FRAMED, pb.p, pb.len, psc);
		fprintf(stderr, "protobuf payload refused: %s\n", schema_why(psc));
		return 1;
	}
	n = 0;
	t0 = now();
	do {
		for (int i = 0; i < 1000; i++)
			sink += (int)schema_validate(pv, SCHEMA_FRAMED, pb.p, pb.len, psc);
		n += 1000;
	} while ((t = now()) - t0 < seconds);
	report("pbvalid alone", t - t0, n);

	struct schemasource_backend b = fake_backend(&reg);
	struct schemasource *ss = schemasource_open(&b, NULL, &err);
	struct metrics *met = metrics_new(gwcheck_reason_names, GWCHECK_REASON_COUNT, 0);
	struct gwcheck *gw = gwcheck_new(ss, NULL, NULL, met, NULL, NULL, &err);
	struct gwcheck_scratch *s = gwcheck_scratch_new(gw);
	if (!s) {
		fprintf(stderr, "gwcheck: %s\n", err.msg);
		return 1;
	}
	struct tb_rec *recs = calloc((size_t)per, sizeof *recs);
	struct {
		const char *name, *topic;
		const struct tb *value;
		int flags;
	} runs[] = {
	    {"gwcheck avro framed", "orders", &avf, TB_PLAIN},
	    {"gwcheck avro gzip", "orders", &avf, TB_GZIP},
	    {"gwcheck json plain", "jorders", NULL, TB_PLAIN},
	    {"gwcheck json framed", "jorders", &jsf, TB_PLAIN},
	    {"gwcheck protobuf framed", "porders", &pbf, TB_PLAIN},
	};
	int status = 0;
	const char *only = getenv("ONLY");
	for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
		if (only && !strstr(runs[r].name, only))
			continue;
		for (int i = 0; i < per; i++) {
			recs[i].klen = -1;
			recs[i].val = runs[r].value ? (const void *)runs[r].value->p : js;
			recs[i].vlen =
			    runs[r].value ? (int32_t)runs[r].value->len : (int32_t)strlen(js);
		}
		struct tb batch = tb_batch(recs, per, runs[r].flags);
		struct gwcheck_input in = {.topic = runs[r].topic,
		                           .records = batch.p,
		                           .len = batch.len,
		                           .client_id = "bench"};
		struct gwcheck_verdict verdict;
		n = 0;
		t0 = now();
		do {
			gwcheck_batch(gw, s, &in, &verdict);
			if (verdict.outcome != GWCHECK_ACCEPT || verdict.unchecked ||
			    verdict.records != per) {
				fprintf(stderr, "%s: unexpected verdict %s: %s\n", runs[r].name,
				        gwcheck_outcome_name(verdict.outcome), verdict.message);
				status = 1;
				break;
			}
			n += (unsigned long long)per;
		} while ((t = now()) - t0 < seconds);
		report(runs[r].name, t - t0, n);
		free(batch.p);
	}
	free(recs);
	gwcheck_scratch_free(s);
	gwcheck_free(gw);
	metrics_free(met);
	schemasource_close(ss);
	fake_fini(&reg);
	avvalid_free(v);
	schema_free(as);
	schema_free(jss);
	schema_scratch_free(psc);
	schema_validator_free(pv);
	schema_free(ps);
	free(pb.p);
	free(pbf.p);
	free(av.p);
	free(avf.p);
	free(jsf.p);
	free(avsc);
	free(jsonschema);
	return status;
}
