/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket (server side): a Unix stream socket, mode 0600, that
 * only uid 0 may use (also checked with SO_PEERCRED). The protocol (one
 * JSON request per connection, one JSON answer, then the daemon closes) is
 * described in ctl_client.h and keyd/README.md.
 */
#ifndef KEYD_CTL_H
#define KEYD_CTL_H

#include <stddef.h>

#include "ctl_client.h"

struct event_base;

/* What "reload" runs: 0 or -1, a one-line result in msg either way. */
typedef int (*ctl_reload_fn)(char *msg, size_t len);

int ctl_open(struct event_base *base, const char *path, ctl_reload_fn reload);
void ctl_close(void);

#endif /* KEYD_CTL_H */
