/* registry/leader.c: the functions of registry/leader.h. One thread owns three
 * librdkafka clients: the group member (eligible nodes only), which holds
 * partition 0 of the coordination topic or not; the watcher, a consumer
 * assigned that partition outside the group, which reads the leader records
 * and also sends the DescribeConsumerGroups and watermark requests; and the
 * producer of this node's own leader record (eligible nodes only). What
 * other threads read (leading, the known leader) sits behind one mutex.
 */
#include "registry/leader.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>

#define LEADER_MEMBER_MAX 256
#define LEADER_KAFKA_MAX  32 /* extra librdkafka settings, pairs */
#define LEADER_RECORD_MAX (LEADER_URL_MAX + LEADER_MEMBER_MAX + 128)
#define LEADER_CATCHUP_MS 10000 /* reading the coordination topic to its end */
#define LEADER_PUBLISH_MS 10000 /* the leader record's delivery */
#define LEADER_REJOIN_MS  2000  /* after on_gain failed, before joining again */

struct leader {
	/* Options, copied. */
	char *brokers, *group, *topic, *url;
	char *kafka_config[2 * LEADER_KAFKA_MAX + 1];
	int eligible;
	unsigned session_ms, refresh_ms;
	int (*on_gain)(void *ctx, int64_t epoch);
	void (*on_lose)(void *ctx);
	void *ctx;

	/* The module's thread and its clients. */
	pthread_t thread;
	int started;
	atomic_int stop;
	atomic_int resign;   /* leader_resign() was called */
	rd_kafka_t *member;  /* NULL when not eligible */
	rd_kafka_t *watch;   /* reads the coordination topic */
	rd_kafka_t *prod;    /* NULL when not eligible */
	rd_kafka_queue_t *q; /* admin results */
	/* Thread-only state. */
	int have_p0;                    /* the member holds partition 0 */
	int64_t rejoin_at;              /* ms; 0: subscribed */
	int64_t watch_next;             /* the next offset the watcher reads */
	int64_t max_epoch;              /* the highest epoch read for this group */
	int64_t next_refresh;           /* ms */
	char holder[LEADER_MEMBER_MAX]; /* who held partition 0 at the last look */
	int holder_seen;                /* the last look was in a stable group */

	/* Shared with other threads, under mu. */
	pthread_mutex_t mu;
	int leading;
	int known;
	char rec_url[LEADER_URL_MAX];
	char rec_member[LEADER_MEMBER_MAX];
	int64_t rec_epoch;
	int have_rec;
	int64_t my_epoch;
	char my_member[LEADER_MEMBER_MAX]; /* this node's member id while it leads */
};

static int64_t leader_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Copies a string, keeping at most cap - 1 bytes. */
static void leader_copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* ---- librdkafka clients ---- */

static int leader_conf_set(rd_kafka_conf_t *conf, const char *k, const char *v,
                           struct sg_error *err)
{
	char why[256];
	if (rd_kafka_conf_set(conf, k, v, why, sizeof why) != RD_KAFKA_CONF_OK)
		return error_set(err, SG_EUNPROCESSABLE, "leader: librdkafka %s=%s: %s", k, v, why);
	return 0;
}

/* A configuration with the brokers, the extra settings and `pairs`
 * (NULL-terminated). NULL with `err` set when librdkafka refuses one. */
static rd_kafka_conf_t *leader_conf(struct leader *l, const char *const *pairs,
                                    struct sg_error *err)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	if (!conf) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	if (leader_conf_set(conf, "bootstrap.servers", l->brokers, err) < 0)
		goto fail;
	for (size_t i = 0; l->kafka_config[i]; i += 2)
		if (leader_conf_set(conf, l->kafka_config[i], l->kafka_config[i + 1], err) < 0)
			goto fail;
	for (size_t i = 0; pairs[i]; i += 2)
		if (leader_conf_set(conf, pairs[i], pairs[i + 1], err) < 0)
			goto fail;
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

