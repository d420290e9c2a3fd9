// SPDX-License-Identifier: GPL-2.0
/*
 * kheapstat: figures, limits and events of the kheap module, through its
 * generic netlink family (libnl-genl-3).  See man/kheapstat.1 and
 * `kheapstat --help`; the protocol is documented in <linux/kheap_netlink.h>.
 *
 * One snapshot (GET_GLOBAL, then a GET_STATS dump, or a GET_STATS do for
 * --pid) is taken into memory and rendered as the /proc/kheap text, one
 * JSON object or CSV rows; --watch and --record take one per interval.
 * --events joins the "events" group, --set-limits sends SET_LIMITS.
 *
 * Exit status: 0, 1 on any error, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/kheap.h>
#include <linux/kheap_netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

/* Dumps of the process table tried before one interrupted is kept. */
#define DUMP_TRIES	5

static const char *prog = "kheapstat";

static const char usage_text[] =
"Usage: kheapstat [-p PID] [-j] [-s KEY]\n"
"       kheapstat -w SECONDS [-n COUNT] [-p PID] [-j] [-s KEY]\n"
"       kheapstat -r FILE [-i SECONDS] [-d SECONDS] [-n COUNT] [-p PID]\n"
"       kheapstat -e [-n COUNT] [-p PID] [-j]\n"
"       kheapstat --set-limits [--per-process PAGES] [--total PAGES]\n"
"\n"
"Shows the kheap module's figures through its generic netlink family: the\n"
"global block and one row per process, in the format of /proc/kheap.\n"
"\n"
"Modes (at most one; the default shows the figures once):\n"
"  -w, --watch SECONDS     redraw every SECONDS (a full screen on a\n"
"                          terminal, else one block per interval)\n"
"  -r, --record FILE       write CSV to FILE (replacing it; '-': standard\n"
"                          output): per sample, one global row (pid 0)\n"
"                          and one row per process\n"
"  -e, --events            print the module's events as they happen:\n"
"                          limit_hit and proc_exit, one line each (root)\n"
"      --set-limits        change the page limits (root); give one or both:\n"
"      --per-process PAGES   max_pages_per_process\n"
"      --total PAGES         max_pages_total\n"
"\n"
"Options:\n"
"  -p, --pid PID           only this process (with --events: its events)\n"
"  -j, --json              JSON: one object {\"time\", \"global\",\n"
"                          \"processes\"} per snapshot, one object per event,\n"
"                          one per line\n"
"  -s, --sort KEY          order of the table: pid, comm, regions, pages,\n"
"                          peak, failures or limit_hits (largest first);\n"
"                          default: the module's order\n"
"  -n, --count COUNT       stop after COUNT snapshots, samples or events\n"
"  -i, --interval SECONDS  --record: time between samples (default 1)\n"
"  -d, --duration SECONDS  --record: stop after SECONDS (default: never)\n"
"  -h, --help              this text\n"
"  -V, --version           the version and the ABI it speaks\n"
"\n"
"SECONDS may be fractional (0.5).  --watch, --record and --events run until\n"
"interrupted (Ctrl-C) unless --count or --duration ends them.\n"
"\n"
"Exit status: 0 on success, 1 on an error (module not loaded, permission\n"
"denied, no such process), 2 on a usage error.\n"
"\n"
"Examples:\n"
"  kheapstat                          what /proc/kheap shows\n"
"  kheapstat -w 1 -s pages            like top, the biggest holders first\n"
"  kheapstat -p 1234 -j               one process, as JSON\n"
"  kheapstat -r run.csv -i 0.5 -d 60  record a minute; plot: kheap-plot run.csv\n"
"  sudo kheapstat -e                  follow refused requests and leaks\n"
"  sudo kheapstat --set-limits --per-process 65536 --total 262144\n"
"\n"
"See kheapstat(1).\n";

static void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	exit(2);
}

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ------------------------------------------------------- connection -- */

struct conn {
	struct nl_sock *sk;
	int family;
	int done;		/* the request was answered: ack, error, DONE */
	int interrupted;	/* a dump reply carried NLM_F_DUMP_INTR */
	int err;		/* errno of the last failed request */
	char msg[256];		/* its extended ack message */
};

