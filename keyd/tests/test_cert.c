// SPDX-License-Identifier: GPL-2.0
/*
 * Certificates and signature AUTH: RFC 7427 and classic signatures round
 * trip (RSA, ECDSA P-256/P-384, RSA-PSS accepted), every ID type against
 * a certificate, CERTREQ hashes, chain verification (trusted, with an
 * intermediate, untrusted), and a whole peer check from CERT payloads.
 * The PKI is made at test time by tests/gen_certs.sh in tests/build/certs.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "cert.h"
#include "config.h"
#include "ikev2.h"
#include "ikev2_auth.h"
#include "tap.h"

static char dir[512];

static void path(char *out, size_t cap, const char *name, const char *ext)
{
	snprintf(out, cap, "%s/%s.%s", dir, name, ext);
}

static int make_pki(void)
{
	const char *t = getenv("KEYD_TESTDIR");
	char cmd[4096];

	snprintf(dir, sizeof(dir), "%s/build/certs", t ? t : "tests");
	snprintf(cmd, sizeof(cmd),
		 "set -e; G=%s/gen_certs.sh; D=%s; rm -rf $D;"
		 "$G $D ca ca '/C=CH/O=kipsec test/CN=kipsec test CA';"
		 "$G $D ca rogue '/CN=rogue CA';"
		 "$G $D sub mid ca '/C=CH/O=kipsec test/CN=mid CA';"
		 "$G $D ee rsa ca rsa2048 '/C=CH/O=kipsec test/CN=rsa.test' "
		 "'DNS:rsa.test,IP:10.1.0.1,IP:fd00::1,email:rsa@kipsec.test';"
		 "$G $D ee ec256 ca p256 '/C=CH/O=kipsec test/CN=ec256.test' 'DNS:ec256.test';"
		 "$G $D ee ec384 mid p384 '/CN=ec384.test' 'DNS:ec384.test';"
		 "$G $D ee evil rogue p256 '/CN=evil.test' 'DNS:rsa.test';"
		 "mkdir $D/cadir; cp $D/ca.pem $D/rogue.pem $D/rsa.key $D/cadir/",
		 t ? t : "tests", dir);
	return system(cmd);
}

static int load(struct cert_conn *cc, const char *name, const char *ca)
{
	char c[600], k[600], a[600], err[512];
	int r = 0;

	memset(cc, 0, sizeof(*cc));
	buf_init(&cc->certreq);
	path(c, sizeof(c), name, "pem");
	path(k, sizeof(k), name, "key");
	if (name && cert_load_local(cc, c, k, err, sizeof(err)))
		r = -1;
	if (ca) {
		path(a, sizeof(a), ca, "pem");
		if (cert_load_cas(cc, a, err, sizeof(err)))
			r = -1;
	}
	if (r)
		printf("# load %s/%s: %s\n", name, ca ? ca : "-", err);
	return r;
}

static const uint8_t octets[] = "the signed octets: IKE_SA_INIT | nonce | prf(SK_p, ID)";

/* Sign with one key, verify with the other end's view of its public key. */
static void sig_case(struct cert_conn *cc, unsigned int hashes, bool pss, uint8_t want_method,
		     const char *what)
{
	struct buf sig;
	uint8_t method = 0;
	char why[256] = "";
	uint8_t bad[sizeof(octets)];
	int r;

	buf_init(&sig);
	r = ikev2_auth_sign(cc->key, hashes, pss, octets, sizeof(octets), &method, &sig);
	ok(!r && method == want_method, "%s: signed, method %u", what, method);
	r = ikev2_auth_verify(X509_get0_pubkey(cc->cert), method, sig.data, sig.len, octets,
			      sizeof(octets), why, sizeof(why));
	ok(!r, "%s: verifies (%s)", what, why);
	memcpy(bad, octets, sizeof(bad));
	bad[3] ^= 1;
	ok(ikev2_auth_verify(X509_get0_pubkey(cc->cert), method, sig.data, sig.len, bad, sizeof(bad),
			     why, sizeof(why)) && strstr(why, "does not verify"),
	   "%s: changed octets refused (%s)", what, why);
	if (sig.len > 4) {
		sig.data[sig.len - 2] ^= 0x40;
		ok(ikev2_auth_verify(X509_get0_pubkey(cc->cert), method, sig.data, sig.len, octets,
				     sizeof(octets), why, sizeof(why)),
		   "%s: changed signature refused", what);
	}
	buf_free(&sig);
}

