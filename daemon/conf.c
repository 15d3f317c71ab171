/*
 * conf.c - the configuration file. A line is `key = value`; blank lines and
 * lines starting with `#` are ignored; a `#` after a value starts a comment.
 * Unknown keys and bad values are errors with the file and line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

void zl_conf_defaults(struct zl_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->database = strdup("/var/lib/zhulan/zhulan.db");
	c->control_socket = strdup("/run/zhulan/control.sock");
	c->policy = strdup("/etc/zhulan/policy.conf");
	c->user = strdup("zhulan");
	c->app_dir = strdup(ZL_DATADIR);
	c->max_flows = 1u << 20;
	c->retention_days = 180;
	c->block_hold = 600;
	c->store_queue = 65536;
	c->capture_immediate = 0;
	c->capture_timeout_ms = 1;
	c->snaplen = 65535;
	c->capture_buffer_mb = 32;
	c->promiscuous = 1;
	c->timeout_tcp = 300;
	c->timeout_tcp_closed = 10;
	c->timeout_udp = 60;
	c->timeout_other = 30;
	c->sensor_down_watchdog = 300;
	c->web_listen = strdup("127.0.0.1:8443");
	c->web_state_dir = strdup("/var/lib/zhulan-web");
	c->web_static = strdup(ZL_DATADIR "/webui");
	c->web_user = strdup("zhulan-web");
	c->web_session_idle = 15 * 60;
	c->web_session_max = 8 * 3600;
	c->ipv6_target_traffic = 27;
	c->ipv6_target_portals = 100;
	c->ipv6_clients = strdup("");
	c->ipv6_internal = strdup("");
	c->incident_webhook_format = strdup("json");
	c->incident_queue = 8192;
	c->report_minute = 2 * 60;
	c->report_work_days = 0x3e;
	c->report_n_work = zl_conf_parse_hours("08:30-12:00,14:00-17:30", c->report_work, 4);
}

void zl_conf_free(struct zl_conf *c)
{
	int i;

	for (i = 0; i < c->n_interfaces; i++)
		free(c->interfaces[i]);
	free(c->database);
	free(c->control_socket);
	free(c->policy);
	free(c->user);
	free(c->app_dir);
	free(c->web_listen);
	free(c->web_cert);
	free(c->web_key);
	free(c->web_state_dir);
	free(c->web_static);
	free(c->web_user);
	free(c->ipv6_clients);
	free(c->ipv6_internal);
	free(c->incident_syslog);
	free(c->incident_syslog_ca);
	free(c->incident_jsonl);
	free(c->incident_webhook);
	free(c->incident_webhook_format);
	free(c->report_entertainment);
	free(c->report_org);
	memset(c, 0, sizeof(*c));
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int parse_uint(const char *v, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	char *end;
	unsigned long n;

	if (!*v || *v == '-')
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static int parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

static int valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 15)
		return 0;
	for (; *s; s++)
		if (isspace((unsigned char)*s) || *s == '/' || *s == ':')
			return 0;
	return 1;
}

static int set_interfaces(struct zl_conf *c, char *v, char *msg, size_t len)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok = trim(tok);
		if (!valid_ifname(tok)) {
			snprintf(msg, len, "interfaces: \"%s\" is not an interface name", tok);
			return -1;
		}
		if (c->n_interfaces == ZL_MAX_IFACES) {
			snprintf(msg, len, "interfaces: at most %d", ZL_MAX_IFACES);
			return -1;
		}
		c->interfaces[c->n_interfaces++] = strdup(tok);
	}
	if (!c->n_interfaces) {
		snprintf(msg, len, "interfaces: expected a comma-separated list of interfaces");
		return -1;
	}
	return 0;
}

static const char *const keys[] = {
	"interfaces", "database", "control_socket", "policy", "user", "app_dir",
	"max_flows", "retention_days", "snaplen", "capture_buffer_mb",
	"promiscuous", "flow_timeout_tcp", "flow_timeout_tcp_closed",
	"flow_timeout_udp", "flow_timeout_other", "block_hold", "capture_immediate", "capture_timeout_ms",
	"sensor_down_watchdog", "store_queue",
	"web_listen", "web_cert", "web_key", "web_state_dir", "web_static", "web_user",
	"web_session_idle", "web_session_max",
	"ipv6_target_traffic", "ipv6_target_portals", "ipv6_clients", "ipv6_internal",
	"incident_syslog", "incident_syslog_ca", "incident_jsonl", "incident_webhook", "incident_webhook_format",
	"incident_queue",
	"report_time", "report_keep_days", "report_work_hours", "report_work_days",
	"report_entertainment", "report_org", NULL,
};

int zl_conf_split_listen(const char *v, char *host, size_t hostlen, unsigned *port)
{
	const char *colon, *h = v;
	size_t hl;
	unsigned long n;

	if (*v == '[') {
		const char *rb = strchr(v, ']');
		if (!rb || rb[1] != ':')
			return -1;
		h = v + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(v, ':');
		if (!colon || memchr(v, ':', (size_t)(colon - v)))
			return -1;  /* a bare IPv6 address needs brackets */
		hl = (size_t)(colon - v);
	}
	if (!hl || hl >= hostlen || parse_uint(colon + 1, 0, 65535, &n) < 0)
		return -1;
	memcpy(host, h, hl);
	host[hl] = 0;
	if (strpbrk(host, " \t/[]"))
		return -1;
	*port = (unsigned)n;
	return 0;
}

