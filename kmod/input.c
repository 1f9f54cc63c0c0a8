// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: inbound processing.
 *
 * LOCAL_IN (last): ESP packets for an SA of ours are checked against the
 * replay window, decrypted (possibly asynchronously), their trailer checked
 * and stripped; the result is re-injected "as if it arrived on the same
 * interface" through PRE_ROUTING and routing, so it is delivered locally or
 * forwarded like any packet. All other packets, here and at FORWARD, are
 * checked against the IN/FWD policies: a protect policy wants the packet to
 * have been decapsulated by an SA its templates allow. That is known from a
 * per-CPU record of the packet being re-injected (the re-injection runs
 * synchronously, with BH disabled, so nothing else runs in between).
 */
#include <linux/ip.h>
#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/dsfield.h>
#include <net/dst.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/route.h>

#include "kipsec.h"
#include "datapath.h"

/* ------------------------------------------------- per-CPU rx context */

/* Nested tunnels: each level adds an entry for the same skb. */
#define KIPSEC_RX_DEPTH	4

struct kipsec_rx_ent {
	const struct sk_buff *skb;
	struct kipsec_sa *sa;
};

struct kipsec_rx_ctx {
	unsigned int depth;
	struct kipsec_rx_ent ent[KIPSEC_RX_DEPTH];
};

static DEFINE_PER_CPU(struct kipsec_rx_ctx, kipsec_rx);

/* BH disabled. */
int kipsec_rx_push(struct sk_buff *skb, struct kipsec_sa *sa)
{
	struct kipsec_rx_ctx *rx = this_cpu_ptr(&kipsec_rx);

	if (rx->depth >= KIPSEC_RX_DEPTH)
		return -ELOOP;
	rx->ent[rx->depth].skb = skb;
	rx->ent[rx->depth].sa = sa;
	rx->depth++;
	return 0;
}

void kipsec_rx_pop(void)
{
	struct kipsec_rx_ctx *rx = this_cpu_ptr(&kipsec_rx);

	rx->depth--;
}

/*
 * IPv6 reassembles only after LOCAL_IN, too late for fragmented ESP. The
 * conntrack defragmenter does it in PRE_ROUTING; it is bound at run time
 * (loaded on demand), so kipsec.ko still loads without it.
 */
static int (*kipsec_defrag6_on)(struct net *net);
static void (*kipsec_defrag6_off)(struct net *net);

int kipsec_defrag6_enable(struct net *net)
{
	return kipsec_defrag6_on ? kipsec_defrag6_on(net) : 0;
}

void kipsec_defrag6_disable(struct net *net)
{
	if (kipsec_defrag6_off)
		kipsec_defrag6_off(net);
}

int kipsec_datapath_init(void)
{
	/* The per-CPU rx context is static and starts empty. */
	kipsec_defrag6_on = symbol_request(nf_defrag_ipv6_enable);
	kipsec_defrag6_off = symbol_request(nf_defrag_ipv6_disable);
	if (!kipsec_defrag6_on || !kipsec_defrag6_off) {
		pr_warn("kipsec: nf_defrag_ipv6 unavailable: fragmented IPv6 ESP is not received\n");
		kipsec_datapath_exit();
	}
	return 0;
}

void kipsec_datapath_exit(void)
{
	if (kipsec_defrag6_on)
		symbol_put(nf_defrag_ipv6_enable);
	if (kipsec_defrag6_off)
		symbol_put(nf_defrag_ipv6_disable);
	kipsec_defrag6_on = NULL;
	kipsec_defrag6_off = NULL;
}

/* ------------------------------------------------------ policy check */

/*
 * Do the SAs that decapsulated this packet (innermost first) satisfy the
 * policy's templates (tmpl[0] is the innermost transform)? Outer tunnels
 * beyond the templates are allowed: they were checked on their own layer.
 */
static bool kipsec_in_tmpl_ok(const struct kipsec_policy *pol,
			      struct kipsec_sa *const *sas, unsigned int n,
			      const struct kipsec_flow *fl)
{
	struct kipsec_flow lfl = *fl;
	unsigned int i, j = 0;

	for (i = 0; i < pol->ntmpl; i++) {
		const struct kipsec_tmpl *t = &pol->tmpl[i];
		bool ok = j < n && kipsec_tmpl_match_sa(t, sas[j], &lfl);

		/* Transforms outside a tunnel connect its endpoints (bundle.c). */
		if (t->mode == KIPSEC_MODE_TUNNEL) {
			lfl.family = t->family;
			lfl.saddr = t->saddr;
			lfl.daddr = t->daddr;
		}
		if (ok) {
			j++;
			continue;
		}
		if (!t->optional)
			return false;
	}
	return true;
}

