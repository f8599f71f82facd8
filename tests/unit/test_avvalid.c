/* tests/unit/test_avvalid.c: the Avro payload validator (compat/avvalid).
 *
 * - Cases as data: every tests/cases/avvalid/NAME.cases file (format in the
 *   README there): a schema, payloads and their expected verdicts.
 * - The example schemas (the .avsc files in schemas/) with realistic
 *   records encoded by avro-c.
 * - Random schemas with random values, built through avro-c's value API and
 *   written by avro_value_write() (the reference encoder). An encoder here
 *   writes the same value in parallel and notes where each piece lies (its
 *   offset, its JSON pointer); its bytes must equal avro-c's. Every record must
 *   validate; mutations at the noted places must fail with the expected rule,
 *   offset and location (verdicts by construction: avro-c checks neither enum
 *   range, booleans, UTF-8 nor trailing bytes, and allocates what a length
 *   claims). Random byte flips are compared with avro-c's reader where it is
 *   reliable: what we accept it must read, and data it runs out of or with a
 *   union branch out of range it must refuse.
 * - Contracts: no allocation in avvalid_check() (malloc is wrapped with
 *   -Wl,--wrap, tests/failalloc.h), allocation failures while compiling,
 *   reports, limits, threads.
 *
 * AVVALID_SEED (environment) changes the random seed; AVVALID_SCALE multiplies
 * the number of random schemas.
 */
#include "compat/avro/avsc.h"
#include "compat/avro/avvalid.h"
#include "compat/error.h"
#include "compat/report.h"
#include "tests/failalloc.h"
#include "tests/tap.h"

#include <avro.h>
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd64(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* A number in [0, n). */
static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	if (p) {
		p[n] = '\0';
		if (len)
			*len = (size_t)n;
	}
	fclose(f);
	return p;
}

static const char *srcdir(void)
{
	const char *s = getenv("SG_SRCDIR");
	return s ? s : ".";
}

/* A growable byte buffer. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void buf_put(struct buf *b, const void *src, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void buf_byte(struct buf *b, uint8_t c)
{
	buf_put(b, &c, 1);
}

/* Writes `v` as a zig-zag varint. Returns its length. */
static size_t buf_long(struct buf *b, int64_t v)
{
	uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;
	while (u >= 0x80) {
		buf_byte(b, (uint8_t)(u | 0x80));
		u >>= 7;
		n++;
	}
	buf_byte(b, (uint8_t)u);
	return n + 1;
}

/* The outcome of one check, through a report. */
struct verdict {
	int valid;
	char type[32];
	char location[512];
	char message[512];
	long at; /* the "at byte N" of the message, -1 when absent */
};

static struct verdict judge(const struct avvalid *v, const uint8_t *p, size_t len)
{
	struct verdict vd = {.at = -1};
	struct report *r = report_new();
	vd.valid = avvalid_check_report(v, p, len, r);
	if (report_count(r) > 0) {
		snprintf(vd.type, sizeof vd.type, "%s", report_type(r, 0));
		snprintf(vd.location, sizeof vd.location, "%s", report_location(r, 0));
		snprintf(vd.message, sizeof vd.message, "%s", report_message(r, 0));
		const char *b = strstr(vd.message, " at byte ");
		if (b)
			vd.at = strtol(b + 9, NULL, 10);
	}
	report_free(r);
	return vd;
}

static struct avsc_schema *parse_schema(const char *text, struct sg_error *e)
{
	error_clear(e);
	return avsc_parse(text, strlen(text), NULL, 0, e);
}

/* Compiles a schema given as JSON text; NULL (with a failed check) when it
 * does not parse or compile. */
static struct avvalid *compile_text(const char *text)
{
	struct sg_error e;
	struct avsc_schema *s = parse_schema(text, &e);
	struct avvalid *v = s ? avvalid_compile(s, &e) : NULL;
	avsc_free(s);
	if (!v)
		tap_ok(0, "compile %.80s: %s", text, e.msg);
	return v;
}

/* ---- cases as data ---- */

/* Parses the payload notation of tests/cases/avvalid/README.md from *sp up to
 * a `stop` character (or the end), appending to `out`. Returns 0, or -1 with a
 * reason in `why`. */
