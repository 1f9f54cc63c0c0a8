// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: outbound processing. A POST_ROUTING hook (last, after NAT) looks
 * up the OUT policy of every packet; protected packets are segmented (GSO),
 * ESP-encapsulated in transport or tunnel mode, and sent with dst_output()
 * marked "rerouted", so POST_ROUTING (and this hook) is not run again.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/random.h>
#include <net/dsfield.h>
#include <net/dst.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "kipsec.h"
#include "datapath.h"

/* Encryption finished: send the ESP packet on, or count the failure. */
static void kipsec_out_done(struct kipsec_esp_ctx *ctx, int err)
{
	struct kipsec_bundle *b = ctx->bundle;
	struct sk_buff *skb = ctx->skb;
	struct kipsec_sa *sa = ctx->sa;
	unsigned int bytes = ctx->len;
	struct net *net = sa->net;

	kipsec_esp_ctx_free(ctx);
	if (unlikely(err)) {
		kipsec_drop_count(net, sa, KIPSEC_STATS_A_DROP_CRYPTO);
		kipsec_bundle_free(b);
		kfree_skb(skb);
		goto out;
	}
	kipsec_count_ok(sa, bytes);
	kipsec_encap_out_done(sa, skb);
	if (b) {
		/* A bundle: the next transform (AH) goes around this one. */
		kipsec_bundle_resume(b, skb);
		goto out;
	}

	if (ip_hdr(skb)->version == 4) {
		skb->protocol = htons(ETH_P_IP);
		/*
		 * REROUTED: POST_ROUTING is not run again. FORWARDED: the
		 * output MTU is the route's/interface's, not a PMTU that our
		 * ICMP for the inner packet lowered (same route in transport
		 * mode), as kipsec_out_one() checked.
		 */
		IPCB(skb)->flags |= IPSKB_REROUTED | IPSKB_FORWARDED;
	} else {
		skb->protocol = htons(ETH_P_IPV6);
		IP6CB(skb)->flags |= IP6SKB_REROUTED;
	}
	/* The outer packet of a tunnel does not belong to the inner socket. */
	dst_output(net, sa->mode == KIPSEC_MODE_TRANSPORT ? skb->sk : NULL, skb);
out:
	kipsec_sa_put(sa);
}

/* Route to the tunnel's outer destination, or NULL. */
static struct dst_entry *kipsec_out_route(struct net *net, struct kipsec_sa *sa,
					  const struct sk_buff *skb)
{
	if (sa->family == AF_INET) {
		struct flowi4 fl4 = {
			.daddr = sa->daddr.a4,
			.saddr = sa->saddr.a4,
			.flowi4_proto = IPPROTO_ESP,
			.flowi4_mark = skb->mark,
		};
		struct rtable *rt = ip_route_output_key(net, &fl4);

		return IS_ERR(rt) ? NULL : &rt->dst;
	} else {
		struct flowi6 fl6 = {
			.daddr = sa->daddr.a6,
			.saddr = sa->saddr.a6,
			.flowi6_proto = IPPROTO_ESP,
			.flowi6_mark = skb->mark,
		};
		struct dst_entry *dst = ip6_route_output(net, NULL, &fl6);

		if (dst->error) {
			dst_release(dst);
			return NULL;
		}
		return dst;
	}
}

/* Does the outer packet go to the inner packet's destination? */
static bool kipsec_out_same_dst(const struct kipsec_sa *sa,
				const struct sk_buff *skb, bool inner4)
{
	if (sa->mode == KIPSEC_MODE_TRANSPORT)
		return true;
	if (inner4)
		return sa->family == AF_INET && sa->daddr.a4 == ip_hdr(skb)->daddr;
	return sa->family == AF_INET6 &&
	       ipv6_addr_equal(&sa->daddr.a6, &ipv6_hdr(skb)->daddr);
}

/*
 * The encapsulated packet will not fit the outgoing interface. If the
 * inner packet may not be fragmented, tell its sender the size that fits
 * (a local TCP socket lowers its MSS) and return true: drop it. Otherwise
 * the outer packet gets fragmented.
 */
static bool kipsec_out_too_big(struct sk_buff *skb, bool inner4, int inner_mtu)
{
	if (inner4) {
		if (skb->ignore_df || !(ip_hdr(skb)->frag_off & htons(IP_DF)))
			return false;
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			  htonl(max(inner_mtu, 68)));
		return true;
	}
	/* IPv6 below the minimum MTU, or the sender allowed fragments. */
	if (skb->ignore_df || skb->len <= IPV6_MIN_MTU)
		return false;
	icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0, max(inner_mtu, IPV6_MIN_MTU));
	return true;
}

