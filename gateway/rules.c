/* gateway/rules.c: the rules file (see rules.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "gateway/rules.h"

#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <pcre2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Match limits for topic regexes: a topic name is at most 249 bytes, so a
 * sane pattern needs far less; a pathological one stops instead of spinning. */
#define RULES_MATCH_LIMIT 100000
#define RULES_DEPTH_LIMIT 1000

struct rules_exact {
	char *topic;
	struct rules_rule rule;
};

struct rules_regex {
	pcre2_code *code;
	struct rules_rule rule;
};

struct rules {
	atomic_uint refs;
	char *origin;
	struct rules_rule def;
	struct rules_exact *exact; /* sorted by topic */
	size_t nexact;
	struct rules_regex *regex; /* in file order */
	size_t nregex;
	pcre2_match_context *mctx;
	/* Every string the rules point to (names, dead-letter topics). */
	char **strings;
	size_t nstrings, capstrings;
};

static const struct rules_rule rules_builtin = {
    .name = "default",
    .mode = RULES_ENFORCE,
    .parts = RULES_PART_VALUE,
    .formats = RULES_FORMAT_ALL,
    .strategy = RULES_TOPIC_NAME,
    .require_schema = 0,
    .allow_tombstones = 1,
    .dead_letter_topic = NULL,
    .fail_open = 0,
    .context = NULL,
    .subject_prefix = "",
};

const char *rules_mode_name(enum rules_mode m)
{
	switch (m) {
	case RULES_OFF:
		return "off";
	case RULES_SHADOW:
		return "shadow";
	case RULES_ENFORCE:
		return "enforce";
	}
	return "?";
}

const char *rules_strategy_name(enum rules_strategy s)
{
	switch (s) {
	case RULES_TOPIC_NAME:
		return "TopicNameStrategy";
	case RULES_RECORD_NAME:
		return "RecordNameStrategy";
	case RULES_TOPIC_RECORD_NAME:
		return "TopicRecordNameStrategy";
	}
	return "?";
}

static struct rules *rules_alloc(const char *origin)
{
	struct rules *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	atomic_init(&r->refs, 1);
	r->def = rules_builtin;
	r->origin = strdup(origin ? origin : "built-in");
	r->mctx = pcre2_match_context_create(NULL);
	if (!r->origin || !r->mctx) {
		free(r->origin);
		pcre2_match_context_free(r->mctx);
		free(r);
		return NULL;
	}
	pcre2_set_match_limit(r->mctx, RULES_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, RULES_DEPTH_LIMIT);
	return r;
}

static void rules_free(struct rules *r)
{
	for (size_t i = 0; i < r->nregex; i++)
		pcre2_code_free(r->regex[i].code);
	for (size_t i = 0; i < r->nstrings; i++)
		free(r->strings[i]);
	free(r->strings);
	free(r->exact);
	free(r->regex);
	pcre2_match_context_free(r->mctx);
	free(r->origin);
	free(r);
}

struct rules *rules_new_default(void)
{
	return rules_alloc(NULL);
}

struct rules *rules_ref(struct rules *r)
{
	if (r)
		atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
	return r;
}

void rules_unref(struct rules *r)
{
	if (r && atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1)
		rules_free(r);
}

const char *rules_origin(const struct rules *r)
{
	return r->origin;
}

size_t rules_count(const struct rules *r)
{
	return r->nexact + r->nregex;
}

/* Keeps `s` (malloc'd) with the rules; returns it, or NULL (freeing it) when
 * out of memory. */
static char *rules_keep(struct rules *r, char *s)
{
	if (!s)
		return NULL;
	if (r->nstrings == r->capstrings) {
		size_t cap = r->capstrings ? r->capstrings * 2 : 16;
		char **n = realloc(r->strings, cap * sizeof *n);
		if (!n) {
			free(s);
			return NULL;
		}
		r->strings = n;
		r->capstrings = cap;
	}
	r->strings[r->nstrings++] = s;
	return s;
}

