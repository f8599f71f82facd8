/* tests/unit/test_kcompress.c: bounded decompression of every Kafka codec.
 *
 * Inputs are made here with each codec's own library (zlib, snappy, LZ4F,
 * zstd); the xerial snappy framing the Java client writes is built by hand.
 * Then: round trips, the exact limit, every truncation, corrupt bytes, and
 * 1 GiB decompression bombs in each codec, which must fail at the limit,
 * quickly and within bounded memory (checked in a child process).
 */
#include "gateway/kcompress.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "compat/error.h"
#include "tests/tap.h"

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void buf_be32(struct buf *b, uint32_t v)
{
	uint8_t q[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	buf_add(b, q, 4);
}

/* ---- compressors (the libraries' own APIs) ---- */

/* gzip (windowBits 15+16) or zlib (15) of `n` bytes, fed in one go or, with
 * `zeros` set, as `n` zero bytes in 1 MiB pieces. */
static struct buf deflate_data(const uint8_t *p, size_t n, int gzip, int zeros)
{
	static uint8_t zbuf[1 << 20];
	struct buf b = {0};
	z_stream zs;
	uint8_t out[1 << 16];
	size_t left = n;
	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, zeros ? 1 : 6, Z_DEFLATED, gzip ? 15 + 16 : 15, 8,
	                 Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	for (;;) {
		size_t piece = left > sizeof zbuf ? sizeof zbuf : left;
		int flush = piece == left ? Z_FINISH : Z_NO_FLUSH;
		zs.next_in = (Bytef *)(zeros ? zbuf : p + (n - left));
		zs.avail_in = (uInt)piece;
		left -= piece;
		do {
			zs.next_out = out;
			zs.avail_out = sizeof out;
			deflate(&zs, flush);
			buf_add(&b, out, sizeof out - zs.avail_out);
		} while (zs.avail_out == 0);
		if (flush == Z_FINISH)
			break;
	}
	deflateEnd(&zs);
	return b;
}

static struct buf snappy_raw(const uint8_t *p, size_t n)
{
	struct buf b = {0};
	size_t cap = snappy_max_compressed_length(n);
	b.p = malloc(cap ? cap : 1);
	b.cap = cap;
	b.len = cap;
	if (snappy_compress((const char *)p, n, (char *)b.p, &b.len) != SNAPPY_OK)
		abort();
	return b;
}

/* The xerial framing: magic, version 1, compatible 1, blocks of `block`
 * bytes each compressed as a raw snappy block behind an int32 length. */
static struct buf snappy_xerial(const uint8_t *p, size_t n, size_t block)
{
	static const uint8_t magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
	struct buf b = {0};
	buf_add(&b, magic, 8);
	buf_be32(&b, 1);
	buf_be32(&b, 1);
	for (size_t off = 0; off < n; off += block) {
		size_t piece = n - off < block ? n - off : block;
		struct buf c = snappy_raw(p + off, piece);
		buf_be32(&b, (uint32_t)c.len);
		buf_add(&b, c.p, c.len);
		free(c.p);
	}
	return b;
}

static struct buf lz4_frame(const uint8_t *p, size_t n, int declare_size, int checksums)
{
	struct buf b = {0};
	LZ4F_preferences_t prefs;
	size_t cap, rc;
	memset(&prefs, 0, sizeof prefs);
	prefs.frameInfo.contentSize = declare_size ? n : 0;
	prefs.frameInfo.blockMode = LZ4F_blockIndependent;
	if (checksums) {
		prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
		prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
	}
	cap = LZ4F_compressFrameBound(n, &prefs);
	b.p = malloc(cap);
	rc = LZ4F_compressFrame(b.p, cap, p, n, &prefs);
	if (LZ4F_isError(rc))
		abort();
	b.len = rc;
	b.cap = cap;
	return b;
}

/* An LZ4 frame of `n` zero bytes, compressed 1 MiB at a time. */
static struct buf lz4_zeros(size_t n)
{
	static uint8_t zbuf[1 << 20];
	struct buf b = {0};
	LZ4F_cctx *c;
	LZ4F_preferences_t prefs;
	size_t rc, cap;
	uint8_t *out;
	memset(&prefs, 0, sizeof prefs);
	prefs.frameInfo.blockSizeID = LZ4F_max4MB;
	cap = LZ4F_compressBound(sizeof zbuf, &prefs);
	out = malloc(cap);
	LZ4F_createCompressionContext(&c, LZ4F_VERSION);
	rc = LZ4F_compressBegin(c, out, cap, &prefs);
	buf_add(&b, out, rc);
	for (size_t left = n; left > 0; left -= sizeof zbuf) {
		rc = LZ4F_compressUpdate(c, out, cap, zbuf, sizeof zbuf, NULL);
		if (LZ4F_isError(rc))
			abort();
		buf_add(&b, out, rc);
	}
	rc = LZ4F_compressEnd(c, out, cap, NULL);
	buf_add(&b, out, rc);
	LZ4F_freeCompressionContext(c);
	free(out);
	return b;
}

/* zstd of `n` bytes (or `n` zeros) through the streaming API; `pledge`
 * writes the content size into the frame header. */
static struct buf zstd_stream(const uint8_t *p, size_t n, int zeros, int pledge)
{
	static uint8_t zbuf[1 << 20];
	static uint8_t out[1 << 17];
	struct buf b = {0};
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t left = n;
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
	if (pledge)
		ZSTD_CCtx_setPledgedSrcSize(c, n);
	for (;;) {
		size_t piece = left > sizeof zbuf ? sizeof zbuf : left;
		ZSTD_EndDirective end = piece == left ? ZSTD_e_end : ZSTD_e_continue;
		ZSTD_inBuffer ib = {zeros ? zbuf : p + (n - left), piece, 0};
		size_t rc;
		left -= piece;
		do {
			ZSTD_outBuffer ob = {out, sizeof out, 0};
			rc = ZSTD_compressStream2(c, &ob, &ib, end);
			if (ZSTD_isError(rc))
				abort();
			buf_add(&b, out, ob.pos);
		} while (end == ZSTD_e_end ? rc != 0 : ib.pos < ib.size);
		if (end == ZSTD_e_end)
			break;
	}
	ZSTD_freeCCtx(c);
	return b;
}

/* ---- helpers ---- */

static uint8_t *payload(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	uint32_t x = 88172645u;
	for (size_t i = 0; i < n; i++) {
		if ((i / 512) % 2) {
			p[i] = (uint8_t)("{\"order_id\":42,\"amount\":9.5}"[i % 28]);
		} else {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			p[i] = (uint8_t)x;
		}
	}
	return p;
}

/* Decompresses and compares; reports one TAP line. */
static void roundtrip(struct kcompress *kc, int codec, const struct buf *c, const uint8_t *want,
                      size_t n, const char *name)
{
	const uint8_t *out;
	size_t out_len;
	struct sg_error e;
	int rc;
	error_clear(&e);
	rc = kcompress_run(kc, codec, c->p, c->len, &out, &out_len, &e);
	if (!tap_ok(rc == 0 && out_len == n && (n == 0 || memcmp(out, want, n) == 0),
	            "%s: %zu bytes round-trip", name, n))
		tap_diag("rc %d len %zu: %s", rc, out_len, e.msg);
}

static int expect_fail(struct kcompress *kc, int codec, const void *p, size_t n, int code,
                       struct sg_error *e)
{
	const uint8_t *out;
	size_t out_len;
	error_clear(e);
	return kcompress_run(kc, codec, p, n, &out, &out_len, e) == -1 && e->code == code &&
	       out == NULL;
}

/* ---- tests ---- */

static void test_roundtrips(void)
{
	static const size_t sizes[] = {0, 1, 100, 70000, 3u << 20};
	struct kcompress *kc = kcompress_new(8u << 20);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		uint8_t *p = payload(n);
		struct buf c;
		char name[64];

		c = deflate_data(p, n, 1, 0);
		roundtrip(kc, KCOMPRESS_GZIP, &c, p, n, "gzip");
		free(c.p);
		c = deflate_data(p, n, 0, 0);
		roundtrip(kc, KCOMPRESS_GZIP, &c, p, n, "gzip codec given a zlib stream");
		free(c.p);
		c = snappy_raw(p, n);
		roundtrip(kc, KCOMPRESS_SNAPPY, &c, p, n, "snappy raw block");
		free(c.p);
		c = snappy_xerial(p, n, 32768);
		roundtrip(kc, KCOMPRESS_SNAPPY, &c, p, n, "snappy xerial, 32 KiB blocks");
		free(c.p);
		c = lz4_frame(p, n, 0, 0);
		roundtrip(kc, KCOMPRESS_LZ4, &c, p, n, "lz4 frame");
		free(c.p);
		c = lz4_frame(p, n, 1, 1);
		roundtrip(kc, KCOMPRESS_LZ4, &c, p, n, "lz4 frame with size and checksums");
		free(c.p);
		c = zstd_stream(p, n, 0, 0);
		roundtrip(kc, KCOMPRESS_ZSTD, &c, p, n, "zstd streamed, size unknown");
		free(c.p);
		c = zstd_stream(p, n, 0, 1);
		snprintf(name, sizeof name, "zstd with content size");
		roundtrip(kc, KCOMPRESS_ZSTD, &c, p, n, name);
		free(c.p);
		free(p);
	}
	kcompress_free(kc);
}

