/* gateway/schemasource.h: the schemas the gateway validates with, looked up
 * in a registry and cached.
 *
 * Four lookups, with their caches:
 *   - a schema by id (schemasource_schema()): parsed with schema_parse() (its
 *     references fetched and parsed too), with its payload validator prepared
 *     (schema_validator_new(): for Avro, the program compiled), and cached
 *     forever, since a registered id never changes. The cache is an
 *     LRU bounded by an estimate of the memory each entry holds (one entry
 *     larger than the whole budget is kept alone). An id the registry does
 *     not know is remembered as unknown for negative_ttl_ms, at most
 *     max_unknown_ids of them (the least recently used forgotten first),
 *     outside the byte budget: made-up ids cannot push real schemas out. A
 *     schema that cannot be used here is fetched again after negative_ttl_ms
 *     too (its parse may have failed for want of memory).
 *   - whether an id is registered under a subject (schemasource_registered()),
 *     from the list of (subject, version) pairs of the id, as Confluent's
 *     GET /schemas/ids/{id}/versions gives it; that list is cached for
 *     subjects_ttl_ms, and fetched again when a subject is missing from a list
 *     older than recheck_ms (so a registration is seen at once); at most
 *     max_ids lists, the least recently used evicted first.
 *   - the id of a schema GUID (schemasource_guid(); Confluent 8's content
 *     identifier, registry/guid.h), in the same byte-bounded cache as the
 *     schemas (each GUID costing SCHEMASOURCE_GUID_BYTES) and kept as long
 *     as it stays there, since a GUID names fixed content; a GUID the
 *     registry does not know is remembered like an unknown id (with them,
 *     under the same max_unknown_ids bound, for negative_ttl_ms).
 *   - the latest version of a subject (schemasource_latest()), cached for
 *     latest_ttl_ms, absence included (so topics without a subject cost no
 *     registry traffic); at most max_subjects of them, the least recently
 *     used evicted first (an expired entry stays until evicted, to be served
 *     during an outage).
 * Contexts (Confluent 8's qualified subjects ":.ctx:s"): ids are numbered per
 * context, so the same id may name different schemas in two contexts. An id
 * of a context other than the default one is looked up with
 * schemasource_schema_in() (over HTTP, GET /schemas/ids/{id}?subject=:.ctx:)
 * and cached under the context and the id; schemasource_registered() and
 * schemasource_latest() of a qualified subject read the ids of its context.
 * A schema's references without a context of their own are the subjects of
 * its context, as the registry resolves them. The default context ("." or
 * none) is keyed by the id alone, as before contexts.
 *
 * schemasource_invalidate() drops what a registration or deletion makes stale;
 * the registry calls it in `serve` mode after each change.
 *
 * Outages: when the registry cannot be reached, an expired entry is served as
 * it was (stale but known). With nothing cached the lookup fails with
 * SG_EUNAVAILABLE, which the gateway answers with a retriable Kafka error
 * (error_kafka_code()); it never means "valid". After a failed fetch, further
 * fetches fail at once for backoff_ms instead of each waiting for a timeout.
 * Any backend failure other than "not found" is reported as SG_EUNAVAILABLE
 * (with the backend's message): the gateway must not reject a record because
 * of its own trouble, nor pass it unchecked.
 *
 * Two backends behind one interface: HTTP through registry/regclient (a
 * standalone gateway with --registry URL), or callbacks the caller provides
 * (struct schemasource_backend: `serve` mode reads its store in-process, and
 * the tests use an in-memory registry).
 *
 * Threads: every function may be called from any number of threads at once,
 * except schemasource_close(). Cached ids are read under a read lock; a miss
 * fetches outside every lock, and concurrent misses of the same key wait for
 * one fetch (single flight). Lookups block for at most the backend's timeout
 * (per fetch; a schema with references makes one fetch per reference).
 *
 * Ownership: schemasource_schema() hands out a held entry, valid until
 * schemasource_release(); everything reachable from it is borrowed from it.
 * Strings passed in are borrowed for the call.
 */
#ifndef SG_SCHEMASOURCE_H
#define SG_SCHEMASOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "compat/error.h"
#include "compat/schema.h"
#include "common/regclient.h"

/* Longest subject name handled (Confluent has no limit; ours bounds memory). */
#define SCHEMASOURCE_SUBJECT_MAX 1024
/* How deep references may nest, and how many one schema may pull in. */
#define SCHEMASOURCE_REF_DEPTH 16
#define SCHEMASOURCE_REF_MAX   256
/* Longest context name (".ctx") handled. */
#define SCHEMASOURCE_CONTEXT_MAX 255
/* Most (subject, version) pairs kept for one id. */
#define SCHEMASOURCE_ID_SUBJECTS_MAX 1000

/* ---- The backend interface (what a registry provides) ---- */

/* One reference of a schema, as a registration lists it. */
struct schemasource_ref {
	const char *name; /* as a "$ref" or an Avro type name uses it */
	const char *subject;
	int version; /* -1: the latest live version */
};

