/* fuzz/fuzz_produce_struct.c: a structure-aware target for the validating
 * gateway's Produce path: the request codec (gateway/kproduce) and, for every
 * partition, the validation engine (gateway/gwcheck, the entry fuzz_gwcheck
 * uses), as the proxy's workers run them.
 *
 * The input is one Produce request frame (v3..v12, without its size
 * prefix). LLVMFuzzerCustomMutator reads it into a tree (request, topics,
 * partitions, RecordBatches v2, records, headers; whatever does not parse is
 * kept as opaque bytes in the nearest tree node), changes the tree at the
 * record and batch level (values and keys from a set of framed and plain
 * payloads or mutated in place, headers, attributes, varint fields, record
 * count, compression codec, batches, partitions, topics, the request
 * version), then writes the frame again: records compressed with the codec
 * the attributes name, every batch length and CRC-32C fixed. So mutations
 * get past the CRC and the framing into the checks behind them. A record may
 * also be written with a deliberately wrong length or varint (kept as opaque
 * bytes after that).
 *
 * Checks, besides not crashing, leaking or hanging: each verdict is coherent
 * (as in fuzz_gwcheck), and the proxy's rewrite without the rejected
 * partitions parses again with the kept ones, and the synthesized answer
 * merges.
 *
 * Topics (one rules file): "orders" (JSON value and key schemas, both parts
 * checked), "avorders" (Avro value with a reference), "strict" (orders'
 * JSON schema, no tombstones, require_schema), "named" (RecordNameStrategy),
 * "shadow" (TopicRecordNameStrategy in shadow mode), and any other name
 * (default rule, no subject). Seeds: fuzz/corpus/produce_struct/ (valid
 * requests); with no input at all the mutator starts from one built here.
 */
#include <lz4frame.h>
#include <snappy-c.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "compat/error.h"
#include "gateway/gwcheck.h"
#include "gateway/kcompress.h"
#include "gateway/kproduce.h"
#include "gateway/kwriter.h"
#include "gateway/rules.h"
#include "gateway/schemasource.h"
#include "tests/unit/gwfake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

/* ---- the checker ---- */

static struct fakereg reg;
static struct schemasource *ss;
static struct gwcheck *gw;
static struct gwcheck_scratch *scr;

static const char rules_text[] =
    "{\"rules\":["
    "{\"topic\":\"orders\",\"parts\":\"both\"},"
    "{\"topic\":\"strict\",\"parts\":\"both\",\"allow_tombstones\":false,"
    "\"require_schema\":true},"
    "{\"topic\":\"named\",\"subject_strategy\":\"RecordNameStrategy\","
    "\"formats\":[\"confluent-avro\",\"confluent-json\"]},"
    "{\"topic\":\"shadow\",\"mode\":\"shadow\",\"subject_strategy\":\"TopicRecordNameStrategy\","
    "\"formats\":[\"confluent-avro\",\"confluent-json\"],\"parts\":\"both\"}]}";

static void quiet(void *arg, const char *line)
{
	(void)arg;
	(void)line;
}

static void setup(void)
{
	const char *orders =
	    "{\"title\":\"com.acme.OrderJson\",\"type\":\"object\",\"required\":"
	    "[\"order_id\",\"amount\"],\"properties\":{\"order_id\":{\"type\":\"string\","
	    "\"pattern\":\"^o-[0-9]+$\"},\"amount\":{\"type\":\"number\",\"minimum\":0},"
	    "\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}}";
	fake_init(&reg);
	fake_register(&reg, "orders-value", SCHEMA_JSON, orders, NULL, 0); /* id 1 */
	fake_register(&reg, "orders-key", SCHEMA_JSON, "{\"type\":\"string\",\"maxLength\":20}",
	              NULL, 0); /* id 2 */
	fake_register(&reg, "currency", SCHEMA_AVRO,
	              "{\"type\":\"enum\",\"name\":\"Currency\",\"namespace\":\"com.acme\","
	              "\"symbols\":[\"EUR\",\"USD\"]}",
	              NULL, 0); /* id 3 */
	struct schemasource_ref ref = {"com.acme.Currency", "currency", 1};
	const char *order = "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\","
	                    "\"fields\":[{\"name\":\"order_id\",\"type\":\"string\"},"
	                    "{\"name\":\"amount\",\"type\":\"double\"},"
	                    "{\"name\":\"currency\",\"type\":\"Currency\"},"
	                    "{\"name\":\"tags\",\"type\":{\"type\":\"map\",\"values\":\"long\"}},"
	                    "{\"name\":\"status\",\"type\":[\"null\",\"string\"]}]}";
	fake_register(&reg, "avorders-value", SCHEMA_AVRO, order, &ref, 1); /* id 4 */
	fake_register(&reg, "com.acme.Order", SCHEMA_AVRO, order, &ref, 1);
	fake_register(&reg, "shadow-com.acme.Order", SCHEMA_AVRO, order, &ref, 1);
	fake_register(&reg, "strict-value", SCHEMA_JSON, orders, NULL, 0);
	fake_register(&reg, "com.acme.OrderJson", SCHEMA_JSON, orders, NULL, 0);
	fake_register(&reg, "proto-value", SCHEMA_PROTOBUF, "syntax = \"proto3\";", NULL, 0);
	struct sg_error err;
	error_clear(&err);
	struct schemasource_backend b = fake_backend(&reg);
	ss = schemasource_open(&b, NULL, &err);
	struct rules *r = rules_parse(rules_text, strlen(rules_text), NULL, &err);
	struct gwcheck_options o = {.decompress_limit = 1 << 20, .log = quiet};
	gw = ss && r ? gwcheck_new(ss, r, NULL, NULL, NULL, &o, &err) : NULL;
	scr = gw ? gwcheck_scratch_new(gw) : NULL;
	if (!scr)
		abort();
}

