// SPDX-License-Identifier: GPL-2.0
/* Traffic selector narrowing (RFC 7296 2.9), text form and prefix conversion. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <sys/socket.h>

#include "tap.h"
#include "ts.h"

static struct ikev2_ts T(const char *s)
{
	struct ikev2_ts t;
	char err[256];

	if (ts_parse(s, &t, err, sizeof(err)))
		printf("# BUG in test: %s\n", err);
	return t;
}

static const char *S(const struct ikev2_ts *t)
{
	static char buf[8][128];
	static int i;

	i = (i + 1) % 8;
	ts_format(t, buf[i], sizeof(buf[i]));
	return buf[i];
}

static struct ikev2_ts_list L(int n, ...)
{
	struct ikev2_ts_list l = { 0 };
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		l.ts[l.n++] = T(va_arg(ap, const char *));
	va_end(ap);
	return l;
}

static void test_intersect(void)
{
	struct ikev2_ts a, b, x;

	a = T("10.0.0.0/8");
	b = T("10.1.2.0/24[tcp/80]");
	ok(ts_intersect(&a, &b, &x) && !strcmp(S(&x), "10.1.2.0/24[6/80]"), "10/8 ∩ 10.1.2/24[tcp/80] = 10.1.2.0/24[tcp/80]");
	a = T("10.0.0.5-10.0.0.20[tcp/1000-2000]");
	b = T("10.0.0.10-10.0.0.40[tcp/1500-3000]");
	ok(ts_intersect(&a, &b, &x) && !strcmp(S(&x), "10.0.0.10-10.0.0.20[6/1500-2000]"),
	   "overlapping address and port ranges intersect to the common part");
	b = T("10.0.0.21-10.0.0.40");
	ok(!ts_intersect(&a, &b, &x), "disjoint address ranges: empty");
	b = T("10.0.0.0/24[udp]");
	ok(!ts_intersect(&a, &b, &x), "tcp vs udp: empty");
	b = T("10.0.0.0/24[tcp/3000-4000]");
	ok(!ts_intersect(&a, &b, &x), "disjoint port ranges: empty");
	b = T("::/0");
	ok(!ts_intersect(&a, &b, &x), "IPv4 vs IPv6: empty");
	a = T("2001:db8::/32");
	b = T("2001:db8:1::/48[udp/500]");
	ok(ts_intersect(&a, &b, &x) && !strcmp(S(&x), "2001:db8:1::/48[17/500]"), "IPv6 prefix intersection");
	a = T("0.0.0.0/0[udp]");
	a.sport = 0xffff;
	a.eport = 0;
	b = T("10.0.0.0/8");
	ok(ts_intersect(&a, &b, &x) && ts_opaque_ports(&x), "OPAQUE ports meet ANY as OPAQUE");
	b = T("10.0.0.0/8[udp/53]");
	ok(!ts_intersect(&a, &b, &x), "OPAQUE ports don't meet a real port range");
	ok(ts_is_subset(&b, &b) && ts_is_subset(&b, &(struct ikev2_ts){ .type = 0 }) == false,
	   "subset is reflexive and needs the same family");
}

static void test_narrow(void)
{
	struct ikev2_ts_list tsi, tsr, pol_l, pol_r, oi, or;
	int r;

	/* the initiator asks for everything, policy allows two subnets */
	tsi = L(1, "0.0.0.0/0");
	tsr = L(1, "0.0.0.0/0");
	pol_r = L(1, "10.2.0.0/16");
	pol_l = L(2, "10.1.0.0/16", "172.16.0.0/12[tcp/443]");
	r = ts_responder_narrow(&tsi, &tsr, &pol_r, &pol_l, &oi, &or);
	ok(r == 0 && oi.n == 1 && !strcmp(S(&oi.ts[0]), "10.2.0.0/16") && or.n == 2 &&
	   !strcmp(S(&or.ts[0]), "10.1.0.0/16") && !strcmp(S(&or.ts[1]), "172.16.0.0/12[6/443]"),
	   "responder narrows 0/0 to its policy: TSi %s, TSr %s + %s", S(&oi.ts[0]), S(&or.ts[0]), S(&or.ts[1]));

	/* exact match: nothing to narrow */
	tsi = L(1, "10.2.0.0/16");
	tsr = L(1, "10.1.0.0/16");
	pol_l = L(1, "10.1.0.0/16");
	r = ts_responder_narrow(&tsi, &tsr, &pol_r, &pol_l, &oi, &or);
	ok(r == 0 && oi.n == 1 && or.n == 1 && !memcmp(&oi.ts[0], &tsi.ts[0], sizeof(tsi.ts[0])) &&
	   !memcmp(&or.ts[0], &tsr.ts[0], sizeof(tsr.ts[0])), "identical selectors come back unchanged");

	/* the initiator's smaller request stays smaller */
	tsi = L(1, "10.2.3.0/24");
	tsr = L(1, "10.1.0.7[tcp/22]");
	r = ts_responder_narrow(&tsi, &tsr, &pol_r, &pol_l, &oi, &or);
	ok(r == 0 && !strcmp(S(&oi.ts[0]), "10.2.3.0/24") && !strcmp(S(&or.ts[0]), "10.1.0.7/32[6/22]"),
	   "subset requests are accepted as they are");

	/* trigger packet selectors first (RFC 7296 2.9): the covering selector absorbs them */
	tsi = L(2, "10.2.0.5[tcp/40000]", "10.2.0.0/16");
	tsr = L(2, "10.1.0.9[tcp/80]", "10.1.0.0/16");
	r = ts_responder_narrow(&tsi, &tsr, &pol_r, &pol_l, &oi, &or);
	ok(r == 0 && oi.n == 1 && or.n == 1 && !strcmp(S(&oi.ts[0]), "10.2.0.0/16") &&
	   !strcmp(S(&or.ts[0]), "10.1.0.0/16"), "trigger selectors absorbed by the covering ones");
	/* ... and with a narrower policy, the trigger's part survives */
	pol_l = L(1, "10.1.0.0/24[tcp/80]");
	r = ts_responder_narrow(&tsi, &tsr, &pol_r, &pol_l, &oi, &or);
	ok(r == 0 && or.n == 1 && !strcmp(S(&or.ts[0]), "10.1.0.0/24[6/80]"), "narrower policy: TSr %s", S(&or.ts[0]));

	/* nothing in common: TS_UNACCEPTABLE */
	tsr = L(1, "192.168.0.0/16");
	r = ts_responder_narrow(&tsi, &tsr, &pol_r, &pol_l, &oi, &or);
	ok(r == -1 && oi.n == 0 && or.n == 0, "no overlap -> TS_UNACCEPTABLE, outputs emptied");
	tsi = L(1, "::/0");
	tsr = L(1, "10.1.0.0/16");
	r = ts_responder_narrow(&tsi, &tsr, &pol_r, &pol_l, &oi, &or);
	ok(r == -1, "IPv6 TSi against IPv4 policy -> TS_UNACCEPTABLE");

	/* mixed families: each family narrowed on its own */
	tsi = L(2, "0.0.0.0/0", "::/0");
	pol_r = L(2, "2001:db8:2::/48", "10.2.0.0/16");
	ok(ts_narrow(&tsi, &pol_r, &oi) == 0 && oi.n == 2 && !strcmp(S(&oi.ts[0]), "2001:db8:2::/48") &&
	   !strcmp(S(&oi.ts[1]), "10.2.0.0/16"), "IPv4 + IPv6 narrowed in policy order");

	/* initiator side: is the reply within what we proposed? */
	tsi = L(1, "10.2.0.0/16");
	oi = L(1, "10.2.3.0/24[udp]");
	ok(ts_list_within(&oi, &tsi), "narrowed reply accepted by the initiator");
	oi = L(2, "10.2.3.0/24", "10.3.0.0/24");
	ok(!ts_list_within(&oi, &tsi), "reply widening our selectors refused");
	oi.n = 0;
	ok(!ts_list_within(&oi, &tsi), "empty reply refused");
}