int zl_conf_parse_hours(const char *v, unsigned ranges[][2], int max)
{
	unsigned h1, m1, h2, m2;
	int n = 0, k = 0;

	while (*v) {
		if (k == max || sscanf(v, "%2u:%2u-%2u:%2u%n", &h1, &m1, &h2, &m2, &n) != 4 ||
		    h1 > 24 || h2 > 24 || m1 > 59 || m2 > 59 || h1 * 60 + m1 >= h2 * 60 + m2 ||
		    h2 * 60 + m2 > 1440)
			return -1;
		ranges[k][0] = h1 * 60 + m1;
		ranges[k++][1] = h2 * 60 + m2;
		v += n;
		if (*v == ',')
			v++;
		else if (*v)
			return -1;
	}
	return k ? k : -1;
}

/* The monthly reports' keys; 1 when k is one of them (done or failed). */
static int apply_report(struct zl_conf *c, const char *k, char *v, char *msg, size_t len, int *rc)
{
	unsigned h, m, a, b, ranges[4][2];
	unsigned long n;
	int k2 = 0, got;

	*rc = 0;
	if (!strcmp(k, "report_time")) {
		if (sscanf(v, "%2u:%2u%n", &h, &m, &k2) != 2 || v[k2] || h > 23 || m > 59) {
			snprintf(msg, len, "report_time: expected HH:MM (the 1st of each month, local "
				 "time), got \"%s\"", v);
			*rc = -1;
		} else {
			c->report_minute = h * 60 + m;
		}
	} else if (!strcmp(k, "report_keep_days")) {
		if (parse_uint(v, 0, 36500, &n) < 0) {
			snprintf(msg, len, "report_keep_days: expected days from 0 (the retention) to "
				 "36500, got \"%s\"", v);
			*rc = -1;
		} else {
			c->report_keep_days = (unsigned)n;
		}
	} else if (!strcmp(k, "report_work_hours")) {
		if ((got = zl_conf_parse_hours(v, ranges, 4)) < 0) {
			snprintf(msg, len, "report_work_hours: expected ranges HH:MM-HH:MM separated by "
				 "commas (at most 4), got \"%s\"", v);
			*rc = -1;
		} else {
			memcpy(c->report_work, ranges, sizeof(ranges));
			c->report_n_work = got;
		}
	} else if (!strcmp(k, "report_work_days")) {
		/* days 0 (Sunday) to 6, single or ranges: "1-5", "1-5,6" */
		unsigned days = 0;
		const char *p = v;
		while (*p && sscanf(p, "%1u%n", &a, &k2) == 1 && a <= 6) {
			p += k2;
			b = a;
			if (*p == '-' && sscanf(p + 1, "%1u%n", &b, &k2) == 1 && b <= 6 && b >= a)
				p += 1 + k2;
			for (; a <= b; a++)
				days |= 1u << a;
			if (*p != ',')
				break;
			p++;
		}
		if (*p || !days) {
			snprintf(msg, len, "report_work_days: expected days 0 (Sunday) to 6 as a list "
				 "or ranges (\"1-5\"), got \"%s\"", v);
			*rc = -1;
		} else {
			c->report_work_days = days;
		}
	} else if (!strcmp(k, "report_entertainment")) {
		*rc = set_str(&c->report_entertainment, v);
	} else if (!strcmp(k, "report_org")) {
		*rc = set_str(&c->report_org, v);
	} else {
		return 0;
	}
	return 1;
}

