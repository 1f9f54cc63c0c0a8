// SPDX-License-Identifier: GPL-2.0
/* kipsec generic netlink client for the daemon; see kernel.h. */
#include "kernel.h"
#include "log.h"
#include "net.h"

#include <errno.h>
#include <string.h>

#include <event2/event.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include <linux/kipsec.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static struct nl_sock *nlsk;
static int family = -1;
/* cleared once the module refuses KIPSEC_SA_A_LIFETIME (built without lifetimes) */
static bool lifetimes_ok = true;

struct call {
	int err;
	bool done;
	char msg[256];		/* the kernel's extended ack text */
	int (*reply)(struct nlattr **tb, void *ctx);
	void *ctx;
};

int kernel_open(void)
{
	int one = 1, err;

	nlsk = nl_socket_alloc();
	if (!nlsk) {
		log_err("kernel: out of memory");
		return -1;
	}
	err = genl_connect(nlsk);
	if (err < 0) {
		log_err("kernel: cannot open a generic netlink socket: %s", nl_geterror(err));
		goto fail;
	}
	/* the kernel's reason for a refusal, without our request (keys) echoed back */
	setsockopt(nl_socket_get_fd(nlsk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nlsk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	family = genl_ctrl_resolve(nlsk, KIPSEC_GENL_NAME);
	if (family < 0) {
		log_err("kernel: generic netlink family \"%s\" not found: is kipsec.ko loaded?",
			KIPSEC_GENL_NAME);
		goto fail;
	}
	return 0;
fail:
	nl_socket_free(nlsk);
	nlsk = NULL;
	return -1;
}

void kernel_close(void)
{
	if (nlsk)
		nl_socket_free(nlsk);
	nlsk = NULL;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct call *c = arg;
	struct nlattr *tb[KIPSEC_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, KIPSEC_A_MAX, NULL)) {
		c->err = -EBADMSG;
		return NL_SKIP;
	}
	if (c->reply && c->reply(tb, c->ctx))
		c->err = -EBADMSG;
	return NL_OK;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct call *c = arg;
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);

	(void)who;
	c->err = e->error ? e->error : -EPROTO;
	c->done = true;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
		size_t off = sizeof(*e);
		int len;

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(e->msg);
		len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
		if (len > 0 && !nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
					  len, NULL) && tb[NLMSGERR_ATTR_MSG])
			nla_strlcpy(c->msg, tb[NLMSGERR_ATTR_MSG], sizeof(c->msg));
	}
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct call *c = arg;

	(void)msg;
	c->done = true;
	return NL_STOP;
}

/* Sends msg (consumed, wiped: it may carry keys) and waits for the answer. */
static int request(struct nl_msg *msg, const char *what, struct call *c)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err;

	if (!cb) {
		err = -ENOMEM;
		goto out;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, c);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, c);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, c);
	err = nl_send_auto(nlsk, msg);
	if (err < 0) {
		log_err("kernel: %s: netlink send failed: %s", what, nl_geterror(err));
		err = -EIO;
		goto out_cb;
	}
	err = 0;
	while (!c->done) {
		int r = nl_recvmsgs(nlsk, cb);

		if (r < 0 && !c->done) {
			log_err("kernel: %s: netlink receive failed: %s", what, nl_geterror(r));
			err = -EIO;
			break;
		}
	}
	if (!err)
		err = c->err;
	if (err && err != -EIO)
		log_err("kernel refused %s: %s%s%s", what, strerror(-err), c->msg[0] ? ": " : "", c->msg);
out_cb:
	nl_cb_put(cb);
out:
	explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	return err;
}

static struct nl_msg *new_msg(uint8_t cmd)
{
	struct nl_msg *msg;

