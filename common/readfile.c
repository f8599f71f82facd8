/* common/readfile.c: see readfile.h. */
#include "common/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *readfile(const char *path, size_t limit, size_t *len, struct sg_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		error_set(err, SG_EIO, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	/* The size is a hint (the file may change while it is read): room for it
	 * and one byte more, so the end, or a file past the limit, shows at once. */
	size_t cap =
	    (st.st_size > 0 && (size_t)st.st_size < limit ? (size_t)st.st_size : limit) + 1;
	char *buf = malloc(cap + 1);
	size_t n = 0;
	while (buf) {
		if (n == cap) {
			if (cap > limit)
				break;
			size_t ncap = cap > limit / 2 ? limit + 1 : 2 * cap;
			char *nb = realloc(buf, ncap + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			error_set(err, SG_EIO, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (!buf) {
		error_set(err, SG_ENOMEM, "%s: out of memory", path);
		return NULL;
	}
	if (n > limit) {
		error_set(err, SG_ELIMIT, "%s: larger than %zu bytes", path, limit);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}
