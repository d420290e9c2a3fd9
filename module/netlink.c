// SPDX-License-Identifier: GPL-2.0
/*
 * kheap generic netlink family "kheap": statistics, limits and events.
 *
 * The ABI (commands, attributes, the "events" group) is documented in
 * uapi/linux/kheap_netlink.h.  This file only translates: figures come from
 * the snapshot functions /proc/kheap and the STATS ioctl use
 * (kheap_stats_global(), kheap_stats_proc*()), limits go through the setter
 * behind /sys/module/kheap/parameters/ (kheap_set_limits()), so all
 * interfaces always agree.
 *
 * Design:
 *   - struct genl_ops (not genl_small_ops, not the 6.2+ split ops) with a
 *     policy per command: the one form that carries per-command policies
 *     on both 6.1 and 6.12.  resv_start_op is left at 0, so every command
 *     gets strict validation (unknown attributes, attributes the command
 *     does not take, trailing bytes and a non-zero genl reserved field are
 *     all errors) and a command without a policy rejects every attribute.
 *     No pre_doit/post_doit and no family header, whose types differ
 *     between the two kernels.  Every error a handler returns carries an
 *     extended ack message.
 *   - The family lives in the initial network namespace only (netnsok is
 *     false): the heap and its limits are global, not per namespace.
 *     GET_* are open to everyone, like /proc/kheap.  SET_LIMITS needs
 *     CAP_NET_ADMIN (GENL_ADMIN_PERM, the genetlink convention, checked by
 *     the core before the policy) and CAP_SYS_ADMIN (as for every other way
 *     of changing the limits), both in the initial user namespace.
 *     Joining "events" needs CAP_NET_ADMIN: events name processes of every
 *     pid namespace.
 *   - PIDs in replies are as seen by the requesting task, as in
 *     /proc/kheap, and a dump lists exactly the rows /proc/kheap would show
 *     that task.  Events go to many listeners at once and carry initial
 *     namespace pids.
 *   - A dump resumes by position in the process list.  A process joining
 *     or leaving between two rounds could make a row be skipped or
 *     repeated, so every message of a round after such a change carries
 *     NLM_F_DUMP_INTR (cb->seq is the list's generation), and the client
 *     knows to dump again; the single-pid do is exact.
 *
 * Locking and context:
 *   - Requests run in process context under the genetlink mutex
 *     (parallel_ops is false).  The only kheap lock they take is
 *     kheap_procs_lock, inside the snapshot functions and
 *     kheap_account_visit_procs(), nested inside the genetlink mutex;
 *     nothing of kheap takes a genetlink lock, so there is no inversion.
 *     Messages are allocated before kheap_procs_lock is taken and only
 *     filled under it.
 *   - The event hooks are called in process context with no kheap lock
 *     held (see internal.h), possibly under a forked child's mmap_lock, so
 *     they allocate with GFP_KERNEL.  They read @proc only through
 *     kheap_stats_proc() and return at once when no socket listens on
 *     "events" (genl_has_listeners()), so the allocation paths pay one
 *     check when nobody watches.  A failed event allocation or delivery is
 *     dropped: a listener sees an overrun as ENOBUFS on its socket, the
 *     netlink convention.
 *   - The family is registered before /dev/kheap exists and unregistered
 *     after it is gone (main.c), so no hook can run against an
 *     unregistered family; genl_unregister_family() waits for requests in
 *     flight and a running dump holds a module reference.
 */
#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/netlink.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/threads.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include <linux/kheap_netlink.h>

#include "internal.h"

/* Multicast groups, as indices into kheap_nl_mcgrps[]. */
enum kheap_nl_group {
	KHEAP_NL_GRP_EVENTS,
};

static struct genl_family kheap_nl_family;

/* ---------------------------------------------------------- policies -- */

/*
 * Not const: until 6.2 struct nla_policy points to a non-const range, and
 * the policies must build on 6.1 too.
 */
static struct netlink_range_validation kheap_nl_pid_range = {
	.min = 1,
	.max = PID_MAX_LIMIT,
};

/* The limits take what the module parameters take: any unsigned long. */
static struct netlink_range_validation kheap_nl_limit_range = {
	.min = 0,
	.max = ULONG_MAX,
};

