/* fuzz/fuzz_records.c: RecordBatch parsing, including decompression.
 *
 * The first input byte picks a mode; the rest is the data:
 *   0: the data as a buffer of batches, parsed as is (the CRC guards most);
 *   1: the data as one batch whose length and CRC are patched to match, so
 *      the header checks pass and the records (in any codec) are reached;
 *   2: the data handed straight to kcompress_run() with codec (byte >> 2) % 5;
 *   3: the data as uncompressed records, compressed here with codec
 *      (byte >> 2) % 5 and wrapped in a valid batch whose record count comes
 *      from the data: the record parser runs on decompressed bytes.
 * Decompression is bounded at 1 MiB. Nothing may crash, leak or hang.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "compat/error.h"
#include "gateway/crc32c.h"
#include "gateway/kcompress.h"
#include "gateway/records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kcompress *kc;

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
	p[3] = (uint8_t)v;
}

/* Walks every batch and record in buf, touching every slice. */
static void walk(const uint8_t *buf, size_t len)
{
	struct kreader r;
	struct sg_error e;
	kreader_init(&r, buf, len);
	while (kreader_remaining(&r) > 0) {
		struct records_batch b;
		struct records_iter it;
		struct records_record rec;
		unsigned sum = 0;
		int rc;
		error_clear(&e);
		if (records_batch_parse(&b, &r, &e) || records_iter_open(&it, &b, kc, &e)) {
			if (e.code == SG_OK)
				abort();
			return;
		}
		while ((rc = records_iter_next(&it, &rec, &e)) == 1) {
			struct kreader hr;
			struct kslice k, v;
			int n = 0;
			if (rec.key.len > 0)
				sum += rec.key.p[0] + rec.key.p[rec.key.len - 1];
			if (rec.value.len > 0)
				sum += rec.value.p[0] + rec.value.p[rec.value.len - 1];
			kreader_init(&hr, rec.headers.p, (size_t)rec.headers.len);
			while (records_header_next(&hr, &k, &v)) {
				if (k.len > 0)
					sum += k.p[k.len - 1];
				if (v.len > 0)
					sum += v.p[v.len - 1];
				n++;
			}
			if (n != rec.header_count || !kreader_ok(&hr))
				abort(); /* headers were validated by records_iter_next */
		}
		if (rc < 0 && e.code == SG_OK)
			abort();
		if (rc == 0 && it.index != b.record_count)
			abort();
		(void)sum;
		if (rc < 0)
			return;
	}
}

/* Mode 1: patch length, magic and CRC of a copy. */
static void fixed_batch(const uint8_t *data, size_t size)
{
	uint8_t *b;
	if (size < RECORDS_BATCH_OVERHEAD || size > (1u << 24))
		return;
	b = malloc(size);
	memcpy(b, data, size);
	put32(b + 8, (uint32_t)(size - 12));
	b[16] = 2;
	put32(b + 17, crc32c(0, b + 21, size - 21));
	walk(b, size);
	free(b);
}

static size_t compress_with(int codec, const uint8_t *in, size_t n, uint8_t **out)
{
	size_t cap, len = 0;
	switch (codec) {
	case KCOMPRESS_GZIP: {
		z_stream zs;
		memset(&zs, 0, sizeof zs);
		cap = compressBound((uLong)n) + 32;
		*out = malloc(cap);
		deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
		zs.next_in = (Bytef *)in;
		zs.avail_in = (uInt)n;
		zs.next_out = *out;
		zs.avail_out = (uInt)cap;
		deflate(&zs, Z_FINISH);
		len = cap - zs.avail_out;
		deflateEnd(&zs);
		return len;
	}
	case KCOMPRESS_SNAPPY:
		cap = snappy_max_compressed_length(n);
		*out = malloc(cap + 1);
		len = cap;
		snappy_compress((const char *)in, n, (char *)*out, &len);
		return len;
	case KCOMPRESS_LZ4:
		cap = LZ4F_compressFrameBound(n, NULL);
		*out = malloc(cap);
		len = LZ4F_compressFrame(*out, cap, in, n, NULL);
		return LZ4F_isError(len) ? 0 : len;
	case KCOMPRESS_ZSTD:
		cap = ZSTD_compressBound(n);
		*out = malloc(cap);
		len = ZSTD_compress(*out, cap, in, n, 1);
		return ZSTD_isError(len) ? 0 : len;
	default:
		*out = malloc(n + 1);
		memcpy(*out, in, n);
		return n;
	}
}

/* Mode 3: wrap compressed records in a valid batch. */
static void wrapped(int codec, const uint8_t *data, size_t size)
{
	uint8_t *c, *b;
	size_t clen;
	if (size < 4 || size > (1u << 20))
		return;
	clen = compress_with(codec, data + 4, size - 4, &c);
	b = calloc(1, RECORDS_BATCH_OVERHEAD + clen);
	memcpy(b + RECORDS_BATCH_OVERHEAD, c, clen);
	put32(b + 8, (uint32_t)(RECORDS_BATCH_OVERHEAD - 12 + clen));
	b[16] = 2;
	b[22] = (uint8_t)codec;
	memcpy(b + 57, data, 4); /* record count, below 2^24 */
	b[57] = 0;
	put32(b + 17, crc32c(0, b + 21, RECORDS_BATCH_OVERHEAD - 21 + clen));
	walk(b, RECORDS_BATCH_OVERHEAD + clen);
	free(b);
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mode, codec;
	if (!kc)
		kc = kcompress_new(1u << 20);
	if (size < 1)
		return 0;
	mode = data[0] & 3;
	codec = (data[0] >> 2) % 5;
	data++, size--;
	switch (mode) {
	case 0:
		walk(data, size);
		break;
	case 1:
		fixed_batch(data, size);
		break;
	case 2: {
		const uint8_t *out;
		size_t out_len;
		struct sg_error e;
		error_clear(&e);
		if (kcompress_run(kc, codec, data, size, &out, &out_len, &e) == 0) {
			if (out_len > (1u << 20) || (out_len && !out))
				abort();
			if (out_len)
				(void)crc32c(0, out, out_len);
		} else if (e.code == SG_OK) {
			abort();
		}
		break;
	}
	case 3:
		wrapped(codec, data, size);
		break;
	}
	return 0;
}
