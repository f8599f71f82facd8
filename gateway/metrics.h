/* gateway/metrics.h: the validation counters and latency histogram, in the
 * Prometheus text exposition format (version 0.0.4) for GET /metrics.
 *
 * Families rendered (every counter is cumulative since start):
 *
 *   schemagate_gateway_batches_total{topic,outcome}   partition batches
 *   schemagate_gateway_records_total{topic,outcome}   records in them
 *   schemagate_gateway_rejected_records_total{topic,reason}
 *   schemagate_gateway_dead_lettered_total{topic}     records written to a DLT
 *   schemagate_gateway_validation_seconds             histogram, one batch's check
 * and, when the caller passes them (struct metrics_extra):
 *   schemagate_gateway_schema_cache_{hits,fetches,fetch_errors,stale,evictions}_total
 *   schemagate_gateway_schema_cache_entries, _bytes
 *   schemagate_gateway_dead_letter_{queued,delivered,failed,dropped}_total
 *   schemagate_gateway_rejections_total
 *
 * Outcomes: accepted (checked and valid), rejected (enforce mode), shadow_rejected
 * (shadow mode: would have been rejected, forwarded), retriable (registry
 * unavailable, fail closed), unchecked (passed without a full check: mode off,
 * no subject and require_schema false, or fail_open during an outage).
 * Reasons are the fixed codes the caller names at creation (gwcheck's), so
 * label values never come from payloads. Topics are bounded too: past
 * `max_topics` distinct topics, further ones are counted under the topic
 * label "_other".
 *
 * Cost: recording takes no lock once a topic has been seen (a lock-free
 * lookup in a fixed open-addressing table, then relaxed atomic adds); the
 * first batch of a new topic takes a mutex to insert it.
 *
 * Threads: every function is thread-safe.
 */
#ifndef SG_METRICS_H
#define SG_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum metrics_outcome {
	METRICS_ACCEPTED,
	METRICS_REJECTED,
	METRICS_SHADOW_REJECTED,
	METRICS_RETRIABLE,
	METRICS_UNCHECKED,
	METRICS_OUTCOME_COUNT
};

/* Most reason codes a metrics object counts. */
#define METRICS_MAX_REASONS 32
/* Histogram bucket upper bounds, in seconds (then +Inf). */
#define METRICS_BUCKETS 18

struct metrics;

/* `reasons` (nreasons <= METRICS_MAX_REASONS, static strings that must
 * outlive the object) name the reason codes 0..nreasons-1; `max_topics` (0:
 * 1000) bounds the topic label. NULL when out of memory or nreasons is too
 * big. */
struct metrics *metrics_new(const char *const *reasons, size_t nreasons, size_t max_topics);
void metrics_free(struct metrics *m);

/* Counts one batch of `records` records with its outcome and the time its
 * check took. */
void metrics_batch(struct metrics *m, const char *topic, enum metrics_outcome o, uint32_t records,
                   uint64_t latency_ns);

/* Counts `n` bad records for `reason` (ignored when out of range). */
void metrics_reason(struct metrics *m, const char *topic, unsigned reason, uint32_t n);

/* Counts `n` records handed to the dead-letter producer. */
void metrics_dead_lettered(struct metrics *m, const char *topic, uint32_t n);

/* Figures from other modules, rendered when `has_*` is set. */
struct metrics_extra {
	int has_cache;
	uint64_t cache_hits, cache_fetches, cache_fetch_errors, cache_stale, cache_evictions;
	uint64_t cache_entries, cache_bytes;
	int has_dead_letter;
	uint64_t dl_queued, dl_delivered, dl_failed, dl_dropped;
	int has_rejections;
	uint64_t rejections;
};

/* The exposition text (malloc'd, NUL-terminated; length in *len when not
 * NULL), or NULL when out of memory. `x` may be NULL. */
char *metrics_render(struct metrics *m, const struct metrics_extra *x, size_t *len);

#endif
