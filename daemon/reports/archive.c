/*
 * archive.c - generating reports into files, recording them, the jobs
 * asked for through the API and the schedule, both on the archive's own
 * thread (archive.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sodium.h>

#include "archive.h"
#include "log.h"
#include "store.h"

#define US 1000000LL
#define DAY_US (86400LL * US)

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED };
static const char *const job_states[] = { "queued", "running", "done", "failed" };

/* A report asked for; kept (done or failed) until its slot is reused. */
struct job {
	int64_t id, report, created, started, finished, from_us, to_us;
	enum job_state state;
	enum zl_report_format fmt;
	int persons, percent;
	char lang[4], by[200], period[64], step[16], err[512];
};

#define JOBS_KEPT 64

struct zl_archive {
	struct zl_archive_opts o;
	char *dir, *entertainment, *org;
	pthread_mutex_t gen;              /* one report at a time */
	pthread_mutex_t lock;             /* the jobs, stop */
	pthread_cond_t cond;
	pthread_t thread;
	int started, stop;
	struct job jobs[JOBS_KEPT];       /* job N in jobs[(N - 1) % JOBS_KEPT] */
	int64_t last_job;
};

/* A FILE on fd that keeps the errno of a failed write (a full disk says
 * so, whatever the renderer makes of it). */
struct wfile {
	int fd, err;
};

static ssize_t wfile_write(void *c, const char *buf, size_t n)
{
	struct wfile *w = c;
	size_t done = 0;
	ssize_t k;

	while (done < n) {
		if ((k = write(w->fd, buf + done, n - done)) < 0) {
			if (errno == EINTR)
				continue;
			w->err = errno;
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)k;
	}
	return (ssize_t)n;
}

static int wfile_close(void *c)
{
	struct wfile *w = c;

	if (fsync(w->fd) < 0 && !w->err)
		w->err = errno;
	if (close(w->fd) < 0 && !w->err)
		w->err = errno;
	return w->err ? -1 : 0;
}

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
	struct wfile w = { -1, 0 };
	json_t *m;
	FILE *out;
	int rc;
	size_t i;

	o.from_us = req->from_us;
	o.to_us = req->to_us;
	o.lang = req->lang && !strcmp(req->lang, "en") ? "en" : "zh";
	o.persons = req->persons;
	o.by = req->by;
	o.progress = req->progress;
	o.progress_ud = req->progress_ud;
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
	if (m && (w.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0) {
		cookie_io_functions_t io = { .write = wfile_write, .close = wfile_close };
		if ((out = fopencookie(&w, "wb", io))) {
			if (o.progress)
				o.progress(o.progress_ud, "render", 80);
			rc = zl_report_render(m, fmt, out, err, errlen);
			if (fclose(out) != 0 && rc == 0)
				rc = -1;
			if (w.err) {   /* the reason under the renderer's words */
				snprintf(err, errlen, "%s: %s", tmp, strerror(w.err));
				rc = -1;
			}
		} else {
			close(w.fd);
		}
	} else if (m) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	}
	json_decref(m);
	pthread_mutex_unlock(&a->gen);
	if (rc == 0 && o.progress)
		o.progress(o.progress_ud, "archive", 95);
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

/* ---- jobs ---- */

static struct job *job_slot(struct zl_archive *a, int64_t id)
{
	struct job *j = &a->jobs[(id - 1) % JOBS_KEPT];

	return id > 0 && j->id == id ? j : NULL;
}

