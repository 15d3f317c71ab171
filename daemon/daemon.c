/*
 * daemon.c - start-up, privileges, the signal loop and shutdown.
 *
 * Order matters: as root we take the instance lock (a second daemon stops
 * there), make the state directories the user's, open every capture handle
 * and the control socket; then we become `user`, keeping only
 * CAP_NET_RAW and CAP_NET_ADMIN (a packet socket is checked when it is
 * created, so capture goes on), open the database as that user, and only
 * then start threads. Shutdown ends every live flow into the store and
 * drains it before exit.
 */
#include <errno.h>
#include <pthread.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cap-ng.h>
#include <systemd/sd-daemon.h>

#include "conf.h"
#include "control.h"
#include "archive.h"
#include "behaviour.h"
#include "bundle.h"
#include "classify.h"
#include "daemon.h"
#include "addrbook.h"
#include "detect_conf.h"
#include "directory.h"
#include "export.h"
#include "firewall.h"
#include "incidents.h"
#include "log.h"
#include "sensor.h"
#include "sitecheck.h"
#include "sitework.h"
#include "statedir.h"
#include "store.h"
#include "store_ipv6.h"
#include "ticker.h"

struct daemon {
	const char *conf_path;
	struct zl_conf conf;
	struct zl_sensor *sensors[ZL_MAX_IFACES];
	int n_sensors;
	struct zl_store *store;
	struct zl_control *control;
	struct zl_fw *fw;
	struct zl_bh *bh;
	struct zl_dir *dir;            /* the address book */
	struct zl_archive *reports;    /* the monthly reports and their thread */
	long long started_us;
	struct zl_classifier *names;   /* application names for policy checks */
	struct zl_incd *incd;          /* the incidents thread */
	struct zl_export *ex;          /* incidents' syslog, JSON lines and webhook */
	struct zl_sitework *sites;     /* the IPv6 readiness checks of sites */
	char *pol_sites, *pol_internal; /* the policy's ipv6 section, NULL: zhulan.conf's
					 * (under reload_lock) */
	uid_t uid;
	gid_t gid;
	int lock_fd;                   /* DATABASE.lock, held while we run */
	int watchdog_held;             /* pings stopped: an interface is down too long */
	char *proto_files[3], *cat_files[3];
	char setup[600];               /* what the administrator must still set, or "" */
};

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* The running daemon's figures for a report's section 7, and zhulan.conf's IPv6 targets. */
static void report_health(void *ud, struct zl_report_opts *o)
{
	struct daemon *d = ud;
	int i;

	o->has_daemon = 1;
	/* the national IPv6 targets as zhulan.conf has them now (a reload changes them) */
	o->ipv6_targets = 1;
	o->ipv6_target_traffic = __atomic_load_n(&d->conf.ipv6_target_traffic, __ATOMIC_RELAXED);
	o->ipv6_target_portals = __atomic_load_n(&d->conf.ipv6_target_portals, __ATOMIC_RELAXED);
	o->uptime_s = (now_us() - d->started_us) / 1000000;
	for (i = 0; i < d->n_sensors; i++) {
		json_t *st = zl_sensor_status(d->sensors[i]);
		o->capture_packets += (uint64_t)json_integer_value(json_object_get(st, "packets"));
		o->capture_drops += (uint64_t)json_integer_value(json_object_get(st, "kernel_dropped")) +
			(uint64_t)json_integer_value(json_object_get(st, "interface_dropped"));
		json_decref(st);
	}
}

/* The reports' archive in "reports/" beside the database (statedir.c
 * claims it with the database's files; an archive in the old place,
 * "DATABASE.reports/", moves there), its jobs and its schedule. */
