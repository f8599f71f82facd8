/* compat/error.h: errors as a code plus a message, and the one table that maps
 * each code to what a peer sees: an HTTP status with a Confluent error_code for
 * the registry, and a Kafka error code for the gateway.
 *
 * Contract: functions that can fail take a caller-provided `struct sg_error *`
 * (which may be NULL when the caller does not care). The first error set wins:
 * error_set() on an error that already holds a code keeps the earlier one, so the
 * deepest, most specific cause is what the user reads. Nothing here allocates.
 */
#ifndef SG_ERROR_H
#define SG_ERROR_H

#include <stdarg.h>
#include <stddef.h>

enum sg_code {
	SG_OK = 0,

	/* Registry, 404 family. */
	SG_ENOTFOUND,                 /* 404 / 404: no such route or resource */
	SG_ESUBJECT_NOT_FOUND,        /* 404 / 40401 */
	SG_EVERSION_NOT_FOUND,        /* 404 / 40402 */
	SG_ESCHEMA_NOT_FOUND,         /* 404 / 40403 */
	SG_ESUBJECT_SOFT_DELETED,     /* 404 / 40404 */
	SG_ESUBJECT_NOT_SOFT_DELETED, /* 404 / 40405 */
	SG_EVERSION_SOFT_DELETED,     /* 404 / 40406 */
	SG_EVERSION_NOT_SOFT_DELETED, /* 404 / 40407 */
	SG_ECOMPAT_NOT_CONFIGURED,    /* 404 / 40408 */
	SG_EMODE_NOT_CONFIGURED,      /* 404 / 40409 */

	/* Registry, who may ask. 401 answers carry the header
	 * `WWW-Authenticate: Basic realm="schemagate"` and the message
	 * "Unauthorized"; 403 answers say "User is denied operation OP on
	 * RESOURCE", worded as Confluent's security plugin does. */
	SG_EUNAUTHENTICATED, /* 401 / 401: no credentials, or wrong ones */
	SG_EFORBIDDEN,       /* 403 / 40301: authenticated, not permitted */

	/* Registry, request problems. */
	SG_EBAD_REQUEST,             /* 400 / 400: malformed JSON or wrong JSON types */
	SG_EMETHOD,                  /* 405 / 405 */
	SG_ENOT_ACCEPTABLE,          /* 406 / 406 */
	SG_ECONFLICT_INCOMPATIBLE,   /* 409 / 409: incompatible schema */
	SG_ETOO_LARGE,               /* 413 / 413 */
	SG_EMEDIA_TYPE,              /* 415 / 415 */
	SG_EINVALID_SCHEMA,          /* 422 / 42201 */
	SG_EINVALID_VERSION,         /* 422 / 42202 */
	SG_EINVALID_COMPAT_LEVEL,    /* 422 / 42203 */
	SG_EINVALID_MODE,            /* 422 / 42204 */
	SG_EOPERATION_NOT_PERMITTED, /* 422 / 42205 */
	SG_EREFERENCE_EXISTS,        /* 422 / 42206 */
	SG_EID_MISMATCH,             /* 422 / 42207 */
	SG_EINVALID_SUBJECT,         /* 422 / 42208 */
	SG_EINVALID_RULESET,         /* 422 / 42210: a ruleSet breaks Confluent's rules */
	SG_ECONTEXT_NOT_EMPTY,       /* 422 / 42211: DELETE /contexts of a context in use */
	SG_EUNPROCESSABLE,           /* 422 / 422: well-formed JSON with an invalid field */

	/* Server side. */
	SG_ESTORE,    /* 500 / 50001 */
	SG_ETIMEOUT,  /* 500 / 50002 */
	SG_EINTERNAL, /* 500 / 50001: a bug or an exhausted resource */
	SG_ENOMEM,    /* 500 / 50001 */
	SG_EIO,       /* 500 / 50001: a file or socket failed */
	/* A registry cluster (registry/leader, registry/forward): a write
	 * reached a node that does not lead, and it could not reach the leader
	 * (Confluent's RestRequestForwardingException), or no leader is known
	 * (RestUnknownLeaderException). Both retriable. */
	SG_EFORWARD,        /* 500 / 50003 */
	SG_ELEADER_UNKNOWN, /* 500 / 50004 */

	/* Payload and wire problems (gateway, CLI). */
	SG_EINVALID_RECORD, /* Kafka 87 INVALID_RECORD: a record breaks its schema */
	SG_ECORRUPT,        /* a frame or batch cannot be parsed */
	SG_ELIMIT,          /* a hard size or depth limit was exceeded */
	SG_EUNAVAILABLE,    /* a dependency is unreachable: retriable */

	SG_CODE_COUNT
};

/* Longest message kept; longer ones are truncated on a UTF-8 boundary. */
#define SG_ERROR_MSG_MAX 512

struct sg_error {
	int code; /* enum sg_code; SG_OK when nothing failed */
	char msg[SG_ERROR_MSG_MAX];
};

/* Resets `e` to SG_OK with an empty message. Accepts NULL. */
void error_clear(struct sg_error *e);

/* Records `code` and a printf-style message in `e`, unless `e` already holds an
 * error (first error wins) or is NULL. Returns -1 so callers can write
 * `return error_set(err, ...)`. */
int error_set(struct sg_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* error_set() for a caller that holds its own arguments. Returns -1. */
int error_vset(struct sg_error *e, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Like error_set(), but prefixes the message already held with `fmt`, keeping
 * the original code: used to add context ("field 'x': ...") on the way up.
 * With no error held it behaves as error_set(e, code, fmt). Returns -1. */
int error_prefix(struct sg_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The mapping table. Codes out of range map like SG_EINTERNAL. */
int error_http_status(int code);     /* e.g. 404 */
int error_confluent_code(int code);  /* e.g. 40401 */
int error_kafka_code(int code);      /* Kafka protocol error code, e.g. 87 */
int error_kafka_retriable(int code); /* 1 when a Kafka client should retry */
const char *error_name(int code);    /* "SG_ESUBJECT_NOT_FOUND" */
/* The reverse mapping, for clients of a registry: the code whose Confluent
 * error_code is `confluent`, else the first whose HTTP status is `http`, else
 * SG_EINTERNAL. */
int error_from_confluent(int confluent, int http);

#endif
