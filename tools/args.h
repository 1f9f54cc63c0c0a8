/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tokenizer helpers shared by the state and policy parsers. Every parser
 * returns 0 on success or -1 after recording a one-line message (what is
 * wrong and how to fix it) that cli_err() returns; main prefixes it with
 * "kipsec: OBJECT COMMAND: ".
 */
#ifndef KIPSEC_ARGS_H
#define KIPSEC_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kaddr {
	int family;		/* AF_INET or AF_INET6; 0 = not set */
	uint8_t len;		/* 4 or 16 */
	uint8_t bytes[16];	/* network order */
};

/* Argument cursor over the words after the sub-command. */
struct toks {
	int argc;
	char **argv;
	int i;
};

int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prepend "PREFIX: " to the recorded message. */
int fail_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *cli_err(void);
void cli_err_clear(void);

bool toks_more(const struct toks *t);
const char *toks_peek(const struct toks *t);
/* Next word as the value of keyword @key; fails with "KEY needs VALUE". */
int toks_value(struct toks *t, const char *key, const char *what, const char **out);

/* A word like "-j" after the object: say where options go. Returns -1. */
int fail_misplaced_option(const char *word, const char *object);

int parse_addr(const char *s, struct kaddr *a);
/* ADDR or ADDR/PLEN; without /PLEN the prefix is the full address. */
int parse_prefix(const char *s, struct kaddr *a, uint8_t *plen);
/* Decimal or 0x-hex, no sign, must fit; @what names it in the error. */
int parse_u32(const char *what, const char *s, uint32_t *v);
int parse_u64(const char *what, const char *s, uint64_t *v);
int parse_u32_range(const char *what, const char *s, uint32_t lo, uint32_t hi,
		    uint32_t *v);
/* "0x..." hex (ip xfrm style) or the raw bytes of the string. */
int parse_key(const char *s, uint8_t *buf, size_t cap, size_t *len);
/* Upper-layer protocol: tcp, udp, icmp, ipv6-icmp, ... or 0..255. */
int parse_ipproto(const char *s, uint8_t *proto);
const char *ipproto_name(uint8_t proto);	/* NULL when unnamed */
/* N or N-M (M >= N), 0..65535. */
int parse_port_range(const char *what, const char *s, uint16_t *lo, uint16_t *hi);
/* IPsec protocol: esp, ah (or 50, 51). */
int parse_ipsec_proto(const char *s, uint8_t *proto);
const char *ipsec_proto_name(uint8_t proto);
int parse_mode(const char *s, uint8_t *mode);
const char *mode_name(uint8_t mode);

/* Text form of a 4- or 16-byte address; NULL for any other length. */
const char *addr_ntop(const void *bytes, size_t len, char *buf, size_t cap);

#endif
