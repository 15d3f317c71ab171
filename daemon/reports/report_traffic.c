/*
 * report_traffic.c - sections 2 (traffic), 3 (上网行为管理) and 5 (IPv6
 * 改造) from the period's half-hourly rollups (fold.c), folded in memory
 * by department (the address book's, by source address, when the flow was
 * written), category, application, local day and hour; plus the access
 * log's blocks and limits from its rollup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fold.h"

#define US 1000000LL
#define SLOT 300

static int by_total(const void *a, const void *b)
{
	const struct acc *x = a, *y = b;
	int64_t s = x->up + x->down, t = y->up + y->down;

	return s != t ? (s < t) - (s > t) : strcmp(x->name, y->name);
}

static int by_ent(const void *a, const void *b)
{
	const struct acc *x = a, *y = b;

	return x->ent != y->ent ? (x->ent < y->ent) - (x->ent > y->ent) : strcmp(x->name, y->name);
}

static double gb(int64_t v)
{
	return (double)v / 1e9;
}

static void traffic_table(struct rep *r, json_t *sec, const char *id, const char *title,
			  struct group *g, size_t limit, int with_cat, int64_t total)
{
	static const char *const cols[] = { "text:col.name", "bytes:col.in", "bytes:col.out",
					    "bytes:col.total", "int:col.flows", "pct:col.share" };
	static const char *const acols[] = { "text:col.app", "text:col.category", "bytes:col.in",
					     "bytes:col.out", "bytes:col.total", "int:col.flows",
					     "pct:col.share" };
	json_t *t = rep_table(r, sec, id, title, with_cat ? acols : cols, with_cat ? 7 : 6), *row;
	json_t *chart = NULL, *labels = NULL, *vals = NULL, *nums;
	size_t i;

	if (!with_cat) {
		char key[64];
		snprintf(key, sizeof(key), "chart.%s", id);
		chart = rep_chart(r, sec, "bar", key, "unit.gb");
		labels = json_object_get(chart, "labels");
		vals = json_array();
	}
	for (i = 0; i < g->map.n && i < limit; i++) {
		struct acc *a = &g->v[i];
		if (a->up + a->down == 0 && a->flows == 0)
			continue;
		row = json_pack("[s]", a->name);
		if (with_cat)
			json_array_append_new(row, json_string(a->extra ? a->extra : ""));
		nums = json_pack("[I, I, I, I, f]", (json_int_t)a->down, (json_int_t)a->up,
				 (json_int_t)(a->up + a->down), (json_int_t)a->flows,
				 total ? (double)(a->up + a->down) * 100.0 / (double)total : 0.0);
		json_array_extend(row, nums);
		json_decref(nums);
		rep_row(t, row);
		if (chart && i < 12) {
			json_array_append_new(labels, json_string(a->name));
			json_array_append_new(vals, json_real(gb(a->up + a->down)));
		}
	}
	if (chart)
		rep_series(chart, S(r, "col.total"), vals);
}

static void section_traffic(struct fold *f)
{
	static const char *const dcols[] = { "text:col.date", "bytes:col.in", "bytes:col.out",
					     "bytes:col.total" };
	static const char *const hcols[] = { "text:col.hour", "bytes:col.total" };
	struct rep *r = f->r;
	json_t *sec = r->sec[2], *t, *c, *in, *out, *lab;
	int64_t total = r->up + r->down, best[10] = { 0 };
	size_t i, k, j, top[10], ntop = 0;
	char hour[32];

	if (!total)
		rep_nodata(r, sec, "txt.nodata_traffic");
	traffic_table(r, sec, "by_department", "tbl.by_department", &f->dept, 1000, 0, total);
	traffic_table(r, sec, "by_category", "tbl.by_category", &f->cat, 1000, 0, total);
	traffic_table(r, sec, "by_app", "tbl.by_app", &f->app, 20, 1, total);
	t = rep_table(r, sec, "by_day", "tbl.by_day", dcols, 4);
	c = rep_chart(r, sec, "line", "chart.by_day", "unit.gb");
	lab = json_object_get(c, "labels");
	in = json_array();
	out = json_array();
	for (i = 0; i < f->ndays; i++) {
		rep_row(t, json_pack("[s, I, I, I]", f->day_label[i], (json_int_t)f->day_down[i],
				     (json_int_t)f->day_up[i], (json_int_t)(f->day_up[i] + f->day_down[i])));
		json_array_append_new(lab, json_string(f->day_label[i]));
		json_array_append_new(in, json_real(gb(f->day_down[i])));
		json_array_append_new(out, json_real(gb(f->day_up[i])));
	}
	rep_series(c, S(r, "col.in"), in);
	rep_series(c, S(r, "col.out"), out);
	/* the five largest categories per day, stacked, and the rest */
	c = rep_chart(r, sec, "area", "chart.by_day_category", "unit.gb");
	json_object_set(c, "labels", lab);
	for (k = 0; k < f->cat.map.n && k < 6; k++) {
		json_t *v = json_array();
		for (i = 0; i < f->ndays; i++) {
			int64_t b = 0;
			if (k < 5)
				b = f->cat.v[k].days[i];
			else
				for (j = 5; j < f->cat.map.n; j++)
					b += f->cat.v[j].days[i];
			json_array_append_new(v, json_real(gb(b)));
		}
		rep_series(c, k < 5 ? f->cat.v[k].name : S(r, "txt.other"), v);
	}
	/* busiest hours: the hour of day over the period, and the ten busiest hours */
	c = rep_chart(r, sec, "bar", "chart.by_hour", "unit.gb");
	in = json_array();
	for (i = 0; i < 24; i++) {
		snprintf(hour, sizeof(hour), "%02zu", i);
		json_array_append_new(json_object_get(c, "labels"), json_string(hour));
		json_array_append_new(in, json_real(gb(f->hod_bytes[i])));
	}
	rep_series(c, S(r, "col.total"), in);
	for (i = 0; i < f->nhours; i++) {
		for (k = ntop; k > 0 && f->hour_bytes[i] > best[k - 1]; k--)
			;
		if (k >= 10 || !f->hour_bytes[i])
			continue;
		memmove(best + k + 1, best + k, (9 - k) * sizeof(*best));
		memmove(top + k + 1, top + k, (9 - k) * sizeof(*top));
		best[k] = f->hour_bytes[i];
		top[k] = i;
		if (ntop < 10)
			ntop++;
	}
	t = rep_table(r, sec, "busiest_hours", "tbl.busiest_hours", hcols, 2);
	for (k = 0; k < ntop; k++) {
		time_t ts = (time_t)(f->from_s + (int64_t)top[k] * 3600);
		struct tm tm;
		localtime_r(&ts, &tm);
		strftime(hour, sizeof(hour), "%Y-%m-%d %H:00", &tm);
		rep_row(t, json_pack("[s, I]", hour, (json_int_t)best[k]));
	}
}

