/* tests/unit/test_jsonschema.c: the JSON Schema validator against the
 * official JSON-Schema-Test-Suite, plus the behaviour the suite does not pin
 * down (error reports, raw-byte parsing, limits, named references, the
 * meta-schema check, concurrent use).
 *
 * Suite: $SG_SHARED/third_party/JSON-Schema-Test-Suite. Every required test
 * (the JSON files in tests/<draft>/) is one TAP line; optional/ and
 * optional/format/ (the latter with format assertion on) run too but only
 * report their pass counts as diagnostics (set SG_JS_VERBOSE=1 to list their
 * failures); one more line checks that every file of the suite's version was
 * there, and a file that does not load fails. Without the folder the suite is
 * one skip (tests/tap.h, tap_external_dir). Remote references to
 * http://localhost:1234/ are served from the suite's remotes/. Each test
 * validates the jansson value, and its text (as written, and ASCII-escaped)
 * through the raw-bytes path, whose one-pass reader (compat/jsstream) may only
 * ever say "valid" where the suite does.
 *
 * Data cases: tests/cases/jsonschema/<name>/ holds schema.json, input.json
 * (raw bytes, validated with jsonschema_validate_bytes) and expect: "valid",
 * or one line per reported error, "type|location|message". An optional
 * options file sets "draft=<n>" and/or "format=1"; an optional one_pass file
 * says what the one-pass reader (compat/jsstream) answers: "shown" (valid),
 * "not shown" (left to the full evaluator) or "none" (the schema has no
 * one-pass form).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compat/jsonschema/jsonschema.h"
#include "tests/casedir.h"
#include "tests/failalloc.h"
#include "tests/tap.h"

static const char *suite_dir;
static int verbose;

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	fclose(f);
	if (buf) {
		char *nb = realloc(buf, n + 1);
		if (nb)
			buf = nb;
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

static json_t *load_json(const char *path)
{
	size_t len;
	char *buf = read_file(path, &len);
	if (!buf)
		return NULL;
	struct sg_error e;
	error_clear(&e);
	json_t *j = jsonschema_parse(buf, len, &e);
	if (!j)
		tap_diag("%s: %s", path, e.msg);
	free(buf);
	return j;
}

/* Serves http://localhost:1234/<path> from the suite's remotes/. */
static json_t *suite_resolver(void *ctx, const char *uri)
{
	(void)ctx;
	const char *prefix = "http://localhost:1234/";
	if (strncmp(uri, prefix, strlen(prefix)) != 0 || strstr(uri, ".."))
		return NULL;
	char path[4096];
	snprintf(path, sizeof path, "%s/remotes/%s", suite_dir, uri + strlen(prefix));
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	return load_json(path);
}

struct counts {
	int pass, total;
};

/* How much of the suite the one-pass reader (compat/jsstream) takes. */
static struct {
	int schemas, one_pass, valid_docs, shown;
} stream_cnt;

/* `data` written as text, plain and with every non-ASCII character
 * escaped: the raw-bytes path (the gateway's) must agree with the suite, and
 * when the schema has a one-pass form, that pass's "valid" must be right (it
 * has no other answer to get wrong). Returns 1 when all holds. */
static int check_text(const struct jsonschema *v, const json_t *data, int want, int one_pass)
{
	static const size_t flags[] = {JSON_ENCODE_ANY | JSON_COMPACT,
	                               JSON_ENCODE_ANY | JSON_ENSURE_ASCII};
	int ok = 1;
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		char *text = json_dumps(data, flags[i]);
		if (!text)
			return 0;
		size_t len = strlen(text);
		int one = one_pass ? jsonschema_validate_stream(v, text, len) : -1;
		int bytes = jsonschema_validate_bytes(v, text, len, NULL);
		if (one == 1 && !want) {
			tap_diag("  one pass says valid: %s", text);
			ok = 0;
		}
		if (bytes != want) {
			tap_diag("  raw bytes say %d: %s", bytes, text);
			ok = 0;
		}
		if (one_pass && i == 0 && want) {
			stream_cnt.valid_docs++;
			stream_cnt.shown += one == 1;
		}
		free(text);
	}
	return ok;
}

