// SPDX-License-Identifier: GPL-2.0
/* Configuration loading on libconfig; see config.h and README.md. */
#include "config.h"

#include <arpa/inet.h>
#include <libconfig.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <linux/kipsec.h>

#include "cert.h"
#include "proposal.h"
#include "ts.h"

/* Defaults, chosen to interoperate with a stock strongSwan. */
static const char *const default_ike[] = {
	"aes256gcm16-prfsha384-ecp384-curve25519-ecp256",
	"aes256-aes128-sha256-sha384-modp2048-ecp256",
};
static const char *const default_esp[] = { "aes256gcm16-aes128gcm16", "aes256-aes128-sha256" };

struct ctx {
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (s) {
		const char *file = config_setting_source_file(s);

		n = snprintf(c->err, c->errlen, "%s:%u: ", file ? file : "config",
			     config_setting_source_line(s));
		if (n < 0 || (size_t)n >= c->errlen)
			n = 0;
	}
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Refuses settings not in the list: a typo must not silently become a default. */
static int check_members(struct ctx *c, const config_setting_t *g, const char *what,
			 const char *const *allowed)
{
	if (!config_setting_is_group(g))
		return fail(c, g, "%s must be a group { ... }", what);
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned int)i);
		const char *name = config_setting_name(m);
		bool ok = false;

		for (const char *const *a = allowed; *a && !ok; a++)
			ok = !strcmp(*a, name);
		if (!ok)
			return fail(c, m, "unknown setting \"%s\" in %s", name, what);
	}
	return 0;
}

static int get_string(struct ctx *c, const config_setting_t *g, const char *name, const char **out,
		      bool required)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	*out = NULL;
	if (!s) {
		if (required)
			return fail(c, g, "missing setting \"%s\"", name);
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(c, s, "\"%s\" must be a string", name);
	*out = config_setting_get_string(s);
	return 0;
}

static int get_uint(struct ctx *c, const config_setting_t *g, const char *name, uint32_t *out,
		    uint32_t min, uint32_t max)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	long long v;

	if (!s)
		return 0;	/* keep the default */
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return fail(c, s, "\"%s\" must be an integer", name);
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return fail(c, s, "\"%s\" = %lld is out of range %u..%u", name, v, min, max);
	*out = (uint32_t)v;
	return 0;
}

static int keyword(struct ctx *c, const config_setting_t *g, const char *name, int *out,
		   const char *const *words)
{
	const char *v;

	if (get_string(c, g, name, &v, false))
		return -1;
	if (!v)
		return 0;
	for (int i = 0; words[i]; i++) {
		if (!strcmp(words[i], v)) {
			*out = i;
			return 0;
		}
	}
	return fail(c, config_setting_get_member(g, name), "\"%s\" = \"%s\" is not one of the allowed values", name, v);
}