static void test_multi(void)
{
	struct kcompress *kc = kcompress_new(1u << 20);
	uint8_t *p = payload(5000);
	struct buf a, b, all = {0};
	const uint8_t *out;
	size_t out_len;
	struct sg_error e;

	a = deflate_data(p, 2000, 1, 0);
	b = deflate_data(p + 2000, 3000, 1, 0);
	buf_add(&all, a.p, a.len);
	buf_add(&all, b.p, b.len);
	roundtrip(kc, KCOMPRESS_GZIP, &all, p, 5000, "gzip, two concatenated members");
	free(a.p), free(b.p), all.len = 0;

	a = lz4_frame(p, 2000, 1, 0);
	b = lz4_frame(p + 2000, 3000, 0, 1);
	buf_add(&all, a.p, a.len);
	buf_add(&all, b.p, b.len);
	roundtrip(kc, KCOMPRESS_LZ4, &all, p, 5000, "lz4, two frames");
	free(a.p), free(b.p), all.len = 0;

	a = zstd_stream(p, 2000, 0, 1);
	b = zstd_stream(p + 2000, 3000, 0, 1);
	buf_add(&all, a.p, a.len);
	buf_add(&all, b.p, b.len);
	roundtrip(kc, KCOMPRESS_ZSTD, &all, p, 5000, "zstd, two frames with sizes");
	free(a.p), free(b.p), all.len = 0;

	/* A raw snappy block of nothing: just the preamble 0. */
	{
		static const uint8_t empty_block[1] = {0};
		struct buf eb = {(uint8_t *)empty_block, 1, 1};
		roundtrip(kc, KCOMPRESS_SNAPPY, &eb, p, 0, "snappy raw block of 0 bytes");
	}

	/* An empty xerial stream (header only) and one with an empty block. */
	a = snappy_xerial(p, 0, 100);
	roundtrip(kc, KCOMPRESS_SNAPPY, &a, p, 0, "snappy xerial, header only");
	buf_be32(&a, 0);
	roundtrip(kc, KCOMPRESS_SNAPPY, &a, p, 0, "snappy xerial, a zero-length block");
	free(a.p);

	error_clear(&e);
	tap_ok(kcompress_run(kc, KCOMPRESS_NONE, p, 10, &out, &out_len, &e) == 0 && out == p &&
	           out_len == 10,
	       "codec none hands back the input");
	tap_ok(expect_fail(kc, 5, p, 10, SG_ECORRUPT, &e), "codec 5 fails as corrupt");
	tap_is_str(e.msg, "unknown compression codec 5", "message names the codec");
	tap_is_str(kcompress_name(KCOMPRESS_ZSTD), "zstd", "kcompress_name(4) is zstd");
	free(all.p);
	free(p);
	kcompress_free(kc);
}

