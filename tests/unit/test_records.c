/* tests/unit/test_records.c: RecordBatch v2 parsing.
 *
 * Two sources of batches:
 *   - data cases, tests/cases/records/<case>/{batch.bin,expect}: real batches
 *     librdkafka wrote with each codec (captured by capture.c in that folder),
 *     a Java-style xerial snappy batch and legacy v0/v1 messages. Each batch is
 *     rendered as text and compared with `expect`, written from the records
 *     as produced;
 *   - batches built here by a small independent encoder (its own varints and
 *     a bit-at-a-time CRC-32C), then broken in every way the parser must
 *     refuse, each with its exact message.
 */
#include "gateway/records.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "compat/error.h"
#include "gateway/kcompress.h"
#include "tests/tap.h"

/* ---- rendering, in the format capture.c writes ---- */

struct text {
	char *p;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (t->p && (size_t)n < t->cap - t->len)
			break;
		t->cap = (t->cap + (size_t)n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		if (!t->p)
			abort();
	}
	t->len += (size_t)n;
}

static void text_field(struct text *t, struct kslice s)
{
	int printable = s.len <= 64;
	if (s.len < 0) {
		text_add(t, "null");
		return;
	}
	for (int i = 0; i < s.len && printable; i++)
		printable = s.p[i] >= 0x20 && s.p[i] < 0x7f && s.p[i] != '"' && s.p[i] != '\\';
	if (printable)
		text_add(t, "\"%.*s\"", (int)s.len, (const char *)s.p);
	else
		text_add(t, "<%d bytes crc32 0x%08lx>", (int)s.len, crc32(0, s.p, (uInt)s.len));
}

/* Parses every batch in `buf` and renders it; an error ends the text. */
static void render(const uint8_t *buf, size_t len, struct kcompress *kc, struct text *t)
{
	struct kreader r;
	struct sg_error e;
	int nb = 0;

	error_clear(&e);
	kreader_init(&r, buf, len);
	while (kreader_remaining(&r) > 0) {
		struct records_batch b;
		struct records_iter it;
		struct records_record rec;
		int rc;
		if (records_batch_parse(&b, &r, &e) || records_iter_open(&it, &b, kc, &e))
			goto fail;
		text_add(t, "batch %d codec %s records %d idempotent %d\n", nb++,
		         kcompress_name(b.codec), (int)b.record_count, b.producer_id >= 0);
		while ((rc = records_iter_next(&it, &rec, &e)) == 1) {
			struct kreader hr;
			struct kslice hk, hv;
			text_add(t, "record %d offset %lld timestamp %lld key ", (int)rec.index,
			         (long long)rec.offset, (long long)rec.timestamp);
			text_field(t, rec.key);
			text_add(t, " value ");
			text_field(t, rec.value);
			text_add(t, " headers %d", (int)rec.header_count);
			kreader_init(&hr, rec.headers.p, (size_t)rec.headers.len);
			while (records_header_next(&hr, &hk, &hv)) {
				text_add(t, " ");
				text_field(t, hk);
				text_add(t, ":");
				text_field(t, hv);
			}
			text_add(t, "\n");
		}
		if (rc < 0)
			goto fail;
	}
	text_add(t, "end\n");
	return;
fail:
	text_add(t, "error %s %s\n", error_name(e.code), e.msg);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;
	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p && fread(p, 1, (size_t)n, f) == (size_t)n) {
			p[n] = 0;
			*len = (size_t)n;
		} else {
			free(p);
			p = NULL;
		}
	}
	fclose(f);
	return p;
}

