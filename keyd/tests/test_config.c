// SPDX-License-Identifier: GPL-2.0
/* Configuration loading: the shipped example, defaults, and clear errors for bad input. */
#include <stdlib.h>

#include <linux/kipsec.h>

#include "config.h"
#include "tap.h"
#include "ts.h"

static int load(const char *text, struct keyd_conf *conf, char *err, size_t errlen)
{
	return config_load_string(text, conf, err, errlen);
}

static void test_example(void)
{
	struct keyd_conf conf;
	char err[512], path[512], ts[128];
	const char *dir = getenv("KEYD_TESTDIR");
	int r;

	snprintf(path, sizeof(path), "%s/../kipsec-keyd.conf.example", dir ? dir : "tests");
	r = config_load_file(path, &conf, err, sizeof(err));
	ok(r == 0, "kipsec-keyd.conf.example loads (%s)", r ? err : "ok");
	if (r)
		return;
	ok(conf.port == 500 && conf.natt_port == 4500 && conf.nconns == 3, "daemon settings and 3 connections");
	{
		const struct conf_conn *c = &conf.conns[0];

		ts_format(&c->remote.ts.ts[1], ts, sizeof(ts));
		ok(!strcmp(c->name, "site-a-site-b") && c->mode == KIPSEC_MODE_TUNNEL && c->reqid == 1 &&
		   c->start_action == CONF_START_START && c->dpd_delay == 30 && c->dpd_action == CONF_DPD_RESTART &&
		   c->local.id_type == IKEV2_ID_FQDN && c->local.id_len == 16 && !memcmp(c->local.id, "gw-a.example.org", 16) &&
		   c->remote.ts.n == 2 && !strcmp(ts, "10.3.0.0/24[6/443]") &&
		   c->ike.nproposals == 2 && c->esp.nproposals == 2 && c->psk_len > 20,
		   "site-to-site connection fully parsed");
	}
	{
		const struct conf_conn *c = &conf.conns[1];

		ok(c->mode == KIPSEC_MODE_TRANSPORT && c->local.auth == CONF_AUTH_PUBKEY && c->local.cert &&
		   c->remote.cacert && c->local.id_type == IKEV2_ID_RFC822_ADDR && c->reqid == 2 &&
		   c->start_action == CONF_START_TRAP && c->ike_lifetime == 14400 && !c->psk,
		   "transport/pubkey connection parsed, defaults applied");
	}
	{
		const struct conf_conn *c = &conf.conns[2];

		ok(c->remote.addr.ss_family == AF_UNSPEC && c->remote.id_type == IKEV2_ID_KEY_ID &&
		   c->remote.id_len == 4 && c->psk_len == 32 && c->local.id_type == IKEV2_ID_IPV4_ADDR &&
		   c->ike.nproposals == 2, "%%any responder: keyid, hex psk, address as default id, default proposals");
	}
	config_free(&conf);
}

#define CONN(body) "connections = ( { name = \"c\"; " body " } );"
#define ENDS "local = { addr = \"192.0.2.1\"; }; remote = { addr = \"192.0.2.2\"; }; psk = \"secret\";"

static void expect_error(const char *text, const char *needle, const char *what)
{
	struct keyd_conf conf;
	char err[512] = "";
	int r = load(text, &conf, err, sizeof(err));

	ok(r == -1 && strstr(err, needle) && conf.nconns == 0, "%s: \"%s\"", what, err);
	if (!r)
		config_free(&conf);
}

