/* bench/jsonschema/bench_jsonschema.c: throughput of compat/jsonschema on one
 * core. Usage: bench_jsonschema SCHEMA.json DOC.json [SECONDS]
 * Prints, each as ns/message and messages/s: parse only (jsonschema_parse,
 * raw bytes to a jansson value), validate only (jsonschema_validate on the
 * document parsed once, as jansson value), and parse + validate
 * (jsonschema_validate_bytes on the raw bytes: what the gateway does per
 * message, with no jansson value built). Exits 1 when the document is not
 * valid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat/jsonschema/jsonschema.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 20);
	*len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (buf)
		buf[*len] = '\0';
	return buf;
}

enum mode { PARSE, VALIDATE, BOTH };

/* Runs `mode` for about `secs` seconds; returns ns per message. */
static double run(enum mode mode, const struct jsonschema *v, const char *doc, size_t len,
                  const json_t *parsed, double secs)
{
	long iters = 0, batch = 1000;
	int bad = 0;
	double t0 = now(), t1;
	do {
		for (long i = 0; i < batch; i++) {
			if (mode == PARSE) {
				json_t *j = jsonschema_parse(doc, len, NULL);
				bad |= j == NULL;
				json_decref(j);
			} else if (mode == VALIDATE) {
				bad |= jsonschema_validate(v, parsed, NULL) != 1;
			} else {
				bad |= jsonschema_validate_bytes(v, doc, len, NULL) != 1;
			}
		}
		iters += batch;
		t1 = now();
	} while (t1 - t0 < secs);
	if (bad) {
		fprintf(stderr, "bench_jsonschema: the document did not validate\n");
		exit(1);
	}
	return (t1 - t0) * 1e9 / (double)iters;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s SCHEMA.json DOC.json [SECONDS]\n", argv[0]);
		return 2;
	}
	double secs = argc > 3 ? atof(argv[3]) : 2.0;
	size_t slen, dlen;
	char *stext = slurp(argv[1], &slen), *doc = slurp(argv[2], &dlen);
	if (!stext || !doc) {
		fprintf(stderr, "bench_jsonschema: cannot read input\n");
		return 2;
	}
	struct sg_error err;
	error_clear(&err);
	json_t *schema = jsonschema_parse(stext, slen, &err);
	struct jsonschema *v = schema ? jsonschema_compile(schema, NULL, &err) : NULL;
	if (!v) {
		fprintf(stderr, "bench_jsonschema: %s\n", err.msg);
		return 2;
	}
	json_t *parsed = jsonschema_parse(doc, dlen, &err);
	if (!parsed || jsonschema_validate(v, parsed, NULL) != 1) {
		fprintf(stderr, "bench_jsonschema: the document is not valid\n");
		return 1;
	}
	run(BOTH, v, doc, dlen, parsed, secs / 4); /* warm-up */
	static const char *const names[] = {"parse only", "validate only", "parse + validate"};
	/* Same three figures as bench_ajv.js prints, in the same order. */
	for (int m = PARSE; m <= BOTH; m++) {
		double ns = run((enum mode)m, v, doc, dlen, parsed, secs);
		printf("schemagate %-17s %8.0f ns/msg %12.0f msg/s  (%zu-byte document)\n",
		       names[m], ns, 1e9 / ns, dlen);
	}
	json_decref(parsed);
	json_decref(schema);
	jsonschema_free(v);
	free(stext);
	free(doc);
	return 0;
}
