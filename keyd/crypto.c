// SPDX-License-Identifier: GPL-2.0
/*
 * IKEv2 cryptography; see crypto.h. Everything goes through OpenSSL 3's
 * EVP interfaces (EVP_MAC for HMAC, EVP_CIPHER, EVP_PKEY); this file only
 * arranges inputs and outputs the way the IKEv2 RFCs lay them out. Every
 * buffer that held a secret is wiped with OPENSSL_cleanse before it goes.
 */
#include "crypto.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "buf.h"
#include "ikev2.h"

const char *crypto_strerror(int err)
{
	switch (err) {
	case CRYPTO_OK:			return "ok";
	case CRYPTO_E_AUTH:		return "integrity check failed";
	case CRYPTO_E_FORMAT:		return "malformed input";
	case CRYPTO_E_UNSUPPORTED:	return "unsupported algorithm";
	case CRYPTO_E_INTERNAL:		return "crypto library error";
	}
	return "unknown crypto error";
}

int crypto_random(uint8_t *out, size_t len)
{
	if (len > INT32_MAX || RAND_bytes(out, (int)len) != 1)
		return CRYPTO_E_INTERNAL;
	return CRYPTO_OK;
}

/* ---------------------------------------------------------------- HMAC */

static int hmac(const char *md, const uint8_t *key, size_t keylen,
		const struct cbuf *parts, size_t nparts, uint8_t *out, size_t outlen)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[2];
	uint8_t full[EVP_MAX_MD_SIZE];
	size_t flen = 0;
	int ret = CRYPTO_E_INTERNAL;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!ctx || !EVP_MAC_init(ctx, key, keylen, params))
		goto out;
	for (size_t i = 0; i < nparts; i++)
		if (parts[i].len && !EVP_MAC_update(ctx, parts[i].p, parts[i].len))
			goto out;
	if (!EVP_MAC_final(ctx, full, &flen, sizeof(full)) || flen < outlen)
		goto out;
	memcpy(out, full, outlen);	/* truncation for the _96/_128... ICVs */
	ret = CRYPTO_OK;
out:
	OPENSSL_cleanse(full, sizeof(full));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ret;
}

static const char *prf_md(uint16_t prf, size_t *len)
{
	switch (prf) {
	case IKEV2_PRF_HMAC_SHA1:	*len = 20; return "SHA1";
	case IKEV2_PRF_HMAC_SHA2_256:	*len = 32; return "SHA2-256";
	case IKEV2_PRF_HMAC_SHA2_384:	*len = 48; return "SHA2-384";
	case IKEV2_PRF_HMAC_SHA2_512:	*len = 64; return "SHA2-512";
	}
	*len = 0;
	return NULL;
}

size_t crypto_prf_len(uint16_t prf)
{
	size_t len;

	prf_md(prf, &len);
	return len;
}

int crypto_prf(uint16_t prf, const uint8_t *key, size_t keylen,
	       const struct cbuf *parts, size_t nparts, uint8_t *out)
{
	size_t len;
	const char *md = prf_md(prf, &len);

	if (!md)
		return CRYPTO_E_UNSUPPORTED;
	return hmac(md, key, keylen, parts, nparts, out, len);
}

#define PRFPLUS_MAX_PARTS	8

int crypto_prfplus(uint16_t prf, const uint8_t *key, size_t keylen,
		   const struct cbuf *parts, size_t nparts, uint8_t *out, size_t outlen)
{
	/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) */
	size_t hlen = crypto_prf_len(prf), done = 0;
	uint8_t t[CRYPTO_PRF_MAX], counter;
	struct cbuf in[PRFPLUS_MAX_PARTS + 2];
	int ret = CRYPTO_OK;

	if (!hlen)
		return CRYPTO_E_UNSUPPORTED;
	if (nparts > PRFPLUS_MAX_PARTS || outlen > 255 * hlen)
		return CRYPTO_E_FORMAT;
	for (counter = 1; done < outlen; counter++) {
		size_t n = 0, take;

		if (counter > 1)
			in[n++] = (struct cbuf){ t, hlen };
		for (size_t i = 0; i < nparts; i++)
			in[n++] = parts[i];
		in[n++] = (struct cbuf){ &counter, 1 };
		ret = crypto_prf(prf, key, keylen, in, n, t);
		if (ret)
			break;
		take = outlen - done < hlen ? outlen - done : hlen;
		memcpy(out + done, t, take);
		done += take;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return ret;
}

