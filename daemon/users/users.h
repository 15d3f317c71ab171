/*
 * users.h - the console's accounts: passwords (argon2id, libsodium),
 * the password rules, one-time passwords, TOTP (RFC 6238, liboath) with
 * enrolment and replay refusal, lockout and a per-address limit of login
 * attempts. The accounts live in the store (store_users.h); the web
 * console keeps sessions and never sees a hash.
 *
 * A password hash or check costs ~50-100 ms and 64 MiB: at most
 * ZL_USERS_HASHING of them run at once, and never under a lock.
 */
#ifndef ZL_USERS_H
#define ZL_USERS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct zl_store;
struct zl_users;

#define ZL_USERS_NAME_MAX 32
#define ZL_USERS_PASSWORD_MIN 10
#define ZL_USERS_PASSWORD_MAX 256
#define ZL_USERS_EXPIRE_DAYS 90
#define ZL_USERS_WARN_DAYS 7
#define ZL_USERS_MAX_FAILURES 5
#define ZL_USERS_LOCK_S (15 * 60)
#define ZL_USERS_RATE_N 20          /* login attempts per address ... */
#define ZL_USERS_RATE_S (5 * 60)    /* ... per this many seconds */
#define ZL_USERS_HASHING 2

/* The clock (unix seconds) is injectable for tests; NULL: the real one. */
typedef int64_t (*zl_users_clock_fn)(void *ud);

struct zl_users *zl_users_new(struct zl_store *s, zl_users_clock_fn clock, void *ud);
void zl_users_free(struct zl_users *u);

/* An account as the API shows it. */
struct zl_account {
	char name[64], role[16];
	int enabled, enrolled;
	int must_change;         /* one-time password, or the password expired */
	int totp_enroll;         /* the role needs TOTP and none is enrolled */
	int limited;             /* must_change || totp_enroll */
	int expires_days;        /* days until the password expires (<= 0: expired) */
	int64_t password_changed, last_login, locked_until, created;
};

/* A valid account name: [a-z][a-z0-9._-]{0,31}. */
int zl_users_name_ok(const char *name);
/* Does TOTP guard this role (admin, security, auditor)? */
int zl_users_role_needs_totp(const char *role);
/* 0 when 'pw' may be the password of 'user' (whose old one is 'old', or
 * NULL); else -1 with the rule it breaks in why. */
int zl_users_password_rules(const char *user, const char *pw, const char *old,
			    char *why, size_t len);
/* argon2id: 0 and the hash string in out (at least 128 bytes), or -1. */
int zl_users_hash(struct zl_users *u, const char *pw, char *out, size_t len);
/* 1 when pw matches hash, 0 when not. */
int zl_users_verify(struct zl_users *u, const char *hash, const char *pw);
/* A random password meeting the rules for 'user' (out: >= 20 bytes). */
void zl_users_one_time(const char *user, char *out, size_t len);
/* A new TOTP secret, base32 (out: >= 40 bytes): 0 or -1. */
int zl_users_totp_secret(char *out, size_t len);
/* The 30-second step whose code 'code' is for 'secret', within one step
 * of 'now'; -1 when it matches none. */
int64_t zl_users_totp_step(const char *secret, const char *code, int64_t now);
/* The QR code of text: rows of '0'/'1' ('1' dark), NULL on failure. */
json_t *zl_users_qr(const char *text);

/* What a login, a password change or an enrolment came to. */
enum zl_users_result {
	ZL_USERS_OK = 0,
	ZL_USERS_DENIED,         /* wrong user, password or code (401) */
	ZL_USERS_LOCKED,         /* locked (423): locked_until says until when */
	ZL_USERS_RATE,           /* too many attempts from this address (429) */
	ZL_USERS_INVALID,        /* a rule broken, a wrong code at enrolment (422) */
	ZL_USERS_NOT_FOUND,      /* no such account (404) */
	ZL_USERS_EXISTS,         /* the name is taken (409) */
	ZL_USERS_ERROR,          /* the store failed (500) */
};

/*
 * A login from 'client' (the browser's address, for the rate limit; NULL
 * counts as one local address). On ZL_USERS_OK, *a is the account. On
 * failure, why says for the audit table what was wrong (never shown to the
 * caller) and a->locked_until is set when the account is (or just got)
 * locked; *just_locked is 1 when this failure locked it.
 */
enum zl_users_result zl_users_login(struct zl_users *u, const char *name, const char *pw,
				    const char *code, const char *client, struct zl_account *a,
				    int *just_locked, char *why, size_t len);
/* The account 'name': 1, 0 when there is none, or -errno. */
int zl_users_get(struct zl_users *u, const char *name, struct zl_account *a);
/* {"users":[...]} as GET /v1/users shows it, NULL on failure. */
json_t *zl_users_list(struct zl_users *u);

enum zl_users_result zl_users_change_password(struct zl_users *u, const char *name,
					      const char *old, const char *pw,
					      char *why, size_t len);
/* Enrolment: a new pending secret and its otpauth URI (uri: >= 160
 * bytes); then the code that proves the user's authenticator has it. */
enum zl_users_result zl_users_totp_begin(struct zl_users *u, const char *name, char *secret,
					 size_t slen, char *uri, size_t ulen, char *why, size_t len);
enum zl_users_result zl_users_totp_finish(struct zl_users *u, const char *name,
					  const char *code, char *why, size_t len);

/* Administration. add and passwd give a one-time password in pw (>= 20
 * bytes); the account must change it at its next login. */
enum zl_users_result zl_users_add(struct zl_users *u, const char *name, const char *role,
				  char *pw, size_t pwlen, char *why, size_t len);
enum zl_users_result zl_users_passwd(struct zl_users *u, const char *name, char *pw,
				     size_t pwlen, char *why, size_t len);
enum zl_users_result zl_users_enable(struct zl_users *u, const char *name, int enabled,
				     char *why, size_t len);
enum zl_users_result zl_users_reset_totp(struct zl_users *u, const char *name,
					 char *why, size_t len);

#endif
