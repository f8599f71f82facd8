/* compat/jsonschema/jscompile_scan.c: the first pass of compilation and the
 * reference resolution the second pass asks for (see jscompile.c).
 *
 * Scanning walks a document once through the subschema keywords of its
 * draft, recording for each subschema (an object) its resource (the nearest
 * "$id"), draft, vocabularies and location, and registering "$id"s and
 * anchors by URI. A "$schema" naming a custom meta-schema is followed to the
 * draft and vocabularies it stands for. References resolve through compat/jsuri
 * (RFC 3986 and JSON pointers) to documents already scanned, the bundled
 * meta-schemas, the named schemas or the resolver.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/jsonschema/jscompile_state.h"
#include "compat/jsonschema/jsmeta.h"
#include "compat/jsonschema/jsuri.h"

/* Deepest subschema nesting accepted, in JSON levels. */
#define MAX_SCHEMA_DEPTH 512
/* Most documents loaded for one compilation (bundled, named, resolved). */
#define MAX_DOCS 256
/* Longest schema location kept for messages. */
#define MAX_LOC 480

/* Drafts, as bits. */
enum {
	D4 = 1 << 0,
	D6 = 1 << 1,
	D7 = 1 << 2,
	D19 = 1 << 3,
	D20 = 1 << 4,
	DALL = D4 | D6 | D7 | D19 | D20,
};

static int draft_bit(int draft)
{
	switch (draft) {
	case 4:
		return D4;
	case 6:
		return D6;
	case 7:
		return D7;
	case 2019:
		return D19;
	default:
		return D20;
	}
}

static int push_doc(struct comp *c, json_t *doc)
{
	struct jsonschema *v = c->v;
	if (v->ndocs == v->capdocs) {
		size_t cap = v->capdocs ? v->capdocs * 2 : 8;
		json_t **d = realloc(v->docs, cap * sizeof *d);
		if (!d)
			return -1;
		v->docs = d;
		v->capdocs = cap;
	}
	v->docs[v->ndocs++] = doc;
	return 0;
}

static unsigned vocab_bit(int draft, const char *uri)
{
	static const struct {
		const char *name;
		unsigned bit19, bit20;
	} vocabs[] = {
	    {"core", VOC_CORE, VOC_CORE},
	    {"applicator", VOC_APPLICATOR | VOC_UNEVALUATED, VOC_APPLICATOR},
	    {"unevaluated", 0, VOC_UNEVALUATED},
	    {"validation", VOC_VALIDATION, VOC_VALIDATION},
	    {"meta-data", VOC_METADATA, VOC_METADATA},
	    {"format", VOC_FORMAT_ANNOTATION, 0},
	    {"format-annotation", 0, VOC_FORMAT_ANNOTATION},
	    {"format-assertion", 0, VOC_FORMAT_ASSERTION},
	    {"content", VOC_CONTENT, VOC_CONTENT},
	};
	const char *prefix = draft == 2019 ? "https://json-schema.org/draft/2019-09/vocab/"
	                                   : "https://json-schema.org/draft/2020-12/vocab/";
	size_t pl = strlen(prefix);
	if (strncmp(uri, prefix, pl) != 0)
		return 0;
	for (size_t i = 0; i < sizeof vocabs / sizeof vocabs[0]; i++)
		if (strcmp(uri + pl, vocabs[i].name) == 0)
			return draft == 2019 ? vocabs[i].bit19 : vocabs[i].bit20;
	return 0;
}

static json_t *load_external(struct comp *c, const char *uri, int draft);

/* Works out the draft and vocabularies a "$schema" URI stands for: a known
 * draft, or a custom meta-schema (fetched like any "$ref") whose own
 * "$schema" gives the draft and whose "$vocabulary" gives the vocabularies. */