static int start_reports(struct daemon *d, char *err, size_t len)
{
	struct zl_archive_opts ao = { .store = d->store, .minute = d->conf.report_minute,
				      .health = report_health, .ud = d };
	char dir[4096], old[4096];
	int n;

	if (zl_archive_dir(d->conf.database, dir, sizeof(dir), old, sizeof(old), err, len) < 0 ||
	    (n = zl_store_report_moved(d->store, old, dir, err, len)) < 0)
		return -1;
	if (n > 0)
		zl_log_info("reports: %d archived report(s) now in %s", n, dir);
	ao.dir = dir;
	ao.keep_days = d->conf.report_keep_days > d->conf.retention_days ?
		d->conf.report_keep_days : d->conf.retention_days;
	ao.base.work_days = d->conf.report_work_days;
	memcpy(ao.base.work_ranges, d->conf.report_work, sizeof(ao.base.work_ranges));
	ao.base.n_work_ranges = d->conf.report_n_work;
	ao.base.entertainment = d->conf.report_entertainment;
	ao.base.org = d->conf.report_org;
	d->reports = zl_archive_start(&ao, 1, err, len);
	return d->reports ? 0 : -1;
}

static int drop_privileges(struct daemon *d, char *err, size_t len)
{
	if (geteuid() != 0)
		return 0;  /* started unprivileged: nothing to give up */
	capng_clear(CAPNG_SELECT_BOTH);
	capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
		      CAP_NET_RAW, CAP_NET_ADMIN, -1);
	if (capng_change_id((int)d->uid, (int)d->gid,
			    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING) != 0) {
		snprintf(err, len, "cannot change to user %s with CAP_NET_RAW and "
			 "CAP_NET_ADMIN (libcap-ng)", d->conf.user);
		return -1;
	}
	return 0;
}

/* SIGHUP and the control API's threads may reload at once: one at a time. */
static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER;

static int reload_locked(struct daemon *d, char *msg, size_t len);

#define SWAP_STR(a, b) do { char *t_ = (a); (a) = (b); (b) = t_; } while (0)

static int reload(void *ud, char *msg, size_t len)
{
	int rc;

	pthread_mutex_lock(&reload_lock);
	rc = reload_locked(ud, msg, len);
	pthread_mutex_unlock(&reload_lock);
	return rc;
}

static int reload_locked(struct daemon *d, char *msg, size_t len)
{
	struct zl_conf n;
	int i, restart = 0;

	zl_conf_defaults(&n);
	if (zl_conf_load(d->conf_path, &n, msg, len) < 0) {
		zl_conf_free(&n);
		zl_log_warnx("reload: %s; keeping the running configuration", msg);
		return -1;
	}
	if (n.retention_days != d->conf.retention_days) {
		zl_store_set_retention(d->store, n.retention_days);
		d->conf.retention_days = n.retention_days;
	}
	d->conf.sensor_down_watchdog = n.sensor_down_watchdog;
	d->conf.ipv6_target_traffic = n.ipv6_target_traffic;
	d->conf.ipv6_target_portals = n.ipv6_target_portals;
	/* the policy's ipv6 section, where it has one, comes before the keys */
	if (zl_store_ipv6_prefixes(d->store, n.ipv6_clients,
				   d->pol_internal ? d->pol_internal : n.ipv6_internal, msg, len) < 0) {
		zl_conf_free(&n);
		zl_log_warnx("reload: %s; keeping the running configuration", msg);
		return -1;
	}
	SWAP_STR(d->conf.ipv6_clients, n.ipv6_clients);
	SWAP_STR(d->conf.ipv6_internal, n.ipv6_internal);
	if (d->sites && strcmp(n.ipv6_sites, d->conf.ipv6_sites) &&
	    (d->pol_sites || zl_sitework_set_sites(d->sites, n.ipv6_sites) == 0)) {
		free(d->conf.ipv6_sites);
		d->conf.ipv6_sites = n.ipv6_sites;   /* (read only under reload_lock) */
		n.ipv6_sites = NULL;
	}
	restart |= n.n_interfaces != d->conf.n_interfaces;
	for (i = 0; !restart && i < n.n_interfaces; i++)
		restart |= strcmp(n.interfaces[i], d->conf.interfaces[i]) != 0;
	restart |= strcmp(n.database, d->conf.database) || strcmp(n.user, d->conf.user) ||
		   strcmp(n.control_socket, d->conf.control_socket) ||
		   n.max_flows != d->conf.max_flows || n.ipv6_check_hour != d->conf.ipv6_check_hour ||
		   n.ipv6_check_interval_ms != d->conf.ipv6_check_interval_ms ||
		   strcmp(n.ipv6_check_ca_file ? n.ipv6_check_ca_file : "",
			  d->conf.ipv6_check_ca_file ? d->conf.ipv6_check_ca_file : "");
	zl_conf_free(&n);
	snprintf(msg, len, "configuration reloaded%s", restart ?
		 "; interfaces, database, control_socket, user, max_flows and the IPv6 checks' "
		 "hour, pace and CA file change at restart" : "");
	zl_log_info("%s", msg);
	return 0;
}

