/* tests/kafka/test_loop.c: gateway/loop on its own, with no Kafka in sight.
 * A client thread talks to a loop_listener over loopback with plain blocking
 * sockets while the main thread runs the loop. Checks frame splitting (one
 * byte at a time, several frames per write, exactly at the limit), the
 * limit (one byte over, a negative length), a peer leaving mid-frame,
 * pause/resume, write + close_after_flush, timers, and loop_stop() from
 * another thread. A second listener with a 1 MiB limit streams large frames
 * back to their sender from frame_head (cut-through): the echo starts before
 * the frame's last byte is sent, arrives unchanged, and the frame after it
 * is delivered as usual.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "compat/error.h"
#include "gateway/loop.h"
#include "tests/tap.h"

#define LIMIT      1000
#define BIG_LIMIT  ((size_t)1 << 20)
#define STREAM_LEN 200000u

static struct loop *lp;
static int port, port_big, port_huge;

/* What the server side saw, per connection, in order. */
static char seen[8192];
static size_t seen_len;
static int paused_deliveries; /* frames delivered while the test held the conn paused */
static atomic_int pause_mode; /* 1: pause the connection on its first frame */
static int held;              /* the connection is paused by the test */
static struct loop_conn *paused_conn;
static struct loop_timer *resume_timer;
static int timer_fired;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	seen_len += (size_t)vsnprintf(seen + seen_len, sizeof seen - seen_len, fmt, ap);
	va_end(ap);
}

static void take_frame(struct loop_conn *c, const uint8_t *p, size_t len);

static void srv_frame(struct loop_conn *c, void *arg, const uint8_t *p, size_t len)
{
	if (held)
		paused_deliveries++;
	if (len <= 16)
		note("[%.*s]", (int)len, (const char *)p);
	else
		note("[%zu bytes]", len);
	if ((len >= 4 && !memcmp(p, "take", 4)) || (len == 4 && !memcmp(p, "give", 4))) {
		take_frame(c, p, len);
		return;
	}
	if (len == 4 && !memcmp(p, "echo", 4)) {
		loop_conn_write_frame(c, "one", 3);
		loop_conn_write_frame(c, "two", 3);
		loop_conn_write_frame(c, "three", 5);
		loop_conn_close_after_flush(c);
		return;
	}
	if (pause_mode && !paused_conn) {
		paused_conn = c;
		held = 1;
		loop_conn_pause(c);
		loop_timer_start(resume_timer, 200);
	}
}

/* Frames starting "take" are taken and kept; "give" writes them back in
 * order and closes after the flush. */
#define TAKE_MAX 8
static struct loop_frame *taken[TAKE_MAX];
static size_t ntaken;

static void take_frame(struct loop_conn *c, const uint8_t *p, size_t len)
{
	if (len >= 4 && !memcmp(p, "take", 4) && ntaken < TAKE_MAX) {
		struct loop_frame *f = loop_conn_take_frame(c);
		size_t got = 0;
		const uint8_t *q = f ? loop_frame_data(f, &got) : NULL;
		if (!f || got != len || memcmp(q, p, len) != 0)
			note("{take failed}");
		if (loop_conn_take_frame(c) || loop_conn_forward_frame(c, c) == 0)
			note("{taken twice}");
		if (f)
			taken[ntaken++] = f;
	} else if (len == 4 && !memcmp(p, "give", 4)) {
		for (size_t i = 0; i < ntaken; i++)
			if (loop_conn_write_taken(c, taken[i]) != 0)
				note("{give failed}");
		ntaken = 0;
		loop_conn_close_after_flush(c);
	}
}

static void srv_closed(struct loop_conn *c, void *arg, const char *why, size_t midframe)
{
	note("{closed: %s; %zu}", why, midframe);
	if (c == paused_conn)
		paused_conn = NULL;
}

static const struct loop_conn_ops srv_ops = {.frame = srv_frame, .closed = srv_closed};

static struct loop_conn *big_paused;
static struct loop_timer *big_timer;
static atomic_int paused_echo_done; /* the client read the whole paused stream back */

