/* tests/unit/test_pbvalid.c: Protobuf payloads checked through the schema
 * table (compat/protobuf/pbvalid behind schema_validator_new()).
 *
 * - Cases as data: every tests/cases/pbvalid/NAME.cases file (format in the
 *   README there): a schema, payloads in hex and their expected verdicts
 *   and words. The good payloads were written by Python's protobuf
 *   (tests/cases/pbvalid/gen.py prints them).
 * - Contracts: schema_validate() allocates nothing; a schema without a
 *   message cannot make a validator; allocation failures while building.
 */
#include "compat/error.h"
#include "compat/schema.h"
#include "tests/casedir.h"
#include "tests/failalloc.h"
#include "tests/tap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REFS 8

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 20);
	size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

static struct schema *load(const char *dir, const char *file, const struct schema_ref *refs,
                           size_t nrefs)
{
	char path[4096];
	size_t len;
	snprintf(path, sizeof path, "%s/%s", dir, file);
	char *text = slurp(path, &len);
	if (!text)
		return NULL;
	struct sg_error err;
	error_clear(&err);
	struct schema *s = schema_parse(SCHEMA_PROTOBUF, text, len, refs, nrefs, &err);
	if (!s)
		tap_diag("%s: %s", path, err.msg);
	free(text);
	return s;
}

/* Reads hex digits (spaces between bytes) into out; returns the count or -1. */
static long unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (*s) {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		unsigned v;
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
		    sscanf(s, "%2x", &v) != 1 || n == cap)
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return (long)n;
}

static const char *verdict_name(enum schema_payload v)
{
	switch (v) {
	case SCHEMA_PAYLOAD_VALID:
		return "ok";
	case SCHEMA_PAYLOAD_FRAMING:
		return "framing";
	case SCHEMA_PAYLOAD_SYNTAX:
		return "syntax";
	case SCHEMA_PAYLOAD_INVALID:
		return "invalid";
	case SCHEMA_PAYLOAD_NOMEM:
		break;
	}
	return "nomem";
}

static void run_line(const char *where, const struct schema_validator *v, struct schema_scratch *sc,
                     char *line)
{
	int want_ok = strncmp(line, "ok", 2) == 0;
	char *p = line + (want_ok ? 2 : 3);
	enum schema_framing framing = SCHEMA_UNFRAMED;
	unsigned flags = 0;
	for (;;) {
		while (*p == ' ')
			p++;
		if (strncmp(p, "framed", 6) == 0 && (p[6] == ' ' || !p[6]))
			framing = SCHEMA_FRAMED, p += 6;
		else if (strncmp(p, "strict", 6) == 0 && (p[6] == ' ' || !p[6]))
			flags |= SCHEMA_CHECK_REJECT_UNKNOWN, p += 6;
		else
			break;
	}
	char *arrow = strstr(p, "=>");
	const char *want_verdict = "ok", *want_why = NULL;
	if (arrow) {
		*arrow = '\0';
		char *bar = strchr(arrow + 2, '|');
		if (bar) {
			*bar = '\0';
			want_why = bar + 1;
			while (*want_why == ' ')
				want_why++;
		}
		want_verdict = arrow + 2;
		while (*want_verdict == ' ')
			want_verdict++;
		char *e = arrow + 2 + strlen(arrow + 2);
		while (e > want_verdict && e[-1] == ' ')
			*--e = '\0';
	}
	static uint8_t buf[1 << 16];
	long n = unhex(p, buf, sizeof buf);
	if (!tap_ok(n >= 0 && want_ok == !arrow, "%s: the line reads", where))
		return;
	schema_scratch_set_flags(sc, flags);
	long before = failalloc_count();
	enum schema_payload fast = schema_validate(v, framing, buf, (size_t)n, sc);
	long made = failalloc_count() - before;
	enum schema_payload slow = schema_explain(v, framing, buf, (size_t)n, sc);
	tap_is_str(verdict_name(fast), want_verdict, "%s: verdict", where);
	tap_ok(made == 0, "%s: no allocation (%ld)", where, made);
	if (fast != SCHEMA_PAYLOAD_VALID) {
		tap_is_str(verdict_name(slow), verdict_name(fast), "%s: explained alike", where);
		if (want_why)
			tap_is_str(schema_why(sc), want_why, "%s: words", where);
	}
}

