/* SPDX-License-Identifier: MIT */
/*
 * fault.c - guard-page faults reported as misuse.
 *
 * A large block's region lies between PROT_NONE guards (large.c), so a
 * far overflow or underflow faults at once. The handler installed here
 * recognises a fault in one of them (lock-free page-map lookups: it may
 * interrupt malloc itself), prints kheap's one line, and then lets the
 * fault take its course: the disposition the program had before the
 * library started is put back and the faulting access runs again, so
 * the process dies of SIGSEGV as it would have (or the program's own
 * handler runs). Every other SIGSEGV goes the same way untouched.
 *
 * SIGSEGV only: an access to a PROT_NONE page is always one (SEGV_ACCERR);
 * the device's SIGBUS (a region lost in a failed fork copy) is not in a
 * guard. No alternate stack of the library's own: a guard fault happens
 * on the heap, not on an exhausted stack; SA_ONSTACK uses the program's,
 * if it set one, and a stack overflow without it dies of SIGSEGV as
 * without the library.
 */
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "fault.h"
#include "large.h"
#include "report.h"

static struct sigaction previous;

/* Hand the signal on as if the library had never been installed. */
static void chain(int sig, siginfo_t *info, void *context)
{
	if (previous.sa_flags & SA_SIGINFO) {
		previous.sa_sigaction(sig, info, context);
		return;
	}
	if (previous.sa_handler == SIG_IGN && info->si_code <= 0)
		return;		/* sent, not a fault: ignored as before */
	if (previous.sa_handler == SIG_DFL || previous.sa_handler == SIG_IGN) {
		/* A fault repeats on return, to the default action; a
		 * signal sent by kill() must be raised again. Blocked in
		 * here, it is delivered as the handler returns. */
		sigaction(sig, &previous, NULL);
		if (info->si_code <= 0)
			raise(sig);
		return;
	}
	previous.sa_handler(sig);
}

static void on_segv(int sig, siginfo_t *info, void *context)
{
	static int reported;	/* once: a handler of the program's may return */
	struct kh_guard_hit hit;

	if (info->si_code > 0 && kh_large_guard_hit(info->si_addr, &hit) &&
	    !__atomic_exchange_n(&reported, 1, __ATOMIC_RELAXED)) {
		const char *addr = info->si_addr;

		if (hit.before)
			kh_report_fault(KHEAP_ERR_GUARD_UNDERFLOW, hit.start,
					hit.size, hit.site,
					(size_t)(hit.start - addr));
		else
			kh_report_fault(KHEAP_ERR_GUARD_OVERFLOW, hit.start,
					hit.size, hit.site,
					(size_t)(addr - hit.start));
	}
	chain(sig, info, context);
}

void kh_fault_init(void)
{
	struct sigaction action = {
		.sa_sigaction = on_segv,
		.sa_flags = SA_SIGINFO | SA_ONSTACK,
	};

	sigemptyset(&action.sa_mask);
	if (sigaction(SIGSEGV, NULL, &previous) == 0)
		sigaction(SIGSEGV, &action, NULL);
}
