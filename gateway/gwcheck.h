/* gateway/gwcheck.h: the validation engine of the gateway. Given one
 * partition's records from a Produce request, it decides whether the broker
 * may have them.
 *
 * For every record of the partition's RecordBatch(es), with the rule the
 * topic matches (gateway/rules.h), each part the rule names (value, key):
 *   - null: a value passes when the rule allows tombstones, a key always;
 *   - Confluent framing, read by gateway/framing.h in one of three ways:
 *     byte 0, then a 4-byte big-endian schema id; byte 1, then the schema's
 *     16-byte GUID (looked up as schemasource_guid()); or, whatever the
 *     part's first bytes, a `__value_schema_id` (`__key_schema_id` for the
 *     key) record header holding one of those two, the part being all
 *     payload. Then the header of the schema's type if it has one (Avro and
 *     JSON have none), then the payload. Too few bytes after a 0 or a 1, a
 *     header value of another length than 5 or 17 or another magic byte, or
 *     a malformed type header, is bad framing ("framing"); a GUID no schema
 *     has is "unknown_id". The id must exist, be of a format the
 *     rule accepts (confluent-avro, confluent-json), and be registered
 *     under the subject the strategy names (<topic>-value / <topic>-key;
 *     for RecordNameStrategy the writer schema's record name, for
 *     TopicRecordNameStrategy <topic>-<name>),
 *     checked like Confluent's GET /schemas/ids/{id}/versions. Then the
 *     payload goes to the schema's type (compat/schema.h, schema_validate()):
 *     an Avro payload must be exactly one encoding of the writer schema
 *     (compat/avvalid: no trailing bytes, indexes in range, lengths within
 *     the record, valid UTF-8), and a JSON payload valid JSON (no duplicate
 *     keys) that the schema accepts;
 *   - plain JSON (no framing, the first non-whitespace byte '{' or '['),
 *     when the rule accepts plain-json: validated against the latest schema
 *     of <topic>-value (<topic>-key), which must be a JSON schema;
 *   - anything else is in no accepted format.
 * With TopicNameStrategy, when the subject does not exist, the part passes
 * unchecked unless the rule has require_schema. With the record strategies,
 * a framed record whose derived subject does not exist passes the same way.
 *
 * Verdict of the batch (struct gwcheck_verdict):
 *   ACCEPT        every record conforms (or was passed unchecked, see
 *                 `unchecked`): forward the batch.
 *   REJECT        enforce mode, one record or more do not conform, or the
 *                 batch cannot be parsed: answer the partition with
 *                 error_kafka_code(v.code) (INVALID_RECORD, 87, for records;
 *                 also for a corrupt batch; MESSAGE_TOO_LARGE, 10, for a
 *                 batch that decompresses past the limit), with
 *                 v.errors as RecordErrors and v.message as ErrorMessage
 *                 (Produce v8+). Do not forward it.
 *   RETRIABLE     the registry could not be asked, nothing was cached, and
 *                 the rule fails closed: answer error_kafka_code(v.code)
 *                 (SG_EUNAVAILABLE -> REQUEST_TIMED_OUT, 7, retriable) with
 *                 v.message. Do not forward it. A bad record found before the
 *                 outage makes the batch REJECT instead (it would be rejected
 *                 on retry anyway).
 *   SHADOW_REJECT shadow mode, the batch would be rejected: forward it anyway.
 * A batch is rejected as a whole (whole-batch rejection keeps idempotent and
 * transactional producers consistent). In enforce mode with a dead-letter
 * topic, the bad records (only those) are also handed to the dead-letter
 * producer. Every REJECT and SHADOW_REJECT is recorded in the rejections ring
 * and logged as one line (rejections.h); RETRIABLE batches are logged at
 * most once a second. Every batch is counted in the metrics (metrics.h).
 *
 * Bounds: a verdict lists at most GWCHECK_MAX_ERRORS records, each message
 * at most GWCHECK_MESSAGE_MAX bytes (cut on a UTF-8 boundary); every bad
 * record is counted. Decompression is bounded by the options' limit. A batch
 * naming more than GWCHECK_MAX_IDS distinct schema ids, or as many distinct
 * GUIDs, is rejected (reason "too_many_ids"), so one batch cannot make
 * thousands of registry requests.
 *
 * Cost: with the schemas cached, a record takes no lock and no allocation on
 * the Avro path (the per-thread scratch holds the decompression buffer and
 * the batch's memos of rule, schemas and registrations); JSON records are
 * parsed by compat/jsonschema into a stack arena (the heap only for large
 * documents). Per batch: one read-locked lookup per distinct schema id and
 * subject, one lock-free metrics update.
 *
 * Threads: gwcheck_batch() blocks while it waits for the registry (at most
 * the schema source's timeout per lookup), so call it from worker threads,
 * never from the event loop. Any number of threads may call gwcheck_batch()
 * at once on one struct gwcheck, each with ITS OWN struct gwcheck_scratch
 * (a scratch belongs to one thread at a time). gwcheck_set_rules()
 * and gwcheck_metrics_text() may be called from any thread
 * at any time (not from a signal handler). gwcheck_free() only when no call
 * is running.
 *
 * Ownership: gwcheck_new() borrows the schema source, rejections, metrics
 * and dead-letter producer (each may be NULL except the source) and takes
 * the rules reference it is given.
 */