/* Runs one suite file. Required files print a TAP line per test. */
static void run_file(const char *path, const char *label, enum jsonschema_draft draft,
                     int format_assert, int required, struct counts *cnt)
{
	json_t *groups = load_json(path);
	if (!json_is_array(groups)) {
		tap_ok(0, "%s: file loads", label);
		json_decref(groups);
		return;
	}
	struct jsonschema_options opts = {
	    .draft = draft,
	    .format_assert = format_assert,
	    .resolver = suite_resolver,
	};
	size_t gi;
	json_t *g;
	json_array_foreach(groups, gi, g)
	{
		const char *gdesc = json_string_value(json_object_get(g, "description"));
		struct sg_error err;
		error_clear(&err);
		struct jsonschema *v =
		    jsonschema_compile(json_object_get(g, "schema"), &opts, &err);
		int one_pass = v && jsonschema_validate_stream(v, "null", 4) >= 0;
		stream_cnt.schemas += v != NULL;
		stream_cnt.one_pass += one_pass;
		json_t *tests = json_object_get(g, "tests");
		size_t ti;
		json_t *t;
		json_array_foreach(tests, ti, t)
		{
			const char *tdesc = json_string_value(json_object_get(t, "description"));
			int want = json_is_true(json_object_get(t, "valid"));
			int got = -2, got_quiet = -2;
			struct report *r = report_new();
			if (v) {
				got = jsonschema_validate(v, json_object_get(t, "data"), r);
				got_quiet =
				    jsonschema_validate(v, json_object_get(t, "data"), NULL);
			}
			/* Both modes must agree, and an invalid verdict must say why. */
			int ok = got == want && got_quiet == want &&
			         (got == 1 ? report_count(r) == 0 : report_count(r) > 0);
			if (v)
				ok &= check_text(v, json_object_get(t, "data"), want, one_pass);
			cnt->total++;
			cnt->pass += ok;
			if (required)
				tap_ok(ok, "%s: %s: %s", label, gdesc, tdesc);
			if (!ok && (required || verbose)) {
				if (!required)
					tap_diag("optional FAIL %s: %s: %s", label, gdesc, tdesc);
				if (!v)
					tap_diag("  compile error: %s", err.msg);
				else
					tap_diag("  want %d, got %d (quiet %d)", want, got,
					         got_quiet);
				for (size_t i = 0; i < report_count(r) && i < 3; i++)
					tap_diag("  %s at '%s': %s", report_type(r, i),
					         report_location(r, i), report_message(r, i));
			}
			report_free(r);
		}
		jsonschema_free(v);
	}
	json_decref(groups);
}

static void run_dir(const char *dir, const char *label, enum jsonschema_draft draft,
                    int format_assert, int required, struct counts *cnt)
{
	size_t n;
	char **names = casedir_list(dir, ".json", &n);
	if (!names) {
		tap_ok(0, "%s: folder %s lists", label, dir);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char path[4096], lab[512];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		snprintf(lab, sizeof lab, "%s/%s", label, names[i]);
		run_file(path, lab, draft, format_assert, required, cnt);
	}
	casedir_free(names);
}

static void run_suite(void)
{
	static const struct {
		const char *dir;
		enum jsonschema_draft draft;
		/* How many tests the suite's version in ../shared holds in
		 * tests/<dir>/, optional/ and optional/format/. */
		int required, optional, format;
	} drafts[] = {
	    {"draft4", JSONSCHEMA_DRAFT4, 618, 100, 219},
	    {"draft6", JSONSCHEMA_DRAFT6, 839, 106, 325},
	    {"draft7", JSONSCHEMA_DRAFT7, 927, 118, 676},
	    {"draft2019-09", JSONSCHEMA_DRAFT2019_09, 1259, 158, 757},
	    {"draft2020-12", JSONSCHEMA_DRAFT2020_12, 1299, 162, 764},
	};
	struct counts req[5] = {{0}}, opt[5] = {{0}}, fmt[5] = {{0}};
	for (int i = 0; i < 5; i++) {
		char dir[4096], lab[64];
		snprintf(dir, sizeof dir, "%s/tests/%s", suite_dir, drafts[i].dir);
		run_dir(dir, drafts[i].dir, drafts[i].draft, 0, 1, &req[i]);
		snprintf(dir, sizeof dir, "%s/tests/%s/optional", suite_dir, drafts[i].dir);
		snprintf(lab, sizeof lab, "%s/optional", drafts[i].dir);
		run_dir(dir, lab, drafts[i].draft, 0, 0, &opt[i]);
		snprintf(dir, sizeof dir, "%s/tests/%s/optional/format", suite_dir, drafts[i].dir);
		snprintf(lab, sizeof lab, "%s/optional/format", drafts[i].dir);
		run_dir(dir, lab, drafts[i].draft, 1, 0, &fmt[i]);
	}
	int whole = 1;
	for (int i = 0; i < 5; i++) {
		tap_diag("%-13s required %4d/%-4d  optional %4d/%-4d  optional/format %4d/%-4d",
		         drafts[i].dir, req[i].pass, req[i].total, opt[i].pass, opt[i].total,
		         fmt[i].pass, fmt[i].total);
		if (req[i].total != drafts[i].required || opt[i].total != drafts[i].optional ||
		    fmt[i].total != drafts[i].format) {
			whole = 0;
			tap_diag("  %s: the suite should hold %d, %d and %d tests", drafts[i].dir,
			         drafts[i].required, drafts[i].optional, drafts[i].format);
		}
	}
	tap_ok(whole, "the suite holds every test of its version, in each draft");
	tap_diag("one pass: %d of %d schemas; shows %d of their %d valid documents valid",
	         stream_cnt.one_pass, stream_cnt.schemas, stream_cnt.shown, stream_cnt.valid_docs);
}

/* --- behaviour beyond the suite --- */

