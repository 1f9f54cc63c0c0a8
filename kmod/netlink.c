// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the generic netlink family "kipsec" (uapi/linux/kipsec.h).
 *
 * Requests are validated twice: structurally by the nla_policy tables below
 * (strict: unknown attributes, wrong lengths and out-of-range values never
 * reach the handlers) and semantically here, with an extack message naming
 * what to fix. The handlers serialize on the namespace's kipsec_net.lock,
 * so the family runs without the global genl mutex (parallel_ops).
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jhash.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "kipsec.h"

static struct genl_family kipsec_family;

/* -------------------------------------------------------------- policies */

/* The one thing an nla_policy cannot say about addresses: "4 or 16 bytes". */
static int kipsec_validate_addr(const struct nlattr *attr,
				struct netlink_ext_ack *extack)
{
	if (nla_len(attr) == 4 || nla_len(attr) == 16)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr, "address must be 4 bytes (IPv4) or 16 bytes (IPv6)");
	return -EINVAL;
}

#define KIPSEC_NLA_ADDR	NLA_POLICY_VALIDATE_FN(NLA_BINARY, kipsec_validate_addr)
#define KIPSEC_NLA_REPLY_ONLY \
	{ .type = NLA_REJECT, .reject_message = "attribute only appears in replies and events" }

static const struct nla_policy kipsec_sa_policy[KIPSEC_SA_A_MAX + 1] = {
	[KIPSEC_SA_A_SPI]		= { .type = NLA_U32 },
	[KIPSEC_SA_A_PROTO]		= { .type = NLA_U8 },	/* which ones: checked in sad.c */
	[KIPSEC_SA_A_SRC]		= KIPSEC_NLA_ADDR,
	[KIPSEC_SA_A_DST]		= KIPSEC_NLA_ADDR,
	[KIPSEC_SA_A_MODE]		= NLA_POLICY_MAX(NLA_U8, KIPSEC_MODE_TUNNEL),
	[KIPSEC_SA_A_REQID]		= { .type = NLA_U32 },
	[KIPSEC_SA_A_ENC_ALG]		= { .type = NLA_U16 },	/* ids: algs.c */
	[KIPSEC_SA_A_ENC_KEY]		= { .type = NLA_BINARY, .len = 64 },
	[KIPSEC_SA_A_INTEG_ALG]		= { .type = NLA_U16 },
	[KIPSEC_SA_A_INTEG_KEY]		= { .type = NLA_BINARY, .len = 128 },
	[KIPSEC_SA_A_REPLAY_WINDOW]	= NLA_POLICY_MAX(NLA_U32, KIPSEC_REPLAY_WINDOW_MAX),
	[KIPSEC_SA_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32, KIPSEC_SA_F_ALL),
	[KIPSEC_SA_A_STATS]		= KIPSEC_NLA_REPLY_ONLY,
	[KIPSEC_SA_A_SEQ_OUT]		= { .type = NLA_U64 },
	[KIPSEC_SA_A_SEQ_IN]		= { .type = NLA_U64 },	/* ADD only */
	[KIPSEC_SA_A_ENC_KEY_BITS]	= { .type = NLA_U16 },
	[KIPSEC_SA_A_ICV_LEN]		= KIPSEC_NLA_REPLY_ONLY,
	[KIPSEC_SA_A_PAD]		= KIPSEC_NLA_REPLY_ONLY,
	[KIPSEC_SA_A_ENCAP_TYPE]	= NLA_POLICY_MAX(NLA_U8, KIPSEC_ENCAP_UDP),
	[KIPSEC_SA_A_ENCAP_SPORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[KIPSEC_SA_A_ENCAP_DPORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[KIPSEC_SA_A_ENCAP_OA]		= KIPSEC_NLA_ADDR,
	/* lifetimes and SA_UPDATE moves (lifetime.c validates the nest) */
	[KIPSEC_SA_A_LIFETIME]		= { .type = NLA_NESTED },
	[KIPSEC_SA_A_CURRENT]		= KIPSEC_NLA_REPLY_ONLY,
	[KIPSEC_SA_A_FLAGS_STATE]	= KIPSEC_NLA_REPLY_ONLY,
	[KIPSEC_SA_A_NEW_SRC]		= KIPSEC_NLA_ADDR,
	[KIPSEC_SA_A_NEW_DST]		= KIPSEC_NLA_ADDR,
};

static const struct nla_policy kipsec_tmpl_policy[KIPSEC_TMPL_A_MAX + 1] = {
	[KIPSEC_TMPL_A_PROTO]		= { .type = NLA_U8 },
	[KIPSEC_TMPL_A_MODE]		= NLA_POLICY_MAX(NLA_U8, KIPSEC_MODE_TUNNEL),
	[KIPSEC_TMPL_A_REQID]		= { .type = NLA_U32 },
	[KIPSEC_TMPL_A_SRC]		= KIPSEC_NLA_ADDR,
	[KIPSEC_TMPL_A_DST]		= KIPSEC_NLA_ADDR,
	[KIPSEC_TMPL_A_SPI]		= { .type = NLA_U32 },
	[KIPSEC_TMPL_A_OPTIONAL]	= { .type = NLA_FLAG },
};

static const struct nla_policy kipsec_tmpls_policy[KIPSEC_TMPLS_A_MAX + 1] = {
	[KIPSEC_TMPLS_A_TMPL]		= NLA_POLICY_NESTED(kipsec_tmpl_policy),
};

static const struct nla_policy kipsec_pol_policy[KIPSEC_POL_A_MAX + 1] = {
	[KIPSEC_POL_A_ID]		= { .type = NLA_U32 },
	[KIPSEC_POL_A_DIR]		= NLA_POLICY_MAX(NLA_U8, KIPSEC_DIR_FWD),
	[KIPSEC_POL_A_PRIORITY]		= { .type = NLA_U32 },
	[KIPSEC_POL_A_ACTION]		= NLA_POLICY_MAX(NLA_U8, KIPSEC_ACTION_DISCARD),
	[KIPSEC_POL_A_SEL_FAMILY]	= { .type = NLA_U16 },
	[KIPSEC_POL_A_SEL_SRC]		= KIPSEC_NLA_ADDR,
	[KIPSEC_POL_A_SEL_SRC_PLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
	[KIPSEC_POL_A_SEL_DST]		= KIPSEC_NLA_ADDR,
	[KIPSEC_POL_A_SEL_DST_PLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
	[KIPSEC_POL_A_SEL_PROTO]	= { .type = NLA_U8 },
	[KIPSEC_POL_A_SEL_SPORT_MIN]	= { .type = NLA_U16 },
	[KIPSEC_POL_A_SEL_SPORT_MAX]	= { .type = NLA_U16 },
	[KIPSEC_POL_A_SEL_DPORT_MIN]	= { .type = NLA_U16 },
	[KIPSEC_POL_A_SEL_DPORT_MAX]	= { .type = NLA_U16 },
	[KIPSEC_POL_A_TMPLS]		= NLA_POLICY_NESTED(kipsec_tmpls_policy),
	[KIPSEC_POL_A_STATS]		= KIPSEC_NLA_REPLY_ONLY,
};

static const struct nla_policy kipsec_nl_policy[KIPSEC_A_MAX + 1] = {
	[KIPSEC_A_SA]			= NLA_POLICY_NESTED(kipsec_sa_policy),
	[KIPSEC_A_POLICY]		= NLA_POLICY_NESTED(kipsec_pol_policy),
	[KIPSEC_A_STATS]		= KIPSEC_NLA_REPLY_ONLY,
	[KIPSEC_A_ACQUIRE]		= KIPSEC_NLA_REPLY_ONLY,
	[KIPSEC_A_EXPIRE_HARD]		= KIPSEC_NLA_REPLY_ONLY,
	[KIPSEC_A_PAD]			= KIPSEC_NLA_REPLY_ONLY,
};

/* ------------------------------------------------------------- helpers */

/* A required attribute is absent: say which, in words and as NLMSGERR_ATTR_MISS. */
#define KIPSEC_REQUIRE(extack, nest, tb, type, msg) ({			\
	bool __miss = !(tb)[type];					\
	if (__miss) {							\
		NL_SET_ERR_MSG_MOD(extack, msg);			\
		NL_SET_ERR_ATTR_MISS(extack, nest, type);		\
	}								\
	__miss;								\
})

/* nla_get_*_default() only exists since 6.11. */
static u8 kipsec_get_u8(const struct nlattr *nla, u8 def)
{
	return nla ? nla_get_u8(nla) : def;
}

static u16 kipsec_get_u16(const struct nlattr *nla, u16 def)
{
	return nla ? nla_get_u16(nla) : def;
}

static u32 kipsec_get_u32(const struct nlattr *nla, u32 def)
{
	return nla ? nla_get_u32(nla) : def;
}

static u64 kipsec_get_u64(const struct nlattr *nla, u64 def)
{
	return nla ? nla_get_u64(nla) : def;
}

static unsigned int kipsec_addr_len(u16 family)
{
	return family == AF_INET ? sizeof(__be32) : sizeof(struct in6_addr);
}

static u8 kipsec_max_plen(u16 family)
{
	return family == AF_INET ? 32 : 128;
}

/* Length already validated (4 or 16); returns the family it implies. */
static u16 kipsec_nla_get_addr(const struct nlattr *nla, union kipsec_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (nla_len(nla) == sizeof(a->a4)) {
		a->a4 = nla_get_in_addr(nla);
		return AF_INET;
	}
	a->a6 = nla_get_in6_addr(nla);
	return AF_INET6;
}

static int kipsec_nla_put_addr(struct sk_buff *skb, int type, u16 family,
			       const union kipsec_addr *a)
{
	return nla_put(skb, type, kipsec_addr_len(family), a);
}

/* Clear the host bits, so that equal selectors compare equal. */
static void kipsec_addr_mask(u16 family, union kipsec_addr *a, u8 plen)
{
	struct in6_addr pfx;

	if (family == AF_INET) {
		a->a4 &= plen ? htonl(~0U << (32 - plen)) : 0;
		return;
	}
	ipv6_addr_prefix(&pfx, &a->a6, plen);
	a->a6 = pfx;
}

/*
 * Parse the one nest a command carries. "optional" commands (flush) accept
 * its absence; any other top-level nest is refused.
 */
static int kipsec_parse_nest(struct genl_info *info, int type, int other,
			     int maxtype, const struct nla_policy *policy,
			     struct nlattr **tb, bool optional)
{
	struct netlink_ext_ack *extack = info->extack;

	if (info->attrs[other]) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[other],
				    "SA commands take KIPSEC_A_SA, policy commands KIPSEC_A_POLICY");
		return -EINVAL;
	}
	if (!info->attrs[type]) {
		memset(tb, 0, sizeof(*tb) * (maxtype + 1));
		if (optional)
			return 0;
		if (type == KIPSEC_A_SA)
			NL_SET_ERR_MSG_MOD(extack, "request needs the KIPSEC_A_SA nest");
		else
			NL_SET_ERR_MSG_MOD(extack, "request needs the KIPSEC_A_POLICY nest");
		NL_SET_ERR_ATTR_MISS(extack, NULL, type);
		return -EINVAL;
	}
	return nla_parse_nested(tb, maxtype, info->attrs[type], policy, extack);
}

