/* tests/unit/test_pbcompat.c: Confluent's Protobuf compatibility rules
 * (compat/protobuf/pbcompat) against Confluent's own diff examples
 * ($SG_SHARED/suites/protobuf-confluent-diff.jsonl: the multiset of changes,
 * the BACKWARD verdict, through pbcompat and through schema_compatible() with
 * real references, and the `confluent:reserved` metadata through
 * registry/reserved), then hand-written cases for what the suite leaves out:
 * the 409 wording of every incompatible change, Java's HashSet order, map
 * entry messages, enums, recursion through references, the seven levels,
 * the work limit, and every allocation failed in turn.
 *
 * Environment: SG_SHARED (the suites). The suite is one skip when
 * $SG_SHARED/suites does not exist (tests/tap.h, tap_external_dir); with
 * that folder, a missing or short suite fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat/error.h"
#include "compat/protobuf/pbcompat.h"
#include "compat/protobuf/pbfile.h"
#include "compat/report.h"
#include "compat/schema.h"
#include "registry/reserved.h"
#include "tests/failalloc.h"
#include "tests/tap.h"

#define MAX_DEPS 8

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The findings of `r` as "TYPE path", joined sorted with "; " (caller frees). */
static char *changes_of(const struct report *r)
{
	size_t n = report_count(r), len = 1;
	char **v = calloc(n + 1, sizeof *v);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(report_type(r, i)) + strlen(report_location(r, i)) + 2;
		v[i] = malloc(l);
		snprintf(v[i], l, "%s %s", report_type(r, i), report_location(r, i));
		len += l + 2;
	}
	qsort(v, n, sizeof *v, cmp_str);
	char *s = calloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(s, "; ");
		strcat(s, v[i]);
		free(v[i]);
	}
	free(v);
	return s;
}

/* The findings of `r` in order, "TYPE path" joined with "; " (caller frees). */
static char *changes_in_order(const struct report *r)
{
	size_t len = 1;
	for (size_t i = 0; i < report_count(r); i++)
		len += strlen(report_type(r, i)) + strlen(report_location(r, i)) + 3;
	char *s = calloc(1, len);
	for (size_t i = 0; i < report_count(r); i++) {
		if (i)
			strcat(s, "; ");
		strcat(s, report_type(r, i));
		strcat(s, " ");
		strcat(s, report_location(r, i));
	}
	return s;
}

static char *strings_of(const json_t *arr)
{
	size_t n = json_array_size(arr), len = 1;
	char **v = calloc(n + 1, sizeof *v);
	for (size_t i = 0; i < n; i++) {
		v[i] = strdup(json_string_value(json_array_get(arr, i)));
		len += strlen(v[i]) + 2;
	}
	qsort(v, n, sizeof *v, cmp_str);
	char *s = calloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(s, "; ");
		strcat(s, v[i]);
		free(v[i]);
	}
	free(v);
	return s;
}

/* One side of a suite case: its file and dependencies, as pbfile models
 * (for pbcompat) and as schemas (for schema_compatible()). */
struct side {
	struct pbfile *file;
	struct pbfile *dep_files[MAX_DEPS];
	char origins[MAX_DEPS][256];
	struct pbcompat_dep deps[MAX_DEPS];
	struct schema *dep_schemas[MAX_DEPS];
	struct schema_ref refs[MAX_DEPS];
	size_t n;
	struct schema *schema;
};

static void side_free(struct side *s)
{
	pbfile_free(s->file);
	schema_free(s->schema);
	for (size_t i = 0; i < s->n; i++) {
		pbfile_free(s->dep_files[i]);
		schema_free(s->dep_schemas[i]);
	}
}

/* Loads `text` with dependencies `deps` ([{name, dependency}]) and
 * references `refs` ([{name, subject, version}]). Returns 0, or -1 with
 * `why`. */
