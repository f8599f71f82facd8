/* gateway/kreader.c: the bounded Kafka read cursor. */
#include "gateway/kreader.h"

#include <string.h>

#include "compat/error.h"

void kreader_init(struct kreader *r, const void *buf, size_t len)
{
	r->p = buf;
	r->end = r->p ? r->p + len : r->p;
	r->base = r->p;
	r->why = NULL;
	r->at = 0;
}

size_t kreader_offset(const struct kreader *r)
{
	return (size_t)(r->p - r->base);
}

int kreader_fail(struct kreader *r, const char *why)
{
	if (!r->why) {
		r->why = why;
		r->at = (size_t)(r->p - r->base);
	}
	return 0;
}

/* Returns a pointer to the next n bytes and advances, or NULL after failing
 * with `why`. Every read goes through here or through kreader_byte(). */
static const uint8_t *kreader_need(struct kreader *r, size_t n, const char *why)
{
	const uint8_t *q;
	if (r->why)
		return NULL;
	if ((size_t)(r->end - r->p) < n) {
		kreader_fail(r, why);
		return NULL;
	}
	q = r->p;
	if (n)
		r->p += n;
	return q;
}

int8_t kreader_i8_full(struct kreader *r)
{
	const uint8_t *q = kreader_need(r, 1, "truncated int8");
	return q ? (int8_t)q[0] : 0;
}

uint16_t kreader_u16(struct kreader *r)
{
	const uint8_t *q = kreader_need(r, 2, "truncated int16");
	return q ? (uint16_t)((unsigned)q[0] << 8 | q[1]) : 0;
}

int16_t kreader_i16(struct kreader *r)
{
	return (int16_t)kreader_u16(r);
}

