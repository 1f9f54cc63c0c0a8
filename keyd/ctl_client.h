/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipsec-keyd control protocol, client side; shared by `kipsec up|down|sas|
 * reload` (tools/keyd_ctl.c) and `kipsec-keyd --ctl`. Needs only json-c.
 *
 * One request per connection: a JSON object on one line ending in "\n"
 * (at most CTL_REQ_MAX bytes):
 *   {"cmd":"up","name":"NAME"}    initiate the connection
 *   {"cmd":"down","name":"NAME"}  delete its IKE SA (and Child SA)
 *   {"cmd":"sas"}                 list the IKE and Child SAs
 *   {"cmd":"reload"}              re-read the configuration file
 * One answer, a JSON object on one line, then the daemon closes:
 *   {"ok":true,"message":"..."}   or   {"ok":false,"error":"..."}
 *   sas: {"ok":true,"ike_sas":[ ... ]} (fields in keyd/README.md)
 */
#ifndef KEYD_CTL_CLIENT_H
#define KEYD_CTL_CLIENT_H

#include <stdio.h>

#include <json-c/json.h>

#define CTL_DEFAULT_PATH	"/run/kipsec-keyd.sock"
#define CTL_ENV_PATH		"KIPSEC_KEYD_SOCKET"	/* overrides the default */
#define CTL_REQ_MAX		4096
#define CTL_REPLY_MAX		(4 << 20)

/* The socket path: explicit (non-NULL), else $KIPSEC_KEYD_SOCKET, else the default. */
const char *ctl_path(const char *explicit_path);
/*
 * Sends req, returns the parsed answer in *reply (caller puts it). -1 with
 * a one-line reason in err when the daemon cannot be reached or answers
 * garbage; the daemon's own refusals come back as {"ok":false}.
 */
int ctl_call(const char *path, struct json_object *req, struct json_object **reply, char *err,
	     size_t errlen);
/* {"cmd":cmd[,"name":name]} */
struct json_object *ctl_request(const char *cmd, const char *name);
/* The "ike_sas" array of a sas answer as text, one line per IKE and per Child SA. */
void ctl_print_sas(struct json_object *ike_sas, FILE *out);

#endif /* KEYD_CTL_CLIENT_H */
