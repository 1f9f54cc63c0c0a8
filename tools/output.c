// SPDX-License-Identifier: GPL-2.0
/* Reply printers: `ip -s xfrm`-style text and JSON (json-c). */
#include "output.h"
#include "algs.h"
#include "args.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/kipsec.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Counters in output order; text name and JSON key. */
static const struct {
	int attr;
	const char *text;
	const char *key;
} counters[] = {
	{ KIPSEC_STATS_A_PACKETS, "packets", "packets" },
	{ KIPSEC_STATS_A_BYTES, "bytes", "bytes" },
	{ KIPSEC_STATS_A_DROP_REPLAY, "replay", "drop_replay" },
	{ KIPSEC_STATS_A_DROP_AUTH, "auth", "drop_auth" },
	{ KIPSEC_STATS_A_DROP_PAD, "pad", "drop_pad" },
	{ KIPSEC_STATS_A_DROP_NOSA, "no-sa", "drop_nosa" },
	{ KIPSEC_STATS_A_DROP_MALFORMED, "malformed", "drop_malformed" },
	{ KIPSEC_STATS_A_DROP_POLICY, "policy", "drop_policy" },
	{ KIPSEC_STATS_A_DROP_PLAINTEXT, "plaintext", "drop_plaintext" },
	{ KIPSEC_STATS_A_DROP_DISCARD, "discard", "drop_discard" },
	{ KIPSEC_STATS_A_DROP_NOSA_OUT, "no-sa-out", "drop_nosa_out" },
	{ KIPSEC_STATS_A_DROP_SEQ_OVERFLOW, "seq-overflow", "drop_seq_overflow" },
	{ KIPSEC_STATS_A_DROP_NOMEM, "nomem", "drop_nomem" },
	{ KIPSEC_STATS_A_DROP_CRYPTO, "crypto", "drop_crypto" },
	{ KIPSEC_STATS_A_DROP_ROUTE, "route", "drop_route" },
	{ KIPSEC_STATS_A_DROP_MTU, "mtu", "drop_mtu" },
	{ KIPSEC_STATS_A_DROP_PROTO, "proto", "drop_proto" },
	{ KIPSEC_STATS_A_DROP_ACQUIRE, "acquire", "drop_acquire" },
	{ KIPSEC_STATS_A_DROP_EXPIRED, "expired", "drop_expired" },
	/* From ACQUIRES on: events, not drops (see first_event_counter()). */
	{ KIPSEC_STATS_A_ACQUIRES, "acquires", "acquires" },
	{ KIPSEC_STATS_A_QUEUED, "queued", "queued" },
	{ KIPSEC_STATS_A_NATT_KEEPALIVE, "natt-keepalive", "natt_keepalive" },
	{ KIPSEC_STATS_A_FRAG_OUT, "frag-out", "frag_out" },
	{ KIPSEC_STATS_A_ICMP_TOO_BIG, "icmp-too-big", "icmp_too_big" },
};

/* counters[] index of the first counter that is not a drop reason. */
static size_t first_event_counter(void)
{
	size_t i;

	for (i = 0; i < N(counters); i++)
		if (counters[i].attr == KIPSEC_STATS_A_ACQUIRES)
			break;
	return i;
}

static struct nla_policy sa_pol[KIPSEC_SA_A_MAX + 1] = {
	[KIPSEC_SA_A_SPI] = { .type = NLA_U32 },
	[KIPSEC_SA_A_PROTO] = { .type = NLA_U8 },
	[KIPSEC_SA_A_SRC] = { .minlen = 4 },
	[KIPSEC_SA_A_DST] = { .minlen = 4 },
	[KIPSEC_SA_A_MODE] = { .type = NLA_U8 },
	[KIPSEC_SA_A_REQID] = { .type = NLA_U32 },
	[KIPSEC_SA_A_ENC_ALG] = { .type = NLA_U16 },
	[KIPSEC_SA_A_INTEG_ALG] = { .type = NLA_U16 },
	[KIPSEC_SA_A_REPLAY_WINDOW] = { .type = NLA_U32 },
	[KIPSEC_SA_A_FLAGS] = { .type = NLA_U32 },
	[KIPSEC_SA_A_STATS] = { .type = NLA_NESTED },
	[KIPSEC_SA_A_SEQ_OUT] = { .type = NLA_U64 },
	[KIPSEC_SA_A_SEQ_IN] = { .type = NLA_U64 },
	[KIPSEC_SA_A_ENC_KEY_BITS] = { .type = NLA_U16 },
	[KIPSEC_SA_A_ICV_LEN] = { .type = NLA_U8 },
	[KIPSEC_SA_A_LIFETIME] = { .type = NLA_NESTED },
	[KIPSEC_SA_A_CURRENT] = { .type = NLA_NESTED },
	[KIPSEC_SA_A_FLAGS_STATE] = { .type = NLA_U32 },
	[KIPSEC_SA_A_REPLAY_BITMAP] = { .type = NLA_UNSPEC },
	[KIPSEC_SA_A_ENCAP_TYPE] = { .type = NLA_U8 },
	[KIPSEC_SA_A_ENCAP_SPORT] = { .type = NLA_U16 },
	[KIPSEC_SA_A_ENCAP_DPORT] = { .type = NLA_U16 },
	[KIPSEC_SA_A_ENCAP_OA] = { .minlen = 4 },
};