static int side_load(struct side *s, const char *text, const json_t *deps, const json_t *refs,
                     struct sg_error *why)
{
	memset(s, 0, sizeof *s);
	size_t i;
	json_t *d;
	json_array_foreach(deps, i, d)
	{
		if (s->n == MAX_DEPS)
			return error_set(why, SG_ELIMIT, "too many dependencies");
		const char *name = json_string_value(json_object_get(d, "name"));
		const char *dtext = json_string_value(json_object_get(d, "dependency"));
		snprintf(s->origins[s->n], sizeof s->origins[s->n], "%s", name);
		size_t k;
		json_t *r;
		json_array_foreach(refs, k, r)
		{
			if (strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
				snprintf(s->origins[s->n], sizeof s->origins[s->n], "%s@%lld",
				         json_string_value(json_object_get(r, "subject")),
				         json_integer_value(json_object_get(r, "version")));
		}
		s->dep_files[s->n] = pbfile_parse(dtext, strlen(dtext), why);
		s->dep_schemas[s->n] =
		    schema_parse(SCHEMA_PROTOBUF, dtext, strlen(dtext), NULL, 0, why);
		if (!s->dep_files[s->n] || !s->dep_schemas[s->n]) {
			s->n++;
			return -1;
		}
		s->deps[s->n] = (struct pbcompat_dep){name, s->dep_files[s->n], s->origins[s->n]};
		s->refs[s->n] = (struct schema_ref){name, s->dep_schemas[s->n]};
		s->n++;
	}
	s->file = pbfile_parse(text, strlen(text), why);
	s->schema = schema_parse(SCHEMA_PROTOBUF, text, strlen(text), s->refs, s->n, why);
	return s->file && s->schema ? 0 : -1;
}

static struct pbcompat_schema side_pb(const struct side *s)
{
	return (struct pbcompat_schema){s->file, s->deps, s->n};
}

/* A suite case. Returns the number of failed checks. */
static int suite_case(const json_t *c)
{
	const char *id = json_string_value(json_object_get(c, "id"));
	int want = json_is_true(json_object_get(c, "expected_backward"));
	struct side o, u;
	struct sg_error e;
	error_clear(&e);
	int fails = 0;
	if (!tap_ok(side_load(&o, json_string_value(json_object_get(c, "original_schema")),
	                      json_object_get(c, "original_dependencies"),
	                      json_object_get(c, "original_references"), &e) == 0 &&
	                side_load(&u, json_string_value(json_object_get(c, "update_schema")),
	                          json_object_get(c, "update_dependencies"),
	                          json_object_get(c, "update_references"), &e) == 0,
	            "%s: both sides parse", id)) {
		tap_diag("  %s", e.msg);
		side_free(&o);
		side_free(&u);
		return 1;
	}
	struct pbcompat_schema os = side_pb(&o), us = side_pb(&u);
	struct report *all = report_new(), *bad = report_new();
	int got = pbcompat_check(&us, &os, 1, all, &e);
	char *g = changes_of(all), *w = strings_of(json_object_get(c, "changes"));
	if (!tap_is_str(g, w, "%s: the changes", id))
		fails++;
	free(g);
	free(w);
	/* the registry's path: incompatible changes only, through the table */
	int via = schema_compatible(u.schema, o.schema, SCHEMA_POLICY_STRICT, bad, &e);
	size_t nbad = 0;
	for (size_t i = 0; i < report_count(all); i++)
		nbad += !pbcompat_change_compatible(pbcompat_change_parse(report_type(all, i)));
	if (!tap_ok(got == via && report_count(bad) == nbad, "%s: schema_compatible() agrees",
	            id)) {
		tap_diag("  pbcompat %d, schema_compatible %d (%s), %zu of %zu findings", got, via,
		         e.msg, report_count(bad), nbad);
		fails++;
	}
	/* confluent:reserved, as the registry checks it after the rules */
	json_t *msgs = json_array();
	int reserved = reserved_check(u.schema, json_object_get(c, "update_metadata"),
	                              json_object_get(c, "original_metadata"), msgs, &e);
	int verdict = got == 1 && reserved == 0;
	if (!tap_ok(verdict == want, "%s: BACKWARD is %s", id,
	            want ? "compatible" : "incompatible")) {
		tap_diag("  pbcompat %d, reserved findings %d", got, reserved);
		fails++;
	}
	json_decref(msgs);
	report_free(all);
	report_free(bad);
	side_free(&o);
	side_free(&u);
	return fails;
}

static void confluent_suite(void)
{
	char dir[4096], path[4200];
	if (!tap_external_dir("suites", "Confluent's Protobuf diff suite", dir, sizeof dir))
		return;
	snprintf(path, sizeof path, "%s/protobuf-confluent-diff.jsonl", dir);
	FILE *f = fopen(path, "r");
	if (!tap_ok(f != NULL, "open %s", path))
		return;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int cases = 0, failed = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t je;
		json_t *c = json_loadb(line, (size_t)len, 0, &je);
		if (!tap_ok(c != NULL, "suite line parses")) {
			tap_diag("  %s", je.text);
			continue;
		}
		cases++;
		failed += suite_case(c) != 0;
		json_decref(c);
	}
	free(line);
	fclose(f);
	tap_ok(cases == 54, "Confluent's Protobuf diff suite has 54 cases (read %d)", cases);
	tap_diag("Confluent's Protobuf diff suite: %d of %d cases pass", cases - failed, cases);
}

