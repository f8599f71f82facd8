/* fuzz/fuzz_ruleset.c: compat/ruleset on arbitrary input, two ways: the
 * input parsed as JSON and validated as a rule set, and the raw bytes (any
 * bytes, malformed UTF-8 and NULs included) used as one rule's name. Every
 * answer must be valid (0) or a known error with a terminated message; must
 * never crash, leak or hang. Seeds: fuzz/corpus/ruleset/. */
#include "compat/ruleset.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(const json_t *rs)
{
	struct sg_error e;
	error_clear(&e);
	int rc = ruleset_validate(rs, &e);
	if (rc == 0 && e.code != SG_OK)
		__builtin_trap();
	if (rc != 0 && (rc != -1 || (e.code != SG_EBAD_REQUEST && e.code != SG_EINVALID_RULESET &&
	                             e.code != SG_ENOMEM)))
		__builtin_trap();
	if (!memchr(e.msg, 0, sizeof e.msg))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *rs = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	fuzz_check(rs);
	json_decref(rs);

	json_t *rule =
	    json_pack("{s:o,s:s,s:s}", "name", json_stringn_nocheck((const char *)data, size),
	              "type", "T", "onFailure", "A,B");
	rs = rule ? json_pack("{s:[o]}", "domainRules", rule) : NULL;
	fuzz_check(rs);
	json_decref(rs);
	return 0;
}
