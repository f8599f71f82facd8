/* tests/unit/test_ruleset.c: compat/ruleset against a table of rule sets
 * (JSON text, expected code, expected message), then the cases JSON text
 * cannot spell: names with NUL bytes or malformed UTF-8, lengths counted in
 * UTF-16 units, many rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "compat/ruleset.h"
#include "tests/tap.h"

struct ruleset_case {
	const char *title;
	const char *json;
	int code;        /* SG_OK when valid */
	const char *msg; /* exact message, or NULL to skip the check */
};

#define R SG_EINVALID_RULESET
#define B SG_EBAD_REQUEST

static const struct ruleset_case cases[] = {
    {"absent lists", "{}", SG_OK, NULL},
    {"null and empty lists", "{\"migrationRules\":null,\"domainRules\":[],\"encodingRules\":[]}",
     SG_OK, NULL},
    {"unknown keys are ignored", "{\"enableAt\":\"x\",\"other\":[1]}", SG_OK, NULL},
    {"a valid domain rule", "{\"domainRules\":[{\"name\":\"a\",\"type\":\"CEL\"}]}", SG_OK, NULL},
    {"every mode where it belongs",
     "{\"migrationRules\":[{\"name\":\"u\",\"mode\":\"UPGRADE\",\"type\":\"T\"},"
     "{\"name\":\"d\",\"mode\":\"DOWNGRADE\",\"type\":\"T\"},"
     "{\"name\":\"ud\",\"mode\":\"UPDOWN\",\"type\":\"T\"}],"
     "\"domainRules\":[{\"name\":\"w\",\"mode\":\"WRITE\",\"type\":\"T\"},"
     "{\"name\":\"r\",\"mode\":\"READ\",\"type\":\"T\"}],"
     "\"encodingRules\":[{\"name\":\"wr\",\"mode\":\"WRITEREAD\",\"type\":\"T\"}]}",
     SG_OK, NULL},
    {"an empty type is present", "{\"domainRules\":[{\"name\":\"a\",\"type\":\"\"}]}", SG_OK, NULL},
    {"underscore first, dash and digits later",
     "{\"domainRules\":[{\"name\":\"_a-1_B\",\"type\":\"T\"}]}", SG_OK, NULL},
    {"a lone underscore", "{\"domainRules\":[{\"name\":\"_\",\"type\":\"T\"}]}", SG_OK, NULL},
    {"non-ASCII letters (Latin, Greek, CJK) and an Arabic-Indic digit",
     "{\"domainRules\":[{\"name\":\"\\u00e9\\u03bb\\u4e2d\\u0663\",\"type\":\"T\"}]}", SG_OK, NULL},
    {"several actions with WRITEREAD (the default) and UPDOWN",
     "{\"domainRules\":[{\"name\":\"a\",\"type\":\"T\",\"onSuccess\":\"X,Y\",\"onFailure\":\",\"}],"
     "\"migrationRules\":[{\"name\":\"b\",\"mode\":\"UPDOWN\",\"type\":\"T\",\"onFailure\":\"X,Y\"}"
     "]}",
     SG_OK, NULL},
    {"a null action",
     "{\"domainRules\":[{\"name\":\"a\",\"mode\":\"WRITE\",\"type\":\"T\",\"onFailure\":null}]}",
     SG_OK, NULL},

    {"duplicate in one list",
     "{\"domainRules\":[{\"name\":\"a\",\"type\":\"T\"},{\"name\":\"a\",\"type\":\"T\"}]}", R,
     "Found rule with duplicate name 'a'"},
    {"duplicate across lists, reported at the later one",
     "{\"encodingRules\":[{\"name\":\"x\",\"type\":\"T\"}],"
     "\"migrationRules\":[{\"name\":\"x\",\"mode\":\"UPGRADE\",\"type\":\"T\"}]}",
     R, "Found rule with duplicate name 'x'"},
    {"names differ by case: no duplicate",
     "{\"domainRules\":[{\"name\":\"a\",\"type\":\"T\"},{\"name\":\"A\",\"type\":\"T\"}]}", SG_OK,
     NULL},
    {"a rule failing before its duplicate is what is reported",
     "{\"domainRules\":[{\"name\":\"a\"},{\"name\":\"a\",\"type\":\"T\"}]}", R,
     "Missing rule type"},
    {"missing name", "{\"domainRules\":[{\"type\":\"T\"}]}", R, "Missing rule name"},
    {"null name", "{\"domainRules\":[{\"name\":null,\"type\":\"T\"}]}", R, "Missing rule name"},
    {"empty name", "{\"domainRules\":[{\"name\":\"\",\"type\":\"T\"}]}", R, "Empty rule name"},
    {"digit first", "{\"domainRules\":[{\"name\":\"9\",\"type\":\"T\"}]}", R,
     "Illegal initial character in rule name: 9"},
    {"dash first", "{\"domainRules\":[{\"name\":\"-a\",\"type\":\"T\"}]}", R,
     "Illegal initial character in rule name: -a"},
    {"non-ASCII digit first", "{\"domainRules\":[{\"name\":\"\\u0663a\",\"type\":\"T\"}]}", R,
     "Illegal initial character in rule name: \xd9\xa3"
     "a"},
    {"a space", "{\"domainRules\":[{\"name\":\"a b\",\"type\":\"T\"}]}", R,
     "Illegal character in rule name: a b"},
    {"a colon", "{\"domainRules\":[{\"name\":\"a:b\",\"type\":\"T\"}]}", R,
     "Illegal character in rule name: a:b"},
    {"a non-ASCII symbol (euro sign)", "{\"domainRules\":[{\"name\":\"a\\u20ac\",\"type\":\"T\"}]}",
     R, "Illegal character in rule name: a\xe2\x82\xac"},
    {"a letter outside the BMP, first",
     "{\"domainRules\":[{\"name\":\"\\ud835\\udc9c\",\"type\":\"T\"}]}", R,
     "Illegal initial character in rule name: \xf0\x9d\x92\x9c"},
    {"missing type", "{\"domainRules\":[{\"name\":\"a\"}]}", R, "Missing rule type"},
    {"null type", "{\"domainRules\":[{\"name\":\"a\",\"type\":null}]}", R, "Missing rule type"},
    {"several actions with WRITE",
     "{\"domainRules\":[{\"name\":\"a\",\"mode\":\"WRITE\",\"type\":\"T\",\"onSuccess\":\"X,Y\"}]}",
     R, "Multiple actions only valid with WRITEREAD and UPDOWN"},
    {"several actions with READ on failure",
     "{\"encodingRules\":[{\"name\":\"a\",\"mode\":\"READ\",\"type\":\"T\",\"onFailure\":\"X,\"}]}",
     R, "Multiple actions only valid with WRITEREAD and UPDOWN"},
    {"several actions with DOWNGRADE",
     "{\"migrationRules\":[{\"name\":\"a\",\"mode\":\"DOWNGRADE\",\"type\":\"T\",\"onFailure\":\"X,"
     "Y\"}]}",
     R, "Multiple actions only valid with WRITEREAD and UPDOWN"},
    {"the action is checked before the list's modes",
     "{\"domainRules\":[{\"name\":\"a\",\"mode\":\"UPGRADE\",\"type\":\"T\",\"onSuccess\":\"X,Y\"}]"
     "}",
     R, "Multiple actions only valid with WRITEREAD and UPDOWN"},
    {"domain rule UPGRADE",
     "{\"domainRules\":[{\"name\":\"a\",\"mode\":\"UPGRADE\",\"type\":\"T\"}]}", R,
     "Domain rules can only be WRITE, READ, WRITEREAD"},
    {"domain rule UPDOWN",
     "{\"domainRules\":[{\"name\":\"a\",\"mode\":\"UPDOWN\",\"type\":\"T\"}]}", R,
     "Domain rules can only be WRITE, READ, WRITEREAD"},
    {"encoding rule DOWNGRADE",
     "{\"encodingRules\":[{\"name\":\"a\",\"mode\":\"DOWNGRADE\",\"type\":\"T\"}]}", R,
     "Encoding rules can only be WRITE, READ, WRITEREAD"},
    {"migration rule WRITE",
     "{\"migrationRules\":[{\"name\":\"a\",\"mode\":\"WRITE\",\"type\":\"T\"}]}", R,
     "Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN"},
    {"migration rule without a mode", "{\"migrationRules\":[{\"name\":\"a\",\"type\":\"T\"}]}", R,
     "Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN"},

    {"not an object", "[]", B, "Field 'ruleSet' must be an object, not an array"},
    {"a list that is not an array", "{\"domainRules\":{}}", B,
     "Field 'domainRules' must be an array, not an object"},
    {"a rule that is not an object", "{\"domainRules\":[1]}", B,
     "Field 'domainRules' must hold rule objects, not an integer"},
    {"a null rule", "{\"encodingRules\":[null]}", B,
     "Field 'encodingRules' must hold rule objects, not null"},
    {"a name that is a number", "{\"domainRules\":[{\"name\":5,\"type\":\"T\"}]}", B,
     "Field 'name' must be a string, not an integer"},
    {"a type that is an object", "{\"domainRules\":[{\"name\":\"a\",\"type\":{}}]}", B,
     "Field 'type' must be a string, not an object"},
    {"an action that is an array",
     "{\"domainRules\":[{\"name\":\"a\",\"type\":\"T\",\"onSuccess\":[]}]}", B,
     "Field 'onSuccess' must be a string, not an array"},
    {"an unknown mode", "{\"domainRules\":[{\"name\":\"a\",\"mode\":\"ALWAYS\",\"type\":\"T\"}]}",
     B,
     "Cannot deserialize value of type `RuleMode` from String \"ALWAYS\": not one of the "
     "values accepted for Enum class: [DOWNGRADE, READ, UPGRADE, UPDOWN, WRITE, WRITEREAD]"},
    {"a lower-case mode", "{\"domainRules\":[{\"name\":\"a\",\"mode\":\"write\",\"type\":\"T\"}]}",
     B,
     "Cannot deserialize value of type `RuleMode` from String \"write\": not one of the "
     "values accepted for Enum class: [DOWNGRADE, READ, UPGRADE, UPDOWN, WRITE, WRITEREAD]"},
    {"a mode that is a number", "{\"domainRules\":[{\"name\":\"a\",\"mode\":3,\"type\":\"T\"}]}", B,
     "Field 'mode' must be a string, not an integer"},
    {"an unknown kind", "{\"domainRules\":[{\"name\":\"a\",\"kind\":\"MAYBE\",\"type\":\"T\"}]}", B,
     "Cannot deserialize value of type `RuleKind` from String \"MAYBE\": not one of the "
     "values accepted for Enum class: [CONDITION, TRANSFORM]"},
    {"a mapping error after a validation error still wins",
     "{\"migrationRules\":[{\"name\":\"\"}],\"encodingRules\":[{\"name\":true}]}", B,
     "Field 'name' must be a string, not a boolean"},
};

