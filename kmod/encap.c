// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: ESP in UDP (RFC 3948), for NAT traversal.
 *
 * Outbound, an SA with ENCAP_TYPE UDP puts a UDP header (ENCAP_SPORT ->
 * ENCAP_DPORT) between the IP header and ESP. The IPv4 UDP checksum is 0
 * (RFC 3948 2.1); IPv6 gets a full checksum, as Linux XFRM sends and
 * expects (RFC 6935/6936 would allow 0 only for tunnel protocols that
 * opt in, and ESP-in-UDP did not).
 *
 * Inbound, a UDP datagram is looked at only if its (destination address,
 * destination port) is the (DST, ENCAP_DPORT) of an encap SA of the
 * namespace: the "encap ports" below, a small RCU hash table refcounted by
 * the SAs using each entry. On such a port:
 *   - one byte 0xFF is a NAT keepalive: consumed and counted;
 *   - up to 8 bytes, or a first word of zero (the non-ESP marker of IKE),
 *     goes on untouched to the UDP socket (the IKE daemon), without the
 *     inbound policy check: IKE is always let through (RFC 4301 5.1.2.1
 *     asks the same of an implementation's own IKE traffic);
 *   - anything else is ESP: the UDP header is cut out and the packet goes
 *     through the normal ESP input. Its UDP checksum is not checked: the
 *     ICV covers every byte that matters.
 *
 * Transport mode through a NAT leaves the inner TCP/UDP checksum computed
 * over addresses the packet no longer carries. RFC 3948 3.1.2 offers a
 * choice; kipsec takes: with ENCAP_OA (the peer's original address), the
 * checksum is incrementally rewritten from that address to the received
 * source, so the stack still verifies it end to end; without it, the
 * checksum is recomputed (the ESP ICV already authenticated the bytes; an
 * SA without integrity gets no such help).
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/netfilter.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>

#include "kipsec.h"
#include "datapath.h"

#define KIPSEC_ENCAP_PORT_DEFAULT	4500
#define KIPSEC_NATT_KEEPALIVE		0xff

struct kipsec_encap_port {
	struct hlist_node node;		/* kipsec_net.encap_ports */
	struct rcu_head rcu;
	u16 family;
	__be16 port;
	union kipsec_addr addr;
	unsigned int users;		/* SAs, under kipsec_net.lock */
};

static bool kipsec_encap_addr_eq(u16 family, const union kipsec_addr *a,
				 const union kipsec_addr *b)
{
	if (family == AF_INET)
		return a->a4 == b->a4;
	return ipv6_addr_equal(&a->a6, &b->a6);
}

static struct hlist_head *kipsec_encap_head(struct kipsec_net *kn, u16 family,
					    const union kipsec_addr *addr,
					    __be16 port)
{
	u32 h = family == AF_INET ? (__force u32)addr->a4 : ipv6_addr_hash(&addr->a6);

	h = jhash_2words(h, (__force u32)port, family);
	return &kn->encap_ports[hash_32(h, KIPSEC_ENCAP_HASH_BITS)];
}

static struct kipsec_encap_port *kipsec_encap_find(struct kipsec_net *kn, u16 family,
						   const union kipsec_addr *addr,
						   __be16 port)
{
	struct kipsec_encap_port *p;

	hlist_for_each_entry_rcu(p, kipsec_encap_head(kn, family, addr, port), node,
				 lockdep_is_held(&kn->lock))
		if (p->port == port && p->family == family &&
		    kipsec_encap_addr_eq(family, &p->addr, addr))
			return p;
	return NULL;
}

static int kipsec_encap_port_get(struct kipsec_net *kn, u16 family,
				 const union kipsec_addr *addr, __be16 port)
{
	struct kipsec_encap_port *p;

	lockdep_assert_held(&kn->lock);
	p = kipsec_encap_find(kn, family, addr, port);
	if (p) {
		p->users++;
		return 0;
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->family = family;
	p->addr = *addr;
	p->port = port;
	p->users = 1;
	hlist_add_head_rcu(&p->node, kipsec_encap_head(kn, family, addr, port));
	WRITE_ONCE(kn->encap_count, kn->encap_count + 1);
	return 0;
}

static void kipsec_encap_port_put(struct kipsec_net *kn, u16 family,
				  const union kipsec_addr *addr, __be16 port)
{
	struct kipsec_encap_port *p;

	lockdep_assert_held(&kn->lock);
	p = kipsec_encap_find(kn, family, addr, port);
	if (WARN_ON_ONCE(!p) || --p->users)
		return;
	hlist_del_rcu(&p->node);
	kfree_rcu(p, rcu);
	WRITE_ONCE(kn->encap_count, kn->encap_count - 1);
}

/* ------------------------------------------------------ control plane */

void kipsec_encap_sa_init(struct kipsec_sa *sa, const struct kipsec_sa_cfg *cfg)
{
	sa->encap_type = cfg->encap_type;
	sa->encap_sport = htons(cfg->encap_sport);
	sa->encap_dport = htons(cfg->encap_dport);
	sa->has_encap_oa = cfg->has_encap_oa;
	sa->encap_oa = cfg->encap_oa;
}

int kipsec_encap_sa_link(struct net *net, struct kipsec_sa *sa)
{
	if (sa->encap_type != KIPSEC_ENCAP_UDP)
		return 0;
	return kipsec_encap_port_get(kipsec_pernet(net), sa->family, &sa->daddr,
				     sa->encap_dport);
}

void kipsec_encap_sa_unlink(struct net *net, struct kipsec_sa *sa)
{
	if (sa->encap_type != KIPSEC_ENCAP_UDP)
		return;
	kipsec_encap_port_put(kipsec_pernet(net), sa->family, &sa->daddr,
			      sa->encap_dport);
}

/* SA_UPDATE NEW_DST of an encapsulated SA: the UDP it receives moves too. */
int kipsec_encap_sa_move(struct net *net, struct kipsec_sa *sa,
			 const union kipsec_addr *daddr)
{
	int err;

	if (sa->encap_type != KIPSEC_ENCAP_UDP)
		return 0;
	err = kipsec_encap_port_get(kipsec_pernet(net), sa->family, daddr,
				    sa->encap_dport);
	if (!err)
		kipsec_encap_sa_unlink(net, sa);
	return err;
}

/* An address attribute (length already validated: 4 or 16) of the SA's family. */
static int kipsec_encap_get_oa(const struct nlattr *nla, u16 family,
			       union kipsec_addr *oa, bool *has,
			       struct netlink_ext_ack *extack)
{
	unsigned int len = family == AF_INET ? 4 : 16;

	if (nla_len(nla) != len) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "ENCAP_OA must be of the SA's address family");
		return -EINVAL;
	}
	memset(oa, 0, sizeof(*oa));
	memcpy(oa, nla_data(nla), len);
	/* All zero (ip xfrm's "0.0.0.0") means: not known. */
	*has = memchr_inv(oa, 0, len) != NULL;
	return 0;
}

int kipsec_encap_nl_parse(struct nlattr **tb, struct kipsec_sa_cfg *cfg,
			  struct netlink_ext_ack *extack)
{
	static const int needs_type[] = {
		KIPSEC_SA_A_ENCAP_SPORT, KIPSEC_SA_A_ENCAP_DPORT, KIPSEC_SA_A_ENCAP_OA,
	};
	unsigned int i;

	cfg->encap_type = tb[KIPSEC_SA_A_ENCAP_TYPE] ?
			  nla_get_u8(tb[KIPSEC_SA_A_ENCAP_TYPE]) : KIPSEC_ENCAP_NONE;
	if (cfg->encap_type == KIPSEC_ENCAP_NONE) {
		for (i = 0; i < ARRAY_SIZE(needs_type); i++) {
			if (tb[needs_type[i]]) {
				NL_SET_ERR_MSG_ATTR(extack, tb[needs_type[i]],
						    "encapsulation ports and OA need ENCAP_TYPE 1 (UDP)");
				return -EINVAL;
			}
		}
		return 0;
	}
	if (cfg->proto != KIPSEC_PROTO_ESP) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_ENCAP_TYPE],
				    "only ESP can be encapsulated in UDP");
		return -EINVAL;
	}
	cfg->encap_sport = tb[KIPSEC_SA_A_ENCAP_SPORT] ?
			   nla_get_u16(tb[KIPSEC_SA_A_ENCAP_SPORT]) : KIPSEC_ENCAP_PORT_DEFAULT;
	cfg->encap_dport = tb[KIPSEC_SA_A_ENCAP_DPORT] ?
			   nla_get_u16(tb[KIPSEC_SA_A_ENCAP_DPORT]) : KIPSEC_ENCAP_PORT_DEFAULT;
	if (tb[KIPSEC_SA_A_ENCAP_OA])
		return kipsec_encap_get_oa(tb[KIPSEC_SA_A_ENCAP_OA], cfg->family,
					   &cfg->encap_oa, &cfg->has_encap_oa, extack);
	return 0;
}

