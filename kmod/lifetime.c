// SPDX-License-Identifier: GPL-2.0
/*
 * SA lifetimes: soft and hard limits, EXPIRE events.
 */
#include "kipsec.h"

/*
 * The SA reached a limit. Soft: report once. Hard: report and remove.
 * Callable from the packet path (softirq); the work is deferred.
 */
void kipsec_sa_expire(struct kipsec_sa *sa, bool hard)
{
	set_bit(hard ? 1 : 0, &sa->state);	/* placeholder until lifetime.c lands */
}
