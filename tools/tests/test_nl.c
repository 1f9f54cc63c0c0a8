// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel refusals: an NLMSG_ERROR with extended ack, built as the kernel
 * builds it, decoded against the request into the one-line message.
 */
#include "tap.h"
#include "nl.h"
#include "policy.h"
#include "state.h"

#include <errno.h>
#include <string.h>

#include <linux/netlink.h>
#include <netlink/genl/genl.h>

#include <linux/kipsec.h>

/* Byte offset of attribute @type inside the top-level nest (tmpl @tmpl's if >= 0). */
static uint32_t offset_of(struct nl_msg *req, int top, int type, int tmpl, int ttype)
{
	struct nlmsghdr *nlh = nlmsg_hdr(req);
	struct nlattr *nest = nla_find(genlmsg_attrdata(nlmsg_data(nlh), 0),
				       genlmsg_attrlen(nlmsg_data(nlh), 0), top);
	struct nlattr *a = nest ? nla_find(nla_data(nest), nla_len(nest), type) : NULL, *t;
	int rem, i = 0;

	if (a && tmpl >= 0) {
		nla_for_each_nested(t, a, rem) {
			if (i++ == tmpl)
				return (uint32_t)((char *)nla_find(nla_data(t), nla_len(t), ttype) -
						  (char *)nlh);
		}
		return 0;
	}
	return a ? (uint32_t)((char *)a - (char *)nlh) : 0;
}

/* NLMSG_ERROR as netlink_ack() sends it with NETLINK_EXT_ACK and CAP_ACK. */
static struct nl_msg *error_msg(struct nl_msg *req, int err, const char *text,
				uint32_t offs, bool range, uint64_t lo, uint64_t hi)
{
	struct nl_msg *m = nlmsg_alloc_simple(NLMSG_ERROR, NLM_F_ACK_TLVS | NLM_F_CAPPED);
	struct nlmsgerr *e = nlmsg_reserve(m, sizeof(*e), NLMSG_ALIGNTO);
	struct nlattr *p;

	e->error = err;
	e->msg = *nlmsg_hdr(req);
	if (text)
		nla_put_string(m, NLMSGERR_ATTR_MSG, text);
	if (offs)
		nla_put_u32(m, NLMSGERR_ATTR_OFFS, offs);
	if (range) {
		p = nla_nest_start(m, NLMSGERR_ATTR_POLICY);
		nla_put_u32(m, NL_POLICY_TYPE_ATTR_TYPE, 3);
		nla_put_u64(m, NL_POLICY_TYPE_ATTR_MIN_VALUE_U, lo);
		nla_put_u64(m, NL_POLICY_TYPE_ATTR_MAX_VALUE_U, hi);
		nla_nest_end(m, p);
	}
	return m;
}

static void check(struct nl_msg *req, struct nl_msg *errm, const char *what,
		  const char *noun, int err, const char *want, const char *desc)
{
	struct knl_err e;
	char line[512];

	knl_decode_err(&e, nlmsg_hdr(errm), req);
	knl_format_refusal(line, sizeof(line), &e, what, noun, err);
	is_str(line, want, desc);
	nlmsg_free(errm);
}

void test_nl(void)
{
	struct sa_req sr;
	struct pol_req pr;
	struct nl_msg *req;
	char **argv;
	int argc;

	argc = split("add src 10.0.0.1 dst 10.0.0.2 spi 1 replay-window 5000 "
		     "aead rfc4106(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f1011121314 128", &argv);
	ok(!state_parse(argc, argv, &sr), "state add with replay-window 5000 parses");
	req = knl_msg_new(0, KIPSEC_CMD_SA_ADD, NLM_F_ACK);
	ok(req && !state_build(req, &sr), "  builds");
	state_req_wipe(&sr);
	check(req, error_msg(req, -ERANGE, "integer out of range",
			     offset_of(req, KIPSEC_A_SA, KIPSEC_SA_A_REPLAY_WINDOW, -1, 0),
			     true, 0, 4096),
	      "state add", "SA", -ERANGE,
	      "kernel refused state add: integer out of range [replay-window: 0..4096] "
	      "(Numerical result out of range)", "policy range error names the option and range");
	check(req, error_msg(req, -EINVAL, "kipsec: ESP without integrity needs flag ALLOW_INSECURE",
			     0, false, 0, 0),
	      "state add", "SA", -EINVAL,
	      "kernel refused state add: ESP without integrity needs flag ALLOW_INSECURE "
	      "(Invalid argument)", "module prefix stripped from the extack text");
	check(req, error_msg(req, -EINVAL, "keys and algorithms cannot change.\n",
			     offset_of(req, KIPSEC_A_SA, KIPSEC_SA_A_ENC_KEY, -1, 0), false, 0, 0),
	      "state add", "SA", -EINVAL,
	      "kernel refused state add: keys and algorithms cannot change [enc key] (Invalid argument)",
	      "attribute without a range: named only");
	check(req, error_msg(req, -EEXIST, NULL, 0, false, 0, 0), "state add", "SA", -EEXIST,
	      "kernel refused state add: an SA with this dst, spi and proto already exists "
	      "(File exists)", "no extack: hint by errno");
	check(req, error_msg(req, -EPERM, NULL, 0, false, 0, 0), "state add", "SA", -EPERM,
	      "kernel refused state add: needs CAP_NET_ADMIN (run as root) (Operation not permitted)",
	      "EPERM hint");
	check(req, error_msg(req, -E2BIG, NULL, 0, false, 0, 0), "state add", "SA", -E2BIG,
	      "kernel refused state add: Argument list too long", "unknown errno: strerror only");
	check(req, error_msg(req, -EINVAL, "bad", 9999, false, 0, 0), "state add", "SA", -EINVAL,
	      "kernel refused state add: bad (Invalid argument)", "offset outside the request ignored");
	nlmsg_free(req);

	argc = split("add src 10.1.0.0/16 dst 10.2.0.0/16 dir out tmpl proto esp "
		     "tmpl src 10.0.0.1 dst 10.0.0.2 proto ah mode tunnel", &argv);
	ok(!policy_parse(argc, argv, &pr), "policy add with two tmpl parses");
	req = knl_msg_new(0, KIPSEC_CMD_POLICY_ADD, NLM_F_ACK);
	ok(req && !policy_build(req, &pr), "  builds");
	check(req, error_msg(req, -EOPNOTSUPP, "kipsec: AH is not supported yet",
			     offset_of(req, KIPSEC_A_POLICY, KIPSEC_POL_A_TMPLS, 1, KIPSEC_TMPL_A_PROTO),
			     false, 0, 0),
	      "policy add", "policy", -EOPNOTSUPP,
	      "kernel refused policy add: AH is not supported yet [tmpl 2 proto] (Operation not supported)",
	      "blamed attribute inside the second tmpl");
	check(req, error_msg(req, -ENOENT, NULL, 0, false, 0, 0), "policy del", "policy", -ENOENT,
	      "kernel refused policy del: no such policy (No such file or directory)", "ENOENT hint");
	nlmsg_free(req);
}
