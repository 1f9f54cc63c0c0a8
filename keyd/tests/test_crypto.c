// SPDX-License-Identifier: GPL-2.0
/*
 * crypto.c against published known-answer vectors (the source of each is
 * named next to it), plus two-party cross-checks of a whole IKE_SA_INIT
 * key derivation and of SK protection with the derived keys.
 */
#include <stdlib.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto.h"
#include "ikev2.h"
#include "ikev2_auth.h"
#include "ikev2_msg.h"
#include "tap.h"

static uint8_t hx[8][600];

static size_t H(int slot, const char *hex)
{
	return unhex(hex, hx[slot], sizeof(hx[slot]));
}

/*
 * HMAC test cases 1 and 2 of RFC 4231 section 4.2/4.3, which RFC 4868
 * section 2.7.1 adopts as its PRF-HMAC-SHA-256/384/512 test vectors; the
 * SHA-1 values are test cases 1 and 2 of RFC 2202 section 3.
 */
static void test_prf_vectors(void)
{
	static const struct {
		uint16_t prf;
		const char *name, *tc1, *tc2;
	} v[] = {
		{ IKEV2_PRF_HMAC_SHA1, "PRF_HMAC_SHA1 (RFC 2202)",
		  "b617318655057264e28bc0b6fb378c8ef146be00",
		  "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
		{ IKEV2_PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256 (RFC 4868/4231)",
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ IKEV2_PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384 (RFC 4868/4231)",
		  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
		  "faea9ea9076ede7f4af152e8b2fa9cb6",
		  "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
		  "8e2240ca5e69e2c78b3239ecfab21649" },
		{ IKEV2_PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512 (RFC 4868/4231)",
		  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
		  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
		  "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
		  "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	};
	uint8_t key1[20], out[64];

	memset(key1, 0x0b, sizeof(key1));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len = crypto_prf_len(v[i].prf);
		/* the data split in two pieces also checks the concatenation */
		struct cbuf hi[2] = { { (const uint8_t *)"Hi ", 3 }, { (const uint8_t *)"There", 5 } };
		struct cbuf jefe = { (const uint8_t *)"what do ya want for nothing?", 28 };

		ok(!crypto_prf(v[i].prf, key1, 20, hi, 2, out) && hexeq(out, len, v[i].tc1),
		   "%s test case 1", v[i].name);
		ok(!crypto_prf(v[i].prf, (const uint8_t *)"Jefe", 4, &jefe, 1, out) && hexeq(out, len, v[i].tc2),
		   "%s test case 2", v[i].name);
	}
	ok(crypto_prf(IKEV2_PRF_HMAC_MD5, key1, 20, NULL, 0, out) == CRYPTO_E_UNSUPPORTED,
	   "PRF_HMAC_MD5 refused as unsupported");
}

/*
 * IKEv2 KDF, NIST CAVP SP 800-135 "IKEv2" sample (SHA-1, 64-bit nonces,
 * 1056-bit DKM), as reproduced in libreswan's CAVS test harness:
 * SKEYSEED, DKM = prf+(SKEYSEED, Ni|Nr|SPIi|SPIr), DKM(Child SA) =
 * prf+(SK_d, Ni|Nr), DKM(Child SA D-H) = prf+(SK_d, g^ir(new)|Ni|Nr) and
 * SKEYSEED(Rekey) = prf(SK_d, g^ir(new)|Ni|Nr), with SK_d = the first 20
 * bytes of DKM.
 */
static void test_kdf_vector(void)
{
	const char *dkm =
		"a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002a2a63080e514a062768b7660"
		"6f9fa5e992204fc5a670bde3f10d6b027113936a5c55b648a194ae587b0088d52204b702c979fa280870d2ed"
		"41efa9c549fd11198af1670b143d384bd275c5f594cf266b05ebadca855e4249520a441a81157435a7a56cc4";
	const char *dkm_child =
		"8059e3ee8810e6c3a91bc8bcd2a7a41151b8d0e6ae239c7b38093ad85ef4c5811a8e7b5d1cdabd9560b2d5e0"
		"92d1f24e2d4b85eccdf0ad0dc9abd94b51ee71814ca6dbc8bb51b6309f5b9545c7eb35cf5580b1e521a8fe20"
		"754a2d883ba0c2cf285f524aea6545b33106bc03e614296d319d41d4b50b3f510b1c0a22f3e664994d234cb4";
	const char *dkm_child_dh =
		"bb43244c1860ad65ee1e211ffe8bb3661750c8f89cb9f547df7f4fa61d37301628190e38c66232eab4b3ab14"
		"c400a5197dd3730ed4820a8a10394d51e1c0400052f63ebd36b0e7ef53aaed31eba4a5080d7d4b5666023a8b"
		"bb5ffb7857240f9a05884d1b7d2f933708450b7b3288f1fc863ab49fa901227cffc06e27899c7054d56fd74c";
	size_t gl = H(0, "4b2c1f971981a8ad8d0abeafabf38cf75fc8349c148142465ed9c8b516b8be52");
	size_t gnl = H(1, "863f3c9d06efd39d2b907b97f8699e5dd5251ef64a2a176f36ee40c87d4f9330");
	size_t nil = H(2, "32b50d5f4a3763f3"), nrl = H(3, "9206a04b26564cb1");
	const uint64_t spi_i = 0x34c9e7c188868785ULL, spi_r = 0x3ff77d760d2b2199ULL;
	const uint16_t prf = IKEV2_PRF_HMAC_SHA1;
	/* AES-CBC-256 + HMAC-SHA1-96: 3*20 + 2*20 + 2*32 = 164 bytes, DKM's first 132 are checked */
	const struct crypto_sk_alg alg = { IKEV2_ENCR_AES_CBC, 256, IKEV2_INTEG_HMAC_SHA1_96 };
	uint8_t out[132], spis[16], seed[40];
	struct cbuf parts[3];
	struct ikev2_keys k, rk;
	struct crypto_child_keys ck;
	uint8_t cat[132];
	int r;

	r = crypto_ike_keys(prf, &alg, hx[2], nil, hx[3], nrl, hx[0], gl, spi_i, spi_r, &k);
	ok(!r && hexeq(k.skeyseed, 20, "a9a7b222b59f8f48645f28a1db5b5f5d7479cba7"),
	   "SKEYSEED = prf(Ni | Nr, g^ir) matches NIST CAVP IKEv2 (SHA-1)");
	put_be64(spis, spi_i);
	put_be64(spis + 8, spi_r);
	parts[0] = (struct cbuf){ hx[2], nil };
	parts[1] = (struct cbuf){ hx[3], nrl };
	parts[2] = (struct cbuf){ spis, 16 };
	ok(!crypto_prfplus(prf, k.skeyseed, 20, parts, 3, out, sizeof(out)) && hexeq(out, sizeof(out), dkm),
	   "prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) matches the CAVP DKM (132 bytes, 7 blocks)");
	/* the seven keys are DKM in order: SK_d | SK_ai | SK_ar | SK_ei | SK_er | ... */
	memcpy(cat, k.sk_d, 20);
	memcpy(cat + 20, k.sk_ai, 20);
	memcpy(cat + 40, k.sk_ar, 20);
	memcpy(cat + 60, k.sk_ei, 32);
	memcpy(cat + 92, k.sk_er, 32);
	memcpy(cat + 124, k.sk_pi, 8);
	ok(k.prf_len == 20 && k.integ_len == 20 && k.encr_len == 32 && hexeq(cat, 132, dkm),
	   "SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi cut from the CAVP DKM in RFC 7296 2.14 order");

	/* child keymat: enc 36 + integ 30, twice = 132 bytes, laid out i->r then r->i */
	r = crypto_child_keymat(prf, k.sk_d, 20, NULL, 0, hx[2], nil, hx[3], nrl, 36, 30, &ck);
	memcpy(cat, ck.enc_i, 36);
	memcpy(cat + 36, ck.integ_i, 30);
	memcpy(cat + 66, ck.enc_r, 36);
	memcpy(cat + 102, ck.integ_r, 30);
	ok(!r && hexeq(cat, 132, dkm_child), "Child SA KEYMAT = prf+(SK_d, Ni | Nr) matches CAVP DKM(Child SA)");
	r = crypto_child_keymat(prf, k.sk_d, 20, hx[1], gnl, hx[2], nil, hx[3], nrl, 36, 30, &ck);
	memcpy(cat, ck.enc_i, 36);
	memcpy(cat + 36, ck.integ_i, 30);
	memcpy(cat + 66, ck.enc_r, 36);
	memcpy(cat + 102, ck.integ_r, 30);
	ok(!r && hexeq(cat, 132, dkm_child_dh),
	   "PFS Child SA KEYMAT = prf+(SK_d, g^ir new | Ni | Nr) matches CAVP DKM(Child SA D-H)");
	r = crypto_ike_rekey_keys(prf, k.sk_d, 20, prf, &alg, hx[2], nil, hx[3], nrl, hx[1], gnl,
				  spi_i, spi_r, &rk);
	ok(!r && hexeq(rk.skeyseed, 20, "63e81194946ebd05df7df5ebf5d8750056bf1f1d"),
	   "rekey SKEYSEED = prf(SK_d, g^ir new | Ni | Nr) matches CAVP SKEYSEED(Rekey)");
	crypto_child_keys_clear(&ck);
	crypto_ike_keys_clear(&rk);
	crypto_ike_keys_clear(&k);
	{
		static const struct ikev2_keys zero_keys;
		static const struct crypto_child_keys zero_child;

		ok(!memcmp(&k, &zero_keys, sizeof(k)) && !memcmp(&ck, &zero_child, sizeof(ck)),
		   "crypto_ike_keys_clear / crypto_child_keys_clear wipe every byte");
	}
	memset(seed, 0, sizeof(seed));
	ok(crypto_prfplus(prf, seed, 20, parts, 3, hx[4], 255 * 20 + 1) == CRYPTO_E_FORMAT &&
	   !crypto_prfplus(prf, seed, 20, parts, 3, hx[4], 255 * 2), "prf+ refuses more than 255 blocks");
}

/* RFC 7748 section 6.1 (X25519). */
static void test_x25519_vector(void)
{
	struct crypto_dh *a, *b;
	uint8_t pub[32], sec[32];
	size_t al = H(0, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	size_t bl = H(1, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	const char *k = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

	a = crypto_dh_new_from_private(IKEV2_DH_CURVE25519, hx[0], al, NULL, 0);
	b = crypto_dh_new_from_private(IKEV2_DH_CURVE25519, hx[1], bl, NULL, 0);
	ok(a && b, "X25519 keys from RFC 7748 private values");
	if (!a || !b)
		goto out;
	ok(!crypto_dh_public(a, pub, 32) &&
	   hexeq(pub, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"),
	   "X25519 Alice's public value (RFC 7748 6.1)");
	ok(!crypto_dh_derive(a, (const uint8_t *)"\xde\x9e\xdb\x7d\x7b\x7d\xc1\xb4\xd3\x5b\x61\xc2\xec\xe4\x35\x37"
			     "\x3f\x83\x43\xc8\x5b\x78\x67\x4d\xad\xfc\x7e\x14\x6f\x88\x2b\x4f", 32, sec, 32) &&
	   hexeq(sec, 32, k), "X25519 shared secret K from Bob's public value (RFC 7748 6.1)");
	ok(!crypto_dh_public(b, pub, 32) && !crypto_dh_derive(b, hx[2], unhex(
		"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", hx[2], 32), sec, 32) &&
	   hexeq(sec, 32, k), "X25519 shared secret K from Alice's public value (RFC 7748 6.1)");
	memset(pub, 0, sizeof(pub));
	ok(crypto_dh_derive(a, pub, 32, sec, 32) == CRYPTO_E_FORMAT,
	   "X25519 low-order point (u = 0) refused: all-zero result (RFC 8031 2.3)");
	ok(crypto_dh_derive(a, pub, 31, sec, 32) == CRYPTO_E_FORMAT, "X25519 31-byte public value refused");
out:
	crypto_dh_free(a);
	crypto_dh_free(b);
}

/* RFC 5903 sections 8.1 (256-bit) and 8.2 (384-bit random ECP groups). */
static void test_ecp_vectors(void)
{
	static const struct {
		uint16_t group;
		const char *i, *gix, *giy, *grx, *gry, *girx, *r;
	} v[] = {
		{ IKEV2_DH_ECP_256,
		  "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
		  "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180",
		  "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
		  "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63",
		  "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
		  "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE",
		  "C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53" },
		{ IKEV2_DH_ECP_384,
		  "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655"
		  "E35B5380 41E649EE 3FAEF896 783AB194",
		  "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6"
		  "DE3AC808 ACB4BDB4 C88732AE E95F41AA",
		  "9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E"
		  "EB9FCFF3 C2C947DA E69B4C63 4573A81C",
		  "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D"
		  "0D1AC43A 0336DEF9 6FDA41D0 774A3571",
		  "DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF"
		  "F83FA401 42209DFF 5EAAD96D B9E6386C",
		  "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4"
		  "D6031355 69B9E9D0 9CF5D4A2 70F59746",
		  NULL },
	};

	for (size_t t = 0; t < sizeof(v) / sizeof(v[0]); t++) {
		size_t plen = crypto_dh_pub_len(v[t].group), slen = crypto_dh_secret_len(v[t].group);
		size_t il = H(0, v[t].i), half;
		uint8_t gi[96], gr[96], pub[96], sec[48];
		struct crypto_dh *dh;
		const char *name = v[t].group == IKEV2_DH_ECP_256 ? "ECP-256" : "ECP-384";

		half = H(1, v[t].gix);
		memcpy(gi, hx[1], half);
		H(1, v[t].giy);
		memcpy(gi + half, hx[1], half);
		H(1, v[t].grx);
		memcpy(gr, hx[1], half);
		H(1, v[t].gry);
		memcpy(gr + half, hx[1], half);
		H(2, v[t].girx);

		dh = crypto_dh_new_from_private(v[t].group, hx[0], il, gi, plen);
		ok(dh != NULL && plen == 2 * half && slen == half, "%s key from RFC 5903 private value i", name);
		if (!dh)
			continue;
		ok(!crypto_dh_public(dh, pub, plen) && !memcmp(pub, gi, plen),
		   "%s KE data is gix | giy, %zu bytes (RFC 5903 7, 8)", name, plen);
		ok(!crypto_dh_derive(dh, gr, plen, sec, slen) && !memcmp(sec, hx[2], slen),
		   "%s g^ir is girx alone (RFC 5903 8)", name);
		gr[plen - 1] ^= 1;
		ok(crypto_dh_derive(dh, gr, plen, sec, slen) == CRYPTO_E_FORMAT,
		   "%s point off the curve refused", name);
		ok(crypto_dh_derive(dh, gr, plen + 1, sec, slen) == CRYPTO_E_FORMAT,
		   "%s SEC1-length (x|y + 1) public value refused", name);
		crypto_dh_free(dh);
		if (v[t].r) {
			size_t rl = H(3, v[t].r);

			gr[plen - 1] ^= 1;
			dh = crypto_dh_new_from_private(v[t].group, hx[3], rl, gr, plen);
			ok(dh && !crypto_dh_derive(dh, gi, plen, sec, slen) && !memcmp(sec, hx[2], slen),
			   "%s responder side computes the same girx", name);
			crypto_dh_free(dh);
		}
	}
}

/*
 * AES-GCM: test case 4 of McGrew & Viega, "The Galois/Counter Mode of
 * Operation" (the NIST GCM submission), 96-bit IV used as RFC 5282 does:
 * salt = first 4 bytes, explicit IV = last 8. ChaCha20-Poly1305: RFC 8439
 * (7539) section 2.8.2. AES-CBC: RFC 3602 section 4, case #1.
 */
static void test_cipher_vectors(void)
{
	uint8_t key[32], nonce[12], aad[32], pt[128], ct[128], tag[16], back[128];
	size_t pl, al;

	H(0, "feffe9928665731c6d6a8f9467308308");
	memcpy(key, hx[0], 16);
	unhex("cafebabefacedbaddecaf888", nonce, 12);
	al = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, sizeof(aad));
	pl = unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
		   "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39", pt, sizeof(pt));
	ok(!crypto_aead(IKEV2_ENCR_AES_GCM_16, true, key, 16, nonce, aad, al, pt, pl, ct, tag, 16) &&
	   hexeq(ct, pl, "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
		 "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091") &&
	   hexeq(tag, 16, "5bc94fbc3221a5db94fae95ae7121a47"),
	   "AES-GCM-128 encrypt: GCM spec test case 4 ciphertext and tag");
	ok(!crypto_aead(IKEV2_ENCR_AES_GCM_16, false, key, 16, nonce, aad, al, ct, pl, back, tag, 16) &&
	   !memcmp(back, pt, pl), "AES-GCM-128 decrypt: GCM spec test case 4");
	tag[15] ^= 0x80;
	ok(crypto_aead(IKEV2_ENCR_AES_GCM_16, false, key, 16, nonce, aad, al, ct, pl, back, tag, 16) ==
	   CRYPTO_E_AUTH, "AES-GCM-128: altered tag is an authentication failure");
	tag[15] ^= 0x80;
	ok(!crypto_aead(IKEV2_ENCR_AES_GCM_8, true, key, 16, nonce, aad, al, pt, pl, ct, tag, 8) &&
	   hexeq(tag, 8, "5bc94fbc3221a5db"), "AES-GCM-8: the 8-byte ICV is the truncated tag");

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
	unhex("07000000 4041424344454647", nonce, 12);
	al = unhex("50515253c0c1c2c3c4c5c6c7", aad, sizeof(aad));
	pl = strlen("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
		    "the future, sunscreen would be it.");
	memcpy(pt, "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
	       "the future, sunscreen would be it.", pl);
	ok(!crypto_aead(IKEV2_ENCR_CHACHA20_POLY1305, true, key, 32, nonce, aad, al, pt, pl, ct, tag, 16) &&
	   hexeq(ct, pl, "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
		 "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
		 "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
		 "3ff4def08e4b7a9de576d26586cec64b6116") &&
	   hexeq(tag, 16, "1ae10b594f09e26a7e902ecbd0600691"),
	   "ChaCha20-Poly1305: RFC 8439 2.8.2 ciphertext and tag");

	H(0, "06a9214036b8a15b512e03d534120006");
	H(1, "3dafba429d9eb430b422da802c9fac41");
	ok(!crypto_aes_cbc(true, hx[0], 16, hx[1], (const uint8_t *)"Single block msg", 16, ct) &&
	   hexeq(ct, 16, "e353779c1079aeb82708942dbe77181a"), "AES-CBC-128: RFC 3602 case #1");
	ok(!crypto_aes_cbc(false, hx[0], 16, hx[1], ct, 16, back) && !memcmp(back, "Single block msg", 16),
	   "AES-CBC-128 decrypt: RFC 3602 case #1");
	ok(crypto_aes_cbc(true, hx[0], 16, hx[1], pt, 15, ct) == CRYPTO_E_FORMAT,
	   "AES-CBC refuses a partial block");
}

/* Integrity transforms are the PRF's HMAC truncated to the ICV (RFC 4868 2.3, RFC 2404). */
static void test_integ(void)
{
	static const struct { uint16_t integ, prf; size_t key, icv; } v[] = {
		{ IKEV2_INTEG_HMAC_SHA1_96, IKEV2_PRF_HMAC_SHA1, 20, 12 },
		{ IKEV2_INTEG_HMAC_SHA2_256_128, IKEV2_PRF_HMAC_SHA2_256, 32, 16 },
		{ IKEV2_INTEG_HMAC_SHA2_384_192, IKEV2_PRF_HMAC_SHA2_384, 48, 24 },
		{ IKEV2_INTEG_HMAC_SHA2_512_256, IKEV2_PRF_HMAC_SHA2_512, 64, 32 },
	};
	uint8_t key[64], full[64], icv[32];
	struct cbuf d = { (const uint8_t *)"Hi There", 8 };

	memset(key, 0x0b, sizeof(key));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t kl, il;

		ok(!crypto_integ_sizes(v[i].integ, &kl, &il) && kl == v[i].key && il == v[i].icv &&
		   !crypto_integ(v[i].integ, key, &d, 1, icv) &&
		   !crypto_prf(v[i].prf, key, kl, &d, 1, full) && !memcmp(icv, full, il),
		   "integrity %u: %zu-byte key, ICV = HMAC truncated to %zu bytes", v[i].integ, kl, il);
	}
}

/* Both ends of an IKE_SA_INIT: DH, SKEYSEED, keys, then an SK message between them. */
static void test_two_party(uint16_t group, uint16_t prf, const struct crypto_sk_alg *alg, const char *name)
{
	struct crypto_dh *i = crypto_dh_new(group), *r = crypto_dh_new(group);
	size_t pl = crypto_dh_pub_len(group), sl = crypto_dh_secret_len(group);
	uint8_t pi[512], pr[512], si[512], sr[512], ni[32], nr[48];
	struct ikev2_keys ki, kr;
	struct crypto_child_keys ci, cr;
	int ok_all;

	ok(i && r, "%s: key pairs generated", name);
	if (!i || !r)
		goto out;
	crypto_random(ni, sizeof(ni));
	crypto_random(nr, sizeof(nr));
	ok(!crypto_dh_public(i, pi, pl) && !crypto_dh_public(r, pr, pl) &&
	   !crypto_dh_derive(i, pr, pl, si, sl) && !crypto_dh_derive(r, pi, pl, sr, sl) &&
	   !memcmp(si, sr, sl), "%s: both sides compute the same %zu-byte g^ir", name, sl);
	ok_all = !crypto_ike_keys(prf, alg, ni, sizeof(ni), nr, sizeof(nr), si, sl, 0x1111, 0x2222, &ki) &&
		 !crypto_ike_keys(prf, alg, ni, sizeof(ni), nr, sizeof(nr), sr, sl, 0x1111, 0x2222, &kr);
	ok(ok_all && !memcmp(&ki, &kr, sizeof(ki)) && memcmp(ki.sk_ei, ki.sk_er, ki.encr_len) &&
	   memcmp(ki.sk_pi, ki.sk_pr, ki.prf_len),
	   "%s: identical SKEYSEED and seven keys on both sides, directions differ", name);

	/* initiator -> responder with SK_ei/SK_ai, decrypted by the responder's copy */
	{
		struct buf msg, plain;
		struct ikev2_chain c;
		struct ikev2_msg m;
		struct ikev2_pldlist in;
		struct ikev2_error err = { 0 };
		struct ikev2_hdr h = { .spi_i = 0x1111, .spi_r = 0x2222, .exchange = IKEV2_EXCH_IKE_AUTH,
				       .flags = IKEV2_FLAG_INITIATOR, .msgid = 1 };
		uint8_t inner[4 + 16];

		memset(inner, 0, sizeof(inner));
		put_be16(inner + 2, sizeof(inner));
		memcpy(inner + 4, "kipsec-keyd test", 16);
		buf_init(&plain);
		buf_init(&msg);
		ikev2_msg_begin(&msg, &c, &h);
		ok(!ikev2_msg_seal(&c, alg, ki.sk_ei, ki.sk_ai, inner, sizeof(inner), IKEV2_PL_VENDOR, 0, 0, NULL) &&
		   !ikev2_msg_decode(msg.data, msg.len, &m, &err) &&
		   !ikev2_msg_open(&m, alg, kr.sk_ei, kr.sk_ai, &plain, &in, &err) &&
		   in.n == 1 && in.p[0].type == IKEV2_PL_VENDOR && !memcmp(in.p[0].body, "kipsec-keyd test", 16),
		   "%s: message sealed with the initiator's SK_ei opens with the responder's", name);
		ok(ikev2_msg_open(&m, alg, kr.sk_er, kr.sk_ar, &plain, &in, &err) && err.code == IKEV2_E_INTEGRITY,
		   "%s: ... and not with SK_er (the other direction)", name);
		buf_free(&msg);
		buf_free(&plain);
	}
	ok(!crypto_child_keymat(prf, ki.sk_d, ki.prf_len, si, sl, ni, sizeof(ni), nr, sizeof(nr), 36, 32, &ci) &&
	   !crypto_child_keymat(prf, kr.sk_d, kr.prf_len, sr, sl, ni, sizeof(ni), nr, sizeof(nr), 36, 32, &cr) &&
	   !memcmp(&ci, &cr, sizeof(ci)) && memcmp(ci.enc_i, ci.enc_r, 36),
	   "%s: PFS child keymat identical on both sides", name);
	crypto_ike_keys_clear(&ki);
	crypto_ike_keys_clear(&kr);
	crypto_child_keys_clear(&ci);
	crypto_child_keys_clear(&cr);
out:
	crypto_dh_free(i);
	crypto_dh_free(r);
}

static void test_modp_checks(void)
{
	struct crypto_dh *dh = crypto_dh_new(IKEV2_DH_MODP_2048);
	uint8_t v[256], sec[256];

	ok(dh != NULL, "MODP-2048 key pair generated");
	if (!dh)
		return;
	memset(v, 0, sizeof(v));
	ok(crypto_dh_derive(dh, v, 256, sec, 256) == CRYPTO_E_FORMAT, "MODP-2048: peer value 0 refused");
	v[255] = 1;
	ok(crypto_dh_derive(dh, v, 256, sec, 256) == CRYPTO_E_FORMAT, "MODP-2048: peer value 1 refused");
	memset(v, 0xff, sizeof(v));
	ok(crypto_dh_derive(dh, v, 256, sec, 256) == CRYPTO_E_FORMAT, "MODP-2048: peer value >= p refused");
	ok(crypto_dh_derive(dh, v, 255, sec, 256) == CRYPTO_E_FORMAT, "MODP-2048: 255-byte value refused");
	{
		/* p - 1 has order 2: a small-subgroup value that must be refused */
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
		OSSL_PARAM prm[] = { OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "modp_2048", 0),
				     OSSL_PARAM_construct_end() };
		EVP_PKEY *pk = NULL;
		BIGNUM *p = NULL;

		if (ctx && EVP_PKEY_paramgen_init(ctx) > 0 && EVP_PKEY_CTX_set_params(ctx, prm) > 0 &&
		    EVP_PKEY_generate(ctx, &pk) > 0 && EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_FFC_P, &p) &&
		    BN_sub_word(p, 1))
			BN_bn2binpad(p, v, 256);
		EVP_PKEY_CTX_free(ctx);
		ok(p && v[255] == 0xfe && crypto_dh_derive(dh, v, 256, sec, 256) == CRYPTO_E_FORMAT,
		   "MODP-2048: peer value p - 1 refused");
		BN_free(p);
		EVP_PKEY_free(pk);
	}
	crypto_dh_free(dh);
	ok(crypto_dh_new(IKEV2_DH_MODP_1024) == NULL && !crypto_dh_supported(IKEV2_DH_MODP_1024),
	   "MODP-1024 not offered");
}