/* The neighbour table into today's IPv6 address rows: a machine's IPv4
 * and IPv6 addresses joined by MAC (store_ipv6.h). */
static void ipv6_neigh(struct daemon *d)
{
	struct zl_addrbook_neigh *v;
	char err[256];
	size_t n;

	if (zl_addrbook_neigh_read(&v, &n, err, sizeof(err)) < 0) {
		zl_log_warnx("IPv6 measurement: %s", err);
		return;
	}
	zl_store_ipv6_neigh(d->store, v, n, now_us());
	free(v);
}

static int lookup_user(struct daemon *d, char *err, size_t len)
{
	struct passwd *pw = getpwnam(d->conf.user);

	if (!pw) {
		if (geteuid() != 0) {
			d->uid = geteuid();
			d->gid = getegid();
			return 0;
		}
		snprintf(err, len, "user \"%s\" does not exist (create it: "
			 "adduser --system --group %s)", d->conf.user, d->conf.user);
		return -1;
	}
	d->uid = pw->pw_uid;
	d->gid = pw->pw_gid;
	return 0;
}

static void engine_opts(struct daemon *d, struct zl_engine_opts *eo)
{
	char *p;

	zl_engine_opts_default(eo);
	eo->flows.max_flows = d->conf.max_flows;
	eo->flows.timeout_tcp = d->conf.timeout_tcp;
	eo->flows.timeout_tcp_closed = d->conf.timeout_tcp_closed;
	eo->flows.timeout_udp = d->conf.timeout_udp;
	eo->flows.timeout_other = d->conf.timeout_other;
	if (eo->flows.timeout_tcp_half > d->conf.timeout_tcp)
		eo->flows.timeout_tcp_half = d->conf.timeout_tcp;
	eo->dns_answers = 1;        /* the IPv6 measurement's AAAA answers */
	if (asprintf(&p, "%s/zhulan-protos.txt", d->conf.app_dir) >= 0)
		d->proto_files[0] = p;
	if (asprintf(&p, "%s/zhulan-categories.txt", d->conf.app_dir) >= 0)
		d->cat_files[0] = p;
	if (access(ZL_SYSCONFDIR "/zhulan/protos.txt", R_OK) == 0)
		d->proto_files[1] = strdup(ZL_SYSCONFDIR "/zhulan/protos.txt");
	if (access(ZL_SYSCONFDIR "/zhulan/categories.txt", R_OK) == 0)
		d->cat_files[1] = strdup(ZL_SYSCONFDIR "/zhulan/categories.txt");
	eo->classify.protocol_files = (const char *const *)d->proto_files;
	eo->classify.category_files = (const char *const *)d->cat_files;
}

static int hook_app(const char *name, char *suggest, size_t n, void *ud)
{
	return zl_app_known(ud, name, suggest, n);
}

static int hook_category(const char *name, char *suggest, size_t n, void *ud)
{
	return zl_category_known(ud, name, suggest, n);
}

static int hook_risk(const char *name, char *suggest, size_t n, void *ud)
{
	(void)ud;
	return zl_risk_known(name, suggest, n);
}

