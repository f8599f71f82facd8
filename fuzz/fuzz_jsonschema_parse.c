/* fuzz/fuzz_jsonschema_parse.c: differential target for compat/jsdoc's parser
 * (behind jsonschema_parse and jsonschema_validate_bytes). Every input is
 * parsed by jsonschema_parse (jsdoc, then converted to jansson) and by
 * jansson's json_loadb with the same policy (any top-level value, NUL
 * allowed, duplicate keys rejected): both must accept the same texts and
 * build equal values; the one allowed difference is an integer too large
 * for json_int_t, which jansson refuses and jsdoc reads as a real; and a
 * raw NUL byte, where jansson stops reading and jsdoc refuses. Must
 * never crash, leak or hang. */
#include "compat/jsonschema/jsonschema.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_error e;
	error_clear(&e);
	json_t *mine = jsonschema_parse((const char *)data, size, &e);
	if (!mine && e.code != SG_EBAD_REQUEST && e.code != SG_ENOMEM)
		__builtin_trap();
	/* A raw NUL byte is never valid JSON (jansson stops reading at one). */
	if (memchr(data, 0, size)) {
		if (mine)
			__builtin_trap();
		return 0;
	}
	json_error_t je;
	json_t *ref = json_loadb((const char *)data, size,
	                         JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &je);
	if (ref) {
		if (!mine || !json_equal(mine, ref))
			__builtin_trap();
	} else if (mine && json_error_code(&je) != json_error_numeric_overflow) {
		__builtin_trap();
	}
	json_decref(mine);
	json_decref(ref);
	return 0;
}
