/*
 * sensor.c - capture thread: capture -> engine -> store.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "behaviour.h"
#include "flowjson.h"
#include "log.h"
#include "sensor.h"

struct zl_sensor {
	char *name;
	uint8_t index;
	struct zl_capture *cap;         /* NULL while the interface is down */
	struct zl_live_opts lo;         /* to open it again */
	struct zl_capture_stats base;   /* counted by the handles closed so far */
	time_t down_since;              /* 0: capturing */
	char last_error[256];
	uint64_t reopens;
	struct zl_engine *eng;
	struct zl_store *store;
	struct zl_bh *bh;
	uint64_t rx_us;                 /* when the packet in hand was received */
	pthread_mutex_t lock;
	pthread_t thread;
	int started;
	volatile int stop;
	uint64_t store_refused;
	struct zl_detect *det;          /* the engine's detectors, or NULL */
	uint64_t det_events[ZL_INC_MAX], det_suppressed[ZL_INC_MAX]; /* of the detectors replaced */
};

struct zl_sensor *zl_sensor_open(const char *ifname, uint8_t index,
				 const struct zl_live_opts *lo,
				 char *err, size_t errlen)
{
	struct zl_sensor *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "%s: out of memory", ifname);
		return NULL;
	}
	s->name = strdup(ifname);
	s->index = index;
	if (lo)
		s->lo = *lo;
	pthread_mutex_init(&s->lock, NULL);
	s->cap = zl_capture_open_live(ifname, lo, err, errlen);
	if (!s->cap) {
		zl_sensor_free(s);
		return NULL;
	}
	return s;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Copy a finished flow into the store's record (called under s->lock). */
static void to_record(const struct zl_classifier *c, const struct zl_flow *f,
		      struct zl_flow_record *r)
{
	const char *risks[64];
	size_t n, i, off = 0;
	char l4[8];

	memset(r, 0, sizeof(*r));
	r->first_us = (int64_t)f->first_us;
	r->last_us = (int64_t)f->last_us;
	snprintf(r->proto, sizeof(r->proto), "%s", zl_l4_name(f->key.proto, l4, sizeof(l4)));
	zl_flow_endpoints(f, r->src_ip, r->dst_ip, sizeof(r->src_ip),
			  &r->src_port, &r->dst_port);
	r->vlan = f->key.vlan;
	r->ip_version = f->key.ipver;
	r->iface = f->iface;
	r->dns_rr = f->dns_rr;
	zl_app_name(c, f, r->app, sizeof(r->app));
	r->app_id = f->app_id ? f->app_id : f->master_id;
	r->master_id = f->master_id;
	snprintf(r->category, sizeof(r->category), "%s", zl_category_name(c, f->category));
	n = zl_risk_names(f->risk, risks, 64);
	for (i = 0; i < n && off < sizeof(r->risks); i++)
		off += (size_t)snprintf(r->risks + off, sizeof(r->risks) - off,
					"%s%s", i ? "," : "", risks[i]);
	zl_printable(f->host, r->host, sizeof(r->host));
	snprintf(r->end_reason, sizeof(r->end_reason), "%s", zl_end_name(f->end_reason));
	snprintf(r->confidence, sizeof(r->confidence), "%s", zl_confidence_name(f->confidence));
	r->src2dst_packets = f->packets[0];
	r->dst2src_packets = f->packets[1];
	r->src2dst_bytes = f->bytes[0];
	r->dst2src_bytes = f->bytes[1];
}

static void on_named(struct zl_flow *f, void *ud)
{
	struct zl_sensor *s = ud;

	zl_bh_flow(s->bh, zl_engine_classifier(s->eng), f, s->rx_us);
}

void zl_sensor_set_behaviour(struct zl_sensor *s, struct zl_bh *bh)
{
	s->bh = bh;
}

static void on_end(const struct zl_flow *f, void *ud)
{
	struct zl_sensor *s = ud;
	struct zl_flow_record r;

	if (f->verdict)
		zl_bh_flow_end(s->bh, zl_engine_classifier(s->eng), f);

	to_record(zl_engine_classifier(s->eng), f, &r);
	/* at a stop every live flow ends at once: wait for the writer then,
	 * never while capturing */
	if ((f->end_reason == ZL_END_SHUTDOWN ? zl_store_put_flow_wait(s->store, &r) :
	     zl_store_put_flow(s->store, &r)) < 0)
		s->store_refused++;
}

