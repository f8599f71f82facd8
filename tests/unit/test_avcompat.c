/* tests/unit/test_avcompat.c: Avro schema compatibility (compat/avcompat).
 *
 * Three sources of cases:
 *  - $SG_SHARED/suites/avro-reader-writer.jsonl, Avro Java's own cases: for
 *    each, the backward verdict, the (type, location) pairs and the messages
 *    of the findings, and the forward verdict (writer as reader). Without
 *    the folder $SG_SHARED/suites it is one skip (tests/tap.h,
 *    tap_external_dir); with it, a missing or short suite fails.
 *  - $SG_SRCDIR/tests/cases/avcompat/<case>/{writer.avsc,reader.avsc,expect.json}:
 *    hand-written cases for what the suite misses, every folder of them;
 *    expect.json holds "backward", "incompatibilities" (in order),
 *    "forward", and optionally "confluent" (each finding as Confluent words
 *    it, with new/old roles).
 *  - Cases built here: deep nesting, work limits, a full report, allocation
 *    failures (malloc is wrapped with the linker's --wrap, tests/failalloc.h),
 *    and threads.
 *
 * A schema avsc_parse() refuses is reported as a parse gap: a failing line
 * that names the case and the parser's message.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat/avro/avcompat.h"
#include "compat/avro/avsc.h"
#include "compat/report.h"
#include "tests/casedir.h"
#include "tests/failalloc.h"
#include "tests/tap.h"

/* ---- helpers ---- */

static struct avsc_schema *parse_text(const char *text, struct sg_error *err)
{
	error_clear(err);
	return avsc_parse(text, strlen(text), NULL, 0, err);
}

/* Reads a whole (small) file; NULL when it cannot. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > (64u << 20)) {
				free(buf);
				buf = NULL;
				break;
			}
			char *p = realloc(buf, cap);
			if (!p) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = p;
		}
		size_t n = fread(buf + len, 1, 4096, f);
		len += n;
		if (n < 4096)
			break;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Formats each finding of `r` as "TYPE location" (with_message 0) or
 * "TYPE location message" (1), into a new array of n strings. */
static char **report_lines(const struct report *r, int with_message, size_t *n)
{
	*n = report_count(r);
	char **out = calloc(*n ? *n : 1, sizeof *out);
	for (size_t i = 0; out && i < *n; i++) {
		const char *m = with_message ? report_message(r, i) : "";
		size_t len =
		    strlen(report_type(r, i)) + strlen(report_location(r, i)) + strlen(m) + 3;
		out[i] = malloc(len);
		snprintf(out[i], len, "%s %s%s%s", report_type(r, i), report_location(r, i),
		         with_message ? " " : "", m);
	}
	return out;
}

static char **expected_lines(const json_t *list, int with_message, size_t *n)
{
	*n = json_array_size(list);
	char **out = calloc(*n ? *n : 1, sizeof *out);
	for (size_t i = 0; out && i < *n; i++) {
		const json_t *it = json_array_get(list, i);
		const char *t = json_string_value(json_object_get(it, "type"));
		const char *l = json_string_value(json_object_get(it, "location"));
		const char *m =
		    with_message ? json_string_value(json_object_get(it, "message")) : "";
		t = t ? t : "?";
		l = l ? l : "?";
		m = m ? m : "?";
		size_t len = strlen(t) + strlen(l) + strlen(m) + 3;
		out[i] = malloc(len);
		snprintf(out[i], len, "%s %s%s%s", t, l, with_message ? " " : "", m);
	}
	return out;
}

static void free_lines(char **l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		free(l[i]);
	free(l);
}

/* Compares two lists of lines, sorted first when `as_set`; prints both on a
 * mismatch. */
static int same_lines(char **got, size_t ngot, char **want, size_t nwant, int as_set,
                      const char *what)
{
	if (as_set) {
		qsort(got, ngot, sizeof *got, cmp_strp);
		qsort(want, nwant, sizeof *want, cmp_strp);
	}
	int same = ngot == nwant;
	for (size_t i = 0; same && i < ngot; i++)
		same = strcmp(got[i], want[i]) == 0;
	if (!same) {
		tap_diag("  %s differ:", what);
		for (size_t i = 0; i < ngot; i++)
			tap_diag("    got:  %s", got[i]);
		for (size_t i = 0; i < nwant; i++)
			tap_diag("    want: %s", want[i]);
	}
	return same;
}

