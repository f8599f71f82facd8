/* tests/kafka/test_mock.c: the gateway in front of librdkafka's in-process
 * mock cluster (3 brokers), the embedded default of `schemagate serve`.
 * Fast: no JVM. Checks that
 *   - ApiVersions through the gateway is the intersection of the mock's
 *     ranges (librdkafka 2.0.2: Produce <= v7, Metadata <= v2, ApiVersions
 *     <= v2) and the gateway's;
 *   - Metadata and FindCoordinator name only gateway ports (base + node id);
 *   - a librdkafka producer and consumer group through the gateway move
 *     every message, each partition's messages reaching the broker that
 *     leads it (read back straight from the mock cluster).
 * The gateway runs on its own thread; gateway_stop() ends it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "compat/error.h"
#include "gateway/gateway.h"
#include "gateway/kproto.h"
#include "gateway/kreader.h"
#include "gateway/kwriter.h"
#include "tests/tap.h"

#define NMSG  300
#define TOPIC "mock-topic"

static struct gateway *gw;
static char gw_log[16384];
static size_t gw_log_len;

static void log_line(void *arg, const char *line)
{
	(void)arg;
	gw_log_len +=
	    (size_t)snprintf(gw_log + gw_log_len, sizeof gw_log - gw_log_len, "%s\n", line);
	if (gw_log_len >= sizeof gw_log)
		gw_log_len = sizeof gw_log - 1;
}

static void *run_gateway(void *arg)
{
	struct sg_error err;
	(void)arg;
	error_clear(&err);
	if (gateway_run(gw, &err) != 0)
		fprintf(stderr, "gateway_run: %s\n", err.msg);
	return NULL;
}

/* 1 when 127.0.0.1:port can be bound now. */
static int port_free(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, ok;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

static int free_base(int n)
{
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int tries = 0; tries < 200; tries++) {
		int base = 12000 + rand() % 18000, ok = 1;
		for (int i = 1; i <= n && ok; i++)
			ok = port_free(base + i);
		if (ok)
			return base;
	}
	return -1;
}