static void check(const char *title, const json_t *rs, int code, const char *msg)
{
	struct sg_error e = {0};
	int rc = ruleset_validate(rs, &e);
	tap_is_int(e.code, code, "%s: code %s", title, error_name(e.code));
	tap_is_int(rc, code == SG_OK ? 0 : -1, "%s: return value", title);
	if (msg)
		tap_is_str(e.msg, msg, "%s: message", title);
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_error_t je;
		json_t *rs = json_loads(cases[i].json, 0, &je);
		if (!tap_ok(rs != NULL, "%s: the case parses", cases[i].title)) {
			tap_diag("%s", je.text);
			continue;
		}
		check(cases[i].title, rs, cases[i].code, cases[i].msg);
		json_decref(rs);
	}
}

/* {"domainRules":[{"name": <name>, "type": "T"}]} with name stolen. */
static json_t *one_rule(json_t *name)
{
	json_t *rule = json_pack("{s:o,s:s}", "name", name, "type", "T");
	return json_pack("{s:[o]}", "domainRules", rule);
}

/* A name of `n` copies of the UTF-8 character `ch`, prefixed by `first`. */
static json_t *repeat_name(const char *first, const char *ch, size_t n)
{
	size_t fl = strlen(first), cl = strlen(ch);
	char *s = malloc(fl + n * cl + 1);
	memcpy(s, first, fl);
	for (size_t i = 0; i < n; i++)
		memcpy(s + fl + i * cl, ch, cl);
	s[fl + n * cl] = '\0';
	json_t *j = json_string(s);
	free(s);
	return j;
}

