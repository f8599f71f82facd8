/* gateway/kcompress.c: bounded gzip, snappy, lz4 and zstd decompression. */
#include "gateway/kcompress.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "compat/error.h"
#include "gateway/kreader.h"

/* Output buffers larger than this are freed at the start of the next call
 * rather than kept, so one big batch does not pin memory for a connection. */
#define KCOMPRESS_KEEP  (1u << 20)
#define KCOMPRESS_FIRST (16u << 10)
/* zstd's own default cap on the window (ZSTD_WINDOWLOG_LIMIT_DEFAULT, 128 MiB). */
#define KCOMPRESS_ZSTD_WINDOW_LOG_MAX 27

struct kcompress {
	size_t limit;
	uint8_t *buf; /* output; cap is at most limit + 1 so a bomb shows itself */
	size_t len, cap;
	z_stream zs;
	int zs_ready;
	LZ4F_dctx *lz4;
	ZSTD_DCtx *zstd;
};

static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

const char *kcompress_name(int codec)
{
	switch (codec) {
	case KCOMPRESS_NONE:
		return "none";
	case KCOMPRESS_GZIP:
		return "gzip";
	case KCOMPRESS_SNAPPY:
		return "snappy";
	case KCOMPRESS_LZ4:
		return "lz4";
	case KCOMPRESS_ZSTD:
		return "zstd";
	default:
		return "unknown";
	}
}

struct kcompress *kcompress_new(size_t limit)
{
	struct kcompress *kc = calloc(1, sizeof *kc);
	if (!kc)
		return NULL;
	kc->limit = limit < SIZE_MAX ? limit : SIZE_MAX - 1;
	return kc;
}

void kcompress_free(struct kcompress *kc)
{
	if (!kc)
		return;
	if (kc->zs_ready)
		inflateEnd(&kc->zs);
	LZ4F_freeDecompressionContext(kc->lz4);
	ZSTD_freeDCtx(kc->zstd);
	free(kc->buf);
	free(kc);
}

static int kcompress_too_big(struct kcompress *kc, const char *codec, struct sg_error *err)
{
	return error_set(err, SG_ELIMIT, "%s: decompressed size exceeds the limit of %zu bytes",
	                 codec, kc->limit);
}

/* Makes room for `want` bytes of output in total, growing by doubling.
 * `want` is clamped to limit + 1: callers that know an exact size check it
 * against the limit first. Returns 0, or -1 with err set when out of memory. */
static int kcompress_reserve(struct kcompress *kc, size_t want, const char *codec,
                             struct sg_error *err)
{
	size_t cap;
	uint8_t *nb;
	if (want > kc->limit + 1)
		want = kc->limit + 1;
	if (want <= kc->cap)
		return 0;
	cap = kc->cap ? kc->cap : KCOMPRESS_FIRST;
	while (cap < want)
		cap = cap > (kc->limit + 1) / 2 ? kc->limit + 1 : cap * 2;
	if (cap > kc->limit + 1)
		cap = kc->limit + 1;
	nb = realloc(kc->buf, cap);
	if (!nb)
		return error_set(err, SG_ENOMEM, "%s: out of memory for %zu bytes", codec, cap);
	kc->buf = nb;
	kc->cap = cap;
	return 0;
}

/* Makes sure there is free space after len for a streaming decoder, doubling
 * the buffer when full. The buffer never exceeds limit + 1 bytes, so a decoder
 * that fills it has passed the limit: that fails here. */
static int kcompress_room(struct kcompress *kc, const char *codec, struct sg_error *err)
{
	if (kc->len > kc->limit)
		return kcompress_too_big(kc, codec, err);
	if (kc->len < kc->cap)
		return 0;
	return kcompress_reserve(kc, kc->len + 1, codec, err);
}

