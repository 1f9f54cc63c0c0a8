// SPDX-License-Identifier: GPL-2.0
/*
 * nl_negative: the kipsec generic netlink family refuses bad requests with
 * the right errno and an extended ack message, keeps its state exact, and
 * dumps big tables completely. TAP on stdout. Run as root in a network
 * namespace of its own (it flushes all SAs and policies there).
 *
 *   nl_negative              the whole suite
 *   nl_negative --count      print the number of subtests and exit
 *   nl_negative eperm        one SA_ADD; exit 0 iff it is refused with EPERM
 *   nl_negative add SPI      add one SA (dst 192.0.2.1); exit 0 on success
 *   nl_negative get SPI      exit 0 if the SA exists, 3 if ENOENT, 1 otherwise
 *   nl_negative count        print "sas N policies M" from two dumps
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "linux/kipsec.h"

#define NUM_TESTS	46
#define MANY_SAS	3000
#define MANY_POLICIES	300

static struct nl_sock *sk;
static int family_id;
static int test_no;
static int failures;

/* ------------------------------------------------------------ netlink */

struct reply {
	int err;		/* 0, or the negative errno of the kernel's answer */
	bool done;
	char msg[256];		/* extended ack message, "" if none */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, or -1 */
	bool has_offs;		/* NLMSGERR_ATTR_OFFS: the offending attribute */
	bool has_policy;	/* NLMSGERR_ATTR_POLICY: the range it violates */
	unsigned int nmsgs;	/* data messages received */
	bool intr;		/* a dump message had NLM_F_DUMP_INTR */
	bool pause;		/* stop receiving after the next data message */
	int (*on_msg)(struct nlattr **tb, void *arg);
	void *arg;
};

static void parse_extack(const struct nlmsgerr *e, struct reply *r)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	int len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Unless capped, the request follows the error code, then the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)(nlh->nlmsg_len - NLMSG_HDRLEN - off);
	if (len <= 0 ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off), len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(r->msg, sizeof(r->msg), "%s", nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	r->has_offs = tb[NLMSGERR_ATTR_OFFS] != NULL;
	r->has_policy = tb[NLMSGERR_ATTR_POLICY] != NULL;
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		r->miss_type = (int)nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
}

static int cb_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct reply *r = arg;

	(void)who;
	r->err = e->error;
	r->done = true;
	parse_extack(e, r);
	return NL_STOP;
}

static int cb_done(struct nl_msg *msg, void *arg)
{
	struct reply *r = arg;

	(void)msg;
	r->done = true;
	return NL_STOP;
}

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct reply *r = arg;

	r->nmsgs++;
	if (nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP_INTR)
		r->intr = true;
	if (r->pause)
		return NL_STOP;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, KIPSEC_A_MAX, NULL) < 0) {
		r->err = -EBADMSG;
		return NL_STOP;
	}
	if (r->on_msg && r->on_msg(tb, r->arg))
		r->err = -EBADMSG;
	return NL_OK;
}

/* Receive until ACK/error/DONE, or until the first data message if r->pause. */
static void receive(struct reply *r)
{
	int ret;

	while (!r->done && !(r->pause && r->nmsgs)) {
		ret = nl_recvmsgs_default(sk);
		if (ret < 0 && !r->done) {
			r->err = r->err ? r->err : -EIO;
			snprintf(r->msg, sizeof(r->msg), "recv: %s", nl_geterror(ret));
			return;
		}
	}
}

/* Send msg (freed here) and collect the answer: replies, then ACK/error/DONE. */
static void request(struct nl_msg *msg, struct reply *r)
{
	int ret;

	r->err = 0;
	r->intr = false;
	r->done = false;
	r->msg[0] = 0;
	r->miss_type = -1;
	r->has_offs = false;
	r->has_policy = false;
	r->nmsgs = 0;
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, cb_error, r);
	nl_socket_modify_cb(sk, NL_CB_ACK, NL_CB_CUSTOM, cb_done, r);
	nl_socket_modify_cb(sk, NL_CB_FINISH, NL_CB_CUSTOM, cb_done, r);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, r);

	ret = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		r->err = -EIO;
		snprintf(r->msg, sizeof(r->msg), "send: %s", nl_geterror(ret));
		return;
	}
	receive(r);
}

static struct nl_msg *new_msg(uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family_id, 0, flags, cmd,
				 KIPSEC_GENL_VERSION)) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return msg;
}

