/* gateway/gateway.c: options, the loop and the proxy, put together. */
#include "gateway/gateway.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "common/filewatch.h"
#include "compat/error.h"
#include "gateway/certmap.h"
#include "gateway/gwlog.h"
#include "gateway/loop.h"
#include "gateway/proxy.h"
#include "gateway/tls.h"
#include "gateway/workers.h"

/* Most bootstrap brokers accepted on the command line. */
#define GATEWAY_MAX_BROKERS 64
#define GATEWAY_ADDR_MAX    300

/* The contexts the gateway rebuilds when their files change. */
enum gateway_tls_kind {
	GATEWAY_TLS_SERVER,  /* client_tls: certificate, key, client CA */
	GATEWAY_TLS_BROKER,  /* broker_tls: broker CA, certificate, key */
	GATEWAY_TLS_CERTMAP, /* certmap: the identity folder, over the broker CA */
	GATEWAY_TLS_KINDS
};

static const char *const gateway_tls_kind_name[GATEWAY_TLS_KINDS] = {"server", "broker", "certmap"};

/* A broker as the gateway's own Metadata request named it. */
struct gateway_node {
	int32_t id;
	char host[GATEWAY_ADDR_MAX];
	int port;
};

/* Broker learning: how long one Metadata request may take, the pause
 * before a failed one is tried again, and the default interval. */
#define GATEWAY_LEARN_TIMEOUT_MS  5000
#define GATEWAY_LEARN_RETRY_MS    1000u
#define GATEWAY_LEARN_INTERVAL_MS 30000u

/* How often the TLS files are looked at by default. */
#define GATEWAY_TLS_WATCH_MS 1000u

struct gateway {
	struct loop *loop;
	struct proxy *proxy;
	struct workers *workers;
	/* The contexts in use. The loop thread reads and replaces them (from
	 * the `next_` ones); no other thread touches them once it runs. */
	struct tls_ctx *client_tls; /* for the listeners, when clients use TLS */
	struct tls_ctx *broker_tls; /* for broker connections, when brokers use TLS */
	struct certmap *certmap;    /* per-user contexts, for the certmap identity */
	int base;
	rd_kafka_t *mock_rk; /* owns the mock cluster, when there is one */
	rd_kafka_mock_cluster_t *mock;
	void (*log)(void *arg, const char *line);
	void *log_arg;
	/* Certificate rotation (gateway.h). The watcher thread owns the file
	 * names, the watches and the signatures; `mu` guards the rest. */
	struct gateway_tls files;                /* copies of the file names and settings */
	char *strings[7];                        /* what the names of `files` point to */
	struct filewatch *fw[GATEWAY_TLS_KINDS]; /* NULL: not in use */
	uint64_t loaded[GATEWAY_TLS_KINDS];      /* signature last built (or tried) */
	uint64_t seen[GATEWAY_TLS_KINDS];        /* signature at the last look */
	unsigned watch_ms;
	pthread_t watcher;
	int watching;
	pthread_mutex_t mu;
	int mu_made;
	pthread_cond_t cv;
	int stop_watch; /* under mu: the watcher returns */
	int reload_all; /* under mu: gateway_tls_reload() asked */
	/* Under mu: built by the watcher, not yet taken by the loop thread. */
	struct tls_ctx *next_client, *next_broker;
	struct certmap *next_certmap;
	struct loop_async *take; /* wakes the loop thread to take them */
	/* Under mu: for gateway_metrics_text(). */
	unsigned long reloads_ok[GATEWAY_TLS_KINDS], reloads_failed[GATEWAY_TLS_KINDS];
	struct tls_cert_info info[2]; /* of the server and broker contexts in use */
	int has_info[2];
	size_t certmap_users;
	/* Learning the brokers (see "Broker nodes" in gateway.h). The learner
	 * thread owns `learn_rk`; `learn_mu` guards the rest but `ready`. */
	rd_kafka_t *learn_rk;
	pthread_t learner;
	int learning;
	pthread_mutex_t learn_mu;
	pthread_cond_t learn_cv;
	int learn_made;
	int learn_stop;                /* under learn_mu: the learner returns */
	struct gateway_node *learned;  /* under learn_mu: the last answer's brokers */
	size_t nlearned;               /* under learn_mu */
	struct loop_async *learn_take; /* wakes the loop thread to open them */
	unsigned learn_interval_ms;
	atomic_int ready; /* every broker of a first answer is served */
};

/* Starts librdkafka's mock cluster and returns its bootstrap list (owned by
 * the cluster), or NULL with `err` set. */