static int kipsec_sa_nest(struct genl_info *info, struct nlattr **tb, bool optional)
{
	return kipsec_parse_nest(info, KIPSEC_A_SA, KIPSEC_A_POLICY, KIPSEC_SA_A_MAX,
				 kipsec_sa_policy, tb, optional);
}

static int kipsec_pol_nest(struct genl_info *info, struct nlattr **tb, bool optional)
{
	return kipsec_parse_nest(info, KIPSEC_A_POLICY, KIPSEC_A_SA, KIPSEC_POL_A_MAX,
				 kipsec_pol_policy, tb, optional);
}

static int kipsec_put_stats(struct sk_buff *skb, int type,
			    struct kipsec_counters __percpu *ctr)
{
	struct kipsec_counters sum;
	struct nlattr *nest;
	int i;

	kipsec_counters_sum(ctr, &sum);
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	for (i = KIPSEC_STATS_A_PACKETS; i <= KIPSEC_STATS_A_MAX; i++) {
		if (nla_put_u64_64bit(skb, i, sum.c[i], KIPSEC_STATS_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* ------------------------------------------------------------------ SA */

/* The identity of an SA: (DST, SPI, PROTO). */
static int kipsec_sa_parse_id(struct nlattr **tb, const struct nlattr *nest,
			      struct kipsec_sa_cfg *cfg, struct netlink_ext_ack *extack)
{
	if (KIPSEC_REQUIRE(extack, nest, tb, KIPSEC_SA_A_DST, "SA needs DST") ||
	    KIPSEC_REQUIRE(extack, nest, tb, KIPSEC_SA_A_SPI, "SA needs SPI") ||
	    KIPSEC_REQUIRE(extack, nest, tb, KIPSEC_SA_A_PROTO, "SA needs PROTO (50 = ESP)"))
		return -EINVAL;
	cfg->family = kipsec_nla_get_addr(tb[KIPSEC_SA_A_DST], &cfg->daddr);
	cfg->spi = nla_get_u32(tb[KIPSEC_SA_A_SPI]);
	cfg->proto = nla_get_u8(tb[KIPSEC_SA_A_PROTO]);
	return 0;
}

static int kipsec_sa_parse(struct nlattr **tb, const struct nlattr *nest,
			   struct kipsec_sa_cfg *cfg, struct netlink_ext_ack *extack)
{
	int err;

	memset(cfg, 0, sizeof(*cfg));
	err = kipsec_sa_parse_id(tb, nest, cfg, extack);
	if (err)
		return err;
	if (KIPSEC_REQUIRE(extack, nest, tb, KIPSEC_SA_A_SRC, "SA needs SRC"))
		return -EINVAL;
	if (kipsec_nla_get_addr(tb[KIPSEC_SA_A_SRC], &cfg->saddr) != cfg->family) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_SRC],
				    "SRC and DST must be the same family");
		return -EINVAL;
	}

	cfg->mode = kipsec_get_u8(tb[KIPSEC_SA_A_MODE], KIPSEC_MODE_TRANSPORT);
	cfg->reqid = kipsec_get_u32(tb[KIPSEC_SA_A_REQID], 0);
	cfg->flags = kipsec_get_u32(tb[KIPSEC_SA_A_FLAGS], 0);
	cfg->replay_window = kipsec_get_u32(tb[KIPSEC_SA_A_REPLAY_WINDOW],
						 KIPSEC_REPLAY_WINDOW_DEFAULT);
	cfg->seq_out = kipsec_get_u64(tb[KIPSEC_SA_A_SEQ_OUT], 0);
	cfg->seq_in = kipsec_get_u64(tb[KIPSEC_SA_A_SEQ_IN], 0);
	cfg->enc_alg = kipsec_get_u16(tb[KIPSEC_SA_A_ENC_ALG], 0);
	cfg->integ_alg = kipsec_get_u16(tb[KIPSEC_SA_A_INTEG_ALG], 0);
	cfg->enc_key_bits = kipsec_get_u16(tb[KIPSEC_SA_A_ENC_KEY_BITS], 0);

	if (tb[KIPSEC_SA_A_ENC_KEY]) {
		if (!cfg->enc_alg) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_ENC_KEY],
					    "ENC_KEY given without ENC_ALG");
			return -EINVAL;
		}
		cfg->enc_key = nla_data(tb[KIPSEC_SA_A_ENC_KEY]);
		cfg->enc_key_len = nla_len(tb[KIPSEC_SA_A_ENC_KEY]);
	}
	if (tb[KIPSEC_SA_A_INTEG_KEY]) {
		if (!cfg->integ_alg) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_INTEG_KEY],
					    "INTEG_KEY given without INTEG_ALG");
			return -EINVAL;
		}
		cfg->integ_key = nla_data(tb[KIPSEC_SA_A_INTEG_KEY]);
		cfg->integ_key_len = nla_len(tb[KIPSEC_SA_A_INTEG_KEY]);
	}
	if (tb[KIPSEC_SA_A_NEW_SRC] || tb[KIPSEC_SA_A_NEW_DST]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_NEW_SRC] ?: tb[KIPSEC_SA_A_NEW_DST],
				    "NEW_SRC and NEW_DST belong to SA_UPDATE only");
		return -EINVAL;
	}
	if (tb[KIPSEC_SA_A_LIFETIME]) {
		err = kipsec_lft_parse(tb[KIPSEC_SA_A_LIFETIME], &cfg->lft, extack);
		if (err)
			return err;
		cfg->has_lifetime = true;
	}
	return kipsec_encap_nl_parse(tb, cfg, extack);
}

