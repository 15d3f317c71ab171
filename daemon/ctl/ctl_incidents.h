/*
 * ctl_incidents.h - zhulanctl's incidents commands, over the control
 * socket's /v1/incidents endpoints: the list, one incident, and the review
 * workflow (ack, resolve, false-positive, with a note and an assignee).
 */
#ifndef ZL_CTL_INCIDENTS_H
#define ZL_CTL_INCIDENTS_H

#include "ctl_users.h"

struct zl_ctl_inc_opts {
	const char *status, *type, *severity, *department;
	const char *since;         /* "1d", "-2h", or an RFC 3339 time */
	const char *limit;
	const char *note, *assign;
};

/* "incidents" (argv[0]) with its filters, or "incident N [ACTION]": the
 * exit status (0, 1 the daemon refused, 2 bad usage). */
int zl_ctl_incidents(const char *sock, int json, const char *cmd, int argc, char **argv,
		     const struct zl_ctl_inc_opts *o, zl_ctl_call_fn call);

#endif