static void test_lengths(void)
{
	json_t *rs;
	check("absent rule set", NULL, SG_OK, NULL);
	rs = json_null();
	check("null rule set", rs, SG_OK, NULL);
	json_decref(rs);

	/* Names of `n` copies of `ch` after `first`; length is counted in UTF-16
	 * units, as Java does. */
	static const struct {
		const char *title, *first, *ch;
		size_t n;
		int code;
		const char *msg;
	} names[] = {
	    {"256 ASCII characters", "", "a", 256, SG_OK, NULL},
	    {"257 ASCII characters", "", "a", 257, R, "Rule name too long"},
	    {"256 two-byte letters: 512 bytes, 256 units", "", "\xc3\xa9", 256, SG_OK, NULL},
	    {"257 three-byte letters", "", "\xe4\xb8\xad", 257, R, "Rule name too long"},
	    /* A character outside the BMP counts two UTF-16 units. */
	    {"128 supplementary characters: 256 units, illegal", "", "\xf0\x9d\x92\x9c", 128, R,
	     NULL},
	    {"one letter and 128 supplementary characters: 257 units", "a", "\xf0\x9d\x92\x9c", 128,
	     R, "Rule name too long"},
	    {"a name of a million characters", "", "a", 1000000, R, "Rule name too long"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		rs = one_rule(repeat_name(names[i].first, names[i].ch, names[i].n));
		check(names[i].title, rs, names[i].code, names[i].msg);
		json_decref(rs);
	}

	/* A long illegal name: the message is truncated, not overflowed. */
	rs = one_rule(repeat_name("a b", "x", 250));
	struct sg_error e = {0};
	ruleset_validate(rs, &e);
	tap_ok(strncmp(e.msg, "Illegal character in rule name: a bxxx", 38) == 0 &&
	           strlen(e.msg) < SG_ERROR_MSG_MAX,
	       "a long illegal name is reported within the message limit");
	json_decref(rs);
}

static void test_odd_strings(void)
{
	json_t *rs;
	rs = one_rule(json_stringn("a\0b", 3));
	check("a NUL inside a name", rs, R, "Illegal character in rule name: a");
	json_decref(rs);
	rs = one_rule(json_stringn("\0", 1));
	check("a name that is one NUL", rs, R, "Illegal initial character in rule name: ");
	json_decref(rs);

	/* Malformed UTF-8 is never a letter (the registry's JSON parser never
	 * produces it; the validator must still not trust it). */
	const char *bad[] = {"a\xff",     "a\xc3",         "a\xe4\xb8",
	                     "a\xc0\xaf", "a\xed\xa0\x80", "a\xf4\x90\x80\x80",
	                     "\x80"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rs = one_rule(json_stringn_nocheck(bad[i], strlen(bad[i])));
		char title[64];
		snprintf(title, sizeof title, "malformed UTF-8 #%zu", i);
		check(title, rs, R, NULL);
		json_decref(rs);
	}
}

static void test_many(void)
{
	enum { N = 20000 };
	json_t *list = json_array();
	char name[32];
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "r%d", i);
		json_array_append_new(list, json_pack("{s:s,s:s}", "name", name, "type", "T"));
	}
	json_t *rs = json_pack("{s:O}", "domainRules", list);
	check("20000 distinct rules", rs, SG_OK, NULL);
	snprintf(name, sizeof name, "r%d", N / 2);
	json_array_append_new(list, json_pack("{s:s,s:s}", "name", name, "type", "T"));
	json_object_set_new(rs, "encodingRules",
	                    json_pack("[{s:s,s:s}]", "name", "r0", "type", "T"));
	check("a duplicate at the end of one list", rs, R,
	      "Found rule with duplicate name 'r10000'");
	json_decref(list);
	json_decref(rs);
}