static void big_resume(void *arg)
{
	note(paused_echo_done ? "{resumed after the echo}" : "{resumed before the echo}");
	if (big_paused)
		loop_conn_resume(big_paused);
	big_paused = NULL;
}

static void big_head(struct loop_conn *c, void *arg, const uint8_t *p, size_t avail, size_t len)
{
	note("{head %zu of %zu}", avail, len);
	if (loop_conn_stream_frame(c, c) != 0)
		note("{stream refused}");
	if (loop_conn_stream_frame(c, c) == 0)
		note("{streamed twice}");
	/* A frame of 120000 bytes: the owner pauses the connection right after
	 * accepting the stream, and resumes it a second later (time enough for
	 * the echo on a loaded machine). */
	if (len == 120000) {
		big_paused = c;
		loop_conn_pause(c);
		loop_timer_start(big_timer, 1000);
	}
}

static const struct loop_conn_ops big_ops = {
    .frame = srv_frame, .frame_head = big_head, .closed = srv_closed};

static void on_accept_big(void *arg, int fd, const char *peer)
{
	struct loop_limits lim = {.max_frame = BIG_LIMIT};
	struct sg_error err;
	error_clear(&err);
	if (!loop_conn_accept(lp, fd, peer, &big_ops, NULL, &lim, &err))
		note("{accept failed: %s}", err.msg);
}

/* A listener with a 16 MiB limit, for a frame larger than a socket buffer. */
static void on_accept_huge(void *arg, int fd, const char *peer)
{
	struct loop_limits lim = {.max_frame = (size_t)16 << 20};
	struct sg_error err;
	error_clear(&err);
	if (!loop_conn_accept(lp, fd, peer, &big_ops, NULL, &lim, &err))
		note("{accept failed: %s}", err.msg);
}

static void on_accept(void *arg, int fd, const char *peer)
{
	struct loop_limits lim = {.max_frame = LIMIT};
	struct sg_error err;
	error_clear(&err);
	if (!loop_conn_accept(lp, fd, peer, &srv_ops, NULL, &lim, &err))
		note("{accept failed: %s}", err.msg);
}

static void on_resume(void *arg)
{
	timer_fired++;
	held = 0;
	if (paused_conn)
		loop_conn_resume(paused_conn);
}

/* Client side (its own thread). */

/* Connects to 127.0.0.1:`to`; a non-zero `rcvbuf` sets SO_RCVBUF first. */
static int dial_port_rcvbuf(int to, int rcvbuf)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = {5, 0};
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)to);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int dial_port(int to)
{
	return dial_port_rcvbuf(to, 0);
}

static size_t framed(uint8_t *out, uint32_t len, const void *p)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	if (p)
		memcpy(out + 4, p, len);
	return 4 + (size_t)len;
}

static void pause_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int dial(void)
{
	return dial_port(port);
}

/* Reads until `want` bytes are in `buf` (from `got`) or the read times out;
 * returns the total. */