static void test_sizes(void)
{
	struct crypto_sk_sizes s;

	ok(!crypto_sk_sizes(&(struct crypto_sk_alg){ IKEV2_ENCR_AES_GCM_16, 256, 0 }, &s) &&
	   s.aead && s.ek_len == 36 && s.ak_len == 0 && s.iv_len == 8 && s.icv_len == 16,
	   "AES-GCM-16-256 SK: 32+4 byte key, 8-byte IV, 16-byte ICV, no SK_a (RFC 5282)");
	ok(!crypto_sk_sizes(&(struct crypto_sk_alg){ IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_256_128 }, &s) &&
	   !s.aead && s.ek_len == 16 && s.ak_len == 32 && s.iv_len == 16 && s.icv_len == 16,
	   "AES-CBC-128 + HMAC-SHA2-256-128 SK sizes");
	ok(crypto_sk_sizes(&(struct crypto_sk_alg){ IKEV2_ENCR_AES_GCM_16, 256, IKEV2_INTEG_HMAC_SHA1_96 }, &s) &&
	   crypto_sk_sizes(&(struct crypto_sk_alg){ IKEV2_ENCR_AES_CBC, 100, IKEV2_INTEG_HMAC_SHA1_96 }, &s) &&
	   crypto_sk_sizes(&(struct crypto_sk_alg){ IKEV2_ENCR_3DES, 0, IKEV2_INTEG_HMAC_SHA1_96 }, &s),
	   "AEAD with integrity, odd key sizes and 3DES refused for SK");
	ok(crypto_esp_enc_keylen(IKEV2_ENCR_AES_GCM_16, 128) == 20 &&
	   crypto_esp_enc_keylen(IKEV2_ENCR_CHACHA20_POLY1305, 0) == 36 &&
	   crypto_esp_enc_keylen(IKEV2_ENCR_AES_CBC, 256) == 32 &&
	   crypto_esp_integ_keylen(IKEV2_INTEG_HMAC_SHA2_384_192) == 48,
	   "ESP key lengths as uapi/linux/kipsec.h wants them (salt included)");
}

