// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the SA database of a network namespace.
 *
 * Every live SA is in two RCU hash tables: by (dst, spi, proto) for inbound
 * packets and by (dst, src, proto) for the outbound template match. The
 * tables hold one reference; packets take their own with
 * refcount_inc_not_zero() under RCU. Changes are serialized by
 * kipsec_net.lock.
 *
 * Freeing: the last reference may go in softirq (a packet finishing), but
 * tearing down a crypto transform may sleep in some drivers, so the SA is
 * queued and freed from a work item after an RCU grace period.
 */
#include <linux/bitmap.h>
#include <linux/jhash.h>
#include <linux/llist.h>
#include <linux/log2.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>
#include <net/ipv6.h>

#include "kipsec.h"

/* SAs allocated and not yet freed, in all namespaces (module exit waits for 0). */
static atomic_t kipsec_sa_total = ATOMIC_INIT(0);

static LLIST_HEAD(kipsec_sa_free_list);
static void kipsec_sa_free_work(struct work_struct *work);
static DECLARE_WORK(kipsec_sa_free_wk, kipsec_sa_free_work);

static u32 kipsec_sa_hash_seed __read_mostly;

static bool kipsec_addr_eq(u16 family, const union kipsec_addr *a,
			   const union kipsec_addr *b)
{
	if (family == AF_INET)
		return a->a4 == b->a4;
	return ipv6_addr_equal(&a->a6, &b->a6);
}

static u32 kipsec_addr_hash(u16 family, const union kipsec_addr *a, u32 init)
{
	if (family == AF_INET)
		return jhash_1word((__force u32)a->a4, init);
	return jhash2((__force const u32 *)a->a6.s6_addr32, 4, init);
}

static struct hlist_head *kipsec_spi_head(struct kipsec_net *kn, u16 family,
					  const union kipsec_addr *daddr,
					  u32 spi, u8 proto)
{
	u32 h = kipsec_addr_hash(family, daddr, kipsec_sa_hash_seed);

	h = jhash_3words(spi, proto, family, h);
	return &kn->sa_by_spi[hash_32(h, KIPSEC_SA_HASH_BITS)];
}

static struct hlist_head *kipsec_dst_head(struct kipsec_net *kn, u16 family,
					  const union kipsec_addr *daddr,
					  const union kipsec_addr *saddr,
					  u8 proto)
{
	u32 h = kipsec_addr_hash(family, daddr, kipsec_sa_hash_seed);

	h = kipsec_addr_hash(family, saddr, h);
	h = jhash_2words(proto, family, h);
	return &kn->sa_by_dst[hash_32(h, KIPSEC_SA_HASH_BITS)];
}

static bool kipsec_sa_is(const struct kipsec_sa *sa, u16 family,
			 const union kipsec_addr *daddr, u32 spi, u8 proto)
{
	return sa->spi == spi && sa->proto == proto && sa->family == family &&
	       kipsec_addr_eq(family, &sa->daddr, daddr);
}

/* ------------------------------------------------------------ lifetime */

/* Resources of an SA (any of them may be missing on a failed add). */
static void kipsec_sa_release(struct kipsec_sa *sa)
{
	kipsec_sa_crypto_destroy(sa);
	kipsec_replay_destroy(&sa->replay);
	free_percpu(sa->stats);
	kfree_sensitive(sa);
}

static void kipsec_sa_free_work(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&kipsec_sa_free_list);
	struct kipsec_sa *sa, *next;

	if (!list)
		return;
	/* Lookups that found an SA just before its last reference went may still read it. */
	synchronize_rcu();
	llist_for_each_entry_safe(sa, next, list, free_node) {
		struct kipsec_net *kn = kipsec_pernet(sa->net);

		kipsec_sa_release(sa);
		/* After this, the namespace may be gone: touch kn no more. */
		if (atomic_dec_and_test(&kn->sa_alive))
			wake_up_var(&kn->sa_alive);
		if (atomic_dec_and_test(&kipsec_sa_total))
			wake_up_var(&kipsec_sa_total);
	}
}

void kipsec_sa_put(struct kipsec_sa *sa)
{
	if (!refcount_dec_and_test(&sa->ref))
		return;
	llist_add(&sa->free_node, &kipsec_sa_free_list);
	schedule_work(&kipsec_sa_free_wk);
}

void kipsec_sad_wait_empty(void)
{
	wait_var_event(&kipsec_sa_total, !atomic_read(&kipsec_sa_total));
	/* The work item that freed the last SA may still be returning. */
	flush_work(&kipsec_sa_free_wk);
}