static int schema_draft(struct comp *c, const char *uri, const char *loc, int *draft,
                        unsigned *vocab)
{
	int d = jsmeta_draft(uri);
	if (d) {
		*draft = d;
		*vocab = VOC_STANDARD;
		return 0;
	}
	if (c->meta_depth >= 8)
		return jsc_bad(c, loc, "$schema", "meta-schemas nest too deep");
	size_t bl = jsuri_base_len(uri);
	char *u = jsc_strndup(c->v, uri, bl);
	if (!u)
		return jsc_oom(c);
	json_t *meta = jsc_map_get(&c->docs, u);
	if (!meta && c->err && c->err->code == SG_OK) {
		c->meta_depth++;
		meta = load_external(c, u, *draft);
		c->meta_depth--;
	}
	if (c->err && c->err->code != SG_OK)
		return -1;
	if (!json_is_object(meta)) {
		char what[300];
		snprintf(what, sizeof what, "unknown meta-schema \"%.200s\"", uri);
		return jsc_bad(c, loc, "$schema", what);
	}
	json_t *ms = json_object_get(meta, "$schema");
	if (json_is_string(ms) && strcmp(json_string_value(ms), uri) != 0) {
		c->meta_depth++;
		int rc = schema_draft(c, json_string_value(ms), loc, &d, vocab);
		c->meta_depth--;
		if (rc < 0)
			return -1;
	} else {
		d = *draft;
		*vocab = VOC_STANDARD;
	}
	*draft = d;
	json_t *vv = json_object_get(meta, "$vocabulary");
	if (d >= 2019 && json_is_object(vv)) {
		const char *k;
		json_t *val;
		unsigned mask = VOC_CORE;
		json_object_foreach(vv, k, val)
		{
			unsigned bit = vocab_bit(d, k);
			if (bit) {
				mask |= bit;
			} else if (json_is_true(val)) {
				char what[300];
				snprintf(what, sizeof what,
				         "required vocabulary \"%.200s\" is not supported", k);
				return jsc_bad(c, loc, "$schema", what);
			}
		}
		*vocab = mask;
	}
	return 0;
}

/* --- scanning --- */

static struct jsres *new_res(struct comp *c, const char *uri, json_t *json)
{
	struct jsres *r = jsc_alloc(c->v, sizeof *r);
	if (!r || !(r->uri = jsc_strndup(c->v, uri, strlen(uri)))) {
		jsc_oom(c);
		return NULL;
	}
	r->json = json;
	r->next = c->resources;
	c->resources = r;
	if (jsc_map_put(&c->docs, r->uri, json) < 0) {
		jsc_oom(c);
		return NULL;
	}
	return r;
}

static int add_anchor(struct comp *c, const char *uri, const char *name, json_t *s)
{
	size_t ul = strlen(uri), nl = strlen(name);
	char *key = jsc_alloc(c->v, ul + nl + 2);
	if (!key)
		return jsc_oom(c);
	memcpy(key, uri, ul);
	key[ul] = '#';
	memcpy(key + ul + 1, name, nl + 1);
	return jsc_map_put(&c->anchors, key, s) < 0 ? jsc_oom(c) : 0;
}

/* Appends "/token" (JSON-pointer escaped) to `loc`, in the arena. Locations
 * longer than MAX_LOC stop growing and end in "/...". */
const char *jsc_loc_join(struct comp *c, const char *loc, const char *tok, size_t idx)
{
	char num[24];
	if (!tok) {
		snprintf(num, sizeof num, "%zu", idx);
		tok = num;
	}
	size_t ll = strlen(loc), tl = strlen(tok);
	if (ll > MAX_LOC)
		return loc;
	if (ll + tl > MAX_LOC)
		tok = "...", tl = 3;
	char *out = jsc_alloc(c->v, ll + 2 * tl + 2);
	if (!out)
		return NULL;
	memcpy(out, loc, ll);
	size_t o = ll;
	out[o++] = '/';
	for (size_t i = 0; i < tl; i++) {
		if (tok[i] == '~' || tok[i] == '/') {
			out[o++] = '~';
			out[o++] = tok[i] == '~' ? '0' : '1';
		} else {
			out[o++] = tok[i];
		}
	}
	out[o] = '\0';
	return out;
}

enum { SHAPE_ONE, SHAPE_ARRAY, SHAPE_MAP, SHAPE_ITEMS };