static int parse_address(struct ctx *c, const config_setting_t *s, const char *text,
			 struct sockaddr_storage *ss, bool any_ok)
{
	memset(ss, 0, sizeof(*ss));
	if (any_ok && !strcmp(text, "%any")) {
		ss->ss_family = AF_UNSPEC;
		return 0;
	}
	if (inet_pton(AF_INET, text, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		return 0;
	}
	return fail(c, s, "\"%s\" is not an IPv4 or IPv6 address%s", text, any_ok ? " (or %any)" : "");
}

static const uint8_t *addr_bytes(const struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET) {
		*len = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
	}
	*len = 16;
	return (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "0x0102..." -> bytes; -1 unless an even number of hex digits. */
static ssize_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (ssize_t)(n / 2);
}

/* IKE identities: [fqdn:|email:|keyid:|ipv4:|ipv6:]value, or an address, or "%any". */
static int parse_id(struct ctx *c, const config_setting_t *s, const char *text, struct conf_end *e,
		    bool any_ok)
{
	const char *colon = strchr(text, ':'), *v = text;
	struct sockaddr_storage ss;
	size_t alen;

	snprintf(e->id_text, sizeof(e->id_text), "%s", text);
	if (any_ok && !strcmp(text, "%any")) {
		e->id_type = 0;
		e->id_len = 0;
		return 0;
	}
	if (colon && !strncmp(text, "fqdn:", 5)) {
		e->id_type = IKEV2_ID_FQDN;
		v = text + 5;
	} else if (colon && (!strncmp(text, "email:", 6) || !strncmp(text, "rfc822:", 7))) {
		e->id_type = IKEV2_ID_RFC822_ADDR;
		v = colon + 1;
	} else if (colon && !strncmp(text, "keyid:", 6)) {
		ssize_t n = unhex(text + 6, e->id, sizeof(e->id));

		if (n <= 0)
			return fail(c, s, "id \"%s\": keyid: needs hex digits", text);
		e->id_type = IKEV2_ID_KEY_ID;
		e->id_len = (size_t)n;
		return 0;
	} else if (colon && !strncmp(text, "dn:", 3)) {
		/* "dn:C=CH, O=Org, CN=host": sent as DER (ID_DER_ASN1_DN) */
		if (cert_dn_parse(text + 3, e->id, sizeof(e->id), &e->id_len))
			return fail(c, s, "id \"%s\": not a distinguished name (\"dn:C=CH, O=Org, CN=host\")",
				    text);
		e->id_type = IKEV2_ID_DER_ASN1_DN;
		return 0;
	} else if (colon && (!strncmp(text, "ipv4:", 5) || !strncmp(text, "ipv6:", 5))) {
		v = text + 5;
		goto address;
	} else if (inet_pton(AF_INET, text, &ss) == 1 || inet_pton(AF_INET6, text, &ss) == 1) {
		goto address;
	} else {
		e->id_type = strchr(text, '@') ? IKEV2_ID_RFC822_ADDR : IKEV2_ID_FQDN;
	}
	e->id_len = strlen(v);
	if (!e->id_len || e->id_len > sizeof(e->id))
		return fail(c, s, "id \"%s\": empty or longer than %u bytes", text, CONF_ID_MAX);
	memcpy(e->id, v, e->id_len);
	return 0;
address:
	if (parse_address(c, s, v, &ss, false))
		return -1;
	e->id_type = ss.ss_family == AF_INET ? IKEV2_ID_IPV4_ADDR : IKEV2_ID_IPV6_ADDR;
	{
		const uint8_t *a = addr_bytes(&ss, &alen);

		memcpy(e->id, a, alen);
	}
	e->id_len = alen;
	return 0;
}

static int parse_ts_list(struct ctx *c, const config_setting_t *g, struct ikev2_ts_list *out)
{
	const config_setting_t *s = config_setting_get_member(g, "ts");
	char err[256];

	out->n = 0;
	if (!s)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return fail(c, s, "\"ts\" must be a list of strings [ \"10.0.0.0/8\", ... ]");
	if (config_setting_length(s) == 0)
		return fail(c, s, "\"ts\" is empty");
	if (config_setting_length(s) > IKEV2_MAX_TS)
		return fail(c, s, "more than %u traffic selectors", IKEV2_MAX_TS);
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *el = config_setting_get_elem(s, (unsigned int)i);

		if (config_setting_type(el) != CONFIG_TYPE_STRING)
			return fail(c, el, "traffic selectors are strings");
		if (ts_parse(config_setting_get_string(el), &out->ts[out->n++], err, sizeof(err)))
			return fail(c, el, "%s", err);
	}
	return 0;
}

