// SPDX-License-Identifier: GPL-2.0
/* X.509 certificates for IKE_AUTH; see cert.h. */
#include "cert.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "ikev2.h"
#include "ikev2_auth.h"

static const char *ossl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "unknown error";
}

/* Encrypted keys would make OpenSSL prompt on the terminal: refuse them instead. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

static STACK_OF(X509) *read_pem_certs(const char *path, char *err, size_t errlen)
{
	STACK_OF(X509) *sk;
	BIO *bio = BIO_new_file(path, "r");
	X509 *x;

	if (!bio) {
		snprintf(err, errlen, "cannot open %s: %s", path, ossl_reason());
		return NULL;
	}
	sk = sk_X509_new_null();
	while (sk && (x = PEM_read_bio_X509(bio, NULL, no_password, NULL)))
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			break;
		}
	/* the loop ends with a "no start line" error at the end of the file */
	ERR_clear_error();
	BIO_free(bio);
	if (!sk || !sk_X509_num(sk)) {
		snprintf(err, errlen, "%s: no PEM certificate in it", path);
		sk_X509_pop_free(sk, X509_free);
		return NULL;
	}
	return sk;
}

int cert_load_local(struct cert_conn *cc, const char *cert_path, const char *key_path,
		    char *err, size_t errlen)
{
	if (cert_path) {
		STACK_OF(X509) *sk = read_pem_certs(cert_path, err, errlen);

		if (!sk)
			return -1;
		cc->cert = sk_X509_shift(sk);
		cc->chain = sk;
	}
	if (key_path) {
		BIO *bio = BIO_new_file(key_path, "r");

		if (!bio) {
			snprintf(err, errlen, "cannot open %s: %s", key_path, ossl_reason());
			return -1;
		}
		cc->key = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
		BIO_free(bio);
		if (!cc->key) {
			snprintf(err, errlen, "%s: no usable private key (PEM, unencrypted): %s", key_path,
				 ossl_reason());
			return -1;
		}
	}
	if (cc->cert && cc->key && X509_check_private_key(cc->cert, cc->key) != 1) {
		snprintf(err, errlen, "%s and %s: the private key does not belong to the certificate",
			 key_path, cert_path);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static int load_ca_file(struct cert_conn *cc, const char *ca_path, char *err, size_t errlen)
{
	STACK_OF(X509) *sk = read_pem_certs(ca_path, err, errlen);
	int ret = 0;

	if (!sk)
		return -1;
	if (!cc->store)
		cc->store = X509_STORE_new();
	if (!cc->store) {
		snprintf(err, errlen, "out of memory");
		ret = -1;
	}
	for (int i = 0; !ret && i < sk_X509_num(sk); i++) {
		X509 *ca = sk_X509_value(sk, i);
		uint8_t h[CERT_HASH_LEN];

		if (!X509_STORE_add_cert(cc->store, ca) || cert_spki_hash(ca, h)) {
			snprintf(err, errlen, "%s: cannot use certificate %d: %s", ca_path, i + 1, ossl_reason());
			ret = -1;
			break;
		}
		buf_put(&cc->certreq, h, sizeof(h));
	}
	sk_X509_pop_free(sk, X509_free);
	if (!ret && cc->certreq.failed) {
		snprintf(err, errlen, "out of memory");
		ret = -1;
	}
	return ret;
}

int cert_load_cas(struct cert_conn *cc, const char *ca_path, char *err, size_t errlen)
{
	struct dirent *de;
	struct stat st;
	size_t before = cc->certreq.len;
	DIR *d;
	int ret = 0;

	if (stat(ca_path, &st) || !S_ISDIR(st.st_mode))
		return load_ca_file(cc, ca_path, err, errlen);
	/* a directory: every regular file holding PEM certificates */
	d = opendir(ca_path);
	if (!d) {
		snprintf(err, errlen, "cannot open directory %s", ca_path);
		return -1;
	}
	while (!ret && (de = readdir(d))) {
		char path[4096];
		STACK_OF(X509) *probe;

		snprintf(path, sizeof(path), "%s/%s", ca_path, de->d_name);
		if (de->d_name[0] == '.' || stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		probe = read_pem_certs(path, err, errlen);
		if (!probe)
			continue;	/* not a certificate file: skipped */
		sk_X509_pop_free(probe, X509_free);
		ret = load_ca_file(cc, path, err, errlen);
	}
	closedir(d);
	if (!ret && cc->certreq.len == before) {
		snprintf(err, errlen, "%s: no PEM certificate in this directory", ca_path);
		ret = -1;
	}
	return ret;
}

void cert_conn_free(struct cert_conn *cc)
{
	X509_free(cc->cert);
	sk_X509_pop_free(cc->chain, X509_free);
	EVP_PKEY_free(cc->key);
	X509_STORE_free(cc->store);
	buf_free(&cc->certreq);
	memset(cc, 0, sizeof(*cc));
}

int cert_spki_hash(X509 *x, uint8_t out[CERT_HASH_LEN])
{
	unsigned char *der = NULL;
	unsigned int hl = 0;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	int ok;

	if (len <= 0)
		return -1;
	ok = EVP_Digest(der, (size_t)len, out, &hl, EVP_sha1(), NULL) && hl == CERT_HASH_LEN;
	OPENSSL_free(der);
	return ok ? 0 : -1;
}

/* Is the CA with this SPKI hash the issuer of x? (matched by the issuer's key, as CERTREQ names it) */
static bool issued_by_hash(const struct cert_conn *cc, X509 *x, const uint8_t *h)
{
	X509_STORE_CTX *ctx;
	X509 *issuer = NULL;
	uint8_t ih[CERT_HASH_LEN];
	bool found = false;

	/* an intermediate of ours may be the one asked for */
	for (int i = 0; cc->chain && i < sk_X509_num(cc->chain); i++) {
		X509 *c = sk_X509_value(cc->chain, i);

		if (X509_check_issued(c, x) == X509_V_OK && !cert_spki_hash(c, ih) &&
		    !memcmp(ih, h, CERT_HASH_LEN))
			return true;
	}
	/* otherwise the trusted CA that issued it */
	if (!cc->store)
		return false;
	ctx = X509_STORE_CTX_new();
	if (ctx && X509_STORE_CTX_init(ctx, cc->store, x, NULL) &&
	    X509_STORE_CTX_get1_issuer(&issuer, ctx, x) == 1) {
		found = !cert_spki_hash(issuer, ih) && !memcmp(ih, h, CERT_HASH_LEN);
		X509_free(issuer);
	}
	X509_STORE_CTX_free(ctx);
	return found;
}

bool cert_certreq_names_us(const struct cert_conn *cc, const uint8_t *data, size_t len)
{
	if (!cc->cert)
		return false;
	for (size_t off = 0; off + CERT_HASH_LEN <= len; off += CERT_HASH_LEN) {
		if (issued_by_hash(cc, cc->cert, data + off))
			return true;
		for (int i = 0; cc->chain && i < sk_X509_num(cc->chain); i++)
			if (issued_by_hash(cc, sk_X509_value(cc->chain, i), data + off))
				return true;
	}
	return false;
}

int cert_der(X509 *x, struct buf *out)
{
	int len = i2d_X509(x, NULL);
	unsigned char *p;

	if (len <= 0)
		return -1;
	p = buf_reserve(out, (size_t)len);
	if (!p || i2d_X509(x, &p) != len)
		return -1;
	return 0;
}

static void name_text(const X509_NAME *n, char *out, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	int len;

	snprintf(out, cap, "?");
	if (!b)
		return;
	/* "C=CH, O=Org, CN=host": RFC 2253 escaping, entries in certificate order */
	if (X509_NAME_print_ex(b, n, 0, (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) |
			       XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN) >= 0) {
		len = BIO_read(b, out, (int)cap - 1);
		out[len > 0 ? len : 0] = '\0';
	}
	BIO_free(b);
}

int cert_verify_chain(X509_STORE *store, const uint8_t *const *ders, const size_t *lens, size_t n,
		      X509 **peer, char *why, size_t whylen)
{
	STACK_OF(X509) *untrusted = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *ee = NULL;
	int ret = -1;

	*peer = NULL;
	if (!n) {
		snprintf(why, whylen, "no certificate received");
		return -1;
	}
	if (!store) {
		snprintf(why, whylen, "no trusted CA configured");
		return -1;
	}
	untrusted = sk_X509_new_null();
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = ders[i];
		X509 *x = d2i_X509(NULL, &p, (long)lens[i]);

		if (!x || p != ders[i] + lens[i]) {
			X509_free(x);
			snprintf(why, whylen, "certificate %zu of the peer cannot be parsed", i + 1);
			goto out;
		}
		if (!i) {
			ee = x;
		} else if (!untrusted || !sk_X509_push(untrusted, x)) {
			X509_free(x);
			snprintf(why, whylen, "out of memory");
			goto out;
		}
	}
	ctx = X509_STORE_CTX_new();
	if (!ctx || !X509_STORE_CTX_init(ctx, store, ee, untrusted)) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (X509_verify_cert(ctx) == 1) {
		*peer = ee;
		ee = NULL;
		ret = 0;
	} else {
		int e = X509_STORE_CTX_get_error(ctx);
		X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
		char name[256];

		if (!bad)
			bad = ee;
		switch (e) {
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		case X509_V_ERR_CERT_UNTRUSTED:
			name_text(X509_get_issuer_name(bad), name, sizeof(name));
			snprintf(why, whylen, "certificate not trusted (issuer %s): %s", name,
				 X509_verify_cert_error_string(e));
			break;
		default:
			name_text(X509_get_subject_name(bad), name, sizeof(name));
			snprintf(why, whylen, "certificate refused (%s): %s", name,
				 X509_verify_cert_error_string(e));
			break;
		}
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_free(ee);
	sk_X509_pop_free(untrusted, X509_free);
	return ret;
}

int cert_id_match(X509 *x, uint8_t id_type, const uint8_t *data, size_t len, char *why, size_t whylen)
{
	const unsigned int fl = X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_WILDCARDS;
	char subj[256];
	int r = 0;

	switch (id_type) {
	case 1:		/* ID_IPV4_ADDR */
	case 5:		/* ID_IPV6_ADDR */
		if (len == (id_type == 1 ? 4u : 16u))
			r = X509_check_ip(x, data, len, 0);
		break;
	case 2:		/* ID_FQDN */
		if (len && !memchr(data, 0, len))
			r = X509_check_host(x, (const char *)data, len, fl, NULL);
		break;
	case 3:		/* ID_RFC822_ADDR */
		if (len && !memchr(data, 0, len))
			r = X509_check_email(x, (const char *)data, len, fl);
		break;
	case 9: {	/* ID_DER_ASN1_DN */
		const unsigned char *p = data;
		X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);

		r = n && p == data + len && !X509_NAME_cmp(n, X509_get_subject_name(x));
		X509_NAME_free(n);
		break;
	}
	default:
		snprintf(why, whylen, "identity type %u cannot be checked against a certificate", id_type);
		return -1;
	}
	ERR_clear_error();
	if (r == 1)
		return 0;
	name_text(X509_get_subject_name(x), subj, sizeof(subj));
	snprintf(why, whylen, "identity does not match the certificate (%s of %s)",
		 id_type == 9 ? "not the subject" : "not in the subjectAltName", subj);
	return -1;
}

int cert_dn_parse(const char *text, uint8_t *der, size_t cap, size_t *len)
{
	X509_NAME *n = X509_NAME_new();
	char rdn[256];
	const char *s = text;
	unsigned char *p;
	int l, ret = -1;

	if (!n)
		return -1;
	while (*s) {
		size_t k = 0;
		char *eq, *key, *val, *end;

		while (*s == ',' || *s == '/' || isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		while (*s && *s != ',' && *s != '/' && k < sizeof(rdn) - 1)
			rdn[k++] = *s++;
		rdn[k] = '\0';
		eq = strchr(rdn, '=');
		if (!eq)
			goto out;
		*eq = '\0';
		key = rdn;
		val = eq + 1;
		for (end = eq; end > key && isspace((unsigned char)end[-1]); end--)
			end[-1] = '\0';
		while (isspace((unsigned char)*val))
			val++;
		for (end = val + strlen(val); end > val && isspace((unsigned char)end[-1]); end--)
			end[-1] = '\0';
		if (!*key || !*val ||
		    !X509_NAME_add_entry_by_txt(n, key, MBSTRING_UTF8, (const unsigned char *)val, -1, -1, 0))
			goto out;
	}
	if (X509_NAME_entry_count(n) == 0)
		goto out;
	l = i2d_X509_NAME(n, NULL);
	if (l <= 0 || (size_t)l > cap)
		goto out;
	p = der;
	if (i2d_X509_NAME(n, &p) != l)
		goto out;
	*len = (size_t)l;
	ret = 0;
out:
	ERR_clear_error();
	X509_NAME_free(n);
	return ret;
}

static X509_NAME *dn_decode(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);

	if (n && p != der + len) {
		X509_NAME_free(n);
		n = NULL;
	}
	ERR_clear_error();
	return n;
}

bool cert_dn_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	X509_NAME *na = dn_decode(a, alen), *nb = dn_decode(b, blen);
	bool eq = na && nb && !X509_NAME_cmp(na, nb);

	X509_NAME_free(na);
	X509_NAME_free(nb);
	return eq;
}

void cert_dn_format(const uint8_t *der, size_t len, char *out, size_t cap)
{
	X509_NAME *n = dn_decode(der, len);

	if (!n) {
		snprintf(out, cap, "(malformed DN, %zu bytes)", len);
		return;
	}
	name_text(n, out, cap);
	X509_NAME_free(n);
}

int cert_subject_der(X509 *x, struct buf *out)
{
	int len = i2d_X509_NAME(X509_get_subject_name(x), NULL);
	unsigned char *p;

	if (len <= 0)
		return -1;
	p = buf_reserve(out, (size_t)len);
	if (!p || i2d_X509_NAME(X509_get_subject_name(x), &p) != len)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ connections */

static int load_conn(struct conf_conn *cn, char *err, size_t errlen)
{
	struct cert_conn *cc = calloc(1, sizeof(*cc));
	char why[256];

	if (!cc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	buf_init(&cc->certreq);
	cn->certs = cc;
	if (cn->local.auth == CONF_AUTH_PUBKEY) {
		if (cert_load_local(cc, cn->local.cert, cn->local.key, err, errlen))
			return -1;
		/* the ID we send must be one the peer finds in our certificate */
		if (cert_id_match(cc->cert, cn->local.id_type, cn->local.id, cn->local.id_len, why,
				  sizeof(why))) {
			snprintf(err, errlen, "local id %.100s: %.200s", cn->local.id_text, why);
			return -1;
		}
	}
	if (cn->remote.auth == CONF_AUTH_PUBKEY && cert_load_cas(cc, cn->remote.cacert, err, errlen))
		return -1;
	return 0;
}

int cert_conf_load(struct keyd_conf *conf, char *err, size_t errlen)
{
	char e[512];

	for (size_t i = 0; i < conf->nconns; i++) {
		struct conf_conn *cn = &conf->conns[i];

		if (cn->certs || (cn->local.auth != CONF_AUTH_PUBKEY && cn->remote.auth != CONF_AUTH_PUBKEY))
			continue;
		if (load_conn(cn, e, sizeof(e))) {
			snprintf(err, errlen, "connection %.64s: %.400s", cn->name, e);
			return -1;
		}
	}
	return 0;
}

int cert_put_ours(const struct cert_conn *cc, struct ikev2_chain *c)
{
	int n = cc->chain ? sk_X509_num(cc->chain) : 0;

	for (int i = -1; i < n; i++) {
		struct buf der;
		int ret;

		buf_init(&der);
		if (cert_der(i < 0 ? cc->cert : sk_X509_value(cc->chain, i), &der)) {
			buf_free(&der);
			return -1;
		}
		ret = ikev2_put_cert(c, IKEV2_PL_CERT,
				     &(struct ikev2_cert){ IKEV2_CERT_X509_SIG, der.data, der.len });
		buf_free(&der);
		if (ret)
			return -1;
	}
	return 0;
}

int cert_put_certreq(const struct cert_conn *cc, struct ikev2_chain *c)
{
	if (!cc->certreq.len)
		return 0;
	return ikev2_put_cert(c, IKEV2_PL_CERTREQ,
			      &(struct ikev2_cert){ IKEV2_CERT_X509_SIG, cc->certreq.data, cc->certreq.len });
}

int cert_certreq_check(const struct cert_conn *cc, const struct ikev2_pldlist *l)
{
	const struct ikev2_pld *p;
	struct ikev2_cert cr;
	size_t pos = 0;
	int seen = -1;

	while ((p = ikev2_pld_find(l, IKEV2_PL_CERTREQ, &pos))) {
		if (ikev2_pld_cert_decode(IKEV2_PL_CERTREQ, p->body, p->len, &cr, NULL) ||
		    cr.encoding != IKEV2_CERT_X509_SIG)
			continue;
		seen = 0;
		if (cert_certreq_names_us(cc, cr.data, cr.len))
			return 1;
	}
	return seen;
}

int cert_check_peer(const struct cert_conn *cc, const struct ikev2_pldlist *l, const uint8_t *idb,
		    size_t idl, const struct ikev2_auth *auth, const uint8_t *octets, size_t octets_len,
		    char *why, size_t whylen)
{
	const uint8_t *ders[CERT_MAX_CHAIN];
	size_t lens[CERT_MAX_CHAIN], n = 0, pos = 0;
	const struct ikev2_pld *p;
	struct ikev2_cert ct;
	X509 *peer = NULL;
	int ret = -1;

	while ((p = ikev2_pld_find(l, IKEV2_PL_CERT, &pos))) {
		if (ikev2_pld_cert_decode(IKEV2_PL_CERT, p->body, p->len, &ct, NULL) ||
		    ct.encoding != IKEV2_CERT_X509_SIG)
			continue;	/* other encodings (hash and URL, CRLs) are not used */
		if (n == CERT_MAX_CHAIN) {
			snprintf(why, whylen, "more than %d certificates from the peer", CERT_MAX_CHAIN);
			return -1;
		}
		ders[n] = ct.data;
		lens[n++] = ct.len;
	}
	if (!n) {
		snprintf(why, whylen, "no X.509 certificate received (CERT payload)");
		return -1;
	}
	if (idl < 4 || cert_verify_chain(cc->store, ders, lens, n, &peer, why, whylen))
		return -1;
	if (!cert_id_match(peer, idb[0], idb + 4, idl - 4, why, whylen) &&
	    !ikev2_auth_verify(X509_get0_pubkey(peer), auth->method, auth->data, auth->len, octets,
			       octets_len, why, whylen)) {
		char subj[200], how[120];

		snprintf(how, sizeof(how), "%s", why);
		name_text(X509_get_subject_name(peer), subj, sizeof(subj));
		snprintf(why, whylen, "certificate \"%s\", %s", subj, how);
		ret = 0;
	}
	X509_free(peer);
	ERR_clear_error();
	return ret;
}
