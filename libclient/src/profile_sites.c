/* SPDX-License-Identifier: MIT */
/*
 * profile_sites.c - the per-site profilers: "sites" (what each allocation
 * site allocated and freed) and "leaks" (blocks still live at exit,
 * grouped by site). Both count per site id in tables of their own (never
 * touched pages cost nothing); row 0 is "no site". Formats in kheap.h.
 */
#include <stdio.h>

#include "profile_builtin.h"
#include "report.h"

struct site_row {
	size_t allocations, bytes, frees, freed_bytes;
};

struct site_table {
	struct site_row rows[KH_MAX_SITES];
};

static struct site_table sites_table, leaks_table;
/* Report order, built at exit (a static: no allocation, no big stack). */
static uint32_t order[KH_MAX_SITES];

#define add(counter, n)	__atomic_add_fetch(&(counter), (n), __ATOMIC_RELAXED)
#define get(counter)	__atomic_load_n(&(counter), __ATOMIC_RELAXED)

static struct site_row *row_of(struct site_table *t,
			       const struct kheap_site *site)
{
	unsigned id = site ? site->id : 0;

	return &t->rows[id < KH_MAX_SITES ? id : 0];
}

static void site_allocated(void *arg, const void *ptr, size_t size,
			   const struct kheap_site *site)
{
	struct site_row *row = row_of(arg, site);

	(void)ptr;
	add(row->allocations, 1);
	add(row->bytes, size);
}

static void site_freed(void *arg, const void *ptr, size_t size,
		       const struct kheap_site *site)
{
	struct site_row *row = row_of(arg, site);

	(void)ptr;
	add(row->frees, 1);
	add(row->freed_bytes, size);
}

static size_t live_blocks(const struct site_row *row)
{
	size_t in = get(row->allocations), out = get(row->frees);

	return in > out ? in - out : 0;
}

static size_t live_bytes(const struct site_row *row)
{
	size_t in = get(row->bytes), out = get(row->freed_bytes);

	return in > out ? in - out : 0;
}

/*
 * Fill order[] with the ids @keep accepts, by @weight descending, ties by
 * id (first used first). Shell sort: no allocation, fine for 16384 rows.
 */
static unsigned sort_rows(const struct site_table *t,
			  size_t (*weight)(const struct site_row *),
			  bool (*keep)(const struct site_row *))
{
	unsigned n = 0;

	for (uint32_t id = 0; id < KH_MAX_SITES; id++)
		if (keep(&t->rows[id]) && (id == 0 || kh_site(id) != NULL))
			order[n++] = id;
	for (unsigned gap = n / 2; gap > 0; gap /= 2) {
		for (unsigned i = gap; i < n; i++) {
			uint32_t id = order[i];
			size_t w = weight(&t->rows[id]);
			unsigned j = i;

			while (j >= gap) {
				uint32_t prev = order[j - gap];
				size_t pw = weight(&t->rows[prev]);

				if (pw > w || (pw == w && prev < id))
					break;
				order[j] = prev;
				j -= gap;
			}
			order[j] = id;
		}
	}
	return n;
}

/* ---- sites ------------------------------------------------------------------ */

static size_t allocated_bytes(const struct site_row *row)
{
	return get(row->bytes);
}

static bool used(const struct site_row *row)
{
	return get(row->allocations) || get(row->frees);
}

static void sites_report(void *arg)
{
	struct site_table *t = arg;
	unsigned n = sort_rows(t, allocated_bytes, used);
	char name[512];

	for (unsigned i = 0; i < n; i++) {
		const struct site_row *row = &t->rows[order[i]];

		kh_log("kheap: sites: %s: %zu allocations, %zu bytes, "
		       "%zu frees, %zu live",
		       kh_profile_site_name(kh_site(order[i]), name,
					    sizeof(name)),
		       get(row->allocations), get(row->bytes), get(row->frees),
		       live_blocks(row));
	}
}

static const struct kheap_profiler sites_profiler = {
	.allocated = site_allocated,
	.freed = site_freed,
	.report = sites_report,
	.arg = &sites_table,
};

const struct kh_builtin_profiler kh_profile_sites = {
	"sites", &sites_profiler,
};

/* ---- leaks ---------------------------------------------------------------------- */

static bool leaking(const struct site_row *row)
{
	return live_blocks(row) > 0;
}

static void leaks_report(void *arg)
{
	struct site_table *t = arg;
	unsigned n = sort_rows(t, live_bytes, leaking);
	size_t blocks = 0, bytes = 0;
	char name[512];

	for (unsigned i = 0; i < n; i++) {
		blocks += live_blocks(&t->rows[order[i]]);
		bytes += live_bytes(&t->rows[order[i]]);
	}
	kh_log("kheap: leaks: %zu blocks, %zu bytes live at exit", blocks,
	       bytes);
	for (unsigned i = 0; i < n; i++) {
		const struct site_row *row = &t->rows[order[i]];

		kh_log("kheap: leaks: %zu blocks, %zu bytes allocated at %s",
		       live_blocks(row), live_bytes(row),
		       kh_profile_site_name(kh_site(order[i]), name,
					    sizeof(name)));
	}
}

static const struct kheap_profiler leaks_profiler = {
	.allocated = site_allocated,
	.freed = site_freed,
	.report = leaks_report,
	.arg = &leaks_table,
};

const struct kh_builtin_profiler kh_profile_leaks = {
	"leaks", &leaks_profiler,
};