/* KIPSEC_SA_A_REPLAY_BITMAP: which of the last REPLAY_WINDOW numbers arrived. */
static int kipsec_put_replay_bitmap(struct sk_buff *skb, struct kipsec_sa *sa)
{
	struct nlattr *a = NULL;
	unsigned int nwords;

	spin_lock_bh(&sa->replay.lock);
	nwords = DIV_ROUND_UP(sa->replay.window, 32);
	if (nwords) {
		a = nla_reserve(skb, KIPSEC_SA_A_REPLAY_BITMAP, nwords * sizeof(u32));
		if (a)
			kipsec_replay_bitmap(&sa->replay, nla_data(a), nwords);
	}
	spin_unlock_bh(&sa->replay.lock);
	return nwords && !a ? -EMSGSIZE : 0;
}

/* cb: in a dump, to flag it NLM_F_DUMP_INTR when the table changed meanwhile. */
static int kipsec_sa_fill(struct sk_buff *skb, struct kipsec_sa *sa, u32 portid,
			  u32 seq, int flags, u8 cmd, struct netlink_callback *cb)
{
	struct nlattr *nest;
	u32 window;
	u64 seq_in;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &kipsec_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	nest = nla_nest_start(skb, KIPSEC_A_SA);
	if (!nest)
		goto cancel;

	spin_lock_bh(&sa->replay.lock);
	seq_in = sa->replay.top;
	window = sa->replay.window;
	spin_unlock_bh(&sa->replay.lock);

	/* Everything but the key bytes. */
	if (nla_put_u32(skb, KIPSEC_SA_A_SPI, sa->spi) ||
	    nla_put_u8(skb, KIPSEC_SA_A_PROTO, sa->proto) ||
	    kipsec_nla_put_addr(skb, KIPSEC_SA_A_SRC, sa->family, &sa->saddr) ||
	    kipsec_nla_put_addr(skb, KIPSEC_SA_A_DST, sa->family, &sa->daddr) ||
	    nla_put_u8(skb, KIPSEC_SA_A_MODE, sa->mode) ||
	    nla_put_u32(skb, KIPSEC_SA_A_REQID, sa->reqid) ||
	    nla_put_u32(skb, KIPSEC_SA_A_FLAGS, sa->flags) ||
	    nla_put_u32(skb, KIPSEC_SA_A_REPLAY_WINDOW, window) ||
	    nla_put_u64_64bit(skb, KIPSEC_SA_A_SEQ_OUT, atomic64_read(&sa->seq_out),
			      KIPSEC_SA_A_PAD) ||
	    nla_put_u64_64bit(skb, KIPSEC_SA_A_SEQ_IN, seq_in, KIPSEC_SA_A_PAD) ||
	    nla_put_u8(skb, KIPSEC_SA_A_ICV_LEN, sa->icv_len))
		goto cancel;
	if (sa->enc_alg &&
	    (nla_put_u16(skb, KIPSEC_SA_A_ENC_ALG, sa->enc_alg) ||
	     nla_put_u16(skb, KIPSEC_SA_A_ENC_KEY_BITS, sa->enc_key_bits)))
		goto cancel;
	if (sa->integ_alg && nla_put_u16(skb, KIPSEC_SA_A_INTEG_ALG, sa->integ_alg))
		goto cancel;
	if (kipsec_encap_nl_fill(skb, sa))
		goto cancel;
	if (kipsec_put_stats(skb, KIPSEC_SA_A_STATS, sa->stats))
		goto cancel;
	if (kipsec_lft_fill(skb, sa))
		goto cancel;
	if (kipsec_put_replay_bitmap(skb, sa))
		goto cancel;

	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int kipsec_nl_sa_add(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct kipsec_net *kn = kipsec_pernet(net);
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1];
	struct kipsec_sa_cfg cfg;
	int err;

	err = kipsec_sa_nest(info, tb, false);
	if (err)
		return err;
	err = kipsec_sa_parse(tb, info->attrs[KIPSEC_A_SA], &cfg, info->extack);
	if (err)
		return err;

	mutex_lock(&kn->lock);
	err = kipsec_sad_add(net, &cfg, info->nlhdr->nlmsg_flags & NLM_F_REPLACE,
			     info->extack);
	if (!err)
		kipsec_acq_flush(net);	/* packets held for this SA go now */
	mutex_unlock(&kn->lock);
	return err;
}

static int kipsec_sa_not_found(struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG_MOD(extack, "no SA with this DST, SPI and PROTO");
	return -ENOENT;
}