/* As fuzz_gwcheck: the verdict's contracts. */
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

#define FUZZ_LIMIT ((size_t)4 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kproduce_request req, again;
	struct sg_error err;
	struct gwcheck_verdict v;
	char topic[256];

	if (!gw)
		setup();
	error_clear(&err);
	if (kproduce_request_parse(data, size, &req, &err) != 0) {
		if (!err.code)
			abort();
		return 0;
	}
	struct kproduce_result *res = calloc(req.npartitions + 1, sizeof *res);
	struct kproduce_record_error *rerr =
	    calloc(req.npartitions * GWCHECK_MAX_ERRORS + 1, sizeof *rerr);
	struct gwcheck_verdict *vs = calloc(req.npartitions + 1, sizeof *vs);
	if (!res || !rerr || !vs)
		abort();
	for (size_t i = 0; i < req.npartitions; i++) {
		const struct kproduce_partition *pp = &req.partitions[i];
		const struct kproduce_topic *tp = &req.topics[pp->topic];
		if (pp->records.len <= 0)
			continue;
		size_t n =
		    tp->name.len < (int32_t)sizeof topic ? (size_t)tp->name.len : sizeof topic - 1;
		memcpy(topic, tp->name.p, n);
		topic[n] = '\0';
		struct gwcheck_input in = {.topic = topic,
		                           .partition = pp->index,
		                           .records = pp->records.p,
		                           .len = (size_t)pp->records.len,
		                           .client_id = "fuzz"};
		gwcheck_batch(gw, scr, &in, &v);
		check_verdict(&v);
		if (v.outcome != GWCHECK_REJECT && v.outcome != GWCHECK_RETRIABLE)
			continue;
		vs[i] = v;
		res[i].rejected = 1;
		res[i].error_code = (int16_t)error_kafka_code(v.code);
		res[i].message = vs[i].message;
		res[i].errors = &rerr[i * GWCHECK_MAX_ERRORS];
		res[i].nerrors = v.nerrors;
		for (size_t k = 0; k < v.nerrors; k++) {
			rerr[i * GWCHECK_MAX_ERRORS + k].batch_index = vs[i].errors[k].index;
			rerr[i * GWCHECK_MAX_ERRORS + k].message = vs[i].errors[k].message;
		}
	}

	/* What the proxy forwards, and what it answers. */
	struct kwriter w, syn, merged;
	kwriter_init(&w, FUZZ_LIMIT);
	long kept = kproduce_request_rewrite(&req, res, &w, &err);
	if (kept < 0)
		abort();
	if (kproduce_request_parse(w.buf, w.len, &again, &err) != 0 ||
	    again.npartitions != (size_t)kept)
		abort();
	struct kproduce_result *none = calloc(again.npartitions + 1, sizeof *none);
	if (!none)
		abort();
	for (size_t i = 0; i < again.npartitions; i++)
		none[i].rejected = 1;
	kwriter_init(&syn, FUZZ_LIMIT);
	if (kproduce_response_synthesize(&again, none, &syn, &err) != 0)
		abort();
	kwriter_init(&merged, FUZZ_LIMIT);
	if (kproduce_response_merge(&req, res, syn.buf, syn.len, &merged, &err) != 0)
		abort();
	kwriter_free(&merged);
	kwriter_free(&syn);
	kwriter_free(&w);
	kproduce_request_free(&again);
	kproduce_request_free(&req);
	free(none);
	free(res);
	free(rerr);
	free(vs);
	return 0;
}

/* ---- the tree ---- */

#define MAX_TOPICS  4
#define MAX_PARTS   4
#define MAX_BATCHES 4
#define MAX_RECS    24
#define MAX_HDRS    4
/* Largest frame the mutator writes. */
#define MAX_FRAME (256u << 10)

/* Bytes owned by the tree; len -1 is null. */
struct blob {
	uint8_t *p;
	int32_t len;
};

struct hdr {
	struct blob k, v;
};

struct rec {
	int8_t attrs;
	int64_t ts_delta;
	int64_t off_delta;
	struct blob key, val;
	int nh;
	struct hdr h[MAX_HDRS];
};

struct batch {
	int64_t base_offset;
	int32_t leader_epoch;
	int8_t magic;
	int16_t attrs;
	int32_t last_delta;
	int64_t first_ts, max_ts, pid;
	int16_t epoch;
	int32_t base_seq;
	int32_t count_adj; /* written count = nrec + count_adj */
	int nrec;
	struct rec r[MAX_RECS];
	struct blob tail; /* records bytes (uncompressed) that did not parse */
	struct blob raw;  /* len >= 0: records bytes written as they are (not
	                   * recompressed: they did not decompress) */
};

struct part {
	int32_t index;
	int null_records;
	int nb;
	struct batch b[MAX_BATCHES];
	struct blob tail; /* bytes after the last batch that parsed */
};

struct topic {
	struct blob name;
	int np;
	struct part p[MAX_PARTS];
};

struct req {
	int16_t version;
	int32_t corr;
	struct blob client_id, txid;
	int16_t acks;
	int32_t timeout;
	int nt;
	struct topic t[MAX_TOPICS];
};