static struct nla_policy pol_pol[KIPSEC_POL_A_MAX + 1] = {
	[KIPSEC_POL_A_ID] = { .type = NLA_U32 },
	[KIPSEC_POL_A_DIR] = { .type = NLA_U8 },
	[KIPSEC_POL_A_PRIORITY] = { .type = NLA_U32 },
	[KIPSEC_POL_A_ACTION] = { .type = NLA_U8 },
	[KIPSEC_POL_A_SEL_FAMILY] = { .type = NLA_U16 },
	[KIPSEC_POL_A_SEL_SRC] = { .minlen = 4 },
	[KIPSEC_POL_A_SEL_SRC_PLEN] = { .type = NLA_U8 },
	[KIPSEC_POL_A_SEL_DST] = { .minlen = 4 },
	[KIPSEC_POL_A_SEL_DST_PLEN] = { .type = NLA_U8 },
	[KIPSEC_POL_A_SEL_PROTO] = { .type = NLA_U8 },
	[KIPSEC_POL_A_SEL_SPORT_MIN] = { .type = NLA_U16 },
	[KIPSEC_POL_A_SEL_SPORT_MAX] = { .type = NLA_U16 },
	[KIPSEC_POL_A_SEL_DPORT_MIN] = { .type = NLA_U16 },
	[KIPSEC_POL_A_SEL_DPORT_MAX] = { .type = NLA_U16 },
	[KIPSEC_POL_A_TMPLS] = { .type = NLA_NESTED },
	[KIPSEC_POL_A_STATS] = { .type = NLA_NESTED },
};

static struct nla_policy tmpl_pol[KIPSEC_TMPL_A_MAX + 1] = {
	[KIPSEC_TMPL_A_PROTO] = { .type = NLA_U8 },
	[KIPSEC_TMPL_A_MODE] = { .type = NLA_U8 },
	[KIPSEC_TMPL_A_REQID] = { .type = NLA_U32 },
	[KIPSEC_TMPL_A_SRC] = { .minlen = 4 },
	[KIPSEC_TMPL_A_DST] = { .minlen = 4 },
	[KIPSEC_TMPL_A_SPI] = { .type = NLA_U32 },
	[KIPSEC_TMPL_A_OPTIONAL] = { .type = NLA_FLAG },
};

struct counters {
	uint64_t v[KIPSEC_STATS_A_MAX + 1];
	bool present;
};

/* Counters nest -> values; absent counters are zero (uapi allows omitting). */
static int get_counters(struct nlattr *nest, struct counters *c)
{
	struct nlattr *a;
	int rem;

	memset(c, 0, sizeof(*c));
	if (!nest)
		return 0;
	c->present = true;
	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (t <= KIPSEC_STATS_A_PAD || t > KIPSEC_STATS_A_MAX)
			continue;	/* newer kernels may add counters */
		if (nla_len(a) != 8)
			return -1;
		c->v[t] = nla_get_u64(a);
	}
	return 0;
}

static struct json_object *counters_json(const struct counters *c)
{
	struct json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; i < N(counters); i++)
		json_object_object_add(o, counters[i].key,
				       json_object_new_uint64(c->v[counters[i].attr]));
	return o;
}

/* One line "LABEL NAME N ..." of counters[from..to), nonzero ones unless all. */
static void counters_line(FILE *f, const char *indent, const char *label,
			  const struct counters *c, size_t from, size_t to, bool all)
{
	bool any = false;
	size_t i;

	for (i = from; i < to; i++) {
		uint64_t v = c->v[counters[i].attr];

		if (!v && !all)
			continue;
		fprintf(f, "%s%s %s %" PRIu64, any ? "" : indent, any ? "" : label,
			counters[i].text, v);
		any = true;
	}
	if (any)
		fputc('\n', f);
}

/*
 * "packets N bytes N", "drops: NAME N ..." then "events: NAME N ..."
 * (acquires, queued, ...); -s: every counter, also the zero ones.
 */
static void counters_text(FILE *f, const char *indent, const struct counters *c, bool all)
{
	size_t ev = first_event_counter();

	fprintf(f, "%spackets %" PRIu64 " bytes %" PRIu64 "\n", indent,
		c->v[KIPSEC_STATS_A_PACKETS], c->v[KIPSEC_STATS_A_BYTES]);
	counters_line(f, indent, "drops:", c, 2, ev, all);
	counters_line(f, indent, "events:", c, ev, N(counters), all);
}

static bool addr_ok(struct nlattr *a)
{
	return !a || nla_len(a) == 4 || nla_len(a) == 16;
}

static const char *addr_str(struct nlattr *a, char *buf, size_t cap)
{
	if (!a)
		return NULL;
	return addr_ntop(nla_data(a), (size_t)nla_len(a), buf, cap);
}

static struct json_object *json_str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *json_u32_or_null(struct nlattr *a)
{
	return a ? json_object_new_int64(nla_get_u32(a)) : NULL;
}

static struct json_object *json_u64_or_null(struct nlattr *a)
{
	return a ? json_object_new_uint64(nla_get_u64(a)) : NULL;
}

/* ---------------------------------------------------------- lifetimes */

/* A KIPSEC_LFT_A_* nest -> values (0 when absent); present[] says which came. */
struct lft_view {
	uint64_t v[KIPSEC_LFT_A_MAX + 1];
	bool present[KIPSEC_LFT_A_MAX + 1];
};

static int get_lft(struct nlattr *nest, struct lft_view *l)
{
	struct nlattr *a;
	int rem;

	memset(l, 0, sizeof(*l));
	if (!nest)
		return 0;
	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (t <= KIPSEC_LFT_A_PAD || t > KIPSEC_LFT_A_MAX)
			continue;	/* newer kernels may add some */
		if (nla_len(a) != 8)
			return -1;
		l->v[t] = nla_get_u64(a);
		l->present[t] = true;
	}
	return 0;
}

/* JSON keys of the limits, by attribute. */
static const char *const lft_keys[KIPSEC_LFT_A_MAX + 1] = {
	[KIPSEC_LFT_A_SOFT_BYTES] = "soft_bytes", [KIPSEC_LFT_A_HARD_BYTES] = "hard_bytes",
	[KIPSEC_LFT_A_SOFT_PACKETS] = "soft_packets", [KIPSEC_LFT_A_HARD_PACKETS] = "hard_packets",
	[KIPSEC_LFT_A_SOFT_ADD_SECS] = "soft_add_secs", [KIPSEC_LFT_A_HARD_ADD_SECS] = "hard_add_secs",
	[KIPSEC_LFT_A_SOFT_USE_SECS] = "soft_use_secs", [KIPSEC_LFT_A_HARD_USE_SECS] = "hard_use_secs",
	[KIPSEC_LFT_A_BYTES] = "bytes", [KIPSEC_LFT_A_PACKETS] = "packets",
	[KIPSEC_LFT_A_ADD_SECS] = "add_secs", [KIPSEC_LFT_A_USE_SECS] = "use_secs",
};

