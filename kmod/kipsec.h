/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipsec internal interfaces. Ownership of the pieces:
 *   main.c     module init/exit, per-netns state
 *   netlink.c  the generic netlink family (uapi/linux/kipsec.h)
 *   sad.c      SA database: lifetime, hash tables, lookups
 *   spd.c      policy database: selectors, ordered lookup
 *   algs.c     IANA transform ids -> crypto API, key setup
 *   replay.c   anti-replay window
 *   flow.c     packet -> flow key (shared by both directions)
 *   esp.c      ESP encapsulation / decapsulation on the crypto API
 *   output.c   outbound netfilter hooks
 *   input.c    inbound netfilter hooks, re-injection, inbound policy check
 *   ah.c       AH (RFC 4302)
 *   bundle.c   outbound AH and bundles of several transforms
 *   encap.c    ESP in UDP (RFC 3948)
 *   lifetime.c SA limits and EXPIRE events
 *   acquire.c  ACQUIRE events and packets held for an SA
 */
#ifndef _KIPSEC_H
#define _KIPSEC_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/time64.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "../uapi/linux/kipsec.h"
#include "compat.h"

union kipsec_addr {
	__be32 a4;
	struct in6_addr a6;
};

/* Per-CPU counters, indexed by enum kipsec_stats_attr. */
struct kipsec_counters {
	u64 c[__KIPSEC_STATS_A_MAX];
};

static inline void kipsec_count(struct kipsec_counters __percpu *ctr,
				enum kipsec_stats_attr idx)
{
	this_cpu_inc(ctr->c[idx]);
}

static inline void kipsec_count_add(struct kipsec_counters __percpu *ctr,
				    enum kipsec_stats_attr idx, u64 n)
{
	this_cpu_add(ctr->c[idx], n);
}

/* Sum of all CPUs' counters into out (which is zeroed first). */
void kipsec_counters_sum(struct kipsec_counters __percpu *ctr,
			 struct kipsec_counters *out);

/* ---------------------------------------------------------------- SA */

struct kipsec_replay {
	spinlock_t lock;
	u32 window;		/* packets, 0 = off */
	u64 top;		/* highest sequence number accepted */
	unsigned long *bitmap;	/* window bits, bit (seq % window_bits) */
	u32 bits;		/* bitmap size, power of two >= window */
};

struct kipsec_alg;

/* SA limits (uapi enum kipsec_lft_attr), 0 = none. Seconds for the times. */
struct kipsec_lifetime {
	u64 soft_bytes, hard_bytes;
	u64 soft_packets, hard_packets;
	u64 soft_add_secs, hard_add_secs;
	u64 soft_use_secs, hard_use_secs;
};

/* Parsed, validated SA attributes as handed from netlink.c to sad.c. */
struct kipsec_sa_cfg {
	u32 spi;
	u8 proto;
	u8 mode;
	u16 family;			/* AF_INET / AF_INET6 of SRC/DST */
	union kipsec_addr saddr, daddr;
	u32 reqid;
	u32 flags;
	u32 replay_window;
	u16 enc_alg, integ_alg;		/* 0 = absent */
	u16 enc_key_bits;		/* 0 = derive from key length */
	const u8 *enc_key;
	unsigned int enc_key_len;
	const u8 *integ_key;
	unsigned int integ_key_len;
	u64 seq_out;
	u64 seq_in;			/* KIPSEC_SA_A_SEQ_IN on ADD */
	u8 encap_type;			/* enum kipsec_encap */
	u16 encap_sport, encap_dport;	/* host order */
	bool has_encap_oa;
	union kipsec_addr encap_oa;
	bool has_lifetime;
	struct kipsec_lifetime lft;
};

struct kipsec_sa {
	struct hlist_node by_spi;	/* kipsec_net.sa_by_spi, key (dst, spi, proto) */
	struct hlist_node by_dst;	/* kipsec_net.sa_by_dst, key (dst, src, proto) */
	struct rcu_head rcu;
	struct llist_node free_node;	/* sad.c: queued for freeing in process context */
	refcount_t ref;
	struct net *net;		/* not counted: the SA dies before its netns */
	bool dead;			/* unlinked; no new packets may use it */

	u32 spi;
	u8 proto;
	u8 mode;
	u16 family;
	union kipsec_addr saddr, daddr;
	u32 reqid;
	u32 flags;
	u64 generation;			/* higher = added later; newest wins outbound */

