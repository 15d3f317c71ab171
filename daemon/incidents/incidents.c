/*
 * incidents.c - the incidents thread and its queue (incidents.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "flowjson.h"
#include "incident.h"
#include "incidents.h"
#include "log.h"
#include "rowinc.h"
#include "store_incidents.h"

#define DEFAULT_QUEUE 8192
#define BATCH 256
#define FLUSH_US 1000000ULL          /* dirty incidents reach the store this often */
#define REEXPORT_US 60000000ULL      /* an updated incident is exported again at most this often */
#define SUPPRESSED_US 10000000ULL    /* suppressed counts reach the store this often */
#define BLOCK_HOSTS 1024             /* clients counted at once (oldest replaced) */
#define RESTORE_S 86400              /* open incidents this recent come back at start
				      * (the longest dedup window) */

enum { SLOT_EVENT, SLOT_BLOCK };

struct slot {
	uint8_t kind, has_flow;
	struct zl_inc_event ev;      /* app and flow point into the slot once out */
	char app[48];
	struct zl_flow_key flow;
};

/* The last viol_count + 1 block times of one client: a ring in block_t. */
struct blocker {
	uint8_t used, ipver, over;
	uint8_t addr[16];
	uint16_t n, head;
	uint64_t seen_us;
};

/* What the thread keeps beside each record of the dedup table. */
struct side {
	int64_t id;                  /* the store's; 0 not written yet */
	uint64_t exported_us;
	uint8_t dirty;
};

struct zl_incd {
	struct zl_store *store;
	struct zl_dir *dir;
	struct zl_export *ex;

	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct slot *ring;
	unsigned cap, head, count;
	int stop, started;
	uint64_t queued, dropped;
	pthread_t thread;

	pthread_mutex_t cfg_lock;    /* own detector: configure vs. the thread */
	struct zl_detect *own;
	struct zl_detect_threshold want_viol;   /* the policy's, for the thread */
	uint32_t want_window_s;
	uint64_t own_suppressed[ZL_INC_MAX];    /* of own detectors replaced */
	zl_incd_counts_fn counts;
	void *counts_ud;
	uint64_t suppressed_written[ZL_INC_MAX];

