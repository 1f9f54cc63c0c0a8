// SPDX-License-Identifier: GPL-2.0
/*
 * Printers fed with messages built as the kernel sends them: JSON checked by
 * parsing it back with json-c, text checked for the ip-xfrm-style lines.
 */
#include "tap.h"
#include "nl.h"
#include "output.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/genl.h>

#include <linux/kipsec.h>

/* Counters as the kernel puts them: nla_put_u64_64bit style, with a PAD. */
static void put_stats(struct nl_msg *m, int type, uint64_t packets, uint64_t auth)
{
	struct nlattr *n = nla_nest_start(m, type);

	nla_put(m, KIPSEC_STATS_A_PAD, 0, NULL);
	nla_put_u64(m, KIPSEC_STATS_A_PACKETS, packets);
	nla_put_u64(m, KIPSEC_STATS_A_BYTES, packets * 100);
	nla_put_u64(m, KIPSEC_STATS_A_DROP_AUTH, auth);
	nla_put_u64(m, KIPSEC_STATS_A_DROP_REPLAY, 0);
	nla_nest_end(m, n);
}

static struct nl_msg *sa_reply(int src_len)
{
	struct nl_msg *m = knl_msg_new(0, KIPSEC_CMD_SA_GET, 0);
	struct nlattr *n = nla_nest_start(m, KIPSEC_A_SA);

	nla_put(m, KIPSEC_SA_A_SRC, src_len, "\x0a\x00\x00\x01\x00");
	nla_put(m, KIPSEC_SA_A_DST, 4, "\x0a\x00\x00\x02");
	nla_put_u32(m, KIPSEC_SA_A_SPI, 0x1000);
	nla_put_u8(m, KIPSEC_SA_A_PROTO, KIPSEC_PROTO_ESP);
	nla_put_u8(m, KIPSEC_SA_A_MODE, KIPSEC_MODE_TUNNEL);
	nla_put_u32(m, KIPSEC_SA_A_REQID, 1);
	nla_put_u16(m, KIPSEC_SA_A_ENC_ALG, KIPSEC_ENC_AES_GCM_16);
	nla_put_u16(m, KIPSEC_SA_A_ENC_KEY_BITS, 128);
	nla_put_u8(m, KIPSEC_SA_A_ICV_LEN, 16);
	nla_put_u32(m, KIPSEC_SA_A_REPLAY_WINDOW, 64);
	nla_put_u32(m, KIPSEC_SA_A_FLAGS, KIPSEC_SA_F_ESN);
	nla_put_u64(m, KIPSEC_SA_A_SEQ_OUT, 5000000000ULL);
	nla_put_u64(m, KIPSEC_SA_A_SEQ_IN, 7);
	put_stats(m, KIPSEC_SA_A_STATS, 10, 3);
	nla_nest_end(m, n);
	return m;
}

static struct nl_msg *policy_reply(void)
{
	struct nl_msg *m = knl_msg_new(0, KIPSEC_CMD_POLICY_GET, 0);
	struct nlattr *n = nla_nest_start(m, KIPSEC_A_POLICY), *ts, *t;

