/* tests/unit/test_gwnomem.c: the gateway's validation code when memory runs
 * out. malloc, calloc, realloc, strdup and strndup are wrapped (-Wl,--wrap,
 * tests/failalloc.h), so the Nth allocation made by our code can fail; each
 * scenario is run failing allocation 0, 1, 2, ... until it completes
 * without a failure. Every failure must be clean (no crash, no leak under
 * ASan, an SG_ENOMEM or a retriable answer) and never a wrong answer: a
 * schema that exists is never "not found" or "unusable", a valid record is
 * never rejected. jansson's own allocations are left alone: libjansson 2.14
 * crashes when one fails inside its lexer (a write through a NULL buffer),
 * and reports others as syntax errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "gateway/gwcheck.h"
#include "gateway/metrics.h"
#include "gateway/rejections.h"
#include "gateway/rules.h"
#include "gateway/schemasource.h"
#define FAILALLOC_WRAP_STRDUP
#include "tests/failalloc.h"
#include "tests/tap.h"
#include "tests/unit/gwfake.h"

/* Runs `fn` failing allocation 0, 1, ... until a run triggers no failure.
 * `fn` returns 1 when what it saw is acceptable. */
static void nomem_loop(const char *name, int (*fn)(void))
{
	long n;
	int bad = 0;
	for (n = 0; n < 100000; n++) {
		failalloc_fail_after(n);
		int ok = fn();
		failalloc_disarm();
		if (!ok) {
			bad++;
			tap_diag("%s: wrong result failing allocation %ld", name, n);
		}
		if (!failalloc_fired())
			break;
	}
	tap_ok(bad == 0 && n > 0, "%s: %ld allocations failed one by one, each cleanly", name, n);
}

/* ---- rules ---- */

static const char *rules_text =
    "{\"default\":{\"mode\":\"shadow\"},\"rules\":[{\"topic\":\"orders\",\"formats\":"
    "[\"plain-json\"],\"dead_letter_topic\":\"dlq\"},{\"topic_regex\":\"etl-.*\","
    "\"parts\":\"both\"},{\"topic\":\"a\"},{\"topic\":\"b\"}]}";

static int run_rules(void)
{
	struct sg_error err;
	error_clear(&err);
	struct rules *r = rules_parse(rules_text, strlen(rules_text), NULL, &err);
	if (r) {
		int ok = rules_match(r, "orders")->formats == RULES_FORMAT_PLAIN_JSON &&
		         rules_match(r, "etl-x")->parts == (RULES_PART_VALUE | RULES_PART_KEY);
		rules_unref(r);
		return ok;
	}
	return err.code == SG_ENOMEM;
}

/* ---- schemasource ---- */

static struct fakereg reg;
static int64_t id_json, id_avro;

static int run_source(void)
{
	struct sg_error err;
	error_clear(&err);
	struct schemasource_backend b = fake_backend(&reg);
	struct schemasource *ss = schemasource_open(&b, NULL, &err);
	if (!ss)
		return err.code == SG_ENOMEM;
	int ok = 1;
	const struct schemasource_schema *s = NULL;
	int64_t ids[2] = {id_avro, id_json};
	for (int i = 0; i < 2; i++) {
		error_clear(&err);
		int rc = schemasource_schema(ss, ids[i], &s, &err);
		if (rc == 1)
			ok &= s->schema != NULL && s->record_name != NULL;
		else
			ok &= rc == -1 && err.code == SG_ENOMEM;
		schemasource_release(ss, s);
		s = NULL;
	}
	struct schemasource_latest l;
	error_clear(&err);
	int rc = schemasource_latest(ss, "avorders-value", &l, &err);
	ok &= rc == 1 ? l.id == id_avro : (rc == -1 && err.code == SG_ENOMEM);
	error_clear(&err);
	rc = schemasource_registered(ss, id_json, "orders-value", NULL, &err);
	ok &= rc == 1 || (rc == -1 && err.code == SG_ENOMEM);
	schemasource_close(ss);
	return ok;
}

