// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: ACQUIRE events and the packets held while an SA is negotiated.
 *
 * An outbound packet that matches a protect policy for which no usable SA
 * exists yet is not dropped at once: it is held in a small queue of that
 * policy, and the "events" multicast group hears an ACQUIRE so that a key
 * daemon can negotiate the SA. Limits (also in the uapi and README):
 *
 *   - at most KIPSEC_ACQ_QLEN (16) packets held per policy; a packet beyond
 *     that is dropped and counted as DROP_ACQUIRE;
 *   - each packet is held at most KIPSEC_ACQ_HOLD (10 s); then it is dropped
 *     and counted as DROP_ACQUIRE;
 *   - at most one ACQUIRE per policy per KIPSEC_ACQ_INTERVAL (1 s), however
 *     many packets or flows are waiting (counted as ACQUIRES).
 *
 * When an SA is added, every held packet whose templates are all satisfied
 * now is sent again through dst_output(): it passes POST_ROUTING and this
 * module's output hook like any other packet, so it leaves encrypted or not
 * at all (QUEUED counts it). Held packets never leave in clear: deleting or
 * replacing the policy, namespace exit and rmmod drop them (DROP_ACQUIRE).
 */
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <net/dst.h>

#include "kipsec.h"

#define KIPSEC_ACQ_QLEN		16
#define KIPSEC_ACQ_HOLD		(10 * HZ)
#define KIPSEC_ACQ_INTERVAL	HZ

struct kipsec_acq_held {
	struct sk_buff *skb;
	unsigned long expires;		/* jiffies */
};

struct kipsec_acq_queue {
	spinlock_t lock;		/* everything below */
	bool dead;			/* policy going away: hold nothing more */
	bool event_sent;		/* last_event is valid */
	unsigned long last_event;	/* jiffies of the last ACQUIRE */
	unsigned int len;
	struct timer_list timer;	/* drops the packets that waited too long */
	struct net *net;
	struct kipsec_policy *pol;	/* outlives the timer: see kipsec_acq_shutdown() */
	/* In arrival order, so held[0] expires first. */
	struct kipsec_acq_held held[KIPSEC_ACQ_QLEN];
};

static void kipsec_acq_count_drop(struct kipsec_acq_queue *q)
{
	kipsec_count(q->pol->stats, KIPSEC_STATS_A_DROP_ACQUIRE);
	kipsec_drop_count(q->net, NULL, KIPSEC_STATS_A_DROP_ACQUIRE);
}

/*
 * Index of the first template of pol without a usable SA for fl, or
 * pol->ntmpl when all have one. RCU read side.
 */
static unsigned int kipsec_acq_missing(struct net *net,
				       const struct kipsec_policy *pol,
				       const struct kipsec_flow *fl)
{
	struct kipsec_sa *sa;
	unsigned int i;

	for (i = 0; i < pol->ntmpl; i++) {
		sa = kipsec_sad_lookup_out(net, &pol->tmpl[i], fl);
		if (!sa)
			break;
		kipsec_sa_put(sa);
	}
	return i;
}

/* Remove entry i, keeping the others in order. Caller holds q->lock. */
static struct sk_buff *kipsec_acq_take(struct kipsec_acq_queue *q, unsigned int i)
{
	struct sk_buff *skb = q->held[i].skb;

	q->len--;
	memmove(&q->held[i], &q->held[i + 1], (q->len - i) * sizeof(q->held[0]));
	q->held[q->len].skb = NULL;
	return skb;
}

static void kipsec_acq_timeout(struct timer_list *t)
{
	struct kipsec_acq_queue *q = from_timer(q, t, timer);
	struct sk_buff_head drop;
	struct sk_buff *skb;

	__skb_queue_head_init(&drop);
	spin_lock_bh(&q->lock);
	while (q->len && time_after_eq(jiffies, q->held[0].expires))
		__skb_queue_tail(&drop, kipsec_acq_take(q, 0));
	if (q->len && !q->dead)
		mod_timer(&q->timer, q->held[0].expires);
	spin_unlock_bh(&q->lock);

	while ((skb = __skb_dequeue(&drop))) {
		kipsec_acq_count_drop(q);
		kfree_skb(skb);
	}
}

int kipsec_acq_init(struct net *net, struct kipsec_policy *pol)
{
	struct kipsec_acq_queue *q;

	if (pol->dir != KIPSEC_DIR_OUT || pol->action != KIPSEC_ACTION_PROTECT)
		return 0;
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	spin_lock_init(&q->lock);
	timer_setup(&q->timer, kipsec_acq_timeout, 0);
	q->net = net;
	q->pol = pol;
	pol->acq = q;
	return 0;
}