static void run_file(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!tap_ok(f != NULL, "%s opens", name))
		return;
	struct schema *refs[MAX_REFS] = {0};
	struct schema_ref rr[MAX_REFS];
	char names[MAX_REFS][256];
	size_t nrefs = 0;
	struct schema *s = NULL;
	struct schema_validator *v = NULL;
	struct schema_scratch *sc = schema_scratch_new();
	char line[1 << 17];
	int lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		char where[300];
		snprintf(where, sizeof where, "%s:%d", name, lineno);
		if (!line[0] || line[0] == '#')
			continue;
		if (strncmp(line, "ref ", 4) == 0 && nrefs < MAX_REFS) {
			char file[256];
			if (sscanf(line + 4, "%255s %255s", names[nrefs], file) != 2)
				continue;
			refs[nrefs] = load(dir, file, rr, nrefs);
			tap_ok(refs[nrefs] != NULL, "%s: reference %s parses", where, file);
			rr[nrefs].name = names[nrefs];
			rr[nrefs].schema = refs[nrefs];
			if (refs[nrefs])
				nrefs++;
		} else if (strncmp(line, "schema ", 7) == 0) {
			struct sg_error err;
			error_clear(&err);
			s = load(dir, line + 7, rr, nrefs);
			v = s ? schema_validator_new(s, &err) : NULL;
			if (!tap_ok(v != NULL, "%s: validator for %s", where, line + 7)) {
				tap_diag("%s", err.msg);
				break;
			}
		} else if (v && (strncmp(line, "ok", 2) == 0 || strncmp(line, "bad", 3) == 0)) {
			run_line(where, v, sc, line);
		} else {
			tap_ok(0, "%s: unknown line", where);
		}
	}
	fclose(f);
	schema_scratch_free(sc);
	schema_validator_free(v);
	schema_free(s);
	for (size_t i = nrefs; i-- > 0;)
		schema_free(refs[i]);
}

/* A file of enums only has no message to check with. */
static void test_no_message(void)
{
	const char *text = "syntax = \"proto3\";\nenum E { A = 0; }\n";
	struct sg_error err;
	error_clear(&err);
	struct schema *s = schema_parse(SCHEMA_PROTOBUF, text, strlen(text), NULL, 0, &err);
	tap_ok(s != NULL, "an enum-only schema parses");
	struct schema_validator *v = s ? schema_validator_new(s, &err) : NULL;
	tap_ok(!v && err.code == SG_EINVALID_SCHEMA, "it makes no validator: %s", err.msg);
	schema_validator_free(v);
	schema_free(s);
}

/* Every allocation of schema_validator_new() fails in turn, cleanly. */
static void test_nomem(void)
{
	const char *text = "syntax = \"proto2\";\npackage p;\nmessage A {\n"
	                   "  required string a = 1;\n  map<string, B> m = 2;\n"
	                   "  optional group G = 3 { optional int32 x = 1; }\n"
	                   "  message B { optional int64 y = 1; }\n}\n";
	struct sg_error err;
	error_clear(&err);
	struct schema *s = schema_parse(SCHEMA_PROTOBUF, text, strlen(text), NULL, 0, &err);
	if (!tap_ok(s != NULL, "the nomem schema parses: %s", err.msg))
		return;
	int clean = 1;
	long n;
	for (n = 0;; n++) {
		error_clear(&err);
		failalloc_fail_after(n);
		struct schema_validator *v = schema_validator_new(s, &err);
		failalloc_disarm();
		if (!failalloc_fired()) {
			clean &= v != NULL;
			schema_validator_free(v);
			break;
		}
		clean &= v == NULL && err.code == SG_ENOMEM;
		schema_validator_free(v);
	}
	tap_ok(clean && n > 3, "every one of %ld allocations fails cleanly", n);
	schema_free(s);
}

int main(void)
{
	const char *src = getenv("SG_SRCDIR");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/cases/pbvalid", src ? src : ".");
	size_t n = 0;
	char **names = casedir_list(dir, ".cases", &n);
	tap_ok(names && n >= 2, "%zu case files in %s", n, dir);
	for (size_t i = 0; names && i < n; i++)
		run_file(dir, names[i]);
	casedir_free(names);
	test_no_message();
	test_nomem();
	return tap_done();
}
