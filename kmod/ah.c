// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: AH (RFC 4302), both directions, transport and tunnel mode, IPv4
 * and IPv6, on the asynchronous hash API.
 *
 * On the wire: next header(1) payload length(1) reserved(2) SPI(4) seq(4)
 * ICV, padded to 4 bytes (IPv4) or 8 bytes (IPv6). The ICV is an HMAC/CMAC
 * over the whole packet with the fields a router may change zeroed (RFC
 * 4302 3.3.3.1), the ICV field zeroed, and with ESN the high 32 bits of the
 * sequence number appended. The mutable fields are zeroed in place on a
 * copy-saved header and restored when the hash is done.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
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

#define KIPSEC_AH_MAX_DIGEST	64	/* SHA-512 */

/*
 * Per-packet state, one allocation: this, the hash request, the digest,
 * the received ICV, the saved header bytes and the scatterlist.
 */
struct kipsec_ah_ctx {
	struct sk_buff *skb;
	struct kipsec_sa *sa;
	struct kipsec_bundle *bundle;	/* output: transforms still to apply */
	void (*complete)(struct kipsec_ah_ctx *ctx, int err);
	struct ahash_request *req;
	struct scatterlist *sg;
	u8 *digest;
	u8 *icv;			/* input: the ICV the packet carried */
	u8 *hdr;			/* bytes [0, ah_off) before zeroing */
	__be32 *seq_hi;			/* ESN: appended to the hashed data */
	unsigned int ah_off;		/* AH header, from skb->data */
	unsigned int nh_off;		/* input: the byte that names AH */
	unsigned int len;		/* output: inner bytes */
	u64 seq;
	u8 family;			/* of the header AH follows */
};

static struct kipsec_ah_ctx *kipsec_ah_ctx_alloc(struct kipsec_sa *sa,
						 unsigned int hdr_len, int nsg)
{
	struct crypto_ahash *tfm = sa->ahash;
	size_t req_off, dig_off, icv_off, hdr_off, hi_off, sg_off, size;
	unsigned int align = crypto_tfm_ctx_alignment();
	struct kipsec_ah_ctx *ctx;
	u8 *base;

	req_off = ALIGN(sizeof(*ctx), align);
	size = req_off + sizeof(struct ahash_request) + crypto_ahash_reqsize(tfm);
	dig_off = ALIGN(size, align);
	icv_off = dig_off + KIPSEC_AH_MAX_DIGEST;
	hdr_off = icv_off + KIPSEC_AH_MAX_DIGEST;
	hi_off = ALIGN(hdr_off + hdr_len, sizeof(__be32));
	sg_off = ALIGN(hi_off + sizeof(__be32), __alignof__(struct scatterlist));
	size = sg_off + nsg * sizeof(struct scatterlist);

	base = kmalloc(size, GFP_ATOMIC);
	if (!base)
		return NULL;
	ctx = (struct kipsec_ah_ctx *)base;
	memset(ctx, 0, sizeof(*ctx));
	ctx->req = (struct ahash_request *)(base + req_off);
	ctx->digest = base + dig_off;
	ctx->icv = base + icv_off;
	ctx->hdr = base + hdr_off;
	ctx->seq_hi = (__be32 *)(base + hi_off);
	ctx->sg = (struct scatterlist *)(base + sg_off);
	sg_init_table(ctx->sg, nsg);
	return ctx;
}

static void kipsec_ah_ctx_free(struct kipsec_ah_ctx *ctx)
{
	kfree_sensitive(ctx);	/* holds a digest */
}

/*
 * AH header plus ICV and padding. IPv6 needs 8-byte multiples, IPv4 only
 * 4; Linux pads IPv4 to 8 as well and accepts nothing else by default, so
 * 8 is sent everywhere (valid for both) and IPv4 accepts either.
 */
static unsigned int kipsec_ah_len(const struct kipsec_sa *sa)
{
	return ALIGN(sizeof(struct ip_auth_hdr) + sa->icv_len, 8);
}

static bool kipsec_ah_len_ok(const struct kipsec_sa *sa, u16 family,
			     unsigned int ahlen)
{
	return ahlen == kipsec_ah_len(sa) ||
	       (family == AF_INET &&
		ahlen == ALIGN(sizeof(struct ip_auth_hdr) + sa->icv_len, 4));
}

