/* registry/compatreport.c: Confluent's wording of compatibility failures
 * (its Difference and SchemaValidatorBuilder classes, restated). */
#include "registry/compatreport.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/report.h"

/* Longest schema text quoted in {oldSchema: '...'}, as Confluent truncates. */
#define COMPATREPORT_SCHEMA_MAX (10 * 1024)

/* A growable string for one message; its size is bounded by the inputs. */
struct compatreport_buf {
	char *s;
	size_t len, cap;
	int oom;
};

static void compatreport_add(struct compatreport_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void compatreport_str(struct compatreport_buf *b, const char *s)
{
	compatreport_add(b, s, strlen(s));
}

/* Appends the finished message to `messages`; frees the buffer. */
static int compatreport_push(struct compatreport_buf *b, json_t *messages, struct sg_error *err)
{
	int rc = 0;
	if (b->oom || !b->s || json_array_append_new(messages, json_string(b->s)) < 0)
		rc = error_set(err, SG_ENOMEM, "out of memory");
	free(b->s);
	memset(b, 0, sizeof *b);
	return rc;
}

/* Appends a formatter's text: `small` holds it when `n` (what the formatter
 * returned, snprintf-style) fits; else `big` must be filled by the caller's
 * second call. Returns 1 when done, 0 when the caller must retry with a
 * buffer of n + 1 bytes, -1 when the formatter refused the finding. */
static int compatreport_take(struct compatreport_buf *b, int n, const char *small, size_t cap)
{
	if (n < 0)
		return -1;
	if ((size_t)n < cap) {
		compatreport_add(b, small, (size_t)n);
		return 1;
	}
	return 0;
}

/* One finding, as Confluent words it (schema_describe(): avcompat for Avro,
 * jsondiff for JSON Schema); any other gets the same shape from the report's
 * own parts. */
static void compatreport_finding(struct compatreport_buf *b, const struct report *r, size_t i,
                                 enum schema_type st, const char *reader, const char *writer)
{
	const char *type = report_type(r, i);
	const char *detail = report_message(r, i);
	char small[512];
	int n = schema_describe(st, r, i, reader, writer, small, sizeof small);
	int done = compatreport_take(b, n, small, sizeof small);
	if (done == 0) {
		char *big = malloc((size_t)n + 1);
		if (!big) {
			b->oom = 1;
			return;
		}
		schema_describe(st, r, i, reader, writer, big, (size_t)n + 1);
		compatreport_add(b, big, (size_t)n);
		free(big);
		return;
	}
	if (done == 1)
		return;
	/* A finding the type's formatter does not know: its own sentence. */
	compatreport_str(b, "{errorType:'");
	compatreport_str(b, type);
	compatreport_str(b, "', description:'");
	compatreport_str(b, detail);
	compatreport_str(b, "', additionalInfo:'");
	compatreport_str(b, detail);
	compatreport_str(b, "'}");
}

/* Runs one direction and appends its findings; with `tail`, also the old
 * version and text (only when there were findings, as Confluent does). */
static int compatreport_direction(const struct schema *reader_s, const struct schema *writer_s,
                                  const char *reader, const char *writer, int tail,
                                  enum schema_policy policy, const struct compatreport_prev *old,
                                  json_t *messages, struct sg_error *err)
{
	struct report *r = report_new();
	if (!r)
		return error_set(err, SG_ENOMEM, "out of memory");
	int ok = schema_compatible(reader_s, writer_s, policy, r, err);
	if (ok < 0) {
		report_free(r);
		return -1;
	}
	size_t n = report_count(r);
	for (size_t i = 0; i < n; i++) {
		struct compatreport_buf b = {0};
		compatreport_finding(&b, r, i, schema_type(reader_s), reader, writer);
		if (compatreport_push(&b, messages, err) < 0) {
			report_free(r);
			return -1;
		}
	}
	report_free(r);
	if (!tail || n == 0)
		return 0;
	char line[64];
	snprintf(line, sizeof line, "{oldSchemaVersion: %d}", old->version);
	if (json_array_append_new(messages, json_string(line)) < 0)
		return error_set(err, SG_ENOMEM, "out of memory");
	struct compatreport_buf b = {0};
	size_t tl = strlen(old->text);
	if (tl <= COMPATREPORT_SCHEMA_MAX) {
		compatreport_str(&b, "{oldSchema: '");
		compatreport_add(&b, old->text, tl);
		compatreport_str(&b, "'}");
	} else {
		size_t cut = COMPATREPORT_SCHEMA_MAX;
		while (cut > 0 && ((unsigned char)old->text[cut] & 0xc0) == 0x80)
			cut--;
		compatreport_str(&b, "{oldSchema: <truncated> '");
		compatreport_add(&b, old->text, cut);
		compatreport_str(&b, "...'}");
	}
	return compatreport_push(&b, messages, err);
}

/* The level's check; on failure, its findings appended to `messages`.
 * Returns 0 (compatible or not), or -1. */
static int compatreport_level(enum level level, enum schema_policy policy,
                              const struct schema *candidate,
                              const struct compatreport_prev *history, size_t n, json_t *messages,
                              struct sg_error *err)
{
	const struct schema **hist = calloc(n, sizeof *hist);
	if (!hist)
		return error_set(err, SG_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		hist[i] = history[i].schema;
	size_t failed = 0;
	int ok = schema_check_level(level, candidate, hist, n, policy, NULL, &failed, err);
	free(hist);
	if (ok != 0)
		return ok < 0 ? -1 : 0;

	const struct compatreport_prev *old = &history[failed];
	int rc = 0;
	if (schema_type(old->schema) != schema_type(candidate)) {
		if (json_array_append_new(
		        messages, json_string("Incompatible because of different schema type")) < 0)
			rc = error_set(err, SG_ENOMEM, "out of memory");
	} else if (level_backward(level) && level_forward(level)) {
		rc = compatreport_direction(old->schema, candidate, "old", "new", 0, policy, old,
		                            messages, err);
		if (rc == 0)
			rc = compatreport_direction(candidate, old->schema, "new", "old", 1, policy,
			                            old, messages, err);
	} else if (level_backward(level)) {
		rc = compatreport_direction(candidate, old->schema, "new", "old", 1, policy, old,
		                            messages, err);
	} else {
		rc = compatreport_direction(old->schema, candidate, "old", "new", 1, policy, old,
		                            messages, err);
	}
	return rc < 0 ? -1 : 0;
}

int compatreport_check(enum level level, enum schema_policy policy, int validate_fields,
                       const struct schema *candidate, const struct compatreport_prev *history,
                       size_t n, json_t *messages, struct sg_error *err)
{
	if (n > 0 && level != LEVEL_NONE &&
	    compatreport_level(level, policy, candidate, history, n, messages, err) < 0)
		return -1;
	if (json_array_size(messages) == 0)
		return 1;
	char line[128];
	snprintf(line, sizeof line, "{validateFields: '%s', compatibility: '%s'}",
	         validate_fields ? "true" : "false", level_name(level));
	if (json_array_append_new(messages, json_string(line)) < 0)
		return error_set(err, SG_ENOMEM, "out of memory");
	return 0;
}

char *compatreport_join(const json_t *messages)
{
	struct compatreport_buf b = {0};
	compatreport_str(&b, "[");
	for (size_t i = 0; i < json_array_size(messages); i++) {
		if (i)
			compatreport_str(&b, ", ");
		const char *m = json_string_value(json_array_get(messages, i));
		compatreport_str(&b, m ? m : "");
	}
	compatreport_str(&b, "]");
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
