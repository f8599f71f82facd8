/* registry/schemalog.c: Confluent's `_schemas` records, decoded and encoded.
 * The format and the contracts are in schemalog.h. Each value type is a
 * table of fields (struct shape) in Confluent's order; one checker reads
 * JSON against a table, one writer writes JSON by it, so the decoder and the
 * encoder cannot disagree on a field's name, kind or inclusion rule. */
#include "registry/schemalog.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Output: a growable buffer with a ceiling ---- */

struct wbuf {
	char *p;
	size_t len, cap, max;
	int code;      /* SG_OK, or the first failure: SG_ENOMEM, SG_ELIMIT, SG_EINTERNAL */
	char msg[160]; /* with SG_EINTERNAL: what is wrong */
};

static void wb_put(struct wbuf *b, const void *s, size_t n)
{
	if (b->code)
		return;
	if (n > b->max - b->len) {
		b->code = SG_ELIMIT;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > b->max + 1)
			cap = b->max + 1;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->code = SG_ENOMEM;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void wb_c(struct wbuf *b, char c)
{
	wb_put(b, &c, 1);
}

static void wb_s(struct wbuf *b, const char *s)
{
	wb_put(b, s, strlen(s));
}

/* Records that the thing to encode is not something Confluent can hold. */
__attribute__((format(printf, 2, 3))) static void wb_bad(struct wbuf *b, const char *fmt, ...)
{
	if (b->code)
		return;
	b->code = SG_EINTERNAL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->msg, sizeof b->msg, fmt, ap);
	va_end(ap);
}

/* Hands the buffer over (NUL-terminated) or reports its failure. */
static int wb_finish(struct wbuf *b, const char *what, char **out, size_t *len,
                     struct sg_error *err)
{
	*out = NULL;
	*len = 0;
	if (!b->code)
		wb_put(b, "", 0); /* makes room for the NUL on an empty buffer */
	if (b->code) {
		free(b->p);
		if (b->code == SG_ENOMEM)
			return error_set(err, SG_ENOMEM, "out of memory encoding a _schemas %s",
			                 what);
		if (b->code == SG_ELIMIT)
			return error_set(
			    err, SG_ELIMIT,
			    "a _schemas %s would exceed %zu bytes or nest deeper than %d", what,
			    b->max, SCHEMALOG_DEPTH_MAX);
		return error_set(err, SG_EINTERNAL, "cannot encode this _schemas %s: %s", what,
		                 b->msg);
	}
	b->p[b->len] = '\0';
	*out = b->p;
	*len = b->len;
	return 0;
}

/* ---- UTF-8, and Java's order of strings ---- */

/* Reads the character at s[*i] (before n): valid UTF-8 only (no overlong
 * form, no surrogate, nothing past U+10FFFF). Returns its code point and
 * moves *i past it, or returns -1. */
