/* registry/schemalog.h: the records of Confluent Schema Registry's `_schemas`
 * topic, decoded from and encoded to the exact bytes Confluent 8.1 reads and
 * writes (core module, package ...schemaregistry.storage, tag v8.1.0: the
 * *Key and *Value classes, serialization/SchemaRegistrySerializer, written by
 * Jackson 2.19's default ObjectMapper). A pure codec: no I/O, no Kafka, no
 * store; what a record means for the registry is decided by its caller.
 *
 * The bytes. Keys and values are compact JSON, UTF-8, no spaces. Strings are
 * written as Jackson's UTF-8 generator writes them: `"` and `\` escaped;
 * U+0008, U+0009, U+000A, U+000C and U+000D as \b \t \n \f \r; the other
 * characters below U+0020 as \u00XX (upper-case hex); `/`, U+007F and all
 * other characters of the Basic Multilingual Plane raw (UTF-8); a character
 * beyond it as its UTF-16 surrogate pair, two \uXXXX escapes (upper-case),
 * e.g. U+1D11E as \uD834\uDD1E. Integers in decimal, booleans as true/false.
 * Every class is @JsonInclude(NON_EMPTY): a null, an empty string, an empty
 * list, set or map is left out; an int or boolean is always written, zero or
 * false included; a nested object (metadata, ruleSet) is written even when
 * all of its fields are left out, as {}. Sorted sets and maps (metadata,
 * rule tags and params) are written in Java's String order, which compares
 * UTF-16 code units (U+1F600 sorts before U+FF21), without duplicates.
 *
 * Key types. Every key has "keytype" and an int "magic". In this order:
 *   SCHEMA          {"keytype":"SCHEMA","subject":S,"version":N,"magic":1}
 *                   (magic 0 in keys of older registries; 0 and 1 are the
 *                   only magics Confluent accepts in a SCHEMA key)
 *   CONFIG, MODE, DELETE_SUBJECT, CLEAR_SUBJECT
 *                   {"keytype":T,"subject":S,"magic":0}
 *   NOOP            {"keytype":"NOOP","magic":0}
 *   CONTEXT         {"keytype":"CONTEXT","tenant":T,"context":C,"magic":0}
 * Subjects are kept as written, context-qualified ones included
 * (":.ctx:orders-value"). A CONFIG or MODE key without a subject is the
 * global one: Confluent writes the default context's global config and mode
 * with a null subject (PUT /config and PUT /config/:.: both reach it, the
 * latter as "" which NON_EMPTY leaves out too), and a context's own global as
 * the subject ":.ctx:". A CONTEXT key names a context that holds schemas:
 * tenant "default", context ".ctx" (the dot kept, the colons not). No other
 * key type exists: Confluent's reader thread dies on an unknown one, so
 * decoding one is an error and encoding can only produce these seven.
 *
 * Values, fields in this order, each left out per the rules above:
 *   SCHEMA          subject, version, id, md5, schemaType, references,
 *                   metadata, ruleSet, schema, deleted, offset, ts.
 *                   schemaType is written always ("AVRO" when none was set:
 *                   Confluent's default, also for old values without it);
 *                   md5 (base64 of the GUID's digest) is not written by 8.1
 *                   but read when present. There is no "guid" field.
 *                   references: [{"name","subject","version"}];
 *                   metadata: {"tags":{K:[..]},"properties":{K:V},
 *                   "sensitive":[..]}; ruleSet: {"migrationRules",
 *                   "domainRules","encodingRules"}, each a list of rules
 *                   {name, doc, kind, mode, type, tags, params, expr,
 *                   onSuccess, onFailure, disabled} (disabled always written).
 *   CONFIG          subject, alias, normalize, validateFields, validateRules,
 *                   compatibilityLevel, compatibilityGroup, defaultMetadata,
 *                   overrideMetadata, defaultRuleSet, overrideRuleSet,
 *                   offset, ts. The level is stored in the value as
 *                   "compatibilityLevel" (the REST API's "compatibility").
 *   MODE            subject, mode (READWRITE, READONLY, READONLY_OVERRIDE,
 *                   IMPORT, FORWARD), offset, ts.
 *   DELETE_SUBJECT  subject, version, offset, ts.
 *   CLEAR_SUBJECT   subject, offset, ts.
 *   CONTEXT         tenant, context, offset, ts.
 *   NOOP            none: its value is never read (Confluent writes null).
 * "offset" and "ts" are the log position Confluent's reader stamps on a
 * value it has read; they reach the log only when Confluent writes back a
 * value it read (the rollback of an update with a duplicate id).
 *
 * Deletes. A soft delete of a version writes its SCHEMA key again with the
 * whole value and "deleted":true. A hard delete (permanent=true, only of a
 * soft-deleted version) writes a tombstone, a null value, for that SCHEMA
 * key, and tombstones for the subject's CONFIG and MODE keys once no version
 * is left. Deleting a subject softly writes one DELETE_SUBJECT record whose
 * value carries the highest version deleted, a watermark: every version up
 * to it counts as deleted, while the SCHEMA records themselves are not
 * rewritten; deleting it hard tombstones each SCHEMA key, then its CONFIG
 * and MODE keys. Deleting a config or a mode tombstones its key. Switching
 * a subject or context to IMPORT mode (unforced, from another mode; allowed
 * only when it has no live subject) tombstones every version left,
 * soft-deleted ones, then writes CLEAR_SUBJECT (the subject or context, or
 * none for all) so that readers drop what was deleted from their caches,
 * then the MODE record.
 *
 * Unknown fields. A value's fields that Confluent 8.1 does not know, at any
 * depth, are kept: decoding keeps the parsed value (schemalog_value.json),
 * and encoding writes them after the known fields, in their order (numbers
 * that are not integers as their shortest round-trip form). Confluent itself
 * drops them; 8.1's own records have none, so they are written back byte for
 * byte. A key's unknown fields are not written: a key is always encoded as
 * Confluent writes it (schemalog_record.key_canonical says whether the bytes
 * read were that).
 *
 * Stricter than Jackson, on purpose: duplicate names, a string where a
 * number or boolean belongs (or the reverse), 1.0 for an int, and an unknown
 * enum constant are errors; a null inside a list, set or map is an error; a
 * null field is read as absent, and so is an empty string (as Confluent
 * would write it back). A SCHEMA key needs a subject and a version, a
 * DELETE_SUBJECT key a subject; a SCHEMA value needs subject, version, id and
 * schema, a MODE value its mode, a DELETE_SUBJECT value its version.
 *
 * Bounds: a key over SCHEMALOG_KEY_MAX bytes, a value over
 * SCHEMALOG_VALUE_MAX, or JSON nested deeper than SCHEMALOG_DEPTH_MAX is
 * refused with SG_ELIMIT before it is parsed; encoding refuses output over
 * the same sizes. Malformed input fails with SG_ECORRUPT and a message naming
 * the problem; running out of memory with SG_ENOMEM (jansson reports an
 * allocation failure inside its lexer as a syntax error: bytes it refuses
 * are read a second time, and only an identical refusal is SG_ECORRUPT).
 * Nothing crashes on hostile bytes.
 *
 * Ownership: a decoded record owns its parsed JSON; every string and json_t *
 * in it is borrowed from that JSON and lives until schemalog_record_clear().
 * To encode, a caller fills a struct with its own borrowed pointers (none of
 * which the codec keeps or frees) after schemalog_key_init() and
 * schemalog_value_init(). Encoded bytes are returned malloc'd; the caller
 * frees them. Pure: no globals, thread-safe.
 */
