/* registry/auth.c: the auth file, password checks, permissions and the
 * watched file (see auth.h).
 *
 * Users and permissions are sorted by name once loaded, so a request finds
 * its principal with a binary search; a principal's permissions are one
 * array, the subject patterns compiled (and JIT-compiled when PCRE2 can).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "registry/auth.h"

#include <errno.h>
#include <jansson.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "common/readfile.h"

/* Karapace's parameters (karapace/auth.py, hash_password). */
#define AUTH_PBKDF2_ITERATIONS 5000
#define AUTH_SCRYPT_N          16384
#define AUTH_SCRYPT_R          8
#define AUTH_SCRYPT_P          1
#define AUTH_SCRYPT_MAXMEM     (64u << 20)
#define AUTH_HASH_MAX          64
#define AUTH_SALT_BYTES        16

/* A subject name is short; a sane pattern needs far less than this, a
 * pathological one stops (and refuses) instead of spinning. */
#define AUTH_MATCH_LIMIT 100000
#define AUTH_DEPTH_LIMIT 1000

/* Verified passwords remembered per loaded file. */
#define AUTH_CACHE_SLOTS 64

enum auth_algo { AUTH_ALGO_SCRYPT, AUTH_ALGO_SHA1, AUTH_ALGO_SHA256, AUTH_ALGO_SHA512 };

static const struct {
	const char *name;
	size_t len; /* bytes of the hash */
	int weak;
} auth_algos[] = {
    [AUTH_ALGO_SCRYPT] = {"scrypt", 64, 0},
    [AUTH_ALGO_SHA1] = {"sha1", 20, 1},
    [AUTH_ALGO_SHA256] = {"sha256", 32, 1},
    [AUTH_ALGO_SHA512] = {"sha512", 64, 1},
};
#define AUTH_NALGOS (sizeof auth_algos / sizeof auth_algos[0])

struct auth_user {
	char *name;
	size_t index; /* in "users", for errors */
	int algo;
	char *salt;
	size_t saltlen;
	unsigned char hash[AUTH_HASH_MAX];
};

struct auth_rule {
	enum auth_op op;
	enum auth_resource res;
	pcre2_code *re; /* AUTH_SUBJECT only */
};

/* One principal's permissions. */
struct auth_acl {
	char *name;
	struct auth_rule *rules;
	size_t n;
};

struct auth_cache_slot {
	const struct auth_user *user; /* NULL: empty */
	unsigned char tag[32];        /* HMAC-SHA256(cache_key, user NUL password) */
};

struct auth {
	atomic_uint refs;
	struct auth_user *users; /* sorted by name */
	size_t nusers;
	struct auth_acl *acls; /* sorted by name */
	size_t nacls;
	size_t npermissions;
	char **warnings;
	size_t nwarnings;
	pcre2_match_context *mctx;
	/* An unknown user's password is hashed against this, so it costs the same. */
	struct auth_user nobody;

	pthread_mutex_t cache_lock;
	unsigned char cache_key[32];
	struct auth_cache_slot cache[AUTH_CACHE_SLOTS];
	size_t cache_next;
};

/* ---- hashing ------------------------------------------------------------ */

/* Hashes `pw` with `salt` under `algo` into `out` (auth_algos[algo].len
 * bytes). Returns 0, or -1 when the library fails (out of memory). */
static int auth_hash(int algo, const char *salt, size_t saltlen, const char *pw, size_t pwlen,
                     unsigned char *out)
{
	const unsigned char *s = (const unsigned char *)salt;
	size_t len = auth_algos[algo].len;
	if (algo == AUTH_ALGO_SCRYPT)
		return EVP_PBE_scrypt(pw, pwlen, s, saltlen, AUTH_SCRYPT_N, AUTH_SCRYPT_R,
		                      AUTH_SCRYPT_P, AUTH_SCRYPT_MAXMEM, out, len) == 1
		           ? 0
		           : -1;
	const EVP_MD *md = algo == AUTH_ALGO_SHA1     ? EVP_sha1()
	                   : algo == AUTH_ALGO_SHA256 ? EVP_sha256()
	                                              : EVP_sha512();
	return PKCS5_PBKDF2_HMAC(pw, (int)pwlen, s, (int)saltlen, AUTH_PBKDF2_ITERATIONS, md,
	                         (int)len, out) == 1
	           ? 0
	           : -1;
}

