/* registry/schemacache.h: parsed schemas for compatibility checks, by id,
 * with their references resolved through the store.
 *
 * A schema that uses references is parsed with the schemas it references
 * (struct schema_ref), which must outlive it; an item therefore holds the
 * items it references. Items are reference counted: the cache keeps up to
 * `max_items` of them (least recently used evicted), and callers hold theirs
 * until schemacache_release(). A stored schema never changes, so a cached
 * item never goes stale; schemacache_forget() only frees memory early.
 *
 * References are resolved as Confluent does: each {name, subject, version}
 * names a version of another subject (deleted versions count; version -1 is
 * the latest live one); what the referenced schema itself references is
 * resolved the same way, to a bounded depth.
 *
 * Thread-safe. Parsing happens outside the cache's lock.
 */
#ifndef SG_SCHEMACACHE_H
#define SG_SCHEMACACHE_H

#include <stddef.h>
#include <stdint.h>
#include "compat/error.h"
#include "compat/schema.h"
#include "registry/store.h"

/* How deep references may nest (A references B references C ...). */
#define SCHEMACACHE_MAX_DEPTH 32

struct schemacache;
struct schemacache_item;

struct schemacache *schemacache_new(size_t max_items);
void schemacache_free(struct schemacache *c);

/* The parsed schema `id`, loaded through `tx` when not cached. Returns an
 * item the caller releases, or NULL with err set: SG_ESCHEMA_NOT_FOUND when
 * there is no such schema, SG_EINVALID_SCHEMA when the stored text no longer
 * parses (a newer, stricter parser), store errors otherwise. */
struct schemacache_item *schemacache_get(struct schemacache *c, struct store_tx *tx, int64_t id,
                                         struct sg_error *err);

/* Parses a schema that is not stored (a candidate) of context `context`
 * (".ctx"; NULL is the default), resolving `refs` through `tx` in that
 * context (stored schemas resolve theirs in their own). The item is the caller's alone (never
 * cached). On failure sets err: SG_EINVALID_SCHEMA with a message in Confluent's words when a
 * reference cannot be resolved or the text does not parse. `resolved` (when not NULL, nrefs long)
 * receives each reference's concrete version (-1 replaced). */
struct schemacache_item *schemacache_parse(struct schemacache *c, struct store_tx *tx,
                                           enum schema_type type, const char *text, size_t len,
                                           const struct store_ref *refs, size_t nrefs,
                                           const char *context, int *resolved,
                                           struct sg_error *err);

/* Drops the caller's hold. Accepts NULL. */
void schemacache_release(struct schemacache *c, struct schemacache_item *it);

/* The schema of an item (valid while the item is held). */
const struct schema *schemacache_schema(const struct schemacache_item *it);

/* Drops `id` from the cache (items still held stay valid). */
void schemacache_forget(struct schemacache *c, int64_t id);

#endif
