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
 * Limits on clients (see the options): a client connection idle longer than
 * idle_timeout_ms is closed (idle as gateway/loop.h's loop_limits defines it:
 * it neither sends nor reads, and the gateway owes it no answer, since every
 * request it sent was answered and none is held for validation); a client
 * that would make more than max_connections open, or more than
 * max_connections_per_address from its address (the IP, port left out), is
 * closed at once, before any TLS handshake or broker connection. Each
 * limit's outcome is counted (proxy_stats(), and the loop's loop_stats() for
 * idle and handshake timeouts) and logged, at most PROXY_LOG_BURST lines of
 * a kind every PROXY_LOG_WINDOW_S seconds: the lines left out are counted in
 * the next one logged. Other clients never notice.
 *
 * Backpressure: a side whose peer's output is above the high mark stops being
 * read until the peer drains; a client with max_inflight requests waiting
 * stops being read until responses come back.
 *
 * Validation (when the options give a checker): a Produce request (v3..v12)
 * is parsed (gateway/kproduce.h) and its partitions are checked on a worker
 * thread (gateway/workers.h, gateway/gwcheck.h). Requests that arrive
 * meanwhile are held, in order, behind it (at most max_held, then the client
 * stops being read), so the broker sees them in the client's order; and when
 * the held requests of all clients reach max_held_bytes, clients that hold
 * more stop being read until validation catches up. Then:
 *   - every partition accepted (or shadow-rejected): the original bytes go
 *     to the broker;
 *   - some rejected: a rewritten request without them goes to the broker,
 *     and its response is merged with the rejections, in the original order;
 *   - all rejected: nothing is forwarded, the gateway answers itself.
 * A rejected partition is answered with the verdict's Kafka code
 * (INVALID_RECORD, 87; a retriable code when the registry cannot be asked),
 * with RecordErrors and ErrorMessage from v8. With acks=0 a rejection closes
 * the client's connection (after forwarding the accepted partitions), as a
 * broker does.
 *
 * TLS (gateway/tls.h): with client_tls, every listener (bootstrap and node
 * ports) handshakes with the client first, and the broker connection is
 * opened only once that handshake is done; a client that fails it is closed
 * with a log line and costs no broker connection. With broker_tls, broker
 * connections are TLS: the broker's name as the client was sent to it (the
 * bootstrap address, or the host a Metadata answer advertised) goes as SNI
 * and, unless the context is insecure, the broker's certificate must match it.
 * With a certmap (gateway/certmap.h) instead, each client's broker connection
 * uses the context of the user whose certificate subject equals the
 * client's (compared as DER); a client that matches no user is refused with
 * a log line naming its subject, and one that matches is logged once, with
 * its subject and user, as its broker connection opens. The contexts may
 * be replaced while the proxy runs (proxy_set_tls(): certificates rotated);
 * each connection keeps the one it was made with.
 *
 * Threads: everything runs on the loop's thread; validation jobs run on the
 * workers' threads and touch only their own copy of the request.
 * Ownership: proxy_new() copies what it needs from the options.
 */
#ifndef SG_PROXY_H
#define SG_PROXY_H

#include <stddef.h>
#include <stdint.h>

struct gwcheck_input;
struct gwcheck_verdict;
struct loop;
struct proxy;
struct tls_ctx;
struct certmap;
struct sg_error;
struct workers;

struct proxy_addr {
	const char *host;
	int port;
};

/* How Produce partitions are checked (gateway/gwcheck.h's gwcheck_batch()
 * behind callbacks, so the proxy links without the schema machinery).
 * `check` runs on worker threads, any number at once, each with its own
 * scratch from `scratch_new` (called on each worker thread; NULL is a valid
 * scratch only if `check` accepts it). */
struct proxy_validator {
	void (*check)(void *ctx, void *scratch, const struct gwcheck_input *in,
	              struct gwcheck_verdict *v);
	void *(*scratch_new)(void *ctx);
	void (*scratch_free)(void *scratch);
	void *ctx;
};

