/* cli/runtime.c: start services, wait for a stop signal, stop them. */
#include "cli/runtime.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli/inproc.h"
#include "gateway/deadletter.h"
#include "gateway/gateway.h"
#include "gateway/gwcheck.h"
#include "gateway/metrics.h"
#include "gateway/proxy.h"
#include "gateway/rejections.h"
#include "gateway/rules.h"
#include "gateway/schemasource.h"
#include "registry/api.h"
#include "registry/auth.h"
#include "registry/http.h"
#include "registry/forward.h"
#include "registry/kafkastore.h"
#include "registry/leader.h"
#include "registry/store.h"

#define RUNTIME_MAX_SERVICES 8

struct runtime_service {
	const char *name;
	void (*stop)(void *state);
	void *state;
};

struct runtime {
	struct runtime_service services[RUNTIME_MAX_SERVICES];
	size_t n;
	/* The registry this runtime serves, for the gateway in serve mode. */
	char registry_host[256];
	int registry_port;
	const char *registry_scheme; /* "http" or "https" */
	struct store *store;
	/* The gateway's validation, for GET /metrics and GET /rejections and
	 * for SIGHUP; guarded by `lock` (HTTP threads read them). */
	pthread_rwlock_t lock;
	struct gwcheck *check;
	struct rejections *rej;
	const char *rules_path;
	struct schemasource *inproc; /* serve mode: told of every registry change */
	/* A standalone gateway's registry over HTTP: SIGHUP makes it connect
	 * again, reading --registry-ca/-cert/-key anew. */
	struct schemasource *remote;
	struct auth_watch *auth; /* the registry's, for SIGHUP; NULL without */
	/* The gateway: its metrics in GET /metrics; when it uses TLS (tls_gw),
	 * its certificates reloaded on SIGHUP; guarded by `lock`. */
	struct gateway *gw;
	struct gateway *tls_gw;
};

/* Kafka mode: how long a read about to answer 404 waits for the view to
 * catch up with the log, and how long ago the view may last have been at the
 * log's end for GET /health to answer UP. */
#define REGISTRY_CATCH_UP_MS 2000
#define REGISTRY_READY_MS    10000

struct registry_service {
	struct runtime *rt;
	struct store *store;
	struct kafkastore *ks; /* kafka mode: the store is a view of the log */
	/* Kafka mode: who writes (the leader decides; on_gain makes this node
	 * the kafkastore's writer) and how writes reach the leader. */
	struct leader *leader;
	struct forward *fwd;
	struct api *api;
	struct http_server *http;
	struct auth_watch *auth; /* NULL: the API is open */
	int metrics_open;        /* /metrics and /rejections need no credentials */
};

static char *runtime_strdup_body(const char *s, size_t *len)
{
	char *b = strdup(s);
	*len = b ? strlen(b) : 0;
	return b;
}

/* The gateway's metrics: validation's (with a gwcheck) then its own
 * (connections, limits, TLS), malloc'd, or NULL out of memory. Called with
 * rt->lock held. */
static char *runtime_metrics_text(struct runtime *rt, size_t *len)
{
	size_t vlen = 0, tlen = 0;
	char *v = rt->check ? gwcheck_metrics_text(rt->check, &vlen) : NULL;
	char *t = rt->gw ? gateway_metrics_text(rt->gw, &tlen) : NULL;
	char *all;

	if ((rt->check && !v) || (rt->gw && !t) || !(all = malloc(vlen + tlen + 1))) {
		free(v);
		free(t);
		return NULL;
	}
	if (vlen)
		memcpy(all, v, vlen);
	if (tlen)
		memcpy(all + vlen, t, tlen);
	all[vlen + tlen] = '\0';
	*len = vlen + tlen;
	free(v);
	free(t);
	return all;
}

/* GET /metrics and GET /rejections?topic=T&limit=N of the gateway's
 * validation (/metrics also of its TLS); with `guard`, only to a principal
 * that api authenticates (a 401 otherwise). Returns 1 when it answered, 0
 * when the path is not one of them or neither validation nor TLS is on.
 * Any thread. */
static int runtime_visibility(struct runtime *rt, struct api *guard, const struct http_request *req,
                              struct http_response *resp)
{
	int metrics, handled = 0;

