/* registry/reserved.h: Confluent's reserved fields (Schema Registry 8.1,
 * KafkaSchemaRegistry.validateReservedFields, applied when a subject's
 * config sets "validateFields": true). A schema's metadata property
 * "confluent:reserved" names fields, comma-separated; a new version may not
 * drop a name the previous version reserved, nor have a top-level field
 * (schema_has_top_level_field()) with a reserved name.
 *
 * Confluent collects the names into a Java HashSet and reports in that
 * set's iteration order, so the order of the messages follows it too
 * (reserved_names() says how).
 *
 * Pure; thread-safe. Ownership: inputs are borrowed.
 */
#ifndef SG_RESERVED_H
#define SG_RESERVED_H

#include <jansson.h>
#include "compat/error.h"

struct schema;

/* The metadata property that holds the reserved names. */
#define RESERVED_PROPERTY "confluent:reserved"

/* Appends to `messages` (a JSON array of strings) Confluent's findings for
 * `candidate` with metadata `meta` (NULL when none) after a previous version
 * with metadata `prev_meta` (NULL when there is no previous version or it
 * has no metadata): first "The new schema has reserved field F removed from
 * its metadata which is present in the old schema's metadata." for each
 * name dropped, then "The new schema has field that conflicts with the
 * reserved field F." for each reserved name that is a top-level field.
 * Returns the number of findings, or -1 with `err` (SG_ENOMEM). */
int reserved_check(const struct schema *candidate, const json_t *meta, const json_t *prev_meta,
                   json_t *messages, struct sg_error *err);

/* The reserved names of metadata `meta`, as Confluent's getReservedFields()
 * makes them: the property split on ",", each name trimmed (as Java's
 * String.trim(): characters up to U+0020), empty ones dropped, each name
 * once, in the iteration order of a java.util.HashSet filled in that order
 * (by bucket, (h ^ h >>> 16) & (capacity - 1) with h the UTF-16 String
 * hashCode and the capacity the smallest of 16, 32, ... that holds the names
 * at a load of 0.75; names in one bucket in the order added). Fills names[]
 * with pointers into *buf (malloc'd, the caller frees it) and returns the
 * count (at most `cap`; more names are dropped), or -1 (SG_ENOMEM). */
int reserved_names(const json_t *meta, char **buf, const char **names, size_t cap,
                   struct sg_error *err);

#endif
