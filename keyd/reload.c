// SPDX-License-Identifier: GPL-2.0
/* Configuration reload; see reload.h. */
#include "reload.h"
#include "cert.h"
#include "ikev2_exch.h"
#include "ikev2_sa.h"
#include "log.h"
#include "trap.h"

#include <string.h>

static const char *conf_path;
static struct keyd_conf *running;
static const char *level_override;
static bool syslog_on;

void reload_setup(const char *path, struct keyd_conf *live, const char *level_opt, bool to_syslog)
{
	conf_path = path;
	running = live;
	level_override = level_opt;
	syslog_on = to_syslog;
}

static const struct conf_conn *by_name(const struct keyd_conf *c, const char *name)
{
	for (size_t i = 0; i < c->nconns; i++)
		if (!strcmp(c->conns[i].name, name))
			return &c->conns[i];
	return NULL;
}

int reload_run(char *msg, size_t len)
{
	struct keyd_conf next, old;
	unsigned int kept = 0, removed = 0, changed = 0, added = 0;
	char err[512];
	int level = -1;
	struct ike_sa *sa, *nx;

	if (config_load_file(conf_path, &next, err, sizeof(err))) {
		snprintf(msg, len, "configuration not reloaded, the running one stays: %s", err);
		log_err("reload: %s", msg);
		return -1;
	}
	if (cert_conf_load(&next, err, sizeof(err))) {
		snprintf(msg, len, "configuration not reloaded, the running one stays: %s", err);
		log_err("reload: %s", msg);
		config_free(&next);
		return -1;
	}
	if (!level_override) {
		level = log_level_parse(next.log_level);
		if (level < 0) {
			snprintf(msg, len, "configuration not reloaded, the running one stays: "
				 "unknown log level \"%s\"", next.log_level);
			log_err("reload: %s", msg);
			config_free(&next);
			return -1;
		}
	}
	if (next.port != running->port) {
		snprintf(msg, len, "configuration not reloaded, the running one stays: the IKE port "
			 "changed (%u -> %u), restart kipsec-keyd for that", running->port, next.port);
		log_err("reload: %s", msg);
		config_free(&next);
		return -1;
	}

	/* 1. SAs of removed or changed connections go (the old conf_conn is still valid) */
	for (sa = ike_sa_first(); sa; sa = nx) {
		const struct conf_conn *n = by_name(&next, sa->conn->name);

		nx = sa->next;
		if (n && config_conn_equal(sa->conn, n))
			continue;
		/* ikev2_sa_close frees sa only; nx stays valid */
		ikev2_sa_close(sa, n ? "connection changed by reload" : "connection removed by reload");
	}
	for (size_t i = 0; i < running->nconns; i++) {
		const struct conf_conn *o = &running->conns[i], *n = by_name(&next, o->name);

		if (!n) {
			removed++;
			trap_remove(o->name);
		} else if (!config_conn_equal(o, n)) {
			changed++;
			trap_remove(o->name);
		} else {
			kept++;
		}
	}
	/* 2. the kept SAs point at their connection in the new configuration */
	for (sa = ike_sa_first(); sa; sa = sa->next)
		sa->conn = by_name(&next, sa->conn->name);
	old = *running;
	*running = next;	/* ikev2.c keeps pointing at *running */
	/* 3. new and changed connections start as configured */
	for (size_t i = 0; i < running->nconns; i++) {
		const struct conf_conn *n = &running->conns[i], *o = by_name(&old, n->name);

		if (o && config_conn_equal(o, n))
			continue;
		if (!o)
			added++;
		if (n->start_action == CONF_START_START && !ike_sa_by_conn(n))
			ikev2_initiate(n);
		else if (n->start_action == CONF_START_TRAP)
			trap_install(n);
	}
	config_free(&old);
	if (level >= 0)
		log_init(level, syslog_on);
	snprintf(msg, len, "configuration reloaded: %u unchanged, %u changed, %u added, %u removed", kept,
		 changed, added, removed);
	log_info("reload: %s", msg);
	return 0;
}
