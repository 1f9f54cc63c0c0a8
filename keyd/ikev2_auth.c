// SPDX-License-Identifier: GPL-2.0
/* IKE_AUTH data and NAT-D hashes; see ikev2_auth.h. */
#include "ikev2_auth.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

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

/* ------------------------------------------------------------ signatures */

static const EVP_MD *hash_md(unsigned int id)
{
	switch (id) {
	case IKEV2_HASH_SHA1:		return EVP_sha1();
	case IKEV2_HASH_SHA2_256:	return EVP_sha256();
	case IKEV2_HASH_SHA2_384:	return EVP_sha384();
	case IKEV2_HASH_SHA2_512:	return EVP_sha512();
	default:			return NULL;
	}
}

size_t ikev2_sig_hashes_ours(uint8_t out[6])
{
	put_be16(out, IKEV2_HASH_SHA2_256);
	put_be16(out + 2, IKEV2_HASH_SHA2_384);
	put_be16(out + 4, IKEV2_HASH_SHA2_512);
	return 6;
}

unsigned int ikev2_sig_hashes_parse(const uint8_t *data, size_t len)
{
	unsigned int set = 0;

	for (size_t i = 0; i + 2 <= len; i += 2) {
		uint16_t id = get_be16(data + i);

		if (id < 16)
			set |= 1u << id;
	}
	return set;
}

static bool is_rsa(const EVP_PKEY *k)
{
	return EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA;
}

static bool is_ec(const EVP_PKEY *k)
{
	return EVP_PKEY_get_base_id(k) == EVP_PKEY_EC;
}

/* The hash that matches an ECDSA curve (RFC 4754), or SHA2-256 for RSA. */
static unsigned int natural_hash(const EVP_PKEY *k)
{
	if (is_ec(k)) {
		int bits = EVP_PKEY_get_bits(k);

		return bits > 384 ? IKEV2_HASH_SHA2_512 : bits > 256 ? IKEV2_HASH_SHA2_384 :
		       IKEV2_HASH_SHA2_256;
	}
	return IKEV2_HASH_SHA2_256;
}

/* RSASSA-PSS-params: hash, MGF1 with the same hash, salt = hash length, trailer 1 (default). */
static ASN1_STRING *pss_params(const EVP_MD *md)
{
	RSA_PSS_PARAMS *pss = RSA_PSS_PARAMS_new();
	X509_ALGOR *mgf_md = X509_ALGOR_new();
	ASN1_STRING *mgf_param = NULL, *out = NULL;

	if (!pss || !mgf_md)
		goto done;
	pss->hashAlgorithm = X509_ALGOR_new();
	pss->maskGenAlgorithm = X509_ALGOR_new();
	pss->saltLength = ASN1_INTEGER_new();
	if (!pss->hashAlgorithm || !pss->maskGenAlgorithm || !pss->saltLength ||
	    !ASN1_INTEGER_set(pss->saltLength, EVP_MD_get_size(md)))
		goto done;
	X509_ALGOR_set_md(pss->hashAlgorithm, md);
	X509_ALGOR_set_md(mgf_md, md);
	mgf_param = ASN1_item_pack(mgf_md, ASN1_ITEM_rptr(X509_ALGOR), NULL);
	if (!mgf_param)
		goto done;
	if (!X509_ALGOR_set0(pss->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1), V_ASN1_SEQUENCE, mgf_param)) {
		ASN1_STRING_free(mgf_param);
		goto done;
	}
	out = ASN1_item_pack(pss, ASN1_ITEM_rptr(RSA_PSS_PARAMS), NULL);
done:
	RSA_PSS_PARAMS_free(pss);
	X509_ALGOR_free(mgf_md);
	return out;
}

