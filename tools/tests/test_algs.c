// SPDX-License-Identifier: GPL-2.0
/* ip xfrm algorithm names <-> IANA ids, key length rules. */
#include "tap.h"
#include "algs.h"
#include "args.h"

#include <stdio.h>

#include <linux/kipsec.h>

static uint16_t enc_id(const char *name, bool aead, unsigned icv)
{
	const struct enc_alg *a = algs_enc_find(name, aead, icv);

	return a ? a->id : 0;
}

static uint16_t integ_id(const char *name)
{
	const struct integ_alg *a = algs_integ_find(name);

	return a ? a->id : 0;
}

void test_algs(void)
{
	static const struct {
		const char *name;
		bool aead;
		unsigned icv;
		uint16_t id;
	} enc[] = {
		{ "rfc4106(gcm(aes))", true, 64, KIPSEC_ENC_AES_GCM_8 },
		{ "rfc4106(gcm(aes))", true, 96, KIPSEC_ENC_AES_GCM_12 },
		{ "rfc4106(gcm(aes))", true, 128, KIPSEC_ENC_AES_GCM_16 },
		{ "rfc4543(gcm(aes))", true, 128, KIPSEC_ENC_NULL_AES_GMAC },
		{ "gmac", true, 128, KIPSEC_ENC_NULL_AES_GMAC },
		{ "rfc7539esp(chacha20,poly1305)", true, 128, KIPSEC_ENC_CHACHA20_POLY1305 },
		{ "cbc(aes)", false, 0, KIPSEC_ENC_AES_CBC },
		{ "aes", false, 0, KIPSEC_ENC_AES_CBC },
		{ "cipher_null", false, 0, KIPSEC_ENC_NULL },
		{ "ecb(cipher_null)", false, 0, KIPSEC_ENC_NULL },
		{ "des3_ede", false, 0, KIPSEC_ENC_3DES },
		{ "cbc(des3_ede)", false, 0, KIPSEC_ENC_3DES },
		{ "3des", false, 0, KIPSEC_ENC_3DES },
		{ "des", false, 0, KIPSEC_ENC_DES },
		{ "ctr", false, 0, KIPSEC_ENC_AES_CTR },
		{ "rfc3686(ctr(aes))", false, 0, KIPSEC_ENC_AES_CTR },
	};
	static const struct {
		const char *name;
		uint16_t id;
		unsigned icv;
	} integ[] = {
		{ "hmac(sha1)", KIPSEC_INTEG_HMAC_SHA1_96, 96 },
		{ "sha1", KIPSEC_INTEG_HMAC_SHA1_96, 96 },
		{ "hmac(sha256)", KIPSEC_INTEG_HMAC_SHA2_256_128, 128 },
		{ "sha256", KIPSEC_INTEG_HMAC_SHA2_256_128, 128 },
		{ "hmac(sha384)", KIPSEC_INTEG_HMAC_SHA2_384_192, 192 },
		{ "sha384", KIPSEC_INTEG_HMAC_SHA2_384_192, 192 },
		{ "hmac(sha512)", KIPSEC_INTEG_HMAC_SHA2_512_256, 256 },
		{ "sha512", KIPSEC_INTEG_HMAC_SHA2_512_256, 256 },
		{ "hmac(md5)", KIPSEC_INTEG_HMAC_MD5_96, 96 },
		{ "md5", KIPSEC_INTEG_HMAC_MD5_96, 96 },
		{ "xcbc(aes)", KIPSEC_INTEG_AES_XCBC_96, 96 },
		{ "cmac(aes)", KIPSEC_INTEG_AES_CMAC_96, 96 },
	};
	const struct enc_alg *e;
	const struct integ_alg *ia;
	uint16_t bits = 0;
	size_t i;

	for (i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		is_num(enc_id(enc[i].name, enc[i].aead, enc[i].icv), enc[i].id, enc[i].name);
		e = algs_enc_by_id(enc[i].id);
		ok(e && e->id == enc[i].id && (!e->aead || e->icv_bits == enc[i].icv),
		   "id %u maps back", enc[i].id);
	}
	for (i = 0; i < sizeof(integ) / sizeof(integ[0]); i++) {
		ia = algs_integ_find(integ[i].name);
		ok(ia && ia->id == integ[i].id && ia->icv_bits == integ[i].icv,
		   "%s -> %u (%u bits)", integ[i].name, integ[i].id, integ[i].icv);
		ok(algs_integ_by_id(integ[i].id) == ia, "integ id %u maps back", integ[i].id);
	}
	is_str(algs_enc_by_id(KIPSEC_ENC_AES_GCM_12)->name, "rfc4106(gcm(aes))", "GCM_12 name");
	ok(!algs_enc_by_id(99) && !algs_integ_by_id(99), "unknown ids give NULL");

	ok(!enc_id("cbc(foo)", false, 0), "unknown enc refused");
	is_str(cli_err(), "unknown algorithm 'cbc(foo)'", "unknown algorithm text");
	ok(!enc_id("rfc4106(gcm(aes))", true, 32), "GCM with 32-bit ICV refused");
	is_str(cli_err(), "rfc4106(gcm(aes)): ICV of 32 bits not supported: use 64, 96, 128",
	       "GCM ICV text");
	ok(!enc_id("rfc7539esp(chacha20,poly1305)", true, 96), "ChaCha with 96-bit ICV refused");
	ok(!enc_id("rfc4106(gcm(aes))", false, 0), "AEAD under enc refused");
	is_str(cli_err(), "'rfc4106(gcm(aes))' is an AEAD algorithm: use aead 'rfc4106(gcm(aes))' KEY ICV_BITS",
	       "AEAD-under-enc text");
	ok(!enc_id("cbc(aes)", true, 128), "cbc under aead refused");
	is_str(cli_err(), "'cbc(aes)' is not an AEAD algorithm: use enc 'cbc(aes)' KEY with auth",
	       "enc-under-aead text");
	ok(!integ_id("aes"), "cipher as auth refused");
	is_str(cli_err(), "'aes' is an encryption algorithm, not an authentication one",
	       "cipher-as-auth text");
	ok(!integ_id("hmac(sha3)"), "unknown auth refused");
	is_str(cli_err(), "unknown algorithm 'hmac(sha3)'", "unknown auth text");

	e = algs_enc_by_id(KIPSEC_ENC_AES_GCM_16);
	ok(!algs_enc_check_key(e, 20, &bits) && bits == 128, "GCM 20 bytes = AES-128 + salt");
	ok(!algs_enc_check_key(e, 28, &bits) && bits == 192, "GCM 28 bytes = AES-192 + salt");
	ok(!algs_enc_check_key(e, 36, &bits) && bits == 256, "GCM 36 bytes = AES-256 + salt");
	ok(algs_enc_check_key(e, 16, &bits), "GCM without salt refused");
	is_str(cli_err(), "rfc4106(gcm(aes)) key must be 20, 28 or 36 bytes (key plus 4-byte salt), got 16",
	       "GCM key length text");
	e = algs_enc_by_id(KIPSEC_ENC_CHACHA20_POLY1305);
	ok(!algs_enc_check_key(e, 36, &bits) && bits == 256, "ChaCha 36 bytes");
	ok(algs_enc_check_key(e, 32, &bits), "ChaCha without salt refused");
	e = algs_enc_by_id(KIPSEC_ENC_AES_CBC);
	ok(!algs_enc_check_key(e, 16, &bits) && bits == 128, "AES-CBC 16 bytes");
	ok(algs_enc_check_key(e, 20, &bits), "AES-CBC 20 bytes refused");
	is_str(cli_err(), "cbc(aes) key must be 16, 24 or 32 bytes, got 20", "CBC key text");
	e = algs_enc_by_id(KIPSEC_ENC_NULL);
	ok(!algs_enc_check_key(e, 0, &bits) && bits == 0, "NULL takes an empty key");
	ok(algs_enc_check_key(e, 1, &bits), "NULL with a key refused");
	is_str(cli_err(), "ecb(cipher_null) takes no key (give \"\"), got 1 bytes", "NULL key text");
	ia = algs_integ_find("sha256");
	ok(!algs_integ_check_key(ia, 32), "sha256 32-byte key");
	ok(algs_integ_check_key(ia, 20), "sha256 20-byte key refused");
	is_str(cli_err(), "hmac(sha256) key must be 32 bytes, got 20", "integ key text");
}
