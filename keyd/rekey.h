/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rekeying decisions (RFC 7296 2.8, 2.8.1), kept free of the event loop and
 * the kernel so they can be unit-tested: when to rekey (lifetime minus
 * margin minus a random jitter), which of two colliding rekeys is
 * redundant (lowest nonce loses), and what a kernel EXPIRE event means for
 * the SAs of a Child SA.
 */
#ifndef KEYD_REKEY_H
#define KEYD_REKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Seconds from installation until we start the rekey: life - margin - a
 * jitter in [0, jitter] taken from rnd (uniform random number), never
 * below 1 s. Two peers with the same config thus rarely rekey at once.
 */
uint32_t rekey_time(uint32_t life, uint32_t margin, uint32_t jitter, uint32_t rnd);

/* Kernel limits for a Child SA: soft = when we should have rekeyed, hard = life. */
void rekey_kernel_lifetimes(uint32_t life, uint32_t margin, uint64_t *soft_secs, uint64_t *hard_secs);

/* Compares two nonces as RFC 7296 2.8.1 does: octet by octet, a shorter prefix is lower. */
int rekey_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/*
 * Simultaneous rekeys (2.8.1): ours used nonces (ni of ours, nr from the
 * peer), theirs (ni of the peer, nr of ours). The exchange holding the
 * lowest of the four nonces created the redundant SA, which its initiator
 * deletes. True when that is our exchange (we delete what we created).
 */
bool rekey_we_lose(const uint8_t *our_ni, size_t our_ni_len, const uint8_t *our_nr, size_t our_nr_len,
		   const uint8_t *their_ni, size_t their_ni_len, const uint8_t *their_nr,
		   size_t their_nr_len);

/* What a kernel EXPIRE event asks of us, for the SA pairs of one Child SA. */
enum rekey_expire_action {
	REKEY_EXPIRE_IGNORE,		/* not ours, or already being replaced */
	REKEY_EXPIRE_REKEY,		/* soft limit of the current SA: rekey the child now */
	REKEY_EXPIRE_REMOVE,		/* hard limit of the current SA: the child is gone */
	REKEY_EXPIRE_FORGET,		/* hard limit of a replaced SA: stop tracking it */
};

struct rekey_child_view {
	bool installed;
	uint32_t spi_in, spi_out;	/* current pair */
	bool old;			/* a replaced pair is still around */
	uint32_t old_in, old_out;
	bool rekeying;			/* our rekey of the current pair is under way */
};

/* spi of an SA whose destination is us (inbound) or the peer (outbound). */
enum rekey_expire_action rekey_on_expire(const struct rekey_child_view *v, uint32_t spi, bool inbound,
					 bool hard);

#endif /* KEYD_REKEY_H */
