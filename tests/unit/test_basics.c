/* tests/unit/test_basics.c: the shared compat/ pieces every module relies on:
 * the error table, first-error-wins, reports and JSON pointers, levels, and
 * the table of schema types. */
#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "compat/level.h"
#include "compat/report.h"
#include "compat/schema.h"
#include "tests/tap.h"

static void test_error_table(void)
{
	static const struct {
		int code, http, confluent;
	} rows[] = {
	    {SG_ESUBJECT_NOT_FOUND, 404, 40401},
	    {SG_EVERSION_NOT_FOUND, 404, 40402},
	    {SG_ESCHEMA_NOT_FOUND, 404, 40403},
	    {SG_ESUBJECT_SOFT_DELETED, 404, 40404},
	    {SG_ESUBJECT_NOT_SOFT_DELETED, 404, 40405},
	    {SG_EVERSION_SOFT_DELETED, 404, 40406},
	    {SG_EVERSION_NOT_SOFT_DELETED, 404, 40407},
	    {SG_ECOMPAT_NOT_CONFIGURED, 404, 40408},
	    {SG_EMODE_NOT_CONFIGURED, 404, 40409},
	    {SG_ECONFLICT_INCOMPATIBLE, 409, 409},
	    {SG_EINVALID_SCHEMA, 422, 42201},
	    {SG_EINVALID_VERSION, 422, 42202},
	    {SG_EINVALID_COMPAT_LEVEL, 422, 42203},
	    {SG_EINVALID_MODE, 422, 42204},
	    {SG_EOPERATION_NOT_PERMITTED, 422, 42205},
	    {SG_EREFERENCE_EXISTS, 422, 42206},
	    {SG_EID_MISMATCH, 422, 42207},
	    {SG_EINVALID_SUBJECT, 422, 42208},
	    {SG_EINVALID_RULESET, 422, 42210},
	    {SG_ESTORE, 500, 50001},
	    {SG_ETIMEOUT, 500, 50002},
	    {SG_ETOO_LARGE, 413, 413},
	    {SG_EMEDIA_TYPE, 415, 415},
	    {SG_ENOT_ACCEPTABLE, 406, 406},
	    {SG_EUNAUTHENTICATED, 401, 401},
	    {SG_EFORBIDDEN, 403, 40301},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		tap_is_int(error_http_status(rows[i].code), rows[i].http, "%s maps to HTTP %d",
		           error_name(rows[i].code), rows[i].http);
		tap_is_int(error_confluent_code(rows[i].code), rows[i].confluent,
		           "%s maps to error_code %d", error_name(rows[i].code), rows[i].confluent);
	}
	for (int c = 1; c < SG_CODE_COUNT; c++) {
		if (!tap_ok(error_name(c) && strncmp(error_name(c), "SG_", 3) == 0 &&
		                error_http_status(c) >= 400,
		            "code %d has a row in the table", c))
			break;
	}
	tap_is_int(error_kafka_code(SG_EINVALID_RECORD), 87,
	           "invalid record is Kafka INVALID_RECORD");
	tap_ok(error_kafka_code(SG_EINVALID_RECORD) != 2, "never CORRUPT_MESSAGE for a bad record");
	tap_ok(error_kafka_retriable(SG_EUNAVAILABLE),
	       "registry outage is retriable for Kafka clients");
	tap_ok(!error_kafka_retriable(SG_EINVALID_RECORD), "a bad record is not retriable");
	tap_is_int(error_http_status(9999), 500, "an unknown code maps to 500");
	tap_is_int(error_from_confluent(40403, 404), SG_ESCHEMA_NOT_FOUND,
	           "40403 maps back to schema not found");
	tap_is_int(error_from_confluent(0, 415), SG_EMEDIA_TYPE,
	           "an unknown error_code maps back by HTTP status");
}