static void must(int ret)
{
	if (ret < 0) {
		fprintf(stderr, "message building failed: %s\n", nl_geterror(ret));
		exit(1);
	}
}

static void put_addr(struct nl_msg *msg, int type, const char *text)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, text, buf) == 1)
		must(nla_put(msg, type, 4, buf));
	else if (inet_pton(AF_INET6, text, buf) == 1)
		must(nla_put(msg, type, 16, buf));
	else
		exit(1);
}

/* ---------------------------------------------------------------- TAP */

static void tap(bool pass, const char *what, const struct reply *r)
{
	test_no++;
	if (!pass)
		failures++;
	printf("%sok %d - %s\n", pass ? "" : "not ", test_no, what);
	if (r)
		printf("#   errno %d (%s)%s%s\n", -r->err, r->err ? strerror(-r->err) : "success",
		       r->msg[0] ? ", kernel says: " : "", r->msg);
	fflush(stdout);
}

/* Refused with exactly this errno, and with a message a person can read. */
static void expect_refusal(const struct reply *r, int err, const char *what)
{
	tap(r->err == -err && r->msg[0], what, r);
}

/*
 * Outside the range of its nla_policy: the netlink core answers -ERANGE,
 * points at the attribute and says the allowed range.
 */
static void expect_range(const struct reply *r, const char *what)
{
	tap(r->err == -ERANGE && r->msg[0] && r->has_offs && r->has_policy, what, r);
	if (r->err == -ERANGE)
		printf("#   offending attribute %s, allowed range %s\n",
		       r->has_offs ? "reported" : "MISSING", r->has_policy ? "reported" : "MISSING");
}

static void expect_ok(const struct reply *r, const char *what)
{
	tap(r->err == 0, what, r);
}

/* ----------------------------------------------------------------- SAs */

enum sa_fault {
	SA_GOOD,
	SA_DST_LEN5,
	SA_UNKNOWN_ATTR,
	SA_REPLAY_5000,
	SA_MODE_7,
	SA_NO_SPI,
	SA_ENC_UNKNOWN,
	SA_AEAD_WITH_INTEG,
	SA_KEY_LEN,
	SA_FAMILY_MIX,
	SA_AH,
	SA_SPI_0,
	SA_FLAGS_UNKNOWN,
	SA_SEQ_IN,
	SA_KEY_TOO_LONG,
	SA_POLICY_NEST,
};

static const unsigned char gcm_key[20] = "0123456789abcdefSALT";

static struct nl_msg *sa_msg(uint8_t cmd, int flags, uint32_t spi, enum sa_fault fault)
{
	struct nl_msg *msg = new_msg(cmd, flags);
	unsigned char big[65] = { 0 };
	struct nlattr *nest;

	nest = nla_nest_start(msg, KIPSEC_A_SA);
	if (!nest)
		exit(1);
	if (fault == SA_DST_LEN5)
		must(nla_put(msg, KIPSEC_SA_A_DST, 5, "\xc0\x00\x02\x01\x00"));
	else
		put_addr(msg, KIPSEC_SA_A_DST, "192.0.2.1");
	if (fault != SA_NO_SPI)
		must(nla_put_u32(msg, KIPSEC_SA_A_SPI, fault == SA_SPI_0 ? 0 : spi));
	must(nla_put_u8(msg, KIPSEC_SA_A_PROTO,
			fault == SA_AH ? KIPSEC_PROTO_AH : KIPSEC_PROTO_ESP));
	if (cmd != KIPSEC_CMD_SA_ADD) {
		nla_nest_end(msg, nest);
		return msg;
	}