static const struct nla_policy kheap_nl_get_stats_policy[KHEAP_NL_A_PID + 1] = {
	[KHEAP_NL_A_PID] = NLA_POLICY_FULL_RANGE(NLA_U32, &kheap_nl_pid_range),
};

static const struct nla_policy kheap_nl_limits_policy[KHEAP_NL_A_MAX_PAGES_TOTAL + 1] = {
	[KHEAP_NL_A_MAX_PAGES_PER_PROCESS] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &kheap_nl_limit_range),
	[KHEAP_NL_A_MAX_PAGES_TOTAL] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &kheap_nl_limit_range),
};

/* ------------------------------------------------------------ messages -- */

static int kheap_nl_put_u64(struct sk_buff *skb, int type, u64 val)
{
	return nla_put_u64_64bit(skb, type, val, KHEAP_NL_A_PAD);
}

/*
 * Ends the message begun at @hdr in @skb; or, if filling it failed (@err,
 * returned), drops and frees it.
 */
static int kheap_nl_msg_end(struct sk_buff *skb, void *hdr, int err)
{
	if (err) {
		genlmsg_cancel(skb, hdr);
		nlmsg_free(skb);
		return err;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Begins the reply of @cmd to @info in @msg; frees @msg if it has no room. */
static void *kheap_nl_reply_begin(struct sk_buff *msg, struct genl_info *info,
				  u8 cmd)
{
	void *hdr = genlmsg_put_reply(msg, info, &kheap_nl_family, 0, cmd);

	if (!hdr)
		nlmsg_free(msg);
	return hdr;
}

/* Sends the reply begun at @hdr once filled (@err 0), else frees it. */
static int kheap_nl_reply_send(struct sk_buff *msg, void *hdr,
			       struct genl_info *info, int err)
{
	err = kheap_nl_msg_end(msg, hdr, err);
	return err ? err : genlmsg_reply(msg, info);
}

static size_t kheap_nl_proc_size(void)
{
	return nla_total_size(sizeof(u32)) +		/* PID */
	       nla_total_size(TASK_COMM_LEN) +		/* COMM */
	       5 * nla_total_size_64bit(sizeof(u64));	/* the figures */
}

/* A GET_STATS reply body: one /proc/kheap row, pid as given. */
static int kheap_nl_fill_proc(struct sk_buff *skb, pid_t nr,
			      const struct kheap_proc_stats *st)
{
	if (nla_put_u32(skb, KHEAP_NL_A_PID, nr) ||
	    nla_put_string(skb, KHEAP_NL_A_COMM, st->comm) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_REGIONS, st->regions) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_PAGES, st->pages) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_PEAK, st->peak) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_FAILURES, st->failures) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_LIMIT_HITS, st->limit_hits))
		return -EMSGSIZE;
	return 0;
}

/* ----------------------------------------------------- GET_STATS do -- */

/* Is @nr a thread group in the caller's pid namespace? */
static bool kheap_nl_tgid_exists(pid_t nr)
{
	bool exists;

	rcu_read_lock();
	exists = pid_task(find_vpid(nr), PIDTYPE_TGID);
	rcu_read_unlock();
	return exists;
}

static int kheap_nl_get_stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[KHEAP_NL_A_PID];
	struct kheap_proc_stats st;
	struct sk_buff *msg;
	void *hdr;
	pid_t nr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, KHEAP_NL_A_PID)) {
		GENL_SET_ERR_MSG(info, "KHEAP_NL_A_PID is required");
		return -EINVAL;
	}
	nr = nla_get_u32(attr);

	msg = genlmsg_new(kheap_nl_proc_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	/* Runs in the requester's context: its pid namespace applies. */
	ret = kheap_stats_proc_by_pid(nr, &st);
	if (ret) {
		nlmsg_free(msg);
		if (kheap_nl_tgid_exists(nr)) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "process holds nothing in kheap");
			return -ENOENT;
		}
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such process");
		return -ESRCH;
	}

	hdr = kheap_nl_reply_begin(msg, info, KHEAP_NL_CMD_GET_STATS);
	if (!hdr)
		return -EMSGSIZE;
	return kheap_nl_reply_send(msg, hdr, info,
				   kheap_nl_fill_proc(msg, nr, &st));
}

/* --------------------------------------------------- GET_STATS dump -- */

