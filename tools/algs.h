/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ip xfrm algorithm names <-> IANA IKEv2 transform ids. The kernel only
 * sees the ids; names exist for the command line and the output.
 */
#ifndef KIPSEC_ALGS_H
#define KIPSEC_ALGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct enc_alg {
	uint16_t id;		/* enum kipsec_enc_alg */
	const char *name;	/* ip xfrm (crypto API) name, printed */
	const char *aliases[4];	/* further names ip xfrm or habit accepts */
	bool aead;		/* given with "aead NAME KEY ICV" */
	uint16_t icv_bits;	/* AEAD: ICV this id stands for */
	uint8_t salt;		/* bytes of salt/nonce after the cipher key */
	uint8_t nkeys;
	uint8_t key_lens[3];	/* cipher key bytes allowed (without salt) */
};

struct integ_alg {
	uint16_t id;		/* enum kipsec_integ_alg */
	const char *name;
	const char *aliases[3];
	uint16_t icv_bits;	/* truncated ICV, fixed by the RFC */
	uint8_t key_len;	/* bytes, fixed by the RFC */
};

/*
 * Lookups by name record a message (args.h fail()) and return NULL when the
 * name is unknown or used with the wrong keyword.
 * @aead: the name came after "aead" (else after "enc").
 * @icv_bits: the ICV given after the key (AEAD only).
 */
const struct enc_alg *algs_enc_find(const char *name, bool aead, unsigned icv_bits);
const struct integ_alg *algs_integ_find(const char *name);
const struct enc_alg *algs_enc_by_id(uint16_t id);
const struct integ_alg *algs_integ_by_id(uint16_t id);

/* Check a key length (salt included); on success the cipher key bits. */
int algs_enc_check_key(const struct enc_alg *a, size_t len, uint16_t *key_bits);
int algs_integ_check_key(const struct integ_alg *a, size_t len);

#endif
