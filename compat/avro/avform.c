/* compat/avro/avform.c: the printed forms of an Avro schema.
 *
 *  - avform_java: what Avro Java's Schema.toString() prints (the string
 *    Confluent stores, returns and compares), with the root types of the
 *    references already known, as Confluent's canonicalString() does.
 *  - avform_canonical: the specification's Parsing Canonical Form; types from
 *    references are written by full name.
 *  - avform_normal_text: the text Confluent's AvroSchemaUtils
 *    .toNormalizedString() builds: full names, properties sorted by key,
 *    aliases sorted, defaults converted through their types.
 *  - avform_fingerprint64: CRC-64-AVRO.
 *
 * Recursion follows named types once (then by name) and JSON values, so its
 * depth is bounded by the parser's limits.
 */
#include "compat/avro/avform.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- strbuf ---- */

void strbuf_init(struct strbuf *b)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

void strbuf_free(struct strbuf *b)
{
	free(b->p);
	strbuf_init(b);
}

/* Keeps the text NUL-terminated after every successful append. */
int strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return -1;
	if (n >= SIZE_MAX / 2 - b->len) {
		b->failed = 1;
		return -1;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = 1;
			return -1;
		}
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int strbuf_adds(struct strbuf *b, const char *s)
{
	return strbuf_add(b, s, strlen(s));
}
int strbuf_addc(struct strbuf *b, char c)
{
	return strbuf_add(b, &c, 1);
}

char *strbuf_release(struct strbuf *b)
{
	if (strbuf_add(b, "", 0) < 0) {
		strbuf_free(b);
		return NULL;
	}
	char *p = b->p;
	strbuf_init(b);
	return p;
}

/* ---- JSON as Jackson writes it ---- */

int strbuf_json_string(struct strbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;
	strbuf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[7];
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\b')
			esc = "\\b";
		else if (c == '\t')
			esc = "\\t";
		else if (c == '\f')
			esc = "\\f";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c < 0x20) {
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			u[6] = '\0';
			esc = u;
		}
		if (esc) {
			strbuf_add(b, s + i - run, run);
			run = 0;
			strbuf_adds(b, esc);
		} else {
			run++;
		}
	}
	strbuf_add(b, s + n - run, run);
	return strbuf_addc(b, '"');
}

/* Shortest decimal digits that read back as `v` (as a float when `is_float`),
 * choosing among two-digit decimals when one digit would do, as Java's
 * Double.toString()/Float.toString() (JDK 19 and later) specify. `v` is finite
 * and positive. Fills `digits` (no dot, no trailing zeros) and the decimal
 * exponent of the first digit. */
static void shortest_digits(double v, int is_float, char *digits, int *exp10)
{
	char buf[48];
	int maxp = is_float ? 9 : 17;
	int p;
	for (p = 1; p < maxp; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, v);
		if (is_float ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
			break;
	}
	if (p == 1)
		p = 2;
	snprintf(buf, sizeof buf, "%.*e", p - 1, v);
	size_t n = 0;
	const char *c = buf;
	for (; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			digits[n++] = *c;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	*exp10 = *c == 'e' ? atoi(c + 1) : 0;
}

static int java_number(struct strbuf *b, double v, int is_float)
{
	char digits[32], out[64];
	int e;
	if (v == 0)
		return strbuf_adds(b, signbit(v) ? "-0.0" : "0.0");
	if (v < 0)
		strbuf_addc(b, '-');
	double a = v < 0 ? -v : v;
	shortest_digits(a, is_float, digits, &e);
	size_t nd = strlen(digits), o = 0;
	if (a >= 1e-3 && a < 1e7) {
		if (e >= 0) {
			for (int i = 0; i <= e; i++)
				out[o++] = (size_t)i < nd ? digits[i] : '0';
			out[o++] = '.';
			if ((size_t)e + 1 < nd)
				for (size_t i = (size_t)e + 1; i < nd; i++)
					out[o++] = digits[i];
			else
				out[o++] = '0';
		} else {
			out[o++] = '0';
			out[o++] = '.';
			for (int i = 0; i < -e - 1; i++)
				out[o++] = '0';
			for (size_t i = 0; i < nd; i++)
				out[o++] = digits[i];
		}
		out[o] = '\0';
	} else {
		snprintf(out, sizeof out, "%c.%sE%d", digits[0], nd > 1 ? digits + 1 : "0", e);
	}
	return strbuf_adds(b, out);
}

/* Jackson writes NaN and the infinities as strings. */
static int java_number_value(struct strbuf *b, double v, int is_float)
{
	if (isnan(v))
		return strbuf_adds(b, "\"NaN\"");
	if (isinf(v))
		return strbuf_adds(b, v < 0 ? "\"-Infinity\"" : "\"Infinity\"");
	return java_number(b, v, is_float);
}

int strbuf_json(struct strbuf *b, const json_t *v)
{
	char num[32];
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *e;
		int first = 1;
		strbuf_addc(b, '{');
		json_object_foreach((json_t *)v, key, e)
		{
			if (!first)
				strbuf_addc(b, ',');
			first = 0;
			strbuf_json_string(b, key, strlen(key));
			strbuf_addc(b, ':');
			strbuf_json(b, e);
		}
		return strbuf_addc(b, '}');
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *e;
		strbuf_addc(b, '[');
		json_array_foreach((json_t *)v, i, e)
		{
			if (i)
				strbuf_addc(b, ',');
			strbuf_json(b, e);
		}
		return strbuf_addc(b, ']');
	}
	case JSON_STRING:
		return strbuf_json_string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		return strbuf_adds(b, num);
	case JSON_REAL:
		return java_number_value(b, json_real_value(v), 0);
	case JSON_TRUE:
		return strbuf_adds(b, "true");
	case JSON_FALSE:
		return strbuf_adds(b, "false");
	case JSON_NULL:
		return strbuf_adds(b, "null");
	}
	return -1;
}

