/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKEv2 payloads (RFC 7296 section 3): decoded forms, decoders and
 * encoders. Decoders never copy variable-length data: the pointers in the
 * structures below point into the buffer that was decoded, which must
 * outlive them. Every decoder checks every length against its buffer and
 * fills a struct ikev2_error on failure; no input can make them abort.
 */
#ifndef KEYD_IKEV2_PLD_H
#define KEYD_IKEV2_PLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ikev2.h"

enum ikev2_errcode {
	IKEV2_OK = 0,
	IKEV2_E_TRUNCATED,	/* a field runs past the end of its container */
	IKEV2_E_LENGTH,		/* a length field disagrees with the data */
	IKEV2_E_VERSION,	/* major version above 2: answer INVALID_MAJOR_VERSION */
	IKEV2_E_OLD_VERSION,	/* major version below 2 (IKEv1): drop silently */
	IKEV2_E_CRITICAL,	/* unknown payload marked critical */
	IKEV2_E_SYNTAX,		/* a field holds a value the RFC forbids */
	IKEV2_E_LIMIT,		/* more items than this implementation keeps */
	IKEV2_E_SK_POSITION,	/* SK/SKF not the last payload, or nested */
	IKEV2_E_INTEGRITY,	/* SK integrity check / AEAD tag failed */
	IKEV2_E_UNSUPPORTED,	/* algorithm or feature not implemented */
	IKEV2_E_NOMEM,
	IKEV2_E_INTERNAL,	/* crypto library failure, encoder misuse */
};

struct ikev2_error {
	enum ikev2_errcode code;
	uint8_t pld_type;	/* payload being decoded (0: header) */
	size_t offset;		/* of that payload's header in the message */
	char msg[192];		/* human-readable, for the log */
};

