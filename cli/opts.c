/* cli/opts.c: flags, environment variables and their typed readers. */
#include "cli/opts.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct opt_spec *opts_find(const struct opt_spec *specs, size_t n, const char *flag,
                                        size_t flaglen, size_t *idx)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(specs[i].flag) == flaglen && memcmp(specs[i].flag, flag, flaglen) == 0) {
			*idx = i;
			return &specs[i];
		}
	}
	return NULL;
}

int opts_parse(struct opts *o, const struct opt_spec *specs, size_t n, size_t max_args, int argc,
               char **argv, struct sg_error *err)
{
	memset(o, 0, sizeof *o);
	o->args = argv;
	if (n > OPTS_MAX)
		return error_set(err, SG_EINTERNAL, "too many flags in one command");
	o->specs = specs;
	o->n = n;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			o->help = 1;
			return 0;
		}
		int rest = strcmp(a, "--") == 0;
		if (rest || strncmp(a, "--", 2) != 0) {
			for (int j = rest ? i + 1 : i; j < (rest ? argc : i + 1); j++) {
				if (o->nargs >= max_args)
					return error_set(err, SG_EBAD_REQUEST,
					                 "unexpected argument '%s'", argv[j]);
				/* Arguments are gathered at the front of argv, in order; flags
				 * already read stay where they were read from. */
				o->args[o->nargs++] = argv[j];
			}
			if (rest)
				break;
			continue;
		}
		const char *eq = strchr(a, '=');
		size_t flaglen = eq ? (size_t)(eq - a) : strlen(a);
		size_t idx;
		const struct opt_spec *s = opts_find(specs, n, a, flaglen, &idx);
		if (!s)
			return error_set(err, SG_EBAD_REQUEST, "unknown flag '%.*s'", (int)flaglen,
			                 a);
		const char *v;
		if (!s->metavar) {
			v = eq ? eq + 1 : "1";
		} else if (eq) {
			v = eq + 1;
		} else {
			if (i + 1 >= argc)
				return error_set(err, SG_EBAD_REQUEST, "%s needs a value (%s)",
				                 s->flag, s->metavar);
			v = argv[++i];
		}
		o->value[idx] = v;
		o->origin[idx] = OPT_FLAG;
	}

	for (size_t i = 0; i < n; i++) {
		if (o->origin[i] != OPT_UNSET)
			continue;
		const char *ev = specs[i].env ? getenv(specs[i].env) : NULL;
		if (ev && *ev) {
			o->value[i] = ev;
			o->origin[i] = OPT_ENV;
		} else if (specs[i].defval) {
			o->value[i] = specs[i].defval;
			o->origin[i] = OPT_DEFAULT;
		}
	}
	return 0;
}

static ptrdiff_t opts_index(const struct opts *o, const char *flag)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->specs[i].flag, flag) == 0)
			return (ptrdiff_t)i;
	return -1;
}

const char *opts_get(const struct opts *o, const char *flag)
{
	ptrdiff_t i = opts_index(o, flag);
	return i < 0 ? NULL : o->value[i];
}

int opts_on(const struct opts *o, const char *flag)
{
	const char *v = opts_get(o, flag);
	return v && *v && strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0 &&
	       strcasecmp(v, "no") != 0;
}

/* How to name a value's source in an error: "--db" or "SCHEMAGATE_DB". */
static const char *opts_source(const struct opts *o, const char *flag)
{
	ptrdiff_t i = opts_index(o, flag);
	if (i >= 0 && o->origin[i] == OPT_ENV)
		return o->specs[i].env;
	return flag;
}

const char *opts_from(const struct opts *o, const char *flag)
{
	return opts_source(o, flag);
}

int opts_hostport(const struct opts *o, const char *flag, char *host, size_t hostsz, int *port,
                  struct sg_error *err)
{
	const char *v = opts_get(o, flag);
	const char *src = opts_source(o, flag);
	if (!v || !*v)
		return error_set(err, SG_EBAD_REQUEST, "%s is required (HOST:PORT)", src);
	const char *colon;
	const char *h = v;
	size_t hlen;
	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		if (!close || close[1] != ':')
			return error_set(err, SG_EBAD_REQUEST, "%s '%s': expected [IPV6]:PORT", src,
			                 v);
		h = v + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(v, ':');
		if (!colon)
			return error_set(err, SG_EBAD_REQUEST, "%s '%s': expected HOST:PORT", src,
			                 v);
		if (memchr(v, ':', (size_t)(colon - v)))
			return error_set(err, SG_EBAD_REQUEST,
			                 "%s '%s': write IPv6 addresses as [ADDR]:PORT", src, v);
		hlen = (size_t)(colon - v);
	}
	const char *p = colon + 1;
	if (!*p)
		return error_set(err, SG_EBAD_REQUEST, "%s '%s': missing port", src, v);
	long pv = 0;
	for (const char *c = p; *c; c++) {
		if (!isdigit((unsigned char)*c) || pv > 65535)
			return error_set(err, SG_EBAD_REQUEST, "%s '%s': bad port", src, v);
		pv = pv * 10 + (*c - '0');
	}
	if (pv > 65535)
		return error_set(err, SG_EBAD_REQUEST, "%s '%s': port above 65535", src, v);
	if (hlen == 0) {
		h = "0.0.0.0";
		hlen = strlen(h);
	}
	if (hlen + 1 > hostsz)
		return error_set(err, SG_EBAD_REQUEST, "%s '%s': host name too long", src, v);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (int)pv;
	return 0;
}

