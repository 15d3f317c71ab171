/*
 * read.c - offline mode: `zhulan --read FILE`. Reads a whole capture through
 * the flow engine, ends every flow at the end of the file, writes flows as
 * JSON lines and a summary on stderr.
 *
 * Exit status: 0 read whole, 1 the file was cut short (every flow read
 * before the cut is still written), 2 the file could not be read at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "detect_conf.h"
#include "detect.h"
#include "engine.h"
#include "flowjson.h"
#include "read.h"

struct app_row {
	char name[64];
	uint64_t flows, packets, bytes;
};

struct read_ctx {
	const struct zl_engine *engine;
	FILE *json;
	int json_failed;
	struct app_row *apps;
	size_t napps, capps;
	struct zl_incidents *incidents;
};

static void count_app(struct read_ctx *r, const struct zl_flow *f)
{
	char name[64];
	size_t i;

	zl_app_name(zl_engine_classifier(r->engine), f, name, sizeof(name));
	for (i = 0; i < r->napps; i++)
		if (!strcmp(r->apps[i].name, name))
			break;
	if (i == r->napps) {
		if (r->napps == r->capps) {
			size_t n = r->capps ? r->capps * 2 : 64;
			struct app_row *a = realloc(r->apps, n * sizeof(*a));
			if (!a)
				return;
			r->apps = a;
			r->capps = n;
		}
		memset(&r->apps[i], 0, sizeof(r->apps[i]));
		snprintf(r->apps[i].name, sizeof(r->apps[i].name), "%s", name);
		r->napps++;
	}
	r->apps[i].flows++;
	r->apps[i].packets += f->packets[0] + f->packets[1];
	r->apps[i].bytes += f->bytes[0] + f->bytes[1];
}

static void on_end(const struct zl_flow *f, void *ud)
{
	struct read_ctx *r = ud;

	count_app(r, f);
	if (r->json && !r->json_failed &&
	    zl_flow_json_write(r->json, zl_engine_classifier(r->engine), f) < 0)
		r->json_failed = 1;
}

static void on_incident(const struct zl_inc_event *ev, void *ud)
{
	struct read_ctx *r = ud;

	zl_incidents_add(r->incidents, ev);
}

/* The deduplicated incidents as JSON lines; a count line on stderr. */
static int write_incidents(const struct read_ctx *r, const struct zl_detect *d,
			   const char *path)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "w") : stdout;
	struct zl_detect_stats st;
	uint64_t events = 0, supp = 0;
	size_t i, n = zl_incidents_count(r->incidents);
	int failed = !fp;

	for (i = 0; fp && i < n && !failed; i++)
		failed = zl_incident_json_write(fp, zl_incidents_get(r->incidents, i)) < 0;
	if (fp && fflush(fp) == EOF)
		failed = 1;
	if (failed)
		fprintf(stderr, "zhulan: %s: %s\n", path, strerror(errno));
	if (fp && fp != stdout)
		fclose(fp);
	zl_detect_stats(d, &st);
	for (i = 0; i < ZL_INC_MAX; i++) {
		events += st.events[i];
		supp += st.suppressed[i];
	}
	fprintf(stderr, "incidents: %zu (events %llu, suppressed %llu, dropped %llu; "
		"scan sources %llu, evicted %llu; state %llu KiB reserved)\n", n,
		(unsigned long long)events, (unsigned long long)supp,
		(unsigned long long)zl_incidents_dropped(r->incidents),
		(unsigned long long)st.scan_sources, (unsigned long long)st.scan_evicted,
		(unsigned long long)st.bytes_reserved / 1024);
	return failed ? -1 : 0;
}

static int known_risk(const char *name, char *suggest, size_t n, void *ud)
{
	(void)ud;
	return zl_risk_known(name, suggest, n);
}

/* The detectors as the policy's incidents section sets them (the defaults
 * without a policy). Returns NULL after saying why. */
static struct zl_detect *detectors(const struct zl_read_opts *ro, struct read_ctx *r)
{
	struct zl_policy_hooks hooks = { .known_risk = known_risk };
	struct zl_detect_config dc;
	struct zl_policy *p = NULL;
	struct zl_detect *d;
	struct zl_diag diags;
	char err[256];

	zl_detect_config_default(&dc);
	if (ro->policy_path) {
		zl_diag_init(&diags);
		p = zl_policy_parse(ro->policy_path, &hooks, &diags);
		zl_diag_print(&diags, stderr);
		zl_diag_free(&diags);
		if (!p)
			return NULL;
		if (zl_policy_detect_config(p, &dc) < 0) {
			fprintf(stderr, "zhulan: out of memory\n");
			zl_policy_free(p);
			return NULL;
		}
	}
	d = zl_detect_new(&dc, on_incident, r, err, sizeof(err));
	zl_incidents_set_window(r->incidents, dc.dedup_window_s);
	if (!d)
		fprintf(stderr, "zhulan: detectors: %s\n", err);
	zl_detect_config_release(&dc);
	zl_policy_free(p);
	return d;
}