static void test_signatures(void)
{
	const unsigned int all = (1u << IKEV2_HASH_SHA2_256) | (1u << IKEV2_HASH_SHA2_384) |
				 (1u << IKEV2_HASH_SHA2_512);
	struct cert_conn rsa, e256, e384;
	struct buf sig;
	uint8_t m, h[6];
	char why[256];

	ok(!load(&rsa, "rsa", NULL) && !load(&e256, "ec256", NULL) && !load(&e384, "ec384", NULL),
	   "RSA, P-256 and P-384 certificates and keys load");
	sig_case(&rsa, all, false, IKEV2_AUTH_DIGITAL_SIG, "RSA RFC 7427 sha256WithRSAEncryption");
	sig_case(&rsa, 1u << IKEV2_HASH_SHA2_512, false, IKEV2_AUTH_DIGITAL_SIG, "RSA RFC 7427 SHA-512 only");
	sig_case(&rsa, all, true, IKEV2_AUTH_DIGITAL_SIG, "RSA RFC 7427 RSASSA-PSS");
	sig_case(&rsa, 0, false, IKEV2_AUTH_RSA_SIG, "RSA classic method 1");
	sig_case(&e256, all, false, IKEV2_AUTH_DIGITAL_SIG, "ECDSA P-256 RFC 7427");
	sig_case(&e256, 0, false, IKEV2_AUTH_ECDSA_256, "ECDSA P-256 classic method 9");
	sig_case(&e384, all, false, IKEV2_AUTH_DIGITAL_SIG, "ECDSA P-384 RFC 7427");
	sig_case(&e384, 0, false, IKEV2_AUTH_ECDSA_384, "ECDSA P-384 classic method 10");

	/* the AlgorithmIdentifier picks the hash that fits the curve */
	buf_init(&sig);
	ikev2_auth_sign(e384.key, all, false, octets, sizeof(octets), &m, &sig);
	{
		const unsigned char *p = sig.data + 1;
		X509_ALGOR *a = d2i_X509_ALGOR(NULL, &p, sig.data[0]);

		ok(a && OBJ_obj2nid(a->algorithm) == NID_ecdsa_with_SHA384 && !a->parameter,
		   "P-384 signs ecdsa-with-SHA384 without parameters (RFC 7427 A.3)");
		X509_ALGOR_free(a);
	}
	/* a signature made with one key does not pass with another's */
	ok(ikev2_auth_verify(X509_get0_pubkey(e256.cert), m, sig.data, sig.len, octets, sizeof(octets),
			     why, sizeof(why)), "P-384 signature refused with the P-256 key (%s)", why);
	ok(ikev2_auth_verify(X509_get0_pubkey(rsa.cert), m, sig.data, sig.len, octets, sizeof(octets),
			     why, sizeof(why)) && strstr(why, "does not fit"),
	   "ECDSA signature refused with an RSA key (%s)", why);
	ok(ikev2_auth_verify(X509_get0_pubkey(e384.cert), IKEV2_AUTH_ECDSA_256, sig.data, 64, octets,
			     sizeof(octets), why, sizeof(why)), "method 9 refused for a P-384 key (%s)", why);
	ok(ikev2_auth_verify(X509_get0_pubkey(e384.cert), IKEV2_AUTH_DSS_SIG, sig.data, sig.len, octets,
			     sizeof(octets), why, sizeof(why)) && strstr(why, "not supported"),
	   "DSS method refused (%s)", why);
	ok(ikev2_auth_verify(X509_get0_pubkey(e384.cert), IKEV2_AUTH_DIGITAL_SIG, sig.data, 1, octets,
			     sizeof(octets), why, sizeof(why)) && strstr(why, "malformed"),
	   "truncated AlgorithmIdentifier refused (%s)", why);
	sig.data[0] = 200;
	ok(ikev2_auth_verify(X509_get0_pubkey(e384.cert), IKEV2_AUTH_DIGITAL_SIG, sig.data, sig.len,
			     octets, sizeof(octets), why, sizeof(why)), "overlong AlgorithmIdentifier length refused");
	buf_free(&sig);

	/* RSA with SHA-1 under method 14 is refused (we announce SHA-2 only) */
	buf_init(&sig);
	buf_put_u8(&sig, 0);
	{
		X509_ALGOR *a = X509_ALGOR_new();
		unsigned char *p;
		int l;
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		size_t sl = 512;

		X509_ALGOR_set0(a, OBJ_nid2obj(NID_sha1WithRSAEncryption), V_ASN1_NULL, NULL);
		l = i2d_X509_ALGOR(a, NULL);
		p = buf_reserve(&sig, (size_t)l);
		i2d_X509_ALGOR(a, &p);
		sig.data[0] = (uint8_t)l;
		p = buf_reserve(&sig, sl);
		EVP_DigestSignInit(ctx, NULL, EVP_sha1(), NULL, rsa.key);
		EVP_DigestSign(ctx, p, &sl, octets, sizeof(octets));
		sig.len = 1 + (size_t)l + sl;
		ok(ikev2_auth_verify(X509_get0_pubkey(rsa.cert), IKEV2_AUTH_DIGITAL_SIG, sig.data, sig.len,
				     octets, sizeof(octets), why, sizeof(why)) && strstr(why, "SHA-256/384/512"),
		   "sha1WithRSAEncryption refused under method 14 (%s)", why);
		EVP_MD_CTX_free(ctx);
		X509_ALGOR_free(a);
	}
	buf_free(&sig);

	ok(ikev2_sig_hashes_ours(h) == 6 && ikev2_sig_hashes_parse(h, 6) == all,
	   "SIGNATURE_HASH_ALGORITHMS: SHA2-256/384/512 announced and parsed back");
	ok(ikev2_sig_hashes_parse((const uint8_t *)"\x00\x01\x00\x05\xff\xff\x00", 7) == ((1u << 1) | (1u << 5)),
	   "hash list: unknown ids beyond 15 and an odd byte ignored");
	cert_conn_free(&rsa);
	cert_conn_free(&e256);
	cert_conn_free(&e384);
}