static struct blob blob_of(const void *p, size_t n)
{
	struct blob b = {malloc(n ? n : 1), (int32_t)n};
	if (!b.p)
		abort();
	if (n)
		memcpy(b.p, p, n);
	return b;
}

static struct blob blob_null(void)
{
	return (struct blob){NULL, -1};
}

static struct blob blob_str(const char *s)
{
	return blob_of(s, strlen(s));
}

static struct blob blob_dup(struct blob b)
{
	return b.len < 0 ? blob_null() : blob_of(b.p, (size_t)b.len);
}

static void blob_free(struct blob *b)
{
	free(b->p);
	*b = blob_null();
}

static void rec_free(struct rec *r)
{
	blob_free(&r->key);
	blob_free(&r->val);
	for (int i = 0; i < r->nh; i++) {
		blob_free(&r->h[i].k);
		blob_free(&r->h[i].v);
	}
	r->nh = 0;
}

static struct rec rec_dup(const struct rec *r)
{
	struct rec c = *r;
	c.key = blob_dup(r->key);
	c.val = blob_dup(r->val);
	for (int i = 0; i < r->nh; i++) {
		c.h[i].k = blob_dup(r->h[i].k);
		c.h[i].v = blob_dup(r->h[i].v);
	}
	return c;
}

static void batch_free(struct batch *b)
{
	for (int i = 0; i < b->nrec; i++)
		rec_free(&b->r[i]);
	b->nrec = 0;
	blob_free(&b->tail);
	blob_free(&b->raw);
}

static struct batch batch_dup(const struct batch *b)
{
	struct batch c = *b;
	for (int i = 0; i < b->nrec; i++)
		c.r[i] = rec_dup(&b->r[i]);
	c.tail = blob_dup(b->tail);
	c.raw = blob_dup(b->raw);
	return c;
}

static void part_free(struct part *p)
{
	for (int i = 0; i < p->nb; i++)
		batch_free(&p->b[i]);
	p->nb = 0;
	blob_free(&p->tail);
}

static struct part part_dup(const struct part *p)
{
	struct part c = *p;
	for (int i = 0; i < p->nb; i++)
		c.b[i] = batch_dup(&p->b[i]);
	c.tail = blob_dup(p->tail);
	return c;
}

static void topic_free(struct topic *t)
{
	for (int i = 0; i < t->np; i++)
		part_free(&t->p[i]);
	t->np = 0;
	blob_free(&t->name);
}

static void req_free(struct req *q)
{
	for (int i = 0; i < q->nt; i++)
		topic_free(&q->t[i]);
	q->nt = 0;
	blob_free(&q->client_id);
	blob_free(&q->txid);
}

/* ---- reading a frame into the tree ---- */

struct cur {
	const uint8_t *p, *end;
	int ok;
};

static int cur_need(struct cur *c, size_t n)
{
	if (!c->ok || (size_t)(c->end - c->p) < n)
		return c->ok = 0;
	return 1;
}

static uint64_t cur_be(struct cur *c, int n)
{
	uint64_t v = 0;
	if (!cur_need(c, (size_t)n))
		return 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | *c->p++;
	return v;
}

static uint64_t cur_uv(struct cur *c)
{
	uint64_t v = 0;
	for (int s = 0; s < 64; s += 7) {
		if (!cur_need(c, 1))
			return 0;
		uint8_t b = *c->p++;
		v |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80))
			return v;
	}
	c->ok = 0;
	return 0;
}

