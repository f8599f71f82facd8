/* compat/jsonschema/jscompile_state.h: the working state of one JSON Schema
 * compilation, shared by jscompile.c (the worklist of nodes, keyword
 * compilation, the cycle check and the collapse of $ref chains) and
 * jscompile_scan.c (scanning documents for $ids and anchors, working out
 * drafts and vocabularies, loading documents and resolving references).
 * Internal to those two files; what compilation produces is in jscompile.h.
 *
 * Errors: functions returning int return 0, or -1 with c->err set (the
 * first error wins); functions returning a pointer return NULL then.
 *
 * Ownership: strings, scan records and nodes live in the validator's arena
 * (jsc_alloc()) and die with it; documents loaded are held in the validator
 * (struct jsonschema's docs) and released by jscompile_release().
 */
#ifndef SG_JSCOMPILE_STATE_H
#define SG_JSCOMPILE_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "compat/error.h"
#include "compat/jsonschema/jscompile.h"

/* A hash map with string keys (NUL-terminated, compared by content) or
 * pointer keys, open addressing. Keys must outlive the map. */
struct mapent {
	const void *key;
	void *val;
	uint64_t h;
};

struct map {
	struct mapent *e;
	size_t cap, n;
	int strkeys;
};

/* Vocabularies (2019-09 and 2020-12) a subschema is read with. */
enum {
	VOC_CORE = 1 << 0,
	VOC_APPLICATOR = 1 << 1,
	VOC_UNEVALUATED = 1 << 2,
	VOC_VALIDATION = 1 << 3,
	VOC_METADATA = 1 << 4,
	VOC_FORMAT_ANNOTATION = 1 << 5,
	VOC_FORMAT_ASSERTION = 1 << 6,
	VOC_CONTENT = 1 << 7,
	VOC_STANDARD = VOC_CORE | VOC_APPLICATOR | VOC_UNEVALUATED | VOC_VALIDATION | VOC_METADATA |
	               VOC_FORMAT_ANNOTATION | VOC_CONTENT,
};

/* What the scan learnt about one subschema (an object). */
struct scaninfo {
	json_t *json;
	struct jsres *res;
	const char *loc;
	int draft; /* 4, 6, 7, 2019, 2020 */
	unsigned vocab;
	struct jsnode *node;
};

struct comp {
	struct jsonschema *v;
	const struct jsonschema_options *opts;
	struct sg_error *err;
	struct map scans;   /* json_t * -> struct scaninfo * */
	struct map docs;    /* resource URI -> json_t * (resource root) */
	struct map anchors; /* "uri#name" -> json_t * */
	struct jsres *resources;
	struct scaninfo **work;
	size_t nwork, capwork;
	struct jsnode **nodes; /* every schema node, for the cycle check */
	size_t nnodes, capnodes;
	int ndocs_loaded;
	int meta_depth;
	int uses_dynref, uses_recref;
};

/* Bytes from the validator's arena (not zeroed), or NULL. */
void *jsc_alloc(struct jsonschema *v, size_t n);
/* A NUL-terminated copy of `n` bytes at `s` in the arena, or NULL. */
char *jsc_strndup(struct jsonschema *v, const char *s, size_t n);

/* The value for key `key` (`n` bytes for string keys), or NULL. */
void *jsc_map_getn(const struct map *m, const void *key, size_t n);
void *jsc_map_get(const struct map *m, const void *key);
/* Inserts `key` unless present. Returns 1 when inserted, 0 when the key was
 * already there, -1 when out of memory. */
int jsc_map_put(struct map *m, const void *key, void *val);

/* SG_ENOMEM. Returns -1. */
int jsc_oom(struct comp *c);
/* SG_EINVALID_SCHEMA "invalid schema at LOC/KW: WHAT" (`kw` may be NULL).
 * Returns -1. */
int jsc_bad(struct comp *c, const char *loc, const char *kw, const char *what);

/* Scans subschema `s` found at `loc` in resource `res` under `draft` and
 * `vocab` (a new resource when it has its own $id), and every subschema
 * below it; values already scanned are skipped. */
int jsc_scan(struct comp *c, json_t *s, struct jsres *res, int draft, unsigned vocab,
             const char *loc, int is_root, int depth);

/* Registers and scans a whole document known as `uri`. Takes `doc` (a new
 * reference). Returns the document, or NULL. */
json_t *jsc_add_document(struct comp *c, json_t *doc, const char *uri, int draft, const char *loc);

/* The location of a document's root in messages: `uri` + "#" (arena). */
const char *jsc_doc_loc(struct comp *c, const char *uri);

/* Appends "/token" (JSON-pointer escaped; the decimal `idx` when `tok` is
 * NULL) to `loc`, in the arena. Long locations stop growing and end in
 * "/...". NULL when out of memory (no error set). */
const char *jsc_loc_join(struct comp *c, const char *loc, const char *tok, size_t idx);

/* Resolves reference `ref` (keyword `kw` of the subschema at `loc`) against
 * `base`, loading the document it names when needed. Returns the target
 * schema value, or NULL. `*absout` receives the absolute URI (arena). */
json_t *jsc_resolve_ref(struct comp *c, const char *base, const char *ref, int draft,
                        const char *loc, const char *kw, const char **absout);

#endif