static unsigned int kipsec_in_policy(struct net *net, struct sk_buff *skb, u8 dir)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	struct kipsec_sa *sas[KIPSEC_RX_DEPTH];
	enum kipsec_stats_attr why;
	struct kipsec_policy *pol;
	struct kipsec_rx_ctx *rx;
	struct kipsec_flow fl;
	unsigned int n = 0;
	int i;

	if (!READ_ONCE(kn->policy_count[dir]))
		return NF_ACCEPT;
	if (kipsec_flow_from_skb(skb, &fl)) {
		kipsec_drop_count(net, NULL, KIPSEC_STATS_A_DROP_MALFORMED);
		return NF_DROP;
	}
	pol = kipsec_spd_lookup(net, dir, &fl);
	if (!pol)
		return NF_ACCEPT;

	switch (pol->action) {
	case KIPSEC_ACTION_BYPASS:
		goto accept;
	case KIPSEC_ACTION_PROTECT:
		break;
	default:
		why = KIPSEC_STATS_A_DROP_DISCARD;
		goto drop;
	}

	/* The SA references are held by the re-injecting caller. */
	local_bh_disable();
	rx = this_cpu_ptr(&kipsec_rx);
	for (i = rx->depth - 1; i >= 0; i--)
		if (rx->ent[i].skb == skb)
			sas[n++] = rx->ent[i].sa;
	local_bh_enable();

	if (kipsec_in_tmpl_ok(pol, sas, n, &fl))
		goto accept;
	if (!n) {
		why = KIPSEC_STATS_A_DROP_PLAINTEXT;
		goto drop;
	}
	why = KIPSEC_STATS_A_DROP_POLICY;
	kipsec_count(sas[0]->stats, why);

drop:
	kipsec_count(pol->stats, why);
	kipsec_drop_count(net, NULL, why);
	return NF_DROP;

accept:
	kipsec_count(pol->stats, KIPSEC_STATS_A_PACKETS);
	kipsec_count_add(pol->stats, KIPSEC_STATS_A_BYTES, skb->len);
	return NF_ACCEPT;
}

unsigned int kipsec_fwd_hook(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	return kipsec_in_policy(state->net, skb, KIPSEC_DIR_FWD);
}

/* ------------------------------------------------------- re-injection */

static int kipsec_in_finish4(struct net *net, struct sock *sk, struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos, skb->dev)) {
		kipsec_drop_count(net, NULL, KIPSEC_STATS_A_DROP_ROUTE);
		kfree_skb(skb);
		return NET_RX_DROP;
	}
	return dst_input(skb);
}

static int kipsec_in_finish6(struct net *net, struct sock *sk, struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct flowi6 fl6 = {
		.flowi6_iif = skb->dev->ifindex,
		.daddr = ip6h->daddr,
		.saddr = ip6h->saddr,
		.flowlabel = ip6_flowinfo(ip6h),
		.flowi6_mark = skb->mark,
		.flowi6_proto = ip6h->nexthdr,
	};

	/* ip6_route_input() is not exported; this is its core (a held dst). */
	skb_dst_set(skb, ip6_route_input_lookup(net, skb->dev, &fl6, skb,
						RT6_LOOKUP_F_HAS_SADDR));
	return dst_input(skb);
}

/*
 * Transport mode: the extension headers before ESP/AH (hop-by-hop,
 * destination options, routing) were seen on the first pass. Record them
 * as ipv6_rcv() and the extension header handlers do (sockets asking for
 * them get them), and resume delivery at the transport header, named by
 * the last next-header byte before it.
 */
static void kipsec_in_exthdr6(struct sk_buff *skb)
{
	struct inet6_skb_parm *opt = IP6CB(skb);
	unsigned int off = sizeof(struct ipv6hdr);
	unsigned int end = skb_transport_offset(skb);
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;

	opt->nhoff = offsetof(struct ipv6hdr, nexthdr);
	while (off < end && off + 8 <= skb_headlen(skb)) {
		switch (nexthdr) {
		case NEXTHDR_HOP:
			opt->flags |= IP6SKB_HOPBYHOP;
			break;
		case NEXTHDR_ROUTING:
			opt->srcrt = off;
			break;
		case NEXTHDR_DEST:
			if (opt->srcrt)
				opt->dst1 = off;
			else
				opt->dst0 = off;
			break;
		default:
			goto bad;
		}
		opt->lastopt = off;
		opt->nhoff = off;
		nexthdr = skb->data[off];
		off += ipv6_optlen((const struct ipv6_opt_hdr *)(skb->data + off));
	}
	if (off == end)
		return;
bad:
	/* Not what the transform left: deliver from the start. */
	memset(opt, 0, sizeof(*opt));
	opt->nhoff = offsetof(struct ipv6hdr, nexthdr);
}

