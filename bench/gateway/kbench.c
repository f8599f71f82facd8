/* bench/gateway/kbench.c: a librdkafka producer that measures what the
 * gateway costs a producer (used by bench/gateway/run.sh, not a test).
 *
 *   kbench BOOTSTRAP TOPIC MODE COUNT [RATE]
 *     MODE throughput: COUNT records of 1 KiB, acks=all, as fast as the
 *          producer goes (linger.ms=5); prints records/s and MiB/s.
 *     MODE latency: COUNT records of 1 KiB, acks=all, linger.ms=0, RATE per
 *          second; prints p50, p99 and p99.9 of the time from produce() to
 *          the delivery report, in microseconds. The producing thread
 *          sleeps between records and a second thread waits in
 *          rd_kafka_poll() for the reports, so neither spins on a core the
 *          broker and the gateway need.
 *   kbench BOOTSTRAP TOPIC file PATH
 *     produces the records of PATH (each a 4-byte big-endian length, then
 *     that many bytes of value) as fast as the producer goes, acks=all,
 *     linger.ms=5, the first one twice (once to warm up); prints records/s.
 *   kbench -X KEY=VALUE ... BOOTSTRAP ...
 *     sets librdkafka properties after kbench's own (e.g.
 *     -X security.protocol=ssl -X ssl.ca.location=ca.crt), as kcat's -X.
 * Output: one line "key=value ..." on stdout. Exit 1 if a delivery failed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#define RECORD_SIZE 1024

static double *lat_us;
static char **extra; /* -X KEY=VALUE arguments */
static int n_extra;
static long delivered, failed; /* written by whichever thread serves reports */

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	if (m->err) {
		failed++;
		return;
	}
	if (lat_us && m->_private) {
		double sent;
		memcpy(&sent, m->payload, sizeof sent);
		lat_us[delivered] = now_us() - sent;
	}
	delivered++;
}

/* Latency mode: the thread that serves delivery reports until `want` have
 * arrived (or a minute has passed without one). */
struct reporter {
	rd_kafka_t *rk;
	atomic_long want; /* lowered by the producing thread when produce() fails */
};

static void *serve_reports(void *arg)
{
	struct reporter *r = arg;
	double quiet_since = now_us();
	while (delivered + failed < r->want) {
		long before = delivered + failed;
		rd_kafka_poll(r->rk, 100);
		if (delivered + failed != before)
			quiet_since = now_us();
		else if (now_us() - quiet_since > 60e6)
			break;
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static rd_kafka_t *producer(const char *bootstrap, const char *linger)
{
	char errstr[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr) ||
	    rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof errstr) ||
	    rd_kafka_conf_set(conf, "linger.ms", linger, errstr, sizeof errstr) ||
	    rd_kafka_conf_set(conf, "queue.buffering.max.messages", "1000000", errstr,
	                      sizeof errstr) ||
	    rd_kafka_conf_set(conf, "queue.buffering.max.kbytes", "1048576", errstr,
	                      sizeof errstr)) {
		fprintf(stderr, "kbench: %s\n", errstr);
		exit(2);
	}
	for (int i = 0; i < n_extra; i++) {
		char key[256], *eq = strchr(extra[i], '=');
		if (!eq || (size_t)(eq - extra[i]) >= sizeof key) {
			fprintf(stderr, "kbench: -X wants KEY=VALUE, not %s\n", extra[i]);
			exit(2);
		}
		memcpy(key, extra[i], (size_t)(eq - extra[i]));
		key[eq - extra[i]] = 0;
		if (rd_kafka_conf_set(conf, key, eq + 1, errstr, sizeof errstr)) {
			fprintf(stderr, "kbench: %s\n", errstr);
			exit(2);
		}
	}
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	if (!rk) {
		fprintf(stderr, "kbench: %s\n", errstr);
		exit(2);
	}
	return rk;
}

/* Waits until the topic's metadata is known (first connection, leader),
 * producing `v` once. */
static void warm_up_with(rd_kafka_t *rk, const char *topic, const void *v, size_t len)
{
	rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE((void *)v, len),
	                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
	rd_kafka_flush(rk, 30000);
	delivered = 0;
}

static void warm_up(rd_kafka_t *rk, const char *topic)
{
	char v[RECORD_SIZE] = {0};
	warm_up_with(rk, topic, v, sizeof v);
}

/* Reads all of PATH into memory. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL;
	long n;
	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(p = malloc((size_t)n + 1)) || fread(p, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "kbench: cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* Produces every record of a length-prefixed file; returns how many. */