static int parse_end(struct ctx *c, const config_setting_t *conn, const char *which, struct conf_end *e,
		     bool remote)
{
	static const char *const allowed[] = { "addr", "id", "auth", "cert", "key", "cacert", "ts", NULL };
	static const char *const auths[] = { "", "psk", "pubkey", NULL };
	const config_setting_t *g = config_setting_get_member(conn, which);
	const char *addr, *id, *path;
	char what[32];
	int auth = CONF_AUTH_PSK;

	if (!g)
		return fail(c, conn, "missing group \"%s\"", which);
	snprintf(what, sizeof(what), "\"%s\"", which);
	if (check_members(c, g, what, allowed))
		return -1;
	if (get_string(c, g, "addr", &addr, true) ||
	    parse_address(c, config_setting_get_member(g, "addr"), addr, &e->addr, remote))
		return -1;
	if (keyword(c, g, "auth", &auth, auths))
		return -1;
	if (auth == 0)
		return fail(c, g, "auth must be \"psk\" or \"pubkey\"");
	e->auth = (enum conf_auth)auth;
	if (get_string(c, g, "id", &id, false))
		return -1;
	if (id) {
		if (parse_id(c, config_setting_get_member(g, "id"), id, e, remote))
			return -1;
	} else if (e->addr.ss_family != AF_UNSPEC) {
		/* default identity: the address */
		char text[INET6_ADDRSTRLEN];
		size_t alen;
		const uint8_t *a = addr_bytes(&e->addr, &alen);

		e->id_type = e->addr.ss_family == AF_INET ? IKEV2_ID_IPV4_ADDR : IKEV2_ID_IPV6_ADDR;
		memcpy(e->id, a, alen);
		e->id_len = alen;
		inet_ntop(e->addr.ss_family, a, text, sizeof(text));
		snprintf(e->id_text, sizeof(e->id_text), "%s", text);
	} else {
		snprintf(e->id_text, sizeof(e->id_text), "%%any");
	}
	if (get_string(c, g, "cert", &path, false) || (path && !(e->cert = strdup(path))) ||
	    get_string(c, g, "key", &path, false) || (path && !(e->key = strdup(path))) ||
	    get_string(c, g, "cacert", &path, false) || (path && !(e->cacert = strdup(path))))
		return fail(c, g, "out of memory");
	if (!remote && e->auth == CONF_AUTH_PUBKEY && (!e->cert || !e->key))
		return fail(c, g, "local pubkey authentication needs \"cert\" and \"key\"");
	if (remote && e->auth == CONF_AUTH_PUBKEY && !e->cacert)
		return fail(c, g, "remote pubkey authentication needs \"cacert\"");
	if (remote && (e->cert || e->key))
		return fail(c, g, "\"cert\"/\"key\" belong in \"local\"");
	if (!remote && e->cacert)
		return fail(c, g, "\"cacert\" belongs in \"remote\"");
	if (parse_ts_list(c, g, &e->ts))
		return -1;
	if (!e->ts.n && e->addr.ss_family != AF_UNSPEC) {
		/* default selector: the host itself (transport mode, host-to-host tunnels) */
		struct ts_prefix pf = { .family = (uint8_t)e->addr.ss_family };
		size_t alen;
		const uint8_t *a = addr_bytes(&e->addr, &alen);

		memcpy(pf.addr, a, alen);
		pf.plen = (uint8_t)(alen * 8);
		ts_from_prefix(&pf, 0, 0, 0xffff, &e->ts.ts[0]);
		e->ts.n = 1;
	}
	return 0;
}

static int parse_proposals(struct ctx *c, const config_setting_t *conn, const char *name, uint8_t proto,
			   const char *const *defaults, size_t ndefaults, struct ikev2_sa *sa)
{
	const config_setting_t *s = config_setting_get_member(conn, name);
	char err[256];
	int n;

	sa->nproposals = 0;
	if (s && !config_setting_is_array(s) && !config_setting_is_list(s))
		return fail(c, s, "\"%s\" must be a list of strings", name);
	n = s ? config_setting_length(s) : (int)ndefaults;
	if (n == 0)
		return fail(c, s, "\"%s\" is empty", name);
	if (n > IKEV2_MAX_PROPOSALS)
		return fail(c, s, "more than %u proposals", IKEV2_MAX_PROPOSALS);
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = s ? config_setting_get_elem(s, (unsigned int)i) : NULL;
		const char *text = el ? config_setting_get_string(el) : defaults[i];
		struct ikev2_proposal *p = &sa->prop[i];

		if (!text)
			return fail(c, el, "proposals are strings like \"aes256gcm16-prfsha384-ecp384\"");
		if (proposal_parse(text, proto, p, err, sizeof(err)))
			return fail(c, el ? el : conn, "%s", err);
		p->num = (uint8_t)(i + 1);
		sa->nproposals++;
	}
	return 0;
}