/* A payload of exactly `limit` bytes decompresses; one byte more fails. */
static void test_exact_limit(void)
{
	enum { LIMIT = 100000 };
	struct kcompress *kc = kcompress_new(LIMIT);
	uint8_t *p = payload(LIMIT + 1);
	struct sg_error e;
	struct {
		const char *name;
		int codec;
		struct buf at, over;
	} c[] = {
	    {"gzip", KCOMPRESS_GZIP, deflate_data(p, LIMIT, 1, 0),
	     deflate_data(p, LIMIT + 1, 1, 0)},
	    {"snappy raw", KCOMPRESS_SNAPPY, snappy_raw(p, LIMIT), snappy_raw(p, LIMIT + 1)},
	    {"snappy xerial", KCOMPRESS_SNAPPY, snappy_xerial(p, LIMIT, 30000),
	     snappy_xerial(p, LIMIT + 1, 30000)},
	    {"lz4", KCOMPRESS_LZ4, lz4_frame(p, LIMIT, 0, 0), lz4_frame(p, LIMIT + 1, 0, 0)},
	    {"lz4 with size", KCOMPRESS_LZ4, lz4_frame(p, LIMIT, 1, 0),
	     lz4_frame(p, LIMIT + 1, 1, 0)},
	    {"zstd", KCOMPRESS_ZSTD, zstd_stream(p, LIMIT, 0, 0), zstd_stream(p, LIMIT + 1, 0, 0)},
	    {"zstd with size", KCOMPRESS_ZSTD, zstd_stream(p, LIMIT, 0, 1),
	     zstd_stream(p, LIMIT + 1, 0, 1)},
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		roundtrip(kc, c[i].codec, &c[i].at, p, LIMIT, c[i].name);
		tap_ok(expect_fail(kc, c[i].codec, c[i].over.p, c[i].over.len, SG_ELIMIT, &e),
		       "%s: limit + 1 bytes fails with SG_ELIMIT", c[i].name);
		if (i == 0)
			tap_ok(strstr(e.msg, "exceeds the limit of 100000 bytes") != NULL,
			       "message states the limit: %s", e.msg);
		free(c[i].at.p);
		free(c[i].over.p);
	}
	free(p);
	kcompress_free(kc);
}