static void conn_open(struct conn *c)
{
	int one = 1, ret;

	memset(c, 0, sizeof(*c));
	c->sk = nl_socket_alloc();
	if (!c->sk)
		die("out of memory");
	ret = genl_connect(c->sk);
	if (ret == -NLE_PERM)
		die("permission denied: opening a generic netlink socket");
	if (ret < 0)
		die("generic netlink socket: %s", nl_geterror(ret));
	/* Error messages from the kernel; libnl 3.7 has no helper for it. */
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));

	c->family = genl_ctrl_resolve(c->sk, KHEAP_GENL_NAME);
	if (c->family == -NLE_OBJ_NOTFOUND)
		die("generic netlink family '%s' not found (is kheap.ko loaded?)",
		    KHEAP_GENL_NAME);
	if (c->family < 0)
		die("resolving the '%s' family: %s", KHEAP_GENL_NAME,
		    nl_geterror(c->family));
}

/* The kernel's error and its extended ack message, if any. */
static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *nlh = (const void *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct conn *c = arg;
	size_t off = sizeof(*e);

	(void)nla;
	c->done = 1;
	c->err = -e->error;
	c->msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    NLMSG_HDRLEN + off < nlh->nlmsg_len &&
	    !nla_parse(tb, NLMSGERR_ATTR_MAX,
		       (struct nlattr *)((char *)e + off),
		       nlh->nlmsg_len - NLMSG_HDRLEN - off, NULL) &&
	    tb[NLMSGERR_ATTR_MSG])
		snprintf(c->msg, sizeof(c->msg), "%s",
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	return NL_STOP;
}

/*
 * A process joined or left the list while the dump was under way, so a
 * row may be missing or twice: read on to the end, then dump again.
 */
static int on_dump_interrupted(struct nl_msg *msg, void *arg)
{
	struct conn *c = arg;

	(void)msg;
	c->interrupted = 1;
	return NL_OK;
}

/* The ack of a do request, or the NLMSG_DONE of a dump. */
static int on_done(struct nl_msg *msg, void *arg)
{
	struct conn *c = arg;

	(void)msg;
	c->done = 1;
	return NL_STOP;
}

/*
 * Sends @msg (consumed) and handles every reply with @fn until the ack or
 * the end of the dump.  One nl_recvmsgs() call returns after one datagram
 * unless it is a multipart one, so a do request's ack may come in a later
 * call: read until the answer is complete.  Returns 0 or an errno
 * (c->err, c->msg set).
 */
static int transact(struct conn *c, struct nl_msg *msg,
		    nl_recvmsg_msg_cb_t fn, void *arg)
{
	int ret;

	c->done = 0;
	c->interrupted = 0;
	c->err = 0;
	c->msg[0] = '\0';
	nl_socket_modify_cb(c->sk, NL_CB_VALID, NL_CB_CUSTOM, fn, arg);
	nl_socket_modify_cb(c->sk, NL_CB_DUMP_INTR, NL_CB_CUSTOM,
			    on_dump_interrupted, c);
	nl_socket_modify_cb(c->sk, NL_CB_ACK, NL_CB_CUSTOM, on_done, c);
	nl_socket_modify_cb(c->sk, NL_CB_FINISH, NL_CB_CUSTOM, on_done, c);
	nl_socket_modify_err_cb(c->sk, NL_CB_CUSTOM, on_error, c);
	ret = nl_send_auto(c->sk, msg);
	nlmsg_free(msg);
	while (ret >= 0 && !c->done)
		ret = nl_recvmsgs_default(c->sk);
	if (ret < 0 && !c->err) {
		c->err = EIO;
		snprintf(c->msg, sizeof(c->msg), "%s", nl_geterror(ret));
	}
	return c->err;
}

static struct nl_msg *request(struct conn *c, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family,
				 0, flags, cmd, KHEAP_GENL_VERSION))
		die("out of memory");
	return msg;
}

static void fail(const struct conn *c, const char *what)
{
	die("%s: %s%s%s%s", what, strerror(c->err), c->msg[0] ? " (" : "",
	    c->msg, c->msg[0] ? ")" : "");
}

/* Attributes of a kheap message, or NULL if it is not one. */
static struct nlattr **parse(struct nl_msg *msg, struct nlattr **tb)
{
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, KHEAP_NL_A_MAX, NULL))
		return NULL;
	return tb;
}

static uint64_t get_u64(struct nlattr **tb, int type)
{
	return tb[type] && nla_len(tb[type]) == 8 ? nla_get_u64(tb[type]) : 0;
}

static uint32_t get_u32(struct nlattr **tb, int type)
{
	return tb[type] && nla_len(tb[type]) == 4 ? nla_get_u32(tb[type]) : 0;
}

/* ------------------------------------------------------- snapshots -- */