/*
 * A policy came into force (NULL: none): its ipv6 section gives the sites
 * to check and the internal zone; where it is silent (or absent),
 * zhulan.conf's ipv6_sites and ipv6_internal apply.
 */
static void ipv6_from(struct daemon *d, const struct zl_policy *p)
{
	char *sites = zl_policy_ipv6_sites(p), *internal = zl_policy_ipv6_internal(p);
	char err[256];

	pthread_mutex_lock(&reload_lock);
	free(d->pol_sites);
	free(d->pol_internal);
	d->pol_sites = sites;
	d->pol_internal = internal;
	if (zl_store_ipv6_prefixes(d->store, d->conf.ipv6_clients,
				   internal ? internal : d->conf.ipv6_internal, err, sizeof(err)) < 0)
		zl_log_warnx("policy: %s; the internal zone stays as it was", err);
	if (d->sites && zl_sitework_set_sites(d->sites, sites ? sites : d->conf.ipv6_sites) < 0)
		zl_log_warnx("policy: out of memory; the sites to check stay as they were");
	pthread_mutex_unlock(&reload_lock);
}

/*
 * A policy came into force (NULL: none, or before the first): every
 * sensor gets detectors made from its incidents section, and so does the
 * incidents thread (for policy violations). A configuration that cannot
 * be made keeps the detectors in place.
 */
static void detectors_from(const struct zl_policy *p, void *ud)
{
	struct daemon *d = ud;
	struct zl_detect_config dc;
	char err[256];
	int i;

	zl_detect_config_default(&dc);
	if (p && zl_policy_detect_config(p, &dc) < 0) {
		zl_log_warnx("incidents: out of memory; the detectors stay as they were");
		return;
	}
	for (i = 0; i < d->n_sensors; i++)
		if (zl_sensor_set_detect(d->sensors[i], &dc, zl_incd_event, d->incd, err,
					 sizeof(err)) < 0)
			zl_log_warnx("incidents: %s: %s; its detectors stay as they were",
				     d->conf.interfaces[i], err);
	if (d->incd && zl_incd_configure(d->incd, &dc, err, sizeof(err)) < 0)
		zl_log_warnx("incidents: %s", err);
	zl_detect_config_release(&dc);
}

/* What follows a policy into force: the detectors and the IPv6 measurement. */
static void policy_in_force(const struct zl_policy *p, void *ud)
{
	struct daemon *d = ud;

	if (d->incd)
		detectors_from(p, d);
	ipv6_from(d, p);
}

/* The capture threads' suppressed events by type, for the incidents thread. */
static void suppressed_counts(void *ud, uint64_t *suppressed)
{
	struct daemon *d = ud;
	uint64_t events[ZL_INC_MAX] = { 0 };
	int i;

	for (i = 0; i < d->n_sensors; i++)
		zl_sensor_detect_counts(d->sensors[i], events, suppressed);
}

/* The incidents thread and its exporter (after the store has started). */
static void open_incidents(struct daemon *d)
{
	struct zl_export_opts xo = {
		.syslog = d->conf.incident_syslog, .syslog_ca = d->conf.incident_syslog_ca,
		.jsonl = d->conf.incident_jsonl, .webhook = d->conf.incident_webhook,
		.webhook_format = d->conf.incident_webhook_format,
	};
	char err[512];

	d->ex = zl_export_new(&xo, err, sizeof(err));
	if (!d->ex)
		zl_log_warnx("incidents: %s; incidents are not exported", err);
	d->incd = zl_incd_new(d->store, d->dir, d->ex, d->conf.incident_queue);
	if (d->incd)
		zl_incd_set_counts(d->incd, suppressed_counts, d);
	if (!d->incd || zl_incd_start(d->incd) < 0) {
		zl_log_warnx("incidents: cannot start the incidents thread; detectors are off");
		zl_incd_free(d->incd);
		d->incd = NULL;
		return;
	}
	zl_bh_set_on_block(d->bh, zl_incd_block, d->incd);
	detectors_from(NULL, d);
}

