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
	struct zl_capture *cap;
	struct zl_engine *eng;
	struct zl_store *store;
	struct zl_bh *bh;
	uint64_t rx_us;                 /* when the packet in hand was received */
	pthread_mutex_t lock;
	pthread_t thread;
	int started;
	volatile int stop;
	uint64_t store_refused;
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
			zl_log_warnx("capture stopped: %s", zl_capture_error(s->cap));
			break;
		}
	}
	pthread_mutex_lock(&s->lock);
	zl_engine_flush(s->eng, ZL_END_SHUTDOWN);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int zl_sensor_start(struct zl_sensor *s, const struct zl_engine_opts *eo,
		    struct zl_store *store, char *err, size_t errlen)
{
	struct zl_engine_events ev = { .flow_end = on_end, .ud = s };

	if (s->bh) {
		ev.flow_classified = on_named;
		ev.flow_named = on_named;
	}

	s->store = store;
	s->eng = zl_engine_new(eo, &ev, err, errlen);
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
	zl_capture_breakloop(s->cap);
	pthread_join(s->thread, NULL);
	s->started = 0;
}

void zl_sensor_free(struct zl_sensor *s)
{
	if (!s)
		return;
	zl_sensor_stop(s);
	zl_engine_free(s->eng);
	zl_capture_close(s->cap);
	pthread_mutex_destroy(&s->lock);
	free(s->name);
	free(s);
}

json_t *zl_sensor_status(struct zl_sensor *s)
{
	struct zl_capture_stats cs;
	struct zl_engine_stats es;
	json_t *errs = json_object();
	int i;

	pthread_mutex_lock(&s->lock);
	zl_capture_stats(s->cap, &cs);
	if (s->eng)
		zl_engine_stats(s->eng, &es);
	else
		memset(&es, 0, sizeof(es));
	pthread_mutex_unlock(&s->lock);
	for (i = 1; i < ZL_DERR_MAX; i++)
		if (es.decode_errors[i])
			json_object_set_new(errs, zl_derr_name(i),
					    json_integer((json_int_t)es.decode_errors[i]));
	return json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I}",
			 "name", s->name, "index", s->index,
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
}

struct live_ctx {
	const struct zl_live_filter *f;
	const struct zl_classifier *c;
	json_t *out;
	size_t n;
};

static void add_live(const struct zl_flow *fl, void *ud)
{
	struct live_ctx *x = ud;
	char src[64], dst[64], app[64];
	uint16_t sp, dp;
	json_t *j;

	if (fl->class_state != ZL_CLASS_DONE)
		return;  /* not yet named: listed once classified or ended */
	zl_flow_endpoints(fl, src, dst, sizeof(src), &sp, &dp);
	zl_app_name(x->c, fl, app, sizeof(app));
	if (x->f->host && strcmp(x->f->host, src) && strcmp(x->f->host, dst))
		return;
	if (x->f->app && strcasecmp(x->f->app, app) &&
	    strcasecmp(x->f->app, zl_proto_name(x->c, fl->app_id ? fl->app_id : fl->master_id)))
		return;
	if (x->f->category && strcasecmp(x->f->category, zl_category_name(x->c, fl->category)))
		return;
	j = zl_flow_to_json(x->c, fl);
	if (j) {
		json_object_set_new(j, "live", json_true());
		json_object_set_new(j, "end_reason", json_null());
		json_array_append_new(x->out, j);
		x->n++;
	}
}

size_t zl_sensor_live_flows(struct zl_sensor *s, const struct zl_live_filter *f,
			    json_t *out)
{
	struct live_ctx x = { f, NULL, out, 0 };

	pthread_mutex_lock(&s->lock);
	if (s->eng) {
		x.c = zl_engine_classifier(s->eng);
		zl_engine_foreach_flow(s->eng, add_live, &x);
	}
	pthread_mutex_unlock(&s->lock);
	return x.n;
}
