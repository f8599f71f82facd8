/* tests/unit/test_auth.c: registry/auth driven by the data in tests/cases/auth/
 * (see its README.md): the auth file auth.json with what it permits
 * (permissions.txt) and whose passwords it takes (passwords.txt), the
 * warnings it loads with (warnings.txt), and broken files with their exact
 * errors (invalid/<case>/{auth.json,error}). Then the hashing helpers
 * `schemagate passwd` uses, the watched file (reload on SIGHUP and on change,
 * a bad file keeps the good one) and readers racing a reloader.
 */
#include "registry/auth.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/readfile.h"
#include "tests/tap.h"

static char cases[4096];

/* The text of tests/cases/auth/NAME (the caller frees it), or NULL after a
 * failed check that says why. */
static char *read_case(const char *name, size_t *len)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s", cases, name);
	struct sg_error err;
	error_clear(&err);
	char *text = readfile(path, 1 << 20, len, &err);
	if (!text)
		tap_ok(0, "%s", err.msg);
	return text;
}

/* auth.json of the cases, parsed with "auth.json" as its name. */
static struct auth *load_cases_file(void)
{
	size_t len;
	char *text = read_case("auth.json", &len);
	struct sg_error err;
	error_clear(&err);
	struct auth *a = text ? auth_parse(text, len, "auth.json", &err) : NULL;
	if (!tap_ok(a != NULL, "tests/cases/auth/auth.json loads") && text)
		tap_diag("  %s", err.msg);
	free(text);
	return a;
}