#ifndef SG_SCHEMALOG_H
#define SG_SCHEMALOG_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "compat/error.h"

#define SCHEMALOG_KEY_MAX   (64 * 1024)
#define SCHEMALOG_VALUE_MAX (16 * 1024 * 1024)
#define SCHEMALOG_DEPTH_MAX 64

/* A Boolean field (Java's Boolean: may be null) that is not set. */
#define SCHEMALOG_UNSET (-1)

enum schemalog_keytype {
	SCHEMALOG_SCHEMA = 1,
	SCHEMALOG_CONFIG,
	SCHEMALOG_MODE,
	SCHEMALOG_NOOP,
	SCHEMALOG_DELETE_SUBJECT,
	SCHEMALOG_CLEAR_SUBJECT,
	SCHEMALOG_CONTEXT,
};

struct schemalog_key {
	enum schemalog_keytype type;
	int32_t magic;       /* SCHEMA: 1 (or 0, legacy); the others 0 */
	const char *subject; /* SCHEMA, CONFIG, MODE, DELETE_SUBJECT, CLEAR_SUBJECT;
	                        NULL: none (the global CONFIG or MODE, every subject
	                        for CLEAR_SUBJECT) */
	int32_t version;     /* SCHEMA */
	const char *tenant;  /* CONTEXT; NULL: none */
	const char *context; /* CONTEXT; NULL: none */
};

/* One value, whatever its key type: each type uses the fields listed in the
 * file's header, the others stay as schemalog_value_init() sets them. A
 * const char * field is NULL when absent; a json_t * field is NULL when
 * absent, else the JSON as read (metadata and rule sets are canonicalised
 * when written, not when read). */