static int kcompress_gzip(struct kcompress *kc, const uint8_t *in, size_t len, struct sg_error *err)
{
	z_stream *zs = &kc->zs;
	int rc;
	if (!kc->zs_ready) {
		memset(zs, 0, sizeof *zs);
		/* 15 window bits, +32: accept a gzip or a zlib header. */
		if (inflateInit2(zs, 15 + 32) != Z_OK)
			return error_set(err, SG_ENOMEM, "gzip: cannot start the decoder");
		kc->zs_ready = 1;
	} else if (inflateReset(zs) != Z_OK) {
		return error_set(err, SG_EINTERNAL, "gzip: cannot reset the decoder");
	}
	zs->next_in = (Bytef *)in;
	zs->avail_in = 0;
	if (kcompress_reserve(kc, len > SIZE_MAX / 4 ? SIZE_MAX : len * 4, "gzip", err))
		return -1;
	for (;;) {
		size_t in_left = len - (size_t)(zs->next_in - in);
		size_t room;
		if (zs->avail_in == 0)
			zs->avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
		if (kcompress_room(kc, "gzip", err))
			return -1;
		room = kc->cap - kc->len;
		zs->next_out = kc->buf + kc->len;
		zs->avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
		rc = inflate(zs, Z_NO_FLUSH);
		kc->len += (size_t)(zs->next_out - (kc->buf + kc->len));
		if (rc == Z_STREAM_END) {
			if ((size_t)(zs->next_in - in) == len)
				break;
			/* Another gzip member follows. */
			if (inflateReset(zs) != Z_OK)
				return error_set(err, SG_EINTERNAL,
				                 "gzip: cannot reset the decoder");
			continue;
		}
		if (rc == Z_BUF_ERROR) {
			if (zs->avail_out > 0)
				return error_set(err, SG_ECORRUPT, "gzip: truncated stream");
			continue;
		}
		if (rc == Z_MEM_ERROR)
			return error_set(err, SG_ENOMEM, "gzip: out of memory");
		if (rc != Z_OK)
			return error_set(err, SG_ECORRUPT, "gzip: corrupt data (%s)",
			                 zs->msg ? zs->msg : "bad stream");
		if (zs->avail_in == 0 && (size_t)(zs->next_in - in) == len && zs->avail_out > 0)
			return error_set(err, SG_ECORRUPT, "gzip: truncated stream");
	}
	if (kc->len > kc->limit)
		return kcompress_too_big(kc, "gzip", err);
	return 0;
}

/* Appends one raw snappy block to the output. */
static int kcompress_snappy_block(struct kcompress *kc, const uint8_t *in, size_t len,
                                  const char *what, struct sg_error *err)
{
	size_t n;
	if (snappy_uncompressed_length((const char *)in, len, &n) != SNAPPY_OK)
		return error_set(err, SG_ECORRUPT, "snappy: %s: bad length preamble", what);
	if (n > kc->limit || kc->len + n > kc->limit)
		return kcompress_too_big(kc, "snappy", err);
	if (kcompress_reserve(kc, kc->len + n ? kc->len + n : 1, "snappy", err))
		return -1;
	if (snappy_uncompress((const char *)in, len, (char *)kc->buf + kc->len, &n) != SNAPPY_OK)
		return error_set(err, SG_ECORRUPT, "snappy: %s: corrupt data", what);
	kc->len += n;
	return 0;
}

static int kcompress_snappy(struct kcompress *kc, const uint8_t *in, size_t len,
                            struct sg_error *err)
{
	struct kreader r;
	char what[48];
	int32_t version, compat;
	uint32_t block = 0;

	if (len < sizeof xerial_magic || memcmp(in, xerial_magic, sizeof xerial_magic) != 0)
		return kcompress_snappy_block(kc, in, len, "raw block", err);

