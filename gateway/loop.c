/* gateway/loop.c: the framed-connection event loop over libevent: the
 * loop, listeners, connections (plaintext and TLS), frames and timers. The
 * rest of a streamed frame goes socket to socket in loop_splice.c; what the
 * two files share is in loop_conn.h. */
#include "gateway/loop.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "compat/error.h"
#include "gateway/loop_conn.h"
#include "gateway/tls.h"

#define LOOP_DEFAULT_MAX_FRAME    ((size_t)100 << 20)
#define LOOP_DEFAULT_OUT_HIGH     ((size_t)4 << 20)
#define LOOP_DEFAULT_OUT_LOW      ((size_t)1 << 20)
#define LOOP_DEFAULT_HANDSHAKE_MS 10000u
/* Most bytes moved by one read() or write(). libevent 2.1's bufferevents
 * read at most 4 KiB per call whatever their limits say (evbuffer_read's
 * fixed EVBUFFER_MAX_READ), which costs a system call and a loop iteration
 * per 4 KiB of a 1 MiB produce batch, so connections read through their own
 * event (loop_conn_readable_cb) and leave only writing to the bufferevent. */
#define LOOP_IO_CHUNK ((size_t)256 << 10)
/* TLS output is handed to SSL_write() in pieces of at least one full record
 * (when there is that much), so frames split over buffer chains do not
 * make small records. */
#define LOOP_TLS_RECORD ((size_t)16 << 10)
/* How long a listener rests after accept() fails (e.g. out of descriptors),
 * so a level-triggered error does not spin the loop. */
#define LOOP_ACCEPT_BACKOFF_MS 100

struct loop {
	struct event_base *base;
	struct evdns_base *dns;
	int stop_pipe[2]; /* [0] read end watched by stop_ev, [1] written by loop_stop */
	struct event *stop_ev;
	unsigned handshake_ms; /* loop_set_tls_handshake_timeout() */
	/* Every connection not freed yet, those handed back to the loop
	 * (loop_conn_close_after_flush() of one still connecting) included:
	 * loop_free() frees what is left. */
	struct loop_conn *conns;
	/* struct loop_stats, counted on the loop thread, read by any. */
	atomic_ulong hs_ok, hs_failed, hs_timedout, idle_timedout;
};

struct loop_async {
	int pipe[2]; /* [0] read end watched by ev, [1] written by loop_async_send */
	struct event *ev;
	void (*fn)(void *arg);
	void *arg;
};

struct loop_listener {
	struct loop *loop;
	struct evconnlistener *lev;
	struct event *backoff; /* re-enables lev after an accept error */
	loop_accept_fn fn;
	void *arg;
	int port;
};

struct loop_timer {
	struct event *ev;
	void (*fn)(void *arg);
	void *arg;
};

static void loop_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop *l = arg;
	char buf[64];
	while (read(fd, buf, sizeof buf) > 0)
		;
	event_base_loopbreak(l->base);
}

struct loop *loop_new(struct sg_error *err)
{
	struct loop *l = calloc(1, sizeof *l);
	if (!l) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	l->stop_pipe[0] = l->stop_pipe[1] = -1;
	l->handshake_ms = LOOP_DEFAULT_HANDSHAKE_MS;
	l->base = event_base_new();
	if (!l->base) {
		error_set(err, SG_EINTERNAL, "cannot create an event base");
		goto err;
	}
	l->dns = evdns_base_new(l->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (!l->dns) {
		l->dns = evdns_base_new(l->base, 0);
		if (l->dns)
			evdns_base_load_hosts(l->dns, NULL);
	}
	if (!l->dns) {
		error_set(err, SG_EINTERNAL, "cannot create a DNS resolver");
		goto err;
	}
	if (pipe(l->stop_pipe) != 0) {
		error_set(err, SG_EIO, "pipe: %s", strerror(errno));
		goto err;
	}
	for (int i = 0; i < 2; i++) {
		evutil_make_socket_nonblocking(l->stop_pipe[i]);
		evutil_make_socket_closeonexec(l->stop_pipe[i]);
	}
	l->stop_ev = event_new(l->base, l->stop_pipe[0], EV_READ | EV_PERSIST, loop_stop_cb, l);
	if (!l->stop_ev || event_add(l->stop_ev, NULL) != 0) {
		error_set(err, SG_EINTERNAL, "cannot watch the stop pipe");
		goto err;
	}
	return l;
err:
	loop_free(l);
	return NULL;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	/* Connections handed back to the loop that had not finished (a broker
	 * connection left to flush after its client went, still connecting)
	 * go now, before the events they hold. */
	while (l->conns)
		loop_conn_free(l->conns);
	if (l->stop_ev)
		event_free(l->stop_ev);
	for (int i = 0; i < 2; i++)
		if (l->stop_pipe[i] >= 0)
			close(l->stop_pipe[i]);
	if (l->dns)
		evdns_base_free(l->dns, 1);
	if (l->base)
		event_base_free(l->base);
	free(l);
}

int loop_run(struct loop *l, struct sg_error *err)
{
	if (event_base_dispatch(l->base) < 0)
		return error_set(err, SG_EINTERNAL, "event loop failed");
	return 0;
}

void loop_stop(struct loop *l)
{
	int saved = errno;
	char b = 1;
	if (write(l->stop_pipe[1], &b, 1) < 0) {
		/* A full pipe already holds a stop request. */
	}
	errno = saved;
}

void loop_set_tls_handshake_timeout(struct loop *l, unsigned ms)
{
	l->handshake_ms = ms ? ms : LOOP_DEFAULT_HANDSHAKE_MS;
}

void loop_stats(const struct loop *l, struct loop_stats *out)
{
	out->tls_handshakes_ok = atomic_load(&l->hs_ok);
	out->tls_handshakes_failed = atomic_load(&l->hs_failed);
	out->tls_handshakes_timedout = atomic_load(&l->hs_timedout);
	out->idle_timeouts = atomic_load(&l->idle_timedout);
}

uint64_t loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* "`prefix`10 s", or "`prefix`250 ms" when not whole seconds. */
static void loop_why_after(char *why, size_t size, const char *prefix, unsigned ms)
{
	if (ms % 1000 == 0)
		snprintf(why, size, "%s%u s", prefix, ms / 1000);
	else
		snprintf(why, size, "%s%u ms", prefix, ms);
}

/* Wake-ups from other threads. */

static void loop_async_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop_async *a = arg;
	char buf[64];
	while (read(fd, buf, sizeof buf) > 0)
		;
	a->fn(a->arg);
}