	put_addr(msg, KIPSEC_SA_A_SRC, fault == SA_FAMILY_MIX ? "2001:db8::2" : "192.0.2.2");
	must(nla_put_u8(msg, KIPSEC_SA_A_MODE, fault == SA_MODE_7 ? 7 : KIPSEC_MODE_TRANSPORT));
	must(nla_put_u16(msg, KIPSEC_SA_A_ENC_ALG,
			 fault == SA_ENC_UNKNOWN ? 99 : KIPSEC_ENC_AES_GCM_16));
	if (fault == SA_KEY_LEN)
		must(nla_put(msg, KIPSEC_SA_A_ENC_KEY, 10, gcm_key));
	else if (fault == SA_KEY_TOO_LONG)
		must(nla_put(msg, KIPSEC_SA_A_ENC_KEY, sizeof(big), big));
	else
		must(nla_put(msg, KIPSEC_SA_A_ENC_KEY, sizeof(gcm_key), gcm_key));
	if (fault == SA_AEAD_WITH_INTEG) {
		must(nla_put_u16(msg, KIPSEC_SA_A_INTEG_ALG, KIPSEC_INTEG_HMAC_SHA2_256_128));
		must(nla_put(msg, KIPSEC_SA_A_INTEG_KEY, 32, big));
	}
	if (fault == SA_REPLAY_5000)
		must(nla_put_u32(msg, KIPSEC_SA_A_REPLAY_WINDOW, 5000));
	if (fault == SA_FLAGS_UNKNOWN)
		must(nla_put_u32(msg, KIPSEC_SA_A_FLAGS, 1U << 7));
	if (fault == SA_SEQ_IN)
		must(nla_put_u64(msg, KIPSEC_SA_A_SEQ_IN, 0x100000005ULL));	/* no ESN */
	if (fault == SA_UNKNOWN_ATTR)
		must(nla_put_u32(msg, 200, 1));
	nla_nest_end(msg, nest);

	if (fault == SA_POLICY_NEST) {
		nest = nla_nest_start(msg, KIPSEC_A_POLICY);
		must(nla_put_u8(msg, KIPSEC_POL_A_DIR, KIPSEC_DIR_OUT));
		nla_nest_end(msg, nest);
	}
	return msg;
}

static void sa_request(uint8_t cmd, int flags, uint32_t spi, enum sa_fault fault,
		       struct reply *r)
{
	request(sa_msg(cmd, flags, spi, fault), r);
}

struct sa_seen {
	uint32_t spi;		/* the SA looked for (single GET) */
	bool has_key, has_stats;
	uint8_t icv_len;
	uint16_t key_bits;
	uint32_t window;
	uint64_t seq_out;
	bool has_seq_out;
	unsigned char *spis;	/* dump: times each SPI 1..MANY_SAS was seen */
	unsigned int other;	/* dump: SAs outside that range */
};

static int on_sa(struct nlattr **top, void *arg)
{
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1];
	struct sa_seen *s = arg;
	uint32_t spi;

	if (!top[KIPSEC_A_SA] || nla_parse_nested(tb, KIPSEC_SA_A_MAX, top[KIPSEC_A_SA], NULL) ||
	    !tb[KIPSEC_SA_A_SPI])
		return -1;
	spi = nla_get_u32(tb[KIPSEC_SA_A_SPI]);
	if (s->spis) {
		if (spi >= 1 && spi <= MANY_SAS)
			s->spis[spi - 1]++;
		else
			s->other++;
		return 0;
	}
	s->spi = spi;
	s->has_key = tb[KIPSEC_SA_A_ENC_KEY] || tb[KIPSEC_SA_A_INTEG_KEY];
	s->has_stats = tb[KIPSEC_SA_A_STATS] != NULL;
	s->icv_len = tb[KIPSEC_SA_A_ICV_LEN] ? nla_get_u8(tb[KIPSEC_SA_A_ICV_LEN]) : 0;
	s->key_bits = tb[KIPSEC_SA_A_ENC_KEY_BITS] ? nla_get_u16(tb[KIPSEC_SA_A_ENC_KEY_BITS]) : 0;
	s->window = tb[KIPSEC_SA_A_REPLAY_WINDOW] ? nla_get_u32(tb[KIPSEC_SA_A_REPLAY_WINDOW]) : 0;
	s->has_seq_out = tb[KIPSEC_SA_A_SEQ_OUT] != NULL;
	s->seq_out = s->has_seq_out ? nla_get_u64(tb[KIPSEC_SA_A_SEQ_OUT]) : 0;
	return 0;
}

static void sa_get(uint32_t spi, struct sa_seen *s, struct reply *r)
{
	memset(s, 0, sizeof(*s));
	r->on_msg = on_sa;
	r->arg = s;
	sa_request(KIPSEC_CMD_SA_GET, 0, spi, SA_GOOD, r);
	r->on_msg = NULL;
}

static void sa_dump(struct sa_seen *s, struct reply *r)
{
	struct nl_msg *msg = new_msg(KIPSEC_CMD_SA_GET, NLM_F_DUMP);

	r->on_msg = on_sa;
	r->arg = s;
	request(msg, r);
	r->on_msg = NULL;
}

/* ------------------------------------------------------------ policies */

