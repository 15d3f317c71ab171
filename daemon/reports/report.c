/*
 * report.c - the monthly report's model (report.h): the period, the
 * sections in the order, and the sections that read small tables:
 * 1 概要, 4 安全事件, 6 策略变更, 7 运行与合规, 8 the signature block.
 * The traffic sections (2, 3, 5) come from one pass over agg5m in
 * report_traffic.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report-int.h"

#define US 1000000LL
#define DAY_S 86400LL

static const char *const section_keys[9] = {
	NULL, "sec.summary", "sec.traffic", "sec.behaviour", "sec.incidents", "sec.ipv6",
	"sec.policy", "sec.health", "sec.signature",
};
static const char *const section_ids[9] = {
	NULL, "summary", "traffic", "behaviour", "incidents", "ipv6", "policy", "health", "signature",
};

/* ---- the model's pieces ---- */

json_t *rep_section(struct rep *r, const char *id, const char *title_key)
{
	json_t *sec = json_pack("{s:s, s:s, s:[]}", "id", id, "title", S(r, title_key), "blocks");

	json_array_append_new(r->sections, sec);
	return sec;
}

void rep_text(json_t *sec, const char *text)
{
	json_array_append_new(json_object_get(sec, "blocks"),
			      json_pack("{s:s, s:s}", "type", "text", "text", text));
}

json_t *rep_table(struct rep *r, json_t *sec, const char *id, const char *title_key,
		  const char *const *cols, size_t ncols)
{
	json_t *t = json_pack("{s:s, s:s, s:s, s:[], s:[]}", "type", "table", "id", id,
			      "title", S(r, title_key), "columns", "rows");
	json_t *c = json_object_get(t, "columns");
	const char *colon;
	size_t i;

	for (i = 0; i < ncols; i++) {
		colon = strchr(cols[i], ':');
		json_array_append_new(c, json_pack("{s:s%, s:s}", "kind", cols[i],
						   (int)(colon - cols[i]), "title", S(r, colon + 1)));
	}
	json_array_append_new(json_object_get(sec, "blocks"), t);
	return t;
}

void rep_row(json_t *table, json_t *row)
{
	json_array_append_new(json_object_get(table, "rows"), row);
}

json_t *rep_chart(struct rep *r, json_t *sec, const char *kind, const char *title_key,
		  const char *unit_key)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:[], s:[]}", "type", "chart", "kind", kind,
			      "title", S(r, title_key), "unit", S(r, unit_key), "labels", "series");

	json_array_append_new(json_object_get(sec, "blocks"), c);
	return c;
}

void rep_series(json_t *chart, const char *name, json_t *values)
{
	json_array_append_new(json_object_get(chart, "series"),
			      json_pack("{s:s, s:o}", "name", name, "values", values));
}

json_t *rep_rows(struct rep *r, const char *name, int64_t from, int64_t to)
{
	json_t *rows;

	if (r->failed)
		return NULL;
	rows = zl_store_rep_rows(r->st, name, from, to, r->err, sizeof(r->err));
	if (!rows)
		r->failed = 1;
	return rows;
}

int64_t rep_int(struct rep *r, const char *name, int64_t from, int64_t to, size_t col)
{
	json_t *rows = rep_rows(r, name, from, to);
	int64_t v = json_integer_value(json_array_get(json_array_get(rows, 0), col));

	json_decref(rows);
	return v;
}

json_t *rep_change(double now, double before)
{
	if (before == 0)
		return json_null();
	return json_real((now - before) * 100.0 / before);
}

void rep_nodata(struct rep *r, json_t *sec, const char *key)
{
	rep_text(sec, S(r, key));
}

/* ---- periods (local time) ---- */

static int64_t local_midnight(int y, int mon, int d)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mon, .tm_mday = d, .tm_isdst = -1 };

	return (int64_t)mktime(&tm) * US;
}

int zl_report_month(const char *ym, int64_t *from_us, int64_t *to_us)
{
	int y, m, n = 0;

	if (!ym || sscanf(ym, "%4d-%2d%n", &y, &m, &n) != 2 || ym[n] || strlen(ym) != 7 ||
	    y < 1970 || y > 9999 || m < 1 || m > 12)
		return -1;
	*from_us = local_midnight(y, m - 1, 1);
	*to_us = local_midnight(y, m, 1);
	return 0;
}

