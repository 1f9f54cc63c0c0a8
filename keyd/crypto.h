/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKEv2 cryptography on OpenSSL 3 EVP: PRF and prf+ (RFC 7296 2.13), IKE SA
 * and Child SA key derivation (2.14, 2.17, 2.18), Diffie-Hellman (MODP,
 * ECP as RFC 5903, Curve25519 as RFC 8031) and the SK payload ciphers
 * (AES-GCM and ChaCha20-Poly1305 as RFC 5282/7634, AES-CBC + HMAC with
 * truncated ICV). Algorithms are named by their IANA transform ids.
 * Functions return 0 on success and a negative CRYPTO_E_* on failure.
 */
#ifndef KEYD_CRYPTO_H
#define KEYD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	CRYPTO_OK		= 0,
	CRYPTO_E_AUTH		= -1,	/* ICV / tag mismatch */
	CRYPTO_E_FORMAT		= -2,	/* wrong length, bad padding, invalid public value */
	CRYPTO_E_UNSUPPORTED	= -3,	/* algorithm or key size not implemented */
	CRYPTO_E_INTERNAL	= -4,	/* OpenSSL failed */
};
const char *crypto_strerror(int err);

#define CRYPTO_PRF_MAX		64	/* HMAC-SHA2-512 */
#define CRYPTO_KEY_MAX		64	/* largest encryption or integrity key */
#define CRYPTO_ICV_MAX		32
#define CRYPTO_IV_MAX		16

/* One piece of a concatenation, so "Ni | Nr | SPIi | SPIr" needs no copy. */
struct cbuf {
	const uint8_t *p;
	size_t len;
};

int crypto_random(uint8_t *out, size_t len);

/* ---- PRF (transform type 2) ---- */
/* Output length, which is also the preferred key length; 0 if unsupported. */
size_t crypto_prf_len(uint16_t prf);
int crypto_prf(uint16_t prf, const uint8_t *key, size_t keylen,
	       const struct cbuf *parts, size_t nparts, uint8_t *out);
/* prf+ (RFC 7296 2.13): at most 255 blocks of output. */
int crypto_prfplus(uint16_t prf, const uint8_t *key, size_t keylen,
		   const struct cbuf *parts, size_t nparts, uint8_t *out, size_t outlen);

/* ---- integrity (transform type 3), HMAC truncated to the ICV length ---- */
int crypto_integ_sizes(uint16_t integ, size_t *keylen, size_t *icvlen);
int crypto_integ(uint16_t integ, const uint8_t *key, const struct cbuf *parts, size_t nparts,
		 uint8_t *icv);

/* ---- SK payload protection ---- */
struct crypto_sk_alg {
	uint16_t encr;		/* transform type 1 id */
	uint16_t keybits;	/* Key Length attribute; 0 where the cipher has one size */
	uint16_t integ;		/* transform type 3 id; NONE with AEAD */
};

struct crypto_sk_sizes {
	size_t ek_len;		/* SK_e*: cipher key plus salt (AEAD) */
	size_t key_len;		/* cipher key alone */
	size_t ak_len;		/* SK_a*: 0 with AEAD */
	size_t iv_len;
	size_t icv_len;
	size_t block_len;	/* plaintext + padding + pad length is a multiple of it */
	bool aead;
};

int crypto_sk_sizes(const struct crypto_sk_alg *a, struct crypto_sk_sizes *s);
/*
 * msg holds [aad_len bytes: IKE header .. SK header][IV][plaintext incl.
 * padding and pad length: plain_len bytes][room for the ICV]. Encrypts in
 * place and writes IV and ICV. iv is NULL (random IV) except in tests.
 */
int crypto_sk_seal(const struct crypto_sk_alg *a, const uint8_t *ek, const uint8_t *ak,
		   uint8_t *msg, size_t aad_len, size_t plain_len, const uint8_t *iv);
/*
 * The reverse, for a received msg of msg_len bytes whose SK/SKF body starts
 * at aad_len. Checks the ICV before anything else, then decrypts into out
 * (at least msg_len bytes) and strips the padding: *out_len is the length
 * of the inner payload chain.
 */
int crypto_sk_open(const struct crypto_sk_alg *a, const uint8_t *ek, const uint8_t *ak,
		   const uint8_t *msg, size_t aad_len, size_t msg_len,
		   uint8_t *out, size_t *out_len);

/* The raw ciphers, exposed for known-answer tests. */
int crypto_aead(uint16_t encr, bool encrypt, const uint8_t *key, size_t keylen,
		const uint8_t nonce[12], const uint8_t *aad, size_t aadlen,
		const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag, size_t taglen);