/* ---- hand-written cases ---- */

/* Compares two files without dependencies; the changes in order (all of
 * them when `all`) into `out`. Returns the verdict. */
static int compare(const char *old, const char *new, int all, char **out)
{
	struct sg_error e;
	error_clear(&e);
	struct pbfile *o = pbfile_parse(old, strlen(old), &e);
	struct pbfile *n = pbfile_parse(new, strlen(new), &e);
	if (!o || !n) {
		tap_diag("  parse: %s", e.msg);
		pbfile_free(o);
		pbfile_free(n);
		*out = strdup("");
		return -2;
	}
	struct pbcompat_schema os = {o, NULL, 0}, ns = {n, NULL, 0};
	struct report *r = report_new();
	int rc = pbcompat_check(&ns, &os, all, r, &e);
	*out = changes_in_order(r);
	report_free(r);
	pbfile_free(o);
	pbfile_free(n);
	return rc;
}

static void expect(const char *name, const char *old, const char *new, int verdict,
                   const char *changes)
{
	char *got;
	int rc = compare(old, new, 1, &got);
	tap_is_int(rc, verdict, "%s: verdict", name);
	tap_is_str(got, changes, "%s: changes in Confluent's order", name);
	free(got);
}

static void hand_cases(void)
{
	/* messages by Java's HashSet order: "Q" and "A" share bucket 1 (in
	 * declaration order), "B" is in bucket 2, "Z" in bucket 10 */
	expect("HashSet order", "message B {}\nmessage Q {}\nmessage A {}\n", "message Z {}\n", 0,
	       "MESSAGE_REMOVED #/Q; MESSAGE_REMOVED #/A; MESSAGE_REMOVED #/B; MESSAGE_ADDED #/Z");
	expect("moved", "syntax = \"proto3\";\nmessage A {}\nmessage B {}\n",
	       "syntax = \"proto3\";\nmessage B {}\nmessage A {}\n", 1,
	       "MESSAGE_MOVED #/A; MESSAGE_MOVED #/B");
	/* oneofs in name order, then the fields in tag order, a oneof member
	 * compared where it is now */
	expect(
	    "oneofs, then fields",
	    "syntax = \"proto3\";\nmessage M {\n  oneof z { int32 a = 5; }\n  string s = 9;\n}\n",
	    "syntax = \"proto3\";\nmessage M {\n  oneof b { sint32 a = 5; }\n  bytes s = 9;\n  "
	    "int64 t = 2;\n}\n",
	    0,
	    "ONEOF_ADDED #/M/b; ONEOF_REMOVED #/M/z; FIELD_ADDED #/M/2; "
	    "FIELD_SCALAR_KIND_CHANGED #/M/b/5");
	/* a map entry message (as a descriptor has it) stands for map<K, V>,
	 * and its going is no MESSAGE_REMOVED */
	static const char entry[] =
	    "syntax = \"proto3\";\nmessage M {\n  repeated MEntry m = 1;\n  message MEntry {\n"
	    "    option map_entry = true;\n    string key = 1;\n    int32 value = 2;\n  }\n}\n";
	expect("map entry", entry,
	       "syntax = \"proto3\";\nmessage M {\n  map<string, int64> m = 1;\n}\n", 1, "");
	expect("map entry value", entry,
	       "syntax = \"proto3\";\nmessage M {\n  map<string, sint32> m = 1;\n}\n", 0,
	       "FIELD_SCALAR_KIND_CHANGED #/M/1");
	expect("map key", "syntax = \"proto3\";\nmessage M {\n  map<string, int32> m = 1;\n}\n",
	       "syntax = \"proto3\";\nmessage M {\n  map<int32, int32> m = 1;\n}\n", 0,
	       "FIELD_SCALAR_KIND_CHANGED #/M/1");
	expect("map to message",
	       "syntax = \"proto3\";\nmessage M {\n  map<string, int32> m = 1;\n}\n",
	       "syntax = \"proto3\";\nmessage M {\n  M m = 1;\n}\n", 0, "FIELD_KIND_CHANGED #/M/1");
	/* enum constants by number (Integer keys of a HashSet) */
	expect("enum constants", "enum E {\n  A = 0;\n  B = 1;\n  C = 2;\n}\n",
	       "enum E {\n  A = 0;\n  BB = 1;\n  D = 3;\n}\n", 1,
	       "ENUM_CONST_CHANGED #/E/1; ENUM_CONST_REMOVED #/E/2; ENUM_CONST_ADDED #/E/3");
	/* an enum field is a general number */
	expect("int32 to enum",
	       "syntax = \"proto3\";\nmessage M {\n  int32 e = 1;\n}\nenum E {\n  A = 0;\n}\n",
	       "syntax = \"proto3\";\nmessage M {\n  E e = 1;\n}\nenum E {\n  A = 0;\n}\n", 1, "");
	expect("sint32 to enum",
	       "syntax = \"proto3\";\nmessage M {\n  sint32 e = 1;\n}\nenum E {\n  A = 0;\n}\n",
	       "syntax = \"proto3\";\nmessage M {\n  E e = 1;\n}\nenum E {\n  A = 0;\n}\n", 0,
	       "FIELD_SCALAR_KIND_CHANGED #/M/1");
	expect("enum label", "message M {\n  optional E e = 1;\n  enum E {\n    A = 0;\n  }\n}\n",
	       "message M {\n  repeated E e = 1;\n  enum E {\n    A = 0;\n  }\n}\n", 0,
	       "FIELD_NUMERIC_LABEL_CHANGED #/M/1");
	/* fixed32 and sfixed32 share a group, fixed32 and fixed64 do not */
	expect("fixed", "message M {\n  optional fixed32 a = 1;\n  optional fixed32 b = 2;\n}\n",
	       "message M {\n  optional sfixed32 a = 1;\n  optional fixed64 b = 2;\n}\n", 0,
	       "FIELD_SCALAR_KIND_CHANGED #/M/2");
	expect("required removed", "message M {\n  required int32 a = 1;\n}\n", "message M {}\n", 0,
	       "REQUIRED_FIELD_REMOVED #/M/1");
	expect("package", "package a.b;\nmessage M {}\n", "message M {}\n", 0,
	       "PACKAGE_CHANGED #/");
	expect("nested path", "message O {\n  message I {\n    optional string s = 1;\n  }\n}\n",
	       "message O {\n  message I {\n    optional Other s = 1;\n  }\n}\nmessage Other {}\n",
	       /* "O" and "Other" share bucket 15: the original's key first */
	       0, "FIELD_KIND_CHANGED #/O/I/1; MESSAGE_ADDED #/Other");
	/* a local message type is compared where it is defined, not through
	 * the field; an unresolved name by its spelling */
	expect("local type",
	       "message M {\n  optional N n = 1;\n}\nmessage N {\n  optional int32 x = 1;\n}\n",
	       "message M {\n  optional N n = 1;\n}\nmessage N {\n  optional string x = 1;\n}\n", 0,
	       "FIELD_SCALAR_KIND_CHANGED #/N/1");
	expect("well-known",
	       "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\n"
	       "message M {\n  google.protobuf.Timestamp t = 1;\n  google.protobuf.NullValue n = "
	       "2;\n}\n",
	       "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\n"
	       "message M {\n  .google.protobuf.Timestamp t = 1;\n  int64 n = 2;\n}\n",
	       1, "");
}