static int case_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_data_cases(struct kcompress *kc)
{
	const char *src = getenv("SG_SRCDIR");
	char dir[1024];
	DIR *d;
	struct dirent *de;
	char *names[64];
	int n = 0;

	snprintf(dir, sizeof dir, "%s/tests/cases/records", src ? src : ".");
	d = opendir(dir);
	if (!tap_ok(d != NULL, "open %s", dir))
		return;
	while ((de = readdir(d)) && n < 64)
		if (de->d_name[0] != '.' && !strchr(de->d_name, '.'))
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], case_cmp);
	tap_ok(n >= 10, "found %d record cases", n);
	for (int i = 0; i < n; i++) {
		char path[1100];
		size_t blen, elen;
		uint8_t *bin, *want;
		struct text got = {0};
		snprintf(path, sizeof path, "%s/%s/batch.bin", dir, names[i]);
		bin = slurp(path, &blen);
		snprintf(path, sizeof path, "%s/%s/expect", dir, names[i]);
		want = slurp(path, &elen);
		if (!bin || !want) {
			tap_ok(0, "%s: batch.bin and expect readable", names[i]);
		} else {
			render(bin, blen, kc, &got);
			if (!tap_ok(got.len == elen && memcmp(got.p, want, elen) == 0, "case %s",
			            names[i])) {
				tap_diag("got:\n%s", got.p);
				tap_diag("want:\n%s", (char *)want);
			}
		}
		free(got.p);
		free(bin);
		free(want);
		free(names[i]);
	}
}

/* ---- an independent encoder ---- */

struct enc {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct enc *e, const void *p, size_t n)
{
	if (e->len + n > e->cap) {
		e->cap = (e->len + n) * 2 + 64;
		e->p = realloc(e->p, e->cap);
		if (!e->p)
			abort();
	}
	if (n)
		memcpy(e->p + e->len, p, n);
	e->len += n;
}

