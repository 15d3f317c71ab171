/*
 * proxy.c - requests to the control socket.
 *
 * A curl multi handle per request lets the caller stop once the headers
 * are in and pull the body later, piece by piece, from libmicrohttpd's
 * content reader. Each request is used by one connection's thread only.
 */
#include <errno.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "proxy.h"

#define MAX_WHOLE (64u << 20)  /* a body read whole: 64 MB at most */
#define SLOT_WAIT_S 30           /* the longest a request waits for a slot */

/*
 * Requests to the daemon at the same time. Its socket's backlog is 64 and
 * it answers one request at a time; 200 browsers polling at once would
 * otherwise find the backlog full (a unix socket refuses a connect then,
 * it does not wait). Waiting here costs nothing: each connection has its
 * own thread.
 */
static sem_t slots;

struct zlw_upstream {
	CURLM *m;
	CURL *e;
	struct curl_slist *hdrs;
	char *reqbody;
	char *buf;               /* body bytes not yet read: buf[off..n) */
	size_t n, off, cap;
	long status;
	int headers_done, done, failed, overflow, slot;
	char ctype[128], disposition[256], next[32];
	char err[CURL_ERROR_SIZE];
};

int zlw_proxy_global_init(unsigned parallel)
{
	if (sem_init(&slots, 0, parallel) < 0)
		return -1;
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int take_slot(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += SLOT_WAIT_S;
	while (sem_timedwait(&slots, &ts) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static size_t on_body(char *d, size_t sz, size_t nm, void *ud)
{
	struct zlw_upstream *u = ud;
	size_t add = sz * nm;

	if (u->off && u->off == u->n)
		u->off = u->n = 0;
	if (u->n + add + 1 > u->cap) {
		size_t cap = (u->n + add + 1) * 2;
		char *p;
		if (u->n + add > MAX_WHOLE) {
			u->overflow = 1;
			return 0;
		}
		p = realloc(u->buf, cap);
		if (!p)
			return 0;
		u->buf = p;
		u->cap = cap;
	}
	memcpy(u->buf + u->n, d, add);
	u->n += add;
	u->buf[u->n] = 0;
	return add;
}

/* Keep a header's value when it is one the browser gets. */
static void keep(char *dst, size_t len, const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);
	const char *v;

	if (n <= k + 1 || strncasecmp(line, name, k) || line[k] != ':')
		return;
	v = line + k + 1;
	n -= k + 1;
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(dst, v, n);
	dst[n] = 0;
}

static size_t on_header(char *d, size_t sz, size_t nm, void *ud)
{
	struct zlw_upstream *u = ud;
	size_t n = sz * nm;

	if (n >= 5 && !strncmp(d, "HTTP/", 5)) {
		u->ctype[0] = u->disposition[0] = u->next[0] = 0;
	} else if (n <= 2 && (d[0] == '\r' || d[0] == '\n')) {
		curl_easy_getinfo(u->e, CURLINFO_RESPONSE_CODE, &u->status);
		if (u->status >= 200)
			u->headers_done = 1;
	} else {
		keep(u->ctype, sizeof(u->ctype), d, n, "Content-Type");
		keep(u->disposition, sizeof(u->disposition), d, n, "Content-Disposition");
		keep(u->next, sizeof(u->next), d, n, "X-Zhulan-Next-Before-Id");
	}
	return n;
}

/* Run the transfer until cond(u) holds or it ends. */
static void pump(struct zlw_upstream *u, int (*cond)(const struct zlw_upstream *))
{
	int running = 1, left;
	CURLMsg *msg;

	while (!u->done && !cond(u)) {
		curl_multi_perform(u->m, &running);
		while ((msg = curl_multi_info_read(u->m, &left)))
			if (msg->msg == CURLMSG_DONE) {
				u->done = 1;
				u->failed = msg->data.result != CURLE_OK;
				if (u->failed && !u->err[0])
					snprintf(u->err, sizeof(u->err), "%s",
						 curl_easy_strerror(msg->data.result));
			}
		if (!running)
			u->done = 1;
		if (!u->done && !cond(u))
			curl_multi_poll(u->m, NULL, 0, 1000, NULL);
	}
}

static int have_headers(const struct zlw_upstream *u) { return u->headers_done; }
static int have_data(const struct zlw_upstream *u) { return u->n > u->off; }
static int never(const struct zlw_upstream *u) { return 0; }

struct zlw_upstream *zlw_upstream_start(const char *sock, const char *method, const char *path,
					const char *body, size_t len, const char *const *headers)
{
	struct zlw_upstream *u = calloc(1, sizeof(*u));
	char url[8300];
	size_t i;

	if (!u || !(u->m = curl_multi_init()) || !(u->e = curl_easy_init()))
		goto fail;
	snprintf(url, sizeof(url), "http://zhulan%s", path);
	curl_easy_setopt(u->e, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(u->e, CURLOPT_URL, url);
	curl_easy_setopt(u->e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(u->e, CURLOPT_CONNECTTIMEOUT, 5L);
	/* an answer may take long (a large export) but never stalls a minute */
	curl_easy_setopt(u->e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(u->e, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(u->e, CURLOPT_ERRORBUFFER, u->err);
	curl_easy_setopt(u->e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(u->e, CURLOPT_WRITEDATA, u);
	curl_easy_setopt(u->e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(u->e, CURLOPT_HEADERDATA, u);
	if (body) {
		if (!(u->reqbody = malloc(len + 1)))
			goto fail;
		memcpy(u->reqbody, body, len);
		curl_easy_setopt(u->e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(u->e, CURLOPT_POSTFIELDS, u->reqbody);
	}
	curl_easy_setopt(u->e, CURLOPT_CUSTOMREQUEST, method);
	u->hdrs = curl_slist_append(NULL, "Expect:");
	for (i = 0; headers && headers[i] && u->hdrs; i++)
		u->hdrs = curl_slist_append(u->hdrs, headers[i]);
	if (!u->hdrs)
		goto fail;
	curl_easy_setopt(u->e, CURLOPT_HTTPHEADER, u->hdrs);
	if (take_slot() < 0) {
		snprintf(u->err, sizeof(u->err), "%d requests waited for it over %d s",
			 ZLW_PROXY_PARALLEL, SLOT_WAIT_S);
		return u;  /* status 0 */
	}
	u->slot = 1;
	if (curl_multi_add_handle(u->m, u->e) != CURLM_OK)
		goto fail;
	pump(u, have_headers);
	if (!u->headers_done)
		u->status = 0;
	return u;
fail:
	zlw_upstream_free(u);
	return NULL;
}

long zlw_upstream_status(const struct zlw_upstream *u) { return u->status; }

const char *zlw_upstream_error(const struct zlw_upstream *u)
{
	return u->err[0] ? u->err : "no answer";
}

const char *zlw_upstream_header(const struct zlw_upstream *u, const char *name)
{
	const char *v = !strcasecmp(name, "Content-Type") ? u->ctype :
			!strcasecmp(name, "Content-Disposition") ? u->disposition :
			!strcasecmp(name, "X-Zhulan-Next-Before-Id") ? u->next : "";
	return *v ? v : NULL;
}

int zlw_upstream_complete(const struct zlw_upstream *u) { return u->done; }

int zlw_upstream_body(struct zlw_upstream *u, const char **body, size_t *len)
{
	pump(u, never);
	*body = u->buf ? u->buf + u->off : "";
	*len = u->n - u->off;
	return u->failed || u->overflow ? -1 : 0;
}

ssize_t zlw_upstream_read(struct zlw_upstream *u, char *buf, size_t max)
{
	size_t n;

	pump(u, have_data);
	n = u->n - u->off;
	if (!n)
		return u->failed ? -1 : 0;
	if (n > max)
		n = max;
	memcpy(buf, u->buf + u->off, n);
	u->off += n;
	return (ssize_t)n;
}

void zlw_upstream_free(struct zlw_upstream *u)
{
	if (!u)
		return;
	if (u->m && u->e)
		curl_multi_remove_handle(u->m, u->e);
	curl_easy_cleanup(u->e);
	curl_multi_cleanup(u->m);
	curl_slist_free_all(u->hdrs);
	free(u->reqbody);
	free(u->buf);
	if (u->slot)
		sem_post(&slots);
	free(u);
}