static void kipsec_out_build_outer4(struct net *net, struct kipsec_sa *sa,
				    struct sk_buff *skb, struct dst_entry *dst,
				    u8 dsfield, __be16 df)
{
	struct iphdr *iph;

	skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = INET_ECN_encapsulate(dsfield, dsfield);
	iph->tot_len = htons(skb->len);
	iph->frag_off = df;
	iph->ttl = ip4_dst_hoplimit(dst);
	iph->protocol = IPPROTO_ESP;
	iph->saddr = sa->saddr.a4;
	iph->daddr = sa->daddr.a4;
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	ip_select_ident(net, skb, NULL);
	ip_send_check(iph);
}

static void kipsec_out_build_outer6(struct kipsec_sa *sa, struct sk_buff *skb,
				    struct dst_entry *dst, u8 dsfield)
{
	struct ipv6hdr *ip6h;

	skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	ip6_flow_hdr(ip6h, INET_ECN_encapsulate(dsfield, dsfield), 0);
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = IPPROTO_ESP;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = sa->saddr.a6;
	ip6h->daddr = sa->daddr.a6;
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
}

/*
 * Encapsulate one (non-GSO) IP packet, data at its network header. Takes
 * over skb and the SA reference in every case. Returns 0 or why it dropped.
 */
int kipsec_out_one(struct net *net, struct kipsec_sa *sa, struct sk_buff *skb,
		   struct kipsec_bundle *b)
{
	unsigned int hlen, plen, padlen, tail, esplen, ohlen, total, nh_off = 0;
	unsigned int encap = kipsec_encap_len(sa);	/* UDP header, RFC 3948 */
	bool tunnel = sa->mode == KIPSEC_MODE_TUNNEL;
	enum kipsec_stats_attr why = KIPSEC_STATS_A_DROP_NOMEM;
	struct dst_entry *odst = NULL;
	struct kipsec_esp_ctx *ctx;
	struct ip_esp_hdr *esph;
	struct sk_buff *trailer;
	struct net_device *dev;
	unsigned int inner_len = skb->len;
	__be16 df = 0;
	bool frag = false;
	int nfrags, mtu;
	bool inner4;
	u8 proto, dsfield;
	u8 *p;
	u64 seq;

	if (unlikely(skb_network_offset(skb) != 0 || !skb_dst(skb))) {
		why = KIPSEC_STATS_A_DROP_MALFORMED;
		goto drop;
	}
	inner4 = ip_hdr(skb)->version == 4;
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto drop;

	if (inner4) {
		hlen = ip_hdrlen(skb);
		proto = ip_hdr(skb)->protocol;
		dsfield = ipv4_get_dsfield(ip_hdr(skb));
		df = ip_hdr(skb)->frag_off & htons(IP_DF);
	} else {
		u8 *nhp;
		int off = ip6_find_1stfragopt(skb, &nhp);

		if (off < 0) {
			why = KIPSEC_STATS_A_DROP_MALFORMED;
			goto drop;
		}
		hlen = off;
		nh_off = nhp - skb->data;
		proto = *nhp;
		dsfield = ipv6_get_dsfield(ipv6_hdr(skb));
	}

	if (tunnel) {
		odst = kipsec_out_route(net, sa, skb);
		if (!odst) {
			why = KIPSEC_STATS_A_DROP_ROUTE;
			goto drop;
		}
		ohlen = sa->family == AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
		proto = inner4 ? IPPROTO_IPIP : IPPROTO_IPV6;
		/* Only v4-in-v4 copies DF; otherwise the outer may fragment. */
		if (sa->family != AF_INET || !inner4)
			df = 0;
		plen = skb->len;
		hlen = 0;
		dev = odst->dev;
	} else {
		ohlen = 0;
		plen = skb->len - hlen;
		dev = skb_dst(skb)->dev;
	}

	esplen = KIPSEC_ESP_HLEN + sa->iv_len;
	padlen = kipsec_esp_padlen(sa, plen);
	tail = padlen + 2 + sa->icv_len;
	total = ohlen + hlen + encap + esplen + plen + tail;

	/*
	 * The route's configured MTU or the interface's, never the learned
	 * PMTU: our own "too big" messages lower that, and it must not shrink
	 * again for the encapsulated packet (which kipsec_out_done() sends
	 * with the same rule).
	 */
	mtu = dst_metric_raw(tunnel ? odst : skb_dst(skb), RTAX_MTU);
	if (!mtu)
		mtu = READ_ONCE(dev->mtu);
	if (total > mtu) {
		int room = mtu - ohlen - hlen - encap - esplen - sa->icv_len;
		int inner_mtu = (int)rounddown(max(room, 0), sa->block_size) - 2 + (int)hlen;

		/*
		 * IPv6 has no "ignore the PMTU" for the outer packet: when
		 * it shares the route with the inner one (transport mode,
		 * host-to-host tunnel), a "too big" to the sender would shrink
		 * both. Fragment the outer packet instead.
		 */
		if ((inner4 || !kipsec_out_same_dst(sa, skb, inner4)) &&
		    kipsec_out_too_big(skb, inner4, inner_mtu)) {
			kipsec_drop_count(net, sa, KIPSEC_STATS_A_ICMP_TOO_BIG);
			why = KIPSEC_STATS_A_DROP_MTU;
			goto drop;
		}
		skb->ignore_df = 1;
		df = 0;
		frag = true;
	}

