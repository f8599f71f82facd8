/* bench/avro/bench_avro.c: orders-value records validated per second on one
 * core by compat/avvalid (avvalid_check()), against avro-c's full decode of the
 * same records (avro_value_read() into one reused value), in the same run.
 *
 * Usage: bench_avro [ORDERS.avsc [SECONDS]]
 *   ORDERS.avsc  the orders schema (default: $SG_SRCDIR/schemas/orders.avsc,
 *                else schemas/orders.avsc);
 *   SECONDS      the length of one timed round (default 1).
 *
 * The records are 4096 distinct, realistic orders written by avro-c (UUID
 * customer ids, ISO timestamps, cancel reasons in several languages on two
 * thirds of them: about 190 bytes on average). Each engine runs 5 rounds,
 * interleaved; the best round is the figure, the median is printed beside
 * it. A third line times invalid records (a union branch out of range near
 * the end) with the error message built: the rejection path's cost.
 *
 * Prints the figures; exits 1 when a record does not validate or decode (the
 * figures would be meaningless), 2 on a usage or setup error.
 */
#include "compat/avro/avsc.h"
#include "compat/avro/avvalid.h"

#include <avro.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NRECORDS 4096
#define ROUNDS   5

struct record {
	size_t off, len;
};

static uint8_t *arena;
static size_t arena_len;
static struct record records[NRECORDS];
static uint8_t *bad_arena;

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = n > 0 ? malloc((size_t)n + 1) : NULL;
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	if (p) {
		p[n] = '\0';
		*len = (size_t)n;
	}
	fclose(f);
	return p;
}

static const char *const reasons[] = {
    "Customer asked to cancel: the parcel would arrive after the event it was bought for.",
    "Le client a changé d'avis — livraison trop tardive, remboursement demandé par courriel.",
    "Kunde hat storniert: Zahlung per Lastschrift wurde von der Bank zurückgewiesen "
    "(Rücklastschrift).",
    "Payment authorisation expired before capture; the card issuer declined the renewed request.",
    "Out of stock at the Rotterdam warehouse; no replacement offered within the SLA of 48 hours.",
    "お客様のご都合によるキャンセル（配送日時の変更ができなかったため）。",
    "Fraud screening flagged the order: billing and shipping countries differ, velocity rule 7.",
};
static const char *const currencies[] = {"EUR", "USD", "GBP", "JPY", "CHF", "SEK"};

static int set_string(avro_value_t *rec, const char *field, const char *s)
{
	avro_value_t f;
	return avro_value_get_by_name(rec, field, &f, NULL) || avro_value_set_string(&f, s);
}

/* Builds one realistic order into `rec`. Returns the length in bytes of the
 * cancel reason's encoding (0 when it is null), or -1. */
static int make_order(avro_value_t *rec, int i)
{
	char buf[64];
	avro_value_t f, branch;
	int event = (int)rnd(3); /* created, status updated, cancelled */
	if (avro_value_get_by_name(rec, "event_type", &f, NULL) || avro_value_set_enum(&f, event))
		return -1;
	snprintf(buf, sizeof buf, "ORD-2026-%06d", 100000 + i);
	if (set_string(rec, "order_id", buf))
		return -1;
	snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%04x%08x", rnd(0xffffffffu), rnd(0x10000),
	         rnd(0x1000), 0x8000 | rnd(0x4000), rnd(0x10000), rnd(0xffffffffu));
	if (set_string(rec, "customer_id", buf))
		return -1;
	if (avro_value_get_by_name(rec, "amount", &f, NULL) ||
	    avro_value_set_double(&f, (double)rnd(5000000) / 100.0))
		return -1;
	if (set_string(rec, "currency", currencies[rnd(6)]))
		return -1;
	int status = event == 2 ? 4 : (int)rnd(4);
	if (avro_value_get_by_name(rec, "status", &f, NULL) || avro_value_set_enum(&f, status))
		return -1;
	snprintf(buf, sizeof buf, "2026-11-%02uT%02u:%02u:%02u.%06u+01:00", 1 + rnd(28), rnd(24),
	         rnd(60), rnd(60), rnd(1000000));
	if (set_string(rec, "timestamp", buf))
		return -1;
	int reason = event == 2 || rnd(2) == 0;
	if (avro_value_get_by_name(rec, "cancel_reason", &f, NULL) ||
	    avro_value_set_branch(&f, reason, &branch))
		return -1;
	if (reason) {
		char text[512];
		snprintf(text, sizeof text, "%s %s", reasons[rnd(7)],
		         rnd(2) ? reasons[rnd(7)] : "");
		size_t n = strlen(text);
		int varint = n < 64 ? 1 : n < 8192 ? 2 : 3;
		return avro_value_set_string(&branch, text) ? -1 : varint + (int)n;
	}
	return avro_value_set_null(&branch) ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One timed round: `reps` passes over the records. Returns seconds. */
