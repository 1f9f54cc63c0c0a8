// SPDX-License-Identifier: GPL-2.0
/* IKE_AUTH data and NAT-D hashes; see ikev2_auth.h. */
#include "ikev2_auth.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ikev2.h"

int ikev2_auth_octets(uint16_t prf, const uint8_t *sk_p, size_t sk_p_len,
		      const uint8_t *init_msg, size_t init_len,
		      const uint8_t *peer_nonce, size_t peer_nonce_len,
		      const uint8_t *id_body, size_t id_body_len, struct buf *out)
{
	size_t hlen = crypto_prf_len(prf);
	uint8_t *mac;

	if (!hlen)
		return CRYPTO_E_UNSUPPORTED;
	out->len = 0;
	out->failed = false;
	buf_put(out, init_msg, init_len);
	buf_put(out, peer_nonce, peer_nonce_len);
	mac = buf_reserve(out, hlen);
	if (!mac)
		return CRYPTO_E_INTERNAL;
	return crypto_prf(prf, sk_p, sk_p_len, &(struct cbuf){ id_body, id_body_len }, 1, mac);
}

static const char key_pad[] = "Key Pad for IKEv2";	/* 17 ASCII bytes, no NUL (2.15) */

int ikev2_auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len,
		   const uint8_t *octets, size_t octets_len, uint8_t *out)
{
	uint8_t k[CRYPTO_PRF_MAX];
	int ret;

	ret = crypto_prf(prf, psk, psk_len, &(struct cbuf){ (const uint8_t *)key_pad, sizeof(key_pad) - 1 }, 1, k);
	if (!ret)
		ret = crypto_prf(prf, k, crypto_prf_len(prf), &(struct cbuf){ octets, octets_len }, 1, out);
	OPENSSL_cleanse(k, sizeof(k));
	return ret;
}

int ikev2_auth_psk_verify(uint16_t prf, const uint8_t *psk, size_t psk_len,
			  const uint8_t *octets, size_t octets_len,
			  const uint8_t *auth, size_t auth_len)
{
	uint8_t want[CRYPTO_PRF_MAX];
	int ret = ikev2_auth_psk(prf, psk, psk_len, octets, octets_len, want);

	if (!ret && (auth_len != crypto_prf_len(prf) || CRYPTO_memcmp(want, auth, auth_len)))
		ret = CRYPTO_E_AUTH;
	OPENSSL_cleanse(want, sizeof(want));
	return ret;
}

int ikev2_natd_hash(uint64_t spi_i, uint64_t spi_r, const uint8_t *addr, size_t addr_len,
		    uint16_t port, uint8_t out[20])
{
	uint8_t in[8 + 8 + 16 + 2];
	unsigned int len = 0;

	if (addr_len != 4 && addr_len != 16)
		return CRYPTO_E_FORMAT;
	put_be64(in, spi_i);
	put_be64(in + 8, spi_r);
	memcpy(in + 16, addr, addr_len);
	put_be16(in + 16 + addr_len, port);
	if (!EVP_Digest(in, 16 + addr_len + 2, out, &len, EVP_sha1(), NULL) || len != 20)
		return CRYPTO_E_INTERNAL;
	return CRYPTO_OK;
}