void kipsec_acq_shutdown(struct kipsec_policy *pol)
{
	struct kipsec_acq_queue *q = pol->acq;
	struct sk_buff_head drop;
	struct sk_buff *skb;

	if (!q)
		return;
	__skb_queue_head_init(&drop);
	spin_lock_bh(&q->lock);
	q->dead = true;
	while (q->len)
		__skb_queue_tail(&drop, kipsec_acq_take(q, 0));
	spin_unlock_bh(&q->lock);
	/* dead: the timer does not re-arm itself, nobody else arms it. */
	timer_delete_sync(&q->timer);

	while ((skb = __skb_dequeue(&drop))) {
		kipsec_acq_count_drop(q);
		kfree_skb(skb);
	}
}

void kipsec_acq_free(struct kipsec_policy *pol)
{
	kfree(pol->acq);
	pol->acq = NULL;
}

/* Hand a held packet back to the output path (POST_ROUTING runs again). */
static void kipsec_acq_resend(struct net *net, struct sk_buff *skb)
{
	dst_output(net, skb->sk, skb);
}

bool kipsec_acquire(struct net *net, struct kipsec_policy *pol,
		    struct sk_buff *skb, const struct kipsec_flow *fl)
{
	struct kipsec_acq_queue *q = pol->acq;
	bool event = false, resolved = false, full = false;
	unsigned int missing;

	/* Nothing to wait for without templates: the caller drops it. */
	if (!q || !pol->ntmpl)
		return false;

	spin_lock_bh(&q->lock);
	if (q->dead) {
		spin_unlock_bh(&q->lock);
		return false;
	}
	/*
	 * Looked up again under the lock: an SA added after the caller's
	 * lookup either is visible here, or kipsec_acq_flush() takes this
	 * lock after us and finds the packet in the queue.
	 */
	missing = kipsec_acq_missing(net, pol, fl);
	if (missing >= pol->ntmpl) {
		resolved = true;
	} else if (q->len >= KIPSEC_ACQ_QLEN) {
		full = true;
	} else {
		if (!q->len)
			mod_timer(&q->timer, jiffies + KIPSEC_ACQ_HOLD);
		q->held[q->len].skb = skb;
		q->held[q->len].expires = jiffies + KIPSEC_ACQ_HOLD;
		q->len++;
	}
	if (!resolved && (!q->event_sent ||
			  time_after_eq(jiffies, q->last_event + KIPSEC_ACQ_INTERVAL))) {
		q->event_sent = true;
		q->last_event = jiffies;
		event = true;
	}
	spin_unlock_bh(&q->lock);

	if (event) {
		kipsec_count(pol->stats, KIPSEC_STATS_A_ACQUIRES);
		kipsec_count(kipsec_pernet(net)->stats, KIPSEC_STATS_A_ACQUIRES);
		kipsec_nl_acquire(net, pol, fl, missing);
	}
	if (resolved) {
		kipsec_acq_resend(net, skb);
	} else if (full) {
		kipsec_acq_count_drop(q);
		kfree_skb(skb);
	}
	return true;
}

/* Send the held packets of pol that have all their SAs now. */
static void kipsec_acq_flush_policy(struct net *net, struct kipsec_policy *pol)
{
	struct kipsec_acq_queue *q = pol->acq;
	struct sk_buff_head send;
	struct kipsec_flow fl;
	struct sk_buff *skb;
	unsigned int i;

	__skb_queue_head_init(&send);
	spin_lock_bh(&q->lock);
	for (i = 0; i < q->len;) {
		skb = q->held[i].skb;
		if (kipsec_flow_from_skb(skb, &fl) ||
		    kipsec_acq_missing(net, pol, &fl) < pol->ntmpl) {
			i++;
			continue;
		}
		__skb_queue_tail(&send, kipsec_acq_take(q, i));
	}
	spin_unlock_bh(&q->lock);

	while ((skb = __skb_dequeue(&send))) {
		kipsec_count(pol->stats, KIPSEC_STATS_A_QUEUED);
		kipsec_count(kipsec_pernet(net)->stats, KIPSEC_STATS_A_QUEUED);
		/* As on the packet path: BH off, under RCU. */
		local_bh_disable();
		kipsec_acq_resend(net, skb);
		local_bh_enable();
	}
}

void kipsec_acq_flush(struct net *net)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	struct kipsec_policy *pol;

	lockdep_assert_held(&kn->lock);
	rcu_read_lock();
	list_for_each_entry(pol, &kn->policies[KIPSEC_DIR_OUT], list)
		if (pol->acq && READ_ONCE(pol->acq->len))
			kipsec_acq_flush_policy(net, pol);
	rcu_read_unlock();
}
