// SPDX-License-Identifier: GPL-2.0
/* SA proposal selection and text form; see proposal.h. */
#include "proposal.h"

#include <stdio.h>
#include <string.h>

bool proposal_encr_is_aead(uint16_t encr)
{
	return encr == IKEV2_ENCR_AES_GCM_8 || encr == IKEV2_ENCR_AES_GCM_12 ||
	       encr == IKEV2_ENCR_AES_GCM_16 || encr == IKEV2_ENCR_NULL_AES_GMAC ||
	       encr == IKEV2_ENCR_CHACHA20_POLY1305;
}

const struct ikev2_transform *proposal_get(const struct ikev2_proposal *p, uint8_t type)
{
	for (unsigned int i = 0; i < p->ntransforms; i++)
		if (p->xf[i].type == type)
			return &p->xf[i];
	return NULL;
}

/* "NONE" exists for integrity and DH only; ESN 0 is the real value "no ESN". */
static bool is_none(uint8_t type, uint16_t id)
{
	return (type == IKEV2_XF_INTEG || type == IKEV2_XF_DH) && id == 0;
}

static bool offers(const struct ikev2_proposal *p, const struct ikev2_transform *x)
{
	for (unsigned int i = 0; i < p->ntransforms; i++) {
		const struct ikev2_transform *y = &p->xf[i];

		if (y->type == x->type && y->id == x->id && y->keylen == x->keylen && !y->unknown_attr)
			return true;
	}
	return false;
}

static bool offers_none(const struct ikev2_proposal *p, uint8_t type)
{
	struct ikev2_transform none = { .type = type, .id = 0 };

	if (type == IKEV2_XF_ESN)	/* an absent ESN transform means "no ESN" */
		none.id = IKEV2_ESN_NO;
	else if (!is_none(type, 0))
		return false;
	return offers(p, &none);
}

static bool spi_size_ok(const struct ikev2_proposal *p)
{
	if (p->proto == IKEV2_PROTO_IKE)
		return p->spi_size == 0 || p->spi_size == 8;
	return p->spi_size == 4;
}

static bool match(const struct ikev2_proposal *l, const struct ikev2_proposal *p,
		  struct ikev2_proposal *out)
{
	bool aead = false;

	out->ntransforms = 0;
	for (unsigned int i = 0; i < p->ntransforms; i++)
		if (p->xf[i].type == 0 || p->xf[i].type > IKEV2_XF_TYPE_MAX)
			return false;	/* a type we don't understand: reject (3.3.6) */

	for (uint8_t type = 1; type <= IKEV2_XF_TYPE_MAX; type++) {
		bool in_l = proposal_get(l, type), in_p = proposal_get(p, type), found = false;

		if (!in_l && !in_p)
			continue;
		if (type == IKEV2_XF_INTEG && aead)
			continue;	/* combined-mode cipher: no integrity transform (3.3) */
		if (!in_l || !in_p) {
			/* one side left the type out: fine if the other allows NONE */
			if (offers_none(in_l ? l : p, type))
				continue;
			return false;
		}
		for (unsigned int i = 0; i < l->ntransforms && !found; i++) {
			const struct ikev2_transform *x = &l->xf[i];

			if (x->type != type || !offers(p, x))
				continue;
			found = true;
			if (!is_none(type, x->id))
				out->xf[out->ntransforms++] = (struct ikev2_transform){ type, x->id, x->keylen, false };
			if (type == IKEV2_XF_ENCR)
				aead = proposal_encr_is_aead(x->id);
		}
		if (!found)
			return false;
	}
	return proposal_get(out, IKEV2_XF_ENCR) != NULL;
}