static int64_t cur_zz(struct cur *c)
{
	uint64_t u = cur_uv(c);
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* `n` bytes, or null for n < 0. */
static struct blob cur_blob(struct cur *c, int64_t n)
{
	if (n < 0)
		return blob_null();
	if (n > INT32_MAX || !cur_need(c, (size_t)n))
		return c->ok = 0, blob_null();
	struct blob b = blob_of(c->p, (size_t)n);
	c->p += n;
	return b;
}

/* A compact array or string length: the uvarint minus one (-1: null). */
static int64_t cur_compact(struct cur *c)
{
	uint64_t u = cur_uv(c);
	if (u > (uint64_t)INT32_MAX + 1)
		return c->ok = 0, -1;
	return (int64_t)u - 1;
}

/* A string or bytes field: compact (uvarint length + 1) or int16/int32. */
static struct blob cur_field(struct cur *c, int flexible, int width)
{
	int64_t n;
	if (flexible)
		n = cur_compact(c);
	else
		n = width == 2 ? (int16_t)cur_be(c, 2) : (int32_t)cur_be(c, 4);
	return c->ok ? cur_blob(c, n) : blob_null();
}

static void cur_tags(struct cur *c)
{
	uint64_t n = cur_uv(c);
	for (uint64_t i = 0; i < n && c->ok; i++) {
		(void)cur_uv(c);
		uint64_t len = cur_uv(c);
		if (cur_need(c, len))
			c->p += len;
	}
}

static int read_record(struct cur *c, struct rec *r)
{
	memset(r, 0, sizeof *r);
	r->key = r->val = blob_null();
	int64_t len = cur_zz(c);
	if (!c->ok || len < 0 || (uint64_t)len > (size_t)(c->end - c->p))
		return 0;
	struct cur rc = {c->p, c->p + len, 1};
	r->attrs = (int8_t)cur_be(&rc, 1);
	r->ts_delta = cur_zz(&rc);
	r->off_delta = cur_zz(&rc);
	r->key = cur_blob(&rc, cur_zz(&rc));
	r->val = cur_blob(&rc, rc.ok ? cur_zz(&rc) : 0);
	int64_t nh = cur_zz(&rc);
	if (nh < 0 || nh > MAX_HDRS)
		rc.ok = 0;
	for (int64_t i = 0; i < nh && rc.ok; i++) {
		r->h[r->nh].k = cur_blob(&rc, cur_zz(&rc));
		r->h[r->nh].v = cur_blob(&rc, rc.ok ? cur_zz(&rc) : 0);
		r->nh++;
		if (r->h[r->nh - 1].k.len < 0)
			rc.ok = 0;
	}
	if (!rc.ok || rc.p != rc.end) {
		rec_free(r);
		return 0;
	}
	c->p = rc.end;
	return 1;
}

static struct kcompress *kc;

/* One v2 batch at c (0: it does not parse as one; c unchanged). */
static int read_batch(struct cur *c, struct batch *b)
{
	struct cur h = *c;
	memset(b, 0, sizeof *b);
	b->tail = b->raw = blob_null();
	b->base_offset = (int64_t)cur_be(&h, 8);
	int32_t blen = (int32_t)cur_be(&h, 4);
	b->leader_epoch = (int32_t)cur_be(&h, 4);
	b->magic = (int8_t)cur_be(&h, 1);
	(void)cur_be(&h, 4);
	b->attrs = (int16_t)cur_be(&h, 2);
	b->last_delta = (int32_t)cur_be(&h, 4);
	b->first_ts = (int64_t)cur_be(&h, 8);
	b->max_ts = (int64_t)cur_be(&h, 8);
	b->pid = (int64_t)cur_be(&h, 8);
	b->epoch = (int16_t)cur_be(&h, 2);
	b->base_seq = (int32_t)cur_be(&h, 4);
	int32_t count = (int32_t)cur_be(&h, 4);
	if (!h.ok || b->magic != 2 || blen < 49 || (size_t)(blen - 49) > (size_t)(h.end - h.p))
		return 0;
	const uint8_t *records = h.p;
	size_t rlen = (size_t)blen - 49;
	c->p = h.p + rlen;
	const uint8_t *plain = records;
	size_t plen = rlen;
	struct sg_error err;
	if (!kc)
		kc = kcompress_new(1 << 20);
	if (!kc)
		abort();
	if ((b->attrs & 7) != 0 &&
	    kcompress_run(kc, b->attrs & 7, records, rlen, &plain, &plen, &err) != 0) {
		b->raw = blob_of(records, rlen);
		b->count_adj = count;
		return 1;
	}
	struct cur rc = {plain, plain + plen, 1};
	while (rc.p < rc.end && b->nrec < MAX_RECS && read_record(&rc, &b->r[b->nrec]))
		b->nrec++;
	if (rc.p < rc.end)
		b->tail = blob_of(rc.p, (size_t)(rc.end - rc.p));
	b->count_adj = (int32_t)((uint32_t)count - (uint32_t)b->nrec);
	return 1;
}

static int read_request(const uint8_t *data, size_t size, struct req *q)
{
	struct cur c = {data, data + size, 1};
	memset(q, 0, sizeof *q);
	q->client_id = q->txid = blob_null();
	if (cur_be(&c, 2) != 0)
		return 0;
	q->version = (int16_t)cur_be(&c, 2);
	if (q->version < 3 || q->version > 12)
		return 0;
	int fx = q->version >= 9;
	q->corr = (int32_t)cur_be(&c, 4);
	q->client_id = cur_field(&c, 0, 2);
	if (fx)
		cur_tags(&c);
	q->txid = cur_field(&c, fx, 2);
	q->acks = (int16_t)cur_be(&c, 2);
	q->timeout = (int32_t)cur_be(&c, 4);
	int64_t nt = fx ? cur_compact(&c) : (int32_t)cur_be(&c, 4);
	for (int64_t t = 0; t < nt && c.ok && q->nt < MAX_TOPICS; t++) {
		struct topic *tp = &q->t[q->nt++];
		tp->name = cur_field(&c, fx, 2);
		int64_t np = fx ? cur_compact(&c) : (int32_t)cur_be(&c, 4);
		for (int64_t i = 0; i < np && c.ok && tp->np < MAX_PARTS; i++) {
			struct part *pp = &tp->p[tp->np++];
			pp->tail = blob_null();
			pp->index = (int32_t)cur_be(&c, 4);
			struct blob recs = cur_field(&c, fx, 4);
			if (fx)
				cur_tags(&c);
			if (recs.len < 0) {
				pp->null_records = 1;
				continue;
			}
			struct cur rc = {recs.p, recs.p + recs.len, 1};
			while (rc.p < rc.end && pp->nb < MAX_BATCHES &&
			       read_batch(&rc, &pp->b[pp->nb]))
				pp->nb++;
			if (rc.p < rc.end)
				pp->tail = blob_of(rc.p, (size_t)(rc.end - rc.p));
			blob_free(&recs);
		}
		if (fx)
			cur_tags(&c);
	}
	if (!c.ok || q->nt == 0) {
		req_free(q);
		return 0;
	}
	return 1;
}

/* ---- writing the tree ---- */

static void put_blob_zz(struct tb *e, struct blob b)
{
	tb_zz(e, b.len);
	if (b.len > 0)
		tb_put(e, b.p, (size_t)b.len);
}

static void write_record(struct tb *e, const struct rec *r)
{
	struct tb body = {0};
	tb_be(&body, (uint8_t)r->attrs, 1);
	tb_zz(&body, r->ts_delta);
	tb_zz(&body, r->off_delta);
	put_blob_zz(&body, r->key);
	put_blob_zz(&body, r->val);
	tb_zz(&body, r->nh);
	for (int i = 0; i < r->nh; i++) {
		put_blob_zz(&body, r->h[i].k);
		put_blob_zz(&body, r->h[i].v);
	}
	tb_zz(e, (int64_t)body.len);
	tb_put(e, body.p, body.len);
	free(body.p);
}

/* `in` compressed with `codec` (in is freed); unknown codecs leave it. */
static struct tb squeeze(struct tb in, int codec)
{
	struct tb out = {0};
	switch (codec) {
	case KCOMPRESS_GZIP:
		out = tb_gzip(&in);
		break;
	case KCOMPRESS_SNAPPY: {
		size_t n = snappy_max_compressed_length(in.len);
		out.p = malloc(n + 1);
		if (!out.p ||
		    snappy_compress((const char *)in.p, in.len, (char *)out.p, &n) != SNAPPY_OK)
			abort();
		out.len = out.cap = n;
		break;
	}
	case KCOMPRESS_LZ4: {
		size_t n = LZ4F_compressFrameBound(in.len, NULL);
		out.p = malloc(n);
		if (!out.p)
			abort();
		out.len = LZ4F_compressFrame(out.p, n, in.p, in.len, NULL);
		if (LZ4F_isError(out.len))
			abort();
		out.cap = n;
		break;
	}
	case KCOMPRESS_ZSTD: {
		size_t n = ZSTD_compressBound(in.len);
		out.p = malloc(n + 1);
		if (!out.p)
			abort();
		out.len = ZSTD_compress(out.p, n, in.p, in.len, 1);
		if (ZSTD_isError(out.len))
			abort();
		out.cap = n;
		break;
	}
	default:
		return in;
	}
	free(in.p);
	return out;
}

static void write_batch(struct tb *e, const struct batch *b)
{
	struct tb records = {0};
	if (b->raw.len >= 0) {
		tb_put(&records, b->raw.p, (size_t)b->raw.len);
	} else {
		for (int i = 0; i < b->nrec; i++)
			write_record(&records, &b->r[i]);
		if (b->tail.len > 0)
			tb_put(&records, b->tail.p, (size_t)b->tail.len);
		records = squeeze(records, b->attrs & 7);
	}
	size_t start = e->len;
	tb_be(e, (uint64_t)b->base_offset, 8);
	tb_be(e, 0, 4); /* length, below */
	tb_be(e, (uint32_t)b->leader_epoch, 4);
	tb_be(e, (uint8_t)b->magic, 1);
	tb_be(e, 0, 4); /* CRC, below */
	tb_be(e, (uint16_t)b->attrs, 2);
	tb_be(e, (uint32_t)b->last_delta, 4);
	tb_be(e, (uint64_t)b->first_ts, 8);
	tb_be(e, (uint64_t)b->max_ts, 8);
	tb_be(e, (uint64_t)b->pid, 8);
	tb_be(e, (uint16_t)b->epoch, 2);
	tb_be(e, (uint32_t)b->base_seq, 4);
	tb_be(e,
	      b->raw.len >= 0 ? (uint32_t)b->count_adj : (uint32_t)b->nrec + (uint32_t)b->count_adj,
	      4);
	tb_put(e, records.p, records.len);
	free(records.p);
	uint8_t *p = e->p + start;
	uint32_t len = (uint32_t)(e->len - start - 12);
	for (int i = 0; i < 4; i++)
		p[8 + i] = (uint8_t)(len >> (24 - 8 * i));
	uint32_t crc = tb_crc32c(p + 21, e->len - start - 21);
	for (int i = 0; i < 4; i++)
		p[17 + i] = (uint8_t)(crc >> (24 - 8 * i));
}

static void put_field(struct tb *e, struct blob b, int flexible, int width)
{
	if (flexible)
		tb_uv(e, (uint64_t)((int64_t)b.len + 1));
	else
		tb_be(e, (uint64_t)(int64_t)b.len, width);
	if (b.len > 0)
		tb_put(e, b.p, (size_t)b.len);
}

static struct tb write_request(const struct req *q)
{
	struct tb e = {0};
	int fx = q->version >= 9;
	tb_be(&e, 0, 2); /* Produce */
	tb_be(&e, (uint16_t)q->version, 2);
	tb_be(&e, (uint32_t)q->corr, 4);
	put_field(&e, q->client_id, 0, 2);
	if (fx)
		tb_uv(&e, 0);
	put_field(&e, q->txid, fx, 2);
	tb_be(&e, (uint16_t)q->acks, 2);
	tb_be(&e, (uint32_t)q->timeout, 4);
	if (fx)
		tb_uv(&e, (uint64_t)q->nt + 1);
	else
		tb_be(&e, (uint32_t)q->nt, 4);
	for (int t = 0; t < q->nt; t++) {
		const struct topic *tp = &q->t[t];
		put_field(&e, tp->name, fx, 2);
		if (fx)
			tb_uv(&e, (uint64_t)tp->np + 1);
		else
			tb_be(&e, (uint32_t)tp->np, 4);
		for (int i = 0; i < tp->np; i++) {
			const struct part *pp = &tp->p[i];
			tb_be(&e, (uint32_t)pp->index, 4);
			struct tb recs = {0};
			for (int k = 0; k < pp->nb; k++)
				write_batch(&recs, &pp->b[k]);
			if (pp->tail.len > 0)
				tb_put(&recs, pp->tail.p, (size_t)pp->tail.len);
			struct blob rb = {recs.p, pp->null_records ? -1 : (int32_t)recs.len};
			put_field(&e, rb, fx, 4);
			free(recs.p);
			if (fx)
				tb_uv(&e, 0);
		}
		if (fx)
			tb_uv(&e, 0);
	}
	if (fx)
		tb_uv(&e, 0);
	return e;
}

/* ---- payloads ---- */

static uint32_t rnd_state;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return n ? (rnd_state >> 8) % n : 0;
}

