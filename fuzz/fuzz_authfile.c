/* fuzz/fuzz_authfile.c: registry/auth's parser on arbitrary bytes as an auth
 * file. A file that loads is asked what it permits: the principals "ci",
 * "admin" and "CN=ci,O=Example", and the first usernames of the file's own
 * "permissions" (so every permission regex runs, whatever the names), on
 * Config:, Mode: and on subjects, among them the input's first bytes (any
 * bytes: invalid UTF-8, NULs cut it short), by auth_permits() and by a
 * filter, which must agree. A file that does not load must say why, naming
 * itself.
 * Passwords: the first users entry is tried with HTTP Basic, with the
 * password of the seeds' hashes ("s3cret-one"), again (the cache of verified
 * passwords must give the same answer) and with a wrong one, which must
 * fail; a success must name that user. Only when the input does not spell
 * "scrypt": one scrypt costs tens of milliseconds (PBKDF2 a few), and an
 * unknown user costs one scrypt too, so only names from the file are tried.
 * Never crash, leak or hang. Seeds: fuzz/corpus/authfile/. */
#include "registry/auth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_principals[] = {"ci", "admin", "CN=ci,O=Example"};

static void fuzz_ask_as(const struct auth *a, const char *principal, const char *subject)
{
	for (int op = AUTH_READ; op <= AUTH_ADMIN; op++) {
		int yes = auth_permits(a, principal, op, AUTH_SUBJECT, subject);
		struct auth_filter *f = auth_filter_new(a, principal, op);
		if (f && auth_filter_subject(f, subject) != yes)
			__builtin_trap();
		auth_filter_free(f);
		/* Each operation implies the ones below it. */
		if (yes && op > AUTH_READ &&
		    !auth_permits(a, principal, op - 1, AUTH_SUBJECT, subject))
			__builtin_trap();
		int config = auth_permits(a, principal, op, AUTH_CONFIG, NULL);
		int mode = auth_permits(a, principal, op, AUTH_MODE, NULL);
		if ((config && op > AUTH_READ &&
		     !auth_permits(a, principal, op - 1, AUTH_CONFIG, NULL)) ||
		    (mode && op > AUTH_READ &&
		     !auth_permits(a, principal, op - 1, AUTH_MODE, NULL)))
			__builtin_trap();
	}
}

static void fuzz_ask(const struct auth *a, const char *subject)
{
	for (size_t p = 0; p < sizeof fuzz_principals / sizeof fuzz_principals[0]; p++)
		fuzz_ask_as(a, fuzz_principals[p], subject);
}

/* The string member `key` of entry `i` of the array `list` of `root`, or
 * NULL. Borrowed from `root`. */
static const char *fuzz_member(json_t *root, const char *list, size_t i, const char *key)
{
	return json_string_value(
	    json_object_get(json_array_get(json_object_get(root, list), i), key));
}

/* Whether the input spells "scrypt" anywhere. */
static int fuzz_has_scrypt(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + 6 <= size; i++)
		if (memcmp(data + i, "scrypt", 6) == 0)
			return 1;
	return 0;
}

static void fuzz_passwords(struct auth *a, json_t *root, const uint8_t *data, size_t size)
{
	const char *user = fuzz_member(root, "users", 0, "username");
	if (!user || fuzz_has_scrypt(data, size))
		return;
	const char *who = auth_authenticate_basic(a, user, "s3cret-one");
	if (who && strcmp(who, user) != 0)
		__builtin_trap();
	/* The second time may come from the cache: the same answer. */
	if (auth_authenticate_basic(a, user, "s3cret-one") != who)
		__builtin_trap();
	if (auth_authenticate_basic(a, user, "s3cret-one!"))
		__builtin_trap();
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

	/* It loaded, so it is JSON: ask for its own principals too. */
	json_t *root = json_loadb((const char *)data, size, 0, NULL);
	for (size_t i = 0; i < 4; i++) {
		const char *name = fuzz_member(root, "permissions", i, "username");
		if (name) {
			fuzz_ask_as(a, name, subject);
			fuzz_ask_as(a, name, "orders-value");
		}
	}
	fuzz_passwords(a, root, data, size);
	json_decref(root);
	auth_unref(a);
	return 0;
}
