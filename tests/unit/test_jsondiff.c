/* tests/unit/test_jsondiff.c: the JSON Schema differ against Confluent's own
 * diff examples (the STRICT and LENIENT verdicts and the exact set of
 * changes), the hand-written cases in tests/cases/jsondiff/, the message
 * format, the resolver and the limits; then a replay of Karapace's pairs,
 * whose agreement is reported as diagnostics only (Karapace is not Confluent).
 *
 * Environment: SG_SHARED (the suites) and SG_SRCDIR (the source tree). Each
 * suite is one skip when $SG_SHARED/suites does not exist (tests/tap.h,
 * tap_external_dir); with that folder, a missing or short suite fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat/error.h"
#include "compat/jsonschema/jsondiff.h"
#include "compat/report.h"
#include "tests/casedir.h"
#include "tests/tap.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The changes of a report as sorted "TYPE path" strings (caller frees). */
static char **changes_of(const struct report *r, size_t *n)
{
	*n = report_count(r);
	char **v = calloc(*n + 1, sizeof *v);
	for (size_t i = 0; v && i < *n; i++) {
		size_t len = strlen(report_type(r, i)) + strlen(report_location(r, i)) + 2;
		v[i] = malloc(len);
		if (v[i])
			snprintf(v[i], len, "%s %s", report_type(r, i), report_location(r, i));
	}
	if (v)
		qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

static char **strings_of(const json_t *arr, size_t *n)
{
	*n = json_array_size(arr);
	char **v = calloc(*n + 1, sizeof *v);
	for (size_t i = 0; v && i < *n; i++)
		v[i] = strdup(json_string_value(json_array_get(arr, i))
		                  ? json_string_value(json_array_get(arr, i))
		                  : "");
	if (v)
		qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void diag_list(const char *label, char **v, size_t n)
{
	tap_diag("  %s (%zu):", label, n);
	for (size_t i = 0; i < n; i++)
		tap_diag("    %s", v[i]);
}

static int same_strings(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return 1;
}

/* Runs one comparison; returns the verdict and fills `r` with all changes. */
static int run(const json_t *o, const json_t *u, int lenient, int all, struct report *r,
               struct sg_error *err)
{
	struct jsondiff_options opts = {.lenient = lenient, .all_changes = all};
	report_reset(r);
	error_clear(err);
	return jsondiff_compare(o, u, &opts, r, err);
}

/* Checks one case: verdicts under both policies and the set of changes.
 * `changes` may be NULL (not checked). Returns the number of failures. */
static int check_case(const char *id, const json_t *o, const json_t *u, int want_strict,
                      int want_lenient, const json_t *changes)
{
	struct report *r = report_new();
	struct sg_error err;
	int fails = 0;

	int strict = run(o, u, 0, 1, r, &err);
	if (!tap_ok(strict == want_strict, "%s: STRICT verdict is %s", id,
	            want_strict ? "compatible" : "incompatible")) {
		tap_diag("  got %d (%s)", strict, err.msg);
		fails++;
	}
	if (changes) {
		size_t ng, nw;
		char **got = changes_of(r, &ng), **want = strings_of(changes, &nw);
		if (!tap_ok(same_strings(got, ng, want, nw), "%s: changes", id)) {
			diag_list("got", got, ng);
			diag_list("want", want, nw);
			fails++;
		}
		free_strings(got, ng);
		free_strings(want, nw);
	}
	int lenient = run(o, u, 1, 0, r, &err);
	if (!tap_ok(lenient == want_lenient, "%s: LENIENT verdict is %s", id,
	            want_lenient ? "compatible" : "incompatible")) {
		tap_diag("  got %d (%s)", lenient, err.msg);
		fails++;
	}
	report_free(r);
	return fails;
}

/* Opens the suite file `name` in $SG_SHARED/suites, its path in `path`.
 * Returns NULL after one skip for `suite` when that folder does not exist,
 * after one failure when the file cannot be opened. */
static FILE *open_suite(const char *name, const char *suite, char *path, size_t cap)
{
	char dir[4096];
	if (!tap_external_dir("suites", suite, dir, sizeof dir))
		return NULL;
	snprintf(path, cap, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	tap_ok(f != NULL, "open %s", path);
	return f;
}

static void confluent_suite(void)
{
	char path[4200];
	FILE *f = open_suite("jsonschema-confluent-diff.jsonl",
	                     "Confluent's JSON Schema diff suite", path, sizeof path);
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int cases = 0, failed = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t je;
		json_t *c = json_loadb(line, (size_t)len, 0, &je);
		if (!c) {
			tap_ok(0, "suite line parses: %s", je.text);
			continue;
		}
		cases++;
		failed += check_case(json_string_value(json_object_get(c, "id")),
		                     json_object_get(c, "original_schema"),
		                     json_object_get(c, "update_schema"),
		                     json_is_true(json_object_get(c, "expected_backward")),
		                     json_is_true(json_object_get(c, "expected_backward_lenient")),
		                     json_object_get(c, "changes")) != 0;
		json_decref(c);
	}
	free(line);
	fclose(f);
	tap_ok(cases == 263, "Confluent diff suite has 263 cases (read %d)", cases);
	tap_diag("Confluent diff suite: %d of %d cases pass", cases - failed, cases);
}

static json_t *load_file(const char *dir, const char *name)
{
	char path[3072];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	json_error_t je;
	return json_load_file(path, JSON_DECODE_ANY, &je);
}

/* tests/cases/jsondiff/<name>/{original.json,update.json,expect.json}.
 * expect.json: {"backward": bool, "backward_lenient": bool (default: backward),
 * "changes": [...] (optional), "error": "SG_..." (instead of verdicts)}. */
static void case_dirs(void)
{
	const char *src = getenv("SG_SRCDIR");
	char root[2048];
	snprintf(root, sizeof root, "%s/tests/cases/jsondiff", src ? src : ".");
	size_t n = 0;
	char **names = casedir_list(root, NULL, &n);
	if (!tap_ok(names != NULL, "open %s", root))
		return;
	tap_ok(n >= 5, "at least five hand-written cases (%zu)", n);
	for (size_t i = 0; i < n; i++) {
		char dir[2560];
		snprintf(dir, sizeof dir, "%s/%s", root, names[i]);
		json_t *o = load_file(dir, "original.json"), *u = load_file(dir, "update.json");
		json_t *x = load_file(dir, "expect.json");
		if (!tap_ok(o && u && x, "%s: case files load", names[i])) {
			json_decref(o);
			json_decref(u);
			json_decref(x);
			continue;
		}
		const char *want_err = json_string_value(json_object_get(x, "error"));
		if (want_err) {
			struct report *r = report_new();
			struct sg_error err;
			int rc = run(o, u, 0, 0, r, &err);
			if (!tap_ok(rc == -1 && !strcmp(error_name(err.code), want_err),
			            "%s: fails with %s", names[i], want_err))
				tap_diag("  got %d %s: %s", rc, error_name(err.code), err.msg);
			report_free(r);
		} else {
			int b = json_is_true(json_object_get(x, "backward"));
			const json_t *bl = json_object_get(x, "backward_lenient");
			check_case(names[i], o, u, b, bl ? json_is_true(bl) : b,
			           json_object_get(x, "changes"));
		}
		json_decref(o);
		json_decref(u);
		json_decref(x);
	}
	casedir_free(names);
}

static void messages(void)
{
	char buf[512];
	int n =
	    jsondiff_describe("TYPE_CHANGED", "#/properties/foo", "new", "old", buf, sizeof buf);
	tap_is_str(
	    buf,
	    "{errorType:\"TYPE_CHANGED\", description:\"A type at path '#/properties/foo' is "
	    "different between the new schema and the old schema'}",
	    "describe TYPE_CHANGED as Confluent does");
	tap_is_int(n, (int)strlen(buf), "describe returns the length");
	jsondiff_describe("REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "#/properties/bar",
	                  "new", "old", buf, sizeof buf);
	tap_is_str(
	    buf,
	    "{errorType:\"REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL\", description:\"The new "
	    "schema has an unopen content model and has a required property at path "
	    "'#/properties/bar' which is missing in the old schema'}",
	    "describe REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL");
	jsondiff_describe("MAX_LENGTH_DECREASED", "#/maxLength", "new", "old", buf, sizeof buf);
	tap_is_str(
	    buf,
	    "{errorType:\"MAX_LENGTH_DECREASED\", description:\"The value at path '#/maxLength' in "
	    "the new schema is less than its value in the old schema'}",
	    "describe MAX_LENGTH_DECREASED");
	tap_is_int(jsondiff_describe("NO_SUCH_TYPE", "#/", "new", "old", buf, sizeof buf), -1,
	           "describe rejects an unknown type");
	n = jsondiff_describe("TYPE_CHANGED", "#/", "new", "old", buf, 10);
	tap_ok(n > 10 && strlen(buf) == 9, "describe truncates to the buffer and reports the need");

	tap_is_int(jsondiff_type_compatible("OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", 0), 0,
	           "optional property added to open model: incompatible under STRICT");
	tap_is_int(jsondiff_type_compatible("OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", 1), 1,
	           "optional property added to open model: compatible under LENIENT");
	tap_is_int(jsondiff_type_compatible("TYPE_CHANGED", 1), 0, "TYPE_CHANGED never compatible");
	tap_is_int(jsondiff_type_compatible("bogus", 0), -1, "unknown type name");

	/* The report carries type, location and a sentence. */
	json_t *o = json_loads("{\"properties\":{\"a\":{\"type\":\"string\"}}}", 0, NULL);
	json_t *u = json_loads("{\"properties\":{\"a\":{\"type\":\"number\"}}}", 0, NULL);
	struct report *r = report_new();
	tap_is_int(jsondiff_check(o, u, 0, r), 0, "string to number is incompatible");
	tap_is_int(report_count(r), 1, "one finding");
	tap_is_str(report_type(r, 0), "TYPE_CHANGED", "finding type");
	tap_is_str(report_location(r, 0), "#/properties/a", "finding location");
	tap_ok(report_message(r, 0) && strlen(report_message(r, 0)) > 10, "finding has a sentence");
	report_reset(r);
	tap_is_int(jsondiff_check(o, o, 0, r), 1, "a schema is compatible with itself");
	tap_is_int(report_count(r), 0, "no findings for the same schema");
	tap_is_int(jsondiff_check(o, u, 0, NULL), 0, "the report may be NULL");
	report_free(r);
	json_decref(o);
	json_decref(u);
}

struct docs {
	const char *uri;
	json_t *doc;
};

static const json_t *resolve(void *ctx, const char *uri)
{
	struct docs *d = ctx;
	for (; d->uri; d++)
		if (!strcmp(d->uri, uri))
			return d->doc;
	return NULL;
}

static void external_refs(void)
{
	json_t *o = json_loads("{\"properties\":{\"c\":{\"$ref\":\"customer.json\"}}}", 0, NULL);
	json_t *u = json_loads(
	    "{\"properties\":{\"c\":{\"$ref\":\"customer.json#/definitions/C\"}}}", 0, NULL);
	json_t *c1 = json_loads(
	    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}}}", 0, NULL);
	json_t *c2 = json_loads("{\"definitions\":{\"C\":{\"type\":\"object\",\"properties\":"
	                        "{\"id\":{\"type\":\"integer\"}}}}}",
	                        0, NULL);
	struct docs d1[] = {{"customer.json", c1}, {NULL, NULL}};
	struct docs d2[] = {{"customer.json", c2}, {NULL, NULL}};
	struct jsondiff_options opts = {.resolve_original = resolve,
	                                .resolve_original_ctx = d1,
	                                .resolve_update = resolve,
	                                .resolve_update_ctx = d2};
	struct report *r = report_new();
	struct sg_error err;
	error_clear(&err);
	tap_is_int(jsondiff_compare(o, u, &opts, r, &err), 0, "external $ref: type change found");
	tap_ok(report_count(r) == 1 &&
	           !strcmp(report_location(r, 0), "#/properties/c/properties/id"),
	       "external $ref: change located through the reference");
	report_reset(r);
	error_clear(&err);
	tap_is_int(jsondiff_compare(o, u, NULL, r, &err), -1,
	           "external $ref without a resolver fails");
	tap_is_str(error_name(err.code), "SG_EINVALID_SCHEMA",
	           "unresolved $ref is an invalid schema");
	report_free(r);
	json_decref(o);
	json_decref(u);
	json_decref(c1);
	json_decref(c2);
}

