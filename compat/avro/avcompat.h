/* compat/avro/avcompat.h: Avro schema resolution, as a compatibility check.
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
 *
 * The verdicts, the order of the findings, their types and their messages are
 * those of Avro Java's SchemaCompatibility.checkReaderWriterCompatibility()
 * (1.11/1.12), which Confluent's registry runs. Details worth knowing:
 *  - Locations are written as Java writes them: the root is "/" (not ""), and
 *    when the writer is a union its branch index is part of the path
 *    ("/fields/0/type/1": writer branch 1 of reader field 0's type).
 *  - Logical types play no part (Java ignores them): a decimal whose precision
 *    or scale changed is compatible; bytes-decimal against fixed-decimal is a
 *    TYPE_MISMATCH.
 *  - A reader field missing in the writer, without a default, whose type is an
 *    enum with a default, is checked the way Java checks it: the enum against
 *    the writer record, which is a TYPE_MISMATCH at "/fields/<i>/type".
 *  - Java memoizes each (reader, writer) pair and hands back the first
 *    result, locations included, when the pair is met again; here a finding
 *    met again through another path is reported at that path. Only locations
 *    of repeated findings can differ from Java; their number does not.
 *  - When a reader field matches several writer fields (by name and aliases),
 *    Java throws and Confluent reports "Unexpected exception during
 *    compatibility check: ...". Here the check stops and reports exactly one
 *    finding of type AVCOMPAT_AMBIGUOUS_FIELD at the reader field's location.
 *
 * Work is bounded: recursion depth AVCOMPAT_MAX_DEPTH, at most
 * AVCOMPAT_MAX_PAIRS memoized record pairs, at most AVCOMPAT_MAX_STEPS steps.
 * Past a limit the check gives up with SG_ELIMIT rather than guess a verdict.
 */
#ifndef SG_AVCOMPAT_H
#define SG_AVCOMPAT_H

#include "compat/avro/avsc.h"
#include "compat/report.h"

#define AVCOMPAT_MAX_DEPTH 2048
#define AVCOMPAT_MAX_PAIRS 131072
#define AVCOMPAT_MAX_STEPS (1L << 22)

/* The finding type used when a reader field matches more than one writer field. */
#define AVCOMPAT_AMBIGUOUS_FIELD "AMBIGUOUS_READER_FIELD"

/* Returns 1 when compatible, 0 when not (reasons appended to `r`, which may be
 * NULL), -1 when out of memory or past a work limit (avcompat_check_err() says
 * which). After -1, `r` may hold part of the findings. */
int avcompat_check(const struct avsc_schema *reader, const struct avsc_schema *writer,
                   struct report *r);

/* Like avcompat_check(), and on -1 sets `err` (which may be NULL): SG_ENOMEM,
 * SG_ELIMIT (a limit above was reached; the message names it) or SG_EINTERNAL
 * (a NULL schema). */
int avcompat_check_err(const struct avsc_schema *reader, const struct avsc_schema *writer,
                       struct report *r, struct sg_error *err);

/* Formats finding `i` of `r` (a report filled by avcompat_check()) the way
 * Confluent's schema registry words it in a 409 answer and in the "messages"
 * of a verbose compatibility check, e.g.
 *   {errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'x'
 *   at path '/fields/0' in the new schema has no default value and is missing
 *   in the old schema', additionalInfo:'x'}
 * (on one line). `reader_role` and `writer_role` are the words Confluent puts
 * for the two schemas: "new" and "old" when the candidate is the reader
 * (BACKWARD), "old" and "new" when the registered schema is the reader
 * (FORWARD). An AVCOMPAT_AMBIGUOUS_FIELD finding is written as Confluent
 * writes an exception: "Unexpected exception during compatibility check: ...".
 * Confluent appends "{oldSchemaVersion: N}" and "{oldSchema: '...'}" entries to
 * the list itself; that is the caller's job.
 *
 * Writes at most `cap` bytes, NUL included, into `out` (which may be NULL when
 * `cap` is 0) and returns the length of the whole text without the NUL, as
 * snprintf() does, so a return >= cap means it was truncated. Returns -1 when
 * `i` is out of range. */
int avcompat_confluent_message(const struct report *r, size_t i, const char *reader_role,
                               const char *writer_role, char *out, size_t cap);

#endif
