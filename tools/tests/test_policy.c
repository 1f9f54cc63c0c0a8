// SPDX-License-Identifier: GPL-2.0
/* `kipsec policy ...` parsing and the KIPSEC_A_POLICY it builds. */
#include "tap.h"
#include "nl.h"
#include "policy.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/genl.h>

static struct pol_req r;

static int parse(const char *line)
{
	char **argv;
	int argc = split(line, &argv);

	return policy_parse(argc, argv, &r);
}

static void refuse(const char *line, const char *msg)
{
	int rc = parse(line);

	ok(rc == -1, "refused: %s", line);
	is_str(cli_err(), msg, "  message");
}

/* Build r, parse the policy nest back; tmpl nests go to tt[0..3]. */
static struct nl_msg *built(struct nlattr **pol, struct nlattr *tt[][KIPSEC_TMPL_A_MAX + 1], int *nt)
{
	struct nl_msg *msg = knl_msg_new(0, KIPSEC_CMD_POLICY_ADD, 0);
	struct nlattr *tb[KIPSEC_A_MAX + 1], *t;
	int rem;

	*nt = 0;
	if (!msg || policy_build(msg, &r) || knl_parse_reply(nlmsg_hdr(msg), tb) ||
	    !tb[KIPSEC_A_POLICY] ||
	    nla_parse_nested(pol, KIPSEC_POL_A_MAX, tb[KIPSEC_A_POLICY], NULL)) {
		nlmsg_free(msg);
		return NULL;
	}
	if (pol[KIPSEC_POL_A_TMPLS]) {
		nla_for_each_nested(t, pol[KIPSEC_POL_A_TMPLS], rem) {
			if (nla_type(t) != KIPSEC_TMPLS_A_TMPL || *nt >= KIPSEC_TMPLS_MAX ||
			    nla_parse_nested(tt[*nt], KIPSEC_TMPL_A_MAX, t, NULL)) {
				nlmsg_free(msg);
				return NULL;
			}
			(*nt)++;
		}
	}
	return msg;
}