static const char *integ_md(uint16_t integ, size_t *keylen, size_t *icvlen)
{
	switch (integ) {
	case IKEV2_INTEG_HMAC_SHA1_96:
		*keylen = 20; *icvlen = 12; return "SHA1";
	case IKEV2_INTEG_HMAC_SHA2_256_128:
		*keylen = 32; *icvlen = 16; return "SHA2-256";
	case IKEV2_INTEG_HMAC_SHA2_384_192:
		*keylen = 48; *icvlen = 24; return "SHA2-384";
	case IKEV2_INTEG_HMAC_SHA2_512_256:
		*keylen = 64; *icvlen = 32; return "SHA2-512";
	}
	*keylen = *icvlen = 0;
	return NULL;
}

int crypto_integ_sizes(uint16_t integ, size_t *keylen, size_t *icvlen)
{
	return integ_md(integ, keylen, icvlen) ? CRYPTO_OK : CRYPTO_E_UNSUPPORTED;
}

int crypto_integ(uint16_t integ, const uint8_t *key, const struct cbuf *parts, size_t nparts,
		 uint8_t *icv)
{
	size_t keylen, icvlen;
	const char *md = integ_md(integ, &keylen, &icvlen);

	if (!md)
		return CRYPTO_E_UNSUPPORTED;
	return hmac(md, key, keylen, parts, nparts, icv, icvlen);
}

/* ------------------------------------------------------------- ciphers */

static const char *aead_cipher(uint16_t encr, size_t keylen, size_t *taglen)
{
	switch (encr) {
	case IKEV2_ENCR_AES_GCM_8:	*taglen = 8; break;
	case IKEV2_ENCR_AES_GCM_12:	*taglen = 12; break;
	case IKEV2_ENCR_AES_GCM_16:	*taglen = 16; break;
	case IKEV2_ENCR_CHACHA20_POLY1305:
		*taglen = 16;
		return keylen == 32 ? "ChaCha20-Poly1305" : NULL;
	default:
		return NULL;
	}
	switch (keylen) {
	case 16: return "AES-128-GCM";
	case 24: return "AES-192-GCM";
	case 32: return "AES-256-GCM";
	}
	return NULL;
}

int crypto_aead(uint16_t encr, bool encrypt, const uint8_t *key, size_t keylen,
		const uint8_t nonce[12], const uint8_t *aad, size_t aadlen,
		const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag, size_t taglen)
{
	size_t want_tag;
	const char *name = aead_cipher(encr, keylen, &want_tag);
	EVP_CIPHER *c;
	EVP_CIPHER_CTX *ctx;
	int outl, ret = CRYPTO_E_INTERNAL;

	if (!name)
		return CRYPTO_E_UNSUPPORTED;
	if (taglen != want_tag || len > INT32_MAX || aadlen > INT32_MAX)
		return CRYPTO_E_FORMAT;
	c = EVP_CIPHER_fetch(NULL, name, NULL);
	ctx = EVP_CIPHER_CTX_new();
	if (!c || !ctx)
		goto out;
	if (!EVP_CipherInit_ex2(ctx, c, key, nonce, encrypt, NULL))
		goto out;
	if (!encrypt && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)taglen, tag))
		goto out;
	if (aadlen && !EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aadlen))
		goto out;
	if (len && !EVP_CipherUpdate(ctx, out, &outl, in, (int)len))
		goto out;
	if (!EVP_CipherFinal_ex(ctx, out + len, &outl)) {
		ret = encrypt ? CRYPTO_E_INTERNAL : CRYPTO_E_AUTH;
		goto out;
	}
	if (encrypt && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)taglen, tag))
		goto out;
	ret = CRYPTO_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return ret;
}