/* Builds `old`/`new` with one dependency each, of different origins. */
static int compare_with_dep(const char *dep_old, const char *dep_new, const char *main_text,
                            struct report *r, struct sg_error *e)
{
	struct pbfile *d0 = pbfile_parse(dep_old, strlen(dep_old), e);
	struct pbfile *d1 = pbfile_parse(dep_new, strlen(dep_new), e);
	struct pbfile *m0 = pbfile_parse(main_text, strlen(main_text), e);
	struct pbfile *m1 = pbfile_parse(main_text, strlen(main_text), e);
	int rc = -2;
	if (d0 && d1 && m0 && m1) {
		struct pbcompat_dep od = {"d.proto", d0, "d@1"}, nd = {"d.proto", d1, "d@2"};
		struct pbcompat_schema os = {m0, &od, 1}, ns = {m1, &nd, 1};
		rc = pbcompat_check(&ns, &os, 1, r, e);
	}
	pbfile_free(d0);
	pbfile_free(d1);
	pbfile_free(m0);
	pbfile_free(m1);
	return rc;
}

static void references(void)
{
	struct sg_error e;
	error_clear(&e);
	struct report *r = report_new();
	/* a recursive message in a reference: compared once per chain */
	int rc = compare_with_dep(
	    "package d;\nmessage N {\n  optional int32 x = 1;\n  optional N next = 2;\n}\n",
	    "package d;\nmessage N {\n  optional sint32 x = 1;\n  optional N next = 2;\n}\n",
	    "import \"d.proto\";\nmessage M {\n  optional d.N n = 1;\n}\n", r, &e);
	tap_is_int(rc, 0, "recursive referenced message: incompatible");
	char *got = changes_in_order(r);
	tap_is_str(got, "FIELD_SCALAR_KIND_CHANGED #/N/1; FIELD_NAMED_TYPE_CHANGED #/M/1",
	           "recursive referenced message: located under its local name, then the field");
	free(got);

	/* a message stays entered while its nested types are compared: the
	 * nested I's field back to O does not compare O again */
	report_reset(r);
	rc = compare_with_dep(
	    "package d;\nmessage O {\n  optional int32 x = 1;\n  optional I i = 2;\n"
	    "  message I {\n    optional O back = 1;\n  }\n}\n",
	    "package d;\nmessage O {\n  optional sint32 x = 1;\n  optional I i = 2;\n"
	    "  message I {\n    optional O back = 1;\n  }\n}\n",
	    "import \"d.proto\";\nmessage M {\n  optional d.O o = 1;\n}\n", r, &e);
	got = changes_in_order(r);
	tap_is_str(got, "FIELD_SCALAR_KIND_CHANGED #/O/1; FIELD_NAMED_TYPE_CHANGED #/M/1",
	           "a nested type's field back to its enclosing message: compared once");
	free(got);

	/* the same subject and version: not compared again */
	report_reset(r);
	static const char t0[] = "package d;\nmessage N {\n  optional int32 x = 1;\n}\n";
	static const char t1[] = "package d;\nmessage N {\n  optional sint32 x = 1;\n}\n";
	static const char tm[] = "import \"d.proto\";\nmessage M {\n  optional d.N n = 1;\n}\n";
	struct pbfile *d0 = pbfile_parse(t0, strlen(t0), &e);
	struct pbfile *d1 = pbfile_parse(t1, strlen(t1), &e);
	struct pbfile *m = pbfile_parse(tm, strlen(tm), &e);
	struct pbcompat_dep od = {"d.proto", d0, "d@1"}, nd = {"d.proto", d1, "d@1"};
	struct pbcompat_schema os = {m, &od, 1}, ns = {m, &nd, 1};
	tap_is_int(pbcompat_check(&ns, &os, 1, r, &e), 1,
	           "a reference to the same subject and version is not compared");
	pbfile_free(d0);
	pbfile_free(d1);
	pbfile_free(m);

	/* 2^24 comparisons through references: the work limit */
	char dep[8192];
	size_t len = 0;
	len += (size_t)snprintf(dep + len, sizeof dep - len, "package d;\n");
	for (int i = 0; i < 24; i++)
		len += (size_t)snprintf(
		    dep + len, sizeof dep - len,
		    "message L%d {\n  optional L%d a = 1;\n  optional L%d b = 2;\n}\n", i, i + 1,
		    i + 1);
	snprintf(dep + len, sizeof dep - len, "message L24 {\n  optional int32 x = 1;\n}\n");
	report_reset(r);
	error_clear(&e);
	rc = compare_with_dep(
	    dep, dep, "import \"d.proto\";\nmessage M {\n  optional d.L0 l = 1;\n}\n", r, &e);
	tap_is_int(rc, -1, "exponential comparison through references: no verdict");
	tap_is_int(e.code, SG_ELIMIT, "  SG_ELIMIT (%s)", e.msg);

	/* a chain of 300 referenced messages, each through one field: the
	 * depth limit, not the stack */
	char *chain = malloc(64 * 1024);
	len = (size_t)snprintf(chain, 64 * 1024, "package d;\n");
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(chain + len, 64 * 1024 - len,
		                        "message L%d {\n  optional L%d a = 1;\n}\n", i, i + 1);
	snprintf(chain + len, 64 * 1024 - len, "message L300 {\n  optional int32 x = 1;\n}\n");
	report_reset(r);
	error_clear(&e);
	rc = compare_with_dep(
	    chain, chain, "import \"d.proto\";\nmessage M {\n  optional d.L0 l = 1;\n}\n", r, &e);
	tap_ok(rc == -1 && e.code == SG_ELIMIT, "300 referenced messages deep: SG_ELIMIT (%s)",
	       e.msg);
	free(chain);
	report_free(r);
}

