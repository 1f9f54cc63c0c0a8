// SPDX-License-Identifier: GPL-2.0
/*
 * trap.c against stubs of the kernel and the exchange code: the policies a
 * trap installs for a connection, and which ACQUIRE events (built as the
 * module sends them, uapi/linux/kipsec.h) start which connection.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <linux/kipsec.h>

#include "config.h"
#include "ikev2_exch.h"
#include "ikev2_sa.h"
#include "kernel.h"
#include "log.h"
#include "net.h"
#include "tap.h"
#include "trap.h"

/* ---------------------------------------------------------- stubs */

static struct keyd_conf conf;
static struct kernel_policy added[32];
static uint32_t next_id = 100, nadded, ndeleted;
static const struct conf_conn *initiated;
static unsigned int ninitiated;
static struct ike_sa fake_sa;
static bool has_sa;

int kernel_policy_add(const struct kernel_policy *p, uint32_t *id)
{
	if (nadded < 32)
		added[nadded] = *p;
	nadded++;
	*id = next_id++;
	return 0;
}

int kernel_policy_del(uint32_t id)
{
	(void)id;
	ndeleted++;
	return 0;
}

const struct conf_conn *ikev2_conn_by_name(const char *name)
{
	for (size_t i = 0; i < conf.nconns; i++)
		if (!strcmp(conf.conns[i].name, name))
			return &conf.conns[i];
	return NULL;
}

struct ike_sa *ike_sa_by_conn(const struct conf_conn *c)
{
	(void)c;
	return has_sa ? &fake_sa : NULL;
}