/* Attributes SA_UPDATE may repeat (with the current value) but not change. */
static int kipsec_sa_update_check(struct kipsec_sa *sa, struct nlattr **tb,
				  struct netlink_ext_ack *extack)
{
	static const int crypto_attrs[] = {
		KIPSEC_SA_A_ENC_ALG, KIPSEC_SA_A_ENC_KEY, KIPSEC_SA_A_ENC_KEY_BITS,
		KIPSEC_SA_A_INTEG_ALG, KIPSEC_SA_A_INTEG_KEY,
	};
	union kipsec_addr src;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(crypto_attrs); i++) {
		if (tb[crypto_attrs[i]]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[crypto_attrs[i]],
					    "keys and algorithms of an SA cannot change: add a new SA (or replace this one)");
			return -EINVAL;
		}
	}
	if (tb[KIPSEC_SA_A_SRC] &&
	    (kipsec_nla_get_addr(tb[KIPSEC_SA_A_SRC], &src) != sa->family ||
	     memcmp(&src, &sa->saddr, kipsec_addr_len(sa->family)))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_SRC],
				    "SRC of an SA cannot change (see SA_UPDATE in the uapi for what can)");
		return -EINVAL;
	}
	if (tb[KIPSEC_SA_A_MODE] && nla_get_u8(tb[KIPSEC_SA_A_MODE]) != sa->mode) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_MODE],
				    "MODE of an SA cannot change (see SA_UPDATE in the uapi for what can)");
		return -EINVAL;
	}
	if (tb[KIPSEC_SA_A_REQID] && nla_get_u32(tb[KIPSEC_SA_A_REQID]) != sa->reqid) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_REQID],
				    "REQID of an SA cannot change (see SA_UPDATE in the uapi for what can)");
		return -EINVAL;
	}
	if (tb[KIPSEC_SA_A_FLAGS] && nla_get_u32(tb[KIPSEC_SA_A_FLAGS]) != sa->flags) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_FLAGS],
				    "FLAGS of an SA cannot change (see SA_UPDATE in the uapi for what can)");
		return -EINVAL;
	}
	if (tb[KIPSEC_SA_A_SEQ_IN]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_SEQ_IN],
				    "SEQ_IN can be set on ADD only");
		return -EINVAL;
	}
	if (tb[KIPSEC_SA_A_SEQ_OUT] && !(sa->flags & KIPSEC_SA_F_ESN) &&
	    nla_get_u64(tb[KIPSEC_SA_A_SEQ_OUT]) > U32_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_SEQ_OUT],
				    "SEQ_OUT above 2^32-1 needs flag ESN");
		return -EINVAL;
	}
	return 0;
}

static int kipsec_nl_sa_update(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct kipsec_net *kn = kipsec_pernet(net);
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1];
	struct kipsec_sa_cfg id = {};
	struct kipsec_sa *sa;
	int err;

	err = kipsec_sa_nest(info, tb, false);
	if (err)
		return err;
	err = kipsec_sa_parse_id(tb, info->attrs[KIPSEC_A_SA], &id, info->extack);
	if (err)
		return err;

	mutex_lock(&kn->lock);
	sa = kipsec_sad_find(net, id.family, &id.daddr, id.spi, id.proto);
	if (!sa) {
		err = kipsec_sa_not_found(info->extack);
		goto out;
	}
	err = kipsec_sa_update_check(sa, tb, info->extack);
	if (err)
		goto out;
	if (tb[KIPSEC_SA_A_NEW_SRC] || tb[KIPSEC_SA_A_NEW_DST]) {
		union kipsec_addr ns = sa->saddr, nd = sa->daddr;

		if ((tb[KIPSEC_SA_A_NEW_SRC] &&
		     kipsec_nla_get_addr(tb[KIPSEC_SA_A_NEW_SRC], &ns) != sa->family) ||
		    (tb[KIPSEC_SA_A_NEW_DST] &&
		     kipsec_nla_get_addr(tb[KIPSEC_SA_A_NEW_DST], &nd) != sa->family)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[KIPSEC_SA_A_NEW_SRC] ?: tb[KIPSEC_SA_A_NEW_DST],
					    "NEW_SRC and NEW_DST must be of the SA's address family");
			err = -EINVAL;
			goto out;
		}
		err = kipsec_sad_move(net, sa, &ns, &nd, info->extack);
		if (err)
			goto out;
	}
	err = kipsec_encap_nl_update(net, sa, tb, info->extack);
	if (err)
		goto out;
	if (tb[KIPSEC_SA_A_LIFETIME]) {
		struct kipsec_lifetime lft;

		err = kipsec_lft_parse(tb[KIPSEC_SA_A_LIFETIME], &lft, info->extack);
		if (err)
			goto out;
		kipsec_lft_set(net, sa, &lft);
	}
	if (tb[KIPSEC_SA_A_REPLAY_WINDOW]) {
		err = kipsec_sa_set_replay_window(sa, nla_get_u32(tb[KIPSEC_SA_A_REPLAY_WINDOW]));
		if (err)
			goto out;
	}
	if (tb[KIPSEC_SA_A_SEQ_OUT])
		atomic64_set(&sa->seq_out, nla_get_u64(tb[KIPSEC_SA_A_SEQ_OUT]));
out:
	mutex_unlock(&kn->lock);
	return err;
}

static int kipsec_nl_sa_del(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct kipsec_net *kn = kipsec_pernet(net);
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1];
	struct kipsec_sa_cfg id = {};
	struct kipsec_sa *sa;
	int err;

	err = kipsec_sa_nest(info, tb, false);
	if (err)
		return err;
	err = kipsec_sa_parse_id(tb, info->attrs[KIPSEC_A_SA], &id, info->extack);
	if (err)
		return err;

	mutex_lock(&kn->lock);
	sa = kipsec_sad_find(net, id.family, &id.daddr, id.spi, id.proto);
	if (sa)
		kipsec_sad_unlink(net, sa);
	else
		err = kipsec_sa_not_found(info->extack);
	mutex_unlock(&kn->lock);
	return err;
}

static int kipsec_nl_sa_get(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct kipsec_net *kn = kipsec_pernet(net);
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1];
	struct kipsec_sa_cfg id = {};
	struct kipsec_sa *sa;
	struct sk_buff *msg;
	int err;

	err = kipsec_sa_nest(info, tb, false);
	if (err)
		return err;
	err = kipsec_sa_parse_id(tb, info->attrs[KIPSEC_A_SA], &id, info->extack);
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&kn->lock);
	sa = kipsec_sad_find(net, id.family, &id.daddr, id.spi, id.proto);
	if (sa)
		err = kipsec_sa_fill(msg, sa, info->snd_portid, info->snd_seq, 0,
				     KIPSEC_CMD_SA_GET, NULL);
	else
		err = kipsec_sa_not_found(info->extack);
	mutex_unlock(&kn->lock);

	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * One message per SA, resumable: cb->args[0] is the hash bucket, args[1]
 * the number of SAs of that bucket already sent. Adds raise the generation,
 * deletes lower the count: the pair changes with every change of the table,
 * and a dump that saw one is flagged NLM_F_DUMP_INTR (cb->seq).
 */
static int kipsec_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kipsec_net *kn = kipsec_pernet(sock_net(skb->sk));
	unsigned long bucket = cb->args[0], skip = cb->args[1], idx = 0;
	struct kipsec_sa *sa;

	mutex_lock(&kn->lock);
	cb->seq = jhash_2words((u32)kn->sa_generation, kn->sa_count, 0) ?: 1;
	for (; bucket < ARRAY_SIZE(kn->sa_by_spi); bucket++, skip = 0) {
		idx = 0;
		hlist_for_each_entry_rcu(sa, &kn->sa_by_spi[bucket], by_spi,
					 lockdep_is_held(&kn->lock)) {
			if (idx >= skip &&
			    kipsec_sa_fill(skb, sa, NETLINK_CB(cb->skb).portid,
					   cb->nlh->nlmsg_seq, NLM_F_MULTI,
					   KIPSEC_CMD_SA_GET, cb))
				goto full;
			idx++;
		}
	}
	idx = 0;