	/* crypto, set up by kipsec_sa_crypto_init() */
	const struct kipsec_alg *alg;
	struct crypto_aead *aead;
	struct crypto_ahash *ahash;	/* AH */
	u16 enc_alg, integ_alg;
	u16 enc_key_bits;
	u8 icv_len;
	u8 iv_len;
	u8 block_size;			/* ESP padding alignment, >= 4 */

	atomic64_t seq_out;		/* last sequence number sent */
	struct kipsec_replay replay;

	/* NAT traversal (RFC 3948) */
	u8 encap_type;			/* enum kipsec_encap */
	__be16 encap_sport, encap_dport;
	bool has_encap_oa;
	union kipsec_addr encap_oa;

	/* lifetimes (lifetime.c) */
	struct kipsec_lifetime lft;
	time64_t add_time;		/* ktime_get_boottime_seconds() at ADD */
	atomic64_t use_time;		/* same clock, first packet; 0 = unused */
	unsigned long state;		/* KIPSEC_SA_S_* bits, set_bit() */
	u32 lft_stride;			/* 0 = no byte/packet limit; else check every n-th packet per CPU */

	struct kipsec_counters __percpu *stats;
};

/* Take / drop a reference; the last put frees the SA after an RCU grace period. */
static inline void kipsec_sa_hold(struct kipsec_sa *sa)
{
	refcount_inc(&sa->ref);
}

void kipsec_sa_put(struct kipsec_sa *sa);

/*
 * Inbound lookup by (dst, spi, proto). RCU read side; returns the SA with a
 * reference taken, or NULL.
 */
struct kipsec_sa *kipsec_sad_lookup_in(struct net *net, u16 family,
				       const union kipsec_addr *daddr,
				       u32 spi, u8 proto);

struct kipsec_tmpl;
struct kipsec_flow;

/*
 * Outbound: the newest live SA satisfying the template for this flow, with a
 * reference taken, or NULL. RCU read side.
 */
struct kipsec_sa *kipsec_sad_lookup_out(struct net *net,
					const struct kipsec_tmpl *tmpl,
					const struct kipsec_flow *fl);

/* Does this SA satisfy this template (for the given flow)? */
bool kipsec_tmpl_match_sa(const struct kipsec_tmpl *tmpl,
			  const struct kipsec_sa *sa,
			  const struct kipsec_flow *fl);

/* Control plane (netlink.c -> sad.c), called with kipsec_net.lock held. */
int kipsec_sad_add(struct net *net, const struct kipsec_sa_cfg *cfg,
		   bool replace, struct netlink_ext_ack *extack);
struct kipsec_sa *kipsec_sad_find(struct net *net, u16 family,
				  const union kipsec_addr *daddr,
				  u32 spi, u8 proto);
void kipsec_sad_unlink(struct net *net, struct kipsec_sa *sa);
void kipsec_sad_flush(struct net *net, u8 proto);	/* proto 0 = all */
/* SA_UPDATE: resize the replay window of a live SA, keeping what it has seen. */
int kipsec_sa_set_replay_window(struct kipsec_sa *sa, u32 window);

/*
 * lifetime.c: the SA reached a soft or hard limit (hard: sequence numbers
 * exhausted too). Sends EXPIRE once per kind; hard also removes the SA.
 * Safe from the packet path.
 */
void kipsec_sa_expire(struct kipsec_sa *sa, bool hard);

/* lifetime.c: limits from the request (ADD, UPDATE), under kipsec_net.lock. */
void kipsec_lft_init(struct kipsec_sa *sa, const struct kipsec_sa_cfg *cfg);
void kipsec_lft_set(struct net *net, struct kipsec_sa *sa,
		    const struct kipsec_lifetime *lft);
int kipsec_lft_parse(const struct nlattr *nest, struct kipsec_lifetime *lft,
		     struct netlink_ext_ack *extack);
/* LIFETIME, CURRENT and FLAGS_STATE of a reply. */
int kipsec_lft_fill(struct sk_buff *skb, struct kipsec_sa *sa);
/* Per-netns timer for the time limits (main.c). */
void kipsec_lft_net_init(struct net *net);
void kipsec_lft_net_exit(struct net *net);

void kipsec_lft_count_slow(struct kipsec_sa *sa);

/*
 * A packet went through the SA (after its counters moved): note the first
 * use, and check byte/packet limits if any are set. Cheap when none is.
 */
static inline void kipsec_lft_count(struct kipsec_sa *sa)
{
	if (unlikely(!atomic64_read(&sa->use_time) || READ_ONCE(sa->lft_stride)))
		kipsec_lft_count_slow(sa);
}

