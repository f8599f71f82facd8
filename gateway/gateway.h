/* gateway/gateway.h: the Kafka gateway as the CLI runs it.
 *
 *   struct gateway_options o = {.listen = "127.0.0.1:9092",
 *                               .brokers = "kafka-0:9092,kafka-1:9092"};
 *   struct gateway *gw = gateway_open(&o, &err);
 *   gateway_run(gw, &err);        blocks until gateway_stop()
 *   gateway_close(gw);
 *
 * Threads: gateway_run() serves every connection on the calling thread.
 * gateway_stop() may be called from any thread or from a signal handler.
 * gateway_open() sets SIGPIPE to be ignored (a peer that vanishes must not
 * kill the process).
 * Ownership: gateway_open() copies what it needs from the options.
 */
#ifndef SG_GATEWAY_H
#define SG_GATEWAY_H

#include <stddef.h>

struct gateway;
struct proxy_validator;
struct sg_error;

/* TLS settings of the gateway. Files are PEM; a CA is a file or a folder
 * (see gateway/tls.h). */
struct gateway_tls {
	/* To clients: with cert (and key) every listener speaks TLS. client_ca
	 * is required when client_auth (an enum tls_client_auth) is not NONE. */
	const char *cert;
	const char *key;
	const char *client_ca;
	int client_auth;
	/* To the brokers: on with broker_ca (the CAs broker certificates must
	 * chain to, names checked) or broker_insecure (no verification at all;
	 * logged as a warning). broker_cert and broker_key (both or neither):
	 * the one identity the gateway shows every broker. */
	const char *broker_ca;
	int broker_insecure;
	const char *broker_cert;
	const char *broker_key;
	/* The certmap identity (gateway/certmap.h): with TLS to the brokers and
	 * client certificates required, each client reaches the brokers as the
	 * user of this folder whose certificate subject equals its own. */
	const char *identity_dir;
};

struct gateway_options {
	/* "host:port" ("[v6addr]:port" for IPv6) for the bootstrap listener;
	 * port 0 picks a free one (see gateway_port()). Required. */
	const char *listen;
	/* Comma-separated "host:port" list of bootstrap brokers. Required unless
	 * mock_brokers is set. */
	const char *brokers;
	/* With brokers NULL or "": start librdkafka's in-process mock cluster
	 * with this many brokers (node ids 1..N) and serve it. Its data lives in
	 * memory only and is lost when the gateway closes (logged at start). */
	int mock_brokers;
	/* Host name clients are told to connect to; NULL or "": the listen host,
	 * which then must not be a wildcard (0.0.0.0, ::). */
	const char *advertised_host;
	/* Broker node N is served on port base + N; 0: the listen port + 1
	 * (then the listen port must not be 0). */
	int broker_port_base;
	/* Largest request or response frame, in bytes; 0: 100 MiB. */
	size_t max_frame;
	/* Receives each log line (no newline); NULL: stderr with a timestamp. */
	void (*log)(void *arg, const char *line);
	void *log_arg;
	/* Record validation (struct proxy_validator in gateway/proxy.h; with a
	 * gwcheck, see gwcheck_batch()), borrowed; it must outlive the gateway.
	 * NULL: pass-through. */
	const struct proxy_validator *validator;
	/* Threads that run validations; 0: 4. Each has its own scratch. */
	unsigned validate_threads;
	/* Bytes of Produce requests held for validation, all clients together,
	 * before clients that send more wait (proxy_options.max_held_bytes);
	 * 0: 256 MiB. */
	size_t max_held_bytes;
	/* TLS on either side; all NULL/0: plaintext. */
	struct gateway_tls tls;
};

/* Parses the options and opens the bootstrap listener. Brokers are not
 * contacted until a client connects. NULL on failure with `err` set
 * (SG_EBAD_REQUEST for bad options, SG_EIO when the port cannot be bound). */
struct gateway *gateway_open(const struct gateway_options *opt, struct sg_error *err);

/* Serves until gateway_stop(). Returns 0, or -1 with `err` set. */
int gateway_run(struct gateway *gw, struct sg_error *err);

/* Makes gateway_run() return soon. Thread-safe and async-signal-safe. */
void gateway_stop(struct gateway *gw);

/* Closes every connection and listener. Accepts NULL. */
void gateway_close(struct gateway *gw);

/* The bootstrap port actually bound. */
int gateway_port(const struct gateway *gw);

/* The broker port base in use. */
int gateway_broker_port_base(const struct gateway *gw);

#endif
