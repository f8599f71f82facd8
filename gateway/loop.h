/* gateway/loop.h: a small event loop over libevent for length-prefixed
 * framed connections. It knows nothing of Kafka: it accepts and opens TCP
 * connections, plaintext or TLS, splits their input into frames by a 4-byte
 * big-endian length prefix with a hard size limit, writes frames, applies
 * backpressure through output high/low marks, and runs one-shot timers.
 *
 * TLS (gateway/tls makes the contexts): a TLS connection handshakes first,
 * then frames go through OpenSSL on the same non-blocking socket with the
 * same limits, pauses and marks as plaintext; only splice() is left out
 * (streamed frames pass through buffers). A connection keeps the context it
 * was made with: a context made later (certificates rotated) serves the
 * connections made after it.
 *
 * Threads: everything here runs on the thread that calls loop_run(), except
 * loop_stop(), which any thread or a signal handler may call.
 *
 * Ownership: the caller owns what it creates (loop, listeners, connections,
 * timers) and frees it with the matching _free/_close, in any order before
 * loop_free(). One exception: when a connection ends by itself (peer EOF,
 * socket error, frame over the limit, failed connect) the loop calls the
 * `closed` callback and then frees the connection; the owner must drop its
 * pointer in that callback. loop_conn_close() and loop_conn_close_after_flush()
 * hand the connection back to the loop: no callback of it runs afterwards.
 * Any of these may be called from inside a callback of the same connection;
 * the loop then frees it once that callback returns.
 */
#ifndef SG_LOOP_H
#define SG_LOOP_H

#include <stddef.h>
#include <stdint.h>

struct sg_error;
struct tls_ctx;
struct loop;
struct loop_listener;
struct loop_conn;
struct loop_timer;

/* Creates a loop (an event base, a DNS resolver, a stop pipe). NULL on
 * failure with `err` set. */
struct loop *loop_new(struct sg_error *err);

/* Frees the loop. Every listener and timer must be gone, and every
 * connection closed; a connection closed with loop_conn_close_after_flush()
 * that had not finished flushing (or connecting) is freed here. Accepts
 * NULL. */
void loop_free(struct loop *l);

/* Runs callbacks until loop_stop(). Blocks. Returns 0, or -1 with `err` set
 * if the event base failed. A stop requested before loop_run() makes it
 * return at once. */
int loop_run(struct loop *l, struct sg_error *err);

/* Asks loop_run() to return. Async-signal-safe and thread-safe (it writes
 * one byte to a pipe). */
void loop_stop(struct loop *l);

/* Called for each accepted socket `fd`, which the callee then owns (give it
 * to loop_conn_accept() or close it). `peer` is "ip:port", borrowed. */
typedef void (*loop_accept_fn)(void *arg, int fd, const char *peer);

/* Listens on host:port (port 0 picks a free port). `host` is a name or a
 * numeric address. NULL on failure with `err` set (SG_EIO). */
struct loop_listener *loop_listen(struct loop *l, const char *host, int port, loop_accept_fn fn,
                                  void *arg, struct sg_error *err);

/* The port the listener is bound to. */
int loop_listener_port(const struct loop_listener *ls);

/* Stops listening and frees. Accepts NULL. */
void loop_listener_free(struct loop_listener *ls);

/* What a connection reports to its owner. Every callback receives the `arg`
 * given when the connection was made. Any member may be NULL. */
