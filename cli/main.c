/* cli/main.c: the schemagate binary. Each subcommand is one row of the
 * command table: its name, a one-line summary, its flags, its long help and the
 * function that runs it.
 *
 * Exit status: 0 on success and after a clean shutdown; 2 when the command
 * line is wrong or a service cannot start (port taken, database not usable).
 */
#include "config.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/check.h"
#include "cli/opts.h"
#include "cli/passwd.h"
#include "cli/validate.h"
#include "cli/runtime.h"

#define EXIT_USAGE     2
#define BODY_LIMIT_MAX ((size_t)1 << 30)

struct command {
	const char *name;
	const char *summary;
	const struct opt_spec *flags;
	size_t nflags;
	const char *usage;   /* after "schemagate NAME" */
	const char *details; /* free text printed after the flags, ends with examples */
	int (*run)(const struct command *cmd, const struct opts *o);
	size_t max_args; /* arguments that are not flags (files); 0 for none */
};

/* The registry's storage: SQLite alone, or a view of Kafka's _schemas log
 * (registry/kafkastore.h); in the tables of registry and serve alike. */
/* clang-format off */
#define REGISTRY_STORE_FLAGS \
    {"--store", "SCHEMAGATE_STORE", "sqlite|kafka", "sqlite", \
     "where the registry's state lives: the --db file alone, or Kafka's --topic (the " \
     "source of truth; --db is then this node's view of it)"}, \
    {"--topic", "SCHEMAGATE_TOPIC", "NAME", "_schemas", \
     "kafka store: the compacted one-partition topic, in Confluent's format; created " \
     "when missing"}, \
    {"--group-id", "SCHEMAGATE_GROUP_ID", "ID", "schemagate-registry", \
     "kafka store: the name the registry's nodes share (the writer's transactional.id " \
     "is ID-writer)"}, \
    {"--advertised-url", "SCHEMAGATE_ADVERTISED_URL", "URL", NULL, \
     "kafka store: the URL other nodes forward writes to while this one leads " \
     "(default: the listener's address)"}, \
    {"--leader-eligible", "SCHEMAGATE_LEADER_ELIGIBLE", "true|false", "true", \
     "kafka store: whether this node may be elected the writer (false: it never " \
     "writes, and forwards writes to the leader)"},
/* clang-format on */

static const struct opt_spec registry_flags[] = {
    {"--listen", "SCHEMAGATE_LISTEN", "HOST:PORT", "127.0.0.1:8081",
     "address to serve the registry API on; port 0 picks a free port"},
    {"--db", "SCHEMAGATE_DB", "PATH", "./schemagate.db",
     "SQLite database file, created when missing"},
    {"--body-limit", "SCHEMAGATE_BODY_LIMIT", "BYTES", "16M",
     "largest request body accepted (larger ones get 413); K, M, G suffixes"},
    {"--threads", "SCHEMAGATE_THREADS", "N", "0", "HTTP worker threads; 0 means one per CPU"},
    {"--tls-cert", "SCHEMAGATE_TLS_CERT", "FILE", NULL,
     "serve HTTPS with this PEM certificate (then its chain); needs --tls-key"},
    {"--tls-key", "SCHEMAGATE_TLS_KEY", "FILE", NULL,
     "the certificate's private key (PEM, not encrypted)"},
    {"--tls-client-ca", "SCHEMAGATE_TLS_CLIENT_CA", "FILE|DIR", NULL,
     "the CAs of client certificates: a PEM file, or a folder"},
    {"--tls-client-auth", "SCHEMAGATE_TLS_CLIENT_AUTH", "MODE", "none",
     "client certificates: none, requested (checked when given) or required"},
    {"--auth-file", "SCHEMAGATE_AUTH_FILE", "FILE", NULL,
     "users and permissions (Karapace's JSON); reloaded when it changes and on SIGHUP; "
     "without it, everyone may do everything"},
    {"--ui-auth", "SCHEMAGATE_UI_AUTH", "open|authenticated", "authenticated",
     "with --auth-file: whether the schema browser's page (/ui/) needs credentials"},
    {"--max-connections", "SCHEMAGATE_MAX_CONNECTIONS", "N", "4096",
     "HTTP connections open at once; more are closed at once"},
    {"--max-connections-per-ip", "SCHEMAGATE_MAX_CONNECTIONS_PER_IP", "N", "1024",
     "HTTP connections open at once from one IP address"},
    {"--idle-timeout", "SCHEMAGATE_IDLE_TIMEOUT", "DURATION", "30s",
     "close an HTTP connection idle this long (whole seconds)"},
    {"--request-timeout", "SCHEMAGATE_REQUEST_TIMEOUT", "DURATION", "30s",
     "close a connection whose request (headers and body) is not in this long after its "
     "first byte"},
    REGISTRY_STORE_FLAGS{"--brokers", "SCHEMAGATE_BROKERS", "HOST:PORT,...", NULL,
                         "kafka store: the Kafka brokers"},
    {"--broker-tls-ca", "SCHEMAGATE_BROKER_TLS_CA", "FILE|DIR", NULL,
     "kafka store: reach the brokers over TLS, their certificates checked against these CAs"},
    {"--broker-tls-cert", "SCHEMAGATE_BROKER_TLS_CERT", "FILE", NULL,
     "kafka store: the client certificate shown to the brokers (PEM)"},
    {"--broker-tls-key", "SCHEMAGATE_BROKER_TLS_KEY", "FILE", NULL,
     "kafka store: that certificate's private key (PEM, not encrypted)"},
};

/* The gateway's TLS flags, in the tables of gateway and serve alike. */
/* clang-format off */
#define GATEWAY_TLS_FLAGS \
    {"--gateway-tls-cert", "SCHEMAGATE_GATEWAY_TLS_CERT", "FILE", NULL, \
     "clients connect to the gateway over TLS with this PEM certificate; needs " \
     "--gateway-tls-key"}, \
    {"--gateway-tls-key", "SCHEMAGATE_GATEWAY_TLS_KEY", "FILE", NULL, \
     "the gateway certificate's private key (PEM, not encrypted)"}, \
    {"--gateway-tls-client-ca", "SCHEMAGATE_GATEWAY_TLS_CLIENT_CA", "FILE|DIR", NULL, \
     "the CAs of Kafka client certificates: a PEM file, or a folder"}, \
    {"--gateway-tls-client-auth", "SCHEMAGATE_GATEWAY_TLS_CLIENT_AUTH", "MODE", "none", \
     "Kafka client certificates: none, requested or required"}, \
    {"--gateway-tls-handshake-timeout", "SCHEMAGATE_GATEWAY_TLS_HANDSHAKE_TIMEOUT", "DURATION", \
     "10s", "close a client whose TLS handshake is not done this long after it connected"}, \
    {"--broker-tls-ca", "SCHEMAGATE_BROKER_TLS_CA", "FILE|DIR", NULL, \
     "reach the brokers over TLS, their certificates checked against these CAs and names"}, \
    {"--broker-tls-insecure-skip-verify", "SCHEMAGATE_BROKER_TLS_INSECURE_SKIP_VERIFY", NULL, \
     NULL, "reach the brokers over TLS WITHOUT checking their certificates (insecure)"}, \
    {"--broker-identity", "SCHEMAGATE_BROKER_IDENTITY", "certmap|gateway|sasl", NULL, \
     "who the brokers see: the client's mapped certificate, the gateway's own, or " \
     "none over TLS (clients use SASL)"}, \
    {"--broker-identity-dir", "SCHEMAGATE_BROKER_IDENTITY_DIR", "DIR", NULL, \
     "certmap: one folder per user with user.crt and user.key"}, \
    {"--broker-tls-cert", "SCHEMAGATE_BROKER_TLS_CERT", "FILE", NULL, \
     "gateway identity: the client certificate shown to every broker (PEM)"}, \
    {"--broker-tls-key", "SCHEMAGATE_BROKER_TLS_KEY", "FILE", NULL, \
     "gateway identity: that certificate's private key (PEM, not encrypted)"},
