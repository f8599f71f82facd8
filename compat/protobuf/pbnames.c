/* compat/protobuf/pbnames.c: a sorted set of full type names, and type
 * resolution as Confluent does it (see pbnames.h). */
#include "compat/protobuf/pbnames.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct pbnames {
	struct pbnames_type *names;
	size_t n, cap;
	int frozen;
};

/* The well-known files and their types. Written from the files Confluent 8.1
 * embeds (protobuf-java 4.x, googleapis' common protos, Confluent's own):
 * names only, which are facts about those files. */
static const char *const pbnames_known_files[] = {
    "google/protobuf/any.proto",
    "google/protobuf/api.proto",
    "google/protobuf/descriptor.proto",
    "google/protobuf/duration.proto",
    "google/protobuf/empty.proto",
    "google/protobuf/field_mask.proto",
    "google/protobuf/source_context.proto",
    "google/protobuf/struct.proto",
    "google/protobuf/timestamp.proto",
    "google/protobuf/type.proto",
    "google/protobuf/wrappers.proto",
    "google/type/calendar_period.proto",
    "google/type/color.proto",
    "google/type/date.proto",
    "google/type/datetime.proto",
    "google/type/dayofweek.proto",
    "google/type/decimal.proto",
    "google/type/expr.proto",
    "google/type/fraction.proto",
    "google/type/interval.proto",
    "google/type/latlng.proto",
    "google/type/money.proto",
    "google/type/month.proto",
    "google/type/phone_number.proto",
    "google/type/postal_address.proto",
    "google/type/quaternion.proto",
    "google/type/timeofday.proto",
    "confluent/meta.proto",
    "confluent/type/decimal.proto",
};

static const char *const pbnames_known_types[] = {
    /* google/protobuf/any, api, duration, empty, field_mask, source_context */
    "google.protobuf.Any",
    "google.protobuf.Api",
    "google.protobuf.Method",
    "google.protobuf.Mixin",
    "google.protobuf.Duration",
    "google.protobuf.Empty",
    "google.protobuf.FieldMask",
    "google.protobuf.SourceContext",
    /* struct, timestamp, type, wrappers */
    "google.protobuf.Struct",
    "google.protobuf.Value",
    "google.protobuf.ListValue",
    "google.protobuf.NullValue",
    "google.protobuf.Timestamp",
    "google.protobuf.Type",
    "google.protobuf.Field",
    "google.protobuf.Field.Kind",
    "google.protobuf.Field.Cardinality",
    "google.protobuf.Enum",
    "google.protobuf.EnumValue",
    "google.protobuf.Option",
    "google.protobuf.Syntax",
    "google.protobuf.DoubleValue",
    "google.protobuf.FloatValue",
    "google.protobuf.Int64Value",
    "google.protobuf.UInt64Value",
    "google.protobuf.Int32Value",
    "google.protobuf.UInt32Value",
    "google.protobuf.BoolValue",
    "google.protobuf.StringValue",
    "google.protobuf.BytesValue",
    /* descriptor */
    "google.protobuf.FileDescriptorSet",
    "google.protobuf.Edition",
    "google.protobuf.SymbolVisibility",
    "google.protobuf.FileDescriptorProto",
    "google.protobuf.DescriptorProto",
    "google.protobuf.DescriptorProto.ExtensionRange",
    "google.protobuf.DescriptorProto.ReservedRange",
    "google.protobuf.ExtensionRangeOptions",
    "google.protobuf.ExtensionRangeOptions.Declaration",
    "google.protobuf.ExtensionRangeOptions.VerificationState",
    "google.protobuf.FieldDescriptorProto",
    "google.protobuf.FieldDescriptorProto.Type",
    "google.protobuf.FieldDescriptorProto.Label",
    "google.protobuf.OneofDescriptorProto",
    "google.protobuf.EnumDescriptorProto",
    "google.protobuf.EnumDescriptorProto.EnumReservedRange",
    "google.protobuf.EnumValueDescriptorProto",
    "google.protobuf.ServiceDescriptorProto",
    "google.protobuf.MethodDescriptorProto",
    "google.protobuf.FileOptions",
    "google.protobuf.FileOptions.OptimizeMode",
    "google.protobuf.MessageOptions",
    "google.protobuf.FieldOptions",
    "google.protobuf.FieldOptions.CType",
    "google.protobuf.FieldOptions.JSType",
    "google.protobuf.FieldOptions.OptionRetention",
    "google.protobuf.FieldOptions.OptionTargetType",
    "google.protobuf.FieldOptions.EditionDefault",
    "google.protobuf.FieldOptions.FeatureSupport",
    "google.protobuf.OneofOptions",
    "google.protobuf.EnumOptions",
    "google.protobuf.EnumValueOptions",
    "google.protobuf.ServiceOptions",
    "google.protobuf.MethodOptions",
    "google.protobuf.MethodOptions.IdempotencyLevel",
    "google.protobuf.UninterpretedOption",
    "google.protobuf.UninterpretedOption.NamePart",
    "google.protobuf.FeatureSet",
    "google.protobuf.FeatureSet.FieldPresence",
    "google.protobuf.FeatureSet.EnumType",
    "google.protobuf.FeatureSet.RepeatedFieldEncoding",
    "google.protobuf.FeatureSet.Utf8Validation",
    "google.protobuf.FeatureSet.MessageEncoding",
    "google.protobuf.FeatureSet.JsonFormat",
    "google.protobuf.FeatureSet.EnforceNamingStyle",
    "google.protobuf.FeatureSet.VisibilityFeature",
    "google.protobuf.FeatureSet.VisibilityFeature.DefaultSymbolVisibility",
    "google.protobuf.FeatureSetDefaults",
    "google.protobuf.FeatureSetDefaults.FeatureSetEditionDefault",
    "google.protobuf.SourceCodeInfo",
    "google.protobuf.SourceCodeInfo.Location",
    "google.protobuf.GeneratedCodeInfo",
    "google.protobuf.GeneratedCodeInfo.Annotation",
    "google.protobuf.GeneratedCodeInfo.Annotation.Semantic",
    /* google/type */
    "google.type.CalendarPeriod",
    "google.type.Color",
    "google.type.Date",
    "google.type.DateTime",
    "google.type.TimeZone",
    "google.type.DayOfWeek",
    "google.type.Decimal",
    "google.type.Expr",
    "google.type.Fraction",
    "google.type.Interval",
    "google.type.LatLng",
    "google.type.Money",
    "google.type.Month",
    "google.type.PhoneNumber",
    "google.type.PhoneNumber.ShortCode",
    "google.type.PostalAddress",
    "google.type.Quaternion",
    "google.type.TimeOfDay",
    /* confluent/meta.proto, confluent/type/decimal.proto */
    "confluent.Meta",
    "confluent.type.Decimal",
};

