/*
 * test_users.c - the console's accounts (daemon/users/): the password
 * rules, argon2id, TOTP against codes from oathtool at chosen times, a
 * code accepted once, enrolment, lockout and its end, the per-address
 * limit and password expiry, on a real store with an injected clock.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "store_users.h"
#include "tap.h"
#include "users.h"

static int64_t fake_now = 1800000000;   /* 2027-01-15 */

static int64_t fake_clock(void *ud)
{
	(void)ud;
	return fake_now;
}

/* oathtool's code for secret at time t (unix seconds). */
static const char *oathtool(const char *secret, int64_t t)
{
	static char code[16];
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "oathtool --totp -b -N @%lld %s", (long long)t, secret);
	code[0] = 0;
	if ((p = popen(cmd, "r"))) {
		if (!fgets(code, sizeof(code), p))
			code[0] = 0;
		pclose(p);
	}
	code[strcspn(code, "\n")] = 0;
	return code;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void rules(void)
{
	static const struct { const char *user, *pw, *old, *why; } t[] = {
		{ "alice", "Abcdef-123", NULL, NULL },
		{ "alice", "Abcde-123", NULL, "at least 10" },          /* 9 */
		{ "alice", "abcdefghijkl", NULL, "3 kinds" },
		{ "alice", "abcdefgh1234", NULL, "3 kinds" },           /* 2 kinds */
		{ "alice", "abcdefgh-1234", NULL, NULL },               /* lower, digit, other */
		{ "alice", "ABCDEFGH-1234", NULL, NULL },
		{ "alice", "My-ALICE-pass-1", NULL, "user name" },      /* any case */
		{ "alice", "Old-Password-1", "Old-Password-1", "differ" },
		{ "alice", "New-Password-1", "Old-Password-1", NULL },
		{ "bob", "密码密码密码密码密码1A", NULL, NULL },          /* 12 characters, 3 kinds */
		{ "bob", "密码密码1A", NULL, "at least 10" },            /* 18 bytes, 6 characters */
		{ "bob", "", NULL, "at least 10" },
	};
	char why[200];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = zl_users_password_rules(t[i].user, t[i].pw, t[i].old, why, sizeof(why));
		if (t[i].why)
			ok(rc < 0 && strstr(why, t[i].why), "rules: \"%s\" for %s refused (%s)",
			   t[i].pw, t[i].user, rc < 0 ? why : "accepted");
		else
			ok(rc == 0, "rules: \"%s\" for %s accepted%s%s", t[i].pw, t[i].user,
			   rc ? ": " : "", rc ? why : "");
	}
	ok(zl_users_name_ok("alice") && zl_users_name_ok("a.b_c-9") && !zl_users_name_ok("Alice") &&
	   !zl_users_name_ok("9a") && !zl_users_name_ok("x' OR '1'='1") && !zl_users_name_ok("") &&
	   !zl_users_name_ok("a23456789012345678901234567890123"), "account names");
	ok(zl_users_role_needs_totp("admin") && zl_users_role_needs_totp("security") &&
	   zl_users_role_needs_totp("auditor") && !zl_users_role_needs_totp("report"),
	   "TOTP for admin, security, auditor; not report");
}

