/* gateway/loop_splice.c: part of gateway/loop (its shared parts are in
 * loop_conn.h). Passes the rest of a streamed frame (loop_conn_stream_frame)
 * from one plaintext connection's socket to another's with splice().
 *
 * Once the part of a frame that was buffered has moved to stream_to's output
 * and that output has been written, the rest of the frame goes socket ->
 * pipe -> socket with splice(): the kernel moves the pages and the gateway
 * copies nothing. While the pipe holds bytes `c` does not read; bytes leave
 * in the order they came because splicing starts only once stream_to's
 * output is empty and, by the contract of loop_conn_stream_frame(), nothing
 * else is written to stream_to while the frame streams. Any other case
 * (bytes still buffered, not yet connected, splice() refused) reads the
 * stream into the input buffer as usual (loop.c); output still pending
 * waits for the socket (await_out).
 *
 * Threads: the loop thread only.
 */
#define _GNU_SOURCE /* splice(), F_SETPIPE_SZ (Linux) */
#include "gateway/loop_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

/* The pipe a streamed frame is spliced through (see loop_conn_splice): the
 * most bytes one splice() moves (256 KiB cost a third more CPU per GiB than
 * 1 MiB). A pipe lives only while its frame streams, since an unprivileged
 * user's pipes share a budget (fs/pipe-user-pages-soft, 64 MiB by default:
 * 64 such pipes at once); past it the kernel grants pipes of one page, and a
 * stream that gets less than LOOP_SPLICE_MIN_PIPE is read through the buffer
 * instead. */
#define LOOP_SPLICE_PIPE     ((size_t)1 << 20)
#define LOOP_SPLICE_MIN_PIPE ((size_t)64 << 10)

static int loop_conn_to_fd(const struct loop_conn *to)
{
	return bufferevent_getfd(to->bev);
}

/* 1 when c's stream may ever splice: both ends are plaintext (TLS records
 * are read and written by OpenSSL) and splice() was not refused. */
int loop_splice_allowed(const struct loop_conn *c)
{
	return !c->no_splice && !c->ssl && c->stream_to && !c->stream_to->ssl;
}

/* 1 when c's stream may go on by splice() from now: it streams to a
 * connection that is up, and nothing of it is buffered on this side. */
static int loop_conn_splicing(const struct loop_conn *c)
{
	const struct loop_conn *to = c->stream_to;
	return c->stream_left > 0 && loop_splice_allowed(c) && !to->dead && !to->connecting &&
	       !to->flushing && evbuffer_get_length(c->in) == 0;
}

/* 1 when stream_to's output is empty, so that what is spliced now follows
 * it; 0 when the caller must wait for stream_to's socket to be writable and
 * ask again. The output is not written here: stream_to's bufferevent writes
 * it by itself (and runs loop_conn_write_cb), and libevent keeps it frozen
 * at its start for that, so evbuffer_write() on it would only fail. */
static int loop_conn_to_written(const struct loop_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->stream_to->bev)) == 0;
}

/* Closes the pipe, which must be empty. */
static void loop_conn_pipe_close(struct loop_conn *c)
{
	for (int i = 0; i < 2; i++)
		if (c->pipe[i] >= 0)
			close(c->pipe[i]);
	c->pipe[0] = c->pipe[1] = -1;
	c->pipe_cap = 0;
}

/* Makes the pipe for the frame streaming now. 0, or -1 when there is none
 * or the kernel grants less than LOOP_SPLICE_MIN_PIPE (the frame is then
 * read as usual). */
static int loop_conn_pipe(struct loop_conn *c)
{
	if (c->pipe[0] >= 0)
		return 0;
	if (pipe(c->pipe) != 0) {
		c->pipe[0] = c->pipe[1] = -1;
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		evutil_make_socket_nonblocking(c->pipe[i]);
		evutil_make_socket_closeonexec(c->pipe[i]);
	}
	int got = fcntl(c->pipe[1], F_SETPIPE_SZ, (int)LOOP_SPLICE_PIPE);
	if (got <= 0)
		got = fcntl(c->pipe[1], F_GETPIPE_SZ);
	if (got < (int)LOOP_SPLICE_MIN_PIPE) {
		loop_conn_pipe_close(c);
		return -1;
	}
	c->pipe_cap = (size_t)got;
	return 0;
}

/* The frame being streamed has passed whole, spliced or read: the stream
 * ends, its pipe (empty: while the pipe holds bytes nothing is read, and
 * splicing starts only with nothing buffered) is closed, and c reads on
 * (or stops, if paused). */
void loop_splice_stream_done(struct loop_conn *c)
{
	if (c->stream_to && c->stream_to->stream_by == c)
		c->stream_to->stream_by = NULL;
	c->stream_to = NULL;
	c->stream_wait = 0;
	c->no_splice = 0;
	loop_conn_pipe_close(c);
	loop_conn_arm(c);
}

