/*
 * users.c - the console's accounts (users.h): libsodium's argon2id for
 * passwords, liboath for TOTP, libqrencode for the enrolment's QR code;
 * the rows are the store's (store_users.h).
 *
 * Concurrency: the store serialises each account change in one statement
 * (a failure count, a TOTP step used), so this file holds no lock across
 * a store call or a hash; its own mutex guards only the in-memory rate
 * table, and a semaphore bounds the hashes running at once.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>

#include "store_users.h"
#include "users.h"

#define RATE_SLOTS 256
#define TOTP_STEP 30

struct rate_slot {
	char client[64];
	int64_t start;
	unsigned n;
};

struct zl_users {
	struct zl_store *store;
	zl_users_clock_fn clock;
	void *clock_ud;
	sem_t hashing;
	pthread_mutex_t lock;            /* the rate table and the dummy hash */
	struct rate_slot rate[RATE_SLOTS];
	char dummy[crypto_pwhash_STRBYTES];
};

static int64_t real_clock(void *ud)
{
	(void)ud;
	return (int64_t)time(NULL);
}

static int64_t now_s(struct zl_users *u)
{
	return u->clock(u->clock_ud);
}

struct zl_users *zl_users_new(struct zl_store *s, zl_users_clock_fn clock, void *ud)
{
	struct zl_users *u;

	if (sodium_init() < 0 || oath_init() != OATH_OK)
		return NULL;
	if (!(u = calloc(1, sizeof(*u))))
		return NULL;
	u->store = s;
	u->clock = clock ? clock : real_clock;
	u->clock_ud = ud;
	sem_init(&u->hashing, 0, ZL_USERS_HASHING);
	pthread_mutex_init(&u->lock, NULL);
	return u;
}

