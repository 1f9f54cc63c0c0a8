// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: command line for the kipsec kernel module, `ip xfrm` syntax.
 * Global options, then an object (state, policy, stats), then its command.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage_main(FILE *f)
{
	fputs("Usage: kipsec [OPTIONS] OBJECT COMMAND [ARGS]\n"
	      "OBJECT := state | policy | stats | monitor | help\n"
	      "       kipsec up NAME | down NAME | sas | reload   (kipsec-keyd; kipsec help keyd)\n"
	      "OPTIONS:\n"
	      "  -j, --json     print a JSON array of objects (keys: see tools/README.md)\n"
	      "  -p, --pretty   indent the JSON\n"
	      "  -s, --stats    every counter, also the zero ones\n"
	      "  -b, --batch FILE  run the commands of FILE (- = stdin), one a line\n"
	      "  -h, --help     this text; `kipsec state help`, `kipsec policy help`\n"
	      "  -V, --version\n"
	      "Exit status: 0 success, 1 bad command line (nothing sent),\n"
	      "             2 kernel refused the request or kipsec.ko is not loaded.\n", f);
}

void usage_state(void)
{
	fputs("Usage: kipsec state { add | update } ID [mode transport|tunnel] [reqid N]\n"
	      "                         [replay-window N] [flag esn] [flag insecure]\n"
	      "                         [replay-oseq N] [replay-oseq-hi N] [replay-seq N]\n"
	      "                         [replay-seq-hi N] [limit LIMIT...]\n"
	      "                         [encap espinudp SPORT DPORT OADDR] ALGO...\n"
	      "       kipsec state { del | get } [src ADDR] dst ADDR [proto esp|ah] spi SPI\n"
	      "       kipsec state list [ID filters] [-s]\n"
	      "       kipsec state flush [proto esp|ah]\n"
	      "ID   := src ADDR dst ADDR [proto esp|ah] spi SPI     (proto defaults to esp)\n"
	      "ALGO := aead NAME KEY ICV_BITS | enc NAME KEY | auth NAME KEY\n"
	      "      | auth-trunc NAME KEY TRUNC_BITS\n"
	      "  aead: rfc4106(gcm(aes)) (ICV 64, 96, 128), rfc4543(gcm(aes)) 128,\n"
	      "        rfc7539esp(chacha20,poly1305) 128; the key includes the 4-byte salt\n"
	      "  enc:  cbc(aes) | aes, ecb(cipher_null) | cipher_null (key \"\"),\n"
	      "        rfc3686(ctr(aes)) | ctr, cbc(des3_ede) | des3_ede | 3des, cbc(des)\n"
	      "  auth: hmac(sha1) | sha1 (96), hmac(sha256) | sha256 (128),\n"
	      "        hmac(sha384) | sha384 (192), hmac(sha512) | sha512 (256),\n"
	      "        hmac(md5) | md5 (96), xcbc(aes) (96), cmac(aes) (96)\n"
	      "KEY  := 0xHEX, or a string taken as raw bytes (as ip xfrm)\n"
	      "LIMIT := { time-soft | time-hard | time-use-soft | time-use-hard } SECONDS\n"
	      "       | { byte-soft | byte-hard } BYTES | { packet-soft | packet-hard } COUNT\n"
	      "encap: ESP in UDP (NAT traversal); OADDR 0.0.0.0 or :: when not known\n"
	      "update changes an SA in place: its ID plus replay-window, replay-oseq,\n"
	      "limit (replaces every limit: one not given is none), new-src ADDR, new-dst ADDR,\n"
	      "the encap ports (mode, reqid and flags may be repeated; keys and algorithms\n"
	      "cannot change). replay-oseq / replay-seq: last number sent / highest received\n"
	      "(add only); with flag esn the -hi forms give the upper 32 bits, as in ip xfrm.\n", stdout);
}

