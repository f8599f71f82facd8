/* tests/kafka/test_gwlimits.c: the gateway's limits on clients, over real
 * sockets, in front of a fake broker (a thread that answers Heartbeat v0
 * requests: at once; after 800 ms for client id "slow"; with 1 MiB of
 * payload for client id "big").
 *
 * Gateway 1 has a 300 ms idle timeout:
 *   - a client that connects and sends nothing is closed, and so is one
 *     that sends half a length prefix and stalls, and one that sends
 *     requests for big answers and never reads them;
 *   - a client that waits 800 ms for its answer (a request in flight) is
 *     not closed, nor is one that sends a request every 100 ms meanwhile.
 * Gateway 2 allows 3 connections per address and 6 in all (loopback
 * addresses 127.0.0.1 to .4 stand for four hosts):
 *   - the 4th from one address is closed at once, while another address
 *     is served; the 7th in all is closed at once; a closed connection
 *     frees its slot;
 *   - a flood of 30 refused connections from one address leaves a client
 *     of another address served, each of its requests answered, and logs
 *     at most PROXY_LOG_BURST lines about them.
 * Each outcome is checked in gateway_metrics_text() too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "compat/error.h"
#include "gateway/gateway.h"
#include "gateway/proxy.h"
#include "tests/tap.h"

#define IDLE_MS  300
#define SLOW_MS  800
#define BIG_SIZE ((size_t)1 << 20)

static int broker_port;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char gw_log[65536];
static size_t gw_log_len;

static void log_line(void *arg, const char *line)
{
	(void)arg;
	pthread_mutex_lock(&log_mu);
	if (gw_log_len < sizeof gw_log - 1)
		gw_log_len +=
		    (size_t)snprintf(gw_log + gw_log_len, sizeof gw_log - gw_log_len, "%s\n", line);
	if (gw_log_len >= sizeof gw_log)
		gw_log_len = sizeof gw_log - 1;
	pthread_mutex_unlock(&log_mu);
}

/* Lines of the log holding both `a` and `b` (NULL: any). */
static int log_count(const char *a, const char *b)
{
	int n = 0;
	pthread_mutex_lock(&log_mu);
	for (const char *p = gw_log; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)len, p);
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
		p += len + (nl ? 1 : 0);
	}
	pthread_mutex_unlock(&log_mu);
	return n;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int read_all(int fd, void *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = recv(fd, (char *)p + got, n - got, 0);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int write_all(int fd, const void *p, size_t n)
{
	size_t put = 0;
	while (put < n) {
		ssize_t r = send(fd, (const char *)p + put, n - put, MSG_NOSIGNAL);
		if (r <= 0)
			return -1;
		put += (size_t)r;
	}
	return 0;
}

/* The fake broker: one thread a connection. */

static void *broker_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t hdr[4], req[512];
	uint8_t *resp = malloc(4 + 6 + BIG_SIZE);

	while (resp && read_all(fd, hdr, 4) == 0) {
		uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
		             (uint32_t)hdr[2] << 8 | hdr[3];
		size_t len = 6, idlen;
		if (n < 10 || n > sizeof req || read_all(fd, req, n) != 0)
			break;
		idlen = (size_t)(req[8] << 8 | req[9]);
		if (idlen == 4 && 10 + idlen <= n && !memcmp(req + 10, "slow", 4))
			sleep_ms(SLOW_MS);
		if (idlen == 3 && 10 + idlen <= n && !memcmp(req + 10, "big", 3))
			len += BIG_SIZE;
		memset(resp, 0, 4 + len);
		resp[0] = (uint8_t)(len >> 24);
		resp[1] = (uint8_t)(len >> 16);
		resp[2] = (uint8_t)(len >> 8);
		resp[3] = (uint8_t)len;
		memcpy(resp + 4, req + 4, 4); /* the correlation id; error_code 0 */
		if (write_all(fd, resp, 4 + len) != 0)
			break;
	}
	free(resp);
	close(fd);
	return NULL;
}

static void *broker_main(void *arg)
{
	int ls = (int)(intptr_t)arg;
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		pthread_t t;
		if (fd < 0)
			continue;
		if (pthread_create(&t, NULL, broker_conn, (void *)(intptr_t)fd) == 0)
			pthread_detach(t);
		else
			close(fd);
	}
	return NULL;
}

