/* SPDX-License-Identifier: GPL-2.0 */
/* `kipsec monitor`: decoding of multicast events (shared with the tests). */
#ifndef KIPSEC_MONITOR_H
#define KIPSEC_MONITOR_H

#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>
#include <netlink/attr.h>

/* KIPSEC_A_ACQUIRE nest -> {src, dst, proto, proto_name, sport, dport, tmpl}. */
struct json_object *acquire_to_json(struct nlattr *nest);
/* Event @cmd with top-level attributes @tb -> {"event": NAME, "cmd": N, ...}. */
struct json_object *event_to_json(uint8_t cmd, struct nlattr **tb);
/* The same as one line of text; -1 if malformed. */
int event_text(FILE *f, uint8_t cmd, struct nlattr **tb);

#endif
