/* gateway/gateway.c: options, the loop and the proxy, put together. */
#include "gateway/gateway.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "gateway/loop.h"
#include "gateway/proxy.h"

/* Most bootstrap brokers accepted on the command line. */
#define GATEWAY_MAX_BROKERS 64
#define GATEWAY_ADDR_MAX 300

struct gateway {
	struct loop *loop;
	struct proxy *proxy;
	int base;
};

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

	if (!opt->listen || !opt->brokers) {
		error_set(err, SG_EBAD_REQUEST, "the gateway needs --listen and --brokers");
		return NULL;
	}
	if (gateway_parse_addr(opt->listen, strlen(opt->listen), listen_host, sizeof listen_host,
	                       &listen_port, "--listen", err) != 0)
		return NULL;
	for (s = opt->brokers; *s;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (len) {
			if (n == GATEWAY_MAX_BROKERS) {
				error_set(err, SG_EBAD_REQUEST, "--brokers: more than %d brokers",
				          GATEWAY_MAX_BROKERS);
				return NULL;
			}
			if (gateway_parse_addr(s, len, hosts[n], sizeof hosts[n], &addrs[n].port,
			                       "--brokers", err) != 0)
				return NULL;
			if (addrs[n].port == 0) {
				error_set(err, SG_EBAD_REQUEST, "--brokers: port 0");
				return NULL;
			}
			addrs[n].host = hosts[n];
			n++;
		}
		s += len + (comma ? 1 : 0);
	}
	if (!n) {
		error_set(err, SG_EBAD_REQUEST, "--brokers: no broker given");
		return NULL;
	}
	if ((!opt->advertised_host || !*opt->advertised_host) && gateway_wildcard(listen_host)) {
		error_set(err, SG_EBAD_REQUEST,
		          "--listen %s is a wildcard address: give --advertised-host", listen_host);
		return NULL;
	}
	memset(&po, 0, sizeof po);
	po.listen_host = listen_host;
	po.listen_port = listen_port;
	po.advertised_host = opt->advertised_host;
	po.broker_port_base = opt->broker_port_base;
	if (!po.broker_port_base) {
		if (!listen_port) {
			error_set(err, SG_EBAD_REQUEST, "--listen port 0 needs --broker-port-base");
			return NULL;
		}
		po.broker_port_base = listen_port + 1;
	}
	po.bootstrap = addrs;
	po.nbootstrap = n;
	po.max_frame = opt->max_frame;
	po.log = opt->log;
	po.log_arg = opt->log_arg;

	signal(SIGPIPE, SIG_IGN);
	gw = calloc(1, sizeof *gw);
	if (!gw) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	gw->base = po.broker_port_base;
	gw->loop = loop_new(err);
	if (!gw->loop)
		goto err;
	gw->proxy = proxy_new(gw->loop, &po, err);
	if (!gw->proxy)
		goto err;
	return gw;
err:
	gateway_close(gw);
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
	loop_free(gw->loop);
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
