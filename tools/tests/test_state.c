// SPDX-License-Identifier: GPL-2.0
/* `kipsec state ...` parsing and the KIPSEC_A_SA it builds. */
#include "tap.h"
#include "nl.h"
#include "state.h"

#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/genl.h>

#include <linux/kipsec.h>

#define K16 "0x000102030405060708090a0b0c0d0e0f"
#define K20 "0x000102030405060708090a0b0c0d0e0f10111213"
#define K32 "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define K36 K32 "20212223"

static struct sa_req r;

static int parse(const char *line)
{
	char **argv;
	int argc = split(line, &argv);

	return state_parse(argc, argv, &r);
}

/* Parse must fail with exactly @msg. */
static void refuse(const char *line, const char *msg)
{
	int rc = parse(line);

	ok(rc == -1, "refused: %s", line);
	is_str(cli_err(), msg, "  message");
}

/* Build r into a message and parse the SA nest back. */
static struct nl_msg *built(struct nlattr **sa)
{
	struct nl_msg *msg = knl_msg_new(0, KIPSEC_CMD_SA_ADD, 0);
	struct nlattr *tb[KIPSEC_A_MAX + 1];

	if (!msg || state_build(msg, &r) || knl_parse_reply(nlmsg_hdr(msg), tb) ||
	    !tb[KIPSEC_A_SA] || nla_parse_nested(sa, KIPSEC_SA_A_MAX, tb[KIPSEC_A_SA], NULL)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* The kernel's strict validation wants NLA_F_NESTED on every nest. */
static bool top_nest_flagged(struct nl_msg *m)
{
	struct nlattr *a = genlmsg_attrdata(nlmsg_data(nlmsg_hdr(m)), 0);

	return (a->nla_type & NLA_F_NESTED) && (a->nla_type & NLA_TYPE_MASK) == KIPSEC_A_SA;
}

static int count_attrs(struct nlattr **tb)
{
	int i, n = 0;

	for (i = 1; i <= KIPSEC_SA_A_MAX; i++)
		n += tb[i] != NULL;
	return n;
}

static void add_forms(void)
{
	struct nlattr *sa[KIPSEC_SA_A_MAX + 1];
	struct nl_msg *m;

	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 reqid 1 mode tunnel "
		  "aead rfc4106(gcm(aes)) " K20 " 128"), "add with aead (ip xfrm form)");
	ok(r.op == STATE_ADD && r.spi == 0x1000 && r.reqid == 1 && r.mode == KIPSEC_MODE_TUNNEL &&
	   r.proto == KIPSEC_PROTO_ESP && r.enc_alg == KIPSEC_ENC_AES_GCM_16 &&
	   r.enc_key_len == 20 && r.enc_key_bits == 128 && !r.integ_alg && r.aead,
	   "  fields");
	m = built(sa);
	ok(m != NULL, "  builds");
	ok(m && top_nest_flagged(m), "  KIPSEC_A_SA has NLA_F_NESTED");
	if (m) {
		ok(sa[KIPSEC_SA_A_SRC] && nla_len(sa[KIPSEC_SA_A_SRC]) == 4 &&
		   !memcmp(nla_data(sa[KIPSEC_SA_A_SRC]), "\x0a\x00\x00\x01", 4), "  SRC bytes");
		ok(nla_get_u32(sa[KIPSEC_SA_A_SPI]) == 0x1000, "  SPI host order");
		ok(nla_get_u8(sa[KIPSEC_SA_A_MODE]) == KIPSEC_MODE_TUNNEL, "  MODE");
		ok(nla_get_u16(sa[KIPSEC_SA_A_ENC_ALG]) == KIPSEC_ENC_AES_GCM_16, "  ENC_ALG");
		ok(nla_len(sa[KIPSEC_SA_A_ENC_KEY]) == 20 &&
		   ((uint8_t *)nla_data(sa[KIPSEC_SA_A_ENC_KEY]))[19] == 0x13, "  ENC_KEY with salt");
		ok(nla_get_u16(sa[KIPSEC_SA_A_ENC_KEY_BITS]) == 128, "  ENC_KEY_BITS without salt");
		ok(!sa[KIPSEC_SA_A_INTEG_ALG] && !sa[KIPSEC_SA_A_REPLAY_WINDOW] &&
		   !sa[KIPSEC_SA_A_FLAGS], "  nothing unasked");
		nlmsg_free(m);
	}

	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 proto esp spi 5 "
		  "aead rfc7539esp(chacha20,poly1305) " K36 " 128"), "add chacha20-poly1305");
	ok(r.enc_alg == KIPSEC_ENC_CHACHA20_POLY1305 && r.enc_key_bits == 256, "  fields");
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 proto esp spi 5 aead rfc4106(gcm(aes)) " K20 " 64"),
	   "GCM ICV 64");
	ok(r.enc_alg == KIPSEC_ENC_AES_GCM_8, "  = GCM_8");
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 proto esp spi 5 aead rfc4106(gcm(aes)) " K20 " 96"),
	   "GCM ICV 96");
	ok(r.enc_alg == KIPSEC_ENC_AES_GCM_12, "  = GCM_12");

	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 proto esp spi 7 mode transport "
		  "enc cbc(aes) " K16 " auth-trunc hmac(sha256) " K32 " 128"),
	   "add cbc(aes) + auth-trunc hmac(sha256) 128");
	ok(r.enc_alg == KIPSEC_ENC_AES_CBC && r.integ_alg == KIPSEC_INTEG_HMAC_SHA2_256_128 &&
	   r.integ_key_len == 32 && !r.aead, "  fields");
	m = built(sa);
	ok(m && nla_get_u8(sa[KIPSEC_SA_A_MODE]) == KIPSEC_MODE_TRANSPORT &&
	   nla_len(sa[KIPSEC_SA_A_INTEG_KEY]) == 32 &&
	   nla_get_u16(sa[KIPSEC_SA_A_INTEG_ALG]) == KIPSEC_INTEG_HMAC_SHA2_256_128,
	   "  builds INTEG_ALG and INTEG_KEY");
	nlmsg_free(m);

	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 proto esp spi 7 enc aes " K16 " auth sha1 " K20),
	   "short names aes + auth sha1");
	ok(r.integ_alg == KIPSEC_INTEG_HMAC_SHA1_96, "  auth hmac(sha1) = 96-bit truncation");
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 7 enc aes " K16 " auth hmac(sha256) " K32),
	   "auth hmac(sha256) without -trunc");
	ok(r.integ_alg == KIPSEC_INTEG_HMAC_SHA2_256_128 && r.proto == KIPSEC_PROTO_ESP,
	   "  = SHA2-256-128, proto defaults to esp");
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 7 enc aes " K16 " auth sha384 "
		  K32 "000102030405060708090a0b0c0d0e0f"), "auth sha384");
	ok(r.integ_alg == KIPSEC_INTEG_HMAC_SHA2_384_192, "  = SHA2-384-192");
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 7 enc aes " K16 " auth-trunc sha512 "
		  K32 "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f 256"),
	   "auth-trunc sha512 256");
	ok(r.integ_alg == KIPSEC_INTEG_HMAC_SHA2_512_256, "  = SHA2-512-256");

	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 proto esp spi 9 enc cipher_null '' "
		  "auth-trunc hmac(sha1) " K20 " 96"), "enc cipher_null \"\" + hmac(sha1)");
	ok(r.enc_alg == KIPSEC_ENC_NULL && r.enc_key_len == 0, "  NULL, empty key");
	m = built(sa);
	ok(m && sa[KIPSEC_SA_A_ENC_ALG] && !sa[KIPSEC_SA_A_ENC_KEY], "  no ENC_KEY attribute");
	nlmsg_free(m);

	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 9 enc 3des 0x" "000102030405060708090a0b0c0d0e0f1011121314151617"
		  " auth md5 " K16), "3des + md5 mapped (kernel refuses)");
	ok(r.enc_alg == KIPSEC_ENC_3DES && r.integ_alg == KIPSEC_INTEG_HMAC_MD5_96, "  ids");
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 9 enc ctr " K20 " auth xcbc(aes) " K16),
	   "ctr + xcbc(aes) mapped");
	ok(r.enc_alg == KIPSEC_ENC_AES_CTR && r.enc_key_bits == 128 &&
	   r.integ_alg == KIPSEC_INTEG_AES_XCBC_96, "  ids");
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 9 aead gmac " K20 " 128"), "gmac mapped");
	ok(r.enc_alg == KIPSEC_ENC_NULL_AES_GMAC, "  id");
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 9 enc aes " K16 " auth cmac(aes) " K16),
	   "cmac(aes) mapped");
	ok(r.integ_alg == KIPSEC_INTEG_AES_CMAC_96, "  id");
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 9 enc aes secretkey1234567 auth sha1 "
		  "twentybytesofsecret!"), "raw string keys");
	ok(r.enc_key_len == 16 && !memcmp(r.enc_key, "secretkey1234567", 16), "  raw bytes");

	ok(!parse("add src 2001:db8::1 dst 2001:db8::2 proto esp spi 1 replay-window 128 "
		  "flag esn flag insecure replay-oseq 0x10 aead rfc4106(gcm(aes)) " K36 " 128"),
	   "IPv6, replay-window, flags, replay-oseq");
	ok(r.src.family == AF_INET6 && r.replay_window == 128 &&
	   r.flags == (KIPSEC_SA_F_ESN | KIPSEC_SA_F_ALLOW_INSECURE) && r.seq_out == 0x10 &&
	   r.enc_key_bits == 256, "  fields");
	m = built(sa);
	ok(m && nla_len(sa[KIPSEC_SA_A_DST]) == 16 &&
	   nla_get_u32(sa[KIPSEC_SA_A_REPLAY_WINDOW]) == 128 &&
	   nla_get_u32(sa[KIPSEC_SA_A_FLAGS]) == KIPSEC_SA_F_ALL &&
	   nla_get_u64(sa[KIPSEC_SA_A_SEQ_OUT]) == 0x10, "  builds them");
	nlmsg_free(m);
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 1 flag esn insecure enc aes " K16 " auth sha1 " K20),
	   "flag list as ip xfrm (flag esn insecure)");
	ok(r.flags == KIPSEC_SA_F_ALL, "  both flags");
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 proto ah spi 1 auth sha256 " K32), "AH with auth");
	ok(r.proto == KIPSEC_PROTO_AH && !r.enc_alg, "  fields");
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 1 replay-window 5000 aead gcm " K20 " 128"),
	   "replay-window above 4096 is the kernel's to refuse");
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 1 flag esn replay-oseq 0xfffffff0 "
		  "replay-oseq-hi 2 replay-seq 5 replay-seq-hi 1 aead gcm " K20 " 128"),
	   "ESN sequence numbers in ip xfrm's 32-bit halves");
	m = built(sa);
	ok(m && nla_get_u64(sa[KIPSEC_SA_A_SEQ_OUT]) == 0x2fffffff0ULL &&
	   nla_get_u64(sa[KIPSEC_SA_A_SEQ_IN]) == 0x100000005ULL, "  joined into SEQ_OUT/SEQ_IN");
	nlmsg_free(m);
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 1 replay-seq-hi 3 aead gcm " K20 " 128"),
	   "replay-seq-hi alone");
	ok(r.has_seq_in && r.seq_in == 0x300000000ULL, "  low half 0");
}