void zl_report_prev_month(int64_t t_us, char *ym, size_t len, int64_t *from_us, int64_t *to_us)
{
	time_t t = (time_t)(t_us / US);
	struct tm tm;

	localtime_r(&t, &tm);
	if (--tm.tm_mon < 0) {
		tm.tm_mon = 11;
		tm.tm_year--;
	}
	snprintf(ym, len, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
	*from_us = local_midnight(tm.tm_year + 1900, tm.tm_mon, 1);
	*to_us = local_midnight(tm.tm_year + 1900, tm.tm_mon + 1, 1);
}

int64_t zl_report_month_after(int64_t t_us)
{
	time_t t = (time_t)(t_us / US);
	struct tm tm;

	localtime_r(&t, &tm);
	return local_midnight(tm.tm_year + 1900, tm.tm_mon + 1, 1);
}

int zl_report_format_parse(const char *s)
{
	return !s ? -1 : !strcmp(s, "pdf") ? ZL_REPORT_PDF : !strcmp(s, "xlsx") ? ZL_REPORT_XLSX :
		!strcmp(s, "csv") ? ZL_REPORT_CSV : -1;
}

const char *zl_report_format_name(enum zl_report_format f)
{
	return f == ZL_REPORT_XLSX ? "xlsx" : f == ZL_REPORT_CSV ? "csv" : "pdf";
}

static void local_time(int64_t us, const char *fmt, char *buf, size_t len)
{
	time_t t = (time_t)(us / US);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, fmt, &tm);
}

/* The period before: the month before a whole month, else as long a period. */
static void prev_period(const struct zl_report_opts *o, int64_t *from, int64_t *to)
{
	int64_t mf, mt;
	char ym[16];

	zl_report_prev_month(o->to_us - 1, ym, sizeof(ym), &mf, &mt);
	*to = o->from_us;
	*from = mt == o->from_us && zl_report_month_after(mt) == o->to_us ? mf :
		o->from_us - (o->to_us - o->from_us);
}

/* ---- 1 概要 ---- */

static int64_t action_count(json_t *rows, const char *action)
{
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row)
		if (!strcmp(json_string_value(json_array_get(row, 0)) ?: "", action))
			return json_integer_value(json_array_get(row, 1));
	return 0;
}

static void summary_row(json_t *t, const char *name, json_t *now, json_t *before)
{
	double a = json_number_value(now), b = json_number_value(before);

	rep_row(t, json_pack("[s, o, o, o]", name, now, before,
			     json_is_null(before) ? json_null() : rep_change(a, b)));
}

