// SPDX-License-Identifier: GPL-2.0
/* config_conn_equal(): what reload treats as unchanged (keeps the SAs) and as changed. */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "tap.h"

#define CONN(extra, psk, ts) \
	"connections = ( { name = \"c\"; " \
	"local = { addr = \"10.0.0.1\"; id = \"fqdn:a\"; ts = [ \"10.1.0.0/16\" ]; }; " \
	"remote = { addr = \"10.0.0.2\"; id = \"fqdn:b\"; ts = [ \"" ts "\" ]; }; " \
	"psk = \"" psk "\"; ike_proposals = [ \"aes256gcm16-prfsha256-ecp256\" ]; " \
	"esp_proposals = [ \"aes256gcm16\" ]; " extra " } );"

static const char base[] = CONN("", "0123456789abcdef0123", "10.2.0.0/16");

static int same(const char *other, const char *what, int expect)
{
	struct keyd_conf a, b;
	char err[512];
	int r;

	if (config_load_string(base, &a, err, sizeof(err)) || config_load_string(other, &b, err, sizeof(err))) {
		ok(0, "%s: loads (%s)", what, err);
		return 0;
	}
	r = config_conn_equal(&a.conns[0], &b.conns[0]);
	ok(r == expect, "%s: %s", what, expect ? "unchanged" : "changed");
	config_free(&a);
	config_free(&b);
	return r;
}

int main(void)
{
	same(base, "the same text", 1);
	same("# a comment and other spacing\n" CONN("", "0123456789abcdef0123", "10.2.0.0/16"),
	     "comments and spacing", 1);
	same(CONN("mode = \"tunnel\"; reqid = 1;", "0123456789abcdef0123", "10.2.0.0/16"),
	     "defaults written out", 1);
	same(CONN("", "0123456789abcdef0124", "10.2.0.0/16"), "another PSK", 0);
	same(CONN("", "0123456789abcdef0123", "10.3.0.0/16"), "another remote selector", 0);
	same(CONN("mode = \"transport\";", "0123456789abcdef0123", "10.2.0.0/16"), "another mode", 0);
	same(CONN("reqid = 9;", "0123456789abcdef0123", "10.2.0.0/16"), "another reqid", 0);
	same(CONN("dpd = { delay = 10; };", "0123456789abcdef0123", "10.2.0.0/16"), "DPD switched on", 0);
	same(CONN("start_action = \"start\";", "0123456789abcdef0123", "10.2.0.0/16"), "another start_action", 0);
	same(CONN("lifetime = { child = 1800; };", "0123456789abcdef0123", "10.2.0.0/16"), "another lifetime", 0);
	return tap_done();
}