static rd_kafka_t *leader_client(rd_kafka_type_t type, rd_kafka_conf_t *conf, struct sg_error *err)
{
	char why[512];
	rd_kafka_t *rk = rd_kafka_new(type, conf, why, sizeof why);
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		error_set(err, SG_EUNPROCESSABLE, "leader: librdkafka: %s", why);
	}
	return rk;
}

/* Whether `parts` holds partition 0 of the coordination topic. */
static int leader_has_p0(struct leader *l, const rd_kafka_topic_partition_list_t *parts)
{
	for (int i = 0; parts && i < parts->cnt; i++)
		if (parts->elems[i].partition == 0 && strcmp(parts->elems[i].topic, l->topic) == 0)
			return 1;
	return 0;
}

/* ---- Leading ---- */

/* Stops leading, if this node leads: on_lose first, then the flag. */
static void leader_step_down(struct leader *l, const char *why)
{
	pthread_mutex_lock(&l->mu);
	int was = l->leading;
	l->leading = 0;
	if (was)
		l->known = 0;
	pthread_mutex_unlock(&l->mu);
	if (!was)
		return;
	fprintf(stderr, "schemagate: leader: this node stopped leading (%s)\n", why);
	if (l->on_lose)
		l->on_lose(l->ctx);
}

/* The group member's rebalance callback (cooperative: partitions are added
 * and taken one by one). Runs inside rd_kafka_consumer_poll() on the
 * module's thread. */
static void leader_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                                rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct leader *l = opaque;
	int p0 = leader_has_p0(l, parts);
	if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		rd_kafka_error_t *ae = rd_kafka_incremental_assign(rk, parts);
		if (ae)
			rd_kafka_error_destroy(ae);
		/* Nothing is read through the member: the watcher reads. */
		rd_kafka_pause_partitions(rk, parts);
		if (p0)
			l->have_p0 = 1;
	} else {
		if (p0) {
			l->have_p0 = 0;
			leader_step_down(l, rd_kafka_assignment_lost(rk) ? "partition 0 lost"
			                                                 : "partition 0 revoked");
		}
		rd_kafka_error_t *ue = rd_kafka_incremental_unassign(rk, parts);
		if (ue)
			rd_kafka_error_destroy(ue);
	}
}

/* Reads one leader record (key: a group id). Records of other groups, and
 * values that do not parse, are skipped. */
static void leader_apply_record(struct leader *l, const rd_kafka_message_t *m)
{
	size_t glen = strlen(l->group);
	if (!m->key || m->key_len != glen || memcmp(m->key, l->group, glen) != 0 || !m->payload ||
	    m->len == 0 || m->len > LEADER_RECORD_MAX)
		return;
	json_t *v = json_loadb(m->payload, m->len, 0, NULL);
	const char *url = json_string_value(json_object_get(v, "url"));
	const char *member = json_string_value(json_object_get(v, "member"));
	json_t *ep = json_object_get(v, "epoch");
	if (url && member && json_is_integer(ep)) {
		int64_t epoch = json_integer_value(ep);
		if (epoch > l->max_epoch)
			l->max_epoch = epoch;
		pthread_mutex_lock(&l->mu);
		leader_copy(l->rec_url, sizeof l->rec_url, url);
		leader_copy(l->rec_member, sizeof l->rec_member, member);
		l->rec_epoch = epoch;
		l->have_rec = 1;
		pthread_mutex_unlock(&l->mu);
	}
	json_decref(v);
}

/* Reads what the watcher has, waiting up to `wait_ms` for the first. */
static void leader_watch_poll(struct leader *l, int wait_ms)
{
	rd_kafka_message_t *m;
	while ((m = rd_kafka_consumer_poll(l->watch, wait_ms)) != NULL) {
		wait_ms = 0;
		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			leader_apply_record(l, m);
			l->watch_next = m->offset + 1;
		} else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			l->watch_next = m->offset;
		}
		rd_kafka_message_destroy(m);
	}
}

