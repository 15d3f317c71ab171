/*
 * store_users.h - the console's accounts in the store (the users table).
 * daemon/users/ is the only caller: it decides, the store keeps. Every
 * change is one statement on the write connection, so two requests for
 * the same account never lose each other's update. Times are unix seconds.
 */
#ifndef ZL_STORE_USERS_H
#define ZL_STORE_USERS_H

#include <stdint.h>

struct zl_store;

struct zl_user_row {
	char name[64], role[16];
	char hash[160];                   /* crypto_pwhash_str's string */
	char totp_secret[64];             /* base32; "" when none */
	char totp_pending[64];            /* during enrolment */
	int enrolled, must_change, enabled, failures;
	int64_t totp_last_step, password_changed, locked_until, last_login, created;
};

/* 1 and *row filled, 0 when there is no such account, or -errno. */
int zl_store_user_get(struct zl_store *s, const char *name, struct zl_user_row *row);
/* Every account by name (malloc'd in *rows): the count, or -errno. */
int zl_store_user_all(struct zl_store *s, struct zl_user_row **rows);
/* A new account from row's name, role, hash, must_change and times:
 * 0, -EEXIST, or -errno. */
int zl_store_user_add(struct zl_store *s, const struct zl_user_row *row);

/* The updates: 0, -ENOENT when there is no such account, or -errno. */
int zl_store_user_password(struct zl_store *s, const char *name, const char *hash,
			   int must_change, int64_t now);
int zl_store_user_enable(struct zl_store *s, const char *name, int enabled);
/* A secret offered for enrolment; enrol makes the pending one the
 * account's (with the step of the code that proved it); reset forgets both. */
int zl_store_user_totp_pending(struct zl_store *s, const char *name, const char *secret);
int zl_store_user_totp_enrol(struct zl_store *s, const char *name, int64_t step);
int zl_store_user_totp_reset(struct zl_store *s, const char *name);
/* Record that the code of 'step' was used: 1 when step is newer than the
 * last one used (the code is accepted), 0 when it is not (a replay). */
int zl_store_user_totp_use(struct zl_store *s, const char *name, int64_t step);
/* A failed login at 'now': counts it; the max-th consecutive failure locks
 * the account until now + lock_s (*locked_until). A failure after an
 * expired lock starts a new count. The failure count, or -errno. */
int zl_store_user_failed(struct zl_store *s, const char *name, int64_t now, int max,
			 int64_t lock_s, int64_t *locked_until);
/* A successful login: failures forgotten, last_login = now. */
int zl_store_user_login(struct zl_store *s, const char *name, int64_t now);

#endif
