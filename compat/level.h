/* compat/level.h: Confluent compatibility levels, and which (reader, writer)
 * pairs a level asks to check.
 *
 * Convention everywhere in compat/: the *writer* is the schema data was written
 * with, the *reader* the schema that reads it. BACKWARD means the candidate
 * (new) schema reads data written with the registered (old) ones.
 */
#ifndef SG_LEVEL_H
#define SG_LEVEL_H

#include <stdbool.h>

enum level {
	LEVEL_NONE,
	LEVEL_BACKWARD,
	LEVEL_BACKWARD_TRANSITIVE,
	LEVEL_FORWARD,
	LEVEL_FORWARD_TRANSITIVE,
	LEVEL_FULL,
	LEVEL_FULL_TRANSITIVE,
};

/* Parses "BACKWARD", "FULL_TRANSITIVE", ... (exact, upper case, as Confluent).
 * Returns 0 and sets *out, or -1 for anything else. */
int level_parse(const char *s, enum level *out);

/* The canonical name, e.g. "FULL_TRANSITIVE". */
const char *level_name(enum level l);

/* Whether the level checks the candidate reading old data / old readers
 * reading the candidate's data, and whether against every version or only the
 * latest. */
bool level_backward(enum level l);
bool level_forward(enum level l);
bool level_transitive(enum level l);

#endif
