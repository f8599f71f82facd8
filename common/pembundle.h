/* common/pembundle.h: the certificates of "a CA given as a PEM file or a
 * folder", as one PEM text. The gateway (OpenSSL), the registry's HTTPS
 * server (GnuTLS) and the registry client (libcurl) all read their CAs here,
 * so one rule holds for every CA flag of the product:
 *
 * - `path` names a file, or a folder. Of a folder, every regular file
 *   directly in it is read, in name order (byte order, strcmp); names that
 *   start with '.' are skipped, symbolic links are followed, sub-folders are
 *   not read. A mounted Kubernetes Secret thus gives its `ca.crt` (a link
 *   through `..data` into the kubelet's hidden `..2026_...` folder) once,
 *   with an old and a new CA in it during a Strimzi CA renewal.
 * - Of each file, only its "-----BEGIN CERTIFICATE-----" blocks are taken
 *   (the markers at the start of a line), in the order they come; keys and
 *   any other text are left out. A file of a folder with no such block (a
 *   Secret's ca.p12 and ca.password) is skipped; a single file without one
 *   is an error.
 * - Each block must end (a "-----END CERTIFICATE-----" line) and hold base64
 *   that decodes to one DER structure; otherwise it is an error naming the
 *   file and the line of the block. Whether that DER is a valid certificate
 *   is for the TLS library to say.
 * - `limit` is a hard ceiling in bytes on each file read and on the text
 *   returned; past it, an error.
 *
 * The text returned holds the blocks re-wrapped as 64 base64 characters a
 * line, each block ending in '\n', nothing else.
 *
 * Errors (first one wins, as compat/error.h says), each naming a path:
 * SG_EIO "PATH: <strerror>" (missing, unreadable), "FILE: no PEM
 * certificate in it", "DIR: a folder with no PEM certificate in its files",
 * "FILE: the certificate at line N is cut off (no -----END CERTIFICATE-----
 * line)", "FILE: the certificate at line N is not base64" or "... is not one
 * DER structure"; SG_ELIMIT "FILE: larger than LIMIT bytes" or "PATH: the
 * certificates add up to more than LIMIT bytes"; SG_ENOMEM.
 *
 * Ownership: the text returned is the caller's, freed with free(). Blocks on
 * the file system; no state, any thread.
 */
#ifndef SG_PEMBUNDLE_H
#define SG_PEMBUNDLE_H

#include <stddef.h>

#include "compat/error.h"

/* A ceiling for callers with no reason to pick another: a bundle of
 * thousands of certificates (a system store is about 200 KiB). */
#define PEMBUNDLE_MAX (4u << 20)

/* Reads the certificates of `path` (a file or a folder, see above) into a
 * new NUL-terminated PEM text, its length (without the NUL) in *len when
 * `len` is not NULL. Returns NULL with `err` set when there is no
 * certificate at all, or on any error above. */
char *pembundle_read(const char *path, size_t limit, size_t *len, struct sg_error *err);

#endif