static const char *const json_values[] = {
    "{\"order_id\":\"o-1\",\"amount\":12.5}",
    "{\"order_id\":\"o-22\",\"amount\":0,\"items\":[{\"sku\":\"a\"},{}]}",
    "{\"order_id\":\"x\",\"amount\":-1}",
    "{\"order_id\":\"o-3\"}",
    "{\"order_id\":\"o-4\",\"amount\":1,\"order_id\":\"o-5\"}",
    "[1,2,3]",
    "{\"order_id\":\"o-6\",\"amount\":1e400}",
    "{\"order_id\":\"o-7\",\"amount\":\"12\"}",
    "  {\"order_id\":\"o-8\",\"amount\":3,\"items\":[1]}",
    "{\"order_id\":\"o-\\u0039\",\"amount\":9007199254740993}",
    "{\"order_id\":",
    "\"k-1\"",
    "\"a-key-that-is-far-too-long-for-the-schema\"",
    "not json",
};

static const char *const header_keys[] = {"__value_schema_id", "__key_schema_id", "trace"};

/* A Confluent-framed payload: magic 0, id, then JSON or Avro bytes. */
static struct blob framed(int64_t id, const void *p, size_t n)
{
	struct tb t = tb_framed(id, p, n);
	struct blob b = {t.p, (int32_t)t.len};
	return b;
}