static int parse_bytes(const char **sp, char stop, struct buf *out, char *why, size_t cap)
{
	const char *s = *sp;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == stop || *s == '\0' || (stop == '=' && s[0] == '=' && s[1] == '>'))
			break;
		size_t start = out->len;
		if (*s == '[') {
			s++;
			if (parse_bytes(&s, ']', out, why, cap))
				return -1;
			if (*s != ']') {
				snprintf(why, cap, "unclosed [");
				return -1;
			}
			s++;
		} else if (*s == '"' || (s[0] == 's' && s[1] == '"')) {
			int prefixed = *s == 's';
			s += prefixed ? 2 : 1;
			struct buf text = {0};
			while (*s && *s != '"') {
				if (*s == '\\' && s[1] == 'x') {
					unsigned c;
					if (sscanf(s + 2, "%2x", &c) != 1) {
						snprintf(why, cap, "bad \\x escape");
						free(text.p);
						return -1;
					}
					buf_byte(&text, (uint8_t)c);
					s += 4;
				} else if (*s == '\\' && (s[1] == '"' || s[1] == '\\')) {
					buf_byte(&text, (uint8_t)s[1]);
					s += 2;
				} else {
					buf_byte(&text, (uint8_t)*s++);
				}
			}
			if (*s != '"') {
				snprintf(why, cap, "unclosed string");
				free(text.p);
				return -1;
			}
			s++;
			if (prefixed)
				buf_long(out, (int64_t)text.len);
			buf_put(out, text.p, text.len);
			free(text.p);
		} else if (*s == 'L') {
			char *e;
			long long v = strtoll(s + 1, &e, 10);
			if (e == s + 1) {
				snprintf(why, cap, "bad L number");
				return -1;
			}
			buf_long(out, v);
			s = e;
		} else if (strncmp(s, "double(", 7) == 0 || strncmp(s, "float(", 6) == 0) {
			int dbl = *s == 'd';
			char *e;
			double d = strtod(s + (dbl ? 7 : 6), &e);
			if (*e != ')') {
				snprintf(why, cap, "bad double() or float()");
				return -1;
			}
			if (dbl) {
				buf_put(out, &d, 8);
			} else {
				float f = (float)d;
				buf_put(out, &f, 4);
			}
			s = e + 1;
		} else {
			unsigned c;
			int n = 0;
			if (sscanf(s, "%2x%n", &c, &n) != 1 || n != 2) {
				snprintf(why, cap, "bad token at '%.10s'", s);
				return -1;
			}
			buf_byte(out, (uint8_t)c);
			s += 2;
		}
		if (*s == '*') {
			char *e;
			long times = strtol(s + 1, &e, 10);
			if (e == s + 1 || times < 0 || times > 20000000) {
				snprintf(why, cap, "bad repetition");
				return -1;
			}
			s = e;
			size_t unit = out->len - start;
			if (times == 0) {
				out->len = start;
			} else if (unit) {
				uint8_t *copy = malloc(unit);
				memcpy(copy, out->p + start, unit);
				for (long i = 1; i < times; i++)
					buf_put(out, copy, unit);
				free(copy);
			}
		}
	}
	*sp = s;
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Runs one .cases file. Returns the number of payload lines. */
static int run_case_file(const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/cases/avvalid/%s", srcdir(), name);
	char *text = slurp(path, NULL);
	if (!tap_ok(text != NULL, "read %s", path))
		return 0;
	struct avvalid *v = NULL;
	int lineno = 0, count = 0;
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		if (strncmp(line, "schema ", 7) == 0) {
			avvalid_free(v);
			const char *sch = trim(line + 7);
			char *file = NULL;
			if (*sch == '@') {
				char fp[4096];
				snprintf(fp, sizeof fp, "%s/%s", srcdir(), sch + 1);
				file = slurp(fp, NULL);
				if (!file) {
					tap_ok(0, "%s:%d: read %s", name, lineno, fp);
					v = NULL;
					continue;
				}
				sch = file;
			}
			v = compile_text(sch);
			free(file);
			continue;
		}
		int ok = strncmp(line, "ok", 2) == 0 && (line[2] == ' ' || line[2] == '\0');
		int bad = strncmp(line, "bad", 3) == 0 && (line[3] == ' ' || line[3] == '\0');
		if (!ok && !bad) {
			tap_ok(0, "%s:%d: unknown line '%.40s'", name, lineno, line);
			continue;
		}
		if (!v) {
			tap_ok(0, "%s:%d: no compiled schema", name, lineno);
			continue;
		}
		count++;
		const char *s = line + (ok ? 2 : 3);
		struct buf payload = {0};
		char why[128];
		if (parse_bytes(&s, '=', &payload, why, sizeof why)) {
			tap_ok(0, "%s:%d: payload: %s", name, lineno, why);
			free(payload.p);
			continue;
		}
		struct verdict vd =
		    judge(v, payload.p ? payload.p : (const uint8_t *)"", payload.len);
		struct sg_error e;
		error_clear(&e);
		int plain = avvalid_check(v, payload.p, payload.len, &e);
		int quiet = avvalid_check(v, payload.p, payload.len, NULL);
		if (plain != vd.valid || quiet != vd.valid) {
			tap_ok(0, "%s:%d: verdicts agree with and without a report", name, lineno);
		} else if (ok) {
			if (!tap_ok(vd.valid, "%s:%d: valid (%zu bytes)", name, lineno,
			            payload.len))
				tap_diag("  %s: %s", vd.location, vd.message);
		} else {
			/* bad <bytes> => <type> <location> | <message part> */
			char want[1024];
			snprintf(want, sizeof want, "%s", s);
			char *w = trim(want);
			char *type = NULL, *loc = NULL, *part = NULL;
			char *bar = strchr(w, '|');
			if (strncmp(w, "=>", 2) == 0 && bar) {
				*bar = '\0';
				part = trim(bar + 1);
				type = trim(w + 2);
				loc = type + strcspn(type, " \t");
				if (*loc)
					*loc++ = '\0';
				loc = trim(loc);
			}
			if (!type || !part) {
				tap_ok(0, "%s:%d: malformed expectation", name, lineno);
				free(payload.p);
				continue;
			}
			int any_loc = strcmp(loc, "*") == 0;
			if (any_loc)
				loc = vd.location;
			char expect_err[1200];
			if (*loc)
				snprintf(expect_err, sizeof expect_err, "%s: %s", loc, vd.message);
			else
				snprintf(expect_err, sizeof expect_err, "%s", vd.message);
			/* A cut location may be cut shorter in the sg_error, for the
			 * whole message to fit: then it is a prefix of the report's. */
			int err_ok = strcmp(e.msg, expect_err) == 0;
			const char *colon = strstr(e.msg, ": ");
			if (strstr(vd.message, "(location cut short)") && colon)
				err_ok =
				    strncmp(e.msg, vd.location, (size_t)(colon - e.msg)) == 0 &&
				    strcmp(colon + 2, vd.message) == 0 &&
				    strlen(e.msg) < SG_ERROR_MSG_MAX - 1;
			int good = !vd.valid && strcmp(vd.type, type) == 0 &&
			           strcmp(vd.location, loc) == 0 &&
			           strstr(vd.message, part) != NULL &&
			           e.code == SG_EINVALID_RECORD && err_ok;
			if (!tap_ok(good, "%s:%d: invalid: %s %s | %s", name, lineno, type, loc,
			            part)) {
				tap_diag("  got: %s %s | %s", vd.valid ? "VALID" : vd.type,
				         vd.location, vd.message);
				tap_diag("  error: %s", e.msg);
			}
		}
		free(payload.p);
	}
	avvalid_free(v);
	free(text);
	return count;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_case_files(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/cases/avvalid", srcdir());
	DIR *d = opendir(dir);
	if (!tap_ok(d != NULL, "open %s", dir))
		return;
	char *names[256];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 256) {
		size_t l = strlen(de->d_name);
		if (l > 6 && strcmp(de->d_name + l - 6, ".cases") == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	int total = 0;
	for (size_t i = 0; i < n; i++) {
		total += run_case_file(names[i]);
		free(names[i]);
	}
	tap_ok(n >= 5 && total >= 100, "case files: %zu files, %d payloads", n, total);
}

/* ---- random schemas ---- */

struct sgen {
	int next_name;
	char defined[96][16]; /* named types complete: may be referenced */
	int ndefined;
	char open[8][16]; /* records being defined: targets for recursion */
	int nopen;
	int size; /* types generated so far */
};

static const char *const prims[] = {"null",  "boolean", "int",   "long",
                                    "float", "double",  "bytes", "string"};

static json_t *gen_type(struct sgen *g, int depth, int in_union);

static void add_defined(struct sgen *g, const char *name)
{
	if (g->ndefined < 96)
		snprintf(g->defined[g->ndefined++], 16, "%s", name);
}

static json_t *gen_enum(struct sgen *g)
{
	char name[16];
	snprintf(name, sizeof name, "E%d", g->next_name++);
	json_t *syms = json_array();
	int n = 1 + (int)rnd(5);
	for (int i = 0; i < n; i++) {
		char sym[16];
		snprintf(sym, sizeof sym, "S%d", i);
		json_array_append_new(syms, json_string(sym));
	}
	add_defined(g, name);
	return json_pack("{s:s, s:s, s:o}", "type", "enum", "name", name, "symbols", syms);
}

static json_t *gen_fixed(struct sgen *g)
{
	char name[16];
	snprintf(name, sizeof name, "F%d", g->next_name++);
	add_defined(g, name);
	/* Not 0: avro-c cannot build a fixed value of size 0 (avro_malloc(0) is
	 * NULL to it); tests/cases/avvalid/ covers that size. */
	int size = 1 + (int)rnd(16);
	return json_pack("{s:s, s:s, s:i}", "type", "fixed", "name", name, "size", size);
}

static json_t *gen_record(struct sgen *g, int depth)
{
	char name[16];
	snprintf(name, sizeof name, "R%d", g->next_name++);
	json_t *fields = json_array();
	if (g->nopen < 8)
		snprintf(g->open[g->nopen], 16, "%s", name);
	g->nopen++;
	int n = (int)rnd(6);
	for (int i = 0; i < n; i++) {
		char fname[16];
		snprintf(fname, sizeof fname, rnd(4) ? "f%d" : "_x%d", i);
		json_array_append_new(fields, json_pack("{s:s, s:o}", "name", fname, "type",
		                                        gen_type(g, depth + 1, 0)));
	}
	g->nopen--;
	add_defined(g, name);
	return json_pack("{s:s, s:s, s:o}", "type", "record", "name", name, "fields", fields);
}

/* A reference to a record being defined, in a form that can end: a union
 * with null first, or an array. */
static json_t *gen_recursion(struct sgen *g, int in_union)
{
	const char *target = g->open[rnd((uint32_t)(g->nopen < 8 ? g->nopen : 8))];
	if (in_union || rnd(2))
		return json_pack("{s:s, s:s}", "type", "array", "items", target);
	return json_pack("[s, s]", "null", target);
}

static json_t *gen_union(struct sgen *g, int depth)
{
	json_t *u = json_array();
	char used[8][16];
	int nused = 0, want = 1 + (int)rnd(4);
	if (rnd(2)) {
		json_array_append_new(u, json_string("null"));
		snprintf(used[nused++], 16, "null");
	}
	for (int tries = 0; tries < 12 && nused < want; tries++) {
		/* The branch's identity is chosen first, so no definition is dropped. */
		char key[16];
		json_t *t = NULL;
		uint32_t roll = rnd(10);
		if (roll < 5) {
			snprintf(key, sizeof key, "%s", prims[rnd(8)]);
		} else if (roll == 5) {
			snprintf(key, sizeof key, "array");
		} else if (roll == 6) {
			snprintf(key, sizeof key, "map");
		} else if (roll == 7 && g->ndefined) {
			snprintf(key, sizeof key, "%s", g->defined[rnd((uint32_t)g->ndefined)]);
		} else {
			snprintf(key, sizeof key, "new");
		}
		int dup = 0;
		for (int i = 0; i < nused; i++)
			dup |= strcmp(used[i], key) == 0;
		if (dup)
			continue;
		if (strcmp(key, "array") == 0)
			t = json_pack("{s:s, s:o}", "type", "array", "items",
			              gen_type(g, depth + 1, 0));
		else if (strcmp(key, "map") == 0)
			t = json_pack("{s:s, s:o}", "type", "map", "values",
			              gen_type(g, depth + 1, 0));
		else if (strcmp(key, "new") == 0) {
			uint32_t k = rnd(3);
			t = k == 0 ? gen_enum(g) : k == 1 ? gen_fixed(g) : gen_record(g, depth + 1);
			snprintf(key, sizeof key, "%s",
			         json_string_value(json_object_get(t, "name")));
		} else
			t = json_string(key);
		json_array_append_new(u, t);
		snprintf(used[nused++], 16, "%s", key);
	}
	return u;
}

static json_t *gen_type(struct sgen *g, int depth, int in_union)
{
	g->size++;
	int deep = depth >= 5 || g->size > 50;
	uint32_t roll = rnd(100);
	if (deep || roll < 36) {
		if (g->ndefined && rnd(5) == 0)
			return json_string(g->defined[rnd((uint32_t)g->ndefined)]);
		return json_string(prims[rnd(8)]);
	}
	if (roll < 44)
		return gen_enum(g);
	if (roll < 50)
		return gen_fixed(g);
	if (roll < 64)
		return gen_record(g, depth);
	if (roll < 72)
		return json_pack("{s:s, s:o}", "type", "array", "items", gen_type(g, depth + 1, 0));
	if (roll < 78)
		return json_pack("{s:s, s:o}", "type", "map", "values", gen_type(g, depth + 1, 0));
	if (roll < 90 && !in_union)
		return gen_union(g, depth);
	if (g->nopen)
		return gen_recursion(g, in_union);
	return json_string(prims[rnd(8)]);
}

/* Whether an array of zero-byte items is reachable from `n` (avro-c would
 * build up to AVVALID_MAX_EMPTY_ITEMS of them from a flipped count). */
static int zero_bytes(const struct avsc_node *n, int depth)
{
	if (depth > 50)
		return 0;
	switch (avsc_kind(n)) {
	case AVSC_NULL:
		return 1;
	case AVSC_FIXED:
		return avsc_fixed_size(n) == 0;
	case AVSC_RECORD:
		for (size_t i = 0; i < avsc_field_count(n); i++)
			if (!zero_bytes(avsc_field_type(avsc_field(n, i)), depth + 1))
				return 0;
		return 1;
	default:
		return 0;
	}
}

static int has_zero_array(const struct avsc_node *n, const struct avsc_node **seen, int *nseen)
{
	switch (avsc_kind(n)) {
	case AVSC_RECORD:
		for (int i = 0; i < *nseen; i++)
			if (seen[i] == n)
				return 0;
		if (*nseen >= 256)
			return 1;
		seen[(*nseen)++] = n;
		for (size_t i = 0; i < avsc_field_count(n); i++)
			if (has_zero_array(avsc_field_type(avsc_field(n, i)), seen, nseen))
				return 1;
		return 0;
	case AVSC_ARRAY:
		return zero_bytes(avsc_items(n), 0) || has_zero_array(avsc_items(n), seen, nseen);
	case AVSC_MAP:
		return has_zero_array(avsc_values(n), seen, nseen);
	case AVSC_UNION:
		for (size_t i = 0; i < avsc_branch_count(n); i++)
			if (has_zero_array(avsc_branch(n, i), seen, nseen))
				return 1;
		return 0;
	default:
		return 0;
	}
}

/* ---- random values, through avro-c and our encoder ---- */

enum site_kind { S_BOOL, S_INT, S_LONG, S_ENUM, S_UNION, S_STRING, S_BYTES, S_KEY, S_ARRAY, S_MAP };

/* Where one piece of an encoded value lies. */
struct site {
	enum site_kind kind;
	size_t off, len;           /* the varint or byte */
	size_t data_off, data_len; /* strings, bytes, keys: their bytes; arrays, maps: the items */
	int64_t n;                 /* the value; enum symbols; union branches; block items */
	char *path;                /* the value's JSON pointer (for keys: the map's) */
};

struct vgen {
	struct buf out;
	struct site *sites;
	size_t nsites, cap;
	char path[2048];
	size_t plen;
	int avro_failed;
};

static void path_push(struct vgen *g, const char *tok)
{
	if (g->plen + 2 * strlen(tok) + 2 >= sizeof g->path)
		abort();
	g->path[g->plen++] = '/';
	for (const char *t = tok; *t; t++) {
		if (*t == '~' || *t == '/') {
			g->path[g->plen++] = '~';
			g->path[g->plen++] = *t == '~' ? '0' : '1';
		} else {
			g->path[g->plen++] = *t;
		}
	}
	g->path[g->plen] = '\0';
}

static struct site *add_site(struct vgen *g, enum site_kind kind, size_t off, size_t len, int64_t n)
{
	if (g->nsites == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 32;
		g->sites = realloc(g->sites, g->cap * sizeof *g->sites);
		if (!g->sites)
			abort();
	}
	struct site *s = &g->sites[g->nsites++];
	*s = (struct site){.kind = kind, .off = off, .len = len, .n = n, .path = strdup(g->path)};
	return s;
}

static void vgen_reset(struct vgen *g)
{
	for (size_t i = 0; i < g->nsites; i++)
		free(g->sites[i].path);
	g->nsites = 0;
	g->out.len = 0;
	g->plen = 0;
	g->path[0] = '\0';
	g->avro_failed = 0;
}

#define AV(call)                                                                                   \
	do {                                                                                       \
		if ((call) != 0)                                                                   \
			g->avro_failed = 1;                                                        \
	} while (0)

static const char *const pieces[] = {
    "a",
    "b",
    "Z",
    "0",
    " ",
    "-",
    "/",
    "~",
    "\xc3\xa9",
    "\xc3\x9f",
    "\xe2\x82\xac",
    "\xe6\x97\xa5",
    "\xf0\x9f\x98\x80",
    "\xdf\xbf",
    "\xef\xbf\xbf",
    "\xf4\x8f\xbf\xbf",
    "\xee\x80\x80",
    "\xed\x9f\xbf",
    "\xc2\x80",
    "\xe0\xa0\x80",
    "\xf0\x90\x80\x80",
};

static void rand_text(char *out, size_t cap)
{
	size_t len = 0;
	int n = (int)rnd(9);
	if (rnd(4) == 0)
		n += 20; /* long enough for the 8-byte ASCII path */
	for (int i = 0; i < n; i++) {
		const char *pc =
		    rnd(3) ? pieces[rnd(8)] : pieces[rnd(sizeof pieces / sizeof *pieces)];
		size_t l = strlen(pc);
		if (len + l + 1 > cap)
			break;
		memcpy(out + len, pc, l);
		len += l;
	}
	out[len] = '\0';
}

static int64_t rand_long(int bits)
{
	switch (rnd(6)) {
	case 0:
		return (int64_t)rnd(128) - 64;
	case 1:
		return (int64_t)rnd(100000) - 50000;
	case 2:
		return bits == 32 ? (rnd(2) ? INT32_MAX : INT32_MIN)
		                  : (rnd(2) ? INT64_MAX : INT64_MIN);
	default: {
		uint64_t u = rnd64();
		return bits == 32 ? (int64_t)(int32_t)(uint32_t)u : (int64_t)u;
	}
	}
}

static void gen_value(struct vgen *g, avro_value_t *val, int depth)
{
	avro_schema_t sch = avro_value_get_schema(val);
	size_t off = g->out.len;
	switch (avro_value_get_type(val)) {
	case AVRO_NULL:
		AV(avro_value_set_null(val));
		break;
	case AVRO_BOOLEAN: {
		int b = (int)rnd(2);
		AV(avro_value_set_boolean(val, b));
		buf_byte(&g->out, (uint8_t)b);
		add_site(g, S_BOOL, off, 1, b);
		break;
	}
	case AVRO_INT32: {
		int32_t x = (int32_t)rand_long(32);
		AV(avro_value_set_int(val, x));
		size_t n = buf_long(&g->out, x);
		add_site(g, S_INT, off, n, x);
		break;
	}
	case AVRO_INT64: {
		int64_t x = rand_long(64);
		AV(avro_value_set_long(val, x));
		size_t n = buf_long(&g->out, x);
		add_site(g, S_LONG, off, n, x);
		break;
	}
	case AVRO_FLOAT: {
		uint32_t bits = (uint32_t)rnd64() & 0xbf7fffffu; /* never NaN or infinite */
		float f;
		memcpy(&f, &bits, 4);
		AV(avro_value_set_float(val, f));
		buf_put(&g->out, &f, 4);
		break;
	}
	case AVRO_DOUBLE: {
		uint64_t bits = rnd64() & 0xbfefffffffffffffULL;
		double d;
		memcpy(&d, &bits, 8);
		AV(avro_value_set_double(val, d));
		buf_put(&g->out, &d, 8);
		break;
	}
	case AVRO_BYTES: {
		uint8_t tmp[16];
		size_t n = rnd(17);
		for (size_t i = 0; i < n; i++)
			tmp[i] = (uint8_t)rnd(256);
		AV(avro_value_set_bytes(val, tmp, n));
		size_t vl = buf_long(&g->out, (int64_t)n);
		buf_put(&g->out, tmp, n);
		struct site *s = add_site(g, S_BYTES, off, vl, (int64_t)n);
		s->data_off = off + vl;
		s->data_len = n;
		break;
	}
	case AVRO_STRING: {
		char tmp[128];
		rand_text(tmp, sizeof tmp);
		size_t n = strlen(tmp);
		AV(avro_value_set_string(val, tmp));
		size_t vl = buf_long(&g->out, (int64_t)n);
		buf_put(&g->out, tmp, n);
		struct site *s = add_site(g, S_STRING, off, vl, (int64_t)n);
		s->data_off = off + vl;
		s->data_len = n;
		break;
	}
	case AVRO_ENUM: {
		int n = avro_schema_enum_number_of_symbols(sch);
		int i = (int)rnd((uint32_t)n);
		AV(avro_value_set_enum(val, i));
		size_t vl = buf_long(&g->out, i);
		add_site(g, S_ENUM, off, vl, n);
		break;
	}
	case AVRO_FIXED: {
		uint8_t tmp[64];
		int64_t size = avro_schema_fixed_size(sch);
		for (int64_t i = 0; i < size; i++)
			tmp[i] = (uint8_t)rnd(256);
		AV(avro_value_set_fixed(val, tmp, (size_t)size));
		buf_put(&g->out, tmp, (size_t)size);
		break;
	}
	case AVRO_RECORD: {
		size_t n = 0;
		AV(avro_value_get_size(val, &n));
		for (size_t i = 0; i < n; i++) {
			avro_value_t child;
			const char *fname = NULL;
			AV(avro_value_get_by_index(val, i, &child, &fname));
			size_t saved = g->plen;
			path_push(g, fname ? fname : "?");
			gen_value(g, &child, depth + 1);
			g->plen = saved;
			g->path[saved] = '\0';
		}
		break;
	}
	case AVRO_ARRAY:
	case AVRO_MAP: {
		int map = avro_value_get_type(val) == AVRO_MAP;
		int64_t count = depth < 4 ? (int64_t)rnd(5) : 0;
		size_t vl = count ? buf_long(&g->out, count) : 0;
		size_t si = g->nsites;
		add_site(g, map ? S_MAP : S_ARRAY, off, vl, count);
		char keys[8][128];
		for (int64_t i = 0; i < count; i++) {
			avro_value_t child;
			char tok[128];
			if (map) {
				int unique;
				do {
					rand_text(keys[i], sizeof keys[i]);
					unique = 1;
					for (int64_t k = 0; k < i; k++)
						unique &= strcmp(keys[k], keys[i]) != 0;
				} while (!unique);
				size_t koff = g->out.len, kn = strlen(keys[i]);
				size_t kl = buf_long(&g->out, (int64_t)kn);
				buf_put(&g->out, keys[i], kn);
				struct site *s = add_site(g, S_KEY, koff, kl, (int64_t)kn);
				s->data_off = koff + kl;
				s->data_len = kn;
				AV(avro_value_add(val, keys[i], &child, NULL, NULL));
				snprintf(tok, sizeof tok, "%s", keys[i]);
			} else {
				AV(avro_value_append(val, &child, NULL));
				snprintf(tok, sizeof tok, "%" PRId64, i);
			}
			size_t saved = g->plen;
			path_push(g, tok);
			gen_value(g, &child, depth + 1);
			g->plen = saved;
			g->path[saved] = '\0';
		}
		g->sites[si].data_off = off + vl;
		g->sites[si].data_len = g->out.len - (off + vl);
		buf_byte(&g->out, 0);
		break;
	}
	case AVRO_UNION: {
		size_t n = avro_schema_union_size(sch);
		int i = (int)rnd((uint32_t)n);
		if (depth >= 4 && avro_typeof(avro_schema_union_branch(sch, 0)) == AVRO_NULL)
			i = 0;
		avro_value_t branch;
		AV(avro_value_set_branch(val, i, &branch));
		size_t vl = buf_long(&g->out, i);
		add_site(g, S_UNION, off, vl, (int64_t)n);
		gen_value(g, &branch, depth + 1);
		break;
	}
	default:
		g->avro_failed = 1;
	}
}

/* ---- mutations with verdicts by construction ---- */

/* data with [off, off+len) replaced by rep[0..rlen), into out. */
static void splice(const struct buf *data, size_t off, size_t len, const uint8_t *rep, size_t rlen,
                   struct buf *out)
{
	out->len = 0;
	buf_put(out, data->p, off);
	buf_put(out, rep, rlen);
	buf_put(out, data->p + off + len, data->len - off - len);
}

struct tally {
	long checks, failures;
};

static void hexdump(const char *what, const uint8_t *p, size_t n)
{
	char line[3 * 64 + 8];
	size_t k = 0;
	for (size_t i = 0; i < n && i < 64; i++)
		k += (size_t)snprintf(line + k, sizeof line - k, "%02x ", p[i]);
	line[k] = '\0';
	tap_diag("  %s (%zu bytes): %s%s", what, n, line, n > 64 ? "..." : "");
}

/* Expects `data` to be invalid with rule `type` (NULL: any), at byte `at`
 * (-1: any) and location `loc` (NULL: any). */
static void expect_bad(const struct avvalid *v, const struct buf *data, const char *type, long at,
                       const char *loc, const char *schema, const char *why, struct tally *t)
{
	struct verdict vd = judge(v, data->p, data->len);
	t->checks++;
	int good = !vd.valid && (!type || strcmp(vd.type, type) == 0) && (at < 0 || vd.at == at) &&
	           (!loc || strcmp(vd.location, loc) == 0);
	if (good)
		return;
	if (t->failures++ < 12) {
		tap_diag("mutation '%s' on %s", why, schema);
		tap_diag("  want: %s at %ld %s", type ? type : "(any)", at, loc ? loc : "(any)");
		tap_diag("  got:  %s %s %s", vd.valid ? "VALID" : vd.type, vd.location, vd.message);
		hexdump("payload", data->p, data->len);
	}
}

static void expect_good(const struct avvalid *v, const struct buf *data, const char *schema,
                        const char *why, struct tally *t)
{
	struct verdict vd = judge(v, data->p, data->len);
	t->checks++;
	if (vd.valid)
		return;
	if (t->failures++ < 12) {
		tap_diag("'%s' on %s must stay valid", why, schema);
		tap_diag("  got: %s %s %s", vd.type, vd.location, vd.message);
		hexdump("payload", data->p, data->len);
	}
}

/* A place in a string at a character boundary: the byte to corrupt. */
static size_t char_boundary(const uint8_t *s, size_t n)
{
	size_t k = rnd((uint32_t)n);
	while (k > 0 && (s[k] & 0xc0) == 0x80)
		k--;
	return k;
}

static void mutate_site(const struct avvalid *v, const struct buf *data, const struct site *s,
                        const char *schema, struct tally *t)
{
	struct buf m = {0}, rep = {0};
	long at = (long)s->off;
	switch (s->kind) {
	case S_UNION:
	case S_ENUM: {
		const char *rule = s->kind == S_UNION ? "union" : "enum";
		buf_long(&rep, s->n);
		splice(data, s->off, s->len, rep.p, rep.len, &m);
		expect_bad(v, &m, rule, at, s->path, schema, "index = count", t);
		rep.len = 0;
		buf_long(&rep, -1 - (int64_t)rnd(1000));
		splice(data, s->off, s->len, rep.p, rep.len, &m);
		expect_bad(v, &m, rule, at, s->path, schema, "negative index", t);
		static const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
		splice(data, s->off, s->len, six, 6, &m);
		expect_bad(v, &m, "varint", at, s->path, schema, "6-byte int varint", t);
		break;
	}
	case S_BOOL: {
		uint8_t b = (uint8_t)(2 + rnd(254));
		splice(data, s->off, 1, &b, 1, &m);
		expect_bad(v, &m, "boolean", at, s->path, schema, "boolean 2..255", t);
		break;
	}
	case S_INT:
	case S_LONG: {
		int is_int = s->kind == S_INT;
		int maxlen = is_int ? 5 : 10;
		/* The same value padded to the longest allowed encoding. */
		uint64_t u = ((uint64_t)s->n << 1) ^ (uint64_t)(s->n >> 63);
		for (int i = 0; i < maxlen; i++) {
			uint8_t b = (uint8_t)(u & 0x7f);
			u >>= 7;
			buf_byte(&rep, i == maxlen - 1 ? b : (uint8_t)(b | 0x80));
		}
		splice(data, s->off, s->len, rep.p, rep.len, &m);
		expect_good(v, &m, schema, "non-minimal varint", t);
		/* One byte too many. */
		rep.p[maxlen - 1] |= 0x80;
		buf_byte(&rep, 0);
		splice(data, s->off, s->len, rep.p, rep.len, &m);
		expect_bad(v, &m, "varint", at, s->path, schema, "varint too long", t);
		/* Bits past the type's width in the last byte. */
		rep.len = maxlen;
		rep.p[maxlen - 1] =
		    is_int ? (uint8_t)(0x10 + rnd(0x70)) : (uint8_t)(0x02 + rnd(0x7e));
		splice(data, s->off, s->len, rep.p, rep.len, &m);
		expect_bad(v, &m, "varint", at, s->path, schema, "varint out of range", t);
		break;
	}
	case S_STRING:
	case S_BYTES:
	case S_KEY: {
		buf_long(&rep, -1 - (int64_t)rnd(100000));
		splice(data, s->off, s->len, rep.p, rep.len, &m);
		expect_bad(v, &m, "length", at, s->path, schema, "negative length", t);
		rep.len = 0;
		buf_long(&rep, (int64_t)data->len + 1 + (int64_t)rnd(1u << 30));
		splice(data, s->off, s->len, rep.p, rep.len, &m);
		expect_bad(v, &m, "length", at, s->path, schema, "length past the end", t);
		if (s->kind != S_BYTES && s->data_len > 0) {
			static const uint8_t *const bad[] = {
			    (const uint8_t *)"\xff",         (const uint8_t *)"\xc0\x80",
			    (const uint8_t *)"\xc1\xbf",     (const uint8_t *)"\xe0\x80\x80",
			    (const uint8_t *)"\xed\xa0\x80", (const uint8_t *)"\xf4\x90\x80\x80",
			    (const uint8_t *)"\xf5",         (const uint8_t *)"\x80",
			};
			static const size_t badlen[] = {1, 2, 2, 3, 3, 4, 1, 1};
			const uint8_t *str = data->p + s->data_off;
			size_t k = char_boundary(str, s->data_len);
			size_t which = rnd(8);
			size_t l = badlen[which] <= s->data_len - k ? badlen[which] : 1;
			if (l != badlen[which])
				which = 0;
			m.len = 0;
			buf_put(&m, data->p, data->len);
			memcpy(m.p + s->data_off + k, bad[which], l);
			expect_bad(v, &m, "utf8", (long)(s->data_off + k), s->path, schema,
			           "bad UTF-8", t);
		}
		break;
	}
	case S_ARRAY:
	case S_MAP: {
		if (s->n == 0)
			break;
		/* The same items as one sized block. */
		buf_long(&rep, -s->n);
		buf_long(&rep, (int64_t)s->data_len);
		splice(data, s->off, s->len, rep.p, rep.len, &m);
		expect_good(v, &m, schema, "sized block", t);
		rep.len = 0;
		buf_long(&rep, -s->n);
		buf_long(&rep, (int64_t)s->data_len + 1 + (int64_t)rnd(3));
		splice(data, s->off, s->len, rep.p, rep.len, &m);
		expect_bad(v, &m, "block", -1, s->path, schema, "sized block, size too big", t);
		if (s->data_len > 0) {
			rep.len = 0;
			buf_long(&rep, -s->n);
			buf_long(&rep, (int64_t)s->data_len - 1);
			splice(data, s->off, s->len, rep.p, rep.len, &m);
			expect_bad(v, &m, "block", -1, s->path, schema,
			           "sized block, size too small", t);
		}
		rep.len = 0;
		buf_long(&rep, -s->n);
		buf_long(&rep, -1 - (int64_t)rnd(100));
		splice(data, s->off, s->len, rep.p, rep.len, &m);
		expect_bad(v, &m, "block", -1, s->path, schema, "negative block size", t);
		rep.len = 0;
		buf_long(&rep, ((int64_t)1 << 40) + (int64_t)rnd(1000));
		splice(data, s->off, s->len, rep.p, rep.len, &m);
		int zero = s->kind == S_ARRAY && s->data_len == 0;
		expect_bad(v, &m, zero ? "limit" : "block", at, s->path, schema, "huge block count",
		           t);
		rep.len = 0;
		buf_long(&rep, INT64_MIN);
		splice(data, s->off, s->len, rep.p, rep.len, &m);
		expect_bad(v, &m, "block", at, s->path, schema, "block count INT64_MIN", t);
		break;
	}
	}
	free(m.p);
	free(rep.p);
}

/* ---- random byte flips against avro-c's reader ---- */

struct flips {
	long tried, accepted_both, refused_both, trailing_ok;
	long failures;
};

static void flip_against_avro(const struct avvalid *v, avro_value_t *reader_val,
                              const struct buf *data, const char *schema, struct flips *fl)
{
	struct buf m = {0};
	buf_put(&m, data->p, data->len);
	int nflip = 1 + (int)rnd(3);
	for (int i = 0; i < nflip && m.len; i++) {
		size_t k = rnd((uint32_t)m.len);
		m.p[k] = rnd(2) ? (uint8_t)(m.p[k] ^ (1u << rnd(8))) : (uint8_t)rnd(256);
	}
	struct verdict vd = judge(v, m.p, m.len);
	fl->tried++;
	int compare = vd.valid || strcmp(vd.type, "truncated") == 0 ||
	              strcmp(vd.type, "union") == 0 || strcmp(vd.type, "trailing") == 0;
	if (!compare) {
		free(m.p);
		return;
	}
	avro_reader_t rd = avro_reader_memory((const char *)m.p, (int64_t)m.len);
	int avro_ok = avro_value_read(rd, reader_val) == 0;
	avro_reader_free(rd);
	int good;
	if (vd.valid) {
		good = avro_ok;
		fl->accepted_both += good;
	} else if (strcmp(vd.type, "trailing") == 0) {
		/* avro-c does not look past the value; it must read one. */
		good = avro_ok;
		fl->trailing_ok += good;
	} else {
		good = !avro_ok;
		fl->refused_both += good;
	}
	if (!good && fl->failures++ < 12) {
		tap_diag("flip on %s: we say %s (%s %s), avro-c %s", schema,
		         vd.valid ? "valid" : "invalid", vd.type, vd.message,
		         avro_ok ? "reads it" : avro_strerror());
		hexdump("payload", m.p, m.len);
	}
	free(m.p);
}

static long env_long(const char *name, long dflt)
{
	const char *s = getenv(name);
	return s && *s ? strtol(s, NULL, 0) : dflt;
}

static void test_random(void)
{
	long nschemas = 1500 * env_long("AVVALID_SCALE", 1);
	struct tally mut = {0};
	struct flips fl = {0};
	long records = 0, valid = 0, same_bytes = 0, prefixes = 0, prefix_bad = 0, trailing = 0,
	     trailing_bad = 0, skipped_schemas = 0, recursive = 0, unwritable = 0;
	struct vgen g = {0};
	for (long si = 0; si < nschemas; si++) {
		struct sgen sg = {0};
		json_t *root = gen_type(&sg, 0, 0);
		char *text = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
		json_decref(root);
		struct sg_error e;
		struct avsc_schema *s = parse_schema(text, &e);
		avro_schema_t as = NULL;
		if (!s || avro_schema_from_json_length(text, strlen(text), &as) != 0) {
			if (skipped_schemas++ < 5)
				tap_diag("schema skipped (%s): %s", s ? avro_strerror() : e.msg,
				         text);
			avsc_free(s);
			free(text);
			continue;
		}
		struct avvalid *v = avvalid_compile(s, &e);
		if (!v) {
			tap_ok(0, "compile random schema: %s: %s", e.msg, text);
			avsc_free(s);
			avro_schema_decref(as);
			free(text);
			continue;
		}
		recursive += strstr(text, "\"items\":\"R") || strstr(text, "[\"null\",\"R") ? 1 : 0;
		const struct avsc_node *seen[256];
		int nseen = 0;
		int flips_ok = !has_zero_array(avsc_root(s), seen, &nseen);
		avro_value_iface_t *cls = avro_generic_class_from_schema(as);
		avro_value_t val, back;
		avro_generic_value_new(cls, &val);
		avro_generic_value_new(cls, &back);
		int nvalues = 4;
		for (int k = 0; k < nvalues; k++) {
			vgen_reset(&g);
			avro_value_reset(&val);
			gen_value(&g, &val, 0);
			static char wbuf[1 << 16];
			avro_writer_t w = avro_writer_memory(wbuf, sizeof wbuf);
			int wrote = !g.avro_failed && avro_value_write(w, &val) == 0;
			size_t wlen = wrote ? (size_t)avro_writer_tell(w) : 0;
			avro_writer_free(w);
			records += wrote;
			if (!wrote) {
				/* avro-c could not build or write this value. */
				if (unwritable++ < 5)
					tap_diag("avro-c cannot write a value of %s: %s", text,
					         avro_strerror());
				continue;
			}
			if (wlen == g.out.len && memcmp(wbuf, g.out.p, wlen) == 0) {
				same_bytes++;
			} else if (same_bytes + 5 > records) {
				tap_diag("encoders differ on %s", text);
				hexdump("ours", g.out.p, g.out.len);
				hexdump("avro-c", (const uint8_t *)wbuf, wlen);
			}
			struct buf data = {.p = (uint8_t *)wbuf, .len = wlen};
			struct verdict vd = judge(v, data.p, data.len);
			if (vd.valid)
				valid++;
			else if (valid + 5 > records) {
				tap_diag("valid record refused: %s %s %s", vd.type, vd.location,
				         vd.message);
				tap_diag("  schema %s", text);
				hexdump("payload", data.p, data.len);
			}
			/* Every strict prefix is invalid: the encoding is self-delimiting. */
			for (size_t n = 0; n < data.len; n++) {
				if (k > 0 && n % 7 != 3)
					continue;
				prefixes++;
				if (avvalid_check(v, data.p, n, NULL))
					prefix_bad++;
			}
			struct buf more = {0};
			buf_put(&more, data.p, data.len);
			buf_byte(&more, (uint8_t)rnd(256));
			struct verdict tv = judge(v, more.p, more.len);
			trailing++;
			if (tv.valid || strcmp(tv.type, "trailing") || tv.at != (long)data.len ||
			    tv.location[0])
				trailing_bad++;
			free(more.p);
			/* Mutations at the noted places. */
			size_t nmut = g.nsites < 8 ? g.nsites : 8;
			for (size_t j = 0; j < nmut; j++) {
				size_t pick = g.nsites <= 8 ? j : rnd((uint32_t)g.nsites);
				mutate_site(v, &data, &g.sites[pick], text, &mut);
			}
			if (flips_ok)
				for (int f = 0; f < 4; f++)
					flip_against_avro(v, &back, &data, text, &fl);
		}
		avro_value_decref(&val);
		avro_value_decref(&back);
		avro_value_iface_decref(cls);
		avro_schema_decref(as);
		avvalid_free(v);
		avsc_free(s);
		free(text);
	}
	vgen_reset(&g);
	free(g.sites);
	free(g.out.p);
	tap_ok(skipped_schemas * 20 < nschemas, "random schemas: %ld of %ld usable by both parsers",
	       nschemas - skipped_schemas, nschemas);
	tap_ok(recursive > nschemas / 20, "random schemas: %ld recursive", recursive);
	tap_ok(unwritable * 100 <= records, "random values: avro-c writes all but %ld of %ld",
	       unwritable, records + unwritable);
	tap_is_int(same_bytes, records,
	           "random values: our encoder writes avro-c's bytes (%ld records)", records);
	tap_is_int(valid, records, "random values: every record validates (%ld records)", records);
	tap_is_int(prefix_bad, 0, "random values: no strict prefix validates (%ld prefixes)",
	           prefixes);
	tap_is_int(trailing_bad, 0,
	           "random values: a byte appended is a trailing error at the end (%ld)", trailing);
	tap_is_int(mut.failures, 0,
	           "random values: %ld mutations with known verdicts, rules, offsets, locations",
	           mut.checks);
	tap_ok(mut.checks > records * 3, "random values: enough mutations (%ld)", mut.checks);
	tap_is_int(fl.failures, 0,
	           "random flips: avro-c agrees where it is reliable (%ld compared of %ld: "
	           "%ld read by both, %ld refused by both, %ld trailing)",
	           fl.accepted_both + fl.refused_both + fl.trailing_ok + fl.failures, fl.tried,
	           fl.accepted_both, fl.refused_both, fl.trailing_ok);
	tap_ok(fl.accepted_both > 100 && fl.refused_both > 100,
	       "random flips: both verdicts compared");
}

/* ---- UTF-8 against an independent reference ---- */

/* The offset of the first invalid sequence in s[0..n), or n: decodes each
 * code point and checks it (the validator instead checks byte ranges). */
static size_t utf8_reference(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		size_t len = c < 0x80             ? 1
		             : (c & 0xe0) == 0xc0 ? 2
		             : (c & 0xf0) == 0xe0 ? 3
		             : (c & 0xf8) == 0xf0 ? 4
		                                  : 0;
		if (len == 0 || n - i < len)
			return i;
		uint32_t cp = len == 1   ? c
		              : len == 2 ? (c & 0x1fu)
		              : len == 3 ? (c & 0x0fu)
		                         : (c & 0x07u);
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3fu);
		}
		static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < least[len] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return i;
		i += len;
	}
	return n;
}