	if (!nlsk)
		return NULL;
	msg = nlmsg_alloc();
	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_ACK, cmd,
				KIPSEC_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static int put_addr(struct nl_msg *msg, int type, const struct sockaddr_storage *ss)
{
	size_t len;
	const uint8_t *a = net_addr_bytes(ss, &len);

	return a ? nla_put(msg, type, (int)len, a) : -1;
}

static int put_lifetime(struct nl_msg *msg, const struct kernel_sa *sa)
{
	struct nlattr *lft;

	if (!sa->hard_secs || !lifetimes_ok)
		return 0;
	lft = nla_nest_start(msg, KIPSEC_SA_A_LIFETIME);
	if (!lft || (sa->soft_secs && nla_put_u64(msg, KIPSEC_LFT_A_SOFT_ADD_SECS, sa->soft_secs)) ||
	    nla_put_u64(msg, KIPSEC_LFT_A_HARD_ADD_SECS, sa->hard_secs))
		return -1;
	nla_nest_end(msg, lft);
	return 0;
}

static int sa_add(const struct kernel_sa *sa);

int kernel_sa_add(const struct kernel_sa *sa)
{
	int err = sa_add(sa);

	if (err == -EINVAL && sa->hard_secs && lifetimes_ok) {
		/* an older module without lifetimes: the daemon's timers still rekey */
		lifetimes_ok = false;
		log_warn("kernel: SA lifetimes refused, installing SAs without kernel limits");
		err = sa_add(sa);
	}
	return err;
}

static int sa_add(const struct kernel_sa *sa)
{
	struct nl_msg *msg = new_msg(KIPSEC_CMD_SA_ADD);
	struct call c = { 0 };
	struct nlattr *nest;
	char what[64];

	if (!msg)
		return -ENOMEM;
	snprintf(what, sizeof(what), "SA_ADD spi 0x%08x", sa->spi);
	nest = nla_nest_start(msg, KIPSEC_A_SA);
	if (!nest || nla_put_u32(msg, KIPSEC_SA_A_SPI, sa->spi) ||
	    nla_put_u8(msg, KIPSEC_SA_A_PROTO, KIPSEC_PROTO_ESP) ||
	    put_addr(msg, KIPSEC_SA_A_SRC, sa->src) || put_addr(msg, KIPSEC_SA_A_DST, sa->dst) ||
	    nla_put_u8(msg, KIPSEC_SA_A_MODE, sa->mode) ||
	    nla_put_u32(msg, KIPSEC_SA_A_REQID, sa->reqid) ||
	    nla_put_u16(msg, KIPSEC_SA_A_ENC_ALG, sa->enc_alg) ||
	    (sa->enc_len && nla_put(msg, KIPSEC_SA_A_ENC_KEY, (int)sa->enc_len, sa->enc_key)) ||
	    (sa->integ_alg && (nla_put_u16(msg, KIPSEC_SA_A_INTEG_ALG, sa->integ_alg) ||
			       nla_put(msg, KIPSEC_SA_A_INTEG_KEY, (int)sa->integ_len, sa->integ_key))) ||
	    nla_put_u32(msg, KIPSEC_SA_A_REPLAY_WINDOW, sa->replay_window) ||
	    nla_put_u32(msg, KIPSEC_SA_A_FLAGS, sa->esn ? KIPSEC_SA_F_ESN : 0) ||
	    put_lifetime(msg, sa)) {
		explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return request(msg, what, &c);
}

static struct nl_msg *sa_key_msg(uint8_t cmd, const struct sockaddr_storage *dst, uint32_t spi)
{
	struct nl_msg *msg = new_msg(cmd);
	struct nlattr *nest;

	if (!msg)
		return NULL;
	nest = nla_nest_start(msg, KIPSEC_A_SA);
	if (!nest || nla_put_u32(msg, KIPSEC_SA_A_SPI, spi) ||
	    nla_put_u8(msg, KIPSEC_SA_A_PROTO, KIPSEC_PROTO_ESP) || put_addr(msg, KIPSEC_SA_A_DST, dst)) {
		nlmsg_free(msg);
		return NULL;
	}
	nla_nest_end(msg, nest);
	return msg;
}

int kernel_sa_del(const struct sockaddr_storage *dst, uint32_t spi)
{
	struct nl_msg *msg = sa_key_msg(KIPSEC_CMD_SA_DEL, dst, spi);
	struct call c = { 0 };
	char what[64];

	if (!msg)
		return -ENOMEM;
	snprintf(what, sizeof(what), "SA_DEL spi 0x%08x", spi);
	return request(msg, what, &c);
}

static int stats_reply(struct nlattr **tb, void *ctx)
{
	struct kernel_sa_stats *st = ctx;
	struct nlattr *sa[KIPSEC_SA_A_MAX + 1], *s[KIPSEC_STATS_A_MAX + 1];

	if (!tb[KIPSEC_A_SA] || nla_parse_nested(sa, KIPSEC_SA_A_MAX, tb[KIPSEC_A_SA], NULL))
		return -1;
	if (!sa[KIPSEC_SA_A_STATS])
		return 0;
	if (nla_parse_nested(s, KIPSEC_STATS_A_MAX, sa[KIPSEC_SA_A_STATS], NULL))
		return -1;
	if (s[KIPSEC_STATS_A_PACKETS] && nla_len(s[KIPSEC_STATS_A_PACKETS]) == 8)
		st->packets = nla_get_u64(s[KIPSEC_STATS_A_PACKETS]);
	if (s[KIPSEC_STATS_A_BYTES] && nla_len(s[KIPSEC_STATS_A_BYTES]) == 8)
		st->bytes = nla_get_u64(s[KIPSEC_STATS_A_BYTES]);
	return 0;
}

int kernel_sa_stats(const struct sockaddr_storage *dst, uint32_t spi, struct kernel_sa_stats *st)
{
	struct nl_msg *msg = sa_key_msg(KIPSEC_CMD_SA_GET, dst, spi);
	struct call c = { .reply = stats_reply, .ctx = st };
	char what[64];

	memset(st, 0, sizeof(*st));
	if (!msg)
		return -ENOMEM;
	snprintf(what, sizeof(what), "SA_GET spi 0x%08x", spi);
	return request(msg, what, &c);
}

static int put_prefix(struct nl_msg *msg, int a_addr, int a_plen, const struct ts_prefix *p)
{
	if (!p->family)
		return 0;
	return nla_put(msg, a_addr, p->family == AF_INET ? 4 : 16, p->addr) ||
	       nla_put_u8(msg, a_plen, p->plen);
}

static int policy_id_reply(struct nlattr **tb, void *ctx)
{
	struct nlattr *pol[KIPSEC_POL_A_MAX + 1];

	if (!tb[KIPSEC_A_POLICY] || nla_parse_nested(pol, KIPSEC_POL_A_MAX, tb[KIPSEC_A_POLICY], NULL) ||
	    !pol[KIPSEC_POL_A_ID] || nla_len(pol[KIPSEC_POL_A_ID]) != 4)
		return -1;
	*(uint32_t *)ctx = nla_get_u32(pol[KIPSEC_POL_A_ID]);
	return 0;
}

int kernel_policy_add(const struct kernel_policy *p, uint32_t *id)
{
	static const char *const dirs[] = { "in", "out", "fwd" };
	struct nl_msg *msg = new_msg(KIPSEC_CMD_POLICY_ADD);
	struct call c = { .reply = policy_id_reply, .ctx = id };
	struct nlattr *nest, *tmpls, *tmpl;
	char what[64];
	int bad;

	*id = 0;
	if (!msg)
		return -ENOMEM;
	snprintf(what, sizeof(what), "POLICY_ADD dir %s", p->dir < 3 ? dirs[p->dir] : "?");
	nest = nla_nest_start(msg, KIPSEC_A_POLICY);
	bad = !nest || nla_put_u8(msg, KIPSEC_POL_A_DIR, p->dir) ||
	      nla_put_u32(msg, KIPSEC_POL_A_PRIORITY, p->priority) ||
	      nla_put_u8(msg, KIPSEC_POL_A_ACTION, p->action) ||
	      put_prefix(msg, KIPSEC_POL_A_SEL_SRC, KIPSEC_POL_A_SEL_SRC_PLEN, &p->src) ||
	      put_prefix(msg, KIPSEC_POL_A_SEL_DST, KIPSEC_POL_A_SEL_DST_PLEN, &p->dst);
	if (!bad && !p->src.family && p->dst.family)
		bad = nla_put_u16(msg, KIPSEC_POL_A_SEL_FAMILY, p->dst.family);
	if (!bad && p->proto)
		bad = nla_put_u8(msg, KIPSEC_POL_A_SEL_PROTO, p->proto) ||
		      nla_put_u16(msg, KIPSEC_POL_A_SEL_SPORT_MIN, p->sport_min) ||
		      nla_put_u16(msg, KIPSEC_POL_A_SEL_SPORT_MAX, p->sport_max) ||
		      nla_put_u16(msg, KIPSEC_POL_A_SEL_DPORT_MIN, p->dport_min) ||
		      nla_put_u16(msg, KIPSEC_POL_A_SEL_DPORT_MAX, p->dport_max);
	if (!bad && p->tmpl) {
		tmpls = nla_nest_start(msg, KIPSEC_POL_A_TMPLS);
		tmpl = tmpls ? nla_nest_start(msg, KIPSEC_TMPLS_A_TMPL) : NULL;
		bad = !tmpl || nla_put_u8(msg, KIPSEC_TMPL_A_PROTO, KIPSEC_PROTO_ESP) ||
		      nla_put_u8(msg, KIPSEC_TMPL_A_MODE, p->mode) ||
		      nla_put_u32(msg, KIPSEC_TMPL_A_REQID, p->reqid);
		if (!bad && p->mode == KIPSEC_MODE_TUNNEL)
			bad = put_addr(msg, KIPSEC_TMPL_A_SRC, p->tmpl_src) ||
			      put_addr(msg, KIPSEC_TMPL_A_DST, p->tmpl_dst);
		if (!bad) {
			nla_nest_end(msg, tmpl);
			nla_nest_end(msg, tmpls);
		}
	}
	if (bad) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return request(msg, what, &c);
}

int kernel_policy_del(uint32_t id)
{
	struct nl_msg *msg = new_msg(KIPSEC_CMD_POLICY_DEL);
	struct call c = { 0 };
	struct nlattr *nest;
	char what[64];

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, KIPSEC_A_POLICY);
	if (!nest || nla_put_u32(msg, KIPSEC_POL_A_ID, id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	snprintf(what, sizeof(what), "POLICY_DEL id %u", id);
	return request(msg, what, &c);
}

/* ---------------------------------------------------------- events */

static struct nl_sock *evsk;
static struct event *evev;
static kernel_expire_fn expire_fn;

static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[KIPSEC_A_MAX + 1], *sa[KIPSEC_SA_A_MAX + 1];
	struct sockaddr_storage dst = { 0 };
	int len;

	(void)arg;
	if (gh->cmd != KIPSEC_CMD_EXPIRE ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, KIPSEC_A_MAX, NULL) || !tb[KIPSEC_A_SA] ||
	    nla_parse_nested(sa, KIPSEC_SA_A_MAX, tb[KIPSEC_A_SA], NULL) || !sa[KIPSEC_SA_A_SPI] ||
	    nla_len(sa[KIPSEC_SA_A_SPI]) != 4 || !sa[KIPSEC_SA_A_DST])
		return NL_SKIP;
	if (sa[KIPSEC_SA_A_PROTO] && nla_get_u8(sa[KIPSEC_SA_A_PROTO]) != KIPSEC_PROTO_ESP)
		return NL_SKIP;
	len = nla_len(sa[KIPSEC_SA_A_DST]);
	if (len == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)&dst;

		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, nla_data(sa[KIPSEC_SA_A_DST]), 4);
	} else if (len == 16) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&dst;

		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, nla_data(sa[KIPSEC_SA_A_DST]), 16);
	} else {
		return NL_SKIP;
	}
	if (expire_fn)
		expire_fn(&dst, nla_get_u32(sa[KIPSEC_SA_A_SPI]), tb[KIPSEC_A_EXPIRE_HARD] != NULL);
	return NL_OK;
}