static void hashes_and_totp(struct zl_users *u)
{
	char h[160], pw[32], pw2[32], s[64], why[200];
	struct timespec t0;
	json_t *qr;
	int64_t step, t = 1800000015;
	const char *code;

	ok(zl_users_hash(u, "Correct-Horse-9", h, sizeof(h)) == 0 && !strncmp(h, "$argon2id$", 10),
	   "hash: argon2id (%.30s...)", h);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(zl_users_verify(u, h, "Correct-Horse-9"), "verify: the right password");
	printf("# one verification: %.0f ms\n", ms_since(&t0));
	ok(!zl_users_verify(u, h, "Correct-Horse-8"), "verify: a wrong one");
	ok(!zl_users_verify(u, h, ""), "verify: an empty one");

	zl_users_one_time("alice", pw, sizeof(pw));
	zl_users_one_time("alice", pw2, sizeof(pw2));
	ok(strlen(pw) == 19 && zl_users_password_rules("alice", pw, NULL, why, sizeof(why)) == 0 &&
	   strcmp(pw, pw2), "one-time passwords meet the rules and differ (%s, %s)", pw, pw2);

	ok(zl_users_totp_secret(s, sizeof(s)) == 0 && strlen(s) == 32 &&
	   strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == 32, "secret: 20 bytes in base32 (%s)", s);
	code = oathtool(s, t);
	ok(strlen(code) == 6, "oathtool gives a code for it (%s)", code);
	step = zl_users_totp_step(s, code, t);
	is_int(step, t / 30, "TOTP: oathtool's code at t is step t/30");
	is_int(zl_users_totp_step(s, code, t + 30), t / 30, "... still valid one step later (window 1)");
	is_int(zl_users_totp_step(s, code, t - 30), t / 30, "... and one step earlier");
	is_int(zl_users_totp_step(s, code, t + 60), -1, "... not two steps later");
	is_int(zl_users_totp_step(s, oathtool(s, t + 3600), t), -1, "a code of an hour later: refused");
	is_int(zl_users_totp_step(s, "12345", t), -1, "five digits: refused");
	is_int(zl_users_totp_step(s, "12a456", t), -1, "a letter: refused");
	is_int(zl_users_totp_step("JBSWY3DPEHPK3PXP", oathtool("JBSWY3DPEHPK3PXP", 59), 59), 1,
	       "RFC 6238's clock: the code at 59 s is step 1");

	qr = zl_users_qr("otpauth://totp/Zhulan:alice?secret=JBSWY3DPEHPK3PXP&issuer=Zhulan");
	ok(qr && json_array_size(qr) >= 21 &&
	   strlen(json_string_value(json_array_get(qr, 0))) == json_array_size(qr) &&
	   strspn(json_string_value(json_array_get(qr, 0)), "01") == json_array_size(qr),
	   "QR: square rows of 0/1 (%zu)", json_array_size(qr));
	/* a finder pattern's top row: seven dark modules */
	ok(qr && !strncmp(json_string_value(json_array_get(qr, 0)), "1111111", 7), "QR: a finder pattern");
	json_decref(qr);
}

