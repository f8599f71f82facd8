/* registry/entity.c: Confluent's metadata, rule set and config entities. */
#include "registry/entity.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compat/ruleset.h"

static int entity_wrong(const char *what, const char *want, const json_t *v, struct sg_error *err)
{
	const char *got = "a value";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		got = "an object";
		break;
	case JSON_ARRAY:
		got = "an array";
		break;
	case JSON_STRING:
		got = "a string";
		break;
	case JSON_INTEGER:
		got = "an integer";
		break;
	case JSON_REAL:
		got = "a number";
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		got = "a boolean";
		break;
	case JSON_NULL:
		got = "null";
		break;
	}
	return error_set(err, SG_EBAD_REQUEST, "Field '%s' must be %s, not %s", what, want, got);
}

static int entity_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A sorted array of the distinct strings in `in` (an array of strings). */
static int entity_string_set(const json_t *in, const char *what, json_t **out, struct sg_error *err)
{
	*out = NULL;
	if (!json_is_array(in))
		return entity_wrong(what, "an array of strings", in, err);
	size_t n = json_array_size(in);
	const char **v = n ? calloc(n, sizeof *v) : NULL;
	if (n && !v)
		return error_set(err, SG_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(in, i);
		if (!json_is_string(e)) {
			free(v);
			return entity_wrong(what, "an array of strings", in, err);
		}
		v[i] = json_string_value(e);
	}
	qsort(v, n, sizeof *v, entity_cmp);
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			json_array_append_new(a, json_string(v[i]));
	free(v);
	if (!a)
		return error_set(err, SG_ENOMEM, "out of memory");
	*out = a;
	return 0;
}

/* A copy of object `in` with its keys sorted, each value checked by `fn`. */
static int entity_sorted_map(const json_t *in, const char *what,
                             int (*fn)(const json_t *v, const char *what, json_t **out,
                                       struct sg_error *err),
                             json_t **out, struct sg_error *err)
{
	*out = NULL;
	if (!json_is_object(in))
		return entity_wrong(what, "an object", in, err);
	size_t n = json_object_size(in);
	const char **keys = n ? calloc(n, sizeof *keys) : NULL;
	if (n && !keys)
		return error_set(err, SG_ENOMEM, "out of memory");
	size_t k = 0;
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)in, key, val) keys[k++] = key;
	qsort(keys, k, sizeof *keys, entity_cmp);
	json_t *o = json_object();
	if (!o) {
		free(keys);
		return error_set(err, SG_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < k; i++) {
		json_t *v = NULL;
		if (fn(json_object_get(in, keys[i]), what, &v, err) < 0) {
			free(keys);
			json_decref(o);
			return -1;
		}
		json_object_set_new(o, keys[i], v);
	}
	free(keys);
	*out = o;
	return 0;
}

static int entity_string_value(const json_t *v, const char *what, json_t **out,
                               struct sg_error *err)
{
	if (!json_is_string(v))
		return entity_wrong(what, "an object of strings", v, err);
	*out = json_incref((json_t *)v);
	return 0;
}

/* Sets `key` in `o` to `v` (stolen) unless `v` is NULL or empty. */
static void entity_set_nonempty(json_t *o, const char *key, json_t *v)
{
	if (!v)
		return;
	if ((json_is_object(v) && json_object_size(v) == 0) ||
	    (json_is_array(v) && json_array_size(v) == 0) ||
	    (json_is_string(v) && json_string_length(v) == 0)) {
		json_decref(v);
		return;
	}
	json_object_set_new(o, key, v);
}

int entity_metadata(const json_t *in, const char *what, json_t **out, struct sg_error *err)
{
	*out = NULL;
	if (!in || json_is_null(in))
		return 0;
	if (!json_is_object(in))
		return entity_wrong(what, "an object", in, err);
	json_t *tags = NULL, *props = NULL, *sens = NULL;
	const json_t *v;
	if ((v = json_object_get(in, "tags")) && !json_is_null(v) &&
	    entity_sorted_map(v, "tags", entity_string_set, &tags, err) < 0)
		goto fail;
	if ((v = json_object_get(in, "properties")) && !json_is_null(v) &&
	    entity_sorted_map(v, "properties", entity_string_value, &props, err) < 0)
		goto fail;
	if ((v = json_object_get(in, "sensitive")) && !json_is_null(v) &&
	    entity_string_set(v, "sensitive", &sens, err) < 0)
		goto fail;
	json_t *m = json_object();
	if (!m)
		goto oom;
	entity_set_nonempty(m, "tags", tags);
	entity_set_nonempty(m, "properties", props);
	entity_set_nonempty(m, "sensitive", sens);
	*out = m;
	return 0;
oom:
	error_set(err, SG_ENOMEM, "out of memory");
fail:
	json_decref(tags);
	json_decref(props);
	json_decref(sens);
	return -1;
}

