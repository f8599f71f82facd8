/* compat/hex.h: the value of one hexadecimal digit, for the decoders that
 * read "%HH", "\xHH" and "\uHHHH" (URIs, JSON strings, regular expressions,
 * HTTP paths). Header-only; nothing here allocates or keeps state. */
#ifndef SG_HEX_H
#define SG_HEX_H

/* The value (0 to 15) of hex digit `c` ('0'-'9', 'a'-'f', 'A'-'F'), or -1
 * for any other character. Pass a char as unsigned char or plain char: a
 * negative value is simply not a digit. */
static inline int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