static struct jsonschema *compile_text(const char *text, const struct jsonschema_options *o,
                                       struct sg_error *err)
{
	json_error_t je;
	json_t *s = json_loads(text, JSON_ALLOW_NUL | JSON_DECODE_ANY, &je);
	if (!s) {
		tap_diag("bad test schema: %s", je.text);
		return NULL;
	}
	struct sg_error local;
	if (!err) {
		error_clear(&local);
		err = &local;
	}
	struct jsonschema *v = jsonschema_compile(s, o, err);
	json_decref(s);
	return v;
}

static int validate_text(const struct jsonschema *v, const char *doc, struct report *r)
{
	return jsonschema_validate_bytes(v, doc, strlen(doc), r);
}

static void test_reports(void)
{
	struct jsonschema *v =
	    compile_text("{\"type\":\"object\",\"required\":[\"id\"],\"properties\":{\"id\":true,"
	                 "\"amount\":{\"type\":\"number\",\"minimum\":0},"
	                 "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
	                 "\"a/b~c\":{\"const\":1}},\"additionalProperties\":false}",
	                 NULL, NULL);
	struct report *r = report_new();
	tap_ok(v != NULL, "report schema compiles");
	if (!v)
		return;
	tap_is_int(validate_text(v, "{\"id\":1,\"amount\":5,\"tags\":[\"x\"]}", r), 1,
	           "valid document is valid");
	tap_is_int(report_count(r), 0, "valid document has no findings");
	report_reset(r);
	tap_is_int(validate_text(v, "{\"amount\":-5,\"tags\":[\"x\",7],\"a/b~c\":2,\"zz\":0}", r),
	           0, "invalid document is invalid");
	tap_is_int(report_count(r), 5, "every error is reported");
	const char *want[][3] = {
	    {"minimum", "/amount",
	     "-5 is less than the minimum of 0 (at #/properties/amount/minimum)"},
	    {"type", "/tags/1", "7 is not of type string (at #/properties/tags/items/type)"},
	    {"const", "/a~1b~0c", "2 is not the constant 1 (at #/properties/a~1b~0c/const)"},
	    {"additionalProperties", "/zz",
	     "property is not allowed (additionalProperties is false) (at #/additionalProperties)"},
	    {"required", "", "required property \"id\" is missing (at #/required)"},
	};
	for (size_t i = 0; i < 5; i++) {
		/* Order follows keyword order, not document order: find by type. */
		size_t j = 0;
		while (j < report_count(r) && strcmp(report_type(r, j), want[i][0]) != 0)
			j++;
		tap_is_str(report_location(r, j), want[i][1], "%s error location", want[i][0]);
		tap_is_str(report_message(r, j), want[i][2], "%s error message", want[i][0]);
	}
	report_reset(r);
	tap_is_int(validate_text(v, "{\"id\":1,\"id\":2}", r), 0, "duplicate keys are rejected");
	tap_is_str(report_type(r, 0), "parse", "duplicate keys are a parse error");
	report_free(r);
	jsonschema_free(v);
}

static void test_numbers(void)
{
	struct jsonschema *v = compile_text("{\"enum\":[1, 2.5]}", NULL, NULL);
	tap_is_int(validate_text(v, "1.0", NULL), 1, "1.0 equals 1 in enum");
	tap_is_int(validate_text(v, "2.50", NULL), 1, "2.50 equals 2.5");
	tap_is_int(validate_text(v, "true", NULL), 0, "true is not 1");
	jsonschema_free(v);

	v = compile_text("{\"uniqueItems\":true}", NULL, NULL);
	tap_is_int(validate_text(v, "[1, 1.0]", NULL), 0, "1 and 1.0 are not unique");
	tap_is_int(validate_text(v, "[{\"a\":1,\"b\":2},{\"b\":2,\"a\":1.0}]", NULL), 0,
	           "objects equal regardless of key order and number form");
	char big[4096] = "[";
	for (int i = 0; i < 300; i++)
		snprintf(big + strlen(big), sizeof big - strlen(big), "%s%d", i ? "," : "", i);
	strcat(big, ",299.0]");
	tap_is_int(validate_text(v, big, NULL), 0, "duplicate found in a long array (hashed path)");
	big[strlen(big) - 7] = ']';
	big[strlen(big) - 6] = '\0';
	tap_is_int(validate_text(v, big, NULL), 1, "300 distinct items are unique");
	jsonschema_free(v);

	v = compile_text("{\"type\":\"integer\"}", NULL, NULL);
	tap_is_int(validate_text(v, "1.0", NULL), 1, "draft 7: 1.0 is an integer");
	tap_is_int(validate_text(v, "123456789012345678901234567890", NULL), 1,
	           "an integer beyond 64 bits parses (as a real) and is an integer");
	tap_is_int(validate_text(v, "[1, 123456789012345678901234567890]", NULL), 0,
	           "bignum fallback keeps the array an array");
	jsonschema_free(v);

	struct jsonschema_options o4 = {.draft = JSONSCHEMA_DRAFT4};
	v = compile_text("{\"type\":\"integer\"}", &o4, NULL);
	tap_is_int(validate_text(v, "1.0", NULL), 0, "draft 4: 1.0 is not an integer");
	tap_is_int(validate_text(v, "1", NULL), 1, "draft 4: 1 is an integer");
	jsonschema_free(v);

	v = compile_text("{\"maximum\":9007199254740992}", NULL, NULL);
	tap_is_int(validate_text(v, "9007199254740993", NULL), 0,
	           "integer comparison is exact beyond 2^53");
	tap_is_int(validate_text(v, "9007199254740992.0", NULL), 1, "equal real passes");
	jsonschema_free(v);

	struct sg_error e;
	error_clear(&e);
	const char *mixed = "[1, 98765432109876543210, \"123456789012345678901\"]";
	json_t *j = jsonschema_parse(mixed, strlen(mixed), &e);
	tap_ok(j && json_is_integer(json_array_get(j, 0)) && json_is_real(json_array_get(j, 1)) &&
	           json_is_string(json_array_get(j, 2)),
	       "only the overflowing integer becomes a real; strings are untouched");
	json_decref(j);
	error_clear(&e);
	j = jsonschema_parse("1e400", 5, &e);
	tap_ok(!j && e.code == SG_EBAD_REQUEST, "a real beyond double range is a parse error");
}