struct loop_async *loop_async_new(struct loop *l, void (*fn)(void *arg), void *arg,
                                  struct sg_error *err)
{
	struct loop_async *a = calloc(1, sizeof *a);

	if (!a) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	a->fn = fn;
	a->arg = arg;
	a->pipe[0] = a->pipe[1] = -1;
	if (pipe(a->pipe) != 0) {
		error_set(err, SG_EIO, "pipe: %s", strerror(errno));
		goto err;
	}
	for (int i = 0; i < 2; i++) {
		evutil_make_socket_nonblocking(a->pipe[i]);
		evutil_make_socket_closeonexec(a->pipe[i]);
	}
	a->ev = event_new(l->base, a->pipe[0], EV_READ | EV_PERSIST, loop_async_cb, a);
	if (!a->ev || event_add(a->ev, NULL) != 0) {
		error_set(err, SG_EINTERNAL, "cannot watch a wake-up pipe");
		goto err;
	}
	return a;
err:
	loop_async_free(a);
	return NULL;
}

void loop_async_send(struct loop_async *a)
{
	int saved = errno;
	char b = 1;
	if (write(a->pipe[1], &b, 1) < 0) {
		/* A full pipe already holds a wake-up. */
	}
	errno = saved;
}

void loop_async_free(struct loop_async *a)
{
	if (!a)
		return;
	if (a->ev)
		event_free(a->ev);
	for (int i = 0; i < 2; i++)
		if (a->pipe[i] >= 0)
			close(a->pipe[i]);
	free(a);
}

/* Listeners. */

