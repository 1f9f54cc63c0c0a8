/* SPDX-License-Identifier: GPL-2.0 */
/*
 * X.509 certificates for IKE_AUTH (RFC 7296 3.6, 3.7, 2.15): our own
 * certificate and private key, the CAs we trust for the peer (OpenSSL
 * X509_STORE), chain verification of the CERT payloads a peer sends,
 * CERTREQ authority hashes, and the identity checks between an ID payload
 * and the certificate it must belong to. Signatures are in ikev2_auth.c.
 */
#ifndef KEYD_CERT_H
#define KEYD_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "ikev2_msg.h"

struct keyd_conf;

#define CERT_HASH_LEN	20	/* CERTREQ: SHA-1 of a CA's SubjectPublicKeyInfo */
#define CERT_MAX_CHAIN	8	/* CERT payloads we accept from one peer */

/* The certificate material of one connection. */
struct cert_conn {
	X509 *cert;			/* ours: the end-entity certificate */
	STACK_OF(X509) *chain;		/* further certificates in our cert file (intermediates) */
	EVP_PKEY *key;			/* our private key */
	X509_STORE *store;		/* the CAs we trust for the peer */
	struct buf certreq;		/* CERTREQ data: the trusted CAs' hashes, concatenated */
};

/*
 * Loads "cert" (PEM; the first certificate is ours, the rest go along as
 * intermediates) and "key" (PEM), checks that they belong together.
 * Either path may be NULL. 0, or -1 with the reason in err.
 */
int cert_load_local(struct cert_conn *cc, const char *cert_path, const char *key_path,
		    char *err, size_t errlen);
/*
 * Loads every certificate of a PEM file, or of every regular file in a
 * directory, as a trusted CA and records its CERTREQ hash.
 */
int cert_load_cas(struct cert_conn *cc, const char *ca_path, char *err, size_t errlen);
void cert_conn_free(struct cert_conn *cc);

/* SHA-1 of the certificate's SubjectPublicKeyInfo (RFC 7296 3.7). */
int cert_spki_hash(X509 *x, uint8_t out[CERT_HASH_LEN]);
/* Does CERTREQ data (a list of hashes) name the issuer of one of our certificates? */
bool cert_certreq_names_us(const struct cert_conn *cc, const uint8_t *data, size_t len);

/* The DER encoding of a certificate into out (appended). 0 or -1. */
int cert_der(X509 *x, struct buf *out);

/*
 * Verifies the peer's certificates (DER; ders[0] is the end entity, the
 * rest untrusted intermediates) against store at the current time. On
 * success *peer holds a reference to the end-entity certificate (X509_free
 * it). On failure why gets e.g. "certificate not trusted (issuer CN=X):
 * unable to get local issuer certificate".
 */
int cert_verify_chain(X509_STORE *store, const uint8_t *const *ders, const size_t *lens, size_t n,
		      X509 **peer, char *why, size_t whylen);

/*
 * Does the ID payload (type and data) name this certificate? IPv4/IPv6,
 * FQDN and RFC822 are looked up in subjectAltName (never in the subject),
 * DER_ASN1_DN must equal the subject. 0 if so, -1 with the reason in why.
 */
int cert_id_match(X509 *x, uint8_t id_type, const uint8_t *data, size_t len, char *why, size_t whylen);

/* A DN as text, "C=CH, O=Org, CN=host" (',' or '/' between RDNs), to DER. 0 or -1. */
int cert_dn_parse(const char *text, uint8_t *der, size_t cap, size_t *len);
/* Two DER DNs that name the same thing (OpenSSL's canonical comparison). */
bool cert_dn_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* One-line text of a DER DN (RFC 2253 order reversed as strongSwan prints: "C=.., O=.., CN=.."). */
void cert_dn_format(const uint8_t *der, size_t len, char *out, size_t cap);
/* The subject of a certificate as DER (appended to out). */
int cert_subject_der(X509 *x, struct buf *out);

/*
 * Loads the certificate material of every connection that uses pubkey
 * (conf_conn.certs): our certificate and key, checked against our
 * configured ID, and the CAs for the peer. 0, or -1 with
 * "connection NAME: what" in err.
 */
int cert_conf_load(struct keyd_conf *conf, char *err, size_t errlen);

/* CERT payloads (X.509 signature): our certificate, then its intermediates. */
int cert_put_ours(const struct cert_conn *cc, struct ikev2_chain *c);
/* A CERTREQ payload naming our trusted CAs (nothing if there are none). */
int cert_put_certreq(const struct cert_conn *cc, struct ikev2_chain *c);
/*
 * Does a chain's CERTREQ payloads (if any) ask for a CA that issued our
 * certificate? 1 yes, 0 they name others, -1 no CERTREQ at all.
 */
int cert_certreq_check(const struct cert_conn *cc, const struct ikev2_pldlist *l);

/*
 * The peer's side of public-key IKE_AUTH: the X.509 CERT payloads of l
 * verified against cc->store, the ID payload body idb (type, 3 reserved
 * bytes, data) matched against the certificate, then the AUTH payload
 * verified over the signed octets with the certificate's key. 0 with
 * "certificate "SUBJECT", ALGORITHM" in why, or -1 with a one-line reason.
 */
int cert_check_peer(const struct cert_conn *cc, const struct ikev2_pldlist *l, const uint8_t *idb,
		    size_t idl, const struct ikev2_auth *auth, const uint8_t *octets, size_t octets_len,
		    char *why, size_t whylen);

#endif /* KEYD_CERT_H */
