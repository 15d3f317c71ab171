/*
 * test_conf.c - the configuration file: defaults, every key, comments,
 * and FILE:LINE errors for unknown keys and bad values.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "tap.h"

static char path[] = "/tmp/zl-conf-XXXXXX";

static int load(const char *text, struct zl_conf *c, char *err, size_t len)
{
	FILE *fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	return zl_conf_load(path, c, err, len);
}

int main(void)
{
	struct zl_conf c;
	char err[512], want[600];
	int fd = mkstemp(path);

	close(fd);
	zl_conf_defaults(&c);
	is_str(c.database, "/var/lib/zhulan/zhulan.db", "default database");
	is_str(c.control_socket, "/run/zhulan/control.sock", "default control socket");
	is_str(c.policy, "/etc/zhulan/policy.conf", "default policy");
	is_str(c.user, "zhulan", "default user");
	is_int(c.retention_days, 180, "default retention 180 days");
	is_int(c.n_interfaces, 0, "no default interface");

	ok(load("# Zhulan\n\ninterfaces = lan0, wan0   # both sides\n"
		"database = /tmp/x.db\nretention_days = 200\nmax_flows = 4096\n"
		"user = nobody\npromiscuous = no\n", &c, err, sizeof(err)) == 0,
	   "a good file loads: %s", err);
	is_int(c.n_interfaces, 2, "two interfaces");
	is_str(c.interfaces[1], "wan0", "second interface, comment stripped");
	is_str(c.database, "/tmp/x.db", "database set");
	is_int(c.retention_days, 200, "retention set");
	is_int(c.max_flows, 4096, "max_flows set");
	is_int(c.promiscuous, 0, "promiscuous off");

	ok(load("interfaces = lan0\nretention_dayz = 10\n", &c, err, sizeof(err)) < 0, "unknown key refused");
	snprintf(want, sizeof(want), "%s:2: unknown key \"retention_dayz\" (did you mean \"retention_days\"?)", path);
	is_str(err, want, "unknown key: FILE:LINE and a suggestion");
	is_int(c.retention_days, 200, "the previous configuration is kept");

	ok(load("retention_days = -5\n", &c, err, sizeof(err)) < 0, "negative retention refused");
	snprintf(want, sizeof(want), "%s:1: retention_days: expected a number of days from 1 to 36500, got \"-5\"", path);
	is_str(err, want, "bad value: FILE:LINE and what was expected");
	ok(load("\n\nmax_flows = lots\n", &c, err, sizeof(err)) < 0, "non-numeric max_flows refused");
	snprintf(want, sizeof(want), "%s:3: max_flows: expected a number from 1024 to 67108864, got \"lots\"", path);
	is_str(err, want, "max_flows error");
	ok(load("database = relative.db\n", &c, err, sizeof(err)) < 0, "relative path refused");
	ok(load("just words\n", &c, err, sizeof(err)) < 0, "line without = refused");
	snprintf(want, sizeof(want), "%s:1: expected \"key = value\"", path);
	is_str(err, want, "missing = error");
	is_int(c.sensor_down_watchdog, 300, "default sensor_down_watchdog: 300 s");
	ok(load("interfaces = lan0\nsensor_down_watchdog = 0\n", &c, err, sizeof(err)) == 0,
	   "sensor_down_watchdog = 0 (never stop the pings): %s", err);
	is_int(c.sensor_down_watchdog, 0, "sensor_down_watchdog set");
	ok(load("interfaces = lan0\n\nsensor_down_watchdog = 5m\n", &c, err, sizeof(err)) < 0,
	   "sensor_down_watchdog with a unit refused");
	snprintf(want, sizeof(want), "%s:3: sensor_down_watchdog: expected seconds from 0 to 86400, got \"5m\"", path);
	is_str(err, want, "sensor_down_watchdog error: FILE:LINE and what was expected");
	/* incidents' export */
	is_str(c.incident_webhook_format, "json", "default webhook format: json");
	ok(c.incident_syslog == NULL && c.incident_jsonl == NULL && c.incident_webhook == NULL,
	   "no export by default");
	ok(load("interfaces = lan0\nincident_syslog = udp://198.51.100.53:514, tls://[2001:db8::53]:6514\n"
		"incident_syslog_ca = /etc/zhulan/siem-ca.pem\n"
		"incident_jsonl = /var/log/zhulan/incidents.jsonl\n"
		"incident_webhook = https://oapi.dingtalk.com/robot/send?access_token=x\n"
		"incident_webhook_format = dingtalk\nincident_queue = 1024\n", &c, err, sizeof(err)) == 0,
	   "the incident_* keys load: %s", err);
	is_str(c.incident_syslog, "udp://198.51.100.53:514, tls://[2001:db8::53]:6514", "incident_syslog set");
	is_str(c.incident_syslog_ca, "/etc/zhulan/siem-ca.pem", "incident_syslog_ca set");
	is_str(c.incident_webhook_format, "dingtalk", "incident_webhook_format set");
	is_int(c.incident_queue, 1024, "incident_queue set");
	ok(load("interfaces = lan0\n\nincident_syslog = udp://198.51.100.53:514, relp://x:6514\n", &c, err,
		sizeof(err)) < 0, "a receiver of another scheme refused");
	snprintf(want, sizeof(want), "%s:3: incident_syslog: \"relp://x:6514\": expected udp://HOST:PORT, "
		 "tcp://HOST:PORT or tls://HOST:PORT", path);
	is_str(err, want, "incident_syslog error: FILE:LINE and the receiver");
	ok(load("incident_syslog = udp://198.51.100.53\n", &c, err, sizeof(err)) < 0, "a receiver without a port refused");
	ok(load("incident_webhook_format = slack\n", &c, err, sizeof(err)) < 0, "an unknown webhook format refused");
	snprintf(want, sizeof(want), "%s:1: incident_webhook_format: expected json, dingtalk or wecom, got \"slack\"", path);
	is_str(err, want, "incident_webhook_format error");
	ok(load("incident_webhook = ftp://x/\n", &c, err, sizeof(err)) < 0, "a webhook that is not http(s) refused");
	ok(load("incident_jsonl = incidents.jsonl\n", &c, err, sizeof(err)) < 0, "a relative JSON-lines path refused");
	ok(load("incident_sislog = udp://198.51.100.53:514\n", &c, err, sizeof(err)) < 0, "a misspelt incident key refused");
	snprintf(want, sizeof(want), "%s:1: unknown key \"incident_sislog\" (did you mean \"incident_syslog\"?)", path);
	is_str(err, want, "... with a suggestion");
	ok(load("interfaces = lan0, bad/name\n", &c, err, sizeof(err)) < 0, "bad interface name refused");
	ok(zl_conf_load("/nonexistent/zhulan.conf", &c, err, sizeof(err)) < 0, "missing file refused");
	is_str(err, "/nonexistent/zhulan.conf: No such file or directory", "missing file message");

	/* the web console's keys, read by both programs */
	zl_conf_free(&c);
	zl_conf_defaults(&c);
	is_str(c.web_listen, "127.0.0.1:8443", "default web_listen");
	is_str(c.web_state_dir, "/var/lib/zhulan-web", "default web_state_dir");
	is_str(c.web_user, "zhulan-web", "default web_user");
	is_int(c.web_session_idle, 900, "default idle 15 minutes");
	is_int(c.web_session_max, 28800, "default maximum 8 hours");
	ok(c.web_cert == NULL && c.web_key == NULL, "no default certificate (self-signed)");
	ok(load("web_listen = [::1]:9443\nweb_cert = /etc/c.pem\nweb_key = /etc/k.pem\n"
		"web_state_dir = /tmp/w\nweb_static = /tmp/s\nweb_user = www\n"
		"web_session_idle = 60\nweb_session_max = 600\n", &c, err, sizeof(err)) == 0,
	   "every web key loads: %s", err);
	is_str(c.web_listen, "[::1]:9443", "web_listen set");
	is_str(c.web_key, "/etc/k.pem", "web_key set");
	is_int(c.web_session_max, 600, "web_session_max set");
	{
		char host[64];
		unsigned port = 0;
		ok(zl_conf_split_listen("[::1]:9443", host, sizeof(host), &port) == 0 &&
		   !strcmp(host, "::1") && port == 9443, "[::1]:9443 splits into ::1 and 9443");
		ok(zl_conf_split_listen("192.0.2.1:0", host, sizeof(host), &port) == 0 &&
		   !strcmp(host, "192.0.2.1") && port == 0, "192.0.2.1:0 splits");
		ok(zl_conf_split_listen("::1:8443", host, sizeof(host), &port) < 0,
		   "an IPv6 address without brackets is refused");
		ok(zl_conf_split_listen("h:99999", host, sizeof(host), &port) < 0, "port 99999 refused");
	}
	ok(load("\nweb_listen = 8443\n", &c, err, sizeof(err)) < 0, "web_listen without address refused");
	snprintf(want, sizeof(want), "%s:2: web_listen: expected ADDRESS:PORT or [IPV6]:PORT, got \"8443\"", path);
	is_str(err, want, "web_listen error: FILE:LINE");
	ok(load("web_session_max = 0\n", &c, err, sizeof(err)) < 0, "web_session_max 0 refused");
	snprintf(want, sizeof(want), "%s:1: web_session_max: expected seconds from 1 to 604800, got \"0\"", path);
	is_str(err, want, "web_session_max error: FILE:LINE");
	ok(load("web_static = webui\n", &c, err, sizeof(err)) < 0, "relative web_static refused");
	/* the IPv6 measurement's keys */
	ok(load("interfaces = lan0\nipv6_target_traffic = 30\n"
		"ipv6_internal = 198.51.100.0/28, 2001:db8:f::/64\nipv6_clients = 192.0.2.0/24\n",
		&c, err, sizeof(err)) == 0, "ipv6 keys load: %s", err);
	is_int(c.ipv6_target_traffic, 30, "ipv6_target_traffic set");
	is_int(c.ipv6_target_portals, 100, "ipv6_target_portals default 100");
	is_str(c.ipv6_internal, "198.51.100.0/28, 2001:db8:f::/64", "ipv6_internal kept as written");
	ok(load("interfaces = lan0\nipv6_target_traffic = 101\n", &c, err, sizeof(err)) < 0,
	   "a target over 100 refused");
	ok(load("interfaces = lan0\n\nipv6_internal = 198.51.100.0/33\n", &c, err, sizeof(err)) < 0,
	   "a bad prefix length refused");
	snprintf(want, sizeof(want), "%s:3: ipv6_internal: bad prefix length \"/33\" for 198.51.100.0", path);
	is_str(err, want, "ipv6_internal error: FILE:LINE and the prefix");
	ok(load("interfaces = lan0\nipv6_clients = 2001:db8::/48 fin-lan\n", &c, err, sizeof(err)) < 0,
	   "a word that is no address refused");
	snprintf(want, sizeof(want), "%s:2: ipv6_clients: \"fin-lan\" is not an IPv4 or IPv6 address", path);
	is_str(err, want, "ipv6_clients error");
	/* the monthly reports */
	is_int(c.report_minute, 120, "report_time defaults to 02:00");
	ok(c.report_n_work == 2 && c.report_work[0][0] == 510 && c.report_work[1][1] == 1050 &&
	   c.report_work_days == 0x3e, "working hours default to Mon-Fri 08:30-12:00, 14:00-17:30");
	ok(load("report_time = 03:15\nreport_work_hours = 09:00-17:00\nreport_work_days = 1-5,6\n"
		"report_keep_days = 400\nreport_org = 竹县\n", &c, err, sizeof(err)) == 0 &&
	   c.report_minute == 195 && c.report_n_work == 1 && c.report_work[0][0] == 540 &&
	   c.report_work[0][1] == 1020 && c.report_work_days == 0x7e && c.report_keep_days == 400 &&
	   !strcmp(c.report_org, "竹县"), "report keys load");
	ok(load("\nreport_work_hours = 12:00-08:30\n", &c, err, sizeof(err)) < 0,
	   "working hours ending before they start refused");
	snprintf(want, sizeof(want), "%s:2: report_work_hours: expected ranges HH:MM-HH:MM separated "
		 "by commas (at most 4), got \"12:00-08:30\"", path);
	is_str(err, want, "report_work_hours error: FILE:LINE");
	ok(load("report_time = 25:00\n", &c, err, sizeof(err)) < 0, "report_time 25:00 refused");
	ok(load("report_work_days = 7\n", &c, err, sizeof(err)) < 0, "report_work_days 7 refused");
	zl_conf_free(&c);
	unlink(path);
	return done_testing();
}
