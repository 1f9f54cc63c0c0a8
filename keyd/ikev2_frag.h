/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKE message fragmentation (RFC 7383): splitting an inner payload chain
 * into SKF-protected datagrams, and reassembling decrypted fragments.
 * Fragments are only fed to the reassembler after ikev2_msg_open() has
 * verified their ICV (RFC 7383 2.6).
 */
#ifndef KEYD_IKEV2_FRAG_H
#define KEYD_IKEV2_FRAG_H

#include "ikev2_msg.h"

#define IKEV2_MAX_FRAGS		32	/* per message; more is refused */

struct ikev2_frag_reasm {
	uint32_t msgid;
	uint16_t total;		/* 0: nothing collected */
	uint16_t have;
	uint8_t first_np;	/* from fragment 1 */
	bool got[IKEV2_MAX_FRAGS];
	struct buf part[IKEV2_MAX_FRAGS];
};

void ikev2_frag_init(struct ikev2_frag_reasm *r);
/* Drops (and wipes) everything collected. */
void ikev2_frag_reset(struct ikev2_frag_reasm *r);

/*
 * Adds the decrypted content of one authenticated SKF payload (skf_np is
 * the payload's next-payload field). Returns 1 when the message is
 * complete, 0 when more fragments are needed or this one was ignored (a
 * duplicate, or a smaller Total Fragments than already seen), -1 on error.
 * A larger Total Fragments restarts the reassembly (RFC 7383 2.6).
 */
int ikev2_frag_add(struct ikev2_frag_reasm *r, uint32_t msgid, const struct ikev2_skf *skf,
		   uint8_t skf_np, const uint8_t *plain, size_t len, struct ikev2_error *err);

/* Concatenates a complete message's fragments into out and decodes the inner chain. */
int ikev2_frag_assemble(struct ikev2_frag_reasm *r, struct buf *out, struct ikev2_pldlist *inner,
			struct ikev2_error *err);

/*
 * Sender: cuts inner[0..inner_len) (first payload inner_first) into as many
 * SKF messages as needed so that none exceeds max_len bytes (the UDP
 * payload), each with header h. msgs[] (room for max_msgs, each
 * buf_init()ed) receives them; returns their count, or -1.
 */
int ikev2_frag_split(const struct ikev2_hdr *h, const struct crypto_sk_alg *alg,
		     const uint8_t *ek, const uint8_t *ak, const uint8_t *inner, size_t inner_len,
		     uint8_t inner_first, size_t max_len, struct buf *msgs, size_t max_msgs);

/*
 * The same, with the datagrams appended one after the other to out (one
 * buffer to keep for retransmission; ikev2_datagram_len() walks it).
 * Returns their count, or -1.
 */
int ikev2_frag_split_into(const struct ikev2_hdr *h, const struct crypto_sk_alg *alg,
			  const uint8_t *ek, const uint8_t *ak, const uint8_t *inner, size_t inner_len,
			  uint8_t inner_first, size_t max_len, struct buf *out);

/* Length of the IKE message at p (its header's length field), 0 if it does not fit in len. */
size_t ikev2_datagram_len(const uint8_t *p, size_t len);

#endif /* KEYD_IKEV2_FRAG_H */
