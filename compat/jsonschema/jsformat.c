/* compat/jsonschema/jsformat.c: "format" checks, each a small recogniser over a bounded
 * cursor. */
#include "compat/jsonschema/jsformat.h"

#include <stdint.h>
#include <string.h>

#include "compat/hex.h"
#include "compat/jsonschema/jsregex.h"

static const struct {
	const char *name;
	enum jsformat f;
} formats[] = {
    {"date-time", JSFORMAT_DATE_TIME},
    {"date", JSFORMAT_DATE},
    {"time", JSFORMAT_TIME},
    {"duration", JSFORMAT_DURATION},
    {"email", JSFORMAT_EMAIL},
    {"idn-email", JSFORMAT_IDN_EMAIL},
    {"hostname", JSFORMAT_HOSTNAME},
    {"idn-hostname", JSFORMAT_IDN_HOSTNAME},
    {"ipv4", JSFORMAT_IPV4},
    {"ipv6", JSFORMAT_IPV6},
    {"uri", JSFORMAT_URI},
    {"uri-reference", JSFORMAT_URI_REFERENCE},
    {"iri", JSFORMAT_IRI},
    {"iri-reference", JSFORMAT_IRI_REFERENCE},
    {"uri-template", JSFORMAT_URI_TEMPLATE},
    {"uuid", JSFORMAT_UUID},
    {"regex", JSFORMAT_REGEX},
    {"json-pointer", JSFORMAT_JSON_POINTER},
    {"relative-json-pointer", JSFORMAT_RELATIVE_JSON_POINTER},
};

enum jsformat jsformat_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (strcmp(formats[i].name, name) == 0)
			return formats[i].f;
	return JSFORMAT_UNKNOWN;
}

const char *jsformat_name(enum jsformat f)
{
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (formats[i].f == f)
			return formats[i].name;
	return "unknown";
}

