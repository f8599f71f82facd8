/* tests/http/runner.c: plays the HTTP cases (tests/http/cases, one .http file
 * per scenario) against a real `schemagate registry`, as described in
 * tests/http/README.md.
 *
 * Usage: runner [CASE.http ...]. With no argument, every .http file in
 * $SG_SRCDIR/tests/http/cases runs. $SG_BIN is the binary under test.
 * For each file: a fresh registry on a free port with a new database in a
 * temporary directory, one TAP line per step, then one for a clean stop (a
 * crash or a non-zero exit is a failure). The matcher's own self-tests run
 * first, so a runner that matches everything cannot pass.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "tests/tap.h"

#define RUNNER_FILE_MAX         (64u << 20) /* largest case file or @file body */
#define RUNNER_RESPONSE_MAX     (64u << 20) /* largest response body kept */
#define RUNNER_MAX_HEADERS      32
#define RUNNER_START_TIMEOUT_MS 15000
#define RUNNER_STOP_TIMEOUT_MS  15000
#define RUNNER_SHOW_MAX         1500 /* bytes of a body shown in a diff */
#define DEFAULT_CONTENT_TYPE    "application/vnd.schemaregistry.v1+json"

/* A growable byte buffer with a hard ceiling. */
struct buf {
	char *p;
	size_t len, cap, max;
	int overflow;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (n > b->max - b->len) {
		b->overflow = 1;
		return -1;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->overflow = 1;
			return -1;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static const char *buf_str(const struct buf *b)
{
	return b->p ? b->p : "";
}

/* ---------------------------------------------------------------- cases -- */

struct step {
	char *title;
	int line; /* of the "===" line */
	char *method;
	char *path;
	char *headers[RUNNER_MAX_HEADERS]; /* "Name: value" */
	size_t nheaders;
	struct buf body; /* request body text as written */
	int status;      /* expected status */
	char *want_headers[RUNNER_MAX_HEADERS];
	size_t nwant_headers;
	struct buf want; /* expected body text */
};

struct case_file {
	char *path;
	struct step *steps;
	size_t n;
};

static void step_free(struct step *s)
{
	free(s->title);
	free(s->method);
	free(s->path);
	for (size_t i = 0; i < s->nheaders; i++)
		free(s->headers[i]);
	for (size_t i = 0; i < s->nwant_headers; i++)
		free(s->want_headers[i]);
	free(s->body.p);
	free(s->want.p);
}

static void case_free(struct case_file *c)
{
	for (size_t i = 0; i < c->n; i++)
		step_free(&c->steps[i]);
	free(c->steps);
	free(c->path);
}

/* A header line is "Name:" with a token name. Anything else starts a body. */
static int is_header_line(const char *s)
{
	const char *p = s;
	while (*p && (isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
		p++;
	return p > s && *p == ':';
}

/* Drops trailing newlines and spaces, as both bodies are compared without them. */
static void buf_rstrip(struct buf *b)
{
	while (b->len > 0 && isspace((unsigned char)b->p[b->len - 1]))
		b->p[--b->len] = '\0';
}

enum parse_state { P_PRE, P_REQLINE, P_REQHDR, P_REQBODY, P_RESPHDR, P_RESPBODY };

/* Parses `text` into steps. Returns 0, or -1 with a message in `why`. */
static int case_parse(struct case_file *c, char *text, char *why, size_t whysz)
{
	enum parse_state st = P_PRE;
	struct step *s = NULL;
	size_t cap = 0;
	int lineno = 0;
	char *save = NULL;
	char *line = text;
	while (line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		save = nl ? nl + 1 : NULL;
		lineno++;
		size_t len = strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';

		int is_step = strncmp(line, "===", 3) == 0;
		int is_arrow = strncmp(line, "-->", 3) == 0;
		int blank = len == 0;
		int comment = line[0] == '#';

		if (is_step && st != P_REQBODY) {
			if (s && st != P_RESPHDR && st != P_RESPBODY) {
				snprintf(why, whysz, "line %d: step '%s' has no '-->' line", lineno,
				         s->title);
				return -1;
			}
			if (c->n == cap) {
				cap = cap ? cap * 2 : 16;
				struct step *ns = realloc(c->steps, cap * sizeof *ns);
				if (!ns) {
					snprintf(why, whysz, "out of memory");
					return -1;
				}
				c->steps = ns;
			}
			s = &c->steps[c->n++];
			memset(s, 0, sizeof *s);
			const char *t = line + 3;
			while (*t == ' ' || *t == '=')
				t++;
			s->title = strdup(*t ? t : "(untitled)");
			s->line = lineno;
			s->body.max = RUNNER_FILE_MAX;
			s->want.max = RUNNER_FILE_MAX;
			st = P_REQLINE;
			line = save;
			continue;
		}

		switch (st) {
		case P_PRE:
			if (!blank && !comment) {
				snprintf(why, whysz, "line %d: expected '=== title'", lineno);
				return -1;
			}
			break;
		case P_REQLINE: {
			if (blank || comment)
				break;
			char *sp = strchr(line, ' ');
			if (!sp || sp == line || sp[1] != '/') {
				snprintf(why, whysz, "line %d: expected 'METHOD /path'", lineno);
				return -1;
			}
			s->method = strndup(line, (size_t)(sp - line));
			char *p = sp + 1;
			size_t pl = strlen(p);
			while (pl > 0 && p[pl - 1] == ' ')
				p[--pl] = '\0';
			s->path = strdup(p);
			st = P_REQHDR;
			break;
		}
		case P_REQHDR:
			if (is_arrow)
				goto arrow;
			if (comment)
				break;
			if (blank) {
				st = P_REQBODY;
				break;
			}
			if (is_header_line(line)) {
				if (s->nheaders == RUNNER_MAX_HEADERS) {
					snprintf(why, whysz, "line %d: too many headers", lineno);
					return -1;
				}
				s->headers[s->nheaders++] = strdup(line);
				break;
			}
			/* Not a header: this line starts the body. */
			st = P_REQBODY;
			/* fall through */
		case P_REQBODY:
			if (is_arrow)
				goto arrow;
			if (s->body.len > 0 || s->body.p)
				buf_add(&s->body, "\n", 1);
			buf_add(&s->body, line, len);
			break;
		case P_RESPHDR:
			if (comment)
				break;
			if (blank) {
				st = P_RESPBODY;
				break;
			}
			if (is_header_line(line)) {
				if (s->nwant_headers == RUNNER_MAX_HEADERS) {
					snprintf(why, whysz, "line %d: too many headers", lineno);
					return -1;
				}
				s->want_headers[s->nwant_headers++] = strdup(line);
				break;
			}
			/* Not a header: this line starts the body. */
			st = P_RESPBODY;
			/* fall through */
		case P_RESPBODY:
			if (s->want.p)
				buf_add(&s->want, "\n", 1);
			buf_add(&s->want, line, len);
			break;
		}
		line = save;
		continue;
	arrow : {
		char *end;
		const char *p = line + 3;
		while (*p == ' ')
			p++;
		long v = strtol(p, &end, 10);
		if (end == p || v < 100 || v > 999) {
			snprintf(why, whysz, "line %d: expected '--> STATUS'", lineno);
			return -1;
		}
		s->status = (int)v;
		buf_rstrip(&s->body);
		st = P_RESPHDR;
		line = save;
	}
	}
	if (s && st != P_RESPHDR && st != P_RESPBODY) {
		snprintf(why, whysz, "step '%s' (line %d) has no '-->' line", s->title, s->line);
		return -1;
	}
	for (size_t i = 0; i < c->n; i++) {
		buf_rstrip(&c->steps[i].want);
		if (c->steps[i].body.overflow || c->steps[i].want.overflow) {
			snprintf(why, whysz, "step '%s': body too large", c->steps[i].title);
			return -1;
		}
	}
	return 0;
}

static char *read_file(const char *path, size_t *len, size_t max)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = {.max = max};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_add(&b, chunk, n) < 0)
			break;
	int bad = ferror(f) || b.overflow;
	fclose(f);
	if (bad) {
		free(b.p);
		return NULL;
	}
	if (!b.p)
		b.p = calloc(1, 1);
	if (len)
		*len = b.len;
	return b.p;
}

/* -------------------------------------------------------------- matcher -- */

/* Compares a response value to an expected one with the README's rules:
 * "*" matches anything, "~text" any string containing text, an object with a
 * "..." key any object that has at least the other keys. On a mismatch,
 * returns 0 and describes it in `why` with a JSON pointer. */
static int match(const json_t *want, const json_t *got, const char *at, char *why, size_t whysz)
{
	if (json_is_string(want)) {
		const char *w = json_string_value(want);
		if (strcmp(w, "*") == 0)
			return 1;
		if (w[0] == '~') {
			if (json_is_string(got) && strstr(json_string_value(got), w + 1))
				return 1;
			snprintf(why, whysz, "at '%s': want a string containing \"%s\"", at, w + 1);
			return 0;
		}
	}
	if (json_is_object(want)) {
		if (!json_is_object(got)) {
			snprintf(why, whysz, "at '%s': want an object", at);
			return 0;
		}
		int open = json_object_get(want, "...") != NULL;
		const char *k;
		json_t *wv;
		json_object_foreach((json_t *)want, k, wv)
		{
			if (strcmp(k, "...") == 0)
				continue;
			char sub[512];
			snprintf(sub, sizeof sub, "%s/%s", at, k);
			json_t *gv = json_object_get(got, k);
			if (!gv) {
				snprintf(why, whysz, "at '%s': missing", sub);
				return 0;
			}
			if (!match(wv, gv, sub, why, whysz))
				return 0;
		}
		if (!open) {
			json_t *gv;
			json_object_foreach((json_t *)got, k, gv)
			{
				if (!json_object_get(want, k)) {
					snprintf(why, whysz, "at '%s/%s': not expected", at, k);
					return 0;
				}
			}
		}
		return 1;
	}
	if (json_is_array(want)) {
		if (!json_is_array(got)) {
			snprintf(why, whysz, "at '%s': want an array", at);
			return 0;
		}
		if (json_array_size(want) != json_array_size(got)) {
			snprintf(why, whysz, "at '%s': want %zu elements, got %zu", at,
			         json_array_size(want), json_array_size(got));
			return 0;
		}
		for (size_t i = 0; i < json_array_size(want); i++) {
			char sub[512];
			snprintf(sub, sizeof sub, "%s/%zu", at, i);
			if (!match(json_array_get(want, i), json_array_get(got, i), sub, why,
			           whysz))
				return 0;
		}
		return 1;
	}
	if (json_is_integer(want) && json_is_integer(got)) {
		if (json_integer_value(want) == json_integer_value(got))
			return 1;
	} else if (json_is_number(want) && json_is_number(got)) {
		if (json_number_value(want) == json_number_value(got))
			return 1;
	} else if (json_equal((json_t *)want, (json_t *)got)) {
		return 1;
	}
	char *w = json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT);
	char *g = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);
	snprintf(why, whysz, "at '%s': want %.200s, got %.200s", at, w ? w : "?", g ? g : "?");
	free(w);
	free(g);
	return 0;
}