/* Keywords whose values are (or hold) subschemas, by draft. */
static const struct {
	const char *kw;
	int shape;
	int drafts;
} subkws[] = {
    {"additionalItems", SHAPE_ONE, D4 | D6 | D7 | D19},
    {"additionalProperties", SHAPE_ONE, DALL},
    {"contains", SHAPE_ONE, D6 | D7 | D19 | D20},
    {"not", SHAPE_ONE, DALL},
    {"propertyNames", SHAPE_ONE, D6 | D7 | D19 | D20},
    {"if", SHAPE_ONE, D7 | D19 | D20},
    {"then", SHAPE_ONE, D7 | D19 | D20},
    {"else", SHAPE_ONE, D7 | D19 | D20},
    {"items", SHAPE_ITEMS, DALL},
    {"unevaluatedItems", SHAPE_ONE, D19 | D20},
    {"unevaluatedProperties", SHAPE_ONE, D19 | D20},
    {"contentSchema", SHAPE_ONE, D19 | D20},
    {"allOf", SHAPE_ARRAY, DALL},
    {"anyOf", SHAPE_ARRAY, DALL},
    {"oneOf", SHAPE_ARRAY, DALL},
    {"prefixItems", SHAPE_ARRAY, D20},
    {"properties", SHAPE_MAP, DALL},
    {"patternProperties", SHAPE_MAP, DALL},
    {"definitions", SHAPE_MAP, DALL},
    {"$defs", SHAPE_MAP, D19 | D20},
    {"dependentSchemas", SHAPE_MAP, D19 | D20},
    {"dependencies", SHAPE_MAP, DALL},
};

int jsc_scan(struct comp *c, json_t *s, struct jsres *res, int draft, unsigned vocab,
             const char *loc, int is_root, int depth);

static int scan_children(struct comp *c, json_t *s, struct jsres *res, int draft, unsigned vocab,
                         const char *loc, int depth)
{
	int bit = draft_bit(draft);
	for (size_t k = 0; k < sizeof subkws / sizeof subkws[0]; k++) {
		if (!(subkws[k].drafts & bit))
			continue;
		json_t *val = json_object_get(s, subkws[k].kw);
		if (!val)
			continue;
		const char *kloc = jsc_loc_join(c, loc, subkws[k].kw, 0);
		if (!kloc)
			return jsc_oom(c);
		int shape = subkws[k].shape;
		if (shape == SHAPE_ITEMS)
			shape = json_is_array(val) && draft <= 2019 ? SHAPE_ARRAY : SHAPE_ONE;
		if (shape == SHAPE_ONE) {
			if (jsc_scan(c, val, res, draft, vocab, kloc, 0, depth + 1) < 0)
				return -1;
		} else if (shape == SHAPE_ARRAY && json_is_array(val)) {
			for (size_t i = 0; i < json_array_size(val); i++) {
				const char *iloc = jsc_loc_join(c, kloc, NULL, i);
				if (!iloc)
					return jsc_oom(c);
				if (jsc_scan(c, json_array_get(val, i), res, draft, vocab, iloc, 0,
				             depth + 2) < 0)
					return -1;
			}
		} else if (shape == SHAPE_MAP && json_is_object(val)) {
			const char *key;
			json_t *sub;
			json_object_foreach(val, key, sub)
			{
				const char *mloc = jsc_loc_join(c, kloc, key, 0);
				if (!mloc)
					return jsc_oom(c);
				if (jsc_scan(c, sub, res, draft, vocab, mloc, 0, depth + 2) < 0)
					return -1;
			}
		}
	}
	return 0;
}

