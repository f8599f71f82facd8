/* tests/cases/records/capture.c: captures real RecordBatches written by
 * librdkafka, one folder per case, for test_records.
 *
 * Not part of `make check`: the .bin and expect files it writes are committed.
 * It starts librdkafka's in-process mock cluster, produces the same six
 * records with each compression codec (and once with an idempotent
 * producer), then reads the stored batches back with a hand-made Fetch v4
 * request, so the bytes are exactly what the producer sent (the mock only
 * assigns the base offset, which the CRC does not cover). The expect file is
 * written from the records as produced, not from any parse.
 *
 * It also derives cases no local client writes: the same records with the
 * xerial snappy framing of the Java client (re-compressed here, CRC-32C
 * recomputed bit by bit), and legacy v0 / v1 messages, which must be refused.
 *
 * Build and run from the source tree:
 *   gcc -std=c11 -D_DEFAULT_SOURCE -I. tests/cases/records/capture.c \
 *       gateway/kreader.c gateway/kwriter.c compat/error.c -lrdkafka -lsnappy -lz \
 *       -o /tmp/capture && /tmp/capture tests/cases/records
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <snappy-c.h>
#include <zlib.h>

#include "gateway/kreader.h"
#include "gateway/kwriter.h"

#define BASE_TS 1700000000000LL

struct hdr {
	const char *k;
	const void *v;
	int vlen; /* -1 = null */
};

struct rec {
	const void *key;
	int klen; /* -1 = null */
	const void *val;
	int vlen;
	int nh;
	struct hdr h[3];
};

static char big[20000];
static unsigned char bin_key[3] = {0x00, 0xff, 0x80};
static unsigned char bin_val[256];

static struct rec recs[] = {
    {"order-1", 7, "{\"order_id\":1,\"amount\":9.5,\"currency\":\"EUR\"}", 44, 0, {{0}}},
    {NULL, -1, "plain value", 11, 2, {{"trace-id", "abc123", 6}, {"empty", NULL, -1}}},
    {"order-2", 7, NULL, -1, 0, {{0}}},
    {"big", 3, big, sizeof big, 1, {{"content-type", "application/json", 16}}},
    {"", 0, "", 0, 1, {{"k", "", 0}}},
    {bin_key, 3, bin_val, 256, 0, {{0}}},
};
#define NRECS (int)(sizeof recs / sizeof recs[0])

/* The field format test_records.c prints too: null, a quoted printable
 * string of at most 64 bytes, or <N bytes crc32 0x...> (zlib's crc32). */
static void field(FILE *f, const void *p, int len)
{
	const unsigned char *s = p;
	int printable = len <= 64;
	if (len < 0) {
		fputs("null", f);
		return;
	}
	for (int i = 0; i < len && printable; i++)
		printable = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\';
	if (printable)
		fprintf(f, "\"%.*s\"", len, (const char *)s);
	else
		fprintf(f, "<%d bytes crc32 0x%08lx>", len, crc32(0, s, (uInt)len));
}

