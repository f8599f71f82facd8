/* compat/avro/avattr.c: the values of a schema's attributes, checked as Avro
 * Java checks them (see avattr.h).
 */
#include "compat/avro/avattr.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A JSON integer within Java's int range, as Jackson's IntNode. */
static int json_int32(const json_t *v, int *out)
{
	if (!json_is_integer(v))
		return 0;
	json_int_t i = json_integer_value(v);
	if (i < INT32_MIN || i > INT32_MAX)
		return 0;
	*out = (int)i;
	return 1;
}

/* Decimal digits a fixed of `size` bytes holds, computed as Avro Java does
 * (including its int arithmetic on 8 * size - 1). */
static long decimal_max_precision(size_t size)
{
	int32_t bits = (int32_t)((uint32_t)size * 8u - 1u);
	if (bits < 0)
		return -1;
	/* Math.log10(2) as a double, times bits, floored (positive: truncated). */
	return (long)(0.30102999566398119521 * (double)bits);
}

void avattr_logical(struct avsc_node *n)
{
	static const char *const incompatible[] = {"avro.java.string", "java-class",
	                                           "java-key-class", "java-element-class"};
	if (!n->obj)
		return;
	const char *t = avsc_json_cstr(json_object_get(n->obj, "logicalType"));
	if (!t)
		return;
	for (size_t i = 0; i < sizeof incompatible / sizeof incompatible[0]; i++)
		if (json_is_string(json_object_get(n->obj, incompatible[i])))
			return;
	enum avsc_kind k = n->kind;
	static const struct {
		const char *name;
		enum avsc_kind kind;
	} simple[] = {
	    {"date", AVSC_INT},
	    {"time-millis", AVSC_INT},
	    {"time-micros", AVSC_LONG},
	    {"timestamp-millis", AVSC_LONG},
	    {"timestamp-micros", AVSC_LONG},
	    {"timestamp-nanos", AVSC_LONG},
	    {"local-timestamp-millis", AVSC_LONG},
	    {"local-timestamp-micros", AVSC_LONG},
	    {"local-timestamp-nanos", AVSC_LONG},
	    {"big-decimal", AVSC_BYTES},
	};
	for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
		if (strcmp(t, simple[i].name) == 0) {
			if (k == simple[i].kind)
				n->logical = simple[i].name;
			return;
		}
	}
	if (strcmp(t, "uuid") == 0) {
		if (k == AVSC_STRING || (k == AVSC_FIXED && n->size == 16))
			n->logical = "uuid";
	} else if (strcmp(t, "duration") == 0) {
		if (k == AVSC_FIXED && n->size == 12)
			n->logical = "duration";
	} else if (strcmp(t, "decimal") == 0) {
		int precision, scale = 0;
		const json_t *pj = json_object_get(n->obj, "precision");
		const json_t *sj = json_object_get(n->obj, "scale");
		if (!pj || !json_int32(pj, &precision))
			return;
		if (sj && !json_int32(sj, &scale))
			return;
		if (k != AVSC_FIXED && k != AVSC_BYTES)
			return;
		if (precision <= 0)
			return;
		if (k == AVSC_FIXED && precision > decimal_max_precision(n->size))
			return;
		if (scale < 0 || scale > precision)
			return;
		n->logical = "decimal";
		n->precision = precision;
		n->scale = scale;
	}
}

/* Strings whose code points are all 0-255: what bytes and fixed defaults are.
 * Returns the number of code points, or -1. */
static long latin1_length(const char *s, size_t n)
{
	long count = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];
		if ((b & 0xC0) == 0x80)
			continue;
		if (b >= 0x80 && b != 0xC2 && b != 0xC3)
			return -1;
		count++;
	}
	return count;
}

/* Recursion follows the JSON value, so it is bounded by the parser's depth
 * limit. */
