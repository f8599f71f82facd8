/* fuzz/fuzz_jsonschema_diff.c: a differential target: the one-pass JSON
 * validator (compat/jsonschema/jsstream, through jsonschema_validate_stream())
 * against the full validator (jsonschema_parse() then jsonschema_validate(),
 * which never takes the one-pass path), on random schemas and documents.
 *
 * The one-pass check answers 1 (valid) or 0 (not shown, the full validator
 * decides), or -1 when the schema has no one-pass form. Its 1 is a verdict:
 * the full validator must then find the same text well-formed and valid
 * (with and without a report), and jsonschema_validate_bytes() must say
 * valid too; anything else aborts. A "limit" finding of the full validator
 * does not count against it: the one-pass check has a larger step budget
 * for raw bytes (32 steps a byte), as jsonschema_validate_bytes() does.
 *
 * Input: byte 0 holds flags:
 *   bit 0  the schema is generated: byte 1 is the number L of the next
 *          bytes that drive the generator (see gen_schema(): records of
 *          typed, optional and nested fields, mostly with a one-pass form,
 *          sometimes with a keyword that has none); otherwise the schema is
 *          the text up to the first NUL;
 *   bit 1  the document is generated from the schema by the bytes that
 *          follow (mostly conforming values, near the limits, with escapes,
 *          whitespace, unknown and duplicate keys); otherwise the document
 *          is the rest, as is;
 *   bits 2-4  the default draft (4, 6, 7, 2019-09, 2020-12, modulo 5);
 *   bit 5  format assertion.
 * Seeds: fuzz/corpus/jsonschema_diff/ (schemas with a one-pass form and
 * documents, as text, and a few generator inputs).
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/jsonschema/jsonschema.h"
#include "compat/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- bytes in, text out ---- */

struct src {
	const uint8_t *p;
	size_t n;
};

/* A choice among `n` (0 once the bytes run out). */
static unsigned pick(struct src *s, unsigned n)
{
	if (s->n == 0 || n == 0)
		return 0;
	s->n--;
	return *s->p++ % n;
}

#define SB_MAX (64u << 10)

