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
#include <stdio.h>

#include "common/regclient.h"
#include "compat/schema.h"

enum check_format {
	CHECK_TEXT,   /* one line per problem: FILE:LOCATION: RULE: sentence */
	CHECK_JSON,   /* one JSON document with every result */
	CHECK_GITHUB, /* GitHub Actions workflow commands (::error file=...::) */
};

struct check_config {
	const char *registry; /* base URL, e.g. http://127.0.0.1:8081 */
	const char *subject;  /* with exactly one file; NULL with --map/--offline */
	const char *level;    /* override; NULL means the subject's level */
	const char *type;     /* "avro" or "json"; NULL means detect */
	const char *map;      /* mapping file {"subject": "file", ...} or NULL */
	enum check_format format;
	int quiet;    /* print problems only, no summary lines */
	int offline;  /* compare files with files, no registry */
	char **files; /* positional arguments */
	size_t nfiles;
	/* How to reach the registry: CA, client certificate, Basic credentials
	 * (timeout_ms is the command's own). */
	struct regclient_options client;
};

/* Runs `schemagate check`. Returns the exit status. */
int check_run(const struct check_config *cfg);

/* Runs `schemagate register`. Returns the exit status. */
int check_register(const struct check_config *cfg);

/* Prints one GitHub Actions workflow command,
 * "::error file=F,line=N,title=T::L: M", escaping as GitHub requires (%, CR
 * and LF everywhere; ':' and ',' in properties too). `line` 0 leaves line=
 * out; `title` and `location` may be NULL. */
void check_github_annotation(FILE *f, const char *file, long line, const char *title,
                             const char *location, const char *message);

/* Prints one problem as a text line, FILE[:LINE]:LOCATION: RULE: MESSAGE,
 * with control characters escaped so a problem is always one line. */
void check_text_problem(FILE *f, const char *file, long line, const char *location,
                        const char *rule, const char *message);

/* Reads a whole file (at most 16 MiB) into a malloc'd, NUL-terminated buffer,
 * or returns NULL with `err` naming the file. */
char *check_read_file(const char *path, size_t *len, struct sg_error *err);

/* Loads and parses a schema file; its type is `forced_type` ("avro"/"json")
 * or detected from the extension (.avsc is Avro) and the content. On success
 * the text (malloc'd) and type are handed back when the pointers are not NULL.
 * Returns NULL with `err` naming the file on failure. */
struct schema *check_load_schema(const char *forced_type, const char *path, char **text_out,
                                 enum schema_type *type_out, struct sg_error *err);

/* Parses "text", "json", "github". Returns 0 or -1. */
int check_format_parse(const char *s, enum check_format *out);

#endif