/* Keeps "<prefix><arg>" with the rules. */
static char *rules_concat(struct rules *r, const char *prefix, const char *arg)
{
	size_t a = strlen(prefix), b = strlen(arg);
	char *s = malloc(a + b + 1);
	if (!s)
		return NULL;
	memcpy(s, prefix, a);
	memcpy(s + a, arg, b + 1);
	return rules_keep(r, s);
}

/* Kafka's rule for topic names: 1..249 of [a-zA-Z0-9._-], not "." or "..". */
static int rules_topic_valid(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > RULES_TOPIC_MAX || strcmp(t, ".") == 0 || strcmp(t, "..") == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Context for error messages: "<origin>: <where>: ". */
struct rules_ctx {
	struct rules *r;
	const char *origin;
	struct sg_error *err;
};

__attribute__((format(printf, 3, 4))) static int rules_fail(struct rules_ctx *c, const char *where,
                                                            const char *fmt, ...)
{
	char msg[SG_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return error_set(c->err, SG_EBAD_REQUEST, "%s: %s: %s", c->origin, where, msg);
}

static int rules_nomem(struct rules_ctx *c)
{
	return error_set(c->err, SG_ENOMEM, "%s: out of memory", c->origin);
}

static int rules_bool(struct rules_ctx *c, const char *where, json_t *v, int *out)
{
	if (!json_is_boolean(v))
		return rules_fail(c, where, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

/* Matches string `v` against `names` (n of them) into *out; the error lists
 * the first `nshow` choices. */
static int rules_choice(struct rules_ctx *c, const char *where, json_t *v, const char *const *names,
                        size_t n, size_t nshow, int *out)
{
	if (json_is_string(v)) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(json_string_value(v), names[i]) == 0) {
				*out = (int)i;
				return 0;
			}
		}
	}
	char list[256] = "";
	size_t at = 0;
	for (size_t i = 0; i < nshow && at < sizeof list; i++)
		at += (size_t)snprintf(list + at, sizeof list - at, "%s\"%s\"", i ? ", " : "",
		                       names[i]);
	if (json_is_string(v))
		return rules_fail(c, where, "\"%.100s\" is not one of %s", json_string_value(v),
		                  list);
	return rules_fail(c, where, "must be one of %s", list);
}

static const char *const rules_mode_names[] = {"off", "shadow", "enforce"};
static const char *const rules_parts_names[] = {"value", "key", "both"};
static const unsigned rules_parts_bits[] = {RULES_PART_VALUE, RULES_PART_KEY,
                                            RULES_PART_VALUE | RULES_PART_KEY};
/* Indexed by bit: RULES_FORMAT_AVRO is 1u << 0, ... */
static const char *const rules_format_names[] = {"confluent-avro", "confluent-json", "plain-json",
                                                 "confluent-protobuf"};
static const char *const rules_strategy_names[] = {
    "TopicNameStrategy",
    "RecordNameStrategy",
    "TopicRecordNameStrategy",
    "io.confluent.kafka.serializers.subject.TopicNameStrategy",
    "io.confluent.kafka.serializers.subject.RecordNameStrategy",
    "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"};

/* The "context" setting: ".ctx", "ctx" or ":.ctx:" is the context ".ctx"
 * (Confluent's ContextFilter accepts the three); "." (or ":.:"), "" and null
 * the default context. A name is 1 to RULES_CONTEXT_MAX bytes without a
 * colon or a control character. 0, or -1 (reported). */
static int rules_context(struct rules_ctx *c, const char *where, json_t *v, struct rules_rule *rule)
{
	rule->context = NULL;
	rule->subject_prefix = "";
	if (json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return rules_fail(c, where, "must be a context name (\".orders\") or null");
	const char *given = json_string_value(v);
	size_t n = strlen(given);
	if (n >= 2 && given[0] == ':' && given[n - 1] == ':') {
		given++;
		n -= 2;
	}
	if (n && given[0] == '.') {
		given++;
		n--;
	}
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (given[i] == ':' || (unsigned char)given[i] < 0x20 || given[i] == 0x7f)
			return rules_fail(c, where,
			                  "a context name has no colon and no control character");
	if (n + 1 > RULES_CONTEXT_MAX)
		return rules_fail(c, where, "a context name is at most %d bytes",
		                  RULES_CONTEXT_MAX);
	char *name = rules_keep(c->r, malloc(n + 2));
	char *prefix = name ? rules_keep(c->r, malloc(n + 4)) : NULL;
	if (!prefix)
		return rules_nomem(c);
	snprintf(name, n + 2, ".%.*s", (int)n, given);
	snprintf(prefix, n + 4, ":%s:", name);
	rule->context = name;
	rule->subject_prefix = prefix;
	return 0;
}

/* Applies the settings of object `o` over `rule`. `path` is "default" or
 * "rules[N]"; `selector` is 1 when "topic"/"topic_regex" may appear (they are
 * read by the caller). */
static int rules_settings(struct rules_ctx *c, const char *path, json_t *o, int selector,
                          struct rules_rule *rule)
{
	const char *key;
	json_t *v;
	char where[64];
	json_object_foreach(o, key, v)
	{
		snprintf(where, sizeof where, "%s.%.40s", path, key);
		int choice = 0;
		if (strcmp(key, "mode") == 0) {
			if (rules_choice(c, where, v, rules_mode_names, 3, 3, &choice))
				return -1;
			rule->mode = (enum rules_mode)choice;
		} else if (strcmp(key, "parts") == 0) {
			if (rules_choice(c, where, v, rules_parts_names, 3, 3, &choice))
				return -1;
			rule->parts = rules_parts_bits[choice];
		} else if (strcmp(key, "formats") == 0) {
			if (!json_is_array(v) || json_array_size(v) == 0)
				return rules_fail(c, where, "must be a non-empty array of formats");
			unsigned bits = 0;
			size_t i;
			json_t *f;
			json_array_foreach(v, i, f)
			{
				char w2[96];
				snprintf(w2, sizeof w2, "%s[%zu]", where, i);
				if (rules_choice(c, w2, f, rules_format_names, 4, 4, &choice))
					return -1;
				if (bits & (1u << choice))
					return rules_fail(c, w2, "\"%s\" is listed twice",
					                  rules_format_names[choice]);
				bits |= 1u << choice;
			}
			rule->formats = bits;
		} else if (strcmp(key, "subject_strategy") == 0) {
			if (rules_choice(c, where, v, rules_strategy_names, 6, 3, &choice))
				return -1;
			rule->strategy = (enum rules_strategy)(choice % 3);
		} else if (strcmp(key, "require_schema") == 0) {
			if (rules_bool(c, where, v, &rule->require_schema))
				return -1;
		} else if (strcmp(key, "allow_tombstones") == 0) {
			if (rules_bool(c, where, v, &rule->allow_tombstones))
				return -1;
		} else if (strcmp(key, "fail_open") == 0) {
			if (rules_bool(c, where, v, &rule->fail_open))
				return -1;
		} else if (strcmp(key, "reject_unknown_fields") == 0) {
			if (rules_bool(c, where, v, &rule->reject_unknown_fields))
				return -1;
		} else if (strcmp(key, "dead_letter_topic") == 0) {
			if (json_is_null(v)) {
				rule->dead_letter_topic = NULL;
				continue;
			}
			if (!json_is_string(v) || !rules_topic_valid(json_string_value(v)))
				return rules_fail(c, where,
				                  "must be a Kafka topic name (1 to 249 of a-z A-Z "
				                  "0-9 . _ -) or null");
			rule->dead_letter_topic = rules_keep(c->r, strdup(json_string_value(v)));
			if (!rule->dead_letter_topic)
				return rules_nomem(c);
		} else if (strcmp(key, "context") == 0) {
			if (rules_context(c, where, v, rule) < 0)
				return -1;
		} else if (strcmp(key, "comment") == 0) {
			if (!json_is_string(v))
				return rules_fail(c, where, "must be a string");
		} else if (selector &&
		           (strcmp(key, "topic") == 0 || strcmp(key, "topic_regex") == 0)) {
			continue;
		} else if (!selector &&
		           (strcmp(key, "topic") == 0 || strcmp(key, "topic_regex") == 0)) {
			return rules_fail(c, where,
			                  "the default rule applies to every topic; "
			                  "put topic rules in \"rules\"");
		} else {
			return rules_fail(c, where,
			                  "unknown setting (known: mode, parts, formats, "
			                  "subject_strategy, require_schema, allow_tombstones, "
			                  "dead_letter_topic, fail_open, reject_unknown_fields, "
			                  "context, comment%s)",
			                  selector ? ", topic, topic_regex" : "");
		}
	}
	if ((rule->formats & RULES_FORMAT_PLAIN_JSON) && rule->strategy != RULES_TOPIC_NAME)
		return rules_fail(c, path,
		                  "\"plain-json\" needs subject_strategy TopicNameStrategy (a "
		                  "plain JSON record carries no schema id to name its subject)");
	return 0;
}

static int rules_exact_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rules_exact *)a)->topic,
	              ((const struct rules_exact *)b)->topic);
}