static void test_minimal_and_errors(void)
{
	struct keyd_conf conf;
	char err[512];
	int r;

	r = load(CONN(ENDS), &conf, err, sizeof(err));
	ok(r == 0 && conf.nconns == 1 && conf.conns[0].local.ts.n == 1 && conf.conns[0].local.ts.ts[0].start[3] == 1 &&
	   conf.conns[0].local.id_type == IKEV2_ID_IPV4_ADDR && conf.conns[0].esp.prop[0].spi_size == 4 &&
	   conf.conns[0].start_action == CONF_START_NONE,
	   "minimal connection: host selectors, address ids, default proposals");
	if (!r)
		config_free(&conf);
	r = load("", &conf, err, sizeof(err));
	ok(r == 0 && conf.nconns == 0 && conf.port == 500, "empty file is a valid, empty configuration");

	expect_error("connections = ( { name = \"c\" ", ":1: syntax error", "libconfig syntax error with its line");
	expect_error("daemon = { prot = 500; };", "unknown setting \"prot\"", "typo in a setting name");
	expect_error(CONN(ENDS " lifetime = { ike = 3600; chlid = 60; };"), "chlid", "typo inside lifetime");
	expect_error(CONN("local = { addr = \"192.0.2.300\"; }; remote = { addr = \"192.0.2.2\"; }; psk = \"x\";"),
		     "not an IPv4 or IPv6 address", "bad address");
	expect_error(CONN("local = { addr = \"192.0.2.1\"; }; remote = { addr = \"2001:db8::1\"; }; psk = \"x\";"),
		     "different families", "mixed address families");
	expect_error(CONN("local = { addr = \"192.0.2.1\"; }; remote = { addr = \"192.0.2.2\"; };"),
		     "needs a \"psk\"", "psk auth without psk");
	expect_error(CONN(ENDS " ike_proposals = [ \"aes128-sha256\" ];"), "DH group", "IKE proposal without DH");
	expect_error(CONN(ENDS " esp_proposals = [ \"aes128-md5\" ];"), "md5", "unknown algorithm");
	expect_error(CONN(ENDS " mode = \"tunel\";"), "not one of the allowed values", "bad mode keyword");
	expect_error(CONN(ENDS " start_action = \"always\";"), "start_action", "bad start_action");
	expect_error(CONN(ENDS " lifetime = { ike = 600; rekey_margin = 900; };"), "rekey_margin",
		     "rekey margin above the lifetime");
	expect_error(CONN(ENDS " replay_window = 5000;"), "out of range", "replay window above the kernel's maximum");
	expect_error(CONN(ENDS " reqid = \"one\";"), "must be an integer", "wrong type");
	expect_error(CONN("local = { addr = \"192.0.2.1\"; ts = [ \"10.0.0.0/33\" ]; }; "
			  "remote = { addr = \"192.0.2.2\"; }; psk = \"x\";"), "prefix", "bad traffic selector");
	expect_error(CONN("local = { addr = \"192.0.2.1\"; auth = \"pubkey\"; }; remote = { addr = \"192.0.2.2\"; }; psk = \"x\";"),
		     "needs \"cert\" and \"key\"", "pubkey without certificate");
	expect_error(CONN("local = { addr = \"192.0.2.1\"; }; remote = { addr = \"%any\"; }; psk = \"x\"; "
			  "start_action = \"start\";"), "%any", "start_action start towards %any");
	expect_error(CONN("local = { addr = \"192.0.2.1\"; }; remote = { addr = \"192.0.2.2\"; }; psk = \"0xabc\";"),
		     "hex", "odd-length hex psk");
	expect_error("connections = ( { name = \"a\"; " ENDS " }, { name = \"a\"; " ENDS " } );", "used twice",
		     "duplicate connection names");
	expect_error("connections = ( { name = \"a\"; " ENDS " }, { name = \"b\"; reqid = 1; " ENDS " } );",
		     "reqid 1 already used", "duplicate reqid");
	expect_error(CONN("local = { addr = \"192.0.2.1\"; id = \"dn:CN\"; }; remote = { addr = \"192.0.2.2\"; }; psk = \"x\";"),
		     "not a distinguished name", "malformed distinguished name refused clearly");
	{
		const char *e = NULL;
		char err2[512];

		r = config_load_file("/nonexistent/kipsec-keyd.conf", &conf, err2, sizeof(err2));
		e = err2;
		ok(r == -1 && strstr(e, "cannot open"), "missing file: \"%s\"", e);
	}
}

int main(void)
{
	test_example();
	test_minimal_and_errors();
	return tap_done();
}