struct global {
	uint32_t abi_version, page_size;
	uint64_t regions, pages, peak, allocations, frees, failures;
	uint64_t max_pages_per_region, max_pages_per_process, max_pages_total;
	uint64_t processes, limit_hits;
};

struct proc {
	uint32_t pid;		/* 0: unknown (events only) */
	int has_comm;
	char comm[32];		/* raw, as the kernel sent it */
	uint64_t regions, pages, peak, failures, limit_hits;
};

struct snapshot {
	struct timespec when;	/* CLOCK_REALTIME */
	struct global global;
	struct proc *procs;
	size_t nprocs, cap;
};

static void proc_from_attrs(struct nlattr **tb, struct proc *p)
{
	memset(p, 0, sizeof(*p));
	p->pid = get_u32(tb, KHEAP_NL_A_PID);
	if (tb[KHEAP_NL_A_COMM]) {
		p->has_comm = 1;
		nla_strlcpy(p->comm, tb[KHEAP_NL_A_COMM], sizeof(p->comm));
	}
	p->regions = get_u64(tb, KHEAP_NL_A_REGIONS);
	p->pages = get_u64(tb, KHEAP_NL_A_PAGES);
	p->peak = get_u64(tb, KHEAP_NL_A_PEAK);
	p->failures = get_u64(tb, KHEAP_NL_A_FAILURES);
	p->limit_hits = get_u64(tb, KHEAP_NL_A_LIMIT_HITS);
}

static int on_global(struct nl_msg *msg, void *arg)
{
	struct nlattr *attrs[KHEAP_NL_A_MAX + 1], **tb = parse(msg, attrs);
	struct global *g = arg;

	if (!tb)
		return NL_SKIP;
	g->abi_version = get_u32(tb, KHEAP_NL_A_ABI_VERSION);
	g->page_size = get_u32(tb, KHEAP_NL_A_PAGE_SIZE);
	g->regions = get_u64(tb, KHEAP_NL_A_REGIONS);
	g->pages = get_u64(tb, KHEAP_NL_A_PAGES);
	g->peak = get_u64(tb, KHEAP_NL_A_PEAK);
	g->allocations = get_u64(tb, KHEAP_NL_A_ALLOCATIONS);
	g->frees = get_u64(tb, KHEAP_NL_A_FREES);
	g->failures = get_u64(tb, KHEAP_NL_A_FAILURES);
	g->max_pages_per_region = get_u64(tb, KHEAP_NL_A_MAX_PAGES_PER_REGION);
	g->max_pages_per_process =
		get_u64(tb, KHEAP_NL_A_MAX_PAGES_PER_PROCESS);
	g->max_pages_total = get_u64(tb, KHEAP_NL_A_MAX_PAGES_TOTAL);
	g->processes = get_u64(tb, KHEAP_NL_A_PROCESSES);
	g->limit_hits = get_u64(tb, KHEAP_NL_A_LIMIT_HITS);
	return NL_OK;
}

static int on_proc(struct nl_msg *msg, void *arg)
{
	struct nlattr *attrs[KHEAP_NL_A_MAX + 1], **tb = parse(msg, attrs);
	struct snapshot *s = arg;

	if (!tb)
		return NL_SKIP;
	if (s->nprocs == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->procs = realloc(s->procs, s->cap * sizeof(*s->procs));
		if (!s->procs)
			die("out of memory");
	}
	proc_from_attrs(tb, &s->procs[s->nprocs++]);
	return NL_OK;
}

static void get_global(struct conn *c, struct global *g)
{
	memset(g, 0, sizeof(*g));
	if (transact(c, request(c, KHEAP_NL_CMD_GET_GLOBAL, 0), on_global, g))
		fail(c, "global figures");
}

/*
 * Fills @s: the global figures, then every process (@pid 0) or process
 * @pid.  Returns 0, or for @pid ENOENT (holds nothing in kheap: no row)
 * or ESRCH (no such process).  Any other error is fatal.
 */
static int take_snapshot(struct conn *c, uint32_t pid, struct snapshot *s)
{
	struct nl_msg *msg;
	int err;

	s->nprocs = 0;
	clock_gettime(CLOCK_REALTIME, &s->when);
	get_global(c, &s->global);
	if (!pid) {
		/* A busy list can interrupt every try: keep the last one. */
		for (int tries = 0; tries < DUMP_TRIES; tries++) {
			s->nprocs = 0;
			if (transact(c, request(c, KHEAP_NL_CMD_GET_STATS,
						NLM_F_DUMP), on_proc, s))
				fail(c, "process table");
			if (!c->interrupted)
				break;
		}
		return 0;
	}
	msg = request(c, KHEAP_NL_CMD_GET_STATS, 0);
	if (nla_put_u32(msg, KHEAP_NL_A_PID, pid))
		die("out of memory");
	err = transact(c, msg, on_proc, s);
	if (err && err != ENOENT && err != ESRCH) {
		char what[32];

		snprintf(what, sizeof(what), "pid %" PRIu32, pid);
		fail(c, what);
	}
	return err;
}

