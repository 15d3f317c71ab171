/*
 * archive.c - generating reports into files, recording them, and the
 * schedule's thread (archive.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sodium.h>

#include "archive.h"
#include "log.h"

#define US 1000000LL
#define DAY_US (86400LL * US)

struct zl_archive {
	struct zl_archive_opts o;
	char *dir, *entertainment, *org;
	pthread_mutex_t gen;              /* one report at a time */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int started, stop;
};

static int sha256_file(const char *path, char hex[65], int64_t *bytes)
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], h[crypto_hash_sha256_BYTES];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	*bytes = 0;
	crypto_hash_sha256_init(&st);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		crypto_hash_sha256_update(&st, buf, n);
		*bytes += (int64_t)n;
	}
	fclose(f);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	return 0;
}

int64_t zl_archive_generate(struct zl_archive *a, const struct zl_report_opts *req,
			    const char *period, enum zl_report_format fmt, int scheduled,
			    struct zl_report_file *f, char *err, size_t errlen)
{
	struct zl_report_opts o = a->o.base;
	char tmp[600];
	int64_t now = (int64_t)time(NULL) * US, id;
	unsigned keep = a->o.keep_days;
	json_t *m;
	FILE *out;
	int fd, rc;
	size_t i;

	o.from_us = req->from_us;
	o.to_us = req->to_us;
	o.lang = req->lang && !strcmp(req->lang, "en") ? "en" : "zh";
	o.persons = req->persons;
	o.by = req->by;
	o.now_us = now;
	if (a->o.health)
		a->o.health(a->o.ud, &o);
	memset(f, 0, sizeof(*f));
	f->ts = now;
	f->from_us = o.from_us;
	f->to_us = o.to_us;
	f->persons = o.persons;
	f->scheduled = scheduled;
	f->keep_until = now + (int64_t)keep * DAY_US;
	snprintf(f->who, sizeof(f->who), "%s", o.by ? o.by : "");
	snprintf(f->period, sizeof(f->period), "%s", period);
	snprintf(f->format, sizeof(f->format), "%s", zl_report_format_name(fmt));
	snprintf(f->lang, sizeof(f->lang), "%s", o.lang);
	/* a name that says what it is: 2026-10-zh-departments-1764554400.pdf */
	snprintf(f->path, sizeof(f->path), "%s/%s-%s-%s-%lld.%s", a->dir, period, o.lang,
		 o.persons ? "persons" : "departments", (long long)(now / US),
		 fmt == ZL_REPORT_CSV ? "zip" : f->format);
	for (i = strlen(a->dir) + 1; f->path[i]; i++)
		if (!strchr("0123456789abcdefghijklmnopqrstuvwxyz-_.", f->path[i]))
			f->path[i] = '_';
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	pthread_mutex_lock(&a->gen);
	m = zl_report_build(a->o.store, &o, err, errlen);
	rc = -1;
	if (m && (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0) {
		if ((out = fdopen(fd, "wb"))) {
			rc = zl_report_render(m, fmt, out, err, errlen);
			if (fclose(out) != 0 && rc == 0) {
				snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
				rc = -1;
			}
		} else {
			close(fd);
		}
	} else if (m) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	}
	json_decref(m);
	pthread_mutex_unlock(&a->gen);
	if (rc == 0 && (rename(tmp, f->path) < 0 || sha256_file(f->path, f->sha256, &f->bytes) < 0)) {
		snprintf(err, errlen, "%s: %s", f->path, strerror(errno));
		rc = -1;
	}
	if (rc < 0) {
		unlink(tmp);
		return -1;
	}
	if ((id = zl_store_report_add(a->o.store, f, err, errlen)) < 0)
		unlink(f->path);
	f->id = id;
	return id;
}

static void remove_file(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		zl_log_warnx("reports: %s: %s", path, strerror(errno));
}

/* Did the appliance record anything before t (traffic or access log)? A
 * month before it first ran gets no scheduled report. */
