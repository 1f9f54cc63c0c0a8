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
