/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket: a Unix stream socket, mode 0600, that only root may
 * use (checked with SO_PEERCRED). One command line per connection, the
 * text answer, then the daemon closes it:
 *   up NAME      initiate the connection
 *   down NAME    delete its IKE SA (and Child SA)
 *   sas          list IKE and Child SAs with counters
 * Answers start with "ok" or "error" (up/down).
 */
#ifndef KEYD_CTL_H
#define KEYD_CTL_H

struct event_base;

#define CTL_DEFAULT_PATH	"/run/kipsec-keyd.sock"

int ctl_open(struct event_base *base, const char *path);
void ctl_close(void);
/* The client side (kipsec-keyd --ctl): sends the words as one line, prints the answer. */
int ctl_client(const char *path, int argc, char **argv);

#endif /* KEYD_CTL_H */
