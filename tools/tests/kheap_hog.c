// SPDX-License-Identifier: GPL-2.0
/*
 * kheap_hog: test helper for kheapstat-check.sh.
 *
 *   kheap_hog PAGES hold   allocate a region of PAGES pages, then sleep
 *                          until killed
 *   kheap_hog PAGES exit   allocate it and exit without freeing it
 *
 * Prints "alloc N: ok" or "alloc N: refused"; exit status 0, or 3 when the
 * allocation was refused, 1 when /dev/kheap cannot be opened.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kheap.h>

int main(int argc, char **argv)
{
	struct kheap_alloc req = { 0 };
	int fd, refused;

	if (argc != 3 || (strcmp(argv[2], "hold") && strcmp(argv[2], "exit"))) {
		fprintf(stderr, "usage: %s PAGES hold|exit\n", argv[0]);
		return 2;
	}
	req.pages = strtoull(argv[1], NULL, 0);
	fd = open("/dev/" KHEAP_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("/dev/" KHEAP_DEVICE_NAME);
		return 1;
	}
	refused = ioctl(fd, KHEAP_IOC_ALLOC, &req) != 0;
	printf("alloc %llu: %s\n", (unsigned long long)req.pages,
	       refused ? "refused" : "ok");
	fflush(stdout);
	if (!strcmp(argv[2], "hold"))
		pause();
	_exit(refused ? 3 : 0);	/* without closing: the exit reclaims */
}
