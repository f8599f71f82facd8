/* tests/kafka/test_kframes.c: Kafka frame cases as data, for gateway/kproto
 * and gateway/kaddr. Reads every tests/kafka/frames/NAME.frames file (under
 * $SG_SRCDIR, or the directory given as argv[1]) and prints one TAP line per
 * case.
 *
 * A case, in a small field language (tokens split by blanks, '#' starts a
 * comment):
 *
 *   case NAME...                 starts a case
 *   rewrite API VERSION          run the response rewriter of API at VERSION
 *                                (Metadata, FindCoordinator, DescribeCluster,
 *                                Produce, Fetch, ApiVersions)
 *   request                      or: parse a request header
 *   advertise HOST  base N       the map: node id -> HOST:N+id (defaults
 *                                gw.example and 40000)
 *   in FIELDS...                 the input frame (without its size prefix)
 *   expect same                  the rewriter leaves the frame alone
 *   expect error TEXT...         it fails with a message containing TEXT
 *   expect frame FIELDS...       it writes exactly this frame
 *   expect request K=V...        request header fields: key version cid
 *                                acks response flexible body
 *   learned ID=HOST:PORT...      the nodes the map was told about, in order
 *
 * FIELDS: i8 i16 i32 i64 uv bool N; str S / cstr S (S is a word, "" or
 * null); uuid (16 zero bytes); hex HEX (raw bytes); arr N / carr N (N may be
 * null); tag T { FIELDS } (one tagged field: T, size, content); none (an
 * empty tagged-field section: a 0 byte).
 */
#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "gateway/kaddr.h"
#include "gateway/kproto.h"
#include "gateway/kwriter.h"
#include "tests/tap.h"

#define MAX_TOKENS 4096

struct tokens {
	char *t[MAX_TOKENS];
	int n, i;
};

static int tok_more(struct tokens *tk)
{
	return tk->i < tk->n;
}
static const char *tok_peek(struct tokens *tk)
{
	return tk->i < tk->n ? tk->t[tk->i] : "";
}
static const char *tok_next(struct tokens *tk)
{
	return tk->i < tk->n ? tk->t[tk->i++] : "";
}

static int is_directive(const char *s)
{
	static const char *const d[] = {"case", "rewrite", "request", "advertise", "base",
	                                "in",   "expect",  "learned", NULL};
	for (int i = 0; d[i]; i++)
		if (!strcmp(s, d[i]))
			return 1;
	return 0;
}

static struct kslice word(const char *s)
{
	struct kslice k;
	if (!strcmp(s, "null")) {
		k.p = NULL;
		k.len = -1;
	} else if (!strcmp(s, "\"\"")) {
		k.p = (const uint8_t *)"";
		k.len = 0;
	} else {
		k.p = (const uint8_t *)s;
		k.len = (int32_t)strlen(s);
	}
	return k;
}

