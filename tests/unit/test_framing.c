/* tests/unit/test_framing.c: where a record names its schema
 * (gateway/framing), as a table of parts and headers with the framing each
 * must read as, hostile inputs included; then the header lookup over encoded
 * record headers, and the GUID as text.
 */
#include "gateway/framing.h"

#include <stdint.h>
#include <string.h>

#include "tests/tap.h"

/* The GUID 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 as the 16 bytes Confluent's
 * SchemaId.guidToBytes() writes after magic byte 1. */
#define G16                                                                                        \
	0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1,  \
	    0xf0
#define G_TEXT "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

struct fcase {
	const char *name;
	uint8_t part[40];
	size_t n;
	int has_header; /* 1: hdr/hn is the header's value; 2: a null header */
	uint8_t hdr[24];
	size_t hn;
	int key;
	enum framing_kind kind;
	int64_t id;
	int guid;          /* 1: `guid` must be G16 */
	size_t payload_at; /* where the payload starts in `part` */
	const char *why;   /* FRAMING_BAD: the message */
};

static const struct fcase cases[] = {
    {"id prefix", {0, 0, 0, 0, 7, 'x'}, 6, 0, {0}, 0, 0, FRAMING_ID, 7, 0, 5, NULL},
    {"id prefix, empty payload", {0, 0, 0, 1, 0}, 5, 0, {0}, 0, 0, FRAMING_ID, 256, 0, 5, NULL},
    {"id prefix, id read unsigned",
     {0, 0xff, 0xff, 0xff, 0xff, 1},
     6,
     0,
     {0},
     0,
     0,
     FRAMING_ID,
     4294967295,
     0,
     5,
     NULL},
    {"GUID prefix", {1, G16, 2, 'a'}, 19, 0, {0}, 0, 0, FRAMING_GUID, 0, 1, 17, NULL},
    {"GUID prefix, empty payload", {1, G16}, 17, 0, {0}, 0, 0, FRAMING_GUID, 0, 1, 17, NULL},
    {"no framing: JSON", {'{', '}'}, 2, 0, {0}, 0, 0, FRAMING_NONE, 0, 0, 0, NULL},
    {"no framing: byte 2", {2, 0, 0, 0, 1}, 5, 0, {0}, 0, 0, FRAMING_NONE, 0, 0, 0, NULL},
    {"no framing: empty", {0}, 0, 0, {0}, 0, 0, FRAMING_NONE, 0, 0, 0, NULL},
    {"magic 0, 4 bytes",
     {0, 0, 0, 1},
     4,
     0,
     {0},
     0,
     0,
     FRAMING_BAD,
     0,
     0,
     0,
     "magic byte 0 but 4 bytes: Confluent framing needs 5 (magic byte and a 4-byte schema id) "
     "before the payload"},
    {"magic 0 alone",
     {0},
     1,
     0,
     {0},
     0,
     0,
     FRAMING_BAD,
     0,
     0,
     0,
     "magic byte 0 but 1 bytes: Confluent framing needs 5 (magic byte and a 4-byte schema id) "
     "before the payload"},
    {"magic 1, 16 bytes",
     {1, G16},
     16,
     0,
     {0},
     0,
     0,
     FRAMING_BAD,
     0,
     0,
     0,
     "magic byte 1 but 16 bytes: Confluent framing by GUID needs 17 (magic byte and a 16-byte "
     "schema GUID) before the payload"},
    {"magic 1 alone",
     {1},
     1,
     0,
     {0},
     0,
     0,
     FRAMING_BAD,
     0,
     0,
     0,
     "magic byte 1 but 1 bytes: Confluent framing by GUID needs 17 (magic byte and a 16-byte "
     "schema GUID) before the payload"},
    {"GUID header, payload unframed",
     {0, 0, 0, 0, 9},
     5,
     1,
     {1, G16},
     17,
     0,
     FRAMING_GUID,
     0,
     1,
     0,
     NULL},
    {"id header, payload unframed",
     {1, 2, 3},
     3,
     1,
     {0, 0, 0, 0x01, 0x02},
     5,
     0,
     FRAMING_ID,
     258,
     0,
     0,
     NULL},
    {"key GUID header", {'k'}, 1, 1, {1, G16}, 17, 1, FRAMING_GUID, 0, 1, 0, NULL},
    {"header over an empty part", {0}, 0, 1, {1, G16}, 17, 0, FRAMING_GUID, 0, 1, 0, NULL},
    {"null header: the prefix counts",
     {0, 0, 0, 0, 3, 'p'},
     6,
     2,
     {0},
     0,
     0,
     FRAMING_ID,
     3,
     0,
     5,
     NULL},
    {"null header, bad prefix",
     {1, 1},
     2,
     2,
     {0},
     0,
     0,
     FRAMING_BAD,
     0,
     0,
     0,
     "magic byte 1 but 2 bytes: Confluent framing by GUID needs 17 (magic byte and a 16-byte "
     "schema GUID) before the payload"},
    {"empty header",
     {'x'},
     1,
     1,
     {0},
     0,
     0,
     FRAMING_BAD,
     0,
     0,
     0,
     "header __value_schema_id is empty: it must hold magic byte 1 and a 16-byte schema GUID, "
     "or magic byte 0 and a 4-byte schema id"},
    {"GUID header one byte short",
     {'x'},
     1,
     1,
     {1, G16},
     16,
     0,
     FRAMING_BAD,
     0,
     0,
     0,
     "header __value_schema_id has 16 bytes: after magic byte 1 it must hold a 16-byte schema "
     "GUID (17 bytes in all)"},
    {"GUID header one byte long",
     {'x'},
     1,
     1,
     {1, G16, 0},
     18,
     1,
     FRAMING_BAD,
     0,
     0,
     0,
     "header __key_schema_id has 18 bytes: after magic byte 1 it must hold a 16-byte schema "
     "GUID (17 bytes in all)"},
    {"id header with a GUID's length",
     {'x'},
     1,
     1,
     {0, G16},
     17,
     0,
     FRAMING_BAD,
     0,
     0,
     0,
     "header __value_schema_id has 17 bytes: after magic byte 0 it must hold a 4-byte schema id "
     "(5 bytes in all)"},
    {"header magic 2",
     {'x'},
     1,
     1,
     {2, G16},
     17,
     0,
     FRAMING_BAD,
     0,
     0,
     0,
     "header __value_schema_id starts with byte 0x02: neither magic byte 0 (a schema id) nor 1 "
     "(a schema GUID)"},
    {"header as text",
     {'x'},
     1,
     1,
     {'1', '2', '3'},
     3,
     0,
     FRAMING_BAD,
     0,
     0,
     0,
     "header __value_schema_id starts with byte 0x31: neither magic byte 0 (a schema id) nor 1 "
     "(a schema GUID)"},
};

