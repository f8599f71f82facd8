/* compat/schematags.c: inline schema tags added and removed by path. */
#include "compat/schematags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The request's tag lists ---- */

static int schematags_bad(const char *field, const char *what, struct sg_error *err)
{
	return error_set(err, SG_EBAD_REQUEST, "Field '%s' must be %s", field, what);
}

int schematags_check(const json_t *list, const char *field, struct sg_error *err)
{
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return schematags_bad(field, "an array of schema tags", err);
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *st = json_array_get(list, i);
		if (!json_is_object(st))
			return schematags_bad(field, "an array of schema tags", err);
		const json_t *ent = json_object_get(st, "schemaEntity");
		const json_t *tags = json_object_get(st, "tags");
		if (!json_is_object(ent))
			return schematags_bad("schemaEntity", "an object", err);
		if (!json_is_string(json_object_get(ent, "entityPath")))
			return schematags_bad("entityPath", "a string", err);
		const char *type = json_string_value(json_object_get(ent, "entityType"));
		if (!type || (strcmp(type, "sr_record") != 0 && strcmp(type, "sr_field") != 0))
			return error_set(err, SG_EBAD_REQUEST,
			                 "Field 'entityType' must be one of [sr_record, sr_field]");
		if (!json_is_array(tags))
			return schematags_bad("tags", "an array of strings", err);
		for (size_t k = 0; k < json_array_size(tags); k++)
			if (!json_is_string(json_array_get(tags, k)))
				return schematags_bad("tags", "an array of strings", err);
	}
	return 0;
}

/* ---- Entities and their tag sets ---- */

struct schematags_entity {
	const char *path; /* as first given */
	int record;       /* sr_record, else sr_field */
	json_t *add;      /* array of distinct strings */
	json_t *remove;
};

struct schematags_edit {
	struct schematags_entity *v;
	size_t n;
};

static const char *schematags_normal(const char *path)
{
	return path[0] == '.' ? path + 1 : path;
}

/* The entity of `st` in `ed`, added when new; NULL out of memory. */
static struct schematags_entity *schematags_entity(struct schematags_edit *ed, const json_t *st)
{
	const json_t *ent = json_object_get(st, "schemaEntity");
	const char *path = json_string_value(json_object_get(ent, "entityPath"));
	int record =
	    strcmp(json_string_value(json_object_get(ent, "entityType")), "sr_record") == 0;
	for (size_t i = 0; i < ed->n; i++)
		if (ed->v[i].record == record &&
		    strcmp(schematags_normal(ed->v[i].path), schematags_normal(path)) == 0)
			return &ed->v[i];
	struct schematags_entity *v = realloc(ed->v, (ed->n + 1) * sizeof *v);
	if (!v)
		return NULL;
	ed->v = v;
	v[ed->n] = (struct schematags_entity){path, record, json_array(), json_array()};
	if (!v[ed->n].add || !v[ed->n].remove) {
		json_decref(v[ed->n].add);
		json_decref(v[ed->n].remove);
		return NULL;
	}
	return &ed->v[ed->n++];
}

static int schematags_has(const json_t *set, const char *s)
{
	for (size_t i = 0; i < json_array_size(set); i++)
		if (strcmp(json_string_value(json_array_get(set, i)), s) == 0)
			return 1;
	return 0;
}

/* Appends the strings of `tags` not yet in `set`. 0 or -1. */
static int schematags_union(json_t *set, const json_t *tags)
{
	for (size_t i = 0; i < json_array_size(tags); i++) {
		const json_t *t = json_array_get(tags, i);
		const char *s = json_string_value(t);
		if (s && !schematags_has(set, s) && json_array_append(set, (json_t *)t) < 0)
			return -1;
	}
	return 0;
}

static int schematags_collect(struct schematags_edit *ed, const json_t *list, int remove)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *st = json_array_get(list, i);
		struct schematags_entity *e = schematags_entity(ed, st);
		if (!e ||
		    schematags_union(remove ? e->remove : e->add, json_object_get(st, "tags")) < 0)
			return -1;
	}
	return 0;
}

static void schematags_edit_free(struct schematags_edit *ed)
{
	for (size_t i = 0; i < ed->n; i++) {
		json_decref(ed->v[i].add);
		json_decref(ed->v[i].remove);
	}
	free(ed->v);
}

