/* compat/ruleset.h: the checks Confluent Schema Registry applies to a rule set
 * (a "ruleSet", "defaultRuleSet" or "overrideRuleSet" in a request) before it
 * stores it, with Confluent's messages.
 *
 * A rule set is {"migrationRules": [..], "domainRules": [..],
 * "encodingRules": [..]}, each rule an object with "name", "kind", "mode",
 * "type", "onSuccess", "onFailure" and fields not checked here. The checks,
 * in Confluent's order (lists in the order above, rules in list order, the
 * first failure wins):
 *   - a rule's name must not repeat the name of an earlier rule in any list;
 *   - the name is present, not empty, at most RULESET_NAME_MAX UTF-16 code
 *     units, starts with a letter or '_', and goes on with letters, digits,
 *     '_' or '-' (Java's Character.isLetter / isLetterOrDigit on each UTF-16
 *     unit: a character outside the Basic Multilingual Plane is illegal);
 *   - "type" is present;
 *   - "onSuccess" / "onFailure" hold a comma (several actions) only when the
 *     mode is WRITEREAD or UPDOWN;
 *   - a migration rule's mode is UPGRADE, DOWNGRADE or UPDOWN; a domain or
 *     encoding rule's is WRITE, READ or WRITEREAD. A rule without a mode is
 *     WRITEREAD, as Confluent's Rule constructor makes it.
 * Letters and digits are Unicode's categories L and Nd as PCRE2 knows them;
 * Java's Unicode version may differ for characters added since.
 *
 * Also Confluent's two edits of a rule set: RuleSet.mergeRuleSets (a
 * config's default and override rules, a tag request's rulesToMerge) and
 * the removal of rules by name (a tag request's rulesToRemove).
 *
 * Ownership: inputs are borrowed; json_t results are new references the
 * caller decrefs. Pure and thread-safe: no globals.
 */
#ifndef SG_RULESET_H
#define SG_RULESET_H

#include <jansson.h>
#include "compat/error.h"

/* Rule.NAME_MAX_LENGTH in Confluent, in UTF-16 code units. */
#define RULESET_NAME_MAX 256

/* Checks the rule set `rs` (NULL or JSON null: no rule set, valid).
 * Returns 0, or -1 with `err` set:
 *   - SG_EBAD_REQUEST when a part has a JSON type or an enum value Confluent's
 *     JSON mapping refuses (checked over the whole set first, as Jackson maps
 *     the whole request before Confluent validates it);
 *   - SG_EINVALID_RULESET (HTTP 422, error_code 42210) with Confluent's
 *     message, e.g. "Found rule with duplicate name 'a'";
 *   - SG_ENOMEM when memory runs out. */
int ruleset_validate(const json_t *rs, struct sg_error *err);

/* Whether `value` is one of the values of the rule field `field` ("kind"
 * or "mode"). Returns 0, or -1 with SG_EBAD_REQUEST and the message
 * Confluent answers (Jackson's, as rest-utils' JsonMappingExceptionMapper
 * shortens it): "Cannot deserialize value of type `RuleMode` from String
 * "SIDEWAYS": not one of the values accepted for Enum class: [DOWNGRADE,
 * READ, UPGRADE, UPDOWN, WRITE, WRITEREAD]". */
int ruleset_enum(const char *field, const char *value, struct sg_error *err);

/* RuleSet.mergeRuleSets: NULL when both are NULL (or out of memory); one
 * of them NULL gives a copy of the other; else, list by list
 * (migrationRules, domainRules, encodingRules), the older rules whose name
 * no newer rule of that list has, then the newer rules, as
 * RuleSet.merge does (an empty list on either side gives the other). Lists
 * that end empty are left out, as Confluent's NON_EMPTY writes them, so
 * two empty inputs give {}. A rule without a name counts as named null:
 * a newer unnamed rule replaces the older unnamed ones. */
json_t *ruleset_merge(const json_t *older, const json_t *newer);

/* `rs` without the rules whose name is in `names` (an array of strings; a
 * JSON null in it matches rules without a name), as Confluent's
 * maybeModifyPreviousRuleSet filters each list for rulesToRemove. NULL
 * `rs` gives NULL; lists that end empty are left out ({} when all do).
 * NULL also when out of memory. */
json_t *ruleset_remove(const json_t *rs, const json_t *names);

#endif
