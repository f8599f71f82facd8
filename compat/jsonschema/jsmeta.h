/* compat/jsonschema/jsmeta.h: the official JSON Schema meta-schemas, embedded at build
 * time from compat/meta/ (see compat/meta/LICENSE), so that "$schema" and
 * "$ref"s to json-schema.org never need the network.
 *
 * Ownership: jsmeta_load() returns a new reference the caller releases with
 * json_decref(). The embedded bytes are static and read-only.
 */
#ifndef SG_JSMETA_H
#define SG_JSMETA_H

#include <stddef.h>
#include <jansson.h>

#include "compat/embed.h"
#include "compat/error.h"

/* One embedded file (generated into compat/jsmeta_data.c by embed.sh). */
/* The official meta-schemas, embedded from compat/meta/ by scripts/embed at
 * build time ("draft7.json", ...; the table ends with a NULL path). */
extern const struct embed_file jsmeta_files[];

/* The draft a "$schema" URI names: 4, 6, 7, 2019 or 2020, or 0 when it is
 * not one of the official meta-schemas. "http"/"https" and a trailing "#"
 * are accepted either way. */
int jsmeta_draft(const char *uri);

/* The official meta-schema URI of `draft` (4, 6, 7, 2019, 2020), or NULL. */
const char *jsmeta_draft_uri(int draft);

/* Parses the bundled meta-schema whose URI is `uri` (a trailing empty
 * fragment "#" is ignored; "http" and "https" are told apart). Returns a new
 * reference; or NULL, with SG_ENOMEM in `err` when memory ran out, and with
 * `err` untouched when no bundled schema has that URI. */
json_t *jsmeta_load(const char *uri, struct sg_error *err);

#endif