static long utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	unsigned c = s[*i];
	size_t len;
	uint32_t cp, min;
	if (c < 0x80) {
		(*i)++;
		return (long)c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2, cp = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, cp = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if (n - *i < len)
		return -1;
	for (size_t k = 1; k < len; k++) {
		unsigned d = s[*i + k];
		if ((d & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (d & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*i += len;
	return (long)cp;
}

/* The first UTF-16 code unit of a code point: what Java compares first. */
static long utf16_lead(long cp)
{
	return cp < 0x10000 ? cp : 0xD800 + ((cp - 0x10000) >> 10);
}

/* Java's String.compareTo on UTF-8 strings: UTF-16 code units in order, a
 * prefix first. An invalid byte compares as itself (the writer refuses it
 * later anyway). */
static int java_cmp(const char *a, const char *b)
{
	const unsigned char *ua = (const unsigned char *)a, *ub = (const unsigned char *)b;
	size_t na = strlen(a), nb = strlen(b), i = 0, j = 0;
	while (i < na && j < nb) {
		long ca = utf8_next(ua, na, &i), cb = utf8_next(ub, nb, &j);
		if (ca < 0)
			ca = ua[i++];
		if (cb < 0)
			cb = ub[j++];
		if (ca != cb) {
			long la = utf16_lead(ca), lb = utf16_lead(cb);
			if (la != lb)
				return la < lb ? -1 : 1;
			return ca < cb ? -1 : 1; /* same lead surrogate: the trail decides */
		}
	}
	return (i < na) - (j < nb);
}

static int java_cmp_ptr(const void *a, const void *b)
{
	return java_cmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- Jackson's JSON text ---- */

static const char HEX[] = "0123456789ABCDEF";

static void w_u16(struct wbuf *b, unsigned u)
{
	char e[6] = {'\\',       'u', HEX[(u >> 12) & 15], HEX[(u >> 8) & 15], HEX[(u >> 4) & 15],
	             HEX[u & 15]};
	wb_put(b, e, sizeof e);
}

/* A string as Jackson's UTF8JsonGenerator writes it (see schemalog.h). */
static void w_strn(struct wbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, raw = 0;
	wb_c(b, '"');
	while (i < n && !b->code) {
		size_t at = i;
		long cp = utf8_next(u, n, &i);
		if (cp < 0) {
			wb_bad(b, "a string is not valid UTF-8");
			return;
		}
		if (cp >= 0x20 && cp != '"' && cp != '\\' && cp < 0x10000)
			continue; /* written raw, with the run it belongs to */
		wb_put(b, s + raw, at - raw);
		raw = i;
		switch (cp) {
		case '"':
			wb_s(b, "\\\"");
			break;
		case '\\':
			wb_s(b, "\\\\");
			break;
		case '\b':
			wb_s(b, "\\b");
			break;
		case '\t':
			wb_s(b, "\\t");
			break;
		case '\n':
			wb_s(b, "\\n");
			break;
		case '\f':
			wb_s(b, "\\f");
			break;
		case '\r':
			wb_s(b, "\\r");
			break;
		default:
			if (cp < 0x20) {
				w_u16(b, (unsigned)cp);
			} else {
				w_u16(b, (unsigned)(0xD800 + ((cp - 0x10000) >> 10)));
				w_u16(b, (unsigned)(0xDC00 + ((cp - 0x10000) & 0x3FF)));
			}
		}
	}
	wb_put(b, s + raw, n - raw);
	wb_c(b, '"');
}

static void w_str(struct wbuf *b, const char *s)
{
	w_strn(b, s, strlen(s));
}

static void w_i64(struct wbuf *b, int64_t v)
{
	char t[24];
	snprintf(t, sizeof t, "%" PRId64, v);
	wb_s(b, t);
}

/* A number that is not an integer, in its shortest form that reads back
 * as the same double, with a '.' or an exponent so it stays a real. */
static void w_real(struct wbuf *b, double d)
{
	char t[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(t, sizeof t, "%.*g", prec, d);
		if (strtod(t, NULL) == d)
			break;
	}
	if (!strpbrk(t, ".eE"))
		strcat(t, ".0");
	wb_s(b, t);
}

/* Any JSON, members in their order: unknown fields. */
static void w_raw(struct wbuf *b, const json_t *v, int depth)
{
	if (b->code)
		return;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (depth > SCHEMALOG_DEPTH_MAX) {
			b->code = SG_ELIMIT;
			return;
		}
		if (json_is_array(v)) {
			wb_c(b, '[');
			for (size_t i = 0; i < json_array_size(v); i++) {
				if (i)
					wb_c(b, ',');
				w_raw(b, json_array_get(v, i), depth + 1);
			}
			wb_c(b, ']');
		} else {
			const char *k;
			size_t klen;
			json_t *m;
			int first = 1;
			wb_c(b, '{');
			json_object_keylen_foreach((json_t *)v, k, klen, m)
			{
				if (!first)
					wb_c(b, ',');
				first = 0;
				w_strn(b, k, klen);
				wb_c(b, ':');
				w_raw(b, m, depth + 1);
			}
			wb_c(b, '}');
		}
		break;
	case JSON_STRING:
		w_strn(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		w_i64(b, json_integer_value(v));
		break;
	case JSON_REAL:
		w_real(b, json_real_value(v));
		break;
	case JSON_TRUE:
		wb_s(b, "true");
		break;
	case JSON_FALSE:
		wb_s(b, "false");
		break;
	case JSON_NULL:
		wb_s(b, "null");
		break;
	}
}

/* ---- The tables ---- */

enum fkind {
	F_STR,    /* String */
	F_ENUM,   /* an enum constant, one of field.enums */
	F_INT32,  /* Integer */
	F_INT64,  /* Long */
	F_BOOL,   /* Boolean: may be absent */
	F_PBOOL,  /* boolean: absent reads as false, always written */
	F_STRSET, /* SortedSet<String> */
	F_STRMAP, /* SortedMap<String, String> */
	F_TAGMAP, /* SortedMap<String, SortedSet<String>> */
	F_OBJ,    /* an object of field.shape */
	F_ARR,    /* a List of objects of field.shape */
};

#define NOFF ((size_t)-1)

struct shape;

struct field {
	const char *name;
	enum fkind kind;
	int required;
	const char *const *enums;  /* F_ENUM: NULL-terminated */
	const struct shape *shape; /* F_OBJ, F_ARR */
	const char *dflt;          /* F_STR: read when absent, written for NULL */
	size_t off, has_off;       /* top-level shapes: where it lives in struct
	                              schemalog_value (has_off for F_INT32/F_INT64) */
};

struct shape {
	const char *what; /* for messages */
	const struct field *f;
	size_t n;
};

#define NESTED(n, k)                                                                               \
	{                                                                                          \
		n, k, 0, NULL, NULL, NULL, NOFF, NOFF                                              \
	}
#define NESTED_ENUM(n, e)                                                                          \
	{                                                                                          \
		n, F_ENUM, 0, e, NULL, NULL, NOFF, NOFF                                            \
	}
#define NESTED_OF(n, k, s)                                                                         \
	{                                                                                          \
		n, k, 0, NULL, s, NULL, NOFF, NOFF                                                 \
	}
#define AT(m) offsetof(struct schemalog_value, m)
#define TOP(n, k, req, m)                                                                          \
	{                                                                                          \
		n, k, req, NULL, NULL, NULL, AT(m), NOFF                                           \
	}
#define TOP_INT(n, k, req, m, has)                                                                 \
	{                                                                                          \
		n, k, req, NULL, NULL, NULL, AT(m), AT(has)                                        \
	}
#define TOP_ENUM(n, req, e, m)                                                                     \
	{                                                                                          \
		n, F_ENUM, req, e, NULL, NULL, AT(m), NOFF                                         \
	}
#define TOP_OF(n, k, s, m)                                                                         \
	{                                                                                          \
		n, k, 0, NULL, s, NULL, AT(m), NOFF                                                \
	}
#define OFFSET_TS                                                                                  \
	TOP_INT("offset", F_INT64, 0, offset, has_offset), TOP_INT("ts", F_INT64, 0, ts, has_ts)
#define SHAPE(name, what, ...)                                                                     \
	static const struct field name##_fields[] = {__VA_ARGS__};                                 \
	static const struct shape name = {what, name##_fields,                                     \
	                                  sizeof name##_fields / sizeof name##_fields[0]}

static const char *const rule_kinds[] = {"TRANSFORM", "CONDITION", NULL};
static const char *const rule_modes[] = {"UPGRADE", "DOWNGRADE", "UPDOWN", "WRITE",
                                         "READ",    "WRITEREAD", NULL};
static const char *const levels[] = {"NONE",
                                     "BACKWARD",
                                     "BACKWARD_TRANSITIVE",
                                     "FORWARD",
                                     "FORWARD_TRANSITIVE",
                                     "FULL",
                                     "FULL_TRANSITIVE",
                                     NULL};
static const char *const modes[] = {"READWRITE", "READONLY", "READONLY_OVERRIDE",
                                    "IMPORT",    "FORWARD",  NULL};

/* storage.Rule, storage.RuleSet, storage.Metadata, storage.SchemaReference. */
SHAPE(rule_shape, "rule", NESTED("name", F_STR), NESTED("doc", F_STR),
      NESTED_ENUM("kind", rule_kinds), NESTED_ENUM("mode", rule_modes), NESTED("type", F_STR),
      NESTED("tags", F_STRSET), NESTED("params", F_STRMAP), NESTED("expr", F_STR),
      NESTED("onSuccess", F_STR), NESTED("onFailure", F_STR), NESTED("disabled", F_PBOOL));
SHAPE(ruleset_shape, "rule set", NESTED_OF("migrationRules", F_ARR, &rule_shape),
      NESTED_OF("domainRules", F_ARR, &rule_shape), NESTED_OF("encodingRules", F_ARR, &rule_shape));
SHAPE(metadata_shape, "metadata", NESTED("tags", F_TAGMAP), NESTED("properties", F_STRMAP),
      NESTED("sensitive", F_STRSET));
SHAPE(reference_shape, "reference", NESTED("name", F_STR), NESTED("subject", F_STR),
      NESTED("version", F_INT32));

/* The values, in the order Jackson writes them: the @JsonCreator's
 * parameters first, then SchemaRegistryValue's offset and ts. */
SHAPE(schema_value, "SCHEMA value", TOP("subject", F_STR, 1, subject),
      TOP_INT("version", F_INT32, 1, version, has_version), TOP_INT("id", F_INT32, 1, id, has_id),
      TOP("md5", F_STR, 0, md5),
      {"schemaType", F_STR, 0, NULL, NULL, "AVRO", AT(schema_type), NOFF},
      TOP_OF("references", F_ARR, &reference_shape, references),
      TOP_OF("metadata", F_OBJ, &metadata_shape, metadata),
      TOP_OF("ruleSet", F_OBJ, &ruleset_shape, rule_set), TOP("schema", F_STR, 1, schema),
      TOP("deleted", F_PBOOL, 0, deleted), OFFSET_TS);
SHAPE(config_value, "CONFIG value", TOP("subject", F_STR, 0, subject),
      TOP("alias", F_STR, 0, alias), TOP("normalize", F_BOOL, 0, normalize),
      TOP("validateFields", F_BOOL, 0, validate_fields),
      TOP("validateRules", F_BOOL, 0, validate_rules),
      TOP_ENUM("compatibilityLevel", 0, levels, compatibility_level),
      TOP("compatibilityGroup", F_STR, 0, compatibility_group),
      TOP_OF("defaultMetadata", F_OBJ, &metadata_shape, default_metadata),
      TOP_OF("overrideMetadata", F_OBJ, &metadata_shape, override_metadata),
      TOP_OF("defaultRuleSet", F_OBJ, &ruleset_shape, default_rule_set),
      TOP_OF("overrideRuleSet", F_OBJ, &ruleset_shape, override_rule_set), OFFSET_TS);
SHAPE(mode_value, "MODE value", TOP("subject", F_STR, 0, subject), TOP_ENUM("mode", 1, modes, mode),
      OFFSET_TS);
SHAPE(delete_subject_value, "DELETE_SUBJECT value", TOP("subject", F_STR, 0, subject),
      TOP_INT("version", F_INT32, 1, version, has_version), OFFSET_TS);
SHAPE(clear_subject_value, "CLEAR_SUBJECT value", TOP("subject", F_STR, 0, subject), OFFSET_TS);
SHAPE(context_value, "CONTEXT value", TOP("tenant", F_STR, 0, tenant),
      TOP("context", F_STR, 0, context), OFFSET_TS);

static const char *const keytype_names[] = {
    [SCHEMALOG_SCHEMA] = "SCHEMA",
    [SCHEMALOG_CONFIG] = "CONFIG",
    [SCHEMALOG_MODE] = "MODE",
    [SCHEMALOG_NOOP] = "NOOP",
    [SCHEMALOG_DELETE_SUBJECT] = "DELETE_SUBJECT",
    [SCHEMALOG_CLEAR_SUBJECT] = "CLEAR_SUBJECT",
    [SCHEMALOG_CONTEXT] = "CONTEXT",
};

const char *schemalog_keytype_name(enum schemalog_keytype type)
{
	if ((int)type < SCHEMALOG_SCHEMA || (int)type > SCHEMALOG_CONTEXT)
		return NULL;
	return keytype_names[type];
}

static const struct shape *value_shape(enum schemalog_keytype type)
{
	switch (type) {
	case SCHEMALOG_SCHEMA:
		return &schema_value;
	case SCHEMALOG_CONFIG:
		return &config_value;
	case SCHEMALOG_MODE:
		return &mode_value;
	case SCHEMALOG_DELETE_SUBJECT:
		return &delete_subject_value;
	case SCHEMALOG_CLEAR_SUBJECT:
		return &clear_subject_value;
	case SCHEMALOG_CONTEXT:
		return &context_value;
	case SCHEMALOG_NOOP:
		break;
	}
	return NULL;
}

static int is_known(const struct shape *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->f[i].name, name) == 0)
			return 1;
	return 0;
}

static int in_enum(const char *const *e, const char *s)
{
	for (; *e; e++)
		if (strcmp(*e, s) == 0)
			return 1;
	return 0;
}

/* Whether a present JSON value of field `f` is one Jackson leaves out. */
static int left_out(const struct field *f, const json_t *v)
{
	if (!v || json_is_null(v))
		return 1;
	switch (f->kind) {
	case F_STR:
	case F_ENUM:
		return json_is_string(v) && json_string_length(v) == 0;
	case F_STRSET:
	case F_ARR:
		return json_is_array(v) && json_array_size(v) == 0;
	case F_STRMAP:
	case F_TAGMAP:
		return json_is_object(v) && json_object_size(v) == 0;
	default:
		return 0;
	}
}

/* ---- Reading: JSON checked against a shape ---- */

static int check_obj(const struct shape *s, const json_t *obj, struct sg_error *err);

static int bad_field(struct sg_error *err, const struct shape *s, const struct field *f,
                     const char *must)
{
	return error_set(err, SG_ECORRUPT, "_schemas %s: field \"%s\" must be %s", s->what, f->name,
	                 must);
}

static int check_strings(const json_t *arr)
{
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (!json_is_string(json_array_get(arr, i)))
			return -1;
	return 0;
}

/* Checks a present, non-null value of field `f` of shape `s`. */
static int check_field(const struct shape *s, const struct field *f, const json_t *v,
                       struct sg_error *err)
{
	const char *k;
	json_t *m;
	switch (f->kind) {
	case F_STR:
		if (!json_is_string(v))
			return bad_field(err, s, f, "a string");
		return 0;
	case F_ENUM:
		if (!json_is_string(v) || !in_enum(f->enums, json_string_value(v)))
			return bad_field(err, s, f, "one of Confluent's constants");
		return 0;
	case F_INT32:
		if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
		    json_integer_value(v) > INT32_MAX)
			return bad_field(err, s, f, "a 32-bit integer");
		return 0;
	case F_INT64:
		if (!json_is_integer(v))
			return bad_field(err, s, f, "an integer");
		return 0;
	case F_BOOL:
	case F_PBOOL:
		if (!json_is_boolean(v))
			return bad_field(err, s, f, "true or false");
		return 0;
	case F_STRSET:
		if (!json_is_array(v) || check_strings(v))
			return bad_field(err, s, f, "a list of strings");
		return 0;
	case F_STRMAP:
		if (!json_is_object(v))
			return bad_field(err, s, f, "an object of strings");
		json_object_foreach((json_t *)v, k, m)
		{
			if (!json_is_string(m))
				return bad_field(err, s, f, "an object of strings");
		}
		return 0;
	case F_TAGMAP:
		if (!json_is_object(v))
			return bad_field(err, s, f, "an object of lists of strings");
		json_object_foreach((json_t *)v, k, m)
		{
			if (!json_is_array(m) || check_strings(m))
				return bad_field(err, s, f, "an object of lists of strings");
		}
		return 0;
	case F_OBJ:
		if (!json_is_object(v))
			return bad_field(err, s, f, "an object");
		return check_obj(f->shape, v, err);
	case F_ARR:
		if (!json_is_array(v))
			return bad_field(err, s, f, "a list of objects");
		for (size_t i = 0; i < json_array_size(v); i++) {
			const json_t *e = json_array_get(v, i);
			if (!json_is_object(e))
				return bad_field(err, s, f, "a list of objects");
			if (check_obj(f->shape, e, err))
				return -1;
		}
		return 0;
	}
	return bad_field(err, s, f, "known");
}

static int check_obj(const struct shape *s, const json_t *obj, struct sg_error *err)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct field *f = &s->f[i];
		const json_t *v = json_object_get(obj, f->name);
		if (v && !json_is_null(v) && check_field(s, f, v, err))
			return -1;
		if (f->required && left_out(f, v))
			return error_set(err, SG_ECORRUPT, "_schemas %s: field \"%s\" is missing",
			                 s->what, f->name);
	}
	return 0;
}

/* Fills the struct fields of a top-level shape from its checked JSON. */
static void extract(const struct shape *s, json_t *obj, struct schemalog_value *out)
{
	char *base = (char *)out;
	for (size_t i = 0; i < s->n; i++) {
		const struct field *f = &s->f[i];
		json_t *v = json_object_get(obj, f->name);
		int absent = left_out(f, v);
		switch (f->kind) {
		case F_STR:
		case F_ENUM:
			*(const char **)(base + f->off) = absent ? f->dflt : json_string_value(v);
			break;
		case F_INT32:
			*(int *)(base + f->has_off) = !absent;
			*(int32_t *)(base + f->off) = absent ? 0 : (int32_t)json_integer_value(v);
			break;
		case F_INT64:
			*(int *)(base + f->has_off) = !absent;
			*(int64_t *)(base + f->off) = absent ? 0 : (int64_t)json_integer_value(v);
			break;
		case F_BOOL:
			*(int *)(base + f->off) = absent ? SCHEMALOG_UNSET : json_is_true(v);
			break;
		case F_PBOOL:
			*(int *)(base + f->off) = !absent && json_is_true(v);
			break;
		default:
			*(json_t **)(base + f->off) = absent ? NULL : v;
			break;
		}
	}
}

/* ---- Writing: JSON by a shape ---- */

static void w_obj(struct wbuf *b, const struct shape *s, const json_t *obj, int depth);

/* A set of strings in Java's order, without duplicates. */
static void w_set(struct wbuf *b, const json_t *arr)
{
	size_t n = json_array_size(arr);
	const char **v = n ? malloc(n * sizeof *v) : NULL;
	if (n && !v) {
		b->code = b->code ? b->code : SG_ENOMEM;
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_string_value(json_array_get(arr, i));
	if (n > 1)
		qsort(v, n, sizeof *v, java_cmp_ptr);
	wb_c(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(v[i], v[i - 1]) == 0)
			continue;
		if (i)
			wb_c(b, ',');
		w_str(b, v[i]);
	}
	wb_c(b, ']');
	free(v);
}

/* A map in Java's order of its keys; each value a string (F_STRMAP) or a
 * set (F_TAGMAP). */
struct member {
	const char *k;
	const json_t *v;
};

static int member_cmp(const void *a, const void *b)
{
	return java_cmp(((const struct member *)a)->k, ((const struct member *)b)->k);
}

static void w_map(struct wbuf *b, const json_t *obj, enum fkind kind)
{
	size_t n = json_object_size(obj), i = 0, klen;
	struct member *m = n ? malloc(n * sizeof *m) : NULL;
	const char *k;
	json_t *v;
	if (n && !m) {
		b->code = b->code ? b->code : SG_ENOMEM;
		return;
	}
	json_object_keylen_foreach((json_t *)obj, k, klen, v)
	{
		if (strlen(k) != klen)
			wb_bad(b, "a map key holds a NUL");
		m[i].k = k;
		m[i++].v = v;
	}
	if (n > 1)
		qsort(m, n, sizeof *m, member_cmp);
	wb_c(b, '{');
	for (i = 0; i < n; i++) {
		if (i)
			wb_c(b, ',');
		w_str(b, m[i].k);
		wb_c(b, ':');
		if (kind == F_TAGMAP)
			w_set(b, m[i].v);
		else
			w_strn(b, json_string_value(m[i].v), json_string_length(m[i].v));
	}
	wb_c(b, '}');
	free(m);
}

/* A present value of field `f`, already checked to have its kind. */
static void w_value(struct wbuf *b, const struct field *f, const json_t *v, int depth)
{
	switch (f->kind) {
	case F_STR:
	case F_ENUM:
		w_strn(b, json_string_value(v), json_string_length(v));
		break;
	case F_INT32:
	case F_INT64:
		w_i64(b, json_integer_value(v));
		break;
	case F_BOOL:
	case F_PBOOL:
		wb_s(b, json_is_true(v) ? "true" : "false");
		break;
	case F_STRSET:
		w_set(b, v);
		break;
	case F_STRMAP:
	case F_TAGMAP:
		w_map(b, v, f->kind);
		break;
	case F_OBJ:
		w_obj(b, f->shape, v, depth + 1);
		break;
	case F_ARR:
		if (depth + 1 > SCHEMALOG_DEPTH_MAX) {
			b->code = b->code ? b->code : SG_ELIMIT;
			return;
		}
		wb_c(b, '[');
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				wb_c(b, ',');
			w_obj(b, f->shape, json_array_get(v, i), depth + 2);
		}
		wb_c(b, ']');
		break;
	}
}

