/* registry/qsubject.c: Confluent's qualified subjects (registry/qsubject.h),
 * written from QualifiedSubject and ContextFilter of Confluent 8.1.
 */
#include "registry/qsubject.h"

#include <stdio.h>
#include <string.h>

void qsubject_parse(const char *name, struct qsubject *out)
{
	if (strncmp(name, ":.", 2) == 0) {
		const char *colon = strchr(name + 2, ':');
		out->context = name + 1;
		if (colon) {
			out->context_len = (size_t)(colon - (name + 1));
			out->subject = colon + 1;
		} else {
			out->context_len = strlen(name + 1);
			out->subject = name + strlen(name);
		}
	} else if (strncmp(name, QSUBJECT_WILDCARD, 3) == 0) {
		out->context = "*";
		out->context_len = 1;
		out->subject = name + 3;
	} else {
		out->context = QSUBJECT_DEFAULT_CONTEXT;
		out->context_len = 1;
		out->subject = name;
	}
}

int qsubject_is_default(const struct qsubject *q)
{
	return q->context_len == 1 && q->context[0] == '.';
}

int qsubject_names_default_context(const char *name)
{
	struct qsubject q;
	qsubject_parse(name, &q);
	return qsubject_is_default(&q) && !*q.subject;
}

int qsubject_valid(const char *name, int config_or_mode)
{
	/* Java's CharMatcher.javaIsoControl: U+0000..U+001F and U+007F..U+009F
	 * (in UTF-8, 0xC2 0x80..0x9F). */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 0;
	}
	struct qsubject q;
	qsubject_parse(name, &q);
	if (strcmp(q.subject, "__GLOBAL") == 0 || strcmp(q.subject, "__EMPTY") == 0)
		return 0;
	size_t glen = strlen(QSUBJECT_GLOBAL_CONTEXT);
	if (!config_or_mode && q.context_len == glen &&
	    memcmp(q.context, QSUBJECT_GLOBAL_CONTEXT, glen) == 0)
		return 0;
	return 1;
}

/* Appends `n` bytes of `s` at out[*len], keeping room for the NUL. */
static int qsubject_put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + n + 1 > cap)
		return -1;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* Writes the qualified form of context `ctx` (`n` bytes, with its dot) and
 * `subject`: "" for the default context, else ":ctx:". */
static int qsubject_write(const char *ctx, size_t n, const char *subject, char *out, size_t cap,
                          struct sg_error *err)
{
	size_t len = 0;
	if (cap)
		out[0] = '\0';
	int is_default = n == 1 && ctx[0] == '.';
	if ((!is_default && (qsubject_put(out, cap, &len, ":", 1) < 0 ||
	                     qsubject_put(out, cap, &len, ctx, n) < 0 ||
	                     qsubject_put(out, cap, &len, ":", 1) < 0)) ||
	    qsubject_put(out, cap, &len, subject, strlen(subject)) < 0)
		return error_set(err, SG_ENOMEM, "a qualified subject is too long");
	return (int)len;
}

int qsubject_normalize(const char *name, char *out, size_t cap, struct sg_error *err)
{
	struct qsubject q;
	qsubject_parse(name, &q);
	return qsubject_write(q.context, q.context_len, q.subject, out, cap, err);
}

int qsubject_context_prefix(const char *context, char *out, size_t cap, struct sg_error *err)
{
	const char *s = context;
	size_t n = strlen(s);
	if (n && s[0] == ':') {
		s++;
		n--;
	}
	if (n && s[n - 1] == ':')
		n--;
	if (memchr(s, ':', n))
		return error_set(err, SG_EBAD_REQUEST, "Context name cannot contain a colon");
	size_t len = 0;
	if (cap)
		out[0] = '\0';
	if (n == 0 || s[0] != '.') {
		/* "ctx" is ".ctx"; "" is "." */
		if (n == 0)
			return 0;
		if (qsubject_put(out, cap, &len, ":.", 2) < 0)
			goto toolong;
	} else if (n == 1) {
		return 0;
	} else if (qsubject_put(out, cap, &len, ":", 1) < 0) {
		goto toolong;
	}
	if (qsubject_put(out, cap, &len, s, n) < 0 || qsubject_put(out, cap, &len, ":", 1) < 0)
		goto toolong;
	return (int)len;
toolong:
	return error_set(err, SG_ENOMEM, "a context name is too long");
}

int qsubject_has_context(const char *name)
{
	return strncmp(name, ":.", 2) == 0 || strncmp(name, QSUBJECT_WILDCARD, 3) == 0;
}

int qsubject_context_of(const char *name, char *out, size_t cap, struct sg_error *err)
{
	struct qsubject q;
	qsubject_parse(name, &q);
	size_t len = 0;
	if (cap)
		out[0] = '\0';
	if (qsubject_put(out, cap, &len, q.context, q.context_len) < 0)
		return error_set(err, SG_ENOMEM, "a context name is too long");
	return (int)len;
}

int qsubject_resolve_ref(const char *parent, const char *ref, char *out, size_t cap,
                         struct sg_error *err)
{
	struct qsubject r, p;
	qsubject_parse(ref, &r);
	if (!qsubject_is_default(&r))
		return qsubject_write(r.context, r.context_len, r.subject, out, cap, err);
	qsubject_parse(parent, &p);
	if (qsubject_is_default(&p) || (p.context_len == 1 && p.context[0] == '*'))
		return qsubject_write(r.context, r.context_len, r.subject, out, cap, err);
	/* Confluent qualifies the reference as given, a ":.:" prefix included. */
	return qsubject_write(p.context, p.context_len, ref, out, cap, err);
}

int qsubject_prefix_matches(const char *prefix, const char *name)
{
	struct qsubject n;
	qsubject_parse(name, &n);
	if (strncmp(prefix, QSUBJECT_WILDCARD, 3) == 0) {
		const char *rest = prefix + 3;
		return strncmp(n.subject, rest, strlen(rest)) == 0;
	}
	const char *scan = qsubject_prefix_scan(prefix);
	if (scan == prefix && strncmp(prefix, ":.", 2) == 0)
		return strncmp(name, prefix, strlen(prefix)) == 0;
	return qsubject_is_default(&n) && strncmp(name, scan, strlen(scan)) == 0;
}

const char *qsubject_prefix_scan(const char *prefix)
{
	if (strncmp(prefix, QSUBJECT_WILDCARD, 3) == 0)
		return "";
	struct qsubject q;
	qsubject_parse(prefix, &q);
	/* ":.:p" is "p" of the default context */
	if (strncmp(prefix, ":.:", 3) == 0)
		return q.subject;
	return prefix;
}
