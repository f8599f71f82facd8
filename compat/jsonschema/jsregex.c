/* compat/jsonschema/jsregex.c: ECMA-262 patterns translated to PCRE2 and matched under
 * hard limits. */
#include "compat/jsonschema/jsregex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdarg.h>
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

/* One translation: the pattern still to read, the output, and where a
 * reason for refusing the pattern goes. */
struct tr {
	const char *p, *end;
	struct obuf *o;
	int in_class; /* inside [...] */
	char *why;
	size_t whycap;
};

__attribute__((format(printf, 2, 3))) static int refuse(struct tr *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->why, t->whycap, fmt, ap);
	va_end(ap);
	return -1;
}

/* "\u": four hex digits (a surrogate pair of two such escapes combined), or
 * "\u{...}"; the cursor is after the 'u'. */
static int escape_u(struct tr *t)
{
	const char *p = t->p, *end = t->end;
	long v;
	if (p < end && *p == '{') {
		const char *q = p + 1;
		v = 0;
		while (q < end && hex_value((unsigned char)*q) >= 0 && v <= 0x10FFFF)
			v = v * 16 + hex_value((unsigned char)*q++);
		if (q == p + 1 || q >= end || *q != '}' || v > 0x10FFFF)
			return refuse(t, "bad \\u{...} escape");
		p = q + 1;
	} else {
		if ((v = hexn(p, end, 4)) < 0)
			return refuse(t, "\\u needs four hex digits");
		p += 4;
		if (v >= 0xD800 && v <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
			long lo = hexn(p + 2, end, 4);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			}
		}
	}
	if (v >= 0xD800 && v <= 0xDFFF)
		return refuse(t, "lone surrogate escape");
	ocp(t->o, (unsigned long)v);
	t->p = p;
	return 0;
}

/* "\p{...}", "\P{...}" and "\k<name>": the cursor is after the letter `d`. */
static int escape_named(struct tr *t, char d)
{
	char open = d == 'k' ? '<' : '{', close = d == 'k' ? '>' : '}';
	const char *q;
	if (t->p >= t->end || *t->p != open ||
	    !(q = memchr(t->p, close, (size_t)(t->end - t->p))) || (d != 'k' && q == t->p + 1))
		return d == 'k' ? refuse(t, "\\k needs <name>")
		                : refuse(t, "\\%c needs {property}", d);
	if (d == 'k') {
		ostr(t->o, "\\k");
		oput(t->o, t->p, (size_t)(q - t->p + 1));
	} else {
		oprop(t->o, d == 'P', t->p + 1, (size_t)(q - t->p - 1));
	}
	t->p = q + 1;
	return 0;
}

/* One escape: the cursor is after the backslash. */
static int escape(struct tr *t)
{
	struct obuf *o = t->o;
	if (t->p >= t->end)
		return refuse(t, "trailing backslash");
	char d = *t->p++;
	if (d && strchr("dDwWBfnrt^$\\.*+?()[]{}|-", d)) {
		char e[3] = {'\\', d, 0};
		ostr(o, e);
		return 0;
	}
	switch (d) {
	case 's':
		ostr(o, t->in_class ? ECMA_SPACE : "[" ECMA_SPACE "]");
		return 0;
	case 'S':
		ostr(o, t->in_class ? "\\S" : "[^" ECMA_SPACE "]");
		return 0;
	case 'b':
		ostr(o, t->in_class ? "\\x{08}" : "\\b");
		return 0;
	case 'v':
		ostr(o, "\\x{0B}");
		return 0;
	case '/':
		ostr(o, "/");
		return 0;
	case 'c':
		if (t->p >= t->end ||
		    !((*t->p >= 'a' && *t->p <= 'z') || (*t->p >= 'A' && *t->p <= 'Z')))
			return refuse(t, "\\c must be followed by a letter");
		ocp(o, (unsigned long)(*t->p++ % 32));
		return 0;
	case '0':
		if (t->p < t->end && *t->p >= '0' && *t->p <= '9')
			return refuse(t, "octal escapes are not allowed");
		ostr(o, "\\x{00}");
		return 0;
	case 'x': {
		long v = hexn(t->p, t->end, 2);
		if (v < 0)
			return refuse(t, "\\x needs two hex digits");
		ocp(o, (unsigned long)v);
		t->p += 2;
		return 0;
	}
	case 'u':
		return escape_u(t);
	case 'p':
	case 'P':
	case 'k':
		return escape_named(t, d);
	default:
		break;
	}
	if (d < '1' || d > '9')
		return refuse(t, "invalid escape \\%c", d);
	if (t->in_class)
		return refuse(t, "backreference inside a class");
	ostr(o, "\\g{");
	oput(o, t->p - 1, 1);
	while (t->p < t->end && *t->p >= '0' && *t->p <= '9')
		oput(o, t->p++, 1);
	ostr(o, "}");
	return 0;
}

/* "(": ECMA-262 groups are (, (?:, (?=, (?!, (?<=, (?<! and (?<name>. Others
 * ("(?i)", "(?P<n>", "(?#") are PCRE-only and refused. */
static int group(struct tr *t)
{
	const char *p = t->p, *end = t->end;
	if (end - p >= 2 && p[1] == '?') {
		int okg =
		    end - p >= 3 && (p[2] == ':' || p[2] == '=' || p[2] == '!' || p[2] == '<');
		if (okg && p[2] == '<' && end - p >= 4 && p[3] != '=' && p[3] != '!' &&
		    !((p[3] >= 'a' && p[3] <= 'z') || (p[3] >= 'A' && p[3] <= 'Z') || p[3] == '_' ||
		      p[3] == '$' || (unsigned char)p[3] >= 0x80))
			okg = 0;
		if (!okg)
			return refuse(t, "unsupported group syntax \"(?%c\"",
			              end - p >= 3 ? p[2] : ' ');
	}
	oput(t->o, t->p++, 1);
	return 0;
}

/* "[": a class, "[^]" (anything) or "[]" (nothing). */
static void class_open(struct tr *t)
{
	const char *p = t->p, *end = t->end;
	if (end - p >= 3 && p[1] == '^' && p[2] == ']') {
		ostr(t->o, "[\\s\\S]");
		t->p += 3;
	} else if (end - p >= 2 && p[1] == ']') {
		ostr(t->o, "(?!)");
		t->p += 2;
	} else {
		t->in_class = 1;
		ostr(t->o, "[");
		t->p++;
		if (t->p < end && *t->p == '^')
			oput(t->o, t->p++, 1);
	}
}

/* Translates `pat` into `o`. Returns 0, or -1 with a reason in `why`. */
static int translate(const char *pat, size_t n, struct obuf *o, char *why, size_t whycap)
{
	struct tr t = {pat, pat + n, o, 0, why, whycap};
	while (t.p < t.end) {
		char c = *t.p;
		if (c == '\\') {
			t.p++;
			if (escape(&t) < 0)
				return -1;
		} else if (t.in_class) {
			if (c == ']')
				t.in_class = 0;
			if (c == '[')
				ostr(o, "\\[");
			else
				oput(o, t.p, 1);
			t.p++;
		} else if (c == '[') {
			class_open(&t);
		} else if (c == '.') {
			ostr(o, "[^\\n\\r\\x{2028}\\x{2029}]");
			t.p++;
		} else if (c == '(') {
			if (group(&t) < 0)
				return -1;
		} else {
			oput(o, t.p++, 1);
		}
	}
	if (t.in_class)
		return refuse(&t, "unterminated character class");
	if (o->failed)
		return refuse(&t, "pattern too large or out of memory");
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
