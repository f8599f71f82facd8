/* gateway/kreader.h: a bounded read cursor over Kafka wire bytes.
 *
 * A kreader walks a byte range [p, end) that the caller owns and keeps alive.
 * It never reads outside that range and never allocates. Every read either
 * succeeds and advances, or fails and sets a sticky error: from then on every
 * read returns 0 (or an empty/null slice, or NULL) and the cursor stops where
 * it failed. A parser therefore reads a whole structure and checks
 * kreader_ok() once, at its single failure exit.
 *
 * Ownership: slices and pointers returned by reads are borrowed from the
 * caller's buffer; they stay valid as long as that buffer does.
 *
 * Encodings follow apache/kafka (clients/.../common/protocol/types/Type.java
 * and the message JSON): integers are big-endian; UNSIGNED_VARINT is LEB128
 * of at most 5 bytes; VARINT / VARLONG are zig-zag LEB128 of at most 5 / 10
 * bytes. Classic STRING has an int16 length, BYTES an int32 length, with -1 for
 * null; COMPACT_* carry an unsigned varint of length + 1, with 0 for null.
 * Records (DefaultRecord) use a zig-zag varint length, -1 for null.
 *
 * Failure reasons are recorded with the offset (from the start of the
 * outermost buffer) where the failing read began; kreader_error() turns them
 * into an SG_ECORRUPT sg_error.
 */
#ifndef SG_KREADER_H
#define SG_KREADER_H

#include <stddef.h>
#include <stdint.h>

struct sg_error;

/* A borrowed byte range. `len` is -1 for a Kafka null (then p is NULL). */
struct kslice {
	const uint8_t *p;
	int32_t len;
};

struct kreader {
	const uint8_t *p;    /* next byte to read */
	const uint8_t *end;  /* one past the last readable byte */
	const uint8_t *base; /* start of the outermost buffer: offsets count from here */
	const char *why;     /* NULL while ok; a static description of the first failure */
	size_t at;           /* offset of the read that failed first */
};

/* Starts a cursor over `len` bytes at `buf`. `buf` may be NULL when len is 0. */
void kreader_init(struct kreader *r, const void *buf, size_t len);

/* 1 while no read has failed, 0 after the first failure. */
static inline int kreader_ok(const struct kreader *r)
{
	return r->why == NULL;
}

/* Bytes left to read (0 after a failure). */
static inline size_t kreader_remaining(const struct kreader *r)
{
	return r->why ? 0 : (size_t)(r->end - r->p);
}

/* Offset of the cursor from the start of the outermost buffer. */
size_t kreader_offset(const struct kreader *r);

/* Marks the cursor failed with `why` (a static string, e.g. "negative array
 * length"), unless it already failed. Parsers use it for semantic checks so
 * all failures leave through the same exit. Always returns 0. */
int kreader_fail(struct kreader *r, const char *why);

/* Fixed-width big-endian integers. */
static inline int8_t kreader_i8(struct kreader *r);
int16_t kreader_i16(struct kreader *r);
uint16_t kreader_u16(struct kreader *r);
int32_t kreader_i32(struct kreader *r);
uint32_t kreader_u32(struct kreader *r);
int64_t kreader_i64(struct kreader *r);
double kreader_f64(struct kreader *r);
/* BOOLEAN: one byte, non-zero is true; returns 0 or 1. */
int kreader_bool(struct kreader *r);

/* UNSIGNED_VARINT: at most 5 bytes, value fits in 32 bits. */
uint32_t kreader_uvarint(struct kreader *r);
/* VARINT: zig-zag, at most 5 bytes. */
static inline int32_t kreader_varint(struct kreader *r);
/* VARLONG: zig-zag, at most 10 bytes. */
static inline int64_t kreader_varlong(struct kreader *r);

/* Takes the next `n` raw bytes and returns a pointer to them (borrowed), or
 * NULL on failure. For n == 0 it returns the current position. */
const uint8_t *kreader_take(struct kreader *r, size_t n);
/* Skips `n` bytes. */
void kreader_skip(struct kreader *r, size_t n);
/* Carves the next `n` bytes into a sub-cursor `sub` and skips them in `r`.
 * Offsets reported by `sub` still count from r's outermost buffer. On failure
 * `sub` is an empty, already-failed cursor. */
static inline void kreader_sub(struct kreader *r, size_t n, struct kreader *sub);

