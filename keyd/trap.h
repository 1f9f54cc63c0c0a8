/* SPDX-License-Identifier: GPL-2.0 */
/*
 * On-demand tunnels (start_action = trap, dpd action = trap): outbound
 * protect policies for the connection's traffic selectors without any SA,
 * one priority step behind the Child SA's own policies (which win while
 * they exist). A packet that matches one makes the kernel hold it and send
 * KIPSEC_CMD_ACQUIRE on the "events" multicast group; we then initiate the
 * connection whose policy it was. The trap policies stay until the
 * connection is removed, so the tunnel comes back on demand after a Delete.
 */
#ifndef KEYD_TRAP_H
#define KEYD_TRAP_H

#include <stdint.h>

#include "config.h"

struct event_base;

/* Joins the events group; 0, or -1 (logged) if the kernel has no such group. */
int trap_open(struct event_base *base, uint16_t ike_port);
void trap_close(void);
/* Installs the trap policies of conn unless it has them; 0 or -1 (logged). */
int trap_install(const struct conf_conn *conn);
/* Removes the trap policies of the connection with this name, if any. */
void trap_remove(const char *name);
void trap_remove_all(void);
struct nl_msg;
/*
 * One message from the events group: an ACQUIRE whose policy is one of our
 * traps initiates that connection (unless it has an IKE SA) and returns
 * NL_OK; anything else (other commands, foreign policies, malformed) NL_SKIP.
 */
int trap_handle_event(struct nl_msg *msg);

#endif /* KEYD_TRAP_H */
