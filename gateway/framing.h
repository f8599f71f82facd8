/* gateway/framing.h: where a record names its schema, the three ways Confluent
 * serializers (8.x) frame a key or a value.
 *
 *   1. Prefix, by id: magic byte 0, a 4-byte big-endian schema id, then the
 *      payload (every Confluent version; PrefixSchemaIdSerializer).
 *   2. Prefix, by GUID: magic byte 1, the schema's 16-byte GUID, then the
 *      payload (read by every 8.x deserializer).
 *   3. Header: the record has a header `__value_schema_id` (for the value) or
 *      `__key_schema_id` (for the key) whose value is magic byte 1 and the
 *      GUID (what HeaderSchemaIdSerializer writes) or magic byte 0 and the id;
 *      the key or value is then the payload alone, unframed.
 *
 * What Confluent does, read in confluentinc/schema-registry at tag v8.1.0,
 * schema-serializer/src/main/java/io/confluent/kafka/serializers/schema/id/:
 *   - SchemaId.java: KEY_SCHEMA_ID_HEADER = "__key_schema_id",
 *     VALUE_SCHEMA_ID_HEADER = "__value_schema_id", MAGIC_BYTE_V0 = 0,
 *     MAGIC_BYTE_V1 = 1. idToBytes() writes byte 0 and the id as a big-endian
 *     int; guidToBytes() writes byte 1, then the UUID's most significant
 *     long, then its least significant long, both big-endian (16 bytes: the
 *     GUID's hex digits in the order its text shows them). Either is followed
 *     by Protobuf's message indexes only, never for Avro or JSON Schema.
 *     fromBytes() reads one byte: 0 -> a 4-byte id, 1 -> two longs, anything
 *     else "Unknown magic byte!".
 *   - HeaderSchemaIdSerializer.java: headers.add(isKey ? KEY_.. : VALUE_..,
 *     schemaId.guidToBytes()) and the payload returned unframed.
 *   - PrefixSchemaIdSerializer.java: idToBytes() + payload (the Java client
 *     never writes the GUID prefix; confluent-kafka-python 2.16's SchemaId
 *     has the same guid_to_bytes(), used by header_schema_id_serializer).
 *   - DualSchemaIdDeserializer.java (the default deserializer): the LAST
 *     header of the part's name (headers.lastHeader()); when it exists with a
 *     non-null value, fromBytes() on that value, and the whole payload is the
 *     data; otherwise fromBytes() on the payload prefix.
 * Here, as there, a header wins over the prefix, the last header of the name
 * counts, and a header whose value is null is as no header. Stricter than
 * fromBytes() (which ignores bytes after the id of an Avro or JSON schema, and
 * fails on too few): a header value must be exactly 5 bytes (magic 0) or 17
 * (magic 1).
 *
 * Pure: no I/O, no allocation; reads through the bounded cursor of
 * gateway/kreader.h. Thread-safe. Every pointer out points into the caller's
 * bytes.
 */
#ifndef SG_FRAMING_H
#define SG_FRAMING_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/kreader.h"

#define FRAMING_KEY_HEADER   "__key_schema_id"
#define FRAMING_VALUE_HEADER "__value_schema_id"
#define FRAMING_GUID_LEN     16
/* A GUID as text: 8-4-4-4-12 lower-case hex digits, without the NUL. */
#define FRAMING_GUID_TEXT_LEN 36

enum framing_kind {
	FRAMING_NONE, /* no header, and the part starts with neither 0 nor 1 */
	FRAMING_ID,   /* a schema id (`id`) */
	FRAMING_GUID, /* a schema GUID (`guid`) */
	FRAMING_BAD,  /* malformed: `why` says how */
};

struct framing {
	enum framing_kind kind;
	int in_header;                  /* 1: named by the part's header, the part is all payload */
	int64_t id;                     /* FRAMING_ID: 0 .. 2^32-1, as the 4 bytes read unsigned */
	uint8_t guid[FRAMING_GUID_LEN]; /* FRAMING_GUID */
	const uint8_t *payload;         /* the data after the framing (the whole */
	size_t len;                     /* part when in_header or FRAMING_NONE) */
	char why[192];                  /* FRAMING_BAD: a sentence, no record index */
};

/* The value of the last header named for `part` (0: the value's
 * "__value_schema_id", 1: the key's "__key_schema_id") among a record's
 * encoded headers (records_record.headers, as records_iter_next() checked
 * them). Returns 1 with *value set (len -1 when the header's value is null),
 * 0 when there is none. */
int framing_header(struct kslice headers, int part, struct kslice *value);

/* Reads where a part of `n` bytes at `p` names its schema, given the value
 * of its header (framing_header(); NULL or len -1: none). Fills `f` (always:
 * kind FRAMING_BAD with `why` for a malformed framing). */
void framing_read(struct framing *f, int part, const uint8_t *p, size_t n,
                  const struct kslice *header);

/* Writes `guid` as text (FRAMING_GUID_TEXT_LEN characters and a NUL), as
 * Java's UUID.toString() and the registry's "guid" field write it. */
void framing_guid_text(const uint8_t guid[FRAMING_GUID_LEN], char out[FRAMING_GUID_TEXT_LEN + 1]);

#endif
