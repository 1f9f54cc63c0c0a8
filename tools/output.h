/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Printing replies: text in the style of `ip -s xfrm state|policy`, or one
 * JSON array of objects (-j). Keys of the JSON objects are stable; they are
 * listed in tools/README.md.
 */
#ifndef KIPSEC_OUTPUT_H
#define KIPSEC_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>
#include <netlink/attr.h>

#include "cli.h"

struct printer {
	const struct cli_opts *o;
	FILE *f;
	struct json_object *arr;	/* -j: collected objects */
	int count;
};

void printer_init(struct printer *p, const struct cli_opts *o, FILE *f);
/* Print or collect one object; -1 if the nest is malformed. */
int print_sa(struct printer *p, struct nlattr *sa);
int print_policy(struct printer *p, struct nlattr *pol);
int print_stats(struct printer *p, struct nlattr *stats);
/* -j: print the array (also when empty) and free it. */
void printer_finish(struct printer *p);

/* The JSON form of one nest (NULL if malformed); the caller owns it. */
struct json_object *sa_to_json(struct nlattr *sa);
struct json_object *policy_to_json(struct nlattr *pol);
struct json_object *stats_to_json(struct nlattr *stats);

#endif