uint32_t kreader_u32(struct kreader *r)
{
	const uint8_t *q = kreader_need(r, 4, "truncated int32");
	if (!q)
		return 0;
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

int32_t kreader_i32(struct kreader *r)
{
	return (int32_t)kreader_u32(r);
}

static uint64_t kreader_u64(struct kreader *r)
{
	const uint8_t *q = kreader_need(r, 8, "truncated int64");
	uint64_t v = 0;
	if (!q)
		return 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | q[i];
	return v;
}

int64_t kreader_i64(struct kreader *r)
{
	return (int64_t)kreader_u64(r);
}

double kreader_f64(struct kreader *r)
{
	uint64_t v = kreader_u64(r);
	double d;
	memcpy(&d, &v, sizeof d);
	return d;
}

int kreader_bool(struct kreader *r)
{
	return kreader_i8(r) != 0;
}

/* LEB128 of at most `max` bytes. Like Java's ByteUtils, bits that overflow
 * the final byte are dropped rather than rejected, so we read the same value
 * the broker does. */
static uint64_t kreader_leb128(struct kreader *r, int max, const char *why_long)
{
	uint64_t v = 0;
	const uint8_t *start = r->p;
	if (r->why)
		return 0;
	for (int i = 0; i < max; i++) {
		uint8_t b;
		if (r->p == r->end) {
			r->p = start;
			kreader_fail(r, "truncated varint");
			return 0;
		}
		b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return v;
	}
	r->p = start;
	kreader_fail(r, why_long);
	return 0;
}

uint32_t kreader_uvarint(struct kreader *r)
{
	return (uint32_t)kreader_leb128(r, 5, "varint longer than 5 bytes");
}

int32_t kreader_varint_full(struct kreader *r)
{
	uint32_t u = (uint32_t)kreader_leb128(r, 5, "varint longer than 5 bytes");
	return (int32_t)((u >> 1) ^ (0u - (u & 1)));
}

int64_t kreader_varlong_full(struct kreader *r)
{
	uint64_t u = kreader_leb128(r, 10, "varlong longer than 10 bytes");
	return (int64_t)((u >> 1) ^ (0ull - (u & 1)));
}

const uint8_t *kreader_take(struct kreader *r, size_t n)
{
	return kreader_need(r, n, "truncated data");
}

void kreader_skip(struct kreader *r, size_t n)
{
	(void)kreader_need(r, n, "truncated data");
}

void kreader_sub_full(struct kreader *r, size_t n, struct kreader *sub)
{
	const uint8_t *q = kreader_need(r, n, "length past the end");
	if (!kreader_ok(r)) {
		sub->p = sub->end = r->p;
		sub->base = r->base;
		sub->why = r->why;
		sub->at = r->at;
		return;
	}
	sub->p = q;
	sub->end = n ? q + n : q;
	sub->base = r->base;
	sub->why = NULL;
	sub->at = 0;
}

static const struct kslice kslice_null = {NULL, -1};

/* A slice of `len` bytes (len >= 0), or null after failing. */
static struct kslice kreader_slice(struct kreader *r, int64_t len, const uint8_t *start)
{
	struct kslice s;
	if (r->why)
		return kslice_null;
	if ((uint64_t)len > (uint64_t)(r->end - r->p) || len > INT32_MAX) {
		r->p = start;
		kreader_fail(r, "length past the end");
		return kslice_null;
	}
	s.p = r->p;
	s.len = (int32_t)len;
	if (len)
		r->p += len;
	return s;
}

/* A length read as `len`, where -1 means null and other negatives are corrupt. */
static struct kslice kreader_sized(struct kreader *r, int64_t len, const uint8_t *start)
{
	if (r->why)
		return kslice_null;
	if (len == -1)
		return kslice_null;
	if (len < 0) {
		r->p = start;
		kreader_fail(r, "negative length");
		return kslice_null;
	}
	return kreader_slice(r, len, start);
}

struct kslice kreader_string(struct kreader *r)
{
	const uint8_t *start = r->p;
	int16_t len = kreader_i16(r);
	return kreader_sized(r, len, start);
}

struct kslice kreader_bytes(struct kreader *r)
{
	const uint8_t *start = r->p;
	int32_t len = kreader_i32(r);
	return kreader_sized(r, len, start);
}

struct kslice kreader_varint_bytes_full(struct kreader *r)
{
	const uint8_t *start = r->p;
	int32_t len = kreader_varint(r);
	return kreader_sized(r, len, start);
}

static struct kslice kreader_compact(struct kreader *r)
{
	const uint8_t *start = r->p;
	uint32_t n = kreader_uvarint(r);
	return kreader_sized(r, (int64_t)n - 1, start);
}

struct kslice kreader_compact_string(struct kreader *r)
{
	return kreader_compact(r);
}

struct kslice kreader_compact_bytes(struct kreader *r)
{
	return kreader_compact(r);
}

/* Checks an array count against the bytes left. */
static int32_t kreader_count(struct kreader *r, int64_t n, const uint8_t *start)
{
	if (r->why)
		return 0;
	if (n == -1)
		return -1;
	if (n < 0) {
		r->p = start;
		kreader_fail(r, "negative array length");
		return 0;
	}
	if ((uint64_t)n > (uint64_t)(r->end - r->p)) {
		r->p = start;
		kreader_fail(r, "array length past the end");
		return 0;
	}
	return (int32_t)n;
}

int32_t kreader_array_len(struct kreader *r)
{
	const uint8_t *start = r->p;
	int32_t n = kreader_i32(r);
	return kreader_count(r, n, start);
}

int32_t kreader_compact_array_len(struct kreader *r)
{
	const uint8_t *start = r->p;
	uint32_t n = kreader_uvarint(r);
	return kreader_count(r, (int64_t)n - 1, start);
}

int kreader_tag(struct kreader *r, uint32_t *tag, struct kslice *data)
{
	const uint8_t *start = r->p;
	uint32_t size;
	*tag = kreader_uvarint(r);
	size = kreader_uvarint(r);
	*data = kreader_slice(r, size, start);
	return kreader_ok(r);
}

void kreader_skip_tags(struct kreader *r)
{
	const uint8_t *start = r->p;
	uint32_t n = kreader_uvarint(r);
	uint32_t tag;
	struct kslice data;
	if (n > kreader_remaining(r)) {
		r->p = start;
		kreader_fail(r, "tagged field count past the end");
		return;
	}
	for (uint32_t i = 0; i < n && kreader_tag(r, &tag, &data); i++)
		;
}

int kreader_error(const struct kreader *r, struct sg_error *e, const char *what)
{
	if (!r->why)
		return 0;
	return error_set(e, SG_ECORRUPT, "%s: %s at offset %zu", what, r->why, r->at);
}