	/* the thread's */
	struct zl_incidents *table;
	struct side *side;
	size_t side_cap;
	size_t *dirty;
	size_t n_dirty;
	struct blocker *blockers;
	uint64_t *block_t;           /* BLOCK_HOSTS rings of viol.count + 1 */
	struct zl_detect_threshold viol;
	uint32_t window_s;
	uint64_t restored;
	uint64_t events, opened, updated, write_errors, table_resets, block_reports;
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void put(struct zl_incd *d, const struct slot *s)
{
	pthread_mutex_lock(&d->qlock);
	if (d->count == d->cap || d->stop) {
		d->dropped++;
	} else {
		d->ring[(d->head + d->count++) % d->cap] = *s;
		d->queued++;
		if (d->count == 1)
			pthread_cond_signal(&d->qcond);
	}
	pthread_mutex_unlock(&d->qlock);
}

void zl_incd_event(const struct zl_inc_event *ev, void *ud)
{
	struct slot s;

	if (!ud)
		return;
	memset(&s, 0, sizeof(s));
	s.kind = SLOT_EVENT;
	s.ev = *ev;
	if (ev->app)
		snprintf(s.app, sizeof(s.app), "%s", ev->app);
	if (ev->flow) {
		s.flow = *ev->flow;
		s.has_flow = 1;
	}
	put(ud, &s);
}

void zl_incd_block(void *ud, int family, const uint8_t *client, uint64_t ts_us)
{
	struct slot s;

	if (!ud)
		return;
	memset(&s, 0, sizeof(s));
	s.kind = SLOT_BLOCK;
	s.ev.ipver = family == AF_INET6 ? 6 : 4;
	memcpy(s.ev.src, client, family == AF_INET6 ? 16 : 4);
	s.ev.ts_us = ts_us;
	put(ud, &s);
}

/* ---------------------------------------------------------- the records */

static int grow_side(struct zl_incd *d, size_t need)
{
	size_t n = d->side_cap ? d->side_cap : 256;
	struct side *v;
	size_t *dv;

	if (need <= d->side_cap)
		return 0;
	while (n < need)
		n *= 2;
	if (!(v = realloc(d->side, n * sizeof(*v))))
		return -1;
	d->side = v;
	if (!(dv = realloc(d->dirty, n * sizeof(*dv))))
		return -1;
	d->dirty = dv;
	memset(v + d->side_cap, 0, (n - d->side_cap) * sizeof(*v));
	d->side_cap = n;
	return 0;
}

static void flush(struct zl_incd *d);

/* Deduplicate one event (the thread's). */
static void add_event(struct zl_incd *d, const struct zl_inc_event *ev)
{
	const struct zl_incident *inc = zl_incidents_add(d->table, ev);
	size_t i;

	d->events++;
	if (!inc) {
		/* Full (65,536 records since the last reset): write what is
		 * pending and start a fresh table. Incidents still going on
		 * open new records. */
		flush(d);
		zl_incidents_free(d->table);
		d->table = zl_incidents_new(0, d->window_s);
		memset(d->side, 0, d->side_cap * sizeof(*d->side));
		d->table_resets++;
		zl_log_warnx("incidents: the deduplication table was full; started a new one");
		if (!d->table || !(inc = zl_incidents_add(d->table, ev)))
			return;
	}
	i = (size_t)inc->id - 1;
	if (grow_side(d, i + 1) < 0)
		return;
	if (!d->side[i].dirty) {
		d->side[i].dirty = 1;
		d->dirty[d->n_dirty++] = i;
	}
}

static void own_event(const struct zl_inc_event *ev, void *ud)
{
	add_event(ud, ev);
}

/* "财政局（张三）" or "" */
static void who_prefix(const struct zl_incident_row *r, int zh, char *buf, size_t len)
{
	if (r->src_department[0] && r->src_person[0])
		snprintf(buf, len, zh ? "%s（%s）" : "%s (%s) ", r->src_department, r->src_person);
	else if (r->src_department[0] || r->src_person[0])
		snprintf(buf, len, "%s ", r->src_department[0] ? r->src_department : r->src_person);
	else
		buf[0] = 0;
}

static void lookup(struct zl_incd *d, int ipver, const char *ip, char *host, char *person,
		   char *dept)
{
	struct zl_bh_who w;
	uint8_t a[16];
	int fam = ipver == 6 ? AF_INET6 : AF_INET;

	if (!d->dir || !*ip || inet_pton(fam, ip, a) != 1 || !zl_dir_lookup(d->dir, fam, a, &w))
		return;
	zl_text_copy(host, ZL_NAME_SIZE, w.host);
	zl_text_copy(person, ZL_NAME_SIZE, w.owner);
	zl_text_copy(dept, ZL_NAME_SIZE, w.department);
}

/* The row of a deduplicated incident: probes/incident's JSON (EVE fields,
 * evidence, sentences) plus the address book's names. */
static int make_row(struct zl_incd *d, const struct zl_incident *inc, struct zl_incident_row *r)
{
	char *buf = NULL, *ev, pre[2 * ZL_NAME_SIZE + 8], l4[8];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *j, *v;

	if (!f)
		return -1;
	if (zl_incident_json_write(f, inc) < 0) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	j = json_loads(buf, 0, NULL);
	free(buf);
	if (!j)
		return -1;
	memset(r, 0, sizeof(*r));
	snprintf(r->type, sizeof(r->type), "%s", zl_inc_type_name(inc->type));
	r->severity = inc->severity;
	r->first_us = (int64_t)inc->first_us;
	r->last_us = (int64_t)inc->last_us;
	r->count = (int64_t)inc->count;
	snprintf(r->src_ip, sizeof(r->src_ip), "%s", json_string_value(json_object_get(j, "src_ip")));
	if ((v = json_object_get(j, "dest_ip")) && json_is_string(v))
		snprintf(r->dst_ip, sizeof(r->dst_ip), "%s", json_string_value(v));
	r->src_port = inc->sport;
	r->dst_port = inc->dport;
	r->vlan = inc->vlan;
	r->targets = inc->targets;
	if ((v = json_object_get(j, "src_mac")))
		snprintf(r->src_mac, sizeof(r->src_mac), "%s", json_string_value(v));
	if (inc->l4proto)
		snprintf(r->proto, sizeof(r->proto), "%s", zl_l4_name(inc->l4proto, l4, sizeof(l4)));
	snprintf(r->app, sizeof(r->app), "%s", inc->app);
	if (inc->risk_name)
		snprintf(r->risks, sizeof(r->risks), "%s", inc->risk_name);
	ev = json_dumps(json_object_get(j, "evidence"), JSON_COMPACT);
	snprintf(r->evidence, sizeof(r->evidence), "%s", ev ? ev : "[]");
	free(ev);
	lookup(d, inc->ipver, r->src_ip, r->src_host, r->src_person, r->src_department);
	lookup(d, inc->ipver, r->dst_ip, r->dst_host, r->dst_person, r->dst_department);
	v = json_object_get(j, "message");
	who_prefix(r, 0, pre, sizeof(pre));
	snprintf(r->sentence_en, sizeof(r->sentence_en), "%s%s", pre,
		 json_string_value(json_object_get(v, "en")));
	zl_text_cut(r->sentence_en, sizeof(r->sentence_en));
	who_prefix(r, 1, pre, sizeof(pre));
	snprintf(r->sentence_zh, sizeof(r->sentence_zh), "%s%s", pre,
		 json_string_value(json_object_get(v, "zh")));
	zl_text_cut(r->sentence_zh, sizeof(r->sentence_zh));
	json_decref(j);
	return 0;
}

/* Write the incidents changed since the last flush, and export them. */
static void flush(struct zl_incd *d)
{
	struct zl_incident_row r;
	uint64_t t = now_us();
	size_t k;

	for (k = 0; k < d->n_dirty; k++) {
		size_t i = d->dirty[k];
		const struct zl_incident *inc = zl_incidents_get(d->table, i);
		struct side *sd = &d->side[i];
		int fresh = !sd->id;
		json_t *rec;

		sd->dirty = 0;
		if (!inc || make_row(d, inc, &r) < 0) {
			d->write_errors++;
			continue;
		}
		r.id = sd->id;
		if (zl_store_incident_put(d->store, &r) < 0) {
			d->write_errors++;
			continue;
		}
		sd->id = r.id;
		fresh ? d->opened++ : d->updated++;
		if (!d->ex || (!fresh && t < sd->exported_us + REEXPORT_US))
			continue;
		if ((rec = zl_incident_row_json(&r))) {
			if (!fresh)   /* the reviewers' status is the store's; say what this is */
				json_object_set_new(rec, "status", json_null());
			json_object_set_new(rec, "update", json_boolean(!fresh));
			zl_export_put(d->ex, rec, r.severity, fresh);
			json_decref(rec);
		}
		sd->exported_us = t;
	}
	d->n_dirty = 0;
}

/* ---------------------------------------------------- policy violations */

static struct blocker *blocker_of(struct zl_incd *d, const struct zl_inc_event *ev)
{
	struct blocker *b, *free_one = NULL, *lru = NULL;
	uint32_t h = 2166136261u;
	int i, k;

