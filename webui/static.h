/*
 * static.h - the console's files: the pages from the static directory and
 * Chart.js from Debian's libjs-chart.js at /vendor/chart.js.
 */
#ifndef ZLW_STATIC_H
#define ZLW_STATIC_H

#include <stddef.h>

struct MHD_Response;
struct zlw_static;

/* dir: the static directory (must exist). */
struct zlw_static *zlw_static_new(const char *dir, char *err, size_t errlen);
void zlw_static_free(struct zlw_static *s);
/* Where /vendor/chart.js comes from, or NULL when libjs-chart.js is absent. */
const char *zlw_static_chart(const struct zlw_static *s);

/*
 * The response for the decoded URL path 'url', or NULL with *status set
 * (404 for anything outside the directory or absent, 400 for a malformed
 * path). The caller adds the security headers and queues it.
 */
struct MHD_Response *zlw_static_response(struct zlw_static *s, const char *url, unsigned *status);

#endif
