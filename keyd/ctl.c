// SPDX-License-Identifier: GPL-2.0
/* Control socket, server side; see ctl.h and ctl_client.h. */
#include "ctl.h"
#include "ikev2_child.h"
#include "ikev2_exch.h"
#include "ikev2_sa.h"
#include "kernel.h"
#include "log.h"
#include "net.h"
#include "proposal.h"
#include "ts.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include <linux/kipsec.h>

static int lfd = -1;
static struct event *lev;
static ctl_reload_fn reload_fn;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static struct json_object *answer(bool ok, const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, ok ? "message" : "error", json_object_new_string(msg));
	return o;
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

static void add_hex(struct json_object *o, const char *key, uint64_t v, int width)
{
	char b[24];

	snprintf(b, sizeof(b), "%0*" PRIx64, width, v);
	add_str(o, key, b);
}

static struct json_object *ts_json(const struct ikev2_ts_list *l)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < l->n; i++) {
		char t[96];

		ts_format(&l->ts[i], t, sizeof(t));
		json_object_array_add(a, json_object_new_string(t));
	}
	return a;
}

static struct json_object *child_json(const struct ike_sa *sa, uint64_t now)
{
	const struct child_sa *ch = &sa->child;
	struct json_object *o = json_object_new_object();
	struct kernel_sa_stats in, out;
	char pr[128];

	/* the counters are the module's: what the datapath really carried */
	if (kernel_sa_stats(&sa->local, ch->spi_in, &in))
		memset(&in, 0, sizeof(in));
	if (kernel_sa_stats(&sa->remote, ch->spi_out, &out))
		memset(&out, 0, sizeof(out));
	proposal_format(&ch->prop, pr, sizeof(pr));
	add_str(o, "name", sa->conn->name);
	add_u64(o, "reqid", sa->conn->reqid);
	add_str(o, "state", "INSTALLED");
	add_str(o, "protocol", "esp");
	add_str(o, "mode", ch->mode == KIPSEC_MODE_TUNNEL ? "tunnel" : "transport");
	add_str(o, "proposal", pr);
	add_hex(o, "spi_in", ch->spi_in, 8);
	add_hex(o, "spi_out", ch->spi_out, 8);
	add_u64(o, "age", now - ch->installed_at);
	add_u64(o, "lifetime", sa->conn->child_lifetime);
	add_u64(o, "bytes_in", in.bytes);
	add_u64(o, "packets_in", in.packets);
	add_u64(o, "bytes_out", out.bytes);
	add_u64(o, "packets_out", out.packets);
	json_object_object_add(o, "ts_local", ts_json(&ch->ts_local));
	json_object_object_add(o, "ts_remote", ts_json(&ch->ts_remote));
	return o;
}

static struct json_object *sas_json(void)
{
	struct json_object *o = json_object_new_object(), *list = json_object_new_array();
	uint64_t now = ike_sa_now();

	for (struct ike_sa *sa = ike_sa_first(); sa; sa = sa->next) {
		struct json_object *ike = json_object_new_object(), *children = json_object_new_array();
		char a[INET6_ADDRSTRLEN], pr[128] = "";

		add_str(ike, "name", sa->conn->name);
		add_str(ike, "state", ike_state_name(sa->state));
		add_str(ike, "role", sa->initiator ? "initiator" : "responder");
		add_str(ike, "local", net_ntop(&sa->local, a, sizeof(a)));
		add_u64(ike, "local_port", net_port(&sa->local));
		add_str(ike, "local_id", sa->conn->local.id_text);
		add_str(ike, "remote", net_ntop(&sa->remote, a, sizeof(a)));
		add_u64(ike, "remote_port", net_port(&sa->remote));
		add_str(ike, "remote_id", sa->conn->remote.id_text);
		add_hex(ike, "spi_i", sa->spi_i, 16);
		add_hex(ike, "spi_r", sa->spi_r, 16);
		if (sa->state >= IKE_AUTH_SENT || !sa->initiator)
			proposal_format(&sa->ike_prop, pr, sizeof(pr));
		add_str(ike, "proposal", pr);
		add_u64(ike, "age", now - sa->created_at);
		add_u64(ike, "lifetime", sa->conn->ike_lifetime);
		if (sa->child.installed)
			json_object_array_add(children, child_json(sa, now));
		json_object_object_add(ike, "child_sas", children);
		json_object_array_add(list, ike);
	}
	json_object_object_add(o, "ok", json_object_new_boolean(true));
	json_object_object_add(o, "ike_sas", list);
	return o;
}