static void test_text_and_prefixes(void)
{
	struct ikev2_ts t;
	struct ts_prefix pf[64];
	char err[256];
	int n;

	ok(!ts_parse("192.0.2.77/24", &t, err, sizeof(err)) && !strcmp(S(&t), "192.0.2.0/24") &&
	   t.sport == 0 && t.eport == 65535 && t.proto == 0, "host bits masked, any port/protocol");
	ok(!ts_parse("192.0.2.1", &t, err, sizeof(err)) && !strcmp(S(&t), "192.0.2.1/32"), "bare address is /32");
	ok(!ts_parse("2001:db8::1[icmpv6/128]", &t, err, sizeof(err)) && t.proto == 58 && t.sport == 128 &&
	   t.eport == 128 && !strcmp(S(&t), "2001:db8::1/128[58/128]"), "IPv6 host with protocol and port");
	ok(!ts_parse("10.0.0.0/8[udp/500-4500]", &t, err, sizeof(err)) && t.sport == 500 && t.eport == 4500,
	   "port range");
	ok(ts_parse("10.0.0.0/33", &t, err, sizeof(err)) && strstr(err, "prefix"), "prefix 33: %s", err);
	ok(ts_parse("10.0.0.300", &t, err, sizeof(err)) && strstr(err, "address"), "bad address: %s", err);
	ok(ts_parse("10.0.0.9-10.0.0.1", &t, err, sizeof(err)) && strstr(err, "after"), "reversed range: %s", err);
	ok(ts_parse("10.0.0.1-2001:db8::1", &t, err, sizeof(err)), "mixed-family range refused");
	ok(ts_parse("10.0.0.0/8[tcp/90-80]", &t, err, sizeof(err)) && strstr(err, "port"), "reversed ports: %s", err);
	ok(ts_parse("10.0.0.0/8[/80]", &t, err, sizeof(err)) && ts_parse("10.0.0.0/8[foo]", &t, err, sizeof(err)) &&
	   ts_parse("10.0.0.0/8[tcp/80", &t, err, sizeof(err)) && ts_parse("10.0.0.0/8[any/80]", &t, err, sizeof(err)),
	   "malformed protocol/port suffixes refused");

	t = T("10.0.0.1-10.0.0.6");
	n = ts_to_prefixes(&t, pf, 64);
	ok(n == 4 && pf[0].plen == 32 && pf[0].addr[3] == 1 && pf[1].plen == 31 && pf[1].addr[3] == 2 &&
	   pf[2].plen == 31 && pf[2].addr[3] == 4 && pf[3].plen == 32 && pf[3].addr[3] == 6,
	   "10.0.0.1-10.0.0.6 -> .1/32 .2/31 .4/31 .6/32 for the kernel SPD");
	t = T("0.0.0.0/0");
	n = ts_to_prefixes(&t, pf, 64);
	ok(n == 1 && pf[0].plen == 0 && pf[0].family == AF_INET, "0.0.0.0/0 is one prefix");
	t = T("::/0");
	n = ts_to_prefixes(&t, pf, 64);
	ok(n == 1 && pf[0].plen == 0 && pf[0].family == AF_INET6, "::/0 is one prefix");
	t = T("0.0.0.1-255.255.255.254");
	n = ts_to_prefixes(&t, pf, 64);
	ok(n == 62, "0.0.0.1-255.255.255.254 needs 62 prefixes (%d)", n);
	ok(ts_to_prefixes(&t, pf, 10) == -1, "more prefixes than room: -1");
	t = T("2001:db8::/32");
	n = ts_to_prefixes(&t, pf, 64);
	{
		struct ikev2_ts back;

		ts_from_prefix(&pf[0], 6, 80, 80, &back);
		ok(n == 1 && pf[0].plen == 32 && back.proto == 6 && !memcmp(back.start, t.start, 16) &&
		   !memcmp(back.end, t.end, 16), "prefix -> range -> prefix round trip");
	}
}

int main(void)
{
	test_intersect();
	test_narrow();
	test_text_and_prefixes();
	return tap_done();
}