int crypto_aes_cbc(bool encrypt, const uint8_t *key, size_t keylen, const uint8_t iv[16],
		   const uint8_t *in, size_t len, uint8_t *out)
{
	const char *name = keylen == 16 ? "AES-128-CBC" : keylen == 24 ? "AES-192-CBC" :
			   keylen == 32 ? "AES-256-CBC" : NULL;
	EVP_CIPHER *c;
	EVP_CIPHER_CTX *ctx;
	int outl, ret = CRYPTO_E_INTERNAL;

	if (!name)
		return CRYPTO_E_UNSUPPORTED;
	if (len % 16 || len > INT32_MAX)
		return CRYPTO_E_FORMAT;
	c = EVP_CIPHER_fetch(NULL, name, NULL);
	ctx = EVP_CIPHER_CTX_new();
	if (!c || !ctx || !EVP_CipherInit_ex2(ctx, c, key, iv, encrypt, NULL))
		goto out;
	EVP_CIPHER_CTX_set_padding(ctx, 0);	/* IKE pads itself */
	if (len && !EVP_CipherUpdate(ctx, out, &outl, in, (int)len))
		goto out;
	if (!EVP_CipherFinal_ex(ctx, out + len, &outl))
		goto out;
	ret = CRYPTO_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return ret;
}

int crypto_sk_sizes(const struct crypto_sk_alg *a, struct crypto_sk_sizes *s)
{
	memset(s, 0, sizeof(*s));
	switch (a->encr) {
	case IKEV2_ENCR_AES_GCM_8:
	case IKEV2_ENCR_AES_GCM_12:
	case IKEV2_ENCR_AES_GCM_16:
		if (a->keybits != 128 && a->keybits != 192 && a->keybits != 256)
			return CRYPTO_E_UNSUPPORTED;
		s->key_len = a->keybits / 8;
		s->icv_len = a->encr == IKEV2_ENCR_AES_GCM_8 ? 8 :
			     a->encr == IKEV2_ENCR_AES_GCM_12 ? 12 : 16;
		goto aead;
	case IKEV2_ENCR_CHACHA20_POLY1305:
		if (a->keybits != 0 && a->keybits != 256)
			return CRYPTO_E_UNSUPPORTED;
		s->key_len = 32;
		s->icv_len = 16;
aead:
		/* RFC 5282 / 7634: 4-byte salt after the key, 8-byte explicit IV */
		if (a->integ != IKEV2_INTEG_NONE)
			return CRYPTO_E_UNSUPPORTED;
		s->aead = true;
		s->ek_len = s->key_len + 4;
		s->iv_len = 8;
		s->block_len = 1;
		return CRYPTO_OK;
	case IKEV2_ENCR_AES_CBC:
		if (a->keybits != 128 && a->keybits != 192 && a->keybits != 256)
			return CRYPTO_E_UNSUPPORTED;
		s->key_len = s->ek_len = a->keybits / 8;
		s->iv_len = 16;
		s->block_len = 16;
		return crypto_integ_sizes(a->integ, &s->ak_len, &s->icv_len);
	}
	return CRYPTO_E_UNSUPPORTED;
}

int crypto_sk_seal(const struct crypto_sk_alg *a, const uint8_t *ek, const uint8_t *ak,
		   uint8_t *msg, size_t aad_len, size_t plain_len, const uint8_t *iv)
{
	struct crypto_sk_sizes s;
	uint8_t *ivp = msg + aad_len, *pt, *icv;
	int ret = crypto_sk_sizes(a, &s);

	if (ret)
		return ret;
	if (!plain_len || plain_len % s.block_len)
		return CRYPTO_E_FORMAT;
	pt = ivp + s.iv_len;
	icv = pt + plain_len;
	if (iv)
		memcpy(ivp, iv, s.iv_len);
	else if ((ret = crypto_random(ivp, s.iv_len)))
		return ret;

	if (s.aead) {
		uint8_t nonce[12];

		memcpy(nonce, ek + s.key_len, 4);
		memcpy(nonce + 4, ivp, 8);
		return crypto_aead(a->encr, true, ek, s.key_len, nonce, msg, aad_len,
				   pt, plain_len, pt, icv, s.icv_len);
	}
	ret = crypto_aes_cbc(true, ek, s.key_len, ivp, pt, plain_len, pt);
	if (ret)
		return ret;
	/* encrypt-then-MAC over header, SK header, IV and ciphertext (RFC 7296 3.14) */
	return crypto_integ(a->integ, ak, &(struct cbuf){ msg, aad_len + s.iv_len + plain_len }, 1, icv);
}

