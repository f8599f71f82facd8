/* compat/ruleset.c: Confluent's rule set validation (RuleSet.validate). */
#include "compat/ruleset.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat/jsonschema/jsvalue.h"

/* The three lists, in the order Confluent checks them. */
enum ruleset_list { RULESET_MIGRATION, RULESET_DOMAIN, RULESET_ENCODING, RULESET_NLISTS };
static const char *const ruleset_lists[RULESET_NLISTS] = {"migrationRules", "domainRules",
                                                          "encodingRules"};

/* The enums of Confluent's Rule: their values, and how Jackson lists them
 * when it refuses another (the order of its CompactStringObjectMap, checked
 * with jackson-databind 2.21: see ruleset_enum()). */
static const struct ruleset_enum_def {
	const char *field;
	const char *type; /* the Java class, as rest-utils shortens it */
	const char *values[7];
	const char *listed;
} ruleset_enums[] = {
    {"kind", "RuleKind", {"TRANSFORM", "CONDITION"}, "[CONDITION, TRANSFORM]"},
    {"mode",
     "RuleMode",
     {"UPGRADE", "DOWNGRADE", "UPDOWN", "WRITE", "READ", "WRITEREAD"},
     "[DOWNGRADE, READ, UPGRADE, UPDOWN, WRITE, WRITEREAD]"},
};

int ruleset_enum(const char *field, const char *value, struct sg_error *err)
{
	for (size_t i = 0; i < sizeof ruleset_enums / sizeof ruleset_enums[0]; i++) {
		const struct ruleset_enum_def *d = &ruleset_enums[i];
		if (strcmp(field, d->field) != 0)
			continue;
		for (size_t k = 0; d->values[k]; k++)
			if (strcmp(value, d->values[k]) == 0)
				return 0;
		return error_set(
		    err, SG_EBAD_REQUEST,
		    "Cannot deserialize value of type `%s` from String \"%.500s\": not one "
		    "of the values accepted for Enum class: %s",
		    d->type, value, d->listed);
	}
	return error_set(err, SG_EINTERNAL, "no rule field '%s' is an enum", field);
}

/* Field `key` of `rule`, or NULL when absent or JSON null. */
static const json_t *ruleset_field(const json_t *rule, const char *key)
{
	const json_t *v = json_object_get(rule, key);
	return v && !json_is_null(v) ? v : NULL;
}

/* ---- Pass 1: the JSON shape, as Jackson maps it ---- */

static int ruleset_shape_string(const json_t *rule, const char *key, struct sg_error *err)
{
	const json_t *v = ruleset_field(rule, key);
	if (v && !json_is_string(v))
		return error_set(err, SG_EBAD_REQUEST, "Field '%s' must be a string, not %s", key,
		                 jsvalue_type_word(v));
	return 0;
}

static int ruleset_shape_enum(const json_t *rule, const char *key, struct sg_error *err)
{
	const json_t *v = ruleset_field(rule, key);
	if (!v)
		return 0;
	if (!json_is_string(v))
		return error_set(err, SG_EBAD_REQUEST, "Field '%s' must be a string, not %s", key,
		                 jsvalue_type_word(v));
	return ruleset_enum(key, json_string_value(v), err);
}

/* Checks the types of everything pass 2 reads; counts the rules in *nrules. */
static int ruleset_shape(const json_t *rs, size_t *nrules, struct sg_error *err)
{
	*nrules = 0;
	if (!json_is_object(rs))
		return error_set(err, SG_EBAD_REQUEST, "Field 'ruleSet' must be an object, not %s",
		                 jsvalue_type_word(rs));
	for (int l = 0; l < RULESET_NLISTS; l++) {
		const json_t *list = ruleset_field(rs, ruleset_lists[l]);
		if (!list)
			continue;
		if (!json_is_array(list))
			return error_set(err, SG_EBAD_REQUEST,
			                 "Field '%s' must be an array, not %s", ruleset_lists[l],
			                 jsvalue_type_word(list));
		for (size_t i = 0; i < json_array_size(list); i++) {
			const json_t *rule = json_array_get(list, i);
			if (!json_is_object(rule))
				return error_set(err, SG_EBAD_REQUEST,
				                 "Field '%s' must hold rule objects, not %s",
				                 ruleset_lists[l], jsvalue_type_word(rule));
			if (ruleset_shape_string(rule, "name", err) < 0 ||
			    ruleset_shape_enum(rule, "kind", err) < 0 ||
			    ruleset_shape_enum(rule, "mode", err) < 0 ||
			    ruleset_shape_string(rule, "type", err) < 0 ||
			    ruleset_shape_string(rule, "onSuccess", err) < 0 ||
			    ruleset_shape_string(rule, "onFailure", err) < 0)
				return -1;
			(*nrules)++;
		}
	}
	return 0;
}

