/* fuzz/fuzz_jsonschema_validate.c: libFuzzer target for compat/jsonschema
 * validation. The input is a schema and a document separated by the first
 * NUL byte (the first byte before them picks the draft and format
 * assertion). The document is validated as raw bytes with and without a
 * report; both verdicts must agree, and an invalid verdict must come with at
 * least one finding. When the one-pass reader (compat/jsstream) calls the
 * document valid, the full evaluator must too. Must never crash, leak or
 * hang. */
#include "compat/jsonschema/jsonschema.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum jsonschema_draft drafts[] = {
	    JSONSCHEMA_DRAFT4,       JSONSCHEMA_DRAFT6,       JSONSCHEMA_DRAFT7,
	    JSONSCHEMA_DRAFT2019_09, JSONSCHEMA_DRAFT2020_12,
	};
	if (size < 2)
		return 0;
	const uint8_t *sep = memchr(data + 1, 0, size - 1);
	if (!sep)
		return 0;
	struct jsonschema_options o = {
	    .draft = drafts[data[0] % 5],
	    .format_assert = (data[0] >> 3) & 1,
	    .max_steps = 200000,
	};
	struct sg_error e;
	error_clear(&e);
	json_t *schema = jsonschema_parse((const char *)data + 1, (size_t)(sep - data - 1), &e);
	if (!schema)
		return 0;
	struct jsonschema *v = jsonschema_compile(schema, &o, &e);
	json_decref(schema);
	if (!v)
		return 0;
	const char *doc = (const char *)sep + 1;
	size_t len = size - (size_t)(sep - data) - 1;
	struct report *r = report_new();
	int a = jsonschema_validate_bytes(v, doc, len, r);
	int b = jsonschema_validate_bytes(v, doc, len, NULL);
	if (a != b || (a == 0 && report_count(r) == 0) || (a == 1 && report_count(r)))
		__builtin_trap();
	/* The one-pass reader's "valid" must be the full evaluator's, on a
	 * document built without it. */
	if (jsonschema_validate_stream(v, doc, len) == 1) {
		json_t *d = jsonschema_parse(doc, len, &e);
		if (!d || jsonschema_validate(v, d, NULL) != 1)
			__builtin_trap();
		json_decref(d);
	}
	report_free(r);
	jsonschema_free(v);
	return 0;
}