/* Checks `str` as an Avro string; returns 1 when the verdict and the offset
 * agree with the reference. */
static int utf8_agrees(const struct avvalid *v, const uint8_t *str, size_t n)
{
	uint8_t payload[80];
	size_t hdr = n < 64 ? 1 : 2;
	uint64_t z = (uint64_t)n << 1;
	payload[0] = (uint8_t)(hdr == 1 ? z : (z & 0x7f) | 0x80);
	if (hdr == 2)
		payload[1] = (uint8_t)(z >> 7);
	memcpy(payload + hdr, str, n);
	size_t want = utf8_reference(str, n);
	struct sg_error e;
	e.code = SG_OK;
	int valid = avvalid_check(v, payload, hdr + n, &e);
	if (want == n)
		return valid;
	char expect[64];
	snprintf(expect, sizeof expect, "string is not valid UTF-8 at byte %zu", hdr + want);
	return !valid && strcmp(e.msg, expect) == 0;
}

static void test_utf8(void)
{
	struct avvalid *v = compile_text("\"string\"");
	if (!v)
		return;
	long bad = 0, cases = 0;
	uint8_t s[64];
	/* Every sequence of 1, 2 and 3 bytes. */
	for (uint32_t x = 0; x < (1u << 24); x++) {
		int len = x < 0x100 ? 1 : x < 0x10000 ? 2 : 3;
		if (len == 3 && x < 0xc00000)
			continue; /* no lead byte below 0xc0 starts a 3-byte sequence */
		for (int k = 0; k < len; k++)
			s[k] = (uint8_t)(x >> (8 * (len - 1 - k)));
		cases++;
		if (!utf8_agrees(v, s, (size_t)len) && bad++ < 5)
			hexdump("utf8 disagrees", s, (size_t)len);
	}
	/* 4-byte sequences: every lead and second byte, boundary continuations. */
	static const uint8_t ends[] = {0x00, 0x7f, 0x80, 0x8f, 0x90, 0xbf, 0xc0, 0xff};
	for (uint32_t a = 0xf0; a <= 0xff; a++)
		for (uint32_t b = 0; b < 256; b++)
			for (int c = 0; c < 8; c++)
				for (int d = 0; d < 8; d++) {
					s[0] = (uint8_t)a, s[1] = (uint8_t)b, s[2] = ends[c],
					s[3] = ends[d];
					cases++;
					if (!utf8_agrees(v, s, 4) && bad++ < 5)
						hexdump("utf8 disagrees", s, 4);
				}
	/* Random strings of 0 to 40 bytes: ASCII runs, valid characters and
	 * stray bytes at every alignment of the word-at-a-time scan. */
	for (int t = 0; t < 300000; t++) {
		size_t n = rnd(41), k = 0;
		while (k < n) {
			uint32_t r = rnd(10);
			const char *pc = r < 5   ? "a"
			                 : r < 8 ? pieces[rnd(sizeof pieces / sizeof *pieces)]
			                         : NULL;
			if (pc && strlen(pc) <= n - k) {
				memcpy(s + k, pc, strlen(pc));
				k += strlen(pc);
			} else {
				s[k++] = (uint8_t)(rnd(2) ? 0x80 + rnd(0x80) : rnd(256));
			}
		}
		cases++;
		if (!utf8_agrees(v, s, n) && bad++ < 5)
			hexdump("utf8 disagrees", s, n);
	}
	tap_is_int(bad, 0,
	           "UTF-8: %ld strings agree with a decoding reference (verdict and offset)",
	           cases);
	avvalid_free(v);
}

