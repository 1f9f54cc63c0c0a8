// SPDX-License-Identifier: GPL-2.0
/* Rekeying decisions; see rekey.h. */
#include "rekey.h"

#include <string.h>

uint32_t rekey_time(uint32_t life, uint32_t margin, uint32_t jitter, uint32_t rnd)
{
	uint32_t t = life > margin ? life - margin : 0;
	uint32_t j = jitter ? rnd % (jitter + 1) : 0;

	t = t > j ? t - j : 0;
	return t ? t : 1;
}

void rekey_kernel_lifetimes(uint32_t life, uint32_t margin, uint64_t *soft_secs, uint64_t *hard_secs)
{
	*hard_secs = life;
	/* the kernel's soft limit is our safety net should the timer be late */
	*soft_secs = life > margin && margin ? life - margin : 0;
}

int rekey_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c < 0 ? -1 : 1;
	return alen == blen ? 0 : alen < blen ? -1 : 1;
}

static const uint8_t *lower(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, size_t *len)
{
	if (rekey_nonce_cmp(a, alen, b, blen) <= 0) {
		*len = alen;
		return a;
	}
	*len = blen;
	return b;
}

bool rekey_we_lose(const uint8_t *our_ni, size_t our_ni_len, const uint8_t *our_nr, size_t our_nr_len,
		   const uint8_t *their_ni, size_t their_ni_len, const uint8_t *their_nr,
		   size_t their_nr_len)
{
	size_t ol, tl;
	const uint8_t *o = lower(our_ni, our_ni_len, our_nr, our_nr_len, &ol);
	const uint8_t *t = lower(their_ni, their_ni_len, their_nr, their_nr_len, &tl);

	/* equal lowest nonces cannot happen with random nonces; then ours goes */
	return rekey_nonce_cmp(o, ol, t, tl) <= 0;
}

enum rekey_expire_action rekey_on_expire(const struct rekey_child_view *v, uint32_t spi, bool inbound,
					 bool hard)
{
	if (v->installed && spi == (inbound ? v->spi_in : v->spi_out)) {
		if (hard)
			return REKEY_EXPIRE_REMOVE;
		/* a replacement is already coming, or the old pair is still being deleted */
		return v->rekeying || v->old ? REKEY_EXPIRE_IGNORE : REKEY_EXPIRE_REKEY;
	}
	if (v->old && spi == (inbound ? v->old_in : v->old_out))
		return hard ? REKEY_EXPIRE_FORGET : REKEY_EXPIRE_IGNORE;
	return REKEY_EXPIRE_IGNORE;
}
