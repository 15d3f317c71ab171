/*
 * sitecheck.h - the IPv6 readiness check of one web site by the national
 * monitoring method (AAAA record, homepage over IPv6, the same content
 * over IPv4 and IPv6, the IPv6 support rate of the second- and
 * third-level links, the IPv6/IPv4 degradation ratio), plus whether the
 * domain's name servers answer over IPv6.
 *
 * A check makes network requests for a minute or more (one a second to
 * the site by default): run it in a thread of its own (siterunner.h),
 * never on the capture path. It uses libcurl and the system resolver;
 * every request and query has a timeout.
 */
#ifndef ZL_SITECHECK_H
#define ZL_SITECHECK_H

#include <stdatomic.h>
#include <stddef.h>

#include <jansson.h>

/* The criteria, in the order they are reported. */
enum zl_sitecrit {
	ZL_SC_AAAA,       /* AAAA 记录 */
	ZL_SC_NS,         /* the domain's name servers over IPv6 */
	ZL_SC_HOME6,      /* 首页 IPv6 访问 */
	ZL_SC_CONTENT,    /* 内容一致性 */
	ZL_SC_LINKS2,     /* 二级链接 */
	ZL_SC_LINKS3,     /* 三级链接 */
	ZL_SC_PERF,       /* 性能劣化比 */
	ZL_SC_N
};

struct zl_sitecheck_opts {
	long interval_ms;         /* between two requests to the site (1000) */
	int max_pages;            /* links checked per level (50) */
	int tries;                /* homepage fetches per family (3) */
	long connect_timeout_ms;  /* (5000) */
	long timeout_ms;          /* one whole request (15000) */
	long dns_timeout_ms;      /* one query to a name server (2000) */
	double min_home_rate;     /* homepage IPv6 success rate to pass (1.0) */
	double min_link_rate;     /* link support rate to pass, each level (0.9) */
	double max_degradation;   /* (v6 - v4) / v4 connect time to pass (0.10) */
	double degradation_floor_ms; /* a difference below this passes (5 ms) */
	const char *ca_file;      /* NULL: the system's CAs */
	const atomic_int *cancel; /* non-zero: stop at the next request */
};

/* The defaults above. */
void zl_sitecheck_opts_default(struct zl_sitecheck_opts *o);

/* curl, libxml2 and libsodium globals: once, before any thread checks. */
int zl_sitecheck_global_init(void);

struct zl_sitecheck_result;

/*
 * Checks url (http:// or https://). Returns 0 and *out (the caller frees
 * it), -EINVAL with err filled for a URL that cannot be checked,
 * -ECANCELED when opts->cancel was raised, -ENOMEM.
 */
int zl_sitecheck_run(const char *url, const struct zl_sitecheck_opts *o,
		     struct zl_sitecheck_result **out, char *err, size_t errlen);
void zl_sitecheck_result_free(struct zl_sitecheck_result *r);

const char *zl_sitecheck_url(const struct zl_sitecheck_result *r);
/* 1 when every criterion passed */
int zl_sitecheck_ready(const struct zl_sitecheck_result *r);
/* 1 passed, 0 failed; *reason (borrowed from r) says why either way */
int zl_sitecheck_ok(const struct zl_sitecheck_result *r, enum zl_sitecrit c,
		    const char **reason);

/*
 * The whole result as JSON (a new reference): url, host, domain, checked
 * (UTC, ISO 8601), duration_ms, ready, requests, and criteria: an array
 * in enum order of {id, name, name_zh, ok, reason, ...figures}. See
 * docs/ARCHITECTURE.md for the figures of each criterion.
 */
json_t *zl_sitecheck_json(const struct zl_sitecheck_result *r);

/*
 * The degradation criterion on its own: *ratio = (v6 - v4) / v4 of the
 * connect times; 1 when it passes (at most max_degradation, or a
 * difference under degradation_floor_ms).
 */
int zl_sitecheck_degradation(double v4_ms, double v6_ms, const struct zl_sitecheck_opts *o,
			     double *ratio);

/* id, English and Chinese name of a criterion */
const char *zl_sitecheck_crit_id(enum zl_sitecrit c);
const char *zl_sitecheck_crit_name(enum zl_sitecrit c);
const char *zl_sitecheck_crit_name_zh(enum zl_sitecrit c);

#endif