/* Sleep up to ms, in steps short enough to see a stop and expire idle flows. */
static void wait_down(struct zl_sensor *s, unsigned ms)
{
	struct timespec step = { 0, 100 * 1000000L };

	for (; ms > 0 && !s->stop; ms -= ms < 100 ? ms : 100) {
		nanosleep(&step, NULL);
		pthread_mutex_lock(&s->lock);
		zl_engine_tick(s->eng, now_us());
		pthread_mutex_unlock(&s->lock);
	}
}

/*
 * The interface went away (deleted, a driver reload, a bridge or VLAN
 * re-created: its packet socket is dead even when a namesake comes back).
 * Close the handle and open the name again, 0.5 s doubling to 30 s between
 * tries, until it works or the sensor stops. The engine and its flow table
 * stay: flows of the old link end by their idle timeouts.
 */
static void reopen(struct zl_sensor *s)
{
	struct zl_capture_stats cs;
	struct zl_capture *c;
	unsigned backoff = 500;
	char err[256];

	pthread_mutex_lock(&s->lock);
	zl_log_warnx("capture stopped: %s; opening %s again", zl_capture_error(s->cap), s->name);
	snprintf(s->last_error, sizeof(s->last_error), "%s", zl_capture_error(s->cap));
	zl_capture_stats(s->cap, &cs);
	s->base.packets += cs.packets;
	s->base.kernel_received += cs.kernel_received;
	s->base.kernel_dropped += cs.kernel_dropped;
	s->base.if_dropped += cs.if_dropped;
	zl_capture_close(s->cap);
	s->cap = NULL;
	s->down_since = time(NULL);
	pthread_mutex_unlock(&s->lock);
	while (!s->stop) {
		wait_down(s, backoff);
		if (s->stop)
			break;
		c = zl_capture_open_live(s->name, &s->lo, err, sizeof(err));
		pthread_mutex_lock(&s->lock);
		if (c) {
			s->cap = c;
			s->down_since = 0;
			s->reopens++;
		} else if (strcmp(err, s->last_error)) {
			zl_log_warnx("%s", err);  /* once per new reason */
			snprintf(s->last_error, sizeof(s->last_error), "%s", err);
		}
		pthread_mutex_unlock(&s->lock);
		if (c) {
			zl_log_info("%s: capturing again", s->name);
			return;
		}
		backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
	}
}

static void *run(void *arg)
{
	struct zl_sensor *s = arg;
	int link = zl_capture_link(s->cap), rc;
	uint64_t next_tick = 0, t;
	struct zl_frame fr;

	while (!s->stop) {
		rc = zl_capture_next(s->cap, &fr);
		if (rc == ZL_CAP_PACKET && s->bh)
			s->rx_us = now_us();
		pthread_mutex_lock(&s->lock);
		if (rc == ZL_CAP_PACKET)
			zl_engine_frame(s->eng, link, fr.data, fr.caplen, fr.wirelen,
					fr.ts_us, s->index);
		t = now_us();
		if (t >= next_tick) {
			zl_engine_tick(s->eng, t);
			next_tick = t + 1000000;
		}
		pthread_mutex_unlock(&s->lock);
		if (rc == ZL_CAP_ERROR) {
			reopen(s);
			if (!s->cap)
				break;  /* stopped while down */
			link = zl_capture_link(s->cap);
		}
	}
	pthread_mutex_lock(&s->lock);
	zl_engine_flush(s->eng, ZL_END_SHUTDOWN);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Add d's events and suppressed events by type (lock held or not running). */
static void detect_counts(const struct zl_detect *d, uint64_t *events, uint64_t *suppressed)
{
	struct zl_detect_stats st;
	int i;

	if (!d)
		return;
	zl_detect_stats(d, &st);
	for (i = 0; i < ZL_INC_MAX; i++) {
		events[i] += st.events[i];
		suppressed[i] += st.suppressed[i];
	}
}

void zl_sensor_detect_counts(struct zl_sensor *s, uint64_t *events, uint64_t *suppressed)
{
	int i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < ZL_INC_MAX; i++) {
		events[i] += s->det_events[i];
		suppressed[i] += s->det_suppressed[i];
	}
	detect_counts(s->det, events, suppressed);
	pthread_mutex_unlock(&s->lock);
}