/* ---- ruleset_merge() and ruleset_remove(): data tables ----
 * Each case: the inputs as JSON text ("" for NULL) and the expected result
 * ("" for NULL), compared as JSON. Rules are written {"name":..} alone:
 * the edits look at names only, and keep every other field as it is. */

struct merge_case {
	const char *title;
	const char *older, *newer, *want;
};

static const struct merge_case merges[] = {
    {"both NULL", "", "", ""},
    {"older NULL: a copy of the newer", "", "{\"domainRules\":[{\"name\":\"a\"}]}",
     "{\"domainRules\":[{\"name\":\"a\"}]}"},
    {"newer NULL: a copy of the older", "{\"migrationRules\":[{\"name\":\"m\"}]}", "",
     "{\"migrationRules\":[{\"name\":\"m\"}]}"},
    {"JSON null counts as NULL", "null", "null", ""},
    {"a copy drops empty lists", "", "{\"domainRules\":[],\"encodingRules\":[{\"name\":\"e\"}]}",
     "{\"encodingRules\":[{\"name\":\"e\"}]}"},
    {"two empty rule sets give {}", "{}", "{\"domainRules\":[]}", "{}"},
    {"same name: the newer rule replaces the older, at the end",
     "{\"domainRules\":[{\"name\":\"a\",\"expr\":\"old\"},{\"name\":\"b\"}]}",
     "{\"domainRules\":[{\"name\":\"a\",\"expr\":\"new\"}]}",
     "{\"domainRules\":[{\"name\":\"b\"},{\"name\":\"a\",\"expr\":\"new\"}]}"},
    {"lists merge separately: a name in another list replaces nothing",
     "{\"domainRules\":[{\"name\":\"a\"}]}", "{\"encodingRules\":[{\"name\":\"a\"}]}",
     "{\"domainRules\":[{\"name\":\"a\"}],\"encodingRules\":[{\"name\":\"a\"}]}"},
    {"an empty newer list keeps the older one", "{\"migrationRules\":[{\"name\":\"m\"}]}",
     "{\"migrationRules\":[]}", "{\"migrationRules\":[{\"name\":\"m\"}]}"},
    {"every list, in Confluent's key order",
     "{\"encodingRules\":[{\"name\":\"e\"}],\"domainRules\":[{\"name\":\"d\"}]}",
     "{\"migrationRules\":[{\"name\":\"m\"}],\"domainRules\":[{\"name\":\"d2\"}]}",
     "{\"migrationRules\":[{\"name\":\"m\"}],\"domainRules\":[{\"name\":\"d\"},"
     "{\"name\":\"d2\"}],\"encodingRules\":[{\"name\":\"e\"}]}"},
    {"an unnamed newer rule replaces the unnamed older ones",
     "{\"domainRules\":[{\"type\":\"x\"},{\"name\":\"a\"},{\"name\":null}]}",
     "{\"domainRules\":[{\"type\":\"y\"}]}",
     "{\"domainRules\":[{\"name\":\"a\"},{\"type\":\"y\"}]}"},
    {"names compare exactly (case matters)", "{\"domainRules\":[{\"name\":\"A\"}]}",
     "{\"domainRules\":[{\"name\":\"a\"}]}",
     "{\"domainRules\":[{\"name\":\"A\"},{\"name\":\"a\"}]}"},
};

