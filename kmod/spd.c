// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the security policy database of a network namespace.
 *
 * One RCU list per direction, sorted by priority (lower first); policies of
 * equal priority stay in insertion order, so the first match of a linear
 * walk is the answer. Changes are serialized by kipsec_net.lock.
 */
#include <linux/in.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "kipsec.h"

static bool kipsec_prefix_match(u16 family, const union kipsec_addr *net,
				u8 plen, const union kipsec_addr *a)
{
	if (!plen)
		return true;
	if (family == AF_INET)
		return !((net->a4 ^ a->a4) & htonl(~0U << (32 - plen)));
	return ipv6_prefix_equal(&net->a6, &a->a6, plen);
}

static bool kipsec_in_range(u16 v, u16 min, u16 max)
{
	return v >= min && v <= max;
}

bool kipsec_sel_match(const struct kipsec_sel *sel, const struct kipsec_flow *fl)
{
	if (sel->family) {
		if (sel->family != fl->family ||
		    !kipsec_prefix_match(sel->family, &sel->saddr, sel->splen, &fl->saddr) ||
		    !kipsec_prefix_match(sel->family, &sel->daddr, sel->dplen, &fl->daddr))
			return false;
	}
	if (!sel->proto)
		return true;
	if (sel->proto != fl->proto)
		return false;
	switch (sel->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* ICMP: type and code travel in sport/dport; unrestricted by default. */
		return kipsec_in_range(fl->sport, sel->sport_min, sel->sport_max) &&
		       kipsec_in_range(fl->dport, sel->dport_min, sel->dport_max);
	}
	return true;
}

struct kipsec_policy *kipsec_spd_lookup(struct net *net, u8 dir,
					const struct kipsec_flow *fl)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	struct kipsec_policy *pol;

	if (dir >= ARRAY_SIZE(kn->policies))
		return NULL;
	list_for_each_entry_rcu(pol, &kn->policies[dir], list)
		if (kipsec_sel_match(&pol->sel, fl))
			return pol;
	return NULL;
}

/* Selectors are stored normalized (host bits and unused fields zero). */
static bool kipsec_sel_equal(const struct kipsec_sel *a, const struct kipsec_sel *b)
{
	size_t alen = a->family == AF_INET ? sizeof(a->saddr.a4) : sizeof(a->saddr.a6);

	if (a->family != b->family || a->splen != b->splen || a->dplen != b->dplen ||
	    a->proto != b->proto || a->sport_min != b->sport_min ||
	    a->sport_max != b->sport_max || a->dport_min != b->dport_min ||
	    a->dport_max != b->dport_max)
		return false;
	if (!a->family)
		return true;
	return !memcmp(&a->saddr, &b->saddr, alen) && !memcmp(&a->daddr, &b->daddr, alen);
}

static void kipsec_policy_free_rcu(struct rcu_head *head)
{
	struct kipsec_policy *pol = container_of(head, struct kipsec_policy, rcu);

	kipsec_acq_free(pol);
	free_percpu(pol->stats);
	kfree(pol);
}

/* Readers may still walk over pol; it goes after a grace period. */
static void kipsec_policy_release(struct kipsec_policy *pol)
{
	kipsec_acq_shutdown(pol);	/* held packets never outlive their policy */
	call_rcu(&pol->rcu, kipsec_policy_free_rcu);
}

static bool kipsec_spd_id_used(struct kipsec_net *kn, u32 id)
{
	struct kipsec_policy *pol;
	unsigned int dir;

	for (dir = 0; dir < ARRAY_SIZE(kn->policies); dir++)
		list_for_each_entry(pol, &kn->policies[dir], list)
			if (pol->id == id)
				return true;
	return false;
}

/* IDs count up; after 2^32 policies they wrap and skip those still in use. */
static u32 kipsec_spd_new_id(struct kipsec_net *kn)
{
	u32 id;

	do {
		id = kn->next_policy_id++;
	} while (!id || kipsec_spd_id_used(kn, id));
	return id;
}

int kipsec_spd_insert(struct net *net, struct kipsec_policy *pol, bool replace,
		      struct netlink_ext_ack *extack)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	struct list_head *head, *pos;
	struct kipsec_policy *p;

	lockdep_assert_held(&kn->lock);
	if (pol->dir >= ARRAY_SIZE(kn->policies)) {
		NL_SET_ERR_MSG_MOD(extack, "policy DIR must be in (0), out (1) or fwd (2)");
		return -EINVAL;
	}
	head = &kn->policies[pol->dir];

	list_for_each_entry(p, head, list) {
		if (p->priority != pol->priority || !kipsec_sel_equal(&p->sel, &pol->sel))
			continue;
		if (!replace) {
			/* Formatted extack messages hold 80 bytes. */
			KIPSEC_ERR_FMT(extack,
				       "a policy with this direction, selector and priority exists",
				       "policy %u has this dir, selector and priority (replace it?)",
				       p->id);
			return -EEXIST;
		}
		/* Same place in the lookup order, same ID; counters start again. */
		if (kipsec_acq_init(net, pol))
			return -ENOMEM;
		pol->id = p->id;
		list_replace_rcu(&p->list, &pol->list);
		kipsec_policy_release(p);
		return 0;
	}

	if (kipsec_acq_init(net, pol))
		return -ENOMEM;
	pol->id = kipsec_spd_new_id(kn);
	/* After the last policy of equal or lower priority value. */
	pos = head;
	list_for_each_entry(p, head, list) {
		if (p->priority > pol->priority)
			break;
		pos = &p->list;
	}
	list_add_rcu(&pol->list, pos);
	WRITE_ONCE(kn->policy_count[pol->dir], kn->policy_count[pol->dir] + 1);
	return 0;
}

void kipsec_spd_remove(struct net *net, struct kipsec_policy *pol)
{
	struct kipsec_net *kn = kipsec_pernet(net);

	lockdep_assert_held(&kn->lock);
	list_del_rcu(&pol->list);
	WRITE_ONCE(kn->policy_count[pol->dir], kn->policy_count[pol->dir] - 1);
	kipsec_policy_release(pol);
}

void kipsec_spd_flush(struct net *net, int dir)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	struct kipsec_policy *pol, *tmp;
	unsigned int d;

	lockdep_assert_held(&kn->lock);
	for (d = 0; d < ARRAY_SIZE(kn->policies); d++) {
		if (dir >= 0 && d != (unsigned int)dir)
			continue;
		list_for_each_entry_safe(pol, tmp, &kn->policies[d], list)
			kipsec_spd_remove(net, pol);
	}
}
