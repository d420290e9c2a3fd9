// SPDX-License-Identifier: GPL-2.0
/*
 * kheap-nl: talk to the kheap module's generic netlink family (libnl).
 *
 *   kheap-nl stats [--pid N]
 *   kheap-nl set-limits [--per-process N] [--total N]
 *   kheap-nl events [--count N]
 *
 * "stats" prints what /proc/kheap prints, in the same format: the global
 * block and the table (GET_GLOBAL, then a GET_STATS dump), or with --pid
 * the table row of that process only (GET_STATS do).  "set-limits"
 * changes the per-process and/or total page limit (root).  "events"
 * listens to the "events" group (root) and prints one line per event,
 * stopping after --count events if given:
 *
 *   limit_hit pid=PID comm=COMM requested=N held=N limit=per_process:N
 *   proc_exit pid=PID comm=COMM regions=N pages=N
 *
 * (pid=? comm=? when kheap did not know the process.)  Exit status: 0, 1
 * on any error, 2 on a usage error.  The protocol is documented in
 * <linux/kheap_netlink.h>.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/kheap.h>
#include <linux/kheap_netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

static const char *prog = "kheap-nl";

static void usage(void)
{
	fprintf(stderr,
		"usage: %s stats [--pid N]\n"
		"       %s set-limits [--per-process N] [--total N]\n"
		"       %s events [--count N]\n",
		prog, prog, prog);
	exit(2);
}

/* ------------------------------------------------------- connection -- */

struct conn {
	struct nl_sock *sk;
	int family;
	int done;		/* the request was answered: ack, error, DONE */
	int err;		/* errno of the last failed request */
	char msg[256];		/* its extended ack message */
};

static void conn_open(struct conn *c)
{
	int one = 1, ret;

	memset(c, 0, sizeof(*c));
	c->sk = nl_socket_alloc();
	if (!c->sk) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	ret = genl_connect(c->sk);
	if (ret < 0) {
		fprintf(stderr, "%s: generic netlink socket: %s\n", prog,
			nl_geterror(ret));
		exit(1);
	}
	/* Error messages from the kernel; libnl 3.7 has no helper for it. */
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));

	c->family = genl_ctrl_resolve(c->sk, KHEAP_GENL_NAME);
	if (c->family == -NLE_OBJ_NOTFOUND) {
		fprintf(stderr,
			"kheap: generic netlink family '%s' not found (is kheap.ko loaded?)\n",
			KHEAP_GENL_NAME);
		exit(1);
	}
	if (c->family < 0) {
		fprintf(stderr, "%s: resolving the '%s' family: %s\n", prog,
			KHEAP_GENL_NAME, nl_geterror(c->family));
		exit(1);
	}
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
	c->err = 0;
	c->msg[0] = '\0';
	nl_socket_modify_cb(c->sk, NL_CB_VALID, NL_CB_CUSTOM, fn, arg);
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

static int on_ignore(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static struct nl_msg *request(struct conn *c, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family,
				 0, flags, cmd, KHEAP_GENL_VERSION)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	return msg;
}

static void fail(const struct conn *c, const char *what)
{
	fprintf(stderr, "%s: %s: %s%s%s%s\n", prog, what, strerror(c->err),
		c->msg[0] ? " (" : "", c->msg, c->msg[0] ? ")" : "");
	exit(1);
}

/* Attributes of a kheap message, or NULL if it is not one. */
static struct nlattr **parse(struct nl_msg *msg, struct nlattr **tb)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (genlmsg_parse(nlh, 0, tb, KHEAP_NL_A_MAX, NULL))
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

/* COMM as /proc/kheap prints it: no blanks, "-" if empty, "?" unknown. */
static const char *get_comm(struct nlattr **tb, char *buf, size_t size)
{
	size_t i;

	if (!tb[KHEAP_NL_A_COMM])
		return "?";
	nla_strlcpy(buf, tb[KHEAP_NL_A_COMM], size);
	for (i = 0; buf[i]; i++)
		if (!isgraph((unsigned char)buf[i]) || !isascii(buf[i]))
			buf[i] = '?';
	return buf[0] ? buf : "-";
}

static uint64_t parse_number(const char *opt, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "%s: %s: not a number: '%s'\n", prog, opt, s);
		exit(2);
	}
	return v;
}

/* ------------------------------------------------------------ stats -- */

static void print_kv(const char *key, uint64_t val)
{
	printf("%-22s %" PRIu64 "\n", key, val);
}

