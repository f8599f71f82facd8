/* registry/jsonio.h: the small pieces of JSON and text handling the REST API
 * needs around jansson: reading a request body with a clear error, writing a
 * compact body, typed field access that reports the wrong type, UTF-8 repair
 * of path segments, and Java's rules for integers in paths and queries.
 *
 * Ownership: functions returning char * or json_t * return a new value the
 * caller frees (free() / json_decref()); json_t arguments are borrowed unless
 * the name says _take. Pure: no globals, thread-safe.
 */
#ifndef SG_JSONIO_H
#define SG_JSONIO_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "compat/error.h"

/* Parses a request body. An empty body (only whitespace) yields *out = NULL
 * and 0. Malformed JSON, invalid UTF-8, NUL characters and nesting beyond
 * jansson's limit fail with SG_EBAD_REQUEST and a message naming the line and
 * column. Returns 0 or -1. */
int jsonio_parse(const char *body, size_t len, json_t **out, struct sg_error *err);

/* Serialises `v` compactly, keys in insertion order. Returns a malloc'd
 * string (its length in *len when len is not NULL), or NULL when out of
 * memory or when `v` holds a string that is not valid UTF-8. */
char *jsonio_dump(const json_t *v, size_t *len);

/* {"error_code":N,"message":"..."}: `code` is a Confluent error code, `msg`
 * the message. NULL when out of memory. */
char *jsonio_error_body_msg(int code, const char *msg, size_t *len);

/* Field access for request objects. Each returns 0 with *out set (NULL / the
 * default when the field is absent or JSON null), or -1 with SG_EBAD_REQUEST
 * naming the field and the type it should have. */
int jsonio_get_string(const json_t *obj, const char *key, const char **out, struct sg_error *err);
int jsonio_get_int32(const json_t *obj, const char *key, int present_default, int *out,
                     int *present, struct sg_error *err);
int jsonio_get_array(const json_t *obj, const char *key, json_t **out, struct sg_error *err);

/* A copy of `s` with each invalid UTF-8 sequence replaced by U+FFFD, as a
 * Java decoder would read it. Returns a malloc'd string, or NULL on OOM. */
char *jsonio_utf8_repair(const char *s);

/* Parses an int the way Java's Integer.parseInt does: optional sign, ASCII
 * digits only, within [-2^31, 2^31-1]. Returns 0 or -1. */
int jsonio_parse_int32(const char *s, int32_t *out);

/* Java's Boolean.parseBoolean: "true" in any case is true, all else false. */
int jsonio_parse_bool(const char *s);

#endif