/* The web console's keys; 1 when k is one of them (done or failed). */
static int apply_web(struct zl_conf *c, const char *k, char *v, char *msg, size_t len, int *rc)
{
	unsigned long n;
	char host[256];
	unsigned port;

	*rc = 0;
	if (!strcmp(k, "web_listen")) {
		if (zl_conf_split_listen(v, host, sizeof(host), &port) < 0) {
			snprintf(msg, len, "web_listen: expected ADDRESS:PORT or [IPV6]:PORT, got \"%s\"", v);
			*rc = -1;
		} else {
			*rc = set_str(&c->web_listen, v);
		}
		return 1;
	}
	if (!strcmp(k, "web_cert") || !strcmp(k, "web_key") || !strcmp(k, "web_state_dir") ||
	    !strcmp(k, "web_static")) {
		if (v[0] != '/') {
			snprintf(msg, len, "%s: expected an absolute path, got \"%s\"", k, v);
			*rc = -1;
		} else {
			*rc = set_str(!strcmp(k, "web_cert") ? &c->web_cert :
				      !strcmp(k, "web_key") ? &c->web_key :
				      !strcmp(k, "web_state_dir") ? &c->web_state_dir : &c->web_static, v);
		}
		return 1;
	}
	if (!strcmp(k, "web_user")) {
		if (!*v || strchr(v, ' ')) {
			snprintf(msg, len, "web_user: expected a user name");
			*rc = -1;
		} else {
			*rc = set_str(&c->web_user, v);
		}
		return 1;
	}
	if (!strcmp(k, "web_session_idle") || !strcmp(k, "web_session_max")) {
		int idle = k[12] == 'i';
		if (parse_uint(v, 1, idle ? 86400 : 604800, &n) < 0) {
			snprintf(msg, len, "%s: expected seconds from 1 to %u, got \"%s\"", k,
				 idle ? 86400 : 604800, v);
			*rc = -1;
		} else if (idle) {
			c->web_session_idle = (unsigned)n;
		} else {
			c->web_session_max = (unsigned)n;
		}
		return 1;
	}
	return 0;
}

/* A list of ADDRESS[/LEN], separated by commas or blanks; 0 or -1 with msg. */
static int check_prefixes(const char *k, const char *v, char *msg, size_t len)
{
	char buf[4096], *t, *save = NULL, *slash;
	unsigned char a[16];
	unsigned long n;
	int v6;

	if (strlen(v) >= sizeof(buf)) {
		snprintf(msg, len, "%s: too long", k);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	for (t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		if ((slash = strchr(t, '/')))
			*slash++ = 0;
		v6 = inet_pton(AF_INET6, t, a) == 1;
		if (!v6 && inet_pton(AF_INET, t, a) != 1) {
			snprintf(msg, len, "%s: \"%s\" is not an IPv4 or IPv6 address", k, t);
			return -1;
		}
		if (slash && parse_uint(slash, 0, v6 ? 128 : 32, &n) < 0) {
			snprintf(msg, len, "%s: bad prefix length \"/%s\" for %s", k, slash, t);
			return -1;
		}
	}
	return 0;
}

/* One receiver of incident_syslog: udp://, tcp:// or tls://, a host, a port. */
static int valid_syslog(const char *s)
{
	const char *c = strrchr(s, ':');

	return (!strncmp(s, "udp://", 6) || !strncmp(s, "tcp://", 6) || !strncmp(s, "tls://", 6)) &&
	       c && c > s + 6 &&
	       c[1] && strspn(c + 1, "0123456789") == strlen(c + 1) && atoi(c + 1) > 0 &&
	       atoi(c + 1) < 65536;
}

/* The incident_* keys (the export of incidents). 1 when k is not one. */
static int apply_incident(struct zl_conf *c, const char *k, char *v, char *msg, size_t len)
{
	unsigned long n;
	char *tok, *save = NULL, *copy;

	if (!strcmp(k, "incident_syslog")) {
		if (!(copy = strdup(v)))
			return -1;
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			tok = trim(tok);
			if (!valid_syslog(tok)) {
				snprintf(msg, len, "incident_syslog: \"%s\": expected udp://HOST:PORT, "
					 "tcp://HOST:PORT or tls://HOST:PORT", tok);
				free(copy);
				return -1;
			}
		}
		free(copy);
		return set_str(&c->incident_syslog, v);
	}
	if (!strcmp(k, "incident_jsonl") || !strcmp(k, "incident_syslog_ca")) {
		if (v[0] != '/') {
			snprintf(msg, len, "%s: expected an absolute path, got \"%s\"", k, v);
			return -1;
		}
		return set_str(!strcmp(k, "incident_jsonl") ? &c->incident_jsonl :
			       &c->incident_syslog_ca, v);
	}
	if (!strcmp(k, "incident_webhook")) {
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) {
			snprintf(msg, len, "incident_webhook: expected an http:// or https:// URL, "
				 "got \"%s\"", v);
			return -1;
		}
		return set_str(&c->incident_webhook, v);
	}
	if (!strcmp(k, "incident_webhook_format")) {
		if (strcmp(v, "json") && strcmp(v, "dingtalk") && strcmp(v, "wecom")) {
			snprintf(msg, len, "incident_webhook_format: expected json, dingtalk or "
				 "wecom, got \"%s\"", v);
			return -1;
		}
		return set_str(&c->incident_webhook_format, v);
	}
	if (!strcmp(k, "incident_queue")) {
		if (parse_uint(v, 64, 1u << 20, &n) < 0) {
			snprintf(msg, len, "incident_queue: expected a number of events from 64 to "
				 "1048576, got \"%s\"", v);
			return -1;
		}
		c->incident_queue = (unsigned)n;
		return 0;
	}
	return 1;
}