static void section_summary(struct rep *r)
{
	static const char *const tcols[] = { "text:col.item", "bytes:col.this", "bytes:col.prev",
					     "change:col.change" };
	static const char *const ccols[] = { "text:col.item", "num:col.this", "num:col.prev",
					     "change:col.change" };
	static const char *const scols[] = { "text:col.item", "pct:col.this_pct",
					     "pct:col.prev_pct", "pp:col.change_pp" };
	json_t *sec = r->sec[1], *t, *prev, *now_a, *prev_a, *now_s, *prev_s;
	int64_t pu, pd, pv6, ro, rp, po, pp;
	int incidents = zl_store_rep_has(r->st, "incident_notes", NULL);
	char text[1024];

	prev = rep_rows(r, "totals", r->prev_from, r->prev_to);
	now_a = rep_rows(r, "actions", r->o->from_us, r->o->to_us);
	prev_a = rep_rows(r, "actions", r->prev_from, r->prev_to);
	if (r->failed) {
		json_decref(prev);
		json_decref(now_a);
		json_decref(prev_a);
		return;
	}
	pu = json_integer_value(json_array_get(json_array_get(prev, 0), 0));
	pd = json_integer_value(json_array_get(json_array_get(prev, 0), 1));
	pv6 = json_integer_value(json_array_get(json_array_get(prev, 0), 3));
	if (!r->up && !r->down && !action_count(now_a, "block") && !action_count(now_a, "audit"))
		rep_nodata(r, sec, "txt.nodata_period");
	else {
		snprintf(text, sizeof(text), S(r, "txt.summary"), json_string_value(
			 json_object_get(r->model, "period")));
		rep_text(sec, text);
	}
	t = rep_table(r, sec, "summary_traffic", "tbl.summary_traffic", tcols, 4);
	summary_row(t, S(r, "row.in"), json_integer(r->down), json_integer(pd));
	summary_row(t, S(r, "row.out"), json_integer(r->up), json_integer(pu));
	summary_row(t, S(r, "row.total"), json_integer(r->up + r->down), json_integer(pu + pd));
	/* a share against a share: the change in percentage points, not a ratio */
	t = rep_table(r, sec, "summary_ipv6", "tbl.summary_ipv6", scols, 4);
	now_s = r->up + r->down ? json_real(r->v6 * 100.0 / (double)(r->up + r->down)) : json_null();
	prev_s = pu + pd ? json_real(pv6 * 100.0 / (double)(pu + pd)) : json_null();
	rep_row(t, json_pack("[s, O, O, o]", S(r, "row.v6share"), now_s, prev_s,
			     json_is_null(now_s) || json_is_null(prev_s) ? json_null() :
			     json_real(json_real_value(now_s) - json_real_value(prev_s))));
	json_decref(now_s);
	json_decref(prev_s);
	t = rep_table(r, sec, "summary_counts", "tbl.summary_counts", ccols, 4);
	summary_row(t, S(r, "row.blocked"), json_integer(action_count(now_a, "block")),
		    json_integer(action_count(prev_a, "block")));
	summary_row(t, S(r, "row.audited"), json_integer(action_count(now_a, "audit")),
		    json_integer(action_count(prev_a, "audit")));
	summary_row(t, S(r, "row.limited"), json_integer(action_count(now_a, "limit")),
		    json_integer(action_count(prev_a, "limit")));
	summary_row(t, S(r, "row.inc_opened"),
		    json_integer(rep_int(r, "incidents_opened", r->o->from_us, r->o->to_us, 0)),
		    json_integer(rep_int(r, "incidents_opened", r->prev_from, r->prev_to, 0)));
	if (incidents) {
		ro = rep_int(r, "incidents_resolved", r->o->from_us, r->o->to_us, 0);
		rp = rep_int(r, "incidents_resolved", r->prev_from, r->prev_to, 0);
		summary_row(t, S(r, "row.inc_resolved"), json_integer(ro), json_integer(rp));
	}
	po = rep_int(r, "policy_count", r->o->from_us, r->o->to_us, 0);
	pp = rep_int(r, "policy_count", r->prev_from, r->prev_to, 0);
	summary_row(t, S(r, "row.policy"), json_integer(po), json_integer(pp));
	json_decref(prev);
	json_decref(now_a);
	json_decref(prev_a);
}

/* ---- 4 安全事件: the incidents branch's tables (store_report.c) ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The q-quantile (nearest rank) of n sorted values, in minutes. */
static json_t *quantile_min(int64_t *v, size_t n, double q)
{
	size_t k;

	if (!n)
		return json_null();
	k = (size_t)(q * (double)n + 0.999999);
	k = k ? k - 1 : 0;
	return json_real((double)v[k < n ? k : n - 1] / (60.0 * US));
}

