// SPDX-License-Identifier: GPL-2.0
/* Printable names of IKEv2 numbers, for logs and --check-config output. */
#include "ikev2.h"

const char *ikev2_exchange_name(uint8_t exchange)
{
	switch (exchange) {
	case IKEV2_EXCH_IKE_SA_INIT:	return "IKE_SA_INIT";
	case IKEV2_EXCH_IKE_AUTH:	return "IKE_AUTH";
	case IKEV2_EXCH_CREATE_CHILD_SA: return "CREATE_CHILD_SA";
	case IKEV2_EXCH_INFORMATIONAL:	return "INFORMATIONAL";
	}
	return "?";
}

const char *ikev2_payload_name(uint8_t type)
{
	switch (type) {
	case IKEV2_PL_NONE:	return "NONE";
	case IKEV2_PL_SA:	return "SA";
	case IKEV2_PL_KE:	return "KE";
	case IKEV2_PL_IDI:	return "IDi";
	case IKEV2_PL_IDR:	return "IDr";
	case IKEV2_PL_CERT:	return "CERT";
	case IKEV2_PL_CERTREQ:	return "CERTREQ";
	case IKEV2_PL_AUTH:	return "AUTH";
	case IKEV2_PL_NONCE:	return "Nonce";
	case IKEV2_PL_NOTIFY:	return "N";
	case IKEV2_PL_DELETE:	return "D";
	case IKEV2_PL_VENDOR:	return "V";
	case IKEV2_PL_TSI:	return "TSi";
	case IKEV2_PL_TSR:	return "TSr";
	case IKEV2_PL_SK:	return "SK";
	case IKEV2_PL_CP:	return "CP";
	case IKEV2_PL_EAP:	return "EAP";
	case IKEV2_PL_SKF:	return "SKF";
	}
	return "?";
}

const char *ikev2_notify_name(uint16_t type)
{
	switch (type) {
	case IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD: return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case IKEV2_N_INVALID_IKE_SPI:		return "INVALID_IKE_SPI";
	case IKEV2_N_INVALID_MAJOR_VERSION:	return "INVALID_MAJOR_VERSION";
	case IKEV2_N_INVALID_SYNTAX:		return "INVALID_SYNTAX";
	case IKEV2_N_INVALID_MESSAGE_ID:	return "INVALID_MESSAGE_ID";
	case IKEV2_N_INVALID_SPI:		return "INVALID_SPI";
	case IKEV2_N_NO_PROPOSAL_CHOSEN:	return "NO_PROPOSAL_CHOSEN";
	case IKEV2_N_INVALID_KE_PAYLOAD:	return "INVALID_KE_PAYLOAD";
	case IKEV2_N_AUTHENTICATION_FAILED:	return "AUTHENTICATION_FAILED";
	case IKEV2_N_SINGLE_PAIR_REQUIRED:	return "SINGLE_PAIR_REQUIRED";
	case IKEV2_N_NO_ADDITIONAL_SAS:		return "NO_ADDITIONAL_SAS";
	case IKEV2_N_INTERNAL_ADDRESS_FAILURE:	return "INTERNAL_ADDRESS_FAILURE";
	case IKEV2_N_FAILED_CP_REQUIRED:	return "FAILED_CP_REQUIRED";
	case IKEV2_N_TS_UNACCEPTABLE:		return "TS_UNACCEPTABLE";
	case IKEV2_N_INVALID_SELECTORS:		return "INVALID_SELECTORS";
	case IKEV2_N_TEMPORARY_FAILURE:		return "TEMPORARY_FAILURE";
	case IKEV2_N_CHILD_SA_NOT_FOUND:	return "CHILD_SA_NOT_FOUND";
	case IKEV2_N_INITIAL_CONTACT:		return "INITIAL_CONTACT";
	case IKEV2_N_SET_WINDOW_SIZE:		return "SET_WINDOW_SIZE";
	case IKEV2_N_ADDITIONAL_TS_POSSIBLE:	return "ADDITIONAL_TS_POSSIBLE";
	case IKEV2_N_IPCOMP_SUPPORTED:		return "IPCOMP_SUPPORTED";
	case IKEV2_N_NAT_DETECTION_SOURCE_IP:	return "NAT_DETECTION_SOURCE_IP";
	case IKEV2_N_NAT_DETECTION_DESTINATION_IP: return "NAT_DETECTION_DESTINATION_IP";
	case IKEV2_N_COOKIE:			return "COOKIE";
	case IKEV2_N_USE_TRANSPORT_MODE:	return "USE_TRANSPORT_MODE";
	case IKEV2_N_HTTP_CERT_LOOKUP_SUPPORTED: return "HTTP_CERT_LOOKUP_SUPPORTED";
	case IKEV2_N_REKEY_SA:			return "REKEY_SA";
	case IKEV2_N_ESP_TFC_PADDING_NOT_SUPPORTED: return "ESP_TFC_PADDING_NOT_SUPPORTED";
	case IKEV2_N_NON_FIRST_FRAGMENTS_ALSO:	return "NON_FIRST_FRAGMENTS_ALSO";
	case IKEV2_N_MOBIKE_SUPPORTED:		return "MOBIKE_SUPPORTED";
	case IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED: return "IKEV2_FRAGMENTATION_SUPPORTED";
	case IKEV2_N_SIGNATURE_HASH_ALGORITHMS:	return "SIGNATURE_HASH_ALGORITHMS";
	}
	return "?";
}

const char *ikev2_xform_type_name(uint8_t type)
{
	switch (type) {
	case IKEV2_XF_ENCR:	return "ENCR";
	case IKEV2_XF_PRF:	return "PRF";
	case IKEV2_XF_INTEG:	return "INTEG";
	case IKEV2_XF_DH:	return "DH";
	case IKEV2_XF_ESN:	return "ESN";
	}
	return "?";
}
