/* cli/inproc.h: the gateway's schema source in `serve` mode, reading the
 * registry's store in-process (no HTTP, no JSON between the two).
 *
 *   struct schemasource *ss = inproc_open(store, &opts, &err);
 *   ... gwcheck over ss ...
 *   inproc_changed(ss, "orders-value");   after the registry changed a subject
 *   schemasource_close(ss);
 *
 * It implements struct schemasource_backend (gateway/schemasource.h) over
 * registry/store.h: a schema by id (with its references from the stored
 * JSON array), the live (subject, version) pairs of an id, a subject's
 * version (-1: the latest live one), and the id of a GUID
 * (store_schema_by_guid()). Each lookup is one read transaction.
 *
 * Threads: every callback may run on many threads at once (the store pools
 * its read connections). Ownership: the store is borrowed and must outlive
 * the source.
 */
#ifndef SG_CLI_INPROC_H
#define SG_CLI_INPROC_H

#include "compat/error.h"

struct schemasource;
struct schemasource_options;
struct store;

/* A schema source over `st`. NULL with `err` set on failure. */
struct schemasource *inproc_open(struct store *st, const struct schemasource_options *o,
                                 struct sg_error *err);

/* Tells the source that `subject` changed (NULL: anything may have): its
 * cached latest version and every id -> subjects list are dropped. */
void inproc_changed(struct schemasource *ss, const char *subject);

#endif
