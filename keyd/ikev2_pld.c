// SPDX-License-Identifier: GPL-2.0
/*
 * IKEv2 payload bodies (RFC 7296 3.3-3.14, RFC 7383 2.5). One decoder per
 * payload, shared by the initiator and responder code; the structures are
 * in ikev2_pld.h. Decoders are strict about structure (every length, count
 * and "last substructure" marker must agree) and lenient about values they
 * merely carry (unknown transform ids, notify types), which the policy code
 * judges later.
 */
#include "ikev2_pld.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ikev2_strerror(enum ikev2_errcode code)
{
	switch (code) {
	case IKEV2_OK:			return "no error";
	case IKEV2_E_TRUNCATED:		return "truncated";
	case IKEV2_E_LENGTH:		return "bad length";
	case IKEV2_E_VERSION:		return "unsupported major version";
	case IKEV2_E_OLD_VERSION:	return "not IKEv2";
	case IKEV2_E_CRITICAL:		return "unsupported critical payload";
	case IKEV2_E_SYNTAX:		return "invalid syntax";
	case IKEV2_E_LIMIT:		return "too many items";
	case IKEV2_E_SK_POSITION:	return "encrypted payload misplaced";
	case IKEV2_E_INTEGRITY:		return "integrity check failed";
	case IKEV2_E_UNSUPPORTED:	return "unsupported";
	case IKEV2_E_NOMEM:		return "out of memory";
	case IKEV2_E_INTERNAL:		return "internal error";
	}
	return "unknown error";
}

uint16_t ikev2_error_notify(const struct ikev2_error *err)
{
	switch (err->code) {
	case IKEV2_E_VERSION:
		return IKEV2_N_INVALID_MAJOR_VERSION;
	case IKEV2_E_CRITICAL:
		return IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD;
	case IKEV2_E_TRUNCATED:
	case IKEV2_E_LENGTH:
	case IKEV2_E_SYNTAX:
	case IKEV2_E_SK_POSITION:
	case IKEV2_E_LIMIT:
		/* only meaningful once inside an authenticated SK (RFC 7296 2.21.1) */
		return IKEV2_N_INVALID_SYNTAX;
	default:
		return 0;	/* integrity failures and local trouble: silently drop */
	}
}

int ikev2_fail(struct ikev2_error *err, enum ikev2_errcode code, uint8_t pld_type,
	       const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err)
		return -1;
	err->code = code;
	err->pld_type = pld_type;
	err->offset = 0;
	n = snprintf(err->msg, sizeof(err->msg), "%s: ",
		     pld_type ? ikev2_payload_name(pld_type) : "header");
	if (n < 0 || (size_t)n >= sizeof(err->msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* ------------------------------------------------------------------ SA */

#define SA_LAST		0
#define SA_MORE_PROP	2
#define SA_MORE_XF	3

static int decode_attrs(struct rd *r, struct ikev2_transform *xf, struct ikev2_error *err)
{
	bool have_keylen = false;

	while (rd_left(r)) {
		uint16_t type, val;

		if (!rd_u16(r, &type) || !rd_u16(r, &val))
			return ikev2_fail(err, IKEV2_E_TRUNCATED, IKEV2_PL_SA,
					  "transform attribute header truncated");
		if (!(type & IKEV2_ATTR_TV)) {
			/* TLV: val is the length; skip the value, mark the transform */
			const uint8_t *skip;

			if (!rd_ref(r, &skip, val))
				return ikev2_fail(err, IKEV2_E_TRUNCATED, IKEV2_PL_SA,
						  "attribute value of %u bytes overruns the transform", val);
			xf->unknown_attr = true;
			continue;
		}
		type &= (uint16_t)~IKEV2_ATTR_TV;
		if (type != IKEV2_ATTR_KEY_LENGTH) {
			xf->unknown_attr = true;
			continue;
		}
		if (have_keylen)
			return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_SA, "duplicate Key Length attribute");
		if (val == 0)
			return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_SA, "Key Length attribute of 0 bits");
		have_keylen = true;
		xf->keylen = val;
	}
	return 0;
}

