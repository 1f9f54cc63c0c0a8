// SPDX-License-Identifier: GPL-2.0
/* `kipsec state add|update|del|get|list|flush`, ip xfrm state syntax. */
#include "state.h"
#include "algs.h"
#include "cli.h"
#include "nl.h"
#include "output.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/kipsec.h>

static const struct {
	const char *word;
	enum state_op op;
	const char *canon;
} state_ops[] = {
	{ "add", STATE_ADD, "add" },
	{ "update", STATE_UPDATE, "update" },
	{ "del", STATE_DEL, "del" },
	{ "delete", STATE_DEL, "del" },
	{ "get", STATE_GET, "get" },
	{ "list", STATE_LIST, "list" },
	{ "ls", STATE_LIST, "list" },
	{ "show", STATE_LIST, "list" },
	{ "flush", STATE_FLUSH, "flush" },
};

/* ip xfrm state options kipsec does not implement: refused by name. */
static const char *const unsupported[] = {
	"sel", "mark", "output-mark", "if_id", "coa", "ctx",
	"extra-flag", "offload", "tfcpad", "replay-seq", "replay-seq-hi",
	"replay-oseq-hi", "seq", "comp", "lifetime", "dir", "pcpu-num", NULL,
};

/* XFRM state flags: ours, then the ones only XFRM has (refused by name). */
static const char *const xfrm_only_flags[] = {
	"noecn", "decap-dscp", "nopmtudisc", "wildrecv", "icmp", "af-unspec",
	"align4", NULL,
};

static bool in_list(const char *const *l, const char *w)
{
	for (; *l; l++)
		if (!strcmp(*l, w))
			return true;
	return false;
}

void state_req_wipe(struct sa_req *r)
{
	explicit_bzero(r->enc_key, sizeof(r->enc_key));
	explicit_bzero(r->integ_key, sizeof(r->integ_key));
}

#define ONCE(flag, key) do {						\
		if (flag)						\
			return fail("'%s' given twice", key);		\
		flag = true;						\
	} while (0)

/* encap espinudp SPORT DPORT OADDR (ip xfrm); the ports are the SA's UDP source/destination. */
static int parse_encap(struct toks *t, struct sa_req *r)
{
	const char *type, *sp, *dp, *oa;
	uint32_t v;

	if (r->has_encap)
		return fail("'encap' given twice");
	if (toks_value(t, "encap", "espinudp SPORT DPORT OADDR", &type))
		return -1;
	if (strcmp(type, "espinudp"))
		return fail("encap type '%s' is not supported by kipsec: use espinudp", type);
	if (toks_value(t, "encap", "espinudp SPORT DPORT OADDR", &sp) ||
	    toks_value(t, "encap", "espinudp SPORT DPORT OADDR", &dp) ||
	    toks_value(t, "encap", "espinudp SPORT DPORT OADDR", &oa))
		return -1;
	if (parse_u32_range("encap source port", sp, 1, 65535, &v))
		return -1;
	r->encap_sport = (uint16_t)v;
	if (parse_u32_range("encap destination port", dp, 1, 65535, &v))
		return -1;
	r->encap_dport = (uint16_t)v;
	if (parse_addr(oa, &r->encap_oa))
		return fail_prefix("encap original address");
	r->has_encap = true;
	return 0;
}

static int parse_flags(struct toks *t, struct sa_req *r)
{
	int n = 0;

	while (toks_more(t)) {
		const char *w = toks_peek(t);

		if (!strcmp(w, "esn"))
			r->flags |= KIPSEC_SA_F_ESN;
		else if (!strcmp(w, "insecure"))
			r->flags |= KIPSEC_SA_F_ALLOW_INSECURE;
		else if (in_list(xfrm_only_flags, w))
			return fail("flag '%s' is not supported by kipsec: use esn or insecure", w);
		else
			break;
		t->i++;
		n++;
	}
	if (!n)
		return fail("'flag' needs esn or insecure");
	r->has_flags = true;
	return 0;
}

