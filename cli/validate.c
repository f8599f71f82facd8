/* cli/validate.c: `schemagate validate`. Each data document is checked
 * through the schema's type (compat/schema.h: a JSON document with
 * schema_validate_json(), a framed binary record, or a Protobuf message, with
 * schema_validate_report()) and each problem printed where it is. */
#include "cli/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli/regfetch.h"
#include "compat/report.h"
#include "compat/schema.h"
#include "common/regclient.h"

#define VALIDATE_TIMEOUT_MS 30000

/* What documents are checked against, and where schemas by id come from. */
struct validate_ctx {
	const struct validate_config *cfg;
	const struct schema *schema; /* fixed, or NULL: by each framed record's id */
	struct regfetch *rf;         /* for ids; NULL without a registry */
	json_t *results;             /* CHECK_JSON */
	int invalid;                 /* documents found invalid */
	int checked;
};

static void validate_print(struct validate_ctx *v, const char *file, long line,
                           const struct report *r, int valid)
{
	const struct validate_config *cfg = v->cfg;
	char where[4200];
	if (line > 0)
		snprintf(where, sizeof where, "%s:%ld", file, line);
	else
		snprintf(where, sizeof where, "%s", file);
	size_t n = report_count(r);
	if (cfg->format == CHECK_JSON) {
		json_t *problems = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(problems, json_pack("{s:s, s:s, s:s}", "rule",
			                                          report_type(r, i), "location",
			                                          report_location(r, i), "message",
			                                          report_message(r, i)));
		json_t *o = json_pack("{s:s, s:b, s:o}", "file", file, "valid", valid, "problems",
		                      problems);
		if (line > 0)
			json_object_set_new(o, "line", json_integer(line));
		json_array_append_new(v->results, o);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *loc = report_location(r, i);
		if (cfg->format == CHECK_GITHUB) {
			check_github_annotation(stdout, file, line, report_type(r, i), loc,
			                        report_message(r, i));
		} else {
			check_text_problem(stdout, file, line, loc, report_type(r, i),
			                   report_message(r, i));
		}
	}
	if (!cfg->quiet && cfg->format == CHECK_TEXT && valid)
		printf("%s: valid\n", where);
}

/* Checks one JSON document (not framed) against the fixed schema. */
static int validate_doc(struct validate_ctx *v, const char *buf, size_t len, struct report *r)
{
	return schema_validate_json(v->schema, buf, len, r);
}

/* Checks one Confluent-framed record. */
static int validate_framed(struct validate_ctx *v, const unsigned char *buf, size_t len,
                           struct report *r, struct sg_error *err)
{
	if (len < 5 || buf[0] != 0) {
		report_add(r, "framing", "",
		           len < 5 ? "shorter than the 5-byte Confluent header"
		                   : "the first byte is not the Confluent magic byte 0");
		return 0;
	}
	long long id = (long long)buf[1] << 24 | buf[2] << 16 | buf[3] << 8 | buf[4];
	const struct schema *s = v->schema;
	if (!s) {
		s = regfetch_id(v->rf, id, err);
		if (!s) {
			if (err->code == SG_ENOTFOUND || err->code == SG_ESCHEMA_NOT_FOUND) {
				error_clear(err);
				report_add(r, "schema-id", "",
				           "schema id %lld is not in the registry", id);
				return 0;
			}
			return -1;
		}
	}
	struct schema_validator *sv = schema_validator_new(s, err);
	if (!sv)
		return -1;
	int ok = schema_validate_report(sv, SCHEMA_FRAMED, buf + 5, len - 5, r);
	schema_validator_free(sv);
	return ok;
}

/* Checks one unframed binary payload (a Protobuf message: the schema's
 * first one) against the fixed schema. */
static int validate_binary(struct validate_ctx *v, const unsigned char *buf, size_t len,
                           struct report *r, struct sg_error *err)
{
	struct schema_validator *sv = schema_validator_new(v->schema, err);
	if (!sv)
		return -1;
	int ok = schema_validate_report(sv, SCHEMA_UNFRAMED, buf, len, r);
	schema_validator_free(sv);
	return ok;
}

static int validate_is_lines(const struct validate_config *cfg, const char *file)
{
	size_t n = strlen(file);
	return cfg->lines || (n > 6 && strcmp(file + n - 6, ".jsonl") == 0) ||
	       (n > 7 && strcmp(file + n - 7, ".ndjson") == 0);
}

