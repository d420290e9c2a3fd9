/* SPDX-License-Identifier: MIT */
/*
 * smart_pointers - the original API (new, alt, del) and what the checked
 * references catch. Misuse is reported through a hook here instead of the
 * default abort, so the program can show several in a row.
 */
#include <stdio.h>
#include <stdlib.h>

#include <kheap_compat.h>

static void on_error(const struct kheap_error_report *report, void *arg)
{
	(void)arg;
	printf("caught: %s\n", report->message);
}

int main(void)
{
	struct kheap_options options = {
		.on_error = KHEAP_ON_ERROR_RETURN,
		.hook = on_error,
	};
	int *numbers;
	int *alias;
	char *name;
	kheap_ref ref;

	if (kheap_init(&options) < 0) {
		perror("kheap_init");
		return EXIT_FAILURE;
	}

	if (!new(numbers, 4, int))
		return EXIT_FAILURE;
	for (int i = 0; i < 4; i++)
		numbers[i] = i * i;
	printf("new: 4 ints at %p\n", (void *)numbers);

	if (!alt(numbers, 1000, int))
		return EXIT_FAILURE;
	printf("alt: now 1000 ints at %p, kept %d %d %d %d\n", (void *)numbers,
	       numbers[0], numbers[1], numbers[2], numbers[3]);

	ref = kheap_ref_of(numbers);
	*KHEAP_REF_ELEM(ref, 999, int) = 42;
	printf("reference: element 999 = %d (checked)\n",
	       *KHEAP_REF_ELEM(ref, 999, int));
	printf("reference: element 1000 -> %p\n",
	       (void *)KHEAP_REF_ELEM(ref, 1000, int));

	if (!new(name, 5, char))
		return EXIT_FAILURE;
	name[5] = '\0';	/* off by one: hits the canary */
	printf("check: returned %d\n", kheap_check(name));
	printf("del of the damaged block: returned %d (it stays allocated)\n",
	       del(name));

	alias = numbers;
	del(numbers);
	printf("del: freed, numbers is now %p\n", (void *)numbers);
	printf("reference after del -> %p\n", (void *)KHEAP_REF_ELEM(ref, 0, int));
	printf("del again through an alias: %d\n", del(alias));
	return EXIT_SUCCESS;
}
