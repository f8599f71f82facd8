/* tests/unit/test_kwriter.c: the bounded Kafka writer, checked byte for byte
 * and by reading back through kreader. */
#include "gateway/kwriter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "tests/tap.h"

static int same(const struct kwriter *w, const uint8_t *want, size_t n)
{
	return w->len == n && memcmp(w->buf, want, n) == 0;
}

static void test_bytes(void)
{
	struct kwriter w;
	static const uint8_t want[] = {
	    0xff, 0x12, 0x34, 0x80, 0x00, 0x00, 0x01, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x01, /* bool */
	    0xac, 0x02,                                     /* uvarint 300 */
	    0x03,                                           /* varint -2 */
	    0x01,                                           /* varlong -1 */
	    0x00, 0x02, 'h',  'i',                          /* STRING */
	    0xff, 0xff,                                     /* null STRING */
	    0x03, 'h',  'i',                                /* COMPACT_STRING */
	    0x00,                                           /* null COMPACT_STRING */
	    0x00, 0x00, 0x00, 0x01, 'b',                    /* BYTES */
	    0xff, 0xff, 0xff, 0xff,                         /* null BYTES */
	    0x06, 'k',  'e',  'y',                          /* varint bytes */
	    0x01,                                           /* varint null */
	    0x00, 0x00, 0x00, 0x02,                         /* ARRAY 2 */
	    0x00,                                           /* null COMPACT_ARRAY */
	    0x00,                                           /* no tags */
	};
	kwriter_init(&w, 1024);
	kwriter_i8(&w, -1);
	kwriter_i16(&w, 0x1234);
	kwriter_i32(&w, INT32_MIN + 1);
	kwriter_i64(&w, 7);
	kwriter_bool(&w, 5);
	kwriter_uvarint(&w, 300);
	kwriter_varint(&w, -2);
	kwriter_varlong(&w, -1);
	kwriter_string(&w, kslice_cstr("hi"));
	kwriter_string(&w, kslice_cstr(NULL));
	kwriter_compact_string(&w, kslice_cstr("hi"));
	kwriter_compact_string(&w, kslice_cstr(NULL));
	kwriter_bytes(&w, kslice_cstr("b"));
	kwriter_bytes(&w, kslice_cstr(NULL));
	kwriter_varint_bytes(&w, kslice_cstr("key"));
	kwriter_varint_bytes(&w, kslice_cstr(NULL));
	kwriter_array_len(&w, 2);
	kwriter_compact_array_len(&w, -1);
	kwriter_no_tags(&w);
	tap_ok(kwriter_ok(&w), "writes succeed");
	tap_ok(same(&w, want, sizeof want), "bytes match the Kafka encodings");
	kwriter_free(&w);
	kwriter_free(NULL);
}

static void test_roundtrip(void)
{
	static const int64_t longs[] = {
	    0, 1, -1, 63, -64, 64, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, 1234567890123LL};
	struct kwriter w;
	struct kreader r;
	int ok = 1;
	kwriter_init(&w, 4096);
	for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
		kwriter_varlong(&w, longs[i]);
		kwriter_varint(&w, (int32_t)longs[i]);
		kwriter_uvarint(&w, (uint32_t)longs[i]);
		kwriter_f64(&w, (double)longs[i]);
	}
	kreader_init(&r, w.buf, w.len);
	for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
		ok &= kreader_varlong(&r) == longs[i];
		ok &= kreader_varint(&r) == (int32_t)longs[i];
		ok &= kreader_uvarint(&r) == (uint32_t)longs[i];
		ok &= kreader_f64(&r) == (double)longs[i];
	}
	tap_ok(ok && kreader_ok(&r) && kreader_remaining(&r) == 0,
	       "varints and float64 round-trip through kreader");
	kwriter_free(&w);
}

static void test_limits(void)
{
	struct kwriter w;
	struct sg_error e;
	uint8_t fixed[6];
	size_t len, off;
	uint8_t *b;
	char big[40000];

	kwriter_init(&w, 10);
	tap_ok(kwriter_alloc(&w, 0) == NULL && kwriter_ok(&w) && w.len == 0,
	       "alloc of 0 bytes on a fresh writer: NULL, still ok");
	kwriter_i64(&w, 1);
	tap_ok(kwriter_ok(&w) && w.len == 8, "8 bytes fit under a 10-byte limit");
	kwriter_i32(&w, 1);
	tap_ok(!kwriter_ok(&w) && w.len == 8, "4 more fail and write nothing");
	kwriter_i8(&w, 1);
	tap_ok(w.len == 8, "a write after a failure does nothing even if it would fit");
	error_clear(&e);
	tap_is_int(kwriter_error(&w, &e, "response"), -1, "kwriter_error returns -1");
	tap_is_int(e.code, SG_ELIMIT, "SG_ELIMIT");
	tap_is_str(e.msg, "response: larger than 10 bytes", "message names the limit");
	tap_ok(w.cap <= 10, "never allocated past the limit");
	b = kwriter_take(&w, &len);
	tap_ok(b == NULL && len == 0, "take of a failed writer gives nothing");
	kwriter_reset(&w);
	kwriter_i16(&w, 7);
	b = kwriter_take(&w, &len);
	tap_ok(b && len == 2 && b[1] == 7, "reset then take hands over the buffer");
	free(b);
	tap_ok(w.buf == NULL && w.len == 0 && w.limit == 10, "after take the writer is empty");
	kwriter_free(&w);

	kwriter_init_fixed(&w, fixed, sizeof fixed);
	off = kwriter_reserve(&w, 4);
	kwriter_i16(&w, 0x0102);
	kwriter_patch_u32(&w, off, 0xa1b2c3d4u);
	tap_ok(kwriter_ok(&w) && w.buf == fixed && fixed[0] == 0xa1 && fixed[3] == 0xd4 &&
	           fixed[5] == 2,
	       "fixed buffer: reserve, write, patch");
	kwriter_i8(&w, 0);
	tap_ok(!kwriter_ok(&w) && w.buf == fixed, "fixed buffer never reallocates");
	kwriter_free(&w);

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	kwriter_init(&w, 100000);
	kwriter_string(&w, kslice_cstr(big));
	tap_ok(!kwriter_ok(&w) && w.len == 0, "STRING over 32767 bytes fails");
	kwriter_reset(&w);
	kwriter_compact_string(&w, kslice_cstr(big));
	tap_ok(kwriter_ok(&w) && w.len == sizeof big - 1 + 3, "COMPACT_STRING of 39999 bytes fits");
	tap_ok(w.cap >= w.len && w.cap <= 100000, "growth stays within the limit");
	kwriter_free(&w);
}

int main(void)
{
	test_bytes();
	test_roundtrip();
	test_limits();
	return tap_done();
}
