/* tests/failalloc.h: counts the allocations a C unit test makes and fails the
 * Nth one on purpose, so that every allocation-failure path can be run (the
 * idea of jansson's test_chaos). Header-only; include it from exactly one file
 * per test program, since it defines the program's __wrap_ functions.
 *
 * Linking: the program must be linked with $(WRAP_ALLOC) (tests/local.mk),
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc, which sends the program's
 * own calls to those functions to the __wrap_ functions defined here. Two more
 * are opt-in, each defined before the #include and linked with its wraps:
 *   FAILALLOC_WRAP_STRDUP         strdup and strndup (--wrap=strdup,--wrap=strndup)
 *   FAILALLOC_WRAP_ALIGNED_ALLOC  aligned_alloc (--wrap=aligned_alloc)
 * Every call to a wrapped function is one allocation. The linker wraps only
 * the calls made from the program's own object files: what a shared library
 * allocates (jansson, avro-c, libc itself, as the malloc inside strdup) is
 * neither counted nor failed, unless the library is handed failalloc_malloc, e.g.
 * json_set_alloc_funcs(failalloc_malloc, free). __real_malloc() allocates
 * without being counted or failed.
 *
 * Use:
 *   failalloc_fail_after(n)  lets the next n allocations succeed and fails the
 *                            one after (n = 0: the very next one); only that
 *                            one fails, the later ones succeed again.
 *   failalloc_fired()        1 once the allocation armed by the last
 *                            failalloc_fail_after() has failed, else 0; it
 *                            stays so until the next failalloc_fail_after().
 *   failalloc_disarm()       no allocation fails from now on (failalloc_fired()
 *                            keeps its answer).
 *   failalloc_count()        the number of allocations made so far; take the
 *                            difference around a piece of code to count its own.
 * Nothing fails until a test arms a failure. The usual loop fails allocation
 * 0, 1, 2, ... of a scenario until a run in which nothing failed:
 *   for (n = 0;; n++) {
 *           failalloc_fail_after(n);
 *           ... run the scenario, check it failed cleanly ...
 *           failalloc_disarm();
 *           if (!failalloc_fired())
 *                   break;
 *   }
 *
 * Threads: the state is per thread (_Thread_local), and neither shared nor
 * atomic. Arming affects only the allocations of the thread that armed, and
 * failalloc_count() counts only the calling thread's. Other threads may
 * allocate meanwhile without a data race; their allocations never fail.
 */
#ifndef SG_FAILALLOC_H
#define SG_FAILALLOC_H

#include <stddef.h>

/* The allocations to let through before failing one; -1: none is armed. */
static _Thread_local long failalloc_countdown = -1;
/* 1 once the armed allocation has failed. */
static _Thread_local int failalloc_hit;
/* Allocations made by this thread, failed ones included. */
static _Thread_local long failalloc_made;

static inline void failalloc_fail_after(long n)
{
	failalloc_countdown = n < 0 ? -1 : n;
	failalloc_hit = 0;
}

static inline void failalloc_disarm(void)
{
	failalloc_countdown = -1;
}

static inline int failalloc_fired(void)
{
	return failalloc_hit;
}

static inline long failalloc_count(void)
{
	return failalloc_made;
}

/* Counts one allocation; returns 1 when it is the one to fail. */
static inline int failalloc_next(void)
{
	failalloc_made++;
	if (failalloc_countdown < 0 || failalloc_countdown-- > 0)
		return 0;
	failalloc_hit = 1;
	return 1;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

/* malloc, counted and failed like the wrapped calls: the allocator to hand a
 * shared library whose allocations a test means to count or fail. */
static inline void *failalloc_malloc(size_t n)
{
	return failalloc_next() ? NULL : __real_malloc(n);
}

void *__wrap_malloc(size_t n)
{
	return failalloc_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return failalloc_next() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return failalloc_next() ? NULL : __real_realloc(p, n);
}

#ifdef FAILALLOC_WRAP_STRDUP
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

char *__wrap_strdup(const char *s)
{
	return failalloc_next() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return failalloc_next() ? NULL : __real_strndup(s, n);
}
#endif

#ifdef FAILALLOC_WRAP_ALIGNED_ALLOC
void *__real_aligned_alloc(size_t align, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);

void *__wrap_aligned_alloc(size_t align, size_t n)
{
	return failalloc_next() ? NULL : __real_aligned_alloc(align, n);
}
#endif

#endif
