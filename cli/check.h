/* cli/check.h: `schemagate check` and `schemagate register`, the commands a CI
 * pipeline runs on schema files.
 *
 * check: is each file compatible with what the registry holds for its subject
 * (online), or with a list of older files (--offline)? register: store each
 * file under its subject, after the check passed. Both take one subject and
 * file, or a mapping file of many.
 *
 * Exit status (both): 0 compatible / registered, 1 incompatible, 2 for a usage,
 * file, parse or network error (one line on stderr).
 */
#ifndef SG_CLI_CHECK_H
#define SG_CLI_CHECK_H

#include <stddef.h>

enum check_format {
	CHECK_TEXT,   /* one line per problem: FILE:LOCATION: RULE: sentence */
	CHECK_JSON,   /* one JSON document with every result */
	CHECK_GITHUB, /* GitHub Actions workflow commands (::error file=...::) */
};

struct check_config {
	const char *registry;      /* base URL, e.g. http://127.0.0.1:8081 */
	const char *subject;       /* with exactly one file; NULL with --map/--offline */
	const char *level;         /* override; NULL means the subject's level */
	const char *type;          /* "avro" or "json"; NULL means detect */
	const char *map;           /* mapping file {"subject": "file", ...} or NULL */
	enum check_format format;
	int quiet;                 /* print problems only, no summary lines */
	int offline;               /* compare files with files, no registry */
	char **files;              /* positional arguments */
	size_t nfiles;
};

/* Runs `schemagate check`. Returns the exit status. */
int check_run(const struct check_config *cfg);

/* Runs `schemagate register`. Returns the exit status. */
int check_register(const struct check_config *cfg);

/* Parses "text", "json", "github". Returns 0 or -1. */
int check_format_parse(const char *s, enum check_format *out);

#endif
