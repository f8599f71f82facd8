/* cli/regfetch.h: schemas fetched from a registry and parsed, with their
 * references resolved first (recursively, at most REGFETCH_MAX_DEPTH deep).
 *
 * A regfetch owns every schema it parsed, references included; they live until
 * regfetch_free(). It borrows the regclient, and like it is not thread-safe.
 */
#ifndef SG_REGFETCH_H
#define SG_REGFETCH_H

#include "compat/schema.h"
#include "common/regclient.h"

#define REGFETCH_MAX_DEPTH 32

struct regfetch;

struct regfetch *regfetch_new(struct regclient *rc, struct sg_error *err);
void regfetch_free(struct regfetch *f);

/* GET /subjects/SUBJECT/versions/VERSION (version -1 means "latest") and parse
 * it. Returns a schema owned by `f`, or NULL with `err` set. When `version_out`
 * is not NULL it receives the version number the registry answered. */
const struct schema *regfetch_version(struct regfetch *f, const char *subject, int version,
                                      int *version_out, struct sg_error *err);

/* GET /schemas/ids/ID and parse it. Returns a schema owned by `f`, or NULL. */
const struct schema *regfetch_id(struct regfetch *f, long long id, struct sg_error *err);

#endif
