/* bench/gateway/tlsload.c: many connections, or many TLS handshakes, against
 * the gateway, for bench/gateway/run.sh MODE=tls (a benchmark tool: not a
 * test, not the product).
 *
 *   tlsload idle HOST PORT N tls|plain
 *     Opens N connections one after another; on each it completes the TLS
 *     handshake (tls), sends a Kafka ApiVersions v0 request and reads the
 *     whole response (so the gateway holds its broker connection too), then
 *     leaves it idle. Prints "ready N" on stdout once all N are up, then
 *     waits until killed. Exits 1 (before "ready") if one fails.
 *
 *   tlsload handshakes HOST PORT SECONDS PROCS 1.2|1.3|plain
 *     PROCS processes each loop for SECONDS: a new TCP connection, a full
 *     TLS handshake of exactly that version (no session is ever reused: the
 *     session cache is off and no ticket is kept), then close_notify, and
 *     reading until the server closes, so that every handshake counted has
 *     finished on the server side too; the socket closes with a reset (no
 *     TIME_WAIT on this side). `plain`: the same without TLS (connect,
 *     shutdown, read until the server closes), the baseline of what a
 *     connection costs the server. Prints one line
 *       handshakes=H failed=F seconds=S per_s=R protocol=P cipher=C
 *       group=G server_key=K
 *     (from the first handshake: the negotiated protocol, cipher and key
 *     exchange group, and the server certificate's key type and size).
 *
 * TLS: the server certificate is not verified (verification costs the
 * client, not the server). OpenSSL's defaults otherwise.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static struct sockaddr_in server;

static void die(const char *what) __attribute__((noreturn));
static void die(const char *what)
{
	fprintf(stderr, "tlsload: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connected blocking socket with a 5 s receive timeout, or -1. */
static int dial(void)
{
	struct timeval tv = {5, 0};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&server, sizeof server) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A client context: no verification, no session cache, no tickets, and
 * exactly `version` when it is not 0. */
static SSL_CTX *client_ctx(int version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		die("SSL_CTX_new");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	if (version && (!SSL_CTX_set_min_proto_version(ctx, version) ||
	                !SSL_CTX_set_max_proto_version(ctx, version)))
		die("cannot set the TLS version");
	return ctx;
}

/* Idle mode. */

struct idle_conn {
	int fd;
	SSL *ssl; /* NULL for plaintext */
};

