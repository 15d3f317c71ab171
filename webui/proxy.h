/*
 * proxy.h - one request to the daemon's control socket (libcurl over a
 * unix socket). The answer's status and headers are known as soon as the
 * request returns; its body can then be read whole or streamed in pieces
 * (a CSV export of the access log is not held in memory).
 */
#ifndef ZLW_PROXY_H
#define ZLW_PROXY_H

#include <stddef.h>
#include <sys/types.h>

struct zlw_upstream;

/* Requests to the daemon at the same time; more wait for a slot. */
#define ZLW_PROXY_PARALLEL 16

/* Call once before any thread starts. */
int zlw_proxy_global_init(unsigned parallel);

/*
 * Send 'method path' (the path with its query string) with 'body' of len
 * bytes (copied; NULL for none) and the extra header lines in headers
 * ("Name: value", NULL-terminated), and wait for the answer's headers.
 * Returns NULL only when out of memory; a daemon that does not answer
 * gives status 0 and an error text.
 */
struct zlw_upstream *zlw_upstream_start(const char *sock, const char *method, const char *path,
					const char *body, size_t len, const char *const *headers);
long zlw_upstream_status(const struct zlw_upstream *u);
const char *zlw_upstream_error(const struct zlw_upstream *u);
/* Content-Type, Content-Disposition or X-Zhulan-Next-Before-Id, or NULL. */
const char *zlw_upstream_header(const struct zlw_upstream *u, const char *name);
/* 1 when the whole body has arrived. */
int zlw_upstream_complete(const struct zlw_upstream *u);
/* Wait for the whole body; *body (NUL-terminated, owned by u) and *len.
 * Returns 0, or -1 when the transfer failed. */
int zlw_upstream_body(struct zlw_upstream *u, const char **body, size_t *len);
/* The next piece of the body into buf: bytes copied, 0 at its end, -1 when
 * the transfer failed. */
ssize_t zlw_upstream_read(struct zlw_upstream *u, char *buf, size_t max);
void zlw_upstream_free(struct zlw_upstream *u);

#endif