/* Past a hard limit: the SA takes no more packets (DROP_EXPIRED) until removed. */
static inline bool kipsec_sa_hard_expired(const struct kipsec_sa *sa)
{
	return test_bit(1, &sa->state);	/* KIPSEC_SA_S_HARD_EXPIRED */
}

/* SA_UPDATE NEW_SRC / NEW_DST (sad.c), under kipsec_net.lock. */
int kipsec_sad_move(struct net *net, struct kipsec_sa *sa,
		    const union kipsec_addr *saddr, const union kipsec_addr *daddr,
		    struct netlink_ext_ack *extack);

/* netlink.c: EXPIRE event on the "events" group (process context). */
void kipsec_nl_expire(struct kipsec_sa *sa, bool hard);

/* Wait until every SA ever created has been freed (module exit). */
void kipsec_sad_wait_empty(void);

/* crypto for one SA (algs.c) */
int kipsec_sa_crypto_init(struct kipsec_sa *sa, const struct kipsec_sa_cfg *cfg,
			  struct netlink_ext_ack *extack);
void kipsec_sa_crypto_destroy(struct kipsec_sa *sa);

/* anti-replay (replay.c). Check before the ICV, advance only after it. */
int kipsec_replay_init(struct kipsec_replay *rp, u32 window);
void kipsec_replay_destroy(struct kipsec_replay *rp);
bool kipsec_replay_check(struct kipsec_replay *rp, u64 seq);
bool kipsec_replay_advance(struct kipsec_replay *rp, u64 seq);
/* Full inbound sequence number from the 32 bits on the wire (ESN: inferred). */
u64 kipsec_replay_seq(struct kipsec_sa *sa, u32 seql);
/* Next outbound sequence number, or -EOVERFLOW (counted by the caller). */
int kipsec_seq_out_next(struct kipsec_sa *sa, u64 *seq);
/* SEQ_IN on ADD: a fresh SA expects numbers above seq. */
void kipsec_replay_set_top(struct kipsec_replay *rp, u64 seq);
void kipsec_replay_bitmap(const struct kipsec_replay *rp, u32 *words,
			  unsigned int nwords);

/* ------------------------------------------------------------ policy */

struct kipsec_sel {
	u16 family;			/* 0 = both */
	union kipsec_addr saddr, daddr;
	u8 splen, dplen;
	u8 proto;			/* 0 = any */
	u16 sport_min, sport_max;
	u16 dport_min, dport_max;
};

struct kipsec_acq_queue;

struct kipsec_tmpl {
	u8 proto;
	u8 mode;
	bool optional;
	u16 family;			/* of saddr/daddr, tunnel mode only */
	union kipsec_addr saddr, daddr;
	u32 reqid;
	u32 spi;			/* 0 = any */
};

struct kipsec_policy {
	struct list_head list;		/* kipsec_net.policies[dir], by priority */
	struct rcu_head rcu;
	u32 id;
	u8 dir;
	u8 action;
	u32 priority;
	struct kipsec_sel sel;
	u8 ntmpl;
	struct kipsec_tmpl tmpl[KIPSEC_TMPLS_MAX];
	struct kipsec_counters __percpu *stats;
	struct kipsec_acq_queue *acq;	/* acquire.c: held packets, ACQUIRE rate limit */
};

/* What the SPD matches on, extracted from a packet by flow.c. */
struct kipsec_flow {
	u16 family;
	union kipsec_addr saddr, daddr;
	u8 proto;
	u16 sport, dport;		/* host order; ICMP: type, code */
};

/*
 * First policy (lowest priority value) of direction dir matching the flow.
 * RCU read side; the policy stays valid until rcu_read_unlock().
 */
struct kipsec_policy *kipsec_spd_lookup(struct net *net, u8 dir,
					const struct kipsec_flow *fl);
bool kipsec_sel_match(const struct kipsec_sel *sel, const struct kipsec_flow *fl);

/* Control plane, with kipsec_net.lock held. */
int kipsec_spd_insert(struct net *net, struct kipsec_policy *pol, bool replace,
		      struct netlink_ext_ack *extack);
void kipsec_spd_remove(struct net *net, struct kipsec_policy *pol);
void kipsec_spd_flush(struct net *net, int dir);	/* -1 = all */

/* flow.c: fill fl from the IP header at skb_network_header(). */
int kipsec_flow_from_skb(const struct sk_buff *skb, struct kipsec_flow *fl);

