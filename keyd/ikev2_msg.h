/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKEv2 messages (RFC 7296 3.1-3.2): the fixed header, the payload chain,
 * and the SK / SKF (RFC 7383) encrypted payload. The same decoder serves
 * requests and responses, initiator and responder.
 *
 * Receive:  ikev2_msg_decode()  -> header + outer payloads, each validated;
 *           ikev2_msg_open()    -> decrypts SK and decodes the inner chain.
 * Send:     ikev2_msg_begin(), ikev2_put_*() (ikev2_pld.h) on the outer or an
 *           inner chain, then ikev2_msg_finish() or ikev2_msg_seal().
 */
#ifndef KEYD_IKEV2_MSG_H
#define KEYD_IKEV2_MSG_H

#include "crypto.h"
#include "ikev2_pld.h"

struct ikev2_hdr {
	uint64_t spi_i;
	uint64_t spi_r;
	uint8_t np;		/* first payload */
	uint8_t version;	/* IKEV2_VERSION */
	uint8_t exchange;	/* enum ikev2_exchange */
	uint8_t flags;		/* IKEV2_FLAG_* */
	uint32_t msgid;
	uint32_t length;
};

/* A payload as found in the chain; body points into the decoded buffer. */
struct ikev2_pld {
	uint8_t type;
	bool critical;
	uint8_t np;		/* for SK/SKF: type of the first inner payload */
	const uint8_t *body;
	size_t len;		/* body length (payload length - 4) */
	size_t offset;		/* of the generic header, from the start of the buffer */
};

struct ikev2_pldlist {
	size_t n;
	struct ikev2_pld p[IKEV2_MAX_PAYLOADS];
};

struct ikev2_msg {
	struct ikev2_hdr hdr;
	struct ikev2_pldlist pl;
	const uint8_t *raw;	/* the whole message (AUTH signs it, SK covers it) */
	size_t raw_len;
};

/* Header alone: peeks SPIs/exchange/flags before the full decode (e.g. for routing to an SA). */
int ikev2_hdr_decode(const uint8_t *p, size_t len, struct ikev2_hdr *h, struct ikev2_error *err);

/*
 * Decodes a whole UDP payload: header, length == len, every payload's
 * length and body. Unknown non-critical payloads are kept (type as sent)
 * and skipped by users; an unknown critical one fails with
 * IKEV2_E_CRITICAL and err->pld_type set. SK/SKF must be last.
 */
int ikev2_msg_decode(const uint8_t *p, size_t len, struct ikev2_msg *m, struct ikev2_error *err);

/*
 * Decodes a payload chain starting with type first; base is added to the
 * offsets recorded. allow_sk: whether SK/SKF may appear (only outside).
 */
int ikev2_chain_parse(uint8_t first, const uint8_t *p, size_t len, size_t base, bool allow_sk,
		      struct ikev2_pldlist *out, struct ikev2_error *err);

/* The i-th payload of a type at or after *pos (start with 0); NULL if none. */
const struct ikev2_pld *ikev2_pld_find(const struct ikev2_pldlist *l, uint8_t type, size_t *pos);

/*
 * Decrypts the SK (or one SKF) payload, which must be the last of msg, into
 * plain (buf_init()ed; reset first). For SK the inner chain is decoded into inner; for
 * SKF inner is left empty and the caller reassembles the fragments (the
 * inner chain of fragment 1 starts with np) before ikev2_chain_parse().
 */
int ikev2_msg_open(const struct ikev2_msg *m, const struct crypto_sk_alg *alg,
		   const uint8_t *ek, const uint8_t *ak, struct buf *plain,
		   struct ikev2_pldlist *inner, struct ikev2_error *err);

/* Starts a message in b (buf_init()ed; emptied first) and links the chain to the header. */
void ikev2_msg_begin(struct buf *b, struct ikev2_chain *c, const struct ikev2_hdr *h);
/* Writes the total length; returns -1 if the buffer failed. */
int ikev2_msg_finish(struct buf *b);
/*
 * Appends the SK payload (frag_total 0) or an SKF fragment carrying the
 * inner chain bytes inner[0..inner_len) whose first payload is
 * inner_first, finishes the message and encrypts it. iv NULL = random.
 */
int ikev2_msg_seal(struct ikev2_chain *c, const struct crypto_sk_alg *alg,
		   const uint8_t *ek, const uint8_t *ak,
		   const uint8_t *inner, size_t inner_len, uint8_t inner_first,
		   uint16_t frag_num, uint16_t frag_total, const uint8_t *iv);

#endif /* KEYD_IKEV2_MSG_H */