enum pol_fault {
	POL_GOOD,
	POL_PLEN_33,
	POL_TUNNEL_NO_ADDR,
	POL_DIR_3,
	POL_PORTS_NO_PROTO,
	POL_FIVE_TMPLS,
	POL_PROTECT_NO_TMPL,
};

static struct nl_msg *pol_msg(uint8_t cmd, int flags, uint32_t prio, enum pol_fault fault)
{
	struct nl_msg *msg = new_msg(cmd, flags);
	struct nlattr *nest, *tmpls, *t;
	int i, n;

	nest = nla_nest_start(msg, KIPSEC_A_POLICY);
	must(nla_put_u8(msg, KIPSEC_POL_A_DIR, fault == POL_DIR_3 ? 3 : KIPSEC_DIR_OUT));
	must(nla_put_u32(msg, KIPSEC_POL_A_PRIORITY, prio));
	put_addr(msg, KIPSEC_POL_A_SEL_DST, "10.1.2.3");
	must(nla_put_u8(msg, KIPSEC_POL_A_SEL_DST_PLEN, fault == POL_PLEN_33 ? 33 : 24));
	if (fault == POL_PORTS_NO_PROTO)
		must(nla_put_u16(msg, KIPSEC_POL_A_SEL_DPORT_MIN, 80));
	if (cmd == KIPSEC_CMD_POLICY_ADD && fault != POL_PROTECT_NO_TMPL) {
		n = fault == POL_FIVE_TMPLS ? 5 : 1;
		tmpls = nla_nest_start(msg, KIPSEC_POL_A_TMPLS);
		for (i = 0; i < n; i++) {
			t = nla_nest_start(msg, KIPSEC_TMPLS_A_TMPL);
			must(nla_put_u8(msg, KIPSEC_TMPL_A_PROTO, KIPSEC_PROTO_ESP));
			must(nla_put_u8(msg, KIPSEC_TMPL_A_MODE, KIPSEC_MODE_TUNNEL));
			if (fault != POL_TUNNEL_NO_ADDR) {
				put_addr(msg, KIPSEC_TMPL_A_SRC, "192.0.2.2");
				put_addr(msg, KIPSEC_TMPL_A_DST, "192.0.2.1");
			}
			nla_nest_end(msg, t);
		}
		nla_nest_end(msg, tmpls);
	}
	if (fault == POL_PROTECT_NO_TMPL)
		must(nla_put_u8(msg, KIPSEC_POL_A_ACTION, KIPSEC_ACTION_PROTECT));
	nla_nest_end(msg, nest);
	return msg;
}

struct pol_seen {
	uint32_t id;
	unsigned char dst[4];
	uint8_t dplen;
	bool has_stats;
	/* dump */
	unsigned int count;
	uint32_t last_prio;
	bool order_ok;
	unsigned char *prios;	/* times each priority 0..MANY_POLICIES-1 was seen */
};

static int on_policy(struct nlattr **top, void *arg)
{
	struct nlattr *tb[KIPSEC_POL_A_MAX + 1];
	struct pol_seen *s = arg;
	uint32_t prio;

	if (!top[KIPSEC_A_POLICY] ||
	    nla_parse_nested(tb, KIPSEC_POL_A_MAX, top[KIPSEC_A_POLICY], NULL) ||
	    !tb[KIPSEC_POL_A_ID] || !tb[KIPSEC_POL_A_PRIORITY])
		return -1;
	s->id = nla_get_u32(tb[KIPSEC_POL_A_ID]);
	prio = nla_get_u32(tb[KIPSEC_POL_A_PRIORITY]);
	s->has_stats = tb[KIPSEC_POL_A_STATS] != NULL;
	if (tb[KIPSEC_POL_A_SEL_DST] && nla_len(tb[KIPSEC_POL_A_SEL_DST]) == 4)
		memcpy(s->dst, nla_data(tb[KIPSEC_POL_A_SEL_DST]), 4);
	s->dplen = tb[KIPSEC_POL_A_SEL_DST_PLEN] ? nla_get_u8(tb[KIPSEC_POL_A_SEL_DST_PLEN]) : 0;
	if (s->count && prio < s->last_prio)
		s->order_ok = false;
	s->last_prio = prio;
	s->count++;
	if (s->prios && prio < MANY_POLICIES)
		s->prios[prio]++;
	return 0;
}

static void pol_request(struct nl_msg *msg, struct pol_seen *s, struct reply *r)
{
	if (s) {
		memset(s, 0, sizeof(*s));
		s->order_ok = true;
	}
	r->on_msg = s ? on_policy : NULL;
	r->arg = s;
	request(msg, r);
	r->on_msg = NULL;
}

