// SPDX-License-Identifier: GPL-2.0
/* IKEv2 message header, payload chain and SK/SKF; see ikev2_msg.h. */
#include "ikev2_msg.h"

#include <string.h>

#include <openssl/crypto.h>

int ikev2_hdr_decode(const uint8_t *p, size_t len, struct ikev2_hdr *h, struct ikev2_error *err)
{
	if (len < IKEV2_HDR_LEN)
		return ikev2_fail(err, IKEV2_E_TRUNCATED, 0, "%zu bytes, an IKE header has %u",
				  len, IKEV2_HDR_LEN);
	h->spi_i = get_be64(p);
	h->spi_r = get_be64(p + 8);
	h->np = p[16];
	h->version = p[17];
	h->exchange = p[18];
	h->flags = p[19];
	h->msgid = get_be32(p + 20);
	h->length = get_be32(p + 24);
	/* a higher minor version is fine, another major is not (RFC 7296 2.5) */
	if (h->version >> 4 != IKEV2_VERSION >> 4)
		return ikev2_fail(err, h->version >> 4 > IKEV2_VERSION >> 4 ? IKEV2_E_VERSION : IKEV2_E_OLD_VERSION,
				  0, "version %u.%u", h->version >> 4, h->version & 0xf);
	return 0;
}

int ikev2_chain_parse(uint8_t first, const uint8_t *p, size_t len, size_t base, bool allow_sk,
		      struct ikev2_pldlist *out, struct ikev2_error *err)
{
	uint8_t type = first;
	size_t off = 0;

	out->n = 0;
	while (type != IKEV2_PL_NONE) {
		struct ikev2_pld *pl;
		uint16_t plen;

		if (len - off < IKEV2_PLD_HDR_LEN) {
			ikev2_fail(err, IKEV2_E_TRUNCATED, type, "generic header truncated (%zu bytes left)",
				   len - off);
			goto fail;
		}
		plen = get_be16(p + off + 2);
		if (plen < IKEV2_PLD_HDR_LEN) {
			ikev2_fail(err, IKEV2_E_LENGTH, type, "payload length %u < 4", plen);
			goto fail;
		}
		if (plen > len - off) {
			ikev2_fail(err, IKEV2_E_TRUNCATED, type, "payload length %u, only %zu bytes left",
				   plen, len - off);
			goto fail;
		}
		if (out->n == IKEV2_MAX_PAYLOADS) {
			ikev2_fail(err, IKEV2_E_LIMIT, type, "more than %u payloads", IKEV2_MAX_PAYLOADS);
			goto fail;
		}
		pl = &out->p[out->n++];
		pl->type = type;
		pl->np = p[off];
		pl->critical = p[off + 1] & IKEV2_CRITICAL;
		pl->body = p + off + IKEV2_PLD_HDR_LEN;
		pl->len = plen - IKEV2_PLD_HDR_LEN;
		pl->offset = base + off;
		off += plen;

		if (type == IKEV2_PL_SK || type == IKEV2_PL_SKF) {
			/* its next payload names the inner chain; nothing may follow it */
			if (!allow_sk) {
				ikev2_fail(err, IKEV2_E_SK_POSITION, type, "encrypted payload inside encrypted payload");
				goto fail;
			}
			if (off != len) {
				ikev2_fail(err, IKEV2_E_SK_POSITION, type,
					   "%zu bytes follow it; it must be the last payload", len - off);
				goto fail;
			}
			if (type == IKEV2_PL_SKF && ikev2_pld_check(type, pl->body, pl->len, err))
				goto fail;
			return 0;
		}
		if (ikev2_pld_known(type)) {
			if (ikev2_pld_check(type, pl->body, pl->len, err))
				goto fail;
		} else if (pl->critical) {
			ikev2_fail(err, IKEV2_E_CRITICAL, type, "unknown payload type %u marked critical", type);
			goto fail;
		}
		type = pl->np;
	}
	if (off != len) {
		ikev2_fail(err, IKEV2_E_LENGTH, 0, "%zu bytes after the last payload", len - off);
		err->offset = base + off;
		return -1;
	}
	return 0;
fail:
	if (err)
		err->offset = base + off;
	return -1;
}

int ikev2_msg_decode(const uint8_t *p, size_t len, struct ikev2_msg *m, struct ikev2_error *err)
{
	memset(&m->hdr, 0, sizeof(m->hdr));
	m->pl.n = 0;
	m->raw = p;
	m->raw_len = len;
	if (ikev2_hdr_decode(p, len, &m->hdr, err))
		return -1;
	if (m->hdr.length != len)
		return ikev2_fail(err, m->hdr.length > len ? IKEV2_E_TRUNCATED : IKEV2_E_LENGTH, 0,
				  "header length %u, datagram %zu bytes", m->hdr.length, len);
	return ikev2_chain_parse(m->hdr.np, p + IKEV2_HDR_LEN, len - IKEV2_HDR_LEN, IKEV2_HDR_LEN,
				 true, &m->pl, err);
}

