/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kipsec: the generic netlink contract between the kipsec kernel module and
 * userspace (the kipsec CLI, kipsec-keyd, or anything else).
 *
 * Family name "kipsec" (KIPSEC_GENL_NAME), version 1. Resolve the family id
 * with the nlctrl family (genl_ctrl_resolve() in libnl-genl-3).
 *
 * Conventions
 * -----------
 * - Every request carries exactly one top-level nest: KIPSEC_A_SA for the SA
 *   commands, KIPSEC_A_POLICY for the policy commands. Replies and events use
 *   the same nests, so one parser serves both directions.
 * - One attribute per field, no binary structs. Integers are in host byte
 *   order, except where the attribute name ends in _BE. Addresses are raw
 *   network-order bytes: 4 bytes for IPv4, 16 for IPv6; the length says the
 *   family.
 * - Validation is strict: unknown attributes, wrong lengths and out-of-range
 *   values are refused with -EINVAL and an extended ack message (and the
 *   offending attribute) that says what to fix. Exception: an integer outside
 *   the range of its attribute policy, or a binary attribute longer than its
 *   maximum, is refused by the netlink core with -ERANGE; the ack then points
 *   at the attribute and carries the allowed range (NLMSGERR_ATTR_POLICY).
 * - All commands that change state need CAP_NET_ADMIN in the network
 *   namespace of the socket (GENL_ADMIN_PERM); without it: -EPERM. GET, dump
 *   and STATS need it too, because they reveal traffic selectors and
 *   counters (keys are never returned).
 * - State (SAs, policies, counters) belongs to the network namespace of the
 *   netlink socket and is invisible from every other namespace.
 * - A namespace where kipsec holds at least one SA owns inbound ESP and AH:
 *   an SPI unknown to kipsec is dropped and counted (DROP_NOSA). A namespace
 *   without kipsec SAs leaves them to the kernel's own stack (XFRM), so both
 *   coexist on one machine, one per namespace.
 *
 * Errors returned by the module (besides -EINVAL/-EPERM):
 *   -EEXIST       SA with the same (dst, spi, proto) or identical policy
 *                 (dir, selector, priority) already exists (ADD without
 *                 NLM_F_REPLACE).
 *   -ENOENT       no such SA / policy (UPDATE, DEL, GET).
 *   -ENOPROTOOPT  algorithm id unknown to kipsec.
 *   -ENOSYS       a known algorithm that the running kernel cannot provide.
 *   -ENOMEM       out of memory; nothing was changed.
 *
 * Bundles: a protect policy with several templates applies them in order
 * outbound (the first template is the innermost transform, as with
 * `ip xfrm` and setkey: "esp ... ah ..." = ESP, then AH outside it) and
 * requires all of them inbound (except OPTIONAL ones), outermost first.
 *
 * AH (PROTO 51): INTEG_ALG and INTEG_KEY, no ENC_*; ICV over the immutable
 * and predictable fields of the outer IP header (RFC 4302 3.3.3).
 */
#ifndef _UAPI_LINUX_KIPSEC_H
#define _UAPI_LINUX_KIPSEC_H

#include <linux/types.h>

#define KIPSEC_GENL_NAME	"kipsec"
#define KIPSEC_GENL_VERSION	1

/* Multicast group for events (ACQUIRE, EXPIRE). */
#define KIPSEC_MCGRP_EVENTS	"events"

enum kipsec_cmd {
	KIPSEC_CMD_UNSPEC,

