// SPDX-License-Identifier: GPL-2.0
/*
 * insmod.c - klpx-insmod, the tests' insmod: one finit_module() call.
 *
 * busybox's insmod retries a failed finit_module() with init_module(), so a
 * module whose init fails runs its init twice; tests that compare kernel
 * logs need exactly one attempt.  Built statically by run.sh, installed as
 * /bin/klpx-insmod (busybox ash runs its own applets before any file named
 * like them, so it cannot simply replace /bin/insmod).
 *
 *	klpx-insmod FILE [PARAM=VALUE...]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t len = 1;
	char *params;
	int i, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: klpx-insmod FILE [PARAM=VALUE...]\n");
		return 2;
	}
	for (i = 2; i < argc; i++)
		len += strlen(argv[i]) + 1;
	params = calloc(1, len);
	if (!params) {
		perror("insmod");
		return 1;
	}
	for (i = 2; i < argc; i++) {
		if (i > 2)
			strcat(params, " ");
		strcat(params, argv[i]);
	}

	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, params, 0)) {
		fprintf(stderr, "insmod: can't insert '%s': %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	return 0;
}
