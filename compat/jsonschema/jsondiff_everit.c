/* compat/jsonschema/jsondiff_everit.c: the model of a draft 4, 6 or 7 schema
 * object, as everit's SchemaLoader builds it (see jsondiff_model.h for why).
 *
 * A $ref hides its siblings. Otherwise "enum", the combinators, "not",
 * "const", "type" and the keywords "sniffed" per type (the array, object,
 * number and string keywords present without that type) each yield one node,
 * and several nodes become a synthetic allOf.
 */
#include <string.h>

#include "compat/jsonschema/jsondiff_load.h"

/* The keywords that imply a type when "type" does not name it. */
static const char *const number_kw[] = {"minimum",          "maximum",    "exclusiveMinimum",
                                        "exclusiveMaximum", "multipleOf", NULL};
static const char *const string_kw[] = {"minLength", "maxLength", "pattern", "format", NULL};
static const char *const array_kw[] = {"items",       "additionalItems", "minItems", "maxItems",
                                       "uniqueItems", "contains",        NULL};
static const char *const object_kw[] = {
    "properties",           "required",      "minProperties",
    "maxProperties",        "dependencies",  "patternProperties",
    "additionalProperties", "propertyNames", NULL};

/* The most nodes one schema object yields: enum, three combinators, not,
 * const, type, four sniffed types, if. */
#define MAX_PARTS 12

/* Which types "type" named, so their keywords are not sniffed again. */
enum { TOOK_STRING = 1, TOOK_NUMBER = 2, TOOK_ARRAY = 4, TOOK_OBJECT = 8 };

static int has_any(const struct jdm_loader *l, const json_t *o, const char *const *kw)
{
	for (; *kw; kw++) {
		if (l->draft == JDM_DRAFT4 &&
		    (!strcmp(*kw, "contains") || !strcmp(*kw, "propertyNames")))
			continue;
		if (json_object_get(o, *kw))
			return 1;
	}
	return 0;
}

static int string_props(struct jdm_loader *l, const json_t *o, struct jdm_node *n)
{
	const char *fmt = NULL;
	if (jdm_read_int(l, o, "minLength", &n->min_length) < 0 ||
	    jdm_read_int(l, o, "maxLength", &n->max_length) < 0 ||
	    jdm_read_str(l, o, "pattern", &n->pattern) < 0 ||
	    jdm_read_str(l, o, "format", &fmt) < 0)
		return -1;
	return 0;
}

static int number_props(struct jdm_loader *l, const json_t *o, struct jdm_node *n)
{
	if (jdm_read_num(l, o, "minimum", &n->minimum) < 0 ||
	    jdm_read_num(l, o, "maximum", &n->maximum) < 0 ||
	    jdm_read_num(l, o, "multipleOf", &n->multiple_of) < 0)
		return -1;
	if (n->multiple_of.has && n->multiple_of.v == 0)
		return jdm_bad(l, "multipleOf", "non-zero");
	if (l->draft == JDM_DRAFT4) {
		int dummy;
		if (jdm_read_bool(l, o, "exclusiveMinimum", &dummy) < 0 ||
		    jdm_read_bool(l, o, "exclusiveMaximum", &dummy) < 0)
			return -1;
		return 0;
	}
	if (jdm_read_num(l, o, "exclusiveMinimum", &n->excl_minimum) < 0 ||
	    jdm_read_num(l, o, "exclusiveMaximum", &n->excl_maximum) < 0)
		return -1;
	return 0;
}