static int id_check(X509 *x, uint8_t type, const void *data, size_t len)
{
	char why[256];

	return cert_id_match(x, type, data, len, why, sizeof(why));
}

static void test_ids(void)
{
	struct cert_conn rsa, e256;
	uint8_t v4[4], v6[16], dn[256];
	size_t dnl;
	char why[256];

	load(&rsa, "rsa", NULL);
	load(&e256, "ec256", NULL);
	inet_pton(AF_INET, "10.1.0.1", v4);
	inet_pton(AF_INET6, "fd00::1", v6);
	ok(!id_check(rsa.cert, IKEV2_ID_IPV4_ADDR, v4, 4), "ID_IPV4_ADDR 10.1.0.1 in subjectAltName");
	v4[3] = 2;
	ok(id_check(rsa.cert, IKEV2_ID_IPV4_ADDR, v4, 4), "ID_IPV4_ADDR 10.1.0.2 not in the certificate");
	ok(!id_check(rsa.cert, IKEV2_ID_IPV6_ADDR, v6, 16), "ID_IPV6_ADDR fd00::1 in subjectAltName");
	ok(id_check(rsa.cert, IKEV2_ID_IPV6_ADDR, v6, 4), "ID_IPV6_ADDR of 4 bytes refused");
	ok(!id_check(rsa.cert, IKEV2_ID_FQDN, "rsa.test", 8), "ID_FQDN rsa.test in subjectAltName");
	ok(!id_check(rsa.cert, IKEV2_ID_FQDN, "RSA.test", 8), "ID_FQDN compared without case");
	ok(id_check(rsa.cert, IKEV2_ID_FQDN, "ec256.test", 10), "ID_FQDN of another host refused");
	ok(id_check(rsa.cert, IKEV2_ID_FQDN, "rsa.tes", 7), "ID_FQDN prefix refused");
	ok(id_check(rsa.cert, IKEV2_ID_FQDN, "rsa.test\0x", 10), "ID_FQDN with a NUL refused");
	ok(!id_check(rsa.cert, IKEV2_ID_RFC822_ADDR, "rsa@kipsec.test", 15), "ID_RFC822_ADDR in subjectAltName");
	ok(id_check(rsa.cert, IKEV2_ID_RFC822_ADDR, "ec@kipsec.test", 14), "other ID_RFC822_ADDR refused");
	ok(!cert_dn_parse("C=CH, O=kipsec test, CN=rsa.test", dn, sizeof(dn), &dnl) &&
	   !id_check(rsa.cert, IKEV2_ID_DER_ASN1_DN, dn, dnl), "ID_DER_ASN1_DN equal to the subject");
	ok(!cert_dn_parse("/C=CH/O=kipsec test/CN=rsa.test", dn, sizeof(dn), &dnl) &&
	   !id_check(rsa.cert, IKEV2_ID_DER_ASN1_DN, dn, dnl), "DN in slash form parses the same");
	ok(!cert_dn_parse("C=CH, O=kipsec test, CN=ec256.test", dn, sizeof(dn), &dnl) &&
	   id_check(rsa.cert, IKEV2_ID_DER_ASN1_DN, dn, dnl), "another DN refused");
	ok(!cert_dn_parse("C=CH, O=kipsec test", dn, sizeof(dn), &dnl) &&
	   id_check(rsa.cert, IKEV2_ID_DER_ASN1_DN, dn, dnl), "a prefix of the subject refused");
	ok(id_check(rsa.cert, IKEV2_ID_DER_ASN1_DN, dn, dnl - 1), "truncated DER DN refused");
	/* the CN alone is not an identity: only subjectAltName counts for FQDNs */
	ok(cert_id_match(e256.cert, IKEV2_ID_FQDN, (const uint8_t *)"rsa.test", 8, why, sizeof(why)) &&
	   strstr(why, "subjectAltName"), "reason names the subjectAltName (%s)", why);
	ok(id_check(rsa.cert, IKEV2_ID_KEY_ID, "ab", 2), "ID_KEY_ID cannot match a certificate");
	ok(cert_dn_parse("CN", dn, sizeof(dn), &dnl) && cert_dn_parse("", dn, sizeof(dn), &dnl) &&
	   cert_dn_parse("XX=1", dn, sizeof(dn), &dnl), "malformed DN texts refused");
	{
		uint8_t a[256], b[256];
		size_t al, bl;
		char txt[256];

		cert_dn_parse("C=CH,O=kipsec test,CN=rsa.test", a, sizeof(a), &al);
		cert_dn_parse("C = CH / O = KIPSEC  TEST / CN = rsa.test", b, sizeof(b), &bl);
		ok(cert_dn_equal(a, al, b, bl), "DN comparison ignores case and spacing");
		cert_dn_format(a, al, txt, sizeof(txt));
		ok(!strcmp(txt, "C=CH, O=kipsec test, CN=rsa.test"), "DN printed as \"%s\"", txt);
	}
	cert_conn_free(&rsa);
	cert_conn_free(&e256);
}