/* The enums among the well-known types (every other one is a message). */
static const char *const pbnames_known_enums[] = {
    "google.protobuf.Edition",
    "google.protobuf.ExtensionRangeOptions.VerificationState",
    "google.protobuf.FeatureSet.EnforceNamingStyle",
    "google.protobuf.FeatureSet.EnumType",
    "google.protobuf.FeatureSet.FieldPresence",
    "google.protobuf.FeatureSet.JsonFormat",
    "google.protobuf.FeatureSet.MessageEncoding",
    "google.protobuf.FeatureSet.RepeatedFieldEncoding",
    "google.protobuf.FeatureSet.Utf8Validation",
    "google.protobuf.FeatureSet.VisibilityFeature.DefaultSymbolVisibility",
    "google.protobuf.Field.Cardinality",
    "google.protobuf.Field.Kind",
    "google.protobuf.FieldDescriptorProto.Label",
    "google.protobuf.FieldDescriptorProto.Type",
    "google.protobuf.FieldOptions.CType",
    "google.protobuf.FieldOptions.JSType",
    "google.protobuf.FieldOptions.OptionRetention",
    "google.protobuf.FieldOptions.OptionTargetType",
    "google.protobuf.FileOptions.OptimizeMode",
    "google.protobuf.GeneratedCodeInfo.Annotation.Semantic",
    "google.protobuf.MethodOptions.IdempotencyLevel",
    "google.protobuf.NullValue",
    "google.protobuf.SymbolVisibility",
    "google.protobuf.Syntax",
    "google.type.CalendarPeriod",
    "google.type.DayOfWeek",
    "google.type.Month",
};

struct pbnames *pbnames_new(void)
{
	return calloc(1, sizeof(struct pbnames));
}

void pbnames_free(struct pbnames *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		free((char *)n->names[i].name);
		free((char *)n->names[i].map_key);
		free((char *)n->names[i].map_value);
	}
	free(n->names);
	free(n);
}

