/* gateway/certmap.h: the certmap broker identity. A folder holds one
 * sub-folder per user, <user>/user.crt and <user>/user.key (Strimzi's
 * KafkaUser Secrets, mounted); a client whose certificate subject equals a
 * user's certificate subject reaches the brokers as that user, with that
 * user's certificate and key.
 *
 * Subjects are compared as DER names (tls_name_der_equal), never as text:
 * two names that print alike but differ in encoding, order or RDN grouping
 * are different names. Text (RFC 2253) is made for log lines only.
 *
 * Every user's client context (gateway/tls.h) is made once, at load, and
 * kept; a map never changes once made. Sub-folders without user.crt (and
 * files beside them) are skipped; a user.crt without its user.key, a file
 * that does not load, and two users with the same subject fail the load.
 *
 * Ownership: certmap_load() returns a map the caller frees with
 * certmap_free(); contexts and names certmap_find() returns are borrowed
 * from the map and live as long as it. Errors go in a caller-provided
 * struct sg_error (SG_EIO for files, SG_EUNPROCESSABLE for bad contents).
 * Threads: once loaded, a map may be read by any number of threads.
 */
#ifndef SG_CERTMAP_H
#define SG_CERTMAP_H

#include <stddef.h>
#include <stdint.h>

struct certmap;
struct sg_error;
struct tls_client_options;
struct tls_ctx;

/* Loads every user of `dir`. Each user's context is made from `base` (its CA
 * or insecure choice, its minimum version) with the user's certificate and
 * key. A folder with no user in it is an error. NULL on failure with `err`
 * set, naming the file. */
struct certmap *certmap_load(const char *dir, const struct tls_client_options *base,
                             struct sg_error *err);

/* Accepts NULL. */
void certmap_free(struct certmap *m);

/* The number of users loaded. */
size_t certmap_count(const struct certmap *m);

/* The context of the user whose certificate subject equals `der` (a DER
 * X509_NAME of `len` bytes, as loop_conn_peer_subject() gives), with
 * `*user` set to the user's folder name; NULL when no user matches or `der`
 * does not parse. */
struct tls_ctx *certmap_find(const struct certmap *m, const uint8_t *der, size_t len,
                             const char **user);

/* Writes the DER name `der` as RFC 2253 text into `buf` (for log lines,
 * truncated to fit; "(unparsable name)" when it does not parse). Returns
 * `buf`. */
const char *certmap_name_text(const uint8_t *der, size_t len, char *buf, size_t size);

#endif
