/* gateway/records.h: Kafka RecordBatch v2 parsing, without allocation.
 *
 * Layouts follow apache/kafka DefaultRecordBatch.java and DefaultRecord.java:
 *
 *   RecordBatch: baseOffset int64, batchLength int32 (bytes after this field),
 *     partitionLeaderEpoch int32, magic int8 (= 2), crc uint32 (CRC-32C of
 *     everything from attributes to the end of the batch), attributes int16,
 *     lastOffsetDelta int32, baseTimestamp int64, maxTimestamp int64,
 *     producerId int64, producerEpoch int16, baseSequence int32,
 *     recordCount int32, then the records (compressed as one block when the
 *     codec bits are set).
 *   Record: length varint, attributes int8, timestampDelta varlong,
 *     offsetDelta varint, key (varint length, -1 = null), value (same),
 *     headerCount varint, then headers: key (varint length, never null),
 *     value (varint length, -1 = null).
 *
 * Magic 0 and 1 (the legacy MessageSet) share the offset and size prefix and
 * keep the magic byte at the same place; they are recognised and refused with
 * a message saying so, never parsed.
 *
 * Use:
 *     struct records_batch b;  struct records_iter it;  struct records_record rec;
 *     if (records_batch_parse(&b, &r, &err)) ...;          // header + CRC
 *     if (records_iter_open(&it, &b, kc, &err)) ...;       // decompresses if needed
 *     while ((rc = records_iter_next(&it, &rec, &err)) == 1) { use rec.key, rec.value }
 *     if (rc < 0) ...;                                     // 0 = all records read
 *
 * Agreement with the broker: like Kafka's own iterator, the record count must
 * match the records exactly and nothing may follow the last one, in
 * decompressed data too. So whenever the broker and this parser both accept a
 * batch they see the same records. Where this parser is stricter (a key or
 * value length below -1, garbage after the last gzip member, an lz4 payload
 * of several frames) the batch is refused with a clear error.
 *
 * Ownership: every slice handed out is borrowed, either from the caller's
 * buffer (uncompressed batches) or from the kcompress context (compressed
 * ones), and stays valid while those do: for a compressed batch, until the
 * next kcompress_run() on that context. Nothing here allocates, per batch or
 * per record. Errors are SG_ECORRUPT with what and where (byte offsets count
 * from the start of the caller's buffer, or of the decompressed records).
 */
#ifndef SG_RECORDS_H
#define SG_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/kreader.h"

struct sg_error;
struct kcompress;

/* Bytes from baseOffset through recordCount: the smallest possible batch. */
#define RECORDS_BATCH_OVERHEAD 61
/* Bytes before the magic byte (baseOffset, length, leader epoch / legacy crc). */
#define RECORDS_MAGIC_OFFSET 16

/* Attribute bits (int16 attributes of the batch). */
#define RECORDS_ATTR_CODEC_MASK      0x07 /* enum kcompress_codec */
#define RECORDS_ATTR_LOG_APPEND_TIME 0x08 /* timestamps are the broker's */
#define RECORDS_ATTR_TRANSACTIONAL   0x10
#define RECORDS_ATTR_CONTROL         0x20 /* records are transaction markers */
#define RECORDS_ATTR_DELETE_HORIZON  0x40 /* baseTimestamp holds a delete horizon */

struct records_batch {
	int64_t base_offset;
	int32_t batch_length; /* bytes after the length field */
	int32_t partition_leader_epoch;
	int8_t magic; /* always 2 after a successful parse */
	uint32_t crc; /* as stored (and verified) */
	int16_t attributes;
	int32_t last_offset_delta;
	int64_t base_timestamp;
	int64_t max_timestamp;
	int64_t producer_id;
	int16_t producer_epoch;
	int32_t base_sequence;
	int32_t record_count;

	/* Decoded from attributes. */
	int codec;           /* enum kcompress_codec, 0..4 */
	int log_append_time; /* 0 = CreateTime, 1 = LogAppendTime */
	int transactional;
	int control;

	struct kslice raw;     /* the whole batch, baseOffset to the end */
	struct kslice payload; /* the records section as stored (maybe compressed) */
	size_t offset;         /* where the batch starts in the caller's buffer */
};

struct records_record {
	int32_t index;  /* 0-based position in the batch */
	int32_t length; /* the record's length field */
	int8_t attributes;
	int64_t timestamp_delta;
	int32_t offset_delta;
	int64_t timestamp;   /* baseTimestamp + delta, or maxTimestamp for LogAppendTime */
	int64_t offset;      /* baseOffset + offsetDelta */
	struct kslice key;   /* len -1 = null */
	struct kslice value; /* len -1 = null (a tombstone) */
	int32_t header_count;
	struct kslice headers; /* the encoded headers; walk with records_header_next() */
};

struct records_iter {
	const struct records_batch *batch;
	struct kreader r; /* over the (decompressed) records */
	int32_t index;
	int compressed; /* 1 when r reads decompressed bytes */
	int done;
};

/* Returns the magic byte of the batch or legacy message at `p`, or -1 when
 * fewer than 17 bytes are there. Does not validate anything else. */
int records_magic(const void *p, size_t len);

/* Parses one batch header at the cursor and advances past the whole batch.
 * Checks: batchLength within bounds and the cursor, magic 2 (a legacy 0/1
 * gets a message naming the old format), the CRC-32C, a known codec and a
 * non-negative record count. Records are not read yet. Returns 0, or -1 with
 * SG_ECORRUPT in `err` (the cursor is then failed too). */
int records_batch_parse(struct records_batch *b, struct kreader *r, struct sg_error *err);

/* Prepares to walk the records of `b`. A compressed batch is decompressed
 * into `kc` (which bounds its size; SG_ELIMIT past it); `kc` may be NULL for
 * uncompressed batches. Returns 0 or -1 with `err` set. */
int records_iter_open(struct records_iter *it, const struct records_batch *b, struct kcompress *kc,
                      struct sg_error *err);

/* Reads the next record into `rec`: returns 1 with a record, 0 when all
 * recordCount records were read and no bytes remain, -1 with SG_ECORRUPT
 * (truncated or malformed record, headers past the record, a record whose
 * fields do not fill its length exactly, fewer or more records than the
 * count). Headers are fully validated here. */
int records_iter_next(struct records_iter *it, struct records_record *rec, struct sg_error *err);

/* Walks the headers of a record that records_iter_next() returned. Start
 * with kreader_init(hr, rec->headers.p, rec->headers.len) and call until it
 * returns 0; each call returns 1 with a header key (never null) and value
 * (len -1 = null). */
int records_header_next(struct kreader *hr, struct kslice *key, struct kslice *value);

/* Parses and walks an entire batch and all its records: a full structural
 * check. Returns the record count, or -1 with `err` set. */
int records_batch_check(struct kreader *r, struct kcompress *kc, struct sg_error *err);

#endif