static char *pbnames_dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Adds prefix + "." + name (or name alone when prefix is empty), of kind
 * `kind`, with a map entry's key and value types (copied; NULL otherwise). */
static int pbnames_push(struct pbnames *n, const char *prefix, const char *name,
                        enum pbnames_kind kind, const char *key, const char *value, int repeated,
                        struct sg_error *err)
{
	if (n->n == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 64;
		struct pbnames_type *more = realloc(n->names, cap * sizeof *more);
		if (!more)
			return error_set(err, SG_ENOMEM, "out of memory");
		n->names = more;
		n->cap = cap;
	}
	size_t lp = prefix ? strlen(prefix) : 0, ln = strlen(name);
	char *s = malloc(lp + 1 + ln + 1);
	char *k = pbnames_dup(key), *v = pbnames_dup(value);
	if (!s || (key && !k) || (value && !v)) {
		free(s);
		free(k);
		free(v);
		return error_set(err, SG_ENOMEM, "out of memory");
	}
	size_t at = 0;
	if (lp) {
		memcpy(s, prefix, lp);
		s[lp] = '.';
		at = lp + 1;
	}
	memcpy(s + at, name, ln + 1);
	n->names[n->n++] = (struct pbnames_type){s, kind, k, v, repeated};
	n->frozen = 0;
	return 0;
}

/* 1 when message `t` has `option map_entry = true;` (a descriptor's map
 * entry), as Confluent's collectTypeInfo() sees it: the last option of that
 * name (a leading '.' dropped) whose text is "true" in any case. */
static int pbnames_is_map_entry(const struct pbfile_type *t)
{
	int map = 0;
	for (const struct pbfile_option *o = t->options; o; o = o->next) {
		const char *name = o->name[0] == '.' ? o->name + 1 : o->name;
		if (strcmp(name, "map_entry") == 0)
			map = o->value && o->value->type == PBFILE_V_TEXT && o->value->text &&
			      strcasecmp(o->value->text, "true") == 0;
	}
	return map;
}

/* The type of field `name` of message `t`, or NULL. */
static const char *pbnames_field_type(const struct pbfile_type *t, const char *name)
{
	for (const struct pbfile_field *f = t->fields; f; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f->type;
	return NULL;
}

/* The fields of extend blocks, named prefix.field (Confluent's
 * addExtendField: the package, the enclosing messages, the field). */
static int pbnames_add_extends(struct pbnames *n, const char *prefix, const struct pbfile_extend *e,
                               struct sg_error *err)
{
	for (; e; e = e->next)
		for (const struct pbfile_field *f = e->fields; f; f = f->next)
			if (pbnames_push(n, prefix, f->name, PBNAMES_EXTENSION, NULL, NULL,
			                 f->label == PBFILE_LABEL_REPEATED, err) < 0)
				return -1;
	return 0;
}

static int pbnames_add_types(struct pbnames *n, const char *prefix, const struct pbfile_type *types,
                             struct sg_error *err)
{
	for (const struct pbfile_type *t = types; t; t = t->next) {
		int map = !t->is_enum && pbnames_is_map_entry(t);
		if (pbnames_push(n, prefix, t->name,
		                 t->is_enum ? PBNAMES_ENUM
		                 : map      ? PBNAMES_MAP_ENTRY
		                            : PBNAMES_MESSAGE,
		                 map ? pbnames_field_type(t, "key") : NULL,
		                 map ? pbnames_field_type(t, "value") : NULL, 0, err) < 0)
			return -1;
		/* the name just pushed is the prefix of the nested names */
		const char *self = n->names[n->n - 1].name;
		if (!t->is_enum && pbnames_add_extends(n, self, t->extends, err) < 0)
			return -1;
		if (t->nested && pbnames_add_types(n, self, t->nested, err) < 0)
			return -1;
	}
	return 0;
}

int pbnames_add_file(struct pbnames *n, const struct pbfile *f, struct sg_error *err)
{
	if (pbnames_add_extends(n, f->package, f->extends, err) < 0)
		return -1;
	return pbnames_add_types(n, f->package, f->types, err);
}

int pbnames_add_all(struct pbnames *n, const struct pbnames *src, struct sg_error *err)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct pbnames_type *t = &src->names[i];
		if (pbnames_push(n, NULL, t->name, t->kind, t->map_key, t->map_value, t->repeated,
		                 err) < 0)
			return -1;
	}
	return 0;
}