	if (req->nsegs != 1 || strcmp(req->method, "GET") != 0)
		return 0;
	metrics = !strcmp(req->segs[0], "metrics");
	if (!metrics && strcmp(req->segs[0], "rejections") != 0)
		return 0;
	pthread_rwlock_rdlock(&rt->lock);
	if (rt->check || (metrics && rt->gw)) {
		handled = 1;
		if (guard && !api_authenticated(guard, req, resp)) {
			pthread_rwlock_unlock(&rt->lock);
			return 1;
		}
		if (metrics) {
			resp->body = runtime_metrics_text(rt, &resp->body_len);
			resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
		} else {
			const char *topic = http_query(req, "topic");
			const char *lim = http_query(req, "limit");
			unsigned long limit = 0;
			char *end = NULL;
			if (lim) {
				limit = strtoul(lim, &end, 10);
				if (!*lim || *end || limit > 100000)
					limit = (unsigned long)-1;
			}
			if (limit == (unsigned long)-1) {
				resp->status = 422;
				resp->body =
				    runtime_strdup_body("{\"error_code\":42200,\"message\":\"limit "
				                        "must be a number up to 100000\"}",
				                        &resp->body_len);
				resp->content_type = "application/json";
				pthread_rwlock_unlock(&rt->lock);
				return 1;
			}
			resp->body = rejections_json(rt->rej, topic && *topic ? topic : NULL, limit,
			                             &resp->body_len);
			resp->content_type = "application/json";
		}
		resp->status = resp->body ? 200 : 500;
		if (!resp->body)
			resp->body = runtime_strdup_body(
			    "{\"error_code\":50001,\"message\":\"out of memory\"}",
			    &resp->body_len);
	}
	pthread_rwlock_unlock(&rt->lock);
	return handled;
}

/* Kafka mode: the registry's metrics in Prometheus' text format, malloc'd,
 * or NULL out of memory. Any thread. */
static char *registry_service_metrics_text(struct registry_service *rs, size_t *len)
{
	struct kafkastore_stats ks;
	struct api_forward_stats fs;
	kafkastore_stats(rs->ks, &ks);
	api_forward_stats(rs->api, &fs);
	char t[4096];
	int n = snprintf(
	    t, sizeof t,
	    "# HELP schemagate_registry_log_offset The next offset of the registry's log "
	    "this node's view applies (all before it are applied).\n"
	    "# TYPE schemagate_registry_log_offset gauge\n"
	    "schemagate_registry_log_offset %" PRId64 "\n"
	    "# HELP schemagate_registry_log_end_offset The log's end (last stable offset) "
	    "as last asked of the brokers.\n"
	    "# TYPE schemagate_registry_log_end_offset gauge\n"
	    "schemagate_registry_log_end_offset %" PRId64 "\n"
	    "# HELP schemagate_registry_log_lag Offsets between the log's end and the view.\n"
	    "# TYPE schemagate_registry_log_lag gauge\n"
	    "schemagate_registry_log_lag %" PRId64 "\n"
	    "# HELP schemagate_registry_log_synced_age_seconds Since the view was last seen "
	    "at the log's end (-1: never).\n"
	    "# TYPE schemagate_registry_log_synced_age_seconds gauge\n"
	    "schemagate_registry_log_synced_age_seconds %.3f\n"
	    "# HELP schemagate_registry_log_records_applied_total Records of the log "
	    "applied to the view since start.\n"
	    "# TYPE schemagate_registry_log_records_applied_total counter\n"
	    "schemagate_registry_log_records_applied_total %" PRIu64 "\n"
	    "# HELP schemagate_registry_log_records_skipped_total Records of the log "
	    "skipped (undecodable or ignored).\n"
	    "# TYPE schemagate_registry_log_records_skipped_total counter\n"
	    "schemagate_registry_log_records_skipped_total %" PRIu64 "\n"
	    "# HELP schemagate_registry_log_writes_total Write transactions this node "
	    "published to the log.\n"
	    "# TYPE schemagate_registry_log_writes_total counter\n"
	    "schemagate_registry_log_writes_total %" PRIu64 "\n"
	    "# HELP schemagate_registry_leader 1 when this node leads (writes), else 0.\n"
	    "# TYPE schemagate_registry_leader gauge\n"
	    "schemagate_registry_leader %d\n"
	    "# HELP schemagate_registry_forwarded_writes_total Writes sent to the leader, "
	    "by outcome.\n"
	    "# TYPE schemagate_registry_forwarded_writes_total counter\n"
	    "schemagate_registry_forwarded_writes_total{outcome=\"ok\"} %" PRIu64 "\n"
	    "schemagate_registry_forwarded_writes_total{outcome=\"rejected\"} %" PRIu64 "\n"
	    "schemagate_registry_forwarded_writes_total{outcome=\"failed\"} %" PRIu64 "\n"
	    "schemagate_registry_forwarded_writes_total{outcome=\"no_leader\"} %" PRIu64 "\n",
	    ks.position, ks.end, ks.lag,
	    ks.synced_age_ms < 0 ? -1.0 : (double)ks.synced_age_ms / 1000.0, ks.applied, ks.skipped,
	    ks.writes, rs->leader && leader_is_leader(rs->leader) ? 1 : 0, fs.ok, fs.rejected,
	    fs.failed, fs.no_leader);
	if (n < 0 || (size_t)n >= sizeof t)
		return NULL;
	return runtime_strdup_body(t, len);
}

