// SPDX-License-Identifier: GPL-2.0
/* IKE message fragmentation (RFC 7383); see ikev2_frag.h. */
#include "ikev2_frag.h"

#include <string.h>

void ikev2_frag_init(struct ikev2_frag_reasm *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < IKEV2_MAX_FRAGS; i++)
		buf_init(&r->part[i]);
}

void ikev2_frag_reset(struct ikev2_frag_reasm *r)
{
	for (size_t i = 0; i < IKEV2_MAX_FRAGS; i++)
		buf_free(&r->part[i]);
	ikev2_frag_init(r);
}

int ikev2_frag_add(struct ikev2_frag_reasm *r, uint32_t msgid, const struct ikev2_skf *skf,
		   uint8_t skf_np, const uint8_t *plain, size_t len, struct ikev2_error *err)
{
	struct buf *p;

	if (skf->frag_total > IKEV2_MAX_FRAGS)
		return ikev2_fail(err, IKEV2_E_LIMIT, IKEV2_PL_SKF, "%u fragments (at most %u supported)",
				  skf->frag_total, IKEV2_MAX_FRAGS);
	if (skf->frag_num == 0 || skf->frag_num > skf->frag_total)
		return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_SKF, "fragment %u of %u",
				  skf->frag_num, skf->frag_total);
	if (skf->frag_num != 1 && skf_np != IKEV2_PL_NONE)
		return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_SKF,
				  "fragment %u names a next payload; only fragment 1 may", skf->frag_num);
	if (r->total && r->msgid != msgid)
		ikev2_frag_reset(r);	/* a new message: the old one will never complete */
	if (r->total && skf->frag_total < r->total)
		return 0;
	if (r->total && skf->frag_total > r->total)
		ikev2_frag_reset(r);	/* the sender re-fragmented smaller: start over */
	if (!r->total) {
		r->msgid = msgid;
		r->total = skf->frag_total;
	}
	if (r->got[skf->frag_num - 1])
		return 0;		/* retransmitted duplicate */
	p = &r->part[skf->frag_num - 1];
	if (!buf_put(p, plain, len)) {
		ikev2_frag_reset(r);
		return ikev2_fail(err, IKEV2_E_NOMEM, IKEV2_PL_SKF, "no memory for fragment %u", skf->frag_num);
	}
	if (skf->frag_num == 1)
		r->first_np = skf_np;
	r->got[skf->frag_num - 1] = true;
	r->have++;
	return r->have == r->total;
}

int ikev2_frag_assemble(struct ikev2_frag_reasm *r, struct buf *out, struct ikev2_pldlist *inner,
			struct ikev2_error *err)
{
	if (!r->total || r->have != r->total)
		return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_SKF, "message incomplete (%u of %u fragments)",
				  r->have, r->total);
	out->len = 0;
	out->failed = false;
	for (size_t i = 0; i < r->total; i++)
		buf_put(out, r->part[i].data, r->part[i].len);
	if (out->failed)
		return ikev2_fail(err, IKEV2_E_NOMEM, IKEV2_PL_SKF, "no memory to reassemble");
	return ikev2_chain_parse(r->first_np, out->data, out->len, 0, false, inner, err);
}

int ikev2_frag_split(const struct ikev2_hdr *h, const struct crypto_sk_alg *alg,
		     const uint8_t *ek, const uint8_t *ak, const uint8_t *inner, size_t inner_len,
		     uint8_t inner_first, size_t max_len, struct buf *msgs, size_t max_msgs)
{
	struct crypto_sk_sizes s;
	size_t overhead, room, chunk, n;

	if (crypto_sk_sizes(alg, &s))
		return -1;
	/* IKE header, SKF header with fragment numbers, IV, ICV, then padding + pad length */
	overhead = IKEV2_HDR_LEN + IKEV2_PLD_HDR_LEN + 4 + s.iv_len + s.icv_len;
	if (max_len <= overhead + s.block_len)
		return -1;
	room = (max_len - overhead) / s.block_len * s.block_len;
	chunk = room - 1;
	n = inner_len ? (inner_len + chunk - 1) / chunk : 1;
	if (n > max_msgs || n > IKEV2_MAX_FRAGS)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct ikev2_chain c;
		size_t off = i * chunk, len = inner_len - off < chunk ? inner_len - off : chunk;

		ikev2_msg_begin(&msgs[i], &c, h);
		if (ikev2_msg_seal(&c, alg, ek, ak, inner + off, len, inner_first,
				   (uint16_t)(i + 1), (uint16_t)n, NULL))
			return -1;
	}
	return (int)n;
}

int ikev2_frag_split_into(const struct ikev2_hdr *h, const struct crypto_sk_alg *alg,
			  const uint8_t *ek, const uint8_t *ak, const uint8_t *inner, size_t inner_len,
			  uint8_t inner_first, size_t max_len, struct buf *out)
{
	struct buf msgs[IKEV2_MAX_FRAGS];
	int n;

	for (size_t i = 0; i < IKEV2_MAX_FRAGS; i++)
		buf_init(&msgs[i]);
	n = ikev2_frag_split(h, alg, ek, ak, inner, inner_len, inner_first, max_len, msgs, IKEV2_MAX_FRAGS);
	out->len = 0;
	for (int i = 0; i < n; i++)
		buf_put(out, msgs[i].data, msgs[i].len);
	for (size_t i = 0; i < IKEV2_MAX_FRAGS; i++)
		buf_free(&msgs[i]);
	return n < 0 || out->failed ? -1 : n;
}

size_t ikev2_datagram_len(const uint8_t *p, size_t len)
{
	size_t l;

	if (len < IKEV2_HDR_LEN)
		return 0;
	l = get_be32(p + 24);
	return l >= IKEV2_HDR_LEN && l <= len ? l : 0;
}