static int connect_to(const char *hostport)
{
	char host[64];
	const char *colon = strrchr(hostport, ':');
	struct sockaddr_in sa;
	int fd;
	struct timeval tv = {10, 0};

	snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	inet_pton(AF_INET, host, &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Sends one request (header v1: key, version, correlation id 1, client id)
 * and reads the response into *resp (malloc'd). Returns its length or -1. */
static long call(const char *hostport, int16_t key, int16_t version, const void *body, size_t blen,
                 uint8_t **resp)
{
	struct kwriter w;
	uint8_t hdr[4];
	struct kreader r;
	uint32_t n;
	int fd = connect_to(hostport);
	long got = -1;

	*resp = NULL;
	if (fd < 0)
		return -1;
	kwriter_init(&w, 4096);
	kwriter_i32(&w, 0);
	kwriter_i16(&w, key);
	kwriter_i16(&w, version);
	kwriter_i32(&w, 1);
	kwriter_string(&w, kslice_cstr("test_mock"));
	kwriter_raw(&w, body, blen);
	kwriter_patch_u32(&w, 0, (uint32_t)(w.len - 4));
	if (kwriter_ok(&w) && write(fd, w.buf, w.len) == (ssize_t)w.len &&
	    read_all(fd, hdr, 4) == 0) {
		kreader_init(&r, hdr, 4);
		n = kreader_u32(&r);
		if (n < (1u << 20) && (*resp = malloc(n ? n : 1)) && read_all(fd, *resp, n) == 0)
			got = (long)n;
	}
	kwriter_free(&w);
	close(fd);
	return got;
}

/* ApiVersions v0 ranges: sets lo[key] / hi[key] (-1 when absent). */
static int api_versions(const char *hostport, int16_t lo[100], int16_t hi[100])
{
	uint8_t *resp;
	long n = call(hostport, KPROTO_API_VERSIONS, 0, NULL, 0, &resp);
	struct kreader r;
	int32_t cnt;

	for (int i = 0; i < 100; i++)
		lo[i] = hi[i] = -1;
	if (n < 0)
		return -1;
	kreader_init(&r, resp, (size_t)n);
	(void)kreader_i32(&r);
	if (kreader_i16(&r) != 0)
		kreader_fail(&r, "error code");
	cnt = kreader_array_len(&r);
	for (int32_t i = 0; i < cnt && kreader_ok(&r); i++) {
		int16_t k = kreader_i16(&r), a = kreader_i16(&r), b = kreader_i16(&r);
		if (k >= 0 && k < 100) {
			lo[k] = a;
			hi[k] = b;
		}
	}
	free(resp);
	return kreader_ok(&r) ? 0 : -1;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	int *delivered = opaque;
	(void)rk;
	if (!m->err)
		(*delivered)++;
}

/* Consumes every partition of TOPIC from `bootstrap`, counting messages per
 * partition into counts[3] and summing the values' numbers into *sum.
 * With `group` it subscribes as that consumer group, else it assigns. */
static int consume(const char *bootstrap, const char *group, int counts[3], long *sum)
{
	char errstr[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	rd_kafka_topic_partition_list_t *tl = rd_kafka_topic_partition_list_new(3);
	int total = 0;
	time_t end = time(NULL) + 30;

	rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr);
	rd_kafka_conf_set(conf, "group.id", group ? group : "direct-reader", errstr, sizeof errstr);
	rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof errstr);
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
	if (!rk) {
		rd_kafka_topic_partition_list_destroy(tl);
		return -1;
	}
	rd_kafka_poll_set_consumer(rk);
	if (group) {
		rd_kafka_topic_partition_list_add(tl, TOPIC, RD_KAFKA_PARTITION_UA);
		rd_kafka_subscribe(rk, tl);
	} else {
		for (int p = 0; p < 3; p++)
			rd_kafka_topic_partition_list_add(tl, TOPIC, p)->offset =
			    RD_KAFKA_OFFSET_BEGINNING;
		rd_kafka_assign(rk, tl);
	}
	counts[0] = counts[1] = counts[2] = 0;
	*sum = 0;
	while (total < NMSG && time(NULL) < end) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
		if (!m)
			continue;
		if (!m->err && m->partition >= 0 && m->partition < 3) {
			char buf[32];
			snprintf(buf, sizeof buf, "%.*s", (int)(m->len < 31 ? m->len : 31),
			         (const char *)m->payload);
			counts[m->partition]++;
			*sum += atol(buf + 4);
			total++;
		}
		rd_kafka_message_destroy(m);
	}
	if (group)
		rd_kafka_commit(rk, NULL, 0);
	rd_kafka_topic_partition_list_destroy(tl);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return total;
}

int main(void)
{
	char errstr[256], gw_addr[64], mock_first[64];
	rd_kafka_conf_t *conf;
	rd_kafka_t *owner, *prod;
	rd_kafka_mock_cluster_t *mc;
	struct gateway_options o;
	struct sg_error err;
	pthread_t th;
	int base, delivered = 0, counts[3], dcounts[3];
	int16_t glo[100], ghi[100], mlo[100], mhi[100];
	long sum, dsum, want_sum = 0;
	const char *boot;
	const struct rd_kafka_metadata *md;

	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
	owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	mc = owner ? rd_kafka_mock_cluster_new(owner, 3) : NULL;
	if (!mc)
		return tap_skip_all("librdkafka's mock cluster is not available");
	boot = rd_kafka_mock_cluster_bootstraps(mc);
	snprintf(mock_first, sizeof mock_first, "%.*s", (int)strcspn(boot, ","), boot);
	rd_kafka_mock_topic_create(mc, TOPIC, 3, 1);
	for (int p = 0; p < 3; p++)
		rd_kafka_mock_partition_set_leader(mc, TOPIC, p, p + 1);
	rd_kafka_mock_coordinator_set(mc, "group", "mock-group", 2);

	base = free_base(3);
	tap_ok(base > 0, "found 3 free ports for the broker port base");
	memset(&o, 0, sizeof o);
	o.listen = "127.0.0.1:0";
	o.brokers = boot;
	o.broker_port_base = base;
	o.log = log_line;
	error_clear(&err);
	gw = gateway_open(&o, &err);
	if (!tap_ok(gw != NULL, "gateway_open in front of the mock cluster (%s)", boot)) {
		tap_diag("%s", err.msg);
		return tap_done();
	}
	snprintf(gw_addr, sizeof gw_addr, "127.0.0.1:%d", gateway_port(gw));
	pthread_create(&th, NULL, run_gateway, NULL);

	/* The intersection, measured against the mock itself. */
	tap_ok(api_versions(mock_first, mlo, mhi) == 0 && api_versions(gw_addr, glo, ghi) == 0,
	       "ApiVersions v0 from the mock and through the gateway");
	tap_diag("mock: Produce v%d-%d, Metadata v%d-%d, ApiVersions v%d-%d", mlo[0], mhi[0],
	         mlo[3], mhi[3], mlo[18], mhi[18]);
	tap_is_int(ghi[KPROTO_PRODUCE], mhi[KPROTO_PRODUCE] < 12 ? mhi[KPROTO_PRODUCE] : 12,
	           "Produce max is min(mock, 12)");
	tap_is_int(ghi[KPROTO_METADATA], mhi[KPROTO_METADATA] < 13 ? mhi[KPROTO_METADATA] : 13,
	           "Metadata max is min(mock, 13)");
	tap_is_int(ghi[KPROTO_API_VERSIONS],
	           mhi[KPROTO_API_VERSIONS] < 4 ? mhi[KPROTO_API_VERSIONS] : 4,
	           "ApiVersions max is min(mock, 4)");
	{
		int same = 1;
		for (int k = 0; k < 100; k++) {
			int16_t gmin, gmax;
			int16_t lo = mlo[k], hi = mhi[k];
			if (mhi[k] < 0 || !kproto_gateway_versions(k, &gmin, &gmax)) {
				lo = hi = -1;
			} else {
				lo = lo > gmin ? lo : gmin;
				hi = hi < gmax ? hi : gmax;
				if (lo > hi)
					lo = hi = -1;
			}
			if (glo[k] != lo || ghi[k] != hi) {
				tap_diag("key %d: got %d-%d want %d-%d", k, glo[k], ghi[k], lo, hi);
				same = 0;
			}
		}
		tap_ok(same, "every API's range is the intersection");
	}

	/* Produce through the gateway; partitions are led by brokers 1, 2, 3. */
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "bootstrap.servers", gw_addr, errstr, sizeof errstr);
	rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof errstr);
	rd_kafka_conf_set(conf, "linger.ms", "2", errstr, sizeof errstr);
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	rd_kafka_conf_set_opaque(conf, &delivered);
	prod = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	if (rd_kafka_metadata(prod, 1, NULL, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		int good = md->broker_cnt == 3;
		for (int i = 0; i < md->broker_cnt; i++) {
			good &= !strcmp(md->brokers[i].host, "127.0.0.1") &&
			        md->brokers[i].port == base + md->brokers[i].id;
			tap_diag("broker %d at %s:%d", md->brokers[i].id, md->brokers[i].host,
			         md->brokers[i].port);
		}
		tap_ok(good, "Metadata through the gateway: 3 brokers, each at 127.0.0.1:base+id");
		rd_kafka_metadata_destroy(md);
	} else {
		tap_ok(0, "Metadata through the gateway");
	}
	for (int i = 0; i < NMSG; i++) {
		char v[32];
		int len = snprintf(v, sizeof v, "msg-%d", i);
		want_sum += i;
		rd_kafka_producev(prod, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(i % 3),
		                  RD_KAFKA_V_VALUE(v, (size_t)len),
		                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
	}
	rd_kafka_flush(prod, 20000);
	rd_kafka_destroy(prod);
	tap_is_int(delivered, NMSG,
	           "librdkafka producer (acks=all) through the gateway: every delivery succeeds");

	tap_is_int(consume(boot, NULL, dcounts, &dsum), NMSG,
	           "read straight from the mock: every message");
	tap_ok(dcounts[0] == NMSG / 3 && dcounts[1] == NMSG / 3 && dcounts[2] == NMSG / 3 &&
	           dsum == want_sum,
	       "each partition's messages reached its leader (%d/%d/%d)", dcounts[0], dcounts[1],
	       dcounts[2]);
	tap_is_int(
	    consume(gw_addr, "mock-group", counts, &sum), NMSG,
	    "consumer group (coordinator on broker 2) through the gateway reads every message");
	tap_ok(sum == want_sum, "with the right contents");

	gateway_stop(gw);
	pthread_join(th, NULL);
	gateway_close(gw);
	tap_ok(strstr(gw_log, "node 2 at") != NULL, "the gateway logged the nodes it learned");
	if (!strstr(gw_log, "node 2 at"))
		tap_diag("log: %s", gw_log);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(owner);
	return tap_done();
}
