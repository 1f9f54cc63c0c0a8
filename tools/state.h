/* SPDX-License-Identifier: GPL-2.0 */
/* `kipsec state ...`: argv -> struct sa_req -> KIPSEC_A_SA. */
#ifndef KIPSEC_STATE_H
#define KIPSEC_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/msg.h>

#include "args.h"

enum state_op { STATE_ADD, STATE_UPDATE, STATE_DEL, STATE_GET, STATE_LIST, STATE_FLUSH };

struct sa_req {
	enum state_op op;
	const char *opname;	/* canonical sub-command, for messages */
	bool has_src, has_dst, has_spi, has_proto, has_mode, has_reqid;
	bool has_replay, has_flags, has_seq_out;
	/* encap espinudp SPORT DPORT OA (OA all zero: not sent) */
	bool has_encap;
	uint16_t encap_sport, encap_dport;
	struct kaddr encap_oa;
	struct kaddr src, dst;
	uint32_t spi, reqid, replay_window, flags;
	uint8_t proto, mode;
	uint64_t seq_out;
	/* ip xfrm's 32-bit halves: replay-oseq-hi, replay-seq, replay-seq-hi. */
	bool has_oseq_hi, has_seq_in, has_seq_hi;
	uint32_t oseq_hi, seq_hi;
	uint64_t seq_in;
	/* enc_alg/integ_alg 0 = not given (0 is no IANA id kipsec uses). */
	uint16_t enc_alg, enc_key_bits, integ_alg;
	bool aead;
	size_t enc_key_len, integ_key_len;
	uint8_t enc_key[64];
	uint8_t integ_key[128];
	bool stats;		/* list -s */
	/* limit ...: indexed by enum kipsec_lft_attr (SOFT_BYTES..HARD_USE_SECS) */
	bool has_lft;
	uint64_t lft[16];
	uint32_t lft_seen;	/* bit per attribute: given twice is an error */
	bool has_new_src, has_new_dst;	/* update: move the SA */
	struct kaddr new_src, new_dst;
};

/*
 * argv[0] is the sub-command (add, update, del, get, list, flush and their
 * ip xfrm aliases). 0, or -1 with the reason in cli_err().
 */
int state_parse(int argc, char **argv, struct sa_req *r);
/* Put the KIPSEC_A_SA nest for @r into @msg; -1 if it does not fit. */
int state_build(struct nl_msg *msg, const struct sa_req *r);
/* Wipe key material. */
void state_req_wipe(struct sa_req *r);

#endif