static void describe(void)
{
	char out[512];
	static const struct {
		const char *type, *want;
	} cases[] = {
	    {"PACKAGE_CHANGED",
	     "{errorType:\"PACKAGE_CHANGED\", description:\"The package at '#/p' "
	     "in the new schema does not match the package in the old schema\"}"},
	    {"MESSAGE_REMOVED", "{errorType:\"MESSAGE_REMOVED\", description:\"The new schema is "
	                        "missing a MESSAGE type at path '#/p' in the old schema\"}"},
	    {"FIELD_KIND_CHANGED", "{errorType:\"FIELD_KIND_CHANGED\", description:\"The type of a "
	                           "field at path '#/p' in the new schema does not match the old "
	                           "schema\"}"},
	    {"FIELD_SCALAR_KIND_CHANGED",
	     "{errorType:\"FIELD_SCALAR_KIND_CHANGED\", description:\"The kind of a SCALAR field "
	     "at "
	     "path '#/p' in the new schema does not match its kind in the old schema\"}"},
	    {"FIELD_NAMED_TYPE_CHANGED",
	     "{errorType:\"FIELD_NAMED_TYPE_CHANGED\", description:\"The type of a MESSAGE field "
	     "at "
	     "path '#/p' in the new schema does not match its type in the old schema\"}"},
	    {"FIELD_NUMERIC_LABEL_CHANGED",
	     "{errorType:\"FIELD_NUMERIC_LABEL_CHANGED\", description:\"The label for a NUMERIC "
	     "field at path '#/p' in the new schema does not match its label in the old schema\"}"},
	    {"REQUIRED_FIELD_ADDED",
	     "{errorType:\"REQUIRED_FIELD_ADDED\", description:\"A required "
	     "field  at path '#/p' in the new schema is missing in the old "
	     "schema\"}"},
	    {"REQUIRED_FIELD_REMOVED",
	     "{errorType:\"REQUIRED_FIELD_REMOVED\", description:\"The new "
	     "schema is missing a required field at path: '#/p' in the "
	     "old schema\"}"},
	    {"ONEOF_FIELD_REMOVED", "{errorType:\"ONEOF_FIELD_REMOVED\", description:\"The new "
	                            "schema is missing a oneof field at path '#/p' in the old "
	                            "schema\"}"},
	    {"MULTIPLE_FIELDS_MOVED_TO_ONEOF",
	     "{errorType:\"MULTIPLE_FIELDS_MOVED_TO_ONEOF\", description:\"Multiple fields in the "
	     "oneof at path '#/p' in the new schema are outside a oneof in the old schema\"}"},
	    {"FIELD_MOVED_TO_EXISTING_ONEOF",
	     "{errorType:\"FIELD_MOVED_TO_EXISTING_ONEOF\", description:\"A field in the oneof at "
	     "path '#/p' in the new schema is outside an existing oneof in the old schema\"}"},
	    {"FIELD_ADDED", "{errorType:\"FIELD_ADDED\", description:\"\"}"},
	};
	int incompatible = 0;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int n = pbcompat_describe(cases[i].type, "#/p", "new", "old", out, sizeof out);
		tap_is_str(out, cases[i].want, "describe %s", cases[i].type);
		tap_is_int(n, (long long)strlen(cases[i].want), "  its length");
		incompatible += !pbcompat_change_compatible(pbcompat_change_parse(cases[i].type));
	}
	tap_is_int(incompatible, 11, "the 11 incompatible changes are described");
	/* every change has a name that parses back */
	int names = 0;
	for (int c = 0; c < PBCOMPAT_CHANGE_COUNT; c++)
		names += pbcompat_change_parse(pbcompat_change_name(c)) == c;
	tap_is_int(names, PBCOMPAT_CHANGE_COUNT, "change names parse back");
	tap_is_int(pbcompat_describe("NO_SUCH", "#/", "new", "old", out, sizeof out), -1,
	           "describe of no change: -1");
	char small[8];
	int n = pbcompat_describe("FIELD_ADDED", "#/", "new", "old", small, sizeof small);
	tap_ok(n == 41 && strcmp(small, "{errorT") == 0, "describe truncates as snprintf (%d)", n);
}

