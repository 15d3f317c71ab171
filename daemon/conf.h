/*
 * conf.h - /etc/zhulan/zhulan.conf: `key = value` lines, `#` comments.
 * Every key and its default is documented in docs/CONFIGURATION.md.
 */
#ifndef ZL_CONF_H
#define ZL_CONF_H

#include <stddef.h>
#include <stdint.h>

#define ZL_MAX_IFACES 16

struct zl_conf {
	char *interfaces[ZL_MAX_IFACES];
	int n_interfaces;
	char *database;
	char *control_socket;
	char *policy;
	char *user;
	char *app_dir;            /* the application pack's directory */
	uint32_t max_flows;
	unsigned retention_days;
	unsigned block_hold;      /* seconds a blocked client/server pair stays blocked */
	unsigned store_queue;     /* records buffered for the database writer */
	unsigned snaplen;
	unsigned capture_buffer_mb;
	int promiscuous;
	int capture_immediate;    /* packets one by one (behaviour enforcement) */
	unsigned capture_timeout_ms; /* ring blocks handed over at least this often (1) */
	unsigned timeout_tcp, timeout_tcp_closed, timeout_udp, timeout_other;
	unsigned sensor_down_watchdog; /* seconds an interface may be down before the
					* systemd watchdog pings stop; 0: never */
	/* the web console (zhulan-web); the daemon accepts and ignores them */
	char *web_listen;         /* "ADDR:PORT", "[V6]:PORT" */
	char *web_cert, *web_key; /* PEM files, or NULL: self-signed in web_state_dir */
	char *web_state_dir;
	char *web_static;
	char *web_user;
	unsigned web_session_idle, web_session_max; /* seconds */
	/* the IPv6 measurement (store_ipv6.h) */
	unsigned ipv6_target_traffic; /* national target, % of traffic over IPv6 (27) */
	unsigned ipv6_target_portals; /* national target, % of portals IPv6-ready (100) */
	char *ipv6_clients;           /* county client prefixes behind routers ("") */
	char *ipv6_internal;          /* the internal zone: the county's servers ("") */
	/* incidents' export (daemon/incidents/export.h); NULL: none */
	char *incident_syslog;    /* "udp://HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT" */
	char *incident_syslog_ca; /* CA file for tls:// receivers */
	char *incident_jsonl;     /* a JSON-lines file */
	char *incident_webhook;   /* http(s) URL for high and critical incidents */
	char *incident_webhook_format; /* json, dingtalk, wecom */
	unsigned incident_queue;  /* events between the capture threads and the incidents thread */
	/* the monthly reports (daemon/reports/) */
	unsigned report_minute;   /* minute of the 1st (local) the month before is made: 02:00 */
	unsigned report_keep_days; /* archive kept this long; 0: retention_days */
	unsigned report_work_days; /* bit 0 Sunday .. bit 6 Saturday: Mon-Fri */
	unsigned report_work[4][2]; /* minute-of-day ranges [start, end) */
	int report_n_work;
	char *report_entertainment; /* categories, comma-separated */
	char *report_org;         /* the organisation in the title, NULL: none */
};

/* Fill c with the defaults (allocated; free with zl_conf_free). */
void zl_conf_defaults(struct zl_conf *c);
void zl_conf_free(struct zl_conf *c);

/*
 * Load 'path' over the defaults into *c. Returns 0, or -1 with
 * "FILE:LINE: message" in err and *c unchanged (a reload keeps the running
 * configuration).
 */
int zl_conf_load(const char *path, struct zl_conf *c, char *err, size_t errlen);

/*
 * Working hours "08:30-12:00,14:00-17:30" (at most 4 ranges, each start
 * before its end) into ranges of minutes; their count, or -1.
 */
int zl_conf_parse_hours(const char *v, unsigned ranges[][2], int max);

/*
 * Split "ADDR:PORT" or "[V6ADDR]:PORT" into host (without brackets) and
 * port. Returns 0, or -1 when it is not of that form.
 */
int zl_conf_split_listen(const char *v, char *host, size_t hostlen, unsigned *port);

#endif