/* clang-format on */

/* The limits on the gateway's clients, in the tables of gateway and serve alike. */
/* clang-format off */
#define GATEWAY_LIMIT_FLAGS \
    {"--gateway-idle-timeout", "SCHEMAGATE_GATEWAY_IDLE_TIMEOUT", "DURATION", "10m", \
     "close a client connection that neither sends nor reads this long while it waits " \
     "for no answer (Kafka's connections.max.idle.ms)"}, \
    {"--gateway-max-connections", "SCHEMAGATE_GATEWAY_MAX_CONNECTIONS", "N", "10000", \
     "client connections open at once; more are closed at once (Kafka's max.connections)"}, \
    {"--gateway-max-connections-per-address", \
     "SCHEMAGATE_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", "N", "1000", \
     "client connections open at once from one IP address (Kafka's max.connections.per.ip)"},
/* clang-format on */

static const struct opt_spec serve_flags[] = {
    {"--registry-listen", "SCHEMAGATE_REGISTRY_LISTEN", "HOST:PORT", "127.0.0.1:8081",
     "address to serve the registry API on; port 0 picks a free port"},
    {"--db", "SCHEMAGATE_DB", "PATH", "./schemagate.db",
     "SQLite database file of the registry, created when missing"},
    {"--body-limit", "SCHEMAGATE_BODY_LIMIT", "BYTES", "16M",
     "largest registry request body accepted (larger ones get 413)"},
    {"--threads", "SCHEMAGATE_THREADS", "N", "0",
     "HTTP worker threads of the registry; 0 means one per CPU"},
    {"--registry-tls-cert", "SCHEMAGATE_REGISTRY_TLS_CERT", "FILE", NULL,
     "serve the registry over HTTPS with this PEM certificate; needs --registry-tls-key"},
    {"--registry-tls-key", "SCHEMAGATE_REGISTRY_TLS_KEY", "FILE", NULL,
     "the certificate's private key (PEM, not encrypted)"},
    {"--registry-tls-client-ca", "SCHEMAGATE_REGISTRY_TLS_CLIENT_CA", "FILE|DIR", NULL,
     "the CAs of registry client certificates: a PEM file, or a folder"},
    {"--registry-tls-client-auth", "SCHEMAGATE_REGISTRY_TLS_CLIENT_AUTH", "MODE", "none",
     "registry client certificates: none, requested or required"},
    {"--auth-file", "SCHEMAGATE_AUTH_FILE", "FILE", NULL,
     "the registry's users and permissions (Karapace's JSON); reloaded when it changes "
     "and on SIGHUP; without it, everyone may do everything"},
    {"--ui-auth", "SCHEMAGATE_UI_AUTH", "open|authenticated", "authenticated",
     "with --auth-file: whether the schema browser's page (/ui/) needs credentials"},
    {"--metrics-auth", "SCHEMAGATE_METRICS_AUTH", "open|authenticated", "authenticated",
     "with --auth-file: whether GET /metrics and /rejections need credentials"},
    {"--registry-max-connections", "SCHEMAGATE_REGISTRY_MAX_CONNECTIONS", "N", "4096",
     "registry HTTP connections open at once; more are closed at once"},
    {"--registry-max-connections-per-ip", "SCHEMAGATE_REGISTRY_MAX_CONNECTIONS_PER_IP", "N", "1024",
     "registry HTTP connections open at once from one IP address"},
    {"--registry-idle-timeout", "SCHEMAGATE_REGISTRY_IDLE_TIMEOUT", "DURATION", "30s",
     "close a registry HTTP connection idle this long (whole seconds)"},
    {"--registry-request-timeout", "SCHEMAGATE_REGISTRY_REQUEST_TIMEOUT", "DURATION", "30s",
     "close a registry connection whose request is not in this long after its first byte"},
    {"--gateway-listen", "SCHEMAGATE_GATEWAY_LISTEN", "HOST:PORT", "127.0.0.1:9092",
     "address of the Kafka gateway's bootstrap listener"},
    {"--brokers", "SCHEMAGATE_BROKERS", "HOST:PORT,...", NULL,
     "the real Kafka brokers; without them, an in-process mock cluster (data not kept)"},
    {"--advertised-host", "SCHEMAGATE_ADVERTISED_HOST", "HOST", NULL,
     "host name clients are told to connect to (default: the listen host)"},
    {"--broker-port-base", "SCHEMAGATE_BROKER_PORT_BASE", "PORT", "0",
     "broker node N is served on PORT+N (default: the gateway port + 1, so 9094 for node 1)"},
    {"--rules", "SCHEMAGATE_RULES", "FILE", NULL,
     "validation rules (JSON), reloaded on SIGHUP; default: validate topics whose "
     "<topic>-value subject exists, pass the others"},
    {"--validate-threads", "SCHEMAGATE_VALIDATE_THREADS", "N", "4",
     "threads that validate produced records"},
    {"--held-memory", "SCHEMAGATE_HELD_MEMORY", "SIZE", "256MiB",
     "most bytes of Produce requests held for validation, all clients together; "
     "clients that send more wait"},
    REGISTRY_STORE_FLAGS GATEWAY_LIMIT_FLAGS GATEWAY_TLS_FLAGS};

/* How check, register, validate and gateway reach the registry over HTTPS
 * and with credentials (common/regclient.h). */
/* clang-format off */
#define REGISTRY_CLIENT_FLAGS \
    {"--registry-ca", "SCHEMAGATE_REGISTRY_CA", "FILE|DIR", NULL, \
     "the CAs an https:// registry is verified with: a PEM file or a folder (default: " \
     "the system's)"}, \
    {"--registry-cert", "SCHEMAGATE_REGISTRY_CERT", "FILE", NULL, \
     "client certificate shown to the registry (PEM); needs --registry-key"}, \
    {"--registry-key", "SCHEMAGATE_REGISTRY_KEY", "FILE", NULL, \
     "that certificate's private key (PEM, not encrypted)"}, \
    {"--registry-basic-auth", "SCHEMAGATE_REGISTRY_BASIC_AUTH", "USER:PASSWORD", NULL, \
     "Basic credentials for the registry; the variable keeps the password out of ps"},
/* clang-format on */
#define REGISTRY_CLIENT_HELP                                                                       \
	"An https:// registry is verified with --registry-ca (a PEM file, or a\n"                  \
	"folder of them such as a mounted Secret holding an old and a new CA), or\n"               \
	"the system's CAs, TLS 1.2 at least. --registry-cert and --registry-key show\n"            \
	"a client certificate; --registry-basic-auth USER:PASSWORD (better: the\n"                 \
	"SCHEMAGATE_REGISTRY_BASIC_AUTH variable, which ps does not show) or a URL\n"              \
	"https://USER:PASSWORD@host sends Basic credentials. A refused certificate\n"              \
	"or password is one line on stderr; the password is never printed.\n"

