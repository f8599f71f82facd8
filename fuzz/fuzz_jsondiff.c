/* fuzz/fuzz_jsondiff.c: libFuzzer target for compat/jsondiff. The input is a
 * flags byte followed by up to three JSON documents back to back: the
 * original schema, the update, and a document every external $ref resolves to.
 * Each pair is compared both ways under the policy the flags pick, with every
 * change reported, and the invariants below are checked. Must never crash,
 * leak or hang. */
#include "compat/jsonschema/jsondiff.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses one JSON value from the front of [*p, end) and moves *p past it. */
static json_t *next_doc(const uint8_t **p, const uint8_t *end)
{
	json_error_t e;
	if (*p >= end)
		return NULL;
	json_t *j = json_loadb((const char *)*p, (size_t)(end - *p),
	                       JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &e);
	if (!j) {
		*p = end;
		return NULL;
	}
	size_t used = e.position > 0 ? (size_t)e.position : 0;
	*p += used <= (size_t)(end - *p) ? used : (size_t)(end - *p);
	return j;
}

static const json_t *resolve(void *ctx, const char *uri)
{
	(void)uri;
	return ctx;
}

/* Returns the verdict (1, 0 or -1). */
static int run(const json_t *o, const json_t *u, const json_t *ext, uint8_t flags)
{
	struct jsondiff_options opts = {
	    .lenient = flags & 1,
	    .all_changes = (flags >> 1) & 1,
	    .resolve_original = (flags & 4) ? resolve : NULL,
	    .resolve_original_ctx = (void *)(uintptr_t)ext,
	    .resolve_update = (flags & 4) ? resolve : NULL,
	    .resolve_update_ctx = (void *)(uintptr_t)ext,
	    .max_steps = 200000,
	    .max_bytes = 64u * 1024u * 1024u,
	};
	struct report *r = report_new();
	struct sg_error err;
	error_clear(&err);
	int rc = jsondiff_compare(o, u, &opts, r, &err);
	if (rc < 0 && err.code == SG_OK)
		__builtin_trap(); /* a failure always says why */
	if (rc >= 0 && err.code != SG_OK)
		__builtin_trap();
	int breaking = 0;
	for (size_t i = 0; r && i < report_count(r); i++) {
		int c = jsondiff_type_compatible(report_type(r, i), opts.lenient);
		if (c < 0 || strncmp(report_location(r, i), "#/", 2) != 0)
			__builtin_trap();
		breaking += c == 0;
		char buf[256];
		if (jsondiff_describe(report_type(r, i), report_location(r, i), "new", "old", buf,
		                      sizeof buf) < 0)
			__builtin_trap();
	}
	/* The verdict is exactly "no breaking change reported". */
	if (rc >= 0 && report_dropped(r) == 0 && (rc == 1) != (breaking == 0))
		__builtin_trap();
	/* Without all_changes only breaking changes are reported. */
	if (rc >= 0 && !opts.all_changes && report_count(r) != (size_t)breaking)
		__builtin_trap();
	report_free(r);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 64 * 1024)
		return 0;
	uint8_t flags = data[0];
	const uint8_t *p = data + 1, *end = data + size;
	json_t *o = next_doc(&p, end);
	json_t *u = next_doc(&p, end);
	json_t *ext = next_doc(&p, end);
	if (o && u) {
		run(o, u, ext, flags);
		run(u, o, ext, flags);
	}
	/* A schema can always read its own data. */
	if (o && run(o, o, ext, flags) == 0)
		__builtin_trap();
	json_decref(o);
	json_decref(u);
	json_decref(ext);
	return 0;
}
