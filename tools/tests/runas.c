// SPDX-License-Identifier: GPL-2.0
/*
 * runas: test helper for kheapstat-check.sh (busybox has no setuidgid).
 *
 *   runas UID PROGRAM [ARG...]
 *
 * Sets real, effective and saved uid and gid to UID (dropping every
 * capability of root) and executes PROGRAM.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	uid_t id;

	if (argc < 3) {
		fprintf(stderr, "usage: %s UID PROGRAM [ARG...]\n", argv[0]);
		return 2;
	}
	id = strtoul(argv[1], NULL, 0);
	if (setresgid(id, id, id) || setresuid(id, id, id)) {
		perror("setresuid");
		return 1;
	}
	execv(argv[2], argv + 2);
	perror(argv[2]);
	return 1;
}
