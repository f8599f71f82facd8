/* registry/guid.c: Confluent's schema GUID; see guid.h for the contract. */
#include "registry/guid.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

/* Feeds a JSON string's UTF-8 bytes, when `v` is one. */
static void guid_str(EVP_MD_CTX *md, const json_t *v)
{
	if (json_is_string(v))
		EVP_DigestUpdate(md, json_string_value(v), json_string_length(v));
}

static void guid_byte(EVP_MD_CTX *md, uint8_t b)
{
	EVP_DigestUpdate(md, &b, 1);
}

/* A map of strings (properties, params): key then value, in stored order. */
static void guid_map(EVP_MD_CTX *md, const json_t *m)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)m, k, v)
	{
		EVP_DigestUpdate(md, k, strlen(k));
		guid_str(md, v);
	}
}

/* A list of strings (sensitive, a rule's tags), in stored order. */
static void guid_list(EVP_MD_CTX *md, const json_t *a)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) guid_str(md, v);
}

static void guid_metadata(EVP_MD_CTX *md, const json_t *m)
{
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(m, "tags"), k, v)
	{
		EVP_DigestUpdate(md, k, strlen(k));
		guid_list(md, v);
	}
	guid_map(md, json_object_get(m, "properties"));
	guid_list(md, json_object_get(m, "sensitive"));
}

static void guid_rule(EVP_MD_CTX *md, const json_t *r)
{
	static const char *const before[] = {"name", "doc", "kind", "mode", "type"};
	static const char *const after[] = {"expr", "onSuccess", "onFailure"};
	for (size_t i = 0; i < sizeof before / sizeof before[0]; i++)
		guid_str(md, json_object_get(r, before[i]));
	guid_list(md, json_object_get(r, "tags"));
	guid_map(md, json_object_get(r, "params"));
	for (size_t i = 0; i < sizeof after / sizeof after[0]; i++)
		guid_str(md, json_object_get(r, after[i]));
	if (json_is_true(json_object_get(r, "disabled")))
		guid_byte(md, 1);
}

static void guid_ruleset(EVP_MD_CTX *md, const json_t *rs)
{
	static const char *const lists[] = {"migrationRules", "domainRules", "encodingRules"};
	for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
		size_t i;
		json_t *r;
		json_array_foreach(json_object_get(rs, lists[l]), i, r) guid_rule(md, r);
	}
}

static void guid_refs(EVP_MD_CTX *md, const json_t *refs)
{
	size_t i;
	json_t *r;
	json_array_foreach(refs, i, r)
	{
		guid_str(md, json_object_get(r, "name"));
		guid_str(md, json_object_get(r, "subject"));
		const json_t *v = json_object_get(r, "version");
		if (json_is_integer(v)) {
			uint32_t n = (uint32_t)json_integer_value(v);
			uint8_t be[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
			                 (uint8_t)n};
			EVP_DigestUpdate(md, be, sizeof be);
		}
	}
}

/* Parses one optional JSON text of the expected kind into *out (NULL when
 * `text` is NULL). */
static int guid_load(const char *text, int want_array, const char *what, json_t **out,
                     struct sg_error *err)
{
	*out = NULL;
	if (!text)
		return 0;
	*out = json_loads(text, JSON_DECODE_ANY, NULL);
	if (want_array ? json_is_array(*out) : json_is_object(*out))
		return 0;
	json_decref(*out);
	*out = NULL;
	return error_set(err, SG_ESTORE, "a stored schema's %s is malformed", what);
}

int guid_of(const char *text, const char *refs, const char *metadata, const char *ruleset,
            char out[GUID_TEXT_LEN + 1], struct sg_error *err)
{
	json_t *jr = NULL, *jm = NULL, *js = NULL;
	EVP_MD_CTX *md = NULL;
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	int ret = -1;

	if (guid_load(refs, 1, "references", &jr, err) < 0 ||
	    guid_load(metadata, 0, "metadata", &jm, err) < 0 ||
	    guid_load(ruleset, 0, "rule set", &js, err) < 0)
		goto done;
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_md5(), NULL) != 1) {
		error_set(err, SG_ENOMEM, "cannot start an MD5 digest");
		goto done;
	}
	if (text)
		EVP_DigestUpdate(md, text, strlen(text));
	guid_refs(md, jr);
	if (jm) {
		guid_byte(md, 1);
		guid_metadata(md, jm);
	}
	if (js) {
		guid_byte(md, 1);
		guid_ruleset(md, js);
	}
	if (EVP_DigestFinal_ex(md, d, &dlen) != 1 || dlen != 16) {
		error_set(err, SG_ENOMEM, "cannot finish an MD5 digest");
		goto done;
	}
	snprintf(out, GUID_TEXT_LEN + 1,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", d[0], d[1],
	         d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14],
	         d[15]);
	ret = 0;
done:
	EVP_MD_CTX_free(md);
	json_decref(jr);
	json_decref(jm);
	json_decref(js);
	return ret;
}

int guid_valid(const char *s)
{
	if (!s || strlen(s) != GUID_TEXT_LEN)
		return 0;
	for (int i = 0; i < GUID_TEXT_LEN; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}
