/* cli/passwd.c: `schemagate passwd USER` (see passwd.h). */
#include "cli/passwd.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "registry/auth.h"

#define PASSWD_EXIT_ERROR 2

/* The terminal as it was before echo went off, for a signal to put back. */
static struct termios passwd_saved;
static volatile sig_atomic_t passwd_echo_off;

static void passwd_on_signal(int sig)
{
	if (passwd_echo_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &passwd_saved);
	_exit(128 + sig);
}

/* main() blocks the stop signals for the services' threads; a command that
 * waits on its input must stay interruptible, and leave the terminal as it
 * found it. */
static void passwd_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = passwd_on_signal;
	sigemptyset(&sa.sa_mask);
	sigset_t set;
	sigemptyset(&set);
	int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&set, sigs[i]);
	}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* Reads one line of at most AUTH_PASSWORD_MAX bytes into `buf` (of
 * AUTH_PASSWORD_MAX + 1), without its "\n" or "\r\n". Returns 0, or -1 after
 * a line on stderr. */
static int passwd_read_line(char *buf)
{
	size_t n = 0;
	int c;
	while ((c = getchar()) != EOF && c != '\n') {
		if (c == '\0') {
			fprintf(stderr, "schemagate passwd: the password holds a NUL byte\n");
			return -1;
		}
		if (n == AUTH_PASSWORD_MAX) {
			fprintf(stderr, "schemagate passwd: the password is longer than %d bytes\n",
			        AUTH_PASSWORD_MAX);
			return -1;
		}
		buf[n++] = (char)c;
	}
	if (c == EOF && n == 0) {
		fprintf(stderr, "schemagate passwd: no password on standard input\n");
		return -1;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (n == 0) {
		fprintf(stderr, "schemagate passwd: the password is empty\n");
		return -1;
	}
	return 0;
}

/* Asks on the terminal, echo off. Echo goes off (and what was typed ahead
 * is dropped) before the prompt shows, as getpass() does, so nothing typed
 * after the prompt is lost or echoed. */
static int passwd_prompt(const char *prompt, char *buf)
{
	struct termios quiet;
	int tty = tcgetattr(STDIN_FILENO, &passwd_saved) == 0;
	if (tty) {
		quiet = passwd_saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		passwd_echo_off = 1;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	int rc = passwd_read_line(buf);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &passwd_saved);
		passwd_echo_off = 0;
	}
	return rc;
}

/* The password: twice from a terminal, once from anything else. */
static int passwd_read(const char *user, char *pw)
{
	if (!isatty(STDIN_FILENO))
		return passwd_read_line(pw);
	char prompt[AUTH_NAME_MAX + 32];
	snprintf(prompt, sizeof prompt, "Password for %s: ", user);
	if (passwd_prompt(prompt, pw) < 0)
		return -1;
	char again[AUTH_PASSWORD_MAX + 1];
	int rc = passwd_prompt("Again: ", again);
	if (rc == 0 && strcmp(pw, again) != 0) {
		fprintf(stderr, "schemagate passwd: the two passwords differ\n");
		rc = -1;
	}
	explicit_bzero(again, sizeof again);
	return rc;
}

int passwd_run(const char *user)
{
	if (!*user || strlen(user) > AUTH_NAME_MAX) {
		fprintf(stderr, "schemagate passwd: USER must hold 1 to %d bytes\n", AUTH_NAME_MAX);
		return PASSWD_EXIT_ERROR;
	}
	json_t *name = json_string(user);
	if (!name) {
		fprintf(stderr, "schemagate passwd: USER is not valid UTF-8\n");
		return PASSWD_EXIT_ERROR;
	}
	passwd_signals();

	char pw[AUTH_PASSWORD_MAX + 1];
	char salt[32], hash[128];
	struct sg_error err;
	error_clear(&err);
	int rc = PASSWD_EXIT_ERROR;
	json_t *entry = NULL;
	if (passwd_read(user, pw) < 0)
		goto out;
	if (auth_new_salt(salt, sizeof salt, &err) < 0 ||
	    auth_hash_password("scrypt", salt, pw, hash, sizeof hash, &err) < 0) {
		fprintf(stderr, "schemagate passwd: %s\n", err.msg);
		goto out;
	}
	entry = json_pack("{s:O,s:s,s:s,s:s}", "username", name, "algorithm", "scrypt", "salt",
	                  salt, "password_hash", hash);
	if (!entry || json_dumpf(entry, stdout, JSON_INDENT(4) | JSON_PRESERVE_ORDER) < 0 ||
	    putchar('\n') == EOF || fflush(stdout) != 0) {
		fprintf(stderr, "schemagate passwd: cannot write the entry\n");
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(pw, sizeof pw);
	json_decref(entry);
	json_decref(name);
	return rc;
}