static void section_incidents(struct rep *r)
{
	static const char *const bycols[] = { "text:col.type", "int:col.severity", "int:col.count" };
	static const char *const tcols[] = { "text:col.measure", "num:col.median_min",
					     "num:col.p90_min", "int:col.count" };
	static const char *const topcols[] = { "int:col.severity", "time:col.first", "text:col.type",
					       "text:col.sentence" };
	json_t *sec = r->sec[4], *rows, *row, *t;
	int64_t *ack, *res, open_end;
	size_t i, na = 0, nr = 0;
	int zh = !strcmp(r->lang, "zh");

	if (!zl_store_rep_has(r->st, "incident_notes", NULL)) {
		rep_nodata(r, sec, "txt.nosource");
		return;
	}
	if (!(rows = rep_rows(r, "incidents_by", r->o->from_us, r->o->to_us)))
		return;
	if (!json_array_size(rows))
		rep_nodata(r, sec, "txt.nodata");
	t = rep_table(r, sec, "incidents_by", "tbl.incidents_by", bycols, 3);
	json_array_foreach(rows, i, row)
		rep_row(t, json_incref(row));
	json_decref(rows);
	if (!(rows = rep_rows(r, "incidents_times", r->o->from_us, r->o->to_us)))
		return;
	ack = calloc(json_array_size(rows) + 1, sizeof(*ack));
	res = calloc(json_array_size(rows) + 1, sizeof(*res));
	json_array_foreach(rows, i, row) {
		int64_t first = json_integer_value(json_array_get(row, 0));
		if (ack && json_is_integer(json_array_get(row, 1)))
			ack[na++] = json_integer_value(json_array_get(row, 1)) - first;
		if (res && json_is_integer(json_array_get(row, 2)))
			res[nr++] = json_integer_value(json_array_get(row, 2)) - first;
	}
	json_decref(rows);
	if (na)
		qsort(ack, na, sizeof(*ack), cmp_i64);
	if (nr)
		qsort(res, nr, sizeof(*res), cmp_i64);
	t = rep_table(r, sec, "incidents_times", "tbl.incidents_times", tcols, 4);
	rep_row(t, json_pack("[s, o, o, I]", S(r, "row.to_ack"), quantile_min(ack, na, 0.5),
			     quantile_min(ack, na, 0.9), (json_int_t)na));
	rep_row(t, json_pack("[s, o, o, I]", S(r, "row.to_resolve"), quantile_min(res, nr, 0.5),
			     quantile_min(res, nr, 0.9), (json_int_t)nr));
	free(ack);
	free(res);
	open_end = rep_int(r, "incidents_open_end", r->o->from_us, r->o->to_us, 0);
	rep_row(t, json_pack("[s, n, n, I]", S(r, "row.open_end"), (json_int_t)open_end));
	if (!(rows = rep_rows(r, "incidents_top", r->o->from_us, r->o->to_us)))
		return;
	t = rep_table(r, sec, "incidents_top", "tbl.incidents_top", topcols, 4);
	json_array_foreach(rows, i, row) {
		const char *zh_s = json_string_value(json_array_get(row, 4));
		rep_row(t, json_pack("[O, O, O, O]", json_array_get(row, 0), json_array_get(row, 2),
				     json_array_get(row, 1),
				     zh && zh_s && *zh_s ? json_array_get(row, 4) : json_array_get(row, 3)));
	}
	json_decref(rows);
}

/* ---- 6 策略变更 ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of a version: a bundle's (JSON: every string it holds) or the text's. */
static void lines_of(json_t *j, const char *text, char ***v, size_t *n, size_t *cap)
{
	const char *p, *e;
	const char *key;
	json_t *x;
	size_t i;

	if (j && json_is_object(j)) {
		json_object_foreach(j, key, x)
			lines_of(x, NULL, v, n, cap);
		return;
	}
	if (j && json_is_array(j)) {
		json_array_foreach(j, i, x)
			lines_of(x, NULL, v, n, cap);
		return;
	}
	if (j)
		text = json_string_value(j);
	for (p = text; p && *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, '\n');
		if (*n == *cap) {
			char **w = realloc(*v, (*cap = *cap ? *cap * 2 : 256) * sizeof(*w));
			if (!w)
				return;
			*v = w;
		}
		(*v)[(*n)++] = strndup(p, (size_t)(e - p));
	}
}

/* Lines added and removed from old to new, as multisets. */
static void line_diff(const char *old, const char *new, int64_t *added, int64_t *removed)
{
	char **a = NULL, **b = NULL;
	size_t na = 0, nb = 0, ca = 0, cb = 0, i = 0, k = 0;
	json_t *ja = old ? json_loads(old, 0, NULL) : NULL, *jb = json_loads(new, 0, NULL);
	int c;

	lines_of(ja, old, &a, &na, &ca);
	lines_of(jb, new, &b, &nb, &cb);
	if (na)
		qsort(a, na, sizeof(*a), cmp_str);
	if (nb)
		qsort(b, nb, sizeof(*b), cmp_str);
	*added = *removed = 0;
	while (i < na || k < nb) {
		c = i == na ? 1 : k == nb ? -1 : strcmp(a[i], b[k]);
		if (c < 0)
			(*removed)++, i++;
		else if (c > 0)
			(*added)++, k++;
		else
			i++, k++;
	}
	for (i = 0; i < na; i++)
		free(a[i]);
	for (i = 0; i < nb; i++)
		free(b[i]);
	free(a);
	free(b);
	json_decref(ja);
	json_decref(jb);
}