/* check and register share their flags: what to compare or store, and how to print. */
static const struct opt_spec check_flags[] = {
    {"--registry", "SCHEMAGATE_REGISTRY", "URL", "http://127.0.0.1:8081",
     "the schema registry (ours or any Confluent-compatible one)"},
    REGISTRY_CLIENT_FLAGS{"--subject", NULL, "SUBJECT", NULL,
                          "the subject FILE belongs to, e.g. orders-value"},
    {"--map", NULL, "FILE", NULL,
     "a JSON object {\"subject\": \"file\", ...}; paths are relative to it"},
    {"--type", NULL, "avro|json|protobuf", NULL,
     "schema type; by default from the extension or content"},
    {"--format", "SCHEMAGATE_FORMAT", "text|json|github", "text",
     "output: lines, one JSON document, or GitHub Actions annotations"},
    {"--quiet", NULL, NULL, NULL, "print problems only"},
    /* check only: register's table stops before these two. */
    {"--level", NULL, "LEVEL", NULL,
     "compatibility level to apply instead of the subject's (check only)"},
    {"--offline", NULL, NULL, NULL, "compare files with files, no registry (check only)"},
};

static const struct opt_spec validate_flags[] = {
    {"--schema", NULL, "FILE", NULL, "the schema file (.avsc, .json, .proto) to check against"},
    {"--type", NULL, "avro|json|protobuf", NULL,
     "schema type; by default from the extension or content"},
    {"--registry", "SCHEMAGATE_REGISTRY", "URL", "http://127.0.0.1:8081",
     "the registry for --subject, and for --framed records' schema ids"},
    REGISTRY_CLIENT_FLAGS{"--subject", NULL, "SUBJECT", NULL,
                          "check against this subject's version in the registry"},
    {"--version", NULL, "N|latest", "latest", "the subject's version"},
    {"--framed", NULL, NULL, NULL,
     "each DATA_FILE is one Confluent-framed binary record (magic 0, schema id, payload)"},
    {"--lines", NULL, NULL, NULL, "each line is one document (automatic for .jsonl/.ndjson)"},
    {"--format", "SCHEMAGATE_FORMAT", "text|json|github", "text",
     "output: lines, one JSON document, or GitHub Actions annotations"},
    {"--quiet", NULL, NULL, NULL, "print problems only"},
};

static const struct opt_spec gateway_flags[] = {
    {"--listen", "SCHEMAGATE_GATEWAY_LISTEN", "HOST:PORT", "127.0.0.1:9092",
     "address of the bootstrap listener producers and consumers connect to"},
    {"--brokers", "SCHEMAGATE_BROKERS", "HOST:PORT,...", NULL,
     "the real Kafka brokers to bootstrap from (required unless --mock)"},
    {"--mock", "SCHEMAGATE_MOCK_BROKERS", "N", "0",
     "serve librdkafka's in-process mock cluster of N brokers instead (data not kept)"},
    {"--advertised-host", "SCHEMAGATE_ADVERTISED_HOST", "HOST", NULL,
     "host name clients are told to connect to (default: the listen host)"},
    {"--broker-port-base", "SCHEMAGATE_BROKER_PORT_BASE", "PORT", "0",
     "broker node N is served on PORT+N (default: the listen port + 1)"},
    {"--registry", "SCHEMAGATE_REGISTRY", "URL", NULL,
     "schema registry to validate produced records against; without it, no validation"},
    REGISTRY_CLIENT_FLAGS{
        "--rules", "SCHEMAGATE_RULES", "FILE", NULL,
        "validation rules (JSON), reloaded on SIGHUP; default: validate topics whose "
        "<topic>-value subject exists, pass the others"},
    {"--admin-listen", "SCHEMAGATE_ADMIN_LISTEN", "HOST:PORT", NULL,
     "serve GET /metrics, /rejections?topic=T&limit=N and /health here"},
    {"--validate-threads", "SCHEMAGATE_VALIDATE_THREADS", "N", "4",
     "threads that validate produced records"},
    {"--held-memory", "SCHEMAGATE_HELD_MEMORY", "SIZE", "256MiB",
     "most bytes of Produce requests held for validation, all clients together; "
     "clients that send more wait"},
    GATEWAY_LIMIT_FLAGS GATEWAY_TLS_FLAGS};

static int run_registry(const struct command *cmd, const struct opts *o);
static int run_gateway(const struct command *cmd, const struct opts *o);
static int run_validate(const struct command *cmd, const struct opts *o);
static int run_check(const struct command *cmd, const struct opts *o);
static int run_register(const struct command *cmd, const struct opts *o);
static int run_serve(const struct command *cmd, const struct opts *o);
static int run_passwd(const struct command *cmd, const struct opts *o);
static int run_version(const struct command *cmd, const struct opts *o);
static int run_help(const struct command *cmd, const struct opts *o);

