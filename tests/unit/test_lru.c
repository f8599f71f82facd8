/* tests/unit/test_lru.c: the bounded LRU cache (common/lru), and the
 * registry's cache of bodies by id built on it (registry/idcache).
 *
 * The cases are data: a budget, a line of operations, and what must happen:
 * the log of the values the cache handed back (evicted, refused, taken, ...)
 * and its statistics. Growth, values without a free callback, allocation
 * failures and idcache's generation are checked in code below. The program is
 * linked with -Wl,--wrap=malloc,calloc,realloc,aligned_alloc so that it can
 * fail the Nth allocation (tests/failalloc.h).
 */
#include "common/lru.h"
#include "registry/idcache.h"
#define FAILALLOC_WRAP_ALIGNED_ALLOC
#include "tests/failalloc.h"
#include "tests/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the cases ---- */

/* Operations, separated by spaces. A key is an int64 when it reads as one,
 * else a string; a leading ' makes it a string ('1 is the string "1").
 *   +K/C  put K with cost C      ?K  lru_get        ~K  lru_get_shared
 *   -K    lru_take               c   lru_clear
 * The log, one word per event: fK the free callback got K's value; =K a put
 * found K present; !K a put was refused; tK a take returned K's value; hK a
 * get found K's value; mK a get or take found nothing. After " |": what
 * lru_free() hands back, newest first. */
static const struct lru_case {
	const char *name;
	size_t budget;
	const char *ops;
	const char *log;
	size_t count, cost, evictions; /* lru_stats() before lru_free() */
} cases[] = {
    {"evicts the least recently put", 3, "+1/1 +2/1 +3/1 +4/1", "f1 | f4 f3 f2", 3, 3, 1},
    {"a get makes a value the newest", 3, "+1/1 +2/1 +3/1 ?1 +4/1", "h1 f2 | f4 f1 f3", 3, 3, 1},
    {"gets order values by use", 3, "+1/1 +2/1 +3/1 ?2 ?1 +4/1", "h2 h1 f3 | f4 f1 f2", 3, 3, 1},
    {"a miss changes nothing", 2, "+1/1 +2/1 ?9 +3/1", "m9 f1 | f3 f2", 2, 2, 1},
    {"costs add up to the budget", 10, "+1/4 +2/4 +3/4", "f1 | f3 f2", 2, 8, 1},
    {"a costly put evicts several", 10, "+1/3 +2/3 +3/3 +4/9", "f1 f2 f3 | f4", 1, 9, 3},
    {"a cost equal to the budget fits", 5, "+1/5 +2/5", "f1 | f2", 1, 5, 1},
    {"a cost above the budget is refused", 5, "+1/2 +2/6", "!2 | f1", 1, 2, 0},
    {"budget 0 holds nothing", 0, "+1/1 ?1", "!1 m1 |", 0, 0, 0},
    {"a cost of 0 counts as 1", 2, "+1/0 +2/0 +3/0", "f1 | f3 f2", 2, 2, 1},
    {"a put of a present key changes nothing", 2, "+1/1 +2/1 +1/1 +3/1", "=1 f1 | f3 f2", 2, 2, 1},
    {"a take hands the value back", 3, "+1/2 +2/1 -1 -1", "t1 m1 | f2", 1, 1, 0},
    {"a key put again after a take is the newest", 2, "+1/1 +2/1 -1 +1/1 +3/1", "t1 f2 | f3 f1", 2,
     2, 1},
    {"clear frees everything, newest first", 3, "+1/1 +2/1 c +3/1", "f2 f1 | f3", 1, 1, 0},
    {"a shared get spares a value once", 2, "+1/1 +2/1 ~1 +3/1 +4/1", "h1 f2 f1 | f4 f3", 2, 2, 2},
    {"shared gets keep the list order", 3, "+1/1 +2/1 +3/1 ~2 ~1 +4/1", "h2 h1 f3 | f4 f2 f1", 3, 3,
     1},
    {"every value marked: the oldest goes", 2, "+1/1 +2/1 ~1 ~2 +3/1", "h1 h2 f1 | f3 f2", 2, 2, 1},
    {"a get clears the shared mark", 2, "+1/1 +2/1 ~1 ?1 ?2 +3/1", "h1 h1 h2 f1 | f3 f2", 2, 2, 1},
    {"string keys", 3, "+a/1 +1/1 +b/1 ~a +c/1", "ha f1 | fc fa fb", 3, 3, 1},
    {"a string key never equals an int64 key", 3, "+1/1 +'1/1 -1 ~'1 -'1 ~1", "t1 h'1 t'1 m1 |", 0,
     0, 0},
    {"negative and zero keys", 3, "+-5/1 +0/1 ?-5 ?0 -0", "h-5 h0 t0 | f-5", 1, 1, 0},
    {"the empty string is a key", 2, "+'/1 ~' -'", "h' t' |", 0, 0, 0},
};

