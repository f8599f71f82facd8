/* registry/kafkastore.c: the registry's view of `_schemas`, its reader and
 * its transactional writer; see registry/kafkastore.h.
 *
 * Locks: `write_mu` serialises the write path of this node: taken by
 * before_write, released by publish or discard (the same API thread), and by
 * writer start/stop. `mu` guards the reader's progress and the counters;
 * `cond` signals progress. The reader thread takes only the store's writer
 * (store_apply_begin), never `write_mu`, so a write that waits for the
 * reader while holding `write_mu` cannot deadlock it.
 */
#include "registry/kafkastore.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "registry/logview.h"
#include "registry/schemalog.h"

#define KS_BATCH_MAX 500  /* records applied in one SQLite transaction */
#define KS_CHECK_MS  1000 /* how often the reader asks for the log's end */

struct kafkastore {
	struct store *st;
	char *topic, *brokers, *group, *txn_id, *ca, *cert, *key;
	int timeout_ms;
	void (*on_apply)(void *ctx);
	void *on_apply_ctx;
	void (*on_fenced)(void *ctx);
	void *on_fenced_ctx;

	rd_kafka_t *consumer;
	pthread_t reader;
	int reader_started;

	pthread_mutex_t mu;
	pthread_cond_t cond;
	int stop;         /* the reader must stop */
	int64_t position; /* next offset to apply (applied records) */
	int64_t reached;  /* the end of the partition as last seen by the reader */
	/* The log's end (last stable offset) as last asked of the brokers, and
	 * when (monotonic ms) the view was last seen at that end; 0: never. */
	int64_t end;
	int64_t synced_ms;
	uint64_t applied, skipped, writes;
	int writer; /* `producer` is open and not fenced */

	pthread_mutex_t write_mu;
	int want_writer; /* kafkastore_writer_start() and no stop since */
	rd_kafka_t *producer;
	struct logview_batch batch;
	int64_t *offsets; /* delivery reports: each record's offset, -1 failed */
	size_t offsets_cap;
};

static void ks_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ks_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "schemagate: kafkastore: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Monotonic milliseconds. */
static int64_t ks_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ks_deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* ---- Clients ---- */

