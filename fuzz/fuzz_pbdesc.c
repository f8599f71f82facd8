/* fuzz/fuzz_pbdesc.c: libFuzzer target for compat/protobuf/pbdesc and
 * pbnorm. Reads the input as a serialized FileDescriptorProto (pbdesc), then
 * prints its canonical and normalized strings, resolves its names, and
 * writes it back as Confluent's builder does. What pbdesc writes must read
 * again, and after one trip through the writer the form is a fixed point:
 * writing what was read from it gives the same bytes. The input is also tried
 * as base64, and through the registry's row (schema_parse), which reads a
 * string that is no `.proto` text as base64. A refusal always says why. Must
 * never crash, leak or hang. */
#include "compat/protobuf/pbdesc.h"
#include "compat/protobuf/pbfile.h"
#include "compat/protobuf/pbform.h"
#include "compat/protobuf/pbnames.h"
#include "compat/protobuf/pbnorm.h"
#include "compat/schema.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pbnames *names_of(const struct pbfile *f)
{
	struct sg_error e;
	error_clear(&e);
	struct pbnames *n = pbnames_new();
	if (n && (pbnames_add_file(n, f, &e) < 0 || pbnames_add_well_known(n, &e) < 0)) {
		pbnames_free(n);
		return NULL;
	}
	if (n)
		pbnames_freeze(n);
	return n;
}

/* Writes `f`, or NULL (out of memory or past a limit, never otherwise). */
static char *encode(const struct pbfile *f)
{
	struct sg_error e;
	error_clear(&e);
	struct pbnames *n = names_of(f);
	char *s = n ? pbdesc_encode(f, n, &e) : NULL;
	if (n && !s && e.code != SG_ENOMEM && e.code != SG_ELIMIT)
		__builtin_trap();
	pbnames_free(n);
	return s;
}

static struct pbfile *decode_b64(const char *s)
{
	struct sg_error e;
	error_clear(&e);
	struct pbfile *f = pbdesc_decode_base64(s, strlen(s), &e);
	if (!f && e.code != SG_ENOMEM && e.code != SG_ELIMIT)
		__builtin_trap(); /* pbdesc reads what it wrote */
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_error e;
	error_clear(&e);
	struct pbfile *f = pbdesc_decode(data, size, &e);
	if (!f) {
		if (e.code == SG_OK || !e.msg[0])
			__builtin_trap();
	} else {
		char *canon = pbform_canonical(f, &e);
		struct pbnames *n = names_of(f);
		char *norm = n ? pbnorm_normalized(f, n, &e) : NULL;
		if (n) {
			struct sg_error ce;
			error_clear(&ce);
			pbnames_check(n, f, &ce);
		}
		char *enc1 = encode(f);
		struct pbfile *f1 = enc1 ? decode_b64(enc1) : NULL;
		char *enc2 = f1 ? encode(f1) : NULL;
		struct pbfile *f2 = enc2 ? decode_b64(enc2) : NULL;
		char *enc3 = f2 ? encode(f2) : NULL;
		if (enc3 && strcmp(enc2, enc3) != 0)
			__builtin_trap();
		free(enc3);
		pbfile_free(f2);
		free(enc2);
		pbfile_free(f1);
		free(enc1);
		free(norm);
		pbnames_free(n);
		free(canon);
		pbfile_free(f);
	}
	/* the same bytes as base64 text, and as a schema string */
	error_clear(&e);
	struct pbfile *g = pbdesc_decode_base64((const char *)data, size, &e);
	if (!g && (e.code == SG_OK || !e.msg[0]))
		__builtin_trap();
	pbfile_free(g);
	error_clear(&e);
	struct schema *sc = schema_parse(SCHEMA_PROTOBUF, (const char *)data, size, NULL, 0, &e);
	if (sc) {
		char *ser = schema_formatted(sc, "serialized", &e);
		if (!schema_normalized(sc) || (!ser && e.code != SG_ENOMEM && e.code != SG_ELIMIT))
			__builtin_trap();
		free(ser);
	}
	schema_free(sc);
	return 0;
}