int avattr_default_ok(const struct avsc_node *t, const json_t *v)
{
	switch (t->kind) {
	case AVSC_NULL:
		return json_is_null(v);
	case AVSC_BOOLEAN:
		return json_is_boolean(v);
	case AVSC_INT: {
		int i;
		return json_int32(v, &i);
	}
	case AVSC_LONG:
		return json_is_integer(v);
	case AVSC_FLOAT:
	case AVSC_DOUBLE:
		return json_is_number(v);
	case AVSC_STRING:
		return json_is_string(v);
	case AVSC_BYTES:
		return json_is_string(v) &&
		       latin1_length(json_string_value(v), json_string_length(v)) >= 0;
	case AVSC_FIXED:
		return json_is_string(v) &&
		       latin1_length(json_string_value(v), json_string_length(v)) == (long)t->size;
	case AVSC_ENUM:
		return avsc_json_cstr(v) && avsc_symbol_index(t, avsc_json_cstr(v)) >= 0;
	case AVSC_ARRAY: {
		size_t i;
		json_t *e;
		if (!json_is_array(v))
			return 0;
		json_array_foreach((json_t *)v, i, e)
		{
			if (!avattr_default_ok(t->child, e))
				return 0;
		}
		return 1;
	}
	case AVSC_MAP: {
		const char *key;
		json_t *e;
		if (!json_is_object(v))
			return 0;
		json_object_foreach((json_t *)v, key, e)
		{
			if (!avattr_default_ok(t->child, e))
				return 0;
		}
		return 1;
	}
	case AVSC_UNION:
		return t->nbranches > 0 && avattr_default_ok(t->branches[0], v);
	case AVSC_RECORD:
		if (!t->complete || !json_is_object(v))
			return 0;
		for (size_t i = 0; i < t->nfields; i++) {
			const json_t *fv = json_object_get(v, t->fields[i].name);
			/* A missing field takes its own default, validated when parsed. */
			if (fv ? !avattr_default_ok(t->fields[i].type, fv) : !t->fields[i].def)
				return 0;
		}
		return 1;
	}
	return 0;
}

int avattr_parse_double(const char *s, size_t n, double *out)
{
	size_t i = 0;
	while (i < n && (unsigned char)s[i] <= ' ')
		i++;
	while (n > i && (unsigned char)s[n - 1] <= ' ')
		n--;
	if (i == n || n - i > 4096)
		return -1;
	size_t start = i;
	int neg = 0;
	if (s[i] == '+' || s[i] == '-')
		neg = s[i++] == '-';
	if (n - i == 3 && memcmp(s + i, "NaN", 3) == 0) {
		*out = NAN;
		return 0;
	}
	if (n - i == 8 && memcmp(s + i, "Infinity", 8) == 0) {
		*out = neg ? -INFINITY : INFINITY;
		return 0;
	}
	size_t end = n;
	if (end > i && strchr("fFdD", s[end - 1]))
		end--;
	size_t j = i, digits = 0;
	if (end - j >= 2 && s[j] == '0' && (s[j + 1] == 'x' || s[j + 1] == 'X')) {
		j += 2;
		while (j < end && strchr("0123456789abcdefABCDEF", s[j]) && s[j])
			j++, digits++;
		if (j < end && s[j] == '.')
			for (j++; j < end && strchr("0123456789abcdefABCDEF", s[j]) && s[j]; j++)
				digits++;
		if (!digits || j >= end || (s[j] != 'p' && s[j] != 'P'))
			return -1;
		j++;
	} else {
		while (j < end && s[j] >= '0' && s[j] <= '9')
			j++, digits++;
		if (j < end && s[j] == '.')
			for (j++; j < end && s[j] >= '0' && s[j] <= '9'; j++)
				digits++;
		if (!digits)
			return -1;
		if (j == end)
			goto parse;
		if (s[j] != 'e' && s[j] != 'E')
			return -1;
		j++;
	}
	if (j < end && (s[j] == '+' || s[j] == '-'))
		j++;
	if (j == end)
		return -1;
	while (j < end && s[j] >= '0' && s[j] <= '9')
		j++;
	if (j != end)
		return -1;
parse:;
	char buf[4100];
	memcpy(buf, s + start, end - start);
	buf[end - start] = '\0';
	char *stop;
	*out = strtod(buf, &stop);
	return *stop == '\0' ? 0 : -1;
}