static int ks_set(rd_kafka_conf_t *c, const char *k, const char *v, struct sg_error *err)
{
	char errstr[256];
	if (v && rd_kafka_conf_set(c, k, v, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
		return error_set(err, SG_EBAD_REQUEST, "kafka setting %s: %s", k, errstr);
	return 0;
}

static rd_kafka_conf_t *ks_conf(struct kafkastore *ks, struct sg_error *err)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	if (!c) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	int tls = ks->ca || ks->cert;
	if (ks_set(c, "bootstrap.servers", ks->brokers, err) < 0 ||
	    ks_set(c, "client.id", "schemagate-registry", err) < 0 ||
	    (tls && ks_set(c, "security.protocol", "ssl", err) < 0) ||
	    ks_set(c, "ssl.ca.location", ks->ca, err) < 0 ||
	    ks_set(c, "ssl.certificate.location", ks->cert, err) < 0 ||
	    ks_set(c, "ssl.key.location", ks->key, err) < 0) {
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	return c;
}

static rd_kafka_t *ks_client(rd_kafka_type_t type, rd_kafka_conf_t *c, struct sg_error *err)
{
	char errstr[512];
	rd_kafka_t *rk = rd_kafka_new(type, c, errstr, sizeof errstr);
	if (!rk) {
		rd_kafka_conf_destroy(c);
		error_set(err, SG_EBAD_REQUEST, "kafka client: %s", errstr);
	}
	return rk;
}

/* ---- The topic ---- */

/* Waits for the result event of an admin request on `q`. */
static rd_kafka_event_t *ks_admin_wait(rd_kafka_queue_t *q, int timeout_ms, const char *what,
                                       struct sg_error *err)
{
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms);
	if (!ev) {
		error_set(err, SG_EUNAVAILABLE, "%s: no answer from the brokers in %d ms", what,
		          timeout_ms);
		return NULL;
	}
	if (rd_kafka_event_error(ev)) {
		error_set(err, SG_EUNAVAILABLE, "%s: %s", what, rd_kafka_event_error_string(ev));
		rd_kafka_event_destroy(ev);
		return NULL;
	}
	return ev;
}

static int ks_topic_create(struct kafkastore *ks, int brokers, struct sg_error *err)
{
	char errstr[256], rf[8];
	int replication = brokers < 3 ? brokers : 3;
	rd_kafka_NewTopic_t *nt =
	    rd_kafka_NewTopic_new(ks->topic, 1, replication, errstr, sizeof errstr);
	if (!nt)
		return error_set(err, SG_EBAD_REQUEST, "topic '%s': %s", ks->topic, errstr);
	snprintf(rf, sizeof rf, "%d", 2);
	rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
	if (brokers >= 3)
		rd_kafka_NewTopic_set_config(nt, "min.insync.replicas", rf);
	rd_kafka_queue_t *q = rd_kafka_queue_new(ks->consumer);
	rd_kafka_CreateTopics(ks->consumer, &nt, 1, NULL, q);
	rd_kafka_event_t *ev = ks_admin_wait(q, ks->timeout_ms, "creating the topic", err);
	int rc = ev ? 0 : -1;
	if (ev) {
		size_t n = 0;
		const rd_kafka_topic_result_t **res =
		    rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
		for (size_t i = 0; i < n; i++) {
			rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
			if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
				rc = error_set(err, SG_EUNAVAILABLE, "creating topic '%s': %s",
				               ks->topic,
				               rd_kafka_topic_result_error_string(res[i]));
		}
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_queue_destroy(q);
	rd_kafka_NewTopic_destroy(nt);
	if (rc == 0)
		ks_log("created topic '%s' (1 partition, replication %d, cleanup.policy=compact%s)",
		       ks->topic, replication, brokers >= 3 ? ", min.insync.replicas=2" : "");
	return rc;
}

/* The topic's cleanup.policy, into `out`. */
static int ks_topic_policy(struct kafkastore *ks, char *out, size_t cap, struct sg_error *err)
{
	rd_kafka_ConfigResource_t *res =
	    rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, ks->topic);
	rd_kafka_queue_t *q = rd_kafka_queue_new(ks->consumer);
	rd_kafka_DescribeConfigs(ks->consumer, &res, 1, NULL, q);
	rd_kafka_event_t *ev = ks_admin_wait(q, ks->timeout_ms, "reading the topic's config", err);
	int rc = -1;
	out[0] = '\0';
	if (ev) {
		size_t n = 0, nc = 0;
		const rd_kafka_ConfigResource_t **rs = rd_kafka_DescribeConfigs_result_resources(
		    rd_kafka_event_DescribeConfigs_result(ev), &n);
		if (n == 1 && rd_kafka_ConfigResource_error(rs[0]))
			error_set(err, SG_EUNAVAILABLE, "reading the config of topic '%s': %s",
			          ks->topic, rd_kafka_ConfigResource_error_string(rs[0]));
		else if (n == 1) {
			const rd_kafka_ConfigEntry_t **es =
			    rd_kafka_ConfigResource_configs(rs[0], &nc);
			for (size_t i = 0; i < nc; i++)
				if (strcmp(rd_kafka_ConfigEntry_name(es[i]), "cleanup.policy") ==
				    0) {
					const char *v = rd_kafka_ConfigEntry_value(es[i]);
					snprintf(out, cap, "%s", v ? v : "");
				}
			rc = 0;
		}
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_queue_destroy(q);
	rd_kafka_ConfigResource_destroy(res);
	return rc;
}

/* One partition, compacted; created when absent and allowed. */
static int ks_topic_check(struct kafkastore *ks, int create, struct sg_error *err)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(ks->consumer, 1, NULL, &md, ks->timeout_ms);
	if (e)
		return error_set(err, SG_EUNAVAILABLE, "cannot reach the brokers %s: %s",
		                 ks->brokers, rd_kafka_err2str(e));
	int partitions = -1, brokers = md->broker_cnt;
	for (int i = 0; i < md->topic_cnt; i++)
		if (strcmp(md->topics[i].topic, ks->topic) == 0 && !md->topics[i].err)
			partitions = md->topics[i].partition_cnt;
	rd_kafka_metadata_destroy(md);
	if (partitions < 0) {
		if (!create)
			return error_set(
			    err, SG_EBAD_REQUEST,
			    "topic '%s' does not exist: create it with 1 partition and "
			    "cleanup.policy=compact, or let schemagate create it",
			    ks->topic);
		return ks_topic_create(ks, brokers, err);
	}
	if (partitions != 1)
		return error_set(
		    err, SG_EBAD_REQUEST,
		    "topic '%s' has %d partitions; the registry needs exactly 1 (the "
		    "order of its records is the registry's history): point --topic at "
		    "another topic, or delete it and let schemagate create it",
		    ks->topic, partitions);
	char policy[64];
	if (ks_topic_policy(ks, policy, sizeof policy, err) < 0)
		return -1;
	if (strcmp(policy, "compact") != 0)
		return error_set(
		    err, SG_EBAD_REQUEST,
		    "topic '%s' has cleanup.policy=%s; the registry needs compact, or "
		    "old schemas would be deleted: kafka-configs.sh --bootstrap-server "
		    "%s --alter --entity-type topics --entity-name %s --add-config "
		    "cleanup.policy=compact",
		    ks->topic, policy, ks->brokers, ks->topic);
	return 0;
}

/* ---- The reader ---- */

/* Applies a batch of messages in one transaction, with the position after
 * it. Returns 0, or -1 when the store failed (nothing applied). */
static int ks_apply_batch(struct kafkastore *ks, rd_kafka_message_t **ms, size_t n,
                          uint64_t *applied, uint64_t *skipped, struct sg_error *err)
{
	*applied = *skipped = 0;
	struct store_tx *tx = store_apply_begin(ks->st, err);
	if (!tx)
		return -1;
	int64_t last = -1;
	for (size_t i = 0; i < n; i++) {
		rd_kafka_message_t *m = ms[i];
		struct schemalog_record r;
		struct sg_error e = {0};
		last = m->offset;
		if (!m->key) {
			ks_log("offset %" PRId64 ": a record without a key, skipped", m->offset);
			(*skipped)++;
			continue;
		}
		if (schemalog_decode(m->key, m->key_len, m->payload, m->payload ? m->len : 0, &r,
		                     &e) < 0) {
			/* KafkaStoreReaderThread logs and goes on. */
			ks_log("offset %" PRId64 ": a record that does not decode, skipped: %s",
			       m->offset, e.msg);
			(*skipped)++;
			continue;
		}
		int rc = r.key.type == SCHEMALOG_NOOP && m->payload
		             ? logview_apply_mark(tx, m->payload, m->len, &e)
		             : logview_apply(tx, &r, rd_kafka_message_timestamp(m, NULL), &e);
		schemalog_record_clear(&r);
		if (rc < 0) {
			*err = e;
			store_end(tx);
			return -1;
		}
		if (rc == 1) {
			ks_log("offset %" PRId64 ": %s", m->offset, e.msg);
			(*skipped)++;
		} else {
			(*applied)++;
		}
	}
	if (store_log_position_put(tx, ks->topic, last + 1, err) < 0) {
		store_end(tx);
		return -1;
	}
	return store_commit(tx, err);
}

static int ks_stopping(struct kafkastore *ks)
{
	pthread_mutex_lock(&ks->mu);
	int s = ks->stop;
	pthread_mutex_unlock(&ks->mu);
	return s;
}

static void *ks_reader_main(void *arg)
{
	struct kafkastore *ks = arg;
	rd_kafka_message_t *ms[KS_BATCH_MAX];
	int64_t checked_ms = 0;
	while (!ks_stopping(ks)) {
		/* About once a second, the log's end from the brokers: the lag, and
		 * whether the view is caught up (kafkastore_ready). Brokers that do
		 * not answer leave synced_ms where it was. */
		if (ks_now_ms() - checked_ms >= KS_CHECK_MS) {
			int64_t lo = 0, hi = 0;
			checked_ms = ks_now_ms();
			if (!rd_kafka_query_watermark_offsets(ks->consumer, ks->topic, 0, &lo, &hi,
			                                      KS_CHECK_MS)) {
				pthread_mutex_lock(&ks->mu);
				ks->end = hi;
				if (ks->position >= hi || ks->reached >= hi)
					ks->synced_ms = ks_now_ms();
				pthread_mutex_unlock(&ks->mu);
			}
		}
		size_t n = 0;
		int64_t eof = -1;
		rd_kafka_message_t *m = rd_kafka_consumer_poll(ks->consumer, 200);
		while (m) {
			if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
				eof = m->offset;
				rd_kafka_message_destroy(m);
			} else if (m->err) {
				ks_log("reading '%s': %s", ks->topic, rd_kafka_message_errstr(m));
				rd_kafka_message_destroy(m);
			} else {
				ms[n++] = m;
			}
			m = n < KS_BATCH_MAX ? rd_kafka_consumer_poll(ks->consumer, 0) : NULL;
		}
		if (n) {
			uint64_t applied = 0, skipped = 0;
			struct sg_error e = {0};
			while (ks_apply_batch(ks, ms, n, &applied, &skipped, &e) < 0) {
				ks_log("applying records at offset %" PRId64
				       " failed, retrying: %s",
				       ms[0]->offset, e.msg);
				error_clear(&e);
				struct timespec ts = {0, 500 * 1000000L};
				nanosleep(&ts, NULL);
				if (ks_stopping(ks))
					break;
			}
			int64_t next = ms[n - 1]->offset + 1;
			for (size_t i = 0; i < n; i++)
				rd_kafka_message_destroy(ms[i]);
			pthread_mutex_lock(&ks->mu);
			if (next > ks->position)
				ks->position = next;
			ks->applied += applied;
			ks->skipped += skipped;
			pthread_cond_broadcast(&ks->cond);
			pthread_mutex_unlock(&ks->mu);
			if (ks->on_apply)
				ks->on_apply(ks->on_apply_ctx);
		}
		if (eof >= 0) {
			pthread_mutex_lock(&ks->mu);
			if (eof > ks->reached)
				ks->reached = eof;
			if (ks->reached >= ks->end) {
				ks->end = ks->reached;
				ks->synced_ms = ks_now_ms();
			}
			pthread_cond_broadcast(&ks->cond);
			pthread_mutex_unlock(&ks->mu);
		}
	}
	return NULL;
}

