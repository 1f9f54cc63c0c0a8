// SPDX-License-Identifier: GPL-2.0
/* libnl-genl socket for the kipsec family: requests, dumps, extack. */
#include "nl.h"
#include "args.h"
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include <linux/kipsec.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct knl {
	struct nl_sock *sk;
	int family;
	struct knl_err err;
};

/* Per-request state shared by the libnl callbacks. */
struct knl_call {
	struct knl *k;
	struct nl_msg *req;
	knl_reply_fn reply;
	void *rctx;
	int err;	/* kernel errno (negative) or reply callback failure */
	bool done;
};

struct knl *knl_open(void)
{
	struct knl *k = calloc(1, sizeof(*k));
	int one = 1, err;

	if (!k) {
		fail("out of memory");
		return NULL;
	}
	k->sk = nl_socket_alloc();
	if (!k->sk) {
		free(k);
		fail("out of memory");
		return NULL;
	}
	err = genl_connect(k->sk);
	if (err < 0) {
		fail("cannot open a generic netlink socket: %s", nl_geterror(err));
		goto out;
	}
	/*
	 * Extended acks carry the kernel's reason for a refusal; capped acks
	 * keep the request (which may hold keys) out of the error reply.
	 */
	setsockopt(nl_socket_get_fd(k->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(k->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Dumps can exceed a page per read; let libnl size its buffer. */
	nl_socket_enable_msg_peek(k->sk);
	k->family = genl_ctrl_resolve(k->sk, KIPSEC_GENL_NAME);
	if (k->family < 0) {
		fail("generic netlink family '%s' not found: load the module (insmod kipsec.ko)",
		     KIPSEC_GENL_NAME);
		goto out;
	}
	return k;
out:
	nl_socket_free(k->sk);
	free(k);
	return NULL;
}

void knl_close(struct knl *k)
{
	if (!k)
		return;
	nl_socket_free(k->sk);
	free(k);
}

const struct knl_err *knl_error(const struct knl *k)
{
	return &k->err;
}

struct nl_msg *knl_msg_new(int family, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
			 KIPSEC_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int knl_nest_end(struct nl_msg *msg, struct nlattr *nest, int type)
{
	char *tail = (char *)nlmsg_tail(nlmsg_hdr(msg));

	if (tail - (char *)nest == NLA_HDRLEN) {
		nla_nest_end(msg, nest);	/* trims the empty header */
		return nla_put(msg, type | NLA_F_NESTED, 0, NULL);
	}
	return nla_nest_end(msg, nest);
}

int knl_parse_reply(struct nlmsghdr *nlh, struct nlattr **tb)
{
	static struct nla_policy pol[KIPSEC_A_MAX + 1] = {
		[KIPSEC_A_SA] = { .type = NLA_NESTED },
		[KIPSEC_A_POLICY] = { .type = NLA_NESTED },
		[KIPSEC_A_STATS] = { .type = NLA_NESTED },
		[KIPSEC_A_ACQUIRE] = { .type = NLA_NESTED },
		[KIPSEC_A_EXPIRE_HARD] = { .type = NLA_FLAG },
	};

	return genlmsg_parse(nlh, 0, tb, KIPSEC_A_MAX, pol) ? -1 : 0;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct knl_call *c = arg;
	struct nlattr *tb[KIPSEC_A_MAX + 1];

	if (knl_parse_reply(nlmsg_hdr(msg), tb)) {
		c->err = -EBADMSG;
		return NL_SKIP;
	}
	if (c->reply && c->reply(tb, c->rctx) && !c->err)
		c->err = -EBADMSG;
	return NL_OK;
}

/* Command-line names of request attributes, for "blamed" attributes. */
static const char *const sa_names[KIPSEC_SA_A_MAX + 1] = {
	[KIPSEC_SA_A_SPI] = "spi",
	[KIPSEC_SA_A_PROTO] = "proto",
	[KIPSEC_SA_A_SRC] = "src",
	[KIPSEC_SA_A_DST] = "dst",
	[KIPSEC_SA_A_MODE] = "mode",
	[KIPSEC_SA_A_REQID] = "reqid",
	[KIPSEC_SA_A_ENC_ALG] = "enc algorithm",
	[KIPSEC_SA_A_ENC_KEY] = "enc key",
	[KIPSEC_SA_A_INTEG_ALG] = "auth algorithm",
	[KIPSEC_SA_A_INTEG_KEY] = "auth key",
	[KIPSEC_SA_A_REPLAY_WINDOW] = "replay-window",
	[KIPSEC_SA_A_FLAGS] = "flag",
	[KIPSEC_SA_A_SEQ_OUT] = "replay-oseq",
	[KIPSEC_SA_A_ENC_KEY_BITS] = "enc key length",
};

static const char *const pol_names[KIPSEC_POL_A_MAX + 1] = {
	[KIPSEC_POL_A_ID] = "id",
	[KIPSEC_POL_A_DIR] = "dir",
	[KIPSEC_POL_A_PRIORITY] = "priority",
	[KIPSEC_POL_A_ACTION] = "action",
	[KIPSEC_POL_A_SEL_FAMILY] = "address family",
	[KIPSEC_POL_A_SEL_SRC] = "src",
	[KIPSEC_POL_A_SEL_SRC_PLEN] = "src prefix length",
	[KIPSEC_POL_A_SEL_DST] = "dst",
	[KIPSEC_POL_A_SEL_DST_PLEN] = "dst prefix length",
	[KIPSEC_POL_A_SEL_PROTO] = "proto",
	[KIPSEC_POL_A_SEL_SPORT_MIN] = "sport",
	[KIPSEC_POL_A_SEL_SPORT_MAX] = "sport",
	[KIPSEC_POL_A_SEL_DPORT_MIN] = "dport",
	[KIPSEC_POL_A_SEL_DPORT_MAX] = "dport",
	[KIPSEC_POL_A_TMPLS] = "tmpl",
};

static const char *const tmpl_names[KIPSEC_TMPL_A_MAX + 1] = {
	[KIPSEC_TMPL_A_PROTO] = "proto",
	[KIPSEC_TMPL_A_MODE] = "mode",
	[KIPSEC_TMPL_A_REQID] = "reqid",
	[KIPSEC_TMPL_A_SRC] = "src",
	[KIPSEC_TMPL_A_DST] = "dst",
	[KIPSEC_TMPL_A_SPI] = "spi",
	[KIPSEC_TMPL_A_OPTIONAL] = "level",
};

#define LOC_DEPTH 4

/*
 * Find the attribute that starts at byte @off of the request; fill the type
 * path from the top level down and, per level, the index among same-type
 * siblings (which tmpl). Returns the depth found, 0 if none.
 */
static int locate(const char *base, const struct nlattr *head, int len, size_t off,
		  int *path, int *index, int depth)
{
	const struct nlattr *a;
	int rem, seen[64] = { 0 };

	if (depth >= LOC_DEPTH)
		return 0;
	nla_for_each_attr(a, head, len, rem) {
		size_t start = (size_t)((const char *)a - base);
		size_t end = start + (size_t)NLA_ALIGN(a->nla_len);
		int type = nla_type(a);

		path[depth] = type;
		index[depth] = type < 64 ? seen[type] : 0;
		if (type < 64)
			seen[type]++;
		if (off == start)
			return depth + 1;
		if (off > start && off < end && (a->nla_type & NLA_F_NESTED))
			return locate(base, nla_data(a), nla_len(a), off, path, index, depth + 1);
	}
	return 0;
}

static void name_attr(char *buf, size_t cap, const int *path, const int *index, int depth)
{
	const char *n = NULL;

	buf[0] = '\0';
	if (depth < 2)
		return;
	if (path[0] == KIPSEC_A_SA && path[1] <= KIPSEC_SA_A_MAX)
		n = sa_names[path[1]];
	else if (path[0] == KIPSEC_A_POLICY && path[1] <= KIPSEC_POL_A_MAX)
		n = pol_names[path[1]];
	if (!n)
		return;
	if (path[0] == KIPSEC_A_POLICY && path[1] == KIPSEC_POL_A_TMPLS && depth >= 3) {
		const char *t = depth >= 4 && path[3] <= KIPSEC_TMPL_A_MAX ? tmpl_names[path[3]] : NULL;

		snprintf(buf, cap, "tmpl %d%s%s", index[2] + 1, t ? " " : "", t ? t : "");
		return;
	}
	snprintf(buf, cap, "%s", n);
}

void knl_decode_err(struct knl_err *e, const struct nlmsghdr *nlh, struct nl_msg *req)
{
	const struct nlmsgerr *ne = nlmsg_data(nlh);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*ne);
	int len;

	memset(e, 0, sizeof(*e));
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += ne->msg.nlmsg_len - sizeof(ne->msg);
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	if (len <= 0 ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)ne + off), len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG]) {
		/* NL_SET_ERR_MSG_MOD says "kipsec: "; our line already does. */
		static const char mod[] = KIPSEC_GENL_NAME ": ";
		size_t n;

		nla_strlcpy(e->msg, tb[NLMSGERR_ATTR_MSG], sizeof(e->msg));
		if (!strncmp(e->msg, mod, sizeof(mod) - 1))
			memmove(e->msg, e->msg + sizeof(mod) - 1,
				strlen(e->msg) - (sizeof(mod) - 1) + 1);
		n = strlen(e->msg);
		while (n && (e->msg[n - 1] == '\n' || e->msg[n - 1] == '.'))
			e->msg[--n] = '\0';
	}
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) == 4 && req) {
		const struct nlmsghdr *rq = nlmsg_hdr(req);
		uint32_t o = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
		int path[LOC_DEPTH], index[LOC_DEPTH], depth;

		if (o < rq->nlmsg_len) {
			depth = locate((const char *)rq, genlmsg_attrdata(nlmsg_data(rq), 0),
				       genlmsg_attrlen(nlmsg_data(rq), 0), o, path, index, 0);
			name_attr(e->where, sizeof(e->where), path, index, depth);
		}
	}
	if (tb[NLMSGERR_ATTR_POLICY]) {
		struct nlattr *pt[NL_POLICY_TYPE_ATTR_MAX + 1];

		if (!nla_parse_nested(pt, NL_POLICY_TYPE_ATTR_MAX, tb[NLMSGERR_ATTR_POLICY], NULL)) {
			if (pt[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] && pt[NL_POLICY_TYPE_ATTR_MAX_VALUE_U] &&
			    nla_len(pt[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]) == 8 &&
			    nla_len(pt[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]) == 8) {
				e->has_range = true;
				e->min = nla_get_u64(pt[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]);
				e->max = nla_get_u64(pt[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]);
			}
			if (pt[NL_POLICY_TYPE_ATTR_MAX_LENGTH] &&
			    nla_len(pt[NL_POLICY_TYPE_ATTR_MAX_LENGTH]) == 4) {
				e->has_len = true;
				e->max_len = nla_get_u32(pt[NL_POLICY_TYPE_ATTR_MAX_LENGTH]);
				if (pt[NL_POLICY_TYPE_ATTR_MIN_LENGTH] &&
				    nla_len(pt[NL_POLICY_TYPE_ATTR_MIN_LENGTH]) == 4)
					e->min_len = nla_get_u32(pt[NL_POLICY_TYPE_ATTR_MIN_LENGTH]);
			}
		}
	}
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct knl_call *c = arg;

	(void)who;
	c->err = e->error ? e->error : -EPROTO;
	knl_decode_err(&c->k->err, (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN),
		       c->req);
	c->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct knl_call *c = arg;

	(void)msg;
	c->done = true;
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct knl_call *c = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	/* A dump that fails midway reports the errno in NLMSG_DONE. */
	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
		int e;

		memcpy(&e, nlmsg_data(nlh), sizeof(e));
		if (e < 0 && !c->err)
			c->err = e;
	}
	c->done = true;
	return NL_STOP;
}

