// SPDX-License-Identifier: GPL-2.0
/*
 * `kipsec monitor` decoding and the observability additions to the SA
 * listing (replay bitmap, event counters), fed with messages built as the
 * kernel sends them.
 */
#include "tap.h"
#include "monitor.h"
#include "nl.h"
#include "output.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include <linux/kipsec.h>

static const char *js(struct json_object *o, const char *a, const char *b)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b && !json_object_object_get_ex(v, b, &v))
		return NULL;
	return v ? json_object_get_string(v) : NULL;
}

static struct nl_msg *acquire_event(int addr_len)
{
	struct nl_msg *m = knl_msg_new(0, KIPSEC_CMD_ACQUIRE, 0);
	struct nlattr *n = nla_nest_start(m, KIPSEC_A_POLICY), *ts, *t;

	nla_put_u32(m, KIPSEC_POL_A_ID, 7);
	nla_put_u8(m, KIPSEC_POL_A_DIR, KIPSEC_DIR_OUT);
	nla_put_u8(m, KIPSEC_POL_A_ACTION, KIPSEC_ACTION_PROTECT);
	nla_put_u16(m, KIPSEC_POL_A_SEL_FAMILY, AF_INET);
	nla_put(m, KIPSEC_POL_A_SEL_SRC, 4, "\x0a\x00\x00\x01");
	nla_put_u8(m, KIPSEC_POL_A_SEL_SRC_PLEN, 32);
	nla_put(m, KIPSEC_POL_A_SEL_DST, 4, "\x0a\x00\x00\x02");
	nla_put_u8(m, KIPSEC_POL_A_SEL_DST_PLEN, 32);
	ts = nla_nest_start(m, KIPSEC_POL_A_TMPLS);
	t = nla_nest_start(m, KIPSEC_TMPLS_A_TMPL);
	nla_put_u8(m, KIPSEC_TMPL_A_PROTO, KIPSEC_PROTO_ESP);
	nla_put_u8(m, KIPSEC_TMPL_A_MODE, KIPSEC_MODE_TRANSPORT);
	nla_put_u32(m, KIPSEC_TMPL_A_REQID, 42);
	nla_nest_end(m, t);
	nla_nest_end(m, ts);
	nla_nest_end(m, n);
	n = nla_nest_start(m, KIPSEC_A_ACQUIRE);
	nla_put(m, KIPSEC_ACQ_A_SRC, addr_len, "\x0a\x00\x00\x01\x00");
	nla_put(m, KIPSEC_ACQ_A_DST, 4, "\x0a\x00\x00\x02");
	nla_put_u8(m, KIPSEC_ACQ_A_PROTO, IPPROTO_UDP);
	nla_put_u16(m, KIPSEC_ACQ_A_SPORT, 40000);
	nla_put_u16(m, KIPSEC_ACQ_A_DPORT, 5555);
	nla_put_u8(m, KIPSEC_ACQ_A_TMPL, 0);
	nla_nest_end(m, n);
	return m;
}

static void acquire(void)
{
	struct nl_msg *m = acquire_event(4);
	struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct json_object *o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ok(!knl_parse_reply(nlmsg_hdr(m), tb), "ACQUIRE event parses");
	o = event_to_json(KIPSEC_CMD_ACQUIRE, tb);
	is_str(js(o, "event", NULL), "acquire", "JSON: event name");
	is_str(js(o, "policy", "id"), "7", "JSON: policy id");
	is_str(js(o, "policy", "dst"), "10.0.0.2/32", "JSON: policy selector");
	is_str(js(o, "acquire", "src"), "10.0.0.1", "JSON: packet source");
	is_str(js(o, "acquire", "proto_name"), "udp", "JSON: packet protocol");
	is_str(js(o, "acquire", "dport"), "5555", "JSON: packet port");
	is_str(js(o, "acquire", "tmpl"), "0", "JSON: template index");
	json_object_put(o);

	f = open_memstream(&buf, &len);
	ok(!event_text(f, KIPSEC_CMD_ACQUIRE, tb), "text form");
	fclose(f);
	ok(buf && !strcmp(buf, "acquire src 10.0.0.1 dst 10.0.0.2 proto udp sport 40000 dport 5555 "
			  "tmpl 0 policy 7 dir out sel src 10.0.0.1/32 dst 10.0.0.2/32 proto any "
			  "tmpl esp transport reqid 42\n"),
	   "text: one line, packet then policy");
	free(buf);
	nlmsg_free(m);

	m = acquire_event(5);
	ok(!knl_parse_reply(nlmsg_hdr(m), tb) && !event_to_json(KIPSEC_CMD_ACQUIRE, tb),
	   "5-byte address in ACQUIRE refused as malformed");
	nlmsg_free(m);
}

