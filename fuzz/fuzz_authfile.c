/* fuzz/fuzz_authfile.c: registry/auth's parser on arbitrary bytes as an auth
 * file. A file that loads is asked what it permits: the principals "ci",
 * "admin" and "CN=ci,O=Example" on Config:, Mode: and on subjects, among them
 * the input's first bytes (any bytes: invalid UTF-8, NULs cut it short), by
 * auth_permits() and by a filter, which must agree. A file that does not load
 * must say why, naming itself. Passwords are not checked: one scrypt costs
 * tens of milliseconds. Never crash, leak or hang. Seeds:
 * fuzz/corpus/authfile/. */
#include "registry/auth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_principals[] = {"ci", "admin", "CN=ci,O=Example"};

static void fuzz_ask(const struct auth *a, const char *subject)
{
	for (size_t p = 0; p < sizeof fuzz_principals / sizeof fuzz_principals[0]; p++) {
		for (int op = AUTH_READ; op <= AUTH_ADMIN; op++) {
			int yes = auth_permits(a, fuzz_principals[p], op, AUTH_SUBJECT, subject);
			struct auth_filter *f = auth_filter_new(a, fuzz_principals[p], op);
			if (f && auth_filter_subject(f, subject) != yes)
				__builtin_trap();
			auth_filter_free(f);
			/* Each operation implies the ones below it. */
			if (yes && op > AUTH_READ &&
			    !auth_permits(a, fuzz_principals[p], op - 1, AUTH_SUBJECT, subject))
				__builtin_trap();
			auth_permits(a, fuzz_principals[p], op, AUTH_CONFIG, NULL);
			auth_permits(a, fuzz_principals[p], op, AUTH_MODE, NULL);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_error err;
	error_clear(&err);
	struct auth *a = auth_parse((const char *)data, size, "fuzz.json", &err);
	if (!memchr(err.msg, 0, sizeof err.msg))
		__builtin_trap();
	if (!a) {
		if (err.code != SG_EBAD_REQUEST && err.code != SG_ELIMIT && err.code != SG_ENOMEM)
			__builtin_trap();
		if (strncmp(err.msg, "fuzz.json", 9) != 0)
			__builtin_trap();
		return 0;
	}
	if (err.code != SG_OK)
		__builtin_trap();
	for (size_t i = 0; i < auth_warning_count(a); i++)
		if (strncmp(auth_warning(a, i), "fuzz.json: ", 11) != 0)
			__builtin_trap();

	char subject[65];
	size_t n = size < 64 ? size : 64;
	memcpy(subject, data, n);
	subject[n] = '\0';
	fuzz_ask(a, subject);
	fuzz_ask(a, "orders-value");
	fuzz_ask(a, "");
	auth_unref(a);
	return 0;
}
