/* tests/unit/test_kreader.c: the bounded Kafka read cursor. */
#include "gateway/kreader.h"

#include <stdint.h>
#include <string.h>

#include "compat/error.h"
#include "tests/tap.h"

#define R(r, ...)                                                                                  \
	static const uint8_t r##_buf[] = {__VA_ARGS__};                                            \
	kreader_init(&r, r##_buf, sizeof r##_buf)

static void test_ints(void)
{
	struct kreader r;
	R(r, 0xff, 0x12, 0x34, 0x80, 0x00, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef, 0x80, 0, 0, 0, 0, 0,
	  0, 2, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0x02);

	tap_is_int(kreader_i8(&r), -1, "int8 0xff is -1");
	tap_is_int(kreader_i16(&r), 0x1234, "int16 big-endian");
	tap_is_int(kreader_i32(&r), INT32_MIN + 1, "int32 0x80000001");
	tap_is_int(kreader_u32(&r), 0xdeadbeefu, "uint32 0xdeadbeef");
	tap_is_int(kreader_i64(&r), INT64_MIN + 2, "int64 0x8000000000000002");
	tap_ok(kreader_f64(&r) == 1.0, "float64 1.0");
	tap_is_int(kreader_bool(&r), 1, "bool 2 reads as true");
	tap_ok(kreader_ok(&r) && kreader_remaining(&r) == 0, "all consumed, still ok");
	tap_is_int(kreader_i8(&r), 0, "read at end returns 0");
	tap_ok(!kreader_ok(&r), "read at end fails");
	tap_is_int(kreader_offset(&r), sizeof r_buf, "cursor stays at end");
}

static void test_sticky(void)
{
	struct kreader r;
	struct sg_error e;
	R(r, 0x00, 0x01, 0x02);

	kreader_i8(&r);
	tap_is_int(kreader_i32(&r), 0, "int32 with 2 bytes left returns 0");
	tap_is_int(kreader_offset(&r), 1, "failed read does not advance");
	tap_is_int(kreader_i8(&r), 0, "after a failure, an int8 that would fit returns 0");
	tap_is_int(kreader_offset(&r), 1, "and does not advance");
	tap_is_int(kreader_remaining(&r), 0, "remaining is 0 after a failure");
	kreader_fail(&r, "something else");
	error_clear(&e);
	tap_is_int(kreader_error(&r, &e, "Test frame"), -1, "kreader_error returns -1");
	tap_is_int(e.code, SG_ECORRUPT, "error code is SG_ECORRUPT");
	tap_is_str(e.msg, "Test frame: truncated int32 at offset 1",
	           "first failure wins, with offset");

	kreader_init(&r, NULL, 0);
	tap_ok(kreader_ok(&r) && kreader_remaining(&r) == 0, "empty NULL buffer is ok");
	{
		struct kreader sub;
		kreader_take(&r, 0);
		kreader_skip(&r, 0);
		kreader_sub(&r, 0, &sub);
		tap_ok(kreader_ok(&r) && kreader_ok(&sub) && kreader_remaining(&sub) == 0,
		       "zero-length take, skip and sub of an empty NULL buffer succeed");
	}
	error_clear(&e);
	tap_is_int(kreader_error(&r, &e, "x"), 0, "kreader_error returns 0 when ok");
	tap_is_int(e.code, SG_OK, "and leaves the error alone");
}

struct varint_case {
	uint8_t b[12];
	size_t n;
	int kind; /* 0 uvarint, 1 varint, 2 varlong */
	int64_t want;
	int ok;
};

static void test_varints(void)
{
	static const struct varint_case cases[] = {
	    {{0x00}, 1, 0, 0, 1},
	    {{0x7f}, 1, 0, 127, 1},
	    {{0x80, 0x01}, 2, 0, 128, 1},
	    {{0xff, 0xff, 0xff, 0xff, 0x0f}, 5, 0, 0xffffffffLL, 1},
	    {{0xff, 0xff, 0xff, 0xff, 0x7f},
	     5,
	     0,
	     0xffffffffLL,
	     1}, /* overflow bits dropped, like Java */
	    {{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 6, 0, 0, 0}, /* 6 bytes */
	    {{0x80, 0x80}, 2, 0, 0, 0},                         /* truncated */
	    {{0x00}, 1, 1, 0, 1},
	    {{0x01}, 1, 1, -1, 1},
	    {{0x02}, 1, 1, 1, 1},
	    {{0x03}, 1, 1, -2, 1},
	    {{0xfe, 0xff, 0xff, 0xff, 0x0f}, 5, 1, INT32_MAX, 1},
	    {{0xff, 0xff, 0xff, 0xff, 0x0f}, 5, 1, INT32_MIN, 1},
	    {{0xff, 0xff, 0xff, 0xff, 0xff, 0x00}, 6, 1, 0, 0},
	    {{0x01}, 1, 2, -1, 1},
	    {{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10, 2, INT64_MAX, 1},
	    {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10, 2, INT64_MIN, 1},
	    {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 11, 2, 0, 0},
	    {{0xac, 0x02}, 2, 2, 150, 1},
	    /* the inline one- and two-byte paths, at their edges */
	    {{0x7e}, 1, 1, 63, 1},
	    {{0x7f}, 1, 1, -64, 1},
	    {{0x80, 0x01}, 2, 1, 64, 1},
	    {{0xab, 0x02}, 2, 1, -150, 1},
	    {{0xff, 0x7f}, 2, 1, -8192, 1},
	    {{0xff, 0x7f}, 2, 2, -8192, 1},
	    {{0xfe, 0x7f}, 2, 2, 8191, 1},
	    {{0x80, 0x80, 0x01}, 3, 2, 8192, 1},
	    {{0x80}, 1, 1, 0, 0},       /* truncated after one byte */
	    {{0x81}, 1, 2, 0, 0},       /* truncated after one byte */
	    {{0xff, 0x80}, 2, 1, 0, 0}, /* truncated after two bytes */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct varint_case *c = &cases[i];
		struct kreader r;
		int64_t got;
		kreader_init(&r, c->b, c->n);
		got = c->kind == 0   ? (int64_t)kreader_uvarint(&r)
		      : c->kind == 1 ? (int64_t)kreader_varint(&r)
		                     : kreader_varlong(&r);
		if (c->ok) {
			tap_ok(kreader_ok(&r) && got == c->want && kreader_remaining(&r) == 0,
			       "varint case %zu reads %lld", i, (long long)c->want);
		} else {
			tap_ok(!kreader_ok(&r) && got == 0 && kreader_offset(&r) == 0,
			       "varint case %zu fails (%s) without advancing", i,
			       r.why ? r.why : "ok?");
		}
	}
}

static void test_strings(void)
{
	struct kreader r;
	struct kslice s;
	R(r, 0x00, 0x03, 'a', 'b', 'c', /* STRING "abc" */
	  0xff, 0xff,                   /* null STRING */
	  0x00, 0x00,                   /* empty STRING */
	  0x03, 'h', 'i',               /* COMPACT_STRING "hi" */
	  0x00,                         /* null COMPACT_STRING */
	  0x00, 0x00, 0x00, 0x01, 'x',  /* BYTES "x" */
	  0xff, 0xff, 0xff, 0xff,       /* null BYTES */
	  0x01,                         /* empty COMPACT_BYTES */
	  0x06, 'k', 'e', 'y',          /* varint-length "key" (zig-zag 3 = 6) */
	  0x01);                        /* varint-length null */

	s = kreader_string(&r);
	tap_ok(s.len == 3 && memcmp(s.p, "abc", 3) == 0, "STRING abc");
	s = kreader_string(&r);
	tap_ok(s.len == -1 && s.p == NULL, "null STRING");
	s = kreader_string(&r);
	tap_ok(s.len == 0 && s.p != NULL, "empty STRING is not null");
	s = kreader_compact_string(&r);
	tap_ok(s.len == 2 && memcmp(s.p, "hi", 2) == 0, "COMPACT_STRING hi");
	s = kreader_compact_string(&r);
	tap_ok(s.len == -1, "null COMPACT_STRING");
	s = kreader_bytes(&r);
	tap_ok(s.len == 1 && s.p[0] == 'x', "BYTES x");
	s = kreader_bytes(&r);
	tap_ok(s.len == -1, "null BYTES");
	s = kreader_compact_bytes(&r);
	tap_ok(s.len == 0, "empty COMPACT_BYTES");
	s = kreader_varint_bytes(&r);
	tap_ok(s.len == 3 && memcmp(s.p, "key", 3) == 0, "varint bytes key");
	s = kreader_varint_bytes(&r);
	tap_ok(s.len == -1, "varint bytes null");
	tap_ok(kreader_ok(&r) && kreader_remaining(&r) == 0, "strings all consumed");
}

static void test_bad_lengths(void)
{
	struct kreader r;
	struct kslice s;
	{
		R(r, 0x80, 0x01, 'a'); /* varint length 64 of 1 byte */
		s = kreader_varint_bytes(&r);
		tap_ok(s.len == -1 && !kreader_ok(&r) && r.at == 0,
		       "varint bytes of a two-byte length past the end fail at the length");
	}
	{
		R(r, 0x03, 'a'); /* varint length -2 */
		s = kreader_varint_bytes(&r);
		tap_ok(s.len == -1 && !kreader_ok(&r) && r.at == 0,
		       "varint bytes of length -2 fail at the length");
		tap_is_str(r.why, "negative length", "reason: negative length");
	}
	{
		R(r, 0x00, 0x7e);
		s = kreader_varint_bytes(&r);
		tap_ok(s.len == 0 && s.p == r.base + 1 && kreader_ok(&r),
		       "varint bytes of length 0 point after the length");
		s = kreader_varint_bytes(&r);
		tap_ok(s.len == -1 && !kreader_ok(&r) && r.at == 1,
		       "a one-byte length of 63 with nothing after it fails at the length");
	}
	{
		R(r, 0xff, 0xfe, 'a');
		s = kreader_string(&r);
		tap_ok(s.len == -1 && !kreader_ok(&r), "STRING length -2 fails");
		tap_is_str(r.why, "negative length", "reason: negative length");
	}
	{
		R(r, 0x00, 0x04, 'a', 'b', 'c');
		s = kreader_string(&r);
		tap_ok(s.len == -1 && !kreader_ok(&r) && r.at == 0,
		       "STRING past the end fails at its length");
		tap_is_str(r.why, "length past the end", "reason: length past the end");
	}
	{
		R(r, 0x80, 0x00, 0x00, 0x00);
		s = kreader_bytes(&r);
		tap_ok(!kreader_ok(&r), "BYTES length INT32_MIN fails");
	}
	{
		R(r, 0x7f, 0xff, 0xff, 0xff, 0x00);
		s = kreader_bytes(&r);
		tap_ok(!kreader_ok(&r), "BYTES length INT32_MAX fails");
	}
	{
		R(r, 0xff, 0xff, 0xff, 0xff, 0x0f);
		s = kreader_compact_string(&r);
		tap_ok(!kreader_ok(&r), "COMPACT_STRING length 2^32-2 fails");
	}
	{
		R(r, 0x03);
		s = kreader_varint_bytes(&r);
		tap_ok(!kreader_ok(&r) && strcmp(r.why, "negative length") == 0,
		       "varint length -2 fails as negative");
	}
	{
		R(r, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
		s = kreader_varint_bytes(&r);
		tap_ok(!kreader_ok(&r) && strcmp(r.why, "varint longer than 5 bytes") == 0,
		       "varint length of 6 bytes fails");
	}
	(void)s;
}

static void test_arrays(void)
{
	struct kreader r;
	{
		R(r, 0x00, 0x00, 0x00, 0x02, 1, 2);
		tap_is_int(kreader_array_len(&r), 2, "ARRAY of 2");
		tap_ok(kreader_ok(&r), "ok");
	}
	{
		R(r, 0xff, 0xff, 0xff, 0xff);
		tap_is_int(kreader_array_len(&r), -1, "null ARRAY is -1");
		tap_ok(kreader_ok(&r), "null ARRAY is ok");
	}
	{
		R(r, 0x00, 0x00, 0x00, 0x03, 1, 2);
		tap_is_int(kreader_array_len(&r), 0, "ARRAY count past the bytes left returns 0");
		tap_ok(!kreader_ok(&r), "and fails");
	}
	{
		R(r, 0xff, 0xff, 0xff, 0xfe);
		kreader_array_len(&r);
		tap_ok(!kreader_ok(&r), "ARRAY count -2 fails");
	}
	{
		R(r, 0x03, 1, 2);
		tap_is_int(kreader_compact_array_len(&r), 2, "COMPACT_ARRAY of 2");
	}
	{
		R(r, 0x00);
		tap_is_int(kreader_compact_array_len(&r), -1, "null COMPACT_ARRAY is -1");
		tap_ok(kreader_ok(&r), "null COMPACT_ARRAY is ok");
	}
	{
		R(r, 0xff, 0xff, 0xff, 0xff, 0x07);
		kreader_compact_array_len(&r);
		tap_ok(!kreader_ok(&r), "COMPACT_ARRAY of 2^31 fails");
	}
}

static void test_tags(void)
{
	struct kreader r;
	{
		R(r, 0x02, 0x00, 0x02, 'a', 'b', 0x05, 0x00, 0x42);
		kreader_skip_tags(&r);
		tap_ok(kreader_ok(&r) && kreader_remaining(&r) == 1, "two tagged fields skipped");
		tap_is_int(kreader_i8(&r), 0x42, "next field read after tags");
	}
	{
		R(r, 0x00);
		kreader_skip_tags(&r);
		tap_ok(kreader_ok(&r) && kreader_remaining(&r) == 0, "empty tag section");
	}
	{
		R(r, 0x01, 0x00, 0x05, 'a');
		kreader_skip_tags(&r);
		tap_ok(!kreader_ok(&r), "tagged field size past the end fails");
	}
	{
		R(r, 0x7f, 0x00, 0x00);
		kreader_skip_tags(&r);
		tap_ok(!kreader_ok(&r), "tag count past the end fails");
	}
	{
		uint32_t tag;
		struct kslice d;
		R(r, 0x01, 0x83, 0x01, 0x01, 'z');
		tap_is_int(kreader_uvarint(&r), 1, "one tag");
		tap_ok(kreader_tag(&r, &tag, &d) && tag == 131 && d.len == 1 && d.p[0] == 'z',
		       "kreader_tag reads tag 131 with 1 byte");
	}
}

static void test_take_sub(void)
{
	struct kreader r, sub;
	struct sg_error e;
	const uint8_t *q;
	R(r, 1, 2, 3, 4, 5, 6);

	q = kreader_take(&r, 0);
	tap_ok(q == r_buf, "take 0 returns the cursor");
	q = kreader_take(&r, 2);
	tap_ok(q == r_buf && kreader_offset(&r) == 2, "take 2");
	kreader_sub(&r, 3, &sub);
	tap_ok(kreader_ok(&sub) && kreader_remaining(&sub) == 3 && kreader_offset(&r) == 5,
	       "sub of 3 bytes");
	tap_is_int(kreader_i16(&sub), 0x0304, "sub reads its bytes");
	kreader_i16(&sub);
	tap_ok(!kreader_ok(&sub) && kreader_ok(&r), "sub fails at its own end, parent stays ok");
	error_clear(&e);
	kreader_error(&sub, &e, "Sub");
	tap_is_str(e.msg, "Sub: truncated int16 at offset 4",
	           "sub offsets count from the outer buffer");
	kreader_sub(&r, 2, &sub);
	tap_ok(!kreader_ok(&r) && !kreader_ok(&sub), "sub past the end fails both");
	kreader_skip(&r, 0);
	tap_ok(!kreader_ok(&r), "skip after failure stays failed");
}

int main(void)
{
	test_ints();
	test_sticky();
	test_varints();
	test_strings();
	test_bad_lengths();
	test_arrays();
	test_tags();
	test_take_sub();
	return tap_done();
}