/* aead NAME KEY ICV | enc NAME KEY */
static int parse_enc(struct toks *t, struct sa_req *r, bool aead)
{
	const char *kw = aead ? "aead" : "enc";
	const char *name, *key, *icv = NULL;
	const struct enc_alg *a;
	uint32_t icv_bits = 0;

	if (r->enc_alg && r->aead == aead)
		return fail("'%s' given twice", kw);
	if (r->enc_alg)
		return fail("'aead' and 'enc' cannot be combined: aead encrypts and authenticates");
	if (toks_value(t, kw, "an algorithm name", &name) ||
	    toks_value(t, kw, "an algorithm name and a key", &key))
		return -1;
	if (aead) {
		if (toks_value(t, kw, "NAME KEY ICV_BITS", &icv) ||
		    parse_u32("ICV length", icv, &icv_bits))
			return -1;
	}
	a = algs_enc_find(name, aead, icv_bits);
	if (!a)
		return -1;
	if (parse_key(key, r->enc_key, sizeof(r->enc_key), &r->enc_key_len))
		return fail_prefix("%s %s", kw, a->name);
	if (algs_enc_check_key(a, r->enc_key_len, &r->enc_key_bits))
		return -1;
	r->enc_alg = a->id;
	r->aead = aead;
	return 0;
}

/* auth NAME KEY | auth-trunc NAME KEY BITS */
static int parse_auth(struct toks *t, struct sa_req *r, bool trunc)
{
	const char *kw = trunc ? "auth-trunc" : "auth";
	const char *name, *key, *bits;
	const struct integ_alg *a;
	uint32_t n;

	if (r->integ_alg)
		return fail("'auth' given twice");
	if (toks_value(t, kw, "an algorithm name", &name) ||
	    toks_value(t, kw, "an algorithm name and a key", &key))
		return -1;
	a = algs_integ_find(name);
	if (!a)
		return -1;
	if (trunc) {
		if (toks_value(t, kw, "NAME KEY TRUNC_BITS", &bits) ||
		    parse_u32("truncation length", bits, &n))
			return -1;
		/* The IANA id fixes the ICV: no other truncation exists. */
		if (n != a->icv_bits)
			return fail("%s must be truncated to %u bits, not %u",
				    a->name, a->icv_bits, n);
	}
	if (parse_key(key, r->integ_key, sizeof(r->integ_key), &r->integ_key_len))
		return fail_prefix("%s %s", kw, a->name);
	if (algs_integ_check_key(a, r->integ_key_len))
		return -1;
	r->integ_alg = a->id;
	return 0;
}

/* ip xfrm's limit names -> enum kipsec_lft_attr */
static const struct {
	const char *word;
	int attr;
} limit_words[] = {
	{ "byte-soft", KIPSEC_LFT_A_SOFT_BYTES },
	{ "byte-hard", KIPSEC_LFT_A_HARD_BYTES },
	{ "packet-soft", KIPSEC_LFT_A_SOFT_PACKETS },
	{ "packet-hard", KIPSEC_LFT_A_HARD_PACKETS },
	{ "time-soft", KIPSEC_LFT_A_SOFT_ADD_SECS },
	{ "time-hard", KIPSEC_LFT_A_HARD_ADD_SECS },
	{ "time-use-soft", KIPSEC_LFT_A_SOFT_USE_SECS },
	{ "time-use-hard", KIPSEC_LFT_A_HARD_USE_SECS },
};

/*
 * limit NAME N [NAME N]...: ip xfrm takes one pair per "limit"; kipsec
 * also takes several after one "limit".
 */
static int parse_limit(struct toks *t, struct sa_req *r)
{
	int n = 0;
	size_t i;

	while (toks_more(t)) {
		const char *w = toks_peek(t), *v;

		for (i = 0; i < sizeof(limit_words) / sizeof(limit_words[0]); i++)
			if (!strcmp(w, limit_words[i].word))
				break;
		if (i == sizeof(limit_words) / sizeof(limit_words[0]))
			break;
		t->i++;
		if (r->lft_seen & (1u << limit_words[i].attr))
			return fail("'limit %s' given twice", w);
		r->lft_seen |= 1u << limit_words[i].attr;
		if (toks_value(t, w, "a number", &v) ||
		    parse_u64(w, v, &r->lft[limit_words[i].attr]))
			return -1;
		n++;
	}
	if (!n)
		return fail("'limit' needs time-soft, time-hard, time-use-soft, time-use-hard, "
			    "byte-soft, byte-hard, packet-soft or packet-hard and a number");
	r->has_lft = true;
	return 0;
}

