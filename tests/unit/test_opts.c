/* tests/unit/test_opts.c: cli/opts' duration reader (opts_duration_ms)
 * against a table of values, from the flag and from its variable: the
 * milliseconds read, or the exact message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"
#include "compat/error.h"
#include "tests/tap.h"

struct duration_case {
	const char *value;
	unsigned max_ms;
	unsigned want_ms; /* 0: an error is expected */
	int range;        /* an error: 1 out of range, 0 not a duration */
};

#define NOT_A 0
#define RANGE 1

static const struct duration_case cases[] = {
    {"10", 60000, 10000, 0},
    {"10s", 60000, 10000, 0},
    {"250ms", 60000, 250, 0},
    {"1m", 60000, 60000, 0},
    {"1ms", 60000, 1, 0},
    {"007s", 60000, 7000, 0},
    {"60000ms", 60000, 60000, 0},
    {"4294967295ms", 4294967295u, 4294967295u, 0},
    {"0", 60000, 0, RANGE},
    {"0ms", 60000, 0, RANGE},
    {"61s", 60000, 0, RANGE},
    {"2m", 60000, 0, RANGE},
    {"60001ms", 60000, 0, RANGE},
    {"99999999999999999999999s", 60000, 0, RANGE},
    {"71583m", 4294967295u, 0, RANGE},
    {"s", 60000, 0, NOT_A},
    {"10h", 60000, 0, NOT_A},
    {"10 s", 60000, 0, NOT_A},
    {"-1", 60000, 0, NOT_A},
    {"+5", 60000, 0, NOT_A},
    {"1.5s", 60000, 0, NOT_A},
    {"10S", 60000, 0, NOT_A},
    {"10sec", 60000, 0, NOT_A},
    {"5mss", 60000, 0, NOT_A},
};

static const struct opt_spec specs[] = {
    {"--timeout", "SG_TEST_TIMEOUT", "DURATION", NULL, "a duration"},
};

/* Reads `value` as --timeout, from argv (env 0) or from its variable. */
static int read_duration(const char *value, int env, unsigned max_ms, unsigned *ms,
                         struct sg_error *err)
{
	char flag[] = "--timeout";
	char *argv[2] = {flag, (char *)value};
	struct opts o;
	unsetenv("SG_TEST_TIMEOUT");
	if (env)
		setenv("SG_TEST_TIMEOUT", value, 1);
	if (opts_parse(&o, specs, 1, 0, env ? 0 : 2, argv, err) < 0)
		return -2;
	return opts_duration_ms(&o, "--timeout", max_ms, ms, err);
}

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct duration_case *c = &cases[i];
		for (int env = 0; env < 2; env++) {
			const char *src = env ? "SG_TEST_TIMEOUT" : "--timeout";
			struct sg_error err;
			error_clear(&err);
			unsigned ms = 12345;
			int rc = read_duration(c->value, env, c->max_ms, &ms, &err);
			if (c->want_ms) {
				tap_ok(rc == 0 && ms == c->want_ms, "%s '%s' (max %u ms): %u ms",
				       src, c->value, c->max_ms, c->want_ms);
				continue;
			}
			char want[SG_ERROR_MSG_MAX];
			if (c->range)
				snprintf(want, sizeof want, "%s '%s': must be from 1 ms to %u s",
				         src, c->value, c->max_ms / 1000);
			else
				snprintf(want, sizeof want,
				         "%s '%s': not a duration such as 250ms, 10s or 10m", src,
				         c->value);
			tap_ok(rc == -1 && err.code == SG_EBAD_REQUEST && ms == 12345,
			       "%s '%s' (max %u ms) is refused", src, c->value, c->max_ms);
			tap_is_str(err.msg, want, "... with its message");
		}
	}
	struct sg_error err;
	error_clear(&err);
	unsigned ms = 0;
	tap_ok(read_duration("", 0, 1000, &ms, &err) == -1 &&
	           strcmp(err.msg, "--timeout is required (a duration)") == 0,
	       "an empty value is refused: %s", err.msg);
	return tap_done();
}