static int array_props(struct jdm_loader *l, const json_t *o, struct jdm_node *n, int doc,
                       const char *base, int depth)
{
	if (jdm_read_int(l, o, "minItems", &n->min_items) < 0 ||
	    jdm_read_int(l, o, "maxItems", &n->max_items) < 0 ||
	    jdm_read_bool(l, o, "uniqueItems", &n->unique) < 0)
		return -1;
	const json_t *v = json_object_get(o, "additionalItems");
	if (json_is_boolean(v)) {
		n->no_additional_items = json_is_false(v);
	} else if (json_is_object(v)) {
		if (!(n->additional_items = jdm_load_any(l, v, doc, base, depth + 1)))
			return -1;
	} else if (v) {
		return jdm_bad(l, "additionalItems", "a boolean or a schema");
	}
	v = json_object_get(o, "items");
	if (json_is_object(v) || json_is_boolean(v)) {
		if (!(n->all_items = jdm_load_any(l, v, doc, base, depth + 1)))
			return -1;
	} else if (json_is_array(v)) {
		if (jdm_read_schemas(l, v, "items", doc, base, depth, &n->items, &n->nitems) < 0)
			return -1;
	} else if (v) {
		return jdm_bad(l, "items", "a schema or an array of schemas");
	}
	v = json_object_get(o, "contains");
	if (v && l->draft != JDM_DRAFT4 &&
	    !(n->contains = jdm_load_any(l, v, doc, base, depth + 1)))
		return -1;
	return 0;
}

/* "dependencies": arrays of names into n->pdeps, schemas into n->sdeps. */
static int dependencies(struct jdm_loader *l, const json_t *v, struct jdm_node *n, int doc,
                        const char *base, int depth)
{
	if (!json_is_object(v))
		return jdm_bad(l, "dependencies", "an object");
	size_t cap = json_object_size(v) ? json_object_size(v) : 1;
	n->pdeps = jdm_alloc(l->space, cap * sizeof *n->pdeps);
	n->sdeps = jdm_alloc(l->space, cap * sizeof *n->sdeps);
	if (!n->pdeps || !n->sdeps)
		return -1;
	const char *k;
	json_t *e;
	json_object_foreach(JV(v), k, e)
	{
		if (json_is_object(e) || json_is_boolean(e)) {
			struct jdm_prop *d = &n->sdeps[n->nsdeps++];
			d->name = k;
			if (!(d->schema = jdm_load_any(l, e, doc, base, depth + 1)))
				return -1;
		} else if (json_is_array(e)) {
			struct jdm_pdep *d = &n->pdeps[n->npdeps++];
			d->name = k;
			if (jdm_read_names(l, e, "dependencies", &d->names, &d->nnames) < 0)
				return -1;
		} else {
			return jdm_bad(l, "dependencies", "an object of schemas or arrays");
		}
	}
	return 0;
}

static int object_props(struct jdm_loader *l, const json_t *o, struct jdm_node *n, int doc,
                        const char *base, int depth)
{
	if (jdm_read_int(l, o, "minProperties", &n->min_props) < 0 ||
	    jdm_read_int(l, o, "maxProperties", &n->max_props) < 0)
		return -1;
	const json_t *v = json_object_get(o, "properties");
	if (v && jdm_read_props(l, v, "properties", 1, doc, base, depth, &n->props, &n->nprops) < 0)
		return -1;
	v = json_object_get(o, "additionalProperties");
	if (json_is_boolean(v)) {
		n->no_additional = json_is_false(v);
	} else if (json_is_object(v)) {
		if (!(n->additional = jdm_load_any(l, v, doc, base, depth + 1)))
			return -1;
	} else if (v) {
		return jdm_bad(l, "additionalProperties", "a boolean or a schema");
	}
	v = json_object_get(o, "required");
	if (v && jdm_read_names(l, v, "required", &n->required, &n->nrequired) < 0)
		return -1;
	v = json_object_get(o, "patternProperties");
	if (v && jdm_read_patterns(l, v, doc, base, depth, &n->pprops, &n->npprops) < 0)
		return -1;
	v = json_object_get(o, "dependencies");
	if (v && dependencies(l, v, n, doc, base, depth) < 0)
		return -1;
	v = json_object_get(o, "propertyNames");
	if (v && l->draft != JDM_DRAFT4 && !jdm_load_any(l, v, doc, base, depth + 1))
		return -1;
	return 0;
}