static void test_table(void)
{
	static const uint8_t g16[] = {G16};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct fcase *c = &cases[i];
		struct framing f;
		struct kslice h = {c->hdr, (int32_t)c->hn};
		if (c->has_header == 2)
			h.len = -1;
		/* The part in a buffer of its own size, so ASan sees any read
		 * past it. */
		uint8_t *part = c->n ? malloc(c->n) : NULL;
		if (c->n)
			memcpy(part, c->part, c->n);
		framing_read(&f, c->key, part, c->n, c->has_header ? &h : NULL);
		int ok = f.kind == c->kind;
		if (ok && c->kind == FRAMING_BAD)
			ok = strcmp(f.why, c->why) == 0;
		if (ok && c->kind == FRAMING_ID)
			ok = f.id == c->id;
		if (ok && c->guid)
			ok = memcmp(f.guid, g16, sizeof g16) == 0;
		if (ok && c->kind != FRAMING_BAD)
			ok = f.in_header == (c->has_header == 1) && f.len == c->n - c->payload_at &&
			     (f.len == 0 || f.payload == part + c->payload_at);
		if (!tap_ok(ok, "%s", c->name))
			tap_diag("kind %d id %lld len %zu why '%s'", (int)f.kind, (long long)f.id,
			         f.len, f.why);
		free(part);
	}
}

