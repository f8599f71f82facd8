/* gateway/kproduce.c: Produce request parsing and rewriting, response
 * merging and synthesis. */
#include "gateway/kproduce.h"

#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "gateway/kproto.h"
#include "gateway/kwriter.h"

static struct kslice kproduce_span(const uint8_t *from, const struct kreader *r)
{
	struct kslice s = {from, (int32_t)(r->p - from)};
	return s;
}

static int32_t kproduce_array_len(struct kreader *r, int flexible)
{
	return flexible ? kreader_compact_array_len(r) : kreader_array_len(r);
}

static struct kslice kproduce_string(struct kreader *r, int flexible)
{
	return flexible ? kreader_compact_string(r) : kreader_string(r);
}

static void kproduce_tags(struct kreader *r, int flexible)
{
	if (flexible)
		kreader_skip_tags(r);
}

void kproduce_request_free(struct kproduce_request *req)
{
	if (!req)
		return;
	free(req->topics);
	free(req->partitions);
	req->topics = NULL;
	req->partitions = NULL;
	req->ntopics = req->npartitions = 0;
}

int kproduce_request_parse(const uint8_t *frame, size_t len, struct kproduce_request *req,
                           struct sg_error *err)
{
	struct kproto_request h;
	struct kreader r;
	int32_t ntopics;
	size_t cap = 0;
	int fx;

	memset(req, 0, sizeof *req);
	if (kproto_request_parse(frame, len, &h, err) != 0)
		return -1;
	if (h.api_key != KPROTO_PRODUCE)
		return error_set(err, SG_EBAD_REQUEST, "not a Produce request");
	if (h.api_version < KPRODUCE_MIN_VERSION || h.api_version > KPRODUCE_MAX_VERSION)
		return error_set(err, SG_EBAD_REQUEST, "Produce v%d is not handled", h.api_version);
	req->version = h.api_version;
	req->flexible = fx = h.flexible == 1;
	req->correlation_id = h.correlation_id;
	kreader_init(&r, frame, len);
	kreader_skip(&r, h.body_offset);
	(void)kproduce_string(&r, fx); /* transactional_id */
	req->acks = kreader_i16(&r);
	(void)kreader_i32(&r); /* timeout_ms */
	req->head = kproduce_span(frame, &r);
	ntopics = kproduce_array_len(&r, fx);
	if (!kreader_ok(&r))
		goto err_parse;
	if (ntopics < 0)
		ntopics = 0;
	if (ntopics > KPRODUCE_MAX_PARTITIONS) {
		error_set(err, SG_ELIMIT, "Produce request with %d topics", (int)ntopics);
		goto err;
	}
	if (ntopics) {
		req->topics = calloc((size_t)ntopics, sizeof *req->topics);
		if (!req->topics) {
			error_set(err, SG_ENOMEM, "out of memory");
			goto err;
		}
	}
	for (int32_t t = 0; t < ntopics && kreader_ok(&r); t++) {
		struct kproduce_topic *tp = &req->topics[t];
		int32_t np;
		const uint8_t *tags;

		tp->name = kproduce_string(&r, fx);
		np = kproduce_array_len(&r, fx);
		if (!kreader_ok(&r))
			break;
		if (tp->name.len < 0) {
			kreader_fail(&r, "null topic name");
			break;
		}
		if (np < 0)
			np = 0;
		if ((size_t)np > KPRODUCE_MAX_PARTITIONS - req->npartitions) {
			error_set(err, SG_ELIMIT, "Produce request with more than %d partitions",
			          KPRODUCE_MAX_PARTITIONS);
			goto err;
		}
		if (req->npartitions + (size_t)np > cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct kproduce_partition *n;
			while (ncap < req->npartitions + (size_t)np)
				ncap *= 2;
			n = realloc(req->partitions, ncap * sizeof *n);
			if (!n) {
				error_set(err, SG_ENOMEM, "out of memory");
				goto err;
			}
			req->partitions = n;
			cap = ncap;
		}
		tp->first = req->npartitions;
		for (int32_t i = 0; i < np && kreader_ok(&r); i++) {
			struct kproduce_partition *pp = &req->partitions[req->npartitions];
			const uint8_t *start = r.p;
			pp->topic = (size_t)t;
			pp->index = kreader_i32(&r);
			pp->records = fx ? kreader_compact_bytes(&r) : kreader_bytes(&r);
			kproduce_tags(&r, fx);
			pp->raw = kproduce_span(start, &r);
			if (kreader_ok(&r))
				req->npartitions++;
		}
		tp->count = req->npartitions - tp->first;
		tags = r.p;
		kproduce_tags(&r, fx);
		tp->tags = kproduce_span(tags, &r);
		req->ntopics++;
	}
	{
		const uint8_t *tags = r.p;
		kproduce_tags(&r, fx);
		req->tags = kproduce_span(tags, &r);
	}
	if (kreader_ok(&r) && kreader_remaining(&r))
		kreader_fail(&r, "trailing bytes");
	if (!kreader_ok(&r))
		goto err_parse;
	return 0;
err_parse:
	kreader_error(&r, err, "Produce request");
err:
	kproduce_request_free(req);
	return -1;
}

