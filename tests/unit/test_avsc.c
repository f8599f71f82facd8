/* tests/unit/test_avsc.c: the Avro schema model (compat/avsc).
 *
 * Data-driven: the tests/cases/avsc/ files (found through $SG_SRCDIR) give schemas
 * with their expected printed forms or errors. Hostile inputs are built here.
 * The program is linked with -Wl,--wrap=malloc,calloc,realloc (tests/failalloc.h)
 * so that it can fail the Nth allocation of a parse and check the outcome is
 * SG_ENOMEM.
 */
#include "compat/avro/avsc.h"
#include "compat/error.h"
#include "tests/failalloc.h"
#include "tests/tap.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- helpers ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	if (p)
		p[n] = '\0';
	fclose(f);
	return p;
}

/* Calls `fn` for every JSON line of tests/cases/avsc/NAME. Returns the count. */
static int each_case(const char *name, void (*fn)(const json_t *c, int line))
{
	const char *src = getenv("SG_SRCDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/cases/avsc/%s", src ? src : ".", name);
	char *text = slurp(path);
	if (!tap_ok(text != NULL, "read %s", path))
		return 0;
	int n = 0, line = 0;
	for (char *p = text, *nl; *p; p = nl + 1) {
		line++;
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;
		else
			*nl = '\0';
		if (!*p)
			continue;
		json_error_t je;
		json_t *c = json_loads(p, 0, &je);
		if (!tap_ok(c != NULL, "%s:%d is JSON", name, line))
			continue;
		fn(c, line);
		json_decref(c);
		n++;
	}
	free(text);
	return n;
}

static const char *str(const json_t *c, const char *key)
{
	return json_string_value(json_object_get(c, key));
}

static struct avsc_schema *parse_str(const char *s, struct sg_error *e)
{
	error_clear(e);
	return avsc_parse(s, strlen(s), NULL, 0, e);
}

/* Parses the refs of a case in order; returns how many, or -1. */
static int parse_refs(const json_t *c, struct avsc_schema **refs, int max)
{
	const json_t *arr = json_object_get(c, "refs");
	int n = 0;
	for (size_t i = 0; i < json_array_size(arr) && n < max; i++) {
		struct sg_error e;
		const char *t = json_string_value(json_array_get(arr, i));
		error_clear(&e);
		refs[n] = avsc_parse(t, strlen(t), (const struct avsc_schema *const *)refs,
		                     (size_t)n, &e);
		if (!refs[n]) {
			tap_diag("ref %zu: %s", i, e.msg);
			while (n)
				avsc_free(refs[--n]);
			return -1;
		}
		n++;
	}
	return n;
}