int crypto_sk_open(const struct crypto_sk_alg *a, const uint8_t *ek, const uint8_t *ak,
		   const uint8_t *msg, size_t aad_len, size_t msg_len,
		   uint8_t *out, size_t *out_len)
{
	struct crypto_sk_sizes s;
	const uint8_t *ivp = msg + aad_len, *ct, *icv;
	size_t ct_len, pad;
	int ret = crypto_sk_sizes(a, &s);

	if (ret)
		return ret;
	if (aad_len > msg_len || msg_len - aad_len < s.iv_len + s.icv_len + 1)
		return CRYPTO_E_FORMAT;
	ct_len = msg_len - aad_len - s.iv_len - s.icv_len;
	if (ct_len % s.block_len)
		return CRYPTO_E_FORMAT;
	ct = ivp + s.iv_len;
	icv = ct + ct_len;

	if (s.aead) {
		uint8_t nonce[12], tag[16];

		memcpy(nonce, ek + s.key_len, 4);
		memcpy(nonce + 4, ivp, 8);
		memcpy(tag, icv, s.icv_len);
		ret = crypto_aead(a->encr, false, ek, s.key_len, nonce, msg, aad_len,
				  ct, ct_len, out, tag, s.icv_len);
	} else {
		uint8_t want[CRYPTO_ICV_MAX];

		ret = crypto_integ(a->integ, ak, &(struct cbuf){ msg, aad_len + s.iv_len + ct_len }, 1, want);
		if (!ret && CRYPTO_memcmp(want, icv, s.icv_len))
			ret = CRYPTO_E_AUTH;
		if (!ret)
			ret = crypto_aes_cbc(false, ek, s.key_len, ivp, ct, ct_len, out);
	}
	if (ret) {
		OPENSSL_cleanse(out, ct_len);
		return ret;
	}
	pad = out[ct_len - 1];
	if (pad + 1 > ct_len) {
		OPENSSL_cleanse(out, ct_len);
		return CRYPTO_E_FORMAT;
	}
	*out_len = ct_len - pad - 1;
	return CRYPTO_OK;
}

/* ---------------------------------------------------------- key derivation */

static int ike_expand(uint16_t prf, const struct crypto_sk_alg *sk,
		      const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		      uint64_t spi_i, uint64_t spi_r, struct ikev2_keys *k)
{
	struct crypto_sk_sizes s;
	uint8_t spis[16], km[3 * CRYPTO_PRF_MAX + 4 * CRYPTO_KEY_MAX], *p = km;
	struct cbuf seed[3];
	int ret = crypto_sk_sizes(sk, &s);

	if (ret)
		return ret;
	k->integ_len = s.ak_len;
	k->encr_len = s.ek_len;
	put_be64(spis, spi_i);
	put_be64(spis + 8, spi_r);
	seed[0] = (struct cbuf){ ni, ni_len };
	seed[1] = (struct cbuf){ nr, nr_len };
	seed[2] = (struct cbuf){ spis, 16 };
	ret = crypto_prfplus(prf, k->skeyseed, k->prf_len, seed, 3, km,
			     3 * k->prf_len + 2 * k->integ_len + 2 * k->encr_len);
	if (!ret) {
		/* order fixed by RFC 7296 2.14 */
		memcpy(k->sk_d, p, k->prf_len);		p += k->prf_len;
		memcpy(k->sk_ai, p, k->integ_len);	p += k->integ_len;
		memcpy(k->sk_ar, p, k->integ_len);	p += k->integ_len;
		memcpy(k->sk_ei, p, k->encr_len);	p += k->encr_len;
		memcpy(k->sk_er, p, k->encr_len);	p += k->encr_len;
		memcpy(k->sk_pi, p, k->prf_len);	p += k->prf_len;
		memcpy(k->sk_pr, p, k->prf_len);
	}
	OPENSSL_cleanse(km, sizeof(km));
	return ret;
}

int crypto_ike_keys(uint16_t prf, const struct crypto_sk_alg *sk,
		    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		    const uint8_t *gir, size_t gir_len, uint64_t spi_i, uint64_t spi_r,
		    struct ikev2_keys *out)
{
	uint8_t nonces[2 * IKEV2_NONCE_MAX];
	int ret;