const char *ikev2_strerror(enum ikev2_errcode code);
/* The notify a responder answers a decode error with (0: just drop). */
uint16_t ikev2_error_notify(const struct ikev2_error *err);
/* Fills err (may be NULL); always returns -1 so callers can "return ikev2_fail(...)". */
int ikev2_fail(struct ikev2_error *err, enum ikev2_errcode code, uint8_t pld_type,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- SA ---- */
struct ikev2_transform {
	uint8_t type;		/* enum ikev2_xform_type */
	uint16_t id;
	uint16_t keylen;	/* Key Length attribute in bits; 0 = absent */
	bool unknown_attr;	/* carried an attribute we don't know: never select it */
};

struct ikev2_proposal {
	uint8_t num;
	uint8_t proto;		/* enum ikev2_proto */
	uint8_t spi_size;	/* 0, 4 or 8 */
	uint8_t spi[8];
	uint8_t ntransforms;
	struct ikev2_transform xf[IKEV2_MAX_TRANSFORMS];
};

struct ikev2_sa {
	uint8_t nproposals;
	struct ikev2_proposal prop[IKEV2_MAX_PROPOSALS];
};

/* ---- KE, Nonce, ID, AUTH, CERT/CERTREQ, V ---- */
struct ikev2_ke {
	uint16_t group;		/* enum ikev2_dh */
	const uint8_t *data;
	size_t len;
};

struct ikev2_id {
	uint8_t type;		/* enum ikev2_id_type */
	const uint8_t *data;
	size_t len;
};

struct ikev2_auth {
	uint8_t method;		/* enum ikev2_auth_method */
	const uint8_t *data;
	size_t len;
};

struct ikev2_cert {
	uint8_t encoding;	/* enum ikev2_cert_enc */
	const uint8_t *data;
	size_t len;
};

/* ---- N ---- */
struct ikev2_notify {
	uint8_t proto;		/* 0 when no SPI */
	uint8_t spi_size;
	uint8_t spi[8];
	uint16_t type;		/* enum ikev2_notify_type */
	const uint8_t *data;
	size_t len;
};

/* ---- D ---- */
struct ikev2_delete {
	uint8_t proto;
	uint8_t spi_size;	/* 0 for IKE, 4 for ESP/AH */
	uint16_t nspi;
	const uint8_t *spis;	/* nspi * spi_size bytes */
};

/* ---- TSi/TSr ---- */
struct ikev2_ts {
	uint8_t type;		/* IKEV2_TS_IPV4_ADDR_RANGE / _IPV6_ */
	uint8_t proto;		/* IP protocol, 0 = any */
	uint16_t sport;		/* start port (or ICMP type<<8|code) */
	uint16_t eport;		/* end port, inclusive */
	uint8_t start[16];	/* network order; IPv4 uses the first 4 bytes */
	uint8_t end[16];
};

struct ikev2_ts_list {
	uint8_t n;
	struct ikev2_ts ts[IKEV2_MAX_TS];
};

/* ---- SKF (RFC 7383) ---- */
struct ikev2_skf {
	uint16_t frag_num;	/* 1..total */
	uint16_t frag_total;
	const uint8_t *data;	/* IV | ciphertext | ICV */
	size_t len;
};

static inline size_t ikev2_ts_addr_len(uint8_t type)
{
	return type == IKEV2_TS_IPV6_ADDR_RANGE ? 16 : 4;
}

/* Body decoders: p/len is the payload body (after the 4-byte generic header). */
int ikev2_pld_sa_decode(const uint8_t *p, size_t len, struct ikev2_sa *out, struct ikev2_error *err);
int ikev2_pld_ke_decode(const uint8_t *p, size_t len, struct ikev2_ke *out, struct ikev2_error *err);
int ikev2_pld_nonce_decode(const uint8_t *p, size_t len, const uint8_t **nonce, size_t *nlen,
			   struct ikev2_error *err);
int ikev2_pld_id_decode(uint8_t pl_type, const uint8_t *p, size_t len, struct ikev2_id *out,
			struct ikev2_error *err);
int ikev2_pld_auth_decode(const uint8_t *p, size_t len, struct ikev2_auth *out, struct ikev2_error *err);
int ikev2_pld_cert_decode(uint8_t pl_type, const uint8_t *p, size_t len, struct ikev2_cert *out,
			  struct ikev2_error *err);
int ikev2_pld_notify_decode(const uint8_t *p, size_t len, struct ikev2_notify *out, struct ikev2_error *err);
int ikev2_pld_delete_decode(const uint8_t *p, size_t len, struct ikev2_delete *out, struct ikev2_error *err);
int ikev2_pld_ts_decode(uint8_t pl_type, const uint8_t *p, size_t len, struct ikev2_ts_list *out,
			struct ikev2_error *err);
int ikev2_pld_skf_decode(const uint8_t *p, size_t len, struct ikev2_skf *out, struct ikev2_error *err);
/* Runs the decoder of a known payload type and discards the result. */
int ikev2_pld_check(uint8_t type, const uint8_t *p, size_t len, struct ikev2_error *err);
bool ikev2_pld_known(uint8_t type);

/*
 * Encoding: a chain appends payloads to a buffer and links each one into
 * the "next payload" field of the one before (or of the IKE header). An
 * inner chain (the plaintext of SK) has no such field for its first
 * payload: its type is kept in .first for the SK header.
 */
struct ikev2_chain {
	struct buf *b;
	size_t np_off;		/* SIZE_MAX: nothing to patch yet (inner chain) */
	uint8_t first;
};

void ikev2_chain_init(struct ikev2_chain *c, struct buf *b, size_t np_off);
size_t ikev2_pld_begin(struct ikev2_chain *c, uint8_t type, bool critical);
void ikev2_pld_end(struct ikev2_chain *c, size_t hdr_off);

/* All return 0, or -1 when the buffer failed or the input can't be encoded. */
int ikev2_put_sa(struct ikev2_chain *c, const struct ikev2_sa *sa);
int ikev2_put_ke(struct ikev2_chain *c, const struct ikev2_ke *ke);
int ikev2_put_nonce(struct ikev2_chain *c, const uint8_t *nonce, size_t len);
int ikev2_put_id(struct ikev2_chain *c, uint8_t pl_type, const struct ikev2_id *id);
int ikev2_put_auth(struct ikev2_chain *c, const struct ikev2_auth *auth);
int ikev2_put_cert(struct ikev2_chain *c, uint8_t pl_type, const struct ikev2_cert *cert);
int ikev2_put_notify(struct ikev2_chain *c, const struct ikev2_notify *n);
int ikev2_put_delete(struct ikev2_chain *c, const struct ikev2_delete *d);
int ikev2_put_ts(struct ikev2_chain *c, uint8_t pl_type, const struct ikev2_ts_list *ts);
int ikev2_put_vendor(struct ikev2_chain *c, const uint8_t *vid, size_t len);
/* Any payload as opaque bytes (CP, EAP, tests). */
int ikev2_put_raw(struct ikev2_chain *c, uint8_t type, bool critical, const uint8_t *body, size_t len);

#endif /* KEYD_IKEV2_PLD_H */
