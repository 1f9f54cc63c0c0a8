// SPDX-License-Identifier: GPL-2.0
#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* No IKE message comes near this; it bounds a runaway encoder. */
#define BUF_MAX	(1u << 20)

void buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void buf_free(struct buf *b)
{
	if (b->data) {
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	buf_init(b);
}

uint8_t *buf_reserve(struct buf *b, size_t n)
{
	if (b->failed)
		return NULL;
	if (n > BUF_MAX - b->len) {
		b->failed = true;
		return NULL;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *nd;

		while (cap < b->len + n)
			cap *= 2;
		/* Not realloc: the old block may hold keys and must be wiped. */
		nd = malloc(cap);
		if (!nd) {
			b->failed = true;
			return NULL;
		}
		if (b->data) {
			memcpy(nd, b->data, b->len);
			OPENSSL_cleanse(b->data, b->cap);
			free(b->data);
		}
		b->data = nd;
		b->cap = cap;
	}
	b->len += n;
	return b->data + b->len - n;
}

bool buf_put(struct buf *b, const void *p, size_t n)
{
	uint8_t *d = buf_reserve(b, n);

	if (!d)
		return false;
	if (n)
		memcpy(d, p, n);
	return true;
}

bool buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put(b, &v, 1);
}

bool buf_put_u16(struct buf *b, uint16_t v)
{
	uint8_t t[2];

	put_be16(t, v);
	return buf_put(b, t, 2);
}

bool buf_put_u32(struct buf *b, uint32_t v)
{
	uint8_t t[4];

	put_be32(t, v);
	return buf_put(b, t, 4);
}

bool buf_put_u64(struct buf *b, uint64_t v)
{
	uint8_t t[8];

	put_be64(t, v);
	return buf_put(b, t, 8);
}

void buf_set_u8(struct buf *b, size_t off, uint8_t v)
{
	if (!b->failed && off + 1 <= b->len)
		b->data[off] = v;
}

void buf_set_u16(struct buf *b, size_t off, uint16_t v)
{
	if (!b->failed && off + 2 <= b->len)
		put_be16(b->data + off, v);
}

void buf_set_u32(struct buf *b, size_t off, uint32_t v)
{
	if (!b->failed && off + 4 <= b->len)
		put_be32(b->data + off, v);
}

bool rd_ref(struct rd *r, const uint8_t **p, size_t n)
{
	if (n > rd_left(r))
		return false;
	*p = r->p + r->off;
	r->off += n;
	return true;
}

bool rd_copy(struct rd *r, void *dst, size_t n)
{
	const uint8_t *p;

	if (!rd_ref(r, &p, n))
		return false;
	if (n)
		memcpy(dst, p, n);
	return true;
}

bool rd_u8(struct rd *r, uint8_t *v)
{
	return rd_copy(r, v, 1);
}

bool rd_u16(struct rd *r, uint16_t *v)
{
	const uint8_t *p;

	if (!rd_ref(r, &p, 2))
		return false;
	*v = get_be16(p);
	return true;
}

bool rd_u32(struct rd *r, uint32_t *v)
{
	const uint8_t *p;

	if (!rd_ref(r, &p, 4))
		return false;
	*v = get_be32(p);
	return true;
}

bool rd_u64(struct rd *r, uint64_t *v)
{
	const uint8_t *p;

	if (!rd_ref(r, &p, 8))
		return false;
	*v = get_be64(p);
	return true;
}

uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}
