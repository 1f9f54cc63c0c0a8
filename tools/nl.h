/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink transport: one libnl-genl socket bound to the "kipsec" family,
 * request/response with the kernel's extended-ack text, and dumps.
 */
#ifndef KIPSEC_NL_H
#define KIPSEC_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

struct knl;

/* What the kernel said about a refusal (its extended ack), decoded. */
struct knl_err {
	char msg[256];		/* the kernel's text, "" if it sent none */
	char where[48];		/* CLI name of the attribute it blamed, "" if none */
	bool has_range, has_len;
	uint64_t min, max;	/* allowed values of that attribute */
	uint32_t min_len, max_len; /* allowed lengths of that attribute */
};

/* Adds the request's attributes to @msg (after the genl header). */
typedef int (*knl_build_fn)(struct nl_msg *msg, const void *ctx);
/* Called for every reply message with its top-level attributes (KIPSEC_A_*). */
typedef int (*knl_reply_fn)(struct nlattr **tb, void *ctx);

/* NULL on failure, with the reason recorded (args.h cli_err()). */
struct knl *knl_open(void);
void knl_close(struct knl *k);

/*
 * Send @cmd (@dump: NLM_F_DUMP) and wait for the end of the answer.
 * @sensitive: the request holds key bytes; its buffer is wiped after sending.
 * Returns 0 or a negative errno; on a kernel refusal knl_extack() has the
 * kernel's message ("" if it sent none).
 */
int knl_request(struct knl *k, uint8_t cmd, bool dump, knl_build_fn build,
		const void *bctx, knl_reply_fn reply, void *rctx, bool sensitive);
const struct knl_err *knl_error(const struct knl *k);

/*
 * Decode the NLMSG_ERROR @nlh against @req, the request it answers: the
 * message, and the attribute blamed by offset, named as on the command line.
 */
void knl_decode_err(struct knl_err *e, const struct nlmsghdr *nlh, struct nl_msg *req);

/* "kernel refused WHAT: TEXT [where: range] (strerror)" without newline. */
void knl_format_refusal(char *buf, size_t cap, const struct knl_err *e,
			const char *what, const char *noun, int err);

/*
 * Print "kipsec: kernel refused WHAT: TEXT (strerror)" where TEXT is the
 * extack message or a hint for @err about @noun ("SA", "policy"), with the
 * attribute it blamed. Returns the exit status for it.
 */
int knl_report(const struct knl *k, const char *what, const char *noun, int err);

/* Allocate a request message for @cmd on family @family (tests use 0). */
struct nl_msg *knl_msg_new(int family, uint8_t cmd, int flags);

/*
 * End a nest, keeping it when empty: libnl drops empty nests, but the uapi
 * wants exactly one top-level nest in every request (flush, dump).
 */
int knl_nest_end(struct nl_msg *msg, struct nlattr *nest, int type);

/* Top-level reply parser shared with the tests: 0 or -1 if malformed. */
int knl_parse_reply(struct nlmsghdr *nlh, struct nlattr **tb);

#endif