static void events_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	nl_recvmsgs_default(evsk);
}

int kernel_events_open(struct event_base *base, kernel_expire_fn fn)
{
	int grp, err;

	evsk = nl_socket_alloc();
	if (!evsk)
		return -1;
	nl_socket_disable_seq_check(evsk);
	nl_socket_modify_cb(evsk, NL_CB_VALID, NL_CB_CUSTOM, on_event, NULL);
	err = genl_connect(evsk);
	grp = err < 0 ? err : genl_ctrl_resolve_grp(evsk, KIPSEC_GENL_NAME, KIPSEC_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(evsk, grp) < 0 || nl_socket_set_nonblocking(evsk) < 0) {
		log_warn("kernel: no \"%s\" multicast group: EXPIRE events unavailable, rekeying on timers only",
			 KIPSEC_MCGRP_EVENTS);
		nl_socket_free(evsk);
		evsk = NULL;
		return -1;
	}
	expire_fn = fn;
	evev = event_new(base, nl_socket_get_fd(evsk), EV_READ | EV_PERSIST, events_readable, NULL);
	if (!evev || event_add(evev, NULL)) {
		kernel_events_close();
		return -1;
	}
	return 0;
}

void kernel_events_close(void)
{
	if (evev)
		event_free(evev);
	evev = NULL;
	if (evsk)
		nl_socket_free(evsk);
	evsk = NULL;
}