/* ---------------------------------------------------- mutable fields */

/*
 * IPv4 options (RFC 4302 3.3.3.1.1.1): security, extended/commercial
 * security, router alert and SDMDD are immutable; every other option is
 * zeroed whole. A source route's last address is the final destination,
 * which the ICV uses as destination address (outbound: *final).
 */
static int kipsec_ah_zero_opts4(u8 *opt, unsigned int len, __be32 *final)
{
	unsigned int olen;

	while (len) {
		if (opt[0] == IPOPT_END)
			return 0;
		if (opt[0] == IPOPT_NOOP) {
			opt++;
			len--;
			continue;
		}
		if (len < 2)
			return -EINVAL;
		olen = opt[1];
		if (olen < 2 || olen > len)
			return -EINVAL;
		switch (opt[0]) {
		case IPOPT_SEC:
		case 133:		/* extended security */
		case IPOPT_CIPSO:	/* commercial security, 134 */
		case IPOPT_RA:
		case 149:		/* SDMDD, RFC 1770 */
			break;
		case IPOPT_LSRR:
		case IPOPT_SSRR:
			if (olen < 7)
				return -EINVAL;
			if (final)
				memcpy(final, opt + olen - 4, 4);
			fallthrough;
		default:
			memset(opt, 0, olen);
		}
		opt += olen;
		len -= olen;
	}
	return 0;
}

static int kipsec_ah_zero4(struct iphdr *iph, bool out)
{
	__be32 final = iph->daddr;
	int err;

	iph->tos = 0;
	iph->frag_off = 0;
	iph->ttl = 0;
	iph->check = 0;
	if (iph->ihl == 5)
		return 0;
	err = kipsec_ah_zero_opts4((u8 *)(iph + 1), iph->ihl * 4 - sizeof(*iph),
				   out ? &final : NULL);
	iph->daddr = final;
	return err;
}

/* Hop-by-hop / destination options: zero the data of "may change" options. */
static int kipsec_ah_zero_tlv6(u8 *p, unsigned int len)
{
	unsigned int i = 2, olen;

	while (i < len) {
		if (p[i] == IPV6_TLV_PAD1) {
			i++;
			continue;
		}
		if (i + 2 > len)
			return -EINVAL;
		olen = p[i + 1];
		if (i + 2 + olen > len)
			return -EINVAL;
		if (p[i] & 0x20)	/* RFC 8200 4.2: option data may change en route */
			memset(p + i + 2, 0, olen);
		i += 2 + olen;
	}
	return 0;
}

/*
 * A routing header not yet fully processed: rewrite it (and the
 * destination address) as it will arrive at the final destination, each
 * remaining address swapped in turn with the destination (type 0/2 layout).
 */
static int kipsec_ah_rthdr6(struct ipv6hdr *ip6h, struct ipv6_rt_hdr *rt,
			    unsigned int len)
{
	struct in6_addr *addr = (struct in6_addr *)((u8 *)rt + 8);
	unsigned int n = rt->hdrlen / 2, left = rt->segments_left, i;
	struct in6_addr tmp;

	if (!left)
		return 0;
	/* Only the classic layout (a list of addresses) can be predicted. */
	if ((rt->type != IPV6_SRCRT_TYPE_0 && rt->type != IPV6_SRCRT_TYPE_2) ||
	    left > n || 8 + n * sizeof(*addr) > len)
		return -EINVAL;
	for (i = n - left; i < n; i++) {
		tmp = addr[i];
		addr[i] = ip6h->daddr;
		ip6h->daddr = tmp;
	}
	rt->segments_left = 0;
	return 0;
}

