/* compat/avro/avjson.c: a walk of one JSON value and one Avro schema node side by
 * side; every mismatch is a finding at the value's JSON pointer. */
#include "compat/avro/avjson.h"

#include <stdint.h>
#include <string.h>

#define AVJSON_PTR_MAX 512

struct avjson {
	struct report *r;
	int bad;
};

static void avjson_fail(struct avjson *w, const char *ptr, const char *type, const char *msg,
                        const char *detail)
{
	w->bad = 1;
	if (w->r)
		report_add(w->r, type, ptr, "%s%s%s", msg, detail ? " " : "", detail ? detail : "");
}

/* The name a union branch is written with in the JSON encoding. */
static const char *avjson_branch_name(const struct avsc_node *n)
{
	const char *full = avsc_fullname(n);
	return full ? full : avsc_kind_name(avsc_kind(n));
}

/* Counts code points of a UTF-8 string, or -1 when one is above U+00FF. */
static long avjson_latin1_len(const char *s, size_t len)
{
	long n = 0;
	for (size_t i = 0; i < len; n++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			i++;
		} else if ((c == 0xC2 || c == 0xC3) && i + 1 < len) {
			i += 2;
		} else {
			return -1;
		}
	}
	return n;
}

static void avjson_walk(struct avjson *w, const struct avsc_node *n, const json_t *v, char *ptr,
                        size_t plen, int depth);

static void avjson_child(struct avjson *w, const struct avsc_node *n, const json_t *v, char *ptr,
                         size_t plen, const char *token, int depth)
{
	/* A pointer too long to hold is cut short; the message still names the rule. */
	report_pointer_join(ptr, AVJSON_PTR_MAX, ptr, token);
	avjson_walk(w, n, v, ptr, strlen(ptr), depth + 1);
	ptr[plen] = '\0';
}

/* A record: an object holding each field that has no default, and no key
 * that is not a field. */
static void avjson_record(struct avjson *w, const struct avsc_node *n, const json_t *v, char *ptr,
                          size_t plen, int depth)
{
	if (!json_is_object(v)) {
		avjson_fail(w, ptr, "type", "expected an object for record", avsc_fullname(n));
		return;
	}
	for (size_t i = 0; i < avsc_field_count(n); i++) {
		const struct avsc_field *f = avsc_field(n, i);
		const json_t *fv = json_object_get(v, avsc_field_name(f));
		if (fv)
			avjson_child(w, avsc_field_type(f), fv, ptr, plen, avsc_field_name(f),
			             depth);
		else if (!avsc_field_default(f))
			avjson_fail(w, ptr, "required", "missing field", avsc_field_name(f));
	}
	const char *key;
	const json_t *val;
	json_object_foreach((json_t *)v, key, val)
	{
		if (!avsc_field_by_name(n, key)) {
			char p2[AVJSON_PTR_MAX];
			report_pointer_join(p2, sizeof p2, ptr, key);
			avjson_fail(w, p2, "unknown", "field not in record", avsc_fullname(n));
		}
	}
}

/* A union: null when null is a branch, else {"BRANCH": value}. */
static void avjson_union(struct avjson *w, const struct avsc_node *n, const json_t *v, char *ptr,
                         size_t plen, int depth)
{
	size_t nb = avsc_branch_count(n);
	if (json_is_null(v)) {
		for (size_t i = 0; i < nb; i++)
			if (avsc_kind(avsc_branch(n, i)) == AVSC_NULL)
				return;
		avjson_fail(w, ptr, "union", "null is not a branch of this union", NULL);
		return;
	}
	if (!json_is_object(v) || json_object_size(v) != 1) {
		avjson_fail(w, ptr, "union", "a union value is null or {\"BRANCH\": value}", NULL);
		return;
	}
	const char *key = json_object_iter_key(json_object_iter((json_t *)v));
	for (size_t i = 0; i < nb; i++) {
		const struct avsc_node *b = avsc_branch(n, i);
		if (strcmp(avjson_branch_name(b), key) == 0) {
			avjson_child(w, b, json_object_get(v, key), ptr, plen, key, depth);
			return;
		}
	}
	avjson_fail(w, ptr, "union", "no branch of this union is named", key);
}