static int decode_proposal(struct rd *r, struct ikev2_proposal *pr, uint8_t *last,
			   struct ikev2_error *err)
{
	uint8_t reserved, nxf;
	uint16_t plen;
	const uint8_t *body;
	struct rd pb;

	if (!rd_u8(r, last) || !rd_u8(r, &reserved) || !rd_u16(r, &plen))
		return ikev2_fail(err, IKEV2_E_TRUNCATED, IKEV2_PL_SA, "proposal header truncated");
	if (*last != SA_LAST && *last != SA_MORE_PROP)
		return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_SA,
				  "proposal 'last substruc' is %u, must be 0 or 2", *last);
	if (plen < 8)
		return ikev2_fail(err, IKEV2_E_LENGTH, IKEV2_PL_SA, "proposal length %u < 8", plen);
	if (!rd_ref(r, &body, (size_t)plen - 4))
		return ikev2_fail(err, IKEV2_E_TRUNCATED, IKEV2_PL_SA,
				  "proposal length %u overruns the SA payload", plen);
	rd_init(&pb, body, (size_t)plen - 4);
	rd_u8(&pb, &pr->num);
	rd_u8(&pb, &pr->proto);
	rd_u8(&pb, &pr->spi_size);
	rd_u8(&pb, &nxf);
	if (pr->spi_size != 0 && pr->spi_size != 4 && pr->spi_size != 8)
		return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_SA,
				  "proposal %u: SPI size %u (must be 0, 4 or 8)", pr->num, pr->spi_size);
	if (!rd_copy(&pb, pr->spi, pr->spi_size))
		return ikev2_fail(err, IKEV2_E_TRUNCATED, IKEV2_PL_SA, "proposal %u: SPI truncated", pr->num);
	if (nxf > IKEV2_MAX_TRANSFORMS)
		return ikev2_fail(err, IKEV2_E_LIMIT, IKEV2_PL_SA,
				  "proposal %u has %u transforms (at most %u supported)",
				  pr->num, nxf, IKEV2_MAX_TRANSFORMS);
	pr->ntransforms = 0;
	for (;;) {
		struct ikev2_transform *xf;
		uint8_t xlast, type, res2;
		uint16_t xlen, id;
		const uint8_t *xbody;
		struct rd ab;

		if (!rd_left(&pb))
			break;
		if (pr->ntransforms == nxf)
			return ikev2_fail(err, IKEV2_E_LENGTH, IKEV2_PL_SA,
					  "proposal %u: data after its %u transforms", pr->num, nxf);
		xf = &pr->xf[pr->ntransforms];
		memset(xf, 0, sizeof(*xf));
		if (!rd_u8(&pb, &xlast) || !rd_u8(&pb, &res2) || !rd_u16(&pb, &xlen))
			return ikev2_fail(err, IKEV2_E_TRUNCATED, IKEV2_PL_SA,
					  "proposal %u: transform header truncated", pr->num);
		if (xlast != SA_LAST && xlast != SA_MORE_XF)
			return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_SA,
					  "proposal %u: transform 'last substruc' is %u, must be 0 or 3",
					  pr->num, xlast);
		if (xlen < 8)
			return ikev2_fail(err, IKEV2_E_LENGTH, IKEV2_PL_SA,
					  "proposal %u: transform length %u < 8", pr->num, xlen);
		if (!rd_ref(&pb, &xbody, (size_t)xlen - 4))
			return ikev2_fail(err, IKEV2_E_TRUNCATED, IKEV2_PL_SA,
					  "proposal %u: transform length %u overruns the proposal",
					  pr->num, xlen);
		rd_init(&ab, xbody, (size_t)xlen - 4);
		rd_u8(&ab, &type);
		rd_u8(&ab, &res2);
		rd_u16(&ab, &id);
		xf->type = type;
		xf->id = id;
		if (decode_attrs(&ab, xf, err))
			return -1;
		pr->ntransforms++;
		if ((xlast == SA_LAST) != (rd_left(&pb) == 0))
			return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_SA,
					  "proposal %u: 'last transform' marker disagrees with the length",
					  pr->num);
	}
	if (pr->ntransforms != nxf)
		return ikev2_fail(err, IKEV2_E_LENGTH, IKEV2_PL_SA,
				  "proposal %u announces %u transforms but holds %u",
				  pr->num, nxf, pr->ntransforms);
	return 0;
}