/* Kafka mode: GET /metrics also carries the registry's metrics, after the
 * gateway's when `resp` already holds them. Returns 1 when it answered. */
static int registry_service_metrics(struct registry_service *rs, const struct http_request *req,
                                    struct http_response *resp, int handled)
{
	if (!rs->ks || req->nsegs != 1 || strcmp(req->segs[0], "metrics") != 0 ||
	    strcmp(req->method, "GET") != 0)
		return handled;
	if (handled && resp->status != 200)
		return 1; /* the 401 or the 500 of the gateway's part */
	if (!handled && !rs->metrics_open && !api_authenticated(rs->api, req, resp))
		return 1;
	size_t len = 0;
	char *t = registry_service_metrics_text(rs, &len);
	char *all = t ? realloc(resp->body, resp->body_len + len + 1) : NULL;
	if (!all) {
		free(t);
		free(resp->body);
		resp->status = 500;
		resp->body = runtime_strdup_body(
		    "{\"error_code\":50001,\"message\":\"out of memory\"}", &resp->body_len);
		resp->content_type = "application/json";
		return 1;
	}
	memcpy(all + resp->body_len, t, len + 1);
	free(t);
	resp->body = all;
	resp->body_len += len;
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return 1;
}

/* The registry port in serve mode: the gateway's visibility paths, then the
 * API (which adds the Content-Security-Policy header to its answers). */
static void registry_service_handle(void *ctx, const struct http_request *req,
                                    struct http_response *resp)
{
	struct registry_service *rs = ctx;
	if (registry_service_metrics(
	        rs, req, resp,
	        runtime_visibility(rs->rt, rs->metrics_open ? NULL : rs->api, req, resp))) {
		if (resp->nheaders < sizeof resp->headers / sizeof resp->headers[0])
			resp->headers[resp->nheaders++] =
			    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'";
		return;
	}
	api_handle(rs->api, req, resp);
	/* A change the gateway must see at once: drop what it cached. */
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0 &&
	    resp->status >= 200 && resp->status < 300) {
		pthread_rwlock_rdlock(&rs->rt->lock);
		if (rs->rt->inproc)
			inproc_changed(rs->rt->inproc,
			               req->nsegs >= 2 && !strcmp(req->segs[0], "subjects")
			                   ? req->segs[1]
			                   : NULL);
		pthread_rwlock_unlock(&rs->rt->lock);
	}
}

void runtime_block_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct runtime *runtime_new(struct sg_error *err)
{
	struct runtime *rt = calloc(1, sizeof *rt);
	if (!rt)
		error_set(err, SG_ENOMEM, "out of memory");
	else
		pthread_rwlock_init(&rt->lock, NULL);
	return rt;
}

static int runtime_push(struct runtime *rt, const char *name, void (*stop)(void *), void *state,
                        struct sg_error *err)
{
	if (rt->n == RUNTIME_MAX_SERVICES)
		return error_set(err, SG_EINTERNAL, "too many services");
	rt->services[rt->n++] = (struct runtime_service){name, stop, state};
	return 0;
}

/* The kafka store's reader applied records (its thread): what the API and
 * serve's gateway cached may be stale. */
static void registry_service_applied(void *ctx)
{
	struct registry_service *rs = ctx;
	api_forget_cached(rs->api);
	pthread_rwlock_rdlock(&rs->rt->lock);
	if (rs->rt->inproc)
		inproc_changed(rs->rt->inproc, NULL);
	pthread_rwlock_unlock(&rs->rt->lock);
}

/* registry/leader's callbacks (its thread): this node leads, so it becomes
 * the writer (init_transactions fences any other) and reads the log to its
 * last stable offset before it decides anything; it stops leading, so it
 * stops writing. */
static int registry_service_gain(void *ctx, int64_t epoch)
{
	struct registry_service *rs = ctx;
	struct sg_error e = {0};
	if (kafkastore_writer_start(rs->ks, &e) < 0 || kafkastore_catch_up(rs->ks, 30000, &e) < 0) {
		fprintf(stderr, "schemagate: registry: cannot be the writer (epoch %lld): %s\n",
		        (long long)epoch, e.msg);
		kafkastore_writer_stop(rs->ks);
		return -1;
	}
	return 0;
}

/* registry/forward's: a write this node forwarded succeeded; answer once this
 * node's view has it (read-your-writes across nodes). A view that does not
 * catch up in time still answers: the write is in the log. */
static void registry_service_relayed(void *ctx)
{
	struct registry_service *rs = ctx;
	struct sg_error e = {0};
	if (kafkastore_catch_up(rs->ks, 10000, &e) < 0)
		fprintf(stderr,
		        "schemagate: registry: a forwarded write is not in this node's view "
		        "yet: %s\n",
		        e.msg);
}

