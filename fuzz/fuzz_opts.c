/* fuzz/fuzz_opts.c: the parsers of configuration text given on the command
 * line or in SCHEMAGATE_* variables. The first byte of the input picks a mode
 * (byte % 7) and a setting (byte / 7); the rest, cut at its first NUL, is the
 * text `v`:
 *   0  `v` as the gateway's --brokers, with --listen 127.0.0.1:0 and no
 *      --broker-port-base. gateway_open() parses --listen, then every broker,
 *      and then, with listen port 0 and no base, must refuse before it
 *      makes anything ("--listen port 0 needs --broker-port-base"): so it
 *      returns NULL either way, and the message tells whether the list
 *      parsed. Nothing is bound, started or contacted.
 *   1  `v` as the gateway's --listen, with --brokers "x" (no port): after
 *      --listen parses, the brokers fail; either way NULL, nothing opened.
 *   2  cli/opts' opts_hostport() (the registry's --listen, --admin-listen)
 *      into a heap buffer of setting + 1 bytes (1 to 37).
 *   3  opts_size() against one of six ceilings (setting / 2), checked
 *      against a reference reading of its contract (digits, an optional b,
 *      k, kib, m, mib, g or gib in any case, between 1 and the ceiling).
 *   4  opts_uint() against one of seven ceilings (setting / 2), against a
 *      reference. In modes 2 to 4 the setting's low bit makes the value come
 *      from the flag's variable instead of the flag (errors must name it).
 *   5  opts_on(), against a reference.
 *   6  the rest split at NULs as argv (at most 64 arguments, at most
 *      setting % 4 of them not flags) for opts_parse() over a small flag
 *      table (a switch, flags with variables and defaults), then the typed
 *      readers on what it found (opts_duration_ms() reads --threads too).
 * Every failure must set a known code and a terminated message naming the
 * flag or variable; never crash, leak or hang. Seeds: fuzz/corpus/opts/. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/opts.h"
#include "compat/error.h"
#include "gateway/gateway.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TEXT_MAX 4096
#define FUZZ_ARGS_MAX 64

static void fuzz_msg_ok(const struct sg_error *err, const char *prefix)
{
	if (!memchr(err->msg, 0, sizeof err->msg) || err->code != SG_EBAD_REQUEST)
		__builtin_trap();
	if (prefix && strncmp(err->msg, prefix, strlen(prefix)) != 0)
		__builtin_trap();
}

static void fuzz_gateway(int listen, const char *v)
{
	struct gateway_options o = {.listen = listen ? v : "127.0.0.1:0",
	                            .brokers = listen ? "x" : v};
	struct sg_error err;
	error_clear(&err);
	/* An empty broker list would start the mock cluster with mock_brokers
	 * set; with 0 it is refused before anything is made. */
	struct gateway *gw = gateway_open(&o, &err);
	if (gw)
		__builtin_trap();
	fuzz_msg_ok(&err, NULL);
	if (listen) {
		if (strncmp(err.msg, "--listen: ", 10) != 0 &&
		    strcmp(err.msg, "--brokers: 'x' has no port") != 0 &&
		    strcmp(err.msg, "the gateway needs --listen and --brokers") != 0)
			__builtin_trap();
	} else if (strncmp(err.msg, "--brokers: ", 11) != 0 &&
	           strcmp(err.msg, "--listen port 0 needs --broker-port-base") != 0 &&
	           strcmp(err.msg, "the gateway needs --listen and --brokers") != 0) {
		__builtin_trap();
	}
}

static const struct opt_spec fuzz_one[] = {
    {"--value", "SG_FUZZ_VALUE", "V", NULL, "the value under test"},
};

static void fuzz_one_opts(struct opts *o, const char *v, int env)
{
	memset(o, 0, sizeof *o);
	o->specs = fuzz_one;
	o->n = 1;
	o->value[0] = v;
	o->origin[0] = env ? OPT_ENV : OPT_FLAG;
}

