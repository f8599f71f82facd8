/* tests/unit/test_protobuf.c: the `.proto` parser (compat/protobuf/pbfile) and
 * Confluent's canonical string (pbform), as data: each folder of
 * tests/cases/protobuf/ holds input.proto and either canonical.proto (the
 * string Confluent 8.1 prints; the canonical string must parse back to
 * itself) or error (the start of the message, with its line and column).
 * Then the limits, and every allocation failed in turn (tests/failalloc.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/protobuf/pbfile.h"
#include "compat/protobuf/pbform.h"
#include "compat/schema.h"
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

/* The canonical string of `text`, or NULL with `e`. */
static char *canonical(const char *text, size_t len, struct sg_error *e)
{
	error_clear(e);
	struct pbfile *f = pbfile_parse(text, len, e);
	if (!f)
		return NULL;
	char *s = pbform_canonical(f, e);
	pbfile_free(f);
	return s;
}

static void run_case(const char *dir, const char *name)
{
	char path[8192 + 32];
	size_t len = 0;
	snprintf(path, sizeof path, "%s/%s/input.proto", dir, name);
	char *input = slurp(path, &len);
	snprintf(path, sizeof path, "%s/%s/canonical.proto", dir, name);
	char *want = slurp(path, NULL);
	snprintf(path, sizeof path, "%s/%s/error", dir, name);
	char *want_err = slurp(path, NULL);
	if (!tap_ok(input && (want || want_err), "%s: input.proto and canonical.proto or error",
	            name))
		goto done;
	struct sg_error e;
	char *got = canonical(input, len, &e);
	if (want) {
		if (tap_is_str(got, want, "%s: canonical string", name) && got) {
			struct sg_error e2;
			char *again = canonical(got, strlen(got), &e2);
			tap_is_str(again, got, "%s: the canonical string parses back to itself",
			           name);
			free(again);
		} else if (!got) {
			tap_diag("error: %s", e.msg);
		}
	} else {
		want_err[strcspn(want_err, "\n")] = '\0';
		tap_ok(!got && e.code == SG_EINVALID_SCHEMA && strstr(e.msg, want_err) == e.msg,
		       "%s: refused with \"%s\" (got \"%s\")", name, want_err,
		       got ? "no error" : e.msg);
	}
	free(got);
done:
	free(input);
	free(want);
	free(want_err);
}

static void test_cases(void)
{
	const char *src = getenv("SG_SRCDIR");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/cases/protobuf", src ? src : ".");
	size_t n = 0;
	char **names = casedir_list(dir, NULL, &n);
	if (!tap_ok(names && n >= 10, "%zu cases in %s", n, dir)) {
		casedir_free(names);
		return;
	}
	for (size_t i = 0; i < n; i++)
		run_case(dir, names[i]);
	casedir_free(names);
}

/* Nesting past PBFILE_MAX_DEPTH, text past PBFILE_MAX_TEXT: SG_ELIMIT. */
static void test_limits(void)
{
	struct sg_error e;
	size_t depth = PBFILE_MAX_DEPTH + 5, cap = depth * 16 + 64, len = 0;
	char *text = malloc(cap);
	len += (size_t)snprintf(text + len, cap - len, "syntax = \"proto3\";\n");
	for (size_t i = 0; i < depth; i++)
		len += (size_t)snprintf(text + len, cap - len, "message M {");
	for (size_t i = 0; i < depth; i++)
		text[len++] = '}';
	char *got = canonical(text, len, &e);
	tap_ok(!got && e.code == SG_ELIMIT, "messages nested %zu deep: SG_ELIMIT (%s)", depth,
	       e.msg);
	free(got);

	len = (size_t)snprintf(text, cap, "option (x) = ");
	for (size_t i = 0; i < depth && len + 2 < cap; i++)
		text[len++] = '[';
	got = canonical(text, len, &e);
	tap_ok(!got && e.code == SG_ELIMIT, "option lists nested %zu deep: SG_ELIMIT", depth);
	free(got);
	free(text);

	len = PBFILE_MAX_TEXT + 1;
	text = malloc(len);
	memset(text, ' ', len);
	got = canonical(text, len, &e);
	tap_ok(!got && e.code == SG_ELIMIT, "%zu bytes of text: SG_ELIMIT", len);
	free(got);
	free(text);

	/* Within the limits, deep nesting prints (each level indented). */
	const char *ok = "message A { message B { optional int32 y = 1; message C { optional int32 "
	                 "x = 1; } } }";
	got = canonical(ok, strlen(ok), &e);
	tap_is_str(got,
	           "\nmessage A {\n  message B {\n    optional int32 y = 1;\n  \n    message C {\n"
	           "      optional int32 x = 1;\n    }\n  }\n}\n",
	           "nested messages: Confluent's indentation, blank lines indented too");
	free(got);
	/* a NUL character in a string is refused (the model holds C strings) */
	got = canonical("option a = \"x\\0\";", 17, &e);
	tap_ok(!got && strstr(e.msg, "NUL") != NULL, "a NUL escape is refused (%s)", e.msg);
	free(got);
	/* NULL err is accepted */
	tap_ok(pbfile_parse("message", 7, NULL) == NULL, "a parse error with a NULL err");
}

/* Every allocation of a parse and a print fails in turn: a clean
 * SG_ENOMEM, never a crash or a leak (ASan). */
static void test_allocation_failures(void)
{
	const char *src = getenv("SG_SRCDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/cases/protobuf/custom-options/input.proto",
	         src ? src : ".");
	size_t len = 0;
	char *text = slurp(path, &len);
	if (!tap_ok(text != NULL, "read %s", path))
		return;
	int clean = 1;
	size_t n;
	for (n = 0;; n++) {
		struct sg_error e;
		failalloc_fail_after(n);
		char *got = canonical(text, len, &e);
		failalloc_disarm();
		if (!failalloc_fired()) {
			clean &= got != NULL;
			free(got);
			break;
		}
		if (got || e.code != SG_ENOMEM) {
			clean = 0;
			tap_diag("allocation %zu failed: got %s (%s)", n, got ? "a string" : "NULL",
			         e.msg);
		}
		free(got);
	}
	tap_ok(clean && n > 3, "each of %zu allocations failed in turn: SG_ENOMEM", n);
	free(text);
}

int main(void)
{
	test_cases();
	test_limits();
	test_allocation_failures();
	return tap_done();
}