static const char *verdict_name(int v)
{
	return v == 1 ? "compatible" : v == 0 ? "incompatible" : "error";
}

/* Runs one case: both verdicts, the findings' (type, location) pairs (as a
 * set, or as a list when `ordered`), the findings with their messages in
 * order, and optionally Confluent's wording of each finding. */
static void run_case(const char *id, const char *writer_text, const char *reader_text,
                     int want_backward, const json_t *want_findings, int want_forward, int ordered,
                     const json_t *confluent)
{
	struct sg_error err;
	struct avsc_schema *w = parse_text(writer_text, &err);
	if (!w) {
		tap_ok(0, "%s: parse gap: avsc_parse refuses the writer: %s", id, err.msg);
		tap_diag("  writer: %.300s", writer_text);
		return;
	}
	struct avsc_schema *r = parse_text(reader_text, &err);
	if (!r) {
		tap_ok(0, "%s: parse gap: avsc_parse refuses the reader: %s", id, err.msg);
		tap_diag("  reader: %.300s", reader_text);
		avsc_free(w);
		return;
	}

	struct report *rep = report_new();
	error_clear(&err);
	int v = avcompat_check_err(r, w, rep, &err);
	if (v < 0)
		tap_diag("  error: %s", err.msg);
	if (!tap_ok(v == (want_backward ? 1 : 0), "%s: backward verdict is %s", id,
	            verdict_name(want_backward)))
		tap_diag("  got %s", verdict_name(v));

	size_t ng, nw;
	char **g = report_lines(rep, 0, &ng), **e = expected_lines(want_findings, 0, &nw);
	tap_ok(same_lines(g, ng, e, nw, !ordered, "(type, location)"),
	       "%s: findings have the expected (type, location)%s", id,
	       ordered ? ", in order" : "");
	free_lines(g, ng);
	free_lines(e, nw);

	g = report_lines(rep, 1, &ng);
	e = expected_lines(want_findings, 1, &nw);
	tap_ok(same_lines(g, ng, e, nw, 0, "messages"),
	       "%s: findings have Java's messages, in Java's order", id);
	free_lines(g, ng);
	free_lines(e, nw);

	if (confluent) {
		int same = json_array_size(confluent) == report_count(rep);
		for (size_t i = 0; same && i < report_count(rep); i++) {
			char buf[2048];
			int n = avcompat_confluent_message(rep, i, "new", "old", buf, sizeof buf);
			const char *want = json_string_value(json_array_get(confluent, i));
			same = n >= 0 && (size_t)n < sizeof buf && want && strcmp(buf, want) == 0;
			if (!same) {
				tap_diag("  got:  %s", buf);
				tap_diag("  want: %s", want ? want : "(none)");
			}
		}
		tap_ok(same, "%s: Confluent wording of every finding", id);
	}

	v = avcompat_check(w, r, NULL);
	if (!tap_ok(v == (want_forward ? 1 : 0), "%s: forward verdict is %s", id,
	            verdict_name(want_forward)))
		tap_diag("  got %s", verdict_name(v));

	report_free(rep);
	avsc_free(r);
	avsc_free(w);
}

/* ---- the shared suite ---- */

