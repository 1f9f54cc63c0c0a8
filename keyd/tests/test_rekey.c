// SPDX-License-Identifier: GPL-2.0
/*
 * Rekeying: Child SA KEYMAT with and without PFS and the IKE SA rekey keys
 * checked against their definitions in RFC 7296 2.17/2.18 (computed here
 * from prf and prf+ alone), both ends agreeing after a real DH; the
 * collision rule of 2.8.1; rekey times with jitter; kernel lifetimes; what
 * an EXPIRE event means; the lifetime settings of the config.
 */
#include <stdlib.h>

#include "config.h"
#include "crypto.h"
#include "ikev2.h"
#include "rekey.h"
#include "tap.h"

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 7 * i);
}

/* KEYMAT order (2.17): ENC_i, INTEG_i, ENC_r, INTEG_r from prf+(SK_d, [g^ir |] Ni | Nr). */
static int keymat_by_definition(uint16_t prf, const uint8_t *skd, size_t skd_len, const uint8_t *gir,
				size_t gl, const uint8_t *ni, size_t nil, const uint8_t *nr, size_t nrl,
				size_t el, size_t il, struct crypto_child_keys *out)
{
	uint8_t km[4 * CRYPTO_KEY_MAX];
	struct cbuf parts[3];
	size_t n = 0;

	if (gir)
		parts[n++] = (struct cbuf){ gir, gl };
	parts[n++] = (struct cbuf){ ni, nil };
	parts[n++] = (struct cbuf){ nr, nrl };
	if (crypto_prfplus(prf, skd, skd_len, parts, n, km, 2 * (el + il)))
		return -1;
	memset(out, 0, sizeof(*out));
	memcpy(out->enc_i, km, el);
	memcpy(out->integ_i, km + el, il);
	memcpy(out->enc_r, km + el + il, el);
	memcpy(out->integ_r, km + 2 * el + il, il);
	return 0;
}

static bool keys_equal(const struct crypto_child_keys *a, const struct crypto_child_keys *b, size_t el,
		       size_t il)
{
	return !memcmp(a->enc_i, b->enc_i, el) && !memcmp(a->integ_i, b->integ_i, il) &&
	       !memcmp(a->enc_r, b->enc_r, el) && !memcmp(a->integ_r, b->integ_r, il);
}

static void test_child_keymat(void)
{
	static const struct { uint16_t prf; size_t el, il; const char *what; } c[] = {
		{ IKEV2_PRF_HMAC_SHA2_256, 36, 0, "AES-GCM-256 (key+salt), PRF SHA2-256" },
		{ IKEV2_PRF_HMAC_SHA2_384, 16, 32, "AES-CBC-128 + SHA2-256, PRF SHA2-384" },
		{ IKEV2_PRF_HMAC_SHA1, 32, 64, "AES-CBC-256 + SHA2-512, PRF SHA1 (several prf+ blocks)" },
	};
	uint8_t skd[64], ni[32], nr[48], gir[256];
	struct crypto_child_keys got, want, pfs;

	fill(skd, sizeof(skd), 1);
	fill(ni, sizeof(ni), 2);
	fill(nr, sizeof(nr), 3);
	fill(gir, sizeof(gir), 4);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_t pl = crypto_prf_len(c[i].prf);

		ok(!crypto_child_keymat(c[i].prf, skd, pl, NULL, 0, ni, sizeof(ni), nr, sizeof(nr), c[i].el,
					c[i].il, &got) &&
		   !keymat_by_definition(c[i].prf, skd, pl, NULL, 0, ni, sizeof(ni), nr, sizeof(nr), c[i].el,
					 c[i].il, &want) &&
		   keys_equal(&got, &want, c[i].el, c[i].il) && got.enc_len == c[i].el &&
		   got.integ_len == c[i].il,
		   "Child SA KEYMAT without PFS = prf+(SK_d, Ni | Nr): %s", c[i].what);
		ok(!crypto_child_keymat(c[i].prf, skd, pl, gir, sizeof(gir), ni, sizeof(ni), nr, sizeof(nr),
					c[i].el, c[i].il, &pfs) &&
		   !keymat_by_definition(c[i].prf, skd, pl, gir, sizeof(gir), ni, sizeof(ni), nr, sizeof(nr),
					 c[i].el, c[i].il, &want) &&
		   keys_equal(&pfs, &want, c[i].el, c[i].il) && !keys_equal(&pfs, &got, c[i].el, c[i].il),
		   "Child SA KEYMAT with PFS = prf+(SK_d, g^ir | Ni | Nr), differs from the one without: %s",
		   c[i].what);
		/* the nonces of a rekey give new keys even without PFS */
		ok(!crypto_child_keymat(c[i].prf, skd, pl, NULL, 0, nr, 32, ni, sizeof(ni), c[i].el, c[i].il,
					&want) && !keys_equal(&want, &got, c[i].el, c[i].il),
		   "other nonces, other keys: %s", c[i].what);
	}
	crypto_child_keys_clear(&got);
	ok(got.enc_len == 0 && got.enc_i[0] == 0 && got.integ_r[0] == 0, "child keys wiped");
}