const struct ikev2_pld *ikev2_pld_find(const struct ikev2_pldlist *l, uint8_t type, size_t *pos)
{
	for (size_t i = *pos; i < l->n; i++) {
		if (l->p[i].type == type) {
			*pos = i + 1;
			return &l->p[i];
		}
	}
	*pos = l->n;
	return NULL;
}

int ikev2_msg_open(const struct ikev2_msg *m, const struct crypto_sk_alg *alg,
		   const uint8_t *ek, const uint8_t *ak, struct buf *plain,
		   struct ikev2_pldlist *inner, struct ikev2_error *err)
{
	const struct ikev2_pld *sk;
	size_t aad_len, out_len = 0;
	uint8_t *out;
	int ret;

	inner->n = 0;
	if (!m->pl.n || (m->pl.p[m->pl.n - 1].type != IKEV2_PL_SK &&
			 m->pl.p[m->pl.n - 1].type != IKEV2_PL_SKF))
		return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_SK, "message has no encrypted payload");
	sk = &m->pl.p[m->pl.n - 1];
	/* everything before the IV is authenticated, incl. SKF's fragment numbers */
	aad_len = sk->offset + IKEV2_PLD_HDR_LEN + (sk->type == IKEV2_PL_SKF ? 4 : 0);
	buf_free(plain);
	out = buf_reserve(plain, m->raw_len);
	if (!out)
		return ikev2_fail(err, IKEV2_E_NOMEM, sk->type, "no memory for %zu bytes", m->raw_len);
	ret = crypto_sk_open(alg, ek, ak, m->raw, aad_len, m->raw_len, out, &out_len);
	if (ret) {
		plain->len = 0;
		return ikev2_fail(err, ret == CRYPTO_E_AUTH ? IKEV2_E_INTEGRITY :
				  ret == CRYPTO_E_FORMAT ? IKEV2_E_LENGTH :
				  ret == CRYPTO_E_UNSUPPORTED ? IKEV2_E_UNSUPPORTED : IKEV2_E_INTERNAL,
				  sk->type, "%s", crypto_strerror(ret));
	}
	plain->len = out_len;
	if (sk->type == IKEV2_PL_SKF)
		return 0;
	return ikev2_chain_parse(sk->np, plain->data, plain->len, 0, false, inner, err);
}

void ikev2_msg_begin(struct buf *b, struct ikev2_chain *c, const struct ikev2_hdr *h)
{
	b->len = 0;
	b->failed = false;
	buf_put_u64(b, h->spi_i);
	buf_put_u64(b, h->spi_r);
	buf_put_u8(b, IKEV2_PL_NONE);
	buf_put_u8(b, h->version ? h->version : IKEV2_VERSION);
	buf_put_u8(b, h->exchange);
	buf_put_u8(b, h->flags);
	buf_put_u32(b, h->msgid);
	buf_put_u32(b, 0);
	ikev2_chain_init(c, b, 16);
}

int ikev2_msg_finish(struct buf *b)
{
	if (b->failed || b->len < IKEV2_HDR_LEN || b->len > UINT32_MAX)
		return -1;
	buf_set_u32(b, 24, (uint32_t)b->len);
	return 0;
}

int ikev2_msg_seal(struct ikev2_chain *c, const struct crypto_sk_alg *alg,
		   const uint8_t *ek, const uint8_t *ak,
		   const uint8_t *inner, size_t inner_len, uint8_t inner_first,
		   uint16_t frag_num, uint16_t frag_total, const uint8_t *iv)
{
	struct crypto_sk_sizes s;
	struct buf *b = c->b;
	size_t off, aad_len, pad, plain_len;
	uint8_t *body;

	if (crypto_sk_sizes(alg, &s))
		return -1;
	if (frag_total && (frag_num == 0 || frag_num > frag_total))
		return -1;
	pad = (s.block_len - (inner_len + 1) % s.block_len) % s.block_len;
	plain_len = inner_len + pad + 1;

	off = ikev2_pld_begin(c, frag_total ? IKEV2_PL_SKF : IKEV2_PL_SK, false);
	/* RFC 7383 2.5: only the first fragment names the inner payload */
	buf_set_u8(b, off, frag_total && frag_num != 1 ? IKEV2_PL_NONE : inner_first);
	if (frag_total) {
		buf_put_u16(b, frag_num);
		buf_put_u16(b, frag_total);
	}
	aad_len = b->len;
	body = buf_reserve(b, s.iv_len + plain_len + s.icv_len);
	if (!body)
		return -1;
	memcpy(body + s.iv_len, inner, inner_len);
	memset(body + s.iv_len + inner_len, 0, pad);
	body[s.iv_len + inner_len + pad] = (uint8_t)pad;
	ikev2_pld_end(c, off);
	if (ikev2_msg_finish(b))
		return -1;
	if (crypto_sk_seal(alg, ek, ak, b->data, aad_len, plain_len, iv)) {
		OPENSSL_cleanse(b->data + aad_len, b->len - aad_len);
		return -1;
	}
	return 0;
}
