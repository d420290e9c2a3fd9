// SPDX-License-Identifier: GPL-2.0
/*
 * kheap selftests: the "kheap" generic netlink family
 * (uapi/linux/kheap_netlink.h).
 *
 * Raw NETLINK_GENERIC sockets with hand-built messages, so the test needs
 * no libnl and builds statically like the other kheap selftests.  Needs
 * kheap.ko loaded (the tests skip otherwise) and root for the tests that
 * change limits, listen to events or drop privileges.  Figures are
 * compared with /proc/kheap, which assumes no other kheap user runs
 * meanwhile.
 *
 * What is checked:
 *   - the family resolves by name, with its version and "events" group;
 *   - GET_STATS for one pid, the GET_STATS dump and GET_GLOBAL report what
 *     /proc/kheap reports;
 *   - a dump during which a process starts using kheap flags the rounds
 *     after the change NLM_F_DUMP_INTR, and one without a change does not;
 *   - GET_STATS of a pid without /dev/kheap open is ENOENT, of a pid that
 *     does not exist ESRCH, both with an extended ack message;
 *   - SET_LIMITS changes /sys/module/kheap/parameters as root and is EPERM
 *     (like joining "events") once the caller dropped to another uid;
 *   - malformed requests are EINVAL or ERANGE, with an extended ack;
 *   - LIMIT_HIT arrives on "events" when an ALLOC fails on either limit,
 *     PROC_EXIT when a process exits holding regions (and not when it
 *     held none).
 */
#include "kheap_util.h"

#include <ctype.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/kheap_netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

#define TB_SIZE		64	/* covers KHEAP_NL_A_MAX and CTRL_ATTR_MAX */
#define EVENT_WAIT_MS	5000

/* ---------------------------------------------------------- /proc/kheap -- */

/* The comm as /proc/kheap prints it. */
static void proc_comm(const char *raw, char *out, size_t size)
{
	size_t i;

	snprintf(out, size, "%s", raw);
	for (i = 0; out[i]; i++)
		if (!isgraph((unsigned char)out[i]) || !isascii(out[i]))
			out[i] = '?';
	if (!out[0])
		snprintf(out, size, "-");
}

/* ------------------------------------------------------------ netlink -- */

struct req {
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
	char attrs[256];
};

static uint32_t nl_seq;

static void req_init(struct req *r, uint16_t type, uint8_t cmd,
		     uint16_t flags)
{
	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = type;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->nlh.nlmsg_seq = ++nl_seq;
	r->genl.cmd = cmd;
	r->genl.version = KHEAP_GENL_VERSION;
}

