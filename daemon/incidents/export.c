/*
 * export.c - the exporter's thread and its targets (export.h).
 *
 * Each target is a ring of JSON texts; the thread sends the head of each
 * ring in turn. A failure leaves the record at the head and pauses that
 * target (1 s doubling to 30 s); the retry counts. Sockets and files are
 * opened as needed and closed on error, so a receiver that comes back is
 * found again; the JSON-lines file is opened for each batch, so a rotated
 * file is followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <gnutls/gnutls.h>

#include "export.h"
#include "incident.h"
#include "log.h"

#define MAX_TARGETS 8
#define DEFAULT_QUEUE 4096
#define IO_TIMEOUT_MS 3000
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 30000

enum kind { T_UDP, T_TCP, T_TLS, T_JSONL, T_WEBHOOK };
static const char *const kind_names[] = { "syslog-udp", "syslog-tcp", "syslog-tls", "jsonl",
					  "webhook" };
enum fmt { F_JSON, F_DINGTALK, F_WECOM };

struct target {
	enum kind kind;
	char *name;                    /* as configured */
	char host[256], port[8];
	int fd;
	gnutls_session_t tls;          /* T_TLS while connected */
	char **ring;                   /* syslog: the JSON; webhook: the body */
	int *sev;
	unsigned head, count;
	uint64_t sent, retried, dropped;
	int up;                        /* the last try worked (1 before any) */
	int64_t next_try_ms;
	unsigned backoff_ms;
	char last_error[200];
};

struct zl_export {
	struct target t[MAX_TARGETS];
	int n;
	unsigned cap;
	enum fmt fmt;
	int webhook_sev;
	char hostname[128];
	CURL *curl;
	gnutls_certificate_credentials_t cred;  /* TLS receivers' trust */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int stop, started;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "udp://HOST:PORT" or "tcp://[V6]:PORT" into t. */
static int parse_syslog(const char *s, struct target *t, char *err, size_t errlen)
{
	const char *h, *c;
	size_t hl;

	if (!strncmp(s, "udp://", 6))
		t->kind = T_UDP;
	else if (!strncmp(s, "tcp://", 6))
		t->kind = T_TCP;
	else if (!strncmp(s, "tls://", 6))
		t->kind = T_TLS;
	else
		goto bad;
	h = s + 6;
	if (*h == '[') {
		if (!(c = strchr(h, ']')) || c[1] != ':')
			goto bad;
		hl = (size_t)(c - h - 1);
		h++;
		c++;
	} else {
		if (!(c = strrchr(h, ':')))
			goto bad;
		hl = (size_t)(c - h);
	}
	if (!hl || hl >= sizeof(t->host) || strlen(c + 1) >= sizeof(t->port) || !c[1] ||
	    strspn(c + 1, "0123456789") != strlen(c + 1))
		goto bad;
	memcpy(t->host, h, hl);
	t->host[hl] = 0;
	snprintf(t->port, sizeof(t->port), "%s", c + 1);
	return 0;
bad:
	snprintf(err, errlen, "incident_syslog: \"%s\": expected udp://HOST:PORT, "
		 "tcp://HOST:PORT or tls://HOST:PORT", s);
	return -1;
}

static struct target *add_target(struct zl_export *x, enum kind k, const char *name)
{
	struct target *t = &x->t[x->n];

