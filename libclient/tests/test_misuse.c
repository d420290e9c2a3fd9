/* SPDX-License-Identifier: MIT */
/*
 * test_misuse - run every misuse program of a directory: each must die of
 * SIGABRT (or SIGSEGV, if it announced a fault) after writing exactly the
 * line it announced on stdout (see misuse.h) to stderr. A program that
 * announced a todo is a TAP TODO: kheap does not catch it yet.
 *
 * Usage: test_misuse [--preload LIB] DIR
 * --preload runs the programs with LD_PRELOAD=LIB, as unmodified programs.
 */
#include <dirent.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUTPUT_MAX 4096

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read all of @fd into @buf (NUL-terminated). */
static void slurp(int fd, char *buf)
{
	size_t len = 0;
	ssize_t n;

	while (len < OUTPUT_MAX - 1 &&
	       (n = read(fd, buf + len, OUTPUT_MAX - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

static const char *preload;

static int run_one(const char *path, char *out, char *err, int *status)
{
	int out_pipe[2], err_pipe[2];
	pid_t pid;

	if (pipe(out_pipe) < 0 || pipe(err_pipe) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(out_pipe[1], STDOUT_FILENO);
		dup2(err_pipe[1], STDERR_FILENO);
		if (preload)
			setenv("LD_PRELOAD", preload, 1);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(out_pipe[1]);
	close(err_pipe[1]);
	/* Each stays far below a pipe buffer, so sequential reads are safe. */
	slurp(out_pipe[0], out);
	slurp(err_pipe[0], err);
	close(out_pipe[0]);
	close(err_pipe[0]);
	return waitpid(pid, status, 0) < 0 ? -1 : 0;
}

/* What a program announced before its expected line (misuse.h). */
struct expected {
	int signal;
	const char *todo;	/* NULL, or why kheap misses it */
	char todo_text[OUTPUT_MAX];
	const char *line;	/* the rest: the line expected on stderr */
};

static void parse(char *out, struct expected *e)
{
	e->signal = SIGABRT;
	e->todo = NULL;
	for (;;) {
		char *newline = strchr(out, '\n');

		if (strncmp(out, "fault: SIGSEGV\n", 15) == 0) {
			e->signal = SIGSEGV;
		} else if (strncmp(out, "todo: ", 6) == 0 && newline) {
			*newline = '\0';
			snprintf(e->todo_text, sizeof(e->todo_text), "%s", out + 6);
			e->todo = e->todo_text;
		} else {
			break;
		}
		out = newline + 1;
	}
	e->line = out;
}

int main(int argc, char **argv)
{
	char *names[256];
	int count = 0, failures = 0;
	struct dirent *entry;
	DIR *dir;

	if (argc == 4 && strcmp(argv[1], "--preload") == 0) {
		preload = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || (dir = opendir(argv[1])) == NULL) {
		fprintf(stderr, "usage: test_misuse [--preload LIB] DIR\n");
		return 2;
	}
	while ((entry = readdir(dir)) != NULL && count < 256)
		if (entry->d_name[0] != '.')
			names[count++] = strdup(entry->d_name);
	closedir(dir);
	qsort(names, count, sizeof(names[0]), compare_names);

	printf("TAP version 13\n1..%d\n", count);
	for (int i = 0; i < count; i++) {
		char path[4096], out[OUTPUT_MAX], err[OUTPUT_MAX];
		static struct expected e;
		int status = 0;
		bool ok;

		snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
		ok = run_one(path, out, err, &status) == 0;
		parse(out, &e);
		ok = ok && WIFSIGNALED(status) && WTERMSIG(status) == e.signal &&
		     e.line[0] != '\0' && strcmp(e.line, err) == 0;
		if (!ok) {
			printf("# expected %s and stderr: %s",
			       strsignal(e.signal), e.line);
			printf("# got %s %d and stderr: %s\n",
			       WIFSIGNALED(status) ? "signal" : "exit status",
			       WIFSIGNALED(status) ? WTERMSIG(status)
						   : WEXITSTATUS(status), err);
			failures += e.todo == NULL;
		}
		printf("%sok %d - %s", ok ? "" : "not ", i + 1, names[i]);
		if (e.todo)
			printf(" # TODO %s", e.todo);
		putchar('\n');
		free(names[i]);
	}
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
