/* registry/jsonio.c: JSON and text helpers for the REST API. */
#include "registry/jsonio.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compat/jsonschema/jsvalue.h"

int jsonio_parse(const char *body, size_t len, json_t **out, struct sg_error *err)
{
	*out = NULL;
	size_t i = 0;
	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	if (i == len)
		return 0;
	json_error_t je;
	json_t *v = json_loadb(body, len, JSON_DECODE_ANY, &je);
	if (!v) {
		const char *what = je.text[0] ? je.text : "invalid JSON";
		if (je.line > 0)
			return error_set(
			    err, SG_EBAD_REQUEST,
			    "Invalid JSON in the request body at line %d, column %d: %s", je.line,
			    je.column, what);
		return error_set(err, SG_EBAD_REQUEST, "Invalid JSON in the request body: %s",
		                 what);
	}
	*out = v;
	return 0;
}

char *jsonio_dump(const json_t *v, size_t *len)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s && len)
		*len = strlen(s);
	return s;
}

char *jsonio_error_body_msg(int code, const char *msg, size_t *len)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_t *m = json_string(msg ? msg : "");
	if (!m) {
		char *fixed = jsonio_utf8_repair(msg ? msg : "");
		m = fixed ? json_string(fixed) : NULL;
		free(fixed);
	}
	json_object_set_new(o, "error_code", json_integer(error_confluent_code(code)));
	json_object_set_new(o, "message", m ? m : json_string(""));
	char *s = jsonio_dump(o, len);
	json_decref(o);
	return s;
}

static int jsonio_wrong(const char *key, const char *want, const json_t *v, struct sg_error *err)
{
	return error_set(err, SG_EBAD_REQUEST, "Field '%s' must be %s, not %s", key, want,
	                 jsvalue_type_word(v));
}

int jsonio_get_string(const json_t *obj, const char *key, const char **out, struct sg_error *err)
{
	*out = NULL;
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return jsonio_wrong(key, "a string", v, err);
	*out = json_string_value(v);
	return 0;
}

int jsonio_get_int32(const json_t *obj, const char *key, int present_default, int *out,
                     int *present, struct sg_error *err)
{
	*out = present_default;
	if (present)
		*present = 0;
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return jsonio_wrong(key, "an integer", v, err);
	json_int_t n = json_integer_value(v);
	if (n < INT32_MIN || n > INT32_MAX)
		return error_set(err, SG_EBAD_REQUEST,
		                 "Field '%s': numeric value (%lld) out of range of int", key,
		                 (long long)n);
	*out = (int)n;
	if (present)
		*present = 1;
	return 0;
}

int jsonio_get_array(const json_t *obj, const char *key, json_t **out, struct sg_error *err)
{
	*out = NULL;
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return jsonio_wrong(key, "an array", v, err);
	*out = v;
	return 0;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t jsonio_utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	if (c >= 0x01 && c < 0x80)
		return 1;
	size_t len;
	unsigned min;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	unsigned cp = c & (0x3f >> (len - 1));
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

char *jsonio_utf8_repair(const char *s)
{
	size_t len = strlen(s);
	/* Each bad byte becomes 3 bytes at most. */
	char *out = malloc(len * 3 + 1);
	if (!out)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;
	while (i < len) {
		size_t n = jsonio_utf8_seq(p + i, len - i);
		if (n) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

int jsonio_parse_int32(const char *s, int32_t *out)
{
	if (!s || !*s)
		return -1;
	int neg = 0;
	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (!*s)
		return -1;
	long long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 2147483648LL)
			return -1;
	}
	if (neg)
		v = -v;
	if (v > INT32_MAX || v < INT32_MIN)
		return -1;
	*out = (int32_t)v;
	return 0;
}

int jsonio_parse_bool(const char *s)
{
	return s && strcasecmp(s, "true") == 0;
}