struct loop_conn_ops {
	/* One whole frame arrived: `len` bytes that followed the length prefix,
	 * contiguous and borrowed until the callback returns. Frames are
	 * delivered in order, one at a time, and not while the connection is
	 * paused. */
	void (*frame)(struct loop_conn *c, void *arg, const uint8_t *p, size_t len);
	/* A frame of `len` bytes, over LOOP_STREAM_MIN, has begun to arrive:
	 * `p` holds its first `avail` bytes (min(len, LOOP_HEAD_MAX)), borrowed
	 * until the callback returns. The callee may call
	 * loop_conn_stream_frame() to pass the frame on to another connection
	 * as its bytes arrive (cut-through); `frame` is then not called for it.
	 * Otherwise the loop waits for the whole frame and calls `frame` as
	 * usual. Called at most once a frame. */
	void (*frame_head)(struct loop_conn *c, void *arg, const uint8_t *p, size_t avail,
	                   size_t len);
	/* An outbound connection is established; for TLS, once its handshake
	 * is done, and also for an accepted TLS connection once its handshake
	 * is done (loop_conn_peer_subject() then answers). Not called for an
	 * accepted plaintext connection. */
	void (*connected)(struct loop_conn *c, void *arg);
	/* The output went above the high mark and has now drained to the low
	 * mark or below: whoever paused itself for this side may resume. */
	void (*drained)(struct loop_conn *c, void *arg);
	/* Asked when the idle timeout (loop_limits.idle_ms) would end the
	 * connection: nonzero when the owner still owes the peer something it
	 * waits for (an answer to a request in flight), which excuses it. NULL:
	 * never. Must not close the connection. */
	int (*owes)(struct loop_conn *c, void *arg);
	/* The connection ended by itself; `why` says how ("peer closed",
	 * "frame of N bytes over the limit of M", "connect to h:p failed: ...",
	 * "TLS handshake failed: certificate verify failed (...)", "idle for
	 * 600 s": see LOOP_WHY_IDLE).
	 * `midframe` is the number of bytes of an incomplete frame that were
	 * buffered when it ended (0 for a clean end). The loop frees the
	 * connection when this returns. */
	void (*closed)(struct loop_conn *c, void *arg, const char *why, size_t midframe);
};

/* Frames longer than this may be streamed (see frame_head); the head
 * offered is at most LOOP_HEAD_MAX bytes. */
#define LOOP_STREAM_MIN ((size_t)64 << 10)
#define LOOP_HEAD_MAX   ((size_t)64 << 10)

/* Limits of one connection. A frame whose length prefix is negative or above
 * `max_frame` ends the connection. Output above `out_high` bytes makes
 * loop_conn_congested() true until it drains to `out_low`. Zero fields take
 * defaults: max_frame 100 MiB, out_high 4 MiB, out_low 1 MiB, idle_ms none.
 *
 * Idle timeout (`idle_ms`, 0: none). The connection's clock starts when it
 * is made and again at every byte read from its socket and every byte of
 * its output written to it. When `idle_ms` pass on the clock, the connection
 * is idle, and ends through `closed` ("idle for 600 s", counted in
 * loop_stats()), unless it is excused at that moment; an excused connection's
 * clock starts again. It is excused when its output is empty (nothing waits
 * for the peer to read it) and
 *   - its owner still owes it an answer (ops->owes: a request in flight, such
 *     as a long-poll fetch the peer waits for), or
 *   - the loop is not reading it: its owner paused it, or a frame it streams
 *     waits for the other end (the peer waits for us, not we for it), or
 *   - its TLS handshake is not done (the handshake timeout covers that).
 * So a peer that connects and sends nothing, or sends half a frame and
 * stalls, is idle; so is one that stops reading what it is sent (its output
 * waits and none of it is written), whatever it owes. The check runs when
 * the clock runs out, not at every byte: reading and writing only note the
 * time. */
struct loop_limits {
	size_t max_frame;
	size_t out_high;
	size_t out_low;
	unsigned idle_ms;
};

/* How a connection closed by its idle timeout begins its `why`. */
#define LOOP_WHY_IDLE "idle for "

/* An accepted TLS connection (loop_conn_accept_tls) whose handshake is not
 * done `ms` milliseconds after the accept ends through `closed` ("TLS
 * handshake not done within 10 s"), and counts in loop_stats(); other
 * connections never notice. Applies to connections accepted from then on;
 * 0 restores the default, 10000. An outbound connection's owner times its
 * connect and handshake itself. */