/* Checks one case against its expected forms or error. */
static void check_case(const char *file, const json_t *c, int line)
{
	struct avsc_schema *refs[16];
	int nrefs = parse_refs(c, refs, 16);
	if (!tap_ok(nrefs >= 0, "%s:%d refs parse", file, line))
		return;
	const char *text = str(c, "schema");
	struct sg_error e;
	error_clear(&e);
	struct avsc_schema *s = avsc_parse(
	    text, strlen(text), (const struct avsc_schema *const *)refs, (size_t)nrefs, &e);
	const char *want_err = str(c, "error");
	if (want_err) {
		tap_ok(s == NULL, "%s:%d rejected", file, line);
		tap_is_str(error_name(e.code), str(c, "code"), "%s:%d code", file, line);
		tap_is_str(e.msg, want_err, "%s:%d message", file, line);
	} else if (tap_ok(s != NULL, "%s:%d parses", file, line) || (tap_diag("  %s", e.msg), 0)) {
		tap_is_str(avsc_java_string(s), str(c, "java"), "%s:%d java string", file, line);
		tap_is_str(avsc_canonical_form(s), str(c, "canonical"), "%s:%d canonical form",
		           file, line);
		tap_is_int((int64_t)avsc_fingerprint64(s),
		           json_integer_value(json_object_get(c, "fingerprint")),
		           "%s:%d fingerprint", file, line);
		tap_is_str(avsc_normalized(s), str(c, "normalized"), "%s:%d normalized", file,
		           line);
		const char *lt = avsc_logical_type(avsc_root(s));
		const char *want_lt = str(c, "logical");
		tap_ok(lt == want_lt || (lt && want_lt && strcmp(lt, want_lt) == 0),
		       "%s:%d logical type %s", file, line, want_lt ? want_lt : "(none)");
		/* What Java prints parses back to the same string. (Not with
		 * references: Java may print a type nested in a reference in full,
		 * and a redefinition is refused here; see the README.) */
		if (nrefs)
			goto done;
		struct sg_error e2;
		error_clear(&e2);
		const char *j = avsc_java_string(s);
		struct avsc_schema *again = avsc_parse(
		    j, strlen(j), (const struct avsc_schema *const *)refs, (size_t)nrefs, &e2);
		/* Stable from the second round on (not always on the first, as in
		 * Java: an alias ".bytes" prints as "bytes", read back in the type's
		 * namespace). */
		struct avsc_schema *third = NULL;
		if (again) {
			const char *j2 = avsc_java_string(again);
			third = avsc_parse(j2, strlen(j2), NULL, 0, &e2);
		}
		tap_ok(third && strcmp(avsc_java_string(third), avsc_java_string(again)) == 0,
		       "%s:%d java string parses again and is then stable", file, line);
		avsc_free(third);
		avsc_free(again);
	}
done:
	avsc_free(s);
	while (nrefs)
		avsc_free(refs[--nrefs]);
}

static void case_valid(const json_t *c, int line)
{
	check_case("valid.jsonl", c, line);
}
static void case_invalid(const json_t *c, int line)
{
	check_case("invalid.jsonl", c, line);
}
static void case_refs(const json_t *c, int line)
{
	check_case("refs.jsonl", c, line);
}

static void case_upstream(const json_t *c, int line)
{
	struct sg_error e;
	struct avsc_schema *s = parse_str(str(c, "schema"), &e);
	const char *id = str(c, "id");
	(void)line;
	if (!tap_ok(s != NULL, "schema-tests %s parses", id)) {
		tap_diag("  %s", e.msg);
		return;
	}
	tap_is_str(avsc_canonical_form(s), str(c, "canonical"), "schema-tests %s canonical", id);
	const json_t *fp = json_object_get(c, "fingerprint");
	if (fp)
		tap_is_int((int64_t)avsc_fingerprint64(s), json_integer_value(fp),
		           "schema-tests %s fingerprint", id);
	avsc_free(s);
}

/* Every writer and reader schema of the shared reader/writer suite parses. */
static void test_shared_suite(void)
{
	char dir[4096], path[4200];
	if (!tap_external_dir("suites", "Avro's reader/writer suite", dir, sizeof dir))
		return;
	snprintf(path, sizeof path, "%s/avro-reader-writer.jsonl", dir);
	char *text = slurp(path);
	if (!tap_ok(text != NULL, "the suite %s is readable", path))
		return;
	int total = 0, ok = 0;
	for (char *p = strtok(text, "\n"); p; p = strtok(NULL, "\n")) {
		json_t *c = json_loads(p, 0, NULL);
		const char *keys[] = {"writer", "reader"};
		for (int k = 0; c && k < 2; k++) {
			struct sg_error e;
			char *schema = json_dumps(json_object_get(c, keys[k]), JSON_ENCODE_ANY);
			struct avsc_schema *s = schema ? parse_str(schema, &e) : NULL;
			free(schema);
			total++;
			if (s)
				ok++;
			else
				tap_diag("%s %s: %s", str(c, "id"), keys[k], e.msg);
			avsc_free(s);
		}
		json_decref(c);
	}
	tap_is_int(ok, total, "all %d schemas of the shared reader/writer suite parse", total);
	free(text);
}

