/*
 * fold.c - one pass over the period's agg5m rows (fold.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fold.h"

#define US 1000000LL
#define SLOT 300

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

/* What a (host, application, category) of agg5m maps to, found once. */
static struct pair *pair_of(struct fold *f, const struct zl_rep_agg *a)
{
	char key[320];
	int added, i, h;
	struct acc *d, *c, *x;
	struct pair *p;
	const char *dept;

	snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", a->host, a->app, a->category);
	if ((i = smap_get(&f->pairs, key, &added, NULL)) < 0)
		goto oom;
	if (!added)
		return &f->pair[i];
	if ((size_t)i == f->pair_cap) {
		struct pair *w = realloc(f->pair, (f->pair_cap = f->pair_cap ? f->pair_cap * 2 : 1024) *
					 sizeof(*w));
		if (!w)
			goto oom;
		f->pair = w;
	}
	h = smap_find(&f->sh->hosts, a->host);
	dept = h >= 0 && f->sh->host_dept[h] >= 0 ? f->sh->dept.v[f->sh->host_dept[h]].name :
		S(f->r, "dept.unknown");
	if (!(d = group_acc(f, &f->dept, dept)) || !(c = group_acc(f, &f->cat, a->category)) ||
	    !(x = group_acc(f, &f->app, a->app)))
		goto oom;
	x->extra = c->name;
	p = &f->pair[i];
	p->dept = (int)(d - f->dept.v);
	p->cat = (int)(c - f->cat.v);
	p->app = (int)(x - f->app.v);
	p->person = -1;
	if (f->r->o->persons && h >= 0 && f->sh->host_person[h] >= 0) {
		const struct acc *sp = &f->sh->person.v[f->sh->host_person[h]];
		if (!(d = group_acc(f, &f->person, sp->name)))
			goto oom;
		d->extra = sp->extra;
		p->person = (int)(d - f->person.v);
	}
	p->v6 = strchr(a->host, ':') != NULL;
	p->ent = smap_find(&f->sh->ent, a->category) >= 0;
	return p;
oom:
	f->oom = 1;
	return NULL;
}

