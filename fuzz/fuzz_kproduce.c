/* fuzz/fuzz_kproduce.c: the Produce request/response codec of the validating
 * gateway (gateway/kproduce).
 *
 * Input: byte 0 is the rejection pattern (partition i is rejected when bit
 * i % 8 is set), bytes 1-2 the big-endian length N of the request frame,
 * then N bytes of request, then the broker's response frame. Checks:
 *   - a request that parses lists partitions whose raw bytes and records lie
 *     inside the frame;
 *   - the rewritten request parses again, with exactly the kept partitions,
 *     each byte-identical, in order;
 *   - the synthesized answer and a merge never fail for want of room within
 *     a generous limit; a merge with the fuzzed response either succeeds or
 *     sets an error; a merge with a well-formed answer to the rewritten
 *     request (made by the synthesizer) always succeeds and lists every
 *     partition of the original request.
 * Seeds: fuzz/corpus/kproduce/ (requests built as tests/kafka/kvalidate.py
 * builds them, with broker-style answers).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "gateway/kproduce.h"
#include "gateway/kwriter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_LIMIT ((size_t)16 << 20)

static int inside(struct kslice s, const uint8_t *base, size_t len)
{
	if (s.len < 0)
		return s.p == NULL;
	return s.p >= base && (size_t)(s.p - base) + (size_t)s.len <= len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kproduce_request req, again;
	struct kproduce_result *res = NULL, *none = NULL;
	struct kproduce_record_error rerr = {0, "record 0: /amount: not a number"};
	struct kwriter w, syn, merged;
	struct sg_error err;
	const uint8_t *frame, *resp;
	size_t n, resp_len;
	long kept;

	if (size < 3)
		return 0;
	n = (size_t)data[1] << 8 | data[2];
	if (n > size - 3)
		n = size - 3;
	frame = data + 3;
	resp = frame + n;
	resp_len = size - 3 - n;
	error_clear(&err);
	if (kproduce_request_parse(frame, n, &req, &err) != 0) {
		if (!err.code)
			abort();
		return 0;
	}
	res = calloc(req.npartitions + 1, sizeof *res);
	none = calloc(req.npartitions + 1, sizeof *none);
	if (!res || !none)
		abort();
	for (size_t i = 0; i < req.npartitions; i++) {
		const struct kproduce_partition *pp = &req.partitions[i];
		if (!inside(pp->raw, frame, n) || !inside(pp->records, frame, n) ||
		    pp->topic >= req.ntopics)
			abort();
		if (data[0] >> (i % 8) & 1) {
			res[i].rejected = 1;
			res[i].error_code = 87;
			res[i].message = i % 2 ? NULL : "bad";
			res[i].errors = &rerr;
			res[i].nerrors = i % 3 ? 1 : 0;
		}
	}

	kwriter_init(&w, FUZZ_LIMIT);
	kept = kproduce_request_rewrite(&req, res, &w, &err);
	if (kept < 0)
		abort();
	if (kproduce_request_parse(w.buf, w.len, &again, &err) != 0)
		abort();
	if (again.npartitions != (size_t)kept || again.version != req.version)
		abort();
	for (size_t i = 0, k = 0; i < req.npartitions; i++) {
		if (res[i].rejected)
			continue;
		if (again.partitions[k].raw.len != req.partitions[i].raw.len ||
		    memcmp(again.partitions[k].raw.p, req.partitions[i].raw.p,
		           (size_t)req.partitions[i].raw.len) != 0)
			abort();
		k++;
	}

	/* The broker's well-formed answer to the rewritten request. */
	for (size_t i = 0; i < again.npartitions; i++)
		none[i].rejected = 1; /* error_code 0: "accepted" in the synthesizer's layout */
	kwriter_init(&syn, FUZZ_LIMIT);
	if (kproduce_response_synthesize(&again, none, &syn, &err) != 0)
		abort();
	kwriter_init(&merged, FUZZ_LIMIT);
	if (kproduce_response_merge(&req, res, syn.buf, syn.len, &merged, &err) != 0)
		abort();
	kwriter_free(&merged);

	/* The fuzzed response: success or a clear error. */
	kwriter_init(&merged, FUZZ_LIMIT);
	error_clear(&err);
	if (kproduce_response_merge(&req, res, resp, resp_len, &merged, &err) != 0 && !err.code)
		abort();
	kwriter_free(&merged);

	kwriter_free(&syn);
	kwriter_free(&w);
	kproduce_request_free(&again);
	kproduce_request_free(&req);
	free(res);
	free(none);
	return 0;
}