int proposal_select(const struct ikev2_sa *local, const struct ikev2_sa *peer, uint8_t proto,
		    struct ikev2_proposal *chosen, size_t *local_idx)
{
	for (unsigned int li = 0; li < local->nproposals; li++) {
		const struct ikev2_proposal *l = &local->prop[li];

		if (l->proto != proto)
			continue;
		for (unsigned int pi = 0; pi < peer->nproposals; pi++) {
			const struct ikev2_proposal *p = &peer->prop[pi];

			if (p->proto != proto || !spi_size_ok(p))
				continue;
			if (!match(l, p, chosen))
				continue;
			chosen->num = p->num;
			chosen->proto = p->proto;
			chosen->spi_size = p->spi_size;
			memcpy(chosen->spi, p->spi, sizeof(chosen->spi));
			if (local_idx)
				*local_idx = li;
			return 0;
		}
	}
	memset(chosen, 0, sizeof(*chosen));
	return -1;
}

int proposal_check_reply(const struct ikev2_sa *offered, const struct ikev2_sa *reply,
			 struct ikev2_proposal *out)
{
	const struct ikev2_proposal *r, *o = NULL;
	bool aead;

	if (reply->nproposals != 1)
		return -1;
	r = &reply->prop[0];
	for (unsigned int i = 0; i < offered->nproposals; i++)
		if (offered->prop[i].num == r->num && offered->prop[i].proto == r->proto)
			o = &offered->prop[i];
	if (!o || !spi_size_ok(r))
		return -1;
	for (unsigned int i = 0; i < r->ntransforms; i++) {
		const struct ikev2_transform *x = &r->xf[i];

		if (x->type == 0 || x->type > IKEV2_XF_TYPE_MAX || x->unknown_attr || !offers(o, x))
			return -1;
		for (unsigned int j = 0; j < i; j++)
			if (r->xf[j].type == x->type)
				return -1;	/* two choices for one type */
	}
	aead = proposal_get(r, IKEV2_XF_ENCR) && proposal_encr_is_aead(proposal_get(r, IKEV2_XF_ENCR)->id);
	for (uint8_t type = 1; type <= IKEV2_XF_TYPE_MAX; type++) {
		if (!proposal_get(o, type) || proposal_get(r, type))
			continue;
		/* offered but not chosen: only allowed where "none" was an option */
		if (!(type == IKEV2_XF_INTEG && aead) && !offers_none(o, type))
			return -1;
	}
	if (!proposal_get(r, IKEV2_XF_ENCR))
		return -1;
	*out = *r;
	return 0;
}

int proposal_ike_algs(const struct ikev2_proposal *p, struct crypto_sk_alg *sk, uint16_t *prf,
		      uint16_t *dh)
{
	const struct ikev2_transform *e = proposal_get(p, IKEV2_XF_ENCR);
	const struct ikev2_transform *f = proposal_get(p, IKEV2_XF_PRF);
	const struct ikev2_transform *i = proposal_get(p, IKEV2_XF_INTEG);
	const struct ikev2_transform *d = proposal_get(p, IKEV2_XF_DH);
	struct crypto_sk_sizes s;

	if (!e || !f)
		return -1;
	sk->encr = e->id;
	sk->keybits = e->keylen;
	sk->integ = i ? i->id : IKEV2_INTEG_NONE;
	*prf = f->id;
	*dh = d ? d->id : IKEV2_DH_NONE;
	if (crypto_sk_sizes(sk, &s) || !crypto_prf_len(*prf))
		return -1;
	return 0;
}

/* ---------------------------------------------------------- text form */

struct kw {
	const char *name;
	uint8_t type;
	uint16_t id;
	uint16_t keylen;
};

