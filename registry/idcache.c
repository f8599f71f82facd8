/* registry/idcache.c: sharded LRU cache of bodies by schema id.
 *
 * Each shard has a mutex, a chained hash table and a doubly linked LRU list;
 * the generation is one atomic counter shared by all shards.
 */
#include "registry/idcache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define IDCACHE_SHARDS   16
#define IDCACHE_BUCKETS  1024 /* per shard; chains stay short at the sizes we hold */
#define IDCACHE_OVERHEAD 64   /* bytes charged per entry besides its body */

struct idcache_entry {
	int64_t id;
	struct idcache_entry *next_in_bucket;
	struct idcache_entry *lru_prev, *lru_next; /* most recent at head */
	size_t len;
	char body[];
};

struct idcache_shard {
	pthread_mutex_t mu;
	struct idcache_entry *buckets[IDCACHE_BUCKETS];
	struct idcache_entry *lru_head, *lru_tail;
	size_t bytes, entries, max_bytes;
};

struct idcache {
	_Atomic uint64_t generation;
	struct idcache_shard shards[IDCACHE_SHARDS];
};

static uint64_t idcache_mix(int64_t id)
{
	uint64_t x = (uint64_t)id;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static struct idcache_shard *idcache_shard(struct idcache *c, int64_t id, size_t *bucket)
{
	uint64_t h = idcache_mix(id);
	*bucket = (size_t)(h >> 8) % IDCACHE_BUCKETS;
	return &c->shards[h % IDCACHE_SHARDS];
}

struct idcache *idcache_new(size_t max_bytes)
{
	struct idcache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	atomic_init(&c->generation, 1);
	for (int i = 0; i < IDCACHE_SHARDS; i++) {
		pthread_mutex_init(&c->shards[i].mu, NULL);
		c->shards[i].max_bytes = max_bytes / IDCACHE_SHARDS;
	}
	return c;
}

void idcache_free(struct idcache *c)
{
	if (!c)
		return;
	for (int i = 0; i < IDCACHE_SHARDS; i++) {
		struct idcache_entry *e = c->shards[i].lru_head;
		while (e) {
			struct idcache_entry *next = e->lru_next;
			free(e);
			e = next;
		}
		pthread_mutex_destroy(&c->shards[i].mu);
	}
	free(c);
}

uint64_t idcache_generation(struct idcache *c)
{
	return atomic_load(&c->generation);
}

static void idcache_lru_unlink(struct idcache_shard *s, struct idcache_entry *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		s->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		s->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void idcache_lru_push(struct idcache_shard *s, struct idcache_entry *e)
{
	e->lru_prev = NULL;
	e->lru_next = s->lru_head;
	if (s->lru_head)
		s->lru_head->lru_prev = e;
	s->lru_head = e;
	if (!s->lru_tail)
		s->lru_tail = e;
}

/* Removes `e` from its bucket and the LRU list and frees it. */
static void idcache_remove(struct idcache_shard *s, struct idcache_entry *e)
{
	size_t bucket = (size_t)(idcache_mix(e->id) >> 8) % IDCACHE_BUCKETS;
	struct idcache_entry **pp = &s->buckets[bucket];
	while (*pp && *pp != e)
		pp = &(*pp)->next_in_bucket;
	if (*pp)
		*pp = e->next_in_bucket;
	idcache_lru_unlink(s, e);
	s->bytes -= e->len + IDCACHE_OVERHEAD;
	s->entries--;
	free(e);
}

static struct idcache_entry *idcache_find(struct idcache_shard *s, size_t bucket, int64_t id)
{
	for (struct idcache_entry *e = s->buckets[bucket]; e; e = e->next_in_bucket)
		if (e->id == id)
			return e;
	return NULL;
}

char *idcache_get(struct idcache *c, int64_t id, size_t *len)
{
	size_t bucket;
	struct idcache_shard *s = idcache_shard(c, id, &bucket);
	char *copy = NULL;
	pthread_mutex_lock(&s->mu);
	struct idcache_entry *e = idcache_find(s, bucket, id);
	if (e) {
		copy = malloc(e->len + 1);
		if (copy) {
			memcpy(copy, e->body, e->len + 1);
			*len = e->len;
			if (s->lru_head != e) {
				idcache_lru_unlink(s, e);
				idcache_lru_push(s, e);
			}
		}
	}
	pthread_mutex_unlock(&s->mu);
	return copy;
}

void idcache_put(struct idcache *c, int64_t id, const char *body, size_t len, uint64_t gen)
{
	size_t bucket;
	struct idcache_shard *s = idcache_shard(c, id, &bucket);
	if (len + IDCACHE_OVERHEAD > s->max_bytes)
		return;
	struct idcache_entry *e = malloc(sizeof *e + len + 1);
	if (!e)
		return;
	e->id = id;
	e->len = len;
	memcpy(e->body, body, len);
	e->body[len] = '\0';
	pthread_mutex_lock(&s->mu);
	if (atomic_load(&c->generation) != gen || idcache_find(s, bucket, id)) {
		pthread_mutex_unlock(&s->mu);
		free(e);
		return;
	}
	while (s->lru_tail && s->bytes + len + IDCACHE_OVERHEAD > s->max_bytes)
		idcache_remove(s, s->lru_tail);
	e->next_in_bucket = s->buckets[bucket];
	s->buckets[bucket] = e;
	idcache_lru_push(s, e);
	s->bytes += len + IDCACHE_OVERHEAD;
	s->entries++;
	pthread_mutex_unlock(&s->mu);
}

void idcache_forget(struct idcache *c, int64_t id)
{
	size_t bucket;
	struct idcache_shard *s = idcache_shard(c, id, &bucket);
	pthread_mutex_lock(&s->mu);
	atomic_fetch_add(&c->generation, 1);
	struct idcache_entry *e = idcache_find(s, bucket, id);
	if (e)
		idcache_remove(s, e);
	pthread_mutex_unlock(&s->mu);
}
