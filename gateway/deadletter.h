/* gateway/deadletter.h: writes rejected records to dead-letter topics, with
 * librdkafka's producer, straight to the brokers (not through the gateway).
 *
 * Each record keeps its original key, value, headers and timestamp, and gets
 * these headers added (values are UTF-8 text):
 *
 *   schemagate.reason          the reason code, e.g. "json_invalid"
 *   schemagate.error           the record's message, e.g. "record 3: /amount: ..."
 *   schemagate.schema.id       the schema id the record named (absent: none)
 *   schemagate.source.topic    the topic it was produced to
 *   schemagate.source.partition  its partition, in decimal
 *   schemagate.source.record   its index in the rejected batch, in decimal
 *   schemagate.client.id       the producer's client id
 *   schemagate.client.address  the producer's address, "host:port"
 *
 * Never blocking: deadletter_submit() copies the record into librdkafka's
 * queue and returns. The queue is bounded (queue_messages, queue_kbytes);
 * when it is full the record is dropped and counted, never waited for. A
 * thread of this module serves delivery reports and counts deliveries and
 * failures. The dead-letter topic's partition is chosen by librdkafka's
 * default partitioner (by key).
 *
 * Threads: deadletter_submit() and deadletter_stats() may be called from any
 * number of threads at once; open and close from one thread.
 */
#ifndef SG_DEADLETTER_H
#define SG_DEADLETTER_H

#include <stddef.h>
#include <stdint.h>

#include "compat/error.h"
#include "gateway/kreader.h"

struct deadletter_options {
	const char *brokers; /* bootstrap.servers; required */
	/* Extra librdkafka properties as key, value, key, value, ..., NULL
	 * (security settings, acks, ...); may be NULL. */
	const char *const *config;
	size_t queue_messages; /* 0: 100000 */
	size_t queue_kbytes;   /* 0: 65536 (64 MiB) */
	int flush_ms;          /* how long deadletter_close() waits; 0: 5000 */
	/* Receives log lines (no newline); NULL: stderr. */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

/* One rejected record. Slices and strings are borrowed for the call. */
struct deadletter_record {
	const char *topic; /* the dead-letter topic */
	const char *source_topic;
	int32_t source_partition;
	int32_t record_index;
	struct kslice key;   /* len -1: null */
	struct kslice value; /* len -1: null */
	/* The record's headers as encoded in the batch (walked with
	 * records_header_next()); len 0 for none. */
	struct kslice headers;
	int64_t timestamp_ms; /* 0: now */
	const char *reason;
	const char *message;
	int64_t schema_id; /* -1: none */
	const char *client_id;
	const char *client_addr;
};

struct deadletter;

/* Creates the producer. NULL with `err` (SG_EBAD_REQUEST for a bad option or
 * property, SG_ENOMEM). Brokers are contacted in the background. */
struct deadletter *deadletter_open(const struct deadletter_options *o, struct sg_error *err);

/* Waits up to flush_ms for queued records, counts those left as failed,
 * stops the thread and frees everything. Accepts NULL. */
void deadletter_close(struct deadletter *dl);

/* Queues one record. Returns 0, or -1 when it was dropped (queue full, bad
 * headers, producer error); never blocks. */
int deadletter_submit(struct deadletter *dl, const struct deadletter_record *r);

struct deadletter_stats {
	uint64_t queued;    /* accepted by deadletter_submit() */
	uint64_t delivered; /* acknowledged by the broker */
	uint64_t failed;    /* delivery failed (or still queued at close) */
	uint64_t dropped;   /* refused by deadletter_submit() */
};

void deadletter_stats(struct deadletter *dl, struct deadletter_stats *out);

#endif