int zl_sensor_set_detect(struct zl_sensor *s, const struct zl_detect_config *c,
			 zl_detect_event_fn fn, void *ud, char *err, size_t errlen)
{
	struct zl_detect *d = zl_detect_new(c, fn, ud, err, errlen), *old;

	if (!d)
		return -1;
	pthread_mutex_lock(&s->lock);
	if (s->eng)
		zl_engine_set_detect(s->eng, d);
	old = s->det;
	s->det = d;
	detect_counts(old, s->det_events, s->det_suppressed);
	pthread_mutex_unlock(&s->lock);
	zl_detect_free(old);
	return 0;
}

int zl_sensor_start(struct zl_sensor *s, const struct zl_engine_opts *eo_in,
		    struct zl_store *store, char *err, size_t errlen)
{
	struct zl_engine_events ev = { .flow_end = on_end, .ud = s };
	struct zl_engine_opts o = *eo_in, *eo = &o;

	if (s->bh) {
		ev.flow_classified = on_named;
		ev.flow_named = on_named;
	}

	s->store = store;
	pthread_mutex_lock(&s->lock);
	o.detect = s->det;
	s->eng = zl_engine_new(eo, &ev, err, errlen);
	pthread_mutex_unlock(&s->lock);
	if (!s->eng)
		return -1;
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		snprintf(err, errlen, "%s: cannot start capture thread", s->name);
		return -1;
	}
	s->started = 1;
	return 0;
}

void zl_sensor_stop(struct zl_sensor *s)
{
	if (!s || !s->started)
		return;
	s->stop = 1;
	pthread_mutex_lock(&s->lock);    /* the capture thread may be replacing cap */
	if (s->cap)
		zl_capture_breakloop(s->cap);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	s->started = 0;
}

void zl_sensor_free(struct zl_sensor *s)
{
	if (!s)
		return;
	zl_sensor_stop(s);
	zl_engine_free(s->eng);
	zl_detect_free(s->det);
	zl_capture_close(s->cap);
	pthread_mutex_destroy(&s->lock);
	free(s->name);
	free(s);
}

json_t *zl_sensor_status(struct zl_sensor *s)
{
	struct zl_capture_stats cs;
	struct zl_engine_stats es;
	json_t *errs = json_object(), *o;
	char since[32] = "", last_error[sizeof(s->last_error)];
	uint64_t reopens, det_events = 0, det_suppressed = 0;
	uint64_t ev[ZL_INC_MAX] = { 0 }, sup[ZL_INC_MAX] = { 0 };
	int i;

	memset(&cs, 0, sizeof(cs));
	pthread_mutex_lock(&s->lock);
	if (s->cap)
		zl_capture_stats(s->cap, &cs);
	cs.packets += s->base.packets;
	cs.kernel_received += s->base.kernel_received;
	cs.kernel_dropped += s->base.kernel_dropped;
	cs.if_dropped += s->base.if_dropped;
	if (s->down_since)
		strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ",
			 gmtime_r(&s->down_since, &(struct tm){ 0 }));
	memcpy(last_error, s->last_error, sizeof(last_error));
	reopens = s->reopens;
	for (i = 0; i < ZL_INC_MAX; i++) {
		ev[i] = s->det_events[i];
		sup[i] = s->det_suppressed[i];
	}
	detect_counts(s->det, ev, sup);
	if (s->eng)
		zl_engine_stats(s->eng, &es);
	else
		memset(&es, 0, sizeof(es));
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < ZL_INC_MAX; i++) {
		det_events += ev[i];
		det_suppressed += sup[i];
	}
	for (i = 1; i < ZL_DERR_MAX; i++)
		if (es.decode_errors[i])
			json_object_set_new(errs, zl_derr_name(i),
					    json_integer((json_int_t)es.decode_errors[i]));
	o = json_pack("{s:s, s:i, s:s, s:s?, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:o, "
		      "s:I, s:I, s:I, s:I, s:I}",
		      "name", s->name, "index", s->index,
		      "state", since[0] ? "down" : "up",
		      "down_since", since[0] ? since : NULL,
		      "last_error", last_error[0] ? last_error : NULL,
		      "reopens", (json_int_t)reopens,
		      "packets", (json_int_t)cs.packets,
		      "bytes", (json_int_t)es.bytes,
		      "kernel_received", (json_int_t)cs.kernel_received,
		      "kernel_dropped", (json_int_t)cs.kernel_dropped,
		      "interface_dropped", (json_int_t)cs.if_dropped,
		      "decode_errors", errs,
		      "flows_live", (json_int_t)es.flows.live,
		      "flows_created", (json_int_t)es.flows.created,
		      "flows_evicted", (json_int_t)es.flows.evicted,
		      "fragments_unattributed", (json_int_t)es.frags_unattributed,
		      "records_refused", (json_int_t)s->store_refused);
	json_object_set_new(o, "incident_events", json_integer((json_int_t)det_events));
	json_object_set_new(o, "incident_events_suppressed",
			    json_integer((json_int_t)det_suppressed));
	return o;  /* "s?": null for NULL */
}

