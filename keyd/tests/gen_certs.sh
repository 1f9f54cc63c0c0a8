#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Test PKI for kipsec-keyd, generated at test time with the openssl CLI
# (no private key is ever committed). Usage:
#   gen_certs.sh DIR ca NAME "SUBJECT"                       self-signed CA (EC P-256)
#   gen_certs.sh DIR sub NAME ISSUER "SUBJECT"                intermediate CA (EC P-256)
#   gen_certs.sh DIR ee NAME ISSUER ALG "SUBJECT" "SAN"       end entity; ALG rsa2048|p256|p384
# Writes DIR/NAME.pem and DIR/NAME.key (PKCS#8 PEM). SAN as for openssl,
# e.g. "DNS:a.test,IP:10.1.0.1,email:a@test".
set -e
dir=$1 kind=$2 name=$3
mkdir -p "$dir"
cd "$dir"
genkey() {
	case $1 in
	rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" 2>/dev/null ;;
	p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" ;;
	p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$2" ;;
	*) echo "gen_certs.sh: unknown key type $1" >&2; exit 2 ;;
	esac
}
case $kind in
ca)
	genkey p256 "$name.key"
	openssl req -x509 -new -key "$name.key" -subj "$4" -days 30 -sha256 \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		-out "$name.pem"
	;;
sub|ee)
	issuer=$4
	if [ "$kind" = sub ]; then
		alg=p256 subj=$5
		printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$name.ext"
	else
		alg=$5 subj=$6
		printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectAltName=%s\n' "$7" >"$name.ext"
	fi
	genkey "$alg" "$name.key"
	openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr"
	openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" -CAcreateserial \
		-days 30 -sha256 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
	rm -f "$name.csr" "$name.ext"
	;;
*)
	echo "gen_certs.sh: unknown kind $kind" >&2
	exit 2
	;;
esac