/* Encodes fields until a directive, a '}' or the end. Returns 0 or -1. */
static int encode(struct tokens *tk, struct kwriter *w, char *why, size_t whysz)
{
	while (tok_more(tk) && !is_directive(tok_peek(tk)) && strcmp(tok_peek(tk), "}")) {
		const char *f = tok_next(tk);
		const char *a = NULL;
		if (strcmp(f, "uuid") && strcmp(f, "none"))
			a = tok_next(tk);
		if (!strcmp(f, "i8"))
			kwriter_i8(w, (int8_t)strtol(a, NULL, 0));
		else if (!strcmp(f, "bool"))
			kwriter_bool(w, atoi(a));
		else if (!strcmp(f, "i16"))
			kwriter_i16(w, (int16_t)strtol(a, NULL, 0));
		else if (!strcmp(f, "i32"))
			kwriter_i32(w, (int32_t)strtol(a, NULL, 0));
		else if (!strcmp(f, "i64"))
			kwriter_i64(w, strtoll(a, NULL, 0));
		else if (!strcmp(f, "uv"))
			kwriter_uvarint(w, (uint32_t)strtoul(a, NULL, 0));
		else if (!strcmp(f, "str"))
			kwriter_string(w, word(a));
		else if (!strcmp(f, "cstr"))
			kwriter_compact_string(w, word(a));
		else if (!strcmp(f, "uuid"))
			kwriter_raw(w, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
		else if (!strcmp(f, "none"))
			kwriter_uvarint(w, 0);
		else if (!strcmp(f, "arr"))
			kwriter_array_len(w, !strcmp(a, "null") ? -1 : atoi(a));
		else if (!strcmp(f, "carr"))
			kwriter_compact_array_len(w, !strcmp(a, "null") ? -1 : atoi(a));
		else if (!strcmp(f, "hex")) {
			size_t n = strlen(a);
			for (size_t i = 0; i + 1 < n; i += 2) {
				char b[3] = {a[i], a[i + 1], 0};
				kwriter_i8(w, (int8_t)strtol(b, NULL, 16));
			}
		} else if (!strcmp(f, "tag")) {
			struct kwriter sub;
			int rc;
			kwriter_init(&sub, 1 << 20);
			kwriter_uvarint(w, (uint32_t)strtoul(a, NULL, 0));
			if (strcmp(tok_next(tk), "{")) {
				snprintf(why, whysz, "tag without '{'");
				kwriter_free(&sub);
				return -1;
			}
			rc = encode(tk, &sub, why, whysz);
			if (rc == 0 && strcmp(tok_next(tk), "}")) {
				snprintf(why, whysz, "tag without '}'");
				rc = -1;
			}
			kwriter_uvarint(w, (uint32_t)sub.len);
			kwriter_raw(w, sub.buf, sub.len);
			kwriter_free(&sub);
			if (rc)
				return -1;
		} else {
			snprintf(why, whysz, "unknown field '%s'", f);
			return -1;
		}
	}
	return kwriter_ok(w) ? 0 : -1;
}

struct learned {
	char list[1024];
	int base;
};

static int map_node(void *arg, int32_t id, struct kslice host, int32_t port, int32_t *gw_port,
                    struct sg_error *err)
{
	struct learned *l = arg;
	size_t n = strlen(l->list);
	char one[300];
	snprintf(one, sizeof one, "%d=%.*s:%d", (int)id, (int)host.len, (const char *)host.p,
	         (int)port);
	if (!strstr(l->list, one))
		snprintf(l->list + n, sizeof l->list - n, "%s%s", n ? " " : "", one);
	if (id > 1000)
		return error_set(err, SG_ELIMIT, "node id %d refused by the test map", (int)id);
	*gw_port = l->base + id;
	return 0;
}

static int api_key(const char *name)
{
	for (int k = 0; k < 100; k++)
		if (!strcmp(kproto_api_name(k), name))
			return k;
	return -1;
}

static void hexdump(const char *label, const uint8_t *p, size_t n)
{
	char line[200];
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		o += (size_t)snprintf(line + o, sizeof line - o, "%02x", p[i]);
		if (o > 150 || i + 1 == n) {
			tap_diag("  %s %s", label, line);
			o = 0;
			label = "    ";
		}
	}
	if (n == 0)
		tap_diag("  %s (empty)", label);
}