	if (unlikely(kipsec_seq_out_next(sa, &seq))) {
		why = KIPSEC_STATS_A_DROP_SEQ_OVERFLOW;
		goto drop;
	}

	if (skb_cow_head(skb, encap + esplen + ohlen + LL_RESERVED_SPACE(dev)))
		goto drop;
	nfrags = skb_cow_data(skb, tail, &trailer);
	if (nfrags < 0)
		goto drop;
	ctx = kipsec_esp_ctx_alloc(sa, nfrags);
	if (!ctx)
		goto drop;

	p = pskb_put(skb, trailer, tail);
	kipsec_esp_write_trailer(p, padlen, proto);

	/* Make room for the ESP header and IV between header and payload. */
	skb_push(skb, encap + esplen);
	if (!tunnel) {
		memmove(skb->data, skb->data + encap + esplen, hlen);
		skb_reset_network_header(skb);
		if (inner4) {
			struct iphdr *iph = ip_hdr(skb);

			iph->protocol = IPPROTO_ESP;
			iph->tot_len = htons(skb->len);
			ip_send_check(iph);
		} else {
			skb->data[nh_off] = IPPROTO_ESP;
			ipv6_hdr(skb)->payload_len = htons(skb->len - sizeof(struct ipv6hdr));
		}
	} else {
		skb_dst_drop(skb);
		skb_dst_set(skb, odst);
		odst = NULL;
		if (sa->family == AF_INET)
			kipsec_out_build_outer4(net, sa, skb, skb_dst(skb), dsfield, df);
		else
			kipsec_out_build_outer6(sa, skb, skb_dst(skb), dsfield);
	}
	ctx->esp_off = ohlen + hlen + encap;
	skb_set_transport_header(skb, ctx->esp_off);
	if (encap) {
		/* The byte that names ESP names UDP instead (encap.c). */
		if (tunnel)
			nh_off = sa->family == AF_INET ? offsetof(struct iphdr, protocol) :
							offsetof(struct ipv6hdr, nexthdr);
		else if (inner4)
			nh_off = offsetof(struct iphdr, protocol);
		kipsec_encap_out_build(sa, skb, ohlen + hlen, nh_off);
	}

	esph = (struct ip_esp_hdr *)(skb->data + ctx->esp_off);
	esph->spi = htonl(sa->spi);
	esph->seq_no = htonl(lower_32_bits(seq));
	if (sa->alg->seq_iv) {
		__be64 iv = cpu_to_be64(seq);	/* unique per key: all GCM/ChaCha need */

		memcpy(ctx->iv, &iv, sizeof(iv));
	} else if (sa->iv_len)
		get_random_bytes(ctx->iv, sa->iv_len);	/* CBC needs unpredictable IVs */
	memcpy(esph->enc_data, ctx->iv, sa->iv_len);

	ctx->skb = skb;
	ctx->sa = sa;
	ctx->seq = seq;
	ctx->len = inner_len;
	ctx->complete = kipsec_out_done;
	if (frag)	/* dst_output() fragments it */
		kipsec_drop_count(net, sa, KIPSEC_STATS_A_FRAG_OUT);
	ctx->bundle = b;
	kipsec_esp_encrypt(ctx, plen + padlen + 2);
	return 0;

drop:
	dst_release(odst);
	kipsec_drop_count(net, sa, why);
	kipsec_bundle_free(b);
	kfree_skb(skb);
	kipsec_sa_put(sa);
	return why;
}

/* Encapsulate skb (GSO: each segment); consumes skb and the SA reference. */
static void kipsec_out_protect(struct net *net, struct kipsec_sa *sa,
			       struct sk_buff *skb)
{
	struct sk_buff *segs, *seg, *next;
	bool too_big = false;

	if (!skb_is_gso(skb)) {
		kipsec_out_one(net, sa, skb, NULL);
		return;
	}

	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		kipsec_drop_count(net, sa, KIPSEC_STATS_A_DROP_NOMEM);
		kfree_skb(skb);
		kipsec_sa_put(sa);
		return;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		if (too_big) {
			/* Same size as the one refused: one ICMP is enough. */
			kipsec_drop_count(net, sa, KIPSEC_STATS_A_DROP_MTU);
			kfree_skb(seg);
			continue;
		}
		kipsec_sa_hold(sa);
		too_big = kipsec_out_one(net, sa, seg, NULL) == KIPSEC_STATS_A_DROP_MTU;
	}
	kipsec_sa_put(sa);
}