/* Apply one key; returns 0 or -1 with msg. */
static int apply(struct zl_conf *c, const char *k, char *v, char *msg, size_t len)
{
	unsigned long n;
	int rc;

	if (apply_report(c, k, v, msg, len, &rc))
		return rc;
	if (apply_web(c, k, v, msg, len, &rc))
		return rc;
	if (!strcmp(k, "interfaces")) {
		int i;
		for (i = 0; i < c->n_interfaces; i++)
			free(c->interfaces[i]);
		c->n_interfaces = 0;
		return set_interfaces(c, v, msg, len);
	}
	if (!strcmp(k, "database") || !strcmp(k, "control_socket") ||
	    !strcmp(k, "policy") || !strcmp(k, "app_dir")) {
		if (v[0] != '/') {
			snprintf(msg, len, "%s: expected an absolute path, got \"%s\"", k, v);
			return -1;
		}
		return set_str(!strcmp(k, "database") ? &c->database :
			       !strcmp(k, "control_socket") ? &c->control_socket :
			       !strcmp(k, "policy") ? &c->policy : &c->app_dir, v);
	}
	if (!strcmp(k, "user")) {
		if (!*v || strchr(v, ' ')) {
			snprintf(msg, len, "user: expected a user name");
			return -1;
		}
		return set_str(&c->user, v);
	}
	if (!strcmp(k, "max_flows")) {
		if (parse_uint(v, 1024, 1u << 26, &n) < 0) {
			snprintf(msg, len, "max_flows: expected a number from 1024 to 67108864, got \"%s\"", v);
			return -1;
		}
		c->max_flows = (uint32_t)n;
		return 0;
	}
	if (!strcmp(k, "retention_days")) {
		if (parse_uint(v, 1, 36500, &n) < 0) {
			snprintf(msg, len, "retention_days: expected a number of days from 1 to 36500, got \"%s\"", v);
			return -1;
		}
		c->retention_days = (unsigned)n;
		return 0;
	}
	if (!strcmp(k, "block_hold")) {
		if (parse_uint(v, 1, 86400, &n) < 0) {
			snprintf(msg, len, "block_hold: expected seconds from 1 to 86400, got \"%s\"", v);
			return -1;
		}
		c->block_hold = (unsigned)n;
		return 0;
	}
	if (!strcmp(k, "store_queue")) {
		if (parse_uint(v, 1024, 1u << 24, &n) < 0) {
			snprintf(msg, len, "store_queue: expected a number of records from 1024 to 16777216, got \"%s\"", v);
			return -1;
		}
		c->store_queue = (unsigned)n;
		return 0;
	}
	if (!strcmp(k, "snaplen")) {
		if (parse_uint(v, 64, 262144, &n) < 0) {
			snprintf(msg, len, "snaplen: expected a number from 64 to 262144, got \"%s\"", v);
			return -1;
		}
		c->snaplen = (unsigned)n;
		return 0;
	}
	if (!strcmp(k, "capture_buffer_mb")) {
		if (parse_uint(v, 1, 4096, &n) < 0) {
			snprintf(msg, len, "capture_buffer_mb: expected a number from 1 to 4096, got \"%s\"", v);
			return -1;
		}
		c->capture_buffer_mb = (unsigned)n;
		return 0;
	}
	if (!strncmp(k, "flow_timeout_", 13)) {
		unsigned *t = !strcmp(k, "flow_timeout_tcp") ? &c->timeout_tcp :
			      !strcmp(k, "flow_timeout_tcp_closed") ? &c->timeout_tcp_closed :
			      !strcmp(k, "flow_timeout_udp") ? &c->timeout_udp :
			      !strcmp(k, "flow_timeout_other") ? &c->timeout_other : NULL;
		if (t) {
			if (parse_uint(v, 1, 86400, &n) < 0) {
				snprintf(msg, len, "%s: expected seconds from 1 to 86400, got \"%s\"", k, v);
				return -1;
			}
			*t = (unsigned)n;
			return 0;
		}
	}
	if (!strcmp(k, "capture_timeout_ms")) {
		if (parse_uint(v, 1, 1000, &n) < 0) {
			snprintf(msg, len, "capture_timeout_ms: expected 1 to 1000, got \"%s\"", v);
			return -1;
		}
		c->capture_timeout_ms = (unsigned)n;
		return 0;
	}
	if (!strcmp(k, "sensor_down_watchdog")) {
		if (parse_uint(v, 0, 86400, &n) < 0) {
			snprintf(msg, len, "sensor_down_watchdog: expected seconds from 0 to 86400, got \"%s\"", v);
			return -1;
		}
		c->sensor_down_watchdog = (unsigned)n;
		return 0;
	}
	if (!strcmp(k, "ipv6_target_traffic") || !strcmp(k, "ipv6_target_portals")) {
		if (parse_uint(v, 0, 100, &n) < 0) {
			snprintf(msg, len, "%s: expected a percentage from 0 to 100, got \"%s\"", k, v);
			return -1;
		}
		*(k[12] == 't' ? &c->ipv6_target_traffic : &c->ipv6_target_portals) = (unsigned)n;
		return 0;
	}
	if (!strcmp(k, "ipv6_clients") || !strcmp(k, "ipv6_internal")) {
		if (check_prefixes(k, v, msg, len) < 0)
			return -1;
		return set_str(!strcmp(k, "ipv6_clients") ? &c->ipv6_clients : &c->ipv6_internal, v);
	}
	if (!strcmp(k, "capture_immediate")) {
		if (parse_bool(v, &c->capture_immediate) < 0) {
			snprintf(msg, len, "capture_immediate: expected yes or no, got \"%s\"", v);
			return -1;
		}
		return 0;
	}
	if (!strcmp(k, "promiscuous")) {
		if (parse_bool(v, &c->promiscuous) < 0) {
			snprintf(msg, len, "promiscuous: expected yes or no, got \"%s\"", v);
			return -1;
		}
		return 0;
	}
	if (!strncmp(k, "incident_", 9)) {
		rc = apply_incident(c, k, v, msg, len);
		if (rc <= 0)
			return rc;
	}
	snprintf(msg, len, "unknown key \"%s\"", k);
	return -1;
}

