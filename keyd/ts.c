// SPDX-License-Identifier: GPL-2.0
/* Traffic selector arithmetic; see ts.h. Addresses are compared as big-endian byte strings. */
#include "ts.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int acmp(const struct ikev2_ts *t, const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, ikev2_ts_addr_len(t->type));
}

static bool ports_intersect(const struct ikev2_ts *a, const struct ikev2_ts *b, struct ikev2_ts *out)
{
	bool aany = a->sport == 0 && a->eport == 0xffff, bany = b->sport == 0 && b->eport == 0xffff;

	if (ts_opaque_ports(a) || ts_opaque_ports(b)) {
		/* OPAQUE only meets OPAQUE or ANY */
		if ((ts_opaque_ports(a) || aany) && (ts_opaque_ports(b) || bany)) {
			out->sport = 0xffff;
			out->eport = 0;
			return true;
		}
		return false;
	}
	out->sport = a->sport > b->sport ? a->sport : b->sport;
	out->eport = a->eport < b->eport ? a->eport : b->eport;
	return out->sport <= out->eport;
}

bool ts_intersect(const struct ikev2_ts *a, const struct ikev2_ts *b, struct ikev2_ts *out)
{
	struct ikev2_ts r;

	if (a->type != b->type)
		return false;
	memset(&r, 0, sizeof(r));
	r.type = a->type;
	if (a->proto && b->proto && a->proto != b->proto)
		return false;
	r.proto = a->proto ? a->proto : b->proto;
	if (!ports_intersect(a, b, &r))
		return false;
	memcpy(r.start, acmp(a, a->start, b->start) > 0 ? a->start : b->start, 16);
	memcpy(r.end, acmp(a, a->end, b->end) < 0 ? a->end : b->end, 16);
	if (acmp(a, r.start, r.end) > 0)
		return false;
	*out = r;
	return true;
}

bool ts_is_subset(const struct ikev2_ts *in, const struct ikev2_ts *out)
{
	struct ikev2_ts x;

	/* in ⊆ out  <=>  in ∩ out == in */
	return ts_intersect(in, out, &x) && x.proto == in->proto && x.sport == in->sport &&
	       x.eport == in->eport && !acmp(in, x.start, in->start) && !acmp(in, x.end, in->end);
}

int ts_narrow(const struct ikev2_ts_list *peer, const struct ikev2_ts_list *policy,
	      struct ikev2_ts_list *out)
{
	out->n = 0;
	for (unsigned int j = 0; j < policy->n; j++) {
		for (unsigned int i = 0; i < peer->n; i++) {
			struct ikev2_ts x;
			bool covered = false;
			unsigned int k, w;

			if (!ts_intersect(&peer->ts[i], &policy->ts[j], &x))
				continue;
			for (k = 0; k < out->n && !covered; k++)
				covered = ts_is_subset(&x, &out->ts[k]);
			if (covered)
				continue;
			/* x may swallow earlier, smaller results (e.g. a trigger packet's selector) */
			for (k = 0, w = 0; k < out->n; k++)
				if (!ts_is_subset(&out->ts[k], &x))
					out->ts[w++] = out->ts[k];
			out->n = (uint8_t)w;
			if (out->n == IKEV2_MAX_TS)
				return -1;
			out->ts[out->n++] = x;
		}
	}
	return out->n ? 0 : -1;
}

int ts_responder_narrow(const struct ikev2_ts_list *tsi, const struct ikev2_ts_list *tsr,
			const struct ikev2_ts_list *policy_remote, const struct ikev2_ts_list *policy_local,
			struct ikev2_ts_list *out_i, struct ikev2_ts_list *out_r)
{
	if (ts_narrow(tsi, policy_remote, out_i) || ts_narrow(tsr, policy_local, out_r)) {
		out_i->n = out_r->n = 0;
		return -1;
	}
	return 0;
}

