/*
 * static.c - files from the static directory.
 *
 * A path is refused before it reaches the file system when a segment is
 * empty, "." or "..", or starts with a dot; the file's real path (links
 * resolved) must still lie inside the directory, so a symbolic link cannot
 * lead out of it either.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "static.h"

struct zlw_static {
	char *root;            /* real path, no trailing slash */
	const char *chart;
};

static const char *const chart_files[] = {
	"/usr/share/javascript/chart.js/chart.umd.min.js",
	"/usr/share/javascript/chart.js/chart.umd.js",
	"/usr/share/javascript/chart.js/chart.min.js",
	"/usr/share/javascript/chart.js/chart.js",
	NULL,
};

static const struct { const char *ext, *type; } types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "ico", "image/x-icon" },
	{ "woff2", "font/woff2" },
	{ "txt", "text/plain; charset=utf-8" },
	{ NULL, NULL },
};

struct zlw_static *zlw_static_new(const char *dir, char *err, size_t errlen)
{
	struct zlw_static *s = calloc(1, sizeof(*s));
	struct stat st;
	int i;

	if (!s)
		return NULL;
	s->root = realpath(dir, NULL);
	if (!s->root || stat(s->root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", dir, s->root ? "not a directory" : strerror(errno));
		zlw_static_free(s);
		return NULL;
	}
	for (i = 0; chart_files[i] && !s->chart; i++)
		if (access(chart_files[i], R_OK) == 0)
			s->chart = chart_files[i];
	return s;
}

void zlw_static_free(struct zlw_static *s)
{
	if (!s)
		return;
	free(s->root);
	free(s);
}

const char *zlw_static_chart(const struct zlw_static *s)
{
	return s->chart;
}

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	int i;

	for (i = 0; dot && types[i].ext; i++)
		if (!strcmp(dot + 1, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

/* 1 when every segment of the relative path is a plain name. */
static int clean(const char *rel)
{
	const char *p = rel;

	if (!*rel || strlen(rel) > 1024 || strchr(rel, '\\'))
		return 0;
	for (;;) {
		size_t n = strcspn(p, "/");
		if (!n || p[0] == '.')
			return 0;  /* "//", ".", "..", hidden files */
		if (!p[n])
			return 1;
		p += n + 1;
	}
}

static struct MHD_Response *from_file(const char *path, unsigned *status)
{
	struct MHD_Response *r;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		*status = MHD_HTTP_NOT_FOUND;
		return NULL;
	}
	r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!r) {
		close(fd);
		*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		return NULL;
	}
	MHD_add_response_header(r, "Content-Type", type_of(path));
	return r;
}

struct MHD_Response *zlw_static_response(struct zlw_static *s, const char *url, unsigned *status)
{
	char path[PATH_MAX + 1100], *real;
	const char *rel;
	struct MHD_Response *r;
	size_t n;

	if (!strcmp(url, "/vendor/chart.js")) {
		if (!s->chart) {
			*status = MHD_HTTP_NOT_FOUND;
			return NULL;
		}
		return from_file(s->chart, status);
	}
	if (url[0] != '/') {
		*status = MHD_HTTP_BAD_REQUEST;
		return NULL;
	}
	rel = !strcmp(url, "/") ? "index.html" : url + 1;
	if (!strncmp(rel, "static/", 7))
		rel += 7;
	if (!clean(rel)) {
		*status = MHD_HTTP_NOT_FOUND;
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", s->root, rel);
	real = realpath(path, NULL);
	n = strlen(s->root);
	if (!real || strncmp(real, s->root, n) || real[n] != '/') {
		free(real);
		*status = MHD_HTTP_NOT_FOUND;
		return NULL;
	}
	r = from_file(real, status);
	free(real);
	return r;
}
