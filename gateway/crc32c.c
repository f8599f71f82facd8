/* gateway/crc32c.c: CRC-32C, hardware when the CPU has it, slicing-by-8 otherwise.
 *
 * The hardware path runs three independent crc32 streams over consecutive
 * blocks (the instruction has a latency of three cycles but a throughput of
 * one), then joins them: the CRC register is linear over GF(2), so the state
 * after A||B is shift(state after A, |B| zero bytes) XOR (state of B alone).
 * crc32c_zeros holds that shift for one block, as four byte tables. */
#include "gateway/crc32c.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC32C_X86 1
#include <nmmintrin.h>
#endif

#define CRC32C_POLY 0x82F63B78u

/* Bytes per stream in the three-way hardware loop. */
#define CRC32C_BLOCK 4096

/* crc32c_table[k][b] is the CRC of byte b followed by k zero bytes. */
static uint32_t crc32c_table[8][256];
/* crc32c_zeros[k][b]: the register b << 8k advanced over CRC32C_BLOCK zero bytes. */
static uint32_t crc32c_zeros[4][256];
static int crc32c_hw;
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_setup(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc32c_table[0][n] = c;
	}
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = crc32c_table[0][n];
		for (int k = 1; k < 8; k++) {
			c = crc32c_table[0][c & 0xff] ^ (c >> 8);
			crc32c_table[k][n] = c;
		}
	}
	{
		uint32_t basis[32];
		for (int i = 0; i < 32; i++) {
			uint32_t c = 1u << i;
			for (int n = 0; n < CRC32C_BLOCK; n++)
				c = crc32c_table[0][c & 0xff] ^ (c >> 8);
			basis[i] = c;
		}
		for (int k = 0; k < 4; k++)
			for (uint32_t b = 0; b < 256; b++) {
				uint32_t c = 0;
				for (int j = 0; j < 8; j++)
					if (b & (1u << j))
						c ^= basis[8 * k + j];
				crc32c_zeros[k][b] = c;
			}
	}
#ifdef CRC32C_X86
	crc32c_hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#endif
}

/* Advances the register `c` over CRC32C_BLOCK zero bytes. */
static inline uint32_t crc32c_shift(uint32_t c)
{
	return crc32c_zeros[0][c & 0xff] ^ crc32c_zeros[1][(c >> 8) & 0xff] ^
	       crc32c_zeros[2][(c >> 16) & 0xff] ^ crc32c_zeros[3][c >> 24];
}

uint32_t crc32c_portable(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	const uint32_t(*t)[256] = (const uint32_t(*)[256])crc32c_table;

	pthread_once(&crc32c_once, crc32c_setup);
	crc = ~crc;
	while (len >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		                     (uint32_t)p[3] << 24);
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
		              (uint32_t)p[7] << 24;
		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^
		      t[4][lo >> 24] ^ t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		      t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#ifdef CRC32C_X86
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p,
                                                               size_t len)
{
	uint64_t c = ~crc;
	uint32_t c32;
	while (len >= 3 * CRC32C_BLOCK) {
		uint64_t b = 0, d = 0;
		for (size_t i = 0; i < CRC32C_BLOCK; i += 8) {
			uint64_t va, vb, vd;
			memcpy(&va, p + i, 8);
			memcpy(&vb, p + CRC32C_BLOCK + i, 8);
			memcpy(&vd, p + 2 * CRC32C_BLOCK + i, 8);
			c = _mm_crc32_u64(c, va);
			b = _mm_crc32_u64(b, vb);
			d = _mm_crc32_u64(d, vd);
		}
		c32 = crc32c_shift((uint32_t)c) ^ (uint32_t)b;
		c = crc32c_shift(c32) ^ (uint32_t)d;
		p += 3 * CRC32C_BLOCK;
		len -= 3 * CRC32C_BLOCK;
	}
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
		p += 8;
		len -= 8;
	}
	c32 = (uint32_t)c;
	while (len--)
		c32 = _mm_crc32_u8(c32, *p++);
	return ~c32;
}
#endif

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc32c_once, crc32c_setup);
#ifdef CRC32C_X86
	if (crc32c_hw)
		return crc32c_sse42(crc, buf, len);
#endif
	return crc32c_portable(crc, buf, len);
}

int crc32c_hw_available(void)
{
	pthread_once(&crc32c_once, crc32c_setup);
	return crc32c_hw;
}