static void test_suite(void)
{
	char dir[4096], path[4200];
	if (!tap_external_dir("suites", "Avro Java's reader/writer suite", dir, sizeof dir))
		return;
	snprintf(path, sizeof path, "%s/avro-reader-writer.jsonl", dir);
	FILE *f = fopen(path, "r");
	if (!tap_ok(f != NULL, "the suite %s is readable", path))
		return;
	char *line = NULL;
	size_t cap = 0, ncases = 0;
	while (getline(&line, &cap, f) > 0) {
		if (line[0] == '\n' || line[0] == '\0')
			continue;
		json_error_t jerr;
		json_t *c = json_loads(line, 0, &jerr);
		if (!c) {
			tap_ok(0, "suite line %zu is JSON", ncases + 1);
			tap_diag("  %s", jerr.text);
			continue;
		}
		ncases++;
		const char *id = json_string_value(json_object_get(c, "id"));
		char *wt = json_dumps(json_object_get(c, "writer"), JSON_ENCODE_ANY | JSON_COMPACT);
		char *rt = json_dumps(json_object_get(c, "reader"), JSON_ENCODE_ANY | JSON_COMPACT);
		run_case(id ? id : "?", wt ? wt : "", rt ? rt : "",
		         json_is_true(json_object_get(c, "expected_backward")),
		         json_object_get(c, "incompatibilities"),
		         json_is_true(json_object_get(c, "expected_forward_computed")), 0, NULL);
		free(wt);
		free(rt);
		json_decref(c);
	}
	free(line);
	fclose(f);
	tap_is_int(ncases, 134, "the suite holds 134 cases");
}

/* ---- hand-written cases ---- */

static void test_case_dir(const char *srcdir)
{
	char dir[4096];
	char **names = NULL;
	size_t n = 0;
	if (snprintf(dir, sizeof dir, "%s/tests/cases/avcompat", srcdir) < (int)sizeof dir)
		names = casedir_list(dir, NULL, &n);
	if (!tap_ok(names != NULL, "the case folder %s is readable", dir))
		return;
	tap_ok(n >= 20, "at least 20 hand-written cases (%zu)", n);

	for (size_t i = 0; i < n; i++) {
		char p[4096 + 300];
		char *wt = NULL, *rt = NULL;
		json_t *x = NULL;
		json_error_t jerr = {.text = "path too long"};
		if (snprintf(p, sizeof p, "%s/%s/writer.avsc", dir, names[i]) < (int)sizeof p)
			wt = read_file(p);
		if (snprintf(p, sizeof p, "%s/%s/reader.avsc", dir, names[i]) < (int)sizeof p)
			rt = read_file(p);
		if (snprintf(p, sizeof p, "%s/%s/expect.json", dir, names[i]) < (int)sizeof p)
			x = json_load_file(p, 0, &jerr);
		if (tap_ok(wt && rt && x, "%s: writer.avsc, reader.avsc and expect.json load",
		           names[i]))
			run_case(names[i], wt, rt, json_is_true(json_object_get(x, "backward")),
			         json_object_get(x, "incompatibilities"),
			         json_is_true(json_object_get(x, "forward")), 1,
			         json_object_get(x, "confluent"));
		else if (!x)
			tap_diag("  expect.json: %s", jerr.text);
		json_decref(x);
		free(wt);
		free(rt);
	}
	casedir_free(names);
}

/* ---- built cases ---- */

