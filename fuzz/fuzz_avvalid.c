/* fuzz/fuzz_avvalid.c: libFuzzer target for compat/avvalid.
 *
 * Input: a first byte, then the rest.
 * - First byte below 0xf0: it picks one of the fixed schemas below (orders,
 *   every type at once, zero-byte types, a recursive list, a recursive tree,
 *   mutual recursion through a map, a record with no finite encoding), and
 *   the rest is the payload.
 * - First byte 0xf0 or above: the rest is an Avro schema's text, a NUL, and
 *   the payload; schemas that do not parse are skipped.
 *
 * Besides never crashing, hanging or leaking, every payload must keep these
 * contracts (a breach traps):
 * - the verdict is the same with no error, with an sg_error and with a report;
 * - an invalid payload sets SG_EINVALID_RECORD with a message naming a byte
 *   within the payload, and adds exactly one finding; a valid one sets nothing;
 * - a valid payload is self-delimiting: without its last byte, or with one
 *   byte more, it is invalid.
 */
#include "compat/avro/avsc.h"
#include "compat/avro/avvalid.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fixed_schemas[] = {
    /* orders (schemas/orders.avsc) */
    "{\"type\":\"record\",\"name\":\"OrderEvent\",\"namespace\":\"com.schemagate.examples.orders\","
    "\"fields\":[{\"name\":\"event_type\",\"type\":{\"type\":\"enum\",\"name\":\"OrderEventType\","
    "\"symbols\":[\"ORDER_CREATED\",\"ORDER_STATUS_UPDATED\",\"ORDER_CANCELLED\"]}},"
    "{\"name\":\"order_id\",\"type\":\"string\"},{\"name\":\"customer_id\",\"type\":\"string\"},"
    "{\"name\":\"amount\",\"type\":\"double\"},{\"name\":\"currency\",\"type\":\"string\"},"
    "{\"name\":\"status\",\"type\":{\"type\":\"enum\",\"name\":\"OrderStatus\",\"symbols\":["
    "\"PENDING\","
    "\"PAID\",\"SHIPPED\",\"DELIVERED\",\"CANCELLED\"]}},{\"name\":\"timestamp\",\"type\":"
    "\"string\"},"
    "{\"name\":\"cancel_reason\",\"type\":[\"null\",\"string\"],\"default\":null}]}",
    /* every type */
    "{\"type\":\"record\",\"name\":\"K\",\"fields\":[{\"name\":\"b\",\"type\":\"boolean\"},"
    "{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":\"long\"},{\"name\":\"f\",\"type\":"
    "\"float\"},"
    "{\"name\":\"d\",\"type\":\"double\"},{\"name\":\"by\",\"type\":\"bytes\"},{\"name\":\"s\","
    "\"type\":\"string\"},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]}},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":3}},"
    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":"
    "[\"null\",\"int\",\"string\",\"E\",\"F\",{\"type\":\"array\",\"items\":\"boolean\"}]}}},"
    "{\"name\":\"u\",\"type\":[\"null\",\"long\",{\"type\":\"record\",\"name\":\"P\",\"fields\":"
    "[{\"name\":\"x\",\"type\":\"E\"},{\"name\":\"y\",\"type\":\"F\"}]}]},{\"name\":\"p\",\"type\":"
    "\"P\"}]}",
    /* zero-byte types */
    "{\"type\":\"record\",\"name\":\"Z\",\"fields\":[{\"name\":\"n\",\"type\":\"null\"},"
    "{\"name\":\"f0\",\"type\":{\"type\":\"fixed\",\"name\":\"F0\",\"size\":0}},"
    "{\"name\":\"an\",\"type\":{\"type\":\"array\",\"items\":\"null\"}},"
    "{\"name\":\"ae\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"E0\","
    "\"fields\":[]}}},"
    "{\"name\":\"mn\",\"type\":{\"type\":\"map\",\"values\":\"null\"}},{\"name\":\"i\",\"type\":"
    "\"int\"}]}",
    /* a recursive list */
    "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"value\",\"type\":\"int\"},"
    "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}",
    /* a recursive tree */
    "{\"type\":\"record\",\"name\":\"Tree\",\"fields\":[{\"name\":\"label\",\"type\":\"string\"},"
    "{\"name\":\"children\",\"type\":{\"type\":\"array\",\"items\":\"Tree\"}}]}",
    /* mutual recursion through a map */
    "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"b\",\"type\":[\"null\",{\"type\":"
    "\"record\","
    "\"name\":\"B\",\"fields\":[{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"A\"}},"
    "{\"name\":\"n\",\"type\":\"int\"}]}]}]}",
    /* no finite encoding */
    "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"Inf\",\"fields\":"
    "[{\"name\":\"self\",\"type\":\"Inf\"}]}}",
};
#define NFIXED (sizeof fixed_schemas / sizeof *fixed_schemas)

