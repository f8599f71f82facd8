/* cli/validate.h: `schemagate validate`, message fixtures checked against a
 * schema: a schema file, or a subject's version in a registry.
 *
 * Data files hold one JSON document each, or JSON lines (--lines, or a .jsonl
 * or .ndjson name): JSON for a JSON Schema, Avro's JSON encoding for an Avro
 * schema. With --framed each file is one Confluent-framed binary record
 * (magic byte 0, a 4-byte big-endian schema id, the payload); without a schema
 * file or subject, the id picks the schema from the registry.
 *
 * Exit status: 0 when every document is valid, 1 when one is not, 2 for a
 * usage, file, schema or network error (one line on stderr).
 */
#ifndef SG_CLI_VALIDATE_H
#define SG_CLI_VALIDATE_H

#include <stddef.h>
#include "cli/check.h"

struct validate_config {
	const char *schema_file; /* NULL: from the registry */
	const char *type;        /* "avro", "json" or NULL (detect) */
	const char *registry;    /* base URL */
	const char *subject;     /* with the registry; NULL with a schema file */
	const char *version;     /* "latest" (default) or a number */
	int framed;
	int lines;
	int quiet;
	enum check_format format;
	char **files;
	size_t nfiles;
	/* How to reach the registry: CA, client certificate, Basic credentials. */
	struct regclient_options client;
};

int validate_run(const struct validate_config *cfg);

#endif