/*
 * Hand the decapsulated packet (data at its IP header) to the stack as if
 * it had just arrived on skb->dev. Consumes skb.
 */
void kipsec_in_reinject(struct net *net, struct kipsec_sa *sa,
			struct sk_buff *skb, bool inner4)
{
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb->ip_summed = CHECKSUM_NONE;

	local_bh_disable();
	rcu_read_lock();
	if (kipsec_rx_push(skb, sa)) {
		kipsec_drop_count(net, sa, KIPSEC_STATS_A_DROP_PROTO);
		kfree_skb(skb);
		goto out;
	}
	if (inner4) {
		skb->protocol = htons(ETH_P_IP);
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		IPCB(skb)->iif = skb->skb_iif;
		NF_HOOK(NFPROTO_IPV4, NF_INET_PRE_ROUTING, net, NULL, skb,
			skb->dev, NULL, kipsec_in_finish4);
	} else {
		skb->protocol = htons(ETH_P_IPV6);
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		kipsec_in_exthdr6(skb);
		IP6CB(skb)->iif = skb->dev->ifindex;
		NF_HOOK(NFPROTO_IPV6, NF_INET_PRE_ROUTING, net, NULL, skb,
			skb->dev, NULL, kipsec_in_finish6);
	}
	kipsec_rx_pop();
out:
	rcu_read_unlock();
	local_bh_enable();
}

/* Tunnel mode: check the inner header the way ip_rcv / ipv6_rcv would. */
int kipsec_in_inner(struct sk_buff *skb, bool inner4, u8 outer_ds)
{
	skb_reset_network_header(skb);
	if (inner4) {
		const struct iphdr *iph;
		unsigned int len, ihl;

		if (!pskb_may_pull(skb, sizeof(*iph)))
			return -EINVAL;
		iph = ip_hdr(skb);
		ihl = iph->ihl * 4;
		if (iph->version != 4 || ihl < sizeof(*iph) || !pskb_may_pull(skb, ihl))
			return -EINVAL;
		iph = ip_hdr(skb);
		len = ntohs(iph->tot_len);
		if (ip_fast_csum(iph, iph->ihl) || len < ihl || len > skb->len ||
		    pskb_trim(skb, len))
			return -EINVAL;
		if (INET_ECN_is_ce(outer_ds))
			IP_ECN_set_ce(ip_hdr(skb));
		skb_set_transport_header(skb, ihl);
	} else {
		const struct ipv6hdr *ip6h;
		unsigned int len;

		if (!pskb_may_pull(skb, sizeof(*ip6h)))
			return -EINVAL;
		ip6h = ipv6_hdr(skb);
		len = ntohs(ip6h->payload_len);
		/* len 0 would be a jumbogram: not carried over ESP here. */
		if (ip6h->version != 6 || !len || len + sizeof(*ip6h) > skb->len ||
		    pskb_trim(skb, len + sizeof(*ip6h)))
			return -EINVAL;
		if (INET_ECN_is_ce(outer_ds))
			IP6_ECN_set_ce(skb, ipv6_hdr(skb));
		skb_set_transport_header(skb, sizeof(*ip6h));
	}
	return 0;
}

/* ------------------------------------------------------------ ESP in */