static void limits(void)
{
	/* A wide oneOf on both sides costs |o| x |u| comparisons. */
	json_t *o = json_object(), *arr = json_array();
	for (int i = 0; i < 200; i++) {
		json_t *s = json_pack("{s:s, s:i}", "type", "string", "maxLength", i + 1);
		json_array_append_new(arr, s);
	}
	json_object_set_new(o, "oneOf", arr);
	struct jsondiff_options opts = {.max_steps = 1000};
	struct sg_error err;
	error_clear(&err);
	tap_is_int(jsondiff_compare(o, o, &opts, NULL, &err), -1,
	           "step limit stops a costly comparison");
	tap_is_str(error_name(err.code), "SG_ELIMIT", "step limit is SG_ELIMIT");
	error_clear(&err);
	tap_is_int(jsondiff_compare(o, o, NULL, NULL, &err), 1,
	           "the same comparison within default limits");
	opts.max_steps = 0;
	opts.max_bytes = 4096;
	error_clear(&err);
	tap_is_int(jsondiff_compare(o, o, &opts, NULL, &err), -1,
	           "memory limit stops a comparison");
	tap_is_str(error_name(err.code), "SG_ELIMIT", "memory limit is SG_ELIMIT");
	json_decref(o);

	/* Wide objects stay linear: 20000 properties, all required, both drafts. */
	for (int draft = 0; draft < 2; draft++) {
		json_t *props = json_object(), *req = json_array();
		for (int i = 0; i < 20000; i++) {
			char name[32];
			snprintf(name, sizeof name, "p%d", i);
			json_object_set_new(props, name, json_pack("{s:s}", "type", "string"));
			json_array_append_new(req, json_string(name));
		}
		json_t *wide = json_pack("{s:s, s:o, s:o}", "type", "object", "properties", props,
		                         "required", req);
		if (draft)
			json_object_set_new(
			    wide, "$schema",
			    json_string("https://json-schema.org/draft/2020-12/schema"));
		json_t *wider = json_deep_copy(wide);
		json_object_set_new(json_object_get(wider, "properties"), "extra",
		                    json_pack("{s:s}", "type", "integer"));
		error_clear(&err);
		tap_is_int(
		    jsondiff_compare(wide, wider, NULL, NULL, &err), 0,
		    "20000 properties (draft %s): one added property found within the limits",
		    draft ? "2020-12" : "7");
		if (err.code)
			tap_diag("  %s", err.msg);
		json_decref(wide);
		json_decref(wider);
	}

	/* Deep nesting is refused, not followed until the stack runs out. */
	json_t *deep = json_object(), *cur = deep;
	for (int i = 0; i < 1000; i++) {
		json_t *next = json_object();
		json_object_set_new(cur, "not", next);
		cur = next;
	}
	error_clear(&err);
	tap_is_int(jsondiff_compare(deep, deep, NULL, NULL, &err), -1,
	           "1000 levels of nesting refused");
	tap_is_str(error_name(err.code), "SG_ELIMIT", "nesting limit is SG_ELIMIT");
	json_decref(deep);

	json_t *bad = json_loads("{\"type\":\"strin\"}", 0, NULL), *ok = json_loads("{}", 0, NULL);
	error_clear(&err);
	tap_is_int(jsondiff_compare(ok, bad, NULL, NULL, &err), -1, "unknown type name refused");
	tap_is_str(error_name(err.code), "SG_EINVALID_SCHEMA", "unknown type is an invalid schema");
	json_t *num = json_integer(3);
	error_clear(&err);
	tap_is_int(jsondiff_compare(ok, num, NULL, NULL, &err), -1, "a number is not a schema");
	json_decref(num);
	json_decref(bad);
	json_decref(ok);
}