static void test_strings(void)
{
	struct jsonschema *v =
	    compile_text("{\"const\":\"a\\u0000b\",\"maxLength\":3}", NULL, NULL);
	tap_is_int(validate_text(v, "\"a\\u0000b\"", NULL), 1, "NUL in strings is accepted");
	tap_is_int(validate_text(v, "\"a\\u0000c\"", NULL), 0, "NUL strings compare fully");
	jsonschema_free(v);
	v = compile_text("{\"maxLength\":2}", NULL, NULL);
	tap_is_int(validate_text(v, "\"\\u00e9\\u00e9\"", NULL), 1, "length counts code points");
	tap_is_int(validate_text(v, "\"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\"", NULL), 0,
	           "astral characters count once each");
	jsonschema_free(v);
}

/* jsonschema_parse: strict RFC 8259, the payload policy, exact positions. */
static void test_parse(void)
{
	static const struct {
		const char *text;
		size_t len;        /* 0: strlen */
		const char *error; /* NULL: accepted */
	} cases[] = {
	    {"{\"a\":[1,2.5,\"x\",true,false,null]}", 0, NULL},
	    {" \"\\u00e9\\ud83d\\ude00\" ", 0, NULL},
	    {"-0", 0, NULL},
	    {"{\"a\":1,\"a\":1}", 0, "line 1, column 8: duplicate object key"},
	    {"{\"a\\u0000\":1}", 0, "NUL character in an object key"},
	    {"\"a\\u0000\"", 0, NULL},
	    {"1\0", 2, "end of input expected"},
	    {"[1,]", 0, "invalid token"},
	    {"01", 0, "end of input expected"},
	    {"1.", 0, "digits expected after '.'"},
	    {"\"\\ud800\"", 0, "unpaired high surrogate"},
	    {"\"\\udc00\"", 0, "unpaired low surrogate"},
	    {"\"\xed\xa0\x80\"", 0, "invalid UTF-8"},
	    {"\"\xc0\xaf\"", 0, "invalid UTF-8"},
	    {"\"a\tb\"", 0, "control character"},
	    {"{\"a\"\n:1,\n\"b\" 2}", 0, "line 3, column 5: ':' expected"},
	    {"nul", 0, "invalid token"},
	    {"", 0, "a value expected"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sg_error e;
		error_clear(&e);
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		json_t *j = jsonschema_parse(cases[i].text, len, &e);
		if (!cases[i].error)
			tap_ok(j != NULL, "parse accepts case %zu (%s)", i, e.msg);
		else
			tap_ok(!j && e.code == SG_EBAD_REQUEST && strstr(e.msg, cases[i].error),
			       "parse refuses case %zu: %s", i, e.msg);
		json_decref(j);
	}
	/* Nesting: 2048 levels parse, 2049 do not. */
	char *deep = malloc(2 * 2049 + 1);
	for (int depth = 2048; depth <= 2049; depth++) {
		memset(deep, '[', (size_t)depth);
		memset(deep + depth, ']', (size_t)depth);
		struct sg_error e;
		error_clear(&e);
		json_t *j = jsonschema_parse(deep, 2 * (size_t)depth, &e);
		tap_ok(depth == 2048 ? j != NULL : (j == NULL && strstr(e.msg, "depth") != NULL),
		       "nesting %d: %s", depth, j ? "parsed" : e.msg);
		json_decref(j);
	}
	free(deep);
}

static void test_limits(void)
{
	/* A document nested 10,000 deep: jansson refuses it while parsing. */
	size_t n = 10000;
	char *deep = malloc(2 * n + 1);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	struct jsonschema *v = compile_text("{\"items\":{\"$ref\":\"#\"}}", NULL, NULL);
	struct report *r = report_new();
	tap_is_int(jsonschema_validate_bytes(v, deep, 2 * n, r), 0,
	           "10,000-deep bytes are invalid");
	tap_ok(report_count(r) == 1 && strcmp(report_type(r, 0), "parse") == 0,
	       "with a parse error");
	report_reset(r);
	/* The same built in memory: the validator's own depth limit stops it. */
	json_t *doc = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *outer = json_array();
		json_array_append_new(outer, doc);
		doc = outer;
	}
	tap_is_int(jsonschema_validate(v, doc, r), 0, "10,000-deep value is invalid");
	tap_ok(report_count(r) == 1 && strcmp(report_type(r, 0), "depth") == 0,
	       "with a depth error: %s", report_count(r) ? report_message(r, 0) : "");
	tap_is_int(jsonschema_validate(v, doc, NULL), 0, "also without a report");
	/* Release iteratively: jansson frees recursively. */
	while (json_array_size(doc)) {
		json_t *inner = json_incref(json_array_get(doc, 0));
		json_decref(doc);
		doc = inner;
	}
	json_decref(doc);
	jsonschema_free(v);
	free(deep);
	report_free(r);

	struct sg_error e;
	error_clear(&e);
	v = compile_text("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/"
	                 "b\"},\"b\":{\"allOf\":[{\"$ref\":\"#/$defs/a\"}]}},"
	                 "\"$ref\":\"#/$defs/a\"}",
	                 NULL, &e);
	tap_ok(!v && e.code == SG_EINVALID_SCHEMA && strstr(e.msg, "cycle"),
	       "a $ref cycle is rejected at compile time: %s", e.msg);
	jsonschema_free(v);
	error_clear(&e);
	v = compile_text("{\"$ref\":\"#\"}", NULL, &e);
	tap_ok(!v && strstr(e.msg, "cycle"), "a self $ref is rejected");
	jsonschema_free(v);
	error_clear(&e);
	v = compile_text("{\"properties\":{\"next\":{\"$ref\":\"#\"}}}", NULL, &e);
	tap_ok(v != NULL, "recursion through a property is fine");
	jsonschema_free(v);

	/* 2^40 paths through shared $refs: the step budget stops it. */
	char exp[4096] = "{\"$defs\":{";
	for (int i = 0; i < 40; i++)
		snprintf(
		    exp + strlen(exp), sizeof exp - strlen(exp),
		    "\"a%d\":{\"anyOf\":[{\"$ref\":\"#/$defs/a%d\"},{\"$ref\":\"#/$defs/a%d\"}]},",
		    i, i + 1, i + 1);
	strcat(exp, "\"a40\":false},\"$ref\":\"#/$defs/a0\"}");
	v = compile_text(exp, NULL, NULL);
	r = report_new();
	tap_is_int(validate_text(v, "1", r), 0, "exponential schema is cut off");
	tap_ok(report_count(r) == 1 && strcmp(report_type(r, 0), "limit") == 0,
	       "with a limit error: %s", report_count(r) ? report_message(r, 0) : "");
	tap_is_int(validate_text(v, "1", NULL), 0, "also without a report");
	report_free(r);
	jsonschema_free(v);

	/* ReDoS: catastrophic backtracking is cut off, never hangs. */
	v = compile_text("{\"pattern\":\"^(a+)+$\"}", NULL, NULL);
	char s[80];
	memset(s, 'a', 60);
	memcpy(s + 60, "!\"", 3);
	char doc2[90];
	snprintf(doc2, sizeof doc2, "\"%s", s);
	r = report_new();
	tap_is_int(jsonschema_validate_bytes(v, doc2, strlen(doc2), r), 0,
	           "hostile pattern gives up and rejects");
	tap_ok(report_count(r) == 1 && strstr(report_message(r, 0), "match limits"),
	       "and says why: %s", report_count(r) ? report_message(r, 0) : "");
	report_free(r);
	jsonschema_free(v);

	error_clear(&e);
	v = compile_text("{\"pattern\":\"(\"}", NULL, &e);
	tap_ok(!v && e.code == SG_EINVALID_SCHEMA && strstr(e.msg, "#/pattern"),
	       "bad pattern is a schema error with its location: %s", e.msg);
	error_clear(&e);
	v = compile_text("{\"$ref\":\"nowhere.json\"}", NULL, &e);
	tap_ok(!v && e.code == SG_EINVALID_SCHEMA && strstr(e.msg, "nowhere.json"),
	       "unresolvable $ref is a schema error: %s", e.msg);
	error_clear(&e);
	v = compile_text("{\"minimum\":\"x\"}", NULL, &e);
	tap_ok(!v && strstr(e.msg, "#/minimum"), "malformed keyword: %s", e.msg);
}