/* Waits until the reader has applied or passed `offset` (exclusive end). */
static int ks_wait_reached(struct kafkastore *ks, int64_t end, int timeout_ms, struct sg_error *err)
{
	struct timespec dl;
	ks_deadline(&dl, timeout_ms);
	int rc = 0;
	pthread_mutex_lock(&ks->mu);
	while (ks->position < end && ks->reached < end) {
		if (pthread_cond_timedwait(&ks->cond, &ks->mu, &dl) == ETIMEDOUT) {
			rc = error_set(err, SG_ETIMEOUT,
			               "the registry's view did not reach offset %" PRId64
			               " of '%s' in %d ms (it is at %" PRId64 ")",
			               end, ks->topic, timeout_ms, ks->position);
			break;
		}
	}
	pthread_mutex_unlock(&ks->mu);
	return rc;
}

/* The partition's first and end offsets (the end: the last stable offset,
 * the consumer reading committed). A topic just created is unknown for a
 * moment, and a partition without a leader during a failover: both are
 * asked again until `timeout_ms` has passed. */
static int ks_watermarks(struct kafkastore *ks, int64_t *lo, int64_t *hi, int timeout_ms,
                         struct sg_error *err)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(ks->consumer, ks->topic, 0,
		                                                         lo, hi, timeout_ms);
		if (!e)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long spent =
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		int retry = e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
		            e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
		            e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
		            e == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
		            e == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
		            e == RD_KAFKA_RESP_ERR__TRANSPORT;
		if (!retry || spent >= timeout_ms)
			return error_set(err, SG_EUNAVAILABLE, "reading the end of '%s': %s",
			                 ks->topic, rd_kafka_err2str(e));
		struct timespec ts = {0, 100 * 1000000L};
		nanosleep(&ts, NULL);
		/* librdkafka answers from its metadata cache: refresh it. */
		const struct rd_kafka_metadata *md = NULL;
		rd_kafka_topic_t *rkt = rd_kafka_topic_new(ks->consumer, ks->topic, NULL);
		if (rkt && rd_kafka_metadata(ks->consumer, 0, rkt, &md, 2000) == 0)
			rd_kafka_metadata_destroy(md);
		if (rkt)
			rd_kafka_topic_destroy(rkt);
	}
}

