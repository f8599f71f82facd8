/* compat/protobuf/pbcompat.c: Confluent's Protobuf compatibility rules (see
 * pbcompat.h). The walk follows Confluent's classes one function each:
 * pbcompat_types (SchemaDiff.compareTypeElements), pbcompat_message
 * (MessageSchemaDiff), pbcompat_enum (EnumSchemaDiff), pbcompat_field and
 * what it calls (FieldSchemaDiff), with a context (Context) per comparison
 * of a referenced message. */
#include "compat/protobuf/pbcompat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/protobuf/pbnames.h"

/* ---- the changes ---- */

static const struct {
	const char *name;
	int compatible;
	/* Difference.error(): "{p}" is the path, the first "%s" the reader's
	 * word, the second the writer's; NULL for the compatible changes */
	const char *error;
} pbcompat_changes[PBCOMPAT_CHANGE_COUNT] = {
    [PBCOMPAT_PACKAGE_CHANGED] = {"PACKAGE_CHANGED", 0,
                                  "The package at '{p}' in the %s schema does not match the "
                                  "package in the %s schema"},
    [PBCOMPAT_MESSAGE_ADDED] = {"MESSAGE_ADDED", 1, NULL},
    [PBCOMPAT_MESSAGE_REMOVED] = {"MESSAGE_REMOVED", 0,
                                  "The %s schema is missing a MESSAGE type at path '{p}' in the "
                                  "%s schema"},
    [PBCOMPAT_MESSAGE_MOVED] = {"MESSAGE_MOVED", 1, NULL},
    [PBCOMPAT_ENUM_ADDED] = {"ENUM_ADDED", 1, NULL},
    [PBCOMPAT_ENUM_REMOVED] = {"ENUM_REMOVED", 1, NULL},
    [PBCOMPAT_ENUM_CONST_ADDED] = {"ENUM_CONST_ADDED", 1, NULL},
    [PBCOMPAT_ENUM_CONST_CHANGED] = {"ENUM_CONST_CHANGED", 1, NULL},
    [PBCOMPAT_ENUM_CONST_REMOVED] = {"ENUM_CONST_REMOVED", 1, NULL},
    [PBCOMPAT_FIELD_ADDED] = {"FIELD_ADDED", 1, NULL},
    [PBCOMPAT_FIELD_REMOVED] = {"FIELD_REMOVED", 1, NULL},
    [PBCOMPAT_FIELD_NAME_CHANGED] = {"FIELD_NAME_CHANGED", 1, NULL},
    [PBCOMPAT_FIELD_KIND_CHANGED] = {"FIELD_KIND_CHANGED", 0,
                                     "The type of a field at path '{p}' in the %s schema does "
                                     "not match the %s schema"},
    [PBCOMPAT_FIELD_SCALAR_KIND_CHANGED] = {"FIELD_SCALAR_KIND_CHANGED", 0,
                                            "The kind of a SCALAR field at path '{p}' in the %s "
                                            "schema does not match its kind in the %s schema"},
    [PBCOMPAT_FIELD_NAMED_TYPE_CHANGED] = {"FIELD_NAMED_TYPE_CHANGED", 0,
                                           "The type of a MESSAGE field at path '{p}' in the %s "
                                           "schema does not match its type in the %s schema"},
    [PBCOMPAT_FIELD_NUMERIC_LABEL_CHANGED] = {"FIELD_NUMERIC_LABEL_CHANGED", 0,
                                              "The label for a NUMERIC field at path '{p}' in "
                                              "the %s schema does not match its label in the "
                                              "%s schema"},
    [PBCOMPAT_FIELD_STRING_OR_BYTES_LABEL_CHANGED] = {"FIELD_STRING_OR_BYTES_LABEL_CHANGED", 1,
                                                      NULL},
    /* sic: two spaces after "field", as Confluent has it */
    [PBCOMPAT_REQUIRED_FIELD_ADDED] = {"REQUIRED_FIELD_ADDED", 0,
                                       "A required field  at path '{p}' in the %s schema is "
                                       "missing in the %s schema"},
    [PBCOMPAT_REQUIRED_FIELD_REMOVED] = {"REQUIRED_FIELD_REMOVED", 0,
                                         "The %s schema is missing a required field at path: "
                                         "'{p}' in the %s schema"},
    [PBCOMPAT_ONEOF_ADDED] = {"ONEOF_ADDED", 1, NULL},
    [PBCOMPAT_ONEOF_REMOVED] = {"ONEOF_REMOVED", 1, NULL},
    [PBCOMPAT_ONEOF_FIELD_ADDED] = {"ONEOF_FIELD_ADDED", 1, NULL},
    [PBCOMPAT_ONEOF_FIELD_REMOVED] = {"ONEOF_FIELD_REMOVED", 0,
                                      "The %s schema is missing a oneof field at path '{p}' in "
                                      "the %s schema"},
    [PBCOMPAT_ONEOF_FIELD_MOVED_TO_TOP_LEVEL] = {"ONEOF_FIELD_MOVED_TO_TOP_LEVEL", 1, NULL},
    [PBCOMPAT_MULTIPLE_FIELDS_MOVED_TO_ONEOF] = {"MULTIPLE_FIELDS_MOVED_TO_ONEOF", 0,
                                                 "Multiple fields in the oneof at path '{p}' in "
                                                 "the %s schema are outside a oneof in the %s "
                                                 "schema"},
    [PBCOMPAT_FIELD_MOVED_TO_EXISTING_ONEOF] = {"FIELD_MOVED_TO_EXISTING_ONEOF", 0,
                                                "A field in the oneof at path '{p}' in the %s "
                                                "schema is outside an existing oneof in the %s "
                                                "schema"},
};

const char *pbcompat_change_name(enum pbcompat_change c)
{
	return (unsigned)c < PBCOMPAT_CHANGE_COUNT ? pbcompat_changes[c].name : NULL;
}

int pbcompat_change_parse(const char *name)
{
	for (int c = 0; name && c < PBCOMPAT_CHANGE_COUNT; c++)
		if (strcmp(name, pbcompat_changes[c].name) == 0)
			return c;
	return -1;
}

int pbcompat_change_compatible(enum pbcompat_change c)
{
	return (unsigned)c < PBCOMPAT_CHANGE_COUNT && pbcompat_changes[c].compatible;
}

/* Appends n bytes of s at out[*len] within cap, counting what does not fit. */
static void pbcompat_put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, (*len)++)
		if (*len + 1 < cap)
			out[*len] = s[i];
}

/* Expands a Difference.error() template (see pbcompat_changes). */
static size_t pbcompat_expand(const char *tpl, const char *path, const char *reader,
                              const char *writer, char *out, size_t cap, size_t len)
{
	int words = 0;
	for (const char *p = tpl; *p;) {
		if (strncmp(p, "{p}", 3) == 0) {
			pbcompat_put(out, cap, &len, path, strlen(path));
			p += 3;
		} else if (strncmp(p, "%s", 2) == 0) {
			const char *w = words++ == 0 ? reader : writer;
			pbcompat_put(out, cap, &len, w, strlen(w));
			p += 2;
		} else {
			pbcompat_put(out, cap, &len, p++, 1);
		}
	}
	return len;
}