/* Replaces "\xHH" by its byte, in place. */
static void unescape(char *s)
{
	char *o = s;
	for (const char *p = s; *p; p++) {
		unsigned v;
		if (p[0] == '\\' && p[1] == 'x' && sscanf(p + 2, "%2x", &v) == 1) {
			*o++ = (char)v;
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

/* Splits off the next space-separated word of *p. */
static char *word(char **p)
{
	while (**p == ' ')
		(*p)++;
	char *w = *p;
	while (**p && **p != ' ')
		(*p)++;
	if (**p)
		*(*p)++ = '\0';
	return w;
}

static void test_permissions(const struct auth *a)
{
	char *text = read_case("permissions.txt", NULL);
	if (!text)
		return;
	int lineno = 0, checks = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *p = line;
		char *expect = word(&p), *opname = word(&p), *res = word(&p);
		while (*p == ' ')
			p++;
		const char *principal = p;
		enum auth_op op = !strcmp(opname, "Admin")   ? AUTH_ADMIN
		                  : !strcmp(opname, "Write") ? AUTH_WRITE
		                                             : AUTH_READ;
		enum auth_resource kind = AUTH_SUBJECT;
		const char *subject = NULL;
		if (!strcmp(res, "Config:"))
			kind = AUTH_CONFIG;
		else if (!strcmp(res, "Mode:"))
			kind = AUTH_MODE;
		else
			subject = res + strlen("Subject:");
		char shown[256];
		snprintf(shown, sizeof shown, "%s %s", opname, res);
		if (subject)
			unescape((char *)subject);
		int want = !strcmp(expect, "yes");
		int got = auth_permits(a, principal, op, kind, subject);
		tap_ok(got == want, "permissions.txt:%d: %s on %s: %s", lineno, principal, shown,
		       want ? "permitted" : "refused");
		if (subject) {
			struct auth_filter *f = auth_filter_new(a, principal, op);
			tap_ok(auth_filter_subject(f, subject) == want,
			       "permissions.txt:%d: the subject filter agrees", lineno);
			auth_filter_free(f);
		}
		checks++;
	}
	tap_ok(checks > 40, "permissions.txt holds %d checks", checks);
	free(text);

	tap_ok(!auth_permits(a, NULL, AUTH_READ, AUTH_CONFIG, NULL), "no principal: refused");
	tap_ok(!auth_permits(a, "reader", AUTH_READ, AUTH_SUBJECT, NULL), "no subject: refused");
	tap_ok(!auth_filter_subject(NULL, "orders"), "a NULL filter (out of memory) refuses");
	struct auth_filter *f = auth_filter_new(a, "nobody", AUTH_READ);
	tap_ok(f && !auth_filter_subject(f, "orders"), "a filter for an unknown principal refuses");
	auth_filter_free(f);
}

static void test_passwords(struct auth *a)
{
	char *text = read_case("passwords.txt", NULL);
	if (!text)
		return;
	int lineno = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *p = line;
		char *expect = word(&p);
		char *user = word(&p);
		/* DNs hold spaces: a user "CN=ops,O=Example Corp" reads as "CN=ops,O=Example". */
		const char *password = p;
		int want = !strcmp(expect, "yes");
		const char *got = auth_authenticate_basic(a, user, password);
		if (want) {
			tap_is_str(got, user, "passwords.txt:%d: %s logs in", lineno, user);
			/* Again: now from the cache of verified passwords. */
			tap_is_str(auth_authenticate_basic(a, user, password), user,
			           "passwords.txt:%d: %s logs in again (remembered)", lineno, user);
		} else {
			tap_is_str(got, NULL, "passwords.txt:%d: %s is refused", lineno, user);
		}
	}
	free(text);

	/* A remembered success does not open the door to other passwords. */
	tap_ok(auth_authenticate_basic(a, "kara-sha1", "s3cret-one") != NULL,
	       "kara-sha1 logs in (remembered now)");
	tap_ok(auth_authenticate_basic(a, "kara-sha1", "s3cret-one!") == NULL,
	       "after that, a wrong password is still refused");
	tap_ok(auth_authenticate_basic(a, "kara-sha1", NULL) == NULL, "a NULL password is refused");
	char longpw[AUTH_PASSWORD_MAX + 2];
	memset(longpw, 'x', sizeof longpw - 1);
	longpw[sizeof longpw - 1] = '\0';
	tap_ok(auth_authenticate_basic(a, "kara-sha1", longpw) == NULL,
	       "a password past AUTH_PASSWORD_MAX is refused");
	tap_ok(auth_authenticate_basic(a, "CN=ops,O=Example Corp", "") == NULL,
	       "a certificate principal has no password to log in with");
	/* Many clients: more successes than the cache holds, then the first again. */
	for (int i = 0; i < 70; i++)
		auth_authenticate_basic(a, i % 2 ? "kara-sha1" : "kara-sha256",
		                        i % 2 ? "s3cret-one" : "two words");
	tap_is_str(auth_authenticate_basic(a, "user", "secret"), "user",
	           "a success pushed out of the cache still logs in");
}

static void test_warnings(const struct auth *a)
{
	char *text = read_case("warnings.txt", NULL);
	if (!text)
		return;
	size_t i = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), i++)
		tap_is_str(auth_warning(a, i), line, "warning %zu", i + 1);
	tap_is_int((long long)auth_warning_count(a), (long long)i, "%zu warnings, no more", i);
	free(text);
	tap_is_int((long long)auth_user_count(a), 7, "7 users");
	tap_is_int((long long)auth_permission_count(a), 16, "16 permissions");
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void test_invalid(void)
{
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/invalid", cases);
	DIR *d = opendir(dir);
	if (!tap_ok(d != NULL, "tests/cases/auth/invalid/ opens"))
		return;
	char *names[256];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 256)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n; i++) {
		char path[600];
		size_t len;
		snprintf(path, sizeof path, "invalid/%s/auth.json", names[i]);
		char *text = read_case(path, &len);
		snprintf(path, sizeof path, "invalid/%s/error", names[i]);
		char *want = read_case(path, NULL);
		if (text && want) {
			want[strcspn(want, "\n")] = '\0';
			struct sg_error err;
			error_clear(&err);
			struct auth *a = auth_parse(text, len, "auth.json", &err);
			tap_ok(a == NULL && err.code == SG_EBAD_REQUEST, "invalid/%s: refused",
			       names[i]);
			tap_is_str(err.msg, want, "invalid/%s: the error says where and why",
			           names[i]);
			auth_unref(a);
		}
		free(text);
		free(want);
		free(names[i]);
	}
	tap_ok(n >= 20, "%zu invalid cases", n);
}

static void test_limits(void)
{
	struct sg_error err;
	error_clear(&err);
	char *big = calloc(1, AUTH_FILE_MAX + 2);
	memset(big, ' ', AUTH_FILE_MAX + 1);
	struct auth *a = auth_parse(big, AUTH_FILE_MAX + 1, "big.json", &err);
	tap_ok(!a && err.code == SG_ELIMIT, "a file past AUTH_FILE_MAX is refused");
	tap_is_str(err.msg, "big.json: larger than 1048576 bytes", "and says so");
	free(big);

	const char *certs_only =
	    "{\"permissions\": [{\"username\": \"CN=a\", \"operation\": \"Read\", "
	    "\"resource\": \"Subject:.*\"}]}";
	error_clear(&err);
	a = auth_parse(certs_only, strlen(certs_only), "certs.json", &err);
	tap_ok(a && auth_user_count(a) == 0 && auth_warning_count(a) == 0,
	       "\"users\" may be absent: client certificates only");
	tap_ok(auth_permits(a, "CN=a", AUTH_READ, AUTH_SUBJECT, "x"), "and they are permitted");
	tap_ok(!auth_authenticate_basic(a, "CN=a", "x"), "and nobody logs in with a password");
	auth_unref(a);

	error_clear(&err);
	a = auth_load("/nonexistent/auth.json", &err);
	tap_ok(!a && err.code == SG_EIO, "a missing file: SG_EIO");
	tap_is_str(err.msg, "/nonexistent/auth.json: No such file or directory",
	           "the error names the file");
}

