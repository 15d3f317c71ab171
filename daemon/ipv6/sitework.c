/*
 * sitework.c - the daemon's site checks (sitework.h): the configured list,
 * the runner and the results into the store. The list is swapped under a
 * mutex held for a copy; the runner's callback writes on the runner's
 * thread, never on the capture path.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "siterunner.h"
#include "sitework.h"
#include "store_ipv6.h"

struct zl_sitework {
	struct zl_siterunner *runner;
	struct zl_store *store;
	pthread_mutex_t mu;
	char **sites;
	size_t n;
	char *ca_file;
};

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void done(const char *url, const struct zl_sitecheck_result *r, const char *err, void *ud)
{
	struct zl_sitework *w = ud;
	char why[256];
	json_t *j;

	if (!r) {
		zl_log_warnx("IPv6 check of %s: %s", url, err ? err : "failed");
		return;
	}
	j = zl_sitecheck_json(r);
	if (!j || zl_store_ipv6_site_put(w->store, url, j, now_us(), why, sizeof(why)) < 0)
		zl_log_warnx("IPv6 check of %s: not stored: %s", url, j ? why : "out of memory");
	else
		zl_log_info("IPv6 check of %s: %s", url,
			    zl_sitecheck_ready(r) ? "IPv6-ready" : "not IPv6-ready");
	json_decref(j);
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* "URL, URL URL" into an array of copies */
static int split(const char *sites, char ***out, size_t *n)
{
	char *buf = strdup(sites ? sites : ""), *t, *save = NULL, **v, **nv;

	*out = NULL;
	*n = 0;
	if (!buf)
		return -ENOMEM;
	v = calloc(1, sizeof(*v));
	for (t = strtok_r(buf, ", \t", &save); v && t; t = strtok_r(NULL, ", \t", &save)) {
		if (!(nv = realloc(v, (*n + 1) * sizeof(*v))) || !(nv[*n] = strdup(t))) {
			free_list(nv ? nv : v, *n);
			v = NULL;
			break;
		}
		v = nv;
		(*n)++;
	}
	free(buf);
	if (!v)
		return -ENOMEM;
	*out = v;
	return 0;
}

int zl_sitework_set_sites(struct zl_sitework *w, const char *sites)
{
	char **v, **old;
	size_t n, on;

	if (split(sites, &v, &n) < 0 ||
	    zl_siterunner_set_sites(w->runner, (const char *const *)v, n) < 0) {
		return -ENOMEM;
	}
	pthread_mutex_lock(&w->mu);
	old = w->sites;
	on = w->n;
	w->sites = v;
	w->n = n;
	pthread_mutex_unlock(&w->mu);
	free_list(old, on);
	return 0;
}

struct zl_sitework *zl_sitework_new(const struct zl_conf *cf, struct zl_store *st,
				    char *err, size_t errlen)
{
	struct zl_sitework *w = calloc(1, sizeof(*w));
	struct zl_sitecheck_opts o;

	if (!w) {
		snprintf(err, errlen, "IPv6 site checks: out of memory");
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	w->store = st;
	zl_sitecheck_opts_default(&o);
	o.interval_ms = cf->ipv6_check_interval_ms;
	if (cf->ipv6_check_ca_file && *cf->ipv6_check_ca_file)
		o.ca_file = w->ca_file = strdup(cf->ipv6_check_ca_file);
	w->runner = zl_siterunner_new(cf->ipv6_check_hour, &o, done, w);
	if (!w->runner || zl_sitework_set_sites(w, cf->ipv6_sites) < 0) {
		snprintf(err, errlen, "IPv6 site checks: cannot start their thread");
		zl_sitework_free(w);
		return NULL;
	}
	return w;
}

json_t *zl_sitework_request(struct zl_sitework *w, const char *url, char *err, size_t errlen)
{
	json_t *q = json_array();
	int rc;

	if (url && strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
		snprintf(err, errlen, "url: expected an http:// or https:// URL, got \"%s\"", url);
		json_decref(q);
		return NULL;
	}
	pthread_mutex_lock(&w->mu);
	if (url)
		json_array_append_new(q, json_string(url));
	else
		for (size_t i = 0; i < w->n; i++)
			json_array_append_new(q, json_string(w->sites[i]));
	pthread_mutex_unlock(&w->mu);
	if (!json_array_size(q)) {
		snprintf(err, errlen, "no sites to check: list them in the policy's ipv6 section "
			 "(or ipv6_sites in zhulan.conf) or give a url");
		json_decref(q);
		return NULL;
	}
	if ((rc = zl_siterunner_request(w->runner, url)) < 0) {
		snprintf(err, errlen, "%s", rc == -EBUSY ? "the check queue is full; try later"
			 : "out of memory");
		json_decref(q);
		return NULL;
	}
	return q;
}

json_t *zl_sitework_read(struct zl_sitework *w, char *err, size_t errlen)
{
	char **v = NULL;
	size_t n = 0, want;
	json_t *out;

	pthread_mutex_lock(&w->mu);
	want = w->n;
	v = calloc(want + 1, sizeof(*v));
	for (size_t i = 0; v && i < want; i++, n++)
		if (!(v[i] = strdup(w->sites[i])))
			break;
	pthread_mutex_unlock(&w->mu);
	if (!v || n < want) {
		free_list(v, n);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	out = zl_store_ipv6_sites(w->store, (const char *const *)v, n, err, errlen);
	free_list(v, n);
	return out;
}

unsigned long zl_sitework_done(struct zl_sitework *w)
{
	return zl_siterunner_done(w->runner);
}

void zl_sitework_free(struct zl_sitework *w)
{
	if (!w)
		return;
	zl_siterunner_free(w->runner);   /* first: its callback uses the rest */
	free_list(w->sites, w->n);
	free(w->ca_file);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