/* IPv6 header and the extension headers in [40, end) before AH. */
static int kipsec_ah_zero6(u8 *base, unsigned int end)
{
	struct ipv6hdr *ip6h = (struct ipv6hdr *)base;
	unsigned int off = sizeof(*ip6h), len;
	u8 nexthdr = ip6h->nexthdr;
	int err;

	ip6h->priority = 0;
	ip6h->flow_lbl[0] = 0;
	ip6h->flow_lbl[1] = 0;
	ip6h->flow_lbl[2] = 0;
	ip6h->hop_limit = 0;

	while (off < end) {
		if (off + 8 > end)
			return -EINVAL;
		len = ipv6_optlen((struct ipv6_opt_hdr *)(base + off));
		if (off + len > end)
			return -EINVAL;
		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_DEST:
			err = kipsec_ah_zero_tlv6(base + off, len);
			break;
		case NEXTHDR_ROUTING:
			err = kipsec_ah_rthdr6(ip6h, (struct ipv6_rt_hdr *)(base + off), len);
			break;
		default:
			err = -EINVAL;
		}
		if (err)
			return err;
		nexthdr = base[off];
		off += len;
	}
	return off == end ? 0 : -EINVAL;
}

/* ----------------------------------------------------------- hashing */

static void kipsec_ah_done(void *data, int err)
{
	struct kipsec_ah_ctx *ctx = data;

	if (err == -EINPROGRESS)
		return;
	local_bh_disable();
	ctx->complete(ctx, err);
	local_bh_enable();
}

KIPSEC_CRYPTO_DONE(kipsec_ah_done_cb, kipsec_ah_done)

/*
 * Save the header bytes before AH, zero their mutable fields and the ICV,
 * and hash the packet. ctx->complete runs exactly once.
 */
static void kipsec_ah_hash(struct kipsec_ah_ctx *ctx, bool out)
{
	struct sk_buff *skb = ctx->skb;
	struct kipsec_sa *sa = ctx->sa;
	struct ip_auth_hdr *ah;
	unsigned int len = skb->len;
	int n, err;

	memcpy(ctx->hdr, skb->data, ctx->ah_off);
	if (ctx->family == AF_INET)
		err = kipsec_ah_zero4((struct iphdr *)skb->data, out);
	else
		err = kipsec_ah_zero6(skb->data, ctx->ah_off);
	if (err)
		goto done;

	ah = (struct ip_auth_hdr *)(skb->data + ctx->ah_off);
	if (!out)
		memcpy(ctx->icv, ah->auth_data, sa->icv_len);
	memset(ah->auth_data, 0, sa->icv_len);

	n = skb_to_sgvec(skb, ctx->sg, 0, len);
	if (unlikely(n < 0)) {
		err = n;
		goto done;
	}
	if (sa->flags & KIPSEC_SA_F_ESN) {
		*ctx->seq_hi = htonl(upper_32_bits(ctx->seq));
		sg_unmark_end(&ctx->sg[n - 1]);
		sg_set_buf(&ctx->sg[n], ctx->seq_hi, sizeof(*ctx->seq_hi));
		sg_mark_end(&ctx->sg[n]);
		len += sizeof(*ctx->seq_hi);
	}

	ahash_request_set_tfm(ctx->req, sa->ahash);
	ahash_request_set_callback(ctx->req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				   kipsec_ah_done_cb, ctx);
	ahash_request_set_crypt(ctx->req, ctx->sg, ctx->digest, len);
	err = crypto_ahash_digest(ctx->req);
	if (err == -EINPROGRESS || err == -EBUSY)
		return;
done:
	ctx->complete(ctx, err);
}

/* ------------------------------------------------------------ output */

static void kipsec_ah_xmit(struct net *net, struct kipsec_sa *sa,
			   struct sk_buff *skb)
{
	if (ip_hdr(skb)->version == 4) {
		skb->protocol = htons(ETH_P_IP);
		/* As ESP: POST_ROUTING is not run again; the MTU is the route's. */
		IPCB(skb)->flags |= IPSKB_REROUTED | IPSKB_FORWARDED;
	} else {
		skb->protocol = htons(ETH_P_IPV6);
		IP6CB(skb)->flags |= IP6SKB_REROUTED;
	}
	dst_output(net, sa->mode == KIPSEC_MODE_TRANSPORT ? skb->sk : NULL, skb);
}