bool ts_list_within(const struct ikev2_ts_list *reply, const struct ikev2_ts_list *proposed)
{
	if (!reply->n)
		return false;
	for (unsigned int i = 0; i < reply->n; i++) {
		bool in = false;

		for (unsigned int j = 0; j < proposed->n && !in; j++)
			in = ts_is_subset(&reply->ts[i], &proposed->ts[j]);
		if (!in)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------ prefixes */

static void mask_range(uint8_t *start, uint8_t *end, const uint8_t *addr, unsigned int plen, size_t alen)
{
	for (size_t i = 0; i < alen; i++) {
		unsigned int bits = plen >= 8 * (i + 1) ? 8 : plen > 8 * i ? plen - 8 * (unsigned int)i : 0;
		uint8_t m = (uint8_t)(bits ? 0xff << (8 - bits) : 0);

		start[i] = addr[i] & m;
		end[i] = (uint8_t)(addr[i] | (uint8_t)~m);
	}
}

void ts_from_prefix(const struct ts_prefix *p, uint8_t proto, uint16_t sport, uint16_t eport,
		    struct ikev2_ts *out)
{
	size_t alen = p->family == AF_INET6 ? 16 : 4;

	memset(out, 0, sizeof(*out));
	out->type = p->family == AF_INET6 ? IKEV2_TS_IPV6_ADDR_RANGE : IKEV2_TS_IPV4_ADDR_RANGE;
	out->proto = proto;
	out->sport = sport;
	out->eport = eport;
	mask_range(out->start, out->end, p->addr, p->plen, alen);
}

/* a += 1 (big endian); returns true on wrap-around */
static bool addr_inc(uint8_t *a, size_t alen)
{
	for (size_t i = alen; i-- > 0;)
		if (++a[i])
			return false;
	return true;
}

int ts_to_prefixes(const struct ikev2_ts *t, struct ts_prefix *out, size_t max)
{
	size_t alen = ikev2_ts_addr_len(t->type), n = 0;
	unsigned int bits = (unsigned int)alen * 8;
	uint8_t cur[16];

	if (memcmp(t->start, t->end, alen) > 0)
		return 0;
	memcpy(cur, t->start, alen);
	for (;;) {
		/* the largest aligned block starting at cur that stays <= end */
		unsigned int plen = bits;
		uint8_t s[16], e[16];

		while (plen > 0) {
			mask_range(s, e, cur, plen - 1, alen);
			if (memcmp(s, cur, alen) || memcmp(e, t->end, alen) > 0)
				break;
			plen--;
		}
		if (n == max)
			return -1;
		out[n].family = alen == 16 ? AF_INET6 : AF_INET;
		memset(out[n].addr, 0, 16);
		memcpy(out[n].addr, cur, alen);
		out[n].plen = (uint8_t)plen;
		n++;
		mask_range(s, e, cur, plen, alen);
		if (!memcmp(e, t->end, alen))
			break;
		memcpy(cur, e, alen);
		if (addr_inc(cur, alen))
			break;
	}
	return (int)n;
}

/* --------------------------------------------------------------- text */

static int parse_addr(const char *s, size_t n, uint8_t *type, uint8_t *addr)
{
	char tmp[INET6_ADDRSTRLEN + 1];

	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, tmp, addr) == 1) {
		*type = IKEV2_TS_IPV4_ADDR_RANGE;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, addr) == 1) {
		*type = IKEV2_TS_IPV6_ADDR_RANGE;
		return 0;
	}
	return -1;
}

