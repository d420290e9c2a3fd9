// SPDX-License-Identifier: GPL-2.0
/*
 * workloads: kheap's set of allocator workloads, modelled on the classic
 * allocator benchmarks from their public descriptions (larson, cfrac,
 * espresso, xmalloc-test, mstress, Hoard's cache-scratch and cache-thrash,
 * glibc's bench-malloc-thread, sh6bench, ...) and written here from
 * scratch. They call plain malloc/realloc/free, so every allocator runs the
 * very same code: glibc as is, the others through LD_PRELOAD.
 *
 *   workloads [-t THREADS] [-w WORK] NAME   run one workload, print one line
 *   workloads --list                        names, kind (st/mt), summary
 *
 * THREADS (default 2) is the number of threads of the multi-threaded
 * workloads; their work is fixed per thread, so the total grows with it.
 * WORK (default 1.0) multiplies every workload's iteration count.
 *
 * The line printed is `key=value` pairs:
 *
 *   workload=NAME threads=T ops=N seconds=S cpu_seconds=C peak_rss_kib=K checksum=0x...
 *
 * seconds is the wall time of the whole workload (its threads' start and
 * end included), cpu_seconds the process's user and system time,
 * peak_rss_kib is getrusage()'s ru_maxrss at the end, ops
 * the operations done (for throughput), checksum a digest of the data the
 * workload wrote and read back. Each workload is deterministic (fixed
 * seeds, work fixed per thread), so the checksum is the same under every
 * allocator: bench/workloads.sh checks that. Each workload also checks its
 * own data as it goes (every block carries its size and a tag, read back
 * at free); any mismatch ends the run with exit status 1 and a message.
 *
 * Build it with -fno-builtin-malloc -fno-builtin-calloc
 * -fno-builtin-realloc -fno-builtin-free (as the Makefile does): the
 * compiler then cannot drop or merge the calls, and every allocator gets
 * exactly the calls written here.
 *
 * Why one file: the workloads share the harness (random numbers, block
 * stamps, threads, timing, RSS, output), and one binary with one table
 * keeps the set, its names and their one-line summaries in one place for
 * bench/workloads.sh (`--list`). Each workload is a section with a header
 * comment saying what it models and what it stresses.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* ------------------------------------------------------------ harness -- */