/* ---- the example schemas with realistic records ---- */

/* Sets an avro-c value from JSON, for the types the example schemas use: a
 * decimal (bytes) is given as its unscaled integer. Returns 0 or -1. */
static int fill(avro_value_t *val, const json_t *j)
{
	avro_schema_t sch = avro_value_get_schema(val);
	switch (avro_value_get_type(val)) {
	case AVRO_NULL:
		return json_is_null(j) ? avro_value_set_null(val) : -1;
	case AVRO_BOOLEAN:
		return avro_value_set_boolean(val, json_is_true(j));
	case AVRO_INT32:
		return avro_value_set_int(val, (int32_t)json_integer_value(j));
	case AVRO_INT64:
		return avro_value_set_long(val, json_integer_value(j));
	case AVRO_DOUBLE:
		return avro_value_set_double(val, json_number_value(j));
	case AVRO_STRING:
		return avro_value_set_string(val, json_string_value(j));
	case AVRO_BYTES: {
		/* Two's complement, big-endian, shortest form. */
		int64_t x = json_integer_value(j);
		uint8_t b[8];
		int n = 8;
		for (int i = 7; i >= 0; i--, x >>= 8)
			b[i] = (uint8_t)x;
		int start = 0;
		while (start < 7 && ((b[start] == 0 && !(b[start + 1] & 0x80)) ||
		                     (b[start] == 0xff && (b[start + 1] & 0x80))))
			start++;
		return avro_value_set_bytes(val, b + start, (size_t)(n - start));
	}
	case AVRO_ENUM: {
		int i = avro_schema_enum_get_by_name(sch, json_string_value(j));
		return i < 0 ? -1 : avro_value_set_enum(val, i);
	}
	case AVRO_UNION: {
		avro_value_t branch;
		int want = json_is_null(j) ? 0 : 1; /* the example unions are ["null", T] */
		if (avro_value_set_branch(val, want, &branch))
			return -1;
		return fill(&branch, j);
	}
	case AVRO_RECORD: {
		size_t n;
		if (avro_value_get_size(val, &n))
			return -1;
		for (size_t i = 0; i < n; i++) {
			avro_value_t f;
			const char *name;
			if (avro_value_get_by_index(val, i, &f, &name))
				return -1;
			const json_t *fj = json_object_get(j, name);
			if (fill(&f, fj ? fj : json_null()))
				return -1;
		}
		return 0;
	}
	default:
		return -1;
	}
}

