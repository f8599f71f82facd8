/* registry/guid.h: Confluent's schema GUID (Schema Registry 8), the
 * identifier of a schema's content that `GET /schemas/guids/{guid}` looks up
 * and that a record framed with magic byte 1 carries.
 *
 * The GUID is the MD5 digest of, in order (Confluent's Schema.updateHash and
 * MD5.toString, client and core modules, tag v8.1.0):
 *   - the schema text (UTF-8);
 *   - for each reference, in the order registered: its name, its subject,
 *     and its version as a 4-byte big-endian integer;
 *   - when there is metadata: the byte 1, then for each tag (sorted by key)
 *     the key and each of its values (sorted), for each property (sorted by
 *     key) the key and the value, and each sensitive name (sorted);
 *   - when there is a rule set: the byte 1, then the migration, domain and
 *     encoding rules, each rule as its name, doc, kind, mode, type, tags
 *     (sorted), params (key and value, sorted by key), expr, onSuccess and
 *     onFailure (each only when present) and the byte 1 when it is disabled;
 * written as the 16 bytes in lower-case hex, grouped 8-4-4-4-12 (Java's
 * UUID(high, low).toString() of the digest's two big-endian halves). The
 * schema type is not part of it.
 *
 * Metadata and rule sets are read in the canonical form registry/entity
 * stores (maps and sets already sorted), so the order above is theirs.
 * Pure; thread-safe.
 */
#ifndef SG_GUID_H
#define SG_GUID_H

#include "compat/error.h"

#define GUID_TEXT_LEN 36

/* The GUID of a schema: its text, and the JSON texts of its references
 * (an array of {"name","subject","version"}), metadata and rule set, each
 * NULL when absent. Writes GUID_TEXT_LEN characters and a NUL to `out`.
 * Returns 0, or -1 with `err` set when one of the JSON texts is malformed
 * (SG_ESTORE) or out of memory. */
int guid_of(const char *text, const char *refs, const char *metadata, const char *ruleset,
            char out[GUID_TEXT_LEN + 1], struct sg_error *err);

/* Whether `s` is a GUID as guid_of() writes it, in either letter case. */
int guid_valid(const char *s);

#endif