static void add_forms(void)
{
	struct nlattr *p[KIPSEC_POL_A_MAX + 1], *tt[KIPSEC_TMPLS_MAX][KIPSEC_TMPL_A_MAX + 1];
	struct nl_msg *m;
	int nt;

	ok(!parse("add src 192.168.1.0/24 dst 192.168.2.0/24 dir out "
		  "tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel reqid 1"),
	   "add tunnel policy (ip xfrm form)");
	ok(r.op == POL_ADD && r.dir == KIPSEC_DIR_OUT && r.src_plen == 24 && r.dst_plen == 24 &&
	   r.family == AF_INET && r.ntmpls == 1 && r.action == KIPSEC_ACTION_PROTECT &&
	   r.tmpls[0].mode == KIPSEC_MODE_TUNNEL && r.tmpls[0].reqid == 1, "  fields");
	m = built(p, tt, &nt);
	ok(m && nla_get_u8(p[KIPSEC_POL_A_DIR]) == KIPSEC_DIR_OUT &&
	   nla_get_u8(p[KIPSEC_POL_A_ACTION]) == KIPSEC_ACTION_PROTECT &&
	   nla_get_u16(p[KIPSEC_POL_A_SEL_FAMILY]) == AF_INET &&
	   nla_get_u8(p[KIPSEC_POL_A_SEL_SRC_PLEN]) == 24 &&
	   !memcmp(nla_data(p[KIPSEC_POL_A_SEL_DST]), "\xc0\xa8\x02\x00", 4) &&
	   !p[KIPSEC_POL_A_PRIORITY] && !p[KIPSEC_POL_A_SEL_PROTO], "  builds selector");
	ok(m && nt == 1 && nla_get_u8(tt[0][KIPSEC_TMPL_A_PROTO]) == KIPSEC_PROTO_ESP &&
	   nla_get_u8(tt[0][KIPSEC_TMPL_A_MODE]) == KIPSEC_MODE_TUNNEL &&
	   nla_get_u32(tt[0][KIPSEC_TMPL_A_REQID]) == 1 &&
	   !memcmp(nla_data(tt[0][KIPSEC_TMPL_A_DST]), "\x0a\x00\x00\x02", 4) &&
	   !tt[0][KIPSEC_TMPL_A_SPI] && !tt[0][KIPSEC_TMPL_A_OPTIONAL], "  builds tmpl");
	nlmsg_free(m);

	ok(!parse("add dir in src 10.0.0.2 dst 10.0.0.1 proto tcp sport 1000-2000 dport 22 "
		  "priority 10 tmpl proto esp mode transport level use"),
	   "dir first, ports, priority, level use");
	ok(r.dir == KIPSEC_DIR_IN && r.proto == IPPROTO_TCP && r.sport_min == 1000 &&
	   r.sport_max == 2000 && r.dport_min == 22 && r.dport_max == 22 && r.priority == 10 &&
	   r.tmpls[0].optional && r.src_plen == 32, "  fields");
	m = built(p, tt, &nt);
	ok(m && nla_get_u16(p[KIPSEC_POL_A_SEL_SPORT_MIN]) == 1000 &&
	   nla_get_u16(p[KIPSEC_POL_A_SEL_SPORT_MAX]) == 2000 &&
	   nla_get_u16(p[KIPSEC_POL_A_SEL_DPORT_MIN]) == 22 &&
	   nla_get_u32(p[KIPSEC_POL_A_PRIORITY]) == 10 && nt == 1 &&
	   tt[0][KIPSEC_TMPL_A_OPTIONAL] && !tt[0][KIPSEC_TMPL_A_SRC], "  builds ports and flag");
	nlmsg_free(m);

	ok(!parse("add src 10.0.0.0/8 dst 10.0.0.0/8 proto icmp type 8 code 0 dir out action allow"),
	   "icmp type/code, allow without tmpl");
	ok(r.action == KIPSEC_ACTION_BYPASS, "  = bypass");
	m = built(p, tt, &nt);
	ok(m && nla_get_u16(p[KIPSEC_POL_A_SEL_SPORT_MIN]) == 8 &&
	   nla_get_u16(p[KIPSEC_POL_A_SEL_SPORT_MAX]) == 8 &&
	   nla_get_u16(p[KIPSEC_POL_A_SEL_DPORT_MIN]) == 0 &&
	   nla_get_u16(p[KIPSEC_POL_A_SEL_DPORT_MAX]) == 0 && nt == 0,
	   "  type/code in the port fields");
	nlmsg_free(m);

	ok(!parse("add dir out") && r.action == KIPSEC_ACTION_BYPASS && r.family == 0,
	   "no selector, no tmpl: bypass for both families");
	m = built(p, tt, &nt);
	ok(m && !p[KIPSEC_POL_A_SEL_FAMILY] && !p[KIPSEC_POL_A_SEL_SRC], "  no FAMILY sent");
	nlmsg_free(m);
	ok(!parse("add src 2001:db8::/32 dst ::/0 proto ipv6-icmp type 135 dir fwd action block"),
	   "IPv6 block");
	ok(r.action == KIPSEC_ACTION_DISCARD && r.dir == KIPSEC_DIR_FWD && r.family == AF_INET6,
	   "  = discard, fwd, inet6");
	ok(!parse("add src 10.1.0.0/16 dst 10.2.0.0/16 dir out "
		  "tmpl src 10.0.0.1 dst 10.0.0.2 proto ah mode tunnel spi 0x200 "
		  "tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel reqid 7"),
	   "bundle of two tmpl");
	m = built(p, tt, &nt);
	ok(m && nt == 2 && nla_get_u8(tt[0][KIPSEC_TMPL_A_PROTO]) == KIPSEC_PROTO_AH &&
	   nla_get_u32(tt[0][KIPSEC_TMPL_A_SPI]) == 0x200 &&
	   nla_get_u8(tt[1][KIPSEC_TMPL_A_PROTO]) == KIPSEC_PROTO_ESP &&
	   nla_get_u32(tt[1][KIPSEC_TMPL_A_REQID]) == 7, "  in order");
	nlmsg_free(m);
	ok(!parse("add src 10.1.0.0/16 dst 10.2.0.0/16 tmpl src 10.0.0.1 dst 10.0.0.2 "
		  "mode tunnel dir out"), "dir after tmpl");
	ok(r.has_dir && r.ntmpls == 1, "  fields");
	ok(!parse("add src 10.1.0.0/16 dst 10.2.0.0/16 proto udp dport 4500 dir out "
		  "tmpl src 2001:db8::1 dst 2001:db8::2 mode tunnel"), "IPv4 in IPv6 tunnel");
}

