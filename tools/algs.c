// SPDX-License-Identifier: GPL-2.0
/* Algorithm tables: ip xfrm names <-> IANA ids (uapi/linux/kipsec.h). */
#include "algs.h"
#include "args.h"

#include <stdio.h>
#include <string.h>

#include <linux/kipsec.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * DES, 3DES, AES-CTR, GMAC are mapped although the kernel side may refuse
 * them: the refusal (and its reason) is the kernel's to give.
 */
static const struct enc_alg enc_algs[] = {
	{ KIPSEC_ENC_DES, "cbc(des)", { "des" }, false, 0, 0, 1, { 8 } },
	{ KIPSEC_ENC_3DES, "cbc(des3_ede)", { "des3_ede", "3des" }, false, 0, 0, 1, { 24 } },
	{ KIPSEC_ENC_NULL, "ecb(cipher_null)", { "cipher_null", "null" }, false, 0, 0, 1, { 0 } },
	{ KIPSEC_ENC_AES_CBC, "cbc(aes)", { "aes" }, false, 0, 0, 3, { 16, 24, 32 } },
	{ KIPSEC_ENC_AES_CTR, "rfc3686(ctr(aes))", { "ctr", "ctr(aes)" }, false, 0, 4, 3, { 16, 24, 32 } },
	{ KIPSEC_ENC_AES_GCM_8, "rfc4106(gcm(aes))", { "gcm", "aes-gcm" }, true, 64, 4, 3, { 16, 24, 32 } },
	{ KIPSEC_ENC_AES_GCM_12, "rfc4106(gcm(aes))", { "gcm", "aes-gcm" }, true, 96, 4, 3, { 16, 24, 32 } },
	{ KIPSEC_ENC_AES_GCM_16, "rfc4106(gcm(aes))", { "gcm", "aes-gcm" }, true, 128, 4, 3, { 16, 24, 32 } },
	{ KIPSEC_ENC_NULL_AES_GMAC, "rfc4543(gcm(aes))", { "gmac", "aes-gmac" }, true, 128, 4, 3, { 16, 24, 32 } },
	{ KIPSEC_ENC_CHACHA20_POLY1305, "rfc7539esp(chacha20,poly1305)",
	  { "chacha20-poly1305", "chacha20poly1305" }, true, 128, 4, 1, { 32 } },
};

static const struct integ_alg integ_algs[] = {
	{ KIPSEC_INTEG_HMAC_MD5_96, "hmac(md5)", { "md5" }, 96, 16 },
	{ KIPSEC_INTEG_HMAC_SHA1_96, "hmac(sha1)", { "sha1" }, 96, 20 },
	{ KIPSEC_INTEG_AES_XCBC_96, "xcbc(aes)", { "aes-xcbc" }, 96, 16 },
	{ KIPSEC_INTEG_AES_CMAC_96, "cmac(aes)", { "aes-cmac" }, 96, 16 },
	{ KIPSEC_INTEG_HMAC_SHA2_256_128, "hmac(sha256)", { "sha256" }, 128, 32 },
	{ KIPSEC_INTEG_HMAC_SHA2_384_192, "hmac(sha384)", { "sha384" }, 192, 48 },
	{ KIPSEC_INTEG_HMAC_SHA2_512_256, "hmac(sha512)", { "sha512" }, 256, 64 },
};

static bool enc_named(const struct enc_alg *a, const char *name)
{
	size_t i;

	if (!strcmp(a->name, name))
		return true;
	for (i = 0; i < N(a->aliases) && a->aliases[i]; i++)
		if (!strcmp(a->aliases[i], name))
			return true;
	return false;
}

const struct enc_alg *algs_enc_find(const char *name, bool aead, unsigned icv_bits)
{
	const struct enc_alg *known = NULL;
	char icvs[64] = "";
	size_t i;

	for (i = 0; i < N(enc_algs); i++) {
		const struct enc_alg *a = &enc_algs[i];

		if (!enc_named(a, name))
			continue;
		known = a;
		if (a->aead != aead)
			break;
		if (!aead || a->icv_bits == icv_bits)
			return a;
		snprintf(icvs + strlen(icvs), sizeof(icvs) - strlen(icvs),
			 "%s%u", icvs[0] ? ", " : "", a->icv_bits);
	}
	if (!known) {
		fail("unknown algorithm '%s'", name);
		return NULL;
	}
	if (known->aead && !aead)
		fail("'%s' is an AEAD algorithm: use aead '%s' KEY ICV_BITS",
		     name, known->name);
	else if (!known->aead && aead)
		fail("'%s' is not an AEAD algorithm: use enc '%s' KEY with auth",
		     name, known->name);
	else
		fail("%s: ICV of %u bits not supported: use %s", known->name,
		     icv_bits, icvs);
	return NULL;
}

const struct integ_alg *algs_integ_find(const char *name)
{
	size_t i, j;

	for (i = 0; i < N(integ_algs); i++) {
		const struct integ_alg *a = &integ_algs[i];

		if (!strcmp(a->name, name))
			return a;
		for (j = 0; j < N(a->aliases) && a->aliases[j]; j++)
			if (!strcmp(a->aliases[j], name))
				return a;
	}
	for (i = 0; i < N(enc_algs); i++) {
		if (enc_named(&enc_algs[i], name)) {
			fail("'%s' is an encryption algorithm, not an authentication one", name);
			return NULL;
		}
	}
	fail("unknown algorithm '%s'", name);
	return NULL;
}

const struct enc_alg *algs_enc_by_id(uint16_t id)
{
	size_t i;

	for (i = 0; i < N(enc_algs); i++)
		if (enc_algs[i].id == id)
			return &enc_algs[i];
	return NULL;
}

const struct integ_alg *algs_integ_by_id(uint16_t id)
{
	size_t i;

	for (i = 0; i < N(integ_algs); i++)
		if (integ_algs[i].id == id)
			return &integ_algs[i];
	return NULL;
}

int algs_enc_check_key(const struct enc_alg *a, size_t len, uint16_t *key_bits)
{
	char lens[64] = "";
	size_t i;

	for (i = 0; i < a->nkeys; i++) {
		if (len == (size_t)a->key_lens[i] + a->salt) {
			*key_bits = (uint16_t)(a->key_lens[i] * 8);
			return 0;
		}
		snprintf(lens + strlen(lens), sizeof(lens) - strlen(lens),
			 "%s%u", i ? (i + 1 == a->nkeys ? " or " : ", ") : "",
			 a->key_lens[i] + a->salt);
	}
	if (a->salt)
		return fail("%s key must be %s bytes (key plus %u-byte salt), got %zu",
			    a->name, lens, a->salt, len);
	if (a->nkeys == 1 && a->key_lens[0] == 0)
		return fail("%s takes no key (give \"\"), got %zu bytes", a->name, len);
	return fail("%s key must be %s bytes, got %zu", a->name, lens, len);
}

int algs_integ_check_key(const struct integ_alg *a, size_t len)
{
	if (len != a->key_len)
		return fail("%s key must be %u bytes, got %zu", a->name, a->key_len, len);
	return 0;
}
