/* compat/protobuf/pbcompat.h: Confluent's compatibility rules for Protobuf
 * (its protobuf diff package: SchemaDiff, MessageSchemaDiff, FieldSchemaDiff,
 * EnumSchemaDiff, Context, Difference), restated over the pbfile model.
 *
 * The rules are those of the 8.1 branch after 8.1.5 (Confluent commit
 * 3f5ff24, "Detect incompatible oneof field changes hidden by oneof
 * rename/removal", in the tags v8.1.5-1 on), which Confluent's own diff
 * examples assert: fields are compared by tag across the whole message,
 * oneof members included, and a member moved out of its oneof is
 * ONEOF_FIELD_MOVED_TO_TOP_LEVEL. 8.1.0 to 8.1.5 compared a oneof's members
 * only within a oneof of the same name.
 *
 * The old (writer) schema is Confluent's "original", the new (reader) one
 * its "update"; a BACKWARD check is pbcompat_check(new, old), a FORWARD one
 * pbcompat_check(old, new). Every difference has a type (enum pbcompat_change,
 * named as Confluent names it) and a path: "#/" then the names of the
 * enclosing messages, then a oneof's name and/or a field's tag or an enum
 * constant's number ("#/Outer/Inner/3", "#/Msg/choice/2"). A message's type
 * is compared through a field only when it comes from another file (a
 * reference); its differences are then located under the type's name
 * without package ("#/GoogleHome/1"), followed by FIELD_NAMED_TYPE_CHANGED at
 * the field when any of them is incompatible.
 *
 * Where this departs from Confluent: the well-known files are known by
 * their type names only (compat/protobuf/pbnames), so a field whose type
 * resolves to a well-known message is compared by name (their bodies are the
 * same on both sides in Confluent too); messages and enums are visited in
 * the order Java's HashSet gives their names, computed, which Java departs
 * from only when 8 or more names share one bucket.
 *
 * Bounded: the work (messages and fields visited, through field types
 * included) is at most PBCOMPAT_MAX_WORK steps and the nesting of the walk
 * PBCOMPAT_MAX_DEPTH; past either, SG_ELIMIT. Pure, no global state; safe
 * from any thread. Ownership: every input is borrowed for the call; the
 * report copies what it keeps.
 */
#ifndef SG_PBCOMPAT_H
#define SG_PBCOMPAT_H

#include <stddef.h>
#include "compat/error.h"
#include "compat/protobuf/pbfile.h"
#include "compat/report.h"

#define PBCOMPAT_MAX_WORK  2000000
#define PBCOMPAT_MAX_DEPTH 512

/* Confluent's Difference.Type, in its order. */
enum pbcompat_change {
	PBCOMPAT_PACKAGE_CHANGED,
	PBCOMPAT_MESSAGE_ADDED,
	PBCOMPAT_MESSAGE_REMOVED,
	PBCOMPAT_MESSAGE_MOVED,
	PBCOMPAT_ENUM_ADDED,
	PBCOMPAT_ENUM_REMOVED,
	PBCOMPAT_ENUM_CONST_ADDED,
	PBCOMPAT_ENUM_CONST_CHANGED,
	PBCOMPAT_ENUM_CONST_REMOVED,
	PBCOMPAT_FIELD_ADDED,
	PBCOMPAT_FIELD_REMOVED,
	PBCOMPAT_FIELD_NAME_CHANGED,
	PBCOMPAT_FIELD_KIND_CHANGED,
	PBCOMPAT_FIELD_SCALAR_KIND_CHANGED,
	PBCOMPAT_FIELD_NAMED_TYPE_CHANGED,
	PBCOMPAT_FIELD_NUMERIC_LABEL_CHANGED,
	PBCOMPAT_FIELD_STRING_OR_BYTES_LABEL_CHANGED,
	PBCOMPAT_REQUIRED_FIELD_ADDED,
	PBCOMPAT_REQUIRED_FIELD_REMOVED,
	PBCOMPAT_ONEOF_ADDED,
	PBCOMPAT_ONEOF_REMOVED,
	PBCOMPAT_ONEOF_FIELD_ADDED,
	PBCOMPAT_ONEOF_FIELD_REMOVED,
	PBCOMPAT_ONEOF_FIELD_MOVED_TO_TOP_LEVEL,
	PBCOMPAT_MULTIPLE_FIELDS_MOVED_TO_ONEOF,
	PBCOMPAT_FIELD_MOVED_TO_EXISTING_ONEOF,
	PBCOMPAT_CHANGE_COUNT
};

/* "FIELD_ADDED" for PBCOMPAT_FIELD_ADDED; NULL for a value that is none. */
const char *pbcompat_change_name(enum pbcompat_change c);

/* The change named `name`, or -1. */
int pbcompat_change_parse(const char *name);

/* 1 when Confluent counts the change as compatible (its COMPATIBLE_CHANGES:
 * MESSAGE_ADDED, MESSAGE_MOVED, ENUM_*, FIELD_ADDED, FIELD_REMOVED,
 * FIELD_NAME_CHANGED, FIELD_STRING_OR_BYTES_LABEL_CHANGED, ONEOF_ADDED,
 * ONEOF_REMOVED, ONEOF_FIELD_ADDED, ONEOF_FIELD_MOVED_TO_TOP_LEVEL), else 0. */
int pbcompat_change_compatible(enum pbcompat_change c);

/* A file a schema imports, directly or not: its import path, its model, and
 * what Confluent compares references by (the subject and version; here any
 * string equal for the same referenced schema, such as its canonical
 * string). `origin` NULL means no reference names it (Confluent compares
 * such types always). */
struct pbcompat_dep {
	const char *name;
	const struct pbfile *file;
	const char *origin;
};

/* One side: the schema's file and every file it imports (transitively). A
 * type defined twice is the one of the later file; the schema's own types
 * win over its dependencies'. */
struct pbcompat_schema {
	const struct pbfile *file;
	const struct pbcompat_dep *deps;
	size_t ndeps;
};

/* Compares the writer (old) with the reader (new) as Confluent's
 * SchemaDiff.compare(writer, reader). Appends to `r` (may be NULL) the
 * incompatible differences, in Confluent's order, or every difference when
 * `all` is set: type = the change's name, location = its path, message = a
 * sentence naming the "reader" and "writer" schemas. Returns 1 when no
 * difference is incompatible, 0 when one is, -1 with `err` (SG_ENOMEM,
 * SG_ELIMIT). */
int pbcompat_check(const struct pbcompat_schema *reader, const struct pbcompat_schema *writer,
                   int all, struct report *r, struct sg_error *err);

/* Writes a difference of type `type` at `location` as Confluent's registry
 * words it (Difference.toString() then String.format(reader, writer)):
 * {errorType:"FIELD_KIND_CHANGED", description:"The type of a field at path
 * '#/Msg/2' in the new schema does not match the old schema"} with `reader`
 * and `writer` the words for the two schemas ("new", "old" in a BACKWARD
 * check). A compatible change has an empty description. Returns the length
 * needed, as snprintf does (out is NUL-terminated when cap > 0), or -1 for a
 * type that is no change. */
int pbcompat_describe(const char *type, const char *location, const char *reader,
                      const char *writer, char *out, size_t cap);

#endif