/* ---- Paths: Java's String.split("\\.") ---- */

struct schematags_words {
	char **w;
	size_t n;
	size_t at; /* the next word to poll */
};

/* Splits at '.', dropping trailing empty words (Java's split); "" is one
 * empty word. 0 or -1. */
static int schematags_split(const char *path, struct schematags_words *ws)
{
	memset(ws, 0, sizeof *ws);
	size_t cap = 1;
	for (const char *p = path; *p; p++)
		cap += *p == '.';
	if (!(ws->w = calloc(cap, sizeof *ws->w)))
		return -1;
	const char *start = path;
	for (;;) {
		const char *dot = strchr(start, '.');
		size_t len = dot ? (size_t)(dot - start) : strlen(start);
		if (!(ws->w[ws->n] = strndup(start, len)))
			return -1;
		ws->n++;
		if (!dot)
			break;
		start = dot + 1;
	}
	if (*path)
		while (ws->n && !*ws->w[ws->n - 1])
			free(ws->w[--ws->n]);
	return 0;
}

static void schematags_words_free(struct schematags_words *ws)
{
	for (size_t i = 0; i < ws->n; i++)
		free(ws->w[i]);
	free(ws->w);
}

static const char *schematags_poll(struct schematags_words *ws)
{
	return ws->at < ws->n ? ws->w[ws->at++] : NULL;
}

static const char *schematags_peek(const struct schematags_words *ws)
{
	return ws->at < ws->n ? ws->w[ws->at] : NULL;
}

/* ---- Jackson's view of a node ---- */

/* JsonNode.asText() of a value that is not a container: strings as they
 * are, other scalars as written; "" for containers and NULL. Writes into
 * buf when it has to. */
static const char *schematags_text(const json_t *v, char *buf, size_t cap)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_true(v))
		return "true";
	if (json_is_false(v))
		return "false";
	if (json_is_null(v))
		return "null";
	return "";
}

/* ---- Avro: AvroSchemaUtils.findMatchingEntity ---- */

struct schematags_visit {
	json_t *node;
	const char *ns; /* the root's namespace, NULL when it has none */
};