/*
 * AUTH (RFC 7296 2.15), computed the way the initiator signs and the
 * responder verifies; the PSK form is checked against its definition
 * spelled out with the PRF directly.
 */
static void test_auth(void)
{
	const uint16_t prf = IKEV2_PRF_HMAC_SHA2_256;
	const uint8_t msg1[] = "IKE_SA_INIT request bytes", nr[32] = { 7 }, skpi[32] = { 1 };
	const uint8_t idbody[] = { IKEV2_ID_FQDN, 0, 0, 0, 'a', '.', 'e', 'x' };
	const uint8_t psk[] = "correct horse battery staple";
	struct buf oct;
	uint8_t auth[64], k[64], mac[64], want[64];
	int r;

	buf_init(&oct);
	r = ikev2_auth_octets(prf, skpi, 32, msg1, sizeof(msg1), nr, sizeof(nr), idbody, sizeof(idbody), &oct);
	crypto_prf(prf, skpi, 32, &(struct cbuf){ idbody, sizeof(idbody) }, 1, mac);
	ok(!r && oct.len == sizeof(msg1) + sizeof(nr) + 32 && !memcmp(oct.data, msg1, sizeof(msg1)) &&
	   !memcmp(oct.data + sizeof(msg1), nr, sizeof(nr)) && !memcmp(oct.data + sizeof(msg1) + 32, mac, 32),
	   "signed octets = message | peer nonce | prf(SK_pi, ID body)");
	ok(!ikev2_auth_psk(prf, psk, sizeof(psk) - 1, oct.data, oct.len, auth), "PSK AUTH computed");
	crypto_prf(prf, psk, sizeof(psk) - 1, &(struct cbuf){ (const uint8_t *)"Key Pad for IKEv2", 17 }, 1, k);
	crypto_prf(prf, k, 32, &(struct cbuf){ oct.data, oct.len }, 1, want);
	ok(!memcmp(auth, want, 32), "PSK AUTH = prf(prf(psk, \"Key Pad for IKEv2\"), octets)");
	ok(!ikev2_auth_psk_verify(prf, psk, sizeof(psk) - 1, oct.data, oct.len, auth, 32), "PSK AUTH verifies");
	auth[31] ^= 1;
	ok(ikev2_auth_psk_verify(prf, psk, sizeof(psk) - 1, oct.data, oct.len, auth, 32) == CRYPTO_E_AUTH,
	   "altered AUTH refused");
	auth[31] ^= 1;
	ok(ikev2_auth_psk_verify(prf, (const uint8_t *)"wrong", 5, oct.data, oct.len, auth, 32) == CRYPTO_E_AUTH &&
	   ikev2_auth_psk_verify(prf, psk, sizeof(psk) - 1, oct.data, oct.len, auth, 31) == CRYPTO_E_AUTH,
	   "wrong PSK or truncated AUTH refused");
	buf_free(&oct);
}