static void test_error_first_wins(void)
{
	struct sg_error e;
	error_clear(&e);
	tap_is_int(e.code, SG_OK, "cleared error holds SG_OK");
	tap_is_int(error_set(&e, SG_EINVALID_SCHEMA, "field %s", "a"), -1, "error_set returns -1");
	error_set(&e, SG_ESTORE, "later");
	tap_is_int(e.code, SG_EINVALID_SCHEMA, "first error code wins");
	tap_is_str(e.msg, "field a", "first error message wins");
	error_prefix(&e, SG_ESTORE, "/fields/0: ");
	tap_is_str(e.msg, "/fields/0: field a", "prefix adds context");
	tap_is_int(e.code, SG_EINVALID_SCHEMA, "prefix keeps the code");
	tap_is_int(error_set(NULL, SG_ESTORE, "ignored"), -1, "error_set accepts NULL, returns -1");

	/* A message of 2 * SG_ERROR_MSG_MAX bytes, "x...x" with one two-byte
	 * character "\xc3\xa9" at `at`: it keeps SG_ERROR_MSG_MAX - 1 bytes, one
	 * fewer when the cut would split that character. */
	static const struct {
		size_t at, kept;
		const char *name;
	} cuts[] = {
	    {SG_ERROR_MSG_MAX - 3, SG_ERROR_MSG_MAX - 1, "a character that fits is kept whole"},
	    {SG_ERROR_MSG_MAX - 2, SG_ERROR_MSG_MAX - 2, "a character the cut would split goes"},
	};
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		char big[2 * SG_ERROR_MSG_MAX];
		memset(big, 'x', sizeof big - 1);
		memcpy(big + cuts[i].at, "\xc3\xa9", 2);
		big[sizeof big - 1] = '\0';
		error_clear(&e);
		error_set(&e, SG_EINVALID_SCHEMA, "%s", big);
		tap_is_int((long long)strlen(e.msg), (long long)cuts[i].kept,
		           "a long message is truncated: %s", cuts[i].name);
	}
}

static void test_report(void)
{
	struct report *r = report_new();
	tap_is_int(report_count(r), 0, "new report is empty");
	report_add(r, "TYPE_MISMATCH", "/fields/0/type", "reader type %s", "int");
	tap_is_int(report_count(r), 1, "one finding");
	tap_is_str(report_type(r, 0), "TYPE_MISMATCH", "finding type");
	tap_is_str(report_location(r, 0), "/fields/0/type", "finding location");
	tap_is_str(report_message(r, 0), "reader type int", "finding message");
	tap_ok(report_type(r, 1) == NULL, "out of range index gives NULL");
	for (int i = 0; i < REPORT_MAX + 10; i++)
		report_add(r, "X", "", "n%d", i);
	tap_is_int(report_count(r), REPORT_MAX, "a report is bounded");
	tap_is_int(report_dropped(r), 11, "findings past the bound are counted");
	report_free(r);
	report_free(NULL);

	char p[32];
	report_pointer_join(p, sizeof p, "/properties", "a/b~c");
	tap_is_str(p, "/properties/a~1b~0c", "pointer tokens escape / and ~ (RFC 6901)");
	report_pointer_join(p, sizeof p, "", "x");
	tap_is_str(p, "/x", "pointer from the root");
	tap_is_int(report_pointer_join(p, 8, "/abcdef", "ghij"), -1,
	           "a pointer that does not fit fails");
}

static void test_levels(void)
{
	static const struct {
		const char *name;
		int bw, fw, tr;
	} rows[] = {
	    {"NONE", 0, 0, 0},
	    {"BACKWARD", 1, 0, 0},
	    {"BACKWARD_TRANSITIVE", 1, 0, 1},
	    {"FORWARD", 0, 1, 0},
	    {"FORWARD_TRANSITIVE", 0, 1, 1},
	    {"FULL", 1, 1, 0},
	    {"FULL_TRANSITIVE", 1, 1, 1},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		enum level l;
		tap_ok(level_parse(rows[i].name, &l) == 0, "%s parses", rows[i].name);
		tap_is_str(level_name(l), rows[i].name, "%s round-trips", rows[i].name);
		tap_ok(level_backward(l) == rows[i].bw && level_forward(l) == rows[i].fw &&
		           level_transitive(l) == rows[i].tr,
		       "%s checks the right directions", rows[i].name);
	}
	enum level l;
	tap_ok(level_parse("backward", &l) == -1, "levels are case-sensitive, as Confluent");
	tap_ok(level_parse("", &l) == -1, "empty level is refused");
	tap_ok(level_parse(NULL, &l) == -1, "NULL level is refused");
}