static void test_certreq(void)
{
	struct cert_conn peer, me, other;
	uint8_t h[CERT_HASH_LEN], want[CERT_HASH_LEN];
	char cmd[4096], line[128];
	FILE *f;

	/* SHA-1 of the CA's SubjectPublicKeyInfo, computed by the openssl CLI */
	snprintf(cmd, sizeof(cmd), "openssl x509 -in %s/ca.pem -noout -pubkey | openssl pkey -pubin -outform DER "
		 "| openssl dgst -sha1 -r", dir);
	f = popen(cmd, "r");
	ok(f && fgets(line, sizeof(line), f) && unhex(strtok(line, " "), want, sizeof(want)) == CERT_HASH_LEN,
	   "openssl CLI computes the CA's SPKI SHA-1");
	if (f)
		pclose(f);
	load(&peer, NULL, "ca");
	ok(peer.certreq.len == CERT_HASH_LEN && !memcmp(peer.certreq.data, want, CERT_HASH_LEN),
	   "CERTREQ data = SHA-1 of the trusted CA's subjectPublicKeyInfo");
	load(&me, "rsa", "ca");
	ok(cert_certreq_names_us(&me, peer.certreq.data, peer.certreq.len),
	   "a CERTREQ naming our CA is recognised");
	load(&other, NULL, "rogue");
	ok(!cert_certreq_names_us(&me, other.certreq.data, other.certreq.len),
	   "a CERTREQ naming another CA is not");
	cert_conn_free(&me);
	/* an end entity under an intermediate: the CERTREQ names the root */
	load(&me, "ec384", "ca");
	ok(cert_certreq_names_us(&me, peer.certreq.data, peer.certreq.len) == false,
	   "without the intermediate in our file the root is not found from the leaf");
	memcpy(h, peer.certreq.data, CERT_HASH_LEN);
	cert_conn_free(&me);
	cert_conn_free(&peer);
	cert_conn_free(&other);
}