static const struct command commands[] = {
    {"serve", "run the schema registry and the Kafka gateway together", serve_flags,
     sizeof serve_flags / sizeof serve_flags[0], "[FLAGS]",
     "The registry answers on --registry-listen and the Kafka gateway on\n"
     "--gateway-listen (broker ports follow it). Without --brokers the gateway\n"
     "serves librdkafka's in-process mock cluster: a way to try things out, whose\n"
     "data is not kept. Runs until SIGTERM or SIGINT, then stops cleanly. Flags\n"
     "beat environment variables, which beat the defaults.\n"
     "\n"
     "Examples:\n"
     "  schemagate serve\n"
     "  schemagate serve --brokers kafka-0:9092,kafka-1:9092 --gateway-listen 0.0.0.0:9092\n"
     "  schemagate serve --registry-listen 0.0.0.0:8081 --db /var/lib/schemagate/registry.db\n"
     "  schemagate serve --registry-tls-cert server.pem --registry-tls-key server.key\n"
     "  SCHEMAGATE_DB=/data/registry.db schemagate serve\n",
     run_serve, 0},
    {"registry", "run the Confluent-compatible schema registry alone", registry_flags,
     sizeof registry_flags / sizeof registry_flags[0], "[FLAGS]",
     "Serves the Confluent Schema Registry REST API backed by an SQLite database.\n"
     "Runs until SIGTERM or SIGINT, then stops cleanly. At start it logs\n"
     "  schemagate: registry listening on http://HOST:PORT (db PATH)\n"
     "to stderr, with the port actually bound. Flags beat environment variables,\n"
     "which beat the defaults.\n"
     "\n"
     "With --tls-cert and --tls-key it serves HTTPS (TLS 1.2 and 1.3). With\n"
     "--tls-client-auth requested or required, client certificates are checked\n"
     "against --tls-client-ca: one that does not verify gets 401, and so does a\n"
     "request without one when they are required.\n"
     "\n"
     "With --auth-file, every request but GET / and GET /health needs a principal:\n"
     "HTTP Basic credentials of a user of the file, or a verified client\n"
     "certificate whose subject DN the file names. Without credentials, or with\n"
     "wrong ones, it gets 401; without the permission it needs, 403. The file is\n"
     "reloaded when it changes and on SIGHUP.\n"
     "\n"
     "With --store kafka the registry's state is the compacted one-partition\n"
     "topic --topic on --brokers, in Confluent's own record format, and --db is\n"
     "this node's view of it, replayed before the API starts. The nodes of one\n"
     "--group-id elect one leader among the leader-eligible ones (a Kafka consumer\n"
     "group); it writes each change in a Kafka transaction and answers once its\n"
     "own view has applied it. The other nodes forward writes to the leader's\n"
     "--advertised-url and relay its answer (500 with error_code 50004 while no\n"
     "leader is known, 50003 when it cannot be reached); they serve reads from\n"
     "their own view.\n"
     "\n"
     "Examples:\n"
     "  schemagate registry --listen 127.0.0.1:8081 --db ./schemagate.db\n"
     "  schemagate registry --store kafka --brokers kafka-0:9092,kafka-1:9092 --db ./view.db\n"
     "  schemagate registry --listen [::1]:0 --db /tmp/test.db\n"
     "  schemagate registry --listen 0.0.0.0:8443 --tls-cert server.pem --tls-key server.key\n"
     "  schemagate registry --tls-cert server.pem --tls-key server.key --tls-client-ca ca.pem \\\n"
     "      --tls-client-auth required\n"
     "  schemagate registry --auth-file auth.json --ui-auth open\n"
     "  SCHEMAGATE_LISTEN=0.0.0.0:8081 SCHEMAGATE_DB=/data/registry.db schemagate registry\n"
     "  curl -s localhost:8081/subjects\n",
     run_registry, 0},
    {"gateway", "run the Kafka gateway alone", gateway_flags,
     sizeof gateway_flags / sizeof gateway_flags[0], "[FLAGS]",
     "A transparent Kafka-protocol proxy: producers and consumers set\n"
     "bootstrap_servers to --listen and work as they would against the brokers.\n"
     "Each broker gets a port of its own (PORT+node id); every address a client\n"
     "sees is rewritten to the advertised host. Requests are forwarded byte for\n"
     "byte. With --registry, every produced record is validated against the\n"
     "schemas of that registry first: a partition holding a record that does\n"
     "not conform is answered INVALID_RECORD and not written. Runs until SIGTERM\n"
     "or SIGINT; SIGHUP reloads --rules.\n"
     "\n"
     "An https:// --registry is verified with --registry-ca (or the system's\n"
     "CAs); --registry-cert/--registry-key and --registry-basic-auth are the\n"
     "gateway's credentials there. While the registry cannot be used (down, a\n"
     "certificate that does not verify, credentials refused) records to validate\n"
     "get a retriable error and the log says why.\n"
     "\n"
     "Examples:\n"
     "  schemagate gateway --listen 127.0.0.1:9092 --brokers kafka-0:9092,kafka-1:9092\n"
     "  schemagate gateway --listen 127.0.0.1:9092 --brokers kafka:9092 --registry "
     "http://127.0.0.1:8081\n"
     "  schemagate gateway --listen 127.0.0.1:9092 --brokers kafka:9092 --registry "
     "http://registry:8081 \\\n"
     "      --rules /etc/schemagate/rules.json --admin-listen 127.0.0.1:9644\n"
     "  schemagate gateway --listen 0.0.0.0:9092 --advertised-host gateway.example.com --brokers "
     "kafka:9092\n"
     "  schemagate gateway --listen 0.0.0.0:9092 --advertised-host gateway.example.com --brokers "
     "kafka:9092 \\\n"
     "      --gateway-tls-cert gw.crt --gateway-tls-key gw.key --gateway-tls-client-ca ca.crt "
     "--gateway-tls-client-auth required\n"
     "  schemagate gateway --listen 127.0.0.1:9092 --brokers kafka:9092 --registry "
     "https://registry:8081 \\\n"
     "      --registry-ca ca.crt --registry-cert gw.crt --registry-key gw.key\n"
     "  schemagate gateway --listen 127.0.0.1:9092 --mock 3\n",
     run_gateway, 0},
    {"check", "check schema files for compatibility with what the registry holds", check_flags,
     sizeof check_flags / sizeof check_flags[0], "[FLAGS] FILE...",
     "Online, asks the registry whether FILE may be registered under SUBJECT, at\n"
     "the subject's compatibility level; with --level, fetches the subject's\n"
     "versions and applies that level here instead. --map checks many subjects\n"
     "in one run. --offline compares files with files: the last FILE is the new\n"
     "schema, the others its history, oldest first (--level defaults to BACKWARD).\n"
     "The same compatibility engine runs in the registry, so both agree.\n"
     "\n"
     "Every problem is one line: FILE:LOCATION: RULE: sentence (text), an\n"
     "::error annotation (github), or an entry in one JSON document (json).\n"
     "Exit status: 0 compatible, 1 incompatible, 2 usage, file, parse or\n"
     "network error (one line on stderr).\n"
     "\n" REGISTRY_CLIENT_HELP "\n"
     "Examples:\n"
     "  schemagate check --registry http://127.0.0.1:8081 --subject orders-value "
     "schemas/orders.avsc\n"
     "  schemagate check --map schemas/subjects.json --format github\n"
     "  schemagate check --offline --level FULL_TRANSITIVE old1.avsc old2.avsc new.avsc\n"
     "  SCHEMAGATE_REGISTRY_BASIC_AUTH=ci:$CI_PASSWORD schemagate check --registry "
     "https://registry:8081 \\\n"
     "      --registry-ca ca.crt --subject orders-value schemas/orders.avsc\n",
     run_check, 1000},
    {"register", "register schema files under their subjects (idempotent)", check_flags,
     sizeof check_flags / sizeof check_flags[0] - 2, "[FLAGS] FILE",
     "Registers FILE under SUBJECT, or every file of a --map, and prints the id\n"
     "and version each got. Registering a schema the subject already has returns\n"
     "its existing id, so a deploy step can run it every time.\n"
     "Exit status: 0 registered, 1 refused as incompatible, 2 usage, file, parse\n"
     "or network error.\n"
     "\n" REGISTRY_CLIENT_HELP "\n"
     "Examples:\n"
     "  schemagate register --subject orders-value schemas/orders.avsc\n"
     "  schemagate register --map schemas/subjects.json --registry https://registry.example.com\n"
     "  schemagate register --registry https://registry:8081 --registry-ca /etc/registry-ca/ \\\n"
     "      --registry-cert user.crt --registry-key user.key --subject orders-value "
     "schemas/orders.avsc\n",
     run_register, 1},
    {"validate", "check message fixtures against a schema file or a registry subject",
     validate_flags, sizeof validate_flags / sizeof validate_flags[0], "[FLAGS] DATA_FILE...",
     "Checks each DATA_FILE: one JSON document, or one per line (--lines, .jsonl,\n"
     ".ndjson). JSON Schema fixtures are JSON; Avro fixtures are in Avro's JSON\n"
     "encoding (a union value is null or {\"branch\": value}). Protobuf fixtures\n"
     "are binary, one message per file, of the schema's first message. With\n"
     "--framed, each file is one Confluent-framed binary record, as a producer\n"
     "sends it (for Protobuf, the message indexes name the message); without\n"
     "--schema or --subject, its schema id is looked up in the registry.\n"
     "\n"
     "Every problem is one line: FILE[:LINE]:LOCATION: RULE: sentence.\n"
     "Exit status: 0 all valid, 1 one or more invalid, 2 usage, file, schema or\n"
     "network error (one line on stderr).\n"
     "\n" REGISTRY_CLIENT_HELP "\n"
     "Examples:\n"
     "  schemagate validate --schema schemas/orders.json fixtures/orders.jsonl\n"
     "  schemagate validate --schema schemas/orders.avsc fixtures/order.json\n"
     "  schemagate validate --registry http://127.0.0.1:8081 --subject orders-value order.json\n"
     "  schemagate validate --framed --registry http://127.0.0.1:8081 record.bin\n"
     "  SCHEMAGATE_REGISTRY_BASIC_AUTH=ci:$CI_PASSWORD schemagate validate --registry "
     "https://registry:8081 \\\n"
     "      --registry-ca ca.crt --subject orders-value order.json\n",
     run_validate, 100000},
    {"passwd", "make an auth file entry for a user, the password read on stdin", NULL, 0, "USER",
     "Reads USER's password on standard input (from a terminal: twice, without\n"
     "echo; from a pipe: the first line) and prints one entry for the \"users\"\n"
     "list of the registry's auth file: scrypt (N=16384, r=8, p=1) of the\n"
     "password with a new random salt, as Karapace's karapace_mkpasswd -a scrypt\n"
     "writes it, so each reads the other's. Give USER permissions in the same\n"
     "file. Exit status: 0 printed, 2 usage error or no usable password.\n"
     "\n"
     "Examples:\n"
     "  schemagate passwd ci\n"
     "  printf '%s\\n' \"$CI_PASSWORD\" | schemagate passwd ci\n",
     run_passwd, 1},
    {"version", "print the version", NULL, 0, "",
     "Prints \"schemagate VERSION\" on one line.\n"
     "\n"
     "Examples:\n"
     "  schemagate version\n",
     run_version, 0},
    {"help", "show help for schemagate or one command", NULL, 0, "[COMMAND]",
     "Examples:\n"
     "  schemagate help\n"
     "  schemagate help registry\n",
     run_help, 0},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_overview(FILE *f)
{
	fprintf(
	    f,
	    "schemagate %s: a Confluent-compatible schema registry and validating Kafka gateway\n"
	    "\n"
	    "Usage: schemagate COMMAND [FLAGS]\n"
	    "\n"
	    "Commands:\n",
	    PACKAGE_VERSION);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n"
	           "Run 'schemagate help COMMAND' or 'schemagate COMMAND --help' for details.\n"
	           "\n"
	           "Examples:\n"
	           "  schemagate serve\n"
	           "  schemagate registry --listen 127.0.0.1:8081 --db ./schemagate.db\n");
}