static json_t *schematags_avro_find(json_t *root, const struct schematags_entity *e,
                                    struct sg_error *err)
{
	struct schematags_words ws;
	json_t *found = NULL;
	char *ns_want = NULL;
	struct schematags_visit *q = NULL;
	size_t qn = 0, qcap = 0, qhead = 0;
	if (schematags_split(e->path, &ws) < 0)
		goto oom;
	size_t keep = e->record ? 1 : 2; /* words after the namespace */
	if (ws.n < keep) {
		/* Arrays.copyOfRange(ids, 0, n - keep) */
		error_set(err, SG_EINVALID_SCHEMA, "java.lang.IllegalArgumentException: 0 > -%zu",
		          keep - ws.n);
		goto out;
	}
	size_t nsn = ws.n - keep, nslen = 0;
	for (size_t i = 0; i < nsn; i++)
		nslen += strlen(ws.w[i]) + 1;
	if (!(ns_want = calloc(nslen + 1, 1)))
		goto oom;
	for (size_t i = 0; i < nsn; i++) {
		if (i)
			strcat(ns_want, ".");
		strcat(ns_want, ws.w[i]);
	}
	const char *rec_want = ws.w[nsn];
	const char *field_want = e->record ? NULL : ws.w[nsn + 1];
	char nb[32];
	const json_t *root_ns = json_object_get(root, "namespace");
	const char *ns = root_ns ? schematags_text(root_ns, nb, sizeof nb) : NULL;
	char *ns_copy = ns ? strdup(ns) : NULL;
	if (ns && !ns_copy)
		goto oom;
#define PUSH(n)                                                                                    \
	do {                                                                                       \
		if (qn == qcap) {                                                                  \
			size_t nc = qcap ? qcap * 2 : 16;                                          \
			struct schematags_visit *nq = realloc(q, nc * sizeof *nq);                 \
			if (!nq) {                                                                 \
				free(ns_copy);                                                     \
				goto oom;                                                          \
			}                                                                          \
			q = nq;                                                                    \
			qcap = nc;                                                                 \
		}                                                                                  \
		q[qn++] = (struct schematags_visit){(n), ns_copy};                                 \
	} while (0)
	PUSH(root);
	while (qhead < qn && !found) {
		json_t *node = q[qhead++].node;
		json_t *type = json_object_get(node, "type");
		if (!node)
			continue;
		if (!type) {
			/* a union (or an object without "type"): its elements */
			if (json_is_array(node)) {
				for (size_t i = 0; i < json_array_size(node); i++)
					PUSH(json_array_get(node, i));
			} else if (json_is_object(node)) {
				const char *k;
				json_t *v;
				json_object_foreach(node, k, v) PUSH(v);
			}
			continue;
		}
		char tb[32];
		const char *t = schematags_text(type, tb, sizeof tb);
		if (strcmp(t, "record") == 0) {
			char nmb[32];
			const char *name =
			    schematags_text(json_object_get(node, "name"), nmb, sizeof nmb);
			json_t *fields = json_object_get(node, "fields");
			if ((!*ns_want || (ns_copy && strcmp(ns_want, ns_copy) == 0)) &&
			    strcmp(rec_want, name) == 0) {
				if (e->record) {
					found = node;
				} else {
					for (size_t i = 0; !found && i < json_array_size(fields);
					     i++) {
						json_t *f = json_array_get(fields, i);
						char fb[32];
						if (strcmp(
						        field_want,
						        schematags_text(json_object_get(f, "name"),
						                        fb, sizeof fb)) == 0)
							found = f;
					}
				}
			} else {
				for (size_t i = 0; i < json_array_size(fields); i++)
					PUSH(json_array_get(fields, i));
			}
		} else if (strcmp(t, "array") == 0) {
			PUSH(json_object_get(node, "items"));
		} else if (strcmp(t, "map") == 0) {
			PUSH(json_object_get(node, "values"));
		} else {
			PUSH(type);
		}
	}
#undef PUSH
	free(ns_copy);
	if (!found)
		error_set(err, SG_EINVALID_SCHEMA,
		          "java.lang.IllegalArgumentException: No matching path '%s' found in the "
		          "schema",
		          e->path);
	goto out;
oom:
	error_set(err, SG_ENOMEM, "out of memory");
	found = NULL;
out:
	free(q);
	free(ns_want);
	schematags_words_free(&ws);
	return found;
}

/* ---- JSON Schema: JsonSchemaUtils.findMatchingEntity ---- */

/* JsonSchemaComparator.SchemaType, in its (alphabetical) order. */
enum schematags_kind {
	SK_ARRAY,
	SK_BOOLEAN,
	SK_COMBINED,
	SK_CONDITIONAL,
	SK_CONST,
	SK_EMPTY,
	SK_ENUM,
	SK_FALSE,
	SK_NOT,
	SK_NULL,
	SK_NUMBER,
	SK_OBJECT,
	SK_REFERENCE,
	SK_STRING,
	SK_TRUE,
};

/* The Everit class a subschema would load as, read from its keywords. */
static enum schematags_kind schematags_kind(const json_t *s)
{
	if (json_is_true(s))
		return SK_TRUE;
	if (json_is_false(s))
		return SK_FALSE;
	if (!json_is_object(s))
		return SK_EMPTY;
	if (json_object_get(s, "$ref"))
		return SK_REFERENCE;
	const json_t *type = json_object_get(s, "type");
	if (json_object_get(s, "allOf") || json_object_get(s, "anyOf") ||
	    json_object_get(s, "oneOf") || (json_is_array(type) && json_array_size(type) > 1))
		return SK_COMBINED;
	if (json_object_get(s, "if"))
		return SK_CONDITIONAL;
	if (json_object_get(s, "not"))
		return SK_NOT;
	if (json_object_get(s, "enum"))
		return SK_ENUM;
	if (json_object_get(s, "const"))
		return SK_CONST;
	if (json_is_array(type))
		type = json_array_get(type, 0);
	const char *t = json_string_value(type);
	static const struct {
		const char *name;
		enum schematags_kind kind;
	} types[] = {{"object", SK_OBJECT}, {"array", SK_ARRAY},    {"string", SK_STRING},
	             {"number", SK_NUMBER}, {"integer", SK_NUMBER}, {"boolean", SK_BOOLEAN},
	             {"null", SK_NULL}};
	for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(t, types[i].name) == 0)
			return types[i].kind;
	if (json_object_get(s, "properties") || json_object_get(s, "required") ||
	    json_object_get(s, "additionalProperties"))
		return SK_OBJECT;
	if (json_object_get(s, "items"))
		return SK_ARRAY;
	return SK_EMPTY;
}