static int parse_num(const char *s, size_t n, unsigned long max, unsigned long *v)
{
	char tmp[16], *end;

	if (!n || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	if (tmp[0] < '0' || tmp[0] > '9')
		return -1;
	*v = strtoul(tmp, &end, 10);
	return *end || *v > max ? -1 : 0;
}

static const struct { const char *name; uint8_t num; } protos[] = {
	{ "any", 0 }, { "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "gre", 47 },
	{ "esp", 50 }, { "icmpv6", 58 }, { "ipv6-icmp", 58 }, { "sctp", 132 }, { "udplite", 136 },
};

int ts_parse(const char *text, struct ikev2_ts *out, char *err, size_t errlen)
{
	const char *br = strchr(text, '['), *p;
	size_t alen_txt = br ? (size_t)(br - text) : strlen(text);
	const char *dash = memchr(text, '-', alen_txt), *slash = memchr(text, '/', alen_txt);
	uint8_t t2;
	unsigned long v;

	memset(out, 0, sizeof(*out));
	out->eport = 0xffff;
	if (dash) {
		uint8_t end[16];

		if (parse_addr(text, (size_t)(dash - text), &out->type, out->start) ||
		    parse_addr(dash + 1, alen_txt - (size_t)(dash - text) - 1, &t2, end) || t2 != out->type)
			goto bad_addr;
		memcpy(out->end, end, 16);
		if (memcmp(out->start, out->end, ikev2_ts_addr_len(out->type)) > 0) {
			snprintf(err, errlen, "traffic selector \"%s\": range start after its end", text);
			return -1;
		}
	} else {
		struct ts_prefix pf;

		if (parse_addr(text, slash ? (size_t)(slash - text) : alen_txt, &out->type, pf.addr))
			goto bad_addr;
		pf.family = out->type == IKEV2_TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET;
		v = ikev2_ts_addr_len(out->type) * 8;
		if (slash && parse_num(slash + 1, alen_txt - (size_t)(slash - text) - 1, v, &v)) {
			snprintf(err, errlen, "traffic selector \"%s\": bad prefix length", text);
			return -1;
		}
		pf.plen = (uint8_t)v;
		ts_from_prefix(&pf, 0, 0, 0xffff, out);
	}
	if (!br)
		return 0;

	/* [proto] or [proto/port] or [proto/port-port] */
	p = br + 1;
	{
		const char *close = strchr(p, ']');
		size_t plen_txt, n;
		const char *ps;

		if (!close || close[1]) {
			snprintf(err, errlen, "traffic selector \"%s\": expected [proto/port] at the end", text);
			return -1;
		}
		plen_txt = (size_t)(close - p);
		ps = memchr(p, '/', plen_txt);
		n = ps ? (size_t)(ps - p) : plen_txt;
		if (parse_num(p, n, 255, &v)) {
			size_t i;

			for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
				if (strlen(protos[i].name) == n && !strncmp(protos[i].name, p, n))
					break;
			if (i == sizeof(protos) / sizeof(protos[0])) {
				snprintf(err, errlen, "traffic selector \"%s\": unknown protocol \"%.*s\"",
					 text, (int)n, p);
				return -1;
			}
			v = protos[i].num;
		}
		out->proto = (uint8_t)v;
		if (ps) {
			const char *pp = ps + 1, *pd;
			size_t rest = (size_t)(close - pp);
			unsigned long lo, hi;

			pd = memchr(pp, '-', rest);
			if (parse_num(pp, pd ? (size_t)(pd - pp) : rest, 65535, &lo) ||
			    (pd && parse_num(pd + 1, (size_t)(close - pd - 1), 65535, &hi))) {
				snprintf(err, errlen, "traffic selector \"%s\": bad port", text);
				return -1;
			}
			if (!pd)
				hi = lo;
			if (lo > hi || !out->proto) {
				snprintf(err, errlen, "traffic selector \"%s\": %s", text,
					 out->proto ? "port range start after its end" : "ports need a protocol");
				return -1;
			}
			out->sport = (uint16_t)lo;
			out->eport = (uint16_t)hi;
		}
	}
	return 0;
bad_addr:
	snprintf(err, errlen, "traffic selector \"%s\": bad address", text);
	return -1;
}

void ts_format(const struct ikev2_ts *t, char *buf, size_t len)
{
	int af = t->type == IKEV2_TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct ts_prefix pf[2];
	int n = ts_to_prefixes(t, pf, 1);
	size_t off;

	inet_ntop(af, t->start, a, sizeof(a));
	inet_ntop(af, t->end, b, sizeof(b));
	if (n == 1)
		snprintf(buf, len, "%s/%u", a, pf[0].plen);
	else
		snprintf(buf, len, "%s-%s", a, b);
	off = strlen(buf);
	if (t->proto || t->sport != 0 || t->eport != 0xffff) {
		if (t->sport == 0 && t->eport == 0xffff)
			snprintf(buf + off, len - off, "[%u]", t->proto);
		else if (t->sport == t->eport)
			snprintf(buf + off, len - off, "[%u/%u]", t->proto, t->sport);
		else
			snprintf(buf + off, len - off, "[%u/%u-%u]", t->proto, t->sport, t->eport);
	}
}