static void print_command_help(FILE *f, const struct command *cmd)
{
	fprintf(f, "Usage: schemagate %s %s\n\n%c%s.\n\n", cmd->name, cmd->usage,
	        toupper((unsigned char)cmd->summary[0]), cmd->summary + 1);
	if (cmd->nflags > 0) {
		fprintf(f, "Flags:\n");
		opts_print_help(f, cmd->flags, cmd->nflags);
	} else {
		fprintf(f, "Flags:\n  %-28s %s\n", "--help", "show this help");
	}
	fprintf(f, "\n%s", cmd->details);
}

static void usage_error(const struct command *cmd, const char *msg)
{
	if (cmd)
		fprintf(stderr, "schemagate %s: %s (see 'schemagate %s --help')\n", cmd->name, msg,
		        cmd->name);
	else
		fprintf(stderr, "schemagate: %s (see 'schemagate --help')\n", msg);
}

/* Waits for SIGTERM or SIGINT, then stops every service. Returns the exit status. */
static int serve_until_signal(struct runtime *rt)
{
	int sig = runtime_wait(rt);
	fprintf(stderr, "schemagate: %s received, stopping\n",
	        sig == SIGINT ? "SIGINT" : "SIGTERM");
	runtime_free(rt);
	fprintf(stderr, "schemagate: stopped\n");
	return 0;
}

/* Reads the registry's TLS flags, named `prefix`cert, `prefix`key... A flag
 * that has no effect without another is an error, not silently ignored. */
static int registry_tls_read(const struct opts *o, const char *prefix, struct registry_config *cfg,
                             struct sg_error *err)
{
	static const char *const modes[] = {"none", "requested", "required"};
	char cert[64], key[64], ca[64], auth[64];
	snprintf(cert, sizeof cert, "%scert", prefix);
	snprintf(key, sizeof key, "%skey", prefix);
	snprintf(ca, sizeof ca, "%sclient-ca", prefix);
	snprintf(auth, sizeof auth, "%sclient-auth", prefix);
	const char *v = opts_get(o, cert);
	cfg->tls_cert = v && *v ? v : NULL;
	v = opts_get(o, key);
	cfg->tls_key = v && *v ? v : NULL;
	v = opts_get(o, ca);
	cfg->tls_client_ca = v && *v ? v : NULL;
	const char *mode = opts_get(o, auth);
	cfg->tls_client_auth = -1;
	for (int i = 0; i < 3; i++)
		if (mode && strcmp(mode, modes[i]) == 0)
			cfg->tls_client_auth = i;
	if (cfg->tls_client_auth < 0)
		return error_set(err, SG_EBAD_REQUEST, "%s must be none, requested or required",
		                 auth);
	if (cfg->tls_cert && !cfg->tls_key)
		return error_set(err, SG_EBAD_REQUEST, "%s needs %s", cert, key);
	if (!cfg->tls_cert && (cfg->tls_key || cfg->tls_client_ca || cfg->tls_client_auth))
		return error_set(err, SG_EBAD_REQUEST, "%s needs %s",
		                 cfg->tls_key         ? key
		                 : cfg->tls_client_ca ? ca
		                                      : auth,
		                 cert);
	if (cfg->tls_client_auth && !cfg->tls_client_ca)
		return error_set(err, SG_EBAD_REQUEST, "%s %s needs %s", auth,
		                 modes[cfg->tls_client_auth], ca);
	if (!cfg->tls_client_auth && cfg->tls_client_ca)
		return error_set(err, SG_EBAD_REQUEST, "%s needs %s requested or required", ca,
		                 auth);
	return 0;
}

/* Reads an open|authenticated flag into *open (1 for open). A command
 * without the flag leaves *open 0. */
static int registry_policy_read(const struct opts *o, const char *flag, int *open,
                                struct sg_error *err)
{
	const char *v = opts_get(o, flag);
	*open = v && strcmp(v, "open") == 0;
	if (v && !*open && strcmp(v, "authenticated") != 0)
		return error_set(err, SG_EBAD_REQUEST, "%s must be open or authenticated", flag);
	return 0;
}

/* Reads the registry's HTTP limits, named `prefix`max-connections... */
static int registry_limits_read(const struct opts *o, const char *prefix,
                                struct registry_config *cfg, struct sg_error *err)
{
	char conns[64], per_ip[64], idle[64], request[64];
	snprintf(conns, sizeof conns, "%smax-connections", prefix);
	snprintf(per_ip, sizeof per_ip, "%smax-connections-per-ip", prefix);
	snprintf(idle, sizeof idle, "%sidle-timeout", prefix);
	snprintf(request, sizeof request, "%srequest-timeout", prefix);
	if (opts_uint(o, conns, 1000000, &cfg->max_connections, err) < 0 ||
	    opts_uint(o, per_ip, 1000000, &cfg->max_connections_per_ip, err) < 0 ||
	    opts_duration_ms(o, idle, 24 * 3600 * 1000, &cfg->idle_timeout_ms, err) < 0 ||
	    opts_duration_ms(o, request, 24 * 3600 * 1000, &cfg->request_timeout_ms, err) < 0)
		return -1;
	if (!cfg->max_connections || !cfg->max_connections_per_ip)
		return error_set(err, SG_EBAD_REQUEST, "%s: give at least 1",
		                 opts_from(o, cfg->max_connections ? per_ip : conns));
	if (cfg->idle_timeout_ms % 1000)
		return error_set(err, SG_EBAD_REQUEST, "%s: give whole seconds",
		                 opts_from(o, idle));
	return 0;
}