/* Attempts per name of one column of the "blocked" rows, largest first. */
static void blocked_table(struct rep *r, json_t *rows, size_t col, const char *id,
			  const char *title, const char *name_key, size_t limit)
{
	const char *cols[] = { name_key, "int:col.attempts" };
	struct smap m = { 0 };
	int64_t *n = NULL;
	size_t i, k, cap = 0, *order;
	json_t *row, *t;
	int added, x;

	json_array_foreach(rows, i, row) {
		const char *name = json_string_value(json_array_get(row, col));
		/* a rollup row names one of rule, department, application */
		if (json_is_null(json_array_get(row, col)))
			continue;
		if ((x = smap_get(&m, name && *name ? name : "—", &added, NULL)) < 0)
			break;
		if ((size_t)x == cap) {
			int64_t *w = realloc(n, (cap = cap ? cap * 2 : 64) * sizeof(*w));
			if (!w)
				break;
			n = w;
		}
		if (added)
			n[x] = 0;
		n[x] += json_integer_value(json_array_get(row, 3));
	}
	t = rep_table(r, r->sec[3], id, title, cols, 2);
	order = calloc(m.n + 1, sizeof(*order));
	for (i = 0; order && i < m.cap; i++)
		if (m.keys[i])
			order[m.vals[i]] = i;
	/* a selection sort of the few largest: limit is small */
	for (k = 0; order && k < m.n && k < limit; k++) {
		size_t best = k;
		for (i = k + 1; i < m.n; i++)
			if (n[m.vals[order[i]]] > n[m.vals[order[best]]] ||
			    (n[m.vals[order[i]]] == n[m.vals[order[best]]] &&
			     strcmp(m.keys[order[i]], m.keys[order[best]]) < 0))
				best = i;
		i = order[k];
		order[k] = order[best];
		order[best] = i;
		rep_row(t, json_pack("[s, I]", m.keys[order[k]], (json_int_t)n[m.vals[order[k]]]));
	}
	free(order);
	free(n);
	smap_free(&m);
}

