/*
 * fetch.c - the site check's HTTP requests: libcurl, one address family
 * at a time (CURLOPT_IPRESOLVE), a fresh connection each, timeouts, and
 * at most one request per interval_ms to a site (the politeness the
 * national method and the site's operators expect from a monitor).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "sitecheck-int.h"

#define USER_AGENT "Zhulan-IPv6-check/" PACKAGE_VERSION

int zl_sleep_cancellable(const atomic_int *cancel, long ms)
{
	struct timespec end, now;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	/* in slices, so a stop request is seen within 50 ms */
	for (;;) {
		long left;
		if (cancel && atomic_load(cancel))
			return -ECANCELED;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000L;
		if (left <= 0)
			return 0;
		struct timespec s = { 0, (left > 50 ? 50 : left) * 1000000L };
		nanosleep(&s, NULL);
	}
}

static int pace(struct zl_pacer *p)
{
	struct timespec now;
	long since;

	if (p->started) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		since = (now.tv_sec - p->last.tv_sec) * 1000 +
			(now.tv_nsec - p->last.tv_nsec) / 1000000L;
		if (since < p->o->interval_ms &&
		    zl_sleep_cancellable(p->o->cancel, p->o->interval_ms - since))
			return -ECANCELED;
	} else if (p->o->cancel && atomic_load(p->o->cancel)) {
		return -ECANCELED;
	}
	clock_gettime(CLOCK_MONOTONIC, &p->last);
	p->started = 1;
	p->requests++;
	return 0;
}

static size_t on_body(char *d, size_t sz, size_t nm, void *ud)
{
	struct zl_fetch *f = ud;
	size_t n = sz * nm, room = ZL_FETCH_MAX_BODY - f->len;

	/* the first ZL_FETCH_MAX_BODY bytes are enough to judge a page: stop
	 * there rather than fetch a whole download the page links to */
	if (n > room) {
		n = room;
		f->cut = 1;
	}
	if (n) {
		char *b = realloc(f->body, f->len + n + 1);
		if (!b)
			return 0;
		memcpy(b + f->len, d, n);
		f->body = b;
		f->len += n;
		b[f->len] = 0;
	}
	return f->cut ? 0 : sz * nm;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const atomic_int *cancel = ud;
	return cancel && atomic_load(cancel);
}

int zl_fetch(struct zl_pacer *p, const char *url, int family, struct zl_fetch *f)
{
	const struct zl_sitecheck_opts *o = p->o;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c;
	CURLcode rc;
	char *ct = NULL, *eff = NULL;
	double t_conn = 0, t_dns = 0, t_total = 0;

	memset(f, 0, sizeof(*f));
	if (pace(p))
		return -ECANCELED;
	if (!(c = curl_easy_init())) {
		snprintf(f->error, sizeof(f->error), "out of memory");
		return 0;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_IPRESOLVE, family == 6 ? CURL_IPRESOLVE_V6 :
			 family == 4 ? CURL_IPRESOLVE_V4 : CURL_IPRESOLVE_WHATEVER);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)o->cancel);
	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	rc = curl_easy_perform(c);
	if (rc == CURLE_WRITE_ERROR && f->cut)
		rc = CURLE_OK;
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		curl_easy_cleanup(c);
		zl_fetch_clear(f);
		return -ECANCELED;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
	curl_easy_getinfo(c, CURLINFO_NAMELOOKUP_TIME, &t_dns);
	curl_easy_getinfo(c, CURLINFO_CONNECT_TIME, &t_conn);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &t_total);
	/* CURLINFO_CONNECT_TIME runs from the start, so it holds the name
	 * look-up too: a v6-only transfer asks the resolver for AAAA alone and
	 * a v4 one for A, and a resolver's cache is no part of the path to the
	 * site. The degradation ratio compares the handshakes. */
	f->connect_ms = (t_conn - t_dns) * 1000.0;
	f->total_ms = t_total * 1000.0;
	snprintf(f->final_url, sizeof(f->final_url), "%s", eff ? eff : url);
	f->html = ct && (!strncasecmp(ct, "text/html", 9) ||
			 !strncasecmp(ct, "application/xhtml", 17));
	if (rc == CURLE_OK && f->status > 0) {
		f->answered = 1;
		if (f->status >= 400)
			snprintf(f->error, sizeof(f->error), "HTTP %ld", f->status);
	} else {
		snprintf(f->error, sizeof(f->error), "%s",
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	curl_easy_cleanup(c);
	return 0;
}

void zl_fetch_clear(struct zl_fetch *f)
{
	free(f->body);
	f->body = NULL;
	f->len = 0;
}