static void section_policy(struct rep *r)
{
	static const char *const cols[] = { "int:col.version", "time:col.when", "text:col.who",
					     "text:col.comment", "text:col.state", "int:col.added",
					     "int:col.removed" };
	static const char *const states[] = { "state.reverted", "state.pending", "state.confirmed" };
	json_t *rows = rep_rows(r, "policy", r->o->from_us, r->o->to_us), *row, *t;
	int64_t added, removed;
	int state;
	size_t i;

	if (!rows)
		return;
	if (!json_array_size(rows))
		rep_nodata(r, r->sec[6], "txt.nodata");
	t = rep_table(r, r->sec[6], "policy", "tbl.policy", cols, 7);
	json_array_foreach(rows, i, row) {
		line_diff(json_string_value(json_array_get(row, 6)),
			  json_string_value(json_array_get(row, 5)) ?: "", &added, &removed);
		state = (int)json_integer_value(json_array_get(row, 4));
		rep_row(t, json_pack("[O, O, O, O, s, I, I]", json_array_get(row, 0),
				     json_array_get(row, 1), json_array_get(row, 2),
				     json_array_get(row, 3), S(r, states[state < -1 ? 0 : state > 1 ? 2 :
								      state + 1]),
				     (json_int_t)added, (json_int_t)removed));
	}
	json_decref(rows);
}

/* ---- 7 运行与合规 ---- */

static void compliance_row(struct rep *r, json_t *t, const char *law, unsigned days,
			   int64_t oldest, int64_t now)
{
	unsigned kept = zl_store_rep_retention_days(r->st);
	int64_t age = oldest ? (now - oldest) / (DAY_S * US) : 0;
	char since[32] = "—", state[256];

	if (oldest)
		local_time(oldest, "%Y-%m-%d", since, sizeof(since));
	if (kept < days)
		snprintf(state, sizeof(state), S(r, "txt.notmet_retention"), kept, days);
	else if (!oldest || age < days)
		snprintf(state, sizeof(state), S(r, "txt.notmet_young"), (long long)age, days);
	else
		snprintf(state, sizeof(state), "%s", S(r, "txt.met"));
	rep_row(t, json_pack("[s, I, I, s, s]", law, (json_int_t)days, (json_int_t)kept, since,
			     state));
}

static void section_health(struct rep *r, int64_t now)
{
	static const char *const cols[] = { "text:col.item", "text:col.value" };
	static const char *const ccols[] = { "text:col.law", "int:col.required_days",
					     "int:col.retention_days", "text:col.kept_since",
					     "text:col.state" };
	json_t *rows = rep_rows(r, "oldest", 0, 0), *t, *o;
	char v[128];
	int64_t acc, agg;

	if (!rows)
		return;
	o = json_array_get(rows, 0);
	acc = json_integer_value(json_array_get(o, 0));
	agg = json_integer_value(json_array_get(o, 1)) * US;
	t = rep_table(r, r->sec[7], "health", "tbl.health", cols, 2);
	if (r->o->has_daemon) {
		snprintf(v, sizeof(v), S(r, "fmt.uptime"), (long long)(r->o->uptime_s / 86400),
			 (int)(r->o->uptime_s % 86400 / 3600), (int)(r->o->uptime_s % 3600 / 60));
		rep_row(t, json_pack("[s, s]", S(r, "row.uptime"), v));
		snprintf(v, sizeof(v), S(r, "fmt.drops"), (unsigned long long)r->o->capture_drops,
			 (unsigned long long)r->o->capture_packets);
		rep_row(t, json_pack("[s, s]", S(r, "row.drops"), v));
	}
	snprintf(v, sizeof(v), "%.1f MB", (double)zl_store_rep_db_bytes(r->st) / 1e6);
	rep_row(t, json_pack("[s, s]", S(r, "row.dbsize"), v));
	strcpy(v, "—");
	if (acc)
		local_time(acc, "%Y-%m-%d %H:%M", v, sizeof(v));
	rep_row(t, json_pack("[s, s]", S(r, "row.oldest_access"), v));
	strcpy(v, "—");
	if (agg)
		local_time(agg, "%Y-%m-%d %H:%M", v, sizeof(v));
	rep_row(t, json_pack("[s, s]", S(r, "row.oldest_traffic"), v));
	snprintf(v, sizeof(v), "%u", zl_store_rep_retention_days(r->st));
	rep_row(t, json_pack("[s, s]", S(r, "row.retention"), v));
	t = rep_table(r, r->sec[7], "compliance", "tbl.compliance", ccols, 5);
	/* the logs of network activity: the older of the access log and traffic */
	compliance_row(r, t, S(r, "law.csl21"), 180, acc && agg ? (acc < agg ? acc : agg) : acc ?: agg,
		       now);
	compliance_row(r, t, S(r, "law.mps82"), 60, acc, now);
	json_decref(rows);
}