static void test_hashing(const struct auth *a)
{
	struct sg_error err;
	error_clear(&err);
	char h[128];
	/* The admin entry of auth.json, computed with Python's hashlib (README.md). */
	tap_ok(auth_hash_password("scrypt", "Zr4pVb0nC8dE1fG2hI3jKw", "ünïcødé-pässwörd", h,
	                          sizeof h, &err) == 0,
	       "scrypt hashes");
	tap_is_str(h,
	           "HtkElP3cHA6vac88rt+STQDjqkFQBRzA7zq5Oc5SsLordW+o5WxCWmCv8Vhbkdh3dC+S9d8emrGiE"
	           "u9PMVMWuQ==",
	           "scrypt N=16384 r=8 p=1 matches Python's hashlib.scrypt");
	/* Karapace's README: karapace_mkpasswd -u user -a sha512 secret. */
	auth_hash_password("sha512", "iuLouaExTeg9ypqTxqP-dw", "secret", h, sizeof h, &err);
	tap_is_str(h,
	           "R6ghYSXdLGsq6hkQcg8wT4xkD4QToxBhlp7NerTnyB077M+mD2qiN7ZxXCDb4aE+5lExu5P11UpMPY"
	           "AcVYxSQA==",
	           "sha512 matches the example of Karapace's README");
	auth_hash_password("sha1", "Xb2QUyq7o0pGgL3-8ilL8w", "s3cret-one", h, sizeof h, &err);
	tap_is_str(h, "o1l8Wp1zoOPV4N197cpySvRp58c=", "sha1 matches Python's hashlib");
	error_clear(&err);
	tap_ok(auth_hash_password("md5", "s", "p", h, sizeof h, &err) < 0 &&
	           err.code == SG_EBAD_REQUEST,
	       "an unknown algorithm is refused");
	error_clear(&err);
	tap_ok(auth_hash_password("scrypt", "s", "p", h, 40, &err) < 0,
	       "a buffer too small is refused");

	char s1[32], s2[32];
	error_clear(&err);
	tap_ok(auth_new_salt(s1, sizeof s1, &err) == 0 && auth_new_salt(s2, sizeof s2, &err) == 0,
	       "salts are made");
	tap_is_int((long long)strlen(s1), 22, "a salt is 22 characters (16 bytes, base64url)");
	tap_ok(strspn(s1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 22,
	       "in the base64url alphabet, unpadded");
	tap_ok(strcmp(s1, s2) != 0, "two salts differ");

	/* A new entry round-trips through the parser and the password check. */
	char doc[512];
	auth_hash_password("scrypt", s1, "fresh pass", h, sizeof h, &err);
	snprintf(
	    doc, sizeof doc,
	    "{\"users\": [{\"username\": \"new\", \"algorithm\": \"scrypt\", \"salt\": \"%s\", "
	    "\"password_hash\": \"%s\"}], \"permissions\": []}",
	    s1, h);
	struct auth *b = auth_parse(doc, strlen(doc), "new.json", &err);
	tap_is_str(auth_authenticate_basic(b, "new", "fresh pass"), "new",
	           "a fresh scrypt entry verifies");
	auth_unref(b);
	(void)a;
}

/* ---- the watched file ---------------------------------------------------- */

static char tmpdir[256];

/* Replaces `name` in tmpdir with `text`, as editors and config managers do
 * (a new file renamed over the old one). */
static void put(const char *name, const char *text)
{
	char path[512], tmp[520];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	snprintf(tmp, sizeof tmp, "%s.new", path);
	FILE *f = fopen(tmp, "w");
	fputs(text, f);
	fclose(f);
	rename(tmp, path);
}

/* One sha1 user "u" (password "pw"), with Read on subjects matching `pattern`. */
static void put_auth(const char *pattern)
{
	char doc[1024];
	snprintf(doc, sizeof doc,
	         "{\"users\": [{\"username\": \"u\", \"algorithm\": \"sha1\", \"salt\": \"s\", "
	         "\"password_hash\": \"%s\"}],\n \"permissions\": [{\"username\": \"u\", "
	         "\"operation\": \"Read\", \"resource\": \"Subject:%s\"}]}\n",
	         "G+bTqGj0zy4cO2DHrYwjTq6wFUI=", pattern);
	put("auth.json", doc);
}

static int watch_permits(struct auth_watch *w, const char *subject)
{
	struct auth *a = auth_watch_get(w);
	int ok = auth_permits(a, "u", AUTH_READ, AUTH_SUBJECT, subject);
	auth_unref(a);
	return ok;
}

static void test_watch(void)
{
	char path[512];
	snprintf(path, sizeof path, "%s/auth.json", tmpdir);
	struct sg_error err;
	error_clear(&err);
	tap_ok(auth_watch_open(path, &err) == NULL && err.code == SG_EIO,
	       "a watch on a missing file does not open");

	put_auth("a-.*");
	error_clear(&err);
	struct auth_watch *w = auth_watch_open(path, &err);
	if (!tap_ok(w != NULL, "the watch opens"))
		return;
	struct auth *a = auth_watch_get(w);
	tap_is_str(auth_authenticate_basic(a, "u", "pw"), "u", "its user logs in");
	auth_unref(a);
	tap_ok(watch_permits(w, "a-1") && !watch_permits(w, "b-1"), "the first file is in force");

	/* SIGHUP: load now. A request holding the old auth keeps it. */
	struct auth *held = auth_watch_get(w);
	put_auth("b-.*");
	tap_is_int(auth_watch_reload(w, &err), 0, "reload: the new file loads");
	tap_ok(watch_permits(w, "b-1") && !watch_permits(w, "a-1"), "the new file is in force");
	tap_ok(auth_permits(held, "u", AUTH_READ, AUTH_SUBJECT, "a-1"),
	       "a request that held the old one still sees it");
	auth_unref(held);

	/* A bad file is refused and the good one stays. */
	put("auth.json", "{\"permissions\": [{\"username\": \"u\"}]}");
	error_clear(&err);
	tap_is_int(auth_watch_reload(w, &err), -1, "reload: a bad file does not load");
	tap_ok(strstr(err.msg, "auth.json: permissions[0] (u): \"operation\" is missing") != NULL,
	       "the error names the file and the entry");
	tap_ok(watch_permits(w, "b-1"), "the good file stays in force");

	/* A change on disk is seen without SIGHUP, within about a second. */
	put_auth("c-.*");
	int seen = 0;
	for (int i = 0; i < 30 && !seen; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
		seen = watch_permits(w, "c-1");
	}
	tap_ok(seen, "a changed file is loaded by a later request");
	tap_ok(!watch_permits(w, "b-1"), "and replaces the old one");

	/* A file that breaks on disk leaves the last good one, even after polls. */
	put("auth.json", "{ not json");
	for (int i = 0; i < 12; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
		watch_permits(w, "c-1");
	}
	tap_ok(watch_permits(w, "c-1"), "a file broken on disk keeps the last good one");
	unlink(path);
	auth_watch_close(w);
	auth_watch_close(NULL);
}

/* Readers against a reloader: every answer is one of the two files'. */
struct reader {
	struct auth_watch *w;
	int wrong;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	for (int i = 0; i < 400; i++) {
		struct auth *a = auth_watch_get(r->w);
		const char *who = auth_authenticate_basic(a, "u", "pw");
		int x = auth_permits(a, "u", AUTH_READ, AUTH_SUBJECT, "x-1");
		int y = auth_permits(a, "u", AUTH_READ, AUTH_SUBJECT, "y-1");
		if (!who || x == y)
			r->wrong++;
		auth_unref(a);
	}
	return NULL;
}

static void test_threads(void)
{
	char path[512];
	snprintf(path, sizeof path, "%s/auth.json", tmpdir);
	put_auth("x-.*");
	struct sg_error err;
	error_clear(&err);
	struct auth_watch *w = auth_watch_open(path, &err);
	if (!tap_ok(w != NULL, "threads: the watch opens"))
		return;
	struct reader r[4];
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		r[i] = (struct reader){w, 0};
		pthread_create(&t[i], NULL, reader_main, &r[i]);
	}
	int failed = 0;
	for (int i = 0; i < 20; i++) {
		put_auth(i % 2 ? "x-.*" : "y-.*");
		failed += auth_watch_reload(w, &err) != 0;
	}
	int wrong = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		wrong += r[i].wrong;
	}
	tap_is_int(failed, 0, "threads: 20 reloads");
	tap_is_int(wrong, 0, "threads: 1600 requests each saw one whole file");
	auth_watch_close(w);
	unlink(path);
}

int main(void)
{
	const char *src = getenv("SG_SRCDIR");
	snprintf(cases, sizeof cases, "%s/tests/cases/auth", src ? src : ".");
	snprintf(tmpdir, sizeof tmpdir, "%s/sg-test-auth-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir))
		return tap_skip_all("cannot make a temporary directory");

	struct auth *a = load_cases_file();
	if (a) {
		test_permissions(a);
		test_passwords(a);
		test_warnings(a);
		test_hashing(a);
	}
	auth_unref(a);
	test_invalid();
	test_limits();
	test_watch();
	test_threads();
	rmdir(tmpdir);
	return tap_done();
}
