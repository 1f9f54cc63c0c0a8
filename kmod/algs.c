// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: IKEv2 transform ids (IANA) -> kernel crypto API AEAD, and the key
 * setup of one SA. Every ESP transform is driven as one AEAD: combined-mode
 * ciphers directly (rfc4106, rfc7539esp), the others through the authenc
 * template that pairs a cipher with an HMAC.
 */
#include <linux/crypto.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <crypto/hash.h>

#include "kipsec.h"
#include "datapath.h"

static bool force_async;
module_param(force_async, bool, 0644);
MODULE_PARM_DESC(force_async,
		 "run every SA's crypto through cryptd, so each packet completes asynchronously (testing)");


/* Integrity transforms (IKEv2 transform type 3). */
struct kipsec_mac {
	u16 id;
	const char *name;
	u8 key_len;
	u8 icv_len;
};

/*
 * Adding an algorithm is one line here. Ids missing from these tables get
 * -ENOPROTOOPT. Counter modes (CTR, GCM, GMAC, ChaCha) take the sequence
 * number as IV: it never repeats under one key, which is all they need.
 */
static const struct kipsec_alg kipsec_enc_algs[] = {
	{ KIPSEC_ENC_AES_GCM_8, "rfc4106(gcm(aes))", true, KIPSEC_KEYLEN(16, 24, 32), 4, 8, true },
	{ KIPSEC_ENC_AES_GCM_12, "rfc4106(gcm(aes))", true, KIPSEC_KEYLEN(16, 24, 32), 4, 12, true },
	{ KIPSEC_ENC_AES_GCM_16, "rfc4106(gcm(aes))", true, KIPSEC_KEYLEN(16, 24, 32), 4, 16, true },
	{ KIPSEC_ENC_CHACHA20_POLY1305, "rfc7539esp(chacha20,poly1305)", true, KIPSEC_KEYLEN(32, 32, 32), 4, 16, true },
	{ KIPSEC_ENC_NULL_AES_GMAC, "rfc4543(gcm(aes))", true, KIPSEC_KEYLEN(16, 24, 32), 4, 16, true },
	{ KIPSEC_ENC_AES_CBC, "cbc(aes)", false, KIPSEC_KEYLEN(16, 24, 32), 0, 0, false },
	{ KIPSEC_ENC_AES_CTR, "rfc3686(ctr(aes))", false, KIPSEC_KEYLEN(16, 24, 32), 4, 0, true },
	{ KIPSEC_ENC_3DES, "cbc(des3_ede)", false, KIPSEC_KEYLEN(24, 24, 24), 0, 0, false },
	{ KIPSEC_ENC_DES, "cbc(des)", false, KIPSEC_KEYLEN(8, 8, 8), 0, 0, false },
	{ KIPSEC_ENC_NULL, "ecb(cipher_null)", false, KIPSEC_KEYLEN(0, 0, 0), 0, 0, false },
};

static const struct kipsec_mac kipsec_integ_algs[] = {
	{ KIPSEC_INTEG_HMAC_MD5_96, "hmac(md5)", 16, 12 },
	{ KIPSEC_INTEG_HMAC_SHA1_96, "hmac(sha1)", 20, 12 },
	{ KIPSEC_INTEG_AES_XCBC_96, "xcbc(aes)", 16, 12 },
	{ KIPSEC_INTEG_AES_CMAC_96, "cmac(aes)", 16, 12 },
	{ KIPSEC_INTEG_HMAC_SHA2_256_128, "hmac(sha256)", 32, 16 },
	{ KIPSEC_INTEG_HMAC_SHA2_384_192, "hmac(sha384)", 48, 24 },
	{ KIPSEC_INTEG_HMAC_SHA2_512_256, "hmac(sha512)", 64, 32 },
	{ KIPSEC_INTEG_AES_XCBC_96, "xcbc(aes)", 16, 12 },
	{ KIPSEC_INTEG_AES_CMAC_96, "cmac(aes)", 16, 12 },
};

/* ESP without integrity (ALLOW_INSECURE only): authenc with an empty MAC. */
static const struct kipsec_mac kipsec_integ_none = { 0, "digest_null", 0, 0 };

static const struct kipsec_alg *kipsec_enc_find(u16 id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kipsec_enc_algs); i++)
		if (kipsec_enc_algs[i].id == id)
			return &kipsec_enc_algs[i];
	return NULL;
}

