// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec-keyd: the IKEv2 daemon. Loads the configuration, opens the kipsec
 * generic netlink family, the IKE sockets and the control socket, and runs
 * the libevent loop until SIGINT/SIGTERM; SIGHUP reloads the configuration.
 * With --ctl it is instead the client of a running daemon's control socket
 * (the same protocol as `kipsec up|down|sas|reload`).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cert.h"
#include "config.h"
#include "ctl.h"
#include "ikev2_child.h"
#include "ctl_client.h"
#include "ikev2_exch.h"
#include "ikev2_sa.h"
#include "kernel.h"
#include "log.h"
#include "net.h"
#include "reload.h"
#include "trap.h"

#define DEFAULT_CONFIG	"/etc/kipsec/kipsec-keyd.conf"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kipsec-keyd [-c FILE] [-s SOCKET] [--syslog] [--log-level LEVEL]\n"
		"       kipsec-keyd -c FILE --check-config\n"
		"       kipsec-keyd [-s SOCKET] --ctl up NAME | down NAME | rekey NAME [child|ike] | sas | reload\n"
		"  -c, --config FILE      configuration file (default " DEFAULT_CONFIG ")\n"
		"  -n, --check-config     load and validate the configuration, print the\n"
		"                         connections, exit 0 if valid, 1 if not\n"
		"  -s, --socket PATH      control socket (default " CTL_DEFAULT_PATH ")\n"
		"  -l, --log-level LEVEL  error | warning | info | debug (overrides the file)\n"
		"      --syslog           log to syslog instead of stderr\n"
		"      --ctl CMD...       send CMD to the running daemon, print its answer\n"
		"SIGHUP reloads the configuration (as `kipsec reload`).\n"
		"  -h, --help             this text\n");
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;

	(void)what;
	log_info("signal %d: deleting all SAs and exiting", (int)sig);
	ikev2_shutdown();
	event_base_loopexit(base, NULL);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	char msg[600];

	(void)sig;
	(void)what;
	(void)arg;
	log_info("SIGHUP: reloading the configuration");
	reload_run(msg, sizeof(msg));	/* logs the result */
}

/* --ctl: one request, the answer as text; 0 ok, 1 refused by the daemon, 2 no daemon. */
static int ctl_client(const char *sock, int argc, char **argv)
{
	struct json_object *req, *reply, *v;
	char err[512];
	int rc;

	if (!((argc == 2 && (!strcmp(argv[0], "up") || !strcmp(argv[0], "down"))) ||
	      ((argc == 2 || argc == 3) && !strcmp(argv[0], "rekey")) ||
	      (argc == 1 && (!strcmp(argv[0], "sas") || !strcmp(argv[0], "reload"))))) {
		usage(stderr);
		return 2;
	}
	req = ctl_request(argv[0], argc >= 2 ? argv[1] : NULL);
	if (req && argc == 3)
		json_object_object_add(req, "what", json_object_new_string(argv[2]));
	if (!req || ctl_call(sock, req, &reply, err, sizeof(err))) {
		json_object_put(req);
		fprintf(stderr, "kipsec-keyd: %s\n", err);
		return 2;
	}
	json_object_put(req);
	rc = json_object_object_get_ex(reply, "ok", &v) && json_object_get_boolean(v) ? 0 : 1;
	if (rc)
		fprintf(stderr, "kipsec-keyd: %s\n", json_object_object_get_ex(reply, "error", &v) ?
			json_object_get_string(v) : "refused");
	else if (json_object_object_get_ex(reply, "ike_sas", &v))
		ctl_print_sas(v, stdout);
	else if (json_object_object_get_ex(reply, "message", &v))
		printf("%s\n", json_object_get_string(v));
	json_object_put(reply);
	return rc;
}

int main(int argc, char **argv)
{
	enum { OPT_SYSLOG = 256, OPT_CTL };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		{ "ctl", no_argument, NULL, OPT_CTL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONFIG, *sock = NULL, *level_opt = NULL;
	bool check = false, to_syslog = false, ctl = false;
	struct event_base *base;
	struct event *sigint, *sigterm, *sighup;
	struct keyd_conf conf;
	char err[512];
	int opt, level, rc = 1;

	while ((opt = getopt_long(argc, argv, "+c:ns:l:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 's':
			sock = optarg;
			break;
		case 'l':
			level_opt = optarg;
			break;
		case OPT_SYSLOG:
			to_syslog = true;
			break;
		case OPT_CTL:
			ctl = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (ctl) {
		if (optind == argc) {
			usage(stderr);
			return 2;
		}
		return ctl_client(ctl_path(sock), argc - optind, argv + optind);
	}
	sock = ctl_path(sock);
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (config_load_file(path, &conf, err, sizeof(err)) || cert_conf_load(&conf, err, sizeof(err))) {
		fprintf(stderr, "kipsec-keyd: %s\n", err);
		config_free(&conf);
		return 1;
	}
	if (check) {
		config_print(&conf, stdout);
		config_free(&conf);
		return 0;
	}
	level = log_level_parse(level_opt ? level_opt : conf.log_level);
	if (level < 0) {
		fprintf(stderr, "kipsec-keyd: unknown log level \"%s\"\n", level_opt ? level_opt : conf.log_level);
		config_free(&conf);
		return 2;
	}
	log_init(level, to_syslog);
	/* a peer that goes away must not kill us through a write on a closed control socket */
	signal(SIGPIPE, SIG_IGN);

	base = event_base_new();
	if (!base) {
		log_err("cannot create the event loop");
		config_free(&conf);
		return 1;
	}
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sighup = evsignal_new(base, SIGHUP, on_hup, NULL);
	if (!sigint || !sigterm || !sighup || evsignal_add(sigint, NULL) || evsignal_add(sigterm, NULL) ||
	    evsignal_add(sighup, NULL))
		goto out;
	if (kernel_open())
		goto out;
	ikev2_setup(&conf);
	reload_setup(path, &conf, level_opt, to_syslog);
	ike_sa_init(base, ikev2_timeout);
	ikev2_child_setup(base);
	kernel_events_open(base, ikev2_child_expire);	/* optional: timers rekey without it */
	if (net_open(base, conf.port, ikev2_recv, NULL))
		goto out_kernel;
	if (ctl_open(base, sock, reload_run))
		goto out_net;
	/* without ACQUIRE events the trap policies still hold the traffic; logged */
	trap_open(base, conf.port);
	log_info("started: %zu connection%s, control socket %s", conf.nconns, conf.nconns == 1 ? "" : "s",
		 sock);
	ikev2_autostart();
	event_base_dispatch(base);
	rc = 0;
	ctl_close();
out_net:
	ikev2_shutdown();
	trap_close();
	net_close();
out_kernel:
	ike_sa_free_all();
	kernel_events_close();
	kernel_close();
out:
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	if (sighup)
		event_free(sighup);
	event_base_free(base);
	config_free(&conf);
	return rc;
}