/* Reads the registry's storage: --store and, for kafka, where the log is
 * and how to reach it (the brokers' TLS flags are serve's gateway ones). */
static int registry_store_read(const struct opts *o, struct registry_config *cfg,
                               struct sg_error *err)
{
	const char *v = opts_get(o, "--store");
	if (!v || strcmp(v, "sqlite") == 0)
		return 0;
	if (strcmp(v, "kafka") != 0)
		return error_set(err, SG_EBAD_REQUEST, "%s must be sqlite or kafka",
		                 opts_from(o, "--store"));
	cfg->kafka = 1;
	v = opts_get(o, "--brokers");
	if (!v || !*v)
		return error_set(err, SG_EBAD_REQUEST, "--store kafka needs --brokers");
	cfg->brokers = v;
	cfg->topic = opts_get(o, "--topic");
	cfg->group_id = opts_get(o, "--group-id");
	if (!cfg->topic || !*cfg->topic || !cfg->group_id || !*cfg->group_id)
		return error_set(err, SG_EBAD_REQUEST, "--topic and --group-id must not be empty");
	v = opts_get(o, "--advertised-url");
	cfg->advertised_url = v && *v ? v : NULL;
	v = opts_get(o, "--leader-eligible");
	if (v && strcmp(v, "true") && strcmp(v, "false"))
		return error_set(err, SG_EBAD_REQUEST, "%s must be true or false",
		                 opts_from(o, "--leader-eligible"));
	cfg->leader_eligible = !v || strcmp(v, "true") == 0;
	v = opts_get(o, "--broker-tls-ca");
	cfg->broker_tls_ca = v && *v ? v : NULL;
	v = opts_get(o, "--broker-tls-cert");
	cfg->broker_tls_cert = v && *v ? v : NULL;
	v = opts_get(o, "--broker-tls-key");
	cfg->broker_tls_key = v && *v ? v : NULL;
	if (!cfg->broker_tls_cert != !cfg->broker_tls_key)
		return error_set(err, SG_EBAD_REQUEST,
		                 "--broker-tls-cert and --broker-tls-key go "
		                 "together");
	return 0;
}

/* Reads the registry's settings; `listen_flag` and `tls_prefix` differ
 * between commands. */
static int registry_config_read(const struct opts *o, const char *listen_flag,
                                const char *tls_prefix, struct registry_config *cfg, char *host,
                                size_t hostsz, struct sg_error *err)
{
	if (opts_hostport(o, listen_flag, host, hostsz, &cfg->port, err) < 0)
		return -1;
	cfg->host = host;
	cfg->db = opts_get(o, "--db");
	if (!cfg->db || !*cfg->db)
		return error_set(err, SG_EBAD_REQUEST, "--db must not be empty");
	if (opts_size(o, "--body-limit", BODY_LIMIT_MAX, &cfg->body_limit, err) < 0)
		return -1;
	if (opts_uint(o, "--threads", 256, &cfg->threads, err) < 0)
		return -1;
	const char *v = opts_get(o, "--auth-file");
	cfg->auth_file = v && *v ? v : NULL;
	if (registry_policy_read(o, "--ui-auth", &cfg->ui_open, err) < 0 ||
	    registry_policy_read(o, "--metrics-auth", &cfg->metrics_open, err) < 0 ||
	    registry_limits_read(o, strcmp(listen_flag, "--listen") ? "--registry-" : "--", cfg,
	                         err) < 0)
		return -1;
	if (registry_store_read(o, cfg, err) < 0)
		return -1;
	return registry_tls_read(o, tls_prefix, cfg, err);
}

/* Starts the registry as configured by `listen_flag`, the TLS flags that
 * start with `tls_prefix` and the shared flags. */
static int start_registry(const struct command *cmd, const struct opts *o, const char *listen_flag,
                          const char *tls_prefix, struct runtime *rt)
{
	struct sg_error err;
	error_clear(&err);
	char host[256];
	struct registry_config cfg = {0};
	if (registry_config_read(o, listen_flag, tls_prefix, &cfg, host, sizeof host, &err) < 0) {
		usage_error(cmd, err.msg);
		return -1;
	}
	if (runtime_add_registry(rt, &cfg, &err) < 0) {
		fprintf(stderr, "schemagate %s: %s\n", cmd->name, err.msg);
		return -1;
	}
	return 0;
}

/* Reads the gateway's TLS flags, to clients (--gateway-tls-*) and to brokers
 * (--broker-*). As for the registry, a flag that has no effect without
 * another is an error. */
