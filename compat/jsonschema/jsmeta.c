/* compat/jsonschema/jsmeta.c: lookup of the embedded meta-schemas by URI. */
#include "compat/jsonschema/jsmeta.h"

#include <string.h>

#include "compat/jsonschema/jsdoc.h"

/* Top-level meta-schemas by URI (without fragment); the vocabulary
 * meta-schemas are members of vocabularies.json keyed by their URI. */
static const struct {
	const char *uri;
	const char *file;
} tops[] = {
    {"http://json-schema.org/draft-04/schema", "draft4.json"},
    {"http://json-schema.org/draft-06/schema", "draft6.json"},
    {"http://json-schema.org/draft-07/schema", "draft7.json"},
    {"https://json-schema.org/draft/2019-09/schema", "draft2019-09.json"},
    {"https://json-schema.org/draft/2020-12/schema", "draft2020-12.json"},
};

int jsmeta_draft(const char *uri)
{
	static const struct {
		const char *uri;
		int draft;
	} drafts[] = {
	    {"json-schema.org/draft-04/schema", 4},
	    {"json-schema.org/draft-06/schema", 6},
	    {"json-schema.org/draft-07/schema", 7},
	    {"json-schema.org/draft/2019-09/schema", 2019},
	    {"json-schema.org/draft/2020-12/schema", 2020},
	};
	const char *p = uri;
	if (strncmp(p, "http://", 7) == 0)
		p += 7;
	else if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else
		return 0;
	size_t n = strlen(p);
	if (n && p[n - 1] == '#')
		n--;
	for (size_t i = 0; i < sizeof drafts / sizeof drafts[0]; i++)
		if (strlen(drafts[i].uri) == n && memcmp(drafts[i].uri, p, n) == 0)
			return drafts[i].draft;
	return 0;
}

const char *jsmeta_draft_uri(int draft)
{
	switch (draft) {
	case 4:
		return "http://json-schema.org/draft-04/schema#";
	case 6:
		return "http://json-schema.org/draft-06/schema#";
	case 7:
		return "http://json-schema.org/draft-07/schema#";
	case 2019:
		return "https://json-schema.org/draft/2019-09/schema";
	case 2020:
		return "https://json-schema.org/draft/2020-12/schema";
	default:
		return NULL;
	}
}

/* Parses with compat/jsdoc rather than json_loadb(): jansson's lexer drops
 * characters when an allocation fails, where jsdoc reports it. */
static json_t *parse_file(const char *name, struct sg_error *err)
{
	const struct embed_file *f = embed_find(jsmeta_files, name);
	if (!f)
		return NULL;
	struct jsd_arena a;
	jsd_arena_init(&a, NULL, 0);
	struct sg_error e;
	error_clear(&e);
	const struct jsd *d = jsd_parse(&a, (const char *)f->data, f->len, &e);
	json_t *j = d ? jsd_to_json(d) : NULL;
	jsd_arena_free(&a);
	if (!j)
		error_set(err, SG_ENOMEM, "out of memory loading the meta-schema %s", name);
	return j;
}

json_t *jsmeta_load(const char *uri, struct sg_error *err)
{
	size_t n = strcspn(uri, "#");
	if (uri[n] == '#' && uri[n + 1] != '\0')
		return NULL;
	for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++)
		if (strlen(tops[i].uri) == n && memcmp(tops[i].uri, uri, n) == 0)
			return parse_file(tops[i].file, err);
	if (strncmp(uri, "https://json-schema.org/draft/", 30) != 0)
		return NULL;
	json_t *all = parse_file("vocabularies.json", err);
	json_t *one = json_incref(json_object_getn(all, uri, n));
	json_decref(all);
	return one;
}
