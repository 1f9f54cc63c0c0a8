/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKE_AUTH authentication data (RFC 7296 2.15) and NAT detection hashes
 * (2.23). Shared-key MIC now; signatures (RFC 7427) join here later.
 */
#ifndef KEYD_IKEV2_AUTH_H
#define KEYD_IKEV2_AUTH_H

#include "buf.h"
#include "crypto.h"

/*
 * <SignedOctets> = first message of the side being authenticated (its
 * IKE_SA_INIT, as sent) | the OTHER side's nonce | prf(SK_px, ID body),
 * where SK_px is SK_pi for the initiator and SK_pr for the responder and
 * the ID body is the ID payload without its generic header.
 */
int ikev2_auth_octets(uint16_t prf, const uint8_t *sk_p, size_t sk_p_len,
		      const uint8_t *init_msg, size_t init_len,
		      const uint8_t *peer_nonce, size_t peer_nonce_len,
		      const uint8_t *id_body, size_t id_body_len, struct buf *out);

/* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>); out has crypto_prf_len() bytes. */
int ikev2_auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len,
		   const uint8_t *octets, size_t octets_len, uint8_t *out);
/* Constant-time check of a received shared-key AUTH: 0 if it matches. */
int ikev2_auth_psk_verify(uint16_t prf, const uint8_t *psk, size_t psk_len,
			  const uint8_t *octets, size_t octets_len,
			  const uint8_t *auth, size_t auth_len);

/* NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP address | port), 20 bytes. */
int ikev2_natd_hash(uint64_t spi_i, uint64_t spi_r, const uint8_t *addr, size_t addr_len,
		    uint16_t port, uint8_t out[20]);

#endif /* KEYD_IKEV2_AUTH_H */