/*
 * SA_UPDATE: the ports may change (the peer's NAT mapping moved); the type
 * and the original address may only be repeated. Lock held.
 */
int kipsec_encap_nl_update(struct net *net, struct kipsec_sa *sa,
			   struct nlattr **tb, struct netlink_ext_ack *extack)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	__be16 sport = sa->encap_sport, dport = sa->encap_dport;
	union kipsec_addr oa;
	bool has_oa;
	int err;

	if (tb[KIPSEC_SA_A_ENCAP_TYPE] &&
	    nla_get_u8(tb[KIPSEC_SA_A_ENCAP_TYPE]) != sa->encap_type) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_ENCAP_TYPE],
				    "ENCAP_TYPE of an SA cannot change: add a new SA");
		return -EINVAL;
	}
	if (sa->encap_type == KIPSEC_ENCAP_NONE) {
		struct nlattr *a = tb[KIPSEC_SA_A_ENCAP_SPORT] ?: tb[KIPSEC_SA_A_ENCAP_DPORT] ?:
				   tb[KIPSEC_SA_A_ENCAP_OA];

		if (a) {
			NL_SET_ERR_MSG_ATTR(extack, a, "the SA is not UDP-encapsulated");
			return -EINVAL;
		}
		return 0;
	}
	if (tb[KIPSEC_SA_A_ENCAP_OA]) {
		err = kipsec_encap_get_oa(tb[KIPSEC_SA_A_ENCAP_OA], sa->family, &oa,
					  &has_oa, extack);
		if (err)
			return err;
		if (has_oa != sa->has_encap_oa ||
		    (has_oa && !kipsec_encap_addr_eq(sa->family, &oa, &sa->encap_oa))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_ENCAP_OA],
					    "ENCAP_OA of an SA cannot change (only the ports can)");
			return -EINVAL;
		}
	}
	if (tb[KIPSEC_SA_A_ENCAP_SPORT])
		sport = htons(nla_get_u16(tb[KIPSEC_SA_A_ENCAP_SPORT]));
	if (tb[KIPSEC_SA_A_ENCAP_DPORT])
		dport = htons(nla_get_u16(tb[KIPSEC_SA_A_ENCAP_DPORT]));
	if (dport != sa->encap_dport) {
		/* New entry first: a failure leaves everything as it was. */
		err = kipsec_encap_port_get(kn, sa->family, &sa->daddr, dport);
		if (err)
			return err;
		kipsec_encap_port_put(kn, sa->family, &sa->daddr, sa->encap_dport);
	}
	/* Packets in flight may see one port old and one new: harmless. */
	WRITE_ONCE(sa->encap_sport, sport);
	WRITE_ONCE(sa->encap_dport, dport);
	return 0;
}

