/* tests/casedir.h: the cases of a data-driven test, the folders
 * (tests/cases/<kind>/<case>/) or files (a suite's *.json) in a folder,
 * listed whole and in order. Header-only.
 */
#ifndef SG_CASEDIR_H
#define SG_CASEDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static inline int casedir_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Frees what casedir_list() returned. Accepts NULL. */
static inline void casedir_free(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/* Returns the names in `dir` of every folder (when `suffix` is NULL) or of
 * every file whose name ends in `suffix`, but the hidden ones, sorted, as a
 * new NULL-terminated array (free it with casedir_free()), and their number
 * in *n. Returns NULL when `dir` cannot be read or memory runs out: never a
 * partial list. */
static inline char **casedir_list(const char *dir, const char *suffix, size_t *n)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	size_t len = 0, cap = 64;
	char **names = calloc(cap, sizeof *names);
	struct dirent *e;
	while (names && (e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
		    stat(path, &st) != 0) {
			casedir_free(names);
			names = NULL;
			break;
		}
		size_t len_name = strlen(e->d_name), len_suffix = suffix ? strlen(suffix) : 0;
		if (suffix ? !S_ISREG(st.st_mode) || len_name <= len_suffix ||
		                 strcmp(e->d_name + len_name - len_suffix, suffix) != 0
		           : !S_ISDIR(st.st_mode))
			continue;
		if (len + 1 == cap) {
			char **more = realloc(names, 2 * cap * sizeof *names);
			if (!more) {
				casedir_free(names);
				names = NULL;
				break;
			}
			names = more;
			cap *= 2;
		}
		names[len] = strdup(e->d_name);
		names[++len] = NULL;
		if (!names[len - 1]) {
			casedir_free(names);
			names = NULL;
		}
	}
	closedir(d);
	if (!names)
		return NULL;
	qsort(names, len, sizeof *names, casedir_cmp);
	*n = len;
	return names;
}

#endif