int kafkastore_catch_up(struct kafkastore *ks, int timeout_ms, struct sg_error *err)
{
	int64_t lo = 0, hi = 0;
	if (ks_watermarks(ks, &lo, &hi, timeout_ms, err) < 0)
		return -1;
	return ks_wait_reached(ks, hi, timeout_ms, err);
}

/* ---- The writer ---- */

static void ks_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	int64_t *slot = m->_private;
	if (slot)
		*slot = m->err ? -1 : m->offset;
}

static void ks_producer_close(struct kafkastore *ks)
{
	if (!ks->producer)
		return;
	rd_kafka_destroy(ks->producer);
	ks->producer = NULL;
	pthread_mutex_lock(&ks->mu);
	ks->writer = 0;
	pthread_mutex_unlock(&ks->mu);
}

/* Opens the transactional producer, fencing any other with the same
 * transactional.id. Called with write_mu held. */
static int ks_producer_open(struct kafkastore *ks, struct sg_error *err)
{
	int rc = 0;
	if (!ks->producer) {
		rd_kafka_conf_t *c = ks_conf(ks, err);
		if (c && (ks_set(c, "transactional.id", ks->txn_id, err) < 0 ||
		          ks_set(c, "linger.ms", "0", err) < 0)) {
			rd_kafka_conf_destroy(c);
			c = NULL;
		}
		if (c)
			rd_kafka_conf_set_dr_msg_cb(c, ks_dr);
		ks->producer = c ? ks_client(RD_KAFKA_PRODUCER, c, err) : NULL;
		rd_kafka_error_t *e =
		    ks->producer ? rd_kafka_init_transactions(ks->producer, ks->timeout_ms) : NULL;
		if (!ks->producer || e) {
			if (e) {
				error_set(err, SG_EUNAVAILABLE, "becoming the writer of '%s': %s",
				          ks->topic, rd_kafka_error_string(e));
				rd_kafka_error_destroy(e);
			}
			ks_producer_close(ks);
			rc = -1;
		} else {
			pthread_mutex_lock(&ks->mu);
			ks->writer = 1;
			pthread_mutex_unlock(&ks->mu);
			ks_log("this node is the writer of '%s' (transactional.id %s)", ks->topic,
			       ks->txn_id);
		}
	}
	return rc;
}

