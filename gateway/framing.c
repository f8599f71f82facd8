/* gateway/framing.c: where a record names its schema (see framing.h). */
#include "gateway/framing.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gateway/records.h"

#define FRAMING_ID_BYTES   (1 + 4)
#define FRAMING_GUID_BYTES (1 + FRAMING_GUID_LEN)

static const char *framing_header_name(int part)
{
	return part ? FRAMING_KEY_HEADER : FRAMING_VALUE_HEADER;
}

int framing_header(struct kslice headers, int part, struct kslice *value)
{
	const char *name = framing_header_name(part);
	size_t nlen = strlen(name);
	struct kreader hr;
	struct kslice k, v;
	int found = 0;
	if (headers.len <= 0)
		return 0;
	kreader_init(&hr, headers.p, (size_t)headers.len);
	while (records_header_next(&hr, &k, &v))
		if ((size_t)k.len == nlen && memcmp(k.p, name, nlen) == 0) {
			*value = v;
			found = 1;
		}
	return found;
}

/* Marks `f` malformed, saying why. */
__attribute__((format(printf, 2, 3))) static void framing_bad(struct framing *f, const char *fmt,
                                                              ...)
{
	va_list ap;
	f->kind = FRAMING_BAD;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof f->why, fmt, ap);
	va_end(ap);
}

/* Reads magic byte 0 and an id, or magic byte 1 and a GUID, at the cursor.
 * Returns the magic byte read, or -1 when the cursor fails. */
static int framing_schema_id(struct framing *f, struct kreader *r)
{
	int magic = (uint8_t)kreader_i8(r);
	if (magic == 0) {
		uint32_t id = kreader_u32(r);
		if (!kreader_ok(r))
			return -1;
		f->kind = FRAMING_ID;
		f->id = id;
	} else {
		const uint8_t *g = kreader_take(r, FRAMING_GUID_LEN);
		if (!g)
			return -1;
		f->kind = FRAMING_GUID;
		memcpy(f->guid, g, FRAMING_GUID_LEN);
	}
	return magic;
}

/* The part's header names the schema: its value must be exactly magic byte 0
 * and an id, or magic byte 1 and a GUID. */
static void framing_read_header(struct framing *f, int part, struct kslice h)
{
	const char *name = framing_header_name(part);
	size_t n = (size_t)h.len;
	if (n == 0) {
		framing_bad(f,
		            "header %s is empty: it must hold magic byte 1 and a 16-byte schema "
		            "GUID, or magic byte 0 and a 4-byte schema id",
		            name);
		return;
	}
	if (h.p[0] > 1) {
		framing_bad(f,
		            "header %s starts with byte 0x%02x: neither magic byte 0 (a schema id) "
		            "nor 1 (a schema GUID)",
		            name, h.p[0]);
		return;
	}
	size_t want = h.p[0] == 0 ? FRAMING_ID_BYTES : FRAMING_GUID_BYTES;
	if (n != want) {
		framing_bad(f,
		            "header %s has %zu bytes: after magic byte %d it must hold %s (%zu "
		            "bytes in all)",
		            name, n, h.p[0],
		            h.p[0] == 0 ? "a 4-byte schema id" : "a 16-byte schema GUID", want);
		return;
	}
	struct kreader r;
	kreader_init(&r, h.p, n);
	(void)framing_schema_id(f, &r); /* cannot fail: the length was checked */
}

void framing_read(struct framing *f, int part, const uint8_t *p, size_t n,
                  const struct kslice *header)
{
	f->kind = FRAMING_NONE;
	f->in_header = 0;
	f->id = 0;
	memset(f->guid, 0, sizeof f->guid);
	f->payload = p;
	f->len = n;
	f->why[0] = '\0';
	if (header && header->len >= 0) {
		f->in_header = 1;
		framing_read_header(f, part, *header);
		return;
	}
	if (n == 0 || p[0] > 1)
		return;
	struct kreader r;
	kreader_init(&r, p, n);
	int magic = framing_schema_id(f, &r);
	if (magic < 0) {
		if (p[0] == 0)
			framing_bad(f,
			            "magic byte 0 but %zu bytes: Confluent framing needs 5 (magic "
			            "byte and a 4-byte schema id) before the payload",
			            n);
		else
			framing_bad(
			    f,
			    "magic byte 1 but %zu bytes: Confluent framing by GUID needs 17 "
			    "(magic byte and a 16-byte schema GUID) before the payload",
			    n);
		return;
	}
	f->len = kreader_remaining(&r);
	f->payload = kreader_take(&r, f->len);
}

void framing_guid_text(const uint8_t guid[FRAMING_GUID_LEN], char out[FRAMING_GUID_TEXT_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < FRAMING_GUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[guid[i] >> 4];
		out[o++] = hex[guid[i] & 15];
	}
	out[o] = '\0';
}