/* One node for an explicit "type" name, with the keywords that go with it;
 * the type is added to *took. */
static struct jdm_node *typed(struct jdm_loader *l, const json_t *o, const char *type, int doc,
                              const char *base, int depth, int *took)
{
	struct jdm_space *s = l->space;
	struct jdm_node *n = NULL;
	int rc = 0;
	if (!strcmp(type, "string")) {
		*took |= TOOK_STRING;
		if ((n = jdm_node_new(s, JDM_STRING)))
			rc = string_props(l, o, n);
	} else if (!strcmp(type, "integer") || !strcmp(type, "number")) {
		*took |= TOOK_NUMBER;
		if ((n = jdm_node_new(s, JDM_NUMBER))) {
			n->integer = type[0] == 'i';
			rc = number_props(l, o, n);
		}
	} else if (!strcmp(type, "boolean")) {
		n = jdm_node_new(s, JDM_BOOLEAN);
	} else if (!strcmp(type, "null")) {
		n = jdm_node_new(s, JDM_NULL);
	} else if (!strcmp(type, "array")) {
		*took |= TOOK_ARRAY;
		if ((n = jdm_node_new(s, JDM_ARRAY)))
			rc = array_props(l, o, n, doc, base, depth);
	} else if (!strcmp(type, "object")) {
		*took |= TOOK_OBJECT;
		if ((n = jdm_node_new(s, JDM_OBJECT)))
			rc = object_props(l, o, n, doc, base, depth);
	} else {
		jdm_fail(s, SG_EINVALID_SCHEMA, "unknown type '%.60s'", type);
		return NULL;
	}
	return rc < 0 ? NULL : n;
}

/* The node of "type" `v`: one typed node, or an anyOf of them for an array. */
static struct jdm_node *types(struct jdm_loader *l, const json_t *o, const json_t *v, int doc,
                              const char *base, int depth, int *took)
{
	if (json_is_string(v))
		return typed(l, o, json_string_value(v), doc, base, depth, took);
	if (!json_is_array(v)) {
		jdm_bad(l, "type", "a string or an array of strings");
		return NULL;
	}
	struct jdm_node *any = jdm_combined_new(l->space, JDM_ANY, json_array_size(v));
	if (!any)
		return NULL;
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		if (!json_is_string(e)) {
			jdm_bad(l, "type", "a string or an array of strings");
			return NULL;
		}
		if (!(any->subs[any->nsubs++] =
		          typed(l, o, json_string_value(e), doc, base, depth, took)))
			return NULL;
	}
	return any;
}

/* Appends to parts[] one node per type whose keywords appear in `o` without
 * "type" having named it (everit "sniffs" them). */
static int sniffed(struct jdm_loader *l, const json_t *o, int doc, const char *base, int depth,
                   int took, struct jdm_node **parts, int *np)
{
	static const struct {
		int took;
		const char *const *kw;
		enum jdm_kind kind;
	} sniff[] = {
	    {TOOK_ARRAY, array_kw, JDM_ARRAY},
	    {TOOK_OBJECT, object_kw, JDM_OBJECT},
	    {TOOK_NUMBER, number_kw, JDM_NUMBER},
	    {TOOK_STRING, string_kw, JDM_STRING},
	};
	for (size_t i = 0; i < sizeof sniff / sizeof sniff[0]; i++) {
		if ((took & sniff[i].took) || !has_any(l, o, sniff[i].kw))
			continue;
		struct jdm_node *n = jdm_node_new(l->space, sniff[i].kind);
		if (!n)
			return -1;
		int rc = n->kind == JDM_ARRAY    ? array_props(l, o, n, doc, base, depth)
		         : n->kind == JDM_OBJECT ? object_props(l, o, n, doc, base, depth)
		         : n->kind == JDM_NUMBER ? number_props(l, o, n)
		                                 : string_props(l, o, n);
		if (rc < 0)
			return -1;
		parts[(*np)++] = n;
	}
	return 0;
}

