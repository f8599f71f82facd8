/* gateway/proxy.c: client sessions, the node-to-port map, response order. */
#include "gateway/proxy.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat/error.h"
#include "gateway/certmap.h"
#include "gateway/gwlog.h"
#include "gateway/gwcheck.h"
#include "gateway/kaddr.h"
#include "gateway/kproduce.h"
#include "gateway/kproto.h"
#include "gateway/kwriter.h"
#include "gateway/loop.h"
#include "gateway/workers.h"

#define PROXY_DEFAULT_MAX_INFLIGHT       1024
#define PROXY_DEFAULT_CONNECT_TIMEOUT_MS 10000
/* Most nodes the gateway will serve ports for. */
#define PROXY_MAX_NODES              1024
#define PROXY_HOST_MAX               256
#define PROXY_DEFAULT_MAX_HELD       8
#define PROXY_DEFAULT_MAX_HELD_BYTES ((size_t)256 << 20)
/* Seconds between two log lines about the held-bytes limit. */
#define PROXY_MEMORY_LOG_S             10
#define PROXY_DEFAULT_IDLE_MS          600000u
#define PROXY_DEFAULT_MAX_CONNS        10000
#define PROXY_DEFAULT_MAX_CONNS_PER_IP 1000
/* Buckets of the table of client addresses (a power of two). */
#define PROXY_ADDR_BUCKETS 1024
#define PROXY_ADDR_MAX     128

/* Client connections open from one address. */
struct proxy_addr_count {
	struct proxy_addr_count *next;
	size_t n;
	char addr[PROXY_ADDR_MAX];
};

/* One kind of log line a flood could repeat (see PROXY_LOG_BURST). */
struct proxy_lograte {
	long window;           /* when the current window began, in seconds */
	unsigned lines;        /* logged in it */
	unsigned long dropped; /* left out in it */
};

struct proxy_session;

/* A rejected partition's verdict, and the RecordErrors pointing into it. */
struct proxy_reject {
	struct gwcheck_verdict v;
	struct kproduce_record_error errs[GWCHECK_MAX_ERRORS];
};

/* A request held behind a validation: its own copy of the frame, and for a
 * Produce being validated the parsed request and the per-partition results.
 * Once forwarded with rejections, it stays on its pending entry (`merge`) to
 * merge the broker's response. */
struct proxy_job {
	struct proxy_job *next;
	struct proxy_session *session; /* NULL once the session is gone */
	const struct proxy_validator *validator;
	struct loop_frame *taken; /* the request, prefix and all */
	const uint8_t *frame;     /* in `taken`, after the prefix */
	size_t len;
	size_t counted; /* bytes counted in the proxy's held_bytes */
	int16_t api_key;
	int expects_response;
	size_t slot;  /* its pending entry, when expects_response */
	int validate; /* a Produce to check */
	int running;  /* submitted to the workers, not yet back */
	int waiting;  /* to validate, but the workers' queue was full */
	struct proxy *proxy;
	struct kproduce_request req;
	struct kproduce_result *results;
	struct proxy_reject **rejects; /* per partition, NULL when not rejected */
	size_t nrejected;
	char client_id[256];
	char client_addr[128];
};

struct proxy_node {
	int32_t id;
	char host[PROXY_HOST_MAX];
	int port;
	struct loop_listener *ls;
	struct proxy *proxy;
};

/* A request waiting for its response. `local` holds a response the gateway
 * made itself, sent when the entry reaches the head of the queue. */
struct proxy_pending {
	int32_t correlation_id;
	int16_t api_key;
	int16_t api_version;
	uint8_t *local;
	size_t local_len;
	struct proxy_job *merge; /* a Produce forwarded without its rejected partitions */
};

enum {
	PAUSE_UPSTREAM_FULL = 1, /* upstream output above its high mark */
	PAUSE_INFLIGHT_FULL = 2, /* max_inflight requests waiting */
	PAUSE_HELD_FULL = 4,     /* max_held requests held behind a validation */
	PAUSE_MEMORY = 8         /* the held requests of all clients reach max_held_bytes */
};

struct proxy_session {
	struct proxy *proxy;
	struct proxy_session *prev, *next;
	struct loop_conn *client;
	struct loop_conn *upstream;
	struct loop_timer *connect_timer;
	char host[PROXY_HOST_MAX]; /* the broker this client is sent to */
	int port;
	char name[400];                /* "client ip:port via :port to host:port" for logs */
	struct proxy_pending *pending; /* ring of max_inflight entries */
	size_t head, count;
	int client_pause;                   /* PAUSE_* bits */
	struct proxy_job *held, *held_tail; /* requests behind a validation, in order */
	size_t nheld;
	int upstream_paused;           /* the client's output is congested */
	struct proxy_addr_count *from; /* the client's address, counted */
};

struct proxy {
	struct loop *loop;
	struct proxy_options opt;
	char listen_host[PROXY_HOST_MAX];
	char advertised_host[PROXY_HOST_MAX];
	struct proxy_addr *bootstrap;
	size_t next_bootstrap;
	struct loop_listener *ls;
	struct loop_limits limits;        /* of broker connections */
	struct loop_limits client_limits; /* of client connections: limits and idle_ms */
	struct proxy_node *nodes[PROXY_MAX_NODES];
	size_t nnodes;
	struct proxy_session *sessions;
	size_t held_bytes;    /* frames held by every session's jobs */
	int memory_full;      /* held_bytes reached max_held_bytes; some clients wait */
	int memory_logged;    /* this episode was logged (at most one a PROXY_MEMORY_LOG_S) */
	time_t memory_log_at; /* when the last episode was logged */
	unsigned long memory_episodes; /* episodes since that one */
	/* Client connection limits. */
	size_t nclients;
	struct proxy_addr_count *addrs[PROXY_ADDR_BUCKETS];
	atomic_ulong clients, refused_total, refused_per_address; /* proxy_stats() */
	struct proxy_lograte log_refused, log_idle, log_handshake;
};