static void loop_listener_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
                                    struct sockaddr *sa, int salen, void *arg)
{
	struct loop_listener *ls = arg;
	char host[NI_MAXHOST], serv[NI_MAXSERV], peer[NI_MAXHOST + NI_MAXSERV + 4];
	if (getnameinfo(sa, (socklen_t)salen, host, sizeof host, serv, sizeof serv,
	                NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(peer, sizeof peer, "?");
	else if (sa->sa_family == AF_INET6)
		snprintf(peer, sizeof peer, "[%s]:%s", host, serv);
	else
		snprintf(peer, sizeof peer, "%s:%s", host, serv);
	ls->fn(ls->arg, fd, peer);
}

static void loop_listener_backoff_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop_listener *ls = arg;
	evconnlistener_enable(ls->lev);
}

static void loop_listener_error_cb(struct evconnlistener *lev, void *arg)
{
	struct loop_listener *ls = arg;
	struct timeval tv = {0, LOOP_ACCEPT_BACKOFF_MS * 1000};
	evconnlistener_disable(lev);
	evtimer_add(ls->backoff, &tv);
}

struct loop_listener *loop_listen(struct loop *l, const char *host, int port, loop_accept_fn fn,
                                  void *arg, struct sg_error *err)
{
	struct addrinfo hints, *ai = NULL;
	struct loop_listener *ls;
	char serv[16];
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(serv, sizeof serv, "%d", port);
	rc = getaddrinfo(host && *host ? host : NULL, serv, &hints, &ai);
	if (rc != 0) {
		error_set(err, SG_EIO, "cannot resolve listen address %s: %s", host ? host : "*",
		          gai_strerror(rc));
		return NULL;
	}
	ls = calloc(1, sizeof *ls);
	if (!ls) {
		freeaddrinfo(ai);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	ls->loop = l;
	ls->fn = fn;
	ls->arg = arg;
	ls->backoff = evtimer_new(l->base, loop_listener_backoff_cb, ls);
	ls->lev = evconnlistener_new_bind(l->base, loop_listener_accept_cb, ls,
	                                  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	                                      LEV_OPT_CLOSE_ON_EXEC,
	                                  -1, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (!ls->lev || !ls->backoff) {
		error_set(err, SG_EIO, "cannot listen on %s:%d: %s", host ? host : "*", port,
		          strerror(errno));
		loop_listener_free(ls);
		return NULL;
	}
	evconnlistener_set_error_cb(ls->lev, loop_listener_error_cb);
	if (getsockname(evconnlistener_get_fd(ls->lev), (struct sockaddr *)&ss, &sslen) == 0) {
		if (ss.ss_family == AF_INET)
			ls->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			ls->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return ls;
}

int loop_listener_port(const struct loop_listener *ls)
{
	return ls->port;
}

void loop_listener_free(struct loop_listener *ls)
{
	if (!ls)
		return;
	if (ls->lev)
		evconnlistener_free(ls->lev);
	if (ls->backoff)
		event_free(ls->backoff);
	free(ls);
}

/* Connections. */

void loop_conn_free(struct loop_conn *c)
{
	/* A stream into or out of `c` loses its other end. */
	if (c->stream_to && c->stream_to->stream_by == c)
		c->stream_to->stream_by = NULL;
	if (c->stream_by && c->stream_by->stream_to == c)
		c->stream_by->stream_to = NULL;
	/* The socket events go first, and TLS says goodbye (close_notify, as
	 * far as the socket takes it without waiting): the bufferevent closes
	 * the socket. */
	if (c->rd)
		event_free(c->rd);
	if (c->wr)
		event_free(c->wr);
	if (c->hs_timer)
		event_free(c->hs_timer);
	if (c->idle_ev)
		event_free(c->idle_ev);
	if (c->out_cb)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
	if (c->ssl) {
		if (!c->handshaking && !c->tls_broken && c->rd)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	if (c->bev)
		bufferevent_free(c->bev);
	if (c->in)
		evbuffer_free(c->in);
	if (c->kick)
		event_free(c->kick);
	if (c->pipe_wr)
		event_free(c->pipe_wr);
	for (int i = 0; i < 2; i++)
		if (c->pipe[i] >= 0)
			close(c->pipe[i]);
	if (c->conn_prev)
		c->conn_prev->conn_next = c->conn_next;
	else if (c->loop && c->loop->conns == c)
		c->loop->conns = c->conn_next;
	if (c->conn_next)
		c->conn_next->conn_prev = c->conn_prev;
	free(c);
}

/* Frees `c` now if no callback of it is on the stack, else marks it so the
 * outermost one frees it. */
static void loop_conn_release(struct loop_conn *c)
{
	c->dead = 1;
	c->quiet = 1;
	if (c->busy == 0)
		loop_conn_free(c);
}

/* The connection ended by itself: tells the owner (once), then releases it. */
void loop_conn_end(struct loop_conn *c, const char *why, size_t midframe)
{
	if (c->dead)
		return;
	if (!c->quiet && c->ops->closed) {
		c->busy++;
		c->ops->closed(c, c->arg, why, midframe);
		c->busy--;
	}
	loop_conn_release(c);
}

static uint32_t loop_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void loop_conn_note_output(struct loop_conn *c);

/* Bytes of an incomplete frame received so far: what is buffered, plus what
 * of a frame being streamed has already been passed on. */
size_t loop_conn_midframe(const struct loop_conn *c)
{
	size_t n = evbuffer_get_length(c->in);
	if (c->stream_left)
		n += c->frame_total - c->stream_left;
	return n;
}

/* Delivers every whole frame buffered, until paused or closed. */
static void loop_conn_deliver(struct loop_conn *c)
{
	struct evbuffer *in = c->in;
	char why[128];

	c->busy++;
	while (!c->dead && !c->flushing) {
		size_t avail = evbuffer_get_length(in);
		uint8_t hdr[4];
		uint32_t n;
		unsigned char *p;

		/* A frame being streamed takes every byte of it that arrived,
		 * paused or not (reading stops while paused). */
		if (c->stream_left) {
			size_t mv = avail < c->stream_left ? avail : c->stream_left;
			struct loop_conn *to = c->stream_to;
			if (mv == 0)
				break;
			if (!to || to->dead ||
			    evbuffer_remove_buffer(in, bufferevent_get_output(to->bev), mv) !=
			        (int)mv) {
				c->busy--;
				loop_conn_end(c, "cannot pass on a frame", 0);
				return;
			}
			loop_conn_note_output(to);
			c->stream_left -= mv;
			if (c->stream_left == 0) {
				loop_splice_stream_done(c);
				continue;
			}
			/* A stream that cannot splice goes through to's output:
			 * past its high mark, reading waits for it to drain (see
			 * loop_conn_write_cb), so a slow `to` backs up into c's
			 * socket, not into memory. */
			if (!loop_splice_allowed(c) && evbuffer_get_length(bufferevent_get_output(
			                                   to->bev)) > to->lim.out_high) {
				c->stream_wait = 1;
				loop_conn_arm(c);
			}
			break;
		}
		if (c->paused || avail < 4)
			break;
		evbuffer_copyout(in, hdr, 4);
		n = loop_be32(hdr);
		if (n > INT32_MAX || n > c->lim.max_frame) {
			if (n > INT32_MAX)
				snprintf(why, sizeof why, "negative frame length %d", (int32_t)n);
			else
				snprintf(why, sizeof why, "frame of %u bytes over the limit of %zu",
				         n, c->lim.max_frame);
			c->busy--;
			loop_conn_end(c, why, 0);
			return;
		}
		if (avail < 4 + (size_t)n) {
			size_t head = n < LOOP_HEAD_MAX ? n : LOOP_HEAD_MAX;
			if (!c->ops->frame_head || c->quiet || c->head_seen ||
			    n <= LOOP_STREAM_MIN || avail < 4 + head)
				break;
			c->head_seen = 1;
			p = evbuffer_pullup(in, (ev_ssize_t)(4 + head));
			if (!p) {
				c->busy--;
				loop_conn_end(c, "out of memory", 0);
				return;
			}
			c->in_head = 1;
			c->frame_total = 4 + (size_t)n;
			c->ops->frame_head(c, c->arg, p + 4, head, n);
			c->in_head = 0;
			if (c->stream_to)
				c->head_seen = 0;
			else
				break;
			continue;
		}
		c->head_seen = 0;
		p = evbuffer_pullup(in, (ev_ssize_t)(4 + (size_t)n));
		if (!p) {
			c->busy--;
			loop_conn_end(c, "out of memory", 0);
			return;
		}
		c->in_frame = 1;
		c->forwarded = 0;
		c->frame_total = 4 + (size_t)n;
		if (c->ops->frame && !c->quiet)
			c->ops->frame(c, c->arg, p + 4, n);
		c->in_frame = 0;
		if (!c->forwarded && !c->dead)
			evbuffer_drain(in, 4 + (size_t)n);
	}
	c->busy--;
	if (c->dead && c->busy == 0)
		loop_conn_free(c);
}

/* 1 when the connection wants input: not closing, not paused unless a
 * frame is streaming (a stream the owner accepted completes even while it
 * pauses the connection: its reply may depend on the frame's last byte),
 * and not waiting for a stream's other end. */
static int loop_conn_reading(const struct loop_conn *c)
{
	return !c->dead && !c->flushing && !(c->paused && !c->stream_left) && !c->piped &&
	       !c->await_out && !c->stream_wait;
}

/* SSL_get_error() needs this thread's error queue empty before the call it
 * explains. ERR_clear_error() walks every slot of the queue even when it is
 * empty (in OpenSSL 3.0: about 6% of the gateway's CPU when it relays TLS at
 * full speed, bench/gateway MODE=tls under perf); a look at the top costs
 * little, and the queue is almost always empty, since every failure's
 * reason is read out (tls_error_text() empties it). */
static inline void loop_tls_clear_errors(void)
{
	if (ERR_peek_error() != 0)
		ERR_clear_error();
}

/* TLS: watches the socket for what the connection waits for. The handshake
 * waits for one direction; then reading wants the socket readable unless
 * SSL_read() waits for it to be writable, and the output wants it writable
 * unless SSL_write() waits for it to be readable. */
static void loop_tls_arm(struct loop_conn *c)
{
	int rd, wr;

	if (!c->rd || !c->wr)
		return;
	if (c->dead) {
		rd = wr = 0;
	} else if (c->handshaking) {
		rd = !c->hs_want_write;
		wr = c->hs_want_write;
	} else {
		rd = c->write_wants_read || (loop_conn_reading(c) && !c->read_wants_write);
		wr = c->read_wants_write ||
		     (!c->write_wants_read && evbuffer_get_length(bufferevent_get_output(c->bev)));
	}
	if (rd)
		event_add(c->rd, NULL);
	else
		event_del(c->rd);
	if (wr)
		event_add(c->wr, NULL);
	else
		event_del(c->wr);
}

/* Watches the socket for input when the connection wants it, once
 * established (and for TLS, for what it waits for). */
void loop_conn_arm(struct loop_conn *c)
{
	if (!c->rd)
		return;
	if (c->ssl)
		loop_tls_arm(c);
	else if (loop_conn_reading(c))
		event_add(c->rd, NULL);
	else
		event_del(c->rd);
}

/* TLS: why `ssl` failed with SSL_get_error() code `e` (errno as the call
 * left it in `sys`), after "`during`: ": "peer closed" when the peer went
 * away, with or without a close_notify, "socket error: ..." or "TLS error:
 * ..." (just the reason after `during`). */
static void loop_tls_why(struct loop_conn *c, int e, int sys, const char *during, char *why,
                         size_t size)
{
	unsigned long first = ERR_peek_error();
	char text[300];

	if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && sys == 0 && first == 0) ||
	    (ERR_GET_LIB(first) == ERR_LIB_SSL &&
	     ERR_GET_REASON(first) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
		snprintf(text, sizeof text, "peer closed");
		ERR_clear_error();
	} else if (e == SSL_ERROR_SYSCALL && first == 0) {
		snprintf(text, sizeof text, "socket error: %s", strerror(sys));
	} else {
		snprintf(text, sizeof text, "%s", during ? "" : "TLS error: ");
		tls_error_text(c->ssl, text + strlen(text), sizeof text - strlen(text));
	}
	if (during)
		snprintf(why, size, "%s: %s", during, text);
	else
		snprintf(why, size, "%s", text);
	if (e != SSL_ERROR_ZERO_RETURN)
		c->tls_broken = 1;
}

/* Reads into `iov` from the socket, or through TLS as many records as fit.
 * Returns the number of bytes read, 0 when none can be read now, or -1 when
 * the connection must end, with `why` set. An end met after some bytes is
 * kept for the next call (read_end), so what came before it is delivered
 * first. */
static ssize_t loop_conn_recv(struct loop_conn *c, int fd, const struct iovec *iov, int nvec,
                              char *why, size_t size)
{
	size_t total = 0;
	ssize_t n;

	if (!c->ssl) {
		n = readv(fd, iov, nvec);
		if (n > 0)
			return n;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return 0;
		if (n < 0)
			snprintf(why, size, "socket error: %s", strerror(errno));
		else
			snprintf(why, size, "peer closed");
		return -1;
	}
	if (c->read_end) {
		snprintf(why, size, "%s", c->deferred_why);
		return -1;
	}
	for (int i = 0, off = 0; i < nvec;) {
		size_t got = 0;
		loop_tls_clear_errors();
		errno = 0;
		int r =
		    SSL_read_ex(c->ssl, (char *)iov[i].iov_base + off, iov[i].iov_len - off, &got);
		int sys = errno;
		if (r == 1) {
			total += got;
			off += (int)got;
			if ((size_t)off == iov[i].iov_len) {
				i++;
				off = 0;
			}
			continue;
		}
		int e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_WRITE)
			c->read_wants_write = 1;
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			c->tls_unread = 0; /* what OpenSSL holds is not a record yet */
			return (ssize_t)total;
		}
		loop_tls_why(c, e, sys, NULL, why, size);
		if (total == 0)
			return -1;
		snprintf(c->deferred_why, sizeof c->deferred_why, "%s", why);
		c->read_end = 1;
		break;
	}
	c->tls_unread = 1; /* stopped at the room: records may wait inside OpenSSL */
	return (ssize_t)total;
}

/* Reads what the input has room for, up to LOOP_IO_CHUNK bytes (one
 * readv(), or SSL_read()s until OpenSSL has no more), never holding more
 * than one frame at the limit plus its prefix, then delivers whole frames.
 * TLS may leave decrypted bytes inside OpenSSL, which the socket does not
 * announce: see loop_tls_more(). */
static void loop_conn_read(struct loop_conn *c, int fd)
{
	struct evbuffer *in = c->in;
	struct evbuffer_iovec vec[2];
	struct iovec iov[2];
	size_t have, cap = c->lim.max_frame + 4, room;
	ssize_t n;
	int nvec;
	char why[sizeof c->deferred_why];

	have = evbuffer_get_length(in);
	room = have < cap ? cap - have : 0;
	if (c->paused) /* only the rest of the frame being streamed */
		room = c->stream_left > have ? c->stream_left - have : 0;
	if (room > LOOP_IO_CHUNK)
		room = LOOP_IO_CHUNK;
	if (room == 0) {
		/* Not reached while frames are delivered as they complete; a guard. */
		loop_conn_deliver(c);
		return;
	}
	nvec = evbuffer_reserve_space(in, (ev_ssize_t)room, vec, 2);
	if (nvec < 0) {
		loop_conn_end(c, "out of memory", have);
		return;
	}
	/* Reserved space may exceed `room`; read no more than `room`. */
	for (size_t i = 0, left = 0; i < (size_t)nvec; i++) {
		size_t want = room - left;
		iov[i].iov_base = vec[i].iov_base;
		iov[i].iov_len = vec[i].iov_len < want ? vec[i].iov_len : want;
		left += iov[i].iov_len;
		if (left == room) {
			nvec = (int)i + 1;
			break;
		}
	}
	n = loop_conn_recv(c, fd, iov, nvec, why, sizeof why);
	if (n == 0)
		return;
	if (n < 0) {
		loop_conn_end(c, why, loop_conn_midframe(c));
		return;
	}
	/* Commit the vectors that received bytes, each with its count. */
	for (int i = 0; i < nvec; i++) {
		size_t take = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;
		vec[i].iov_len = take;
		n -= (ssize_t)take;
		if (n == 0) {
			nvec = i + 1;
			break;
		}
	}
	if (evbuffer_commit_space(in, vec, nvec) != 0) {
		loop_conn_end(c, "cannot commit read bytes", have);
		return;
	}
	loop_conn_deliver(c);
}

static void loop_tls_io(struct loop_conn *c, short what);

/* The socket is readable: a plaintext connection reads (or splices a
 * stream on); a TLS one does what waits for it (loop_tls_io). */
static void loop_conn_readable_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop_conn *c = arg;

	loop_conn_touch(c);
	if (c->ssl) {
		loop_tls_io(c, EV_READ);
		return;
	}
	if (!loop_conn_reading(c))
		return;
	if (loop_splice_readable(c, fd))
		return;
	loop_conn_read(c, fd);
}

static void loop_tls_writable_cb(evutil_socket_t fd, short what, void *arg);

/* Creates the socket events once the socket exists (for TLS, the write
 * event too, and hands the socket to OpenSSL). 0, or -1 out of memory. */
static int loop_conn_watch(struct loop_conn *c)
{
	int fd = bufferevent_getfd(c->bev);

	c->rd = event_new(c->loop->base, fd, EV_READ | EV_PERSIST, loop_conn_readable_cb, c);
	if (!c->rd)
		return -1;
	if (c->ssl) {
		c->wr =
		    event_new(c->loop->base, fd, EV_WRITE | EV_PERSIST, loop_tls_writable_cb, c);
		if (!c->wr || SSL_set_fd(c->ssl, fd) != 1)
			return -1;
	}
	loop_conn_arm(c);
	return 0;
}

/* Output was written (by the bufferevent, or for TLS by loop_tls_flush):
 * a closing connection whose output is empty is released; the owner hears
 * when congestion ends; a stream into this connection that waits for it to
 * drain reads on. */
static void loop_conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct loop_conn *c = arg;
	struct loop_conn *from = c->stream_by;
	size_t pending = evbuffer_get_length(bufferevent_get_output(bev));

