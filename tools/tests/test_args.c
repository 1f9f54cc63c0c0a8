// SPDX-License-Identifier: GPL-2.0
/* Tokenizer helpers: addresses, prefixes, numbers, keys, protocol names. */
#include "tap.h"
#include "args.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/kipsec.h>

static void addrs(void)
{
	struct kaddr a;
	uint8_t plen = 0;

	ok(!parse_addr("10.0.0.1", &a) && a.family == AF_INET && a.len == 4 &&
	   a.bytes[0] == 10 && a.bytes[3] == 1, "IPv4 address");
	ok(!parse_addr("fe80::1", &a) && a.family == AF_INET6 && a.len == 16 &&
	   a.bytes[0] == 0xfe && a.bytes[15] == 1, "IPv6 address");
	ok(parse_addr("10.0.0.256", &a), "refuses 10.0.0.256");
	is_str(cli_err(), "invalid address '10.0.0.256': expected IPv4 or IPv6", "address error text");
	ok(parse_addr("", &a), "refuses empty address");

	ok(!parse_prefix("192.168.1.0/24", &a, &plen) && plen == 24 && a.bytes[2] == 1,
	   "IPv4 prefix");
	ok(!parse_prefix("10.1.2.3", &a, &plen) && plen == 32, "address without /plen is /32");
	ok(!parse_prefix("2001:db8::1", &a, &plen) && plen == 128, "IPv6 address is /128");
	ok(!parse_prefix("::/0", &a, &plen) && plen == 0 && a.family == AF_INET6, "::/0");
	ok(parse_prefix("10.0.0.0/33", &a, &plen), "refuses /33 for IPv4");
	is_str(cli_err(), "invalid prefix '10.0.0.0/33': prefix length above 32", "prefix error text");
	ok(parse_prefix("fe80::/129", &a, &plen), "refuses /129 for IPv6");
	ok(parse_prefix("10.0.0.0/", &a, &plen), "refuses empty prefix length");
	ok(parse_prefix("10.0.0.0/x", &a, &plen), "refuses non-numeric prefix length");
	ok(parse_prefix("nothost/8", &a, &plen), "refuses bad address in prefix");
	is_str(cli_err(), "invalid prefix 'nothost/8': bad address part", "prefix address error text");
}

static void numbers(void)
{
	uint32_t v = 0;
	uint64_t w = 0;

	ok(!parse_u32("spi", "0x100", &v) && v == 256, "hex number");
	ok(!parse_u32("spi", "4096", &v) && v == 4096, "decimal number");
	ok(!parse_u32("spi", "4294967295", &v) && v == 4294967295u, "UINT32_MAX");
	ok(parse_u32("spi", "4294967296", &v), "refuses UINT32_MAX + 1");
	is_str(cli_err(), "invalid spi '4294967296': above 4294967295", "overflow error text");
	ok(parse_u32("spi", "-1", &v), "refuses negative");
	is_str(cli_err(), "invalid spi '-1': expected a number", "negative error text");
	ok(parse_u32("spi", " 1", &v), "refuses leading space");
	ok(parse_u32("spi", "12a", &v), "refuses trailing garbage");
	ok(parse_u32("spi", "", &v), "refuses empty number");
	ok(parse_u32("spi", "0x", &v), "refuses bare 0x");
	ok(parse_u32("spi", "0xg", &v), "refuses 0xg");
	ok(!parse_u64("seq", "0xffffffffffffffff", &w) && w == UINT64_MAX, "u64 max");
	ok(parse_u64("seq", "18446744073709551616", &w), "refuses u64 overflow");
	is_str(cli_err(), "invalid seq '18446744073709551616': too large", "u64 overflow text");
	ok(!parse_u32_range("type", "255", 0, 255, &v) && v == 255, "range upper bound");
	ok(parse_u32_range("type", "256", 0, 255, &v), "range refuses 256");
	is_str(cli_err(), "invalid type '256': must be 0..255", "range error text");
}