	memset(out, 0, sizeof(*out));
	out->prf_len = crypto_prf_len(prf);
	if (!out->prf_len)
		return CRYPTO_E_UNSUPPORTED;
	if (ni_len > IKEV2_NONCE_MAX || nr_len > IKEV2_NONCE_MAX)
		return CRYPTO_E_FORMAT;
	/* HMAC PRFs take all of Ni | Nr as the key (2.14) */
	memcpy(nonces, ni, ni_len);
	memcpy(nonces + ni_len, nr, nr_len);
	ret = crypto_prf(prf, nonces, ni_len + nr_len, &(struct cbuf){ gir, gir_len }, 1, out->skeyseed);
	if (!ret)
		ret = ike_expand(prf, sk, ni, ni_len, nr, nr_len, spi_i, spi_r, out);
	if (ret)
		crypto_ike_keys_clear(out);
	return ret;
}

int crypto_ike_rekey_keys(uint16_t old_prf, const uint8_t *old_sk_d, size_t old_sk_d_len,
			  uint16_t prf, const struct crypto_sk_alg *sk,
			  const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			  const uint8_t *gir, size_t gir_len, uint64_t spi_i, uint64_t spi_r,
			  struct ikev2_keys *out)
{
	struct cbuf in[3] = { { gir, gir_len }, { ni, ni_len }, { nr, nr_len } };
	int ret;

	memset(out, 0, sizeof(*out));
	out->prf_len = crypto_prf_len(prf);
	/* SKEYSEED comes from the old SA's PRF but must key the new one (2.18) */
	if (!out->prf_len || crypto_prf_len(old_prf) != out->prf_len)
		return CRYPTO_E_UNSUPPORTED;
	ret = crypto_prf(old_prf, old_sk_d, old_sk_d_len, in, 3, out->skeyseed);
	if (!ret)
		ret = ike_expand(prf, sk, ni, ni_len, nr, nr_len, spi_i, spi_r, out);
	if (ret)
		crypto_ike_keys_clear(out);
	return ret;
}