int kafkastore_writer_start(struct kafkastore *ks, struct sg_error *err)
{
	pthread_mutex_lock(&ks->write_mu);
	ks->want_writer = 1;
	int rc = ks_producer_open(ks, err);
	pthread_mutex_unlock(&ks->write_mu);
	return rc;
}

void kafkastore_writer_stop(struct kafkastore *ks)
{
	pthread_mutex_lock(&ks->write_mu);
	ks->want_writer = 0;
	ks_producer_close(ks);
	pthread_mutex_unlock(&ks->write_mu);
}

int kafkastore_is_writer(struct kafkastore *ks)
{
	pthread_mutex_lock(&ks->mu);
	int w = ks->writer;
	pthread_mutex_unlock(&ks->mu);
	return w;
}

static int ks_before_write(void *ctx, struct sg_error *err)
{
	struct kafkastore *ks = ctx;
	pthread_mutex_lock(&ks->write_mu);
	if (!ks->producer && !ks->want_writer) {
		pthread_mutex_unlock(&ks->write_mu);
		return error_set(
		    err, SG_EUNAVAILABLE,
		    "this registry node is not the writer of '%s'; write to the leader", ks->topic);
	}
	/* A writer whose producer failed (not fenced: that stops the writer)
	 * builds a new one, whose init_transactions settles what the old one
	 * left; the catch-up below then reads the log to its end before
	 * anything is decided. */
	if (!ks->producer && ks_producer_open(ks, err) < 0) {
		pthread_mutex_unlock(&ks->write_mu);
		return -1;
	}
	if (kafkastore_catch_up(ks, ks->timeout_ms, err) < 0) {
		pthread_mutex_unlock(&ks->write_mu);
		return -1;
	}
	return 0;
}

static int ks_change(void *ctx, struct store_tx *tx, const struct store_change *c,
                     struct sg_error *err)
{
	struct kafkastore *ks = ctx;
	return logview_capture(&ks->batch, tx, c, err);
}

static void ks_discard(void *ctx)
{
	struct kafkastore *ks = ctx;
	logview_batch_clear(&ks->batch);
	pthread_mutex_unlock(&ks->write_mu);
}

/* A failed transaction: abortable ones are aborted; a fatal error (fenced)
 * closes the producer. Returns -1 with err set. */
