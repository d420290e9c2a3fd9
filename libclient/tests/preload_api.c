/* SPDX-License-Identifier: MIT */
/*
 * preload_api - every allocation function libkheapmalloc.so replaces,
 * called as an unmodified program would. Run by preload.sh under
 * LD_PRELOAD; exits non-zero at the first surprise.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPECT(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s\n", __FILE__,	\
				__LINE__, #cond);			\
			return 1;					\
		}							\
	} while (0)

static int aligned(const void *p, size_t alignment)
{
	return p != NULL && (uintptr_t)p % alignment == 0;
}

int main(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *p, *q;
	void *v;

	p = malloc(100);
	EXPECT(aligned(p, 16) && malloc_usable_size(p) >= 100);
	memset(p, 'a', 100);
	p = realloc(p, 10000);
	EXPECT(p && p[99] == 'a');
	EXPECT(realloc(p, 0) == NULL);		/* glibc: frees */

	q = calloc(1000, 8);
	EXPECT(q && q[0] == 0 && q[7999] == 0);
	EXPECT(calloc(SIZE_MAX / 4, 8) == NULL && errno == ENOMEM);
	q = reallocarray(q, 2000, 8);
	EXPECT(q != NULL);
	EXPECT(reallocarray(q, SIZE_MAX / 4, 8) == NULL && errno == ENOMEM);
	free(q);

	EXPECT(posix_memalign(&v, 4096, 10) == 0 && aligned(v, 4096));
	free(v);
	EXPECT(posix_memalign(&v, 12, 10) == EINVAL);
	v = aligned_alloc(256, 512);
	EXPECT(aligned(v, 256));
	free(v);
	v = memalign(64, 10);
	EXPECT(aligned(v, 64));
	free(v);
	v = valloc(10);
	EXPECT(aligned(v, page));
	free(v);
	v = pvalloc(page + 1);
	EXPECT(aligned(v, page) && malloc_usable_size(v) == 2 * page);
	free(v);
	free(NULL);
	EXPECT(malloc_usable_size(NULL) == 0);
	puts("all allocation functions behaved");
	return 0;
}
