/* compat/report.h: an ordered list of findings, such as the incompatibilities
 * between two schemas or the errors in one payload. Each finding has a type (a
 * rule name such as "TYPE_MISMATCH"), a location (a JSON pointer, "" for the
 * root) and a sentence a person understands.
 *
 * Ownership: report_new() returns a report the caller frees with report_free()
 * (NULL is accepted). Strings passed in are copied; strings returned are
 * borrowed and valid until the report is freed. A report holds at most
 * REPORT_MAX findings; report_add() past that only counts them (see
 * report_dropped()), so hostile input cannot grow it without bound.
 */
#ifndef SG_REPORT_H
#define SG_REPORT_H

#include <stddef.h>

#define REPORT_MAX 1000

struct report;

struct report *report_new(void);
void report_free(struct report *r);

/* Appends a finding. Returns 0, or -1 when out of memory (the finding is lost). */
int report_add(struct report *r, const char *type, const char *location, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

size_t report_count(const struct report *r);
size_t report_dropped(const struct report *r);
const char *report_type(const struct report *r, size_t i);
const char *report_location(const struct report *r, size_t i);
const char *report_message(const struct report *r, size_t i);

/* Removes every finding; the report can be reused. */
void report_reset(struct report *r);

/* Appends `ptr` to JSON pointer `base` as one reference token, escaping '~' and
 * '/' (RFC 6901), into `out` of size `cap`. Returns 0, or -1 when it does not
 * fit (out then holds a truncated pointer). */
int report_pointer_join(char *out, size_t cap, const char *base, const char *token);

#endif