static const struct kw keywords[] = {
	{ "aes128",		IKEV2_XF_ENCR, IKEV2_ENCR_AES_CBC, 128 },
	{ "aes192",		IKEV2_XF_ENCR, IKEV2_ENCR_AES_CBC, 192 },
	{ "aes256",		IKEV2_XF_ENCR, IKEV2_ENCR_AES_CBC, 256 },
	{ "aes128gcm16",	IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_16, 128 },
	{ "aes192gcm16",	IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_16, 192 },
	{ "aes256gcm16",	IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_16, 256 },
	{ "aes128gcm12",	IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_12, 128 },
	{ "aes256gcm12",	IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_12, 256 },
	{ "aes128gcm8",		IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_8, 128 },
	{ "aes256gcm8",		IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_8, 256 },
	{ "chacha20poly1305",	IKEV2_XF_ENCR, IKEV2_ENCR_CHACHA20_POLY1305, 0 },
	{ "null",		IKEV2_XF_ENCR, IKEV2_ENCR_NULL, 0 },
	{ "sha1",		IKEV2_XF_INTEG, IKEV2_INTEG_HMAC_SHA1_96, 0 },
	{ "sha256",		IKEV2_XF_INTEG, IKEV2_INTEG_HMAC_SHA2_256_128, 0 },
	{ "sha384",		IKEV2_XF_INTEG, IKEV2_INTEG_HMAC_SHA2_384_192, 0 },
	{ "sha512",		IKEV2_XF_INTEG, IKEV2_INTEG_HMAC_SHA2_512_256, 0 },
	{ "prfsha1",		IKEV2_XF_PRF, IKEV2_PRF_HMAC_SHA1, 0 },
	{ "prfsha256",		IKEV2_XF_PRF, IKEV2_PRF_HMAC_SHA2_256, 0 },
	{ "prfsha384",		IKEV2_XF_PRF, IKEV2_PRF_HMAC_SHA2_384, 0 },
	{ "prfsha512",		IKEV2_XF_PRF, IKEV2_PRF_HMAC_SHA2_512, 0 },
	{ "modp2048",		IKEV2_XF_DH, IKEV2_DH_MODP_2048, 0 },
	{ "modp3072",		IKEV2_XF_DH, IKEV2_DH_MODP_3072, 0 },
	{ "modp4096",		IKEV2_XF_DH, IKEV2_DH_MODP_4096, 0 },
	{ "ecp256",		IKEV2_XF_DH, IKEV2_DH_ECP_256, 0 },
	{ "ecp384",		IKEV2_XF_DH, IKEV2_DH_ECP_384, 0 },
	{ "ecp521",		IKEV2_XF_DH, IKEV2_DH_ECP_521, 0 },
	{ "curve25519",		IKEV2_XF_DH, IKEV2_DH_CURVE25519, 0 },
	{ "x25519",		IKEV2_XF_DH, IKEV2_DH_CURVE25519, 0 },
	{ "esn",		IKEV2_XF_ESN, IKEV2_ESN_YES, 0 },
	{ "noesn",		IKEV2_XF_ESN, IKEV2_ESN_NO, 0 },
};

static uint16_t integ_to_prf(uint16_t integ)
{
	switch (integ) {
	case IKEV2_INTEG_HMAC_SHA1_96:		return IKEV2_PRF_HMAC_SHA1;
	case IKEV2_INTEG_HMAC_SHA2_256_128:	return IKEV2_PRF_HMAC_SHA2_256;
	case IKEV2_INTEG_HMAC_SHA2_384_192:	return IKEV2_PRF_HMAC_SHA2_384;
	case IKEV2_INTEG_HMAC_SHA2_512_256:	return IKEV2_PRF_HMAC_SHA2_512;
	}
	return 0;
}

static int add(struct ikev2_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	struct ikev2_transform x = { type, id, keylen, false };

	if (offers(p, &x))
		return 0;
	if (p->ntransforms == IKEV2_MAX_TRANSFORMS)
		return -1;
	p->xf[p->ntransforms++] = x;
	return 0;
}

