/* registry/sha256.h: SHA-256 (FIPS 180-4), used by the store as the content
 * key of a schema (type, text, references, metadata, rule set), so that one
 * schema has one row however often it is registered.
 *
 * Pure and allocation-free. A struct sha256 is one running digest; it is not
 * shared between threads.
 */
#ifndef SG_SHA256_H
#define SG_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t block[64];
	size_t used; /* bytes waiting in block */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Writes the digest to `out` (SHA256_LEN bytes). The context must be
 * re-initialised before it is used again. */
void sha256_final(struct sha256 *c, uint8_t out[SHA256_LEN]);

/* One-shot digest of `len` bytes. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);

#endif