int ikev2_pld_sa_decode(const uint8_t *p, size_t len, struct ikev2_sa *out, struct ikev2_error *err)
{
	struct rd r;

	rd_init(&r, p, len);
	out->nproposals = 0;
	if (!len)
		return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_SA, "no proposal");
	while (rd_left(&r)) {
		uint8_t last;

		if (out->nproposals == IKEV2_MAX_PROPOSALS)
			return ikev2_fail(err, IKEV2_E_LIMIT, IKEV2_PL_SA,
					  "more than %u proposals", IKEV2_MAX_PROPOSALS);
		if (decode_proposal(&r, &out->prop[out->nproposals], &last, err))
			return -1;
		out->nproposals++;
		if ((last == SA_LAST) != (rd_left(&r) == 0))
			return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_SA,
					  "'last proposal' marker disagrees with the payload length");
	}
	return 0;
}

/* ------------------------------------------------- small payloads */

/* The common shape "type(1) reserved(3) data": ID, AUTH. */
static int decode_typed(uint8_t pl, const uint8_t *p, size_t len, uint8_t *type,
			const uint8_t **data, size_t *dlen, struct ikev2_error *err)
{
	if (len < 4)
		return ikev2_fail(err, IKEV2_E_TRUNCATED, pl, "body of %zu bytes, need at least 4", len);
	*type = p[0];
	*data = p + 4;
	*dlen = len - 4;
	return 0;
}

int ikev2_pld_ke_decode(const uint8_t *p, size_t len, struct ikev2_ke *out, struct ikev2_error *err)
{
	if (len < 4)
		return ikev2_fail(err, IKEV2_E_TRUNCATED, IKEV2_PL_KE, "body of %zu bytes, need at least 4", len);
	out->group = get_be16(p);
	out->data = p + 4;
	out->len = len - 4;
	if (!out->len)
		return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_KE, "empty key exchange data");
	return 0;
}

int ikev2_pld_nonce_decode(const uint8_t *p, size_t len, const uint8_t **nonce, size_t *nlen,
			   struct ikev2_error *err)
{
	if (len < IKEV2_NONCE_MIN || len > IKEV2_NONCE_MAX)
		return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_NONCE,
				  "nonce of %zu bytes (must be %u..%u)", len, IKEV2_NONCE_MIN, IKEV2_NONCE_MAX);
	*nonce = p;
	*nlen = len;
	return 0;
}

int ikev2_pld_id_decode(uint8_t pl_type, const uint8_t *p, size_t len, struct ikev2_id *out,
			struct ikev2_error *err)
{
	if (decode_typed(pl_type, p, len, &out->type, &out->data, &out->len, err))
		return -1;
	if (out->type == IKEV2_ID_IPV4_ADDR && out->len != 4)
		return ikev2_fail(err, IKEV2_E_SYNTAX, pl_type, "ID_IPV4_ADDR of %zu bytes", out->len);
	if (out->type == IKEV2_ID_IPV6_ADDR && out->len != 16)
		return ikev2_fail(err, IKEV2_E_SYNTAX, pl_type, "ID_IPV6_ADDR of %zu bytes", out->len);
	if (!out->len)
		return ikev2_fail(err, IKEV2_E_SYNTAX, pl_type, "empty identification data");
	return 0;
}

int ikev2_pld_auth_decode(const uint8_t *p, size_t len, struct ikev2_auth *out, struct ikev2_error *err)
{
	if (decode_typed(IKEV2_PL_AUTH, p, len, &out->method, &out->data, &out->len, err))
		return -1;
	if (!out->len)
		return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_AUTH, "empty authentication data");
	return 0;
}