static int gateway_tls_read(const struct opts *o, struct gateway_tls *t, struct sg_error *err)
{
	static const char *const modes[] = {"none", "requested", "required"};
	const char *v;
	v = opts_get(o, "--gateway-tls-cert");
	t->cert = v && *v ? v : NULL;
	v = opts_get(o, "--gateway-tls-key");
	t->key = v && *v ? v : NULL;
	v = opts_get(o, "--gateway-tls-client-ca");
	t->client_ca = v && *v ? v : NULL;
	v = opts_get(o, "--gateway-tls-client-auth");
	t->client_auth = -1;
	for (int i = 0; i < 3; i++)
		if (v && strcmp(v, modes[i]) == 0)
			t->client_auth = i;
	if (t->client_auth < 0)
		return error_set(err, SG_EBAD_REQUEST,
		                 "--gateway-tls-client-auth must be none, requested or required");
	if (!t->cert != !t->key)
		return error_set(err, SG_EBAD_REQUEST,
		                 "--gateway-tls-cert and --gateway-tls-key go "
		                 "together");
	if (!t->cert && (t->client_ca || t->client_auth))
		return error_set(err, SG_EBAD_REQUEST, "%s needs --gateway-tls-cert",
		                 t->client_ca ? "--gateway-tls-client-ca"
		                              : "--gateway-tls-client-auth");
	if (t->client_auth && !t->client_ca)
		return error_set(err, SG_EBAD_REQUEST,
		                 "--gateway-tls-client-auth %s needs "
		                 "--gateway-tls-client-ca",
		                 modes[t->client_auth]);
	if (!t->client_auth && t->client_ca)
		return error_set(
		    err, SG_EBAD_REQUEST,
		    "--gateway-tls-client-ca needs --gateway-tls-client-auth requested "
		    "or required");
	if (opts_duration_ms(o, "--gateway-tls-handshake-timeout", 3600 * 1000,
	                     &t->handshake_timeout_ms, err) < 0)
		return -1;

	v = opts_get(o, "--broker-tls-ca");
	t->broker_ca = v && *v ? v : NULL;
	t->broker_insecure = opts_on(o, "--broker-tls-insecure-skip-verify");
	v = opts_get(o, "--broker-tls-cert");
	t->broker_cert = v && *v ? v : NULL;
	v = opts_get(o, "--broker-tls-key");
	t->broker_key = v && *v ? v : NULL;
	v = opts_get(o, "--broker-identity-dir");
	t->identity_dir = v && *v ? v : NULL;
	int broker_tls = t->broker_ca || t->broker_insecure;
	if (t->broker_ca && t->broker_insecure)
		return error_set(err, SG_EBAD_REQUEST,
		                 "give --broker-tls-ca or "
		                 "--broker-tls-insecure-skip-verify, not both");
	const char *id = opts_get(o, "--broker-identity");
	if (!id || !*id)
		id = !broker_tls                              ? NULL
		     : t->client_auth == 2 && !t->broker_cert ? "certmap"
		     : t->broker_cert                         ? "gateway"
		                                              : "sasl";
	if (id && !broker_tls)
		return error_set(err, SG_EBAD_REQUEST,
		                 "--broker-identity needs TLS to the brokers (--broker-tls-ca)");
	if (!id) {
		if (t->broker_cert || t->broker_key || t->identity_dir)
			return error_set(
			    err, SG_EBAD_REQUEST, "%s needs TLS to the brokers (--broker-tls-ca)",
			    t->identity_dir ? "--broker-identity-dir" : "--broker-tls-cert");
		return 0;
	}
	if (strcmp(id, "gateway") == 0) {
		if (!t->broker_cert || !t->broker_key)
			return error_set(err, SG_EBAD_REQUEST,
			                 "--broker-identity gateway needs "
			                 "--broker-tls-cert and --broker-tls-key");
		if (t->identity_dir)
			return error_set(err, SG_EBAD_REQUEST,
			                 "--broker-identity-dir is for --broker-identity certmap");
	} else if (strcmp(id, "sasl") == 0) {
		t->sasl_identity = 1;
		if (t->broker_cert || t->broker_key || t->identity_dir)
			return error_set(err, SG_EBAD_REQUEST,
			                 "--broker-identity sasl shows the brokers no certificate: "
			                 "drop %s",
			                 t->identity_dir ? "--broker-identity-dir"
			                                 : "--broker-tls-cert/--broker-tls-key");
	} else if (strcmp(id, "certmap") == 0) {
		if (!t->identity_dir)
			return error_set(err, SG_EBAD_REQUEST,
			                 "--broker-identity certmap needs --broker-identity-dir");
		if (t->client_auth != 2)
			return error_set(
			    err, SG_EBAD_REQUEST,
			    "--broker-identity certmap needs --gateway-tls-client-auth "
			    "required");
		if (t->broker_cert || t->broker_key)
			return error_set(
			    err, SG_EBAD_REQUEST,
			    "--broker-identity certmap takes no --broker-tls-cert/-key");
	} else {
		return error_set(err, SG_EBAD_REQUEST,
		                 "--broker-identity must be certmap, gateway or sasl");
	}
	return 0;
}

/* Reads the --registry-ca/-cert/-key/-basic-auth flags into `ro` (the
 * strings borrowed from `o`). A certificate without its key, or the other
 * way round, and Basic credentials without a ':' are errors; the message
 * never holds the password. */
static int registry_client_read(const struct opts *o, struct regclient_options *ro,
                                struct sg_error *err)
{
	memset(ro, 0, sizeof *ro);
	const char *v;
	v = opts_get(o, "--registry-ca");
	ro->ca = v && *v ? v : NULL;
	v = opts_get(o, "--registry-cert");
	ro->cert = v && *v ? v : NULL;
	v = opts_get(o, "--registry-key");
	ro->key = v && *v ? v : NULL;
	v = opts_get(o, "--registry-basic-auth");
	ro->basic_auth = v && *v ? v : NULL;
	if (ro->cert && !ro->key)
		return error_set(err, SG_EBAD_REQUEST, "%s needs --registry-key",
		                 opts_from(o, "--registry-cert"));
	if (ro->key && !ro->cert)
		return error_set(err, SG_EBAD_REQUEST, "%s needs --registry-cert",
		                 opts_from(o, "--registry-key"));
	if (ro->basic_auth && (ro->basic_auth[0] == ':' || !strchr(ro->basic_auth, ':')))
		return error_set(err, SG_EBAD_REQUEST, "%s must be USER:PASSWORD",
		                 opts_from(o, "--registry-basic-auth"));
	return 0;
}

/* Reads the gateway flags (listen flag named `listen_flag`) and starts it. */
static int start_gateway(const struct command *cmd, const struct opts *o, const char *listen_flag,
                         int mock_default, struct runtime *rt)
{
	/* serve validates against the registry it runs beside. */
	int serve = mock_default;
	struct sg_error err;
	error_clear(&err);
	unsigned base = 0, mock = 0, threads = 0, idle_ms = 0, max_conns = 0, max_per_ip = 0;
	size_t held = 0;
	if (opts_uint(o, "--broker-port-base", 65535, &base, &err) < 0 ||
	    opts_duration_ms(o, "--gateway-idle-timeout", 7 * 24 * 3600 * 1000u, &idle_ms, &err) <
	        0 ||
	    opts_uint(o, "--gateway-max-connections", 1000000, &max_conns, &err) < 0 ||
	    opts_uint(o, "--gateway-max-connections-per-address", 1000000, &max_per_ip, &err) < 0 ||
	    (opts_get(o, "--mock") && opts_uint(o, "--mock", 16, &mock, &err) < 0) ||
	    opts_uint(o, "--validate-threads", 256, &threads, &err) < 0 ||
	    opts_size(o, "--held-memory", (size_t)64 << 30, &held, &err) < 0) {
		usage_error(cmd, err.msg);
		return -1;
	}
	const char *brokers = opts_get(o, "--brokers");
	if ((!brokers || !*brokers) && !mock && !mock_default) {
		usage_error(cmd,
		            "give --brokers HOST:PORT,... (or --mock N for an in-process cluster)");
		return -1;
	}
	const char *registry = serve ? NULL : opts_get(o, "--registry");
	const char *rules = opts_get(o, "--rules");
	const char *admin = serve ? NULL : opts_get(o, "--admin-listen");
	char admin_host[256];
	int admin_port = 0;
	if (admin && *admin &&
	    opts_hostport(o, "--admin-listen", admin_host, sizeof admin_host, &admin_port, &err) <
	        0) {
		usage_error(cmd, err.msg);
		return -1;
	}
	if (threads == 0) {
		usage_error(cmd, "--validate-threads: give at least 1");
		return -1;
	}
	if (max_conns == 0 || max_per_ip == 0) {
		usage_error(cmd, max_conns
		                     ? "--gateway-max-connections-per-address: give at least 1"
		                     : "--gateway-max-connections: give at least 1");
		return -1;
	}
	if (!serve && (rules && *rules) && !(registry && *registry)) {
		usage_error(cmd, "--rules needs --registry");
		return -1;
	}
	struct gateway_config cfg = {
	    .listen = opts_get(o, listen_flag),
	    .registry_url = registry && *registry ? registry : NULL,
	    .self_registry = serve,
	    .rules_path = rules && *rules ? rules : NULL,
	    .admin_host = admin && *admin ? admin_host : NULL,
	    .admin_port = admin_port,
	    .brokers = mock ? NULL : brokers,
	    .mock_brokers = mock ? (int)mock : mock_default,
	    .advertised_host = opts_get(o, "--advertised-host"),
	    .broker_port_base = (int)base,
	    .validate_threads = threads,
	    .held_memory = held,
	    .idle_timeout_ms = idle_ms,
	    .max_connections = max_conns,
	    .max_connections_per_address = max_per_ip,
	};
	if (gateway_tls_read(o, &cfg.tls, &err) < 0 ||
	    registry_client_read(o, &cfg.registry_client, &err) < 0) {
		usage_error(cmd, err.msg);
		return -1;
	}
	if (!cfg.registry_url && (cfg.registry_client.ca || cfg.registry_client.cert ||
	                          cfg.registry_client.basic_auth)) {
		usage_error(cmd, cfg.registry_client.ca ? "--registry-ca needs --registry"
		                 : cfg.registry_client.cert
		                     ? "--registry-cert needs --registry"
		                     : "--registry-basic-auth needs --registry");
		return -1;
	}
	if (runtime_add_gateway(rt, &cfg, &err) < 0) {
		fprintf(stderr, "schemagate %s: %s\n", cmd->name, err.msg);
		return -1;
	}
	return 0;
}