full:
	mutex_unlock(&kn->lock);
	cb->args[0] = bucket;
	cb->args[1] = idx;
	return skb->len;
}

static int kipsec_nl_sa_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct kipsec_net *kn = kipsec_pernet(net);
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1];
	int err;

	err = kipsec_sa_nest(info, tb, true);
	if (err)
		return err;

	mutex_lock(&kn->lock);
	kipsec_sad_flush(net, kipsec_get_u8(tb[KIPSEC_SA_A_PROTO], 0));
	mutex_unlock(&kn->lock);
	return 0;
}

/* -------------------------------------------------------------- policy */

static bool kipsec_sel_has_ports(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
	case IPPROTO_ICMP:	/* type in SPORT, code in DPORT */
	case IPPROTO_ICMPV6:
		return true;
	}
	return false;
}

static int kipsec_sel_parse_addr(struct nlattr **tb, int addr_type, int plen_type,
				 u16 family, union kipsec_addr *a, u8 *plen,
				 struct netlink_ext_ack *extack)
{
	if (!tb[addr_type]) {
		if (tb[plen_type] && nla_get_u8(tb[plen_type])) {
			NL_SET_ERR_MSG_ATTR(extack, tb[plen_type],
					    "a selector prefix length needs its address");
			return -EINVAL;
		}
		*plen = 0;
		return 0;
	}
	kipsec_nla_get_addr(tb[addr_type], a);
	/* An address without a length is one host. */
	*plen = kipsec_get_u8(tb[plen_type], kipsec_max_plen(family));
	if (*plen > kipsec_max_plen(family)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[plen_type],
				    "prefix length above 32 for an IPv4 address");
		return -EINVAL;
	}
	kipsec_addr_mask(family, a, *plen);
	return 0;
}

static int kipsec_sel_parse_ports(struct nlattr **tb, int min_type, int max_type,
				  u16 *min, u16 *max, struct netlink_ext_ack *extack)
{
	*min = kipsec_get_u16(tb[min_type], 0);
	*max = kipsec_get_u16(tb[max_type], 0xffff);
	if (*min > *max) {
		NL_SET_ERR_MSG_ATTR(extack, tb[max_type] ?: tb[min_type],
				    "port range minimum above its maximum");
		return -EINVAL;
	}
	return 0;
}

static int kipsec_sel_parse(struct nlattr **tb, struct kipsec_sel *sel,
			    struct netlink_ext_ack *extack)
{
	u16 family = 0, sfam = 0, dfam = 0;
	union kipsec_addr tmp;
	int err;

	memset(sel, 0, sizeof(*sel));
	if (tb[KIPSEC_POL_A_SEL_FAMILY]) {
		family = nla_get_u16(tb[KIPSEC_POL_A_SEL_FAMILY]);
		if (family && family != AF_INET && family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_POL_A_SEL_FAMILY],
					    "SEL_FAMILY must be AF_INET (2), AF_INET6 (10) or 0 (both)");
			return -EINVAL;
		}
	}
	if (tb[KIPSEC_POL_A_SEL_SRC])
		sfam = kipsec_nla_get_addr(tb[KIPSEC_POL_A_SEL_SRC], &tmp);
	if (tb[KIPSEC_POL_A_SEL_DST])
		dfam = kipsec_nla_get_addr(tb[KIPSEC_POL_A_SEL_DST], &tmp);
	if (sfam && dfam && sfam != dfam) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_POL_A_SEL_DST],
				    "SEL_SRC and SEL_DST must be the same family");
		return -EINVAL;
	}
	if (family && (sfam ?: dfam) && family != (sfam ?: dfam)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_POL_A_SEL_FAMILY],
				    "SEL_FAMILY does not match the selector addresses");
		return -EINVAL;
	}
	sel->family = family ?: (sfam ?: dfam);

	if (!sel->family) {
		if ((tb[KIPSEC_POL_A_SEL_SRC_PLEN] && nla_get_u8(tb[KIPSEC_POL_A_SEL_SRC_PLEN])) ||
		    (tb[KIPSEC_POL_A_SEL_DST_PLEN] && nla_get_u8(tb[KIPSEC_POL_A_SEL_DST_PLEN]))) {
			NL_SET_ERR_MSG_MOD(extack, "a selector prefix length needs its address");
			return -EINVAL;
		}
	} else {
		err = kipsec_sel_parse_addr(tb, KIPSEC_POL_A_SEL_SRC, KIPSEC_POL_A_SEL_SRC_PLEN,
					    sel->family, &sel->saddr, &sel->splen, extack);
		if (err)
			return err;
		err = kipsec_sel_parse_addr(tb, KIPSEC_POL_A_SEL_DST, KIPSEC_POL_A_SEL_DST_PLEN,
					    sel->family, &sel->daddr, &sel->dplen, extack);
		if (err)
			return err;
	}

	sel->proto = kipsec_get_u8(tb[KIPSEC_POL_A_SEL_PROTO], 0);
	err = kipsec_sel_parse_ports(tb, KIPSEC_POL_A_SEL_SPORT_MIN, KIPSEC_POL_A_SEL_SPORT_MAX,
				     &sel->sport_min, &sel->sport_max, extack);
	if (err)
		return err;
	err = kipsec_sel_parse_ports(tb, KIPSEC_POL_A_SEL_DPORT_MIN, KIPSEC_POL_A_SEL_DPORT_MAX,
				     &sel->dport_min, &sel->dport_max, extack);
	if (err)
		return err;
	if (!kipsec_sel_has_ports(sel->proto) &&
	    (sel->sport_min || sel->sport_max != 0xffff ||
	     sel->dport_min || sel->dport_max != 0xffff)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "port ranges need SEL_PROTO TCP, UDP, SCTP or UDPLite (ICMP: type and code)");
		return -EINVAL;
	}
	return 0;
}

static int kipsec_tmpl_parse(const struct nlattr *nla, struct kipsec_tmpl *t,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_TMPL_A_MAX + 1];
	u16 dfam;
	int err;

	err = nla_parse_nested(tb, KIPSEC_TMPL_A_MAX, nla, kipsec_tmpl_policy, extack);
	if (err)
		return err;

	memset(t, 0, sizeof(*t));
	t->proto = kipsec_get_u8(tb[KIPSEC_TMPL_A_PROTO], KIPSEC_PROTO_ESP);
	if (t->proto != KIPSEC_PROTO_ESP && t->proto != KIPSEC_PROTO_AH) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_TMPL_A_PROTO],
				    "template PROTO must be ESP (50) or AH (51)");
		return -EINVAL;
	}
	t->mode = kipsec_get_u8(tb[KIPSEC_TMPL_A_MODE], KIPSEC_MODE_TRANSPORT);
	t->reqid = kipsec_get_u32(tb[KIPSEC_TMPL_A_REQID], 0);
	t->spi = kipsec_get_u32(tb[KIPSEC_TMPL_A_SPI], 0);
	t->optional = nla_get_flag(tb[KIPSEC_TMPL_A_OPTIONAL]);

	if (!tb[KIPSEC_TMPL_A_SRC] != !tb[KIPSEC_TMPL_A_DST]) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "template needs both SRC and DST, or neither");
		return -EINVAL;
	}
	if (tb[KIPSEC_TMPL_A_SRC]) {
		/* Transport mode keeps them for GET only: its SA addresses are the packet's. */
		t->family = kipsec_nla_get_addr(tb[KIPSEC_TMPL_A_SRC], &t->saddr);
		dfam = kipsec_nla_get_addr(tb[KIPSEC_TMPL_A_DST], &t->daddr);
		if (dfam != t->family) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_TMPL_A_DST],
					    "template SRC and DST must be the same family");
			return -EINVAL;
		}
	} else if (t->mode == KIPSEC_MODE_TUNNEL) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "tunnel mode template needs SRC and DST");
		return -EINVAL;
	}
	return 0;
}