static void w_name(struct wbuf *b, int *first, const char *name)
{
	if (!*first)
		wb_c(b, ',');
	*first = 0;
	w_str(b, name);
	wb_c(b, ':');
}

/* The fields of `obj` that `s` does not know, in their order. */
static void w_unknown(struct wbuf *b, const struct shape *s, const json_t *obj, int *first,
                      int depth)
{
	const char *k;
	size_t klen;
	json_t *m;
	json_object_keylen_foreach((json_t *)obj, k, klen, m)
	{
		if (strlen(k) == klen && is_known(s, k))
			continue;
		if (!*first)
			wb_c(b, ',');
		*first = 0;
		w_strn(b, k, klen);
		wb_c(b, ':');
		w_raw(b, m, depth + 1);
	}
}

/* A nested object of shape `s` at nesting `depth`: its known fields in
 * order, then the unknown ones. */
static void w_obj(struct wbuf *b, const struct shape *s, const json_t *obj, int depth)
{
	int first = 1;
	if (b->code)
		return;
	if (depth > SCHEMALOG_DEPTH_MAX) {
		b->code = SG_ELIMIT;
		return;
	}
	wb_c(b, '{');
	for (size_t i = 0; i < s->n && !b->code; i++) {
		const struct field *f = &s->f[i];
		const json_t *v = json_object_get(obj, f->name);
		if (f->kind == F_PBOOL && left_out(f, v)) {
			w_name(b, &first, f->name);
			wb_s(b, "false");
			continue;
		}
		if (left_out(f, v))
			continue;
		w_name(b, &first, f->name);
		w_value(b, f, v, depth);
	}
	w_unknown(b, s, obj, &first, depth);
	wb_c(b, '}');
}