static void kproduce_write_array_len(struct kwriter *w, int flexible, size_t n)
{
	if (flexible)
		kwriter_compact_array_len(w, (int32_t)n);
	else
		kwriter_array_len(w, (int32_t)n);
}

static void kproduce_write_string(struct kwriter *w, int flexible, struct kslice s)
{
	if (flexible)
		kwriter_compact_string(w, s);
	else
		kwriter_string(w, s);
}

static void kproduce_raw(struct kwriter *w, struct kslice s)
{
	if (s.len > 0)
		kwriter_raw(w, s.p, (size_t)s.len);
}

long kproduce_request_rewrite(const struct kproduce_request *req,
                              const struct kproduce_result *results, struct kwriter *out,
                              struct sg_error *err)
{
	size_t ntopics = 0;
	long kept = 0;

	for (size_t t = 0; t < req->ntopics; t++) {
		const struct kproduce_topic *tp = &req->topics[t];
		for (size_t i = 0; i < tp->count; i++)
			if (!results[tp->first + i].rejected) {
				ntopics++;
				break;
			}
	}
	kproduce_raw(out, req->head);
	kproduce_write_array_len(out, req->flexible, ntopics);
	for (size_t t = 0; t < req->ntopics; t++) {
		const struct kproduce_topic *tp = &req->topics[t];
		size_t n = 0;
		for (size_t i = 0; i < tp->count; i++)
			n += !results[tp->first + i].rejected;
		if (!n)
			continue;
		kproduce_write_string(out, req->flexible, tp->name);
		kproduce_write_array_len(out, req->flexible, n);
		for (size_t i = 0; i < tp->count; i++)
			if (!results[tp->first + i].rejected) {
				kproduce_raw(out, req->partitions[tp->first + i].raw);
				kept++;
			}
		kproduce_raw(out, tp->tags);
	}
	kproduce_raw(out, req->tags);
	if (kwriter_error(out, err, "rewritten Produce request") != 0)
		return -1;
	return kept;
}

/* One partition's result written in the layout of `version`. */
static void kproduce_write_rejected(struct kwriter *w, int16_t version, int flexible,
                                    int32_t partition, const struct kproduce_result *res)
{
	kwriter_i32(w, partition);
	kwriter_i16(w, res->error_code);
	kwriter_i64(w, -1); /* base_offset */
	kwriter_i64(w, -1); /* log_append_time_ms */
	if (version >= 5)
		kwriter_i64(w, -1); /* log_start_offset */
	if (version >= 8) {
		kproduce_write_array_len(w, flexible, res->nerrors);
		for (size_t i = 0; i < res->nerrors; i++) {
			kwriter_i32(w, res->errors[i].batch_index);
			kproduce_write_string(w, flexible, kslice_cstr(res->errors[i].message));
			if (flexible)
				kwriter_no_tags(w);
		}
		kproduce_write_string(w, flexible, kslice_cstr(res->message));
	}
	if (flexible)
		kwriter_no_tags(w);
}

/* A partition entry of the broker's response, parsed far enough to copy. */
struct kproduce_answer {
	struct kslice topic;
	int32_t index;
	struct kslice raw;
	int used;
};

static void kproduce_skip_partition(struct kreader *r, int16_t version, int fx)
{
	(void)kreader_i16(r); /* error_code */
	(void)kreader_i64(r); /* base_offset */
	(void)kreader_i64(r); /* log_append_time_ms */
	if (version >= 5)
		(void)kreader_i64(r); /* log_start_offset */
	if (version >= 8) {
		int32_t n = kproduce_array_len(r, fx);
		for (int32_t i = 0; i < n && kreader_ok(r); i++) {
			(void)kreader_i32(r);
			(void)kproduce_string(r, fx);
			kproduce_tags(r, fx);
		}
		(void)kproduce_string(r, fx);
	}
	kproduce_tags(r, fx);
}