static struct nl_msg *pol_by_id(uint8_t cmd, uint32_t id)
{
	struct nl_msg *msg = new_msg(cmd, 0);
	struct nlattr *nest = nla_nest_start(msg, KIPSEC_A_POLICY);

	must(nla_put_u32(msg, KIPSEC_POL_A_ID, id));
	nla_nest_end(msg, nest);
	return msg;
}

static void flush_all(struct reply *r)
{
	request(new_msg(KIPSEC_CMD_SA_FLUSH, 0), r);
	if (!r->err)
		request(new_msg(KIPSEC_CMD_POLICY_FLUSH, 0), r);
}

/* -------------------------------------------------------------- suites */

static void test_sa_refusals(void)
{
	static const struct {
		enum sa_fault fault;
		int err;
		const char *what;
	} cases[] = {
		{ SA_DST_LEN5, EINVAL, "SA_ADD: 5-byte DST refused" },
		{ SA_UNKNOWN_ATTR, EINVAL, "SA_ADD: unknown attribute type inside the SA nest refused" },
		{ SA_REPLAY_5000, ERANGE, "SA_ADD: replay window 5000 refused" },
		{ SA_MODE_7, ERANGE, "SA_ADD: mode 7 refused" },
		{ SA_ENC_UNKNOWN, ENOPROTOOPT, "SA_ADD: unknown encryption algorithm id refused" },
		{ SA_AEAD_WITH_INTEG, EINVAL, "SA_ADD: AEAD with an integrity algorithm refused" },
		{ SA_KEY_LEN, EINVAL, "SA_ADD: AES-GCM key of the wrong length refused" },
		{ SA_FAMILY_MIX, EINVAL, "SA_ADD: IPv6 SRC with IPv4 DST refused" },
		{ SA_AH, EINVAL, "SA_ADD: AH with an encryption algorithm refused" },
		{ SA_SPI_0, EINVAL, "SA_ADD: SPI 0 refused" },
		{ SA_FLAGS_UNKNOWN, EINVAL, "SA_ADD: unknown FLAGS bit refused" },
		{ SA_SEQ_IN, EINVAL, "SA_ADD: SEQ_IN above 2^32-1 without ESN refused" },
		{ SA_KEY_TOO_LONG, ERANGE, "SA_ADD: 65-byte ENC_KEY refused" },
		{ SA_POLICY_NEST, EINVAL, "SA_ADD: policy nest in an SA command refused" },
	};
	struct reply r = { 0 };
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sa_request(KIPSEC_CMD_SA_ADD, 0, 0x1000, cases[i].fault, &r);
		if (cases[i].err == ERANGE)
			expect_range(&r, cases[i].what);
		else
			expect_refusal(&r, cases[i].err, cases[i].what);
	}

	sa_request(KIPSEC_CMD_SA_ADD, 0, 0x1000, SA_NO_SPI, &r);
	tap(r.err == -EINVAL && r.msg[0] && r.miss_type == KIPSEC_SA_A_SPI,
	    "SA_ADD: missing SPI refused, reported as the missing attribute", &r);

	/* Events only: genetlink has no handler for them. */
	request(sa_msg(KIPSEC_CMD_ACQUIRE, 0, 0x1000, SA_GOOD), &r);
	tap(r.err == -EOPNOTSUPP, "ACQUIRE as a request refused (EOPNOTSUPP)", &r);
}

static void test_policy_refusals(void)
{
	static const struct {
		enum pol_fault fault;
		const char *what;
	} cases[] = {
		{ POL_PLEN_33, "POLICY_ADD: IPv4 prefix length 33 refused" },
		{ POL_TUNNEL_NO_ADDR, "POLICY_ADD: tunnel template without SRC/DST refused" },
		{ POL_DIR_3, "POLICY_ADD: DIR 3 refused" },
		{ POL_PORTS_NO_PROTO, "POLICY_ADD: ports without a port protocol refused" },
		{ POL_FIVE_TMPLS, "POLICY_ADD: five templates refused" },
		{ POL_PROTECT_NO_TMPL, "POLICY_ADD: protect without templates refused" },
	};
	struct reply r = { 0 };
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pol_request(pol_msg(KIPSEC_CMD_POLICY_ADD, 0, 7, cases[i].fault), NULL, &r);
		if (cases[i].fault == POL_DIR_3)
			expect_range(&r, cases[i].what);
		else
			expect_refusal(&r, EINVAL, cases[i].what);
	}
}