	/*
	 * SA commands: request and reply carry KIPSEC_A_SA.
	 *
	 * SA_ADD     create an SA. Required: DST, SRC, SPI, PROTO, MODE and the
	 *            algorithm attributes of the protocol. With NLM_F_REPLACE an
	 *            existing SA with the same (dst, spi, proto) is replaced.
	 * SA_UPDATE  change an existing SA identified by (DST, SPI, PROTO): the
	 *            attributes present replace the current values (keys and
	 *            algorithms cannot change: -EINVAL). Changeable:
	 *            REPLAY_WINDOW, SEQ_OUT, LIFETIME (the nest replaces all
	 *            limits: one left out is none; a soft expiry already
	 *            reported is forgotten, a hard one is final), NEW_SRC and
	 *            NEW_DST, the encap ports; SRC, MODE, REQID and FLAGS may
	 *            be repeated unchanged. An address move takes one RCU
	 *            grace period during which packets find no SA.
	 * SA_DEL     delete the SA identified by (DST, SPI, PROTO).
	 * SA_GET     without NLM_F_DUMP: the SA identified by (DST, SPI, PROTO);
	 *            with NLM_F_DUMP: every SA of the namespace, one message each.
	 *            Replies contain everything but key bytes, plus KIPSEC_SA_A_STATS.
	 * SA_FLUSH   delete every SA; optional PROTO restricts it to one protocol.
	 */
	KIPSEC_CMD_SA_ADD,
	KIPSEC_CMD_SA_UPDATE,
	KIPSEC_CMD_SA_DEL,
	KIPSEC_CMD_SA_GET,
	KIPSEC_CMD_SA_FLUSH,

	/*
	 * Policy commands: request and reply carry KIPSEC_A_POLICY.
	 *
	 * POLICY_ADD    create a policy; the reply carries its KIPSEC_POL_A_ID.
	 *               With NLM_F_REPLACE a policy with the same direction,
	 *               selector and priority is replaced.
	 * POLICY_DEL    delete by KIPSEC_POL_A_ID, or by DIR + selector (+ PRIORITY
	 *               when several policies share a selector).
	 * POLICY_GET    one policy (same keys as DEL), or all with NLM_F_DUMP, in
	 *               lookup order per direction.
	 * POLICY_FLUSH  delete every policy; optional DIR restricts it.
	 */
	KIPSEC_CMD_POLICY_ADD,
	KIPSEC_CMD_POLICY_DEL,
	KIPSEC_CMD_POLICY_GET,
	KIPSEC_CMD_POLICY_FLUSH,

	/* STATS_GET: reply carries KIPSEC_A_STATS, the namespace totals. */
	KIPSEC_CMD_STATS_GET,

	/*
	 * Events, sent on KIPSEC_MCGRP_EVENTS only (never accepted as requests).
	 * ACQUIRE  an outbound packet matched a protect policy with no usable SA;
	 *          carries KIPSEC_A_POLICY (the policy) and KIPSEC_A_ACQUIRE.
	 * EXPIRE   an SA reached a soft or hard limit (or, without ESN, used up
	 *          its sequence numbers: hard); carries KIPSEC_A_SA (as SA_GET
	 *          replies, FLAGS_STATE and CURRENT included) and the flag
	 *          KIPSEC_A_EXPIRE_HARD for a hard expiry. Soft: sent once per
	 *          SA (again only after UPDATE sets new limits); the SA keeps
	 *          working. Hard: sent once, then the SA is deleted (no other
	 *          message says so). A hard limit reached without the soft one
	 *          sends only the hard event.
	 */
	KIPSEC_CMD_ACQUIRE,
	KIPSEC_CMD_EXPIRE,

	__KIPSEC_CMD_MAX,
};
#define KIPSEC_CMD_MAX (__KIPSEC_CMD_MAX - 1)

/* Top-level attributes. */
enum kipsec_attr {
	KIPSEC_A_UNSPEC,
	KIPSEC_A_SA,		/* nest: enum kipsec_sa_attr */
	KIPSEC_A_POLICY,	/* nest: enum kipsec_pol_attr */
	KIPSEC_A_STATS,		/* nest: enum kipsec_stats_attr */
	KIPSEC_A_ACQUIRE,	/* nest: enum kipsec_acquire_attr (events) */
	KIPSEC_A_EXPIRE_HARD,	/* flag (events) */
	KIPSEC_A_PAD,
	__KIPSEC_A_MAX,
};
#define KIPSEC_A_MAX (__KIPSEC_A_MAX - 1)

/* IPsec protocols (IANA protocol numbers). */
#define KIPSEC_PROTO_ESP	50
#define KIPSEC_PROTO_AH		51

enum kipsec_mode {
	KIPSEC_MODE_TRANSPORT = 0,
	KIPSEC_MODE_TUNNEL = 1,
};

