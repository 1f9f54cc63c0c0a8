// SPDX-License-Identifier: GPL-2.0
/*
 * Whether two loaded connections are the same (config.h): reload keeps the
 * SAs of an unchanged connection and restarts a changed one. Compared
 * field by field, never with memcmp over structures that have padding.
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool addr_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_addr.s_addr == y->sin_addr.s_addr && x->sin_port == y->sin_port;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) &&
		       x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id;
	}
	return true;	/* both AF_UNSPEC: %any */
}

static bool ts_eq(const struct ikev2_ts_list *a, const struct ikev2_ts_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct ikev2_ts *x = &a->ts[i], *y = &b->ts[i];

		if (x->type != y->type || x->proto != y->proto || x->sport != y->sport ||
		    x->eport != y->eport || memcmp(x->start, y->start, sizeof(x->start)) ||
		    memcmp(x->end, y->end, sizeof(x->end)))
			return false;
	}
	return true;
}

static bool sa_eq(const struct ikev2_sa *a, const struct ikev2_sa *b)
{
	if (a->nproposals != b->nproposals)
		return false;
	for (size_t i = 0; i < a->nproposals; i++) {
		const struct ikev2_proposal *x = &a->prop[i], *y = &b->prop[i];

		if (x->num != y->num || x->proto != y->proto || x->spi_size != y->spi_size ||
		    memcmp(x->spi, y->spi, x->spi_size) || x->ntransforms != y->ntransforms)
			return false;
		for (size_t j = 0; j < x->ntransforms; j++)
			if (x->xf[j].type != y->xf[j].type || x->xf[j].id != y->xf[j].id ||
			    x->xf[j].keylen != y->xf[j].keylen)
				return false;
	}
	return true;
}

static bool end_eq(const struct conf_end *a, const struct conf_end *b)
{
	return addr_eq(&a->addr, &b->addr) && a->id_type == b->id_type && a->id_len == b->id_len &&
	       !memcmp(a->id, b->id, a->id_len) && a->auth == b->auth && str_eq(a->cert, b->cert) &&
	       str_eq(a->key, b->key) && str_eq(a->cacert, b->cacert) && ts_eq(&a->ts, &b->ts);
}

bool config_conn_equal(const struct conf_conn *a, const struct conf_conn *b)
{
	return !strcmp(a->name, b->name) && end_eq(&a->local, &b->local) &&
	       end_eq(&a->remote, &b->remote) && a->psk_len == b->psk_len &&
	       (!a->psk_len || !memcmp(a->psk, b->psk, a->psk_len)) && sa_eq(&a->ike, &b->ike) &&
	       sa_eq(&a->esp, &b->esp) && a->mode == b->mode && a->reqid == b->reqid &&
	       a->ike_lifetime == b->ike_lifetime && a->child_lifetime == b->child_lifetime &&
	       a->rekey_margin == b->rekey_margin && a->replay_window == b->replay_window &&
	       a->start_action == b->start_action && a->dpd_delay == b->dpd_delay &&
	       a->dpd_timeout == b->dpd_timeout && a->dpd_action == b->dpd_action;
}
