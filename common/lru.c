/* common/lru.c: a bounded LRU cache (see lru.h).
 *
 * A chained hash table, doubled when it holds more values than buckets, and a
 * doubly linked recency list from the newest to the oldest node. Each node
 * carries its key (a string key inline after the node) and its value pointer.
 */
#include "common/lru.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LRU_MIN_BUCKETS 16 /* a power of two, like every bucket count */

struct lru_node {
	struct lru_node *chain;         /* next in the same bucket */
	struct lru_node *newer, *older; /* the recency list */
	void *value;
	size_t cost;
	uint64_t hash;
	int64_t key;      /* 0 for a string key */
	atomic_bool used; /* set by lru_get_shared*(), cleared when moved */
	bool has_str;
	char str[]; /* the string key, when has_str */
};

/* Aligned so that caches used by different threads (a sharded cache's shards)
 * never write to the same cache line. */
struct lru {
	alignas(64) struct lru_node **buckets;
	size_t nbuckets;
	struct lru_node *newest, *oldest;
	size_t count, cost, budget;
	uint64_t evictions;
	lru_free_fn *free_fn;
	void *arg;
};

static uint64_t lru_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static uint64_t lru_hash(int64_t key, const char *str)
{
	if (!str)
		return lru_mix((uint64_t)key);
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	for (; *str; str++)
		h = (h ^ (uint8_t)*str) * 0x100000001b3ULL;
	return lru_mix(h);
}

struct lru *lru_new(size_t budget, lru_free_fn *free_fn, void *arg)
{
	struct lru *l = aligned_alloc(alignof(struct lru), sizeof *l);
	if (!l)
		return NULL;
	memset(l, 0, sizeof *l);
	l->buckets = calloc(LRU_MIN_BUCKETS, sizeof *l->buckets);
	if (!l->buckets) {
		free(l);
		return NULL;
	}
	l->nbuckets = LRU_MIN_BUCKETS;
	l->budget = budget;
	l->free_fn = free_fn;
	l->arg = arg;
	return l;
}

void lru_clear(struct lru *l)
{
	struct lru_node *n = l->newest;
	while (n) {
		struct lru_node *older = n->older;
		if (l->free_fn)
			l->free_fn(l->arg, n->value);
		free(n);
		n = older;
	}
	memset(l->buckets, 0, l->nbuckets * sizeof *l->buckets);
	l->newest = l->oldest = NULL;
	l->count = l->cost = 0;
}

void lru_free(struct lru *l)
{
	if (!l)
		return;
	lru_clear(l);
	free(l->buckets);
	free(l);
}

void lru_stats(const struct lru *l, struct lru_stats *out)
{
	out->count = l->count;
	out->cost = l->cost;
	out->evictions = l->evictions;
}

/* ---- the table and the list (exclusive access, but for lru_find) ---- */

/* The link that points at the node for (key, str), or at the NULL ending its
 * chain. */