struct lru_log {
	char text[512];
};

static void log_add(struct lru_log *g, char what, const char *key)
{
	size_t n = strlen(g->text);
	snprintf(g->text + n, sizeof g->text - n, "%s%c%s", n ? " " : "", what, key);
}

/* Values are malloc'd copies of their key as written; the callback logs and
 * frees them. */
static void log_free(void *arg, void *value)
{
	log_add(arg, 'f', value);
	free(value);
}

/* Splits a key word: returns 1 with *id set for an int64, 0 with *str set. */
static int parse_key(char *word, int64_t *id, const char **str)
{
	char *end;
	if (word[0] != '\'') {
		long long v = strtoll(word, &end, 10);
		if (end != word && *end == '\0') {
			*id = v;
			return 1;
		}
		*str = word;
	} else {
		*str = word + 1;
	}
	return 0;
}

static void *op_get(struct lru *l, char op, char *word)
{
	int64_t id = 0;
	const char *str = NULL;
	if (parse_key(word, &id, &str))
		return op == '?'   ? lru_get(l, id)
		       : op == '~' ? lru_get_shared(l, id)
		                   : lru_take(l, id);
	if (op == '?')
		return NULL; /* lru_get has no string form */
	return op == '~' ? lru_get_shared_str(l, str) : lru_take_str(l, str);
}

static int op_put(struct lru *l, char *word, void *value, size_t cost)
{
	int64_t id = 0;
	const char *str = NULL;
	if (parse_key(word, &id, &str))
		return lru_put(l, id, value, cost);
	return lru_put_str(l, str, value, cost);
}