__attribute__((format(printf, 2, 3))) static void proxy_log(struct proxy *p, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	gwlog_write(p->opt.log, p->opt.log_arg, line);
}

/* Logs a line of a kind that a flood could repeat, within the kind's
 * budget (PROXY_LOG_BURST lines a PROXY_LOG_WINDOW_S window). The first line
 * of a window says how many of the previous window's were left out. */
__attribute__((format(printf, 3, 4))) static void
proxy_log_limited(struct proxy *p, struct proxy_lograte *r, const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	va_list ap;
	size_t n;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if (ts.tv_sec - r->window >= PROXY_LOG_WINDOW_S) {
		unsigned long dropped = r->dropped;
		r->window = ts.tv_sec;
		r->lines = 0;
		r->dropped = 0;
		if (dropped) {
			snprintf(line, sizeof line, "(%lu more like the lines above not logged)",
			         dropped);
			proxy_log(p, "%s", line);
		}
	}
	if (r->lines >= PROXY_LOG_BURST) {
		r->dropped++;
		return;
	}
	r->lines++;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	n = strlen(line);
	if (r->lines == PROXY_LOG_BURST && n < sizeof line)
		snprintf(line + n, sizeof line - n,
		         " (more like this within %d s are counted, not logged)",
		         PROXY_LOG_WINDOW_S);
	proxy_log(p, "%s", line);
}

/* Client addresses. */

/* The address part of "ip:port" or "[v6]:port" into `out`. */
static void proxy_peer_address(const char *peer, char *out, size_t size)
{
	const char *colon = strrchr(peer, ':');
	size_t len = colon ? (size_t)(colon - peer) : strlen(peer);

	if (len >= 2 && peer[0] == '[' && peer[len - 1] == ']') {
		peer++;
		len -= 2;
	}
	if (len >= size)
		len = size - 1;
	memcpy(out, peer, len);
	out[len] = '\0';
}

static size_t proxy_addr_hash(const char *a)
{
	size_t h = 5381;
	while (*a)
		h = h * 33 + (unsigned char)*a++;
	return h & (PROXY_ADDR_BUCKETS - 1);
}

/* The count of `addr`, made (at 0) when `make`; NULL when absent or out of
 * memory. */
static struct proxy_addr_count *proxy_addr_find(struct proxy *p, const char *addr, int make)
{
	size_t h = proxy_addr_hash(addr);
	struct proxy_addr_count *a;

	for (a = p->addrs[h]; a; a = a->next)
		if (!strcmp(a->addr, addr))
			return a;
	if (!make || !(a = calloc(1, sizeof *a)))
		return NULL;
	snprintf(a->addr, sizeof a->addr, "%s", addr);
	a->next = p->addrs[h];
	p->addrs[h] = a;
	return a;
}

/* One client connection from `a` less; the count goes at 0. */
static void proxy_addr_release(struct proxy *p, struct proxy_addr_count *a)
{
	struct proxy_addr_count **pp = &p->addrs[proxy_addr_hash(a->addr)];

	if (--a->n > 0)
		return;
	while (*pp != a)
		pp = &(*pp)->next;
	*pp = a->next;
	free(a);
}

/* Validation jobs. */

static void proxy_client_update_pause(struct proxy_session *s);

/* Stops counting the job's frame in the proxy's held bytes. Once the total is
 * back under three quarters of the limit, every client paused for memory is
 * read again. Must run while the proxy exists: a job handed to the workers
 * is released before its session (and maybe the proxy) goes. */
static void proxy_job_release(struct proxy_job *j)
{
	struct proxy *p = j->proxy;
	if (!j->counted)
		return;
	p->held_bytes -= j->counted;
	j->counted = 0;
	if (p->memory_full && p->held_bytes <= p->opt.max_held_bytes / 4 * 3) {
		p->memory_full = 0;
		if (p->memory_logged)
			proxy_log(p,
			          "held requests are back to %zu bytes: every client is read again",
			          p->held_bytes);
		for (struct proxy_session *s = p->sessions; s; s = s->next)
			if (s->client_pause & PAUSE_MEMORY) {
				s->client_pause &= ~PAUSE_MEMORY;
				if (s->client)
					proxy_client_update_pause(s);
			}
	}
}

static void proxy_job_free(struct proxy_job *j)
{
	if (!j)
		return;
	proxy_job_release(j);
	if (j->rejects)
		for (size_t i = 0; i < j->req.npartitions; i++)
			free(j->rejects[i]);
	free(j->rejects);
	free(j->results);
	kproduce_request_free(&j->req);
	loop_frame_free(j->taken);
	free(j);
}

/* Sessions. */

static void proxy_session_free(struct proxy_session *s)
{
	struct proxy *p = s->proxy;
	struct proxy_job *j, *next;
	if (s->prev)
		s->prev->next = s->next;
	else
		p->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	if (s->from) {
		proxy_addr_release(p, s->from);
		p->nclients--;
		atomic_store(&p->clients, p->nclients);
	}
	loop_timer_free(s->connect_timer);
	for (size_t i = 0; i < s->count; i++) {
		free(s->pending[(s->head + i) % p->opt.max_inflight].local);
		proxy_job_free(s->pending[(s->head + i) % p->opt.max_inflight].merge);
	}
	for (j = s->held; j; j = next) {
		next = j->next;
		if (j->running) {
			proxy_job_release(j);
			j->session = NULL; /* freed when the workers hand it back */
		} else
			proxy_job_free(j);
	}
	free(s->pending);
	free(s);
}

/* Ends a session at once: both connections close, queued bytes are dropped. */
static void proxy_session_abort(struct proxy_session *s)
{
	loop_conn_close(s->client);
	loop_conn_close(s->upstream);
	proxy_session_free(s);
}