static void req_put(struct req *r, uint16_t type, const void *data,
		    uint16_t len)
{
	struct nlattr *nla = (void *)((char *)r + NLMSG_ALIGN(r->nlh.nlmsg_len));

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy((char *)nla + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(nla->nla_len);
}

static void req_put_u32(struct req *r, uint16_t type, uint32_t val)
{
	req_put(r, type, &val, sizeof(val));
}

static void req_put_u64(struct req *r, uint16_t type, uint64_t val)
{
	req_put(r, type, &val, sizeof(val));
}

static void req_put_str(struct req *r, uint16_t type, const char *s)
{
	req_put(r, type, s, strlen(s) + 1);
}

/* Attributes of one message by type; types >= TB_SIZE are ignored. */
static void parse_attrs(const void *data, int len, const struct nlattr **tb)
{
	const struct nlattr *nla = data;

	memset(tb, 0, TB_SIZE * sizeof(*tb));
	while (len >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN &&
	       nla->nla_len <= len) {
		int type = nla->nla_type & NLA_TYPE_MASK;

		if (type < TB_SIZE)
			tb[type] = nla;
		len -= NLA_ALIGN(nla->nla_len);
		nla = (const void *)((const char *)nla + NLA_ALIGN(nla->nla_len));
	}
}

static const void *nla_data(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static int nla_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

static uint64_t nla_u64(const struct nlattr *nla)
{
	uint64_t v;

	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

static uint32_t nla_u32(const struct nlattr *nla)
{
	uint32_t v;

	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

/* Value of a u64 attribute, or -1 if absent or of another size. */
static long long attr_u64(const struct nlattr **tb, int type)
{
	if (!tb[type] || nla_len(tb[type]) != 8)
		return -1;
	return nla_u64(tb[type]);
}

static long long attr_u32(const struct nlattr **tb, int type)
{
	if (!tb[type] || nla_len(tb[type]) != 4)
		return -1;
	return nla_u32(tb[type]);
}

static const char *attr_str(const struct nlattr **tb, int type)
{
	if (!tb[type] || nla_len(tb[type]) < 1 ||
	    ((const char *)nla_data(tb[type]))[nla_len(tb[type]) - 1])
		return NULL;
	return nla_data(tb[type]);
}

/* One reply message's genl command and attributes, to a callback. */
typedef void (*msg_fn)(uint8_t cmd, const struct nlattr **tb, void *arg);

struct result {
	int err;		/* 0 or -errno from the ack or NLMSG_DONE */
	char msg[256];		/* extended ack message, "" if none */
	int msgs;		/* data messages seen */
};

static int nl_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void ack_message(const struct nlmsghdr *nlh, size_t off,
			struct result *res)
{
	const struct nlattr *tb[TB_SIZE];
	const char *s;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || nlh->nlmsg_len < off)
		return;
	parse_attrs((const char *)nlh + off, nlh->nlmsg_len - off, tb);
	s = attr_str(tb, NLMSGERR_ATTR_MSG);
	if (s)
		snprintf(res->msg, sizeof(res->msg), "%s", s);
}

/*
 * Sends @r and reads replies until its ack (do) or NLMSG_DONE (dump).
 * Returns 0 when the exchange completed (res->err says how), -errno when
 * the socket failed.
 */
static int nl_transact(int fd, struct req *r, struct result *res,
		       msg_fn fn, void *arg)
{
	static char buf[65536];
	const struct nlattr *tb[TB_SIZE];

	memset(res, 0, sizeof(*res));
	if (send(fd, r, r->nlh.nlmsg_len, 0) != (ssize_t)r->nlh.nlmsg_len)
		return -errno;
	for (;;) {
		struct nlmsghdr *nlh;
		ssize_t len;

		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			return -errno;
		for (nlh = (void *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != r->nlh.nlmsg_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);
				size_t off = NLMSG_HDRLEN + sizeof(*e);

				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - NLMSG_HDRLEN;
				res->err = e->error;
				ack_message(nlh, off, res);
				return 0;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int err;

				memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
				res->err = err;
				ack_message(nlh, NLMSG_HDRLEN + sizeof(int), res);
				return 0;
			}
			res->msgs++;
			if (fn) {
				const struct genlmsghdr *g = NLMSG_DATA(nlh);

				parse_attrs((const char *)g + GENL_HDRLEN,
					    nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN),
					    tb);
				fn(g->cmd, tb, arg);
			}
		}
	}
}

struct family {
	int id;
	int version;
	int events_grp;
};

static void family_msg(uint8_t cmd, const struct nlattr **tb, void *arg)
{
	struct family *fam = arg;
	const struct nlattr *grps = tb[CTRL_ATTR_MCAST_GROUPS];
	const struct nlattr *grp;
	int rem;

	if (tb[CTRL_ATTR_FAMILY_ID])
		fam->id = *(const uint16_t *)nla_data(tb[CTRL_ATTR_FAMILY_ID]);
	fam->version = attr_u32(tb, CTRL_ATTR_VERSION);
	if (!grps)
		return;
	/* An array: one nest per group, holding its name and id. */
	grp = nla_data(grps);
	rem = nla_len(grps);
	while (rem >= NLA_HDRLEN && grp->nla_len >= NLA_HDRLEN &&
	       grp->nla_len <= rem) {
		const struct nlattr *g[TB_SIZE];
		const char *name;

		parse_attrs(nla_data(grp), nla_len(grp), g);
		name = attr_str(g, CTRL_ATTR_MCAST_GRP_NAME);
		if (name && !strcmp(name, KHEAP_GENL_MCGRP_EVENTS))
			fam->events_grp = attr_u32(g, CTRL_ATTR_MCAST_GRP_ID);
		rem -= NLA_ALIGN(grp->nla_len);
		grp = (const void *)((const char *)grp + NLA_ALIGN(grp->nla_len));
	}
}

/* Returns 0, or -ENOENT when the family is not registered. */
static int resolve(int fd, struct family *fam)
{
	struct result res;
	struct req r;
	int ret;

	memset(fam, 0, sizeof(*fam));
	fam->events_grp = -1;
	req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	r.genl.version = 2;
	req_put_str(&r, CTRL_ATTR_FAMILY_NAME, KHEAP_GENL_NAME);
	ret = nl_transact(fd, &r, &res, family_msg, fam);
	if (ret)
		return ret;
	if (res.err)
		return res.err;
	return fam->id ? 0 : -ENOENT;
}

/* A GET_STATS reply as a /proc/kheap row. */
static void row_msg(uint8_t cmd, const struct nlattr **tb, void *arg)
{
	struct proc_row *rows = arg, *r;
	const char *comm = attr_str(tb, KHEAP_NL_A_COMM);
	int i;

	if (cmd != KHEAP_NL_CMD_GET_STATS)
		return;
	for (i = 0; rows[i].pid; i++)
		;
	if (i >= 255)
		return;
	r = &rows[i];
	r->pid = attr_u32(tb, KHEAP_NL_A_PID);
	proc_comm(comm ? comm : "(none)", r->comm, sizeof(r->comm));
	r->regions = attr_u64(tb, KHEAP_NL_A_REGIONS);
	r->pages = attr_u64(tb, KHEAP_NL_A_PAGES);
	r->peak = attr_u64(tb, KHEAP_NL_A_PEAK);
	r->failures = attr_u64(tb, KHEAP_NL_A_FAILURES);
	r->limit_hits = attr_u64(tb, KHEAP_NL_A_LIMIT_HITS);
}

/* GET_STATS do for @pid into @row; returns the result's errno. */
static int nl_stats(int fd, const struct family *fam, uint32_t pid,
		    struct proc_row *row, struct result *res)
{
	struct proc_row rows[256] = { };
	struct req r;

	req_init(&r, fam->id, KHEAP_NL_CMD_GET_STATS, 0);
	req_put_u32(&r, KHEAP_NL_A_PID, pid);
	if (nl_transact(fd, &r, res, row_msg, rows))
		return -EIO;
	*row = rows[0];
	return res->err;
}

#define KEEP	(-2ll)	/* nl_set_limits(): leave this limit out */

static int nl_set_limits(int fd, const struct family *fam,
			 long long per_process, long long total,
			 struct result *res)
{
	struct req r;

	req_init(&r, fam->id, KHEAP_NL_CMD_SET_LIMITS, 0);
	if (per_process != KEEP)
		req_put_u64(&r, KHEAP_NL_A_MAX_PAGES_PER_PROCESS, per_process);
	if (total != KEEP)
		req_put_u64(&r, KHEAP_NL_A_MAX_PAGES_TOTAL, total);
	if (nl_transact(fd, &r, res, NULL, NULL))
		return -EIO;
	return res->err;
}

static int join_events(int fd, const struct family *fam)
{
	int grp = fam->events_grp;

	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp)))
		return -errno;
	return 0;
}