static void run_case(const struct lru_case *c)
{
	struct lru_log g = {{0}};
	struct lru *l = lru_new(c->budget, log_free, &g);
	if (!tap_ok(l != NULL, "%s: lru_new", c->name))
		return;
	char ops[256];
	snprintf(ops, sizeof ops, "%s", c->ops);
	for (char *save = NULL, *w = strtok_r(ops, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char op = w[0];
		char *key = w + 1;
		if (op == 'c') {
			lru_clear(l);
		} else if (op == '+') {
			char *slash = strrchr(key, '/');
			*slash = '\0';
			char *value = strdup(key);
			int rc = op_put(l, key, value, strtoul(slash + 1, NULL, 10));
			if (rc != 1) {
				log_add(&g, rc == 0 ? '=' : '!', key);
				free(value);
			}
		} else {
			char *value = op_get(l, op, key);
			if (!value) {
				log_add(&g, 'm', key);
			} else {
				log_add(&g, op == '-' ? 't' : 'h', key);
				if (strcmp(value, key) != 0)
					log_add(&g, 'X', value); /* the wrong value: fails below */
				if (op == '-')
					free(value);
			}
		}
	}
	struct lru_stats st;
	lru_stats(l, &st);
	log_add(&g, '|', "");
	lru_free(l);
	tap_is_str(g.text, c->log, "%s: %s", c->name, c->ops);
	tap_ok(st.count == c->count && st.cost == c->cost && st.evictions == c->evictions,
	       "%s: count %zu cost %zu evictions %llu", c->name, st.count, st.cost,
	       (unsigned long long)st.evictions);
}

/* ---- in code ---- */

/* Many keys: the table grows and still finds every value. */
static void test_growth(void)
{
	struct lru *l = lru_new(1000, NULL, NULL);
	static char value; /* one shared value: nothing to free */
	int put_ok = 1;
	for (int64_t k = 0; k < 5000; k++)
		put_ok &= lru_put(l, k * 7919, &value, 1) == 1;
	tap_ok(put_ok, "growth: 5000 puts");
	int found = 0, gone = 0;
	for (int64_t k = 0; k < 5000; k++) {
		void *v = lru_get_shared(l, k * 7919);
		if (k >= 4000)
			found += v == &value;
		else
			gone += v == NULL;
	}
	tap_ok(found == 1000 && gone == 4000,
	       "growth: the newest 1000 are there (%d), not the rest (%d)", found, gone);
	struct lru_stats st;
	lru_stats(l, &st);
	tap_ok(st.count == 1000 && st.evictions == 4000, "growth: %zu held, %llu evicted", st.count,
	       (unsigned long long)st.evictions);
	lru_free(l);
	lru_free(NULL);
	tap_ok(1, "lru_free(NULL)");
}

/* Fails each allocation in turn over a cache's life: lru_new returns NULL or a
 * cache; a put whose node cannot be allocated returns -1 and leaves the value
 * with the caller; a table that cannot grow still holds every value. Leaks
 * show under the sanitizers. */
static void test_nomem(void)
{
	enum { NKEYS = 40 };
	int ok = 1;
	long n;
	for (n = 0;; n++) {
		struct lru_log g = {{0}};
		int put[NKEYS] = {0};
		failalloc_fail_after(n);
		struct lru *l = lru_new(NKEYS, log_free, &g);
		if (l) {
			for (int k = 0; k < NKEYS; k++) {
				char key[16];
				snprintf(key, sizeof key, "%d", k);
				char *value = __real_malloc(strlen(key) + 1);
				strcpy(value, key);
				put[k] = lru_put(l, k, value, 1);
				if (put[k] != 1)
					free(value);
				ok &= put[k] == 1 || put[k] == -1;
			}
			size_t held = 0;
			for (int k = 0; k < NKEYS; k++) {
				char *v = lru_get(l, k);
				held += v != NULL;
				ok &= (put[k] == 1) == (v != NULL);
				ok &= !v || atoi(v) == k;
			}
			struct lru_stats st;
			lru_stats(l, &st);
			ok &= st.count == held && st.evictions == 0;
		}
		failalloc_disarm();
		lru_free(l);
		if (!failalloc_fired())
			break;
	}
	tap_ok(ok, "allocation failures: every one of %ld handled", n);
	tap_ok(n >= 3, "allocation failures: the run allocates (%ld)", n);
}

/* idcache: a put carrying a generation read before a forget is ignored; a
 * body larger than a shard is not cached; gets return copies. */
static void test_idcache(void)
{
	struct idcache *c = idcache_new(16 * 1024); /* 1 KiB per shard */
	size_t len = 0;
	uint64_t gen = idcache_generation(c);
	idcache_put(c, 7, "seven", 5, gen);
	char *got = idcache_get(c, 7, &len);
	tap_ok(got && len == 5 && strcmp(got, "seven") == 0, "idcache: a put is got back");
	free(got);

	uint64_t before = idcache_generation(c);
	idcache_forget(c, 7);
	tap_ok(idcache_get(c, 7, &len) == NULL, "idcache: a forgotten id misses");
	idcache_put(c, 7, "stale", 5, before);
	tap_ok(idcache_get(c, 7, &len) == NULL, "idcache: a put loaded before a forget is ignored");
	idcache_put(c, 8, "other", 5, before);
	tap_ok(idcache_get(c, 8, &len) == NULL, "idcache: ... whatever its id");
	idcache_put(c, 7, "fresh", 5, idcache_generation(c));
	got = idcache_get(c, 7, &len);
	tap_is_str(got, "fresh", "idcache: a put after the forget is cached");
	free(got);

	idcache_put(c, 7, "again", 5, idcache_generation(c));
	got = idcache_get(c, 7, &len);
	tap_is_str(got, "fresh", "idcache: a second put of an id keeps the first body");
	free(got);

	static char big[2048];
	memset(big, 'x', sizeof big - 1);
	idcache_put(c, 9, big, sizeof big - 1, idcache_generation(c));
	tap_ok(idcache_get(c, 9, &len) == NULL,
	       "idcache: a body larger than a shard is not cached");

	/* 200 bodies of 100 bytes (164 charged) cannot all stay in 16 KiB. */
	char body[101];
	memset(body, 'b', 100);
	body[100] = '\0';
	for (int64_t id = 100; id < 300; id++)
		idcache_put(c, id, body, 100, idcache_generation(c));
	int held = 0;
	for (int64_t id = 100; id < 300; id++) {
		got = idcache_get(c, id, &len);
		held += got != NULL;
		free(got);
	}
	tap_ok(held > 0 && held <= 16 * 1024 / 164, "idcache: the byte budget bounds it (%d held)",
	       held);
	idcache_free(c);

	c = idcache_new(0);
	idcache_put(c, 1, "x", 1, idcache_generation(c));
	tap_ok(idcache_get(c, 1, &len) == NULL, "idcache: max_bytes 0 caches nothing");
	idcache_free(c);
	idcache_free(NULL);

	/* Each allocation of idcache_new() failed in turn: NULL, nothing leaked. */
	long n, made = 0;
	for (n = 0;; n++) {
		failalloc_fail_after(n);
		c = idcache_new(1024);
		failalloc_disarm();
		made += c != NULL;
		idcache_free(c);
		if (!failalloc_fired())
			break;
	}
	tap_ok(n == 1 + 16 * 2 && made == 1,
	       "idcache: %ld allocations of idcache_new failed in turn", n);
}

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(&cases[i]);
	test_growth();
	test_nomem();
	test_idcache();
	return tap_done();
}