int ikev2_pld_cert_decode(uint8_t pl_type, const uint8_t *p, size_t len, struct ikev2_cert *out,
			  struct ikev2_error *err)
{
	if (len < 1)
		return ikev2_fail(err, IKEV2_E_TRUNCATED, pl_type, "no certificate encoding byte");
	out->encoding = p[0];
	out->data = p + 1;
	out->len = len - 1;
	return 0;
}

int ikev2_pld_notify_decode(const uint8_t *p, size_t len, struct ikev2_notify *out, struct ikev2_error *err)
{
	struct rd r;

	rd_init(&r, p, len);
	memset(out, 0, sizeof(*out));
	if (!rd_u8(&r, &out->proto) || !rd_u8(&r, &out->spi_size) || !rd_u16(&r, &out->type))
		return ikev2_fail(err, IKEV2_E_TRUNCATED, IKEV2_PL_NOTIFY, "body of %zu bytes, need at least 4", len);
	if (out->spi_size != 0 && out->spi_size != 4 && out->spi_size != 8)
		return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_NOTIFY,
				  "%s: SPI size %u (must be 0, 4 or 8)",
				  ikev2_notify_name(out->type), out->spi_size);
	if (!rd_copy(&r, out->spi, out->spi_size))
		return ikev2_fail(err, IKEV2_E_TRUNCATED, IKEV2_PL_NOTIFY, "%s: SPI truncated",
				  ikev2_notify_name(out->type));
	out->len = rd_left(&r);
	rd_ref(&r, &out->data, out->len);
	return 0;
}

int ikev2_pld_delete_decode(const uint8_t *p, size_t len, struct ikev2_delete *out, struct ikev2_error *err)
{
	struct rd r;

	rd_init(&r, p, len);
	if (!rd_u8(&r, &out->proto) || !rd_u8(&r, &out->spi_size) || !rd_u16(&r, &out->nspi))
		return ikev2_fail(err, IKEV2_E_TRUNCATED, IKEV2_PL_DELETE, "body of %zu bytes, need at least 4", len);
	if (out->proto == IKEV2_PROTO_IKE) {
		if (out->spi_size != 0 || out->nspi != 0)
			return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_DELETE,
					  "IKE SA delete with SPI size %u and %u SPIs (must be 0/0)",
					  out->spi_size, out->nspi);
	} else if (out->proto == IKEV2_PROTO_ESP || out->proto == IKEV2_PROTO_AH) {
		if (out->spi_size != 4)
			return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_DELETE,
					  "ESP/AH delete with SPI size %u (must be 4)", out->spi_size);
	} else {
		return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_DELETE, "protocol id %u", out->proto);
	}
	if (rd_left(&r) != (size_t)out->nspi * out->spi_size)
		return ikev2_fail(err, IKEV2_E_LENGTH, IKEV2_PL_DELETE,
				  "%u SPIs of %u bytes need %u bytes, body holds %zu",
				  out->nspi, out->spi_size, out->nspi * out->spi_size, rd_left(&r));
	out->spis = p + 4;
	return 0;
}

int ikev2_pld_ts_decode(uint8_t pl_type, const uint8_t *p, size_t len, struct ikev2_ts_list *out,
			struct ikev2_error *err)
{
	struct rd r;
	uint8_t n, res[3];