#ifndef SG_GWCHECK_H
#define SG_GWCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "compat/error.h"

struct rules;
struct schemasource;
struct rejections;
struct metrics;
struct deadletter;

/* Records listed in a verdict, and the size of each message. */
#define GWCHECK_MAX_ERRORS  16
#define GWCHECK_MESSAGE_MAX 320
/* Distinct schema ids one batch may name. */
#define GWCHECK_MAX_IDS 64

/* Why a record (or batch) was found bad: a fixed set, so metrics labels stay
 * bounded. */
enum gwcheck_reason {
	GWCHECK_REASON_NONE,
	GWCHECK_REASON_BATCH,         /* "batch": the batch cannot be parsed */
	GWCHECK_REASON_FRAMING,       /* "framing": malformed Confluent framing */
	GWCHECK_REASON_FORMAT,        /* "format": not in a format the rule accepts */
	GWCHECK_REASON_TOMBSTONE,     /* "tombstone": null value, not allowed */
	GWCHECK_REASON_NO_SUBJECT,    /* "no_subject": require_schema, no subject */
	GWCHECK_REASON_UNKNOWN_ID,    /* "unknown_id": the schema id does not exist */
	GWCHECK_REASON_WRONG_SUBJECT, /* "wrong_subject": id not under the subject */
	GWCHECK_REASON_RECORD_NAME,   /* "record_name": no record name for the strategy */
	GWCHECK_REASON_SCHEMA,        /* "schema_unusable": the schema cannot be used */
	GWCHECK_REASON_AVRO,          /* "avro_invalid": payload is not the schema's */
	GWCHECK_REASON_JSON_SYNTAX,   /* "json_syntax": payload is not JSON */
	GWCHECK_REASON_JSON,          /* "json_invalid": JSON the schema refuses */
	GWCHECK_REASON_PROTOBUF,      /* "protobuf_invalid": not the message's encoding */
	GWCHECK_REASON_TOO_MANY_IDS,  /* "too_many_ids": past GWCHECK_MAX_IDS */
	GWCHECK_REASON_UNAVAILABLE,   /* "registry_unavailable" */
	GWCHECK_REASON_COUNT
};

/* The code's name ("json_invalid", ...). */
const char *gwcheck_reason_name(enum gwcheck_reason r);
/* All names, indexed by reason (GWCHECK_REASON_COUNT of them). */
extern const char *const gwcheck_reason_names[GWCHECK_REASON_COUNT];