/* The seven levels through schema_check_level(): dropping a oneof member
 * breaks BACKWARD (ONEOF_FIELD_REMOVED), not FORWARD (ONEOF_FIELD_ADDED). */
static void levels(void)
{
	static const char v1[] = "syntax = \"proto3\";\nmessage M {\n  oneof o {\n    int32 a = 1;"
	                         "\n    string b = 2;\n  }\n}\n";
	static const char v2[] = "syntax = \"proto3\";\nmessage M {\n  oneof o {\n    int32 a = 1;"
	                         "\n  }\n}\n";
	struct sg_error e;
	error_clear(&e);
	struct schema *s1 = schema_parse(SCHEMA_PROTOBUF, v1, strlen(v1), NULL, 0, &e);
	struct schema *s2 = schema_parse(SCHEMA_PROTOBUF, v2, strlen(v2), NULL, 0, &e);
	struct schema *s2b = schema_parse(SCHEMA_PROTOBUF, v2, strlen(v2), NULL, 0, &e);
	if (!tap_ok(s1 && s2 && s2b, "levels: schemas parse")) {
		tap_diag("  %s", e.msg);
		return;
	}
	const struct schema *history[] = {s1, s2b};
	static const struct {
		enum level level;
		int one, two; /* against [v1], against [v1, v2] */
	} want[] = {
	    {LEVEL_NONE, 1, 1},
	    {LEVEL_BACKWARD, 0, 1},
	    {LEVEL_BACKWARD_TRANSITIVE, 0, 0},
	    {LEVEL_FORWARD, 1, 1},
	    {LEVEL_FORWARD_TRANSITIVE, 1, 1},
	    {LEVEL_FULL, 0, 1},
	    {LEVEL_FULL_TRANSITIVE, 0, 0},
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		struct report *r = report_new();
		size_t failed = 99;
		tap_is_int(schema_check_level(want[i].level, s2, history, 1, SCHEMA_POLICY_STRICT,
		                              r, &failed, &e),
		           want[i].one, "%s against [v1]", level_name(want[i].level));
		tap_is_int(schema_check_level(want[i].level, s2, history, 2, SCHEMA_POLICY_STRICT,
		                              r, &failed, &e),
		           want[i].two, "%s against [v1, v2]", level_name(want[i].level));
		report_free(r);
	}
	struct report *r = report_new();
	schema_compatible(s2, s1, SCHEMA_POLICY_STRICT, r, &e);
	char out[512];
	tap_ok(report_count(r) == 1 &&
	           schema_describe(SCHEMA_PROTOBUF, r, 0, "new", "old", out, sizeof out) > 0,
	       "the registry's wording through the table");
	tap_is_str(out,
	           "{errorType:\"ONEOF_FIELD_REMOVED\", description:\"The new schema is missing a "
	           "oneof field at path '#/M/o/2' in the old schema\"}",
	           "  as Confluent words it");
	report_free(r);
	schema_free(s1);
	schema_free(s2);
	schema_free(s2b);
}