/* ---------------------------------------------------------- per netns */

#define KIPSEC_SA_HASH_BITS	10
#define KIPSEC_ENCAP_HASH_BITS	4

struct kipsec_net {
	struct mutex lock;		/* serializes control-plane changes */
	struct hlist_head sa_by_spi[1 << KIPSEC_SA_HASH_BITS];
	struct hlist_head sa_by_dst[1 << KIPSEC_SA_HASH_BITS];
	unsigned int sa_count;
	atomic_t sa_alive;		/* SAs not yet freed; netns exit waits for 0 */
	u64 sa_generation;
	struct list_head policies[3];	/* per enum kipsec_dir */
	unsigned int policy_count[3];	/* read locklessly by the datapath */
	u32 next_policy_id;
	struct kipsec_counters __percpu *stats;
	bool hooks_registered;
	/* encap.c: (DST, ENCAP_DPORT) of the UDP-encapsulated SAs */
	struct hlist_head encap_ports[1 << KIPSEC_ENCAP_HASH_BITS];
	unsigned int encap_count;	/* entries; read locklessly by the datapath */
	/* lifetime.c: time limits and deferred EXPIRE events */
	struct delayed_work lft_work;
	struct net *lft_net;
};

struct kipsec_net *kipsec_pernet(struct net *net);

/* Count a drop against the namespace and, if given, the SA. */
static inline void kipsec_drop_count(struct net *net, struct kipsec_sa *sa,
				     enum kipsec_stats_attr reason)
{
	kipsec_count(kipsec_pernet(net)->stats, reason);
	if (sa)
		kipsec_count(sa->stats, reason);
}

/*
 * encap.c: ESP in UDP (RFC 3948). Control plane with kipsec_net.lock held:
 * an SA is linked (its DST and ENCAP_DPORT become a port kipsec takes) when
 * it enters the SAD and unlinked when it leaves; whoever changes the DST of
 * a linked SA must unlink it before and link it after.
 */
void kipsec_encap_sa_init(struct kipsec_sa *sa, const struct kipsec_sa_cfg *cfg);
int kipsec_encap_sa_link(struct net *net, struct kipsec_sa *sa);
void kipsec_encap_sa_unlink(struct net *net, struct kipsec_sa *sa);
int kipsec_encap_sa_move(struct net *net, struct kipsec_sa *sa,
			 const union kipsec_addr *daddr);
int kipsec_encap_nl_parse(struct nlattr **tb, struct kipsec_sa_cfg *cfg,
			  struct netlink_ext_ack *extack);
int kipsec_encap_nl_update(struct net *net, struct kipsec_sa *sa,
			   struct nlattr **tb, struct netlink_ext_ack *extack);
int kipsec_encap_nl_fill(struct sk_buff *skb, const struct kipsec_sa *sa);

/* netlink.c */
int kipsec_netlink_init(void);
void kipsec_netlink_exit(void);
/* Multicast an ACQUIRE for pol and fl (tmpl: first template without SA). Atomic. */
void kipsec_nl_acquire(struct net *net, const struct kipsec_policy *pol,
		       const struct kipsec_flow *fl, unsigned int tmpl);

/*
 * acquire.c: packets held for a missing SA, ACQUIRE events. init allocates
 * the queue of an outbound protect policy before it is published; shutdown
 * (process context, after unlinking) drops what it holds; free (RCU
 * callback) releases it. kipsec_acquire() (packet path) returns true when
 * it took the skb (held, dropped and counted, or sent). kipsec_acq_flush()
 * (kipsec_net.lock held) sends the packets that have their SAs now.
 */
int kipsec_acq_init(struct net *net, struct kipsec_policy *pol);
void kipsec_acq_shutdown(struct kipsec_policy *pol);
void kipsec_acq_free(struct kipsec_policy *pol);
bool kipsec_acquire(struct net *net, struct kipsec_policy *pol,
		    struct sk_buff *skb, const struct kipsec_flow *fl);
void kipsec_acq_flush(struct net *net);

/* output.c / input.c: per-netns netfilter hooks */
int kipsec_hooks_register(struct net *net);
void kipsec_hooks_unregister(struct net *net);
int kipsec_datapath_init(void);		/* module-wide setup (per-CPU state, caches) */
void kipsec_datapath_exit(void);
void kipsec_ct_unbind(void);		/* conntrack.c: drop the nf_conntrack binding */

#endif /* _KIPSEC_H */