	nla_put_u32(m, KIPSEC_POL_A_ID, 9);
	nla_put_u8(m, KIPSEC_POL_A_DIR, KIPSEC_DIR_OUT);
	nla_put_u32(m, KIPSEC_POL_A_PRIORITY, 100);
	nla_put_u8(m, KIPSEC_POL_A_ACTION, KIPSEC_ACTION_PROTECT);
	nla_put_u16(m, KIPSEC_POL_A_SEL_FAMILY, AF_INET);
	nla_put(m, KIPSEC_POL_A_SEL_SRC, 4, "\xc0\xa8\x01\x00");
	nla_put_u8(m, KIPSEC_POL_A_SEL_SRC_PLEN, 24);
	nla_put(m, KIPSEC_POL_A_SEL_DST, 4, "\xc0\xa8\x02\x00");
	nla_put_u8(m, KIPSEC_POL_A_SEL_DST_PLEN, 24);
	nla_put_u8(m, KIPSEC_POL_A_SEL_PROTO, IPPROTO_TCP);
	nla_put_u16(m, KIPSEC_POL_A_SEL_SPORT_MIN, 0);
	nla_put_u16(m, KIPSEC_POL_A_SEL_SPORT_MAX, 65535);
	nla_put_u16(m, KIPSEC_POL_A_SEL_DPORT_MIN, 1000);
	nla_put_u16(m, KIPSEC_POL_A_SEL_DPORT_MAX, 2000);
	ts = nla_nest_start(m, KIPSEC_POL_A_TMPLS);
	t = nla_nest_start(m, KIPSEC_TMPLS_A_TMPL);
	nla_put_u8(m, KIPSEC_TMPL_A_PROTO, KIPSEC_PROTO_ESP);
	nla_put_u8(m, KIPSEC_TMPL_A_MODE, KIPSEC_MODE_TUNNEL);
	nla_put_u32(m, KIPSEC_TMPL_A_REQID, 1);
	nla_put(m, KIPSEC_TMPL_A_SRC, 4, "\x0a\x00\x00\x01");
	nla_put(m, KIPSEC_TMPL_A_DST, 4, "\x0a\x00\x00\x02");
	nla_put_flag(m, KIPSEC_TMPL_A_OPTIONAL);
	nla_nest_end(m, t);
	nla_nest_end(m, ts);
	put_stats(m, KIPSEC_POL_A_STATS, 4, 0);
	nla_nest_end(m, n);
	return m;
}

/* Serialize and parse back with json-c, as a consumer of -j would. */
static struct json_object *roundtrip(struct json_object *o)
{
	struct json_object *back = NULL;

	if (o)
		back = json_tokener_parse(json_object_to_json_string(o));
	json_object_put(o);
	return back;
}

static const char *jstr(struct json_object *o, const char *path1, const char *path2)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, path1, &v))
		return NULL;
	if (path2 && !json_object_object_get_ex(v, path2, &v))
		return NULL;
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static long long jnum(struct json_object *o, const char *path1, const char *path2)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, path1, &v))
		return -1;
	if (path2 && !json_object_object_get_ex(v, path2, &v))
		return -1;
	return json_object_is_type(v, json_type_int) ? (long long)json_object_get_uint64(v) : -1;
}

static void sa_json(void)
{
	struct nl_msg *m = sa_reply(4);
	struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct json_object *o, *v;

	ok(!knl_parse_reply(nlmsg_hdr(m), tb) && tb[KIPSEC_A_SA], "SA reply parses");
	o = roundtrip(sa_to_json(tb[KIPSEC_A_SA]));
	ok(o != NULL, "SA JSON parses back");
	is_str(jstr(o, "src", NULL), "10.0.0.1", "  src");
	is_str(jstr(o, "dst", NULL), "10.0.0.2", "  dst");
	is_str(jstr(o, "proto", NULL), "esp", "  proto");
	is_num(jnum(o, "spi", NULL), 4096, "  spi as a number");
	is_num(jnum(o, "reqid", NULL), 1, "  reqid");
	is_str(jstr(o, "mode", NULL), "tunnel", "  mode");
	is_num(jnum(o, "replay_window", NULL), 64, "  replay_window");
	ok(json_object_object_get_ex(o, "flags", &v) && json_object_array_length(v) == 1 &&
	   !strcmp(json_object_get_string(json_object_array_get_idx(v, 0)), "esn"), "  flags [esn]");
	is_str(jstr(o, "enc", "name"), "rfc4106(gcm(aes))", "  enc.name");
	is_num(jnum(o, "enc", "id"), KIPSEC_ENC_AES_GCM_16, "  enc.id");
	is_num(jnum(o, "enc", "key_bits"), 128, "  enc.key_bits");
	is_num(jnum(o, "enc", "icv_bits"), 128, "  enc.icv_bits");
	ok(json_object_object_get_ex(o, "integ", &v) && v == NULL, "  integ is null");
	is_num(jnum(o, "icv_len", NULL), 16, "  icv_len");
	is_num(jnum(o, "seq_out", NULL), 5000000000LL, "  seq_out beyond 32 bits");
	is_num(jnum(o, "seq_in", NULL), 7, "  seq_in");
	is_num(jnum(o, "stats", "packets"), 10, "  stats.packets");
	is_num(jnum(o, "stats", "bytes"), 1000, "  stats.bytes");
	is_num(jnum(o, "stats", "drop_auth"), 3, "  stats.drop_auth");
	is_num(jnum(o, "stats", "drop_mtu"), 0, "  absent counter is 0");
	json_object_put(o);
	nlmsg_free(m);

	m = sa_reply(5);
	ok(!knl_parse_reply(nlmsg_hdr(m), tb) && !sa_to_json(tb[KIPSEC_A_SA]),
	   "5-byte address refused as malformed");
	nlmsg_free(m);
}

