/* gateway/crc32c.h: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * checksum of Kafka RecordBatch v2. Not zlib's crc32.
 *
 * crc32c() uses the SSE4.2 crc32 instruction when the CPU has it (checked once
 * at run time) and portable slicing-by-8 tables otherwise; both give the same
 * result. Everything here is thread-safe and allocates nothing.
 */
#ifndef SG_CRC32C_H
#define SG_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Returns the CRC-32C of `len` bytes at `buf`, continuing from `crc`: pass 0
 * to start, or the result of a previous call to checksum data in pieces.
 * crc32c(0, "123456789", 9) == 0xE3069283. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* The portable (table-driven) path, whatever the CPU. Same contract. */
uint32_t crc32c_portable(uint32_t crc, const void *buf, size_t len);

/* 1 when crc32c() uses a hardware instruction on this machine. */
int crc32c_hw_available(void);

#endif