int pbcompat_describe(const char *type, const char *location, const char *reader,
                      const char *writer, char *out, size_t cap)
{
	int c = pbcompat_change_parse(type);
	if (c < 0)
		return -1;
	size_t len = 0;
	static const char a[] = "{errorType:\"", b[] = "\", description:\"", z[] = "\"}";
	pbcompat_put(out, cap, &len, a, sizeof a - 1);
	pbcompat_put(out, cap, &len, type, strlen(type));
	pbcompat_put(out, cap, &len, b, sizeof b - 1);
	if (pbcompat_changes[c].error)
		len = pbcompat_expand(pbcompat_changes[c].error, location ? location : "", reader,
		                      writer, out, cap, len);
	pbcompat_put(out, cap, &len, z, sizeof z - 1);
	if (cap)
		out[len < cap ? len : cap - 1] = '\0';
	return len > INT32_MAX ? -1 : (int)len;
}

/* ---- the types each side knows (Context's originalTypes/updateTypes) ---- */

/* The origin of the schema's own types: Confluent's dummy reference, equal
 * on both sides. */
static const char pbcompat_self[] = "";

struct pbcompat_type {
	char *full;                     /* owned: "pkg.Outer.Inner" */
	const char *package;            /* "" when none */
	const struct pbfile_type *type; /* NULL for a well-known type (known by name) */
	int is_enum;
	int is_map;              /* a message with option map_entry = true */
	const char *key, *value; /* a map entry's field types */
	const char *origin;      /* see struct pbcompat_dep; pbcompat_self for the own */
	size_t order;            /* the later of two with one name wins */
};

struct pbcompat_side {
	struct pbcompat_type *types;
	size_t n, cap;
};

/* A growable string; sizes are bounded by the inputs. */
struct pbcompat_str {
	char *s;
	size_t len, cap;
};

/* One path segment: a type's name (which also scopes name resolution), a
 * oneof's name or a number. */
struct pbcompat_seg {
	const char *s;
	size_t len;
	int named;
};

#define PBCOMPAT_MAX_SEGS 256

struct pbcompat_run {
	struct pbcompat_side side[2]; /* 0: the original (writer), 1: the update (reader) */
	struct pbnames *known;        /* the well-known types */
	struct report *r;
	int all;
	size_t work, depth;
	struct sg_error *err;
	int failed;
	struct pbcompat_str tmp, path;
};

/* The messages being compared in a context and those enclosing it
 * (Context.schemas): a message is compared field by field once per chain. */
struct pbcompat_entered {
	const struct pbfile_type *type;
	const struct pbcompat_entered *next;
};

struct pbcompat_ctx {
	struct pbcompat_run *run;
	const char *package[2];
	struct pbcompat_seg seg[PBCOMPAT_MAX_SEGS];
	size_t nseg;
	const struct pbcompat_entered *entered;
	size_t incompatible; /* incompatible differences found in this context */
};

static int pbcompat_fail(struct pbcompat_run *run, int code, const char *what)
{
	if (!run->failed)
		error_set(run->err, code, "%s", what);
	run->failed = 1;
	return -1;
}

static int pbcompat_reserve(struct pbcompat_run *run, struct pbcompat_str *b, size_t need)
{
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->s, cap);
	if (!p)
		return pbcompat_fail(run, SG_ENOMEM, "out of memory");
	b->s = p;
	b->cap = cap;
	return 0;
}

static int pbcompat_append(struct pbcompat_run *run, struct pbcompat_str *b, const char *s,
                           size_t n)
{
	if (pbcompat_reserve(run, b, b->len + n + 1) < 0)
		return -1;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

/* The value of option `name` when it is a plain one, else NULL. */
static const char *pbcompat_option(const struct pbfile_option *o, const char *name)
{
	for (; o; o = o->next)
		if (!o->parenthesized && strcmp(o->name, name) == 0 && o->value &&
		    o->value->type == PBFILE_V_TEXT)
			return o->value->text;
	return NULL;
}

static const struct pbfile_field *pbcompat_field_named(const struct pbfile_field *f,
                                                       const char *name)
{
	for (; f; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static int pbcompat_add_types(struct pbcompat_run *run, struct pbcompat_side *s,
                              const char *package, const char *prefix, const struct pbfile_type *t,
                              const char *origin)
{
	for (; t; t = t->next) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			struct pbcompat_type *more = realloc(s->types, cap * sizeof *more);
			if (!more)
				return pbcompat_fail(run, SG_ENOMEM, "out of memory");
			s->types = more;
			s->cap = cap;
		}
		size_t lp = prefix ? strlen(prefix) : 0, ln = strlen(t->name);
		char *full = malloc(lp + 1 + ln + 1);
		if (!full)
			return pbcompat_fail(run, SG_ENOMEM, "out of memory");
		snprintf(full, lp + 1 + ln + 1, "%s%s%s", lp ? prefix : "", lp ? "." : "", t->name);
		struct pbcompat_type *e = &s->types[s->n];
		memset(e, 0, sizeof *e);
		e->full = full;
		e->package = package ? package : "";
		e->type = t;
		e->is_enum = t->is_enum;
		e->origin = origin;
		e->order = s->n++;
		const char *me = t->is_enum ? NULL : pbcompat_option(t->options, "map_entry");
		if (me && strcmp(me, "true") == 0) {
			const struct pbfile_field *k = pbcompat_field_named(t->fields, "key");
			const struct pbfile_field *v = pbcompat_field_named(t->fields, "value");
			if (k && v) {
				e->is_map = 1;
				e->key = k->type;
				e->value = v->type;
			}
		}
		if (pbcompat_add_types(run, s, package, full, t->nested, origin) < 0)
			return -1;
	}
	return 0;
}

static int pbcompat_type_cmp(const void *a, const void *b)
{
	const struct pbcompat_type *x = a, *y = b;
	int c = strcmp(x->full, y->full);
	return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

/* Fills a side's table: the dependencies, then the schema's own types; a
 * name defined twice keeps its later definition (HashMap.put). */
static int pbcompat_side_fill(struct pbcompat_run *run, struct pbcompat_side *s,
                              const struct pbcompat_schema *sch)
{
	for (size_t i = 0; i < sch->ndeps; i++)
		if (sch->deps[i].file &&
		    pbcompat_add_types(run, s, sch->deps[i].file->package,
		                       sch->deps[i].file->package, sch->deps[i].file->types,
		                       sch->deps[i].origin) < 0)
			return -1;
	if (pbcompat_add_types(run, s, sch->file->package, sch->file->package, sch->file->types,
	                       pbcompat_self) < 0)
		return -1;
	if (s->n)
		qsort(s->types, s->n, sizeof *s->types, pbcompat_type_cmp);
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (k && strcmp(s->types[k - 1].full, s->types[i].full) == 0) {
			free(s->types[k - 1].full);
			s->types[k - 1] = s->types[i];
		} else {
			s->types[k++] = s->types[i];
		}
	}
	s->n = k;
	return 0;
}

static void pbcompat_side_free(struct pbcompat_side *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->types[i].full);
	free(s->types);
}