int jsc_scan(struct comp *c, json_t *s, struct jsres *res, int draft, unsigned vocab,
             const char *loc, int is_root, int depth)
{
	if (depth > MAX_SCHEMA_DEPTH)
		return error_set(c->err, SG_ELIMIT, "schema nested deeper than %d levels at %s",
		                 MAX_SCHEMA_DEPTH, loc);
	if (!json_is_object(s) || jsc_map_get(&c->scans, s))
		return 0;

	const char *idkw = draft == 4 ? "id" : "$id";
	json_t *id = json_object_get(s, idkw);
	json_t *sch = json_object_get(s, "$schema");
	if (json_is_string(sch) && (is_root || (draft >= 2019 && json_is_string(id)))) {
		if (schema_draft(c, json_string_value(sch), loc, &draft, &vocab) < 0)
			return -1;
		idkw = draft == 4 ? "id" : "$id";
		id = json_object_get(s, idkw);
	}

	if (json_is_string(id)) {
		const char *ids = json_string_value(id);
		int has_ref = draft <= 7 && json_object_get(s, "$ref");
		if (draft <= 7 && ids[0] == '#') {
			if (ids[1] && add_anchor(c, res->uri, ids + 1, s) < 0)
				return -1;
		} else if (!has_ref) {
			char *abs = jsuri_resolve(res->uri, ids);
			if (!abs)
				return jsc_oom(c);
			size_t bl = jsuri_base_len(abs);
			char frag[256] = "";
			if (abs[bl] == '#')
				snprintf(frag, sizeof frag, "%s", abs + bl + 1);
			abs[bl] = '\0';
			if (strcmp(abs, res->uri) != 0 || res->json != s) {
				struct jsres *nr = new_res(c, abs, s);
				if (!nr) {
					free(abs);
					return -1;
				}
				res = nr;
			}
			free(abs);
			if (draft <= 7 && frag[0] && add_anchor(c, res->uri, frag, s) < 0)
				return -1;
		}
	}
	if (draft >= 2019) {
		json_t *a = json_object_get(s, "$anchor");
		if (json_is_string(a) && add_anchor(c, res->uri, json_string_value(a), s) < 0)
			return -1;
	}
	if (draft == 2020) {
		json_t *a = json_object_get(s, "$dynamicAnchor");
		if (json_is_string(a)) {
			const char *name = json_string_value(a);
			if (add_anchor(c, res->uri, name, s) < 0)
				return -1;
			if (res->ndyn == res->capdyn) {
				size_t cap = res->capdyn ? res->capdyn * 2 : 4;
				struct jsdynanchor *d = jsc_alloc(c->v, cap * sizeof *d);
				if (!d)
					return jsc_oom(c);
				if (res->ndyn)
					memcpy(d, res->dyn, res->ndyn * sizeof *d);
				res->dyn = d;
				res->capdyn = cap;
			}
			res->dyn[res->ndyn++] =
			    (struct jsdynanchor){jsc_strndup(c->v, name, strlen(name)), s, NULL};
		}
	}
	if (draft == 2019 && res->json == s && json_is_true(json_object_get(s, "$recursiveAnchor")))
		res->recursive_anchor = 1;

	struct scaninfo *si = jsc_alloc(c->v, sizeof *si);
	if (!si)
		return jsc_oom(c);
	*si = (struct scaninfo){s, res, loc, draft, vocab, NULL};
	if (jsc_map_put(&c->scans, s, si) < 0)
		return jsc_oom(c);
	return scan_children(c, s, res, draft, vocab, loc, depth);
}

/* Registers and scans a whole document known as `uri`. Takes `doc` (a new
 * reference). Returns the document, or NULL with `err` set. */
json_t *jsc_add_document(struct comp *c, json_t *doc, const char *uri, int draft, const char *loc)
{
	if (push_doc(c, doc) < 0) {
		json_decref(doc);
		jsc_oom(c);
		return NULL;
	}
	struct jsres *res = new_res(c, uri, doc);
	if (!res)
		return NULL;
	if (jsc_scan(c, doc, res, draft, VOC_STANDARD, loc, 1, 0) < 0)
		return NULL;
	return doc;
}

const char *jsc_doc_loc(struct comp *c, const char *uri)
{
	size_t n = strlen(uri);
	if (n > MAX_LOC)
		n = MAX_LOC;
	char *l = jsc_alloc(c->v, n + 2);
	if (!l)
		return NULL;
	memcpy(l, uri, n);
	l[n] = '#';
	l[n + 1] = '\0';
	return l;
}

/* Loads the document at `uri` from the bundled meta-schemas, the named
 * schemas or the resolver. Returns it (registered and scanned) or NULL; NULL
 * without an error set means "unknown". */
static json_t *load_external(struct comp *c, const char *uri, int draft)
{
	json_t *doc = jsmeta_load(uri, c->err);
	if (!doc && c->err && c->err->code != SG_OK)
		return NULL;
	if (!doc && c->opts && c->opts->resolver) {
		if (c->ndocs_loaded >= MAX_DOCS) {
			error_set(c->err, SG_ELIMIT, "more than %d schema documents referenced",
			          MAX_DOCS);
			return NULL;
		}
		doc = c->opts->resolver(c->opts->resolver_ctx, uri);
	}
	if (!doc)
		return NULL;
	c->ndocs_loaded++;
	const char *loc = jsc_doc_loc(c, uri);
	if (!loc) {
		json_decref(doc);
		jsc_oom(c);
		return NULL;
	}
	return jsc_add_document(c, doc, uri, draft, loc);
}

/* Resolves the JSON pointer `ptr` (percent-decoded, `n` bytes) in `doc`,
 * scanning the target first when the scan did not reach it (a pointer into
 * an unknown keyword): it then takes the context of its nearest scanned
 * ancestor. */