static void add_refusals(void)
{
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 enc cbc(foo) " K16 " auth sha1 " K20,
	       "unknown algorithm 'cbc(foo)'");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1",
	       "missing algorithm: give aead ALGO KEY ICV_BITS, or enc ALGO KEY and auth ALGO KEY");
	refuse("add src 10.0.0.1 dst 10.0.0.2 aead gcm " K20 " 128", "missing 'spi SPI'");
	refuse("add src 10.0.0.1 spi 1 aead gcm " K20 " 128", "missing 'dst ADDR'");
	refuse("add dst 10.0.0.1 spi 1 aead gcm " K20 " 128", "missing 'src ADDR'");
	refuse("add src 10.0.0.1 dst ::1 spi 1 aead gcm " K20 " 128",
	       "src and dst must be of the same address family");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 spi 2 aead gcm " K20 " 128", "'spi' given twice");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 aead gcm " K20 " 128 auth sha1 " K20,
	       "'aead' already authenticates: drop 'auth'");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 aead gcm " K20 " 128 enc aes " K16,
	       "'aead' and 'enc' cannot be combined: aead encrypts and authenticates");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 enc aes " K16 " enc aes " K16, "'enc' given twice");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 auth sha1 " K20,
	       "ESP needs 'enc' too (enc cipher_null \"\" for integrity only)");
	refuse("add src 10.0.0.1 dst 10.0.0.2 proto ah spi 1 enc aes " K16 " auth sha1 " K20,
	       "AH does not encrypt: drop 'enc'");
	refuse("add src 10.0.0.1 dst 10.0.0.2 proto ah spi 1", "AH needs 'auth ALGO KEY'");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 aead rfc4106(gcm(aes)) " K16 " 128",
	       "rfc4106(gcm(aes)) key must be 20, 28 or 36 bytes (key plus 4-byte salt), got 16");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 aead rfc4106(gcm(aes)) " K20,
	       "'aead' needs NAME KEY ICV_BITS");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 aead rfc4106(gcm(aes)) " K20 " 32",
	       "rfc4106(gcm(aes)): ICV of 32 bits not supported: use 64, 96, 128");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 enc rfc4106(gcm(aes)) " K20,
	       "'rfc4106(gcm(aes))' is an AEAD algorithm: use aead 'rfc4106(gcm(aes))' KEY ICV_BITS");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 enc aes 0x0011 auth sha1 " K20,
	       "cbc(aes) key must be 16, 24 or 32 bytes, got 2");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 enc aes 0x00112 auth sha1 " K20,
	       "enc cbc(aes): key has an odd number of hex digits (5)");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 enc aes " K16 " auth-trunc hmac(sha256) " K32 " 96",
	       "hmac(sha256) must be truncated to 128 bits, not 96");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 enc aes " K16 " auth sha1 0x00zz",
	       "auth hmac(sha1): key has a non-hex character at position 4");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 enc aes " K16 " auth sha1 " K16,
	       "hmac(sha1) key must be 20 bytes, got 16");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 flag noecn aead gcm " K20 " 128",
	       "flag 'noecn' is not supported by kipsec: use esn or insecure");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 flag aead gcm " K20 " 128",
	       "'flag' needs esn or insecure");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 mode beet aead gcm " K20 " 128",
	       "mode 'beet' is not supported by kipsec: use transport or tunnel");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 replay-oseq 0x100000000 replay-oseq-hi 1 "
	       "aead gcm " K20 " 128",
	       "'replay-oseq' must fit in 32 bits when 'replay-oseq-hi' is given");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 encap espintcp 4500 4500 0.0.0.0",
	       "encap type 'espintcp' is not supported by kipsec: use espinudp");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 encap espinudp 4500 4500",
	       "'encap' needs espinudp SPORT DPORT OADDR");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 encap espinudp 0 4500 0.0.0.0",
	       "invalid encap source port '0': must be 1..65535");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 aead gcm " K20 " 128 encap espinudp 4500 4500 ::",
	       "the encap original address must be of the SA's address family");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 colour blue", "unknown keyword 'colour'");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi", "'spi' needs a number");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 0x1g", "invalid spi '0x1g': expected a number");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 1 replay-window -1",
	       "invalid replay-window '-1': expected a number");
	refuse("add src 10.0.0.1 dst 10.0.0.2 proto comp spi 1",
	       "protocol 'comp' is not supported by kipsec: use esp or ah");
	refuse("frobnicate", "unknown command 'frobnicate': use add, update, del, get, list or flush");
}