static struct avvalid *fixed[NFIXED];

static struct avvalid *compile(const char *text, size_t len)
{
	struct sg_error e;
	error_clear(&e);
	struct avsc_schema *s = avsc_parse(text, len, NULL, 0, &e);
	if (!s)
		return NULL;
	struct avvalid *v = avvalid_compile(s, &e);
	avsc_free(s);
	if (!v && e.code != SG_ELIMIT && e.code != SG_ENOMEM)
		__builtin_trap();
	return v;
}

static int verdict(const struct avvalid *v, const uint8_t *p, size_t n)
{
	int quiet = avvalid_check(v, p, n, NULL);
	struct sg_error e;
	error_clear(&e);
	int with_err = avvalid_check(v, p, n, &e);
	struct report *r = report_new();
	int with_report = avvalid_check_report(v, p, n, r);
	if (quiet != with_err || quiet != with_report)
		__builtin_trap();
	if (quiet) {
		if (e.code != SG_OK || (r && report_count(r) != 0))
			__builtin_trap();
	} else {
		/* The last " at byte ": a map key in the location may hold the text. */
		const char *at = NULL;
		for (const char *q = e.msg; (q = strstr(q, " at byte ")) != NULL; q++)
			at = q;
		if (e.code != SG_EINVALID_RECORD || !at || strtoull(at + 9, NULL, 10) > n)
			__builtin_trap();
		/* No control character reaches a message. */
		for (const char *q = e.msg; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				__builtin_trap();
		if (r && report_count(r) + report_dropped(r) != 1)
			__builtin_trap();
	}
	report_free(r);
	return quiet;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct avvalid *own = NULL;
	const struct avvalid *v;
	const uint8_t *p;
	size_t n;
	if (data[0] < 0xf0) {
		size_t k = data[0] % NFIXED;
		if (!fixed[k]) {
			fixed[k] = compile(fixed_schemas[k], strlen(fixed_schemas[k]));
			if (!fixed[k])
				__builtin_trap();
		}
		v = fixed[k];
		p = data + 1;
		n = size - 1;
	} else {
		const uint8_t *nul = memchr(data + 1, 0, size - 1);
		if (!nul)
			return 0;
		own = compile((const char *)data + 1, (size_t)(nul - data - 1));
		if (!own)
			return 0;
		v = own;
		p = nul + 1;
		n = size - (size_t)(nul + 1 - data);
	}
	if (verdict(v, p, n)) {
		if (n > 0 && verdict(v, p, n - 1))
			__builtin_trap();
		uint8_t *more = malloc(n + 1);
		if (more) {
			if (n)
				memcpy(more, p, n);
			more[n] = n ? (uint8_t)(p[n - 1] ^ 0x55) : 0x55;
			if (verdict(v, more, n + 1))
				__builtin_trap();
			free(more);
		}
	}
	avvalid_free(own);
	return 0;
}
