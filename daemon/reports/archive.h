/*
 * archive.h - the reports' archive, jobs and schedule: generating a report
 * into a file under the state directory ("reports/" beside the database),
 * its SHA-256, who asked and when in the store; a thread of its own that
 * builds the reports asked for (jobs, one at a time, in the order asked)
 * and makes the month before on the 1st (at report_time, local; also later
 * that month if the daemon was not running then) in PDF, XLSX and CSV, and
 * removes files whose keeping time is over. Never on the capture path: it
 * reads the store's read connections like any query.
 */
#ifndef ZL_ARCHIVE_H
#define ZL_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "store_report.h"

struct zl_archive;

struct zl_archive_opts {
	struct zl_store *store;
	const char *dir;                  /* the files' directory (made 0700) */
	unsigned minute;                  /* minute of the 1st the month before is made */
	unsigned keep_days;               /* at least the retention */
	struct zl_report_opts base;       /* working hours, entertainment, org */
	/* the running daemon's figures (uptime, capture drops) into o; may be NULL */
	void (*health)(void *ud, struct zl_report_opts *o);
	void *ud;
	int schedule_on;                  /* set by zl_archive_start */
};

/* The archive and its thread (jobs; with schedule, the month before on the
 * 1st and the removal of old files too). NULL with err. */
struct zl_archive *zl_archive_start(const struct zl_archive_opts *o, int schedule, char *err,
				    size_t errlen);
void zl_archive_stop(struct zl_archive *a);

/*
 * Ask the thread for a report (a job); lang, persons and by from req. The
 * job's id, or -1 with err (too many waiting). A job of the same period,
 * format, language and edition still queued or running is the answer
 * instead (*same set to 1): it is not made twice.
 */
int64_t zl_archive_submit(struct zl_archive *a, const struct zl_report_opts *req,
			  const char *period, enum zl_report_format fmt, int *same, char *err,
			  size_t errlen);
/*
 * A job as JSON (a new reference), NULL when unknown (the last 64 are
 * kept): {"id", "state": "queued|running|done|failed", "period", "format",
 * "lang", "persons", "by", "step", "step_title", "percent", "report" (the
 * archive's id once done, else null), "error" (why it failed, else null),
 * "created", "started", "finished" (RFC 3339 UTC or null)}.
 */
json_t *zl_archive_job(struct zl_archive *a, int64_t id);
/* The kept jobs, newest first. */
json_t *zl_archive_jobs(struct zl_archive *a);

/* The archive's directory for a database: "reports" beside it. A
 * directory of the old name ("DATABASE.reports") is renamed to it (and the
 * store's paths follow: zl_store_report_moved). 0, or -1 with err. */
int zl_archive_dir(const char *database, char *dir, size_t len, char *old, size_t oldlen,
		   char *err, size_t errlen);

/*
 * Generate a report of [from, to) ("period" names it: "2026-10") now, in
 * the caller's thread, one at a time; the file's row in *f. The id, or -1
 * with err (the archive untouched: no file, no row). lang, persons, by and
 * progress come from req; the rest from the base.
 */
int64_t zl_archive_generate(struct zl_archive *a, const struct zl_report_opts *req,
			    const char *period, enum zl_report_format fmt, int scheduled,
			    struct zl_report_file *f, char *err, size_t errlen);

#endif