static void kipsec_ah_out_done(struct kipsec_ah_ctx *ctx, int err)
{
	struct kipsec_bundle *b = ctx->bundle;
	struct sk_buff *skb = ctx->skb;
	struct kipsec_sa *sa = ctx->sa;
	struct net *net = sa->net;
	struct ip_auth_hdr *ah;

	memcpy(skb->data, ctx->hdr, ctx->ah_off);
	if (unlikely(err)) {
		kipsec_ah_ctx_free(ctx);
		/* -EINVAL: headers before AH whose arrival cannot be predicted. */
		kipsec_drop_count(net, sa, err == -EINVAL ? KIPSEC_STATS_A_DROP_MALFORMED :
				  KIPSEC_STATS_A_DROP_CRYPTO);
		kipsec_bundle_free(b);
		kfree_skb(skb);
		goto out;
	}
	ah = (struct ip_auth_hdr *)(skb->data + ctx->ah_off);
	memcpy(ah->auth_data, ctx->digest, sa->icv_len);
	kipsec_count_ok(sa, ctx->len);
	kipsec_ah_ctx_free(ctx);

	if (b)
		kipsec_bundle_resume(b, skb);
	else
		kipsec_ah_xmit(net, sa, skb);
out:
	kipsec_sa_put(sa);
}

static struct dst_entry *kipsec_ah_route(struct net *net, struct kipsec_sa *sa,
					 const struct sk_buff *skb)
{
	if (sa->family == AF_INET) {
		struct flowi4 fl4 = {
			.daddr = sa->daddr.a4,
			.saddr = sa->saddr.a4,
			.flowi4_proto = IPPROTO_AH,
			.flowi4_mark = skb->mark,
		};
		struct rtable *rt = ip_route_output_key(net, &fl4);

		return IS_ERR(rt) ? NULL : &rt->dst;
	} else {
		struct flowi6 fl6 = {
			.daddr = sa->daddr.a6,
			.saddr = sa->saddr.a6,
			.flowi6_proto = IPPROTO_AH,
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

static void kipsec_ah_outer4(struct net *net, struct kipsec_sa *sa,
			     struct sk_buff *skb, u8 dsfield, __be16 df)
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
	iph->ttl = ip4_dst_hoplimit(skb_dst(skb));
	iph->protocol = IPPROTO_AH;
	iph->saddr = sa->saddr.a4;
	iph->daddr = sa->daddr.a4;
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	ip_select_ident(net, skb, NULL);
	ip_send_check(iph);
}

static void kipsec_ah_outer6(struct kipsec_sa *sa, struct sk_buff *skb, u8 dsfield)
{
	struct ipv6hdr *ip6h;

	skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	ip6_flow_hdr(ip6h, INET_ECN_encapsulate(dsfield, dsfield), 0);
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = IPPROTO_AH;
	ip6h->hop_limit = ip6_dst_hoplimit(skb_dst(skb));
	ip6h->saddr = sa->saddr.a6;
	ip6h->daddr = sa->daddr.a6;
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
}

/*
 * Too big for the interface: as ESP does, tell a sender that set DF the
 * size that fits (and drop), otherwise let the outer packet fragment.
 */
static bool kipsec_ah_too_big(struct sk_buff *skb, bool inner4, bool same_dst,
			      int inner_mtu)
{
	if (inner4) {
		if (skb->ignore_df || !(ip_hdr(skb)->frag_off & htons(IP_DF)))
			return false;
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			  htonl(max(inner_mtu, 68)));
		return true;
	}
	/* IPv6 sharing the route with the outer packet: fragment instead. */
	if (same_dst || skb->ignore_df || skb->len <= IPV6_MIN_MTU)
		return false;
	icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0, max(inner_mtu, IPV6_MIN_MTU));
	return true;
}

void kipsec_ah_output(struct net *net, struct kipsec_sa *sa, struct sk_buff *skb,
		      struct kipsec_bundle *b)
{
	enum kipsec_stats_attr why = KIPSEC_STATS_A_DROP_NOMEM;
	bool tunnel = sa->mode == KIPSEC_MODE_TUNNEL;
	unsigned int hlen, ohlen, ahlen, nh_off = 0;
	unsigned int inner_len = skb->len;
	struct dst_entry *odst = NULL;
	struct kipsec_ah_ctx *ctx;
	struct ip_auth_hdr *ah;
	struct sk_buff *trailer;
	struct net_device *dev;
	bool inner4, same_dst;
	u16 ofamily;
	__be16 df = 0;
	int nfrags, mtu;
	u8 proto, ds;
	u64 seq;

