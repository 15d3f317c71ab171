/*
 * sitecheck.c - one site's IPv6 readiness by the national method: the
 * order of the steps, each criterion's verdict and reason, the JSON.
 *
 * Steps: AAAA (resolver); the zone's name servers over IPv6 (dnscheck.c);
 * the homepage fetched `tries` times over each family, interleaved so that
 * both see the same moment of the network (fetch.c); the content of the
 * first good answer of each family compared; the site's own links to
 * levels 2 and 3 (crawl.c); the connect times compared.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "page.h"
#include "sitecheck-int.h"

struct zl_sitecheck_result {
	char url[2048];
	char host[256];
	char domain[256];
	time_t checked;
	long duration_ms;
	long requests;
	struct zl_crit c[ZL_SC_N];
};

static const struct {
	const char *id, *name, *zh;
} crit_names[ZL_SC_N] = {
	[ZL_SC_AAAA] = { "aaaa", "AAAA record", "AAAA 记录" },
	[ZL_SC_NS] = { "ns", "name servers over IPv6", "域名服务器 IPv6" },
	[ZL_SC_HOME6] = { "homepage_v6", "homepage over IPv6", "首页 IPv6 访问" },
	[ZL_SC_CONTENT] = { "content", "same content over IPv4 and IPv6", "内容一致性" },
	[ZL_SC_LINKS2] = { "links_l2", "second-level links", "二级链接" },
	[ZL_SC_LINKS3] = { "links_l3", "third-level links", "三级链接" },
	[ZL_SC_PERF] = { "degradation", "IPv6/IPv4 degradation ratio", "性能劣化比" },
};

const char *zl_sitecheck_crit_id(enum zl_sitecrit c) { return crit_names[c].id; }
const char *zl_sitecheck_crit_name(enum zl_sitecrit c) { return crit_names[c].name; }
const char *zl_sitecheck_crit_name_zh(enum zl_sitecrit c) { return crit_names[c].zh; }

void zl_sitecheck_opts_default(struct zl_sitecheck_opts *o)
{
	*o = (struct zl_sitecheck_opts){
		.interval_ms = 1000, .max_pages = 50, .tries = 3,
		.connect_timeout_ms = 5000, .timeout_ms = 15000, .dns_timeout_ms = 2000,
		.min_home_rate = 1.0, .min_link_rate = 0.9,
		.max_degradation = 0.10, .degradation_floor_ms = 5.0,
	};
}

int zl_sitecheck_global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -1;
	zl_page_init();
	return 0;
}

static void verdict(struct zl_crit *c, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void verdict(struct zl_crit *c, int ok, const char *fmt, ...)
{
	va_list ap;

	c->ok = ok;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	if (!c->detail)
		c->detail = json_object();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The homepage fetched o->tries times per family. */
struct home {
	struct zl_fetch first[2];   /* [0] IPv4, [1] IPv6: the first answer kept */
	int tries[2], good[2];      /* good: answered below 400 */
	long status[2];
	double connect[2][16], total[2][16];
	int nconn[2], ntotal6;
	char last_error[2][256];
};

static int fetch_home(struct zl_pacer *p, const char *url, int have_aaaa, struct home *h)
{
	int tries = p->o->tries > 16 ? 16 : p->o->tries;

	for (int t = 0; t < tries; t++) {
		for (int fam = 0; fam < 2; fam++) {
			struct zl_fetch f;
			if (fam == 1 && !have_aaaa)
				continue;
			if (zl_fetch(p, url, fam ? 6 : 4, &f))
				return -ECANCELED;
			h->tries[fam]++;
			if (f.answered) {
				h->status[fam] = f.status;
				if (f.connect_ms > 0)
					h->connect[fam][h->nconn[fam]++] = f.connect_ms;
			}
			if (f.answered && f.status < 400) {
				h->good[fam]++;
				if (fam)
					h->total[1][h->ntotal6++] = f.total_ms;
			} else {
				snprintf(h->last_error[fam], sizeof(h->last_error[fam]), "%s", f.error);
			}
			if (f.answered && !h->first[fam].answered) {
				h->first[fam] = f;
				continue;
			}
			zl_fetch_clear(&f);
		}
	}
	return 0;
}