	for (k = 0; k < 16; k++)
		h = (h ^ ev->src[k]) * 16777619u;
	/* 8-way set: the client's, else a free one, else the least recently seen */
	for (i = 0; i < 8; i++) {
		b = &d->blockers[(h + (uint32_t)i) % BLOCK_HOSTS];
		if (b->used && b->ipver == ev->ipver && !memcmp(b->addr, ev->src, 16))
			return b;
		if (!b->used)
			free_one = free_one ? free_one : b;
		else if (!lru || b->seen_us < lru->seen_us)
			lru = b;
	}
	b = free_one ? free_one : lru;
	memset(b, 0, sizeof(*b));
	b->used = 1;
	b->ipver = ev->ipver;
	memcpy(b->addr, ev->src, 16);
	return b;
}

/*
 * One more block by a client. With more than viol.count of them in
 * viol.window_s, the first crossing reports the window's blocks as one
 * event; each further block while it stays over reports one more.
 */
static void count_block(struct zl_incd *d, const struct zl_inc_event *ev)
{
	struct blocker *b = blocker_of(d, ev);
	unsigned n = d->viol.count + 1;
	uint64_t *t = d->block_t + (size_t)(b - d->blockers) * n;
	struct zl_inc_event pv;

	b->seen_us = ev->ts_us;
	t[(b->head + b->n) % n] = ev->ts_us;
	if (b->n < n)
		b->n++;
	else
		b->head = (uint16_t)((b->head + 1) % n);
	if (b->n < n || ev->ts_us - t[b->head] > (uint64_t)d->viol.window_s * 1000000) {
		b->over = 0;
		return;
	}
	memset(&pv, 0, sizeof(pv));
	pv.ts_us = ev->ts_us;
	pv.since_us = t[b->head];
	pv.type = ZL_INC_POLICY;
	pv.severity = ZL_SEV_MEDIUM;
	pv.ipver = b->ipver;
	pv.risk = -1;
	memcpy(pv.src, b->addr, 16);
	pv.count = b->over ? 1 : n;
	b->over = 1;
	d->block_reports++;
	pthread_mutex_lock(&d->cfg_lock);
	if (d->own)
		zl_detect_report(d->own, &pv);
	else
		add_event(d, &pv);
	pthread_mutex_unlock(&d->cfg_lock);
}

/* The policy's violation threshold and dedup window, once they change
 * (the thread's). A new threshold starts the counts afresh. */
static void apply_config(struct zl_incd *d)
{
	struct zl_detect_threshold v;
	uint32_t w;
	uint64_t *bt;

	pthread_mutex_lock(&d->cfg_lock);
	v = d->want_viol;
	w = d->want_window_s;
	pthread_mutex_unlock(&d->cfg_lock);
	if (w != d->window_s) {
		d->window_s = w;
		zl_incidents_set_window(d->table, w);
	}
	if (v.count == d->viol.count && v.window_s == d->viol.window_s)
		return;
	if (v.count != d->viol.count) {
		if (!(bt = calloc((size_t)BLOCK_HOSTS * (v.count + 1), sizeof(*bt)))) {
			zl_log_warnx("incidents: out of memory; the violation threshold stays");
			return;
		}
		free(d->block_t);
		d->block_t = bt;
		memset(d->blockers, 0, BLOCK_HOSTS * sizeof(*d->blockers));
	}
	d->viol = v;
}

/* The open incidents of the last day, back in the dedup table: an incident
 * still going on at a restart adds to its record (the table's window
 * decides whether a later event is "the same"). The thread's, at start. */
static void restore_one(const struct zl_incident_row *r, void *ud)
{
	struct zl_incd *d = ud;
	struct zl_incident inc;
	const struct zl_incident *in;
	size_t i;

	if (zl_incident_of_row(r, &inc) < 0 || !(in = zl_incidents_restore(d->table, &inc)))
		return;
	i = (size_t)in->id - 1;
	if (grow_side(d, i + 1) < 0)
		return;
	d->side[i].id = r->id;
	d->side[i].exported_us = now_us();
	d->restored++;
}

static void restore(struct zl_incd *d)
{
	char err[256];

	if (zl_store_incidents_open(d->store, (int64_t)(now_us() - RESTORE_S * 1000000ULL), 32768,
				    restore_one, d, err, sizeof(err)) < 0)
		zl_log_warnx("incidents: the open incidents were not read back: %s; what goes "
			     "on opens new ones", err);
	else if (d->restored)
		zl_log_info("incidents: %llu open incidents of the last day read back",
			    (unsigned long long)d->restored);
}

/* Write the suppressed events counted since the last time (the thread's). */
static void write_suppressed(struct zl_incd *d)
{
	uint64_t sup[ZL_INC_MAX] = { 0 }, t = now_us();
	struct zl_detect_stats st;
	int i;

	if (d->counts)
		d->counts(d->counts_ud, sup);
	pthread_mutex_lock(&d->cfg_lock);
	if (d->own)
		zl_detect_stats(d->own, &st);
	for (i = 0; i < ZL_INC_MAX; i++)
		sup[i] += d->own_suppressed[i] + (d->own ? st.suppressed[i] : 0);
	pthread_mutex_unlock(&d->cfg_lock);
	for (i = 0; i < ZL_INC_MAX; i++)
		if (sup[i] > d->suppressed_written[i] &&
		    zl_store_incident_suppressed(d->store, (int64_t)t, zl_inc_type_name(i),
						 (int64_t)(sup[i] - d->suppressed_written[i])) == 0)
			d->suppressed_written[i] = sup[i];
}

/* ------------------------------------------------------------- thread */

static void *run(void *arg)
{
	struct zl_incd *d = arg;
	struct slot *batch = malloc(BATCH * sizeof(*batch));
	uint64_t next_flush = now_us() + FLUSH_US, next_sup = now_us() + SUPPRESSED_US;
	unsigned n, i;
	int stop = 0;

	apply_config(d);
	restore(d);
	while (batch && !stop) {
		struct timespec ts;

		apply_config(d);
		pthread_mutex_lock(&d->qlock);
		if (!d->count && !d->stop) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&d->qcond, &d->qlock, &ts);
		}
		for (n = 0; n < BATCH && d->count; n++, d->count--) {
			batch[n] = d->ring[d->head];
			d->head = (d->head + 1) % d->cap;
		}
		stop = d->stop && !d->count;
		pthread_mutex_unlock(&d->qlock);
		for (i = 0; i < n; i++) {
			struct slot *s = &batch[i];
			if (s->kind == SLOT_BLOCK) {
				count_block(d, &s->ev);
				continue;
			}
			s->ev.app = s->app[0] ? s->app : NULL;
			s->ev.flow = s->has_flow ? &s->flow : NULL;
			add_event(d, &s->ev);
		}
		if (stop || now_us() >= next_flush) {
			flush(d);
			next_flush = now_us() + FLUSH_US;
		}
		if (stop || now_us() >= next_sup) {
			write_suppressed(d);
			next_sup = now_us() + SUPPRESSED_US;
		}
	}
	free(batch);
	return NULL;
}

