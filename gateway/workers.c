/* gateway/workers.c: the worker pool and its wake-up socket. */
#include "gateway/workers.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "compat/error.h"
#include "gateway/loop.h"

#ifndef WORKERS_DEFAULT_THREADS
#define WORKERS_DEFAULT_THREADS 4
#endif
#ifndef WORKERS_DEFAULT_QUEUE /* tests build with a tiny queue to exercise a full one */
#define WORKERS_DEFAULT_QUEUE 1024
#endif
#define WORKERS_MAX_THREADS 256

struct workers_job {
	struct workers_job *next;
	workers_run_fn run;
	workers_done_fn done;
	void *job;
};

struct workers {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct workers_job *queue, *queue_tail; /* waiting to run */
	struct workers_job *finished;           /* run, waiting for the loop (LIFO) */
	size_t pending;                         /* submitted, not handed back */
	int stopping;
	struct workers_options opt;
	pthread_t *threads;
	unsigned nthreads;
	int wake_fd;            /* the workers' end */
	struct loop_conn *wake; /* the loop's end */
};

static void workers_wake(struct workers *w)
{
	/* One frame of one byte: the loop's connection delivers it as a frame. */
	static const unsigned char msg[5] = {0, 0, 0, 1, 'w'};
	size_t off = 0;
	while (off < sizeof msg) {
		ssize_t n = write(w->wake_fd, msg + off, sizeof msg - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

static void *workers_main(void *arg)
{
	struct workers *w = arg;
	void *ctx = w->opt.thread_init ? w->opt.thread_init(w->opt.thread_arg) : NULL;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct workers_job *j;
		int was_empty;
		while (!w->queue && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stopping)
			break;
		j = w->queue;
		w->queue = j->next;
		if (!w->queue)
			w->queue_tail = NULL;
		pthread_mutex_unlock(&w->mu);
		j->run(j->job, ctx);
		pthread_mutex_lock(&w->mu);
		was_empty = w->finished == NULL;
		j->next = w->finished;
		w->finished = j;
		if (was_empty) {
			/* Written under the lock, so wake-ups come in order with the list. */
			workers_wake(w);
		}
	}
	pthread_mutex_unlock(&w->mu);
	if (w->opt.thread_fini)
		w->opt.thread_fini(ctx);
	return NULL;
}

/* Hands finished jobs back, oldest first. */
static void workers_deliver(struct workers *w, int cancelled)
{
	struct workers_job *list, *rev = NULL;

	pthread_mutex_lock(&w->mu);
	list = w->finished;
	w->finished = NULL;
	pthread_mutex_unlock(&w->mu);
	while (list) {
		struct workers_job *n = list->next;
		list->next = rev;
		rev = list;
		list = n;
	}
	while (rev) {
		struct workers_job *n = rev->next;
		w->pending--;
		rev->done(rev->job, cancelled);
		free(rev);
		rev = n;
	}
}

static void workers_frame(struct loop_conn *c, void *arg, const uint8_t *p, size_t len)
{
	(void)c;
	(void)p;
	(void)len;
	workers_deliver(arg, 0);
}

static void workers_closed(struct loop_conn *c, void *arg, const char *why, size_t midframe)
{
	struct workers *w = arg;
	(void)c;
	(void)why;
	(void)midframe;
	w->wake = NULL;
}

static const struct loop_conn_ops workers_ops = {
    .frame = workers_frame,
    .closed = workers_closed,
};

struct workers *workers_new(struct loop *loop, const struct workers_options *o,
                            struct sg_error *err)
{
	struct workers *w = calloc(1, sizeof *w);
	int sv[2];

	if (!w) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	if (o)
		w->opt = *o;
	if (!w->opt.threads)
		w->opt.threads = WORKERS_DEFAULT_THREADS;
	if (w->opt.threads > WORKERS_MAX_THREADS)
		w->opt.threads = WORKERS_MAX_THREADS;
	if (!w->opt.queue_max)
		w->opt.queue_max = WORKERS_DEFAULT_QUEUE;
	w->wake_fd = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		error_set(err, SG_EIO, "socketpair: %s", strerror(errno));
		goto err;
	}
	w->wake_fd = sv[1];
	w->wake = loop_conn_accept(loop, sv[0], "workers", &workers_ops, w, NULL, err);
	if (!w->wake)
		goto err;
	w->threads = calloc(w->opt.threads, sizeof *w->threads);
	if (!w->threads) {
		error_set(err, SG_ENOMEM, "out of memory");
		goto err;
	}
	for (unsigned i = 0; i < w->opt.threads; i++) {
		int rc = pthread_create(&w->threads[i], NULL, workers_main, w);
		if (rc != 0) {
			error_set(err, SG_EINTERNAL, "cannot start a worker thread: %s",
			          strerror(rc));
			goto err;
		}
		w->nthreads++;
	}
	return w;
err:
	workers_free(w);
	return NULL;
}

int workers_submit(struct workers *w, workers_run_fn run, workers_done_fn done, void *job)
{
	struct workers_job *j;

	if (w->pending >= w->opt.queue_max || !w->wake)
		return -1;
	j = malloc(sizeof *j);
	if (!j)
		return -1;
	j->next = NULL;
	j->run = run;
	j->done = done;
	j->job = job;
	pthread_mutex_lock(&w->mu);
	if (w->queue_tail)
		w->queue_tail->next = j;
	else
		w->queue = j;
	w->queue_tail = j;
	w->pending++;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

size_t workers_pending(const struct workers *w)
{
	return w->pending;
}

void workers_free(struct workers *w)
{
	struct workers_job *j;

	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (unsigned i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	free(w->threads);
	workers_deliver(w, 1);
	while ((j = w->queue)) {
		w->queue = j->next;
		j->done(j->job, 1);
		free(j);
	}
	loop_conn_close(w->wake);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}