struct proxy_options {
	const char *listen_host;            /* every listener binds here */
	int listen_port;                    /* the bootstrap port; 0 picks one */
	const char *advertised_host;        /* what clients are told; NULL: listen_host */
	int broker_port_base;               /* node N is served on base + N; must be > 0 */
	const struct proxy_addr *bootstrap; /* the brokers given on the command line */
	size_t nbootstrap;
	size_t max_frame;            /* request and response limit; 0: 100 MiB */
	size_t max_inflight;         /* per client; 0: 1024 */
	unsigned connect_timeout_ms; /* 0: 10000 */
	/* Receives each log line (no trailing newline); NULL: stderr. */
	void (*log)(void *arg, const char *line);
	void *log_arg;
	/* Record validation: with both set, every Produce request's partitions
	 * are checked by `validator` on `workers` before anything of the request
	 * is forwarded (see "Validation" above). Borrowed; NULL: pass-through. */
	const struct proxy_validator *validator;
	struct workers *workers;
	/* Requests held behind a Produce being validated, per client, before
	 * the client stops being read; 0: 8. */
	size_t max_held;
	/* Bytes of requests held for validation, all clients together: a
	 * client that holds one more request while the total is at or above
	 * this stops being read until the total falls to three quarters of it;
	 * 0: 256 MiB. Memory stays within this plus one request per client. */
	size_t max_held_bytes;
	/* A server context (tls_server_new): clients connect over TLS.
	 * Borrowed; it must outlive the proxy. NULL: plaintext. */
	struct tls_ctx *client_tls;
	/* A client context (tls_client_new): brokers are reached over TLS.
	 * Borrowed; it must outlive the proxy. NULL: plaintext. */
	struct tls_ctx *broker_tls;
	/* The certmap identity: brokers are reached over TLS with the context
	 * of the client's user (needs client_tls with client certificates).
	 * Borrowed; it must outlive the proxy. NULL: broker_tls for everyone. */
	const struct certmap *certmap;
	/* With client_tls: a client whose handshake is not done this many
	 * milliseconds after its connection was accepted is closed with a log
	 * line (gateway/loop counts it, see loop_stats()); 0: 10000. Set on
	 * the loop, for every listener of it. The
	 * broker's connect is timed apart (connect_timeout_ms), from the end
	 * of the handshake. */
	unsigned handshake_timeout_ms;
	/* A client connection idle this many milliseconds is closed; 0: 600000
	 * (Kafka's connections.max.idle.ms). Broker connections follow their
	 * client's. */
	unsigned idle_timeout_ms;
	/* Client connections open at once, all listeners together; 0: 10000. */
	size_t max_connections;
	/* Client connections open at once from one address; 0: 1000. */
	size_t max_connections_per_address;
};

/* Lines of one kind (connections refused, idle clients closed, handshakes
 * timed out) logged at most in a window of seconds. */
#define PROXY_LOG_BURST    5
#define PROXY_LOG_WINDOW_S 10

/* Counts since proxy_new(). */
struct proxy_stats {
	unsigned long clients;             /* client connections open now */
	unsigned long refused_total;       /* refused: max_connections reached */
	unsigned long refused_per_address; /* refused: max_connections_per_address */
};

/* Reads the counts. Any thread (each is atomic; not one snapshot). */
void proxy_stats(const struct proxy *p, struct proxy_stats *out);

/* Opens the bootstrap listener. NULL on failure with `err` set. */
struct proxy *proxy_new(struct loop *loop, const struct proxy_options *opt, struct sg_error *err);

/* Closes every connection and listener. Accepts NULL. */
void proxy_free(struct proxy *p);

/* Certificates rotated: connections accepted or opened from now on use
 * these contexts (each borrowed like the options'; a NULL keeps a side
 * plaintext, so pass what the options had, renewed). Connections made
 * before keep the contexts they were made with, so the caller may free the
 * old ones once this returns. Loop thread only. */
void proxy_set_tls(struct proxy *p, struct tls_ctx *client_tls, struct tls_ctx *broker_tls,
                   const struct certmap *certmap);

/* Learns broker node `node_id` at host:port as a Metadata answer would
 * name it, without a client: opens its listener (broker_port_base + id) if
 * it is not open yet, or notes its new address. A listener, once open,
 * stays open for the life of the proxy, even when later answers no longer
 * name the node (clients may still hold its address). Returns 0, or -1
 * with `err` set (the port cannot be bound, a bad id, host or port). Loop
 * thread only. */
int proxy_learn_node(struct proxy *p, int32_t node_id, const char *host, int port,
                     struct sg_error *err);

/* The bootstrap listener's port (useful when listen_port was 0). */
int proxy_port(const struct proxy *p);

#endif
