/*
 * Choosing the device backend where /dev/kheap does not exist: the message
 * names the way out. (On a machine with the module, the program stands in
 * for the message by aborting with the same line itself.)
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "misuse.h"

#define MESSAGE "kheap: /dev/kheap: No such file or directory (is kheap.ko " \
		"loaded? set KHEAP_BACKEND=anon to use anonymous memory)"

int main(void)
{
	struct kheap_options options = { .backend = KHEAP_BACKEND_DEVICE };

	expect(MESSAGE);
	if (access("/dev/kheap", F_OK) == 0) {
		fprintf(stderr, MESSAGE "\n");
		abort();
	}
	if (kheap_init(&options) == 0 || errno != ENOENT)
		return not_detected();
	/* Allocation fails cleanly, and the message is not repeated. */
	if (kheap_malloc(1) != NULL || errno != ENOMEM)
		return not_detected();
	abort();
}