static void test_sa_lifecycle(void)
{
	struct reply r = { 0 };
	struct sa_seen s;
	struct nl_msg *msg;
	struct nlattr *nest;

	sa_request(KIPSEC_CMD_SA_ADD, 0, 0x2000, SA_GOOD, &r);
	expect_ok(&r, "SA_ADD: valid AES-GCM SA added");
	sa_request(KIPSEC_CMD_SA_ADD, 0, 0x2000, SA_GOOD, &r);
	expect_refusal(&r, EEXIST, "SA_ADD: duplicate refused with EEXIST");
	sa_request(KIPSEC_CMD_SA_ADD, NLM_F_REPLACE, 0x2000, SA_GOOD, &r);
	expect_ok(&r, "SA_ADD with NLM_F_REPLACE replaces");

	sa_get(0x2000, &s, &r);
	tap(!r.err && r.nmsgs == 1 && s.spi == 0x2000 && !s.has_key && s.has_stats &&
	    s.icv_len == 16 && s.key_bits == 128 && s.window == KIPSEC_REPLAY_WINDOW_DEFAULT &&
	    s.has_seq_out, "SA_GET: reply without keys, with stats, ICV 16, 128-bit key, window 64",
	    &r);

	msg = new_msg(KIPSEC_CMD_SA_UPDATE, 0);
	nest = nla_nest_start(msg, KIPSEC_A_SA);
	put_addr(msg, KIPSEC_SA_A_DST, "192.0.2.1");
	must(nla_put_u32(msg, KIPSEC_SA_A_SPI, 0x2000));
	must(nla_put_u8(msg, KIPSEC_SA_A_PROTO, KIPSEC_PROTO_ESP));
	must(nla_put_u32(msg, KIPSEC_SA_A_REPLAY_WINDOW, 1000));
	must(nla_put_u64(msg, KIPSEC_SA_A_SEQ_OUT, 4242));
	nla_nest_end(msg, nest);
	request(msg, &r);
	sa_get(0x2000, &s, &r);
	tap(!r.err && s.window == 1000 && s.seq_out == 4242,
	    "SA_UPDATE: replay window and SEQ_OUT changed", &r);

	msg = new_msg(KIPSEC_CMD_SA_UPDATE, 0);
	nest = nla_nest_start(msg, KIPSEC_A_SA);
	put_addr(msg, KIPSEC_SA_A_DST, "192.0.2.1");
	must(nla_put_u32(msg, KIPSEC_SA_A_SPI, 0x2000));
	must(nla_put_u8(msg, KIPSEC_SA_A_PROTO, KIPSEC_PROTO_ESP));
	must(nla_put(msg, KIPSEC_SA_A_ENC_KEY, sizeof(gcm_key), gcm_key));
	nla_nest_end(msg, nest);
	request(msg, &r);
	expect_refusal(&r, EINVAL, "SA_UPDATE: changing the key refused");

	sa_request(KIPSEC_CMD_SA_DEL, 0, 0x2000, SA_GOOD, &r);
	expect_ok(&r, "SA_DEL: deleted");
	sa_request(KIPSEC_CMD_SA_DEL, 0, 0x2000, SA_GOOD, &r);
	expect_refusal(&r, ENOENT, "SA_DEL: missing SA refused with ENOENT");
	sa_get(0x2000, &s, &r);
	expect_refusal(&r, ENOENT, "SA_GET: deleted SA is gone (ENOENT)");
}

static void test_policy_lifecycle(void)
{
	struct reply r = { 0 };
	struct pol_seen s;
	uint32_t id;

	pol_request(pol_msg(KIPSEC_CMD_POLICY_ADD, 0, 7, POL_GOOD), &s, &r);
	id = s.id;
	tap(!r.err && r.nmsgs == 1 && id != 0, "POLICY_ADD: reply carries the new ID", &r);
	pol_request(pol_msg(KIPSEC_CMD_POLICY_ADD, 0, 7, POL_GOOD), NULL, &r);
	expect_refusal(&r, EEXIST, "POLICY_ADD: same dir, selector, priority refused (EEXIST)");

	pol_request(pol_by_id(KIPSEC_CMD_POLICY_GET, id), &s, &r);
	tap(!r.err && s.id == id && s.dplen == 24 && !memcmp(s.dst, "\x0a\x01\x02\x00", 4) &&
	    s.has_stats, "POLICY_GET by ID: selector 10.1.2.0/24 (host bits cleared), stats", &r);

	pol_request(pol_msg(KIPSEC_CMD_POLICY_DEL, 0, 7, POL_GOOD), NULL, &r);
	expect_ok(&r, "POLICY_DEL by DIR + selector");
	pol_request(pol_by_id(KIPSEC_CMD_POLICY_DEL, id), NULL, &r);
	expect_refusal(&r, ENOENT, "POLICY_DEL: missing ID refused with ENOENT");
}