static int by_bytes(const void *a, const void *b)
{
	const struct app_row *x = a, *y = b;
	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : strcmp(x->name, y->name);
}

static void print_apps(struct read_ctx *r, FILE *out)
{
	size_t i;

	qsort(r->apps, r->napps, sizeof(*r->apps), by_bytes);
	fprintf(out, "%-32s %10s %12s %14s\n", "application", "flows", "packets", "bytes");
	for (i = 0; i < r->napps; i++)
		fprintf(out, "%-32s %10llu %12llu %14llu\n", r->apps[i].name,
			(unsigned long long)r->apps[i].flows,
			(unsigned long long)r->apps[i].packets,
			(unsigned long long)r->apps[i].bytes);
}

static void print_summary(const struct zl_engine *e, double secs, FILE *out)
{
	struct zl_engine_stats s;
	int i;

	zl_engine_stats(e, &s);
	fprintf(out, "packets: %llu\nbytes: %llu\nflows: %llu\n",
		(unsigned long long)s.frames, (unsigned long long)s.bytes,
		(unsigned long long)s.flows.created);
	fprintf(out, "flows evicted: %llu\nfragments attributed: %llu\n"
		"fragments unattributed: %llu\n",
		(unsigned long long)s.flows.evicted,
		(unsigned long long)s.frags_attributed,
		(unsigned long long)s.frags_unattributed);
	fprintf(out, "decode errors:");
	for (i = 1; i < ZL_DERR_MAX; i++)
		if (s.decode_errors[i])
			fprintf(out, " %s=%llu", zl_derr_name(i),
				(unsigned long long)s.decode_errors[i]);
	fprintf(out, "\nnDPI state peak: %llu flows\n", (unsigned long long)s.dpi_peak);
	if (s.dns_answers)
		fprintf(out, "DNS answers read: %llu\n", (unsigned long long)s.dns_answers);
	fprintf(out, "seconds: %.3f\npackets/s: %.0f\n", secs,
		secs > 0 ? (double)s.frames / secs : 0.0);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int zl_read_file(const struct zl_read_opts *ro, const struct zl_engine_opts *eo)
{
	char err[512];
	struct read_ctx r = { 0 };
	struct zl_engine_events ev = { .flow_end = on_end, .ud = &r };
	struct zl_capture *cap;
	struct zl_engine *e;
	struct zl_engine_opts o = *eo;
	struct zl_detect *det = NULL;
	struct zl_frame fr;
	int rc, link, status = 0;
	double t0;

	cap = zl_capture_open_file(ro->path, err, sizeof(err));
	if (!cap) {
		fprintf(stderr, "zhulan: %s\n", err);
		return 2;
	}
	if (ro->incidents_path) {
		r.incidents = zl_incidents_new(0, 0);
		det = r.incidents ? detectors(ro, &r) : NULL;
		if (!det) {
			if (!r.incidents)
				fprintf(stderr, "zhulan: out of memory\n");
			zl_incidents_free(r.incidents);
			zl_capture_close(cap);
			return 2;
		}
		o.detect = det;
	}
	e = zl_engine_new(&o, &ev, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "zhulan: %s\n", err);
		zl_detect_free(det);
		zl_incidents_free(r.incidents);
		zl_capture_close(cap);
		return 2;
	}
	r.engine = e;
	if (ro->json_path) {
		r.json = strcmp(ro->json_path, "-") ? fopen(ro->json_path, "w") : stdout;
		if (!r.json) {
			fprintf(stderr, "zhulan: %s: %s\n", ro->json_path, strerror(errno));
			zl_engine_free(e);
			zl_detect_free(det);
			zl_incidents_free(r.incidents);
			zl_capture_close(cap);
			return 2;
		}
	}
	link = zl_capture_link(cap);
	t0 = now_s();
	while ((rc = zl_capture_next(cap, &fr)) == ZL_CAP_PACKET)
		zl_engine_frame(e, link, fr.data, fr.caplen, fr.wirelen, fr.ts_us, 0);
	if (rc == ZL_CAP_ERROR) {
		fprintf(stderr, "zhulan: warning: %s\n", zl_capture_error(cap));
		status = 1;
	}
	zl_engine_flush(e, ZL_END_EOF);
	if (!ro->quiet)
		print_summary(e, now_s() - t0, stderr);
	if (ro->apps)
		print_apps(&r, stdout);
	if (r.json && (fflush(r.json) == EOF || r.json_failed)) {
		fprintf(stderr, "zhulan: %s: write failed: %s\n", ro->json_path,
			strerror(errno));
		status = 2;
	}
	if (r.json && r.json != stdout)
		fclose(r.json);
	if (det && write_incidents(&r, det, ro->incidents_path) < 0)
		status = 2;
	free(r.apps);
	zl_engine_free(e);
	zl_detect_free(det);
	zl_incidents_free(r.incidents);
	zl_capture_close(cap);
	return status;
}