static void test_named(void)
{
	json_error_t je;
	json_t *customer = json_loads("{\"type\":\"object\",\"required\":[\"name\"],"
	                              "\"properties\":{\"address\":{\"$ref\":\"address.json\"}}}",
	                              0, &je);
	json_t *address =
	    json_loads("{\"$defs\":{\"zip\":{\"type\":\"string\",\"pattern\":\"^[0-9]{5}$\"}},"
	               "\"properties\":{\"zip\":{\"$ref\":\"#/$defs/zip\"}}}",
	               0, &je);
	struct jsonschema_named named[] = {
	    {"customer.json", customer},
	    {"address.json", address},
	};
	struct jsonschema_options o = {.named = named, .nnamed = 2};
	struct sg_error e;
	error_clear(&e);
	struct jsonschema *v =
	    compile_text("{\"$id\":\"https://example.com/order.json\",\"properties\":{"
	                 "\"customer\":{\"$ref\":\"customer.json\"}}}",
	                 &o, &e);
	json_decref(customer);
	json_decref(address);
	tap_ok(v != NULL, "schema with named references compiles: %s", e.msg);
	if (!v)
		return;
	tap_is_int(validate_text(
	               v, "{\"customer\":{\"name\":\"x\",\"address\":{\"zip\":\"12345\"}}}", NULL),
	           1, "named reference chain validates");
	struct report *r = report_new();
	tap_is_int(validate_text(v, "{\"customer\":{\"address\":{\"zip\":\"1\"}}}", r), 0,
	           "named reference chain rejects");
	tap_is_int(report_count(r), 2, "errors from both named schemas");
	tap_ok(report_count(r) == 2 && strcmp(report_location(r, 0), "/customer") == 0 &&
	           strstr(report_message(r, 0), "(at customer.json#/required)"),
	       "first error from customer.json: %s", report_count(r) ? report_message(r, 0) : "");
	tap_ok(report_count(r) == 2 &&
	           strcmp(report_location(r, 1), "/customer/address/zip") == 0 &&
	           strstr(report_message(r, 1), "(at address.json#/$defs/zip/pattern)"),
	       "second from address.json, through a pointer: %s",
	       report_count(r) > 1 ? report_message(r, 1) : "");
	report_free(r);
	jsonschema_free(v);
}