static int on_stats(struct nlattr **top, void *arg)
{
	struct nlattr *tb[KIPSEC_STATS_A_MAX + 1];
	bool *ok = arg;

	*ok = top[KIPSEC_A_STATS] &&
	      !nla_parse_nested(tb, KIPSEC_STATS_A_MAX, top[KIPSEC_A_STATS], NULL) &&
	      tb[KIPSEC_STATS_A_PACKETS] && tb[KIPSEC_STATS_A_DROP_NOSA];
	return 0;
}

static void test_stats(void)
{
	struct reply r = { 0 };
	bool ok = false;

	r.on_msg = on_stats;
	r.arg = &ok;
	request(new_msg(KIPSEC_CMD_STATS_GET, 0), &r);
	r.on_msg = NULL;
	tap(!r.err && r.nmsgs == 1 && ok, "STATS_GET: namespace counters in KIPSEC_A_STATS", &r);
}

static struct nl_sock *open_socket(void);

/* A dump during which the table changes is flagged NLM_F_DUMP_INTR. */
static void test_dump_interrupted(void)
{
	struct nl_sock *dump_sk = sk;
	struct reply r = { 0 }, add = { 0 };

	r.pause = true;		/* hold the dump after its first part */
	request(new_msg(KIPSEC_CMD_SA_GET, NLM_F_DUMP), &r);

	sk = open_socket();
	sa_request(KIPSEC_CMD_SA_ADD, 0, 0x9999, SA_GOOD, &add);
	nl_socket_free(sk);
	sk = dump_sk;

	r.pause = false;
	receive(&r);
	tap(!r.err && !add.err && r.intr,
	    "SA dump interrupted by an SA_ADD is flagged NLM_F_DUMP_INTR", &r);
}

static void test_dumps(void)
{
	unsigned char spis[MANY_SAS] = { 0 }, prios[MANY_POLICIES] = { 0 };
	struct reply r = { 0 };
	struct sa_seen s = { 0 };
	struct pol_seen p;
	unsigned int i, once = 0, failed = 0;

	for (i = 1; i <= MANY_SAS; i++) {
		sa_request(KIPSEC_CMD_SA_ADD, 0, i, SA_GOOD, &r);
		if (r.err && !failed++)
			printf("# SA_ADD spi %u: %s %s\n", i, strerror(-r.err), r.msg);
	}
	tap(!failed, "3000 SAs added", NULL);

	s.spis = spis;
	sa_dump(&s, &r);
	for (i = 0; i < MANY_SAS; i++)
		once += spis[i] == 1;
	tap(!r.err && once == MANY_SAS && !s.other && r.nmsgs == MANY_SAS && !r.intr,
	    "SA dump over many messages returns every SA exactly once", &r);
	printf("#   %u messages, %u SAs seen exactly once\n", r.nmsgs, once);

	test_dump_interrupted();

	/* Priorities in a scrambled order; the dump must come back sorted. */
	failed = 0;
	for (i = 0; i < MANY_POLICIES; i++) {
		uint32_t prio = (i * 7) % MANY_POLICIES;

		pol_request(pol_msg(KIPSEC_CMD_POLICY_ADD, 0, prio, POL_GOOD), NULL, &r);
		if (r.err && !failed++)
			printf("# POLICY_ADD prio %u: %s %s\n", prio, strerror(-r.err), r.msg);
	}
	tap(!failed, "300 policies added", NULL);

	memset(&p, 0, sizeof(p));
	p.order_ok = true;
	p.prios = prios;
	r.on_msg = on_policy;
	r.arg = &p;
	request(new_msg(KIPSEC_CMD_POLICY_GET, NLM_F_DUMP), &r);
	r.on_msg = NULL;
	once = 0;
	for (i = 0; i < MANY_POLICIES; i++)
		once += prios[i] == 1;
	tap(!r.err && once == MANY_POLICIES && p.count == MANY_POLICIES && p.order_ok,
	    "policy dump returns every policy once, in priority order", &r);

	flush_all(&r);
	expect_ok(&r, "SA_FLUSH and POLICY_FLUSH");
	memset(spis, 0, sizeof(spis));
	memset(&s, 0, sizeof(s));
	s.spis = spis;
	sa_dump(&s, &r);
	tap(!r.err && r.nmsgs == 0, "SA dump empty after flush", &r);
	pol_request(new_msg(KIPSEC_CMD_POLICY_GET, NLM_F_DUMP), &p, &r);
	tap(!r.err && r.nmsgs == 0, "policy dump empty after flush", &r);
}

