/*
 * fold.c - the period's traffic from the half-hourly rollups (fold.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fold.h"

#define US 1000000LL
#define SLOT 300
#define ROLL ZL_STORE_ROLL_SLOT

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int smap_grow(struct smap *m)
{
	struct smap g = { calloc(m->cap ? m->cap * 2 : 1024, sizeof(char *)),
			  calloc(m->cap ? m->cap * 2 : 1024, sizeof(int)), m->cap ? m->cap * 2 : 1024, 0 };
	size_t i, k;

	if (!g.keys || !g.vals) {
		free(g.keys);
		free(g.vals);
		return -1;
	}
	for (i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			for (k = hash(m->keys[i]) & (g.cap - 1); g.keys[k]; k = (k + 1) & (g.cap - 1))
				;
			g.keys[k] = m->keys[i];
			g.vals[k] = m->vals[i];
		}
	g.n = m->n;
	free(m->keys);
	free(m->vals);
	*m = g;
	return 0;
}

/* The index of key, or a new one (*added = 1); -1 when out of memory.
 * *stored (if not NULL): the map's copy of the key, as long as the map. */
int smap_get(struct smap *m, const char *key, int *added, const char **stored)
{
	size_t k;

	*added = 0;
	if ((m->n + 1) * 2 > m->cap && smap_grow(m) < 0)
		return -1;
	for (k = hash(key) & (m->cap - 1); m->keys[k]; k = (k + 1) & (m->cap - 1))
		if (!strcmp(m->keys[k], key))
			break;
	if (!m->keys[k]) {
		if (!(m->keys[k] = strdup(key)))
			return -1;
		*added = 1;
		m->vals[k] = (int)m->n++;
	}
	if (stored)
		*stored = m->keys[k];
	return m->vals[k];
}

int smap_find(const struct smap *m, const char *key)
{
	size_t k;

	if (!m->cap)
		return -1;
	for (k = hash(key) & (m->cap - 1); m->keys[k]; k = (k + 1) & (m->cap - 1))
		if (!strcmp(m->keys[k], key))
			return m->vals[k];
	return -1;
}

void smap_free(struct smap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
}


struct acc *group_acc(struct fold *f, struct group *g, const char *name)
{
	const char *stored;
	int added, i = smap_get(&g->map, name, &added, &stored);

	if (i < 0) {
		f->oom = 1;
		return NULL;
	}
	if (added) {
		if ((size_t)i == g->cap) {
			struct acc *w = realloc(g->v, (g->cap = g->cap ? g->cap * 2 : 64) * sizeof(*w));
			if (!w) {
				f->oom = 1;
				return NULL;
			}
			g->v = w;
		}
		memset(&g->v[i], 0, sizeof(g->v[i]));
		g->v[i].name = stored;
		if (g->per_day && !(g->v[i].days = calloc(f->ndays + 1, sizeof(int64_t))))
			f->oom = 1;
	}
	return &g->v[i];
}

static void group_free(struct group *g)
{
	size_t i;

	for (i = 0; i < g->map.n; i++)
		free(g->v[i].days);
	free(g->v);
	smap_free(&g->map);
}

/* The local day, hour and working-hours flag of every 5-minute slot. */
static int slots_init(struct fold *f)
{
	const struct zl_report_opts *o = f->r->o;
	int last_mday = -1, day = -1, k;
	size_t i;

	f->from_s = o->from_us / US / SLOT * SLOT;
	f->nslots = (size_t)((o->to_us / US - f->from_s + SLOT - 1) / SLOT);
	f->nhours = f->nslots / 12 + 1;
	f->slot_day = calloc(f->nslots, sizeof(int));
	f->slot_hour = calloc(f->nslots, sizeof(int));
	f->slot_hod = calloc(f->nslots, 1);
	f->slot_work = calloc(f->nslots, 1);
	f->day_label = calloc(f->nslots / 288 + 3, sizeof(*f->day_label));
	if (!f->slot_day || !f->slot_hour || !f->slot_hod || !f->slot_work || !f->day_label)
		return -1;
	for (i = 0; i < f->nslots; i++) {
		time_t t = (time_t)(f->from_s + (int64_t)i * SLOT);
		struct tm tm;
		unsigned min;

		localtime_r(&t, &tm);
		if (tm.tm_mday != last_mday) {
			last_mday = tm.tm_mday;
			strftime(f->day_label[++day], sizeof(f->day_label[0]), "%m-%d", &tm);
		}
		f->slot_day[i] = day;
		f->slot_hour[i] = (int)(i / 12);
		f->slot_hod[i] = (unsigned char)tm.tm_hour;
		min = (unsigned)(tm.tm_hour * 60 + tm.tm_min);
		if (o->work_days & (1u << tm.tm_wday))
			for (k = 0; k < o->n_work_ranges; k++)
				if (min >= o->work_ranges[k][0] && min < o->work_ranges[k][1])
					f->slot_work[i] = 1;
	}
	f->ndays = (size_t)day + 1;
	f->day_up = calloc(f->ndays, sizeof(int64_t));
	f->day_down = calloc(f->ndays, sizeof(int64_t));
	f->day_v6 = calloc(f->ndays, sizeof(int64_t));
	f->hour_bytes = calloc(f->nhours, sizeof(int64_t));
	return f->day_up && f->day_down && f->day_v6 && f->hour_bytes ? 0 : -1;
}

