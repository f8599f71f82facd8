/* fuzz/fuzz_gwcheck.c: the gateway's validation engine (gateway/gwcheck) on
 * arbitrary input, with a fixed set of schemas in the in-memory registry of
 * tests/unit/gwfake.h (JSON orders value and key, Avro orders with a
 * reference, a PROTOBUF schema nothing can use).
 *
 * The first input byte picks how the rest is used:
 *   bits 0-1  0: the rest is the partition's records bytes, as is (the CRC
 *             guards most of it); 1: the rest is one record's value in a
 *             valid batch; 2: the rest, split on 0xff, is the values of
 *             several records; 3: the same, alternating keys and values;
 *   bits 2-3  the rules: the default; both parts, no tombstones,
 *             require_schema; RecordNameStrategy; TopicRecordNameStrategy in
 *             shadow mode;
 *   bit 4     the topic: "orders" (JSON) or "avorders" (Avro);
 *   bit 5     gzip the records (modes 1-3).
 * Besides not crashing, leaking or hanging, the verdict must be coherent:
 * ACCEPT has no bad record, REJECT/SHADOW_REJECT have some (or a bad batch),
 * listed errors are within bounds and ordered, messages are terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "gateway/gwcheck.h"
#include "gateway/rules.h"
#include "gateway/schemasource.h"
#include "tests/unit/gwfake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fakereg reg;
static struct schemasource *ss;
static struct gwcheck *gw[4];
static struct gwcheck_scratch *scr[4];

static const char *const rule_texts[4] = {
    NULL,
    "{\"default\":{\"parts\":\"both\",\"allow_tombstones\":false,\"require_schema\":true}}",
    "{\"default\":{\"subject_strategy\":\"RecordNameStrategy\","
    "\"formats\":[\"confluent-avro\",\"confluent-json\"]}}",
    "{\"default\":{\"mode\":\"shadow\",\"subject_strategy\":\"TopicRecordNameStrategy\","
    "\"formats\":[\"confluent-avro\",\"confluent-json\"],\"parts\":\"both\"}}",
};

static void quiet(void *arg, const char *line)
{
	(void)arg;
	(void)line;
}

static void setup(void)
{
	fake_init(&reg);
	fake_register(&reg, "orders-value", SCHEMA_JSON,
	              "{\"title\":\"com.acme.OrderJson\",\"type\":\"object\",\"required\":"
	              "[\"order_id\",\"amount\"],\"properties\":{\"order_id\":{\"type\":\"string\","
	              "\"pattern\":\"^o-[0-9]+$\"},\"amount\":{\"type\":\"number\",\"minimum\":0},"
	              "\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}}",
	              NULL, 0);
	fake_register(&reg, "orders-key", SCHEMA_JSON, "{\"type\":\"string\",\"maxLength\":20}",
	              NULL, 0);
	fake_register(&reg, "currency", SCHEMA_AVRO,
	              "{\"type\":\"enum\",\"name\":\"Currency\",\"namespace\":\"com.acme\","
	              "\"symbols\":[\"EUR\",\"USD\"]}",
	              NULL, 0);
	struct schemasource_ref ref = {"com.acme.Currency", "currency", 1};
	const char *order = "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\","
	                    "\"fields\":[{\"name\":\"order_id\",\"type\":\"string\"},"
	                    "{\"name\":\"amount\",\"type\":\"double\"},"
	                    "{\"name\":\"currency\",\"type\":\"Currency\"},"
	                    "{\"name\":\"tags\",\"type\":{\"type\":\"map\",\"values\":\"long\"}},"
	                    "{\"name\":\"status\",\"type\":[\"null\",\"string\"]}]}";
	fake_register(&reg, "avorders-value", SCHEMA_AVRO, order, &ref, 1);
	fake_register(&reg, "com.acme.Order", SCHEMA_AVRO, order, &ref, 1);
	fake_register(&reg, "avorders-com.acme.Order", SCHEMA_AVRO, order, &ref, 1);
	fake_register(&reg, "proto-value", SCHEMA_PROTOBUF, "syntax = \"proto3\";", NULL, 0);
	struct sg_error err;
	error_clear(&err);
	struct schemasource_backend b = fake_backend(&reg);
	ss = schemasource_open(&b, NULL, &err);
	struct gwcheck_options o = {.decompress_limit = 1 << 20, .log = quiet};
	for (int i = 0; i < 4; i++) {
		struct rules *r =
		    rule_texts[i] ? rules_parse(rule_texts[i], strlen(rule_texts[i]), NULL, &err)
		                  : rules_new_default();
		gw[i] = gwcheck_new(ss, r, NULL, NULL, NULL, &o, &err);
		scr[i] = gw[i] ? gwcheck_scratch_new(gw[i]) : NULL;
		if (!scr[i])
			abort();
	}
}

static void check_verdict(const struct gwcheck_verdict *v)
{
	if (v->outcome == GWCHECK_ACCEPT && (v->bad != 0 || v->code != SG_OK))
		abort();
	if ((v->outcome == GWCHECK_REJECT || v->outcome == GWCHECK_SHADOW_REJECT) &&
	    (v->code == SG_OK || (v->bad == 0 && v->reason != GWCHECK_REASON_BATCH)))
		abort();
	if (v->outcome == GWCHECK_RETRIABLE && v->code != SG_EUNAVAILABLE)
		abort();
	if (v->nerrors > GWCHECK_MAX_ERRORS || v->nerrors > (size_t)v->bad || v->bad > v->records ||
	    (v->bad > 0 && v->first_bad != v->errors[0].index))
		abort();
	if (memchr(v->message, '\0', sizeof v->message) == NULL)
		abort();
	for (size_t i = 0; i < v->nerrors; i++) {
		if (memchr(v->errors[i].message, '\0', GWCHECK_MESSAGE_MAX) == NULL ||
		    (unsigned)v->errors[i].reason >= GWCHECK_REASON_COUNT ||
		    (i > 0 && v->errors[i].index <= v->errors[i - 1].index))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ss)
		setup();
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	int which = (mode >> 2) & 3;
	const char *topic = (mode & 0x10) ? "avorders" : "orders";
	struct gwcheck_input in = {.topic = topic, .partition = 0, .client_id = "fuzz"};
	struct gwcheck_verdict v;
	struct tb batch = {0};
	if ((mode & 3) == 0) {
		in.records = data;
		in.len = size;
	} else {
		struct tb_rec recs[64];
		int n = 0;
		if ((mode & 3) == 1) {
			recs[n++] = (struct tb_rec){.klen = -1, .val = data, .vlen = (int32_t)size};
		} else {
			int keys = (mode & 3) == 3;
			size_t start = 0;
			for (size_t i = 0; i <= size && n < 64; i++) {
				if (i < size && data[i] != 0xff)
					continue;
				const uint8_t *p = data + start;
				int32_t len = (int32_t)(i - start);
				/* An empty part is null: tombstones and null keys. */
				if (keys && n > 0 && recs[n - 1].vlen == -2) {
					recs[n - 1].val = p;
					recs[n - 1].vlen = len ? len : -1;
				} else if (keys) {
					recs[n++] = (struct tb_rec){
					    .key = p, .klen = len ? len : -1, .vlen = -2};
				} else {
					recs[n++] = (struct tb_rec){
					    .klen = -1, .val = p, .vlen = len ? len : -1};
				}
				start = i + 1;
			}
			if (n > 0 && recs[n - 1].vlen == -2)
				recs[n - 1].vlen = -1;
		}
		batch = tb_batch(recs, n, (mode & 0x20) ? TB_GZIP : TB_PLAIN);
		in.records = batch.p;
		in.len = batch.len;
	}
	gwcheck_batch(gw[which], scr[which], &in, &v);
	check_verdict(&v);
	if ((mode & 3) != 0 && v.reason == GWCHECK_REASON_BATCH)
		abort(); /* a batch built here is always readable */
	free(batch.p);
	return 0;
}