/* A rule's enum field (compat/ruleset.h's ruleset_enum()), copied to `o`. */
static int entity_enum(const json_t *v, const char *what, json_t *o, struct sg_error *err)
{
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return entity_wrong(what, "a string", v, err);
	if (ruleset_enum(what, json_string_value(v), err) < 0)
		return -1;
	json_object_set(o, what, (json_t *)v);
	return 0;
}

static int entity_opt_string(const json_t *in, const char *key, json_t *o, struct sg_error *err)
{
	const json_t *v = json_object_get(in, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return entity_wrong(key, "a string", v, err);
	entity_set_nonempty(o, key, json_incref((json_t *)v));
	return 0;
}

/* One rule, in the order Confluent's Rule class writes its fields. */
static int entity_rule(const json_t *in, const char *what, json_t **out, struct sg_error *err)
{
	*out = NULL;
	if (!json_is_object(in))
		return entity_wrong(what, "an array of rule objects", in, err);
	json_t *r = json_object();
	if (!r)
		return error_set(err, SG_ENOMEM, "out of memory");
	json_t *tags = NULL, *params = NULL;
	const json_t *v;
	if (entity_opt_string(in, "name", r, err) < 0 || entity_opt_string(in, "doc", r, err) < 0 ||
	    entity_enum(json_object_get(in, "kind"), "kind", r, err) < 0 ||
	    entity_enum(json_object_get(in, "mode"), "mode", r, err) < 0 ||
	    entity_opt_string(in, "type", r, err) < 0)
		goto fail;
	if ((v = json_object_get(in, "tags")) && !json_is_null(v)) {
		if (entity_string_set(v, "tags", &tags, err) < 0)
			goto fail;
		entity_set_nonempty(r, "tags", tags);
	}
	if ((v = json_object_get(in, "params")) && !json_is_null(v)) {
		if (entity_sorted_map(v, "params", entity_string_value, &params, err) < 0)
			goto fail;
		entity_set_nonempty(r, "params", params);
	}
	if (entity_opt_string(in, "expr", r, err) < 0 ||
	    entity_opt_string(in, "onSuccess", r, err) < 0 ||
	    entity_opt_string(in, "onFailure", r, err) < 0)
		goto fail;
	v = json_object_get(in, "disabled");
	if (v && !json_is_null(v) && !json_is_boolean(v)) {
		entity_wrong("disabled", "a boolean", v, err);
		goto fail;
	}
	json_object_set_new(r, "disabled", json_boolean(v && json_is_true(v)));
	*out = r;
	return 0;
fail:
	json_decref(r);
	return -1;
}

static const char *const entity_rule_lists[] = {"migrationRules", "domainRules", "encodingRules",
                                                NULL};

int entity_ruleset(const json_t *in, const char *what, json_t **out, struct sg_error *err)
{
	*out = NULL;
	if (!in || json_is_null(in))
		return 0;
	if (!json_is_object(in))
		return entity_wrong(what, "an object", in, err);
	json_t *rs = json_object();
	if (!rs)
		return error_set(err, SG_ENOMEM, "out of memory");
	for (size_t l = 0; entity_rule_lists[l]; l++) {
		const json_t *list = json_object_get(in, entity_rule_lists[l]);
		if (!list || json_is_null(list))
			continue;
		if (!json_is_array(list)) {
			entity_wrong(entity_rule_lists[l], "an array", list, err);
			json_decref(rs);
			return -1;
		}
		json_t *a = json_array();
		for (size_t i = 0; a && i < json_array_size(list); i++) {
			json_t *rule = NULL;
			if (entity_rule(json_array_get(list, i), entity_rule_lists[l], &rule, err) <
			    0) {
				json_decref(a);
				json_decref(rs);
				return -1;
			}
			json_array_append_new(a, rule);
		}
		entity_set_nonempty(rs, entity_rule_lists[l], a);
	}
	*out = rs;
	return 0;
}

/* A new object with the keys of `o` in sorted order (values shared). */
static json_t *entity_sort_keys(const json_t *o)
{
	size_t n = json_object_size(o);
	const char **keys = n ? calloc(n, sizeof *keys) : NULL;
	json_t *out = json_object();
	if ((n && !keys) || !out) {
		free(keys);
		json_decref(out);
		return NULL;
	}
	size_t k = 0;
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)o, key, val) keys[k++] = key;
	qsort(keys, k, sizeof *keys, entity_cmp);
	for (size_t i = 0; i < k; i++)
		json_object_set(out, keys[i], json_object_get(o, keys[i]));
	free(keys);
	return out;
}

