/* SPDX-License-Identifier: GPL-2.0 */
/* `kipsec policy ...`: argv -> struct pol_req -> KIPSEC_A_POLICY. */
#ifndef KIPSEC_POLICY_H
#define KIPSEC_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/msg.h>
#include <linux/kipsec.h>

#include "args.h"

enum pol_op { POL_ADD, POL_DEL, POL_GET, POL_LIST, POL_FLUSH };

struct pol_tmpl {
	bool has_src, has_dst, has_proto, has_mode, has_reqid, has_spi, has_level;
	struct kaddr src, dst;
	uint8_t proto, mode;
	uint32_t reqid, spi;
	bool optional;		/* level use */
};

struct pol_req {
	enum pol_op op;
	const char *opname;
	bool has_id, has_dir, has_prio, has_action;
	uint32_t id, priority;
	uint8_t dir;
	uint8_t action;		/* final KIPSEC_ACTION_* after parsing (add) */
	bool block;		/* "action block" was given */
	/* Selector. family 0 = both (no address given). */
	uint16_t family;
	bool has_src, has_dst, has_proto, has_sport, has_dport, has_type, has_code;
	struct kaddr src, dst;
	uint8_t src_plen, dst_plen, proto;
	uint16_t sport_min, sport_max, dport_min, dport_max;
	uint8_t icmp_type, icmp_code;
	int ntmpls;
	struct pol_tmpl tmpls[KIPSEC_TMPLS_MAX];
	bool stats;		/* list -s */
};

int policy_parse(int argc, char **argv, struct pol_req *r);
int policy_build(struct nl_msg *msg, const struct pol_req *r);

#endif