	rd_init(&r, p, len);
	if (!rd_u8(&r, &n) || !rd_copy(&r, res, 3))
		return ikev2_fail(err, IKEV2_E_TRUNCATED, pl_type, "body of %zu bytes, need at least 4", len);
	if (n == 0)
		return ikev2_fail(err, IKEV2_E_SYNTAX, pl_type, "no traffic selector");
	if (n > IKEV2_MAX_TS)
		return ikev2_fail(err, IKEV2_E_LIMIT, pl_type, "%u traffic selectors (at most %u supported)",
				  n, IKEV2_MAX_TS);
	out->n = 0;
	while (out->n < n) {
		struct ikev2_ts *ts = &out->ts[out->n];
		uint16_t tlen;
		size_t alen;

		memset(ts, 0, sizeof(*ts));
		if (!rd_u8(&r, &ts->type) || !rd_u8(&r, &ts->proto) || !rd_u16(&r, &tlen))
			return ikev2_fail(err, IKEV2_E_TRUNCATED, pl_type, "selector %u: header truncated", out->n + 1);
		if (ts->type != IKEV2_TS_IPV4_ADDR_RANGE && ts->type != IKEV2_TS_IPV6_ADDR_RANGE)
			return ikev2_fail(err, IKEV2_E_UNSUPPORTED, pl_type, "selector %u: TS type %u",
					  out->n + 1, ts->type);
		alen = ikev2_ts_addr_len(ts->type);
		if (tlen != 8 + 2 * alen)
			return ikev2_fail(err, IKEV2_E_LENGTH, pl_type, "selector %u: length %u (must be %zu)",
					  out->n + 1, tlen, 8 + 2 * alen);
		if (!rd_u16(&r, &ts->sport) || !rd_u16(&r, &ts->eport) ||
		    !rd_copy(&r, ts->start, alen) || !rd_copy(&r, ts->end, alen))
			return ikev2_fail(err, IKEV2_E_TRUNCATED, pl_type, "selector %u truncated", out->n + 1);
		out->n++;
	}
	if (rd_left(&r))
		return ikev2_fail(err, IKEV2_E_LENGTH, pl_type, "%zu bytes after the last selector", rd_left(&r));
	return 0;
}

int ikev2_pld_skf_decode(const uint8_t *p, size_t len, struct ikev2_skf *out, struct ikev2_error *err)
{
	if (len < 4)
		return ikev2_fail(err, IKEV2_E_TRUNCATED, IKEV2_PL_SKF, "body of %zu bytes, need at least 4", len);
	out->frag_num = get_be16(p);
	out->frag_total = get_be16(p + 2);
	if (out->frag_num == 0 || out->frag_total == 0 || out->frag_num > out->frag_total)
		return ikev2_fail(err, IKEV2_E_SYNTAX, IKEV2_PL_SKF, "fragment %u of %u",
				  out->frag_num, out->frag_total);
	out->data = p + 4;
	out->len = len - 4;
	return 0;
}

bool ikev2_pld_known(uint8_t type)
{
	return (type >= IKEV2_PL_SA && type <= IKEV2_PL_EAP) || type == IKEV2_PL_SKF;
}

int ikev2_pld_check(uint8_t type, const uint8_t *p, size_t len, struct ikev2_error *err)
{
	union {
		struct ikev2_sa sa;
		struct ikev2_ke ke;
		struct ikev2_id id;
		struct ikev2_auth auth;
		struct ikev2_cert cert;
		struct ikev2_notify n;
		struct ikev2_delete d;
		struct ikev2_ts_list ts;
		struct ikev2_skf skf;
	} u;
	const uint8_t *np;
	size_t nl;

	switch (type) {
	case IKEV2_PL_SA:	return ikev2_pld_sa_decode(p, len, &u.sa, err);
	case IKEV2_PL_KE:	return ikev2_pld_ke_decode(p, len, &u.ke, err);
	case IKEV2_PL_IDI:
	case IKEV2_PL_IDR:	return ikev2_pld_id_decode(type, p, len, &u.id, err);
	case IKEV2_PL_CERT:
	case IKEV2_PL_CERTREQ:	return ikev2_pld_cert_decode(type, p, len, &u.cert, err);
	case IKEV2_PL_AUTH:	return ikev2_pld_auth_decode(p, len, &u.auth, err);
	case IKEV2_PL_NONCE:	return ikev2_pld_nonce_decode(p, len, &np, &nl, err);
	case IKEV2_PL_NOTIFY:	return ikev2_pld_notify_decode(p, len, &u.n, err);
	case IKEV2_PL_DELETE:	return ikev2_pld_delete_decode(p, len, &u.d, err);
	case IKEV2_PL_TSI:
	case IKEV2_PL_TSR:	return ikev2_pld_ts_decode(type, p, len, &u.ts, err);
	case IKEV2_PL_SKF:	return ikev2_pld_skf_decode(p, len, &u.skf, err);
	case IKEV2_PL_CP:
	case IKEV2_PL_EAP:
		if (len < 4)
			return ikev2_fail(err, IKEV2_E_TRUNCATED, type, "body of %zu bytes, need at least 4", len);
		return 0;
	default:		/* V, SK: opaque here */
		return 0;
	}
}