void loop_set_tls_handshake_timeout(struct loop *l, unsigned ms);

/* How a connection closed by its TLS handshake timeout begins its `why`. */
#define LOOP_WHY_HANDSHAKE "TLS handshake not done within "

/* Counts of the loop's connections since loop_new(): accepted TLS
 * connections' handshakes, and connections ended by their idle timeout. */
struct loop_stats {
	unsigned long tls_handshakes_ok;     /* handshakes done */
	unsigned long tls_handshakes_failed; /* handshakes that failed (bad certificate, ...) */
	unsigned long
	    tls_handshakes_timedout; /* not done in time (loop_set_tls_handshake_timeout) */
	unsigned long idle_timeouts; /* ended by loop_limits.idle_ms */
};

/* Reads the counts. Any thread (they are atomic; they are not read as one
 * snapshot). */
void loop_stats(const struct loop *l, struct loop_stats *out);

/* A wake-up that any thread may send: `fn` runs on the loop thread soon
 * after loop_async_send(); sends that come before it runs are coalesced
 * into one run. */
struct loop_async;

/* NULL on failure with `err` set. */
struct loop_async *loop_async_new(struct loop *l, void (*fn)(void *arg), void *arg,
                                  struct sg_error *err);
/* Thread-safe and async-signal-safe (it writes one byte to a pipe). */
void loop_async_send(struct loop_async *a);
/* Loop thread, or once the loop no longer runs. Accepts NULL. */
void loop_async_free(struct loop_async *a);

/* Wraps an accepted socket (from a loop_accept_fn); takes `fd` even on
 * failure. NULL on failure with `err` set. */
struct loop_conn *loop_conn_accept(struct loop *l, int fd, const char *peer,
                                   const struct loop_conn_ops *ops, void *arg,
                                   const struct loop_limits *lim, struct sg_error *err);

/* loop_conn_accept() for TLS: the handshake with the server context `tls`
 * comes first; `connected` reports its end, and a failed one ends the
 * connection through `closed`. `tls` is borrowed: the connection keeps what
 * it needs of it. Takes `fd` even on failure. */
struct loop_conn *loop_conn_accept_tls(struct loop *l, int fd, const char *peer,
                                       struct tls_ctx *tls, const struct loop_conn_ops *ops,
                                       void *arg, const struct loop_limits *lim,
                                       struct sg_error *err);

/* Starts connecting to host:port (resolved asynchronously). Frames written
 * before the connection is up are sent once it is. A failure to connect
 * arrives later through `closed`. NULL with `err` set only when the attempt
 * cannot even start. */
struct loop_conn *loop_conn_connect(struct loop *l, const char *host, int port,
                                    const struct loop_conn_ops *ops, void *arg,
                                    const struct loop_limits *lim, struct sg_error *err);

/* loop_conn_connect() for TLS with the client context `tls` (borrowed):
 * `name` (NULL: `host`) is sent as SNI and the peer's certificate must match
 * it, unless the context is insecure. `connected` fires once the handshake
 * is done; frames written before then are sent after it. */
struct loop_conn *loop_conn_connect_tls(struct loop *l, const char *host, int port,
                                        struct tls_ctx *tls, const char *name,
                                        const struct loop_conn_ops *ops, void *arg,
                                        const struct loop_limits *lim, struct sg_error *err);

/* Queues one frame: the 4-byte length prefix then `len` bytes (copied).
 * Returns 0, or -1 if the frame is over max_frame or memory ran out. */
int loop_conn_write_frame(struct loop_conn *c, const void *p, size_t len);

/* Inside `from`'s frame callback only: moves the frame being delivered, with
 * its length prefix, to the output of `to` without copying it again.
 * Returns 0, or -1 when called outside the callback or on failure. */
int loop_conn_forward_frame(struct loop_conn *from, struct loop_conn *to);

/* A frame taken out of a connection's input by loop_conn_take_frame(): its
 * bytes, contiguous, owned by the caller until loop_conn_write_taken() or
 * loop_frame_free(). Any thread may read them; only the loop thread may
 * write or free the frame. */
