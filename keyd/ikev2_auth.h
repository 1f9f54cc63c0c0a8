/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKE_AUTH authentication data (RFC 7296 2.15) and NAT detection hashes
 * (2.23): the shared-key MIC, and signatures: RFC 7427 Digital Signature
 * (method 14, AlgorithmIdentifier + signature) and the classic RSA (1) and
 * ECDSA (9/10/11, RFC 4754) methods, all with EVP_DigestSign/Verify.
 */
#ifndef KEYD_IKEV2_AUTH_H
#define KEYD_IKEV2_AUTH_H

#include <openssl/evp.h>

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

/* RFC 7427 hash algorithm identifiers (SIGNATURE_HASH_ALGORITHMS notify) */
enum ikev2_sig_hash {
	IKEV2_HASH_SHA1		= 1,
	IKEV2_HASH_SHA2_256	= 2,
	IKEV2_HASH_SHA2_384	= 3,
	IKEV2_HASH_SHA2_512	= 4,
};

/* The notify data we announce (SHA2-256, -384, -512, 2 bytes each); returns its length. */
size_t ikev2_sig_hashes_ours(uint8_t out[6]);
/* A peer's notify data as a set: bit (1 << id) for each hash id listed (ids above 15 ignored). */
unsigned int ikev2_sig_hashes_parse(const uint8_t *data, size_t len);

/*
 * DER AlgorithmIdentifier of RFC 7427 appendix A for the key's type and a
 * hash: sha*WithRSAEncryption (NULL parameters), ecdsa-with-SHA* (no
 * parameters), or RSASSA-PSS with MGF1 of the same hash and a salt as long
 * as the hash (pss, RSA keys only). Appended to out; 0 or -1.
 */
int ikev2_sig_algid(const EVP_PKEY *key, enum ikev2_sig_hash hash, bool pss, struct buf *out);

/*
 * Signs the octets with our private key. When the peer announced RFC 7427
 * hashes (peer_hashes, from ikev2_sig_hashes_parse()) the method is 14
 * with the hash that fits the key; otherwise the key's classic method (RSA:
 * 1 with SHA-1; ECDSA P-256/384/521: 9/10/11). *method gets the method, out
 * the AUTH data. 0, or -1.
 */
int ikev2_auth_sign(EVP_PKEY *key, unsigned int peer_hashes, bool pss, const uint8_t *octets,
		    size_t octets_len, uint8_t *method, struct buf *out);

/*
 * Verifies an AUTH payload (method and data) made by the holder of pub over
 * the octets. 0 with what was verified in why (e.g. "RFC 7427
 * ecdsa-with-SHA384"), or -1 with the reason in why (unsupported method
 * or algorithm, key type mismatch, bad signature).
 */
int ikev2_auth_verify(EVP_PKEY *pub, uint8_t method, const uint8_t *data, size_t len,
		      const uint8_t *octets, size_t octets_len, char *why, size_t whylen);

#endif /* KEYD_IKEV2_AUTH_H */
