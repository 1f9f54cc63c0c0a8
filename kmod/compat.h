/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipsec: the one place that knows which kernel it is built for. Supported:
 * 6.1 .. 6.12 (Debian 12 and its backports). Everything else in the module
 * is version-independent and uses the wrappers below.
 */
#ifndef _KIPSEC_COMPAT_H
#define _KIPSEC_COMPAT_H

#include <linux/version.h>
#include <linux/crypto.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/printk.h>

/* 6.5 moved the GSO declarations out of netdevice.h. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

/*
 * Crypto completion callbacks: since 6.3 they receive the request's data
 * pointer, before that the request itself. KIPSEC_CRYPTO_DONE(name, fn)
 * defines a callback "name" that calls fn(void *data, int err).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define KIPSEC_CRYPTO_DONE(name, fn)					\
	static void name(void *data, int err)				\
	{								\
		fn(data, err);						\
	}
#else
#define KIPSEC_CRYPTO_DONE(name, fn)					\
	static void name(struct crypto_async_request *areq, int err)	\
	{								\
		fn(areq->data, err);					\
	}
#endif

/*
 * Formatted extended-ack messages exist since 6.2; older kernels get the
 * fixed text "plain" (the format arguments are still type-checked).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define KIPSEC_ERR_FMT(extack, plain, fmt, ...)				\
	NL_SET_ERR_MSG_FMT_MOD(extack, fmt, ##__VA_ARGS__)
#else
#define KIPSEC_ERR_FMT(extack, plain, fmt, ...)				\
	do {								\
		NL_SET_ERR_MSG_MOD(extack, plain);			\
		no_printk(fmt, ##__VA_ARGS__);				\
	} while (0)
#endif

#endif /* _KIPSEC_COMPAT_H */
