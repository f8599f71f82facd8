/* fuzz/fuzz_framing.c: where a record names its schema (gateway/framing) on
 * arbitrary bytes.
 *
 * The first input byte picks how the rest is used:
 *   bit 0     the part: the value (0) or the key (1);
 *   bits 1-2  0: the rest is the part, without a header; 1: the rest's first
 *             byte is a header value's length L, the next L bytes (as many
 *             as there are) the header's value and what follows the part;
 *             2: a null header, the rest the part; 3: the rest is a
 *             record's encoded headers, walked by framing_header(), and
 *             the header found (if any) frames an empty part.
 * Each piece is copied into a buffer of exactly its size, so a read past it
 * is caught by ASan. Besides not crashing, the framing must be coherent:
 * the payload lies within the part (all of it with a header), a bad framing
 * says why, a GUID prints as 36 characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	if (!c)
		abort();
	if (n)
		memcpy(c, p, n);
	return c;
}

static void check(const struct framing *f, const uint8_t *p, size_t n, int header)
{
	char text[FRAMING_GUID_TEXT_LEN + 1];
	switch (f->kind) {
	case FRAMING_BAD:
		if (!f->why[0] || !memchr(f->why, '\0', sizeof f->why))
			abort();
		return;
	case FRAMING_GUID:
		framing_guid_text(f->guid, text);
		if (strlen(text) != FRAMING_GUID_TEXT_LEN)
			abort();
		break;
	case FRAMING_ID:
		if (f->id < 0 || f->id > UINT32_MAX)
			abort();
		break;
	case FRAMING_NONE:
		if (header)
			abort();
		break;
	}
	if (f->len > n || (f->len && (f->payload < p || f->payload + f->len != p + n)))
		abort();
	if ((header || f->kind == FRAMING_NONE) && f->len != n)
		abort();
	if (f->in_header != header)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int part = data[0] & 1, mode = (data[0] >> 1) & 3;
	const uint8_t *rest = data + 1;
	size_t n = size - 1;
	struct framing f;
	if (mode == 0 || mode == 2) {
		uint8_t *p = copy(rest, n);
		struct kslice null_header = {NULL, -1};
		framing_read(&f, part, p, n, mode == 2 ? &null_header : NULL);
		check(&f, p, n, 0);
		free(p);
	} else if (mode == 1) {
		size_t hl = n ? rest[0] : 0;
		if (n)
			rest++, n--;
		if (hl > n)
			hl = n;
		uint8_t *h = copy(rest, hl);
		uint8_t *p = copy(rest + hl, n - hl);
		struct kslice header = {h, (int32_t)hl};
		framing_read(&f, part, p, n - hl, &header);
		check(&f, p, n - hl, 1);
		free(h);
		free(p);
	} else {
		if (n > INT32_MAX)
			return 0;
		uint8_t *hs = copy(rest, n);
		struct kslice headers = {hs, (int32_t)n}, value;
		int found = framing_header(headers, part, &value);
		if (found && value.len >= 0 &&
		    (value.p < hs || (size_t)(value.p - hs) + (size_t)value.len > n))
			abort();
		framing_read(&f, part, NULL, 0, found ? &value : NULL);
		check(&f, NULL, 0, found && value.len >= 0);
		free(hs);
	}
	return 0;
}
