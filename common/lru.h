/* common/lru.h: a bounded cache of values by key, the least recently used
 * evicted first. The registry's caches (idcache, schemacache) are built on it.
 *
 * Keys are an int64, or a string (the lru_*_str functions); one cache may hold
 * both kinds, and an int64 key never equals a string key. Each value is put
 * with a cost (its bytes, or 1 to count items; 0 counts as 1, so the budget
 * bounds the number of values too); before a put, the least
 * recently used values are evicted until the new cost fits the budget fixed at
 * lru_new(), so the sum of costs never exceeds it. A value costing more than
 * the whole budget is refused (a caller that wants one such value kept alone
 * passes min(cost, budget)).
 *
 * Ownership: values are opaque to the cache. lru_put() takes the value when it
 * returns 1; from then on the cache hands it to the free callback when it is
 * evicted, at lru_clear() and at lru_free(). lru_take() gives a value back to
 * the caller without the callback. lru_get() and lru_get_shared() return a
 * borrowed value, valid until the next call that may evict or remove it.
 * String keys are copied.
 *
 * Locking: a cache has no lock of its own; the caller serialises access.
 * lru_get_shared(), lru_get_shared_str() and lru_stats() may run concurrently
 * with each other (under a reader lock); every other function needs exclusive
 * access (a mutex or a writer lock). The free callback runs within the
 * caller's exclusive section and must not call into the same cache.
 */
#ifndef SG_LRU_H
#define SG_LRU_H

#include <stddef.h>
#include <stdint.h>

struct lru;

/* Frees (or drops the cache's hold on) `value`; `arg` is the one given to
 * lru_new(). */
typedef void lru_free_fn(void *arg, void *value);

struct lru_stats {
	size_t count;       /* values held */
	size_t cost;        /* the sum of their costs, at most the budget */
	uint64_t evictions; /* values evicted to make room, since lru_new() */
};

/* A cache of at most `budget` total cost (0: it holds nothing). `free_fn` may
 * be NULL when values need no freeing. Returns NULL on OOM. */
struct lru *lru_new(size_t budget, lru_free_fn *free_fn, void *arg);

/* Hands every value to the free callback, then frees the cache. Accepts NULL. */
void lru_free(struct lru *l);

/* The value for `key`, now the most recently used; NULL when absent. */
void *lru_get(struct lru *l, int64_t key);

/* The value for `key` without reordering, for readers that share a lock: the
 * value is marked used, and eviction passes a marked value over once (moving
 * it to the most recent end) instead of evicting it. NULL when absent. */
void *lru_get_shared(struct lru *l, int64_t key);
void *lru_get_shared_str(struct lru *l, const char *key);

/* Puts `value` under `key` as the most recently used, evicting the least
 * recently used values until `cost` fits. Returns 1 when the cache took the
 * value; 0 when `key` is already present (nothing changes); -1 when `cost`
 * exceeds the budget or on OOM. On 0 and -1 the value stays the caller's. */
int lru_put(struct lru *l, int64_t key, void *value, size_t cost);
int lru_put_str(struct lru *l, const char *key, void *value, size_t cost);

/* Removes `key` and returns its value, now the caller's (the free callback is
 * not called); NULL when absent. */
void *lru_take(struct lru *l, int64_t key);
void *lru_take_str(struct lru *l, const char *key);

/* Hands every value to the free callback and empties the cache. */
void lru_clear(struct lru *l);

void lru_stats(const struct lru *l, struct lru_stats *out);

#endif