static int verify(struct cert_conn *store, const char *const *names, size_t n, char *why, size_t wl)
{
	struct buf der[CERT_MAX_CHAIN];
	const uint8_t *d[CERT_MAX_CHAIN];
	size_t l[CERT_MAX_CHAIN];
	X509 *peer = NULL;
	int r;

	for (size_t i = 0; i < n; i++) {
		struct cert_conn c;

		load(&c, names[i], NULL);
		buf_init(&der[i]);
		cert_der(c.cert, &der[i]);
		d[i] = der[i].data;
		l[i] = der[i].len;
		cert_conn_free(&c);
	}
	r = cert_verify_chain(store->store, d, l, n, &peer, why, wl);
	X509_free(peer);
	for (size_t i = 0; i < n; i++)
		buf_free(&der[i]);
	return r;
}

static void test_chains(void)
{
	struct cert_conn trust, dirtrust;
	char why[300], d[600], err[300];
	static const char *const rsa[] = { "rsa" }, *const evil[] = { "evil" }, *const ec384[] = { "ec384" },
		*const ec384mid[] = { "ec384", "mid" }, *const rogue[] = { "rogue" };

	load(&trust, NULL, "ca");
	ok(!verify(&trust, rsa, 1, why, sizeof(why)), "certificate issued by the trusted CA accepted");
	ok(!verify(&trust, ec384mid, 2, why, sizeof(why)), "leaf + intermediate accepted");
	ok(verify(&trust, ec384, 1, why, sizeof(why)) && strstr(why, "unable to get local issuer certificate"),
	   "leaf without its intermediate refused (%s)", why);
	ok(verify(&trust, evil, 1, why, sizeof(why)) && strstr(why, "not trusted"),
	   "certificate of an untrusted CA refused (%s)", why);
	ok(verify(&trust, rogue, 1, why, sizeof(why)), "self-signed foreign CA refused (%s)", why);
	{
		const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
		const uint8_t *jp = junk;
		size_t jl = sizeof(junk);
		X509 *peer;

		ok(cert_verify_chain(trust.store, &jp, &jl, 1, &peer, why, sizeof(why)) && !peer &&
		   strstr(why, "cannot be parsed"), "garbage certificate refused (%s)", why);
	}
	memset(&dirtrust, 0, sizeof(dirtrust));
	buf_init(&dirtrust.certreq);
	snprintf(d, sizeof(d), "%s/cadir", dir);
	ok(!cert_load_cas(&dirtrust, d, err, sizeof(err)) && dirtrust.certreq.len == 2 * CERT_HASH_LEN,
	   "a CA directory loads every certificate file (%s)", err);
	cert_conn_free(&dirtrust);
	path(d, sizeof(d), "rsa", "key");
	memset(&dirtrust, 0, sizeof(dirtrust));
	ok(cert_load_cas(&dirtrust, d, err, sizeof(err)) && strstr(err, "no PEM certificate"),
	   "a key file is not a CA file (%s)", err);
	cert_conn_free(&dirtrust);
	cert_conn_free(&trust);
}