/* ---- Keys ---- */

void schemalog_key_init(struct schemalog_key *k, enum schemalog_keytype type)
{
	memset(k, 0, sizeof *k);
	k->type = type;
	k->magic = type == SCHEMALOG_SCHEMA ? 1 : 0;
}

static int has_subject(enum schemalog_keytype t)
{
	return t == SCHEMALOG_SCHEMA || t == SCHEMALOG_CONFIG || t == SCHEMALOG_MODE ||
	       t == SCHEMALOG_DELETE_SUBJECT || t == SCHEMALOG_CLEAR_SUBJECT;
}

static int nonempty(const char *s)
{
	return s && *s;
}

int schemalog_encode_key(const struct schemalog_key *k, char **out, size_t *len,
                         struct sg_error *err)
{
	struct wbuf b = {.max = SCHEMALOG_KEY_MAX};
	const char *name = schemalog_keytype_name(k->type);
	if (!name)
		wb_bad(&b, "key type %d is not one of Confluent's", (int)k->type);
	else if (k->type == SCHEMALOG_SCHEMA && !nonempty(k->subject))
		wb_bad(&b, "a SCHEMA key needs a subject");
	else if (k->type == SCHEMALOG_SCHEMA && k->magic != 0 && k->magic != 1)
		wb_bad(&b, "a SCHEMA key's magic is 0 or 1, not %" PRId32, k->magic);
	else if (k->type == SCHEMALOG_DELETE_SUBJECT && !nonempty(k->subject))
		wb_bad(&b, "a DELETE_SUBJECT key needs a subject");
	if (b.code)
		return wb_finish(&b, "key", out, len, err);
	wb_s(&b, "{\"keytype\":");
	w_str(&b, name);
	if (has_subject(k->type) && nonempty(k->subject)) {
		wb_s(&b, ",\"subject\":");
		w_str(&b, k->subject);
	}
	if (k->type == SCHEMALOG_SCHEMA) {
		wb_s(&b, ",\"version\":");
		w_i64(&b, k->version);
	}
	if (k->type == SCHEMALOG_CONTEXT && nonempty(k->tenant)) {
		wb_s(&b, ",\"tenant\":");
		w_str(&b, k->tenant);
	}
	if (k->type == SCHEMALOG_CONTEXT && nonempty(k->context)) {
		wb_s(&b, ",\"context\":");
		w_str(&b, k->context);
	}
	wb_s(&b, ",\"magic\":");
	w_i64(&b, k->magic);
	wb_c(&b, '}');
	return wb_finish(&b, "key", out, len, err);
}

