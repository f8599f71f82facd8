/* common/readfile.h: a whole file into memory, up to a ceiling.
 *
 * For configuration the services read at start and on reload (auth files,
 * certificates and keys): small, trusted to exist, never streamed.
 */
#ifndef SG_READFILE_H
#define SG_READFILE_H

#include <stddef.h>

#include "compat/error.h"

/* Reads the file at `path` into a new NUL-terminated buffer (the caller
 * frees it) and its length into *len (`len` may be NULL). Returns NULL with
 * `err` set: SG_EIO "PATH: <reason>" when it cannot be opened or read,
 * SG_ELIMIT "PATH: larger than LIMIT bytes", SG_ENOMEM. Blocks on the file
 * system; any thread. */
char *readfile(const char *path, size_t limit, size_t *len, struct sg_error *err);

#endif
