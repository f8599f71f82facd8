/* gateway/metrics.c: counters and histogram, Prometheus text (see metrics.h). */
#include "gateway/metrics.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_NAME_MAX 250

struct mt_topic {
	char name[MT_NAME_MAX];
	atomic_uint_fast64_t batches[METRICS_OUTCOME_COUNT];
	atomic_uint_fast64_t records[METRICS_OUTCOME_COUNT];
	atomic_uint_fast64_t reasons[METRICS_MAX_REASONS];
	atomic_uint_fast64_t dead;
};

struct metrics {
	const char *const *reasons;
	size_t nreasons;
	size_t max_topics;
	size_t nslots; /* a power of two, at least twice max_topics */
	_Atomic(struct mt_topic *) *slots;
	pthread_mutex_t mu;      /* serialises inserts */
	struct mt_topic **order; /* topics in order of arrival */
	atomic_size_t ntopics;
	struct mt_topic other;
	atomic_uint_fast64_t hist[METRICS_BUCKETS + 1];
	atomic_uint_fast64_t hist_sum_ns, hist_count;
};

static const uint64_t mt_bounds_ns[METRICS_BUCKETS] = {
    10000,     25000,     50000,     100000,     250000,     500000,
    1000000,   2500000,   5000000,   10000000,   25000000,   50000000,
    100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000,
};
static const char *const mt_bounds_text[METRICS_BUCKETS] = {
    "1e-05", "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005",
    "0.01",  "0.025",   "0.05",  "0.1",    "0.25",    "0.5",    "1",     "2.5",    "5",
};

static const char *const mt_outcome_names[METRICS_OUTCOME_COUNT] = {
    "accepted", "rejected", "shadow_rejected", "retriable", "unchecked"};