/* The API's, kafka mode: a read is about to answer "unknown"; the view
 * catches up with the log first (read-your-writes for a write acknowledged
 * by another node), for at most REGISTRY_CATCH_UP_MS. */
static int registry_service_catch_up(void *ctx)
{
	struct registry_service *rs = ctx;
	struct sg_error e = {0};
	if (!rs->ks)
		return 0;
	if (kafkastore_catch_up(rs->ks, REGISTRY_CATCH_UP_MS, &e) < 0) {
		fprintf(stderr,
		        "schemagate: registry: a read answers 404 from a view "
		        "that may be behind: %s\n",
		        e.msg);
		return 0;
	}
	return 1;
}

/* The API's, kafka mode: GET /health answers UP only while the view is
 * caught up with the log (seen at its end in the last REGISTRY_READY_MS). */
static int registry_service_ready(void *ctx, char *why, size_t cap)
{
	struct registry_service *rs = ctx;
	if (!rs->ks) {
		snprintf(why, cap, "the view of the registry's log is not open");
		return 0;
	}
	return kafkastore_ready(rs->ks, REGISTRY_READY_MS, why, cap);
}

/* kafkastore's: this node's writer was fenced by a newer one. */
static void registry_service_fenced(void *ctx)
{
	struct registry_service *rs = ctx;
	leader_resign(rs->leader);
}

static void registry_service_lose(void *ctx)
{
	struct registry_service *rs = ctx;
	kafkastore_writer_stop(rs->ks);
}

/* Stops accepting requests and waits for those in flight before the API and
 * the store beneath them go away; leaves the group (stopping the writer)
 * before the store closes. */
static void registry_service_stop(void *state)
{
	struct registry_service *rs = state;
	http_close(rs->http);
	leader_close(rs->leader);
	forward_free(rs->fwd);
	kafkastore_close(rs->ks);
	api_free(rs->api);
	store_close(rs->store);
	if (rs->rt->auth == rs->auth)
		rs->rt->auth = NULL;
	auth_watch_close(rs->auth);
	free(rs);
}

int runtime_add_registry(struct runtime *rt, const struct registry_config *cfg,
                         struct sg_error *err)
{
	struct registry_service *rs = calloc(1, sizeof *rs);
	if (!rs)
		return error_set(err, SG_ENOMEM, "out of memory");
	rs->rt = rt;
	rs->metrics_open = cfg->metrics_open;
	if (cfg->auth_file && !(rs->auth = auth_watch_open(cfg->auth_file, err)))
		goto err;

	unsigned threads = cfg->threads;
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	/* One read connection per HTTP thread, so no request waits for another. */
	struct store_options so = {.readers = threads < 4 ? 4 : threads};
	rs->store = store_open(cfg->db, &so, err);
	if (!rs->store) {
		if (!err || !strstr(err->msg, cfg->db))
			error_prefix(err, SG_ESTORE, "database %s: ", cfg->db);
		goto err;
	}
	/* Kafka mode: the leader and the forward exist before the API, which
	 * forwards writes; the leader starts once the node listens. */
	const char *kcfg[16] = {NULL};
	if (cfg->kafka) {
		size_t k = 0;
		if (cfg->broker_tls_ca || cfg->broker_tls_cert) {
			kcfg[k++] = "security.protocol";
			kcfg[k++] = "ssl";
		}
		if (cfg->broker_tls_ca) {
			kcfg[k++] = "ssl.ca.location";
			kcfg[k++] = cfg->broker_tls_ca;
		}
		if (cfg->broker_tls_cert) {
			kcfg[k++] = "ssl.certificate.location";
			kcfg[k++] = cfg->broker_tls_cert;
			kcfg[k++] = "ssl.key.location";
			kcfg[k++] = cfg->broker_tls_key;
		}
		struct forward_options fo = {.on_relayed = registry_service_relayed, .ctx = rs};
		struct leader_options lo = {
		    .brokers = cfg->brokers,
		    .group_id = cfg->group_id,
		    .advertised_url = cfg->advertised_url,
		    .eligible = cfg->leader_eligible,
		    .kafka_config = kcfg,
		    .on_gain = registry_service_gain,
		    .on_lose = registry_service_lose,
		    .ctx = rs,
		};
		if (!(rs->leader = leader_new(&lo, err)) ||
		    !(rs->fwd = forward_new(rs->leader, &fo, err)))
			goto err;
	}
	struct api_options ao = {.body_limit = cfg->body_limit,
	                         .auth = rs->auth,
	                         .ui_open = cfg->ui_open,
	                         .forward = rs->fwd,
	                         .catch_up = cfg->kafka ? registry_service_catch_up : NULL,
	                         .ready = cfg->kafka ? registry_service_ready : NULL,
	                         .log_ctx = rs};
	rs->api = api_new(rs->store, &ao, err);
	if (!rs->api)
		goto err;
	if (cfg->kafka) {
		struct kafkastore_options ko = {
		    .brokers = cfg->brokers,
		    .topic = cfg->topic,
		    .group_id = cfg->group_id,
		    .tls_ca = cfg->broker_tls_ca,
		    .tls_cert = cfg->broker_tls_cert,
		    .tls_key = cfg->broker_tls_key,
		    .on_apply = registry_service_applied,
		    .on_apply_ctx = rs,
		    .on_fenced = registry_service_fenced,
		    .on_fenced_ctx = rs,
		};
		rs->ks = kafkastore_open(rs->store, &ko, err);
		if (!rs->ks) {
			error_prefix(err, SG_EUNAVAILABLE, "kafka store: ");
			goto err;
		}
		fprintf(stderr, "schemagate: registry store: topic %s on %s, group %s, %s\n",
		        cfg->topic, cfg->brokers, cfg->group_id,
		        cfg->leader_eligible ? "leader-eligible"
		                             : "read replica (not leader-eligible)");
	}
	struct http_tls tls = {
	    .cert_file = cfg->tls_cert,
	    .key_file = cfg->tls_key,
	    .client_ca = cfg->tls_client_ca,
	    .client_auth = (enum http_client_auth)cfg->tls_client_auth,
	};
	struct http_options ho = {
	    .host = cfg->host,
	    .port = cfg->port,
	    .body_limit = cfg->body_limit,
	    .threads = threads,
	    .tls = cfg->tls_cert ? &tls : NULL,
	    .max_connections = cfg->max_connections,
	    .max_connections_per_ip = cfg->max_connections_per_ip,
	    .idle_timeout_ms = cfg->idle_timeout_ms,
	    .request_timeout_ms = cfg->request_timeout_ms,
	};
	rs->http = http_open(&ho, registry_service_handle, rs, err);
	if (!rs->http)
		goto err;
	if (runtime_push(rt, "registry", registry_service_stop, rs, err) < 0)
		goto err;

