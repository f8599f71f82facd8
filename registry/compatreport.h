/* registry/compatreport.h: a compatibility check against a subject's history,
 * with its findings worded as Confluent words them.
 *
 * Which versions are checked, in which direction, is decided by
 * schema_check_level() (compat/schema.h), the one place a level's rules live.
 * This module only turns a failure into Confluent's message list: for each
 * finding "{errorType:'...', description:'...', additionalInfo:'...'}" with the
 * description naming the "new" and "old" schema as reader or writer, then
 * "{oldSchemaVersion: N}" and "{oldSchema: '...'}" for the version that
 * failed, and last "{validateFields: 'false', compatibility: 'BACKWARD'}".
 * A subject whose history is empty is compatible with anything.
 *
 * Pure apart from allocation; thread-safe.
 */
#ifndef SG_COMPATREPORT_H
#define SG_COMPATREPORT_H

#include <stddef.h>
#include <jansson.h>
#include "compat/error.h"
#include "compat/level.h"
#include "compat/schema.h"

/* One earlier version of the subject. */
struct compatreport_prev {
	const struct schema *schema;
	int version;
	const char *text; /* as stored: what {oldSchema: '...'} shows */
};

/* Checks `candidate` against `history` (n versions, oldest first). Returns 1
 * when compatible, 0 when not (the messages appended to `messages`, a JSON
 * array of strings), -1 on error (SG_ENOMEM). Messages already in
 * `messages` (the reserved fields' findings, registry/reserved.h) are
 * failures too: as Confluent does, the last line,
 * {validateFields: '...', compatibility: '...'}, follows any finding. */
int compatreport_check(enum level level, enum schema_policy policy, int validate_fields,
                       const struct schema *candidate, const struct compatreport_prev *history,
                       size_t n, json_t *messages, struct sg_error *err);

/* Joins messages as Java prints a List<String>: "[a, b, c]". Returns a
 * malloc'd string, or NULL when out of memory. */
char *compatreport_join(const json_t *messages);

#endif
