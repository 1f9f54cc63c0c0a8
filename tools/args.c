// SPDX-License-Identifier: GPL-2.0
/* Shared tokenizer helpers: addresses, numbers, keys, protocol names. */
#include "args.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/kipsec.h>

static char errbuf[512];

int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return -1;
}

const char *cli_err(void)
{
	return errbuf;
}

int fail_prefix(const char *fmt, ...)
{
	char msg[sizeof(errbuf) + 128];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, 128, fmt, ap);
	va_end(ap);
	n = strlen(msg);
	snprintf(msg + n, sizeof(msg) - n, ": %s", errbuf);
	n = strnlen(msg, sizeof(errbuf) - 1);
	memcpy(errbuf, msg, n);
	errbuf[n] = '\0';
	return -1;
}

void cli_err_clear(void)
{
	errbuf[0] = '\0';
}

bool toks_more(const struct toks *t)
{
	return t->i < t->argc;
}

const char *toks_peek(const struct toks *t)
{
	return toks_more(t) ? t->argv[t->i] : NULL;
}

int toks_value(struct toks *t, const char *key, const char *what, const char **out)
{
	if (!toks_more(t))
		return fail("'%s' needs %s", key, what);
	*out = t->argv[t->i++];
	return 0;
}

int fail_misplaced_option(const char *word, const char *object)
{
	return fail("unexpected '%s': options go before the object (kipsec %s %s ...)",
		    word, word, object);
}

int parse_addr(const char *s, struct kaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = AF_INET;
		a->len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = AF_INET6;
		a->len = 16;
		return 0;
	}
	return fail("invalid address '%s': expected IPv4 or IPv6", s);
}

int parse_prefix(const char *s, struct kaddr *a, uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	uint32_t n = 0;
	size_t alen;

	if (!slash) {
		if (parse_addr(s, a))
			return -1;
		*plen = (uint8_t)(a->len * 8);
		return 0;
	}
	alen = (size_t)(slash - s);
	if (alen >= sizeof(buf))
		return fail("invalid prefix '%s'", s);
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (parse_addr(buf, a))
		return fail("invalid prefix '%s': bad address part", s);
	if (!slash[1] || parse_u32("prefix length", slash + 1, &n))
		return fail("invalid prefix '%s': bad prefix length", s);
	if (n > (uint32_t)a->len * 8)
		return fail("invalid prefix '%s': prefix length above %u", s,
			    a->len * 8);
	*plen = (uint8_t)n;
	return 0;
}

int parse_u64(const char *what, const char *s, uint64_t *v)
{
	unsigned long long n;
	char *end;
	int base = 10;
	const char *p = s;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		p = s + 2;
	}
	/* strtoull accepts signs and spaces; a number here has neither. */
	if (!isxdigit((unsigned char)p[0]) || (base == 10 && !isdigit((unsigned char)p[0])))
		return fail("invalid %s '%s': expected a number", what, s);
	errno = 0;
	n = strtoull(p, &end, base);
	if (*end)
		return fail("invalid %s '%s': expected a number", what, s);
	if (errno == ERANGE)
		return fail("invalid %s '%s': too large", what, s);
	*v = n;
	return 0;
}

int parse_u32(const char *what, const char *s, uint32_t *v)
{
	uint64_t n;

	if (parse_u64(what, s, &n))
		return -1;
	if (n > UINT32_MAX)
		return fail("invalid %s '%s': above %" PRIu32, what, s, UINT32_MAX);
	*v = (uint32_t)n;
	return 0;
}

int parse_u32_range(const char *what, const char *s, uint32_t lo, uint32_t hi,
		    uint32_t *v)
{
	uint64_t n;

	if (parse_u64(what, s, &n))
		return -1;
	if (n < lo || n > hi)
		return fail("invalid %s '%s': must be %" PRIu32 "..%" PRIu32,
			    what, s, lo, hi);
	*v = (uint32_t)n;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int parse_key(const char *s, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n, i;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		const char *h = s + 2;

		n = strlen(h);
		if (n % 2)
			return fail("key has an odd number of hex digits (%zu)", n);
		if (n / 2 > cap)
			return fail("key is %zu bytes, at most %zu allowed", n / 2, cap);
		for (i = 0; i < n; i += 2) {
			int hi = hexval(h[i]), lo = hexval(h[i + 1]);

			if (hi < 0 || lo < 0)
				return fail("key has a non-hex character at position %zu",
					    i + 2 + (hi < 0 ? 0 : 1));
			buf[i / 2] = (uint8_t)(hi << 4 | lo);
		}
		*len = n / 2;
		return 0;
	}
	/* As ip xfrm: a key without 0x is taken as its raw characters. */
	n = strlen(s);
	if (n > cap)
		return fail("key is %zu bytes, at most %zu allowed", n, cap);
	memcpy(buf, s, n);
	*len = n;
	return 0;
}

