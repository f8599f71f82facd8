/* compat/jsonschema/jsregex.c: ECMA-262 patterns translated to PCRE2 and matched under
 * hard limits. */
#include "compat/jsonschema/jsregex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/hex.h"

/* Limits for one match: internal match() calls, backtracking depth, and the
 * heap used for backtracking frames (KiB). */
#define MATCH_LIMIT    1000000
#define DEPTH_LIMIT    100000
#define HEAP_LIMIT_KIB 8192

struct jsregex {
	pcre2_code *code;
	pcre2_match_context *mctx;
	char *source;
	int jit; /* JIT code is available */
};

struct jsregex_scratch {
	pcre2_match_data *md;
};

/* ECMA-262 WhiteSpace and LineTerminator, as the inside of a class. */
#define ECMA_SPACE                                                                                 \
	"\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}"                                  \
	"\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"

/* A growable output string with a hard ceiling. */
struct obuf {
	char *p;
	size_t n, cap;
	int failed; /* too large or out of memory */
	int nomem;  /* out of memory */
};

static void oput(struct obuf *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->n + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 64;
		while (cap < o->n + n + 1)
			cap *= 2;
		if (cap > 64 * JSREGEX_MAX_PATTERN) {
			o->failed = 1;
			return;
		}
		char *p = realloc(o->p, cap);
		if (!p) {
			o->failed = o->nomem = 1;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
	o->p[o->n] = '\0';
}

static void ostr(struct obuf *o, const char *s)
{
	oput(o, s, strlen(s));
}

static void ocp(struct obuf *o, unsigned long cp)
{
	char tmp[24];
	snprintf(tmp, sizeof tmp, "\\x{%lX}", cp);
	ostr(o, tmp);
}

/* Reads exactly `k` hex digits at `p`; returns the value or -1. */
static long hexn(const char *p, const char *end, int k)
{
	long v = 0;
	if (end - p < k)
		return -1;
	for (int i = 0; i < k; i++) {
		int h = hex_value((unsigned char)p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* ECMA-262 long General_Category names and their PCRE2 short forms. */
static const char *const gc_names[][2] = {
    {"Letter", "L"},
    {"Cased_Letter", "L&"},
    {"Uppercase_Letter", "Lu"},
    {"Lowercase_Letter", "Ll"},
    {"Titlecase_Letter", "Lt"},
    {"Modifier_Letter", "Lm"},
    {"Other_Letter", "Lo"},
    {"Mark", "M"},
    {"Combining_Mark", "M"},
    {"Nonspacing_Mark", "Mn"},
    {"Spacing_Mark", "Mc"},
    {"Enclosing_Mark", "Me"},
    {"Number", "N"},
    {"Decimal_Number", "Nd"},
    {"digit", "Nd"},
    {"Letter_Number", "Nl"},
    {"Other_Number", "No"},
    {"Punctuation", "P"},
    {"punct", "P"},
    {"Connector_Punctuation", "Pc"},
    {"Dash_Punctuation", "Pd"},
    {"Open_Punctuation", "Ps"},
    {"Close_Punctuation", "Pe"},
    {"Initial_Punctuation", "Pi"},
    {"Final_Punctuation", "Pf"},
    {"Other_Punctuation", "Po"},
    {"Symbol", "S"},
    {"Math_Symbol", "Sm"},
    {"Currency_Symbol", "Sc"},
    {"Modifier_Symbol", "Sk"},
    {"Other_Symbol", "So"},
    {"Separator", "Z"},
    {"Space_Separator", "Zs"},
    {"Line_Separator", "Zl"},
    {"Paragraph_Separator", "Zp"},
    {"Other", "C"},
    {"Control", "Cc"},
    {"cntrl", "Cc"},
    {"Format", "Cf"},
    {"Surrogate", "Cs"},
    {"Private_Use", "Co"},
    {"Unassigned", "Cn"},
};

/* Translates the property expression `name` (n bytes, inside "\p{...}"). */
static void oprop(struct obuf *o, int negate, const char *name, size_t n)
{
	char buf[80];
	const char *eq = memchr(name, '=', n);
	const char *val = name;
	size_t nval = n;
	const char *prefix = "";
	if (eq) {
		size_t nk = (size_t)(eq - name);
		val = eq + 1;
		nval = n - nk - 1;
		if ((nk == 17 && memcmp(name, "Script_Extensions", 17) == 0) ||
		    (nk == 3 && memcmp(name, "scx", 3) == 0))
			prefix = "scx:";
	}
	const char *mapped = NULL;
	for (size_t i = 0; i < sizeof gc_names / sizeof gc_names[0]; i++)
		if (strlen(gc_names[i][0]) == nval && memcmp(gc_names[i][0], val, nval) == 0)
			mapped = gc_names[i][1];
	if (mapped)
		snprintf(buf, sizeof buf, "\\%c{%s}", negate ? 'P' : 'p', mapped);
	else
		snprintf(buf, sizeof buf, "\\%c{%s%.*s}", negate ? 'P' : 'p', prefix,
		         (int)(nval > 60 ? 60 : nval), val);
	ostr(o, buf);
}

/* Translates `pat` into `o`. Returns 0, or -1 with a reason in `why`. */
static int translate(const char *pat, size_t n, struct obuf *o, char *why, size_t whycap)
{
	const char *p = pat, *end = pat + n;
	int in_class = 0;
	while (p < end) {
		char c = *p;
		if (c == '\\') {
			if (p + 1 >= end) {
				snprintf(why, whycap, "trailing backslash");
				return -1;
			}
			char d = p[1];
			p += 2;
			switch (d) {
			case 's':
				ostr(o, in_class ? ECMA_SPACE : "[" ECMA_SPACE "]");
				break;
			case 'S':
				ostr(o, in_class ? "\\S" : "[^" ECMA_SPACE "]");
				break;
			case 'b':
				ostr(o, in_class ? "\\x{08}" : "\\b");
				break;
			case 'd':
			case 'D':
			case 'w':
			case 'W':
			case 'B':
			case 'f':
			case 'n':
			case 'r':
			case 't': {
				char e[3] = {'\\', d, 0};
				ostr(o, e);
				break;
			}
			case 'v':
				ostr(o, "\\x{0B}");
				break;
			case 'c':
				if (p >= end ||
				    !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
					snprintf(why, whycap, "\\c must be followed by a letter");
					return -1;
				}
				ocp(o, (unsigned long)(*p % 32));
				p++;
				break;
			case '0':
				if (p < end && *p >= '0' && *p <= '9') {
					snprintf(why, whycap, "octal escapes are not allowed");
					return -1;
				}
				ostr(o, "\\x{00}");
				break;
			case '1':
			case '2':
			case '3':
			case '4':
			case '5':
			case '6':
			case '7':
			case '8':
			case '9': {
				if (in_class) {
					snprintf(why, whycap, "backreference inside a class");
					return -1;
				}
				ostr(o, "\\g{");
				oput(o, p - 1, 1);
				while (p < end && *p >= '0' && *p <= '9')
					oput(o, p++, 1);
				ostr(o, "}");
				break;
			}
			case 'x': {
				long v = hexn(p, end, 2);
				if (v < 0) {
					snprintf(why, whycap, "\\x needs two hex digits");
					return -1;
				}
				ocp(o, (unsigned long)v);
				p += 2;
				break;
			}
			case 'u': {
				long v;
				if (p < end && *p == '{') {
					const char *q = p + 1;
					v = 0;
					while (q < end && hex_value((unsigned char)*q) >= 0 &&
					       v <= 0x10FFFF)
						v = v * 16 + hex_value((unsigned char)*q++);
					if (q == p + 1 || q >= end || *q != '}' || v > 0x10FFFF) {
						snprintf(why, whycap, "bad \\u{...} escape");
						return -1;
					}
					p = q + 1;
				} else {
					v = hexn(p, end, 4);
					if (v < 0) {
						snprintf(why, whycap, "\\u needs four hex digits");
						return -1;
					}
					p += 4;
					if (v >= 0xD800 && v <= 0xDBFF && end - p >= 6 &&
					    p[0] == '\\' && p[1] == 'u') {
						long lo = hexn(p + 2, end, 4);
						if (lo >= 0xDC00 && lo <= 0xDFFF) {
							v = 0x10000 + ((v - 0xD800) << 10) +
							    (lo - 0xDC00);
							p += 6;
						}
					}
				}
				if (v >= 0xD800 && v <= 0xDFFF) {
					snprintf(why, whycap, "lone surrogate escape");
					return -1;
				}
				ocp(o, (unsigned long)v);
				break;
			}
			case 'p':
			case 'P': {
				const char *q;
				if (p >= end || *p != '{' ||
				    !(q = memchr(p, '}', (size_t)(end - p))) || q == p + 1) {
					snprintf(why, whycap, "\\%c needs {property}", d);
					return -1;
				}
				oprop(o, d == 'P', p + 1, (size_t)(q - p - 1));
				p = q + 1;
				break;
			}
			case 'k': {
				const char *q;
				if (p >= end || *p != '<' ||
				    !(q = memchr(p, '>', (size_t)(end - p)))) {
					snprintf(why, whycap, "\\k needs <name>");
					return -1;
				}
				ostr(o, "\\k");
				oput(o, p, (size_t)(q - p + 1));
				p = q + 1;
				break;
			}
			case '/':
				ostr(o, "/");
				break;
			case '^':
			case '$':
			case '\\':
			case '.':
			case '*':
			case '+':
			case '?':
			case '(':
			case ')':
			case '[':
			case ']':
			case '{':
			case '}':
			case '|':
			case '-': {
				char e[3] = {'\\', d, 0};
				ostr(o, e);
				break;
			}
			default:
				snprintf(why, whycap, "invalid escape \\%c", d);
				return -1;
			}
			continue;
		}
		if (in_class) {
			if (c == ']')
				in_class = 0;
			if (c == '[')
				ostr(o, "\\[");
			else
				oput(o, p, 1);
			p++;
			continue;
		}
		switch (c) {
		case '[':
			if (end - p >= 3 && p[1] == '^' && p[2] == ']') {
				ostr(o, "[\\s\\S]");
				p += 3;
			} else if (end - p >= 2 && p[1] == ']') {
				ostr(o, "(?!)");
				p += 2;
			} else {
				in_class = 1;
				ostr(o, "[");
				p++;
				if (p < end && *p == '^')
					oput(o, p++, 1);
			}
			break;
		case '.':
			ostr(o, "[^\\n\\r\\x{2028}\\x{2029}]");
			p++;
			break;
		case '(':
			/* ECMA-262 groups: (, (?:, (?=, (?!, (?<=, (?<!, (?<name>. Others
			 * ("(?i)", "(?P<n>", "(?#") are PCRE-only and refused. */
			if (end - p >= 2 && p[1] == '?') {
				int okg = end - p >= 3 && (p[2] == ':' || p[2] == '=' ||
				                           p[2] == '!' || p[2] == '<');
				if (okg && p[2] == '<' && end - p >= 4 && p[3] != '=' &&
				    p[3] != '!' &&
				    !((p[3] >= 'a' && p[3] <= 'z') ||
				      (p[3] >= 'A' && p[3] <= 'Z') || p[3] == '_' || p[3] == '$' ||
				      (unsigned char)p[3] >= 0x80))
					okg = 0;
				if (!okg) {
					snprintf(why, whycap, "unsupported group syntax \"(?%c\"",
					         end - p >= 3 ? p[2] : ' ');
					return -1;
				}
			}
			oput(o, p++, 1);
			break;
		default:
			oput(o, p, 1);
			p++;
		}
	}
	if (in_class) {
		snprintf(why, whycap, "unterminated character class");
		return -1;
	}
	if (o->failed) {
		snprintf(why, whycap, "pattern too large or out of memory");
		return -1;
	}
	return 0;
}

struct jsregex *jsregex_compile(const char *pat, size_t n, int *nomem, char *why, size_t whycap)
{
	struct obuf o = {0};
	struct jsregex *re = NULL;
	int oom = 0;
	if (n > JSREGEX_MAX_PATTERN) {
		snprintf(why, whycap, "pattern longer than %d bytes", JSREGEX_MAX_PATTERN);
		return NULL;
	}
	ostr(&o, "");
	if (translate(pat, n, &o, why, whycap) < 0) {
		oom = o.nomem;
		goto err;
	}
	re = calloc(1, sizeof *re);
	if (!re || !(re->source = malloc(n + 1))) {
		snprintf(why, whycap, "out of memory");
		oom = 1;
		goto err;
	}
	memcpy(re->source, pat, n);
	re->source[n] = '\0';

	int ecode;
	PCRE2_SIZE eoff;
	re->code = pcre2_compile((PCRE2_SPTR)o.p, o.n, PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &ecode,
	                         &eoff, NULL);
	if (!re->code) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(ecode, msg, sizeof msg);
		snprintf(why, whycap, "%s", (const char *)msg);
		oom = ecode == PCRE2_ERROR_HEAP_FAILED;
		goto err;
	}
	/* JIT is an optimisation: when it is unavailable the interpreter runs. */
	re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
	re->mctx = pcre2_match_context_create(NULL);
	if (!re->mctx) {
		snprintf(why, whycap, "out of memory");
		oom = 1;
		goto err;
	}
	pcre2_set_match_limit(re->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, DEPTH_LIMIT);
	pcre2_set_heap_limit(re->mctx, HEAP_LIMIT_KIB);
	free(o.p);
	return re;
err:
	free(o.p);
	jsregex_free(re);
	if (nomem)
		*nomem = oom;
	return NULL;
}

void jsregex_free(struct jsregex *re)
{
	if (!re)
		return;
	pcre2_code_free(re->code);
	pcre2_match_context_free(re->mctx);
	free(re->source);
	free(re);
}

const char *jsregex_source(const struct jsregex *re)
{
	return re->source;
}

static int is_ascii(const char *s, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ULL)
			return 0;
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] & 0x80)
			return 0;
	return 1;
}

int jsregex_match(const struct jsregex *re, const char *s, size_t n,
                  struct jsregex_scratch **scratch)
{
	struct jsregex_scratch *sc = *scratch;
	if (!sc) {
		sc = calloc(1, sizeof *sc);
		if (!sc)
			return -2;
		sc->md = pcre2_match_data_create(1, NULL);
		if (!sc->md) {
			free(sc);
			return -2;
		}
		*scratch = sc;
	}
	/* PCRE2 checks the subject is valid UTF-8 on every call; ASCII is, and
	 * checking that is cheaper, so ASCII subjects skip PCRE2's check (and go
	 * straight to the JIT code, which honours the match limit too). */
	int rc;
	if (is_ascii(s, n))
		rc = re->jit ? pcre2_jit_match(re->code, (PCRE2_SPTR)s, n, 0, 0, sc->md, re->mctx)
		             : pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, PCRE2_NO_UTF_CHECK,
		                           sc->md, re->mctx);
	else
		rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, sc->md, re->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return rc == PCRE2_ERROR_NOMEMORY ? -2 : -1;
}

void jsregex_scratch_free(struct jsregex_scratch *scratch)
{
	if (!scratch)
		return;
	pcre2_match_data_free(scratch->md);
	free(scratch);
}
