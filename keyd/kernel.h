/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kipsec kernel module, programmed over generic netlink (libnl-genl-3)
 * as uapi/linux/kipsec.h defines: ESP SAs with the Child SA keys, and the
 * policies (with templates) that send traffic through them.
 */
#ifndef KEYD_KERNEL_H
#define KEYD_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ts.h"

struct kernel_sa {
	const struct sockaddr_storage *src, *dst;
	uint32_t spi;			/* host order */
	uint8_t mode;			/* KIPSEC_MODE_* */
	uint32_t reqid;
	uint16_t enc_alg;		/* IKEv2 transform ids = kipsec ids */
	const uint8_t *enc_key;
	size_t enc_len;
	uint16_t integ_alg;		/* 0: none (AEAD) */
	const uint8_t *integ_key;
	size_t integ_len;
	uint32_t replay_window;
	bool esn;
	uint64_t soft_secs, hard_secs;	/* lifetime since added; 0 = none */
};

struct kernel_policy {
	uint8_t dir;			/* KIPSEC_DIR_* */
	uint8_t action;			/* KIPSEC_ACTION_* */
	uint32_t priority;
	struct ts_prefix src, dst;	/* family 0: any */
	uint8_t proto;			/* 0: any */
	uint16_t sport_min, sport_max, dport_min, dport_max;
	bool tmpl;			/* PROTECT: one ESP template */
	uint8_t mode;
	uint32_t reqid;
	const struct sockaddr_storage *tmpl_src, *tmpl_dst;	/* tunnel mode */
};

struct kernel_sa_stats {
	uint64_t packets, bytes;
};

/* 0, or -1 (logged) when the module is not loaded. */
int kernel_open(void);
void kernel_close(void);
/* Each returns 0 or a negative errno; a refusal is logged with the kernel's reason. */
int kernel_sa_add(const struct kernel_sa *sa);
int kernel_sa_del(const struct sockaddr_storage *dst, uint32_t spi);
int kernel_sa_stats(const struct sockaddr_storage *dst, uint32_t spi, struct kernel_sa_stats *st);
int kernel_policy_add(const struct kernel_policy *p, uint32_t *id);
int kernel_policy_del(uint32_t id);

/*
 * EXPIRE events of the "events" multicast group: fn(dst, spi, hard) for
 * each, from the event loop. 0, or -1 (logged) if the group is missing.
 */
struct event_base;
typedef void (*kernel_expire_fn)(const struct sockaddr_storage *dst, uint32_t spi, bool hard);
int kernel_events_open(struct event_base *base, kernel_expire_fn fn);
void kernel_events_close(void);

#endif /* KEYD_KERNEL_H */