	if (unlikely(skb_network_offset(skb) != 0 || !skb_dst(skb) || !sa->ahash)) {
		why = KIPSEC_STATS_A_DROP_MALFORMED;
		goto drop;
	}
	inner4 = ip_hdr(skb)->version == 4;
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto drop;

	if (inner4) {
		hlen = ip_hdrlen(skb);
		proto = ip_hdr(skb)->protocol;
		ds = ipv4_get_dsfield(ip_hdr(skb));
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
		ds = ipv6_get_dsfield(ipv6_hdr(skb));
	}

	if (tunnel) {
		odst = kipsec_ah_route(net, sa, skb);
		if (!odst) {
			why = KIPSEC_STATS_A_DROP_ROUTE;
			goto drop;
		}
		ofamily = sa->family;
		ohlen = ofamily == AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
		proto = inner4 ? IPPROTO_IPIP : IPPROTO_IPV6;
		if (ofamily != AF_INET || !inner4)
			df = 0;
		hlen = 0;
		dev = odst->dev;
		same_dst = inner4 ? ofamily == AF_INET && sa->daddr.a4 == ip_hdr(skb)->daddr :
			   ofamily == AF_INET6 &&
			   ipv6_addr_equal(&sa->daddr.a6, &ipv6_hdr(skb)->daddr);
	} else {
		ofamily = inner4 ? AF_INET : AF_INET6;
		if (ofamily != sa->family) {
			why = KIPSEC_STATS_A_DROP_PROTO;
			goto drop;
		}
		ohlen = 0;
		dev = skb_dst(skb)->dev;
		same_dst = true;
	}
	ahlen = kipsec_ah_len(sa);

	/* The configured MTU, never a learned PMTU (see kipsec_out_one()). */
	mtu = dst_metric_raw(tunnel ? odst : skb_dst(skb), RTAX_MTU);
	if (!mtu)
		mtu = READ_ONCE(dev->mtu);
	if (skb->len + ohlen + ahlen > mtu) {
		if (kipsec_ah_too_big(skb, inner4, same_dst, mtu - ohlen - ahlen)) {
			why = KIPSEC_STATS_A_DROP_MTU;
			goto drop;
		}
		skb->ignore_df = 1;
		df = 0;
	}

	seq = atomic64_inc_return(&sa->seq_out);
	if (unlikely(!(sa->flags & KIPSEC_SA_F_ESN) && seq > U32_MAX)) {
		atomic64_set(&sa->seq_out, U32_MAX);
		why = KIPSEC_STATS_A_DROP_SEQ_OVERFLOW;
		goto drop;
	}

	if (skb_cow_head(skb, ahlen + ohlen + LL_RESERVED_SPACE(dev)))
		goto drop;
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		goto drop;
	ctx = kipsec_ah_ctx_alloc(sa, ohlen + hlen, nfrags + 1);
	if (!ctx)
		goto drop;

	skb_push(skb, ahlen);
	if (!tunnel) {
		memmove(skb->data, skb->data + ahlen, hlen);
		skb_reset_network_header(skb);
		if (inner4) {
			struct iphdr *iph = ip_hdr(skb);

			iph->protocol = IPPROTO_AH;
			iph->tot_len = htons(skb->len);
			ip_send_check(iph);
		} else {
			skb->data[nh_off] = IPPROTO_AH;
			ipv6_hdr(skb)->payload_len = htons(skb->len - sizeof(struct ipv6hdr));
		}
	} else {
		skb_dst_drop(skb);
		skb_dst_set(skb, odst);
		odst = NULL;
		if (ofamily == AF_INET)
			kipsec_ah_outer4(net, sa, skb, ds, df);
		else
			kipsec_ah_outer6(sa, skb, ds);
	}
	ctx->ah_off = ohlen + hlen;
	skb_set_transport_header(skb, ctx->ah_off);

	ah = (struct ip_auth_hdr *)(skb->data + ctx->ah_off);
	ah->nexthdr = proto;
	ah->hdrlen = (ahlen >> 2) - 2;
	ah->reserved = 0;
	ah->spi = htonl(sa->spi);
	ah->seq_no = htonl(lower_32_bits(seq));
	/* Padding after the ICV is hashed as sent: zero. */
	memset(ah->auth_data, 0, ahlen - sizeof(*ah));

