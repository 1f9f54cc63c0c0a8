// SPDX-License-Identifier: GPL-2.0
/*
 * SA lifetimes: soft and hard limits, EXPIRE events.
 *
 * Byte and packet limits are checked on the datapath against the SA's own
 * per-CPU counters (PACKETS, BYTES): no shared counter, no lock. Summing
 * every CPU for every packet would touch every CPU's cache line, so a CPU
 * sums only every lft_stride-th packet it counts itself. The stride is
 * chosen so that all CPUs together can pass a limit by at most 1/16 of the
 * smallest limit set (bytes reckoned at 64 KiB a packet), and it is 1 (an
 * exact check) for small limits. A packet that brings the count to the
 * limit still passes; those after it are dropped (DROP_EXPIRED), except
 * the few already in asynchronous crypto.
 *
 * Time limits are checked by one delayed work per namespace, once a second
 * while some SA has one: they are late by at most about a second.
 *
 * Events go out from that same work (process context, under
 * kipsec_net.lock, so an SA is reported before SA_DEL can race with it):
 * the datapath only sets a bit and kicks the work. Soft: the event is sent
 * once. Hard: the event, then the SA is removed.
 */
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/ktime.h>

#include "kipsec.h"

/* sa->state bits: the uapi's KIPSEC_SA_S_* at 0 and 1, then internal ones. */
#define LFT_SOFT	0	/* KIPSEC_SA_S_SOFT_EXPIRED */
#define LFT_HARD	1	/* KIPSEC_SA_S_HARD_EXPIRED */
#define LFT_SOFT_EVENT	8	/* soft EXPIRE still to be sent */
#define LFT_HARD_EVENT	9	/* hard EXPIRE to be sent, then removal */

#define LFT_UAPI_MASK	(KIPSEC_SA_S_SOFT_EXPIRED | KIPSEC_SA_S_HARD_EXPIRED)

static time64_t kipsec_lft_now(void)
{
	/* Boot time: counts suspend, never 0 once the tests run (0 = unused). */
	return max_t(time64_t, ktime_get_boottime_seconds(), 1);
}

static bool kipsec_lft_has_time(const struct kipsec_lifetime *l)
{
	return l->soft_add_secs || l->hard_add_secs ||
	       l->soft_use_secs || l->hard_use_secs;
}

/* Record that the SA reached a limit; true if this is news. */
static bool kipsec_lft_mark(struct kipsec_sa *sa, bool hard)
{
	if (hard) {
		if (test_and_set_bit(LFT_HARD, &sa->state))
			return false;
		set_bit(LFT_HARD_EVENT, &sa->state);
		return true;
	}
	if (test_bit(LFT_HARD, &sa->state) || test_and_set_bit(LFT_SOFT, &sa->state))
		return false;
	set_bit(LFT_SOFT_EVENT, &sa->state);
	return true;
}

/*
 * The SA reached a limit. Soft: report once. Hard: report and remove.
 * Callable from the packet path (softirq); the work is deferred.
 */
void kipsec_sa_expire(struct kipsec_sa *sa, bool hard)
{
	/* The SA keeps its namespace's kipsec_net alive (netns exit waits for it). */
	if (kipsec_lft_mark(sa, hard))
		mod_delayed_work(system_wq, &kipsec_pernet(sa->net)->lft_work, 0);
}

static u32 kipsec_lft_stride(const struct kipsec_lifetime *l)
{
	u64 lim = U64_MAX;

	if (l->soft_packets)
		lim = min(lim, l->soft_packets);
	if (l->hard_packets)
		lim = min(lim, l->hard_packets);
	if (l->soft_bytes)
		lim = min(lim, l->soft_bytes >> 16);
	if (l->hard_bytes)
		lim = min(lim, l->hard_bytes >> 16);
	if (lim == U64_MAX)
		return 0;
	lim = div_u64(lim, 16 * num_possible_cpus());
	return rounddown_pow_of_two(clamp_t(u64, lim, 1, 1024));
}