struct schemalog_value {
	const char *subject; /* all but CONTEXT */
	int has_version;
	int32_t version; /* SCHEMA; DELETE_SUBJECT: the watermark */
	int has_id;
	int32_t id;              /* SCHEMA */
	const char *md5;         /* SCHEMA */
	const char *schema_type; /* SCHEMA; decoding sets "AVRO" when absent, and
	                            encoding writes "AVRO" for NULL */
	json_t *references;      /* SCHEMA: an array, or NULL */
	json_t *metadata;        /* SCHEMA */
	json_t *rule_set;        /* SCHEMA */
	const char *schema;      /* SCHEMA: the schema text */
	int deleted;             /* SCHEMA: 0 or 1 */

	const char *alias;                            /* CONFIG */
	int normalize;                                /* CONFIG: 0, 1 or SCHEMALOG_UNSET */
	int validate_fields;                          /* CONFIG: 0, 1 or SCHEMALOG_UNSET */
	int validate_rules;                           /* CONFIG: 0, 1 or SCHEMALOG_UNSET */
	const char *compatibility_level;              /* CONFIG: "BACKWARD" etc. */
	const char *compatibility_group;              /* CONFIG */
	json_t *default_metadata, *override_metadata; /* CONFIG */
	json_t *default_rule_set, *override_rule_set; /* CONFIG */

	const char *mode; /* MODE: "READWRITE" etc. */

	const char *tenant;  /* CONTEXT */
	const char *context; /* CONTEXT */

	int has_offset, has_ts;
	int64_t offset, ts; /* all: "offset" and "ts" */

	/* Decoding: the whole value as parsed. Encoding: NULL, or an object whose
	 * fields that are not known for the key type are written after the
	 * known ones (the known fields come from this struct, never from here). */
	json_t *json;
};

struct schemalog_record {
	struct schemalog_key key;
	int has_value; /* 0: a tombstone (a null value), and always for NOOP */
	struct schemalog_value value;
	int key_canonical; /* 1 when the key's bytes are exactly its encoding */
	json_t *key_json;  /* the parsed key: owns the key's strings */
};

/* Sets `k` to an empty key of `type` with Confluent's magic for it. */
void schemalog_key_init(struct schemalog_key *k, enum schemalog_keytype type);
/* Sets `v` to an empty value: no fields, Booleans SCHEMALOG_UNSET. */
void schemalog_value_init(struct schemalog_value *v);

/* Decodes one record: the key's bytes, and the value's, `value` NULL for a
 * tombstone. `out` is always initialised; on success it holds the record and
 * must be released with schemalog_record_clear(). A NOOP record's value is
 * not read. Returns 0, or -1 with `err` set (SG_ECORRUPT, SG_ELIMIT,
 * SG_ENOMEM) and nothing to release. An unknown key type is SG_ECORRUPT with
 * a message that names it. */
int schemalog_decode(const void *key, size_t key_len, const void *value, size_t value_len,
                     struct schemalog_record *out, struct sg_error *err);

/* Releases what a decoded record holds and empties it. Accepts NULL and
 * records already cleared. */
void schemalog_record_clear(struct schemalog_record *r);

/* Encodes a key as Confluent 8.1 writes it. On success *out is a malloc'd,
 * NUL-terminated buffer of *len bytes (the NUL not counted). Returns 0, or -1
 * with `err` set: SG_EINTERNAL for a key Confluent cannot hold (an unknown
 * type, a SCHEMA key without subject or with a magic other than 0 or 1, a
 * DELETE_SUBJECT key without subject, a string that is not UTF-8),
 * SG_ELIMIT past SCHEMALOG_KEY_MAX, SG_ENOMEM. */
int schemalog_encode_key(const struct schemalog_key *k, char **out, size_t *len,
                         struct sg_error *err);

/* Encodes the value of a record of key type `type` as Confluent 8.1 writes
 * it, then the unknown fields of v->json. For NOOP it returns 0 with *out
 * NULL and *len 0: write a null value. Returns 0, or -1 with `err` set:
 * SG_EINTERNAL for a value Confluent cannot hold (a required field missing,
 * an enum constant it does not know, a JSON field of the wrong shape, a
 * string that is not UTF-8), SG_ELIMIT past SCHEMALOG_VALUE_MAX or
 * SCHEMALOG_DEPTH_MAX, SG_ENOMEM. */
int schemalog_encode_value(enum schemalog_keytype type, const struct schemalog_value *v, char **out,
                           size_t *len, struct sg_error *err);

/* "SCHEMA", "CONFIG", ...; NULL for a value that is no key type. */
const char *schemalog_keytype_name(enum schemalog_keytype type);

#endif
