/* cli/check.c: `schemagate check` and `schemagate register`.
 *
 * Online without --level, the registry itself judges the file
 * (POST /compatibility/subjects/S/versions?verbose=true), so the answer is
 * exactly the registry's. With --level, or --offline, the history is compared
 * here with compat/'s schema_check_level(), the function the registry uses.
 */
#include "cli/check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "compat/error.h"
#include "compat/level.h"
#include "compat/report.h"
#include "compat/schema.h"
#include "cli/regfetch.h"
#include "common/regclient.h"

#define CHECK_MAX_FILE     (16u << 20)
#define CHECK_MAX_VERSIONS 10000
#define CHECK_TIMEOUT_MS   30000

/* The outcome for one file: a verdict and its problems. */
struct check_result {
	const char *file;
	const char *subject; /* NULL offline */
	const char *level;   /* the level applied, when known */
	int compatible;      /* 1 yes, 0 no */
	int against_version; /* the registered version that failed, 0 when unknown */
	struct report *problems;
};

/* Everything printed goes through one printer, so the formats stay consistent. */
struct check_out {
	enum check_format format;
	int quiet;
	json_t *results; /* CHECK_JSON: collected, printed at the end */
};

int check_format_parse(const char *s, enum check_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = CHECK_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = CHECK_JSON;
	else if (strcmp(s, "github") == 0)
		*out = CHECK_GITHUB;
	else
		return -1;
	return 0;
}

char *check_read_file(const char *path, size_t *len, struct sg_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		error_set(err, SG_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			if (cap >= CHECK_MAX_FILE) {
				error_set(err, SG_ELIMIT, "%s: larger than %u bytes", path,
				          (unsigned)CHECK_MAX_FILE);
				break;
			}
			char *p = realloc(buf, cap * 2);
			if (!p)
				break;
			buf = p;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				error_set(err, SG_EIO, "%s: %s", path, strerror(errno));
				break;
			}
			buf[n] = '\0';
			fclose(f);
			*len = n;
			return buf;
		}
	}
	if (!buf)
		error_set(err, SG_ENOMEM, "out of memory");
	free(buf);
	fclose(f);
	return NULL;
}

/* Decides a file's schema type: --type wins, then what the table of types
 * makes of the name and content (schema_file_type()). */
static int check_detect_type(const char *forced, const char *path, const char *text, size_t len,
                             enum schema_type *out, struct sg_error *err)
{
	if (!forced) {
		*out = schema_file_type(path, text, len);
		return 0;
	}
	if (schema_file_type_parse(forced, out) != 0)
		return error_set(err, SG_EBAD_REQUEST,
		                 "--type must be avro, json or protobuf, not '%s'", forced);
	return 0;
}

struct schema *check_load_schema(const char *forced_type, const char *path, char **text_out,
                                 enum schema_type *type_out, struct sg_error *err)
{
	size_t len = 0;
	char *text = check_read_file(path, &len, err);
	if (!text)
		return NULL;
	enum schema_type type = SCHEMA_AVRO;
	if (check_detect_type(forced_type, path, text, len, &type, err) != 0) {
		free(text);
		return NULL;
	}
	struct schema *s = schema_parse(type, text, len, NULL, 0, err);
	if (!s) {
		error_prefix(err, SG_EINVALID_SCHEMA, "%s: ", path);
		free(text);
		return NULL;
	}
	if (text_out)
		*text_out = text;
	else
		free(text);
	if (type_out)
		*type_out = type;
	return s;
}

/* GitHub workflow commands: the message escapes %, CR and LF; properties also
 * escape ':' and ','. */