/* Every proper prefix of a stream fails cleanly (xerial: every cut inside a
 * block, since a cut between blocks is a shorter valid stream). */
static void test_truncation(void)
{
	struct kcompress *kc = kcompress_new(1u << 20);
	uint8_t *p = payload(3000);
	struct sg_error e;
	struct {
		const char *name;
		int codec;
		struct buf b;
	} c[] = {
	    {"gzip", KCOMPRESS_GZIP, deflate_data(p, 3000, 1, 0)},
	    {"snappy raw", KCOMPRESS_SNAPPY, snappy_raw(p, 3000)},
	    {"lz4", KCOMPRESS_LZ4, lz4_frame(p, 3000, 0, 1)},
	    {"zstd", KCOMPRESS_ZSTD, zstd_stream(p, 3000, 0, 0)},
	    {"zstd with size", KCOMPRESS_ZSTD, zstd_stream(p, 3000, 0, 1)},
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		int all = 1;
		for (size_t cut = 0; cut < c[i].b.len; cut++)
			all &= expect_fail(kc, c[i].codec, c[i].b.p, cut, SG_ECORRUPT, &e);
		tap_ok(all, "%s: all %zu truncations fail as corrupt", c[i].name, c[i].b.len);
		free(c[i].b.p);
	}
	{
		struct buf x = snappy_xerial(p, 3000, 1000);
		int all = 1;
		size_t block_end[3], at = 16;
		for (int k = 0; k < 3; k++) {
			uint32_t n = (uint32_t)x.p[at] << 24 | (uint32_t)x.p[at + 1] << 16 |
			             (uint32_t)x.p[at + 2] << 8 | x.p[at + 3];
			at += 4 + n;
			block_end[k] = at;
		}
		for (size_t cut = 0; cut < x.len; cut++) {
			if (cut == 16 || cut == block_end[0] || cut == block_end[1])
				continue;
			all &= expect_fail(kc, KCOMPRESS_SNAPPY, x.p, cut, SG_ECORRUPT, &e);
		}
		tap_ok(all, "snappy xerial: every cut inside the header or a block fails");
		tap_ok(expect_fail(kc, KCOMPRESS_SNAPPY, x.p, 20, SG_ECORRUPT, &e) &&
		           strstr(e.msg, "xerial block 0") != NULL,
		       "message names the block: %s", e.msg);
		x.p[16] = 0x80; /* block length negative */
		tap_ok(expect_fail(kc, KCOMPRESS_SNAPPY, x.p, x.len, SG_ECORRUPT, &e) &&
		           strstr(e.msg, "negative length") != NULL,
		       "xerial negative block length: %s", e.msg);
		x.p[16] = 0;
		x.p[11] = 0; /* version 0 */
		tap_ok(expect_fail(kc, KCOMPRESS_SNAPPY, x.p, x.len, SG_ECORRUPT, &e),
		       "xerial version 0 fails: %s", e.msg);
		free(x.p);
	}
	free(p);
	kcompress_free(kc);
}