/*
 * Encryption algorithms: IKEv2 transform type 1 ids (IANA "Transform Type
 * Values", RFC 7296 3.3.2 and successors). The key attribute holds the
 * cipher key followed by the salt where the RFC defines one:
 *   AES-GCM (RFC 4106):            16/24/32 bytes key + 4 bytes salt
 *   AES-GMAC (RFC 4543):           16/24/32 bytes key + 4 bytes salt
 *   AES-CTR (RFC 3686):            16/24/32 bytes key + 4 bytes nonce
 *   ChaCha20-Poly1305 (RFC 7634):  32 bytes key + 4 bytes salt
 *   AES-CBC:                       16/24/32 bytes
 *   3DES-CBC:                      24 bytes
 *   NULL:                          no key attribute (or zero length)
 * AEAD algorithms (GCM, ChaCha20-Poly1305, GMAC) need no integrity
 * algorithm; the others need one (ESP without integrity is refused unless
 * KIPSEC_SA_F_ALLOW_INSECURE is set).
 */
enum kipsec_enc_alg {
	KIPSEC_ENC_DES		= 2,	/* refused unless ALLOW_INSECURE */
	KIPSEC_ENC_3DES		= 3,
	KIPSEC_ENC_NULL		= 11,
	KIPSEC_ENC_AES_CBC	= 12,
	KIPSEC_ENC_AES_CTR	= 13,
	KIPSEC_ENC_AES_GCM_8	= 18,	/* 8-byte ICV */
	KIPSEC_ENC_AES_GCM_12	= 19,	/* 12-byte ICV */
	KIPSEC_ENC_AES_GCM_16	= 20,	/* 16-byte ICV */
	KIPSEC_ENC_NULL_AES_GMAC = 21,
	KIPSEC_ENC_CHACHA20_POLY1305 = 28,
};

/*
 * Integrity algorithms: IKEv2 transform type 3 ids. The key length is the
 * one the RFC fixes (MD5 16, SHA1 20, SHA2-256 32, SHA2-384 48, SHA2-512 64,
 * XCBC/CMAC 16 bytes); the ICV is the truncated length in the name.
 */
enum kipsec_integ_alg {
	KIPSEC_INTEG_HMAC_MD5_96	= 1,
	KIPSEC_INTEG_HMAC_SHA1_96	= 2,
	KIPSEC_INTEG_AES_XCBC_96	= 5,
	KIPSEC_INTEG_AES_CMAC_96	= 8,
	KIPSEC_INTEG_HMAC_SHA2_256_128	= 12,
	KIPSEC_INTEG_HMAC_SHA2_384_192	= 13,
	KIPSEC_INTEG_HMAC_SHA2_512_256	= 14,
};

/* KIPSEC_SA_A_FLAGS bits. */
#define KIPSEC_SA_F_ESN			(1U << 0) /* extended sequence numbers (RFC 4304) */
#define KIPSEC_SA_F_ALLOW_INSECURE	(1U << 1) /* permit DES / ESP without integrity */
#define KIPSEC_SA_F_ALL			(KIPSEC_SA_F_ESN | KIPSEC_SA_F_ALLOW_INSECURE)

/*
 * KIPSEC_SA_A_FLAGS_STATE bits (replies only). An SA that hit a hard limit
 * (or, without ESN, sent sequence number 2^32-1) is removed right after the
 * hard EXPIRE event, so HARD is seen only in that event.
 */
#define KIPSEC_SA_S_SOFT_EXPIRED	(1U << 0) /* soft limit reached, EXPIRE sent */
#define KIPSEC_SA_S_HARD_EXPIRED	(1U << 1)

enum kipsec_encap {
	KIPSEC_ENCAP_NONE = 0,
	KIPSEC_ENCAP_UDP = 1,		/* ESP in UDP, RFC 3948 */
};