static double round_avvalid(const struct avvalid *v, const uint8_t *base, long reps, int with_err,
                            long *valid)
{
	struct sg_error e;
	double t0 = now();
	for (long r = 0; r < reps; r++) {
		for (int i = 0; i < NRECORDS; i++) {
			if (with_err) {
				e.code = SG_OK;
				*valid +=
				    avvalid_check(v, base + records[i].off, records[i].len, &e);
			} else {
				*valid +=
				    avvalid_check(v, base + records[i].off, records[i].len, NULL);
			}
		}
	}
	return now() - t0;
}

static double round_avro(avro_reader_t reader, avro_value_t *val, long reps, long *decoded)
{
	double t0 = now();
	for (long r = 0; r < reps; r++) {
		for (int i = 0; i < NRECORDS; i++) {
			avro_reader_memory_set_source(reader, (const char *)arena + records[i].off,
			                              (int64_t)records[i].len);
			*decoded += avro_value_read(reader, val) == 0;
		}
	}
	return now() - t0;
}

struct result {
	double best_ns, median_ns;
};

static void summarise(const double *ns, struct result *res)
{
	double sorted[ROUNDS];
	memcpy(sorted, ns, sizeof sorted);
	qsort(sorted, ROUNDS, sizeof *sorted, cmp_double);
	res->best_ns = sorted[0];
	res->median_ns = sorted[ROUNDS / 2];
}

static void print_line(const char *name, const struct result *res)
{
	printf("%-44s %7.2f M records/s  %7.1f ns/record  (median %.1f ns)\n", name,
	       1e3 / res->best_ns, res->best_ns, res->median_ns);
}