/* Matches a response body against an expected body text. */
static int match_body(const char *want_text, const char *got, size_t got_len, char *why,
                      size_t whysz)
{
	if (!*want_text)
		return 1;
	json_t *want = json_loads(want_text, JSON_DECODE_ANY, NULL);
	if (want) {
		json_error_t je;
		json_t *g = json_loadb(got, got_len, JSON_DECODE_ANY, &je);
		int ok = 0;
		if (!g)
			snprintf(why, whysz, "response is not JSON: %s", je.text);
		else
			ok = match(want, g, "", why, whysz);
		json_decref(g);
		json_decref(want);
		return ok;
	}
	size_t gl = got_len;
	while (gl > 0 && (got[gl - 1] == '\n' || got[gl - 1] == '\r'))
		gl--;
	if (gl == strlen(want_text) && memcmp(got, want_text, gl) == 0)
		return 1;
	snprintf(why, whysz, "text differs");
	return 0;
}

/* --------------------------------------------------------- the registry -- */

struct registry {
	pid_t pid;
	int port;
	char dir[PATH_MAX - 64];
	char log[PATH_MAX];
};

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Prints the last lines of the registry's stderr as TAP diagnostics. */
static void registry_show_log(const struct registry *r)
{
	size_t len;
	char *text = read_file(r->log, &len, 1u << 20);
	if (!text)
		return;
	const char *start = len > 2000 ? text + len - 2000 : text;
	char *save = NULL;
	for (char *l = strtok_r((char *)start, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		tap_diag("  registry: %s", l);
	free(text);
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char p[PATH_MAX];
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* Starts `bin registry` on 127.0.0.1:0 with a new database and reads the
 * port from its "listening on" line. Returns 0, or -1 with `why` set. */
static int registry_start(struct registry *r, const char *bin, char *why, size_t whysz)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(r->dir, sizeof r->dir, "%s/sg-http-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(r->dir)) {
		snprintf(why, whysz, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	snprintf(r->log, sizeof r->log, "%s/registry.log", r->dir);
	char db[PATH_MAX + 8];
	snprintf(db, sizeof db, "%s/x.db", r->dir);

	fflush(stdout);
	r->pid = fork();
	if (r->pid < 0) {
		snprintf(why, whysz, "fork: %s", strerror(errno));
		return -1;
	}
	if (r->pid == 0) {
		FILE *f = freopen(r->log, "w", stderr);
		if (!f)
			_exit(127);
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl(bin, bin, "registry", "--listen", "127.0.0.1:0", "--db", db, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}

	for (long waited = 0; waited < RUNNER_START_TIMEOUT_MS; waited += 10) {
		size_t len;
		char *text = read_file(r->log, &len, 1u << 20);
		const char *mark = "registry listening on http://127.0.0.1:";
		const char *at = text ? strstr(text, mark) : NULL;
		if (at) {
			r->port = atoi(at + strlen(mark));
			free(text);
			return r->port > 0 ? 0 : (snprintf(why, whysz, "bad port in log"), -1);
		}
		free(text);
		int status;
		if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
			r->pid = -1;
			snprintf(why, whysz, "registry exited before listening (status %d)",
			         status);
			return -1;
		}
		sleep_ms(10);
	}
	snprintf(why, whysz, "registry did not log its port within %d ms", RUNNER_START_TIMEOUT_MS);
	return -1;
}

/* Sends SIGTERM and waits. Returns 1 when it exited with status 0. */
static int registry_stop(struct registry *r, char *why, size_t whysz)
{
	if (r->pid <= 0) {
		snprintf(why, whysz, "registry was not running");
		return 0;
	}
	kill(r->pid, SIGTERM);
	int status = 0;
	long waited = 0;
	pid_t got;
	while ((got = waitpid(r->pid, &status, WNOHANG)) == 0 && waited < RUNNER_STOP_TIMEOUT_MS) {
		sleep_ms(10);
		waited += 10;
	}
	if (got == 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, &status, 0);
		snprintf(why, whysz, "registry did not stop within %d ms of SIGTERM",
		         RUNNER_STOP_TIMEOUT_MS);
		r->pid = -1;
		return 0;
	}
	r->pid = -1;
	if (WIFSIGNALED(status)) {
		snprintf(why, whysz, "registry died of signal %d", WTERMSIG(status));
		return 0;
	}
	if (WEXITSTATUS(status) != 0) {
		snprintf(why, whysz, "registry exited with status %d", WEXITSTATUS(status));
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------- requests -- */

struct response {
	long status;
	struct buf body;
	char *headers[64];
	size_t nheaders;
};

static void response_reset(struct response *r)
{
	free(r->body.p);
	for (size_t i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	memset(r, 0, sizeof *r);
	r->body.max = RUNNER_RESPONSE_MAX;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct response *r = ud;
	buf_add(&r->body, p, size * n);
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct response *r = ud;
	size_t len = size * n;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		for (size_t i = 0; i < r->nheaders; i++)
			free(r->headers[i]);
		r->nheaders = 0;
		return len;
	}
	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len > 0 && r->nheaders < 64)
		r->headers[r->nheaders++] = strndup(p, len);
	return size * n;
}

static const char *response_header(const struct response *r, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < r->nheaders; i++) {
		const char *h = r->headers[i];
		if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
			const char *v = h + nl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			return v;
		}
	}
	return NULL;
}

/* Replaces every "{{port}}" in the string s (len is strlen(s)). Returns a
 * malloc'd string. */
static char *subst_port(const char *s, size_t len, int port, size_t *outlen)
{
	struct buf b = {.max = (size_t)RUNNER_FILE_MAX * 2};
	char ps[16];
	snprintf(ps, sizeof ps, "%d", port);
	size_t i = 0;
	while (i < len) {
		const char *hit = strstr(s + i, "{{port}}");
		size_t upto = hit ? (size_t)(hit - s) : len;
		buf_add(&b, s + i, upto - i);
		if (!hit)
			break;
		buf_add(&b, ps, strlen(ps));
		i = upto + 8;
	}
	if (!b.p)
		b.p = calloc(1, 1);
	*outlen = b.len;
	return b.p;
}

/* Builds the request body: text with {{port}}, "@file NAME" or "@repeat N TEXT". */
static char *request_body(const struct case_file *c, const struct step *s, int port, size_t *len,
                          char *why, size_t whysz)
{
	const char *t = buf_str(&s->body);
	if (strncmp(t, "@file ", 6) == 0 && !strchr(t, '\n')) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof dir, "%s", c->path);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof dir, ".");
		char p[PATH_MAX * 2];
		snprintf(p, sizeof p, "%s/%s", dir, t + 6);
		char *data = read_file(p, len, RUNNER_FILE_MAX);
		if (!data)
			snprintf(why, whysz, "@file %.200s: cannot read %.500s", t + 6, p);
		return data;
	}
	if (strncmp(t, "@repeat ", 8) == 0 && !strchr(t, '\n')) {
		char *end;
		unsigned long long n = strtoull(t + 8, &end, 10);
		if (end == t + 8 || *end != ' ' || end[1] == '\0') {
			snprintf(why, whysz, "expected '@repeat N TEXT'");
			return NULL;
		}
		const char *text = end + 1;
		size_t tl = strlen(text);
		if (n > (256ull << 20) / tl) {
			snprintf(why, whysz, "@repeat body above 256 MiB");
			return NULL;
		}
		char *out = malloc(n * tl + 1);
		if (!out) {
			snprintf(why, whysz, "out of memory");
			return NULL;
		}
		for (unsigned long long i = 0; i < n; i++)
			memcpy(out + i * tl, text, tl);
		out[n * tl] = '\0';
		*len = n * tl;
		return out;
	}
	return subst_port(t, s->body.len, port, len);
}

