/* fuzz/fuzz_kreader.c: the bounded cursor and its writer.
 *
 * The first byte gives the number of operations n (0..63); the next n bytes
 * pick them; the rest is the data they read. After every read the target
 * checks the contract: the cursor only moves forward and stays in bounds,
 * a failure is sticky, slices lie inside the data, and every value read
 * writes back (through kwriter) to bytes that read back to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/kreader.h"
#include "gateway/kwriter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_slice(struct kslice s, const uint8_t *lo, const uint8_t *hi)
{
	if (s.len < -1 || (s.len == -1 && s.p) || (s.len >= 0 && (s.p < lo || s.p + s.len > hi)))
		abort();
}

/* Writes v with the matching kwriter call and reads it back. */
static void roundtrip_int(int op, int64_t v)
{
	uint8_t buf[16];
	struct kwriter w;
	struct kreader r;
	int64_t back = 0;
	kwriter_init_fixed(&w, buf, sizeof buf);
	switch (op) {
	case 0:
		kwriter_uvarint(&w, (uint32_t)v);
		break;
	case 1:
		kwriter_varint(&w, (int32_t)v);
		break;
	case 2:
		kwriter_varlong(&w, v);
		break;
	case 3:
		kwriter_i32(&w, (int32_t)v);
		break;
	case 4:
		kwriter_i64(&w, v);
		break;
	}
	if (!kwriter_ok(&w))
		abort();
	kreader_init(&r, buf, w.len);
	switch (op) {
	case 0:
		back = kreader_uvarint(&r);
		break;
	case 1:
		back = kreader_varint(&r);
		break;
	case 2:
		back = kreader_varlong(&r);
		break;
	case 3:
		back = kreader_i32(&r);
		break;
	case 4:
		back = kreader_i64(&r);
		break;
	}
	if (!kreader_ok(&r) || kreader_remaining(&r) != 0 || back != v)
		abort();
}

static void roundtrip_slice(int op, struct kslice s)
{
	struct kwriter w;
	struct kreader r;
	struct kslice back = {NULL, -1};
	kwriter_init(&w, 1u << 24);
	switch (op) {
	case 0:
		kwriter_string(&w, s);
		break;
	case 1:
		kwriter_compact_string(&w, s);
		break;
	case 2:
		kwriter_bytes(&w, s);
		break;
	case 3:
		kwriter_compact_bytes(&w, s);
		break;
	case 4:
		kwriter_varint_bytes(&w, s);
		break;
	}
	if (!kwriter_ok(&w))
		abort();
	kreader_init(&r, w.buf, w.len);
	switch (op) {
	case 0:
		back = kreader_string(&r);
		break;
	case 1:
		back = kreader_compact_string(&r);
		break;
	case 2:
		back = kreader_bytes(&r);
		break;
	case 3:
		back = kreader_compact_bytes(&r);
		break;
	case 4:
		back = kreader_varint_bytes(&r);
		break;
	}
	if (!kreader_ok(&r) || back.len != s.len ||
	    (s.len > 0 && memcmp(back.p, s.p, (size_t)s.len)))
		abort();
	kwriter_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nops;
	const uint8_t *ops, *lo, *hi;
	struct kreader r, sub;
	int failed = 0;

	if (size < 1)
		return 0;
	nops = data[0] % 64;
	if (size < 1 + nops)
		return 0;
	ops = data + 1;
	lo = data + 1 + nops;
	hi = data + size;
	kreader_init(&r, lo, (size_t)(hi - lo));

	for (size_t i = 0; i < nops; i++) {
		size_t before = kreader_offset(&r);
		int was_ok = kreader_ok(&r);
		struct kslice s = {NULL, -1};
		int64_t v;
		int op = ops[i] % 24;
		switch (op) {
		case 0:
			kreader_i8(&r);
			break;
		case 1:
			v = kreader_i16(&r);
			(void)v;
			break;
		case 2:
			v = kreader_i32(&r);
			if (kreader_ok(&r))
				roundtrip_int(3, v);
			break;
		case 3:
			v = kreader_i64(&r);
			if (kreader_ok(&r))
				roundtrip_int(4, v);
			break;
		case 4:
			kreader_u32(&r);
			break;
		case 5:
			kreader_f64(&r);
			break;
		case 6:
			kreader_bool(&r);
			break;
		case 7:
			v = kreader_uvarint(&r);
			if (kreader_ok(&r))
				roundtrip_int(0, v);
			break;
		case 8:
			v = kreader_varint(&r);
			if (kreader_ok(&r))
				roundtrip_int(1, v);
			break;
		case 9:
			v = kreader_varlong(&r);
			if (kreader_ok(&r))
				roundtrip_int(2, v);
			break;
		case 10:
			s = kreader_string(&r);
			if (kreader_ok(&r))
				roundtrip_slice(0, s);
			break;
		case 11:
			s = kreader_compact_string(&r);
			if (kreader_ok(&r))
				roundtrip_slice(1, s);
			break;
		case 12:
			s = kreader_bytes(&r);
			if (kreader_ok(&r))
				roundtrip_slice(2, s);
			break;
		case 13:
			s = kreader_compact_bytes(&r);
			if (kreader_ok(&r))
				roundtrip_slice(3, s);
			break;
		case 14:
			s = kreader_varint_bytes(&r);
			if (kreader_ok(&r))
				roundtrip_slice(4, s);
			break;
		case 15: {
			int32_t n = kreader_array_len(&r);
			if (kreader_ok(&r) && n > (int32_t)kreader_remaining(&r))
				abort();
			break;
		}
		case 16: {
			int32_t n = kreader_compact_array_len(&r);
			if (kreader_ok(&r) && n > (int32_t)kreader_remaining(&r))
				abort();
			break;
		}
		case 17:
			kreader_skip_tags(&r);
			break;
		case 18: {
			const uint8_t *q = kreader_take(&r, ops[i] >> 5);
			if (q && (q < lo || q + (ops[i] >> 5) > hi))
				abort();
			break;
		}
		case 19:
			kreader_skip(&r, ops[i] >> 5);
			break;
		case 20: {
			size_t n = (size_t)(ops[i] >> 5) * 3;
			kreader_sub(&r, n, &sub);
			if (kreader_ok(&sub) != kreader_ok(&r))
				abort();
			while (kreader_ok(&sub) && kreader_remaining(&sub) > 0)
				kreader_uvarint(&sub);
			if (sub.p > hi || sub.p < lo)
				abort();
			break;
		}
		case 21: {
			uint32_t tag;
			struct kslice d;
			if (kreader_tag(&r, &tag, &d))
				check_slice(d, lo, hi);
			break;
		}
		case 22:
			kreader_fail(&r, "fuzz");
			break;
		case 23:
			kreader_u16(&r);
			break;
		}
		check_slice(s, lo, hi);
		if (kreader_offset(&r) < before || r.p > hi || r.p < lo)
			abort();
		if (!was_ok && (kreader_ok(&r) || kreader_offset(&r) != before))
			abort(); /* sticky: a failed cursor never moves or recovers */
		if (!kreader_ok(&r) && kreader_remaining(&r) != 0)
			abort();
		failed |= !kreader_ok(&r);
	}
	(void)failed;
	return 0;
}