	int v6 = strchr(cfg->host, ':') != NULL;
	snprintf(rt->registry_host, sizeof rt->registry_host, "%s%s%s", v6 ? "[" : "",
	         !strcmp(cfg->host, "0.0.0.0") ? "127.0.0.1"
	         : !strcmp(cfg->host, "::")    ? "::1"
	                                       : cfg->host,
	         v6 ? "]" : "");
	rt->registry_port = http_port(rs->http);
	rt->registry_scheme = cfg->tls_cert ? "https" : "http";
	if (rs->leader) {
		/* Without --advertised-url, the address it listens on (other nodes
		 * on this host only, unless it is a routable one). */
		char url[LEADER_URL_MAX];
		snprintf(url, sizeof url, "%s://%s:%d", rt->registry_scheme, rt->registry_host,
		         rt->registry_port);
		if (leader_start(rs->leader, cfg->advertised_url ? cfg->advertised_url : url, err) <
		    0)
			goto err;
		fprintf(stderr, "schemagate: registry: %s, advertised as %s\n",
		        cfg->leader_eligible ? "leader-eligible" : "not leader-eligible",
		        cfg->advertised_url ? cfg->advertised_url : url);
		/* Writes need a leader: the node says it listens once one is known,
		 * or, when it may lead, after the time a failed leader's session
		 * takes to expire; a node that may not lead waits for a look or two
		 * at the group (there may be no schemagate leader: a read replica
		 * beside a Confluent registry). */
		if (!leader_wait(rs->leader, cfg->leader_eligible ? 15000 : 3000))
			fprintf(stderr, "schemagate: registry: no leader known yet; writes answer "
			                "50004 until one is elected\n");
	}
	rt->store = rs->store;
	rt->auth = rs->auth;
	static const char *const client_certs[] = {"", ", client certificates checked when given",
	                                           ", client certificates required"};
	fprintf(stderr, "schemagate: registry listening on %s://%s%s%s:%d (db %s%s)\n",
	        cfg->tls_cert ? "https" : "http", v6 ? "[" : "", cfg->host, v6 ? "]" : "",
	        http_port(rs->http), cfg->db,
	        cfg->tls_cert ? client_certs[tls.client_auth % 3] : "");
	return 0;
err:
	registry_service_stop(rs);
	return -1;
}

struct gateway_service {
	struct runtime *rt;
	struct gateway *gw;
	pthread_t thread;
	int started;
	struct schemasource *ss;
	struct rejections *rej;
	struct metrics *met;
	struct deadletter *dl;
	struct gwcheck *check;
	struct proxy_validator validator;
	struct http_server *admin;
	/* The gateway /health asks gateway_ready() of: set once it is open,
	 * cleared before it closes (the admin may serve before and after). */
	_Atomic(struct gateway *) gw_ready_for;
};

