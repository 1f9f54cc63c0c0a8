// SPDX-License-Identifier: GPL-2.0
/* `kipsec stats`: the namespace totals (KIPSEC_CMD_STATS_GET). */
#include "args.h"
#include "cli.h"
#include "nl.h"
#include "output.h"

#include <stdio.h>
#include <string.h>

#include <linux/kipsec.h>

static int on_stats(struct nlattr **tb, void *arg)
{
	struct printer *p = arg;

	if (!tb[KIPSEC_A_STATS])
		return -1;
	return print_stats(p, tb[KIPSEC_A_STATS]);
}

int stats_main(int argc, char **argv, const struct cli_opts *o)
{
	struct printer p;
	struct knl *k;
	int err, ret;

	if (argc > 0) {
		if (!strcmp(argv[0], "help")) {
			printf("Usage: kipsec [-j] stats\n"
			       "Namespace-wide counters: packets, bytes, and drops by reason.\n");
			return EXIT_OK;
		}
		fprintf(stderr, "kipsec: stats: unexpected '%s': stats takes no arguments\n",
			argv[0]);
		return EXIT_USAGE;
	}
	k = knl_open();
	if (!k) {
		fprintf(stderr, "kipsec: stats: %s\n", cli_err());
		return EXIT_KERNEL;
	}
	printer_init(&p, o, stdout);
	err = knl_request(k, KIPSEC_CMD_STATS_GET, false, NULL, NULL, on_stats, &p, false);
	if (err) {
		ret = knl_report(k, "stats", "statistics", err);
		if (p.arr)
			json_object_put(p.arr);
	} else {
		/* JSON: an array like every other command, one object here. */
		printer_finish(&p);
		ret = EXIT_OK;
	}
	knl_close(k);
	return ret;
}
