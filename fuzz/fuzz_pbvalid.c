/* fuzz/fuzz_pbvalid.c: libFuzzer target for compat/protobuf/pbvalid, through
 * the schema table (schema_validator_new(), schema_validate()).
 *
 * Input: a first byte, then the rest.
 * - First byte below 0xf0: it picks one of the fixed schemas below (an
 *   orders-like proto3 message with nested messages, a map, a oneof, packed
 *   and well-known fields; a proto2 message with required fields and a group;
 *   a recursive message), and the rest is the payload.
 * - First byte 0xf0 or above: the rest is `.proto` text, a NUL, and the
 *   payload; schemas that do not parse (or have no message) are skipped.
 * The low bits of the first byte choose framed (message indexes first) or
 * not, and whether unknown fields are refused.
 *
 * Besides never crashing, hanging or leaking, every payload must keep these
 * contracts (a breach traps):
 * - schema_validate() and schema_explain() give the same verdict, and a
 *   refusal's words are not empty and name a byte within the payload;
 * - what is valid with unknown fields refused is valid without;
 * - an unframed valid payload written twice is valid (protobuf merges two
 *   encodings of a message: concatenation is one).
 */
#include "compat/error.h"
#include "compat/schema.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fixed_schemas[] = {
    "syntax = \"proto3\";\npackage shop;\nimport \"google/protobuf/timestamp.proto\";\n"
    "message Order {\n  string order_id = 1;\n  string customer_id = 2;\n  double amount = 3;\n"
    "  string currency = 4;\n  Status status = 5;\n  repeated Item items = 6;\n"
    "  map<string, string> tags = 7;\n  google.protobuf.Timestamp created = 8;\n"
    "  repeated int64 codes = 9;\n  oneof payment {\n    string card = 10;\n"
    "    Item voucher = 11;\n  }\n  enum Status {\n    NEW = 0;\n    PAID = 1;\n  }\n"
    "  message Item {\n    string sku = 1;\n    int32 qty = 2;\n    fixed32 price_cents = 3;\n"
    "  }\n}\nmessage Other {\n  int64 a = 1;\n  bytes b = 2;\n  repeated float f = 3;\n}\n",
    "syntax = \"proto2\";\npackage legacy;\nmessage Req {\n  required int32 id = 1;\n"
    "  optional string name = 2;\n  optional Inner inner = 3;\n"
    "  optional group Blob = 4 {\n    required fixed64 k = 5;\n  }\n  repeated Inner more = 6;\n"
    "  message Inner {\n    required string tag = 1;\n    optional sint32 z = 2;\n  }\n}\n",
    "syntax = \"proto3\";\nmessage Tree {\n  repeated Tree kids = 1;\n  map<int32, Tree> byid = "
    "2;\n"
    "  sfixed64 v = 3;\n  string s = 4;\n}\n",
};

#define NFIXED (sizeof fixed_schemas / sizeof fixed_schemas[0])

static struct schema *fixed_parsed[NFIXED];
static struct schema_validator *fixed_validators[NFIXED];

static void check(const struct schema_validator *v, enum schema_framing framing, int strict,
                  const uint8_t *p, size_t n, struct schema_scratch *sc)
{
	schema_scratch_set_flags(sc, strict ? SCHEMA_CHECK_REJECT_UNKNOWN : 0);
	enum schema_payload fast = schema_validate(v, framing, p, n, sc);
	enum schema_payload slow = schema_explain(v, framing, p, n, sc);
	if (fast == SCHEMA_PAYLOAD_NOMEM)
		return;
	if (fast != slow && !(fast == SCHEMA_PAYLOAD_VALID && slow == SCHEMA_PAYLOAD_VALID))
		__builtin_trap();
	if (fast != SCHEMA_PAYLOAD_VALID) {
		const char *why = schema_why(sc);
		if (!why[0])
			__builtin_trap();
		const char *at = strstr(why, " at byte ");
		if (fast != SCHEMA_PAYLOAD_FRAMING) {
			if (!at)
				__builtin_trap();
			const char *last;
			while ((last = strstr(at + 1, " at byte ")))
				at = last;
			if (strtoull(at + 9, NULL, 10) > n)
				__builtin_trap();
		}
	}
	if (strict && fast == SCHEMA_PAYLOAD_VALID) {
		schema_scratch_set_flags(sc, 0);
		if (schema_validate(v, framing, p, n, sc) != SCHEMA_PAYLOAD_VALID)
			__builtin_trap();
	}
	if (fast == SCHEMA_PAYLOAD_VALID && framing == SCHEMA_UNFRAMED && n && n <= 4096) {
		uint8_t *twice = malloc(2 * n);
		if (!twice)
			return;
		memcpy(twice, p, n);
		memcpy(twice + n, p, n);
		schema_scratch_set_flags(sc, strict ? SCHEMA_CHECK_REJECT_UNKNOWN : 0);
		if (schema_validate(v, framing, twice, 2 * n, sc) != SCHEMA_PAYLOAD_VALID)
			__builtin_trap();
		free(twice);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct schema_scratch *sc = schema_scratch_new();
	if (!sc)
		return 0;
	uint8_t pick = data[0];
	enum schema_framing framing = (pick & 1) ? SCHEMA_FRAMED : SCHEMA_UNFRAMED;
	int strict = (pick >> 1) & 1;
	struct sg_error err;
	error_clear(&err);
	if (pick < 0xf0) {
		size_t i = (size_t)(pick >> 2) % NFIXED;
		if (!fixed_validators[i]) {
			const char *t = fixed_schemas[i];
			fixed_parsed[i] =
			    schema_parse(SCHEMA_PROTOBUF, t, strlen(t), NULL, 0, &err);
			if (!fixed_parsed[i] ||
			    !(fixed_validators[i] = schema_validator_new(fixed_parsed[i], &err))) {
				fprintf(stderr, "fixed schema %zu: %s\n", i, err.msg);
				__builtin_trap();
			}
		}
		check(fixed_validators[i], framing, strict, data + 1, size - 1, sc);
	} else {
		const uint8_t *nul = memchr(data + 1, 0, size - 1);
		if (nul) {
			size_t tl = (size_t)(nul - data - 1);
			struct schema *s = schema_parse(SCHEMA_PROTOBUF, (const char *)data + 1, tl,
			                                NULL, 0, &err);
			struct schema_validator *v = s ? schema_validator_new(s, &err) : NULL;
			if (v)
				check(v, framing, strict, nul + 1, size - tl - 2, sc);
			schema_validator_free(v);
			schema_free(s);
		}
	}
	schema_scratch_free(sc);
	return 0;
}