static int rules_rule_item(struct rules_ctx *c, size_t i, json_t *o)
{
	struct rules *r = c->r;
	char path[32];
	snprintf(path, sizeof path, "rules[%zu]", i);
	if (!json_is_object(o))
		return rules_fail(c, path, "must be an object");
	json_t *topic = json_object_get(o, "topic");
	json_t *regex = json_object_get(o, "topic_regex");
	if ((topic != NULL) == (regex != NULL))
		return rules_fail(c, path, "needs exactly one of \"topic\" and \"topic_regex\"");
	struct rules_rule rule = r->def;
	if (rules_settings(c, path, o, 1, &rule))
		return -1;
	if (topic) {
		char where[48];
		snprintf(where, sizeof where, "%s.topic", path);
		if (!json_is_string(topic) || !rules_topic_valid(json_string_value(topic)))
			return rules_fail(
			    c, where, "must be a Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -)");
		const char *t = json_string_value(topic);
		for (size_t k = 0; k < r->nexact; k++)
			if (strcmp(r->exact[k].topic, t) == 0)
				return rules_fail(c, where, "topic \"%s\" already has a rule", t);
		char *name = rules_concat(r, "topic ", t);
		char *copy = rules_keep(r, strdup(t));
		if (!name || !copy)
			return rules_nomem(c);
		rule.name = name;
		r->exact[r->nexact].topic = copy;
		r->exact[r->nexact].rule = rule;
		r->nexact++;
		return 0;
	}
	char where[48];
	snprintf(where, sizeof where, "%s.topic_regex", path);
	if (!json_is_string(regex) || json_string_length(regex) == 0)
		return rules_fail(c, where, "must be a non-empty string");
	const char *pat = json_string_value(regex);
	if (strlen(pat) != json_string_length(regex))
		return rules_fail(c, where, "must not contain NUL");
	int code;
	PCRE2_SIZE off;
	pcre2_code *re =
	    pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	                  PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C,
	                  &code, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(code, msg, sizeof msg);
		return rules_fail(c, where, "bad regex at offset %zu: %s", (size_t)off,
		                  (char *)msg);
	}
	char *name = rules_concat(r, "topic_regex ", pat);
	if (!name) {
		pcre2_code_free(re);
		return rules_nomem(c);
	}
	rule.name = name;
	r->regex[r->nregex].code = re;
	r->regex[r->nregex].rule = rule;
	r->nregex++;
	return 0;
}