enum sort_key {
	SORT_NONE, SORT_PID, SORT_COMM, SORT_REGIONS, SORT_PAGES, SORT_PEAK,
	SORT_FAILURES, SORT_LIMIT_HITS,
};

static const char *const sort_names[] = {
	[SORT_PID] = "pid", [SORT_COMM] = "comm", [SORT_REGIONS] = "regions",
	[SORT_PAGES] = "pages", [SORT_PEAK] = "peak",
	[SORT_FAILURES] = "failures", [SORT_LIMIT_HITS] = "limit_hits",
};

static enum sort_key sort_key;

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;	/* largest first */
}

static int cmp_proc(const void *pa, const void *pb)
{
	const struct proc *a = pa, *b = pb;
	int r = 0;

	switch (sort_key) {
	case SORT_NONE:
	case SORT_PID:
		break;
	case SORT_COMM:
		r = strcmp(a->comm, b->comm);
		break;
	case SORT_REGIONS:
		r = cmp_u64(a->regions, b->regions);
		break;
	case SORT_PAGES:
		r = cmp_u64(a->pages, b->pages);
		break;
	case SORT_PEAK:
		r = cmp_u64(a->peak, b->peak);
		break;
	case SORT_FAILURES:
		r = cmp_u64(a->failures, b->failures);
		break;
	case SORT_LIMIT_HITS:
		r = cmp_u64(a->limit_hits, b->limit_hits);
		break;
	}
	return r ? r : (a->pid > b->pid) - (a->pid < b->pid);
}

static void sort_snapshot(struct snapshot *s)
{
	if (sort_key != SORT_NONE && s->nprocs > 1)
		qsort(s->procs, s->nprocs, sizeof(*s->procs), cmp_proc);
}

/* ----------------------------------------------------------- output -- */

/*
 * COMM as /proc/kheap prints it: blanks and non-ASCII as '?', "-" if
 * empty, "?" if unknown; @csv also replaces the CSV specials , and ".
 */
static const char *text_comm(const struct proc *p, char *buf, size_t size,
			     int csv)
{
	size_t i;

	if (!p->has_comm)
		return "?";
	snprintf(buf, size, "%s", p->comm);
	for (i = 0; buf[i]; i++)
		if (!isgraph((unsigned char)buf[i]) || !isascii(buf[i]) ||
		    (csv && (buf[i] == ',' || buf[i] == '"')))
			buf[i] = '?';
	return buf[0] ? buf : "-";
}

static void print_kv(const char *key, uint64_t val)
{
	printf("%-22s %" PRIu64 "\n", key, val);
}

static void print_global_text(const struct global *g)
{
	printf("kheap abi %" PRIu32 "\n", g->abi_version);
	print_kv("page_size:", g->page_size);
	print_kv("regions:", g->regions);
	print_kv("pages_in_use:", g->pages);
	print_kv("peak_pages:", g->peak);
	print_kv("allocations:", g->allocations);
	print_kv("frees:", g->frees);
	print_kv("failures:", g->failures);
	print_kv("max_pages_per_region:", g->max_pages_per_region);
	print_kv("max_pages_per_process:", g->max_pages_per_process);
	print_kv("max_pages_total:", g->max_pages_total);
	print_kv("processes:", g->processes);
	print_kv("limit_hits:", g->limit_hits);
}

static void print_table_header(void)
{
	printf("%-8s %-16s %10s %10s %10s %10s %10s\n", "pid", "comm",
	       "regions", "pages", "peak", "failures", "limit_hits");
}

static void print_row_text(const struct proc *p)
{
	char comm[32];

	printf("%-8" PRIu32 " %-16s %10" PRIu64 " %10" PRIu64 " %10" PRIu64
	       " %10" PRIu64 " %10" PRIu64 "\n",
	       p->pid, text_comm(p, comm, sizeof(comm), 0), p->regions,
	       p->pages, p->peak, p->failures, p->limit_hits);
}