static const char *gateway_start_mock(struct gateway *gw, int n, struct sg_error *err)
{
	char errstr[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	/* The handle only owns the cluster: it connects nowhere, and says so at
	 * notice level, which is not worth a log line. */
	rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
	gw->mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	if (!gw->mock_rk) {
		error_set(err, SG_EINTERNAL, "cannot start the mock cluster: %s", errstr);
		return NULL;
	}
	gw->mock = rd_kafka_mock_cluster_new(gw->mock_rk, n);
	if (!gw->mock) {
		error_set(err, SG_EINTERNAL, "cannot start the mock cluster");
		return NULL;
	}
	/* librdkafka 2.0.2's mock garbles every partition after the first in a
	 * ListOffsets v4+ answer (LeaderEpoch); kafka-python then never reads
	 * those partitions. v3 has no LeaderEpoch. */
	rd_kafka_mock_set_apiversion(gw->mock, 2, 0, 3);
	return rd_kafka_mock_cluster_bootstraps(gw->mock);
}

/* Splits "host:port" or "[v6]:port" (`len` bytes at `s`) into host and
 * port. Returns 0, or -1 with `err` set. */
static int gateway_parse_addr(const char *s, size_t len, char *host, size_t hostsz, int *port,
                              const char *what, struct sg_error *err)
{
	char buf[GATEWAY_ADDR_MAX];
	const char *h, *colon;
	size_t hlen;
	char *end;
	long v;

	if (len == 0 || len >= sizeof buf)
		return error_set(err, SG_EBAD_REQUEST, "%s: expected host:port", what);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == '[') {
		const char *close = strchr(buf, ']');
		if (!close || close[1] != ':')
			return error_set(err, SG_EBAD_REQUEST, "%s: bad address '%s'", what, buf);
		h = buf + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strchr(buf, ':');
		if (!colon)
			return error_set(err, SG_EBAD_REQUEST, "%s: '%s' has no port", what, buf);
		if (strchr(colon + 1, ':'))
			return error_set(err, SG_EBAD_REQUEST,
			                 "%s: '%s': an IPv6 address goes in brackets, [ADDR]:PORT",
			                 what, buf);
		h = buf;
		hlen = (size_t)(colon - buf);
	}
	if (hlen == 0 || hlen >= hostsz)
		return error_set(err, SG_EBAD_REQUEST, "%s: '%s' has no usable host", what, buf);
	/* The port: 1 to 5 digits, nothing else (no sign, no space). */
	size_t digits = strspn(colon + 1, "0123456789");
	v = digits >= 1 && digits <= 5 ? strtol(colon + 1, &end, 10) : -1;
	if (v < 0 || colon[1 + digits] || v > 65535)
		return error_set(err, SG_EBAD_REQUEST, "%s: '%s' has a bad port", what, buf);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (int)v;
	return 0;
}

__attribute__((format(printf, 2, 3))) static void gateway_log(const struct gateway *gw,
                                                              const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	gwlog_write(gw->log, gw->log_arg, line);
}

/* Copies the TLS settings into gw->files, so the watcher can read the
 * files again after gateway_open() returned. 0, or -1 with `err` set. */
static int gateway_tls_copy(struct gateway *gw, const struct gateway_tls *t, struct sg_error *err)
{
	const char *const src[7] = {t->cert,        t->key,        t->client_ca,   t->broker_ca,
	                            t->broker_cert, t->broker_key, t->identity_dir};
	const char **dst[7] = {&gw->files.cert,        &gw->files.key,
	                       &gw->files.client_ca,   &gw->files.broker_ca,
	                       &gw->files.broker_cert, &gw->files.broker_key,
	                       &gw->files.identity_dir};

	gw->files = *t;
	for (int i = 0; i < 7; i++) {
		*dst[i] = NULL;
		if (src[i] && !(gw->strings[i] = strdup(src[i])))
			return error_set(err, SG_ENOMEM, "out of memory");
		*dst[i] = gw->strings[i];
	}
	return 0;
}

/* The client-side context of `t` (to brokers), or its base for certmap. */
static struct tls_client_options gateway_tls_client_options(const struct gateway_tls *t)
{
	struct tls_client_options co = {.ca = t->broker_ca,
	                                .insecure_no_verify = t->broker_insecure,
	                                .cert_file = t->broker_cert,
	                                .key_file = t->broker_key};
	return co;
}

static struct tls_ctx *gateway_tls_build_server(const struct gateway_tls *t, struct sg_error *err)
{
	struct tls_server_options so = {.cert_file = t->cert,
	                                .key_file = t->key,
	                                .client_ca = t->client_ca,
	                                .client_auth = (enum tls_client_auth)t->client_auth};
	return tls_server_new(&so, err);
}

static struct tls_ctx *gateway_tls_build_broker(const struct gateway_tls *t, struct sg_error *err)
{
	struct tls_client_options co = gateway_tls_client_options(t);
	return tls_client_new(&co, err);
}

static struct certmap *gateway_tls_build_certmap(const struct gateway_tls *t, struct sg_error *err)
{
	struct tls_client_options co = gateway_tls_client_options(t);
	co.cert_file = co.key_file = NULL;
	return certmap_load(t->identity_dir, &co, err);
}

/* Makes the TLS contexts the options ask for, from gw->files. Returns 0, or
 * -1 with `err` set. */
