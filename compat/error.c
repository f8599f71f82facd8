/* compat/error.c: the error table and the first-error-wins setters. */
#include "compat/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct error_row {
	const char *name;
	int http;      /* HTTP status the registry answers */
	int confluent; /* Confluent "error_code" in the body */
	int kafka;     /* Kafka error code the gateway answers */
	int retriable; /* whether Kafka clients retry that code */
};

/* Kafka codes used: 0 NONE, 2 CORRUPT_MESSAGE (never sent to producers: clients
 * retry it), 7 REQUEST_TIMED_OUT, 10 MESSAGE_TOO_LARGE, 87 INVALID_RECORD,
 * -1 UNKNOWN_SERVER_ERROR, 15 COORDINATOR_NOT_AVAILABLE is not used; a registry
 * outage maps to 7 (retriable) so no record is lost or let through. */
static const struct error_row error_table[SG_CODE_COUNT] = {
    [SG_OK] = {"SG_OK", 200, 0, 0, 0},
    [SG_ENOTFOUND] = {"SG_ENOTFOUND", 404, 404, -1, 0},
    [SG_ESUBJECT_NOT_FOUND] = {"SG_ESUBJECT_NOT_FOUND", 404, 40401, 87, 0},
    [SG_EVERSION_NOT_FOUND] = {"SG_EVERSION_NOT_FOUND", 404, 40402, 87, 0},
    [SG_ESCHEMA_NOT_FOUND] = {"SG_ESCHEMA_NOT_FOUND", 404, 40403, 87, 0},
    [SG_ESUBJECT_SOFT_DELETED] = {"SG_ESUBJECT_SOFT_DELETED", 404, 40404, 87, 0},
    [SG_ESUBJECT_NOT_SOFT_DELETED] = {"SG_ESUBJECT_NOT_SOFT_DELETED", 404, 40405, -1, 0},
    [SG_EVERSION_SOFT_DELETED] = {"SG_EVERSION_SOFT_DELETED", 404, 40406, 87, 0},
    [SG_EVERSION_NOT_SOFT_DELETED] = {"SG_EVERSION_NOT_SOFT_DELETED", 404, 40407, -1, 0},
    [SG_ECOMPAT_NOT_CONFIGURED] = {"SG_ECOMPAT_NOT_CONFIGURED", 404, 40408, -1, 0},
    [SG_EMODE_NOT_CONFIGURED] = {"SG_EMODE_NOT_CONFIGURED", 404, 40409, -1, 0},
    [SG_EUNAUTHENTICATED] = {"SG_EUNAUTHENTICATED", 401, 401, -1, 0},
    [SG_EFORBIDDEN] = {"SG_EFORBIDDEN", 403, 40301, -1, 0},
    [SG_EBAD_REQUEST] = {"SG_EBAD_REQUEST", 400, 400, -1, 0},
    [SG_EMETHOD] = {"SG_EMETHOD", 405, 405, -1, 0},
    [SG_ENOT_ACCEPTABLE] = {"SG_ENOT_ACCEPTABLE", 406, 406, -1, 0},
    [SG_ECONFLICT_INCOMPATIBLE] = {"SG_ECONFLICT_INCOMPATIBLE", 409, 409, -1, 0},
    [SG_ETOO_LARGE] = {"SG_ETOO_LARGE", 413, 413, 10, 0},
    [SG_EMEDIA_TYPE] = {"SG_EMEDIA_TYPE", 415, 415, -1, 0},
    [SG_EINVALID_SCHEMA] = {"SG_EINVALID_SCHEMA", 422, 42201, 87, 0},
    [SG_EINVALID_VERSION] = {"SG_EINVALID_VERSION", 422, 42202, -1, 0},
    [SG_EINVALID_COMPAT_LEVEL] = {"SG_EINVALID_COMPAT_LEVEL", 422, 42203, -1, 0},
    [SG_EINVALID_MODE] = {"SG_EINVALID_MODE", 422, 42204, -1, 0},
    [SG_EOPERATION_NOT_PERMITTED] = {"SG_EOPERATION_NOT_PERMITTED", 422, 42205, -1, 0},
    [SG_EREFERENCE_EXISTS] = {"SG_EREFERENCE_EXISTS", 422, 42206, -1, 0},
    [SG_EID_MISMATCH] = {"SG_EID_MISMATCH", 422, 42207, -1, 0},
    [SG_EINVALID_SUBJECT] = {"SG_EINVALID_SUBJECT", 422, 42208, -1, 0},
    [SG_EINVALID_RULESET] = {"SG_EINVALID_RULESET", 422, 42210, -1, 0},
    [SG_ECONTEXT_NOT_EMPTY] = {"SG_ECONTEXT_NOT_EMPTY", 422, 42211, -1, 0},
    [SG_EUNPROCESSABLE] = {"SG_EUNPROCESSABLE", 422, 422, -1, 0},
    [SG_ESTORE] = {"SG_ESTORE", 500, 50001, 7, 1},
    [SG_ETIMEOUT] = {"SG_ETIMEOUT", 500, 50002, 7, 1},
    [SG_EINTERNAL] = {"SG_EINTERNAL", 500, 50001, -1, 0},
    [SG_ENOMEM] = {"SG_ENOMEM", 500, 50001, -1, 0},
    [SG_EIO] = {"SG_EIO", 500, 50001, 7, 1},
    [SG_EFORWARD] = {"SG_EFORWARD", 500, 50003, 7, 1},
    [SG_ELEADER_UNKNOWN] = {"SG_ELEADER_UNKNOWN", 500, 50004, 7, 1},
    [SG_EINVALID_RECORD] = {"SG_EINVALID_RECORD", 422, 422, 87, 0},
    [SG_ECORRUPT] = {"SG_ECORRUPT", 400, 400, 87, 0},
    [SG_ELIMIT] = {"SG_ELIMIT", 413, 413, 10, 0},
    [SG_EUNAVAILABLE] = {"SG_EUNAVAILABLE", 503, 50003, 7, 1},
};