	kreader_init(&r, in, len);
	kreader_skip(&r, sizeof xerial_magic);
	version = kreader_i32(&r);
	compat = kreader_i32(&r);
	if (!kreader_ok(&r))
		return error_set(err, SG_ECORRUPT, "snappy: truncated xerial header");
	if (version < 1 || compat < 1)
		return error_set(err, SG_ECORRUPT,
		                 "snappy: xerial header with version %d, compatible version %d",
		                 (int)version, (int)compat);
	while (kreader_remaining(&r) > 0) {
		size_t at = kreader_offset(&r);
		int32_t n = kreader_i32(&r);
		const uint8_t *p;
		if (!kreader_ok(&r))
			return error_set(err, SG_ECORRUPT,
			                 "snappy: xerial block %u: truncated length at offset %zu",
			                 (unsigned)block, at);
		if (n < 0)
			return error_set(
			    err, SG_ECORRUPT,
			    "snappy: xerial block %u: negative length %d at offset %zu",
			    (unsigned)block, (int)n, at);
		p = kreader_take(&r, (size_t)n);
		if (!p)
			return error_set(
			    err, SG_ECORRUPT,
			    "snappy: xerial block %u: length %d at offset %zu is past the end",
			    (unsigned)block, (int)n, at);
		snprintf(what, sizeof what, "xerial block %u", (unsigned)block);
		if (n > 0 && kcompress_snappy_block(kc, p, (size_t)n, what, err))
			return -1;
		block++;
	}
	return 0;
}

static int kcompress_lz4_error(size_t rc, struct sg_error *err)
{
	return error_set(err, SG_ECORRUPT, "lz4: %s", LZ4F_getErrorName(rc));
}

static int kcompress_lz4(struct kcompress *kc, const uint8_t *in, size_t len, struct sg_error *err)
{
	size_t off = 0, rc;
	LZ4F_frameInfo_t info;
	size_t hdr;

	if (!kc->lz4) {
		if (LZ4F_isError(LZ4F_createDecompressionContext(&kc->lz4, LZ4F_VERSION)))
			return error_set(err, SG_ENOMEM, "lz4: cannot start the decoder");
	} else {
		LZ4F_resetDecompressionContext(kc->lz4);
	}
	/* A frame that declares its size is refused before any work. */
	hdr = len;
	rc = LZ4F_getFrameInfo(kc->lz4, &info, in, &hdr);
	if (LZ4F_isError(rc))
		return kcompress_lz4_error(rc, err);
	if (info.contentSize > kc->limit)
		return kcompress_too_big(kc, "lz4", err);
	off = hdr;
	if (kcompress_reserve(kc, info.contentSize ? (size_t)info.contentSize : KCOMPRESS_FIRST,
	                      "lz4", err))
		return -1;
	for (;;) {
		size_t dst, src;
		if (kcompress_room(kc, "lz4", err))
			return -1;
		dst = kc->cap - kc->len;
		src = len - off;
		rc = LZ4F_decompress(kc->lz4, kc->buf + kc->len, &dst, in + off, &src, NULL);
		if (LZ4F_isError(rc))
			return kcompress_lz4_error(rc, err);
		kc->len += dst;
		off += src;
		if (rc == 0) {
			/* End of a frame; the context is ready for another one. */
			if (off == len)
				break;
			continue;
		}
		if (src == 0 && dst == 0)
			return error_set(err, SG_ECORRUPT, "lz4: truncated frame");
	}
	if (kc->len > kc->limit)
		return kcompress_too_big(kc, "lz4", err);
	return 0;
}

/* The zstd window we accept: max(limit, 8 MiB), at most zstd's default cap. */
static int kcompress_zstd_window_log(size_t limit)
{
	int log = 23;
	while (log < KCOMPRESS_ZSTD_WINDOW_LOG_MAX && ((size_t)1 << log) < limit)
		log++;
	return log;
}

static int kcompress_zstd_error(size_t rc, struct sg_error *err)
{
	if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge)
		return error_set(err, SG_ELIMIT, "zstd: the frame's window is larger than allowed");
	if (ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation)
		return error_set(err, SG_ENOMEM, "zstd: out of memory");
	return error_set(err, SG_ECORRUPT, "zstd: %s", ZSTD_getErrorName(rc));
}