static int gateway_tls_open(struct gateway *gw, struct sg_error *err)
{
	const struct gateway_tls *t = &gw->files;

	if (t->cert || t->key) {
		if (!t->cert || !t->key)
			return error_set(err, SG_EBAD_REQUEST,
			                 "client TLS needs both a certificate and its key");
		gw->client_tls = gateway_tls_build_server(t, err);
		if (!gw->client_tls)
			return -1;
	} else if (t->client_ca || t->client_auth) {
		return error_set(err, SG_EBAD_REQUEST,
		                 "client certificates need client TLS (a certificate and key)");
	}
	if (t->broker_ca || t->broker_insecure) {
		if (t->identity_dir) {
			if (t->client_auth != TLS_CLIENT_AUTH_REQUIRED)
				return error_set(err, SG_EBAD_REQUEST,
				                 "the certmap identity needs client certificates "
				                 "required");
			if (t->broker_cert || t->broker_key)
				return error_set(
				    err, SG_EBAD_REQUEST,
				    "the certmap identity takes no gateway certificate");
			gw->certmap = gateway_tls_build_certmap(t, err);
			if (!gw->certmap)
				return -1;
			gateway_log(gw, "certmap: %zu broker identities from %s",
			            certmap_count(gw->certmap), t->identity_dir);
		}
		gw->broker_tls = gateway_tls_build_broker(t, err);
		if (!gw->broker_tls)
			return -1;
		if (t->broker_insecure)
			gateway_log(gw, "WARNING: broker certificates are NOT verified "
			                "(insecure skip verify): anyone on the path to the brokers "
			                "can read and change the traffic");
	} else if (t->broker_cert || t->broker_key || t->identity_dir) {
		return error_set(err, SG_EBAD_REQUEST,
		                 "a broker TLS identity needs TLS to the brokers (a CA)");
	}
	return 0;
}

/* Certificate rotation (see gateway.h). */

/* Notes what the metrics show of a context in use. Called with gw->mu held
 * (or before the watcher starts). */
static void gateway_tls_note(struct gateway *gw, enum gateway_tls_kind k, const void *obj)
{
	if (k == GATEWAY_TLS_CERTMAP)
		gw->certmap_users = certmap_count(obj);
	else
		gw->has_info[k] = tls_ctx_cert_info(obj, &gw->info[k]) == 0;
}

/* "2026-12-07T10:00:00Z" */
static const char *gateway_time_text(long long t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%lld", t);
	return buf;
}

/* Builds the context of kind `k` from the files as they are now, and on
 * success offers it to the loop thread. Logs and counts either way.
 * Returns 1 when built, 0 when not. Watcher thread. */
static int gateway_tls_rebuild(struct gateway *gw, enum gateway_tls_kind k, const char *why)
{
	const struct gateway_tls *t = &gw->files;
	struct tls_ctx *ctx = NULL;
	struct certmap *map = NULL;
	struct tls_cert_info info;
	struct sg_error err;
	char when[64];
	int have_info = 0;

	error_clear(&err);
	if (k == GATEWAY_TLS_SERVER)
		ctx = gateway_tls_build_server(t, &err);
	else if (k == GATEWAY_TLS_BROKER)
		ctx = gateway_tls_build_broker(t, &err);
	else
		map = gateway_tls_build_certmap(t, &err);
	if (!ctx && !map) {
		pthread_mutex_lock(&gw->mu);
		gw->reloads_failed[k]++;
		pthread_mutex_unlock(&gw->mu);
		gateway_log(gw,
		            "TLS (%s): the %s context was NOT reloaded, the previous one stays: %s",
		            why, gateway_tls_kind_name[k], err.msg);
		return 0;
	}
	if (ctx)
		have_info = tls_ctx_cert_info(ctx, &info) == 0;
	pthread_mutex_lock(&gw->mu);
	if (k == GATEWAY_TLS_SERVER) {
		tls_ctx_free(gw->next_client); /* built before, never taken */
		gw->next_client = ctx;
	} else if (k == GATEWAY_TLS_BROKER) {
		tls_ctx_free(gw->next_broker);
		gw->next_broker = ctx;
	} else {
		certmap_free(gw->next_certmap);
		gw->next_certmap = map;
	}
	gw->reloads_ok[k]++;
	gateway_tls_note(gw, k, ctx ? (const void *)ctx : (const void *)map);
	pthread_mutex_unlock(&gw->mu);
	if (map)
		gateway_log(gw, "TLS (%s): certmap reloaded: %zu broker identities from %s", why,
		            certmap_count(map), t->identity_dir);
	else if (have_info)
		gateway_log(gw,
		            "TLS (%s): the %s context was reloaded: certificate %s, serial %s, "
		            "not after %s",
		            why, gateway_tls_kind_name[k], info.subject, info.serial,
		            gateway_time_text(info.not_after, when, sizeof when));
	else
		gateway_log(gw, "TLS (%s): the %s context was reloaded", why,
		            gateway_tls_kind_name[k]);
	return 1;
}

/* Looks at every watched file; rebuilds what changed and held still since
 * the last look, or everything when `all`. Watcher thread. */
static void gateway_tls_check(struct gateway *gw, int all)
{
	int built = 0;

	for (int k = 0; k < GATEWAY_TLS_KINDS; k++) {
		uint64_t sig;
		int due;
		if (!gw->fw[k])
			continue;
		sig = filewatch_scan(gw->fw[k]);
		due = all || (sig != gw->loaded[k] && sig == gw->seen[k]);
		gw->seen[k] = sig;
		if (!due)
			continue;
		gw->loaded[k] = sig; /* a failure is not tried again until a change */
		built |= gateway_tls_rebuild(gw, (enum gateway_tls_kind)k,
		                             all ? "reload asked" : "files changed");
	}
	if (built)
		loop_async_send(gw->take);
}