static int pbnames_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int pbnames_add_well_known(struct pbnames *n, struct sg_error *err)
{
	for (size_t i = 0; i < sizeof pbnames_known_types / sizeof pbnames_known_types[0]; i++) {
		const char *name = pbnames_known_types[i];
		int is_enum = bsearch(&name, pbnames_known_enums,
		                      sizeof pbnames_known_enums / sizeof pbnames_known_enums[0],
		                      sizeof pbnames_known_enums[0], pbnames_strcmp) != NULL;
		if (pbnames_push(n, NULL, name, is_enum ? PBNAMES_ENUM : PBNAMES_MESSAGE, NULL,
		                 NULL, 0, err) < 0)
			return -1;
	}
	/* confluent/meta.proto's options, none of them repeated */
	static const char *const meta[] = {"confluent.file_meta", "confluent.message_meta",
	                                   "confluent.field_meta", "confluent.enum_meta",
	                                   "confluent.enum_value_meta"};
	for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
		if (pbnames_push(n, NULL, meta[i], PBNAMES_EXTENSION, NULL, NULL, 0, err) < 0)
			return -1;
	return 0;
}

static int pbnames_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pbnames_type *)a)->name,
	              ((const struct pbnames_type *)b)->name);
}

void pbnames_freeze(struct pbnames *n)
{
	if (n->n)
		qsort(n->names, n->n, sizeof *n->names, pbnames_cmp);
	size_t k = 0;
	for (size_t i = 0; i < n->n; i++) {
		if (k && pbnames_cmp(&n->names[k - 1], &n->names[i]) == 0) {
			free((char *)n->names[i].name);
			free((char *)n->names[i].map_key);
			free((char *)n->names[i].map_value);
		} else {
			n->names[k++] = n->names[i];
		}
	}
	n->n = k;
	n->frozen = 1;
}

const struct pbnames_type *pbnames_find(const struct pbnames *n, const char *full)
{
	if (!n->n)
		return NULL;
	struct pbnames_type key = {.name = full, .kind = PBNAMES_MESSAGE};
	return bsearch(&key, n->names, n->n, sizeof *n->names, pbnames_cmp);
}

const struct pbnames_type *pbnames_find_extension(const struct pbnames *n, const char *full)
{
	if (!n->n)
		return NULL;
	struct pbnames_type key = {.name = full, .kind = PBNAMES_EXTENSION};
	return bsearch(&key, n->names, n->n, sizeof *n->names, pbnames_cmp);
}

int pbnames_has(const struct pbnames *n, const char *full)
{
	return pbnames_find(n, full) != NULL;
}

int pbnames_well_known(const char *path)
{
	for (size_t i = 0; i < sizeof pbnames_known_files / sizeof pbnames_known_files[0]; i++)
		if (strcmp(path, pbnames_known_files[i]) == 0)
			return 1;
	return 0;
}

/* ---- resolution ---- */

/* The scope a name is resolved in: the package, then the enclosing
 * messages, as one dotted string (`len` bytes of `buf`). */
struct pbnames_scope {
	char *buf;
	size_t len, cap;
};

static int pbnames_scope_push(struct pbnames_scope *s, const char *part)
{
	size_t lp = strlen(part), need = s->len + 1 + lp + 1;
	if (need > s->cap) {
		size_t cap = s->cap ? s->cap : 128;
		while (cap < need)
			cap *= 2;
		char *p = realloc(s->buf, cap);
		if (!p)
			return -1;
		s->buf = p;
		s->cap = cap;
	}
	if (s->len)
		s->buf[s->len++] = '.';
	memcpy(s->buf + s->len, part, lp + 1);
	s->len += lp;
	return 0;
}

static const struct pbnames_type *
pbnames_resolve_in(const struct pbnames *n, const char *scope, size_t scope_len, const char *name,
                   const struct pbnames_type *(*find)(const struct pbnames *, const char *))
{
	if (name[0] == '.')
		return find(n, name + 1);
	size_t ln = strlen(name), len = scope_len;
	char stack[256], *try = stack;
	if (len + 1 + ln + 1 > sizeof stack && !(try = malloc(len + 1 + ln + 1)))
		return NULL;
	const struct pbnames_type *found = NULL;
	while (len > 0 && !found) {
		memcpy(try, scope, len);
		try[len] = '.';
		memcpy(try + len + 1, name, ln + 1);
		found = find(n, try);
		/* drop the last part of the scope */
		while (len > 0 && scope[len - 1] != '.')
			len--;
		if (len > 0)
			len--;
	}
	if (try != stack)
		free(try);
	return found ? found : find(n, name);
}