/* Lives in netlink_callback.ctx (zeroed at dump start) between rounds. */
struct kheap_nl_dump_ctx {
	unsigned long next;	/* list position of the next row */
};

struct kheap_nl_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	struct kheap_nl_dump_ctx *ctx;
	unsigned long pos;
	bool full;
};

static struct kheap_nl_dump_ctx *kheap_nl_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct kheap_nl_dump_ctx) > sizeof(cb->ctx));
	return (struct kheap_nl_dump_ctx *)cb->ctx;
}

/* Called under kheap_procs_lock: fill, never sleep on anything of ours. */
static void kheap_nl_dump_visit(const struct kheap_proc *proc, void *arg)
{
	struct kheap_nl_dump *dump = arg;
	struct netlink_callback *cb = dump->cb;
	struct kheap_proc_stats st;
	void *hdr;

	if (dump->full || dump->pos++ < dump->ctx->next)
		return;

	/* Exactly the rows of /proc/kheap: unknown or invisible pids skip. */
	kheap_stats_proc(proc, &st);
	if (st.pid) {
		hdr = genlmsg_put(dump->skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &kheap_nl_family,
				  NLM_F_MULTI, KHEAP_NL_CMD_GET_STATS);
		if (!hdr) {
			dump->full = true;
			return;
		}
		genl_dump_check_consistent(cb, hdr);
		if (kheap_nl_fill_proc(dump->skb, st.pid, &st)) {
			genlmsg_cancel(dump->skb, hdr);
			dump->full = true;
			return;
		}
		genlmsg_end(dump->skb, hdr);
	}
	dump->ctx->next = dump->pos;
}

static int kheap_nl_get_stats_dumpit(struct sk_buff *skb,
				     struct netlink_callback *cb)
{
	struct kheap_nl_dump dump = {
		.skb	= skb,
		.cb	= cb,
		.ctx	= kheap_nl_dump_ctx(cb),
	};
	const struct nlattr *attr;

	/*
	 * The policy is shared with do, but a dump takes no filter.  Checked
	 * here rather than in .start: 6.1 gives .start no extack.
	 */
	attr = nlmsg_find_attr(cb->nlh, GENL_HDRLEN, KHEAP_NL_A_PID);
	if (attr) {
		NL_SET_ERR_MSG_ATTR(cb->extack, attr,
				    "a dump lists every process; KHEAP_NL_A_PID is for do requests");
		return -EINVAL;
	}

	kheap_account_visit_procs(kheap_nl_dump_visit, &dump, &cb->seq);
	/* Cannot happen: one row is far smaller than a dump buffer. */
	if (dump.full && !skb->len)
		return -EMSGSIZE;
	return skb->len;
}

/* ---------------------------------------------------- GET_GLOBAL do -- */

static size_t kheap_nl_global_size(void)
{
	return 2 * nla_total_size(sizeof(u32)) +	/* ABI_VERSION, PAGE_SIZE */
	       11 * nla_total_size_64bit(sizeof(u64));	/* figures, limits */
}

static int kheap_nl_fill_global(struct sk_buff *skb,
				const struct kheap_global_stats *g)
{
	if (nla_put_u32(skb, KHEAP_NL_A_ABI_VERSION, KHEAP_ABI_VERSION) ||
	    nla_put_u32(skb, KHEAP_NL_A_PAGE_SIZE, PAGE_SIZE) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_REGIONS, g->regions) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_PAGES, g->pages) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_PEAK, g->peak) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_ALLOCATIONS, g->allocations) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_FREES, g->frees) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_FAILURES, g->failures) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_LIMIT_HITS, g->limit_hits) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_PROCESSES, g->processes) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_MAX_PAGES_PER_REGION,
			     g->max_pages_per_region) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_MAX_PAGES_PER_PROCESS,
			     g->max_pages_per_process) ||
	    kheap_nl_put_u64(skb, KHEAP_NL_A_MAX_PAGES_TOTAL,
			     g->max_pages_total))
		return -EMSGSIZE;
	return 0;
}

static int kheap_nl_get_global_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct kheap_global_stats g;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(kheap_nl_global_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	kheap_stats_global(&g);
	hdr = kheap_nl_reply_begin(msg, info, KHEAP_NL_CMD_GET_GLOBAL);
	if (!hdr)
		return -EMSGSIZE;
	return kheap_nl_reply_send(msg, hdr, info, kheap_nl_fill_global(msg, &g));
}

