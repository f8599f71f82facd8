/* compat/embed.h: files embedded into the binary at build time by
 * scripts/embed (the web page's assets, the JSON Schema meta-schemas). Each
 * table ends with a row whose path is NULL. The data is NUL-terminated (one
 * byte past len) so text files can be used as C strings. */
#ifndef SG_EMBED_H
#define SG_EMBED_H

#include <stddef.h>
#include <string.h>

struct embed_file {
	const char *path; /* relative to the embedded folder, e.g. "app.js" */
	const unsigned char *data;
	size_t len;
};

/* The row of `table` whose path is `path`, or NULL. */
static inline const struct embed_file *embed_find(const struct embed_file *table, const char *path)
{
	for (; table->path; table++)
		if (strcmp(table->path, path) == 0)
			return table;
	return NULL;
}

#endif