/* The proxy's validator over a gwcheck. Worker threads. */
static void gateway_check(void *ctx, void *scratch, const struct gwcheck_input *in,
                          struct gwcheck_verdict *v)
{
	if (!scratch) {
		memset(v, 0, sizeof *v);
		v->outcome = GWCHECK_RETRIABLE;
		v->code = SG_EUNAVAILABLE;
		v->first_bad = -1;
		snprintf(v->message, sizeof v->message, "the gateway is out of memory");
		return;
	}
	gwcheck_batch(ctx, scratch, in, v);
}

static void *gateway_scratch_new(void *ctx)
{
	return gwcheck_scratch_new(ctx);
}

static void gateway_scratch_free(void *scratch)
{
	gwcheck_scratch_free(scratch);
}

/* The admin port of a standalone gateway: GET /metrics, /rejections, /health. */
static void gateway_admin_handle(void *ctx, const struct http_request *req,
                                 struct http_response *resp)
{
	struct gateway_service *gs = ctx;
	if (runtime_visibility(gs->rt, NULL, req, resp))
		return;
	resp->content_type = "application/json";
	if (req->nsegs == 1 && !strcmp(req->segs[0], "health") && !strcmp(req->method, "GET")) {
		/* Ready once every broker's port is open (gateway.h, "Broker nodes"). */
		struct gateway *gw = atomic_load(&gs->gw_ready_for);
		int up = gw && gateway_ready(gw);
		resp->status = up ? 200 : 503;
		resp->body = runtime_strdup_body(up ? "{\"status\":\"UP\"}"
		                                    : "{\"status\":\"DOWN\",\"reason\":\"the "
		                                      "brokers are not learned yet\"}",
		                                 &resp->body_len);
	} else {
		resp->status = 404;
		resp->body = runtime_strdup_body(
		    "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}", &resp->body_len);
	}
}

static void *gateway_service_main(void *arg)
{
	struct gateway_service *gs = arg;
	struct sg_error err;
	error_clear(&err);
	if (gateway_run(gs->gw, &err) < 0)
		fprintf(stderr, "schemagate: gateway stopped: %s\n", err.msg);
	return NULL;
}

/* Stops the event loop, waits for its thread, then closes every connection. */
static void gateway_service_stop(void *state)
{
	struct gateway_service *gs = state;
	if (gs->rt && gs->gw && gs->rt->gw == gs->gw) {
		pthread_rwlock_wrlock(&gs->rt->lock);
		gs->rt->gw = NULL;
		gs->rt->tls_gw = NULL;
		pthread_rwlock_unlock(&gs->rt->lock);
	}
	if (gs->started) {
		gateway_stop(gs->gw);
		pthread_join(gs->thread, NULL);
	}
	/* The admin first: its /health reads the gateway. */
	http_close(gs->admin);
	atomic_store(&gs->gw_ready_for, NULL);
	gateway_close(gs->gw);
	if (gs->rt && gs->rt->check == gs->check) {
		pthread_rwlock_wrlock(&gs->rt->lock);
		gs->rt->check = NULL;
		gs->rt->rej = NULL;
		gs->rt->inproc = NULL;
		gs->rt->remote = NULL;
		gs->rt->rules_path = NULL;
		pthread_rwlock_unlock(&gs->rt->lock);
	}
	gwcheck_free(gs->check);
	deadletter_close(gs->dl);
	metrics_free(gs->met);
	rejections_free(gs->rej);
	schemasource_close(gs->ss);
	free(gs);
}

/* Asks the registry once, at start, for something any user may read
 * (GET /schemas/types), so that a registry that cannot be reached, whose
 * certificate does not verify or that refuses the credentials is in the log
 * at once, not only at the first record. The gateway starts all the same: it
 * fails closed (records to validate get a retriable error, with this reason
 * in the log) until the registry answers. */
static void gateway_registry_probe(const char *url, const struct regclient_options *ro)
{
	struct sg_error err;
	error_clear(&err);
	struct regclient_options po = *ro;
	po.timeout_ms = 5000;
	struct regclient *c = regclient_new(url, &po, &err);
	json_t *out = NULL;
	int status = c ? regclient_request(c, "GET", "/schemas/types", NULL, &out, &err) : -1;
	if (status == 200)
		fprintf(stderr, "schemagate: gateway: registry %s answers\n", regclient_url(c));
	else if (status < 0 || status == 401 || status == 403)
		fprintf(stderr,
		        "schemagate: gateway: warning: %s; until the registry answers, records to "
		        "validate are refused with a retriable error\n",
		        err.msg);
	json_decref(out);
	regclient_free(c);
}