/* Checks every document of one file. Returns 0, or -1 on an error. */
static int validate_file(struct validate_ctx *v, const char *file, struct sg_error *err)
{
	size_t len;
	char *buf = check_read_file(file, &len, err);
	if (!buf)
		return -1;
	struct report *r = report_new();
	int rc = 0;
	if (!r) {
		free(buf);
		return error_set(err, SG_ENOMEM, "out of memory");
	}
	int binary = v->schema && schema_type(v->schema) == SCHEMA_PROTOBUF;
	if (v->cfg->framed || binary) {
		int ok = v->cfg->framed
		             ? validate_framed(v, (const unsigned char *)buf, len, r, err)
		             : validate_binary(v, (const unsigned char *)buf, len, r, err);
		if (ok < 0) {
			rc = -1;
		} else {
			validate_print(v, file, 0, r, ok);
			v->checked++;
			v->invalid += !ok;
		}
	} else if (validate_is_lines(v->cfg, file)) {
		long line = 0;
		for (char *p = buf, *end = buf + len; p < end;) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			char *stop = nl ? nl : end;
			line++;
			size_t n = (size_t)(stop - p);
			int blank = 1;
			for (size_t i = 0; i < n && blank; i++)
				blank = p[i] == ' ' || p[i] == '\t' || p[i] == '\r';
			if (!blank) {
				report_reset(r);
				int ok = validate_doc(v, p, n, r);
				validate_print(v, file, line, r, ok == 1);
				v->checked++;
				v->invalid += ok != 1;
			}
			p = nl ? nl + 1 : end;
		}
	} else {
		int ok = validate_doc(v, buf, len, r);
		validate_print(v, file, 0, r, ok == 1);
		v->checked++;
		v->invalid += ok != 1;
	}
	report_free(r);
	free(buf);
	return rc;
}

int validate_run(const struct validate_config *cfg)
{
	struct sg_error err;
	error_clear(&err);
	struct validate_ctx v = {.cfg = cfg, .results = json_array()};
	struct schema *own = NULL;
	struct regclient *rc = NULL;
	int status = 2;

	if (cfg->nfiles == 0) {
		error_set(&err, SG_EBAD_REQUEST, "give at least one DATA_FILE");
		goto done;
	}
	if (cfg->schema_file && cfg->subject) {
		error_set(&err, SG_EBAD_REQUEST,
		          "give --schema FILE or --subject SUBJECT, not both");
		goto done;
	}
	if (!cfg->schema_file && !cfg->subject && !cfg->framed) {
		error_set(&err, SG_EBAD_REQUEST,
		          "give --schema FILE, or --subject SUBJECT with --registry URL "
		          "(or --framed, to look each record's schema id up)");
		goto done;
	}
	if (cfg->schema_file) {
		own = check_load_schema(cfg->type, cfg->schema_file, NULL, NULL, &err);
		if (!own)
			goto done;
		v.schema = own;
	}
	if (!cfg->schema_file) {
		struct regclient_options ro = cfg->client;
		ro.timeout_ms = VALIDATE_TIMEOUT_MS;
		if (!(rc = regclient_new(cfg->registry, &ro, &err)) ||
		    !(v.rf = regfetch_new(rc, &err)))
			goto done;
		if (cfg->subject) {
			int version = -1;
			if (cfg->version && strcmp(cfg->version, "latest") != 0) {
				char *end;
				long n = strtol(cfg->version, &end, 10);
				if (*end || n < 1 || n > 0x7fffffff) {
					error_set(&err, SG_EBAD_REQUEST,
					          "--version must be a positive number or latest");
					goto done;
				}
				version = (int)n;
			}
			v.schema = regfetch_version(v.rf, cfg->subject, version, NULL, &err);
			if (!v.schema)
				goto done;
		}
	}
	for (size_t i = 0; i < cfg->nfiles; i++)
		if (validate_file(&v, cfg->files[i], &err) != 0)
			goto done;
	if (cfg->format == CHECK_JSON) {
		json_t *doc = json_pack("{s:O, s:i, s:i}", "results", v.results, "checked",
		                        v.checked, "invalid", v.invalid);
		char *s = json_dumps(doc, JSON_INDENT(2));
		if (s)
			puts(s);
		free(s);
		json_decref(doc);
	} else if (!cfg->quiet && cfg->format == CHECK_TEXT) {
		printf("%d of %d documents valid\n", v.checked - v.invalid, v.checked);
	}
	status = v.invalid ? 1 : 0;
done:
	if (status == 2)
		fprintf(stderr, "schemagate: %s\n", err.msg);
	json_decref(v.results);
	regfetch_free(v.rf);
	regclient_free(rc);
	schema_free(own);
	return status;
}