struct event {
	int cmd;
	long long pid, regions, pages, requested, kind, limit;
	char comm[32];
};

/*
 * Waits for the next kheap event for which @match returns true; returns 1
 * with it in @ev, 0 on timeout.  Other events are skipped.
 */
static int next_event(int fd, const struct family *fam, struct event *ev,
		      int (*match)(const struct event *ev, void *arg),
		      void *arg)
{
	static char buf[65536];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (poll(&pfd, 1, EVENT_WAIT_MS) == 1) {
		struct nlmsghdr *nlh;
		ssize_t len;

		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			return 0;
		for (nlh = (void *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			const struct genlmsghdr *g = NLMSG_DATA(nlh);
			const struct nlattr *tb[TB_SIZE];
			const char *comm;

			if (nlh->nlmsg_type != fam->id)
				continue;
			parse_attrs((const char *)g + GENL_HDRLEN,
				    nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN),
				    tb);
			memset(ev, 0, sizeof(*ev));
			ev->cmd = g->cmd;
			ev->pid = attr_u32(tb, KHEAP_NL_A_PID);
			ev->regions = attr_u64(tb, KHEAP_NL_A_REGIONS);
			ev->pages = attr_u64(tb, KHEAP_NL_A_PAGES);
			ev->requested = attr_u64(tb, KHEAP_NL_A_PAGES_REQUESTED);
			ev->kind = attr_u32(tb, KHEAP_NL_A_LIMIT_KIND);
			ev->limit = attr_u64(tb, KHEAP_NL_A_LIMIT);
			comm = attr_str(tb, KHEAP_NL_A_COMM);
			snprintf(ev->comm, sizeof(ev->comm), "%s",
				 comm ? comm : "");
			if (match(ev, arg))
				return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ fixture -- */

FIXTURE(nl) {
	int fd;
	struct family fam;
};

FIXTURE_SETUP(nl)
{
	int ret;

	self->fd = nl_socket();
	ASSERT_LE(0, self->fd) TH_LOG("netlink socket: %s", strerror(errno));
	ret = resolve(self->fd, &self->fam);
	if (ret == -ENOENT)
		SKIP(return, "no generic netlink family '%s': is kheap.ko loaded?",
		     KHEAP_GENL_NAME);
	ASSERT_EQ(0, ret) TH_LOG("resolving the family: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(nl)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(nl, family)
{
	EXPECT_LT(GENL_MIN_ID - 1, self->fam.id);
	EXPECT_EQ(KHEAP_GENL_VERSION, self->fam.version);
	EXPECT_LE(0, self->fam.events_grp)
		TH_LOG("no multicast group '%s'", KHEAP_GENL_MCGRP_EVENTS);
}

TEST_F(nl, stats_of_one_process)
{
	struct proc_row proc, nl;
	struct result res;
	char comm[32];
	int dev;

	dev = kheap_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, kheap_alloc(dev, 1, NULL));
	ASSERT_EQ(0, kheap_alloc(dev, 2, NULL));
	ASSERT_EQ(0, kheap_alloc(dev, 5, NULL));

	ASSERT_EQ(0, nl_stats(self->fd, &self->fam, getpid(), &nl, &res))
		TH_LOG("GET_STATS: %s (%s)", strerror(-res.err), res.msg);
	ASSERT_EQ(1, res.msgs);
	ASSERT_TRUE(proc_row(getpid(), &proc));
	EXPECT_EQ(getpid(), nl.pid);
	EXPECT_STREQ(proc.comm, nl.comm);
	EXPECT_EQ(3, nl.regions);
	EXPECT_EQ(8, nl.pages);
	EXPECT_EQ(proc.regions, nl.regions);
	EXPECT_EQ(proc.pages, nl.pages);
	EXPECT_EQ(proc.peak, nl.peak);
	EXPECT_EQ(proc.failures, nl.failures);
	EXPECT_EQ(proc.limit_hits, nl.limit_hits);

	/* The comm attribute is the raw command name. */
	proc_comm(program_invocation_short_name, comm, sizeof(comm));
	comm[15] = '\0';
	EXPECT_STREQ(comm, nl.comm);
	close(dev);
}

TEST_F(nl, stats_of_a_process_without_kheap)
{
	struct result res;
	struct proc_row row;

	/* This process never opened /dev/kheap. */
	EXPECT_EQ(-ENOENT, nl_stats(self->fd, &self->fam, getpid(), &row, &res));
	EXPECT_EQ(0, res.msgs);
	EXPECT_STRNE("", res.msg);
	TH_LOG("extack: %s", res.msg);
}

TEST_F(nl, stats_of_no_process)
{
	struct result res;
	struct proc_row row;
	pid_t child;

	/* A reaped child's pid: nobody has it (until it is reused). */
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(0);
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	EXPECT_EQ(-ESRCH, nl_stats(self->fd, &self->fam, child, &row, &res));
	EXPECT_STRNE("", res.msg);
	TH_LOG("extack: %s", res.msg);
}

/*
 * A child holding regions of 1, 2, ... @pages pages, parked until the
 * returned pipe end (*@release) is closed everywhere.
 */
static pid_t hold_regions(int pages, int *release)
{
	int ready[2], hold[2];
	pid_t pid;
	char c;

	if (pipe2(ready, O_CLOEXEC) || pipe2(hold, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int dev = kheap_open(), i;

		close(ready[0]);
		close(hold[1]);
		for (i = 1; dev >= 0 && i <= pages; i++)
			if (kheap_alloc(dev, i, NULL))
				_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		if (read(hold[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		close(hold[1]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(ready[0]);
	*release = hold[1];
	return pid;
}

TEST_F(nl, dump_lists_every_row)
{
	struct proc_row *dump, proc[256];
	pid_t kids[3];
	int release[3], i, j, n;
	struct result res;
	struct req r;

	for (i = 0; i < 3; i++) {
		kids[i] = hold_regions(i + 1, &release[i]);
		ASSERT_LT(0, kids[i]);
	}
	dump = calloc(256, sizeof(*dump));
	ASSERT_NE(NULL, dump);

	req_init(&r, self->fam.id, KHEAP_NL_CMD_GET_STATS, NLM_F_DUMP);
	ASSERT_EQ(0, nl_transact(self->fd, &r, &res, row_msg, dump));
	ASSERT_EQ(0, res.err) TH_LOG("dump: %s (%s)", strerror(-res.err), res.msg);
	n = proc_all_rows(proc, 256);
	ASSERT_LE(3, n);
	EXPECT_EQ(n, res.msgs);

	for (i = 0; i < n; i++) {
		for (j = 0; dump[j].pid && dump[j].pid != proc[i].pid; j++)
			;
		ASSERT_EQ(proc[i].pid, dump[j].pid)
			TH_LOG("pid %d missing from the dump", proc[i].pid);
		EXPECT_STREQ(proc[i].comm, dump[j].comm);
		EXPECT_EQ(proc[i].regions, dump[j].regions);
		EXPECT_EQ(proc[i].pages, dump[j].pages);
		EXPECT_EQ(proc[i].peak, dump[j].peak);
		EXPECT_EQ(proc[i].failures, dump[j].failures);
		EXPECT_EQ(proc[i].limit_hits, dump[j].limit_hits);
	}
	for (i = 0; i < 3; i++) {
		for (j = 0; dump[j].pid && dump[j].pid != kids[i]; j++)
			;
		EXPECT_EQ(kids[i], dump[j].pid);
		EXPECT_EQ(i + 1, dump[j].regions);
		EXPECT_EQ((i + 1) * (i + 2) / 2, dump[j].pages);
	}
	/* Each child holds the others' pipes too: close all, then wait. */
	for (i = 0; i < 3; i++)
		close(release[i]);
	for (i = 0; i < 3; i++)
		waitpid(kids[i], NULL, 0);
	free(dump);
}

/*
 * Enough processes in the list that a dump takes several rounds: a fresh
 * socket's first round fits one page, about 30 rows.
 */
#define MANY_HOLDERS	100

struct dump_seen {
	int rows;
	int rows_in_first_datagram;
	bool interrupted;	/* some message carried NLM_F_DUMP_INTR */
};

/*
 * A GET_STATS dump on a fresh socket, so its first round is a small one,
 * made while the request is sent; @between runs after that round and
 * before the others (0 or -1).
 */
static int dump_with_pause(const struct family *fam, int (*between)(void *),
			   void *arg, struct dump_seen *seen)
{
	static char buf[65536];
	int fd = nl_socket(), datagrams = 0;
	struct req r;

	memset(seen, 0, sizeof(*seen));
	if (fd < 0)
		return -1;
	req_init(&r, fam->id, KHEAP_NL_CMD_GET_STATS, NLM_F_DUMP);
	if (send(fd, &r, r.nlh.nlmsg_len, 0) != (ssize_t)r.nlh.nlmsg_len ||
	    between(arg))
		goto fail;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh;

		if (len < 0)
			goto fail;
		for (nlh = (void *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				seen->interrupted = true;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				goto fail;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return 0;
			}
			seen->rows++;
		}
		if (!datagrams++)
			seen->rows_in_first_datagram = seen->rows;
	}
fail:
	close(fd);
	return -1;
}

static int no_change(void *arg)
{
	(void)arg;
	return 0;
}

/* One more process in kheap's list: a holder, its release end in @arg. */
static int one_more_holder(void *arg)
{
	int *release = arg;

	return hold_regions(1, release) > 0 ? 0 : -1;
}

TEST_F(nl, dump_flags_rounds_after_the_list_changed)
{
	int release[MANY_HOLDERS + 1], i;
	struct dump_seen quiet, changed;

	for (i = 0; i < MANY_HOLDERS; i++)
		ASSERT_LT(0, hold_regions(1, &release[i]));
	ASSERT_EQ(0, dump_with_pause(&self->fam, no_change, NULL, &quiet));
	ASSERT_LT(quiet.rows_in_first_datagram, quiet.rows)
		TH_LOG("the dump took one round: the test needs several");
	EXPECT_FALSE(quiet.interrupted);

	ASSERT_EQ(0, dump_with_pause(&self->fam, one_more_holder,
				     &release[MANY_HOLDERS], &changed));
	EXPECT_TRUE(changed.interrupted);
	EXPECT_EQ(quiet.rows + 1, changed.rows);

	/* Each holder holds the others' pipes too: close all, then reap. */
	for (i = 0; i <= MANY_HOLDERS; i++)
		close(release[i]);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

struct global {
	long long v[TB_SIZE];
};

static void global_msg(uint8_t cmd, const struct nlattr **tb, void *arg)
{
	struct global *g = arg;
	int i;

	for (i = 0; i < TB_SIZE; i++)
		g->v[i] = tb[i] && nla_len(tb[i]) == 4 ? attr_u32(tb, i) :
			  attr_u64(tb, i);
}

TEST_F(nl, global_figures)
{
	static const struct { int attr; const char *key; } keys[] = {
		{ KHEAP_NL_A_PAGE_SIZE,			"page_size" },
		{ KHEAP_NL_A_REGIONS,			"regions" },
		{ KHEAP_NL_A_PAGES,			"pages_in_use" },
		{ KHEAP_NL_A_PEAK,			"peak_pages" },
		{ KHEAP_NL_A_ALLOCATIONS,		"allocations" },
		{ KHEAP_NL_A_FREES,			"frees" },
		{ KHEAP_NL_A_FAILURES,			"failures" },
		{ KHEAP_NL_A_LIMIT_HITS,		"limit_hits" },
		{ KHEAP_NL_A_MAX_PAGES_PER_REGION,	"max_pages_per_region" },
		{ KHEAP_NL_A_MAX_PAGES_PER_PROCESS,	"max_pages_per_process" },
		{ KHEAP_NL_A_MAX_PAGES_TOTAL,		"max_pages_total" },
		{ KHEAP_NL_A_PROCESSES,			"processes" },
	};
	struct global g = { };
	struct result res;
	unsigned int i;
	struct req r;
	int release;
	pid_t kid;

	kid = hold_regions(3, &release);
	ASSERT_LT(0, kid);

	req_init(&r, self->fam.id, KHEAP_NL_CMD_GET_GLOBAL, 0);
	ASSERT_EQ(0, nl_transact(self->fd, &r, &res, global_msg, &g));
	ASSERT_EQ(0, res.err) TH_LOG("%s (%s)", strerror(-res.err), res.msg);
	ASSERT_EQ(1, res.msgs);
	EXPECT_EQ(KHEAP_ABI_VERSION, g.v[KHEAP_NL_A_ABI_VERSION]);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *key = keys[i].key;

		EXPECT_EQ(proc_value(key), g.v[keys[i].attr])
			TH_LOG("key %s", key ? key : "?");
	}
	EXPECT_LE(3, g.v[KHEAP_NL_A_REGIONS]);
	EXPECT_LE(1, g.v[KHEAP_NL_A_PROCESSES]);

	close(release);
	waitpid(kid, NULL, 0);
}

/* ------------------------------------------------------------- limits -- */

/* The two limits SET_LIMITS changes, saved to be put back. */
struct saved_limits {
	int saved;
	unsigned long per_process, total;
};

static int save_limits(struct saved_limits *l)
{
	errno = 0;
	l->per_process = read_param_ul("max_pages_per_process");
	l->total = read_param_ul("max_pages_total");
	l->saved = !errno;
	return l->saved ? 0 : -1;
}

static void restore_limits(const struct saved_limits *l)
{
	if (!l->saved)
		return;
	write_param("max_pages_per_process", l->per_process);
	write_param("max_pages_total", l->total);
}

static int limits_unchanged(const struct saved_limits *l)
{
	return read_param_ul("max_pages_per_process") == l->per_process &&
	       read_param_ul("max_pages_total") == l->total;
}

/* Opens, resolves and, for @need_root, saves the limits; 1 to skip. */
static int family_setup(struct __test_metadata *_metadata, int *fd,
		    struct family *fam, struct saved_limits *l, int need_root)
{
	int ret;

	l->saved = 0;
	*fd = nl_socket();
	ASSERT_LE(0, *fd) TH_LOG("netlink socket: %s", strerror(errno));
	ret = resolve(*fd, fam);
	if (ret == -ENOENT)
		return 1;
	ASSERT_EQ(0, ret) TH_LOG("resolving the family: %s", strerror(-ret));
	if (need_root && geteuid())
		return 2;
	if (need_root)
		ASSERT_EQ(0, save_limits(l));
	return 0;
}

#define NL_SETUP(fd, fam, l, need_root) do {				\
	int __skip = family_setup(_metadata, fd, fam, l, need_root);	\
									\
	if (__skip == 1)						\
		SKIP(return, "no generic netlink family '%s': is kheap.ko loaded?", \
		     KHEAP_GENL_NAME);					\
	if (__skip == 2)						\
		SKIP(return, "needs root");				\
} while (0)

FIXTURE(limits) {
	int fd;
	struct family fam;
	struct saved_limits saved;
};

FIXTURE_SETUP(limits)
{
	NL_SETUP(&self->fd, &self->fam, &self->saved, 1);
}

FIXTURE_TEARDOWN(limits)
{
	restore_limits(&self->saved);
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(limits, set_as_root)
{
	struct result res;

	ASSERT_EQ(0, nl_set_limits(self->fd, &self->fam, 1234, 56789, &res))
		TH_LOG("%s (%s)", strerror(-res.err), res.msg);
	EXPECT_EQ(1234ul, read_param_ul("max_pages_per_process"));
	EXPECT_EQ(56789ul, read_param_ul("max_pages_total"));
	EXPECT_EQ(1234l, proc_value("max_pages_per_process"));
	EXPECT_EQ(56789l, proc_value("max_pages_total"));

	/* The limit left out keeps its value. */
	ASSERT_EQ(0, nl_set_limits(self->fd, &self->fam, KEEP, 777, &res));
	EXPECT_EQ(1234ul, read_param_ul("max_pages_per_process"));
	EXPECT_EQ(777ul, read_param_ul("max_pages_total"));
	ASSERT_EQ(0, nl_set_limits(self->fd, &self->fam, 0, KEEP, &res));
	EXPECT_EQ(0ul, read_param_ul("max_pages_per_process"));
	EXPECT_EQ(777ul, read_param_ul("max_pages_total"));

	/* Any unsigned long, as through sysfs. */
	ASSERT_EQ(0, nl_set_limits(self->fd, &self->fam, KEEP, -1ll, &res))
		TH_LOG("%s (%s)", strerror(-res.err), res.msg);
	EXPECT_EQ(ULONG_MAX, read_param_ul("max_pages_total"));
}

TEST_F(limits, refused_to_unprivileged)
{
	struct result res;
	struct req r;
	int fd;

	/* This test runs in a child of the harness: drop root for good. */
	ASSERT_EQ(0, setresgid(65534, 65534, 65534));
	ASSERT_EQ(0, setresuid(65534, 65534, 65534));
	fd = nl_socket();
	ASSERT_LE(0, fd);

	EXPECT_EQ(-EPERM, nl_set_limits(fd, &self->fam, 1, 1, &res));
	EXPECT_TRUE(limits_unchanged(&self->saved));

	/* Reading stays open to everyone, like /proc/kheap. */
	req_init(&r, self->fam.id, KHEAP_NL_CMD_GET_GLOBAL, 0);
	ASSERT_EQ(0, nl_transact(fd, &r, &res, NULL, NULL));
	EXPECT_EQ(0, res.err);
	EXPECT_EQ(1, res.msgs);

	/* Events name processes of every pid namespace: admin only. */
	EXPECT_EQ(-EPERM, join_events(fd, &self->fam));
	close(fd);
}

TEST_F(limits, needs_cap_sys_admin)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	struct result res;

	/* Keep CAP_NET_ADMIN (GENL_ADMIN_PERM passes), lose CAP_SYS_ADMIN. */
	ASSERT_EQ(0, syscall(SYS_capget, &hdr, data));
	data[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	ASSERT_EQ(0, syscall(SYS_capset, &hdr, data));

	EXPECT_EQ(-EPERM, nl_set_limits(self->fd, &self->fam, 1, 1, &res));
	EXPECT_STREQ("changing the limits needs CAP_SYS_ADMIN", res.msg);
	EXPECT_TRUE(limits_unchanged(&self->saved));
}

/* ----------------------------------------------------- bad requests -- */

FIXTURE(bad) {
	int fd;
	struct family fam;
	struct saved_limits saved;
};

FIXTURE_VARIANT(bad) {
	int cmd;
	int dump;
	int reserved;
	int attr;		/* 0: none */
	int attr_len;		/* 2, 4 or 8 */
	uint64_t value;
	int err;
	const char *msg;	/* expected extack, NULL: any non-empty one */
	int no_msg;		/* the core gives no message for this one */
};

FIXTURE_VARIANT_ADD(bad, stats_without_pid) {
	.cmd = KHEAP_NL_CMD_GET_STATS, .err = EINVAL,
	.msg = "KHEAP_NL_A_PID is required",
};
FIXTURE_VARIANT_ADD(bad, stats_pid_0) {
	.cmd = KHEAP_NL_CMD_GET_STATS, .attr = KHEAP_NL_A_PID, .attr_len = 4,
	.value = 0, .err = ERANGE,
};
FIXTURE_VARIANT_ADD(bad, stats_pid_huge) {
	.cmd = KHEAP_NL_CMD_GET_STATS, .attr = KHEAP_NL_A_PID, .attr_len = 4,
	.value = 0x7fffffff, .err = ERANGE,
};
FIXTURE_VARIANT_ADD(bad, stats_pid_u16) {
	.cmd = KHEAP_NL_CMD_GET_STATS, .attr = KHEAP_NL_A_PID, .attr_len = 2,
	.value = 1, .err = EINVAL,
};
FIXTURE_VARIANT_ADD(bad, stats_pid_u64) {
	.cmd = KHEAP_NL_CMD_GET_STATS, .attr = KHEAP_NL_A_PID, .attr_len = 8,
	.value = 1, .err = EINVAL,
};
FIXTURE_VARIANT_ADD(bad, stats_unknown_attr) {
	.cmd = KHEAP_NL_CMD_GET_STATS, .attr = KHEAP_NL_A_MAX + 1,
	.attr_len = 4, .value = 1, .err = EINVAL,
};
FIXTURE_VARIANT_ADD(bad, stats_limit_attr) {
	.cmd = KHEAP_NL_CMD_GET_STATS, .attr = KHEAP_NL_A_MAX_PAGES_TOTAL,
	.attr_len = 8, .value = 1, .err = EINVAL,
};
FIXTURE_VARIANT_ADD(bad, stats_dump_with_pid) {
	.cmd = KHEAP_NL_CMD_GET_STATS, .dump = 1, .attr = KHEAP_NL_A_PID,
	.attr_len = 4, .value = 1, .err = EINVAL,
	.msg = "a dump lists every process; KHEAP_NL_A_PID is for do requests",
};
FIXTURE_VARIANT_ADD(bad, stats_reserved) {
	.cmd = KHEAP_NL_CMD_GET_STATS, .reserved = 1, .attr = KHEAP_NL_A_PID,
	.attr_len = 4, .value = 1, .err = EINVAL,
};
FIXTURE_VARIANT_ADD(bad, global_with_attr) {
	.cmd = KHEAP_NL_CMD_GET_GLOBAL, .attr = KHEAP_NL_A_PID, .attr_len = 4,
	.value = 1, .err = EINVAL,
};
FIXTURE_VARIANT_ADD(bad, limits_none) {
	.cmd = KHEAP_NL_CMD_SET_LIMITS, .err = EINVAL,
	.msg = "no limit given: KHEAP_NL_A_MAX_PAGES_PER_PROCESS and/or KHEAP_NL_A_MAX_PAGES_TOTAL",
};
FIXTURE_VARIANT_ADD(bad, limits_u32) {
	.cmd = KHEAP_NL_CMD_SET_LIMITS, .attr = KHEAP_NL_A_MAX_PAGES_TOTAL,
	.attr_len = 4, .value = 1, .err = EINVAL,
};
FIXTURE_VARIANT_ADD(bad, limits_pid_attr) {
	.cmd = KHEAP_NL_CMD_SET_LIMITS, .attr = KHEAP_NL_A_PID, .attr_len = 4,
	.value = 1, .err = EINVAL,
};
FIXTURE_VARIANT_ADD(bad, limits_pad_attr) {
	.cmd = KHEAP_NL_CMD_SET_LIMITS, .attr = KHEAP_NL_A_PAD, .attr_len = 4,
	.value = 0, .err = EINVAL,
};
FIXTURE_VARIANT_ADD(bad, limits_unknown_attr) {
	.cmd = KHEAP_NL_CMD_SET_LIMITS, .attr = 1000, .attr_len = 8,
	.value = 1, .err = EINVAL,
};
FIXTURE_VARIANT_ADD(bad, event_as_request) {
	.cmd = KHEAP_NL_CMD_LIMIT_HIT, .err = EOPNOTSUPP, .no_msg = 1,
};
FIXTURE_VARIANT_ADD(bad, unknown_cmd) {
	.cmd = 200, .err = EOPNOTSUPP, .no_msg = 1,
};

FIXTURE_SETUP(bad)
{
	/* Without CAP_NET_ADMIN, SET_LIMITS fails its permission check first. */
	NL_SETUP(&self->fd, &self->fam, &self->saved,
		 variant->cmd == KHEAP_NL_CMD_SET_LIMITS);
}

FIXTURE_TEARDOWN(bad)
{
	restore_limits(&self->saved);
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(bad, rejected)
{
	struct result res;
	struct req r;

	req_init(&r, self->fam.id, variant->cmd,
		 variant->dump ? NLM_F_DUMP : 0);
	r.genl.reserved = variant->reserved;
	if (variant->attr) {
		uint64_t v64 = variant->value;
		uint32_t v32 = variant->value;
		uint16_t v16 = variant->value;
		const void *p = variant->attr_len == 8 ? (void *)&v64 :
				variant->attr_len == 4 ? (void *)&v32 :
							 (void *)&v16;

		req_put(&r, variant->attr, p, variant->attr_len);
	}
	ASSERT_EQ(0, nl_transact(self->fd, &r, &res, NULL, NULL));
	EXPECT_EQ(-variant->err, res.err)
		TH_LOG("got %s (%s)", strerror(-res.err), res.msg);
	EXPECT_EQ(0, res.msgs);
	if (variant->msg) {
		EXPECT_STREQ(variant->msg, res.msg);
	} else if (!variant->no_msg) {
		EXPECT_STRNE("", res.msg);
	}
	TH_LOG("extack: %s", res.msg);
	if (self->saved.saved)
		EXPECT_TRUE(limits_unchanged(&self->saved));
}

/* ------------------------------------------------------------- events -- */

FIXTURE(events) {
	int fd;
	int dev;
	struct family fam;
	struct saved_limits saved;
};

FIXTURE_SETUP(events)
{
	self->dev = -1;
	NL_SETUP(&self->fd, &self->fam, &self->saved, 1);
	ASSERT_EQ(0, join_events(self->fd, &self->fam));
	self->dev = kheap_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(events)
{
	restore_limits(&self->saved);
	if (self->dev >= 0)
		close(self->dev);
	if (self->fd >= 0)
		close(self->fd);
}

static int match_cmd_pid(const struct event *ev, void *arg)
{
	const struct event *want = arg;

	return ev->cmd == want->cmd && ev->pid == want->pid;
}

TEST_F(events, limit_hit_per_process)
{
	struct event want = { .cmd = KHEAP_NL_CMD_LIMIT_HIT, .pid = getpid() };
	struct event ev;
	char comm[32];

	ASSERT_EQ(0, kheap_alloc(self->dev, 2, NULL));
	ASSERT_EQ(0, write_param("max_pages_per_process", 4));
	ASSERT_EQ(-ENOMEM, kheap_alloc(self->dev, 3, NULL));

	ASSERT_TRUE(next_event(self->fd, &self->fam, &ev, match_cmd_pid, &want))
		TH_LOG("no LIMIT_HIT event");
	snprintf(comm, sizeof(comm), "%.15s", program_invocation_short_name);
	EXPECT_STREQ(comm, ev.comm);
	EXPECT_EQ(3, ev.requested);
	EXPECT_EQ(2, ev.pages);
	EXPECT_EQ(KHEAP_NL_LIMIT_PER_PROCESS, ev.kind);
	EXPECT_EQ(4, ev.limit);
}

TEST_F(events, limit_hit_total)
{
	struct event want = { .cmd = KHEAP_NL_CMD_LIMIT_HIT, .pid = getpid() };
	long in_use = proc_value("pages_in_use");
	struct event ev;

	ASSERT_LE(0, in_use);
	ASSERT_EQ(0, kheap_alloc(self->dev, 1, NULL));
	ASSERT_EQ(0, write_param("max_pages_total", in_use + 4));
	ASSERT_EQ(-ENOMEM, kheap_alloc(self->dev, 4, NULL));

	ASSERT_TRUE(next_event(self->fd, &self->fam, &ev, match_cmd_pid, &want))
		TH_LOG("no LIMIT_HIT event");
	EXPECT_EQ(4, ev.requested);
	EXPECT_EQ(1, ev.pages);
	EXPECT_EQ(KHEAP_NL_LIMIT_TOTAL, ev.kind);
	EXPECT_EQ(in_use + 4, ev.limit);
}

TEST_F(events, no_event_without_limit)
{
	struct event want = { .cmd = KHEAP_NL_CMD_LIMIT_HIT, .pid = getpid() };
	uint64_t off = 0;
	struct event ev;

	/* Allocations within the limits and bad requests are no news. */
	ASSERT_EQ(0, kheap_alloc(self->dev, 2, &off));
	ASSERT_EQ(0, kheap_free(self->dev, off));
	ASSERT_EQ(-EINVAL, kheap_alloc(self->dev, 0, NULL));
	EXPECT_FALSE(next_event(self->fd, &self->fam, &ev, match_cmd_pid,
				&want));
}

static int match_proc_exit(const struct event *ev, void *arg)
{
	return ev->cmd == KHEAP_NL_CMD_PROC_EXIT;
}

/*
 * A child that opens /dev/kheap, allocates regions of 1, 2, ... @regions
 * pages, frees the first @freed of them and exits without closing.
 */
static pid_t exit_holding(int regions, int freed)
{
	pid_t pid = fork();
	uint64_t off[16];
	int dev, i;

	if (pid)
		return pid;
	dev = kheap_open();
	if (dev < 0)
		_exit(1);
	for (i = 0; i < regions && i < 16; i++)
		if (kheap_alloc(dev, i + 1, &off[i]))
			_exit(1);
	for (i = 0; i < freed && i < regions; i++)
		if (kheap_free(dev, off[i]))
			_exit(1);
	_exit(0);
}

TEST_F(events, proc_exit)
{
	struct event ev;
	pid_t clean, leaky;
	int status;

	/* A process that freed all it took is no news... */
	clean = exit_holding(2, 2);
	ASSERT_LT(0, clean);
	ASSERT_EQ(clean, waitpid(clean, &status, 0));
	ASSERT_EQ(0, status);

	/* ...one that exits holding regions is. */
	leaky = exit_holding(3, 1);
	ASSERT_LT(0, leaky);
	ASSERT_EQ(leaky, waitpid(leaky, &status, 0));
	ASSERT_EQ(0, status);

	ASSERT_TRUE(next_event(self->fd, &self->fam, &ev, match_proc_exit, NULL))
		TH_LOG("no PROC_EXIT event");
	EXPECT_EQ(leaky, ev.pid);
	EXPECT_EQ(2, ev.regions);
	EXPECT_EQ(2 + 3, ev.pages);
	EXPECT_STRNE("", ev.comm);
}

TEST_HARNESS_MAIN