static void avjson_walk(struct avjson *w, const struct avsc_node *n, const json_t *v, char *ptr,
                        size_t plen, int depth)
{
	if (depth > AVJSON_MAX_DEPTH) {
		avjson_fail(w, ptr, "depth", "value nested deeper than the limit", NULL);
		return;
	}
	switch (avsc_kind(n)) {
	case AVSC_NULL:
		if (!json_is_null(v))
			avjson_fail(w, ptr, "type", "expected null", NULL);
		return;
	case AVSC_BOOLEAN:
		if (!json_is_boolean(v))
			avjson_fail(w, ptr, "type", "expected a boolean", NULL);
		return;
	case AVSC_INT:
		if (!json_is_integer(v))
			avjson_fail(w, ptr, "type", "expected an int", NULL);
		else if (json_integer_value(v) < INT32_MIN || json_integer_value(v) > INT32_MAX)
			avjson_fail(w, ptr, "range", "int out of the 32-bit range", NULL);
		return;
	case AVSC_LONG:
		if (!json_is_integer(v))
			avjson_fail(w, ptr, "type", "expected a long", NULL);
		return;
	case AVSC_FLOAT:
	case AVSC_DOUBLE:
		if (!json_is_number(v))
			avjson_fail(w, ptr, "type", "expected a number", NULL);
		return;
	case AVSC_STRING:
		if (!json_is_string(v))
			avjson_fail(w, ptr, "type", "expected a string", NULL);
		return;
	case AVSC_BYTES:
	case AVSC_FIXED: {
		if (!json_is_string(v)) {
			avjson_fail(w, ptr, "type", "expected a string of bytes", NULL);
			return;
		}
		long len = avjson_latin1_len(json_string_value(v), json_string_length(v));
		if (len < 0)
			avjson_fail(w, ptr, "bytes",
			            "bytes are written as code points U+0000..U+00FF", NULL);
		else if (avsc_kind(n) == AVSC_FIXED && (size_t)len != avsc_fixed_size(n)) {
			char d[64];
			snprintf(d, sizeof d, "(%ld bytes, the fixed size is %zu)", len,
			         avsc_fixed_size(n));
			avjson_fail(w, ptr, "fixed", "wrong length", d);
		}
		return;
	}
	case AVSC_ENUM:
		if (!json_is_string(v))
			avjson_fail(w, ptr, "type", "expected an enum symbol", NULL);
		else if (avsc_symbol_index(n, json_string_value(v)) < 0)
			avjson_fail(w, ptr, "enum", "not a symbol of", avsc_fullname(n));
		return;
	case AVSC_ARRAY: {
		if (!json_is_array(v)) {
			avjson_fail(w, ptr, "type", "expected an array", NULL);
			return;
		}
		size_t i;
		const json_t *item;
		json_array_foreach(v, i, item)
		{
			char tok[24];
			snprintf(tok, sizeof tok, "%zu", i);
			avjson_child(w, avsc_items(n), item, ptr, plen, tok, depth);
		}
		return;
	}
	case AVSC_MAP: {
		if (!json_is_object(v)) {
			avjson_fail(w, ptr, "type", "expected an object (a map)", NULL);
			return;
		}
		const char *key;
		const json_t *val;
		json_object_foreach((json_t *)v, key, val)
		    avjson_child(w, avsc_values(n), val, ptr, plen, key, depth);
		return;
	}
	case AVSC_RECORD:
		avjson_record(w, n, v, ptr, plen, depth);
		return;
	case AVSC_UNION:
		avjson_union(w, n, v, ptr, plen, depth);
		return;
	}
}

int avjson_validate(const struct avsc_schema *s, const json_t *doc, struct report *r)
{
	struct avjson w = {.r = r};
	char ptr[AVJSON_PTR_MAX] = "";
	avjson_walk(&w, avsc_root(s), doc, ptr, 0, 0);
	return w.bad ? 0 : 1;
}