int ikev2_sig_algid(const EVP_PKEY *key, enum ikev2_sig_hash hash, bool pss, struct buf *out)
{
	const EVP_MD *md = hash_md(hash);
	X509_ALGOR *alg = X509_ALGOR_new();
	unsigned char *p;
	int sig_nid, len, ret = -1;

	if (!md || !alg || (pss && !is_rsa(key)) || (!is_rsa(key) && !is_ec(key)))
		goto done;
	if (pss) {
		ASN1_STRING *params = pss_params(md);

		if (!params)
			goto done;
		if (!X509_ALGOR_set0(alg, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, params)) {
			ASN1_STRING_free(params);
			goto done;
		}
	} else {
		if (!OBJ_find_sigid_by_algs(&sig_nid, EVP_MD_get_type(md),
					    is_rsa(key) ? NID_rsaEncryption : NID_X9_62_id_ecPublicKey))
			goto done;
		/* RFC 7427 A.1: RSA with NULL parameters; A.3: ECDSA without */
		X509_ALGOR_set0(alg, OBJ_nid2obj(sig_nid), is_rsa(key) ? V_ASN1_NULL : V_ASN1_UNDEF, NULL);
	}
	len = i2d_X509_ALGOR(alg, NULL);
	if (len <= 0 || len > 255)	/* its length must fit the one-byte field */
		goto done;
	p = buf_reserve(out, (size_t)len);
	if (p && i2d_X509_ALGOR(alg, &p) == len)
		ret = 0;
done:
	X509_ALGOR_free(alg);
	ERR_clear_error();
	return ret;
}

/* One EVP_DigestSign/Verify context with the padding the method asks for. */
static EVP_MD_CTX *sig_ctx(EVP_PKEY *key, const EVP_MD *md, bool sign, bool pss, const EVP_MD *mgf1,
			   int salt)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok;

	if (!ctx)
		return NULL;
	ok = sign ? EVP_DigestSignInit(ctx, &pctx, md, NULL, key) :
		    EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key);
	if (ok > 0 && is_rsa(key))
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING);
	if (ok > 0 && pss)
		ok = EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) > 0 &&
		     EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf1) > 0;
	if (ok <= 0) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* ECDSA: DER Ecdsa-Sig-Value <-> r|s of n bytes each (RFC 4754 for methods 9/10/11). */
static int ecdsa_der_to_raw(const uint8_t *der, size_t len, size_t n, struct buf *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	uint8_t *o = buf_reserve(out, 2 * n);
	int ret = -1;

	if (s && o && BN_bn2binpad(ECDSA_SIG_get0_r(s), o, (int)n) == (int)n &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(s), o + n, (int)n) == (int)n)
		ret = 0;
	ECDSA_SIG_free(s);
	return ret;
}

static int ecdsa_raw_to_der(const uint8_t *raw, size_t len, struct buf *out)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)(len / 2), NULL), *ss = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL);
	unsigned char *p;
	int l, ret = -1;

	if (!s || !r || !ss || !ECDSA_SIG_set0(s, r, ss)) {
		BN_free(r);
		BN_free(ss);
		goto done;
	}
	l = i2d_ECDSA_SIG(s, NULL);
	p = l > 0 ? buf_reserve(out, (size_t)l) : NULL;
	if (p && i2d_ECDSA_SIG(s, &p) == l)
		ret = 0;
done:
	ECDSA_SIG_free(s);
	return ret;
}

/* The ECDSA method for the key's curve (RFC 7296 3.8): 9, 10, 11, or 0. */
static uint8_t classic_ecdsa_method(const EVP_PKEY *k, const EVP_MD **md, size_t *n)
{
	switch (EVP_PKEY_get_bits(k)) {
	case 256: *md = EVP_sha256(); *n = 32; return IKEV2_AUTH_ECDSA_256;
	case 384: *md = EVP_sha384(); *n = 48; return IKEV2_AUTH_ECDSA_384;
	case 521: *md = EVP_sha512(); *n = 66; return IKEV2_AUTH_ECDSA_521;
	default: return 0;
	}
}


#define SHA2_SET	((1u << IKEV2_HASH_SHA2_256) | (1u << IKEV2_HASH_SHA2_384) | (1u << IKEV2_HASH_SHA2_512))