static const struct {
	const char *name;
	uint8_t proto;
} ipprotos[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "icmp", IPPROTO_ICMP },
	{ "ipv6-icmp", IPPROTO_ICMPV6 },
	{ "icmpv6", IPPROTO_ICMPV6 },
	{ "sctp", IPPROTO_SCTP },
	{ "udplite", IPPROTO_UDPLITE },
	{ "dccp", IPPROTO_DCCP },
	{ "gre", IPPROTO_GRE },
	{ "esp", IPPROTO_ESP },
	{ "ah", IPPROTO_AH },
	{ "ipip", IPPROTO_IPIP },
	{ "ipv6", IPPROTO_IPV6 },
	{ "any", 0 },
};

int parse_ipproto(const char *s, uint8_t *proto)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < sizeof(ipprotos) / sizeof(ipprotos[0]); i++) {
		if (!strcmp(s, ipprotos[i].name)) {
			*proto = ipprotos[i].proto;
			return 0;
		}
	}
	if (isdigit((unsigned char)s[0]) &&
	    !parse_u32_range("protocol", s, 0, 255, &n)) {
		*proto = (uint8_t)n;
		return 0;
	}
	return fail("unknown protocol '%s': use tcp, udp, icmp, ipv6-icmp, sctp or 0..255", s);
}

const char *ipproto_name(uint8_t proto)
{
	size_t i;

	for (i = 0; i < sizeof(ipprotos) / sizeof(ipprotos[0]); i++)
		if (ipprotos[i].proto == proto)
			return ipprotos[i].name;
	return NULL;
}

int parse_port_range(const char *what, const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[32];
	const char *dash = strchr(s, '-');
	uint32_t a = 0, b = 0;

	if (!dash) {
		if (parse_u32_range(what, s, 0, 65535, &a))
			return -1;
		*lo = *hi = (uint16_t)a;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(buf) || dash == s)
		return fail("invalid %s '%s': use N or N-M", what, s);
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	if (parse_u32_range(what, buf, 0, 65535, &a) ||
	    parse_u32_range(what, dash + 1, 0, 65535, &b))
		return fail("invalid %s '%s': use N or N-M with 0..65535", what, s);
	if (b < a)
		return fail("invalid %s '%s': range end below its start", what, s);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int parse_ipsec_proto(const char *s, uint8_t *proto)
{
	if (!strcmp(s, "esp") || !strcmp(s, "50")) {
		*proto = KIPSEC_PROTO_ESP;
		return 0;
	}
	if (!strcmp(s, "ah") || !strcmp(s, "51")) {
		*proto = KIPSEC_PROTO_AH;
		return 0;
	}
	if (!strcmp(s, "comp") || !strcmp(s, "route2") || !strcmp(s, "hao"))
		return fail("protocol '%s' is not supported by kipsec: use esp or ah", s);
	return fail("unknown IPsec protocol '%s': use esp or ah", s);
}

const char *ipsec_proto_name(uint8_t proto)
{
	switch (proto) {
	case KIPSEC_PROTO_ESP:
		return "esp";
	case KIPSEC_PROTO_AH:
		return "ah";
	default:
		return NULL;
	}
}

int parse_mode(const char *s, uint8_t *mode)
{
	if (!strcmp(s, "transport")) {
		*mode = KIPSEC_MODE_TRANSPORT;
		return 0;
	}
	if (!strcmp(s, "tunnel")) {
		*mode = KIPSEC_MODE_TUNNEL;
		return 0;
	}
	if (!strcmp(s, "beet") || !strcmp(s, "ro") || !strcmp(s, "in_trigger"))
		return fail("mode '%s' is not supported by kipsec: use transport or tunnel", s);
	return fail("unknown mode '%s': use transport or tunnel", s);
}

const char *mode_name(uint8_t mode)
{
	switch (mode) {
	case KIPSEC_MODE_TRANSPORT:
		return "transport";
	case KIPSEC_MODE_TUNNEL:
		return "tunnel";
	default:
		return NULL;
	}
}

const char *addr_ntop(const void *bytes, size_t len, char *buf, size_t cap)
{
	if (len == 4)
		return inet_ntop(AF_INET, bytes, buf, (socklen_t)cap);
	if (len == 16)
		return inet_ntop(AF_INET6, bytes, buf, (socklen_t)cap);
	return NULL;
}