static const struct merge_case removes[] = {
    /* older: the rule set; newer: the names */
    {"NULL rule set stays NULL", "", "[\"a\"]", ""},
    {"no names: a canonical copy", "{\"domainRules\":[{\"name\":\"a\"}],\"encodingRules\":[]}",
     "[]", "{\"domainRules\":[{\"name\":\"a\"}]}"},
    {"a name goes from every list",
     "{\"migrationRules\":[{\"name\":\"a\"},{\"name\":\"m\"}],"
     "\"domainRules\":[{\"name\":\"a\"}],\"encodingRules\":[{\"name\":\"e\"}]}",
     "[\"a\"]", "{\"migrationRules\":[{\"name\":\"m\"}],\"encodingRules\":[{\"name\":\"e\"}]}"},
    {"removing everything gives {}", "{\"domainRules\":[{\"name\":\"a\"},{\"name\":\"b\"}]}",
     "[\"b\",\"a\",\"zz\"]", "{}"},
    {"an unknown name changes nothing", "{\"domainRules\":[{\"name\":\"a\"}]}", "[\"b\"]",
     "{\"domainRules\":[{\"name\":\"a\"}]}"},
    {"null in the names removes unnamed rules",
     "{\"domainRules\":[{\"type\":\"x\"},{\"name\":\"a\"}]}", "[null]",
     "{\"domainRules\":[{\"name\":\"a\"}]}"},
    {"order of the kept rules is kept",
     "{\"domainRules\":[{\"name\":\"c\"},{\"name\":\"x\"},{\"name\":\"a\"}]}", "[\"x\"]",
     "{\"domainRules\":[{\"name\":\"c\"},{\"name\":\"a\"}]}"},
};