int ikev2_auth_sign(EVP_PKEY *key, unsigned int peer_hashes, bool pss, const uint8_t *octets,
		    size_t octets_len, uint8_t *method, struct buf *out)
{
	const EVP_MD *md = NULL;
	EVP_MD_CTX *ctx = NULL;
	size_t siglen = 0, n = 0, start;
	uint8_t *sig;
	struct buf der;
	int ret = -1;

	buf_init(&der);
	if (!is_rsa(key) && !is_ec(key))
		return -1;
	pss = pss && is_rsa(key);
	if (peer_hashes & SHA2_SET) {
		/* RFC 7427: the key's natural hash if announced, else the first SHA-2 the peer has */
		unsigned int h = natural_hash(key);

		if (!(peer_hashes & (1u << h)))
			for (h = IKEV2_HASH_SHA2_256; !(peer_hashes & (1u << h)); h++)
				;
		md = hash_md(h);
		*method = IKEV2_AUTH_DIGITAL_SIG;
		/* length byte, AlgorithmIdentifier, then the signature (RFC 7427 3) */
		start = out->len;
		if (!buf_put_u8(out, 0) || ikev2_sig_algid(key, (enum ikev2_sig_hash)h, pss, out))
			goto done;
		out->data[start] = (uint8_t)(out->len - start - 1);
	} else if (is_rsa(key)) {
		/* RSA Digital Signature (method 1): PKCS#1 v1.5 with SHA-1, as implementations do */
		*method = IKEV2_AUTH_RSA_SIG;
		md = EVP_sha1();
	} else {
		*method = classic_ecdsa_method(key, &md, &n);
		if (!*method)
			goto done;
	}
	ctx = sig_ctx(key, md, true, pss, md, pss ? EVP_MD_get_size(md) : 0);
	if (!ctx || EVP_DigestSign(ctx, NULL, &siglen, octets, octets_len) <= 0)
		goto done;
	sig = buf_reserve(n ? &der : out, siglen);
	if (!sig || EVP_DigestSign(ctx, sig, &siglen, octets, octets_len) <= 0)
		goto done;
	if (n) {
		/* methods 9/10/11 carry r|s, not the DER the EVP interface gives */
		if (ecdsa_der_to_raw(der.data, siglen, n, out))
			goto done;
	} else {
		/* an ECDSA DER signature may come out shorter than announced */
		out->len = (size_t)(sig - out->data) + siglen;
	}
	ret = out->failed ? -1 : 0;
done:
	EVP_MD_CTX_free(ctx);
	buf_free(&der);
	ERR_clear_error();
	return ret;
}

/* The digest an AlgorithmIdentifier names; absent means SHA-1 (RSASSA-PSS defaults). */
static const EVP_MD *algor_md(const X509_ALGOR *a)
{
	int nid = a ? OBJ_obj2nid(a->algorithm) : NID_sha1;

	switch (nid) {
	case NID_sha1:		return EVP_sha1();
	case NID_sha256:	return EVP_sha256();
	case NID_sha384:	return EVP_sha384();
	case NID_sha512:	return EVP_sha512();
	default:		return NULL;
	}
}

/* RSASSA-PSS parameters of a peer's AlgorithmIdentifier: hash, MGF1 hash, salt length. */
static int pss_from_params(const X509_ALGOR *alg, const EVP_MD **md, const EVP_MD **mgf1, int *salt)
{
	RSA_PSS_PARAMS *pp = NULL;
	X509_ALGOR *mgf_md = NULL;
	int ret = -1;

	if (alg->parameter && alg->parameter->type == V_ASN1_SEQUENCE)
		pp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), alg->parameter);
	if (!pp)
		return -1;
	*md = algor_md(pp->hashAlgorithm);
	*mgf1 = EVP_sha1();
	if (pp->maskGenAlgorithm) {
		if (OBJ_obj2nid(pp->maskGenAlgorithm->algorithm) != NID_mgf1 ||
		    !pp->maskGenAlgorithm->parameter ||
		    pp->maskGenAlgorithm->parameter->type != V_ASN1_SEQUENCE)
			goto done;
		mgf_md = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR), pp->maskGenAlgorithm->parameter);
		*mgf1 = mgf_md ? algor_md(mgf_md) : NULL;
	}
	*salt = pp->saltLength ? (int)ASN1_INTEGER_get(pp->saltLength) : 20;
	if (*md && *mgf1 && *salt >= 0 && *salt <= 512 &&
	    (!pp->trailerField || ASN1_INTEGER_get(pp->trailerField) == 1))
		ret = 0;
done:
	X509_ALGOR_free(mgf_md);
	RSA_PSS_PARAMS_free(pp);
	return ret;
}