static json_t *resolve_pointer(struct comp *c, json_t *doc, const char *ptr, size_t n,
                               const char *docuri)
{
	char *tok = malloc(n + 1);
	if (!tok) {
		jsc_oom(c);
		return NULL;
	}
	json_t *cur = doc;
	struct scaninfo *last = jsc_map_get(&c->scans, doc);
	const char *p = ptr, *end = ptr + n;
	while (cur && p < end) {
		cur = jsuri_pointer_step(cur, &p, end, tok);
		struct scaninfo *si = cur ? jsc_map_get(&c->scans, cur) : NULL;
		if (si)
			last = si;
	}
	free(tok);
	if (cur && json_is_object(cur) && !jsc_map_get(&c->scans, cur) && last) {
		size_t ul = strlen(docuri);
		char *l = jsc_alloc(c->v, ul + n + 2);
		if (!l) {
			jsc_oom(c);
			return NULL;
		}
		memcpy(l, docuri, ul);
		l[ul] = '#';
		memcpy(l + ul + 1, ptr, n);
		l[ul + 1 + n] = '\0';
		for (size_t i = ul + 1; i < ul + 1 + n; i++)
			if (l[i] == '\0')
				l[i] = '?';
		if (jsc_scan(c, cur, last->res, last->draft, last->vocab, l, 0, 0) < 0)
			return NULL;
	}
	return cur;
}

/* Resolves reference `ref` against `base`. Returns the target schema value
 * or NULL with `err` set. `*absout` receives the absolute URI (arena). */
json_t *jsc_resolve_ref(struct comp *c, const char *base, const char *ref, int draft,
                        const char *loc, const char *kw, const char **absout)
{
	char *abs = jsuri_resolve(base, ref);
	if (!abs) {
		jsc_oom(c);
		return NULL;
	}
	json_t *target = NULL;
	size_t bl = jsuri_base_len(abs);
	const char *frag = abs[bl] == '#' ? abs + bl + 1 : "";
	char *u = jsc_strndup(c->v, abs, bl);
	if (!u) {
		jsc_oom(c);
		goto out;
	}
	json_t *doc = jsc_map_get(&c->docs, u);
	if (!doc) {
		size_t rl = jsuri_base_len(ref);
		if (rl)
			doc = jsc_map_getn(&c->docs, ref, rl);
	}
	if (!doc)
		doc = load_external(c, u, draft);
	if (!doc) {
		if (c->err && c->err->code == SG_OK) {
			char what[400];
			snprintf(what, sizeof what, "cannot resolve \"%.300s\"", ref);
			jsc_bad(c, loc, kw, what);
		}
		goto out;
	}
	if (!frag[0]) {
		target = doc;
	} else if (frag[0] == '/') {
		size_t n;
		char *ptr;
		int urc = jsuri_unescape(frag, strlen(frag), &ptr, &n);
		if (urc == -2) {
			jsc_oom(c);
			goto out;
		}
		if (urc == 0) {
			struct scaninfo *dsi = jsc_map_get(&c->scans, doc);
			target = resolve_pointer(c, doc, ptr, n, dsi ? dsi->res->uri : u);
			free(ptr);
		}
	} else {
		char *key = malloc(bl + strlen(frag) + 2);
		if (!key) {
			jsc_oom(c);
			goto out;
		}
		sprintf(key, "%s#%s", u, frag);
		target = jsc_map_get(&c->anchors, key);
		free(key);
		struct scaninfo *dsi = jsc_map_get(&c->scans, doc);
		if (!target && dsi) {
			key = malloc(strlen(dsi->res->uri) + strlen(frag) + 2);
			if (!key) {
				jsc_oom(c);
				goto out;
			}
			sprintf(key, "%s#%s", dsi->res->uri, frag);
			target = jsc_map_get(&c->anchors, key);
			free(key);
		}
	}
	if (!target && c->err && c->err->code == SG_OK) {
		char what[400];
		snprintf(what, sizeof what, "\"%.300s\" points nowhere", ref);
		jsc_bad(c, loc, kw, what);
	}
	if (target && absout)
		*absout = jsc_strndup(c->v, abs, strlen(abs));
out:
	free(abs);
	return c->err && c->err->code != SG_OK ? NULL : target;
}
