// SPDX-License-Identifier: GPL-2.0
/* Control protocol, client side; see ctl_client.h. */
#include "ctl_client.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

const char *ctl_path(const char *explicit_path)
{
	const char *env = getenv(CTL_ENV_PATH);

	if (explicit_path)
		return explicit_path;
	return env && *env ? env : CTL_DEFAULT_PATH;
}

struct json_object *ctl_request(const char *cmd, const char *name)
{
	struct json_object *req = json_object_new_object();

	if (!req)
		return NULL;
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	if (name)
		json_object_object_add(req, "name", json_object_new_string(name));
	return req;
}

static int connect_to(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int e = errno;

		if (e == ENOENT || e == ECONNREFUSED)
			snprintf(err, errlen, "kipsec-keyd is not running (no daemon on %s)", path);
		else if (e == EACCES || e == EPERM)
			snprintf(err, errlen, "cannot connect to kipsec-keyd on %s: %s (root only)", path,
				 strerror(e));
		else
			snprintf(err, errlen, "cannot connect to kipsec-keyd on %s: %s", path, strerror(e));
		close(fd);
		return -1;
	}
	return fd;
}

int ctl_call(const char *path, struct json_object *req, struct json_object **reply, char *err,
	     size_t errlen)
{
	struct timeval tv = { 30, 0 };	/* a reload or sas under load may take a while */
	const char *text = json_object_to_json_string_ext(req,
							   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(text), got = 0, cap = 0;
	char *buf = NULL;
	int fd;

	*reply = NULL;
	if (len + 1 > CTL_REQ_MAX) {
		snprintf(err, errlen, "request too long");
		return -1;
	}
	fd = connect_to(path, err, errlen);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		snprintf(err, errlen, "cannot send to kipsec-keyd: %s", strerror(errno));
		close(fd);
		return -1;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t n;

		if (cap - got < 4096) {
			char *nb;

			if (cap >= CTL_REPLY_MAX) {
				snprintf(err, errlen, "answer of kipsec-keyd too long");
				goto fail;
			}
			nb = realloc(buf, cap + 65536);
			if (!nb) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			buf = nb;
			cap += 65536;
		}
		n = read(fd, buf + got, cap - got - 1);
		if (n < 0 && errno == ECONNRESET && got)
			break;	/* the answer came, then the daemon closed early */
		if (n < 0) {
			snprintf(err, errlen, "no answer from kipsec-keyd: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*reply = json_tokener_parse(buf);
	if (!*reply || !json_object_is_type(*reply, json_type_object)) {
		if (*reply)
			json_object_put(*reply);
		*reply = NULL;
		snprintf(err, errlen, "kipsec-keyd answered something that is not a JSON object: %.80s",
			 got ? buf : "(nothing)");
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "?";
	return json_object_get_string(v);
}

static uint64_t num(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	return (uint64_t)json_object_get_int64(v);
}

static void print_ts(struct json_object *o, const char *key, FILE *out)
{
	struct json_object *a;

	if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		fprintf(out, "%s%s", i ? "," : "", json_object_get_string(json_object_array_get_idx(a, i)));
}

/*
 * The first line of each SA keeps the form scripts grep for
 * ("NAME: ESTABLISHED, ...", "NAME: INSTALLED, ..."); details follow on
 * indented lines. No SAs: no output, as `ip xfrm state`.
 */
void ctl_print_sas(struct json_object *ike_sas, FILE *out)
{
	size_t n = ike_sas ? json_object_array_length(ike_sas) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *ike = json_object_array_get_idx(ike_sas, i), *children;
		const char *prop = str(ike, "proposal");

		fprintf(out, "%s: %s, %s[%llu] === %s[%llu], %s, SPIs %s_i %s_r%s%s\n", str(ike, "name"),
			str(ike, "state"), str(ike, "local"), (unsigned long long)num(ike, "local_port"),
			str(ike, "remote"), (unsigned long long)num(ike, "remote_port"), str(ike, "role"),
			str(ike, "spi_i"), str(ike, "spi_r"), *prop ? ", " : "", prop);
		fprintf(out, "  %s === %s, age %llus, lifetime %llus\n", str(ike, "local_id"),
			str(ike, "remote_id"), (unsigned long long)num(ike, "age"),
			(unsigned long long)num(ike, "lifetime"));
		if (!json_object_object_get_ex(ike, "child_sas", &children))
			continue;
		for (size_t j = 0; j < json_object_array_length(children); j++) {
			struct json_object *ch = json_object_array_get_idx(children, j);

			fprintf(out, "%s: %s, %s, ESP %s, SPIs in 0x%s out 0x%s, ", str(ch, "name"),
				str(ch, "state"), str(ch, "mode"), str(ch, "proposal"), str(ch, "spi_in"),
				str(ch, "spi_out"));
			print_ts(ch, "ts_local", out);
			fprintf(out, " === ");
			print_ts(ch, "ts_remote", out);
			fprintf(out, ", in %llu packets, out %llu packets\n",
				(unsigned long long)num(ch, "packets_in"), (unsigned long long)num(ch, "packets_out"));
			fprintf(out, "  %s{%s}: age %llus, lifetime %llus, in %llu bytes, out %llu bytes\n",
				str(ch, "name"), str(ch, "reqid"), (unsigned long long)num(ch, "age"),
				(unsigned long long)num(ch, "lifetime"), (unsigned long long)num(ch, "bytes_in"),
				(unsigned long long)num(ch, "bytes_out"));
		}
	}
}