static void put_be(struct enc *e, uint64_t v, int n)
{
	uint8_t b[8];
	for (int i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	put(e, b, (size_t)n);
}

static void put_uv(struct enc *e, uint64_t v)
{
	uint8_t b = 0;
	do {
		b = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			b |= 0x80;
		put(e, &b, 1);
	} while (v);
}

static void put_zz(struct enc *e, int64_t v)
{
	put_uv(e, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_vbytes(struct enc *e, const char *s)
{
	if (!s) {
		put_zz(e, -1);
		return;
	}
	put_zz(e, (int64_t)strlen(s));
	put(e, s, strlen(s));
}

static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
	}
	return ~c;
}

/* One record: key, value, up to two headers (NULL-terminated pairs). */
static void put_record(struct enc *e, int i, const char *key, const char *value, const char *h1k,
                       const char *h1v)
{
	struct enc body = {0};
	uint8_t zero = 0;
	put(&body, &zero, 1);  /* attributes */
	put_zz(&body, i * 10); /* timestampDelta */
	put_zz(&body, i);      /* offsetDelta */
	put_vbytes(&body, key);
	put_vbytes(&body, value);
	put_zz(&body, h1k ? 1 : 0);
	if (h1k) {
		put_vbytes(&body, h1k);
		put_vbytes(&body, h1v);
	}
	put_zz(e, (int64_t)body.len);
	put(e, body.p, body.len);
	free(body.p);
}

/* Wraps `records` (already encoded, maybe compressed) in a v2 batch header. */
static struct enc batch(const struct enc *records, int count, int16_t attributes)
{
	struct enc b = {0};
	put_be(&b, 100, 8); /* baseOffset */
	put_be(&b, 0, 4);   /* batchLength, patched */
	put_be(&b, 7, 4);   /* partitionLeaderEpoch */
	put_be(&b, 2, 1);   /* magic */
	put_be(&b, 0, 4);   /* crc, patched */
	put_be(&b, (uint16_t)attributes, 2);
	put_be(&b, (uint32_t)(count - 1), 4);
	put_be(&b, 1700000000000ull, 8); /* baseTimestamp */
	put_be(&b, 1700000009999ull, 8); /* maxTimestamp */
	put_be(&b, (uint64_t)-1, 8);     /* producerId */
	put_be(&b, (uint16_t)-1, 2);     /* producerEpoch */
	put_be(&b, (uint32_t)-1, 4);     /* baseSequence */
	put_be(&b, (uint32_t)count, 4);
	put(&b, records->p, records->len);
	return b;
}

/* Sets batchLength and CRC from the bytes as they are. */
static void seal(struct enc *b)
{
	uint32_t len = (uint32_t)(b->len - 12), crc;
	for (int i = 0; i < 4; i++)
		b->p[8 + i] = (uint8_t)(len >> (24 - 8 * i));
	crc = crc_bitwise(b->p + 21, b->len - 21);
	for (int i = 0; i < 4; i++)
		b->p[17 + i] = (uint8_t)(crc >> (24 - 8 * i));
}

static struct enc three_records(void)
{
	struct enc r = {0};
	put_record(&r, 0, "k0", "{\"amount\":1}", NULL, NULL);
	put_record(&r, 1, NULL, NULL, "h", NULL);
	put_record(&r, 2, "k2", "", "trace", "t-1");
	return r;
}

/* Parses a whole buffer; returns the rendered text (caller frees). */
static char *run(const struct enc *b, struct kcompress *kc)
{
	struct text t = {0};
	render(b->p, b->len, kc, &t);
	return t.p;
}

/* The rendered text must end in an error line starting with "error <want>". */
static void expect_error(const struct enc *b, struct kcompress *kc, const char *want,
                         const char *name)
{
	char *got = run(b, kc);
	char *line = got ? strstr(got, "error ") : NULL;
	if (!tap_ok(line && strncmp(line + 6, want, strlen(want)) == 0, "%s", name)) {
		tap_diag("got:  %s", got);
		tap_diag("want: error %s", want);
	}
	free(got);
}

static void test_built(struct kcompress *kc)
{
	struct enc recs = three_records();
	struct enc b = batch(&recs, 3, 0);
	struct records_batch rb;
	struct records_iter it;
	struct records_record rec;
	struct kreader r;
	struct sg_error e;
	char *got;

	seal(&b);
	got = run(&b, kc);
	tap_is_str(
	    got,
	    "batch 0 codec none records 3 idempotent 0\n"
	    "record 0 offset 100 timestamp 1700000000000 key \"k0\" value <12 bytes crc32 "
	    "0x21edb440> headers 0\n"
	    "record 1 offset 101 timestamp 1700000000010 key null value null headers 1 \"h\":null\n"
	    "record 2 offset 102 timestamp 1700000000020 key \"k2\" value \"\" headers 1 "
	    "\"trace\":\"t-1\"\n"
	    "end\n",
	    "hand-built batch of 3 records renders as built");
	free(got);

	/* Header fields and flags. */
	error_clear(&e);
	kreader_init(&r, b.p, b.len);
	tap_ok(records_batch_parse(&rb, &r, &e) == 0, "parse header");
	tap_ok(rb.base_offset == 100 && rb.partition_leader_epoch == 7 && rb.magic == 2 &&
	           rb.last_offset_delta == 2 && rb.base_timestamp == 1700000000000LL &&
	           rb.max_timestamp == 1700000009999LL && rb.producer_id == -1 &&
	           rb.producer_epoch == -1 && rb.base_sequence == -1 && rb.record_count == 3,
	       "header fields");
	tap_ok(rb.raw.p == b.p && (size_t)rb.raw.len == b.len && rb.payload.len == (int)recs.len &&
	           kreader_remaining(&r) == 0,
	       "raw and payload slices, cursor past the batch");
	tap_ok(records_iter_open(&it, &rb, NULL, &e) == 0, "uncompressed batch needs no context");
	tap_ok(records_iter_next(&it, &rec, &e) == 1 && rec.key.p > b.p && rec.key.p < b.p + b.len,
	       "record slices point into the caller's buffer");

	/* LogAppendTime, transactional, control. */
	{
		struct enc b2 = batch(&recs, 3,
		                      RECORDS_ATTR_LOG_APPEND_TIME | RECORDS_ATTR_TRANSACTIONAL |
		                          RECORDS_ATTR_CONTROL);
		seal(&b2);
		kreader_init(&r, b2.p, b2.len);
		tap_ok(records_batch_parse(&rb, &r, &e) == 0 && rb.log_append_time &&
		           rb.transactional && rb.control && rb.codec == 0,
		       "attribute flags decode");
		records_iter_open(&it, &rb, NULL, &e);
		records_iter_next(&it, &rec, &e);
		records_iter_next(&it, &rec, &e);
		tap_is_int(rec.timestamp, 1700000009999LL,
		           "LogAppendTime: record timestamp is maxTimestamp");
		free(b2.p);
	}

	/* Two batches back to back; an error in the second names its offset. */
	{
		struct enc two = {0};
		char want[128];
		put(&two, b.p, b.len);
		put(&two, b.p, b.len);
		two.p[b.len + 30] ^= 1;
		snprintf(want, sizeof want, "SG_ECORRUPT record batch at offset %zu: CRC mismatch",
		         b.len);
		expect_error(&two, kc, want, "second batch's CRC error names its offset");
		free(two.p);
	}
	free(b.p);
	free(recs.p);
}

/* Every way a batch can be broken, with its message. */
static void test_hostile(struct kcompress *kc)
{
	struct enc recs = three_records();
	struct enc good = batch(&recs, 3, 0), b;
	size_t first = 61; /* first record's length varint */

	seal(&good);

#define COPY() (b.p = malloc(good.len), memcpy(b.p, good.p, good.len), b.len = b.cap = good.len)

	/* Truncation at every length. */
	{
		int all = 1;
		for (size_t cut = 0; cut < good.len; cut++) {
			struct kreader r;
			struct sg_error e;
			error_clear(&e);
			kreader_init(&r, good.p, cut);
			all &= records_batch_check(&r, kc, &e) == -1 && e.code == SG_ECORRUPT;
		}
		tap_ok(all, "all %zu truncations fail as SG_ECORRUPT", good.len);
		b.p = good.p, b.len = 40;
		expect_error(&b, kc,
		             "SG_ECORRUPT record batch at offset 0: batch length 99 is past "
		             "the end (28 bytes left)",
		             "truncated frame: message");
		b.len = 10;
		expect_error(&b, kc,
		             "SG_ECORRUPT record batch at offset 0: truncated header (10 bytes)",
		             "truncated header: message");
	}

	COPY();
	b.p[20] ^= 0xff;
	expect_error(&b, kc, "SG_ECORRUPT record batch at offset 0: CRC mismatch (stored 0x",
	             "CRC mismatch");
	free(b.p);

	COPY();
	b.p[good.len - 1] ^= 0x01; /* last byte of the last header value */
	expect_error(&b, kc, "SG_ECORRUPT record batch at offset 0: CRC mismatch",
	             "a flipped payload byte is a CRC mismatch");
	free(b.p);

	COPY();
	b.p[60] = 4; /* record count 4 */
	seal(&b);
	expect_error(&b, kc,
	             "SG_ECORRUPT record batch at offset 0: batch claims 4 records but holds 3",
	             "record count larger than the records present");
	free(b.p);

	COPY();
	b.p[60] = 2;
	seal(&b);
	expect_error(&b, kc,
	             "SG_ECORRUPT record batch at offset 0: 19 bytes after the last of its 2 "
	             "records",
	             "record count smaller than the records present");
	free(b.p);

	COPY();
	b.p[57] = 0x80; /* record count negative */
	seal(&b);
	expect_error(&b, kc,
	             "SG_ECORRUPT record batch at offset 0: negative record count -2147483645",
	             "negative record count");
	free(b.p);

	COPY();
	b.p[first] = 0x7e; /* first record claims 63 bytes: more than are left */
	seal(&b);
	expect_error(&b, kc,
	             "SG_ECORRUPT record batch at offset 0: record 0: length 63 is past "
	             "the end of the batch (49 bytes left)",
	             "record length past the batch");
	free(b.p);

	COPY();
	b.p[first] = 0x03; /* -2 */
	seal(&b);
	expect_error(&b, kc, "SG_ECORRUPT record batch at offset 0: record 0: negative length -2",
	             "negative record length");
	free(b.p);

	COPY();
	b.p[first] += 2; /* one more byte than its fields use: eats the next record's length */
	seal(&b);
	expect_error(&b, kc,
	             "SG_ECORRUPT record batch at offset 0: record 0: 1 bytes left over "
	             "after its fields (length 21)",
	             "record length longer than its fields");
	free(b.p);

	COPY();
	b.p[first] -= 2; /* one byte short: the header count is cut off */
	seal(&b);
	expect_error(&b, kc,
	             "SG_ECORRUPT record batch at offset 0: record 0: truncated varint at "
	             "offset 81",
	             "record length shorter than its fields");
	free(b.p);

	COPY();
	b.p[first + 4] = 0x05; /* key length -3 */
	seal(&b);
	expect_error(&b, kc,
	             "SG_ECORRUPT record batch at offset 0: record 0: negative length at "
	             "offset 65",
	             "negative key length");
	free(b.p);

	/* A record whose first varint runs for 6 bytes. */
	{
		struct enc r6 = {0};
		static const uint8_t bad[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0, 0};
		put(&r6, bad, sizeof bad);
		b = batch(&r6, 1, 0);
		seal(&b);
		expect_error(&b, kc,
		             "SG_ECORRUPT record batch at offset 0: record 0: varint longer "
		             "than 5 bytes at offset 61",
		             "bad varint (6 bytes)");
		free(b.p);
		free(r6.p);
	}

	/* Header problems: negative count, count past the record, null key. */
	{
		struct enc r1 = {0}, body = {0};
		uint8_t zero = 0;
		put(&body, &zero, 1);
		put_zz(&body, 0);
		put_zz(&body, 0);
		put_vbytes(&body, "k");
		put_vbytes(&body, "v");
		put_zz(&body, -5); /* header count */
		put_zz(&r1, (int64_t)body.len);
		put(&r1, body.p, body.len);
		b = batch(&r1, 1, 0);
		seal(&b);
		expect_error(&b, kc,
		             "SG_ECORRUPT record batch at offset 0: record 0: negative header "
		             "count at offset 69",
		             "negative header count");
		free(b.p);

		body.len -= 1;
		put_zz(&body, 40);
		r1.len = 0;
		put_zz(&r1, (int64_t)body.len);
		put(&r1, body.p, body.len);
		b = batch(&r1, 1, 0);
		seal(&b);
		expect_error(&b, kc,
		             "SG_ECORRUPT record batch at offset 0: record 0: header count past "
		             "the end of the record at offset 69",
		             "header count past the record");
		free(b.p);

		body.len -= 1;
		put_zz(&body, 1);
		put_zz(&body, -1); /* null header key */
		put_vbytes(&body, "v");
		r1.len = 0;
		put_zz(&r1, (int64_t)body.len);
		put(&r1, body.p, body.len);
		b = batch(&r1, 1, 0);
		seal(&b);
		expect_error(&b, kc,
		             "SG_ECORRUPT record batch at offset 0: record 0: null header key "
		             "at offset 70",
		             "null header key");
		free(b.p);
		free(body.p);
		free(r1.p);
	}

	/* Header-level problems. */
	COPY();
	b.p[8] = 0x80; /* batch length negative */
	expect_error(&b, kc,
	             "SG_ECORRUPT record batch at offset 0: batch length -2147483549 is "
	             "below the minimum of 49",
	             "negative batch length");
	free(b.p);

	COPY();
	b.p[11] = 48;
	expect_error(&b, kc,
	             "SG_ECORRUPT record batch at offset 0: batch length 48 is below the "
	             "minimum of 49",
	             "batch length below the header size");
	free(b.p);

	COPY();
	b.p[16] = 3;
	expect_error(&b, kc, "SG_ECORRUPT record batch at offset 0: unknown magic 3", "magic 3");
	free(b.p);

	COPY();
	b.p[22] = 5;
	seal(&b);
	expect_error(&b, kc, "SG_ECORRUPT record batch at offset 0: unknown compression codec 5",
	             "codec 5");
	free(b.p);

	COPY();
	b.p[22] = 1; /* says gzip, holds plain records */
	seal(&b);
	expect_error(&b, kc, "SG_ECORRUPT record batch at offset 0: gzip: corrupt data",
	             "gzip codec over plain records");
	free(b.p);

	COPY();
	b.p[22] = 4;
	seal(&b);
	{
		struct kreader r;
		struct records_batch rb;
		struct records_iter it;
		struct sg_error e;
		error_clear(&e);
		kreader_init(&r, b.p, b.len);
		records_batch_parse(&rb, &r, &e);
		tap_ok(records_iter_open(&it, &rb, NULL, &e) == -1 &&
		           strstr(e.msg, "zstd-compressed batch given no decompression context") !=
		               NULL,
		       "compressed batch without a context: %s", e.msg);
	}
	free(b.p);

	/* Every byte of the records section flipped, CRC fixed: never a crash,
	 * and either a clean parse or SG_ECORRUPT. */
	{
		int ok = 1;
		for (size_t i = 61; i < good.len; i++) {
			for (int bit = 0; bit < 8; bit++) {
				struct kreader r;
				struct sg_error e;
				int rc;
				COPY();
				b.p[i] ^= (uint8_t)(1 << bit);
				seal(&b);
				error_clear(&e);
				kreader_init(&r, b.p, b.len);
				rc = records_batch_check(&r, kc, &e);
				ok &= rc == 3 || (rc == -1 && e.code == SG_ECORRUPT);
				free(b.p);
			}
		}
		tap_ok(ok, "every bit flip of the records (CRC fixed): parse or SG_ECORRUPT");
	}
#undef COPY
	free(good.p);
	free(recs.p);
}

/* Compressed batches built here: zstd records, a bomb, a corrupt stream. */
static void test_compressed(void)
{
	struct kcompress *kc = kcompress_new(1 << 20);
	struct enc recs = three_records(), z = {0}, b;
	char *got;
	size_t cap = ZSTD_compressBound(recs.len);

	z.p = malloc(cap);
	z.len = ZSTD_compress(z.p, cap, recs.p, recs.len, 3);
	b = batch(&z, 3, KCOMPRESS_ZSTD);
	seal(&b);
	got = run(&b, kc);
	tap_ok(got && strstr(got, "batch 0 codec zstd records 3") &&
	           strstr(got, "record 2 offset 102 timestamp 1700000000020 key \"k2\"") &&
	           strstr(got, "end\n"),
	       "zstd batch built here parses");
	free(got);
	free(b.p);

	/* 1 GiB... no: 2 MiB of zeros as a record value, under a 1 MiB limit. */
	{
		struct enc big = {0}, zb = {0};
		char *v = malloc((2u << 20) + 1);
		memset(v, 'a', 2u << 20);
		v[2u << 20] = 0;
		put_record(&big, 0, "k", v, NULL, NULL);
		cap = ZSTD_compressBound(big.len);
		zb.p = malloc(cap);
		zb.len = ZSTD_compress(zb.p, cap, big.p, big.len, 1);
		b = batch(&zb, 1, KCOMPRESS_ZSTD);
		seal(&b);
		expect_error(&b, kc,
		             "SG_ELIMIT record batch at offset 0: zstd: decompressed size "
		             "exceeds the limit of 1048576 bytes",
		             "a batch over the decompression limit");
		free(b.p);
		free(zb.p);
		free(big.p);
		free(v);
	}

	/* Truncated compressed stream (CRC fixed so decompression is reached). */
	z.len -= 3;
	b = batch(&z, 3, KCOMPRESS_ZSTD);
	seal(&b);
	expect_error(&b, kc,
	             "SG_ECORRUPT record batch at offset 0: zstd: ", "truncated zstd payload");
	free(b.p);

	/* An empty compressed batch (as compaction leaves) has nothing to inflate. */
	{
		struct enc none = {0};
		b = batch(&none, 0, KCOMPRESS_GZIP);
		seal(&b);
		got = run(&b, kc);
		tap_is_str(got, "batch 0 codec gzip records 0 idempotent 0\nend\n",
		           "empty compressed batch with no payload");
		free(got);
		free(b.p);
	}
	tap_is_int(records_magic("short", 5), -1, "records_magic on 5 bytes is -1");
	free(z.p);
	free(recs.p);
	kcompress_free(kc);
}

int main(void)
{
	struct kcompress *kc = kcompress_new(64u << 20);
	test_data_cases(kc);
	test_built(kc);
	test_hostile(kc);
	kcompress_free(kc);
	test_compressed();
	return tap_done();
}
