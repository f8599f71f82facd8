/* compat/protobuf/pbform.h: the canonical string of a parsed `.proto` file,
 * byte for byte as Confluent 8.1's ProtobufSchema.canonicalString() prints
 * it (ProtobufSchemaUtils.toString with a FormatContext that neither
 * normalizes nor drops extensions). The rules are written down in
 * compat/protobuf/README.
 *
 * Ownership: the string returned is the caller's, freed with free(). Pure:
 * no I/O, no global state.
 */
#ifndef SG_PBFORM_H
#define SG_PBFORM_H

#include <stddef.h>
#include "compat/error.h"
#include "compat/protobuf/pbfile.h"

/* The longest string printed: indentation grows a deeply nested file. */
#define PBFORM_MAX_TEXT (32u * 1024 * 1024)

/* Returns the canonical string of `f`, or NULL with `err` (SG_ENOMEM, or
 * SG_ELIMIT past PBFORM_MAX_TEXT). */
char *pbform_canonical(const struct pbfile *f, struct sg_error *err);

#endif