/* The enums among the well-known types (all the others are messages). */
static const char *const pbcompat_known_enums[] = {
    "google.protobuf.NullValue",
    "google.protobuf.Field.Kind",
    "google.protobuf.Field.Cardinality",
    "google.protobuf.Syntax",
    "google.protobuf.Edition",
    "google.protobuf.SymbolVisibility",
    "google.protobuf.ExtensionRangeOptions.VerificationState",
    "google.protobuf.FieldDescriptorProto.Type",
    "google.protobuf.FieldDescriptorProto.Label",
    "google.protobuf.FileOptions.OptimizeMode",
    "google.protobuf.FieldOptions.CType",
    "google.protobuf.FieldOptions.JSType",
    "google.protobuf.FieldOptions.OptionRetention",
    "google.protobuf.FieldOptions.OptionTargetType",
    "google.protobuf.MethodOptions.IdempotencyLevel",
    "google.protobuf.FeatureSet.FieldPresence",
    "google.protobuf.FeatureSet.EnumType",
    "google.protobuf.FeatureSet.RepeatedFieldEncoding",
    "google.protobuf.FeatureSet.Utf8Validation",
    "google.protobuf.FeatureSet.MessageEncoding",
    "google.protobuf.FeatureSet.JsonFormat",
    "google.protobuf.FeatureSet.EnforceNamingStyle",
    "google.protobuf.FeatureSet.VisibilityFeature.DefaultSymbolVisibility",
    "google.protobuf.GeneratedCodeInfo.Annotation.Semantic",
    "google.type.CalendarPeriod",
    "google.type.DayOfWeek",
    "google.type.Month",
};

/* The packages of the well-known files, longest first. */
static const char *const pbcompat_known_packages[] = {
    "google.protobuf",
    "confluent.type",
    "google.type",
    "confluent",
};

/* Context.getTypeForFullName(): the type named `full` (no leading '.') on
 * `side`, copied to *out. Returns 1 when found, else 0. */
static int pbcompat_lookup(const struct pbcompat_run *run, int side, const char *full,
                           struct pbcompat_type *out)
{
	const struct pbcompat_side *s = &run->side[side];
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(full, s->types[mid].full);
		if (c == 0) {
			*out = s->types[mid];
			return 1;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (!pbnames_has(run->known, full))
		return 0;
	memset(out, 0, sizeof *out);
	out->package = "";
	for (size_t i = 0; i < sizeof pbcompat_known_packages / sizeof *pbcompat_known_packages;
	     i++) {
		size_t n = strlen(pbcompat_known_packages[i]);
		if (strncmp(full, pbcompat_known_packages[i], n) == 0 && full[n] == '.') {
			out->package = pbcompat_known_packages[i];
			break;
		}
	}
	for (size_t i = 0; i < sizeof pbcompat_known_enums / sizeof *pbcompat_known_enums; i++)
		if (strcmp(full, pbcompat_known_enums[i]) == 0)
			out->is_enum = 1;
	return 1;
}

/* Context.resolveFull(): `name` (n bytes) with a leading '.' is looked up
 * as it is; any other under the side's package and the context's named
 * segments, innermost first, then alone. Returns 1 with *out (and the full
 * name in `full` when not NULL), 0 when it does not resolve, -1 on error. */
static int pbcompat_resolve(struct pbcompat_ctx *c, int side, const char *name, size_t n,
                            struct pbcompat_type *out, struct pbcompat_str *full)
{
	struct pbcompat_run *run = c->run;
	struct pbcompat_str *b = &run->tmp;
	b->len = 0;
	int found = 0;
	if (n && name[0] == '.') {
		if (pbcompat_append(run, b, name + 1, n - 1) < 0)
			return -1;
		found = pbcompat_lookup(run, side, b->s, out);
	} else {
		/* the prefix: the package's parts, then the named segments */
		const char *pkg = c->package[side];
		if (pkg[0] && pbcompat_append(run, b, pkg, strlen(pkg)) < 0)
			return -1;
		for (size_t i = 0; i < c->nseg; i++) {
			if (!c->seg[i].named)
				continue;
			if ((b->len && pbcompat_append(run, b, ".", 1) < 0) ||
			    pbcompat_append(run, b, c->seg[i].s, c->seg[i].len) < 0)
				return -1;
		}
		size_t prefix = b->len;
		while (!found && prefix > 0) {
			b->len = prefix;
			if (pbcompat_append(run, b, ".", 1) < 0 ||
			    pbcompat_append(run, b, name, n) < 0)
				return -1;
			found = pbcompat_lookup(run, side, b->s, out);
			while (prefix > 0 && b->s[prefix - 1] != '.')
				prefix--;
			if (prefix > 0)
				prefix--;
		}
		if (!found) {
			b->len = 0;
			if (pbcompat_append(run, b, name, n) < 0)
				return -1;
			found = pbcompat_lookup(run, side, b->s, out);
		}
	}
	if (found && full) {
		full->len = 0;
		if (pbcompat_append(run, full, b->s, b->len) < 0)
			return -1;
	}
	return found;
}

/* ---- differences ---- */

/* Context.addDifference(): at the context's path. Returns 0 or -1. */
static int pbcompat_add(struct pbcompat_ctx *c, enum pbcompat_change t)
{
	struct pbcompat_run *run = c->run;
	int compatible = pbcompat_changes[t].compatible;
	if (!compatible)
		c->incompatible++;
	if (!run->r || (compatible && !run->all))
		return 0;
	struct pbcompat_str *p = &run->path;
	p->len = 0;
	if (pbcompat_append(run, p, "#/", 2) < 0)
		return -1;
	for (size_t i = 0; i < c->nseg; i++)
		if ((i && pbcompat_append(run, p, "/", 1) < 0) ||
		    pbcompat_append(run, p, c->seg[i].s, c->seg[i].len) < 0)
			return -1;
	int rc;
	if (pbcompat_changes[t].error) {
		size_t len = pbcompat_expand(pbcompat_changes[t].error, p->s, "reader", "writer",
		                             NULL, 0, 0);
		char *msg = malloc(len + 1);
		if (!msg)
			return pbcompat_fail(run, SG_ENOMEM, "out of memory");
		pbcompat_expand(pbcompat_changes[t].error, p->s, "reader", "writer", msg, len + 1,
		                0);
		msg[len] = '\0';
		rc = report_add(run->r, pbcompat_changes[t].name, p->s, "%s", msg);
		free(msg);
	} else {
		rc = report_add(run->r, pbcompat_changes[t].name, p->s, "%s at %s",
		                pbcompat_changes[t].name, p->s);
	}
	return rc < 0 ? pbcompat_fail(run, SG_ENOMEM, "out of memory") : 0;
}

static int pbcompat_push(struct pbcompat_ctx *c, const char *s, size_t len, int named)
{
	if (c->nseg == PBCOMPAT_MAX_SEGS)
		return pbcompat_fail(c->run, SG_ELIMIT,
		                     "the Protobuf schemas are nested too deeply to compare");
	c->seg[c->nseg++] = (struct pbcompat_seg){s, len, named};
	return 0;
}

/* Adds a difference at the context's path and `a`, then `b` (either NULL). */
static int pbcompat_add_at(struct pbcompat_ctx *c, const char *a, const char *b,
                           enum pbcompat_change t)
{
	size_t n = c->nseg;
	int rc = (a && pbcompat_push(c, a, strlen(a), 0) < 0) ||
	                 (b && pbcompat_push(c, b, strlen(b), 0) < 0)
	             ? -1
	             : pbcompat_add(c, t);
	c->nseg = n;
	return rc;
}

/* Counts one step of work; -1 past the limits. */
static int pbcompat_step(struct pbcompat_run *run)
{
	if (run->failed)
		return -1;
	if (++run->work > PBCOMPAT_MAX_WORK)
		return pbcompat_fail(run, SG_ELIMIT,
		                     "the Protobuf schemas are too large to compare within the "
		                     "work limit");
	return 0;
}

/* ---- Java's HashSet order ---- */

/* Java's String.hashCode() of UTF-8 `s`: over its UTF-16 code units. */
static uint32_t pbcompat_java_hash(const char *s)
{
	uint32_t h = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp = *p++;
		int more = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;
		if (more)
			cp &= 0x3fu >> more;
		for (; more > 0 && (*p & 0xc0) == 0x80; more--)
			cp = cp << 6 | (*p++ & 0x3f);
		if (cp >= 0x10000) {
			cp -= 0x10000;
			h = 31 * h + (0xd800 + (cp >> 10));
			cp = 0xdc00 + (cp & 0x3ff);
		}
		h = 31 * h + cp;
	}
	return h;
}