/* ---- Values ---- */

void schemalog_value_init(struct schemalog_value *v)
{
	memset(v, 0, sizeof *v);
	v->normalize = v->validate_fields = v->validate_rules = SCHEMALOG_UNSET;
}

int schemalog_encode_value(enum schemalog_keytype type, const struct schemalog_value *v, char **out,
                           size_t *len, struct sg_error *err)
{
	struct wbuf b = {.max = SCHEMALOG_VALUE_MAX};
	const struct shape *s = value_shape(type);
	const char *base = (const char *)v;
	int first = 1;
	if (type == SCHEMALOG_NOOP) {
		*out = NULL;
		*len = 0;
		return 0;
	}
	if (!s)
		wb_bad(&b, "key type %d is not one of Confluent's", (int)type);
	else if (v->json && !json_is_object(v->json))
		wb_bad(&b, "its JSON is not an object");
	if (b.code)
		return wb_finish(&b, "value", out, len, err);
	wb_c(&b, '{');
	for (size_t i = 0; i < s->n && !b.code; i++) {
		const struct field *f = &s->f[i];
		const char *str;
		const json_t *j;
		struct sg_error ferr = {0};
		switch (f->kind) {
		case F_STR:
		case F_ENUM:
			str = *(const char *const *)(base + f->off);
			if (!nonempty(str))
				str = f->dflt;
			if (!nonempty(str)) {
				if (f->required)
					wb_bad(&b, "a %s needs \"%s\"", s->what, f->name);
				break;
			}
			if (f->kind == F_ENUM && !in_enum(f->enums, str)) {
				wb_bad(&b, "\"%s\" is not one of Confluent's constants", f->name);
				break;
			}
			w_name(&b, &first, f->name);
			w_str(&b, str);
			break;
		case F_INT32:
		case F_INT64:
			if (!*(const int *)(base + f->has_off)) {
				if (f->required)
					wb_bad(&b, "a %s needs \"%s\"", s->what, f->name);
				break;
			}
			w_name(&b, &first, f->name);
			w_i64(&b, f->kind == F_INT32 ? *(const int32_t *)(base + f->off)
			                             : *(const int64_t *)(base + f->off));
			break;
		case F_BOOL:
			if (*(const int *)(base + f->off) == SCHEMALOG_UNSET)
				break;
			/* fall through */
		case F_PBOOL:
			w_name(&b, &first, f->name);
			wb_s(&b, *(const int *)(base + f->off) ? "true" : "false");
			break;
		default:
			j = *(json_t *const *)(base + f->off);
			if (left_out(f, j))
				break;
			if (check_field(s, f, j, &ferr)) {
				wb_bad(&b, "%s", ferr.msg);
				break;
			}
			w_name(&b, &first, f->name);
			w_value(&b, f, j, 1);
			break;
		}
	}
	if (v->json)
		w_unknown(&b, s, v->json, &first, 1);
	wb_c(&b, '}');
	return wb_finish(&b, "value", out, len, err);
}