/* Java's nullsFirst(naturalOrder()) on a string keyword. */
static int schematags_cmp_str(const json_t *a, const json_t *b)
{
	const char *x = json_string_value(a), *y = json_string_value(b);
	if (!x || !y)
		return x ? 1 : y ? -1 : 0;
	return strcmp(x, y);
}

static int schematags_cmp(const json_t *a, const json_t *b)
{
	int ka = schematags_kind(a), kb = schematags_kind(b);
	if (ka != kb)
		return ka < kb ? -1 : 1;
	int c = schematags_cmp_str(json_object_get(a, "title"), json_object_get(b, "title"));
	if (c)
		return c;
	return schematags_cmp_str(json_object_get(a, "description"),
	                          json_object_get(b, "description"));
}

/* JsonNode.has(name): only an object has fields. */
static int schematags_has_key(const json_t *node, const char *name)
{
	return json_is_object(node) && json_object_get(node, name) != NULL;
}

/* findNodeFromNameBuilder: joins words with '.' until `node` has the name. */
static json_t *schematags_by_name(json_t *node, struct schematags_words *ws)
{
	if (ws->at >= ws->n || !node)
		return NULL;
	size_t len = strlen(schematags_poll(ws)), start = ws->at - 1;
	char *name = strdup(ws->w[start]);
	while (name && !schematags_has_key(node, name) && ws->at < ws->n) {
		const char *w = schematags_poll(ws);
		char *longer = realloc(name, len + strlen(w) + 2);
		if (!longer) {
			free(name);
			return NULL;
		}
		name = longer;
		name[len++] = '.';
		strcpy(name + len, w);
		len += strlen(w);
	}
	json_t *r = name && json_is_object(node) ? json_object_get(node, name) : NULL;
	free(name);
	return r;
}

static json_t *schematags_json_helper(json_t *node, int record, struct schematags_words *ws,
                                      struct sg_error *err);

/* findSubSchemasFromIndex: the index-th subschema in comparator order. */
static json_t *schematags_by_index(json_t *node, int record, const char *key,
                                   struct schematags_words *ws, struct sg_error *err)
{
	const char *index = schematags_poll(ws);
	const json_t *subs = json_object_get(node, key);
	if (!index || !json_is_array(subs))
		return NULL;
	/* Integer.parseInt */
	char *end;
	const char *p = index;
	if (*p == '+' || *p == '-')
		p++;
	long k = *p >= '0' && *p <= '9' ? strtol(index, &end, 10) : -1;
	if (k == -1 && !(*p >= '0' && *p <= '9')) {
		error_set(err, SG_EINVALID_SCHEMA,
		          "java.lang.NumberFormatException: For input string: \"%s\"", index);
		return NULL;
	}
	if (*end) {
		error_set(err, SG_EINVALID_SCHEMA,
		          "java.lang.NumberFormatException: For input string: \"%s\"", index);
		return NULL;
	}
	size_t n = json_array_size(subs);
	if (k < 0 || (size_t)k >= n)
		return NULL;
	json_t **sorted = calloc(n, sizeof *sorted);
	if (!sorted) {
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	/* a stable insertion sort, as Java's List.sort is stable */
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(subs, i);
		size_t j = i;
		while (j > 0 && schematags_cmp(sorted[j - 1], v) > 0) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = v;
	}
	json_t *pick = sorted[k];
	free(sorted);
	return schematags_json_helper(pick, record, ws, err);
}