/* ------------------------------------------------------------- helpers */

static int cmd_eperm(void)
{
	struct reply r = { 0 };

	sa_request(KIPSEC_CMD_SA_ADD, 0, 0x3000, SA_GOOD, &r);
	printf("SA_ADD: errno %d (%s) %s\n", -r.err, r.err ? strerror(-r.err) : "success", r.msg);
	return r.err == -EPERM ? 0 : 1;
}

static int cmd_add(uint32_t spi)
{
	struct reply r = { 0 };

	sa_request(KIPSEC_CMD_SA_ADD, 0, spi, SA_GOOD, &r);
	if (r.err)
		fprintf(stderr, "SA_ADD: %s %s\n", strerror(-r.err), r.msg);
	return r.err ? 1 : 0;
}

static int cmd_get(uint32_t spi)
{
	struct reply r = { 0 };
	struct sa_seen s;

	sa_get(spi, &s, &r);
	if (r.err == -ENOENT)
		return 3;
	if (r.err)
		fprintf(stderr, "SA_GET: %s %s\n", strerror(-r.err), r.msg);
	return r.err || s.spi != spi ? 1 : 0;
}

static int cmd_count(void)
{
	unsigned char spis[MANY_SAS] = { 0 };
	struct reply r = { 0 };
	struct sa_seen s = { .spis = spis };
	struct pol_seen p;
	unsigned int sas;

	sa_dump(&s, &r);
	if (r.err)
		return 1;
	sas = r.nmsgs;
	pol_request(new_msg(KIPSEC_CMD_POLICY_GET, NLM_F_DUMP), &p, &r);
	if (r.err)
		return 1;
	printf("sas %u policies %u\n", sas, r.nmsgs);
	return 0;
}

static struct nl_sock *open_socket(void)
{
	struct nl_sock *s = nl_socket_alloc();
	int one = 1;

	if (!s || genl_connect(s)) {
		fprintf(stderr, "cannot open a generic netlink socket\n");
		exit(1);
	}
	/* Extended acks carry the kernel's message; dumps of 3000 SAs need room. */
	if (setsockopt(nl_socket_get_fd(s), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    nl_socket_set_buffer_size(s, 4 << 20, 4 << 20)) {
		perror("setsockopt");
		exit(1);
	}
	nl_socket_enable_msg_peek(s);
	return s;
}

static void setup(void)
{
	sk = open_socket();
	family_id = genl_ctrl_resolve(sk, KIPSEC_GENL_NAME);
	if (family_id < 0) {
		fprintf(stderr, "generic netlink family \"%s\" not found: is kipsec.ko loaded?\n",
			KIPSEC_GENL_NAME);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct reply r = { 0 };

	if (argc > 1 && !strcmp(argv[1], "--count")) {
		printf("%d\n", NUM_TESTS);
		return 0;
	}
	setup();
	if (argc > 1) {
		uint32_t spi = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 0;

		if (!strcmp(argv[1], "eperm"))
			return cmd_eperm();
		if (!strcmp(argv[1], "add") && argc > 2)
			return cmd_add(spi);
		if (!strcmp(argv[1], "get") && argc > 2)
			return cmd_get(spi);
		if (!strcmp(argv[1], "count"))
			return cmd_count();
		fprintf(stderr, "usage: nl_negative [--count | eperm | add SPI | get SPI | count]\n");
		return 2;
	}

	printf("1..%d\n", NUM_TESTS);
	flush_all(&r);
	expect_ok(&r, "start from empty tables (flush)");
	test_sa_refusals();
	test_policy_refusals();
	test_sa_lifecycle();
	test_policy_lifecycle();
	test_stats();
	test_dumps();
	if (test_no != NUM_TESTS) {
		printf("not ok %d - ran %d subtests, planned %d\n", test_no + 1, test_no, NUM_TESTS);
		return 1;
	}
	return failures ? 1 : 0;
}