/* Why Confluent's rules disagree with Karapace on one pair: the rule that
 * decides it (see SchemaDiff.compareTypes) or the changes Confluent lists. */
static void explain(const json_t *writer, const json_t *reader, int got, const struct report *r,
                    char *out, size_t cap)
{
	if (json_is_true(reader) || (json_is_object(reader) && json_object_size(reader) == 0)) {
		snprintf(out, cap,
		         "new schema accepts anything: Confluent lets any schema change to it");
		return;
	}
	if (json_is_false(writer)) {
		snprintf(out, cap,
		         "old schema accepts nothing: Confluent lets false change to any schema");
		return;
	}
	size_t o = 0;
	o += (size_t)snprintf(out, cap, "Confluent %s:",
	                      got ? "finds only compatible changes" : "finds breaking changes");
	for (size_t i = 0; i < report_count(r) && o < cap; i++) {
		if (!got && jsondiff_type_compatible(report_type(r, i), 0))
			continue;
		o += (size_t)snprintf(out + o, cap - o, " %s", report_type(r, i));
	}
	if (report_count(r) == 0 && o < cap)
		snprintf(out + o, cap - o, " none");
}

/* Karapace's pairs: count agreements and sort the disagreements by the
 * Confluent rule behind them. Diagnostics only. */