static int auth_algo_find(const char *name)
{
	for (size_t i = 0; i < AUTH_NALGOS; i++)
		if (strcmp(auth_algos[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int auth_b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* Decodes standard base64 with padding into exactly `want` bytes. Returns 0,
 * or -1 when `s` is not that. */
static int auth_b64_decode_exact(const char *s, unsigned char *out, size_t want)
{
	size_t n = strlen(s);
	unsigned char buf[3 * (AUTH_HASH_MAX / 3 + 1)];
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof buf)
		return -1;
	size_t pad = s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
	for (size_t i = 0; i < n - pad; i++)
		if (!auth_b64_char((unsigned char)s[i]))
			return -1;
	int got = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
	if (got < 0 || (size_t)got - pad != want)
		return -1;
	memcpy(out, buf, want);
	return 0;
}

int auth_new_salt(char *out, size_t outsz, struct sg_error *err)
{
	unsigned char raw[AUTH_SALT_BYTES];
	unsigned char b64[4 * (AUTH_SALT_BYTES / 3 + 1) + 1];
	if (outsz < sizeof b64)
		return error_set(err, SG_EINTERNAL, "salt buffer too small");
	if (RAND_bytes(raw, sizeof raw) != 1)
		return error_set(err, SG_EINTERNAL, "the random generator failed");
	int n = EVP_EncodeBlock(b64, raw, sizeof raw);
	size_t o = 0;
	for (int i = 0; i < n && b64[i] != '='; i++)
		out[o++] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char)b64[i];
	out[o] = '\0';
	OPENSSL_cleanse(raw, sizeof raw);
	return 0;
}

int auth_hash_password(const char *algorithm, const char *salt, const char *password, char *out,
                       size_t outsz, struct sg_error *err)
{
	int algo = auth_algo_find(algorithm);
	if (algo < 0)
		return error_set(err, SG_EBAD_REQUEST, "unknown algorithm \"%s\"", algorithm);
	size_t len = auth_algos[algo].len;
	if (outsz < 4 * ((len + 2) / 3) + 1)
		return error_set(err, SG_EINTERNAL, "hash buffer too small");
	unsigned char h[AUTH_HASH_MAX];
	if (auth_hash(algo, salt, strlen(salt), password, strlen(password), h) < 0)
		return error_set(err, SG_ENOMEM, "%s failed (out of memory?)", algorithm);
	EVP_EncodeBlock((unsigned char *)out, h, (int)len);
	OPENSSL_cleanse(h, sizeof h);
	return 0;
}

/* ---- the loaded file ---------------------------------------------------- */

static void auth_free(struct auth *a)
{
	for (size_t i = 0; i < a->nusers; i++) {
		free(a->users[i].name);
		free(a->users[i].salt);
	}
	free(a->users);
	for (size_t i = 0; i < a->nacls; i++) {
		for (size_t j = 0; j < a->acls[i].n; j++)
			pcre2_code_free(a->acls[i].rules[j].re);
		free(a->acls[i].rules);
		free(a->acls[i].name);
	}
	free(a->acls);
	for (size_t i = 0; i < a->nwarnings; i++)
		free(a->warnings[i]);
	free(a->warnings);
	pcre2_match_context_free(a->mctx);
	pthread_mutex_destroy(&a->cache_lock);
	OPENSSL_cleanse(a->cache, sizeof a->cache);
	OPENSSL_cleanse(a->cache_key, sizeof a->cache_key);
	free(a);
}

static struct auth *auth_alloc(void)
{
	struct auth *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	atomic_init(&a->refs, 1);
	pthread_mutex_init(&a->cache_lock, NULL);
	a->nobody.algo = AUTH_ALGO_SCRYPT;
	a->nobody.salt = NULL;
	a->mctx = pcre2_match_context_create(NULL);
	if (!a->mctx || RAND_bytes(a->cache_key, sizeof a->cache_key) != 1) {
		auth_free(a);
		return NULL;
	}
	pcre2_set_match_limit(a->mctx, AUTH_MATCH_LIMIT);
	pcre2_set_depth_limit(a->mctx, AUTH_DEPTH_LIMIT);
	return a;
}

struct auth *auth_ref(struct auth *a)
{
	if (a)
		atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
	return a;
}

void auth_unref(struct auth *a)
{
	if (a && atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) == 1)
		auth_free(a);
}

size_t auth_user_count(const struct auth *a)
{
	return a->nusers;
}

size_t auth_permission_count(const struct auth *a)
{
	return a->npermissions;
}

size_t auth_warning_count(const struct auth *a)
{
	return a->nwarnings;
}

const char *auth_warning(const struct auth *a, size_t i)
{
	return i < a->nwarnings ? a->warnings[i] : NULL;
}

/* A permission before grouping by principal. */
struct auth_perm {
	const char *name; /* borrowed from the JSON document */
	struct auth_rule rule;
};

/* Parsing state: where errors go and what is being built. */
struct auth_ctx {
	struct auth *a;
	const char *origin;
	struct sg_error *err;
	struct auth_perm *perms;
	size_t nperms;
	char where[160]; /* "users[1] (alice)" */
};

__attribute__((format(printf, 2, 3))) static int auth_fail(struct auth_ctx *c, const char *fmt, ...)
{
	char msg[SG_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return error_set(c->err, SG_EBAD_REQUEST, "%s: %s: %s", c->origin, c->where, msg);
}

static int auth_nomem(struct auth_ctx *c)
{
	return error_set(c->err, SG_ENOMEM, "%s: out of memory", c->origin);
}

__attribute__((format(printf, 2, 3))) static int auth_warn(struct auth_ctx *c, const char *fmt, ...)
{
	char msg[SG_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char **w = realloc(c->a->warnings, (c->a->nwarnings + 1) * sizeof *w);
	if (!w)
		return auth_nomem(c);
	c->a->warnings = w;
	size_t need = strlen(c->origin) + strlen(c->where) + strlen(msg) + 5;
	char *s = malloc(need);
	if (!s)
		return auth_nomem(c);
	snprintf(s, need, "%s: %s: %s", c->origin, c->where, msg);
	w[c->a->nwarnings++] = s;
	return 0;
}

/* Checks that object `o` has only the members in `known` (NULL-terminated)
 * and that each is there. */
static int auth_members(struct auth_ctx *c, json_t *o, const char *const *known)
{
	if (!json_is_object(o))
		return auth_fail(c, "must be an object");
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		size_t i = 0;
		while (known[i] && strcmp(known[i], key) != 0)
			i++;
		if (!known[i]) {
			char list[160] = "";
			for (size_t k = 0, at = 0; known[k] && at < sizeof list; k++)
				at += (size_t)snprintf(list + at, sizeof list - at, "%s%s",
				                       k ? ", " : "", known[k]);
			return auth_fail(c, "unknown member \"%.100s\" (known: %s)", key, list);
		}
	}
	for (size_t i = 0; known[i]; i++)
		if (!json_object_get(o, known[i]))
			return auth_fail(c, "\"%s\" is missing", known[i]);
	return 0;
}

/* The string member `key` of `o`, non-empty and at most `max` bytes. */
static const char *auth_string(struct auth_ctx *c, json_t *o, const char *key, size_t max)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v)) {
		auth_fail(c, "\"%s\" must be a string", key);
		return NULL;
	}
	size_t n = json_string_length(v);
	if (n == 0 || n > max) {
		auth_fail(c, "\"%s\" must hold 1 to %zu bytes", key, max);
		return NULL;
	}
	return json_string_value(v);
}