/* ---- gwcheck ---- */

static struct tb batch_json, batch_avro;

static void quiet(void *arg, const char *line)
{
	(void)arg;
	(void)line;
}

static int run_gwcheck(void)
{
	struct sg_error err;
	error_clear(&err);
	struct schemasource_backend b = fake_backend(&reg);
	struct schemasource *ss = schemasource_open(&b, NULL, &err);
	struct rejections *rej = rejections_new(8);
	struct metrics *met = metrics_new(gwcheck_reason_names, GWCHECK_REASON_COUNT, 0);
	struct gwcheck_options o = {.log = quiet};
	struct gwcheck *gw = ss ? gwcheck_new(ss, NULL, rej, met, NULL, &o, &err) : NULL;
	struct gwcheck_scratch *s = gw ? gwcheck_scratch_new(gw) : NULL;
	int ok = 1;
	if (s) {
		const struct tb *batches[2] = {&batch_json, &batch_avro};
		const char *topics[2] = {"orders", "avorders"};
		for (int i = 0; i < 2; i++) {
			struct gwcheck_input in = {
			    .topic = topics[i], .records = batches[i]->p, .len = batches[i]->len};
			struct gwcheck_verdict v;
			gwcheck_batch(gw, s, &in, &v);
			/* Valid records: accepted, or retriable when memory ran
			 * out; never rejected. */
			ok &= (v.outcome == GWCHECK_ACCEPT && !v.unchecked) ||
			      v.outcome == GWCHECK_RETRIABLE;
		}
		char *text = gwcheck_metrics_text(gw, NULL);
		free(text);
	} else {
		ok = err.code == SG_ENOMEM || err.code == SG_OK;
	}
	gwcheck_scratch_free(s);
	gwcheck_free(gw);
	metrics_free(met);
	rejections_free(rej);
	schemasource_close(ss);
	return ok;
}

int main(void)
{
	nomem_loop("rules_parse", run_rules);

	fake_init(&reg);
	id_json =
	    fake_register(&reg, "orders-value", SCHEMA_JSON,
	                  "{\"title\":\"Order\",\"type\":\"object\",\"required\":[\"order_id\"],"
	                  "\"properties\":{\"order_id\":{\"type\":\"string\",\"pattern\":"
	                  "\"^o-[0-9]+$\"}}}",
	                  NULL, 0);
	fake_register(&reg, "currency", SCHEMA_AVRO,
	              "{\"type\":\"enum\",\"name\":\"Currency\",\"namespace\":\"com.acme\","
	              "\"symbols\":[\"EUR\",\"USD\"]}",
	              NULL, 0);
	struct schemasource_ref ref = {"com.acme.Currency", "currency", 1};
	id_avro =
	    fake_register(&reg, "avorders-value", SCHEMA_AVRO,
	                  "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\","
	                  "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"c\","
	                  "\"type\":\"Currency\"}]}",
	                  &ref, 1);
	nomem_loop("schemasource lookups (JSON, Avro with a reference)", run_source);

	const char *js = "{\"order_id\":\"o-17\"}";
	struct tb_rec rj[] = {{.klen = -1, .val = js, .vlen = (int32_t)strlen(js)}};
	batch_json = tb_batch(rj, 1, TB_GZIP);
	struct tb av = {0};
	av_string(&av, "o-1");
	tb_zz(&av, 1);
	struct tb f = tb_framed(id_avro, av.p, av.len);
	struct tb_rec ra[] = {{.klen = -1, .val = f.p, .vlen = (int32_t)f.len}};
	batch_avro = tb_batch(ra, 1, TB_PLAIN);
	nomem_loop("gwcheck on valid batches (JSON gzip, Avro)", run_gwcheck);

	free(av.p);
	free(f.p);
	free(batch_json.p);
	free(batch_avro.p);
	fake_fini(&reg);
	return tap_done();
}
