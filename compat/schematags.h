/* compat/schematags.h: adding and removing the inline tags of a schema's
 * records and fields ("confluent:tags": ["PII", ...] on the element), as
 * Confluent 8.1's ParsedSchema.copy(tagsToAdd, tagsToRemove) does for
 * POST /subjects/{subject}/versions/{version}/tags.
 *
 * A tag list is an array of SchemaTags objects,
 *   {"schemaEntity": {"entityPath": "...", "entityType": "sr_record" |
 *    "sr_field"}, "tags": ["..."]},
 * and the path is found as Confluent finds it:
 *   - Avro (AvroSchemaUtils.findMatchingEntity): "ns.Record" or
 *     "ns.Record.field", the namespace optional; a breadth-first walk from
 *     the root over unions, array items, map values, field types and the
 *     fields of records that do not match. Namespaces compare with the
 *     root's "namespace" only (a nested record's own namespace is not read),
 *     as Confluent does.
 *   - JSON Schema (JsonSchemaUtils.findMatchingEntity): words split at '.',
 *     "object" followed by a property name (or "definitions" / "$defs" and a
 *     name), "array" (items), "anyof" / "allof" / "oneof" and an index into
 *     the subschemas sorted as Confluent's JsonNodeComparator sorts them,
 *     "allof.N.conditional.then", "not". A name with dots is matched by
 *     joining words until the object has it.
 * Entities are edited in order: those of tagsToAdd first, then those only
 * in tagsToRemove; two entities are the same when their paths (without one
 * leading '.') and types are. An element's tags become its tags, plus the
 * added, minus the removed, in first-seen order without repeats; none left
 * removes "confluent:tags".
 *
 * Known differences: JsonNodeComparator loads each subschema with Everit
 * and compares its class, title, description, default and then
 * class-specific parts; here the class is read from the keywords and only
 * class, title and description are compared (a stable sort, so equal ones
 * keep their order). Where Confluent fails with a Java exception other than
 * IllegalArgumentException (an index out of range, a missing "items"),
 * this answers "no matching path".
 *
 * Ownership: inputs are borrowed; the result is malloc'd. Pure; thread-safe.
 */
#ifndef SG_SCHEMATAGS_H
#define SG_SCHEMATAGS_H

#include <stddef.h>
#include <jansson.h>
#include "compat/error.h"
#include "compat/schema.h"

/* The key Confluent keeps inline tags under. */
#define SCHEMATAGS_KEY "confluent:tags"

/* Checks that `list` (NULL or JSON null: none) is an array of SchemaTags
 * objects as Jackson maps them: an object "schemaEntity" with a string
 * "entityPath" and an "entityType" of "sr_record" or "sr_field", and
 * "tags" an array of strings. `field` names the list in messages. Returns
 * 0, or -1 with SG_EBAD_REQUEST. */
int schematags_check(const json_t *list, const char *field, struct sg_error *err);

/* The text of schema `text` (of `type`, JSON as stored) with the tags of
 * `add` added and those of `remove` removed (either may be NULL), both
 * checked by schematags_check(). Returns a malloc'd compact JSON text, or
 * NULL with `err` set: SG_EINVALID_SCHEMA with Confluent's message
 * ("java.lang.IllegalArgumentException: No matching path 'a.B' found in
 * the schema", or the exception of a malformed path), SG_EINVALID_SCHEMA
 * for text that is not JSON, SG_ENOMEM. Numbers of a JSON Schema keep the
 * form they are written in. */
char *schematags_apply(enum schema_type type, const char *text, size_t len, const json_t *add,
                       const json_t *remove, struct sg_error *err);

#endif
