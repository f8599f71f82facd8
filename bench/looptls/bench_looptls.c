/* bench/looptls/bench_looptls.c: what TLS costs a gateway/loop connection.
 *
 *   bench_looptls echo tls|plain [MIB]   CPU of the echoing side per GiB
 *   bench_looptls idle tls|plain [CONNS] memory per idle connection
 *
 * echo: a child process (its own loop) sends MIB frames of 1 MiB (default
 * 2048), 8 in flight, to a listener of this process that streams each one
 * back to its sender (frame_head -> loop_conn_stream_frame, the proxy's
 * path for large frames: splice() on plaintext, buffers through OpenSSL on
 * TLS). Prints this process's CPU time (user + system, getrusage) per GiB
 * echoed, i.e. each GiB read and written once, decrypted and encrypted once
 * for TLS.
 *
 * idle: the child opens CONNS connections (default 1000) and leaves them
 * idle; this process's resident memory (VmRSS) and the bytes its heap holds
 * (mallinfo2) are read once 16 warm-up connections are up and again a
 * second after all are up (for TLS: handshaken on this side); the
 * differences are divided by CONNS. RSS is also read after malloc_trim():
 * handshakes all at once leave freed memory behind that a steady stream of
 * connections would reuse.
 *
 * The certificate is a self-signed P-256 one made at start; the client does
 * not verify it (the handshake costs the same). Not part of `make check`.
 */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "compat/error.h"
#include "gateway/loop.h"
#include "gateway/tls.h"

#define FRAME  ((size_t)1 << 20)
#define WINDOW 8
#define WARM   16

static struct loop *lp;
static int use_tls;
static long count;      /* frames to echo, or connections to open */
static long done_count; /* frames back (child), connections up (parent) */
static int ctl[2];      /* parent -> child: go on */
static char dir[64];
static struct tls_ctx *ctx;

static void die(const char *what) __attribute__((noreturn));
static void die(const char *what)
{
	fprintf(stderr, "bench_looptls: %s\n", what);
	exit(1);
}

/* A self-signed certificate and key in dir/. */
static void make_cert(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	char path[128];
	FILE *f;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"bench", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_sign(x, k, EVP_sha256());
	snprintf(path, sizeof path, "%s/cert.pem", dir);
	if (!(f = fopen(path, "w")) || PEM_write_X509(f, x) != 1)
		die("cannot write the certificate");
	fclose(f);
	snprintf(path, sizeof path, "%s/key.pem", dir);
	if (!(f = fopen(path, "w")) || PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1)
		die("cannot write the key");
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
}

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The parent: a listener that echoes (echo) or counts connections (idle). */

static long rss_warm;
static size_t heap_warm; /* bytes malloc()ed and not freed */

static void srv_head(struct loop_conn *c, void *arg, const uint8_t *p, size_t avail, size_t len)
{
	loop_conn_stream_frame(c, c);
}

static void srv_frame(struct loop_conn *c, void *arg, const uint8_t *p, size_t len)
{
	loop_conn_write_frame(c, p, len);
}

static void srv_up(void)
{
	done_count++;
	if (done_count == WARM) {
		rss_warm = rss_kib();
		heap_warm = mallinfo2().uordblks;
		if (write(ctl[1], "g", 1) != 1)
			die("cannot tell the child to go on");
	}
	if (done_count == WARM + count)
		loop_stop(lp);
}

static void srv_connected(struct loop_conn *c, void *arg)
{
	srv_up();
}

static void srv_closed(struct loop_conn *c, void *arg, const char *why, size_t midframe)
{
	loop_stop(lp); /* echo: the client is done */
}

static const struct loop_conn_ops srv_ops = {
    .frame = srv_frame, .frame_head = srv_head, .connected = srv_connected, .closed = srv_closed};

static void srv_accept(void *arg, int fd, const char *peer)
{
	struct loop_limits lim = {.max_frame = (size_t)2 << 20};
	struct sg_error err;
	struct loop_conn *c;
	error_clear(&err);
	c = use_tls ? loop_conn_accept_tls(lp, fd, peer, ctx, &srv_ops, NULL, &lim, &err)
	            : loop_conn_accept(lp, fd, peer, &srv_ops, NULL, &lim, &err);
	if (!c)
		die(err.msg);
	if (!use_tls && arg) /* idle, plaintext: up once accepted */
		srv_up();
}

/* The child: a client of its own loop. */

static uint8_t *frame_buf;
static long sent;

static void cli_send(struct loop_conn *c)
{
	while (sent < count && sent - done_count < WINDOW) {
		loop_conn_write_frame(c, frame_buf, FRAME);
		sent++;
	}
}

static void cli_connected(struct loop_conn *c, void *arg)
{
	if (arg)
		cli_send(c);
}

static void cli_frame(struct loop_conn *c, void *arg, const uint8_t *p, size_t len)
{
	if (len != FRAME)
		die("a frame came back changed");
	done_count++;
	if (done_count == count)
		loop_stop(lp);
	else
		cli_send(c);
}