/* ---- Rule names: Java's character classes ---- */

/* Lazily compiled PCRE2 classes for characters outside ASCII. */
struct ruleset_chars {
	pcre2_code *letter; /* \p{L}: Character.isLetter */
	pcre2_code *alnum;  /* [\p{L}\p{Nd}]: Character.isLetterOrDigit */
	pcre2_match_data *md;
	int oom;
};

static void ruleset_chars_free(struct ruleset_chars *ch)
{
	pcre2_code_free(ch->letter);
	pcre2_code_free(ch->alnum);
	pcre2_match_data_free(ch->md);
}

/* Decodes one strict UTF-8 sequence at p (before end): returns its length in
 * bytes and the code point in *cp, or 1 with *cp = -1 for a malformed byte. */
static size_t ruleset_utf8(const unsigned char *p, const unsigned char *end, long *cp)
{
	static const long min[5] = {0, 0, 0x80, 0x800, 0x10000};
	size_t n;
	long c;
	*cp = -1;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	} else if ((p[0] & 0xE0) == 0xC0) {
		n = 2;
		c = p[0] & 0x1F;
	} else if ((p[0] & 0xF0) == 0xE0) {
		n = 3;
		c = p[0] & 0x0F;
	} else if ((p[0] & 0xF8) == 0xF0) {
		n = 4;
		c = p[0] & 0x07;
	} else {
		return 1;
	}
	if ((size_t)(end - p) < n)
		return 1;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 1;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 1;
	*cp = c;
	return n;
}

/* Whether the one well-formed character at s (n bytes, code point cp) is a
 * letter (digits_too = 0) or a letter or digit (digits_too = 1) for Java's
 * Character class on a single UTF-16 unit. Sets ch->oom when PCRE2 cannot
 * allocate. */
static int ruleset_is_alpha(struct ruleset_chars *ch, const char *s, size_t n, long cp,
                            int digits_too)
{
	if (cp < 0 || cp > 0xFFFF)
		return 0; /* malformed, or a surrogate pair in Java: never a letter */
	if (cp < 0x80)
		return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
		       (digits_too && cp >= '0' && cp <= '9');
	pcre2_code **code = digits_too ? &ch->alnum : &ch->letter;
	if (!*code) {
		const char *pat = digits_too ? "[\\p{L}\\p{Nd}]" : "\\p{L}";
		int ecode;
		PCRE2_SIZE eoff;
		*code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
		                      PCRE2_UTF | PCRE2_ANCHORED, &ecode, &eoff, NULL);
		if (!*code) {
			ch->oom = 1;
			return 0;
		}
	}
	if (!ch->md && !(ch->md = pcre2_match_data_create(1, NULL))) {
		ch->oom = 1;
		return 0;
	}
	return pcre2_match(*code, (PCRE2_SPTR)s, n, 0, PCRE2_NO_UTF_CHECK, ch->md, NULL) >= 0;
}

/* Rule.validateName. `name` is a JSON string or NULL. */
static int ruleset_check_name(struct ruleset_chars *ch, const json_t *name, struct sg_error *err)
{
	if (!name)
		return error_set(err, SG_EINVALID_RULESET, "Missing rule name");
	const char *s = json_string_value(name);
	size_t len = json_string_length(name);
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t units = 0;
	while (p < end) {
		long cp;
		p += ruleset_utf8(p, end, &cp);
		units += cp > 0xFFFF ? 2 : 1;
	}
	if (units == 0)
		return error_set(err, SG_EINVALID_RULESET, "Empty rule name");
	if (units > RULESET_NAME_MAX)
		return error_set(err, SG_EINVALID_RULESET, "Rule name too long");
	p = (const unsigned char *)s;
	for (int first = 1; p < end; first = 0) {
		long cp;
		size_t n = ruleset_utf8(p, end, &cp);
		int ok = cp == '_' || (!first && cp == '-') ||
		         ruleset_is_alpha(ch, (const char *)p, n, cp, !first);
		if (ch->oom)
			return error_set(err, SG_ENOMEM, "out of memory");
		if (!ok)
			return error_set(err, SG_EINVALID_RULESET,
			                 "Illegal %scharacter in rule name: %s",
			                 first ? "initial " : "", s);
		p += n;
	}
	return 0;
}