/* The whole peer check, from CERT payloads and an AUTH, as ikev2.c runs it. */
static void test_peer_check(void)
{
	struct cert_conn me, peer;
	struct buf chain, sig;
	struct ikev2_chain c;
	struct ikev2_pldlist l;
	uint8_t idb[64], m;
	char why[300];

	load(&me, "ec384", NULL);
	{
		/* our cert file carries the intermediate after the leaf */
		char cmd[4096];

		snprintf(cmd, sizeof(cmd), "cat %s/ec384.pem %s/mid.pem > %s/ec384-chain.pem", dir, dir, dir);
		ok(!system(cmd), "leaf+intermediate file");
		cert_conn_free(&me);
		memset(&me, 0, sizeof(me));
		snprintf(cmd, sizeof(cmd), "%s/ec384-chain.pem", dir);
		{
			char k[600];

			path(k, sizeof(k), "ec384", "key");
			ok(!cert_load_local(&me, cmd, k, why, sizeof(why)) && sk_X509_num(me.chain) == 1,
			   "certificate file with an intermediate loads (%s)", why);
		}
	}
	load(&peer, NULL, "ca");
	buf_init(&chain);
	buf_init(&sig);
	ikev2_chain_init(&c, &chain, SIZE_MAX);
	ok(!cert_put_ours(&me, &c) && !cert_put_certreq(&peer, &c), "CERT x2 and CERTREQ encoded");
	ikev2_auth_sign(me.key, 1u << IKEV2_HASH_SHA2_384, false, octets, sizeof(octets), &m, &sig);
	ikev2_put_auth(&c, &(struct ikev2_auth){ m, sig.data, sig.len });
	ok(!ikev2_chain_parse(c.first, chain.data, chain.len, 0, false, &l, NULL) && l.n == 4,
	   "the chain decodes: CERT, CERT, CERTREQ, AUTH");
	idb[0] = IKEV2_ID_FQDN;
	idb[1] = idb[2] = idb[3] = 0;
	memcpy(idb + 4, "ec384.test", 10);
	{
		struct ikev2_auth a = { m, sig.data, sig.len };

		ok(!cert_check_peer(&peer, &l, idb, 14, &a, octets, sizeof(octets), why, sizeof(why)),
		   "peer check passes: chain, identity, signature (%s)", why);
		ok(cert_certreq_check(&me, &l) == 0, "the CERTREQ names a CA unknown to us (root not loaded)");
		{
			char ca[600];

			path(ca, sizeof(ca), "ca", "pem");
			ok(!cert_load_cas(&me, ca, why, sizeof(why)) && cert_certreq_check(&me, &l) == 1,
			   "with the root loaded the CERTREQ names our chain's root");
		}
		memcpy(idb + 4, "ec384.tesT", 10);
		ok(!cert_check_peer(&peer, &l, idb, 14, &a, octets, sizeof(octets), why, sizeof(why)),
		   "FQDN identity without case");
		memcpy(idb + 4, "rsa.test..", 10);
		ok(cert_check_peer(&peer, &l, idb, 14, &a, octets, sizeof(octets), why, sizeof(why)) &&
		   strstr(why, "identity does not match"), "wrong identity refused (%s)", why);
		memcpy(idb + 4, "ec384.test", 10);
		ok(cert_check_peer(&peer, &l, idb, 14, &a, octets, sizeof(octets) - 1, why, sizeof(why)) &&
		   strstr(why, "signature"), "signature over other octets refused (%s)", why);
		cert_conn_free(&peer);
		load(&peer, NULL, "rogue");
		ok(cert_check_peer(&peer, &l, idb, 14, &a, octets, sizeof(octets), why, sizeof(why)) &&
		   strstr(why, "certificate not trusted") && strstr(why, "unable to get local issuer certificate"),
		   "untrusted chain refused: %s", why);
		l.n = 3;	/* drop AUTH; now drop the CERTs too */
		l.p[0].type = l.p[1].type = 0;
		ok(cert_check_peer(&peer, &l, idb, 14, &a, octets, sizeof(octets), why, sizeof(why)) &&
		   strstr(why, "no X.509 certificate"), "no CERT payload refused (%s)", why);
	}
	buf_free(&chain);
	buf_free(&sig);
	cert_conn_free(&me);
	cert_conn_free(&peer);
}