/* A key of the union of two maps (by name, or by number for enum
 * constants), with each side's element: the last put, at the position of
 * the first. */
struct pbcompat_key {
	const char *name;
	int32_t tag;
	const void *elem[2];
	int index[2];    /* a message's index among its siblings */
	size_t first[2]; /* SIZE_MAX: absent on that side */
	uint32_t bucket;
};

/* One element as put into a side's map, in order. */
struct pbcompat_item {
	const char *name;
	int32_t tag;
	int side;
	size_t order;
	const void *elem;
	int index;
};

static int pbcompat_item_cmp(const void *a, const void *b)
{
	const struct pbcompat_item *x = a, *y = b;
	int c = x->name ? strcmp(x->name, y->name) : (x->tag > y->tag) - (x->tag < y->tag);
	if (c)
		return c;
	if (x->side != y->side)
		return x->side - y->side;
	return (x->order > y->order) - (x->order < y->order);
}

static int pbcompat_key_order(const void *a, const void *b)
{
	const struct pbcompat_key *x = a, *y = b;
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	int xs = x->first[0] == SIZE_MAX, ys = y->first[0] == SIZE_MAX;
	if (xs != ys)
		return xs - ys;
	size_t xf = x->first[xs], yf = y->first[ys];
	return (xf > yf) - (xf < yf);
}

/* The keys of `n` items, in the order Java iterates
 * `s = new HashSet<>(original.keySet()); s.addAll(update.keySet())`:
 * by bucket of the final table, then the original's keys before the
 * update's, each in the order first put (Java's order when no bucket holds 8
 * keys or more). Sorts `items`; fills `keys` (room for n) and returns their
 * number. */
static size_t pbcompat_java_order(struct pbcompat_item *items, size_t n, struct pbcompat_key *keys)
{
	if (n)
		qsort(items, n, sizeof *items, pbcompat_item_cmp);
	size_t k = 0, n_original = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pbcompat_item *it = &items[i];
		struct pbcompat_key *key = k ? &keys[k - 1] : NULL;
		int same =
		    key && (it->name ? strcmp(key->name, it->name) == 0 : key->tag == it->tag);
		if (!same) {
			key = &keys[k++];
			memset(key, 0, sizeof *key);
			key->name = it->name;
			key->tag = it->tag;
			key->first[0] = key->first[1] = SIZE_MAX;
		}
		if (key->first[it->side] == SIZE_MAX) {
			key->first[it->side] = it->order;
			n_original += it->side == 0;
		}
		key->elem[it->side] = it->elem;
		key->index[it->side] = it->index;
	}
	/* HashSet(Collection): capacity tableSizeFor(max(size / .75f + 1, 16)),
	 * doubled while more than 3/4 full */
	size_t want = (size_t)((float)n_original / .75f) + 1, cap = 16;
	while (cap < want)
		cap *= 2;
	while (k > cap / 4 * 3)
		cap *= 2;
	for (size_t i = 0; i < k; i++) {
		uint32_t h =
		    keys[i].name ? pbcompat_java_hash(keys[i].name) : (uint32_t)keys[i].tag;
		keys[i].bucket = (h ^ (h >> 16)) & (uint32_t)(cap - 1);
	}
	if (k)
		qsort(keys, k, sizeof *keys, pbcompat_key_order);
	return k;
}

/* ---- the walk ---- */

static int pbcompat_message(struct pbcompat_ctx *c, const struct pbfile_type *o,
                            const struct pbfile_type *u);

/* EnumSchemaDiff.compare(). */
static int pbcompat_enum(struct pbcompat_ctx *c, const struct pbfile_type *o,
                         const struct pbfile_type *u)
{
	size_t n = 0;
	for (int s = 0; s < 2; s++)
		for (const struct pbfile_constant *k = (s ? u : o)->constants; k; k = k->next)
			n++;
	struct pbcompat_item *items = n ? calloc(n, sizeof *items) : NULL;
	struct pbcompat_key *keys = n ? calloc(n, sizeof *keys) : NULL;
	if (n && (!items || !keys)) {
		free(items);
		free(keys);
		return pbcompat_fail(c->run, SG_ENOMEM, "out of memory");
	}
	size_t i = 0;
	for (int s = 0; s < 2; s++)
		for (const struct pbfile_constant *k = (s ? u : o)->constants; k; k = k->next, i++)
			items[i] = (struct pbcompat_item){NULL, k->tag, s, i, k, 0};
	size_t nk = pbcompat_java_order(items, n, keys);
	int rc = 0;
	for (size_t j = 0; rc == 0 && j < nk; j++) {
		const struct pbfile_constant *ok = keys[j].elem[0], *uk = keys[j].elem[1];
		char num[16];
		snprintf(num, sizeof num, "%d", (int)keys[j].tag);
		if (pbcompat_step(c->run) < 0)
			rc = -1;
		else if (!uk)
			rc = pbcompat_add_at(c, num, NULL, PBCOMPAT_ENUM_CONST_REMOVED);
		else if (!ok)
			rc = pbcompat_add_at(c, num, NULL, PBCOMPAT_ENUM_CONST_ADDED);
		else if (strcmp(ok->name, uk->name) != 0)
			rc = pbcompat_add_at(c, num, NULL, PBCOMPAT_ENUM_CONST_CHANGED);
	}
	free(items);
	free(keys);
	return rc;
}