void kipsec_lft_count_slow(struct kipsec_sa *sa)
{
	struct kipsec_lifetime l;
	u64 packets = 0, bytes = 0;
	u32 stride;
	int cpu;

	if (!atomic64_read(&sa->use_time))
		atomic64_cmpxchg(&sa->use_time, 0, kipsec_lft_now());

	stride = READ_ONCE(sa->lft_stride);
	if (!stride || test_bit(LFT_HARD, &sa->state))
		return;
	if (this_cpu_read(sa->stats->c[KIPSEC_STATS_A_PACKETS]) & (stride - 1))
		return;

	for_each_possible_cpu(cpu) {
		const struct kipsec_counters *c = per_cpu_ptr(sa->stats, cpu);

		packets += READ_ONCE(c->c[KIPSEC_STATS_A_PACKETS]);
		bytes += READ_ONCE(c->c[KIPSEC_STATS_A_BYTES]);
	}
	/* UPDATE may change the limits meanwhile: each is read once. */
	l.hard_packets = READ_ONCE(sa->lft.hard_packets);
	l.hard_bytes = READ_ONCE(sa->lft.hard_bytes);
	l.soft_packets = READ_ONCE(sa->lft.soft_packets);
	l.soft_bytes = READ_ONCE(sa->lft.soft_bytes);
	if ((l.hard_packets && packets >= l.hard_packets) ||
	    (l.hard_bytes && bytes >= l.hard_bytes))
		kipsec_sa_expire(sa, true);
	else if ((l.soft_packets && packets >= l.soft_packets) ||
		 (l.soft_bytes && bytes >= l.soft_bytes))
		kipsec_sa_expire(sa, false);
}

static void kipsec_lft_publish(struct kipsec_sa *sa, const struct kipsec_lifetime *l)
{
	/* Word by word: the datapath reads each limit once, a mix is harmless. */
	WRITE_ONCE(sa->lft.soft_bytes, l->soft_bytes);
	WRITE_ONCE(sa->lft.hard_bytes, l->hard_bytes);
	WRITE_ONCE(sa->lft.soft_packets, l->soft_packets);
	WRITE_ONCE(sa->lft.hard_packets, l->hard_packets);
	WRITE_ONCE(sa->lft.soft_add_secs, l->soft_add_secs);
	WRITE_ONCE(sa->lft.hard_add_secs, l->hard_add_secs);
	WRITE_ONCE(sa->lft.soft_use_secs, l->soft_use_secs);
	WRITE_ONCE(sa->lft.hard_use_secs, l->hard_use_secs);
	WRITE_ONCE(sa->lft_stride, kipsec_lft_stride(l));
}

void kipsec_lft_init(struct kipsec_sa *sa, const struct kipsec_sa_cfg *cfg)
{
	sa->add_time = kipsec_lft_now();
	atomic64_set(&sa->use_time, 0);
	sa->state = 0;
	if (cfg->has_lifetime)
		kipsec_lft_publish(sa, &cfg->lft);
}

/*
 * New limits for an SA (ADD after it is hashed, or UPDATE). A soft expiry
 * already reported is forgotten, so that raised limits report again; a
 * hard expiry is final. Limits already reached are acted on at once.
 */
void kipsec_lft_set(struct net *net, struct kipsec_sa *sa,
		    const struct kipsec_lifetime *lft)
{
	struct kipsec_net *kn = kipsec_pernet(net);

	lockdep_assert_held(&kn->lock);
	if (lft) {
		kipsec_lft_publish(sa, lft);
		if (!test_bit(LFT_HARD, &sa->state)) {
			clear_bit(LFT_SOFT_EVENT, &sa->state);
			clear_bit(LFT_SOFT, &sa->state);
		}
	}
	/* The work checks the time limits and, below, the counters. */
	if (kipsec_lft_has_time(&sa->lft) || sa->lft_stride)
		mod_delayed_work(system_wq, &kn->lft_work, 0);
}

static const struct nla_policy kipsec_lft_policy[KIPSEC_LFT_A_MAX + 1] = {
	[KIPSEC_LFT_A_SOFT_BYTES]	= { .type = NLA_U64 },
	[KIPSEC_LFT_A_HARD_BYTES]	= { .type = NLA_U64 },
	[KIPSEC_LFT_A_SOFT_PACKETS]	= { .type = NLA_U64 },
	[KIPSEC_LFT_A_HARD_PACKETS]	= { .type = NLA_U64 },
	[KIPSEC_LFT_A_SOFT_ADD_SECS]	= { .type = NLA_U64 },
	[KIPSEC_LFT_A_HARD_ADD_SECS]	= { .type = NLA_U64 },
	[KIPSEC_LFT_A_SOFT_USE_SECS]	= { .type = NLA_U64 },
	[KIPSEC_LFT_A_HARD_USE_SECS]	= { .type = NLA_U64 },
	[KIPSEC_LFT_A_PAD]		= { .type = NLA_REJECT },
	[KIPSEC_LFT_A_BYTES]		= { .type = NLA_REJECT,
					    .reject_message = "current use is reported, not set" },
	[KIPSEC_LFT_A_PACKETS]		= { .type = NLA_REJECT,
					    .reject_message = "current use is reported, not set" },
	[KIPSEC_LFT_A_ADD_SECS]		= { .type = NLA_REJECT,
					    .reject_message = "current use is reported, not set" },
	[KIPSEC_LFT_A_USE_SECS]		= { .type = NLA_REJECT,
					    .reject_message = "current use is reported, not set" },
};