static void *gateway_tls_watcher(void *arg)
{
	struct gateway *gw = arg;
	struct timespec until;

	pthread_mutex_lock(&gw->mu);
	while (!gw->stop_watch) {
		int all;
		if (!gw->reload_all) {
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += gw->watch_ms / 1000;
			until.tv_nsec += (long)(gw->watch_ms % 1000) * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			while (!gw->stop_watch && !gw->reload_all &&
			       pthread_cond_timedwait(&gw->cv, &gw->mu, &until) != ETIMEDOUT)
				;
		}
		if (gw->stop_watch)
			break;
		all = gw->reload_all;
		gw->reload_all = 0;
		pthread_mutex_unlock(&gw->mu);
		gateway_tls_check(gw, all);
		pthread_mutex_lock(&gw->mu);
	}
	pthread_mutex_unlock(&gw->mu);
	return NULL;
}

/* Loop thread: puts the contexts the watcher built in use, and frees the
 * ones they replace (connections made from those keep what they need). */
static void gateway_tls_take(void *arg)
{
	struct gateway *gw = arg;
	struct tls_ctx *client, *broker;
	struct certmap *map;

	pthread_mutex_lock(&gw->mu);
	client = gw->next_client;
	broker = gw->next_broker;
	map = gw->next_certmap;
	gw->next_client = gw->next_broker = NULL;
	gw->next_certmap = NULL;
	pthread_mutex_unlock(&gw->mu);
	struct tls_ctx *old_client = client ? gw->client_tls : NULL;
	struct tls_ctx *old_broker = broker ? gw->broker_tls : NULL;
	struct certmap *old_map = map ? gw->certmap : NULL;

	if (client)
		gw->client_tls = client;
	if (broker)
		gw->broker_tls = broker;
	if (map)
		gw->certmap = map;
	proxy_set_tls(gw->proxy, gw->client_tls, gw->broker_tls, gw->certmap);
	tls_ctx_free(old_client);
	tls_ctx_free(old_broker);
	certmap_free(old_map);
}

/* Starts watching the files of the contexts in use. 0, or -1 with `err`
 * set. */
static int gateway_tls_watch_start(struct gateway *gw, struct sg_error *err)
{
	const struct gateway_tls *t = &gw->files;
	pthread_condattr_t ca;
	int ok = 1;

	if (!gw->client_tls && !gw->broker_tls)
		return 0;
	gw->watch_ms = t->watch_ms ? t->watch_ms : GATEWAY_TLS_WATCH_MS;
	if (gw->client_tls) {
		ok = ok && (gw->fw[GATEWAY_TLS_SERVER] = filewatch_new()) &&
		     filewatch_add(gw->fw[GATEWAY_TLS_SERVER], t->cert, 0) == 0 &&
		     filewatch_add(gw->fw[GATEWAY_TLS_SERVER], t->key, 0) == 0 &&
		     filewatch_add(gw->fw[GATEWAY_TLS_SERVER], t->client_ca, 1) == 0;
		gateway_tls_note(gw, GATEWAY_TLS_SERVER, gw->client_tls);
	}
	if (gw->certmap) {
		/* The broker context is not used: each client has its user's. */
		ok = ok && (gw->fw[GATEWAY_TLS_CERTMAP] = filewatch_new()) &&
		     filewatch_add(gw->fw[GATEWAY_TLS_CERTMAP], t->identity_dir, 2) == 0 &&
		     filewatch_add(gw->fw[GATEWAY_TLS_CERTMAP], t->broker_ca, 1) == 0;
		gateway_tls_note(gw, GATEWAY_TLS_CERTMAP, gw->certmap);
	} else if (gw->broker_tls) {
		ok = ok && (gw->fw[GATEWAY_TLS_BROKER] = filewatch_new()) &&
		     filewatch_add(gw->fw[GATEWAY_TLS_BROKER], t->broker_ca, 1) == 0 &&
		     filewatch_add(gw->fw[GATEWAY_TLS_BROKER], t->broker_cert, 0) == 0 &&
		     filewatch_add(gw->fw[GATEWAY_TLS_BROKER], t->broker_key, 0) == 0;
		gateway_tls_note(gw, GATEWAY_TLS_BROKER, gw->broker_tls);
	}
	if (!ok)
		return error_set(err, SG_ENOMEM, "out of memory");
	/* The files as they were read: a change made while they were read is
	 * seen at the first look. (They were read before this scan, so such
	 * a change may also be missed until the next one; SIGHUP reloads.) */
	for (int k = 0; k < GATEWAY_TLS_KINDS; k++)
		if (gw->fw[k])
			gw->loaded[k] = gw->seen[k] = filewatch_scan(gw->fw[k]);
	gw->take = loop_async_new(gw->loop, gateway_tls_take, gw, err);
	if (!gw->take)
		return -1;
	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&gw->cv, &ca) != 0)
		return error_set(err, SG_EINTERNAL, "cannot make a condition variable");
	pthread_condattr_destroy(&ca);
	if (pthread_create(&gw->watcher, NULL, gateway_tls_watcher, gw) != 0) {
		pthread_cond_destroy(&gw->cv);
		return error_set(err, SG_EINTERNAL, "cannot start the TLS watcher thread");
	}
	gw->watching = 1;
	return 0;
}

void gateway_tls_reload(struct gateway *gw)
{
	if (!gw->watching)
		return;
	pthread_mutex_lock(&gw->mu);
	gw->reload_all = 1;
	pthread_cond_signal(&gw->cv);
	pthread_mutex_unlock(&gw->mu);
}

int gateway_uses_tls(const struct gateway *gw)
{
	return gw->client_tls || gw->broker_tls;
}