int kproduce_response_merge(const struct kproduce_request *req,
                            const struct kproduce_result *results, const uint8_t *frame, size_t len,
                            struct kwriter *out, struct sg_error *err)
{
	struct kreader r;
	struct kproduce_answer *ans = NULL;
	size_t nans = 0;
	int fx = req->flexible;
	int32_t ntopics;
	const uint8_t *rest;
	int rc = -1;

	kreader_init(&r, frame, len);
	(void)kreader_i32(&r); /* correlation id */
	kproduce_tags(&r, fx);
	kproduce_raw(out, kproduce_span(frame, &r));
	ntopics = kproduce_array_len(&r, fx);
	if (!kreader_ok(&r))
		goto err_parse;
	if (ntopics < 0)
		ntopics = 0;
	/* Every answered partition takes at least 22 bytes, so the frame bounds
	 * their number. */
	ans = calloc(len / 16 + 1, sizeof *ans);
	if (!ans) {
		error_set(err, SG_ENOMEM, "out of memory");
		goto done;
	}
	for (int32_t t = 0; t < ntopics && kreader_ok(&r); t++) {
		struct kslice name = kproduce_string(&r, fx);
		int32_t np = kproduce_array_len(&r, fx);
		for (int32_t i = 0; i < np && kreader_ok(&r); i++) {
			const uint8_t *start = r.p;
			int32_t index = kreader_i32(&r);
			kproduce_skip_partition(&r, req->version, fx);
			if (!kreader_ok(&r))
				break;
			if (nans == len / 16 + 1) {
				kreader_fail(&r, "too many partitions");
				break;
			}
			ans[nans].topic = name;
			ans[nans].index = index;
			ans[nans].raw = kproduce_span(start, &r);
			nans++;
		}
		kproduce_tags(&r, fx);
	}
	rest = r.p;
	(void)kreader_i32(&r); /* throttle_time_ms */
	kproduce_tags(&r, fx);
	if (kreader_ok(&r) && kreader_remaining(&r))
		kreader_fail(&r, "trailing bytes");
	if (!kreader_ok(&r))
		goto err_parse;

	kproduce_write_array_len(out, fx, req->ntopics);
	for (size_t t = 0; t < req->ntopics; t++) {
		const struct kproduce_topic *tp = &req->topics[t];
		kproduce_write_string(out, fx, tp->name);
		kproduce_write_array_len(out, fx, tp->count);
		for (size_t i = 0; i < tp->count; i++) {
			const struct kproduce_partition *pp = &req->partitions[tp->first + i];
			const struct kproduce_result *res = &results[tp->first + i];
			size_t k;
			if (res->rejected) {
				kproduce_write_rejected(out, req->version, fx, pp->index, res);
				continue;
			}
			for (k = 0; k < nans; k++)
				if (!ans[k].used && ans[k].index == pp->index &&
				    ans[k].topic.len == tp->name.len &&
				    !memcmp(ans[k].topic.p, tp->name.p, (size_t)tp->name.len))
					break;
			if (k == nans) {
				error_set(err, SG_ECORRUPT,
				          "the broker's Produce response lacks partition %.*s-%d",
				          (int)(tp->name.len > 200 ? 200 : tp->name.len),
				          (const char *)tp->name.p, (int)pp->index);
				goto done;
			}
			ans[k].used = 1;
			kproduce_raw(out, ans[k].raw);
		}
		/* No topic-level tagged field is defined; the broker's are dropped. */
		if (fx)
			kwriter_no_tags(out);
	}
	kproduce_raw(out, kproduce_span(rest, &r));
	if (kwriter_error(out, err, "merged Produce response") != 0)
		goto done;
	rc = 0;
	goto done;
err_parse:
	kreader_error(&r, err, "Produce response");
done:
	free(ans);
	return rc;
}

int kproduce_response_synthesize(const struct kproduce_request *req,
                                 const struct kproduce_result *results, struct kwriter *out,
                                 struct sg_error *err)
{
	int fx = req->flexible;

	kwriter_i32(out, req->correlation_id);
	if (fx)
		kwriter_no_tags(out);
	kproduce_write_array_len(out, fx, req->ntopics);
	for (size_t t = 0; t < req->ntopics; t++) {
		const struct kproduce_topic *tp = &req->topics[t];
		kproduce_write_string(out, fx, tp->name);
		kproduce_write_array_len(out, fx, tp->count);
		for (size_t i = 0; i < tp->count; i++)
			kproduce_write_rejected(out, req->version, fx,
			                        req->partitions[tp->first + i].index,
			                        &results[tp->first + i]);
		if (fx)
			kwriter_no_tags(out);
	}
	kwriter_i32(out, 0); /* throttle_time_ms */
	if (fx)
		kwriter_no_tags(out);
	return kwriter_error(out, err, "Produce response");
}