/* Appends one encoded header (zig-zag varint lengths) to `b`. */
static size_t put_header(uint8_t *b, size_t at, const char *key, const void *val, int vlen)
{
	size_t kl = strlen(key);
	b[at++] = (uint8_t)(kl * 2);
	memcpy(b + at, key, kl);
	at += kl;
	if (vlen < 0) {
		b[at++] = 1; /* zig-zag -1 */
		return at;
	}
	b[at++] = (uint8_t)(vlen * 2);
	memcpy(b + at, val, (size_t)vlen);
	return at + (size_t)vlen;
}

static void test_header(void)
{
	static const uint8_t guid_v[] = {1, G16};
	static const uint8_t id_v[] = {0, 0, 0, 0, 5};
	uint8_t b[256];
	size_t n = 0;
	struct kslice v;
	n = put_header(b, n, "trace", "abc", 3);
	n = put_header(b, n, "__value_schema_id", id_v, sizeof id_v);
	n = put_header(b, n, "__value_schema_idx", "zz", 2);
	n = put_header(b, n, "__value_schema_id", guid_v, sizeof guid_v);
	n = put_header(b, n, "__key_schema_id", NULL, -1);
	struct kslice hs = {b, (int32_t)n};
	tap_ok(framing_header(hs, 0, &v) == 1 && v.len == (int32_t)sizeof guid_v &&
	           memcmp(v.p, guid_v, sizeof guid_v) == 0,
	       "the last __value_schema_id counts (as Java's lastHeader)");
	tap_ok(framing_header(hs, 1, &v) == 1 && v.len == -1,
	       "a null __key_schema_id is found, with len -1");
	struct kslice only = {b, 0};
	tap_ok(framing_header(only, 0, &v) == 0, "no headers: none");
	size_t first = put_header(b, 0, "__VALUE_SCHEMA_ID", id_v, sizeof id_v);
	struct kslice upper = {b, (int32_t)first};
	tap_ok(framing_header(upper, 0, &v) == 0, "header names are compared exactly");
	/* Truncated headers (records_iter_next() would have refused them): the
	 * walk stops without reading past the slice. */
	n = put_header(b, 0, "__value_schema_id", guid_v, sizeof guid_v);
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *t = malloc(cut ? cut : 1);
		memcpy(t, b, cut);
		struct kslice ts = {t, (int32_t)cut};
		int rc = framing_header(ts, 0, &v);
		free(t);
		if (rc != 0) {
			tap_ok(0, "a header cut at %zu bytes is not found", cut);
			return;
		}
	}
	tap_ok(1, "a header cut anywhere is not found, nothing read past the cut");
}

static void test_guid_text(void)
{
	static const uint8_t g16[] = {G16};
	static const uint8_t ff[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                               0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	char t[FRAMING_GUID_TEXT_LEN + 1];
	framing_guid_text(g16, t);
	tap_is_str(t, G_TEXT, "GUID bytes as 8-4-4-4-12 hex, most significant first");
	framing_guid_text(ff, t);
	tap_is_str(t, "ffffffff-ffff-ffff-ffff-ffffffffffff", "all ones, lower case");
}

/* Every prefix of every length over every first byte: no crash, no read
 * past the part (the buffer is exactly its size under ASan), and the kinds
 * follow the first byte. */
static void test_hostile(void)
{
	int bad = 0;
	for (int first = 0; first < 256; first++)
		for (size_t n = 1; n <= 24; n++) {
			uint8_t *p = malloc(n);
			memset(p, 0xAA, n);
			p[0] = (uint8_t)first;
			struct framing f;
			framing_read(&f, 0, p, n, NULL);
			enum framing_kind want = first > 1               ? FRAMING_NONE
			                         : first == 0 && n >= 5  ? FRAMING_ID
			                         : first == 1 && n >= 17 ? FRAMING_GUID
			                                                 : FRAMING_BAD;
			if (f.kind != want || (want != FRAMING_BAD && f.payload + f.len != p + n))
				bad++;
			free(p);
		}
	tap_ok(bad == 0, "every first byte and length up to 24 reads as expected (%d wrong)", bad);
}

int main(void)
{
	test_table();
	test_header();
	test_guid_text();
	test_hostile();
	return tap_done();
}
