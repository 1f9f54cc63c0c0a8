/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Logging: one readable line per event, to stderr (foreground) or syslog.
 * Levels are the syslog ones; lines above the configured level are dropped.
 */
#ifndef KEYD_LOG_H
#define KEYD_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* level: LOG_ERR, LOG_WARNING, LOG_INFO or LOG_DEBUG. */
void log_init(int level, bool to_syslog);
/* "error" | "warning" | "info" | "debug" -> level; -1 if unknown. */
int log_level_parse(const char *name);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* KEYD_LOG_H */