int knl_request(struct knl *k, uint8_t cmd, bool dump, knl_build_fn build,
		const void *bctx, knl_reply_fn reply, void *rctx, bool sensitive)
{
	struct knl_call c = { .k = k, .reply = reply, .rctx = rctx };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int err;

	memset(&k->err, 0, sizeof(k->err));
	cli_err_clear();
	msg = knl_msg_new(k->family, cmd, dump ? NLM_F_DUMP : NLM_F_ACK);
	if (!msg)
		return -ENOMEM;
	if (build && build(msg, bctx)) {
		err = -EMSGSIZE;
		goto out_msg;
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		err = -ENOMEM;
		goto out_msg;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &c);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &c);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &c);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &c);

	/* Kept until the answer: an error names its attribute by offset. */
	c.req = msg;
	err = nl_send_auto(k->sk, msg);
	if (err < 0) {
		fail("netlink send failed: %s", nl_geterror(err));
		err = -EIO;
		goto out_cb;
	}
	err = 0;
	while (!c.done) {
		int r = nl_recvmsgs(k->sk, cb);

		if (r < 0 && !c.done) {
			err = -EIO;
			fail("netlink receive failed: %s", nl_geterror(r));
			break;
		}
	}
	if (!err)
		err = c.err;
out_cb:
	nl_cb_put(cb);
