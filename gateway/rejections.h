/* gateway/rejections.h: the recent rejections, for operators.
 *
 * A bounded ring buffer of the last N rejected batches (enforced and shadow),
 * each with its topic, partition, client id, client address, mode, reason
 * code, message and time. It is what `GET /rejections?topic=T&limit=N`
 * shows (rejections_json()). Entries are fixed-size: adding one never
 * allocates, and strings too long for their field are cut (on a UTF-8
 * boundary) and marked with "...".
 *
 * The log line: rejections_log_line() formats the one line the gateway logs
 * per rejected batch, as logfmt (key=value pairs separated by spaces; values
 * with spaces, quotes, '=' or control characters are double-quoted with \"
 * \\ \n \t and \u00XX escapes), keys always in this order:
 *
 *   event=rejection mode=enforce|shadow topic=T partition=P client_id=C
 *   client=ADDR records=N rejected=K first=I reason=CODE message="..."
 *
 * `first` is the index of the first bad record (-1 when the batch itself is
 * bad); `reason` is a fixed code (see gwcheck.h), `message` the first bad
 * record's message.
 *
 * Threads: every function is thread-safe; rejections_add() takes a mutex for
 * a copy of one entry.
 */
#ifndef SG_REJECTIONS_H
#define SG_REJECTIONS_H

#include <stddef.h>
#include <stdint.h>

/* Field sizes, terminators included. */
#define REJECTIONS_TOPIC_MAX   250
#define REJECTIONS_CLIENT_MAX  256
#define REJECTIONS_ADDR_MAX    64
#define REJECTIONS_REASON_MAX  32
#define REJECTIONS_MESSAGE_MAX 512
/* Default capacity, and the most GET /rejections returns when no limit is
 * given. */
#define REJECTIONS_DEFAULT_CAPACITY 1000
#define REJECTIONS_DEFAULT_LIMIT    100

/* One rejected batch, as the caller describes it (strings borrowed; NULL
 * reads as ""). */
struct rejection {
	const char *event; /* the log line's event; NULL: "rejection" */
	const char *topic;
	int32_t partition;
	const char *client_id;
	const char *client_addr;
	int shadow;         /* 1: shadow mode (forwarded anyway) */
	const char *reason; /* a reason code such as "json_invalid" */
	const char *message;
	int32_t records;  /* records in the batch */
	int32_t rejected; /* bad records */
	int32_t first;    /* index of the first bad record, -1: the batch */
	int64_t time_ms;  /* Unix time in milliseconds; 0: now */
};

struct rejections;

/* A ring of `capacity` entries (0: REJECTIONS_DEFAULT_CAPACITY). NULL when
 * out of memory. */
struct rejections *rejections_new(size_t capacity);
void rejections_free(struct rejections *r);

/* Copies `e` into the ring, overwriting the oldest entry when full. */
void rejections_add(struct rejections *r, const struct rejection *e);

/* Entries added since creation (including those overwritten). */
uint64_t rejections_total(struct rejections *r);

/* The body of GET /rejections: newest first, only `topic`'s when not NULL,
 * at most `limit` (0: REJECTIONS_DEFAULT_LIMIT) entries:
 *
 *   {"rejections": [{"time": "2025-11-25T13:31:05.123Z", "time_ms": ...,
 *     "topic": "orders", "partition": 0, "client_id": "...",
 *     "client_address": "10.0.0.7:51234", "mode": "enforce",
 *     "reason": "json_invalid", "message": "record 3: ...", "records": 10,
 *     "rejected_records": 1, "first_rejected_record": 3}, ...],
 *    "total": <rejections_total>, "capacity": <capacity>}
 *
 * Returns a malloc'd NUL-terminated string (length in *len when not NULL),
 * or NULL when out of memory. */
char *rejections_json(struct rejections *r, const char *topic, size_t limit, size_t *len);

/* Writes the log line for `e` (see above; `event` replaces "rejection" when
 * set, for other per-batch events in the same shape) into `out` (always
 * terminated when cap > 0). Returns the length written. */
size_t rejections_log_line(const struct rejection *e, char *out, size_t cap);

#endif
