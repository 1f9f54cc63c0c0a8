// SPDX-License-Identifier: GPL-2.0
/*
 * `kipsec monitor`: listen on the kipsec "events" multicast group and print
 * every event as it arrives, one line each: text, or one JSON object per
 * line with -j (not an array: the stream has no end).
 */
#include "args.h"
#include "cli.h"
#include "monitor.h"
#include "nl.h"
#include "output.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include <linux/kipsec.h>

struct monitor {
	const struct cli_opts *o;
	FILE *f;
	long left;		/* events still to print; < 0 = no limit */
};

static struct nla_policy acq_pol[KIPSEC_ACQ_A_MAX + 1] = {
	[KIPSEC_ACQ_A_SRC] = { .minlen = 4 },
	[KIPSEC_ACQ_A_DST] = { .minlen = 4 },
	[KIPSEC_ACQ_A_PROTO] = { .type = NLA_U8 },
	[KIPSEC_ACQ_A_SPORT] = { .type = NLA_U16 },
	[KIPSEC_ACQ_A_DPORT] = { .type = NLA_U16 },
	[KIPSEC_ACQ_A_TMPL] = { .type = NLA_U8 },
};

static const char *cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case KIPSEC_CMD_ACQUIRE:
		return "acquire";
	case KIPSEC_CMD_EXPIRE:
		return "expire";
	case KIPSEC_CMD_SA_ADD:
		return "sa-add";
	case KIPSEC_CMD_SA_UPDATE:
		return "sa-update";
	case KIPSEC_CMD_SA_DEL:
		return "sa-del";
	case KIPSEC_CMD_SA_FLUSH:
		return "sa-flush";
	case KIPSEC_CMD_POLICY_ADD:
		return "policy-add";
	case KIPSEC_CMD_POLICY_DEL:
		return "policy-del";
	case KIPSEC_CMD_POLICY_FLUSH:
		return "policy-flush";
	default:
		return NULL;
	}
}

static const char *addr_of(struct nlattr *a, char *buf, size_t cap)
{
	if (!a || (nla_len(a) != 4 && nla_len(a) != 16))
		return NULL;
	return addr_ntop(nla_data(a), (size_t)nla_len(a), buf, cap);
}

/* The ACQUIRE nest as JSON; NULL if malformed. */
struct json_object *acquire_to_json(struct nlattr *nest)
{
	struct nlattr *tb[KIPSEC_ACQ_A_MAX + 1];
	struct json_object *o;
	char b[INET6_ADDRSTRLEN];
	uint8_t proto;

	if (!nest || nla_parse_nested(tb, KIPSEC_ACQ_A_MAX, nest, acq_pol))
		return NULL;
	if ((tb[KIPSEC_ACQ_A_SRC] && !addr_of(tb[KIPSEC_ACQ_A_SRC], b, sizeof(b))) ||
	    (tb[KIPSEC_ACQ_A_DST] && !addr_of(tb[KIPSEC_ACQ_A_DST], b, sizeof(b))))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "src", tb[KIPSEC_ACQ_A_SRC] && addr_of(tb[KIPSEC_ACQ_A_SRC], b, sizeof(b)) ?
			       json_object_new_string(b) : NULL);
	json_object_object_add(o, "dst", tb[KIPSEC_ACQ_A_DST] && addr_of(tb[KIPSEC_ACQ_A_DST], b, sizeof(b)) ?
			       json_object_new_string(b) : NULL);
	proto = tb[KIPSEC_ACQ_A_PROTO] ? nla_get_u8(tb[KIPSEC_ACQ_A_PROTO]) : 0;
	json_object_object_add(o, "proto", json_object_new_int(proto));
	json_object_object_add(o, "proto_name", ipproto_name(proto) ?
			       json_object_new_string(ipproto_name(proto)) : NULL);
	json_object_object_add(o, "sport", json_object_new_int(tb[KIPSEC_ACQ_A_SPORT] ?
			       nla_get_u16(tb[KIPSEC_ACQ_A_SPORT]) : 0));
	json_object_object_add(o, "dport", json_object_new_int(tb[KIPSEC_ACQ_A_DPORT] ?
			       nla_get_u16(tb[KIPSEC_ACQ_A_DPORT]) : 0));
	json_object_object_add(o, "tmpl", json_object_new_int(tb[KIPSEC_ACQ_A_TMPL] ?
			       nla_get_u8(tb[KIPSEC_ACQ_A_TMPL]) : 0));
	return o;
}