static struct json_object *run_command(const char *line)
{
	struct json_object *req = json_tokener_parse(line), *v, *ans;
	const char *cmd = NULL, *name = NULL;
	char msg[512];
	int ret;

	if (!req || !json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "cmd", &v) || !json_object_is_type(v, json_type_string)) {
		json_object_put(req);
		return answer(false, "malformed request (expected {\"cmd\":...})");
	}
	cmd = json_object_get_string(v);
	if (json_object_object_get_ex(req, "name", &v) && json_object_is_type(v, json_type_string))
		name = json_object_get_string(v);
	if ((!strcmp(cmd, "up") || !strcmp(cmd, "down")) && !name) {
		ans = answer(false, "up and down need a connection name");
	} else if (!strcmp(cmd, "up") || !strcmp(cmd, "down")) {
		ret = !strcmp(cmd, "up") ? ikev2_up(name, msg, sizeof(msg)) : ikev2_down(name, msg, sizeof(msg));
		ans = answer(!ret, msg);
	} else if (!strcmp(cmd, "sas")) {
		ans = sas_json();
	} else if (!strcmp(cmd, "rekey") && name) {
		const char *what = "child";
		FILE *f = fmemopen(msg, sizeof(msg), "w");

		if (json_object_object_get_ex(req, "what", &v) && json_object_is_type(v, json_type_string))
			what = json_object_get_string(v);
		ret = f ? ikev2_rekey_cmd(name, what, f) : -1;
		if (f)
			fclose(f);
		else
			snprintf(msg, sizeof(msg), "out of memory");
		/* the text ends in a newline; the answer carries one line */
		msg[strcspn(msg, "\n")] = '\0';
		ans = answer(!ret, msg);
	} else if (!strcmp(cmd, "reload")) {
		ret = reload_fn(msg, sizeof(msg));
		ans = answer(!ret, msg);
	} else {
		snprintf(msg, sizeof(msg), "unknown command \"%.64s\" (up, down, rekey, sas, reload)", cmd);
		ans = answer(false, msg);
	}
	json_object_put(req);
	return ans;
}

static void send_all(int c, const char *text, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = write(c, text + off, len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 1, 0 };
	struct ucred cred = { .uid = (uid_t)-1 };
	socklen_t cl = sizeof(cred);
	struct json_object *ans;
	char line[CTL_REQ_MAX];
	const char *text;
	size_t got = 0;
	int c;

	(void)what;
	(void)arg;
	c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	/* a client that does not send its line within a second is dropped */
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* read the request first, also when refusing: closing on unread data resets the answer */
	while (got < sizeof(line) - 1) {
		ssize_t n = read(c, line + got, sizeof(line) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	line[got] = '\0';
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.uid != 0) {
		static const char no[] = "{\"ok\":false,\"error\":\"only root may control kipsec-keyd\"}\n";

		log_warn("control connection from uid %d refused", (int)cred.uid);
		send_all(c, no, sizeof(no) - 1);
		close(c);
		return;
	}
	ans = run_command(line);
	text = json_object_to_json_string_ext(ans, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	send_all(c, text, strlen(text));
	send_all(c, "\n", 1);
	json_object_put(ans);
	close(c);
}

int ctl_open(struct event_base *base, const char *path, ctl_reload_fn reload)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;

	reload_fn = reload;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("control socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (lfd < 0)
		return -1;
	unlink(path);
	old = umask(0177);	/* 0600: root only, also at the file system level */
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) || listen(lfd, 8)) {
		umask(old);
		log_err("control socket %s: %s", path, strerror(errno));
		close(lfd);
		lfd = -1;
		return -1;
	}
	umask(old);
	strcpy(sock_path, path);
	lev = event_new(base, lfd, EV_READ | EV_PERSIST, on_accept, NULL);
	if (!lev || event_add(lev, NULL))
		return -1;
	return 0;
}

void ctl_close(void)
{
	if (lev)
		event_free(lev);
	lev = NULL;
	if (lfd >= 0) {
		close(lfd);
		unlink(sock_path);
	}
	lfd = -1;
}