/* Opens what validation needs. Returns 0, or -1 with `err` set. */
static int gateway_service_validation(struct runtime *rt, struct gateway_service *gs,
                                      const struct gateway_config *cfg, int mock,
                                      struct sg_error *err)
{
	char url[320];
	const char *source_url = cfg->registry_url;
	struct schemasource_options so = {0};
	struct rules *rules = NULL;

	if (cfg->self_registry) {
		if (!rt->store)
			return error_set(err, SG_EINTERNAL, "no registry to validate against");
		snprintf(url, sizeof url, "the registry's store (in-process, %s://%s:%d)",
		         rt->registry_scheme, rt->registry_host, rt->registry_port);
		source_url = url;
		gs->ss = inproc_open(rt->store, &so, err);
	} else {
		gs->ss = schemasource_open_http(source_url, &cfg->registry_client, &so, err);
		if (!gs->ss)
			return -1;
		gateway_registry_probe(source_url, &cfg->registry_client);
	}
	if (!gs->ss)
		return -1;
	if (cfg->rules_path) {
		rules = rules_load(cfg->rules_path, err);
		if (!rules)
			return -1;
	}
	gs->rej = rejections_new(0);
	gs->met = metrics_new(gwcheck_reason_names, GWCHECK_REASON_COUNT, 0);
	if (!gs->rej || !gs->met) {
		rules_unref(rules);
		return error_set(err, SG_ENOMEM, "out of memory");
	}
	if (!mock) {
		struct deadletter_options dlo = {.brokers = cfg->brokers};
		gs->dl = deadletter_open(&dlo, err);
		if (!gs->dl) {
			rules_unref(rules);
			return -1;
		}
	}
	gs->check = gwcheck_new(gs->ss, rules, gs->rej, gs->met, gs->dl, NULL, err);
	if (!gs->check)
		return -1;
	gs->validator = (struct proxy_validator){gateway_check, gateway_scratch_new,
	                                         gateway_scratch_free, gs->check};
	if (cfg->admin_host) {
		struct http_options ho = {.host = cfg->admin_host,
		                          .port = cfg->admin_port,
		                          .body_limit = 4096,
		                          .threads = 2};
		gs->admin = http_open(&ho, gateway_admin_handle, gs, err);
		if (!gs->admin)
			return error_prefix(err, SG_EIO, "--admin-listen: ");
		fprintf(stderr,
		        "schemagate: gateway admin (GET /metrics, /rejections, /health) on %s:%d\n",
		        cfg->admin_host, http_port(gs->admin));
	}
	pthread_rwlock_wrlock(&rt->lock);
	rt->check = gs->check;
	rt->rej = gs->rej;
	rt->rules_path = cfg->rules_path;
	rt->inproc = cfg->self_registry ? gs->ss : NULL;
	rt->remote = cfg->self_registry ? NULL : gs->ss;
	pthread_rwlock_unlock(&rt->lock);
	fprintf(stderr, "schemagate: gateway validates records against %s (rules: %s)\n",
	        source_url, cfg->rules_path ? cfg->rules_path : "built-in default");
	return 0;
}

/* glibc's malloc gives free memory at the top of a heap back to the kernel
 * once it passes the trim threshold (by default twice the mmap threshold,
 * which glibc raises to the largest block freed so far: about 512 KiB here),
 * and the gateway's buffers (reads of up to 256 KiB, requests held for
 * validation) come and go thousands of times a second, so every give-back
 * costs page faults on the next use: about 12% of the gateway's CPU when it
 * passes on 1 KiB records at full speed (strace: ~100 madvise calls per GiB).
 * With these settings blocks of up to 4 MiB come from the heap, and up to
 * 16 MiB of free heap stay with the process. Process-wide, so set where the
 * gateway service starts. */
static void runtime_tune_malloc(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 16 << 20);
#endif
}