/* ---- a set of names ---- */

struct nameset {
	const char **keys;
	size_t cap, count;
	int failed;
};

static size_t nameset_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return (size_t)h;
}

static int nameset_has(const struct nameset *t, const char *key)
{
	if (!t->cap)
		return 0;
	for (size_t i = nameset_hash(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (!t->keys[i])
			return 0;
		if (strcmp(t->keys[i], key) == 0)
			return 1;
	}
}

static void nameset_add(struct nameset *t, const char *key)
{
	if ((t->count + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		const char **keys = calloc(cap, sizeof *keys);
		if (!keys) {
			t->failed = 1;
			return;
		}
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->keys[i])
				continue;
			size_t j = nameset_hash(t->keys[i]) & (cap - 1);
			while (keys[j])
				j = (j + 1) & (cap - 1);
			keys[j] = t->keys[i];
		}
		free(t->keys);
		t->keys = keys;
		t->cap = cap;
	}
	size_t i = nameset_hash(key) & (t->cap - 1);
	while (t->keys[i]) {
		if (strcmp(t->keys[i], key) == 0)
			return;
		i = (i + 1) & (t->cap - 1);
	}
	t->keys[i] = key;
	t->count++;
}

static int is_named(const struct avsc_node *n)
{
	return n->kind == AVSC_RECORD || n->kind == AVSC_ENUM || n->kind == AVSC_FIXED;
}

