/* compat/avcompat.h: Avro schema resolution, as a compatibility check.
 *
 * avcompat_check() decides whether data written with `writer` can be read with
 * `reader`, following the Avro specification's resolution rules: promotions
 * (int->long/float/double, long->float/double, float->double,
 * string<->bytes), names matched by unqualified name or by the reader's
 * aliases, enum symbols (a reader default covers missing symbols), union
 * branches, record fields (a reader field missing in the writer needs a
 * default; field aliases count), and fixed sizes. Recursive types terminate.
 *
 * Every incompatibility is reported, not only the first, each with its Avro Java
 * type name (TYPE_MISMATCH, NAME_MISMATCH, FIXED_SIZE_MISMATCH,
 * MISSING_ENUM_SYMBOLS, MISSING_UNION_BRANCH, READER_FIELD_MISSING_DEFAULT_VALUE),
 * a JSON pointer into the reader schema (as Avro Java reports it, e.g.
 * "/fields/0/type") and a sentence. Pure: no I/O, no globals; thread-safe.
 */
#ifndef SG_AVCOMPAT_H
#define SG_AVCOMPAT_H

#include "compat/avsc.h"
#include "compat/report.h"

/* Returns 1 when compatible, 0 when not (reasons appended to `r`, which may be
 * NULL), -1 when out of memory. */
int avcompat_check(const struct avsc_schema *reader, const struct avsc_schema *writer,
		   struct report *r);

#endif
