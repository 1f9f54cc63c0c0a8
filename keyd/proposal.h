/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SA proposals (RFC 7296 2.7, 3.3): selection by a responder, checking a
 * responder's choice as initiator, and the text form used by the config
 * ("aes256gcm16-prfsha384-ecp384", strongSwan-style keywords).
 */
#ifndef KEYD_PROPOSAL_H
#define KEYD_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto.h"
#include "ikev2_pld.h"

bool proposal_encr_is_aead(uint16_t encr);

/* First transform of a type in a proposal (NULL: none). */
const struct ikev2_transform *proposal_get(const struct ikev2_proposal *p, uint8_t type);

/*
 * Responder: picks the first local proposal (in local order) for protocol
 * proto that one of the peer's proposals can satisfy, choosing per
 * transform type the first local transform the peer also offered. The
 * result has one transform per type, the peer's proposal number and SPI.
 * Returns 0, or -1 when nothing matches (answer NO_PROPOSAL_CHOSEN);
 * *local_idx (may be NULL) gets the index of the local proposal used.
 */
int proposal_select(const struct ikev2_sa *local, const struct ikev2_sa *peer, uint8_t proto,
		    struct ikev2_proposal *chosen, size_t *local_idx);

/*
 * Initiator: accepts the responder's SA payload only if it holds exactly one
 * proposal, with one transform per type, all taken from the offered
 * proposal of the same number. Returns 0 and the proposal in *out, or -1.
 */
int proposal_check_reply(const struct ikev2_sa *offered, const struct ikev2_sa *reply,
			 struct ikev2_proposal *out);

/* The chosen IKE proposal as algorithms; -1 if it lacks ENCR or PRF or SK can't use it. */
int proposal_ike_algs(const struct ikev2_proposal *p, struct crypto_sk_alg *sk, uint16_t *prf,
		      uint16_t *dh);

/*
 * "aes128-sha256-modp2048" -> proposal for proto (IKE: PRFs default to the
 * integrity algorithms' hashes; ESP: ESN defaults to "noesn"). On error
 * returns -1 with a message in err.
 */
int proposal_parse(const char *text, uint8_t proto, struct ikev2_proposal *out, char *err, size_t errlen);
/* The reverse, for logs and --check-config. */
void proposal_format(const struct ikev2_proposal *p, char *buf, size_t len);

#endif /* KEYD_PROPOSAL_H */