/* Names Avro Java always writes qualified (its Schema.Type names). */
static int is_type_name(const char *name)
{
	static const char *const names[] = {"record", "enum",   "array",   "map", "union",
	                                    "fixed",  "string", "bytes",   "int", "long",
	                                    "float",  "double", "boolean", "null"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* Preloads the root named type of each reference, as Confluent passes the
 * references to toString(Collection<Schema>, ...) and to normalize(). */
static void preload_refs(const struct avsc_schema *s, struct nameset *set)
{
	for (size_t i = 0; i < avsc_ref_count(s); i++) {
		const struct avsc_node *r = avsc_root(avsc_ref(s, i));
		if (r && is_named(r))
			nameset_add(set, r->fullname);
	}
}

/* ---- Avro Java's toString() ---- */

struct jw {
	struct strbuf *b;
	struct nameset known;
};

static void jw_key(struct strbuf *b, const char *key)
{
	strbuf_json_string(b, key, strlen(key));
	strbuf_addc(b, ':');
}

static void jw_props(struct strbuf *b, const json_t *obj, enum avsc_reserved r)
{
	const char *key;
	json_t *v;
	if (!obj)
		return;
	json_object_foreach((json_t *)obj, key, v)
	{
		if (!avsc_is_prop(r, key))
			continue;
		strbuf_addc(b, ',');
		jw_key(b, key);
		strbuf_json(b, v);
	}
}

/* Name.getQualified(space): the short name when it is in `space` and not one
 * of the type names, else the full name. */
static const char *qualified(const char *full, const char *name, const char *nspace,
                             const char *space)
{
	if (nspace[0] && strcmp(nspace, space) == 0 && !is_type_name(name))
		return name;
	return full;
}

static void jw_string(struct strbuf *b, const char *s)
{
	strbuf_json_string(b, s, strlen(s));
}

static void jw_node(struct jw *w, const struct avsc_node *n, const char *space);

static void jw_field(struct jw *w, const struct avsc_field *f, const char *space)
{
	struct strbuf *b = w->b;
	strbuf_adds(b, "{\"name\":");
	jw_string(b, f->name);
	strbuf_adds(b, ",\"type\":");
	jw_node(w, f->type, space);
	if (f->doc) {
		strbuf_adds(b, ",\"doc\":");
		jw_string(b, f->doc);
	}
	if (f->def) {
		strbuf_adds(b, ",\"default\":");
		if (f->def_from_text)
			java_number_value(b, f->def_double, 0);
		else
			strbuf_json(b, f->def);
	}
	if (f->order == AVSC_ORDER_DESCENDING)
		strbuf_adds(b, ",\"order\":\"descending\"");
	else if (f->order == AVSC_ORDER_IGNORE)
		strbuf_adds(b, ",\"order\":\"ignore\"");
	if (f->naliases) {
		strbuf_adds(b, ",\"aliases\":[");
		for (size_t i = 0; i < f->naliases; i++) {
			if (i)
				strbuf_addc(b, ',');
			jw_string(b, f->aliases[i]);
		}
		strbuf_addc(b, ']');
	}
	jw_props(b, f->obj, AVSC_RESERVED_FIELD);
	strbuf_addc(b, '}');
}

static void jw_named(struct jw *w, const struct avsc_node *n, const char *space)
{
	struct strbuf *b = w->b;
	if (nameset_has(&w->known, n->fullname)) {
		jw_string(b, qualified(n->fullname, n->name, n->space, space));
		return;
	}
	nameset_add(&w->known, n->fullname);
	strbuf_adds(b, "{\"type\":");
	jw_string(b, n->is_error ? "error" : avsc_kind_name(n->kind));
	strbuf_adds(b, ",\"name\":");
	jw_string(b, n->name);
	if (n->space[0]) {
		if (strcmp(n->space, space) != 0) {
			strbuf_adds(b, ",\"namespace\":");
			jw_string(b, n->space);
		}
	} else if (space[0]) {
		strbuf_adds(b, ",\"namespace\":\"\"");
	}
	if (n->doc) {
		strbuf_adds(b, ",\"doc\":");
		jw_string(b, n->doc);
	}
	if (n->kind == AVSC_RECORD) {
		strbuf_adds(b, ",\"fields\":[");
		for (size_t i = 0; i < n->nfields; i++) {
			if (i)
				strbuf_addc(b, ',');
			jw_field(w, &n->fields[i], n->space);
		}
		strbuf_addc(b, ']');
	} else if (n->kind == AVSC_ENUM) {
		strbuf_adds(b, ",\"symbols\":[");
		for (size_t i = 0; i < n->nsymbols; i++) {
			if (i)
				strbuf_addc(b, ',');
			jw_string(b, n->symbols[i]);
		}
		strbuf_addc(b, ']');
		if (n->enum_default) {
			strbuf_adds(b, ",\"default\":");
			jw_string(b, n->enum_default);
		}
	} else {
		char num[32];
		snprintf(num, sizeof num, ",\"size\":%zu", n->size);
		strbuf_adds(b, num);
	}
	jw_props(b, n->obj, n->reserved);
	if (n->naliases) {
		strbuf_adds(b, ",\"aliases\":[");
		for (size_t i = 0; i < n->naliases; i++) {
			const char *full = n->aliases[i];
			const char *dot = strrchr(full, '.');
			const char *aname = dot ? dot + 1 : full;
			char *aspace = NULL;
			if (dot && !(aspace = malloc((size_t)(dot - full) + 1))) {
				b->failed = 1;
				return;
			}
			if (aspace) {
				memcpy(aspace, full, (size_t)(dot - full));
				aspace[dot - full] = '\0';
			}
			if (i)
				strbuf_addc(b, ',');
			jw_string(b, qualified(full, aname, aspace ? aspace : "", n->space));
			free(aspace);
		}
		strbuf_addc(b, ']');
	}
	strbuf_addc(b, '}');
}

static void jw_node(struct jw *w, const struct avsc_node *n, const char *space)
{
	struct strbuf *b = w->b;
	if (b->failed)
		return;
	switch (n->kind) {
	case AVSC_RECORD:
	case AVSC_ENUM:
	case AVSC_FIXED:
		jw_named(w, n, space);
		return;
	case AVSC_ARRAY:
	case AVSC_MAP:
		strbuf_adds(b, n->kind == AVSC_ARRAY ? "{\"type\":\"array\",\"items\":"
		                                     : "{\"type\":\"map\",\"values\":");
		jw_node(w, n->child, space);
		jw_props(b, n->obj, n->reserved);
		strbuf_addc(b, '}');
		return;
	case AVSC_UNION:
		strbuf_addc(b, '[');
		for (size_t i = 0; i < n->nbranches; i++) {
			if (i)
				strbuf_addc(b, ',');
			jw_node(w, n->branches[i], space);
		}
		strbuf_addc(b, ']');
		return;
	default:
		if (avsc_has_props(n)) {
			strbuf_adds(b, "{\"type\":");
			jw_string(b, avsc_kind_name(n->kind));
			jw_props(b, n->obj, n->reserved);
			strbuf_addc(b, '}');
		} else {
			jw_string(b, avsc_kind_name(n->kind));
		}
	}
}

int avform_java(const struct avsc_schema *s, struct strbuf *out)
{
	return avform_java_with(s, 1, out);
}

int avform_java_with(const struct avsc_schema *s, int refs_known, struct strbuf *out)
{
	struct jw w = {.b = out};
	if (refs_known)
		preload_refs(s, &w.known);
	jw_node(&w, avsc_root(s), "");
	free(w.known.keys);
	if (w.known.failed)
		out->failed = 1;
	return out->failed ? -1 : 0;
}

/* ---- Parsing Canonical Form ---- */

/* The part every printed form of a named type shares: its opening brace, full
 * name and type, then an enum's symbols or a fixed's size (a record's fields
 * are the caller's, since each form writes them its own way). */
static void named_head(struct strbuf *b, const struct avsc_node *n)
{
	strbuf_adds(b, "{\"name\":");
	jw_string(b, n->fullname);
	strbuf_adds(b, ",\"type\":");
	jw_string(b, avsc_kind_name(n->kind));
	if (n->kind == AVSC_ENUM) {
		strbuf_adds(b, ",\"symbols\":[");
		for (size_t i = 0; i < n->nsymbols; i++) {
			if (i)
				strbuf_addc(b, ',');
			jw_string(b, n->symbols[i]);
		}
		strbuf_addc(b, ']');
	} else if (n->kind == AVSC_FIXED) {
		char num[32];
		snprintf(num, sizeof num, ",\"size\":%zu", n->size);
		strbuf_adds(b, num);
	}
}

static void pcf_node(const struct avsc_schema *s, struct nameset *seen, struct strbuf *b,
                     const struct avsc_node *n)
{
	if (b->failed)
		return;
	switch (n->kind) {
	case AVSC_UNION:
		strbuf_addc(b, '[');
		for (size_t i = 0; i < n->nbranches; i++) {
			if (i)
				strbuf_addc(b, ',');
			pcf_node(s, seen, b, n->branches[i]);
		}
		strbuf_addc(b, ']');
		return;
	case AVSC_ARRAY:
	case AVSC_MAP:
		strbuf_adds(b, n->kind == AVSC_ARRAY ? "{\"type\":\"array\",\"items\":"
		                                     : "{\"type\":\"map\",\"values\":");
		pcf_node(s, seen, b, n->child);
		strbuf_addc(b, '}');
		return;
	case AVSC_RECORD:
	case AVSC_ENUM:
	case AVSC_FIXED:
		if (n->owner != s || nameset_has(seen, n->fullname)) {
			jw_string(b, n->fullname);
			return;
		}
		nameset_add(seen, n->fullname);
		named_head(b, n);
		if (n->kind == AVSC_RECORD) {
			strbuf_adds(b, ",\"fields\":[");
			for (size_t i = 0; i < n->nfields; i++) {
				if (i)
					strbuf_addc(b, ',');
				strbuf_adds(b, "{\"name\":");
				jw_string(b, n->fields[i].name);
				strbuf_adds(b, ",\"type\":");
				pcf_node(s, seen, b, n->fields[i].type);
				strbuf_addc(b, '}');
			}
			strbuf_addc(b, ']');
		}
		strbuf_addc(b, '}');
		return;
	default:
		jw_string(b, avsc_kind_name(n->kind));
	}
}

int avform_canonical(const struct avsc_schema *s, struct strbuf *out)
{
	struct nameset seen = {0};
	pcf_node(s, &seen, out, avsc_root(s));
	free(seen.keys);
	if (seen.failed)
		out->failed = 1;
	return out->failed ? -1 : 0;
}

uint64_t avform_fingerprint64(const char *text, size_t len)
{
	static const uint64_t empty = 0xc15d213aa4d7a795ULL;
	uint64_t table[256];
	for (int i = 0; i < 256; i++) {
		uint64_t fp = (uint64_t)i;
		for (int j = 0; j < 8; j++)
			fp = (fp >> 1) ^ (empty & (0 - (fp & 1)));
		table[i] = fp;
	}
	uint64_t fp = empty;
	for (size_t i = 0; i < len; i++)
		fp = (fp >> 8) ^ table[(fp ^ (unsigned char)text[i]) & 0xff];
	return fp;
}

/* ---- Confluent's normalized text ---- */

/* Java's String.compareTo (UTF-16 code unit order) over UTF-8 text. */
static unsigned long utf16_key(const unsigned char **p)
{
	const unsigned char *s = *p;
	unsigned long cp;
	if (s[0] < 0x80) {
		cp = s[0];
		s += 1;
	} else if (s[0] < 0xE0) {
		cp = ((unsigned long)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
		s += 2;
	} else if (s[0] < 0xF0) {
		cp = ((unsigned long)(s[0] & 0x0F) << 12) | ((unsigned long)(s[1] & 0x3F) << 6) |
		     (s[2] & 0x3F);
		s += 3;
	} else {
		cp = ((unsigned long)(s[0] & 0x07) << 18) | ((unsigned long)(s[1] & 0x3F) << 12) |
		     ((unsigned long)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
		s += 4;
	}
	*p = s;
	/* Surrogate pairs (D800-DBFF first) sort before U+E000-U+FFFF. */
	return cp >= 0xE000 && cp <= 0xFFFF ? cp + 0x110000 : cp;
}

static int utf16_cmp(const void *a, const void *b)
{
	const unsigned char *x = *(const unsigned char *const *)a;
	const unsigned char *y = *(const unsigned char *const *)b;
	while (*x && *y) {
		unsigned long kx = utf16_key(&x), ky = utf16_key(&y);
		if (kx != ky)
			return kx < ky ? -1 : 1;
	}
	return *x ? 1 : *y ? -1 : 0;
}

struct nw {
	const struct avsc_schema *s;
	struct strbuf *b;
	struct nameset env;
};

/* Sorted copies of string lists: NULL when out of memory. */
static const char **sorted_strings(const char *const *items, size_t n)
{
	const char **v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return NULL;
	memcpy(v, items, n * sizeof *v);
	qsort(v, n, sizeof *v, utf16_cmp);
	return v;
}

static void nw_value(struct nw *w, const json_t *v, const struct avsc_node *t);

/* An object's keys in TreeMap order, with each value converted. `t` gives the
 * value types (a map's values, a record's fields) or is NULL. */
static void nw_object(struct nw *w, const json_t *v, const struct avsc_node *t)
{
	struct strbuf *b = w->b;
	size_t n = json_object_size(v), i = 0;
	const char **keys = malloc((n ? n : 1) * sizeof *keys);
	const char *key;
	json_t *e;
	if (!keys) {
		b->failed = 1;
		return;
	}
	json_object_foreach((json_t *)v, key, e) keys[i++] = key;
	qsort(keys, n, sizeof *keys, utf16_cmp);
	strbuf_addc(b, '{');
	for (i = 0; i < n; i++) {
		const struct avsc_node *vt = NULL;
		if (t && t->kind == AVSC_MAP) {
			vt = t->child;
		} else if (t && t->kind == AVSC_RECORD) {
			const struct avsc_field *f = avsc_field_by_name(t, keys[i]);
			vt = f ? f->type : NULL;
		}
		if (i)
			strbuf_addc(b, ',');
		jw_key(b, keys[i]);
		nw_value(w, json_object_get(v, keys[i]), vt);
	}
	strbuf_addc(b, '}');
	free(keys);
}

/* JacksonUtils.toObject(value, type) then toJsonNode(): numbers take their
 * type (an int default of a float field becomes 1.0), a union uses its first
 * branch, object keys are sorted. */
static void nw_value(struct nw *w, const json_t *v, const struct avsc_node *t)
{
	struct strbuf *b = w->b;
	if (b->failed)
		return;
	if (t && t->kind == AVSC_UNION)
		t = t->nbranches ? t->branches[0] : NULL;
	switch (json_typeof(v)) {
	case JSON_INTEGER:
	case JSON_REAL: {
		double d = json_number_value(v);
		if (t && t->kind == AVSC_FLOAT)
			java_number_value(b, (double)(float)d, 1);
		else if ((t && t->kind == AVSC_DOUBLE) || json_is_real(v))
			java_number_value(b, d, 0);
		else
			strbuf_json(b, v);
		return;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *e;
		strbuf_addc(b, '[');
		json_array_foreach((json_t *)v, i, e)
		{
			if (i)
				strbuf_addc(b, ',');
			nw_value(w, e, t && t->kind == AVSC_ARRAY ? t->child : NULL);
		}
		strbuf_addc(b, ']');
		return;
	}
	case JSON_OBJECT:
		nw_object(w, v, t);
		return;
	default:
		strbuf_json(b, v);
		return;
	}
}

/* setSimpleProps(): custom properties sorted by key. */
static void nw_props(struct nw *w, const json_t *obj, enum avsc_reserved r)
{
	struct strbuf *b = w->b;
	const char *key;
	json_t *v;
	size_t n = 0, i = 0;
	if (!obj)
		return;
	json_object_foreach((json_t *)obj, key, v) n += avsc_is_prop(r, key);
	if (!n)
		return;
	const char **keys = malloc(n * sizeof *keys);
	if (!keys) {
		b->failed = 1;
		return;
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		if (avsc_is_prop(r, key))
			keys[i++] = key;
	}
	qsort(keys, n, sizeof *keys, utf16_cmp);
	for (i = 0; i < n; i++) {
		strbuf_addc(b, ',');
		jw_key(b, keys[i]);
		nw_value(w, json_object_get(obj, keys[i]), NULL);
	}
	free(keys);
}

/* setLogicalProps(). */
static void nw_logical(struct nw *w, const struct avsc_node *n)
{
	char num[64];
	if (!n->logical)
		return;
	strbuf_adds(w->b, ",\"logicalType\":");
	jw_string(w->b, n->logical);
	if (strcmp(n->logical, "decimal") == 0) {
		snprintf(num, sizeof num, ",\"precision\":%d", n->precision);
		strbuf_adds(w->b, num);
		if (n->scale != 0) {
			snprintf(num, sizeof num, ",\"scale\":%d", n->scale);
			strbuf_adds(w->b, num);
		}
	}
}

static void nw_string_array(struct nw *w, const char *key, const char *const *items, size_t n)
{
	struct strbuf *b = w->b;
	const char **sorted = sorted_strings(items, n);
	if (!sorted) {
		b->failed = 1;
		return;
	}
	strbuf_addc(b, ',');
	jw_key(b, key);
	strbuf_addc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addc(b, ',');
		jw_string(b, sorted[i]);
	}
	strbuf_addc(b, ']');
	free(sorted);
}

static void nw_node(struct nw *w, const struct avsc_node *n);

static void nw_field(struct nw *w, const struct avsc_field *f)
{
	static const char *const orders[] = {"ASCENDING", "DESCENDING", "IGNORE"};
	struct strbuf *b = w->b;
	strbuf_adds(b, "{\"name\":");
	jw_string(b, f->name);
	strbuf_adds(b, ",\"type\":");
	nw_node(w, f->type);
	strbuf_adds(b, ",\"order\":");
	jw_string(b, orders[f->order]);
	if (f->doc) {
		strbuf_adds(b, ",\"doc\":");
		jw_string(b, f->doc);
	}
	if (f->naliases)
		nw_string_array(w, "aliases", f->aliases, f->naliases);
	if (f->def) {
		strbuf_adds(b, ",\"default\":");
		if (f->def_from_text)
			java_number_value(b,
			                  f->type->kind == AVSC_FLOAT ? (double)(float)f->def_double
			                                              : f->def_double,
			                  f->type->kind == AVSC_FLOAT);
		else
			nw_value(w, f->def, f->type);
	}
	nw_props(w, f->obj, AVSC_RESERVED_FIELD);
	strbuf_addc(b, '}');
}

/* Schema.getAliases() (Avro 1.12): full names, or ".name" for an alias in the
 * null namespace of a type that has a namespace. */
static void nw_type_aliases(struct nw *w, const struct avsc_node *n)
{
	const char **items = malloc(n->naliases * sizeof *items);
	char **owned = calloc(n->naliases, sizeof *owned);
	if (!items || !owned) {
		free(items);
		free(owned);
		w->b->failed = 1;
		return;
	}
	for (size_t i = 0; i < n->naliases; i++) {
		items[i] = n->aliases[i];
		if (n->space[0] && !strchr(n->aliases[i], '.')) {
			size_t len = strlen(n->aliases[i]);
			if (!(owned[i] = malloc(len + 2))) {
				w->b->failed = 1;
				break;
			}
			owned[i][0] = '.';
			memcpy(owned[i] + 1, n->aliases[i], len + 1);
			items[i] = owned[i];
		}
	}
	if (!w->b->failed)
		nw_string_array(w, "aliases", items, n->naliases);
	for (size_t i = 0; i < n->naliases; i++)
		free(owned[i]);
	free(owned);
	free(items);
}

static void nw_node(struct nw *w, const struct avsc_node *n)
{
	struct strbuf *b = w->b;
	if (b->failed)
		return;
	switch (n->kind) {
	case AVSC_UNION:
		strbuf_addc(b, '[');
		for (size_t i = 0; i < n->nbranches; i++) {
			if (i)
				strbuf_addc(b, ',');
			nw_node(w, n->branches[i]);
		}
		strbuf_addc(b, ']');
		return;
	case AVSC_ARRAY:
	case AVSC_MAP:
		strbuf_adds(b, n->kind == AVSC_ARRAY ? "{\"type\":\"array\",\"items\":"
		                                     : "{\"type\":\"map\",\"values\":");
		nw_node(w, n->child);
		nw_logical(w, n);
		nw_props(w, n->obj, n->reserved);
		strbuf_addc(b, '}');
		return;
	case AVSC_RECORD:
	case AVSC_ENUM:
	case AVSC_FIXED:
		if (nameset_has(&w->env, n->fullname)) {
			jw_string(b, n->fullname);
			return;
		}
		nameset_add(&w->env, n->fullname);
		named_head(b, n);
		if (n->kind == AVSC_RECORD) {
			strbuf_adds(b, ",\"fields\":[");
			for (size_t i = 0; i < n->nfields; i++) {
				if (i)
					strbuf_addc(b, ',');
				nw_field(w, &n->fields[i]);
			}
			strbuf_addc(b, ']');
		}
		nw_logical(w, n);
		if (n->doc && n->doc[0]) {
			strbuf_adds(b, ",\"doc\":");
			jw_string(b, n->doc);
		}
		if (n->naliases)
			nw_type_aliases(w, n);
		if (n->kind == AVSC_ENUM && n->enum_default) {
			strbuf_adds(b, ",\"default\":");
			jw_string(b, n->enum_default);
		}
		nw_props(w, n->obj, n->reserved);
		strbuf_addc(b, '}');
		return;
	default:
		if (n->logical || avsc_has_props(n)) {
			strbuf_adds(b, "{\"type\":");
			jw_string(b, avsc_kind_name(n->kind));
			nw_logical(w, n);
			nw_props(w, n->obj, n->reserved);
			strbuf_addc(b, '}');
		} else {
			jw_string(b, avsc_kind_name(n->kind));
		}
	}
}

int avform_normal_text(const struct avsc_schema *s, struct strbuf *out)
{
	struct nw w = {.s = s, .b = out};
	preload_refs(s, &w.env);
	nw_node(&w, avsc_root(s));
	free(w.env.keys);
	if (w.env.failed)
		out->failed = 1;
	return out->failed ? -1 : 0;
}
