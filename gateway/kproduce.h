/* gateway/kproduce.h: the Produce request and response codec the validating
 * proxy needs (Produce v3..v12; flexible encodings from v9).
 *
 *   - kproduce_request_parse(): the partitions of a Produce request, each
 *     with its `records` bytes, in request order.
 *   - kproduce_request_rewrite(): the same request without the partitions
 *     the caller rejects; every kept byte (header, transactional id, acks,
 *     timeout, each kept partition entry with its records and tagged
 *     fields, topic and request tagged fields) is copied unchanged, only the
 *     array lengths are written anew. Topics left without partitions are
 *     dropped.
 *   - kproduce_response_merge(): the broker's answer to a rewritten request
 *     with the rejected partitions' results put back in the original order.
 *   - kproduce_response_synthesize(): the whole answer when every partition
 *     is rejected, so nothing is forwarded.
 *
 * A rejected partition's result has base_offset, log_append_time_ms and
 * log_start_offset -1, and for v8+ its RecordErrors and ErrorMessage.
 *
 * Layouts follow apache/kafka clients/src/main/resources/common/message/
 * ProduceRequest.json and ProduceResponse.json.
 *
 * Nothing here does I/O, blocks, or knows of schemas. Every parser reads
 * through a kreader; every writer through a caller's kwriter (whose limit
 * bounds the output).
 *
 * Ownership: a parsed request borrows the frame it was parsed from (slices
 * point into it) and owns its arrays, freed by kproduce_request_free().
 */
#ifndef SG_KPRODUCE_H
#define SG_KPRODUCE_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/kreader.h"

struct kwriter;
struct sg_error;

/* Produce versions the codec handles. */
#define KPRODUCE_MIN_VERSION 3
#define KPRODUCE_MAX_VERSION 12
/* Most partitions (over all topics) one request may carry. */
#define KPRODUCE_MAX_PARTITIONS 100000

struct kproduce_partition {
	size_t topic;          /* index in kproduce_request.topics */
	int32_t index;         /* the partition */
	struct kslice records; /* the records bytes (len -1: null) */
	struct kslice raw;     /* the whole partition entry, tagged fields included */
};

struct kproduce_topic {
	struct kslice name;
	size_t first, count; /* its partitions in kproduce_request.partitions */
	struct kslice tags;  /* flexible versions: its tagged-field section */
};

struct kproduce_request {
	int16_t version;
	int flexible;
	int32_t correlation_id;
	int16_t acks;
	struct kslice head; /* frame start through timeout_ms (header included) */
	struct kslice tags; /* flexible versions: the request's tagged fields */
	struct kproduce_topic *topics;
	size_t ntopics;
	struct kproduce_partition *partitions;
	size_t npartitions;
};

/* One rejected record, as RecordErrors lists it. */
struct kproduce_record_error {
	int32_t batch_index;
	const char *message; /* NULL: null */
};

/* What to answer for one partition of the request. */
struct kproduce_result {
	int rejected;        /* 0: forwarded, the broker answers it */
	int16_t error_code;  /* Kafka error code, e.g. 87 INVALID_RECORD */
	const char *message; /* ErrorMessage (v8+); NULL: null */
	const struct kproduce_record_error *errors;
	size_t nerrors;
};

/* Parses a Produce request frame (without its size prefix). Returns 0, or
 * -1 with `err` set (SG_ECORRUPT for bytes that do not parse, SG_EBAD_REQUEST
 * for a version out of range, SG_ELIMIT past KPRODUCE_MAX_PARTITIONS,
 * SG_ENOMEM). On failure `req` holds nothing to free. */
int kproduce_request_parse(const uint8_t *frame, size_t len, struct kproduce_request *req,
                           struct sg_error *err);

/* Frees the arrays of a parsed request. Accepts a zeroed one. */
void kproduce_request_free(struct kproduce_request *req);

/* Writes the request without the partitions whose result is rejected
 * (`results` has req->npartitions entries). Returns the number of partitions
 * kept, or -1 with `err` set when `out` fails. */
long kproduce_request_rewrite(const struct kproduce_request *req,
                              const struct kproduce_result *results, struct kwriter *out,
                              struct sg_error *err);

/* Writes the response to `req` from the broker's response `frame` (to the
 * rewritten request) and the rejected partitions' results: topics and
 * partitions in the original request order; kept partitions copied from the
 * broker's answer unchanged; throttle time and the response's tagged fields
 * from the broker. Returns 0, or -1 with `err` set when the broker's
 * response does not parse or lacks a kept partition. */
int kproduce_response_merge(const struct kproduce_request *req,
                            const struct kproduce_result *results, const uint8_t *frame, size_t len,
                            struct kwriter *out, struct sg_error *err);

/* Writes a whole response to `req` in which every partition has its result
 * (each must be rejected), throttle time 0 and no tagged fields. Returns 0,
 * or -1 with `err` set when `out` fails. */
int kproduce_response_synthesize(const struct kproduce_request *req,
                                 const struct kproduce_result *results, struct kwriter *out,
                                 struct sg_error *err);

#endif