/* A soft limit above its hard one would never be reported. */
static int check_limits(const struct sa_req *r)
{
	int a;

	for (a = KIPSEC_LFT_A_SOFT_BYTES; a <= KIPSEC_LFT_A_SOFT_USE_SECS; a += 2)
		if (r->lft[a] && r->lft[a + 1] && r->lft[a] > r->lft[a + 1])
			return fail("soft limit %" PRIu64 " is above the hard limit %" PRIu64,
				    r->lft[a], r->lft[a + 1]);
	return 0;
}

/* src, dst, proto, spi: the SA identity, valid in every sub-command but flush. */
static int parse_id_word(struct toks *t, struct sa_req *r, const char *k, bool *used)
{
	const char *v;

	*used = true;
	if (!strcmp(k, "src")) {
		ONCE(r->has_src, k);
		return toks_value(t, k, "an address", &v) ? -1 : parse_addr(v, &r->src);
	}
	if (!strcmp(k, "dst")) {
		ONCE(r->has_dst, k);
		return toks_value(t, k, "an address", &v) ? -1 : parse_addr(v, &r->dst);
	}
	if (!strcmp(k, "proto")) {
		ONCE(r->has_proto, k);
		return toks_value(t, k, "esp or ah", &v) ? -1 : parse_ipsec_proto(v, &r->proto);
	}
	if (!strcmp(k, "spi")) {
		ONCE(r->has_spi, k);
		return toks_value(t, k, "a number", &v) ? -1 : parse_u32("spi", v, &r->spi);
	}
	*used = false;
	return 0;
}

static int parse_sa_word(struct toks *t, struct sa_req *r, const char *k)
{
	const char *v;

	if (!strcmp(k, "mode")) {
		ONCE(r->has_mode, k);
		return toks_value(t, k, "transport or tunnel", &v) ? -1 : parse_mode(v, &r->mode);
	}
	if (!strcmp(k, "reqid")) {
		ONCE(r->has_reqid, k);
		return toks_value(t, k, "a number", &v) ? -1 : parse_u32("reqid", v, &r->reqid);
	}
	if (!strcmp(k, "replay-window")) {
		ONCE(r->has_replay, k);
		return toks_value(t, k, "a number of packets", &v) ? -1 :
		       parse_u32("replay-window", v, &r->replay_window);
	}
	if (!strcmp(k, "replay-oseq") || !strcmp(k, "seq-out")) {
		ONCE(r->has_seq_out, k);
		return toks_value(t, k, "a number", &v) ? -1 : parse_u64(k, v, &r->seq_out);
	}
	if (!strcmp(k, "replay-seq") || !strcmp(k, "seq-in")) {
		ONCE(r->has_seq_in, k);
		return toks_value(t, k, "a number", &v) ? -1 : parse_u64(k, v, &r->seq_in);
	}
	if (!strcmp(k, "replay-oseq-hi") || !strcmp(k, "replay-seq-hi")) {
		bool out = k[7] == 'o';

		ONCE(*(out ? &r->has_oseq_hi : &r->has_seq_hi), k);
		return toks_value(t, k, "a number", &v) ? -1 :
		       parse_u32(k, v, out ? &r->oseq_hi : &r->seq_hi);
	}
	if (!strcmp(k, "flag"))
		return parse_flags(t, r);
	if (!strcmp(k, "encap"))
		return parse_encap(t, r);
	if (!strcmp(k, "limit"))
		return parse_limit(t, r);
	if (r->op == STATE_UPDATE && (!strcmp(k, "new-src") || !strcmp(k, "new-dst"))) {
		bool d = k[4] == 'd';

		if (d)
			ONCE(r->has_new_dst, k);
		else
			ONCE(r->has_new_src, k);
		return toks_value(t, k, "an address", &v) ? -1 :
		       parse_addr(v, d ? &r->new_dst : &r->new_src);
	}
	if (!strcmp(k, "aead") || !strcmp(k, "enc"))
		return parse_enc(t, r, k[0] == 'a');
	if (!strcmp(k, "auth") || !strcmp(k, "auth-trunc"))
		return parse_auth(t, r, k[4] == '-');
	if (in_list(unsupported, k))
		return fail("'%s' is not supported by kipsec", k);
	return fail("unknown keyword '%s'", k);
}

/*
 * ip xfrm gives 64-bit (ESN) sequence numbers as two 32-bit halves; kipsec
 * takes one 64-bit value, so replay-oseq alone may also be given whole.
 */