/* Suggest a known key close to an unknown one (one edit or a prefix). */
static const char *near_key(const char *k)
{
	int i;

	for (i = 0; keys[i]; i++) {
		size_t a = strlen(k), b = strlen(keys[i]), j, diff = 0;
		if (a == b) {
			for (j = 0; j < a; j++)
				diff += k[j] != keys[i][j];
			if (diff <= 2)
				return keys[i];
		} else if ((a + 1 == b || b + 1 == a) &&
			   !strncmp(k, keys[i], a < b ? a : b)) {
			return keys[i];
		}
	}
	return NULL;
}

int zl_conf_load(const char *path, struct zl_conf *c, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, msg[384];
	size_t cap = 0;
	int lineno = 0, rc = 0;
	struct zl_conf n;

	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	zl_conf_defaults(&n);
	while (getline(&line, &cap, fp) > 0) {
		char *s, *eq, *k, *v, *hash;

		lineno++;
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		if ((hash = strstr(s, " #")) || (hash = strstr(s, "\t#")))
			*hash = 0;
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected \"key = value\"", path, lineno);
			rc = -1;
			break;
		}
		*eq = 0;
		k = trim(s);
		v = trim(eq + 1);
		if (apply(&n, k, v, msg, sizeof(msg)) < 0) {
			const char *near = strncmp(msg, "unknown key", 11) ? NULL : near_key(k);
			snprintf(err, errlen, "%s:%d: %s%s%s%s", path, lineno, msg,
				 near ? " (did you mean \"" : "", near ? near : "",
				 near ? "\"?)" : "");
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(fp);
	if (rc == 0) {
		zl_conf_free(c);
		*c = n;
	} else {
		zl_conf_free(&n);
	}
	return rc;
}
