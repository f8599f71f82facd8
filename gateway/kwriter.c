/* gateway/kwriter.c: the bounded Kafka writer. */
#include "gateway/kwriter.h"

#include <stdlib.h>
#include <string.h>

#include "compat/error.h"

#define KWRITER_FIRST_CAP 256

void kwriter_init(struct kwriter *w, size_t limit)
{
	memset(w, 0, sizeof *w);
	w->limit = limit;
}

void kwriter_init_fixed(struct kwriter *w, void *buf, size_t cap)
{
	memset(w, 0, sizeof *w);
	w->buf = buf;
	w->cap = cap;
	w->limit = cap;
	w->fixed = 1;
}

void kwriter_free(struct kwriter *w)
{
	if (!w)
		return;
	if (!w->fixed)
		free(w->buf);
	memset(w, 0, sizeof *w);
}

void kwriter_reset(struct kwriter *w)
{
	w->len = 0;
	w->code = SG_OK;
}

uint8_t *kwriter_take(struct kwriter *w, size_t *len)
{
	uint8_t *b;
	size_t limit = w->limit;
	if (w->code || w->fixed || !w->buf) {
		*len = 0;
		return NULL;
	}
	b = w->buf;
	*len = w->len;
	kwriter_init(w, limit);
	return b;
}

uint8_t *kwriter_alloc(struct kwriter *w, size_t n)
{
	uint8_t *q;
	if (w->code)
		return NULL;
	if (n == 0)
		return w->buf ? w->buf + w->len : NULL;
	if (n > w->limit - w->len) {
		w->code = SG_ELIMIT;
		return NULL;
	}
	if (n > w->cap - w->len) {
		size_t cap = w->cap ? w->cap : KWRITER_FIRST_CAP;
		uint8_t *nb;
		if (w->fixed) {
			w->code = SG_ELIMIT;
			return NULL;
		}
		while (cap - w->len < n)
			cap = cap > w->limit / 2 ? w->limit : cap * 2;
		if (cap > w->limit)
			cap = w->limit;
		nb = realloc(w->buf, cap);
		if (!nb) {
			w->code = SG_ENOMEM;
			return NULL;
		}
		w->buf = nb;
		w->cap = cap;
	}
	q = w->buf + w->len;
	w->len += n;
	return q;
}

void kwriter_raw(struct kwriter *w, const void *p, size_t n)
{
	uint8_t *q = kwriter_alloc(w, n);
	if (q && n)
		memcpy(q, p, n);
}

static void kwriter_be(struct kwriter *w, uint64_t v, int n)
{
	uint8_t *q = kwriter_alloc(w, (size_t)n);
	if (!q)
		return;
	for (int i = n - 1; i >= 0; i--) {
		q[i] = (uint8_t)v;
		v >>= 8;
	}
}

void kwriter_i8(struct kwriter *w, int8_t v)
{
	kwriter_be(w, (uint8_t)v, 1);
}
void kwriter_i16(struct kwriter *w, int16_t v)
{
	kwriter_be(w, (uint16_t)v, 2);
}
void kwriter_i32(struct kwriter *w, int32_t v)
{
	kwriter_be(w, (uint32_t)v, 4);
}
void kwriter_u32(struct kwriter *w, uint32_t v)
{
	kwriter_be(w, v, 4);
}
void kwriter_i64(struct kwriter *w, int64_t v)
{
	kwriter_be(w, (uint64_t)v, 8);
}
void kwriter_bool(struct kwriter *w, int v)
{
	kwriter_be(w, v ? 1 : 0, 1);
}

void kwriter_f64(struct kwriter *w, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	kwriter_be(w, u, 8);
}

static void kwriter_leb128(struct kwriter *w, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	while (v >= 0x80) {
		tmp[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t)v;
	kwriter_raw(w, tmp, n);
}

void kwriter_uvarint(struct kwriter *w, uint32_t v)
{
	kwriter_leb128(w, v);
}

void kwriter_varint(struct kwriter *w, int32_t v)
{
	kwriter_leb128(w, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

void kwriter_varlong(struct kwriter *w, int64_t v)
{
	kwriter_leb128(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

struct kslice kslice_cstr(const char *s)
{
	struct kslice k = {NULL, -1};
	if (s) {
		size_t n = strlen(s);
		k.p = (const uint8_t *)s;
		k.len = n > INT32_MAX ? INT32_MAX : (int32_t)n;
	}
	return k;
}

void kwriter_string(struct kwriter *w, struct kslice s)
{
	if (s.len > INT16_MAX) {
		if (!w->code)
			w->code = SG_ELIMIT;
		return;
	}
	kwriter_i16(w, (int16_t)(s.len < 0 ? -1 : s.len));
	if (s.len > 0)
		kwriter_raw(w, s.p, (size_t)s.len);
}

void kwriter_bytes(struct kwriter *w, struct kslice s)
{
	kwriter_i32(w, s.len < 0 ? -1 : s.len);
	if (s.len > 0)
		kwriter_raw(w, s.p, (size_t)s.len);
}

static void kwriter_compact(struct kwriter *w, struct kslice s)
{
	kwriter_uvarint(w, s.len < 0 ? 0 : (uint32_t)s.len + 1);
	if (s.len > 0)
		kwriter_raw(w, s.p, (size_t)s.len);
}

void kwriter_compact_string(struct kwriter *w, struct kslice s)
{
	kwriter_compact(w, s);
}
void kwriter_compact_bytes(struct kwriter *w, struct kslice s)
{
	kwriter_compact(w, s);
}

void kwriter_varint_bytes(struct kwriter *w, struct kslice s)
{
	kwriter_varint(w, s.len < 0 ? -1 : s.len);
	if (s.len > 0)
		kwriter_raw(w, s.p, (size_t)s.len);
}

void kwriter_array_len(struct kwriter *w, int32_t n)
{
	kwriter_i32(w, n < 0 ? -1 : n);
}

void kwriter_compact_array_len(struct kwriter *w, int32_t n)
{
	kwriter_uvarint(w, n < 0 ? 0 : (uint32_t)n + 1);
}

void kwriter_no_tags(struct kwriter *w)
{
	kwriter_uvarint(w, 0);
}

size_t kwriter_reserve(struct kwriter *w, size_t n)
{
	uint8_t *q = kwriter_alloc(w, n);
	if (!q)
		return 0;
	memset(q, 0, n);
	return (size_t)(q - w->buf);
}

void kwriter_patch_u32(struct kwriter *w, size_t off, uint32_t v)
{
	if (w->code || off > w->len || w->len - off < 4)
		return;
	w->buf[off] = (uint8_t)(v >> 24);
	w->buf[off + 1] = (uint8_t)(v >> 16);
	w->buf[off + 2] = (uint8_t)(v >> 8);
	w->buf[off + 3] = (uint8_t)v;
}

int kwriter_error(const struct kwriter *w, struct sg_error *e, const char *what)
{
	if (!w->code)
		return 0;
	if (w->code == SG_ENOMEM)
		return error_set(e, SG_ENOMEM, "%s: out of memory", what);
	return error_set(e, SG_ELIMIT, "%s: larger than %zu bytes", what, w->limit);
}
