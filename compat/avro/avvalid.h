/* compat/avro/avvalid.h: validation of Avro binary-encoded data against the schema
 * it was written with, without decoding it and without allocating.
 *
 * avvalid_compile() turns a parsed schema into a compact program: a flat array
 * of instructions (record fields inline, a branch table per union, symbol
 * counts for enums, sizes for fixed types, a call for each named record used
 * more than once, which is how recursive types are run). avvalid_check() runs
 * that program over one payload (for Confluent-framed records, the bytes after
 * the 5-byte header) and says whether the bytes are exactly one encoding of a
 * value of the schema. The rules, all of the Avro 1.11 binary encoding:
 *
 * - The value must end exactly at the end of the payload: trailing bytes are
 *   an error, and so is data that ends early.
 * - An int is a zig-zag varint of at most 5 bytes whose value fits 32 bits; a
 *   long, at most 10 bytes fitting 64 bits. Union branch indexes and enum
 *   indexes are ints; lengths and block counts are longs. Non-minimal varints
 *   (0x80 0x00 for 0) are accepted, as Avro Java reads them.
 * - A boolean is the byte 0 or 1.
 * - A union branch index is in [0, branches); an enum index in [0, symbols).
 * - A bytes or string length is non-negative and fits in the bytes left.
 * - Strings and map keys are valid UTF-8 (RFC 3629: no overlong forms, no
 *   surrogates, nothing above U+10FFFF; U+0000 is allowed).
 * - Arrays and maps are blocks: a count, 0 ending the array; a negative count
 *   -n means n items preceded by the block's size in bytes, which must be
 *   non-negative, fit in the bytes left and equal the bytes its items take.
 *   A block's items must fit in the bytes left, given the fewest bytes one
 *   item can take. An array whose item type encodes as zero bytes (null,
 *   fixed of size 0, records of those) holds at most AVVALID_MAX_EMPTY_ITEMS
 *   items in all: a reader would otherwise build billions of items out of a
 *   few bytes.
 * - Arrays, maps and entries into a recursive (or shared) named record nest
 *   at most AVVALID_MAX_DEPTH deep.
 * Not checked: logical types beyond their encoding (a decimal is its bytes or
 * fixed, a uuid is any string, a date any int), duplicate map keys, and the
 * value of floats and doubles (any bit pattern, NaN included).
 *
 * Cost: avvalid_check() does no allocation and no I/O. It runs on a 2 KiB
 * stack of 32 frames; a value nested deeper is run again from the start on a
 * stack for AVVALID_MAX_DEPTH frames (56 KiB). Its work is linear in the
 * payload length (at most the program size per byte read). Error messages
 * are built only once a payload is found invalid.
 *
 * Errors name where they are: a location, as a JSON pointer made of field
 * names, array indexes and map keys from the top of the value (for example
 * "/items/3/amount"; "" for the value itself), and the offset in the payload
 * of the offending byte (the start of the varint, length or value that is
 * wrong; for invalid UTF-8, the first byte of the bad sequence). Union
 * branches add nothing to the location. Map keys come from the payload: in a
 * location, their control characters (below 0x20, and 0x7f) are written
 * \u00XX, so no key can break a log line; other text, " at byte " included,
 * stays as it is (the offset is the last "at byte" of a message). A location longer than
 * AVVALID_LOCATION_MAX bytes (in an sg_error: longer than the room the rest
 * of the message leaves in SG_ERROR_MSG_MAX) is cut at a token boundary, and
 * the message then ends with " (location cut short)".
 *
 * Ownership and threads: the program copies what it needs from the schema
 * (field names), so the schema may be freed after avvalid_compile(). A
 * struct avvalid is immutable: any number of threads may call avvalid_check()
 * on it at once, each with its own error or report.
 */
#ifndef SG_AVVALID_H
#define SG_AVVALID_H

#include <stddef.h>
#include <stdint.h>

#include "compat/avro/avsc.h"
#include "compat/error.h"
#include "compat/report.h"

/* Deepest nesting of arrays, maps and calls into named records in a value. */
#define AVVALID_MAX_DEPTH 1000
/* Most items of a zero-byte type one array may hold, over all its blocks. */
#define AVVALID_MAX_EMPTY_ITEMS 10000000
/* Longest location in an error, in bytes. */
#define AVVALID_LOCATION_MAX 400

struct avvalid;

/* Compiles the program for values of `s`'s root type. Returns NULL and sets
 * `err` on failure: SG_ELIMIT when the schema's types nest (through named
 * references) deeper than AVVALID_MAX_DEPTH or a size does not fit the
 * program's 32-bit operands, SG_EINVALID_SCHEMA for a NULL schema, SG_ENOMEM. */
struct avvalid *avvalid_compile(const struct avsc_schema *s, struct sg_error *err);
void avvalid_free(struct avvalid *v);

/* Checks that `data[0..len)` is one complete encoding of a value (`data` may
 * be NULL when `len` is 0; `v` must not be NULL). Returns 1 when it is, 0
 * when it is not; then `err` (which may be NULL) holds SG_EINVALID_RECORD
 * and "<location>: <what> at byte <offset>", such as
 * "/items/3/amount: union branch 7 out of range (2 branches) at byte 42"
 * (without the location and colon when the location is ""). Offsets count
 * from data[0]: add 5 for an offset in a Confluent-framed record. */
int avvalid_check(const struct avvalid *v, const uint8_t *data, size_t len, struct sg_error *err);

/* Like avvalid_check(), but an invalid payload adds one finding to `r` (when
 * not NULL, and memory allows): type = the rule broken ("truncated",
 * "varint", "boolean", "length", "utf8", "union", "enum", "block", "limit",
 * "depth", "trailing"), location = the JSON pointer, message =
 * "<what> at byte <offset>". */
int avvalid_check_report(const struct avvalid *v, const uint8_t *data, size_t len,
                         struct report *r);

/* The number of instructions in the program (for tests and diagnostics). */
size_t avvalid_program_size(const struct avvalid *v);

#endif