static void judge_home(struct zl_sitecheck_result *r, const struct zl_sitecheck_opts *o,
		       struct home *h)
{
	struct zl_crit *c = &r->c[ZL_SC_HOME6];
	int tries = o->tries > 16 ? 16 : o->tries;
	double rate = tries ? (double)h->good[1] / tries : 0;
	double ms = h->ntotal6 ? median(h->total[1], h->ntotal6) : 0;

	if (!r->c[ZL_SC_AAAA].ok)
		verdict(c, 0, "0 of %d tries: %s", tries, r->c[ZL_SC_AAAA].reason);
	else if (h->good[1] == tries)
		verdict(c, rate >= o->min_home_rate, "%d of %d tries answered HTTP %ld over IPv6, %.0f ms (median)",
			h->good[1], tries, h->status[1], ms);
	else
		verdict(c, rate >= o->min_home_rate, "%d of %d tries answered over IPv6; %s",
			h->good[1], tries, h->last_error[1]);
	json_object_set_new(c->detail, "tries", json_integer(tries));
	json_object_set_new(c->detail, "successes", json_integer(h->good[1]));
	json_object_set_new(c->detail, "success_rate", json_real(rate));
	json_object_set_new(c->detail, "status", h->status[1] ? json_integer(h->status[1]) : json_null());
	json_object_set_new(c->detail, "time_ms", h->ntotal6 ? json_real(ms) : json_null());
	json_object_set_new(c->detail, "v4_successes", json_integer(h->good[0]));
	json_object_set_new(c->detail, "v4_status", h->status[0] ? json_integer(h->status[0]) : json_null());
}

static json_t *page_json(const struct zl_fetch *f, char *title, size_t tlen, char hash[65])
{
	title[0] = hash[0] = 0;
	if (!f->answered)
		return json_null();
	zl_page_title(f->body, f->len, title, tlen);
	if (zl_page_hash(f->body, f->len, hash))
		hash[0] = 0;
	return json_pack("{s:I, s:s, s:s}", "status", (json_int_t)f->status, "title", title,
			 "hash", hash);
}

static void judge_content(struct zl_sitecheck_result *r, const struct home *h)
{
	struct zl_crit *c = &r->c[ZL_SC_CONTENT];
	char t4[256], t6[256], h4[65], h6[65];
	json_t *p4 = page_json(&h->first[0], t4, sizeof(t4), h4);
	json_t *p6 = page_json(&h->first[1], t6, sizeof(t6), h6);
	long s4 = h->first[0].status, s6 = h->first[1].status;

	if (!h->first[1].answered)
		verdict(c, 0, "no answer over IPv6 to compare (%s)",
			r->c[ZL_SC_AAAA].ok ? h->last_error[1] : r->c[ZL_SC_AAAA].reason);
	else if (!h->first[0].answered)
		verdict(c, 0, "no answer over IPv4 to compare with (%s)", h->last_error[0]);
	else if (s4 != s6)
		verdict(c, 0, "HTTP %ld over IPv4 but %ld over IPv6", s4, s6);
	else if (strcmp(t4, t6))
		verdict(c, 0, "title \"%s\" over IPv4 but \"%s\" over IPv6", t4, t6);
	else if (strcmp(h4, h6))
		verdict(c, 0, "the page's text differs between IPv4 and IPv6 "
			"(digits, addresses and whitespace ignored)");
	else
		verdict(c, 1, "HTTP %ld, title \"%s\" and the same text over both", s4, t4);
	json_object_set_new(c->detail, "v4", p4);
	json_object_set_new(c->detail, "v6", p6);
}