static int kcompress_zstd(struct kcompress *kc, const uint8_t *in, size_t len, struct sg_error *err)
{
	unsigned long long size;
	ZSTD_inBuffer ib = {in, len, 0};
	size_t rc;

	if (!kc->zstd) {
		kc->zstd = ZSTD_createDCtx();
		if (!kc->zstd)
			return error_set(err, SG_ENOMEM, "zstd: cannot start the decoder");
		rc = ZSTD_DCtx_setParameter(kc->zstd, ZSTD_d_windowLogMax,
		                            kcompress_zstd_window_log(kc->limit));
		if (ZSTD_isError(rc))
			return kcompress_zstd_error(rc, err);
	} else {
		ZSTD_DCtx_reset(kc->zstd, ZSTD_reset_session_only);
	}

	/* One frame that declares its size: check it, then decode in one shot
	 * straight into a buffer of that size (no window buffer needed). */
	size = ZSTD_getFrameContentSize(in, len);
	if (size != ZSTD_CONTENTSIZE_UNKNOWN && size != ZSTD_CONTENTSIZE_ERROR) {
		if (size > kc->limit)
			return kcompress_too_big(kc, "zstd", err);
		if (ZSTD_findFrameCompressedSize(in, len) == len) {
			if (kcompress_reserve(kc, size ? (size_t)size : 1, "zstd", err))
				return -1;
			rc = ZSTD_decompressDCtx(kc->zstd, kc->buf, (size_t)size, in, len);
			if (ZSTD_isError(rc))
				return kcompress_zstd_error(rc, err);
			if (rc != size)
				return error_set(err, SG_ECORRUPT, "zstd: frame size mismatch");
			kc->len = (size_t)size;
			return 0;
		}
	}

	if (kcompress_reserve(kc, KCOMPRESS_FIRST, "zstd", err))
		return -1;
	for (;;) {
		ZSTD_outBuffer ob;
		size_t before = ib.pos;
		if (kcompress_room(kc, "zstd", err))
			return -1;
		ob.dst = kc->buf + kc->len;
		ob.size = kc->cap - kc->len;
		ob.pos = 0;
		rc = ZSTD_decompressStream(kc->zstd, &ob, &ib);
		if (ZSTD_isError(rc))
			return kcompress_zstd_error(rc, err);
		kc->len += ob.pos;
		if (rc == 0 && ib.pos == ib.size)
			break;
		if (ib.pos == ib.size && ob.pos < ob.size && rc != 0)
			return error_set(err, SG_ECORRUPT, "zstd: truncated frame");
		if (ib.pos == before && ob.pos == 0 && ob.size > 0)
			return error_set(err, SG_ECORRUPT, "zstd: no progress");
	}
	if (kc->len > kc->limit)
		return kcompress_too_big(kc, "zstd", err);
	return 0;
}

int kcompress_run(struct kcompress *kc, int codec, const void *in, size_t len, const uint8_t **out,
                  size_t *out_len, struct sg_error *err)
{
	int rc;

	*out = NULL;
	*out_len = 0;
	if (kc->cap > KCOMPRESS_KEEP) {
		free(kc->buf);
		kc->buf = NULL;
		kc->cap = 0;
	}
	kc->len = 0;
	if (!in && len)
		return error_set(err, SG_EINTERNAL, "kcompress: NULL input");

	switch (codec) {
	case KCOMPRESS_NONE:
		if (len > kc->limit)
			return kcompress_too_big(kc, "none", err);
		*out = in;
		*out_len = len;
		return 0;
	case KCOMPRESS_GZIP:
		rc = kcompress_gzip(kc, in, len, err);
		break;
	case KCOMPRESS_SNAPPY:
		rc = kcompress_snappy(kc, in, len, err);
		break;
	case KCOMPRESS_LZ4:
		rc = kcompress_lz4(kc, in, len, err);
		break;
	case KCOMPRESS_ZSTD:
		rc = kcompress_zstd(kc, in, len, err);
		break;
	default:
		return error_set(err, SG_ECORRUPT, "unknown compression codec %d", codec);
	}
	if (rc)
		return -1;
	*out = kc->buf ? kc->buf : (const uint8_t *)"";
	*out_len = kc->len;
	return 0;
}