/* SchemaDiff.compareTypeElements(): the messages, then the enums, of two
 * lists of types. */
static int pbcompat_types(struct pbcompat_ctx *c, const struct pbfile_type *o,
                          const struct pbfile_type *u)
{
	size_t n = 0;
	for (int s = 0; s < 2; s++)
		for (const struct pbfile_type *t = s ? u : o; t; t = t->next)
			n++;
	if (!n)
		return 0;
	struct pbcompat_item *items = calloc(n, sizeof *items);
	struct pbcompat_key *keys = calloc(n, sizeof *keys);
	if (!items || !keys) {
		free(items);
		free(keys);
		return pbcompat_fail(c->run, SG_ENOMEM, "out of memory");
	}
	int rc = 0;
	for (int enums = 0; rc == 0 && enums < 2; enums++) {
		size_t ni = 0;
		for (int s = 0; s < 2; s++) {
			int index = 0;
			for (const struct pbfile_type *t = s ? u : o; t; t = t->next) {
				if (t->is_enum != enums)
					continue;
				items[ni] = (struct pbcompat_item){t->name, 0, s, ni, t, index++};
				ni++;
			}
		}
		size_t nk = pbcompat_java_order(items, ni, keys);
		for (size_t j = 0; rc == 0 && j < nk; j++) {
			const struct pbfile_type *ot = keys[j].elem[0], *ut = keys[j].elem[1];
			size_t depth = c->nseg;
			if (pbcompat_push(c, keys[j].name, strlen(keys[j].name), 1) < 0) {
				rc = -1;
				break;
			}
			struct pbcompat_type info;
			if (enums) {
				rc = !ut   ? pbcompat_add(c, PBCOMPAT_ENUM_REMOVED)
				     : !ot ? pbcompat_add(c, PBCOMPAT_ENUM_ADDED)
				           : pbcompat_enum(c, ot, ut);
			} else if (!ut || !ot) {
				int side = ut ? 1 : 0;
				int found = pbcompat_resolve(c, side, keys[j].name,
				                             strlen(keys[j].name), &info, NULL);
				if (found < 0)
					rc = -1;
				else if (found && !info.is_map)
					rc = pbcompat_add(c, side ? PBCOMPAT_MESSAGE_ADDED
					                          : PBCOMPAT_MESSAGE_REMOVED);
			} else {
				rc = pbcompat_message(c, ot, ut);
				if (rc == 0 && keys[j].index[0] != keys[j].index[1])
					rc = pbcompat_add(c, PBCOMPAT_MESSAGE_MOVED);
			}
			c->nseg = depth;
		}
	}
	free(items);
	free(keys);
	return rc;
}

/* A field's type as Wire's ProtoType.get() reads it: a scalar, a map<K, V>
 * (split at the first comma, each side trimmed) or a name. */
struct pbcompat_ptype {
	const char *s;
	size_t len;
	int scalar, map;
	const char *k, *v; /* map */
	size_t kl, vl;
};

static int pbcompat_is_scalar(const char *s, size_t n)
{
	static const char *const scalars[] = {"bool",    "bytes",  "double", "float",    "fixed32",
	                                      "fixed64", "int32",  "int64",  "sfixed32", "sfixed64",
	                                      "sint32",  "sint64", "string", "uint32",   "uint64"};
	for (size_t i = 0; i < sizeof scalars / sizeof *scalars; i++)
		if (strlen(scalars[i]) == n && memcmp(scalars[i], s, n) == 0)
			return 1;
	return 0;
}

static void pbcompat_trim(const char **s, size_t *n)
{
	while (*n && (unsigned char)**s <= ' ')
		(*s)++, (*n)--;
	while (*n && (unsigned char)(*s)[*n - 1] <= ' ')
		(*n)--;
}

static void pbcompat_ptype(struct pbcompat_ptype *t, const char *s, size_t n)
{
	memset(t, 0, sizeof *t);
	t->s = s;
	t->len = n;
	t->scalar = pbcompat_is_scalar(s, n);
	if (t->scalar || n < 5 || memcmp(s, "map<", 4) != 0 || s[n - 1] != '>')
		return;
	const char *comma = memchr(s, ',', n);
	if (!comma)
		return;
	t->map = 1;
	t->k = s + 4;
	t->kl = (size_t)(comma - t->k);
	t->v = comma + 1;
	t->vl = (size_t)(s + n - 1 - t->v);
	pbcompat_trim(&t->k, &t->kl);
	pbcompat_trim(&t->v, &t->vl);
}

enum pbcompat_kind { PBCOMPAT_SCALAR, PBCOMPAT_MAP, PBCOMPAT_MESSAGE };

/* Context.getType(): resolves a type's name; 1 found, 0 not, -1 error. */
static int pbcompat_get_type(struct pbcompat_ctx *c, int side, const struct pbcompat_ptype *t,
                             struct pbcompat_type *out)
{
	if (t->map) /* no type is named "map<...>" */
		return 0;
	return pbcompat_resolve(c, side, t->s, t->len, out, NULL);
}

/* FieldSchemaDiff.kind(): -1 on error. */
static int pbcompat_kind(struct pbcompat_ctx *c, int side, const struct pbcompat_ptype *t)
{
	if (t->scalar)
		return PBCOMPAT_SCALAR;
	if (t->map)
		return PBCOMPAT_MAP;
	struct pbcompat_type info;
	int found = pbcompat_get_type(c, side, t, &info);
	if (found < 0)
		return -1;
	return found && info.is_enum ? PBCOMPAT_SCALAR : PBCOMPAT_MESSAGE;
}

/* FieldSchemaDiff.scalarKind(): the groups of wire-compatible scalars (an
 * enum counts as a general number); -1 on error. */
