/*
 * test_siterunner.c - the site checks' thread: the daily hour, a check on
 * demand delivered to the callback, the pace of its requests, a bad URL,
 * and a stop that does not wait for a slow site. The site is a small HTTP
 * server of the test's own on 127.0.0.1 (an IPv4 literal: no AAAA, no
 * zone, so nothing leaves the machine).
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "siterunner.h"
#include "tap.h"

static int lfd, port;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct timespec req_at[64];
static char req_path[64][64];
static int nreq;

static void *serve(void *arg)
{
	for (;;) {
		char buf[2048], path[64] = "", out[1024];
		const char *body;
		int fd = accept(lfd, NULL, NULL);
		ssize_t n;
		if (fd < 0)
			return NULL;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = 0;
		sscanf(buf, "GET %63s", path);
		pthread_mutex_lock(&mu);
		if (nreq < 64) {
			clock_gettime(CLOCK_MONOTONIC, &req_at[nreq]);
			snprintf(req_path[nreq++], 64, "%s", path);
		}
		pthread_mutex_unlock(&mu);
		if (!strcmp(path, "/slow"))
			sleep(10);   /* the stop must not wait for this */
		if (!strcmp(path, "/"))
			body = "<html><head><title>Loopback portal</title></head><body>"
			       "<a href='/a'>a</a> <a href='/b'>b</a> <a href='http://other.example/'>x</a>"
			       "</body></html>";
		else
			body = "<html><head><title>page</title></head><body>page</body></html>";
		snprintf(out, sizeof(out), "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(body), body);
		send(fd, out, strlen(out), MSG_NOSIGNAL);
		close(fd);
	}
}

struct seen {
	int calls;
	char url[256];
	json_t *j;
	char err[256];
};

static void on_result(const char *url, const struct zl_sitecheck_result *r, const char *err,
		      void *ud)
{
	struct seen *s = ud;

	pthread_mutex_lock(&mu);
	s->calls++;
	snprintf(s->url, sizeof(s->url), "%s", url);
	json_decref(s->j);
	s->j = r ? zl_sitecheck_json(r) : NULL;
	snprintf(s->err, sizeof(s->err), "%s", err ? err : "");
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static int wait_calls(struct seen *s, int n, int secs)
{
	struct timespec t;
	int got;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += secs;
	pthread_mutex_lock(&mu);
	while (s->calls < n && pthread_cond_timedwait(&cv, &mu, &t) != ETIMEDOUT)
		;
	got = s->calls;
	pthread_mutex_unlock(&mu);
	return got >= n;
}

static json_t *crit(json_t *j, const char *id)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(j, "criteria"), i, c)
		if (!strcmp(json_string_value(json_object_get(c, "id")), id))
			return c;
	return NULL;
}

static long long ival(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void test_daily(void)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 29, .tm_hour = 10,
			 .tm_min = 30, .tm_isdst = -1 };
	time_t now = mktime(&tm), t;

	t = zl_siterunner_next_daily(now, 3);
	localtime_r(&t, &tm);
	ok(tm.tm_mday == 30 && tm.tm_hour == 3 && tm.tm_min == 0, "03:00 has passed at 10:30: tomorrow");
	t = zl_siterunner_next_daily(now, 11);
	ok(t - now == 30 * 60, "11:00 is 30 minutes after 10:30");
	t = zl_siterunner_next_daily(zl_siterunner_next_daily(now, 11), 11);
	ok(t - now == 30 * 60 + 24 * 3600, "at 11:00 itself the next run is tomorrow's");
	tm = (struct tm){ .tm_year = 126, .tm_mon = 11, .tm_mday = 31, .tm_hour = 23, .tm_isdst = -1 };
	t = zl_siterunner_next_daily(mktime(&tm), 2);
	localtime_r(&t, &tm);
	ok(tm.tm_year == 127 && tm.tm_mon == 0 && tm.tm_mday == 1 && tm.tm_hour == 2,
	   "after 23:00 on 31 December: 1 January");
}

static void test_degradation(void)
{
	struct zl_sitecheck_opts o;
	double r;

	zl_sitecheck_opts_default(&o);
	ok(zl_sitecheck_degradation(20, 21, &o, &r) && r > 0.049 && r < 0.051,
	   "degradation: IPv6 1 ms slower of 20 is +5%%, passes");
	ok(!zl_sitecheck_degradation(20, 30, &o, &r) && r > 0.499 && r < 0.501,
	   "IPv6 10 ms slower of 20 is +50%%, fails");
	ok(zl_sitecheck_degradation(40, 30, &o, &r) && r < -0.249 && r > -0.251,
	   "IPv6 faster is a negative ratio, passes");
	ok(zl_sitecheck_degradation(0.2, 0.9, &o, &r) && r > 3.49 && r < 3.51,
	   "+350%% of 0.2 ms is under the 5 ms floor, passes");
	ok(!zl_sitecheck_degradation(1, 7, &o, &r), "6 ms more on 1 ms fails");
}

