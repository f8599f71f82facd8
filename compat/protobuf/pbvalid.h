/* compat/protobuf/pbvalid.h: Protobuf binary payloads checked against a
 * message of a parsed schema, walked without being built and without
 * allocating.
 *
 * pbvalid_new() compiles every message the schema can reach (its own, those
 * of the files it imports, the entry messages of its map<> fields and its
 * groups) into flat tables: per message, its fields sorted by number with a
 * direct table for numbers below 32, each field's wire kind, whether it is
 * repeated, whether its strings must be UTF-8, and its message. The walk
 * then reads the payload once. The rules:
 *
 * - A tag is a varint of at most 5 bytes whose value fits 32 bits; its field
 *   number is in 1 .. 2^29-1; its wire type 0 (varint), 1 (64-bit), 2
 *   (length-delimited), 3 (start group), 4 (end group) or 5 (32-bit).
 * - A varint has at most 10 bytes; lengths are within the enclosing message
 *   (the record, or the length of the field holding it); a start group is
 *   matched by an end group of the same number; an end group outside its
 *   group is an error.
 * - A known field has its type's wire type: varint for the integer kinds,
 *   bool and enums, 64-bit for fixed64/sfixed64/double, 32-bit for
 *   fixed32/sfixed32/float, length-delimited for string, bytes, messages and
 *   map entries, a group for groups; a repeated numeric field may also be
 *   packed (length-delimited), and its payload must then be whole (complete
 *   varints, a multiple of 4 or 8 bytes). A known field with another wire
 *   type is refused (protobuf's parsers would keep it as an unknown field:
 *   here it is a sign of data written with another message).
 * - Messages and map entries are walked recursively, at most
 *   PBVALID_MAX_DEPTH deep (unknown groups count too).
 * - string fields of proto3 files hold UTF-8 (RFC 3629); proto2 strings are
 *   bytes, as protobuf treats them.
 * - Every `required` field (proto2) of every message walked is present.
 * - Unknown fields pass (protobuf keeps them), unless PBVALID_REJECT_UNKNOWN.
 * Not checked: enum values (proto3 enums are open; proto2 parsers keep
 * unknown values as unknown fields), the value of bool varints, repeats of a
 * singular field (the last one wins in protobuf), a oneof given twice. A
 * message type the schema names but does not hold (the well-known types,
 * google/protobuf/timestamp.proto's Timestamp for one, whose names are known
 * but whose files are not embedded) is checked as a length-delimited field
 * only.
 *
 * Confluent's framing of a record's payload: after the schema id, the
 * message indexes (pbvalid_frame()): a zig-zag varint count n and n zig-zag
 * varint indexes; a count of 0 means [0]. The first index picks a top-level
 * message of the schema's file (messages only, in declaration order, enums
 * not counted), each next one a message nested in the previous (likewise).
 *
 * Errors, as "/customer/name: what at byte N": the path of field names from
 * the message checked (a map entry's fields are "key" and "value"), and the
 * offset of the offending tag, length or byte in the payload. They are put
 * into words only when `why` is given (the fast path keeps none).
 *
 * Ownership and threads: a struct pbvalid borrows the schema's files and
 * names (field and message names included): it must be freed before them.
 * It is immutable once built: any number of threads may check payloads with
 * it at once.
 */
#ifndef SG_PBVALID_H
#define SG_PBVALID_H

#include <stddef.h>
#include <stdint.h>

#include "compat/error.h"
#include "compat/protobuf/pbfile.h"
#include "compat/protobuf/pbnames.h"

/* Deepest nesting of messages, map entries and groups in a payload. */
#define PBVALID_MAX_DEPTH 100
/* Most message indexes in a record's framing (deeper nesting is refused). */
#define PBVALID_MAX_INDEXES 100
/* Most required fields one message may have (more: pbvalid_new() fails). */
#define PBVALID_MAX_REQUIRED 64

/* Flags of pbvalid_check(). */
#define PBVALID_REJECT_UNKNOWN 1u /* a field the message does not declare is refused */

struct pbvalid;
struct pbvalid_msg;

/* Compiles the messages of `file` and of the files it imports (`deps`,
 * ndeps of them, transitively: the first of a full name wins), resolving
 * type names in `names` (the schema's frozen set, as pbnames_check() passed
 * it). Returns NULL with `err`: SG_EINVALID_SCHEMA when the file has no
 * message, SG_ELIMIT past PBVALID_MAX_REQUIRED, SG_ENOMEM. */
struct pbvalid *pbvalid_new(const struct pbfile *file, const struct pbfile *const *deps,
                            size_t ndeps, const struct pbnames *names, struct sg_error *err);
void pbvalid_free(struct pbvalid *v);

/* The memory the validator holds, in bytes. */
size_t pbvalid_bytes(const struct pbvalid *v);

/* The message index [0] names: the file's first message. */
const struct pbvalid_msg *pbvalid_root(const struct pbvalid *v);

/* A message's full name ("pkg.Outer.Inner"), as RecordNameStrategy uses it. */
const char *pbvalid_msg_name(const struct pbvalid_msg *m);

/* Reads the message indexes at the start of p[0..n). Returns 0 with
 * *header (the bytes they take) and *msg, or -1 with words in why[0..cap)
 * (a truncated or overlong varint, a negative count or index, more than
 * PBVALID_MAX_INDEXES, an index past the messages of its level). */
int pbvalid_frame(const struct pbvalid *v, const uint8_t *p, size_t n, size_t *header,
                  const struct pbvalid_msg **msg, char *why, size_t cap);

enum pbvalid_result {
	PBVALID_OK,
	PBVALID_SYNTAX,  /* not protobuf's wire format: truncated, a bad wire type, ... */
	PBVALID_INVALID, /* well-formed, but not a value of the message */
};

/* Checks that p[0..n) is one encoding of message `m` (NULL: the root) by
 * the rules above, `flags` PBVALID_* bits. Allocates nothing. When `why` is
 * not NULL it receives the words of a refusal (cut at cap bytes). */
enum pbvalid_result pbvalid_check(const struct pbvalid *v, const struct pbvalid_msg *m,
                                  const uint8_t *p, size_t n, unsigned flags, char *why,
                                  size_t cap);

#endif