static void fuzz_hostport(unsigned setting, const char *v)
{
	struct opts o;
	struct sg_error err;
	size_t hostsz = setting + 1;
	char *host = malloc(hostsz);
	int port = -1;

	if (!host)
		return;
	fuzz_one_opts(&o, v, setting & 1);
	error_clear(&err);
	if (opts_hostport(&o, "--value", host, hostsz, &port, &err) == 0) {
		size_t hl;
		if (err.code != SG_OK || port < 0 || port > 65535 || !memchr(host, 0, hostsz))
			__builtin_trap();
		hl = strlen(host);
		/* The host is the text before the port's colon (brackets off), or
		 * all interfaces for an empty one. */
		const char *colon = strrchr(v, ':');
		if (!colon || !colon[1])
			__builtin_trap();
		for (const char *c = colon + 1; *c; c++)
			if (!isdigit((unsigned char)*c))
				__builtin_trap();
		if (strcmp(host, "0.0.0.0") != 0 &&
		    (hl == 0 || memcmp(v + (v[0] == '['), host, hl) != 0))
			__builtin_trap();
	} else {
		fuzz_msg_ok(&err, setting & 1 ? "SG_FUZZ_VALUE" : "--value");
	}
	free(host);
}

/* The reference of opts_size(): 0 with *out set, or -1. */
static int fuzz_size_ref(const char *v, size_t max, size_t *out)
{
	static const struct {
		const char *suffix;
		unsigned long long mult;
	} units[] = {{"", 1},           {"b", 1},
	             {"k", 1ull << 10}, {"kib", 1ull << 10},
	             {"m", 1ull << 20}, {"mib", 1ull << 20},
	             {"g", 1ull << 30}, {"gib", 1ull << 30}};
	unsigned __int128 n = 0;
	const char *c = v;

	if (!isdigit((unsigned char)*c))
		return -1;
	for (; isdigit((unsigned char)*c); c++)
		if ((n = n * 10 + (unsigned)(*c - '0')) > ((unsigned __int128)1 << 100))
			n = (unsigned __int128)1 << 100; /* saturate: too big either way */
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcasecmp(c, units[i].suffix) != 0)
			continue;
		n *= units[i].mult;
		if (n == 0 || n > max)
			return -1;
		*out = (size_t)n;
		return 0;
	}
	return -1;
}

static void fuzz_size(unsigned setting, const char *v)
{
	static const size_t maxes[] = {1, 1023, 1024, 1u << 20, (size_t)64 << 30, SIZE_MAX};
	size_t max = maxes[(setting / 2) % 6], got = 0, want = 0;
	struct opts o;
	struct sg_error err;

	fuzz_one_opts(&o, v, setting & 1);
	error_clear(&err);
	int rc = opts_size(&o, "--value", max, &got, &err);
	int ref = fuzz_size_ref(v, max, &want);
	if (rc != ref || (rc == 0 && got != want))
		__builtin_trap();
	if (rc != 0)
		fuzz_msg_ok(&err, setting & 1 ? "SG_FUZZ_VALUE" : "--value");
}

static void fuzz_uint(unsigned setting, const char *v)
{
	static const unsigned maxes[] = {0, 1, 16, 255, 256, 65535, UINT32_MAX};
	unsigned max = maxes[(setting / 2) % 7], got = 0;
	unsigned __int128 n = 0;
	int ref = *v ? 0 : -1;
	struct opts o;
	struct sg_error err;

	for (const char *c = v; *c && ref == 0; c++) {
		if (!isdigit((unsigned char)*c))
			ref = -1;
		else if ((n = n * 10 + (unsigned)(*c - '0')) > max)
			ref = -1;
	}
	fuzz_one_opts(&o, v, setting & 1);
	error_clear(&err);
	int rc = opts_uint(&o, "--value", max, &got, &err);
	if (rc != ref || (rc == 0 && got != (unsigned)n))
		__builtin_trap();
	if (rc != 0)
		fuzz_msg_ok(&err, setting & 1 ? "SG_FUZZ_VALUE" : "--value");
}

static void fuzz_on(const char *v)
{
	struct opts o;
	int ref =
	    *v && strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0 && strcasecmp(v, "no") != 0;
	fuzz_one_opts(&o, v, 0);
	if (opts_on(&o, "--value") != ref || opts_on(&o, "--other") != 0)
		__builtin_trap();
}

static const struct opt_spec fuzz_specs[] = {
    {"--listen", "SG_FUZZ_LISTEN", "HOST:PORT", "127.0.0.1:8081", "an address"},
    {"--body-limit", "SG_FUZZ_BODY", "BYTES", "1M", "a size"},
    {"--threads", "SG_FUZZ_THREADS", "N", NULL, "a number"},
    {"--quiet", NULL, NULL, NULL, "a switch"},
    {"--db", "SG_FUZZ_DB", "PATH", NULL, "a path"},
};
#define FUZZ_NSPECS (sizeof fuzz_specs / sizeof fuzz_specs[0])

