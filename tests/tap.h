/* tests/tap.h: a tiny TAP producer for C unit tests. Each check prints one
 * "ok N - name" or "not ok N - name" line; tap_done() prints the plan and
 * returns the exit status. Header-only; include it from exactly one file per
 * test program.
 */
#ifndef SG_TAP_H
#define SG_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
