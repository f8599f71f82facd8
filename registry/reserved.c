/* registry/reserved.c: Confluent's reserved fields; see reserved.h. */
#include "registry/reserved.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/schema.h"
#include "registry/entity.h"

#define RESERVED_MAX 256 /* names kept per schema */

/* Java's String.hashCode() of UTF-8 `s`: over its UTF-16 code units. */
static uint32_t reserved_java_hash(const char *s)
{
	uint32_t h = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp = *p++;
		int more = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;
		if (more)
			cp &= 0x3fu >> more;
		for (; more > 0 && (*p & 0xc0) == 0x80; more--)
			cp = cp << 6 | (*p++ & 0x3f);
		if (cp >= 0x10000) {
			cp -= 0x10000;
			h = 31 * h + (0xd800 + (cp >> 10));
			cp = 0xdc00 + (cp & 0x3ff);
		}
		h = 31 * h + cp;
	}
	return h;
}

struct reserved_slot {
	const char *name;
	uint32_t bucket;
	size_t added;
};

static int reserved_cmp(const void *a, const void *b)
{
	const struct reserved_slot *x = a, *y = b;
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return x->added < y->added ? -1 : x->added > y->added;
}

int reserved_names(const json_t *meta, char **buf, const char **names, size_t cap,
                   struct sg_error *err)
{
	*buf = NULL;
	const char *prop = entity_metadata_property(meta, RESERVED_PROPERTY);
	if (!prop)
		return 0;
	if (!(*buf = strdup(prop)))
		return error_set(err, SG_ENOMEM, "out of memory");
	struct reserved_slot slots[RESERVED_MAX];
	size_t n = 0;
	char *save = NULL;
	for (char *tok = *buf; n < cap && n < RESERVED_MAX; tok = NULL) {
		/* split(","), as Java: empty pieces between commas are kept. */
		char *piece = tok ? tok : save;
		if (!piece)
			break;
		char *comma = strchr(piece, ',');
		save = comma ? comma + 1 : NULL;
		if (comma)
			*comma = '\0';
		while (*piece && (unsigned char)*piece <= ' ')
			piece++;
		size_t len = strlen(piece);
		while (len && (unsigned char)piece[len - 1] <= ' ')
			piece[--len] = '\0';
		int dup = !*piece;
		for (size_t i = 0; !dup && i < n; i++)
			dup = strcmp(slots[i].name, piece) == 0;
		if (!dup)
			slots[n] = (struct reserved_slot){piece, reserved_java_hash(piece), n}, n++;
		if (!save)
			break;
	}
	uint32_t capacity = 16;
	while (n > capacity / 4 * 3)
		capacity *= 2;
	for (size_t i = 0; i < n; i++) {
		uint32_t h = slots[i].bucket;
		slots[i].bucket = (h ^ (h >> 16)) & (capacity - 1);
	}
	qsort(slots, n, sizeof slots[0], reserved_cmp);
	for (size_t i = 0; i < n; i++)
		names[i] = slots[i].name;
	return (int)n;
}

/* Appends before + name + after. */
static int reserved_say(json_t *messages, const char *before, const char *name, const char *after,
                        struct sg_error *err)
{
	char line[1024];
	snprintf(line, sizeof line, "%s%s%s", before, name, after);
	if (json_array_append_new(messages, json_string(line)) < 0)
		return error_set(err, SG_ENOMEM, "out of memory");
	return 0;
}

int reserved_check(const struct schema *candidate, const json_t *meta, const json_t *prev_meta,
                   json_t *messages, struct sg_error *err)
{
	static const char removed[] = " removed from its metadata which is present in the old "
	                              "schema's metadata.";
	static const char conflicts[] = "The new schema has field that conflicts with the reserved "
	                                "field ";
	char *buf = NULL, *prev_buf = NULL;
	const char *mine[RESERVED_MAX], *theirs[RESERVED_MAX];
	int n = reserved_names(meta, &buf, mine, RESERVED_MAX, err);
	int m = n < 0 ? -1 : reserved_names(prev_meta, &prev_buf, theirs, RESERVED_MAX, err);
	int found = n < 0 || m < 0 ? -1 : 0;
	for (int i = 0; found >= 0 && i < m; i++) {
		int kept = 0;
		for (int k = 0; !kept && k < n; k++)
			kept = strcmp(theirs[i], mine[k]) == 0;
		if (kept)
			continue;
		if (reserved_say(messages, "The new schema has reserved field ", theirs[i], removed,
		                 err) < 0)
			found = -1;
		else
			found++;
	}
	for (int i = 0; found >= 0 && i < n; i++) {
		if (!schema_has_top_level_field(candidate, mine[i]))
			continue;
		if (reserved_say(messages, conflicts, mine[i], ".", err) < 0)
			found = -1;
		else
			found++;
	}
	free(buf);
	free(prev_buf);
	return found;
}