static void other_forms(void)
{
	struct nlattr *sa[KIPSEC_SA_A_MAX + 1];
	struct nl_msg *m;

	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 1 aead gcm " K20 " 128 "
		  "encap espinudp 4500 1024 192.168.0.2"), "add with encap espinudp");
	m = built(sa);
	ok(m && nla_get_u8(sa[KIPSEC_SA_A_ENCAP_TYPE]) == KIPSEC_ENCAP_UDP &&
	   nla_get_u16(sa[KIPSEC_SA_A_ENCAP_SPORT]) == 4500 &&
	   nla_get_u16(sa[KIPSEC_SA_A_ENCAP_DPORT]) == 1024 &&
	   sa[KIPSEC_SA_A_ENCAP_OA] && nla_len(sa[KIPSEC_SA_A_ENCAP_OA]) == 4, "  sends ENCAP_*");
	nlmsg_free(m);
	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 1 aead gcm " K20 " 128 "
		  "encap espinudp 4500 4500 0.0.0.0"), "encap with OA 0.0.0.0");
	m = built(sa);
	ok(m && sa[KIPSEC_SA_A_ENCAP_TYPE] && !sa[KIPSEC_SA_A_ENCAP_OA], "  sends no OA");
	nlmsg_free(m);

	ok(!parse("update src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 replay-window 256"),
	   "update without algorithms");
	m = built(sa);
	ok(m && r.op == STATE_UPDATE && nla_get_u32(sa[KIPSEC_SA_A_REPLAY_WINDOW]) == 256 &&
	   !sa[KIPSEC_SA_A_MODE] && !sa[KIPSEC_SA_A_ENC_ALG], "  sends only what changes");
	nlmsg_free(m);
	ok(!parse("update src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 mode tunnel reqid 1 "
		  "flag esn replay-oseq 100"), "update with the SA's other fields (kernel checks them)");
	m = built(sa);
	ok(m && nla_get_u8(sa[KIPSEC_SA_A_MODE]) == KIPSEC_MODE_TUNNEL &&
	   nla_get_u32(sa[KIPSEC_SA_A_REQID]) == 1 && nla_get_u64(sa[KIPSEC_SA_A_SEQ_OUT]) == 100 &&
	   sa[KIPSEC_SA_A_SRC], "  sends them");
	nlmsg_free(m);
	refuse("update src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 mode tunnel "
	       "aead rfc4106(gcm(aes)) " K20 " 128",
	       "keys and algorithms of an SA cannot change: leave them out of update, "
	       "or del and add the SA");
	refuse("update src 10.0.0.1 proto esp spi 1", "missing 'dst ADDR'");

	ok(!parse("del src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000"), "del with src");
	m = built(sa);
	ok(m && r.op == STATE_DEL && count_attrs(sa) == 3 && sa[KIPSEC_SA_A_DST] &&
	   sa[KIPSEC_SA_A_SPI] && sa[KIPSEC_SA_A_PROTO], "  sends DST, SPI, PROTO only");
	nlmsg_free(m);
	ok(!parse("delete dst 10.0.0.2 proto esp spi 4096") && r.op == STATE_DEL, "delete without src");
	ok(!parse("del dst 10.0.0.2 spi 1") && r.proto == KIPSEC_PROTO_ESP, "del: proto defaults to esp");
	refuse("del dst 10.0.0.2 proto esp", "missing 'spi SPI'");
	refuse("del dst 10.0.0.2 spi 1 reqid 4",
	       "unexpected 'reqid': identify the SA by src, dst, proto and spi");
	ok(!parse("get src 10.0.0.1 dst 10.0.0.2 proto esp spi 1") && r.op == STATE_GET, "get");
	refuse("get src ::1 dst 10.0.0.2 spi 1", "src and dst must be of the same address family");

	ok(!parse("list") && r.op == STATE_LIST && !r.stats, "list");
	ok(!parse("list -s") && r.stats, "list -s");
	ok(!parse("show dst 10.0.0.2 spi 5") && r.op == STATE_LIST && r.has_dst && r.spi == 5,
	   "show with ID filter");
	ok(!parse("ls") && r.op == STATE_LIST, "ls");
	refuse("list -j", "unexpected '-j': options go before the object (kipsec -j state ...)");
	refuse("list mode tunnel", "unexpected 'mode': identify the SA by src, dst, proto and spi");

	ok(!parse("flush") && r.op == STATE_FLUSH && !r.has_proto, "flush");
	m = built(sa);
	ok(m && count_attrs(sa) == 0, "  empty SA nest");
	ok(m && top_nest_flagged(m), "  empty nest kept, with NLA_F_NESTED");
	nlmsg_free(m);
	ok(!parse("flush proto ah") && r.has_proto && r.proto == KIPSEC_PROTO_AH, "flush proto ah");
	m = built(sa);
	ok(m && count_attrs(sa) == 1 && nla_get_u8(sa[KIPSEC_SA_A_PROTO]) == KIPSEC_PROTO_AH,
	   "  sends PROTO");
	nlmsg_free(m);
	refuse("flush dst 10.0.0.1", "unexpected 'dst': flush takes only 'proto esp|ah'");
}