struct loop_frame;

/* Inside `from`'s frame callback only: takes the frame being delivered, with
 * its length prefix, out of the input without copying it (a frame that
 * shares its read buffer with the next one is copied). Returns NULL when
 * called outside the callback or out of memory; the frame has then left the
 * input all the same, unless it was called outside the callback. */
struct loop_frame *loop_conn_take_frame(struct loop_conn *from);

/* The frame's bytes after the length prefix, as the frame callback had them;
 * `*len` receives their number. Valid until the frame is written or freed. */
const uint8_t *loop_frame_data(const struct loop_frame *f, size_t *len);

/* Queues a taken frame, prefix and all, on `to`'s output without copying it;
 * the frame is consumed either way. Returns 0, or -1 when `to` is closed or
 * memory ran out. */
int loop_conn_write_taken(struct loop_conn *to, struct loop_frame *f);

/* Frees a taken frame that was not written. Accepts NULL. */
void loop_frame_free(struct loop_frame *f);

/* Inside `from`'s frame_head callback only: moves the frame, with its length
 * prefix, to the output of `to` as its bytes arrive, without copying them
 * again: what was already read moves buffer to buffer, and once the output
 * of `to` ahead of the rest is written, the rest goes socket to socket by
 * splice() (reading `from` waits while `to` cannot take more, so a slow `to`
 * backs up into `from`'s socket, not into memory). When either end is TLS
 * the rest goes buffer to buffer too, and reading `from` waits while the
 * output of `to` is above its high mark. Frames after it are
 * delivered once it has passed. `to` must stay open while the frame streams,
 * and only `from` may write to it meanwhile; an owner that closes `to`
 * closes `from` too. Returns 0, or -1 when called outside the callback or
 * `to` is closed. */
int loop_conn_stream_frame(struct loop_conn *from, struct loop_conn *to);

/* 1 when the output went above the high mark and has not yet drained to the
 * low mark. */
int loop_conn_congested(const struct loop_conn *c);

/* Stops delivering frames and reading the socket; resume delivers frames
 * already buffered (and bytes TLS already decrypted), then reads on. Pauses do not nest. A frame
 * already streaming (loop_conn_stream_frame) is still read and passed on to its end: a pause never
 * leaves a peer waiting on half a frame. */
void loop_conn_pause(struct loop_conn *c);
void loop_conn_resume(struct loop_conn *c);

/* "ip:port" of the peer for accepted connections, "host:port" for outbound
 * ones. Borrowed; lives as long as the connection. */
const char *loop_conn_peer(const struct loop_conn *c);

/* The subject of the peer's certificate as DER bytes (an X509_NAME; compare
 * names as DER, see tls_name_der_equal), `*len` receiving their number; for
 * a TLS connection whose handshake is done. NULL for plaintext, before the
 * handshake's end, or when the peer sent no certificate. Borrowed; lives as
 * long as the connection. */
const uint8_t *loop_conn_peer_subject(const struct loop_conn *c, size_t *len);

/* Closes at once, dropping unsent output (TLS sends a close_notify if the
 * socket takes it at once). Accepts NULL. */
void loop_conn_close(struct loop_conn *c);

/* Stops reading and closes once the queued output is written (or the socket
 * fails, or the connect fails). Accepts NULL. */
void loop_conn_close_after_flush(struct loop_conn *c);

/* One-shot timers. `fn` runs on the loop thread once the timer expires. */
struct loop_timer *loop_timer_new(struct loop *l, void (*fn)(void *arg), void *arg,
                                  struct sg_error *err);
/* (Re)arms the timer to fire once in `ms` milliseconds. */
void loop_timer_start(struct loop_timer *t, unsigned ms);
void loop_timer_stop(struct loop_timer *t);
/* Accepts NULL. */
void loop_timer_free(struct loop_timer *t);

#endif
