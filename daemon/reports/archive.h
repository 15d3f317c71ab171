/*
 * archive.h - the reports' archive and schedule: generating a report into
 * a file under the state directory ("DATABASE.reports/"), its
 * SHA-256, who asked and when in the store; a thread of its own that makes
 * the month before on the 1st (at report_time, local; also later that month
 * if the daemon was not running then) in PDF, XLSX and CSV, and removes
 * files whose keeping time is over. Never on the capture path: it reads the
 * store's read connections like any query.
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
};

/* The archive; with schedule, its thread too. NULL with err. */
struct zl_archive *zl_archive_start(const struct zl_archive_opts *o, int schedule, char *err,
				    size_t errlen);
void zl_archive_stop(struct zl_archive *a);

/*
 * Generate a report of [from, to) ("period" names it: "2026-10") now, in
 * the caller's thread, one at a time; the file's row in *f. The id, or -1
 * with err. lang, persons and by come from req; the rest from the base.
 */
int64_t zl_archive_generate(struct zl_archive *a, const struct zl_report_opts *req,
			    const char *period, enum zl_report_format fmt, int scheduled,
			    struct zl_report_file *f, char *err, size_t errlen);

#endif