/* ---------------------------------------------------- SET_LIMITS do -- */

static int kheap_nl_set_limits_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct nlattr *per_process = info->attrs[KHEAP_NL_A_MAX_PAGES_PER_PROCESS];
	struct nlattr *total = info->attrs[KHEAP_NL_A_MAX_PAGES_TOTAL];
	int ret;

	/*
	 * GENL_ADMIN_PERM made the core check CAP_NET_ADMIN; the limits are
	 * memory policy, guarded by CAP_SYS_ADMIN everywhere else in kheap.
	 */
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		GENL_SET_ERR_MSG(info, "changing the limits needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (!per_process && !total) {
		GENL_SET_ERR_MSG(info,
				 "no limit given: KHEAP_NL_A_MAX_PAGES_PER_PROCESS and/or KHEAP_NL_A_MAX_PAGES_TOTAL");
		return -EINVAL;
	}

	/*
	 * A limit left out keeps its value.  Requests are serialized by the
	 * genetlink mutex; a concurrent write to the other limit through
	 * sysfs can still be overwritten with the value read here.
	 */
	ret = kheap_set_limits(per_process ? nla_get_u64(per_process) :
					     kheap_max_pages_per_process(),
			       total ? nla_get_u64(total) :
				       kheap_max_pages_total());
	if (ret)
		GENL_SET_ERR_MSG(info, "the limits were refused");
	return ret;
}

/* -------------------------------------------------------------- family -- */

static const struct genl_ops kheap_nl_ops[] = {
	{
		.cmd		= KHEAP_NL_CMD_GET_STATS,
		.doit		= kheap_nl_get_stats_doit,
		.dumpit		= kheap_nl_get_stats_dumpit,
		.policy		= kheap_nl_get_stats_policy,
		.maxattr	= ARRAY_SIZE(kheap_nl_get_stats_policy) - 1,
	},
	{
		/* No policy: every attribute is rejected. */
		.cmd		= KHEAP_NL_CMD_GET_GLOBAL,
		.doit		= kheap_nl_get_global_doit,
	},
	{
		.cmd		= KHEAP_NL_CMD_SET_LIMITS,
		.flags		= GENL_ADMIN_PERM,
		.doit		= kheap_nl_set_limits_doit,
		.policy		= kheap_nl_limits_policy,
		.maxattr	= ARRAY_SIZE(kheap_nl_limits_policy) - 1,
	},
};