static void cli_closed(struct loop_conn *c, void *arg, const char *why, size_t midframe)
{
	fprintf(stderr, "bench_looptls: client closed: %s\n", why);
	exit(1);
}

static const struct loop_conn_ops cli_ops = {
    .frame = cli_frame, .connected = cli_connected, .closed = cli_closed};

static struct loop_conn *cli_open(int port, void *arg)
{
	struct loop_limits lim = {.max_frame = (size_t)2 << 20};
	struct sg_error err;
	struct loop_conn *c;
	error_clear(&err);
	c = use_tls
	        ? loop_conn_connect_tls(lp, "127.0.0.1", port, ctx, NULL, &cli_ops, arg, &lim, &err)
	        : loop_conn_connect(lp, "127.0.0.1", port, &cli_ops, arg, &lim, &err);
	if (!c)
		die(err.msg);
	if (!use_tls && arg)
		cli_send(c);
	return c;
}

/* Idle: opens the rest once the parent has measured (it writes to ctl). */
static struct loop_timer *go_timer;
static int go_port;

static void go_check(void *arg)
{
	char go;
	if (read(ctl[0], &go, 1) != 1) {
		loop_timer_start(go_timer, 10);
		return;
	}
	for (long i = 0; i < count; i++)
		cli_open(go_port, NULL);
}

static void child(int port, int idle)
{
	struct tls_client_options o = {NULL, 1, NULL, NULL, TLS_MIN_1_2};
	struct sg_error err;

	error_clear(&err);
	tls_ctx_free(ctx);
	lp = loop_new(&err);
	if (!lp || !(ctx = tls_client_new(&o, &err)))
		die(err.msg);
	if (!idle) {
		frame_buf = calloc(1, FRAME);
		cli_open(port, frame_buf);
		loop_run(lp, &err);
		exit(0);
	}
	/* Idle: the warm-up connections, then the rest once the parent has
	 * measured; then wait for the parent to end. */
	for (int i = 0; i < WARM; i++)
		cli_open(port, NULL);
	go_port = port;
	if (!(go_timer = loop_timer_new(lp, go_check, NULL, &err)))
		die(err.msg);
	loop_timer_start(go_timer, 10);
	loop_run(lp, &err); /* until killed */
	exit(0);
}

int main(int argc, char **argv)
{
	struct tls_server_options so = {NULL, NULL, NULL, TLS_CLIENT_AUTH_NONE, TLS_MIN_1_2};
	char cert[128], key[128];
	struct sg_error err;
	struct loop_listener *ls;
	struct rlimit rl;
	int idle, status;
	pid_t pid;

	if (argc < 3 || (strcmp(argv[1], "echo") && strcmp(argv[1], "idle")) ||
	    (strcmp(argv[2], "tls") && strcmp(argv[2], "plain")))
		die("usage: bench_looptls echo|idle tls|plain [MIB|CONNS]");
	idle = !strcmp(argv[1], "idle");
	use_tls = !strcmp(argv[2], "tls");
	count = argc > 3 ? atol(argv[3]) : idle ? 1000 : 2048;
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	snprintf(dir, sizeof dir, "/tmp/bench_looptls.XXXXXX");
	if (!mkdtemp(dir))
		die("cannot make a temporary folder");
	make_cert();
	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	so.cert_file = cert;
	so.key_file = key;
	error_clear(&err);
	if (!(ctx = tls_server_new(&so, &err)))
		die(err.msg);
	unlink(cert);
	unlink(key);
	rmdir(dir);
	if (pipe(ctl) != 0)
		die("pipe");
	if (!(lp = loop_new(&err)) ||
	    !(ls = loop_listen(lp, "127.0.0.1", 0, srv_accept, idle ? lp : NULL, &err)))
		die(err.msg);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int port = loop_listener_port(ls);
		close(ctl[1]);
		fcntl(ctl[0], F_SETFL, O_NONBLOCK);
		child(port, idle);
	}
	close(ctl[0]);
	if (idle) {
		long trimmed;
		double rss, heap;
		loop_run(lp, &err);
		sleep(1); /* nothing moves: idle connections */
		rss = (double)(rss_kib() - rss_warm) / (double)count;
		heap = (double)(mallinfo2().uordblks - heap_warm) / 1024.0 / (double)count;
		malloc_trim(0);
		trimmed = rss_kib() - rss_warm;
		printf("idle %s: %ld connections: RSS +%.1f KiB per connection (+%.1f KiB after "
		       "malloc_trim), heap in use +%.1f KiB per connection\n",
		       argv[2], count, rss, (double)trimmed / (double)count, heap);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	} else {
		double c0 = cpu_seconds(), w0 = wall_seconds(), cpu, wall;
		loop_run(lp, &err);
		cpu = cpu_seconds() - c0;
		wall = wall_seconds() - w0;
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			die("the client failed");
		printf("echo %s: %ld frames of 1 MiB in %.2f s: %.3f CPU s per GiB on the echoing "
		       "side (%.0f MiB/s)\n",
		       argv[2], count, wall, cpu * 1024.0 / (double)count, (double)count / wall);
	}
	loop_listener_free(ls);
	tls_ctx_free(ctx);
	return 0;
}