static json_t *schematags_json_helper(json_t *node, int record, struct schematags_words *ws,
                                      struct sg_error *err)
{
	const char *type = schematags_poll(ws);
	if (!type || !node)
		return NULL;
	if (strcmp(type, "object") == 0) {
		if (record && ws->at >= ws->n)
			return node;
		const char *word = schematags_peek(ws);
		if (!word)
			return NULL;
		json_t *result;
		if (strcmp(word, "definitions") == 0 || strcmp(word, "$defs") == 0) {
			schematags_poll(ws);
			result = schematags_by_name(json_object_get(node, word), ws);
		} else {
			result = schematags_by_name(json_object_get(node, "properties"), ws);
		}
		if (!result || ws->at >= ws->n)
			return result;
		return schematags_json_helper(result, record, ws, err);
	}
	if (strcmp(type, "array") == 0)
		return schematags_json_helper(json_object_get(node, "items"), record, ws, err);
	if (strcmp(type, "anyof") == 0) {
		if (schematags_has_key(node, "anyOf"))
			return schematags_by_index(node, record, "anyOf", ws, err);
		schematags_poll(ws); /* "type": ["null", "object"] */
		return schematags_json_helper(node, record, ws, err);
	}
	if (strcmp(type, "allof") == 0) {
		if (schematags_has_key(node, "allOf"))
			return schematags_by_index(node, record, "allOf", ws, err);
		schematags_poll(ws);
		const char *next = schematags_peek(ws);
		if (next && strcmp(next, "conditional") == 0) {
			schematags_poll(ws);
			const char *branch = schematags_poll(ws);
			return schematags_json_helper(branch ? json_object_get(node, branch) : NULL,
			                              record, ws, err);
		}
		return schematags_json_helper(node, record, ws, err);
	}
	if (strcmp(type, "oneof") == 0)
		return schematags_by_index(node, record, "oneOf", ws, err);
	if (strcmp(type, "not") == 0)
		return schematags_json_helper(json_object_get(node, "not"), record, ws, err);
	return NULL;
}