/* ---- Decoding ---- */

/* Whether JSON text nests deeper than `max` (exact for valid JSON; on
 * malformed text the parser reports the error). */
static int too_deep(const unsigned char *p, size_t n, int max)
{
	int depth = 0, in_str = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				return 1;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return 0;
}

static json_t *parse(const void *bytes, size_t len, size_t max, const char *what,
                     struct sg_error *err)
{
	json_error_t je;
	json_t *j;
	int oom;
	if (len > max) {
		error_set(err, SG_ELIMIT, "_schemas %s of %zu bytes exceeds %zu", what, len, max);
		return NULL;
	}
	if (too_deep(bytes, len, SCHEMALOG_DEPTH_MAX)) {
		error_set(err, SG_ELIMIT, "_schemas %s nests deeper than %d", what,
		          SCHEMALOG_DEPTH_MAX);
		return NULL;
	}
	j = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &je);
	oom = !j && json_error_code(&je) == json_error_out_of_memory;
	if (!j && !oom) {
		/* jansson reports an allocation failure inside its lexer as a
		 * syntax error. A real syntax error comes back the same on a
		 * second reading; anything else was memory. */
		json_error_t again;
		j = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &again);
		oom = j || json_error_code(&again) != json_error_code(&je) ||
		      again.position != je.position || strcmp(again.text, je.text) != 0;
	}
	if (!j) {
		if (oom)
			error_set(err, SG_ENOMEM, "out of memory reading a _schemas %s", what);
		else
			error_set(err, SG_ECORRUPT, "_schemas %s is not JSON: %s at byte %d", what,
			          je.text, je.position);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		error_set(err, SG_ECORRUPT, "_schemas %s is not a JSON object", what);
		return NULL;
	}
	return j;
}