/* Appends to the text `b` of `*n` bytes (at most `cap`). */
__attribute__((format(printf, 4, 5))) static void gateway_put(char *b, size_t cap, size_t *n,
                                                              const char *fmt, ...)
{
	va_list ap;
	int r;
	if (*n >= cap)
		return;
	va_start(ap, fmt);
	r = vsnprintf(b + *n, cap - *n, fmt, ap);
	va_end(ap);
	*n = r < 0 ? cap : *n + (size_t)r;
}

char *gateway_metrics_text(struct gateway *gw, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b;
	struct loop_stats st;
	struct proxy_stats ps;

	if (!(b = malloc(cap)))
		return NULL;
	b[0] = '\0';
	loop_stats(gw->loop, &st);
	proxy_stats(gw->proxy, &ps);
	gateway_put(b, cap, &n,
	            "# HELP schemagate_gateway_client_connections Client connections open.\n"
	            "# TYPE schemagate_gateway_client_connections gauge\n"
	            "schemagate_gateway_client_connections %lu\n"
	            "# HELP schemagate_gateway_client_connections_refused_total Client "
	            "connections refused at once, by the limit reached (total: "
	            "--gateway-max-connections, per_address: "
	            "--gateway-max-connections-per-address).\n"
	            "# TYPE schemagate_gateway_client_connections_refused_total counter\n"
	            "schemagate_gateway_client_connections_refused_total{limit=\"total\"} %lu\n"
	            "schemagate_gateway_client_connections_refused_total{limit=\"per_address\"} "
	            "%lu\n"
	            "# HELP schemagate_gateway_client_idle_closed_total Client connections "
	            "closed because they were idle (--gateway-idle-timeout).\n"
	            "# TYPE schemagate_gateway_client_idle_closed_total counter\n"
	            "schemagate_gateway_client_idle_closed_total %lu\n",
	            ps.clients, ps.refused_total, ps.refused_per_address, st.idle_timeouts);
	if (!gw->watching)
		goto done;
	pthread_mutex_lock(&gw->mu);
	gateway_put(b, cap, &n,
	            "# HELP schemagate_gateway_tls_reloads_total Reloads of the gateway's TLS "
	            "files, by context and outcome (failed: the previous context stays).\n"
	            "# TYPE schemagate_gateway_tls_reloads_total counter\n");
	for (int k = 0; k < GATEWAY_TLS_KINDS; k++)
		if (gw->fw[k])
			gateway_put(
			    b, cap, &n,
			    "schemagate_gateway_tls_reloads_total{context=\"%s\",result=\"ok\"} "
			    "%lu\n"
			    "schemagate_gateway_tls_reloads_total{context=\"%s\",result="
			    "\"failed\"} %lu\n",
			    gateway_tls_kind_name[k], gw->reloads_ok[k], gateway_tls_kind_name[k],
			    gw->reloads_failed[k]);
	gateway_put(b, cap, &n,
	            "# HELP schemagate_gateway_tls_certificate_not_after_seconds When the "
	            "certificate in use expires (Unix time), by context and serial.\n"
	            "# TYPE schemagate_gateway_tls_certificate_not_after_seconds gauge\n");
	for (int k = 0; k < 2; k++)
		if (gw->has_info[k])
			gateway_put(
			    b, cap, &n,
			    "schemagate_gateway_tls_certificate_not_after_seconds{context=\"%s\","
			    "serial=\"%s\"} %lld\n",
			    gateway_tls_kind_name[k], gw->info[k].serial, gw->info[k].not_after);
	if (gw->fw[GATEWAY_TLS_CERTMAP])
		gateway_put(b, cap, &n,
		            "# HELP schemagate_gateway_tls_certmap_users Users of the certmap "
		            "identity folder in use.\n"
		            "# TYPE schemagate_gateway_tls_certmap_users gauge\n"
		            "schemagate_gateway_tls_certmap_users %zu\n",
		            gw->certmap_users);
	pthread_mutex_unlock(&gw->mu);
	if (gw->fw[GATEWAY_TLS_SERVER]) {
		gateway_put(
		    b, cap, &n,
		    "# HELP schemagate_gateway_tls_client_handshakes_total TLS handshakes "
		    "of clients, by outcome (timeout: not done in time).\n"
		    "# TYPE schemagate_gateway_tls_client_handshakes_total counter\n"
		    "schemagate_gateway_tls_client_handshakes_total{result=\"ok\"} %lu\n"
		    "schemagate_gateway_tls_client_handshakes_total{result=\"failed\"} %lu\n"
		    "schemagate_gateway_tls_client_handshakes_total{result=\"timeout\"} %lu\n",
		    st.tls_handshakes_ok, st.tls_handshakes_failed, st.tls_handshakes_timedout);
	}
done:
	if (n >= cap) { /* cannot happen with these few lines; never half a line */
		free(b);
		return NULL;
	}
	*len = n;
	return b;
}

/* Broker nodes (see gateway.h). */

/* librdkafka's own log lines (a refused connection, once per retry) are not
 * passed on: the learner logs what matters once per change. */
static void gateway_learn_quiet(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	(void)level;
	(void)fac;
	(void)buf;
}

/* Makes the handle the learner asks the brokers with: the bootstrap list,
 * and TLS as the gateway's broker connections use it (with the certmap
 * identity, no certificate: brokers that require one refuse it). NULL
 * with `err` set. */