/*
 * Lifetime attributes (nests KIPSEC_SA_A_LIFETIME and KIPSEC_SA_A_CURRENT),
 * u64 each. Byte limits count the inner packet bytes, as
 * KIPSEC_STATS_A_BYTES does; USE = since the first packet. Soft may not be
 * above hard (-EINVAL). Seconds run on the boot clock and are checked once
 * a second (up to ~1 s late). Bytes and packets are checked on the packet
 * path without a shared counter: the packet that reaches a limit passes,
 * later ones are refused (DROP_EXPIRED) until the SA is gone; with several
 * CPUs sending on one SA the count may pass a limit by up to 1/16 of the
 * smallest byte/packet limit (exact when a limit is below 16 packets per
 * CPU).
 */
enum kipsec_lft_attr {
	KIPSEC_LFT_A_UNSPEC,
	KIPSEC_LFT_A_PAD,
	KIPSEC_LFT_A_SOFT_BYTES,
	KIPSEC_LFT_A_HARD_BYTES,
	KIPSEC_LFT_A_SOFT_PACKETS,
	KIPSEC_LFT_A_HARD_PACKETS,
	KIPSEC_LFT_A_SOFT_ADD_SECS,
	KIPSEC_LFT_A_HARD_ADD_SECS,
	KIPSEC_LFT_A_SOFT_USE_SECS,
	KIPSEC_LFT_A_HARD_USE_SECS,
	/* KIPSEC_SA_A_CURRENT only */
	KIPSEC_LFT_A_BYTES,
	KIPSEC_LFT_A_PACKETS,
	KIPSEC_LFT_A_ADD_SECS,
	KIPSEC_LFT_A_USE_SECS,
	__KIPSEC_LFT_A_MAX,
};
#define KIPSEC_LFT_A_MAX (__KIPSEC_LFT_A_MAX - 1)

#define KIPSEC_REPLAY_WINDOW_MAX	4096	/* packets */
#define KIPSEC_REPLAY_WINDOW_DEFAULT	64

