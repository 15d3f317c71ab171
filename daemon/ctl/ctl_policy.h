/*
 * ctl_policy.h - zhulanctl's policy commands.
 */
#ifndef ZL_CTL_POLICY_H
#define ZL_CTL_POLICY_H

#include "ctl_users.h"          /* zl_ctl_call_fn */

/* policy check|compile FILE (here), policy apply|diff FILE, confirm,
 * rollback [V], history, show (through the daemon): the exit status. */
int zl_ctl_policy(const char *sock, int json, int argc, char **argv, const char *confirm,
		  const char *comment, int counters, zl_ctl_call_fn call);

#endif
