/* tests/unit/test_gwrules.c: the gateway's rules file (gateway/rules).
 *
 * Cases are folders tests/cases/gwrules/<case>/ with rules.json and expect.
 * Each expect line is one of
 *   error: MESSAGE        rules.json must be refused with exactly MESSAGE
 *   TOPIC -> DESCRIPTION  the rule TOPIC matches, as rules_describe() says
 * and '#' starts a comment. The file is parsed with origin "rules.json".
 * Then: the built-in default, rules_load() from a file, size limits and
 * reference counting.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/rules.h"
#include "tests/tap.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_case(const char *dir, const char *name)
{
	char path[4096];
	size_t len = 0, elen = 0;
	snprintf(path, sizeof path, "%.3000s/%.255s/rules.json", dir, name);
	char *text = slurp(path, &len);
	snprintf(path, sizeof path, "%.3000s/%.255s/expect", dir, name);
	char *expect = slurp(path, &elen);
	if (!tap_ok(text && expect, "%s: rules.json and expect read", name)) {
		free(text);
		free(expect);
		return 0;
	}
	struct sg_error err;
	error_clear(&err);
	struct rules *r = rules_parse(text, len, "rules.json", &err);
	int checks = 0;
	for (char *line = strtok(expect, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		checks++;
		if (strncmp(line, "error: ", 7) == 0) {
			tap_ok(r == NULL, "%s: refused", name);
			tap_is_str(err.msg, line + 7, "%s: error message", name);
			continue;
		}
		char *arrow = strstr(line, " -> ");
		if (!tap_ok(arrow != NULL, "%s: expect line has ' -> '", name))
			continue;
		*arrow = '\0';
		if (!tap_ok(r != NULL, "%s: parsed (%s)", name, err.msg))
			continue;
		char got[1024];
		rules_describe(rules_match(r, line), got, sizeof got);
		tap_is_str(got, arrow + 4, "%s: topic %s", name, line);
	}
	tap_ok(checks > 0, "%s: has checks", name);
	rules_unref(r);
	free(text);
	free(expect);
	return 1;
}

static void test_cases(void)
{
	const char *src = getenv("SG_SRCDIR");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/cases/gwrules", src ? src : ".");
	DIR *d = opendir(dir);
	if (!tap_ok(d != NULL, "open %s", dir))
		return;
	char *names[256];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 256)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, name_cmp);
	int cases = 0;
	for (size_t i = 0; i < n; i++) {
		cases += run_case(dir, names[i]);
		free(names[i]);
	}
	tap_ok(cases >= 25, "ran %d cases", cases);
}

static void test_builtin(void)
{
	struct rules *r = rules_new_default();
	const struct rules_rule *rule = rules_match(r, "anything");
	tap_is_str(rules_origin(r), "built-in", "built-in origin");
	tap_is_int((int)rules_count(r), 0, "built-in has no topic rules");
	tap_ok(rule->mode == RULES_ENFORCE && rule->parts == RULES_PART_VALUE &&
	           rule->formats == RULES_FORMAT_ALL && rule->strategy == RULES_TOPIC_NAME &&
	           !rule->require_schema && rule->allow_tombstones && !rule->dead_letter_topic &&
	           !rule->fail_open,
	       "built-in default: enforce, value, all formats, TopicNameStrategy, "
	       "no require_schema, tombstones allowed, fail closed");
	/* References: the last unref frees (ASan checks the rest). */
	tap_ok(rules_ref(r) == r, "rules_ref returns its argument");
	rules_unref(r);
	tap_ok(rules_match(r, "x") == rule, "still alive after one unref");
	rules_unref(r);
	rules_unref(NULL);
}

static void test_load(void)
{
	struct sg_error err;
	error_clear(&err);
	tap_ok(rules_load("/nonexistent/rules.json", &err) == NULL && err.code == SG_EIO,
	       "a missing file is SG_EIO");
	tap_ok(strstr(err.msg, "/nonexistent/rules.json") != NULL, "the error names the file");

	char path[] = "/tmp/test_gwrules_XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fputs("{\"rules\": [{\"topic\": \"orders\", \"mode\": \"shadow\"},\n"
	      "  {\"topic\": \"bad\", \"parts\": 3}]}",
	      f);
	fclose(f);
	error_clear(&err);
	tap_ok(rules_load(path, &err) == NULL && err.code == SG_EBAD_REQUEST, "bad file refused");
	char want[256];
	snprintf(want, sizeof want,
	         "%s: rules[1].parts: must be one of \"value\", \"key\", \"both\"", path);
	tap_is_str(err.msg, want, "the error starts with the file's path");

	f = fopen(path, "w");
	fputs("{\"rules\": [{\"topic\": \"orders\", \"mode\": \"shadow\"}]}", f);
	fclose(f);
	error_clear(&err);
	struct rules *r = rules_load(path, &err);
	tap_ok(r && rules_match(r, "orders")->mode == RULES_SHADOW, "file loaded");
	tap_is_str(r ? rules_origin(r) : NULL, path, "origin is the path");
	rules_unref(r);
	remove(path);

	/* Size limits. */
	size_t big = RULES_FILE_MAX + 1;
	char *text = malloc(big);
	memset(text, ' ', big);
	text[0] = '{';
	text[big - 1] = '}';
	error_clear(&err);
	tap_ok(rules_parse(text, big, NULL, &err) == NULL && err.code == SG_ELIMIT,
	       "a file over RULES_FILE_MAX is SG_ELIMIT");
	free(text);

	size_t n = RULES_MAX + 1, cap = n * 24 + 32, at = 0;
	text = malloc(cap);
	at += (size_t)snprintf(text + at, cap - at, "{\"rules\":[");
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(text + at, cap - at, "%s{\"topic\":\"t%zu\"}", i ? "," : "",
		                       i);
	at += (size_t)snprintf(text + at, cap - at, "]}");
	error_clear(&err);
	tap_ok(rules_parse(text, at, NULL, &err) == NULL && err.code == SG_ELIMIT,
	       "more than RULES_MAX rules is SG_ELIMIT: %s", err.msg);
	free(text);
}

static void test_regex_limits(void)
{
	/* A catastrophic pattern stops at its match limit and does not match. */
	const char *text = "{\"rules\": [{\"topic_regex\": \"(a+)+b\", \"mode\": \"off\"}]}";
	struct sg_error err;
	error_clear(&err);
	struct rules *r = rules_parse(text, strlen(text), NULL, &err);
	tap_ok(r != NULL, "pathological regex compiles");
	char topic[200];
	memset(topic, 'a', sizeof topic - 1);
	topic[sizeof topic - 1] = '\0';
	tap_ok(r && rules_match(r, topic)->mode == RULES_ENFORCE,
	       "a regex past its match limit does not match (default rule)");
	tap_ok(r && rules_match(r, "aaab")->mode == RULES_OFF, "and still matches when it can");
	rules_unref(r);
}

int main(void)
{
	test_cases();
	test_builtin();
	test_load();
	test_regex_limits();
	return tap_done();
}