/* Attributes of an SA (nest KIPSEC_A_SA). */
enum kipsec_sa_attr {
	KIPSEC_SA_A_UNSPEC,
	KIPSEC_SA_A_SPI,		/* u32, the SPI as a number (0x100 is 00 00 01 00 on the wire) */
	KIPSEC_SA_A_PROTO,		/* u8, KIPSEC_PROTO_ESP or KIPSEC_PROTO_AH */
	KIPSEC_SA_A_SRC,		/* binary 4 or 16: outer source (tunnel) / endpoint (transport) */
	KIPSEC_SA_A_DST,		/* binary 4 or 16, same family as SRC */
	KIPSEC_SA_A_MODE,		/* u8, enum kipsec_mode; default transport */
	KIPSEC_SA_A_REQID,		/* u32, ties SAs to policy templates; 0 = none */
	KIPSEC_SA_A_ENC_ALG,		/* u16, enum kipsec_enc_alg (ESP only) */
	KIPSEC_SA_A_ENC_KEY,		/* binary, up to 64 bytes; never in replies */
	KIPSEC_SA_A_INTEG_ALG,		/* u16, enum kipsec_integ_alg */
	KIPSEC_SA_A_INTEG_KEY,		/* binary, up to 128 bytes; never in replies */
	KIPSEC_SA_A_REPLAY_WINDOW,	/* u32, packets, 0..4096; default 64; 0 = no replay check */
	KIPSEC_SA_A_FLAGS,		/* u32, KIPSEC_SA_F_* */
	KIPSEC_SA_A_STATS,		/* nest, enum kipsec_stats_attr (replies only) */
	KIPSEC_SA_A_SEQ_OUT,		/* u64, last sequence number sent (replies; settable on ADD) */
	KIPSEC_SA_A_SEQ_IN,		/* u64, highest sequence number accepted (replies;
					 * settable on ADD: a fresh SA then expects
					 * numbers above it) */
	KIPSEC_SA_A_ENC_KEY_BITS,	/* u16, cipher key length in bits (replies; on
					 * requests optional, checked against ENC_KEY) */
	KIPSEC_SA_A_ICV_LEN,		/* u8, ICV bytes on the wire (replies) */
	KIPSEC_SA_A_PAD,
	/*
	 * NAT traversal (RFC 3948). ENCAP_TYPE UDP wraps ESP in UDP with the
	 * SA's own ports (host order; both default to 4500), as in XFRM: the
	 * UDP source and destination port of the SA's packets (an inbound SA's
	 * DPORT is the local port). Inbound, kipsec looks only at UDP datagrams
	 * whose destination address and port are the DST and ENCAP_DPORT of an
	 * encap SA of the namespace; other UDP is never touched. Of those, a
	 * first payload word that is not zero (and more than 8 bytes) is ESP
	 * for kipsec; the rest, IKE behind its non-ESP marker, goes on to the
	 * daemon's socket untouched and without inbound policy check; NAT
	 * keepalives (the single byte 0xFF) are consumed (NATT_KEEPALIVE).
	 * IPv4 sends UDP checksum 0, IPv6 a full checksum (as XFRM).
	 * ENCAP_OA is the peer's original address (NAT-OA, or from the traffic
	 * selectors); all zero = unknown. Transport mode: with OA, the inner
	 * TCP/UDP checksum is rewritten from OA to the received source and
	 * verified as usual; without, it is recomputed (RFC 3948 3.1.2).
	 * Only ESP can be encapsulated. UPDATE may change the ports.
	 */
	KIPSEC_SA_A_ENCAP_TYPE,		/* u8, enum kipsec_encap; default NONE */
	KIPSEC_SA_A_ENCAP_SPORT,	/* u16, 1..65535, UDP source port of the SA's packets */
	KIPSEC_SA_A_ENCAP_DPORT,	/* u16, 1..65535, UDP destination port of the SA's packets */
	KIPSEC_SA_A_ENCAP_OA,		/* binary 4 or 16 (the SA's family), the peer's original address */
	/*
	 * Limits, nest of enum kipsec_lft_attr: settable on ADD and UPDATE,
	 * returned in replies. Absent or 0 = no limit.
	 */
	KIPSEC_SA_A_LIFETIME,
	/*
	 * Current use, nest of enum kipsec_lft_attr (replies only): ADD_SECS
	 * and USE_SECS say how long ago the SA was added and first used (USE_SECS
	 * absent while unused); BYTES/PACKETS are the totals counted against
	 * the limits.
	 */
	KIPSEC_SA_A_CURRENT,
	/*
	 * Replay window state (replies): bit i set = sequence number
	 * (SEQ_IN - i) was accepted; as many bits as REPLAY_WINDOW rounded up
	 * to 32, in u32 words, host order, word 0 holding bits 0..31.
	 */
	KIPSEC_SA_A_REPLAY_BITMAP,
	KIPSEC_SA_A_FLAGS_STATE,	/* u32, KIPSEC_SA_S_* (replies) */
	/*
	 * UPDATE only: move the SA to new addresses (NAT port float, mobility),
	 * keeping keys, counters and replay state. Same family as before.
	 */
	KIPSEC_SA_A_NEW_SRC,		/* binary 4 or 16 */
	KIPSEC_SA_A_NEW_DST,		/* binary 4 or 16 */
	__KIPSEC_SA_A_MAX,
};
#define KIPSEC_SA_A_MAX (__KIPSEC_SA_A_MAX - 1)

enum kipsec_dir {
	KIPSEC_DIR_IN = 0,	/* packets delivered to this host */
	KIPSEC_DIR_OUT = 1,	/* packets sent by this host or forwarded out */
	KIPSEC_DIR_FWD = 2,	/* packets forwarded by this host (checked on arrival) */
};

enum kipsec_action {
	KIPSEC_ACTION_PROTECT = 0,	/* apply (out) / require (in, fwd) the templates */
	KIPSEC_ACTION_BYPASS = 1,	/* pass in clear */
	KIPSEC_ACTION_DISCARD = 2,	/* drop (counted) */
};

