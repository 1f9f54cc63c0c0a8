// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec-keyd: the IKEv2 daemon. So far it loads and checks its
 * configuration; the IKE state machine (ikev2.c), the UDP/event loop
 * (libevent) and the kernel interface (kernel.c, libnl-genl-3 against
 * uapi/linux/kipsec.h) come next.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

#define DEFAULT_CONFIG	"/etc/kipsec/kipsec-keyd.conf"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kipsec-keyd [-c FILE] [--check-config]\n"
		"  -c, --config FILE   configuration file (default " DEFAULT_CONFIG ")\n"
		"  -n, --check-config  load and validate the configuration, print the\n"
		"                      connections, exit 0 if valid, 1 if not\n"
		"  -h, --help          this text\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONFIG;
	bool check = false;
	struct keyd_conf conf;
	char err[512];
	int opt;

	while ((opt = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (config_load_file(path, &conf, err, sizeof(err))) {
		fprintf(stderr, "kipsec-keyd: %s\n", err);
		return 1;
	}
	if (check) {
		config_print(&conf, stdout);
		config_free(&conf);
		return 0;
	}
	config_free(&conf);
	fprintf(stderr, "kipsec-keyd: configuration valid; the IKE daemon itself is not implemented yet "
		"(use --check-config)\n");
	return 1;
}