/* Names entry `i` of `list` for errors: "users[1] (alice)", or "users[1]"
 * while its username is unknown. */
static void auth_where(struct auth_ctx *c, const char *list, size_t i, json_t *o)
{
	const char *name = json_string_value(json_object_get(o, "username"));
	if (name && *name)
		snprintf(c->where, sizeof c->where, "%s[%zu] (%.100s)", list, i, name);
	else
		snprintf(c->where, sizeof c->where, "%s[%zu]", list, i);
}

/* Checks the members of entry `i` of `list` against `members`; returns its
 * username, or NULL after an error. */
static const char *auth_entry(struct auth_ctx *c, const char *list, size_t i, json_t *o,
                              const char *const *members)
{
	auth_where(c, list, i, o);
	if (auth_members(c, o, members) < 0)
		return NULL;
	return auth_string(c, o, "username", AUTH_NAME_MAX);
}

static int auth_user_cmp(const void *x, const void *y)
{
	return strcmp(((const struct auth_user *)x)->name, ((const struct auth_user *)y)->name);
}

static int auth_perm_cmp(const void *x, const void *y)
{
	return strcmp(((const struct auth_perm *)x)->name, ((const struct auth_perm *)y)->name);
}

static const struct auth_user *auth_find_user(const struct auth *a, const char *name)
{
	struct auth_user key = {.name = (char *)name};
	return bsearch(&key, a->users, a->nusers, sizeof key, auth_user_cmp);
}