/* A schema as the registry holds it. Every pointer is borrowed for the call. */
struct schemasource_text {
	int64_t id;
	int version; /* the version under the subject asked for; 0 for by-id lookups */
	enum schema_type type;
	const char *text;
	size_t len;
	const struct schemasource_ref *refs;
	size_t nrefs;
	/* The registry's schemaType when this build does not know it (then
	 * `type` means nothing): the schema is cached as unusable, saying so. */
	const char *unknown_type;
};

/* Receives a schema; returns 0, or -1 with `err` set to stop. */
typedef int (*schemasource_text_fn)(void *arg, const struct schemasource_text *t,
                                    struct sg_error *err);
/* Receives one (subject, version) pair; returns 0, or -1 to stop. */
typedef int (*schemasource_version_fn)(void *arg, const char *subject, int version);

/* Callbacks of a registry. Each returns 1 when found (after calling `fn`;
 * when `fn` returns -1 the callback returns -1 and leaves `err` as fn set
 * it), 0 when there is no such thing, or -1 with `err` set on failure. They
 * are called from many threads at once and must be thread-safe. */
struct schemasource_backend {
	/* The schema with this id (GET /schemas/ids/{id}). */
	int (*schema_by_id)(void *ctx, int64_t id, schemasource_text_fn fn, void *arg,
	                    struct sg_error *err);
	/* Every live (subject, version) whose schema is `id`, through `fn`
	 * (GET /schemas/ids/{id}/versions). Returns 1 when the id exists (even
	 * with no live version), 0 when it does not. */
	int (*subjects_by_id)(void *ctx, int64_t id, schemasource_version_fn fn, void *arg,
	                      struct sg_error *err);
	/* Version `version` of `subject`, soft-deleted versions included, or with
	 * version -1 the latest live one (GET /subjects/{s}/versions/{v}). */
	int (*subject_version)(void *ctx, const char *subject, int version, schemasource_text_fn fn,
	                       void *arg, struct sg_error *err);
	/* The id of the schema whose GUID is `guid` (36 characters, lower
	 * case), in *id: GET /schemas/guids/{guid}/ids, the default context's
	 * (lowest) id. May be NULL: such a backend knows no GUID (answers 0). */
	int (*id_by_guid)(void *ctx, const char *guid, int64_t *id, struct sg_error *err);
	/* schema_by_id and subjects_by_id for an id of context `context`
	 * (".ctx", never the default context): GET /schemas/ids/{id}?subject=
	 * :.ctx: and GET /schemas/ids/{id}/versions?subject=:.ctx:. May be NULL:
	 * such a backend knows no context but the default one (answers 0). */
	int (*schema_by_id_in)(void *ctx, const char *context, int64_t id, schemasource_text_fn fn,
	                       void *arg, struct sg_error *err);
	int (*subjects_by_id_in)(void *ctx, const char *context, int64_t id,
	                         schemasource_version_fn fn, void *arg, struct sg_error *err);
	/* id_by_guid for the id of context `context` (".ctx"): the entry of
	 * that context in GET /schemas/guids/{guid}/ids. May be NULL. */
	int (*id_by_guid_in)(void *ctx, const char *context, const char *guid, int64_t *id,
	                     struct sg_error *err);
	/* Called by schemasource_reconnect(); may be NULL. */
	void (*reconnect)(void *ctx);
	/* Called by schemasource_close(); may be NULL. */
	void (*close)(void *ctx);
	void *ctx;
};

/* ---- Opening ---- */

struct schemasource_options {
	size_t id_cache_bytes;    /* estimated memory of cached schemas; 0: 64 MiB */
	unsigned latest_ttl_ms;   /* 0: 5000 */
	unsigned subjects_ttl_ms; /* 0: 60000 */
	unsigned recheck_ms;      /* 0: 1000 */
	unsigned negative_ttl_ms; /* unknown ids; 0: 5000 */
	unsigned backoff_ms;      /* 0: 1000 */
	size_t max_subjects;      /* latest-version entries; 0: 10000 */
	size_t max_ids;           /* id -> subjects entries; 0: 10000 */
	size_t max_unknown_ids;   /* negative entries, outside the byte budget; 0: 10000 */
	/* Milliseconds of a monotonic clock; NULL: CLOCK_MONOTONIC (tests set it). */
	uint64_t (*clock_ms)(void *arg);
	void *clock_arg;
};

struct schemasource;

/* A source over caller-provided callbacks (copied; `b->ctx` must outlive the
 * source). `o` may be NULL for the defaults. NULL on failure with `err` set. */
struct schemasource *schemasource_open(const struct schemasource_backend *b,
                                       const struct schemasource_options *o, struct sg_error *err);

/* A source over HTTP(S): `url` like "https://registry:8081", reached as `ro`
 * says (common/regclient.h: the CA, a client certificate, Basic
 * credentials; NULL for none), each request bounded by ro->timeout_ms (0:
 * 2000). The options are copied, and every regclient the source makes uses
 * them. Fails (NULL, `err` set) when they do not load: a CA, certificate or
 * key file that cannot be read. Call it before starting threads (it
 * initialises libcurl). */
