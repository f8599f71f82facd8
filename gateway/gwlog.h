/* gateway/gwlog.h: where the gateway's log lines go. Each part of the
 * gateway (gateway, proxy) formats its own line and hands it here: to the
 * embedder's callback when there is one, else to stderr as
 * "2026-12-07T10:00:00Z gateway: LINE" (UTC), one line per call.
 * Header-only. Thread-safe as far as the callback is.
 */
#ifndef SG_GWLOG_H
#define SG_GWLOG_H

#include <stdio.h>
#include <time.h>

static inline void gwlog_write(void (*log)(void *arg, const char *line), void *arg,
                               const char *line)
{
	if (log) {
		log(arg, line);
		return;
	}
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", gmtime_r(&now, &tm));
	fprintf(stderr, "%sZ gateway: %s\n", ts, line);
}

#endif