static int auth_acl_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct auth_acl *)elem)->name);
}

static const struct auth_acl *auth_find_acl(const struct auth *a, const char *name)
{
	return bsearch(name, a->acls, a->nacls, sizeof *a->acls, auth_acl_cmp);
}

static const char *const auth_user_members[] = {"username", "algorithm", "salt", "password_hash",
                                                NULL};

static int auth_parse_user(struct auth_ctx *c, size_t i, json_t *o)
{
	struct auth *a = c->a;
	const char *name = auth_entry(c, "users", i, o, auth_user_members);
	if (!name)
		return -1;
	const char *alg = auth_string(c, o, "algorithm", 64);
	const char *salt = alg ? auth_string(c, o, "salt", AUTH_NAME_MAX) : NULL;
	const char *hash = salt ? auth_string(c, o, "password_hash", 256) : NULL;
	if (!hash)
		return -1;
	int algo = auth_algo_find(alg);
	if (algo < 0)
		return auth_fail(c,
		                 "unknown algorithm \"%.64s\" (known: \"scrypt\", \"sha1\", "
		                 "\"sha256\", \"sha512\")",
		                 alg);
	struct auth_user *u = &a->users[a->nusers];
	if (auth_b64_decode_exact(hash, u->hash, auth_algos[algo].len) < 0)
		return auth_fail(c, "\"password_hash\" is not the base64 of a %zu-byte %s hash",
		                 auth_algos[algo].len, auth_algos[algo].name);
	u->index = i;
	u->algo = algo;
	u->saltlen = strlen(salt);
	u->name = strdup(name);
	u->salt = strdup(salt);
	a->nusers++;
	if (!u->name || !u->salt)
		return auth_nomem(c);
	if (auth_algos[algo].weak)
		return auth_warn(c,
		                 "algorithm \"%s\" is PBKDF2 with %d iterations (Karapace's), fast "
		                 "to brute-force; replace the entry with the output of "
		                 "'schemagate passwd %.100s'",
		                 auth_algos[algo].name, AUTH_PBKDF2_ITERATIONS, name);
	return 0;
}

static const char *const auth_perm_members[] = {"username", "operation", "resource", NULL};
static const char *const auth_op_names[] = {
    [AUTH_READ] = "Read", [AUTH_WRITE] = "Write", [AUTH_ADMIN] = "Admin"};

/* Compiles the subject pattern of `resource` (after "Subject:"). */
static int auth_compile(struct auth_ctx *c, const char *resource, const char *pat, pcre2_code **out)
{
	int ecode;
	PCRE2_SIZE eoff;
	*out =
	    pcre2_compile((PCRE2_SPTR)pat, strlen(pat),
	                  PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C,
	                  &ecode, &eoff, NULL);
	if (!*out) {
		if (ecode == PCRE2_ERROR_HEAP_FAILED)
			return auth_nomem(c);
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ecode, msg, sizeof msg);
		return auth_fail(c, "resource \"%.100s\": bad regex at offset %zu: %s", resource,
		                 (size_t)eoff, (const char *)msg);
	}
	/* Without JIT (not built, or no executable memory) matching is slower,
	 * not different. */
	pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE);
	return 0;
}

