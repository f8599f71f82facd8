/* cli/runtime.c: start services, wait for a stop signal, stop them. */
#include "cli/runtime.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/gateway.h"
#include "registry/api.h"
#include "registry/http.h"
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
};

struct registry_service {
	struct store *store;
	struct api *api;
	struct http_server *http;
};

void runtime_block_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct runtime *runtime_new(struct sg_error *err)
{
	struct runtime *rt = calloc(1, sizeof *rt);
	if (!rt)
		error_set(err, SG_ENOMEM, "out of memory");
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

/* Stops accepting requests and waits for those in flight before the API and
 * the store beneath them go away. */
static void registry_service_stop(void *state)
{
	struct registry_service *rs = state;
	http_close(rs->http);
	api_free(rs->api);
	store_close(rs->store);
	free(rs);
}

int runtime_add_registry(struct runtime *rt, const struct registry_config *cfg,
                         struct sg_error *err)
{
	struct registry_service *rs = calloc(1, sizeof *rs);
	if (!rs)
		return error_set(err, SG_ENOMEM, "out of memory");

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
	struct api_options ao = {.body_limit = cfg->body_limit};
	rs->api = api_new(rs->store, &ao, err);
	if (!rs->api)
		goto err;
	struct http_options ho = {
	    .host = cfg->host,
	    .port = cfg->port,
	    .body_limit = cfg->body_limit,
	    .threads = threads,
	};
	rs->http = http_open(&ho, api_handle, rs->api, err);
	if (!rs->http)
		goto err;
	if (runtime_push(rt, "registry", registry_service_stop, rs, err) < 0)
		goto err;

	int v6 = strchr(cfg->host, ':') != NULL;
	fprintf(stderr, "schemagate: registry listening on http://%s%s%s:%d (db %s)\n",
	        v6 ? "[" : "", cfg->host, v6 ? "]" : "", http_port(rs->http), cfg->db);
	return 0;
err:
	registry_service_stop(rs);
	return -1;
}

struct gateway_service {
	struct gateway *gw;
	pthread_t thread;
	int started;
};

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
	if (gs->started) {
		gateway_stop(gs->gw);
		pthread_join(gs->thread, NULL);
	}
	gateway_close(gs->gw);
	free(gs);
}

int runtime_add_gateway(struct runtime *rt, const struct gateway_config *cfg,
                        struct sg_error *err)
{
	struct gateway_service *gs = calloc(1, sizeof *gs);
	if (!gs)
		return error_set(err, SG_ENOMEM, "out of memory");
	int mock = !cfg->brokers || !*cfg->brokers;
	struct gateway_options go = {
	    .listen = cfg->listen,
	    .brokers = mock ? NULL : cfg->brokers,
	    .mock_brokers = mock ? (cfg->mock_brokers > 0 ? cfg->mock_brokers : 1) : 0,
	    .advertised_host = cfg->advertised_host,
	    .broker_port_base = cfg->broker_port_base,
	};
	gs->gw = gateway_open(&go, err);
	if (!gs->gw)
		goto err;
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
	return 0;
err:
	gateway_service_stop(gs);
	return -1;
}

int runtime_wait(struct runtime *rt)
{
	(void)rt;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	return sig;
}

void runtime_free(struct runtime *rt)
{
	if (!rt)
		return;
	while (rt->n > 0) {
		struct runtime_service *s = &rt->services[--rt->n];
		s->stop(s->state);
	}
	free(rt);
}