static json_t *load_or_null(const char *text)
{
	return *text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
}

static void check_edit(const char *what, const struct merge_case *k, json_t *got)
{
	json_t *want = load_or_null(k->want);
	int same = want ? got && json_equal(got, want) : got == NULL;
	if (!tap_ok(same, "%s: %s", what, k->title)) {
		char *g = got ? json_dumps(got, JSON_COMPACT) : NULL;
		tap_diag("got %s, want %s", g ? g : "NULL", *k->want ? k->want : "NULL");
		free(g);
	}
	json_decref(want);
}

static void test_merge_remove(void)
{
	for (size_t i = 0; i < sizeof merges / sizeof merges[0]; i++) {
		json_t *o = load_or_null(merges[i].older), *n = load_or_null(merges[i].newer);
		json_t *got = ruleset_merge(o, n);
		check_edit("merge", &merges[i], got);
		json_decref(got);
		json_decref(o);
		json_decref(n);
	}
	for (size_t i = 0; i < sizeof removes / sizeof removes[0]; i++) {
		json_t *rs = load_or_null(removes[i].older),
		       *names = load_or_null(removes[i].newer);
		json_t *got = ruleset_remove(rs, names);
		check_edit("remove", &removes[i], got);
		json_decref(got);
		json_decref(rs);
		json_decref(names);
	}
	/* The inputs are borrowed: a merge copies, it never shares. */
	json_t *o = json_loads("{\"domainRules\":[{\"name\":\"a\"}]}", 0, NULL);
	json_t *m = ruleset_merge(o, NULL);
	json_object_set_new(json_array_get(json_object_get(m, "domainRules"), 0), "name",
	                    json_string("changed"));
	tap_is_str(json_string_value(json_object_get(
	               json_array_get(json_object_get(o, "domainRules"), 0), "name")),
	           "a", "merge: the result shares nothing with its inputs");
	json_decref(m);
	json_decref(o);
}

int main(void)
{
	tap_is_int(error_http_status(SG_EINVALID_RULESET), 422, "SG_EINVALID_RULESET is HTTP 422");
	tap_is_int(error_confluent_code(SG_EINVALID_RULESET), 42210, "with error_code 42210");
	tap_is_int(error_from_confluent(42210, 422), SG_EINVALID_RULESET, "and back");
	test_table();
	test_lengths();
	test_odd_strings();
	test_many();
	test_merge_remove();
	return tap_done();
}