/*
 * "lifetime" (limits, 0 = none), "current" (use_secs null while unused) and
 * "expired" ("soft", "hard" or null). Nothing when the kernel sent none.
 */
static void sa_lifetime_json(struct json_object *o, struct nlattr *const *tb)
{
	struct lft_view l, c;
	struct json_object *j;
	uint32_t st;
	int a;

	if (get_lft(tb[KIPSEC_SA_A_LIFETIME], &l) || get_lft(tb[KIPSEC_SA_A_CURRENT], &c))
		return;
	if (tb[KIPSEC_SA_A_LIFETIME]) {
		j = json_object_new_object();
		for (a = KIPSEC_LFT_A_SOFT_BYTES; a <= KIPSEC_LFT_A_HARD_USE_SECS; a++)
			json_object_object_add(j, lft_keys[a], json_object_new_uint64(l.v[a]));
		json_object_object_add(o, "lifetime", j);
	}
	if (tb[KIPSEC_SA_A_CURRENT]) {
		j = json_object_new_object();
		for (a = KIPSEC_LFT_A_BYTES; a <= KIPSEC_LFT_A_USE_SECS; a++)
			json_object_object_add(j, lft_keys[a], c.present[a] ?
					       json_object_new_uint64(c.v[a]) : NULL);
		json_object_object_add(o, "current", j);
	}
	if (tb[KIPSEC_SA_A_FLAGS_STATE]) {
		st = nla_get_u32(tb[KIPSEC_SA_A_FLAGS_STATE]);
		json_object_object_add(o, "expired",
				       st & KIPSEC_SA_S_HARD_EXPIRED ? json_object_new_string("hard") :
				       st & KIPSEC_SA_S_SOFT_EXPIRED ? json_object_new_string("soft") :
				       NULL);
	}
}

static void lft_pair_text(FILE *f, const char *what, const char *unit,
			  uint64_t soft, uint64_t hard)
{
	fprintf(f, "\t  %s: soft ", what);
	if (soft)
		fprintf(f, "%" PRIu64 "(%s)", soft, unit);
	else
		fputs("none", f);
	fputs(", hard ", f);
	if (hard)
		fprintf(f, "%" PRIu64 "(%s)\n", hard, unit);
	else
		fputs("none\n", f);
}

/*
 * As `ip -s xfrm state`: "lifetime config:" (when a limit is set, or
 * with -s) and "lifetime current:" (always).
 */
static void sa_lifetime_text(FILE *f, struct nlattr *const *tb, bool all)
{
	struct lft_view l, c;
	bool any = false;
	uint32_t st = 0;
	int a;

	if (get_lft(tb[KIPSEC_SA_A_LIFETIME], &l) || get_lft(tb[KIPSEC_SA_A_CURRENT], &c))
		return;
	for (a = KIPSEC_LFT_A_SOFT_BYTES; a <= KIPSEC_LFT_A_HARD_USE_SECS; a++)
		any |= l.v[a] != 0;
	if (tb[KIPSEC_SA_A_LIFETIME] && (any || all)) {
		fputs("\tlifetime config:\n", f);
		lft_pair_text(f, "limit", "bytes", l.v[KIPSEC_LFT_A_SOFT_BYTES],
			      l.v[KIPSEC_LFT_A_HARD_BYTES]);
		lft_pair_text(f, "limit", "packets", l.v[KIPSEC_LFT_A_SOFT_PACKETS],
			      l.v[KIPSEC_LFT_A_HARD_PACKETS]);
		lft_pair_text(f, "expire add", "sec", l.v[KIPSEC_LFT_A_SOFT_ADD_SECS],
			      l.v[KIPSEC_LFT_A_HARD_ADD_SECS]);
		lft_pair_text(f, "expire use", "sec", l.v[KIPSEC_LFT_A_SOFT_USE_SECS],
			      l.v[KIPSEC_LFT_A_HARD_USE_SECS]);
	}
	if (tb[KIPSEC_SA_A_CURRENT]) {
		fprintf(f, "\tlifetime current:\n\t  %" PRIu64 "(bytes), %" PRIu64 "(packets)\n",
			c.v[KIPSEC_LFT_A_BYTES], c.v[KIPSEC_LFT_A_PACKETS]);
		fprintf(f, "\t  add %" PRIu64 "(sec ago) use ", c.v[KIPSEC_LFT_A_ADD_SECS]);
		if (c.present[KIPSEC_LFT_A_USE_SECS])
			fprintf(f, "%" PRIu64 "(sec ago)\n", c.v[KIPSEC_LFT_A_USE_SECS]);
		else
			fputs("never\n", f);
	}
	if (tb[KIPSEC_SA_A_FLAGS_STATE])
		st = nla_get_u32(tb[KIPSEC_SA_A_FLAGS_STATE]);
	if (st & (KIPSEC_SA_S_SOFT_EXPIRED | KIPSEC_SA_S_HARD_EXPIRED))
		fprintf(f, "\texpired: %s\n", st & KIPSEC_SA_S_HARD_EXPIRED ? "hard" : "soft");
}

/* ---------------------------------------------------------------- SAs */

/*
 * KIPSEC_SA_A_REPLAY_BITMAP as hex, most significant word first, so that
 * the last digit's bit 0 is SEQ_IN itself ("0x...07": SEQ_IN and the two
 * below it arrived). NULL when absent or malformed.
 */
