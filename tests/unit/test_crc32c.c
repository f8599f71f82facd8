/* tests/unit/test_crc32c.c: CRC-32C against published vectors (RFC 3720 B.4
 * and the standard check value) and against a bit-at-a-time reference, on
 * both the hardware and the portable path, whole and in pieces. */
#include "gateway/crc32c.h"

#include <stdint.h>
#include <string.h>

#include "tests/tap.h"

/* The definition, one bit at a time: independent of the tables. */
static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
	}
	return ~c;
}

static void test_vectors(void)
{
	uint8_t b[32];

	tap_is_int(crc32c(0, "123456789", 9), 0xE3069283u, "check value of \"123456789\"");
	tap_is_int(crc32c_portable(0, "123456789", 9), 0xE3069283u, "portable: check value");
	memset(b, 0, sizeof b);
	tap_is_int(crc32c(0, b, 32), 0x8A9136AAu, "RFC 3720: 32 bytes of zeros");
	memset(b, 0xff, sizeof b);
	tap_is_int(crc32c(0, b, 32), 0x62A8AB43u, "RFC 3720: 32 bytes of 0xff");
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	tap_is_int(crc32c(0, b, 32), 0x46DD794Eu, "RFC 3720: 32 incrementing bytes");
	tap_is_int(crc32c_portable(0, b, 32), 0x46DD794Eu, "portable: incrementing bytes");
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	tap_is_int(crc32c(0, b, 32), 0x113FDB5Cu, "RFC 3720: 32 decrementing bytes");
	tap_is_int(crc32c(0, NULL, 0), 0, "empty input is 0");
	tap_is_int(crc32c(0x12345678u, NULL, 0), 0x12345678u, "empty input keeps the running crc");
}

static void test_random(void)
{
	static uint8_t buf[4096 + 16];
	uint32_t x = 2463534242u;
	int hw_ok = 1, sw_ok = 1, split_ok = 1;

	for (size_t i = 0; i < sizeof buf; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
	for (size_t len = 0; len <= 4096; len += (len < 80 ? 1 : 61)) {
		for (size_t off = 0; off < 8; off += 3) {
			const uint8_t *p = buf + off;
			uint32_t want = crc_bitwise(p, len);
			size_t cut = len / 3;
			hw_ok &= crc32c(0, p, len) == want;
			sw_ok &= crc32c_portable(0, p, len) == want;
			split_ok &= crc32c(crc32c(0, p, cut), p + cut, len - cut) == want;
			split_ok &=
			    crc32c_portable(crc32c_portable(0, p, cut), p + cut, len - cut) == want;
		}
	}
	tap_ok(hw_ok, "crc32c() matches the bitwise reference (lengths 0..4096, misaligned)");
	{
		/* Around the three-way hardware blocks (3 x 4096 bytes). */
		static const size_t lens[] = {12287, 12288, 12289, 24575,
		                              24576, 24583, 36871, 65536 + 3};
		static uint8_t big[65536 + 16];
		int long_ok = 1;
		for (size_t i = 0; i < sizeof big; i++)
			big[i] = buf[i % sizeof buf] ^ (uint8_t)(i >> 12);
		for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
			for (size_t off = 0; off < 3; off++) {
				uint32_t want = crc_bitwise(big + off, lens[i]);
				long_ok &= crc32c(0, big + off, lens[i]) == want;
				long_ok &= crc32c_portable(0, big + off, lens[i]) == want;
				long_ok &= crc32c(crc32c(0, big + off, 5), big + off + 5,
				                  lens[i] - 5) == want;
			}
		}
		tap_ok(long_ok,
		       "long buffers around the three-stream block size match the reference");
	}
	tap_ok(sw_ok, "crc32c_portable() matches the bitwise reference");
	tap_ok(split_ok, "checksumming in two pieces gives the same result");
	tap_diag("hardware CRC-32C: %s", crc32c_hw_available() ? "yes" : "no");
}

int main(void)
{
	test_vectors();
	test_random();
	return tap_done();
}
