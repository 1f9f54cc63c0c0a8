// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: module init/exit and the per network namespace state.
 *
 * Every namespace gets its own SA hash tables, policy lists, counters and
 * control-plane mutex (struct kipsec_net, via net_generic). Nothing is
 * shared between namespaces except the module-wide datapath setup.
 */
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/wait_bit.h>
#include <net/genetlink.h>
#include <net/netns/generic.h>

#include "kipsec.h"

static unsigned int kipsec_net_id __read_mostly;

struct kipsec_net *kipsec_pernet(struct net *net)
{
	return net_generic(net, kipsec_net_id);
}

void kipsec_counters_sum(struct kipsec_counters __percpu *ctr,
			 struct kipsec_counters *out)
{
	unsigned int i;
	int cpu;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(cpu) {
		const struct kipsec_counters *c = per_cpu_ptr(ctr, cpu);

		/* 64-bit loads are single instructions on the 64-bit targets we build for. */
		for (i = 0; i < ARRAY_SIZE(out->c); i++)
			out->c[i] += READ_ONCE(c->c[i]);
	}
}

static int __net_init kipsec_net_init(struct net *net)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	unsigned int i;
	int err;

	mutex_init(&kn->lock);
	for (i = 0; i < ARRAY_SIZE(kn->sa_by_spi); i++) {
		INIT_HLIST_HEAD(&kn->sa_by_spi[i]);
		INIT_HLIST_HEAD(&kn->sa_by_dst[i]);
	}
	for (i = 0; i < ARRAY_SIZE(kn->policies); i++) {
		INIT_LIST_HEAD(&kn->policies[i]);
		kn->policy_count[i] = 0;
	}
	kn->sa_count = 0;
	kn->sa_generation = 0;
	atomic_set(&kn->sa_alive, 0);
	kn->next_policy_id = 1;
	kn->hooks_registered = false;
	kipsec_lft_net_init(net);

	kn->stats = alloc_percpu(struct kipsec_counters);
	if (!kn->stats)
		return -ENOMEM;

	err = kipsec_hooks_register(net);
	if (err) {
		free_percpu(kn->stats);
		kn->stats = NULL;
	}
	return err;
}

static void __net_exit kipsec_net_exit(struct net *net)
{
	struct kipsec_net *kn = kipsec_pernet(net);

	/* No new packets reach kipsec after this (it waits for the hooks' readers). */
	kipsec_hooks_unregister(net);

	mutex_lock(&kn->lock);
	kipsec_spd_flush(net, -1);
	kipsec_sad_flush(net, 0);
	mutex_unlock(&kn->lock);

	/*
	 * Packets still in asynchronous crypto hold SA references and count
	 * into kn->stats when they finish: kn must outlive every SA of this
	 * namespace. Freeing an SA is the last thing that touches kn.
	 */
	wait_var_event(&kn->sa_alive, !atomic_read(&kn->sa_alive));
	kipsec_lft_net_exit(net);

	/* Policy frees are RCU callbacks that read nothing of kn; stats are ours. */
	free_percpu(kn->stats);
	kn->stats = NULL;
}

static struct pernet_operations kipsec_net_ops = {
	.init = kipsec_net_init,
	.exit = kipsec_net_exit,
	.id = &kipsec_net_id,
	.size = sizeof(struct kipsec_net),
};

static int __init kipsec_init(void)
{
	int err;

	err = kipsec_datapath_init();
	if (err)
		return err;
	err = register_pernet_subsys(&kipsec_net_ops);
	if (err)
		goto err_datapath;
	/* Last: once the family exists, requests can arrive in any namespace. */
	err = kipsec_netlink_init();
	if (err)
		goto err_pernet;
	return 0;

err_pernet:
	unregister_pernet_subsys(&kipsec_net_ops);
	kipsec_sad_wait_empty();
	rcu_barrier();
err_datapath:
	kipsec_datapath_exit();
	return err;
}

static void __exit kipsec_exit(void)
{
	kipsec_netlink_exit();
	unregister_pernet_subsys(&kipsec_net_ops);
	/* In-flight crypto may still hold SAs; their code and data live here. */
	kipsec_sad_wait_empty();
	/* Policy frees are call_rcu() callbacks into this module. */
	rcu_barrier();
	kipsec_datapath_exit();
	kipsec_ct_unbind();
}

module_init(kipsec_init);
module_exit(kipsec_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kipsec developers");
MODULE_DESCRIPTION("kipsec: IPsec ESP on netfilter hooks, configured over generic netlink");
MODULE_ALIAS_GENL_FAMILY(KIPSEC_GENL_NAME);
