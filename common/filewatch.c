/* common/filewatch.c: signatures of files and folders by stat(). */
#include "common/filewatch.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FILEWATCH_MAX_PATHS 32
#define FILEWATCH_PATH_MAX  4096

struct filewatch_path {
	char *path;
	int depth;
};

struct filewatch {
	struct filewatch_path paths[FILEWATCH_MAX_PATHS];
	size_t n;
};

struct filewatch *filewatch_new(void)
{
	return calloc(1, sizeof(struct filewatch));
}

void filewatch_free(struct filewatch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->paths[i].path);
	free(w);
}

int filewatch_add(struct filewatch *w, const char *path, int depth)
{
	if (!path || !*path)
		return 0;
	if (w->n == FILEWATCH_MAX_PATHS || !(w->paths[w->n].path = strdup(path)))
		return -1;
	w->paths[w->n++].depth = depth;
	return 0;
}

/* FNV-1a, 64 bits. */
static uint64_t filewatch_mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t filewatch_mix_u64(uint64_t h, uint64_t v)
{
	return filewatch_mix(h, &v, sizeof v);
}

/* Entries of a folder not counted: '.', '..', and hidden ones (a Secret
 * mount's `..data` and timestamped folders are reached through the links
 * beside them). */
static int filewatch_visible(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static uint64_t filewatch_path_sig(uint64_t h, const char *path, int depth)
{
	struct stat st;
	struct dirent **ents = NULL;
	int n;

	h = filewatch_mix(h, path, strlen(path) + 1);
	if (stat(path, &st) != 0)
		return filewatch_mix_u64(h, (uint64_t)errno + 1);
	h = filewatch_mix_u64(h, (uint64_t)st.st_dev);
	h = filewatch_mix_u64(h, (uint64_t)st.st_ino);
	h = filewatch_mix_u64(h, (uint64_t)st.st_mode);
	if (S_ISDIR(st.st_mode))
		goto entries; /* a folder changes by its entries, hidden ones aside */
	h = filewatch_mix_u64(h, (uint64_t)st.st_size);
	h = filewatch_mix_u64(h, (uint64_t)st.st_mtim.tv_sec);
	h = filewatch_mix_u64(h, (uint64_t)st.st_mtim.tv_nsec);
	h = filewatch_mix_u64(h, (uint64_t)st.st_ctim.tv_sec);
	h = filewatch_mix_u64(h, (uint64_t)st.st_ctim.tv_nsec);
	return h;
entries:
	if (depth <= 0)
		return h;
	n = scandir(path, &ents, filewatch_visible, alphasort);
	if (n < 0)
		return filewatch_mix_u64(h, (uint64_t)errno + 1);
	for (int i = 0; i < n; i++) {
		char sub[FILEWATCH_PATH_MAX];
		int len = snprintf(sub, sizeof sub, "%s/%s", path, ents[i]->d_name);
		if (i < FILEWATCH_MAX_ENTRIES && len > 0 && (size_t)len < sizeof sub)
			h = filewatch_path_sig(h, sub, depth - 1);
		free(ents[i]);
	}
	free(ents);
	return h;
}

uint64_t filewatch_scan(const struct filewatch *w)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < w->n; i++)
		h = filewatch_path_sig(h, w->paths[i].path, w->paths[i].depth);
	return h;
}
