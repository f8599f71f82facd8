/* compat/jsonschema/jsondiff_context.c: paths, differences and limits of one
 * JSON Schema comparison (see jsondiff_context.h). */
#include "compat/jsonschema/jsondiff_context.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/jsonschema/jsondiff_types.h"

int jd_fail(struct jd_shared *sh, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(sh->err, code, fmt, ap);
	va_end(ap);
	sh->failed = 1;
	return -1;
}

int jd_charge(struct jd_shared *sh, size_t n)
{
	if (n > sh->max_bytes || sh->bytes > sh->max_bytes - n)
		return jd_fail(sh, SG_ELIMIT, "schema comparison needs more than the memory limit");
	sh->bytes += n;
	return 0;
}

int jd_list_compatible(const struct jd_run *run, const struct jd_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (!jd_type_compatible(l->v[i].type, run->lenient))
			return 0;
	return 1;
}

void jd_list_free(struct jd_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Appends (type, path) where path is the concatenation of a and b. */
static int list_add(struct jd_shared *sh, struct jd_list *l, int type, const char *a, size_t al,
                    const char *b, size_t bl)
{
	if (jd_charge(sh, al + bl + 1 + sizeof(struct jd_diff)) < 0)
		return -1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct jd_diff *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return jd_fail(sh, SG_ENOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	char *p = malloc(al + bl + 1);
	if (!p)
		return jd_fail(sh, SG_ENOMEM, "out of memory");
	memcpy(p, a, al);
	if (bl)
		memcpy(p + al, b, bl);
	p[al + bl] = '\0';
	l->v[l->n].type = type;
	l->v[l->n].path = p;
	l->n++;
	return 0;
}

int jd_ctx_init(struct jd_ctx *c, struct jd_run *run)
{
	memset(c, 0, sizeof *c);
	c->run = run;
	c->cap = 64;
	if (!(c->path = malloc(c->cap)))
		return jd_fail(run->sh, SG_ENOMEM, "out of memory");
	memcpy(c->path, "#/", 3);
	c->len = 2;
	return 0;
}

void jd_ctx_free(struct jd_ctx *c)
{
	free(c->path);
	free(c->marks);
	jd_list_free(&c->diffs);
	c->path = NULL;
	c->marks = NULL;
}

int jd_ctx_sub(const struct jd_ctx *parent, struct jd_ctx *c)
{
	memset(c, 0, sizeof *c);
	c->run = parent->run;
	c->cap = parent->len + 64;
	c->path = malloc(c->cap);
	c->capmarks = parent->nmarks + 8;
	c->marks = malloc(c->capmarks * sizeof *c->marks);
	if (!c->path || !c->marks) {
		jd_ctx_free(c);
		return jd_fail(parent->run->sh, SG_ENOMEM, "out of memory");
	}
	memcpy(c->path, parent->path, parent->len + 1);
	c->len = parent->len;
	if (parent->nmarks)
		memcpy(c->marks, parent->marks, parent->nmarks * sizeof *c->marks);
	c->nmarks = parent->nmarks;
	return 0;
}

int jd_push(struct jd_ctx *c, const char *seg)
{
	struct jd_shared *sh = c->run->sh;
	size_t sl = strlen(seg);
	if (c->nmarks == c->capmarks) {
		size_t cap = c->capmarks ? c->capmarks * 2 : 16;
		size_t *m = realloc(c->marks, cap * sizeof *m);
		if (!m)
			return jd_fail(sh, SG_ENOMEM, "out of memory");
		c->marks = m;
		c->capmarks = cap;
	}
	if (sl > sh->max_bytes || c->len + sl + 2 > sh->max_bytes)
		return jd_fail(sh, SG_ELIMIT, "schema path too long");
	if (c->len + sl + 2 > c->cap) {
		size_t cap = (c->len + sl + 2) * 2;
		char *p = realloc(c->path, cap);
		if (!p)
			return jd_fail(sh, SG_ENOMEM, "out of memory");
		c->path = p;
		c->cap = cap;
	}
	c->marks[c->nmarks++] = c->len;
	if (c->nmarks > 1)
		c->path[c->len++] = '/';
	memcpy(c->path + c->len, seg, sl + 1);
	c->len += sl;
	return 0;
}

void jd_pop(struct jd_ctx *c)
{
	c->len = c->marks[--c->nmarks];
	c->path[c->len] = '\0';
}

int jd_add(struct jd_ctx *c, int type)
{
	return list_add(c->run->sh, &c->diffs, type, c->path, c->len, NULL, 0);
}

int jd_add_at(struct jd_ctx *c, const char *attr, int type)
{
	if (jd_push(c, attr) < 0)
		return -1;
	int rc = jd_add(c, type);
	jd_pop(c);
	return rc;
}

int jd_add_all(struct jd_ctx *c, const struct jd_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (list_add(c->run->sh, &c->diffs, l->v[i].type, l->v[i].path,
		             strlen(l->v[i].path), NULL, 0) < 0)
			return -1;
	return 0;
}

int jd_take_all(struct jd_ctx *c, struct jd_ctx *sub)
{
	int rc = jd_add_all(c, &sub->diffs);
	jd_ctx_free(sub);
	return rc;
}

int jd_add_rebased(struct jd_ctx *c, const struct jd_list *rel)
{
	if (c->nmarks == 0)
		return jd_add_all(c, rel);
	for (size_t i = 0; i < rel->n; i++) {
		const char *p = rel->v[i].path;
		size_t pl = strlen(p);
		int rc = pl <= 2 ? list_add(c->run->sh, &c->diffs, rel->v[i].type, c->path, c->len,
		                            NULL, 0)
		                 : list_add(c->run->sh, &c->diffs, rel->v[i].type, c->path, c->len,
		                            p + 1, pl - 1);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int jd_step(struct jd_shared *sh, unsigned long n)
{
	if (sh->steps > sh->max_steps || n > sh->max_steps - sh->steps)
		return jd_fail(sh, SG_ELIMIT,
		               "schemas too complex to compare (more than %lu steps)",
		               sh->max_steps);
	sh->steps += n;
	return 0;
}