/* Decryption finished (ICV verified or not). */
static void kipsec_in_done(struct kipsec_esp_ctx *ctx, int err)
{
	struct sk_buff *skb = ctx->skb;
	struct kipsec_sa *sa = ctx->sa;
	unsigned int esp_off = ctx->esp_off, nh_off = ctx->nh_off;
	unsigned int esplen = KIPSEC_ESP_HLEN + sa->iv_len;
	unsigned int clen = ctx->len, padlen, i;
	bool outer4 = ctx->family == AF_INET;
	struct net_device *dev = skb->dev;
	enum kipsec_stats_attr why;
	struct net *net = sa->net;
	u64 seq = ctx->seq;
	u8 tr[2], pad[32];
	bool inner4;
	u8 ds;

	kipsec_esp_ctx_free(ctx);
	if (unlikely(err)) {
		why = err == -EBADMSG ? KIPSEC_STATS_A_DROP_AUTH : KIPSEC_STATS_A_DROP_CRYPTO;
		goto drop;
	}
	/* Only now that the ICV proved the number genuine may the window move. */
	if (!kipsec_replay_advance(&sa->replay, seq)) {
		why = KIPSEC_STATS_A_DROP_REPLAY;
		goto drop;
	}

	why = KIPSEC_STATS_A_DROP_PAD;
	if (skb_copy_bits(skb, esp_off + esplen + clen - 2, tr, 2))
		goto drop;
	padlen = tr[0];
	if (padlen + 2 > clen)
		goto drop;
	/* RFC 4303 2.4: the pad bytes must be 1, 2, 3, ... (small stack buffer). */
	for (i = 0; i < padlen; i += sizeof(pad)) {
		unsigned int n = min_t(unsigned int, padlen - i, sizeof(pad)), j;

		if (skb_copy_bits(skb, esp_off + esplen + clen - 2 - padlen + i, pad, n))
			goto drop;
		for (j = 0; j < n; j++)
			if (pad[j] != (u8)(i + j + 1))
				goto drop;
	}
	why = KIPSEC_STATS_A_DROP_NOMEM;
	if (pskb_trim(skb, esp_off + esplen + clen - 2 - padlen))
		goto drop;

	ds = outer4 ? ipv4_get_dsfield(ip_hdr(skb)) : ipv6_get_dsfield(ipv6_hdr(skb));
	if (sa->mode == KIPSEC_MODE_TRANSPORT) {
		/* The IP header(s) move up over ESP header and IV. */
		memmove(skb->data + esplen, skb->data, esp_off);
		__skb_pull(skb, esplen);
		skb_reset_network_header(skb);
		skb_set_transport_header(skb, esp_off);
		skb->data[nh_off] = tr[1];
		if (outer4) {
			ip_hdr(skb)->tot_len = htons(skb->len);
			ip_send_check(ip_hdr(skb));
		} else {
			ipv6_hdr(skb)->payload_len = htons(skb->len - sizeof(struct ipv6hdr));
		}
		/* Behind a NAT: inner checksums (encap.c, RFC 3948 3.1.2). */
		kipsec_encap_in_transport(sa, skb, tr[1]);
		inner4 = outer4;
	} else {
		why = KIPSEC_STATS_A_DROP_PROTO;
		if (tr[1] == IPPROTO_IPIP)
			inner4 = true;
		else if (tr[1] == IPPROTO_IPV6)
			inner4 = false;
		else
			goto drop;	/* incl. 59, RFC 4303 dummy packets */
		__skb_pull(skb, esp_off + esplen);
		why = KIPSEC_STATS_A_DROP_MALFORMED;
		if (kipsec_in_inner(skb, inner4, ds))
			goto drop;
	}

	kipsec_count_ok(sa, skb->len);
	kipsec_in_reinject(net, sa, skb, inner4);
	dev_put(dev);
	kipsec_sa_put(sa);
	return;

drop:
	kipsec_drop_count(net, sa, why);
	kfree_skb(skb);
	dev_put(dev);
	kipsec_sa_put(sa);
}

/* Offsets of the ESP header and of the next-header byte naming it, or false. */
static bool kipsec_in_find_esp(struct sk_buff *skb, u8 pf,
			       unsigned int *esp_off, unsigned int *nh_off)
{
	unsigned int off, nhoff;
	u8 nexthdr;
	int n;

	if (pf == NFPROTO_IPV4) {
		if (ip_hdr(skb)->protocol != IPPROTO_ESP)
			return false;
		*esp_off = ip_hdrlen(skb);
		*nh_off = offsetof(struct iphdr, protocol);
		return true;
	}

	/*
	 * IPv6: ESP after hop-by-hop / routing / destination options.
	 * Fragments were reassembled in PRE_ROUTING (kipsec_defrag6_enable).
	 */
	nexthdr = ipv6_hdr(skb)->nexthdr;
	nhoff = offsetof(struct ipv6hdr, nexthdr);
	off = sizeof(struct ipv6hdr);
	for (n = 0; n < 8; n++) {
		struct ipv6_opt_hdr _hp;
		const struct ipv6_opt_hdr *hp;

		if (nexthdr == IPPROTO_ESP) {
			*esp_off = off;
			*nh_off = nhoff;
			return true;
		}
		if (nexthdr != NEXTHDR_HOP && nexthdr != NEXTHDR_ROUTING &&
		    nexthdr != NEXTHDR_DEST)
			return false;
		hp = skb_header_pointer(skb, off, sizeof(_hp), &_hp);
		if (!hp)
			return false;
		nhoff = off;
		nexthdr = hp->nexthdr;
		off += ipv6_optlen(hp);
	}
	return false;
}