static int ks_txn_fail(struct kafkastore *ks, rd_kafka_error_t *e, const char *what,
                       struct sg_error *err)
{
	int fatal = e ? rd_kafka_error_is_fatal(e) : 0;
	char fatal_msg[256] = "";
	if (!fatal && rd_kafka_fatal_error(ks->producer, fatal_msg, sizeof fatal_msg))
		fatal = 1;
	error_set(err, SG_EUNAVAILABLE, "%s: %s", what,
	          e              ? rd_kafka_error_string(e)
	          : fatal_msg[0] ? fatal_msg
	                         : "delivery failed");
	if (fatal) {
		ks_log("the writer's producer failed for good (%s): no longer the writer until "
		       "this node is elected again",
		       err->msg);
		ks_producer_close(ks);
		ks->want_writer = 0;
		if (ks->on_fenced)
			ks->on_fenced(ks->on_fenced_ctx);
	} else {
		/* Whatever failed, no transaction may stay open: abort it, and
		 * when even that fails (a commit that timed out, whose outcome is
		 * unknown), close the producer: the next one's init_transactions
		 * settles the transaction before anything else is written. */
		rd_kafka_error_t *a = rd_kafka_abort_transaction(ks->producer, ks->timeout_ms);
		if (a) {
			ks_log("aborting a failed transaction failed (%s): closing the producer",
			       rd_kafka_error_string(a));
			rd_kafka_error_destroy(a);
			ks_producer_close(ks);
		}
	}
	if (e)
		rd_kafka_error_destroy(e);
	return -1;
}

static int ks_publish_locked(struct kafkastore *ks, struct sg_error *err)
{
	struct logview_batch *b = &ks->batch;
	if (b->n == 0)
		return 0;
	if (!ks->producer)
		return error_set(err, SG_EUNAVAILABLE, "this node is no longer the writer");
	if (b->n > ks->offsets_cap) {
		int64_t *o = realloc(ks->offsets, b->n * sizeof *o);
		if (!o)
			return error_set(err, SG_ENOMEM, "out of memory");
		ks->offsets = o;
		ks->offsets_cap = b->n;
	}
	rd_kafka_error_t *e = rd_kafka_begin_transaction(ks->producer);
	if (e)
		return ks_txn_fail(ks, e, "beginning a transaction", err);
	for (size_t i = 0; i < b->n; i++) {
		ks->offsets[i] = -1;
		rd_kafka_resp_err_t pe = rd_kafka_producev(
		    ks->producer, RD_KAFKA_V_TOPIC(ks->topic), RD_KAFKA_V_PARTITION(0),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_KEY(b->recs[i].key, b->recs[i].key_len),
		    RD_KAFKA_V_VALUE(b->recs[i].value, b->recs[i].value_len),
		    RD_KAFKA_V_OPAQUE(&ks->offsets[i]), RD_KAFKA_V_END);
		if (pe) {
			error_set(err, SG_EUNAVAILABLE, "producing to '%s': %s", ks->topic,
			          rd_kafka_err2str(pe));
			return ks_txn_fail(ks, NULL, "producing", err);
		}
	}
	rd_kafka_flush(ks->producer, ks->timeout_ms);
	int64_t last = -1;
	for (size_t i = 0; i < b->n; i++) {
		if (ks->offsets[i] < 0)
			return ks_txn_fail(ks, NULL, "producing", err);
		if (ks->offsets[i] > last)
			last = ks->offsets[i];
	}
	e = rd_kafka_commit_transaction(ks->producer, ks->timeout_ms);
	if (e)
		return ks_txn_fail(ks, e, "committing the transaction", err);
	pthread_mutex_lock(&ks->mu);
	ks->writes++;
	pthread_mutex_unlock(&ks->mu);
	/* A 200 means: in the log, and visible on this node. */
	return ks_wait_reached(ks, last + 1, ks->timeout_ms, err);
}

static int ks_publish(void *ctx, struct sg_error *err)
{
	struct kafkastore *ks = ctx;
	int rc = ks_publish_locked(ks, err);
	logview_batch_clear(&ks->batch);
	pthread_mutex_unlock(&ks->write_mu);
	return rc;
}

static const struct store_log_hooks ks_hooks = {
    .before_write = ks_before_write,
    .change = ks_change,
    .publish = ks_publish,
    .discard = ks_discard,
};

/* ---- Open and close ---- */

/* Where the reader starts: the view's position, or the start of the log
 * (the view emptied first when its position is past the log's end). */
