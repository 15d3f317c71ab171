/*
 * siterunner.c - the site checks' own thread (see siterunner.h). The
 * daemon's main loop, the control API and the capture threads never wait
 * on it: a request only queues a URL under a mutex held for a copy.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "siterunner.h"

#define QUEUE_MAX 256

struct zl_siterunner {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	atomic_int cancel;
	int hour;
	time_t next;                 /* the next daily run */
	struct zl_sitecheck_opts o;
	zl_siterunner_cb cb;
	void *ud;
	char **sites;
	size_t nsites;
	char *queue[QUEUE_MAX];      /* a ring of owned URLs */
	int qhead, qn;
	unsigned long done;
};

time_t zl_siterunner_next_daily(time_t now, int hour)
{
	struct tm tm;
	time_t t;

	localtime_r(&now, &tm);
	tm.tm_hour = hour;
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t <= now) {
		localtime_r(&now, &tm);
		tm.tm_mday++;   /* mktime carries over month and year ends */
		tm.tm_hour = hour;
		tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	return t;
}

/* with mu held */
static int push(struct zl_siterunner *r, const char *url)
{
	char *u;

	if (r->qn == QUEUE_MAX)
		return -EBUSY;
	if (!(u = strdup(url)))
		return -ENOMEM;
	r->queue[(r->qhead + r->qn++) % QUEUE_MAX] = u;
	return 0;
}

static int push_all(struct zl_siterunner *r)
{
	if (r->qn + r->nsites > QUEUE_MAX)
		return -EBUSY;
	for (size_t i = 0; i < r->nsites; i++)
		if (push(r, r->sites[i]))
			return -ENOMEM;
	return 0;
}

static void run_one(struct zl_siterunner *r, char *url)
{
	struct zl_sitecheck_result *res = NULL;
	char err[512] = "";
	int rc = zl_sitecheck_run(url, &r->o, &res, err, sizeof(err));

	pthread_mutex_lock(&r->mu);
	if (rc != -ECANCELED)
		r->done++;
	pthread_mutex_unlock(&r->mu);
	if (rc != -ECANCELED)
		r->cb(url, rc ? NULL : res, rc ? err : NULL, r->ud);
	zl_sitecheck_result_free(res);
	free(url);
}

static void *loop(void *arg)
{
	struct zl_siterunner *r = arg;

	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		if (r->qn) {
			char *url = r->queue[r->qhead];
			r->qhead = (r->qhead + 1) % QUEUE_MAX;
			r->qn--;
			pthread_mutex_unlock(&r->mu);
			run_one(r, url);
			pthread_mutex_lock(&r->mu);
			continue;
		}
		if (r->hour >= 0 && time(NULL) >= r->next) {
			push_all(r);   /* a full queue: those sites wait for tomorrow */
			r->next = zl_siterunner_next_daily(time(NULL), r->hour);
			continue;
		}
		if (r->hour >= 0) {
			/* wall-clock time: the hour is the administrator's local hour,
			 * and a clock set forward should start the run, not delay it */
			struct timespec ts = { .tv_sec = r->next };
			pthread_cond_timedwait(&r->cv, &r->mu, &ts);
		} else {
			pthread_cond_wait(&r->cv, &r->mu);
		}
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

struct zl_siterunner *zl_siterunner_new(int daily_hour, const struct zl_sitecheck_opts *o,
					zl_siterunner_cb cb, void *ud)
{
	struct zl_siterunner *r;

	if (daily_hour > 23 || !cb || !(r = calloc(1, sizeof(*r))))
		return NULL;
	r->hour = daily_hour < 0 ? -1 : daily_hour;
	r->o = *o;
	r->o.cancel = &r->cancel;
	r->cb = cb;
	r->ud = ud;
	if (r->hour >= 0)
		r->next = zl_siterunner_next_daily(time(NULL), r->hour);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, loop, r)) {
		pthread_cond_destroy(&r->cv);
		pthread_mutex_destroy(&r->mu);
		free(r);
		return NULL;
	}
	return r;
}

static void free_sites(char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

int zl_siterunner_set_sites(struct zl_siterunner *r, const char *const *urls, size_t n)
{
	char **s = calloc(n ? n : 1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!(s[i] = strdup(urls[i]))) {
			free_sites(s, i);
			return -ENOMEM;
		}
	}
	pthread_mutex_lock(&r->mu);
	free_sites(r->sites, r->nsites);
	r->sites = s;
	r->nsites = n;
	pthread_mutex_unlock(&r->mu);
	return 0;
}

int zl_siterunner_request(struct zl_siterunner *r, const char *url)
{
	int rc;

	pthread_mutex_lock(&r->mu);
	rc = url ? push(r, url) : push_all(r);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

unsigned long zl_siterunner_done(struct zl_siterunner *r)
{
	unsigned long d;

	pthread_mutex_lock(&r->mu);
	d = r->done;
	pthread_mutex_unlock(&r->mu);
	return d;
}

void zl_siterunner_free(struct zl_siterunner *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	atomic_store(&r->cancel, 1);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	while (r->qn) {
		free(r->queue[r->qhead]);
		r->qhead = (r->qhead + 1) % QUEUE_MAX;
		r->qn--;
	}
	free_sites(r->sites, r->nsites);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