static int auth_parse_permission(struct auth_ctx *c, size_t i, json_t *o)
{
	const char *name = auth_entry(c, "permissions", i, o, auth_perm_members);
	if (!name)
		return -1;
	const char *op = auth_string(c, o, "operation", 64);
	const char *res = op ? auth_string(c, o, "resource", AUTH_FILE_MAX) : NULL;
	if (!res)
		return -1;
	struct auth_perm *p = &c->perms[c->nperms];
	p->name = name;
	for (int k = AUTH_READ; k <= AUTH_ADMIN; k++)
		if (strcmp(op, auth_op_names[k]) == 0)
			p->rule.op = (enum auth_op)k;
	if (!p->rule.op)
		return auth_fail(
		    c, "unknown operation \"%.64s\" (known: \"Read\", \"Write\", \"Admin\")", op);
	if (strcmp(res, "Config:") == 0) {
		p->rule.res = AUTH_CONFIG;
	} else if (strcmp(res, "Mode:") == 0) {
		p->rule.res = AUTH_MODE;
	} else if (strncmp(res, "Subject:", 8) == 0) {
		if (res[8] == '\0')
			return auth_fail(c, "resource \"Subject:\" needs a pattern (\"Subject:.*\" "
			                    "for every subject)");
		p->rule.res = AUTH_SUBJECT;
		if (auth_compile(c, res, res + 8, &p->rule.re) < 0)
			return -1;
	} else {
		return auth_fail(c,
		                 "unknown resource \"%.100s\" (known: \"Subject:<regex>\", "
		                 "\"Config:\", \"Mode:\"; a Karapace pattern over the whole "
		                 "resource, such as \".*\", becomes one entry per kind)",
		                 res);
	}
	c->nperms++;
	if (p->rule.op == AUTH_WRITE && p->rule.res != AUTH_SUBJECT &&
	    auth_warn(c, "Write on %s grants reading only: changing it needs Admin", res) < 0)
		return -1;
	if (!auth_find_user(c->a, name) && !strchr(name, '=') &&
	    auth_warn(c,
	              "\"%.100s\" is in no users entry and is no certificate DN: nobody can "
	              "use this permission",
	              name) < 0)
		return -1;
	return 0;
}

/* Groups the parsed permissions by principal. */
static int auth_group(struct auth_ctx *c)
{
	struct auth *a = c->a;
	qsort(c->perms, c->nperms, sizeof *c->perms, auth_perm_cmp);
	a->acls = calloc(c->nperms ? c->nperms : 1, sizeof *a->acls);
	if (!a->acls)
		return auth_nomem(c);
	for (size_t i = 0; i < c->nperms;) {
		size_t j = i;
		while (j < c->nperms && strcmp(c->perms[j].name, c->perms[i].name) == 0)
			j++;
		struct auth_acl *acl = &a->acls[a->nacls++];
		acl->name = strdup(c->perms[i].name);
		acl->rules = malloc((j - i) * sizeof *acl->rules);
		if (!acl->name || !acl->rules)
			return auth_nomem(c);
		for (; i < j; i++) {
			acl->rules[acl->n++] = c->perms[i].rule;
			c->perms[i].rule.re = NULL; /* now the acl's */
		}
	}
	a->npermissions = c->nperms;
	return 0;
}

