/* gateway/records.c: RecordBatch v2 header, CRC and record iteration. */
#include "gateway/records.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compat/error.h"
#include "gateway/crc32c.h"
#include "gateway/kcompress.h"

/* Offset of the attributes field: the CRC covers from here to the end. */
#define RECORDS_CRC_START 21

__attribute__((format(printf, 3, 4))) static int
records_fail(size_t batch_offset, struct sg_error *err, const char *fmt, ...)
{
	char msg[SG_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return error_set(err, SG_ECORRUPT, "record batch at offset %zu: %s", batch_offset, msg);
}

int records_magic(const void *p, size_t len)
{
	if (!p || len <= RECORDS_MAGIC_OFFSET)
		return -1;
	return (int8_t)((const uint8_t *)p)[RECORDS_MAGIC_OFFSET];
}

int records_batch_parse(struct records_batch *b, struct kreader *r, struct sg_error *err)
{
	struct kreader peek = *r, br;
	size_t at = kreader_offset(r);
	size_t avail = kreader_remaining(r);
	int magic;

	memset(b, 0, sizeof *b);
	b->offset = at;
	if (!kreader_ok(r))
		return kreader_error(r, err, "record batch");
	if (avail <= RECORDS_MAGIC_OFFSET) {
		kreader_fail(r, "truncated record batch");
		return records_fail(at, err, "truncated header (%zu bytes)", avail);
	}
	b->base_offset = kreader_i64(&peek);
	b->batch_length = kreader_i32(&peek);
	magic = records_magic(r->p, avail);
	if (magic == 0 || magic == 1) {
		kreader_fail(r, "legacy message format");
		return records_fail(at, err,
		                    "legacy message format v%d (magic %d) is not supported: "
		                    "RecordBatch v2 (magic 2, Kafka 0.11+) is required",
		                    magic, magic);
	}
	if (magic != 2) {
		kreader_fail(r, "unknown magic");
		return records_fail(at, err, "unknown magic %d", magic);
	}
	if (b->batch_length < RECORDS_BATCH_OVERHEAD - 12) {
		kreader_fail(r, "record batch too short");
		return records_fail(at, err, "batch length %d is below the minimum of %d",
		                    (int)b->batch_length, RECORDS_BATCH_OVERHEAD - 12);
	}
	if ((size_t)b->batch_length > avail - 12) {
		kreader_fail(r, "record batch past the end");
		return records_fail(at, err, "batch length %d is past the end (%zu bytes left)",
		                    (int)b->batch_length, avail - 12);
	}

	kreader_sub(r, 12 + (size_t)b->batch_length, &br);
	b->raw.p = br.p;
	b->raw.len = 12 + b->batch_length;
	kreader_skip(&br, 12);
	b->partition_leader_epoch = kreader_i32(&br);
	b->magic = kreader_i8(&br);
	b->crc = kreader_u32(&br);
	b->attributes = kreader_i16(&br);
	b->last_offset_delta = kreader_i32(&br);
	b->base_timestamp = kreader_i64(&br);
	b->max_timestamp = kreader_i64(&br);
	b->producer_id = kreader_i64(&br);
	b->producer_epoch = kreader_i16(&br);
	b->base_sequence = kreader_i32(&br);
	b->record_count = kreader_i32(&br);
	if (!kreader_ok(&br))
		return kreader_error(&br, err, "record batch");
	b->payload.p = br.p;
	b->payload.len = (int32_t)kreader_remaining(&br);

	{
		uint32_t crc =
		    crc32c(0, b->raw.p + RECORDS_CRC_START, (size_t)b->raw.len - RECORDS_CRC_START);
		if (crc != b->crc) {
			kreader_fail(r, "record batch CRC mismatch");
			return records_fail(at, err,
			                    "CRC mismatch (stored 0x%08x, computed 0x%08x)",
			                    (unsigned)b->crc, (unsigned)crc);
		}
	}
	b->codec = b->attributes & RECORDS_ATTR_CODEC_MASK;
	b->log_append_time = (b->attributes & RECORDS_ATTR_LOG_APPEND_TIME) != 0;
	b->transactional = (b->attributes & RECORDS_ATTR_TRANSACTIONAL) != 0;
	b->control = (b->attributes & RECORDS_ATTR_CONTROL) != 0;
	if (b->codec > KCOMPRESS_ZSTD) {
		kreader_fail(r, "unknown compression codec");
		return records_fail(at, err, "unknown compression codec %d", b->codec);
	}
	if (b->record_count < 0) {
		kreader_fail(r, "negative record count");
		return records_fail(at, err, "negative record count %d", (int)b->record_count);
	}
	return 0;
}

int records_iter_open(struct records_iter *it, const struct records_batch *b, struct kcompress *kc,
                      struct sg_error *err)
{
	const uint8_t *out;
	size_t out_len;

	memset(it, 0, sizeof *it);
	it->batch = b;
	if (b->codec == KCOMPRESS_NONE || (b->record_count == 0 && b->payload.len == 0)) {
		/* Offsets keep counting from the start of the caller's buffer. */
		it->r.p = b->payload.p;
		it->r.end = b->payload.p + b->payload.len;
		it->r.base = b->raw.p - b->offset;
		return 0;
	}
	if (!kc)
		return records_fail(b->offset, err,
		                    "%s-compressed batch given no decompression context",
		                    kcompress_name(b->codec));
	if (kcompress_run(kc, b->codec, b->payload.p, (size_t)b->payload.len, &out, &out_len, err))
		return error_prefix(err, SG_ECORRUPT, "record batch at offset %zu: ", b->offset);
	kreader_init(&it->r, out, out_len);
	it->compressed = 1;
	return 0;
}

/* The failure message for a cursor that failed inside record `index`. */
static int records_read_fail(const struct records_iter *it, const struct kreader *r, int32_t index,
                             struct sg_error *err)
{
	return records_fail(it->batch->offset, err, "record %d: %s at offset %zu%s", (int)index,
	                    r->why, r->at, it->compressed ? " of the decompressed records" : "");
}

int records_iter_next(struct records_iter *it, struct records_record *rec, struct sg_error *err)
{
	const struct records_batch *b = it->batch;
	struct kreader *r = &it->r, rr, field;
	int32_t index = it->index;
	size_t left;

	if (it->done)
		return 0;
	left = kreader_remaining(r);
	if (index == b->record_count) {
		it->done = 1;
		if (left > 0)
			return records_fail(b->offset, err,
			                    "%zu bytes after the last of its %d records", left,
			                    (int)b->record_count);
		return 0;
	}
	if (left == 0) {
		it->done = 1;
		return records_fail(b->offset, err, "batch claims %d records but holds %d",
		                    (int)b->record_count, (int)index);
	}

	/* Every field is set below on success (no memset: a rep stos per
	 * record was a quarter of this function's time). */
	rec->index = index;
	rec->length = kreader_varint(r);
	if (!kreader_ok(r)) {
		it->done = 1;
		return records_read_fail(it, r, index, err);
	}
	if (rec->length < 0 || (size_t)rec->length > kreader_remaining(r)) {
		it->done = 1;
		if (rec->length < 0)
			return records_fail(b->offset, err, "record %d: negative length %d",
			                    (int)index, (int)rec->length);
		return records_fail(
		    b->offset, err,
		    "record %d: length %d is past the end of the batch (%zu bytes left)",
		    (int)index, (int)rec->length, kreader_remaining(r));
	}
	kreader_sub(r, (size_t)rec->length, &rr);
	rec->attributes = kreader_i8(&rr);
	rec->timestamp_delta = kreader_varlong(&rr);
	rec->offset_delta = kreader_varint(&rr);
	rec->key = kreader_varint_bytes(&rr);
	rec->value = kreader_varint_bytes(&rr);
	/* Semantic failures rewind to the field, so the offset points at it. */
	field = rr;
	rec->header_count = kreader_varint(&rr);
	if (kreader_ok(&rr) && rec->header_count < 0)
		rr = field, kreader_fail(&rr, "negative header count");
	if (kreader_ok(&rr) && (size_t)rec->header_count > kreader_remaining(&rr))
		rr = field, kreader_fail(&rr, "header count past the end of the record");
	rec->headers.p = rr.p;
	for (int32_t h = 0; h < rec->header_count && kreader_ok(&rr); h++) {
		struct kslice hk;
		field = rr;
		hk = kreader_varint_bytes(&rr);
		if (kreader_ok(&rr) && hk.len < 0)
			rr = field, kreader_fail(&rr, "null header key");
		(void)kreader_varint_bytes(&rr);
	}
	if (!kreader_ok(&rr)) {
		it->done = 1;
		return records_read_fail(it, &rr, index, err);
	}
	rec->headers.len = (int32_t)(rr.p - rec->headers.p);
	if (kreader_remaining(&rr) > 0) {
		it->done = 1;
		return records_fail(b->offset, err,
		                    "record %d: %zu bytes left over after its fields (length %d)",
		                    (int)index, kreader_remaining(&rr), (int)rec->length);
	}
	rec->timestamp =
	    b->log_append_time
	        ? b->max_timestamp
	        : (int64_t)((uint64_t)b->base_timestamp + (uint64_t)rec->timestamp_delta);
	rec->offset = (int64_t)((uint64_t)b->base_offset + (uint64_t)(int64_t)rec->offset_delta);
	it->index++;
	return 1;
}

int records_header_next(struct kreader *hr, struct kslice *key, struct kslice *value)
{
	if (kreader_remaining(hr) == 0)
		return 0;
	*key = kreader_varint_bytes(hr);
	*value = kreader_varint_bytes(hr);
	return kreader_ok(hr) && key->len >= 0;
}

int records_batch_check(struct kreader *r, struct kcompress *kc, struct sg_error *err)
{
	struct records_batch b;
	struct records_iter it;
	struct records_record rec;
	int rc;

	if (records_batch_parse(&b, r, err) || records_iter_open(&it, &b, kc, err))
		return -1;
	while ((rc = records_iter_next(&it, &rec, err)) == 1)
		;
	return rc < 0 ? -1 : b.record_count;
}