struct rules *rules_parse(const char *text, size_t len, const char *origin, struct sg_error *err)
{
	if (!origin)
		origin = "rules";
	if (len > RULES_FILE_MAX) {
		error_set(err, SG_ELIMIT, "%s: larger than %u bytes", origin, RULES_FILE_MAX);
		return NULL;
	}
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		error_set(err, SG_EBAD_REQUEST, "%s:%d:%d: %s", origin, je.line, je.column,
		          je.text);
		return NULL;
	}
	struct rules *r = rules_alloc(origin);
	struct rules_ctx c = {r, origin, err};
	if (!r) {
		error_set(err, SG_ENOMEM, "%s: out of memory", origin);
		json_decref(root);
		return NULL;
	}
	if (!json_is_object(root)) {
		rules_fail(&c, "top level", "must be an object with \"default\" and/or \"rules\"");
		goto fail;
	}
	const char *key;
	json_t *v;
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "default") != 0 && strcmp(key, "rules") != 0) {
			rules_fail(&c, key, "unknown member (known: default, rules)");
			goto fail;
		}
	}
	json_t *def = json_object_get(root, "default");
	if (def) {
		if (!json_is_object(def)) {
			rules_fail(&c, "default", "must be an object");
			goto fail;
		}
		if (rules_settings(&c, "default", def, 0, &r->def))
			goto fail;
	}
	json_t *list = json_object_get(root, "rules");
	if (list) {
		if (!json_is_array(list)) {
			rules_fail(&c, "rules", "must be an array");
			goto fail;
		}
		size_t n = json_array_size(list);
		if (n > RULES_MAX) {
			error_set(err, SG_ELIMIT, "%s: rules: more than %u rules", origin,
			          RULES_MAX);
			goto fail;
		}
		r->exact = calloc(n ? n : 1, sizeof *r->exact);
		r->regex = calloc(n ? n : 1, sizeof *r->regex);
		if (!r->exact || !r->regex) {
			rules_nomem(&c);
			goto fail;
		}
		for (size_t i = 0; i < n; i++)
			if (rules_rule_item(&c, i, json_array_get(list, i)))
				goto fail;
		qsort(r->exact, r->nexact, sizeof *r->exact, rules_exact_cmp);
	}
	json_decref(root);
	return r;
