/* compat/protobuf/pbdesc.h: the serialized form of a Protobuf schema, a
 * FileDescriptorProto (google/protobuf/descriptor.proto) in base64, both
 * ways, as Confluent 8.1's ProtobufSchema reads and writes it.
 *
 * Reading (pbdesc_decode): Confluent tries a schema string as `.proto` text
 * first and, when that fails, as base64 (Java's strict basic decoder) of a
 * serialized FileDescriptorProto, which it turns into the same model the
 * parser builds (ProtobufSchema.toProtoFile(FileDescriptorProto)): only the
 * fields and options Confluent reads survive (see compat/protobuf/README).
 * A map field stays what the descriptor says it is: a repeated field of a
 * nested `XEntry` message with `option map_entry = true;` (the canonical
 * string prints it so; the normalized one prints `map<K, V>`).
 *
 * Writing (pbdesc_encode): the FileDescriptorProto Confluent's
 * formattedString("serialized") returns, the one its DynamicSchema builder
 * makes from the model (toDynamicSchema().getFileDescriptorProto()),
 * serialized as protobuf-java does (fields in number order), in base64.
 *
 * The wire reader is bounded: at most PBDESC_MAX_BYTES of input, nesting at
 * most PBDESC_MAX_DEPTH deep (messages and skipped groups), varints of at
 * most 10 bytes, lengths within the input; fields of unknown numbers or of
 * the wrong wire type are skipped as protobuf-java skips them. No I/O, no
 * global state.
 *
 * Ownership: pbdesc_decode() returns a file freed with pbfile_free();
 * pbdesc_encode() a string freed with free().
 */
#ifndef SG_PBDESC_H
#define SG_PBDESC_H

#include <stddef.h>
#include <stdint.h>
#include "compat/error.h"
#include "compat/protobuf/pbfile.h"
#include "compat/protobuf/pbnames.h"

#define PBDESC_MAX_BYTES (4u * 1024 * 1024)
#define PBDESC_MAX_DEPTH 64

/* Decodes base64 text (len bytes) as Java's Base64.getDecoder() does: the
 * standard alphabet, no whitespace, '=' padding optional but correct when
 * present. Returns the number of bytes written to out (which holds at least
 * len / 4 * 3 + 3 bytes), or -1 when the text is not base64. */
long pbdesc_base64_decode(const char *text, size_t len, uint8_t *out);

/* Reads a serialized FileDescriptorProto (n bytes). Returns the model, or
 * NULL with `err`: SG_EINVALID_SCHEMA ("Could not parse descriptor: ..."),
 * SG_ELIMIT, SG_ENOMEM. Never crashes on any input. */
struct pbfile *pbdesc_decode(const uint8_t *p, size_t n, struct sg_error *err);

/* Reads base64 text of a serialized FileDescriptorProto (pbdesc_decode
 * after pbdesc_base64_decode). */
struct pbfile *pbdesc_decode_base64(const char *text, size_t len, struct sg_error *err);

/* The base64 FileDescriptorProto Confluent serves for `f`, whose type names
 * resolve in `names` (the set pbnames_check() accepted `f` with). Returns a
 * new string, or NULL with `err` (SG_ENOMEM, SG_ELIMIT). */
char *pbdesc_encode(const struct pbfile *f, const struct pbnames *names, struct sg_error *err);

#endif