/* NAT-D (RFC 7296 2.23): SHA-1 of SPIi | SPIr | address | port; SHA-1 itself checked with FIPS 180 "abc". */
static void test_natd(void)
{
	uint8_t h[20], h2[20], in[30];
	const uint8_t a4[4] = { 192, 0, 2, 1 };
	unsigned int len;

	EVP_Digest("abc", 3, h, &len, EVP_sha1(), NULL);
	ok(hexeq(h, 20, "a9993e364706816aba3e25717850c26c9cd0d89d"), "SHA-1(\"abc\") (FIPS 180-2 example)");
	put_be64(in, 0x0102030405060708ULL);
	put_be64(in + 8, 0);
	memcpy(in + 16, a4, 4);
	put_be16(in + 20, 500);
	EVP_Digest(in, 22, h2, &len, EVP_sha1(), NULL);
	ok(!ikev2_natd_hash(0x0102030405060708ULL, 0, a4, 4, 500, h) && !memcmp(h, h2, 20),
	   "NAT-D hash over SPIi | SPIr | IPv4 | port");
	ok(!ikev2_natd_hash(0x0102030405060708ULL, 0, a4, 4, 4500, h2) && memcmp(h, h2, 20),
	   "NAT-D hash changes with the port");
	ok(ikev2_natd_hash(1, 2, a4, 3, 500, h) == CRYPTO_E_FORMAT, "NAT-D refuses a 3-byte address");
}