static int kipsec_sa_cfg_check(const struct kipsec_sa_cfg *cfg,
			       struct netlink_ext_ack *extack)
{
	if (cfg->family != AF_INET && cfg->family != AF_INET6) {
		NL_SET_ERR_MSG_MOD(extack, "SA addresses must be IPv4 or IPv6");
		return -EINVAL;
	}
	if (cfg->proto != KIPSEC_PROTO_ESP && cfg->proto != KIPSEC_PROTO_AH) {
		NL_SET_ERR_MSG_MOD(extack, "PROTO must be ESP (50) or AH (51)");
		return -EINVAL;
	}
	if (cfg->mode != KIPSEC_MODE_TRANSPORT && cfg->mode != KIPSEC_MODE_TUNNEL) {
		NL_SET_ERR_MSG_MOD(extack, "MODE must be transport (0) or tunnel (1)");
		return -EINVAL;
	}
	if (!cfg->spi) {
		NL_SET_ERR_MSG_MOD(extack, "SPI 0 is reserved (RFC 4303) and never sent: use another SPI");
		return -EINVAL;
	}
	if (cfg->replay_window > KIPSEC_REPLAY_WINDOW_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "replay window above 4096");
		return -EINVAL;
	}
	if (cfg->flags & ~KIPSEC_SA_F_ALL) {
		NL_SET_ERR_MSG_MOD(extack, "unknown bits in SA FLAGS");
		return -EINVAL;
	}
	/* 32-bit counters unless ESN: the high half would never be sent. */
	if (!(cfg->flags & KIPSEC_SA_F_ESN) && (cfg->seq_out > U32_MAX || cfg->seq_in > U32_MAX)) {
		NL_SET_ERR_MSG_MOD(extack, "SEQ_OUT/SEQ_IN above 2^32-1 need flag ESN");
		return -EINVAL;
	}
	return 0;
}

static struct kipsec_sa *kipsec_sa_create(struct net *net,
					  const struct kipsec_sa_cfg *cfg,
					  struct netlink_ext_ack *extack)
{
	struct kipsec_sa *sa;
	int err;

	err = kipsec_sa_cfg_check(cfg, extack);
	if (err)
		return ERR_PTR(err);

	sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		return ERR_PTR(-ENOMEM);
	refcount_set(&sa->ref, 1);	/* the hash tables' reference */
	sa->net = net;
	sa->spi = cfg->spi;
	sa->proto = cfg->proto;
	sa->mode = cfg->mode;
	sa->family = cfg->family;
	sa->saddr = cfg->saddr;
	sa->daddr = cfg->daddr;
	sa->reqid = cfg->reqid;
	sa->flags = cfg->flags;
	atomic64_set(&sa->seq_out, cfg->seq_out);
	kipsec_encap_sa_init(sa, cfg);
	kipsec_lft_init(sa, cfg);

	err = kipsec_replay_init(&sa->replay, cfg->replay_window);
	if (err)
		goto fail;
	kipsec_replay_set_top(&sa->replay, cfg->seq_in);
	sa->stats = alloc_percpu(struct kipsec_counters);
	if (!sa->stats) {
		err = -ENOMEM;
		goto fail;
	}
	err = kipsec_sa_crypto_init(sa, cfg, extack);
	if (err)
		goto fail;

	atomic_inc(&kipsec_pernet(net)->sa_alive);
	atomic_inc(&kipsec_sa_total);
	return sa;

fail:
	kipsec_sa_release(sa);
	return ERR_PTR(err);
}

/* ------------------------------------------------------- control plane */

struct kipsec_sa *kipsec_sad_find(struct net *net, u16 family,
				  const union kipsec_addr *daddr,
				  u32 spi, u8 proto)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	struct kipsec_sa *sa;

	hlist_for_each_entry_rcu(sa, kipsec_spi_head(kn, family, daddr, spi, proto),
				 by_spi, lockdep_is_held(&kn->lock))
		if (kipsec_sa_is(sa, family, daddr, spi, proto))
			return sa;
	return NULL;
}