/* limit ... (ip xfrm names) on add and update; new-src/new-dst on update. */
static void lifetime_forms(void)
{
	struct nlattr *sa[KIPSEC_SA_A_MAX + 1], *l[KIPSEC_LFT_A_MAX + 1];
	struct nl_msg *m;

	ok(!parse("add src 10.0.0.1 dst 10.0.0.2 spi 5 aead rfc4106(gcm(aes)) " K20 " 128 "
		  "limit time-soft 10 time-hard 20 limit byte-soft 1000 byte-hard 2000 "
		  "limit packet-hard 7 time-use-soft 3 time-use-hard 4"), "add with limits");
	m = built(sa);
	ok(m && sa[KIPSEC_SA_A_LIFETIME] &&
	   !nla_parse_nested(l, KIPSEC_LFT_A_MAX, sa[KIPSEC_SA_A_LIFETIME], NULL),
	   "  LIFETIME nest");
	ok(m && l[KIPSEC_LFT_A_SOFT_ADD_SECS] && nla_get_u64(l[KIPSEC_LFT_A_SOFT_ADD_SECS]) == 10 &&
	   nla_get_u64(l[KIPSEC_LFT_A_HARD_ADD_SECS]) == 20 &&
	   nla_get_u64(l[KIPSEC_LFT_A_SOFT_BYTES]) == 1000 &&
	   nla_get_u64(l[KIPSEC_LFT_A_HARD_BYTES]) == 2000 &&
	   nla_get_u64(l[KIPSEC_LFT_A_HARD_PACKETS]) == 7 && !l[KIPSEC_LFT_A_SOFT_PACKETS] &&
	   nla_get_u64(l[KIPSEC_LFT_A_SOFT_USE_SECS]) == 3 &&
	   nla_get_u64(l[KIPSEC_LFT_A_HARD_USE_SECS]) == 4, "  values");
	nlmsg_free(m);

	ok(!parse("update dst 10.0.0.2 spi 5 limit packet-soft 0 new-src 10.0.0.3 new-dst 10.0.0.4"),
	   "update with limits and a move");
	m = built(sa);
	ok(m && sa[KIPSEC_SA_A_LIFETIME] && nla_len(sa[KIPSEC_SA_A_LIFETIME]) == 0,
	   "  all limits 0: empty LIFETIME nest kept (clears the limits)");
	ok(m && sa[KIPSEC_SA_A_NEW_SRC] && sa[KIPSEC_SA_A_NEW_DST] &&
	   nla_len(sa[KIPSEC_SA_A_NEW_DST]) == 4 &&
	   !memcmp(nla_data(sa[KIPSEC_SA_A_NEW_DST]), "\x0a\x00\x00\x04", 4), "  NEW_SRC, NEW_DST");
	nlmsg_free(m);

	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 5 aead rfc4106(gcm(aes)) " K20 " 128 "
	       "limit time-soft 20 time-hard 10", "soft limit 20 is above the hard limit 10");
	refuse("update dst 10.0.0.2 spi 5 limit", "'limit' needs time-soft, time-hard, "
	       "time-use-soft, time-use-hard, byte-soft, byte-hard, packet-soft or packet-hard "
	       "and a number");
	refuse("update dst 10.0.0.2 spi 5 limit byte-soft 1 limit byte-soft 2",
	       "'limit byte-soft' given twice");
	refuse("update dst 10.0.0.2 spi 5 new-dst fd00::1",
	       "new-src and new-dst must be of the SA's address family");
	refuse("add src 10.0.0.1 dst 10.0.0.2 spi 5 new-dst 10.0.0.4",
	       "unknown keyword 'new-dst'");
}

void test_state(void)
{
	add_forms();
	add_refusals();
	other_forms();
	lifetime_forms();
	state_req_wipe(&r);
}