fail:
	json_decref(root);
	rules_free(r);
	return NULL;
}

struct rules *rules_load(const char *path, struct sg_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		error_set(err, SG_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(RULES_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		error_set(err, SG_ENOMEM, "%s: out of memory", path);
		return NULL;
	}
	size_t n = fread(buf, 1, RULES_FILE_MAX + 1, f);
	int bad = ferror(f);
	fclose(f);
	struct rules *r = NULL;
	if (bad)
		error_set(err, SG_EIO, "%s: read error", path);
	else
		r = rules_parse(buf, n, path, err);
	free(buf);
	return r;
}

const struct rules_rule *rules_match(const struct rules *r, const char *topic)
{
	size_t lo = 0, hi = r->nexact;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(topic, r->exact[mid].topic);
		if (c == 0)
			return &r->exact[mid].rule;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (r->nregex) {
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);
		if (md) {
			for (size_t i = 0; i < r->nregex; i++) {
				int rc = pcre2_match(r->regex[i].code, (PCRE2_SPTR)topic,
				                     strlen(topic), 0, 0, md, r->mctx);
				if (rc >= 0) {
					pcre2_match_data_free(md);
					return &r->regex[i].rule;
				}
			}
			pcre2_match_data_free(md);
		}
	}
	return &r->def;
}

int rules_describe(const struct rules_rule *rule, char *out, size_t cap)
{
	char formats[96] = "";
	size_t at = 0;
	for (unsigned i = 0; i < 4; i++)
		if (rule->formats & (1u << i))
			at += (size_t)snprintf(formats + at, sizeof formats - at, "%s%s",
			                       at ? "," : "", rules_format_names[i]);
	const char *parts = rule->parts == (RULES_PART_VALUE | RULES_PART_KEY) ? "both"
	                    : rule->parts == RULES_PART_KEY                    ? "key"
	                                                                       : "value";
	return snprintf(out, cap,
	                "%s: mode=%s parts=%s formats=%s strategy=%s require_schema=%s "
	                "allow_tombstones=%s dead_letter_topic=%s fail_open=%s%s%s%s",
	                rule->name, rules_mode_name(rule->mode), parts, formats,
	                rules_strategy_name(rule->strategy),
	                rule->require_schema ? "true" : "false",
	                rule->allow_tombstones ? "true" : "false",
	                rule->dead_letter_topic ? rule->dead_letter_topic : "-",
	                rule->fail_open ? "true" : "false",
	                rule->reject_unknown_fields ? " reject_unknown_fields=true" : "",
	                rule->context ? " context=" : "", rule->context ? rule->context : "");
}