enum gwcheck_outcome {
	GWCHECK_ACCEPT,
	GWCHECK_REJECT,
	GWCHECK_RETRIABLE,
	GWCHECK_SHADOW_REJECT,
};

const char *gwcheck_outcome_name(enum gwcheck_outcome o); /* "accept", ... */

struct gwcheck_record_error {
	int32_t index; /* the record's index in the partition's records */
	enum gwcheck_reason reason;
	char message[GWCHECK_MESSAGE_MAX]; /* "record 3: /amount: ..." */
};

/* `errors` lists bad records only: a batch that cannot be read (reason
 * "batch") has its message in `message` and may have no `errors` at all. */
struct gwcheck_verdict {
	enum gwcheck_outcome outcome;
	/* The sg_code to answer with, through error_kafka_code(): SG_OK,
	 * SG_EINVALID_RECORD, SG_ECORRUPT, SG_ELIMIT or SG_EUNAVAILABLE. */
	int code;
	enum gwcheck_reason reason; /* of the first bad record or of the batch */
	int32_t records;            /* records read */
	int32_t bad;                /* bad records found (all of them) */
	int32_t first_bad;          /* index of the first bad record; -1 for none
	                             * or when the batch itself is bad */
	int unchecked;              /* 1 when some part passed without a full check */
	size_t nerrors;             /* entries of `errors` in use */
	struct gwcheck_record_error errors[GWCHECK_MAX_ERRORS];
	/* The whole partition's message: the first error's, plus
	 * " (and N more bad records)" when there are more; for RETRIABLE, why. */
	char message[GWCHECK_MESSAGE_MAX + 48];
};

/* What the proxy knows of one partition's records. */
struct gwcheck_input {
	const char *topic; /* NUL-terminated */
	int32_t partition;
	const uint8_t *records;  /* the Produce partition's `records` bytes */
	size_t len;              /* 0 (or records NULL): nothing to check */
	const char *client_id;   /* may be NULL */
	const char *client_addr; /* "host:port"; may be NULL */
};

struct gwcheck_options {
	/* Largest decompressed records section of one batch; 0: 64 MiB. */
	size_t decompress_limit;
	/* Receives each log line (no newline); NULL: stderr. */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

struct gwcheck;
struct gwcheck_scratch;

/* A checker over `source` with `rules_take` (its reference is taken;
 * NULL: the built-in default). `rej`, `met` and `dl` may be NULL. `o` may be
 * NULL. NULL with `err` on failure (the rules reference is dropped then). */
struct gwcheck *gwcheck_new(struct schemasource *source, struct rules *rules_take,
                            struct rejections *rej, struct metrics *met, struct deadletter *dl,
                            const struct gwcheck_options *o, struct sg_error *err);
void gwcheck_free(struct gwcheck *gw);

/* Swaps in new rules (taking the reference): batches starting afterwards use
 * them; the old rules are released when the last batch using them ends. */
void gwcheck_set_rules(struct gwcheck *gw, struct rules *rules_take);

/* Per-thread working memory: a decompression buffer, memos, a report. One
 * per worker thread. NULL when out of memory. */
struct gwcheck_scratch *gwcheck_scratch_new(const struct gwcheck *gw);
void gwcheck_scratch_free(struct gwcheck_scratch *s);

/* Checks one partition's records and fills `v`. Blocks on registry lookups
 * (see the threads note above). Never fails: every problem is a verdict. */
void gwcheck_batch(struct gwcheck *gw, struct gwcheck_scratch *s, const struct gwcheck_input *in,
                   struct gwcheck_verdict *v);

/* The GET /metrics body: the metrics given to gwcheck_new() with the schema
 * cache, dead-letter and rejection figures. malloc'd (length in *len when
 * not NULL), or NULL when there are no metrics or no memory. */
char *gwcheck_metrics_text(struct gwcheck *gw, size_t *len);

#endif