static int auth_parse_root(struct auth_ctx *c, json_t *root)
{
	struct auth *a = c->a;
	snprintf(c->where, sizeof c->where, "top level");
	if (!json_is_object(root))
		return auth_fail(c, "must be an object with \"users\" and \"permissions\"");
	const char *key;
	json_t *v;
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "users") != 0 && strcmp(key, "permissions") != 0)
			return auth_fail(c, "unknown member \"%.100s\" (known: users, permissions)",
			                 key);
	}
	json_t *users = json_object_get(root, "users");
	json_t *perms = json_object_get(root, "permissions");
	if (users && !json_is_array(users))
		return auth_fail(c, "\"users\" must be an array");
	if (!json_is_array(perms))
		return auth_fail(c, "\"permissions\" must be an array%s",
		                 perms ? "" : " (it is missing)");

	size_t nu = json_array_size(users);
	a->users = calloc(nu ? nu : 1, sizeof *a->users);
	if (!a->users)
		return auth_nomem(c);
	for (size_t i = 0; i < nu; i++)
		if (auth_parse_user(c, i, json_array_get(users, i)) < 0)
			return -1;
	qsort(a->users, a->nusers, sizeof *a->users, auth_user_cmp);
	for (size_t i = 1; i < a->nusers; i++) {
		const struct auth_user *x = &a->users[i - 1], *y = &a->users[i];
		if (strcmp(x->name, y->name) == 0) {
			size_t first = x->index < y->index ? x->index : y->index;
			size_t again = x->index < y->index ? y->index : x->index;
			snprintf(c->where, sizeof c->where, "users[%zu] (%.100s)", again, y->name);
			return auth_fail(c, "the same username as users[%zu]", first);
		}
	}

	size_t np = json_array_size(perms);
	c->perms = calloc(np ? np : 1, sizeof *c->perms);
	if (!c->perms)
		return auth_nomem(c);
	for (size_t i = 0; i < np; i++)
		if (auth_parse_permission(c, i, json_array_get(perms, i)) < 0)
			return -1;
	return auth_group(c);
}

struct auth *auth_parse(const char *text, size_t len, const char *origin, struct sg_error *err)
{
	struct auth_ctx c = {.origin = origin ? origin : "auth file", .err = err};
	json_error_t je;
	json_t *root = NULL;
	if (len > AUTH_FILE_MAX)
		error_set(err, SG_ELIMIT, "%s: larger than %u bytes", c.origin, AUTH_FILE_MAX);
	else if (!(root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)))
		error_set(err, SG_EBAD_REQUEST, "%s:%d:%d: %s", c.origin, je.line, je.column,
		          je.text);
	else if (!(c.a = auth_alloc()))
		auth_nomem(&c);
	else if (auth_parse_root(&c, root) < 0) {
		auth_free(c.a);
		c.a = NULL;
	}
	/* Patterns not yet moved into the auth (a failure halfway). */
	for (size_t i = 0; i < c.nperms; i++)
		pcre2_code_free(c.perms[i].rule.re);
	free(c.perms);
	json_decref(root);
	return c.a;
}

struct auth *auth_load(const char *path, struct sg_error *err)
{
	size_t len;
	char *text = readfile(path, AUTH_FILE_MAX, &len, err);
	struct auth *a = text ? auth_parse(text, len, path, err) : NULL;
	free(text);
	return a;
}

/* ---- authentication ----------------------------------------------------- */

/* The cache tag of (user, password); 0, or -1 when HMAC fails. */
static int auth_cache_tag(const struct auth *a, const char *user, size_t ulen, const char *pw,
                          size_t pwlen, unsigned char tag[32])
{
	unsigned char msg[AUTH_NAME_MAX + 1 + AUTH_PASSWORD_MAX];
	memcpy(msg, user, ulen);
	msg[ulen] = '\0';
	memcpy(msg + ulen + 1, pw, pwlen);
	unsigned int tlen = 32;
	unsigned char *ok = HMAC(EVP_sha256(), a->cache_key, sizeof a->cache_key, msg,
	                         ulen + 1 + pwlen, tag, &tlen);
	OPENSSL_cleanse(msg, ulen + 1 + pwlen);
	return ok && tlen == 32 ? 0 : -1;
}

