/* cli/runtime.h: the services one schemagate process runs, started in order,
 * stopped in reverse order when SIGTERM or SIGINT arrives.
 *
 * Usage: runtime_block_signals() first thing in main, before any thread is
 * started (threads inherit the mask, so only runtime_wait() sees the signal);
 * then runtime_new(), one runtime_add_*() per service, runtime_wait(),
 * runtime_free(). Everything here is called from the main thread only.
 */
#ifndef SG_CLI_RUNTIME_H
#define SG_CLI_RUNTIME_H

#include <stddef.h>

#include "common/regclient.h"
#include "compat/error.h"
#include "gateway/gateway.h"

struct runtime;

/* The registry service: an HTTP server over the API over the store. */
struct registry_config {
	const char *host;  /* bare address, e.g. "127.0.0.1" or "::1" */
	int port;          /* 0 picks a free port */
	const char *db;    /* SQLite database path */
	size_t body_limit; /* request body limit in bytes */
	unsigned threads;  /* HTTP worker threads; 0 means one per CPU */
	/* HTTPS when tls_cert is set (see registry/http.h, struct http_tls). */
	const char *tls_cert;      /* PEM file, or NULL for plain HTTP */
	const char *tls_key;       /* PEM file */
	const char *tls_client_ca; /* PEM file or folder; NULL when not checked */
	int tls_client_auth;       /* enum http_client_auth */
	/* Who may do what (registry/auth.h); NULL: everyone everything. */
	const char *auth_file;
	int ui_open;      /* with auth_file: /ui/ needs no credentials */
	int metrics_open; /* with auth_file: serve's /metrics and /rejections neither */
	/* HTTP limits (struct http_options); 0: its defaults. */
	unsigned max_connections;
	unsigned max_connections_per_ip;
	unsigned idle_timeout_ms;
	unsigned request_timeout_ms;
	/* Kafka mode (registry/kafkastore.h): db is then the view of the topic. */
	int kafka;
	const char *brokers;
	const char *topic;          /* "_schemas" */
	const char *group_id;       /* "schemagate-registry" */
	const char *advertised_url; /* where other nodes forward writes; NULL: the listener's */
	int leader_eligible;        /* this node may be elected the writer */
	const char *broker_tls_ca;  /* NULL: plaintext to the brokers */
	const char *broker_tls_cert;
	const char *broker_tls_key;
};

/* The Kafka gateway service: the proxy's event loop on a thread of its own. */
struct gateway_config {
	const char *listen;          /* "HOST:PORT" of the bootstrap listener */
	const char *brokers;         /* "host:port,..." or NULL/"" for the mock cluster */
	int mock_brokers;            /* brokers of the mock cluster when there are none */
	const char *advertised_host; /* NULL: the listen host */
	int broker_port_base;        /* 0: the listen port + 1 */
	/* Record validation, on when registry_url is set or self_registry is 1. */
	const char *registry_url; /* a registry over HTTP */
	int self_registry;        /* the registry this runtime started (serve) */
	const char *rules_path;   /* NULL: the built-in default rules */
	const char *admin_host;   /* NULL: no admin port; else GET /metrics, /rejections, /health */
	int admin_port;
	unsigned validate_threads; /* 0: the gateway's default */
	size_t held_memory;        /* 0: the gateway's default */
	/* Limits on clients (struct gateway_options); 0: the gateway's defaults. */
	unsigned idle_timeout_ms;
	size_t max_connections;
	size_t max_connections_per_address;
	struct gateway_tls tls; /* gateway/gateway.h */
	/* How to reach registry_url over HTTPS: CA, client certificate, Basic
	 * credentials (common/regclient.h; timeout_ms 0: the source's default). */
	struct regclient_options registry_client;
};

/* Blocks SIGTERM, SIGINT and SIGHUP in the calling thread and ignores SIGPIPE. */
void runtime_block_signals(void);

struct runtime *runtime_new(struct sg_error *err);

/* Loads the auth file (when given), opens the store, then the API, then
 * starts serving, and logs
 * "schemagate: registry listening on http://HOST:PORT (db PATH)" to stderr
 * ("https://" with TLS, then what client certificates must be).
 * Returns 0, or -1 with `err` set and nothing left running. */
int runtime_add_registry(struct runtime *rt, const struct registry_config *cfg,
                         struct sg_error *err);

/* Opens the gateway's listener and starts serving on a new thread. With
 * validation on, it first opens the schema source (over HTTP, or in serve
 * mode the registry started before it, which then also answers GET /metrics
 * and GET /rejections), the rules, the rejections ring, the metrics and, with
 * real brokers, the dead-letter producer; and the admin port when asked.
 * With TLS on either side, GET /metrics also carries the gateway's TLS
 * metrics (gateway_metrics_text()), on the admin port even without
 * validation, or in serve mode on the registry's port. Logs
 * "schemagate: gateway listening on HOST:PORT (...)" to stderr. Returns 0, or
 * -1 with `err` set and nothing left running. */
int runtime_add_gateway(struct runtime *rt, const struct gateway_config *cfg, struct sg_error *err);

/* Blocks until SIGTERM or SIGINT; returns the signal number. SIGHUP reloads
 * the registry's auth file, the gateway's rules file and the gateway's TLS
 * files meanwhile (a file that does not load leaves the one in force, with
 * a log line). */
int runtime_wait(struct runtime *rt);

/* Stops every service, the last started first. Accepts NULL. */
void runtime_free(struct runtime *rt);

#endif
