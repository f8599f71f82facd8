/* cli/opts.h: command-line flags that can also come from the environment.
 *
 * A command describes its flags in a table of struct opt_spec. opts_parse()
 * reads argv ("--flag VALUE" or "--flag=VALUE"), then fills every flag not
 * given from its environment variable, then from its default: a flag beats
 * the environment, which beats the default. Values are borrowed from argv,
 * the environment or the table, and live as long as the process.
 *
 * The typed readers (opts_hostport, opts_size, opts_uint, opts_duration_ms)
 * name where a bad
 * value came from ("--body-limit" or "SCHEMAGATE_BODY_LIMIT") in their error.
 */
#ifndef SG_CLI_OPTS_H
#define SG_CLI_OPTS_H

#include <stddef.h>
#include <stdio.h>

#include "compat/error.h"

#define OPTS_MAX 48

struct opt_spec {
	const char *flag;    /* "--listen" */
	const char *env;     /* "SCHEMAGATE_LISTEN", or NULL for none */
	const char *metavar; /* "HOST:PORT"; NULL for a switch that takes no value */
	const char *defval;  /* used when neither flag nor env is set; NULL for none */
	const char *help;    /* one line */
};

enum opt_origin { OPT_UNSET, OPT_DEFAULT, OPT_ENV, OPT_FLAG };

/* The values found, one per spec, in table order. */
struct opts {
	const struct opt_spec *specs;
	size_t n;
	const char *value[OPTS_MAX];
	enum opt_origin origin[OPTS_MAX];
	int help;    /* --help or -h was given */
	char **args; /* the arguments that are not flags, in order (borrowed from argv) */
	size_t nargs;
};

/* Parses argv[0..argc) (argv[0] is the first flag, not the program name).
 * Arguments that are not flags (and everything after "--") are collected in
 * o->args, at most `max_args` of them. A switch (metavar NULL) takes no value:
 * given, it reads "1"; "--switch=false" or "=0" reads as unset.
 * Returns 0, or -1 with `err` set (SG_EBAD_REQUEST) for an unknown flag, a
 * missing value or one argument too many. With --help, stops at once and returns 0
 * with o->help set. */
int opts_parse(struct opts *o, const struct opt_spec *specs, size_t n, size_t max_args, int argc,
               char **argv, struct sg_error *err);

/* The value of the spec whose flag is `flag` (NULL when unset). */
const char *opts_get(const struct opts *o, const char *flag);

/* Where the value of `flag` came from, as an error message names it: the
 * environment variable when it came from there, else `flag` itself. */
const char *opts_from(const struct opts *o, const char *flag);

/* "HOST:PORT", "[V6]:PORT" or ":PORT" (all interfaces). `host` receives the
 * bare host ("0.0.0.0" for an empty one). Returns 0 or -1 with `err` set. */
int opts_hostport(const struct opts *o, const char *flag, char *host, size_t hostsz, int *port,
                  struct sg_error *err);

/* A byte count: digits with an optional K, M or G suffix (KiB, MiB, GiB also
 * accepted, powers of 1024), between 1 and `max`. */
int opts_size(const struct opts *o, const char *flag, size_t max, size_t *out,
              struct sg_error *err);

/* A duration: digits with a unit, "ms", "s" or "m" (digits alone are
 * seconds), from 1 ms up to `max_ms`, into *ms. */
int opts_duration_ms(const struct opts *o, const char *flag, unsigned max_ms, unsigned *ms,
                     struct sg_error *err);

/* Whether a switch is on: set, and not "0", "false" or "no". */
int opts_on(const struct opts *o, const char *flag);

/* A plain non-negative integer up to `max`. */
int opts_uint(const struct opts *o, const char *flag, unsigned max, unsigned *out,
              struct sg_error *err);

/* Prints the flag table for --help: one entry per flag with its environment
 * variable and default. A flag and its metavar longer than the column (27
 * characters) stand on a line of their own, the help on the next. */
void opts_print_help(FILE *f, const struct opt_spec *specs, size_t n);

#endif