	t->kind = k;
	t->fd = -1;
	t->up = 1;
	t->backoff_ms = BACKOFF_MIN_MS;
	t->name = strdup(name);
	t->ring = calloc(x->cap, sizeof(*t->ring));
	t->sev = calloc(x->cap, sizeof(*t->sev));
	if (!t->name || !t->ring || !t->sev)
		return NULL;
	x->n++;
	return t;
}

static int add_syslogs(struct zl_export *x, const char *list, char *err, size_t errlen)
{
	char *copy = strdup(list), *tok, *save = NULL, *e;
	struct target tmp;
	int rc = 0;

	for (tok = strtok_r(copy, ",", &save); copy && tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		for (e = tok + strlen(tok); e > tok && (e[-1] == ' ' || e[-1] == '\t'); )
			*--e = 0;
		memset(&tmp, 0, sizeof(tmp));
		if (parse_syslog(tok, &tmp, err, errlen) < 0 || x->n == MAX_TARGETS - 2) {
			if (!err[0])
				snprintf(err, errlen, "incident_syslog: at most %d receivers",
					 MAX_TARGETS - 2);
			rc = -1;
			break;
		}
		struct target *t = add_target(x, tmp.kind, tok);
		if (!t) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		memcpy(t->host, tmp.host, sizeof(t->host));
		memcpy(t->port, tmp.port, sizeof(t->port));
	}
	free(copy);
	return rc;
}

/* ------------------------------------------------------------ sending */

static void close_fd(struct target *t)
{
	if (t->tls) {
		gnutls_deinit(t->tls);
		t->tls = NULL;
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/*
 * RFC 5425: TLS over the connected socket t->fd, the receiver's
 * certificate checked against the trust (incident_syslog_ca, or the
 * system's) and the host name or address in the target. The socket is
 * made blocking with IO_TIMEOUT_MS timeouts for the session's life.
 */
static int tls_start(struct zl_export *x, struct target *t, char *err, size_t errlen)
{
	struct timeval tv = { IO_TIMEOUT_MS / 1000, 0 };
	unsigned status;
	gnutls_datum_t out;
	int rc;

	fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(t->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if ((rc = gnutls_init(&t->tls, GNUTLS_CLIENT)) < 0 ||
	    (rc = gnutls_set_default_priority(t->tls)) < 0 ||
	    (rc = gnutls_credentials_set(t->tls, GNUTLS_CRD_CERTIFICATE, x->cred)) < 0) {
		snprintf(err, errlen, "TLS: %s", gnutls_strerror(rc));
		return -1;
	}
	if (!strchr(t->host, ':') && strspn(t->host, "0123456789.") != strlen(t->host))
		gnutls_server_name_set(t->tls, GNUTLS_NAME_DNS, t->host, strlen(t->host));
	gnutls_session_set_verify_cert(t->tls, t->host, 0);
	gnutls_transport_set_int(t->tls, t->fd);
	gnutls_handshake_set_timeout(t->tls, IO_TIMEOUT_MS);
	do
		rc = gnutls_handshake(t->tls);
	while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		status = gnutls_session_get_verify_cert_status(t->tls);
		if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out,
								 0) == 0) {
			snprintf(err, errlen, "TLS: %s", out.data);
			gnutls_free(out.data);
			return -1;
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "TLS handshake: %s", gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

static int tls_write_all(gnutls_session_t s, const char *buf, size_t len, char *err,
			 size_t errlen)
{
	ssize_t n;

	while (len) {
		n = gnutls_record_send(s, buf, len);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "TLS send: %s", gnutls_strerror((int)n));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A socket connected to the target, within IO_TIMEOUT_MS. */
static int connect_to(struct target *t, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	int fd = -1, rc, soerr;
	socklen_t sl = sizeof(soerr);
	struct pollfd p;

	hints.ai_socktype = t->kind == T_UDP ? SOCK_DGRAM : SOCK_STREAM;
	if ((rc = getaddrinfo(t->host, t->port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%.100s: %s", t->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (rc < 0 && errno == EINPROGRESS) {
			p = (struct pollfd){ fd, POLLOUT, 0 };
			rc = poll(&p, 1, IO_TIMEOUT_MS) == 1 &&
			     getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && !soerr ? 0 : -1;
			if (rc < 0)
				errno = soerr ? soerr : ETIMEDOUT;
		}
		if (rc == 0)
			break;
		snprintf(err, errlen, "connect: %s", strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int write_all(int fd, const char *buf, size_t len, char *err, size_t errlen)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (poll(&p, 1, IO_TIMEOUT_MS) != 1) {
				snprintf(err, errlen, "send: timed out");
				return -1;
			}
			continue;
		}
		if (n < 0) {
			snprintf(err, errlen, "send: %s", strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* RFC 5424: facility local0, severity from the incident's. */
static int syslog_severity(int sev)
{
	return sev >= ZL_SEV_CRITICAL ? 2 : sev == ZL_SEV_HIGH ? 3 : sev == ZL_SEV_MEDIUM ? 4 :
	       sev == ZL_SEV_LOW ? 5 : 6;
}

static int send_syslog(struct zl_export *x, struct target *t, const char *json, int sev,
		       char *err, size_t errlen)
{
	char ts[40], head[400], *msg = NULL, *frame = NULL;
	struct timespec now;
	struct tm tm;
	int len, flen, rc;

	clock_gettime(CLOCK_REALTIME, &now);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", gmtime_r(&now.tv_sec, &tm));
	snprintf(head, sizeof(head), "<%d>1 %s.%06ldZ %s zhulan %ld incident - ",
		 16 * 8 + syslog_severity(sev), ts, now.tv_nsec / 1000, x->hostname, (long)getpid());
	if ((len = asprintf(&msg, "%s%s", head, json)) < 0)
		return -1;
	if (t->fd < 0 && ((t->fd = connect_to(t, err, errlen)) < 0 ||
			  (t->kind == T_TLS && tls_start(x, t, err, errlen) < 0))) {
		close_fd(t);
		free(msg);
		return -1;
	}
	if (t->kind == T_UDP) {
		rc = send(t->fd, msg, (size_t)len, MSG_NOSIGNAL) == len ? 0 : -1;
		if (rc < 0)
			snprintf(err, errlen, "send: %s", strerror(errno));
	} else {
		/* RFC 6587 octet counting (RFC 5425's framing too): "LEN SP MSG" */
		flen = asprintf(&frame, "%d %s", len, msg);
		rc = flen < 0 ? -1 : t->tls ? tls_write_all(t->tls, frame, (size_t)flen, err, errlen) :
		     write_all(t->fd, frame, (size_t)flen, err, errlen);
		free(frame);
	}
	free(msg);
	if (rc < 0)
		close_fd(t);
	return rc;
}

static int send_jsonl(struct target *t, const char *json, char *err, size_t errlen)
{
	int fd = open(t->name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640), rc;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", t->name, strerror(errno));
		return -1;
	}
	rc = dprintf(fd, "%s\n", json) < 0 ? -1 : 0;
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", t->name, strerror(errno));
	if (close(fd) < 0 && !rc) {
		snprintf(err, errlen, "%s: %s", t->name, strerror(errno));
		rc = -1;
	}
	return rc;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static int send_webhook(struct zl_export *x, struct target *t, const char *body, char *err,
			size_t errlen)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	long code = 0;
	CURLcode rc;

	if (!x->curl && !(x->curl = curl_easy_init())) {
		curl_slist_free_all(h);
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	curl_easy_reset(x->curl);
	curl_easy_setopt(x->curl, CURLOPT_URL, t->name);
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(x->curl, CURLOPT_TIMEOUT_MS, (long)IO_TIMEOUT_MS * 2);
	curl_easy_setopt(x->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)IO_TIMEOUT_MS);
	curl_easy_setopt(x->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->curl, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(x->curl);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299) {
		snprintf(err, errlen, "HTTP %ld", code);
		return -1;
	}
	return 0;
}

/* Try the head record of t (lock not held while sending). */
static void try_target(struct zl_export *x, struct target *t)
{
	char err[200] = "", *rec;
	int sev, rc;

	pthread_mutex_lock(&x->lock);
	rec = t->count ? t->ring[t->head] : NULL;
	sev = t->count ? t->sev[t->head] : 0;
	pthread_mutex_unlock(&x->lock);
	if (!rec)
		return;
	rc = t->kind == T_JSONL ? send_jsonl(t, rec, err, sizeof(err)) :
	     t->kind == T_WEBHOOK ? send_webhook(x, t, rec, err, sizeof(err)) :
	     send_syslog(x, t, rec, sev, err, sizeof(err));
	pthread_mutex_lock(&x->lock);
	if (rc == 0) {
		free(t->ring[t->head]);
		t->ring[t->head] = NULL;
		t->head = (t->head + 1) % x->cap;
		t->count--;
		t->sent++;
		if (!t->up)
			zl_log_info("incidents: %s %s: sending again", kind_names[t->kind], t->name);
		t->up = 1;
		t->backoff_ms = BACKOFF_MIN_MS;
	} else {
		t->retried++;
		if (t->up || strcmp(err, t->last_error))
			zl_log_warnx("incidents: %s %s: %s; records wait and are sent again",
				     kind_names[t->kind], t->name, err);
		snprintf(t->last_error, sizeof(t->last_error), "%s", err);
		t->up = 0;
		t->next_try_ms = mono_ms() + t->backoff_ms;
		t->backoff_ms = t->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : t->backoff_ms * 2;
	}
	pthread_mutex_unlock(&x->lock);
}

static void *run(void *arg)
{
	struct zl_export *x = arg;
	int i, busy, stop = 0;

	for (;;) {
		struct timespec ts;
		int64_t now = mono_ms();

		busy = 0;
		for (i = 0; i < x->n; i++) {
			pthread_mutex_lock(&x->lock);
			stop = x->stop;
			busy |= x->t[i].count && x->t[i].next_try_ms <= now;
			pthread_mutex_unlock(&x->lock);
			if (x->t[i].next_try_ms <= now)
				try_target(x, &x->t[i]);
		}
		pthread_mutex_lock(&x->lock);
		if (x->stop && (stop || !busy)) {
			pthread_mutex_unlock(&x->lock);
			break;     /* one last round was made after the stop */
		}
		if (!busy && !x->stop) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 250 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&x->cond, &x->lock, &ts);
		}
		pthread_mutex_unlock(&x->lock);
	}
	return NULL;
}

/* The trust for TLS receivers (when there is one): the CA file, or the system's. */
static int tls_trust(struct zl_export *x, const char *ca, char *err, size_t errlen)
{
	int i, rc;

	for (i = 0; i < x->n && x->t[i].kind != T_TLS; i++)
		;
	if (i == x->n)
		return 0;
	if ((rc = gnutls_certificate_allocate_credentials(&x->cred)) < 0) {
		snprintf(err, errlen, "TLS: %s", gnutls_strerror(rc));
		return -1;
	}
	rc = ca && *ca ? gnutls_certificate_set_x509_trust_file(x->cred, ca, GNUTLS_X509_FMT_PEM) :
	     gnutls_certificate_set_x509_system_trust(x->cred);
	if (rc <= 0) {
		snprintf(err, errlen, "incident_syslog_ca: %s: %s", ca && *ca ? ca : "the system's trust",
			 rc < 0 ? gnutls_strerror(rc) : "no certificate in it");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- the API */

struct zl_export *zl_export_new(const struct zl_export_opts *o, char *err, size_t errlen)
{
	struct zl_export *x = calloc(1, sizeof(*x));
	const char *f = o->webhook_format;

	err[0] = 0;
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->cap = o->queue_len ? o->queue_len : DEFAULT_QUEUE;
	x->webhook_sev = o->webhook_severity ? o->webhook_severity : ZL_SEV_HIGH;
	x->fmt = !f || !strcmp(f, "json") ? F_JSON : !strcmp(f, "dingtalk") ? F_DINGTALK :
		 !strcmp(f, "wecom") ? F_WECOM : (enum fmt)-1;
	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->cond, NULL);
	if (gethostname(x->hostname, sizeof(x->hostname) - 1) < 0 || !x->hostname[0])
		snprintf(x->hostname, sizeof(x->hostname), "-");
	if ((int)x->fmt < 0)
		snprintf(err, errlen, "incident_webhook_format: expected json, dingtalk or wecom");
	else if (o->syslog && *o->syslog)
		add_syslogs(x, o->syslog, err, errlen);
	if (!err[0])
		tls_trust(x, o->syslog_ca, err, errlen);
	if (!err[0] && o->jsonl && *o->jsonl && !add_target(x, T_JSONL, o->jsonl))
		snprintf(err, errlen, "out of memory");
	if (!err[0] && o->webhook && *o->webhook && !add_target(x, T_WEBHOOK, o->webhook))
		snprintf(err, errlen, "out of memory");
	if (!err[0] && x->n && pthread_create(&x->thread, NULL, run, x) != 0)
		snprintf(err, errlen, "cannot start the export thread");
	if (err[0]) {
		zl_export_free(x);
		return NULL;
	}
	x->started = x->n > 0;
	return x;
}

void zl_export_free(struct zl_export *x)
{
	int i;
	unsigned k;

	if (!x)
		return;
	if (x->started) {
		pthread_mutex_lock(&x->lock);
		x->stop = 1;
		pthread_cond_signal(&x->cond);
		pthread_mutex_unlock(&x->lock);
		pthread_join(x->thread, NULL);
	}
	for (i = 0; i < x->n; i++) {
		for (k = 0; x->t[i].ring && k < x->cap; k++)
			free(x->t[i].ring[k]);
		free(x->t[i].ring);
		free(x->t[i].sev);
		free(x->t[i].name);
		close_fd(&x->t[i]);
	}
	if (x->curl)
		curl_easy_cleanup(x->curl);
	if (x->cred)
		gnutls_certificate_free_credentials(x->cred);
	pthread_mutex_destroy(&x->lock);
	pthread_cond_destroy(&x->cond);
	free(x);
}

/* A group robot's text message: the severity, the sentence and the id. */
static char *robot_body(const json_t *rec)
{
	json_t *msg = json_object_get(rec, "message"), *b;
	char *text = NULL, *out;

	if (asprintf(&text, "[Zhulan 安全事件 #%lld] %s %s: %s\n%s",
		     (long long)json_integer_value(json_object_get(rec, "id")),
		     json_string_value(json_object_get(rec, "severity")),
		     json_string_value(json_object_get(rec, "type")),
		     json_string_value(json_object_get(msg, "zh")),
		     json_string_value(json_object_get(msg, "en"))) < 0)
		return NULL;
	b = json_pack("{s:s, s:{s:s}}", "msgtype", "text", "text", "content", text);
	free(text);
	out = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	return out;
}

void zl_export_put(struct zl_export *x, const json_t *record, int severity, int alert)
{
	char *json, *body;
	int i;

	if (!x || !x->n || !(json = json_dumps(record, JSON_COMPACT)))
		return;
	pthread_mutex_lock(&x->lock);
	for (i = 0; i < x->n; i++) {
		struct target *t = &x->t[i];
		if (t->kind == T_WEBHOOK && (!alert || severity < x->webhook_sev))
			continue;
		if (t->count == x->cap) {
			t->dropped++;
			continue;
		}
		body = t->kind != T_WEBHOOK || x->fmt == F_JSON ? strdup(json) : robot_body(record);
		if (!body) {
			t->dropped++;
			continue;
		}
		t->ring[(t->head + t->count) % x->cap] = body;
		t->sev[(t->head + t->count) % x->cap] = severity;
		t->count++;
	}
	pthread_cond_signal(&x->cond);
	pthread_mutex_unlock(&x->lock);
	free(json);
}

json_t *zl_export_status(struct zl_export *x)
{
	json_t *a = json_array();
	int i;

	pthread_mutex_lock(&x->lock);
	for (i = 0; i < x->n; i++) {
		struct target *t = &x->t[i];
		/* a robot's URL carries its access token in the query: not shown */
		int cut = (int)strcspn(t->name, "?");
		char name[300];

		snprintf(name, sizeof(name), "%.*s%s", cut, t->name, t->name[cut] ? "?..." : "");
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:s?}",
			"target", name, "kind", kind_names[t->kind],
			"sent", (json_int_t)t->sent, "retried", (json_int_t)t->retried,
			"dropped", (json_int_t)t->dropped, "pending", (json_int_t)t->count,
			"up", t->up, "last_error", t->last_error[0] ? t->last_error : NULL));
	}
	pthread_mutex_unlock(&x->lock);
	return a;
}