static void test_config(void)
{
	struct keyd_conf conf;
	char text[4096], err[600];
	int r;

	snprintf(text, sizeof(text),
		 "connections = ( { name = \"c\"; "
		 "local = { addr = \"10.1.0.1\"; id = \"%s\"; auth = \"pubkey\"; cert = \"%s/rsa.pem\"; key = \"%s/rsa.key\"; }; "
		 "remote = { addr = \"10.1.0.2\"; id = \"dn:C=CH, O=kipsec test, CN=ec256.test\"; auth = \"pubkey\"; cacert = \"%s/ca.pem\"; }; } );",
		 "fqdn:rsa.test", dir, dir, dir);
	r = config_load_string(text, &conf, err, sizeof(err)) || cert_conf_load(&conf, err, sizeof(err));
	ok(!r && conf.conns[0].certs && conf.conns[0].certs->key && conf.conns[0].remote.id_type == IKEV2_ID_DER_ASN1_DN,
	   "pubkey connection loads with its certificate, key, CA and a dn: remote id (%s)", r ? err : "ok");
	config_free(&conf);
	snprintf(text, sizeof(text),
		 "connections = ( { name = \"c\"; "
		 "local = { addr = \"10.1.0.1\"; id = \"fqdn:other.test\"; auth = \"pubkey\"; cert = \"%s/rsa.pem\"; key = \"%s/rsa.key\"; }; "
		 "remote = { addr = \"10.1.0.2\"; auth = \"pubkey\"; cacert = \"%s/ca.pem\"; }; } );", dir, dir, dir);
	r = config_load_string(text, &conf, err, sizeof(err)) || cert_conf_load(&conf, err, sizeof(err));
	ok(r && strstr(err, "connection c: local id fqdn:other.test"), "local id not in our certificate: %s", err);
	config_free(&conf);
	snprintf(text, sizeof(text),
		 "connections = ( { name = \"c\"; "
		 "local = { addr = \"10.1.0.1\"; auth = \"pubkey\"; cert = \"%s/rsa.pem\"; key = \"%s/ec256.key\"; }; "
		 "remote = { addr = \"10.1.0.2\"; auth = \"pubkey\"; cacert = \"%s/ca.pem\"; }; } );", dir, dir, dir);
	r = config_load_string(text, &conf, err, sizeof(err)) || cert_conf_load(&conf, err, sizeof(err));
	ok(r && strstr(err, "does not belong"), "key of another certificate: %s", err);
	config_free(&conf);
	snprintf(text, sizeof(text),
		 "connections = ( { name = \"c\"; "
		 "local = { addr = \"10.1.0.1\"; auth = \"pubkey\"; cert = \"%s/nonexistent.pem\"; key = \"%s/rsa.key\"; }; "
		 "remote = { addr = \"10.1.0.2\"; auth = \"psk\"; }; psk = \"x\"; } );", dir, dir);
	r = config_load_string(text, &conf, err, sizeof(err)) || cert_conf_load(&conf, err, sizeof(err));
	ok(r && strstr(err, "cannot open"), "missing certificate file: %s", err);
	config_free(&conf);
}

int main(void)
{
	if (make_pki()) {
		ok(0, "test PKI generated with tests/gen_certs.sh (openssl CLI)");
		return tap_done();
	}
	test_signatures();
	test_ids();
	test_certreq();
	test_chains();
	test_peer_check();
	test_config();
	return tap_done();
}