static const struct genl_multicast_group kheap_nl_mcgrps[] = {
	[KHEAP_NL_GRP_EVENTS] = {
		.name	= KHEAP_GENL_MCGRP_EVENTS,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
};

static struct genl_family kheap_nl_family __ro_after_init = {
	.name		= KHEAP_GENL_NAME,
	.version	= KHEAP_GENL_VERSION,
	.module		= THIS_MODULE,
	.ops		= kheap_nl_ops,
	.n_ops		= ARRAY_SIZE(kheap_nl_ops),
	.mcgrps		= kheap_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(kheap_nl_mcgrps),
	/* .resv_start_op = 0: strict validation for every command. */
};

/* -------------------------------------------------------------- events -- */

static bool kheap_nl_events_wanted(void)
{
	return genl_has_listeners(&kheap_nl_family, &init_net,
				  KHEAP_NL_GRP_EVENTS);
}

/* Starts an event message; NULL if there is no memory for it. */
static struct sk_buff *kheap_nl_event_new(u8 cmd, size_t size, void **hdr)
{
	struct sk_buff *skb;

	skb = genlmsg_new(size, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &kheap_nl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void kheap_nl_event_send(struct sk_buff *skb, void *hdr, int err)
{
	if (kheap_nl_msg_end(skb, hdr, err))
		return;
	genlmsg_multicast(&kheap_nl_family, skb, 0, KHEAP_NL_GRP_EVENTS,
			  GFP_KERNEL);
}

/* PID (initial namespace) and COMM, when kheap knows them. */
static int kheap_nl_put_who(struct sk_buff *skb,
			    const struct kheap_proc_stats *st)
{
	if (!st->pid_global)
		return 0;
	if (nla_put_u32(skb, KHEAP_NL_A_PID, st->pid_global) ||
	    nla_put_string(skb, KHEAP_NL_A_COMM, st->comm))
		return -EMSGSIZE;
	return 0;
}

/**
 * kheap_event_limit_hit() - announce a request refused by a limit
 * @proc: the process whose request was refused, valid for the call
 * @pages_requested: pages the request asked for (a batch: the sum)
 *
 * Multicasts KHEAP_NL_CMD_LIMIT_HIT on the "events" group, if anyone
 * listens.  The limit that refused the request is told from the figures
 * after the refusal: the per-process limit when the pages @proc holds plus
 * @pages_requested exceed it, the total limit otherwise (either may have
 * changed in between; the event reports the state it saw).
 *
 * Context: process context with no kheap lock held (possibly a forked
 * child's mmap_lock); may sleep to allocate.
 */
void kheap_event_limit_hit(const struct kheap_proc *proc,
			   unsigned long pages_requested)
{
	struct kheap_proc_stats st;
	struct sk_buff *skb;
	u64 limit;
	u32 kind;
	void *hdr;
	int err;

	if (!kheap_nl_events_wanted())
		return;

	kheap_stats_proc(proc, &st);
	limit = kheap_max_pages_per_process();
	kind = KHEAP_NL_LIMIT_PER_PROCESS;
	if (st.pages + pages_requested <= limit &&
	    st.pages + pages_requested >= st.pages) {
		limit = kheap_max_pages_total();
		kind = KHEAP_NL_LIMIT_TOTAL;
	}

	skb = kheap_nl_event_new(KHEAP_NL_CMD_LIMIT_HIT,
				 nla_total_size(sizeof(u32)) * 2 +
				 nla_total_size(TASK_COMM_LEN) +
				 nla_total_size_64bit(sizeof(u64)) * 3, &hdr);
	if (!skb)
		return;
	err = kheap_nl_put_who(skb, &st) ||
	      kheap_nl_put_u64(skb, KHEAP_NL_A_PAGES_REQUESTED,
			       pages_requested) ||
	      kheap_nl_put_u64(skb, KHEAP_NL_A_PAGES, st.pages) ||
	      nla_put_u32(skb, KHEAP_NL_A_LIMIT_KIND, kind) ||
	      kheap_nl_put_u64(skb, KHEAP_NL_A_LIMIT, limit);
	kheap_nl_event_send(skb, hdr, err);
}

/**
 * kheap_event_proc_exit() - announce a process that left regions behind
 * @proc: the process going away, valid for the call
 *
 * Multicasts KHEAP_NL_CMD_PROC_EXIT on the "events" group, if anyone
 * listens, with the regions and pages kheap reclaimed because the process
 * went away instead of freeing them.
 *
 * Context: process context with no kheap lock held; may sleep to
 * allocate.
 */
void kheap_event_proc_exit(const struct kheap_proc *proc)
{
	struct kheap_proc_stats st;
	struct sk_buff *skb;
	void *hdr;
	int err;

	if (!kheap_nl_events_wanted())
		return;

	kheap_stats_proc(proc, &st);
	skb = kheap_nl_event_new(KHEAP_NL_CMD_PROC_EXIT,
				 nla_total_size(sizeof(u32)) +
				 nla_total_size(TASK_COMM_LEN) +
				 nla_total_size_64bit(sizeof(u64)) * 2, &hdr);
	if (!skb)
		return;
	err = kheap_nl_put_who(skb, &st) ||
	      kheap_nl_put_u64(skb, KHEAP_NL_A_REGIONS, st.exit_regions) ||
	      kheap_nl_put_u64(skb, KHEAP_NL_A_PAGES, st.exit_pages);
	kheap_nl_event_send(skb, hdr, err);
}

/* -------------------------------------------------------- init, exit -- */

/**
 * kheap_netlink_init() - register the "kheap" generic netlink family
 *
 * Context: module init, before /dev/kheap is registered.
 * Return: 0 or the negative errno of genl_register_family().
 */
int __init kheap_netlink_init(void)
{
	return genl_register_family(&kheap_nl_family);
}

/**
 * kheap_netlink_exit() - unregister the family
 *
 * Waits for requests in flight.  Context: module exit (or init unwind),
 * after /dev/kheap is gone, so no event hook can run any more.
 */
void kheap_netlink_exit(void)
{
	genl_unregister_family(&kheap_nl_family);
}
