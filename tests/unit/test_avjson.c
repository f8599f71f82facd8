/* tests/unit/test_avjson.c: Avro's JSON encoding checked against schemas, from
 * tests/cases/avjson/cases.jsonl ("error": "RULE@POINTER" names the first
 * finding expected), plus the example orders schema and deep nesting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/avro/avjson.h"
#include "tests/tap.h"

static void run_case(const json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "name"));
	const char *text = json_string_value(json_object_get(c, "schema"));
	struct sg_error err;
	error_clear(&err);
	struct avsc_schema *s = avsc_parse(text, strlen(text), NULL, 0, &err);
	if (!tap_ok(s != NULL, "%s: schema parses (%s)", name, err.msg))
		return;
	struct report *r = report_new();
	int valid = avjson_validate(s, json_object_get(c, "value"), r);
	int want = json_is_true(json_object_get(c, "valid"));
	tap_is_int(valid, want, "%s: %s", name, want ? "valid" : "invalid");
	const char *expect = json_string_value(json_object_get(c, "error"));
	if (expect) {
		char got[512] = "(none)";
		if (report_count(r) > 0)
			snprintf(got, sizeof got, "%s@%s", report_type(r, 0),
			         report_location(r, 0));
		tap_is_str(got, expect, "%s: first finding is %s", name, expect);
	}
	report_free(r);
	avsc_free(s);
}

int main(void)
{
	const char *src = getenv("SG_SRCDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/cases/avjson/cases.jsonl", src ? src : ".");
	FILE *f = fopen(path, "r");
	if (!tap_ok(f != NULL, "open %s", path))
		return tap_done();
	char line[8192];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		json_error_t jerr;
		json_t *c = json_loads(line, JSON_ALLOW_NUL, &jerr);
		if (!tap_ok(c != NULL, "case line %d parses (%s)", n + 1, jerr.text))
			continue;
		run_case(c);
		json_decref(c);
		n++;
	}
	fclose(f);
	tap_ok(n >= 20, "read %d cases", n);

	/* A realistic fixture against schemas/orders.avsc. */
	snprintf(path, sizeof path, "%s/schemas/orders.avsc", src ? src : ".");
	json_error_t jerr;
	json_t *schema = json_load_file(path, 0, &jerr);
	char *text = schema ? json_dumps(schema, JSON_COMPACT) : NULL;
	struct sg_error err;
	error_clear(&err);
	struct avsc_schema *s = text ? avsc_parse(text, strlen(text), NULL, 0, &err) : NULL;
	if (tap_ok(s != NULL, "orders.avsc parses")) {
		json_t *ok = json_pack(
		    "{s:s, s:s, s:s, s:f, s:s, s:s, s:s, s:n}", "event_type", "ORDER_CREATED",
		    "order_id", "ORD-1001", "customer_id", "C-7", "amount", 42.5, "currency", "EUR",
		    "status", "PENDING", "timestamp", "2026-11-25T13:00:00Z", "cancel_reason");
		tap_is_int(avjson_validate(s, ok, NULL), 1, "a valid order");
		json_object_set_new(ok, "amount", json_string("abc"));
		struct report *r = report_new();
		tap_is_int(avjson_validate(s, ok, r), 0, "an order with amount \"abc\"");
		tap_is_str(report_location(r, 0), "/amount", "the finding points at /amount");
		report_free(r);
		json_decref(ok);
	}
	avsc_free(s);
	free(text);
	json_decref(schema);

	/* Deep nesting stops at the limit instead of exhausting the stack. */
	const char *list = "{\"type\":\"record\",\"name\":\"L\",\"fields\":"
	                   "[{\"name\":\"n\",\"type\":[\"null\",\"L\"]}]}";
	s = avsc_parse(list, strlen(list), NULL, 0, NULL);
	json_t *deep = json_pack("{s:n}", "n");
	for (int i = 0; i < 1500; i++)
		deep = json_pack("{s:{s:o}}", "n", "L", deep);
	struct report *r = report_new();
	int v = avjson_validate(s, deep, r);
	tap_ok(v == 0 && report_count(r) > 0 && strcmp(report_type(r, 0), "depth") == 0,
	       "a 1500-deep recursive value stops at the depth limit");
	report_free(r);
	json_decref(deep);
	avsc_free(s);
	return tap_done();
}