static const char *replay_bitmap_hex(struct nlattr *a, char *buf, size_t cap)
{
	const uint32_t *w;
	size_t n, i, off;

	if (!a || nla_len(a) <= 0 || nla_len(a) % 4)
		return NULL;
	n = (size_t)nla_len(a) / 4;
	if (cap < 3 + n * 8)
		return NULL;
	w = nla_data(a);
	off = (size_t)snprintf(buf, cap, "0x");
	for (i = n; i-- > 0;) {
		uint32_t v;

		memcpy(&v, &w[i], sizeof(v));
		off += (size_t)snprintf(buf + off, cap - off, "%08" PRIx32, v);
	}
	return buf;
}

/* Bits of the window set (packets seen among the last REPLAY_WINDOW numbers). */
static int replay_bitmap_count(struct nlattr *a)
{
	const uint8_t *p;
	int i, n = 0;

	if (!a || nla_len(a) % 4)
		return 0;
	p = nla_data(a);
	for (i = 0; i < nla_len(a); i++)
		n += __builtin_popcount(p[i]);
	return n;
}

#define REPLAY_HEX_MAX (3 + KIPSEC_REPLAY_WINDOW_MAX / 4)

static void sa_replay_json(struct json_object *o, struct nlattr *const *tb)
{
	char *hex = malloc(REPLAY_HEX_MAX);
	const char *s = hex ? replay_bitmap_hex(tb[KIPSEC_SA_A_REPLAY_BITMAP], hex,
						REPLAY_HEX_MAX) : NULL;

	json_object_object_add(o, "replay_bitmap", json_str_or_null(s));
	json_object_object_add(o, "replay_seen", s ?
			       json_object_new_int(replay_bitmap_count(tb[KIPSEC_SA_A_REPLAY_BITMAP])) :
			       NULL);
	free(hex);
}

static void sa_replay_text(FILE *f, struct nlattr *const *tb)
{
	char *hex = malloc(REPLAY_HEX_MAX);
	const char *s = hex ? replay_bitmap_hex(tb[KIPSEC_SA_A_REPLAY_BITMAP], hex,
						REPLAY_HEX_MAX) : NULL;

	if (s)
		fprintf(f, "\treplay-window state: seen %d bitmap %s\n",
			replay_bitmap_count(tb[KIPSEC_SA_A_REPLAY_BITMAP]), s);
	free(hex);
}

struct sa_view {
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1];
	struct counters stats;
};

static int sa_decode(struct nlattr *nest, struct sa_view *v)
{
	if (!nest || nla_parse_nested(v->tb, KIPSEC_SA_A_MAX, nest, sa_pol))
		return -1;
	if (!addr_ok(v->tb[KIPSEC_SA_A_SRC]) || !addr_ok(v->tb[KIPSEC_SA_A_DST]))
		return -1;
	return get_counters(v->tb[KIPSEC_SA_A_STATS], &v->stats);
}

/* encap: {"type":"espinudp","sport":N,"dport":N,"oa":ADDR|null}, or null. */
static struct json_object *encap_json(struct nlattr *const *tb)
{
	struct json_object *e;
	char b[INET6_ADDRSTRLEN];

	if (!tb[KIPSEC_SA_A_ENCAP_TYPE] || nla_get_u8(tb[KIPSEC_SA_A_ENCAP_TYPE]) == KIPSEC_ENCAP_NONE)
		return NULL;
	e = json_object_new_object();
	json_object_object_add(e, "type", nla_get_u8(tb[KIPSEC_SA_A_ENCAP_TYPE]) == KIPSEC_ENCAP_UDP ?
			       json_object_new_string("espinudp") :
			       json_object_new_int(nla_get_u8(tb[KIPSEC_SA_A_ENCAP_TYPE])));
	json_object_object_add(e, "sport", tb[KIPSEC_SA_A_ENCAP_SPORT] ?
			       json_object_new_int(nla_get_u16(tb[KIPSEC_SA_A_ENCAP_SPORT])) : NULL);
	json_object_object_add(e, "dport", tb[KIPSEC_SA_A_ENCAP_DPORT] ?
			       json_object_new_int(nla_get_u16(tb[KIPSEC_SA_A_ENCAP_DPORT])) : NULL);
	json_object_object_add(e, "oa", json_str_or_null(addr_str(tb[KIPSEC_SA_A_ENCAP_OA], b, sizeof(b))));
	return e;
}

static struct json_object *sa_view_json(const struct sa_view *v)
{
	struct nlattr *const *tb = v->tb;
	struct json_object *o = json_object_new_object(), *flags, *alg;
	char b1[INET6_ADDRSTRLEN];
	uint32_t fl = tb[KIPSEC_SA_A_FLAGS] ? nla_get_u32(tb[KIPSEC_SA_A_FLAGS]) : 0;

	json_object_object_add(o, "src", json_str_or_null(addr_str(tb[KIPSEC_SA_A_SRC], b1, sizeof(b1))));
	json_object_object_add(o, "dst", json_str_or_null(addr_str(tb[KIPSEC_SA_A_DST], b1, sizeof(b1))));
	if (tb[KIPSEC_SA_A_PROTO]) {
		uint8_t p = nla_get_u8(tb[KIPSEC_SA_A_PROTO]);
		const char *n = ipsec_proto_name(p);

		json_object_object_add(o, "proto", n ? json_object_new_string(n) : json_object_new_int(p));
	} else {
		json_object_object_add(o, "proto", NULL);
	}
	json_object_object_add(o, "spi", json_u32_or_null(tb[KIPSEC_SA_A_SPI]));
	json_object_object_add(o, "reqid", json_u32_or_null(tb[KIPSEC_SA_A_REQID]));
	json_object_object_add(o, "mode", tb[KIPSEC_SA_A_MODE] ?
			       json_str_or_null(mode_name(nla_get_u8(tb[KIPSEC_SA_A_MODE]))) : NULL);
	json_object_object_add(o, "replay_window", json_u32_or_null(tb[KIPSEC_SA_A_REPLAY_WINDOW]));
	flags = json_object_new_array();
	if (fl & KIPSEC_SA_F_ESN)
		json_object_array_add(flags, json_object_new_string("esn"));
	if (fl & KIPSEC_SA_F_ALLOW_INSECURE)
		json_object_array_add(flags, json_object_new_string("insecure"));
	json_object_object_add(o, "flags", flags);

