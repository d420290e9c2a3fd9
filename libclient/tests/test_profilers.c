/* SPDX-License-Identifier: MIT */
/*
 * test_profilers - the built-in profilers against a workload whose
 * allocations are known exactly. The program runs itself with
 * "--workload" under KHEAP_PROFILE and KHEAP_LOG and compares the log (and
 * the histogram CSV) line by line with what the workload did; the workload
 * prints on stdout the facts only it can know: addresses, lines, thread id
 * and the regions it took from the backend.
 */
#define KHEAP_INSTRUMENT
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kheapclient.h>

#include "tap.h"

/* ---- the workload (child) ---------------------------------------------------- */

#define FILE_LINE(line)	__FILE__ ":" #line

static int workload(void)
{
	struct kheap_client_stats stats;
	void *a[3], *c, *z;
	char *b, *moved;
	int line_a, line_b, line_r, line_c, line_z;

	for (int i = 0; i < 3; i++) {
		line_a = __LINE__ + 1;
		a[i] = kheap_malloc(100);
		printf("alloc %p 100 at %s:%d\n", a[i], __FILE__, line_a);
	}
	line_b = __LINE__ + 1;
	b = kheap_malloc(1000);
	printf("alloc %p 1000 at %s:%d\n", (void *)b, __FILE__, line_b);
	line_r = __LINE__ + 1;
	moved = kheap_realloc(b, 3000);
	printf("resize %p 3000 from %p 1000 at %s:%d\n", (void *)moved,
	       (void *)b, __FILE__, line_r);
	line_c = __LINE__ + 1;
	c = kheap_calloc(10, 20);
	printf("alloc %p 200 at %s:%d\n", c, __FILE__, line_c);
	kheap_free(a[0]);
	printf("free %p 100\n", a[0]);
	kheap_free(a[1]);
	printf("free %p 100\n", a[1]);
	kheap_free(moved);
	printf("free %p 3000\n", (void *)moved);
	line_z = __LINE__ + 1;
	z = kheap_malloc(0);
	printf("alloc %p 0 at %s:%d\n", z, __FILE__, line_z);
	kheap_free(z);
	printf("free %p 0\n", z);
	kheap_client_stats(&stats);
	printf("regions %zu %zu\n", stats.backend_maps, stats.backend_unmaps);
	printf("lines %d %d %d %d %d\n", line_a, line_b, line_r, line_c, line_z);
	printf("tid %d\n", (int)getpid());
	return 0;	/* a[2] and c leak on purpose */
}

/* ---- running it (parent) ------------------------------------------------------ */

#define MAX_LINES 256

struct text {
	int count;
	char *line[MAX_LINES];
};

static char dir[64];

static void read_lines(const char *path, struct text *t)
{
	FILE *f = fopen(path, "r");
	char buf[1024];

	while (t->count > 0)
		free(t->line[--t->count]);
	while (f && fgets(buf, sizeof(buf), f) && t->count < MAX_LINES) {
		buf[strcspn(buf, "\n")] = '\0';
		t->line[t->count++] = strdup(buf);
	}
	if (f)
		fclose(f);
}