static rd_kafka_t *gateway_learn_handle(const struct gateway *gw, const char *brokers,
                                        struct sg_error *err)
{
	const struct gateway_tls *t = &gw->files;
	char errstr[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	int ok;

	ok = rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof errstr) ==
	     RD_KAFKA_CONF_OK;
	ok = ok && rd_kafka_conf_set(conf, "client.id", "schemagate-gateway", errstr,
	                             sizeof errstr) == RD_KAFKA_CONF_OK;
	if (ok && gw->broker_tls) {
		ok = rd_kafka_conf_set(conf, "security.protocol", "ssl", errstr, sizeof errstr) ==
		     RD_KAFKA_CONF_OK;
		if (ok && t->broker_ca)
			ok = rd_kafka_conf_set(conf, "ssl.ca.location", t->broker_ca, errstr,
			                       sizeof errstr) == RD_KAFKA_CONF_OK;
		if (ok && t->broker_insecure)
			ok = rd_kafka_conf_set(conf, "enable.ssl.certificate.verification", "false",
			                       errstr, sizeof errstr) == RD_KAFKA_CONF_OK &&
			     rd_kafka_conf_set(conf, "ssl.endpoint.identification.algorithm",
			                       "none", errstr, sizeof errstr) == RD_KAFKA_CONF_OK;
		if (ok && t->broker_cert && !gw->certmap)
			ok = rd_kafka_conf_set(conf, "ssl.certificate.location", t->broker_cert,
			                       errstr, sizeof errstr) == RD_KAFKA_CONF_OK &&
			     rd_kafka_conf_set(conf, "ssl.key.location", t->broker_key, errstr,
			                       sizeof errstr) == RD_KAFKA_CONF_OK;
	}
	if (!ok) {
		rd_kafka_conf_destroy(conf);
		error_set(err, SG_EBAD_REQUEST, "learning the brokers: %s", errstr);
		return NULL;
	}
	rd_kafka_conf_set_log_cb(conf, gateway_learn_quiet);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	if (!rk)
		error_set(err, SG_EINTERNAL, "learning the brokers: %s", errstr);
	return rk;
}

/* Asks the brokers for their list once. Returns 0 with the list handed to
 * the loop thread, or -1 with `why` set. Learner thread. */
static int gateway_learn_once(struct gateway *gw, char *why, size_t whysz)
{
	const struct rd_kafka_metadata *md = NULL;
	struct gateway_node *nodes;
	rd_kafka_resp_err_t e;
	size_t n = 0;

	e = rd_kafka_metadata(gw->learn_rk, 0, NULL, &md, GATEWAY_LEARN_TIMEOUT_MS);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(why, whysz, "%s", rd_kafka_err2str(e));
		return -1;
	}
	if (md->broker_cnt <= 0) {
		rd_kafka_metadata_destroy(md);
		snprintf(why, whysz, "the answer names no broker");
		return -1;
	}
	nodes = calloc((size_t)md->broker_cnt, sizeof *nodes);
	if (!nodes) {
		rd_kafka_metadata_destroy(md);
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	for (int i = 0; i < md->broker_cnt; i++) {
		const char *h = md->brokers[i].host ? md->brokers[i].host : "";
		nodes[n].id = md->brokers[i].id;
		nodes[n].port = md->brokers[i].port;
		snprintf(nodes[n].host, sizeof nodes[n].host, "%s", h);
		n++;
	}
	rd_kafka_metadata_destroy(md);
	pthread_mutex_lock(&gw->learn_mu);
	free(gw->learned);
	gw->learned = nodes;
	gw->nlearned = n;
	pthread_mutex_unlock(&gw->learn_mu);
	loop_async_send(gw->learn_take);
	return 0;
}

/* The learner thread: asks at once, then every learn_interval_ms, or every
 * GATEWAY_LEARN_RETRY_MS while the brokers cannot be asked. Logs the first
 * failure and the first success after failures. */