/*
 * The /proc/kheap text: global block, blank line, table; with @table_only
 * (--pid) the table alone.  At most @max_rows rows (0: all), the rest
 * summed up in one line.
 */
static void print_snapshot_text(const struct snapshot *s, int table_only,
				size_t max_rows)
{
	size_t i, n = s->nprocs;

	if (!table_only) {
		print_global_text(&s->global);
		printf("\n");
	}
	print_table_header();
	if (max_rows && n > max_rows)
		n = max_rows - 1;
	for (i = 0; i < n; i++)
		print_row_text(&s->procs[i]);
	if (n < s->nprocs)
		printf("... %zu more\n", s->nprocs - n);
}

static void json_string(const char *str)
{
	const unsigned char *c;

	putchar('"');
	for (c = (const unsigned char *)str; *c; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			printf("\\u%04x", *c);	/* bytes, read as Latin-1 */
		else
			putchar(*c);
	}
	putchar('"');
}

static void json_time(const struct timespec *t)
{
	printf("\"time\":%lld.%03ld", (long long)t->tv_sec,
	       t->tv_nsec / 1000000);
}

static void json_proc_id(const struct proc *p)
{
	if (p->pid)
		printf("\"pid\":%" PRIu32 ",\"comm\":", p->pid);
	else
		printf("\"pid\":null,\"comm\":");
	if (p->has_comm)
		json_string(p->comm);
	else
		printf("null");
}

static void print_snapshot_json(const struct snapshot *s)
{
	const struct global *g = &s->global;
	size_t i;

	putchar('{');
	json_time(&s->when);
	printf(",\"global\":{\"abi_version\":%" PRIu32
	       ",\"page_size\":%" PRIu32 ",\"regions\":%" PRIu64
	       ",\"pages_in_use\":%" PRIu64 ",\"peak_pages\":%" PRIu64
	       ",\"allocations\":%" PRIu64 ",\"frees\":%" PRIu64
	       ",\"failures\":%" PRIu64 ",\"max_pages_per_region\":%" PRIu64
	       ",\"max_pages_per_process\":%" PRIu64
	       ",\"max_pages_total\":%" PRIu64 ",\"processes\":%" PRIu64
	       ",\"limit_hits\":%" PRIu64 "},\"processes\":[",
	       g->abi_version, g->page_size, g->regions, g->pages, g->peak,
	       g->allocations, g->frees, g->failures, g->max_pages_per_region,
	       g->max_pages_per_process, g->max_pages_total, g->processes,
	       g->limit_hits);
	for (i = 0; i < s->nprocs; i++) {
		const struct proc *p = &s->procs[i];

		printf("%s{", i ? "," : "");
		json_proc_id(p);
		printf(",\"regions\":%" PRIu64 ",\"pages\":%" PRIu64
		       ",\"peak\":%" PRIu64 ",\"failures\":%" PRIu64
		       ",\"limit_hits\":%" PRIu64 "}",
		       p->regions, p->pages, p->peak, p->failures,
		       p->limit_hits);
	}
	printf("]}\n");
}

/* -------------------------------------------------- timing, signals -- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGINT and SIGTERM end a loop cleanly (no SA_RESTART: sleeps end). */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static double elapsed_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (now.tv_nsec - start->tv_nsec) / 1e9;
}

/*
 * Sleeps until @start + @n * @interval (a schedule, so that intervals do
 * not drift by the time the work takes).  Returns 0, or -1 if a signal
 * asked to stop.
 */
static int sleep_until_tick(const struct timespec *start, double interval,
			    unsigned long long n)
{
	long long at = (long long)start->tv_sec * 1000000000LL +
		       start->tv_nsec +
		       (long long)(interval * 1e9 + 0.5) * (long long)n;
	struct timespec t = {
		.tv_sec = at / 1000000000LL,
		.tv_nsec = at % 1000000000LL,
	};

	while (!stop) {
		int ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t,
					  NULL);

		if (!ret)
			return 0;
		if (ret != EINTR)
			die("clock_nanosleep: %s", strerror(ret));
	}
	return -1;
}

/* ------------------------------------------------------------ modes -- */

struct options {
	uint32_t pid;
	int json;
	unsigned long long count;	/* 0: no limit */
	double watch;			/* --watch interval, 0: not watching */
	const char *record;
	double interval;
	double duration;		/* 0: no limit */
	int have_interval, have_duration;
};