/* Run the workload with @profile, KHEAP_LOG=DIR/log; 0 when it exited 0. */
static int run(const char *profile, bool set_log)
{
	char log[128], out[128], err[128];
	pid_t pid;
	int status;

	snprintf(log, sizeof(log), "%s/log", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	unlink(log);
	pid = fork();
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(o, STDOUT_FILENO);
		dup2(e, STDERR_FILENO);
		setenv("KHEAP_PROFILE", profile, 1);
		if (set_log)
			setenv("KHEAP_LOG", log, 1);
		else
			unsetenv("KHEAP_LOG");
		unsetenv("KHEAP_HISTOGRAM");
		execl("/proc/self/exe", "test_profilers", "--workload",
		      (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static struct text out, logged, err;
static int lines[5];
static int tid;
static size_t maps, unmaps;

static void load_free(void)
{
	struct text *all[] = { &out, &logged, &err };

	for (int i = 0; i < 3; i++)
		while (all[i]->count > 0)
			free(all[i]->line[--all[i]->count]);
}

static void load(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/out", dir);
	read_lines(path, &out);
	snprintf(path, sizeof(path), "%s/log", dir);
	read_lines(path, &logged);
	snprintf(path, sizeof(path), "%s/err", dir);
	read_lines(path, &err);
	for (int i = 0; i < out.count; i++) {
		sscanf(out.line[i], "lines %d %d %d %d %d", &lines[0],
		       &lines[1], &lines[2], &lines[3], &lines[4]);
		sscanf(out.line[i], "tid %d", &tid);
		sscanf(out.line[i], "regions %zu %zu", &maps, &unmaps);
	}
}

/* The log lines starting with @prefix, in order, must be exactly these. */
static bool log_has(const char *prefix, const char *const *want, int n)
{
	int found = 0;

	for (int i = 0; i < logged.count; i++) {
		if (strncmp(logged.line[i], prefix, strlen(prefix)) != 0)
			continue;
		if (found >= n || strcmp(logged.line[i], want[found]) != 0) {
			printf("# log: \"%s\"\n# want: \"%s\"\n", logged.line[i],
			       found < n ? want[found] : "(nothing more)");
			return false;
		}
		found++;
	}
	if (found != n)
		printf("# %d lines \"%s...\", want %d\n", found, prefix, n);
	return found == n;
}

/* A formatted string that lives until 64 more have been made. */
static char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *format, ...)
{
	static char pool[64][512];
	static unsigned next;
	char *s = pool[next++ % 64];
	va_list ap;

	va_start(ap, format);
	vsnprintf(s, sizeof(pool[0]), format, ap);
	va_end(ap);
	return s;
}

static char *site(int which)
{
	return fmt("%s:%d in workload()", __FILE__, lines[which]);
}

TEST(summary_totals)
{
	const char *want[] = {
		"kheap: profile: 7 allocations, 5 frees, 4500 bytes allocated, "
		"peak 3500 bytes live, 300 bytes live at exit",
	};

	CHECK(run("summary", true) == 0);
	load();
	CHECK(log_has("kheap: profile:", want, 1));
	CHECK(err.count == 0);
}

TEST(stats_counts_per_size_class)
{
	const char *want[6];

	CHECK(run("stats", true) == 0);
	load();
	CHECK(maps > 0);
	want[0] = fmt("kheap: stats: 6 allocations, 4 frees, 1 resizes, "
		      "%zu regions acquired, %zu regions released", maps, unmaps);
	want[1] = "kheap: stats: class 16: 1 allocations, 1 frees, 0 live";
	want[2] = "kheap: stats: class 112: 3 allocations, 2 frees, 1 live";
	want[3] = "kheap: stats: class 224: 1 allocations, 0 frees, 1 live";
	want[4] = "kheap: stats: class 1024: 1 allocations, 1 frees, 0 live";
	want[5] = "kheap: stats: class 3072: 1 allocations, 1 frees, 0 live";
	CHECK(log_has("kheap: stats:", want, 6));
}

TEST(histogram_buckets_in_csv)
{
	static const char *const want[] = {
		"size_bucket,count", "0,1", "1,0", "2,0", "3-4,0", "5-8,0",
		"9-16,0", "17-32,0", "33-64,0", "65-128,3", "129-256,1",
		"257-512,0", "513-1024,1", "1025-2048,0", "2049-4096,1",
	};
	char path[128];
	const char *line[1];
	struct text csv = { 0 };

	CHECK(run("histogram", true) == 0);
	load();
	snprintf(path, sizeof(path), "%s/log.histogram.csv", dir);
	read_lines(path, &csv);
	CHECK(csv.count == 15);
	for (int i = 0; i < csv.count; i++)
		CHECK(strcmp(csv.line[i], want[i]) == 0);
	while (csv.count > 0)
		free(csv.line[--csv.count]);
	line[0] = fmt("kheap: histogram: 7 allocations in 14 buckets written "
		      "to %s", path);
	CHECK(log_has("kheap: histogram:", line, 1));
}

TEST(histogram_without_a_file_goes_to_the_log)
{
	CHECK(run("histogram", false) == 0);
	load();
	/* No KHEAP_LOG: the log is stderr. */
	CHECK(logged.count == 0 && err.count == 15);
	CHECK(strcmp(err.line[0], "kheap: histogram: size_bucket,count") == 0);
	CHECK(strcmp(err.line[9], "kheap: histogram: 65-128,3") == 0);
	CHECK(strcmp(err.line[14], "kheap: histogram: 2049-4096,1") == 0);
}

TEST(sites_table)
{
	const char *want[5];

	CHECK(run("sites", true) == 0);
	load();
	want[0] = fmt("kheap: sites: %s: 1 allocations, 3000 bytes, 1 frees, 0 live", site(2));
	want[1] = fmt("kheap: sites: %s: 1 allocations, 1000 bytes, 1 frees, 0 live", site(1));
	want[2] = fmt("kheap: sites: %s: 3 allocations, 300 bytes, 2 frees, 1 live", site(0));
	want[3] = fmt("kheap: sites: %s: 1 allocations, 200 bytes, 0 frees, 1 live", site(3));
	want[4] = fmt("kheap: sites: %s: 1 allocations, 0 bytes, 1 frees, 0 live", site(4));
	CHECK(log_has("kheap: sites:", want, 5));
}

TEST(leaks_by_site)
{
	const char *want[3];

	CHECK(run("leaks", true) == 0);
	load();
	want[0] = "kheap: leaks: 2 blocks, 300 bytes live at exit";
	want[1] = fmt("kheap: leaks: 1 blocks, 200 bytes allocated at %s", site(3));
	want[2] = fmt("kheap: leaks: 1 blocks, 100 bytes allocated at %s", site(0));
	CHECK(log_has("kheap: leaks:", want, 3));
}

/* Each trace line: "<s>.<9 digits> <tid> " then what the workload said. */
TEST(trace_lines)
{
	int events = 0, regions = 0, e = 0;

	CHECK(run("trace", true) == 0);
	load();
	for (int i = 0; i < logged.count; i++) {
		const char *l = logged.line[i];
		long long sec;
		int nsec_start, nsec_end, thread, rest;

		CHECK(sscanf(l, "%lld.%n%*9[0-9]%n %d %n", &sec, &nsec_start,
			     &nsec_end, &thread, &rest) == 2);
		CHECK(nsec_end - nsec_start == 9 && thread == tid);
		if (strncmp(l + rest, "region_acquire ", 15) == 0) {
			regions++;
			continue;
		}
		CHECK(strncmp(l + rest, "region_release ", 15) != 0);
		while (e < out.count && strncmp(out.line[e], "regions", 7) != 0 &&
		       strncmp(out.line[e], "alloc", 5) != 0 &&
		       strncmp(out.line[e], "free", 4) != 0 &&
		       strncmp(out.line[e], "resize", 6) != 0)
			e++;
		CHECK(e < out.count);
		if (strcmp(l + rest, out.line[e]) != 0)
			printf("# trace \"%s\"\n# want \"%s\"\n", l + rest,
			       out.line[e]);
		CHECK(strcmp(l + rest, out.line[e]) == 0);
		e++;
		events++;
	}
	CHECK(events == 11);
	CHECK((size_t)regions == maps && unmaps == 0);
}

TEST(unknown_name_is_one_line_and_the_rest_run)
{
	CHECK(run("stats,nosuch", true) == 0);
	load();
	CHECK(err.count == 1);
	CHECK(strcmp(err.line[0], "kheap: KHEAP_PROFILE: unknown profiler "
		     "'nosuch' (valid: summary, stats, histogram, sites, "
		     "leaks, trace)") == 0);
	CHECK(logged.count == 6 &&
	      strncmp(logged.line[0], "kheap: stats: 6 allocations", 27) == 0);
}

TEST(several_at_once_in_the_order_given)
{
	CHECK(run(" leaks, stats ,leaks", true) == 0);
	load();
	CHECK(err.count == 0);
	CHECK(logged.count == 9);
	CHECK(strncmp(logged.line[0], "kheap: leaks: 2 blocks", 22) == 0);
	CHECK(strncmp(logged.line[3], "kheap: stats: 6 allocations", 27) == 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--workload") == 0)
		return workload();
	snprintf(dir, sizeof(dir), "/tmp/kheap-profilers.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	int rc = tap_run();
	char cmd[128];

	load_free();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = EXIT_FAILURE;
	return rc;
}