/* ---- the model's accessors ---- */

static void test_accessors(void)
{
	const char *text =
	    "{\"type\":\"record\",\"name\":\"Rec\",\"namespace\":\"ns\",\"doc\":\"top\","
	    "\"aliases\":[\"Old\",\"other.Older\"],\"fields\":["
	    "{\"name\":\"a\",\"type\":\"int\",\"default\":7,\"doc\":\"fa\",\"aliases\":[\"x\"]},"
	    "{\"name\":\"b\",\"type\":[\"null\",\"string\"],\"default\":null},"
	    "{\"name\":\"c\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\",\"Y\"],"
	    "\"default\":\"Y\"}},"
	    "{\"name\":\"d\",\"type\":{\"type\":\"array\",\"items\":\"E\"}},"
	    "{\"name\":\"e\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"fixed\",\"name\":"
	    "\"other.F\",\"size\":8,\"logicalType\":\"decimal\",\"precision\":18,\"scale\":3}}},"
	    "{\"name\":\"f\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
	    "\"precision\":4,\"scale\":9}},"
	    "{\"name\":\"g\",\"type\":\"float\",\"default\":\"NaN\"},"
	    "{\"name\":\"h\",\"type\":\"double\",\"default\":\"2.5\"},"
	    "{\"name\":\"next\",\"type\":[\"null\",\"Rec\"]}]}";
	struct sg_error e;
	struct avsc_schema *s = parse_str(text, &e);
	if (!tap_ok(s != NULL, "accessor schema parses") && (tap_diag("%s", e.msg), 1))
		return;
	const struct avsc_node *r = avsc_root(s);
	tap_is_int(avsc_kind(r), AVSC_RECORD, "root is a record");
	tap_is_str(avsc_kind_name(avsc_kind(r)), "record", "kind name");
	tap_is_str(avsc_fullname(r), "ns.Rec", "full name");
	tap_is_str(avsc_name(r), "Rec", "name");
	tap_is_str(avsc_namespace(r), "ns", "namespace");
	tap_is_str(avsc_doc(r), "top", "doc");
	tap_is_int(avsc_alias_count(r), 2, "alias count");
	tap_is_str(avsc_alias(r, 0), "ns.Old", "relative alias is qualified");
	tap_is_str(avsc_alias(r, 1), "other.Older", "full alias kept");
	tap_ok(avsc_alias(r, 2) == NULL, "alias out of range is NULL");
	tap_is_int(avsc_field_count(r), 9, "field count");
	const struct avsc_field *a = avsc_field(r, 0);
	tap_is_str(avsc_field_name(a), "a", "field name");
	tap_is_int(avsc_kind(avsc_field_type(a)), AVSC_INT, "field type");
	tap_ok(json_integer_value(avsc_field_default(a)) == 7, "int default");
	tap_is_str(avsc_field_doc(a), "fa", "field doc");
	tap_is_int(avsc_field_alias_count(a), 1, "field alias count");
	tap_is_str(avsc_field_alias(a, 0), "x", "field alias");
	const struct avsc_field *b = avsc_field_by_name(r, "b");
	tap_ok(b && json_is_null(avsc_field_default(b)), "a null default is json null, not NULL");
	tap_ok(avsc_field_default(avsc_field_by_name(r, "c")) == NULL, "no default is NULL");
	tap_ok(avsc_field_by_name(r, "zz") == NULL, "unknown field is NULL");
	tap_is_int(avsc_branch_count(avsc_field_type(b)), 2, "union branches");
	tap_is_int(avsc_kind(avsc_branch(avsc_field_type(b), 1)), AVSC_STRING, "union branch");
	const struct avsc_node *en = avsc_field_type(avsc_field_by_name(r, "c"));
	tap_is_str(avsc_fullname(en), "ns.E", "nested type inherits the namespace");
	tap_is_int(avsc_symbol_count(en), 2, "symbol count");
	tap_is_str(avsc_symbol(en, 1), "Y", "symbol");
	tap_is_int(avsc_symbol_index(en, "Y"), 1, "symbol index");
	tap_is_int(avsc_symbol_index(en, "Z"), -1, "unknown symbol index");
	tap_is_str(avsc_enum_default(en), "Y", "enum default");
	const struct avsc_node *arr = avsc_field_type(avsc_field_by_name(r, "d"));
	tap_ok(avsc_items(arr) == en, "a named type is one node however often used");
	const struct avsc_node *fx = avsc_values(avsc_field_type(avsc_field_by_name(r, "e")));
	tap_is_str(avsc_fullname(fx), "other.F", "dotted name is a full name");
	tap_is_int(avsc_fixed_size(fx), 8, "fixed size");
	tap_is_str(avsc_logical_type(fx), "decimal", "decimal on fixed");
	tap_is_int(avsc_decimal_precision(fx), 18, "precision");
	tap_is_int(avsc_decimal_scale(fx), 3, "scale");
	const struct avsc_node *bad = avsc_field_type(avsc_field_by_name(r, "f"));
	tap_ok(avsc_logical_type(bad) == NULL, "invalid decimal is ignored");
	tap_is_int(avsc_decimal_precision(bad), 0, "no precision when ignored");
	const json_t *g = avsc_field_default(avsc_field_by_name(r, "g"));
	tap_ok(json_is_string(g), "NaN default stays a string");
	const json_t *h = avsc_field_default(avsc_field_by_name(r, "h"));
	tap_ok(json_is_real(h) && json_real_value(h) == 2.5,
	       "text default of a double is a number");
	const struct avsc_node *next = avsc_field_type(avsc_field_by_name(r, "next"));
	tap_ok(avsc_branch(next, 1) == r, "recursive reference is the record itself");
	tap_ok(avsc_lookup(s, "ns.E") == en, "lookup by full name");
	tap_ok(avsc_lookup(s, "E") == NULL, "lookup wants the full name");
	tap_ok(avsc_fullname(avsc_field_type(a)) == NULL, "primitives have no name");
	tap_ok(avsc_namespace(avsc_field_type(a)) == NULL, "primitives have no namespace");

	/* References: types are visible by full name and found by lookup. */
	struct avsc_schema *s2;
	const struct avsc_schema *refs[] = {s};
	const char *t2 =
	    "{\"type\":\"record\",\"name\":\"Use\",\"namespace\":\"ns\",\"fields\":["
	    "{\"name\":\"r\",\"type\":\"Rec\"},{\"name\":\"f\",\"type\":\"other.F\"}]}";
	error_clear(&e);
	s2 = avsc_parse(t2, strlen(t2), refs, 1, &e);
	if (tap_ok(s2 != NULL, "schema with a reference parses") || (tap_diag("%s", e.msg), 0)) {
		tap_ok(avsc_lookup(s2, "ns.E") == en, "lookup finds a type of the reference");
		tap_ok(avsc_field_type(avsc_field(avsc_root(s2), 0)) == r,
		       "a referenced type is the reference's node");
		tap_is_str(avsc_java_string(s2),
		           "{\"type\":\"record\",\"name\":\"Use\",\"namespace\":\"ns\",\"fields\":["
		           "{\"name\":\"r\",\"type\":\"Rec\"},{\"name\":\"f\",\"type\":{\"type\":"
		           "\"fixed\",\"name\":\"F\",\"namespace\":\"other\",\"size\":8,"
		           "\"logicalType\":\"decimal\",\"precision\":18,\"scale\":3}}]}",
		           "java string: the reference's root by name, its nested types in full");
		tap_is_str(avsc_canonical_form(s2),
		           "{\"name\":\"ns.Use\",\"type\":\"record\",\"fields\":[{\"name\":\"r\","
		           "\"type\":\"ns.Rec\"},{\"name\":\"f\",\"type\":\"other.F\"}]}",
		           "canonical form: referenced types by full name");
	}
	avsc_free(s2);
	const char *t3 =
	    "{\"type\":\"enum\",\"name\":\"E\",\"namespace\":\"ns\",\"symbols\":[\"Q\"]}";
	error_clear(&e);
	s2 = avsc_parse(t3, strlen(t3), refs, 1, &e);
	tap_ok(s2 == NULL && strstr(e.msg, "redefinition of 'ns.E'"),
	       "a type of a reference cannot be redefined");
	avsc_free(s2);
	avsc_free(s);
	avsc_free(NULL);
	tap_ok(avsc_java_string(NULL) == NULL && avsc_root(NULL) == NULL, "NULL schema accessors");
}