static struct blob avro_order(void)
{
	struct tb t = {0};
	static const char *const ids[] = {"o-1", "", "o-\xc3\xa9", "o-\xff"};
	av_string(&t, ids[rnd(4)]);
	av_double(&t, rnd(2) ? 12.5 : -3.0);
	tb_zz(&t, (int64_t)rnd(4) - 1); /* currency: -1 and 2 are out of range */
	int nt = (int)rnd(3);
	if (nt) {
		tb_zz(&t, rnd(2) ? nt : -nt);
		if (t.len && rnd(2) == 0)
			tb_zz(&t, 4 * nt); /* block size of a negative count */
		for (int i = 0; i < nt; i++) {
			av_string(&t, i ? "b" : "a");
			tb_zz(&t, (int64_t)rnd(1000) - 500);
		}
	}
	tb_zz(&t, 0);
	int status = (int)rnd(3);
	tb_zz(&t, status); /* 2 is out of range */
	if (status == 1)
		av_string(&t, "paid");
	if (rnd(8) == 0)
		tb_be(&t, 0, 1); /* a trailing byte */
	struct blob b = framed(rnd(4) ? 4 : (int64_t)rnd(12), t.p, t.len);
	free(t.p);
	return b;
}

/* A new payload for a key or a value. */
static struct blob payload(void)
{
	switch (rnd(8)) {
	case 0:
		return blob_null();
	case 1:
		return blob_of("", 0);
	case 2:
	case 3:
		return avro_order();
	case 4: {
		const char *j = json_values[rnd(sizeof json_values / sizeof *json_values)];
		return framed(rnd(3) ? 1 : (int64_t)rnd(12), j, strlen(j));
	}
	case 5: {
		uint8_t g[17] = {1};
		for (int i = 1; i < 17; i++)
			g[i] = (uint8_t)rnd(256);
		return blob_of(g, rnd(2) ? 17 : rnd(17));
	}
	default:
		return blob_str(json_values[rnd(sizeof json_values / sizeof *json_values)]);
	}
}

static const int64_t varints[] = {0,         1,         -1,        63,        64,
                                  127,       128,       -64,       -65,       8191,
                                  INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, (int64_t)1 << 40};

static int64_t pick_varint(void)
{
	return varints[rnd(sizeof varints / sizeof *varints)];
}

/* Mutates a blob's bytes in place with libFuzzer's own mutator. */
static void mutate_blob(struct blob *b, size_t max)
{
	size_t n = b->len > 0 ? (size_t)b->len : 0;
	uint8_t *p = malloc(max > n ? max : n + 1);
	if (!p)
		abort();
	if (n)
		memcpy(p, b->p, n);
	size_t m = LLVMFuzzerMutate(p, n, max > n ? max : n);
	free(b->p);
	b->p = p;
	b->len = (int32_t)m;
}

static struct rec new_record(int i)
{
	struct rec r = {0};
	r.ts_delta = i;
	r.off_delta = i;
	r.key = rnd(3) ? blob_null() : blob_str("k-1");
	r.val = payload();
	return r;
}

/* ---- mutations ---- */