static int show(const struct options *o)
{
	struct snapshot s = { 0 };
	struct conn c;
	int err;

	conn_open(&c);
	err = take_snapshot(&c, o->pid, &s);
	if (err) {
		char what[32];

		snprintf(what, sizeof(what), "pid %" PRIu32, o->pid);
		fail(&c, what);
	}
	sort_snapshot(&s);
	if (o->json)
		print_snapshot_json(&s);
	else
		print_snapshot_text(&s, o->pid != 0, 0);
	return 0;
}

static size_t terminal_rows(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_row)
		return 24;
	return ws.ws_row;
}

static int watch(const struct options *o)
{
	int tty = !o->json && isatty(STDOUT_FILENO);
	struct snapshot s = { 0 };
	struct timespec start;
	unsigned long long n;
	struct conn c;

	conn_open(&c);
	catch_signals();
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (n = 0; !stop && (!o->count || n < o->count); n++) {
		char stamp[32];
		int err;

		if (n && sleep_until_tick(&start, o->watch, n))
			break;
		err = take_snapshot(&c, o->pid, &s);
		if (err == ESRCH) {
			fprintf(stderr, "%s: process %" PRIu32 " has exited\n",
				prog, o->pid);
			break;
		}
		sort_snapshot(&s);
		if (o->json) {
			print_snapshot_json(&s);
			fflush(stdout);
			continue;
		}
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S",
			 localtime(&s.when.tv_sec));
		if (tty)
			printf("\033[H\033[2J");	/* home, clear */
		printf("kheapstat: %s, every %gs\n", stamp, o->watch);
		if (o->pid)
			printf("process %" PRIu32 "\n", o->pid);
		else
			print_global_text(&s.global);
		printf("\n");
		/*
		 * On a terminal the table fits below the 16 lines above it:
		 * the title, the global block or process line, the blank
		 * line, the header and a last line left for the cursor.
		 */
		if (tty) {
			size_t rows = terminal_rows(), used = o->pid ? 5 : 17;

			print_snapshot_text(&s, 1, rows > used + 1 ?
					    rows - used : 1);
		} else {
			print_snapshot_text(&s, 1, 0);
			printf("\n");
		}
		fflush(stdout);
	}
	return 0;
}

static int record(const struct options *o)
{
	struct snapshot s = { 0 };
	struct timespec start;
	unsigned long long n;
	struct conn c;
	FILE *out;

	conn_open(&c);
	if (!strcmp(o->record, "-")) {
		out = stdout;
	} else {
		out = fopen(o->record, "w");
		if (!out)
			die("%s: %s", o->record, strerror(errno));
	}
	catch_signals();
	fprintf(out, "time,elapsed,pid,comm,regions,pages,peak,failures,limit_hits\n");
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (n = 0; !stop && (!o->count || n < o->count); n++) {
		double elapsed;
		size_t i;
		int err;

		if (n && o->have_duration &&
		    o->interval * (double)n > o->duration + 1e-9)
			break;
		if (n && sleep_until_tick(&start, o->interval, n))
			break;
		err = take_snapshot(&c, o->pid, &s);
		elapsed = elapsed_since(&start);
		if (err == ESRCH) {
			fprintf(stderr, "%s: process %" PRIu32 " has exited\n",
				prog, o->pid);
			break;
		}
		fprintf(out, "%lld.%03ld,%.3f,0,(global),%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			(long long)s.when.tv_sec, s.when.tv_nsec / 1000000,
			elapsed, s.global.regions, s.global.pages,
			s.global.peak, s.global.failures, s.global.limit_hits);
		for (i = 0; i < s.nprocs; i++) {
			const struct proc *p = &s.procs[i];
			char comm[32];

			fprintf(out, "%lld.%03ld,%.3f,%" PRIu32 ",%s,%" PRIu64
				",%" PRIu64 ",%" PRIu64 ",%" PRIu64
				",%" PRIu64 "\n",
				(long long)s.when.tv_sec,
				s.when.tv_nsec / 1000000, elapsed, p->pid,
				text_comm(p, comm, sizeof(comm), 1),
				p->regions, p->pages, p->peak, p->failures,
				p->limit_hits);
		}
		if (fflush(out))
			die("%s: %s", o->record, strerror(errno));
	}
	if (out != stdout && fclose(out))
		die("%s: %s", o->record, strerror(errno));
	return 0;
}

struct events {
	const struct options *o;
	unsigned long long seen;
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct nlattr *attrs[KHEAP_NL_A_MAX + 1], **tb = parse(msg, attrs);
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct events *ev = arg;
	const char *kind, *limit;
	char comm[32], pid[16] = "?";
	struct timespec now;
	struct proc p;

