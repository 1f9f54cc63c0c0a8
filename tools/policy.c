// SPDX-License-Identifier: GPL-2.0
/* `kipsec policy add|del|get|list|flush`, ip xfrm policy syntax. */
#include "policy.h"
#include "cli.h"
#include "nl.h"
#include "output.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const struct {
	const char *word;
	enum pol_op op;
	const char *canon;
} pol_ops[] = {
	{ "add", POL_ADD, "add" },
	{ "del", POL_DEL, "del" },
	{ "delete", POL_DEL, "del" },
	{ "get", POL_GET, "get" },
	{ "list", POL_LIST, "list" },
	{ "ls", POL_LIST, "list" },
	{ "show", POL_LIST, "list" },
	{ "flush", POL_FLUSH, "flush" },
};

static const char *const unsupported[] = {
	"dev", "ctx", "mark", "ptype", "flag", "limit", "if_id", "key",
	"update", NULL,
};

static bool in_list(const char *const *l, const char *w)
{
	for (; *l; l++)
		if (!strcmp(*l, w))
			return true;
	return false;
}

#define ONCE(flag, key) do {						\
		if (flag)						\
			return fail("'%s' given twice", key);		\
		flag = true;						\
	} while (0)

static int parse_dir(const char *s, uint8_t *dir)
{
	if (!strcmp(s, "in"))
		*dir = KIPSEC_DIR_IN;
	else if (!strcmp(s, "out"))
		*dir = KIPSEC_DIR_OUT;
	else if (!strcmp(s, "fwd"))
		*dir = KIPSEC_DIR_FWD;
	else
		return fail("unknown direction '%s': use in, out or fwd", s);
	return 0;
}