/* ---- the whole ---- */

static void step(const struct zl_report_opts *o, const char *name, int percent)
{
	if (o->progress)
		o->progress(o->progress_ud, name, percent);
}

json_t *zl_report_build(struct zl_store *s, const struct zl_report_opts *o, char *err,
			size_t errlen)
{
	struct rep r = { .o = o };
	int64_t now = o->now_us ? o->now_us : (int64_t)time(NULL) * US;
	char from[32], to[32], gen[32], period[80], title[256];
	int i;

	r.lang = o->lang && !strcmp(o->lang, "en") ? "en" : "zh";
	r.target_traffic = o->ipv6_targets ? o->ipv6_target_traffic : ZL_REPORT_IPV6_TARGET_TRAFFIC;
	r.target_portals = o->ipv6_targets ? o->ipv6_target_portals : ZL_REPORT_IPV6_TARGET_PORTALS;
	if (o->to_us <= o->from_us || o->to_us - o->from_us > 400 * DAY_S * US) {
		snprintf(err, errlen, "the period must end after it starts, within 400 days");
		return NULL;
	}
	prev_period(o, &r.prev_from, &r.prev_to);
	local_time(o->from_us, "%Y-%m-%d", from, sizeof(from));
	local_time(o->to_us - 1, "%Y-%m-%d", to, sizeof(to));
	local_time(now, "%Y-%m-%d %H:%M", gen, sizeof(gen));
	snprintf(period, sizeof(period), "%s — %s", from, to);
	snprintf(title, sizeof(title), "%s%s", o->org ? o->org : "", S(&r, "title"));
	if (!(r.st = zl_store_rep_begin(s, err, errlen)))
		return NULL;
	r.model = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:b, s:[]}", "lang", r.lang,
			    "title", title, "subtitle", S(&r, "subtitle"), "period", period,
			    "from", (json_int_t)o->from_us, "to", (json_int_t)o->to_us,
			    "generated", gen, "by", o->by ? o->by : "", "persons", o->persons,
			    "sections");
	r.sections = json_object_get(r.model, "sections");
	for (i = 1; i <= 8; i++)
		r.sec[i] = rep_section(&r, section_ids[i], section_keys[i]);
	if (o->persons)
		rep_text(r.sec[3], S(&r, "txt.persons"));
	/* the pass over the aggregates is most of the time */
	step(o, "traffic", 5);
	if (rep_traffic(&r) == 0) {
		step(o, "ipv6", 55);
		rep_ipv6(&r);
		step(o, "summary", 60);
		section_summary(&r);
		step(o, "incidents", 65);
		section_incidents(&r);
		step(o, "policy", 70);
		section_policy(&r);
		step(o, "health", 75);
		section_health(&r, now);
	}
	json_array_append_new(json_object_get(r.sec[8], "blocks"), json_pack("{s:s}", "type",
									     "signature"));
	zl_store_rep_end(r.st);
	if (r.failed) {
		snprintf(err, errlen, "%s", r.err);
		json_decref(r.model);
		return NULL;
	}
	return r.model;
}

int zl_report_render(json_t *model, enum zl_report_format fmt, FILE *f, char *err, size_t errlen)
{
	switch (fmt) {
	case ZL_REPORT_PDF: return zl_report_pdf(model, f, err, errlen);
	case ZL_REPORT_XLSX: return zl_report_xlsx(model, f, err, errlen);
	case ZL_REPORT_CSV: return zl_report_csvzip(model, f, err, errlen);
	}
	snprintf(err, errlen, "unknown format");
	return -1;
}