static unsigned int kipsec_in_esp(struct net *net, struct sk_buff *skb, u8 pf,
				  unsigned int esp_off, unsigned int nh_off)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	unsigned int esplen, clen, bs;
	enum kipsec_stats_attr why;
	struct kipsec_esp_ctx *ctx;
	const struct ip_esp_hdr *esph;
	struct sk_buff *trailer;
	union kipsec_addr daddr;
	struct kipsec_sa *sa;
	int nfrags;
	u64 seq;

	if (!pskb_may_pull(skb, esp_off + KIPSEC_ESP_HLEN)) {
		if (!READ_ONCE(kn->sa_count))
			return NF_ACCEPT;
		kipsec_drop_count(net, NULL, KIPSEC_STATS_A_DROP_MALFORMED);
		return NF_DROP;
	}
	esph = (const struct ip_esp_hdr *)(skb->data + esp_off);

	memset(&daddr, 0, sizeof(daddr));
	if (pf == NFPROTO_IPV4)
		daddr.a4 = ip_hdr(skb)->daddr;
	else
		daddr.a6 = ipv6_hdr(skb)->daddr;
	sa = kipsec_sad_lookup_in(net, pf == NFPROTO_IPV4 ? AF_INET : AF_INET6,
				  &daddr, ntohl(esph->spi), IPPROTO_ESP);
	if (!sa) {
		/* Not ours: without SAs here, leave ESP to whoever else wants it. */
		if (!READ_ONCE(kn->sa_count))
			return NF_ACCEPT;
		kipsec_drop_count(net, NULL, KIPSEC_STATS_A_DROP_NOSA);
		return NF_DROP;
	}

	why = KIPSEC_STATS_A_DROP_PROTO;
	if (unlikely(!sa->aead))
		goto drop;
	why = KIPSEC_STATS_A_DROP_EXPIRED;
	if (unlikely(kipsec_sa_hard_expired(sa)))
		goto drop;

	why = KIPSEC_STATS_A_DROP_MALFORMED;
	esplen = KIPSEC_ESP_HLEN + sa->iv_len;
	if (skb->len < esp_off + esplen + sa->icv_len + 2)
		goto drop;
	clen = skb->len - esp_off - esplen - sa->icv_len;
	bs = crypto_aead_blocksize(sa->aead);
	if (bs > 1 && clen % bs)
		goto drop;

	/* Cheap rejection of replays before spending the crypto. */
	seq = kipsec_replay_seq(sa, ntohl(esph->seq_no));
	if (!kipsec_replay_check(&sa->replay, seq)) {
		why = KIPSEC_STATS_A_DROP_REPLAY;
		goto drop;
	}

	why = KIPSEC_STATS_A_DROP_MALFORMED;
	if (!pskb_may_pull(skb, esp_off + esplen))
		goto drop;
	why = KIPSEC_STATS_A_DROP_NOMEM;
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		goto drop;
	ctx = kipsec_esp_ctx_alloc(sa, nfrags);
	if (!ctx)
		goto drop;

	/* Pointers into the head may have moved. */
	esph = (const struct ip_esp_hdr *)(skb->data + esp_off);
	ctx->seq = seq;
	memcpy(ctx->iv, esph->enc_data, sa->iv_len);
	ctx->skb = skb;
	ctx->sa = sa;
	ctx->esp_off = esp_off;
	ctx->nh_off = nh_off;
	ctx->len = clen;
	ctx->family = pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	ctx->complete = kipsec_in_done;

	/* The text is decrypted in place: its receive checksum means nothing. */
	skb->ip_summed = CHECKSUM_NONE;
	/* An asynchronous completion still needs the device. */
	dev_hold(skb->dev);
	kipsec_esp_decrypt(ctx, clen + sa->icv_len);
	return NF_STOLEN;

drop:
	kipsec_drop_count(net, sa, why);
	kipsec_sa_put(sa);
	return NF_DROP;
}

unsigned int kipsec_in_hook(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	unsigned int esp_off, nh_off;
	int verdict;

	if (unlikely(skb_network_offset(skb) != 0))
		return kipsec_in_policy(state->net, skb, KIPSEC_DIR_IN);
	/* ESP in UDP (encap.c): IKE, keepalive, or now plain ESP (-1). */
	verdict = kipsec_encap_in(state->net, skb, state->pf);
	if (verdict >= 0)
		return verdict;
	if (kipsec_in_find_esp(skb, state->pf, &esp_off, &nh_off))
		return kipsec_in_esp(state->net, skb, state->pf, esp_off, nh_off);
	if (kipsec_ah_find(skb, state->pf, &esp_off, &nh_off))
		return kipsec_ah_input(state->net, skb, state->pf, esp_off, nh_off);
	return kipsec_in_policy(state->net, skb, KIPSEC_DIR_IN);
}