static int kipsec_tmpls_parse(const struct nlattr *tmpls, struct kipsec_policy *pol,
			      struct netlink_ext_ack *extack)
{
	const struct nlattr *nla;
	int rem, err;

	/* The policy admits only KIPSEC_TMPLS_A_TMPL inside. */
	nla_for_each_nested(nla, tmpls, rem) {
		if (pol->ntmpl == KIPSEC_TMPLS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, nla, "at most 4 templates in one policy");
			return -EINVAL;
		}
		err = kipsec_tmpl_parse(nla, &pol->tmpl[pol->ntmpl], extack);
		if (err)
			return err;
		pol->ntmpl++;
	}
	return 0;
}

static int kipsec_pol_parse(struct nlattr **tb, const struct nlattr *nest,
			    struct kipsec_policy *pol, struct netlink_ext_ack *extack)
{
	int err;

	if (tb[KIPSEC_POL_A_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_POL_A_ID],
				    "policy ID is assigned by the kernel: leave it out of POLICY_ADD");
		return -EINVAL;
	}
	if (KIPSEC_REQUIRE(extack, nest, tb, KIPSEC_POL_A_DIR, "policy needs DIR (in, out or fwd)"))
		return -EINVAL;
	pol->dir = nla_get_u8(tb[KIPSEC_POL_A_DIR]);
	pol->priority = kipsec_get_u32(tb[KIPSEC_POL_A_PRIORITY], 0);

	err = kipsec_sel_parse(tb, &pol->sel, extack);
	if (err)
		return err;
	if (tb[KIPSEC_POL_A_TMPLS]) {
		err = kipsec_tmpls_parse(tb[KIPSEC_POL_A_TMPLS], pol, extack);
		if (err)
			return err;
	}

	if (tb[KIPSEC_POL_A_ACTION]) {
		pol->action = nla_get_u8(tb[KIPSEC_POL_A_ACTION]);
	} else if (pol->ntmpl) {
		pol->action = KIPSEC_ACTION_PROTECT;
	} else {
		NL_SET_ERR_MSG_MOD(extack, "policy needs ACTION (bypass or discard) or TMPLS (protect)");
		NL_SET_ERR_ATTR_MISS(extack, nest, KIPSEC_POL_A_ACTION);
		return -EINVAL;
	}
	if (pol->action == KIPSEC_ACTION_PROTECT && !pol->ntmpl) {
		NL_SET_ERR_MSG_MOD(extack, "protect policy needs at least one template in TMPLS");
		NL_SET_ERR_ATTR_MISS(extack, nest, KIPSEC_POL_A_TMPLS);
		return -EINVAL;
	}
	if (pol->action != KIPSEC_ACTION_PROTECT && pol->ntmpl) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_POL_A_TMPLS],
				    "templates belong to protect policies only (bypass and discard take none)");
		return -EINVAL;
	}
	return 0;
}

static int kipsec_put_sel(struct sk_buff *skb, const struct kipsec_sel *sel)
{
	if (sel->family &&
	    (nla_put_u16(skb, KIPSEC_POL_A_SEL_FAMILY, sel->family) ||
	     kipsec_nla_put_addr(skb, KIPSEC_POL_A_SEL_SRC, sel->family, &sel->saddr) ||
	     nla_put_u8(skb, KIPSEC_POL_A_SEL_SRC_PLEN, sel->splen) ||
	     kipsec_nla_put_addr(skb, KIPSEC_POL_A_SEL_DST, sel->family, &sel->daddr) ||
	     nla_put_u8(skb, KIPSEC_POL_A_SEL_DST_PLEN, sel->dplen)))
		return -EMSGSIZE;
	if (sel->proto &&
	    (nla_put_u8(skb, KIPSEC_POL_A_SEL_PROTO, sel->proto) ||
	     nla_put_u16(skb, KIPSEC_POL_A_SEL_SPORT_MIN, sel->sport_min) ||
	     nla_put_u16(skb, KIPSEC_POL_A_SEL_SPORT_MAX, sel->sport_max) ||
	     nla_put_u16(skb, KIPSEC_POL_A_SEL_DPORT_MIN, sel->dport_min) ||
	     nla_put_u16(skb, KIPSEC_POL_A_SEL_DPORT_MAX, sel->dport_max)))
		return -EMSGSIZE;
	return 0;
}

