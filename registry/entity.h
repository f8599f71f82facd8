/* registry/entity.h: Confluent's JSON entities that the registry stores and
 * returns: schema metadata, rule sets and configs. Each is read from a request
 * with its types checked, and put in the canonical form Confluent's Java
 * classes serialise to (fixed key order, sorted maps and sets, empty parts
 * left out), so that two requests meaning the same thing store the same text.
 * Also the merges Confluent applies (a config's default and override
 * metadata and rules over a schema's own).
 *
 * Errors: a value of the wrong JSON type is SG_EBAD_REQUEST (Confluent
 * answers 400 for what Jackson cannot map); an invalid compatibility level is
 * SG_EINVALID_COMPAT_LEVEL.
 *
 * Ownership: json_t results are new references the caller decrefs; inputs
 * are borrowed. Pure; thread-safe.
 */
#ifndef SG_ENTITY_H
#define SG_ENTITY_H

#include <jansson.h>
#include "compat/error.h"
#include "compat/level.h"

/* The metadata property Confluent keeps the version number in. */
#define ENTITY_CONFLUENT_VERSION "confluent:version"

/* Canonical metadata {"tags":{..},"properties":{..},"sensitive":[..]} from a
 * request value `in` (`what` names the field in messages). Absent or null
 * yields *out = NULL. Returns 0 or -1. */
int entity_metadata(const json_t *in, const char *what, json_t **out, struct sg_error *err);

/* Canonical rule set {"migrationRules":[..],"domainRules":[..],
 * "encodingRules":[..]} from a request value. Absent or null yields NULL. */
int entity_ruleset(const json_t *in, const char *what, json_t **out, struct sg_error *err);

/* Confluent's merges: NULL when both are NULL, else a new value in which
 * `newer` wins key by key (metadata: tags and properties by key, sensitive
 * as a union; rule sets: rules by name). */
json_t *entity_metadata_merge(const json_t *older, const json_t *newer);
json_t *entity_ruleset_merge(const json_t *older, const json_t *newer);

/* A property of canonical metadata, or NULL. */
const char *entity_metadata_property(const json_t *meta, const char *key);
/* A copy of `meta` (which may be NULL) with property `key` set. */
json_t *entity_metadata_with_property(const json_t *meta, const char *key, const char *value);

/* A config update request (PUT /config): returns the stored form, a Config
 * object ({"compatibilityLevel": "FULL", ...}, level upper-cased). A field
 * the request sets to null is null here: the update clears it (Confluent's
 * ConfigValue.update: an absent field keeps the old value, a null one
 * removes it). */
int entity_config_request(const json_t *req, json_t **stored, struct sg_error *err);

/* A stored config updated by a newer one: fields the newer sets win, fields
 * it sets to null are dropped, and no field of the result is null. Either
 * may be NULL; NULL when both are (or out of memory). */
json_t *entity_config_merge(const json_t *older, const json_t *newer);

/* A stored config as PUT /config answers it (Confluent 8's
 * ConfigUpdateRequest built from the stored Config): the request's field
 * names ("compatibility", not "compatibilityLevel"), null fields left out.
 * `config` may be NULL ({}). NULL when out of memory. */
json_t *entity_config_update_view(const json_t *config);

/* The level of a stored config, or `dflt` when it sets none. */
enum level entity_config_level(const json_t *config, enum level dflt);

/* Whether a stored config sets default or override metadata or rules. */
int entity_config_has_defaults(const json_t *config);

#endif