struct zl_incd *zl_incd_new(struct zl_store *store, struct zl_dir *dir, struct zl_export *ex,
			    unsigned queue_len)
{
	struct zl_incd *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->store = store;
	d->dir = dir;
	d->ex = ex;
	d->cap = queue_len ? queue_len : DEFAULT_QUEUE;
	d->ring = calloc(d->cap, sizeof(*d->ring));
	d->blockers = calloc(BLOCK_HOSTS, sizeof(*d->blockers));
	d->viol.count = d->want_viol.count = 50;
	d->viol.window_s = d->want_viol.window_s = 600;
	d->window_s = d->want_window_s = 3600;
	d->block_t = calloc((size_t)BLOCK_HOSTS * (d->viol.count + 1), sizeof(*d->block_t));
	d->table = zl_incidents_new(0, d->window_s);
	if (!d->ring || !d->blockers || !d->block_t || !d->table || grow_side(d, 256) < 0) {
		zl_incd_free(d);
		return NULL;
	}
	pthread_mutex_init(&d->qlock, NULL);
	pthread_cond_init(&d->qcond, NULL);
	pthread_mutex_init(&d->cfg_lock, NULL);
	return d;
}

int zl_incd_start(struct zl_incd *d)
{
	if (pthread_create(&d->thread, NULL, run, d) != 0)
		return -EAGAIN;
	d->started = 1;
	return 0;
}

