/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipsec datapath internals shared by algs.c, esp.c, output.c and input.c
 * (the control plane only needs kipsec.h).
 */
#ifndef _KIPSEC_DATAPATH_H
#define _KIPSEC_DATAPATH_H

#include <linux/bits.h>
#include <linux/netfilter.h>
#include <linux/udp.h>
#include <crypto/aead.h>

#include "kipsec.h"

#define KIPSEC_MAX_IV_LEN	16
#define KIPSEC_ESP_HLEN		8	/* SPI + sequence number */

/* One ESP encryption transform (algs.c table); sa->alg points here. */
struct kipsec_alg {
	u16 id;			/* IKEv2 transform type 1 id */
	const char *name;	/* AEAD (combined) or cipher for authenc */
	bool combined;		/* AEAD: no integrity transform allowed */
	u64 key_lens;		/* bit n set: n-byte cipher key allowed */
	u8 salt_len;		/* bytes after the cipher key (RFC 4106 salt) */
	u8 icv_len;		/* combined mode only */
	bool seq_iv;		/* IV = sequence number (unique per key: counter modes) */
};

#define KIPSEC_KEYLEN(a, b, c)	(BIT_ULL(a) | BIT_ULL(b) | BIT_ULL(c))

/*
 * Per-packet crypto state, allocated in one piece with the AEAD request,
 * the IV and the scatterlist. "complete" finishes the packet, synchronously
 * or from the crypto completion (then with BH disabled); it owns skb, the SA
 * reference and the context (kipsec_esp_ctx_free()).
 */
struct kipsec_esp_ctx {
	struct sk_buff *skb;
	struct kipsec_sa *sa;
	struct kipsec_bundle *bundle;	/* output: transforms still to apply */
	void (*complete)(struct kipsec_esp_ctx *ctx, int err);
	struct aead_request *req;
	struct scatterlist *sg;
	u8 *iv;
	unsigned int esp_off;	/* ESP header, from skb->data */
	unsigned int nh_off;	/* input: the next-header byte that names ESP */
	unsigned int len;	/* output: inner bytes; input: ciphertext bytes */
	u64 seq;		/* full sequence number (ESN: all 64 bits) */
	u8 family;		/* input: of the outer header */
	__be32 esn_ad[3];	/* ESN: SPI, seq high, seq low (esp.c) */
};

struct kipsec_esp_ctx *kipsec_esp_ctx_alloc(struct kipsec_sa *sa, int nfrags);
void kipsec_esp_ctx_free(struct kipsec_esp_ctx *ctx);

/* Bytes of padding so that plen + pad + 2 is aligned for this SA. */
static inline unsigned int kipsec_esp_padlen(const struct kipsec_sa *sa,
					     unsigned int plen)
{
	return ALIGN(plen + 2, sa->block_size) - (plen + 2);
}

/*
 * Write the RFC 4303 trailer (pad 1, 2, 3..., pad length, next header) at p.
 */
void kipsec_esp_write_trailer(u8 *p, unsigned int padlen, u8 nexthdr);

/*
 * Run the AEAD over the ESP packet at ctx->esp_off: header and IV are the
 * associated data, then len bytes of payload (encrypt: plaintext, the ICV
 * is written after it; decrypt: ciphertext + ICV). ctx->complete runs
 * exactly once, possibly before this returns.
 */
void kipsec_esp_encrypt(struct kipsec_esp_ctx *ctx, unsigned int len);
void kipsec_esp_decrypt(struct kipsec_esp_ctx *ctx, unsigned int len);

/* A packet went through the SA: count it on the SA and the namespace. */
void kipsec_count_ok(struct kipsec_sa *sa, unsigned int bytes);

/* Per-CPU record of which SAs decapsulated the packet being re-injected. */
int kipsec_rx_push(struct sk_buff *skb, struct kipsec_sa *sa);
void kipsec_rx_pop(void);

/* Per-netns IPv6 reassembly before LOCAL_IN (input.c). */
int kipsec_defrag6_enable(struct net *net);
void kipsec_defrag6_disable(struct net *net);

/* Hook functions (output.c, input.c). */
unsigned int kipsec_out_hook(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state);
unsigned int kipsec_in_hook(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state);
unsigned int kipsec_fwd_hook(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state);

/* encap.c: ESP in UDP on the packet path (see there). */
static inline unsigned int kipsec_encap_len(const struct kipsec_sa *sa)
{
	return sa->encap_type == KIPSEC_ENCAP_UDP ? sizeof(struct udphdr) : 0;
}

void kipsec_encap_out_build(const struct kipsec_sa *sa, struct sk_buff *skb,
			    unsigned int udp_off, unsigned int proto_off);
void kipsec_encap_out_done(const struct kipsec_sa *sa, struct sk_buff *skb);
int kipsec_encap_in(struct net *net, struct sk_buff *skb, u8 pf);
void kipsec_encap_in_transport(const struct kipsec_sa *sa, struct sk_buff *skb,
			       u8 proto);

/* --- AH (ah.c) and bundles (bundle.c) --- */

/*
 * The SAs an outbound packet (one GSO segment) still has to go through,
 * innermost first, each with a reference. Owned by the packet in flight.
 */
struct kipsec_bundle {
	struct net *net;
	u8 n, next;
	struct kipsec_sa *sa[KIPSEC_TMPLS_MAX];
};

/* Outbound policy other than one ESP template: NF_STOLEN or NF_DROP. */
unsigned int kipsec_bundle_out(struct net *net, struct kipsec_policy *pol,
			       const struct kipsec_flow *fl, struct sk_buff *skb);
/* A transform is done with skb: apply the next one. Consumes both. */
void kipsec_bundle_resume(struct kipsec_bundle *b, struct sk_buff *skb);
/* Drop the references of the transforms not applied; NULL-safe. */
void kipsec_bundle_free(struct kipsec_bundle *b);

/*
 * One transform on one (non-GSO) packet at its network header. They take
 * over skb, the SA reference and b (NULL: the last transform, send it).
 */
int kipsec_out_one(struct net *net, struct kipsec_sa *sa, struct sk_buff *skb,
		   struct kipsec_bundle *b);
void kipsec_ah_output(struct net *net, struct kipsec_sa *sa, struct sk_buff *skb,
		      struct kipsec_bundle *b);

/* Inbound AH: find the header (offsets as for ESP), then verify and strip. */
bool kipsec_ah_find(struct sk_buff *skb, u8 pf, unsigned int *ah_off,
		    unsigned int *nh_off);
unsigned int kipsec_ah_input(struct net *net, struct sk_buff *skb, u8 pf,
			     unsigned int ah_off, unsigned int nh_off);

/* input.c, shared with AH: tunnel inner header check, re-injection. */
int kipsec_in_inner(struct sk_buff *skb, bool inner4, u8 outer_ds);
void kipsec_in_reinject(struct net *net, struct kipsec_sa *sa,
			struct sk_buff *skb, bool inner4);

/*
 * conntrack.c: confirm the packet's unconfirmed conntrack entry before it is
 * taken (NF_ACCEPT, or conntrack's NF_DROP).
 */
unsigned int kipsec_ct_confirm(struct sk_buff *skb);

#endif /* _KIPSEC_DATAPATH_H */
