/*
 * firewall.c - the policy in force and its versions (see firewall.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "behaviour.h"
#include "bundle.h"
#include "firewall.h"
#include "flat.h"
#include "kernel.h"
#include "log.h"

enum { ST_REVERTED = -1, ST_PENDING = 0, ST_CONFIRMED = 1 };

struct zl_fw {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t timer;
	int timer_started, stopping;
	struct zl_kernel *k;
	struct zl_store *store;
	struct zl_policy_hooks hooks;
	int has_hooks;
	struct zl_bh *bh;             /* the behaviour engine, or NULL */
	void (*on_policy)(const struct zl_policy *p, void *ud);  /* told of each policy in force */
	void *on_policy_ud;
	struct zl_policy *policy;     /* parsed, in force (the engine reads it) */
	/* in force */
	long long version;            /* 0: none applied by us */
	int state;
	json_t *bundle;
	long long applied_us;
	/* what the confirm timer goes back to */
	long long good_version;       /* 0: no table at all */
	json_t *good_bundle;
	struct timespec deadline;     /* CLOCK_MONOTONIC; tv_sec 0: none */
	long long deadline_us;        /* the same on the wall clock */
	unsigned confirm_s;
	char last_error[1100];
};

static long long wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static json_t *rfc3339(long long us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char b[32];

	gmtime_r(&t, &tm);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(b);
}

static json_t *status_json(struct zl_fw *fw);

static unsigned fail(json_t **out, unsigned code, const char *msg)
{
	*out = json_pack("{s:s}", "error", msg);
	return code;
}