static int io_write(struct idle_conn *c, const unsigned char *p, size_t n)
{
	while (n > 0) {
		int w = c->ssl ? SSL_write(c->ssl, p, (int)n) : (int)write(c->fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int io_read_full(struct idle_conn *c, unsigned char *p, size_t n)
{
	while (n > 0) {
		int r = c->ssl ? SSL_read(c->ssl, p, (int)n) : (int)read(c->fd, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* ApiVersions v0 (request header v1, client id "tlsload"), then its whole
 * response. */
static int api_versions(struct idle_conn *c, int32_t correlation_id)
{
	static unsigned char resp[1 << 16];
	unsigned char req[] = {0, 0, 0, 17,  0,   18,  0,   0,   0,   0,  0,
	                       0, 0, 7, 't', 'l', 's', 'l', 'o', 'a', 'd'};
	uint32_t len;
	req[8] = (unsigned char)(correlation_id >> 24);
	req[9] = (unsigned char)(correlation_id >> 16);
	req[10] = (unsigned char)(correlation_id >> 8);
	req[11] = (unsigned char)correlation_id;
	if (io_write(c, req, sizeof req) != 0 || io_read_full(c, resp, 4) != 0)
		return -1;
	len = (uint32_t)resp[0] << 24 | (uint32_t)resp[1] << 16 | (uint32_t)resp[2] << 8 | resp[3];
	if (len < 4 || len > sizeof resp || io_read_full(c, resp, len) != 0)
		return -1;
	return memcmp(resp, req + 8, 4) == 0 ? 0 : -1;
}

static int idle(long n, int tls)
{
	struct idle_conn *conns = calloc((size_t)n, sizeof *conns);
	SSL_CTX *ctx = tls ? client_ctx(0) : NULL;
	char msg[128];
	if (!conns)
		die("out of memory");
	for (long i = 0; i < n; i++) {
		struct idle_conn *c = &conns[i];
		if ((c->fd = dial()) < 0) {
			snprintf(msg, sizeof msg, "connection %ld: %s", i, strerror(errno));
			die(msg);
		}
		if (tls) {
			c->ssl = SSL_new(ctx);
			if (!c->ssl || !SSL_set_fd(c->ssl, c->fd) || SSL_connect(c->ssl) != 1) {
				snprintf(msg, sizeof msg, "connection %ld: TLS handshake failed",
				         i);
				die(msg);
			}
		}
		if (api_versions(c, (int32_t)i) != 0) {
			snprintf(msg, sizeof msg, "connection %ld: no ApiVersions response", i);
			die(msg);
		}
	}
	printf("ready %ld\n", n);
	fflush(stdout);
	for (;;)
		pause();
}

/* Handshakes mode. */

struct hs_count {
	long ok, failed;
	char first[256]; /* the first handshake's parameters, or "" */
};

static void describe(SSL *ssl, char *out, size_t size)
{
	X509 *peer = SSL_get1_peer_certificate(ssl);
	EVP_PKEY *k = peer ? X509_get0_pubkey(peer) : NULL;
	const char *group = "?";
	int nid = SSL_get_negotiated_group(ssl);
	if (nid > 0)
		group = OBJ_nid2sn(nid) ? OBJ_nid2sn(nid) : "?";
	snprintf(out, size, "protocol=%s cipher=%s group=%s server_key=%s-%d", SSL_get_version(ssl),
	         SSL_get_cipher_name(ssl), group, k ? EVP_PKEY_get0_type_name(k) : "?",
	         k ? EVP_PKEY_get_bits(k) : 0);
	X509_free(peer);
}

static void hs_child(int version, double until, int out)
{
	SSL_CTX *ctx = version ? client_ctx(version) : NULL;
	struct hs_count n = {0, 0, ""};
	struct linger lg = {1, 0};
	unsigned char buf[4096];

	while (now_s() < until) {
		int fd = dial();
		SSL *ssl;
		if (fd < 0) {
			n.failed++;
			continue;
		}
		if (!ctx) { /* plain */
			shutdown(fd, SHUT_WR);
			while (read(fd, buf, sizeof buf) > 0)
				;
			n.ok++;
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
			close(fd);
			continue;
		}
		ssl = SSL_new(ctx);
		if (ssl && SSL_set_fd(ssl, fd) && SSL_connect(ssl) == 1) {
			if (!n.first[0])
				describe(ssl, n.first, sizeof n.first);
			SSL_shutdown(ssl);
			while (SSL_read(ssl, buf, sizeof buf) > 0)
				;
			n.ok++;
		} else {
			n.failed++;
		}
		ERR_clear_error();
		SSL_free(ssl);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(fd);
	}
	if (write(out, &n, sizeof n) != (ssize_t)sizeof n)
		exit(1);
	exit(0);
}

static int handshakes(double seconds, int procs, int version)
{
	struct hs_count total = {0, 0, ""};
	double t0 = now_s(), until = t0 + seconds;
	int p[2];
	if (pipe(p) != 0)
		die("pipe");
	for (int i = 0; i < procs; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			close(p[0]);
			hs_child(version, until, p[1]);
		}
	}
	close(p[1]);
	for (int i = 0; i < procs; i++) {
		struct hs_count n;
		if (read(p[0], &n, sizeof n) != (ssize_t)sizeof n)
			die("a client process failed");
		total.ok += n.ok;
		total.failed += n.failed;
		if (!total.first[0])
			memcpy(total.first, n.first, sizeof total.first);
	}
	while (wait(NULL) > 0)
		;
	seconds = now_s() - t0;
	printf("handshakes=%ld failed=%ld seconds=%.2f per_s=%.0f %s\n", total.ok, total.failed,
	       seconds, (double)total.ok / seconds,
	       total.first[0] ? total.first : "protocol=plain");
	return total.ok > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
	struct rlimit rl;
	int idle_mode;

	if (argc < 6 || (strcmp(argv[1], "idle") && strcmp(argv[1], "handshakes")) ||
	    (!strcmp(argv[1], "handshakes") && argc < 7)) {
		fprintf(stderr,
		        "usage: tlsload idle HOST PORT N tls|plain\n"
		        "       tlsload handshakes HOST PORT SECONDS PROCS 1.2|1.3|plain\n");
		return 2;
	}
	idle_mode = !strcmp(argv[1], "idle");
	if (getaddrinfo(argv[2], argv[3], &hints, &ai) != 0)
		die("cannot resolve the server's address");
	memcpy(&server, ai->ai_addr, sizeof server);
	freeaddrinfo(ai);
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (idle_mode)
		return idle(atol(argv[4]), !strcmp(argv[5], "tls"));
	return handshakes(atof(argv[4]), atoi(argv[5]),
	                  !strcmp(argv[6], "plain") ? 0
	                  : !strcmp(argv[6], "1.2") ? TLS1_2_VERSION
	                                            : TLS1_3_VERSION);
}