	ctx->skb = skb;
	ctx->sa = sa;
	ctx->bundle = b;
	ctx->seq = seq;
	ctx->len = inner_len;
	ctx->family = ofamily;
	ctx->complete = kipsec_ah_out_done;
	kipsec_ah_hash(ctx, true);
	return;

drop:
	dst_release(odst);
	kipsec_drop_count(net, sa, why);
	kipsec_bundle_free(b);
	kfree_skb(skb);
	kipsec_sa_put(sa);
}

/* ------------------------------------------------------------- input */

/*
 * ESN (RFC 4303 A2.2, same for AH): the high half of a received number is
 * the one that puts it nearest the replay window.
 */
static u64 kipsec_ah_seq_in(struct kipsec_sa *sa, u32 lo)
{
	u64 top = READ_ONCE(sa->replay.top);
	u32 tl = lower_32_bits(top), th = upper_32_bits(top);
	u32 w = READ_ONCE(sa->replay.window) ?: KIPSEC_REPLAY_WINDOW_DEFAULT;

	if (!(sa->flags & KIPSEC_SA_F_ESN))
		return lo;
	if (tl >= w - 1) {
		if (lo < tl - w + 1)
			th++;
	} else if (lo >= tl - w + 1 && th) {
		th--;
	}
	return ((u64)th << 32) | lo;
}

static void kipsec_ah_in_done(struct kipsec_ah_ctx *ctx, int err)
{
	struct sk_buff *skb = ctx->skb;
	struct kipsec_sa *sa = ctx->sa;
	unsigned int ah_off = ctx->ah_off, nh_off = ctx->nh_off, ahlen;
	bool outer4 = ctx->family == AF_INET;
	struct net_device *dev = skb->dev;
	enum kipsec_stats_attr why;
	struct net *net = sa->net;
	u64 seq = ctx->seq;
	bool inner4;
	u8 nexthdr, ds;

	memcpy(skb->data, ctx->hdr, ah_off);
	if (unlikely(err)) {
		/* -EINVAL: headers before AH that cannot be parsed. */
		why = err == -EINVAL ? KIPSEC_STATS_A_DROP_MALFORMED : KIPSEC_STATS_A_DROP_CRYPTO;
		goto drop_ctx;
	}
	if (crypto_memneq(ctx->digest, ctx->icv, sa->icv_len)) {
		why = KIPSEC_STATS_A_DROP_AUTH;
		goto drop_ctx;
	}
	kipsec_ah_ctx_free(ctx);
	if (!kipsec_replay_advance(&sa->replay, seq)) {
		why = KIPSEC_STATS_A_DROP_REPLAY;
		goto drop;
	}

	nexthdr = skb->data[ah_off];
	ahlen = (skb->data[ah_off + 1] + 2) * 4;
	ds = outer4 ? ipv4_get_dsfield(ip_hdr(skb)) : ipv6_get_dsfield(ipv6_hdr(skb));
	/* Bytes moved out of the middle: a receive checksum no longer holds. */
	skb->ip_summed = CHECKSUM_NONE;
	if (sa->mode == KIPSEC_MODE_TRANSPORT) {
		memmove(skb->data + ahlen, skb->data, ah_off);
		__skb_pull(skb, ahlen);
		skb_reset_network_header(skb);
		skb_set_transport_header(skb, ah_off);
		skb->data[nh_off] = nexthdr;
		if (outer4) {
			ip_hdr(skb)->tot_len = htons(skb->len);
			ip_send_check(ip_hdr(skb));
		} else {
			ipv6_hdr(skb)->payload_len = htons(skb->len - sizeof(struct ipv6hdr));
		}
		inner4 = outer4;
	} else {
		why = KIPSEC_STATS_A_DROP_PROTO;
		if (nexthdr == IPPROTO_IPIP)
			inner4 = true;
		else if (nexthdr == IPPROTO_IPV6)
			inner4 = false;
		else
			goto drop;
		__skb_pull(skb, ah_off + ahlen);
		why = KIPSEC_STATS_A_DROP_MALFORMED;
		if (kipsec_in_inner(skb, inner4, ds))
			goto drop;
	}

	kipsec_count_ok(sa, skb->len);
	kipsec_in_reinject(net, sa, skb, inner4);
	dev_put(dev);
	kipsec_sa_put(sa);
	return;

drop_ctx:
	kipsec_ah_ctx_free(ctx);
drop:
	kipsec_drop_count(net, sa, why);
	kfree_skb(skb);
	dev_put(dev);
	kipsec_sa_put(sa);
}