static unsigned nthreads = 2;
static double work = 1.0;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("workloads: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* An iteration count scaled by -w, never below one. */
static long scaled(long n)
{
	double v = n * work;

	return v < 1 ? 1 : (long)v;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* xorshift64*, seeded through splitmix64: one stream per thread. */
struct rng {
	uint64_t s;
};

static struct rng rng_make(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (struct rng){ z ? z : 1 };
}

static inline uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

/* Uniform in [lo, hi]. */
static inline size_t rng_range(struct rng *r, size_t lo, size_t hi)
{
	return lo + rng_next(r) % (hi - lo + 1);
}

/* Roughly log-uniform in [lo, hi): a uniform octave, uniform within it. */
static inline size_t rng_log(struct rng *r, size_t lo, size_t hi)
{
	unsigned octaves = 0;
	uint64_t x = rng_next(r);
	size_t base;

	while ((lo << (octaves + 1)) <= hi)
		octaves++;
	if (!octaves)
		return lo + x % (hi - lo);
	base = lo << (x % octaves);
	return base + (x >> 16) % base;
}

static void *xmalloc(size_t size)
{
	void *p = malloc(size);

	if (!p)
		die("malloc(%zu) failed", size);
	return p;
}

static void *xrealloc(void *old, size_t size)
{
	void *p = realloc(old, size);

	if (!p)
		die("realloc(%zu) failed", size);
	return p;
}

/*
 * Every block's address passes through here, so the compiler can never
 * prove a malloc/free pair dead and drop it. One per thread: a shared one
 * would be a cache line every thread writes on every allocation, which
 * would measure the workload's own sharing, not the allocator's.
 */
static __thread void *volatile sink;

/* Damage seen when reading blocks back; any makes the run fail. */
static atomic_ulong corrupt;

static void corruption(void)
{
	atomic_fetch_add_explicit(&corrupt, 1, memory_order_relaxed);
}

/*
 * A stamped block (at least STAMP_MIN bytes) starts with its size and a
 * tag and ends with a byte derived from the tag. unstamp() reads them back
 * at free: the sums of tags written and read must agree, and every size
 * and last byte must be right, which no allocator can satisfy without
 * handing out the whole block.
 */
enum { STAMP_MIN = 16 };

static inline unsigned char tail_byte(uint64_t tag)
{
	return (unsigned char)(tag ^ (tag >> 29) ^ 0xa5);
}

static inline void stamp(void *p, size_t size, uint64_t tag)
{
	uint64_t *h = p;

	h[0] = size;
	h[1] = tag;
	if (size > STAMP_MIN)
		((unsigned char *)p)[size - 1] = tail_byte(tag);
	sink = p;
}

static inline uint64_t unstamp(const void *p)
{
	const uint64_t *h = p;
	uint64_t size = h[0], tag = h[1];

	if (size < STAMP_MIN || size > (1ull << 40) ||
	    (size > STAMP_MIN && ((const unsigned char *)p)[size - 1] != tail_byte(tag)))
		corruption();
	return tag;
}

/* A new stamped block of SIZE bytes; its tag is added to *written. */
static inline void *stamped(size_t size, uint64_t tag, uint64_t *written)
{
	void *p = xmalloc(size);

	stamp(p, size, tag);
	*written += tag;
	return p;
}

/* Frees a stamped block (NULL is fine); its tag is added to *read. */
static inline void unstamped_free(void *p, uint64_t *read)
{
	if (!p)
		return;
	*read += unstamp(p);
	free(p);
}

/* What a workload hands back: the work done and the proof it was done. */
struct result {
	uint64_t ops;
	uint64_t checksum;
};

/* Written and read tag sums of a whole run: equal, or the run fails. */
static struct result tally(uint64_t ops, uint64_t written, uint64_t read)
{
	if (written != read)
		die("tags written (0x%llx) and read back (0x%llx) differ",
		    (unsigned long long)written, (unsigned long long)read);
	return (struct result){ ops, written };
}

static void spawn(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	int err = pthread_create(thread, NULL, fn, arg);

	if (err)
		die("pthread_create: %s", strerror(err));
}

/* Runs fn(arg + i * size) on N threads and waits for them all. */
static void run_threads(unsigned n, void *(*fn)(void *), void *arg, size_t size)
{
	pthread_t *thread = xmalloc(n * sizeof(*thread));

	for (unsigned i = 0; i < n; i++)
		spawn(&thread[i], fn, (char *)arg + i * size);
	for (unsigned i = 0; i < n; i++)
		pthread_join(thread[i], NULL);
	free(thread);
}

/* Per-thread state of the workloads that keep one: tags and ops. */
struct worker {
	unsigned index;
	struct rng rng;
	uint64_t written, read, ops;
	char pad[64];		/* keep workers' counters off each other's lines */
};

static struct worker *workers_make(unsigned n, uint64_t seed)
{
	struct worker *w = xmalloc(n * sizeof(*w));

	for (unsigned i = 0; i < n; i++)
		w[i] = (struct worker){ .index = i, .rng = rng_make(seed * 1000 + i) };
	return w;
}

static struct result workers_tally(struct worker *w, unsigned n)
{
	uint64_t ops = 0, written = 0, read = 0;

	for (unsigned i = 0; i < n; i++) {
		ops += w[i].ops;
		written += w[i].written;
		read += w[i].read;
	}
	free(w);
	return tally(ops, written, read);
}

/* --------------------------------------------------------------- pair -- */

/*
 * pair16, pair256, pair4096: malloc(N) + free in a tight loop, one thread,
 * the block stamped and read back. The allocator's fast path and nothing
 * else; at 4096 B also what it does with a page-sized block.
 */
static struct result pair(size_t size, long count)
{
	uint64_t written = 0, read = 0;
	long rounds = scaled(count);

	for (long i = 0; i < rounds; i++)
		unstamped_free(stamped(size, (uint64_t)i * 0x9e3779b97f4a7c15ull, &written), &read);
	return tally(rounds, written, read);
}

static struct result run_pair16(void)
{
	return pair(16, 40000000);
}

static struct result run_pair256(void)
{
	return pair(256, 40000000);
}

static struct result run_pair4096(void)
{
	return pair(4096, 12000000);
}

/* ------------------------------------------------------------- larson -- */

/*
 * larson: the server simulation of Larson and Krishnan. Each of THREADS
 * lanes owns an array of slots, filled first by the main thread; a lane's
 * thread repeatedly frees a random slot and puts a new block of a random
 * size (16..1000 B) into it, and after a fixed number of such steps starts
 * a new thread that takes the array over and exits. The slot count (5000)
 * is the classic runs'; a thread's life is 10 times as many steps (the
 * classic runs make it 100 times, and time-bounded), so about a tenth of
 * the frees are of blocks another thread allocated, and threads come and
 * go several hundred times a second: remote frees, thread heaps abandoned
 * and adopted, under steady small-size churn with a live set of 2.5 MB
 * per thread.
 */
enum { LARSON_SLOTS = 5000, LARSON_STEPS = 50000, LARSON_MIN = 16, LARSON_MAX = 1000 };

struct larson_lane {
	void *slot[LARSON_SLOTS];
	struct rng rng;
	uint64_t written, read, ops;
	long generations;	/* threads still to run on this lane */
	pthread_t prev;		/* the thread that started this one */
	int has_prev;
	pthread_t last;		/* the lane's last thread, for main to join */
	sem_t done;
};

static void *larson_thread(void *arg)
{
	struct larson_lane *lane = arg;
	pthread_t next;

	if (lane->has_prev)
		pthread_join(lane->prev, NULL);
	for (long i = 0; i < LARSON_STEPS; i++) {
		uint64_t r = rng_next(&lane->rng);
		size_t victim = r % LARSON_SLOTS;
		size_t size = LARSON_MIN + (r >> 32) % (LARSON_MAX - LARSON_MIN + 1);

		unstamped_free(lane->slot[victim], &lane->read);
		lane->slot[victim] = stamped(size, r, &lane->written);
	}
	lane->ops += LARSON_STEPS;
	if (--lane->generations > 0) {
		lane->prev = pthread_self();
		lane->has_prev = 1;
		spawn(&next, larson_thread, lane);
	} else {
		lane->last = pthread_self();
		sem_post(&lane->done);
	}
	return NULL;
}

static struct result run_larson(void)
{
	struct larson_lane *lane = xmalloc(nthreads * sizeof(*lane));
	uint64_t ops = 0, written = 0, read = 0;
	pthread_t first;

	for (unsigned i = 0; i < nthreads; i++) {
		struct larson_lane *l = &lane[i];

		memset(l, 0, sizeof(*l));
		l->rng = rng_make(100 + i);
		l->generations = scaled(80);
		sem_init(&l->done, 0, 0);
		for (size_t s = 0; s < LARSON_SLOTS; s++)
			l->slot[s] = stamped(rng_range(&l->rng, LARSON_MIN, LARSON_MAX),
					     rng_next(&l->rng), &l->written);
	}
	for (unsigned i = 0; i < nthreads; i++)
		spawn(&first, larson_thread, &lane[i]);
	for (unsigned i = 0; i < nthreads; i++) {
		struct larson_lane *l = &lane[i];

		while (sem_wait(&l->done))
			;
		pthread_join(l->last, NULL);
		for (size_t s = 0; s < LARSON_SLOTS; s++)
			unstamped_free(l->slot[s], &l->read);
		sem_destroy(&l->done);
		ops += l->ops;
		written += l->written;
		read += l->read;
	}
	free(lane);
	return tally(ops, written, read);
}

/* -------------------------------------------------------------- cfrac -- */

/*
 * cfrac: the heart of the continued-fraction factoring program: expand
 * sqrt(N) as a continued fraction for a 200-bit N with arbitrary-precision
 * integers, keep the convergents P mod N, trial-divide every Q by small
 * primes (the factor base) and check the identity P(k-1)^2 = (-1)^k Q(k)
 * (mod N) at every step. Every bignum operation returns a newly allocated
 * number and its operands are freed as soon as they are dead, as in a
 * bignum library without in-place operations: one thread, a very high
 * rate of short-lived allocations of 8 to 64 bytes.
 */
struct bn {
	uint32_t len;		/* digits in use; zero has none */
	uint32_t d[];		/* base 2^32, least significant first */
};

static struct bn *bn_alloc(uint32_t len)
{
	struct bn *b = xmalloc(sizeof(*b) + len * sizeof(b->d[0]));

	b->len = len;
	return b;
}

static struct bn *bn_trim(struct bn *b)
{
	while (b->len && !b->d[b->len - 1])
		b->len--;
	return b;
}

static struct bn *bn_u64(uint64_t v)
{
	struct bn *b = bn_alloc(2);

	b->d[0] = (uint32_t)v;
	b->d[1] = (uint32_t)(v >> 32);
	return bn_trim(b);
}

static struct bn *bn_copy(const struct bn *a)
{
	struct bn *b = bn_alloc(a->len);

	memcpy(b->d, a->d, a->len * sizeof(a->d[0]));
	return b;
}

static int bn_cmp(const struct bn *a, const struct bn *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	for (uint32_t i = a->len; i-- > 0;)
		if (a->d[i] != b->d[i])
			return a->d[i] < b->d[i] ? -1 : 1;
	return 0;
}

static unsigned bn_bits(const struct bn *a)
{
	return a->len ? 32 * a->len - __builtin_clz(a->d[a->len - 1]) : 0;
}

static struct bn *bn_add(const struct bn *a, const struct bn *b)
{
	const struct bn *big = a->len >= b->len ? a : b, *small = big == a ? b : a;
	struct bn *r = bn_alloc(big->len + 1);
	uint64_t carry = 0;

	for (uint32_t i = 0; i < big->len; i++) {
		carry += (uint64_t)big->d[i] + (i < small->len ? small->d[i] : 0);
		r->d[i] = (uint32_t)carry;
		carry >>= 32;
	}
	r->d[big->len] = (uint32_t)carry;
	return bn_trim(r);
}

/* a - b, for a >= b. */
static struct bn *bn_sub(const struct bn *a, const struct bn *b)
{
	struct bn *r = bn_alloc(a->len);
	int64_t borrow = 0;

	for (uint32_t i = 0; i < a->len; i++) {
		int64_t v = (int64_t)a->d[i] - (i < b->len ? b->d[i] : 0) - borrow;

		borrow = v < 0;
		r->d[i] = (uint32_t)(v + (borrow << 32));
	}
	return bn_trim(r);
}

static struct bn *bn_mul(const struct bn *a, const struct bn *b)
{
	struct bn *r = bn_alloc(a->len + b->len);

	memset(r->d, 0, r->len * sizeof(r->d[0]));
	for (uint32_t i = 0; i < a->len; i++) {
		uint64_t carry = 0;

		for (uint32_t j = 0; j < b->len; j++) {
			carry += (uint64_t)a->d[i] * b->d[j] + r->d[i + j];
			r->d[i + j] = (uint32_t)carry;
			carry >>= 32;
		}
		r->d[i + b->len] = (uint32_t)carry;
	}
	return bn_trim(r);
}

static struct bn *bn_shl(const struct bn *a, unsigned bits)
{
	unsigned words = bits / 32, shift = bits % 32;
	struct bn *r = bn_alloc(a->len + words + 1);

	memset(r->d, 0, r->len * sizeof(r->d[0]));
	for (uint32_t i = 0; i < a->len; i++) {
		uint64_t v = (uint64_t)a->d[i] << shift;

		r->d[i + words] |= (uint32_t)v;
		r->d[i + words + 1] = (uint32_t)(v >> 32);
	}
	return bn_trim(r);
}

/*
 * a mod m by shift and subtract, every shifted divisor and every partial
 * remainder a new number; the quotient in *quot, which must fit 64 bits
 * when asked for.
 */
static struct bn *bn_divmod(const struct bn *a, const struct bn *m, uint64_t *quot)
{
	struct bn *r = bn_copy(a);
	int top = (int)bn_bits(a) - (int)bn_bits(m);
	uint64_t q = 0;

	if (quot && top >= 64)
		die("cfrac: partial quotient beyond 64 bits");
	for (int s = top; s >= 0; s--) {
		struct bn *t = bn_shl(m, (unsigned)s);

		if (bn_cmp(r, t) >= 0) {
			struct bn *n = bn_sub(r, t);

			free(r);
			r = n;
			q |= 1ull << (s & 63);
		}
		free(t);
	}
	if (quot)
		*quot = q;
	return r;
}

/* a / p into a new number, the remainder returned. */
static uint32_t bn_div_small(const struct bn *a, uint32_t p, struct bn **quot)
{
	struct bn *q = bn_alloc(a->len);
	uint64_t rem = 0;

	for (uint32_t i = a->len; i-- > 0;) {
		rem = rem << 32 | a->d[i];
		q->d[i] = (uint32_t)(rem / p);
		rem %= p;
	}
	*quot = bn_trim(q);
	return (uint32_t)rem;
}

/* floor(sqrt(n)), bit by bit. */
static struct bn *bn_isqrt(const struct bn *n)
{
	struct bn *x = bn_alloc(0), *one = bn_u64(1);

	for (int bit = (int)bn_bits(n) / 2 + 1; bit >= 0; bit--) {
		struct bn *b = bn_shl(one, (unsigned)bit), *t = bn_add(x, b), *sq = bn_mul(t, t);

		if (bn_cmp(sq, n) <= 0) {
			free(x);
			x = t;
		} else {
			free(t);
		}
		free(b);
		free(sq);
	}
	free(one);
	return x;
}

/* Whether q factors completely over the first primes (its trial divisions). */
static int cfrac_smooth(const struct bn *q)
{
	static const uint32_t primes[] = {
		2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53,
		59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113,
	};
	struct bn *r = bn_copy(q), *quot;
	int smooth;

	for (size_t i = 0; i < sizeof(primes) / sizeof(primes[0]); i++) {
		while (r->len && bn_div_small(r, primes[i], &quot) == 0) {
			free(r);
			r = quot;
		}
		if (r->len)	/* the last quotient, not taken */
			free(quot);
	}
	smooth = r->len == 1 && r->d[0] == 1;
	free(r);
	return smooth;
}

static struct result run_cfrac(void)
{
	/* A 200-bit odd number that is no square (checked below). */
	static const uint32_t digits[] = {
		0x2b9c1e37, 0x8f41d6a5, 0x5e7a93c1, 0xc03f8b27,
		0x91d4e6f3, 0x3a7c5e19, 0xb5,
	};
	long steps = scaled(30000);
	struct bn *n = bn_alloc(7);
	uint64_t a, hash = 0, smooth = 0;

	memcpy(n->d, digits, sizeof(digits));
	struct bn *a0 = bn_isqrt(n), *a0sq = bn_mul(a0, a0);
	struct bn *m = bn_copy(a0);			/* m(1) */
	struct bn *d = bn_sub(n, a0sq);			/* d(1) */
	struct bn *dprev = bn_u64(1);			/* d(0) */
	struct bn *p = bn_copy(a0);			/* P(0) */
	struct bn *pprev = bn_u64(1);			/* P(-1) */
	struct bn *twice = bn_add(a0, m), *rem;

	free(a0sq);
	if (!d->len)
		die("cfrac: N is a square");
	rem = bn_divmod(twice, d, &a);			/* a(1) */
	free(twice);
	free(rem);

	for (long k = 1; k <= steps; k++) {
		/* P(k-1)^2 mod N is d(k) for even k, N - d(k) for odd k. */
		struct bn *sq = bn_mul(p, p), *left = bn_divmod(sq, n, NULL);
		struct bn *right = k % 2 ? bn_sub(n, d) : bn_copy(d);

		if (bn_cmp(left, right))
			corruption();
		free(sq);
		free(left);
		free(right);
		smooth += cfrac_smooth(d);

		/* P(k) = a(k) P(k-1) + P(k-2) mod N */
		struct bn *ak = bn_u64(a), *ap = bn_mul(ak, p), *sum = bn_add(ap, pprev);
		struct bn *pnext = bn_divmod(sum, n, NULL);

		free(ap);
		free(sum);
		free(pprev);
		pprev = p;
		p = pnext;

		/* m(k+1) = a(k) d(k) - m(k); d(k+1) = d(k-1) + a(k) (m(k) - m(k+1)) */
		struct bn *ad = bn_mul(ak, d), *mnext = bn_sub(ad, m), *dnext;

		if (bn_cmp(m, mnext) >= 0) {
			struct bn *diff = bn_sub(m, mnext), *step = bn_mul(ak, diff);

			dnext = bn_add(dprev, step);
			free(diff);
			free(step);
		} else {
			struct bn *diff = bn_sub(mnext, m), *step = bn_mul(ak, diff);

			dnext = bn_sub(dprev, step);
			free(diff);
			free(step);
		}
		free(ad);
		free(ak);
		free(m);
		free(dprev);
		m = mnext;
		dprev = d;
		d = dnext;

		/* a(k+1) = floor((a0 + m(k+1)) / d(k+1)) */
		twice = bn_add(a0, m);
		rem = bn_divmod(twice, d, &a);
		free(twice);
		free(rem);
		hash = (hash * 0x100000001b3ull) ^ a ^ (uint64_t)p->d[0] << 32;
	}
	free(n);
	free(a0);
	free(m);
	free(d);
	free(dprev);
	free(p);
	free(pprev);
	return (struct result){ (uint64_t)steps, hash ^ smooth << 48 };
}

/* ----------------------------------------------------------- espresso -- */

/*
 * espresso: the shape of the logic minimizer's heap: covers, arrays of
 * cubes (bit sets a few words long), rebuilt on every pass from the last
 * one, grown with realloc as cubes are added; some cubes themselves grown
 * with realloc; and each new cover printed into a text buffer that grows
 * with realloc, then hashed. Every 200 passes a new "problem" starts with
 * another cube width. One thread, mixed sizes (8 B to tens of KiB),
 * frequent realloc of small and medium blocks.
 */
struct cube {
	uint32_t words;
	uint32_t w[];
};

struct cover {
	size_t n, cap;
	struct cube **c;
};

static struct cube *cube_new(uint32_t words)
{
	struct cube *c = xmalloc(sizeof(*c) + words * sizeof(c->w[0]));

	c->words = words;
	return c;
}

static void cover_add(struct cover *f, struct cube *c)
{
	if (f->n == f->cap) {
		f->cap += f->cap / 2 + 4;
		f->c = xrealloc(f->c, f->cap * sizeof(f->c[0]));
	}
	f->c[f->n++] = c;
}

static void cover_free(struct cover *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->c[i]);
	free(f->c);
	*f = (struct cover){ 0 };
}

static struct cube *cube_random(struct rng *r, uint32_t words)
{
	struct cube *c = cube_new(words);

	for (uint32_t i = 0; i < words; i++)
		c->w[i] = (uint32_t)rng_next(r) | (uint32_t)rng_next(r);
	return c;
}

static struct result run_espresso(void)
{
	struct rng r = rng_make(7);
	struct cover f = { 0 };
	long passes = scaled(4000);
	uint32_t width = 0;
	size_t target = 300;
	uint64_t hash = 0;

	for (long pass = 0; pass < passes; pass++) {
		if (pass % 200 == 0) {	/* a new problem */
			cover_free(&f);
			width = (uint32_t)rng_range(&r, 2, 12);
			for (size_t i = 0; i < target; i++)
				cover_add(&f, cube_random(&r, width));
		}
		struct cube *mask = cube_random(&r, width);
		struct cover g = { 0 };

		/* The new cover: each cube merged with its neighbour under the mask. */
		for (size_t i = 0; i < f.n; i++) {
			const struct cube *x = f.c[i], *y = f.c[(i + 1) % f.n];
			uint32_t words = x->words < y->words ? x->words : y->words;
			struct cube *c = cube_new(words);
			unsigned bits = 0;

			for (uint32_t j = 0; j < words; j++) {
				uint32_t mw = mask->w[j % mask->words];

				c->w[j] = (x->w[j] & mw) | (y->w[j] & ~mw);
				bits += __builtin_popcount(c->w[j]);
			}
			if (bits % 5 == 0) {		/* a cube that vanishes */
				free(c);
				continue;
			}
			if (bits % 7 == 0 && words < 24) {	/* one that grows */
				c = xrealloc(c, sizeof(*c) + (words + 2) * sizeof(c->w[0]));
				c->w[words] = ~c->w[0];
				c->w[words + 1] = c->w[words - 1] ^ mask->w[0];
				c->words = words + 2;
			}
			cover_add(&g, c);
		}
		free(mask);
		/* Keep the cover's size wandering between 100 and 500 cubes. */
		target = (size_t)rng_range(&r, target > 120 ? target - 20 : 100,
					   target < 480 ? target + 20 : 500);
		while (g.n < target)
			cover_add(&g, cube_random(&r, width));
		while (g.n > target)
			free(g.c[--g.n]);

		/* Print it: a buffer grown by realloc as the text comes. */
		char *text = NULL;
		size_t len = 0, cap = 0;

		for (size_t i = 0; i < g.n; i++) {
			const struct cube *c = g.c[i];

			if (cap - len < 9 * c->words + 2) {
				cap += cap / 4 + 64 + 9 * c->words;
				text = xrealloc(text, cap);
			}
			for (uint32_t j = 0; j < c->words; j++) {
				for (int nibble = 7; nibble >= 0; nibble--)
					text[len++] = "0123456789abcdef"[c->w[j] >> (4 * nibble) & 15];
				text[len++] = ' ';
			}
			text[len++] = '\n';
		}
		for (size_t i = 0; i < len; i++)
			hash = (hash ^ (unsigned char)text[i]) * 0x100000001b3ull;
		free(text);
		cover_free(&f);
		f = g;
	}
	cover_free(&f);
	return (struct result){ (uint64_t)passes, hash };
}

/* -------------------------------------------------------------- large -- */

/*
 * large: a window of 4 large blocks, each step replacing a random one with
 * a block of 32 KiB to 4 MiB (log-uniform), one word written in every
 * 4 KiB page of it (the page's tag) and read back before the block is
 * freed. One word per page, not every byte: what is measured is how the
 * allocator gets, reuses and gives back large blocks (mmap, munmap,
 * madvise, page faults, clearing), not memory bandwidth, which would be
 * the same under every allocator. One thread.
 */
enum { LARGE_WINDOW = 4, PAGE = 4096 };

static struct result run_large(void)
{
	struct rng r = rng_make(11);
	char *block[LARGE_WINDOW] = { 0 };
	size_t length[LARGE_WINDOW] = { 0 };
	uint64_t written = 0, read = 0;
	long steps = scaled(6000);

	for (long step = 0; step < steps + LARGE_WINDOW; step++) {
		/* The last LARGE_WINDOW steps only free. */
		size_t slot = step < steps ? rng_next(&r) % LARGE_WINDOW : (size_t)(step - steps);

		if (block[slot]) {
			for (size_t off = 0; off + sizeof(uint64_t) <= length[slot]; off += PAGE)
				read += *(uint64_t *)(block[slot] + off);
			free(block[slot]);
			block[slot] = NULL;
		}
		if (step >= steps)
			continue;
		size_t size = rng_log(&r, 32 << 10, 4 << 20);
		uint64_t tag = rng_next(&r);
		char *p = xmalloc(size);

		for (size_t off = 0; off + sizeof(uint64_t) <= size; off += PAGE) {
			*(uint64_t *)(p + off) = tag + off;
			written += tag + off;
		}
		sink = p;
		block[slot] = p;
		length[slot] = size;
	}
	return tally((uint64_t)steps, written, read);
}

/* ------------------------------------------------------ mixed-realloc -- */

/*
 * mixed-realloc: the live set of malloc_bench's `mixed` (20,000 slots,
 * sizes mostly 16..512 B, some to 4 KiB, a few to 32 KiB, every block
 * written whole) where half of the steps resize a random block with
 * realloc instead of replacing it: growing writes the new bytes, and the
 * kept ones are checked. One thread: the heap of a typical C program that
 * builds strings and arrays.
 */
enum { MIXED_SLOTS = 20000 };

static size_t mixed_size(struct rng *r)
{
	uint64_t x = rng_next(r);

	switch (x % 16) {
	case 0:
		return 4096 + (x >> 8) % 28672;		/* 4..32 KiB */
	case 1: case 2: case 3:
		return 512 + (x >> 8) % 3584;		/* 512 B..4 KiB */
	default:
		return 16 + (x >> 8) % 497;		/* 16..512 B */
	}
}

static struct result run_mixed_realloc(void)
{
	struct rng r = rng_make(13);
	char **block = xmalloc(MIXED_SLOTS * sizeof(*block));
	size_t *length = xmalloc(MIXED_SLOTS * sizeof(*length));
	uint64_t written = 0, read = 0;
	long steps = scaled(1000000);

	memset(block, 0, MIXED_SLOTS * sizeof(*block));
	for (long step = 0; step < steps; step++) {
		uint64_t x = rng_next(&r);
		size_t slot = x % MIXED_SLOTS, size = mixed_size(&r);
		uint64_t tag = x >> 8;
		char *p = block[slot];

		if (p && (x >> 40) % 2) {		/* resize, keeping the tag */
			size_t old = length[slot], keep = old < size ? old : size;

			tag = unstamp(p);
			p = xrealloc(p, size);
			/* A byte realloc had to keep, past the stamp, before the tail. */
			if (keep > STAMP_MIN + 1 && p[STAMP_MIN + (keep - STAMP_MIN - 1) / 2] != (char)tag)
				corruption();
			if (size > old)	/* the new bytes, and the old tail byte */
				memset(p + old - 1, (char)tag, size - old + 1);
		} else {
			unstamped_free(p, &read);
			p = xmalloc(size);
			memset(p, (char)tag, size);
			written += tag;
		}
		stamp(p, size, tag);
		block[slot] = p;
		length[slot] = size;
	}
	for (size_t slot = 0; slot < MIXED_SLOTS; slot++)
		unstamped_free(block[slot], &read);
	free(block);
	free(length);
	return tally((uint64_t)steps, written, read);
}

/* ------------------------------------------------------------ xmalloc -- */

/*
 * xmalloc: the producer/consumer test of xmalloc-test: half of THREADS
 * (at least one) allocate blocks of 16..256 B and pass them, 64 to a
 * batch, through one mutex-protected queue to the other half, which free
 * them. Every block and every batch is freed by another thread than the
 * one that allocated it, with waits on the queue: remote frees in bulk.
 */
enum { XM_BATCH = 64, XM_QUEUE_MAX = 64, XM_WAKE = 8 };

struct xm_batch {
	struct xm_batch *next;
	void *block[XM_BATCH];
};

/*
 * The queue wakes a sleeper only when it has something worth waking for
 * (a consumer when XM_WAKE batches wait, a producer when the queue is half
 * empty), so the threads do not ping-pong on every batch: without that the
 * run time swung tenfold with how the scheduler happened to interleave
 * them.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t more, room;
	struct xm_batch *head, *tail;
	unsigned queued, producers_left, more_waiters, room_waiters;
} xm = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.more = PTHREAD_COND_INITIALIZER,
	.room = PTHREAD_COND_INITIALIZER,
};

static void *xm_producer(void *arg)
{
	struct worker *w = arg;
	long batches = scaled(80000);

	for (long b = 0; b < batches; b++) {
		struct xm_batch *batch = xmalloc(sizeof(*batch));

		batch->next = NULL;
		for (int i = 0; i < XM_BATCH; i++) {
			uint64_t x = rng_next(&w->rng);

			batch->block[i] = stamped(16 + x % 241, x, &w->written);
		}
		w->ops += XM_BATCH;
		pthread_mutex_lock(&xm.lock);
		while (xm.queued >= XM_QUEUE_MAX) {
			xm.room_waiters++;
			pthread_cond_wait(&xm.room, &xm.lock);
			xm.room_waiters--;
		}
		if (xm.tail)
			xm.tail->next = batch;
		else
			xm.head = batch;
		xm.tail = batch;
		xm.queued++;
		if (xm.more_waiters && xm.queued >= XM_WAKE)
			pthread_cond_signal(&xm.more);
		pthread_mutex_unlock(&xm.lock);
	}
	pthread_mutex_lock(&xm.lock);
	xm.producers_left--;
	pthread_cond_broadcast(&xm.more);
	pthread_mutex_unlock(&xm.lock);
	return NULL;
}

static void *xm_consumer(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		pthread_mutex_lock(&xm.lock);
		while (!xm.head && xm.producers_left) {
			xm.more_waiters++;
			pthread_cond_wait(&xm.more, &xm.lock);
			xm.more_waiters--;
		}
		struct xm_batch *batch = xm.head;

		if (batch) {
			xm.head = batch->next;
			if (!xm.head)
				xm.tail = NULL;
			xm.queued--;
			if (xm.room_waiters && xm.queued <= XM_QUEUE_MAX / 2)
				pthread_cond_broadcast(&xm.room);
		}
		pthread_mutex_unlock(&xm.lock);
		if (!batch)
			return NULL;
		for (int i = 0; i < XM_BATCH; i++)
			unstamped_free(batch->block[i], &w->read);
		free(batch);
	}
}

static void *xm_thread(void *arg)
{
	struct worker *w = arg;
	unsigned producers = nthreads < 2 ? 1 : nthreads / 2;

	return w->index < producers ? xm_producer(w) : xm_consumer(w);
}

static struct result run_xmalloc(void)
{
	unsigned n = nthreads < 2 ? 2 : nthreads;
	struct worker *w = workers_make(n, 17);

	xm.producers_left = n / 2;
	run_threads(n, xm_thread, w, sizeof(*w));
	return workers_tally(w, n);
}

/* ------------------------------------------------------------ mstress -- */

/*
 * mstress: a multi-threaded stress test in the manner of mimalloc's:
 * THREADS threads each keep 1000 live blocks of random sizes (mostly
 * 16..256 B, one in ten up to 4 KiB, one in a hundred up to 64 KiB) and
 * replace random ones; one step in eight instead swaps a block with a
 * random slot of an array shared by all threads, so blocks wander between
 * threads and are freed, at random sizes, by threads that did not
 * allocate them.
 */
enum { MS_SLOTS = 1000, MS_SHARED = 256 };

static void *_Atomic ms_shared[MS_SHARED];

static size_t mstress_size(struct rng *r)
{
	uint64_t x = rng_next(r);

	switch (x % 100) {
	case 0:
		return 4096 + (x >> 8) % 61441;		/* 4..64 KiB */
	case 1 ... 10:
		return 256 + (x >> 8) % 3841;		/* 256 B..4 KiB */
	default:
		return 16 + (x >> 8) % 241;		/* 16..256 B */
	}
}

static void *mstress_thread(void *arg)
{
	struct worker *w = arg;
	void **slot = xmalloc(MS_SLOTS * sizeof(*slot));
	long steps = scaled(2500000);

	for (size_t s = 0; s < MS_SLOTS; s++)
		slot[s] = stamped(mstress_size(&w->rng), rng_next(&w->rng), &w->written);
	for (long step = 0; step < steps; step++) {
		uint64_t x = rng_next(&w->rng);
		size_t s = x % MS_SLOTS;

		if ((x >> 32) % 8 == 0) {
			slot[s] = atomic_exchange(&ms_shared[(x >> 40) % MS_SHARED], slot[s]);
		} else {
			unstamped_free(slot[s], &w->read);
			slot[s] = stamped(mstress_size(&w->rng), x, &w->written);
		}
	}
	for (size_t s = 0; s < MS_SLOTS; s++)
		unstamped_free(slot[s], &w->read);
	free(slot);
	w->ops = (uint64_t)steps;
	return NULL;
}

static struct result run_mstress(void)
{
	struct worker *w = workers_make(nthreads, 19);
	uint64_t read = 0;

	run_threads(nthreads, mstress_thread, w, sizeof(*w));
	for (size_t i = 0; i < MS_SHARED; i++)
		unstamped_free(atomic_exchange(&ms_shared[i], NULL), &read);
	w[0].read += read;
	return workers_tally(w, nthreads);
}

/* ------------------------------------------ cache-scratch, cache-thrash -- */

/*
 * cache-scratch and cache-thrash: Hoard's false-sharing tests. Each thread
 * repeatedly allocates an 8-byte object, writes every byte of it 5,000
 * times and frees it. In cache-thrash that is all: an allocator that puts
 * different threads' small objects on one cache line (active false
 * sharing) makes every write a cache miss. In cache-scratch the main
 * thread first allocates one object per thread, back to back, and each
 * thread begins by freeing its own: an allocator that hands that freed
 * object back to the thread (passive false sharing) puts the threads on
 * one line again. Nearly all time is the writes; what the allocator
 * decides is whether they miss.
 */
enum { CACHE_OBJ = 8, CACHE_WRITES = 5000 };

static void *cache_first[64];

static void *cache_thread(void *arg)
{
	struct worker *w = arg;
	long iterations = scaled(8000);

	if (cache_first[w->index % 64]) {
		free(cache_first[w->index % 64]);
		cache_first[w->index % 64] = NULL;
	}
	for (long i = 0; i < iterations; i++) {
		volatile unsigned char *p = xmalloc(CACHE_OBJ);

		for (int b = 0; b < CACHE_OBJ; b++)
			p[b] = 0;
		for (int rep = 0; rep < CACHE_WRITES; rep++)
			for (int b = 0; b < CACHE_OBJ; b++)
				p[b]++;
		for (int b = 0; b < CACHE_OBJ; b++)
			w->read += p[b];
		w->written += CACHE_OBJ * (CACHE_WRITES & 0xff);
		free((void *)p);
	}
	w->ops = (uint64_t)iterations;
	return NULL;
}

static struct result cache(int scratch)
{
	struct worker *w = workers_make(nthreads, 23);

	for (unsigned i = 0; scratch && i < nthreads && i < 64; i++)
		cache_first[i] = xmalloc(CACHE_OBJ);
	run_threads(nthreads, cache_thread, w, sizeof(*w));
	for (unsigned i = 0; i < 64; i++)	/* threads beyond 64 took none */
		free(cache_first[i]);
	return workers_tally(w, nthreads);
}

static struct result run_cache_scratch(void)
{
	return cache(1);
}

static struct result run_cache_thrash(void)
{
	return cache(0);
}

/* ------------------------------------------------------- glibc-thread -- */

/*
 * glibc-thread: in the manner of glibc's bench-malloc-thread: THREADS
 * threads, each replacing random blocks of its own working set of 1000 by
 * blocks of a random size, roughly log-uniform from 16 B to 32 KiB (so
 * most are small but most bytes are in the large ones). No block ever
 * leaves its thread: this is the scaling of the thread-local paths.
 */
enum { GT_SLOTS = 1000 };

static void *glibc_thread(void *arg)
{
	struct worker *w = arg;
	void **slot = xmalloc(GT_SLOTS * sizeof(*slot));
	long steps = scaled(2000000);

	memset(slot, 0, GT_SLOTS * sizeof(*slot));
	for (long step = 0; step < steps; step++) {
		uint64_t x = rng_next(&w->rng);
		size_t s = x % GT_SLOTS;

		unstamped_free(slot[s], &w->read);
		slot[s] = stamped(rng_log(&w->rng, 16, 32 << 10), x, &w->written);
	}
	for (size_t s = 0; s < GT_SLOTS; s++)
		unstamped_free(slot[s], &w->read);
	free(slot);
	w->ops = (uint64_t)steps;
	return NULL;
}

static struct result run_glibc_thread(void)
{
	struct worker *w = workers_make(nthreads, 29);

	run_threads(nthreads, glibc_thread, w, sizeof(*w));
	return workers_tally(w, nthreads);
}

/* ------------------------------------------------------------ sh6bench -- */

/*
 * sh6bench: in the manner of MicroQuill's SmartHeap benchmark: each of
 * THREADS threads, on its own, allocates a batch of 2000 blocks whose
 * sizes step through 16 B..2 KiB (a different phase each round), frees
 * every other one from the top down, allocates those again at other
 * sizes, then frees the whole batch from the bottom up. Many sizes, in
 * batches, freed in orders that are neither LIFO nor FIFO.
 */
enum { SH_BATCH = 2000 };

static void *sh6_thread(void *arg)
{
	struct worker *w = arg;
	void **block = xmalloc(SH_BATCH * sizeof(*block));
	long rounds = scaled(900);

	for (long round = 0; round < rounds; round++) {
		size_t phase = (size_t)(round * 37 + w->index * 101);

		for (size_t i = 0; i < SH_BATCH; i++)
			block[i] = stamped(16 + ((i + phase) * 16) % 2033,
					   rng_next(&w->rng), &w->written);
		for (size_t i = SH_BATCH; i-- > 0;)
			if (i % 2) {
				unstamped_free(block[i], &w->read);
				block[i] = NULL;
			}
		for (size_t i = 1; i < SH_BATCH; i += 2)
			block[i] = stamped(16 + ((i * 7 + phase) * 8) % 1009,
					   rng_next(&w->rng), &w->written);
		for (size_t i = 0; i < SH_BATCH; i++)
			unstamped_free(block[i], &w->read);
		w->ops += SH_BATCH + SH_BATCH / 2;
	}
	free(block);
	return NULL;
}

static struct result run_sh6bench(void)
{
	struct worker *w = workers_make(nthreads, 31);

	run_threads(nthreads, sh6_thread, w, sizeof(*w));
	return workers_tally(w, nthreads);
}

/* -------------------------------------------------------------- table -- */

static const struct workload {
	const char *name;
	int threaded;		/* takes -t */
	struct result (*run)(void);
	const char *summary;
} workloads[] = {
	{ "larson", 1, run_larson, "server simulation: slot arrays handed to new threads" },
	{ "cfrac", 0, run_cfrac, "bignum continued fraction: small-object churn" },
	{ "espresso", 0, run_espresso, "covers of cubes rebuilt each pass, realloc growth" },
	{ "large", 0, run_large, "32 KiB..4 MiB blocks, every page touched" },
	{ "mixed-realloc", 0, run_mixed_realloc, "live set of mixed sizes, half the steps realloc" },
	{ "xmalloc", 1, run_xmalloc, "producers to consumers through a queue" },
	{ "mstress", 1, run_mstress, "random sizes, blocks swapped between threads" },
	{ "cache-scratch", 1, run_cache_scratch, "passive false sharing (Hoard)" },
	{ "cache-thrash", 1, run_cache_thrash, "active false sharing (Hoard)" },
	{ "glibc-thread", 1, run_glibc_thread, "thread-local random sizes 16 B..32 KiB" },
	{ "sh6bench", 1, run_sh6bench, "batches of many sizes, mixed free order" },
	{ "pair16", 0, run_pair16, "malloc(16)+free" },
	{ "pair256", 0, run_pair256, "malloc(256)+free" },
	{ "pair4096", 0, run_pair4096, "malloc(4096)+free" },
};

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-t THREADS] [-w WORK] NAME | --list\n", argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	const struct workload *wl = NULL;
	struct rusage usage_now;
	const char *name = NULL;
	struct result res;
	double start, seconds;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--list")) {
			for (size_t j = 0; j < sizeof(workloads) / sizeof(workloads[0]); j++)
				printf("%s %s %s\n", workloads[j].name,
				       workloads[j].threaded ? "mt" : "st", workloads[j].summary);
			return 0;
		} else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			nthreads = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "-w") && i + 1 < argc) {
			work = strtod(argv[++i], NULL);
		} else if (argv[i][0] == '-' || name) {
			usage(argv[0]);
		} else {
			name = argv[i];
		}
	}
	if (!name || nthreads < 1 || nthreads > 1024 || !(work > 0))
		usage(argv[0]);
	for (size_t j = 0; j < sizeof(workloads) / sizeof(workloads[0]); j++)
		if (!strcmp(workloads[j].name, name))
			wl = &workloads[j];
	if (!wl)
		die("no workload '%s' (--list names them)", name);

	start = now_seconds();
	res = wl->run();
	seconds = now_seconds() - start;
	if (atomic_load(&corrupt))
		die("%s: %lu blocks read back wrong", wl->name, (unsigned long)atomic_load(&corrupt));
	getrusage(RUSAGE_SELF, &usage_now);
	printf("workload=%s threads=%u ops=%llu seconds=%.4f cpu_seconds=%.4f peak_rss_kib=%ld checksum=0x%016llx\n",
	       wl->name, wl->threaded ? nthreads : 1, (unsigned long long)res.ops, seconds,
	       usage_now.ru_utime.tv_sec + usage_now.ru_utime.tv_usec * 1e-6 +
	       usage_now.ru_stime.tv_sec + usage_now.ru_stime.tv_usec * 1e-6,
	       usage_now.ru_maxrss, (unsigned long long)res.checksum);
	return 0;
}