int main(int argc, char **argv)
{
	char path[4096];
	const char *src = getenv("SG_SRCDIR");
	if (argc > 1)
		snprintf(path, sizeof path, "%s", argv[1]);
	else
		snprintf(path, sizeof path, "%s/schemas/orders.avsc", src ? src : ".");
	double seconds = argc > 2 ? atof(argv[2]) : 1.0;
	if (seconds <= 0)
		seconds = 1.0;
	size_t tlen;
	char *text = slurp(path, &tlen);
	if (!text) {
		fprintf(stderr, "bench_avro: cannot read %s\n", path);
		return 2;
	}

	struct sg_error err;
	error_clear(&err);
	struct avsc_schema *s = avsc_parse(text, tlen, NULL, 0, &err);
	struct avvalid *v = s ? avvalid_compile(s, &err) : NULL;
	avro_schema_t as;
	if (!v || avro_schema_from_json_length(text, tlen, &as)) {
		fprintf(stderr, "bench_avro: %s: %s%s\n", path, err.msg, v ? avro_strerror() : "");
		return 2;
	}
	avro_value_iface_t *cls = avro_generic_class_from_schema(as);
	avro_value_t val;
	avro_generic_value_new(cls, &val);

	/* The records, back to back as they would sit in a batch. */
	arena = malloc((size_t)NRECORDS * 1024);
	bad_arena = malloc((size_t)NRECORDS * 1024);
	if (!arena || !bad_arena)
		return 2;
	for (int i = 0; i < NRECORDS; i++) {
		avro_value_reset(&val);
		avro_writer_t w = avro_writer_memory((const char *)arena + arena_len, 1024);
		int reason = make_order(&val, i);
		if (reason < 0 || avro_value_write(w, &val)) {
			fprintf(stderr, "bench_avro: avro-c: %s (is %s the orders schema?)\n",
			        avro_strerror(), path);
			return 2;
		}
		records[i].off = arena_len;
		records[i].len = (size_t)avro_writer_tell(w);
		arena_len += records[i].len;
		avro_writer_free(w);
		/* The invalid copy: cancel_reason's union index (the last field's
		 * first byte) set to branch 2 of 2. */
		memcpy(bad_arena + records[i].off, arena + records[i].off, records[i].len);
		bad_arena[records[i].off + records[i].len - (size_t)reason - 1] = 0x04;
		error_clear(&err);
		if (avvalid_check(v, bad_arena + records[i].off, records[i].len, &err) ||
		    !strstr(err.msg, "/cancel_reason: union branch 2")) {
			fprintf(stderr, "bench_avro: the invalid copy fails otherwise: %s\n",
			        err.msg);
			return 2;
		}
	}

	printf("orders records: %d distinct, %.1f bytes on average, written by avro-c\n", NRECORDS,
	       (double)arena_len / NRECORDS);
	printf("program: %zu instructions; rounds of %.1f s, best of %d, interleaved\n",
	       avvalid_program_size(v), seconds, ROUNDS);

	/* Calibrate the repetitions of each engine to about `seconds` a round. */
	long valid = 0, decoded = 0, invalid_ok = 0;
	double t = round_avvalid(v, arena, 1, 0, &valid);
	long reps_v = (long)(seconds / (t > 1e-9 ? t : 1e-9)) + 1;
	avro_reader_t reader = avro_reader_memory((const char *)arena, (int64_t)arena_len);
	t = round_avro(reader, &val, 1, &decoded);
	long reps_a = (long)(seconds / (t > 1e-9 ? t : 1e-9)) + 1;
	t = round_avvalid(v, bad_arena, 1, 1, &invalid_ok);
	long reps_b = (long)(seconds / (t > 1e-9 ? t : 1e-9)) + 1;
	if (valid != NRECORDS || decoded != NRECORDS || invalid_ok != 0) {
		fprintf(stderr, "bench_avro: %ld valid, %ld decoded, %ld invalid accepted of %d\n",
		        valid, decoded, invalid_ok, NRECORDS);
		return 1;
	}

	double ns_v[ROUNDS], ns_a[ROUNDS], ns_b[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		valid = decoded = invalid_ok = 0;
		ns_v[r] =
		    round_avvalid(v, arena, reps_v, 0, &valid) * 1e9 / ((double)reps_v * NRECORDS);
		ns_a[r] =
		    round_avro(reader, &val, reps_a, &decoded) * 1e9 / ((double)reps_a * NRECORDS);
		ns_b[r] = round_avvalid(v, bad_arena, reps_b, 1, &invalid_ok) * 1e9 /
		          ((double)reps_b * NRECORDS);
		if (valid != reps_v * NRECORDS || decoded != reps_a * NRECORDS || invalid_ok != 0) {
			fprintf(stderr, "bench_avro: a record changed verdict during the run\n");
			return 1;
		}
	}
	struct result rv, ra, rb;
	summarise(ns_v, &rv);
	summarise(ns_a, &ra);
	summarise(ns_b, &rb);
	print_line("avvalid_check (valid records)", &rv);
	print_line("avro-c avro_value_read (full decode)", &ra);
	print_line("avvalid_check (invalid, with its message)", &rb);
	printf("avvalid_check is %.1fx avro-c's decode; goal >= 5 M records/s: %s\n",
	       ra.best_ns / rv.best_ns, 1e3 / rv.best_ns >= 5.0 ? "met" : "NOT met");

	avro_reader_free(reader);
	avro_value_decref(&val);
	avro_value_iface_decref(cls);
	avro_schema_decref(as);
	avvalid_free(v);
	avsc_free(s);
	free(text);
	free(arena);
	free(bad_arena);
	return 0;
}
