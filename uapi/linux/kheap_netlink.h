/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kheap generic netlink family: statistics, limits and events of the kheap
 * module, for programs that would otherwise parse /proc/kheap and write
 * /sys/module/kheap/parameters/.
 *
 * Resolve the family by name (KHEAP_GENL_NAME) through the generic netlink
 * controller ("nlctrl"), and the multicast group of events by name
 * (KHEAP_GENL_MCGRP_EVENTS).  The family exists in the initial network
 * namespace only.  There is no family header beyond struct genlmsghdr;
 * its reserved field must be zero.
 *
 * Commands (requests):
 *
 *   KHEAP_NL_CMD_GET_STATS    do: the process KHEAP_NL_A_PID (required),
 *                             a thread group id in the caller's pid
 *                             namespace; ESRCH if there is no such
 *                             process, ENOENT if it holds nothing in kheap.
 *                             The reply carries the process attributes.
 *                             dump (no attributes): one such message per
 *                             row of /proc/kheap as the caller sees it.
 *                             Messages sent after a process started or
 *                             stopped using kheap mid-dump carry
 *                             NLM_F_DUMP_INTR: a row may be missing or
 *                             twice, dump again.
 *   KHEAP_NL_CMD_GET_GLOBAL   do: the global figures and the limits (no
 *                             attributes).
 *   KHEAP_NL_CMD_SET_LIMITS   do: set KHEAP_NL_A_MAX_PAGES_PER_PROCESS
 *                             and/or KHEAP_NL_A_MAX_PAGES_TOTAL (at least
 *                             one); the one left out keeps its value.
 *                             Same rules and effect as writing
 *                             /sys/module/kheap/parameters/: any value an
 *                             unsigned long holds, 0 forbids allocation,
 *                             only allocations that start later are
 *                             affected.  Needs CAP_NET_ADMIN and
 *                             CAP_SYS_ADMIN in the initial user namespace
 *                             (EPERM otherwise).
 *
 * Process attributes (GET_STATS replies): PID, COMM, REGIONS, PAGES, PEAK,
 * FAILURES, LIMIT_HITS.  Global attributes (GET_GLOBAL reply): ABI_VERSION,
 * PAGE_SIZE, REGIONS, PAGES, PEAK, ALLOCATIONS, FREES, FAILURES,
 * LIMIT_HITS, PROCESSES and the three MAX_PAGES_* limits.  The figures are
 * the ones /proc/kheap shows.
 *
 * Events (multicast group KHEAP_GENL_MCGRP_EVENTS; joining it needs
 * CAP_NET_ADMIN).  PIDs in events are in the initial pid namespace; PID
 * and COMM are left out when kheap does not know them (a forked child
 * holding copies of its parent's mappings that never used kheap itself).
 *
 *   KHEAP_NL_CMD_LIMIT_HIT    a request (ALLOC, a batch, a fork copy) was
 *                             refused by a limit (the ENOMEM counted in
 *                             limit_hits): PID, COMM, PAGES_REQUESTED,
 *                             PAGES (what the process holds), LIMIT_KIND
 *                             and LIMIT (the value of that limit).
 *   KHEAP_NL_CMD_PROC_EXIT    a process left kheap (exited, or closed its
 *                             last descriptor) and kheap reclaimed regions
 *                             it had not freed: PID, COMM, REGIONS, PAGES
 *                             (what was reclaimed).
 *
 * Errors come with an extended ack message (NLM_F_ACK_TLVS) saying what was
 * wrong, and the offending attribute when there is one.  Requests are
 * strictly validated: unknown attributes, attributes a command does not
 * take and trailing data are errors (EINVAL); values outside an attribute's
 * range are ERANGE (a pid of 0; a limit above ULONG_MAX on a 32-bit kernel).
 *
 * Extensibility: attributes and commands are only ever appended; readers
 * must ignore attributes they do not know.  KHEAP_GENL_VERSION (the
 * family's version, reported by the controller) grows when they are.
 * All 64-bit attributes are NLA_U64 (aligned with KHEAP_NL_A_PAD).
 */
#ifndef _UAPI_LINUX_KHEAP_NETLINK_H
#define _UAPI_LINUX_KHEAP_NETLINK_H

#define KHEAP_GENL_NAME		"kheap"
#define KHEAP_GENL_VERSION	1
#define KHEAP_GENL_MCGRP_EVENTS	"events"

/**
 * enum kheap_nl_cmd - commands and events of the kheap family
 * @KHEAP_NL_CMD_UNSPEC: not a command
 * @KHEAP_NL_CMD_GET_STATS: per-process figures (do: one pid; dump: all)
 * @KHEAP_NL_CMD_GET_GLOBAL: global figures and limits
 * @KHEAP_NL_CMD_SET_LIMITS: change the per-process and/or total limit
 * @KHEAP_NL_CMD_LIMIT_HIT: event: an allocation was refused by a limit
 * @KHEAP_NL_CMD_PROC_EXIT: event: a process exited holding regions
 * @__KHEAP_NL_CMD_MAX: one past the last command
 */
enum kheap_nl_cmd {
	KHEAP_NL_CMD_UNSPEC,
	KHEAP_NL_CMD_GET_STATS,
	KHEAP_NL_CMD_GET_GLOBAL,
	KHEAP_NL_CMD_SET_LIMITS,
	KHEAP_NL_CMD_LIMIT_HIT,
	KHEAP_NL_CMD_PROC_EXIT,

	__KHEAP_NL_CMD_MAX,
};

#define KHEAP_NL_CMD_MAX	(__KHEAP_NL_CMD_MAX - 1)

/**
 * enum kheap_nl_attr - attributes of the kheap family
 * @KHEAP_NL_A_UNSPEC: not an attribute
 * @KHEAP_NL_A_PAD: padding for 64-bit attributes; ignore it
 * @KHEAP_NL_A_PID: u32, a process (thread group) id
 * @KHEAP_NL_A_COMM: string, the command name captured at first open of
 *	/dev/kheap (raw; /proc/kheap shows it with blanks replaced)
 * @KHEAP_NL_A_REGIONS: u64, live regions
 * @KHEAP_NL_A_PAGES: u64, pages held by live regions
 * @KHEAP_NL_A_PEAK: u64, high-water mark of @KHEAP_NL_A_PAGES
 * @KHEAP_NL_A_FAILURES: u64, well-formed requests refused for lack of memory
 * @KHEAP_NL_A_ABI_VERSION: u32, KHEAP_ABI_VERSION of the module
 * @KHEAP_NL_A_PAGE_SIZE: u32, bytes per page
 * @KHEAP_NL_A_ALLOCATIONS: u64, regions created since load
 * @KHEAP_NL_A_FREES: u64, regions gone since load
 * @KHEAP_NL_A_PROCESSES: u64, processes known to kheap (system wide)
 * @KHEAP_NL_A_MAX_PAGES_PER_REGION: u64, largest region one ALLOC may ask for
 * @KHEAP_NL_A_MAX_PAGES_PER_PROCESS: u64, pages one process may hold
 * @KHEAP_NL_A_MAX_PAGES_TOTAL: u64, pages all processes may hold together
 * @KHEAP_NL_A_PAGES_REQUESTED: u64, size of the refused ALLOC in pages
 * @KHEAP_NL_A_LIMIT_KIND: u32, which limit refused it (enum kheap_nl_limit)
 * @KHEAP_NL_A_LIMIT: u64, the value of that limit
 * @KHEAP_NL_A_LIMIT_HITS: u64, well-formed requests refused by a limit
 * @__KHEAP_NL_A_MAX: one past the last attribute
 */
enum kheap_nl_attr {
	KHEAP_NL_A_UNSPEC,
	KHEAP_NL_A_PAD,
	KHEAP_NL_A_PID,
	KHEAP_NL_A_COMM,
	KHEAP_NL_A_REGIONS,
	KHEAP_NL_A_PAGES,
	KHEAP_NL_A_PEAK,
	KHEAP_NL_A_FAILURES,
	KHEAP_NL_A_ABI_VERSION,
	KHEAP_NL_A_PAGE_SIZE,
	KHEAP_NL_A_ALLOCATIONS,
	KHEAP_NL_A_FREES,
	KHEAP_NL_A_PROCESSES,
	KHEAP_NL_A_MAX_PAGES_PER_REGION,
	KHEAP_NL_A_MAX_PAGES_PER_PROCESS,
	KHEAP_NL_A_MAX_PAGES_TOTAL,
	KHEAP_NL_A_PAGES_REQUESTED,
	KHEAP_NL_A_LIMIT_KIND,
	KHEAP_NL_A_LIMIT,
	KHEAP_NL_A_LIMIT_HITS,

	__KHEAP_NL_A_MAX,
};

#define KHEAP_NL_A_MAX		(__KHEAP_NL_A_MAX - 1)

/**
 * enum kheap_nl_limit - values of KHEAP_NL_A_LIMIT_KIND
 * @KHEAP_NL_LIMIT_UNSPEC: not a limit
 * @KHEAP_NL_LIMIT_PER_PROCESS: max_pages_per_process
 * @KHEAP_NL_LIMIT_TOTAL: max_pages_total
 */
enum kheap_nl_limit {
	KHEAP_NL_LIMIT_UNSPEC,
	KHEAP_NL_LIMIT_PER_PROCESS,
	KHEAP_NL_LIMIT_TOTAL,
};

#endif /* _UAPI_LINUX_KHEAP_NETLINK_H */