static void test_meta(void)
{
	struct sg_error e;
	json_error_t je;
	json_t *s =
	    json_loads("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"strin\"}}}", 0, &je);
	error_clear(&e);
	tap_is_int(jsonschema_check_meta(s, &e), -1, "meta check rejects a bad type");
	tap_ok(e.code == SG_EINVALID_SCHEMA && strstr(e.msg, "/properties/a/type"),
	       "naming where: %s", e.msg);
	json_decref(s);
	s = json_loads("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
	               "\"minLength\":-1}",
	               0, &je);
	error_clear(&e);
	tap_is_int(jsonschema_check_meta(s, &e), -1, "2020-12 meta check rejects minLength -1");
	tap_ok(strstr(e.msg, "/minLength") != NULL, "naming where: %s", e.msg);
	json_decref(s);
	s = json_loads("{\"$schema\":\"http://json-schema.org/draft-04/schema#\","
	               "\"properties\":{\"a\":{\"type\":\"integer\",\"exclusiveMinimum\":true,"
	               "\"minimum\":1}}}",
	               0, &je);
	error_clear(&e);
	tap_is_int(jsonschema_check_meta(s, &e), 0, "valid draft-04 schema passes: %s", e.msg);
	json_decref(s);
	s = json_loads("{\"$schema\":\"http://example.com/custom\"}", 0, &je);
	error_clear(&e);
	tap_is_int(jsonschema_check_meta(s, &e), -1, "unknown $schema is refused");
	json_decref(s);
	s = json_loads("true", JSON_DECODE_ANY, &je);
	error_clear(&e);
	tap_is_int(jsonschema_check_meta(s, &e), 0, "true is a valid draft-07 schema");
	json_decref(s);
}

static const char orders_schema[] =
    "{\"type\":\"object\",\"required\":[\"orderId\",\"items\"],\"properties\":{"
    "\"orderId\":{\"type\":\"string\",\"pattern\":\"^ord-[0-9]{8}-[0-9]{4}$\"},"
    "\"customer\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64},"
    "\"currency\":{\"enum\":[\"EUR\",\"USD\"]},\"total\":{\"type\":\"number\",\"minimum\":0},"
    "\"items\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"$ref\":\"#/definitions/item\"}}},"
    "\"additionalProperties\":false,\"definitions\":{\"item\":{\"type\":\"object\","
    "\"required\":[\"sku\",\"qty\"],\"properties\":{\"sku\":{\"pattern\":\"^SKU-[0-9]+$\"},"
    "\"qty\":{\"type\":\"integer\",\"minimum\":1}},\"additionalProperties\":false}}}";
static const char orders_doc[] =
    "{\"orderId\":\"ord-20240517-0042\",\"customer\":\"cust-00099137\",\"currency\":\"EUR\","
    "\"total\":1049.97,\"items\":[{\"sku\":\"SKU-100123\",\"qty\":12},"
    "{\"sku\":\"SKU-200245\",\"qty\":1}]}";

/* The gateway's path, jsonschema_validate_bytes() on a small message,
 * allocates nothing once warm (the first call leaves a regex buffer in the
 * validator's pool). */
static void test_allocations(void)
{
	struct jsonschema *v = compile_text(orders_schema, NULL, NULL);
	struct report *r = report_new();
	tap_is_int(jsonschema_validate_bytes(v, orders_doc, strlen(orders_doc), NULL), 1,
	           "orders document is valid");
	long before = failalloc_count();
	int ok = 1;
	for (int i = 0; i < 100; i++) {
		ok &= jsonschema_validate_bytes(v, orders_doc, strlen(orders_doc), NULL) == 1;
		ok &= jsonschema_validate_bytes(v, orders_doc, strlen(orders_doc), r) == 1;
	}
	long made = failalloc_count() - before;
	tap_ok(ok, "200 validations of the raw bytes");
	tap_is_int(made, 0, "with no allocation at all");
	report_free(r);
	jsonschema_free(v);
}