static long produce_file(rd_kafka_t *rk, const char *topic, const unsigned char *p, size_t len)
{
	long n = 0;
	for (size_t off = 0; off + 4 <= len;) {
		uint32_t rl = (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 |
		              (uint32_t)p[off + 2] << 8 | p[off + 3];
		if (rl > len - off - 4) {
			fprintf(stderr, "kbench: record %ld runs past the end of the file\n", n);
			exit(2);
		}
		while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
		                         RD_KAFKA_V_VALUE((void *)(p + off + 4), rl),
		                         RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(rk, 10);
		rd_kafka_poll(rk, 0);
		off += 4 + rl;
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	const char *bootstrap, *topic, *mode;
	long count, rate = 0;
	char value[RECORD_SIZE];
	rd_kafka_t *rk;
	double t0, t1;

	if (!(extra = calloc((size_t)argc, sizeof *extra))) {
		fprintf(stderr, "kbench: out of memory\n");
		return 2;
	}
	while (argc > 2 && !strcmp(argv[1], "-X")) {
		extra[n_extra++] = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 5) {
		fprintf(stderr,
		        "usage: kbench [-X KEY=VALUE]... BOOTSTRAP TOPIC throughput|latency "
		        "COUNT [RATE]\n"
		        "       kbench [-X KEY=VALUE]... BOOTSTRAP TOPIC file PATH\n");
		return 2;
	}
	bootstrap = argv[1];
	topic = argv[2];
	mode = argv[3];
	count = strcmp(mode, "file") ? atol(argv[4]) : 0;
	if (argc > 5)
		rate = atol(argv[5]);
	for (size_t i = 0; i < sizeof value; i++)
		value[i] = (char)('a' + i % 26);

	if (!strcmp(mode, "throughput")) {
		rk = producer(bootstrap, "5");
		warm_up(rk, topic);
		t0 = now_us();
		for (long i = 0; i < count; i++) {
			while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
			                         RD_KAFKA_V_VALUE(value, sizeof value),
			                         RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			                         RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
				rd_kafka_poll(rk, 10);
			rd_kafka_poll(rk, 0);
		}
		rd_kafka_flush(rk, 120000);
		t1 = now_us();
		printf("mode=throughput records=%ld failed=%ld seconds=%.3f records_per_s=%.0f "
		       "MiB_per_s=%.2f\n",
		       delivered, failed, (t1 - t0) / 1e6, delivered / ((t1 - t0) / 1e6),
		       delivered * (double)RECORD_SIZE / (1 << 20) / ((t1 - t0) / 1e6));
	} else if (!strcmp(mode, "file")) {
		size_t len;
		unsigned char *p = slurp(argv[4], &len);
		if (len < 4) {
			fprintf(stderr, "kbench: %s holds no record\n", argv[4]);
			return 2;
		}
		rk = producer(bootstrap, "5");
		warm_up_with(rk, topic, p + 4,
		             (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3]);
		t0 = now_us();
		count = produce_file(rk, topic, p, len);
		rd_kafka_flush(rk, 120000);
		t1 = now_us();
		printf("mode=file records=%ld failed=%ld seconds=%.3f records_per_s=%.0f\n",
		       delivered, failed, (t1 - t0) / 1e6, delivered / ((t1 - t0) / 1e6));
		rd_kafka_destroy(rk);
		free(p);
		return failed || delivered < count ? 1 : 0;
	} else if (!strcmp(mode, "latency") && rate > 0) {
		struct timespec next;
		long interval_ns = 1000000000L / rate;
		pthread_t reporter;
		struct reporter rep;
		lat_us = calloc((size_t)count, sizeof *lat_us);
		rk = producer(bootstrap, "0");
		warm_up(rk, topic);
		rep.rk = rk;
		atomic_init(&rep.want, count);
		if (!lat_us || pthread_create(&reporter, NULL, serve_reports, &rep) != 0) {
			fprintf(stderr, "kbench: out of memory or threads\n");
			return 2;
		}
		clock_gettime(CLOCK_MONOTONIC, &next);
		for (long i = 0; i < count; i++) {
			double sent;
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) != 0)
				;
			sent = now_us();
			memcpy(value, &sent, sizeof sent);
			if (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
			                      RD_KAFKA_V_VALUE(value, sizeof value),
			                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			                      RD_KAFKA_V_OPAQUE((void *)1), RD_KAFKA_V_END) != 0)
				rep.want--; /* not queued: no report will come */
			next.tv_nsec += interval_ns;
			while (next.tv_nsec >= 1000000000L) {
				next.tv_nsec -= 1000000000L;
				next.tv_sec++;
			}
		}
		pthread_join(reporter, NULL);
		qsort(lat_us, (size_t)delivered, sizeof *lat_us, cmp_double);
		if (delivered > 0)
			printf("mode=latency records=%ld failed=%ld rate=%ld p50_us=%.0f "
			       "p99_us=%.0f p999_us=%.0f\n",
			       delivered, failed, rate, lat_us[delivered / 2],
			       lat_us[delivered * 99 / 100], lat_us[delivered * 999 / 1000]);
		free(lat_us);
	} else {
		fprintf(stderr, "kbench: unknown mode %s\n", mode);
		return 2;
	}
	rd_kafka_destroy(rk);
	return failed || delivered < count ? 1 : 0;
}
