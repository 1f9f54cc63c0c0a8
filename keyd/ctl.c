// SPDX-License-Identifier: GPL-2.0
/* Control socket, server and client; see ctl.h. */
#include "ctl.h"
#include "ikev2_child.h"
#include "ikev2_exch.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

static int lfd = -1;
static struct event *lev;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void run_command(char *line, FILE *out)
{
	char *save = NULL, *cmd = strtok_r(line, " \t\r\n", &save);
	char *arg = strtok_r(NULL, " \t\r\n", &save);

	if (!cmd) {
		fprintf(out, "error: empty command (up NAME | down NAME | sas)\n");
	} else if (!strcmp(cmd, "up") && arg) {
		ikev2_up(arg, out);
	} else if (!strcmp(cmd, "down") && arg) {
		ikev2_down(arg, out);
	} else if (!strcmp(cmd, "sas") && !arg) {
		ikev2_list(out);
	} else if (!strcmp(cmd, "rekey") && arg) {
		char *what = strtok_r(NULL, " \t\r\n", &save);

		ikev2_rekey_cmd(arg, what ? what : "child", out);
	} else {
		fprintf(out, "error: unknown command \"%s\" (up NAME | down NAME | rekey NAME [child|ike] | sas)\n", cmd);
	}
}

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 1, 0 };
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char line[256], *text = NULL;
	size_t tlen = 0, got = 0;
	FILE *out;
	int c;

	(void)what;
	(void)arg;
	c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.uid != 0) {
		static const char no[] = "error: only root may control kipsec-keyd\n";

		log_warn("control connection from uid %d refused", (int)cred.uid);
		(void)!write(c, no, sizeof(no) - 1);
		close(c);
		return;
	}
	/* a client that does not send its line within a second is dropped */
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < sizeof(line) - 1) {
		ssize_t n = read(c, line + got, sizeof(line) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	line[got] = '\0';
	out = open_memstream(&text, &tlen);
	if (out) {
		run_command(line, out);
		fclose(out);
		for (size_t off = 0; off < tlen;) {
			ssize_t n = write(c, text + off, tlen - off);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
		free(text);
	}
	close(c);
}

int ctl_open(struct event_base *base, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("control socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (lfd < 0)
		return -1;
	unlink(path);
	old = umask(0077);	/* 0600: root only, also at the file system level */
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

int ctl_client(const char *path, int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char line[256] = "", buf[4096];
	size_t len = 0;
	bool error = false, first = true;
	ssize_t n;
	int fd;

	for (int i = 0; i < argc; i++) {
		int w = snprintf(line + len, sizeof(line) - len, "%s%s", i ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof(line) - len) {
			fprintf(stderr, "kipsec-keyd: command too long\n");
			return 2;
		}
		len += (size_t)w;
	}
	line[len++] = '\n';
	if (strlen(path) >= sizeof(sun.sun_path))
		return 2;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		fprintf(stderr, "kipsec-keyd: cannot connect to %s: %s (is the daemon running?)\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (write(fd, line, len) != (ssize_t)len) {
		close(fd);
		return 1;
	}
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (first && !strncmp(buf, "error", n < 5 ? (size_t)n : 5))
			error = true;
		first = false;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	return error ? 1 : 0;
}