static int pbcompat_scalar_kind(struct pbcompat_ctx *c, int side, const struct pbcompat_ptype *t)
{
	static const struct {
		const char *name;
		int kind;
	} kinds[] = {
	    {"int32", 0},    {"int64", 0},   {"uint32", 0},   {"uint64", 0}, {"bool", 0},
	    {"sint32", 1},   {"sint64", 1},  {"string", 2},   {"bytes", 2},  {"fixed32", 3},
	    {"sfixed32", 3}, {"fixed64", 4}, {"sfixed64", 4}, {"float", 5},  {"double", 6},
	};
	struct pbcompat_type info;
	int found = pbcompat_get_type(c, side, t, &info);
	if (found < 0)
		return -1;
	if (found && info.is_enum)
		return 0;
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (strlen(kinds[i].name) == t->len && memcmp(kinds[i].name, t->s, t->len) == 0)
			return kinds[i].kind;
	return 7; /* none: Confluent throws; never reached for a scalar kind */
}

static int pbcompat_labels_types(struct pbcompat_ctx *c, enum pbfile_label ol, enum pbfile_label ul,
                                 struct pbcompat_ptype ot, struct pbcompat_ptype ut);

/* FieldSchemaDiff.compareMessageTypes(). */
static int pbcompat_message_types(struct pbcompat_ctx *c, const struct pbcompat_ptype *ot,
                                  const struct pbcompat_ptype *ut)
{
	struct pbcompat_run *run = c->run;
	struct pbcompat_str full[2] = {{0}, {0}};
	struct pbcompat_type info[2];
	int rc = 0, found[2];
	found[0] = pbcompat_resolve(c, 0, ot->s, ot->len, &info[0], &full[0]);
	found[1] = found[0] < 0 ? -1 : pbcompat_resolve(c, 1, ut->s, ut->len, &info[1], &full[1]);
	if (found[0] < 0 || found[1] < 0) {
		rc = -1;
		goto out;
	}
	if (!found[0] || !found[1]) {
		/* not resolved: the names as written */
		if (ot->len != ut->len || memcmp(ot->s, ut->s, ot->len) != 0)
			rc = pbcompat_add(c, PBCOMPAT_FIELD_NAMED_TYPE_CHANGED);
		goto out;
	}
	/* getType(fullName): resolved once more, as Confluent does */
	const char *local[2];
	for (int s = 0; s < 2; s++) {
		if (pbcompat_resolve(c, s, full[s].s, full[s].len, &info[s], NULL) < 0) {
			rc = -1;
			goto out;
		}
		size_t lp = strlen(info[s].package);
		local[s] = full[s].s;
		if (strncmp(full[s].s, info[s].package, lp) == 0 && full[s].s[lp] == '.')
			local[s] = full[s].s + lp + 1;
	}
	if (strcmp(local[0], local[1]) != 0) {
		rc = pbcompat_add(c, PBCOMPAT_FIELD_NAMED_TYPE_CHANGED);
		goto out;
	}
	const char *oo = info[0].origin, *uo = info[1].origin;
	int same_origin =
	    oo && uo &&
	    (oo == uo || (oo != pbcompat_self && uo != pbcompat_self && strcmp(oo, uo) == 0));
	/* a well-known message is the same on both sides */
	if (same_origin || !info[0].type || !info[1].type || info[0].type->is_enum ||
	    info[1].type->is_enum)
		goto out;
	struct pbcompat_ctx *sub = calloc(1, sizeof *sub);
	if (!sub) {
		rc = pbcompat_fail(run, SG_ENOMEM, "out of memory");
		goto out;
	}
	sub->run = run;
	sub->package[0] = info[0].package;
	sub->package[1] = info[1].package;
	sub->entered = c->entered;
	/* setFullName(): the local name's parts */
	for (const char *p = local[0]; rc == 0;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		rc = pbcompat_push(sub, p, n, 1);
		if (!dot)
			break;
		p = dot + 1;
	}
	if (rc == 0)
		rc = pbcompat_message(sub, info[0].type, info[1].type);
	c->incompatible += sub->incompatible;
	if (rc == 0 && sub->incompatible)
		rc = pbcompat_add(c, PBCOMPAT_FIELD_NAMED_TYPE_CHANGED);
	free(sub);
out:
	free(full[0].s);
	free(full[1].s);
	return rc;
}

/* FieldSchemaDiff.compareScalarTypes(). */
static int pbcompat_scalar_types(struct pbcompat_ctx *c, enum pbfile_label ol, enum pbfile_label ul,
                                 const struct pbcompat_ptype *ot, const struct pbcompat_ptype *ut)
{
	int ok = pbcompat_scalar_kind(c, 0, ot);
	int uk = ok < 0 ? -1 : pbcompat_scalar_kind(c, 1, ut);
	if (ok < 0 || uk < 0)
		return -1;
	if (ok != uk)
		return pbcompat_add(c, PBCOMPAT_FIELD_SCALAR_KIND_CHANGED);
	/* a field without a label (proto3, a oneof's member) has Wire's null */
	if (ol == PBFILE_LABEL_NONE || ul == PBFILE_LABEL_NONE || ol == ul)
		return 0;
	if (ok == 2)
		return pbcompat_add(c, PBCOMPAT_FIELD_STRING_OR_BYTES_LABEL_CHANGED);
	if (ok <= 6)
		return pbcompat_add(c, PBCOMPAT_FIELD_NUMERIC_LABEL_CHANGED);
	return 0;
}

/* FieldSchemaDiff.compareLabelsAndTypes(). */
static int pbcompat_labels_types(struct pbcompat_ctx *c, enum pbfile_label ol, enum pbfile_label ul,
                                 struct pbcompat_ptype ot, struct pbcompat_ptype ut)
{
	struct pbcompat_run *run = c->run;
	if (pbcompat_step(run) < 0)
		return -1;
	if (++run->depth > PBCOMPAT_MAX_DEPTH) {
		run->depth--;
		return pbcompat_fail(run, SG_ELIMIT,
		                     "the Protobuf schemas are nested too deeply to compare");
	}
	int rc = 0;
	struct pbcompat_ptype *t[2] = {&ot, &ut};
	for (int s = 0; rc == 0 && s < 2; s++) {
		struct pbcompat_type info;
		int found = pbcompat_get_type(c, s, t[s], &info);
		if (found < 0)
			rc = -1;
		else if (found && info.is_map) {
			/* a map entry message stands for map<key, value> */
			struct pbcompat_ptype m = *t[s];
			m.scalar = 0;
			m.map = 1;
			m.k = info.key;
			m.kl = strlen(info.key);
			m.v = info.value;
			m.vl = strlen(info.value);
			*t[s] = m;
		}
	}
	int ok = rc < 0 ? -1 : pbcompat_kind(c, 0, &ot);
	int uk = ok < 0 ? -1 : pbcompat_kind(c, 1, &ut);
	if (ok < 0 || uk < 0) {
		rc = -1;
	} else if (ok != uk) {
		rc = pbcompat_add(c, PBCOMPAT_FIELD_KIND_CHANGED);
	} else if (ok == PBCOMPAT_SCALAR) {
		rc = pbcompat_scalar_types(c, ol, ul, &ot, &ut);
	} else if (ok == PBCOMPAT_MESSAGE) {
		rc = pbcompat_message_types(c, &ot, &ut);
	} else {
		/* compareMapTypes(): keys, then values, without labels */
		struct pbcompat_ptype ok2, uk2, ov, uv;
		pbcompat_ptype(&ok2, ot.k, ot.kl);
		pbcompat_ptype(&uk2, ut.k, ut.kl);
		pbcompat_ptype(&ov, ot.v, ot.vl);
		pbcompat_ptype(&uv, ut.v, ut.vl);
		rc = pbcompat_labels_types(c, PBFILE_LABEL_NONE, PBFILE_LABEL_NONE, ok2, uk2);
		if (rc == 0)
			rc = pbcompat_labels_types(c, PBFILE_LABEL_NONE, PBFILE_LABEL_NONE, ov, uv);
	}
	run->depth--;
	return rc;
}