/* A bounded cursor: every reader checks `p < end` and none reads past it. */
struct cur {
	const char *p, *end;
};

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}
static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_hex(int c)
{
	return hex_value(c) >= 0;
}
static int at_end(const struct cur *c)
{
	return c->p >= c->end;
}
static int peek(const struct cur *c)
{
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

static int eat(struct cur *c, int ch)
{
	if (peek(c) == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

/* Reads exactly `k` ASCII digits as a number, or returns -1. */
static int digits(struct cur *c, int k)
{
	int v = 0;
	for (int i = 0; i < k; i++) {
		int ch = peek(c);
		if (!is_digit(ch))
			return -1;
		v = v * 10 + (ch - '0');
		c->p++;
	}
	return v;
}

/* --- dates and times (RFC 3339) --- */

static int leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int full_date(struct cur *c)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = digits(c, 4);
	if (y < 0 || !eat(c, '-'))
		return 0;
	int m = digits(c, 2);
	if (m < 1 || m > 12 || !eat(c, '-'))
		return 0;
	int d = digits(c, 2);
	int max = mdays[m - 1] + (m == 2 && leap_year(y));
	return d >= 1 && d <= max;
}

static int full_time(struct cur *c)
{
	int h = digits(c, 2);
	if (h < 0 || h > 23 || !eat(c, ':'))
		return 0;
	int mi = digits(c, 2);
	if (mi < 0 || mi > 59 || !eat(c, ':'))
		return 0;
	int s = digits(c, 2);
	if (s < 0 || s > 60)
		return 0;
	if (eat(c, '.')) {
		if (!is_digit(peek(c)))
			return 0;
		while (is_digit(peek(c)))
			c->p++;
	}
	int oh = 0, om = 0, sign = 0;
	if (eat(c, 'Z') || eat(c, 'z')) {
		sign = 0;
	} else if (peek(c) == '+' || peek(c) == '-') {
		sign = *c->p++ == '+' ? 1 : -1;
		oh = digits(c, 2);
		if (oh < 0 || oh > 23 || !eat(c, ':'))
			return 0;
		om = digits(c, 2);
		if (om < 0 || om > 59)
			return 0;
	} else {
		return 0;
	}
	if (s == 60) {
		/* A leap second happens at 23:59:60 UTC only. */
		int utc = h * 60 + mi - sign * (oh * 60 + om);
		utc = ((utc % 1440) + 1440) % 1440;
		if (utc != 23 * 60 + 59)
			return 0;
	}
	return 1;
}

static int check_date_time(struct cur *c)
{
	if (!full_date(c))
		return 0;
	if (!eat(c, 'T') && !eat(c, 't'))
		return 0;
	return full_time(c) && at_end(c);
}

/* --- duration (RFC 3339 appendix A) --- */

static int dur_number(struct cur *c)
{
	if (!is_digit(peek(c)))
		return 0;
	while (is_digit(peek(c)))
		c->p++;
	return 1;
}

static int check_duration(struct cur *c)
{
	static const char date_units[] = "YMD", time_units[] = "HMS";
	if (!eat(c, 'P') || at_end(c))
		return 0;
	if (peek(c) != 'T') {
		/* dur-week, or dur-date: consecutive units from Y, M, D. */
		const char *save = c->p;
		if (!dur_number(c))
			return 0;
		if (eat(c, 'W'))
			return at_end(c);
		c->p = save;
		int last = -1;
		while (is_digit(peek(c))) {
			dur_number(c);
			const char *u = memchr(date_units, peek(c), 3);
			if (!u || peek(c) < 0)
				return 0;
			int idx = (int)(u - date_units);
			if (last >= 0 && idx != last + 1)
				return 0;
			last = idx;
			c->p++;
		}
		if (last < 0)
			return 0;
	}
	if (eat(c, 'T')) {
		int last = -1;
		while (is_digit(peek(c))) {
			dur_number(c);
			const char *u = memchr(time_units, peek(c), 3);
			if (!u || peek(c) < 0)
				return 0;
			int idx = (int)(u - time_units);
			if (last >= 0 && idx != last + 1)
				return 0;
			last = idx;
			c->p++;
		}
		if (last < 0)
			return 0;
	}
	return at_end(c);
}

/* --- IP addresses --- */

static int ipv4_at(struct cur *c)
{
	for (int i = 0; i < 4; i++) {
		if (i && !eat(c, '.'))
			return 0;
		int ch = peek(c);
		if (!is_digit(ch))
			return 0;
		int v = 0, n = 0;
		const char *start = c->p;
		while (is_digit(peek(c)) && n < 4) {
			v = v * 10 + (*c->p++ - '0');
			n++;
		}
		if (n > 3 || v > 255 || (n > 1 && *start == '0'))
			return 0;
	}
	return 1;
}

/* Parses an IPv6 address filling the whole cursor. */
static int ipv6_all(struct cur *c)
{
	int groups = 0, compressed = 0;
	if (peek(c) == ':') {
		if (c->end - c->p < 2 || c->p[1] != ':')
			return 0;
		c->p += 2;
		compressed = 1;
		if (at_end(c))
			return 1;
	}
	for (;;) {
		/* An embedded IPv4 address may end the address. */
		const char *q = c->p;
		while (q < c->end && is_hex((unsigned char)*q))
			q++;
		if (q < c->end && *q == '.') {
			if (groups + 2 > 8 || (!compressed && groups + 2 != 8))
				return 0;
			if (compressed && groups + 2 > 7)
				return 0;
			return ipv4_at(c) && at_end(c);
		}
		int n = (int)(q - c->p);
		if (n < 1 || n > 4)
			return 0;
		c->p = q;
		groups++;
		if (groups > 8)
			return 0;
		if (at_end(c))
			break;
		if (!eat(c, ':'))
			return 0;
		if (peek(c) == ':') {
			if (compressed)
				return 0;
			compressed = 1;
			c->p++;
			if (at_end(c))
				break;
		}
	}
	return compressed ? groups <= 7 : groups == 8;
}

/* --- host names and e-mail --- */

/* One label of `n` bytes: letters, digits, hyphens (and, when `idn`, any
 * non-ASCII byte), 1 to 63 bytes, no hyphen at either end. */
static int label_ok(const char *s, size_t n, int idn)
{
	if (n < 1 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!(is_alpha(ch) || is_digit(ch) || ch == '-' || (idn && ch >= 0x80)))
			return 0;
	}
	return 1;
}

static int punycode_ok(const char *s, size_t n);

static int hostname_ok(const char *s, size_t n, int idn)
{
	if (n == 0 || n > 253)
		return 0;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!label_ok(s + start, i - start, idn))
			return 0;
		if (i - start >= 4 && (s[start] == 'x' || s[start] == 'X') &&
		    (s[start + 1] == 'n' || s[start + 1] == 'N') && s[start + 2] == '-' &&
		    s[start + 3] == '-' && !punycode_ok(s + start + 4, i - start - 4))
			return 0;
		start = i + 1;
	}
	return 1;
}