static int kipsec_put_tmpl(struct sk_buff *skb, const struct kipsec_tmpl *t)
{
	struct nlattr *nest = nla_nest_start(skb, KIPSEC_TMPLS_A_TMPL);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, KIPSEC_TMPL_A_PROTO, t->proto) ||
	    nla_put_u8(skb, KIPSEC_TMPL_A_MODE, t->mode) ||
	    nla_put_u32(skb, KIPSEC_TMPL_A_REQID, t->reqid) ||
	    nla_put_u32(skb, KIPSEC_TMPL_A_SPI, t->spi) ||
	    (t->optional && nla_put_flag(skb, KIPSEC_TMPL_A_OPTIONAL)) ||
	    (t->family &&
	     (kipsec_nla_put_addr(skb, KIPSEC_TMPL_A_SRC, t->family, &t->saddr) ||
	      kipsec_nla_put_addr(skb, KIPSEC_TMPL_A_DST, t->family, &t->daddr)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int kipsec_pol_fill(struct sk_buff *skb, const struct kipsec_policy *pol,
			   u32 portid, u32 seq, int flags, u8 cmd,
			   struct netlink_callback *cb)
{
	struct nlattr *nest, *tmpls;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &kipsec_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	nest = nla_nest_start(skb, KIPSEC_A_POLICY);
	if (!nest)
		goto cancel;
	if (nla_put_u32(skb, KIPSEC_POL_A_ID, pol->id) ||
	    nla_put_u8(skb, KIPSEC_POL_A_DIR, pol->dir) ||
	    nla_put_u32(skb, KIPSEC_POL_A_PRIORITY, pol->priority) ||
	    nla_put_u8(skb, KIPSEC_POL_A_ACTION, pol->action) ||
	    kipsec_put_sel(skb, &pol->sel))
		goto cancel;
	if (pol->ntmpl) {
		tmpls = nla_nest_start(skb, KIPSEC_POL_A_TMPLS);
		if (!tmpls)
			goto cancel;
		for (i = 0; i < pol->ntmpl; i++)
			if (kipsec_put_tmpl(skb, &pol->tmpl[i]))
				goto cancel;
		nla_nest_end(skb, tmpls);
	}
	if (kipsec_put_stats(skb, KIPSEC_POL_A_STATS, pol->stats))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* Never published: no grace period needed. */
static void kipsec_pol_free_unused(struct kipsec_policy *pol)
{
	free_percpu(pol->stats);
	kfree(pol);
}

static int kipsec_nl_pol_add(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct kipsec_net *kn = kipsec_pernet(net);
	struct nlattr *tb[KIPSEC_POL_A_MAX + 1];
	struct kipsec_policy *pol;
	struct sk_buff *msg;
	int err;

	err = kipsec_pol_nest(info, tb, false);
	if (err)
		return err;

	pol = kzalloc(sizeof(*pol), GFP_KERNEL);
	if (!pol)
		return -ENOMEM;
	pol->stats = alloc_percpu(struct kipsec_counters);
	if (!pol->stats) {
		err = -ENOMEM;
		goto free_pol;
	}
	err = kipsec_pol_parse(tb, info->attrs[KIPSEC_A_POLICY], pol, info->extack);
	if (err)
		goto free_pol;

	/* Allocated first: once inserted, the request must not fail. */
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto free_pol;
	}

	mutex_lock(&kn->lock);
	err = kipsec_spd_insert(net, pol, info->nlhdr->nlmsg_flags & NLM_F_REPLACE,
				info->extack);
	if (!err && kipsec_pol_fill(msg, pol, info->snd_portid, info->snd_seq, 0,
				    KIPSEC_CMD_POLICY_ADD, NULL)) {
		/* Cannot happen (a policy is far below a page); the add stands. */
		nlmsg_free(msg);
		msg = NULL;
	}
	mutex_unlock(&kn->lock);

	if (err) {
		nlmsg_free(msg);
		goto free_pol;
	}
	return msg ? genlmsg_reply(msg, info) : 0;

free_pol:
	kipsec_pol_free_unused(pol);
	return err;
}

static struct kipsec_policy *kipsec_pol_find_id(struct kipsec_net *kn, u32 id)
{
	struct kipsec_policy *pol;
	unsigned int dir;

	for (dir = 0; dir < ARRAY_SIZE(kn->policies); dir++)
		list_for_each_entry(pol, &kn->policies[dir], list)
			if (pol->id == id)
				return pol;
	return NULL;
}

/* DEL and GET: by ID, or by DIR + selector (+ PRIORITY if ambiguous). */
static struct kipsec_policy *kipsec_pol_find(struct kipsec_net *kn, struct nlattr **tb,
					     const struct nlattr *nest,
					     struct netlink_ext_ack *extack)
{
	struct kipsec_policy *pol, *found = NULL;
	struct kipsec_sel sel;
	u8 dir;
	int err;

	lockdep_assert_held(&kn->lock);
	if (tb[KIPSEC_POL_A_ID]) {
		pol = kipsec_pol_find_id(kn, nla_get_u32(tb[KIPSEC_POL_A_ID]));
		if (pol && tb[KIPSEC_POL_A_DIR] && nla_get_u8(tb[KIPSEC_POL_A_DIR]) != pol->dir)
			pol = NULL;
		if (!pol) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_POL_A_ID], "no policy with this ID");
			return ERR_PTR(-ENOENT);
		}
		return pol;
	}
	if (KIPSEC_REQUIRE(extack, nest, tb, KIPSEC_POL_A_DIR,
			   "policy needs ID, or DIR and the selector"))
		return ERR_PTR(-EINVAL);
	err = kipsec_sel_parse(tb, &sel, extack);
	if (err)
		return ERR_PTR(err);

	dir = nla_get_u8(tb[KIPSEC_POL_A_DIR]);
	list_for_each_entry(pol, &kn->policies[dir], list) {
		if (memcmp(&pol->sel, &sel, sizeof(sel)))
			continue;
		if (tb[KIPSEC_POL_A_PRIORITY] &&
		    nla_get_u32(tb[KIPSEC_POL_A_PRIORITY]) != pol->priority)
			continue;
		if (found) {
			NL_SET_ERR_MSG_MOD(extack,
					   "several policies have this selector: give PRIORITY or ID");
			return ERR_PTR(-EINVAL);
		}
		found = pol;
	}
	if (!found) {
		NL_SET_ERR_MSG_MOD(extack, "no policy with this direction and selector");
		return ERR_PTR(-ENOENT);
	}
	return found;
}

static int kipsec_nl_pol_del(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct kipsec_net *kn = kipsec_pernet(net);
	struct nlattr *tb[KIPSEC_POL_A_MAX + 1];
	struct kipsec_policy *pol;
	int err;

	err = kipsec_pol_nest(info, tb, false);
	if (err)
		return err;

	mutex_lock(&kn->lock);
	pol = kipsec_pol_find(kn, tb, info->attrs[KIPSEC_A_POLICY], info->extack);
	if (IS_ERR(pol))
		err = PTR_ERR(pol);
	else
		kipsec_spd_remove(net, pol);
	mutex_unlock(&kn->lock);
	return err;
}

static int kipsec_nl_pol_get(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct kipsec_net *kn = kipsec_pernet(net);
	struct nlattr *tb[KIPSEC_POL_A_MAX + 1];
	struct kipsec_policy *pol;
	struct sk_buff *msg;
	int err;

	err = kipsec_pol_nest(info, tb, false);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&kn->lock);
	pol = kipsec_pol_find(kn, tb, info->attrs[KIPSEC_A_POLICY], info->extack);
	if (IS_ERR(pol))
		err = PTR_ERR(pol);
	else
		err = kipsec_pol_fill(msg, pol, info->snd_portid, info->snd_seq, 0,
				      KIPSEC_CMD_POLICY_GET, NULL);
	mutex_unlock(&kn->lock);

	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* Adds raise next_policy_id, deletes lower a count: any change shows. */
static unsigned int kipsec_pol_dump_seq(const struct kipsec_net *kn)
{
	const u32 v[] = {
		kn->next_policy_id, kn->policy_count[KIPSEC_DIR_IN],
		kn->policy_count[KIPSEC_DIR_OUT], kn->policy_count[KIPSEC_DIR_FWD],
	};

	return jhash2(v, ARRAY_SIZE(v), 0) ?: 1;
}

/*
 * Policies in lookup order per direction, resumable: cb->args[0] is the
 * direction, args[1] the position in its list and args[2] the ID of the last
 * policy sent. Resuming after that ID keeps the dump exact when policies
 * before it were deleted meanwhile; the position is the fallback. As for
 * SAs, a dump that saw the table change is flagged NLM_F_DUMP_INTR.
 */
static int kipsec_nl_pol_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kipsec_net *kn = kipsec_pernet(sock_net(skb->sk));
	unsigned long dir = cb->args[0], pos = cb->args[1];
	u32 last_id = cb->args[2];
	struct kipsec_policy *pol;
	unsigned long idx;

	mutex_lock(&kn->lock);
	cb->seq = kipsec_pol_dump_seq(kn);
	for (; dir < ARRAY_SIZE(kn->policies); dir++, pos = 0, last_id = 0) {
		if (last_id) {
			idx = 0;
			list_for_each_entry(pol, &kn->policies[dir], list) {
				idx++;
				if (pol->id == last_id) {
					pos = idx;
					break;
				}
			}
		}
		idx = 0;
		list_for_each_entry(pol, &kn->policies[dir], list) {
			if (idx++ < pos)
				continue;
			if (kipsec_pol_fill(skb, pol, NETLINK_CB(cb->skb).portid,
					    cb->nlh->nlmsg_seq, NLM_F_MULTI,
					    KIPSEC_CMD_POLICY_GET, cb))
				goto full;
			pos = idx;
			last_id = pol->id;
		}
	}