static int on_global(struct nl_msg *msg, void *arg)
{
	struct nlattr *attrs[KHEAP_NL_A_MAX + 1], **tb = parse(msg, attrs);

	(void)arg;
	if (!tb)
		return NL_SKIP;
	printf("kheap abi %u\n", get_u32(tb, KHEAP_NL_A_ABI_VERSION));
	print_kv("page_size:", get_u32(tb, KHEAP_NL_A_PAGE_SIZE));
	print_kv("regions:", get_u64(tb, KHEAP_NL_A_REGIONS));
	print_kv("pages_in_use:", get_u64(tb, KHEAP_NL_A_PAGES));
	print_kv("peak_pages:", get_u64(tb, KHEAP_NL_A_PEAK));
	print_kv("allocations:", get_u64(tb, KHEAP_NL_A_ALLOCATIONS));
	print_kv("frees:", get_u64(tb, KHEAP_NL_A_FREES));
	print_kv("failures:", get_u64(tb, KHEAP_NL_A_FAILURES));
	print_kv("max_pages_per_region:",
		 get_u64(tb, KHEAP_NL_A_MAX_PAGES_PER_REGION));
	print_kv("max_pages_per_process:",
		 get_u64(tb, KHEAP_NL_A_MAX_PAGES_PER_PROCESS));
	print_kv("max_pages_total:", get_u64(tb, KHEAP_NL_A_MAX_PAGES_TOTAL));
	print_kv("processes:", get_u64(tb, KHEAP_NL_A_PROCESSES));
	print_kv("limit_hits:", get_u64(tb, KHEAP_NL_A_LIMIT_HITS));
	return NL_OK;
}

static void print_table_header(void)
{
	printf("%-8s %-16s %10s %10s %10s %10s %10s\n", "pid", "comm",
	       "regions", "pages", "peak", "failures", "limit_hits");
}

/* One table row; @arg: int, non-zero while the header is still due. */
static int on_row(struct nl_msg *msg, void *arg)
{
	struct nlattr *attrs[KHEAP_NL_A_MAX + 1], **tb = parse(msg, attrs);
	int *header_due = arg;
	char comm[32];

	if (!tb)
		return NL_SKIP;
	if (*header_due) {
		print_table_header();
		*header_due = 0;
	}
	printf("%-8u %-16s %10" PRIu64 " %10" PRIu64 " %10" PRIu64
	       " %10" PRIu64 " %10" PRIu64 "\n",
	       get_u32(tb, KHEAP_NL_A_PID), get_comm(tb, comm, sizeof(comm)),
	       get_u64(tb, KHEAP_NL_A_REGIONS), get_u64(tb, KHEAP_NL_A_PAGES),
	       get_u64(tb, KHEAP_NL_A_PEAK), get_u64(tb, KHEAP_NL_A_FAILURES),
	       get_u64(tb, KHEAP_NL_A_LIMIT_HITS));
	return NL_OK;
}

static int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct nl_msg *msg;
	int header_due = 1;
	struct conn c;
	long long pid = -1;
	int opt;

	while ((opt = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		if (opt != 'p')
			usage();
		pid = parse_number("--pid", optarg);
		if (pid < 1 || pid > INT32_MAX) {
			fprintf(stderr, "%s: --pid: out of range\n", prog);
			exit(2);
		}
	}
	if (optind != argc)
		usage();

	conn_open(&c);
	if (pid > 0) {
		msg = request(&c, KHEAP_NL_CMD_GET_STATS, 0);
		nla_put_u32(msg, KHEAP_NL_A_PID, pid);
		if (transact(&c, msg, on_row, &header_due)) {
			char what[64];

			snprintf(what, sizeof(what), "pid %lld", pid);
			fail(&c, what);
		}
		return 0;
	}

	if (transact(&c, request(&c, KHEAP_NL_CMD_GET_GLOBAL, 0), on_global,
		     NULL))
		fail(&c, "global figures");
	printf("\n");
	fflush(stdout);
	if (transact(&c, request(&c, KHEAP_NL_CMD_GET_STATS, NLM_F_DUMP),
		     on_row, &header_due))
		fail(&c, "process table");
	if (header_due)
		print_table_header();
	return 0;
}

/* ------------------------------------------------------- set-limits -- */

