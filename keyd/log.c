// SPDX-License-Identifier: GPL-2.0
/* Logging to stderr or syslog; see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int log_level = LOG_INFO;
static bool log_syslog;

void log_init(int level, bool to_syslog)
{
	log_level = level;
	log_syslog = to_syslog;
	if (to_syslog)
		openlog("kipsec-keyd", LOG_PID, LOG_DAEMON);
}

int log_level_parse(const char *name)
{
	if (!strcmp(name, "error"))
		return LOG_ERR;
	if (!strcmp(name, "warning"))
		return LOG_WARNING;
	if (!strcmp(name, "info"))
		return LOG_INFO;
	if (!strcmp(name, "debug"))
		return LOG_DEBUG;
	return -1;
}

void log_msg(int level, const char *fmt, ...)
{
	static const char *const tag[] = {
		[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};
	char line[1024];
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_syslog) {
		syslog(level, "%s", line);
	} else {
		struct timespec ts;
		struct tm tm;
		char when[32];

		/* a timestamp with milliseconds: exchanges under TCG take seconds */
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld kipsec-keyd %s: %s\n", when, ts.tv_nsec / 1000000,
			level >= 0 && level <= LOG_DEBUG && tag[level] ? tag[level] : "?", line);
	}
}