static const struct kipsec_mac *kipsec_integ_find(u16 id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kipsec_integ_algs); i++)
		if (kipsec_integ_algs[i].id == id)
			return &kipsec_integ_algs[i];
	return NULL;
}

/*
 * authenc keys are one blob: an rtattr carrying the cipher key length,
 * then the MAC key, then the cipher key (include/crypto/authenc.h).
 */
static int kipsec_authenc_setkey(struct crypto_aead *aead,
				 const struct kipsec_sa_cfg *cfg)
{
	struct crypto_authenc_key_param *param;
	unsigned int len;
	struct rtattr *rta;
	u8 *blob, *p;
	int err;

	len = RTA_SPACE(sizeof(*param)) + cfg->integ_key_len + cfg->enc_key_len;
	blob = kmalloc(len, GFP_KERNEL);
	if (!blob)
		return -ENOMEM;

	rta = (struct rtattr *)blob;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(cfg->enc_key_len);

	p = blob + RTA_SPACE(sizeof(*param));
	if (cfg->integ_key_len)
		memcpy(p, cfg->integ_key, cfg->integ_key_len);
	p += cfg->integ_key_len;
	if (cfg->enc_key_len)
		memcpy(p, cfg->enc_key, cfg->enc_key_len);

	err = crypto_aead_setkey(aead, blob, len);
	kfree_sensitive(blob);
	return err;
}

/* Validate the algorithm choice and key lengths of cfg; returns the template name. */
static int kipsec_algs_check(const struct kipsec_sa_cfg *cfg,
			     const struct kipsec_alg **encp,
			     const struct kipsec_mac **integp,
			     struct netlink_ext_ack *extack)
{
	const struct kipsec_mac *integ = NULL;
	const struct kipsec_alg *enc;
	unsigned int klen;

	if (!cfg->enc_alg) {
		NL_SET_ERR_MSG_MOD(extack, "ESP needs an encryption algorithm (use NULL, id 11, for integrity only)");
		return -EINVAL;
	}
	enc = kipsec_enc_find(cfg->enc_alg);
	if (!enc) {
		KIPSEC_ERR_FMT(extack, "encryption algorithm id not supported",
			       "encryption algorithm id %u is not supported", cfg->enc_alg);
		return -ENOPROTOOPT;
	}
	if (cfg->integ_alg) {
		integ = kipsec_integ_find(cfg->integ_alg);
		if (!integ) {
			KIPSEC_ERR_FMT(extack, "integrity algorithm id not supported",
				       "integrity algorithm id %u is not supported", cfg->integ_alg);
			return -ENOPROTOOPT;
		}
	}

	if (enc->combined && integ) {
		KIPSEC_ERR_FMT(extack, "AEAD encryption takes no integrity algorithm",
			       "AEAD algorithm %u takes no integrity algorithm (got %u)",
			       enc->id, integ->id);
		return -EINVAL;
	}
	if (enc->id == KIPSEC_ENC_DES && !(cfg->flags & KIPSEC_SA_F_ALLOW_INSECURE)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "DES (56-bit key) is insecure: refused unless the SA has flag insecure (ALLOW_INSECURE)");
		return -EINVAL;
	}
	if (!enc->combined && !integ) {
		/* RFC 4303 3.2: ESP must provide at least one of the two. */
		if (enc->id == KIPSEC_ENC_NULL) {
			NL_SET_ERR_MSG_MOD(extack, "NULL encryption needs an integrity algorithm");
			return -EINVAL;
		}
		/* Confidentiality without integrity invites active attacks. */
		if (!(cfg->flags & KIPSEC_SA_F_ALLOW_INSECURE)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "ESP without integrity is insecure: refused unless the SA has flag insecure (ALLOW_INSECURE)");
			return -EINVAL;
		}
		integ = &kipsec_integ_none;
	}

	if (cfg->enc_key_len < enc->salt_len) {
		KIPSEC_ERR_FMT(extack, "encryption key too short",
			       "encryption key: %u bytes too short for algorithm %u",
			       (u8)cfg->enc_key_len, enc->id);
		return -EINVAL;
	}
	klen = cfg->enc_key_len - enc->salt_len;
	if (klen > 63 || !(enc->key_lens & BIT_ULL(klen))) {
		KIPSEC_ERR_FMT(extack, "wrong encryption key length for the algorithm",
			       "encryption key: %u bytes wrong for algorithm %u (salt: %u bytes)",
			       (u8)cfg->enc_key_len, enc->id, enc->salt_len);
		return -EINVAL;
	}
	if (cfg->enc_key_bits && cfg->enc_key_bits != klen * 8) {
		KIPSEC_ERR_FMT(extack, "ENC_KEY_BITS does not match the encryption key length",
			       "ENC_KEY_BITS %u does not match the %u-bit key (salt excluded)",
			       cfg->enc_key_bits, (u16)(klen * 8));
		return -EINVAL;
	}
	if (integ && cfg->integ_key_len != integ->key_len) {
		KIPSEC_ERR_FMT(extack, "wrong integrity key length for the algorithm",
			       "integrity key: %u bytes wrong for algorithm %u (needs %u)",
			       (u8)cfg->integ_key_len, integ->id, integ->key_len);
		return -EINVAL;
	}

	*encp = enc;
	*integp = integ;
	return 0;
}