/* The event as one JSON object: {"event": NAME, ...}; NULL if malformed. */
struct json_object *event_to_json(uint8_t cmd, struct nlattr **tb)
{
	struct json_object *o = json_object_new_object(), *part;
	const char *name = cmd_name(cmd);

	json_object_object_add(o, "event", name ? json_object_new_string(name) : NULL);
	json_object_object_add(o, "cmd", json_object_new_int(cmd));
	if (cmd == KIPSEC_CMD_EXPIRE)
		json_object_object_add(o, "hard",
				       json_object_new_boolean(tb[KIPSEC_A_EXPIRE_HARD] != NULL));
	if (tb[KIPSEC_A_POLICY]) {
		part = policy_to_json(tb[KIPSEC_A_POLICY]);
		if (!part)
			goto bad;
		json_object_object_add(o, "policy", part);
	}
	if (tb[KIPSEC_A_ACQUIRE]) {
		part = acquire_to_json(tb[KIPSEC_A_ACQUIRE]);
		if (!part)
			goto bad;
		json_object_object_add(o, "acquire", part);
	}
	if (tb[KIPSEC_A_SA]) {
		part = sa_to_json(tb[KIPSEC_A_SA]);
		if (!part)
			goto bad;
		json_object_object_add(o, "sa", part);
	}
	return o;
bad:
	json_object_put(o);
	return NULL;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

static const char *jstr_or(struct json_object *o, const char *key, const char *def)
{
	const char *s = jstr(o, key);

	return s ? s : def;
}

/*
 * One line of text for the event, from its JSON form (one decoder for
 * both outputs). Returns 0, or -1 if malformed.
 */
int event_text(FILE *f, uint8_t cmd, struct nlattr **tb)
{
	struct json_object *o = event_to_json(cmd, tb), *pol = NULL, *acq = NULL, *sa = NULL;
	const char *name = cmd_name(cmd);

	if (!o)
		return -1;
	json_object_object_get_ex(o, "policy", &pol);
	json_object_object_get_ex(o, "acquire", &acq);
	json_object_object_get_ex(o, "sa", &sa);

	if (name)
		fputs(name, f);
	else
		fprintf(f, "event %u", cmd);
	if (cmd == KIPSEC_CMD_EXPIRE)
		fputs(tb[KIPSEC_A_EXPIRE_HARD] ? " hard" : " soft", f);
	if (acq)
		fprintf(f, " src %s dst %s proto %s sport %s dport %s tmpl %s",
			jstr_or(acq, "src", "?"), jstr_or(acq, "dst", "?"),
			jstr(acq, "proto_name") ? jstr(acq, "proto_name") : jstr_or(acq, "proto", "?"),
			jstr_or(acq, "sport", "0"), jstr_or(acq, "dport", "0"),
			jstr_or(acq, "tmpl", "0"));
	if (pol) {
		struct json_object *tmpls = NULL;
		size_t i, n;

		fprintf(f, " policy %s dir %s sel src %s dst %s proto %s",
			jstr_or(pol, "id", "?"), jstr_or(pol, "dir", "?"),
			jstr_or(pol, "src", "?"), jstr_or(pol, "dst", "?"),
			jstr_or(pol, "proto_name", jstr_or(pol, "proto", "?")));
		if (json_object_object_get_ex(pol, "tmpls", &tmpls) && tmpls) {
			n = json_object_array_length(tmpls);
			for (i = 0; i < n; i++) {
				struct json_object *t = json_object_array_get_idx(tmpls, i);

				fprintf(f, " tmpl %s %s reqid %s", jstr_or(t, "proto", "?"),
					jstr_or(t, "mode", "?"), jstr_or(t, "reqid", "0"));
				if (jstr(t, "src") || jstr(t, "dst"))
					fprintf(f, " src %s dst %s", jstr_or(t, "src", "?"),
						jstr_or(t, "dst", "?"));
			}
		}
	}
	if (sa) {
		uint32_t spi = (uint32_t)json_object_get_int64(json_object_object_get(sa, "spi"));

		fprintf(f, " src %s dst %s proto %s spi 0x%08" PRIx32 " reqid %s",
			jstr_or(sa, "src", "?"), jstr_or(sa, "dst", "?"),
			jstr_or(sa, "proto", "?"), spi, jstr_or(sa, "reqid", "0"));
	}
	fputc('\n', f);
	json_object_put(o);
	return 0;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct monitor *m = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[KIPSEC_A_MAX + 1];

	if (knl_parse_reply(nlh, tb)) {
		fprintf(stderr, "kipsec: monitor: malformed event skipped\n");
		return NL_SKIP;
	}
	if (m->o->json) {
		struct json_object *o = event_to_json(gh->cmd, tb);

		if (!o) {
			fprintf(stderr, "kipsec: monitor: malformed event skipped\n");
			return NL_SKIP;
		}
		fprintf(m->f, "%s\n", json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else if (event_text(m->f, gh->cmd, tb)) {
		fprintf(stderr, "kipsec: monitor: malformed event skipped\n");
		return NL_SKIP;
	}
	/* Readers are scripts waiting for a line: never sit on one. */
	fflush(m->f);
	if (m->left > 0 && --m->left == 0)
		return NL_STOP;
	return NL_OK;
}

int monitor_main(int argc, char **argv, const struct cli_opts *o)
{
	struct monitor m = { .o = o, .f = stdout, .left = -1 };
	struct nl_sock *sk;
	int grp, err, ret = EXIT_KERNEL;

	while (argc > 0) {
		if (!strcmp(argv[0], "help")) {
			printf("Usage: kipsec [-j] monitor [count N]\n"
			       "Print kipsec events (acquire, expire) as they come, one line each;\n"
			       "-j: one JSON object per line. count N: exit after N events.\n"
			       "Once subscribed it says \"kipsec: monitor: listening\" on stderr.\n");
			return EXIT_OK;
		}
		if (!strcmp(argv[0], "count") && argc > 1) {
			char *end;
			long n;

			errno = 0;
			n = strtol(argv[1], &end, 10);
			if (errno || *end || end == argv[1] || n <= 0) {
				fprintf(stderr, "kipsec: monitor: count wants a positive number, not '%s'\n",
					argv[1]);
				return EXIT_USAGE;
			}
			m.left = n;
			argc -= 2;
			argv += 2;
			continue;
		}
		fprintf(stderr, "kipsec: monitor: unexpected '%s': see kipsec monitor help\n",
			argv[0]);
		return EXIT_USAGE;
	}

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
		fprintf(stderr, "kipsec: monitor: family '%s' or its group '%s' not found: load the module (insmod kipsec.ko)\n",
			KIPSEC_GENL_NAME, KIPSEC_MCGRP_EVENTS);
		goto out;
	}
	err = nl_socket_add_membership(sk, grp);
	if (err < 0) {
		fprintf(stderr, "kipsec: monitor: cannot join the events group: %s (needs CAP_NET_ADMIN)\n",
			nl_geterror(err));
		goto out;
	}
	/* Events are not answers: no sequence numbers to match. */
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &m);
	/* A burst of events must not be lost for want of buffer. */
	nl_socket_set_buffer_size(sk, 1 << 20, 0);
	/* On stderr, so stdout stays events only: scripts wait for this line. */
	fprintf(stderr, "kipsec: monitor: listening\n");

	for (;;) {
		err = nl_recvmsgs_default(sk);
		if (m.left == 0) {
			ret = EXIT_OK;
			break;
		}
		if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN) {
			/* Overrun: events were lost; say so and keep listening. */
			if (err == -NLE_NOMEM) {
				fprintf(stderr, "kipsec: monitor: receive buffer overrun, events lost\n");
				continue;
			}
			fprintf(stderr, "kipsec: monitor: %s\n", nl_geterror(err));
			break;
		}
	}
out:
	nl_socket_free(sk);
	return ret;
}
