/* tests/unit/test_kproduce.c: the Produce codec of the validating gateway
 * (gateway/kproduce) on frames built here, byte for byte: a classic (v7) and
 * a flexible (v9) request with two topics and three partitions, the request
 * rewritten without a rejected partition, the broker's answer merged back in
 * request order, the answer synthesized when all are rejected, and bad input
 * (truncation, trailing bytes, a version out of range, a broker answer that
 * lacks a partition). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "gateway/kproduce.h"
#include "gateway/kreader.h"
#include "gateway/kwriter.h"
#include "tests/tap.h"

/* Writes a Produce request: orders [0: "A", 1: "B"], pay [2: null]. */
static void build_request(struct kwriter *w, int v, int16_t acks)
{
	int fx = v >= 9;
	kwriter_i16(w, 0);
	kwriter_i16(w, (int16_t)v);
	kwriter_i32(w, 42);
	kwriter_string(w, kslice_cstr("cli"));
	if (fx)
		kwriter_no_tags(w);
	if (fx) {
		kwriter_compact_string(w, kslice_cstr("tx"));
	} else {
		kwriter_string(w, kslice_cstr("tx"));
	}
	kwriter_i16(w, acks);
	kwriter_i32(w, 1000);
#define ARR(n)   (fx ? kwriter_compact_array_len(w, n) : kwriter_array_len(w, n))
#define STR(s)   (fx ? kwriter_compact_string(w, kslice_cstr(s)) : kwriter_string(w, kslice_cstr(s)))
#define BYTES(s) (fx ? kwriter_compact_bytes(w, kslice_cstr(s)) : kwriter_bytes(w, kslice_cstr(s)))
	ARR(2);
	STR("orders");
	ARR(2);
	kwriter_i32(w, 0);
	BYTES("A");
	if (fx)
		kwriter_no_tags(w);
	kwriter_i32(w, 1);
	BYTES("B");
	if (fx)
		kwriter_no_tags(w);
	if (fx)
		kwriter_no_tags(w);
	STR("pay");
	ARR(1);
	kwriter_i32(w, 2);
	BYTES(NULL);
	if (fx)
		kwriter_no_tags(w);
	if (fx)
		kwriter_no_tags(w);
	if (fx)
		kwriter_no_tags(w);
}

/* One partition result as a broker writes it (error 0, offset `off`). */
static void answer_partition(struct kwriter *w, int v, int32_t p, int64_t off)
{
	int fx = v >= 9;
	kwriter_i32(w, p);
	kwriter_i16(w, 0);
	kwriter_i64(w, off);
	kwriter_i64(w, -1);
	kwriter_i64(w, 0);
	if (v >= 8) {
		ARR(0);
		STR(NULL);
	}
	if (fx)
		kwriter_no_tags(w);
}