	alg = NULL;
	if (tb[KIPSEC_SA_A_ENC_ALG]) {
		uint16_t id = nla_get_u16(tb[KIPSEC_SA_A_ENC_ALG]);
		const struct enc_alg *e = algs_enc_by_id(id);

		alg = json_object_new_object();
		json_object_object_add(alg, "id", json_object_new_int(id));
		json_object_object_add(alg, "name", json_str_or_null(e ? e->name : NULL));
		json_object_object_add(alg, "aead", json_object_new_boolean(e && e->aead));
		json_object_object_add(alg, "key_bits", tb[KIPSEC_SA_A_ENC_KEY_BITS] ?
				       json_object_new_int(nla_get_u16(tb[KIPSEC_SA_A_ENC_KEY_BITS])) : NULL);
		json_object_object_add(alg, "icv_bits", e && e->aead ? json_object_new_int(e->icv_bits) : NULL);
	}
	json_object_object_add(o, "enc", alg);
	alg = NULL;
	if (tb[KIPSEC_SA_A_INTEG_ALG]) {
		uint16_t id = nla_get_u16(tb[KIPSEC_SA_A_INTEG_ALG]);
		const struct integ_alg *a = algs_integ_by_id(id);

		alg = json_object_new_object();
		json_object_object_add(alg, "id", json_object_new_int(id));
		json_object_object_add(alg, "name", json_str_or_null(a ? a->name : NULL));
		json_object_object_add(alg, "icv_bits", a ? json_object_new_int(a->icv_bits) : NULL);
	}
	json_object_object_add(o, "integ", alg);
	json_object_object_add(o, "icv_len", tb[KIPSEC_SA_A_ICV_LEN] ?
			       json_object_new_int(nla_get_u8(tb[KIPSEC_SA_A_ICV_LEN])) : NULL);
	json_object_object_add(o, "seq_out", json_u64_or_null(tb[KIPSEC_SA_A_SEQ_OUT]));
	json_object_object_add(o, "seq_in", json_u64_or_null(tb[KIPSEC_SA_A_SEQ_IN]));
	sa_replay_json(o, tb);
	json_object_object_add(o, "encap", encap_json(tb));
	json_object_object_add(o, "stats", counters_json(&v->stats));
	sa_lifetime_json(o, tb);
	return o;
}

struct json_object *sa_to_json(struct nlattr *sa)
{
	struct sa_view v;

	if (sa_decode(sa, &v))
		return NULL;
	return sa_view_json(&v);
}

