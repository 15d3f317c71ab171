/*
 * ctl_users.c - zhulanctl users: the console's accounts. The daemon lets
 * only uid 0 (or an admin through the console) manage them; we say so
 * before asking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_users.h"

static void usage(void)
{
	fprintf(stderr, "usage: zhulanctl users add NAME --role admin|security|auditor|report\n"
		"       zhulanctl users list\n"
		"       zhulanctl users disable|enable|passwd|reset-2fa NAME\n");
}

static const char *when(json_t *v, char *buf, size_t len)
{
	time_t t = (time_t)json_integer_value(v);
	struct tm tm;

	if (!t)
		return "-";
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
	return buf;
}

static void print_list(json_t *j)
{
	json_t *u;
	size_t i;
	char a[32], b[32], c[32];

	printf("%-20s %-9s %-8s %-5s %-11s %-17s %-17s %s\n", "name", "role", "enabled", "totp",
	       "must change", "password changed", "last login", "locked until");
	json_array_foreach(json_object_get(j, "users"), i, u)
		printf("%-20s %-9s %-8s %-5s %-11s %-17s %-17s %s\n",
		       json_string_value(json_object_get(u, "name")),
		       json_string_value(json_object_get(u, "role")),
		       json_is_true(json_object_get(u, "enabled")) ? "yes" : "NO",
		       json_is_true(json_object_get(u, "totp")) ? "yes" : "no",
		       json_is_true(json_object_get(u, "must_change")) ? "yes" : "no",
		       when(json_object_get(u, "password_changed"), a, sizeof(a)),
		       when(json_object_get(u, "last_login"), b, sizeof(b)),
		       when(json_object_get(u, "locked_until"), c, sizeof(c)));
}

int zl_ctl_users(const char *sock, int json, int argc, char **argv, const char *role,
		 zl_ctl_call_fn call)
{
	const char *sub = argc ? argv[0] : "", *name = argc > 1 ? argv[1] : NULL;
	char path[200], *body = NULL;
	json_t *j, *req;
	long code = 0;
	int rc;

	if (!strcmp(sub, "list") ? argc != 1 : argc != 2 || (!strcmp(sub, "add") != !!role)) {
		usage();
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "zhulanctl: users: only root may manage the console's accounts "
			"(run it with sudo)\n");
		return 1;
	}
	if (!strcmp(sub, "list")) {
		j = call(sock, "GET", "/v1/users", NULL, &code);
	} else if (!strcmp(sub, "add")) {
		req = json_pack("{s:s, s:s}", "name", name, "role", role);
		body = json_dumps(req, JSON_COMPACT);
		json_decref(req);
		j = call(sock, "POST", "/v1/users", body, &code);
	} else if (!strcmp(sub, "disable") || !strcmp(sub, "enable") || !strcmp(sub, "passwd") ||
		   !strcmp(sub, "reset-2fa")) {
		if (strchr(name, '/') || strlen(name) > 64) {
			fprintf(stderr, "zhulanctl: users: \"%s\" is not an account name\n", name);
			return 2;
		}
		snprintf(path, sizeof(path), "/v1/users/%s/%s", name, sub);
		j = call(sock, "POST", path, "{}", &code);
	} else {
		usage();
		return 2;
	}
	free(body);
	rc = code == 200 ? 0 : 1;
	if (rc)
		fprintf(stderr, "zhulanctl: users %s: %s\n", sub,
			json_string_value(json_object_get(j, "error")) ?
			json_string_value(json_object_get(j, "error")) : "failed");
	else if (json)
		json_dumpf(j, stdout, JSON_INDENT(2)), putchar('\n');
	else if (!strcmp(sub, "list"))
		print_list(j);
	else if (json_object_get(j, "password"))
		printf("%s: one-time password (shown once; it must be changed at the first "
		       "login): %s\n", name, json_string_value(json_object_get(j, "password")));
	else
		printf("%s: %s\n", name, json_string_value(json_object_get(j, "result")));
	json_decref(j);
	return rc;
}