/* Failing the Nth allocation, for every N: compilation and validation give
 * up cleanly (SG_ENOMEM, -1) and leak nothing (ASan checks). */
static void test_allocation_failures(void)
{
	static const char schema[] =
	    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
	    "\"$id\":\"https://example.com/root\",\"$dynamicAnchor\":\"node\","
	    "\"type\":\"object\",\"properties\":{\"name\":{\"pattern\":\"^[a-z]+$\"},"
	    "\"kids\":{\"type\":\"array\",\"items\":{\"$dynamicRef\":\"#node\"},"
	    "\"uniqueItems\":true},\"tag\":{\"enum\":[\"a\",{\"b\":[1,2]}]}},"
	    "\"patternProperties\":{\"^x-\":true},\"anyOf\":[{\"required\":[\"name\"]},"
	    "{\"required\":[\"tag\"]}],\"unevaluatedProperties\":false,"
	    "\"$defs\":{\"d\":{\"$ref\":\"https://json-schema.org/draft/2020-12/schema\"}}}";
	static const char doc[] =
	    "{\"name\":\"Bad\",\"kids\":[{\"name\":\"a\"},{\"name\":\"a\"},{\"zz\":1}],"
	    "\"tag\":{\"b\":[1,2.0]},\"x-1\":0,\"extra\":true}";
	/* A large document too: arena chunks, object index, hashed
	 * uniqueItems, annotation bitmaps on the heap. */
	size_t cap = 64 * 1024, o = 0;
	char *big = malloc(cap);
	o += (size_t)snprintf(big + o, cap - o, "{\"name\":\"ok\",\"kids\":[");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(big + o, cap - o, "%s{\"name\":\"k%c\"}", i ? "," : "",
		                      'a' + i % 26);
	o += (size_t)snprintf(big + o, cap - o, "]");
	for (int i = 0; i < 700; i++)
		o += (size_t)snprintf(big + o, cap - o, ",\"x-%d\":%d", i, i);
	snprintf(big + o, cap - o, "}");
	json_error_t je;
	json_t *s = json_loads(schema, 0, &je);
	json_t *small =
	    json_loads("{\"type\":\"object\",\"properties\":{\"a\":{\"pattern\":\"^x\"}}}", 0, &je);
	int crashes_or_bad = 0, runs = 0, clean = -1;
	json_set_alloc_funcs(failalloc_malloc, free);
	for (long n = 0; n < 100000; n++) {
		failalloc_fail_after(n);
		struct sg_error e, me;
		error_clear(&e);
		error_clear(&me);
		struct jsonschema *v = jsonschema_compile(s, NULL, &e);
		struct report *r = report_new();
		int rc = -2, rc2 = -2;
		if (v && r) {
			rc = jsonschema_validate_bytes(v, doc, strlen(doc), r);
			rc2 = jsonschema_validate_bytes(v, big, strlen(big), r);
		}
		int mrc = jsonschema_check_meta(small, &me);
		failalloc_disarm();
		runs++;
		if ((!v && e.code != SG_ENOMEM) || (v && r && rc != 0 && rc != -1) ||
		    (v && r && rc2 != 0 && rc2 != -1) || (mrc != 0 && me.code != SG_ENOMEM)) {
			crashes_or_bad++;
			tap_diag(
			    "failing allocation %ld: compile %s (%s), validate %d %d, meta %d (%s)",
			    n, v ? "ok" : "failed", e.msg, rc, rc2, mrc, me.msg);
		}
		report_free(r);
		jsonschema_free(v);
		if (!failalloc_fired()) {
			clean = v && rc == 0 && rc2 == 0 && mrc == 0;
			break;
		}
	}
	/* The loop ends on the first run with no failure injected: its answers
	 * must be the normal ones, and it must come. */
	tap_ok(clean == 1, "with no failure injected: both documents invalid, schema conforms");
	free(big);
	/* The 2020-12 meta-schema check makes thousands of allocations, mostly
	 * alike: every one of the first 2000, then every 13th. */
	int meta_bad = 0, meta_runs = 0, meta_clean = -1;
	for (long n = 0; n < 1000000; n += n < 2000 ? 1 : 13) {
		struct sg_error me;
		error_clear(&me);
		failalloc_fail_after(n);
		int mrc = jsonschema_check_meta(s, &me);
		failalloc_disarm();
		meta_runs++;
		if (mrc != 0 && me.code != SG_ENOMEM) {
			meta_bad++;
			tap_diag("failing allocation %ld of the 2020-12 meta check: %s", n, me.msg);
		}
		if (!failalloc_fired()) {
			meta_clean = mrc == 0;
			break;
		}
	}
	tap_ok(meta_clean == 1, "with no failure injected the schema conforms to 2020-12");
	json_set_alloc_funcs(malloc, free);
	json_decref(s);
	json_decref(small);
	tap_is_int(crashes_or_bad, 0, "every one of %d injected allocation failures is handled",
	           runs);
	tap_is_int(meta_bad, 0, "and %d in the 2020-12 meta-schema check", meta_runs);
}