static void fold_row(void *ud, const struct zl_rep_agg *a)
{
	struct fold *f = ud;
	int64_t slot = (a->bucket - f->from_s) / SLOT, bytes = a->bytes_up + a->bytes_down;
	struct acc *acc[3], *q;
	struct pair *p;
	int work, day, k;

	if (slot < 0 || (size_t)slot >= f->nslots || f->oom || !(p = pair_of(f, a)))
		return;
	work = f->slot_work[slot];
	day = f->slot_day[slot];
	f->up += a->bytes_up;
	f->down += a->bytes_down;
	f->flows += a->flows;
	f->v6 += p->v6 ? bytes : 0;
	f->day_up[day] += a->bytes_up;
	f->day_down[day] += a->bytes_down;
	f->day_v6[day] += p->v6 ? bytes : 0;
	f->hour_bytes[f->slot_hour[slot]] += bytes;
	f->hod_bytes[f->slot_hod[slot]] += bytes;
	acc[0] = &f->dept.v[p->dept];
	acc[1] = &f->cat.v[p->cat];
	acc[2] = &f->app.v[p->app];
	for (k = 0; k < 3; k++) {
		q = acc[k];
		q->up += a->bytes_up;
		q->down += a->bytes_down;
		q->flows += a->flows;
		q->v6 += p->v6 ? bytes : 0;
		q->work += work ? bytes : 0;
		q->ent += work && p->ent ? bytes : 0;
	}
	acc[1]->days[day] += bytes;
	if (p->person >= 0) {
		q = &f->person.v[p->person];
		q->work += work ? bytes : 0;
		q->ent += work && p->ent ? bytes : 0;
		q->up += a->bytes_up;
		q->down += a->bytes_down;
	}
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

/* A worker's fold: its own totals, groups and pairs; the main fold's
 * slots, address book and names. */
static int worker_init(struct fold *w, const struct fold *m)
{
	memset(w, 0, sizeof(*w));
	w->r = m->r;
	w->sh = m;
	w->cat.per_day = 1;
	w->from_s = m->from_s;
	w->nslots = m->nslots;
	w->ndays = m->ndays;
	w->nhours = m->nhours;
	w->slot_day = m->slot_day;
	w->slot_hour = m->slot_hour;
	w->slot_hod = m->slot_hod;
	w->slot_work = m->slot_work;
	w->day_up = calloc(w->ndays, sizeof(int64_t));
	w->day_down = calloc(w->ndays, sizeof(int64_t));
	w->day_v6 = calloc(w->ndays, sizeof(int64_t));
	w->hour_bytes = calloc(w->nhours, sizeof(int64_t));
	return w->day_up && w->day_down && w->day_v6 && w->hour_bytes ? 0 : -1;
}

static void merge_group(struct fold *m, struct group *g, struct group *wg, int app)
{
	struct acc *a, *b;
	size_t i, d;

	for (i = 0; i < wg->map.n; i++) {
		a = &wg->v[i];
		if (!(b = group_acc(m, g, a->name)))
			return;
		b->up += a->up;
		b->down += a->down;
		b->flows += a->flows;
		b->v6 += a->v6;
		b->ent += a->ent;
		b->work += a->work;
		for (d = 0; a->days && b->days && d < m->ndays; d++)
			b->days[d] += a->days[d];
		if (a->extra && !b->extra) {
			/* an application's category: the main fold's copy of the name */
			struct acc *c = app ? group_acc(m, &m->cat, a->extra) : NULL;
			b->extra = c ? c->name : a->extra;
		}
	}
}

static void merge(struct fold *m, struct fold *w)
{
	size_t i;

	m->up += w->up;
	m->down += w->down;
	m->flows += w->flows;
	m->v6 += w->v6;
	for (i = 0; i < m->ndays; i++) {
		m->day_up[i] += w->day_up[i];
		m->day_down[i] += w->day_down[i];
		m->day_v6[i] += w->day_v6[i];
	}
	for (i = 0; i < m->nhours; i++)
		m->hour_bytes[i] += w->hour_bytes[i];
	for (i = 0; i < 24; i++)
		m->hod_bytes[i] += w->hod_bytes[i];
	merge_group(m, &m->dept, &w->dept, 0);
	merge_group(m, &m->cat, &w->cat, 0);
	merge_group(m, &m->app, &w->app, 1);
	merge_group(m, &m->person, &w->person, 0);
}

struct scan {
	struct fold *w;
	struct zl_store_rep *st;
	int64_t from_us, to_us;
	int rc;
	char err[256];
};

static void *scan_run(void *ud)
{
	struct scan *sc = ud;

	sc->rc = zl_store_rep_agg(sc->st, sc->from_us, sc->to_us, fold_row, sc->w, sc->err,
				  sizeof(sc->err));
	return NULL;
}

void fold_free(struct fold *f)
{
	if (!f->sh || f->sh == f) {
		free(f->slot_day);
		free(f->slot_hour);
		free(f->slot_hod);
		free(f->slot_work);
		free(f->day_label);
		free(f->host_dept);
		free(f->host_person);
		smap_free(&f->hosts);
		smap_free(&f->ent);
	}
	free(f->day_up);
	free(f->day_down);
	free(f->day_v6);
	free(f->hour_bytes);
	group_free(&f->dept);
	group_free(&f->cat);
	group_free(&f->app);
	group_free(&f->person);
	smap_free(&f->pairs);
	free(f->pair);
}

/*
 * The period's rows in two halves at once, the first on the report's own
 * connection in this thread, the second on another read connection in a
 * thread of its own (its own read transaction: a closed month does not
 * change between the two), then merged. A store with one connection free
 * only would make the second wait: the report takes two of the four.
 */
int fold_run(struct fold *f)
{
	const char *e = f->r->o->entertainment ? f->r->o->entertainment : ZL_REPORT_ENTERTAINMENT, *p;
	struct scan sc[2] = { { 0 } };
	struct fold w[2];
	struct rep *r = f->r;
	int64_t mid;
	pthread_t t;
	char name[64];
	int added, rc = -1, started = 0, k;
	size_t n;

	f->sh = f;
	memset(w, 0, sizeof(w));
	w[0].sh = w[1].sh = f;
	for (p = e; *p; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (*name)
			smap_get(&f->ent, name, &added, NULL);
	}
	if (slots_init(f) < 0 || load_hosts(f) < 0 || worker_init(&w[0], f) < 0 ||
	    worker_init(&w[1], f) < 0) {
		if (!r->failed)
			snprintf(r->err, sizeof(r->err), "out of memory");
		r->failed = 1;
		fold_free(&w[0]);
		fold_free(&w[1]);
		return -1;
	}
	/* the halves meet at a bucket boundary */
	mid = (f->from_s + (int64_t)(f->nslots / 2) * SLOT) * US;
	sc[0] = (struct scan){ .w = &w[0], .st = r->st, .from_us = r->o->from_us, .to_us = mid };
	sc[1] = (struct scan){ .w = &w[1], .from_us = mid, .to_us = r->o->to_us };
	if ((sc[1].st = zl_store_rep_begin(zl_store_rep_store(r->st), sc[1].err, sizeof(sc[1].err))) &&
	    pthread_create(&t, NULL, scan_run, &sc[1]) == 0)
		started = 1;
	scan_run(&sc[0]);
	if (started)
		pthread_join(t, NULL);
	else if (sc[1].st)
		scan_run(&sc[1]);   /* no thread: one after the other */
	else
		sc[1].rc = -1;
	zl_store_rep_end(sc[1].st);
	for (k = 0; k < 2; k++)
		if (sc[k].rc < 0 || w[k].oom) {
			snprintf(r->err, sizeof(r->err), "%s", w[k].oom ? "out of memory" : sc[k].err);
			r->failed = 1;
		}
	if (!r->failed) {
		merge(f, &w[0]);
		merge(f, &w[1]);
		rc = f->oom ? -1 : 0;
	}
	fold_free(&w[0]);
	fold_free(&w[1]);
	return rc;
}