int kipsec_encap_nl_fill(struct sk_buff *skb, const struct kipsec_sa *sa)
{
	if (sa->encap_type == KIPSEC_ENCAP_NONE)
		return 0;
	if (nla_put_u8(skb, KIPSEC_SA_A_ENCAP_TYPE, sa->encap_type) ||
	    nla_put_u16(skb, KIPSEC_SA_A_ENCAP_SPORT, ntohs(READ_ONCE(sa->encap_sport))) ||
	    nla_put_u16(skb, KIPSEC_SA_A_ENCAP_DPORT, ntohs(READ_ONCE(sa->encap_dport))))
		return -EMSGSIZE;
	if (sa->has_encap_oa &&
	    nla_put(skb, KIPSEC_SA_A_ENCAP_OA, sa->family == AF_INET ? 4 : 16, &sa->encap_oa))
		return -EMSGSIZE;
	return 0;
}

/* ------------------------------------------------------------ output */

/*
 * The UDP header at udp_off (room left by the caller), and the protocol
 * byte at proto_off (of the header in front of it) switched to UDP.
 */
void kipsec_encap_out_build(const struct kipsec_sa *sa, struct sk_buff *skb,
			    unsigned int udp_off, unsigned int proto_off)
{
	struct udphdr *uh = (struct udphdr *)(skb->data + udp_off);

	uh->source = READ_ONCE(sa->encap_sport);
	uh->dest = READ_ONCE(sa->encap_dport);
	uh->len = htons(skb->len - udp_off);
	uh->check = 0;		/* IPv6: set once the payload is encrypted */
	skb->data[proto_off] = IPPROTO_UDP;
	if (ip_hdr(skb)->version == 4)
		ip_send_check(ip_hdr(skb));
	skb_set_transport_header(skb, udp_off);
}

