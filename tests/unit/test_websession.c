/*
 * test_websession.c - zhulan-web's sessions: random distinct ids, the
 * CSRF token, lookups by cookie value, idle and maximum age, logout, the
 * limited flag, and the login attempts per address.
 */
#include <string.h>
#include <unistd.h>

#include "session.h"
#include "tap.h"

static int hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

int main(void)
{
	struct zlw_sessions *s = zlw_sessions_new(2, 3, 3, 60);
	struct zlw_session_info in = { "ann", "security", "", 1 }, out, other = { "bob", "report", "", 0 };
	char id[ZLW_SESSION_HEX], id2[ZLW_SESSION_HEX], bad[ZLW_SESSION_HEX];
	int i;

	ok(s != NULL, "a session table");
	ok(zlw_session_create(s, &in, id) == 0, "a session is made");
	ok(hex64(id) && hex64(in.csrf), "the id and the CSRF token are 64 hex digits (256 bits)");
	ok(strcmp(id, in.csrf) != 0, "the token is not the id");
	ok(zlw_session_create(s, &other, id2) == 0 && strcmp(id, id2) && strcmp(in.csrf, other.csrf),
	   "a second session has another id and token");
	ok(zlw_session_get(s, id, &out) == 0, "found by its cookie value");
	is_str(out.user, "ann", "its user");
	is_str(out.role, "security", "its role");
	ok(out.limited == 1 && zlw_token_equal(out.csrf, in.csrf), "its limited flag and token");
	zlw_session_set_limited(s, id, 0);
	ok(zlw_session_get(s, id, &out) == 0 && out.limited == 0, "the limited flag can be lifted");
	memcpy(bad, id, sizeof(bad));
	bad[63] = bad[63] == '0' ? '1' : '0';
	ok(zlw_session_get(s, bad, &out) < 0, "an id one digit off is not a session");
	ok(zlw_session_get(s, "ab", &out) < 0 && zlw_session_get(s, NULL, &out) < 0 &&
	   zlw_session_get(s, "", &out) < 0, "short, absent and empty ids are not sessions");
	ok(!zlw_token_equal("", "") && !zlw_token_equal(in.csrf, other.csrf) &&
	   !zlw_token_equal(in.csrf, "abc"), "tokens: empty, different and short never equal");
	zlw_session_end(s, id2);
	ok(zlw_session_get(s, id2, &out) < 0, "logout ends the session");
	is_int(zlw_session_count(s), 1, "one session left");

	/* idle 2 s: used at 1 s it lives on; the maximum of 3 s ends it anyway */
	sleep(1);
	ok(zlw_session_get(s, id, &out) == 0, "used after 1 s: alive");
	sleep(1);
	ok(zlw_session_get(s, id, &out) == 0, "used again after 1 s more: alive (idle time restarts)");
	sleep(1);
	ok(zlw_session_get(s, id, &out) < 0, "3 s after login: ended by web_session_max");
	ok(zlw_session_create(s, &other, id2) == 0, "a new session");
	sleep(2);
	ok(zlw_session_get(s, id2, &out) < 0, "2 s idle: ended by web_session_idle");

	for (i = 0; i < 3; i++)
		ok(zlw_login_attempt(s, "192.0.2.1") == 0, "login attempt %d from 192.0.2.1 allowed", i + 1);
	ok(zlw_login_attempt(s, "192.0.2.1") < 0, "the 4th within the window is refused");
	ok(zlw_login_attempt(s, "2001:db8::1") == 0, "another address is still allowed");
	zlw_sessions_free(s);

	s = zlw_sessions_new(60, 60, 1, 1);
	ok(zlw_login_attempt(s, "192.0.2.2") == 0 && zlw_login_attempt(s, "192.0.2.2") < 0,
	   "one attempt per second: the second refused");
	sleep(1);
	ok(zlw_login_attempt(s, "192.0.2.2") == 0, "allowed again in the next window");
	for (i = 0; i < 2000; i++) {
		char a[32];
		snprintf(a, sizeof(a), "198.51.100.%d/%d", i % 250, i);
		zlw_login_attempt(s, a);
	}
	ok(zlw_login_attempt(s, "203.0.113.9") == 0, "more addresses than the table holds: a new one is still counted");
	zlw_sessions_free(s);
	return done_testing();
}