/* Shows a body in the diff, cut to RUNNER_SHOW_MAX bytes, one diag line per line. */
static void show_body(const char *label, const char *body, size_t len)
{
	if (len == 0) {
		tap_diag("  %s (empty)", label);
		return;
	}
	size_t n = len > RUNNER_SHOW_MAX ? RUNNER_SHOW_MAX : len;
	const char *p = body, *end = body + n;
	int first = 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		tap_diag("  %s %.*s", first ? label : "         ", (int)l, p);
		first = 0;
		p += l + (nl ? 1 : 0);
	}
	if (len > n)
		tap_diag("  %s ... (%zu bytes in all)", "         ", len);
}

/* Plays one step and prints its TAP line. */
static void play_step(CURL *curl, const struct case_file *c, const struct step *s, int port,
                      const char *name)
{
	char why[1024] = "";
	size_t blen = 0;
	char *body = request_body(c, s, port, &blen, why, sizeof why);
	if (!body) {
		tap_ok(0, "%s:%d: %s", name, s->line, s->title);
		tap_diag("  %s", why);
		return;
	}
	size_t plen;
	char *path = subst_port(s->path, strlen(s->path), port, &plen);
	char url[PATH_MAX + 64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);

	struct curl_slist *hdrs = NULL;
	int has_ct = 0;
	for (size_t i = 0; i < s->nheaders; i++) {
		size_t hl;
		char *h = subst_port(s->headers[i], strlen(s->headers[i]), port, &hl);
		if (strncasecmp(h, "Content-Type:", 13) == 0)
			has_ct = 1;
		hdrs = curl_slist_append(hdrs, h);
		free(h);
	}
	if (blen > 0 && !has_ct)
		hdrs = curl_slist_append(hdrs, "Content-Type: " DEFAULT_CONTENT_TYPE);
	if (blen == 0 && !has_ct)
		hdrs = curl_slist_append(hdrs, "Content-Type:");

	struct response r = {0};
	response_reset(&r);
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r);
	if (strcmp(s->method, "HEAD") == 0) {
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	} else if (blen > 0 || strcmp(s->method, "POST") == 0 || strcmp(s->method, "PUT") == 0) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, s->method);
	} else {
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, s->method);
	}

	CURLcode rc = curl_easy_perform(curl);
	int ok;
	if (rc != CURLE_OK) {
		ok = 0;
		snprintf(why, sizeof why, "request failed: %s", curl_easy_strerror(rc));
	} else {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
		ok = r.status == s->status;
		if (!ok)
			snprintf(why, sizeof why, "status: got %ld, want %d", r.status, s->status);
		for (size_t i = 0; ok && i < s->nwant_headers; i++) {
			const char *h = s->want_headers[i];
			const char *colon = strchr(h, ':');
			char hname[128];
			snprintf(hname, sizeof hname, "%.*s", (int)(colon - h), h);
			const char *want = colon + 1;
			while (*want == ' ' || *want == '\t')
				want++;
			const char *got = response_header(&r, hname);
			if (!got || strcmp(got, want) != 0) {
				ok = 0;
				snprintf(why, sizeof why, "header %s: got '%s', want '%s'", hname,
				         got ? got : "(absent)", want);
			}
		}
		if (ok)
			ok = match_body(buf_str(&s->want), buf_str(&r.body), r.body.len, why,
			                sizeof why);
	}
	tap_ok(ok, "%s:%d: %s", name, s->line, s->title);
	if (!ok) {
		tap_diag("  %s %s", s->method, path);
		tap_diag("  %s", why);
		if (rc == CURLE_OK) {
			tap_diag("  got status:  %ld", r.status);
			tap_diag("  want status: %d", s->status);
			show_body("got body: ", buf_str(&r.body), r.body.len);
			show_body("want body:", buf_str(&s->want), s->want.len);
		}
	}
	curl_slist_free_all(hdrs);
	response_reset(&r);
	free(r.body.p);
	free(path);
	free(body);
}