/* A real PFS exchange: both ends compute g^ir and must derive the same KEYMAT. */
static void test_child_pfs_both_ends(uint16_t group, const char *name)
{
	struct crypto_dh *a = crypto_dh_new(group), *b = crypto_dh_new(group);
	uint8_t pa[1024], pb[1024], sa[1024], sb[1024], skd[32], ni[32], nr[32];
	size_t pl = crypto_dh_pub_len(group), sl = crypto_dh_secret_len(group);
	struct crypto_child_keys ki, kr;

	fill(skd, sizeof(skd), 9);
	fill(ni, sizeof(ni), 10);
	fill(nr, sizeof(nr), 11);
	ok(a && b && !crypto_dh_public(a, pa, pl) && !crypto_dh_public(b, pb, pl) &&
	   !crypto_dh_derive(a, pb, pl, sa, sl) && !crypto_dh_derive(b, pa, pl, sb, sl) &&
	   !memcmp(sa, sb, sl) &&
	   !crypto_child_keymat(IKEV2_PRF_HMAC_SHA2_256, skd, 32, sa, sl, ni, 32, nr, 32, 36, 0, &ki) &&
	   !crypto_child_keymat(IKEV2_PRF_HMAC_SHA2_256, skd, 32, sb, sl, ni, 32, nr, 32, 36, 0, &kr) &&
	   keys_equal(&ki, &kr, 36, 0),
	   "PFS with %s: initiator and responder derive the same Child SA keys", name);
	crypto_dh_free(a);
	crypto_dh_free(b);
}

/* 2.18: SKEYSEED = prf_old(SK_d old, g^ir | Ni | Nr), then the keys with the new PRF. */
static void test_ike_rekey(void)
{
	const uint16_t old_prf = IKEV2_PRF_HMAC_SHA2_256, prf = IKEV2_PRF_HMAC_SHA2_256;
	const struct crypto_sk_alg sk = { IKEV2_ENCR_AES_GCM_16, 256, IKEV2_INTEG_NONE };
	uint8_t skd[32], ni[32], nr[32], gir[64], seed[CRYPTO_PRF_MAX], km[512], spis[16];
	const uint64_t spi_i = 0x1122334455667788ull, spi_r = 0x99aabbccddeeff00ull;
	struct crypto_sk_sizes sz;
	struct ikev2_keys k, same;
	struct cbuf p[3];
	size_t pl = crypto_prf_len(prf), off = 0, el;

	fill(skd, sizeof(skd), 20);
	fill(ni, sizeof(ni), 21);
	fill(nr, sizeof(nr), 22);
	fill(gir, sizeof(gir), 23);
	ok(!crypto_ike_rekey_keys(old_prf, skd, 32, prf, &sk, ni, 32, nr, 32, gir, 64, spi_i, spi_r, &k),
	   "IKE SA rekey keys derived");
	p[0] = (struct cbuf){ gir, 64 };
	p[1] = (struct cbuf){ ni, 32 };
	p[2] = (struct cbuf){ nr, 32 };
	ok(!crypto_prf(old_prf, skd, 32, p, 3, seed) && !memcmp(seed, k.skeyseed, 32) && k.prf_len == pl,
	   "new SKEYSEED = prf(SK_d old, g^ir | Ni | Nr)");
	for (int i = 0; i < 8; i++) {
		spis[i] = (uint8_t)(spi_i >> (56 - 8 * i));
		spis[8 + i] = (uint8_t)(spi_r >> (56 - 8 * i));
	}
	p[0] = (struct cbuf){ ni, 32 };
	p[1] = (struct cbuf){ nr, 32 };
	p[2] = (struct cbuf){ spis, 16 };
	crypto_sk_sizes(&sk, &sz);
	el = sz.ek_len;
	ok(!crypto_prfplus(prf, seed, 32, p, 3, km, 3 * pl + 2 * el) &&
	   !memcmp(km, k.sk_d, pl) && (off = pl) && !memcmp(km + off, k.sk_ei, el) &&
	   !memcmp(km + off + el, k.sk_er, el) && !memcmp(km + off + 2 * el, k.sk_pi, pl) &&
	   !memcmp(km + off + 2 * el + pl, k.sk_pr, pl) && k.encr_len == el && k.integ_len == 0,
	   "SK_d | SK_ei | SK_er | SK_pi | SK_pr = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) (AES-GCM: no SK_a)");
	ok(!crypto_ike_rekey_keys(old_prf, skd, 32, prf, &sk, ni, 32, nr, 32, gir, 64, spi_i, spi_r ^ 1, &same) &&
	   memcmp(same.sk_ei, k.sk_ei, el) && !memcmp(same.skeyseed, k.skeyseed, 32),
	   "the new SPIs are part of the keys (not of SKEYSEED)");
	crypto_ike_keys_clear(&k);
	crypto_ike_keys_clear(&same);
}