/* Confluent's map merge: newer keys replace older ones; sorted result. */
static json_t *entity_merge_map(const json_t *older, const json_t *newer)
{
	if (!older || json_object_size(older) == 0)
		return newer ? json_deep_copy(newer) : NULL;
	if (!newer || json_object_size(newer) == 0)
		return json_deep_copy(older);
	json_t *m = json_deep_copy(older);
	if (!m)
		return NULL;
	json_object_update(m, (json_t *)newer);
	json_t *sorted = entity_sort_keys(m);
	json_decref(m);
	return sorted;
}

/* Confluent's set merge: the sorted union. */
static json_t *entity_merge_set(const json_t *older, const json_t *newer)
{
	if (!older || json_array_size(older) == 0)
		return newer ? json_deep_copy(newer) : NULL;
	if (!newer || json_array_size(newer) == 0)
		return json_deep_copy(older);
	json_t *all = json_deep_copy(older);
	if (!all)
		return NULL;
	json_array_extend(all, (json_t *)newer);
	json_t *set = NULL;
	struct sg_error ignored = {0};
	entity_string_set(all, "set", &set, &ignored);
	json_decref(all);
	return set;
}

json_t *entity_metadata_merge(const json_t *older, const json_t *newer)
{
	if (!older)
		return newer ? json_deep_copy(newer) : NULL;
	if (!newer)
		return json_deep_copy(older);
	json_t *m = json_object();
	if (!m)
		return NULL;
	entity_set_nonempty(
	    m, "tags",
	    entity_merge_map(json_object_get(older, "tags"), json_object_get(newer, "tags")));
	entity_set_nonempty(m, "properties",
	                    entity_merge_map(json_object_get(older, "properties"),
	                                     json_object_get(newer, "properties")));
	entity_set_nonempty(m, "sensitive",
	                    entity_merge_set(json_object_get(older, "sensitive"),
	                                     json_object_get(newer, "sensitive")));
	return m;
}

/* Confluent's RuleSet.mergeRuleSets lives in compat/ruleset, with the other
 * edits of a rule set. */
json_t *entity_ruleset_merge(const json_t *older, const json_t *newer)
{
	return ruleset_merge(older, newer);
}

const char *entity_metadata_property(const json_t *meta, const char *key)
{
	return json_string_value(json_object_get(json_object_get(meta, "properties"), key));
}

json_t *entity_metadata_with_property(const json_t *meta, const char *key, const char *value)
{
	json_t *props = json_object();
	if (!props)
		return NULL;
	json_object_set_new(props, key, json_string(value));
	json_t *add = json_object();
	if (!add) {
		json_decref(props);
		return NULL;
	}
	json_object_set_new(add, "properties", props);
	json_t *m = entity_metadata_merge(meta, add);
	json_decref(add);
	return m;
}

/* ---- Config ---- */

/* Fields of a config, in the order Confluent writes them: the request's name
 * (ConfigUpdateRequest) and the stored one (Config) differ only for the
 * level. */
enum entity_kind { ENTITY_STRING, ENTITY_BOOL, ENTITY_LEVEL, ENTITY_METADATA, ENTITY_RULESET };
static const struct {
	const char *request, *stored;
	enum entity_kind kind;
} entity_config_fields[] = {
    {"alias", "alias", ENTITY_STRING},
    {"normalize", "normalize", ENTITY_BOOL},
    {"validateFields", "validateFields", ENTITY_BOOL},
    {"validateRules", "validateRules", ENTITY_BOOL},
    {"compatibility", "compatibilityLevel", ENTITY_LEVEL},
    {"compatibilityGroup", "compatibilityGroup", ENTITY_STRING},
    {"defaultMetadata", "defaultMetadata", ENTITY_METADATA},
    {"overrideMetadata", "overrideMetadata", ENTITY_METADATA},
    {"defaultRuleSet", "defaultRuleSet", ENTITY_RULESET},
    {"overrideRuleSet", "overrideRuleSet", ENTITY_RULESET},
    {"compatibilityPolicy", "compatibilityPolicy", ENTITY_STRING},
};
#define ENTITY_CONFIG_FIELDS (sizeof entity_config_fields / sizeof entity_config_fields[0])