static char *capture(struct nlattr **tb, bool json, bool stats, bool policy)
{
	struct cli_opts o = { .json = json, .stats = stats };
	struct printer p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	printer_init(&p, &o, f);
	rc = policy ? print_policy(&p, tb[KIPSEC_A_POLICY]) : print_sa(&p, tb[KIPSEC_A_SA]);
	printer_finish(&p);
	fclose(f);
	if (rc) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void sa_text(void)
{
	struct nl_msg *m = sa_reply(4);
	struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct json_object *arr;
	char *out;

	knl_parse_reply(nlmsg_hdr(m), tb);
	out = capture(tb, false, false, false);
	ok(out && strstr(out, "src 10.0.0.1 dst 10.0.0.2\n"), "text: src/dst line");
	ok(out && strstr(out, "\tproto esp spi 0x00001000(4096) reqid 1 mode tunnel\n"),
	   "text: proto/spi/reqid/mode line");
	ok(out && strstr(out, "\treplay-window 64 flag esn\n"), "text: replay-window and flags");
	ok(out && strstr(out, "\taead rfc4106(gcm(aes)) key 128 bits icv 128 bits\n"),
	   "text: algorithm by name");
	ok(out && strstr(out, "anti-replay context: seq 0x7, oseq 0x12a05f200"), "text: sequence numbers");
	ok(out && strstr(out, "\t  packets 10 bytes 1000\n"), "text: packets and bytes");
	ok(out && strstr(out, "\t  drops: auth 3\n"), "text: nonzero drops only");
	free(out);
	out = capture(tb, false, true, false);
	ok(out && strstr(out, "drops: replay 0 auth 3 pad 0 no-sa 0"), "text -s: every counter");
	free(out);
	out = capture(tb, true, false, false);
	arr = out ? json_tokener_parse(out) : NULL;
	ok(arr && json_object_is_type(arr, json_type_array) && json_object_array_length(arr) == 1,
	   "-j prints an array with one object");
	ok(out && strstr(out, "\"src\":\"10.0.0.1\""), "-j output is compact");
	json_object_put(arr);
	free(out);
	nlmsg_free(m);
}

static void policy_out(void)
{
	struct nl_msg *m = policy_reply();
	struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct json_object *o, *t, *tm;
	char *out;

	ok(!knl_parse_reply(nlmsg_hdr(m), tb) && tb[KIPSEC_A_POLICY], "policy reply parses");
	o = roundtrip(policy_to_json(tb[KIPSEC_A_POLICY]));
	ok(o != NULL, "policy JSON parses back");
	is_num(jnum(o, "id", NULL), 9, "  id");
	is_str(jstr(o, "dir", NULL), "out", "  dir");
	is_num(jnum(o, "priority", NULL), 100, "  priority");
	is_str(jstr(o, "action", NULL), "protect", "  action");
	is_str(jstr(o, "family", NULL), "inet", "  family");
	is_str(jstr(o, "src", NULL), "192.168.1.0/24", "  src prefix");
	is_str(jstr(o, "dst", NULL), "192.168.2.0/24", "  dst prefix");
	is_num(jnum(o, "proto", NULL), IPPROTO_TCP, "  proto");
	is_str(jstr(o, "proto_name", NULL), "tcp", "  proto_name");
	is_num(jnum(o, "dport_min", NULL), 1000, "  dport_min");
	is_num(jnum(o, "dport_max", NULL), 2000, "  dport_max");
	is_num(jnum(o, "sport_max", NULL), 65535, "  sport_max");
	ok(json_object_object_get_ex(o, "tmpls", &t) && json_object_array_length(t) == 1,
	   "  one tmpl");
	tm = t ? json_object_array_get_idx(t, 0) : NULL;
	is_str(jstr(tm, "mode", NULL), "tunnel", "  tmpl mode");
	is_str(jstr(tm, "src", NULL), "10.0.0.1", "  tmpl src");
	is_str(jstr(tm, "level", NULL), "use", "  tmpl level");
	is_num(jnum(tm, "reqid", NULL), 1, "  tmpl reqid");
	is_num(jnum(o, "stats", "packets"), 4, "  stats.packets");
	json_object_put(o);

	out = capture(tb, false, false, true);
	ok(out && strstr(out, "src 192.168.1.0/24 dst 192.168.2.0/24 proto tcp dport 1000-2000\n"),
	   "text: selector line");
	ok(out && strstr(out, "\tdir out priority 100 id 9 action protect\n"), "text: dir line");
	ok(out && strstr(out, "\ttmpl src 10.0.0.1 dst 10.0.0.2\n"
			      "\t\tproto esp spi 0x00000000 reqid 1 mode tunnel level use\n"),
	   "text: tmpl lines");
	ok(out && strstr(out, "packets 4 bytes 400"), "text: counters");
	free(out);
	nlmsg_free(m);
}

/* IPv6 bypass-free protect policy with a transport tmpl that has no addresses. */
static void policy_v6(void)
{
	struct nl_msg *m = knl_msg_new(0, KIPSEC_CMD_POLICY_GET, 0);
	struct nlattr *n = nla_nest_start(m, KIPSEC_A_POLICY), *ts, *t;
	struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct json_object *o, *arr;
	char *out;

	nla_put_u8(m, KIPSEC_POL_A_DIR, KIPSEC_DIR_IN);
	nla_put_u8(m, KIPSEC_POL_A_ACTION, KIPSEC_ACTION_PROTECT);
	nla_put_u16(m, KIPSEC_POL_A_SEL_FAMILY, AF_INET6);
	nla_put(m, KIPSEC_POL_A_SEL_SRC, 16, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0");
	nla_put_u8(m, KIPSEC_POL_A_SEL_SRC_PLEN, 32);
	ts = nla_nest_start(m, KIPSEC_POL_A_TMPLS);
	t = nla_nest_start(m, KIPSEC_TMPLS_A_TMPL);
	nla_put_u8(m, KIPSEC_TMPL_A_MODE, KIPSEC_MODE_TRANSPORT);
	nla_nest_end(m, t);
	nla_nest_end(m, ts);
	nla_nest_end(m, n);
	knl_parse_reply(nlmsg_hdr(m), tb);
	out = capture(tb, false, false, true);
	ok(out && strstr(out, "src 2001:db8::/32 dst ::/0\n"), "text: IPv6 selector, dst any of the family");
	ok(out && strstr(out, "\ttmpl src :: dst ::\n\t\tproto esp spi 0x00000000 reqid 0 mode transport"),
	   "text: transport tmpl without addresses, defaults shown");
	free(out);
	o = roundtrip(policy_to_json(tb[KIPSEC_A_POLICY]));
	is_str(jstr(o, "dst", NULL), "::/0", "JSON: dst ::/0");
	ok(json_object_object_get_ex(o, "id", &arr) && arr == NULL, "JSON: absent id is null");
	json_object_put(o);
	nlmsg_free(m);
}

static void stats_out(void)
{
	struct nl_msg *m = knl_msg_new(0, KIPSEC_CMD_STATS_GET, 0);
	struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct json_object *o;
	struct nlattr *n;

	put_stats(m, KIPSEC_A_STATS, 1, 2);
	ok(!knl_parse_reply(nlmsg_hdr(m), tb) && tb[KIPSEC_A_STATS], "stats reply parses");
	o = roundtrip(stats_to_json(tb[KIPSEC_A_STATS]));
	is_num(jnum(o, "drop_auth", NULL), 2, "stats JSON drop_auth");
	is_num(jnum(o, "drop_nosa", NULL), 0, "stats JSON has every key");
	json_object_put(o);
	nlmsg_free(m);

	/* A counter of the wrong width is malformed, not silently misread. */
	m = knl_msg_new(0, KIPSEC_CMD_STATS_GET, 0);
	n = nla_nest_start(m, KIPSEC_A_STATS);
	nla_put_u32(m, KIPSEC_STATS_A_PACKETS, 1);
	nla_nest_end(m, n);
	ok(!knl_parse_reply(nlmsg_hdr(m), tb) && !stats_to_json(tb[KIPSEC_A_STATS]),
	   "32-bit counter refused as malformed");
	nlmsg_free(m);
}

/* LIFETIME, CURRENT and FLAGS_STATE: text blocks and JSON objects. */
static void sa_lifetimes(void)
{
	struct nl_msg *m = knl_msg_new(0, KIPSEC_CMD_SA_GET, 0);
	struct nlattr *n = nla_nest_start(m, KIPSEC_A_SA), *l;
	struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct json_object *o;
	char *out;

	nla_put(m, KIPSEC_SA_A_SRC, 4, "\x0a\x00\x00\x01");
	nla_put(m, KIPSEC_SA_A_DST, 4, "\x0a\x00\x00\x02");
	nla_put_u32(m, KIPSEC_SA_A_SPI, 0x1000);
	nla_put_u32(m, KIPSEC_SA_A_FLAGS_STATE, KIPSEC_SA_S_SOFT_EXPIRED);
	l = nla_nest_start(m, KIPSEC_SA_A_LIFETIME);
	nla_put_u64(m, KIPSEC_LFT_A_SOFT_PACKETS, 5);
	nla_put_u64(m, KIPSEC_LFT_A_HARD_PACKETS, 10);
	nla_put_u64(m, KIPSEC_LFT_A_HARD_ADD_SECS, 60);
	nla_put_u64(m, KIPSEC_LFT_A_SOFT_BYTES, 0);
	nla_nest_end(m, l);
	l = nla_nest_start(m, KIPSEC_SA_A_CURRENT);
	nla_put_u64(m, KIPSEC_LFT_A_BYTES, 700);
	nla_put_u64(m, KIPSEC_LFT_A_PACKETS, 7);
	nla_put_u64(m, KIPSEC_LFT_A_ADD_SECS, 12);
	nla_nest_end(m, l);
	nla_nest_end(m, n);

	knl_parse_reply(nlmsg_hdr(m), tb);
	out = capture(tb, false, false, false);
	ok(out && strstr(out, "\tlifetime config:\n\t  limit: soft none, hard none\n"
			      "\t  limit: soft 5(packets), hard 10(packets)\n"
			      "\t  expire add: soft none, hard 60(sec)\n"
			      "\t  expire use: soft none, hard none\n"), "text: lifetime config");
	ok(out && strstr(out, "\tlifetime current:\n\t  700(bytes), 7(packets)\n"
			      "\t  add 12(sec ago) use never\n\texpired: soft\n"),
	   "text: lifetime current, unused, soft-expired");
	free(out);

	o = sa_to_json(tb[KIPSEC_A_SA]);
	is_num(jnum(o, "lifetime", "hard_packets"), 10, "json: lifetime.hard_packets");
	is_num(jnum(o, "lifetime", "soft_use_secs"), 0, "json: absent limit is 0");
	is_num(jnum(o, "current", "packets"), 7, "json: current.packets");
	ok(o && json_object_object_get_ex(json_object_object_get(o, "current"), "use_secs", NULL) &&
	   !json_object_object_get(json_object_object_get(o, "current"), "use_secs"),
	   "json: current.use_secs null while unused");
	ok(o && !strcmp(json_object_get_string(json_object_object_get(o, "expired")), "soft"),
	   "json: expired soft");
	json_object_put(o);
	nlmsg_free(m);
}

void test_output(void)
{
	sa_json();
	sa_text();
	sa_lifetimes();
	policy_out();
	policy_v6();
	stats_out();
}