int kipsec_sad_add(struct net *net, const struct kipsec_sa_cfg *cfg,
		   bool replace, struct netlink_ext_ack *extack)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	struct kipsec_sa *sa, *old;

	lockdep_assert_held(&kn->lock);

	/* The seed must be set before the first SA is hashed; lookups before see empty tables. */
	net_get_random_once(&kipsec_sa_hash_seed, sizeof(kipsec_sa_hash_seed));

	/* Refuse a duplicate before the (possibly slow) crypto setup. */
	old = kipsec_sad_find(net, cfg->family, &cfg->daddr, cfg->spi, cfg->proto);
	if (old && !replace) {
		NL_SET_ERR_MSG_MOD(extack,
				   "an SA with this DST, SPI and PROTO exists (delete it first or ask to replace)");
		return -EEXIST;
	}

	sa = kipsec_sa_create(net, cfg, extack);
	if (IS_ERR(sa))
		return PTR_ERR(sa);
	if (kipsec_encap_sa_link(net, sa)) {
		kipsec_sa_put(sa);
		return -ENOMEM;
	}

	sa->generation = ++kn->sa_generation;
	hlist_add_head_rcu(&sa->by_dst, kipsec_dst_head(kn, sa->family, &sa->daddr,
							&sa->saddr, sa->proto));
	if (old) {
		/* Inbound lookups see either the old or the new SA, never none. */
		hlist_replace_rcu(&old->by_spi, &sa->by_spi);
		WRITE_ONCE(old->dead, true);
		hlist_del_rcu(&old->by_dst);
		kipsec_encap_sa_unlink(net, old);
		kipsec_sa_put(old);
	} else {
		hlist_add_head_rcu(&sa->by_spi, kipsec_spi_head(kn, sa->family, &sa->daddr,
								sa->spi, sa->proto));
		WRITE_ONCE(kn->sa_count, kn->sa_count + 1);
	}
	kipsec_lft_set(net, sa, NULL);
	return 0;
}

void kipsec_sad_unlink(struct net *net, struct kipsec_sa *sa)
{
	struct kipsec_net *kn = kipsec_pernet(net);

	lockdep_assert_held(&kn->lock);
	if (sa->dead)
		return;
	WRITE_ONCE(sa->dead, true);
	hlist_del_rcu(&sa->by_spi);
	hlist_del_rcu(&sa->by_dst);
	kipsec_encap_sa_unlink(net, sa);
	WRITE_ONCE(kn->sa_count, kn->sa_count - 1);
	kipsec_sa_put(sa);
}

void kipsec_sad_flush(struct net *net, u8 proto)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	struct kipsec_sa *sa;
	struct hlist_node *tmp;
	unsigned int i;

	lockdep_assert_held(&kn->lock);
	for (i = 0; i < ARRAY_SIZE(kn->sa_by_spi); i++)
		hlist_for_each_entry_safe(sa, tmp, &kn->sa_by_spi[i], by_spi)
			if (!proto || sa->proto == proto)
				kipsec_sad_unlink(net, sa);
}

/*
 * SA_UPDATE NEW_SRC/NEW_DST: the hash keys change, and an RCU reader may
 * not follow a node from one chain into another, so the SA leaves the
 * tables it is moving in, a grace period passes, and it comes back under
 * the new addresses. Lookups in between miss it (packets are dropped as
 * without SA, for a few milliseconds); keys, counters and replay state stay.
 */
int kipsec_sad_move(struct net *net, struct kipsec_sa *sa,
		    const union kipsec_addr *saddr, const union kipsec_addr *daddr,
		    struct netlink_ext_ack *extack)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	bool new_dst = !kipsec_addr_eq(sa->family, &sa->daddr, daddr);

	lockdep_assert_held(&kn->lock);
	if (!new_dst && kipsec_addr_eq(sa->family, &sa->saddr, saddr))
		return 0;
	if (new_dst && kipsec_sad_find(net, sa->family, daddr, sa->spi, sa->proto)) {
		NL_SET_ERR_MSG_MOD(extack, "an SA with NEW_DST, this SPI and PROTO exists");
		return -EEXIST;
	}
	if (new_dst) {
		int err = kipsec_encap_sa_move(net, sa, daddr);

		if (err)
			return err;
		hlist_del_rcu(&sa->by_spi);
	}
	hlist_del_rcu(&sa->by_dst);
	synchronize_net();

	sa->saddr = *saddr;
	sa->daddr = *daddr;
	if (new_dst)
		hlist_add_head_rcu(&sa->by_spi, kipsec_spi_head(kn, sa->family, &sa->daddr,
								sa->spi, sa->proto));
	hlist_add_head_rcu(&sa->by_dst, kipsec_dst_head(kn, sa->family, &sa->daddr,
							&sa->saddr, sa->proto));
	return 0;
}

