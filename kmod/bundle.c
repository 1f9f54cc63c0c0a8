// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: outbound policies that are not a single ESP transform: AH alone,
 * or a bundle of several transforms applied in template order (the first
 * template is the innermost, as setkey's "esp/transport//require
 * ah/transport//require": ESP, then AH around it).
 *
 * Every SA is looked up before the first transform, so a packet is sent
 * fully protected or not at all. The transforms may complete
 * asynchronously: each one hands the packet to the next through
 * kipsec_bundle_resume() from its completion.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/icmp.h>
#include <net/dst.h>
#include <net/ip.h>

#include "kipsec.h"
#include "datapath.h"

void kipsec_bundle_free(struct kipsec_bundle *b)
{
	unsigned int i;

	if (!b)
		return;
	for (i = b->next; i < b->n; i++)
		kipsec_sa_put(b->sa[i]);
	kfree(b);
}

static void kipsec_bundle_step(struct net *net, struct kipsec_sa *sa,
			       struct sk_buff *skb, struct kipsec_bundle *b)
{
	if (sa->proto == KIPSEC_PROTO_AH)
		kipsec_ah_output(net, sa, skb, b);
	else
		kipsec_out_one(net, sa, skb, b);
}

void kipsec_bundle_resume(struct kipsec_bundle *b, struct sk_buff *skb)
{
	struct kipsec_sa *sa = b->sa[b->next];
	struct net *net = b->net;

	b->next++;
	if (b->next == b->n) {
		kfree(b);
		b = NULL;
	}
	/*
	 * Outer transforms never send "too big" about a packet that is
	 * already encapsulated (nobody would understand it): the outer
	 * packet fragments. kipsec_bundle_out() sized the inner one.
	 */
	skb->ignore_df = 1;
	kipsec_bundle_step(net, sa, skb, b);
}

/* Start the transforms on one packet; takes one reference on every SA. */
static void kipsec_bundle_start(const struct kipsec_bundle *tmpl,
				struct sk_buff *skb)
{
	struct kipsec_bundle *b;
	unsigned int i;

	for (i = 0; i < tmpl->n; i++)
		kipsec_sa_hold(tmpl->sa[i]);
	if (tmpl->n == 1) {
		kipsec_bundle_step(tmpl->net, tmpl->sa[0], skb, NULL);
		return;
	}
	b = kmemdup(tmpl, sizeof(*tmpl), GFP_ATOMIC);
	if (!b) {
		kipsec_drop_count(tmpl->net, tmpl->sa[0], KIPSEC_STATS_A_DROP_NOMEM);
		for (i = 0; i < tmpl->n; i++)
			kipsec_sa_put(tmpl->sa[i]);
		kfree_skb(skb);
		return;
	}
	b->next = 1;
	kipsec_bundle_step(b->net, b->sa[0], skb, b);
}

/*
 * Worst-case bytes the transforms add, so that an IPv4 sender with DF set
 * learns a size whose result fits: later transforms do not send "too big".
 */
static unsigned int kipsec_bundle_overhead(const struct kipsec_bundle *b)
{
	unsigned int i, o = 0;

	for (i = 0; i < b->n; i++) {
		const struct kipsec_sa *sa = b->sa[i];
		unsigned int ohlen = 0;

		if (sa->mode == KIPSEC_MODE_TUNNEL)
			ohlen = sa->family == AF_INET ? sizeof(struct iphdr) :
				sizeof(struct ipv6hdr);
		if (sa->proto == KIPSEC_PROTO_AH)
			o += ohlen + ALIGN(sizeof(struct ip_auth_hdr) + sa->icv_len, 8);
		else
			o += ohlen + KIPSEC_ESP_HLEN + sa->iv_len + sa->block_size + 1 +
			     sa->icv_len;
	}
	return o;
}

/* IPv4 with DF that will not fit: ICMP to the sender, true = drop it. */
static bool kipsec_bundle_too_big(struct sk_buff *skb, const struct kipsec_bundle *b)
{
	unsigned int mtu, over;

	if (b->n < 2 || ip_hdr(skb)->version != 4 || skb->ignore_df ||
	    !(ip_hdr(skb)->frag_off & htons(IP_DF)))
		return false;
	mtu = dst_metric_raw(skb_dst(skb), RTAX_MTU) ?: READ_ONCE(skb_dst(skb)->dev->mtu);
	over = kipsec_bundle_overhead(b);
	if (skb->len + over <= mtu)
		return false;
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
		  htonl(max_t(int, (int)mtu - (int)over, 68)));
	return true;
}

unsigned int kipsec_bundle_out(struct net *net, struct kipsec_policy *pol,
			       const struct kipsec_flow *fl, struct sk_buff *skb)
{
	struct kipsec_bundle tb = { .net = net };
	struct kipsec_flow lfl = *fl;
	enum kipsec_stats_attr why;
	struct sk_buff *segs, *seg, *next;
	bool too_big = false;
	struct kipsec_sa *sa;
	unsigned int i;

	for (i = 0; i < pol->ntmpl; i++) {
		const struct kipsec_tmpl *t = &pol->tmpl[i];

		/*
		 * A transport template after a tunnel one protects the
		 * tunnel's packet: its SA connects the tunnel endpoints.
		 */
		sa = kipsec_sad_lookup_out(net, t, &lfl);
		if (t->mode == KIPSEC_MODE_TUNNEL) {
			lfl.family = t->family;
			lfl.saddr = t->saddr;
			lfl.daddr = t->daddr;
		}
		if (!sa) {
			if (t->optional)
				continue;
			why = KIPSEC_STATS_A_DROP_NOSA_OUT;
			goto drop;
		}
		tb.sa[tb.n++] = sa;
		if (sa->proto == KIPSEC_PROTO_AH ? !sa->ahash : !sa->aead) {
			why = KIPSEC_STATS_A_DROP_PROTO;
			goto drop;
		}
	}
	if (!tb.n) {
		why = KIPSEC_STATS_A_DROP_NOSA_OUT;
		goto drop;
	}

	kipsec_count(pol->stats, KIPSEC_STATS_A_PACKETS);
	kipsec_count_add(pol->stats, KIPSEC_STATS_A_BYTES, skb->len);

	if (!skb_is_gso(skb)) {
		if (kipsec_bundle_too_big(skb, &tb)) {
			kipsec_drop_count(net, tb.sa[0], KIPSEC_STATS_A_DROP_MTU);
			kfree_skb(skb);
		} else {
			kipsec_bundle_start(&tb, skb);
		}
		goto out;
	}
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		why = KIPSEC_STATS_A_DROP_NOMEM;
		goto drop;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		/* Segments are alike: one "too big" drops them all. */
		if (too_big || kipsec_bundle_too_big(seg, &tb)) {
			too_big = true;
			kipsec_drop_count(net, tb.sa[0], KIPSEC_STATS_A_DROP_MTU);
			kfree_skb(seg);
			continue;
		}
		kipsec_bundle_start(&tb, seg);
	}
out:
	for (i = 0; i < tb.n; i++)
		kipsec_sa_put(tb.sa[i]);
	return NF_STOLEN;

drop:
	kipsec_count(pol->stats, why);
	/* No usable SA: counted on the policy and the namespace only. */
	kipsec_drop_count(net, why == KIPSEC_STATS_A_DROP_NOSA_OUT ? NULL : tb.sa[tb.n - 1], why);
	for (i = 0; i < tb.n; i++)
		kipsec_sa_put(tb.sa[i]);
	return NF_DROP;
}