	if (c->dead)
		return;
	if (from && from->stream_wait && pending <= c->lim.out_low) {
		from->stream_wait = 0;
		loop_conn_arm(from);
		event_active(from->kick, EV_READ, 0); /* TLS: what OpenSSL holds */
	}
	if (c->flushing) {
		if (pending == 0)
			loop_conn_release(c);
		return;
	}
	if (c->congested && pending <= c->lim.out_low) {
		c->congested = 0;
		if (c->ops->drained && !c->quiet) {
			c->busy++;
			c->ops->drained(c, c->arg);
			c->busy--;
			if (c->dead && c->busy == 0)
				loop_conn_free(c);
		}
	}
}

/* TLS. OpenSSL reads and writes the socket; the loop feeds it from the
 * output and drains it into the input. Each SSL call may want the socket
 * readable or writable whatever it does (a read may have to write, a write
 * to read), so the wants are kept and loop_tls_arm() watches for them.
 * Decrypted bytes left inside OpenSSL (a read that stopped at its room, a
 * pause) never make the socket readable: whoever stops reading while some
 * are left, or starts reading again, kicks the connection to read them
 * (loop_tls_more). */

/* 1 when a TLS read would get something without the socket: bytes inside
 * OpenSSL that no read has yet asked for (decrypted, or whole records read
 * ahead), or an end already met. Bytes left when a read ended on
 * WANT_READ are part of a record whose rest the socket will announce:
 * reading them again would only spin. */