static int join_seq(bool has_hi, uint32_t hi, bool *has, uint64_t *v, const char *lo)
{
	if (!has_hi)
		return 0;
	if (*has && *v > UINT32_MAX)
		return fail("'%s' must fit in 32 bits when '%s-hi' is given", lo, lo);
	*v |= (uint64_t)hi << 32;
	*has = true;
	return 0;
}

static int check_add(struct sa_req *r)
{
	bool add = r->op == STATE_ADD;

	if (join_seq(r->has_oseq_hi, r->oseq_hi, &r->has_seq_out, &r->seq_out, "replay-oseq") ||
	    join_seq(r->has_seq_hi, r->seq_hi, &r->has_seq_in, &r->seq_in, "replay-seq"))
		return -1;
	if (!add && r->has_seq_in)
		return fail("replay-seq can be set on add only");

	if (add && !r->has_src)
		return fail("missing 'src ADDR'");
	/*
	 * The kernel cannot change keys in place and cannot compare them (it
	 * never returns them): refusing here beats silently keeping old keys.
	 */
	if (!add && (r->enc_alg || r->integ_alg))
		return fail("keys and algorithms of an SA cannot change: leave them out of update, "
			    "or del and add the SA");
	if (r->has_src && r->src.family != r->dst.family)
		return fail("src and dst must be of the same address family");
	if (r->has_encap && r->encap_oa.family != r->dst.family)
		return fail("the encap original address must be of the SA's address family");
	if (r->has_encap && r->proto != KIPSEC_PROTO_ESP)
		return fail("only ESP can be encapsulated in UDP");
	if ((r->has_new_src && r->new_src.family != r->dst.family) ||
	    (r->has_new_dst && r->new_dst.family != r->dst.family))
		return fail("new-src and new-dst must be of the SA's address family");
	if (check_limits(r))
		return -1;
	if (r->proto == KIPSEC_PROTO_AH) {
		if (r->enc_alg)
			return fail("AH does not encrypt: drop '%s'", r->aead ? "aead" : "enc");
		if (add && !r->integ_alg)
			return fail("AH needs 'auth ALGO KEY'");
		return 0;
	}
	if (r->aead && r->integ_alg)
		return fail("'aead' already authenticates: drop 'auth'");
	if (r->integ_alg && !r->enc_alg && add)
		return fail("ESP needs 'enc' too (enc cipher_null \"\" for integrity only)");
	if (add && !r->enc_alg)
		return fail("missing algorithm: give aead ALGO KEY ICV_BITS, or enc ALGO KEY and auth ALGO KEY");
	return 0;
}

int state_parse(int argc, char **argv, struct sa_req *r)
{
	struct toks t = { argc, argv, 1 };
	size_t i;

	memset(r, 0, sizeof(*r));
	cli_err_clear();
	if (argc < 1)
		return fail("missing command: use add, update, del, get, list or flush");
	for (i = 0; i < sizeof(state_ops) / sizeof(state_ops[0]); i++) {
		if (!strcmp(argv[0], state_ops[i].word)) {
			r->op = state_ops[i].op;
			r->opname = state_ops[i].canon;
			break;
		}
	}
	if (!r->opname)
		return fail("unknown command '%s': use add, update, del, get, list or flush", argv[0]);

	while (toks_more(&t)) {
		const char *k = t.argv[t.i++];
		bool used = false;

		if (r->op == STATE_LIST && (!strcmp(k, "-s") || !strcmp(k, "--stats"))) {
			r->stats = true;
			continue;
		}
		if (k[0] == '-' && k[1])
			return fail_misplaced_option(k, "state");
		if (r->op == STATE_FLUSH) {
			if (strcmp(k, "proto"))
				return fail("unexpected '%s': flush takes only 'proto esp|ah'", k);
		}
		if (parse_id_word(&t, r, k, &used))
			return -1;
		if (used)
			continue;
		if (r->op != STATE_ADD && r->op != STATE_UPDATE)
			return fail("unexpected '%s': identify the SA by src, dst, proto and spi", k);
		if (parse_sa_word(&t, r, k))
			return -1;
	}
	if (!r->has_proto)
		r->proto = KIPSEC_PROTO_ESP;	/* as documented: esp unless told */
	if (r->op == STATE_LIST || r->op == STATE_FLUSH)
		return 0;
	if (!r->has_dst)
		return fail("missing 'dst ADDR'");
	if (!r->has_spi)
		return fail("missing 'spi SPI'");
	if (r->op == STATE_DEL || r->op == STATE_GET) {
		if (r->has_src && r->src.family != r->dst.family)
			return fail("src and dst must be of the same address family");
		return 0;
	}
	return check_add(r);
}

