/* compat/level.c: compatibility level names and what each one checks. */
#include "compat/level.h"

#include <string.h>

static const char *const level_names[] = {
    [LEVEL_NONE] = "NONE",
    [LEVEL_BACKWARD] = "BACKWARD",
    [LEVEL_BACKWARD_TRANSITIVE] = "BACKWARD_TRANSITIVE",
    [LEVEL_FORWARD] = "FORWARD",
    [LEVEL_FORWARD_TRANSITIVE] = "FORWARD_TRANSITIVE",
    [LEVEL_FULL] = "FULL",
    [LEVEL_FULL_TRANSITIVE] = "FULL_TRANSITIVE",
};

int level_parse(const char *s, enum level *out)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum level)i;
			return 0;
		}
	}
	return -1;
}

const char *level_name(enum level l)
{
	if ((unsigned)l >= sizeof level_names / sizeof level_names[0])
		return "NONE";
	return level_names[l];
}

bool level_backward(enum level l)
{
	return l == LEVEL_BACKWARD || l == LEVEL_BACKWARD_TRANSITIVE || l == LEVEL_FULL ||
	       l == LEVEL_FULL_TRANSITIVE;
}

bool level_forward(enum level l)
{
	return l == LEVEL_FORWARD || l == LEVEL_FORWARD_TRANSITIVE || l == LEVEL_FULL ||
	       l == LEVEL_FULL_TRANSITIVE;
}

bool level_transitive(enum level l)
{
	return l == LEVEL_BACKWARD_TRANSITIVE || l == LEVEL_FORWARD_TRANSITIVE ||
	       l == LEVEL_FULL_TRANSITIVE;
}