/* Starts the services a command runs (a NULL listen flag leaves that service
 * out), then serves until a stop signal. The registry's TLS flags start with
 * `registry_tls`. */
static int run_services(const struct command *cmd, const struct opts *o,
                        const char *registry_listen, const char *registry_tls,
                        const char *gateway_listen, int mock_default)
{
	struct sg_error err;
	error_clear(&err);
	struct runtime *rt = runtime_new(&err);
	if (!rt) {
		fprintf(stderr, "schemagate %s: %s\n", cmd->name, err.msg);
		return EXIT_USAGE;
	}
	if ((registry_listen && start_registry(cmd, o, registry_listen, registry_tls, rt) < 0) ||
	    (gateway_listen && start_gateway(cmd, o, gateway_listen, mock_default, rt) < 0)) {
		runtime_free(rt);
		return EXIT_USAGE;
	}
	return serve_until_signal(rt);
}

static int run_registry(const struct command *cmd, const struct opts *o)
{
	return run_services(cmd, o, "--listen", "--tls-", NULL, 0);
}

static int run_gateway(const struct command *cmd, const struct opts *o)
{
	return run_services(cmd, o, NULL, NULL, "--listen", 0);
}

/* `serve`: the registry, then the gateway (on the mock cluster when no
 * --brokers are given, so a newcomer sees it work with one command). */
static int run_serve(const struct command *cmd, const struct opts *o)
{
	return run_services(cmd, o, "--registry-listen", "--registry-tls-", "--gateway-listen", 1);
}

static int run_passwd(const struct command *cmd, const struct opts *o)
{
	if (o->nargs != 1) {
		usage_error(cmd, "give the USER to make an entry for");
		return EXIT_USAGE;
	}
	return passwd_run(o->args[0]);
}

static int run_version(const struct command *cmd, const struct opts *o)
{
	(void)cmd;
	(void)o;
	printf("schemagate %s\n", PACKAGE_VERSION);
	return 0;
}

/* Fills a check_config from the flags; returns -1 (after one line on stderr)
 * when a flag's value is wrong. */
static int check_config_from(const struct command *cmd, const struct opts *o,
                             struct check_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->registry = opts_get(o, "--registry");
	cfg->subject = opts_get(o, "--subject");
	cfg->map = opts_get(o, "--map");
	cfg->level = opts_get(o, "--level");
	cfg->type = opts_get(o, "--type");
	cfg->offline = opts_on(o, "--offline");
	cfg->quiet = opts_on(o, "--quiet");
	cfg->files = o->args;
	cfg->nfiles = o->nargs;
	if (check_format_parse(opts_get(o, "--format"), &cfg->format) != 0) {
		usage_error(cmd, "--format must be text, json or github");
		return -1;
	}
	struct sg_error err;
	error_clear(&err);
	if (registry_client_read(o, &cfg->client, &err) < 0) {
		usage_error(cmd, err.msg);
		return -1;
	}
	return 0;
}

static int run_check(const struct command *cmd, const struct opts *o)
{
	struct check_config cfg;
	if (check_config_from(cmd, o, &cfg) != 0)
		return EXIT_USAGE;
	return check_run(&cfg);
}

static int run_register(const struct command *cmd, const struct opts *o)
{
	struct check_config cfg;
	if (check_config_from(cmd, o, &cfg) != 0)
		return EXIT_USAGE;
	return check_register(&cfg);
}

static int run_validate(const struct command *cmd, const struct opts *o)
{
	struct validate_config cfg = {
	    .schema_file = opts_get(o, "--schema"),
	    .type = opts_get(o, "--type"),
	    .registry = opts_get(o, "--registry"),
	    .subject = opts_get(o, "--subject"),
	    .version = opts_get(o, "--version"),
	    .framed = opts_on(o, "--framed"),
	    .lines = opts_on(o, "--lines"),
	    .quiet = opts_on(o, "--quiet"),
	    .files = o->args,
	    .nfiles = o->nargs,
	};
	if (check_format_parse(opts_get(o, "--format"), &cfg.format) != 0) {
		usage_error(cmd, "--format must be text, json or github");
		return EXIT_USAGE;
	}
	if (cfg.type && strcmp(cfg.type, "avro") != 0 && strcmp(cfg.type, "json") != 0 &&
	    strcmp(cfg.type, "protobuf") != 0) {
		usage_error(cmd, "--type must be avro, json or protobuf");
		return EXIT_USAGE;
	}
	struct sg_error err;
	error_clear(&err);
	if (registry_client_read(o, &cfg.client, &err) < 0) {
		usage_error(cmd, err.msg);
		return EXIT_USAGE;
	}
	return validate_run(&cfg);
}

/* `help` takes one optional command name, so it reads argv itself: see main. */
static int run_help(const struct command *cmd, const struct opts *o)
{
	(void)cmd;
	(void)o;
	print_overview(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	runtime_block_signals();
	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		print_overview(stdout);
		return 0;
	}
	if (strcmp(name, "--version") == 0)
		name = "version";
	const struct command *cmd = find_command(name);
	if (!cmd) {
		char msg[160];
		snprintf(msg, sizeof msg, "unknown command '%.100s'", name);
		usage_error(NULL, msg);
		return EXIT_USAGE;
	}

	if (cmd->run == run_help && argc >= 3 && strncmp(argv[2], "-", 1) != 0) {
		if (argc > 3) {
			usage_error(cmd, "takes at most one COMMAND");
			return EXIT_USAGE;
		}
		const struct command *topic = find_command(argv[2]);
		if (!topic) {
			char msg[160];
			snprintf(msg, sizeof msg, "unknown command '%.100s'", argv[2]);
			usage_error(cmd, msg);
			return EXIT_USAGE;
		}
		print_command_help(stdout, topic);
		return 0;
	}

	struct opts o;
	struct sg_error err;
	error_clear(&err);
	if (opts_parse(&o, cmd->flags, cmd->nflags, cmd->max_args, argc - 2, argv + 2, &err) < 0) {
		usage_error(cmd, err.msg);
		return EXIT_USAGE;
	}
	if (o.help) {
		print_command_help(stdout, cmd);
		return 0;
	}
	return cmd->run(cmd, &o);
}