static const char *const example_records[][2] = {
    {"orders", "{\"event_type\":\"ORDER_CREATED\",\"order_id\":\"ORD-100234\",\"customer_id\":"
               "\"c2f0e1a4-5b7d-4c1e-9a3f-7d2b8e6c4f10\",\"amount\":129.95,\"currency\":\"EUR\","
               "\"status\":\"PENDING\",\"timestamp\":\"2026-11-25T13:00:00.123+01:00\",\"cancel_"
               "reason\":null}"},
    {"orders",
     "{\"event_type\":\"ORDER_CANCELLED\",\"order_id\":\"ORD-100235\",\"customer_id\":"
     "\"CUST-000042\",\"amount\":12.5,\"currency\":\"USD\",\"status\":\"CANCELLED\","
     "\"timestamp\":\"2026-11-25T13:05:00Z\",\"cancel_reason\":\"Le client a changé d'avis — "
     "livraison trop tardive, remboursement demandé par courriel le 25/11.\"}"},
    {"orders",
     "{\"event_type\":\"ORDER_STATUS_UPDATED\",\"order_id\":\"ORD-100236\",\"customer_id\":"
     "\"顧客-7781\",\"amount\":0,\"currency\":\"JPY\",\"status\":\"SHIPPED\","
     "\"timestamp\":\"2026-11-26T08:00:00Z\",\"cancel_reason\":null}"},
    {"payments", "{\"event_type\":\"PAYMENT_RECEIVED\",\"payment_id\":\"PAY-9001\",\"order_id\":"
                 "\"ORD-100234\",\"amount\":12995,\"currency\":\"EUR\",\"method\":\"CARD\","
                 "\"refund_of\":null,\"timestamp\":1795611600123}"},
    {"payments",
     "{\"event_type\":\"PAYMENT_REFUNDED\",\"payment_id\":\"PAY-9002\",\"order_id\":"
     "\"ORD-100235\",\"amount\":-1250,\"currency\":\"USD\",\"method\":\"BANK_TRANSFER\","
     "\"refund_of\":\"PAY-9001\",\"timestamp\":1795611900000}"},
    {"leads",
     "{\"event_type\":\"LEAD_NEW\",\"lead_id\":\"LEAD-77\",\"email\":\"ana.souza@example.com\","
     "\"full_name\":\"Ana Souza\",\"company\":null,\"source\":\"web\",\"score\":42,"
     "\"customer_id\":null,\"timestamp\":\"2026-11-25T09:12:44Z\"}"},
    {"leads",
     "{\"event_type\":\"LEAD_CONVERTED\",\"lead_id\":\"LEAD-78\",\"email\":\"jürgen@beispiel.de\","
     "\"full_name\":\"Jürgen Groß\",\"company\":\"Groß & Söhne GmbH\",\"source\":\"referral\","
     "\"score\":100,\"customer_id\":\"CUST-000043\",\"timestamp\":\"2026-11-25T10:00:00Z\"}"},
    {"etl-events", "{\"event_type\":\"PIPELINE_STARTED\",\"pipeline\":\"daily_orders_rollup\","
                   "\"run_id\":\"scheduled__2026-11-25T00:00:00+00:00\",\"rows_processed\":null,"
                   "\"duration_ms\":null,\"error\":null,\"timestamp\":\"2026-11-25T00:00:05Z\"}"},
    {"etl-events",
     "{\"event_type\":\"PIPELINE_FAILED\",\"pipeline\":\"kestra.io.sales.load\","
     "\"run_id\":\"4Jx9c2\",\"rows_processed\":1843022,\"duration_ms\":734001,"
     "\"error\":\"psycopg2.OperationalError: connection to server at \\\"db\\\" failed\","
     "\"timestamp\":\"2026-11-25T00:12:19Z\"}"},
};

