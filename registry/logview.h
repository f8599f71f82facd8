/* registry/logview.h: the store as a view of Confluent's `_schemas` log.
 * Both directions between store changes and log records
 * (registry/schemalog.h), with no Kafka I/O (registry/kafkastore.h does
 * that):
 *
 * Capture: each change of a write transaction (registry/store.h, struct
 * store_change) becomes the records Confluent 8.1 writes for it
 * (KafkaSchemaRegistry, tag v8.1.0):
 *   a new version         SCHEMA key, its whole value
 *   a soft delete         SCHEMA key, the value again with "deleted":true
 *                         and the fields of the value read from the log that
 *                         the store does not model
 *   a purge               SCHEMA tombstone
 *   a config set/deleted  CONFIG key and value (the stored config, which
 *                         already uses Confluent's field names) / tombstone
 *   a mode set/deleted    MODE key and value / tombstone
 *   a new context         CONTEXT key and value (tenant "default")
 *   a context unlisted    CONTEXT tombstone
 * and, when a transaction that purged versions then sets mode IMPORT (the
 * unforced switch, which purges what is left), CLEAR_SUBJECT before the
 * MODE record. A subject's soft delete is captured version by version (a
 * rewrite with deleted:true each), which every reader, Confluent's
 * included, applies to the same state as Confluent's DELETE_SUBJECT.
 *
 * Apply: one decoded record changes the view as Confluent's
 * KafkaStoreMessageHandler changes its cache: SCHEMA puts or tombstones a
 * version (and its schema, under the record's id); CONFIG and MODE put or
 * delete; DELETE_SUBJECT marks every version up to its watermark deleted;
 * CLEAR_SUBJECT drops the soft-deleted versions of the subject (of the
 * context for ":.ctx:", of all for none); CONTEXT lists or unlists a
 * context; NOOP and other tombstones change nothing.
 *
 * Ownership: a batch owns its records' bytes; logview_batch_clear() frees
 * them. Threading: a batch belongs to one thread at a time.
 */
#ifndef SG_LOGVIEW_H
#define SG_LOGVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "compat/error.h"
#include "registry/schemalog.h"
#include "registry/store.h"

/* One record to write: key and value bytes (value NULL: a tombstone). */
struct logview_record {
	char *key;
	size_t key_len;
	char *value;
	size_t value_len;
};

struct logview_batch {
	struct logview_record *recs;
	size_t n, cap;
	int purged;  /* the transaction purged a version */
	size_t mark; /* 1 + the index of its NOOP mark record; 0: none */
};

/* The field of the NOOP mark's value: {"schemagateLastIds":{".":N,...}}. */
#define LOGVIEW_MARK_FIELD "schemagateLastIds"

/* Applies the value of a NOOP record (kafka mode's high-water mark of ids)
 * in apply transaction `tx`: each context named gets its largest id raised
 * to at least the mark's (a context the view does not know is added,
 * unlisted). A value without the field, or a field not an integer, changes
 * nothing. Returns 0, or -1 with err set when the store failed. */
int logview_apply_mark(struct store_tx *tx, const char *value, size_t len, struct sg_error *err);

/* Ids are never reused, even after compaction. Confluent's and this
 * store's allocators hand out the largest id seen plus one; a hard delete of
 * the highest id tombstones its SCHEMA record, and once compaction has
 * removed both, a node replaying the log from scratch would hand that id out
 * again, which gateways that cached it forever would take for the old
 * schema. So a transaction that purges a version also writes the high-water
 * mark: a NOOP record ({"keytype":"NOOP","magic":0}, an existing key type)
 * whose value is {"schemagateLastIds":{".":N,".ctx":M,...}}, the largest id
 * ever handed out in each context. Compaction keeps the latest NOOP value,
 * so the mark survives; a fresh view raises its ids to it. Why NOOP: no new
 * key type (Confluent's reader dies on one), and Confluent's reader
 * (KafkaStoreReaderThread.doWork, v8.1.0) compares a key with its noop key
 * before it reads the value, so it never parses this value; the mark
 * changes no state any API shows (keeping the highest version as a
 * soft-deleted record instead of its tombstone would, and would break
 * Confluent's hard-delete semantics); a CONFIG or CONTEXT value's unknown
 * field would vanish with that key's own tombstone (DELETE /config, DELETE
 * /contexts). Limit: a Confluent node writes a NOOP tombstone when it starts
 * or leads (KafkaStore.getLatestOffset); with Confluent nodes still on the
 * topic, the mark holds only until one does and compaction follows.
 *
 * Appends the records of change `c`, made in write transaction `tx` (read
 * for the version's schema), to `b`. Returns 0, or -1 with err set. */
int logview_capture(struct logview_batch *b, struct store_tx *tx, const struct store_change *c,
                    struct sg_error *err);

/* Frees the records and empties the batch for reuse. */
void logview_batch_clear(struct logview_batch *b);

/* Applies record `r` in apply transaction `tx` (store_apply_begin), `ts` the
 * record's timestamp in ms (a version's "ts"). Returns 0 when applied, 1
 * when it was skipped as Confluent would (err->msg says why, to log: a
 * SCHEMA record whose id names another schema, or whose content holds
 * another id), -1 with err set when the store failed. */
int logview_apply(struct store_tx *tx, const struct schemalog_record *r, int64_t ts,
                  struct sg_error *err);

#endif