int main(void)
{
	static const struct crypto_sk_alg gcm = { IKEV2_ENCR_AES_GCM_16, 256, IKEV2_INTEG_NONE };
	static const struct crypto_sk_alg cbc = { IKEV2_ENCR_AES_CBC, 256, IKEV2_INTEG_HMAC_SHA2_256_128 };
	static const struct crypto_sk_alg chacha = { IKEV2_ENCR_CHACHA20_POLY1305, 0, IKEV2_INTEG_NONE };

	test_prf_vectors();
	test_auth();
	test_natd();
	test_kdf_vector();
	test_x25519_vector();
	test_ecp_vectors();
	test_cipher_vectors();
	test_integ();
	test_sizes();
	test_modp_checks();
	test_two_party(IKEV2_DH_MODP_2048, IKEV2_PRF_HMAC_SHA2_256, &cbc, "MODP-2048/SHA2-256/AES-CBC");
	test_two_party(IKEV2_DH_ECP_256, IKEV2_PRF_HMAC_SHA2_256, &gcm, "ECP-256/SHA2-256/AES-GCM");
	test_two_party(IKEV2_DH_ECP_384, IKEV2_PRF_HMAC_SHA2_384, &gcm, "ECP-384/SHA2-384/AES-GCM");
	test_two_party(IKEV2_DH_ECP_521, IKEV2_PRF_HMAC_SHA2_512, &cbc, "ECP-521/SHA2-512/AES-CBC");
	test_two_party(IKEV2_DH_CURVE25519, IKEV2_PRF_HMAC_SHA2_256, &chacha, "Curve25519/SHA2-256/ChaCha20");
	test_two_party(IKEV2_DH_CURVE25519, IKEV2_PRF_HMAC_SHA1, &cbc, "Curve25519/SHA1/AES-CBC");
	return tap_done();
}