static int ks_start_position(struct kafkastore *ks, int64_t *start, int64_t *end,
                             struct sg_error *err)
{
	int64_t lo = 0, hi = 0, next = 0;
	if (ks_watermarks(ks, &lo, &hi, ks->timeout_ms, err) < 0)
		return -1;
	struct store_tx *tx = store_read(ks->st, err);
	if (!tx)
		return -1;
	int r = store_log_position(tx, ks->topic, &next, err);
	store_end(tx);
	if (r < 0)
		return -1;
	*end = hi;
	if (r == 0 || next <= lo) {
		*start = r == 0 ? RD_KAFKA_OFFSET_BEGINNING : next;
		if (r == 1 && next < lo)
			*start = RD_KAFKA_OFFSET_BEGINNING;
	} else {
		*start = next;
	}
	if (r == 1 && next > hi) {
		ks_log("the view is at offset %" PRId64 " but '%s' ends at %" PRId64
		       ": the topic was recreated; rebuilding the view from its start",
		       next, ks->topic, hi);
		tx = store_apply_begin(ks->st, err);
		if (!tx || store_log_reset(tx, err) < 0 || store_commit(tx, err) < 0) {
			store_end(tx);
			return -1;
		}
		*start = RD_KAFKA_OFFSET_BEGINNING;
		next = 0;
	}
	ks->position = r == 1 && *start != RD_KAFKA_OFFSET_BEGINNING ? next : 0;
	ks->reached = ks->position;
	return 0;
}

static char *ks_strdup(const char *s, int *oom)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*oom = 1;
	return d;
}

struct kafkastore *kafkastore_open(struct store *st, const struct kafkastore_options *o,
                                   struct sg_error *err)
{
	struct kafkastore *ks = calloc(1, sizeof *ks);
	if (!ks) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&ks->mu, NULL);
	pthread_cond_init(&ks->cond, NULL);
	pthread_mutex_init(&ks->write_mu, NULL);
	ks->st = st;
	ks->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
	ks->on_apply = o->on_apply;
	ks->on_apply_ctx = o->on_apply_ctx;
	ks->on_fenced = o->on_fenced;
	ks->on_fenced_ctx = o->on_fenced_ctx;
	int oom = 0;
	const char *group = o->group_id && *o->group_id ? o->group_id : "schemagate-registry";
	ks->topic = ks_strdup(o->topic && *o->topic ? o->topic : "_schemas", &oom);
	ks->brokers = ks_strdup(o->brokers, &oom);
	ks->group = ks_strdup(group, &oom);
	ks->ca = ks_strdup(o->tls_ca, &oom);
	ks->cert = ks_strdup(o->tls_cert, &oom);
	ks->key = ks_strdup(o->tls_key, &oom);
	size_t tl = strlen(group) + sizeof "-writer";
	ks->txn_id = malloc(tl);
	if (oom || !ks->txn_id) {
		error_set(err, SG_ENOMEM, "out of memory");
		goto fail;
	}
	snprintf(ks->txn_id, tl, "%s-writer", group);
	if (!ks->brokers || !*ks->brokers) {
		error_set(err, SG_EBAD_REQUEST, "the kafka store needs brokers");
		goto fail;
	}

	rd_kafka_conf_t *c = ks_conf(ks, err);
	char view_group[512];
	snprintf(view_group, sizeof view_group, "%s-view", group);
	if (c && (ks_set(c, "group.id", view_group, err) < 0 ||
	          ks_set(c, "enable.auto.commit", "false", err) < 0 ||
	          ks_set(c, "enable.partition.eof", "true", err) < 0 ||
	          ks_set(c, "isolation.level", "read_committed", err) < 0 ||
	          ks_set(c, "allow.auto.create.topics", "false", err) < 0 ||
	          /* A broker completes a read_committed fetch when its records
	           * arrive, not when their transaction commits: the fetch then
	           * waits out fetch.wait.max.ms, which every write waits for. */
	          ks_set(c, "fetch.wait.max.ms", "10", err) < 0 ||
	          ks_set(c, "fetch.max.bytes", "67108864", err) < 0 ||
	          ks_set(c, "max.partition.fetch.bytes", "33554432", err) < 0)) {
		rd_kafka_conf_destroy(c);
		c = NULL;
	}
	if (!c || !(ks->consumer = ks_client(RD_KAFKA_CONSUMER, c, err)))
		goto fail;
	rd_kafka_poll_set_consumer(ks->consumer);
	if (ks_topic_check(ks, !o->no_create, err) < 0)
		goto fail;
	int64_t start = 0, end = 0;
	if (ks_start_position(ks, &start, &end, err) < 0)
		goto fail;
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(parts, ks->topic, 0)->offset = start;
	rd_kafka_resp_err_t ae = rd_kafka_assign(ks->consumer, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	if (ae) {
		error_set(err, SG_EUNAVAILABLE, "reading '%s': %s", ks->topic,
		          rd_kafka_err2str(ae));
		goto fail;
	}
	int64_t from = ks->position;
	if (pthread_create(&ks->reader, NULL, ks_reader_main, ks) != 0) {
		error_set(err, SG_EINTERNAL, "cannot start the reader thread");
		goto fail;
	}
	ks->reader_started = 1;
	/* Replay: no answer from a view that has not caught up. Bounded only
	 * by progress: a long log takes as long as it takes. */
	for (;;) {
		struct sg_error e = {0};
		if (ks_wait_reached(ks, end, ks->timeout_ms, &e) == 0)
			break;
		pthread_mutex_lock(&ks->mu);
		int64_t at = ks->position;
		pthread_mutex_unlock(&ks->mu);
		if (at == from) {
			*err = e;
			goto fail;
		}
		ks_log("replaying '%s': at offset %" PRId64 " of %" PRId64, ks->topic, at, end);
		from = at;
	}
	store_set_log_hooks(st, &ks_hooks, ks);
	pthread_mutex_lock(&ks->mu);
	if (end > ks->end)
		ks->end = end;
	ks->synced_ms = ks_now_ms();
	ks_log("the view of '%s' caught up at offset %" PRId64 ": %" PRIu64
	       " records applied, %" PRIu64 " skipped, replayed from offset %" PRId64,
	       ks->topic, ks->position, ks->applied, ks->skipped,
	       start == RD_KAFKA_OFFSET_BEGINNING ? (int64_t)0 : start);
	pthread_mutex_unlock(&ks->mu);
	return ks;
fail:
	kafkastore_close(ks);
	return NULL;
}