const struct pbnames_type *pbnames_resolve(const struct pbnames *n, const char *scope,
                                           size_t scope_len, const char *name)
{
	return pbnames_resolve_in(n, scope, scope_len, name, pbnames_find);
}

const struct pbnames_type *pbnames_resolve_extension(const struct pbnames *n, const char *scope,
                                                     size_t scope_len, const char *name)
{
	return pbnames_resolve_in(n, scope, scope_len, name, pbnames_find_extension);
}

/* Confluent's resolveFull(): 1 when `name` resolves in scope `s`, else 0. */
static int pbnames_resolves(const struct pbnames *n, const struct pbnames_scope *s,
                            const char *name)
{
	return pbnames_resolve(n, s->buf, s->len, name) != NULL;
}

struct pbnames_walk {
	const struct pbnames *n;
	struct pbnames_scope scope;
	struct sg_error *err;
};

static int pbnames_need(struct pbnames_walk *w, const char *type)
{
	int r = pbnames_resolves(w->n, &w->scope, type);
	if (r < 0)
		return error_set(w->err, SG_ENOMEM, "out of memory");
	if (r == 0)
		return error_set(w->err, SG_EINVALID_SCHEMA, "Could not resolve type: %s", type);
	return 0;
}

static int pbnames_fields(struct pbnames_walk *w, const struct pbfile_field *f)
{
	for (; f; f = f->next)
		if (!pbfile_is_scalar(f->type) && strncmp(f->type, "map<", 4) != 0 &&
		    pbnames_need(w, f->type) < 0)
			return -1;
	return 0;
}

static int pbnames_groups(struct pbnames_walk *w, const struct pbfile_group *g)
{
	for (; g; g = g->next)
		if (pbnames_fields(w, g->fields) < 0)
			return -1;
	return 0;
}

static int pbnames_extends(struct pbnames_walk *w, const struct pbfile_extend *e)
{
	for (; e; e = e->next)
		if (pbnames_need(w, e->name) < 0 || pbnames_fields(w, e->fields) < 0)
			return -1;
	return 0;
}

static int pbnames_types(struct pbnames_walk *w, const struct pbfile_type *t)
{
	for (; t; t = t->next) {
		if (t->is_enum)
			continue;
		size_t saved = w->scope.len;
		if (pbnames_scope_push(&w->scope, t->name) < 0)
			return error_set(w->err, SG_ENOMEM, "out of memory");
		int rc = pbnames_fields(w, t->fields);
		for (const struct pbfile_oneof *o = t->oneofs; rc == 0 && o; o = o->next)
			rc = pbnames_fields(w, o->fields) < 0 || pbnames_groups(w, o->groups) < 0
			         ? -1
			         : 0;
		if (rc == 0)
			rc = pbnames_groups(w, t->groups);
		if (rc == 0)
			rc = pbnames_extends(w, t->extends);
		if (rc == 0)
			rc = pbnames_types(w, t->nested);
		w->scope.len = saved;
		if (w->scope.buf)
			w->scope.buf[saved] = '\0';
		if (rc < 0)
			return -1;
	}
	return 0;
}

int pbnames_check(const struct pbnames *n, const struct pbfile *f, struct sg_error *err)
{
	struct pbnames_walk w = {.n = n, .err = err};
	int rc = 0;
	if (f->package && pbnames_scope_push(&w.scope, f->package) < 0)
		rc = error_set(err, SG_ENOMEM, "out of memory");
	size_t package_len = w.scope.len;
	if (rc == 0)
		rc = pbnames_types(&w, f->types);
	if (rc == 0)
		rc = pbnames_extends(&w, f->extends);
	for (const struct pbfile_service *s = f->services; rc == 0 && s; s = s->next)
		for (const struct pbfile_rpc *r = s->rpcs; rc == 0 && r; r = r->next) {
			w.scope.len = package_len;
			rc = pbnames_need(&w, r->request) < 0 || pbnames_need(&w, r->response) < 0
			         ? -1
			         : 0;
		}
	free(w.scope.buf);
	return rc;
}
