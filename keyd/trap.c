// SPDX-License-Identifier: GPL-2.0
/* Trap policies and kernel ACQUIRE events; see trap.h. */
#include "trap.h"
#include "ikev2_exch.h"
#include "ikev2_sa.h"
#include "kernel.h"
#include "log.h"
#include "net.h"
#include "ts.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include <linux/kipsec.h>

#define PRIO_TRAP	1001	/* right behind the Child SA's policies (1000) */
#define PRIO_TRAP_IKE	9	/* transport mode: IKE itself passes, ahead of everything */
#define TRAP_MAX_POL	64

struct trap {
	struct trap *next;
	char name[CONF_NAME_MAX];	/* by name: a reload replaces the conf_conn */
	uint32_t ids[TRAP_MAX_POL];
	bool protect[TRAP_MAX_POL];	/* only these can trigger an ACQUIRE */
	size_t n;
};

static struct trap *traps;
static struct nl_sock *evsk;
static struct event *evev;
static uint16_t port = 500;	/* trap_open sets the configured one */

static struct trap *find(const char *name)
{
	for (struct trap *t = traps; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static int add(struct trap *t, const struct kernel_policy *p)
{
	uint32_t id;

	if (t->n >= TRAP_MAX_POL) {
		log_err("%s: too many trap policies (> %d prefixes)", t->name, TRAP_MAX_POL);
		return -1;
	}
	if (kernel_policy_add(p, &id))
		return -1;
	t->protect[t->n] = p->action == KIPSEC_ACTION_PROTECT;
	t->ids[t->n++] = id;
	return 0;
}

static void unlink_free(struct trap *t)
{
	for (struct trap **pp = &traps; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	for (size_t i = 0; i < t->n; i++)
		kernel_policy_del(t->ids[i]);
	free(t);
}

/* Transport mode: the selectors can cover IKE between the two hosts. */
static int ike_bypass(struct trap *t, const struct conf_conn *conn)
{
	struct kernel_policy p = {
		.action = KIPSEC_ACTION_BYPASS, .priority = PRIO_TRAP_IKE, .proto = IPPROTO_UDP,
		.dir = KIPSEC_DIR_OUT, .sport_min = port, .sport_max = port, .dport_max = 65535,
	};
	size_t la, lr;
	const uint8_t *a = net_addr_bytes(&conn->local.addr, &la);
	const uint8_t *r = net_addr_bytes(&conn->remote.addr, &lr);

	if (!a || !r)
		return -1;
	p.src.family = p.dst.family = (uint8_t)conn->local.addr.ss_family;
	p.src.plen = (uint8_t)(la * 8);
	p.dst.plen = (uint8_t)(lr * 8);
	memcpy(p.src.addr, a, la);
	memcpy(p.dst.addr, r, lr);
	if (add(t, &p))
		return -1;
	p.dir = KIPSEC_DIR_IN;
	memcpy(p.src.addr, r, lr);
	memcpy(p.dst.addr, a, la);
	p.sport_min = 0;
	p.sport_max = 65535;
	p.dport_min = p.dport_max = port;
	return add(t, &p);
}

static int out_policies(struct trap *t, const struct conf_conn *conn)
{
	for (size_t i = 0; i < conn->local.ts.n; i++) {
		const struct ikev2_ts *l = &conn->local.ts.ts[i];
		struct ts_prefix lp[8];
		int nl = ts_to_prefixes(l, lp, 8);

		for (size_t j = 0; j < conn->remote.ts.n; j++) {
			const struct ikev2_ts *r = &conn->remote.ts.ts[j];
			struct ts_prefix rp[8];
			int nr = ts_to_prefixes(r, rp, 8);

			if (l->type != r->type || (l->proto && r->proto && l->proto != r->proto))
				continue;
			if (nl < 0 || nr < 0) {
				log_err("%s: traffic selector range too fragmented for a trap policy",
					conn->name);
				return -1;
			}
			for (int a = 0; a < nl; a++) {
				for (int b = 0; b < nr; b++) {
					struct kernel_policy p = {
						.dir = KIPSEC_DIR_OUT, .action = KIPSEC_ACTION_PROTECT,
						.priority = PRIO_TRAP, .proto = l->proto ? l->proto : r->proto,
						.src = lp[a], .dst = rp[b],
						.sport_min = l->sport, .sport_max = l->eport,
						.dport_min = r->sport, .dport_max = r->eport,
						.tmpl = true, .mode = conn->mode, .reqid = conn->reqid,
						.tmpl_src = &conn->local.addr, .tmpl_dst = &conn->remote.addr,
					};

					if (add(t, &p))
						return -1;
				}
			}
		}
	}
	return 0;
}

int trap_install(const struct conf_conn *conn)
{
	struct trap *t;

	if (find(conn->name))
		return 0;
	if (conn->remote.addr.ss_family == AF_UNSPEC) {
		log_err("%s: a trap needs a remote address, not %%any", conn->name);
		return -1;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	snprintf(t->name, sizeof(t->name), "%s", conn->name);
	t->next = traps;
	traps = t;
	if ((conn->mode == KIPSEC_MODE_TRANSPORT && ike_bypass(t, conn)) || out_policies(t, conn)) {
		unlink_free(t);
		log_err("%s: trap policies not installed", conn->name);
		return -1;
	}
	log_info("%s: trap installed (%zu polic%s), waiting for traffic%s", conn->name, t->n,
		 t->n == 1 ? "y" : "ies", evsk ? "" : " (but no ACQUIRE events from this kernel)");
	return 0;
}

void trap_remove(const char *name)
{
	struct trap *t = find(name);

	if (t) {
		unlink_free(t);
		log_info("%s: trap removed", name);
	}
}

void trap_remove_all(void)
{
	while (traps)
		unlink_free(traps);
}

/* ---------------------------------------------------------- ACQUIRE */

static struct trap *by_policy(uint32_t id)
{
	for (struct trap *t = traps; t; t = t->next)
		for (size_t i = 0; i < t->n; i++)
			if (t->ids[i] == id && t->protect[i])
				return t;
	return NULL;
}

static void addr_text(const struct nlattr *a, char *out, size_t len)
{
	snprintf(out, len, "?");
	if (a && nla_len(a) == 4)
		inet_ntop(AF_INET, nla_data(a), out, (socklen_t)len);
	else if (a && nla_len(a) == 16)
		inet_ntop(AF_INET6, nla_data(a), out, (socklen_t)len);
}

int trap_handle_event(struct nl_msg *msg)
{
	static const struct nla_policy top[KIPSEC_A_MAX + 1] = {
		[KIPSEC_A_POLICY] = { .type = NLA_NESTED },
		[KIPSEC_A_ACQUIRE] = { .type = NLA_NESTED },
	};
	struct nlattr *tb[KIPSEC_A_MAX + 1], *pol[KIPSEC_POL_A_MAX + 1];
	struct nlattr *acq[KIPSEC_ACQ_A_MAX + 1] = { 0 };
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	const struct conf_conn *conn;
	struct trap *t;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	uint32_t id;

	if (gh->cmd != KIPSEC_CMD_ACQUIRE)
		return NL_SKIP;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, KIPSEC_A_MAX, (struct nla_policy *)top) ||
	    !tb[KIPSEC_A_POLICY] ||
	    nla_parse_nested(pol, KIPSEC_POL_A_MAX, tb[KIPSEC_A_POLICY], NULL) || !pol[KIPSEC_POL_A_ID] ||
	    nla_len(pol[KIPSEC_POL_A_ID]) < 4) {
		log_warn("kernel: malformed ACQUIRE event ignored");
		return NL_SKIP;
	}
	if (tb[KIPSEC_A_ACQUIRE])
		nla_parse_nested(acq, KIPSEC_ACQ_A_MAX, tb[KIPSEC_A_ACQUIRE], NULL);
	addr_text(acq[KIPSEC_ACQ_A_SRC], src, sizeof(src));
	addr_text(acq[KIPSEC_ACQ_A_DST], dst, sizeof(dst));
	id = nla_get_u32(pol[KIPSEC_POL_A_ID]);
	t = by_policy(id);
	if (!t) {
		log_debug("ACQUIRE for policy %u (%s -> %s): not one of our traps", id, src, dst);
		return NL_SKIP;
	}
	conn = ikev2_conn_by_name(t->name);
	if (!conn)
		return NL_SKIP;
	if (ike_sa_by_conn(conn)) {
		log_debug("%s: ACQUIRE (%s -> %s) while an IKE SA exists, ignored", conn->name, src, dst);
		return NL_SKIP;
	}
	log_info("%s: ACQUIRE for policy %u (%s -> %s): initiating", conn->name, id, src, dst);
	ikev2_initiate(conn);
	return NL_OK;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	(void)arg;
	trap_handle_event(msg);
	return NL_OK;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	nl_recvmsgs_default(evsk);
}

int trap_open(struct event_base *base, uint16_t ike_port)
{
	int grp, err;

	port = ike_port;
	evsk = nl_socket_alloc();
	if (!evsk)
		return -1;
	err = genl_connect(evsk);
	grp = err < 0 ? err : genl_ctrl_resolve_grp(evsk, KIPSEC_GENL_NAME, KIPSEC_MCGRP_EVENTS);
	if (grp < 0) {
		log_warn("kernel: no \"%s\" event group (%s): start_action trap cannot work",
			 KIPSEC_MCGRP_EVENTS, nl_geterror(grp));
		goto fail;
	}
	nl_socket_disable_seq_check(evsk);
	nl_socket_modify_cb(evsk, NL_CB_VALID, NL_CB_CUSTOM, on_event, NULL);
	err = nl_socket_add_membership(evsk, grp);
	if (!err)
		err = nl_socket_set_nonblocking(evsk);
	if (err < 0) {
		log_warn("kernel: cannot join the event group: %s", nl_geterror(err));
		goto fail;
	}
	evev = event_new(base, nl_socket_get_fd(evsk), EV_READ | EV_PERSIST, on_readable, NULL);
	if (!evev || event_add(evev, NULL))
		goto fail;
	return 0;
fail:
	if (evev)
		event_free(evev);
	evev = NULL;
	nl_socket_free(evsk);
	evsk = NULL;
	return -1;
}

void trap_close(void)
{
	trap_remove_all();
	if (evev)
		event_free(evev);
	evev = NULL;
	if (evsk)
		nl_socket_free(evsk);
	evsk = NULL;
}