static void test_on_demand(struct zl_siterunner *r, struct seen *s)
{
	char url[64];
	json_t *c;
	long gap_min = 1000000;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	nreq = 0;
	is_int(zl_siterunner_request(r, url), 0, "a check is queued");
	ok(wait_calls(s, 1, 30), "its result comes to the callback");
	is_str(s->url, url, "for that URL");
	ok(s->j != NULL, "with a result");
	if (!s->j)
		return;
	ok(json_is_false(json_object_get(s->j, "ready")), "an IPv4 literal is not IPv6-ready");
	c = crit(s->j, "aaaa");
	ok(c && json_is_false(json_object_get(c, "ok")), "no AAAA: %s",
	   json_string_value(json_object_get(c, "reason")));
	c = crit(s->j, "homepage_v6");
	is_int(ival(c, "successes"), 0, "no homepage over IPv6");
	is_int(ival(c, "v4_successes"), 3, "3 of 3 over IPv4");
	c = crit(s->j, "links_l2");
	is_int(ival(c, "checked"), 2, "two own links (/a, /b; other.example is not the site's)");
	is_int(ival(c, "ready"), 0, "neither IPv6-ready");
	/* 3 homepage fetches over IPv4, then /a and /b over either family for
	 * the third level's links: 5 requests, each 200 ms after the last */
	pthread_mutex_lock(&mu);
	is_int(nreq, 5, "5 requests reached the site");
	for (int i = 1; i < nreq; i++) {
		long ms = (req_at[i].tv_sec - req_at[i - 1].tv_sec) * 1000 +
			  (req_at[i].tv_nsec - req_at[i - 1].tv_nsec) / 1000000;
		if (ms < gap_min)
			gap_min = ms;
	}
	pthread_mutex_unlock(&mu);
	/* measured where they arrive, so a loaded machine may bring two closer */
	ok(gap_min >= 150, "requests interval_ms (200) apart: smallest gap %ld ms", gap_min);
	is_int(ival(s->j, "requests"), 5, "the result counts them");
}

/*
 * The daily run: a time zone (POSIX TZ, offsets to the second) in which
 * it is now three seconds to the hour, and a runner whose hour is the next.
 */
static void test_daily_run(const struct zl_sitecheck_opts *o, const char *url)
{
	struct seen s = { 0 };
	struct zl_siterunner *r;
	time_t now = time(NULL);
	long off = ((3597 - now % 3600) % 3600 + 3600) % 3600;
	int hour = (int)(((now + off) / 3600 + 1) % 24);
	char tz[64];
	const char *sites[] = { url };

	snprintf(tz, sizeof(tz), "ZLT-%02ld:%02ld:%02ld", off / 3600, off / 60 % 60, off % 60);
	setenv("TZ", tz, 1);
	tzset();
	r = zl_siterunner_new(hour, o, on_result, &s);
	zl_siterunner_set_sites(r, sites, 1);
	ok(!wait_calls(&s, 1, 1), "daily at %02d:00 (TZ=%s): nothing before the hour", hour, tz);
	ok(wait_calls(&s, 1, 15), "the site is checked at the hour, unasked");
	is_str(s.url, url, "that site");
	zl_siterunner_free(r);
	json_decref(s.j);
	unsetenv("TZ");
	tzset();
}

int main(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	struct zl_sitecheck_opts o;
	struct zl_siterunner *r;
	struct seen s = { 0 };
	pthread_t th;
	struct timespec t0, t1;
	char url[64];

	test_daily();
	test_degradation();
	zl_sitecheck_global_init();
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 16) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl)) {
		printf("1..0 # SKIP no loopback socket\n");
		return 0;
	}
	port = ntohs(sa.sin_port);
	pthread_create(&th, NULL, serve, NULL);
	pthread_detach(th);

	zl_sitecheck_opts_default(&o);
	o.interval_ms = 200;
	o.timeout_ms = 30000;
	r = zl_siterunner_new(-1, &o, on_result, &s);
	ok(r != NULL, "runner started");
	test_on_demand(r, &s);

	is_int(zl_siterunner_request(r, "gopher://x.example/"), 0, "a bad URL is queued");
	ok(wait_calls(&s, 2, 10), "and answered");
	ok(s.j == NULL && strstr(s.err, "not an http"), "with an error: %s", s.err);
	is_int(zl_siterunner_done(r), 2, "two checks done");

	/* all sites on demand, then a stop while the slow one is fetched */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow", port);
	const char *sites[] = { url };
	is_int(zl_siterunner_set_sites(r, sites, 1), 0, "sites set");
	is_int(zl_siterunner_request(r, NULL), 0, "all sites queued");
	usleep(300 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	zl_siterunner_free(r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ok(ms < 2000, "stopping does not wait for the slow site (%ld ms)", ms);
	is_int(s.calls, 2, "a cancelled check gives no result");
	json_decref(s.j);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	test_daily_run(&o, url);
	close(lfd);
	return done_testing();
}
