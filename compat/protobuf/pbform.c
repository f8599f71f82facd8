/* compat/protobuf/pbform.c: Confluent's printer of a ProtoFileElement (see
 * pbform.h), one function per element as in ProtobufSchemaUtils. A nested
 * element is printed into a buffer of its own, then appended to its parent's
 * indented the way Java's appendIndented() does it: the text is split at
 * every '\n' (Java's split drops the empty pieces at the end), and each piece
 * becomes "  " + piece + "\n" -- so an empty line inside a nested element
 * becomes a line of two spaces, as Confluent prints it. */
#include "compat/protobuf/pbform.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable string; `failed` holds the first error (SG_ENOMEM, SG_ELIMIT)
 * and makes every later append a no-op. */
struct pf_buf {
	char *p;
	size_t len, cap;
	int failed;
};

static void pf_add(struct pf_buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > PBFORM_MAX_TEXT) {
		b->failed = SG_ELIMIT;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = SG_ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void pf_str(struct pf_buf *b, const char *s)
{
	pf_add(b, s, strlen(s));
}

static void pf_char(struct pf_buf *b, char c)
{
	pf_add(b, &c, 1);
}

static void pf_int(struct pf_buf *b, int32_t v)
{
	char n[16];
	snprintf(n, sizeof n, "%" PRId32, v);
	pf_str(b, n);
}

/* Moves `child`'s failure to `b`, and frees it. */
static void pf_drop(struct pf_buf *b, struct pf_buf *child)
{
	if (child->failed && !b->failed)
		b->failed = child->failed;
	free(child->p);
}

/* Java's appendIndented(sb, child's text), then frees the child. */
static void pf_indented(struct pf_buf *b, struct pf_buf *child)
{
	if (!child->failed && child->len) {
		const char *s = child->p, *end = child->p + child->len;
		/* Java's split() drops the empty pieces at the end (a text with
		 * no '\n' is one piece, even when empty). */
		while (end > s && end[-1] == '\n')
			end--;
		while (s < end) {
			const char *nl = memchr(s, '\n', (size_t)(end - s));
			const char *stop = nl ? nl : end;
			pf_add(b, "  ", 2);
			pf_add(b, s, (size_t)(stop - s));
			pf_char(b, '\n');
			s = nl ? nl + 1 : end;
		}
	} else if (!child->failed) {
		pf_add(b, "  \n", 3);
	}
	pf_drop(b, child);
}

/* Confluent's escapeChars(): C escapes for the ASCII controls, quotes and
 * backslash; every other character as it is. */
static void pf_escaped(struct pf_buf *b, const char *s)
{
	for (; *s; s++) {
		const char *e = NULL;
		switch (*s) {
		case 7:
			e = "\\a";
			break;
		case 8:
			e = "\\b";
			break;
		case 12:
			e = "\\f";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\r':
			e = "\\r";
			break;
		case '\t':
			e = "\\t";
			break;
		case 11:
			e = "\\v";
			break;
		case '\\':
			e = "\\\\";
			break;
		case '\'':
			e = "\\'";
			break;
		case '"':
			e = "\\\"";
			break;
		default:
			break;
		}
		if (e)
			pf_str(b, e);
		else
			pf_char(b, *s);
	}
}

static void pf_option(struct pf_buf *b, const struct pbfile_option *o);
static void pf_value(struct pf_buf *b, const struct pbfile_value *v);

/* formatOptionMap(): "key: value" lines, a comma after all but the last. */
static void pf_map(struct pf_buf *b, const struct pbfile_entry *e)
{
	for (; e; e = e->next) {
		struct pf_buf line = {0};
		pf_str(&line, e->key);
		pf_str(&line, ": ");
		pf_value(&line, e->value);
		if (e->next)
			pf_char(&line, ',');
		pf_indented(b, &line);
	}
}

/* formatOptionMapOrListValue(). */
static void pf_value(struct pf_buf *b, const struct pbfile_value *v)
{
	switch (v->type) {
	case PBFILE_V_TEXT:
		pf_char(b, '"');
		pf_escaped(b, v->text);
		pf_char(b, '"');
		break;
	case PBFILE_V_PRIM:
		pf_str(b, v->text);
		break;
	case PBFILE_V_MAP:
		pf_str(b, "{\n");
		pf_map(b, v->entries);
		pf_char(b, '}');
		break;
	case PBFILE_V_LIST:
		pf_str(b, "[\n");
		for (const struct pbfile_value *it = v->items; it; it = it->next) {
			struct pf_buf item = {0};
			pf_value(&item, it);
			if (it->next)
				pf_char(&item, ',');
			pf_indented(b, &item);
		}
		pf_char(b, ']');
		break;
	case PBFILE_V_OPTION:
		pf_option(b, v->option);
		break;
	}
}

/* appendOptions(): [one] on the line, or several on lines of their own. Each
 * item is an option (`options`) or a value (`values`). */
static void pf_options_list(struct pf_buf *b, const struct pbfile_option *options,
                            const struct pbfile_value *values)
{
	size_t count = 0;
	for (const struct pbfile_option *o = options; o; o = o->next)
		count++;
	for (const struct pbfile_value *v = values; v; v = v->next)
		count++;
	if (count == 1) {
		pf_char(b, '[');
		if (options)
			pf_option(b, options);
		else
			pf_value(b, values);
		pf_char(b, ']');
		return;
	}
	pf_str(b, "[\n");
	for (const struct pbfile_option *o = options; o; o = o->next) {
		struct pf_buf item = {0};
		pf_option(&item, o);
		if (o->next)
			pf_char(&item, ',');
		pf_indented(b, &item);
	}
	for (const struct pbfile_value *v = values; v; v = v->next) {
		struct pf_buf item = {0};
		pf_value(&item, v);
		if (v->next)
			pf_char(&item, ',');
		pf_indented(b, &item);
	}
	pf_char(b, ']');
}

/* toString(OptionElement). */
static void pf_option(struct pf_buf *b, const struct pbfile_option *o)
{
	if (o->parenthesized) {
		pf_char(b, '(');
		pf_str(b, o->name);
		pf_char(b, ')');
	} else {
		pf_str(b, o->name);
	}
	switch (o->kind) {
	case PBFILE_STRING:
		pf_str(b, " = \"");
		pf_escaped(b, o->value->text);
		pf_char(b, '"');
		break;
	case PBFILE_BOOLEAN:
	case PBFILE_ENUM:
	case PBFILE_NUMBER:
		pf_str(b, " = ");
		pf_str(b, o->value->text);
		break;
	case PBFILE_OPTION:
		pf_char(b, '.');
		pf_option(b, o->value->option);
		break;
	case PBFILE_MAP:
		pf_str(b, " = {\n");
		pf_map(b, o->value->entries);
		pf_char(b, '}');
		break;
	case PBFILE_LIST:
		pf_str(b, " = ");
		pf_options_list(b, NULL, o->value->items);
		break;
	}
}

/* toOptionString(): one "option ...;" statement per option, indented when
 * `indent` (inside a message, enum, oneof, service or rpc). */
static void pf_option_statements(struct pf_buf *b, const struct pbfile_option *o, int indent)
{
	for (; o; o = o->next) {
		struct pf_buf s = {0};
		pf_str(&s, "option ");
		pf_option(&s, o);
		pf_str(&s, ";\n");
		if (indent) {
			pf_indented(b, &s);
		} else {
			if (!s.failed)
				pf_add(b, s.p, s.len);
			pf_drop(b, &s);
		}
	}
}

static const char *pf_label(enum pbfile_label l)
{
	switch (l) {
	case PBFILE_LABEL_OPTIONAL:
		return "optional";
	case PBFILE_LABEL_REQUIRED:
		return "required";
	case PBFILE_LABEL_REPEATED:
		return "repeated";
	default:
		return NULL;
	}
}

/* toKind(ProtoType.get(type)): how a field's default value is printed, from
 * its type's simple name. */
static enum pbfile_kind pf_default_kind(const char *type)
{
	static const char *const numbers[] = {"bytes",  "double", "float",    "fixed32",  "fixed64",
	                                      "int32",  "int64",  "sfixed32", "sfixed64", "sint32",
	                                      "sint64", "uint32", "uint64"};
	const char *simple = strrchr(type, '.');
	simple = simple ? simple + 1 : type;
	if (strcmp(simple, "bool") == 0)
		return PBFILE_BOOLEAN;
	if (strcmp(simple, "string") == 0)
		return PBFILE_STRING;
	for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
		if (strcmp(simple, numbers[i]) == 0)
			return PBFILE_NUMBER;
	return PBFILE_ENUM;
}

/* toString(FieldElement): its options, then `default`, then `json_name`. */
static void pf_field(struct pf_buf *b, const struct pbfile_field *f)
{
	const char *label = pf_label(f->label);
	if (label) {
		pf_str(b, label);
		pf_char(b, ' ');
	}
	pf_str(b, f->type);
	pf_char(b, ' ');
	pf_str(b, f->name);
	pf_str(b, " = ");
	pf_int(b, f->tag);
	struct pbfile_value dv = {.type = PBFILE_V_TEXT, .text = f->default_value};
	struct pbfile_value jv = {.type = PBFILE_V_TEXT, .text = f->json_name};
	struct pbfile_option extra[2] = {
	    {.name = "default", .kind = pf_default_kind(f->type), .value = &dv},
	    {.name = "json_name", .kind = PBFILE_STRING, .value = &jv},
	};
	/* The field's own options, then the two special ones, as one list:
	 * copies chained in order (the model is read-only). */
	size_t n = 0;
	for (const struct pbfile_option *o = f->options; o; o = o->next)
		n++;
	struct pbfile_option *all = calloc(n + 2, sizeof *all);
	if (!all) {
		if (!b->failed)
			b->failed = SG_ENOMEM;
		return;
	}
	size_t k = 0;
	for (const struct pbfile_option *o = f->options; o; o = o->next)
		all[k++] = *o;
	if (f->default_value)
		all[k++] = extra[0];
	if (f->json_name)
		all[k++] = extra[1];
	for (size_t i = 0; i < k; i++)
		all[i].next = i + 1 < k ? &all[i + 1] : NULL;
	if (k) {
		pf_char(b, ' ');
		pf_options_list(b, all, NULL);
	}
	free(all);
	pf_str(b, ";\n");
}

static void pf_fields(struct pf_buf *b, const struct pbfile_field *f)
{
	for (; f; f = f->next) {
		struct pf_buf s = {0};
		pf_field(&s, f);
		pf_indented(b, &s);
	}
}

/* The values of a `reserved` or `extensions` statement. */
static void pf_ranges(struct pf_buf *b, const struct pbfile_range *v)
{
	for (int first = 1; v; v = v->next, first = 0) {
		if (!first)
			pf_str(b, ", ");
		switch (v->kind) {
		case PBFILE_R_NAME:
			pf_char(b, '"');
			pf_str(b, v->name);
			pf_char(b, '"');
			break;
		case PBFILE_R_TAG:
			pf_int(b, v->start);
			break;
		case PBFILE_R_RANGE:
			pf_int(b, v->start);
			pf_str(b, " to ");
			if (v->end < PBFILE_MAX_TAG)
				pf_int(b, v->end);
			else
				pf_str(b, "max");
			break;
		}
	}
}

static void pf_reserveds(struct pf_buf *b, const struct pbfile_reserved *r, int extensions)
{
	for (; r; r = r->next) {
		struct pf_buf s = {0};
		pf_str(&s, extensions ? "extensions " : "reserved ");
		pf_ranges(&s, r->values);
		if (extensions && r->options) {
			pf_char(&s, ' ');
			pf_options_list(&s, r->options, NULL);
		}
		pf_str(&s, ";\n");
		pf_indented(b, &s);
	}
}

static void pf_group(struct pf_buf *b, const struct pbfile_group *g)
{
	const char *label = pf_label(g->label);
	if (label) {
		pf_str(b, label);
		pf_char(b, ' ');
	}
	pf_str(b, "group ");
	pf_str(b, g->name);
	pf_str(b, " = ");
	pf_int(b, g->tag);
	pf_str(b, " {");
	if (g->fields) {
		pf_char(b, '\n');
		pf_fields(b, g->fields);
	}
	pf_str(b, "}\n");
}

static void pf_groups(struct pf_buf *b, const struct pbfile_group *g)
{
	for (; g; g = g->next) {
		struct pf_buf s = {0};
		pf_group(&s, g);
		pf_indented(b, &s);
	}
}

static void pf_oneof(struct pf_buf *b, const struct pbfile_oneof *o)
{
	pf_str(b, "oneof ");
	pf_str(b, o->name);
	pf_str(b, " {");
	if (o->options) {
		pf_char(b, '\n');
		pf_option_statements(b, o->options, 1);
	}
	if (o->fields) {
		pf_char(b, '\n');
		pf_fields(b, o->fields);
	}
	if (o->groups) {
		pf_char(b, '\n');
		pf_groups(b, o->groups);
	}
	pf_str(b, "}\n");
}

static void pf_extend(struct pf_buf *b, const struct pbfile_extend *e)
{
	pf_str(b, "extend ");
	pf_str(b, e->name);
	pf_str(b, " {");
	if (e->fields) {
		pf_char(b, '\n');
		pf_fields(b, e->fields);
	}
	pf_str(b, "}\n");
}

static void pf_constant(struct pf_buf *b, const struct pbfile_constant *k)
{
	pf_str(b, k->name);
	pf_str(b, " = ");
	pf_int(b, k->tag);
	if (k->options) {
		pf_char(b, ' ');
		pf_options_list(b, k->options, NULL);
	}
	pf_str(b, ";\n");
}

static void pf_type(struct pf_buf *b, const struct pbfile_type *t);

/* Messages first, then enums, each group in declaration order; indented
 * when nested. */
static void pf_types(struct pf_buf *b, const struct pbfile_type *types, int indent)
{
	for (int enums = 0; enums < 2; enums++)
		for (const struct pbfile_type *t = types; t; t = t->next) {
			if (t->is_enum != enums)
				continue;
			struct pf_buf s = {0};
			pf_type(&s, t);
			if (indent) {
				pf_indented(b, &s);
			} else {
				if (!s.failed)
					pf_add(b, s.p, s.len);
				pf_drop(b, &s);
			}
		}
}

static void pf_enum(struct pf_buf *b, const struct pbfile_type *t)
{
	pf_str(b, "enum ");
	pf_str(b, t->name);
	pf_str(b, " {");
	if (t->reserveds) {
		pf_char(b, '\n');
		pf_reserveds(b, t->reserveds, 0);
	}
	if (!t->reserveds && (t->options || t->constants))
		pf_char(b, '\n');
	pf_option_statements(b, t->options, 1);
	for (const struct pbfile_constant *k = t->constants; k; k = k->next) {
		struct pf_buf s = {0};
		pf_constant(&s, k);
		pf_indented(b, &s);
	}
	pf_str(b, "}\n");
}

static void pf_message(struct pf_buf *b, const struct pbfile_type *t)
{
	pf_str(b, "message ");
	pf_str(b, t->name);
	pf_str(b, " {");
	if (t->reserveds) {
		pf_char(b, '\n');
		pf_reserveds(b, t->reserveds, 0);
	}
	if (t->options) {
		pf_char(b, '\n');
		pf_option_statements(b, t->options, 1);
	}
	if (t->fields) {
		pf_char(b, '\n');
		pf_fields(b, t->fields);
	}
	if (t->oneofs) {
		pf_char(b, '\n');
		for (const struct pbfile_oneof *o = t->oneofs; o; o = o->next) {
			struct pf_buf s = {0};
			pf_oneof(&s, o);
			pf_indented(b, &s);
		}
	}
	if (t->groups) {
		pf_char(b, '\n');
		pf_groups(b, t->groups);
	}
	if (t->extensions) {
		pf_char(b, '\n');
		pf_reserveds(b, t->extensions, 1);
	}
	if (t->extends) {
		pf_char(b, '\n');
		for (const struct pbfile_extend *e = t->extends; e; e = e->next) {
			struct pf_buf s = {0};
			pf_extend(&s, e);
			pf_indented(b, &s);
		}
	}
	if (t->nested) {
		pf_char(b, '\n');
		pf_types(b, t->nested, 1);
	}
	pf_str(b, "}\n");
}

static void pf_type(struct pf_buf *b, const struct pbfile_type *t)
{
	if (t->is_enum)
		pf_enum(b, t);
	else
		pf_message(b, t);
}

static void pf_rpc(struct pf_buf *b, const struct pbfile_rpc *r)
{
	pf_str(b, "rpc ");
	pf_str(b, r->name);
	pf_str(b, " (");
	if (r->request_streaming)
		pf_str(b, "stream ");
	pf_str(b, r->request);
	pf_str(b, ") returns (");
	if (r->response_streaming)
		pf_str(b, "stream ");
	pf_str(b, r->response);
	pf_char(b, ')');
	if (r->options) {
		pf_str(b, " {\n");
		pf_option_statements(b, r->options, 1);
		pf_char(b, '}');
	}
	pf_str(b, ";\n");
}

static void pf_service(struct pf_buf *b, const struct pbfile_service *s)
{
	pf_str(b, "service ");
	pf_str(b, s->name);
	pf_str(b, " {");
	if (s->options) {
		pf_char(b, '\n');
		pf_option_statements(b, s->options, 1);
	}
	if (s->rpcs) {
		pf_char(b, '\n');
		for (const struct pbfile_rpc *r = s->rpcs; r; r = r->next) {
			struct pf_buf t = {0};
			pf_rpc(&t, r);
			pf_indented(b, &t);
		}
	}
	pf_str(b, "}\n");
}

static void pf_imports(struct pf_buf *b, const struct pbfile_name *n, const char *word)
{
	for (; n; n = n->next) {
		pf_str(b, word);
		pf_str(b, n->name);
		pf_str(b, "\";\n");
	}
}

char *pbform_canonical(const struct pbfile *f, struct sg_error *err)
{
	struct pf_buf b = {0};
	const char *syntax = pbfile_syntax_name(f->syntax);
	if (syntax) {
		pf_str(&b, "syntax = \"");
		pf_str(&b, syntax);
		pf_str(&b, "\";\n");
	}
	if (f->package) {
		pf_str(&b, "package ");
		pf_str(&b, f->package);
		pf_str(&b, ";\n");
	}
	/* Weak imports are parsed, and not printed (Confluent prints the
	 * plain and public ones only). */
	if (f->imports || f->public_imports) {
		pf_char(&b, '\n');
		pf_imports(&b, f->imports, "import \"");
		pf_imports(&b, f->public_imports, "import public \"");
	}
	if (f->options) {
		pf_char(&b, '\n');
		pf_option_statements(&b, f->options, 0);
	}
	if (f->types) {
		pf_char(&b, '\n');
		pf_types(&b, f->types, 0);
	}
	if (f->extends) {
		pf_char(&b, '\n');
		for (const struct pbfile_extend *e = f->extends; e; e = e->next)
			pf_extend(&b, e);
	}
	if (f->services) {
		pf_char(&b, '\n');
		for (const struct pbfile_service *s = f->services; s; s = s->next)
			pf_service(&b, s);
	}
	if (!b.failed && !b.p)
		pf_add(&b, "", 0);
	if (b.failed) {
		error_set(err, b.failed,
		          b.failed == SG_ELIMIT ? "Protobuf schema too large to print"
		                                : "out of memory");
		free(b.p);
		return NULL;
	}
	return b.p;
}