static void test_collision(void)
{
	uint8_t lo[32], mid1[32], mid2[32], hi[32], a[32], b[32], c[32], d[32];
	unsigned int seed = 1, disagree = 0;

	memset(lo, 0x10, 32);
	memset(mid1, 0x40, 32);
	memset(mid2, 0x80, 32);
	memset(hi, 0xf0, 32);
	ok(rekey_nonce_cmp(lo, 32, hi, 32) < 0 && rekey_nonce_cmp(hi, 32, lo, 32) > 0 &&
	   rekey_nonce_cmp(lo, 32, lo, 32) == 0 && rekey_nonce_cmp(lo, 16, lo, 32) < 0,
	   "nonces compare octet by octet, a shorter prefix is lower");
	ok(rekey_we_lose(lo, 32, hi, 32, mid1, 32, mid2, 32), "our Ni is the lowest of the four: we lose");
	ok(rekey_we_lose(hi, 32, lo, 32, mid1, 32, mid2, 32), "the peer's Nr to us is the lowest: we lose");
	ok(!rekey_we_lose(mid1, 32, mid2, 32, lo, 32, hi, 32), "the peer's Ni is the lowest: the peer loses");
	ok(!rekey_we_lose(mid1, 32, hi, 32, mid2, 32, lo, 32), "our Nr to the peer is the lowest: the peer loses");
	/* both ends see the same four nonces from opposite sides: exactly one loses */
	for (int i = 0; i < 2000; i++) {
		for (int j = 0; j < 32; j++) {
			seed = seed * 1103515245u + 12345u;
			a[j] = (uint8_t)(seed >> 16);
			b[j] = (uint8_t)(seed >> 8);
			c[j] = (uint8_t)(seed >> 24);
			d[j] = (uint8_t)(seed >> 4);
		}
		/* A's exchange: Ni = a, Nr = b; B's exchange: Ni = c, Nr = d */
		if (rekey_we_lose(a, 32, b, 32, c, 32, d, 32) == rekey_we_lose(c, 32, d, 32, a, 32, b, 32))
			disagree++;
	}
	ok(disagree == 0, "2000 random collisions: exactly one side deletes its SA each time (%u wrong)",
	   disagree);
}