static int loop_tls_more(const struct loop_conn *c)
{
	return c->ssl && !c->handshaking &&
	       (c->read_end || (c->tls_unread && SSL_has_pending(c->ssl)));
}

/* Advances the handshake; once done, the owner hears `connected`. 0, or -1
 * after ending `c`. Called with c->busy held. */
static int loop_tls_handshake(struct loop_conn *c)
{
	char why[sizeof c->deferred_why];
	int r, e, sys;

	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(c->ssl);
	sys = errno;
	if (r == 1) {
		c->handshaking = 0;
		c->tls_unread = 1; /* records may have come with the handshake's last */
		if (c->hs_timer) {
			event_del(c->hs_timer);
			atomic_fetch_add(&c->loop->hs_ok, 1);
		}
		if (c->ops->connected && !c->quiet)
			c->ops->connected(c, c->arg);
		return c->dead ? -1 : 0;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		c->hs_want_write = e == SSL_ERROR_WANT_WRITE;
		return 0;
	}
	loop_tls_why(c, e, sys, "TLS handshake failed", why, sizeof why);
	c->tls_broken = 1;
	if (c->hs_timer)
		atomic_fetch_add(&c->loop->hs_failed, 1);
	loop_conn_end(c, why, 0);
	return -1;
}

/* The length of the next SSL_write(): the output's first contiguous piece,
 * gathered up to a record when it is shorter, at most LOOP_IO_CHUNK. */
static size_t loop_tls_next_write(struct evbuffer *out)
{
	size_t len = evbuffer_get_length(out), n;
	struct evbuffer_iovec v;

	n = evbuffer_peek(out, -1, NULL, &v, 1) == 1 ? v.iov_len : 0;
	if (n < LOOP_TLS_RECORD)
		n = len < LOOP_TLS_RECORD ? len : LOOP_TLS_RECORD;
	return n < LOOP_IO_CHUNK ? n : LOOP_IO_CHUNK;
}

/* Writes the output through TLS until it is empty, the socket is full or
 * LOOP_IO_CHUNK bytes went. A write that must wait is retried with the same
 * length (OpenSSL holds its record; the bytes may have moved, which
 * SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER allows). 0, or -1 after ending `c`.
 * Called with c->busy held. */
static int loop_tls_flush(struct loop_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t before = evbuffer_get_length(out), sent = 0;
	char why[sizeof c->deferred_why];

	while (sent < LOOP_IO_CHUNK && evbuffer_get_length(out) > 0) {
		size_t n = c->tls_wlen ? c->tls_wlen : loop_tls_next_write(out), done = 0;
		unsigned char *p = evbuffer_pullup(out, (ev_ssize_t)n);
		int r, e, sys;

		if (!p) {
			loop_conn_end(c, "out of memory", loop_conn_midframe(c));
			return -1;
		}
		loop_tls_clear_errors();
		errno = 0;
		r = SSL_write_ex(c->ssl, p, n, &done);
		sys = errno;
		if (r == 1) {
			evbuffer_drain(out, done);
			sent += done;
			c->tls_wlen = 0;
			continue;
		}
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
			c->tls_wlen = n;
			c->write_wants_read = e == SSL_ERROR_WANT_READ;
			break;
		}
		loop_tls_why(c, e, sys, NULL, why, sizeof why);
		loop_conn_end(c, why, loop_conn_midframe(c));
		return -1;
	}
	if (evbuffer_get_length(out) < before)
		loop_conn_write_cb(c->bev, c);
	return c->dead ? -1 : 0;
}

/* TLS: the socket became readable (EV_READ) or writable (EV_WRITE), or a
 * kick asks to read what OpenSSL holds (EV_READ): advances the handshake,
 * then writes if the output waited for this, then reads if the input did,
 * and watches the socket for what is left. */
