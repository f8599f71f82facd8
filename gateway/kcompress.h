/* gateway/kcompress.h: decompression of Kafka record-batch payloads, bounded.
 *
 * Kafka compresses the records section of a RecordBatch with the codec named
 * in bits 0-2 of the batch attributes. kcompress undoes that, for:
 *   - gzip (zlib; concatenated members accepted; a zlib header is accepted too);
 *   - snappy, both framings seen on the wire: the xerial stream the Java
 *     client writes (magic 82 'SNAPPY' 00, int32 version, int32 compatible
 *     version, then blocks of [int32 length][raw snappy block]) and a single
 *     raw snappy block as librdkafka writes it;
 *   - lz4, the standard LZ4 frame format that RecordBatch v2 uses (the broken
 *     header checksum of old clients only ever applied to magic 0 messages);
 *   - zstd, one or more frames.
 *
 * Every call has a hard limit on the decompressed size. A payload that would
 * decompress past it fails with SG_ELIMIT as soon as the excess is seen
 * (codecs that declare their size up front fail before any work), so a
 * decompression bomb costs at most `limit` bytes of output. Decoder memory
 * besides the output is small and fixed (zlib 44 KiB, lz4 up to 8 MiB for
 * 4 MiB blocks) except zstd's window, which is capped at max(limit, 8 MiB)
 * (at most 128 MiB): a frame that asks for more is refused with SG_ELIMIT.
 *
 * Ownership and threads: a struct kcompress holds one reusable output buffer
 * and the decoder contexts. The output of kcompress_run() is borrowed from it
 * and stays valid until the next call or kcompress_free(). A context belongs
 * to one thread at a time.
 */
#ifndef SG_KCOMPRESS_H
#define SG_KCOMPRESS_H

#include <stddef.h>
#include <stdint.h>

struct sg_error;

/* Codec ids as Kafka encodes them in the batch attributes. */
enum kcompress_codec {
	KCOMPRESS_NONE = 0,
	KCOMPRESS_GZIP = 1,
	KCOMPRESS_SNAPPY = 2,
	KCOMPRESS_LZ4 = 3,
	KCOMPRESS_ZSTD = 4,
};

/* "none", "gzip", "snappy", "lz4", "zstd", or "unknown". */
const char *kcompress_name(int codec);

struct kcompress;

/* A context whose calls refuse to produce more than `limit` bytes. Returns
 * NULL when out of memory. Decoder contexts are created on first use. */
struct kcompress *kcompress_new(size_t limit);

/* Frees the context and everything it holds. Accepts NULL. */
void kcompress_free(struct kcompress *kc);

/* Decompresses `len` bytes at `in` with `codec` and stores a borrowed pointer
 * to the result in *out and its size in *out_len. KCOMPRESS_NONE hands back
 * `in` itself. Returns 0, or -1 with `err` set: SG_ELIMIT past the limit,
 * SG_ECORRUPT for malformed or truncated data or an unknown codec, SG_ENOMEM. */
int kcompress_run(struct kcompress *kc, int codec, const void *in, size_t len, const uint8_t **out,
                  size_t *out_len, struct sg_error *err);

#endif