unsigned int kipsec_out_hook(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	struct net *net = state->net;
	struct kipsec_net *kn = kipsec_pernet(net);
	enum kipsec_stats_attr why;
	struct kipsec_policy *pol;
	struct kipsec_flow fl;
	struct kipsec_sa *sa;

	if (!READ_ONCE(kn->policy_count[KIPSEC_DIR_OUT]))
		return NF_ACCEPT;
	if (kipsec_flow_from_skb(skb, &fl)) {
		kipsec_drop_count(net, NULL, KIPSEC_STATS_A_DROP_MALFORMED);
		return NF_DROP;
	}

	/* Netfilter hooks run under rcu_read_lock(): pol stays valid. */
	pol = kipsec_spd_lookup(net, KIPSEC_DIR_OUT, &fl);
	if (!pol)
		return NF_ACCEPT;

	switch (pol->action) {
	case KIPSEC_ACTION_BYPASS:
		kipsec_count(pol->stats, KIPSEC_STATS_A_PACKETS);
		kipsec_count_add(pol->stats, KIPSEC_STATS_A_BYTES, skb->len);
		return NF_ACCEPT;
	case KIPSEC_ACTION_PROTECT:
		break;
	default:
		why = KIPSEC_STATS_A_DROP_DISCARD;
		goto drop;
	}

	/* Taken from here on: conntrack's confirmation may not come after. */
	if (kipsec_ct_confirm(skb) != NF_ACCEPT)
		return NF_DROP;

	/* AH and bundles of several transforms: bundle.c. */
	if (pol->ntmpl != 1 || pol->tmpl[0].proto != KIPSEC_PROTO_ESP)
		return kipsec_bundle_out(net, pol, &fl, skb);
	sa = kipsec_sad_lookup_out(net, &pol->tmpl[0], &fl);
	if (!sa) {
		/* Held until an SA comes (ACQUIRE sent), or dropped there. */
		if (kipsec_acquire(net, pol, skb, &fl))
			return NF_STOLEN;
		why = KIPSEC_STATS_A_DROP_NOSA_OUT;
		goto drop;
	}
	if (unlikely(sa->proto != KIPSEC_PROTO_ESP || !sa->aead)) {
		kipsec_sa_put(sa);
		why = KIPSEC_STATS_A_DROP_PROTO;
		goto drop;
	}
	if (unlikely(kipsec_sa_hard_expired(sa))) {
		kipsec_count(sa->stats, KIPSEC_STATS_A_DROP_EXPIRED);
		kipsec_sa_put(sa);
		why = KIPSEC_STATS_A_DROP_EXPIRED;
		goto drop;
	}

	kipsec_count(pol->stats, KIPSEC_STATS_A_PACKETS);
	kipsec_count_add(pol->stats, KIPSEC_STATS_A_BYTES, skb->len);
	kipsec_out_protect(net, sa, skb);
	return NF_STOLEN;

drop:
	kipsec_count(pol->stats, why);
	kipsec_drop_count(net, NULL, why);
	return NF_DROP;
}

static const struct nf_hook_ops kipsec_nf_ops[] = {
	{
		.hook = kipsec_out_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP_PRI_LAST,
	},
	{
		.hook = kipsec_out_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP6_PRI_LAST,
	},
	{
		.hook = kipsec_in_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = NF_IP_PRI_LAST,
	},
	{
		.hook = kipsec_in_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = NF_IP6_PRI_LAST,
	},
	{
		.hook = kipsec_fwd_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_FORWARD,
		.priority = NF_IP_PRI_LAST,
	},
	{
		.hook = kipsec_fwd_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_FORWARD,
		.priority = NF_IP6_PRI_LAST,
	},
};

int kipsec_hooks_register(struct net *net)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	int err;

	if (kn->hooks_registered)
		return 0;
	err = kipsec_defrag6_enable(net);
	if (err)
		return err;
	err = nf_register_net_hooks(net, kipsec_nf_ops, ARRAY_SIZE(kipsec_nf_ops));
	if (err) {
		kipsec_defrag6_disable(net);
		return err;
	}
	kn->hooks_registered = true;
	return 0;
}

void kipsec_hooks_unregister(struct net *net)
{
	struct kipsec_net *kn = kipsec_pernet(net);

	if (!kn->hooks_registered)
		return;
	nf_unregister_net_hooks(net, kipsec_nf_ops, ARRAY_SIZE(kipsec_nf_ops));
	kipsec_defrag6_disable(net);
	kn->hooks_registered = false;
}