/* The optional string `name` of a key; "" reads as absent. */
static int key_str(const json_t *kj, const char *name, const char **out, struct sg_error *err)
{
	const json_t *v = json_object_get(kj, name);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return error_set(err, SG_ECORRUPT, "_schemas key: \"%s\" must be a string", name);
	if (json_string_length(v))
		*out = json_string_value(v);
	return 0;
}

static int key_int(const json_t *kj, const char *name, int32_t *out, int *present,
                   struct sg_error *err)
{
	const json_t *v = json_object_get(kj, name);
	*present = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
	    json_integer_value(v) > INT32_MAX)
		return error_set(err, SG_ECORRUPT, "_schemas key: \"%s\" must be a 32-bit integer",
		                 name);
	*out = (int32_t)json_integer_value(v);
	*present = 1;
	return 0;
}

static int decode_key(const json_t *kj, struct schemalog_key *k, struct sg_error *err)
{
	const json_t *t = json_object_get(kj, "keytype");
	int type = 0, present;
	if (!json_is_string(t))
		return error_set(err, SG_ECORRUPT, "_schemas key has no \"keytype\" string");
	for (int i = SCHEMALOG_SCHEMA; i <= SCHEMALOG_CONTEXT; i++)
		if (strcmp(json_string_value(t), keytype_names[i]) == 0)
			type = i;
	if (!type) {
		/* Names at most 64 bytes of it, cut on a UTF-8 boundary. */
		const char *name = json_string_value(t);
		int cut = (int)json_string_length(t);
		if (cut > 64)
			for (cut = 64; (name[cut] & 0xC0) == 0x80; cut--)
				;
		return error_set(err, SG_ECORRUPT,
		                 "unknown _schemas key type \"%.*s\" (Confluent 8.1 writes SCHEMA, "
		                 "CONFIG, MODE, NOOP, DELETE_SUBJECT, CLEAR_SUBJECT, CONTEXT)",
		                 cut, name);
	}
	schemalog_key_init(k, (enum schemalog_keytype)type);
	if (key_int(kj, "magic", &k->magic, &present, err))
		return -1;
	if (type == SCHEMALOG_SCHEMA && k->magic != 0 && k->magic != 1)
		return error_set(err, SG_ECORRUPT, "_schemas SCHEMA key with magic %" PRId32,
		                 k->magic);
	if (has_subject(k->type) && key_str(kj, "subject", &k->subject, err))
		return -1;
	if ((type == SCHEMALOG_SCHEMA || type == SCHEMALOG_DELETE_SUBJECT) && !k->subject)
		return error_set(err, SG_ECORRUPT, "_schemas %s key without a subject",
		                 keytype_names[type]);
	if (type == SCHEMALOG_SCHEMA) {
		if (key_int(kj, "version", &k->version, &present, err))
			return -1;
		if (!present)
			return error_set(err, SG_ECORRUPT, "_schemas SCHEMA key without a version");
	}
	if (type == SCHEMALOG_CONTEXT &&
	    (key_str(kj, "tenant", &k->tenant, err) || key_str(kj, "context", &k->context, err)))
		return -1;
	return 0;
}