/* RFC 3492 decoding, checking only that the label decodes to code points
 * that are neither ASCII-only nor out of range. */
static int punycode_ok(const char *s, size_t n)
{
	enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700 };
	size_t b = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '-')
			b = i;
	uint32_t out = 0, nval = 128, bias = 72;
	size_t in = b > 0 ? b + 1 : 0;
	if (in == 0 && n > 0 && memchr(s, '-', n))
		in = 1;
	out = (uint32_t)b;
	if (in >= n)
		return 0; /* nothing encoded: not a real A-label */
	for (uint32_t i = 0; in < n;) {
		uint32_t oldi = i, w = 1;
		for (uint32_t k = BASE;; k += BASE) {
			if (in >= n)
				return 0;
			int ch = (unsigned char)s[in++];
			uint32_t digit;
			if (ch >= '0' && ch <= '9')
				digit = (uint32_t)(ch - '0' + 26);
			else if (ch >= 'a' && ch <= 'z')
				digit = (uint32_t)(ch - 'a');
			else if (ch >= 'A' && ch <= 'Z')
				digit = (uint32_t)(ch - 'A');
			else
				return 0;
			if (digit > (UINT32_MAX - i) / w)
				return 0;
			i += digit * w;
			uint32_t t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
			if (digit < t)
				break;
			if (w > UINT32_MAX / (BASE - t))
				return 0;
			w *= BASE - t;
		}
		out++;
		uint32_t delta = oldi == 0 ? (i - oldi) / DAMP : (i - oldi) / 2;
		delta += delta / out;
		uint32_t k = 0;
		while (delta > ((BASE - TMIN) * TMAX) / 2) {
			delta /= BASE - TMIN;
			k += BASE;
		}
		bias = k + (BASE - TMIN + 1) * delta / (delta + SKEW);
		if (i / out > 0x10FFFF - nval)
			return 0;
		nval += i / out;
		i %= out;
		if (nval < 0x80 || (nval >= 0xD800 && nval <= 0xDFFF) || nval > 0x10FFFF)
			return 0;
		i++;
	}
	return 1;
}

static int atext(int ch)
{
	return is_alpha(ch) || is_digit(ch) || (ch >= 0 && strchr("!#$%&'*+-/=?^_`{|}~", ch) && ch);
}

static int email_ok(const char *s, size_t n, int idn)
{
	struct cur c = {s, s + n};
	if (peek(&c) == '"') {
		c.p++;
		for (;;) {
			int ch = peek(&c);
			if (ch < 0)
				return 0;
			c.p++;
			if (ch == '"')
				break;
			if (ch == '\\') {
				if (at_end(&c))
					return 0;
				c.p++;
			} else if (ch < 0x20 || ch == 0x7f) {
				return 0;
			}
		}
	} else {
		int prev_dot = 1, any = 0;
		while (!at_end(&c) && peek(&c) != '@') {
			int ch = peek(&c);
			if (ch == '.') {
				if (prev_dot)
					return 0;
				prev_dot = 1;
			} else if (atext(ch) || (idn && ch >= 0x80)) {
				prev_dot = 0;
			} else {
				return 0;
			}
			any = 1;
			c.p++;
		}
		if (!any || prev_dot)
			return 0;
	}
	if (!eat(&c, '@'))
		return 0;
	size_t rest = (size_t)(c.end - c.p);
	if (rest >= 2 && c.p[0] == '[' && c.end[-1] == ']') {
		struct cur lit = {c.p + 1, c.end - 1};
		if (lit.end - lit.p > 5 && memcmp(lit.p, "IPv6:", 5) == 0) {
			lit.p += 5;
			return ipv6_all(&lit);
		}
		return ipv4_at(&lit) && at_end(&lit);
	}
	return hostname_ok(c.p, rest, idn);
}

/* --- URIs (RFC 3986, RFC 3987) --- */

static int unreserved(int ch)
{
	return is_alpha(ch) || is_digit(ch) || (ch && strchr("-._~", ch));
}
static int sub_delim(int ch)
{
	return ch && strchr("!$&'()*+,;=", ch) != NULL;
}