static void ent_table(struct rep *r, struct group *g, const char *id, const char *title,
		      const char *name_key, int chart)
{
	const char *cols[] = { "int:col.rank", name_key, "bytes:col.ent_work", "bytes:col.work",
			       "pct:col.ent_share" };
	json_t *t = rep_table(r, r->sec[3], id, title, cols, 5), *c = NULL, *v = NULL;
	size_t i, n = 0;

	if (g->map.n)
		qsort(g->v, g->map.n, sizeof(*g->v), by_ent);
	if (chart) {
		c = rep_chart(r, r->sec[3], "bar", "chart.ent", "unit.gb");
		v = json_array();
	}
	for (i = 0; i < g->map.n && n < 20; i++) {
		struct acc *a = &g->v[i];
		if (!a->ent)
			continue;
		rep_row(t, json_pack("[I, s, I, I, f]", (json_int_t)++n, a->name, (json_int_t)a->ent,
				     (json_int_t)a->work, a->work ? a->ent * 100.0 / (double)a->work : 0.0));
		if (c && n <= 12) {
			json_array_append_new(json_object_get(c, "labels"), json_string(a->name));
			json_array_append_new(v, json_real(gb(a->ent)));
		}
	}
	if (c)
		rep_series(c, S(r, "col.ent_work"), v);
}

static void section_behaviour(struct fold *f)
{
	static const char *const lcols[] = { "text:col.department", "text:col.app",
					     "int:col.limited", "bytes:col.total" };
	struct rep *r = f->r;
	json_t *rows = rep_rows(r, "blocked", r->o->from_us, r->o->to_us), *t, *row;
	size_t i;
	char text[512];

	if (!rows)
		return;
	if (!json_array_size(rows))
		rep_nodata(r, r->sec[3], "txt.noblocks");
	blocked_table(r, rows, 0, "blocked_rules", "tbl.blocked_rules", "text:col.rule", 50);
	blocked_table(r, rows, 1, "blocked_departments", "tbl.blocked_departments",
		      "text:col.department", 200);
	blocked_table(r, rows, 2, "blocked_apps", "tbl.blocked_apps", "text:col.app", 20);
	json_decref(rows);
	if (r->o->persons) {
		static const char *const pcols[] = { "text:col.person", "text:col.department",
						     "int:col.attempts" };
		if (!(rows = rep_rows(r, "blocked_persons", r->o->from_us, r->o->to_us)))
			return;
		t = rep_table(r, r->sec[3], "blocked_persons", "tbl.blocked_persons", pcols, 3);
		json_array_foreach(rows, i, row)
			rep_row(t, json_incref(row));
		json_decref(rows);
	}
	if (!(rows = rep_rows(r, "limited", r->o->from_us, r->o->to_us)))
		return;
	t = rep_table(r, r->sec[3], "limited", "tbl.limited", lcols, 4);
	json_array_foreach(rows, i, row)
		rep_row(t, json_incref(row));
	json_decref(rows);
	snprintf(text, sizeof(text), S(r, "txt.work_hours"), r->o->entertainment ?
		 r->o->entertainment : ZL_REPORT_ENTERTAINMENT);
	rep_text(r->sec[3], text);
	ent_table(r, &f->dept, "ent_departments", "tbl.ent_departments", "text:col.department", 1);
	if (r->o->persons)
		ent_table(r, &f->person, "ent_persons", "tbl.ent_persons", "text:col.person", 0);
}

/* A share's row against the national target: name, IPv6 bytes, bytes,
 * share, target, gap in percentage points, met or not (exact: in integers). */
static json_t *share_row(struct rep *r, const char *name, int64_t v6, int64_t total)
{
	double share = total ? v6 * 100.0 / (double)total : 0.0;
	int met = total && v6 * 100 >= (int64_t)r->target_traffic * total;

	return json_pack("[s, I, I, f, i, f, s]", name, (json_int_t)v6, (json_int_t)total, share,
			 (int)r->target_traffic, share - r->target_traffic,
			 total ? S(r, met ? "txt.target_met" : "txt.target_notmet") : "—");
}

