/*
 * test_aggcache.c - the aggregates' answer cache: an answer is shared
 * until its time is up, a key is never answered with another's value,
 * and a full table gives up its oldest entry.
 */
#include <stdio.h>
#include <time.h>

#include "aggcache.h"
#include "tap.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int main(void)
{
	struct zl_aggcache *c = zl_aggcache_new(200);
	json_t *a = json_pack("{s:i}", "bytes", 1), *b = json_pack("{s:i}", "bytes", 2), *g;
	char key[32];
	int i, kept;

	ok(c != NULL, "a cache");
	ok(zl_aggcache_get(c, "series\x1f" "300") == NULL, "nothing kept at first");
	zl_aggcache_put(c, "series\x1f" "300", a);
	zl_aggcache_put(c, "top\x1f" "apps", b);
	g = zl_aggcache_get(c, "series\x1f" "300");
	ok(g == a && json_integer_value(json_object_get(g, "bytes")) == 1, "the answer kept under its key");
	json_decref(g);
	g = zl_aggcache_get(c, "top\x1f" "apps");
	ok(g == b, "another key, another answer");
	json_decref(g);
	ok(zl_aggcache_get(c, "top\x1f" "categories") == NULL, "a key never put answers nothing");
	ok(a->refcount == 2, "the cache holds one reference of its own (%zu)", a->refcount);
	sleep_ms(250);
	ok(zl_aggcache_get(c, "series\x1f" "300") == NULL,
	   "past its time, the first caller is told to compute a new answer");
	g = zl_aggcache_get(c, "series\x1f" "300");
	ok(g == a, "... while the others still get the old one");
	json_decref(g);
	zl_aggcache_put(c, "series\x1f" "300", b);
	g = zl_aggcache_get(c, "series\x1f" "300");
	ok(g == b, "the new answer once it is put");
	json_decref(g);
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		zl_aggcache_put(c, key, a);
	}
	for (i = 0, kept = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if ((g = zl_aggcache_get(c, key))) {
			kept++;
			json_decref(g);
		}
	}
	ok(kept == 32, "a full table keeps the 32 newest (%d)", kept);
	g = zl_aggcache_get(c, "k39");
	ok(g == a, "the newest is among them");
	json_decref(g);
	zl_aggcache_free(c);
	ok(a->refcount == 1 && b->refcount == 1, "freeing the cache lets its references go");
	json_decref(a);
	json_decref(b);
	return done_testing();
}