static int is_ent(const struct fold *f, const char *category)
{
	return smap_find(&f->ent, category) >= 0;
}

/* A row of the rollup (or of agg5m off its half hours) into every figure
 * but the persons'. */
static void fold_traffic(void *ud, const struct zl_rep_traffic *a)
{
	struct fold *f = ud;
	int64_t slot = (a->t - f->from_s) / SLOT, bytes = a->bytes_up + a->bytes_down;
	int64_t v6 = a->v6 ? bytes : 0;
	struct acc *acc[2], *q;
	int work, day, k, ent;

	if (a->t < f->from_s || (size_t)slot >= f->nslots || f->oom)
		return;
	if (!(acc[0] = group_acc(f, &f->dept, *a->department ? a->department :
				 S(f->r, "dept.unknown"))) ||
	    !(acc[1] = group_acc(f, &f->cat, a->category)))
		return;
	work = f->slot_work[slot];
	day = f->slot_day[slot];
	ent = is_ent(f, a->category);
	f->up += a->bytes_up;
	f->down += a->bytes_down;
	f->flows += a->flows;
	f->v6 += v6;
	f->day_up[day] += a->bytes_up;
	f->day_down[day] += a->bytes_down;
	f->day_v6[day] += v6;
	f->hour_bytes[f->slot_hour[slot]] += bytes;
	f->hod_bytes[f->slot_hod[slot]] += bytes;
	for (k = 0; k < 2; k++) {
		q = acc[k];
		q->up += a->bytes_up;
		q->down += a->bytes_down;
		q->flows += a->flows;
		q->v6 += v6;
		q->work += work ? bytes : 0;
		q->ent += work && ent ? bytes : 0;
	}
	acc[1]->days[day] += bytes;
}

/* A host's traffic in working hours (roll_hosts, or agg5m where a half
 * hour is only partly working time) into its person's figures (the
 * persons' version only: the other rollups hold no persons). */
static void fold_person(void *ud, const struct zl_rep_host *a)
{
	struct fold *f = ud;
	int64_t bytes = a->bytes_up + a->bytes_down;
	struct acc *q;
	int h;

	if ((h = smap_find(&f->hosts, a->host)) < 0 || f->host_person[h] < 0)
		return;
	q = &f->person.v[f->host_person[h]];
	q->up += a->bytes_up;
	q->down += a->bytes_down;
	q->work += bytes;
	q->ent += is_ent(f, a->category) ? bytes : 0;
}

/* The address book into hosts -> department, person. */
static int load_hosts(struct fold *f)
{
	json_t *rows = rep_rows(f->r, "hosts", 0, 0), *row;
	struct acc *d;
	size_t i;
	int k, added;

	if (!rows)
		return -1;
	f->host_dept = calloc(json_array_size(rows) + 1, sizeof(int));
	f->host_person = calloc(json_array_size(rows) + 1, sizeof(int));
	json_array_foreach(rows, i, row) {
		const char *addr = json_string_value(json_array_get(row, 0));
		const char *dept = json_string_value(json_array_get(row, 1));
		const char *owner = json_string_value(json_array_get(row, 2));
		if (!f->host_dept || !f->host_person ||
		    (k = smap_get(&f->hosts, addr ? addr : "", &added, NULL)) < 0)
			break;
		f->host_dept[k] = f->host_person[k] = -1;
		if (dept && *dept && (d = group_acc(f, &f->dept, dept)))
			f->host_dept[k] = (int)(d - f->dept.v);
		if (f->r->o->persons && owner && *owner && (d = group_acc(f, &f->person, owner))) {
			f->host_person[k] = (int)(d - f->person.v);
			d->extra = f->host_dept[k] >= 0 ? f->dept.v[f->host_dept[k]].name : "";
		}
	}
	json_decref(rows);
	return f->oom ? -1 : 0;
}

void fold_free(struct fold *f)
{
	free(f->slot_day);
	free(f->slot_hour);
	free(f->slot_hod);
	free(f->slot_work);
	free(f->day_label);
	free(f->host_dept);
	free(f->host_person);
	smap_free(&f->hosts);
	smap_free(&f->ent);
	free(f->day_up);
	free(f->day_down);
	free(f->day_v6);
	free(f->hour_bytes);
	group_free(&f->dept);
	group_free(&f->cat);
	group_free(&f->app);
	group_free(&f->person);
}