void crypto_ike_keys_clear(struct ikev2_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

size_t crypto_esp_enc_keylen(uint16_t encr, uint16_t keybits)
{
	switch (encr) {
	case IKEV2_ENCR_AES_GCM_8:
	case IKEV2_ENCR_AES_GCM_12:
	case IKEV2_ENCR_AES_GCM_16:
	case IKEV2_ENCR_NULL_AES_GMAC:
	case IKEV2_ENCR_AES_CTR:
		if (keybits != 128 && keybits != 192 && keybits != 256)
			return 0;
		return keybits / 8 + 4;		/* salt / nonce (RFC 4106, 4543, 3686) */
	case IKEV2_ENCR_CHACHA20_POLY1305:
		return keybits == 0 || keybits == 256 ? 36 : 0;
	case IKEV2_ENCR_AES_CBC:
		if (keybits != 128 && keybits != 192 && keybits != 256)
			return 0;
		return keybits / 8;
	case IKEV2_ENCR_3DES:
		return 24;
	}
	return 0;
}

size_t crypto_esp_integ_keylen(uint16_t integ)
{
	switch (integ) {
	case IKEV2_INTEG_HMAC_MD5_96:		return 16;
	case IKEV2_INTEG_HMAC_SHA1_96:		return 20;
	case IKEV2_INTEG_AES_XCBC_96:
	case IKEV2_INTEG_AES_CMAC_96:		return 16;
	case IKEV2_INTEG_HMAC_SHA2_256_128:	return 32;
	case IKEV2_INTEG_HMAC_SHA2_384_192:	return 48;
	case IKEV2_INTEG_HMAC_SHA2_512_256:	return 64;
	}
	return 0;
}

int crypto_child_keymat(uint16_t prf, const uint8_t *sk_d, size_t sk_d_len,
			const uint8_t *gir, size_t gir_len,
			const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			size_t enc_len, size_t integ_len, struct crypto_child_keys *out)
{
	uint8_t km[4 * CRYPTO_KEY_MAX], *p = km;
	struct cbuf seed[3];
	size_t n = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (enc_len > CRYPTO_KEY_MAX || integ_len > CRYPTO_KEY_MAX)
		return CRYPTO_E_FORMAT;
	if (gir)
		seed[n++] = (struct cbuf){ gir, gir_len };
	seed[n++] = (struct cbuf){ ni, ni_len };
	seed[n++] = (struct cbuf){ nr, nr_len };
	ret = crypto_prfplus(prf, sk_d, sk_d_len, seed, n, km, 2 * (enc_len + integ_len));
	if (!ret) {
		/* encryption before integrity, initiator->responder first (2.17) */
		out->enc_len = enc_len;
		out->integ_len = integ_len;
		memcpy(out->enc_i, p, enc_len);		p += enc_len;
		memcpy(out->integ_i, p, integ_len);	p += integ_len;
		memcpy(out->enc_r, p, enc_len);		p += enc_len;
		memcpy(out->integ_r, p, integ_len);
	}
	OPENSSL_cleanse(km, sizeof(km));
	return ret;
}

void crypto_child_keys_clear(struct crypto_child_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

/* ------------------------------------------------------- Diffie-Hellman */

enum dh_kind { DH_MODP, DH_ECP, DH_X25519 };

struct dh_group {
	uint16_t id;
	enum dh_kind kind;
	const char *name;	/* OpenSSL group name */
	size_t pub_len;
	size_t secret_len;
};

static const struct dh_group dh_groups[] = {
	{ IKEV2_DH_MODP_2048,	DH_MODP,   "modp_2048", 256, 256 },
	{ IKEV2_DH_MODP_3072,	DH_MODP,   "modp_3072", 384, 384 },
	{ IKEV2_DH_MODP_4096,	DH_MODP,   "modp_4096", 512, 512 },
	{ IKEV2_DH_ECP_256,	DH_ECP,    "P-256",      64,  32 },
	{ IKEV2_DH_ECP_384,	DH_ECP,    "P-384",      96,  48 },
	{ IKEV2_DH_ECP_521,	DH_ECP,    "P-521",     132,  66 },
	{ IKEV2_DH_CURVE25519,	DH_X25519, "X25519",     32,  32 },
};

struct crypto_dh {
	const struct dh_group *g;
	EVP_PKEY *key;
};

static const struct dh_group *dh_find(uint16_t id)
{
	for (size_t i = 0; i < sizeof(dh_groups) / sizeof(dh_groups[0]); i++)
		if (dh_groups[i].id == id)
			return &dh_groups[i];
	return NULL;
}

bool crypto_dh_supported(uint16_t group)
{
	return dh_find(group) != NULL;
}

size_t crypto_dh_pub_len(uint16_t group)
{
	const struct dh_group *g = dh_find(group);

	return g ? g->pub_len : 0;
}

size_t crypto_dh_secret_len(uint16_t group)
{
	const struct dh_group *g = dh_find(group);

	return g ? g->secret_len : 0;
}

uint16_t crypto_dh_group(const struct crypto_dh *dh)
{
	return dh->g->id;
}

static const char *dh_algo(const struct dh_group *g)
{
	return g->kind == DH_MODP ? "DH" : g->kind == DH_ECP ? "EC" : "X25519";
}

struct crypto_dh *crypto_dh_new(uint16_t group)
{
	const struct dh_group *g = dh_find(group);
	struct crypto_dh *dh;
	EVP_PKEY_CTX *ctx;
	OSSL_PARAM params[2];

	if (!g || !(dh = calloc(1, sizeof(*dh))))
		return NULL;
	dh->g = g;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, dh_algo(g), NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0)
		goto fail;
	if (g->kind != DH_X25519) {
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							     (char *)g->name, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (!EVP_PKEY_CTX_set_params(ctx, params))
			goto fail;
	}
	if (EVP_PKEY_generate(ctx, &dh->key) <= 0)
		goto fail;
	EVP_PKEY_CTX_free(ctx);
	return dh;
fail:
	EVP_PKEY_CTX_free(ctx);
	crypto_dh_free(dh);
	return NULL;
}

/* An EVP_PKEY from KE payload data (and optionally a private value). */
static EVP_PKEY *dh_import(const struct dh_group *g, const uint8_t *priv, size_t priv_len,
			   const uint8_t *pub, size_t pub_len)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	BIGNUM *bpub = NULL, *bpriv = NULL;
	uint8_t point[1 + 132];

	if (g->kind == DH_X25519) {
		if (priv)
			return priv_len == 32 ?
			       EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, 32) : NULL;
		return pub_len == 32 ? EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, pub, 32) : NULL;
	}
	if (!pub || pub_len != g->pub_len)
		return NULL;
	bld = OSSL_PARAM_BLD_new();
	if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0))
		goto out;
	if (g->kind == DH_ECP) {
		/* RFC 5903 sends x | y; OpenSSL wants the SEC1 uncompressed point */
		point[0] = 0x04;
		memcpy(point + 1, pub, pub_len);
		if (!OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, pub_len + 1))
			goto out;
	} else {
		bpub = BN_bin2bn(pub, (int)pub_len, NULL);
		if (!bpub || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, bpub))
			goto out;
	}
	if (priv) {
		bpriv = BN_secure_new();
		if (!bpriv || !BN_bin2bn(priv, (int)priv_len, bpriv) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bpriv))
			goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, dh_algo(g), NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bpub);
	BN_clear_free(bpriv);
	return key;
}