struct thread_arg {
	const struct jsonschema *v;
	int mismatches;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	struct report *r = report_new();
	for (int i = 0; i < 2000; i++) {
		const char *doc =
		    i % 2 ? "{\"name\":\"ab\",\"n\":[1,2,3]}" : "{\"name\":\"a b\",\"n\":[1,1]}";
		report_reset(r);
		int got = validate_text(a->v, doc, r);
		if (got != (i % 2 ? 1 : 0) || (got == 0 && report_count(r) != 2))
			a->mismatches++;
	}
	report_free(r);
	return NULL;
}

static void test_threads(void)
{
	struct jsonschema *v = compile_text(
	    "{\"properties\":{\"name\":{\"pattern\":\"^[a-z]+$\"},\"n\":{\"uniqueItems\":true}},"
	    "\"unevaluatedProperties\":false,\"$schema\":\"https://json-schema.org/draft/2020-12/"
	    "schema\"}",
	    NULL, NULL);
	pthread_t t[4];
	struct thread_arg a[4];
	for (int i = 0; i < 4; i++) {
		a[i] = (struct thread_arg){v, 0};
		pthread_create(&t[i], NULL, thread_main, &a[i]);
	}
	int bad = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		bad += a[i].mismatches;
	}
	tap_is_int(bad, 0, "one validator used by 4 threads at once gives stable results");
	jsonschema_free(v);
}

/* tests/cases/jsonschema/<name>/{schema.json,input.json,expect[,options]} */
static void run_cases(void)
{
	const char *src = getenv("SG_SRCDIR");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/cases/jsonschema", src ? src : ".");
	size_t n = 0;
	char **names = casedir_list(dir, NULL, &n);
	if (!names) {
		tap_ok(0, "case folder %s exists", dir);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char path[4600];
		size_t len;
		snprintf(path, sizeof path, "%s/%s/schema.json", dir, names[i]);
		json_t *schema = load_json(path);
		snprintf(path, sizeof path, "%s/%s/input.json", dir, names[i]);
		char *input = read_file(path, &len);
		snprintf(path, sizeof path, "%s/%s/expect", dir, names[i]);
		size_t elen;
		char *expect = read_file(path, &elen);
		snprintf(path, sizeof path, "%s/%s/options", dir, names[i]);
		size_t olen;
		char *options = read_file(path, &olen);
		struct jsonschema_options o = {0};
		if (options) {
			const char *p = strstr(options, "draft=");
			if (p)
				o.draft = (enum jsonschema_draft)atoi(p + 6);
			o.format_assert = strstr(options, "format=1") != NULL;
		}
		struct sg_error err;
		error_clear(&err);
		struct jsonschema *v = schema ? jsonschema_compile(schema, &o, &err) : NULL;
		if (!v || !input || !expect) {
			tap_ok(0, "case %s: loads and compiles (%s)", names[i], err.msg);
		} else {
			struct report *r = report_new();
			int rc = jsonschema_validate_bytes(v, input, len, r);
			size_t cap = 256 + report_count(r) * 1024, o2 = 0;
			char *got = malloc(cap);
			got[0] = '\0';
			if (rc == 1)
				o2 += (size_t)snprintf(got, cap, "valid\n");
			for (size_t k = 0; k < report_count(r); k++)
				o2 += (size_t)snprintf(got + o2, cap - o2, "%s|%s|%s\n",
				                       report_type(r, k), report_location(r, k),
				                       report_message(r, k));
			if (rc < 0)
				snprintf(got, cap, "internal error\n");
			tap_is_str(got, expect, "case %s", names[i]);
			free(got);
			report_free(r);
			snprintf(path, sizeof path, "%s/%s/one_pass", dir, names[i]);
			size_t plen;
			char *want_pass = read_file(path, &plen);
			if (want_pass) {
				int one = jsonschema_validate_stream(v, input, len);
				tap_is_str(one == 1   ? "shown\n"
				           : one == 0 ? "not shown\n"
				                      : "none\n",
				           want_pass, "case %s: one pass", names[i]);
				free(want_pass);
			}
		}
		jsonschema_free(v);
		json_decref(schema);
		free(input);
		free(expect);
		free(options);
	}
	casedir_free(names);
}

int main(void)
{
	static char dir[4096];
	verbose = getenv("SG_JS_VERBOSE") != NULL;
	test_reports();
	test_numbers();
	test_strings();
	test_parse();
	test_limits();
	test_named();
	test_meta();
	test_threads();
	test_allocations();
	test_allocation_failures();
	run_cases();
	if (tap_external_dir("third_party/JSON-Schema-Test-Suite", "the JSON-Schema-Test-Suite",
	                     dir, sizeof dir)) {
		suite_dir = dir;
		run_suite();
	}
	return tap_done();
}