static void expire(void)
{
	struct nl_msg *m = knl_msg_new(0, KIPSEC_CMD_EXPIRE, 0);
	struct nlattr *tb[KIPSEC_A_MAX + 1], *n;
	struct json_object *o, *v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	n = nla_nest_start(m, KIPSEC_A_SA);
	nla_put(m, KIPSEC_SA_A_SRC, 4, "\x0a\x00\x00\x01");
	nla_put(m, KIPSEC_SA_A_DST, 4, "\x0a\x00\x00\x02");
	nla_put_u32(m, KIPSEC_SA_A_SPI, 0x1234);
	nla_put_u8(m, KIPSEC_SA_A_PROTO, KIPSEC_PROTO_ESP);
	nla_nest_end(m, n);
	nla_put_flag(m, KIPSEC_A_EXPIRE_HARD);
	ok(!knl_parse_reply(nlmsg_hdr(m), tb), "EXPIRE event parses");
	o = event_to_json(KIPSEC_CMD_EXPIRE, tb);
	is_str(js(o, "event", NULL), "expire", "JSON: expire");
	ok(json_object_object_get_ex(o, "hard", &v) && json_object_get_boolean(v), "JSON: hard");
	is_str(js(o, "sa", "spi"), "4660", "JSON: the SA");
	json_object_put(o);
	f = open_memstream(&buf, &len);
	event_text(f, KIPSEC_CMD_EXPIRE, tb);
	fclose(f);
	ok(buf && !strcmp(buf, "expire hard src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x00001234 reqid 0\n"),
	   "text: expire line");
	free(buf);
	nlmsg_free(m);
}

static char *sa_listing(struct nlattr **tb, bool json, bool all)
{
	struct cli_opts o = { .json = json, .stats = all };
	struct printer p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	printer_init(&p, &o, f);
	print_sa(&p, tb[KIPSEC_A_SA]);
	printer_finish(&p);
	fclose(f);
	return buf;
}

static void replay_and_counters(void)
{
	struct nl_msg *m = knl_msg_new(0, KIPSEC_CMD_SA_GET, 0);
	struct nlattr *tb[KIPSEC_A_MAX + 1], *n, *s;
	uint32_t words[2] = { 0xb, 0x80000000 };
	struct json_object *arr, *o;
	char *out;

	n = nla_nest_start(m, KIPSEC_A_SA);
	nla_put(m, KIPSEC_SA_A_SRC, 4, "\x0a\x00\x00\x01");
	nla_put(m, KIPSEC_SA_A_DST, 4, "\x0a\x00\x00\x02");
	nla_put_u32(m, KIPSEC_SA_A_SPI, 0x1000);
	nla_put_u64(m, KIPSEC_SA_A_SEQ_IN, 64);
	nla_put(m, KIPSEC_SA_A_REPLAY_BITMAP, sizeof(words), words);
	s = nla_nest_start(m, KIPSEC_SA_A_STATS);
	nla_put_u64(m, KIPSEC_STATS_A_DROP_ACQUIRE, 4);
	nla_put_u64(m, KIPSEC_STATS_A_QUEUED, 2);
	nla_nest_end(m, s);
	nla_nest_end(m, n);
	ok(!knl_parse_reply(nlmsg_hdr(m), tb), "SA with replay bitmap parses");

	out = sa_listing(tb, false, false);
	ok(out && strstr(out, "\treplay-window state: seen 4 bitmap 0x800000000000000b\n"),
	   "text: bitmap, most significant word first");
	ok(out && strstr(out, "\t  drops: acquire 4\n"), "text: drop_acquire among the drops");
	ok(out && strstr(out, "\t  events: queued 2\n"), "text: events line, nonzero only");
	free(out);
	out = sa_listing(tb, false, true);
	ok(out && strstr(out, "events: acquires 0 queued 2 natt-keepalive 0 frag-out 0 icmp-too-big 0\n"),
	   "text -s: every event counter");
	free(out);
	out = sa_listing(tb, true, false);
	arr = out ? json_tokener_parse(out) : NULL;
	o = arr ? json_object_array_get_idx(arr, 0) : NULL;
	is_str(js(o, "replay_bitmap", NULL), "0x800000000000000b", "JSON: replay_bitmap");
	is_str(js(o, "replay_seen", NULL), "4", "JSON: replay_seen");
	is_str(js(o, "stats", "queued"), "2", "JSON: queued");
	is_str(js(o, "stats", "icmp_too_big"), "0", "JSON: every counter present");
	json_object_put(arr);
	free(out);
	nlmsg_free(m);
}

void test_monitor(void)
{
	acquire();
	expire();
	replay_and_counters();
}