static void judge_level(struct zl_crit *c, const struct zl_sitecheck_opts *o, int level,
			struct zl_level *lv, const char *no_home)
{
	double rate = lv->checked ? (double)lv->ready / lv->checked : 0;
	json_t *first = json_array_get(lv->not_ready, 0);

	if (no_home)
		verdict(c, 0, "%s", no_home);
	else if (!lv->checked)
		verdict(c, 1, "no %s-level links of the site's own", level == 2 ? "second" : "third");
	else
		verdict(c, rate >= o->min_link_rate, "%d of %d links IPv6-ready (%.1f%%)%s%s%s%s",
			lv->ready, lv->checked, rate * 100, first ? "; " : "",
			first ? json_string_value(json_object_get(first, "url")) : "",
			first ? ": " : "",
			first ? json_string_value(json_object_get(first, "reason")) : "");
	json_object_set_new(c->detail, "checked", json_integer(lv->checked));
	json_object_set_new(c->detail, "ready", json_integer(lv->ready));
	json_object_set_new(c->detail, "rate", lv->checked ? json_real(rate) : json_null());
	json_object_set_new(c->detail, "not_ready", lv->not_ready);
	lv->not_ready = NULL;
}

/*
 * The national indicator's degradation ratio: (v6 - v4) / v4 of the
 * connect times. Connect times on a LAN are a millisecond or less, where
 * timer and scheduling noise is larger than any difference of path: a
 * difference under degradation_floor_ms passes.
 */
int zl_sitecheck_degradation(double v4_ms, double v6_ms, const struct zl_sitecheck_opts *o,
			     double *ratio)
{
	*ratio = v4_ms > 0 ? (v6_ms - v4_ms) / v4_ms : 0;
	return *ratio <= o->max_degradation || v6_ms - v4_ms < o->degradation_floor_ms;
}

/* medians over the tries */
static void judge_perf(struct zl_sitecheck_result *r, const struct zl_sitecheck_opts *o,
		       struct home *h)
{
	struct zl_crit *c = &r->c[ZL_SC_PERF];
	double v4, v6, ratio;
	int ok;

	if (!h->nconn[1] || !h->nconn[0]) {
		verdict(c, 0, "no %s connection to compare", h->nconn[1] ? "IPv4" : "IPv6");
		json_object_set_new(c->detail, "ratio", json_null());
		return;
	}
	v4 = median(h->connect[0], h->nconn[0]);
	v6 = median(h->connect[1], h->nconn[1]);
	ok = zl_sitecheck_degradation(v4, v6, o, &ratio);
	verdict(c, ok, "%+.1f%% (IPv4 %.2f ms, IPv6 %.2f ms to connect)%s", ratio * 100, v4, v6,
		ok && ratio > o->max_degradation ? ", under the measurement floor" : "");
	json_object_set_new(c->detail, "ratio", json_real(ratio));
	json_object_set_new(c->detail, "v4_connect_ms", json_real(v4));
	json_object_set_new(c->detail, "v6_connect_ms", json_real(v6));
	json_object_set_new(c->detail, "max_ratio", json_real(o->max_degradation));
}

