/* fuzz/fuzz_avsc.c: libFuzzer target for compat/avsc. Parses the input as an
 * Avro schema, reads every printed form and walks the model; then parses it
 * again with a fixed reference schema, so that name resolution through
 * references is exercised too. Must never crash, leak or hang. */
#include "compat/avro/avsc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct avsc_node *n, int depth)
{
	size_t count = 1;
	if (!n || depth > 64)
		return 0;
	switch (avsc_kind(n)) {
	case AVSC_RECORD:
		/* Recursive records: do not follow named types below the top. */
		if (depth > 0)
			return count;
		for (size_t i = 0; i < avsc_field_count(n); i++) {
			const struct avsc_field *f = avsc_field(n, i);
			count += strlen(avsc_field_name(f));
			count += avsc_field_default(f) != NULL;
			count += walk(avsc_field_type(f), depth + 1);
			if (avsc_field_by_name(n, avsc_field_name(f)) != f)
				__builtin_trap();
		}
		break;
	case AVSC_ENUM:
		for (size_t i = 0; i < avsc_symbol_count(n); i++)
			if (avsc_symbol_index(n, avsc_symbol(n, i)) != (int)i)
				__builtin_trap();
		break;
	case AVSC_ARRAY:
		count += walk(avsc_items(n), depth + 1);
		break;
	case AVSC_MAP:
		count += walk(avsc_values(n), depth + 1);
		break;
	case AVSC_UNION:
		for (size_t i = 0; i < avsc_branch_count(n); i++)
			count += walk(avsc_branch(n, i), depth + 1);
		break;
	default:
		break;
	}
	if (avsc_fullname(n) && avsc_lookup(NULL, avsc_fullname(n)))
		__builtin_trap();
	return count + (avsc_logical_type(n) != NULL);
}

static void check(struct avsc_schema *s)
{
	if (!s)
		return;
	const char *forms[] = {avsc_java_string(s), avsc_canonical_form(s), avsc_normalized(s)};
	for (int i = 0; i < 3; i++)
		if (!forms[i])
			__builtin_trap();
	(void)avsc_fingerprint64(s);
	walk(avsc_root(s), 0);
	/* What is printed parses again. Printing is not always stable on the
	 * first round, as in Avro Java (an alias in the null namespace called
	 * "bytes" prints as "bytes" and reads back in the type's namespace), but
	 * it is from the second round on. */
	struct sg_error e;
	error_clear(&e);
	struct avsc_schema *again = avsc_parse(forms[0], strlen(forms[0]), NULL, 0, &e);
	if (!again && e.code != SG_ELIMIT)
		__builtin_trap();
	if (again) {
		const char *j2 = avsc_java_string(again);
		struct avsc_schema *third = avsc_parse(j2, strlen(j2), NULL, 0, &e);
		if (!third || strcmp(avsc_java_string(third), j2) != 0)
			__builtin_trap();
		avsc_free(third);
	}
	avsc_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char ref_text[] =
	    "{\"type\":\"record\",\"name\":\"Ref\",\"namespace\":\"r\",\"fields\":["
	    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}}]}";
	struct sg_error e;
	error_clear(&e);
	struct avsc_schema *s = avsc_parse((const char *)data, size, NULL, 0, &e);
	if (!s && e.code == SG_OK)
		__builtin_trap();
	check(s);
	avsc_free(s);

	struct avsc_schema *ref = avsc_parse(ref_text, sizeof ref_text - 1, NULL, 0, &e);
	const struct avsc_schema *refs[] = {ref};
	error_clear(&e);
	s = avsc_parse((const char *)data, size, refs, 1, &e);
	if (s) {
		(void)avsc_java_string(s);
		(void)avsc_normalized(s);
		(void)avsc_lookup(s, "r.E");
		/* The resolved form (format=resolved) stands alone: it parses
		 * without the reference. */
		char *resolved = avsc_resolved_string(s);
		if (!resolved)
			__builtin_trap();
		error_clear(&e);
		struct avsc_schema *alone = avsc_parse(resolved, strlen(resolved), NULL, 0, &e);
		if (!alone && e.code != SG_ELIMIT)
			__builtin_trap();
		avsc_free(alone);
		free(resolved);
	}
	avsc_free(s);
	avsc_free(ref);
	return 0;
}
