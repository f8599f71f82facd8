/* tests/unit/test_jsontext.c: JSON text to Jackson's compact form, from the
 * cases in tests/cases/jsontext/cases.txt; plus the nesting limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/jsonschema/jsontext.h"
#include "tests/tap.h"

static char *field(char *line, const char *key)
{
	size_t n = strlen(key);
	if (strncmp(line, key, n) != 0)
		return NULL;
	line[strcspn(line, "\n")] = '\0';
	return line + n;
}

int main(void)
{
	const char *src = getenv("SG_SRCDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/cases/jsontext/cases.txt", src ? src : ".");
	FILE *f = fopen(path, "r");
	if (!tap_ok(f != NULL, "open %s", path))
		return tap_done();
	char line[4096], in[4096] = "";
	int sorted = 0, cases = 0;
	while (fgets(line, sizeof line, f)) {
		char *v;
		if ((v = field(line, "in: "))) {
			snprintf(in, sizeof in, "%s", v);
		} else if ((v = field(line, "sorted: "))) {
			sorted = atoi(v);
		} else if ((v = field(line, "out: "))) {
			struct sg_error err;
			error_clear(&err);
			char *got = jsontext_canonical(in, strlen(in), sorted, &err);
			tap_is_str(got, v, "%s (sorted %d)", in, sorted);
			free(got);
			cases++;
		} else if ((v = field(line, "error: "))) {
			struct sg_error err;
			error_clear(&err);
			char *got = jsontext_canonical(in, strlen(in), sorted, &err);
			tap_ok(got == NULL && strstr(err.msg, v) != NULL,
			       "%s fails with '%s' (got '%s')", in, v, err.msg);
			free(got);
			cases++;
		}
	}
	fclose(f);
	tap_ok(cases >= 12, "read %d cases", cases);

	/* Nesting past the limit fails cleanly instead of exhausting the stack. */
	size_t depth = 100000;
	char *deep = malloc(2 * depth + 1);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[2 * depth] = '\0';
	struct sg_error err;
	error_clear(&err);
	char *got = jsontext_canonical(deep, 2 * depth, 0, &err);
	tap_ok(got == NULL && err.code == SG_ELIMIT,
	       "100000 levels of nesting fail with SG_ELIMIT");
	free(got);
	free(deep);
	return tap_done();
}