/* ------------------------------------------------------------ encoding */

void ikev2_chain_init(struct ikev2_chain *c, struct buf *b, size_t np_off)
{
	c->b = b;
	c->np_off = np_off;
	c->first = IKEV2_PL_NONE;
}

size_t ikev2_pld_begin(struct ikev2_chain *c, uint8_t type, bool critical)
{
	size_t off = c->b->len;

	if (c->np_off == SIZE_MAX)
		c->first = type;
	else
		buf_set_u8(c->b, c->np_off, type);
	c->np_off = off;
	buf_put_u8(c->b, IKEV2_PL_NONE);
	buf_put_u8(c->b, critical ? IKEV2_CRITICAL : 0);
	buf_put_u16(c->b, 0);
	return off;
}

void ikev2_pld_end(struct ikev2_chain *c, size_t hdr_off)
{
	size_t len = c->b->len - hdr_off;

	if (len > UINT16_MAX) {
		c->b->failed = true;
		return;
	}
	buf_set_u16(c->b, hdr_off + 2, (uint16_t)len);
}

static int chain_ok(const struct ikev2_chain *c)
{
	return c->b->failed ? -1 : 0;
}

int ikev2_put_sa(struct ikev2_chain *c, const struct ikev2_sa *sa)
{
	struct buf *b = c->b;
	size_t off;

	if (!sa->nproposals || sa->nproposals > IKEV2_MAX_PROPOSALS)
		return -1;
	off = ikev2_pld_begin(c, IKEV2_PL_SA, false);
	for (unsigned int i = 0; i < sa->nproposals; i++) {
		const struct ikev2_proposal *pr = &sa->prop[i];
		size_t poff = b->len;

		if (pr->ntransforms > IKEV2_MAX_TRANSFORMS || pr->spi_size > 8)
			return -1;
		buf_put_u8(b, i + 1 == sa->nproposals ? SA_LAST : SA_MORE_PROP);
		buf_put_u8(b, 0);
		buf_put_u16(b, 0);
		buf_put_u8(b, pr->num);
		buf_put_u8(b, pr->proto);
		buf_put_u8(b, pr->spi_size);
		buf_put_u8(b, pr->ntransforms);
		buf_put(b, pr->spi, pr->spi_size);
		for (unsigned int j = 0; j < pr->ntransforms; j++) {
			const struct ikev2_transform *xf = &pr->xf[j];

			buf_put_u8(b, j + 1 == pr->ntransforms ? SA_LAST : SA_MORE_XF);
			buf_put_u8(b, 0);
			buf_put_u16(b, xf->keylen ? 12 : 8);
			buf_put_u8(b, xf->type);
			buf_put_u8(b, 0);
			buf_put_u16(b, xf->id);
			if (xf->keylen) {
				buf_put_u16(b, IKEV2_ATTR_TV | IKEV2_ATTR_KEY_LENGTH);
				buf_put_u16(b, xf->keylen);
			}
		}
		if (b->len - poff > UINT16_MAX)
			return -1;
		buf_set_u16(b, poff + 2, (uint16_t)(b->len - poff));
	}
	ikev2_pld_end(c, off);
	return chain_ok(c);
}

int ikev2_put_ke(struct ikev2_chain *c, const struct ikev2_ke *ke)
{
	size_t off = ikev2_pld_begin(c, IKEV2_PL_KE, false);

	buf_put_u16(c->b, ke->group);
	buf_put_u16(c->b, 0);
	buf_put(c->b, ke->data, ke->len);
	ikev2_pld_end(c, off);
	return chain_ok(c);
}