static struct batch *pick_batch(struct req *q)
{
	struct topic *tp = &q->t[rnd((uint32_t)q->nt)];
	if (tp->np == 0)
		return NULL;
	struct part *pp = &tp->p[rnd((uint32_t)tp->np)];
	if (pp->nb == 0)
		return NULL;
	return &pp->b[rnd((uint32_t)pp->nb)];
}

static void mutate_record(struct batch *b)
{
	if (b->nrec == 0 || b->raw.len >= 0) {
		if (b->raw.len < 0 && b->nrec < MAX_RECS)
			b->r[b->nrec++] = new_record(0);
		return;
	}
	int i = (int)rnd((uint32_t)b->nrec);
	struct rec *r = &b->r[i];
	switch (rnd(12)) {
	case 0:
		blob_free(&r->val);
		r->val = payload();
		break;
	case 1:
		blob_free(&r->key);
		r->key = payload();
		break;
	case 2:
		mutate_blob(&r->val, (size_t)(r->val.len > 0 ? r->val.len : 0) + 64);
		break;
	case 3:
		mutate_blob(&r->key, 64);
		break;
	case 4: /* a header naming the schema */
		if (r->nh < MAX_HDRS) {
			struct hdr *h = &r->h[r->nh++];
			h->k = blob_str(header_keys[rnd(3)]);
			h->v = payload();
		} else {
			rec_free(r);
			*r = new_record(i);
		}
		break;
	case 5:
		if (r->nh > 0) {
			int k = (int)rnd((uint32_t)r->nh);
			if (rnd(2)) {
				mutate_blob(&r->h[k].v, 40);
			} else {
				blob_free(&r->h[k].k);
				blob_free(&r->h[k].v);
				r->h[k] = r->h[--r->nh];
			}
		}
		break;
	case 6:
		r->attrs = (int8_t)rnd(256);
		break;
	case 7:
		if (rnd(2))
			r->ts_delta = pick_varint();
		else
			r->off_delta = pick_varint();
		break;
	case 8: /* add a record: a copy or a new one */
		if (b->nrec < MAX_RECS)
			b->r[b->nrec++] = rnd(2) ? rec_dup(r) : new_record(b->nrec);
		break;
	case 9: /* remove one */
		rec_free(r);
		memmove(&b->r[i], &b->r[i + 1], (size_t)(b->nrec - i - 1) * sizeof *r);
		b->nrec--;
		break;
	case 10: { /* write records i.. with a wrong length or varint: kept as bytes */
		struct tb t = {0};
		for (int k = i; k < b->nrec; k++)
			write_record(&t, &b->r[k]);
		if (b->tail.len > 0)
			tb_put(&t, b->tail.p, (size_t)b->tail.len);
		for (int k = i; k < b->nrec; k++)
			rec_free(&b->r[k]);
		b->nrec = i;
		blob_free(&b->tail);
		if (t.len > 0) {
			size_t at = rnd(rnd(2) ? 4 : (uint32_t)t.len) % t.len;
			switch (rnd(4)) {
			case 0:
				t.p[at] ^= (uint8_t)(1u << rnd(8));
				break;
			case 1:
				t.p[at] |= 0x80; /* a varint that goes on */
				break;
			case 2:
				t.p[0] =
				    (uint8_t)(t.p[0] + (rnd(2) ? 2 : -2)); /* the record length */
				break;
			default:
				t.len = at; /* cut */
				break;
			}
		}
		b->tail = (struct blob){t.p, (int32_t)t.len};
		if (!b->tail.p)
			b->tail = blob_of("", 0);
		break;
	}
	default: { /* swap two */
		int k = (int)rnd((uint32_t)b->nrec);
		struct rec tmp = b->r[i];
		b->r[i] = b->r[k];
		b->r[k] = tmp;
		break;
	}
	}
}

static void mutate_batch(struct req *q, struct batch *b)
{
	(void)q;
	switch (rnd(10)) {
	case 0: /* codec: the four, none, and the unknown ones */
		b->attrs = (int16_t)((b->attrs & ~7) | (int16_t)(rnd(4) ? rnd(5) : rnd(8)));
		break;
	case 1:
		b->attrs ^= (int16_t)(1 << (3 + rnd(4))); /* timestamp type, transactional,
		                                           * control, delete horizon */
		break;
	case 2:
		b->count_adj = rnd(2) ? (int32_t)rnd(3) - 1 : (int32_t)pick_varint();
		break;
	case 3:
		b->last_delta = rnd(2) ? b->nrec - 1 + (int32_t)rnd(3) - 1 : (int32_t)pick_varint();
		break;
	case 4:
		b->base_offset = pick_varint();
		b->first_ts = rnd(2) ? b->first_ts : pick_varint();
		break;
	case 5:
		b->pid = rnd(2) ? -1 : (int64_t)rnd(1000);
		b->epoch = (int16_t)(rnd(2) ? -1 : 0);
		b->base_seq = rnd(2) ? -1 : (int32_t)pick_varint();
		break;
	case 6:
		if (rnd(4) == 0)
			b->magic = (int8_t)rnd(4);
		else if (b->tail.len >= 0)
			mutate_blob(&b->tail, (size_t)b->tail.len + 32);
		break;
	case 7:
		if (b->raw.len >= 0)
			mutate_blob(&b->raw, (size_t)b->raw.len + 32);
		break;
	default:
		for (int k = 0, n = 1 + (int)rnd(3); k < n; k++)
			mutate_record(b);
		break;
	}
}