struct schemasource *schemasource_open_http(const char *url, const struct regclient_options *ro,
                                            const struct schemasource_options *o,
                                            struct sg_error *err);

/* Frees the caches and calls the backend's close. No lookup may be running
 * and every entry must have been released. Accepts NULL. */
void schemasource_close(struct schemasource *ss);

/* ---- Lookups ---- */

/* A cached schema. Read-only; held until schemasource_release(). */
struct schemasource_schema {
	int64_t id;
	enum schema_type type;
	/* NULL when the registry's schema cannot be used here (a type we do not
	 * know, or text our parser refuses): then `unusable` says why and
	 * records framed with this id are rejected. */
	const struct schema *schema;
	/* What payloads are checked with (schema_validate()); NULL with `schema`. */
	const struct schema_validator *validator;
	/* The record name RecordNameStrategy uses (schema_record_name()); NULL
	 * when none. */
	const char *record_name;
	const char *unusable;
};

/* Looks up schema `id`. Returns 1 with a held entry in *out, 0 when the
 * registry has no such id, -1 with `err` (SG_EUNAVAILABLE) when it cannot be
 * asked and nothing is cached. */
int schemasource_schema(struct schemasource *ss, int64_t id, const struct schemasource_schema **out,
                        struct sg_error *err);

/* schemasource_schema() for an id of context `context` (".ctx"; NULL, ""
 * or "." is the default context, as schemasource_schema()). A context name
 * longer than SCHEMASOURCE_CONTEXT_MAX has no such id (0). */
int schemasource_schema_in(struct schemasource *ss, const char *context, int64_t id,
                           const struct schemasource_schema **out, struct sg_error *err);

/* Lets go of an entry from schemasource_schema(). Accepts NULL. */
void schemasource_release(struct schemasource *ss, const struct schemasource_schema *s);

/* Whether schema `id` is a live version of `subject`; the id is one of the
 * subject's context (":.ctx:s": of ".ctx"). Returns 1 (and sets
 * *version when not NULL), 0 when it is not (or the id is unknown), -1 with
 * `err` (SG_EUNAVAILABLE). */
int schemasource_registered(struct schemasource *ss, int64_t id, const char *subject, int *version,
                            struct sg_error *err);

/* What a cached GUID counts against id_cache_bytes. */
#define SCHEMASOURCE_GUID_BYTES 128

/* The id of the schema whose GUID is `guid` (36 characters, lower case, as
 * gateway/framing.h writes it). Returns 1 with *id set, 0 when the registry
 * has no such GUID, -1 with `err` (SG_EUNAVAILABLE) when it cannot be asked
 * and nothing is cached. The schema itself: schemasource_schema(*id). */
int schemasource_guid(struct schemasource *ss, const char *guid, int64_t *id, struct sg_error *err);

/* schemasource_guid() for the id the GUID has in context `context` (".ctx";
 * NULL, "" or "." is the default context): the id to look up with
 * schemasource_schema_in() of that context. Cached apart for each context. */
int schemasource_guid_in(struct schemasource *ss, const char *context, const char *guid,
                         int64_t *id, struct sg_error *err);

struct schemasource_latest {
	int64_t id;
	int version;
};

/* The latest live version of `subject`. Returns 1 with *out filled, 0 when
 * the subject has no live version, -1 with `err` (SG_EUNAVAILABLE). The
 * schema itself is cached by id: get it with schemasource_schema_in() of
 * the subject's context (schemasource_schema() for an unqualified one). */
int schemasource_latest(struct schemasource *ss, const char *subject,
                        struct schemasource_latest *out, struct sg_error *err);

/* Forgets the latest version of `subject` (NULL: of every subject) and every
 * id -> subjects list, so the next lookups ask the registry. Schemas by id
 * stay cached (they never change). Never blocks on a fetch. */
void schemasource_invalidate(struct schemasource *ss, const char *subject);

/* Makes the next fetches open new connections to the registry, which read
 * the CA, the client certificate and its key again (rotated files; SIGHUP
 * calls this): idle connections are closed now, and ones in use when their
 * request ends. Nothing cached is dropped. Any thread. */
void schemasource_reconnect(struct schemasource *ss);

/* ---- Diagnostics ---- */

struct schemasource_stats {
	uint64_t hits;         /* lookups answered from a cache */
	uint64_t fetches;      /* backend calls made */
	uint64_t fetch_errors; /* backend calls that failed (not "not found") */
	uint64_t stale_served; /* expired entries served during an outage */
	uint64_t evictions;    /* schemas dropped by the memory bound */
	size_t id_entries;     /* schemas and GUIDs cached, known or not */
	size_t id_bytes;       /* their estimated memory */
};

void schemasource_stats(struct schemasource *ss, struct schemasource_stats *out);

#endif