int ikev2_auth_verify(EVP_PKEY *pub, uint8_t method, const uint8_t *data, size_t len,
		      const uint8_t *octets, size_t octets_len, char *why, size_t whylen)
{
	const EVP_MD *md = NULL, *mgf1 = NULL;
	const uint8_t *sig = data;
	size_t siglen = len, n = 0;
	X509_ALGOR *alg = NULL;
	EVP_MD_CTX *ctx = NULL;
	bool pss = false;
	struct buf der;
	int salt = 0, ret = -1;

	buf_init(&der);
	if (!is_rsa(pub) && !is_ec(pub)) {
		snprintf(why, whylen, "the peer's certificate holds neither an RSA nor an EC key");
		return -1;
	}
	switch (method) {
	case IKEV2_AUTH_DIGITAL_SIG: {
		const unsigned char *p = data + 1;
		int nid, md_nid, pk_nid;

		if (len < 2 || !data[0] || (size_t)data[0] + 1 >= len ||
		    !(alg = d2i_X509_ALGOR(NULL, &p, data[0])) || p != data + 1 + data[0]) {
			snprintf(why, whylen, "malformed RFC 7427 signature AlgorithmIdentifier");
			goto done;
		}
		sig = p;
		siglen = len - 1 - data[0];
		nid = OBJ_obj2nid(alg->algorithm);
		if (nid == NID_rsassaPss) {
			if (!is_rsa(pub) || pss_from_params(alg, &md, &mgf1, &salt)) {
				snprintf(why, whylen, "RSASSA-PSS signature with unusable parameters or a non-RSA key");
				goto done;
			}
			pss = true;
		} else if (!OBJ_find_sigid_algs(nid, &md_nid, &pk_nid) ||
			   (pk_nid != NID_rsaEncryption && pk_nid != NID_X9_62_id_ecPublicKey)) {
			snprintf(why, whylen, "unsupported signature algorithm %s", OBJ_nid2sn(nid));
			goto done;
		} else if ((pk_nid == NID_rsaEncryption) != is_rsa(pub)) {
			snprintf(why, whylen, "signature algorithm %s does not fit the certificate's key",
				 OBJ_nid2sn(nid));
			goto done;
		} else {
			md = EVP_get_digestbynid(md_nid);
		}
		/* SHA-2 only: what we announced (RFC 8247 deprecates SHA-1 here) */
		if (!md || (EVP_MD_get_type(md) != NID_sha256 && EVP_MD_get_type(md) != NID_sha384 &&
			    EVP_MD_get_type(md) != NID_sha512)) {
			snprintf(why, whylen, "signature hash %s not accepted (SHA-256/384/512 only)",
				 md ? EVP_MD_get0_name(md) : "unknown");
			goto done;
		}
		break;
	}
	case IKEV2_AUTH_RSA_SIG:
		if (!is_rsa(pub)) {
			snprintf(why, whylen, "RSA signature method, but the certificate has an EC key");
			goto done;
		}
		md = EVP_sha1();
		break;
	case IKEV2_AUTH_ECDSA_256:
	case IKEV2_AUTH_ECDSA_384:
	case IKEV2_AUTH_ECDSA_521:
		if (!is_ec(pub) || classic_ecdsa_method(pub, &md, &n) != method) {
			snprintf(why, whylen, "ECDSA method %u does not fit the certificate's key", method);
			goto done;
		}
		if (len != 2 * n || ecdsa_raw_to_der(data, len, &der)) {
			snprintf(why, whylen, "ECDSA signature of %zu bytes, expected %zu", len, 2 * n);
			goto done;
		}
		sig = der.data;
		siglen = der.len;
		break;
	default:
		snprintf(why, whylen, "authentication method %u is not supported with certificates", method);
		goto done;
	}
	ctx = sig_ctx(pub, md, false, pss, mgf1, salt);
	if (!ctx) {
		snprintf(why, whylen, "cannot set up signature verification");
		goto done;
	}
	if (EVP_DigestVerify(ctx, sig, siglen, octets, octets_len) != 1) {
		snprintf(why, whylen, "signature does not verify with the certificate's key");
		goto done;
	}
	/* success: say what was checked, for the log */
	if (method == IKEV2_AUTH_DIGITAL_SIG)
		snprintf(why, whylen, "RFC 7427 %s%s%s", pss ? "RSASSA-PSS with " : "",
			 pss ? EVP_MD_get0_name(md) : OBJ_nid2ln(OBJ_obj2nid(alg->algorithm)), "");
	else
		snprintf(why, whylen, "%s with %s (method %u)", is_rsa(pub) ? "RSA PKCS#1 v1.5" : "ECDSA",
			 EVP_MD_get0_name(md), method);
	ret = 0;
done:
	EVP_MD_CTX_free(ctx);
	X509_ALGOR_free(alg);
	buf_free(&der);
	ERR_clear_error();
	return ret;
}
