/* tests/unit/test_pbdesc.c: the serialized form (compat/protobuf/pbdesc) and
 * the normalized string (pbnorm), as data. Each folder of
 * tests/cases/protobuf-desc/ holds an input -- input.proto (text) or
 * input.b64 (a base64 FileDescriptorProto) -- and what Confluent 8.1 makes of
 * it: serialized.b64 (formattedString("serialized"); written with the
 * protobuf package by make-expected.py, not by schemagate), canonical.proto,
 * normalized.proto. Every case also checks that the normalized string
 * normalizes to itself, and that the serialized form read back normalizes as
 * the input does -- but for a case with a file `lossy` (saying why: groups
 * and custom options, which Confluent's builder leaves out). Then hostile wire input, the base64
 * decoder, the limits, and every allocation failed in turn (tests/failalloc.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/protobuf/pbdesc.h"
#include "compat/protobuf/pbfile.h"
#include "compat/protobuf/pbform.h"
#include "compat/protobuf/pbnames.h"
#include "compat/protobuf/pbnorm.h"
#include "tests/casedir.h"
#include "tests/failalloc.h"
#include "tests/tap.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	if (p) {
		p[n] = '\0';
		if (len)
			*len = (size_t)n;
	}
	fclose(f);
	return p;
}

static char *slurp_case(const char *dir, const char *name, const char *file, size_t *len)
{
	char path[8192 + 64];
	snprintf(path, sizeof path, "%s/%s/%s", dir, name, file);
	return slurp(path, len);
}

/* The names of `f` and of the well-known files, frozen; NULL when out of
 * memory. */
static struct pbnames *names_of(const struct pbfile *f, struct sg_error *e)
{
	struct pbnames *n = pbnames_new();
	if (!n) {
		error_set(e, SG_ENOMEM, "out of memory");
		return NULL;
	}
	if (pbnames_add_file(n, f, e) < 0 || pbnames_add_well_known(n, e) < 0) {
		pbnames_free(n);
		return NULL;
	}
	pbnames_freeze(n);
	return n;
}

/* The model of an input: `.proto` text, or base64 when `b64`. */
static struct pbfile *read_input(const char *text, size_t len, int b64, struct sg_error *e)
{
	error_clear(e);
	return b64 ? pbdesc_decode_base64(text, len, e) : pbfile_parse(text, len, e);
}

/* normalize(decode(encode(f))): the serialized form read back. */
static char *normalized_round_trip(const struct pbfile *f, const struct pbnames *n,
                                   struct sg_error *e)
{
	char *b64 = pbdesc_encode(f, n, e);
	if (!b64)
		return NULL;
	struct pbfile *back = pbdesc_decode_base64(b64, strlen(b64), e);
	free(b64);
	if (!back)
		return NULL;
	struct pbnames *bn = names_of(back, e);
	char *s = bn ? pbnorm_normalized(back, bn, e) : NULL;
	pbnames_free(bn);
	pbfile_free(back);
	return s;
}

static void trim(char *s)
{
	if (s)
		s[strcspn(s, "\r\n")] = '\0';
}

static void run_case(const char *dir, const char *name)
{
	size_t len = 0;
	int b64 = 0;
	char *input = slurp_case(dir, name, "input.proto", &len);
	if (!input) {
		input = slurp_case(dir, name, "input.b64", &len);
		b64 = 1;
		trim(input);
		len = input ? strlen(input) : 0;
	}
	char *want_ser = slurp_case(dir, name, "serialized.b64", NULL);
	char *want_canon = slurp_case(dir, name, "canonical.proto", NULL);
	char *want_norm = slurp_case(dir, name, "normalized.proto", NULL);
	trim(want_ser);
	struct sg_error e;
	struct pbfile *f = input ? read_input(input, len, b64, &e) : NULL;
	struct pbnames *n = f ? names_of(f, &e) : NULL;
	if (!tap_ok(f && n && pbnames_check(n, f, &e) == 0, "%s: the input reads (%s)", name,
	            input ? e.msg : "no input.proto or input.b64"))
		goto done;
	if (want_canon) {
		char *got = pbform_canonical(f, &e);
		tap_is_str(got, want_canon, "%s: canonical string", name);
		free(got);
	}
	if (want_ser) {
		char *got = pbdesc_encode(f, n, &e);
		tap_is_str(got, want_ser, "%s: serialized, byte for byte as protobuf writes it",
		           name);
		free(got);
	}
	char *norm = pbnorm_normalized(f, n, &e);
	if (want_norm)
		tap_is_str(norm, want_norm, "%s: normalized string", name);
	if (norm) {
		/* Confluent keeps the normalized text as the schema's string (its
		 * canonical string of that text would move `default` and
		 * `json_name` after the options): normalizing it again changes
		 * nothing */
		struct pbfile *again = pbfile_parse(norm, strlen(norm), &e);
		struct pbnames *an = again ? names_of(again, &e) : NULL;
		char *twice = an ? pbnorm_normalized(again, an, &e) : NULL;
		tap_is_str(twice, norm, "%s: the normalized string normalizes to itself", name);
		free(twice);
		pbnames_free(an);
		pbfile_free(again);
		/* the serialized form leaves groups and custom options out, as
		 * Confluent's builder does: such a case says so in lossy */
		char *lossy = slurp_case(dir, name, "lossy", NULL);
		free(lossy);
		if (!lossy) {
			char *rt = normalized_round_trip(f, n, &e);
			tap_is_str(rt, norm,
			           "%s: its serialized form read back normalizes the same", name);
			free(rt);
		}
	} else {
		tap_ok(0, "%s: normalized (%s)", name, e.msg);
	}
	free(norm);
done:
	pbnames_free(n);
	pbfile_free(f);
	free(input);
	free(want_ser);
	free(want_canon);
	free(want_norm);
}