int proposal_parse(const char *text, uint8_t proto, struct ikev2_proposal *out, char *err, size_t errlen)
{
	const char *s = text;
	bool aead = false, plain = false;

	memset(out, 0, sizeof(*out));
	out->num = 1;
	out->proto = proto;
	out->spi_size = proto == IKEV2_PROTO_IKE ? 0 : 4;
	while (*s) {
		size_t n = strcspn(s, "-");
		const struct kw *k = NULL;

		for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
			if (strlen(keywords[i].name) == n && !strncmp(keywords[i].name, s, n))
				k = &keywords[i];
		if (!k) {
			snprintf(err, errlen, "proposal \"%s\": unknown algorithm \"%.*s\"", text, (int)n, s);
			return -1;
		}
		if (proto == IKEV2_PROTO_IKE && k->type == IKEV2_XF_ESN) {
			snprintf(err, errlen, "proposal \"%s\": \"%s\" is for ESP only", text, k->name);
			return -1;
		}
		if (proto != IKEV2_PROTO_IKE && k->type == IKEV2_XF_PRF) {
			snprintf(err, errlen, "proposal \"%s\": \"%s\" is for IKE only", text, k->name);
			return -1;
		}
		if (k->type == IKEV2_XF_ENCR) {
			if (proposal_encr_is_aead(k->id))
				aead = true;
			else
				plain = true;
		}
		if (add(out, k->type, k->id, k->keylen)) {
			snprintf(err, errlen, "proposal \"%s\": too many algorithms", text);
			return -1;
		}
		s += n;
		if (*s == '-')
			s++;
	}
	if (!proposal_get(out, IKEV2_XF_ENCR)) {
		snprintf(err, errlen, "proposal \"%s\": no encryption algorithm", text);
		return -1;
	}
	if (aead && plain) {
		snprintf(err, errlen, "proposal \"%s\": mixes AEAD and non-AEAD ciphers; use two proposals", text);
		return -1;
	}
	if (aead && proposal_get(out, IKEV2_XF_INTEG)) {
		snprintf(err, errlen, "proposal \"%s\": AEAD ciphers take no integrity algorithm", text);
		return -1;
	}
	if (plain && !proposal_get(out, IKEV2_XF_INTEG)) {
		snprintf(err, errlen, "proposal \"%s\": needs an integrity algorithm", text);
		return -1;
	}
	if (proto == IKEV2_PROTO_IKE) {
		if (!proposal_get(out, IKEV2_XF_PRF)) {
			/* strongSwan's convention: the integrity hashes double as PRFs */
			for (unsigned int i = 0, n = out->ntransforms; i < n; i++)
				if (out->xf[i].type == IKEV2_XF_INTEG)
					add(out, IKEV2_XF_PRF, integ_to_prf(out->xf[i].id), 0);
			if (!proposal_get(out, IKEV2_XF_PRF)) {
				snprintf(err, errlen, "proposal \"%s\": AEAD IKE proposals need a prf (e.g. prfsha256)", text);
				return -1;
			}
		}
		if (!proposal_get(out, IKEV2_XF_DH)) {
			snprintf(err, errlen, "proposal \"%s\": IKE proposals need a DH group", text);
			return -1;
		}
	} else if (!proposal_get(out, IKEV2_XF_ESN)) {
		add(out, IKEV2_XF_ESN, IKEV2_ESN_NO, 0);
	}
	return 0;
}

void proposal_format(const struct ikev2_proposal *p, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (uint8_t type = 1; type <= IKEV2_XF_TYPE_MAX; type++) {
		for (unsigned int i = 0; i < p->ntransforms; i++) {
			const struct ikev2_transform *x = &p->xf[i];
			const char *name = NULL;
			char num[32];
			int n;

			if (x->type != type)
				continue;
			for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]) && !name; k++)
				if (keywords[k].type == x->type && keywords[k].id == x->id &&
				    keywords[k].keylen == x->keylen)
					name = keywords[k].name;
			if (!name) {
				snprintf(num, sizeof(num), "%s:%u%s", ikev2_xform_type_name(x->type), x->id,
					 x->keylen ? "/keylen" : "");
				name = num;
			}
			n = snprintf(buf + off, len - off, "%s%s", off ? "-" : "", name);
			if (n < 0 || (size_t)n >= len - off)
				return;
			off += (size_t)n;
		}
	}
}
