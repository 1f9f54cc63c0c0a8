/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipsec-keyd configuration: loads a libconfig file (format in README.md
 * and kipsec-keyd.conf.example) into plain structures, validating every
 * value. Unknown settings are errors, reported with file and line.
 */
#ifndef KEYD_CONFIG_H
#define KEYD_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>

#include "ikev2_pld.h"

struct cert_conn;

#define CONF_NAME_MAX	64
#define CONF_ID_MAX	255

enum conf_auth { CONF_AUTH_PSK = 1, CONF_AUTH_PUBKEY };
enum conf_start { CONF_START_NONE, CONF_START_TRAP, CONF_START_START };
enum conf_dpd_action { CONF_DPD_CLEAR, CONF_DPD_RESTART, CONF_DPD_TRAP };

struct conf_end {
	struct sockaddr_storage addr;	/* ss_family AF_UNSPEC: "%any" (remote only) */
	uint8_t id_type;		/* enum ikev2_id_type; 0: accept any (remote only) */
	uint8_t id[CONF_ID_MAX];	/* IDi/IDr payload data */
	size_t id_len;
	char id_text[CONF_ID_MAX + 16];
	enum conf_auth auth;
	char *cert;			/* pubkey: our certificate (PEM) */
	char *key;			/* pubkey: our private key (PEM) */
	char *cacert;			/* pubkey: CA that must have signed the peer */
	struct ikev2_ts_list ts;
};

struct conf_conn {
	char name[CONF_NAME_MAX];
	struct conf_end local;
	struct conf_end remote;
	uint8_t *psk;			/* wiped on free */
	size_t psk_len;
	struct ikev2_sa ike;		/* IKE proposals, local preference order */
	struct ikev2_sa esp;		/* Child SA proposals */
	uint8_t mode;			/* KIPSEC_MODE_TUNNEL / _TRANSPORT */
	uint32_t reqid;
	uint32_t ike_lifetime;		/* seconds */
	uint32_t child_lifetime;
	uint32_t rekey_margin;		/* rekey this long before the lifetime ends */
	uint32_t rekey_jitter;		/* ... and up to this much earlier, at random */
	uint32_t replay_window;
	enum conf_start start_action;
	uint32_t dpd_delay;		/* seconds; 0 = no DPD */
	uint32_t dpd_timeout;		/* seconds without an answer: peer dead */
	enum conf_dpd_action dpd_action;
	struct cert_conn *certs;	/* pubkey: loaded by cert_conf_load() (cert.h) */
};

struct keyd_conf {
	uint16_t port;
	uint16_t natt_port;
	char log_level[16];
	size_t nconns;
	struct conf_conn *conns;
};

/* 0 on success; -1 with "file:line: what" in err. */
int config_load_file(const char *path, struct keyd_conf *conf, char *err, size_t errlen);
int config_load_string(const char *text, struct keyd_conf *conf, char *err, size_t errlen);
void config_free(struct keyd_conf *conf);
void config_print(const struct keyd_conf *conf, FILE *out);

const char *config_start_name(enum conf_start s);
/* Same settings (reload keeps the SAs of a connection that did not change). */
bool config_conn_equal(const struct conf_conn *a, const struct conf_conn *b);

#endif /* KEYD_CONFIG_H */