static void test_examples(void)
{
	for (size_t i = 0; i < sizeof example_records / sizeof *example_records; i++) {
		const char *topic = example_records[i][0];
		char path[4096];
		snprintf(path, sizeof path, "%s/schemas/%s.avsc", srcdir(), topic);
		size_t tlen;
		char *text = slurp(path, &tlen);
		if (!tap_ok(text != NULL, "read %s", path))
			continue;
		struct sg_error e;
		error_clear(&e);
		struct avsc_schema *s = avsc_parse(text, tlen, NULL, 0, &e);
		struct avvalid *v = s ? avvalid_compile(s, &e) : NULL;
		avro_schema_t as;
		json_t *rec = json_loads(example_records[i][1], 0, NULL);
		if (!tap_ok(v && rec && avro_schema_from_json_length(text, tlen, &as) == 0,
		            "%s: schema and record load", topic)) {
			avvalid_free(v);
			avsc_free(s);
			json_decref(rec);
			free(text);
			continue;
		}
		avro_value_iface_t *cls = avro_generic_class_from_schema(as);
		avro_value_t val;
		avro_generic_value_new(cls, &val);
		static char wbuf[4096];
		avro_writer_t w = avro_writer_memory(wbuf, sizeof wbuf);
		int ok = fill(&val, rec) == 0 && avro_value_write(w, &val) == 0;
		size_t len = ok ? (size_t)avro_writer_tell(w) : 0;
		avro_writer_free(w);
		error_clear(&e);
		tap_ok(ok && avvalid_check(v, (const uint8_t *)wbuf, len, &e),
		       "%s record %zu (%zu bytes, written by avro-c) is valid %s", topic, i, len,
		       e.msg);
		int prefixes_bad = 1;
		for (size_t n = 0; n < len; n++)
			prefixes_bad &= !avvalid_check(v, (const uint8_t *)wbuf, n, NULL);
		tap_ok(prefixes_bad, "%s record %zu: all %zu truncations are invalid", topic, i,
		       len);
		avro_value_decref(&val);
		avro_value_iface_decref(cls);
		avro_schema_decref(as);
		json_decref(rec);
		avvalid_free(v);
		avsc_free(s);
		free(text);
	}
}

