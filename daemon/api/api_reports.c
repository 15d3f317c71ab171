/*
 * api_reports.c - the monthly reports (daemon/reports/): ask for one (a
 * job the archive's thread builds; its state and progress), the archive's
 * list, and a file's download (audited). Roles report and
 * admin get the departments' version; security (and local root asking for
 * it) the persons' version, whose generation is a read of personal data.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "api.h"
#include "archive.h"
#include "timearg.h"

static enum MHD_Result job_reply(struct zl_api_req *r, unsigned status, json_t *job);

/* POST /v1/reports {"month":"YYYY-MM"} or {"from":T,"to":T}, "format",
 * "lang", "persons" (local root only; security always gets them): 202 and
 * the job at once (the same one when it is already asked for). */
enum MHD_Result zl_api_reports_post(struct zl_api_req *r)
{
	struct zl_archive *a = r->c->ctx.reports;
	struct zl_report_opts o = { 0 };
	enum MHD_Result rc = MHD_NO;
	int64_t id;
	int same;
	const char *month, *from, *to, *format, *lang;
	char err[512], period[64];
	long long now = zl_api_now_us(), fu, tu;
	json_t *body;
	int fmt;

	if (!a)
		return zl_api_fail(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "reports are not available");
	if (!(body = zl_api_body_json(r, &rc)))
		return rc;
	month = json_string_value(json_object_get(body, "month"));
	from = json_string_value(json_object_get(body, "from"));
	to = json_string_value(json_object_get(body, "to"));
	format = json_string_value(json_object_get(body, "format"));
	lang = json_string_value(json_object_get(body, "lang"));
	fmt = format ? zl_report_format_parse(format) : ZL_REPORT_PDF;
	err[0] = 0;
	if (fmt < 0)
		snprintf(err, sizeof(err), "format: expected pdf, xlsx or csv");
	else if (lang && strcmp(lang, "zh") && strcmp(lang, "en"))
		snprintf(err, sizeof(err), "lang: expected zh or en");
	else if (month && !from && !to) {
		if (zl_report_month(month, &o.from_us, &o.to_us) < 0)
			snprintf(err, sizeof(err), "month: expected YYYY-MM");
		snprintf(period, sizeof(period), "%s", month);
	} else if (!month && from && to) {
		if (zl_timearg_parse("from", from, now, &fu, err, sizeof(err)) == 0 &&
		    zl_timearg_parse("to", to, now, &tu, err, sizeof(err)) == 0) {
			o.from_us = fu;
			o.to_us = tu;
			snprintf(period, sizeof(period), "%lld-%lld", fu / 1000000, tu / 1000000);
		}
	} else {
		snprintf(err, sizeof(err), "expected \"month\" (YYYY-MM) or both \"from\" and \"to\"");
	}
	if (!*err && o.to_us <= o.from_us)
		snprintf(err, sizeof(err), "to: must be after from");
	o.persons = r->who.role == ZL_ROLE_SECURITY ||
		(r->who.root && json_is_true(json_object_get(body, "persons")));
	o.lang = lang && !strcmp(lang, "en") ? "en" : "zh";
	o.by = r->who.account;          /* the plain account; the audit keeps who.name */
	json_decref(body);
	if (*err)
		return zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST, err);
	if (o.persons && !zl_api_personal(r, ZL_ROLE_SECURITY, "report with persons", &rc))
		return rc;
	if ((id = zl_archive_submit(a, &o, period, (enum zl_report_format)fmt, &same, err,
				    sizeof(err))) < 0)
		return zl_api_fail(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, err);
	if (!same)
		zl_api_audit_event(r, NULL, "report requested",
				   json_pack("{s:I, s:s, s:s, s:s, s:b}", "job", (json_int_t)id,
					     "period", period, "format", zl_report_format_name(fmt),
					     "lang", o.lang, "persons", o.persons));
	return job_reply(r, MHD_HTTP_ACCEPTED, zl_archive_job(a, id));
}