/* Rule.validateAction: several actions ("a,b") need WRITEREAD or UPDOWN. */
static int ruleset_check_action(const char *mode, const json_t *action, struct sg_error *err)
{
	if (!action || strcmp(mode, "WRITEREAD") == 0 || strcmp(mode, "UPDOWN") == 0)
		return 0;
	if (memchr(json_string_value(action), ',', json_string_length(action)))
		return error_set(err, SG_EINVALID_RULESET,
		                 "Multiple actions only valid with WRITEREAD and UPDOWN");
	return 0;
}

/* Rule.validate, then the list's mode check from RuleSet.validate. */
static int ruleset_check_rule(struct ruleset_chars *ch, enum ruleset_list l, const json_t *rule,
                              struct sg_error *err)
{
	if (ruleset_check_name(ch, ruleset_field(rule, "name"), err) < 0)
		return -1;
	if (!ruleset_field(rule, "type"))
		return error_set(err, SG_EINVALID_RULESET, "Missing rule type");
	const json_t *m = ruleset_field(rule, "mode");
	const char *mode = m ? json_string_value(m) : "WRITEREAD";
	if (ruleset_check_action(mode, ruleset_field(rule, "onSuccess"), err) < 0 ||
	    ruleset_check_action(mode, ruleset_field(rule, "onFailure"), err) < 0)
		return -1;
	int migration = strcmp(mode, "UPGRADE") == 0 || strcmp(mode, "DOWNGRADE") == 0 ||
	                strcmp(mode, "UPDOWN") == 0;
	if (l == RULESET_MIGRATION && !migration)
		return error_set(err, SG_EINVALID_RULESET,
		                 "Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN");
	if (l == RULESET_DOMAIN && migration)
		return error_set(err, SG_EINVALID_RULESET,
		                 "Domain rules can only be WRITE, READ, WRITEREAD");
	if (l == RULESET_ENCODING && migration)
		return error_set(err, SG_EINVALID_RULESET,
		                 "Encoding rules can only be WRITE, READ, WRITEREAD");
	return 0;
}

/* ---- Duplicate names ---- */

struct ruleset_name {
	const char *s;
	size_t len;
	size_t pos; /* the rule's place in checking order */
};

static int ruleset_name_cmp(const void *a, const void *b)
{
	const struct ruleset_name *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);
	if (c == 0 && x->len != y->len)
		c = x->len < y->len ? -1 : 1;
	if (c == 0)
		c = x->pos < y->pos ? -1 : x->pos > y->pos;
	return c;
}

/* Sets dup[pos] for every rule whose name an earlier rule already has. */
static int ruleset_mark_dups(const json_t *rs, size_t nrules, unsigned char *dup,
                             struct sg_error *err)
{
	struct ruleset_name *names = calloc(nrules, sizeof *names);
	if (!names)
		return error_set(err, SG_ENOMEM, "out of memory");
	size_t pos = 0, n = 0;
	for (int l = 0; l < RULESET_NLISTS; l++) {
		const json_t *list = ruleset_field(rs, ruleset_lists[l]);
		for (size_t i = 0; i < json_array_size(list); i++, pos++) {
			const json_t *name = ruleset_field(json_array_get(list, i), "name");
			if (name)
				names[n++] = (struct ruleset_name){json_string_value(name),
				                                   json_string_length(name), pos};
		}
	}
	qsort(names, n, sizeof *names, ruleset_name_cmp);
	for (size_t i = 1; i < n; i++)
		if (names[i].len == names[i - 1].len &&
		    memcmp(names[i].s, names[i - 1].s, names[i].len) == 0)
			dup[names[i].pos] = 1;
	free(names);
	return 0;
}

int ruleset_validate(const json_t *rs, struct sg_error *err)
{
	size_t nrules;
	if (!rs || json_is_null(rs))
		return 0;
	if (ruleset_shape(rs, &nrules, err) < 0)
		return -1;
	if (nrules == 0)
		return 0;
	unsigned char *dup = calloc(nrules, 1);
	if (!dup)
		return error_set(err, SG_ENOMEM, "out of memory");
	int rc = ruleset_mark_dups(rs, nrules, dup, err);
	struct ruleset_chars ch = {0};
	size_t pos = 0;
	for (int l = 0; rc == 0 && l < RULESET_NLISTS; l++) {
		const json_t *list = ruleset_field(rs, ruleset_lists[l]);
		for (size_t i = 0; rc == 0 && i < json_array_size(list); i++, pos++) {
			const json_t *rule = json_array_get(list, i);
			if (dup[pos])
				rc = error_set(err, SG_EINVALID_RULESET,
				               "Found rule with duplicate name '%s'",
				               json_string_value(ruleset_field(rule, "name")));
			else
				rc = ruleset_check_rule(&ch, (enum ruleset_list)l, rule, err);
		}
	}
	ruleset_chars_free(&ch);
	free(dup);
	return rc;
}