/*
 * The policy engine: the kernel socket and, read as root, the configured
 * policy file (used only when the database holds no version yet).
 */
static json_t *open_policy(struct daemon *d, const struct zl_engine_opts *eo)
{
	struct zl_classifier_opts co = { eo->classify.protocol_files,
					 eo->classify.category_files, 0, 0, 0 };
	struct zl_policy_hooks h = { hook_app, hook_category, NULL, NULL, hook_risk };
	struct zl_diag diag;
	json_t *initial = NULL;
	char err[512];

	d->names = zl_classifier_new(&co, err, sizeof(err));
	if (!d->names)
		zl_log_warnx("policy: %s; application names are not checked", err);
	h.ud = d->names;
	d->fw = zl_fw_new(NULL, d->names ? &h : NULL, err, sizeof(err));
	if (!d->fw) {
		zl_log_warnx("policy: %s; the firewall is not managed", err);
		return NULL;
	}
	d->bh = zl_bh_new(NULL, d->conf.block_hold, err, sizeof(err));
	if (!d->bh)
		zl_log_warnx("behaviour: %s; behaviour rules are not enforced", err);
	zl_bh_set_ifaces(d->bh, (const char *const *)d->conf.interfaces, d->conf.n_interfaces);
	d->dir = zl_dir_new();
	if (d->dir)
		zl_bh_set_lookup(d->bh, zl_dir_lookup, d->dir);
	zl_fw_set_behaviour(d->fw, d->bh);
	if (access(d->conf.policy, F_OK) < 0)
		return NULL;
	zl_diag_init(&diag);
	initial = zl_bundle_read(d->conf.policy, d->names ? &h : NULL, &diag);
	if (!initial) {
		char msg[1024] = "";
		if (diag.n)
			zl_diag_format(&diag.msgs[0], msg, sizeof(msg));
		zl_log_warnx("policy: %s: not used (%d errors): %s", d->conf.policy,
			     diag.errors, msg);
	}
	zl_diag_free(&diag);
	return initial;
}