/* After encryption: IPv6 needs the UDP checksum over the final bytes. */
void kipsec_encap_out_done(const struct kipsec_sa *sa, struct sk_buff *skb)
{
	unsigned int off = skb_transport_offset(skb), len = skb->len - off;
	struct udphdr *uh;
	__wsum csum;

	if (sa->encap_type != KIPSEC_ENCAP_UDP || ip_hdr(skb)->version != 6)
		return;
	uh = udp_hdr(skb);
	csum = skb_checksum(skb, off, len, 0);
	uh->check = csum_ipv6_magic(&ipv6_hdr(skb)->saddr, &ipv6_hdr(skb)->daddr,
				    len, IPPROTO_UDP, csum);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	skb->ip_summed = CHECKSUM_NONE;
}

/* ------------------------------------------------------------- input */

/*
 * LOCAL_IN, before anything else looks at the packet. Returns a netfilter
 * verdict when encap.c decided (IKE: accept; keepalive: stolen; broken:
 * drop), or -1 to go on with the normal input: either the packet is no
 * ESP-in-UDP of ours, or its UDP header was cut out and it is plain ESP now.
 */
int kipsec_encap_in(struct net *net, struct sk_buff *skb, u8 pf)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	unsigned int hlen, ulen;
	struct udphdr _uh;
	const struct udphdr *uh;
	union kipsec_addr daddr;
	u8 data[4];
	u16 family;

	if (!READ_ONCE(kn->encap_count))
		return -1;
	memset(&daddr, 0, sizeof(daddr));
	if (pf == NFPROTO_IPV4) {
		/* IPv4 reassembles before LOCAL_IN. */
		if (ip_hdr(skb)->protocol != IPPROTO_UDP)
			return -1;
		hlen = ip_hdrlen(skb);
		daddr.a4 = ip_hdr(skb)->daddr;
		family = AF_INET;
	} else {
		/* Only UDP right after the fixed header (no extension headers). */
		if (ipv6_hdr(skb)->nexthdr != IPPROTO_UDP)
			return -1;
		hlen = sizeof(struct ipv6hdr);
		daddr.a6 = ipv6_hdr(skb)->daddr;
		family = AF_INET6;
	}
	uh = skb_header_pointer(skb, hlen, sizeof(_uh), &_uh);
	if (!uh || !kipsec_encap_find(kn, family, &daddr, uh->dest))
		return -1;

	ulen = ntohs(uh->len);
	if (ulen < sizeof(*uh) || ulen > skb->len - hlen) {
		kipsec_drop_count(net, NULL, KIPSEC_STATS_A_DROP_MALFORMED);
		return NF_DROP;
	}
	if (ulen == sizeof(*uh) + 1 &&
	    !skb_copy_bits(skb, hlen + sizeof(*uh), data, 1) &&
	    data[0] == KIPSEC_NATT_KEEPALIVE) {
		kipsec_count(kn->stats, KIPSEC_STATS_A_NATT_KEEPALIVE);
		consume_skb(skb);
		return NF_STOLEN;
	}
	/* Too short for ESP, or IKE behind the non-ESP marker: the socket's. */
	if (ulen <= sizeof(*uh) + KIPSEC_ESP_HLEN ||
	    skb_copy_bits(skb, hlen + sizeof(*uh), data, 4) ||
	    !memchr_inv(data, 0, 4))
		return NF_ACCEPT;

	/* ESP: move the IP header up over the UDP header. */
	if (pskb_trim(skb, hlen + ulen) ||
	    skb_ensure_writable(skb, hlen + sizeof(*uh))) {
		kipsec_drop_count(net, NULL, KIPSEC_STATS_A_DROP_NOMEM);
		return NF_DROP;
	}
	memmove(skb->data + sizeof(*uh), skb->data, hlen);
	__skb_pull(skb, sizeof(*uh));
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, hlen);
	skb->ip_summed = CHECKSUM_NONE;
	if (family == AF_INET) {
		ip_hdr(skb)->protocol = IPPROTO_ESP;
		ip_hdr(skb)->tot_len = htons(skb->len);
		ip_send_check(ip_hdr(skb));
	} else {
		ipv6_hdr(skb)->nexthdr = IPPROTO_ESP;
		ipv6_hdr(skb)->payload_len = htons(skb->len - sizeof(struct ipv6hdr));
	}
	return -1;
}