/* ---- contracts ---- */

static const char list_schema[] =
    "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"value\",\"type\":\"int\"},"
    "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}";

/* A list of `n` nodes with value 1; the last node's union index is `last`. */
static void list_payload(struct buf *b, int n, int last)
{
	b->len = 0;
	for (int i = 0; i < n; i++) {
		buf_long(b, 1);
		buf_long(b, i == n - 1 ? last : 1);
	}
}

static void test_program_shape(void)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/schemas/orders.avsc", srcdir());
	char *text = slurp(path, NULL);
	struct avvalid *v = text ? compile_text(text) : NULL;
	/* 8 fields inline, the union's string branch, the end: no call, no jump. */
	tap_is_int((long long)avvalid_program_size(v), 10, "orders compiles to 10 instructions");
	avvalid_free(v);
	free(text);
	v = compile_text(list_schema);
	/* CALL END | INT UNION CALL RET */
	tap_is_int((long long)avvalid_program_size(v), 6,
	           "a recursive list compiles to a call and a body");
	avvalid_free(v);
	v = compile_text(
	    "{\"type\":\"record\",\"name\":\"Z\",\"fields\":[{\"name\":\"a\",\"type\":\"null\"},"
	    "{\"name\":\"b\",\"type\":{\"type\":\"fixed\",\"name\":\"F0\",\"size\":0}}]}");
	tap_is_int((long long)avvalid_program_size(v), 1,
	           "a zero-byte record compiles to the end alone");
	avvalid_free(v);

	struct sg_error e;
	error_clear(&e);
	tap_ok(avvalid_compile(NULL, &e) == NULL && e.code == SG_EINVALID_SCHEMA, "no schema: %s",
	       e.msg);
	avvalid_free(NULL);
	tap_is_int((long long)avvalid_program_size(NULL), 0, "program size of NULL");
}

static void test_no_allocation(void)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/schemas/orders.avsc", srcdir());
	char *text = slurp(path, NULL);
	struct avvalid *orders = text ? compile_text(text) : NULL;
	struct avvalid *list = compile_text(list_schema);
	free(text);
	if (!orders || !list) {
		avvalid_free(orders);
		avvalid_free(list);
		return;
	}
	static const uint8_t order[] = {
	    0x00, 0x14, 'O', 'R', 'D',  '-',  '1', '0', '0', '2', '3', '4',  0x0e, 'C',
	    'U',  'S',  'T', '-', '4',  '2',  0,   0,   0,   0,   0,   0x40, 0x60, 0x40,
	    0x06, 'E',  'U', 'R', 0x02, 0x28, '2', '0', '2', '6', '-', '1',  '1',  '-',
	    '2',  '5',  'T', '1', '3',  ':',  '0', '0', ':', '0', '0', 'Z',  0x00};
	struct buf deep = {0}, bad_deep = {0}, too_deep = {0};
	list_payload(&deep, 900, 0);
	list_payload(&bad_deep, 900, 4);
	list_payload(&too_deep, 1001, 0);
	struct sg_error e;
	long before = failalloc_count();
	int verdicts = avvalid_check(orders, order, sizeof order, NULL);
	verdicts += avvalid_check(orders, order, sizeof order, &e);
	for (size_t n = 0; n < sizeof order; n++) {
		error_clear(&e);
		verdicts += avvalid_check(orders, order, n, &e);
	}
	verdicts += avvalid_check(list, deep.p, deep.len, &e);
	error_clear(&e);
	verdicts += avvalid_check(list, bad_deep.p, bad_deep.len, &e);
	error_clear(&e);
	verdicts += avvalid_check(list, too_deep.p, too_deep.len, &e);
	long made = failalloc_count() - before;
	tap_is_int(made, 0, "avvalid_check allocates nothing, valid or not, shallow or deep");
	tap_is_int(verdicts, 3,
	           "those checks: the full order twice and the 900-node list are valid");

	struct report *r = report_new();
	tap_ok(avvalid_check_report(orders, order, sizeof order, r) == 1 && report_count(r) == 0,
	       "a valid record adds no finding");
	tap_ok(avvalid_check_report(orders, order, 3, r) == 0 && report_count(r) == 1,
	       "an invalid record adds exactly one finding");
	tap_ok(avvalid_check_report(orders, order, 3, NULL) == 0, "a NULL report is allowed");
	tap_ok(avvalid_check(orders, NULL, 0, NULL) == 0,
	       "a NULL payload of length 0 is checked as empty");
	error_clear(&e);
	error_set(&e, SG_EINTERNAL, "earlier");
	avvalid_check(orders, order, 3, &e);
	tap_ok(e.code == SG_EINTERNAL && strcmp(e.msg, "earlier") == 0, "the first error wins");
	report_free(r);
	free(deep.p);
	free(bad_deep.p);
	free(too_deep.p);
	avvalid_free(orders);
	avvalid_free(list);
}

static void test_compile_allocation_failures(void)
{
	const char *text =
	    "{\"type\":\"record\",\"name\":\"T\",\"fields\":["
	    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":[\"null\",\"T\",{\"type\":"
	    "\"map\","
	    "\"values\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\",\"Y\"]}}]}},"
	    "{\"name\":\"b\",\"type\":{\"type\":\"record\",\"name\":\"U\",\"fields\":["
	    "{\"name\":\"c\",\"type\":\"E\"},{\"name\":\"d\",\"type\":\"string\"}]}},"
	    "{\"name\":\"e\",\"type\":\"U\"},{\"name\":\"f\",\"type\":[\"null\",\"U\",\"long\"]}]}";
	struct sg_error e;
	struct avsc_schema *s = parse_schema(text, &e);
	if (!tap_ok(s != NULL, "parse the allocation-failure schema: %s", e.msg))
		return;
	int nomem_ok = 1, n = 0;
	for (;; n++) {
		error_clear(&e);
		failalloc_fail_after(n);
		struct avvalid *v = avvalid_compile(s, &e);
		failalloc_disarm();
		int failed = failalloc_fired(); /* the n-th allocation happened and failed */
		if (v) {
			nomem_ok &= !failed;
			avvalid_free(v);
			break;
		}
		nomem_ok &= failed && e.code == SG_ENOMEM;
		if (n > 1000)
			break;
	}
	tap_ok(nomem_ok && n > 3, "compile: each of the %d allocations can fail, with SG_ENOMEM",
	       n);
	avsc_free(s);
}

