/* registry/idcache.c: bodies by schema id, over common/lru.
 *
 * The ids are spread over shards, each a mutex and an lru of its share of the
 * byte budget; the generation is one atomic counter shared by all shards, and
 * a forget bumps it while holding the shard of the id it drops.
 */
#include "registry/idcache.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/lru.h"

#define IDCACHE_SHARDS   16
#define IDCACHE_OVERHEAD 64 /* bytes charged per entry besides its body */

/* A cached body, NUL-terminated. */
struct idcache_body {
	size_t len;
	char text[];
};

/* Aligned so that no two shards' locks share a cache line. */
struct idcache_shard {
	alignas(64) pthread_mutex_t mu;
	struct lru *bodies; /* guarded by mu */
};

struct idcache {
	_Atomic uint64_t generation;
	size_t shard_bytes;
	struct idcache_shard shards[IDCACHE_SHARDS];
};

static void idcache_body_free(void *arg, void *value)
{
	(void)arg;
	free(value);
}

/* The shard of `id`, from the top half of a Fibonacci hash: consecutive ids
 * spread evenly over the shards. */
static struct idcache_shard *idcache_shard(struct idcache *c, int64_t id)
{
	uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
	return &c->shards[(x >> 32) % IDCACHE_SHARDS];
}

struct idcache *idcache_new(size_t max_bytes)
{
	struct idcache *c = aligned_alloc(alignof(struct idcache), sizeof *c);
	if (!c)
		return NULL;
	memset(c, 0, sizeof *c);
	atomic_init(&c->generation, 1);
	c->shard_bytes = max_bytes / IDCACHE_SHARDS;
	int ok = 1;
	for (int i = 0; i < IDCACHE_SHARDS; i++) {
		pthread_mutex_init(&c->shards[i].mu, NULL);
		c->shards[i].bodies = lru_new(c->shard_bytes, idcache_body_free, NULL);
		ok &= c->shards[i].bodies != NULL;
	}
	if (!ok) {
		idcache_free(c);
		return NULL;
	}
	return c;
}

void idcache_free(struct idcache *c)
{
	if (!c)
		return;
	for (int i = 0; i < IDCACHE_SHARDS; i++) {
		lru_free(c->shards[i].bodies);
		pthread_mutex_destroy(&c->shards[i].mu);
	}
	free(c);
}

uint64_t idcache_generation(struct idcache *c)
{
	return atomic_load(&c->generation);
}

char *idcache_get(struct idcache *c, int64_t id, size_t *len)
{
	struct idcache_shard *s = idcache_shard(c, id);
	char *copy = NULL;
	pthread_mutex_lock(&s->mu);
	const struct idcache_body *b = lru_get(s->bodies, id);
	if (b && (copy = malloc(b->len + 1))) {
		memcpy(copy, b->text, b->len + 1);
		*len = b->len;
	}
	pthread_mutex_unlock(&s->mu);
	return copy;
}

void idcache_put(struct idcache *c, int64_t id, const char *body, size_t len, uint64_t gen)
{
	struct idcache_shard *s = idcache_shard(c, id);
	if (len + IDCACHE_OVERHEAD > c->shard_bytes)
		return;
	struct idcache_body *b = malloc(sizeof *b + len + 1);
	if (!b)
		return;
	b->len = len;
	memcpy(b->text, body, len);
	b->text[len] = '\0';
	int taken = 0;
	pthread_mutex_lock(&s->mu);
	if (atomic_load(&c->generation) == gen)
		taken = lru_put(s->bodies, id, b, len + IDCACHE_OVERHEAD) == 1;
	pthread_mutex_unlock(&s->mu);
	if (!taken)
		free(b);
}

void idcache_forget(struct idcache *c, int64_t id)
{
	struct idcache_shard *s = idcache_shard(c, id);
	pthread_mutex_lock(&s->mu);
	atomic_fetch_add(&c->generation, 1);
	free(lru_take(s->bodies, id));
	pthread_mutex_unlock(&s->mu);
}

void idcache_forget_all(struct idcache *c)
{
	atomic_fetch_add(&c->generation, 1);
	for (int i = 0; i < IDCACHE_SHARDS; i++) {
		pthread_mutex_lock(&c->shards[i].mu);
		lru_clear(c->shards[i].bodies);
		pthread_mutex_unlock(&c->shards[i].mu);
	}
}