static void accounts(struct zl_users *u, struct zl_store *st)
{
	struct zl_account a;
	struct zl_user_row row;
	char pw[32], why[200], s[64], uri[200];
	const char *code;
	int just = 0, i, res;
	int64_t until;

	is_int(zl_users_add(u, "alice", "admin", pw, sizeof(pw), why, sizeof(why)), ZL_USERS_OK, "add alice (admin)");
	is_int(zl_users_add(u, "alice", "report", s, sizeof(s), why, sizeof(why)), ZL_USERS_EXISTS, "add alice again: exists");
	is_int(zl_users_add(u, "eve", "root", s, sizeof(s), why, sizeof(why)), ZL_USERS_INVALID, "an unknown role: invalid");
	is_int(zl_users_add(u, "x'); DROP TABLE users;--", "admin", s, sizeof(s), why, sizeof(why)),
	       ZL_USERS_INVALID, "SQL as a name: invalid");
	res = zl_users_login(u, "alice", pw, NULL, "192.0.2.1", &a, &just, why, sizeof(why));
	is_int(res, ZL_USERS_OK, "alice logs in with the one-time password");
	ok(a.must_change && a.totp_enroll && a.limited, "... limited: must change, must enrol");
	is_int(zl_users_change_password(u, "alice", pw, "Alice-Password-1", why, sizeof(why)),
	       ZL_USERS_INVALID, "a new password with the name in it: %s", why);
	is_int(zl_users_change_password(u, "alice", "Not-the-old-1", "Better-Password-1", why, sizeof(why)),
	       ZL_USERS_INVALID, "a wrong old password: %s", why);
	is_int(zl_users_change_password(u, "alice", pw, "Better-Password-1", why, sizeof(why)),
	       ZL_USERS_OK, "alice changes the one-time password");

	is_int(zl_users_totp_finish(u, "alice", "123456", why, sizeof(why)), ZL_USERS_INVALID,
	       "finish before begin: %s", why);
	is_int(zl_users_totp_begin(u, "alice", s, sizeof(s), uri, sizeof(uri), why, sizeof(why)),
	       ZL_USERS_OK, "begin enrolment");
	ok(strstr(uri, s) && !strncmp(uri, "otpauth://totp/Zhulan:alice?secret=", 35), "the URI: %s", uri);
	is_int(zl_users_totp_finish(u, "alice", oathtool(s, fake_now + 600), why, sizeof(why)),
	       ZL_USERS_INVALID, "finish with a code of 10 minutes later: wrong");
	code = oathtool(s, fake_now);
	is_int(zl_users_totp_finish(u, "alice", code, why, sizeof(why)), ZL_USERS_OK, "finish with oathtool's code");
	res = zl_users_login(u, "alice", "Better-Password-1", code, "192.0.2.1", &a, &just, why, sizeof(why));
	ok(res == ZL_USERS_DENIED && strstr(why, "already used"), "the enrolment's code again: refused (%s)", why);
	res = zl_users_login(u, "alice", "Better-Password-1", NULL, "192.0.2.1", &a, &just, why, sizeof(why));
	is_int(res, ZL_USERS_DENIED, "no code: refused");
	fake_now += 30;
	code = oathtool(s, fake_now);
	res = zl_users_login(u, "alice", "Better-Password-1", code, "192.0.2.1", &a, &just, why, sizeof(why));
	ok(res == ZL_USERS_OK && !a.limited, "the next step's code: in, not limited");
	res = zl_users_login(u, "alice", "Better-Password-1", code, "192.0.2.1", &a, &just, why, sizeof(why));
	is_int(res, ZL_USERS_DENIED, "the same code twice: refused");

	/* lockout, on a report account (no TOTP) */
	zl_users_add(u, "bob", "report", pw, sizeof(pw), why, sizeof(why));
	for (i = 1; i <= 4; i++)
		res = zl_users_login(u, "bob", "Wrong-guess-1", NULL, "192.0.2.2", &a, &just, why, sizeof(why));
	ok(res == ZL_USERS_DENIED && !just, "four failures: denied, not locked");
	res = zl_users_login(u, "bob", "Wrong-guess-1", NULL, "192.0.2.2", &a, &just, why, sizeof(why));
	ok(res == ZL_USERS_DENIED && just && a.locked_until == fake_now + 900,
	   "the fifth locks for 15 minutes");
	until = a.locked_until;
	res = zl_users_login(u, "bob", pw, NULL, "192.0.2.2", &a, &just, why, sizeof(why));
	ok(res == ZL_USERS_LOCKED && a.locked_until == until, "locked: the right password is not even tried");
	fake_now += 600;
	res = zl_users_login(u, "bob", "Wrong-guess-2", NULL, "192.0.2.2", &a, &just, why, sizeof(why));
	ok(res == ZL_USERS_LOCKED && a.locked_until == until, "a failure while locked: still locked, same end");
	zl_store_user_get(st, "bob", &row);
	is_int(row.locked_until, until, "... in the store too");
	fake_now += 301;
	res = zl_users_login(u, "bob", "Wrong-guess-3", NULL, "192.0.2.2", &a, &just, why, sizeof(why));
	ok(res == ZL_USERS_DENIED && !just, "after 15 minutes a failure counts anew (not locked)");
	zl_store_user_get(st, "bob", &row);
	is_int(row.failures, 1, "... the count starts at 1");
	res = zl_users_login(u, "bob", pw, NULL, "192.0.2.2", &a, &just, why, sizeof(why));
	ok(res == ZL_USERS_OK && a.must_change, "the right password: in (must change)");
	zl_store_user_get(st, "bob", &row);
	ok(row.failures == 0 && row.locked_until == 0 && row.last_login == fake_now,
	   "a login forgets the failures and records when");

	/* disabled */
	zl_users_enable(u, "bob", 0, why, sizeof(why));
	res = zl_users_login(u, "bob", pw, NULL, "192.0.2.2", &a, &just, why, sizeof(why));
	ok(res == ZL_USERS_DENIED && strstr(why, "disabled"), "disabled: denied (%s)", why);
	zl_users_enable(u, "bob", 1, why, sizeof(why));

	/* expiry: 90 days, warned from 7 days before */
	is_int(zl_users_change_password(u, "bob", pw, "Second-Pass-2x", why, sizeof(why)), ZL_USERS_OK,
	       "bob changes the password");
	zl_users_get(u, "bob", &a);
	ok(a.expires_days == 90 && !a.must_change, "expires in 90 days (%d)", a.expires_days);
	fake_now += 84 * 86400;
	zl_users_get(u, "bob", &a);
	ok(a.expires_days == 6 && !a.limited, "84 days later: 6 days left, the UI warns (%d)", a.expires_days);
	fake_now += 6 * 86400;
	zl_users_get(u, "bob", &a);
	ok(a.expires_days == 0 && a.must_change && a.limited, "90 days later: expired, must change");

	/* the per-address limit */
	for (i = 0; i < 20; i++)
		res = zl_users_login(u, "nobody", "Wrong-guess-1", NULL, "203.0.113.5", &a, &just, why, sizeof(why));
	is_int(res, ZL_USERS_DENIED, "20 attempts from one address: each answered");
	res = zl_users_login(u, "bob", "Second-Pass-2x", NULL, "203.0.113.5", &a, &just, why, sizeof(why));
	is_int(res, ZL_USERS_RATE, "the 21st in 5 minutes: too many");
	res = zl_users_login(u, "bob", "Second-Pass-2x", NULL, "203.0.113.6", &a, &just, why, sizeof(why));
	is_int(res, ZL_USERS_OK, "another address: answered");
	fake_now += 300;
	res = zl_users_login(u, "bob", "Second-Pass-2x", NULL, "203.0.113.5", &a, &just, why, sizeof(why));
	is_int(res, ZL_USERS_OK, "5 minutes later the address may try again");

	/* administration */
	is_int(zl_users_reset_totp(u, "alice", why, sizeof(why)), ZL_USERS_OK, "reset alice's TOTP");
	zl_users_get(u, "alice", &a);
	ok(!a.enrolled && a.totp_enroll && a.limited, "alice must enrol again");
	is_int(zl_users_passwd(u, "carol", pw, sizeof(pw), why, sizeof(why)), ZL_USERS_NOT_FOUND,
	       "passwd of nobody: not found");
	is_int(zl_users_enable(u, "carol", 0, why, sizeof(why)), ZL_USERS_NOT_FOUND, "disable nobody: not found");
}

int main(void)
{
	char dir[] = "/tmp/zl-users.XXXXXX", path[256], err[256], cmd[300];
	struct zl_store_opts o = { 0 };
	struct zl_store *st;
	struct zl_users *u;

	if (system("oathtool --version >/dev/null 2>&1") != 0) {
		printf("1..0 # SKIP needs oathtool\n");
		return 0;
	}
	rules();
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/zhulan.db", dir);
	o.path = path;
	st = zl_store_open(&o, err, sizeof(err));
	ok(st != NULL, "store opens: %s", st ? "ok" : err);
	u = st ? zl_users_new(st, fake_clock, NULL) : NULL;
	ok(u != NULL, "zl_users_new");
	if (u) {
		hashes_and_totp(u);
		accounts(u, st);
	}
	zl_users_free(u);
	zl_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