static FILE *open_expect(const char *dir)
{
	char path[512];
	FILE *f;
	snprintf(path, sizeof path, "%s/expect", dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	return f;
}

static void write_expect(const char *dir, const char *codec, int idempotent, int nbatches)
{
	FILE *f = open_expect(dir);
	for (int b = 0; b < nbatches; b++) {
		fprintf(f, "batch %d codec %s records %d idempotent %d\n", b, codec, NRECS,
		        idempotent);
		for (int i = 0; i < NRECS; i++) {
			fprintf(f, "record %d offset %d timestamp %lld key ", i, b * NRECS + i,
			        BASE_TS + i * 1000);
			field(f, recs[i].key, recs[i].klen);
			fputs(" value ", f);
			field(f, recs[i].val, recs[i].vlen);
			fprintf(f, " headers %d", recs[i].nh);
			for (int h = 0; h < recs[i].nh; h++) {
				fputc(' ', f);
				field(f, recs[i].h[h].k, (int)strlen(recs[i].h[h].k));
				fputc(':', f);
				field(f, recs[i].h[h].v, recs[i].h[h].vlen);
			}
			fputc('\n', f);
		}
	}
	fputs("end\n", f);
	fclose(f);
}

static void produce(const char *bootstraps, const char *topic, const char *codec, int idempotent)
{
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, errstr, sizeof errstr);
	rd_kafka_conf_set(conf, "compression.codec", codec, errstr, sizeof errstr);
	rd_kafka_conf_set(conf, "linger.ms", "500", errstr, sizeof errstr);
	if (idempotent)
		rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof errstr);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	if (!rk) {
		fprintf(stderr, "producer: %s\n", errstr);
		exit(1);
	}
	for (int i = 0; i < NRECS; i++) {
		rd_kafka_headers_t *hs = rd_kafka_headers_new(4);
		rd_kafka_resp_err_t e;
		for (int h = 0; h < recs[i].nh; h++)
			rd_kafka_header_add(hs, recs[i].h[h].k, -1, recs[i].h[h].v,
			                    recs[i].h[h].vlen < 0 ? 0 : recs[i].h[h].vlen);
		e = rd_kafka_producev(
		    rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
		    RD_KAFKA_V_KEY(recs[i].key, recs[i].klen < 0 ? 0 : (size_t)recs[i].klen),
		    RD_KAFKA_V_VALUE((void *)recs[i].val,
		                     recs[i].vlen < 0 ? 0 : (size_t)recs[i].vlen),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_TIMESTAMP(BASE_TS + i * 1000), RD_KAFKA_V_HEADERS(hs),
		    RD_KAFKA_V_END);
		if (e) {
			fprintf(stderr, "produce: %s\n", rd_kafka_err2str(e));
			exit(1);
		}
	}
	if (rd_kafka_flush(rk, 10000)) {
		fprintf(stderr, "flush timed out\n");
		exit(1);
	}
	rd_kafka_destroy(rk);
}

static int connect_to(const char *hostport)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = {0}, *ai;
	int fd;
	snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &ai))
		exit(1);
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		perror("connect");
		exit(1);
	}
	freeaddrinfo(ai);
	return fd;
}

static void read_full(int fd, void *p, size_t n)
{
	while (n) {
		ssize_t k = read(fd, p, n);
		if (k <= 0) {
			perror("read");
			exit(1);
		}
		p = (char *)p + k;
		n -= (size_t)k;
	}
}

/* One Fetch v4 of partition 0 from `offset`: appends the records bytes to
 * `all` and returns the high watermark. */
static int64_t fetch_once(const char *bootstraps, const char *topic, int64_t offset,
                          struct kwriter *all)
{
	struct kwriter w;
	size_t len_at;
	int fd = connect_to(bootstraps);
	uint8_t lenb[4];
	uint32_t n;
	uint8_t *resp;
	struct kreader r;
	struct kslice records = {NULL, -1};
	int64_t hw = -1;

	kwriter_init(&w, 1 << 16);
	len_at = kwriter_reserve(&w, 4);
	kwriter_i16(&w, 1);  /* Fetch */
	kwriter_i16(&w, 4);  /* version */
	kwriter_i32(&w, 42); /* correlation id */
	kwriter_string(&w, kslice_cstr("capture"));
	kwriter_i32(&w, -1);       /* replica id */
	kwriter_i32(&w, 100);      /* max wait ms */
	kwriter_i32(&w, 1);        /* min bytes */
	kwriter_i32(&w, 10 << 20); /* max bytes */
	kwriter_i8(&w, 0);         /* read uncommitted */
	kwriter_array_len(&w, 1);
	kwriter_string(&w, kslice_cstr(topic));
	kwriter_array_len(&w, 1);
	kwriter_i32(&w, 0);        /* partition */
	kwriter_i64(&w, offset);   /* fetch offset */
	kwriter_i32(&w, 10 << 20); /* partition max bytes */
	kwriter_patch_u32(&w, len_at, (uint32_t)(w.len - 4));
	if (!kwriter_ok(&w) || write(fd, w.buf, w.len) != (ssize_t)w.len)
		exit(1);
	kwriter_free(&w);