static void karapace_replay(void)
{
	char path[4200];
	FILE *f = open_suite("jsonschema-karapace-pairs.jsonl", "Karapace's JSON Schema pairs",
	                     path, sizeof path);
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int total = 0, agree = 0, errors = 0, stricter = 0, looser = 0;
	struct {
		char why[400];
		int n;
	} cats[64];
	int ncats = 0;
	struct report *r = report_new();
	while ((len = getline(&line, &cap, f)) > 0) {
		json_t *c = json_loadb(line, (size_t)len, 0, NULL);
		if (!c)
			continue;
		total++;
		struct sg_error err;
		const json_t *w = json_object_get(c, "writer"), *rd = json_object_get(c, "reader");
		int want = json_is_true(json_object_get(c, "expected_backward"));
		int got = run(w, rd, 0, 1, r, &err);
		const char *id = json_string_value(json_object_get(c, "id"));
		if (got < 0) {
			errors++;
			tap_diag("karapace %s: error %s: %s", id, error_name(err.code), err.msg);
		} else if (got == want) {
			agree++;
		} else {
			char why[400];
			explain(w, rd, got, r, why, sizeof why);
			if (got)
				looser++;
			else
				stricter++;
			int k = 0;
			while (k < ncats && strcmp(cats[k].why, why))
				k++;
			if (k == ncats && ncats < 64) {
				snprintf(cats[ncats].why, sizeof cats[ncats].why, "%s", why);
				cats[ncats++].n = 0;
			}
			if (k < ncats)
				cats[k].n++;
			tap_diag("karapace %s %s -> %s: Karapace says %s; %s", id,
			         json_string_value(json_object_get(c, "writer_name")),
			         json_string_value(json_object_get(c, "reader_name")),
			         want ? "compatible" : "incompatible", why);
		}
		json_decref(c);
	}
	free(line);
	fclose(f);
	report_free(r);
	tap_diag("Karapace replay: %d of %d pairs agree with Confluent's rules; %d errors", agree,
	         total, errors);
	tap_diag("  disagreements: Confluent stricter %d, Confluent more permissive %d", stricter,
	         looser);
	for (int k = 0; k < ncats; k++)
		tap_diag("  %3d x %s", cats[k].n, cats[k].why);
	tap_ok(total == 309, "Karapace replay read 309 pairs (%d)", total);
	tap_ok(errors == 0, "Karapace replay: every pair loads and compares (%d errors)", errors);
}

int main(void)
{
	confluent_suite();
	case_dirs();
	messages();
	external_refs();
	limits();
	karapace_replay();
	return tap_done();
}