static json_t *diags_json(const struct zl_diag *d)
{
	json_t *a = json_array();
	char buf[1024];
	size_t i;

	for (i = 0; i < d->n; i++) {
		zl_diag_format(&d->msgs[i], buf, sizeof(buf));
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

/* Parse a bundle with the name checks. NULL with the diagnostics in *out
 * (status 422). */
static struct zl_policy *parse(struct zl_fw *fw, const json_t *bundle, json_t **out,
			       unsigned *status)
{
	struct zl_diag d;
	struct zl_policy *p;

	zl_diag_init(&d);
	p = zl_bundle_parse(bundle, fw->has_hooks ? &fw->hooks : NULL, &d);
	if (!p) {
		char first[1024] = "the policy has errors";
		if (d.n)
			zl_diag_format(&d.msgs[0], first, sizeof(first));
		*out = json_pack("{s:s, s:o}", "error", first, "diagnostics", diags_json(&d));
		*status = 422;
	}
	zl_diag_free(&d);
	return p;
}

/* Put a parsed policy in the kernel (NULL: remove the table), with the
 * behaviour blocks it still justifies; p is taken over (kept in force, or
 * freed). 0, or -1 with the reason in err; the kernel keeps its previous
 * table on failure. */
static int kernel_put_policy(struct zl_fw *fw, struct zl_policy *p, size_t *n_rules, char *err,
			     size_t errlen)
{
	struct zl_kernel_pair *pairs;
	struct zl_flat *f = NULL;
	size_t i, np = 0;
	int rc;

	if (p && !(f = zl_flat_new(p))) {
		zl_policy_free(p);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pairs = zl_bh_prepare(fw->bh, p, &np);
	rc = f ? zl_kernel_apply(fw->k, f, pairs, np, err, errlen) :
		 zl_kernel_delete_table(fw->k, err, errlen);
	zl_bh_commit(fw->bh, p, rc == 0);
	free(pairs);
	if (n_rules && f)
		for (*n_rules = 0, i = 0; i < f->n_chains; i++)
			*n_rules += f->chains[i].n;
	zl_flat_free(f);
	if (rc == 0) {
		if (fw->on_policy)
			fw->on_policy(p, fw->on_policy_ud);
		zl_policy_free(fw->policy);
		fw->policy = p;
	} else {
		zl_policy_free(p);
	}
	return rc;
}

/* The same from a bundle (NULL: remove the table). */
static int kernel_put(struct zl_fw *fw, const json_t *bundle, size_t *n_rules, char *err,
		      size_t errlen)
{
	struct zl_policy *p = NULL;
	struct zl_diag d;

	if (bundle) {
		zl_diag_init(&d);
		p = zl_bundle_parse(bundle, fw->has_hooks ? &fw->hooks : NULL, &d);
		if (!p) {
			if (d.n)
				zl_diag_format(&d.msgs[0], err, errlen);
			else
				snprintf(err, errlen, "the policy does not parse");
			zl_diag_free(&d);
			return -1;
		}
		zl_diag_free(&d);
	}
	return kernel_put_policy(fw, p, n_rules, err, errlen);
}

static char *dump(const json_t *bundle)
{
	return json_dumps(bundle, JSON_COMPACT | JSON_SORT_KEYS);
}

static void set_in_force(struct zl_fw *fw, long long version, int state, const json_t *bundle)
{
	json_t *b = bundle ? json_deep_copy(bundle) : NULL;

	json_decref(fw->bundle);
	fw->bundle = b;
	fw->version = version;
	fw->state = state;
	fw->applied_us = wall_us();
	if (state == ST_CONFIRMED) {
		json_decref(fw->good_bundle);
		fw->good_bundle = b ? json_incref(b) : NULL;
		fw->good_version = version;
		fw->deadline.tv_sec = 0;
		fw->deadline_us = 0;
	}
}

/* The confirm timer ran out (lock held): back to the last good version. */
static void revert(struct zl_fw *fw, const char *who, const char *why)
{
	char err[512], detail[700];
	long long bad = fw->version;

	if (kernel_put(fw, fw->good_bundle, NULL, err, sizeof(err)) < 0) {
		snprintf(fw->last_error, sizeof(fw->last_error),
			 "reverting version %lld failed: %s", bad, err);
		zl_log_warnx("policy: %s", fw->last_error);
		snprintf(detail, sizeof(detail), "version %lld: %s; revert FAILED: %s", bad, why, err);
		zl_store_audit(fw->store, who, "policy revert", detail);
		/* try again in 10 s rather than leave the administrator out */
		clock_gettime(CLOCK_MONOTONIC, &fw->deadline);
		fw->deadline.tv_sec += 10;
		return;
	}
	zl_store_policy_set_state(fw->store, bad, ST_REVERTED);
	if (fw->good_version)
		snprintf(detail, sizeof(detail), "version %lld %s; version %lld restored", bad, why,
			 fw->good_version);
	else
		snprintf(detail, sizeof(detail), "version %lld %s; no policy before it: "
			 "table inet zhulan removed", bad, why);
	zl_log_info("policy: %s", detail);
	zl_store_audit(fw->store, who, "policy revert", detail);
	{
		json_t *good = fw->good_bundle ? json_incref(fw->good_bundle) : NULL;
		set_in_force(fw, fw->good_version, ST_CONFIRMED, good);
		json_decref(good);
	}
}

static void *timer_main(void *arg)
{
	struct zl_fw *fw = arg;

	pthread_mutex_lock(&fw->lock);
	while (!fw->stopping) {
		struct timespec now;

		if (!fw->deadline.tv_sec) {
			pthread_cond_wait(&fw->cond, &fw->lock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > fw->deadline.tv_sec ||
		    (now.tv_sec == fw->deadline.tv_sec && now.tv_nsec >= fw->deadline.tv_nsec)) {
			char why[80];
			snprintf(why, sizeof(why), "was not confirmed within %u s", fw->confirm_s);
			revert(fw, "zhulan (confirm timer)", why);
			continue;
		}
		pthread_cond_timedwait(&fw->cond, &fw->lock, &fw->deadline);
	}
	pthread_mutex_unlock(&fw->lock);
	return NULL;
}

void zl_fw_set_on_policy(struct zl_fw *fw, void (*fn)(const struct zl_policy *p, void *ud),
			 void *ud)
{
	fw->on_policy = fn;
	fw->on_policy_ud = ud;
}

struct zl_fw *zl_fw_new(struct zl_store *store, const struct zl_policy_hooks *hooks,
			char *err, size_t errlen)
{
	struct zl_fw *fw = calloc(1, sizeof(*fw));
	pthread_condattr_t ca;

	if (!fw) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fw->k = zl_kernel_open(err, errlen);
	if (!fw->k) {
		free(fw);
		return NULL;
	}
	fw->store = store;
	if (hooks) {
		fw->hooks = *hooks;
		fw->has_hooks = 1;
	}
	pthread_mutex_init(&fw->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&fw->cond, &ca);
	pthread_condattr_destroy(&ca);
	return fw;
}

void zl_fw_set_store(struct zl_fw *fw, struct zl_store *store)
{
	fw->store = store;
}

void zl_fw_set_behaviour(struct zl_fw *fw, struct zl_bh *bh)
{
	fw->bh = bh;
}

void zl_fw_start(struct zl_fw *fw, const json_t *initial)
{
	char err[512] = "", detail[700];
	int64_t ver = 0;
	int state = 0;
	json_t *list, *v;
	size_t i;
	char *text;

	pthread_mutex_lock(&fw->lock);
	/* a version still awaiting confirmation was never confirmed */
	list = zl_store_policy_list(fw->store, 100, err, sizeof(err));
	json_array_foreach(list, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "state")), "pending")) {
			long long pv = json_integer_value(json_object_get(v, "version"));
			zl_store_policy_set_state(fw->store, pv, ST_REVERTED);
			snprintf(detail, sizeof(detail), "version %lld was not confirmed before the "
				 "daemon restarted", pv);
			zl_store_audit(fw->store, "zhulan (start)", "policy revert", detail);
		}
	json_decref(list);
	text = zl_store_policy_text(fw->store, 0, &ver, &state, err, sizeof(err));
	if (text) {
		json_error_t je;
		json_t *b = json_loads(text, 0, &je);
		size_t n = 0;

		free(text);
		if (!b) {
			snprintf(fw->last_error, sizeof(fw->last_error),
				 "stored policy version %lld is not readable: %s", (long long)ver, je.text);
		} else if (kernel_put(fw, b, &n, err, sizeof(err)) < 0) {
			snprintf(fw->last_error, sizeof(fw->last_error),
				 "policy version %lld not applied at start: %s", (long long)ver, err);
		} else {
			set_in_force(fw, (long long)ver, ST_CONFIRMED, b);
			zl_log_info("policy: version %lld in force (%zu rules)", (long long)ver, n);
		}
		json_decref(b);
	} else if (err[0]) {
		snprintf(fw->last_error, sizeof(fw->last_error), "%s", err);
	} else if (initial) {
		size_t n = 0;
		if (kernel_put(fw, initial, &n, err, sizeof(err)) < 0) {
			snprintf(fw->last_error, sizeof(fw->last_error), "%s", err);
		} else {
			char *t = dump(initial);
			long long nv = t ? zl_store_policy_add(fw->store, "zhulan (start)",
				"the configured policy file at first start", t, ST_CONFIRMED,
				err, sizeof(err)) : -1;
			free(t);
			if (nv < 0)
				zl_log_warnx("policy: %s", err);
			set_in_force(fw, nv > 0 ? nv : 0, ST_CONFIRMED, initial);
			snprintf(detail, sizeof(detail), "version %lld from %s, %zu rules", nv,
				 json_string_value(json_object_get(initial, "name")), n);
			zl_store_audit(fw->store, "zhulan (start)", "policy apply", detail);
			zl_log_info("policy: %s", detail);
		}
	} else {
		zl_log_info("policy: none stored and none configured; the firewall is not managed "
			    "until `zhulanctl policy apply`");
	}
	if (fw->last_error[0])
		zl_log_warnx("policy: %s; the kernel keeps the rules it had", fw->last_error);
	if (pthread_create(&fw->timer, NULL, timer_main, fw) == 0)
		fw->timer_started = 1;
	pthread_mutex_unlock(&fw->lock);
}

void zl_fw_free(struct zl_fw *fw)
{
	if (!fw)
		return;
	pthread_mutex_lock(&fw->lock);
	fw->stopping = 1;
	pthread_cond_broadcast(&fw->cond);
	pthread_mutex_unlock(&fw->lock);
	if (fw->timer_started)
		pthread_join(fw->timer, NULL);
	zl_kernel_close(fw->k);
	zl_policy_free(fw->policy);
	json_decref(fw->bundle);
	json_decref(fw->good_bundle);
	pthread_cond_destroy(&fw->cond);
	pthread_mutex_destroy(&fw->lock);
	free(fw);
}

/* Apply a checked bundle and store it as a new version (lock held); p is
 * the bundle already parsed (taken over), or NULL to parse it here. */
static unsigned put_version(struct zl_fw *fw, const json_t *bundle, struct zl_policy *p,
			    const char *who, const char *comment, unsigned confirm_s,
			    const char *action, json_t **out)
{
	char err[1024], detail[1300];
	struct timespec t0, t1;
	size_t n = 0;
	long long nv;
	char *text;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((p ? kernel_put_policy(fw, p, &n, err, sizeof(err)) :
		 kernel_put(fw, bundle, &n, err, sizeof(err))) < 0) {
		snprintf(detail, sizeof(detail), "refused: %s", err);
		zl_store_audit(fw->store, who, action, detail);
		zl_log_warnx("policy: %s by %s: %s; the previous rules stay in force", action, who, err);
		*out = json_pack("{s:s, s:I}", "error", err, "in_force", (json_int_t)fw->version);
		return 409;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	text = dump(bundle);
	nv = text ? zl_store_policy_add(fw->store, who, comment, text,
					confirm_s ? ST_PENDING : ST_CONFIRMED, err, sizeof(err)) : -1;
	free(text);
	if (nv < 0) {
		/* not recorded means not applied: go back */
		char e2[512];
		if (kernel_put(fw, fw->bundle, NULL, e2, sizeof(e2)) < 0)
			zl_log_warnx("policy: restoring version %lld: %s", fw->version, e2);
		zl_store_audit(fw->store, who, action, err);
		return fail(out, 500, err);
	}
	set_in_force(fw, nv, confirm_s ? ST_PENDING : ST_CONFIRMED, bundle);
	if (confirm_s) {
		clock_gettime(CLOCK_MONOTONIC, &fw->deadline);
		fw->deadline.tv_sec += confirm_s;
		fw->deadline_us = wall_us() + (long long)confirm_s * 1000000;
		fw->confirm_s = confirm_s;
		pthread_cond_broadcast(&fw->cond);
	}
	fw->last_error[0] = 0;
	snprintf(detail, sizeof(detail), "version %lld, %zu rules%s%s%s", nv, n,
		 comment && *comment ? ": " : "", comment ? comment : "",
		 confirm_s ? " (awaiting confirmation)" : "");
	zl_store_audit(fw->store, who, action, detail);
	zl_log_info("policy: %s by %s: %s", action, who, detail);
	*out = json_pack("{s:I, s:s, s:I, s:f}", "version", (json_int_t)nv,
			 "state", confirm_s ? "pending" : "confirmed", "rules", (json_int_t)n,
			 "apply_ms", (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
				     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (confirm_s)
		json_object_set_new(*out, "confirm_by", rfc3339(fw->deadline_us));
	return 200;
}

unsigned zl_fw_apply(struct zl_fw *fw, const json_t *bundle, const char *who,
		     const char *comment, unsigned confirm_s, json_t **out)
{
	struct zl_policy *p;
	unsigned status = 200;

	pthread_mutex_lock(&fw->lock);
	if (fw->state == ST_PENDING && fw->version) {
		char msg[200];
		snprintf(msg, sizeof(msg), "version %lld is awaiting confirmation: "
			 "`zhulanctl policy confirm` or `policy rollback` first", fw->version);
		pthread_mutex_unlock(&fw->lock);
		return fail(out, 409, msg);
	}
	p = parse(fw, bundle, out, &status);
	if (!p) {
		char detail[1100];
		snprintf(detail, sizeof(detail), "rejected: %s",
			 json_string_value(json_object_get(*out, "error")));
		zl_store_audit(fw->store, who, "policy apply", detail);
		pthread_mutex_unlock(&fw->lock);
		return status;
	}
	status = put_version(fw, bundle, p, who, comment, confirm_s, "policy apply", out);
	pthread_mutex_unlock(&fw->lock);
	return status;
}

unsigned zl_fw_confirm(struct zl_fw *fw, const char *who, json_t **out)
{
	char detail[200];
	long long v;
	int rc;

	pthread_mutex_lock(&fw->lock);
	if (fw->state != ST_PENDING || !fw->version) {
		pthread_mutex_unlock(&fw->lock);
		return fail(out, 409, "no policy version is awaiting confirmation");
	}
	v = fw->version;
	/* Not stored, not confirmed: a restart would take the version back.
	 * It stays pending, and the confirm timer still runs. */
	if ((rc = zl_store_policy_set_state(fw->store, v, ST_CONFIRMED)) < 0) {
		snprintf(detail, sizeof(detail), "version %lld: the database did not take the "
			 "confirmation (%s); it is still pending: confirm again", v, strerror(-rc));
		pthread_mutex_unlock(&fw->lock);
		return fail(out, 500, detail);
	}
	{
		json_t *b = json_incref(fw->bundle);
		set_in_force(fw, v, ST_CONFIRMED, b);
		json_decref(b);
	}
	pthread_cond_broadcast(&fw->cond);
	snprintf(detail, sizeof(detail), "version %lld", v);
	zl_store_audit(fw->store, who, "policy confirm", detail);
	pthread_mutex_unlock(&fw->lock);
	*out = json_pack("{s:I, s:s}", "version", (json_int_t)v, "state", "confirmed");
	return 200;
}

unsigned zl_fw_rollback(struct zl_fw *fw, long long version, const char *who, json_t **out)
{
	char err[512], comment[100];
	json_t *b;
	unsigned status;
	char *text;

	pthread_mutex_lock(&fw->lock);
	if (!version && fw->state == ST_PENDING && fw->version) {
		/* what the timer would do, now */
		long long bad = fw->version;
		revert(fw, who, "rolled back before confirmation");
		pthread_mutex_unlock(&fw->lock);
		if (fw->version == bad)
			return fail(out, 409, fw->last_error);
		*out = json_pack("{s:I, s:s}", "version", (json_int_t)fw->version, "state",
				 "confirmed");
		return 200;
	}
	if (fw->state == ST_PENDING && fw->version) {
		pthread_mutex_unlock(&fw->lock);
		return fail(out, 409, "a version is awaiting confirmation: confirm it, or "
			    "`zhulanctl policy rollback` without a version to drop it");
	}
	if (!version) {
		/* the newest confirmed version before the one in force */
		json_t *list = zl_store_policy_list(fw->store, 1000, err, sizeof(err)), *v;
		size_t i;
		json_array_foreach(list, i, v) {
			long long n = json_integer_value(json_object_get(v, "version"));
			if (n < fw->version &&
			    !strcmp(json_string_value(json_object_get(v, "state")), "confirmed")) {
				version = n;
				break;
			}
		}
		json_decref(list);
		if (!version) {
			pthread_mutex_unlock(&fw->lock);
			return fail(out, 404, "no earlier confirmed version to go back to");
		}
	}
	text = zl_store_policy_text(fw->store, version, NULL, NULL, err, sizeof(err));
	if (!text) {
		pthread_mutex_unlock(&fw->lock);
		return fail(out, 404, err);
	}
	b = json_loads(text, 0, NULL);
	free(text);
	if (!b) {
		pthread_mutex_unlock(&fw->lock);
		return fail(out, 500, "the stored version is not readable");
	}
	snprintf(comment, sizeof(comment), "rollback to version %lld", version);
	status = put_version(fw, b, NULL, who, comment, 0, "policy rollback", out);
	json_decref(b);
	pthread_mutex_unlock(&fw->lock);
	return status;
}

/* ---- diff ---- */

struct rules_text {
	char **text;
	const struct zl_flat_rule **fr;
	size_t n;
};

static void chain_text(const struct zl_flat_chain *c, struct rules_text *t)
{
	size_t i;

	t->n = c ? c->n : 0;
	t->text = calloc(t->n ? t->n : 1, sizeof(*t->text));
	t->fr = calloc(t->n ? t->n : 1, sizeof(*t->fr));
	for (i = 0; i < t->n && t->text && t->fr; i++) {
		t->text[i] = zl_flat_rule_nft(&c->rules[i]);
		t->fr[i] = &c->rules[i];
	}
}

static void chain_text_free(struct rules_text *t)
{
	size_t i;

	for (i = 0; t->text && i < t->n; i++)
		free(t->text[i]);
	free(t->text);
	free(t->fr);
}

static json_t *rule_change(const char *chain, const char *op, const struct rules_text *t, size_t i)
{
	const struct zl_loc *l = &t->fr[i]->src->loc;
	const char *base = strrchr(l->file, '/');
	char at[300];

	snprintf(at, sizeof(at), "%s:%d", base ? base + 1 : l->file, l->line);
	return json_pack("{s:s, s:s, s:s, s:s}", "chain", chain, "op", op, "rule",
			 t->text[i] ? t->text[i] : "?", "line", at);
}

/* The rules of one chain, old against new, in order (LCS). */
static void diff_chain(const char *chain, const struct zl_flat_chain *oc,
		       const struct zl_flat_chain *nc, json_t *out)
{
	struct rules_text a, b;
	size_t i, j, n, m;
	unsigned *L;

	chain_text(oc, &a);
	chain_text(nc, &b);
	n = a.n;
	m = b.n;
	L = calloc((n + 1) * (m + 1), sizeof(*L));
	if (L && a.text && b.text) {
		for (i = n; i-- > 0;)
			for (j = m; j-- > 0;)
				L[i * (m + 1) + j] = a.text[i] && b.text[j] && !strcmp(a.text[i], b.text[j]) ?
					L[(i + 1) * (m + 1) + j + 1] + 1 :
					(L[(i + 1) * (m + 1) + j] > L[i * (m + 1) + j + 1] ?
						 L[(i + 1) * (m + 1) + j] : L[i * (m + 1) + j + 1]);
		for (i = 0, j = 0; i < n || j < m;) {
			if (i < n && j < m && a.text[i] && b.text[j] && !strcmp(a.text[i], b.text[j])) {
				i++;
				j++;
			} else if (j < m && (i == n || L[i * (m + 1) + j + 1] >= L[(i + 1) * (m + 1) + j])) {
				json_array_append_new(out, rule_change(chain, "+", &b, j++));
			} else {
				json_array_append_new(out, rule_change(chain, "-", &a, i++));
			}
		}
	}
	free(L);
	chain_text_free(&a);
	chain_text_free(&b);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **set_items(const struct zl_set *s, size_t *n)
{
	size_t i, k = 0, total = s ? s->n_v4 + s->n_v6 : 0;
	char **v = calloc(total ? total : 1, sizeof(*v));

	for (i = 0; v && i < total; i++) {
		const struct zl_prefix *p = i < s->n_v4 ? &s->v4[i] : &s->v6[i - s->n_v4];
		char buf[64];
		zl_prefix_format(p, buf, sizeof(buf));
		if ((v[k] = strdup(buf)))
			k++;
	}
	if (v)
		qsort(v, k, sizeof(*v), str_cmp);
	*n = k;
	return v;
}

static const struct zl_set *find_set(const struct zl_policy *p, const char *name)
{
	size_t i;

	for (i = 0; p && i < p->n_sets; i++)
		if (!strcmp(p->sets[i].name, name))
			return &p->sets[i];
	return NULL;
}

static void diff_set(const char *name, const struct zl_set *os, const struct zl_set *ns,
		     json_t *out)
{
	size_t na, nb, i = 0, j = 0;
	char **a = set_items(os, &na), **b = set_items(ns, &nb);
	json_t *add = json_array(), *del = json_array();
	size_t n_add = 0, n_del = 0;

	while (a && b && (i < na || j < nb)) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			if (n_del++ < 1000)
				json_array_append_new(del, json_string(a[i]));
			i++;
		} else {
			if (n_add++ < 1000)
				json_array_append_new(add, json_string(b[j]));
			j++;
		}
	}
	if (n_add || n_del || !os || !ns)
		json_array_append_new(out, json_pack("{s:s, s:s, s:I, s:I, s:o, s:o}", "set", name,
			"change", !os ? "added" : !ns ? "removed" : "changed",
			"added", (json_int_t)n_add, "removed", (json_int_t)n_del,
			"add", add, "remove", del));
	else {
		json_decref(add);
		json_decref(del);
	}
	for (i = 0; a && i < na; i++)
		free(a[i]);
	for (j = 0; b && j < nb; j++)
		free(b[j]);
	free(a);
	free(b);
}

static const struct zl_flat_chain *find_chain(const struct zl_flat *f, enum zl_hook h)
{
	size_t i;

	for (i = 0; f && i < f->n_chains; i++)
		if (f->chains[i].filter->hook == h)
			return &f->chains[i];
	return NULL;
}

unsigned zl_fw_diff(struct zl_fw *fw, const json_t *bundle, json_t **out)
{
	struct zl_policy *np, *op = NULL;
	struct zl_flat *nf, *of = NULL;
	json_t *rules, *sets, *chains;
	unsigned status = 200;
	long long against;
	size_t i;
	int h;

	pthread_mutex_lock(&fw->lock);
	np = parse(fw, bundle, out, &status);
	if (!np) {
		pthread_mutex_unlock(&fw->lock);
		return status;
	}
	if (fw->bundle) {
		struct zl_diag d;
		zl_diag_init(&d);
		op = zl_bundle_parse(fw->bundle, NULL, &d);
		zl_diag_free(&d);
	}
	against = fw->version;
	pthread_mutex_unlock(&fw->lock);
	nf = zl_flat_new(np);
	of = op ? zl_flat_new(op) : NULL;
	rules = json_array();
	sets = json_array();
	chains = json_array();
	for (h = ZL_FORWARD; h <= ZL_OUTPUT; h++) {
		const struct zl_flat_chain *oc = find_chain(of, (enum zl_hook)h);
		const struct zl_flat_chain *nc = find_chain(nf, (enum zl_hook)h);
		const char *name = zl_hook_name((enum zl_hook)h);

		if (!oc && !nc)
			continue;
		if (!oc || !nc || oc->filter->policy != nc->filter->policy)
			json_array_append_new(chains, json_pack("{s:s, s:s, s:s}", "chain", name,
				"from", oc ? (oc->filter->policy == ZL_PASS ? "accept" : "drop") : "none",
				"to", nc ? (nc->filter->policy == ZL_PASS ? "accept" : "drop") : "none"));
		diff_chain(name, oc, nc, rules);
	}
	for (i = 0; op && i < op->n_sets; i++)
		diff_set(op->sets[i].name, &op->sets[i], find_set(np, op->sets[i].name), sets);
	for (i = 0; i < np->n_sets; i++)
		if (!find_set(op, np->sets[i].name))
			diff_set(np->sets[i].name, NULL, &np->sets[i], sets);
	*out = json_pack("{s:I, s:o, s:o, s:o}", "against", (json_int_t)against, "chains", chains,
			 "rules", rules, "sets", sets);
	zl_flat_free(nf);
	zl_flat_free(of);
	zl_policy_free(np);
	zl_policy_free(op);
	return 200;
}

/* ---- reading back ---- */

struct show {
	json_t *rules;
	const char *text;      /* the policy in force, for its source lines */
};

static json_t *source_line(const char *text, const char *comment)
{
	const char *colon = comment ? strrchr(comment, ':') : NULL;
	long line = colon ? strtol(colon + 1, NULL, 10) : 0;
	const char *s = text, *e;

	if (!text || line < 1)
		return json_null();
	while (--line > 0 && s)
		if ((s = strchr(s, '\n')))
			s++;
	if (!s)
		return json_null();
	while (*s == ' ' || *s == '\t')
		s++;
	e = strchr(s, '\n');
	return json_stringn(s, e ? (size_t)(e - s) : strlen(s));
}

static void show_rule(const struct zl_kernel_rule *r, void *ud)
{
	struct show *sh = ud;
	json_t *o = json_pack("{s:s, s:I}", "chain", r->chain ? r->chain : "?", "handle",
			      (json_int_t)r->handle);

	json_object_set_new(o, "line", r->comment ? json_string(r->comment) : json_null());
	json_object_set_new(o, "source", source_line(sh->text, r->comment));
	if (r->has_counter) {
		json_object_set_new(o, "packets", json_integer((json_int_t)r->packets));
		json_object_set_new(o, "bytes", json_integer((json_int_t)r->bytes));
	}
	json_array_append_new(sh->rules, o);
}

unsigned zl_fw_show(struct zl_fw *fw, json_t **out)
{
	struct show sh;
	char err[512];
	int n;

	pthread_mutex_lock(&fw->lock);
	sh.rules = json_array();
	sh.text = fw->bundle ? json_string_value(json_object_get(fw->bundle, "text")) : NULL;
	n = zl_kernel_rules(fw->k, show_rule, &sh, err, sizeof(err));
	if (n < 0) {
		pthread_mutex_unlock(&fw->lock);
		json_decref(sh.rules);
		return fail(out, 500, err);
	}
	*out = status_json(fw);
	json_object_set_new(*out, "table", json_boolean(n > 0 || zl_kernel_table_exists(fw->k, err, sizeof(err)) > 0));
	json_object_set_new(*out, "rules", sh.rules);
	json_object_set_new(*out, "name", fw->bundle ? json_incref(json_object_get(fw->bundle, "name")) : json_null());
	json_object_set_new(*out, "text", fw->bundle ? json_incref(json_object_get(fw->bundle, "text")) : json_null());
	pthread_mutex_unlock(&fw->lock);
	return 200;
}

unsigned zl_fw_history(struct zl_fw *fw, unsigned limit, json_t **out)
{
	char err[512];
	json_t *l = zl_store_policy_list(fw->store, limit, err, sizeof(err));

	if (!l)
		return fail(out, 500, err);
	*out = json_pack("{s:o}", "versions", l);
	return 200;
}

unsigned zl_fw_version(struct zl_fw *fw, long long version, json_t **out)
{
	char err[512] = "";
	int64_t found = 0;
	int state = 0;
	char *text = zl_store_policy_text(fw->store, version, &found, &state, err, sizeof(err));
	json_t *b;

	if (!text)
		return fail(out, 404, err[0] ? err : "no such version");
	b = json_loads(text, 0, NULL);
	free(text);
	if (!b)
		return fail(out, 500, "the stored version is not readable");
	*out = json_pack("{s:I, s:o}", "version", (json_int_t)found, "bundle", b);
	return 200;
}

json_t *zl_fw_status(struct zl_fw *fw)
{
	json_t *o;

	pthread_mutex_lock(&fw->lock);
	o = status_json(fw);
	pthread_mutex_unlock(&fw->lock);
	return o;
}

static json_t *status_json(struct zl_fw *fw)
{
	json_t *o;

	o = json_pack("{s:I, s:s}", "version", (json_int_t)fw->version, "state",
		      !fw->version ? "none" : fw->state == ST_PENDING ? "pending" : "confirmed");
	json_object_set_new(o, "confirm_by", fw->state == ST_PENDING && fw->version ?
			    rfc3339(fw->deadline_us) : json_null());
	json_object_set_new(o, "applied", fw->applied_us ? rfc3339(fw->applied_us) : json_null());
	json_object_set_new(o, "last_error", fw->last_error[0] ? json_string(fw->last_error) :
							      json_null());
	return o;
}