struct crypto_dh *crypto_dh_new_from_private(uint16_t group, const uint8_t *priv, size_t priv_len,
					     const uint8_t *pub, size_t pub_len)
{
	const struct dh_group *g = dh_find(group);
	struct crypto_dh *dh;

	if (!g || !(dh = calloc(1, sizeof(*dh))))
		return NULL;
	dh->g = g;
	dh->key = dh_import(g, priv, priv_len, pub, pub_len);
	if (!dh->key) {
		free(dh);
		return NULL;
	}
	return dh;
}

int crypto_dh_public(const struct crypto_dh *dh, uint8_t *out, size_t outlen)
{
	const struct dh_group *g = dh->g;
	uint8_t point[1 + 132];
	size_t len = 0;
	BIGNUM *bn = NULL;
	int ret = CRYPTO_E_INTERNAL;

	if (outlen != g->pub_len)
		return CRYPTO_E_FORMAT;
	switch (g->kind) {
	case DH_X25519:
		len = outlen;
		if (EVP_PKEY_get_raw_public_key(dh->key, out, &len) && len == outlen)
			ret = CRYPTO_OK;
		break;
	case DH_ECP:
		if (EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
						    point, sizeof(point), &len) &&
		    len == outlen + 1 && point[0] == 0x04) {
			memcpy(out, point + 1, outlen);
			ret = CRYPTO_OK;
		}
		break;
	case DH_MODP:
		/* left-padded to the modulus length (RFC 7296 3.4) */
		if (EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &bn) &&
		    BN_bn2binpad(bn, out, (int)outlen) == (int)outlen)
			ret = CRYPTO_OK;
		BN_free(bn);
		break;
	}
	return ret;
}

int crypto_dh_derive(struct crypto_dh *dh, const uint8_t *peer, size_t peer_len,
		     uint8_t *secret, size_t secret_len)
{
	const struct dh_group *g = dh->g;
	EVP_PKEY *pk;
	EVP_PKEY_CTX *ctx = NULL;
	size_t len = secret_len;
	int ret = CRYPTO_E_FORMAT;

	if (secret_len != g->secret_len)
		return CRYPTO_E_FORMAT;
	if (peer_len != g->pub_len)
		return CRYPTO_E_FORMAT;
	pk = dh_import(g, NULL, 0, peer, peer_len);
	if (!pk)
		return CRYPTO_E_FORMAT;	/* not on the curve, out of range ... */
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0) {
		ret = CRYPTO_E_INTERNAL;
		goto out;
	}
	/* g^ir keeps its leading zeros: it is as long as the modulus (2.14) */
	if (g->kind == DH_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0) {
		ret = CRYPTO_E_INTERNAL;
		goto out;
	}
	/* validate the peer's value: range/subgroup for MODP, on-curve for ECP */
	if (EVP_PKEY_derive_set_peer_ex(ctx, pk, g->kind != DH_X25519) <= 0)
		goto out;
	if (EVP_PKEY_derive(ctx, secret, &len) <= 0 || len != secret_len) {
		OPENSSL_cleanse(secret, secret_len);
		goto out;
	}
	if (g->kind == DH_X25519) {
		/* RFC 8031 2.3: refuse the all-zero result of a low-order point */
		uint8_t acc = 0;

		for (size_t i = 0; i < len; i++)
			acc |= secret[i];
		if (!acc)
			goto out;
	}
	ret = CRYPTO_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ret;
}

void crypto_dh_free(struct crypto_dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);	/* OpenSSL clears private key material itself */
	free(dh);
}