static void check_version(int v)
{
	int fx = v >= 9;
	struct kwriter rq, out, resp, merged, want;
	struct kproduce_request req, again;
	struct kproduce_result res[3];
	struct kproduce_record_error rerr = {0, "record 0: /amount: bad"};
	struct sg_error err;

	kwriter_init(&rq, 4096);
	build_request(&rq, v, -1);
	error_clear(&err);
	tap_ok(kproduce_request_parse(rq.buf, rq.len, &req, &err) == 0,
	       "v%d: the request parses (%s)", v, err.msg);
	tap_ok(req.ntopics == 2 && req.npartitions == 3 && req.acks == -1 &&
	           req.correlation_id == 42 && req.flexible == fx,
	       "v%d: 2 topics, 3 partitions, acks -1, correlation 42", v);
	tap_ok(req.partitions[0].records.len == 1 && req.partitions[0].records.p[0] == 'A' &&
	           req.partitions[1].index == 1 && req.partitions[2].records.len == -1 &&
	           req.partitions[2].topic == 1,
	       "v%d: each partition's records and topic", v);

	memset(res, 0, sizeof res);
	res[1].rejected = 1;
	res[1].error_code = 87;
	res[1].message = "record 0: /amount: bad";
	res[1].errors = &rerr;
	res[1].nerrors = 1;
	kwriter_init(&out, 4096);
	tap_ok(kproduce_request_rewrite(&req, res, &out, &err) == 2,
	       "v%d: the rewrite keeps 2 partitions", v);
	tap_ok(kproduce_request_parse(out.buf, out.len, &again, &err) == 0 &&
	           again.npartitions == 2 && again.partitions[0].index == 0 &&
	           again.partitions[1].index == 2 && again.ntopics == 2 &&
	           again.topics[0].count == 1,
	       "v%d: the rewritten request parses: orders [0], pay [2]", v);
	tap_ok(out.len == rq.len - (size_t)req.partitions[1].raw.len,
	       "v%d: it is the original less exactly the rejected partition's bytes", v);
	kproduce_request_free(&again);

	/* The broker answers the rewritten request: orders [0], pay [2]. */
	kwriter_init(&resp, 4096);
	{
		struct kwriter *w = &resp;
		kwriter_i32(w, 42);
		if (fx)
			kwriter_no_tags(w);
		ARR(2);
		STR("orders");
		ARR(1);
		answer_partition(w, v, 0, 100);
		if (fx)
			kwriter_no_tags(w);
		STR("pay");
		ARR(1);
		answer_partition(w, v, 2, 7);
		if (fx)
			kwriter_no_tags(w);
		kwriter_i32(w, 5); /* throttle */
		if (fx)
			kwriter_no_tags(w);
	}
	kwriter_init(&merged, 4096);
	tap_ok(kproduce_response_merge(&req, res, resp.buf, resp.len, &merged, &err) == 0,
	       "v%d: the broker's answer merges (%s)", v, err.msg);
	/* What the client must get. */
	kwriter_init(&want, 4096);
	{
		struct kwriter *w = &want;
		kwriter_i32(w, 42);
		if (fx)
			kwriter_no_tags(w);
		ARR(2);
		STR("orders");
		ARR(2);
		answer_partition(w, v, 0, 100);
		kwriter_i32(w, 1);
		kwriter_i16(w, 87);
		kwriter_i64(w, -1);
		kwriter_i64(w, -1);
		kwriter_i64(w, -1);
		if (v >= 8) {
			ARR(1);
			kwriter_i32(w, 0);
			STR("record 0: /amount: bad");
			if (fx)
				kwriter_no_tags(w);
			STR("record 0: /amount: bad");
		}
		if (fx)
			kwriter_no_tags(w);
		if (fx)
			kwriter_no_tags(w);
		STR("pay");
		ARR(1);
		answer_partition(w, v, 2, 7);
		if (fx)
			kwriter_no_tags(w);
		kwriter_i32(w, 5);
		if (fx)
			kwriter_no_tags(w);
	}
	tap_ok(merged.len == want.len && !memcmp(merged.buf, want.buf, want.len),
	       "v%d: the merged answer is byte-exact: partitions in request order, throttle kept",
	       v);

	/* A broker answer that lacks a kept partition is an error. */
	kwriter_reset(&merged);
	error_clear(&err);
	res[2].rejected = 0;
	res[0].rejected = 0;
	{
		struct kproduce_result r2[3] = {{0}, {0}, {0}};
		tap_ok(kproduce_response_merge(&req, r2, resp.buf, resp.len, &merged, &err) == -1 &&
		           strstr(err.msg, "orders-1") != NULL,
		       "v%d: an answer lacking partition orders-1 fails: %s", v, err.msg);
	}
	error_clear(&err);
	tap_ok(kproduce_response_merge(&req, res, resp.buf, resp.len - 1, &merged, &err) == -1 &&
	           err.code == SG_ECORRUPT,
	       "v%d: a truncated broker answer fails: %s", v, err.msg);

	/* All rejected: the whole answer is made here. */
	for (int i = 0; i < 3; i++)
		res[i] = res[1];
	kwriter_reset(&merged);
	tap_ok(kproduce_response_synthesize(&req, res, &merged, &err) == 0, "v%d: synthesized", v);
	{
		struct kreader r;
		int ok = 1;
		kreader_init(&r, merged.buf, merged.len);
		ok &= kreader_i32(&r) == 42;
		if (fx)
			kreader_skip_tags(&r);
		ok &= (fx ? kreader_compact_array_len(&r) : kreader_array_len(&r)) == 2;
		tap_ok(ok && kreader_ok(&r),
		       "v%d: the synthesized answer starts with correlation 42 and 2 topics", v);
	}
	kwriter_reset(&out);
	tap_ok(kproduce_request_rewrite(&req, res, &out, &err) == 0,
	       "v%d: a rewrite keeping nothing keeps 0", v);

	/* Bad input. */
	error_clear(&err);
	tap_ok(kproduce_request_parse(rq.buf, rq.len - 1, &again, &err) == -1 &&
	           err.code == SG_ECORRUPT,
	       "v%d: a truncated request: %s", v, err.msg);
	kwriter_u32(&rq, 0);
	error_clear(&err);
	tap_ok(kproduce_request_parse(rq.buf, rq.len, &again, &err) == -1 &&
	           strstr(err.msg, "trailing"),
	       "v%d: trailing bytes: %s", v, err.msg);
	kproduce_request_free(&req);
	kwriter_free(&rq);
	kwriter_free(&out);
	kwriter_free(&resp);
	kwriter_free(&merged);
	kwriter_free(&want);
}

int main(void)
{
	struct kwriter rq;
	struct kproduce_request req;
	struct sg_error err;

	check_version(7);
	check_version(8);
	check_version(9);
	check_version(12);
	kwriter_init(&rq, 4096);
	build_request(&rq, 2, 1);
	error_clear(&err);
	tap_ok(kproduce_request_parse(rq.buf, rq.len, &req, &err) == -1 &&
	           err.code == SG_EBAD_REQUEST,
	       "Produce v2 is refused: %s", err.msg);
	kwriter_free(&rq);
	return tap_done();
}
