// SPDX-License-Identifier: GPL-2.0
/* TAP harness for the kipsec CLI unit tests (no kernel needed). */
#include "tap.h"
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n_run, n_failed;

void tap_ok(bool pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	n_run++;
	if (!pass)
		n_failed++;
	printf("%sok %d - ", pass ? "" : "not ", n_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!pass)
		printf("#   failed at %s:%d\n", file, line);
}

void tap_is_str(const char *got, const char *want, const char *file, int line,
		const char *what)
{
	bool pass = got && want && !strcmp(got, want);

	tap_ok(pass, file, line, "%s", what);
	if (!pass)
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
		       want ? want : "(null)");
}

void tap_is_num(long long got, long long want, const char *file, int line,
		const char *what)
{
	tap_ok(got == want, file, line, "%s", what);
	if (got != want)
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
}

int split(const char *line, char ***argv)
{
	static char buf[4096];
	static char *words[128];
	int n = 0;
	char *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", line);
	for (p = strtok_r(buf, " ", &save); p && n < 127; p = strtok_r(NULL, " ", &save))
		words[n++] = strcmp(p, "''") ? p : p + 2;	/* '' -> "" */
	words[n] = NULL;
	*argv = words;
	return n;
}

/* main.c is not linked into the tests; its usage printers are. */
void usage_state(void)
{
}

void usage_policy(void)
{
}

int main(void)
{
	test_args();
	test_algs();
	test_state();
	test_policy();
	test_output();
	test_nl();
	test_monitor();
	printf("1..%d\n", n_run);
	printf("%d passed, %d failed\n", n_run - n_failed, n_failed);
	return n_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
