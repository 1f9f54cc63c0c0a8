/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Configuration reload (SIGHUP, `kipsec reload`): the file is read again;
 * if it is invalid nothing changes. Otherwise the IKE SAs (and their Child
 * SAs, same SPIs) of connections whose settings are unchanged are kept as
 * they are, connections that were removed or changed are torn down (the
 * peer gets a Delete), and changed or new connections get their
 * start_action (start: initiate, trap: trap policies).
 */
#ifndef KEYD_RELOAD_H
#define KEYD_RELOAD_H

#include <stddef.h>

#include "config.h"

/* live: the running configuration (ikev2_setup points at it); level_opt: --log-level or NULL. */
void reload_setup(const char *path, struct keyd_conf *live, const char *level_opt, bool to_syslog);
/* 0 or -1; a one-line result in msg either way (also logged). */
int reload_run(char *msg, size_t len);

#endif /* KEYD_RELOAD_H */