static void check_gh_escape(FILE *f, const char *s, int property)
{
	for (; *s; s++) {
		switch (*s) {
		case '%':
			fputs("%25", f);
			break;
		case '\r':
			fputs("%0D", f);
			break;
		case '\n':
			fputs("%0A", f);
			break;
		case ':':
			property ? fputs("%3A", f) : fputc(':', f);
			break;
		case ',':
			property ? fputs("%2C", f) : fputc(',', f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* Writes `s` with control characters as \n, \r, \t or \xHH, so it stays on one line. */
static void check_text_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

void check_text_problem(FILE *f, const char *file, long line, const char *location,
                        const char *rule, const char *message)
{
	check_text_escape(f, file);
	if (line > 0)
		fprintf(f, ":%ld", line);
	fputc(':', f);
	check_text_escape(f, location && *location ? location : "/");
	fputs(": ", f);
	check_text_escape(f, rule);
	fputs(": ", f);
	check_text_escape(f, message);
	fputc('\n', f);
}

void check_github_annotation(FILE *f, const char *file, long line, const char *title,
                             const char *location, const char *message)
{
	fputs("::error file=", f);
	check_gh_escape(f, file, 1);
	if (line > 0)
		fprintf(f, ",line=%ld", line);
	if (title && *title) {
		fputs(",title=", f);
		check_gh_escape(f, title, 1);
	}
	fputs("::", f);
	if (location && *location) {
		check_gh_escape(f, location, 0);
		fputs(": ", f);
	}
	check_gh_escape(f, message, 0);
	fputc('\n', f);
}

static void check_print(struct check_out *out, const struct check_result *res)
{
	size_t n = report_count(res->problems);
	const char *subject = res->subject ? res->subject : "(offline history)";
	if (out->format == CHECK_JSON) {
		json_t *problems = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(
			    problems,
			    json_pack("{s:s, s:s, s:s}", "rule", report_type(res->problems, i),
			              "location", report_location(res->problems, i), "message",
			              report_message(res->problems, i)));
		json_t *o = json_pack("{s:s, s:s, s:b, s:o}", "file", res->file, "subject", subject,
		                      "compatible", res->compatible, "problems", problems);
		if (res->level)
			json_object_set_new(o, "level", json_string(res->level));
		if (res->against_version > 0)
			json_object_set_new(o, "version", json_integer(res->against_version));
		json_array_append_new(out->results, o);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *loc = report_location(res->problems, i);
		if (out->format == CHECK_GITHUB)
			check_github_annotation(stdout, res->file, 0, report_type(res->problems, i),
			                        loc, report_message(res->problems, i));
		else
			check_text_problem(stdout, res->file, 0, loc, report_type(res->problems, i),
			                   report_message(res->problems, i));
	}
	if (out->quiet)
		return;
	char version[32] = "";
	if (res->against_version > 0)
		snprintf(version, sizeof version, " version %d", res->against_version);
	if (out->format == CHECK_GITHUB && !res->compatible && n == 0) {
		char msg[1100];
		snprintf(msg, sizeof msg, "incompatible with %s%s", subject, version);
		check_github_annotation(stdout, res->file, 0, NULL, NULL, msg);
	} else if (out->format == CHECK_TEXT) {
		printf("%s: %s %s%s (%s)\n", res->file,
		       res->compatible ? "compatible with" : "incompatible with", subject,
		       res->compatible ? "" : version, res->level ? res->level : "registry level");
	}
}

/* Pulls `key:'value'` (or key:"value") out of one Confluent message string. */
static char *check_msg_field(const char *msg, const char *key, const char *end_marker)
{
	const char *p = strstr(msg, key);
	if (!p)
		return NULL;
	p += strlen(key);
	if (*p != '\'' && *p != '"')
		return NULL;
	p++;
	const char *e = end_marker ? strstr(p, end_marker) : NULL;
	if (!e) {
		e = p + strlen(p);
		if (e > p && e[-1] == '}')
			e--;
		if (e > p && (e[-1] == '\'' || e[-1] == '"'))
			e--;
	}
	if (e < p)
		return NULL;
	return strndup(p, (size_t)(e - p));
}

/* Turns the registry's verbose messages into findings. Confluent writes
 * "{errorType:'T', description:'D', additionalInfo:'I'}" per problem (JSON
 * Schema uses double quotes), plus "{oldSchemaVersion: N}", "{oldSchema: ...}"
 * and "{validateFields: 'b', compatibility: 'LEVEL'}". */
static void check_parse_messages(const json_t *messages, struct check_result *res, char *level_buf,
                                 size_t level_cap)
{
	size_t i;
	const json_t *m;
	json_array_foreach(messages, i, m)
	{
		const char *s = json_string_value(m);
		if (!s)
			continue;
		if (strncmp(s, "{oldSchemaVersion:", 18) == 0) {
			res->against_version = atoi(s + 18);
			continue;
		}
		if (strncmp(s, "{oldSchema:", 11) == 0)
			continue;
		char *lvl = check_msg_field(s, "compatibility: ", NULL);
		if (lvl && strncmp(s, "{validateFields", 15) == 0) {
			snprintf(level_buf, level_cap, "%s", lvl);
			res->level = level_buf;
			free(lvl);
			continue;
		}
		free(lvl);
		char *type = check_msg_field(s, "errorType:", ", description:");
		if (type) {
			size_t tl = strlen(type);
			if (tl > 0 && (type[tl - 1] == '\'' || type[tl - 1] == '"'))
				type[tl - 1] = '\0';
		}
		char *desc = check_msg_field(s, "description:", "', additionalInfo:");
		char *loc = NULL;
		const char *path = desc ? strstr(desc, "path '") : NULL;
		if (path) {
			path += 6;
			const char *q = strchr(path, '\'');
			loc = q ? strndup(path, (size_t)(q - path)) : NULL;
		}
		report_add(res->problems, type ? type : "INCOMPATIBLE", loc ? loc : "", "%s",
		           desc ? desc : s);
		free(type);
		free(desc);
		free(loc);
	}
}

/* Runs the level's check locally and words each finding as the registry would
 * (schema_describe()), so online and offline output read the same. */
static int check_local(enum level level, const struct schema *candidate,
                       const struct schema *const *history, size_t n, struct check_result *res,
                       size_t *failed, struct sg_error *err)
{
	struct report *raw = report_new();
	if (!raw)
		return error_set(err, SG_ENOMEM, "out of memory");
	int ok = schema_check_level(level, candidate, history, n, SCHEMA_POLICY_STRICT, raw, failed,
	                            err);
	if (ok == 0) {
		/* FULL stops at the first direction that fails: backward (the new schema
		 * reading old data) unless that direction passes on its own. */
		int backward = level_backward(level) &&
		               schema_compatible(candidate, history[*failed], SCHEMA_POLICY_STRICT,
		                                 NULL, NULL) != 1;
		const char *reader = backward ? "new" : "old", *writer = backward ? "old" : "new";
		for (size_t i = 0; i < report_count(raw); i++) {
			char buf[2048];
			char *desc = NULL;
			if (schema_describe(schema_type(candidate), raw, i, reader, writer, buf,
			                    sizeof buf) >= 0)
				desc = check_msg_field(buf, "description:", "', additionalInfo:");
			report_add(res->problems, report_type(raw, i), report_location(raw, i),
			           "%s", desc ? desc : report_message(raw, i));
			free(desc);
		}
	}
	report_free(raw);
	return ok;
}

/* Builds the registration body for a schema file (without schemaType for
 * Avro, as Confluent's clients send it). */
static json_t *check_body(const char *text, enum schema_type type)
{
	json_t *body = json_pack("{s:s}", "schema", text);
	if (body && type != SCHEMA_AVRO)
		json_object_set_new(body, "schemaType", json_string(schema_type_name(type)));
	return body;
}

/* Asks the registry to judge `text` under the subject's own level. */
static int check_online_registry_level(struct regclient *rc, const char *subject, const char *text,
                                       enum schema_type type, struct check_result *res,
                                       char *level_buf, size_t cap, struct sg_error *err)
{
	char esc[1024], path[1200];
	if (regclient_escape(subject, esc, sizeof esc) != 0)
		return error_set(err, SG_EBAD_REQUEST, "subject name too long");
	snprintf(path, sizeof path, "/compatibility/subjects/%s/versions?verbose=true", esc);
	json_t *body = check_body(text, type), *resp = NULL;
	int status = regclient_request(rc, "POST", path, body, &resp, err);
	json_decref(body);
	if (status == 404 && resp &&
	    json_integer_value(json_object_get(resp, "error_code")) == 40401) {
		/* Some registries answer "subject not found" instead of "compatible". */
		error_clear(err);
		res->compatible = 1;
		json_decref(resp);
		return 0;
	}
	if (status != 200) {
		json_decref(resp);
		if (status > 0 && err && err->code == SG_OK)
			error_set(err, SG_EUNAVAILABLE, "unexpected HTTP %d from the registry",
			          status);
		return -1;
	}
	json_t *ok = json_object_get(resp, "is_compatible");
	if (!json_is_boolean(ok)) {
		json_decref(resp);
		return error_set(err, SG_EUNAVAILABLE,
		                 "the registry's answer has no is_compatible");
	}
	res->compatible = json_is_true(ok);
	check_parse_messages(json_object_get(resp, "messages"), res, level_buf, cap);
	json_decref(resp);
	return 0;
}

/* Fetches every live version of `subject` and checks locally at `level`. */
static int check_online_local_level(struct regclient *rc, const char *subject,
                                    const struct schema *candidate, enum level level,
                                    struct check_result *res, struct sg_error *err)
{
	char esc[1024], path[1200];
	if (regclient_escape(subject, esc, sizeof esc) != 0)
		return error_set(err, SG_EBAD_REQUEST, "subject name too long");
	snprintf(path, sizeof path, "/subjects/%s/versions", esc);
	json_t *versions = NULL;
	int status = regclient_request(rc, "GET", path, NULL, &versions, err);
	if (status == 404) {
		error_clear(err);
		json_decref(versions);
		res->compatible = 1;
		return 0;
	}
	if (status != 200 || !json_is_array(versions)) {
		json_decref(versions);
		if (err && err->code == SG_OK)
			error_set(err, SG_EUNAVAILABLE, "%s: unexpected answer from the registry",
			          path);
		return -1;
	}
	size_t n = json_array_size(versions);
	if (n > CHECK_MAX_VERSIONS)
		n = CHECK_MAX_VERSIONS;
	struct regfetch *rf = regfetch_new(rc, err);
	const struct schema **history = n ? calloc(n, sizeof *history) : NULL;
	int *numbers = n ? calloc(n, sizeof *numbers) : NULL;
	int rc_out = -1;
	if (!rf || (n && (!history || !numbers))) {
		error_set(err, SG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		numbers[i] = (int)json_integer_value(json_array_get(versions, i));
		history[i] = regfetch_version(rf, subject, numbers[i], NULL, err);
		if (!history[i])
			goto done;
	}
	size_t failed = 0;
	int ok = check_local(level, candidate, history, n, res, &failed, err);
	if (ok < 0)
		goto done;
	res->compatible = ok;
	if (!ok && n)
		res->against_version = numbers[failed];
	rc_out = 0;
done:
	regfetch_free(rf);
	free(history);
	free(numbers);
	json_decref(versions);
	return rc_out;
}

/* One (subject, file) pair, online. */
static int check_one_online(const struct check_config *cfg, struct regclient *rc,
                            struct check_out *out, const char *subject, const char *file,
                            struct sg_error *err)
{
	char *text = NULL;
	enum schema_type type = SCHEMA_AVRO;
	struct schema *candidate = check_load_schema(cfg->type, file, &text, &type, err);
	if (!candidate)
		return -1;
	struct check_result res = {.file = file, .subject = subject, .problems = report_new()};
	char level_buf[64];
	int rc_out;
	if (cfg->level) {
		enum level level;
		level_parse(cfg->level, &level);
		res.level = cfg->level;
		rc_out = check_online_local_level(rc, subject, candidate, level, &res, err);
	} else {
		rc_out = check_online_registry_level(rc, subject, text, type, &res, level_buf,
		                                     sizeof level_buf, err);
	}
	if (rc_out == 0) {
		check_print(out, &res);
		rc_out = res.compatible ? 0 : 1;
	}
	report_free(res.problems);
	schema_free(candidate);
	free(text);
	return rc_out;
}

/* --offline: FILE... where the last file is the candidate. */
static int check_offline(const struct check_config *cfg, struct check_out *out,
                         struct sg_error *err)
{
	enum level level = LEVEL_BACKWARD;
	if (cfg->level)
		level_parse(cfg->level, &level);
	size_t n = cfg->nfiles;
	struct schema **all = calloc(n, sizeof *all);
	if (!all)
		return error_set(err, SG_ENOMEM, "out of memory");
	int rc_out = -1;
	for (size_t i = 0; i < n; i++) {
		all[i] = check_load_schema(cfg->type, cfg->files[i], NULL, NULL, err);
		if (!all[i])
			goto done;
	}
	struct check_result res = {
	    .file = cfg->files[n - 1], .level = level_name(level), .problems = report_new()};
	size_t failed = 0;
	int ok = check_local(level, all[n - 1], (const struct schema *const *)all, n - 1, &res,
	                     &failed, err);
	if (ok >= 0) {
		res.compatible = ok;
		check_print(out, &res);
		if (!ok && !out->quiet && out->format == CHECK_TEXT)
			printf("%s: fails against %s\n", res.file, cfg->files[failed]);
		rc_out = ok ? 0 : 1;
	}
	report_free(res.problems);
done:
	for (size_t i = 0; i < n; i++)
		schema_free(all[i]);
	free(all);
	return rc_out;
}

/* The (subject, file) pairs to work on: from --map, or --subject and one file.
 * Paths in a mapping file are relative to the mapping file. */
struct check_pairs {
	char **subjects;
	char **files;
	size_t n;
};

static void check_pairs_free(struct check_pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->subjects[i]);
		free(p->files[i]);
	}
	free(p->subjects);
	free(p->files);
}

static int check_pairs_load(const struct check_config *cfg, struct check_pairs *p,
                            struct sg_error *err)
{
	memset(p, 0, sizeof *p);
	if (!cfg->map) {
		if (!cfg->subject || cfg->nfiles != 1)
			return error_set(err, SG_EBAD_REQUEST,
			                 "give --subject SUBJECT and one FILE, or --map FILE");
		p->subjects = malloc(sizeof(char *));
		p->files = malloc(sizeof(char *));
		if (!p->subjects || !p->files)
			return error_set(err, SG_ENOMEM, "out of memory");
		p->subjects[0] = strdup(cfg->subject);
		p->files[0] = strdup(cfg->files[0]);
		p->n = 1;
		return 0;
	}
	if (cfg->subject || cfg->nfiles)
		return error_set(err, SG_EBAD_REQUEST, "--map takes no --subject and no FILE");
	json_error_t jerr;
	json_t *map = json_load_file(cfg->map, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(map)) {
		json_decref(map);
		return error_set(err, SG_EBAD_REQUEST, "%s: %s", cfg->map,
		                 map ? "must be a JSON object {\"subject\": \"file\"}" : jerr.text);
	}
	size_t n = json_object_size(map);
	p->subjects = calloc(n ? n : 1, sizeof(char *));
	p->files = calloc(n ? n : 1, sizeof(char *));
	if (!p->subjects || !p->files) {
		json_decref(map);
		return error_set(err, SG_ENOMEM, "out of memory");
	}
	const char *slash = strrchr(cfg->map, '/');
	int dirlen = slash ? (int)(slash - cfg->map + 1) : 0;
	const char *key;
	json_t *val;
	json_object_foreach(map, key, val)
	{
		const char *f = json_string_value(val);
		if (!f) {
			error_set(err, SG_EBAD_REQUEST,
			          "%s: the value for '%s' must be a file name", cfg->map, key);
			json_decref(map);
			return -1;
		}
		size_t need = (size_t)dirlen + strlen(f) + 1;
		p->files[p->n] = malloc(need);
		p->subjects[p->n] = strdup(key);
		if (!p->files[p->n] || !p->subjects[p->n]) {
			p->n++;
			json_decref(map);
			return error_set(err, SG_ENOMEM, "out of memory");
		}
		if (f[0] == '/')
			snprintf(p->files[p->n], need, "%s", f);
		else
			snprintf(p->files[p->n], need, "%.*s%s", dirlen, cfg->map, f);
		p->n++;
	}
	json_decref(map);
	return 0;
}

static int check_validate_config(const struct check_config *cfg, struct sg_error *err)
{
	enum level level;
	if (cfg->level && level_parse(cfg->level, &level) != 0)
		return error_set(
		    err, SG_EBAD_REQUEST,
		    "--level must be one of NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, "
		    "FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE");
	enum schema_type type;
	if (cfg->type && schema_file_type_parse(cfg->type, &type) != 0)
		return error_set(err, SG_EBAD_REQUEST, "--type must be avro, json or protobuf");
	return 0;
}

static void check_finish(struct check_out *out)
{
	if (out->format == CHECK_JSON) {
		json_t *doc = json_pack("{s:O}", "results", out->results);
		char *s = json_dumps(doc, JSON_INDENT(2));
		if (s)
			puts(s);
		free(s);
		json_decref(doc);
	}
	json_decref(out->results);
}

static int check_fail(struct sg_error *err)
{
	fprintf(stderr, "schemagate: %s\n", err->msg);
	return 2;
}

/* The registry client of `cfg`, with the command's timeout. */
static struct regclient *check_client(const struct check_config *cfg, struct sg_error *err)
{
	struct regclient_options ro = cfg->client;
	ro.timeout_ms = CHECK_TIMEOUT_MS;
	return regclient_new(cfg->registry, &ro, err);
}

int check_run(const struct check_config *cfg)
{
	struct sg_error err;
	error_clear(&err);
	if (check_validate_config(cfg, &err) != 0)
		return check_fail(&err);
	struct check_out out = {
	    .format = cfg->format, .quiet = cfg->quiet, .results = json_array()};
	int status = 0;
	if (cfg->offline) {
		if (cfg->map || cfg->subject || cfg->nfiles < 2) {
			json_decref(out.results);
			error_set(&err, SG_EBAD_REQUEST,
			          "--offline compares files: give OLD... NEW (at least two files)");
			return check_fail(&err);
		}
		int r = check_offline(cfg, &out, &err);
		if (r < 0) {
			json_decref(out.results);
			return check_fail(&err);
		}
		check_finish(&out);
		return r;
	}
	struct check_pairs pairs;
	struct regclient *rc = NULL;
	if (check_pairs_load(cfg, &pairs, &err) != 0 || !(rc = check_client(cfg, &err))) {
		check_pairs_free(&pairs);
		json_decref(out.results);
		return check_fail(&err);
	}
	for (size_t i = 0; i < pairs.n; i++) {
		int r = check_one_online(cfg, rc, &out, pairs.subjects[i], pairs.files[i], &err);
		if (r < 0) {
			status = 2;
			break;
		}
		if (r == 1)
			status = 1;
	}
	regclient_free(rc);
	check_pairs_free(&pairs);
	if (status == 2) {
		json_decref(out.results);
		return check_fail(&err);
	}
	check_finish(&out);
	return status;
}

int check_register(const struct check_config *cfg)
{
	struct sg_error err;
	error_clear(&err);
	if (cfg->offline || cfg->level) {
		error_set(&err, SG_EBAD_REQUEST, "register takes neither --offline nor --level");
		return check_fail(&err);
	}
	if (check_validate_config(cfg, &err) != 0)
		return check_fail(&err);
	struct check_pairs pairs;
	struct regclient *rc = NULL;
	if (check_pairs_load(cfg, &pairs, &err) != 0 || !(rc = check_client(cfg, &err))) {
		check_pairs_free(&pairs);
		return check_fail(&err);
	}
	json_t *results = json_array();
	int status = 0;
	for (size_t i = 0; i < pairs.n && status == 0; i++) {
		char *text = NULL;
		enum schema_type type = SCHEMA_AVRO;
		struct schema *s = check_load_schema(cfg->type, pairs.files[i], &text, &type, &err);
		if (!s) {
			status = 2;
			break;
		}
		schema_free(s);
		char esc[1024], path[1200];
		if (regclient_escape(pairs.subjects[i], esc, sizeof esc) != 0) {
			free(text);
			error_set(&err, SG_EBAD_REQUEST, "subject name too long");
			status = 2;
			break;
		}
		json_t *body = check_body(text, type), *resp = NULL, *found = NULL;
		snprintf(path, sizeof path, "/subjects/%s/versions", esc);
		int code = regclient_request(rc, "POST", path, body, &resp, &err);
		json_int_t id = json_integer_value(json_object_get(resp, "id"));
		json_int_t version = 0;
		if (code == 200) {
			/* The registration answer carries only the id: look the version up. */
			snprintf(path, sizeof path, "/subjects/%s", esc);
			if (regclient_request(rc, "POST", path, body, &found, &err) == 200)
				version = json_integer_value(json_object_get(found, "version"));
		}
		json_decref(body);
		free(text);
		if (code == 409) {
			const char *msg = json_string_value(json_object_get(resp, "message"));
			if (cfg->format == CHECK_GITHUB)
				check_github_annotation(stdout, pairs.files[i], 0, NULL, NULL,
				                        msg ? msg : "incompatible");
			else if (cfg->format == CHECK_TEXT) {
				printf("%s: not registered under %s: %s\n", pairs.files[i],
				       pairs.subjects[i], msg ? msg : "incompatible");
			}
			json_array_append_new(results, json_pack("{s:s, s:s, s:b, s:s?}", "file",
			                                         pairs.files[i], "subject",
			                                         pairs.subjects[i], "registered", 0,
			                                         "message", msg));
			status = 1;
			error_clear(&err);
		} else if (code != 200) {
			if (err.code == SG_OK)
				error_set(&err, SG_EUNAVAILABLE,
				          "unexpected HTTP %d from the registry", code);
			status = 2;
		} else {
			if (cfg->format == CHECK_TEXT && !cfg->quiet)
				printf("%s: registered under %s as version %lld, id %lld\n",
				       pairs.files[i], pairs.subjects[i], (long long)version,
				       (long long)id);
			json_array_append_new(results, json_pack("{s:s, s:s, s:b, s:I, s:I}",
			                                         "file", pairs.files[i], "subject",
			                                         pairs.subjects[i], "registered", 1,
			                                         "id", id, "version", version));
		}
		json_decref(resp);
		json_decref(found);
	}
	regclient_free(rc);
	check_pairs_free(&pairs);
	if (status == 2) {
		json_decref(results);
		return check_fail(&err);
	}
	if (cfg->format == CHECK_JSON) {
		json_t *doc = json_pack("{s:o}", "results", results);
		char *s = json_dumps(doc, JSON_INDENT(2));
		if (s)
			puts(s);
		free(s);
		json_decref(doc);
	} else {
		json_decref(results);
	}
	return status;
}
