/* registry/kafkastore.h: the registry on Kafka's `_schemas` log (store mode
 * "kafka"). The topic is the source of truth; the SQLite store is this
 * node's view of it (registry/logview.h says how records and the view map).
 *
 * The topic: one partition and cleanup.policy=compact, else opening fails
 * with a message that says how to fix it. Absent, it is created (unless
 * told not to): replication 3 capped by the brokers there are,
 * min.insync.replicas 2 when there are 3 brokers or more.
 *
 * The reader: a thread consumes the topic (isolation.level read_committed)
 * from the view's stored position, decodes each record (registry/schemalog)
 * and applies it; a batch of records and the position after it are one
 * SQLite transaction, so a restart resumes where the view is, with nothing
 * applied twice. A view whose position is past the topic's end was made from
 * a topic since recreated: it is emptied and rebuilt from the start. A
 * record that does not decode is logged and skipped, as Confluent's reader
 * does. kafkastore_open() returns once the view has caught up with the log.
 *
 * The write path: kafkastore_open() sets the store's log hooks, so that the
 * API keeps deciding inside store_write() ... store_commit() as in SQLite
 * mode, but on the view caught up with the log: store_write() first waits
 * until the reader has reached the topic's last stable offset. The store
 * captures each change as records; store_commit() rolls the local
 * transaction back and publishes them in ONE Kafka transaction, with a
 * transactional producer whose transactional.id, "<group-id>-writer", all
 * nodes share (a new writer's init_transactions fences the old one); then it
 * waits until this node's reader has applied the records, and only then
 * succeeds. A commit that succeeded is in the log and visible on this node.
 * Writes are serialised on the node. A node that is not the writer fails
 * writes with SG_EUNAVAILABLE (503, 50003); so does the write during which a
 * writer finds itself fenced: it closes its producer and stops being the
 * writer (on_fenced) until the next kafkastore_writer_start(), so that an old
 * leader that wakes up cannot fence the new one in turn. A writer whose
 * producer failed otherwise (a commit whose outcome is unknown) builds a new
 * one on its next write. A write that waits longer than the timeout
 * fails with SG_ETIMEOUT (50002).
 *
 * Ids: a write that purges a version also publishes the NOOP high-water
 * mark of ids (registry/logview.h says why NOOP), which the reader applies
 * like any record, so a view replayed from a compacted log never hands out
 * an id again.
 *
 * Caught up: about once a second the reader asks the brokers for the log's
 * end; kafkastore_stats() gives the lag, kafkastore_ready() whether the view
 * was at the end recently (GET /health), kafkastore_catch_up() waits for it
 * (a read about to answer 404, registry/api.h).
 *
 * Who writes: kafkastore_writer_start()/kafkastore_writer_stop() open and
 * close the producer: the hook for leader election. Until that exists, the
 * CLI starts the writer on nodes started with --leader-eligible (default).
 *
 * Threading: open/close from one thread; the rest from any thread. Owns a
 * reader thread and librdkafka's threads. Borrows the store, which must
 * outlive it.
 */
#ifndef SG_KAFKASTORE_H
#define SG_KAFKASTORE_H

#include <stddef.h>
#include <stdint.h>

#include "compat/error.h"
#include "registry/store.h"

struct kafkastore;

struct kafkastore_options {
	const char *brokers;  /* "host:port,..." */
	const char *topic;    /* NULL: "_schemas" */
	const char *group_id; /* NULL: "schemagate-registry" */
	/* TLS to the brokers (librdkafka's ssl.*): CA file or folder, client
	 * certificate and key (PEM); none: plaintext. */
	const char *tls_ca;
	const char *tls_cert;
	const char *tls_key;
	int no_create;  /* do not create the topic when absent */
	int timeout_ms; /* a write's wait for the log and the reader; 0: 30000 */
	/* Applied records, after each batch commits (reader thread): lets
	 * caches above the store forget. NULL: none. */
	void (*on_apply)(void *ctx);
	void *on_apply_ctx;
	/* The writer's producer was fenced (a newer writer's init_transactions):
	 * the writer has stopped and writes again only after the next
	 * kafkastore_writer_start(); the leader module is told here so that this
	 * node stops leading (registry/leader.h, leader_resign). Called with a
	 * write in progress (a server thread): it must not block. NULL: none. */
	void (*on_fenced)(void *ctx);
	void *on_fenced_ctx;
};

/* Checks (or creates) the topic, replays it into the view until caught up,
 * and sets the store's log hooks. Does not start the writer. Returns NULL
 * with err set: SG_EUNAVAILABLE when the brokers cannot be reached in time,
 * SG_EBAD_REQUEST for a topic of the wrong shape, the store's errors. */
struct kafkastore *kafkastore_open(struct store *st, const struct kafkastore_options *o,
                                   struct sg_error *err);
/* Stops the writer and the reader, clears the hooks. No write may be in
 * flight. Accepts NULL. */
void kafkastore_close(struct kafkastore *ks);

/* Becomes the writer: opens the transactional producer and fences any
 * other (init_transactions). Blocks up to the timeout. Returns 0 or -1. */
int kafkastore_writer_start(struct kafkastore *ks, struct sg_error *err);
/* Stops being the writer (waits for a write in flight). */
void kafkastore_writer_stop(struct kafkastore *ks);
/* 1 when this node has an open, unfenced producer. */
int kafkastore_is_writer(struct kafkastore *ks);

/* Waits until the reader has reached the topic's last stable offset, at
 * most timeout_ms. Returns 0, or -1 (SG_ETIMEOUT, SG_EUNAVAILABLE). */
int kafkastore_catch_up(struct kafkastore *ks, int timeout_ms, struct sg_error *err);

struct kafkastore_stats {
	int64_t position; /* the offset of the next record to apply */
	uint64_t applied; /* records applied since open */
	uint64_t skipped; /* records skipped (undecodable, ignored) */
	uint64_t writes;  /* transactions published */
	int writer;       /* kafkastore_is_writer() */
	int64_t end;      /* the log's end (last stable offset), last asked */
	int64_t lag;      /* end minus the view's position, 0 when caught up */
	/* How long ago (ms) the view was last seen at the log's end: -1 never.
	 * The reader asks the brokers for the end about once a second, so a
	 * view caught up reads 0..~1000; brokers out of reach make it grow. */
	int64_t synced_age_ms;
};
void kafkastore_stats(struct kafkastore *ks, struct kafkastore_stats *out);

/* Whether the view counts as caught up: it was seen at the log's end within
 * the last `max_age_ms`. Returns 1, or 0 with the reason in `why` (for
 * GET /health). Any thread. */
int kafkastore_ready(struct kafkastore *ks, int max_age_ms, char *why, size_t cap);

#endif