void usage_policy(void)
{
	fputs("Usage: kipsec policy add SELECTOR dir in|out|fwd [priority N]\n"
	      "                         [action allow|block] [TMPL]...\n"
	      "       kipsec policy { del | get } { id N | dir in|out|fwd SELECTOR [priority N] }\n"
	      "       kipsec policy list [dir in|out|fwd] [-s]\n"
	      "       kipsec policy flush [dir in|out|fwd]\n"
	      "SELECTOR := [src PREFIX] [dst PREFIX] [UPSPEC]     (dir may come anywhere)\n"
	      "UPSPEC   := proto tcp|udp|sctp|udplite [sport N[-M]] [dport N[-M]]\n"
	      "          | proto icmp|ipv6-icmp [type N] [code N] | proto NAME|NUMBER\n"
	      "TMPL     := tmpl [src ADDR dst ADDR] [proto esp|ah] [mode transport|tunnel]\n"
	      "                 [reqid N] [spi N] [level required|use]\n"
	      "Action: tmpl given = protect (several tmpl = bundle, applied in order);\n"
	      "        allow without tmpl = bypass; block = discard.\n", stdout);
}

static int run_object(int argc, char **argv, const struct cli_opts *o);

/*
 * -b FILE ("-" = stdin): one command per line, as after "kipsec" (words
 * split at blanks, no quoting; empty lines and "#" comments skipped), in one
 * process: scripts that change many SAs avoid an exec per change. Stops at
 * the first failing line, with its status, as `ip -batch` does. Lines are
 * run as they arrive, so a pipe can feed it one change at a time.
 */
static int run_batch(const char *path, const struct cli_opts *o)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char line[4096], *words[128], *save, *w;
	unsigned int lineno = 0;
	int n, ret = EXIT_OK;

	if (!f) {
		fprintf(stderr, "kipsec: cannot open batch file '%s'\n", path);
		return EXIT_USAGE;
	}
	while (ret == EXIT_OK && fgets(line, sizeof(line), f)) {
		lineno++;
		n = 0;
		for (w = strtok_r(line, " \t\r\n", &save); w && n < 127;
		     w = strtok_r(NULL, " \t\r\n", &save))
			words[n++] = w;
		if (!n || words[0][0] == '#')
			continue;
		words[n] = NULL;
		ret = run_object(n, words, o);
		/* A script feeding a pipe waits for each answer (-j: one line each). */
		fflush(stdout);
		if (ret != EXIT_OK)
			fprintf(stderr, "kipsec: batch '%s' line %u failed\n", path, lineno);
	}
	if (f != stdin)
		fclose(f);
	explicit_bzero(line, sizeof(line));	/* may have held keys */
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_opts o = { 0 };
	const char *batch = NULL;
	int c;

	opterr = 0;
	/* "+": options end at the object, as with ip. */
	while ((c = getopt_long(argc, argv, "+jpshVb:", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			batch = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'p':
			o.pretty = true;
			break;
		case 's':
			o.stats = true;
			break;
		case 'h':
			usage_main(stdout);
			return EXIT_OK;
		case 'V':
			printf("kipsec %s (netlink family kipsec, version 1)\n", KIPSEC_CLI_VERSION);
			return EXIT_OK;
		default:
			fprintf(stderr, "kipsec: unknown option '%s': see kipsec --help\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (batch)
		return run_batch(batch, &o);
	if (optind >= argc) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	return run_object(argc - optind, argv + optind, &o);
}

/* argv[0] is the object. */
static int run_object(int argc, char **argv, const struct cli_opts *o)
{
	const char *obj = argv[0];

	argc--;
	argv++;
	if (!strcmp(obj, "state") || !strcmp(obj, "sa"))
		return state_main(argc, argv, o);
	if (!strcmp(obj, "policy") || !strcmp(obj, "pol"))
		return policy_main(argc, argv, o);
	if (!strcmp(obj, "stats"))
		return stats_main(argc, argv, o);
	if (!strcmp(obj, "monitor"))
		return monitor_main(argc, argv, o);
	if (!strcmp(obj, "up") || !strcmp(obj, "down") || !strcmp(obj, "sas") || !strcmp(obj, "reload"))
		return keyd_main(obj, argc, argv, o);
	if (!strcmp(obj, "help")) {
		if (argc > 0 && !strcmp(argv[0], "state"))
			usage_state();
		else if (argc > 0 && !strcmp(argv[0], "policy"))
			usage_policy();
		else if (argc > 0 && !strcmp(argv[0], "keyd"))
			usage_keyd(stdout);
		else
			usage_main(stdout);
		return EXIT_OK;
	}
	fprintf(stderr, "kipsec: unknown object '%s': use state, policy, stats, monitor, up, down, sas or reload\n", obj);
	return EXIT_USAGE;
}