/* Are the 5-minute slots of the half hour from slot i alike in day, hour,
 * hour of day and working time? Then the rollup's row of it is exact. */
static int uniform(const struct fold *f, size_t i)
{
	size_t k;

	for (k = i + 1; k < i + ROLL / SLOT; k++)
		if (f->slot_day[k] != f->slot_day[i] || f->slot_hour[k] != f->slot_hour[i] ||
		    f->slot_hod[k] != f->slot_hod[i] || f->slot_work[k] != f->slot_work[i])
			return 0;
	return 1;
}

/*
 * The period in runs: whole half hours whose slots are alike from the
 * rollup, the rest (the ends of a period off the half hours, a time zone
 * or working hours off them) from agg5m, 5 minutes at a time.
 */
static int read_traffic(struct fold *f)
{
	struct rep *r = f->r;
	int64_t end = f->from_s + (int64_t)f->nslots * SLOT, t = f->from_s, run = t, next;
	int fine = -1, unit;

	while (t < end) {
		next = (t / ROLL + 1) * ROLL;
		unit = !(t % ROLL == 0 && next <= end && uniform(f, (size_t)((t - f->from_s) / SLOT)));
		if (next > end)
			next = end;
		if (fine >= 0 && unit != fine) {
			if (zl_store_rep_traffic(r->st, run, t, fine, fold_traffic, f, r->err,
						 sizeof(r->err)) < 0)
				return -1;
			run = t;
		}
		fine = unit;
		t = next;
	}
	if (fine >= 0 && zl_store_rep_traffic(r->st, run, end, fine, fold_traffic, f, r->err,
					      sizeof(r->err)) < 0)
		return -1;
	return f->oom ? -1 : 0;
}

/* The applications' totals over the period, with their categories. */
static int read_apps(struct fold *f)
{
	json_t *rows = rep_rows(f->r, "apps", f->r->o->from_us, f->r->o->to_us), *row;
	struct acc *x, *c;
	size_t i;

	if (!rows)
		return -1;
	json_array_foreach(rows, i, row) {
		const char *app = json_string_value(json_array_get(row, 0));
		const char *cat = json_string_value(json_array_get(row, 1));
		if (!(x = group_acc(f, &f->app, app ? app : "")) ||
		    !(c = group_acc(f, &f->cat, cat ? cat : "")))
			break;
		x->extra = c->name;
		x->up += json_integer_value(json_array_get(row, 3));
		x->down += json_integer_value(json_array_get(row, 4));
		x->flows += json_integer_value(json_array_get(row, 5));
	}
	json_decref(rows);
	return f->oom ? -1 : 0;
}

static int read_hosts(struct fold *f, int64_t a, int64_t b, int fine)
{
	return zl_store_rep_hosts(f->r->st, a, b, fine, fold_person, f, f->r->err,
				  sizeof(f->r->err));
}

/* One run of working hours [a, b) (seconds): its whole half hours from
 * roll_hosts, the rest from agg5m. */
static int read_work(struct fold *f, int64_t a, int64_t b)
{
	int64_t ha = (a + ROLL - 1) / ROLL * ROLL, hb = b / ROLL * ROLL;

	if (ha >= hb)
		return read_hosts(f, a, b, 1);
	if (a < ha && read_hosts(f, a, ha, 1) < 0)
		return -1;
	if (read_hosts(f, ha, hb, 0) < 0)
		return -1;
	return hb < b ? read_hosts(f, hb, b, 1) : 0;
}

/* The persons' working-hours figures: each run of working 5-minute slots. */
static int read_persons(struct fold *f)
{
	size_t i = 0, k;

	if (load_hosts(f) < 0)
		return -1;
	while (i < f->nslots) {
		if (!f->slot_work[i]) {
			i++;
			continue;
		}
		for (k = i; k < f->nslots && f->slot_work[k]; k++)
			;
		if (read_work(f, f->from_s + (int64_t)i * SLOT, f->from_s + (int64_t)k * SLOT) < 0)
			return -1;
		i = k;
	}
	return f->oom ? -1 : 0;
}

int fold_run(struct fold *f)
{
	const char *e = f->r->o->entertainment ? f->r->o->entertainment : ZL_REPORT_ENTERTAINMENT, *p;
	struct rep *r = f->r;
	char name[64];
	int added;
	size_t n;

	for (p = e; *p; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (*name)
			smap_get(&f->ent, name, &added, NULL);
	}
	if (slots_init(f) < 0) {
		f->oom = 1;
		return -1;
	}
	if (read_traffic(f) < 0 || read_apps(f) < 0 || (r->o->persons && read_persons(f) < 0)) {
		if (f->oom)
			snprintf(r->err, sizeof(r->err), "out of memory");
		r->failed = 1;
		return -1;
	}
	return 0;
}
