/* registry/idcache.h: a bounded in-memory cache of response bodies keyed by
 * schema id, so that GET /schemas/ids/{id} is answered without SQLite.
 *
 * A schema id names immutable content, but the body also carries the "ts"
 * and "deleted" of a version that uses it: idcache_forget() drops one id
 * when its schema is deleted for good, idcache_forget_all() everything
 * after any committed write. To keep a
 * reader that loaded a body before the delete from caching it after, every
 * put carries the generation read before the load: a forget in between bumps
 * the generation and the put is ignored.
 *
 * The cache holds at most `max_bytes` of bodies (plus a small per-entry
 * overhead), split over shards that each evict their least recently used
 * entries. Thread-safe; every function may be called from any thread.
 * Ownership: bodies passed in are copied; bodies returned are malloc'd copies
 * the caller frees.
 */
#ifndef SG_IDCACHE_H
#define SG_IDCACHE_H

#include <stddef.h>
#include <stdint.h>

struct idcache;

/* max_bytes 0 disables caching (every get misses). Returns NULL on OOM. */
struct idcache *idcache_new(size_t max_bytes);
void idcache_free(struct idcache *c);

/* Read this before loading a body from the store; pass it to idcache_put. */
uint64_t idcache_generation(struct idcache *c);

/* A malloc'd copy of the body cached for `id` (length in *len), or NULL. */
char *idcache_get(struct idcache *c, int64_t id, size_t *len);

/* Caches a copy of `body` for `id`, unless an idcache_forget() happened since
 * `gen` was read, or the body is larger than a shard. */
void idcache_put(struct idcache *c, int64_t id, const char *body, size_t len, uint64_t gen);

/* Drops `id` and invalidates puts of bodies loaded before this call. */
void idcache_forget(struct idcache *c, int64_t id);

/* Drops every body and invalidates puts of bodies loaded before this call:
 * for what any write may change in every body (GET /schemas/ids/{id}
 * carries the "ts" and "deleted" of a version using the id, which a
 * registration or a soft delete changes). */
void idcache_forget_all(struct idcache *c);

#endif