/* STRING / NULLABLE_STRING: int16 length, -1 = null, other negatives fail. */
struct kslice kreader_string(struct kreader *r);
/* COMPACT_STRING / COMPACT_NULLABLE_STRING: uvarint length + 1, 0 = null. */
struct kslice kreader_compact_string(struct kreader *r);
/* BYTES / NULLABLE_BYTES: int32 length, -1 = null, other negatives fail. */
struct kslice kreader_bytes(struct kreader *r);
/* COMPACT_BYTES / COMPACT_NULLABLE_BYTES: uvarint length + 1, 0 = null. */
struct kslice kreader_compact_bytes(struct kreader *r);
/* Record key/value/header fields: zig-zag varint length, -1 = null. */
static inline struct kslice kreader_varint_bytes(struct kreader *r);

/* ARRAY length: int32, -1 = null (returned as -1). COMPACT_ARRAY: uvarint
 * N + 1, 0 = null (returned as -1). Both fail on a count larger than the bytes
 * remaining, since every Kafka array element takes at least one byte; so a
 * caller may size an allocation by the count it gets. */
int32_t kreader_array_len(struct kreader *r);
int32_t kreader_compact_array_len(struct kreader *r);

/* Skips a flexible-version tagged-field section: uvarint count, then for each
 * field uvarint tag, uvarint size and size bytes. Like the generated Java
 * message readers, it does not require tags to be in order. */
void kreader_skip_tags(struct kreader *r);

/* Reads one tagged field of a section whose count the caller read with
 * kreader_uvarint(): stores its tag and borrowed data. Returns 1 on success,
 * 0 on failure. */
int kreader_tag(struct kreader *r, uint32_t *tag, struct kslice *data);

/* If `r` failed, sets `e` to SG_ECORRUPT "<what>: <why> at offset N" and
 * returns -1; otherwise returns 0 and leaves `e` alone. `what` names the
 * structure being parsed (e.g. "Produce request"). */
int kreader_error(const struct kreader *r, struct sg_error *e, const char *what);

/* The reads above that every record of a batch makes several times are
 * inline for their common case (a cursor that has not failed, a one-byte
 * varint, a length that fits); any other case goes to the _full function,
 * which reads the same way. */
int8_t kreader_i8_full(struct kreader *r);
void kreader_sub_full(struct kreader *r, size_t n, struct kreader *sub);
int32_t kreader_varint_full(struct kreader *r);
int64_t kreader_varlong_full(struct kreader *r);
struct kslice kreader_varint_bytes_full(struct kreader *r);

/* A varint of one or two bytes at the cursor of a reader that has not
 * failed: stores it in `*u`, advances and returns 1; otherwise 0, with
 * nothing read. */
static inline int kreader_leb2(struct kreader *r, uint32_t *u)
{
	const uint8_t *p = r->p;
	if (r->why || p == r->end)
		return 0;
	if (!(p[0] & 0x80)) {
		*u = p[0];
		r->p = p + 1;
		return 1;
	}
	if (r->end - p >= 2 && !(p[1] & 0x80)) {
		*u = (uint32_t)(p[0] & 0x7f) | (uint32_t)p[1] << 7;
		r->p = p + 2;
		return 1;
	}
	return 0;
}

static inline void kreader_sub(struct kreader *r, size_t n, struct kreader *sub)
{
	if (!r->why && n && (size_t)(r->end - r->p) >= n) {
		sub->p = r->p;
		sub->end = r->p + n;
		sub->base = r->base;
		sub->why = NULL;
		sub->at = 0;
		r->p += n;
		return;
	}
	kreader_sub_full(r, n, sub);
}

static inline int8_t kreader_i8(struct kreader *r)
{
	if (!r->why && r->p < r->end)
		return (int8_t)*r->p++;
	return kreader_i8_full(r);
}

static inline int32_t kreader_varint(struct kreader *r)
{
	uint32_t u;
	if (kreader_leb2(r, &u))
		return (int32_t)((u >> 1) ^ (0u - (u & 1)));
	return kreader_varint_full(r);
}

static inline int64_t kreader_varlong(struct kreader *r)
{
	uint32_t u;
	if (kreader_leb2(r, &u))
		return (int64_t)(((uint64_t)u >> 1) ^ (0ull - (u & 1)));
	return kreader_varlong_full(r);
}

static inline struct kslice kreader_varint_bytes(struct kreader *r)
{
	/* A length >= 0 (an even zig-zag) of one or two bytes, within the rest,
	 * or null (-1, zig-zag 1: records without a key); anything else
	 * (negative, too long) is re-read by _full. */
	const uint8_t *start = r->p;
	uint32_t u;
	if (kreader_leb2(r, &u)) {
		if (!(u & 1) && (size_t)(u >> 1) <= (size_t)(r->end - r->p)) {
			struct kslice s = {r->p, (int32_t)(u >> 1)};
			r->p += u >> 1;
			return s;
		}
		if (u == 1) {
			struct kslice null = {NULL, -1};
			return null;
		}
		r->p = start;
	}
	return kreader_varint_bytes_full(r);
}

#endif