static void loop_conn_pipe_wr_cb(evutil_socket_t fd, short what, void *arg);
static int loop_conn_wait_to(struct loop_conn *c);

/* Writes what the pipe holds to stream_to. Returns 0 when the pipe is empty,
 * 1 when stream_to is full (pipe_wr then waits for it), -1 after ending `c`. */
static int loop_conn_pipe_drain(struct loop_conn *c)
{
	struct loop_conn *to = c->stream_to;
	char why[sizeof c->deferred_why];

	while (c->piped > 0) {
		ssize_t m = splice(c->pipe[0], NULL, loop_conn_to_fd(to), NULL, c->piped,
		                   SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
		if (m > 0) {
			c->piped -= (size_t)m;
			loop_conn_touch(to);
			continue;
		}
		if (m < 0 && errno == EINTR)
			continue;
		if (m < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return loop_conn_wait_to(c) == 0 ? 1 : -1;
		snprintf(why, sizeof why, "cannot pass on a frame: %s",
		         m < 0 ? strerror(errno) : "peer closed");
		loop_conn_end(c, why, loop_conn_midframe(c));
		return -1;
	}
	return 0;
}

/* stream_to can take more: drains the pipe or flushes its output, then
 * reads on. */
static void loop_conn_pipe_wr_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop_conn *c = arg;
	if (c->dead)
		return;
	c->busy++;
	if (c->piped) {
		int rc = loop_conn_pipe_drain(c);
		if (rc == 0) {
			if (c->stream_left == 0)
				loop_splice_stream_done(c);
			else
				loop_conn_arm(c);
		}
	} else if (c->await_out) {
		if (!c->stream_to || c->stream_to->dead || loop_conn_to_written(c)) {
			c->await_out = 0;
			loop_conn_arm(c);
		} else if (event_add(c->pipe_wr, NULL) != 0) {
			loop_conn_end(c, "out of memory", loop_conn_midframe(c));
		}
	}
	c->busy--;
	if (c->dead && c->busy == 0)
		loop_conn_free(c);
}

/* Waits (not reading) until stream_to's socket is writable. 0, or -1 after
 * ending `c`. */
static int loop_conn_wait_to(struct loop_conn *c)
{
	int fd = loop_conn_to_fd(c->stream_to);
	if (c->pipe_wr && event_get_fd(c->pipe_wr) != fd) {
		event_free(c->pipe_wr);
		c->pipe_wr = NULL;
	}
	if (!c->pipe_wr)
		c->pipe_wr =
		    event_new(bufferevent_get_base(c->bev), fd, EV_WRITE, loop_conn_pipe_wr_cb, c);
	if (!c->pipe_wr || event_add(c->pipe_wr, NULL) != 0) {
		loop_conn_end(c, "out of memory", loop_conn_midframe(c));
		return -1;
	}
	event_del(c->rd);
	return 0;
}

/* Moves the next bytes of the stream with splice(). Returns 1 when it moved
 * some (or must wait for stream_to), 0 when splice() is refused (read as
 * usual), -1 after ending `c` (or EAGAIN: nothing to do). */
static int loop_conn_splice(struct loop_conn *c, int fd)
{
	char why[sizeof c->deferred_why];
	size_t want;
	ssize_t n;

	if (loop_conn_pipe(c) != 0) {
		c->no_splice = 1; /* for this frame: cleared when it has passed */
		return 0;
	}
	want = c->stream_left < c->pipe_cap ? c->stream_left : c->pipe_cap;
	n = splice(fd, NULL, c->pipe[1], NULL, want, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return -1;
		if (errno == EINVAL || errno == ENOSYS) {
			c->no_splice = 1; /* for this frame */
			return 0;
		}
		snprintf(why, sizeof why, "socket error: %s", strerror(errno));
		loop_conn_end(c, why, loop_conn_midframe(c));
		return -1;
	}
	if (n == 0) {
		loop_conn_end(c, "peer closed", loop_conn_midframe(c));
		return -1;
	}
	c->stream_left -= (size_t)n;
	c->piped = (size_t)n;
	int rc = loop_conn_pipe_drain(c);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 1; /* reading waits until the pipe drains */
	if (c->stream_left == 0)
		loop_splice_stream_done(c);
	return 1;
}

int loop_splice_readable(struct loop_conn *c, int fd)
{
	int read_as_usual = 0;

	if (!loop_conn_splicing(c))
		return 0;
	/* The stream's bytes wait in the socket until the output ahead of
	 * them is written, then move by splice(). */
	c->busy++;
	if (loop_conn_to_written(c))
		read_as_usual = loop_conn_splice(c, fd) == 0;
	else if (loop_conn_wait_to(c) == 0)
		c->await_out = 1;
	c->busy--;
	if (c->dead && c->busy == 0)
		loop_conn_free(c);
	return !read_as_usual;
}