/* ---- hostile input ---- */

static char *repeat3(const char *head, size_t n, const char *mid, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail), ml = strlen(mid);
	char *p = malloc(n * (hl + tl) + ml + 1), *o = p;
	for (size_t i = 0; i < n; i++, o += hl)
		memcpy(o, head, hl);
	memcpy(o, mid, ml);
	o += ml;
	for (size_t i = 0; i < n; i++, o += tl)
		memcpy(o, tail, tl);
	*o = '\0';
	return p;
}

static void expect_error(const char *text, size_t len, int code, const char *substr,
                         const char *what)
{
	struct sg_error e;
	error_clear(&e);
	struct avsc_schema *s = avsc_parse(text, len, NULL, 0, &e);
	tap_ok(s == NULL && e.code == code && (!substr || strstr(e.msg, substr)), "%s", what) ||
	    (tap_diag("  got %s: %s", error_name(e.code), e.msg), 0);
	tap_ok(strlen(e.msg) < SG_ERROR_MSG_MAX, "%s: message bounded", what);
	avsc_free(s);
}

static void test_hostile(void)
{
	char *t = repeat3("[", 10000, "", "]");
	expect_error(t, strlen(t), SG_ELIMIT, "nested too deeply",
	             "10,000 nested arrays: SG_ELIMIT");
	free(t);
	t = repeat3("{\"type\":\"array\",\"items\":", 10000, "\"int\"", "}");
	expect_error(t, strlen(t), SG_ELIMIT, NULL, "10,000 nested array types: SG_ELIMIT");
	free(t);
	t = repeat3("{\"type\":\"map\",\"values\":", AVSC_MAX_DEPTH, "\"int\"", "}");
	expect_error(t, strlen(t), SG_ELIMIT, "deeper than 1000",
	             "AVSC_MAX_DEPTH + 1 levels: SG_ELIMIT");
	free(t);
	t = repeat3("{\"type\":\"map\",\"values\":", AVSC_MAX_DEPTH - 1, "\"int\"", "}");
	struct sg_error e;
	struct avsc_schema *s = parse_str(t, &e);
	tap_ok(s != NULL, "AVSC_MAX_DEPTH levels parse") || (tap_diag("%s", e.msg), 0);
	avsc_free(s);
	free(t);
	t = repeat3("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":",
	            800, "\"nope\"", "}]}");
	expect_error(t, strlen(t), SG_ELIMIT, NULL, "deep records hit the JSON depth limit");
	free(t);
	t = repeat3("[", 5000, "", "]");
	char *d = malloc(strlen(t) + 100);
	sprintf(d,
	        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\","
	        "\"default\":%s}]}",
	        t);
	expect_error(d, strlen(d), SG_ELIMIT, NULL, "deeply nested default: SG_ELIMIT");
	free(d);
	free(t);

	/* A pointer too long for a message is cut at its start. */
	t = repeat3("{\"type\":\"array\",\"items\":", 400, "\"nope\"", "}");
	expect_error(t, strlen(t), SG_EINVALID_SCHEMA, "/items/items: unknown type 'nope'",
	             "long pointer: its tail is kept");
	free(t);

	static const char *const bad_utf8[] = {
	    "\"\xff\"",
	    "{\"type\":\"record\",\"name\":\"R\",\"doc\":\"\xc0\xaf\",\"fields\":[]}",
	    "{\"type\":\"record\",\"name\":\"R\",\"doc\":\"\xed\xa0\x80\",\"fields\":[]}",
	    "{\"type\":\"string\",\"x\":\"\xe2\x82\"}",
	};
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++)
		expect_error(bad_utf8[i], strlen(bad_utf8[i]), SG_EINVALID_SCHEMA, "invalid JSON",
		             "invalid UTF-8 is refused");
	expect_error("\"int\" x", 7, SG_EINVALID_SCHEMA, "invalid JSON", "trailing garbage");
	expect_error("", 0, SG_EINVALID_SCHEMA, "invalid JSON", "empty input");
	expect_error(NULL, 0, SG_EINVALID_SCHEMA, "invalid JSON", "NULL input");
	expect_error("\"int\"\0\"x\"", 9, SG_EINVALID_SCHEMA, "invalid JSON",
	             "NUL byte in the text");

	/* Huge names: accepted when valid, quoted short in messages when not. */
	size_t big = 1 << 20;
	char *name = malloc(big + 1);
	memset(name, 'a', big);
	name[big] = '\0';
	t = malloc(big + 100);
	sprintf(t, "{\"type\":\"fixed\",\"name\":\"%s\",\"size\":1}", name);
	s = parse_str(t, &e);
	tap_ok(s && strlen(avsc_fullname(avsc_root(s))) == big, "a 1 MiB name is accepted");
	avsc_free(s);
	name[big - 1] = '-';
	sprintf(t, "{\"type\":\"fixed\",\"name\":\"%s\",\"size\":1}", name);
	expect_error(t, strlen(t), SG_EINVALID_SCHEMA, "...': a name must match",
	             "a 1 MiB invalid name is shortened in the message");
	free(t);
	free(name);

	/* Many fields: linear, with the duplicate at the end found. */
	size_t nf = 100000;
	t = malloc(nf * 40 + 100);
	char *o = t + sprintf(t, "{\"type\":\"record\",\"name\":\"R\",\"fields\":[");
	for (size_t i = 0; i < nf; i++)
		o += sprintf(o, "%s{\"name\":\"f%zu\",\"type\":\"int\"}", i ? "," : "", i);
	strcpy(o, "]}");
	clock_t t0 = clock();
	s = parse_str(t, &e);
	tap_ok(s && avsc_field_by_name(avsc_root(s), "f99999") == avsc_field(avsc_root(s), 99999),
	       "100,000 fields parse and index");
	tap_ok((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0, "100,000 fields parse in < 5 s");
	avsc_free(s);
	sprintf(o, ",{\"name\":\"f5\",\"type\":\"int\"}]}");
	expect_error(t, strlen(t), SG_EINVALID_SCHEMA,
	             "/fields/100000/name: duplicate field name 'f5'",
	             "duplicate among 100,001 fields");
	free(t);

	/* Defaults of records made of records: each stored default is checked
	 * once, not expanded (2^60 otherwise). */
	t = malloc(64 * 200 + 200);
	o = t + sprintf(t,
	                "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"r0\",\"type\":"
	                "{\"type\":\"record\",\"name\":\"R0\",\"fields\":[{\"name\":\"x\","
	                "\"type\":\"int\",\"default\":0}]},\"default\":{}}");
	for (int i = 1; i <= 60; i++)
		o += sprintf(o,
		             ",{\"name\":\"r%d\",\"type\":{\"type\":\"record\",\"name\":\"R%d\","
		             "\"fields\":[{\"name\":\"a\",\"type\":\"R%d\",\"default\":{}},"
		             "{\"name\":\"b\",\"type\":\"R%d\",\"default\":{}}]},\"default\":{}}",
		             i, i, i - 1, i - 1);
	strcpy(o, "]}");
	t0 = clock();
	s = parse_str(t, &e);
	tap_ok(s != NULL, "60 levels of defaulted records parse") || (tap_diag("%s", e.msg), 0);
	tap_ok((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0, "... in < 2 s");
	avsc_free(s);
	free(t);
}

/* ---- allocation failures ---- */

/* jansson reports an allocation failure inside its lexer as a syntax error at
 * a valid token; such results are counted apart, every other failure must be
 * SG_ENOMEM. */
static int lexer_oom(const struct sg_error *e)
{
	return e->code == SG_EINVALID_SCHEMA && strncmp(e->msg, "invalid JSON at line 1", 22) == 0;
}

static void nomem_run(const char *what, const char *text, const char *ref)
{
	int ok_all = 1, lexer = 0;
	long n;
	for (n = 0; n < 100000; n++) {
		struct sg_error e;
		struct avsc_schema *r = NULL, *s;
		const struct avsc_schema *refs[1];
		error_clear(&e);
		failalloc_fail_after(n);
		if (ref) {
			r = avsc_parse(ref, strlen(ref), NULL, 0, &e);
			if (!r) {
				if (lexer_oom(&e))
					lexer++;
				else if (e.code != SG_ENOMEM)
					ok_all = 0, tap_diag("alloc %ld (ref): %s", n, e.msg);
				continue;
			}
			refs[0] = r;
		}
		s = avsc_parse(text, strlen(text), refs, ref ? 1 : 0, &e);
		failalloc_disarm();
		if (!s && lexer_oom(&e)) {
			lexer++;
		} else if (!s && e.code != SG_ENOMEM) {
			ok_all = 0;
			tap_diag("alloc %ld: %s %s", n, error_name(e.code), e.msg);
		}
		avsc_free(s);
		avsc_free(r);
		if (s && !failalloc_fired())
			break;
	}
	tap_ok(ok_all, "%s: every failed allocation (%ld tried) gives SG_ENOMEM", what, n);
	tap_diag("%s: %d failures inside jansson's lexer reported as invalid JSON", what, lexer);
	tap_ok(n < 100000, "%s: parses once allocations succeed", what);
}

static void test_nomem(void)
{
	nomem_run("record",
	          "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"n\",\"aliases\":[\"A\"],"
	          "\"fields\":[{\"name\":\"a\",\"type\":[\"null\",{\"type\":\"enum\","
	          "\"name\":\"E\",\"symbols\":[\"X\",\"Y\"]}],\"default\":null,\"p\":{\"z\":1,"
	          "\"a\":[1.5]}},{\"name\":\"b\",\"type\":{\"type\":\"map\",\"values\":"
	          "{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}},\"default\":{\"k\":"
	          "\"abcd\"},\"aliases\":[\"bb\"]},{\"name\":\"c\",\"type\":\"float\","
	          "\"default\":\"1.5\"},{\"name\":\"d\",\"type\":{\"type\":\"bytes\","
	          "\"logicalType\":\"decimal\",\"precision\":5,\"x\":2}}]}",
	          NULL);
	nomem_run(
	    "with a reference",
	    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"n.E\"}]}",
	    "{\"type\":\"enum\",\"name\":\"E\",\"namespace\":\"n\",\"symbols\":[\"A\"]}");
}

int main(void)
{
	json_set_alloc_funcs(failalloc_malloc, free);
	tap_ok(each_case("upstream-schema-tests.jsonl", case_upstream) == 34,
	       "34 upstream schema-tests cases");
	tap_ok(each_case("valid.jsonl", case_valid) > 200, "valid cases");
	tap_ok(each_case("invalid.jsonl", case_invalid) > 80, "invalid cases");
	tap_ok(each_case("refs.jsonl", case_refs) > 5, "reference cases");
	test_shared_suite();
	test_accessors();
	test_hostile();
	test_nomem();
	return tap_done();
}
