/*
 * aggcache.c - a small table of recent aggregate answers (aggcache.h).
 * A handful of keys at most (the dashboard's windows), so a linear
 * search under one mutex; the oldest entry makes room.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aggcache.h"

#define SLOTS 32
#define KEY_MAX 320
#define STALE_MS 30000           /* an old answer served while a new one is made */

struct slot {
	char key[KEY_MAX];
	json_t *val;
	long long until_ms;
	int refreshing;          /* one caller is computing a newer answer */
};

struct zl_aggcache {
	pthread_mutex_t lock;
	unsigned ttl_ms;
	struct slot s[SLOTS];
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct zl_aggcache *zl_aggcache_new(unsigned ttl_ms)
{
	struct zl_aggcache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->ttl_ms = ttl_ms ? ttl_ms : 5000;
	return c;
}

void zl_aggcache_free(struct zl_aggcache *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < SLOTS; i++)
		json_decref(c->s[i].val);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

json_t *zl_aggcache_get(struct zl_aggcache *c, const char *key)
{
	long long now = mono_ms();
	json_t *v = NULL;
	int i;

	if (!c || strlen(key) >= KEY_MAX)
		return NULL;
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < SLOTS; i++) {
		struct slot *e = &c->s[i];

		if (!e->val || strcmp(e->key, key))
			continue;
		/* Past its time, the first caller computes the next answer while
		 * the others still get this one, for up to STALE_MS more: at
		 * expiry 200 consoles do not all queue behind one scan. */
		if (e->until_ms > now || (e->refreshing && e->until_ms + STALE_MS > now))
			v = json_incref(e->val);
		else
			e->refreshing = 1;
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return v;
}

void zl_aggcache_put(struct zl_aggcache *c, const char *key, json_t *val)
{
	long long now = mono_ms();
	int i, pick = 0;

	if (!c || !val || strlen(key) >= KEY_MAX)
		return;
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < SLOTS; i++) {
		if (!strcmp(c->s[i].key, key) || !c->s[i].val) {
			pick = i;
			break;
		}
		if (c->s[i].until_ms < c->s[pick].until_ms)
			pick = i;
	}
	json_decref(c->s[pick].val);
	snprintf(c->s[pick].key, KEY_MAX, "%s", key);
	c->s[pick].val = json_incref(val);
	c->s[pick].until_ms = now + c->ttl_ms;
	c->s[pick].refreshing = 0;
	pthread_mutex_unlock(&c->lock);
}