static void test_limits(void)
{
	struct avvalid *v = compile_text(list_schema);
	struct buf b = {0};
	struct verdict vd;
	list_payload(&b, AVVALID_MAX_DEPTH, 0);
	vd = judge(v, b.p, b.len);
	tap_ok(vd.valid, "a list of %d nodes (the depth limit) is valid %s", AVVALID_MAX_DEPTH,
	       vd.message);
	list_payload(&b, AVVALID_MAX_DEPTH + 1, 0);
	vd = judge(v, b.p, b.len);
	tap_ok(!vd.valid && strcmp(vd.type, "depth") == 0 &&
	           strstr(vd.message, "deeper than 1000") &&
	           strstr(vd.message, "(location cut short)"),
	       "a list of %d nodes is too deep: %s", AVVALID_MAX_DEPTH + 1, vd.message);
	struct sg_error e;
	error_clear(&e);
	avvalid_check(v, b.p, b.len, &e);
	const char *tail =
	    "value nests deeper than 1000 arrays, maps and named records at byte 2000 "
	    "(location cut short)";
	size_t el = strlen(e.msg), tl = strlen(tail);
	tap_ok(el > tl && strcmp(e.msg + el - tl, tail) == 0 &&
	           strncmp(e.msg, "/next/next", 10) == 0,
	       "the sg_error keeps the offset: its location gives way (%zu bytes)", el);
	size_t l = strlen(vd.location);
	int prefix = l <= AVVALID_LOCATION_MAX && l % 5 == 0 && l > AVVALID_LOCATION_MAX - 5;
	for (size_t i = 0; i < l; i += 5)
		prefix &= strncmp(vd.location + i, "/next", 5) == 0;
	tap_ok(prefix, "the location is cut at a token boundary (%zu bytes)", l);

	/* Deeper than the small stack, shallower than the limit: full locations. */
	list_payload(&b, 40, 7);
	vd = judge(v, b.p, b.len);
	char want[512] = "";
	for (int i = 0; i < 40; i++)
		strcat(want, "/next");
	tap_ok(!vd.valid && strcmp(vd.type, "union") == 0 && strcmp(vd.location, want) == 0 &&
	           vd.at == 2 * 39 + 1,
	       "a bad union 40 nodes deep: %s at %s", vd.message, vd.location);
	list_payload(&b, 33, 0);
	tap_ok(avvalid_check(v, b.p, b.len, NULL), "33 nodes: valid through the deep stack");
	avvalid_free(v);

	v = compile_text("{\"type\":\"array\",\"items\":\"null\"}");
	b.len = 0;
	buf_long(&b, AVVALID_MAX_EMPTY_ITEMS);
	buf_long(&b, 0);
	tap_ok(avvalid_check(v, b.p, b.len, NULL), "an array of %d nulls is valid",
	       AVVALID_MAX_EMPTY_ITEMS);
	b.len = 0;
	buf_long(&b, AVVALID_MAX_EMPTY_ITEMS - 1);
	buf_long(&b, -2);
	buf_long(&b, 0);
	buf_long(&b, 0);
	vd = judge(v, b.p, b.len);
	tap_ok(!vd.valid && strcmp(vd.type, "limit") == 0 && vd.at == 4,
	       "one null too many over two blocks: %s", vd.message);
	b.len = 0;
	for (int i = 0; i < 100000; i++)
		buf_long(&b, 100);
	buf_long(&b, 0);
	tap_ok(avvalid_check(v, b.p, b.len, NULL),
	       "100000 blocks of 100 nulls: valid, one step per block");
	avvalid_free(v);
	free(b.p);
}

/* Record k has a field of record k-1's type, each defined in its own schema
 * that the next one references: `n` levels of nesting without deep JSON. */
static int compile_chain(int n, struct sg_error *e)
{
	struct avsc_schema **chain = calloc((size_t)n, sizeof *chain);
	int ok = 1;
	for (int k = 0; k < n && ok; k++) {
		char text[256];
		if (k == 0)
			snprintf(text, sizeof text,
			         "{\"type\":\"record\",\"name\":\"C0\",\"fields\":"
			         "[{\"name\":\"v\",\"type\":\"int\"}]}");
		else
			snprintf(text, sizeof text,
			         "{\"type\":\"record\",\"name\":\"C%d\",\"fields\":"
			         "[{\"name\":\"in\",\"type\":\"C%d\"}]}",
			         k, k - 1);
		error_clear(e);
		chain[k] = avsc_parse(text, strlen(text), (const struct avsc_schema *const *)chain,
		                      k ? (size_t)k : 0, e);
		ok = chain[k] != NULL;
	}
	struct avvalid *v = NULL;
	if (ok) {
		error_clear(e);
		v = avvalid_compile(chain[n - 1], e);
	}
	int compiled = v != NULL;
	if (v) {
		/* n nested records around one int: a single byte. */
		static const uint8_t one[] = {0x02};
		compiled += avvalid_check(v, one, 1, NULL);
	}
	avvalid_free(v);
	for (int k = 0; k < n; k++)
		avsc_free(chain[k]);
	free(chain);
	return ok ? compiled : -1;
}

static void test_compile_depth(void)
{
	struct sg_error e;
	tap_is_int(compile_chain(900, &e), 2,
	           "900 records nested through references compile and run %s", e.msg);
	int r = compile_chain(1100, &e);
	tap_ok(r == 0 && e.code == SG_ELIMIT && strstr(e.msg, "nest deeper than 1000"),
	       "1100 nested records: the compiler refuses them: %s", e.msg);
}

static void test_references(void)
{
	const char *ref_text = "{\"type\":\"enum\",\"name\":\"Currency\",\"namespace\":\"money\","
	                       "\"symbols\":[\"EUR\",\"USD\"]}";
	const char *text = "{\"type\":\"record\",\"name\":\"Price\",\"fields\":["
	                   "{\"name\":\"cents\",\"type\":\"long\"},{\"name\":\"currency\",\"type\":"
	                   "\"money.Currency\"}]}";
	struct sg_error e;
	error_clear(&e);
	struct avsc_schema *ref = avsc_parse(ref_text, strlen(ref_text), NULL, 0, &e);
	const struct avsc_schema *refs[] = {ref};
	struct avsc_schema *s = ref ? avsc_parse(text, strlen(text), refs, 1, &e) : NULL;
	struct avvalid *v = s ? avvalid_compile(s, &e) : NULL;
	avsc_free(s);
	avsc_free(ref);
	/* The program outlives both schemas. */
	static const uint8_t ok[] = {0x90, 0x03, 0x02}, bad[] = {0x90, 0x03, 0x04};
	tap_ok(v && avvalid_check(v, ok, sizeof ok, NULL), "a named type from a reference %s",
	       e.msg);
	struct verdict vd = v ? judge(v, bad, sizeof bad) : (struct verdict){0};
	tap_is_str(vd.location, "/currency", "its field's location, after the schemas are freed");
	avvalid_free(v);
}

struct thread_job {
	const struct avvalid *v;
	const struct buf *payloads;
	size_t n;
	const char *const *want; /* expected error messages, "" for valid */
	int mismatches;
};

static void *thread_main(void *arg)
{
	struct thread_job *job = arg;
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < job->n; i++) {
			struct sg_error e;
			error_clear(&e);
			int ok =
			    avvalid_check(job->v, job->payloads[i].p, job->payloads[i].len, &e);
			if (ok != (job->want[i][0] == '\0') || strcmp(e.msg, job->want[i]) != 0)
				job->mismatches++;
		}
	}
	return NULL;
}

static void test_threads(void)
{
	struct avvalid *v = compile_text(list_schema);
	enum { N = 40 };
	struct buf payloads[N] = {{0}};
	char *want[N];
	for (int i = 0; i < N; i++) {
		list_payload(&payloads[i], 1 + i * 3, i % 4 == 0 ? 9 : 0);
		if (i % 5 == 0)
			payloads[i].len--;
		struct sg_error e;
		error_clear(&e);
		avvalid_check(v, payloads[i].p, payloads[i].len, &e);
		want[i] = strdup(e.msg);
	}
	pthread_t th[4];
	struct thread_job jobs[4];
	for (int t = 0; t < 4; t++) {
		jobs[t] = (struct thread_job){
		    .v = v, .payloads = payloads, .n = N, .want = (const char *const *)want};
		pthread_create(&th[t], NULL, thread_main, &jobs[t]);
	}
	int mismatches = 0;
	for (int t = 0; t < 4; t++) {
		pthread_join(th[t], NULL);
		mismatches += jobs[t].mismatches;
	}
	tap_is_int(mismatches, 0, "4 threads share one program: same verdicts and messages");
	for (int i = 0; i < N; i++) {
		free(payloads[i].p);
		free(want[i]);
	}
	avvalid_free(v);
}

int main(void)
{
	const char *seed = getenv("AVVALID_SEED");
	if (seed && *seed)
		rng_state = strtoull(seed, NULL, 0) | 1;
	tap_diag("seed 0x%" PRIx64 " (set AVVALID_SEED to change)", rng_state);
	test_program_shape();
	test_case_files();
	test_examples();
	test_no_allocation();
	test_compile_allocation_failures();
	test_limits();
	test_utf8();
	test_compile_depth();
	test_references();
	test_threads();
	test_random();
	return tap_done();
}