/* Runs every step of one case file against its own registry. */
static void run_case(const char *bin, const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct case_file c = {.path = strdup(path)};
	char why[512] = "";
	size_t len;
	char *text = read_file(path, &len, RUNNER_FILE_MAX);
	if (!text) {
		tap_ok(0, "%s: read", name);
		tap_diag("  cannot read %s", path);
		case_free(&c);
		return;
	}
	if (case_parse(&c, text, why, sizeof why) < 0 || c.n == 0) {
		tap_ok(0, "%s: parse", name);
		tap_diag("  %s", c.n == 0 && !*why ? "no steps" : why);
		free(text);
		case_free(&c);
		return;
	}
	free(text);

	struct registry r = {0};
	if (registry_start(&r, bin, why, sizeof why) < 0) {
		tap_ok(0, "%s: registry started", name);
		tap_diag("  %s", why);
		registry_show_log(&r);
		if (r.pid > 0) {
			kill(r.pid, SIGKILL);
			waitpid(r.pid, NULL, 0);
		}
		remove_dir(r.dir);
		case_free(&c);
		return;
	}
	CURL *curl = curl_easy_init();
	for (size_t i = 0; i < c.n; i++)
		play_step(curl, &c, &c.steps[i], r.port, name);
	curl_easy_cleanup(curl);

	int stopped = registry_stop(&r, why, sizeof why);
	tap_ok(stopped, "%s: registry stopped cleanly on SIGTERM", name);
	if (!stopped) {
		tap_diag("  %s", why);
		registry_show_log(&r);
	}
	remove_dir(r.dir);
	case_free(&c);
}