static void sa_view_text(FILE *f, const struct sa_view *v, bool all)
{
	struct nlattr *const *tb = v->tb;
	char b1[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	const char *s = addr_str(tb[KIPSEC_SA_A_SRC], b1, sizeof(b1));
	const char *d = addr_str(tb[KIPSEC_SA_A_DST], b2, sizeof(b2));
	uint32_t fl = tb[KIPSEC_SA_A_FLAGS] ? nla_get_u32(tb[KIPSEC_SA_A_FLAGS]) : 0;

	fprintf(f, "src %s dst %s\n", s ? s : "?", d ? d : "?");
	fputc('\t', f);
	if (tb[KIPSEC_SA_A_PROTO]) {
		uint8_t p = nla_get_u8(tb[KIPSEC_SA_A_PROTO]);
		const char *n = ipsec_proto_name(p);

		if (n)
			fprintf(f, "proto %s ", n);
		else
			fprintf(f, "proto %u ", p);
	}
	if (tb[KIPSEC_SA_A_SPI]) {
		uint32_t spi = nla_get_u32(tb[KIPSEC_SA_A_SPI]);

		fprintf(f, "spi 0x%08" PRIx32 "(%" PRIu32 ") ", spi, spi);
	}
	if (tb[KIPSEC_SA_A_REQID])
		fprintf(f, "reqid %" PRIu32 " ", nla_get_u32(tb[KIPSEC_SA_A_REQID]));
	if (tb[KIPSEC_SA_A_MODE]) {
		const char *m = mode_name(nla_get_u8(tb[KIPSEC_SA_A_MODE]));

		if (m)
			fprintf(f, "mode %s", m);
		else
			fprintf(f, "mode %u", nla_get_u8(tb[KIPSEC_SA_A_MODE]));
	}
	fputc('\n', f);
	fputc('\t', f);
	if (tb[KIPSEC_SA_A_REPLAY_WINDOW])
		fprintf(f, "replay-window %" PRIu32 " ", nla_get_u32(tb[KIPSEC_SA_A_REPLAY_WINDOW]));
	fprintf(f, "flag%s%s%s\n", fl ? "" : " none", fl & KIPSEC_SA_F_ESN ? " esn" : "",
		fl & KIPSEC_SA_F_ALLOW_INSECURE ? " insecure" : "");
	if (tb[KIPSEC_SA_A_ENC_ALG]) {
		uint16_t id = nla_get_u16(tb[KIPSEC_SA_A_ENC_ALG]);
		const struct enc_alg *e = algs_enc_by_id(id);

		if (!e)
			fprintf(f, "\tenc id %u", id);
		else
			fprintf(f, "\t%s %s", e->aead ? "aead" : "enc", e->name);
		if (tb[KIPSEC_SA_A_ENC_KEY_BITS] && nla_get_u16(tb[KIPSEC_SA_A_ENC_KEY_BITS]))
			fprintf(f, " key %u bits", nla_get_u16(tb[KIPSEC_SA_A_ENC_KEY_BITS]));
		if (e && e->aead)
			fprintf(f, " icv %u bits", e->icv_bits);
		fputc('\n', f);
	}
	if (tb[KIPSEC_SA_A_INTEG_ALG]) {
		uint16_t id = nla_get_u16(tb[KIPSEC_SA_A_INTEG_ALG]);
		const struct integ_alg *a = algs_integ_by_id(id);

		if (a)
			fprintf(f, "\tauth-trunc %s icv %u bits\n", a->name, a->icv_bits);
		else
			fprintf(f, "\tauth id %u\n", id);
	}
	if (tb[KIPSEC_SA_A_ENCAP_TYPE] && nla_get_u8(tb[KIPSEC_SA_A_ENCAP_TYPE]) == KIPSEC_ENCAP_UDP) {
		const char *oa = addr_str(tb[KIPSEC_SA_A_ENCAP_OA], b1, sizeof(b1));
		int v6 = tb[KIPSEC_SA_A_SRC] && nla_len(tb[KIPSEC_SA_A_SRC]) == 16;

		/* ip xfrm's line; an unknown original address prints as 0.0.0.0 / :: */
		fprintf(f, "\tencap type espinudp sport %u dport %u addr %s\n",
			tb[KIPSEC_SA_A_ENCAP_SPORT] ? nla_get_u16(tb[KIPSEC_SA_A_ENCAP_SPORT]) : 0,
			tb[KIPSEC_SA_A_ENCAP_DPORT] ? nla_get_u16(tb[KIPSEC_SA_A_ENCAP_DPORT]) : 0,
			oa ? oa : v6 ? "::" : "0.0.0.0");
	}
	if (tb[KIPSEC_SA_A_SEQ_IN] || tb[KIPSEC_SA_A_SEQ_OUT])
		fprintf(f, "\tanti-replay context: seq 0x%" PRIx64 ", oseq 0x%" PRIx64 "\n",
			tb[KIPSEC_SA_A_SEQ_IN] ? nla_get_u64(tb[KIPSEC_SA_A_SEQ_IN]) : 0,
			tb[KIPSEC_SA_A_SEQ_OUT] ? nla_get_u64(tb[KIPSEC_SA_A_SEQ_OUT]) : 0);
	sa_lifetime_text(f, tb, all);
	sa_replay_text(f, tb);
	fprintf(f, "\tstats:\n");
	counters_text(f, "\t  ", &v->stats, all);
}

/* ----------------------------------------------------------- policies */

static const char *dir_name(uint8_t d)
{
	switch (d) {
	case KIPSEC_DIR_IN:
		return "in";
	case KIPSEC_DIR_OUT:
		return "out";
	case KIPSEC_DIR_FWD:
		return "fwd";
	default:
		return NULL;
	}
}

static const char *action_name(uint8_t a)
{
	switch (a) {
	case KIPSEC_ACTION_PROTECT:
		return "protect";
	case KIPSEC_ACTION_BYPASS:
		return "bypass";
	case KIPSEC_ACTION_DISCARD:
		return "discard";
	default:
		return NULL;
	}
}

#define POL_MAX_TMPLS 8	/* tolerate more than KIPSEC_TMPLS_MAX in replies */

struct pol_view {
	struct nlattr *tb[KIPSEC_POL_A_MAX + 1];
	struct nlattr *tmpl[POL_MAX_TMPLS][KIPSEC_TMPL_A_MAX + 1];
	int ntmpls;
	struct counters stats;
	uint16_t family;
	char src[INET6_ADDRSTRLEN + 8], dst[INET6_ADDRSTRLEN + 8];
	uint16_t sport[2], dport[2];
};

/* "ADDR/PLEN", or "any" for a selector that is not restricted by family. */
static int sel_addr(char *out, size_t cap, struct nlattr *a, struct nlattr *plen,
		    uint16_t family)
{
	char b[INET6_ADDRSTRLEN];
	unsigned int max, pl;

	if (!a) {
		if (family == AF_INET)
			snprintf(out, cap, "0.0.0.0/0");
		else if (family == AF_INET6)
			snprintf(out, cap, "::/0");
		else
			snprintf(out, cap, "any");
		return 0;
	}
	if (!addr_str(a, b, sizeof(b)))
		return -1;
	max = (unsigned int)nla_len(a) * 8;
	pl = plen ? nla_get_u8(plen) : max;
	if (pl > max)
		return -1;
	snprintf(out, cap, "%s/%u", b, pl);
	return 0;
}

static int pol_decode(struct nlattr *nest, struct pol_view *v)
{
	struct nlattr **tb = v->tb, *t;
	int rem;

	memset(v, 0, sizeof(*v));
	if (!nest || nla_parse_nested(tb, KIPSEC_POL_A_MAX, nest, pol_pol))
		return -1;
	if (tb[KIPSEC_POL_A_SEL_FAMILY])
		v->family = nla_get_u16(tb[KIPSEC_POL_A_SEL_FAMILY]);
	else if (tb[KIPSEC_POL_A_SEL_SRC] || tb[KIPSEC_POL_A_SEL_DST]) {
		struct nlattr *a = tb[KIPSEC_POL_A_SEL_SRC] ? tb[KIPSEC_POL_A_SEL_SRC]
							    : tb[KIPSEC_POL_A_SEL_DST];

		v->family = nla_len(a) == 4 ? AF_INET : AF_INET6;
	}
	if (sel_addr(v->src, sizeof(v->src), tb[KIPSEC_POL_A_SEL_SRC],
		     tb[KIPSEC_POL_A_SEL_SRC_PLEN], v->family) ||
	    sel_addr(v->dst, sizeof(v->dst), tb[KIPSEC_POL_A_SEL_DST],
		     tb[KIPSEC_POL_A_SEL_DST_PLEN], v->family))
		return -1;
	v->sport[0] = tb[KIPSEC_POL_A_SEL_SPORT_MIN] ? nla_get_u16(tb[KIPSEC_POL_A_SEL_SPORT_MIN]) : 0;
	v->sport[1] = tb[KIPSEC_POL_A_SEL_SPORT_MAX] ? nla_get_u16(tb[KIPSEC_POL_A_SEL_SPORT_MAX]) : 65535;
	v->dport[0] = tb[KIPSEC_POL_A_SEL_DPORT_MIN] ? nla_get_u16(tb[KIPSEC_POL_A_SEL_DPORT_MIN]) : 0;
	v->dport[1] = tb[KIPSEC_POL_A_SEL_DPORT_MAX] ? nla_get_u16(tb[KIPSEC_POL_A_SEL_DPORT_MAX]) : 65535;
	if (tb[KIPSEC_POL_A_TMPLS]) {
		nla_for_each_nested(t, tb[KIPSEC_POL_A_TMPLS], rem) {
			struct nlattr **tt;

			if (nla_type(t) != KIPSEC_TMPLS_A_TMPL || v->ntmpls >= POL_MAX_TMPLS)
				return -1;
			tt = v->tmpl[v->ntmpls++];
			if (nla_parse_nested(tt, KIPSEC_TMPL_A_MAX, t, tmpl_pol))
				return -1;
			if (!addr_ok(tt[KIPSEC_TMPL_A_SRC]) || !addr_ok(tt[KIPSEC_TMPL_A_DST]))
				return -1;
		}
	}
	return get_counters(tb[KIPSEC_POL_A_STATS], &v->stats);
}

static bool is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

static struct json_object *pol_view_json(const struct pol_view *v)
{
	struct nlattr *const *tb = v->tb;
	struct json_object *o = json_object_new_object(), *arr;
	uint8_t proto = tb[KIPSEC_POL_A_SEL_PROTO] ? nla_get_u8(tb[KIPSEC_POL_A_SEL_PROTO]) : 0;
	char b[INET6_ADDRSTRLEN];
	int i;

	json_object_object_add(o, "id", json_u32_or_null(tb[KIPSEC_POL_A_ID]));
	json_object_object_add(o, "dir", tb[KIPSEC_POL_A_DIR] ?
			       json_str_or_null(dir_name(nla_get_u8(tb[KIPSEC_POL_A_DIR]))) : NULL);
	json_object_object_add(o, "priority", tb[KIPSEC_POL_A_PRIORITY] ?
			       json_object_new_int64(nla_get_u32(tb[KIPSEC_POL_A_PRIORITY])) :
			       json_object_new_int(0));
	json_object_object_add(o, "action", tb[KIPSEC_POL_A_ACTION] ?
			       json_str_or_null(action_name(nla_get_u8(tb[KIPSEC_POL_A_ACTION]))) : NULL);
	json_object_object_add(o, "family", json_object_new_string(
		v->family == AF_INET ? "inet" : v->family == AF_INET6 ? "inet6" : "any"));
	json_object_object_add(o, "src", json_object_new_string(v->src));
	json_object_object_add(o, "dst", json_object_new_string(v->dst));
	json_object_object_add(o, "proto", json_object_new_int(proto));
	json_object_object_add(o, "proto_name", json_str_or_null(proto ? ipproto_name(proto) : "any"));
	json_object_object_add(o, "sport_min", json_object_new_int(v->sport[0]));
	json_object_object_add(o, "sport_max", json_object_new_int(v->sport[1]));
	json_object_object_add(o, "dport_min", json_object_new_int(v->dport[0]));
	json_object_object_add(o, "dport_max", json_object_new_int(v->dport[1]));
	arr = json_object_new_array();
	for (i = 0; i < v->ntmpls; i++) {
		struct nlattr *const *t = v->tmpl[i];
		struct json_object *to = json_object_new_object();
		uint8_t p = t[KIPSEC_TMPL_A_PROTO] ? nla_get_u8(t[KIPSEC_TMPL_A_PROTO]) : KIPSEC_PROTO_ESP;
		uint8_t m = t[KIPSEC_TMPL_A_MODE] ? nla_get_u8(t[KIPSEC_TMPL_A_MODE]) : KIPSEC_MODE_TRANSPORT;
		const char *pn = ipsec_proto_name(p), *mn = mode_name(m);

		json_object_object_add(to, "proto", pn ? json_object_new_string(pn) : json_object_new_int(p));
		json_object_object_add(to, "mode", mn ? json_object_new_string(mn) : json_object_new_int(m));
		json_object_object_add(to, "reqid", json_object_new_int64(t[KIPSEC_TMPL_A_REQID] ?
						nla_get_u32(t[KIPSEC_TMPL_A_REQID]) : 0));
		json_object_object_add(to, "spi", json_object_new_int64(t[KIPSEC_TMPL_A_SPI] ?
						nla_get_u32(t[KIPSEC_TMPL_A_SPI]) : 0));
		json_object_object_add(to, "src", json_str_or_null(addr_str(t[KIPSEC_TMPL_A_SRC], b, sizeof(b))));
		json_object_object_add(to, "dst", json_str_or_null(addr_str(t[KIPSEC_TMPL_A_DST], b, sizeof(b))));
		json_object_object_add(to, "level", json_object_new_string(
			t[KIPSEC_TMPL_A_OPTIONAL] ? "use" : "required"));
		json_object_array_add(arr, to);
	}
	json_object_object_add(o, "tmpls", arr);
	json_object_object_add(o, "stats", counters_json(&v->stats));
	sa_lifetime_json(o, tb);
	return o;
}

struct json_object *policy_to_json(struct nlattr *pol)
{
	struct pol_view v;

	if (pol_decode(pol, &v))
		return NULL;
	return pol_view_json(&v);
}

static void port_text(FILE *f, const char *key, const uint16_t r[2])
{
	if (r[0] == 0 && r[1] == 65535)
		return;
	if (r[0] == r[1])
		fprintf(f, " %s %u", key, r[0]);
	else
		fprintf(f, " %s %u-%u", key, r[0], r[1]);
}

static void pol_view_text(FILE *f, const struct pol_view *v, bool all)
{
	struct nlattr *const *tb = v->tb;
	uint8_t proto = tb[KIPSEC_POL_A_SEL_PROTO] ? nla_get_u8(tb[KIPSEC_POL_A_SEL_PROTO]) : 0;
	char b1[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	int i;

	fprintf(f, "src %s dst %s", v->src, v->dst);
	if (proto) {
		const char *n = ipproto_name(proto);

		if (n)
			fprintf(f, " proto %s", n);
		else
			fprintf(f, " proto %u", proto);
		if (is_icmp(proto)) {
			if (v->sport[0] == v->sport[1])
				fprintf(f, " type %u", v->sport[0]);
			if (v->dport[0] == v->dport[1])
				fprintf(f, " code %u", v->dport[0]);
		} else {
			port_text(f, "sport", v->sport);
			port_text(f, "dport", v->dport);
		}
	}
	fputc('\n', f);
	fputc('\t', f);
	if (tb[KIPSEC_POL_A_DIR]) {
		uint8_t d = nla_get_u8(tb[KIPSEC_POL_A_DIR]);

		if (dir_name(d))
			fprintf(f, "dir %s ", dir_name(d));
		else
			fprintf(f, "dir %u ", d);
	}
	fprintf(f, "priority %" PRIu32,
		tb[KIPSEC_POL_A_PRIORITY] ? nla_get_u32(tb[KIPSEC_POL_A_PRIORITY]) : 0);
	if (tb[KIPSEC_POL_A_ID])
		fprintf(f, " id %" PRIu32, nla_get_u32(tb[KIPSEC_POL_A_ID]));
	if (tb[KIPSEC_POL_A_ACTION]) {
		uint8_t a = nla_get_u8(tb[KIPSEC_POL_A_ACTION]);

		if (action_name(a))
			fprintf(f, " action %s", action_name(a));
		else
			fprintf(f, " action %u", a);
	}
	fputc('\n', f);
	for (i = 0; i < v->ntmpls; i++) {
		struct nlattr *const *t = v->tmpl[i];
		const char *s = addr_str(t[KIPSEC_TMPL_A_SRC], b1, sizeof(b1));
		const char *d = addr_str(t[KIPSEC_TMPL_A_DST], b2, sizeof(b2));
		uint8_t p = t[KIPSEC_TMPL_A_PROTO] ? nla_get_u8(t[KIPSEC_TMPL_A_PROTO]) : KIPSEC_PROTO_ESP;
		uint8_t m = t[KIPSEC_TMPL_A_MODE] ? nla_get_u8(t[KIPSEC_TMPL_A_MODE]) : KIPSEC_MODE_TRANSPORT;
		uint32_t spi = t[KIPSEC_TMPL_A_SPI] ? nla_get_u32(t[KIPSEC_TMPL_A_SPI]) : 0;

		/* Like ip xfrm: a transport template without addresses shows "any". */
		const char *any = v->family == AF_INET6 ? "::" : "0.0.0.0";

		fprintf(f, "\ttmpl src %s dst %s\n", s ? s : any, d ? d : any);
		fprintf(f, "\t\tproto %s spi 0x%08" PRIx32 " reqid %" PRIu32 " mode %s level %s\n",
			ipsec_proto_name(p) ? ipsec_proto_name(p) : "?", spi,
			t[KIPSEC_TMPL_A_REQID] ? nla_get_u32(t[KIPSEC_TMPL_A_REQID]) : 0,
			mode_name(m) ? mode_name(m) : "?",
			t[KIPSEC_TMPL_A_OPTIONAL] ? "use" : "required");
	}
	if (v->stats.present || all) {
		fprintf(f, "\tstats:\n");
		counters_text(f, "\t  ", &v->stats, all);
	}
}

/* ------------------------------------------------------------ printer */

void printer_init(struct printer *p, const struct cli_opts *o, FILE *f)
{
	memset(p, 0, sizeof(*p));
	p->o = o;
	p->f = f;
	if (o->json)
		p->arr = json_object_new_array();
}

static void emit_json(struct printer *p, struct json_object *obj)
{
	json_object_array_add(p->arr, obj);
}

int print_sa(struct printer *p, struct nlattr *sa)
{
	struct sa_view v;

	if (sa_decode(sa, &v))
		return -1;
	if (p->arr)
		emit_json(p, sa_view_json(&v));
	else
		sa_view_text(p->f, &v, p->o->stats);
	p->count++;
	return 0;
}

int print_policy(struct printer *p, struct nlattr *pol)
{
	struct pol_view v;

	if (pol_decode(pol, &v))
		return -1;
	if (p->arr)
		emit_json(p, pol_view_json(&v));
	else
		pol_view_text(p->f, &v, p->o->stats);
	p->count++;
	return 0;
}

struct json_object *stats_to_json(struct nlattr *stats)
{
	struct counters c;

	if (!stats || get_counters(stats, &c))
		return NULL;
	return counters_json(&c);
}

int print_stats(struct printer *p, struct nlattr *stats)
{
	struct counters c;
	size_t i;

	if (!stats || get_counters(stats, &c))
		return -1;
	if (p->arr) {
		emit_json(p, counters_json(&c));
		return 0;
	}
	/* Namespace totals: every counter, one per line, zero or not. */
	for (i = 0; i < N(counters); i++)
		fprintf(p->f, "%-18s %" PRIu64 "\n", counters[i].key,
			c.v[counters[i].attr]);
	return 0;
}

void printer_finish(struct printer *p)
{
	if (!p->arr)
		return;
	fprintf(p->f, "%s\n", json_object_to_json_string_ext(p->arr,
		p->o->pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				       JSON_C_TO_STRING_NOSLASHESCAPE :
			       JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(p->arr);
	p->arr = NULL;
}
