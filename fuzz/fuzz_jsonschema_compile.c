/* fuzz/fuzz_jsonschema_compile.c: libFuzzer target for compat/jsonschema
 * compilation. The first byte picks the default draft and format assertion;
 * the rest is parsed as a schema and compiled with a resolver that serves a
 * small remote document (with refs back into itself) for any http://x/ URI.
 * A compiled schema then validates a few fixed documents, and the schema is
 * checked against its meta-schema. Must never crash, leak or hang. */
#include "compat/jsonschema/jsonschema.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *resolver(void *ctx, const char *uri)
{
	(void)ctx;
	if (strncmp(uri, "http://x/", 9) != 0)
		return NULL;
	return json_loads(
	    "{\"$id\":\"http://x/remote.json\",\"$defs\":{\"s\":{\"type\":\"string\"},"
	    "\"r\":{\"$ref\":\"#/$defs/s\"},\"d\":{\"$dynamicAnchor\":\"n\"}},"
	    "\"items\":{\"$ref\":\"#\"}}",
	    0, NULL);
}

static const char *const docs[] = {
    "null",
    "0",
    "-1.5",
    "\"abc\"",
    "[1,\"a\",[],{}]",
    "{\"a\":1,\"b\":[true,null],\"c\":{\"d\":\"e\"}}",
    "[[[[[[1]]]]]]",
    "{\"\":{\"\":{\"\":\"\"}}}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum jsonschema_draft drafts[] = {
	    JSONSCHEMA_DRAFT4,       JSONSCHEMA_DRAFT6,       JSONSCHEMA_DRAFT7,
	    JSONSCHEMA_DRAFT2019_09, JSONSCHEMA_DRAFT2020_12,
	};
	if (size < 1)
		return 0;
	struct jsonschema_options o = {
	    .draft = drafts[data[0] % 5],
	    .format_assert = (data[0] >> 3) & 1,
	    .resolver = resolver,
	    .max_steps = 200000,
	};
	struct sg_error e;
	error_clear(&e);
	json_t *schema = jsonschema_parse((const char *)data + 1, size - 1, &e);
	if (!schema)
		return 0;
	error_clear(&e);
	struct jsonschema *v = jsonschema_compile(schema, &o, &e);
	if (!v && e.code == SG_OK)
		__builtin_trap();
	if (v) {
		struct report *r = report_new();
		for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
			report_reset(r);
			int a = jsonschema_validate_bytes(v, docs[i], strlen(docs[i]), r);
			int b = jsonschema_validate_bytes(v, docs[i], strlen(docs[i]), NULL);
			if (a != b || (a == 0 && report_count(r) == 0) ||
			    (a == 1 && report_count(r)))
				__builtin_trap();
		}
		report_free(r);
	}
	error_clear(&e);
	(void)jsonschema_check_meta(schema, &e);
	jsonschema_free(v);
	json_decref(schema);
	return 0;
}