/* AH: one keyed hash (RFC 4302), no encryption. */
static int kipsec_ah_crypto_init(struct kipsec_sa *sa, const struct kipsec_sa_cfg *cfg,
				 struct netlink_ext_ack *extack)
{
	const struct kipsec_mac *integ;
	char name[CRYPTO_MAX_ALG_NAME];
	struct crypto_ahash *tfm;
	int err;

	if (cfg->enc_alg || cfg->enc_key_len) {
		NL_SET_ERR_MSG_MOD(extack, "AH does not encrypt: drop ENC_ALG/ENC_KEY");
		return -EINVAL;
	}
	if (!cfg->integ_alg) {
		NL_SET_ERR_MSG_MOD(extack, "AH needs INTEG_ALG and INTEG_KEY");
		return -EINVAL;
	}
	integ = kipsec_integ_find(cfg->integ_alg);
	if (!integ) {
		KIPSEC_ERR_FMT(extack, "integrity algorithm id not supported",
			       "integrity algorithm id %u is not supported", cfg->integ_alg);
		return -ENOPROTOOPT;
	}
	if (cfg->integ_key_len != integ->key_len) {
		KIPSEC_ERR_FMT(extack, "wrong integrity key length for the algorithm",
			       "integrity key: %u bytes wrong for algorithm %u (needs %u)",
			       (u8)cfg->integ_key_len, integ->id, integ->key_len);
		return -EINVAL;
	}

	snprintf(name, sizeof(name), "%s", integ->name);
	if (force_async) {
		/* As for ESP: cryptd around the synchronous driver, by its name. */
		tfm = crypto_alloc_ahash(integ->name, 0, CRYPTO_ALG_ASYNC);
		if (!IS_ERR(tfm)) {
			if (snprintf(name, sizeof(name), "cryptd(%s)",
				     crypto_tfm_alg_driver_name(crypto_ahash_tfm(tfm))) >=
			    (int)sizeof(name))
				snprintf(name, sizeof(name), "%s", integ->name);
			crypto_free_ahash(tfm);
		}
	}
	tfm = crypto_alloc_ahash(name, 0, 0);
	if (IS_ERR(tfm)) {
		err = PTR_ERR(tfm);
		if (err == -ENOENT) {
			KIPSEC_ERR_FMT(extack, "the running kernel lacks this crypto algorithm",
				       "the running kernel lacks %.48s", name);
			return -ENOSYS;
		}
		KIPSEC_ERR_FMT(extack, "cannot allocate the crypto transform",
			       "cannot allocate %.40s (error %d)", name, err);
		return err;
	}
	if (crypto_ahash_digestsize(tfm) < integ->icv_len ||
	    crypto_ahash_digestsize(tfm) > 64) {
		NL_SET_ERR_MSG_MOD(extack, "unexpected digest size of the crypto transform");
		err = -EINVAL;
		goto fail;
	}
	err = crypto_ahash_setkey(tfm, cfg->integ_key, cfg->integ_key_len);
	if (err) {
		KIPSEC_ERR_FMT(extack, "crypto transform refused the key",
			       "crypto refused the key (error %d)", err);
		goto fail;
	}
	sa->ahash = tfm;
	sa->integ_alg = cfg->integ_alg;
	sa->icv_len = integ->icv_len;
	return 0;

fail:
	crypto_free_ahash(tfm);
	return err;
}