void zl_incd_free(struct zl_incd *d)
{
	if (!d)
		return;
	if (d->started) {
		pthread_mutex_lock(&d->qlock);
		d->stop = 1;
		pthread_cond_signal(&d->qcond);
		pthread_mutex_unlock(&d->qlock);
		pthread_join(d->thread, NULL);
	}
	if (d->ring) {
		pthread_mutex_destroy(&d->qlock);
		pthread_cond_destroy(&d->qcond);
		pthread_mutex_destroy(&d->cfg_lock);
	}
	zl_detect_free(d->own);
	zl_incidents_free(d->table);
	free(d->side);
	free(d->dirty);
	free(d->blockers);
	free(d->block_t);
	free(d->ring);
	free(d);
}

int zl_incd_configure(struct zl_incd *d, const struct zl_detect_config *c, char *err,
		      size_t errlen)
{
	struct zl_detect *n = zl_detect_new(c, own_event, d, err, errlen), *old;
	struct zl_detect_stats st;
	int i;

	if (!n)
		return -1;

	pthread_mutex_lock(&d->cfg_lock);
	old = d->own;
	d->own = n;
	if (c->violation.count && c->violation.count <= 1000 && c->violation.window_s)
		d->want_viol = c->violation;
	d->want_window_s = c->dedup_window_s;
	if (old) {
		zl_detect_stats(old, &st);
		for (i = 0; i < ZL_INC_MAX; i++)
			d->own_suppressed[i] += st.suppressed[i];
	}
	pthread_mutex_unlock(&d->cfg_lock);
	zl_detect_free(old);
	return 0;
}