/* Attributes of a policy (nest KIPSEC_A_POLICY). */
enum kipsec_pol_attr {
	KIPSEC_POL_A_UNSPEC,
	KIPSEC_POL_A_ID,		/* u32, assigned by the kernel, unique per namespace */
	KIPSEC_POL_A_DIR,		/* u8, enum kipsec_dir */
	KIPSEC_POL_A_PRIORITY,		/* u32, lower value is looked up first; default 0 */
	KIPSEC_POL_A_ACTION,		/* u8, enum kipsec_action; default PROTECT if TMPL given */
	/*
	 * Selector. SRC/DST and their prefix lengths default to "any" of the
	 * family; FAMILY is needed only when no address is given (defaults to
	 * both families). Ports apply to TCP, UDP, SCTP, UDPLite; for ICMP and
	 * ICMPv6 SPORT carries the type and DPORT the code (as in XFRM).
	 */
	KIPSEC_POL_A_SEL_FAMILY,	/* u16, AF_INET or AF_INET6; 0 = both */
	KIPSEC_POL_A_SEL_SRC,		/* binary 4 or 16 */
	KIPSEC_POL_A_SEL_SRC_PLEN,	/* u8, 0..32 or 0..128 */
	KIPSEC_POL_A_SEL_DST,		/* binary 4 or 16 */
	KIPSEC_POL_A_SEL_DST_PLEN,	/* u8 */
	KIPSEC_POL_A_SEL_PROTO,		/* u8, upper-layer protocol; 0 = any */
	KIPSEC_POL_A_SEL_SPORT_MIN,	/* u16, inclusive; default 0 */
	KIPSEC_POL_A_SEL_SPORT_MAX,	/* u16, inclusive; default 65535 */
	KIPSEC_POL_A_SEL_DPORT_MIN,	/* u16 */
	KIPSEC_POL_A_SEL_DPORT_MAX,	/* u16 */
	KIPSEC_POL_A_TMPLS,		/* nest of KIPSEC_TMPLS_A_TMPL, applied in order */
	KIPSEC_POL_A_STATS,		/* nest, enum kipsec_stats_attr (replies only) */
	__KIPSEC_POL_A_MAX,
};
#define KIPSEC_POL_A_MAX (__KIPSEC_POL_A_MAX - 1)

#define KIPSEC_TMPLS_MAX	4	/* transforms in one bundle */

enum kipsec_tmpls_attr {
	KIPSEC_TMPLS_A_UNSPEC,
	KIPSEC_TMPLS_A_TMPL,		/* nest: enum kipsec_tmpl_attr, repeated */
	__KIPSEC_TMPLS_A_MAX,
};
#define KIPSEC_TMPLS_A_MAX (__KIPSEC_TMPLS_A_MAX - 1)

/*
 * A template says which SA a protect policy needs. Outbound, the SA used is
 * the newest one with the same protocol, mode, addresses (tunnel: SRC/DST of
 * the template; transport: the packet's) and, when REQID is not 0, reqid.
 * When SPI is given the policy is bound to exactly that SA.
 *
 * Rekeying (make-before-break): add the new inbound SA, then the new
 * outbound SA with the same reqid. Outbound traffic moves to the new SA
 * with the next packet (the newest SA wins; a packet uses either the old
 * or the new SA, never none), while the old inbound SA keeps accepting
 * until it is deleted. Delete the old outbound SA, then, once the peer
 * has switched and packets in flight have arrived, the old inbound one.
 * "Newest" is the order of SA_ADD (NLM_F_REPLACE counts as new).
 */
enum kipsec_tmpl_attr {
	KIPSEC_TMPL_A_UNSPEC,
	KIPSEC_TMPL_A_PROTO,		/* u8, ESP or AH; default ESP */
	KIPSEC_TMPL_A_MODE,		/* u8, enum kipsec_mode; default transport */
	KIPSEC_TMPL_A_REQID,		/* u32, 0 = any */
	KIPSEC_TMPL_A_SRC,		/* binary 4 or 16, tunnel mode: outer source */
	KIPSEC_TMPL_A_DST,		/* binary 4 or 16, tunnel mode: outer destination */
	KIPSEC_TMPL_A_SPI,		/* u32, 0 = any */
	KIPSEC_TMPL_A_OPTIONAL,		/* flag: inbound, the transform may be absent ("level use") */
	__KIPSEC_TMPL_A_MAX,
};
#define KIPSEC_TMPL_A_MAX (__KIPSEC_TMPL_A_MAX - 1)