int runtime_add_gateway(struct runtime *rt, const struct gateway_config *cfg, struct sg_error *err)
{
	struct gateway_service *gs = calloc(1, sizeof *gs);
	if (!gs)
		return error_set(err, SG_ENOMEM, "out of memory");
	gs->rt = rt;
	runtime_tune_malloc();
	int mock = !cfg->brokers || !*cfg->brokers;
	if ((cfg->registry_url || cfg->self_registry) &&
	    gateway_service_validation(rt, gs, cfg, mock, err) < 0)
		goto err;
	struct gateway_options go = {
	    .listen = cfg->listen,
	    .brokers = mock ? NULL : cfg->brokers,
	    .mock_brokers = mock ? (cfg->mock_brokers > 0 ? cfg->mock_brokers : 1) : 0,
	    .advertised_host = cfg->advertised_host,
	    .broker_port_base = cfg->broker_port_base,
	    .validator = gs->check ? &gs->validator : NULL,
	    .validate_threads = cfg->validate_threads,
	    .max_held_bytes = cfg->held_memory,
	    .tls = cfg->tls,
	    .idle_timeout_ms = cfg->idle_timeout_ms,
	    .max_connections = cfg->max_connections,
	    .max_connections_per_address = cfg->max_connections_per_address,
	};
	gs->gw = gateway_open(&go, err);
	if (!gs->gw)
		goto err;
	atomic_store(&gs->gw_ready_for, gs->gw);
	/* Without validation, --admin-listen serves the gateway's own metrics. */
	if (cfg->admin_host && !gs->admin) {
		struct http_options ho = {.host = cfg->admin_host,
		                          .port = cfg->admin_port,
		                          .body_limit = 4096,
		                          .threads = 2};
		gs->admin = http_open(&ho, gateway_admin_handle, gs, err);
		if (!gs->admin) {
			error_prefix(err, SG_EIO, "--admin-listen: ");
			goto err;
		}
		fprintf(stderr, "schemagate: gateway admin (GET /metrics, /health) on %s:%d\n",
		        cfg->admin_host, http_port(gs->admin));
	}
	pthread_rwlock_wrlock(&rt->lock);
	rt->gw = gs->gw;
	rt->tls_gw = gateway_uses_tls(gs->gw) ? gs->gw : NULL;
	pthread_rwlock_unlock(&rt->lock);
	if (pthread_create(&gs->thread, NULL, gateway_service_main, gs) != 0) {
		error_set(err, SG_EINTERNAL, "cannot start the gateway thread");
		goto err;
	}
	gs->started = 1;
	if (runtime_push(rt, "gateway", gateway_service_stop, gs, err) < 0)
		goto err;
	fprintf(stderr,
	        "schemagate: gateway listening on port %d, broker node N on port %d+N (%s%s)\n",
	        gateway_port(gs->gw), gateway_broker_port_base(gs->gw),
	        mock ? "librdkafka's in-process mock cluster: data is NOT kept" : "brokers ",
	        mock ? "" : cfg->brokers);
	if (cfg->tls.cert || cfg->tls.broker_ca || cfg->tls.broker_insecure) {
		static const char *const auth[] = {"none", "requested", "required"};
		fprintf(stderr, "schemagate: gateway TLS: clients %s%s%s, brokers %s%s\n",
		        cfg->tls.cert ? "over TLS (client certificates " : "in plaintext",
		        cfg->tls.cert ? auth[cfg->tls.client_auth] : "", cfg->tls.cert ? ")" : "",
		        cfg->tls.broker_ca         ? "over TLS, verified"
		        : cfg->tls.broker_insecure ? "over TLS, NOT verified"
		                                   : "in plaintext",
		        cfg->tls.broker_cert    ? " (the gateway's certificate)"
		        : cfg->tls.identity_dir ? " (certmap: each client's own user)"
		                                : "");
	}
	return 0;
err:
	gateway_service_stop(gs);
	return -1;
}

int runtime_wait(struct runtime *rt)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	for (;;) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			return sig;
		if (rt->auth) {
			/* auth_watch_reload() logs what it loaded, or why it kept the
			 * previous file. */
			struct sg_error aerr;
			error_clear(&aerr);
			auth_watch_reload(rt->auth, &aerr);
		}
		pthread_rwlock_rdlock(&rt->lock);
		if (rt->tls_gw) {
			/* The gateway logs what it reloaded, or why it kept what
			 * it had, from its watcher thread. */
			fprintf(stderr, "schemagate: SIGHUP: reloading the gateway's TLS files\n");
			gateway_tls_reload(rt->tls_gw);
		}
		if (rt->remote) {
			fprintf(stderr, "schemagate: SIGHUP: the registry's connections open anew "
			                "(its CA and client certificate are read again)\n");
			schemasource_reconnect(rt->remote);
		}
		if (rt->check && rt->rules_path) {
			struct sg_error err;
			error_clear(&err);
			struct rules *r = rules_load(rt->rules_path, &err);
			if (r) {
				fprintf(stderr,
				        "schemagate: SIGHUP: rules reloaded from %s (%zu rules)\n",
				        rt->rules_path, rules_count(r));
				gwcheck_set_rules(rt->check, r);
			} else {
				fprintf(stderr, "schemagate: SIGHUP: rules kept: %s\n", err.msg);
			}
		} else if (!rt->auth && !rt->tls_gw) {
			fprintf(stderr, "schemagate: SIGHUP: no rules file to reload\n");
		}
		pthread_rwlock_unlock(&rt->lock);
	}
}

void runtime_free(struct runtime *rt)
{
	if (!rt)
		return;
	while (rt->n > 0) {
		struct runtime_service *s = &rt->services[--rt->n];
		s->stop(s->state);
	}
	pthread_rwlock_destroy(&rt->lock);
	free(rt);
}