/* Flipping bytes never crashes (ASan watches) and never returns more than
 * the limit; for gzip and checksummed lz4 every flip of the body is caught. */
static void test_corruption(void)
{
	struct kcompress *kc = kcompress_new(4000);
	uint8_t *p = payload(3000);
	struct sg_error e;
	struct buf g = deflate_data(p, 3000, 1, 0);
	struct buf l = lz4_frame(p, 3000, 0, 1);
	struct buf s = snappy_raw(p, 3000);
	struct buf z = zstd_stream(p, 3000, 0, 1);
	const uint8_t *out;
	size_t out_len;
	int caught = 1, bounded = 1;

	for (size_t i = 10; i < g.len; i++) {
		g.p[i] ^= 0x41;
		caught &= kcompress_run(kc, KCOMPRESS_GZIP, g.p, g.len, &out, &out_len, &e) == -1;
		g.p[i] ^= 0x41;
	}
	tap_ok(caught, "gzip: every flipped body byte is caught");
	caught = 1;
	for (size_t i = 7; i < l.len; i++) {
		l.p[i] ^= 0x10;
		caught &= kcompress_run(kc, KCOMPRESS_LZ4, l.p, l.len, &out, &out_len, &e) == -1;
		l.p[i] ^= 0x10;
	}
	tap_ok(caught, "lz4 with checksums: every flipped byte is caught");
	for (size_t i = 0; i < s.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			s.p[i] ^= (uint8_t)(1 << bit);
			if (kcompress_run(kc, KCOMPRESS_SNAPPY, s.p, s.len, &out, &out_len, &e) ==
			    0)
				bounded &= out_len <= 4000;
			s.p[i] ^= (uint8_t)(1 << bit);
		}
	}
	for (size_t i = 0; i < z.len; i++) {
		z.p[i] ^= 0x55;
		if (kcompress_run(kc, KCOMPRESS_ZSTD, z.p, z.len, &out, &out_len, &e) == 0)
			bounded &= out_len <= 4000;
		z.p[i] ^= 0x55;
	}
	tap_ok(bounded, "snappy and zstd with flipped bits: no crash, output within the limit");
	free(g.p), free(l.p), free(s.p), free(z.p), free(p);
	kcompress_free(kc);
}

/* ---- bombs ---- */

#define GIB        (1ull << 30)
#define BOMB_LIMIT (64u << 20)

/* ASan quarantines freed blocks (every doubling of the output buffer stays
 * resident) and adds shadow memory, so the RSS bound is looser under it. */
#if defined(__SANITIZE_ADDRESS__)
#define BOMB_RSS_FACTOR 4
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BOMB_RSS_FACTOR 4
#endif
#endif
#ifndef BOMB_RSS_FACTOR
#define BOMB_RSS_FACTOR 1
#endif

static long maxrss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A raw snappy block that declares `claim` bytes and then copies 64 bytes at
 * a time from 1 byte back, enough ops for `real` bytes. */
