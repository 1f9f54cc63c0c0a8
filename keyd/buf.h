/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Byte buffers: a growable writer for building messages and a bounded
 * reader for parsing them. The reader never reads past its end: every get
 * returns false instead, so a parser built on it cannot overrun a packet.
 */
#ifndef KEYD_BUF_H
#define KEYD_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool failed;	/* sticky: an allocation failed or a limit was hit */
};

void buf_init(struct buf *b);
/* Frees and zeroes the memory (messages carry key material before sealing). */
void buf_free(struct buf *b);
/* Appends n bytes and returns a pointer to them (NULL and failed on error). */
uint8_t *buf_reserve(struct buf *b, size_t n);
bool buf_put(struct buf *b, const void *p, size_t n);
bool buf_put_u8(struct buf *b, uint8_t v);
bool buf_put_u16(struct buf *b, uint16_t v);
bool buf_put_u32(struct buf *b, uint32_t v);
bool buf_put_u64(struct buf *b, uint64_t v);
/* Overwrite already written bytes (length fields). */
void buf_set_u8(struct buf *b, size_t off, uint8_t v);
void buf_set_u16(struct buf *b, size_t off, uint16_t v);
void buf_set_u32(struct buf *b, size_t off, uint32_t v);

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline void rd_init(struct rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
}

static inline size_t rd_left(const struct rd *r)
{
	return r->len - r->off;
}

bool rd_u8(struct rd *r, uint8_t *v);
bool rd_u16(struct rd *r, uint16_t *v);
bool rd_u32(struct rd *r, uint32_t *v);
bool rd_u64(struct rd *r, uint64_t *v);
bool rd_copy(struct rd *r, void *dst, size_t n);
/* Points *p at the next n bytes without copying. */
bool rd_ref(struct rd *r, const uint8_t **p, size_t n);

uint16_t get_be16(const uint8_t *p);
uint32_t get_be32(const uint8_t *p);
uint64_t get_be64(const uint8_t *p);
void put_be16(uint8_t *p, uint16_t v);
void put_be32(uint8_t *p, uint32_t v);
void put_be64(uint8_t *p, uint64_t v);

#endif /* KEYD_BUF_H */