/* ----------------------------------------------------------- self-tests -- */

static int self_match(const char *want, const char *got)
{
	char why[256];
	return match_body(want, got, strlen(got), why, sizeof why);
}

static void self_test(void)
{
	static const char *const yes[][2] = {
	    {"{\"id\": 1}", "{\"id\":1}"},
	    {"{\"id\": \"*\"}", "{\"id\":42}"},
	    {"{\"message\": \"~not found\"}", "{\"message\":\"Subject 'x' not found.\"}"},
	    {"{\"...\": 1, \"a\": [1, \"*\"]}", "{\"a\":[1,{\"z\":2}],\"b\":3}"},
	    {"[1, 2.0]", "[1, 2]"},
	    {"plain text", "plain text\n"},
	    {"", "anything at all"},
	};
	static const char *const no[][2] = {
	    {"{\"id\": 1}", "{\"id\":2}"},
	    {"{\"id\": 1}", "{\"id\":1,\"extra\":true}"},
	    {"{\"a\": 1, \"...\": 0}", "{\"b\":1}"},
	    {"{\"message\": \"~not found\"}", "{\"message\":\"found\"}"},
	    {"{\"message\": \"~x\"}", "{\"message\":7}"},
	    {"[1, 2]", "[1, 2, 3]"},
	    {"[\"*\"]", "[]"},
	    {"{\"id\": 1}", "not json"},
	    {"\"1\"", "1"},
	    {"plain text", "plain texts"},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (!self_match(yes[i][0], yes[i][1])) {
			bad++;
			tap_diag("  should match: want %s got %s", yes[i][0], yes[i][1]);
		}
	tap_ok(bad == 0, "self-test: the matcher accepts what the rules allow");
	bad = 0;
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (self_match(no[i][0], no[i][1])) {
			bad++;
			tap_diag("  should not match: want %s got %s", no[i][0], no[i][1]);
		}
	tap_ok(bad == 0, "self-test: the matcher rejects what the rules forbid");

	char text[] = "# comment\n"
	              "=== first\n"
	              "POST /subjects/a%2Fb/versions\n"
	              "Accept: application/json\n"
	              "\n"
	              "{\"schema\": \"x\"}\n"
	              "\n"
	              "--> 200\n"
	              "Content-Type: application/json\n"
	              "\n"
	              "{\"id\": 1}\n"
	              "\n"
	              "=== second\n"
	              "GET /subjects\n"
	              "--> 404\n"
	              "{\"error_code\": 40401}\n";
	struct case_file c = {0};
	char why[256] = "";
	int ok = case_parse(&c, text, why, sizeof why) == 0 && c.n == 2;
	if (ok) {
		const struct step *a = &c.steps[0], *b = &c.steps[1];
		ok = strcmp(a->title, "first") == 0 && strcmp(a->method, "POST") == 0 &&
		     strcmp(a->path, "/subjects/a%2Fb/versions") == 0 && a->nheaders == 1 &&
		     strcmp(buf_str(&a->body), "{\"schema\": \"x\"}") == 0 && a->status == 200 &&
		     a->nwant_headers == 1 && strcmp(buf_str(&a->want), "{\"id\": 1}") == 0 &&
		     strcmp(b->method, "GET") == 0 && b->body.len == 0 && b->status == 404 &&
		     strcmp(buf_str(&b->want), "{\"error_code\": 40401}") == 0;
	}
	tap_ok(ok, "self-test: the case parser reads steps, headers and bodies");
	if (!ok)
		tap_diag("  %s", why);
	case_free(&c);
}

int main(int argc, char **argv)
{
	self_test();
	const char *bin = getenv("SG_BIN");
	if (!bin || !*bin) {
		tap_ok(0, "SG_BIN names the schemagate binary under test");
		return tap_done();
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			run_case(bin, argv[i]);
	} else {
		const char *src = getenv("SG_SRCDIR");
		char pattern[PATH_MAX];
		snprintf(pattern, sizeof pattern, "%s/tests/http/cases/*.http",
		         src && *src ? src : ".");
		glob_t g;
		int grc = glob(pattern, 0, NULL, &g);
		if (grc == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++)
				run_case(bin, g.gl_pathv[i]);
			globfree(&g);
		} else {
			tap_diag("no case files match %s", pattern);
		}
	}
	curl_global_cleanup();
	return tap_done();
}
