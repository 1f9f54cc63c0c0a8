/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal TAP producer for the CLI unit tests: "ok N - what" per check. */
#ifndef KIPSEC_TAP_H
#define KIPSEC_TAP_H

#include <stdbool.h>
#include <stddef.h>

void tap_ok(bool pass, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void tap_is_str(const char *got, const char *want, const char *file, int line,
		const char *what);
void tap_is_num(long long got, long long want, const char *file, int line,
		const char *what);

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, what) tap_is_str(got, want, __FILE__, __LINE__, what)
#define is_num(got, want, what) \
	tap_is_num((long long)(got), (long long)(want), __FILE__, __LINE__, what)

/*
 * Split a command line on spaces into a static argv; the word '' stands for
 * an empty argument (ip xfrm's `enc cipher_null ""`). Returns argc.
 */
int split(const char *line, char ***argv);

/* Test groups. */
void test_args(void);
void test_algs(void);
void test_state(void);
void test_policy(void);
void test_output(void);
void test_nl(void);
void test_monitor(void);

#endif