	read_full(fd, lenb, 4);
	n = (uint32_t)lenb[0] << 24 | (uint32_t)lenb[1] << 16 | (uint32_t)lenb[2] << 8 | lenb[3];
	resp = malloc(n);
	read_full(fd, resp, n);
	close(fd);

	kreader_init(&r, resp, n);
	kreader_i32(&r); /* correlation id */
	kreader_i32(&r); /* throttle */
	for (int32_t t = kreader_array_len(&r); t > 0; t--) {
		kreader_string(&r);
		for (int32_t p = kreader_array_len(&r); p > 0; p--) {
			int16_t err;
			kreader_i32(&r);
			err = kreader_i16(&r);
			hw = kreader_i64(&r);
			kreader_i64(&r);
			for (int32_t a = kreader_array_len(&r); a > 0; a--) {
				kreader_i64(&r);
				kreader_i64(&r);
			}
			records = kreader_bytes(&r);
			if (err) {
				fprintf(stderr, "fetch %s: error %d\n", topic, err);
				exit(1);
			}
		}
	}
	if (!kreader_ok(&r) || records.len <= 0) {
		fprintf(stderr, "fetch %s: bad response (%s)\n", topic,
		        r.why ? r.why : "no records");
		exit(1);
	}
	kwriter_raw(all, records.p, (size_t)records.len);
	free(resp);
	return hw;
}

/* Fetches partition 0 up to its high watermark and writes the batches. */
static void fetch(const char *bootstraps, const char *topic, const char *out)
{
	struct kwriter all;
	int64_t offset = 0, hw;
	FILE *f;

	kwriter_init(&all, 64 << 20);
	do {
		size_t before = all.len;
		hw = fetch_once(bootstraps, topic, offset, &all);
		/* Next offset: after the last batch received. */
		for (size_t at = before; at + 27 <= all.len;) {
			struct kreader r;
			int64_t base;
			int32_t len, last;
			kreader_init(&r, all.buf + at, all.len - at);
			base = kreader_i64(&r);
			len = kreader_i32(&r);
			kreader_skip(&r, 11);
			last = kreader_i32(&r);
			if (!kreader_ok(&r) || len < 0)
				exit(1);
			offset = base + last + 1;
			at += 12 + (size_t)len;
		}
	} while (offset < hw);
	f = fopen(out, "wb");
	if (!kwriter_ok(&all) || !f || fwrite(all.buf, 1, all.len, f) != all.len) {
		perror(out);
		exit(1);
	}
	fclose(f);
	printf("%s: %zu bytes\n", out, all.len);
	kwriter_free(&all);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long n;
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		perror(path);
		exit(1);
	}
	p = malloc((size_t)n);
	if (fread(p, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static void spit(const char *dir, const void *p, size_t n)
{
	char path[600];
	FILE *f;
	mkdir(dir, 0755);
	snprintf(path, sizeof path, "%s/batch.bin", dir);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	printf("%s: %zu bytes\n", path, n);
}

static uint32_t crc32c_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
	}
	return ~c;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
	p[3] = (uint8_t)v;
}

/* The uncompressed librdkafka batch, its records re-compressed with the
 * xerial framing in 8 KiB blocks, as the Java client's SnappyOutputStream
 * writes (its blocks are 32 KiB; smaller ones exercise several here). */
