/* gateway/workers.h: a small pool of threads that run blocking jobs (record
 * validation, which may wait for the registry) off the event loop, and hand
 * each result back to the loop's thread.
 *
 *   struct workers *w = workers_new(loop, &opt, &err);
 *   workers_submit(w, run, done, job);   from the loop thread
 *       run(job, thread_ctx)             on a worker thread
 *       done(job, 0)                     later, on the loop thread
 *   workers_free(w);
 *
 * Jobs wait in a bounded queue (opt.queue_max); workers_submit() refuses a
 * job when it is full, so the caller applies backpressure. Each thread has
 * a context made by opt.thread_init (e.g. a gwcheck scratch). Completions
 * reach the loop through a socket pair the loop reads like a connection.
 *
 * Threads: workers_new(), workers_submit() and workers_free() run on the
 * loop's thread; `run` on a worker thread; `done` on the loop's thread,
 * from loop_run(), or from workers_free() with cancelled = 1 for each job
 * not yet handed back (then the owner only frees it).
 * Ownership: jobs stay the caller's; the pool never frees them.
 */
#ifndef SG_WORKERS_H
#define SG_WORKERS_H

#include <stddef.h>

struct loop;
struct sg_error;
struct workers;

typedef void (*workers_run_fn)(void *job, void *thread_ctx);
typedef void (*workers_done_fn)(void *job, int cancelled);

struct workers_options {
	unsigned threads; /* 0: 4 */
	size_t queue_max; /* jobs waiting or running; 0: 1024 */
	/* Makes one thread's context (NULL is a valid context); may be NULL. */
	void *(*thread_init)(void *arg);
	void (*thread_fini)(void *ctx);
	void *thread_arg;
};

/* Starts the threads. NULL on failure with `err` set. */
struct workers *workers_new(struct loop *loop, const struct workers_options *o,
                            struct sg_error *err);

/* Queues a job. Returns 0, or -1 when the queue is full or the pool is
 * shutting down (nothing is called then). */
int workers_submit(struct workers *w, workers_run_fn run, workers_done_fn done, void *job);

/* Jobs submitted and not yet handed back. */
size_t workers_pending(const struct workers *w);

/* Stops the threads after their current job, then calls done(job, 1) for
 * every job not handed back. Accepts NULL. */
void workers_free(struct workers *w);

#endif