/* Runs one case whose directives start at tk->i (just after "case NAME"). */
static void run_case(const char *file, const char *name, struct tokens *tk)
{
	struct kwriter in, want, out;
	struct learned l;
	char why[2048] = "", advertise[128] = "gw.example", want_learned[1024] = "";
	char want_req[512] = "", want_err[256] = "";
	int key = -1, version = -1, is_request = 0,
	    expect = 0; /* 1 same, 2 error, 3 frame, 4 request */
	int pass = 1, has_learned = 0;

	kwriter_init(&in, 1 << 22);
	kwriter_init(&want, 1 << 22);
	kwriter_init(&out, 1 << 22);
	memset(&l, 0, sizeof l);
	l.base = 40000;
	while (tok_more(tk) && strcmp(tok_peek(tk), "case")) {
		const char *d = tok_next(tk);
		if (!strcmp(d, "rewrite")) {
			key = api_key(tok_next(tk));
			version = atoi(tok_next(tk));
		} else if (!strcmp(d, "request")) {
			is_request = 1;
		} else if (!strcmp(d, "advertise")) {
			snprintf(advertise, sizeof advertise, "%s", tok_next(tk));
		} else if (!strcmp(d, "base")) {
			l.base = atoi(tok_next(tk));
		} else if (!strcmp(d, "in")) {
			if (encode(tk, &in, why, sizeof why))
				pass = 0;
		} else if (!strcmp(d, "learned")) {
			has_learned = 1;
			while (tok_more(tk) && !is_directive(tok_peek(tk))) {
				size_t n = strlen(want_learned);
				snprintf(want_learned + n, sizeof want_learned - n, "%s%s",
				         n ? " " : "", tok_next(tk));
			}
		} else if (!strcmp(d, "expect")) {
			const char *kind = tok_next(tk);
			if (!strcmp(kind, "same")) {
				expect = 1;
			} else if (!strcmp(kind, "error")) {
				expect = 2;
				while (tok_more(tk) && !is_directive(tok_peek(tk))) {
					size_t n = strlen(want_err);
					snprintf(want_err + n, sizeof want_err - n, "%s%s",
					         n ? " " : "", tok_next(tk));
				}
			} else if (!strcmp(kind, "frame")) {
				expect = 3;
				if (encode(tk, &want, why, sizeof why))
					pass = 0;
			} else if (!strcmp(kind, "request")) {
				expect = 4;
				while (tok_more(tk) && !is_directive(tok_peek(tk))) {
					size_t n = strlen(want_req);
					snprintf(want_req + n, sizeof want_req - n, "%s%s",
					         n ? " " : "", tok_next(tk));
				}
			} else {
				snprintf(why, sizeof why, "unknown expectation '%s'", kind);
				pass = 0;
			}
		} else {
			snprintf(why, sizeof why, "unknown directive '%s'", d);
			pass = 0;
		}
	}
	if (pass && !expect) {
		snprintf(why, sizeof why, "no expectation");
		pass = 0;
	}
	if (pass && is_request) {
		struct kproto_request req;
		struct sg_error err;
		char got[1024];
		error_clear(&err);
		if (kproto_request_parse(in.buf, in.len, &req, &err) != 0) {
			snprintf(got, sizeof got, "error: %s", err.msg);
			pass = expect == 2 && strstr(err.msg, want_err);
		} else {
			snprintf(
			    got, sizeof got,
			    "key=%d version=%d cid=%d acks=%d response=%d flexible=%d body=%zu",
			    req.api_key, req.api_version, (int)req.correlation_id, req.acks,
			    req.expects_response, req.flexible, req.body_offset);
			pass = expect == 4 && !strcmp(got, want_req);
		}
		if (!pass)
			snprintf(why, sizeof why, "got %s", got);
	} else if (pass) {
		struct sg_error err;
		struct kaddr_map map = {map_node, &l, advertise};
		int rc;
		error_clear(&err);
		if (key == KPROTO_API_VERSIONS)
			rc = kproto_api_versions_rewrite(version, in.buf, in.len, &out, &err);
		else
			rc = kaddr_rewrite(key, version, in.buf, in.len, &map, &out, &err);
		if (expect == 1)
			pass = rc == 0 && out.len == 0;
		else if (expect == 2)
			pass = rc == -1 && strstr(err.msg, want_err) != NULL;
		else if (expect == 3)
			pass =
			    rc == 1 && out.len == want.len && !memcmp(out.buf, want.buf, want.len);
		else
			pass = 0;
		if (pass && (has_learned || expect == 3) && strcmp(l.list, want_learned)) {
			pass = 0;
			snprintf(why, sizeof why, "learned '%s', want '%s'", l.list, want_learned);
		}
		if (!pass && !why[0]) {
			snprintf(why, sizeof why, "rc %d, error '%s'", rc, err.msg);
			if (expect == 3) {
				hexdump("got: ", out.buf, out.len);
				hexdump("want:", want.buf, want.len);
			}
		}
	}
	tap_ok(pass, "%s: %s", file, name);
	if (!pass)
		tap_diag("  %s", why);
	kwriter_free(&in);
	kwriter_free(&want);
	kwriter_free(&out);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static void run_file(const char *path)
{
	char *text = slurp(path), *p;
	struct tokens tk;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (!tap_ok(text != NULL, "read %s", base))
		return;
	memset(&tk, 0, sizeof tk);
	/* Comments become blanks; a case's name (the rest of its line) becomes
	 * one token, its blanks held as \001 until run. */
	for (p = text; *p;) {
		if (*p == '#') {
			while (*p && *p != '\n')
				*p++ = ' ';
		} else if ((p == text || p[-1] == '\n') && !strncmp(p, "case ", 5)) {
			for (p += 5; *p == ' '; p++)
				;
			for (; *p && *p != '\n' && *p != '#'; p++)
				if (*p == ' ' || *p == '\t')
					*p = '\001';
		} else {
			p++;
		}
	}
	for (p = strtok(text, " \t\r\n"); p && tk.n < MAX_TOKENS; p = strtok(NULL, " \t\r\n"))
		tk.t[tk.n++] = p;
	while (tok_more(&tk)) {
		char name[256] = "";
		if (strcmp(tok_next(&tk), "case")) {
			tap_ok(0, "%s: expected 'case' at token %d", base, tk.i);
			break;
		}
		snprintf(name, sizeof name, "%s", tok_next(&tk));
		for (char *q = name; *q; q++)
			if (*q == '\001')
				*q = ' ';
		run_case(base, name, &tk);
	}
	free(text);
}

int main(int argc, char **argv)
{
	char pattern[4096];
	const char *src = getenv("SG_SRCDIR");
	glob_t g;

	if (argc > 1)
		snprintf(pattern, sizeof pattern, "%s/*.frames", argv[1]);
	else
		snprintf(pattern, sizeof pattern, "%s/tests/kafka/frames/*.frames",
		         src ? src : ".");
	if (glob(pattern, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
		tap_ok(0, "no case files match %s", pattern);
		return tap_done();
	}
	for (size_t i = 0; i < g.gl_pathc; i++)
		run_file(g.gl_pathv[i]);
	globfree(&g);
	return tap_done();
}