const char *auth_authenticate_basic(struct auth *a, const char *user, const char *password)
{
	if (!a || !user || !password)
		return NULL;
	size_t ulen = strlen(user), pwlen = strlen(password);
	if (ulen > AUTH_NAME_MAX || pwlen > AUTH_PASSWORD_MAX)
		return NULL;
	const struct auth_user *u = auth_find_user(a, user);
	unsigned char tag[32];
	int tagged = u && auth_cache_tag(a, user, ulen, password, pwlen, tag) == 0;
	if (tagged) {
		int hit = 0;
		pthread_mutex_lock(&a->cache_lock);
		for (size_t i = 0; i < AUTH_CACHE_SLOTS && !hit; i++)
			hit = a->cache[i].user == u && CRYPTO_memcmp(a->cache[i].tag, tag, 32) == 0;
		pthread_mutex_unlock(&a->cache_lock);
		if (hit)
			return u->name;
	}

	const struct auth_user *against = u ? u : &a->nobody;
	const char *salt = against->salt ? against->salt : "schemagate: no such user";
	unsigned char h[AUTH_HASH_MAX];
	int ok = auth_hash(against->algo, salt, strlen(salt), password, pwlen, h) == 0 && u &&
	         CRYPTO_memcmp(h, u->hash, auth_algos[u->algo].len) == 0;
	OPENSSL_cleanse(h, sizeof h);
	if (!ok)
		return NULL;
	if (tagged) {
		pthread_mutex_lock(&a->cache_lock);
		struct auth_cache_slot *s = &a->cache[a->cache_next++ % AUTH_CACHE_SLOTS];
		s->user = u;
		memcpy(s->tag, tag, sizeof tag);
		pthread_mutex_unlock(&a->cache_lock);
	}
	return u->name;
}

/* ---- authorization ------------------------------------------------------ */

/* Whether `acl` grants `op` on the resource. `*md` is PCRE2's match data,
 * made on first need and left to the caller to free. */
static int auth_acl_permits(const struct auth *a, const struct auth_acl *acl, enum auth_op op,
                            enum auth_resource res, const char *subject, pcre2_match_data **md)
{
	size_t n = subject ? strlen(subject) : 0;
	for (size_t i = 0; i < acl->n; i++) {
		const struct auth_rule *r = &acl->rules[i];
		if (r->op < op || r->res != res)
			continue;
		if (res != AUTH_SUBJECT)
			return 1;
		if (!subject)
			return 0;
		if (!*md && !(*md = pcre2_match_data_create(1, NULL)))
			return 0;
		if (pcre2_match(r->re, (PCRE2_SPTR)subject, n, 0, 0, *md, a->mctx) >= 0)
			return 1;
	}
	return 0;
}

int auth_permits(const struct auth *a, const char *principal, enum auth_op op,
                 enum auth_resource res, const char *subject)
{
	if (!a || !principal)
		return 0;
	const struct auth_acl *acl = auth_find_acl(a, principal);
	if (!acl)
		return 0;
	pcre2_match_data *md = NULL;
	int ok = auth_acl_permits(a, acl, op, res, subject, &md);
	pcre2_match_data_free(md);
	return ok;
}

struct auth_filter {
	const struct auth *a;
	const struct auth_acl *acl; /* NULL: the principal has no permission */
	enum auth_op op;
	pcre2_match_data *md;
};

struct auth_filter *auth_filter_new(const struct auth *a, const char *principal, enum auth_op op)
{
	struct auth_filter *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->a = a;
	f->op = op;
	f->acl = a && principal ? auth_find_acl(a, principal) : NULL;
	if (f->acl && !(f->md = pcre2_match_data_create(1, NULL))) {
		free(f);
		return NULL;
	}
	return f;
}

int auth_filter_subject(struct auth_filter *f, const char *subject)
{
	if (!f || !f->acl)
		return 0;
	return auth_acl_permits(f->a, f->acl, f->op, AUTH_SUBJECT, subject, &f->md);
}

void auth_filter_free(struct auth_filter *f)
{
	if (!f)
		return;
	pcre2_match_data_free(f->md);
	free(f);
}

/* ---- the watched file --------------------------------------------------- */

