/* registry/auth.h: who may use the registry, and for what.
 *
 * An auth file is JSON in the shape of Karapace's `registry_authfile`, so a
 * Karapace user can bring theirs:
 *
 *     {
 *       "users": [
 *         {"username": "ci", "algorithm": "scrypt", "salt": "k2Ngq7yQ3tXyYxZ1lRr0aA",
 *          "password_hash": "<base64>"}
 *       ],
 *       "permissions": [
 *         {"username": "ci", "operation": "Write", "resource": "Subject:orders-.*"},
 *         {"username": "ci", "operation": "Read", "resource": "Config:"},
 *         {"username": "CN=ops,O=Example", "operation": "Admin", "resource": "Mode:"}
 *       ]
 *     }
 *
 * "users" may be absent (client certificates only); "permissions" is
 * required. Every member of every entry is required and nothing else may
 * appear, so a typo never silently weakens a rule.
 *
 * Passwords. A users entry holds the hash of its password under "algorithm",
 * computed over the password's bytes with the bytes of "salt" (the string as
 * written, not decoded), and "password_hash" is the standard base64 (with
 * padding) of the result, exactly as Karapace computes it:
 *   scrypt         scrypt, N=16384, r=8, p=1, 64 bytes. What `schemagate passwd`
 *                  writes, with a random salt (16 bytes, base64url).
 *   sha1, sha256,  PBKDF2-HMAC-SHA1/-SHA256/-SHA512, 5000 iterations, the
 *   sha512         digest's length. Accepted so Karapace files keep working,
 *                  with a warning: they are fast to brute-force.
 *
 * Principals. A principal is a users entry's username (HTTP Basic) or the
 * subject DN of a verified client certificate, in RFC 4514 form as GnuTLS
 * prints it (see registry/http.h: "CN=ops,O=Example", most specific first,
 * no spaces after commas). A certificate principal appears in "permissions"
 * only: it has no users entry and no password.
 *
 * Permissions. "operation" is "Read", "Write" or "Admin"; each implies the
 * ones before it (Admin implies Write, which implies Read). "resource" is one
 * of
 *   Subject:<regex>  the subjects whose WHOLE name matches the PCRE2 pattern
 *                    (anchored at both ends: "Subject:orders.*" grants
 *                    "orders-value" but not "xorders"; "Subject:orders" only
 *                    "orders"). Compiled once, at load.
 *   Config:          the global compatibility configuration.
 *   Mode:            the global mode.
 * Read lets a principal see; Write lets it register and soft-delete; Admin is
 * for what changes the registry for everyone: compatibility configuration and
 * mode changes, hard deletes and imports (registering with a given id).
 * Where this differs from Karapace: Karapace matches "resource" as one regex
 * over "Subject:<name>" anchored at the start only (its "Subject:orders"
 * also grants "orders-value", its ".*" grants everything); here the pattern
 * covers the subject name and must match all of it, and a resource must name
 * its kind, so ".*" is refused with a hint. Karapace has no Admin: its Write
 * on Config: changes the global config, which here needs Admin (Write on
 * Config: or Mode: is accepted with a warning, and reads only).
 *
 * Errors name the file, the entry and what is wrong:
 *   "auth.json:3:14: <JSON syntax error>"
 *   "auth.json: users[1] (alice): unknown algorithm \"md5\" (known: ...)"
 *   "auth.json: permissions[4] (ci): resource \"Subject:(\": bad regex at 1: ..."
 *
 * Ownership and threads: a struct auth is immutable once loaded (apart from
 * an internal cache of verified passwords, under its own lock) and reference
 * counted; every function below may be called from any thread at once.
 * Strings returned are borrowed and live as long as the caller's reference.
 * Reloading means loading a new one and swapping it in (struct auth_watch);
 * the old one is freed when its last user lets go.
 */
#ifndef SG_AUTH_H
#define SG_AUTH_H

#include <stddef.h>

#include "compat/error.h"

/* Largest auth file read, in bytes. */
#define AUTH_FILE_MAX (1u << 20)
/* Longest username, subject DN or password accepted, in bytes. */
#define AUTH_NAME_MAX     1024
#define AUTH_PASSWORD_MAX 1024

/* Ordered: each operation implies the ones below it. */
enum auth_op { AUTH_READ = 1, AUTH_WRITE = 2, AUTH_ADMIN = 3 };

