/* bench/gateway/relay.c: the least a TCP proxy can do, as a baseline for
 * bench/gateway/run.sh (a benchmark tool: not a test, not the product).
 *
 *   relay LISTEN_PORT UPSTREAM_PORT
 *
 * Listens on 127.0.0.1:LISTEN_PORT. For each connection it connects to
 * 127.0.0.1:UPSTREAM_PORT and moves bytes both ways, socket -> pipe -> socket
 * with blocking splice(), one thread per direction: no parsing, no event
 * loop, no byte copied through user space. What a producer loses through it
 * is what the extra TCP hop costs on this machine; what it loses through the
 * gateway beyond that is what being a Kafka proxy costs.
 *
 * The broker must advertise the relay's address for clients that bootstrap
 * through it (tests/kafka/lib.sh: KT_RELAY=1), or they would go straight to
 * the broker after the first metadata request.
 * Prints "ready" on stdout once listening; runs until killed.
 */
#define _GNU_SOURCE /* splice(), F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_PIPE ((size_t)1 << 20) /* as gateway/loop's splice pipes */

struct relay_pair {
	int fd[2]; /* client, upstream */
	pthread_mutex_t mu;
	int running; /* directions still moving bytes */
};

struct relay_dir {
	struct relay_pair *p;
	int from, to;
};

/* Thread body for one direction; owns and frees `arg`. Blocks moving bytes
 * from->to until from ends or either side fails, then shuts down to's
 * sending side (the peer sees end of stream). The last of a pair's two
 * directions to finish closes both sockets and frees the pair. A pipe that
 * cannot be made at RELAY_PIPE bytes ends the process: a smaller one would
 * make a slower baseline without saying so. */
static void *relay_pump(void *arg)
{
	struct relay_dir *d = arg;
	struct relay_pair *p = d->p;
	int pfd[2];

	if (pipe(pfd) != 0 || fcntl(pfd[1], F_SETPIPE_SZ, (int)RELAY_PIPE) < (int)RELAY_PIPE) {
		fprintf(stderr, "relay: cannot make a %zu-byte pipe: %s\n", RELAY_PIPE,
		        strerror(errno));
		exit(1);
	}
	for (;;) {
		ssize_t n = splice(d->from, NULL, pfd[1], NULL, RELAY_PIPE, SPLICE_F_MOVE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		while (n > 0) {
			ssize_t m = splice(pfd[0], NULL, d->to, NULL, (size_t)n, SPLICE_F_MOVE);
			if (m < 0 && errno == EINTR)
				continue;
			if (m <= 0)
				goto out;
			n -= m;
		}
	}
out:
	close(pfd[0]);
	close(pfd[1]);
	shutdown(d->to, SHUT_WR);
	pthread_mutex_lock(&p->mu);
	int last = --p->running == 0;
	pthread_mutex_unlock(&p->mu);
	free(d);
	if (last) {
		close(p->fd[0]);
		close(p->fd[1]);
		pthread_mutex_destroy(&p->mu);
		free(p);
	}
	return NULL;
}

static int relay_connect(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Takes `client`: connects it to the upstream port and starts a thread per
 * direction. When the upstream cannot be reached, logs it and closes
 * `client`; out of memory or threads, ends the process. */
static void relay_start(int client, int upstream_port)
{
	int one = 1, up = relay_connect(upstream_port);
	struct relay_pair *p;
	if (up < 0) {
		fprintf(stderr, "relay: cannot reach 127.0.0.1:%d: %s\n", upstream_port,
		        strerror(errno));
		close(client);
		return;
	}
	if (!(p = malloc(sizeof *p))) {
		perror("relay");
		exit(1);
	}
	setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	p->fd[0] = client;
	p->fd[1] = up;
	p->running = 2;
	pthread_mutex_init(&p->mu, NULL);
	for (int i = 0; i < 2; i++) {
		struct relay_dir *d = malloc(sizeof *d);
		pthread_t t;
		if (!d) {
			perror("relay");
			exit(1);
		}
		d->p = p;
		d->from = p->fd[i];
		d->to = p->fd[1 - i];
		if (pthread_create(&t, NULL, relay_pump, d) != 0) {
			perror("relay: pthread_create");
			exit(1);
		}
		pthread_detach(t);
	}
}

/* A TCP port number, or -1. */
static int relay_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v > 0 && v <= 65535 ? (int)v : -1;
}

int main(int argc, char **argv)
{
	int one = 1, lfd, port, upstream;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	if (argc != 3 || (port = relay_port(argv[1])) < 0 || (upstream = relay_port(argv[2])) < 0) {
		fprintf(stderr, "usage: relay LISTEN_PORT UPSTREAM_PORT\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sa.sin_port = htons((uint16_t)port);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 64) != 0) {
		fprintf(stderr, "relay: cannot listen on 127.0.0.1:%d: %s\n", port,
		        strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("relay: accept");
			return 1;
		}
		relay_start(c, upstream);
	}
}
