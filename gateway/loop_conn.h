/* gateway/loop_conn.h: internal to gateway/loop; nothing outside loop.c
 * and loop_splice.c includes it. It holds what the two files share: the
 * connection's fields and the few functions each calls in the other.
 * gateway/loop.h is the loop's only public face.
 *
 * Threads: everything here runs on the loop thread.
 *
 * Callbacks and freeing: a function that may run the owner's callbacks or
 * end `c` holds c->busy while it does; one that ends `c` only marks it dead
 * (loop_conn_end) when a callback of it is on the stack, and the outermost
 * caller frees it once busy drops to 0.
 */
#ifndef SG_LOOP_CONN_H
#define SG_LOOP_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "gateway/loop.h"

struct bufferevent;
struct evbuffer;
struct evbuffer_cb_entry;
struct event;

/* One connection. loop.c makes, reads, writes and frees it; loop_splice.c
 * drives the fields of a stream's pipe (pipe, pipe_cap, piped, pipe_wr,
 * no_splice, await_out) and ends streams. */
struct loop_conn {
	struct loop *loop;
	struct loop_conn *conn_prev, *conn_next; /* the loop's list (struct loop.conns) */
	struct bufferevent *bev;                 /* writes and connects; its input is unused */
	struct evbuffer *in;                     /* what rd read and no frame callback took yet */
	struct event *rd;                        /* reads the socket; NULL until connected */
	struct event *kick; /* delivers buffered frames after a resume, or a deferred error */
	const struct loop_conn_ops *ops;
	void *arg;
	struct loop_limits lim;
	char peer[300];
	int busy;     /* callbacks of this connection on the stack */
	int dead;     /* free once busy drops to 0 */
	int quiet;    /* handed back by the owner: no more callbacks */
	int flushing; /* close once output is empty */
	int paused;
	int congested;
	int connecting;              /* outbound and not yet established */
	int starting;                /* inside loop_conn_connect(): errors are deferred */
	int in_frame;                /* a frame callback is running */
	int forwarded;               /* the current frame was moved by loop_conn_forward_frame */
	size_t frame_total;          /* prefix + payload of the frame being delivered */
	int in_head;                 /* a frame_head callback is running */
	int head_seen;               /* frame_head was offered the frame at the front */
	struct loop_conn *stream_to; /* where the frame being streamed goes */
	size_t stream_left;          /* bytes of it (prefix included) not yet moved */
	int pipe[2];                 /* splices the stream's bytes to stream_to; -1 until used */
	size_t pipe_cap;             /* its capacity */
	size_t piped;                /* bytes in the pipe not yet written to stream_to */
	struct event *pipe_wr;       /* stream_to's socket is writable again */
	int no_splice;               /* the frame streaming now is read as usual, not spliced */
	int await_out;               /* streaming: waits for stream_to's output to empty */
	int stream_wait;             /* streaming through buffers: waits for stream_to to drain */
	struct loop_conn *stream_by; /* the connection streaming a frame into this one */
	/* TLS (ssl not NULL): reads and writes go through ssl, on the socket
	 * events rd and wr; the bufferevent only connects and holds the
	 * output. */
	SSL *ssl;
	struct event *wr;       /* the socket is writable */
	int handshaking;        /* the handshake is not done */
	struct event *hs_timer; /* accepted: ends the connection if the handshake takes too long */
	unsigned hs_ms;         /* its delay */
	int hs_want_write;      /* the handshake waits for the socket to be writable */
	int read_wants_write;   /* SSL_read() waits for the socket to be writable */
	int write_wants_read;   /* SSL_write() waits for the socket to be readable */
	size_t tls_wlen;        /* the length SSL_write() must be retried with, 0: none */
	int tls_broken;         /* a fatal TLS or socket error: no close_notify */
	int tls_unread;         /* reading stopped short of WANT_READ: OpenSSL may hold more */
	int read_end;           /* reading ended after the last bytes read: deferred_why says how */
	char deferred_why[512]; /* an error seen while starting, or read_end's reason */
	/* Idle timeout (lim.idle_ms): idle_ev fires when the clock may have
	 * run out; last_io is when a byte was last read or written. */
	struct event *idle_ev;
	struct evbuffer_cb_entry *out_cb; /* notes the output's writes */
	uint64_t last_io;                 /* loop_now_ms() */
};

/* A coarse monotonic clock in milliseconds, cheap enough for every read. */
uint64_t loop_now_ms(void);

/* Notes that bytes moved on `c` (its idle clock starts again). */
static inline void loop_conn_touch(struct loop_conn *c)
{
	if (c->idle_ev)
		c->last_io = loop_now_ms();
}

/* In loop.c. */

/* Frees `c` and everything it holds (socket, events, TLS, pipe), unlinking a
 * stream into or out of it. No callback of it may be on the stack. */
void loop_conn_free(struct loop_conn *c);

/* The connection ended by itself: tells the owner through `closed` (once,
 * unless handed back), then frees `c`, or marks it dead when a callback of
 * it is on the stack. `midframe` is as for `closed`. */
void loop_conn_end(struct loop_conn *c, const char *why, size_t midframe);

/* Bytes of an incomplete frame received so far: what is buffered, plus what
 * of a frame being streamed has already been passed on. */
size_t loop_conn_midframe(const struct loop_conn *c);

/* Watches the socket for input when the connection wants it, once
 * established (and for TLS, for what it waits for). */
void loop_conn_arm(struct loop_conn *c);

/* In loop_splice.c: a streamed frame passed on socket to socket by splice(). */

/* 1 when c's stream may ever splice: both ends are plaintext and splice()
 * was not refused for this frame. */
int loop_splice_allowed(const struct loop_conn *c);

/* The socket `fd` of `c`, which wants input, is readable. When c's stream
 * may go on by splice() now, moves it on (or waits for stream_to's output
 * to be written first) and returns 1: the caller must not touch `c`, which
 * may be freed. Returns 0 when the caller should read the socket as usual. */
int loop_splice_readable(struct loop_conn *c, int fd);

/* The frame being streamed has passed whole, spliced or read: ends the
 * stream, closes its pipe (which must be empty) and re-arms reading. */
void loop_splice_stream_done(struct loop_conn *c);

#endif