/* Appends to parts[] the nodes of "enum", the combinators, "not" and "const". */
static int applicators(struct jdm_loader *l, const json_t *o, int doc, const char *base, int depth,
                       struct jdm_node **parts, int *np)
{
	/* everit collects the combinators in a HashSet: allOf, oneOf, anyOf. */
	static const struct {
		const char *key;
		enum jdm_criterion c;
	} comb[] = {{"allOf", JDM_ALL}, {"oneOf", JDM_ONE}, {"anyOf", JDM_ANY}};
	struct jdm_space *s = l->space;
	const json_t *v;
	if ((v = json_object_get(o, "enum")) && !(parts[(*np)++] = jdm_enum_new(l, v)))
		return -1;
	for (int i = 0; i < 3; i++) {
		if (!(v = json_object_get(o, comb[i].key)))
			continue;
		struct jdm_node *n = jdm_node_new(s, JDM_COMBINED);
		if (!n ||
		    jdm_read_schemas(l, v, comb[i].key, doc, base, depth, &n->subs, &n->nsubs) < 0)
			return -1;
		n->criterion = comb[i].c;
		parts[(*np)++] = n;
	}
	if ((v = json_object_get(o, "not"))) {
		struct jdm_node *n = jdm_node_new(s, JDM_NOT);
		if (!n || !(n->not_schema = jdm_load_any(l, v, doc, base, depth + 1)))
			return -1;
		parts[(*np)++] = n;
	}
	if (l->draft != JDM_DRAFT4 && (v = json_object_get(o, "const"))) {
		struct jdm_node *n = jdm_node_new(s, JDM_CONST);
		if (!n)
			return -1;
		n->value = v;
		parts[(*np)++] = n;
	}
	return 0;
}

/* The one node `np` parts make: an EmptySchema, the part itself, or an allOf. */
static struct jdm_node *combine(struct jdm_space *s, struct jdm_node **parts, int np)
{
	if (np == 0)
		return jdm_node_new(s, JDM_EMPTY);
	if (np == 1)
		return parts[0];
	struct jdm_node *all = jdm_combined_new(s, JDM_ALL, (size_t)np);
	if (all) {
		memcpy(all->subs, parts, (size_t)np * sizeof *parts);
		all->nsubs = (size_t)np;
	}
	return all;
}

struct jdm_node *jdm_load7(struct jdm_loader *l, const json_t *o, int doc, const char *base,
                           int depth)
{
	const json_t *v;
	if ((v = json_object_get(o, "$ref"))) {
		struct jdm_node *n = jdm_ref_new(l, v, doc, base);
		if (!n || jdm_annotations(l, o, n, 1) < 0)
			return NULL;
		return n;
	}
	struct jdm_node *parts[MAX_PARTS];
	int np = 0, took = 0;
	if (applicators(l, o, doc, base, depth, parts, &np) < 0)
		return NULL;
	if ((v = json_object_get(o, "type")) &&
	    !(parts[np++] = types(l, o, v, doc, base, depth, &took)))
		return NULL;
	if (sniffed(l, o, doc, base, depth, took, parts, &np) < 0)
		return NULL;
	if (l->draft == JDM_DRAFT7 &&
	    (json_object_get(o, "if") || json_object_get(o, "then") ||
	     json_object_get(o, "else")) &&
	    !(parts[np++] = jdm_cond_new(l, o, doc, base, depth)))
		return NULL;
	struct jdm_node *eff = combine(l->space, parts, np);
	if (!eff || jdm_annotations(l, o, eff, 1) < 0)
		return NULL;
	if (eff->kind == JDM_ARRAY) {
		/* minContains/maxContains are not everit keywords: they stay in the
		 * unprocessed properties of the one schema the object became. */
		jdm_read_lenient_num(o, "minContains", &eff->min_contains);
		jdm_read_lenient_num(o, "maxContains", &eff->max_contains);
	}
	return eff;
}