/* Whether `p` is one of `argv`'s strings or inside one. */
static int fuzz_in_argv(const char *p, char **argv, int argc)
{
	for (int i = 0; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return 1;
	return 0;
}

static void fuzz_parse(unsigned setting, const uint8_t *in, size_t len, char *text)
{
	char *argv[FUZZ_ARGS_MAX], *saved[FUZZ_ARGS_MAX];
	int argc = 0;
	size_t max_args = setting % 4;
	struct opts o;
	struct sg_error err;

	memcpy(text, in, len);
	text[len] = '\0';
	for (size_t i = 0; i <= len && argc < FUZZ_ARGS_MAX;) {
		argv[argc++] = text + i;
		i += strlen(text + i) + 1;
	}
	memcpy(saved, argv, sizeof(char *) * (size_t)argc);
	error_clear(&err);
	if (opts_parse(&o, fuzz_specs, FUZZ_NSPECS, max_args, argc, argv, &err) != 0) {
		fuzz_msg_ok(&err, NULL);
		return;
	}
	if (o.nargs > max_args || o.n != FUZZ_NSPECS)
		__builtin_trap();
	for (size_t i = 0; i < o.nargs; i++)
		if (!fuzz_in_argv(o.args[i], saved, argc))
			__builtin_trap();
	for (size_t i = 0; i < FUZZ_NSPECS; i++) {
		const char *v = o.value[i];
		const char *env = fuzz_specs[i].env ? getenv(fuzz_specs[i].env) : NULL;
		switch (o.origin[i]) {
		case OPT_UNSET:
			if (v)
				__builtin_trap();
			break;
		case OPT_DEFAULT:
			if (v != fuzz_specs[i].defval)
				__builtin_trap();
			break;
		case OPT_ENV:
			if (!env || v != env)
				__builtin_trap();
			break;
		case OPT_FLAG:
			if (!v || (!fuzz_in_argv(v, saved, argc) && strcmp(v, "1") != 0))
				__builtin_trap();
			break;
		}
	}
	if (o.help)
		return;
	char host[64];
	int port;
	size_t bytes;
	unsigned n;
	error_clear(&err);
	if (opts_hostport(&o, "--listen", host, sizeof host, &port, &err) != 0)
		fuzz_msg_ok(&err, NULL);
	error_clear(&err);
	if (opts_size(&o, "--body-limit", (size_t)1 << 30, &bytes, &err) != 0)
		fuzz_msg_ok(&err, NULL);
	error_clear(&err);
	if (opts_uint(&o, "--threads", 256, &n, &err) != 0)
		fuzz_msg_ok(&err, NULL);
	error_clear(&err);
	if (opts_duration_ms(&o, "--threads", 3600 * 1000, &n, &err) != 0)
		fuzz_msg_ok(&err, NULL);
	else if (n == 0 || n > 3600 * 1000)
		__builtin_trap();
	opts_on(&o, "--quiet");
	if (opts_get(&o, "--nowhere"))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[FUZZ_TEXT_MAX + 1];
	static int ready;
	if (!ready) {
		/* One flag of opts_parse's table comes from the environment. */
		setenv("SG_FUZZ_BODY", "64K", 1);
		unsetenv("SG_FUZZ_LISTEN");
		unsetenv("SG_FUZZ_THREADS");
		unsetenv("SG_FUZZ_DB");
		ready = 1;
	}
	if (size < 1 || size - 1 > FUZZ_TEXT_MAX)
		return 0;
	unsigned mode = data[0] % 7, setting = data[0] / 7;
	const uint8_t *in = data + 1;
	size_t len = size - 1;

	if (mode == 6) {
		fuzz_parse(setting, in, len, text);
		return 0;
	}
	memcpy(text, in, len);
	text[len] = '\0';
	switch (mode) {
	case 0:
	case 1:
		fuzz_gateway(mode == 1, text);
		break;
	case 2:
		fuzz_hostport(setting, text);
		break;
	case 3:
		fuzz_size(setting, text);
		break;
	case 4:
		fuzz_uint(setting, text);
		break;
	default:
		fuzz_on(text);
		break;
	}
	return 0;
}