long zl_sensor_down_for(struct zl_sensor *s, time_t now)
{
	long d;

	pthread_mutex_lock(&s->lock);
	d = s->down_since ? (long)(now - s->down_since) : -1;
	pthread_mutex_unlock(&s->lock);
	return d;
}

/*
 * Live flows for the API: the sensor's lock is held only to pick and copy
 * at most f->limit matching flows, and never longer than LIVE_LOCK_US (the
 * capture thread waits meanwhile); their JSON is built after it is let go.
 * zl_flow_to_json reads the classifier's name tables, which are fixed
 * once the engine has started.
 */
#define LIVE_LOCK_US 20000

struct live_copy {
	struct zl_flow f;
	char host[256];
};

struct live_ctx {
	const struct zl_live_filter *f;
	const struct zl_classifier *c;
	struct live_copy *v;
	size_t n, cap;
	unsigned long visited;
	uint64_t deadline;
	int more;
};

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void pick_live(const struct zl_flow *fl, void *ud)
{
	struct live_ctx *x = ud;
	char src[64], dst[64], app[64];
	uint16_t sp, dp;

	if (x->more)
		return;
	if (!(++x->visited & 1023) && mono_us() > x->deadline) {
		x->more = 1;
		return;
	}
	if (fl->class_state != ZL_CLASS_DONE)
		return;  /* not yet named: listed once classified or ended */
	if (x->f->host) {
		zl_flow_endpoints(fl, src, dst, sizeof(src), &sp, &dp);
		if (strcmp(x->f->host, src) && strcmp(x->f->host, dst))
			return;
	}
	if (x->f->app && strcasecmp(x->f->app, zl_app_name(x->c, fl, app, sizeof(app))) &&
	    strcasecmp(x->f->app, zl_proto_name(x->c, fl->app_id ? fl->app_id : fl->master_id)))
		return;
	if (x->f->category && strcasecmp(x->f->category, zl_category_name(x->c, fl->category)))
		return;
	if (x->n == x->cap) {
		x->more = 1;
		return;
	}
	x->v[x->n].f = *fl;
	x->v[x->n].f.dpi = NULL;
	snprintf(x->v[x->n].host, sizeof(x->v[x->n].host), "%s", fl->host ? fl->host : "");
	x->n++;
}

int zl_sensor_live_flows(struct zl_sensor *s, const struct zl_live_filter *f, json_t *out)
{
	struct live_ctx x = { .f = f, .cap = f->limit };
	json_t *j;
	size_t i;

	if (x.cap && !(x.v = malloc(x.cap * sizeof(*x.v))))
		return -1;
	pthread_mutex_lock(&s->lock);
	x.deadline = mono_us() + LIVE_LOCK_US;
	if (s->eng) {
		x.c = zl_engine_classifier(s->eng);
		zl_engine_foreach_flow(s->eng, pick_live, &x);
	}
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < x.n; i++) {
		x.v[i].f.host = x.v[i].host[0] ? x.v[i].host : NULL;
		if (!(j = zl_flow_to_json(x.c, &x.v[i].f)))
			continue;
		json_object_set_new(j, "live", json_true());
		json_object_set_new(j, "end_reason", json_null());
		json_array_append_new(out, j);
	}
	free(x.v);
	return x.more;
}