int crypto_aes_cbc(bool encrypt, const uint8_t *key, size_t keylen, const uint8_t iv[16],
		   const uint8_t *in, size_t len, uint8_t *out);

/* ---- IKE SA keys (RFC 7296 2.14, 2.18) ---- */
struct ikev2_keys {
	size_t prf_len;		/* SKEYSEED, SK_d, SK_pi, SK_pr */
	size_t integ_len;	/* SK_ai, SK_ar */
	size_t encr_len;	/* SK_ei, SK_er */
	uint8_t skeyseed[CRYPTO_PRF_MAX];
	uint8_t sk_d[CRYPTO_PRF_MAX];
	uint8_t sk_ai[CRYPTO_KEY_MAX];
	uint8_t sk_ar[CRYPTO_KEY_MAX];
	uint8_t sk_ei[CRYPTO_KEY_MAX];
	uint8_t sk_er[CRYPTO_KEY_MAX];
	uint8_t sk_pi[CRYPTO_PRF_MAX];
	uint8_t sk_pr[CRYPTO_PRF_MAX];
};

/* SKEYSEED = prf(Ni | Nr, g^ir); keys = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). */
int crypto_ike_keys(uint16_t prf, const struct crypto_sk_alg *sk,
		    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		    const uint8_t *gir, size_t gir_len, uint64_t spi_i, uint64_t spi_r,
		    struct ikev2_keys *out);
/* Rekeyed IKE SA: SKEYSEED = prf_old(SK_d old, g^ir new | Ni | Nr). */
int crypto_ike_rekey_keys(uint16_t old_prf, const uint8_t *old_sk_d, size_t old_sk_d_len,
			  uint16_t prf, const struct crypto_sk_alg *sk,
			  const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			  const uint8_t *gir, size_t gir_len, uint64_t spi_i, uint64_t spi_r,
			  struct ikev2_keys *out);
void crypto_ike_keys_clear(struct ikev2_keys *k);

/* ---- Child SA keys (RFC 7296 2.17) ---- */
struct crypto_child_keys {
	size_t enc_len;		/* as the kernel wants it: key plus salt/nonce */
	size_t integ_len;
	uint8_t enc_i[CRYPTO_KEY_MAX];	/* initiator -> responder */
	uint8_t integ_i[CRYPTO_KEY_MAX];
	uint8_t enc_r[CRYPTO_KEY_MAX];	/* responder -> initiator */
	uint8_t integ_r[CRYPTO_KEY_MAX];
};

/* Key bytes for an ESP transform, as uapi/linux/kipsec.h wants them; 0 if unsupported. */
size_t crypto_esp_enc_keylen(uint16_t encr, uint16_t keybits);
size_t crypto_esp_integ_keylen(uint16_t integ);
/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr); gir NULL without PFS. */
int crypto_child_keymat(uint16_t prf, const uint8_t *sk_d, size_t sk_d_len,
			const uint8_t *gir, size_t gir_len,
			const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			size_t enc_len, size_t integ_len, struct crypto_child_keys *out);
void crypto_child_keys_clear(struct crypto_child_keys *k);

/* ---- Diffie-Hellman (transform type 4) ---- */
struct crypto_dh;

bool crypto_dh_supported(uint16_t group);
size_t crypto_dh_pub_len(uint16_t group);	/* KE payload data length */
size_t crypto_dh_secret_len(uint16_t group);	/* g^ir length */
/* A fresh key pair. */
struct crypto_dh *crypto_dh_new(uint16_t group);
/* A key pair from known values (known-answer tests); pub in KE format, may be NULL for X25519. */
struct crypto_dh *crypto_dh_new_from_private(uint16_t group, const uint8_t *priv, size_t priv_len,
					     const uint8_t *pub, size_t pub_len);
uint16_t crypto_dh_group(const struct crypto_dh *dh);
/* Our public value in KE payload form; out has crypto_dh_pub_len() bytes. */
int crypto_dh_public(const struct crypto_dh *dh, uint8_t *out, size_t outlen);
/*
 * g^ir from the peer's KE data: validates the peer's value (length, range
 * or curve membership, all-zero X25519 results) and writes exactly
 * crypto_dh_secret_len() bytes to secret.
 */
int crypto_dh_derive(struct crypto_dh *dh, const uint8_t *peer, size_t peer_len,
		     uint8_t *secret, size_t secret_len);
void crypto_dh_free(struct crypto_dh *dh);

#endif /* KEYD_CRYPTO_H */