static int broker_start(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof sa;
	int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);
	pthread_t t;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 256) != 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) != 0)
		return -1;
	broker_port = ntohs(sa.sin_port);
	return pthread_create(&t, NULL, broker_main, (void *)(intptr_t)ls) == 0 ? 0 : -1;
}

/* Gateways. */

/* 1 when 127.0.0.1:port can be bound now. */
static int port_free(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static void *run_gateway(void *arg)
{
	struct sg_error err;
	error_clear(&err);
	if (gateway_run(arg, &err) != 0)
		fprintf(stderr, "gateway_run: %s\n", err.msg);
	return NULL;
}

static struct gateway *gateway_start(struct gateway_options *o, pthread_t *t)
{
	char brokers[64];
	struct sg_error err;
	struct gateway *gw;
	int base = 20000 + (int)(getpid() % 20000);

	while (!port_free(base + 1))
		base++;
	snprintf(brokers, sizeof brokers, "127.0.0.1:%d", broker_port);
	o->listen = "127.0.0.1:0";
	o->brokers = brokers;
	o->broker_port_base = base;
	o->log = log_line;
	error_clear(&err);
	gw = gateway_open(o, &err);
	if (!gw) {
		tap_diag("gateway_open: %s", err.msg);
		return NULL;
	}
	if (pthread_create(t, NULL, run_gateway, gw) != 0) {
		gateway_close(gw);
		return NULL;
	}
	return gw;
}

/* The value of metric line `name` (with its labels) in the gateway's text. */
static long metric(struct gateway *gw, const char *name)
{
	size_t len;
	char *t = gateway_metrics_text(gw, &len), *p;
	long v = -1;
	size_t n = strlen(name);

	for (p = t; p && (p = strstr(p, name)); p += n)
		if ((p == t || p[-1] == '\n') && p[n] == ' ') {
			v = strtol(p + n + 1, NULL, 10);
			break;
		}
	free(t);
	return v;
}

/* Clients. */

/* A connection from `src` (a loopback address) to the gateway's port; -1
 * when it cannot be made. */
static int dial_from(const char *src, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET}, from = {.sin_family = AF_INET};
	struct timeval tv = {5, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	inet_pton(AF_INET, src, &from.sin_addr);
	sa.sin_port = htons((uint16_t)port);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (fd < 0 || bind(fd, (struct sockaddr *)&from, sizeof from) != 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Sends Heartbeat v0 with correlation id `cid` and client id `id`. */
static int heartbeat_send(int fd, int32_t cid, const char *id)
{
	uint8_t b[64];
	size_t idlen = strlen(id), n = 10 + idlen + 3 + 4 + 2;
	memset(b, 0, sizeof b);
	b[3] = (uint8_t)n;
	b[5] = 12; /* Heartbeat, v0 */
	b[8] = (uint8_t)(cid >> 24);
	b[9] = (uint8_t)(cid >> 16);
	b[10] = (uint8_t)(cid >> 8);
	b[11] = (uint8_t)cid;
	b[13] = (uint8_t)idlen;
	memcpy(b + 14, id, idlen);
	/* group_id "g", generation_id 0, member_id "" */
	b[14 + idlen + 1] = 1;
	b[14 + idlen + 2] = 'g';
	return write_all(fd, b, 4 + n);
}

/* Reads one response and returns its correlation id; -1 at the end of the
 * connection (or a timeout). */
static long response_read(int fd)
{
	uint8_t h[8];
	uint8_t skip[4096];
	uint32_t n;
	if (read_all(fd, h, 8) != 0)
		return -1;
	n = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	for (size_t left = n - 4; left > 0;) {
		size_t k = left < sizeof skip ? left : sizeof skip;
		if (read_all(fd, skip, k) != 0)
			return -1;
		left -= k;
	}
	return (long)((uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7]);
}

/* A round trip: 1 when answered with the right correlation id. */
static int served(int fd, int32_t cid)
{
	return fd >= 0 && heartbeat_send(fd, cid, "ok") == 0 && response_read(fd) == cid;
}

/* Milliseconds until the gateway ends `fd` (the peer's EOF or reset), or
 * -1 if it has not within `limit_ms`. Reads (and drops) what comes. */
static long ends_within(int fd, long limit_ms)
{
	long t0 = now_ms();
	char buf[65536];
	while (now_ms() - t0 < limit_ms) {
		struct pollfd pfd = {fd, POLLIN, 0};
		if (poll(&pfd, 1, 50) == 1) {
			ssize_t r = recv(fd, buf, sizeof buf, 0);
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				return now_ms() - t0;
		}
	}
	return -1;
}

/* Gateway 1: the idle timeout. */

struct busy_arg {
	int fd;
	int answered; /* of 10 requests, 100 ms apart */
};

static void *busy_main(void *arg)
{
	struct busy_arg *b = arg;
	for (int i = 0; i < 10; i++) {
		b->answered += served(b->fd, 1000 + i);
		sleep_ms(100);
	}
	return NULL;
}

static void idle_cases(void)
{
	struct gateway_options o = {.idle_timeout_ms = IDLE_MS};
	pthread_t t, bt;
	struct gateway *gw = gateway_start(&o, &t);
	int port, silent, half, slow, big, bigport;
	struct busy_arg busy;
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	long ms;

	if (!tap_ok(gw != NULL, "gateway 1 starts (idle timeout %d ms)", IDLE_MS))
		return;
	port = gateway_port(gw);
	silent = dial_from("127.0.0.1", port);
	half = dial_from("127.0.0.1", port);
	busy.fd = dial_from("127.0.0.1", port);
	busy.answered = 0;
	slow = dial_from("127.0.0.1", port);
	big = socket(AF_INET, SOCK_STREAM, 0);
	{
		int small = 4096;
		struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
		to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		setsockopt(big, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
		if (connect(big, (struct sockaddr *)&to, sizeof to) != 0) {
			close(big);
			big = -1;
		}
	}
	tap_ok(silent >= 0 && half >= 0 && busy.fd >= 0 && slow >= 0 && big >= 0,
	       "five clients connect");
	getsockname(big, (struct sockaddr *)&sa, &sl);
	bigport = ntohs(sa.sin_port);

	/* Half a length prefix; a request whose answer takes SLOW_MS; requests
	 * for 1 MiB answers that are never read; requests every 100 ms. */
	write_all(half, "\0\0", 2);
	heartbeat_send(slow, 7, "slow");
	for (int i = 0; i < 16; i++)
		heartbeat_send(big, 100 + i, "big");
	pthread_create(&bt, NULL, busy_main, &busy);

	ms = ends_within(silent, 3000);
	tap_ok(ms >= IDLE_MS - 50 && ms < IDLE_MS + 700,
	       "a client that sends nothing is closed after the idle timeout (%ld ms)", ms);
	ms = ends_within(half, 3000);
	tap_ok(ms >= 0, "a client that sent half a frame and stalled is closed (%ld ms later)", ms);
	tap_ok(response_read(slow) == 7,
	       "a client waiting %d ms for its answer (a request in flight) is answered", SLOW_MS);
	tap_ok(served(slow, 8), "... and still served after it");
	pthread_join(bt, NULL);
	tap_ok(busy.answered == 10, "a client sending every 100 ms meanwhile: %d of 10 answered",
	       busy.answered);
	tap_ok(served(busy.fd, 2000), "... and still served");
	{
		char mark[64];
		snprintf(mark, sizeof mark, "client 127.0.0.1:%d ", bigport);
		for (int i = 0; i < 40 && !log_count(mark, "idle for 300 ms"); i++)
			sleep_ms(50);
		tap_ok(log_count(mark, "idle for 300 ms") == 1,
		       "a client that never reads its answers is closed as idle");
	}
	/* By now the slow and busy clients may be idle too. */
	ms = metric(gw, "schemagate_gateway_client_idle_closed_total");
	tap_ok(ms >= 3 && ms == log_count("idle for 300 ms", NULL),
	       "schemagate_gateway_client_idle_closed_total counts each one logged (%ld)", ms);
	close(silent);
	close(half);
	close(busy.fd);
	close(slow);
	close(big);
	gateway_stop(gw);
	pthread_join(t, NULL);
	gateway_close(gw);
}

/* Gateway 2: connection limits. */

struct flood_arg {
	int port;
	int refused; /* of 30 connections */
};

static void *flood_main(void *arg)
{
	struct flood_arg *f = arg;
	for (int i = 0; i < 30; i++) {
		int fd = dial_from("127.0.0.1", f->port);
		if (fd >= 0 && ends_within(fd, 2000) >= 0)
			f->refused++;
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

static void limit_cases(void)
{
	struct gateway_options o = {.max_connections = 6, .max_connections_per_address = 3};
	pthread_t t, ft;
	struct gateway *gw = gateway_start(&o, &t);
	int port, a[3], a4, b[2], c, d, d2, ok = 1, answered = 0;
	struct flood_arg flood;
	long v;

	if (!tap_ok(gw != NULL, "gateway 2 starts (3 connections per address, 6 in all)"))
		return;
	port = gateway_port(gw);
	for (int i = 0; i < 3; i++) {
		a[i] = dial_from("127.0.0.1", port);
		ok &= served(a[i], i + 1);
	}
	tap_ok(ok, "3 clients of 127.0.0.1 are served");
	a4 = dial_from("127.0.0.1", port);
	v = ends_within(a4, 2000);
	tap_ok(v >= 0 && v < 1000, "the 4th client of 127.0.0.1 is closed at once (%ld ms)", v);
	b[0] = dial_from("127.0.0.2", port);
	tap_ok(served(b[0], 10), "meanwhile a client of 127.0.0.2 is served");
	b[1] = dial_from("127.0.0.2", port);
	c = dial_from("127.0.0.3", port);
	tap_ok(served(b[1], 11) && served(c, 12), "6 clients in all are served");
	tap_ok(metric(gw, "schemagate_gateway_client_connections") == 6,
	       "schemagate_gateway_client_connections is 6");
	d = dial_from("127.0.0.4", port);
	v = ends_within(d, 2000);
	tap_ok(v >= 0 && v < 1000, "the 7th client (127.0.0.4) is closed at once (%ld ms)", v);
	tap_ok(served(a[0], 4) && served(b[0], 13), "the clients already in are still served");
	close(a[0]);
	for (int i = 0; i < 40 && metric(gw, "schemagate_gateway_client_connections") != 5; i++)
		sleep_ms(25);
	d2 = dial_from("127.0.0.4", port);
	tap_ok(served(d2, 20), "a client that closed leaves its slot to another");

	/* A flood from 127.0.0.1, back at its limit with 5 open in all,
	 * while 127.0.0.2 keeps asking. */
	close(d2);
	close(c);
	for (int i = 0; i < 40 && metric(gw, "schemagate_gateway_client_connections") != 5; i++)
		sleep_ms(25);
	a[0] = dial_from("127.0.0.1", port);
	tap_ok(served(a[0], 30), "127.0.0.1 is back at its 3 connections");
	flood.port = port;
	flood.refused = 0;
	pthread_create(&ft, NULL, flood_main, &flood);
	for (int i = 0; i < 20; i++)
		answered += served(b[0], 100 + i);
	pthread_join(ft, NULL);
	tap_ok(flood.refused == 30, "a flood of 30 connections from 127.0.0.1: %d refused",
	       flood.refused);
	tap_ok(answered == 20, "a client of 127.0.0.2 meanwhile: %d of 20 requests answered",
	       answered);
	v = metric(gw,
	           "schemagate_gateway_client_connections_refused_total{limit=\"per_address\"}");
	tap_ok(v == 31, "refusals per address counted: %ld (31)", v);
	v = metric(gw, "schemagate_gateway_client_connections_refused_total{limit=\"total\"}");
	tap_ok(v == 1, "refusals at the total counted: %ld (1)", v);
	v = log_count("refusing client", NULL);
	tap_ok(v >= 1 && v <= PROXY_LOG_BURST, "32 refusals make %ld log lines (at most %d)", v,
	       PROXY_LOG_BURST);
	tap_ok(log_count("more like this", NULL) == 1, "the last one says more are not logged");
	for (int i = 0; i < 3; i++)
		close(a[i]);
	close(a4);
	close(b[0]);
	close(b[1]);
	close(d);
	gateway_stop(gw);
	pthread_join(t, NULL);
	gateway_close(gw);
}

int main(void)
{
	if (!tap_ok(broker_start() == 0, "the fake broker listens"))
		return tap_done();
	idle_cases();
	limit_cases();
	pthread_mutex_lock(&log_mu);
	if (tap_failed)
		fprintf(stderr, "gateway log:\n%s", gw_log);
	pthread_mutex_unlock(&log_mu);
	return tap_done();
}
