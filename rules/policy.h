/*
 * policy.h - the policy language's front end: one file is the whole policy
 * (zones, address sets, schedules, filters and behaviour rules); parsing
 * and checking it yields a plain data structure that a later pass compiles
 * to nftables. The grammar is in parser.y, the tokens in lexer.l.
 *
 * Every diagnostic is "FILE:LINE:COL: error|warning: what", columns
 * counted in characters from 1. Names may be used before the line that
 * defines them: they are resolved once the whole file is read.
 */
#ifndef ZL_POLICY_H
#define ZL_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Diagnostics: a growable list the caller owns and may reuse. */
enum zl_severity { ZL_ERROR, ZL_WARNING };

struct zl_diag_msg {
	enum zl_severity severity;
	char *file;
	int line, col;            /* 0: the message is about the whole file */
	char *text;               /* "unknown set \"x\"", no location prefix */
};

struct zl_diag {
	struct zl_diag_msg *msgs;
	size_t n, cap;
	int errors, warnings;
};

void zl_diag_init(struct zl_diag *d);
void zl_diag_free(struct zl_diag *d);
void zl_diag_add(struct zl_diag *d, enum zl_severity sev, const char *file,
		 int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* "FILE:LINE:COL: error: text" into buf; returns what snprintf returns. */
int zl_diag_format(const struct zl_diag_msg *m, char *buf, size_t len);
/* Every message, one a line. */
void zl_diag_print(const struct zl_diag *d, FILE *fp);

/* Where something was written. 'file' belongs to the policy. */
struct zl_loc {
	const char *file;
	int line, col;
};

/* An address (len 32 or 128) or a prefix, host bits always clear. */
struct zl_prefix {
	int family;               /* AF_INET or AF_INET6 */
	unsigned len;
	uint8_t addr[16];         /* network order; 4 bytes used for IPv4 */
};

/* Parse "192.0.2.0/24", "2001:db8::1"; -1 and a message in err if bad. */
int zl_prefix_parse(const char *text, struct zl_prefix *p, char *err, size_t errlen);
/* "192.0.2.0/24"; a full-length prefix is printed as a bare address. */
void zl_prefix_format(const struct zl_prefix *p, char *buf, size_t len);

struct zl_name {
	const char *s;
	struct zl_loc loc;
};

struct zl_zone {
	const char *name;
	struct zl_loc loc;
	struct zl_name *ifaces;
	size_t n_ifaces;
};

struct zl_set {
	const char *name;
	struct zl_loc loc;
	const char *path;         /* the file it was read from, or NULL */
	struct zl_prefix *v4, *v6;
	size_t n_v4, n_v6;
};

/* Days: bit 0 is Monday ... bit 6 Sunday. */
#define ZL_MON 0x01
#define ZL_TUE 0x02
#define ZL_WED 0x04
#define ZL_THU 0x08
#define ZL_FRI 0x10
#define ZL_SAT 0x20
#define ZL_SUN 0x40

struct zl_timespan {
	unsigned days;
	unsigned start, end;      /* minutes from midnight, start < end <= 1440 */
};

struct zl_schedule {
	const char *name;
	struct zl_loc loc;
	struct zl_timespan *spans;
	size_t n_spans;
};

/* One element of 'from' or 'to'. HOST, PERSON and DEPARTMENT name
 * address-book entries (behaviour rules only: `from department "财政局"`). */
enum zl_ep_type { ZL_EP_ZONE, ZL_EP_SET, ZL_EP_PREFIX, ZL_EP_SELF,
		  ZL_EP_HOST, ZL_EP_PERSON, ZL_EP_DEPARTMENT };

struct zl_endpoint {
	enum zl_ep_type type;
	const char *name;                 /* zone, set or address-book name as written */
	const struct zl_zone *zone;       /* ZL_EP_ZONE */
	const struct zl_set *set;         /* ZL_EP_SET */
	struct zl_prefix prefix;          /* ZL_EP_PREFIX */
	struct zl_loc loc;
};

/* A list of endpoints, matched if any matches; n == 0 is 'any'. */
struct zl_side {
	struct zl_endpoint *v;
	size_t n;
};

enum zl_action { ZL_PASS, ZL_BLOCK, ZL_REJECT };
enum zl_hook { ZL_FORWARD, ZL_INPUT, ZL_OUTPUT };

struct zl_portrange {
	uint16_t lo, hi;
};

/* A filter rule; empty lists match anything. First match wins. */
struct zl_rule {
	enum zl_action action;
	int log;
	uint8_t *protos;                  /* IP protocol numbers */
	size_t n_protos;
	struct zl_portrange *ports;       /* destination ports */
	size_t n_ports;
	struct zl_side from, to;
	struct zl_name during;            /* .s NULL: always */
	const struct zl_schedule *schedule;
	struct zl_loc loc;                /* the rule's first word */
};

struct zl_filter {
	enum zl_hook hook;
	enum zl_action policy;            /* ZL_PASS or ZL_BLOCK */
	struct zl_rule *rules;
	size_t n_rules;
	struct zl_loc loc;
};

enum zl_bh_action { ZL_BH_BLOCK, ZL_BH_ALLOW, ZL_BH_AUDIT, ZL_BH_LIMIT };
enum zl_bh_object { ZL_BH_APP, ZL_BH_CATEGORY, ZL_BH_DOMAIN, ZL_BH_ALL };

/* A behaviour rule. Domains are lower case, exact or "*.suffix". */
struct zl_bh_rule {
	enum zl_bh_action action;
	enum zl_bh_object object;
	struct zl_name *names;            /* apps, categories or domains */
	size_t n_names;
	struct zl_side from;              /* the subject; n == 0 is 'any' */
	struct zl_name during;
	const struct zl_schedule *schedule;
	uint64_t rate_bps;                /* ZL_BH_LIMIT only */
	struct zl_loc loc;
};

/*
 * The incidents section (`incidents { ... }`, at most one): which
 * detections to suppress, the detectors' thresholds, the known IPv6 routers
 * and DHCPv4 servers, the nDPI risks added to or removed from the default
 * set, and the threat sets. rules/detect_conf.c turns it into the
 * detectors' configuration (probes/detect.h).
 */
struct zl_inc_suppress {
	const char *type;                 /* "scan", "risk", "bruteforce", ... */
	const char *risk;                 /* type "risk": an nDPI risk name, or NULL */
	struct zl_side from, to;          /* $sets and addresses; n == 0 is 'any' */
	struct zl_loc loc;
};

struct zl_inc_threshold {
	const char *type;                 /* "scan", "bruteforce", "violation"; or
					   * "dedup" (`dedup 2h`: count 0) */
	unsigned count;                   /* more than count ... */
	unsigned window_s;                /* ... within window_s seconds */
	struct zl_loc loc;
};

struct zl_incidents_conf {
	int present;
	struct zl_loc loc;
	struct zl_inc_suppress *suppress;
	size_t n_suppress;
	struct zl_inc_threshold *thresholds;
	size_t n_thresholds;
	struct zl_prefix *routers;        /* addresses of routers and DHCP servers */
	size_t n_routers;
	uint8_t (*router_macs)[6];
	size_t n_router_macs;
	struct zl_name *risks_add, *risks_remove;
	size_t n_risks_add, n_risks_remove;
	struct zl_side threats;           /* `blocklist $set, ...` */
};

/*
 * The ipv6 section (`ipv6 { sites { "https://...", ... }; internal $set, 2001:db8::/32; }`,
 * at most one): the sites whose IPv6 readiness is checked (http:// or
 * https:// URLs with a host, at most ZL_MAX_SITES) and the internal zone's
 * addresses for the passive measurement. Absent, zhulan.conf's ipv6_sites
 * and ipv6_internal apply.
 */
struct zl_ipv6_conf {
	int present;
	struct zl_loc loc;
	int has_sites, has_internal;      /* each written in the section */
	struct zl_name *sites;
	size_t n_sites;
	struct zl_side internal;          /* $sets and prefixes */
};

/* A parsed, checked policy. Read it freely; zl_policy_free owns it all. */
struct zl_policy {
	const char *file;
	struct zl_zone *zones;
	size_t n_zones;
	struct zl_set *sets;
	size_t n_sets;
	struct zl_schedule *schedules;
	size_t n_schedules;
	struct zl_filter *filters;        /* in the order written */
	size_t n_filters;
	struct zl_bh_rule *bh;
	size_t n_bh;
	struct zl_incidents_conf incidents;
	struct zl_ipv6_conf ipv6;
	struct zl_arena *arena;           /* private: where all of it lives */
};

/*
 * Name checks the caller supplies (nDPI's applications and categories).
 * Each returns 1 if the name is known; otherwise 0, with the closest known
 * name in 'suggest' (or "" if none is close).
 */
struct zl_policy_hooks {
	int (*known_app)(const char *name, char *suggest, size_t n, void *ud);
	int (*known_category)(const char *name, char *suggest, size_t n, void *ud);
	/* Open a set file for reading (NULL: fopen). The daemon serves the
	 * files that came with a policy from memory. NULL with errno set. */
	FILE *(*open_file)(const char *path, void *ud);
	void *ud;
	/* nDPI's risk names (the incidents section); NULL: not checked */
	int (*known_risk)(const char *name, char *suggest, size_t n, void *ud);
};

/*
 * Parse and check 'path'. Diagnostics are appended to 'diags', sorted by
 * position. Returns NULL if there was any error, else the policy (warnings
 * may have been added). 'hooks' may be NULL: names are then not checked.
 */
struct zl_policy *zl_policy_parse(const char *path, const struct zl_policy_hooks *hooks,
				  struct zl_diag *diags);
struct zl_policy *zl_policy_parse_file(const char *path, struct zl_diag *diags);
/* The same from memory; set files are relative to dirname(name). */
struct zl_policy *zl_policy_parse_string(const char *name, const char *text, size_t len,
					 const struct zl_policy_hooks *hooks,
					 struct zl_diag *diags);
void zl_policy_free(struct zl_policy *p);

/* The section's lists as zhulan.conf writes them (sites, prefixes separated
 * by blanks): a new string, "" when the section has none; NULL when the
 * section does not set it (or out of memory, errno ENOMEM). */
char *zl_policy_ipv6_sites(const struct zl_policy *p);
char *zl_policy_ipv6_internal(const struct zl_policy *p);

/*
 * Check 'path' as `zhulanctl policy check` does: diagnostics to err, a
 * summary of what the policy holds to out. Returns the exit status: 0 no
 * errors (warnings allowed), 1 errors.
 */
int zl_policy_check_report(const char *path, const struct zl_policy_hooks *hooks,
			   FILE *out, FILE *err);

const char *zl_action_name(enum zl_action a);
const char *zl_hook_name(enum zl_hook h);
const char *zl_bh_action_name(enum zl_bh_action a);

#endif