/* Reads the coordination topic to its end (the high watermark at the time of
 * the call). 0, or -1 when it cannot within LEADER_CATCHUP_MS. */
static int leader_catch_up(struct leader *l)
{
	int64_t lo = 0, hi = 0;
	if (rd_kafka_query_watermark_offsets(l->watch, l->topic, 0, &lo, &hi, LEADER_CATCHUP_MS) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR)
		return -1;
	int64_t deadline = leader_now_ms() + LEADER_CATCHUP_MS;
	while (l->watch_next < hi && hi > lo) {
		if (leader_now_ms() > deadline || atomic_load(&l->stop))
			return -1;
		leader_watch_poll(l, 100);
	}
	return 0;
}

static void leader_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	*(rd_kafka_resp_err_t *)m->_private = m->err;
}

/* Writes this node's leader record with `epoch` and waits for it to be
 * acknowledged by all in-sync replicas. 0 or -1. */
static int leader_publish(struct leader *l, const char *member, int64_t epoch)
{
	json_t *v = json_pack("{s:s, s:I, s:s}", "url", l->url, "epoch", (json_int_t)epoch,
	                      "member", member);
	char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
	json_decref(v);
	if (!text)
		return -1;
	rd_kafka_resp_err_t result = RD_KAFKA_RESP_ERR__IN_PROGRESS;
	rd_kafka_resp_err_t e = rd_kafka_producev(
	    l->prod, RD_KAFKA_V_TOPIC(l->topic), RD_KAFKA_V_PARTITION(0),
	    RD_KAFKA_V_KEY(l->group, strlen(l->group)), RD_KAFKA_V_VALUE(text, strlen(text)),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&result), RD_KAFKA_V_END);
	free(text);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
		return -1;
	rd_kafka_flush(l->prod, LEADER_PUBLISH_MS);
	if (result == RD_KAFKA_RESP_ERR__IN_PROGRESS) {
		/* Not delivered in time: drop it, so that result is not written
		 * after this frame is gone. */
		rd_kafka_purge(l->prod, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_flush(l->prod, 1000);
		rd_kafka_poll(l->prod, 0);
	}
	return result == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

/* This node was given partition 0: read the coordination topic to its end,
 * publish the record with the next epoch, let the writer start, then lead.
 * On any failure, give partition 0 up (leave the group, join again later). */
static void leader_try_gain(struct leader *l)
{
	char *member = rd_kafka_memberid(l->member);
	char mid[LEADER_MEMBER_MAX];
	leader_copy(mid, sizeof mid, member);
	if (member)
		rd_kafka_mem_free(l->member, member);
	const char *why = NULL;
	int64_t epoch = 0;
	if (!mid[0])
		why = "no member id yet";
	else if (leader_catch_up(l) < 0)
		why = "could not read the coordination topic to its end";
	else if (epoch = l->max_epoch + 1, leader_publish(l, mid, epoch) < 0)
		why = "could not publish the leader record";
	else if (l->on_gain && l->on_gain(l->ctx, epoch) < 0)
		why = "the writer could not start";
	if (why) {
		fprintf(stderr,
		        "schemagate: leader: not leading: %s; leaving the group for %d ms\n", why,
		        LEADER_REJOIN_MS);
		rd_kafka_unsubscribe(l->member);
		l->have_p0 = 0;
		l->rejoin_at = leader_now_ms() + LEADER_REJOIN_MS;
		return;
	}
	pthread_mutex_lock(&l->mu);
	l->leading = 1;
	l->my_epoch = epoch;
	leader_copy(l->my_member, sizeof l->my_member, mid);
	pthread_mutex_unlock(&l->mu);
	fprintf(stderr, "schemagate: leader: this node leads (epoch %lld, %s)\n", (long long)epoch,
	        l->url);
}

/* ---- Who leads, as the group says ---- */

/* Looks at the group once and updates `known`. A look that fails changes
 * nothing. */
static void leader_refresh(struct leader *l)
{
	rd_kafka_AdminOptions_t *opt =
	    rd_kafka_AdminOptions_new(l->watch, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
	if (!opt)
		return;
	char why[256];
	/* Short: the thread polls the group member only between looks. */
	int timeout = (int)(l->refresh_ms > 500 ? l->refresh_ms : 500);
	rd_kafka_AdminOptions_set_request_timeout(opt, timeout, why, sizeof why);
	const char *groups[1] = {l->group};
	rd_kafka_DescribeConsumerGroups(l->watch, groups, 1, opt, l->q);
	rd_kafka_AdminOptions_destroy(opt);
	rd_kafka_event_t *ev = rd_kafka_queue_poll(l->q, timeout + 500);
	/* An answer that came after its wait ended is older: keep the newest. */
	for (rd_kafka_event_t *later; ev && (later = rd_kafka_queue_poll(l->q, 0));) {
		rd_kafka_event_destroy(ev);
		ev = later;
	}
	if (!ev)
		return;
	const rd_kafka_DescribeConsumerGroups_result_t *res =
	    rd_kafka_event_DescribeConsumerGroups_result(ev);
	size_t n = 0;
	const rd_kafka_ConsumerGroupDescription_t **gs =
	    res && !rd_kafka_event_error(ev)
	        ? rd_kafka_DescribeConsumerGroups_result_groups(res, &n)
	        : NULL;
	if (!gs || n != 1 || rd_kafka_ConsumerGroupDescription_error(gs[0])) {
		rd_kafka_event_destroy(ev);
		return;
	}
	const rd_kafka_ConsumerGroupDescription_t *g = gs[0];
	rd_kafka_consumer_group_state_t st = rd_kafka_ConsumerGroupDescription_state(g);
	size_t nm = rd_kafka_ConsumerGroupDescription_member_count(g);
	char holder[LEADER_MEMBER_MAX] = "";
	int prev_member = 0;
	for (size_t i = 0; i < nm; i++) {
		const rd_kafka_MemberDescription_t *m =
		    rd_kafka_ConsumerGroupDescription_member(g, i);
		const char *id = rd_kafka_MemberDescription_consumer_id(m);
		const rd_kafka_MemberAssignment_t *as = rd_kafka_MemberDescription_assignment(m);
		if (as && leader_has_p0(l, rd_kafka_MemberAssignment_partitions(as)))
			leader_copy(holder, sizeof holder, id);
		if (id && l->holder[0] && strcmp(id, l->holder) == 0)
			prev_member = 1;
	}
	rd_kafka_event_destroy(ev);

	pthread_mutex_lock(&l->mu);
	int was = l->known;
	if (st == RD_KAFKA_CONSUMER_GROUP_STATE_STABLE) {
		leader_copy(l->holder, sizeof l->holder, holder);
		l->known = holder[0] && l->have_rec && strcmp(holder, l->rec_member) == 0;
	} else if (st == RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE ||
	           st == RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE) {
		/* Assignments are not shown while the group rebalances: the last
		 * leader stays while it is still a member. */
		l->known = l->known && prev_member;
	} else {
		l->holder[0] = '\0';
		l->known = 0;
	}
	int now = l->known || l->leading;
	char url[LEADER_URL_MAX];
	leader_copy(url, sizeof url, l->leading ? l->url : l->rec_url);
	int64_t epoch = l->leading ? l->my_epoch : l->rec_epoch;
	int stale = l->leading && holder[0] && st == RD_KAFKA_CONSUMER_GROUP_STATE_STABLE &&
	            strcmp(holder, l->my_member) != 0;
	pthread_mutex_unlock(&l->mu);
	if (now && !was && !l->leading)
		fprintf(stderr, "schemagate: leader: the leader is %s (epoch %lld)\n", url,
		        (long long)epoch);
	else if (!now && was)
		fprintf(stderr, "schemagate: leader: no leader known (group %s)\n",
		        rd_kafka_consumer_group_state_name(st));
	/* A node that still thinks it leads while the stable group gives
	 * partition 0 to another member (it was paused past its session): it
	 * steps down now, maybe before its member hears it was evicted. Its
	 * writes were fenced already. */
	if (stale) {
		l->have_p0 = 0;
		leader_step_down(l, "another member holds partition 0");
	}
}

/* ---- The thread ---- */

static void *leader_main(void *arg)
{
	struct leader *l = arg;
	while (!atomic_load(&l->stop)) {
		if (l->member) {
			if (l->rejoin_at && leader_now_ms() >= l->rejoin_at) {
				rd_kafka_topic_partition_list_t *t =
				    rd_kafka_topic_partition_list_new(1);
				rd_kafka_topic_partition_list_add(t, l->topic,
				                                  RD_KAFKA_PARTITION_UA);
				if (rd_kafka_subscribe(l->member, t) == RD_KAFKA_RESP_ERR_NO_ERROR)
					l->rejoin_at = 0;
				rd_kafka_topic_partition_list_destroy(t);
			}
			rd_kafka_message_t *m = rd_kafka_consumer_poll(l->member, 50);
			if (m)
				rd_kafka_message_destroy(m);
			if (atomic_exchange(&l->resign, 0) && leader_is_leader(l)) {
				leader_step_down(l, "its writer was fenced");
				rd_kafka_unsubscribe(l->member);
				l->have_p0 = 0;
				l->rejoin_at = leader_now_ms() + LEADER_REJOIN_MS;
			}
			if (l->have_p0 && !leader_is_leader(l))
				leader_try_gain(l);
		}
		leader_watch_poll(l, l->member ? 50 : 100);
		if (leader_now_ms() >= l->next_refresh) {
			leader_refresh(l);
			l->next_refresh = leader_now_ms() + l->refresh_ms;
		}
	}
	leader_step_down(l, "closing");
	return NULL;
}

/* ---- Lifecycle ---- */

/* Creates the coordination topic unless it exists: one partition,
 * compacted, replication 3 capped by the number of brokers. Failures are
 * logged, not fatal: another node may have made it, or will. */
static void leader_create_topic(struct leader *l)
{
	const struct rd_kafka_metadata *md = NULL;
	if (rd_kafka_metadata(l->watch, 0, NULL, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		fprintf(stderr, "schemagate: leader: no metadata from %s yet\n", l->brokers);
		return;
	}
	int rf = md->broker_cnt < 3 ? md->broker_cnt : 3;
	int exists = 0;
	for (int i = 0; i < md->topic_cnt; i++)
		if (strcmp(md->topics[i].topic, l->topic) == 0 &&
		    md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR)
			exists = 1;
	rd_kafka_metadata_destroy(md);
	if (exists || rf < 1)
		return;
	char why[256];
	rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(l->topic, 1, rf, why, sizeof why);
	if (!nt)
		return;
	rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
	rd_kafka_CreateTopics(l->watch, &nt, 1, NULL, l->q);
	rd_kafka_NewTopic_destroy(nt);
	rd_kafka_event_t *ev = rd_kafka_queue_poll(l->q, 15000);
	const rd_kafka_CreateTopics_result_t *res =
	    ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
	size_t n = 0;
	const rd_kafka_topic_result_t **tr =
	    res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
	rd_kafka_resp_err_t e =
	    tr && n == 1 ? rd_kafka_topic_result_error(tr[0]) : RD_KAFKA_RESP_ERR__TIMED_OUT;
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
		fprintf(stderr,
		        "schemagate: leader: created the topic %s (1 partition, compact, "
		        "replication %d)\n",
		        l->topic, rf);
	else if (e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
		fprintf(stderr, "schemagate: leader: could not create the topic %s: %s\n", l->topic,
		        tr && n == 1 && rd_kafka_topic_result_error_string(tr[0])
		            ? rd_kafka_topic_result_error_string(tr[0])
		            : rd_kafka_err2str(e));
	if (ev)
		rd_kafka_event_destroy(ev);
}

static int leader_make_clients(struct leader *l, struct sg_error *err)
{
	char session[16], heartbeat[16];
	snprintf(session, sizeof session, "%u", l->session_ms);
	snprintf(heartbeat, sizeof heartbeat, "%u", l->session_ms / 6 ? l->session_ms / 6 : 1);
	const char *watch_kv[] = {"group.id",
	                          l->group,
	                          "enable.auto.commit",
	                          "false",
	                          "enable.partition.eof",
	                          "true",
	                          "isolation.level",
	                          "read_committed",
	                          "client.id",
	                          "schemagate-leader-watch",
	                          NULL};
	rd_kafka_conf_t *conf = leader_conf(l, watch_kv, err);
	if (!conf || !(l->watch = leader_client(RD_KAFKA_CONSUMER, conf, err)))
		return -1;
	if (!(l->q = rd_kafka_queue_new(l->watch)))
		return error_set(err, SG_ENOMEM, "out of memory");
	leader_create_topic(l);
	rd_kafka_topic_partition_list_t *t = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(t, l->topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_resp_err_t ae = rd_kafka_assign(l->watch, t);
	rd_kafka_topic_partition_list_destroy(t);
	if (ae != RD_KAFKA_RESP_ERR_NO_ERROR)
		return error_set(err, SG_EINTERNAL, "leader: %s", rd_kafka_err2str(ae));
	if (!l->eligible)
		return 0;

	const char *prod_kv[] = {"acks", "all", "client.id", "schemagate-leader", NULL};
	conf = leader_conf(l, prod_kv, err);
	if (!conf)
		return -1;
	rd_kafka_conf_set_dr_msg_cb(conf, leader_dr_cb);
	if (!(l->prod = leader_client(RD_KAFKA_PRODUCER, conf, err)))
		return -1;

	const char *member_kv[] = {"group.id",
	                           l->group,
	                           "partition.assignment.strategy",
	                           "cooperative-sticky",
	                           "session.timeout.ms",
	                           session,
	                           "heartbeat.interval.ms",
	                           heartbeat,
	                           "enable.auto.commit",
	                           "false",
	                           "client.id",
	                           "schemagate-leader",
	                           NULL};
	conf = leader_conf(l, member_kv, err);
	if (!conf)
		return -1;
	rd_kafka_conf_set_rebalance_cb(conf, leader_rebalance_cb);
	rd_kafka_conf_set_opaque(conf, l);
	if (!(l->member = leader_client(RD_KAFKA_CONSUMER, conf, err)))
		return -1;
	rd_kafka_poll_set_consumer(l->member);
	l->rejoin_at = 1; /* subscribe on the thread's first turn */
	return 0;
}

struct leader *leader_new(const struct leader_options *o, struct sg_error *err)
{
	if (!o || !o->brokers || !*o->brokers) {
		error_set(err, SG_EUNPROCESSABLE, "leader: no brokers given");
		return NULL;
	}
	struct leader *l = calloc(1, sizeof *l);
	if (!l) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&l->mu, NULL);
	l->brokers = strdup(o->brokers);
	l->group = strdup(o->group_id && *o->group_id ? o->group_id : LEADER_DEFAULT_GROUP);
	l->topic = strdup(o->topic && *o->topic ? o->topic : LEADER_DEFAULT_TOPIC);
	l->url = strdup(o->advertised_url ? o->advertised_url : "");
	l->eligible = o->eligible;
	l->session_ms = o->session_timeout_ms ? o->session_timeout_ms : 6000;
	l->refresh_ms = o->refresh_ms ? o->refresh_ms : 1000;
	l->on_gain = o->on_gain;
	l->on_lose = o->on_lose;
	l->ctx = o->ctx;
	l->max_epoch = 0;
	int oom = !l->brokers || !l->group || !l->topic || !l->url;
	for (size_t i = 0; !oom && o->kafka_config && o->kafka_config[i]; i += 2) {
		if (i / 2 >= LEADER_KAFKA_MAX || !o->kafka_config[i + 1]) {
			error_set(err, SG_EUNPROCESSABLE,
			          "leader: too many or unpaired Kafka settings");
			leader_close(l);
			return NULL;
		}
		oom = !(l->kafka_config[i] = strdup(o->kafka_config[i])) ||
		      !(l->kafka_config[i + 1] = strdup(o->kafka_config[i + 1]));
	}
	if (oom) {
		error_set(err, SG_ENOMEM, "out of memory");
		leader_close(l);
		return NULL;
	}
	return l;
}

int leader_start(struct leader *l, const char *advertised_url, struct sg_error *err)
{
	if (l->started)
		return 0;
	if (advertised_url && *advertised_url) {
		if (strlen(advertised_url) >= LEADER_URL_MAX)
			return error_set(err, SG_EUNPROCESSABLE,
			                 "leader: the advertised URL is longer than %d bytes",
			                 LEADER_URL_MAX - 1);
		char *u = strdup(advertised_url);
		if (!u)
			return error_set(err, SG_ENOMEM, "out of memory");
		free(l->url);
		l->url = u;
	}
	if (l->eligible && !*l->url)
		return error_set(
		    err, SG_EUNPROCESSABLE,
		    "leader: a node that may lead needs an advertised URL (--advertised-url)");
	if (strlen(l->url) >= LEADER_URL_MAX)
		return error_set(err, SG_EUNPROCESSABLE,
		                 "leader: the advertised URL is longer than %d bytes",
		                 LEADER_URL_MAX - 1);
	if (leader_make_clients(l, err) < 0)
		return -1;
	int e = pthread_create(&l->thread, NULL, leader_main, l);
	if (e)
		return error_set(err, SG_EINTERNAL, "leader: thread: %s", strerror(e));
	l->started = 1;
	return 0;
}

struct leader *leader_open(const struct leader_options *o, struct sg_error *err)
{
	struct leader *l = leader_new(o, err);
	if (l && leader_start(l, NULL, err) < 0) {
		leader_close(l);
		return NULL;
	}
	return l;
}

void leader_close(struct leader *l)
{
	if (!l)
		return;
	atomic_store(&l->stop, 1);
	if (l->started)
		pthread_join(l->thread, NULL);
	/* Leaving the group at once hands partition 0 to another node without
	 * waiting for the session timeout. */
	if (l->member) {
		rd_kafka_consumer_close(l->member);
		rd_kafka_destroy(l->member);
	}
	if (l->q)
		rd_kafka_queue_destroy(l->q);
	if (l->watch) {
		rd_kafka_consumer_close(l->watch);
		rd_kafka_destroy(l->watch);
	}
	if (l->prod)
		rd_kafka_destroy(l->prod);
	for (size_t i = 0; l->kafka_config[i]; i++)
		free(l->kafka_config[i]);
	free(l->brokers);
	free(l->group);
	free(l->topic);
	free(l->url);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int leader_is_leader(struct leader *l)
{
	pthread_mutex_lock(&l->mu);
	int r = l->leading;
	pthread_mutex_unlock(&l->mu);
	return r;
}

int leader_url(struct leader *l, char *buf, size_t cap, int64_t *epoch)
{
	pthread_mutex_lock(&l->mu);
	int r = l->leading || l->known;
	if (cap)
		leader_copy(buf, cap, !r ? "" : l->leading ? l->url : l->rec_url);
	if (epoch)
		*epoch = !r ? 0 : l->leading ? l->my_epoch : l->rec_epoch;
	pthread_mutex_unlock(&l->mu);
	return r;
}

int leader_wait(struct leader *l, int timeout_ms)
{
	int64_t deadline = leader_now_ms() + timeout_ms;
	while (!leader_url(l, NULL, 0, NULL)) {
		if (leader_now_ms() >= deadline)
			return 0;
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return 1;
}

void leader_resign(struct leader *l)
{
	atomic_store(&l->resign, 1);
}