static int recorded_before(struct zl_archive *a, int64_t t)
{
	struct zl_store_rep *r;
	json_t *rows, *o;
	char err[256];
	int64_t acc, agg;

	if (!(r = zl_store_rep_begin(a->o.store, err, sizeof(err))))
		return 0;
	rows = zl_store_rep_rows(r, "oldest", 0, 0, err, sizeof(err));
	zl_store_rep_end(r);
	o = json_array_get(rows, 0);
	acc = json_integer_value(json_array_get(o, 0));
	agg = json_integer_value(json_array_get(o, 1)) * US;
	json_decref(rows);
	return (acc && acc < t) || (agg && agg < t);
}

/* The month before, once it is the 1st at the configured minute or later. */
static void scheduled(struct zl_archive *a)
{
	static const enum zl_report_format fmts[] = { ZL_REPORT_PDF, ZL_REPORT_XLSX, ZL_REPORT_CSV };
	struct zl_report_opts req = { .by = "zhulan (schedule)", .lang = "zh" };
	int64_t now = (int64_t)time(NULL) * US;
	struct zl_report_file f;
	char period[16], err[512];
	size_t i;

	zl_report_prev_month(now, period, sizeof(period), &req.from_us, &req.to_us);
	if (now < req.to_us + (int64_t)a->o.minute * 60 * US ||
	    zl_store_report_scheduled(a->o.store, period) != 0 || !recorded_before(a, req.to_us))
		return;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if (zl_archive_generate(a, &req, period, fmts[i], 1, &f, err, sizeof(err)) < 0)
			zl_log_warnx("reports: the report of %s (%s): %s", period,
				     zl_report_format_name(fmts[i]), err);
		else
			zl_log_info("reports: the report of %s: %s (%lld bytes, SHA-256 %s)", period,
				    f.path, (long long)f.bytes, f.sha256);
	}
}

static void *run(void *ud)
{
	struct zl_archive *a = ud;
	struct timespec ts;

	pthread_mutex_lock(&a->lock);
	while (!a->stop) {
		pthread_mutex_unlock(&a->lock);
		scheduled(a);
		zl_store_report_expire(a->o.store, (int64_t)time(NULL) * US, remove_file);
		pthread_mutex_lock(&a->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 60;
		while (!a->stop && pthread_cond_timedwait(&a->cond, &a->lock, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

struct zl_archive *zl_archive_start(const struct zl_archive_opts *o, int schedule, char *err,
				    size_t errlen)
{
	struct zl_archive *a = calloc(1, sizeof(*a));

	if (!a || !(a->dir = strdup(o->dir)) || sodium_init() < 0) {
		snprintf(err, errlen, "reports: out of memory");
		zl_archive_stop(a);
		return NULL;
	}
	a->o = *o;
	a->o.dir = a->dir;
	if (o->base.entertainment && !(a->o.base.entertainment = a->entertainment =
				       strdup(o->base.entertainment)))
		goto oom;
	if (o->base.org && !(a->o.base.org = a->org = strdup(o->base.org)))
		goto oom;
	if (mkdir(a->dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", a->dir, strerror(errno));
		zl_archive_stop(a);
		return NULL;
	}
	pthread_mutex_init(&a->gen, NULL);
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	if (schedule && pthread_create(&a->thread, NULL, run, a) == 0)
		a->started = 1;
	return a;
oom:
	snprintf(err, errlen, "reports: out of memory");
	zl_archive_stop(a);
	return NULL;
}

void zl_archive_stop(struct zl_archive *a)
{
	if (!a)
		return;
	if (a->started) {
		pthread_mutex_lock(&a->lock);
		a->stop = 1;
		pthread_cond_signal(&a->cond);
		pthread_mutex_unlock(&a->lock);
		pthread_join(a->thread, NULL);
	}
	free(a->dir);
	free(a->entertainment);
	free(a->org);
	free(a);
}