/* A growable string for building schemas. */
struct sb {
	char *p;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void sb_put(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (b->len + (size_t)n + 1 > cap)
			cap *= 2;
		b->p = realloc(b->p, cap);
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* `depth` arrays around `leaf`. */
static char *nested_arrays(size_t depth, const char *leaf)
{
	struct sb b = {0};
	for (size_t i = 0; i < depth; i++)
		sb_put(&b, "{\"type\":\"array\",\"items\":");
	sb_put(&b, "\"%s\"", leaf);
	for (size_t i = 0; i < depth; i++)
		sb_put(&b, "}");
	return b.p;
}

static void test_deep_nesting(void)
{
	const size_t depth = 300;
	char *wt = nested_arrays(depth, "long"), *rt = nested_arrays(depth, "int");
	struct sg_error err;
	struct avsc_schema *w = parse_text(wt, &err), *r = parse_text(rt, &err);
	if (tap_ok(w && r, "%zu nested arrays parse", depth)) {
		struct report *rep = report_new();
		tap_is_int(avcompat_check(r, w, rep), 0,
		           "int leaf cannot read long leaf at depth %zu", depth);
		struct sb loc = {0};
		for (size_t i = 0; i < depth; i++)
			sb_put(&loc, "/items");
		tap_is_int(report_count(rep), 1, "one finding");
		tap_is_str(report_location(rep, 0), loc.p, "at the innermost items");
		tap_is_int(avcompat_check(w, r, NULL), 1, "long leaf reads int leaf");
		free(loc.p);
		report_free(rep);
	}
	avsc_free(w);
	avsc_free(r);
	free(wt);
	free(rt);
}

/* A cycle of `n` records P0 -> P1 -> ... -> P0, each with an int field and a
 * field holding the next one. */
static char *record_cycle(const char *prefix, size_t n, const char *leaf)
{
	struct sb b = {0};
	for (size_t i = 0; i < n; i++)
		sb_put(&b,
		       "{\"type\":\"record\",\"name\":\"%s%zu\",\"fields\":[{\"name\":\"v\","
		       "\"type\":\"%s\"},{\"name\":\"next\",\"type\":",
		       prefix, i, leaf);
	sb_put(&b, "\"%s0\"", prefix);
	for (size_t i = 0; i < n; i++)
		sb_put(&b, "}]}");
	return b.p;
}

static void test_recursion_limits(void)
{
	struct sg_error err;
	/* Cycles of 2 and 3 records: the pairs repeat after 6 levels. */
	char *wt = record_cycle("W", 3, "int"), *rt = record_cycle("R", 2, "long");
	struct avsc_schema *w = parse_text(wt, &err), *r = parse_text(rt, &err);
	if (tap_ok(w && r, "record cycles of 2 and 3 parse")) {
		struct report *rep = report_new();
		tap_is_int(avcompat_check(r, w, rep), 0, "names differ: incompatible, and it ends");
		tap_is_int(report_count(rep), 6, "one NAME_MISMATCH per pair of the 6-pair cycle");
		tap_is_str(report_type(rep, 0), "NAME_MISMATCH", "first finding is NAME_MISMATCH");
		tap_is_str(report_location(rep, 1), "/fields/1/type/name", "second one level down");
		report_reset(rep);
		tap_is_int(avcompat_check(w, r, rep), 0, "reversed: incompatible");
		/* int cannot read long in each of the 6 pairs, plus the names. */
		tap_is_int(report_count(rep), 12, "names and types of every pair");
		report_free(rep);
	}
	avsc_free(w);
	avsc_free(r);
	free(wt);
	free(rt);

	/* Cycles of 61 and 67 records: a pair repeats only after 4087 levels,
	 * past AVCOMPAT_MAX_DEPTH. */
	wt = record_cycle("W", 67, "int");
	rt = record_cycle("R", 61, "int");
	w = parse_text(wt, &err);
	r = parse_text(rt, &err);
	if (tap_ok(w && r, "record cycles of 61 and 67 parse")) {
		struct report *rep = report_new();
		error_clear(&err);
		tap_is_int(avcompat_check_err(r, w, rep, &err), -1, "past the depth limit: -1");
		if (!tap_is_int(err.code, SG_ELIMIT, "with SG_ELIMIT"))
			tap_diag("  %s", err.msg);
		tap_is_int(report_count(rep), 0, "and no findings");
		report_free(rep);
	}
	avsc_free(w);
	avsc_free(r);
	free(wt);
	free(rt);
}

/* Records T0..Tn defined one after the other as fields of a root record, Ti
 * holding T(i-1) by name: shallow JSON, deep types. T0 holds `leaf`. */
static char *flat_chain(size_t n, const char *leaf)
{
	struct sb b = {0};
	sb_put(&b,
	       "{\"type\":\"record\",\"name\":\"Root\",\"fields\":[{\"name\":\"d0\",\"type\":"
	       "{\"type\":\"record\",\"name\":\"T0\",\"fields\":[{\"name\":\"v\",\"type\":"
	       "\"%s\"}]}}",
	       leaf);
	for (size_t i = 1; i <= n; i++)
		sb_put(&b,
		       ",{\"name\":\"d%zu\",\"type\":{\"type\":\"record\",\"name\":\"T%zu\","
		       "\"fields\":[{\"name\":\"n\",\"type\":\"T%zu\"}]}}",
		       i, i, i - 1);
	sb_put(&b, "]}");
	return b.p;
}

/* A memoized result met again from deeper down puts its findings deeper: the
 * locations stay exact, and the depth limit holds for them too. */
static void test_flat_chains(void)
{
	struct sg_error err;
	char *wt = flat_chain(100, "long"), *rt = flat_chain(100, "int");
	struct avsc_schema *w = parse_text(wt, &err), *r = parse_text(rt, &err);
	if (tap_ok(w && r, "a flat chain of 101 records parses")) {
		struct report *rep = report_new();
		tap_is_int(avcompat_check(r, w, rep), 0,
		           "int cannot read long at the end of the chain");
		tap_is_int(report_count(rep), 101, "one finding per root field");
		struct sb loc = {0};
		sb_put(&loc, "/fields/100/type");
		for (int i = 0; i < 101; i++) /* T100 to T0, then T0's field */
			sb_put(&loc, "/fields/0/type");
		tap_is_str(report_location(rep, 100), loc.p, "the last one 101 fields down");
		free(loc.p);
		report_free(rep);
	}
	avsc_free(w);
	avsc_free(r);
	free(wt);
	free(rt);

	wt = flat_chain(AVCOMPAT_MAX_DEPTH + 10, "long");
	rt = flat_chain(AVCOMPAT_MAX_DEPTH + 10, "int");
	w = parse_text(wt, &err);
	r = parse_text(rt, &err);
	if (tap_ok(w && r, "a flat chain past the depth limit parses")) {
		struct report *rep = report_new();
		error_clear(&err);
		tap_is_int(avcompat_check_err(r, w, rep, &err), -1, "findings past the limit: -1");
		if (!tap_is_int(err.code, SG_ELIMIT, "with SG_ELIMIT"))
			tap_diag("  %s", err.msg);
		tap_is_int(avcompat_check(w, r, NULL), 1, "the compatible direction is unaffected");
		report_free(rep);
	}
	avsc_free(w);
	avsc_free(r);
	free(wt);
	free(rt);
}

/* Named types that come from references (Confluent schema references) are
 * compared like any other: the check follows nodes, whichever schema owns
 * them. */
static void test_references(void)
{
	const char *addr_v1 = "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"com.x\","
	                      "\"fields\":[{\"name\":\"street\",\"type\":\"string\"}]}";
	const char *user = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"com.x\","
	                   "\"fields\":[{\"name\":\"home\",\"type\":\"com.x.Address\"}]}";
	const char *user_inline =
	    "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"com.x\",\"fields\":[{\"name\":"
	    "\"home\",\"type\":{\"type\":\"record\",\"name\":\"Address\",\"fields\":[{\"name\":"
	    "\"street\",\"type\":\"string\"},{\"name\":\"zip\",\"type\":\"string\"}]}}]}";
	struct sg_error err;
	struct avsc_schema *ref = parse_text(addr_v1, &err);
	const struct avsc_schema *refs[1] = {ref};
	struct avsc_schema *with_ref = NULL, *inl = NULL;
	if (ref) {
		error_clear(&err);
		with_ref = avsc_parse(user, strlen(user), refs, 1, &err);
	}
	inl = parse_text(user_inline, &err);
	if (tap_ok(ref && with_ref && inl, "a schema with a reference parses")) {
		struct report *rep = report_new();
		tap_is_int(avcompat_check(inl, with_ref, rep), 0,
		           "the inline reader needs a zip the referenced writer lacks");
		tap_is_int(report_count(rep), 1, "one finding");
		tap_is_str(report_location(rep, 0), "/fields/0/type/fields/1",
		           "inside the reference");
		tap_is_int(avcompat_check(with_ref, inl, NULL), 1, "the other way is compatible");
		report_free(rep);
	}
	avsc_free(inl);
	avsc_free(with_ref);
	avsc_free(ref);
}

static void test_full_report(void)
{
	/* 1200 reader fields without defaults the writer lacks. */
	struct sb b = {0};
	sb_put(&b, "{\"type\":\"record\",\"name\":\"R\",\"fields\":[");
	for (int i = 0; i < 1200; i++)
		sb_put(&b, "%s{\"name\":\"f%d\",\"type\":\"int\"}", i ? "," : "", i);
	sb_put(&b, "]}");
	struct sg_error err;
	struct avsc_schema *r = parse_text(b.p, &err);
	struct avsc_schema *w =
	    parse_text("{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}", &err);
	if (tap_ok(r && w, "a 1200-field record parses")) {
		struct report *rep = report_new();
		tap_is_int(avcompat_check(r, w, rep), 0, "incompatible");
		tap_is_int(report_count(rep), REPORT_MAX, "the report is full");
		tap_ok(report_dropped(rep) > 0, "and says findings were dropped");
		tap_is_str(report_location(rep, REPORT_MAX - 1), "/fields/999",
		           "the last kept finding is the 1000th field");
		report_free(rep);
	}
	avsc_free(r);
	avsc_free(w);
	free(b.p);
}

static void test_api_edges(void)
{
	struct sg_error err;
	struct avsc_schema *s = parse_text("\"int\"", &err);
	error_clear(&err);
	tap_is_int(avcompat_check_err(NULL, s, NULL, &err), -1, "a NULL reader is refused");
	tap_is_int(err.code, SG_EINTERNAL, "with SG_EINTERNAL");
	tap_is_int(avcompat_check(s, NULL, NULL), -1, "a NULL writer is refused");

	struct avsc_schema *w =
	    parse_text("{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}", &err);
	struct avsc_schema *r = parse_text(
	    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}",
	    &err);
	struct report *rep = report_new();
	if (tap_ok(w && r, "two small records parse") && avcompat_check(r, w, rep) == 0) {
		const char *want =
		    "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The "
		    "field 'x' at path '/fields/0' in the new schema has no default "
		    "value and is missing in the old schema', additionalInfo:'x'}";
		char buf[512];
		int n = avcompat_confluent_message(rep, 0, "new", "old", buf, sizeof buf);
		tap_is_str(buf, want, "Confluent wording, backward roles");
		tap_is_int(n, (int)strlen(want), "returns its length");
		n = avcompat_confluent_message(rep, 0, "old", "new", buf, sizeof buf);
		tap_ok(strstr(buf,
		              "in the old schema has no default value and is missing in the new "
		              "schema") != NULL,
		       "Confluent wording, forward roles");
		char small[10];
		n = avcompat_confluent_message(rep, 0, "new", "old", small, sizeof small);
		tap_is_int(n, (int)strlen(want), "a short buffer still gets the full length");
		tap_is_str(small, "{errorTyp", "and a truncated, terminated text");
		tap_is_int(avcompat_confluent_message(rep, 0, "new", "old", NULL, 0),
		           (int)strlen(want), "NULL buffer measures");
		tap_is_int(avcompat_confluent_message(rep, 1, "new", "old", buf, sizeof buf), -1,
		           "an index out of range is -1");
	}
	report_free(rep);
	avsc_free(r);
	avsc_free(w);
	avsc_free(s);
}

/* Every allocation avcompat makes may fail: the call then returns -1 with
 * SG_ENOMEM, leaks nothing (LeakSanitizer checks) and never crashes. */
static void test_alloc_failures(void)
{
	const char *wt =
	    "{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":\"a\",\"type\":"
	    "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]}},"
	    "{\"name\":\"b\",\"type\":[\"null\",\"L\"]},{\"name\":\"c\",\"type\":{\"type\":"
	    "\"map\",\"values\":[\"int\",\"string\",\"double\"]}},{\"name\":\"d\",\"type\":"
	    "{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}},{\"name\":\"e\",\"type\":\"long\"}]}";
	const char *rt =
	    "{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":\"a\",\"type\":"
	    "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}},"
	    "{\"name\":\"b\",\"type\":[\"null\",\"L\"]},{\"name\":\"c\",\"type\":{\"type\":"
	    "\"map\",\"values\":[\"long\"]}},{\"name\":\"d\",\"type\":"
	    "{\"type\":\"fixed\",\"name\":\"G\",\"size\":8}},{\"name\":\"x\",\"type\":\"int\"}]}";
	struct sg_error err;
	struct avsc_schema *w = parse_text(wt, &err), *r = parse_text(rt, &err);
	if (!tap_ok(w && r, "schemas for the allocation-failure run parse")) {
		avsc_free(w);
		avsc_free(r);
		return;
	}
	struct report *want = report_new();
	int wv = avcompat_check(r, w, want);
	tap_is_int(wv, 0, "incompatible when memory is plentiful");
	long failures = 0, n;
	int all_ok = 1, normal = 0;
	for (n = 1; n < 10000; n++) {
		struct report *rep = report_new();
		error_clear(&err);
		failalloc_fail_after(n - 1); /* the n-th allocation, counted from 1 */
		int v = avcompat_check_err(r, w, rep, &err);
		failalloc_disarm();
		int hit = failalloc_fired();
		if (!hit) {
			/* No allocation failed: the run must be the normal one. */
			normal = v == wv && report_count(rep) == report_count(want);
			report_free(rep);
			break;
		}
		failures++;
		if (v != -1 || err.code != SG_ENOMEM) {
			all_ok = 0;
			tap_diag("  allocation %ld failing gave %d (error %d)", n, v, err.code);
		}
		report_free(rep);
	}
	tap_ok(failures > 5, "%ld allocations were made to fail", failures);
	if (!normal)
		tap_diag("  the run after the last failing allocation (%ld) %s", n,
		         n < 10000 ? "differs from the normal one" : "was never reached");
	tap_ok(all_ok && normal,
	       "each failure gives -1 and SG_ENOMEM, no crash, then the normal answer");
	report_free(want);
	avsc_free(w);
	avsc_free(r);
}

struct job {
	const struct avsc_schema *r, *w;
	int verdict;
	size_t findings;
	int ok;
};

static void *run_job(void *arg)
{
	struct job *j = arg;
	j->ok = 1;
	for (int i = 0; i < 200; i++) {
		struct report *rep = report_new();
		int v = avcompat_check(j->r, j->w, rep);
		if (v != j->verdict || report_count(rep) != j->findings)
			j->ok = 0;
		report_free(rep);
	}
	return NULL;
}

/* The same immutable schemas checked from several threads at once. */
static void test_threads(void)
{
	const char *a = "{\"type\":\"record\",\"name\":\"N\",\"fields\":[{\"name\":\"v\",\"type\":"
	                "\"int\"},{\"name\":\"next\",\"type\":[\"null\",\"N\"]}]}";
	const char *b =
	    "{\"type\":\"record\",\"name\":\"N\",\"fields\":[{\"name\":\"v\",\"type\":"
	    "\"long\"},{\"name\":\"w\",\"type\":\"string\"},{\"name\":\"next\",\"type\":"
	    "[\"null\",\"N\"]}]}";
	struct sg_error err;
	struct avsc_schema *sa = parse_text(a, &err), *sb = parse_text(b, &err);
	if (!tap_ok(sa && sb, "schemas for the thread run parse")) {
		avsc_free(sa);
		avsc_free(sb);
		return;
	}
	struct job jobs[4] = {
	    {sa, sb, 0, 1, 0}, /* int reads long: no */
	    {sb, sa, 0, 1, 0}, /* w has no default */
	    {sa, sa, 1, 0, 0},
	    {sb, sb, 1, 0, 0},
	};
	pthread_t t[4];
	int started = 0;
	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, run_job, &jobs[i]) == 0)
			started++;
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	int ok = started == 4;
	for (int i = 0; i < 4; i++)
		ok &= jobs[i].ok;
	tap_ok(ok, "4 threads x 200 checks give the same answers");
	avsc_free(sa);
	avsc_free(sb);
}

int main(void)
{
	const char *srcdir = getenv("SG_SRCDIR");
	if (!srcdir)
		srcdir = ".";
	test_suite();
	test_case_dir(srcdir);
	test_deep_nesting();
	test_recursion_limits();
	test_flat_chains();
	test_references();
	test_full_report();
	test_api_edges();
	test_alloc_failures();
	test_threads();
	return tap_done();
}