int state_build(struct nl_msg *msg, const struct sa_req *r)
{
	struct nlattr *nest = nla_nest_start(msg, KIPSEC_A_SA);
	bool full = r->op == STATE_ADD || r->op == STATE_UPDATE;

	if (!nest)
		return -1;
	if (r->op == STATE_LIST)
		goto done;	/* a dump filters in userspace */
	if (r->op == STATE_FLUSH) {
		if (r->has_proto && nla_put_u8(msg, KIPSEC_SA_A_PROTO, r->proto))
			return -1;
		goto done;
	}
	if (nla_put(msg, KIPSEC_SA_A_DST, r->dst.len, r->dst.bytes) ||
	    nla_put_u32(msg, KIPSEC_SA_A_SPI, r->spi) ||
	    nla_put_u8(msg, KIPSEC_SA_A_PROTO, r->proto))
		return -1;
	if (!full)
		goto done;
	if (r->has_src && nla_put(msg, KIPSEC_SA_A_SRC, r->src.len, r->src.bytes))
		return -1;
	/* ADD always says the mode (the kernel wants it); UPDATE only if given. */
	if ((r->op == STATE_ADD || r->has_mode) &&
	    nla_put_u8(msg, KIPSEC_SA_A_MODE, r->has_mode ? r->mode : KIPSEC_MODE_TRANSPORT))
		return -1;
	if (r->has_reqid && nla_put_u32(msg, KIPSEC_SA_A_REQID, r->reqid))
		return -1;
	if (r->has_replay && nla_put_u32(msg, KIPSEC_SA_A_REPLAY_WINDOW, r->replay_window))
		return -1;
	if (r->has_flags && nla_put_u32(msg, KIPSEC_SA_A_FLAGS, r->flags))
		return -1;
	if (r->has_seq_out && nla_put_u64(msg, KIPSEC_SA_A_SEQ_OUT, r->seq_out))
		return -1;
	if (r->has_seq_in && nla_put_u64(msg, KIPSEC_SA_A_SEQ_IN, r->seq_in))
		return -1;
	if (r->has_encap) {
		static const uint8_t zero[16];

		if (nla_put_u8(msg, KIPSEC_SA_A_ENCAP_TYPE, KIPSEC_ENCAP_UDP) ||
		    nla_put_u16(msg, KIPSEC_SA_A_ENCAP_SPORT, r->encap_sport) ||
		    nla_put_u16(msg, KIPSEC_SA_A_ENCAP_DPORT, r->encap_dport))
			return -1;
		if (memcmp(r->encap_oa.bytes, zero, r->encap_oa.len) &&
		    nla_put(msg, KIPSEC_SA_A_ENCAP_OA, (int)r->encap_oa.len, r->encap_oa.bytes))
			return -1;
	}
	if (r->has_lft) {
		struct nlattr *l = nla_nest_start(msg, KIPSEC_SA_A_LIFETIME);
		int a;

		if (!l)
			return -1;
		for (a = KIPSEC_LFT_A_SOFT_BYTES; a <= KIPSEC_LFT_A_HARD_USE_SECS; a++)
			if (r->lft[a] && nla_put_u64(msg, a, r->lft[a]))
				return -1;
		/* Empty (all limits 0 = none) is meaningful on update: keep it. */
		if (knl_nest_end(msg, l, KIPSEC_SA_A_LIFETIME))
			return -1;
	}
	if (r->has_new_src &&
	    nla_put(msg, KIPSEC_SA_A_NEW_SRC, r->new_src.len, r->new_src.bytes))
		return -1;
	if (r->has_new_dst &&
	    nla_put(msg, KIPSEC_SA_A_NEW_DST, r->new_dst.len, r->new_dst.bytes))
		return -1;
	if (r->enc_alg) {
		if (nla_put_u16(msg, KIPSEC_SA_A_ENC_ALG, r->enc_alg) ||
		    nla_put_u16(msg, KIPSEC_SA_A_ENC_KEY_BITS, r->enc_key_bits))
			return -1;
		if (r->enc_key_len &&
		    nla_put(msg, KIPSEC_SA_A_ENC_KEY, (int)r->enc_key_len, r->enc_key))
			return -1;
	}
	if (r->integ_alg) {
		if (nla_put_u16(msg, KIPSEC_SA_A_INTEG_ALG, r->integ_alg) ||
		    nla_put(msg, KIPSEC_SA_A_INTEG_KEY, (int)r->integ_key_len, r->integ_key))
			return -1;
	}
done:
	return knl_nest_end(msg, nest, KIPSEC_A_SA) ? -1 : 0;
}