/* Every type Confluent names has a row whose name parses back to it; the
 * rows that parse are the ones GET /schemas/types lists. */
static void test_schema_types(void)
{
	static const struct {
		const char *name;
		int supported;
	} rows[] = {{"AVRO", 1}, {"JSON", 1}, {"PROTOBUF", 1}};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		enum schema_type t;
		int parsed = schema_type_parse(rows[i].name, &t) == 0;
		tap_ok(parsed && strcmp(schema_type_name(t), rows[i].name) == 0 && schema_ops(t) &&
		           strcmp(schema_ops(t)->name, rows[i].name) == 0,
		       "%s has a row under its own name", rows[i].name);
		tap_ok(parsed && schema_type_supported(t) == rows[i].supported, "%s is %ssupported",
		       rows[i].name, rows[i].supported ? "" : "not ");
	}
	enum schema_type t;
	tap_ok(schema_type_parse("XML", &t) == -1, "an unknown type name is refused");
	tap_ok(schema_type_parse("avro", &t) == -1, "type names are case-sensitive, as Confluent");
	tap_ok(!schema_ops((enum schema_type)99) && !schema_type_supported((enum schema_type)99),
	       "a value that is no type has no row");
}

/* JSON Schema references: a chain a -> b -> c parses for a, whose
 * compatibility check resolves c too; reference names are the caller's for
 * schema_parse() only (here freed right after it: ASan sees a model that
 * kept them). */
static struct schema *parse_with(const char *text, const char *name, const struct schema *ref)
{
	struct sg_error e = {0};
	char *copy = name ? strdup(name) : NULL;
	struct schema_ref r = {copy, ref};
	struct schema *s = schema_parse(SCHEMA_JSON, text, strlen(text), &r, name ? 1 : 0, &e);
	if (name)
		memset(copy, 'x', strlen(copy)); /* a name the model must not use again */
	free(copy);
	tap_ok(s != NULL, "parses with reference %s (%s)", name ? name : "none", e.msg);
	return s;
}

static void test_json_reference_chain(void)
{
	struct schema *c = parse_with(
	    "{\"type\":\"object\",\"properties\":{\"z\":{\"type\":\"string\"}}}", NULL, NULL);
	struct schema *b =
	    c ? parse_with("{\"properties\":{\"c\":{\"$ref\":\"c.json\"}}}", "c.json", c) : NULL;
	struct schema *a1 =
	    b ? parse_with("{\"properties\":{\"b\":{\"$ref\":\"b.json\"}}}", "b.json", b) : NULL;
	struct schema *a2 = b ? parse_with("{\"properties\":{\"b\":{\"$ref\":\"b.json\"}},"
	                                   "\"additionalProperties\":false}",
	                                   "b.json", b)
	                      : NULL;
	if (a1 && a2) {
		struct sg_error e = {0};
		tap_is_int(schema_compatible(a1, a1, SCHEMA_POLICY_STRICT, NULL, &e), 1,
		           "a chain's schema is compatible with itself (%s)", e.msg);
		tap_is_int(schema_compatible(a1, a2, SCHEMA_POLICY_STRICT, NULL, &e), 1,
		           "the open schema reads the closed one's data (%s)", e.msg);
		tap_is_int(schema_compatible(a2, a1, SCHEMA_POLICY_STRICT, NULL, &e), 0,
		           "the closed one does not read the open one's: a verdict, no error (%s)",
		           e.msg);
	}
	schema_free(a2);
	schema_free(a1);
	schema_free(b);
	schema_free(c);
}

int main(void)
{
	test_error_table();
	test_error_first_wins();
	test_report();
	test_levels();
	test_schema_types();
	test_json_reference_chain();
	return tap_done();
}
