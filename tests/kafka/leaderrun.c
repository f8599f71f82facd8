/* tests/kafka/leaderrun.c: a test-only registry node for
 * tests/kafka/registry-election.sh, until `schemagate registry --store kafka`
 * wires registry/leader in:
 *
 *   leaderrun --brokers H:P[,...] --db FILE [--group G] [--topic T]
 *             [--ineligible] [--session-ms N] [--forward-timeout-ms N]
 *             [--fence-topic T] [--auth FILE]
 *
 * It serves the registry API over its own SQLite file on 127.0.0.1 (a free
 * port), with registry/forward sending writes to the leader, and takes part
 * in the election of registry/leader with http://127.0.0.1:PORT as its URL.
 * With --auth, the API checks credentials against that auth file.
 * Once listening it prints "url URL" on stdout.
 *
 * With --fence-topic, leading also means writing as the fenced writer does:
 * on_gain opens a transactional producer whose transactional.id is the
 * group's ("G-writer", shared by every node) and init_transactions() it;
 * then, until on_lose, a thread commits one record a transaction every
 * 100 ms to that topic ("epoch E seq N url URL") and prints "write ok E N"
 * or "write failed E N: reason" ("write fenced E N: ..." when the producer
 * was fenced, after which this writer stops). The test reads the topic
 * (read_committed) to see that no old leader's write landed after a new
 * leader's.
 *
 * Serves until SIGTERM or SIGINT, then leaves the group. Log lines go to
 * stderr.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>

#include "compat/error.h"
#include "registry/api.h"
#include "registry/auth.h"
#include "registry/forward.h"
#include "registry/http.h"
#include "registry/leader.h"
#include "registry/store.h"

static volatile sig_atomic_t lr_stop;

static void lr_on_signal(int sig)
{
	(void)sig;
	lr_stop = 1;
}

static _Atomic(struct api *) lr_api;

static void lr_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
	(void)ctx;
	struct api *a = atomic_load(&lr_api);
	if (a) {
		api_handle(a, req, resp);
		return;
	}
	resp->status = 503;
	resp->body = strdup("{\"error_code\":50003,\"message\":\"starting\"}");
	resp->body_len = resp->body ? strlen(resp->body) : 0;
	resp->content_type = "application/json";
}

struct lr_writer {
	const char *brokers, *topic, *group, *url;
	rd_kafka_t *prod;
	pthread_t thread;
	int running;
	atomic_int stop;
	int64_t epoch;
};

static void lr_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void lr_out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void *lr_write_loop(void *arg)
{
	struct lr_writer *w = arg;
	for (int seq = 1; !atomic_load(&w->stop); seq++) {
		char v[LEADER_URL_MAX + 64];
		int n = snprintf(v, sizeof v, "epoch %lld seq %d url %s", (long long)w->epoch, seq,
		                 w->url);
		rd_kafka_error_t *e = rd_kafka_begin_transaction(w->prod);
		if (!e) {
			rd_kafka_resp_err_t pe = rd_kafka_producev(
			    w->prod, RD_KAFKA_V_TOPIC(w->topic), RD_KAFKA_V_VALUE(v, (size_t)n),
			    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
			if (pe)
				e = rd_kafka_error_new(pe, "%s", rd_kafka_err2str(pe));
			else
				e = rd_kafka_commit_transaction(w->prod, 10000);
		}
		if (!e) {
			lr_out("write ok %lld %d\n", (long long)w->epoch, seq);
		} else {
			int fenced = rd_kafka_error_is_fatal(e) ||
			             rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR__FENCED ||
			             rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_PRODUCER_FENCED;
			lr_out("write %s %lld %d: %s\n", fenced ? "fenced" : "failed",
			       (long long)w->epoch, seq, rd_kafka_error_string(e));
			int abort = rd_kafka_error_txn_requires_abort(e);
			rd_kafka_error_destroy(e);
			if (fenced)
				break;
			if (abort) {
				rd_kafka_error_t *ae = rd_kafka_abort_transaction(w->prod, 10000);
				if (ae)
					rd_kafka_error_destroy(ae);
			}
		}
		usleep(100 * 1000);
	}
	return NULL;
}

static int lr_on_gain(void *ctx, int64_t epoch)
{
	struct lr_writer *w = ctx;
	lr_out("gain %lld\n", (long long)epoch);
	if (!w->topic)
		return 0;
	char why[512], txid[300];
	snprintf(txid, sizeof txid, "%s-writer", w->group);
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", w->brokers, why, sizeof why) ||
	    rd_kafka_conf_set(conf, "transactional.id", txid, why, sizeof why) ||
	    rd_kafka_conf_set(conf, "transaction.timeout.ms", "60000", why, sizeof why)) {
		rd_kafka_conf_destroy(conf);
		lr_out("writer config: %s\n", why);
		return -1;
	}
	w->prod = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
	if (!w->prod) {
		rd_kafka_conf_destroy(conf);
		lr_out("writer: %s\n", why);
		return -1;
	}
	rd_kafka_error_t *e = rd_kafka_init_transactions(w->prod, 30000);
	if (e) {
		lr_out("writer init_transactions: %s\n", rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
		rd_kafka_destroy(w->prod);
		w->prod = NULL;
		return -1;
	}
	w->epoch = epoch;
	atomic_store(&w->stop, 0);
	if (pthread_create(&w->thread, NULL, lr_write_loop, w) != 0) {
		rd_kafka_destroy(w->prod);
		w->prod = NULL;
		return -1;
	}
	w->running = 1;
	return 0;
}

static void lr_on_lose(void *ctx)
{
	struct lr_writer *w = ctx;
	lr_out("lose\n");
	if (w->running) {
		atomic_store(&w->stop, 1);
		pthread_join(w->thread, NULL);
		w->running = 0;
	}
	if (w->prod) {
		rd_kafka_destroy(w->prod);
		w->prod = NULL;
	}
}

static void lr_usage(void)
{
	fprintf(stderr, "usage: leaderrun --brokers H:P[,...] --db FILE [--group G] [--topic T] "
	                "[--ineligible] [--session-ms N] [--forward-timeout-ms N] "
	                "[--fence-topic T] [--auth FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct leader_options lo = {.eligible = 1};
	struct lr_writer w = {0};
	const char *db = NULL, *auth_file = NULL;
	long fwd_timeout = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--ineligible") == 0) {
			lo.eligible = 0;
			continue;
		}
		if (!v)
			lr_usage();
		i++;
		if (strcmp(a, "--brokers") == 0)
			lo.brokers = v;
		else if (strcmp(a, "--db") == 0)
			db = v;
		else if (strcmp(a, "--group") == 0)
			lo.group_id = v;
		else if (strcmp(a, "--topic") == 0)
			lo.topic = v;
		else if (strcmp(a, "--session-ms") == 0)
			lo.session_timeout_ms = (unsigned)atoi(v);
		else if (strcmp(a, "--forward-timeout-ms") == 0)
			fwd_timeout = atol(v);
		else if (strcmp(a, "--fence-topic") == 0)
			w.topic = v;
		else if (strcmp(a, "--auth") == 0)
			auth_file = v;
		else
			lr_usage();
	}
	if (!lo.brokers || !db)
		lr_usage();

	struct sigaction sa = {.sa_handler = lr_on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sg_error err = {0};
	struct store *st = store_open(db, NULL, &err);
	struct leader *l = NULL;
	struct forward *f = NULL;
	struct api *api = NULL;
	struct http_server *srv = NULL;
	struct auth_watch *aw = NULL;
	int rc = 1;
	if (!st)
		goto out;
	/* The leader needs the URL, so the server comes first; until the api is
	 * made, it answers 503. */
	struct http_options ho = {.host = "127.0.0.1", .port = 0, .body_limit = 16u << 20};
	if (!(srv = http_open(&ho, lr_handle, NULL, &err)))
		goto out;
	int port = http_port(srv);

	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	w.brokers = lo.brokers;
	w.group = lo.group_id ? lo.group_id : LEADER_DEFAULT_GROUP;
	w.url = url;
	lo.advertised_url = url;
	lo.on_gain = lr_on_gain;
	lo.on_lose = lr_on_lose;
	lo.ctx = &w;
	if (!(l = leader_open(&lo, &err)))
		goto out;
	struct forward_options fo = {.timeout_ms = fwd_timeout};
	if (!(f = forward_new(l, &fo, &err)))
		goto out;
	if (auth_file && !(aw = auth_watch_open(auth_file, &err)))
		goto out;
	struct api_options ao = {.forward = f, .auth = aw};
	if (!(api = api_new(st, &ao, &err)))
		goto out;
	atomic_store(&lr_api, api);
	lr_out("url %s\n", url);
	while (!lr_stop)
		usleep(50 * 1000);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "leaderrun: %s\n", err.msg);
	http_close(srv);
	atomic_store(&lr_api, NULL);
	leader_close(l);
	forward_free(f);
	api_free(api);
	auth_watch_close(aw);
	store_close(st);
	return rc;
}