static u64 kipsec_lft_get(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u64(tb[type]) : 0;
}

static int kipsec_lft_pair(struct nlattr **tb, int soft, int hard, u64 *s, u64 *h,
			   struct netlink_ext_ack *extack)
{
	*s = kipsec_lft_get(tb, soft);
	*h = kipsec_lft_get(tb, hard);
	if (*s && *h && *s > *h) {
		NL_SET_ERR_MSG_ATTR(extack, tb[soft], "soft limit above the hard limit");
		return -EINVAL;
	}
	return 0;
}

/* The whole set of limits: an absent one is "no limit". */
int kipsec_lft_parse(const struct nlattr *nest, struct kipsec_lifetime *lft,
		     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_LFT_A_MAX + 1];
	int err;

	memset(lft, 0, sizeof(*lft));
	err = nla_parse_nested(tb, KIPSEC_LFT_A_MAX, nest, kipsec_lft_policy, extack);
	if (err)
		return err;
	return kipsec_lft_pair(tb, KIPSEC_LFT_A_SOFT_BYTES, KIPSEC_LFT_A_HARD_BYTES,
			       &lft->soft_bytes, &lft->hard_bytes, extack) ?:
	       kipsec_lft_pair(tb, KIPSEC_LFT_A_SOFT_PACKETS, KIPSEC_LFT_A_HARD_PACKETS,
			       &lft->soft_packets, &lft->hard_packets, extack) ?:
	       kipsec_lft_pair(tb, KIPSEC_LFT_A_SOFT_ADD_SECS, KIPSEC_LFT_A_HARD_ADD_SECS,
			       &lft->soft_add_secs, &lft->hard_add_secs, extack) ?:
	       kipsec_lft_pair(tb, KIPSEC_LFT_A_SOFT_USE_SECS, KIPSEC_LFT_A_HARD_USE_SECS,
			       &lft->soft_use_secs, &lft->hard_use_secs, extack);
}

static int kipsec_lft_put(struct sk_buff *skb, int type, u64 v)
{
	return nla_put_u64_64bit(skb, type, v, KIPSEC_LFT_A_PAD);
}

