/*
 * api.h - what the control API's handler files share (private to
 * daemon/api/). control.c owns the socket, libmicrohttpd, the route table
 * and who may call what; each api_*.c file answers one concern's routes.
 *
 * Every request reaches a handler only after control.c has found its route,
 * identified the caller (SO_PEERCRED, and for the console X-Zhulan-User,
 * X-Zhulan-Role and X-Zhulan-Client) and checked the route's roles. A
 * handler that serves personal data calls zl_api_personal() before it
 * answers: no audit row, no data.
 */
#ifndef ZL_API_H
#define ZL_API_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>
#include <microhttpd.h>

#include "control.h"

#define ZL_API_VERSION 1
/* Threads answering requests (the store keeps as many read connections). */
#define ZL_API_THREADS 4

/* Roles of the console's accounts, as bits of a route's mask. */
enum {
	ZL_ROLE_ADMIN = 1,
	ZL_ROLE_SECURITY = 2,
	ZL_ROLE_AUDITOR = 4,
	ZL_ROLE_REPORT = 8,
	ZL_ROLE_ALL = 15,
};
/* The bit of a role name ("admin"...), 0 when unknown. */
unsigned zl_role_bit(const char *name);
const char *zl_role_name(unsigned bit);

/* What the web console (zhulan-web) announced at its start. */
struct zl_api_web {
	pthread_mutex_t lock;
	char listen[80], fingerprint[120];
	long long since_us;            /* 0: nothing announced */
};

struct zl_control {
	struct MHD_Daemon *mhd;
	struct zl_control_ctx ctx;
	struct zl_users *users;        /* the console's accounts (users.h) */
	struct zl_aggcache *aggs;      /* recent answers from the aggregates (aggcache.h) */
	struct zl_api_web web;
};

/* A request body, gathered over the calls libmicrohttpd makes. */
struct zl_api_body {
	char *buf;
	size_t len, cap;
	int too_big;
};

/* Who is asking. */
struct zl_caller {
	uid_t uid;                 /* SO_PEERCRED; (uid_t)-1 if unknown */
	int root;                  /* uid 0 with no console user: may do anything */
	const char *user;          /* X-Zhulan-User, NULL for local tools */
	unsigned role;             /* ZL_ROLE_* of the console user, 0 for local tools */
	const char *client;        /* X-Zhulan-Client: the browser's address, or NULL */
	char name[200];            /* for the audit table: "alice via zhulan-web(uid 998)" */
	char account[72];          /* the plain account: "alice", or the local user ("root") */
};

struct zl_api_req {
	struct zl_control *c;
	struct MHD_Connection *conn;
	const char *url, *method;
	const char *rest;          /* the path after the route's prefix ("" if exact) */
	const struct zl_api_body *body;
	struct zl_caller who;
};

typedef enum MHD_Result (*zl_api_fn)(struct zl_api_req *r);

/* Answers. reply takes the body's reference. */
enum MHD_Result zl_api_reply(struct MHD_Connection *conn, unsigned code, json_t *body);
enum MHD_Result zl_api_fail(struct MHD_Connection *conn, unsigned code, const char *msg);
/* The body as a JSON object; NULL and an answer already queued if not. */
json_t *zl_api_body_json(struct zl_api_req *r, enum MHD_Result *rc);

/* Query arguments: NULL when absent or empty. */
const char *zl_api_arg(struct MHD_Connection *conn, const char *name);
/* A time argument (timearg.h: RFC 3339 with a zone, unix seconds, or
 * "-1h"/"-30m"/"-7d" relative to now) as microseconds in *us, 0 when
 * absent. 0, or -1 with why in err (answer 400 with it). */
int zl_api_arg_time(struct MHD_Connection *conn, const char *name, long long *us,
		    char *err, size_t errlen);
/* A count argument (limit, offset, step...): plain digits, def when absent,
 * cut to max. 0, or -1 with why in err (answer 400 with it). */