int64_t zl_archive_submit(struct zl_archive *a, const struct zl_report_opts *req,
			  const char *period, enum zl_report_format fmt, int *same, char *err,
			  size_t errlen)
{
	const char *lang = req->lang && !strcmp(req->lang, "en") ? "en" : "zh";
	struct job *j;
	int64_t id = -1;
	size_t i;

	*same = 0;
	pthread_mutex_lock(&a->lock);
	for (i = 0; i < JOBS_KEPT && id < 0; i++) {
		j = &a->jobs[i];
		if (j->id && j->state <= JOB_RUNNING && j->fmt == fmt && j->persons == !!req->persons &&
		    j->from_us == req->from_us && j->to_us == req->to_us && !strcmp(j->lang, lang) &&
		    !strcmp(j->period, period)) {
			id = j->id;
			*same = 1;
		}
	}
	j = &a->jobs[a->last_job % JOBS_KEPT];
	if (id < 0 && j->id && j->state <= JOB_RUNNING) {
		snprintf(err, errlen, "%d reports are waiting to be made; ask again later", JOBS_KEPT);
	} else if (id < 0) {
		*j = (struct job){ .id = id = ++a->last_job, .state = JOB_QUEUED, .fmt = fmt,
				   .persons = !!req->persons, .from_us = req->from_us, .to_us = req->to_us,
				   .created = (int64_t)time(NULL) * US };
		snprintf(j->lang, sizeof(j->lang), "%s", lang);
		snprintf(j->by, sizeof(j->by), "%s", req->by ? req->by : "");
		snprintf(j->period, sizeof(j->period), "%s", period);
		snprintf(j->step, sizeof(j->step), "queued");
		pthread_cond_signal(&a->cond);
	}
	pthread_mutex_unlock(&a->lock);
	return id;
}

static json_t *jtime(int64_t us)
{
	time_t t = (time_t)(us / US);
	struct tm tm;
	char buf[32];

	if (!us)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	return json_string(buf);
}

static json_t *job_json(const struct job *j)
{
	char key[32];

	snprintf(key, sizeof(key), "%s%s", !strcmp(j->step, "queued") || !strcmp(j->step, "render") ||
		 !strcmp(j->step, "archive") || !strcmp(j->step, "done") ? "step." : "sec.", j->step);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o}",
			 "id", (json_int_t)j->id, "state", job_states[j->state], "period", j->period,
			 "format", zl_report_format_name(j->fmt), "lang", j->lang, "persons", j->persons,
			 "by", j->by, "step", j->step, "step_title", zl_rs(j->lang, key),
			 "percent", j->percent,
			 "report", j->state == JOB_DONE ? json_integer(j->report) : json_null(),
			 "error", j->state == JOB_FAILED ? json_string(j->err) : json_null(),
			 "created", jtime(j->created), "started", jtime(j->started),
			 "finished", jtime(j->finished));
}

json_t *zl_archive_job(struct zl_archive *a, int64_t id)
{
	struct job *j;
	json_t *out = NULL;

	pthread_mutex_lock(&a->lock);
	if ((j = job_slot(a, id)))
		out = job_json(j);
	pthread_mutex_unlock(&a->lock);
	return out;
}

json_t *zl_archive_jobs(struct zl_archive *a)
{
	json_t *out = json_array();
	struct job *j;
	int64_t id;

	pthread_mutex_lock(&a->lock);
	for (id = a->last_job; id > 0 && id > a->last_job - JOBS_KEPT; id--)
		if ((j = job_slot(a, id)))
			json_array_append_new(out, job_json(j));
	pthread_mutex_unlock(&a->lock);
	return out;
}

/* The report's steps into the job (zl_report_opts.progress). */
struct job_ref {
	struct zl_archive *a;
	struct job *j;
};

static void job_progress(void *ud, const char *step, int percent)
{
	struct job_ref *r = ud;

	pthread_mutex_lock(&r->a->lock);
	snprintf(r->j->step, sizeof(r->j->step), "%s", step);
	r->j->percent = percent;
	pthread_mutex_unlock(&r->a->lock);
}

