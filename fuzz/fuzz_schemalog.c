/* fuzz/fuzz_schemalog.c: registry/schemalog on arbitrary `_schemas` records.
 *
 * The first input byte picks the record:
 *   0..6   the key is a valid key of type byte + 1 (SCHEMA ... CONTEXT) and
 *          the rest is the value, so mutations reach every value decoder;
 *   7      the rest is the key, with a null value (a tombstone);
 *   other  the rest is split at its first NUL: the key before, the value
 *          after (no NUL: the whole rest is the key, and a null value).
 * Each piece is copied into a buffer of exactly its size, so a read past it
 * is caught by ASan. Besides never crashing, leaking or hanging: a refusal is
 * SG_ECORRUPT, SG_ELIMIT or SG_ENOMEM with a message; a record that decodes
 * encodes (unless out of memory or past a size limit), its encoding decodes
 * to the same record with a canonical key, and encoding that again gives the
 * same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/schemalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = {
    "{\"keytype\":\"SCHEMA\",\"subject\":\"s\",\"version\":1,\"magic\":1}",
    "{\"keytype\":\"CONFIG\",\"magic\":0}",
    "{\"keytype\":\"MODE\",\"subject\":\":.ctx:\",\"magic\":0}",
    "{\"keytype\":\"NOOP\",\"magic\":0}",
    "{\"keytype\":\"DELETE_SUBJECT\",\"subject\":\"s\",\"magic\":0}",
    "{\"keytype\":\"CLEAR_SUBJECT\",\"magic\":0}",
    "{\"keytype\":\"CONTEXT\",\"tenant\":\"default\",\"context\":\".c\",\"magic\":0}",
};

static char *copy(const uint8_t *p, size_t n)
{
	char *c = malloc(n ? n : 1);
	if (!c)
		abort();
	if (n)
		memcpy(c, p, n);
	return c;
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void same_record(const struct schemalog_record *a, const struct schemalog_record *b)
{
	const struct schemalog_key *x = &a->key, *y = &b->key;
	const struct schemalog_value *v = &a->value, *w = &b->value;
	if (x->type != y->type || x->magic != y->magic || !same_str(x->subject, y->subject) ||
	    x->version != y->version || !same_str(x->tenant, y->tenant) ||
	    !same_str(x->context, y->context) || a->has_value != b->has_value)
		__builtin_trap();
	if (!a->has_value)
		return;
	if (!same_str(v->subject, w->subject) || v->has_version != w->has_version ||
	    v->version != w->version || v->has_id != w->has_id || v->id != w->id ||
	    !same_str(v->md5, w->md5) || !same_str(v->schema_type, w->schema_type) ||
	    !same_str(v->schema, w->schema) || v->deleted != w->deleted ||
	    !same_str(v->alias, w->alias) || v->normalize != w->normalize ||
	    v->validate_fields != w->validate_fields || v->validate_rules != w->validate_rules ||
	    !same_str(v->compatibility_level, w->compatibility_level) ||
	    !same_str(v->compatibility_group, w->compatibility_group) ||
	    !same_str(v->mode, w->mode) || !same_str(v->tenant, w->tenant) ||
	    !same_str(v->context, w->context) || v->has_offset != w->has_offset ||
	    v->offset != w->offset || v->has_ts != w->has_ts || v->ts != w->ts)
		__builtin_trap();
}

static void check_refusal(int rc, const struct sg_error *e)
{
	if (rc != -1 || !memchr(e->msg, '\0', sizeof e->msg) || !e->msg[0])
		__builtin_trap();
	if (e->code != SG_ECORRUPT && e->code != SG_ELIMIT && e->code != SG_ENOMEM)
		__builtin_trap();
}

/* Encodes a record; 0, or -1 when out of memory or past a limit. */
static int encode(const struct schemalog_record *r, char **k, size_t *klen, char **v, size_t *vlen)
{
	struct sg_error e = {0};
	*k = *v = NULL;
	*klen = *vlen = 0;
	if (schemalog_encode_key(&r->key, k, klen, &e) ||
	    (r->has_value && schemalog_encode_value(r->key.type, &r->value, v, vlen, &e))) {
		if (e.code != SG_ENOMEM && e.code != SG_ELIMIT)
			__builtin_trap();
		free(*k);
		free(*v);
		return -1;
	}
	return 0;
}

static void run(const char *key, size_t key_len, const char *value, size_t value_len)
{
	struct schemalog_record r, r2;
	struct sg_error e = {0};
	char *k, *v, *k2, *v2;
	size_t klen, vlen, k2len, v2len;
	int rc = schemalog_decode(key, key_len, value, value_len, &r, &e);
	if (rc) {
		check_refusal(rc, &e);
		schemalog_record_clear(&r);
		return;
	}
	if (e.code != SG_OK)
		__builtin_trap();
	if (encode(&r, &k, &klen, &v, &vlen) == 0) {
		rc = schemalog_decode(k, klen, v, vlen, &r2, &e);
		if (rc) {
			if (e.code != SG_ENOMEM)
				__builtin_trap();
		} else {
			if (!r2.key_canonical)
				__builtin_trap();
			same_record(&r, &r2);
			if (encode(&r2, &k2, &k2len, &v2, &v2len) == 0) {
				if (k2len != klen || memcmp(k, k2, klen) != 0 || v2len != vlen ||
				    (vlen && memcmp(v, v2, vlen) != 0))
					__builtin_trap();
				free(k2);
				free(v2);
			}
		}
		schemalog_record_clear(&r2);
		free(k);
		free(v);
	}
	schemalog_record_clear(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t mode = data[0];
	const uint8_t *rest = data + 1;
	size_t n = size - 1;
	char *key, *value = NULL;
	size_t key_len, value_len = 0;
	if (mode < 7) {
		key_len = strlen(keys[mode]);
		key = copy((const uint8_t *)keys[mode], key_len);
		value = copy(rest, n);
		value_len = n;
	} else {
		const uint8_t *nul = mode == 7 ? NULL : memchr(rest, 0, n);
		key_len = nul ? (size_t)(nul - rest) : n;
		key = copy(rest, key_len);
		if (nul) {
			value_len = n - key_len - 1;
			value = copy(nul + 1, value_len);
		}
	}
	run(key, key_len, value, value_len);
	free(key);
	free(value);
	return 0;
}