int zl_api_arg_uint(struct MHD_Connection *conn, const char *name, unsigned def, unsigned max,
		    unsigned *out, char *err, size_t errlen);
long long zl_api_now_us(void);

/*
 * A read of personal data (who visited what, who owns which address):
 * allowed for local root and the roles in 'roles'; written to the audit
 * table as 'what' with the request's arguments. Returns 1 when the handler
 * may answer; otherwise 0 with a 403 (not entitled, audited as refused) or
 * a 503 (the audit row could not be written) already queued in *rc.
 */
int zl_api_personal(struct zl_api_req *r, unsigned roles, const char *what,
		    enum MHD_Result *rc);

/* The handlers, by file. */
enum MHD_Result zl_api_status(struct zl_api_req *r);       /* api_traffic.c */
enum MHD_Result zl_api_flows(struct zl_api_req *r);
enum MHD_Result zl_api_top(struct zl_api_req *r);
enum MHD_Result zl_api_series(struct zl_api_req *r);
enum MHD_Result zl_api_audit(struct zl_api_req *r);        /* api_access.c */
enum MHD_Result zl_api_access_log(struct zl_api_req *r);
enum MHD_Result zl_api_policy_get(struct zl_api_req *r);   /* api_policy.c */
enum MHD_Result zl_api_policy_post(struct zl_api_req *r);
enum MHD_Result zl_api_hosts(struct zl_api_req *r);
enum MHD_Result zl_api_hosts_import(struct zl_api_req *r);
enum MHD_Result zl_api_reload(struct zl_api_req *r);
enum MHD_Result zl_api_login(struct zl_api_req *r);        /* api_account.c */
enum MHD_Result zl_api_logout(struct zl_api_req *r);
enum MHD_Result zl_api_session(struct zl_api_req *r);
enum MHD_Result zl_api_account_password(struct zl_api_req *r);
enum MHD_Result zl_api_totp_begin(struct zl_api_req *r);
enum MHD_Result zl_api_totp_finish(struct zl_api_req *r);
enum MHD_Result zl_api_users_get(struct zl_api_req *r);    /* api_users.c */
enum MHD_Result zl_api_users_post(struct zl_api_req *r);
enum MHD_Result zl_api_web_announce(struct zl_api_req *r);
/* "web" of GET /v1/status: what zhulan-web announced, or null. */
json_t *zl_api_web_status(struct zl_control *c);
/* An audit row: by 'who' (NULL: the caller), action and a JSON object
 * detail (taken). 0 or -errno. */
int zl_api_audit_event(struct zl_api_req *r, const char *who, const char *action,
		       json_t *detail);
/* The HTTP status of a zl_users_result (users.h). */
unsigned zl_api_users_status(int result);
enum MHD_Result zl_api_behaviour(struct zl_api_req *r);    /* api_behaviour.c */
enum MHD_Result zl_api_ipv6(struct zl_api_req *r);         /* api_ipv6.c */
enum MHD_Result zl_api_ipv6_hosts(struct zl_api_req *r);
enum MHD_Result zl_api_ipv6_services(struct zl_api_req *r);
enum MHD_Result zl_api_ipv6_trend(struct zl_api_req *r);
enum MHD_Result zl_api_ipv6_snapshot(struct zl_api_req *r);
enum MHD_Result zl_api_incidents_get(struct zl_api_req *r); /* api_incidents.c */
enum MHD_Result zl_api_incidents_post(struct zl_api_req *r);
enum MHD_Result zl_api_ipv6_sites(struct zl_api_req *r);    /* api_ipv6_sites.c */
enum MHD_Result zl_api_ipv6_check(struct zl_api_req *r);
enum MHD_Result zl_api_reports_post(struct zl_api_req *r); /* api_reports.c */
enum MHD_Result zl_api_reports_get(struct zl_api_req *r);

#endif