/* Words of one "tmpl": stops at the first word that is not a template key. */
static int parse_tmpl(struct toks *t, struct pol_req *r)
{
	struct pol_tmpl *tp;
	const char *k, *v;

	if (r->ntmpls >= KIPSEC_TMPLS_MAX)
		return fail("at most %d 'tmpl' in a bundle", KIPSEC_TMPLS_MAX);
	tp = &r->tmpls[r->ntmpls++];
	while ((k = toks_peek(t))) {
		if (!strcmp(k, "src")) {
			t->i++;
			ONCE(tp->has_src, "tmpl src");
			if (toks_value(t, k, "an address", &v) || parse_addr(v, &tp->src))
				return -1;
		} else if (!strcmp(k, "dst")) {
			t->i++;
			ONCE(tp->has_dst, "tmpl dst");
			if (toks_value(t, k, "an address", &v) || parse_addr(v, &tp->dst))
				return -1;
		} else if (!strcmp(k, "proto")) {
			t->i++;
			ONCE(tp->has_proto, "tmpl proto");
			if (toks_value(t, k, "esp or ah", &v) || parse_ipsec_proto(v, &tp->proto))
				return -1;
		} else if (!strcmp(k, "mode")) {
			t->i++;
			ONCE(tp->has_mode, "tmpl mode");
			if (toks_value(t, k, "transport or tunnel", &v) || parse_mode(v, &tp->mode))
				return -1;
		} else if (!strcmp(k, "reqid")) {
			t->i++;
			ONCE(tp->has_reqid, "tmpl reqid");
			if (toks_value(t, k, "a number", &v) || parse_u32("reqid", v, &tp->reqid))
				return -1;
		} else if (!strcmp(k, "spi")) {
			t->i++;
			ONCE(tp->has_spi, "tmpl spi");
			if (toks_value(t, k, "a number", &v) || parse_u32("spi", v, &tp->spi))
				return -1;
		} else if (!strcmp(k, "level")) {
			t->i++;
			ONCE(tp->has_level, "tmpl level");
			if (toks_value(t, k, "required or use", &v))
				return -1;
			if (!strcmp(v, "use"))
				tp->optional = true;
			else if (strcmp(v, "required"))
				return fail("unknown level '%s': use required or use", v);
		} else {
			break;
		}
	}
	if (tp->has_src != tp->has_dst)
		return fail("tmpl needs both src and dst, or neither");
	if (tp->has_src && tp->src.family != tp->dst.family)
		return fail("tmpl src and dst must be of the same address family");
	if (tp->has_mode && tp->mode == KIPSEC_MODE_TUNNEL && !tp->has_src)
		return fail("tunnel mode tmpl needs 'src ADDR dst ADDR'");
	return 0;
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

static bool is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* Selector, dir, priority, action, tmpl: the words of add (and del/get). */
static int parse_word(struct toks *t, struct pol_req *r, const char *k)
{
	const char *v;
	uint32_t n;

	if (!strcmp(k, "src")) {
		ONCE(r->has_src, k);
		return toks_value(t, k, "an address or prefix", &v) ||
		       parse_prefix(v, &r->src, &r->src_plen) ? -1 : 0;
	}
	if (!strcmp(k, "dst")) {
		ONCE(r->has_dst, k);
		return toks_value(t, k, "an address or prefix", &v) ||
		       parse_prefix(v, &r->dst, &r->dst_plen) ? -1 : 0;
	}
	if (!strcmp(k, "proto")) {
		ONCE(r->has_proto, k);
		return toks_value(t, k, "a protocol", &v) || parse_ipproto(v, &r->proto) ? -1 : 0;
	}
	if (!strcmp(k, "sport")) {
		ONCE(r->has_sport, k);
		return toks_value(t, k, "a port or range N-M", &v) ||
		       parse_port_range("sport", v, &r->sport_min, &r->sport_max) ? -1 : 0;
	}
	if (!strcmp(k, "dport")) {
		ONCE(r->has_dport, k);
		return toks_value(t, k, "a port or range N-M", &v) ||
		       parse_port_range("dport", v, &r->dport_min, &r->dport_max) ? -1 : 0;
	}
	if (!strcmp(k, "type")) {
		ONCE(r->has_type, k);
		if (toks_value(t, k, "an ICMP type", &v) || parse_u32_range("type", v, 0, 255, &n))
			return -1;
		r->icmp_type = (uint8_t)n;
		return 0;
	}
	if (!strcmp(k, "code")) {
		ONCE(r->has_code, k);
		if (toks_value(t, k, "an ICMP code", &v) || parse_u32_range("code", v, 0, 255, &n))
			return -1;
		r->icmp_code = (uint8_t)n;
		return 0;
	}
	if (!strcmp(k, "dir")) {
		ONCE(r->has_dir, k);
		return toks_value(t, k, "in, out or fwd", &v) || parse_dir(v, &r->dir) ? -1 : 0;
	}
	if (!strcmp(k, "priority")) {
		ONCE(r->has_prio, k);
		return toks_value(t, k, "a number", &v) ||
		       parse_u32("priority", v, &r->priority) ? -1 : 0;
	}
	if (r->op == POL_ADD && !strcmp(k, "action")) {
		ONCE(r->has_action, k);
		if (toks_value(t, k, "allow or block", &v))
			return -1;
		if (!strcmp(v, "block"))
			r->block = true;
		else if (strcmp(v, "allow"))
			return fail("unknown action '%s': use allow or block", v);
		return 0;
	}
	if (r->op == POL_ADD && !strcmp(k, "tmpl"))
		return parse_tmpl(t, r);
	if (in_list(unsupported, k) || (r->op == POL_ADD && !strcmp(k, "index")))
		return fail("'%s' is not supported by kipsec", k);
	if (r->op != POL_ADD && (!strcmp(k, "action") || !strcmp(k, "tmpl")))
		return fail("unexpected '%s': identify the policy by id, or dir and selector", k);
	return fail("unknown keyword '%s'", k);
}

/* Selector consistency: family, ports only where they exist. */
static int check_selector(struct pol_req *r)
{
	if (r->has_src && r->has_dst && r->src.family != r->dst.family)
		return fail("src and dst must be of the same address family");
	if (r->has_src)
		r->family = (uint16_t)r->src.family;
	else if (r->has_dst)
		r->family = (uint16_t)r->dst.family;
	if ((r->has_sport || r->has_dport) && !(r->has_proto && has_ports(r->proto)))
		return fail("'%s' needs proto tcp, udp, sctp or udplite before it",
			    r->has_sport ? "sport" : "dport");
	if ((r->has_type || r->has_code) && !(r->has_proto && is_icmp(r->proto)))
		return fail("'%s' needs proto icmp or ipv6-icmp", r->has_type ? "type" : "code");
	if (r->has_proto && r->family && r->proto == IPPROTO_ICMP && r->family == AF_INET6)
		return fail("proto icmp with IPv6 addresses: use ipv6-icmp");
	if (r->has_proto && r->family && r->proto == IPPROTO_ICMPV6 && r->family == AF_INET)
		return fail("proto ipv6-icmp with IPv4 addresses: use icmp");
	return 0;
}

static int check_add(struct pol_req *r)
{
	int i;

	if (!r->has_dir)
		return fail("missing 'dir in|out|fwd'");
	if (r->block && r->ntmpls)
		return fail("'action block' discards: drop the 'tmpl'");
	if (r->block)
		r->action = KIPSEC_ACTION_DISCARD;
	else if (r->ntmpls)
		r->action = KIPSEC_ACTION_PROTECT;
	else
		r->action = KIPSEC_ACTION_BYPASS;	/* allow, no tmpl: in clear */
	for (i = 0; i < r->ntmpls; i++) {
		const struct pol_tmpl *tp = &r->tmpls[i];

		if (tp->has_src && r->family && (uint16_t)tp->src.family != r->family &&
		    !(tp->has_mode && tp->mode == KIPSEC_MODE_TUNNEL))
			return fail("transport mode tmpl must be of the selector's address family");
	}
	return 0;
}

int policy_parse(int argc, char **argv, struct pol_req *r)
{
	struct toks t = { argc, argv, 1 };
	size_t i;

	memset(r, 0, sizeof(*r));
	cli_err_clear();
	if (argc < 1)
		return fail("missing command: use add, del, get, list or flush");
	for (i = 0; i < sizeof(pol_ops) / sizeof(pol_ops[0]); i++) {
		if (!strcmp(argv[0], pol_ops[i].word)) {
			r->op = pol_ops[i].op;
			r->opname = pol_ops[i].canon;
			break;
		}
	}
	if (!r->opname)
		return fail("unknown command '%s': use add, del, get, list or flush", argv[0]);

	while (toks_more(&t)) {
		const char *k = t.argv[t.i++], *v;

		if (r->op == POL_LIST && (!strcmp(k, "-s") || !strcmp(k, "--stats"))) {
			r->stats = true;
			continue;
		}
		if (k[0] == '-' && k[1])
			return fail_misplaced_option(k, "policy");
		if (r->op == POL_LIST || r->op == POL_FLUSH) {
			if (strcmp(k, "dir"))
				return fail("unexpected '%s': %s takes only 'dir in|out|fwd'",
					    k, r->opname);
			ONCE(r->has_dir, k);
			if (toks_value(&t, k, "in, out or fwd", &v) || parse_dir(v, &r->dir))
				return -1;
			continue;
		}
		if (r->op != POL_ADD && (!strcmp(k, "id") || !strcmp(k, "index"))) {
			ONCE(r->has_id, "id");
			if (toks_value(&t, k, "a number", &v) || parse_u32("id", v, &r->id))
				return -1;
			continue;
		}
		if (parse_word(&t, r, k))
			return -1;
	}
	if (r->op == POL_LIST || r->op == POL_FLUSH)
		return 0;
	if (check_selector(r))
		return -1;
	if (r->op == POL_ADD)
		return check_add(r);
	/* del/get: by id alone, or by dir + selector (+ priority). */
	if (r->has_id) {
		if (r->has_dir || r->has_src || r->has_dst || r->has_proto || r->has_prio ||
		    r->has_sport || r->has_dport || r->has_type || r->has_code)
			return fail("give either 'id N' or 'dir D' with the selector, not both");
		return 0;
	}
	if (!r->has_dir)
		return fail("missing 'dir in|out|fwd' (with the selector) or 'id N'");
	return 0;
}

static int put_addr(struct nl_msg *msg, int type, const struct kaddr *a)
{
	return nla_put(msg, type, a->len, a->bytes);
}

static int put_tmpl(struct nl_msg *msg, const struct pol_tmpl *tp)
{
	struct nlattr *n = nla_nest_start(msg, KIPSEC_TMPLS_A_TMPL);

	if (!n)
		return -1;
	if (nla_put_u8(msg, KIPSEC_TMPL_A_PROTO, tp->has_proto ? tp->proto : KIPSEC_PROTO_ESP) ||
	    nla_put_u8(msg, KIPSEC_TMPL_A_MODE, tp->has_mode ? tp->mode : KIPSEC_MODE_TRANSPORT))
		return -1;
	if (tp->has_reqid && nla_put_u32(msg, KIPSEC_TMPL_A_REQID, tp->reqid))
		return -1;
	if (tp->has_spi && nla_put_u32(msg, KIPSEC_TMPL_A_SPI, tp->spi))
		return -1;
	if (tp->has_src && (put_addr(msg, KIPSEC_TMPL_A_SRC, &tp->src) ||
			    put_addr(msg, KIPSEC_TMPL_A_DST, &tp->dst)))
		return -1;
	if (tp->optional && nla_put_flag(msg, KIPSEC_TMPL_A_OPTIONAL))
		return -1;
	return nla_nest_end(msg, n);
}

static int put_selector(struct nl_msg *msg, const struct pol_req *r)
{
	/* Without an address the selector covers both families (uapi). */
	if (r->family && nla_put_u16(msg, KIPSEC_POL_A_SEL_FAMILY, r->family))
		return -1;
	if (r->has_src && (put_addr(msg, KIPSEC_POL_A_SEL_SRC, &r->src) ||
			   nla_put_u8(msg, KIPSEC_POL_A_SEL_SRC_PLEN, r->src_plen)))
		return -1;
	if (r->has_dst && (put_addr(msg, KIPSEC_POL_A_SEL_DST, &r->dst) ||
			   nla_put_u8(msg, KIPSEC_POL_A_SEL_DST_PLEN, r->dst_plen)))
		return -1;
	if (r->has_proto && nla_put_u8(msg, KIPSEC_POL_A_SEL_PROTO, r->proto))
		return -1;
	/* ICMP type/code ride in the port fields, as in XFRM (uapi). */
	if (r->has_sport && (nla_put_u16(msg, KIPSEC_POL_A_SEL_SPORT_MIN, r->sport_min) ||
			     nla_put_u16(msg, KIPSEC_POL_A_SEL_SPORT_MAX, r->sport_max)))
		return -1;
	if (r->has_dport && (nla_put_u16(msg, KIPSEC_POL_A_SEL_DPORT_MIN, r->dport_min) ||
			     nla_put_u16(msg, KIPSEC_POL_A_SEL_DPORT_MAX, r->dport_max)))
		return -1;
	if (r->has_type && (nla_put_u16(msg, KIPSEC_POL_A_SEL_SPORT_MIN, r->icmp_type) ||
			    nla_put_u16(msg, KIPSEC_POL_A_SEL_SPORT_MAX, r->icmp_type)))
		return -1;
	if (r->has_code && (nla_put_u16(msg, KIPSEC_POL_A_SEL_DPORT_MIN, r->icmp_code) ||
			    nla_put_u16(msg, KIPSEC_POL_A_SEL_DPORT_MAX, r->icmp_code)))
		return -1;
	return 0;
}

int policy_build(struct nl_msg *msg, const struct pol_req *r)
{
	struct nlattr *nest = nla_nest_start(msg, KIPSEC_A_POLICY), *tn;
	int i;

	if (!nest)
		return -1;
	switch (r->op) {
	case POL_LIST:
		break;	/* a dump filters in userspace */
	case POL_FLUSH:
		if (r->has_dir && nla_put_u8(msg, KIPSEC_POL_A_DIR, r->dir))
			return -1;
		break;
	case POL_DEL:
	case POL_GET:
		if (r->has_id) {
			if (nla_put_u32(msg, KIPSEC_POL_A_ID, r->id))
				return -1;
			break;
		}
		if (nla_put_u8(msg, KIPSEC_POL_A_DIR, r->dir) || put_selector(msg, r))
			return -1;
		if (r->has_prio && nla_put_u32(msg, KIPSEC_POL_A_PRIORITY, r->priority))
			return -1;
		break;
	case POL_ADD:
		if (nla_put_u8(msg, KIPSEC_POL_A_DIR, r->dir) || put_selector(msg, r) ||
		    nla_put_u8(msg, KIPSEC_POL_A_ACTION, r->action))
			return -1;
		if (r->has_prio && nla_put_u32(msg, KIPSEC_POL_A_PRIORITY, r->priority))
			return -1;
		if (!r->ntmpls)
			break;
		tn = nla_nest_start(msg, KIPSEC_POL_A_TMPLS);
		if (!tn)
			return -1;
		for (i = 0; i < r->ntmpls; i++)
			if (put_tmpl(msg, &r->tmpls[i]))
				return -1;
		if (nla_nest_end(msg, tn))
			return -1;
		break;
	}
	return knl_nest_end(msg, nest, KIPSEC_A_POLICY) ? -1 : 0;
}

/* ------------------------------------------------------------- running */

struct pol_ctx {
	const struct pol_req *r;
	struct printer *p;
};

static int on_policy(struct nlattr **tb, void *arg)
{
	struct pol_ctx *c = arg;
	struct nlattr *pt[KIPSEC_POL_A_MAX + 1];
	const struct pol_req *r = c->r;

	if (!tb[KIPSEC_A_POLICY])
		return 0;
	switch (r->op) {
	case POL_DEL:
	case POL_FLUSH:
		if (!c->p->o->json)
			return 0;
		break;
	case POL_ADD:
		/* The reply carries the new id: JSON prints it, text stays quiet. */
		if (c->p->o->json && !nla_parse_nested(pt, KIPSEC_POL_A_MAX,
						       tb[KIPSEC_A_POLICY], NULL) &&
		    pt[KIPSEC_POL_A_ID] && nla_len(pt[KIPSEC_POL_A_ID]) == 4) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "id", json_object_new_int64(
						       nla_get_u32(pt[KIPSEC_POL_A_ID])));
			json_object_array_add(c->p->arr, o);
			c->p->count++;
		}
		return 0;
	case POL_LIST:
		if (r->has_dir) {
			if (nla_parse_nested(pt, KIPSEC_POL_A_MAX, tb[KIPSEC_A_POLICY], NULL))
				return -1;
			if (!pt[KIPSEC_POL_A_DIR] || nla_len(pt[KIPSEC_POL_A_DIR]) < 1 ||
			    nla_get_u8(pt[KIPSEC_POL_A_DIR]) != r->dir)
				return 0;
		}
		break;
	case POL_GET:
		break;
	}
	return print_policy(c->p, tb[KIPSEC_A_POLICY]);
}