/*
 * Counters (u64 each; attributes that are zero may be omitted). Used per SA
 * (KIPSEC_SA_A_STATS), per policy (KIPSEC_POL_A_STATS) and per namespace
 * (KIPSEC_A_STATS). Drops are counted where they happen: an SA counts the
 * drops of packets that reached it, the namespace counts all drops.
 */
enum kipsec_stats_attr {
	KIPSEC_STATS_A_UNSPEC,
	KIPSEC_STATS_A_PAD,
	KIPSEC_STATS_A_PACKETS,		/* packets processed successfully */
	KIPSEC_STATS_A_BYTES,		/* bytes of those packets (inner, before encap / after decap) */
	KIPSEC_STATS_A_DROP_REPLAY,	/* sequence number replayed or too old */
	KIPSEC_STATS_A_DROP_AUTH,	/* ICV check failed */
	KIPSEC_STATS_A_DROP_PAD,	/* bad padding or trailer */
	KIPSEC_STATS_A_DROP_NOSA,	/* inbound SPI unknown (namespace only) */
	KIPSEC_STATS_A_DROP_MALFORMED,	/* truncated or malformed ESP/AH */
	KIPSEC_STATS_A_DROP_POLICY,	/* inner packet does not match the SA's policy */
	KIPSEC_STATS_A_DROP_PLAINTEXT,	/* clear packet where protect is required */
	KIPSEC_STATS_A_DROP_DISCARD,	/* matched a discard policy */
	KIPSEC_STATS_A_DROP_NOSA_OUT,	/* outbound protect policy without usable SA */
	KIPSEC_STATS_A_DROP_SEQ_OVERFLOW, /* sequence number space exhausted */
	KIPSEC_STATS_A_DROP_NOMEM,	/* allocation failed */
	KIPSEC_STATS_A_DROP_CRYPTO,	/* crypto layer error other than auth */
	KIPSEC_STATS_A_DROP_ROUTE,	/* no route for the encapsulated / decapsulated packet */
	KIPSEC_STATS_A_DROP_MTU,	/* too big, DF set: ICMP sent */
	KIPSEC_STATS_A_DROP_PROTO,	/* next header / inner family not supported */
	KIPSEC_STATS_A_DROP_ACQUIRE,	/* held for an SA that did not come in time, or queue full */
	KIPSEC_STATS_A_DROP_EXPIRED,	/* SA past a hard limit (until it is removed) */
	KIPSEC_STATS_A_ACQUIRES,	/* ACQUIRE events sent (namespace, policy) */
	KIPSEC_STATS_A_QUEUED,		/* packets held waiting for an SA, sent later */
	KIPSEC_STATS_A_NATT_KEEPALIVE,	/* NAT keepalives consumed */
	KIPSEC_STATS_A_FRAG_OUT,	/* encapsulated packets sent as fragments */
	KIPSEC_STATS_A_ICMP_TOO_BIG,	/* "too big" sent back (packet dropped: DROP_MTU) */
	__KIPSEC_STATS_A_MAX,
};
#define KIPSEC_STATS_A_MAX (__KIPSEC_STATS_A_MAX - 1)

/*
 * ACQUIRE event details (nest KIPSEC_A_ACQUIRE). Sent at most once a second
 * per policy while no SA is there; the packet that triggered it is held (a
 * few per policy, for a few seconds) and sent once a matching SA is added.
 */
enum kipsec_acquire_attr {
	KIPSEC_ACQ_A_UNSPEC,
	KIPSEC_ACQ_A_SRC,		/* binary 4 or 16, the packet's source */
	KIPSEC_ACQ_A_DST,		/* binary 4 or 16, the packet's destination */
	KIPSEC_ACQ_A_PROTO,		/* u8, upper-layer protocol */
	KIPSEC_ACQ_A_SPORT,		/* u16 */
	KIPSEC_ACQ_A_DPORT,		/* u16 */
	KIPSEC_ACQ_A_TMPL,		/* u8, index of the first template without SA */
	__KIPSEC_ACQ_A_MAX,
};
#define KIPSEC_ACQ_A_MAX (__KIPSEC_ACQ_A_MAX - 1)

#endif /* _UAPI_LINUX_KIPSEC_H */
