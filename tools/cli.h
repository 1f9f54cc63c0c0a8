/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipsec CLI: what the command modules share (options, exit codes, entry
 * points). Each object (state, policy, stats) parses argv into a request
 * struct first and only then talks netlink, so parsers are testable offline.
 */
#ifndef KIPSEC_CLI_H
#define KIPSEC_CLI_H

#include <stdbool.h>
#include <stdio.h>

#define KIPSEC_CLI_VERSION "0.1.0"

/* Exit statuses, documented in usage and README. */
enum cli_exit {
	EXIT_OK = 0,
	EXIT_USAGE = 1,		/* bad command line: nothing was sent */
	EXIT_KERNEL = 2,	/* kernel refused, or kipsec.ko not reachable */
};

struct cli_opts {
	bool json;	/* -j: JSON array on stdout */
	bool pretty;	/* -p: indented JSON */
	bool stats;	/* -s: every counter, also the zero ones */
};

int state_main(int argc, char **argv, const struct cli_opts *o);
int policy_main(int argc, char **argv, const struct cli_opts *o);
int stats_main(int argc, char **argv, const struct cli_opts *o);
int monitor_main(int argc, char **argv, const struct cli_opts *o);
/* up | down | sas | reload: kipsec-keyd's control socket (keyd.c) */
int keyd_main(const char *cmd, int argc, char **argv, const struct cli_opts *o);

void usage_state(void);
void usage_policy(void);
void usage_keyd(FILE *f);

#endif
