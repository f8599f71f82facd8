/* tests/registry/authcheck.c: `authcheck FILE USER PASSWORD` loads the auth
 * file FILE with registry/auth and tries HTTP Basic with USER and PASSWORD.
 * Prints "ok PRINCIPAL" and exits 0 when they are let in, prints "refused"
 * and exits 1 when not, or prints the load error and exits 2. For the shell
 * tests of `schemagate passwd` (tests/registry/passwd.sh). */
#include <stdio.h>

#include "registry/auth.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: authcheck FILE USER PASSWORD\n");
		return 2;
	}
	struct sg_error err;
	error_clear(&err);
	struct auth *a = auth_load(argv[1], &err);
	if (!a) {
		printf("%s\n", err.msg);
		return 2;
	}
	const char *who = auth_authenticate_basic(a, argv[2], argv[3]);
	if (who)
		printf("ok %s\n", who);
	else
		printf("refused\n");
	auth_unref(a);
	return who ? 0 : 1;
}
