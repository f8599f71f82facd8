/* gateway/proxy.h: the transparent Kafka proxy on top of gateway/loop.
 *
 * Each client connection gets its own upstream connection to the broker it
 * addresses: the bootstrap port leads to one of the bootstrap brokers (round
 * robin), and the port of node N (broker_port_base + N) leads to broker N as
 * the last Metadata, FindCoordinator, DescribeCluster or NodeEndpoints answer
 * described it. Listeners for node ports open as nodes are learned, before
 * the response that names them reaches the client.
 *
 * Requests are forwarded byte for byte. Responses go back in request order;
 * each is checked against the correlation id of the oldest request waiting
 * for one. Produce requests with acks=0 expect no response. ApiVersions
 * answers are narrowed to what the gateway supports, and every broker address
 * a client can see is rewritten (gateway/kaddr.h). A request the gateway
 * cannot carry, a frame that does not parse or is over the limit, a response
 * out of order, or a client that leaves mid-request closes that one client's
 * connections with a log line; every other connection carries on.
 *
 * Backpressure: a side whose peer's output is above the high mark stops being
 * read until the peer drains; a client with max_inflight requests waiting
 * stops being read until responses come back.
 *
 * Threads: everything runs on the loop's thread.
 * Ownership: proxy_new() copies what it needs from the options.
 */
#ifndef SG_PROXY_H
#define SG_PROXY_H

#include <stddef.h>

struct loop;
struct proxy;
struct sg_error;

struct proxy_addr {
	const char *host;
	int port;
};

struct proxy_options {
	const char *listen_host;           /* every listener binds here */
	int listen_port;                   /* the bootstrap port; 0 picks one */
	const char *advertised_host;       /* what clients are told; NULL: listen_host */
	int broker_port_base;              /* node N is served on base + N; must be > 0 */
	const struct proxy_addr *bootstrap;/* the brokers given on the command line */
	size_t nbootstrap;
	size_t max_frame;                  /* request and response limit; 0: 100 MiB */
	size_t max_inflight;               /* per client; 0: 1024 */
	unsigned connect_timeout_ms;       /* 0: 10000 */
	/* Receives each log line (no trailing newline); NULL: stderr. */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

/* Opens the bootstrap listener. NULL on failure with `err` set. */
struct proxy *proxy_new(struct loop *loop, const struct proxy_options *opt,
                        struct sg_error *err);

/* Closes every connection and listener. Accepts NULL. */
void proxy_free(struct proxy *p);

/* The bootstrap listener's port (useful when listen_port was 0). */
int proxy_port(const struct proxy *p);

#endif