static void loop_tls_io(struct loop_conn *c, short what)
{
	int hs = c->handshaking, flush, read;

	if (c->dead)
		return;
	c->busy++;
	if (hs && (loop_tls_handshake(c) != 0 || c->handshaking))
		goto out;
	/* Just handshaken: frames queued meanwhile go out, and bytes that
	 * came with the handshake's last record are read. */
	flush = hs || (what & EV_WRITE) || ((what & EV_READ) && c->write_wants_read);
	read = hs || (what & EV_READ) || ((what & EV_WRITE) && c->read_wants_write);
	if (flush) {
		c->write_wants_read = 0;
		if (loop_tls_flush(c) != 0)
			goto out;
	}
	if (read && loop_conn_reading(c)) {
		c->read_wants_write = 0;
		loop_conn_read(c, -1);
		/* Stopped at its room with more inside OpenSSL: read it on
		 * the next turn of the loop, as the socket will not say. */
		if (!c->dead && loop_conn_reading(c) && !c->read_wants_write && loop_tls_more(c))
			event_active(c->kick, EV_READ, 0);
	}
out:
	loop_conn_arm(c);
	c->busy--;
	if (c->dead && c->busy == 0)
		loop_conn_free(c);
}

static void loop_tls_writable_cb(evutil_socket_t fd, short what, void *arg)
{
	loop_tls_io(arg, EV_WRITE);
}

static void loop_conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct loop_conn *c = arg;
	char why[sizeof c->deferred_why];
	size_t midframe;

	if (c->dead)
		return;
	if (what & BEV_EVENT_CONNECTED) {
		int one = 1;
		c->connecting = 0;
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (loop_conn_watch(c) != 0) {
			loop_conn_end(c, "out of memory", 0);
			return;
		}
		if (c->flushing) {
			if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
				loop_conn_release(c);
			return;
		}
		/* TLS: the handshake starts once the socket is writable, and
		 * `connected` waits for its end. */
		if (c->ops->connected && !c->quiet && !c->ssl) {
			c->busy++;
			c->ops->connected(c, c->arg);
			c->busy--;
			if (c->dead && c->busy == 0)
				loop_conn_free(c);
		}
		return;
	}
	if (c->flushing) {
		loop_conn_release(c);
		return;
	}
	if (c->connecting) {
		int dnserr = bufferevent_socket_get_dns_error(bev);
		snprintf(why, sizeof why, "connect to %s failed: %s", c->peer,
		         dnserr ? evutil_gai_strerror(dnserr)
		                : evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	} else if (what & BEV_EVENT_EOF) {
		snprintf(why, sizeof why, "peer closed");
	} else {
		snprintf(why, sizeof why, "socket error: %s",
		         evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	}
	if (c->starting) {
		snprintf(c->deferred_why, sizeof c->deferred_why, "%s", why);
		event_active(c->kick, EV_READ, 0);
		return;
	}
	midframe = loop_conn_midframe(c);
	loop_conn_end(c, why, midframe);
}

/* Ends a connection whose connect failed while starting; delivers frames
 * buffered before a resume; for TLS, then reads what OpenSSL holds. */
static void loop_conn_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop_conn *c = arg;
	if (c->dead)
		return;
	if (c->deferred_why[0] && !c->read_end) {
		loop_conn_end(c, c->deferred_why, 0);
		return;
	}
	c->busy++;
	loop_conn_deliver(c);
	if (!c->dead && loop_conn_reading(c) && !c->read_wants_write && loop_tls_more(c))
		loop_tls_io(c, EV_READ);
	c->busy--;
	if (c->dead && c->busy == 0)
		loop_conn_free(c);
}

/* An accepted TLS connection's handshake took too long: it ends, counted,
 * and no other connection notices. */
static void loop_conn_hs_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop_conn *c = arg;
	char why[sizeof c->deferred_why];

	if (c->dead || !c->handshaking)
		return;
	atomic_fetch_add(&c->loop->hs_timedout, 1);
	loop_why_after(why, sizeof why, LOOP_WHY_HANDSHAKE, c->hs_ms);
	c->tls_broken = 1; /* no close_notify into a handshake */
	loop_conn_end(c, why, 0);
}

/* Whether an idle connection is excused (see loop_limits in loop.h). */
static int loop_conn_idle_excused(struct loop_conn *c)
{
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
		return 0;
	if (c->handshaking || c->connecting || !loop_conn_reading(c))
		return 1;
	return c->ops->owes && !c->quiet && c->ops->owes(c, c->arg);
}

static void loop_conn_idle_arm(struct loop_conn *c, uint64_t ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
	evtimer_add(c->idle_ev, &tv);
}

/* The idle clock may have run out: ends the connection if it did and
 * nothing excuses it, else looks again when it may next run out. */
static void loop_conn_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop_conn *c = arg;
	uint64_t now = loop_now_ms(), since;
	char why[64];

	if (c->dead)
		return;
	since = now > c->last_io ? now - c->last_io : 0;
	if (since < c->lim.idle_ms) {
		loop_conn_idle_arm(c, c->lim.idle_ms - since);
		return;
	}
	c->busy++;
	int excused = loop_conn_idle_excused(c);
	c->busy--;
	if (c->dead) {
		if (c->busy == 0)
			loop_conn_free(c);
		return;
	}
	if (excused) {
		c->last_io = now;
		loop_conn_idle_arm(c, c->lim.idle_ms);
		return;
	}
	atomic_fetch_add(&c->loop->idle_timedout, 1);
	loop_why_after(why, sizeof why, LOOP_WHY_IDLE, c->lim.idle_ms);
	loop_conn_end(c, why, loop_conn_midframe(c));
}

/* The output lost bytes: they were written (or dropped at the end). */
static void loop_conn_out_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	if (info->n_deleted)
		loop_conn_touch(arg);
}

/* A connection on socket `fd` (-1: not yet connected), plaintext or TLS
 * with `ssl`; takes `fd` and `ssl` even on failure. */