int kipsec_lft_fill(struct sk_buff *skb, struct kipsec_sa *sa)
{
	const struct kipsec_lifetime *l = &sa->lft;
	time64_t now = kipsec_lft_now(), used = atomic64_read(&sa->use_time);
	struct kipsec_counters sum;
	struct nlattr *nest;

	if (nla_put_u32(skb, KIPSEC_SA_A_FLAGS_STATE, READ_ONCE(sa->state) & LFT_UAPI_MASK))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, KIPSEC_SA_A_LIFETIME);
	if (!nest ||
	    kipsec_lft_put(skb, KIPSEC_LFT_A_SOFT_BYTES, READ_ONCE(l->soft_bytes)) ||
	    kipsec_lft_put(skb, KIPSEC_LFT_A_HARD_BYTES, READ_ONCE(l->hard_bytes)) ||
	    kipsec_lft_put(skb, KIPSEC_LFT_A_SOFT_PACKETS, READ_ONCE(l->soft_packets)) ||
	    kipsec_lft_put(skb, KIPSEC_LFT_A_HARD_PACKETS, READ_ONCE(l->hard_packets)) ||
	    kipsec_lft_put(skb, KIPSEC_LFT_A_SOFT_ADD_SECS, READ_ONCE(l->soft_add_secs)) ||
	    kipsec_lft_put(skb, KIPSEC_LFT_A_HARD_ADD_SECS, READ_ONCE(l->hard_add_secs)) ||
	    kipsec_lft_put(skb, KIPSEC_LFT_A_SOFT_USE_SECS, READ_ONCE(l->soft_use_secs)) ||
	    kipsec_lft_put(skb, KIPSEC_LFT_A_HARD_USE_SECS, READ_ONCE(l->hard_use_secs)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);

	kipsec_counters_sum(sa->stats, &sum);
	nest = nla_nest_start(skb, KIPSEC_SA_A_CURRENT);
	if (!nest ||
	    kipsec_lft_put(skb, KIPSEC_LFT_A_BYTES, sum.c[KIPSEC_STATS_A_BYTES]) ||
	    kipsec_lft_put(skb, KIPSEC_LFT_A_PACKETS, sum.c[KIPSEC_STATS_A_PACKETS]) ||
	    kipsec_lft_put(skb, KIPSEC_LFT_A_ADD_SECS, now - sa->add_time) ||
	    (used && kipsec_lft_put(skb, KIPSEC_LFT_A_USE_SECS, now - used)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Time limits of one SA; true while it has some left to watch. */
static bool kipsec_lft_check_time(struct kipsec_sa *sa, time64_t now)
{
	const struct kipsec_lifetime *l = &sa->lft;
	time64_t used = atomic64_read(&sa->use_time);
	u64 age = now - sa->add_time, use_age = used ? now - used : 0;

	if (!kipsec_lft_has_time(l) || test_bit(LFT_HARD, &sa->state))
		return false;
	if ((l->hard_add_secs && age >= l->hard_add_secs) ||
	    (l->hard_use_secs && used && use_age >= l->hard_use_secs)) {
		kipsec_lft_mark(sa, true);
		return false;
	}
	if ((l->soft_add_secs && age >= l->soft_add_secs) ||
	    (l->soft_use_secs && used && use_age >= l->soft_use_secs))
		kipsec_lft_mark(sa, false);
	return true;
}

/* Counters against limits set or lowered by ADD/UPDATE (no packet may come). */
static void kipsec_lft_check_counts(struct kipsec_sa *sa)
{
	const struct kipsec_lifetime *l = &sa->lft;
	struct kipsec_counters sum;
	u64 p, b;

	if (!sa->lft_stride)
		return;
	kipsec_counters_sum(sa->stats, &sum);
	p = sum.c[KIPSEC_STATS_A_PACKETS];
	b = sum.c[KIPSEC_STATS_A_BYTES];
	if ((l->hard_packets && p >= l->hard_packets) || (l->hard_bytes && b >= l->hard_bytes))
		kipsec_lft_mark(sa, true);
	else if ((l->soft_packets && p >= l->soft_packets) ||
		 (l->soft_bytes && b >= l->soft_bytes))
		kipsec_lft_mark(sa, false);
}

static void kipsec_lft_work(struct work_struct *work)
{
	struct kipsec_net *kn = container_of(to_delayed_work(work), struct kipsec_net,
					     lft_work);
	struct net *net = kn->lft_net;
	time64_t now = kipsec_lft_now();
	struct hlist_node *tmp;
	struct kipsec_sa *sa;
	bool timed = false;
	unsigned int i;

	mutex_lock(&kn->lock);
	for (i = 0; i < ARRAY_SIZE(kn->sa_by_spi); i++) {
		hlist_for_each_entry_safe(sa, tmp, &kn->sa_by_spi[i], by_spi) {
			kipsec_lft_check_counts(sa);
			if (kipsec_lft_check_time(sa, now))
				timed = true;
			if (test_and_clear_bit(LFT_SOFT_EVENT, &sa->state) &&
			    !test_bit(LFT_HARD, &sa->state))
				kipsec_nl_expire(sa, false);
			if (test_and_clear_bit(LFT_HARD_EVENT, &sa->state)) {
				kipsec_nl_expire(sa, true);
				kipsec_sad_unlink(net, sa);
			}
		}
	}
	/* Re-armed only while a time limit is pending; packets kick it otherwise. */
	if (timed)
		schedule_delayed_work(&kn->lft_work, HZ);
	mutex_unlock(&kn->lock);
}

void kipsec_lft_net_init(struct net *net)
{
	struct kipsec_net *kn = kipsec_pernet(net);

	kn->lft_net = net;
	INIT_DELAYED_WORK(&kn->lft_work, kipsec_lft_work);
}

/*
 * After every SA of the namespace is freed: nothing can queue the work
 * again (only SAs do), so this is the last of it.
 */
void kipsec_lft_net_exit(struct net *net)
{
	cancel_delayed_work_sync(&kipsec_pernet(net)->lft_work);
}
