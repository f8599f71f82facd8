/* gateway/rules.h: which produced records the gateway validates, and how.
 *
 * A rules file is JSON:
 *
 *     {
 *       "default": {"mode": "enforce", "require_schema": false},
 *       "rules": [
 *         {"topic": "orders", "formats": ["plain-json", "confluent-json"],
 *          "dead_letter_topic": "orders-rejected"},
 *         {"topic_regex": "etl-.*", "mode": "shadow", "parts": "both"},
 *         {"topic": "audit", "mode": "off"}
 *       ]
 *     }
 *
 * Both members are optional; nothing else may appear at the top level. Every
 * rule of "rules" names exactly one of "topic" (an exact, valid Kafka topic
 * name) or "topic_regex" (a PCRE2 pattern that must match the WHOLE topic
 * name: it is anchored at both ends). "default" names neither. A rule's
 * settings, each optional:
 *
 *   mode              "enforce" (reject bad batches), "shadow" (forward them,
 *                     but log and count what would be rejected) or "off".
 *   parts             "value", "key" or "both": what of each record is checked.
 *   formats           a non-empty array of "confluent-avro", "confluent-json",
 *                     "confluent-protobuf" (magic byte 0, a 4-byte schema id,
 *                     for Protobuf the message indexes, then the payload) and
 *                     "plain-json" (a JSON object or array, no framing; it is
 *                     validated against the subject's latest JSON schema).
 *   subject_strategy  "TopicNameStrategy" (<topic>-value, <topic>-key),
 *                     "RecordNameStrategy" (the writer schema's record name) or
 *                     "TopicRecordNameStrategy" (<topic>-<record name>); the
 *                     Java class names io.confluent.kafka.serializers.subject.*
 *                     are accepted too. plain-json needs TopicNameStrategy
 *                     (there is no schema id to name the record).
 *   require_schema    true: a record whose subject does not exist is rejected;
 *                     false: it passes unchecked.
 *   allow_tombstones  whether a null value passes (a null key always does).
 *   dead_letter_topic rejected records are also written there (enforce only).
 *   context           the registry context (Confluent 8) the topic's subjects
 *                     are in: ".orders" (also "orders" or ":.orders:"; "." or
 *                     null for the default context). Every subject the
 *                     strategy names is qualified with it (":.orders:<topic>-
 *                     value"), and schema ids are that context's.
 *   fail_open         true: when the registry cannot be reached and nothing is
 *                     cached, let records through unchecked; false (fail
 *                     closed): answer a retriable error.
 *   reject_unknown_fields  true: a Protobuf record holding a field its message
 *                     does not declare is rejected; false: it passes, as
 *                     protobuf itself keeps unknown fields.
 *   comment           any string; ignored.
 *
 * Unset settings of a rule come from "default"; unset settings of "default"
 * from the built-in default: enforce, value, all four formats,
 * TopicNameStrategy, require_schema false, allow_tombstones true, no dead
 * letters, fail_open false, reject_unknown_fields false. With no rules file at all the built-in
 * default applies to every topic, which means: a topic whose <topic>-value subject exists is
 * validated in enforce mode, other topics pass.
 *
 * Matching: a rule with an exact "topic" wins; otherwise the first
 * "topic_regex" rule (in file order) that matches; otherwise "default".
 *
 * Errors name where they are: the file, then the line and column for JSON
 * syntax ("rules.json:3:14: ..."), or the member for a bad setting
 * ("rules.json: rules[2].mode: \"enforced\" is not one of ..."). Unknown
 * members are errors, so a typo never silently weakens a rule.
 *
 * Ownership and threads: a struct rules is immutable once made and reference
 * counted; rules_ref()/rules_unref() are thread-safe, and so is
 * rules_match(), from any number of threads. Reloading (SIGHUP) means
 * loading a new struct rules and swapping it in (gwcheck_set_rules()); the
 * old one is freed when its last user lets go. Rule pointers returned by
 * rules_match() are borrowed and valid while the caller holds the rules.
 */
