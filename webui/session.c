/*
 * session.c - sessions and the login-attempt limit.
 *
 * A few hundred sessions at most: a flat table searched in full with a
 * constant-time comparison is simpler than a hash and leaks nothing about
 * which ids exist through timing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "session.h"

#define MAX_SESSIONS 4096
#define MAX_CLIENTS 1024

struct sess {
	unsigned char id[32];
	struct zlw_session_info info;
	long long created, used;   /* ms */
	int live;
};

struct client {
	char addr[64];
	long long start;           /* ms */
	unsigned n;
};

struct zlw_sessions {
	pthread_mutex_t lock;
	unsigned idle, max, attempts, window;
	struct sess *tab;
	int used;                 /* rows ever used: tab[0..used) */
	struct client *clients;
};

/* milliseconds, so that a session's age is not rounded to whole seconds */
static long long now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct zlw_sessions *zlw_sessions_new(unsigned idle_s, unsigned max_s,
				      unsigned attempts, unsigned window_s)
{
	struct zlw_sessions *s = calloc(1, sizeof(*s));

	if (!s || sodium_init() < 0)
		goto fail;
	s->tab = calloc(MAX_SESSIONS, sizeof(*s->tab));
	s->clients = calloc(MAX_CLIENTS, sizeof(*s->clients));
	if (!s->tab || !s->clients)
		goto fail;
	pthread_mutex_init(&s->lock, NULL);
	s->idle = idle_s;
	s->max = max_s;
	s->attempts = attempts;
	s->window = window_s;
	return s;
fail:
	if (s) {
		free(s->tab);
		free(s->clients);
	}
	free(s);
	return NULL;
}

void zlw_sessions_free(struct zlw_sessions *s)
{
	if (!s)
		return;
	sodium_memzero(s->tab, MAX_SESSIONS * sizeof(*s->tab));
	free(s->tab);
	free(s->clients);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int expired(const struct zlw_sessions *s, const struct sess *e, long long t)
{
	return t - e->used >= s->idle * 1000LL || t - e->created >= s->max * 1000LL;
}

int zlw_session_create(struct zlw_sessions *s, struct zlw_session_info *info,
		       char id[ZLW_SESSION_HEX])
{
	unsigned char csrf[32];
	long long t = now();
	int i, rc = -1;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < MAX_SESSIONS; i++) {
		struct sess *e = &s->tab[i];
		if (e->live && !expired(s, e, t))
			continue;
		randombytes_buf(e->id, sizeof(e->id));
		randombytes_buf(csrf, sizeof(csrf));
		sodium_bin2hex(info->csrf, ZLW_SESSION_HEX, csrf, sizeof(csrf));
		sodium_bin2hex(id, ZLW_SESSION_HEX, e->id, sizeof(e->id));
		e->info = *info;
		e->created = e->used = t;
		e->live = 1;
		if (i >= s->used)
			s->used = i + 1;
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* The table entry for a cookie value, or NULL; with the lock held. */
static struct sess *find(struct zlw_sessions *s, const char *id)
{
	unsigned char bin[32];
	size_t n = 0;
	struct sess *hit = NULL;
	int i;

	if (!id || strlen(id) != 64 ||
	    sodium_hex2bin(bin, sizeof(bin), id, 64, NULL, &n, NULL) < 0 || n != sizeof(bin))
		return NULL;
	for (i = 0; i < s->used; i++)
		if (s->tab[i].live && sodium_memcmp(s->tab[i].id, bin, sizeof(bin)) == 0)
			hit = &s->tab[i];
	return hit;
}

int zlw_session_get(struct zlw_sessions *s, const char *id, struct zlw_session_info *out)
{
	struct sess *e;
	long long t = now();
	int rc = -1;

	pthread_mutex_lock(&s->lock);
	e = find(s, id);
	if (e && expired(s, e, t)) {
		sodium_memzero(e, sizeof(*e));
	} else if (e) {
		e->used = t;
		*out = e->info;
		rc = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void zlw_session_set_limited(struct zlw_sessions *s, const char *id, int limited)
{
	struct sess *e;

	pthread_mutex_lock(&s->lock);
	if ((e = find(s, id)))
		e->info.limited = limited;
	pthread_mutex_unlock(&s->lock);
}

void zlw_session_end(struct zlw_sessions *s, const char *id)
{
	struct sess *e;

	pthread_mutex_lock(&s->lock);
	if ((e = find(s, id)))
		sodium_memzero(e, sizeof(*e));
	pthread_mutex_unlock(&s->lock);
}

int zlw_session_count(struct zlw_sessions *s)
{
	long long t = now();
	int i, n = 0;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->used; i++)
		n += s->tab[i].live && !expired(s, &s->tab[i], t);
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* A fixed window per address; when the table is full the address whose
 * window started first gives up its row. */
int zlw_login_attempt(struct zlw_sessions *s, const char *client)
{
	struct client *c = NULL, *oldest = &s->clients[0];
	long long t = now();
	int i, rc = 0;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < MAX_CLIENTS && !c; i++) {
		struct client *e = &s->clients[i];
		if (e->n && !strcmp(e->addr, client))
			c = e;
		else if (!e->n ? oldest->n != 0 : oldest->n && e->start < oldest->start)
			oldest = e;  /* an empty row first, else the oldest window */
	}
	if (c && t - c->start >= s->window * 1000LL)
		c->n = 0;
	if (!c) {
		c = oldest;
		c->n = 0;
		snprintf(c->addr, sizeof(c->addr), "%s", client);
	}
	if (!c->n)
		c->start = t;
	if (c->n >= s->attempts)
		rc = -1;
	else
		c->n++;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int zlw_token_equal(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n && n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}
