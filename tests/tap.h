/* tests/tap.h: a tiny TAP producer for C unit tests. Each check prints one
 * "ok N - name" or "not ok N - name" line; tap_done() prints the plan and
 * returns the exit status. Header-only; include it from exactly one file per
 * test program.
 *
 * Skips: tests/run allows a skip only for an input kept outside the
 * repository (a suite in $SG_SHARED, see tap_external_dir()), whose reason
 * begins with TAP_EXTERNAL; it counts any other skip as a failure.
 */
#ifndef SG_TAP_H
#define SG_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The start of every allowed skip reason (see tests/run). */
#define TAP_EXTERNAL "external: "

static int tap_n;
static int tap_failed;

__attribute__((format(printf, 2, 3))) static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

/* Prints a diagnostic line ("# ..."), shown by the harness but not counted. */
__attribute__((format(printf, 1, 2))) static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Compares two strings (NULL equals only NULL); prints both on a mismatch. */
__attribute__((format(printf, 3, 4))) static inline int
tap_is_str(const char *got, const char *want, const char *fmt, ...)
{
	int same = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);
	char name[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	if (!tap_ok(same, "%s", name)) {
		tap_diag("  got:  %s", got ? got : "(null)");
		tap_diag("  want: %s", want ? want : "(null)");
	}
	return same;
}

__attribute__((format(printf, 3, 4))) static inline int tap_is_int(long long got, long long want,
                                                                   const char *fmt, ...)
{
	char name[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	if (!tap_ok(got == want, "%s", name)) {
		tap_diag("  got:  %lld", got);
		tap_diag("  want: %lld", want);
	}
	return got == want;
}

/* Prints one skipped check, "ok N - name # SKIP reason"; it counts as a
 * check but never fails. */
__attribute__((format(printf, 2, 3))) static inline void tap_skip(const char *name, const char *fmt,
                                                                  ...)
{
	va_list ap;
	tap_n++;
	printf("ok %d - %s # SKIP ", tap_n, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Finds the folder `sub` of the external suites: $SG_SHARED/sub, where
 * SG_SHARED defaults to $SG_SRCDIR/../shared as make check sets it. Writes
 * its path to `path` and returns 1 when that folder exists. When it does not,
 * prints one skip for `suite` (TAP_EXTERNAL, the path, how to provide it) and
 * returns 0; when the path does not fit in `cap`, one failure. Only a missing
 * folder is a skip: a caller given 1 must fail on anything missing inside. */
static inline int tap_external_dir(const char *sub, const char *suite, char *path, size_t cap)
{
	const char *shared = getenv("SG_SHARED");
	const char *srcdir = getenv("SG_SRCDIR");
	int n;
	struct stat st;
	if (shared && shared[0])
		n = snprintf(path, cap, "%s/%s", shared, sub);
	else
		n = snprintf(path, cap, "%s/../shared/%s", srcdir ? srcdir : ".", sub);
	if (n < 0 || (size_t)n >= cap) {
		tap_ok(0, "%s: the path of %s fits in %zu bytes", suite, sub, cap);
		return 0;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	tap_skip(suite,
	         TAP_EXTERNAL "%s does not exist; run with SG_SHARED=<folder holding suites/ and "
	                      "third_party/> to check it",
	         path);
	return 0;
}

/* Skips everything: prints a plan of 0 with a reason. */
static inline int tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	return 0;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
