/* compat/jsonschema/jsondiff_types.c: the table of Confluent's Difference
 * types and the lookups on it (see jsondiff_types.h). */
#include "compat/jsonschema/jsondiff_types.h"

#include <stdio.h>
#include <string.h>

#include "compat/jsonschema/jsondiff.h"

static const struct {
	const char *name;
	unsigned char strict, lenient;
	unsigned char cat;
	const char *sentence;
} types[JD_TYPE_COUNT] = {
#define X(name, s, l, c, m) {#name, s, l, c, m},
    JD_TYPES(X)
#undef X
};

static int type_of(const char *name)
{
	for (int i = 0; name && i < JD_TYPE_COUNT; i++)
		if (!strcmp(types[i].name, name))
			return i;
	return -1;
}

int jsondiff_type_compatible(const char *type, int lenient)
{
	int t = type_of(type);
	return t < 0 ? -1 : jd_type_compatible(t, lenient);
}

int jsondiff_describe(const char *type, const char *location, const char *reader,
                      const char *writer, char *out, size_t cap)
{
	int t = type_of(type);
	if (t < 0)
		return -1;
	const char *p = location ? location : "";
	const char *r = reader ? reader : "new", *w = writer ? writer : "old";
	char desc[4096];
	switch (types[t].cat) {
	case C_KW:
		snprintf(
		    desc, sizeof desc,
		    "The keyword at path '%s' in the %s schema is not present in the %s schema", p,
		    r, w);
		break;
	case C_INC:
		snprintf(desc, sizeof desc,
		         "The value at path '%s' in the %s schema is more than its value in the %s "
		         "schema",
		         p, r, w);
		break;
	case C_DEC:
		snprintf(desc, sizeof desc,
		         "The value at path '%s' in the %s schema is less than its value in the %s "
		         "schema",
		         p, r, w);
		break;
	case C_VCHG:
		snprintf(desc, sizeof desc,
		         "The value at path '%s' is different between the %s and %s schema", p, r,
		         w);
		break;
	case C_NARROW:
		snprintf(desc, sizeof desc,
		         "An array or combined type at path '%s' has fewer elements in the %s "
		         "schema than the %s schema",
		         p, r, w);
		break;
	case C_EXT:
		snprintf(desc, sizeof desc,
		         "An array or combined type at path '%s' has more elements in the %s "
		         "schema than the %s schema",
		         p, r, w);
		break;
	case C_TCHG:
		snprintf(desc, sizeof desc,
		         "A type at path '%s' is different between the %s schema and the %s schema",
		         p, r, w);
		break;
	case C_OPEN_ADD:
		snprintf(desc, sizeof desc,
		         "The %s schema has an open content model and has a property or item at "
		         "path '%s' which is missing in the %s schema",
		         r, p, w);
		break;
	case C_UNOPEN_REQ:
		snprintf(desc, sizeof desc,
		         "The %s schema has an unopen content model and has a required property at "
		         "path '%s' which is missing in the %s schema",
		         r, p, w);
		break;
	case C_CLOSED_REM:
		snprintf(desc, sizeof desc,
		         "The %s has a closed content model and is missing a property or item "
		         "present at path '%s' in the %s schema",
		         r, p, w);
		break;
	case C_REM_NOT_COVERED:
		snprintf(desc, sizeof desc,
		         "A property or item is missing in the %s schema but present at path '%s' "
		         "in the %s schema and is not covered by its partially open content model",
		         r, p, w);
		break;
	case C_ADD_NOT_COVERED:
		snprintf(desc, sizeof desc,
		         "The %s schema has a property or item at path '%s' which is missing in "
		         "the %s schema and is not covered by its partially open content model",
		         r, p, w);
		break;
	case C_RESERVED_REM:
		snprintf(desc, sizeof desc,
		         "The %s schema has reserved property '%s' removed from its metadata which "
		         "is present in the %s schema.",
		         r, p, w);
		break;
	case C_RESERVED_CONFLICT:
		snprintf(desc, sizeof desc,
		         "The %s schema has property at path '%s' that conflicts with the reserved "
		         "properties which is missing in the %s schema.",
		         r, p, w);
		break;
	default:
		desc[0] = '\0';
		break;
	}
	return snprintf(out, cap, "{errorType:\"%s\", description:\"%s'}", types[t].name, desc);
}

const char *jd_type_name(int type)
{
	return types[type].name;
}

const char *jd_type_sentence(int type)
{
	return types[type].sentence;
}

int jd_type_compatible(int type, int lenient)
{
	return lenient ? types[type].lenient : types[type].strict;
}