	if (!tb)
		return NL_SKIP;
	if (g->cmd == KHEAP_NL_CMD_LIMIT_HIT)
		kind = "limit_hit";
	else if (g->cmd == KHEAP_NL_CMD_PROC_EXIT)
		kind = "proc_exit";
	else
		return NL_SKIP;	/* a newer event: not ours to print */
	proc_from_attrs(tb, &p);
	if (ev->o->pid && p.pid != ev->o->pid)
		return NL_SKIP;
	limit = get_u32(tb, KHEAP_NL_A_LIMIT_KIND) == KHEAP_NL_LIMIT_TOTAL ?
		"total" : "per_process";

	if (ev->o->json) {
		clock_gettime(CLOCK_REALTIME, &now);
		putchar('{');
		json_time(&now);
		printf(",\"event\":\"%s\",", kind);
		json_proc_id(&p);
		if (g->cmd == KHEAP_NL_CMD_LIMIT_HIT)
			printf(",\"requested\":%" PRIu64 ",\"held\":%" PRIu64
			       ",\"limit_kind\":\"%s\",\"limit\":%" PRIu64 "}\n",
			       get_u64(tb, KHEAP_NL_A_PAGES_REQUESTED), p.pages,
			       limit, get_u64(tb, KHEAP_NL_A_LIMIT));
		else
			printf(",\"regions\":%" PRIu64 ",\"pages\":%" PRIu64
			       "}\n", p.regions, p.pages);
	} else {
		if (p.pid)
			snprintf(pid, sizeof(pid), "%" PRIu32, p.pid);
		printf("%s pid=%s comm=%s ", kind, pid,
		       text_comm(&p, comm, sizeof(comm), 0));
		if (g->cmd == KHEAP_NL_CMD_LIMIT_HIT)
			printf("requested=%" PRIu64 " held=%" PRIu64
			       " limit=%s:%" PRIu64 "\n",
			       get_u64(tb, KHEAP_NL_A_PAGES_REQUESTED), p.pages,
			       limit, get_u64(tb, KHEAP_NL_A_LIMIT));
		else
			printf("regions=%" PRIu64 " pages=%" PRIu64 "\n",
			       p.regions, p.pages);
	}
	fflush(stdout);
	if (ev->o->count && ++ev->seen >= ev->o->count)
		return NL_STOP;
	return NL_OK;
}

static int events(const struct options *o)
{
	struct events ev = { .o = o };
	struct conn c;
	int grp, ret;

	conn_open(&c);
	grp = genl_ctrl_resolve_grp(c.sk, KHEAP_GENL_NAME,
				    KHEAP_GENL_MCGRP_EVENTS);
	if (grp < 0)
		die("no multicast group '%s' in family '%s': %s",
		    KHEAP_GENL_MCGRP_EVENTS, KHEAP_GENL_NAME, nl_geterror(grp));
	ret = nl_socket_add_membership(c.sk, grp);
	if (ret == -NLE_PERM)
		die("permission denied: following kheap events needs CAP_NET_ADMIN (run as root)");
	if (ret < 0)
		die("joining '%s': %s", KHEAP_GENL_MCGRP_EVENTS,
		    nl_geterror(ret));

	/*
	 * libnl retries a recvmsg() a signal interrupts, so no handler here:
	 * SIGINT ends the process, every event line is already flushed.
	 */
	nl_socket_disable_seq_check(c.sk);
	nl_socket_modify_cb(c.sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &ev);
	while (!o->count || ev.seen < o->count) {
		ret = nl_recvmsgs_default(c.sk);
		if (ret == -NLE_NOMEM) {
			/* ENOBUFS: the socket overran, events were lost. */
			fprintf(stderr, "%s: events lost (receive buffer overrun)\n",
				prog);
			continue;
		}
		if (ret < 0)
			die("receiving events: %s", nl_geterror(ret));
	}
	return 0;
}

static int set_limits(int have_per_process, uint64_t per_process,
		      int have_total, uint64_t total)
{
	struct nl_msg *msg;
	struct global g;
	struct conn c;

	conn_open(&c);
	msg = request(&c, KHEAP_NL_CMD_SET_LIMITS, 0);
	if ((have_per_process &&
	     nla_put_u64(msg, KHEAP_NL_A_MAX_PAGES_PER_PROCESS, per_process)) ||
	    (have_total && nla_put_u64(msg, KHEAP_NL_A_MAX_PAGES_TOTAL, total)))
		die("out of memory");
	if (transact(&c, msg, on_done, &c)) {
		if (c.err == EPERM)
			die("permission denied: changing the limits needs CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root)%s%s%s",
			    c.msg[0] ? " (" : "", c.msg, c.msg[0] ? ")" : "");
		fail(&c, "set-limits");
	}
	get_global(&c, &g);
	print_kv("max_pages_per_process:", g.max_pages_per_process);
	print_kv("max_pages_total:", g.max_pages_total);
	return 0;
}