static int start(struct daemon *d, sigset_t *sigs)
{
	json_t *initial = NULL;
	struct zl_live_opts lo = { (int)d->conf.snaplen, (int)d->conf.capture_buffer_mb,
				   d->conf.promiscuous, (int)d->conf.capture_timeout_ms,
				   d->conf.capture_immediate };
	struct zl_store_opts so = { d->conf.database, d->conf.retention_days, d->conf.store_queue, 500 };
	struct zl_control_ctx cc;
	struct zl_engine_opts eo;
	char err[512];
	int i, fd;

	if (lookup_user(d, err, sizeof(err)) < 0)
		goto fail;
	/* first, so a second daemon touches neither files, the socket nor the kernel */
	d->lock_fd = zl_statedir_lock(d->conf.database, d->uid, d->gid, err, sizeof(err));
	if (d->lock_fd < 0) {
		zl_log_warnx("%s", err);
		return d->lock_fd;
	}
	if (zl_statedir_claim_db(d->conf.database, d->uid, d->gid, err, sizeof(err)) < 0)
		goto fail;
	for (i = 0; i < d->conf.n_interfaces; i++) {
		d->sensors[i] = zl_sensor_open(d->conf.interfaces[i], (uint8_t)(i + 1),
					       &lo, err, sizeof(err));
		if (!d->sensors[i])
			goto fail;
		d->n_sensors++;
	}
	engine_opts(d, &eo);
	initial = open_policy(d, &eo);
	fd = zl_control_socket(d->conf.control_socket, d->gid, err, sizeof(err));
	if (fd < 0)
		goto fail;
	zl_statedir_claim_socket_dir(d->conf.control_socket, d->gid);
	if (drop_privileges(d, err, sizeof(err)) < 0) {
		close(fd);
		goto fail;
	}
	d->store = zl_store_open(&so, err, sizeof(err));
	if (!d->store) {
		close(fd);
		goto fail;
	}
	/* libcurl's and libxml2's globals, before any thread (sitecheck.h) */
	if (zl_sitecheck_global_init() < 0) {
		snprintf(err, sizeof(err), "the IPv6 site checks: cannot initialise libcurl");
		close(fd);
		goto fail;
	}
	/* Threads inherit the blocked signals: only the main loop takes them. */
	pthread_sigmask(SIG_BLOCK, sigs, NULL);
	if (zl_store_start(d->store) < 0) {
		snprintf(err, sizeof(err), "%s: cannot start the writer", d->conf.database);
		close(fd);
		goto fail;
	}
	zl_dir_open(d->dir, d->store);
	if (zl_store_ipv6_prefixes(d->store, d->conf.ipv6_clients, d->conf.ipv6_internal,
				   err, sizeof(err)) < 0) {
		close(fd);
		goto fail;
	}
	if (d->bh) {
		zl_bh_set_store(d->bh, d->store);
		zl_bh_restore(d->bh);
	}
	open_incidents(d);
	if (d->fw) {
		zl_fw_set_on_policy(d->fw, policy_in_force, d);
		zl_fw_set_store(d->fw, d->store);
		zl_fw_start(d->fw, initial);
	}
	json_decref(initial);
	initial = NULL;
	if (!(d->sites = zl_sitework_new(&d->conf, d->store, err, sizeof(err)))) {
		close(fd);
		goto fail;
	}
	pthread_mutex_lock(&reload_lock);     /* the policy in force may have sites */
	if (d->pol_sites && zl_sitework_set_sites(d->sites, d->pol_sites) < 0)
		zl_log_warnx("policy: out of memory; the sites to check are zhulan.conf's");
	pthread_mutex_unlock(&reload_lock);
	for (i = 0; i < d->n_sensors; i++) {
		zl_sensor_set_behaviour(d->sensors[i], d->bh);
		if (zl_sensor_start(d->sensors[i], &eo, d->store, err, sizeof(err)) < 0) {
			close(fd);
			goto fail;
		}
	}
	d->started_us = now_us();
	if (start_reports(d, err, sizeof(err)) < 0) {
		close(fd);
		goto fail;
	}
	cc = (struct zl_control_ctx){ d->sensors, d->n_sensors, d->store, PACKAGE_VERSION,
				      d->started_us, d->conf.database, reload, d, d->fw, d->bh, d->dir,
				      &d->conf, d->incd, d->sites, d->reports, d->setup[0] ? d->setup : NULL };
	d->control = zl_control_start(fd, &cc, err, sizeof(err));
	if (!d->control)
		goto fail;
	zl_log_info("started: %d interface(s), database %s, control %s, running as %s",
		    d->n_sensors, d->conf.database, d->conf.control_socket, d->conf.user);
	return 0;
fail:
	json_decref(initial);
	zl_log_warnx("%s", err);
	return -1;
}

