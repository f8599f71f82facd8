/* gateway/gateway.c: options, the loop and the proxy, put together. */
#include "gateway/gateway.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "compat/error.h"
#include "gateway/certmap.h"
#include "gateway/loop.h"
#include "gateway/proxy.h"
#include "gateway/tls.h"
#include "gateway/workers.h"

/* Most bootstrap brokers accepted on the command line. */
#define GATEWAY_MAX_BROKERS 64
#define GATEWAY_ADDR_MAX    300

struct gateway {
	struct loop *loop;
	struct proxy *proxy;
	struct workers *workers;
	struct tls_ctx *client_tls; /* for the listeners, when clients use TLS */
	struct tls_ctx *broker_tls; /* for broker connections, when brokers use TLS */
	struct certmap *certmap;    /* per-user contexts, for the certmap identity */
	int base;
	rd_kafka_t *mock_rk; /* owns the mock cluster, when there is one */
	rd_kafka_mock_cluster_t *mock;
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
		colon = strrchr(buf, ':');
		if (!colon)
			return error_set(err, SG_EBAD_REQUEST, "%s: '%s' has no port", what, buf);
		h = buf;
		hlen = (size_t)(colon - buf);
	}
	if (hlen == 0 || hlen >= hostsz)
		return error_set(err, SG_EBAD_REQUEST, "%s: '%s' has no usable host", what, buf);
	v = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || v < 0 || v > 65535)
		return error_set(err, SG_EBAD_REQUEST, "%s: '%s' has a bad port", what, buf);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (int)v;
	return 0;
}

__attribute__((format(printf, 2, 3))) static void gateway_log(const struct gateway_options *opt,
                                                              const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (opt->log)
		opt->log(opt->log_arg, line);
	else
		fprintf(stderr, "gateway: %s\n", line);
}

/* Makes the TLS contexts the options ask for. Returns 0, or -1 with `err`
 * set. */
static int gateway_tls_open(struct gateway *gw, const struct gateway_options *opt,
                            struct sg_error *err)
{
	const struct gateway_tls *t = &opt->tls;

	if (t->cert || t->key) {
		struct tls_server_options so = {.cert_file = t->cert,
		                                .key_file = t->key,
		                                .client_ca = t->client_ca,
		                                .client_auth =
		                                    (enum tls_client_auth)t->client_auth};
		if (!t->cert || !t->key)
			return error_set(err, SG_EBAD_REQUEST,
			                 "client TLS needs both a certificate and its key");
		gw->client_tls = tls_server_new(&so, err);
		if (!gw->client_tls)
			return -1;
	} else if (t->client_ca || t->client_auth) {
		return error_set(err, SG_EBAD_REQUEST,
		                 "client certificates need client TLS (a certificate and key)");
	}
	if (t->broker_ca || t->broker_insecure) {
		struct tls_client_options co = {.ca = t->broker_ca,
		                                .insecure_no_verify = t->broker_insecure,
		                                .cert_file = t->broker_cert,
		                                .key_file = t->broker_key};
		if (t->identity_dir) {
			if (t->client_auth != TLS_CLIENT_AUTH_REQUIRED)
				return error_set(err, SG_EBAD_REQUEST,
				                 "the certmap identity needs client certificates "
				                 "required");
			if (t->broker_cert || t->broker_key)
				return error_set(
				    err, SG_EBAD_REQUEST,
				    "the certmap identity takes no gateway certificate");
			gw->certmap = certmap_load(t->identity_dir, &co, err);
			if (!gw->certmap)
				return -1;
			gateway_log(opt, "certmap: %zu broker identities from %s",
			            certmap_count(gw->certmap), t->identity_dir);
		}
		gw->broker_tls = tls_client_new(&co, err);
		if (!gw->broker_tls)
			return -1;
		if (t->broker_insecure)
			gateway_log(opt,
			            "WARNING: broker certificates are NOT verified "
			            "(insecure skip verify): anyone on the path to the brokers "
			            "can read and change the traffic");
	} else if (t->broker_cert || t->broker_key || t->identity_dir) {
		return error_set(err, SG_EBAD_REQUEST,
		                 "a broker TLS identity needs TLS to the brokers (a CA)");
	}
	return 0;
}

static int gateway_wildcard(const char *host)
{
	return !strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !strcmp(host, "*");
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
	const char *s;

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
	for (s = brokers; *s;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (len) {
			if (n == GATEWAY_MAX_BROKERS) {
				error_set(err, SG_EBAD_REQUEST, "--brokers: more than %d brokers",
				          GATEWAY_MAX_BROKERS);
				goto err_mock;
			}
			if (gateway_parse_addr(s, len, hosts[n], sizeof hosts[n], &addrs[n].port,
			                       "--brokers", err) != 0)
				goto err_mock;
			if (addrs[n].port == 0) {
				error_set(err, SG_EBAD_REQUEST, "--brokers: port 0");
				goto err_mock;
			}
			addrs[n].host = hosts[n];
			n++;
		}
		s += len + (comma ? 1 : 0);
	}
	if (!n) {
		error_set(err, SG_EBAD_REQUEST, "--brokers: no broker given");
		goto err_mock;
	}
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
	if (gateway_tls_open(gw, opt, err) != 0)
		goto err;
	po.client_tls = gw->client_tls;
	po.broker_tls = gw->broker_tls;
	po.certmap = gw->certmap;
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
	if (!gw->proxy)
		goto err;
	if (gw->mock)
		gateway_log(opt,
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
