/* compat/jsonschema/jsformat.h: checks for JSON Schema's "format" values.
 *
 * Asserted formats: date-time, date, time (RFC 3339, with leap-second
 * rules), duration (RFC 3339 appendix A), email and idn-email (RFC 5321
 * mailbox, with quoted local parts and address literals), hostname and
 * idn-hostname (RFC 1123 labels; idn- variants also accept non-ASCII labels),
 * ipv4, ipv6 (RFC 4291 text forms, no zone), uri, uri-reference, iri,
 * iri-reference (RFC 3986/3987 grammar), uri-template (RFC 6570 braces),
 * uuid (RFC 4122 text), regex (ECMA-262, through jsregex), json-pointer and
 * relative-json-pointer. Any other name is unknown and always passes.
 *
 * All checks are pure functions of their input: no allocation except for
 * "regex", which compiles and frees the pattern.
 */
#ifndef SG_JSFORMAT_H
#define SG_JSFORMAT_H

#include <stddef.h>

enum jsformat {
	JSFORMAT_UNKNOWN = 0,
	JSFORMAT_DATE_TIME,
	JSFORMAT_DATE,
	JSFORMAT_TIME,
	JSFORMAT_DURATION,
	JSFORMAT_EMAIL,
	JSFORMAT_IDN_EMAIL,
	JSFORMAT_HOSTNAME,
	JSFORMAT_IDN_HOSTNAME,
	JSFORMAT_IPV4,
	JSFORMAT_IPV6,
	JSFORMAT_URI,
	JSFORMAT_URI_REFERENCE,
	JSFORMAT_IRI,
	JSFORMAT_IRI_REFERENCE,
	JSFORMAT_URI_TEMPLATE,
	JSFORMAT_UUID,
	JSFORMAT_REGEX,
	JSFORMAT_JSON_POINTER,
	JSFORMAT_RELATIVE_JSON_POINTER,
};

/* The format called `name`, or JSFORMAT_UNKNOWN. */
enum jsformat jsformat_lookup(const char *name);

/* The name of `f` ("date-time"), or "unknown". */
const char *jsformat_name(enum jsformat f);

/* Whether the `n` bytes at `s` are a valid instance of `f`: 1 or 0. Unknown
 * formats return 1. */
int jsformat_check(enum jsformat f, const char *s, size_t n);

#endif