static int parse_psk(struct ctx *c, const config_setting_t *conn, struct conf_conn *cn)
{
	const config_setting_t *s = config_setting_get_member(conn, "psk");
	const char *v;
	size_t len;

	if (get_string(c, conn, "psk", &v, false))
		return -1;
	if (!v) {
		if (cn->local.auth == CONF_AUTH_PSK || cn->remote.auth == CONF_AUTH_PSK)
			return fail(c, conn, "auth psk needs a \"psk\" setting");
		return 0;
	}
	len = strlen(v);
	if (!len)
		return fail(c, s, "\"psk\" is empty");
	cn->psk = malloc(len);
	if (!cn->psk)
		return fail(c, s, "out of memory");
	if (!strncmp(v, "0x", 2)) {
		ssize_t n = unhex(v + 2, cn->psk, len);

		if (n <= 0)
			return fail(c, s, "\"psk\" starting with 0x must be hex digits");
		cn->psk_len = (size_t)n;
	} else {
		memcpy(cn->psk, v, len);
		cn->psk_len = len;
	}
	return 0;
}

static int parse_conn(struct ctx *c, const config_setting_t *g, struct conf_conn *cn, uint32_t index)
{
	static const char *const allowed[] = { "name", "local", "remote", "psk", "ike_proposals",
					       "esp_proposals", "mode", "reqid", "lifetime", "start_action",
					       "dpd", "replay_window", NULL };
	static const char *const modes[] = { "transport", "tunnel", NULL };
	static const char *const starts[] = { "none", "trap", "start", NULL };
	static const char *const dpd_actions[] = { "clear", "restart", "trap", NULL };
	static const char *const life_allowed[] = { "ike", "child", "rekey_margin", "jitter", NULL };
	static const char *const dpd_allowed[] = { "delay", "timeout", "action", NULL };
	const config_setting_t *sub;
	const char *name;
	int mode = KIPSEC_MODE_TUNNEL, start = CONF_START_NONE, dpd_action = CONF_DPD_RESTART;

	if (check_members(c, g, "a connection", allowed))
		return -1;
	if (get_string(c, g, "name", &name, true))
		return -1;
	if (!name[0] || strlen(name) >= sizeof(cn->name))
		return fail(c, g, "connection name must be 1..%d characters", CONF_NAME_MAX - 1);
	snprintf(cn->name, sizeof(cn->name), "%s", name);
	if (parse_end(c, g, "local", &cn->local, false) || parse_end(c, g, "remote", &cn->remote, true))
		return -1;
	if (cn->remote.addr.ss_family != AF_UNSPEC && cn->remote.addr.ss_family != cn->local.addr.ss_family)
		return fail(c, g, "connection \"%s\": local and remote addresses of different families", name);
	if (parse_psk(c, g, cn))
		return -1;
	if (parse_proposals(c, g, "ike_proposals", IKEV2_PROTO_IKE, default_ike, 2, &cn->ike) ||
	    parse_proposals(c, g, "esp_proposals", IKEV2_PROTO_ESP, default_esp, 2, &cn->esp))
		return -1;
	if (keyword(c, g, "mode", &mode, modes) || keyword(c, g, "start_action", &start, starts))
		return -1;
	cn->mode = (uint8_t)mode;
	cn->start_action = (enum conf_start)start;
	if (cn->start_action != CONF_START_NONE && cn->remote.addr.ss_family == AF_UNSPEC)
		return fail(c, g, "connection \"%s\": start_action \"%s\" needs a remote address, not %%any",
			    name, starts[start]);
	cn->reqid = index + 1;
	cn->replay_window = 64;
	if (get_uint(c, g, "reqid", &cn->reqid, 1, UINT32_MAX) ||
	    get_uint(c, g, "replay_window", &cn->replay_window, 0, KIPSEC_REPLAY_WINDOW_MAX))
		return -1;

	cn->ike_lifetime = 14400;
	cn->child_lifetime = 3600;
	cn->rekey_margin = 540;
	cn->rekey_jitter = 0;
	sub = config_setting_get_member(g, "lifetime");
	if (sub && (check_members(c, sub, "\"lifetime\"", life_allowed) ||
		    get_uint(c, sub, "ike", &cn->ike_lifetime, 60, 86400 * 7) ||
		    get_uint(c, sub, "child", &cn->child_lifetime, 60, 86400 * 7) ||
		    get_uint(c, sub, "rekey_margin", &cn->rekey_margin, 0, 86400) ||
		    get_uint(c, sub, "jitter", &cn->rekey_jitter, 0, 86400)))
		return -1;
	if (cn->rekey_margin >= cn->ike_lifetime || cn->rekey_margin >= cn->child_lifetime)
		return fail(c, sub ? sub : g, "connection \"%s\": rekey_margin must be below both lifetimes", name);
	if (cn->rekey_jitter + cn->rekey_margin >= cn->ike_lifetime ||
	    cn->rekey_jitter + cn->rekey_margin >= cn->child_lifetime)
		return fail(c, sub, "connection \"%s\": rekey_margin + jitter must be below both lifetimes",
			    name);

	cn->dpd_delay = 0;
	sub = config_setting_get_member(g, "dpd");
	if (sub && (check_members(c, sub, "\"dpd\"", dpd_allowed) ||
		    get_uint(c, sub, "delay", &cn->dpd_delay, 0, 3600) ||
		    keyword(c, sub, "action", &dpd_action, dpd_actions)))
		return -1;
	/* default: five silent delays, at least the first retransmissions (2+4+8 s) */
	cn->dpd_timeout = cn->dpd_delay * 5 < 15 ? 15 : cn->dpd_delay * 5;
	if (sub && get_uint(c, sub, "timeout", &cn->dpd_timeout, 1, 86400))
		return -1;
	cn->dpd_action = (enum conf_dpd_action)dpd_action;
	return 0;
}