static int cmd_set_limits(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "per-process", required_argument, NULL, 'p' },
		{ "total", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int have_per_process = 0, have_total = 0, opt;
	uint64_t per_process = 0, total = 0;
	struct nl_msg *msg;
	struct conn c;

	while ((opt = getopt_long(argc, argv, "p:t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			per_process = parse_number("--per-process", optarg);
			have_per_process = 1;
			break;
		case 't':
			total = parse_number("--total", optarg);
			have_total = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (!have_per_process && !have_total))
		usage();

	conn_open(&c);
	msg = request(&c, KHEAP_NL_CMD_SET_LIMITS, 0);
	if (have_per_process)
		nla_put_u64(msg, KHEAP_NL_A_MAX_PAGES_PER_PROCESS, per_process);
	if (have_total)
		nla_put_u64(msg, KHEAP_NL_A_MAX_PAGES_TOTAL, total);
	if (transact(&c, msg, on_ignore, NULL)) {
		if (c.err == EPERM) {
			fprintf(stderr,
				"kheap: permission denied: changing the limits needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN)%s%s%s\n",
				c.msg[0] ? " (" : "", c.msg,
				c.msg[0] ? ")" : "");
			exit(1);
		}
		fail(&c, "set-limits");
	}
	return 0;
}

/* ----------------------------------------------------------- events -- */

struct events {
	long long count;	/* stop after this many, -1: never */
	long long seen;
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct nlattr *attrs[KHEAP_NL_A_MAX + 1], **tb = parse(msg, attrs);
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct events *ev = arg;
	char comm[32], pid[16] = "?";

	if (!tb)
		return NL_SKIP;
	if (tb[KHEAP_NL_A_PID])
		snprintf(pid, sizeof(pid), "%u", get_u32(tb, KHEAP_NL_A_PID));
	switch (g->cmd) {
	case KHEAP_NL_CMD_LIMIT_HIT:
		printf("limit_hit pid=%s comm=%s requested=%" PRIu64
		       " held=%" PRIu64 " limit=%s:%" PRIu64 "\n",
		       pid, get_comm(tb, comm, sizeof(comm)),
		       get_u64(tb, KHEAP_NL_A_PAGES_REQUESTED),
		       get_u64(tb, KHEAP_NL_A_PAGES),
		       get_u32(tb, KHEAP_NL_A_LIMIT_KIND) ==
		       KHEAP_NL_LIMIT_TOTAL ? "total" : "per_process",
		       get_u64(tb, KHEAP_NL_A_LIMIT));
		break;
	case KHEAP_NL_CMD_PROC_EXIT:
		printf("proc_exit pid=%s comm=%s regions=%" PRIu64
		       " pages=%" PRIu64 "\n",
		       pid, get_comm(tb, comm, sizeof(comm)),
		       get_u64(tb, KHEAP_NL_A_REGIONS),
		       get_u64(tb, KHEAP_NL_A_PAGES));
		break;
	default:
		return NL_SKIP;	/* a newer event: not ours to print */
	}
	fflush(stdout);
	if (ev->count >= 0 && ++ev->seen >= ev->count)
		return NL_STOP;
	return NL_OK;
}

static int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct events ev = { .count = -1 };
	struct conn c;
	int grp, ret, opt;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (opt != 'c')
			usage();
		ev.count = parse_number("--count", optarg);
	}
	if (optind != argc)
		usage();
	if (!ev.count)
		return 0;

	conn_open(&c);
	grp = genl_ctrl_resolve_grp(c.sk, KHEAP_GENL_NAME,
				    KHEAP_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		fprintf(stderr, "%s: no multicast group '%s': %s\n", prog,
			KHEAP_GENL_MCGRP_EVENTS, nl_geterror(grp));
		return 1;
	}
	ret = nl_socket_add_membership(c.sk, grp);
	if (ret == -NLE_PERM) {
		fprintf(stderr,
			"kheap: permission denied: listening to kheap events needs root (CAP_NET_ADMIN)\n");
		return 1;
	}
	if (ret < 0) {
		fprintf(stderr, "%s: joining '%s': %s\n", prog,
			KHEAP_GENL_MCGRP_EVENTS, nl_geterror(ret));
		return 1;
	}

	nl_socket_disable_seq_check(c.sk);
	nl_socket_modify_cb(c.sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &ev);
	while (ev.count < 0 || ev.seen < ev.count) {
		ret = nl_recvmsgs_default(c.sk);
		if (ret == -NLE_NOMEM) {
			/* ENOBUFS: the socket overran, events were lost. */
			fprintf(stderr, "%s: events lost (receive buffer overrun)\n",
				prog);
			continue;
		}
		if (ret < 0) {
			fprintf(stderr, "%s: receiving events: %s\n", prog,
				nl_geterror(ret));
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "stats"))
		return cmd_stats(argc - 1, argv + 1);
	if (!strcmp(argv[1], "set-limits"))
		return cmd_set_limits(argc - 1, argv + 1);
	if (!strcmp(argv[1], "events"))
		return cmd_events(argc - 1, argv + 1);
	usage();
	return 2;
}
