// SPDX-License-Identifier: GPL-2.0
/* Dead peer detection; see dpd.h. */
#include "dpd.h"
#include "ikev2_exch.h"
#include "ikev2_sa.h"
#include "kernel.h"
#include "log.h"
#include "trap.h"

#include <event2/event.h>

static void arm(struct ike_sa *sa, uint64_t secs)
{
	struct timeval tv = { .tv_sec = (time_t)(secs ? secs : 1) };

	evtimer_add(sa->dpd_timer, &tv);
}

void dpd_dead(struct ike_sa *sa)
{
	const struct conf_conn *conn = sa->conn;
	static const char *const actions[] = { "clear", "restart", "trap" };

	log_warn("%s: peer dead: no answer to the liveness check for %llu s (DPD), action %s", conn->name,
		 (unsigned long long)(ike_sa_now() - sa->dpd_sent_at), actions[conn->dpd_action]);
	ikev2_sa_drop(sa, "peer dead (DPD)");
	if (conn->dpd_action == CONF_DPD_RESTART)
		ikev2_initiate(conn);
	else if (conn->dpd_action == CONF_DPD_TRAP)
		trap_install(conn);
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
	struct ike_sa *sa = arg;
	const struct conf_conn *conn = sa->conn;
	uint64_t now = ike_sa_now(), idle;
	struct kernel_sa_stats st;

	(void)fd;
	(void)what;
	if (sa->state != IKE_ESTABLISHED) {
		arm(sa, conn->dpd_delay);
		return;
	}
	if (sa->dpd_sent_at) {
		/* ikev2_sa.c retransmits; we only watch the clock */
		if (now - sa->dpd_sent_at >= conn->dpd_timeout) {
			dpd_dead(sa);	/* frees sa */
			return;
		}
		arm(sa, 1);
		return;
	}
	/* ESP from the peer proves it alive as well as IKE does */
	if (sa->child.installed && !kernel_sa_stats(&sa->local, sa->child.spi_in, &st) &&
	    st.packets != sa->dpd_esp_in) {
		sa->dpd_esp_in = st.packets;
		sa->dpd_last_rx = now;
	}
	idle = now - sa->dpd_last_rx;
	if (idle < conn->dpd_delay) {
		arm(sa, conn->dpd_delay - idle);
		return;
	}
	/* an exchange of ours is already outstanding: it serves as the probe */
	if (!sa->req_pending && ikev2_send_liveness(sa)) {
		arm(sa, 1);
		return;
	}
	log_debug("%s: no traffic from the peer for %llu s, liveness check", conn->name,
		  (unsigned long long)idle);
	sa->dpd_sent_at = now;
	arm(sa, 1);
}

int dpd_start(struct event_base *base, struct ike_sa *sa)
{
	if (!sa->conn->dpd_delay)
		return 0;
	sa->dpd_timer = evtimer_new(base, tick, sa);
	if (!sa->dpd_timer)
		return -1;
	sa->dpd_last_rx = ike_sa_now();
	arm(sa, sa->conn->dpd_delay);
	return 0;
}

void dpd_stop(struct ike_sa *sa)
{
	if (sa->dpd_timer)
		event_free(sa->dpd_timer);
	sa->dpd_timer = NULL;
}

void dpd_seen(struct ike_sa *sa)
{
	sa->dpd_last_rx = ike_sa_now();
	sa->dpd_sent_at = 0;
}