/*
 * The new window keeps the "seen" bits of the numbers both windows cover;
 * numbers only the new window covers count as seen, so a resize never
 * admits a packet the old window would have refused.
 */
int kipsec_sa_set_replay_window(struct kipsec_sa *sa, u32 window)
{
	struct kipsec_replay *rp = &sa->replay;
	unsigned long *nbm, *obm;
	u32 nbits, keep, i;
	u64 s;

	if (window > KIPSEC_REPLAY_WINDOW_MAX)
		return -EINVAL;
	if (!window) {
		/*
		 * Keep the bitmap: a packet that saw the old window before
		 * taking the lock may still record its bit in it.
		 */
		spin_lock_bh(&rp->lock);
		WRITE_ONCE(rp->window, 0);
		spin_unlock_bh(&rp->lock);
		return 0;
	}

	nbits = roundup_pow_of_two(max_t(u32, window, BITS_PER_LONG));
	nbm = bitmap_zalloc(nbits, GFP_KERNEL);
	if (!nbm)
		return -ENOMEM;

	spin_lock_bh(&rp->lock);
	keep = min(rp->window, window);
	for (i = 0; i < window && i < rp->top; i++) {
		s = rp->top - i;
		if (i >= keep || test_bit(s & (rp->bits - 1), rp->bitmap))
			__set_bit(s & (nbits - 1), nbm);
	}
	obm = rp->bitmap;
	rp->bitmap = nbm;
	rp->bits = nbits;
	WRITE_ONCE(rp->window, window);
	spin_unlock_bh(&rp->lock);

	bitmap_free(obm);
	return 0;
}

/* ------------------------------------------------------------ datapath */

struct kipsec_sa *kipsec_sad_lookup_in(struct net *net, u16 family,
				       const union kipsec_addr *daddr,
				       u32 spi, u8 proto)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	struct kipsec_sa *sa;

	hlist_for_each_entry_rcu(sa, kipsec_spi_head(kn, family, daddr, spi, proto), by_spi)
		if (kipsec_sa_is(sa, family, daddr, spi, proto) &&
		    !READ_ONCE(sa->dead) && refcount_inc_not_zero(&sa->ref))
			return sa;
	return NULL;
}

bool kipsec_tmpl_match_sa(const struct kipsec_tmpl *tmpl,
			  const struct kipsec_sa *sa,
			  const struct kipsec_flow *fl)
{
	if (sa->proto != tmpl->proto || sa->mode != tmpl->mode)
		return false;
	if (tmpl->reqid && sa->reqid != tmpl->reqid)
		return false;
	if (tmpl->spi && sa->spi != tmpl->spi)
		return false;
	if (tmpl->mode == KIPSEC_MODE_TUNNEL)
		return sa->family == tmpl->family &&
		       kipsec_addr_eq(sa->family, &sa->saddr, &tmpl->saddr) &&
		       kipsec_addr_eq(sa->family, &sa->daddr, &tmpl->daddr);
	/* Transport: the SA connects exactly the packet's two endpoints. */
	return sa->family == fl->family &&
	       kipsec_addr_eq(sa->family, &sa->saddr, &fl->saddr) &&
	       kipsec_addr_eq(sa->family, &sa->daddr, &fl->daddr);
}

struct kipsec_sa *kipsec_sad_lookup_out(struct net *net,
					const struct kipsec_tmpl *tmpl,
					const struct kipsec_flow *fl)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	const union kipsec_addr *saddr, *daddr;
	struct kipsec_sa *sa, *best = NULL;
	u16 family;

	if (tmpl->mode == KIPSEC_MODE_TUNNEL) {
		family = tmpl->family;
		saddr = &tmpl->saddr;
		daddr = &tmpl->daddr;
	} else {
		family = fl->family;
		saddr = &fl->saddr;
		daddr = &fl->daddr;
	}

	hlist_for_each_entry_rcu(sa, kipsec_dst_head(kn, family, daddr, saddr, tmpl->proto),
				 by_dst) {
		if (READ_ONCE(sa->dead) || !kipsec_tmpl_match_sa(tmpl, sa, fl))
			continue;
		if (best && sa->generation <= best->generation)
			continue;
		/* A dying SA (count at zero) is skipped, an older live one still serves. */
		if (!refcount_inc_not_zero(&sa->ref))
			continue;
		if (best)
			kipsec_sa_put(best);
		best = sa;
	}
	return best;
}