/* Consumes one character allowed by `extra` (a set of ASCII punctuation),
 * an unreserved or sub-delim character, a percent-encoding, or (when `iri`)
 * any non-ASCII byte. Returns 1, 0 when the next character is not allowed,
 * or -1 on a malformed percent-encoding. */
static int uchar(struct cur *c, const char *extra, int iri)
{
	int ch = peek(c);
	if (ch < 0)
		return 0;
	if (ch == '%') {
		if (c->end - c->p < 3 || !is_hex((unsigned char)c->p[1]) ||
		    !is_hex((unsigned char)c->p[2]))
			return -1;
		c->p += 3;
		return 1;
	}
	if (unreserved(ch) || sub_delim(ch) || (ch < 0x80 && ch && strchr(extra, ch)) ||
	    (iri && ch >= 0x80)) {
		c->p++;
		return 1;
	}
	return 0;
}

static int uchars(struct cur *c, const char *extra, int iri)
{
	int r;
	while ((r = uchar(c, extra, iri)) == 1)
		;
	return r == 0;
}

static int authority_ok(struct cur *c, int iri)
{
	const char *start = c->p;
	const char *stop = c->p;
	while (stop < c->end && *stop != '/' && *stop != '?' && *stop != '#')
		stop++;
	const char *at = NULL;
	for (const char *q = start; q < stop; q++)
		if (*q == '@')
			at = q;
	struct cur a = {start, stop};
	if (at) {
		struct cur u = {start, at};
		if (!uchars(&u, ":", iri) || !at_end(&u))
			return 0;
		a.p = at + 1;
	}
	if (peek(&a) == '[') {
		const char *close = memchr(a.p, ']', (size_t)(a.end - a.p));
		if (!close)
			return 0;
		struct cur ip = {a.p + 1, close};
		if (peek(&ip) == 'v' || peek(&ip) == 'V') {
			ip.p++;
			if (!is_hex(peek(&ip)))
				return 0;
			while (is_hex(peek(&ip)))
				ip.p++;
			if (!eat(&ip, '.') || !uchars(&ip, ":", 0) || !at_end(&ip))
				return 0;
		} else if (!ipv6_all(&ip)) {
			return 0;
		}
		a.p = close + 1;
	} else {
		if (!uchars(&a, "", iri))
			return 0;
	}
	if (eat(&a, ':'))
		while (is_digit(peek(&a)))
			a.p++;
	if (!at_end(&a))
		return 0;
	c->p = stop;
	return 1;
}

/* The part after the scheme (or a whole relative reference). */
static int uri_rest(struct cur *c, int iri, int relative)
{
	if (c->end - c->p >= 2 && c->p[0] == '/' && c->p[1] == '/') {
		c->p += 2;
		if (!authority_ok(c, iri))
			return 0;
	} else if (relative) {
		/* path-noscheme: no ':' before the first '/'. */
		const char *q = c->p;
		while (q < c->end && *q != '/' && *q != '?' && *q != '#') {
			if (*q == ':')
				return 0;
			q++;
		}
	}
	if (!uchars(c, ":@/", iri))
		return 0;
	if (eat(c, '?') && !uchars(c, ":@/?", iri))
		return 0;
	if (eat(c, '#') && !uchars(c, ":@/?", iri))
		return 0;
	return at_end(c);
}

static int uri_ok(const char *s, size_t n, int iri, int allow_relative)
{
	struct cur c = {s, s + n};
	const char *q = s;
	if (is_alpha(peek(&c))) {
		q++;
		while (q < c.end && (is_alpha((unsigned char)*q) || is_digit((unsigned char)*q) ||
		                     *q == '+' || *q == '-' || *q == '.'))
			q++;
		if (q < c.end && *q == ':') {
			c.p = q + 1;
			return uri_rest(&c, iri, 0);
		}
	}
	if (!allow_relative)
		return 0;
	return uri_rest(&c, iri, 1);
}

/* RFC 6570 level 4: literals and {expressions} with an optional operator
 * and a list of varspecs (varname [":" max-length | "*"]). */