static struct loop_conn *loop_conn_new(struct loop *l, evutil_socket_t fd, SSL *ssl,
                                       const struct loop_conn_ops *ops, void *arg,
                                       const struct loop_limits *lim, struct sg_error *err)
{
	static const struct loop_conn_ops no_ops;
	struct loop_conn *c = calloc(1, sizeof *c);
	if (!c) {
		if (fd >= 0)
			evutil_closesocket(fd);
		SSL_free(ssl);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	if (ssl) {
		c->ssl = ssl;
		c->handshaking = 1;
		c->hs_want_write = !SSL_is_server(ssl); /* the client speaks first */
	}
	c->loop = l;
	c->conn_next = l->conns;
	if (l->conns)
		l->conns->conn_prev = c;
	l->conns = c;
	c->pipe[0] = c->pipe[1] = -1;
	c->ops = ops ? ops : &no_ops;
	c->arg = arg;
	if (lim)
		c->lim = *lim;
	if (!c->lim.max_frame)
		c->lim.max_frame = LOOP_DEFAULT_MAX_FRAME;
	if (c->lim.max_frame > INT32_MAX)
		c->lim.max_frame = INT32_MAX;
	if (!c->lim.out_high)
		c->lim.out_high = LOOP_DEFAULT_OUT_HIGH;
	if (!c->lim.out_low)
		c->lim.out_low = LOOP_DEFAULT_OUT_LOW;
	if (c->lim.out_low > c->lim.out_high)
		c->lim.out_low = c->lim.out_high;
	c->bev = bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->kick = event_new(l->base, -1, 0, loop_conn_kick_cb, c);
	c->in = evbuffer_new();
	if (!c->bev || !c->kick || !c->in) {
		if (!c->bev && fd >= 0)
			evutil_closesocket(fd);
		loop_conn_free(c);
		error_set(err, SG_ENOMEM, "cannot create a buffered connection");
		return NULL;
	}
	if (c->lim.idle_ms) {
		c->idle_ev = evtimer_new(l->base, loop_conn_idle_cb, c);
		c->out_cb = evbuffer_add_cb(bufferevent_get_output(c->bev), loop_conn_out_cb, c);
		if (!c->idle_ev || !c->out_cb) {
			loop_conn_free(c);
			error_set(err, SG_ENOMEM, "cannot time a connection");
			return NULL;
		}
		c->last_io = loop_now_ms();
		loop_conn_idle_arm(c, c->lim.idle_ms);
	}
	bufferevent_setcb(c->bev, NULL, loop_conn_write_cb, loop_conn_event_cb, c);
	bufferevent_set_max_single_write(c->bev, LOOP_IO_CHUNK);
	bufferevent_setwatermark(c->bev, EV_WRITE, c->lim.out_low, 0);
	if (ssl) {
		/* TLS writes through loop_tls_flush, which drains the output
		 * the bufferevent keeps frozen at its start for itself. */
		bufferevent_disable(c->bev, EV_WRITE);
		evbuffer_unfreeze(bufferevent_get_output(c->bev), 1);
	} else {
		bufferevent_enable(c->bev, EV_WRITE);
	}
	if (fd >= 0 && loop_conn_watch(c) != 0) {
		loop_conn_free(c);
		error_set(err, SG_ENOMEM, "cannot create a buffered connection");
		return NULL;
	}
	return c;
}

/* loop_conn_accept(), TLS with `ssl` when not NULL. */
static struct loop_conn *loop_conn_accept_ssl(struct loop *l, int fd, const char *peer, SSL *ssl,
                                              const struct loop_conn_ops *ops, void *arg,
                                              const struct loop_limits *lim, struct sg_error *err)
{
	struct loop_conn *c;
	int one = 1;

	evutil_make_socket_nonblocking(fd);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c = loop_conn_new(l, fd, ssl, ops, arg, lim, err);
	if (!c)
		return NULL;
	snprintf(c->peer, sizeof c->peer, "%s", peer ? peer : "?");
	if (ssl) {
		struct timeval tv = {(time_t)(l->handshake_ms / 1000),
		                     (suseconds_t)(l->handshake_ms % 1000) * 1000};
		c->hs_ms = l->handshake_ms;
		c->hs_timer = evtimer_new(l->base, loop_conn_hs_timeout_cb, c);
		if (!c->hs_timer || evtimer_add(c->hs_timer, &tv) != 0) {
			loop_conn_free(c);
			error_set(err, SG_ENOMEM, "cannot time the TLS handshake");
			return NULL;
		}
	}
	return c;
}

struct loop_conn *loop_conn_accept(struct loop *l, int fd, const char *peer,
                                   const struct loop_conn_ops *ops, void *arg,
                                   const struct loop_limits *lim, struct sg_error *err)
{
	return loop_conn_accept_ssl(l, fd, peer, NULL, ops, arg, lim, err);
}

struct loop_conn *loop_conn_accept_tls(struct loop *l, int fd, const char *peer,
                                       struct tls_ctx *tls, const struct loop_conn_ops *ops,
                                       void *arg, const struct loop_limits *lim,
                                       struct sg_error *err)
{
	SSL *ssl = tls_ctx_is_server(tls) ? tls_ssl_new(tls, NULL, err) : NULL;

	if (!ssl) {
		error_set(err, SG_EUNPROCESSABLE, "accepting TLS needs a server context");
		evutil_closesocket(fd);
		return NULL;
	}
	return loop_conn_accept_ssl(l, fd, peer, ssl, ops, arg, lim, err);
}

/* loop_conn_connect(), TLS with `ssl` when not NULL. */
static struct loop_conn *loop_conn_connect_ssl(struct loop *l, const char *host, int port, SSL *ssl,
                                               const struct loop_conn_ops *ops, void *arg,
                                               const struct loop_limits *lim, struct sg_error *err)
{
	struct loop_conn *c = loop_conn_new(l, -1, ssl, ops, arg, lim, err);
	int rc;

	if (!c)
		return NULL;
	if (strchr(host, ':'))
		snprintf(c->peer, sizeof c->peer, "[%s]:%d", host, port);
	else
		snprintf(c->peer, sizeof c->peer, "%s:%d", host, port);
	c->connecting = 1;
	c->starting = 1;
	rc = bufferevent_socket_connect_hostname(c->bev, l->dns, AF_UNSPEC, host, port);
	c->starting = 0;
	if (rc != 0 && !c->deferred_why[0]) {
		error_set(err, SG_EIO, "cannot start connecting to %s", c->peer);
		loop_conn_free(c);
		return NULL;
	}
	return c;
}

struct loop_conn *loop_conn_connect(struct loop *l, const char *host, int port,
                                    const struct loop_conn_ops *ops, void *arg,
                                    const struct loop_limits *lim, struct sg_error *err)
{
	return loop_conn_connect_ssl(l, host, port, NULL, ops, arg, lim, err);
}

struct loop_conn *loop_conn_connect_tls(struct loop *l, const char *host, int port,
                                        struct tls_ctx *tls, const char *name,
                                        const struct loop_conn_ops *ops, void *arg,
                                        const struct loop_limits *lim, struct sg_error *err)
{
	SSL *ssl;

	if (tls_ctx_is_server(tls)) {
		error_set(err, SG_EUNPROCESSABLE, "connecting with TLS needs a client context");
		return NULL;
	}
	if (!(ssl = tls_ssl_new(tls, name ? name : host, err)))
		return NULL;
	return loop_conn_connect_ssl(l, host, port, ssl, ops, arg, lim, err);
}

/* Output was queued on `c`: notes congestion; TLS watches for writability
 * (a plaintext bufferevent does so by itself). */
static void loop_conn_note_output(struct loop_conn *c)
{
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > c->lim.out_high)
		c->congested = 1;
	if (c->ssl)
		loop_tls_arm(c);
}