void kafkastore_close(struct kafkastore *ks)
{
	if (!ks)
		return;
	if (ks->st)
		store_set_log_hooks(ks->st, NULL, NULL);
	kafkastore_writer_stop(ks);
	if (ks->reader_started) {
		pthread_mutex_lock(&ks->mu);
		ks->stop = 1;
		pthread_mutex_unlock(&ks->mu);
		pthread_join(ks->reader, NULL);
	}
	if (ks->consumer) {
		rd_kafka_consumer_close(ks->consumer);
		rd_kafka_destroy(ks->consumer);
	}
	logview_batch_clear(&ks->batch);
	free(ks->batch.recs);
	free(ks->offsets);
	free(ks->topic);
	free(ks->brokers);
	free(ks->group);
	free(ks->txn_id);
	free(ks->ca);
	free(ks->cert);
	free(ks->key);
	pthread_mutex_destroy(&ks->mu);
	pthread_cond_destroy(&ks->cond);
	pthread_mutex_destroy(&ks->write_mu);
	free(ks);
}

void kafkastore_stats(struct kafkastore *ks, struct kafkastore_stats *out)
{
	pthread_mutex_lock(&ks->mu);
	out->position = ks->position;
	out->applied = ks->applied;
	out->skipped = ks->skipped;
	out->writes = ks->writes;
	out->writer = ks->writer;
	out->end = ks->end;
	int64_t at = ks->position > ks->reached ? ks->position : ks->reached;
	out->lag = ks->end > at ? ks->end - at : 0;
	out->synced_age_ms = ks->synced_ms ? ks_now_ms() - ks->synced_ms : -1;
	pthread_mutex_unlock(&ks->mu);
}

int kafkastore_ready(struct kafkastore *ks, int max_age_ms, char *why, size_t cap)
{
	struct kafkastore_stats s;
	kafkastore_stats(ks, &s);
	if (s.synced_age_ms >= 0 && s.synced_age_ms <= max_age_ms)
		return 1;
	if (s.synced_age_ms < 0)
		snprintf(why, cap, "the view of '%s' has not caught up with the log yet",
		         ks->topic);
	else
		snprintf(why, cap,
		         "the view of '%s' was last caught up with the log %" PRId64
		         " ms ago (at offset %" PRId64 ", %" PRId64 " behind)",
		         ks->topic, s.synced_age_ms, s.position, s.lag);
	return 0;
}