struct metrics *metrics_new(const char *const *reasons, size_t nreasons, size_t max_topics)
{
	if (nreasons > METRICS_MAX_REASONS)
		return NULL;
	struct metrics *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->reasons = reasons;
	m->nreasons = nreasons;
	m->max_topics = max_topics ? max_topics : 1000;
	m->nslots = 16;
	while (m->nslots < 2 * m->max_topics)
		m->nslots *= 2;
	m->slots = calloc(m->nslots, sizeof *m->slots);
	m->order = calloc(m->max_topics, sizeof *m->order);
	if (!m->slots || !m->order) {
		free(m->slots);
		free(m->order);
		free(m);
		return NULL;
	}
	snprintf(m->other.name, sizeof m->other.name, "_other");
	pthread_mutex_init(&m->mu, NULL);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	size_t n = atomic_load(&m->ntopics);
	for (size_t i = 0; i < n; i++)
		free(m->order[i]);
	free(m->order);
	free(m->slots);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

static uint32_t mt_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

/* The counters of `topic` (its first MT_NAME_MAX-1 bytes). */
static struct mt_topic *mt_topic(struct metrics *m, const char *topic)
{
	if (!topic)
		topic = "";
	size_t n = strnlen(topic, MT_NAME_MAX - 1);
	size_t mask = m->nslots - 1;
	size_t i = mt_hash(topic, n) & mask;
	for (size_t probe = 0; probe < m->nslots; probe++, i = (i + 1) & mask) {
		struct mt_topic *t = atomic_load_explicit(&m->slots[i], memory_order_acquire);
		if (!t)
			break;
		if (strncmp(t->name, topic, n) == 0 && t->name[n] == '\0')
			return t;
	}
	/* Not there: insert under the mutex (probing again: another thread may
	 * have inserted it meanwhile). */
	pthread_mutex_lock(&m->mu);
	struct mt_topic *found = NULL;
	i = mt_hash(topic, n) & mask;
	for (size_t probe = 0; probe < m->nslots; probe++, i = (i + 1) & mask) {
		struct mt_topic *t = atomic_load_explicit(&m->slots[i], memory_order_relaxed);
		if (!t)
			break;
		if (strncmp(t->name, topic, n) == 0 && t->name[n] == '\0') {
			found = t;
			break;
		}
	}
	size_t count = atomic_load_explicit(&m->ntopics, memory_order_relaxed);
	if (!found && count < m->max_topics) {
		struct mt_topic *t = calloc(1, sizeof *t);
		if (t) {
			memcpy(t->name, topic, n);
			t->name[n] = '\0';
			m->order[count] = t;
			atomic_store_explicit(&m->ntopics, count + 1, memory_order_release);
			atomic_store_explicit(&m->slots[i], t, memory_order_release);
			found = t;
		}
	}
	pthread_mutex_unlock(&m->mu);
	return found ? found : &m->other;
}

static void mt_add(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

void metrics_batch(struct metrics *m, const char *topic, enum metrics_outcome o, uint32_t records,
                   uint64_t latency_ns)
{
	if ((unsigned)o >= METRICS_OUTCOME_COUNT)
		return;
	struct mt_topic *t = mt_topic(m, topic);
	mt_add(&t->batches[o], 1);
	mt_add(&t->records[o], records);
	size_t b = 0;
	while (b < METRICS_BUCKETS && latency_ns > mt_bounds_ns[b])
		b++;
	mt_add(&m->hist[b], 1);
	mt_add(&m->hist_sum_ns, latency_ns);
	mt_add(&m->hist_count, 1);
}

void metrics_reason(struct metrics *m, const char *topic, unsigned reason, uint32_t n)
{
	if (reason >= m->nreasons)
		return;
	mt_add(&mt_topic(m, topic)->reasons[reason], n);
}

void metrics_dead_lettered(struct metrics *m, const char *topic, uint32_t n)
{
	mt_add(&mt_topic(m, topic)->dead, n);
}

/* ---- rendering ---- */

struct mt_buf {
	char *p;
	size_t len, cap;
	int failed;
};

__attribute__((format(printf, 2, 3))) static void mt_printf(struct mt_buf *b, const char *fmt, ...)
{
	if (b->failed)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap * 2 + (size_t)n;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

/* A label value with \ " and newline escaped (the text format's rules). */
static void mt_label(const char *s, char *out, size_t cap)
{
	size_t at = 0;
	for (; *s && at + 3 < cap; s++) {
		if (*s == '\\' || *s == '"') {
			out[at++] = '\\';
			out[at++] = *s;
		} else if (*s == '\n') {
			out[at++] = '\\';
			out[at++] = 'n';
		} else {
			out[at++] = *s;
		}
	}
	out[at] = '\0';
}

static uint64_t mt_get(atomic_uint_fast64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Calls the family's lines for every topic (and "_other" when used). */
static size_t mt_topics(struct metrics *m, struct mt_topic **list, size_t cap)
{
	size_t n = atomic_load_explicit(&m->ntopics, memory_order_acquire);
	size_t k = 0;
	for (size_t i = 0; i < n && k < cap; i++)
		list[k++] = m->order[i];
	int used = 0;
	for (int o = 0; o < METRICS_OUTCOME_COUNT; o++)
		used |= mt_get(&m->other.batches[o]) != 0;
	used |= mt_get(&m->other.dead) != 0;
	for (size_t r = 0; r < m->nreasons; r++)
		used |= mt_get(&m->other.reasons[r]) != 0;
	if (used && k < cap)
		list[k++] = &m->other;
	return k;
}

static void mt_counter(struct mt_buf *b, const char *name, const char *help, uint64_t v)
{
	mt_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name, help, name, name,
	          v);
}

static void mt_gauge(struct mt_buf *b, const char *name, const char *help, uint64_t v)
{
	mt_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %" PRIu64 "\n", name, help, name, name, v);
}

char *metrics_render(struct metrics *m, const struct metrics_extra *x, size_t *len)
{
	struct mt_buf b = {.cap = 4096};
	b.p = malloc(b.cap);
	struct mt_topic **list = malloc((m->max_topics + 1) * sizeof *list);
	if (!b.p || !list) {
		free(b.p);
		free(list);
		return NULL;
	}
	size_t nt = mt_topics(m, list, m->max_topics + 1);
	char label[2 * MT_NAME_MAX + 1];

	mt_printf(&b, "# HELP schemagate_gateway_batches_total Partition batches checked, by "
	              "outcome.\n# TYPE schemagate_gateway_batches_total counter\n");
	for (size_t i = 0; i < nt; i++) {
		mt_label(list[i]->name, label, sizeof label);
		for (int o = 0; o < METRICS_OUTCOME_COUNT; o++)
			mt_printf(&b,
			          "schemagate_gateway_batches_total{topic=\"%s\",outcome=\"%s\"} "
			          "%" PRIu64 "\n",
			          label, mt_outcome_names[o], mt_get(&list[i]->batches[o]));
	}
	mt_printf(&b, "# HELP schemagate_gateway_records_total Records in the batches checked, by "
	              "outcome of their batch.\n# TYPE schemagate_gateway_records_total counter\n");
	for (size_t i = 0; i < nt; i++) {
		mt_label(list[i]->name, label, sizeof label);
		for (int o = 0; o < METRICS_OUTCOME_COUNT; o++)
			mt_printf(&b,
			          "schemagate_gateway_records_total{topic=\"%s\",outcome=\"%s\"} "
			          "%" PRIu64 "\n",
			          label, mt_outcome_names[o], mt_get(&list[i]->records[o]));
	}
	mt_printf(&b, "# HELP schemagate_gateway_rejected_records_total Records found bad, by "
	              "reason (shadow mode included).\n"
	              "# TYPE schemagate_gateway_rejected_records_total counter\n");
	for (size_t i = 0; i < nt; i++) {
		mt_label(list[i]->name, label, sizeof label);
		for (size_t r = 0; r < m->nreasons; r++) {
			uint64_t v = mt_get(&list[i]->reasons[r]);
			if (v)
				mt_printf(&b,
				          "schemagate_gateway_rejected_records_total{topic=\"%s\","
				          "reason=\"%s\"} %" PRIu64 "\n",
				          label, m->reasons[r], v);
		}
	}
	mt_printf(&b, "# HELP schemagate_gateway_dead_lettered_total Rejected records handed to "
	              "the dead-letter producer.\n"
	              "# TYPE schemagate_gateway_dead_lettered_total counter\n");
	for (size_t i = 0; i < nt; i++) {
		uint64_t v = mt_get(&list[i]->dead);
		if (!v)
			continue;
		mt_label(list[i]->name, label, sizeof label);
		mt_printf(&b, "schemagate_gateway_dead_lettered_total{topic=\"%s\"} %" PRIu64 "\n",
		          label, v);
	}

	mt_printf(&b, "# HELP schemagate_gateway_validation_seconds Time to check one partition "
	              "batch, registry lookups included.\n"
	              "# TYPE schemagate_gateway_validation_seconds histogram\n");
	uint64_t cum = 0;
	for (int i = 0; i < METRICS_BUCKETS; i++) {
		cum += mt_get(&m->hist[i]);
		mt_printf(&b,
		          "schemagate_gateway_validation_seconds_bucket{le=\"%s\"} %" PRIu64 "\n",
		          mt_bounds_text[i], cum);
	}
	cum += mt_get(&m->hist[METRICS_BUCKETS]);
	uint64_t sum = mt_get(&m->hist_sum_ns);
	mt_printf(&b, "schemagate_gateway_validation_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
	          cum);
	mt_printf(&b, "schemagate_gateway_validation_seconds_sum %" PRIu64 ".%09" PRIu64 "\n",
	          sum / 1000000000u, sum % 1000000000u);
	mt_printf(&b, "schemagate_gateway_validation_seconds_count %" PRIu64 "\n", cum);

	if (x && x->has_cache) {
		mt_counter(&b, "schemagate_gateway_schema_cache_hits_total",
		           "Schema lookups answered from the cache.", x->cache_hits);
		mt_counter(&b, "schemagate_gateway_schema_cache_fetches_total",
		           "Registry requests made by the gateway.", x->cache_fetches);
		mt_counter(&b, "schemagate_gateway_schema_cache_fetch_errors_total",
		           "Registry requests that failed.", x->cache_fetch_errors);
		mt_counter(&b, "schemagate_gateway_schema_cache_stale_total",
		           "Expired answers served while the registry was unavailable.",
		           x->cache_stale);
		mt_counter(&b, "schemagate_gateway_schema_cache_evictions_total",
		           "Schemas dropped by the cache's memory bound.", x->cache_evictions);
		mt_gauge(&b, "schemagate_gateway_schema_cache_entries", "Schemas cached.",
		         x->cache_entries);
		mt_gauge(&b, "schemagate_gateway_schema_cache_bytes",
		         "Estimated memory of the schemas cached.", x->cache_bytes);
	}
	if (x && x->has_dead_letter) {
		mt_counter(&b, "schemagate_gateway_dead_letter_queued_total",
		           "Records queued for a dead-letter topic.", x->dl_queued);
		mt_counter(&b, "schemagate_gateway_dead_letter_delivered_total",
		           "Dead-letter records the broker acknowledged.", x->dl_delivered);
		mt_counter(&b, "schemagate_gateway_dead_letter_failed_total",
		           "Dead-letter records that could not be delivered.", x->dl_failed);
		mt_counter(&b, "schemagate_gateway_dead_letter_dropped_total",
		           "Dead-letter records dropped because the queue was full.",
		           x->dl_dropped);
	}
	if (x && x->has_rejections)
		mt_counter(&b, "schemagate_gateway_rejections_total",
		           "Rejected batches recorded (enforce and shadow).", x->rejections);
	free(list);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	if (len)
		*len = b.len;
	return b.p;
}
