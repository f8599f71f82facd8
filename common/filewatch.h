/* common/filewatch.h: notices that files or folders changed, by polling.
 *
 * A watch is a list of paths. filewatch_scan() stat()s each of them,
 * following symbolic links, and folds what it finds into one 64-bit
 * signature: for each path its name and either the stat() error or the
 * device, inode and type, and for a file its size, mtime and ctime (to the
 * nanosecond); for a folder, the same for each entry in it, in name order,
 * to `depth` levels (entries whose names begin with '.' are left out, and
 * at most FILEWATCH_MAX_ENTRIES a folder; a folder's own times are not
 * used, so hidden entries coming and going change nothing). Two scans that
 * give different
 * signatures saw a change; equal signatures mean no change was seen.
 *
 * This is made for Kubernetes Secret and ConfigMap mounts: the mount holds
 * a timestamped folder with the real files (`..2026_12_07_10_00_00.123/`), a
 * `..data` link to it, and one link per key (`tls.crt -> ..data/tls.crt`).
 * An update writes a new timestamped folder and renames a new `..data` over
 * the old one, so following `tls.crt` now reaches another inode: the
 * signature changes although neither `tls.crt` nor the folder did. A file
 * rewritten in place changes size, mtime or ctime; a file replaced by a
 * rename changes inode; a user folder added to or removed from a folder
 * changes its entries. A change that leaves all of these equal (a rewrite
 * of the same size within the file system's timestamp resolution) is not
 * seen.
 *
 * Polling costs one stat() per path and entry; once a second is cheap.
 *
 * Ownership: filewatch_new() returns a watch the caller frees with
 * filewatch_free(); filewatch_add() copies the path.
 * Threads: a watch is used by one thread at a time.
 */
#ifndef SG_FILEWATCH_H
#define SG_FILEWATCH_H

#include <stdint.h>

/* Most entries of one folder that count in a signature. */
#define FILEWATCH_MAX_ENTRIES 4096

struct filewatch;

/* An empty watch; NULL when out of memory. */
struct filewatch *filewatch_new(void);

/* Accepts NULL. */
void filewatch_free(struct filewatch *w);

/* Watches `path` (a file or a folder; it need not exist yet), and for a
 * folder its entries to `depth` levels (0: the folder alone). A NULL or
 * empty path is ignored. Returns 0, or -1 out of memory. */
int filewatch_add(struct filewatch *w, const char *path, int depth);

/* The signature of everything the watch holds, as it is now. */
uint64_t filewatch_scan(const struct filewatch *w);

#endif