/*
 * Transport mode, decapsulated (transport header set, IP header final):
 * make the TCP/UDP checksum match the addresses the packet now carries.
 */
void kipsec_encap_in_transport(const struct kipsec_sa *sa, struct sk_buff *skb,
			       u8 proto)
{
	unsigned int off = skb_transport_offset(skb), len;
	bool v4 = ip_hdr(skb)->version == 4;
	__sum16 *check;
	__wsum csum;

	if (sa->encap_type != KIPSEC_ENCAP_UDP)
		return;
	if (proto == IPPROTO_TCP) {
		if (!pskb_may_pull(skb, off + sizeof(struct tcphdr)))
			return;
		check = &tcp_hdr(skb)->check;
	} else if (proto == IPPROTO_UDP) {
		if (!pskb_may_pull(skb, off + sizeof(struct udphdr)))
			return;
		check = &udp_hdr(skb)->check;
		if (v4 && !*check)	/* sent without checksum */
			return;
	} else {
		return;
	}
	if (sa->has_encap_oa && sa->family == (v4 ? AF_INET : AF_INET6)) {
		if (v4)
			inet_proto_csum_replace4(check, skb, sa->encap_oa.a4,
						 ip_hdr(skb)->saddr, true);
		else
			inet_proto_csum_replace16(check, skb, sa->encap_oa.a6.s6_addr32,
						  ipv6_hdr(skb)->saddr.s6_addr32, true);
	} else {
		/* Only bytes the ICV vouched for may get a fresh checksum. */
		if (!sa->icv_len)
			return;
		len = skb->len - off;
		*check = 0;
		csum = skb_checksum(skb, off, len, 0);
		if (v4)
			*check = csum_tcpudp_magic(ip_hdr(skb)->saddr, ip_hdr(skb)->daddr,
						   len, proto, csum);
		else
			*check = csum_ipv6_magic(&ipv6_hdr(skb)->saddr, &ipv6_hdr(skb)->daddr,
						 len, proto, csum);
	}
	if (proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}
