/* gateway/kwriter.h: a bounded writer for Kafka wire bytes, the mirror of
 * kreader.
 *
 * A kwriter appends big-endian integers, varints, strings and bytes to a
 * buffer that never grows past a hard limit. Two kinds of buffer:
 *   - kwriter_init(): a heap buffer the writer grows (doubling) up to `limit`
 *     bytes; kwriter_free() releases it, kwriter_take() hands it over.
 *   - kwriter_init_fixed(): a caller-provided buffer of fixed size that the
 *     writer never reallocates or frees.
 * Like kreader, errors are sticky: once a write would pass the limit or an
 * allocation fails, every later write does nothing, and the caller checks
 * kwriter_ok() once at the end. Encodings are those described in kreader.h.
 *
 * Nothing here is thread-safe; a writer belongs to one thread at a time.
 */
#ifndef SG_KWRITER_H
#define SG_KWRITER_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/kreader.h"

struct sg_error;

struct kwriter {
	uint8_t *buf; /* the bytes written so far are buf[0 .. len) */
	size_t len;
	size_t cap;   /* bytes allocated (or provided) */
	size_t limit; /* hard ceiling on len */
	int fixed;    /* 1 when buf belongs to the caller */
	int code;     /* SG_OK, or SG_ELIMIT / SG_ENOMEM after the first failure */
};

/* Starts an empty heap-backed writer that refuses to grow past `limit` bytes.
 * Allocates nothing until the first write. */
void kwriter_init(struct kwriter *w, size_t limit);

/* Starts a writer over the caller's `cap` bytes at `buf`; limit = cap. */
void kwriter_init_fixed(struct kwriter *w, void *buf, size_t cap);

/* Frees a heap buffer (not a fixed one) and leaves `w` empty. Accepts NULL. */
void kwriter_free(struct kwriter *w);

/* Forgets the bytes written and the error; keeps the buffer for reuse. */
void kwriter_reset(struct kwriter *w);

/* Hands the heap buffer to the caller (who frees it with free()) and stores
 * its length in *len; `w` is left empty. Returns NULL if the writer failed,
 * holds nothing, or is fixed. */
uint8_t *kwriter_take(struct kwriter *w, size_t *len);

/* 1 while no write has failed. */
static inline int kwriter_ok(const struct kwriter *w)
{
	return w->code == 0;
}

/* Ensures room for `n` more bytes and returns a pointer to them, advancing
 * len by n; the caller fills them in. NULL on failure, and also for n == 0
 * before anything was allocated (check kwriter_ok() to tell them apart). */
uint8_t *kwriter_alloc(struct kwriter *w, size_t n);

void kwriter_raw(struct kwriter *w, const void *p, size_t n);
void kwriter_i8(struct kwriter *w, int8_t v);
void kwriter_i16(struct kwriter *w, int16_t v);
void kwriter_i32(struct kwriter *w, int32_t v);
void kwriter_u32(struct kwriter *w, uint32_t v);
void kwriter_i64(struct kwriter *w, int64_t v);
void kwriter_f64(struct kwriter *w, double v);
void kwriter_bool(struct kwriter *w, int v);
void kwriter_uvarint(struct kwriter *w, uint32_t v);
void kwriter_varint(struct kwriter *w, int32_t v);
void kwriter_varlong(struct kwriter *w, int64_t v);

/* Strings and bytes from a slice; s.len == -1 writes null. A classic STRING
 * longer than 32767 bytes fails (SG_ELIMIT). */
void kwriter_string(struct kwriter *w, struct kslice s);
void kwriter_compact_string(struct kwriter *w, struct kslice s);
void kwriter_bytes(struct kwriter *w, struct kslice s);
void kwriter_compact_bytes(struct kwriter *w, struct kslice s);
void kwriter_varint_bytes(struct kwriter *w, struct kslice s);

/* A slice over a NUL-terminated string, or null for NULL. */
struct kslice kslice_cstr(const char *s);

/* ARRAY / COMPACT_ARRAY lengths; n == -1 writes null. */
void kwriter_array_len(struct kwriter *w, int32_t n);
void kwriter_compact_array_len(struct kwriter *w, int32_t n);

/* An empty tagged-field section (a single 0 byte). */
void kwriter_no_tags(struct kwriter *w);

/* Reserves `n` bytes to fill in later (a length or a CRC) and returns their
 * offset; on failure returns 0 and the writer is failed. */
size_t kwriter_reserve(struct kwriter *w, size_t n);
/* Overwrites 4 bytes at `off` (from kwriter_reserve) with a big-endian value.
 * Does nothing if the writer failed. */
void kwriter_patch_u32(struct kwriter *w, size_t off, uint32_t v);

/* If `w` failed, sets `e` (SG_ELIMIT "<what>: larger than N bytes", or
 * SG_ENOMEM) and returns -1; otherwise returns 0. */
int kwriter_error(const struct kwriter *w, struct sg_error *e, const char *what);

#endif