/* The oldest queued job, made now; 0 when there was none. a->lock held. */
static int run_job(struct zl_archive *a)
{
	struct zl_report_opts req = { 0 };
	struct zl_report_file f;
	struct job *j = NULL, *x;
	struct job_ref ref = { a, NULL };
	char period[64], err[512] = "";
	enum zl_report_format fmt;
	int64_t id;
	size_t i;

	for (i = 0; i < JOBS_KEPT; i++) {
		x = &a->jobs[i];
		if (x->id && x->state == JOB_QUEUED && (!j || x->id < j->id))
			j = x;
	}
	if (!j)
		return 0;
	j->state = JOB_RUNNING;
	j->started = (int64_t)time(NULL) * US;
	/* the job's slot is not reused while it runs (zl_archive_submit) */
	req = (struct zl_report_opts){ .from_us = j->from_us, .to_us = j->to_us, .lang = j->lang,
				       .persons = j->persons, .by = j->by, .progress = job_progress,
				       .progress_ud = &ref };
	ref.j = j;
	snprintf(period, sizeof(period), "%s", j->period);
	fmt = j->fmt;
	pthread_mutex_unlock(&a->lock);
	id = zl_archive_generate(a, &req, period, fmt, 0, &f, err, sizeof(err));
	if (id >= 0) {
		json_t *d = json_pack("{s:I, s:I, s:s, s:s, s:b, s:s}", "id", (json_int_t)id,
				      "job", (json_int_t)ref.j->id, "period", f.period, "format",
				      f.format, "persons", f.persons, "sha256", f.sha256);
		char *detail = json_dumps(d, JSON_COMPACT);
		if (zl_store_audit(a->o.store, f.who, "report generated", detail ? detail : "{}") < 0)
			zl_log_warnx("reports: the audit row of report %lld was not written",
				     (long long)id);
		free(detail);
		json_decref(d);
	} else {
		zl_log_warnx("reports: the report of %s (%s) asked by %s: %s", period,
			     zl_report_format_name(fmt), req.by, err);
	}
	pthread_mutex_lock(&a->lock);
	j->finished = (int64_t)time(NULL) * US;
	j->state = id >= 0 ? JOB_DONE : JOB_FAILED;
	j->report = id;
	snprintf(j->err, sizeof(j->err), "%s", err);
	if (id >= 0) {
		snprintf(j->step, sizeof(j->step), "done");
		j->percent = 100;
	}
	return 1;
}

static void *run(void *ud)
{
	struct zl_archive *a = ud;
	struct timespec ts;
	time_t next = 0;

	pthread_mutex_lock(&a->lock);
	while (!a->stop) {
		if (run_job(a))
			continue;
		if (a->o.schedule_on && time(NULL) >= next) {
			pthread_mutex_unlock(&a->lock);
			scheduled(a);
			zl_store_report_expire(a->o.store, (int64_t)time(NULL) * US, remove_file);
			pthread_mutex_lock(&a->lock);
			next = time(NULL) + 60;
			continue;   /* a job asked meanwhile goes first */
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 60;
		pthread_cond_timedwait(&a->cond, &a->lock, &ts);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* ---- the directory ---- */

/* Move what old holds into dir (both exist), then remove old. */
static int merge_dir(const char *old, const char *dir, char *err, size_t errlen)
{
	char from[4352], to[4352];
	struct dirent *e;
	DIR *d = opendir(old);

	if (!d) {
		snprintf(err, errlen, "%s: %s", old, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(from, sizeof(from), "%s/%s", old, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", dir, e->d_name);
		if (rename(from, to) < 0) {
			snprintf(err, errlen, "%s: cannot move it to %s: %s", from, dir, strerror(errno));
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (rmdir(old) < 0) {
		snprintf(err, errlen, "%s: %s", old, strerror(errno));
		return -1;
	}
	return 0;
}

int zl_archive_dir(const char *database, char *dir, size_t len, char *old, size_t oldlen,
		   char *err, size_t errlen)
{
	char *copy = strdup(database);
	struct stat st;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(dir, len, "%s/reports", dirname(copy));
	free(copy);
	snprintf(old, oldlen, "%s.reports", database);
	if (lstat(old, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	/* the archive's old place (before 0.x): renamed, or merged into the
	 * directory packaging's tmpfiles made */
	if (rename(old, dir) == 0) {
		zl_log_info("reports: %s renamed to %s", old, dir);
		return 0;
	}
	if (errno != EEXIST && errno != ENOTEMPTY) {
		snprintf(err, errlen, "%s: cannot rename it to %s: %s", old, dir, strerror(errno));
		return -1;
	}
	if (merge_dir(old, dir, err, errlen) < 0)
		return -1;
	zl_log_info("reports: the files of %s moved to %s", old, dir);
	return 0;
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
	a->o.schedule_on = schedule;
	if (pthread_create(&a->thread, NULL, run, a) != 0) {
		snprintf(err, errlen, "reports: cannot start the thread");
		zl_archive_stop(a);
		return NULL;
	}
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
