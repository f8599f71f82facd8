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
 * kill the process). With TLS, gateway_open() also starts a thread that
 * watches the TLS files (see "Certificate rotation" below); it is stopped
 * by gateway_close().
 * Ownership: gateway_open() copies what it needs from the options.
 *
 * Certificate rotation. With TLS, every file and folder the gateway's TLS
 * reads is watched: the certificate and key, the client CA (file or
 * folder), the broker CA, the broker certificate and key, and the certmap
 * folder (users added, removed, or their files replaced). The watcher
 * stat()s them every `watch_ms` (common/filewatch.h: device, inode, size,
 * mtime and ctime, following links, so a Kubernetes Secret whose `..data`
 * link is swapped counts as changed); once a change has held still for one
 * more look (so a key and a certificate copied one after the other load
 * together), it builds the contexts that depend on what changed, on its own
 * thread. gateway_tls_reload() (SIGHUP) builds every one at once. A context
 * that builds replaces the old one for connections made from then on: the
 * loop thread takes it at its next turn (gateway/loop's loop_async), and
 * connections made before keep theirs until they close. One that does not
 * build leaves the old one in force, with one log line naming the file and
 * the reason; it is tried again when its files change again, or on the
 * next gateway_tls_reload(). Every outcome is counted for
 * gateway_metrics_text().
 *
 * Broker nodes. Broker node N is served on port broker_port_base + N. From
 * gateway_open() on, a thread of the gateway asks the bootstrap brokers for
 * their list (a Metadata request of its own, with the TLS settings of its
 * broker connections: CA, insecure, the gateway's certificate; with the
 * certmap identity it shows no certificate, and it has no SASL credentials
 * of its own), at once, then every 30 s (every second while it fails), and
 * the loop thread opens the port of every broker named. Metadata answers
 * that clients receive open ports too, as before. So every replica of a
 * gateway serves every broker's port without a client having asked it
 * first. A broker that an answer no longer names keeps its port (clients
 * may still hold the address): a client sent there reaches the address
 * last learned for it, or is closed when that fails. The gateway is ready
 * (gateway_ready(), with the log line "ready: N broker nodes learned,
 * served on ports ...") once every broker of one answer is served; it
 * stays ready after. A gateway without an identity of its own to ask the
 * brokers with (the certmap and SASL identities: every connection is some
 * client's) does not learn: it is ready at once, and opens a broker's port
 * when a client's Metadata answer names it, as before; its replicas serve a
 * broker's port only once one of their own clients was told of it.
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
	/* Clients authenticate to the brokers with SASL through the gateway
	 * (--broker-identity sasl): the gateway has no identity of its own. */
	int sasl_identity;
	/* With cert: a client whose TLS handshake is not done this many
	 * milliseconds after it connected is closed, logged and counted;
	 * 0: 10000. */
	unsigned handshake_timeout_ms;
	/* How often the TLS files are looked at for changes, in milliseconds;
	 * 0: 1000. */
	unsigned watch_ms;
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
	/* Receives each log line (no newline); NULL: stderr with a timestamp.
	 * Called on the loop thread, and with TLS on the watcher thread too. */
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
	/* Limits on clients (gateway/proxy.h): a client connection that neither
	 * sends nor reads for this many milliseconds, while no answer is owed
	 * to it, is closed; 0: 600000 (Kafka's connections.max.idle.ms). */
	unsigned idle_timeout_ms;
	/* Client connections open at once, in total and from one IP address;
	 * a connection past either is closed at once. 0: 10000 and 1000. */
	size_t max_connections;
	size_t max_connections_per_address;
};

/* Parses the options, opens the bootstrap listener and starts learning
 * the brokers (see "Broker nodes" above; it does not wait for them). NULL on failure with `err` set
 * (SG_EBAD_REQUEST for bad options, SG_EIO when the port cannot be bound). */
struct gateway *gateway_open(const struct gateway_options *opt, struct sg_error *err);

/* Serves until gateway_stop(). Returns 0, or -1 with `err` set. */
int gateway_run(struct gateway *gw, struct sg_error *err);

/* Makes gateway_run() return soon. Thread-safe and async-signal-safe. */
void gateway_stop(struct gateway *gw);

/* Closes every connection and listener. Accepts NULL. */
void gateway_close(struct gateway *gw);

/* Loads every TLS file again now (SIGHUP), on the watcher thread, and
 * returns without waiting; see "Certificate rotation" above. Does nothing
 * without TLS. Thread-safe. */
void gateway_tls_reload(struct gateway *gw);

/* 1 when the gateway uses TLS on either side. */
int gateway_uses_tls(const struct gateway *gw);

/* The gateway's metrics in Prometheus text (format 0.0.4), malloc'd and
 * NUL-terminated, its length in `*len`; the caller frees it:
 *   schemagate_gateway_client_connections (gauge): client connections open;
 *   schemagate_gateway_client_connections_refused_total{limit} (counter):
 *     connections refused at once, by "total" or "per_address" limit;
 *   schemagate_gateway_client_idle_closed_total (counter): client
 *     connections closed by the idle timeout;
 * and with TLS:
 *   schemagate_gateway_tls_reloads_total{context,result} (counter): reloads
 *     of the "server" context (certificate, key, client CA), the "broker"
 *     one (broker CA, certificate, key) or the "certmap" folder, by
 *     "ok" / "failed";
 *   schemagate_gateway_tls_certificate_not_after_seconds{context,serial}
 *     (gauge): the notAfter of the certificate in use, server or broker;
 *   schemagate_gateway_tls_certmap_users (gauge): users of the certmap;
 *   schemagate_gateway_tls_client_handshakes_total{result} (counter):
 *     clients' handshakes "ok", "failed" or "timeout".
 * NULL out of memory. Any thread. */
char *gateway_metrics_text(struct gateway *gw, size_t *len);

/* 1 once every broker of the gateway's first successful Metadata request
 * is served (see "Broker nodes"), 0 before. Any thread. */
int gateway_ready(struct gateway *gw);

/* The bootstrap port actually bound. */
int gateway_port(const struct gateway *gw);

/* The broker port base in use. */
int gateway_broker_port_base(const struct gateway *gw);

#endif