static const struct error_row *error_row(int code)
{
	if (code < 0 || code >= SG_CODE_COUNT || !error_table[code].name)
		return &error_table[SG_EINTERNAL];
	return &error_table[code];
}

int error_http_status(int code)
{
	return error_row(code)->http;
}
int error_confluent_code(int code)
{
	return error_row(code)->confluent;
}
int error_kafka_code(int code)
{
	return error_row(code)->kafka;
}
int error_kafka_retriable(int code)
{
	return error_row(code)->retriable;
}
const char *error_name(int code)
{
	return error_row(code)->name;
}

int error_from_confluent(int confluent, int http)
{
	for (int c = 1; c < SG_CODE_COUNT; c++)
		if (error_table[c].confluent == confluent)
			return c;
	for (int c = 1; c < SG_CODE_COUNT; c++)
		if (error_table[c].http == http)
			return c;
	return SG_EINTERNAL;
}

void error_clear(struct sg_error *e)
{
	if (!e)
		return;
	e->code = SG_OK;
	e->msg[0] = '\0';
}

/* Cuts `s` back so it does not end inside a UTF-8 sequence. */
static void error_trim_utf8(char *s)
{
	size_t n = strlen(s);
	size_t i = n;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i > 0 && ((unsigned char)s[i - 1] & 0x80)) {
		unsigned char lead = (unsigned char)s[i - 1];
		size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
		if (n - (i - 1) < want)
			s[i - 1] = '\0';
	}
}

int error_vset(struct sg_error *e, int code, const char *fmt, va_list ap)
{
	if (!e || e->code != SG_OK)
		return -1;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	error_trim_utf8(e->msg);
	e->code = code == SG_OK ? SG_EINTERNAL : code;
	return -1;
}

int error_set(struct sg_error *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(e, code, fmt, ap);
	va_end(ap);
	return -1;
}

int error_prefix(struct sg_error *e, int code, const char *fmt, ...)
{
	if (!e)
		return -1;
	char head[SG_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	if (e->code == SG_OK) {
		snprintf(e->msg, sizeof e->msg, "%s", head);
		e->code = code == SG_OK ? SG_EINTERNAL : code;
	} else {
		char old[SG_ERROR_MSG_MAX];
		memcpy(old, e->msg, sizeof old);
		size_t hl = strlen(head);
		memcpy(e->msg, head, hl + 1);
		size_t room = sizeof e->msg - hl - 1;
		size_t ol = strnlen(old, room);
		memcpy(e->msg + hl, old, ol);
		e->msg[hl + ol] = '\0';
	}
	error_trim_utf8(e->msg);
	return -1;
}