static void *gateway_learner(void *arg)
{
	struct gateway *gw = arg;
	struct timespec until;
	char why[256];
	int failing = 0;

	pthread_mutex_lock(&gw->learn_mu);
	while (!gw->learn_stop) {
		unsigned wait_ms;
		pthread_mutex_unlock(&gw->learn_mu);
		if (gateway_learn_once(gw, why, sizeof why) == 0) {
			if (failing)
				gateway_log(gw, "brokers: learned again after failures");
			failing = 0;
			wait_ms = gw->learn_interval_ms;
		} else {
			if (!failing)
				gateway_log(gw,
				            "brokers: cannot learn the brokers (%s); trying again "
				            "every %u ms%s",
				            why, GATEWAY_LEARN_RETRY_MS,
				            atomic_load(&gw->ready) ? ""
				                                    : ", NOT ready until then");
			failing = 1;
			wait_ms = GATEWAY_LEARN_RETRY_MS;
		}
		pthread_mutex_lock(&gw->learn_mu);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += wait_ms / 1000;
		until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!gw->learn_stop &&
		       pthread_cond_timedwait(&gw->learn_cv, &gw->learn_mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&gw->learn_mu);
	return NULL;
}

/* Loop thread: opens the listener of every broker the learner found. The
 * first time every one of them is served, the gateway is ready. */
static void gateway_learn_take(void *arg)
{
	struct gateway *gw = arg;
	struct gateway_node *nodes;
	struct sg_error err;
	size_t n, served = 0;
	char ports[512];
	size_t plen = 0;

	pthread_mutex_lock(&gw->learn_mu);
	nodes = gw->learned;
	n = gw->nlearned;
	gw->learned = NULL;
	gw->nlearned = 0;
	pthread_mutex_unlock(&gw->learn_mu);
	ports[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		error_clear(&err);
		if (proxy_learn_node(gw->proxy, nodes[i].id, nodes[i].host, nodes[i].port, &err) !=
		    0) {
			gateway_log(gw, "brokers: node %d at %s:%d is NOT served: %s",
			            (int)nodes[i].id, nodes[i].host, nodes[i].port, err.msg);
			continue;
		}
		served++;
		gateway_put(ports, sizeof ports, &plen, "%s%d", plen ? "," : "",
		            gw->base + nodes[i].id);
	}
	free(nodes);
	if (n && served == n && !atomic_load(&gw->ready)) {
		atomic_store(&gw->ready, 1);
		gateway_log(gw, "ready: %zu broker node%s learned, served on ports %s", n,
		            n == 1 ? "" : "s", ports);
	}
}

/* Starts learning the brokers from `brokers`. 0, or -1 with `err` set. */
static int gateway_learn_start(struct gateway *gw, const char *brokers, struct sg_error *err)
{
	pthread_condattr_t ca;

	gw->learn_interval_ms = GATEWAY_LEARN_INTERVAL_MS;
	gw->learn_rk = gateway_learn_handle(gw, brokers, err);
	if (!gw->learn_rk)
		return -1;
	gw->learn_take = loop_async_new(gw->loop, gateway_learn_take, gw, err);
	if (!gw->learn_take)
		return -1;
	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&gw->learn_cv, &ca) != 0)
		return error_set(err, SG_EINTERNAL, "cannot make a condition variable");
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&gw->learn_mu, NULL);
	gw->learn_made = 1;
	if (pthread_create(&gw->learner, NULL, gateway_learner, gw) != 0)
		return error_set(err, SG_EINTERNAL, "cannot start the broker learner thread");
	gw->learning = 1;
	return 0;
}

int gateway_ready(struct gateway *gw)
{
	return atomic_load(&gw->ready);
}

static int gateway_wildcard(const char *host)
{
	return !strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !strcmp(host, "*");
}

/* Parses the comma-separated `--brokers` list (empty items skipped) into
 * addrs[0..*n), their hosts kept in hosts[]. 0, or -1 with `err` set: a bad
 * item, port 0, more than GATEWAY_MAX_BROKERS, or none at all. */
static int gateway_parse_brokers(const char *brokers, char hosts[][GATEWAY_ADDR_MAX],
                                 struct proxy_addr *addrs, size_t *n, struct sg_error *err)
{
	*n = 0;
	for (const char *s = brokers; *s;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (len) {
			if (*n == GATEWAY_MAX_BROKERS)
				return error_set(err, SG_EBAD_REQUEST,
				                 "--brokers: more than %d brokers",
				                 GATEWAY_MAX_BROKERS);
			if (gateway_parse_addr(s, len, hosts[*n], GATEWAY_ADDR_MAX, &addrs[*n].port,
			                       "--brokers", err) != 0)
				return -1;
			if (addrs[*n].port == 0)
				return error_set(err, SG_EBAD_REQUEST, "--brokers: port 0");
			addrs[*n].host = hosts[*n];
			(*n)++;
		}
		s += len + (comma ? 1 : 0);
	}
	if (*n == 0)
		return error_set(err, SG_EBAD_REQUEST, "--brokers: no broker given");
	return 0;
}

struct gateway *gateway_open(const struct gateway_options *opt, struct sg_error *err)
{
	char hosts[GATEWAY_MAX_BROKERS][GATEWAY_ADDR_MAX];
	struct proxy_addr addrs[GATEWAY_MAX_BROKERS];
	char listen_host[GATEWAY_ADDR_MAX];
	struct proxy_options po;
	struct gateway *gw;
	size_t n = 0;
	int listen_port;

	const char *brokers = opt->brokers;
	struct gateway *mockgw = NULL;

	if (!opt->listen || ((!brokers || !*brokers) && opt->mock_brokers <= 0)) {
		error_set(err, SG_EBAD_REQUEST, "the gateway needs --listen and --brokers");
		return NULL;
	}
	if (gateway_parse_addr(opt->listen, strlen(opt->listen), listen_host, sizeof listen_host,
	                       &listen_port, "--listen", err) != 0)
		return NULL;
	if (!brokers || !*brokers) {
		mockgw = calloc(1, sizeof *mockgw);
		if (!mockgw) {
			error_set(err, SG_ENOMEM, "out of memory");
			return NULL;
		}
		brokers = gateway_start_mock(mockgw, opt->mock_brokers, err);
		if (!brokers) {
			gateway_close(mockgw);
			return NULL;
		}
	}
	if (gateway_parse_brokers(brokers, hosts, addrs, &n, err) != 0)
		goto err_mock;
	if ((!opt->advertised_host || !*opt->advertised_host) && gateway_wildcard(listen_host)) {
		error_set(err, SG_EBAD_REQUEST,
		          "--listen %s is a wildcard address: give --advertised-host", listen_host);
		goto err_mock;
	}
	memset(&po, 0, sizeof po);
	po.listen_host = listen_host;
	po.listen_port = listen_port;
	po.advertised_host = opt->advertised_host;
	po.broker_port_base = opt->broker_port_base;
	if (!po.broker_port_base) {
		if (!listen_port) {
			error_set(err, SG_EBAD_REQUEST, "--listen port 0 needs --broker-port-base");
			goto err_mock;
		}
		po.broker_port_base = listen_port + 1;
	}
	po.bootstrap = addrs;
	po.nbootstrap = n;
	po.max_frame = opt->max_frame;
	po.max_held_bytes = opt->max_held_bytes;
	po.log = opt->log;
	po.log_arg = opt->log_arg;

