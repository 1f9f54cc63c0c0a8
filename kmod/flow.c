// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the flow key the SPD matches on (addresses, upper-layer protocol,
 * ports or ICMP type/code), read from the IP header at skb_network_header().
 * Every read goes through skb_header_pointer(): nothing in the packet is
 * trusted, and nonlinear skbs work.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "kipsec.h"

/* Ports (or ICMP type/code) of the upper-layer header at off. */
static int kipsec_flow_ports(const struct sk_buff *skb, int off,
			     struct kipsec_flow *fl)
{
	__be16 _ports[2];
	const __be16 *ports;
	u8 _tc[2];
	const u8 *tc;

	switch (fl->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		/* Source and destination port are the first 4 bytes of all four. */
		ports = skb_header_pointer(skb, off, sizeof(_ports), _ports);
		if (!ports)
			return -EINVAL;
		fl->sport = ntohs(ports[0]);
		fl->dport = ntohs(ports[1]);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		tc = skb_header_pointer(skb, off, sizeof(_tc), _tc);
		if (!tc)
			return -EINVAL;
		fl->sport = tc[0];	/* type */
		fl->dport = tc[1];	/* code */
		break;
	}
	return 0;
}

static int kipsec_flow4(const struct sk_buff *skb, struct kipsec_flow *fl)
{
	int off = skb_network_offset(skb);
	struct iphdr _iph;
	const struct iphdr *iph;

	iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return -EINVAL;

	fl->family = AF_INET;
	fl->saddr.a4 = iph->saddr;
	fl->daddr.a4 = iph->daddr;
	fl->proto = iph->protocol;
	/* Only the first fragment has ports; the rest match with 0. */
	if (iph->frag_off & htons(IP_OFFSET))
		return 0;
	return kipsec_flow_ports(skb, off + iph->ihl * 4, fl);
}

static int kipsec_flow6(const struct sk_buff *skb, struct kipsec_flow *fl)
{
	int off = skb_network_offset(skb);
	struct ipv6hdr _ip6h;
	const struct ipv6hdr *ip6h;
	__be16 frag_off = 0;
	u8 nexthdr;
	int l4;

	ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6)
		return -EINVAL;

	fl->family = AF_INET6;
	fl->saddr.a6 = ip6h->saddr;
	fl->daddr.a6 = ip6h->daddr;

	nexthdr = ip6h->nexthdr;
	l4 = ipv6_skip_exthdr(skb, off + sizeof(*ip6h), &nexthdr, &frag_off);
	if (l4 < 0)
		return -EINVAL;
	if (frag_off & htons(IP6_OFFSET)) {
		/*
		 * A later fragment: the walk stopped at the fragment header,
		 * whose first byte names the upper layer. No ports.
		 */
		const u8 *nh = skb_header_pointer(skb, l4, 1, &nexthdr);

		if (!nh)
			return -EINVAL;
		fl->proto = *nh;
		return 0;
	}
	fl->proto = nexthdr;
	return kipsec_flow_ports(skb, l4, fl);
}

int kipsec_flow_from_skb(const struct sk_buff *skb, struct kipsec_flow *fl)
{
	u8 _ver;
	const u8 *ver;

	memset(fl, 0, sizeof(*fl));
	ver = skb_header_pointer(skb, skb_network_offset(skb), 1, &_ver);
	if (!ver)
		return -EINVAL;
	switch (*ver >> 4) {
	case 4:
		return kipsec_flow4(skb, fl);
	case 6:
		return kipsec_flow6(skb, fl);
	}
	return -EPROTONOSUPPORT;
}
