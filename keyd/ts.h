/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Traffic selectors (RFC 7296 2.9, 3.13): intersection, the responder's
 * narrowing of the initiator's TSi/TSr to local policy, the initiator's
 * check of the narrowed reply, conversion to the prefix selectors the
 * kernel SPD uses (uapi/linux/kipsec.h), and the config text form
 * "10.1.0.0/16", "10.0.0.1-10.0.0.9[tcp/80]", "2001:db8::/32[udp/500-510]".
 */
#ifndef KEYD_TS_H
#define KEYD_TS_H

#include <stdbool.h>
#include <stddef.h>

#include "ikev2_pld.h"

/* RFC 4301 "OPAQUE" ports: start 65535, end 0. */
static inline bool ts_opaque_ports(const struct ikev2_ts *t)
{
	return t->sport == 0xffff && t->eport == 0;
}

/* a ∩ b; false when empty (different families, protocols or disjoint ranges). */
bool ts_intersect(const struct ikev2_ts *a, const struct ikev2_ts *b, struct ikev2_ts *out);
/* inner ⊆ outer */
bool ts_is_subset(const struct ikev2_ts *inner, const struct ikev2_ts *outer);

/*
 * The parts of the peer's selectors that policy allows: every non-empty
 * peer[i] ∩ policy[j], in policy order, dropping results contained in an
 * earlier (or larger) one. Returns 0, or -1 when nothing is left.
 */
int ts_narrow(const struct ikev2_ts_list *peer, const struct ikev2_ts_list *policy,
	      struct ikev2_ts_list *out);

/*
 * Responder: narrows the initiator's TSi (its side, our remote policy) and
 * TSr (our local policy). Returns 0, or -1: answer TS_UNACCEPTABLE.
 */
int ts_responder_narrow(const struct ikev2_ts_list *tsi, const struct ikev2_ts_list *tsr,
			const struct ikev2_ts_list *policy_remote, const struct ikev2_ts_list *policy_local,
			struct ikev2_ts_list *out_i, struct ikev2_ts_list *out_r);

/* Initiator: every selector of the reply lies within one we proposed. */
bool ts_list_within(const struct ikev2_ts_list *reply, const struct ikev2_ts_list *proposed);

/* A prefix selector, as the kernel policy wants it. */
struct ts_prefix {
	uint8_t family;		/* AF_INET / AF_INET6 */
	uint8_t addr[16];
	uint8_t plen;
};

/* Splits the address range into the fewest covering prefixes; returns their count or -1 if > max. */
int ts_to_prefixes(const struct ikev2_ts *t, struct ts_prefix *out, size_t max);
void ts_from_prefix(const struct ts_prefix *p, uint8_t proto, uint16_t sport, uint16_t eport,
		    struct ikev2_ts *out);

/* Text form; ts_parse returns -1 with a message in err. */
int ts_parse(const char *text, struct ikev2_ts *out, char *err, size_t errlen);
void ts_format(const struct ikev2_ts *t, char *buf, size_t len);

#endif /* KEYD_TS_H */
