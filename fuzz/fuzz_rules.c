/* fuzz/fuzz_rules.c: the gateway's rules file (gateway/rules) on arbitrary
 * bytes. A file that does not load must say why, naming itself, with a known
 * code. A file that loads is asked for the rule of a few topics (among them
 * the input's first bytes, any bytes: a NUL cuts them short), and each rule
 * must hold what gateway/rules.h promises: a name, parts and formats not 0
 * and within their bits, known mode and strategy, plain-json only with
 * TopicNameStrategy; rules_describe() must fit any buffer (1 to 256 bytes,
 * on the heap) and say how long the whole text is. Never crash, leak or hang.
 * Seeds: fuzz/corpus/rules/. */
#include "gateway/rules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_rule(const struct rules *r, const char *topic, size_t cap)
{
	const struct rules_rule *rule = rules_match(r, topic);
	if (!rule || !rule->name)
		__builtin_trap();
	if (!rule->parts || (rule->parts & ~(RULES_PART_VALUE | RULES_PART_KEY)))
		__builtin_trap();
	if (!rule->formats || (rule->formats & ~RULES_FORMAT_ALL))
		__builtin_trap();
	if (rule->mode != RULES_OFF && rule->mode != RULES_SHADOW && rule->mode != RULES_ENFORCE)
		__builtin_trap();
	if (rule->strategy != RULES_TOPIC_NAME && rule->strategy != RULES_RECORD_NAME &&
	    rule->strategy != RULES_TOPIC_RECORD_NAME)
		__builtin_trap();
	if ((rule->formats & RULES_FORMAT_PLAIN_JSON) && rule->strategy != RULES_TOPIC_NAME)
		__builtin_trap();
	if (!rules_mode_name(rule->mode) || !rules_strategy_name(rule->strategy))
		__builtin_trap();

	char full[2048];
	int need = rules_describe(rule, full, sizeof full);
	char *out = malloc(cap);
	if (!out)
		return;
	int n = rules_describe(rule, out, cap);
	if (n != need || n < 0 || !memchr(out, 0, cap))
		__builtin_trap();
	/* A cut text is the start of the whole one. */
	if ((size_t)need < sizeof full && strncmp(out, full, cap - 1) != 0)
		__builtin_trap();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_error err;
	error_clear(&err);
	struct rules *r = rules_parse((const char *)data, size, "fuzz.json", &err);
	if (!memchr(err.msg, 0, sizeof err.msg))
		__builtin_trap();
	if (!r) {
		if (err.code != SG_EBAD_REQUEST && err.code != SG_ELIMIT && err.code != SG_ENOMEM)
			__builtin_trap();
		if (strncmp(err.msg, "fuzz.json", 9) != 0)
			__builtin_trap();
		return 0;
	}
	if (err.code != SG_OK || rules_count(r) > RULES_MAX || strcmp(rules_origin(r), "fuzz.json"))
		__builtin_trap();

	char topic[RULES_TOPIC_MAX + 1];
	size_t n = size < RULES_TOPIC_MAX ? size : RULES_TOPIC_MAX;
	size_t cap = size ? (size_t)data[size - 1] + 1 : 1;
	memcpy(topic, data, n);
	topic[n] = '\0';
	struct rules *again = rules_ref(r);
	fuzz_rule(r, topic, cap);
	fuzz_rule(r, "orders", cap);
	fuzz_rule(r, "etl-events", 1);
	fuzz_rule(again, "", 256);
	rules_unref(again);
	memset(topic, 'a', RULES_TOPIC_MAX);
	topic[RULES_TOPIC_MAX] = '\0';
	fuzz_rule(r, topic, cap);
	rules_unref(r);
	return 0;
}