static size_t read_upto(int fd, uint8_t *buf, size_t got, size_t want)
{
	while (got < want) {
		ssize_t r = read(fd, buf + got, want - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static size_t stream_early; /* echo bytes back before the rest was sent */
static int stream_same;     /* the echo equals the frame sent */
static int paused_same;     /* the paused stream's echo equals its frame */

/* 6: a 200000-byte frame sent in two halves to the streaming listener. */
struct writer {
	int fd;
	const uint8_t *p;
	size_t n;
	int ok;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	w->ok = write_all(w->fd, w->p, w->n) == 0;
	return NULL;
}

static int backed_same; /* a stream echoed to a reader that waits arrives unchanged */

static void stream_case(void)
{
	size_t total = 4 + STREAM_LEN, half = 4 + STREAM_LEN / 2, got;
	uint8_t *out = malloc(total + 16), *in = malloc(total + 16);
	int fd = dial_port(port_big);
	if (!out || !in || fd < 0)
		goto done;
	framed(out, STREAM_LEN, NULL);
	for (size_t i = 4; i < total; i++)
		out[i] = (uint8_t)(i * 7);
	if (write_all(fd, out, half) != 0)
		goto done;
	stream_early = read_upto(fd, in, 0, half);
	framed(out + total, 5, "after");
	if (write_all(fd, out + half, total + 9 - half) != 0)
		goto done;
	got = read_upto(fd, in, stream_early, total);
	stream_same = got == total && !memcmp(in, out, total);
	pause_ms(50);
	close(fd);
	pause_ms(50);

	/* 7: leaving in the middle of a streamed frame. */
	fd = dial_port(port_big);
	if (fd < 0)
		goto done;
	framed(out, 150000, NULL);
	if (write_all(fd, out, 80004) != 0)
		goto done;
	read_upto(fd, in, 0, 80004);
	close(fd);
	fd = -1;
	pause_ms(100);

	/* 8: the owner pauses the connection as the stream starts: the frame
	 * still streams to its end, and the frame after it waits for the resume. */
	fd = dial_port(port_big);
	if (fd < 0)
		goto done;
	framed(out, 120000, NULL);
	for (size_t i = 4; i < 120004; i++)
		out[i] = (uint8_t)(i * 13);
	framed(out + 120004, 6, "after2");
	if (write_all(fd, out, 70000) != 0)
		goto done;
	pause_ms(50);
	if (write_all(fd, out + 70000, 120014 - 70000) != 0)
		goto done;
	paused_same = read_upto(fd, in, 0, 120004) == 120004 && !memcmp(in, out, 120004);
	paused_echo_done = 1;
	pause_ms(1300);
	close(fd);
	fd = -1;
	pause_ms(50);

	/* 9: frames of 6000000 and 300000 bytes (more than the socket buffers
	 * hold) echoed to a client that reads nothing for 300 ms through a
	 * small receive buffer: the echo backs up in the socket and the
	 * output, each stream waits for what is ahead of it to drain, and all
	 * of it arrives unchanged and in order, with the frame after them
	 * delivered. */
	{
		size_t a = 6000000, b2 = 300000, echo = 4 + a + 4 + b2, n = echo + 4 + 6;
		uint8_t *o = malloc(n), *b = malloc(echo);
		pthread_t wt;
		struct writer w;
		fd = dial_port_rcvbuf(port_huge, 4096);
		if (!o || !b || fd < 0) {
			free(o);
			free(b);
			goto done;
		}
		framed(o, (uint32_t)a, NULL);
		for (size_t i = 4; i < 4 + a; i++)
			o[i] = (uint8_t)(i * 31 + (i >> 12));
		framed(o + 4 + a, (uint32_t)b2, NULL);
		for (size_t i = 8 + a; i < echo; i++)
			o[i] = (uint8_t)(i * 17 + (i >> 10));
		framed(o + echo, 6, "after3");
		w = (struct writer){fd, o, n, 0};
		pthread_create(&wt, NULL, writer_main, &w);
		pause_ms(300);
		backed_same = read_upto(fd, b, 0, echo) == echo && !memcmp(b, o, echo);
		pthread_join(wt, NULL);
		backed_same = backed_same && w.ok;
		pause_ms(50);
		close(fd);
		fd = -1;
		free(o);
		free(b);
		pause_ms(50);
	}
done:
	if (fd >= 0)
		close(fd);
	free(out);
	free(in);
}

/* Waits until the peer closes: 1 when it did. */
static int wait_eof(int fd);
static int take_same; /* the frames given back equal the ones taken */

/* 6: three frames taken (two small ones sharing a read, one of 60000 bytes
 * arriving over several reads), a plain one, then "give". */
static void take_case(void)
{
	size_t big = 60000, n = 0, got = 0;
	uint8_t *buf = malloc(2 * big), *back = malloc(2 * big), *pat = malloc(big);
	int fd = dial_port(port_big);
	if (!buf || !back || !pat || fd < 0)
		goto out;
	memcpy(pat, "take", 4);
	for (size_t i = 4; i < big; i++)
		pat[i] = (uint8_t)(i * 7);
	n = framed(buf, 6, "take-a");
	n += framed(buf + n, 7, "take-bb");
	n += framed(buf + n, (uint32_t)big, pat);
	size_t want = n;
	n += framed(buf + n, 5, "plain");
	n += framed(buf + n, 4, "give");
	if (write_all(fd, buf, n) != 0)
		goto out;
	got = read_upto(fd, back, 0, want);
	take_same = got == want && memcmp(back, buf, want) == 0 && wait_eof(fd);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(back);
	free(pat);
}

static int wait_eof(int fd)
{
	char b[256];
	for (;;) {
		ssize_t r = read(fd, b, sizeof b);
		if (r == 0)
			return 1;
		if (r < 0)
			return 0;
	}
}

static char echo_got[256];

static void *client(void *arg)
{
	uint8_t buf[4096];
	size_t n;
	int fd;
	(void)arg;

	/* 1: one byte at a time, then two frames in one write, then exactly
	 * the limit, then one byte over it. */
	fd = dial();
	n = framed(buf, 5, "hello");
	for (size_t i = 0; i < n; i++) {
		if (write(fd, buf + i, 1) != 1)
			break;
		pause_ms(2);
	}
	n = framed(buf, 1, "a");
	n += framed(buf + n, 2, "bb");
	if (write(fd, buf, n) != (ssize_t)n)
		return NULL;
	memset(buf, 'x', sizeof buf);
	n = framed(buf, LIMIT, NULL);
	if (write(fd, buf, n) != (ssize_t)n)
		return NULL;
	n = framed(buf, LIMIT + 1, NULL);
	if (write(fd, buf, n) != (ssize_t)n)
		return NULL;
	wait_eof(fd);
	close(fd);
	pause_ms(50);

	/* 2: a negative length. */
	fd = dial();
	n = framed(buf, 0xfffffff0u, NULL);
	if (write(fd, buf, 4) != 4)
		return NULL;
	wait_eof(fd);
	close(fd);
	pause_ms(50);

	/* 3: leaving mid-frame. */
	fd = dial();
	n = framed(buf, 50, NULL);
	if (write(fd, buf, 20) != 20)
		return NULL;
	close(fd);
	pause_ms(100);

	/* 4: pause on the first frame; three more sent at once wait for the resume. */
	pause_mode = 1;
	fd = dial();
	n = framed(buf, 2, "p1");
	n += framed(buf + n, 2, "p2");
	n += framed(buf + n, 2, "p3");
	n += framed(buf + n, 2, "p4");
	if (write(fd, buf, n) != (ssize_t)n)
		return NULL;
	pause_ms(400);
	close(fd);
	pause_ms(100);
	pause_mode = 0;

	/* 5: the server answers three frames, then closes after flushing them. */
	fd = dial();
	n = framed(buf, 4, "echo");
	if (write(fd, buf, n) != (ssize_t)n)
		return NULL;
	{
		size_t got = 0;
		ssize_t r;
		uint8_t in[256];
		while ((r = read(fd, in + got, sizeof in - got)) > 0)
			got += (size_t)r;
		for (size_t i = 0; i + 4 <= got;) {
			uint32_t len = (uint32_t)in[i] << 24 | (uint32_t)in[i + 1] << 16 |
			               (uint32_t)in[i + 2] << 8 | in[i + 3];
			if (i + 4 + len > got)
				break;
			snprintf(echo_got + strlen(echo_got), sizeof echo_got - strlen(echo_got),
			         "[%.*s]", (int)len, (const char *)in + i + 4);
			i += 4 + len;
		}
		if (r == 0)
			strcat(echo_got, "EOF");
	}
	close(fd);
	pause_ms(50);

	stream_case();
	take_case();
	loop_stop(lp);
	return NULL;
}

int main(void)
{
	struct sg_error err;
	struct loop_listener *ls;
	pthread_t th;
	char *at;

	error_clear(&err);
	lp = loop_new(&err);
	if (!tap_ok(lp != NULL, "loop_new"))
		return tap_done();
	ls = loop_listen(lp, "127.0.0.1", 0, on_accept, NULL, &err);
	if (!tap_ok(ls != NULL, "loop_listen on port 0"))
		return tap_done();
	port = loop_listener_port(ls);
	tap_ok(port > 0, "the listener reports its port (%d)", port);
	resume_timer = loop_timer_new(lp, on_resume, NULL, &err);
	struct loop_listener *ls_big = loop_listen(lp, "127.0.0.1", 0, on_accept_big, NULL, &err);
	if (!tap_ok(ls_big != NULL, "a second listener for large frames"))
		return tap_done();
	port_big = loop_listener_port(ls_big);
	struct loop_listener *ls_huge = loop_listen(lp, "127.0.0.1", 0, on_accept_huge, NULL, &err);
	if (!tap_ok(ls_huge != NULL, "a third listener for frames larger than socket buffers"))
		return tap_done();
	port_huge = loop_listener_port(ls_huge);
	big_timer = loop_timer_new(lp, big_resume, NULL, &err);

	pthread_create(&th, NULL, client, NULL);
	tap_is_int(loop_run(lp, &err), 0, "loop_run returns after loop_stop from another thread");
	pthread_join(th, NULL);

	tap_diag("server saw: %s", seen);
	at = seen;
	tap_ok(
	    !strncmp(at, "[hello][a][bb][1000 bytes]", 26),
	    "a frame written one byte at a time, two in one write, and one exactly at the limit");
	tap_ok(strstr(seen, "{closed: frame of 1001 bytes over the limit of 1000; 0}") != NULL,
	       "one byte over the limit ends the connection with a reason");
	tap_ok(strstr(seen, "{closed: negative frame length -16; 0}") != NULL,
	       "a negative length ends the connection with a reason");
	tap_ok(strstr(seen, "{closed: peer closed; 20}") != NULL,
	       "a peer leaving mid-frame is reported with the bytes buffered");
	tap_ok(strstr(seen, "[p1][p2][p3][p4]") != NULL,
	       "frames held by a pause arrive after the resume, in order");
	tap_is_int(paused_deliveries, 0, "no frame is delivered while paused");
	tap_is_int(timer_fired, 1, "the one-shot timer fired once");
	tap_is_str(echo_got, "[one][two][three]EOF",
	           "close_after_flush writes every queued frame, then closes");
	tap_ok(
	    strstr(seen, "{head 65536 of 200000}[after]") != NULL,
	    "a large frame is offered once by its head, and the frame after it arrives as usual");
	tap_ok(!strstr(seen, "{stream refused}") && !strstr(seen, "{streamed twice}"),
	       "loop_conn_stream_frame accepts once per frame");
	tap_ok(stream_early == 4 + STREAM_LEN / 2,
	       "a streamed frame is passed on before its last byte arrives (%zu bytes back of %u "
	       "sent)",
	       stream_early, 4 + STREAM_LEN / 2);
	tap_ok(stream_same, "and arrives whole and unchanged");
	tap_ok(strstr(seen, "{head 65536 of 150000}{closed: peer closed; 80004}") != NULL,
	       "a peer leaving mid-stream is reported with the bytes of the frame received");
	tap_ok(paused_same &&
	           strstr(seen, "{head 65536 of 120000}{resumed after the echo}") != NULL,
	       "a frame whose stream began before a pause streams to its end while paused");
	tap_ok(strstr(seen, "{resumed after the echo}[after2]") != NULL,
	       "and the frame after it waits for the resume");
	tap_ok(backed_same, "streamed frames whose peer reads late (output backed up) arrive "
	                    "whole, unchanged and in order");
	tap_ok(strstr(seen, "{head 65536 of 6000000}{head 65536 of 300000}[after3]") != NULL,
	       "and the frame after them arrives as usual");

	tap_ok(
	    strstr(seen, "[take-a][take-bb][60000 bytes][plain][give]") != NULL,
	    "frames taken out of the input leave it once: the frames after them arrive once each");
	tap_ok(!strstr(seen, "{take failed}") && !strstr(seen, "{taken twice}") &&
	           !strstr(seen, "{give failed}"),
	       "a frame is taken once, with the bytes the callback saw, and written back");
	tap_ok(take_same, "taken frames written back later arrive whole, unchanged and in order");

	loop_timer_free(resume_timer);
	loop_listener_free(ls);
	loop_listener_free(ls_big);
	loop_listener_free(ls_huge);
	loop_timer_free(big_timer);
	loop_free(lp);
	return tap_done();
}
