// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec up|down|sas|reload: the client of kipsec-keyd's control socket
 * ($KIPSEC_KEYD_SOCKET, default /run/kipsec-keyd.sock). The protocol lives
 * in keyd/ctl_client.[ch]; this file maps commands and exit codes.
 */
#include "cli.h"
#include "ctl_client.h"

#include <stdio.h>
#include <string.h>

void usage_keyd(FILE *f)
{
	fputs("Usage: kipsec up NAME        initiate connection NAME of kipsec-keyd\n"
	      "       kipsec down NAME      delete its IKE SA and Child SA\n"
	      "       kipsec [-j [-p]] sas  IKE SAs and their Child SAs (state, algorithms,\n"
	      "                             SPIs, age, lifetime, the module's counters)\n"
	      "       kipsec reload         re-read the daemon's configuration\n"
	      "Socket: $" CTL_ENV_PATH " or " CTL_DEFAULT_PATH ".\n", f);
}

int keyd_main(const char *cmd, int argc, char **argv, const struct cli_opts *o)
{
	bool named = !strcmp(cmd, "up") || !strcmp(cmd, "down");
	struct json_object *req, *reply, *v;
	char err[512];
	int rc;

	if (argc == 1 && !strcmp(argv[0], "help")) {
		usage_keyd(stdout);
		return EXIT_OK;
	}
	if (named ? argc != 1 : argc != 0) {
		fprintf(stderr, "kipsec: usage: kipsec %s%s\n", cmd, named ? " NAME" : "");
		return EXIT_USAGE;
	}
	req = ctl_request(cmd, named ? argv[0] : NULL);
	if (!req) {
		fprintf(stderr, "kipsec: out of memory\n");
		return EXIT_KERNEL;
	}
	if (ctl_call(ctl_path(NULL), req, &reply, err, sizeof(err))) {
		json_object_put(req);
		fprintf(stderr, "kipsec: %s\n", err);
		return EXIT_KERNEL;
	}
	json_object_put(req);
	rc = json_object_object_get_ex(reply, "ok", &v) && json_object_get_boolean(v) ? EXIT_OK
										     : EXIT_KERNEL;
	if (rc != EXIT_OK) {
		fprintf(stderr, "kipsec: %s: %s\n", cmd,
			json_object_object_get_ex(reply, "error", &v) ? json_object_get_string(v)
								      : "refused by kipsec-keyd");
	} else if (!strcmp(cmd, "sas")) {
		int fl = (o->pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) |
			 JSON_C_TO_STRING_NOSLASHESCAPE;

		if (!json_object_object_get_ex(reply, "ike_sas", &v))
			v = NULL;
		if (o->json)
			printf("%s\n", v ? json_object_to_json_string_ext(v, fl) : "[]");
		else
			ctl_print_sas(v, stdout);
	} else if (json_object_object_get_ex(reply, "message", &v)) {
		printf("%s\n", json_object_get_string(v));
	}
	json_object_put(reply);
	return rc;
}