static void stop(struct daemon *d)
{
	int i;

	zl_control_stop(d->control);
	d->control = NULL;
	zl_sitework_free(d->sites);          /* a check in progress stops */
	d->sites = NULL;
	zl_archive_stop(d->reports);         /* waits for a report being made */
	d->reports = NULL;
	for (i = 0; i < d->n_sensors; i++)
		zl_sensor_stop(d->sensors[i]);  /* live flows go to the store */
	zl_fw_free(d->fw);                   /* the rules stay in the kernel */
	d->fw = NULL;
	free(d->pol_sites);
	free(d->pol_internal);
	d->pol_sites = d->pol_internal = NULL;
	zl_bh_free(d->bh);
	d->bh = NULL;
	zl_incd_free(d->incd);               /* writes what the sensors reported */
	d->incd = NULL;
	zl_export_free(d->ex);
	d->ex = NULL;
	zl_dir_free(d->dir);
	d->dir = NULL;
	zl_classifier_free(d->names);
	d->names = NULL;
	zl_store_close(d->store);            /* drains and writes aggregates */
	d->store = NULL;
	for (i = 0; i < d->n_sensors; i++)
		zl_sensor_free(d->sensors[i]);
	d->n_sensors = 0;
	for (i = 0; i < 3; i++) {
		free(d->proto_files[i]);
		free(d->cat_files[i]);
	}
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Should the watchdog be pinged: no interface has been down longer than
 * sensor_down_watchdog. A daemon that cannot capture for that long is
 * better restarted by systemd (Restart=on-failure) than left blind.
 */
static int capturing(struct daemon *d)
{
	long worst = -1, t;
	int i;

	for (i = 0; i < d->n_sensors; i++)
		if ((t = zl_sensor_down_for(d->sensors[i], time(NULL))) > worst)
			worst = t;
	if (d->conf.sensor_down_watchdog && worst >= (long)d->conf.sensor_down_watchdog) {
		if (!d->watchdog_held)
			zl_log_warnx("an interface has been down for %ld s (sensor_down_watchdog = %u): "
				     "no more watchdog pings", worst, d->conf.sensor_down_watchdog);
		d->watchdog_held = 1;
		return 0;
	}
	if (d->watchdog_held)
		zl_log_info("every interface captures again: watchdog pings resume");
	d->watchdog_held = 0;
	return 1;
}

int zl_daemon_run(const char *conf_path, int foreground)
{
	struct daemon d = { .conf_path = conf_path, .lock_fd = -1 };
	struct zl_ticker tick;
	uint64_t wd_us = 0;
	sigset_t sigs;
	char err[512];
	int sig, rc = 0;

	zl_log_init("zhulan", foreground);
	zl_conf_defaults(&d.conf);
	if (zl_conf_load(conf_path, &d.conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "zhulan: %s\n", err);
		zl_conf_free(&d.conf);
		return 2;
	}
	if (!d.conf.n_interfaces) {
		/* as installed: run (the API, the policy) and say what to set */
		snprintf(d.setup, sizeof(d.setup), "no interface configured: set \"interfaces = "
			 "IFACE[, IFACE...]\" in %s, then restart zhulan (systemctl restart "
			 "zhulan); nothing is captured until then", conf_path);
		zl_log_warnx("%s", d.setup);
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	rc = start(&d, &sigs);
	if (rc < 0) {
		stop(&d);
		zl_conf_free(&d.conf);
		return rc == -2 ? 1 : 2;  /* 1: another daemon runs on this database */
	}
	sd_notify(0, "READY=1");
	if (d.setup[0])
		sd_notifyf(0, "STATUS=%s", d.setup);  /* shown by systemctl status */
	if (sd_watchdog_enabled(0, &wd_us) <= 0)
		wd_us = 0;
	zl_ticker_init(&tick, wd_us, mono_ms());
	for (;;) {
		int64_t ms = zl_ticker_wait_ms(&tick, mono_ms());
		struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
		unsigned due;

		sig = sigtimedwait(&sigs, NULL, &ts);
		due = zl_ticker_due(&tick, mono_ms());
		if (due & ZL_TICK_DIRECTORY) {
			zl_dir_tick(d.dir);         /* MAC rows: where are they now */
			ipv6_neigh(&d);             /* and every machine's addresses */
		}
		if (due & ZL_TICK_BEHAVIOUR)
			zl_bh_tick(d.bh);           /* schedules that ended free their blocks */
		if ((due & ZL_TICK_WATCHDOG) && capturing(&d))
			sd_notify(0, "WATCHDOG=1");
		if (sig == SIGHUP) {
			char msg[512];
			reload(&d, msg, sizeof(msg));
		} else if (sig == SIGTERM || sig == SIGINT) {
			zl_log_info("stopping (signal %d)", sig);
			sd_notify(0, "STOPPING=1");
			break;
		}
	}
	stop(&d);
	if (d.lock_fd >= 0)
		close(d.lock_fd);
	zl_report_cleanup();
	zl_log_info("stopped");
	zl_conf_free(&d.conf);
	return rc;
}