static int load(config_t *cf, struct keyd_conf *conf, struct ctx *c)
{
	static const char *const top_allowed[] = { "daemon", "connections", NULL };
	static const char *const daemon_allowed[] = { "port", "natt_port", "log_level", NULL };
	static const char *const levels[] = { "error", "warning", "info", "debug", NULL };
	const config_setting_t *root = config_root_setting(cf), *d, *conns;
	uint32_t port = 500, natt = 4500;
	int level = 2;

	memset(conf, 0, sizeof(*conf));
	if (check_members(c, root, "the top level", top_allowed))
		return -1;
	d = config_setting_get_member(root, "daemon");
	if (d && (check_members(c, d, "\"daemon\"", daemon_allowed) ||
		  get_uint(c, d, "port", &port, 1, 65535) || get_uint(c, d, "natt_port", &natt, 1, 65535) ||
		  keyword(c, d, "log_level", &level, levels)))
		return -1;
	conf->port = (uint16_t)port;
	conf->natt_port = (uint16_t)natt;
	snprintf(conf->log_level, sizeof(conf->log_level), "%s", levels[level]);

	conns = config_setting_get_member(root, "connections");
	if (!conns)
		return 0;
	if (!config_setting_is_list(conns))
		return fail(c, conns, "\"connections\" must be a list ( { ... }, { ... } )");
	conf->conns = calloc((size_t)config_setting_length(conns) + 1, sizeof(*conf->conns));
	if (!conf->conns)
		return fail(c, conns, "out of memory");
	for (int i = 0; i < config_setting_length(conns); i++) {
		struct conf_conn *cn = &conf->conns[i];

		conf->nconns++;
		if (parse_conn(c, config_setting_get_elem(conns, (unsigned int)i), cn, (uint32_t)i))
			return -1;
		for (int j = 0; j < i; j++) {
			if (!strcmp(conf->conns[j].name, cn->name))
				return fail(c, config_setting_get_elem(conns, (unsigned int)i),
					    "connection name \"%s\" used twice", cn->name);
			if (conf->conns[j].reqid == cn->reqid)
				return fail(c, config_setting_get_elem(conns, (unsigned int)i),
					    "connection \"%s\": reqid %u already used by \"%s\"",
					    cn->name, cn->reqid, conf->conns[j].name);
		}
	}
	return 0;
}

static int finish(config_t *cf, int read_ok, struct keyd_conf *conf, char *err, size_t errlen)
{
	struct ctx c = { err, errlen };
	int ret;

	if (!read_ok) {
		snprintf(err, errlen, "%s:%d: %s", config_error_file(cf) ? config_error_file(cf) : "config",
			 config_error_line(cf), config_error_text(cf));
		config_destroy(cf);
		memset(conf, 0, sizeof(*conf));
		return -1;
	}
	ret = load(cf, conf, &c);
	config_destroy(cf);
	if (ret)
		config_free(conf);
	return ret;
}