static void judge_aaaa(struct zl_sitecheck_result *r)
{
	struct zl_addrs a;
	json_t *list = json_array();

	zl_dns_aaaa(r->host, &a);
	for (int i = 0; i < a.n; i++)
		json_array_append_new(list, json_string(a.a[i]));
	if (a.n)
		verdict(&r->c[ZL_SC_AAAA], 1, "%s has %s%s", r->host, a.a[0], a.n > 1 ? " and more" : "");
	else
		verdict(&r->c[ZL_SC_AAAA], 0, "%s", a.error);
	json_object_set_new(r->c[ZL_SC_AAAA].detail, "addresses", list);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

int zl_sitecheck_run(const char *url, const struct zl_sitecheck_opts *o,
		     struct zl_sitecheck_result **out, char *err, size_t errlen)
{
	struct zl_sitecheck_result *r;
	struct zl_pacer p = { .o = o };
	struct home h = { 0 };
	struct zl_level lv[2] = { { 0 }, { 0 } };
	const struct zl_fetch *page;
	struct timespec t0;
	int rc = 0;

	*out = NULL;
	if (!(r = calloc(1, sizeof(*r))))
		return -ENOMEM;
	if (strlen(url) >= sizeof(r->url) || zl_page_url_host(url, r->host, sizeof(r->host))) {
		snprintf(err, errlen, "%s: not an http:// or https:// URL with a host", url);
		free(r);
		return -EINVAL;
	}
	snprintf(r->url, sizeof(r->url), "%s", url);
	zl_page_site_domain(r->host, r->domain, sizeof(r->domain));
	r->checked = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	judge_aaaa(r);
	zl_dns_ns_check(r->host, o, &r->c[ZL_SC_NS]);
	if (o->cancel && atomic_load(o->cancel))
		rc = -ECANCELED;
	if (!rc)
		rc = fetch_home(&p, url, r->c[ZL_SC_AAAA].ok, &h);
	if (!rc) {
		judge_home(r, o, &h);
		judge_content(r, &h);
		page = h.first[0].answered ? &h.first[0] : &h.first[1];
		if (page->answered)
			rc = zl_crawl(&p, url, page, r->domain, lv);
		if (!rc) {
			const char *no_home = page->answered ? NULL : "the homepage did not answer";
			if (!page->answered)
				lv[0].not_ready = json_array(), lv[1].not_ready = json_array();
			judge_level(&r->c[ZL_SC_LINKS2], o, 2, &lv[0], no_home);
			judge_level(&r->c[ZL_SC_LINKS3], o, 3, &lv[1], no_home);
		}
		judge_perf(r, o, &h);
	}
	for (int i = 0; i < 2; i++) {
		zl_fetch_clear(&h.first[i]);
		json_decref(lv[i].not_ready);
	}
	if (rc) {
		snprintf(err, errlen, "%s: %s", url, rc == -ECANCELED ? "check cancelled" : strerror(-rc));
		zl_sitecheck_result_free(r);
		return rc;
	}
	r->requests = p.requests;
	r->duration_ms = ms_since(&t0);
	*out = r;
	return 0;
}

void zl_sitecheck_result_free(struct zl_sitecheck_result *r)
{
	if (!r)
		return;
	for (int i = 0; i < ZL_SC_N; i++)
		json_decref(r->c[i].detail);
	free(r);
}

const char *zl_sitecheck_url(const struct zl_sitecheck_result *r)
{
	return r->url;
}

int zl_sitecheck_ready(const struct zl_sitecheck_result *r)
{
	for (int i = 0; i < ZL_SC_N; i++)
		if (!r->c[i].ok)
			return 0;
	return 1;
}

int zl_sitecheck_ok(const struct zl_sitecheck_result *r, enum zl_sitecrit c, const char **reason)
{
	if (reason)
		*reason = r->c[c].reason;
	return r->c[c].ok;
}

json_t *zl_sitecheck_json(const struct zl_sitecheck_result *r)
{
	json_t *crits = json_array();
	char when[32];
	struct tm tm;

	gmtime_r(&r->checked, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (int i = 0; i < ZL_SC_N; i++) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s}", "id", crit_names[i].id,
				      "name", crit_names[i].name, "name_zh", crit_names[i].zh,
				      "ok", r->c[i].ok, "reason", r->c[i].reason);
		if (r->c[i].detail)
			json_object_update(o, r->c[i].detail);
		json_array_append_new(crits, o);
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:o}", "url", r->url,
			 "host", r->host, "domain", r->domain, "checked", when,
			 "duration_ms", (json_int_t)r->duration_ms, "requests", (json_int_t)r->requests,
			 "ready", zl_sitecheck_ready(r), "criteria", crits);
}