static void derive_xerial(const char *outdir)
{
	static const uint8_t magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
	char path[512], dir[512];
	size_t n, off = 8 + 4 + 4, body;
	uint8_t *in, *out;
	snprintf(path, sizeof path, "%s/librdkafka-none/batch.bin", outdir);
	in = slurp(path, &n);
	body = n - 61;
	out = malloc(61 + 16 + body * 2 + 1024);
	memcpy(out, in, 61);
	memcpy(out + 61, magic, 8);
	put32(out + 61 + 8, 1);
	put32(out + 61 + 12, 1);
	off = 61 + 16;
	for (size_t at = 0; at < body; at += 8192) {
		size_t piece = body - at < 8192 ? body - at : 8192;
		size_t clen = snappy_max_compressed_length(piece);
		if (snappy_compress((const char *)in + 61 + at, piece, (char *)out + off + 4,
		                    &clen))
			exit(1);
		put32(out + off, (uint32_t)clen);
		off += 4 + clen;
	}
	put32(out + 8, (uint32_t)(off - 12));
	out[22] = (uint8_t)((out[22] & ~7) | 2); /* low byte of attributes: codec snappy */
	put32(out + 17, crc32c_bitwise(out + 21, off - 21));
	snprintf(dir, sizeof dir, "%s/java-xerial-snappy", outdir);
	spit(dir, out, off);
	write_expect(dir, "snappy", 0, 1);
	free(in);
	free(out);
}

/* A legacy message (MessageSet v0 or v1) holding key "k", value "v". */
static void derive_legacy(const char *outdir, int magic)
{
	uint8_t m[64];
	size_t n = 0;
	char dir[512];
	FILE *f;
	memset(m, 0, sizeof m);
	n = 12 + 4; /* offset 0, size (later), crc (later) */
	m[n++] = (uint8_t)magic;
	m[n++] = 0; /* attributes */
	if (magic == 1) {
		uint64_t ts = (uint64_t)BASE_TS;
		for (int i = 7; i >= 0; i--)
			m[n++] = (uint8_t)(ts >> (8 * i));
	}
	put32(m + n, 1), n += 4, m[n++] = 'k';
	put32(m + n, 1), n += 4, m[n++] = 'v';
	put32(m + 8, (uint32_t)(n - 12));
	put32(m + 12, (uint32_t)crc32(0, m + 16, (uInt)(n - 16)));
	snprintf(dir, sizeof dir, "%s/legacy-magic%d", outdir, magic);
	spit(dir, m, n);
	f = open_expect(dir);
	fprintf(f,
	        "error SG_ECORRUPT record batch at offset 0: legacy message format v%d (magic %d) "
	        "is not supported: RecordBatch v2 (magic 2, Kafka 0.11+) is required\n",
	        magic, magic);
	fclose(f);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name, *codec;
		int idempotent, batches;
	} cases[] = {
	    {"librdkafka-none", "none", 0, 1},
	    {"librdkafka-gzip", "gzip", 0, 1},
	    {"librdkafka-snappy", "snappy", 0, 1},
	    {"librdkafka-lz4", "lz4", 0, 1},
	    {"librdkafka-zstd", "zstd", 0, 1},
	    {"librdkafka-idempotent-lz4", "lz4", 1, 1},
	    {"librdkafka-two-batches-gzip", "gzip", 0, 2},
	};
	char errstr[512];
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;
	const char *boot;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = "{\"order_id\": 12345, \"status\": \"created\"}\n"[i % 40];
	for (int i = 0; i < 256; i++)
		bin_val[i] = (unsigned char)i;

	conf = rd_kafka_conf_new();
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	mc = rd_kafka_mock_cluster_new(rk, 1);
	boot = rd_kafka_mock_cluster_bootstraps(mc);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char dir[512], bin[600];
		snprintf(dir, sizeof dir, "%s/%s", argv[1], cases[i].name);
		snprintf(bin, sizeof bin, "%s/batch.bin", dir);
		mkdir(dir, 0755);
		rd_kafka_mock_topic_create(mc, cases[i].name, 1, 1);
		for (int b = 0; b < cases[i].batches; b++)
			produce(boot, cases[i].name, cases[i].codec, cases[i].idempotent);
		fetch(boot, cases[i].name, bin);
		write_expect(dir, cases[i].codec, cases[i].idempotent, cases[i].batches);
	}
	derive_xerial(argv[1]);
	derive_legacy(argv[1], 0);
	derive_legacy(argv[1], 1);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