static void test_times(void)
{
	uint32_t lo = UINT32_MAX, hi = 0;
	uint64_t soft, hard;

	for (uint32_t r = 0; r < 5000; r += 7) {
		uint32_t t = rekey_time(3600, 540, 60, r * 2654435761u);

		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	ok(lo == 3000 && hi == 3060, "rekey time = life - margin - jitter in [3000, 3060] s (saw %u..%u)", lo, hi);
	ok(rekey_time(3600, 540, 0, 12345) == 3060, "no jitter: exactly life - margin");
	ok(rekey_time(60, 60, 10, 3) == 1 && rekey_time(10, 20, 0, 0) == 1, "never 0 s");
	rekey_kernel_lifetimes(3600, 540, &soft, &hard);
	ok(soft == 3060 && hard == 3600, "kernel limits: soft %llu s (when we rekey at the latest), hard %llu s",
	   (unsigned long long)soft, (unsigned long long)hard);
	rekey_kernel_lifetimes(3600, 0, &soft, &hard);
	ok(soft == 0 && hard == 3600, "no margin: no soft limit");
}

static void test_expire(void)
{
	struct rekey_child_view v = { .installed = true, .spi_in = 0x1001, .spi_out = 0x2002 };

	ok(rekey_on_expire(&v, 0x1001, true, false) == REKEY_EXPIRE_REKEY &&
	   rekey_on_expire(&v, 0x2002, false, false) == REKEY_EXPIRE_REKEY,
	   "soft EXPIRE of the current inbound or outbound SA: rekey the Child SA");
	ok(rekey_on_expire(&v, 0x1001, false, false) == REKEY_EXPIRE_IGNORE &&
	   rekey_on_expire(&v, 0x2002, true, false) == REKEY_EXPIRE_IGNORE &&
	   rekey_on_expire(&v, 0x3003, true, false) == REKEY_EXPIRE_IGNORE,
	   "an SPI in the wrong direction or unknown: ignored");
	ok(rekey_on_expire(&v, 0x1001, true, true) == REKEY_EXPIRE_REMOVE, "hard EXPIRE of the current SA: remove");
	v.rekeying = true;
	ok(rekey_on_expire(&v, 0x2002, false, false) == REKEY_EXPIRE_IGNORE &&
	   rekey_on_expire(&v, 0x2002, false, true) == REKEY_EXPIRE_REMOVE,
	   "soft EXPIRE while a rekey is under way: nothing more to do; hard still removes");
	v.rekeying = false;
	v.old = true;
	v.old_in = 0x4004;
	v.old_out = 0x5005;
	ok(rekey_on_expire(&v, 0x4004, true, false) == REKEY_EXPIRE_IGNORE &&
	   rekey_on_expire(&v, 0x5005, false, true) == REKEY_EXPIRE_FORGET,
	   "EXPIRE of the replaced pair: soft ignored, hard forgets it");
	v.installed = false;
	ok(rekey_on_expire(&v, 0x1001, true, false) == REKEY_EXPIRE_IGNORE, "no Child SA: ignored");
}

#define CONN(extra)                                                                              \
	"connections = ( { name = \"c\"; local = { addr = \"192.0.2.1\"; ts = [ \"10.1.0.0/16\" ]; };" \
	" remote = { addr = \"192.0.2.2\"; ts = [ \"10.2.0.0/16\" ]; }; psk = \"0123456789abcdef\";"   \
	" ike_proposals = [ \"aes256gcm16-prfsha256-ecp256\" ];"                                     \
	" esp_proposals = [ \"aes256gcm16-modp2048\" ]; " extra " } );"

static void test_config(void)
{
	struct keyd_conf conf;
	char err[512];
	int r;

	r = config_load_string(CONN("lifetime = { ike = 7200; child = 1800; rekey_margin = 300; jitter = 120; };"),
			       &conf, err, sizeof(err));
	ok(r == 0 && conf.conns[0].rekey_jitter == 120 && conf.conns[0].rekey_margin == 300 &&
	   conf.conns[0].child_lifetime == 1800 && conf.conns[0].ike_lifetime == 7200,
	   "lifetime group with jitter parsed (%s)", r ? err : "ok");
	if (!r) {
		const struct ikev2_proposal *p = &conf.conns[0].esp.prop[0];
		bool dh = false;

		for (size_t i = 0; i < p->ntransforms; i++)
			dh |= p->xf[i].type == IKEV2_XF_DH && p->xf[i].id == IKEV2_DH_MODP_2048;
		ok(dh, "esp_proposals \"aes256gcm16-modp2048\" carries the PFS group");
		config_free(&conf);
	}
	r = config_load_string(CONN(""), &conf, err, sizeof(err));
	ok(r == 0 && conf.conns[0].rekey_jitter == 0, "jitter defaults to 0");
	if (!r)
		config_free(&conf);
	r = config_load_string(CONN("lifetime = { child = 600; rekey_margin = 300; jitter = 300; };"), &conf,
			       err, sizeof(err));
	ok(r != 0 && strstr(err, "jitter"), "margin + jitter not below the lifetime: refused (%s)", err);
	if (!r)
		config_free(&conf);
}

int main(void)
{
	test_child_keymat();
	test_child_pfs_both_ends(IKEV2_DH_MODP_2048, "MODP-2048");
	test_child_pfs_both_ends(IKEV2_DH_ECP_256, "ECP-256");
	test_ike_rekey();
	test_collision();
	test_times();
	test_expire();
	test_config();
	return tap_done();
}