int opts_size(const struct opts *o, const char *flag, size_t max, size_t *out, struct sg_error *err)
{
	const char *v = opts_get(o, flag);
	const char *src = opts_source(o, flag);
	if (!v || !*v)
		return error_set(err, SG_EBAD_REQUEST, "%s is required (BYTES)", src);
	if (!isdigit((unsigned char)v[0]))
		return error_set(err, SG_EBAD_REQUEST, "%s '%s': not a byte count", src, v);
	errno = 0;
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	unsigned long long mult = 1;
	if (strcasecmp(end, "") == 0 || strcasecmp(end, "b") == 0)
		mult = 1;
	else if (strcasecmp(end, "k") == 0 || strcasecmp(end, "kib") == 0)
		mult = 1024ull;
	else if (strcasecmp(end, "m") == 0 || strcasecmp(end, "mib") == 0)
		mult = 1024ull * 1024;
	else if (strcasecmp(end, "g") == 0 || strcasecmp(end, "gib") == 0)
		mult = 1024ull * 1024 * 1024;
	else
		return error_set(err, SG_EBAD_REQUEST,
		                 "%s '%s': not a byte count (use digits with K, M or G)", src, v);
	if (errno == ERANGE || n > max / mult || n * mult > max || n == 0)
		return error_set(err, SG_EBAD_REQUEST, "%s '%s': must be between 1 and %zu bytes",
		                 src, v, max);
	*out = (size_t)(n * mult);
	return 0;
}

int opts_uint(const struct opts *o, const char *flag, unsigned max, unsigned *out,
              struct sg_error *err)
{
	const char *v = opts_get(o, flag);
	const char *src = opts_source(o, flag);
	if (!v || !*v)
		return error_set(err, SG_EBAD_REQUEST, "%s is required (a number)", src);
	unsigned long n = 0;
	for (const char *c = v; *c; c++) {
		if (!isdigit((unsigned char)*c) || n > max)
			return error_set(err, SG_EBAD_REQUEST,
			                 "%s '%s': expected a number from 0 to %u", src, v, max);
		n = n * 10 + (unsigned long)(*c - '0');
	}
	if (n > max)
		return error_set(err, SG_EBAD_REQUEST, "%s '%s': expected a number from 0 to %u",
		                 src, v, max);
	*out = (unsigned)n;
	return 0;
}

int opts_duration_ms(const struct opts *o, const char *flag, unsigned max_ms, unsigned *ms,
                     struct sg_error *err)
{
	const char *v = opts_get(o, flag);
	const char *src = opts_source(o, flag);
	if (!v || !*v)
		return error_set(err, SG_EBAD_REQUEST, "%s is required (a duration)", src);
	/* n stays below 10 * max_ms + 10, so n * 60000 cannot overflow. */
	unsigned long long n = 0, unit = 0;
	const char *p = v;
	while (isdigit((unsigned char)*p) && n <= max_ms)
		n = n * 10 + (unsigned)(*p++ - '0');
	int too_long = isdigit((unsigned char)*p);
	if (too_long)
		unit = 1;
	else if (!*p || !strcmp(p, "s"))
		unit = 1000;
	else if (!strcmp(p, "ms"))
		unit = 1;
	else if (!strcmp(p, "m"))
		unit = 60000;
	if (p == v || !unit)
		return error_set(err, SG_EBAD_REQUEST,
		                 "%s '%s': not a duration such as 250ms, 10s or 10m", src, v);
	if (too_long || n * unit == 0 || n * unit > max_ms)
		return error_set(err, SG_EBAD_REQUEST, "%s '%s': must be from 1 ms to %u s", src, v,
		                 max_ms / 1000);
	*ms = (unsigned)(n * unit);
	return 0;
}

void opts_print_help(FILE *f, const struct opt_spec *specs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct opt_spec *s = &specs[i];
		char left[64];
		snprintf(left, sizeof left, "%s%s%s", s->flag, s->metavar ? " " : "",
		         s->metavar ? s->metavar : "");
		/* A flag too long for the column gets a line of its own. */
		if (strlen(left) > 27)
			fprintf(f, "  %s\n  %-28s %s\n", left, "", s->help);
		else
			fprintf(f, "  %-28s %s\n", left, s->help);
		if (s->env && s->defval)
			fprintf(f, "  %-28s (env %s; default %s)\n", "", s->env, s->defval);
		else if (s->env)
			fprintf(f, "  %-28s (env %s)\n", "", s->env);
		else if (s->defval)
			fprintf(f, "  %-28s (default %s)\n", "", s->defval);
	}
	fprintf(f, "  %-28s %s\n", "--help", "show this help");
}
