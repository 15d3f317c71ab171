/*
 * bundle.c - a policy and its set files as one JSON object (see bundle.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"

/* The caller's name checks, with set files served from the bundle. */
struct ctx {
	const struct zl_policy_hooks *inner;
	const json_t *files;
};

static int known_app(const char *name, char *suggest, size_t n, void *ud)
{
	const struct ctx *c = ud;

	return c->inner->known_app(name, suggest, n, c->inner->ud);
}

static int known_category(const char *name, char *suggest, size_t n, void *ud)
{
	const struct ctx *c = ud;

	return c->inner->known_category(name, suggest, n, c->inner->ud);
}

static int known_risk(const char *name, char *suggest, size_t n, void *ud)
{
	const struct ctx *c = ud;

	return c->inner->known_risk(name, suggest, n, c->inner->ud);
}

static FILE *open_file(const char *path, void *ud)
{
	const struct ctx *c = ud;
	const char *text = json_string_value(json_object_get(c->files, path));

	if (!text) {
		errno = ENOENT;
		return NULL;
	}
	/* fmemopen of an empty buffer fails: an empty set file is still a file */
	return *text ? fmemopen((void *)text, strlen(text), "r") : fopen("/dev/null", "r");
}

static struct zl_policy_hooks wrap(struct ctx *c, const struct zl_policy_hooks *hooks)
{
	struct zl_policy_hooks h = { NULL, NULL, open_file, c, NULL };

	c->inner = hooks;
	if (hooks && hooks->known_app)
		h.known_app = known_app;
	if (hooks && hooks->known_category)
		h.known_category = known_category;
	if (hooks && hooks->known_risk)       /* the incidents section's risk names */
		h.known_risk = known_risk;
	return h;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!fp)
		return NULL;
	for (;;) {
		size_t r;
		if (n + 65536 + 1 > cap) {
			char *b = realloc(buf, cap = (n + 65536 + 1) * 2);
			if (!b) {
				free(buf);
				fclose(fp);
				errno = ENOMEM;
				return NULL;
			}
			buf = b;
		}
		r = fread(buf + n, 1, cap - n - 1, fp);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(fp)) {
		int e = errno;
		free(buf);
		fclose(fp);
		errno = e;
		return NULL;
	}
	fclose(fp);
	buf[n] = 0;
	*len = n;
	return buf;
}

json_t *zl_bundle_read(const char *path, const struct zl_policy_hooks *hooks,
		       struct zl_diag *d)
{
	struct zl_policy *p = zl_policy_parse(path, hooks, d);
	json_t *b, *files;
	size_t i, len;
	char *text;

	if (!p)
		return NULL;
	text = slurp(path, &len);
	b = json_object();
	files = json_object();
	if (!text || !b || !files || strlen(text) != len) {
		zl_diag_add(d, ZL_ERROR, path, 0, 0, "cannot read the policy: %s",
			    text ? "it holds a NUL byte" : strerror(errno));
		goto fail;
	}
	json_object_set_new(b, "name", json_string(path));
	json_object_set_new(b, "text", json_string(text));
	free(text);
	text = NULL;
	for (i = 0; i < p->n_sets; i++) {
		const char *sp = p->sets[i].path;
		char *st;
		if (!sp || json_object_get(files, sp))
			continue;
		st = slurp(sp, &len);
		if (!st) {
			zl_diag_add(d, ZL_ERROR, sp, 0, 0, "cannot read the set file: %s",
				    strerror(errno));
			goto fail;
		}
		json_object_set_new(files, sp, json_string(st));
		free(st);
	}
	if (!json_object_get(b, "text") || !json_is_string(json_object_get(b, "text"))) {
		zl_diag_add(d, ZL_ERROR, path, 0, 0, "the policy is not valid UTF-8");
		goto fail;
	}
	json_object_set_new(b, "files", files);
	zl_policy_free(p);
	return b;
fail:
	free(text);
	json_decref(b);
	json_decref(files);
	zl_policy_free(p);
	return NULL;
}

struct zl_policy *zl_bundle_parse(const json_t *bundle, const struct zl_policy_hooks *hooks,
				  struct zl_diag *d)
{
	const char *name = json_string_value(json_object_get(bundle, "name"));
	const char *text = json_string_value(json_object_get(bundle, "text"));
	const json_t *files = json_object_get(bundle, "files");
	struct zl_policy_hooks h;
	struct ctx c;

	if (!name || !text || (files && !json_is_object(files))) {
		zl_diag_add(d, ZL_ERROR, "policy", 0, 0,
			    "not a policy bundle: expected {\"name\", \"text\", \"files\"}");
		return NULL;
	}
	c.files = files;
	h = wrap(&c, hooks);
	return zl_policy_parse_string(name, text, strlen(text), &h, d);
}