	signal(SIGPIPE, SIG_IGN);
	gw = mockgw ? mockgw : calloc(1, sizeof *gw);
	mockgw = NULL;
	if (!gw) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	gw->base = po.broker_port_base;
	gw->log = opt->log;
	gw->log_arg = opt->log_arg;
	pthread_mutex_init(&gw->mu, NULL);
	gw->mu_made = 1;
	if (gateway_tls_copy(gw, &opt->tls, err) != 0 || gateway_tls_open(gw, err) != 0)
		goto err;
	po.client_tls = gw->client_tls;
	po.broker_tls = gw->broker_tls;
	po.certmap = gw->certmap;
	po.handshake_timeout_ms = opt->tls.handshake_timeout_ms;
	po.idle_timeout_ms = opt->idle_timeout_ms;
	po.max_connections = opt->max_connections;
	po.max_connections_per_address = opt->max_connections_per_address;
	gw->loop = loop_new(err);
	if (!gw->loop)
		goto err;
	if (opt->validator) {
		struct workers_options wo = {.threads = opt->validate_threads,
		                             .thread_init = opt->validator->scratch_new,
		                             .thread_fini = opt->validator->scratch_free,
		                             .thread_arg = opt->validator->ctx};
		gw->workers = workers_new(gw->loop, &wo, err);
		if (!gw->workers)
			goto err;
		po.validator = opt->validator;
		po.workers = gw->workers;
	}
	gw->proxy = proxy_new(gw->loop, &po, err);
	if (!gw->proxy || gateway_tls_watch_start(gw, err) != 0)
		goto err;
	if (opt->tls.identity_dir || opt->tls.sasl_identity) {
		atomic_store(&gw->ready, 1);
		gateway_log(gw,
		            "ready: broker ports open as clients' Metadata answers name the "
		            "brokers (with the %s identity the gateway cannot ask them itself)",
		            opt->tls.identity_dir ? "certmap" : "SASL");
	} else if (gateway_learn_start(gw, brokers, err) != 0) {
		goto err;
	}
	if (gw->mock)
		gateway_log(gw,
		            "no brokers given: serving librdkafka's in-process mock cluster "
		            "(%d brokers at %s); its data is held in memory and NOT kept",
		            opt->mock_brokers, brokers);
	return gw;
err:
	gateway_close(gw);
	return NULL;
err_mock:
	gateway_close(mockgw);
	return NULL;
}

int gateway_run(struct gateway *gw, struct sg_error *err)
{
	return loop_run(gw->loop, err);
}

void gateway_stop(struct gateway *gw)
{
	loop_stop(gw->loop);
}

void gateway_close(struct gateway *gw)
{
	if (!gw)
		return;
	if (gw->watching) {
		pthread_mutex_lock(&gw->mu);
		gw->stop_watch = 1;
		pthread_cond_signal(&gw->cv);
		pthread_mutex_unlock(&gw->mu);
		pthread_join(gw->watcher, NULL);
		pthread_cond_destroy(&gw->cv);
	}
	if (gw->learning) {
		pthread_mutex_lock(&gw->learn_mu);
		gw->learn_stop = 1;
		pthread_cond_signal(&gw->learn_cv);
		pthread_mutex_unlock(&gw->learn_mu);
		pthread_join(gw->learner, NULL);
	}
	if (gw->learn_made) {
		pthread_cond_destroy(&gw->learn_cv);
		pthread_mutex_destroy(&gw->learn_mu);
	}
	free(gw->learned);
	loop_async_free(gw->learn_take);
	if (gw->learn_rk)
		rd_kafka_destroy(gw->learn_rk);
	loop_async_free(gw->take);
	tls_ctx_free(gw->next_client);
	tls_ctx_free(gw->next_broker);
	certmap_free(gw->next_certmap);
	for (int k = 0; k < GATEWAY_TLS_KINDS; k++)
		filewatch_free(gw->fw[k]);
	for (int i = 0; i < 7; i++)
		free(gw->strings[i]);
	proxy_free(gw->proxy);
	workers_free(gw->workers);
	loop_free(gw->loop);
	tls_ctx_free(gw->client_tls);
	tls_ctx_free(gw->broker_tls);
	certmap_free(gw->certmap);
	if (gw->mock)
		rd_kafka_mock_cluster_destroy(gw->mock);
	if (gw->mock_rk)
		rd_kafka_destroy(gw->mock_rk);
	if (gw->mu_made)
		pthread_mutex_destroy(&gw->mu);
	free(gw);
}

int gateway_port(const struct gateway *gw)
{
	return proxy_port(gw->proxy);
}

int gateway_broker_port_base(const struct gateway *gw)
{
	return gw->base;
}