struct sb {
	char *p;
	size_t len, cap;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
	if (b->len + n > SB_MAX)
		return; /* past the bound the text is cut (and likely malformed) */
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void sb_fmt(struct sb *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* ---- schemas ---- */

static const char *const names[] = {"id", "a", "b", "amount", "tags", "é", "a b", "x"};
#define NNAMES (sizeof names / sizeof *names)

static const char *const scalar_types[] = {"string", "integer", "number", "boolean", "null"};

struct gen {
	struct src *s;
	int draft;
	int ndefs;
};

static void gen_schema(struct gen *g, struct sb *b, int depth);

static void gen_scalar_keywords(struct gen *g, struct sb *b, const char *type)
{
	struct src *s = g->s;
	if (strcmp(type, "string") == 0) {
		if (pick(s, 2))
			sb_fmt(b, ",\"minLength\":%u", pick(s, 4));
		if (pick(s, 2))
			sb_fmt(b, ",\"maxLength\":%u", 1 + pick(s, 8));
		if (pick(s, 4) == 0)
			sb_str(b, pick(s, 2) ? ",\"pattern\":\"^o-[0-9]+$\""
			                     : ",\"pattern\":\"\\\\p{L}\"");
		if (pick(s, 4) == 0)
			sb_str(b, pick(s, 2) ? ",\"format\":\"date\"" : ",\"format\":\"email\"");
		if (pick(s, 6) == 0)
			sb_str(b, ",\"enum\":[\"a\",\"o-1\",\"\\u00e9\"]");
	} else if (strcmp(type, "integer") == 0 || strcmp(type, "number") == 0) {
		if (pick(s, 2))
			sb_fmt(b, ",\"minimum\":%d", (int)pick(s, 5) - 2);
		if (pick(s, 3) == 0)
			sb_fmt(b, ",\"maximum\":%u", 10 + pick(s, 100));
		if (pick(s, 4) == 0) {
			if (g->draft == 4)
				sb_str(b, ",\"minimum\":0,\"exclusiveMinimum\":true");
			else
				sb_str(b, ",\"exclusiveMinimum\":0");
		}
		if (pick(s, 4) == 0)
			sb_str(b, pick(s, 2) ? ",\"multipleOf\":0.01" : ",\"multipleOf\":3");
		if (pick(s, 8) == 0)
			sb_str(b, ",\"const\":1");
	}
}

static void gen_ref(struct gen *g, struct sb *b)
{
	const char *defs = g->draft >= 2019 ? "$defs" : "definitions";
	unsigned k = pick(g->s, 3);
	if (k == 2)
		sb_str(b, "{\"$ref\":\"#\"}");
	else
		sb_fmt(b, "{\"$ref\":\"#/%s/D%u\"}", defs, k);
}

static void gen_object(struct gen *g, struct sb *b, int depth)
{
	struct src *s = g->s;
	unsigned n = pick(s, 5);
	unsigned used = 0;
	sb_str(b, "\"type\":");
	sb_str(b, pick(s, 5) == 0 ? "[\"object\",\"null\"]" : "\"object\"");
	sb_str(b, ",\"properties\":{");
	for (unsigned i = 0; i < n; i++) {
		unsigned k = pick(s, NNAMES);
		if (used & (1u << k))
			continue;
		sb_fmt(b, "%s\"%s\":", used ? "," : "", names[k]);
		used |= 1u << k;
		gen_schema(g, b, depth + 1);
	}
	sb_str(b, "}");
	if (used && pick(s, 2)) {
		sb_str(b, ",\"required\":[");
		int first = 1;
		for (unsigned k = 0; k < NNAMES; k++)
			if ((used & (1u << k)) && pick(s, 2)) {
				sb_fmt(b, "%s\"%s\"", first ? "" : ",", names[k]);
				first = 0;
			}
		if (pick(s, 6) == 0)
			sb_fmt(b, "%s\"missing\"", first ? "" : ",");
		sb_str(b, "]");
	}
	switch (pick(s, 5)) {
	case 1:
		sb_str(b, ",\"additionalProperties\":false");
		break;
	case 2:
		sb_str(b, ",\"additionalProperties\":");
		gen_schema(g, b, depth + 1);
		break;
	case 3:
		sb_fmt(b, ",\"minProperties\":%u,\"maxProperties\":%u", pick(s, 2), 1 + pick(s, 4));
		break;
	default:
		break;
	}
}

static void gen_array(struct gen *g, struct sb *b, int depth)
{
	struct src *s = g->s;
	sb_str(b, "\"type\":\"array\"");
	switch (pick(s, 3)) {
	case 0:
		sb_str(b, ",\"items\":");
		gen_schema(g, b, depth + 1);
		break;
	case 1: {
		int tuple2020 = g->draft == 2020;
		sb_str(b, tuple2020 ? ",\"prefixItems\":[" : ",\"items\":[");
		for (unsigned i = 0, n = 1 + pick(s, 3); i < n; i++) {
			if (i)
				sb_str(b, ",");
			gen_schema(g, b, depth + 1);
		}
		sb_str(b, "]");
		if (pick(s, 2)) {
			sb_str(b, tuple2020 ? ",\"items\":" : ",\"additionalItems\":");
			if (pick(s, 2))
				sb_str(b, "false");
			else
				gen_schema(g, b, depth + 1);
		}
		break;
	}
	default:
		break;
	}
	if (pick(s, 2))
		sb_fmt(b, ",\"minItems\":%u", pick(s, 3));
	if (pick(s, 2))
		sb_fmt(b, ",\"maxItems\":%u", pick(s, 5));
}

/* Keywords with no one-pass form on containers, now and then. */
static void gen_spoiler(struct gen *g, struct sb *b)
{
	static const char *const spoil[] = {
	    ",\"uniqueItems\":true",
	    ",\"const\":{\"a\":1}",
	    ",\"patternProperties\":{\"^x\":{\"type\":\"string\"}}",
	    ",\"not\":{\"type\":\"string\"}",
	    ",\"propertyNames\":{\"maxLength\":3}",
	    ",\"contains\":{\"type\":\"integer\"}",
	    ",\"enum\":[{\"a\":1},[1],null]",
	    ",\"if\":{\"required\":[\"a\"]},\"then\":{\"required\":[\"b\"]}",
	    ",\"dependentRequired\":{\"a\":[\"b\"]}",
	    ",\"unevaluatedProperties\":false",
	};
	sb_str(b, spoil[pick(g->s, sizeof spoil / sizeof *spoil)]);
}

static void gen_schema(struct gen *g, struct sb *b, int depth)
{
	struct src *s = g->s;
	unsigned kind = depth > 5 ? 4 + pick(s, 3) : pick(s, 14);
	switch (kind) {
	case 0:
	case 1:
		sb_str(b, "{");
		gen_object(g, b, depth);
		if (pick(s, 10) == 0)
			gen_spoiler(g, b);
		sb_str(b, "}");
		break;
	case 2:
	case 3:
		sb_str(b, "{");
		gen_array(g, b, depth);
		if (pick(s, 10) == 0)
			gen_spoiler(g, b);
		sb_str(b, "}");
		break;
	case 4:
	case 5: {
		const char *t = scalar_types[pick(s, 5)];
		sb_fmt(b, "{\"type\":\"%s\"", t);
		gen_scalar_keywords(g, b, t);
		sb_str(b, "}");
		break;
	}
	case 6:
		sb_str(b, pick(s, 3) == 0 ? "{\"type\":[\"string\",\"null\"]}"
		                          : (pick(s, 2) ? "true" : "{}"));
		break;
	case 7: /* an optional record, as generators write it */
		sb_str(b, "{\"anyOf\":[");
		gen_ref(g, b);
		sb_str(b, ",{\"type\":\"null\"}]}");
		break;
	case 8:
		sb_str(b, "{\"oneOf\":[{\"type\":\"null\"},");
		gen_schema(g, b, depth + 1);
		sb_str(b, "]}");
		break;
	case 9: /* pydantic 1 around a described field */
		sb_str(b, "{\"description\":\"d\",\"allOf\":[");
		gen_ref(g, b);
		sb_str(b, "]}");
		break;
	case 10:
		gen_ref(g, b);
		break;
	case 11:
		sb_str(b, pick(s, 4) == 0 ? "false" : "{\"enum\":[1,\"a\",null,true]}");
		break;
	case 12: {
		sb_str(b, "{");
		gen_object(g, b, depth);
		gen_spoiler(g, b);
		sb_str(b, "}");
		break;
	}
	default:
		sb_str(b, "{\"type\":\"integer\",\"minimum\":0}");
		break;
	}
}

static void gen_root(struct gen *g, struct sb *b)
{
	static const char *const uris[] = {"",
	                                   "http://json-schema.org/draft-04/schema#",
	                                   "http://json-schema.org/draft-06/schema#",
	                                   "http://json-schema.org/draft-07/schema#",
	                                   "https://json-schema.org/draft/2019-09/schema",
	                                   "https://json-schema.org/draft/2020-12/schema"};
	unsigned u = pick(g->s, 6);
	static const int drafts[] = {0, 4, 6, 7, 2019, 2020};
	if (u)
		g->draft = drafts[u];
	sb_str(b, "{");
	if (u)
		sb_fmt(b, "\"$schema\":\"%s\",", uris[u]);
	sb_fmt(b, "\"%s\":{", g->draft >= 2019 ? "$defs" : "definitions");
	for (int i = 0; i < 2; i++) {
		sb_fmt(b, "%s\"D%d\":", i ? "," : "", i);
		gen_schema(g, b, 3);
	}
	sb_str(b, "},");
	gen_object(g, b, 0);
	sb_str(b, "}");
}

/* ---- documents ---- */

static void ws(struct src *s, struct sb *b)
{
	static const char *const w[] = {"", "", "", " ", "\n", "\t ", "\r\n"};
	sb_str(b, w[pick(s, 7)]);
}

static void gen_string(struct src *s, struct sb *b, unsigned minlen)
{
	static const char *const strs[] = {
	    "\"\"",
	    "\"a\"",
	    "\"o-1\"",
	    "\"o-12x\"",
	    "\"2024-02-30\"",
	    "\"2024-01-01\"",
	    "\"a@b.c\"",
	    "\"\\u00e9\"",
	    "\"\xc3\xa9t\xc3\xa9\"",
	    "\"\\ud83d\\ude00\"",
	    "\"\\ud83d\"",
	    "\"a\\\"b\"",
	    "\"\\u0000\"",
	    "\"abcdefghijklmnopqrstuvwxyz\\n\\t\\u0041abcdefghijklmnopqrstuvwxyz\\\\\"",
	    "\"\xff\"",
	};
	if (minlen > 1 && pick(s, 2)) {
		sb_str(b, "\"");
		for (unsigned i = 0; i < minlen + pick(s, 3); i++)
			sb_str(b, pick(s, 4) ? "x" : "\\u0078");
		sb_str(b, "\"");
		return;
	}
	sb_str(b, strs[pick(s, sizeof strs / sizeof *strs)]);
}

static void gen_number(struct src *s, struct sb *b, const json_t *sch, int integer)
{
	static const char *const nums[] = {"0",
	                                   "1",
	                                   "-1",
	                                   "2",
	                                   "3",
	                                   "1.0",
	                                   "0.5",
	                                   "-0",
	                                   "1e2",
	                                   "1E+2",
	                                   "0.1",
	                                   "0.07",
	                                   "1e-7",
	                                   "100",
	                                   "12345678901234567890",
	                                   "-9223372036854775808",
	                                   "1.5e308",
	                                   "9007199254740993",
	                                   "3.0000000001",
	                                   "0.30000000000000004"};
	json_t *mn = sch ? json_object_get(sch, "minimum") : NULL;
	json_t *mx = sch ? json_object_get(sch, "maximum") : NULL;
	unsigned k = pick(s, 4);
	if (k == 0 && json_is_number(mn)) {
		sb_fmt(b, "%.17g", json_number_value(mn) + (double)pick(s, 3) - 1);
		return;
	}
	if (k == 1 && json_is_number(mx)) {
		sb_fmt(b, "%.17g", json_number_value(mx) + (double)pick(s, 3) - 1);
		return;
	}
	if (integer && pick(s, 2)) {
		sb_fmt(b, "%d", (int)pick(s, 20));
		return;
	}
	sb_str(b, nums[pick(s, sizeof nums / sizeof *nums)]);
}

static void gen_any(struct src *s, struct sb *b, int depth);

static void gen_key(struct src *s, struct sb *b, const char *k)
{
	if (pick(s, 8) == 0 && k[0] && (unsigned char)k[0] < 0x80)
		sb_fmt(b, "\"\\u%04x%s\"", (unsigned)(unsigned char)k[0], k + 1); /* escaped key */
	else
		sb_fmt(b, "\"%s\"", k);
}

/* A value of any shape. */
static void gen_any(struct src *s, struct sb *b, int depth)
{
	switch (depth > 4 ? 2 + pick(s, 4) : pick(s, 6)) {
	case 0:
		sb_str(b, "{");
		for (unsigned i = 0, n = pick(s, 4); i < n; i++) {
			if (i)
				sb_str(b, ",");
			gen_key(s, b, names[pick(s, NNAMES)]);
			sb_str(b, ":");
			gen_any(s, b, depth + 1);
		}
		sb_str(b, "}");
		break;
	case 1:
		sb_str(b, "[");
		for (unsigned i = 0, n = pick(s, 4); i < n; i++) {
			if (i)
				sb_str(b, ",");
			gen_any(s, b, depth + 1);
		}
		sb_str(b, "]");
		break;
	case 2:
		gen_string(s, b, 0);
		break;
	case 3:
		gen_number(s, b, NULL, 0);
		break;
	case 4:
		sb_str(b, pick(s, 2) ? "true" : "false");
		break;
	default:
		sb_str(b, "null");
		break;
	}
}

/* The schema a "$ref" names: "#", "#/$defs/X" or "#/definitions/X". */
static const json_t *deref(const json_t *root, const char *ref)
{
	if (strcmp(ref, "#") == 0)
		return root;
	const char *defs[] = {"#/$defs/", "#/definitions/"};
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(defs[i]);
		if (strncmp(ref, defs[i], n) == 0) {
			const json_t *d = json_object_get(root, i ? "definitions" : "$defs");
			return d ? json_object_get(d, ref + n) : NULL;
		}
	}
	return NULL;
}

static void gen_doc(struct src *s, struct sb *b, const json_t *root, const json_t *sch, int depth);

static void gen_object_doc(struct src *s, struct sb *b, const json_t *root, const json_t *sch,
                           int depth)
{
	const json_t *props = json_object_get(sch, "properties");
	const json_t *req = json_object_get(sch, "required");
	const char *k;
	json_t *sub;
	int first = 1;
	sb_str(b, "{");
	json_object_foreach((json_t *)props, k, sub)
	{
		int required = 0;
		size_t i;
		json_t *r;
		json_array_foreach(req, i, r) required |=
		    json_is_string(r) && !strcmp(json_string_value(r), k);
		if (!required && pick(s, 3) == 0)
			continue;
		if (!first)
			sb_str(b, ",");
		first = 0;
		ws(s, b);
		gen_key(s, b, k);
		ws(s, b);
		sb_str(b, ":");
		ws(s, b);
		gen_doc(s, b, root, sub, depth + 1);
		if (pick(s, 24) == 0) { /* the same key again */
			sb_str(b, ",");
			gen_key(s, b, k);
			sb_str(b, ":");
			gen_doc(s, b, root, sub, depth + 1);
		}
	}
	for (unsigned i = 0, n = pick(s, 5) == 0 ? 1 + pick(s, 3) : 0; i < n; i++) {
		if (!first)
			sb_str(b, ",");
		first = 0;
		sb_fmt(b, "\"extra%u\":", i);
		const json_t *ap = json_object_get(sch, "additionalProperties");
		if (json_is_object(ap) && pick(s, 2))
			gen_doc(s, b, root, ap, depth + 1);
		else
			gen_any(s, b, depth + 1);
	}
	ws(s, b);
	sb_str(b, "}");
}

static void gen_array_doc(struct src *s, struct sb *b, const json_t *root, const json_t *sch,
                          int depth)
{
	const json_t *prefix = json_object_get(sch, "prefixItems");
	const json_t *items = json_object_get(sch, "items");
	const json_t *more = json_object_get(sch, "additionalItems");
	if (json_is_array(items)) {
		prefix = items;
		items = more;
	}
	json_t *mn = json_object_get(sch, "minItems");
	unsigned n = (json_is_integer(mn) ? (unsigned)json_integer_value(mn) : 0) + pick(s, 4);
	if (n > 8)
		n = 8;
	sb_str(b, "[");
	for (unsigned i = 0; i < n; i++) {
		if (i)
			sb_str(b, ",");
		ws(s, b);
		const json_t *sub = i < json_array_size(prefix) ? json_array_get(prefix, i) : items;
		if (sub)
			gen_doc(s, b, root, sub, depth + 1);
		else
			gen_any(s, b, depth + 1);
	}
	sb_str(b, "]");
}

/* A value for `sch`: mostly one it accepts, sometimes one near its limits
 * or of any shape. */
static void gen_doc(struct src *s, struct sb *b, const json_t *root, const json_t *sch, int depth)
{
	if (depth > 12 || !json_is_object(sch) || pick(s, 20) == 0) {
		gen_any(s, b, depth);
		return;
	}
	const json_t *j;
	if ((j = json_object_get(sch, "$ref")) && json_is_string(j)) {
		const json_t *t = deref(root, json_string_value(j));
		if (t) {
			gen_doc(s, b, root, t, depth + 1);
			return;
		}
	}
	if ((j = json_object_get(sch, "const")) && pick(s, 4)) {
		char *t = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
		if (t)
			sb_str(b, t);
		free(t);
		return;
	}
	if ((j = json_object_get(sch, "enum")) && json_array_size(j) && pick(s, 4)) {
		char *t = json_dumps(json_array_get(j, pick(s, (unsigned)json_array_size(j))),
		                     JSON_ENCODE_ANY | JSON_COMPACT);
		if (t)
			sb_str(b, t);
		free(t);
		return;
	}
	const char *ofs[] = {"anyOf", "oneOf", "allOf"};
	for (int i = 0; i < 3; i++)
		if ((j = json_object_get(sch, ofs[i])) && json_array_size(j)) {
			gen_doc(s, b, root,
			        json_array_get(j, pick(s, (unsigned)json_array_size(j))),
			        depth + 1);
			return;
		}
	const char *type = NULL;
	j = json_object_get(sch, "type");
	if (json_is_string(j))
		type = json_string_value(j);
	else if (json_array_size(j))
		type = json_string_value(json_array_get(j, pick(s, (unsigned)json_array_size(j))));
	else if (json_object_get(sch, "properties"))
		type = "object";
	else if (json_object_get(sch, "items") || json_object_get(sch, "prefixItems"))
		type = "array";
	if (!type) {
		gen_any(s, b, depth);
	} else if (!strcmp(type, "object")) {
		gen_object_doc(s, b, root, sch, depth);
	} else if (!strcmp(type, "array")) {
		gen_array_doc(s, b, root, sch, depth);
	} else if (!strcmp(type, "string")) {
		json_t *ml = json_object_get(sch, "minLength");
		gen_string(s, b, json_is_integer(ml) ? (unsigned)json_integer_value(ml) : 0);
	} else if (!strcmp(type, "integer") || !strcmp(type, "number")) {
		gen_number(s, b, sch, !strcmp(type, "integer"));
	} else if (!strcmp(type, "boolean")) {
		sb_str(b, pick(s, 2) ? "true" : "false");
	} else {
		sb_str(b, "null");
	}
}

/* ---- the check ---- */

/* How often each answer came (compiled schemas only), printed at exit when
 * FUZZ_DIFF_STATS is set: whether the inputs reach the one-pass verdict. */
static unsigned long answers[3], uncompiled;

static void print_answers(void)
{
	fprintf(stderr,
	        "fuzz_jsonschema_diff: one-pass valid %lu, not shown %lu, no one-pass form %lu; "
	        "schema did not compile %lu\n",
	        answers[2], answers[1], answers[0], uncompiled);
}

/* 1 when the report has a "limit" finding (the step budget ran out). */
static int hit_limit(const struct report *r)
{
	for (size_t i = 0; i < report_count(r); i++)
		if (strcmp(report_type(r, i), "limit") == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum jsonschema_draft drafts[] = {
	    JSONSCHEMA_DRAFT4,       JSONSCHEMA_DRAFT6,       JSONSCHEMA_DRAFT7,
	    JSONSCHEMA_DRAFT2019_09, JSONSCHEMA_DRAFT2020_12,
	};
	static int stats = -1;
	if (stats < 0 && (stats = getenv("FUZZ_DIFF_STATS") != NULL))
		atexit(print_answers);
	if (size < 2)
		return 0;
	uint8_t flags = data[0];
	struct sb schema_text = {0}, doc_text = {0};
	struct src rest = {data + 1, size - 1};
	struct jsonschema_options o = {
	    .draft = drafts[(flags >> 2) % 5],
	    .format_assert = (flags >> 5) & 1,
	    .max_steps = 200000,
	};
	struct gen g = {.draft = o.draft == JSONSCHEMA_DRAFT2019_09   ? 2019
	                         : o.draft == JSONSCHEMA_DRAFT2020_12 ? 2020
	                                                              : (int)o.draft};
	if (flags & 1) {
		size_t l = rest.p[0];
		rest.p++;
		rest.n--;
		if (l > rest.n)
			l = rest.n;
		struct src gs = {rest.p, l};
		g.s = &gs;
		gen_root(&g, &schema_text);
		rest.p += l;
		rest.n -= l;
	} else {
		const uint8_t *nul = memchr(rest.p, 0, rest.n);
		if (!nul)
			return 0;
		sb_put(&schema_text, (const char *)rest.p, (size_t)(nul - rest.p));
		rest.n -= (size_t)(nul - rest.p) + 1;
		rest.p = nul + 1;
	}
	struct sg_error e;
	error_clear(&e);
	json_t *schema =
	    schema_text.p ? jsonschema_parse(schema_text.p, schema_text.len, &e) : NULL;
	struct jsonschema *v = schema ? jsonschema_compile(schema, &o, &e) : NULL;
	if (!v) {
		uncompiled++;
		goto out;
	}
	if (flags & 2)
		gen_doc(&rest, &doc_text, schema, schema, 0);
	else
		sb_put(&doc_text, (const char *)rest.p, rest.n);
	const char *doc = doc_text.p ? doc_text.p : "";
	size_t len = doc_text.len;

	int one = jsonschema_validate_stream(v, doc, len);
	answers[one + 1]++;
	if (one == 1) {
		json_t *d = jsonschema_parse(doc, len, &e);
		if (!d)
			__builtin_trap(); /* one-pass accepted a text the parser refuses */
		struct report *r = report_new();
		int full = jsonschema_validate(v, d, r);
		int quick = jsonschema_validate(v, d, NULL);
		if (full != 1 && !(full == 0 && hit_limit(r)))
			__builtin_trap(); /* one-pass says valid, the full validator not */
		if (quick != full && !hit_limit(r))
			__builtin_trap();
		if (jsonschema_validate_bytes(v, doc, len, NULL) != 1)
			__builtin_trap();
		report_free(r);
		json_decref(d);
	} else if (one == 0 && (flags & 2) && len < 64) {
		/* Not shown: the full path still answers, with a finding when
		 * it says invalid. */
		struct report *r = report_new();
		int full = jsonschema_validate_bytes(v, doc, len, r);
		if (full == 0 && report_count(r) == 0)
			__builtin_trap();
		report_free(r);
	}
	jsonschema_free(v);
out:
	json_decref(schema);
	free(schema_text.p);
	free(doc_text.p);
	return 0;
}
