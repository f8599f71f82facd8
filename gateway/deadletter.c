/* gateway/deadletter.c: the dead-letter producer (see deadletter.h). */
#include "gateway/deadletter.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/records.h"

struct deadletter {
	rd_kafka_t *rk;
	pthread_t thread;
	atomic_int stop;
	int flush_ms;
	void (*log)(void *arg, const char *line);
	void *log_arg;
	atomic_uint_fast64_t queued, delivered, failed, dropped;
};

static void dl_log(const struct deadletter *dl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void dl_log(const struct deadletter *dl, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (dl->log)
		dl->log(dl->log_arg, line);
	else
		fprintf(stderr, "%s\n", line);
}

/* Logs the 1st, 2nd, 4th, 8th ... event of a kind, so an unreachable broker
 * does not flood the log. */
static int dl_log_due(uint64_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

static void dl_delivered(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	struct deadletter *dl = opaque;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		atomic_fetch_add_explicit(&dl->delivered, 1, memory_order_relaxed);
		return;
	}
	uint64_t n = atomic_fetch_add_explicit(&dl->failed, 1, memory_order_relaxed) + 1;
	if (dl_log_due(n))
		dl_log(dl, "event=dead_letter_failed topic=%s error=\"%s\" failed_total=%" PRIu64,
		       rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err), n);
}

static void dl_rdlog(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	struct deadletter *dl = rd_kafka_opaque(rk);
	(void)level;
	dl_log(dl, "event=dead_letter_producer facility=%s message=\"%s\"", fac, buf);
}

static void *dl_thread(void *arg)
{
	struct deadletter *dl = arg;
	while (!atomic_load(&dl->stop))
		rd_kafka_poll(dl->rk, 100);
	return NULL;
}

static int dl_set(rd_kafka_conf_t *conf, const char *k, const char *v, struct sg_error *err)
{
	char why[256];
	if (rd_kafka_conf_set(conf, k, v, why, sizeof why) != RD_KAFKA_CONF_OK)
		return error_set(err, SG_EBAD_REQUEST, "dead-letter producer: %s: %s", k, why);
	return 0;
}