int kipsec_sa_crypto_init(struct kipsec_sa *sa, const struct kipsec_sa_cfg *cfg,
			  struct netlink_ext_ack *extack)
{
	const struct kipsec_mac *integ;
	const struct kipsec_alg *enc;
	char name[CRYPTO_MAX_ALG_NAME];
	char full[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *aead;
	unsigned int icv_len;
	int err, n;

	if (cfg->proto == KIPSEC_PROTO_AH)
		return kipsec_ah_crypto_init(sa, cfg, extack);
	err = kipsec_algs_check(cfg, &enc, &integ, extack);
	if (err)
		return err;

	/*
	 * With ESN the high 32 bits of the sequence number are authenticated
	 * too: the combined modes take them in the associated data (esp.c
	 * lays it out), authenc needs its ESN variant, which moves them
	 * behind the payload as RFC 4303 2.2.1 wants.
	 */
	if (enc->combined)
		n = snprintf(name, sizeof(name), "%s", enc->name);
	else
		n = snprintf(name, sizeof(name), "%s(%s,%s)",
			     cfg->flags & KIPSEC_SA_F_ESN ? "authencesn" : "authenc",
			     integ->name, enc->name);
	n = snprintf(full, sizeof(full), "%s", name);
	if (force_async && n < (int)sizeof(name)) {
		/*
		 * cryptd wraps only synchronous algorithms, and "cryptd(name)"
		 * can clash with instances the arch drivers registered: name
		 * the synchronous driver explicitly.
		 */
		aead = crypto_alloc_aead(name, 0, CRYPTO_ALG_ASYNC);
		if (!IS_ERR(aead)) {
			n = snprintf(full, sizeof(full), "cryptd(%s)",
				     crypto_tfm_alg_driver_name(crypto_aead_tfm(aead)));
			crypto_free_aead(aead);
		}
	}
	if (n >= (int)sizeof(full))
		return -EINVAL;	/* cannot happen with the tables above */

	aead = crypto_alloc_aead(full, 0, 0);
	if (IS_ERR(aead)) {
		err = PTR_ERR(aead);
		if (err == -ENOENT) {
			KIPSEC_ERR_FMT(extack, "the running kernel lacks this crypto algorithm",
				       "the running kernel lacks %.48s", full);
			return -ENOSYS;
		}
		KIPSEC_ERR_FMT(extack, "cannot allocate the crypto transform",
			       "cannot allocate %.40s (error %d)", full, err);
		return err;
	}

	icv_len = enc->combined ? enc->icv_len : integ->icv_len;
	err = crypto_aead_setauthsize(aead, icv_len);
	if (err) {
		KIPSEC_ERR_FMT(extack, "crypto transform refused the ICV length",
			       "crypto refused ICV length %u", (u8)icv_len);
		goto fail;
	}

	if (enc->combined)
		err = crypto_aead_setkey(aead, cfg->enc_key, cfg->enc_key_len);
	else
		err = kipsec_authenc_setkey(aead, cfg);
	if (err) {
		KIPSEC_ERR_FMT(extack, "crypto transform refused the key",
			       "crypto refused the key (error %d)", err);
		goto fail;
	}

	/* The datapath's IV and buffer layout supports these sizes only. */
	if (crypto_aead_ivsize(aead) > KIPSEC_MAX_IV_LEN ||
	    (enc->seq_iv && crypto_aead_ivsize(aead) != 8)) {
		NL_SET_ERR_MSG_MOD(extack, "unexpected IV size of the crypto transform");
		err = -EINVAL;
		goto fail;
	}

	sa->aead = aead;
	sa->alg = enc;
	sa->enc_alg = cfg->enc_alg;
	sa->integ_alg = cfg->integ_alg;
	sa->enc_key_bits = (cfg->enc_key_len - enc->salt_len) * 8;
	sa->icv_len = icv_len;
	sa->iv_len = crypto_aead_ivsize(aead);
	sa->block_size = ALIGN(max_t(unsigned int, crypto_aead_blocksize(aead), 4), 4);
	return 0;

fail:
	crypto_free_aead(aead);
	return err;
}

void kipsec_sa_crypto_destroy(struct kipsec_sa *sa)
{
	/* crypto_free_aead() wipes the key schedule; NULL-safe. */
	crypto_free_aead(sa->aead);
	sa->aead = NULL;
	crypto_free_ahash(sa->ahash);
	sa->ahash = NULL;
}