int ikev2_put_nonce(struct ikev2_chain *c, const uint8_t *nonce, size_t len)
{
	return ikev2_put_raw(c, IKEV2_PL_NONCE, false, nonce, len);
}

static int put_typed(struct ikev2_chain *c, uint8_t pl, uint8_t type, const uint8_t *data, size_t len)
{
	size_t off = ikev2_pld_begin(c, pl, false);
	static const uint8_t zero[3];

	buf_put_u8(c->b, type);
	buf_put(c->b, zero, 3);
	buf_put(c->b, data, len);
	ikev2_pld_end(c, off);
	return chain_ok(c);
}

int ikev2_put_id(struct ikev2_chain *c, uint8_t pl_type, const struct ikev2_id *id)
{
	return put_typed(c, pl_type, id->type, id->data, id->len);
}

int ikev2_put_auth(struct ikev2_chain *c, const struct ikev2_auth *auth)
{
	return put_typed(c, IKEV2_PL_AUTH, auth->method, auth->data, auth->len);
}

int ikev2_put_cert(struct ikev2_chain *c, uint8_t pl_type, const struct ikev2_cert *cert)
{
	size_t off = ikev2_pld_begin(c, pl_type, false);

	buf_put_u8(c->b, cert->encoding);
	buf_put(c->b, cert->data, cert->len);
	ikev2_pld_end(c, off);
	return chain_ok(c);
}

int ikev2_put_notify(struct ikev2_chain *c, const struct ikev2_notify *n)
{
	size_t off;

	if (n->spi_size > 8)
		return -1;
	off = ikev2_pld_begin(c, IKEV2_PL_NOTIFY, false);
	buf_put_u8(c->b, n->proto);
	buf_put_u8(c->b, n->spi_size);
	buf_put_u16(c->b, n->type);
	buf_put(c->b, n->spi, n->spi_size);
	buf_put(c->b, n->data, n->len);
	ikev2_pld_end(c, off);
	return chain_ok(c);
}

int ikev2_put_delete(struct ikev2_chain *c, const struct ikev2_delete *d)
{
	size_t off = ikev2_pld_begin(c, IKEV2_PL_DELETE, false);

	buf_put_u8(c->b, d->proto);
	buf_put_u8(c->b, d->spi_size);
	buf_put_u16(c->b, d->nspi);
	buf_put(c->b, d->spis, (size_t)d->nspi * d->spi_size);
	ikev2_pld_end(c, off);
	return chain_ok(c);
}

int ikev2_put_ts(struct ikev2_chain *c, uint8_t pl_type, const struct ikev2_ts_list *tl)
{
	static const uint8_t zero[3];
	size_t off;

	if (!tl->n || tl->n > IKEV2_MAX_TS)
		return -1;
	off = ikev2_pld_begin(c, pl_type, false);
	buf_put_u8(c->b, tl->n);
	buf_put(c->b, zero, 3);
	for (unsigned int i = 0; i < tl->n; i++) {
		const struct ikev2_ts *ts = &tl->ts[i];
		size_t alen = ikev2_ts_addr_len(ts->type);

		buf_put_u8(c->b, ts->type);
		buf_put_u8(c->b, ts->proto);
		buf_put_u16(c->b, (uint16_t)(8 + 2 * alen));
		buf_put_u16(c->b, ts->sport);
		buf_put_u16(c->b, ts->eport);
		buf_put(c->b, ts->start, alen);
		buf_put(c->b, ts->end, alen);
	}
	ikev2_pld_end(c, off);
	return chain_ok(c);
}

int ikev2_put_vendor(struct ikev2_chain *c, const uint8_t *vid, size_t len)
{
	return ikev2_put_raw(c, IKEV2_PL_VENDOR, false, vid, len);
}

int ikev2_put_raw(struct ikev2_chain *c, uint8_t type, bool critical, const uint8_t *body, size_t len)
{
	size_t off = ikev2_pld_begin(c, type, critical);

	buf_put(c->b, body, len);
	ikev2_pld_end(c, off);
	return chain_ok(c);
}