/* Every allocation of a comparison through a reference, failed in turn. */
static void allocation_failures(void)
{
	static const char d0[] = "package d;\nmessage N {\n  optional int32 x = 1;\n  oneof o {\n"
	                         "    string s = 2;\n  }\n}\nenum E {\n  A = 0;\n}\n";
	static const char d1[] = "package d;\nmessage N {\n  optional sint32 x = 1;\n  oneof p {\n"
	                         "    string s = 2;\n  }\n}\nenum E {\n  B = 0;\n}\n";
	static const char mt[] = "import \"d.proto\";\nmessage M {\n  optional d.N n = 1;\n"
	                         "  map<string, d.N> m = 2;\n}\n";
	int clean = 1, runs = 0;
	for (long n = 0;; n++) {
		struct report *r = report_new();
		struct sg_error e;
		error_clear(&e);
		failalloc_fail_after(n);
		int rc = compare_with_dep(d0, d1, mt, r, &e);
		failalloc_disarm();
		report_free(r);
		runs++;
		if (!failalloc_fired()) {
			tap_is_int(rc, 0, "allocation failures: the last run finds the change");
			break;
		}
		if (rc != -2 && rc != 0 && !(rc == -1 && e.code == SG_ENOMEM))
			clean = 0;
		if (n > 100000)
			break;
	}
	tap_ok(clean, "every failed allocation (%d runs) ends in SG_ENOMEM or no harm", runs);
}

int main(void)
{
	confluent_suite();
	hand_cases();
	references();
	describe();
	levels();
	allocation_failures();
	return tap_done();
}
