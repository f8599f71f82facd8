/* compat/avro/avjson.h: validation of a value in Avro's JSON encoding (the form the
 * Avro tools and `schemagate validate` fixtures use) against a schema.
 *
 * The JSON encoding, as the Avro specification defines it: null, booleans,
 * ints and longs as JSON integers in range, floats and doubles as numbers,
 * bytes and fixed as strings of code points U+0000..U+00FF (a fixed one of
 * exactly its size), enums as one of their symbols, arrays, maps as objects,
 * records as objects with every field (a missing field is accepted when the
 * field has a default, as fixtures leave defaults out), and a union value as
 * null or as {"BRANCH": value} where BRANCH is the full name of a named type
 * or the name of an unnamed one ("string", "array", ...).
 *
 * Pure, thread-safe; recursion is bounded by AVJSON_MAX_DEPTH.
 */
#ifndef SG_AVJSON_H
#define SG_AVJSON_H

#include <jansson.h>
#include "compat/avro/avsc.h"
#include "compat/report.h"

#define AVJSON_MAX_DEPTH 1000

/* Returns 1 when `doc` is a value of `s`'s root type, 0 when not (each problem
 * appended to `r`, which may be NULL: type = the rule, location = the JSON
 * pointer into `doc`), -1 when out of memory. */
int avjson_validate(const struct avsc_schema *s, const json_t *doc, struct report *r);

#endif