/* ------------------------------------------------------------- main -- */

static uint64_t parse_number(const char *opt, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || isspace(*s))
		usage_error("%s: not a number: '%s'", opt, s);
	return v;
}

static double parse_seconds(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1e6)
		usage_error("%s: not a number of seconds: '%s'", opt, s);
	return v;
}

enum { OPT_SET_LIMITS = 256, OPT_PER_PROCESS, OPT_TOTAL };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "sort", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "watch", required_argument, NULL, 'w' },
		{ "record", required_argument, NULL, 'r' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "events", no_argument, NULL, 'e' },
		{ "set-limits", no_argument, NULL, OPT_SET_LIMITS },
		{ "per-process", required_argument, NULL, OPT_PER_PROCESS },
		{ "total", required_argument, NULL, OPT_TOTAL },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	struct options o = { .interval = 1 };
	int have_per_process = 0, have_total = 0, have_count = 0;
	int mode_events = 0, mode_set = 0, have_sort = 0, modes, opt;
	uint64_t per_process = 0, total = 0, v;
	size_t i;

	while ((opt = getopt_long(argc, argv, "p:js:n:w:r:i:d:ehV", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'p':
			v = parse_number("--pid", optarg);
			if (v < 1 || v > INT32_MAX)
				usage_error("--pid: out of range: '%s'", optarg);
			o.pid = v;
			break;
		case 'j':
			o.json = 1;
			break;
		case 's':
			for (i = 1; i < sizeof(sort_names) / sizeof(*sort_names); i++)
				if (!strcmp(optarg, sort_names[i]))
					break;
			if (i == sizeof(sort_names) / sizeof(*sort_names))
				usage_error("--sort: unknown key '%s' (pid, comm, regions, pages, peak, failures, limit_hits)",
					    optarg);
			sort_key = i;
			have_sort = 1;
			break;
		case 'n':
			o.count = parse_number("--count", optarg);
			if (!o.count)
				usage_error("--count: must be at least 1");
			have_count = 1;
			break;
		case 'w':
			o.watch = parse_seconds("--watch", optarg);
			break;
		case 'r':
			o.record = optarg;
			break;
		case 'i':
			o.interval = parse_seconds("--interval", optarg);
			o.have_interval = 1;
			break;
		case 'd':
			o.duration = parse_seconds("--duration", optarg);
			o.have_duration = 1;
			break;
		case 'e':
			mode_events = 1;
			break;
		case OPT_SET_LIMITS:
			mode_set = 1;
			break;
		case OPT_PER_PROCESS:
			per_process = parse_number("--per-process", optarg);
			have_per_process = 1;
			break;
		case OPT_TOTAL:
			total = parse_number("--total", optarg);
			have_total = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("kheapstat (kheap) speaks ABI %d, netlink family '%s' version %d\n",
			       KHEAP_ABI_VERSION, KHEAP_GENL_NAME,
			       KHEAP_GENL_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n",
				prog);
			return 2;
		}
	}
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	modes = (o.watch > 0) + !!o.record + mode_events + mode_set;
	if (modes > 1)
		usage_error("--watch, --record, --events and --set-limits exclude each other");
	if ((have_per_process || have_total) && !mode_set)
		usage_error("--per-process and --total go with --set-limits");
	if ((o.have_interval || o.have_duration) && !o.record)
		usage_error("--interval and --duration go with --record (--watch takes its interval)");
	if (have_count && !modes)
		usage_error("--count goes with --watch, --record or --events");

	if (mode_set) {
		if (o.pid || o.json || have_sort || have_count)
			usage_error("--set-limits takes --per-process and --total only");
		if (!have_per_process && !have_total)
			usage_error("--set-limits: give --per-process, --total or both");
		return set_limits(have_per_process, per_process, have_total,
				  total);
	}
	if (mode_events) {
		if (have_sort)
			usage_error("--sort does not go with --events");
		return events(&o);
	}
	if (o.record) {
		if (o.json || have_sort)
			usage_error("--record writes CSV: no --json or --sort");
		return record(&o);
	}
	if (o.watch > 0)
		return watch(&o);
	return show(&o);
}
