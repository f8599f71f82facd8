/* compat/avro/avattr.h: the values of a schema's attributes, checked as Avro
 * Java (1.12) checks them when it parses a schema: a field's default against
 * the field's type, a logicalType with its precision and scale, and a float or
 * double default written as text. Part of the avsc module: only
 * compat/avro/avsc.c includes it.
 *
 * Nothing here allocates; nodes and JSON values are borrowed.
 */
#ifndef SG_AVATTR_H
#define SG_AVATTR_H

#include <stddef.h>
#include <jansson.h>
#include "compat/avro/avform.h"

/* Whether `v` is a valid default for a value of type `t`: Avro Java's rules
 * (int range, long, any number for float/double, a union's first branch,
 * record fields present or defaulted), plus the specification's: bytes and
 * fixed are strings of code points 0-255 (a fixed one of exactly its size), an
 * enum's is one of its symbols. A record must be complete (all its fields
 * parsed). Returns 1 or 0. */
int avattr_default_ok(const struct avsc_node *t, const json_t *v);

/* Java's Double.parseDouble(): trimmed, optional sign, NaN, Infinity, decimal
 * or hexadecimal (binary exponent required) with an optional f/F/d/D suffix.
 * Returns 0 and the value, or -1. */
int avattr_parse_double(const char *s, size_t n, double *out);

/* Sets n->logical (and precision/scale) when the node's logicalType is known
 * and valid for it; otherwise leaves it NULL, as Avro Java ignores it. */
void avattr_logical(struct avsc_node *n);

#endif