static void section_ipv6(struct fold *f)
{
	static const char *const cols[] = { "text:col.department", "bytes:col.v6", "bytes:col.total",
					    "pct:col.v6share", "pct:col.target", "pp:col.gap",
					    "text:col.target_met" };
	static const char *const scols[] = { "text:col.date", "int:col.dual", "int:col.v4only",
					     "int:col.v6only", "pct:col.dualshare" };
	struct rep *r = f->r;
	json_t *sec = r->sec[5], *t, *c, *v, *tv, *rows, *row;
	int64_t total = r->up + r->down;
	size_t i;

	char text[1024];

	if (!total) {
		rep_nodata(r, sec, "txt.nodata");
	}
	snprintf(text, sizeof(text), S(r, "txt.v6_targets"), r->target_traffic, r->target_portals);
	rep_text(sec, text);
	t = rep_table(r, sec, "ipv6_departments", "tbl.ipv6_departments", cols, 7);
	rep_row(t, share_row(r, S(r, "txt.county"), r->v6, total));
	for (i = 0; i < f->dept.map.n; i++) {
		struct acc *a = &f->dept.v[i];
		if (a->up + a->down)
			rep_row(t, share_row(r, a->name, a->v6, a->up + a->down));
	}
	/* the share per day, and the target's line */
	c = rep_chart(r, sec, "line", "chart.v6_trend", "unit.pct");
	v = json_array();
	tv = json_array();
	for (i = 0; i < f->ndays; i++) {
		int64_t d = f->day_up[i] + f->day_down[i];
		json_array_append_new(json_object_get(c, "labels"), json_string(f->day_label[i]));
		json_array_append_new(v, json_real(d ? f->day_v6[i] * 100.0 / (double)d : 0.0));
		json_array_append_new(tv, json_real(r->target_traffic));
	}
	rep_series(c, S(r, "col.v6share"), v);
	rep_series(c, S(r, "txt.target_line"), tv);
	/* the IPv6 branch's daily snapshots: dual-stack hosts, site readiness, to-do */
	if (!zl_store_rep_has(r->st, "ipv6_daily", NULL)) {
		rep_nodata(r, sec, "txt.nosource_ipv6");
		return;
	}
	if (!(rows = rep_rows(r, "ipv6_daily", r->o->from_us, r->o->to_us)))
		return;
	/* no snapshots: the empty table says so under its own title */
	t = rep_table(r, sec, "ipv6_dual", "tbl.ipv6_dual", scols, 5);
	json_array_foreach(rows, i, row) {
		int64_t dual = json_integer_value(json_array_get(row, 1));
		int64_t all = dual + json_integer_value(json_array_get(row, 2)) +
			json_integer_value(json_array_get(row, 3)) + json_integer_value(json_array_get(row, 4));
		rep_row(t, json_pack("[O, I, O, O, f]", json_array_get(row, 0), (json_int_t)dual,
				     json_array_get(row, 3), json_array_get(row, 4),
				     all ? dual * 100.0 / (double)all : 0.0));
	}
	json_decref(rows);
}

int rep_traffic(struct rep *r)
{
	struct fold f = { .r = r, .cat = { .per_day = 1 } };
	int rc = -1;

	if (fold_run(&f) < 0) {
		if (!r->failed)
			snprintf(r->err, sizeof(r->err), "out of memory");
		r->failed = 1;
		goto done;
	}
	r->up = f.up;
	r->down = f.down;
	r->flows = f.flows;
	r->v6 = f.v6;
	if (f.cat.map.n)
		qsort(f.cat.v, f.cat.map.n, sizeof(*f.cat.v), by_total);
	if (f.app.map.n)
		qsort(f.app.v, f.app.map.n, sizeof(*f.app.v), by_total);
	if (f.dept.map.n)
		qsort(f.dept.v, f.dept.map.n, sizeof(*f.dept.v), by_total);
	section_traffic(&f);
	section_ipv6(&f);
	section_behaviour(&f);
	rc = r->failed ? -1 : 0;
done:
	fold_free(&f);
	return rc;
}