int entity_config_request(const json_t *req, json_t **stored, struct sg_error *err)
{
	*stored = NULL;
	if (!json_is_object(req))
		return error_set(err, SG_EBAD_REQUEST, "The request body must be a JSON object");
	json_t *st = json_object();
	if (!st)
		goto oom;
	/* Confluent validates the level before anything else it checks. */
	const json_t *lv = json_object_get(req, "compatibility");
	if (lv && !json_is_null(lv)) {
		if (!json_is_string(lv)) {
			entity_wrong("compatibility", "a string", lv, err);
			goto fail;
		}
		char up[32];
		size_t n = json_string_length(lv);
		enum level level;
		const char *s = json_string_value(lv);
		int ok = n < sizeof up;
		for (size_t i = 0; ok && i <= n; i++)
			up[i] = (char)toupper((unsigned char)s[i]);
		if (!ok || level_parse(up, &level) < 0) {
			error_set(err, SG_EINVALID_COMPAT_LEVEL,
			          "Invalid compatibility level. Valid values are none, backward, "
			          "forward, full, backward_transitive, forward_transitive, and "
			          "full_transitive");
			goto fail;
		}
	}
	for (size_t i = 0; i < ENTITY_CONFIG_FIELDS; i++) {
		const char *rk = entity_config_fields[i].request;
		const char *sk = entity_config_fields[i].stored;
		const json_t *v = json_object_get(req, rk);
		if (!v)
			continue;
		if (json_is_null(v)) { /* Confluent: an explicit null clears the field */
			json_object_set_new(st, sk, json_null());
			continue;
		}
		json_t *canon = NULL;
		switch (entity_config_fields[i].kind) {
		case ENTITY_STRING:
			if (!json_is_string(v)) {
				entity_wrong(rk, "a string", v, err);
				goto fail;
			}
			canon = json_incref((json_t *)v);
			break;
		case ENTITY_BOOL:
			if (!json_is_boolean(v)) {
				entity_wrong(rk, "a boolean", v, err);
				goto fail;
			}
			canon = json_incref((json_t *)v);
			break;
		case ENTITY_LEVEL: {
			enum level level = LEVEL_BACKWARD;
			char up[32];
			const char *s = json_string_value(v);
			size_t n = strlen(s);
			for (size_t k = 0; k <= n && k < sizeof up; k++)
				up[k] = (char)toupper((unsigned char)s[k]);
			level_parse(up, &level);
			json_object_set_new(st, sk, json_string(level_name(level)));
			continue;
		}
		case ENTITY_METADATA:
			if (entity_metadata(v, rk, &canon, err) < 0)
				goto fail;
			break;
		case ENTITY_RULESET:
			if (entity_ruleset(v, rk, &canon, err) < 0)
				goto fail;
			break;
		}
		json_object_set_new(st, sk, canon);
	}
	*stored = st;
	return 0;
oom:
	error_set(err, SG_ENOMEM, "out of memory");
fail:
	json_decref(st);
	return -1;
}

json_t *entity_config_merge(const json_t *older, const json_t *newer)
{
	if (!older && !newer)
		return NULL;
	json_t *out = json_object();
	if (!out)
		return NULL;
	for (size_t i = 0; i < ENTITY_CONFIG_FIELDS; i++) {
		const char *k = entity_config_fields[i].stored;
		json_t *v = newer ? json_object_get(newer, k) : NULL;
		if (!v && older)
			v = json_object_get(older, k);
		if (v && !json_is_null(v) && json_object_set(out, k, v) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

json_t *entity_config_update_view(const json_t *config)
{
	json_t *out = json_object();
	for (size_t i = 0; out && config && i < ENTITY_CONFIG_FIELDS; i++) {
		json_t *v = json_object_get(config, entity_config_fields[i].stored);
		if (v && !json_is_null(v) &&
		    json_object_set(out, entity_config_fields[i].request, v) < 0) {
			json_decref(out);
			out = NULL;
		}
	}
	return out;
}

enum level entity_config_level(const json_t *config, enum level dflt)
{
	enum level l;
	const char *s = json_string_value(json_object_get(config, "compatibilityLevel"));
	if (s && level_parse(s, &l) == 0)
		return l;
	return dflt;
}

int entity_config_has_defaults(const json_t *config)
{
	return json_object_get(config, "defaultMetadata") ||
	       json_object_get(config, "overrideMetadata") ||
	       json_object_get(config, "defaultRuleSet") ||
	       json_object_get(config, "overrideRuleSet");
}