static void mutate_request(struct req *q)
{
	struct topic *tp = &q->t[rnd((uint32_t)q->nt)];
	switch (rnd(8)) {
	case 0:
		q->version = (int16_t)(3 + rnd(10));
		break;
	case 1:
		q->acks = (int16_t)((int)rnd(4) - 1);
		blob_free(&q->txid);
		q->txid = rnd(2) ? blob_null() : blob_str("tx-1");
		break;
	case 2: { /* topic name */
		static const char *const names[] = {"orders", "avorders", "strict", "named",
		                                    "shadow", "proto",    "other",  ""};
		blob_free(&tp->name);
		tp->name = blob_str(names[rnd(8)]);
		break;
	}
	case 3: /* add a topic (a copy), or drop one */
		if (q->nt < MAX_TOPICS && rnd(2)) {
			struct topic *n = &q->t[q->nt++];
			*n = *tp;
			n->name = blob_dup(tp->name);
			for (int i = 0; i < tp->np; i++)
				n->p[i] = part_dup(&tp->p[i]);
		} else if (q->nt > 1) {
			int i = (int)(tp - q->t);
			topic_free(tp);
			memmove(&q->t[i], &q->t[i + 1], (size_t)(q->nt - i - 1) * sizeof *tp);
			q->nt--;
		}
		break;
	case 4: /* add a partition (a copy), drop one, or null records */
		if (tp->np == 0) {
			if (tp->np < MAX_PARTS)
				tp->p[tp->np++] = (struct part){.index = 0, .tail = blob_null()};
		} else {
			int i = (int)rnd((uint32_t)tp->np);
			switch (rnd(3)) {
			case 0:
				if (tp->np < MAX_PARTS) {
					tp->p[tp->np] = part_dup(&tp->p[i]);
					tp->p[tp->np++].index = (int32_t)rnd(4);
				}
				break;
			case 1:
				part_free(&tp->p[i]);
				memmove(&tp->p[i], &tp->p[i + 1],
				        (size_t)(tp->np - i - 1) * sizeof tp->p[0]);
				tp->np--;
				break;
			default:
				tp->p[i].null_records ^= 1;
				break;
			}
		}
		break;
	default: { /* add a batch (a copy or a new one), or drop one */
		if (tp->np == 0)
			break;
		struct part *pp = &tp->p[rnd((uint32_t)tp->np)];
		if (pp->nb < MAX_BATCHES && rnd(3)) {
			struct batch *n = &pp->b[pp->nb];
			if (pp->nb > 0 && rnd(2)) {
				*n = batch_dup(&pp->b[rnd((uint32_t)pp->nb)]);
			} else {
				memset(n, 0, sizeof *n);
				n->magic = 2;
				n->tail = n->raw = blob_null();
				n->pid = -1;
				n->epoch = -1;
				n->base_seq = -1;
				n->attrs = (int16_t)rnd(5);
				n->nrec = 1 + (int)rnd(3);
				for (int i = 0; i < n->nrec; i++)
					n->r[i] = new_record(i);
				n->last_delta = n->nrec - 1;
			}
			pp->nb++;
			pp->null_records = 0;
		} else if (pp->nb > 0) {
			int i = (int)rnd((uint32_t)pp->nb);
			batch_free(&pp->b[i]);
			memmove(&pp->b[i], &pp->b[i + 1],
			        (size_t)(pp->nb - i - 1) * sizeof pp->b[0]);
			pp->nb--;
		}
		break;
	}
	}
}

/* The request the mutator starts from when its input is none: v9, one JSON
 * and one Avro topic, each one batch. */
static void default_request(struct req *q)
{
	memset(q, 0, sizeof *q);
	q->version = 9;
	q->client_id = blob_str("fuzz");
	q->txid = blob_null();
	q->acks = -1;
	q->timeout = 30000;
	q->nt = 2;
	q->t[0].name = blob_str("orders");
	q->t[1].name = blob_str("avorders");
	for (int t = 0; t < 2; t++) {
		struct part *pp = &q->t[t].p[0];
		q->t[t].np = 1;
		pp->tail = blob_null();
		pp->nb = 1;
		struct batch *b = &pp->b[0];
		b->magic = 2;
		b->tail = b->raw = blob_null();
		b->pid = -1;
		b->epoch = -1;
		b->base_seq = -1;
		b->nrec = 2;
		b->last_delta = 1;
		for (int i = 0; i < 2; i++) {
			b->r[i].ts_delta = b->r[i].off_delta = i;
			b->r[i].key = blob_null();
			if (t == 0) {
				b->r[i].val = framed(1, json_values[i], strlen(json_values[i]));
			} else {
				rnd_state = (uint32_t)i;
				b->r[i].val = avro_order();
			}
		}
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	struct req q;
	if (!read_request(data, size, &q)) {
		/* Not a request the tree can hold: byte-level, or start anew. */
		if (size > 0 && seed % 4 != 0)
			return LLVMFuzzerMutate(data, size, max_size);
		default_request(&q);
	}
	rnd_state = seed;
	for (int k = 0, n = 1 + (int)rnd(3); k < n; k++) {
		struct batch *b = pick_batch(&q);
		if (b && rnd(4))
			mutate_batch(&q, b);
		else
			mutate_request(&q);
	}
	struct tb out = write_request(&q);
	req_free(&q);
	if (out.len > max_size || out.len > MAX_FRAME) {
		free(out.p);
		return LLVMFuzzerMutate(data, size, max_size);
	}
	memcpy(data, out.p, out.len);
	free(out.p);
	return out.len;
}
