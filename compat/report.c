/* compat/report.c: a bounded, ordered list of findings. */
#include "compat/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct finding {
	char *type;
	char *location;
	char *message;
};

struct report {
	struct finding *items;
	size_t n, cap;
	size_t dropped;
};

struct report *report_new(void)
{
	return calloc(1, sizeof(struct report));
}

void report_reset(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->items[i].type);
		free(r->items[i].location);
		free(r->items[i].message);
	}
	r->n = 0;
	r->dropped = 0;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	report_reset(r);
	free(r->items);
	free(r);
}

int report_add(struct report *r, const char *type, const char *location, const char *fmt, ...)
{
	if (!r)
		return -1;
	if (r->n >= REPORT_MAX) {
		r->dropped++;
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct finding *items = realloc(r->items, cap * sizeof *items);
		if (!items)
			return -1;
		r->items = items;
		r->cap = cap;
	}
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len >= 0 && (msg = malloc((size_t)len + 1)) != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)len + 1, fmt, ap);
		va_end(ap);
	}
	struct finding f = {
	    .type = strdup(type ? type : ""),
	    .location = strdup(location ? location : ""),
	    .message = msg,
	};
	if (!f.type || !f.location || !f.message) {
		free(f.type);
		free(f.location);
		free(f.message);
		return -1;
	}
	r->items[r->n++] = f;
	return 0;
}

size_t report_count(const struct report *r)
{
	return r ? r->n : 0;
}
size_t report_dropped(const struct report *r)
{
	return r ? r->dropped : 0;
}

const char *report_type(const struct report *r, size_t i)
{
	return r && i < r->n ? r->items[i].type : NULL;
}

const char *report_location(const struct report *r, size_t i)
{
	return r && i < r->n ? r->items[i].location : NULL;
}

const char *report_message(const struct report *r, size_t i)
{
	return r && i < r->n ? r->items[i].message : NULL;
}

int report_pointer_join(char *out, size_t cap, const char *base, const char *token)
{
	size_t n = 0;
	if (cap == 0)
		return -1;
	if (base != out) {
		size_t bl = strlen(base);
		if (bl >= cap) {
			memcpy(out, base, cap - 1);
			out[cap - 1] = '\0';
			return -1;
		}
		memcpy(out, base, bl + 1);
	}
	n = strlen(out);
	if (n + 1 >= cap)
		return -1;
	out[n++] = '/';
	for (const char *t = token; *t; t++) {
		const char *esc = *t == '~' ? "~0" : *t == '/' ? "~1" : NULL;
		size_t need = esc ? 2 : 1;
		if (n + need >= cap) {
			out[n] = '\0';
			return -1;
		}
		if (esc) {
			out[n++] = esc[0];
			out[n++] = esc[1];
		} else {
			out[n++] = *t;
		}
	}
	out[n] = '\0';
	return 0;
}