enum auth_resource { AUTH_SUBJECT, AUTH_CONFIG, AUTH_MODE };

struct auth;

/* Parses the `len` bytes at `text`; `origin` names them in errors (a file
 * name). Returns a new reference, or NULL with `err` set: SG_EBAD_REQUEST for
 * a bad file, SG_ELIMIT past AUTH_FILE_MAX, SG_ENOMEM. */
struct auth *auth_parse(const char *text, size_t len, const char *origin, struct sg_error *err);
/* Reads and parses the file at `path` (SG_EIO when it cannot be read). */
struct auth *auth_load(const char *path, struct sg_error *err);

struct auth *auth_ref(struct auth *a);
/* Accepts NULL. */
void auth_unref(struct auth *a);

/* What was loaded, for the log line. */
size_t auth_user_count(const struct auth *a);
size_t auth_permission_count(const struct auth *a);
/* What loaded but deserves a word: weak password algorithms, Write on
 * Config: or Mode:, a permission whose username is in no users entry and is
 * no DN. Each is one sentence naming the file and the entry. */
size_t auth_warning_count(const struct auth *a);
const char *auth_warning(const struct auth *a, size_t i);

/* HTTP Basic: the principal (the users entry's username, borrowed from `a`)
 * when `password` is that user's, else NULL. Compares in constant time; an
 * unknown user costs as much as a wrong password, so timing does not tell
 * which users exist. Blocks for the hash (scrypt: tens of milliseconds) the
 * first time; a success is remembered (keyed HMAC of user and password, in
 * memory only) so the next request of the same client is cheap. */
const char *auth_authenticate_basic(struct auth *a, const char *user, const char *password);

/* 1 when `principal` may do `op` on the resource: `subject` names it for
 * AUTH_SUBJECT and is ignored otherwise. 0 otherwise, and for a NULL
 * principal or subject. A subject that is not valid UTF-8, or whose match
 * hits PCRE2's limits, is refused. */
int auth_permits(const struct auth *a, const char *principal, enum auth_op op,
                 enum auth_resource res, const char *subject);

/* Filtering a list of subjects (GET /subjects, GET /schemas...): the
 * principal's permissions are looked up once, then each subject costs its
 * regex matches only. auth_filter_new() returns NULL when out of memory;
 * auth_filter_subject() on NULL refuses everything (fails closed). A filter
 * is used by one thread at a time, and while the caller holds `a`. */
struct auth_filter;
struct auth_filter *auth_filter_new(const struct auth *a, const char *principal, enum auth_op op);
int auth_filter_subject(struct auth_filter *f, const char *subject);
void auth_filter_free(struct auth_filter *f);

/* `schemagate passwd`: a new random salt (16 random bytes, base64url without
 * padding, as Karapace's) into `out`, which holds at least 32 bytes. Returns
 * 0, or -1 with `err` set when the random generator fails. */
int auth_new_salt(char *out, size_t outsz, struct sg_error *err);
/* The "password_hash" of `password` with `salt` under `algorithm` ("scrypt",
 * "sha1", "sha256", "sha512"), base64, into `out` (at least 96 bytes).
 * Returns 0, or -1 with `err` set. */
int auth_hash_password(const char *algorithm, const char *salt, const char *password, char *out,
                       size_t outsz, struct sg_error *err);

/* An auth file kept current: the file as last loaded well, reloaded when it
 * changes (its size, modification time, inode or device: checked with one
 * stat() at most once a second, by whichever request comes first) and on
 * demand (SIGHUP). A file that fails to load leaves the previous one in force,
 * and the reason is logged to stderr once per change of the file. */
struct auth_watch;

/* Loads `path`; returns NULL with `err` set when it does not load. Logs
 * "schemagate: auth: PATH: N users, M permissions" and any warnings. */
struct auth_watch *auth_watch_open(const char *path, struct sg_error *err);
/* The current auth, a new reference (auth_unref() it after the request). */
struct auth *auth_watch_get(struct auth_watch *w);
/* Loads the file again now, whether or not it changed (SIGHUP). Returns 0,
 * or -1 with `err` set and the previous auth kept. Logs either way. */
int auth_watch_reload(struct auth_watch *w, struct sg_error *err);
/* Accepts NULL. Requests still holding an auth keep it until they let go. */
void auth_watch_close(struct auth_watch *w);

#endif
