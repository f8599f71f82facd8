/* fuzz/fuzz_pembundle.c: common/pembundle on arbitrary bytes as the contents
 * of a CA file. The input is written once to a file alone in a folder, which
 * is then read both as the file and as the folder: the two must agree (the
 * same text, or both failing, for the same reason). A text read must be
 * certificate blocks only (BEGIN line, base64 lines of at most 64
 * characters, END line), within the limit, as long as *len says, and read
 * again must come out the same. A failure must be a known code with a
 * message naming the path. Never crash, leak or hang. Seeds:
 * fuzz/corpus/pembundle/. */
#include "common/pembundle.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small enough for inputs to pass it (libFuzzer's -max_len is 4096 by
 * default). */
#define FUZZ_LIMIT 3000

static char fuzz_dir[64];
static char fuzz_folder[96], fuzz_file[128], fuzz_again[128];

static void fuzz_write(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort(); /* the machine, not the code under test */
}

/* 1 when `s` (of `n` bytes) is blocks as pembundle writes them. */
static int fuzz_well_formed(const char *s, size_t n)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----\n";
	static const char end[] = "-----END CERTIFICATE-----\n";
	const char *p = s, *e = s + n;
	if (n == 0)
		return 0;
	while (p < e) {
		if ((size_t)(e - p) < sizeof begin - 1 || memcmp(p, begin, sizeof begin - 1) != 0)
			return 0;
		p += sizeof begin - 1;
		size_t lines = 0;
		for (;;) {
			const char *nl = memchr(p, '\n', (size_t)(e - p));
			if (!nl)
				return 0;
			if (*p == '-')
				break;
			if (nl == p || nl - p > 64)
				return 0;
			for (const char *c = p; c < nl; c++)
				if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz01"
				            "23456789+/=",
				            *c))
					return 0;
			p = nl + 1;
			lines++;
		}
		if (lines == 0 || (size_t)(e - p) < sizeof end - 1 ||
		    memcmp(p, end, sizeof end - 1) != 0)
			return 0;
		p += sizeof end - 1;
	}
	return 1;
}

static void fuzz_check_error(const struct sg_error *err, const char *path)
{
	if (err->code != SG_EIO && err->code != SG_ELIMIT && err->code != SG_ENOMEM)
		__builtin_trap();
	if (!memchr(err->msg, 0, sizeof err->msg) || strncmp(err->msg, path, strlen(path)) != 0)
		__builtin_trap();
}

/* Makes a fresh folder for one input (libFuzzer ends with _Exit, so
 * nothing is left behind only if each input cleans up after itself). */
static void fuzz_setup(void)
{
	snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/fuzz_pembundle.XXXXXX");
	if (!mkdtemp(fuzz_dir))
		abort();
	snprintf(fuzz_folder, sizeof fuzz_folder, "%s/ca", fuzz_dir);
	snprintf(fuzz_file, sizeof fuzz_file, "%s/ca.crt", fuzz_folder);
	snprintf(fuzz_again, sizeof fuzz_again, "%s/again.crt", fuzz_dir);
	if (mkdir(fuzz_folder, 0700) != 0)
		abort();
}

static void fuzz_cleanup(void)
{
	unlink(fuzz_file);
	unlink(fuzz_again);
	rmdir(fuzz_folder);
	rmdir(fuzz_dir);
}

static void fuzz_one(const uint8_t *data, size_t size)
{
	fuzz_write(fuzz_file, data, size);

	struct sg_error ef, ed;
	size_t lf = 0, ld = 0;
	error_clear(&ef);
	error_clear(&ed);
	char *tf = pembundle_read(fuzz_file, FUZZ_LIMIT, &lf, &ef);
	char *td = pembundle_read(fuzz_folder, FUZZ_LIMIT, &ld, &ed);

	if (!tf != !td)
		__builtin_trap();
	if (!tf) {
		fuzz_check_error(&ef, fuzz_file);
		fuzz_check_error(&ed, fuzz_folder);
		/* The same cause: the same message about the file, or the same
		 * said of the path asked for ("add up to more than"), or nothing
		 * found, said of the file or of the folder. */
		if (ef.code != ed.code)
			__builtin_trap();
		int none_f = strstr(ef.msg, ": no PEM certificate in it") != NULL;
		int none_d = strstr(ed.msg, ": a folder with no PEM certificate") != NULL;
		if (none_f != none_d)
			__builtin_trap();
		if (!none_f && strcmp(ef.msg, ed.msg) != 0 &&
		    strcmp(ef.msg + strlen(fuzz_file), ed.msg + strlen(fuzz_folder)) != 0)
			__builtin_trap();
		return;
	}
	if (ef.code != SG_OK || ed.code != SG_OK)
		__builtin_trap();
	if (lf != ld || lf != strlen(tf) || memcmp(tf, td, lf) != 0 || lf > FUZZ_LIMIT)
		__builtin_trap();
	if (!fuzz_well_formed(tf, lf))
		__builtin_trap();

	/* What comes out reads back to itself. */
	fuzz_write(fuzz_again, tf, lf);
	size_t la = 0;
	struct sg_error ea;
	error_clear(&ea);
	char *ta = pembundle_read(fuzz_again, FUZZ_LIMIT, &la, &ea);
	if (!ta || la != lf || memcmp(ta, tf, lf) != 0)
		__builtin_trap();
	free(ta);
	free(tf);
	free(td);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_setup();
	fuzz_one(data, size);
	fuzz_cleanup();
	return 0;
}
