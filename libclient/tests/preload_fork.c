// SPDX-License-Identifier: MIT
/*
 * preload_fork: an ordinary dynamically linked program, with no idea of
 * kheap, run under libkheapmalloc.so on the device backend in the test
 * guest. It does what real programs do around fork: builds an argument
 * vector and strings on the heap, forks, and lets the child read them,
 * allocate more and exec. Parent and child must each keep their own heap
 * intact, and the allocations must really come from /dev/kheap (this
 * process has a row in /proc/kheap while it runs).
 *
 * Output: TAP. Exit status: non-zero on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int test_no;
static int failures;

static void result(int ok, const char *what)
{
	printf("%sok %d - preload: %s\n", ok ? "" : "not ", ++test_no, what);
	failures += !ok;
}

/* Pages this process holds according to /proc/kheap; -1 without a row. */
static long my_kheap_pages(void)
{
	char line[256], comm[64];
	long pid, regions, pages;
	FILE *f = fopen("/proc/kheap", "r");
	long found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%ld %63s %ld %ld", &pid, comm, &regions, &pages) == 4 &&
		    pid == getpid())
			found = pages;
	fclose(f);
	return found;
}

static int strings_intact(char **argv, int count, const char *tag)
{
	char want[64];

	for (int i = 0; i < count; i++) {
		snprintf(want, sizeof(want), "%s-%d", tag, i);
		if (strcmp(argv[i], want))
			return 0;
	}
	return 1;
}

int main(void)
{
	enum { COUNT = 2000 };
	char **argv = malloc((COUNT + 1) * sizeof(*argv));
	int status;
	pid_t child;

	printf("TAP version 13\n1..5\n");
	for (int i = 0; argv && i < COUNT; i++) {
		argv[i] = malloc(64);
		snprintf(argv[i], 64, "before-fork-%d", i);
	}
	result(argv && strings_intact(argv, COUNT, "before-fork"),
	       "heap built before fork");
	result(my_kheap_pages() > 0, "the allocations come from /dev/kheap");
	fflush(stdout);

	child = fork();
	if (child == 0) {
		int ok = strings_intact(argv, COUNT, "before-fork");

		/* The child's writes must stay the child's. */
		for (int i = 0; i < COUNT; i++) {
			char *fresh = malloc(64);

			snprintf(fresh, 64, "child-%d", i);
			free(argv[i]);
			argv[i] = fresh;
		}
		ok = ok && strings_intact(argv, COUNT, "child");
		argv[COUNT] = NULL;
		if (!ok)
			_exit(1);
		execl("/bin/true", "true", (char *)NULL);
		_exit(2);
	}
	result(child > 0 && waitpid(child, &status, 0) == child &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "child read the parent's heap, used its own and exec'd");
	result(strings_intact(argv, COUNT, "before-fork"),
	       "parent's heap untouched by the child");
	for (int i = 0; i < COUNT; i++)
		free(argv[i]);
	free(argv);
	result(1, "every block freed without a report");
	return failures != 0;
}