#ifndef SG_RULES_H
#define SG_RULES_H

#include <stddef.h>

#include "compat/error.h"

/* Largest rules file read, in bytes. */
#define RULES_FILE_MAX (1u << 20)
/* Most rules in one file. */
#define RULES_MAX 10000
/* Longest Kafka topic name. */
#define RULES_TOPIC_MAX 249

enum rules_mode {
	RULES_OFF,
	RULES_SHADOW,
	RULES_ENFORCE,
};

/* Bits of rules_rule.parts. */
#define RULES_PART_VALUE 1u
#define RULES_PART_KEY   2u

/* Bits of rules_rule.formats. */
#define RULES_FORMAT_AVRO       1u /* confluent-avro */
#define RULES_FORMAT_JSON       2u /* confluent-json */
#define RULES_FORMAT_PLAIN_JSON 4u /* plain-json */
#define RULES_FORMAT_PROTOBUF   8u /* confluent-protobuf */
#define RULES_FORMAT_ALL        15u

enum rules_strategy {
	RULES_TOPIC_NAME,
	RULES_RECORD_NAME,
	RULES_TOPIC_RECORD_NAME,
};

struct rules_rule {
	const char *name; /* "default", "topic orders" or "topic_regex etl-.*" */
	enum rules_mode mode;
	unsigned parts;   /* RULES_PART_* bits, never 0 */
	unsigned formats; /* RULES_FORMAT_* bits, never 0 */
	enum rules_strategy strategy;
	int require_schema;
	int allow_tombstones;
	const char *dead_letter_topic; /* NULL when none */
	int fail_open;
	int reject_unknown_fields; /* Protobuf: unknown fields are a rejection */
	/* The context (".orders"), NULL for the default context; and the
	 * prefix of its subjects (":.orders:"), "" for the default context. */
	const char *context;
	const char *subject_prefix;
};

/* Longest context name of a rule, its leading dot included. */
#define RULES_CONTEXT_MAX 255

struct rules;

/* The built-in default alone (no rules file). NULL only when out of memory. */
struct rules *rules_new_default(void);

/* Parses rules from `len` bytes of JSON. `origin` names the text in error
 * messages (a file name; NULL: "rules"). Returns NULL with `err` set
 * (SG_EBAD_REQUEST with what and where, SG_ELIMIT past RULES_MAX or
 * RULES_FILE_MAX, SG_ENOMEM). */
struct rules *rules_parse(const char *text, size_t len, const char *origin, struct sg_error *err);

/* Reads and parses the file at `path`. SG_EIO when it cannot be read. */
struct rules *rules_load(const char *path, struct sg_error *err);

/* Takes one more reference (returns `r`), or drops one, freeing the rules
 * with the last. Both accept NULL. */
struct rules *rules_ref(struct rules *r);
void rules_unref(struct rules *r);

/* The rule for `topic` (NUL-terminated). Never NULL for non-NULL rules. A
 * regex that fails to run (its match limit is reached) does not match. */
const struct rules_rule *rules_match(const struct rules *r, const char *topic);

/* Where the rules came from: the path or origin given, or "built-in". */
const char *rules_origin(const struct rules *r);

/* Number of topic and regex rules (the default not counted). */
size_t rules_count(const struct rules *r);

/* Writes a one-line description of `rule` into `out` (always terminated),
 * such as "topic orders: mode=enforce parts=value formats=confluent-avro,
 * plain-json strategy=TopicNameStrategy require_schema=false
 * allow_tombstones=true dead_letter_topic=- fail_open=false", followed by
 * " reject_unknown_fields=true" and " context=.ctx" when set. Returns the
 * length it needed (as snprintf). */
int rules_describe(const struct rules_rule *rule, char *out, size_t cap);

/* Names as written in rules files. */
const char *rules_mode_name(enum rules_mode m);
const char *rules_strategy_name(enum rules_strategy s);

#endif
