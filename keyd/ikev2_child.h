/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CREATE_CHILD_SA (RFC 7296 1.3, 2.8, 2.17, 2.18), in ikev2_child.c: Child
 * SA rekeying (REKEY_SA) with and without PFS, IKE SA rekeying (new SPIs,
 * SKEYSEED from the old SK_d, the Child SA moved over), both as initiator
 * and responder; the rekey timers (lifetime - margin - jitter), kernel
 * EXPIRE events, simultaneous rekeys (2.8.1) and make-before-break: the
 * new inbound SA first, then the outbound (the module sends on the newest
 * SA of a template), the old pair removed after the Delete exchange.
 *
 * The hooks below are called by ikev2.c; the functions after them are
 * ikev2.c's own, shared with this file.
 */
#ifndef KEYD_IKEV2_CHILD_H
#define KEYD_IKEV2_CHILD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "ikev2_msg.h"
#include "ikev2_sa.h"
#include "kernel.h"

struct event_base;

void ikev2_child_setup(struct event_base *base);
/* Kernel limits for a Child SA of sa (from the connection's lifetimes). */
void ikev2_child_lifetimes(const struct ike_sa *sa, struct kernel_sa *ksa);
/* The Child SA of IKE_AUTH is installed: arm its rekey timer. */
void ikev2_child_installed(struct ike_sa *sa);
/* IKE_AUTH done: arm the IKE SA rekey timer. */
void ikev2_rekey_ike_established(struct ike_sa *sa);
/* The IKE SA goes: timers, pending exchanges, replaced and redundant SAs. */
void ikev2_child_cleanup(struct ike_sa *sa);
/* A CREATE_CHILD_SA request or response (already decrypted). */
void ikev2_child_recv(struct ike_sa *sa, const struct ikev2_pldlist *l, bool response);
/*
 * The peer deletes ESP SPI spi (its inbound): true if that was a pair of a
 * rekey (our inbound SPI is added to the reply chain c), false if ikev2.c
 * should handle it as the Child SA itself.
 */
bool ikev2_child_delete(struct ike_sa *sa, uint32_t spi, struct ikev2_chain *c);
/* The answer to our INFORMATIONAL request arrived (e.g. our Delete of a replaced pair). */
void ikev2_child_info_response(struct ike_sa *sa);
/* kernel EXPIRE event (kernel_expire_fn). */
void ikev2_child_expire(const struct sockaddr_storage *dst, uint32_t spi, bool hard);
/* Control: "rekey NAME child|ike". */
int ikev2_rekey_cmd(const char *name, const char *what, FILE *out);

/* ---- from ikev2.c ---- */
int send_sk(struct ike_sa *sa, uint8_t exch, bool response, struct buf *inner, uint8_t first);
uint32_t new_esp_spi(void);
void child_uninstall(struct ike_sa *sa);
void ike_delete_local(struct ike_sa *sa, const char *why);
int send_ike_delete(struct ike_sa *sa);
const struct ikev2_pld *find_notify(const struct ikev2_pldlist *l, uint16_t type,
				    struct ikev2_notify *n);
uint16_t error_notify(const struct ikev2_pldlist *l);

#endif /* KEYD_IKEV2_CHILD_H */
