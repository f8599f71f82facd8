/* fuzz/fuzz_protobuf.c: libFuzzer target for compat/protobuf. Parses the
 * input as `.proto` text (pbfile), prints its canonical string (pbform),
 * resolves its type names against its own and the well-known ones
 * (pbnames), and goes through the registry's row (schema_parse). The
 * canonical string must parse again and print as itself, unless Confluent's
 * printer writes some text raw that a parser reads otherwise: a reserved
 * name with a quote, a backslash or a newline (reserved names are written
 * unescaped, and their lines indented like any other), or the default of a
 * field not of type string that is no bare word (only string defaults are
 * quoted). Such canonical strings do not round-trip in Confluent either.
 * Must never crash, leak or hang. */
#include "compat/protobuf/pbfile.h"
#include "compat/protobuf/pbform.h"
#include "compat/protobuf/pbnames.h"
#include "compat/schema.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int raw_text(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return 1;
	return 0;
}

/* 1 when a field's default is printed bare but is no word. */
static int raw_fields(const struct pbfile_field *f)
{
	for (; f; f = f->next) {
		const char *simple = strrchr(f->type, '.');
		simple = simple ? simple + 1 : f->type;
		if (f->default_value && strcmp(simple, "string") != 0 &&
		    (raw_text(f->default_value) || !*f->default_value))
			return 1;
	}
	return 0;
}

static int raw_extends(const struct pbfile_extend *e)
{
	for (; e; e = e->next)
		if (raw_fields(e->fields))
			return 1;
	return 0;
}

static int raw_groups(const struct pbfile_group *g)
{
	for (; g; g = g->next)
		if (raw_fields(g->fields))
			return 1;
	return 0;
}

/* 1 when `t` (or a type nested in it) holds text the printer writes raw
 * and a parser reads otherwise (see the top of the file). */
static int raw_types(const struct pbfile_type *t)
{
	for (; t; t = t->next) {
		for (const struct pbfile_reserved *r = t->reserveds; r; r = r->next)
			for (const struct pbfile_range *v = r->values; v; v = v->next)
				if (v->kind == PBFILE_R_NAME && strpbrk(v->name, "\"\\\n"))
					return 1;
		if (raw_fields(t->fields) || raw_groups(t->groups) || raw_extends(t->extends) ||
		    raw_types(t->nested))
			return 1;
		for (const struct pbfile_oneof *o = t->oneofs; o; o = o->next)
			if (raw_fields(o->fields) || raw_groups(o->groups))
				return 1;
	}
	return 0;
}

static char *canonical(const char *text, size_t len, int *raw)
{
	struct sg_error e;
	error_clear(&e);
	struct pbfile *f = pbfile_parse(text, len, &e);
	if (!f) {
		if (e.code == SG_OK || !e.msg[0])
			__builtin_trap(); /* a refusal always says why */
		return NULL;
	}
	char *s = pbform_canonical(f, &e);
	*raw = raw_types(f->types) || raw_extends(f->extends);
	struct pbnames *n = pbnames_new();
	if (n && pbnames_add_file(n, f, &e) == 0 && pbnames_add_well_known(n, &e) == 0) {
		pbnames_freeze(n);
		pbnames_check(n, f, &e);
	}
	pbnames_free(n);
	pbfile_free(f);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int raw = 0, raw_again = 0;
	char *s = canonical((const char *)data, size, &raw);
	if (s && !raw) {
		char *again = canonical(s, strlen(s), &raw_again);
		if (!again || strcmp(again, s) != 0)
			__builtin_trap();
		free(again);
	}
	free(s);
	struct sg_error e;
	error_clear(&e);
	struct schema *sc = schema_parse(SCHEMA_PROTOBUF, (const char *)data, size, NULL, 0, &e);
	if (sc && (!schema_canonical(sc) ||
	           schema_compatible(sc, sc, SCHEMA_POLICY_STRICT, NULL, &e) != 1))
		__builtin_trap();
	schema_free(sc);
	return 0;
}