/* A job's state, with where to ask again. */
static enum MHD_Result job_reply(struct zl_api_req *r, unsigned status, json_t *job)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;
	char loc[64], *body;
	json_t *wrap;

	if (!job)
		return zl_api_fail(r->conn, MHD_HTTP_NOT_FOUND, "no such job (the last 64 are kept)");
	snprintf(loc, sizeof(loc), "/v1/reports/jobs/%lld",
		 (long long)json_integer_value(json_object_get(job, "id")));
	wrap = json_pack("{s:o}", "job", job);
	body = json_dumps(wrap, JSON_COMPACT);
	json_decref(wrap);
	if (!body)
		return zl_api_fail(r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Location", loc);
	rc = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result download(struct zl_api_req *r, int64_t id)
{
	struct MHD_Response *resp;
	struct zl_report_file f;
	enum MHD_Result rc;
	char err[300], disp[160];
	struct stat st;
	int fd, found;

	found = zl_store_report_get(r->c->ctx.store, id, &f, err, sizeof(err));
	if (found < 0)
		return zl_api_fail(r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	if (!found)
		return zl_api_fail(r->conn, MHD_HTTP_NOT_FOUND, "no such report");
	/* the persons' version is personal data: security and root only */
	if (f.persons && !zl_api_personal(r, ZL_ROLE_SECURITY, "report download", &rc))
		return rc;
	if ((fd = open(f.path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return zl_api_fail(r->conn, MHD_HTTP_GONE, "the report's file is no longer kept");
	}
	if (!f.persons && zl_api_audit_event(r, NULL, "report download",
					     json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
						       "period", f.period, "sha256", f.sha256)) < 0) {
		close(fd);
		return zl_api_fail(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "the audit row of this download could not be written; try again later");
	}
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	snprintf(disp, sizeof(disp), "attachment; filename=\"zhulan-report-%s-%s.%s\"", f.period,
		 f.lang, !strcmp(f.format, "csv") ? "zip" : f.format);
	MHD_add_response_header(resp, "Content-Type", !strcmp(f.format, "pdf") ? "application/pdf" :
		!strcmp(f.format, "xlsx") ?
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "application/zip");
	MHD_add_response_header(resp, "Content-Disposition", disp);
	MHD_add_response_header(resp, "X-Zhulan-SHA256", f.sha256);
	rc = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* GET /v1/reports (the archive), GET /v1/reports/N (a file),
 * GET /v1/reports/jobs[/N] (the jobs asked for). */
enum MHD_Result zl_api_reports_get(struct zl_api_req *r)
{
	unsigned limit;
	char err[300];
	json_t *list;

	if (!strcmp(r->rest, "/jobs")) {
		if (!r->c->ctx.reports)
			return zl_api_fail(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "reports are not available");
		return zl_api_reply(r->conn, MHD_HTTP_OK, json_pack("{s:o}", "jobs",
								    zl_archive_jobs(r->c->ctx.reports)));
	}
	if (!strncmp(r->rest, "/jobs/", 6)) {
		const char *n = r->rest + 6;
		if (!r->c->ctx.reports || strspn(n, "0123456789") != strlen(n) || !*n || strlen(n) > 18)
			return zl_api_fail(r->conn, MHD_HTTP_NOT_FOUND, "no such job");
		return job_reply(r, MHD_HTTP_OK, zl_archive_job(r->c->ctx.reports, strtoll(n, NULL, 10)));
	}
	if (*r->rest) {
		const char *n = r->rest + 1;
		if (strspn(n, "0123456789") != strlen(n) || !*n || strlen(n) > 18)
			return zl_api_fail(r->conn, MHD_HTTP_NOT_FOUND, "no such report");
		return download(r, strtoll(n, NULL, 10));
	}
	if (zl_api_arg_uint(r->conn, "limit", 100, 10000, &limit, err, sizeof(err)) < 0)
		return zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST, err);
	if (!(list = zl_store_report_list(r->c->ctx.store, limit, err, sizeof(err))))
		return zl_api_fail(r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	return zl_api_reply(r->conn, MHD_HTTP_OK, json_pack("{s:o}", "reports", list));
}