struct deadletter *deadletter_open(const struct deadletter_options *o, struct sg_error *err)
{
	if (!o || !o->brokers || !*o->brokers) {
		error_set(err, SG_EBAD_REQUEST, "dead-letter producer: no brokers given");
		return NULL;
	}
	struct deadletter *dl = calloc(1, sizeof *dl);
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	if (!dl || !conf) {
		free(dl);
		if (conf)
			rd_kafka_conf_destroy(conf);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	dl->flush_ms = o->flush_ms > 0 ? o->flush_ms : 5000;
	dl->log = o->log;
	dl->log_arg = o->log_arg;
	char msgs[32], kbytes[32];
	snprintf(msgs, sizeof msgs, "%zu", o->queue_messages ? o->queue_messages : 100000);
	snprintf(kbytes, sizeof kbytes, "%zu", o->queue_kbytes ? o->queue_kbytes : 65536);
	if (dl_set(conf, "bootstrap.servers", o->brokers, err) ||
	    dl_set(conf, "client.id", "schemagate-dead-letter", err) ||
	    dl_set(conf, "queue.buffering.max.messages", msgs, err) ||
	    dl_set(conf, "queue.buffering.max.kbytes", kbytes, err) ||
	    dl_set(conf, "linger.ms", "20", err))
		goto fail;
	for (const char *const *kv = o->config; kv && kv[0]; kv += 2) {
		if (!kv[1]) {
			error_set(err, SG_EBAD_REQUEST, "dead-letter producer: %s has no value",
			          kv[0]);
			goto fail;
		}
		if (dl_set(conf, kv[0], kv[1], err))
			goto fail;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, dl_delivered);
	rd_kafka_conf_set_log_cb(conf, dl_rdlog);
	rd_kafka_conf_set_opaque(conf, dl);
	char why[512];
	dl->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
	if (!dl->rk) {
		error_set(err, SG_EBAD_REQUEST, "dead-letter producer: %s", why);
		goto fail;
	}
	conf = NULL; /* the producer owns it now */
	if (pthread_create(&dl->thread, NULL, dl_thread, dl) != 0) {
		rd_kafka_destroy(dl->rk);
		free(dl);
		error_set(err, SG_ENOMEM, "dead-letter producer: cannot start its thread");
		return NULL;
	}
	return dl;
fail:
	if (conf)
		rd_kafka_conf_destroy(conf);
	free(dl);
	return NULL;
}

void deadletter_close(struct deadletter *dl)
{
	if (!dl)
		return;
	atomic_store(&dl->stop, 1);
	pthread_join(dl->thread, NULL);
	rd_kafka_flush(dl->rk, dl->flush_ms);
	int left = rd_kafka_outq_len(dl->rk);
	if (left > 0) {
		atomic_fetch_add(&dl->failed, (uint64_t)left);
		dl_log(dl, "event=dead_letter_unflushed records=%d", left);
	}
	rd_kafka_destroy(dl->rk);
	free(dl);
}

static int dl_header(rd_kafka_headers_t *h, const char *name, const char *value)
{
	return rd_kafka_header_add(h, name, -1, value ? value : "", -1) ==
	               RD_KAFKA_RESP_ERR_NO_ERROR
	           ? 0
	           : -1;
}

static int64_t dl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int deadletter_submit(struct deadletter *dl, const struct deadletter_record *r)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(8 + 8);
	if (!h)
		goto drop;
	if (r->headers.len > 0) {
		struct kreader hr;
		struct kslice k, v;
		kreader_init(&hr, r->headers.p, (size_t)r->headers.len);
		while (records_header_next(&hr, &k, &v) == 1)
			if (rd_kafka_header_add(h, (const char *)k.p, k.len, v.len < 0 ? NULL : v.p,
			                        v.len < 0 ? 0 : v.len) !=
			    RD_KAFKA_RESP_ERR_NO_ERROR)
				goto drop;
		if (!kreader_ok(&hr))
			goto drop;
	}
	char num[3][24];
	snprintf(num[0], sizeof num[0], "%" PRId64, r->schema_id);
	snprintf(num[1], sizeof num[1], "%" PRId32, r->source_partition);
	snprintf(num[2], sizeof num[2], "%" PRId32, r->record_index);
	if (dl_header(h, "schemagate.reason", r->reason) ||
	    dl_header(h, "schemagate.error", r->message) ||
	    (r->schema_id >= 0 && dl_header(h, "schemagate.schema.id", num[0])) ||
	    dl_header(h, "schemagate.source.topic", r->source_topic) ||
	    dl_header(h, "schemagate.source.partition", num[1]) ||
	    dl_header(h, "schemagate.source.record", num[2]) ||
	    dl_header(h, "schemagate.client.id", r->client_id) ||
	    dl_header(h, "schemagate.client.address", r->client_addr))
		goto drop;
	void *key = r->key.len < 0 ? NULL : (void *)r->key.p;
	size_t key_len = r->key.len < 0 ? 0 : (size_t)r->key.len;
	void *value = r->value.len < 0 ? NULL : (void *)r->value.p;
	size_t value_len = r->value.len < 0 ? 0 : (size_t)r->value.len;
	int64_t ts = r->timestamp_ms > 0 ? r->timestamp_ms : dl_now_ms();
	rd_kafka_resp_err_t e = rd_kafka_producev(
	    dl->rk, RD_KAFKA_V_TOPIC(r->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(value, value_len),
	    RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		uint64_t n = atomic_load(&dl->dropped) + 1;
		if (dl_log_due(n))
			dl_log(dl,
			       "event=dead_letter_dropped topic=%s error=\"%s\" "
			       "dropped_total=%" PRIu64,
			       r->topic, rd_kafka_err2str(e), n);
		goto drop;
	}
	atomic_fetch_add_explicit(&dl->queued, 1, memory_order_relaxed);
	return 0;
drop:
	if (h)
		rd_kafka_headers_destroy(h);
	atomic_fetch_add_explicit(&dl->dropped, 1, memory_order_relaxed);
	return -1;
}

void deadletter_stats(struct deadletter *dl, struct deadletter_stats *out)
{
	out->queued = atomic_load(&dl->queued);
	out->delivered = atomic_load(&dl->delivered);
	out->failed = atomic_load(&dl->failed);
	out->dropped = atomic_load(&dl->dropped);
}