static int uri_template_ok(const char *s, size_t n)
{
	struct cur c = {s, s + n};
	while (!at_end(&c)) {
		int ch = peek(&c);
		if (ch == '%') {
			if (c.end - c.p < 3 || !is_hex((unsigned char)c.p[1]) ||
			    !is_hex((unsigned char)c.p[2]))
				return 0;
			c.p += 3;
			continue;
		}
		if (ch != '{') {
			if (ch <= 0x20 || ch == 0x7f || strchr("\"<>\\^`|}", ch))
				return 0;
			c.p++;
			continue;
		}
		c.p++;
		if (peek(&c) >= 0 && strchr("+#./;?&", peek(&c)))
			c.p++;
		for (;;) {
			/* varname: varchar *(["."] varchar) */
			int chars = 0, dot = 0;
			for (;;) {
				ch = peek(&c);
				if (is_alpha(ch) || is_digit(ch) || ch == '_') {
					c.p++;
				} else if (ch == '%' && c.end - c.p >= 3 &&
				           is_hex((unsigned char)c.p[1]) &&
				           is_hex((unsigned char)c.p[2])) {
					c.p += 3;
				} else if (ch == '.' && chars && !dot) {
					c.p++;
					dot = 1;
					continue;
				} else {
					break;
				}
				chars++;
				dot = 0;
			}
			if (!chars || dot)
				return 0;
			if (eat(&c, ':')) {
				if (peek(&c) < '1' || peek(&c) > '9')
					return 0;
				int digits = 0;
				while (is_digit(peek(&c)) && digits < 5)
					c.p++, digits++;
				if (digits > 4)
					return 0;
			} else {
				eat(&c, '*');
			}
			if (eat(&c, ','))
				continue;
			if (eat(&c, '}'))
				break;
			return 0;
		}
	}
	return 1;
}

static int json_pointer_ok(const char *s, size_t n)
{
	if (n == 0)
		return 1;
	if (s[0] != '/')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '~' && (i + 1 >= n || (s[i + 1] != '0' && s[i + 1] != '1')))
			return 0;
	return 1;
}

static int relative_json_pointer_ok(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && is_digit((unsigned char)s[i]))
		i++;
	if (i == 0 || (i > 1 && s[0] == '0'))
		return 0;
	if (i == n)
		return 1;
	if (s[i] == '#')
		return i + 1 == n;
	return json_pointer_ok(s + i, n - i);
}

static int uuid_ok(const char *s, size_t n)
{
	if (n != 36)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!is_hex((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

int jsformat_check(enum jsformat f, const char *s, size_t n)
{
	struct cur c = {s, s + n};
	switch (f) {
	case JSFORMAT_DATE_TIME:
		return check_date_time(&c);
	case JSFORMAT_DATE:
		return full_date(&c) && at_end(&c);
	case JSFORMAT_TIME:
		return full_time(&c) && at_end(&c);
	case JSFORMAT_DURATION:
		return check_duration(&c);
	case JSFORMAT_EMAIL:
		return email_ok(s, n, 0);
	case JSFORMAT_IDN_EMAIL:
		return email_ok(s, n, 1);
	case JSFORMAT_HOSTNAME:
		return hostname_ok(s, n, 0);
	case JSFORMAT_IDN_HOSTNAME:
		return hostname_ok(s, n, 1);
	case JSFORMAT_IPV4:
		return ipv4_at(&c) && at_end(&c);
	case JSFORMAT_IPV6:
		return n > 0 && ipv6_all(&c);
	case JSFORMAT_URI:
		return uri_ok(s, n, 0, 0);
	case JSFORMAT_URI_REFERENCE:
		return uri_ok(s, n, 0, 1);
	case JSFORMAT_IRI:
		return uri_ok(s, n, 1, 0);
	case JSFORMAT_IRI_REFERENCE:
		return uri_ok(s, n, 1, 1);
	case JSFORMAT_URI_TEMPLATE:
		return uri_template_ok(s, n);
	case JSFORMAT_UUID:
		return uuid_ok(s, n);
	case JSFORMAT_REGEX: {
		/* Out of memory cannot tell: the string is not refused for it. */
		char why[8];
		int nomem = 0;
		struct jsregex *re = jsregex_compile(s, n, &nomem, why, sizeof why);
		jsregex_free(re);
		return re != NULL || nomem;
	}
	case JSFORMAT_JSON_POINTER:
		return json_pointer_ok(s, n);
	case JSFORMAT_RELATIVE_JSON_POINTER:
		return relative_json_pointer_ok(s, n);
	default:
		return 1;
	}
}