int ikev2_initiate(const struct conf_conn *c)
{
	initiated = c;
	ninitiated++;
	return 0;
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > LOG_INFO)
		return;
	printf("# log: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

const uint8_t *net_addr_bytes(const struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET) {
		*len = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
	}
	if (ss->ss_family == AF_INET6) {
		*len = 16;
		return (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
	return NULL;
}

/* ---------------------------------------------------------- helpers */

/* An event as the module multicasts it: ACQUIRE, policy id, packet details. */
static struct nl_msg *acquire(uint8_t cmd, bool with_id, uint32_t id, const char *src, const char *dst)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *n;
	uint8_t a[4];

	genlmsg_put(m, 0, 0, 0x20, 0, 0, cmd, KIPSEC_GENL_VERSION);
	n = nla_nest_start(m, KIPSEC_A_POLICY);
	if (with_id)
		nla_put_u32(m, KIPSEC_POL_A_ID, id);
	nla_put_u8(m, KIPSEC_POL_A_DIR, KIPSEC_DIR_OUT);
	nla_nest_end(m, n);
	n = nla_nest_start(m, KIPSEC_A_ACQUIRE);
	inet_pton(AF_INET, src, a);
	nla_put(m, KIPSEC_ACQ_A_SRC, 4, a);
	inet_pton(AF_INET, dst, a);
	nla_put(m, KIPSEC_ACQ_A_DST, 4, a);
	nla_put_u8(m, KIPSEC_ACQ_A_PROTO, IPPROTO_ICMP);
	nla_put_u8(m, KIPSEC_ACQ_A_TMPL, 0);
	nla_nest_end(m, n);
	return m;
}

static int event(uint8_t cmd, bool with_id, uint32_t id, const char *src, const char *dst)
{
	struct nl_msg *m = acquire(cmd, with_id, id, src, dst);
	int r;

	initiated = NULL;
	ninitiated = 0;
	r = trap_handle_event(m);
	nlmsg_free(m);
	return r;
}

static const char cfg[] =
	"connections = (\n"
	" { name = \"one\"; local = { addr = \"10.10.0.1\"; id = \"fqdn:a\"; ts = [ \"10.20.1.0/24\" ]; };\n"
	"   remote = { addr = \"10.10.0.2\"; id = \"fqdn:b\"; ts = [ \"10.21.1.0/24\", \"10.21.9.0-10.21.9.2\" ]; };\n"
	"   psk = \"0123456789abcdef0123\"; ike_proposals = [ \"aes256gcm16-prfsha256-ecp256\" ];\n"
	"   esp_proposals = [ \"aes256gcm16\" ]; reqid = 41; start_action = \"trap\"; },\n"
	" { name = \"two\"; local = { addr = \"10.10.0.1\"; id = \"fqdn:a\"; ts = [ \"10.10.0.1/32[udp]\" ]; };\n"
	"   remote = { addr = \"10.10.0.2\"; id = \"fqdn:b\"; ts = [ \"10.10.0.2/32[udp/53]\" ]; };\n"
	"   psk = \"0123456789abcdef0123\"; ike_proposals = [ \"aes256gcm16-prfsha256-ecp256\" ];\n"
	"   esp_proposals = [ \"aes256gcm16\" ]; mode = \"transport\"; reqid = 42; start_action = \"trap\"; }\n"
	");\n";

int main(void)
{
	char err[512];
	uint32_t one_first, one_last, two_out;
	bool shape = true;

	if (config_load_string(cfg, &conf, err, sizeof(err))) {
		ok(0, "test configuration loads: %s", err);
		return tap_done();
	}

	/* tunnel: one outbound protect policy per prefix pair, nothing inbound */
	ok(trap_install(&conf.conns[0]) == 0, "trap for a tunnel connection installed");
	/* 10.21.9.0-10.21.9.2 = 10.21.9.0/31 + 10.21.9.2/32: 1 x 3 prefix pairs */
	ok(nadded == 3, "three policies: one per local x remote prefix (%u)", nadded);
	for (uint32_t i = 0; i < nadded && i < 32; i++) {
		const struct kernel_policy *p = &added[i];

		shape &= p->dir == KIPSEC_DIR_OUT && p->action == KIPSEC_ACTION_PROTECT &&
			 p->priority == 1001 && p->tmpl && p->mode == KIPSEC_MODE_TUNNEL && p->reqid == 41 &&
			 p->tmpl_src == &conf.conns[0].local.addr && p->tmpl_dst == &conf.conns[0].remote.addr &&
			 p->src.family == AF_INET && p->src.plen == 24;
	}
	ok(shape, "each: out, protect, priority 1001 (behind the Child SA's 1000), ESP tunnel template, reqid 41");
	ok(added[0].dst.plen == 24 && added[1].dst.plen == 31 && added[2].dst.plen == 32,
	   "remote prefixes /24, /31, /32 from the selector list and the range");
	one_first = 100;
	one_last = 102;
	ok(trap_install(&conf.conns[0]) == 0 && nadded == 3, "installing it again changes nothing");

	/* transport: IKE itself bypassed both ways, then the selector with its port */
	ok(trap_install(&conf.conns[1]) == 0 && nadded == 6, "trap for a transport connection: 3 policies");
	ok(added[3].action == KIPSEC_ACTION_BYPASS && added[3].dir == KIPSEC_DIR_OUT &&
	   added[3].sport_min == 500 && added[4].action == KIPSEC_ACTION_BYPASS &&
	   added[4].dir == KIPSEC_DIR_IN && added[4].dport_min == 500,
	   "transport: IKE (UDP 500) bypasses the trap both ways");
	ok(added[5].proto == IPPROTO_UDP && added[5].dport_min == 53 && added[5].dport_max == 53 &&
	   added[5].mode == KIPSEC_MODE_TRANSPORT && added[5].reqid == 42 && added[5].priority == 1001,
	   "transport: the selector's protocol and port, transport template, reqid 42");
	two_out = 105;

	/* ACQUIRE -> the connection whose policy matched */
	ok(event(KIPSEC_CMD_ACQUIRE, true, one_first, "10.20.1.1", "10.21.1.1") == NL_OK && ninitiated == 1 &&
	   initiated == &conf.conns[0], "ACQUIRE for the first trap policy initiates \"one\"");
	ok(event(KIPSEC_CMD_ACQUIRE, true, one_last, "10.20.1.1", "10.21.9.2") == NL_OK &&
	   initiated == &conf.conns[0], "ACQUIRE for its last policy (the range) too");
	ok(event(KIPSEC_CMD_ACQUIRE, true, two_out, "10.10.0.1", "10.10.0.2") == NL_OK &&
	   initiated == &conf.conns[1], "ACQUIRE for the transport trap initiates \"two\"");
	ok(event(KIPSEC_CMD_ACQUIRE, true, 103, "10.10.0.1", "10.10.0.2") == NL_SKIP && !ninitiated,
	   "ACQUIRE for a bypass policy of ours: nothing");
	ok(event(KIPSEC_CMD_ACQUIRE, true, 999, "10.20.1.1", "10.21.1.1") == NL_SKIP && !ninitiated,
	   "ACQUIRE for a policy that is not a trap: nothing");
	ok(event(KIPSEC_CMD_ACQUIRE, false, 0, "10.20.1.1", "10.21.1.1") == NL_SKIP && !ninitiated,
	   "ACQUIRE without a policy id: ignored");
	ok(event(KIPSEC_CMD_SA_GET, true, one_first, "10.20.1.1", "10.21.1.1") == NL_SKIP && !ninitiated,
	   "another command on the group: ignored");
	has_sa = true;
	ok(event(KIPSEC_CMD_ACQUIRE, true, one_first, "10.20.1.1", "10.21.1.1") == NL_SKIP && !ninitiated,
	   "ACQUIRE while the connection has an IKE SA: no second negotiation");
	has_sa = false;

	/* removal by name: the ids are gone, later events map to nothing */
	trap_remove("one");
	ok(ndeleted == 3, "trap_remove(\"one\") deletes its three policies (%u)", ndeleted);
	ok(event(KIPSEC_CMD_ACQUIRE, true, one_first, "10.20.1.1", "10.21.1.1") == NL_SKIP && !ninitiated,
	   "after removal its policy id maps to nothing");
	trap_remove_all();
	ok(ndeleted == 6, "trap_remove_all deletes the rest (%u)", ndeleted);
	config_free(&conf);
	return tap_done();
}