/* ---- Merging and removing rules ---- */

/* Whether `name` (a rule's "name": NULL for none) is in `set`, an array of
 * rules (`field` "name") or of names (`field` NULL). NULL matches NULL. */
static int ruleset_name_in(const json_t *name, const json_t *set, const char *field)
{
	for (size_t i = 0; i < json_array_size(set); i++) {
		const json_t *e = json_array_get(set, i);
		const json_t *other =
		    field ? ruleset_field(e, field) : (json_is_null(e) ? NULL : e);
		if (!name && !other)
			return 1;
		if (name && other && json_equal((json_t *)name, (json_t *)other))
			return 1;
	}
	return 0;
}

/* Sets list `key` of `rs` to `list` (taken), unless it is empty or NULL. */
static int ruleset_set_list(json_t *rs, const char *key, json_t *list)
{
	if (!list)
		return -1;
	if (json_array_size(list) == 0) {
		json_decref(list);
		return 0;
	}
	return json_object_set_new(rs, key, list);
}

/* RuleSet.merge of one list. A new array, NULL out of memory. */
static json_t *ruleset_merge_list(const json_t *older, const json_t *newer)
{
	if (json_array_size(older) == 0)
		return newer ? json_deep_copy(newer) : json_array();
	if (json_array_size(newer) == 0)
		return json_deep_copy(older);
	json_t *out = json_array();
	for (size_t i = 0; out && i < json_array_size(older); i++) {
		const json_t *r = json_array_get(older, i);
		if (!ruleset_name_in(ruleset_field(r, "name"), newer, "name") &&
		    json_array_append_new(out, json_deep_copy(r)) < 0) {
			json_decref(out);
			out = NULL;
		}
	}
	for (size_t j = 0; out && j < json_array_size(newer); j++)
		if (json_array_append_new(out, json_deep_copy(json_array_get(newer, j))) < 0) {
			json_decref(out);
			out = NULL;
		}
	return out;
}

/* A copy of `rs` in canonical shape: its three lists, empty ones left out. */
static json_t *ruleset_copy(const json_t *rs)
{
	json_t *out = json_object();
	for (int l = 0; out && l < RULESET_NLISTS; l++) {
		const json_t *list = ruleset_field(rs, ruleset_lists[l]);
		if (list && ruleset_set_list(out, ruleset_lists[l], json_deep_copy(list)) < 0) {
			json_decref(out);
			out = NULL;
		}
	}
	return out;
}

json_t *ruleset_merge(const json_t *older, const json_t *newer)
{
	if (!older || json_is_null(older))
		return newer && !json_is_null(newer) ? ruleset_copy(newer) : NULL;
	if (!newer || json_is_null(newer))
		return ruleset_copy(older);
	json_t *rs = json_object();
	for (int l = 0; rs && l < RULESET_NLISTS; l++)
		if (ruleset_set_list(rs, ruleset_lists[l],
		                     ruleset_merge_list(ruleset_field(older, ruleset_lists[l]),
		                                        ruleset_field(newer, ruleset_lists[l]))) <
		    0) {
			json_decref(rs);
			rs = NULL;
		}
	return rs;
}

json_t *ruleset_remove(const json_t *rs, const json_t *names)
{
	if (!rs || json_is_null(rs))
		return NULL;
	json_t *out = json_object();
	for (int l = 0; out && l < RULESET_NLISTS; l++) {
		const json_t *list = ruleset_field(rs, ruleset_lists[l]);
		json_t *kept = json_array();
		for (size_t i = 0; kept && i < json_array_size(list); i++) {
			const json_t *r = json_array_get(list, i);
			if (!ruleset_name_in(ruleset_field(r, "name"), names, NULL) &&
			    json_array_append_new(kept, json_deep_copy(r)) < 0) {
				json_decref(kept);
				kept = NULL;
			}
		}
		if (ruleset_set_list(out, ruleset_lists[l], kept) < 0) {
			json_decref(out);
			out = NULL;
		}
	}
	return out;
}