__attribute__((format(printf, 2, 3))) static void proxy_session_fail(struct proxy_session *s,
                                                                     const char *fmt, ...)
{
	char why[SG_ERROR_MSG_MAX + 128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	proxy_log(s->proxy, "closing %s: %s", s->name, why);
	proxy_session_abort(s);
}

static void proxy_client_update_pause(struct proxy_session *s)
{
	if (s->client_pause)
		loop_conn_pause(s->client);
	else
		loop_conn_resume(s->client);
}

static struct proxy_pending *proxy_pending_push(struct proxy_session *s)
{
	struct proxy_pending *e;
	size_t cap = s->proxy->opt.max_inflight;
	if (s->count == cap)
		return NULL;
	e = &s->pending[(s->head + s->count) % cap];
	memset(e, 0, sizeof *e);
	s->count++;
	if (s->count == cap) {
		s->client_pause |= PAUSE_INFLIGHT_FULL;
		proxy_client_update_pause(s);
	}
	return e;
}

static void proxy_pending_pop(struct proxy_session *s)
{
	struct proxy_pending *e = &s->pending[s->head];
	free(e->local);
	e->local = NULL;
	proxy_job_free(e->merge);
	e->merge = NULL;
	s->head = (s->head + 1) % s->proxy->opt.max_inflight;
	s->count--;
	if (s->client_pause & PAUSE_INFLIGHT_FULL) {
		s->client_pause &= ~PAUSE_INFLIGHT_FULL;
		proxy_client_update_pause(s);
	}
}

/* After a write to the client: stop reading the broker while the client is
 * slow to read. */
static void proxy_note_client_output(struct proxy_session *s)
{
	if (!s->upstream_paused && loop_conn_congested(s->client)) {
		s->upstream_paused = 1;
		loop_conn_pause(s->upstream);
	}
}

/* Sends the gateway's own responses that have reached the head of the
 * queue. Returns -1 if the session failed (and is gone). */
static int proxy_flush_local(struct proxy_session *s)
{
	while (s->count && s->pending[s->head].local) {
		struct proxy_pending *e = &s->pending[s->head];
		if (loop_conn_write_frame(s->client, e->local, e->local_len) != 0) {
			proxy_session_fail(s, "cannot queue a response");
			return -1;
		}
		proxy_pending_pop(s);
	}
	proxy_note_client_output(s);
	return 0;
}

/* The node map: learning brokers and opening their ports. */

static void proxy_session_open(struct proxy *p, int fd, const char *peer, const char *host,
                               int port, int via_port);

static void proxy_node_accept(void *arg, int fd, const char *peer)
{
	struct proxy_node *n = arg;
	proxy_session_open(n->proxy, fd, peer, n->host, n->port, loop_listener_port(n->ls));
}

static struct proxy_node *proxy_node_find(struct proxy *p, int32_t id)
{
	for (size_t i = 0; i < p->nnodes; i++)
		if (p->nodes[i]->id == id)
			return p->nodes[i];
	return NULL;
}

static int proxy_map_node(void *arg, int32_t node_id, struct kslice host, int32_t port,
                          int32_t *gw_port, struct sg_error *err)
{
	struct proxy *p = arg;
	struct proxy_node *n;
	int want = p->opt.broker_port_base + node_id;

	if (node_id > 65535 - p->opt.broker_port_base)
		return error_set(err, SG_ELIMIT, "node id %d does not fit a port above base %d",
		                 (int)node_id, p->opt.broker_port_base);
	if (host.len <= 0 || host.len >= PROXY_HOST_MAX || memchr(host.p, '\0', (size_t)host.len))
		return error_set(err, SG_ECORRUPT, "node %d has an unusable host name",
		                 (int)node_id);
	if (port <= 0 || port > 65535)
		return error_set(err, SG_ECORRUPT, "node %d has port %d", (int)node_id, (int)port);
	n = proxy_node_find(p, node_id);
	if (!n) {
		if (p->nnodes == PROXY_MAX_NODES)
			return error_set(err, SG_ELIMIT, "more than %d broker nodes",
			                 PROXY_MAX_NODES);
		n = calloc(1, sizeof *n);
		if (!n)
			return error_set(err, SG_ENOMEM, "out of memory");
		n->id = node_id;
		n->proxy = p;
		n->ls = loop_listen(p->loop, p->listen_host, want, proxy_node_accept, n, err);
		if (!n->ls) {
			free(n);
			return error_prefix(err, SG_EIO, "port for node %d: ", (int)node_id);
		}
		p->nodes[p->nnodes++] = n;
		memcpy(n->host, host.p, (size_t)host.len);
		n->host[host.len] = '\0';
		n->port = port;
		proxy_log(p, "node %d at %s:%d is served on %s:%d", (int)node_id, n->host, n->port,
		          p->advertised_host, want);
	} else if ((size_t)host.len != strlen(n->host) ||
	           memcmp(n->host, host.p, (size_t)host.len) != 0 || n->port != port) {
		memcpy(n->host, host.p, (size_t)host.len);
		n->host[host.len] = '\0';
		n->port = port;
		proxy_log(p, "node %d moved to %s:%d", (int)node_id, n->host, n->port);
	}
	*gw_port = want;
	return 0;
}

int proxy_learn_node(struct proxy *p, int32_t node_id, const char *host, int port,
                     struct sg_error *err)
{
	struct kslice h = {(const uint8_t *)host, (int32_t)strnlen(host, PROXY_HOST_MAX)};
	int32_t gw_port;

	if (node_id < 0)
		return error_set(err, SG_ECORRUPT, "node id %d is negative", (int)node_id);
	return proxy_map_node(p, node_id, h, port, &gw_port, err);
}

/* Validation: holding requests, running checks, forwarding the outcome. */

/* Worker thread: checks every partition with records. Touches only the job.
 * Out of memory, every partition not yet rejected gets a retriable error:
 * nothing goes through unchecked. */
static void proxy_job_run(void *arg, void *thread_ctx)
{
	struct proxy_job *j = arg;
	void *scratch = thread_ctx;
	struct gwcheck_verdict *v = malloc(sizeof *v);
	char *topic = NULL;
	size_t topic_of = (size_t)-1;

	if (!v)
		goto oom;
	for (size_t i = 0; i < j->req.npartitions; i++) {
		const struct kproduce_partition *pp = &j->req.partitions[i];
		const struct kproduce_topic *tp = &j->req.topics[pp->topic];
		struct gwcheck_input in;
		struct kproduce_result *res = &j->results[i];
		struct proxy_reject *rj;

		if (pp->records.len <= 0)
			continue;
		if (topic_of != pp->topic) {
			free(topic);
			topic = malloc((size_t)tp->name.len + 1);
			if (!topic)
				goto oom;
			memcpy(topic, tp->name.p, (size_t)tp->name.len);
			topic[tp->name.len] = '\0';
			topic_of = pp->topic;
		}
		memset(&in, 0, sizeof in);
		in.topic = topic;
		in.partition = pp->index;
		in.records = pp->records.p;
		in.len = (size_t)pp->records.len;
		in.client_id = j->client_id[0] ? j->client_id : NULL;
		in.client_addr = j->client_addr;
		j->validator->check(j->validator->ctx, scratch, &in, v);
		if (v->outcome != GWCHECK_REJECT && v->outcome != GWCHECK_RETRIABLE)
			continue;
		rj = malloc(sizeof *rj);
		if (!rj)
			goto oom;
		rj->v = *v;
		for (size_t k = 0; k < rj->v.nerrors; k++) {
			rj->errs[k].batch_index = rj->v.errors[k].index;
			rj->errs[k].message = rj->v.errors[k].message;
		}
		j->rejects[i] = rj;
		res->rejected = 1;
		res->error_code = (int16_t)error_kafka_code(rj->v.code);
		res->message = rj->v.message;
		/* RETRIABLE names no record: RecordErrors stays empty. */
		res->errors = rj->v.outcome == GWCHECK_REJECT ? rj->errs : NULL;
		res->nerrors = rj->v.outcome == GWCHECK_REJECT ? rj->v.nerrors : 0;
		j->nrejected++;
	}
	free(topic);
	free(v);
	return;
oom:
	for (size_t i = 0; i < j->req.npartitions; i++) {
		struct kproduce_result *res = &j->results[i];
		if (res->rejected)
			continue;
		res->rejected = 1;
		res->error_code = (int16_t)error_kafka_code(SG_EUNAVAILABLE);
		res->message = "the gateway is out of memory; retry";
		res->errors = NULL;
		res->nerrors = 0;
		j->nrejected++;
	}
	free(topic);
	free(v);
}

static void proxy_held_drain(struct proxy_session *s);
static void proxy_job_done(void *arg, int cancelled);

/* Submits the jobs that found the workers' queue full, oldest session first,
 * until the queue is full again. */
static void proxy_submit_waiting(struct proxy *p)
{
	for (struct proxy_session *s = p->sessions; s; s = s->next)
		for (struct proxy_job *j = s->held; j; j = j->next)
			if (j->waiting) {
				if (workers_submit(p->opt.workers, proxy_job_run, proxy_job_done,
				                   j) != 0)
					return;
				j->waiting = 0;
				j->running = 1;
			}
}

static void proxy_job_done(void *arg, int cancelled)
{
	struct proxy_job *j = arg;
	struct proxy_session *s = j->session;
	struct proxy *p = j->proxy;
	j->running = 0;
	if (cancelled) {
		/* The pool is closing (the proxy may be gone already). */
		if (s)
			proxy_session_fail(s, "validation was cancelled");
		else
			proxy_job_free(j);
		return;
	}
	if (!s)
		proxy_job_free(j);
	else
		proxy_held_drain(s);
	proxy_submit_waiting(p);
}

static void proxy_held_pop(struct proxy_session *s)
{
	struct proxy_job *j = s->held;
	s->held = j->next;
	if (!s->held)
		s->held_tail = NULL;
	s->nheld--;
	if ((s->client_pause & PAUSE_HELD_FULL) && s->nheld < s->proxy->opt.max_held) {
		s->client_pause &= ~PAUSE_HELD_FULL;
		proxy_client_update_pause(s);
	}
}

/* Ends the session after a rejection under acks=0: what was forwarded still
 * reaches the broker. */
static void proxy_close_acks0(struct proxy_session *s, const struct proxy_job *j)
{
	size_t i;
	for (i = 0; i < j->req.npartitions && !j->results[i].rejected; i++)
		;
	proxy_log(s->proxy, "closing %s: acks=0 Produce with %zu rejected partition(s): %s",
	          s->name, j->nrejected,
	          i < j->req.npartitions && j->results[i].message ? j->results[i].message : "");
	loop_conn_close(s->client);
	s->client = NULL;
	loop_conn_close_after_flush(s->upstream);
	s->upstream = NULL;
	proxy_session_free(s);
}

/* Forwards or answers the held requests whose turn has come, in order. The
 * session may be gone when it returns. */
static void proxy_held_drain(struct proxy_session *s)
{
	struct proxy *p = s->proxy;
	struct sg_error err;

	error_clear(&err);
	while (s->held && !s->held->running && !s->held->waiting) {
		struct proxy_job *j = s->held;
		struct proxy_pending *e = j->expects_response ? &s->pending[j->slot] : NULL;
		struct kwriter w;

		proxy_held_pop(s);
		if (!j->validate || j->nrejected == 0) {
			struct loop_frame *f = j->taken;
			j->taken = NULL;
			if (loop_conn_write_taken(s->upstream, f) != 0) {
				proxy_job_free(j);
				proxy_session_fail(s, "cannot forward a %s request",
				                   kproto_api_name(j->api_key));
				return;
			}
			proxy_job_free(j);
			continue;
		}
		kwriter_init(&w, p->opt.max_frame);
		if (j->nrejected == j->req.npartitions) {
			if (!e) {
				kwriter_free(&w);
				proxy_close_acks0(s, j);
				proxy_job_free(j);
				return;
			}
			if (kproduce_response_synthesize(&j->req, j->results, &w, &err) != 0) {
				kwriter_free(&w);
				proxy_job_free(j);
				proxy_session_fail(s, "cannot answer a rejected Produce: %s",
				                   err.msg);
				return;
			}
			e->local = kwriter_take(&w, &e->local_len);
			proxy_job_free(j);
			if (proxy_flush_local(s) != 0)
				return;
			continue;
		}
		if (kproduce_request_rewrite(&j->req, j->results, &w, &err) < 0 ||
		    loop_conn_write_frame(s->upstream, w.buf, w.len) != 0) {
			kwriter_free(&w);
			proxy_job_free(j);
			proxy_session_fail(s, "cannot forward a rewritten Produce: %s", err.msg);
			return;
		}
		kwriter_free(&w);
		if (!e) {
			proxy_close_acks0(s, j);
			proxy_job_free(j);
			return;
		}
		e->merge = j;
	}
	if (loop_conn_congested(s->upstream) && !(s->client_pause & PAUSE_UPSTREAM_FULL)) {
		s->client_pause |= PAUSE_UPSTREAM_FULL;
		proxy_client_update_pause(s);
	}
}

/* Holds the request being delivered (taken from the client's input, not
 * copied): a Produce to validate goes to the workers; any other request
 * waits behind the held ones. */
static void proxy_hold(struct proxy_session *s, const struct kproto_request *req, size_t slot)
{
	struct proxy *p = s->proxy;
	struct proxy_job *j = calloc(1, sizeof *j);
	struct sg_error err;
	size_t len;

	error_clear(&err);
	if (!j || !(j->taken = loop_conn_take_frame(s->client))) {
		free(j);
		proxy_session_fail(s, "out of memory holding a request");
		return;
	}
	j->frame = loop_frame_data(j->taken, &len);
	j->len = len;
	j->session = s;
	j->proxy = p;
	j->counted = len;
	p->held_bytes += len;
	j->validator = p->opt.validator;
	j->api_key = req->api_key;
	j->expects_response = req->expects_response;
	j->slot = slot;
	j->validate = p->opt.validator && req->api_key == KPROTO_PRODUCE;
	if (j->validate) {
		if (kproduce_request_parse(j->frame, len, &j->req, &err) != 0) {
			proxy_job_free(j);
			proxy_session_fail(s, "Produce v%d cannot be validated: %s",
			                   req->api_version, err.msg);
			return;
		}
		j->results = calloc(j->req.npartitions + 1, sizeof *j->results);
		j->rejects = calloc(j->req.npartitions + 1, sizeof *j->rejects);
		if (!j->results || !j->rejects) {
			proxy_job_free(j);
			proxy_session_fail(s, "out of memory holding a request");
			return;
		}
		if (req->client_id.len > 0)
			snprintf(j->client_id, sizeof j->client_id, "%.*s",
			         (int)(req->client_id.len < 255 ? req->client_id.len : 255),
			         (const char *)req->client_id.p);
		snprintf(j->client_addr, sizeof j->client_addr, "%s", loop_conn_peer(s->client));
	}
	if (s->held_tail)
		s->held_tail->next = j;
	else
		s->held = j;
	s->held_tail = j;
	s->nheld++;
	if (s->nheld >= p->opt.max_held && !(s->client_pause & PAUSE_HELD_FULL)) {
		s->client_pause |= PAUSE_HELD_FULL;
		proxy_client_update_pause(s);
	}
	/* Over the limit for all clients: this one waits until validation
	 * catches up (each client that holds a request meanwhile waits too). */
	if (p->held_bytes >= p->opt.max_held_bytes) {
		if (!p->memory_full) {
			time_t now = time(NULL);
			p->memory_full = 1;
			p->memory_episodes++;
			p->memory_logged = now - p->memory_log_at >= PROXY_MEMORY_LOG_S;
			if (p->memory_logged) {
				proxy_log(p,
				          "held requests reach %zu bytes (limit %zu): clients that "
				          "send more "
				          "wait until validation catches up (%lu time(s) since the "
				          "last such line)",
				          p->held_bytes, p->opt.max_held_bytes, p->memory_episodes);
				p->memory_log_at = now;
				p->memory_episodes = 0;
			}
		}
		if (!(s->client_pause & PAUSE_MEMORY)) {
			s->client_pause |= PAUSE_MEMORY;
			proxy_client_update_pause(s);
		}
	}
	if (j->validate) {
		/* A full queue: wait (not read) until a job ends and makes room. */
		if (workers_submit(p->opt.workers, proxy_job_run, proxy_job_done, j) != 0) {
			j->waiting = 1;
			if (!(s->client_pause & PAUSE_HELD_FULL)) {
				s->client_pause |= PAUSE_HELD_FULL;
				proxy_client_update_pause(s);
			}
			return;
		}
		j->running = 1;
		return;
	}
	proxy_held_drain(s);
}

/* Client side. */

static void proxy_client_frame(struct loop_conn *c, void *arg, const uint8_t *frame, size_t len)
{
	struct proxy_session *s = arg;
	struct kproto_request req;
	struct sg_error err;
	struct proxy_pending *e = NULL;
	int16_t min, max;

	error_clear(&err);
	if (kproto_request_parse(frame, len, &req, &err) != 0) {
		proxy_session_fail(s, "bad request: %s", err.msg);
		return;
	}
	if (!kproto_gateway_accepts(req.api_key, req.api_version)) {
		if (req.api_key == KPROTO_API_VERSIONS &&
		    kproto_gateway_versions(req.api_key, &min, &max) && req.api_version > max) {
			struct kwriter w;
			kwriter_init(&w, 256);
			e = proxy_pending_push(s);
			if (!e ||
			    kproto_api_versions_unsupported(req.correlation_id, &w, &err) != 0) {
				kwriter_free(&w);
				proxy_session_fail(s, "cannot answer ApiVersions v%d",
				                   req.api_version);
				return;
			}
			e->correlation_id = req.correlation_id;
			e->api_key = req.api_key;
			e->api_version = req.api_version;
			e->local = kwriter_take(&w, &e->local_len);
			(void)proxy_flush_local(s);
			return;
		}
		proxy_session_fail(s, "%s v%d (key %d) is not offered by the gateway",
		                   kproto_api_name(req.api_key), req.api_version, req.api_key);
		return;
	}
	if (req.expects_response) {
		e = proxy_pending_push(s);
		if (!e) {
			proxy_session_fail(s, "more than %zu requests in flight",
			                   s->proxy->opt.max_inflight);
			return;
		}
		e->correlation_id = req.correlation_id;
		e->api_key = req.api_key;
		e->api_version = req.api_version;
	}
	if ((s->proxy->opt.validator && req.api_key == KPROTO_PRODUCE) || s->held) {
		proxy_hold(s, &req, req.expects_response ? (size_t)(e - s->pending) : 0);
		return;
	}
	if (loop_conn_forward_frame(c, s->upstream) != 0) {
		proxy_session_fail(s, "cannot forward a %s request", kproto_api_name(req.api_key));
		return;
	}
	if (loop_conn_congested(s->upstream) && !(s->client_pause & PAUSE_UPSTREAM_FULL)) {
		s->client_pause |= PAUSE_UPSTREAM_FULL;
		proxy_client_update_pause(s);
	}
}

/* The head of a large request: one the gateway passes on unchanged (not a
 * Produce to validate, nothing held ahead of it) is streamed to the broker as
 * it arrives instead of after its last byte, so a 1 MiB batch is not delayed
 * by the time it takes to receive it. Anything else (a head that does not
 * parse, a request the gateway refuses or answers itself, a full queue of
 * pending responses) waits for the whole frame and proxy_client_frame(). */
static void proxy_client_head(struct loop_conn *c, void *arg, const uint8_t *head, size_t avail,
                              size_t len)
{
	struct proxy_session *s = arg;
	struct kproto_request req;
	struct sg_error err;
	struct proxy_pending *e;

	error_clear(&err);
	if (s->held || !s->upstream || kproto_request_parse(head, avail, &req, &err) != 0 ||
	    !kproto_gateway_accepts(req.api_key, req.api_version) ||
	    (s->proxy->opt.validator && req.api_key == KPROTO_PRODUCE) ||
	    (req.expects_response && s->count == s->proxy->opt.max_inflight))
		return;
	if (loop_conn_stream_frame(c, s->upstream) != 0)
		return;
	if (req.expects_response) {
		e = proxy_pending_push(s);
		e->correlation_id = req.correlation_id;
		e->api_key = req.api_key;
		e->api_version = req.api_version;
	}
	if (loop_conn_congested(s->upstream) && !(s->client_pause & PAUSE_UPSTREAM_FULL)) {
		s->client_pause |= PAUSE_UPSTREAM_FULL;
		proxy_client_update_pause(s);
	}
}

static int proxy_session_connect(struct proxy_session *s);

/* A TLS client finished its handshake: now the broker connection opens. */
static void proxy_client_connected(struct loop_conn *c, void *arg)
{
	struct proxy_session *s = arg;
	(void)proxy_session_connect(s);
}

static void proxy_client_drained(struct loop_conn *c, void *arg)
{
	struct proxy_session *s = arg;
	if (s->upstream_paused) {
		s->upstream_paused = 0;
		loop_conn_resume(s->upstream);
	}
}

static void proxy_client_closed(struct loop_conn *c, void *arg, const char *why, size_t midframe)
{
	struct proxy_session *s = arg;
	struct proxy *p = s->proxy;
	if (!strncmp(why, LOOP_WHY_IDLE, strlen(LOOP_WHY_IDLE)))
		proxy_log_limited(p, &p->log_idle, "closing %s: %s%s", s->name, why,
		                  midframe ? ", in the middle of a request" : "");
	else if (!strncmp(why, LOOP_WHY_HANDSHAKE, strlen(LOOP_WHY_HANDSHAKE)))
		proxy_log_limited(p, &p->log_handshake, "closing %s: %s", s->name, why);
	else if (midframe)
		proxy_log(s->proxy,
		          "closing %s: client left mid-request (%s, %zu bytes of a frame buffered)",
		          s->name, why, midframe);
	else if (strcmp(why, "peer closed") != 0)
		proxy_log(s->proxy, "closing %s: %s", s->name, why);
	s->client = NULL;
	/* Requests already forwarded (acks=0 produce among them) still reach the broker. */
	loop_conn_close_after_flush(s->upstream);
	s->upstream = NULL;
	proxy_session_free(s);
}

/* Upstream side. */

static void proxy_upstream_connected(struct loop_conn *c, void *arg)
{
	struct proxy_session *s = arg;
	loop_timer_stop(s->connect_timer);
}

static void proxy_upstream_frame(struct loop_conn *c, void *arg, const uint8_t *frame, size_t len)
{
	struct proxy_session *s = arg;
	struct proxy *p = s->proxy;
	struct proxy_pending *e;
	struct sg_error err;
	int32_t cid;
	int rc = 0;
	struct kwriter w;
	struct kaddr_map map = {proxy_map_node, p, p->advertised_host};

	error_clear(&err);
	if (kproto_response_correlation(frame, len, &cid, &err) != 0) {
		proxy_session_fail(s, "bad response from the broker: %s", err.msg);
		return;
	}
	if (!s->count || s->pending[s->head].local || s->pending[s->head].correlation_id != cid) {
		proxy_session_fail(
		    s, "the broker sent a response with correlation id %d, expected %s%d", (int)cid,
		    s->count ? "" : "none, ",
		    s->count ? (int)s->pending[s->head].correlation_id : 0);
		return;
	}
	e = &s->pending[s->head];
	kwriter_init(&w, p->opt.max_frame);
	if (e->merge) {
		struct kwriter m;
		kwriter_init(&m, p->opt.max_frame);
		rc = kproduce_response_merge(&e->merge->req, e->merge->results, frame, len, &m,
		                             &err);
		if (rc == 0 && kaddr_applies(e->api_key, e->api_version)) {
			rc =
			    kaddr_rewrite(e->api_key, e->api_version, m.buf, m.len, &map, &w, &err);
			if (rc == 0) {
				kwriter_free(&w);
				w = m;
				rc = 1;
			} else {
				kwriter_free(&m);
			}
		} else if (rc == 0) {
			kwriter_free(&w);
			w = m;
			rc = 1;
		} else {
			kwriter_free(&m);
		}
	} else if (e->api_key == KPROTO_API_VERSIONS) {
		rc = kproto_api_versions_rewrite(e->api_version, frame, len, &w, &err);
	} else if (kaddr_applies(e->api_key, e->api_version)) {
		rc = kaddr_rewrite(e->api_key, e->api_version, frame, len, &map, &w, &err);
	}
	if (rc < 0) {
		kwriter_free(&w);
		proxy_session_fail(s, "%s v%d response: %s", kproto_api_name(e->api_key),
		                   e->api_version, err.msg);
		return;
	}
	if (rc == 1 ? loop_conn_write_frame(s->client, w.buf, w.len)
	            : loop_conn_forward_frame(c, s->client)) {
		kwriter_free(&w);
		proxy_session_fail(s, "cannot queue a response");
		return;
	}
	kwriter_free(&w);
	proxy_pending_pop(s);
	(void)proxy_flush_local(s);
}

static void proxy_upstream_drained(struct loop_conn *c, void *arg)
{
	struct proxy_session *s = arg;
	if (s->client_pause & PAUSE_UPSTREAM_FULL) {
		s->client_pause &= ~PAUSE_UPSTREAM_FULL;
		proxy_client_update_pause(s);
	}
}

static void proxy_upstream_closed(struct loop_conn *c, void *arg, const char *why, size_t midframe)
{
	struct proxy_session *s = arg;
	if (midframe || s->count || strcmp(why, "peer closed") != 0)
		proxy_log(s->proxy, "closing %s: broker side ended: %s (%zu requests waiting)",
		          s->name, why, s->count);
	s->upstream = NULL;
	/* Responses already queued still reach the client. */
	loop_conn_close_after_flush(s->client);
	s->client = NULL;
	proxy_session_free(s);
}

static void proxy_connect_timeout(void *arg)
{
	struct proxy_session *s = arg;
	proxy_session_fail(s, "connecting to the broker timed out");
}

/* The client waits for the gateway: a response to come, or a request held
 * for validation to go on. */
static int proxy_client_owes(struct loop_conn *c, void *arg)
{
	struct proxy_session *s = arg;
	return s->count > 0 || s->held != NULL;
}

static const struct loop_conn_ops proxy_client_ops = {
    .frame = proxy_client_frame,
    .owes = proxy_client_owes,
    .frame_head = proxy_client_head,
    .connected = proxy_client_connected,
    .drained = proxy_client_drained,
    .closed = proxy_client_closed,
};

static const struct loop_conn_ops proxy_upstream_ops = {
    .frame = proxy_upstream_frame,
    .connected = proxy_upstream_connected,
    .drained = proxy_upstream_drained,
    .closed = proxy_upstream_closed,
};

/* Opens the broker connection of a session whose client is in place (after
 * its TLS handshake, for a TLS listener). Returns 0, or -1 with the session
 * failed and gone. */
static int proxy_session_connect(struct proxy_session *s)
{
	struct proxy *p = s->proxy;
	struct sg_error err;

	error_clear(&err);
	if (p->opt.certmap) {
		char text[512];
		const char *user = NULL;
		size_t len = 0;
		const uint8_t *der = loop_conn_peer_subject(s->client, &len);
		struct tls_ctx *tls = der ? certmap_find(p->opt.certmap, der, len, &user) : NULL;
		if (!tls) {
			proxy_session_fail(
			    s, "no broker identity for the client certificate subject %s",
			    der ? certmap_name_text(der, len, text, sizeof text)
			        : "(no certificate)");
			return -1;
		}
		proxy_log(p, "%s: certificate subject %s maps to user %s", s->name,
		          certmap_name_text(der, len, text, sizeof text), user);
		snprintf(s->name + strlen(s->name), sizeof s->name - strlen(s->name), " as %s",
		         user);
		s->upstream = loop_conn_connect_tls(p->loop, s->host, s->port, tls, NULL,
		                                    &proxy_upstream_ops, s, &p->limits, &err);
	} else if (p->opt.broker_tls)
		s->upstream = loop_conn_connect_tls(p->loop, s->host, s->port, p->opt.broker_tls,
		                                    NULL, &proxy_upstream_ops, s, &p->limits, &err);
	else
		s->upstream = loop_conn_connect(p->loop, s->host, s->port, &proxy_upstream_ops, s,
		                                &p->limits, &err);
	if (!s->upstream) {
		proxy_session_fail(s, "%s", err.msg);
		return -1;
	}
	loop_timer_start(s->connect_timer, p->opt.connect_timeout_ms);
	return 0;
}

static void proxy_session_open(struct proxy *p, int fd, const char *peer, const char *host,
                               int port, int via_port)
{
	struct proxy_session *s;
	struct proxy_addr_count *from;
	char addr[PROXY_ADDR_MAX];
	struct sg_error err;

	error_clear(&err);
	proxy_peer_address(peer, addr, sizeof addr);
	if (p->nclients >= p->opt.max_connections) {
		close(fd);
		atomic_fetch_add(&p->refused_total, 1);
		proxy_log_limited(p, &p->log_refused,
		                  "refusing client %s: %zu client connections are open, the "
		                  "limit",
		                  peer, p->nclients);
		return;
	}
	from = proxy_addr_find(p, addr, 0);
	if (from && from->n >= p->opt.max_connections_per_address) {
		close(fd);
		atomic_fetch_add(&p->refused_per_address, 1);
		proxy_log_limited(p, &p->log_refused,
		                  "refusing client %s: %zu connections from %s are open, the "
		                  "limit for one address",
		                  peer, from->n, addr);
		return;
	}
	s = calloc(1, sizeof *s);
	if (!s || !(s->pending = calloc(p->opt.max_inflight, sizeof *s->pending)) ||
	    !(from = proxy_addr_find(p, addr, 1))) {
		if (s)
			free(s->pending);
		free(s);
		close(fd);
		proxy_log(p, "refusing %s: out of memory", peer);
		return;
	}
	from->n++;
	s->from = from;
	p->nclients++;
	atomic_store(&p->clients, p->nclients);
	s->proxy = p;
	s->next = p->sessions;
	if (p->sessions)
		p->sessions->prev = s;
	p->sessions = s;
	snprintf(s->host, sizeof s->host, "%s", host);
	s->port = port;
	snprintf(s->name, sizeof s->name, "client %s on port %d to %s:%d", peer, via_port, host,
	         port);
	s->connect_timer = loop_timer_new(p->loop, proxy_connect_timeout, s, &err);
	if (!s->connect_timer) {
		close(fd);
	} else if (p->opt.client_tls) {
		/* The broker connection waits for the handshake
		 * (proxy_client_connected), which the loop times
		 * (loop_set_tls_handshake_timeout). */
		s->client = loop_conn_accept_tls(p->loop, fd, peer, p->opt.client_tls,
		                                 &proxy_client_ops, s, &p->client_limits, &err);
	} else {
		s->client = loop_conn_accept(p->loop, fd, peer, &proxy_client_ops, s,
		                             &p->client_limits, &err);
		if (s->client && proxy_session_connect(s) != 0)
			return;
	}
	if (!s->client) {
		proxy_log(p, "refusing %s: %s", s->name, err.msg);
		proxy_session_abort(s);
	}
}

static void proxy_bootstrap_accept(void *arg, int fd, const char *peer)
{
	struct proxy *p = arg;
	const struct proxy_addr *a = &p->bootstrap[p->next_bootstrap];
	p->next_bootstrap = (p->next_bootstrap + 1) % p->opt.nbootstrap;
	proxy_session_open(p, fd, peer, a->host, a->port, loop_listener_port(p->ls));
}

struct proxy *proxy_new(struct loop *loop, const struct proxy_options *opt, struct sg_error *err)
{
	struct proxy *p;

	if (!opt->nbootstrap) {
		error_set(err, SG_EBAD_REQUEST, "no bootstrap brokers");
		return NULL;
	}
	if (opt->broker_port_base <= 0 || opt->broker_port_base > 65535) {
		error_set(err, SG_EBAD_REQUEST, "broker port base %d is not a port",
		          opt->broker_port_base);
		return NULL;
	}
	p = calloc(1, sizeof *p);
	if (!p || !(p->bootstrap = calloc(opt->nbootstrap, sizeof *p->bootstrap))) {
		free(p);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	p->loop = loop;
	p->opt = *opt;
	snprintf(p->listen_host, sizeof p->listen_host, "%s",
	         opt->listen_host ? opt->listen_host : "");
	snprintf(p->advertised_host, sizeof p->advertised_host, "%s",
	         opt->advertised_host && *opt->advertised_host ? opt->advertised_host
	                                                       : p->listen_host);
	p->opt.listen_host = p->listen_host;
	p->opt.advertised_host = p->advertised_host;
	p->opt.bootstrap = NULL;
	if (!p->opt.max_inflight)
		p->opt.max_inflight = PROXY_DEFAULT_MAX_INFLIGHT;
	if (!p->opt.connect_timeout_ms)
		p->opt.connect_timeout_ms = PROXY_DEFAULT_CONNECT_TIMEOUT_MS;
	if (!p->opt.max_frame)
		p->opt.max_frame = (size_t)100 << 20;
	if (!p->opt.max_held)
		p->opt.max_held = PROXY_DEFAULT_MAX_HELD;
	if (!p->opt.max_held_bytes)
		p->opt.max_held_bytes = PROXY_DEFAULT_MAX_HELD_BYTES;
	if (!p->opt.workers)
		p->opt.validator = NULL;
	if (!p->opt.idle_timeout_ms)
		p->opt.idle_timeout_ms = PROXY_DEFAULT_IDLE_MS;
	if (!p->opt.max_connections)
		p->opt.max_connections = PROXY_DEFAULT_MAX_CONNS;
	if (!p->opt.max_connections_per_address)
		p->opt.max_connections_per_address = PROXY_DEFAULT_MAX_CONNS_PER_IP;
	p->limits.max_frame = p->opt.max_frame;
	p->client_limits = p->limits;
	p->client_limits.idle_ms = p->opt.idle_timeout_ms;
	loop_set_tls_handshake_timeout(loop, p->opt.handshake_timeout_ms);
	for (size_t i = 0; i < opt->nbootstrap; i++) {
		char *h = strdup(opt->bootstrap[i].host);
		if (!h) {
			error_set(err, SG_ENOMEM, "out of memory");
			goto err;
		}
		p->bootstrap[i].host = h;
		p->bootstrap[i].port = opt->bootstrap[i].port;
	}
	p->ls = loop_listen(loop, p->listen_host, opt->listen_port, proxy_bootstrap_accept, p, err);
	if (!p->ls)
		goto err;
	return p;
err:
	proxy_free(p);
	return NULL;
}

void proxy_free(struct proxy *p)
{
	if (!p)
		return;
	while (p->sessions)
		proxy_session_abort(p->sessions);
	loop_listener_free(p->ls);
	for (size_t i = 0; i < p->nnodes; i++) {
		loop_listener_free(p->nodes[i]->ls);
		free(p->nodes[i]);
	}
	for (size_t i = 0; i < p->opt.nbootstrap; i++)
		free((char *)p->bootstrap[i].host);
	free(p->bootstrap);
	free(p);
}

void proxy_set_tls(struct proxy *p, struct tls_ctx *client_tls, struct tls_ctx *broker_tls,
                   const struct certmap *certmap)
{
	p->opt.client_tls = client_tls;
	p->opt.broker_tls = broker_tls;
	p->opt.certmap = certmap;
}

void proxy_stats(const struct proxy *p, struct proxy_stats *out)
{
	out->clients = atomic_load(&p->clients);
	out->refused_total = atomic_load(&p->refused_total);
	out->refused_per_address = atomic_load(&p->refused_per_address);
}

int proxy_port(const struct proxy *p)
{
	return loop_listener_port(p->ls);
}