static void add_refusals(void)
{
	refuse("add src 10.0.0.0/8 dst 10.0.0.0/8", "missing 'dir in|out|fwd'");
	refuse("add dir up", "unknown direction 'up': use in, out or fwd");
	refuse("add dir out dir in", "'dir' given twice");
	refuse("add src 10.0.0.0/8 dst ::/0 dir out", "src and dst must be of the same address family");
	refuse("add dir out sport 80", "'sport' needs proto tcp, udp, sctp or udplite before it");
	refuse("add dir out proto icmp dport 80", "'dport' needs proto tcp, udp, sctp or udplite before it");
	refuse("add dir out proto tcp type 8", "'type' needs proto icmp or ipv6-icmp");
	refuse("add dir out proto tcp sport 2000-1000", "invalid sport '2000-1000': range end below its start");
	refuse("add src ::/0 dir out proto icmp", "proto icmp with IPv6 addresses: use ipv6-icmp");
	refuse("add dir out action block tmpl proto esp", "'action block' discards: drop the 'tmpl'");
	refuse("add dir out action deny", "unknown action 'deny': use allow or block");
	refuse("add dir out tmpl src 10.0.0.1 mode tunnel", "tmpl needs both src and dst, or neither");
	refuse("add dir out tmpl mode tunnel", "tunnel mode tmpl needs 'src ADDR dst ADDR'");
	refuse("add dir out tmpl src 10.0.0.1 dst ::1", "tmpl src and dst must be of the same address family");
	refuse("add dir out tmpl level maybe", "unknown level 'maybe': use required or use");
	refuse("add dir out tmpl proto comp", "protocol 'comp' is not supported by kipsec: use esp or ah");
	refuse("add dir out tmpl tmpl tmpl tmpl tmpl", "at most 4 'tmpl' in a bundle");
	refuse("add dir out tmpl spi 1 spi 2", "'tmpl spi' given twice");
	refuse("add dir out mark 7", "'mark' is not supported by kipsec");
	refuse("add dir out ptype main", "'ptype' is not supported by kipsec");
	refuse("add dir out index 5", "'index' is not supported by kipsec");
	refuse("add dir out src 10.0.0.0/40", "invalid prefix '10.0.0.0/40': prefix length above 32");
	refuse("add dir out proto", "'proto' needs a protocol");
	refuse("add dir out bogus", "unknown keyword 'bogus'");
	refuse("remove", "unknown command 'remove': use add, del, get, list or flush");
}

static void other_forms(void)
{
	struct nlattr *p[KIPSEC_POL_A_MAX + 1], *tt[KIPSEC_TMPLS_MAX][KIPSEC_TMPL_A_MAX + 1];
	struct nl_msg *m;
	int nt;

	ok(!parse("del id 42") && r.op == POL_DEL && r.has_id && r.id == 42, "del id");
	m = built(p, tt, &nt);
	ok(m && nla_get_u32(p[KIPSEC_POL_A_ID]) == 42 && !p[KIPSEC_POL_A_DIR], "  sends ID only");
	nlmsg_free(m);
	ok(!parse("delete index 7") && r.id == 7, "delete index (ip xfrm spelling)");
	ok(!parse("del src 192.168.1.0/24 dst 192.168.2.0/24 dir out priority 3"),
	   "del by dir + selector + priority");
	m = built(p, tt, &nt);
	ok(m && nla_get_u8(p[KIPSEC_POL_A_DIR]) == KIPSEC_DIR_OUT &&
	   nla_get_u32(p[KIPSEC_POL_A_PRIORITY]) == 3 && p[KIPSEC_POL_A_SEL_SRC] &&
	   !p[KIPSEC_POL_A_ACTION] && !p[KIPSEC_POL_A_ID], "  sends DIR, selector, PRIORITY");
	nlmsg_free(m);
	refuse("del id 4 dir out", "give either 'id N' or 'dir D' with the selector, not both");
	refuse("del src 10.0.0.0/8", "missing 'dir in|out|fwd' (with the selector) or 'id N'");
	refuse("del dir out tmpl proto esp",
	       "unexpected 'tmpl': identify the policy by id, or dir and selector");
	refuse("del id x", "invalid id 'x': expected a number");
	ok(!parse("get dir in src 10.0.0.2 dst 10.0.0.1") && r.op == POL_GET, "get by selector");
	ok(!parse("get id 1") && r.op == POL_GET && r.id == 1, "get id");
	ok(!parse("list") && r.op == POL_LIST && !r.has_dir, "list");
	ok(!parse("list dir fwd -s") && r.has_dir && r.dir == KIPSEC_DIR_FWD && r.stats,
	   "list dir fwd -s");
	refuse("add dir out -p", "unexpected '-p': options go before the object (kipsec -p policy ...)");
	refuse("list src 10.0.0.0/8", "unexpected 'src': list takes only 'dir in|out|fwd'");
	ok(!parse("flush") && r.op == POL_FLUSH && !r.has_dir, "flush");
	ok(!parse("flush dir in") && r.has_dir && r.dir == KIPSEC_DIR_IN, "flush dir in");
	m = built(p, tt, &nt);
	ok(m && nla_get_u8(p[KIPSEC_POL_A_DIR]) == KIPSEC_DIR_IN && !p[KIPSEC_POL_A_ID],
	   "  sends DIR only");
	nlmsg_free(m);
}

void test_policy(void)
{
	add_forms();
	add_refusals();
	other_forms();
}