static json_t *schematags_json_find(json_t *root, const struct schematags_entity *e,
                                    struct sg_error *err)
{
	struct schematags_words ws;
	if (schematags_split(e->path, &ws) < 0) {
		schematags_words_free(&ws);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	json_t *found = schematags_json_helper(root, e->record, &ws, err);
	schematags_words_free(&ws);
	if (!found && err->code == SG_OK)
		error_set(err, SG_EINVALID_SCHEMA,
		          "java.lang.IllegalArgumentException: No matching path '%s' found in the "
		          "schema",
		          e->path);
	return found;
}

/* ---- Numbers kept as written (JSON Schema) ----
 * jansson would print 1.50 as 1.5 and 1e10 as 10000000000.0; Jackson keeps
 * them. Before parsing, each number token becomes the string "\u0000<k>",
 * and after printing, each such string becomes token k again. A text that
 * already holds "\u0000" is parsed as it is (its reals then print as
 * jansson prints them). */

struct schematags_nums {
	const char **start;
	size_t *len;
	size_t n;
};

/* The text with numbers swapped for placeholders (malloc'd), or NULL. */
static char *schematags_hide_numbers(const char *text, size_t len, struct schematags_nums *nums)
{
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		count += text[i] == '-' || (text[i] >= '0' && text[i] <= '9');
	nums->start = calloc(count + 1, sizeof *nums->start);
	nums->len = calloc(count + 1, sizeof *nums->len);
	char *out = malloc(len + count * 24 + 1);
	if (!nums->start || !nums->len || !out) {
		free(out);
		return NULL;
	}
	size_t o = 0;
	int in_str = 0;
	for (size_t i = 0; i < len;) {
		char ch = text[i];
		if (in_str) {
			out[o++] = ch;
			i++;
			if (ch == '\\' && i < len)
				out[o++] = text[i++];
			else if (ch == '"')
				in_str = 0;
			continue;
		}
		if (ch == '"') {
			in_str = 1;
			out[o++] = text[i++];
			continue;
		}
		if (ch == '-' || (ch >= '0' && ch <= '9')) {
			size_t s = i;
			while (i < len && (text[i] == '-' || text[i] == '+' || text[i] == '.' ||
			                   text[i] == 'e' || text[i] == 'E' ||
			                   (text[i] >= '0' && text[i] <= '9')))
				i++;
			nums->start[nums->n] = text + s;
			nums->len[nums->n] = i - s;
			o += (size_t)sprintf(out + o, "\"\\u0000%zu\"", nums->n);
			nums->n++;
			continue;
		}
		out[o++] = text[i++];
	}
	out[o] = '\0';
	return out;
}

/* `printed` with placeholders swapped back (malloc'd), or NULL. */
static char *schematags_show_numbers(const char *printed, const struct schematags_nums *nums)
{
	size_t total = strlen(printed) + 1;
	for (size_t i = 0; i < nums->n; i++)
		total += nums->len[i];
	char *out = malloc(total);
	if (!out)
		return NULL;
	size_t o = 0;
	static const char mark[] = "\"\\u0000";
	for (const char *p = printed; *p;) {
		size_t k = 0, d = 0;
		if (strncmp(p, mark, sizeof mark - 1) == 0) {
			const char *q = p + sizeof mark - 1;
			while (q[d] >= '0' && q[d] <= '9')
				k = k * 10 + (size_t)(q[d++] - '0');
			if (d && q[d] == '"' && k < nums->n) {
				memcpy(out + o, nums->start[k], nums->len[k]);
				o += nums->len[k];
				p = q + d + 1;
				continue;
			}
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

/* Whether the text holds the escape \u0000. */
static int schematags_has_nul_escape(const char *text, size_t len)
{
	for (size_t i = 0; i + 6 <= len; i++)
		if (memcmp(text + i, "\\u0000", 6) == 0)
			return 1;
	return 0;
}

/* ---- Applying the edit ---- */

/* getInlineTags + add - remove, written back to `node`. 0 or -1. */
static int schematags_edit_node(json_t *node, const struct schematags_entity *e)
{
	if (!json_is_object(node))
		return 0;
	json_t *all = json_array();
	if (!all)
		return -1;
	const json_t *cur = json_object_get(node, SCHEMATAGS_KEY);
	for (size_t i = 0; i < json_array_size(cur); i++) {
		char b[32];
		const json_t *t = json_array_get(cur, i);
		const char *s = schematags_text(t, b, sizeof b);
		if (!schematags_has(all, s) && json_array_append_new(all, json_string(s)) < 0)
			goto fail;
	}
	if (schematags_union(all, e->add) < 0)
		goto fail;
	json_t *kept = json_array();
	if (!kept)
		goto fail;
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *t = json_array_get(all, i);
		if (!schematags_has(e->remove, json_string_value(t)) &&
		    json_array_append(kept, t) < 0) {
			json_decref(kept);
			goto fail;
		}
	}
	json_decref(all);
	if (json_array_size(kept) == 0) {
		json_decref(kept);
		json_object_del(node, SCHEMATAGS_KEY);
		return 0;
	}
	return json_object_set_new(node, SCHEMATAGS_KEY, kept);
fail:
	json_decref(all);
	return -1;
}

char *schematags_apply(enum schema_type type, const char *text, size_t len, const json_t *add,
                       const json_t *remove, struct sg_error *err)
{
	struct schematags_edit ed = {0};
	struct schematags_nums nums = {0};
	char *hidden = NULL, *printed = NULL, *out = NULL;
	json_t *root = NULL;
	if (schematags_collect(&ed, add, 0) < 0 || schematags_collect(&ed, remove, 1) < 0) {
		error_set(err, SG_ENOMEM, "out of memory");
		goto out;
	}
	const char *src = text;
	size_t srclen = len;
	int hide = type == SCHEMA_JSON && !schematags_has_nul_escape(text, len);
	if (hide) {
		if (!(hidden = schematags_hide_numbers(text, len, &nums))) {
			error_set(err, SG_ENOMEM, "out of memory");
			goto out;
		}
		src = hidden;
		srclen = strlen(hidden);
	}
	json_error_t je;
	root = json_loadb(src, srclen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!root) {
		error_set(err, SG_EINVALID_SCHEMA, "Invalid schema: %s", je.text);
		goto out;
	}
	for (size_t i = 0; i < ed.n; i++) {
		json_t *node = type == SCHEMA_AVRO ? schematags_avro_find(root, &ed.v[i], err)
		                                   : schematags_json_find(root, &ed.v[i], err);
		if (!node)
			goto out;
		if (schematags_edit_node(node, &ed.v[i]) < 0) {
			error_set(err, SG_ENOMEM, "out of memory");
			goto out;
		}
	}
	printed = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
	out = printed && hide ? schematags_show_numbers(printed, &nums) : printed;
	if (out == printed)
		printed = NULL;
	if (!out)
		error_set(err, SG_ENOMEM, "out of memory");
out:
	json_decref(root);
	free(printed);
	free(hidden);
	free(nums.start);
	free(nums.len);
	schematags_edit_free(&ed);
	return out;
}