bool kipsec_ah_find(struct sk_buff *skb, u8 pf, unsigned int *ah_off,
		    unsigned int *nh_off)
{
	unsigned int off, nhoff;
	u8 nexthdr;
	int n;

	if (pf == NFPROTO_IPV4) {
		if (ip_hdr(skb)->protocol != IPPROTO_AH)
			return false;
		*ah_off = ip_hdrlen(skb);
		*nh_off = offsetof(struct iphdr, protocol);
		return true;
	}

	/* IPv6: AH follows hop-by-hop, routing and destination options. */
	nexthdr = ipv6_hdr(skb)->nexthdr;
	nhoff = offsetof(struct ipv6hdr, nexthdr);
	off = sizeof(struct ipv6hdr);
	for (n = 0; n < 8; n++) {
		struct ipv6_opt_hdr _hp;
		const struct ipv6_opt_hdr *hp;

		if (nexthdr == IPPROTO_AH) {
			*ah_off = off;
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

unsigned int kipsec_ah_input(struct net *net, struct sk_buff *skb, u8 pf,
			     unsigned int ah_off, unsigned int nh_off)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	u16 family = pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	const struct ip_auth_hdr *ah;
	enum kipsec_stats_attr why;
	struct kipsec_ah_ctx *ctx;
	struct sk_buff *trailer;
	union kipsec_addr daddr;
	unsigned int ahlen;
	struct kipsec_sa *sa;
	int nfrags;
	u64 seq;

	if (!pskb_may_pull(skb, ah_off + sizeof(*ah))) {
		if (!READ_ONCE(kn->sa_count))
			return NF_ACCEPT;
		kipsec_drop_count(net, NULL, KIPSEC_STATS_A_DROP_MALFORMED);
		return NF_DROP;
	}
	ah = (const struct ip_auth_hdr *)(skb->data + ah_off);

	memset(&daddr, 0, sizeof(daddr));
	if (family == AF_INET)
		daddr.a4 = ip_hdr(skb)->daddr;
	else
		daddr.a6 = ipv6_hdr(skb)->daddr;
	sa = kipsec_sad_lookup_in(net, family, &daddr, ntohl(ah->spi), IPPROTO_AH);
	if (!sa) {
		/* Not ours: without SAs here, AH is left to the kernel's own stack. */
		if (!READ_ONCE(kn->sa_count))
			return NF_ACCEPT;
		kipsec_drop_count(net, NULL, KIPSEC_STATS_A_DROP_NOSA);
		return NF_DROP;
	}

	why = KIPSEC_STATS_A_DROP_PROTO;
	if (unlikely(!sa->ahash))
		goto drop;

	why = KIPSEC_STATS_A_DROP_MALFORMED;
	ahlen = (ah->hdrlen + 2) * 4;
	if (!kipsec_ah_len_ok(sa, family, ahlen) || ah_off + ahlen > skb->len ||
	    !pskb_may_pull(skb, ah_off + ahlen))
		goto drop;
	ah = (const struct ip_auth_hdr *)(skb->data + ah_off);

	seq = kipsec_ah_seq_in(sa, ntohl(ah->seq_no));
	if (!kipsec_replay_check(&sa->replay, seq)) {
		why = KIPSEC_STATS_A_DROP_REPLAY;
		goto drop;
	}

	why = KIPSEC_STATS_A_DROP_NOMEM;
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		goto drop;
	ctx = kipsec_ah_ctx_alloc(sa, ah_off, nfrags + 1);
	if (!ctx)
		goto drop;

	ctx->skb = skb;
	ctx->sa = sa;
	ctx->seq = seq;
	ctx->ah_off = ah_off;
	ctx->nh_off = nh_off;
	ctx->family = family;
	ctx->complete = kipsec_ah_in_done;
	/* An asynchronous completion still needs the device. */
	dev_hold(skb->dev);
	kipsec_ah_hash(ctx, false);
	return NF_STOLEN;

drop:
	kipsec_drop_count(net, sa, why);
	kipsec_sa_put(sa);
	return NF_DROP;
}