/* ------------------------------------------------------------- running */

struct state_ctx {
	const struct sa_req *r;
	struct printer *p;
	bool quiet;	/* add/update/del/flush print only with -j */
};

static bool addr_eq(struct nlattr *a, const struct kaddr *k)
{
	return a && nla_len(a) == k->len && !memcmp(nla_data(a), k->bytes, k->len);
}

/* ip xfrm state list takes an SA id as a filter; so does kipsec. */
static bool list_match(const struct sa_req *r, struct nlattr *sa)
{
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1];

	if (nla_parse_nested(tb, KIPSEC_SA_A_MAX, sa, NULL))
		return true;	/* the printer reports it */
	if (r->has_src && !addr_eq(tb[KIPSEC_SA_A_SRC], &r->src))
		return false;
	if (r->has_dst && !addr_eq(tb[KIPSEC_SA_A_DST], &r->dst))
		return false;
	if (r->has_spi && !(tb[KIPSEC_SA_A_SPI] && nla_len(tb[KIPSEC_SA_A_SPI]) >= 4 &&
			    nla_get_u32(tb[KIPSEC_SA_A_SPI]) == r->spi))
		return false;
	if (r->has_proto && !(tb[KIPSEC_SA_A_PROTO] && nla_len(tb[KIPSEC_SA_A_PROTO]) >= 1 &&
			      nla_get_u8(tb[KIPSEC_SA_A_PROTO]) == r->proto))
		return false;
	return true;
}

static int on_sa(struct nlattr **tb, void *arg)
{
	struct state_ctx *c = arg;

	if (!tb[KIPSEC_A_SA] || (c->quiet && !c->p->o->json))
		return 0;
	if (c->r->op == STATE_LIST && !list_match(c->r, tb[KIPSEC_A_SA]))
		return 0;
	return print_sa(c->p, tb[KIPSEC_A_SA]);
}

static int build(struct nl_msg *msg, const void *r)
{
	return state_build(msg, r);
}

int state_main(int argc, char **argv, const struct cli_opts *o)
{
	static const uint8_t cmds[] = {
		[STATE_ADD] = KIPSEC_CMD_SA_ADD, [STATE_UPDATE] = KIPSEC_CMD_SA_UPDATE,
		[STATE_DEL] = KIPSEC_CMD_SA_DEL, [STATE_GET] = KIPSEC_CMD_SA_GET,
		[STATE_LIST] = KIPSEC_CMD_SA_GET, [STATE_FLUSH] = KIPSEC_CMD_SA_FLUSH,
	};
	struct cli_opts opts = *o;
	struct state_ctx c;
	struct printer p;
	struct sa_req r;
	struct knl *k;
	char what[32];
	int err, ret;

	if (argc >= 1 && !strcmp(argv[0], "help")) {
		usage_state();
		return EXIT_OK;
	}
	if (state_parse(argc, argv, &r)) {
		fprintf(stderr, "kipsec: state%s%s: %s\n", r.opname ? " " : "",
			r.opname ? r.opname : "", cli_err());
		state_req_wipe(&r);
		return EXIT_USAGE;
	}
	snprintf(what, sizeof(what), "state %s", r.opname);
	k = knl_open();
	if (!k) {
		fprintf(stderr, "kipsec: %s: %s\n", what, cli_err());
		state_req_wipe(&r);
		return EXIT_KERNEL;
	}
	opts.stats = opts.stats || r.stats;
	printer_init(&p, &opts, stdout);
	c.r = &r;
	c.p = &p;
	c.quiet = r.op != STATE_GET && r.op != STATE_LIST;
	err = knl_request(k, cmds[r.op], r.op == STATE_LIST, build, &r, on_sa, &c,
			  r.op == STATE_ADD || r.op == STATE_UPDATE);
	state_req_wipe(&r);
	if (err) {
		ret = knl_report(k, what, "SA", err);
		if (p.arr)
			json_object_put(p.arr);
	} else {
		/* -j always prints an array, so scripts can parse every command. */
		printer_finish(&p);
		ret = EXIT_OK;
	}
	knl_close(k);
	return ret;
}
