// SPDX-License-Identifier: GPL-2.0
/*
 * `kipsec monitor [count N]`: print the events of the "events" multicast
 * group (EXPIRE, ACQUIRE) as they come, like `ip xfrm monitor`. Text: an
 * "Expired"/"Acquire" line, then the SA or policy as `state list` prints it.
 * -j: one JSON object per line {"event", "hard", "sa" | "policy"}.
 * Every event is flushed at once, so a script can read the output file.
 */
#include "cli.h"
#include "args.h"
#include "nl.h"
#include "output.h"

#include <stdio.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <linux/kipsec.h>

struct mon {
	const struct cli_opts *o;
	struct printer p;
	uint32_t left;		/* events still to print; 0 = forever */
	bool counted;
	bool done;
};

static void mon_json(const char *event, bool hard, const char *key,
		     struct json_object *obj)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string(event));
	json_object_object_add(o, "hard", json_object_new_boolean(hard));
	json_object_object_add(o, key, obj);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct mon *m = arg;
	bool hard;

	if (knl_parse_reply(nlh, tb))
		return NL_SKIP;
	hard = tb[KIPSEC_A_EXPIRE_HARD] != NULL;
	if (g->cmd == KIPSEC_CMD_EXPIRE && tb[KIPSEC_A_SA]) {
		if (m->o->json) {
			mon_json("expire", hard, "sa", sa_to_json(tb[KIPSEC_A_SA]));
		} else {
			printf("Expired %s\n", hard ? "hard" : "soft");
			print_sa(&m->p, tb[KIPSEC_A_SA]);
		}
	} else if (g->cmd == KIPSEC_CMD_ACQUIRE && tb[KIPSEC_A_POLICY]) {
		if (m->o->json) {
			mon_json("acquire", false, "policy", policy_to_json(tb[KIPSEC_A_POLICY]));
		} else {
			printf("Acquire\n");
			print_policy(&m->p, tb[KIPSEC_A_POLICY]);
		}
	} else {
		return NL_SKIP;
	}
	fflush(stdout);
	if (m->counted && !--m->left)
		m->done = true;
	return NL_OK;
}

int monitor_main(int argc, char **argv, const struct cli_opts *o)
{
	struct cli_opts po = *o;
	struct mon m = { .o = o };
	struct nl_sock *sk;
	int grp, err, ret = EXIT_KERNEL;

	if (argc >= 2 && !strcmp(argv[0], "count")) {
		if (parse_u32("count", argv[1], &m.left) || !m.left) {
			fprintf(stderr, "kipsec: monitor: count needs a number above 0\n");
			return EXIT_USAGE;
		}
		m.counted = true;
		argc -= 2;
		argv += 2;
	}
	if (argc) {
		fprintf(stderr, "kipsec: monitor: unexpected '%s': usage: kipsec [-j] monitor [count N]\n",
			argv[0]);
		return EXIT_USAGE;
	}
	/* Text goes through the list printer; JSON is streamed per line here. */
	po.json = false;
	printer_init(&m.p, &po, stdout);

	sk = nl_socket_alloc();
	if (!sk) {
		fprintf(stderr, "kipsec: monitor: out of memory\n");
		return EXIT_KERNEL;
	}
	err = genl_connect(sk);
	if (err < 0) {
		fprintf(stderr, "kipsec: monitor: cannot open a generic netlink socket: %s\n",
			nl_geterror(err));
		goto out;
	}
	grp = genl_ctrl_resolve_grp(sk, KIPSEC_GENL_NAME, KIPSEC_MCGRP_EVENTS);
	if (grp < 0) {
		fprintf(stderr, "kipsec: monitor: no group '%s' of family '%s': load the module (insmod kipsec.ko)\n",
			KIPSEC_MCGRP_EVENTS, KIPSEC_GENL_NAME);
		goto out;
	}
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &m);
	err = nl_socket_add_membership(sk, grp);
	if (err < 0) {
		fprintf(stderr, "kipsec: monitor: cannot join the events group: %s\n",
			nl_geterror(err));
		goto out;
	}
	while (!m.done) {
		err = nl_recvmsgs_default(sk);
		/* A burst can overrun the socket: say so and go on listening. */
		if (err == -NLE_NOMEM) {
			fprintf(stderr, "kipsec: monitor: events lost (receive buffer overrun)\n");
			continue;
		}
		if (err < 0) {
			fprintf(stderr, "kipsec: monitor: %s\n", nl_geterror(err));
			goto out;
		}
	}
	ret = EXIT_OK;
out:
	nl_socket_free(sk);
	return ret;
}