void zl_incd_set_counts(struct zl_incd *d, zl_incd_counts_fn fn, void *ud)
{
	d->counts = fn;
	d->counts_ud = ud;
}

json_t *zl_incd_status(struct zl_incd *d)
{
	uint64_t q, dr, pend;
	char err[256];
	json_t *o, *sev;

	pthread_mutex_lock(&d->qlock);
	q = d->queued;
	dr = d->dropped;
	pend = d->count;
	pthread_mutex_unlock(&d->qlock);
	sev = zl_store_incident_counts(d->store, err, sizeof(err));
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
		      "queued", (json_int_t)q, "dropped", (json_int_t)dr,
		      "pending", (json_int_t)pend,
		      "events", (json_int_t)__atomic_load_n(&d->events, __ATOMIC_RELAXED),
		      "opened", (json_int_t)__atomic_load_n(&d->opened, __ATOMIC_RELAXED),
		      "updated", (json_int_t)__atomic_load_n(&d->updated, __ATOMIC_RELAXED),
		      "write_errors", (json_int_t)__atomic_load_n(&d->write_errors, __ATOMIC_RELAXED),
		      "table_resets", (json_int_t)__atomic_load_n(&d->table_resets, __ATOMIC_RELAXED),
		      "restored", (json_int_t)__atomic_load_n(&d->restored, __ATOMIC_RELAXED),
		      "policy_violation_reports",
		      (json_int_t)__atomic_load_n(&d->block_reports, __ATOMIC_RELAXED),
		      "open_by_severity", sev ? sev : json_null());
	if (o && d->ex)
		json_object_set_new(o, "export", zl_export_status(d->ex));
	return o;
}