void zl_users_free(struct zl_users *u)
{
	if (!u)
		return;
	sem_destroy(&u->hashing);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

/* ---- names, roles and the password rules ---- */

int zl_users_name_ok(const char *name)
{
	size_t i;

	if (!name || !(*name >= 'a' && *name <= 'z'))
		return 0;
	for (i = 0; name[i]; i++)
		if (i >= ZL_USERS_NAME_MAX ||
		    !((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '.' || name[i] == '_' || name[i] == '-'))
			return 0;
	return 1;
}

static int role_ok(const char *role)
{
	return role && (!strcmp(role, "admin") || !strcmp(role, "security") ||
			!strcmp(role, "auditor") || !strcmp(role, "report"));
}

int zl_users_role_needs_totp(const char *role)
{
	return role_ok(role) && strcmp(role, "report");
}

int zl_users_password_rules(const char *user, const char *pw, const char *old,
			    char *why, size_t len)
{
	int lower = 0, upper = 0, digit = 0, other = 0;
	size_t chars = 0, i;

	if (!pw)
		pw = "";
	for (i = 0; pw[i]; i++) {
		unsigned char c = (unsigned char)pw[i];
		if ((c & 0xc0) != 0x80)         /* count characters, not UTF-8 bytes */
			chars++;
		if (c >= 'a' && c <= 'z')
			lower = 1;
		else if (c >= 'A' && c <= 'Z')
			upper = 1;
		else if (c >= '0' && c <= '9')
			digit = 1;
		else
			other = 1;
	}
	if (chars < ZL_USERS_PASSWORD_MIN) {
		snprintf(why, len, "the password needs at least %d characters", ZL_USERS_PASSWORD_MIN);
		return -1;
	}
	if (i > ZL_USERS_PASSWORD_MAX) {
		snprintf(why, len, "the password may have at most %d bytes", ZL_USERS_PASSWORD_MAX);
		return -1;
	}
	if (lower + upper + digit + other < 3) {
		snprintf(why, len, "the password needs characters of at least 3 kinds: lower "
			 "case, upper case, digits, others");
		return -1;
	}
	if (user && *user && strcasestr(pw, user)) {
		snprintf(why, len, "the password may not contain the user name");
		return -1;
	}
	if (old && !strcmp(pw, old)) {
		snprintf(why, len, "the new password must differ from the old one");
		return -1;
	}
	return 0;
}

/* ---- hashes ---- */

int zl_users_hash(struct zl_users *u, const char *pw, char *out, size_t len)
{
	int rc;

	if (len < crypto_pwhash_STRBYTES)
		return -1;
	sem_wait(&u->hashing);
	rc = crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			       crypto_pwhash_MEMLIMIT_INTERACTIVE);
	sem_post(&u->hashing);
	return rc ? -1 : 0;
}

int zl_users_verify(struct zl_users *u, const char *hash, const char *pw)
{
	int rc;

	sem_wait(&u->hashing);
	rc = crypto_pwhash_str_verify(hash, pw, strlen(pw));
	sem_post(&u->hashing);
	return rc == 0;
}

/* A check against a hash of nothing, so an unknown name costs what a
 * known one does and timing does not tell which names exist. */
static void verify_dummy(struct zl_users *u, const char *pw)
{
	char h[crypto_pwhash_STRBYTES];

	pthread_mutex_lock(&u->lock);
	memcpy(h, u->dummy, sizeof(h));
	pthread_mutex_unlock(&u->lock);
	if (!h[0]) {
		char r[33];
		zl_users_one_time("", r, sizeof(r));
		if (zl_users_hash(u, r, h, sizeof(h)) < 0)
			return;
		pthread_mutex_lock(&u->lock);
		memcpy(u->dummy, h, sizeof(h));
		pthread_mutex_unlock(&u->lock);
	}
	zl_users_verify(u, h, pw);
}

void zl_users_one_time(const char *user, char *out, size_t len)
{
	/* no 0/O, 1/l/I: read from a screen and typed once */
	static const char set[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	char why[128];
	size_t i, n = len - 1 < 19 ? len - 1 : 19;

	do {
		for (i = 0; i < n; i++)
			out[i] = i % 5 == 4 ? '-' : set[randombytes_uniform(sizeof(set) - 1)];
		out[n] = 0;
	} while (zl_users_password_rules(user, out, NULL, why, sizeof(why)) < 0);
}

/* ---- TOTP ---- */

int zl_users_totp_secret(char *out, size_t len)
{
	unsigned char key[20];
	char *b32 = NULL;
	size_t n = 0;

	randombytes_buf(key, sizeof(key));
	if (oath_base32_encode((const char *)key, sizeof(key), &b32, &n) != OATH_OK ||
	    n + 1 > len) {
		free(b32);
		return -1;
	}
	memcpy(out, b32, n);
	out[n] = 0;
	sodium_memzero(key, sizeof(key));
	free(b32);
	return 0;
}

int64_t zl_users_totp_step(const char *secret, const char *code, int64_t now)
{
	char *key = NULL;
	size_t klen = 0, i;
	uint64_t counter = 0;
	int pos = 0, rc;

	if (!secret || !*secret || !code || strlen(code) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		if (!isdigit((unsigned char)code[i]))
			return -1;
	if (oath_base32_decode(secret, strlen(secret), &key, &klen) != OATH_OK)
		return -1;
	rc = oath_totp_validate4(key, klen, (time_t)now, TOTP_STEP, 0, 1, &pos, &counter, 0, code);
	sodium_memzero(key, klen);
	free(key);
	return rc >= 0 ? (int64_t)counter : -1;
}

json_t *zl_users_qr(const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	json_t *rows;
	char *row;
	int x, y;

	if (!q)
		return NULL;
	rows = json_array();
	row = malloc((size_t)q->width + 1);
	for (y = 0; row && y < q->width; y++) {
		for (x = 0; x < q->width; x++)
			row[x] = q->data[y * q->width + x] & 1 ? '1' : '0';
		row[q->width] = 0;
		json_array_append_new(rows, json_string(row));
	}
	free(row);
	QRcode_free(q);
	return rows;
}

/* ---- accounts ---- */

static void account_of(struct zl_users *u, const struct zl_user_row *r, struct zl_account *a)
{
	int64_t age = now_s(u) - r->password_changed;

	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", r->name);
	snprintf(a->role, sizeof(a->role), "%s", r->role);
	a->enabled = r->enabled;
	a->enrolled = r->enrolled;
	/* days begun count: 90 on the day of the change, 0 once expired */
	a->expires_days = age >= ZL_USERS_EXPIRE_DAYS * 86400LL ? 0 :
		(int)((ZL_USERS_EXPIRE_DAYS * 86400LL - age + 86399) / 86400);
	a->must_change = r->must_change || age >= ZL_USERS_EXPIRE_DAYS * 86400LL;
	a->totp_enroll = zl_users_role_needs_totp(r->role) && !r->enrolled;
	a->limited = a->must_change || a->totp_enroll;
	a->password_changed = r->password_changed;
	a->last_login = r->last_login;
	a->locked_until = r->locked_until > now_s(u) ? r->locked_until : 0;
	a->created = r->created;
}

int zl_users_get(struct zl_users *u, const char *name, struct zl_account *a)
{
	struct zl_user_row r;
	int rc;

	if (!zl_users_name_ok(name))
		return 0;
	rc = zl_store_user_get(u->store, name, &r);
	if (rc == 1)
		account_of(u, &r, a);
	sodium_memzero(&r, sizeof(r));
	return rc;
}

/* One more attempt from 'client': 0 when within the limit, -1 when not. */
static int rate_take(struct zl_users *u, const char *client)
{
	int64_t now = now_s(u);
	struct rate_slot *slot = NULL, *oldest = &u->rate[0];
	int i, rc = 0;

	if (!client)
		client = "";
	pthread_mutex_lock(&u->lock);
	for (i = 0; i < RATE_SLOTS; i++) {
		struct rate_slot *r = &u->rate[i];
		if (r->start && !strncmp(r->client, client, sizeof(r->client) - 1)) {
			slot = r;
			break;
		}
		if (r->start < oldest->start)
			oldest = r;
	}
	if (!slot) {
		slot = oldest;            /* a free slot (start 0) or the stalest */
		snprintf(slot->client, sizeof(slot->client), "%s", client);
		slot->start = now;
		slot->n = 0;
	}
	if (now - slot->start >= ZL_USERS_RATE_S) {
		slot->start = now;
		slot->n = 0;
	}
	if (slot->n >= ZL_USERS_RATE_N)
		rc = -1;
	else
		slot->n++;
	pthread_mutex_unlock(&u->lock);
	return rc;
}

/* A failed attempt on an existing account: counted, maybe locking it. */
static enum zl_users_result failed(struct zl_users *u, const char *name, struct zl_account *a,
				   int *just_locked)
{
	int64_t until = 0;
	int n = zl_store_user_failed(u->store, name, now_s(u), ZL_USERS_MAX_FAILURES,
				     ZL_USERS_LOCK_S, &until);

	if (n < 0)
		return ZL_USERS_ERROR;
	a->locked_until = until;
	*just_locked = until != 0;
	return ZL_USERS_DENIED;
}

enum zl_users_result zl_users_login(struct zl_users *u, const char *name, const char *pw,
				    const char *code, const char *client, struct zl_account *a,
				    int *just_locked, char *why, size_t len)
{
	struct zl_user_row r;
	enum zl_users_result res;
	int64_t step, now = now_s(u);
	int rc;

	memset(a, 0, sizeof(*a));
	*just_locked = 0;
	if (!pw)
		pw = "";
	if (rate_take(u, client) < 0) {
		snprintf(why, len, "too many attempts from this address");
		return ZL_USERS_RATE;
	}
	rc = zl_users_name_ok(name) ? zl_store_user_get(u->store, name, &r) : 0;
	if (rc < 0) {
		snprintf(why, len, "the accounts cannot be read");
		return ZL_USERS_ERROR;
	}
	if (rc == 0) {
		verify_dummy(u, pw);
		snprintf(why, len, "no such account");
		return ZL_USERS_DENIED;
	}
	if (r.locked_until > now) {
		/* not checked at all: a lock is not a way to test passwords */
		a->locked_until = r.locked_until;
		snprintf(why, len, "the account is locked");
		res = ZL_USERS_LOCKED;
		goto out;
	}
	if (!zl_users_verify(u, r.hash, pw)) {
		snprintf(why, len, "wrong password");
		res = failed(u, name, a, just_locked);
		goto out;
	}
	if (r.enrolled) {
		step = zl_users_totp_step(r.totp_secret, code, now);
		rc = step < 0 ? 0 : zl_store_user_totp_use(u->store, name, step);
		if (rc <= 0) {
			snprintf(why, len, "%s", rc < 0 ? "the accounts cannot be written" :
				 step < 0 ? "wrong or missing code" : "a code already used");
			res = rc < 0 ? ZL_USERS_ERROR : failed(u, name, a, just_locked);
			goto out;
		}
	}
	if (!r.enabled) {
		snprintf(why, len, "the account is disabled");
		res = ZL_USERS_DENIED;
		goto out;
	}
	if (zl_store_user_login(u->store, name, now) < 0) {
		snprintf(why, len, "the accounts cannot be written");
		res = ZL_USERS_ERROR;
		goto out;
	}
	r.last_login = now;
	r.failures = 0;
	r.locked_until = 0;
	account_of(u, &r, a);
	res = ZL_USERS_OK;
out:
	sodium_memzero(&r, sizeof(r));
	return res;
}

json_t *zl_users_list(struct zl_users *u)
{
	struct zl_user_row *rows;
	struct zl_account a;
	json_t *out;
	int i, n = zl_store_user_all(u->store, &rows);

	if (n < 0)
		return NULL;
	out = json_array();
	for (i = 0; i < n; i++) {
		account_of(u, &rows[i], &a);
		json_array_append_new(out, json_pack("{s:s, s:s, s:b, s:b, s:b, s:I, s:I, s:I}",
			"name", a.name, "role", a.role, "enabled", a.enabled, "totp", a.enrolled,
			"must_change", a.must_change, "password_changed", (json_int_t)a.password_changed,
			"last_login", (json_int_t)a.last_login, "locked_until", (json_int_t)a.locked_until));
	}
	sodium_memzero(rows, (size_t)n * sizeof(*rows));
	free(rows);
	return json_pack("{s:o}", "users", out);
}

static enum zl_users_result store_result(int rc, const char *name, char *why, size_t len)
{
	if (rc == -ENOENT) {
		snprintf(why, len, "no account \"%s\"", name);
		return ZL_USERS_NOT_FOUND;
	}
	if (rc < 0) {
		snprintf(why, len, "the accounts cannot be written (%s)", strerror(-rc));
		return ZL_USERS_ERROR;
	}
	return ZL_USERS_OK;
}

enum zl_users_result zl_users_change_password(struct zl_users *u, const char *name,
					      const char *old, const char *pw,
					      char *why, size_t len)
{
	struct zl_user_row r;
	char hash[crypto_pwhash_STRBYTES];
	int64_t until = 0;
	int rc = zl_users_name_ok(name) ? zl_store_user_get(u->store, name, &r) : 0;

	if (rc <= 0)
		return store_result(rc ? rc : -ENOENT, name ? name : "", why, len);
	rc = zl_users_verify(u, r.hash, old ? old : "");
	sodium_memzero(&r, sizeof(r));
	if (!rc) {
		/* a session guessing its own password counts toward the lock */
		zl_store_user_failed(u->store, name, now_s(u), ZL_USERS_MAX_FAILURES,
				     ZL_USERS_LOCK_S, &until);
		snprintf(why, len, "the current password is wrong");
		return ZL_USERS_INVALID;
	}
	if (zl_users_password_rules(name, pw, old, why, len) < 0)
		return ZL_USERS_INVALID;
	if (zl_users_hash(u, pw, hash, sizeof(hash)) < 0) {
		snprintf(why, len, "out of memory hashing the password");
		return ZL_USERS_ERROR;
	}
	return store_result(zl_store_user_password(u->store, name, hash, 0, now_s(u)),
			    name, why, len);
}

enum zl_users_result zl_users_totp_begin(struct zl_users *u, const char *name, char *secret,
					 size_t slen, char *uri, size_t ulen, char *why, size_t len)
{
	struct zl_account a;
	int rc = zl_users_get(u, name, &a);

	if (rc <= 0)
		return store_result(rc ? rc : -ENOENT, name ? name : "", why, len);
	if (a.enrolled) {
		snprintf(why, len, "TOTP is already enrolled; an administrator can reset it");
		return ZL_USERS_EXISTS;
	}
	if (zl_users_totp_secret(secret, slen) < 0) {
		snprintf(why, len, "cannot make a secret");
		return ZL_USERS_ERROR;
	}
	snprintf(uri, ulen, "otpauth://totp/Zhulan:%s?secret=%s&issuer=Zhulan", name, secret);
	return store_result(zl_store_user_totp_pending(u->store, name, secret), name, why, len);
}

enum zl_users_result zl_users_totp_finish(struct zl_users *u, const char *name,
					  const char *code, char *why, size_t len)
{
	struct zl_user_row r;
	int64_t step;
	int rc = zl_users_name_ok(name) ? zl_store_user_get(u->store, name, &r) : 0;

	if (rc <= 0)
		return store_result(rc ? rc : -ENOENT, name ? name : "", why, len);
	step = r.totp_pending[0] ? zl_users_totp_step(r.totp_pending, code, now_s(u)) : -1;
	rc = r.totp_pending[0];
	sodium_memzero(&r, sizeof(r));
	if (!rc) {
		snprintf(why, len, "no enrolment begun (POST /v1/account/totp/begin first)");
		return ZL_USERS_INVALID;
	}
	if (step < 0) {
		snprintf(why, len, "wrong code: check the authenticator's clock and try the next code");
		return ZL_USERS_INVALID;
	}
	return store_result(zl_store_user_totp_enrol(u->store, name, step), name, why, len);
}

/* A new one-time password for 'name', hashed into h. */
static int one_time(struct zl_users *u, const char *name, char *pw, size_t pwlen,
		    char *h, size_t hlen, char *why, size_t len)
{
	zl_users_one_time(name, pw, pwlen);
	if (zl_users_hash(u, pw, h, hlen) < 0) {
		snprintf(why, len, "out of memory hashing the password");
		return -1;
	}
	return 0;
}

enum zl_users_result zl_users_add(struct zl_users *u, const char *name, const char *role,
				  char *pw, size_t pwlen, char *why, size_t len)
{
	struct zl_user_row r = { .must_change = 1, .enabled = 1 };
	int rc;

	if (!zl_users_name_ok(name)) {
		snprintf(why, len, "name: expected 1 to %d characters of a-z, 0-9, '.', '_', '-', "
			 "beginning with a letter", ZL_USERS_NAME_MAX);
		return ZL_USERS_INVALID;
	}
	if (!role_ok(role)) {
		snprintf(why, len, "role: expected admin, security, auditor or report");
		return ZL_USERS_INVALID;
	}
	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.role, sizeof(r.role), "%s", role);
	if (one_time(u, name, pw, pwlen, r.hash, sizeof(r.hash), why, len) < 0)
		return ZL_USERS_ERROR;
	r.created = r.password_changed = now_s(u);
	rc = zl_store_user_add(u->store, &r);
	if (rc == -EEXIST) {
		snprintf(why, len, "an account \"%s\" exists already", name);
		return ZL_USERS_EXISTS;
	}
	return store_result(rc, name, why, len);
}

enum zl_users_result zl_users_passwd(struct zl_users *u, const char *name, char *pw,
				     size_t pwlen, char *why, size_t len)
{
	char h[crypto_pwhash_STRBYTES];

	if (!zl_users_name_ok(name))
		return store_result(-ENOENT, name ? name : "", why, len);
	if (one_time(u, name, pw, pwlen, h, sizeof(h), why, len) < 0)
		return ZL_USERS_ERROR;
	return store_result(zl_store_user_password(u->store, name, h, 1, now_s(u)), name, why, len);
}

enum zl_users_result zl_users_enable(struct zl_users *u, const char *name, int enabled,
				     char *why, size_t len)
{
	if (!zl_users_name_ok(name))
		return store_result(-ENOENT, name ? name : "", why, len);
	return store_result(zl_store_user_enable(u->store, name, enabled), name, why, len);
}

enum zl_users_result zl_users_reset_totp(struct zl_users *u, const char *name,
					 char *why, size_t len)
{
	if (!zl_users_name_ok(name))
		return store_result(-ENOENT, name ? name : "", why, len);
	return store_result(zl_store_user_totp_reset(u->store, name), name, why, len);
}
