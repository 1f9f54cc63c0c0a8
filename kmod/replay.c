// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: ESP anti-replay window (RFC 4303 3.4.3 and appendix A).
 *
 * The window is a ring of bits indexed by seq % bits, bits being a power of
 * two >= the window. "top" is the highest sequence number accepted so far;
 * a number is acceptable if it is above top, or within the window below it
 * and not seen yet. check() runs before the ICV is verified and changes
 * nothing; advance() runs only after the ICV verified, re-checks (another
 * CPU may have accepted the same number meanwhile) and records it.
 *
 * Extended sequence numbers (RFC 4304): only the low 32 bits travel; the
 * receiver infers the high half from where its window stands (appendix
 * A2.2), the sender just counts in 64 bits. Both live here, next to the
 * window they depend on.
 */
#include <linux/bitmap.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include "kipsec.h"

int kipsec_replay_init(struct kipsec_replay *rp, u32 window)
{
	spin_lock_init(&rp->lock);
	rp->window = window;
	rp->top = 0;
	rp->bitmap = NULL;
	rp->bits = 0;
	if (!window)
		return 0;
	if (window > KIPSEC_REPLAY_WINDOW_MAX)
		return -EINVAL;

	rp->bits = roundup_pow_of_two(max_t(u32, window, BITS_PER_LONG));
	rp->bitmap = bitmap_zalloc(rp->bits, GFP_KERNEL);
	return rp->bitmap ? 0 : -ENOMEM;
}

void kipsec_replay_destroy(struct kipsec_replay *rp)
{
	bitmap_free(rp->bitmap);
	rp->bitmap = NULL;
}

/* Caller holds rp->lock. */
static bool kipsec_replay_ok(const struct kipsec_replay *rp, u64 seq)
{
	if (!rp->window)
		return true;	/* checking switched off (SA_UPDATE) */
	if (seq == 0)
		return false;	/* never sent: the first packet carries 1 */
	if (seq > rp->top)
		return true;
	if (rp->top - seq >= rp->window)
		return false;	/* left of the window: too old */
	return !test_bit(seq & (rp->bits - 1), rp->bitmap);
}

bool kipsec_replay_check(struct kipsec_replay *rp, u64 seq)
{
	bool ok;

	if (!rp->window)
		return true;
	spin_lock_bh(&rp->lock);
	ok = kipsec_replay_ok(rp, seq);
	spin_unlock_bh(&rp->lock);
	return ok;
}

bool kipsec_replay_advance(struct kipsec_replay *rp, u64 seq)
{
	u64 diff, s;

	if (!rp->window) {
		/* No checking, but keep "highest accepted" for SEQ_IN. */
		spin_lock_bh(&rp->lock);
		if (seq > rp->top)
			rp->top = seq;
		spin_unlock_bh(&rp->lock);
		return true;
	}

	spin_lock_bh(&rp->lock);
	if (!kipsec_replay_ok(rp, seq)) {
		spin_unlock_bh(&rp->lock);
		return false;
	}
	if (seq > rp->top) {
		/* Slide: the numbers passed over are not received yet. */
		diff = seq - rp->top;
		if (diff >= rp->bits) {
			bitmap_zero(rp->bitmap, rp->bits);
		} else {
			for (s = rp->top + 1; s < seq; s++)
				__clear_bit(s & (rp->bits - 1), rp->bitmap);
		}
		rp->top = seq;
	}
	__set_bit(seq & (rp->bits - 1), rp->bitmap);
	spin_unlock_bh(&rp->lock);
	return true;
}

/*
 * RFC 4303 A2.2: the full number of a received packet whose low 32 bits
 * are seql. The window [top - W + 1, top] lies in one or two 2^32
 * "subspaces"; a low half that falls below the window's bottom in the
 * subspace of top is taken to be from the next one, one above the bottom
 * in a window straddling two is from the previous one. A wrong guess only
 * makes the ICV fail: the high half is authenticated.
 */
u64 kipsec_replay_seq(struct kipsec_sa *sa, u32 seql)
{
	struct kipsec_replay *rp = &sa->replay;
	u32 w, tl, th, bottom;
	u64 top;

	if (!(sa->flags & KIPSEC_SA_F_ESN))
		return seql;

	spin_lock_bh(&rp->lock);
	top = rp->top;
	w = rp->window;
	spin_unlock_bh(&rp->lock);

	/* Without replay checks still guess around the highest accepted. */
	if (!w)
		w = KIPSEC_REPLAY_WINDOW_DEFAULT;
	tl = lower_32_bits(top);
	th = upper_32_bits(top);
	bottom = tl - w + 1;	/* modulo 2^32 */
	if (tl >= w - 1) {
		if (seql < bottom)
			th++;
	} else if (seql >= bottom) {
		th--;
	}
	return (u64)th << 32 | seql;
}

/*
 * The next outbound sequence number. RFC 4303 3.3.3: a counter never
 * cycles under one key. Without ESN the SA's last number is 2^32 - 1:
 * further packets are refused (-EOVERFLOW) and the SA reports a hard
 * expiry so that it gets rekeyed; with ESN the same at 2^64 - 1.
 */
int kipsec_seq_out_next(struct kipsec_sa *sa, u64 *seq)
{
	u64 last = sa->flags & KIPSEC_SA_F_ESN ? U64_MAX : U32_MAX;
	u64 s = atomic64_inc_return(&sa->seq_out);

	if (likely(s && s <= last)) {
		*seq = s;
		return 0;
	}
	/* Stay at the last number: a later SEQ_OUT read shows where it ended. */
	atomic64_set(&sa->seq_out, last);
	kipsec_sa_expire(sa, true);
	return -EOVERFLOW;
}

/*
 * SEQ_IN given on ADD (an SA installed mid-stream, or tests near 2^32):
 * everything up to seq counts as received.
 */
void kipsec_replay_set_top(struct kipsec_replay *rp, u64 seq)
{
	spin_lock_bh(&rp->lock);
	rp->top = seq;
	if (rp->bitmap && seq)
		bitmap_fill(rp->bitmap, rp->bits);
	spin_unlock_bh(&rp->lock);
}

/*
 * The uapi form of the window (KIPSEC_SA_A_REPLAY_BITMAP): bit i of the
 * nwords u32 words set = sequence number top - i was accepted. Caller holds
 * rp->lock.
 */
void kipsec_replay_bitmap(const struct kipsec_replay *rp, u32 *words,
			  unsigned int nwords)
{
	u32 i, n = min_t(u32, rp->window, nwords * 32);

	memset(words, 0, nwords * sizeof(*words));
	for (i = 0; i < n && i < rp->top; i++)
		if (test_bit((rp->top - i) & (rp->bits - 1), rp->bitmap))
			words[i / 32] |= 1U << (i % 32);
}
