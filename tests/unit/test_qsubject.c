/* tests/unit/test_qsubject.c: registry/qsubject, from the cases in
 * tests/cases/qsubject/cases.txt (one "FUNCTION ARG [ARG2] => EXPECTED" a
 * line). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/qsubject.h"
#include "tests/tap.h"

/* Reads one space-separated field of *p into `out`: "" is the empty string,
 * "\t" a tab. Returns 0, or -1 when there is none. */
static int next_field(char **p, char *out, size_t cap)
{
	char *s = *p;
	while (*s == ' ')
		s++;
	if (!*s)
		return -1;
	size_t n = strcspn(s, " ");
	*p = s + n;
	if (n == 2 && s[0] == '"' && s[1] == '"') {
		out[0] = '\0';
		return 0;
	}
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == 't') {
			out[k++] = '\t';
			i++;
		} else {
			out[k++] = s[i];
		}
	}
	out[k] = '\0';
	return 0;
}

/* What FUNCTION answers for `a` (and `b`), written as the cases file
 * writes it. */
static void run(const char *fn, const char *a, const char *b, char *got, size_t cap)
{
	struct sg_error e = {0};
	char buf[256];
	int r = 0;
	if (strcmp(fn, "parse") == 0) {
		struct qsubject q;
		qsubject_parse(a, &q);
		snprintf(got, cap, "%.*s|%s", (int)q.context_len, q.context, q.subject);
		return;
	}
	if (strcmp(fn, "names-default") == 0) {
		snprintf(got, cap, "%d", qsubject_names_default_context(a));
		return;
	}
	if (strcmp(fn, "valid") == 0 || strcmp(fn, "valid-config") == 0) {
		snprintf(got, cap, "%d", qsubject_valid(a, strcmp(fn, "valid-config") == 0));
		return;
	}
	if (strcmp(fn, "prefix-scan") == 0) {
		snprintf(got, cap, "%s", qsubject_prefix_scan(a));
		return;
	}
	if (strcmp(fn, "prefix") == 0) {
		snprintf(got, cap, "%d", qsubject_prefix_matches(a, b));
		return;
	}
	if (strcmp(fn, "normalize") == 0)
		r = qsubject_normalize(a, buf, sizeof buf, &e);
	else if (strcmp(fn, "context-prefix") == 0)
		r = qsubject_context_prefix(a, buf, sizeof buf, &e);
	else if (strcmp(fn, "context-of") == 0)
		r = qsubject_context_of(a, buf, sizeof buf, &e);
	else if (strcmp(fn, "resolve-ref") == 0)
		r = qsubject_resolve_ref(a, b, buf, sizeof buf, &e);
	else
		r = error_set(&e, SG_EINTERNAL, "unknown function");
	if (r < 0)
		snprintf(got, cap, "!%s", e.msg);
	else
		snprintf(got, cap, "%s", buf);
}

int main(void)
{
	const char *src = getenv("SG_SRCDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/cases/qsubject/cases.txt", src ? src : ".");
	FILE *f = fopen(path, "r");
	if (!tap_ok(f != NULL, "open %s", path))
		return tap_done();
	char line[1024];
	int cases = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		char *arrow = strstr(line, " => ");
		if (!tap_ok(arrow != NULL, "a case: %s", line))
			continue;
		*arrow = '\0';
		char want[256];
		snprintf(want, sizeof want, "%s", arrow + 4);
		if (strcmp(want, "\"\"") == 0)
			want[0] = '\0';
		char fn[64], a[256], b[256] = "";
		char *p = line;
		if (next_field(&p, fn, sizeof fn) < 0 || next_field(&p, a, sizeof a) < 0) {
			tap_ok(0, "a case with an argument: %s", line);
			continue;
		}
		next_field(&p, b, sizeof b);
		char got[1024];
		run(fn, a, b, got, sizeof got);
		tap_is_str(got, want, "%s '%s'%s%s%s", fn, a, b[0] ? " '" : "", b, b[0] ? "'" : "");
		cases++;
	}
	fclose(f);
	tap_ok(cases >= 50, "read %d cases", cases);

	/* A result that does not fit is an error, never a cut name. */
	char small[6];
	struct sg_error e = {0};
	tap_is_int(qsubject_normalize(":.ctx:orders", small, sizeof small, &e), -1,
	           "a normal form longer than the buffer fails");
	tap_is_int(e.code, SG_ENOMEM, "with SG_ENOMEM");
	return tap_done();
}