int config_load_file(const char *path, struct keyd_conf *conf, char *err, size_t errlen)
{
	config_t cf;
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %m", path);
		memset(conf, 0, sizeof(*conf));
		return -1;
	}
	fclose(f);
	config_init(&cf);
	return finish(&cf, config_read_file(&cf, path) == CONFIG_TRUE, conf, err, errlen);
}

int config_load_string(const char *text, struct keyd_conf *conf, char *err, size_t errlen)
{
	config_t cf;

	config_init(&cf);
	return finish(&cf, config_read_string(&cf, text) == CONFIG_TRUE, conf, err, errlen);
}

static void free_end(struct conf_end *e)
{
	free(e->cert);
	free(e->key);
	free(e->cacert);
}

void config_free(struct keyd_conf *conf)
{
	for (size_t i = 0; i < conf->nconns; i++) {
		struct conf_conn *cn = &conf->conns[i];

		if (cn->psk) {
			OPENSSL_cleanse(cn->psk, cn->psk_len);
			free(cn->psk);
		}
		free_end(&cn->local);
		free_end(&cn->remote);
		if (cn->certs) {
			cert_conn_free(cn->certs);
			free(cn->certs);
		}
	}
	free(conf->conns);
	memset(conf, 0, sizeof(*conf));
}

const char *config_start_name(enum conf_start s)
{
	return s == CONF_START_START ? "start" : s == CONF_START_TRAP ? "trap" : "none";
}

static void print_end(FILE *out, const char *label, const struct conf_end *e)
{
	char addr[INET6_ADDRSTRLEN] = "%any", ts[128];
	size_t alen;

	if (e->addr.ss_family != AF_UNSPEC)
		inet_ntop(e->addr.ss_family, addr_bytes(&e->addr, &alen), addr, sizeof(addr));
	fprintf(out, "  %-7s %s  id %s  auth %s", label, addr, e->id_text,
		e->auth == CONF_AUTH_PSK ? "psk" : "pubkey");
	if (e->cert)
		fprintf(out, "  cert %s", e->cert);
	if (e->cacert)
		fprintf(out, "  cacert %s", e->cacert);
	fprintf(out, "\n          ts");
	for (unsigned int i = 0; i < e->ts.n; i++) {
		ts_format(&e->ts.ts[i], ts, sizeof(ts));
		fprintf(out, " %s", ts);
	}
	fprintf(out, "\n");
}

static void print_sa(FILE *out, const char *label, const struct ikev2_sa *sa)
{
	char text[512];

	fprintf(out, "  %-7s", label);
	for (unsigned int i = 0; i < sa->nproposals; i++) {
		proposal_format(&sa->prop[i], text, sizeof(text));
		fprintf(out, "%s%s", i ? " | " : " ", text);
	}
	fprintf(out, "\n");
}

void config_print(const struct keyd_conf *conf, FILE *out)
{
	static const char *const dpd[] = { "clear", "restart", "trap" };

	fprintf(out, "daemon: port %u, NAT-T port %u, log level %s, %zu connection%s\n",
		conf->port, conf->natt_port, conf->log_level, conf->nconns, conf->nconns == 1 ? "" : "s");
	for (size_t i = 0; i < conf->nconns; i++) {
		const struct conf_conn *cn = &conf->conns[i];

		fprintf(out, "connection \"%s\": %s mode, reqid %u, start_action %s\n", cn->name,
			cn->mode == KIPSEC_MODE_TUNNEL ? "tunnel" : "transport", cn->reqid,
			config_start_name(cn->start_action));
		print_end(out, "local", &cn->local);
		print_end(out, "remote", &cn->remote);
		print_sa(out, "ike", &cn->ike);
		print_sa(out, "esp", &cn->esp);
		fprintf(out, "  lifetimes: IKE %us, child %us, rekey %us before (jitter %us); replay window %u; ",
			cn->ike_lifetime, cn->child_lifetime, cn->rekey_margin, cn->rekey_jitter,
			cn->replay_window);
		if (cn->dpd_delay)
			fprintf(out, "DPD every %us, dead after %us, then %s\n", cn->dpd_delay, cn->dpd_timeout,
				dpd[cn->dpd_action]);
		else
			fprintf(out, "no DPD\n");
		if (cn->psk)
			fprintf(out, "  psk: %zu bytes\n", cn->psk_len);
	}
}
