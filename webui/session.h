/*
 * session.h - the console's sessions, in memory only: a 256-bit random id
 * (the cookie), a CSRF token, who is logged in and with which role, ended
 * after an idle time, a maximum age, or a logout. Also the per-address
 * limit on login attempts. Thread-safe.
 */
#ifndef ZLW_SESSION_H
#define ZLW_SESSION_H

#define ZLW_SESSION_HEX 65   /* 64 hex digits and a NUL */

struct zlw_sessions;

struct zlw_session_info {
	char user[65];
	char role[33];
	char csrf[ZLW_SESSION_HEX];
	int limited;              /* must change its password or enrol TOTP */
};

/* idle/max in seconds; attempts logins per address and window_s. */
struct zlw_sessions *zlw_sessions_new(unsigned idle_s, unsigned max_s,
				      unsigned attempts, unsigned window_s);
void zlw_sessions_free(struct zlw_sessions *s);

/* A new session for 'info' (its csrf is filled in); the cookie value goes
 * to id. Returns 0, or -1 when the table is full. */
int zlw_session_create(struct zlw_sessions *s, struct zlw_session_info *info,
		       char id[ZLW_SESSION_HEX]);
/* The live session named by a cookie value, touched; 0, or -1 when there is
 * none (unknown, idle too long, too old). */
int zlw_session_get(struct zlw_sessions *s, const char *id, struct zlw_session_info *out);
void zlw_session_set_limited(struct zlw_sessions *s, const char *id, int limited);
void zlw_session_end(struct zlw_sessions *s, const char *id);
int zlw_session_count(struct zlw_sessions *s);

/* Count a login attempt from 'client'; 0 allowed, -1 over the limit. */
int zlw_login_attempt(struct zlw_sessions *s, const char *client);

/* Constant-time comparison of two NUL-terminated tokens: 1 when equal. */
int zlw_token_equal(const char *a, const char *b);

#endif
