/*
 * ctl_users.h - zhulanctl's users commands (the console's accounts), over
 * the control socket's /v1/users endpoints; root only.
 */
#ifndef ZL_CTL_USERS_H
#define ZL_CTL_USERS_H

#include <jansson.h>

/* zhulanctl's request routine: the answer's JSON and its HTTP status. */
typedef json_t *(*zl_ctl_call_fn)(const char *sock, const char *method, const char *path,
				  const char *body, long *code);

/* users add NAME --role ROLE | list | disable|enable|passwd|reset-2fa NAME:
 * the exit status. */
int zl_ctl_users(const char *sock, int json, int argc, char **argv, const char *role,
		 zl_ctl_call_fn call);

#endif