full:
	mutex_unlock(&kn->lock);
	cb->args[0] = dir;
	cb->args[1] = pos;
	cb->args[2] = last_id;
	return skb->len;
}

static int kipsec_nl_pol_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct kipsec_net *kn = kipsec_pernet(net);
	struct nlattr *tb[KIPSEC_POL_A_MAX + 1];
	int err;

	err = kipsec_pol_nest(info, tb, true);
	if (err)
		return err;

	mutex_lock(&kn->lock);
	kipsec_spd_flush(net, tb[KIPSEC_POL_A_DIR] ? nla_get_u8(tb[KIPSEC_POL_A_DIR]) : -1);
	mutex_unlock(&kn->lock);
	return 0;
}

/* --------------------------------------------------------------- stats */

static int kipsec_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	if (info->attrs[KIPSEC_A_SA] || info->attrs[KIPSEC_A_POLICY]) {
		NL_SET_ERR_MSG_MOD(info->extack, "STATS_GET takes no attributes");
		return -EINVAL;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &kipsec_family, 0, KIPSEC_CMD_STATS_GET);
	if (!hdr || kipsec_put_stats(msg, KIPSEC_A_STATS, kn->stats)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* --------------------------------------------------------------- events */

/*
 * EXPIRE for one SA (lifetime.c, process context, kipsec_net.lock held).
 * Nobody listening, or no memory: the event is lost, the SA state
 * (FLAGS_STATE) still says it.
 */
void kipsec_nl_expire(struct kipsec_sa *sa, bool hard)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (!msg)
		return;
	if (kipsec_sa_fill(msg, sa, 0, 0, 0, KIPSEC_CMD_EXPIRE, NULL) ||
	    (hard && nla_put_flag(msg, KIPSEC_A_EXPIRE_HARD))) {
		nlmsg_free(msg);
		return;
	}
	/* The flag went after the nest: the message grew. */
	nlmsg_end(msg, nlmsg_hdr(msg));
	genlmsg_multicast_netns(&kipsec_family, sa->net, msg, 0, 0, GFP_KERNEL);
}

/* -------------------------------------------------------------- family */

/*
 * An ACQUIRE event: the policy as POLICY_GET shows it, then what the packet
 * carried. Called from the packet path (atomic); lost if memory is short.
 */
void kipsec_nl_acquire(struct net *net, const struct kipsec_policy *pol,
		       const struct kipsec_flow *fl, unsigned int tmpl)
{
	struct sk_buff *msg;
	struct nlattr *nest;

	if (!genl_has_listeners(&kipsec_family, net, 0))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg)
		return;
	if (kipsec_pol_fill(msg, pol, 0, 0, 0, KIPSEC_CMD_ACQUIRE, NULL))
		goto free;
	nest = nla_nest_start(msg, KIPSEC_A_ACQUIRE);
	if (!nest ||
	    kipsec_nla_put_addr(msg, KIPSEC_ACQ_A_SRC, fl->family, &fl->saddr) ||
	    kipsec_nla_put_addr(msg, KIPSEC_ACQ_A_DST, fl->family, &fl->daddr) ||
	    nla_put_u8(msg, KIPSEC_ACQ_A_PROTO, fl->proto) ||
	    nla_put_u16(msg, KIPSEC_ACQ_A_SPORT, fl->sport) ||
	    nla_put_u16(msg, KIPSEC_ACQ_A_DPORT, fl->dport) ||
	    nla_put_u8(msg, KIPSEC_ACQ_A_TMPL, tmpl))
		goto free;
	nla_nest_end(msg, nest);
	/* kipsec_pol_fill() closed the message before the ACQUIRE nest. */
	nlmsg_end(msg, nlmsg_hdr(msg));
	genlmsg_multicast_netns(&kipsec_family, net, msg, 0, 0, GFP_ATOMIC);
	return;

free:
	nlmsg_free(msg);
}

/*
 * ACQUIRE and EXPIRE have no entry: they are events, and genetlink refuses
 * them as requests (-EOPNOTSUPP).
 */
static const struct genl_small_ops kipsec_nl_ops[] = {
	{ .cmd = KIPSEC_CMD_SA_ADD, .flags = GENL_ADMIN_PERM, .doit = kipsec_nl_sa_add },
	{ .cmd = KIPSEC_CMD_SA_UPDATE, .flags = GENL_ADMIN_PERM, .doit = kipsec_nl_sa_update },
	{ .cmd = KIPSEC_CMD_SA_DEL, .flags = GENL_ADMIN_PERM, .doit = kipsec_nl_sa_del },
	{
		.cmd = KIPSEC_CMD_SA_GET, .flags = GENL_ADMIN_PERM,
		.doit = kipsec_nl_sa_get, .dumpit = kipsec_nl_sa_dump,
	},
	{ .cmd = KIPSEC_CMD_SA_FLUSH, .flags = GENL_ADMIN_PERM, .doit = kipsec_nl_sa_flush },
	{ .cmd = KIPSEC_CMD_POLICY_ADD, .flags = GENL_ADMIN_PERM, .doit = kipsec_nl_pol_add },
	{ .cmd = KIPSEC_CMD_POLICY_DEL, .flags = GENL_ADMIN_PERM, .doit = kipsec_nl_pol_del },
	{
		.cmd = KIPSEC_CMD_POLICY_GET, .flags = GENL_ADMIN_PERM,
		.doit = kipsec_nl_pol_get, .dumpit = kipsec_nl_pol_dump,
	},
	{ .cmd = KIPSEC_CMD_POLICY_FLUSH, .flags = GENL_ADMIN_PERM, .doit = kipsec_nl_pol_flush },
	{ .cmd = KIPSEC_CMD_STATS_GET, .flags = GENL_ADMIN_PERM, .doit = kipsec_nl_stats_get },
};

/* Events reveal traffic selectors: only CAP_NET_ADMIN may listen. */
static const struct genl_multicast_group kipsec_nl_mcgrps[] = {
	{ .name = KIPSEC_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family kipsec_family __ro_after_init = {
	.name = KIPSEC_GENL_NAME,
	.version = KIPSEC_GENL_VERSION,
	.maxattr = KIPSEC_A_MAX,
	.policy = kipsec_nl_policy,
	.netnsok = true,
	/* Handlers lock their namespace's kipsec_net.lock instead of genl_mutex. */
	.parallel_ops = true,
	/*
	 * Commands from resv_start_op on may not carry NLM_F_REPLACE, which
	 * the uapi uses: all current commands come before it. Attribute
	 * validation is strict anyway (no GENL_DONT_VALIDATE_* on any op).
	 */
	.resv_start_op = __KIPSEC_CMD_MAX,
	.small_ops = kipsec_nl_ops,
	.n_small_ops = ARRAY_SIZE(kipsec_nl_ops),
	.mcgrps = kipsec_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(kipsec_nl_mcgrps),
	.module = THIS_MODULE,
};

int __init kipsec_netlink_init(void)
{
	return genl_register_family(&kipsec_family);
}

void kipsec_netlink_exit(void)
{
	genl_unregister_family(&kipsec_family);
}