/* FieldSchemaDiff.compare(). */
static int pbcompat_field(struct pbcompat_ctx *c, const struct pbfile_field *o,
                          const struct pbfile_field *u)
{
	if (strcmp(o->name, u->name) != 0 && pbcompat_add(c, PBCOMPAT_FIELD_NAME_CHANGED) < 0)
		return -1;
	struct pbcompat_ptype ot, ut;
	pbcompat_ptype(&ot, o->type, strlen(o->type));
	pbcompat_ptype(&ut, u->type, strlen(u->type));
	return pbcompat_labels_types(c, o->label, u->label, ot, ut);
}

/* A message's fields by tag, oneof members included, each with its oneof
 * (MessageSchemaDiff.collectFields); sorted by tag, the last put winning. */
struct pbcompat_fent {
	int32_t tag;
	const struct pbfile_field *field;
	const char *oneof; /* NULL: a top-level field */
	size_t order;
};

/* A message's oneofs by name, the last put winning. */
struct pbcompat_oent {
	const struct pbfile_oneof *oneof;
	size_t order;
	int deleted; /* completely deleted: no member survives in the update */
};

static int pbcompat_fent_cmp(const void *a, const void *b)
{
	const struct pbcompat_fent *x = a, *y = b;
	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

static int pbcompat_oent_cmp(const void *a, const void *b)
{
	const struct pbcompat_oent *x = a, *y = b;
	int c = strcmp(x->oneof->name, y->oneof->name);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* The fields and oneofs of `m`, sorted and without repeats (malloc'd;
 * NULL with *nf 0 when there are none). Returns 0 or -1. */
static int pbcompat_collect(struct pbcompat_run *run, const struct pbfile_type *m,
                            struct pbcompat_fent **fields, size_t *nf,
                            struct pbcompat_oent **oneofs, size_t *no)
{
	size_t n = 0, k = 0;
	*fields = NULL;
	*oneofs = NULL;
	*nf = *no = 0;
	for (const struct pbfile_field *f = m->fields; f; f = f->next)
		n++;
	for (const struct pbfile_oneof *o = m->oneofs; o; o = o->next, k++)
		for (const struct pbfile_field *f = o->fields; f; f = f->next)
			n++;
	if ((n && !(*fields = calloc(n, sizeof **fields))) ||
	    (k && !(*oneofs = calloc(k, sizeof **oneofs)))) {
		free(*fields);
		*fields = NULL;
		return pbcompat_fail(run, SG_ENOMEM, "out of memory");
	}
	size_t i = 0;
	for (const struct pbfile_field *f = m->fields; f; f = f->next, i++)
		(*fields)[i] = (struct pbcompat_fent){f->tag, f, NULL, i};
	k = 0;
	for (const struct pbfile_oneof *o = m->oneofs; o; o = o->next, k++) {
		(*oneofs)[k] = (struct pbcompat_oent){o, k, 0};
		for (const struct pbfile_field *f = o->fields; f; f = f->next, i++)
			(*fields)[i] = (struct pbcompat_fent){f->tag, f, o->name, i};
	}
	if (n)
		qsort(*fields, n, sizeof **fields, pbcompat_fent_cmp);
	if (k)
		qsort(*oneofs, k, sizeof **oneofs, pbcompat_oent_cmp);
	size_t w = 0;
	for (i = 0; i < n; i++) {
		if (w && (*fields)[w - 1].tag == (*fields)[i].tag)
			w--;
		(*fields)[w++] = (*fields)[i];
	}
	*nf = w;
	w = 0;
	for (i = 0; i < k; i++) {
		if (w && strcmp((*oneofs)[w - 1].oneof->name, (*oneofs)[i].oneof->name) == 0)
			w--;
		(*oneofs)[w++] = (*oneofs)[i];
	}
	*no = w;
	return 0;
}

static const struct pbcompat_fent *pbcompat_find_tag(const struct pbcompat_fent *f, size_t n,
                                                     int32_t tag)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f[mid].tag == tag)
			return &f[mid];
		if (tag < f[mid].tag)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static struct pbcompat_oent *pbcompat_find_oneof(struct pbcompat_oent *o, size_t n,
                                                 const char *name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, o[mid].oneof->name);
		if (c == 0)
			return &o[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* The oneof checks of MessageSchemaDiff.compare(): mutual exclusivity newly
 * introduced by each of the update's oneofs, then the oneofs added and
 * removed (in name order). */
static int pbcompat_oneofs(struct pbcompat_ctx *c, const struct pbfile_type *u,
                           const struct pbcompat_fent *of, size_t nof,
                           const struct pbcompat_oent *oo, size_t noo, struct pbcompat_oent *uo,
                           size_t nuo)
{
	for (const struct pbfile_oneof *one = u->oneofs; one; one = one->next) {
		/* the groups the members come from: an original oneof, or each
		 * original top-level field on its own; new fields count for none */
		const char *group_oneof = NULL;
		int32_t group_tag = 0;
		int groups = 0, moved_in = 0;
		for (const struct pbfile_field *f = one->fields; f; f = f->next) {
			const struct pbcompat_fent *e = pbcompat_find_tag(of, nof, f->tag);
			if (pbcompat_step(c->run) < 0)
				return -1;
			if (!e)
				continue;
			if (!e->oneof)
				moved_in++;
			if (groups == 0) {
				groups = 1;
				group_oneof = e->oneof;
				group_tag = e->tag;
			} else if (group_oneof ? !e->oneof || strcmp(group_oneof, e->oneof) != 0
			                       : e->oneof || group_tag != e->tag) {
				groups = 2;
			}
		}
		if (groups > 1 &&
		    pbcompat_add_at(c, one->name, NULL,
		                    moved_in > 1 ? PBCOMPAT_MULTIPLE_FIELDS_MOVED_TO_ONEOF
		                                 : PBCOMPAT_FIELD_MOVED_TO_EXISTING_ONEOF) < 0)
			return -1;
	}
	size_t i = 0, j = 0;
	while (i < noo || j < nuo) {
		int cmp = i == noo   ? 1
		          : j == nuo ? -1
		                     : strcmp(oo[i].oneof->name, uo[j].oneof->name);
		if (cmp < 0 &&
		    pbcompat_add_at(c, oo[i].oneof->name, NULL, PBCOMPAT_ONEOF_REMOVED) < 0)
			return -1;
		if (cmp > 0 &&
		    pbcompat_add_at(c, uo[j].oneof->name, NULL, PBCOMPAT_ONEOF_ADDED) < 0)
			return -1;
		i += cmp <= 0;
		j += cmp >= 0;
	}
	return 0;
}

/* One tag of the per-field pass of MessageSchemaDiff.compare(). */
static int pbcompat_tag(struct pbcompat_ctx *c, const struct pbcompat_fent *o,
                        const struct pbcompat_fent *u, struct pbcompat_oent *oo, size_t noo)
{
	char num[16];
	snprintf(num, sizeof num, "%d", (int)(o ? o->tag : u->tag));
	if (!u) {
		if (o->oneof) {
			const struct pbcompat_oent *e = pbcompat_find_oneof(oo, noo, o->oneof);
			if (e && e->deleted)
				return 0;
			return pbcompat_add_at(c, o->oneof, num, PBCOMPAT_ONEOF_FIELD_REMOVED);
		}
		return pbcompat_add_at(c, num, NULL,
		                       o->field->label == PBFILE_LABEL_REQUIRED
		                           ? PBCOMPAT_REQUIRED_FIELD_REMOVED
		                           : PBCOMPAT_FIELD_REMOVED);
	}
	if (!o) {
		if (u->oneof)
			return pbcompat_add_at(c, u->oneof, num, PBCOMPAT_ONEOF_FIELD_ADDED);
		return pbcompat_add_at(c, num, NULL,
		                       u->field->label == PBFILE_LABEL_REQUIRED
		                           ? PBCOMPAT_REQUIRED_FIELD_ADDED
		                           : PBCOMPAT_FIELD_ADDED);
	}
	if (o->oneof && !u->oneof &&
	    pbcompat_add_at(c, num, NULL, PBCOMPAT_ONEOF_FIELD_MOVED_TO_TOP_LEVEL) < 0)
		return -1;
	size_t depth = c->nseg;
	int rc = (u->oneof && pbcompat_push(c, u->oneof, strlen(u->oneof), 0) < 0) ||
	                 pbcompat_push(c, num, strlen(num), 0) < 0
	             ? -1
	             : pbcompat_field(c, o->field, u->field);
	c->nseg = depth;
	return rc;
}

/* MessageSchemaDiff.compare(): the fields (once per chain of messages being
 * compared), then the nested types. */
static int pbcompat_message(struct pbcompat_ctx *c, const struct pbfile_type *o,
                            const struct pbfile_type *u)
{
	struct pbcompat_run *run = c->run;
	if (pbcompat_step(run) < 0)
		return -1;
	if (++run->depth > PBCOMPAT_MAX_DEPTH) {
		run->depth--;
		return pbcompat_fail(run, SG_ELIMIT,
		                     "the Protobuf schemas are nested too deeply to compare");
	}
	int entered = 0;
	for (const struct pbcompat_entered *e = c->entered; e && !entered; e = e->next)
		entered = e->type == o;
	int rc = 0;
	/* the message stays entered while its nested types are compared, as
	 * Confluent's SchemaScope spans both */
	struct pbcompat_entered self = {o, c->entered};
	const struct pbcompat_entered *saved = c->entered;
	if (!entered) {
		c->entered = &self;
		struct pbcompat_fent *of = NULL, *uf = NULL;
		struct pbcompat_oent *oo = NULL, *uo = NULL;
		size_t nof = 0, nuf = 0, noo = 0, nuo = 0;
		rc = pbcompat_collect(run, o, &of, &nof, &oo, &noo);
		if (rc == 0)
			rc = pbcompat_collect(run, u, &uf, &nuf, &uo, &nuo);
		/* an original oneof gone by name with no member left anywhere */
		for (size_t i = 0; rc == 0 && i < noo; i++) {
			if (pbcompat_find_oneof(uo, nuo, oo[i].oneof->name))
				continue;
			oo[i].deleted = 1;
			for (const struct pbfile_field *f = oo[i].oneof->fields; f; f = f->next)
				if (pbcompat_find_tag(uf, nuf, f->tag))
					oo[i].deleted = 0;
		}
		if (rc == 0)
			rc = pbcompat_oneofs(c, u, of, nof, oo, noo, uo, nuo);
		/* every tag, in order */
		size_t i = 0, j = 0;
		while (rc == 0 && (i < nof || j < nuf)) {
			int cmp = i == nof   ? 1
			          : j == nuf ? -1
			                     : (of[i].tag > uf[j].tag) - (of[i].tag < uf[j].tag);
			rc = pbcompat_step(run);
			if (rc == 0)
				rc = pbcompat_tag(c, cmp <= 0 ? &of[i] : NULL,
				                  cmp >= 0 ? &uf[j] : NULL, oo, noo);
			i += cmp <= 0;
			j += cmp >= 0;
		}
		free(of);
		free(uf);
		free(oo);
		free(uo);
	}
	if (rc == 0)
		rc = pbcompat_types(c, o->nested, u->nested);
	c->entered = saved;
	run->depth--;
	return rc;
}

int pbcompat_check(const struct pbcompat_schema *reader, const struct pbcompat_schema *writer,
                   int all, struct report *r, struct sg_error *err)
{
	struct pbcompat_run run = {.r = r, .all = all, .err = err};
	struct pbcompat_ctx *c = calloc(1, sizeof *c);
	int rc = -1;
	if (!c || !(run.known = pbnames_new())) {
		pbcompat_fail(&run, SG_ENOMEM, "out of memory");
		goto out;
	}
	if (pbnames_add_well_known(run.known, err) < 0) {
		run.failed = 1;
		goto out;
	}
	pbnames_freeze(run.known);
	if (pbcompat_side_fill(&run, &run.side[0], writer) < 0 ||
	    pbcompat_side_fill(&run, &run.side[1], reader) < 0)
		goto out;
	c->run = &run;
	c->package[0] = writer->file->package ? writer->file->package : "";
	c->package[1] = reader->file->package ? reader->file->package : "";
	if (strcmp(c->package[0], c->package[1]) != 0 &&
	    pbcompat_add(c, PBCOMPAT_PACKAGE_CHANGED) < 0)
		goto out;
	if (pbcompat_types(c, writer->file->types, reader->file->types) < 0)
		goto out;
	rc = c->incompatible ? 0 : 1;
out:
	free(c);
	pbnames_free(run.known);
	pbcompat_side_free(&run.side[0]);
	pbcompat_side_free(&run.side[1]);
	free(run.tmp.s);
	free(run.path.s);
	return rc;
}
