/*
 * report.h - the monthly report for the county data office (数据局): its
 * data model, built from the store's aggregates for a month or any period,
 * and its three renderings (PDF with charts, XLSX, CSV files in a ZIP).
 *
 * The model is a JSON object that the renderers only read:
 *   {"lang","title","subtitle","period","from","to","generated","by",
 *    "persons", "sections":[{"id","title","blocks":[BLOCK...]}]}
 * where a BLOCK is one of
 *   {"type":"text","text"}
 *   {"type":"table","id","title","columns":[{"title","kind"}],"rows":[[..]]}
 *       kind: "text", "int", "bytes", "pct" (a number 0..100), "change"
 *       (a ratio in percent, null when there is nothing to compare), "pp"
 *       (a share's change in percentage points, 百分点), "time"
 *   {"type":"chart","kind":"bar|line|area","title","unit","labels":[..],
 *       "series":[{"name","values":[..]}]}
 *   {"type":"signature"}
 * Numbers are exact (bytes as integers); the PDF rounds them for reading,
 * the XLSX and CSV keep them as they are.
 */
#ifndef ZL_REPORT_H
#define ZL_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct zl_store;

enum zl_report_format { ZL_REPORT_PDF, ZL_REPORT_XLSX, ZL_REPORT_CSV };

#define ZL_REPORT_MAX_RANGES 4

struct zl_report_opts {
	int64_t from_us, to_us;     /* the period, to exclusive */
	const char *lang;           /* "zh" (default) or "en" */
	int persons;                /* name persons (a role entitled to see them) */
	const char *by;             /* who asked (the schedule: "zhulan") */
	const char *org;            /* the organisation, NULL: none */
	/* working hours, local time: days (bit 0 Sunday .. bit 6 Saturday)
	 * and minute-of-day ranges [start, end) (zl_conf_parse_hours) */
	unsigned work_days;
	unsigned work_ranges[ZL_REPORT_MAX_RANGES][2];
	int n_work_ranges;
	const char *entertainment;  /* categories, comma-separated; NULL: the default */
	/* the national IPv6 targets in percent (zhulan.conf's ipv6_target_traffic
	 * and ipv6_target_portals) when ipv6_targets is 1; 0: the defaults */
	int ipv6_targets;
	unsigned ipv6_target_traffic, ipv6_target_portals;
	/* from the running daemon; has_daemon 0: the report omits them */
	int has_daemon;
	int64_t uptime_s;
	uint64_t capture_packets, capture_drops;
	int64_t now_us;             /* 0: now */
	/* told each step as it starts ("traffic", "ipv6", "summary", ...,
	 * the section it builds) with the share done in percent; may be NULL */
	void (*progress)(void *ud, const char *step, int percent);
	void *progress_ud;
};

/* The national targets' defaults (conf.c's). */
#define ZL_REPORT_IPV6_TARGET_TRAFFIC 27
#define ZL_REPORT_IPV6_TARGET_PORTALS 100

/* The default entertainment categories (nDPI's names). */
#define ZL_REPORT_ENTERTAINMENT "Video,Streaming,Game,Music,SocialNetwork,Shopping"

/* The model (a new reference), or NULL with err. */
json_t *zl_report_build(struct zl_store *s, const struct zl_report_opts *o, char *err,
			size_t errlen);

/* Render the model into f (binary). 0, or -1 with err. */
int zl_report_render(json_t *model, enum zl_report_format fmt, FILE *f, char *err, size_t errlen);

/* At exit: free the font caches pango, cairo and fontconfig keep (so that
 * a leak checker sees only real leaks). No report may be in progress. */
void zl_report_cleanup(void);

/* "pdf", "xlsx", "csv" and back; -1 when unknown. */
int zl_report_format_parse(const char *s);
const char *zl_report_format_name(enum zl_report_format f);

/* A month "YYYY-MM" as local midnights [from, to). 0, or -1 when malformed. */
int zl_report_month(const char *ym, int64_t *from_us, int64_t *to_us);
/* The month before the one holding t (local), as "YYYY-MM" and its bounds. */
void zl_report_prev_month(int64_t t_us, char *ym, size_t len, int64_t *from_us, int64_t *to_us);
/* The local midnight that starts the month after the one holding t. */
int64_t zl_report_month_after(int64_t t_us);

/* The string catalogue (strings.c): the text of key in lang ("zh", "en"). */
const char *zl_rs(const char *lang, const char *key);

#endif
