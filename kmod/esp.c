// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: ESP (RFC 4303) packet format and the AEAD call shared by both
 * directions.
 *
 * On the wire: SPI(4) seq(4) IV(iv_len) payload pad(0..255) padlen(1)
 * nexthdr(1) ICV(icv_len). The AEAD sees SPI, seq and IV as associated
 * data (assoclen = 8 + iv_len; rfc4106 and rfc7539esp take the trailing
 * 8 bytes of it as their explicit IV, authenc authenticates them as ESP
 * requires) and the payload through the next header byte as text.
 *
 * Extended sequence numbers (RFC 4304): the associated data becomes SPI,
 * seq high, seq low, IV (the RFC 4106 / 7634 ESN layout). The high half is
 * never sent, so the first scatterlist entry is a 12-byte copy in the
 * context, followed by the packet from the IV on; authencesn moves the
 * high half behind the payload itself (RFC 4303 2.2.1).
 */
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <crypto/aead.h>

#include "kipsec.h"
#include "datapath.h"

/*
 * One allocation per packet: the context, then the AEAD request (aligned
 * for the transform's context), the IV copy, and the scatterlist.
 */
struct kipsec_esp_ctx *kipsec_esp_ctx_alloc(struct kipsec_sa *sa, int nfrags)
{
	struct crypto_aead *aead = sa->aead;
	size_t req_off, iv_off, sg_off, size;
	struct kipsec_esp_ctx *ctx;
	u8 *base;

	if (sa->flags & KIPSEC_SA_F_ESN)
		nfrags++;	/* the separate SPI / seq high / seq low entry */
	req_off = ALIGN(sizeof(*ctx), crypto_tfm_ctx_alignment());
	size = req_off + sizeof(struct aead_request) + crypto_aead_reqsize(aead);
	iv_off = ALIGN(size, crypto_aead_alignmask(aead) + 1);
	size = iv_off + KIPSEC_MAX_IV_LEN;
	sg_off = ALIGN(size, __alignof__(struct scatterlist));
	size = sg_off + nfrags * sizeof(struct scatterlist);

	base = kmalloc(size, GFP_ATOMIC);
	if (!base)
		return NULL;
	ctx = (struct kipsec_esp_ctx *)base;
	memset(ctx, 0, sizeof(*ctx));
	ctx->req = (struct aead_request *)(base + req_off);
	ctx->iv = base + iv_off;
	ctx->sg = (struct scatterlist *)(base + sg_off);
	sg_init_table(ctx->sg, nfrags);
	return ctx;
}

void kipsec_esp_ctx_free(struct kipsec_esp_ctx *ctx)
{
	kfree(ctx);
}

void kipsec_count_ok(struct kipsec_sa *sa, unsigned int bytes)
{
	struct kipsec_counters __percpu *ns = kipsec_pernet(sa->net)->stats;

	kipsec_count(sa->stats, KIPSEC_STATS_A_PACKETS);
	kipsec_count_add(sa->stats, KIPSEC_STATS_A_BYTES, bytes);
	kipsec_count(ns, KIPSEC_STATS_A_PACKETS);
	kipsec_count_add(ns, KIPSEC_STATS_A_BYTES, bytes);
	kipsec_lft_count(sa);
}

void kipsec_esp_write_trailer(u8 *p, unsigned int padlen, u8 nexthdr)
{
	unsigned int i;

	for (i = 0; i < padlen; i++)
		p[i] = i + 1;
	p[padlen] = padlen;
	p[padlen + 1] = nexthdr;
}

/*
 * Completion from the crypto layer when a request went asynchronous. It
 * may run in softirq or in a worker; the continuations expect BH off.
 */
static void kipsec_esp_done(void *data, int err)
{
	struct kipsec_esp_ctx *ctx = data;

	/* A backlogged request was queued for processing: not finished yet. */
	if (err == -EINPROGRESS)
		return;
	local_bh_disable();
	ctx->complete(ctx, err);
	local_bh_enable();
}

KIPSEC_CRYPTO_DONE(kipsec_esp_done_cb, kipsec_esp_done)

/* Common request setup; returns the number of scatterlist entries or < 0. */
static int kipsec_esp_setup(struct kipsec_esp_ctx *ctx, unsigned int len)
{
	struct kipsec_sa *sa = ctx->sa;
	unsigned int assoclen = KIPSEC_ESP_HLEN + sa->iv_len;
	int n;

	if (sa->flags & KIPSEC_SA_F_ESN) {
		ctx->esn_ad[0] = htonl(sa->spi);
		ctx->esn_ad[1] = htonl(upper_32_bits(ctx->seq));
		ctx->esn_ad[2] = htonl(lower_32_bits(ctx->seq));
		sg_set_buf(ctx->sg, ctx->esn_ad, sizeof(ctx->esn_ad));
		n = skb_to_sgvec(ctx->skb, ctx->sg + 1, ctx->esp_off + KIPSEC_ESP_HLEN,
				 sa->iv_len + len);
		if (unlikely(n < 0))
			return n;
		n++;
		assoclen += sizeof(__be32);
	} else {
		n = skb_to_sgvec(ctx->skb, ctx->sg, ctx->esp_off, assoclen + len);
		if (unlikely(n < 0))
			return n;
	}

	aead_request_set_tfm(ctx->req, sa->aead);
	aead_request_set_callback(ctx->req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				  kipsec_esp_done_cb, ctx);
	aead_request_set_ad(ctx->req, assoclen);
	return n;
}

void kipsec_esp_encrypt(struct kipsec_esp_ctx *ctx, unsigned int len)
{
	int err;

	err = kipsec_esp_setup(ctx, len + ctx->sa->icv_len);
	if (unlikely(err < 0))
		goto done;
	aead_request_set_crypt(ctx->req, ctx->sg, ctx->sg, len, ctx->iv);
	err = crypto_aead_encrypt(ctx->req);
	if (err == -EINPROGRESS || err == -EBUSY)
		return;	/* kipsec_esp_done() finishes it */
done:
	ctx->complete(ctx, err);
}

void kipsec_esp_decrypt(struct kipsec_esp_ctx *ctx, unsigned int len)
{
	int err;

	err = kipsec_esp_setup(ctx, len);
	if (unlikely(err < 0))
		goto done;
	aead_request_set_crypt(ctx->req, ctx->sg, ctx->sg, len, ctx->iv);
	err = crypto_aead_decrypt(ctx->req);
	if (err == -EINPROGRESS || err == -EBUSY)
		return;
done:
	ctx->complete(ctx, err);
}
