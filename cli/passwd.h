/* cli/passwd.h: `schemagate passwd USER`, one "users" entry of the registry's
 * auth file (registry/auth.h) for a password read on standard input.
 *
 * From a terminal the password is asked twice, without echo; from a pipe or a
 * file it is the first line (without its "\n" or "\r\n"). The entry is
 * printed on standard output as a JSON object: the username, "scrypt", a new
 * random salt and the hash, as Karapace's karapace_mkpasswd -a scrypt writes
 * it, so Karapace reads ours and we read Karapace's.
 *
 * Exit status: 0 printed; 2 for a usage error, an empty or unreadable
 * password, or two entries that differ (one line on stderr).
 */
#ifndef SG_CLI_PASSWD_H
#define SG_CLI_PASSWD_H

/* Runs the command for `user`. Returns the exit status. */
int passwd_run(const char *user);

#endif