out_msg:
	if (sensitive)
		explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	return err;
}

static const char *hint(int err, const char *noun)
{
	static char buf[128];
	bool sa = !strcmp(noun, "SA");

	switch (err) {
	case EEXIST:
		return sa ? "an SA with this dst, spi and proto already exists"
			  : "an identical policy (dir, selector, priority) already exists";
	case ENOENT:
		snprintf(buf, sizeof(buf), "no such %s", noun);
		return buf;
	case EPERM:
		return "needs CAP_NET_ADMIN (run as root)";
	case ENOPROTOOPT:
		return "algorithm unknown to the kipsec module";
	case ENOSYS:
		return "algorithm not available in the running kernel";
	case ENOMEM:
		return "out of memory, nothing was changed";
	case EBADMSG:
		return "malformed reply from the kernel";
	default:
		return NULL;
	}
}

void knl_format_refusal(char *buf, size_t cap, const struct knl_err *e,
			const char *what, const char *noun, int err)
{
	const char *text = e && e->msg[0] ? e->msg : hint(-err, noun);
	char where[128] = "";

	if (e && e->where[0]) {
		if (e->has_range)
			snprintf(where, sizeof(where), " [%s: %" PRIu64 "..%" PRIu64 "]",
				 e->where, e->min, e->max);
		else if (e->has_len)
			snprintf(where, sizeof(where), " [%s: %u..%u bytes]", e->where,
				 e->min_len, e->max_len);
		else
			snprintf(where, sizeof(where), " [%s]", e->where);
	}
	if (text)
		snprintf(buf, cap, "kernel refused %s: %s%s (%s)", what, text, where,
			 strerror(-err));
	else
		snprintf(buf, cap, "kernel refused %s: %s%s", what, strerror(-err), where);
}

int knl_report(const struct knl *k, const char *what, const char *noun, int err)
{
	char line[512];

	if (err == -EBADMSG) {
		fprintf(stderr, "kipsec: %s: malformed reply from the kernel\n", what);
		return EXIT_KERNEL;
	}
	if (err == -EIO && cli_err()[0]) {
		fprintf(stderr, "kipsec: %s: %s\n", what, cli_err());
		return EXIT_KERNEL;
	}
	knl_format_refusal(line, sizeof(line), k ? &k->err : NULL, what, noun, err);
	fprintf(stderr, "kipsec: %s\n", line);
	return EXIT_KERNEL;
}