static struct buf snappy_handmade(uint64_t claim, uint64_t real)
{
	struct buf b = {0};
	uint8_t v[10];
	size_t n = 0;
	static const uint8_t lit[2] = {0x00, 0x00}; /* literal of length 1: a zero byte */
	static const uint8_t copy[3] = {(63 << 2) | 2, 0x01, 0x00}; /* copy 64 bytes, offset 1 */
	while (claim >= 0x80) {
		v[n++] = (uint8_t)(claim | 0x80);
		claim >>= 7;
	}
	v[n++] = (uint8_t)claim;
	buf_add(&b, v, n);
	buf_add(&b, lit, 2);
	for (uint64_t made = 1; made + 64 <= real; made += 64)
		buf_add(&b, copy, 3);
	return b;
}

/* Runs one bomb in a child so its peak memory can be measured alone. The
 * child exits 0 when decompression failed with `code` within 20 s and the
 * peak RSS grew by less than the limit plus 48 MiB (x4 under ASan). */
static void bomb(const char *name, int codec, struct buf (*make)(void), int code)
{
	pid_t pid = fork();
	int status = 0;
	if (pid == 0) {
		struct buf b = make();
		struct kcompress *kc = kcompress_new(BOMB_LIMIT);
		const uint8_t *out;
		size_t out_len;
		struct sg_error e;
		long before = maxrss_kib(), grew;
		double t0 = now(), dt;
		int rc;
		error_clear(&e);
		rc = kcompress_run(kc, codec, b.p, b.len, &out, &out_len, &e);
		dt = now() - t0;
		grew = maxrss_kib() - before;
		printf("# %s: %zu compressed bytes, rc %d, %.3f s, peak RSS +%ld KiB: %s\n", name,
		       b.len, rc, dt, grew, e.msg);
		fflush(stdout);
		_exit(rc == -1 && e.code == code && dt < 20 &&
		              grew < BOMB_RSS_FACTOR * ((long)(BOMB_LIMIT / 1024) + 48 * 1024)
		          ? 0
		          : 1);
	}
	waitpid(pid, &status, 0);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "%s: bomb fails with %s under a %u MiB limit, quickly, memory bounded", name,
	       error_name(code), BOMB_LIMIT >> 20);
}

static struct buf bomb_gzip(void)
{
	return deflate_data(NULL, GIB, 1, 1);
}
static struct buf bomb_lz4(void)
{
	return lz4_zeros(GIB);
}
static struct buf bomb_zstd(void)
{
	return zstd_stream(NULL, GIB, 1, 0);
}
static struct buf bomb_zstd_sized(void)
{
	return zstd_stream(NULL, GIB, 1, 1);
}
static struct buf bomb_snappy_raw(void)
{
	return snappy_handmade(GIB, 1u << 20);
}
static struct buf bomb_snappy_liar(void)
{
	return snappy_handmade(1000, 1u << 20);
}

static struct buf bomb_snappy_xerial(void)
{
	uint8_t *z = calloc(1, 1u << 20);
	struct buf one = snappy_raw(z, 1u << 20);
	struct buf b = snappy_xerial(z, 0, 1);
	for (int i = 0; i < 1024; i++) {
		buf_be32(&b, (uint32_t)one.len);
		buf_add(&b, one.p, one.len);
	}
	free(z);
	free(one.p);
	return b;
}

static void test_bombs(void)
{
	bomb("gzip", KCOMPRESS_GZIP, bomb_gzip, SG_ELIMIT);
	bomb("lz4", KCOMPRESS_LZ4, bomb_lz4, SG_ELIMIT);
	bomb("zstd streamed", KCOMPRESS_ZSTD, bomb_zstd, SG_ELIMIT);
	bomb("zstd with declared size", KCOMPRESS_ZSTD, bomb_zstd_sized, SG_ELIMIT);
	bomb("snappy xerial, 1024 blocks of 1 MiB", KCOMPRESS_SNAPPY, bomb_snappy_xerial,
	     SG_ELIMIT);
	bomb("snappy raw block declaring 1 GiB", KCOMPRESS_SNAPPY, bomb_snappy_raw, SG_ELIMIT);
	bomb("snappy raw block declaring 1000 bytes", KCOMPRESS_SNAPPY, bomb_snappy_liar,
	     SG_ECORRUPT);
}

int main(void)
{
	test_roundtrips();
	test_multi();
	test_exact_limit();
	test_truncation();
	test_corruption();
	test_bombs();
	return tap_done();
}