static void test_cases(void)
{
	const char *src = getenv("SG_SRCDIR");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/cases/protobuf-desc", src ? src : ".");
	size_t n = 0;
	char **names = casedir_list(dir, NULL, &n);
	if (!tap_ok(names && n >= 4, "%zu cases in %s", n, dir)) {
		casedir_free(names);
		return;
	}
	for (size_t i = 0; i < n; i++)
		run_case(dir, names[i]);
	casedir_free(names);
}

/* Hostile descriptors: each refused with its reason, or read. */
static void test_wire(void)
{
	static const struct {
		const char *what;
		const char *bytes;
		size_t len;
		const char *error; /* NULL: reads */
	} cases[] = {
	    {"empty", "", 0, NULL},
	    {"a truncated varint", "\x18\x80", 2, "truncated varint"},
	    {"an 11-byte varint", "\x18\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 12,
	     "varint longer than 10 bytes"},
	    {"wire type 6", "\x0e", 1, "invalid wire type"},
	    {"wire type 7", "\x0f", 1, "invalid wire type"},
	    {"field number 0", "\x00\x01", 2, "invalid field number"},
	    {"a length past the end", "\x12\x05pk", 4, "length past the end"},
	    {"a stray group end", "\x0c", 1, "group end without its start"},
	    {"a group without its end", "\x0b\x08\x01", 3, "group without its end"},
	    {"a group closed by another number", "\x0b\x14", 2, "group end does not match"},
	    {"a fixed64 cut short", "\x09\x01\x02", 3, "past the end"},
	    {"a nested message cut short", "\x22\x03\x0a\x05x", 5, "length past the end"},
	    {"a oneof_index out of range", "\x22\x06\x12\x04\x0a\x00\x48\x03", 8,
	     "oneof_index is out of range"},
	    {"a NUL in a name", "\x12\x03\x61\x00\x62", 5, "NUL"},
	    {"a matched group, skipped", "\x0b\x08\x01\x0c\x12\x01p", 7, NULL},
	    {"unknown fields of every wire type, skipped",
	     "\xf8\x01\x01\xf9\x01\x01\x02\x03\x04\x05\x06\x07\x08\xfd\x01\x01\x02\x03\x04", 19,
	     NULL},
	    {"a known field of the wrong wire type, skipped", "\x10\x05\x12\x01p", 5, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sg_error e;
		error_clear(&e);
		struct pbfile *f = pbdesc_decode((const uint8_t *)cases[i].bytes, cases[i].len, &e);
		if (cases[i].error)
			tap_ok(!f && e.code == SG_EINVALID_SCHEMA && strstr(e.msg, cases[i].error),
			       "%s: refused (%s)", cases[i].what, e.msg);
		else
			tap_ok(f != NULL, "%s: reads (%s)", cases[i].what, f ? "" : e.msg);
		pbfile_free(f);
	}
	/* the skipped group left the package that follows it */
	struct sg_error e;
	error_clear(&e);
	struct pbfile *f = pbdesc_decode((const uint8_t *)"\x0b\x08\x01\x0c\x12\x01p", 7, &e);
	tap_ok(f && f->package && strcmp(f->package, "p") == 0,
	       "after a skipped group, the next field is read");
	pbfile_free(f);

	/* nesting: groups and messages past PBDESC_MAX_DEPTH */
	size_t depth = PBDESC_MAX_DEPTH + 2;
	uint8_t *buf = malloc(depth * 2);
	for (size_t i = 0; i < depth; i++) {
		buf[i] = 0x0b;
		buf[2 * depth - 1 - i] = 0x0c;
	}
	error_clear(&e);
	f = pbdesc_decode(buf, depth * 2, &e);
	tap_ok(!f && e.code == SG_ELIMIT, "groups nested %zu deep: SG_ELIMIT (%s)", depth, e.msg);
	pbfile_free(f);
	free(buf);
	/* messages nested: DescriptorProto.nested_type, each one byte longer */
	size_t levels = PBDESC_MAX_DEPTH + 2, cap = levels * 4 + 16, len = 0;
	buf = malloc(cap);
	/* built inside out: [0x1a len inner] around an empty message */
	uint8_t *tmp = malloc(cap);
	for (size_t i = 0; i < levels; i++) {
		size_t k = 0;
		tmp[k++] = 0x1a;
		if (len < 128) {
			tmp[k++] = (uint8_t)len;
		} else {
			tmp[k++] = (uint8_t)(len | 0x80);
			tmp[k++] = (uint8_t)(len >> 7);
		}
		memcpy(tmp + k, buf, len);
		len += k;
		memcpy(buf, tmp, len);
	}
	buf[0] = 0x22; /* the outermost is FileDescriptorProto.message_type */
	error_clear(&e);
	f = pbdesc_decode(buf, len, &e);
	tap_ok(!f && e.code == SG_ELIMIT, "messages nested %zu deep: SG_ELIMIT (%s)", levels,
	       e.msg);
	pbfile_free(f);
	free(tmp);
	free(buf);
	error_clear(&e);
	f = pbdesc_decode((const uint8_t *)"", PBDESC_MAX_BYTES + 1, &e);
	tap_ok(!f && e.code == SG_ELIMIT, "more than PBDESC_MAX_BYTES: SG_ELIMIT");
	tap_ok(pbdesc_decode((const uint8_t *)"\x0e", 1, NULL) == NULL, "a NULL err is accepted");
}

/* Java's Base64.getDecoder(): strict alphabet, padding optional but right. */
static void test_base64(void)
{
	static const struct {
		const char *text;
		long want; /* bytes, or -1 */
	} cases[] = {
	    {"", 0},       {"TQ==", 1},    {"TQ", 1},        {"TWE=", 2}, {"TWE", 2},
	    {"TWFu", 3},   {"TQ=", -1},    {"TQ===", -1},    {"T", -1},   {"TWFuT", -1},
	    {"TW E=", -1}, {"TWE=\n", -1}, {"TWE=TQ==", -1}, {"=", -1},   {"TWFu====", -1},
	    {"TW-_", -1},  {"+/+/", 3},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t out[16];
		long got = pbdesc_base64_decode(cases[i].text, strlen(cases[i].text), out);
		tap_ok(got == cases[i].want, "base64 \"%s\": %ld (got %ld)", cases[i].text,
		       cases[i].want, got);
	}
	uint8_t out[4];
	tap_ok(pbdesc_base64_decode("TWFu", 4, out) == 3 && memcmp(out, "Man", 3) == 0,
	       "base64 TWFu is Man");
}

/* Every allocation of decoding, encoding and normalizing fails in turn: a
 * clean SG_ENOMEM, never a crash or a leak (ASan). */
static void test_allocation_failures(void)
{
	const char *src = getenv("SG_SRCDIR");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/cases/protobuf-desc", src ? src : ".");
	char *b64 = slurp_case(dir, "desc-proto3", "input.b64", NULL);
	char *text = slurp_case(dir, "orders", "input.proto", NULL);
	if (!tap_ok(b64 && text, "read the desc-proto3 and orders cases")) {
		free(b64);
		free(text);
		return;
	}
	trim(b64);
	int clean = 1;
	size_t n;
	for (n = 0;; n++) {
		struct sg_error e;
		error_clear(&e);
		failalloc_fail_after((long)n);
		struct pbfile *f = pbdesc_decode_base64(b64, strlen(b64), &e);
		failalloc_disarm();
		if (!failalloc_fired()) {
			clean &= f != NULL;
			pbfile_free(f);
			break;
		}
		if (f || e.code != SG_ENOMEM)
			clean = 0;
		pbfile_free(f);
	}
	tap_ok(clean && n > 3, "decoding: each of %zu allocations failed in turn: SG_ENOMEM", n);

	struct sg_error e;
	error_clear(&e);
	struct pbfile *f = pbfile_parse(text, strlen(text), &e);
	struct pbnames *names = f ? names_of(f, &e) : NULL;
	for (int which = 0; which < 2 && names; which++) {
		clean = 1;
		for (n = 0;; n++) {
			error_clear(&e);
			failalloc_fail_after((long)n);
			char *s =
			    which ? pbnorm_normalized(f, names, &e) : pbdesc_encode(f, names, &e);
			failalloc_disarm();
			if (!failalloc_fired()) {
				clean &= s != NULL;
				free(s);
				break;
			}
			if (s || e.code != SG_ENOMEM)
				clean = 0;
			free(s);
		}
		tap_ok(clean && n > 3, "%s: each of %zu allocations failed in turn: SG_ENOMEM",
		       which ? "normalizing" : "encoding", n);
	}
	pbnames_free(names);
	pbfile_free(f);
	free(b64);
	free(text);
}

int main(void)
{
	test_cases();
	test_wire();
	test_base64();
	test_allocation_failures();
	return tap_done();
}
