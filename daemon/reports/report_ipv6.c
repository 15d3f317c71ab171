/*
 * report_ipv6.c - the rest of section 5 (IPv6 改造): the sites' readiness
 * by the national monitoring criteria (the checks' results the store keeps
 * per site and day, daemon/ipv6/sitecheck.h), the share of them ready
 * against the national portals target, and the to-do list of
 * external services still reached over IPv4 (the IPv6 figures' services
 * per day). Both read the gateway's local dates of the period, as the
 * IPv6 tables keep them (localday.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "localday.h"
#include "report-int.h"
#include "store_ipv6.h"

#define TODO_MAX 25   /* services of each kind */

/* The criteria a check failed, by name in the report's language. */
static void failed_names(struct rep *r, json_t *criteria, char *buf, size_t len)
{
	const char *name, *sep = strcmp(r->lang, "zh") ? ", " : "、";
	json_t *c;
	size_t i, n = 0;

	*buf = 0;
	json_array_foreach(criteria, i, c) {
		if (json_is_true(json_object_get(c, "ok")))
			continue;
		name = json_string_value(json_object_get(c, !strcmp(r->lang, "zh") ? "name_zh" : "name"))
			?: json_string_value(json_object_get(c, "id")) ?: "?";
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? sep : "", name);
	}
	if (!*buf)
		snprintf(buf, len, "%s", S(r, "txt.all_met"));
}

/* The sites' summary: how many were checked, how many are ready by their
 * last check, the share against the national target (exact: in integers). */
static void sites_target(struct rep *r, size_t n, size_t ready)
{
	static const char *const cols[] = { "int:col.sites", "int:col.sites_ready",
					    "pct:col.ready_share", "pct:col.target", "pp:col.gap",
					    "text:col.target_met" };
	double share = n ? (double)ready * 100.0 / (double)n : 0.0;
	json_t *t = rep_table(r, r->sec[5], "ipv6_sites_target", "tbl.ipv6_sites_target", cols, 6);

	rep_row(t, json_pack("[I, I, f, i, f, s]", (json_int_t)n, (json_int_t)ready, share,
			     (int)r->target_portals, share - r->target_portals,
			     S(r, ready * 100 >= (size_t)r->target_portals * n ? "txt.target_met" : "txt.target_notmet")));
}

static void sites(struct rep *r, int64_t from_day, int64_t to_day)
{
	static const char *const cols[] = { "text:col.site", "int:col.days_checked",
					    "int:col.days_ready", "time:col.last_check",
					    "text:col.verdict", "text:col.failed" };
	json_t *sec = r->sec[5], *list, *e, *t;
	char failed[1024];
	size_t i, ready_sites = 0;

	if (!zl_store_rep_has(r->st, "ipv6_site_day", NULL))
		return;
	if (!(list = zl_store_ipv6_sites_period(zl_store_rep_store(r->st), from_day, to_day, r->err,
						sizeof(r->err)))) {
		r->failed = 1;
		return;
	}
	if (!json_array_size(list)) {
		rep_nodata(r, sec, "txt.nosites");
		json_decref(list);
		return;
	}
	rep_text(sec, S(r, "txt.sites"));
	t = rep_table(r, sec, "ipv6_sites", "tbl.ipv6_sites", cols, 6);
	json_array_foreach(list, i, e) {
		int ready = json_is_true(json_object_get(e, "ready"));
		ready_sites += ready;
		failed_names(r, json_object_get(e, "criteria"), failed, sizeof(failed));
		rep_row(t, json_pack("[O, O, O, O, s, s]", json_object_get(e, "url"),
				     json_object_get(e, "days"), json_object_get(e, "ready_days"),
				     json_object_get(e, "checked"),
				     S(r, ready ? "txt.ready" : "txt.notready"), ready ? "—" : failed));
	}
	sites_target(r, json_array_size(list), ready_sites);
	json_decref(list);
}

static void todo_rows(struct rep *r, json_t *t, json_t *list, const char *why_key)
{
	json_t *e;
	size_t i;

	json_array_foreach(list, i, e)
		rep_row(t, json_pack("[O, O, s, O, O]", json_object_get(e, "name"),
				     json_object_get(e, "app"), S(r, why_key),
				     json_object_get(e, "bytes_ipv4"), json_object_get(e, "bytes_ipv6")));
}

static void todo(struct rep *r, int64_t from_day, int64_t to_day)
{
	static const char *const cols[] = { "text:col.service", "text:col.app", "text:col.todo_why",
					    "bytes:col.v4bytes", "bytes:col.v6bytes" };
	json_t *sec = r->sec[5], *svc, *td, *none, *v4, *t;

	if (!zl_store_rep_has(r->st, "ipv6_svc_day", NULL))
		return;
	if (!(svc = zl_store_ipv6_services(zl_store_rep_store(r->st), from_day, to_day, TODO_MAX,
					   r->err, sizeof(r->err)))) {
		r->failed = 1;
		return;
	}
	td = json_object_get(svc, "todo");
	none = json_object_get(td, "no_aaaa");
	v4 = json_object_get(td, "aaaa_over_ipv4");
	if (!json_array_size(none) && !json_array_size(v4)) {
		rep_nodata(r, sec, "txt.notodo");
	} else {
		t = rep_table(r, sec, "ipv6_todo", "tbl.ipv6_todo", cols, 5);
		todo_rows(r, t, none, "txt.todo_no_aaaa");
		todo_rows(r, t, v4, "txt.todo_over_v4");
	}
	json_decref(svc);
}

void rep_ipv6(struct rep *r)
{
	int64_t from_day = zl_localday_of(r->o->from_us), to_day = zl_localday_of(r->o->to_us - 1);

	if (r->failed)
		return;
	sites(r, from_day, to_day);
	if (!r->failed)
		todo(r, from_day, to_day);
}
