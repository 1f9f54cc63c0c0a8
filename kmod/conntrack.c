// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: confirming the inner packet's conntrack entry before the packet
 * is taken for encapsulation.
 *
 * kipsec's POST_ROUTING hook and conntrack's confirmation both run at the
 * last priority, and among equal priorities the hook registered later runs
 * first. When conntrack was in use before kipsec registered (a firewall
 * loaded before the module, or before the namespace's hooks), kipsec takes
 * the packet (NF_STOLEN) before the confirmation: the connection is never
 * entered in the table, every packet starts a new one, a NAT binding is
 * lost with its packet and replies look new to stateful rules. So kipsec
 * confirms an unconfirmed entry itself; when the confirmation ran first,
 * the entry is already confirmed and nothing happens.
 *
 * Conntrack helpers and sequence adjustment (the confirmation hook's other
 * work) do not run in that order; they do in the other one.
 *
 * nf_conntrack is bound at run time so that kipsec.ko loads without it: a
 * packet only carries an entry when that module is loaded, so the binding
 * is made on first use and held until kipsec is unloaded.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_ecache.h>

#include "kipsec.h"
#include "datapath.h"

struct kipsec_ct_syms {
	int (*confirm)(struct sk_buff *skb);
	void (*events)(struct nf_conn *ct);
};

/* Published whole, once: readers never see half a binding. */
static struct kipsec_ct_syms *kipsec_ct;

static void kipsec_ct_put(struct kipsec_ct_syms *syms)
{
	if (syms->confirm)
		symbol_put(__nf_conntrack_confirm);
	if (syms->events)
		symbol_put(nf_ct_deliver_cached_events);
	kfree(syms);
}

static const struct kipsec_ct_syms *kipsec_ct_bind(void)
{
	struct kipsec_ct_syms *syms, *old;

	syms = smp_load_acquire(&kipsec_ct);
	if (likely(syms))
		return syms;
	syms = kzalloc(sizeof(*syms), GFP_ATOMIC);
	if (!syms)
		return NULL;
	syms->confirm = symbol_get(__nf_conntrack_confirm);
	syms->events = symbol_get(nf_ct_deliver_cached_events);
	if (!syms->confirm || !syms->events) {
		kipsec_ct_put(syms);	/* nf_conntrack is being unloaded */
		return NULL;
	}
	old = cmpxchg_release(&kipsec_ct, NULL, syms);
	if (old) {
		kipsec_ct_put(syms);	/* another CPU bound first */
		return old;
	}
	return syms;
}

unsigned int kipsec_ct_confirm(struct sk_buff *skb)
{
	const struct kipsec_ct_syms *syms;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;
	int ret;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || nf_ct_is_confirmed(ct))
		return NF_ACCEPT;
	syms = kipsec_ct_bind();
	if (!syms)
		return NF_ACCEPT;
	ret = syms->confirm(skb);
	if (ret != NF_ACCEPT)
		return ret;	/* a clash conntrack could not resolve: it counts it */
	ct = nf_ct_get(skb, &ctinfo);
	if (ct && nf_ct_ecache_exist(ct))
		syms->events(ct);
	return NF_ACCEPT;
}

/* At unload, after the hooks are gone and RCU readers have finished. */
void kipsec_ct_unbind(void)
{
	if (kipsec_ct)
		kipsec_ct_put(kipsec_ct);
	kipsec_ct = NULL;
}
