/*
 * report-int.h - what the report's files share (private to daemon/reports/):
 *
 *   report.c         options, periods, the model, sections 1, 4, 6, 7, 8
 *   report_traffic.c sections 2, 3 and 5 from the fold
 *   report_ipv6.c    section 5's site readiness and service to-do list
 *   fold.c           the pass over agg5m, in two threads (fold.h)
 *   strings.c        the string catalogue (zh, en)
 *   pdf.c, charts.c  the PDF (cairo, pango) and its charts
 *   xlsx.c           the workbook (libxlsxwriter)
 *   csvzip.c         the CSV files, one per section, in a ZIP
 */
#ifndef ZL_REPORT_INT_H
#define ZL_REPORT_INT_H

#include <jansson.h>

#include "report.h"
#include "store_report.h"

struct rep {
	const struct zl_report_opts *o;
	const char *lang;
	struct zl_store_rep *st;
	int64_t prev_from, prev_to;     /* the period before, as long */
	json_t *model, *sections;
	json_t *sec[9];                 /* sections 1..8 by number */
	char err[512];
	int failed;
	unsigned target_traffic, target_portals;  /* the national IPv6 targets, % */
	/* what section 1 needs from the traffic pass */
	int64_t up, down, flows, v6;
};

#define S(r, key) zl_rs((r)->lang, key)

/* A new section in the model (borrowed); its blocks are appended. */
json_t *rep_section(struct rep *r, const char *id, const char *title_key);
void rep_text(json_t *sec, const char *text);
/* A table: columns as "kind:key" pairs (key into the catalogue). */
json_t *rep_table(struct rep *r, json_t *sec, const char *id, const char *title_key,
		  const char *const *cols, size_t ncols);
void rep_row(json_t *table, json_t *row);  /* takes row */
json_t *rep_chart(struct rep *r, json_t *sec, const char *kind, const char *title_key,
		  const char *unit_key);
void rep_series(json_t *chart, const char *name, json_t *values);  /* takes values */
/* A query's rows, NULL after an error (recorded in r, the build fails). */
json_t *rep_rows(struct rep *r, const char *name, int64_t from, int64_t to);
/* One integer of a one-row query. */
int64_t rep_int(struct rep *r, const char *name, int64_t from, int64_t to, size_t col);
json_t *rep_change(double now, double before);
void rep_nodata(struct rep *r, json_t *sec, const char *key);

int rep_traffic(struct rep *r);      /* sections 2, 3, 5 (report_traffic.c) */
void rep_ipv6(struct rep *r);        /* 5's sites and to-do list (report_ipv6.c) */

/* The renderers. */
int zl_report_pdf(json_t *m, FILE *f, char *err, size_t errlen);
int zl_report_xlsx(json_t *m, FILE *f, char *err, size_t errlen);
int zl_report_csvzip(json_t *m, FILE *f, char *err, size_t errlen);

#endif