static void keys(void)
{
	uint8_t k[64], big[200];
	char hex[2 + 2 * 65 + 1];
	size_t len = 99;
	int i;

	ok(!parse_key("0x0102aBcD", k, sizeof(k), &len) && len == 4 && k[0] == 1 &&
	   k[1] == 2 && k[2] == 0xab && k[3] == 0xcd, "hex key, mixed case");
	ok(!parse_key("0X00ff", k, sizeof(k), &len) && len == 2 && k[1] == 0xff, "0X prefix");
	ok(!parse_key("0x", k, sizeof(k), &len) && len == 0, "0x alone is an empty key");
	ok(!parse_key("", k, sizeof(k), &len) && len == 0, "\"\" is an empty key");
	ok(!parse_key("secret", k, sizeof(k), &len) && len == 6 && !memcmp(k, "secret", 6),
	   "non-0x key is raw bytes (ip xfrm)");
	ok(!parse_key("0", k, sizeof(k), &len) && len == 1 && k[0] == '0', "\"0\" is one raw byte");
	ok(parse_key("0x123", k, sizeof(k), &len), "refuses odd hex digits");
	is_str(cli_err(), "key has an odd number of hex digits (3)", "odd hex error text");
	ok(parse_key("0x12zz", k, sizeof(k), &len), "refuses non-hex");
	is_str(cli_err(), "key has a non-hex character at position 4", "non-hex error position");
	ok(parse_key("0x1z", k, sizeof(k), &len), "refuses non-hex low nibble");
	is_str(cli_err(), "key has a non-hex character at position 3", "low nibble position");
	strcpy(hex, "0x");
	for (i = 0; i < 64; i++)
		strcat(hex, "a5");
	ok(!parse_key(hex, k, sizeof(k), &len) && len == 64 && k[63] == 0xa5, "64-byte key fits");
	strcat(hex, "a5");
	ok(parse_key(hex, k, sizeof(k), &len), "65-byte key refused");
	is_str(cli_err(), "key is 65 bytes, at most 64 allowed", "too long error text");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(parse_key((char *)big, k, sizeof(k), &len), "long raw key refused");
}

static void protos(void)
{
	uint8_t p = 0, m = 0;
	uint16_t lo = 0, hi = 0;

	ok(!parse_ipproto("tcp", &p) && p == IPPROTO_TCP, "tcp");
	ok(!parse_ipproto("udp", &p) && p == IPPROTO_UDP, "udp");
	ok(!parse_ipproto("icmp", &p) && p == IPPROTO_ICMP, "icmp");
	ok(!parse_ipproto("ipv6-icmp", &p) && p == IPPROTO_ICMPV6, "ipv6-icmp");
	ok(!parse_ipproto("sctp", &p) && p == IPPROTO_SCTP, "sctp");
	ok(!parse_ipproto("47", &p) && p == 47, "protocol number");
	ok(parse_ipproto("256", &p), "refuses 256");
	ok(parse_ipproto("tcpp", &p), "refuses unknown name");
	is_str(cli_err(), "unknown protocol 'tcpp': use tcp, udp, icmp, ipv6-icmp, sctp or 0..255",
	       "unknown protocol text");
	is_str(ipproto_name(IPPROTO_ICMPV6), "ipv6-icmp", "ipv6-icmp name");

	ok(!parse_port_range("sport", "80", &lo, &hi) && lo == 80 && hi == 80, "single port");
	ok(!parse_port_range("sport", "1000-2000", &lo, &hi) && lo == 1000 && hi == 2000,
	   "port range");
	ok(!parse_port_range("sport", "0-65535", &lo, &hi) && lo == 0 && hi == 65535, "full range");
	ok(parse_port_range("dport", "2000-1000", &lo, &hi), "refuses reversed range");
	is_str(cli_err(), "invalid dport '2000-1000': range end below its start", "reversed text");
	ok(parse_port_range("dport", "70000", &lo, &hi), "refuses 70000");
	ok(parse_port_range("dport", "-5", &lo, &hi), "refuses -5");
	ok(parse_port_range("dport", "1-", &lo, &hi), "refuses 1-");
	ok(parse_port_range("dport", "1-2-3", &lo, &hi), "refuses 1-2-3");

	ok(!parse_ipsec_proto("esp", &p) && p == KIPSEC_PROTO_ESP, "esp");
	ok(!parse_ipsec_proto("ah", &p) && p == KIPSEC_PROTO_AH, "ah");
	ok(!parse_ipsec_proto("50", &p) && p == KIPSEC_PROTO_ESP, "50 is esp");
	ok(parse_ipsec_proto("comp", &p), "refuses comp");
	is_str(cli_err(), "protocol 'comp' is not supported by kipsec: use esp or ah", "comp text");
	ok(!parse_mode("tunnel", &m) && m == KIPSEC_MODE_TUNNEL, "tunnel");
	ok(!parse_mode("transport", &m) && m == KIPSEC_MODE_TRANSPORT, "transport");
	ok(parse_mode("beet", &m), "refuses beet");
	is_str(cli_err(), "mode 'beet' is not supported by kipsec: use transport or tunnel", "beet text");
}

void test_args(void)
{
	addrs();
	numbers();
	keys();
	protos();
}