static struct lru_node **lru_find(const struct lru *l, uint64_t hash, int64_t key, const char *str)
{
	struct lru_node **pp = &l->buckets[hash & (l->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->chain) {
		const struct lru_node *n = *pp;
		if (n->hash != hash || n->has_str != (str != NULL))
			continue;
		if (str ? strcmp(n->str, str) == 0 : n->key == key)
			break;
	}
	return pp;
}

static void lru_list_unlink(struct lru *l, struct lru_node *n)
{
	if (n->newer)
		n->newer->older = n->older;
	else
		l->newest = n->older;
	if (n->older)
		n->older->newer = n->newer;
	else
		l->oldest = n->newer;
	n->newer = n->older = NULL;
}

static void lru_list_push(struct lru *l, struct lru_node *n)
{
	n->newer = NULL;
	n->older = l->newest;
	if (l->newest)
		l->newest->newer = n;
	l->newest = n;
	if (!l->oldest)
		l->oldest = n;
	atomic_store_explicit(&n->used, false, memory_order_relaxed);
}

/* Unlinks the node `*pp` points at from the table and the list; returns it. */
static struct lru_node *lru_unlink(struct lru *l, struct lru_node **pp)
{
	struct lru_node *n = *pp;
	*pp = n->chain;
	lru_list_unlink(l, n);
	l->count--;
	l->cost -= n->cost;
	return n;
}

/* Doubles the table. On OOM the table keeps its size (chains grow longer). */
static void lru_grow(struct lru *l)
{
	size_t nb = l->nbuckets * 2;
	struct lru_node **b = calloc(nb, sizeof *b);
	if (!b)
		return;
	for (struct lru_node *n = l->newest; n; n = n->older) {
		struct lru_node **slot = &b[n->hash & (nb - 1)];
		n->chain = *slot;
		*slot = n;
	}
	free(l->buckets);
	l->buckets = b;
	l->nbuckets = nb;
}

/* Evicts from the oldest end until `cost` more fits the budget. A node marked
 * used by lru_get_shared() moves to the newest end instead, unmarked; so the
 * loop ends once every node has been passed over at most once. */
static void lru_make_room(struct lru *l, size_t cost)
{
	while (l->oldest && l->cost + cost > l->budget) {
		struct lru_node *n = l->oldest;
		if (atomic_load_explicit(&n->used, memory_order_relaxed)) {
			lru_list_unlink(l, n);
			lru_list_push(l, n);
			continue;
		}
		lru_unlink(l, lru_find(l, n->hash, n->key, n->has_str ? n->str : NULL));
		l->evictions++;
		if (l->free_fn)
			l->free_fn(l->arg, n->value);
		free(n);
	}
}

/* ---- the operations, over (key, str): str NULL for an int64 key ---- */

static int lru_put_key(struct lru *l, int64_t key, const char *str, void *value, size_t cost)
{
	if (cost == 0)
		cost = 1;
	if (cost > l->budget)
		return -1;
	uint64_t hash = lru_hash(key, str);
	if (*lru_find(l, hash, key, str))
		return 0;
	size_t slen = str ? strlen(str) + 1 : 0;
	struct lru_node *n = malloc(sizeof *n + slen);
	if (!n)
		return -1;
	n->value = value;
	n->cost = cost;
	n->hash = hash;
	n->key = str ? 0 : key;
	n->has_str = str != NULL;
	if (str)
		memcpy(n->str, str, slen);
	lru_make_room(l, cost);
	if (l->count >= l->nbuckets)
		lru_grow(l);
	struct lru_node **slot = &l->buckets[hash & (l->nbuckets - 1)];
	n->chain = *slot;
	*slot = n;
	lru_list_push(l, n);
	l->count++;
	l->cost += cost;
	return 1;
}

static void *lru_get_shared_key(struct lru *l, int64_t key, const char *str)
{
	struct lru_node *n = *lru_find(l, lru_hash(key, str), key, str);
	if (!n)
		return NULL;
	/* Written only when it changes, so that readers of a hot value do not
	 * contend on its cache line. */
	if (!atomic_load_explicit(&n->used, memory_order_relaxed))
		atomic_store_explicit(&n->used, true, memory_order_relaxed);
	return n->value;
}

static void *lru_take_key(struct lru *l, int64_t key, const char *str)
{
	struct lru_node **pp = lru_find(l, lru_hash(key, str), key, str);
	if (!*pp)
		return NULL;
	struct lru_node *n = lru_unlink(l, pp);
	void *value = n->value;
	free(n);
	return value;
}

void *lru_get(struct lru *l, int64_t key)
{
	struct lru_node *n = *lru_find(l, lru_hash(key, NULL), key, NULL);
	if (!n)
		return NULL;
	if (l->newest != n) {
		lru_list_unlink(l, n);
		lru_list_push(l, n);
	}
	return n->value;
}

void *lru_get_shared(struct lru *l, int64_t key)
{
	return lru_get_shared_key(l, key, NULL);
}

void *lru_get_shared_str(struct lru *l, const char *key)
{
	return lru_get_shared_key(l, 0, key);
}

int lru_put(struct lru *l, int64_t key, void *value, size_t cost)
{
	return lru_put_key(l, key, NULL, value, cost);
}

int lru_put_str(struct lru *l, const char *key, void *value, size_t cost)
{
	return lru_put_key(l, 0, key, value, cost);
}

void *lru_take(struct lru *l, int64_t key)
{
	return lru_take_key(l, key, NULL);
}

void *lru_take_str(struct lru *l, const char *key)
{
	return lru_take_key(l, 0, key);
}