void schemalog_record_clear(struct schemalog_record *r)
{
	if (!r)
		return;
	json_decref(r->key_json);
	json_decref(r->value.json);
	memset(r, 0, sizeof *r);
	schemalog_value_init(&r->value);
}

int schemalog_decode(const void *key, size_t key_len, const void *value, size_t value_len,
                     struct schemalog_record *out, struct sg_error *err)
{
	char *canon = NULL;
	size_t canon_len;
	struct sg_error kerr = {0};
	memset(out, 0, sizeof *out);
	schemalog_value_init(&out->value);
	if (!key)
		return error_set(err, SG_ECORRUPT, "_schemas record without a key");
	out->key_json = parse(key, key_len, SCHEMALOG_KEY_MAX, "key", err);
	if (!out->key_json || decode_key(out->key_json, &out->key, err))
		goto fail;
	if (schemalog_encode_key(&out->key, &canon, &canon_len, &kerr) == 0)
		out->key_canonical = canon_len == key_len && memcmp(canon, key, key_len) == 0;
	else if (kerr.code != SG_ELIMIT) /* past the limit: read, but not canonical */
		goto fail_key;
	free(canon);
	if (value && out->key.type != SCHEMALOG_NOOP) {
		const struct shape *s = value_shape(out->key.type);
		out->value.json = parse(value, value_len, SCHEMALOG_VALUE_MAX, "value", err);
		if (!out->value.json || check_obj(s, out->value.json, err))
			goto fail;
		extract(s, out->value.json, &out->value);
		out->has_value = 1;
	}
	return 0;
fail_key:
	error_set(err, kerr.code, "%s", kerr.msg);
fail:
	schemalog_record_clear(out);
	return -1;
}
