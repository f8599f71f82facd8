/* compat/protobuf/pbnorm.h: the normalized string of a Protobuf schema, as
 * Confluent 8.1's ProtobufSchema.normalize() prints it
 * (ProtobufSchemaUtils.toNormalizedString), used for ?normalize=true.
 *
 * Normalizing never reorders messages or enums (a record's message indexes
 * depend on their order); it resolves type names fully ("." + full name),
 * sorts what has no meaning in its order (imports, options, fields by tag,
 * oneofs, reserved values, extension ranges, enum constants) and prints a
 * descriptor's map entry messages as `map<K, V>` fields. The rules are
 * written down in compat/protobuf/README.
 *
 * The model is read, not changed: a normalized copy is made, printed by
 * pbform_canonical() and dropped. Ownership: the string returned is the
 * caller's, freed with free(). No I/O, no global state.
 */
#ifndef SG_PBNORM_H
#define SG_PBNORM_H

#include "compat/error.h"
#include "compat/protobuf/pbfile.h"
#include "compat/protobuf/pbnames.h"

/* Returns the normalized string of `f`, whose type names resolve in
 * `names` (the set pbnames_check() accepted it with; a name that does not
 * resolve is left as written). NULL with `err`: SG_ENOMEM, SG_ELIMIT. */
char *pbnorm_normalized(const struct pbfile *f, const struct pbnames *names, struct sg_error *err);

#endif