int loop_conn_write_frame(struct loop_conn *c, const void *p, size_t len)
{
	uint8_t hdr[4];
	struct evbuffer *out;

	if (c->dead || len > c->lim.max_frame)
		return -1;
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
	out = bufferevent_get_output(c->bev);
	if (evbuffer_expand(out, 4 + len) != 0 || evbuffer_add(out, hdr, 4) != 0 ||
	    evbuffer_add(out, p, len) != 0)
		return -1;
	loop_conn_note_output(c);
	return 0;
}

int loop_conn_forward_frame(struct loop_conn *from, struct loop_conn *to)
{
	struct evbuffer *in, *out;

	if (!from->in_frame || from->forwarded || to->dead)
		return -1;
	in = from->in;
	out = bufferevent_get_output(to->bev);
	if (evbuffer_remove_buffer(in, out, from->frame_total) != (int)from->frame_total)
		return -1;
	from->forwarded = 1;
	loop_conn_note_output(to);
	return 0;
}

struct loop_frame {
	struct evbuffer *buf; /* the prefix and the frame, in one chain */
	const uint8_t *p;     /* the frame after the prefix */
	size_t len;
};

struct loop_frame *loop_conn_take_frame(struct loop_conn *from)
{
	struct loop_frame *f;
	unsigned char *p;

	if (!from->in_frame || from->forwarded || !(f = calloc(1, sizeof *f)))
		return NULL;
	if (!(f->buf = evbuffer_new())) {
		free(f);
		return NULL;
	}
	/* The frame callback saw the frame contiguous at the front of the
	 * input, so moving it moves whole chains (or copies the part of one
	 * it shares with what follows) and the pullup below copies nothing.
	 * From here on the frame leaves the input, taken or not. */
	int moved = evbuffer_remove_buffer(from->in, f->buf, from->frame_total);
	from->forwarded = 1;
	if (moved != (int)from->frame_total) {
		evbuffer_drain(from->in, from->frame_total - (moved > 0 ? (size_t)moved : 0));
		loop_frame_free(f);
		return NULL;
	}
	if (!(p = evbuffer_pullup(f->buf, -1))) {
		loop_frame_free(f);
		return NULL;
	}
	f->p = p + 4;
	f->len = from->frame_total - 4;
	return f;
}

const uint8_t *loop_frame_data(const struct loop_frame *f, size_t *len)
{
	*len = f->len;
	return f->p;
}

int loop_conn_write_taken(struct loop_conn *to, struct loop_frame *f)
{
	int rc = -1;

	if (!to->dead && evbuffer_add_buffer(bufferevent_get_output(to->bev), f->buf) == 0) {
		loop_conn_note_output(to);
		rc = 0;
	}
	loop_frame_free(f);
	return rc;
}

void loop_frame_free(struct loop_frame *f)
{
	if (!f)
		return;
	if (f->buf)
		evbuffer_free(f->buf);
	free(f);
}

int loop_conn_stream_frame(struct loop_conn *from, struct loop_conn *to)
{
	if (!from->in_head || from->stream_to || to->dead)
		return -1;
	from->stream_to = to;
	from->stream_left = from->frame_total;
	to->stream_by = from;
	return 0;
}

int loop_conn_congested(const struct loop_conn *c)
{
	return c->congested;
}

void loop_conn_pause(struct loop_conn *c)
{
	if (c->dead || c->paused)
		return;
	c->paused = 1;
	loop_conn_arm(c);
}

void loop_conn_resume(struct loop_conn *c)
{
	if (c->dead || !c->paused)
		return;
	c->paused = 0;
	if (c->flushing)
		return;
	loop_conn_arm(c);
	/* Frames buffered, and for TLS bytes inside OpenSSL, which the socket
	 * will not announce. */
	if (evbuffer_get_length(c->in) >= 4 || loop_tls_more(c))
		event_active(c->kick, EV_READ, 0);
}

const char *loop_conn_peer(const struct loop_conn *c)
{
	return c->peer;
}

const uint8_t *loop_conn_peer_subject(const struct loop_conn *c, size_t *len)
{
	const uint8_t *der;

	if (!c->ssl || c->handshaking || tls_peer_subject_der(c->ssl, &der, len) != 0)
		return NULL;
	return der;
}

void loop_conn_close(struct loop_conn *c)
{
	if (!c || c->dead)
		return;
	loop_conn_release(c);
}

void loop_conn_close_after_flush(struct loop_conn *c)
{
	if (!c || c->dead)
		return;
	c->quiet = 1;
	c->flushing = 1;
	loop_conn_arm(c);
	if (!c->connecting && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		loop_conn_release(c);
		return;
	}
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
}

/* Timers. */

static void loop_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop_timer *t = arg;
	t->fn(t->arg);
}

struct loop_timer *loop_timer_new(struct loop *l, void (*fn)(void *arg), void *arg,
                                  struct sg_error *err)
{
	struct loop_timer *t = calloc(1, sizeof *t);
	if (!t) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	t->fn = fn;
	t->arg = arg;
	t->ev = evtimer_new(l->base, loop_timer_cb, t);
	if (!t->ev) {
		free(t);
		error_set(err, SG_ENOMEM, "cannot create a timer");
		return NULL;
	}
	return t;
}

void loop_timer_start(struct loop_timer *t, unsigned ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
	evtimer_add(t->ev, &tv);
}

void loop_timer_stop(struct loop_timer *t)
{
	evtimer_del(t->ev);
}

void loop_timer_free(struct loop_timer *t)
{
	if (!t)
		return;
	event_free(t->ev);
	free(t);
}