static int build(struct nl_msg *msg, const void *r)
{
	return policy_build(msg, r);
}

int policy_main(int argc, char **argv, const struct cli_opts *o)
{
	static const uint8_t cmds[] = {
		[POL_ADD] = KIPSEC_CMD_POLICY_ADD, [POL_DEL] = KIPSEC_CMD_POLICY_DEL,
		[POL_GET] = KIPSEC_CMD_POLICY_GET, [POL_LIST] = KIPSEC_CMD_POLICY_GET,
		[POL_FLUSH] = KIPSEC_CMD_POLICY_FLUSH,
	};
	struct cli_opts opts = *o;
	struct pol_ctx c;
	struct printer p;
	struct pol_req r;
	struct knl *k;
	char what[32];
	int err, ret;

	if (argc >= 1 && !strcmp(argv[0], "help")) {
		usage_policy();
		return EXIT_OK;
	}
	if (policy_parse(argc, argv, &r)) {
		fprintf(stderr, "kipsec: policy%s%s: %s\n", r.opname ? " " : "",
			r.opname ? r.opname : "", cli_err());
		return EXIT_USAGE;
	}
	snprintf(what, sizeof(what), "policy %s", r.opname);
	k = knl_open();
	if (!k) {
		fprintf(stderr, "kipsec: %s: %s\n", what, cli_err());
		return EXIT_KERNEL;
	}
	opts.stats = opts.stats || r.stats;
	printer_init(&p, &opts, stdout);
	c.r = &r;
	c.p = &p;
	err = knl_request(k, cmds[r.op], r.op == POL_LIST, build, &r, on_policy, &c, false);
	if (err) {
		ret = knl_report(k, what, "policy", err);
		if (p.arr)
			json_object_put(p.arr);
	} else {
		printer_finish(&p);
		ret = EXIT_OK;
	}
	knl_close(k);
	return ret;
}