/* What tells that the file changed. */
struct auth_stamp {
	int found;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct auth_watch {
	char *path;
	pthread_mutex_t lock; /* guards cur and stamp */
	struct auth *cur;
	struct auth_stamp stamp; /* of the file as last tried */
	atomic_llong checked;    /* CLOCK_MONOTONIC second of the last check */
};

static struct auth_stamp auth_stamp_of(const char *path)
{
	struct auth_stamp s = {0};
	struct stat st;
	if (stat(path, &st) == 0) {
		s.found = 1;
		s.dev = st.st_dev;
		s.ino = st.st_ino;
		s.size = st.st_size;
		s.mtime = st.st_mtim;
	}
	return s;
}

static int auth_stamp_same(const struct auth_stamp *x, const struct auth_stamp *y)
{
	return x->found == y->found && x->dev == y->dev && x->ino == y->ino && x->size == y->size &&
	       x->mtime.tv_sec == y->mtime.tv_sec && x->mtime.tv_nsec == y->mtime.tv_nsec;
}

/* `event` says why the file was read: "loaded", "changed", "SIGHUP". */
static void auth_log_loaded(const char *path, const struct auth *a, const char *event)
{
	fprintf(stderr, "schemagate: auth: %s: %zu user%s, %zu permission%s (%s)\n", path,
	        a->nusers, a->nusers == 1 ? "" : "s", a->npermissions,
	        a->npermissions == 1 ? "" : "s", event);
	for (size_t i = 0; i < a->nwarnings; i++)
		fprintf(stderr, "schemagate: auth: warning: %s\n", a->warnings[i]);
}

/* Loads the file and, when it loads, makes it current. */
static int auth_watch_load(struct auth_watch *w, const struct auth_stamp *stamp, const char *event,
                           struct sg_error *err)
{
	struct auth *a = auth_load(w->path, err);
	pthread_mutex_lock(&w->lock);
	w->stamp = *stamp;
	struct auth *old = a ? w->cur : NULL;
	if (a)
		w->cur = a;
	pthread_mutex_unlock(&w->lock);
	if (a)
		auth_log_loaded(w->path, a, event);
	else
		fprintf(stderr, "schemagate: auth: %s (%s); keeping the file as loaded before\n",
		        err && err->code ? err->msg : "does not load", event);
	auth_unref(old);
	return a ? 0 : -1;
}

static long long auth_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

struct auth_watch *auth_watch_open(const char *path, struct sg_error *err)
{
	struct auth_watch *w = calloc(1, sizeof *w);
	if (!w || !(w->path = strdup(path))) {
		free(w);
		error_set(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	atomic_init(&w->checked, auth_now());
	w->stamp = auth_stamp_of(path);
	w->cur = auth_load(path, err);
	if (!w->cur) {
		auth_watch_close(w);
		return NULL;
	}
	auth_log_loaded(path, w->cur, "loaded");
	return w;
}

struct auth *auth_watch_get(struct auth_watch *w)
{
	long long now = auth_now();
	long long last = atomic_load(&w->checked);
	if (now != last && atomic_compare_exchange_strong(&w->checked, &last, now)) {
		struct auth_stamp s = auth_stamp_of(w->path);
		pthread_mutex_lock(&w->lock);
		int same = auth_stamp_same(&s, &w->stamp);
		pthread_mutex_unlock(&w->lock);
		if (!same) {
			struct sg_error err;
			error_clear(&err);
			auth_watch_load(w, &s, "changed", &err);
		}
	}
	pthread_mutex_lock(&w->lock);
	struct auth *a = auth_ref(w->cur);
	pthread_mutex_unlock(&w->lock);
	return a;
}

int auth_watch_reload(struct auth_watch *w, struct sg_error *err)
{
	struct auth_stamp s = auth_stamp_of(w->path);
	return auth_watch_load(w, &s, "SIGHUP", err);
}

void auth_watch_close(struct auth_watch *w)
{
	if (!w)
		return;
	auth_unref(w->cur);
	pthread_mutex_destroy(&w->lock);
	free(w->path);
	free(w);
}
