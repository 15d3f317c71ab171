/*
 * policy.c - the policy's data: the arena it lives in, diagnostics at a
 * position, addresses and prefixes, set files, and the parse driver that
 * runs the grammar, then the checks, and sorts what they said.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy-int.h"

/* At most this many errors are reported from one set file. */
#define SET_FILE_MAX_ERRORS 10

struct zl_blk {
	struct zl_blk *next;
	size_t size, used;
	max_align_t data[];
};

struct zl_arena {
	struct zl_blk *head;
};

#define BLK_SIZE 16384

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fputs("zhulan: out of memory\n", stderr);
		abort();
	}
	return p;
}

struct zl_arena *zl_arena_new(void)
{
	struct zl_arena *a = xmalloc(sizeof(*a));

	a->head = NULL;
	return a;
}

void zl_arena_free(struct zl_arena *a)
{
	struct zl_blk *b, *next;

	if (!a)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void *zl_alloc(struct zl_arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	struct zl_blk *b = a->head;
	void *p;

	if (n > SIZE_MAX / 2)
		abort();
	n = n ? (n + align - 1) / align * align : align;
	if (n > BLK_SIZE / 4) {
		/* big: a block of its own, behind the one being filled */
		b = xmalloc(sizeof(*b) + n);
		b->size = b->used = n;
		if (a->head) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = NULL;
			a->head = b;
		}
		return memset(b->data, 0, n);
	}
	if (!b || b->size - b->used < n) {
		b = xmalloc(sizeof(*b) + BLK_SIZE);
		b->size = BLK_SIZE;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	return memset(p, 0, n);
}

char *zl_strndup(struct zl_arena *a, const char *s, size_t n)
{
	char *d = zl_alloc(a, n + 1);

	memcpy(d, s, n);
	return d;
}

char *zl_strdup(struct zl_arena *a, const char *s)
{
	return zl_strndup(a, s, strlen(s));
}

void *zl_vec_push(struct zl_arena *a, struct zl_vec *v, size_t size)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 4;
		void *nv = zl_alloc(a, cap * size);

		if (v->n)
			memcpy(nv, v->v, v->n * size);
		v->v = nv;
		v->cap = cap;
	}
	return (char *)v->v + v->n++ * size;
}

void zl_vec_cat(struct zl_arena *a, struct zl_vec *dst, const struct zl_vec *src, size_t size)
{
	for (size_t i = 0; i < src->n; i++)
		memcpy(zl_vec_push(a, dst, size), (const char *)src->v + i * size, size);
}

struct zl_vec *zl_vec_new(struct zl_pctx *c)
{
	return zl_alloc(c->a, sizeof(struct zl_vec));
}

struct zl_loc zl_at(const struct zl_pctx *c, const struct zl_yyltype *l)
{
	struct zl_loc at = { c->file, l->first_line, l->first_column };

	return at;
}

void zl_err(struct zl_pctx *c, const struct zl_loc *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	zl_report(c, ZL_ERROR, at->file, at->line, at->col, fmt, ap);
	va_end(ap);
}

void zl_warn(struct zl_pctx *c, const struct zl_loc *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	zl_report(c, ZL_WARNING, at->file, at->line, at->col, fmt, ap);
	va_end(ap);
}

/* Addresses and prefixes. */

static void prefix_mask(struct zl_prefix *p)
{
	for (unsigned i = 0; i < 16; i++) {
		int bits = (int)p->len - 8 * (int)i;

		if (bits <= 0)
			p->addr[i] = 0;
		else if (bits < 8)
			p->addr[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

void zl_prefix_format(const struct zl_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned max = p->family == AF_INET6 ? 128 : 32;

	inet_ntop(p->family, p->addr, a, sizeof(a));
	if (p->len == max)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->len);
}

int zl_prefix_parse(const char *text, struct zl_prefix *p, char *err, size_t errlen)
{
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	int v6 = memchr(text, ':', alen) != NULL;
	const char *fam = v6 ? "IPv6" : "IPv4";
	unsigned max = v6 ? 128 : 32;
	char addr[64], fixed[64];
	struct zl_prefix m;

	memset(p, 0, sizeof(*p));
	p->family = v6 ? AF_INET6 : AF_INET;
	p->len = max;
	snprintf(addr, sizeof(addr), "%.*s", (int)alen, text);
	if (alen >= sizeof(addr) || inet_pton(p->family, addr, p->addr) != 1) {
		snprintf(err, errlen, "bad %s address \"%s\"", fam, addr);
		return -1;
	}
	if (slash) {
		const char *s = slash + 1;
		unsigned long len = 0;

		for (; isdigit((unsigned char)*s) && len <= max; s++)
			len = len * 10 + (unsigned long)(*s - '0');
		if (s == slash + 1 || *s || len > max) {
			snprintf(err, errlen, "bad prefix length in %s (%s prefixes are /0 to /%u)",
				 text, fam, max);
			return -1;
		}
		p->len = (unsigned)len;
	}
	m = *p;
	prefix_mask(&m);
	if (memcmp(m.addr, p->addr, sizeof(m.addr))) {
		zl_prefix_format(&m, fixed, sizeof(fixed));
		snprintf(err, errlen, "%s has host bits set; did you mean %s?", text, fixed);
		return -1;
	}
	return 0;
}

static void file_err(struct zl_pctx *c, const char *path, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void file_err(struct zl_pctx *c, const char *path, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	zl_report(c, ZL_ERROR, path, line, col, fmt, ap);
	va_end(ap);
}

int zl_column(const char *line, const char *at)
{
	int col = 1;

	for (; line < at; line++)
		col += ((unsigned char)*line & 0xC0) != 0x80;
	return col;
}

/*
 * A set file: one address or prefix a line, '#' comments, blank lines.
 * Returns -1 with errno if it cannot be read; its errors are reported.
 */
int zl_read_set_file(struct zl_pctx *c, const char *path, struct zl_vec *addrs)
{
	FILE *fp = c->hooks && c->hooks->open_file ? c->hooks->open_file(path, c->hooks->ud) :
						      fopen(path, "r");
	char *buf = NULL, err[200];
	size_t cap = 0;
	int lineno = 0, errors = 0, rc = 0;
	const char *fpath;

	if (!fp)
		return -1;
	fpath = zl_strdup(c->a, path);
	while (getline(&buf, &cap, fp) > 0) {
		char *s = buf, *e, *hash;
		struct zl_prefix p;

		lineno++;
		if (lineno == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
			s += 3;
		if ((hash = strchr(s, '#')))
			*hash = 0;
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (!*s)
			continue;
		for (e = s; *e && !isspace((unsigned char)*e); e++)
			;
		if (errors == SET_FILE_MAX_ERRORS) {
			file_err(c, fpath, lineno, zl_column(buf, s), "too many errors, giving up on this file");
			errors++;
			break;
		}
		if (*e) {
			char *next = e;

			*e = 0;
			for (next++; *next && isspace((unsigned char)*next); next++)
				;
			if (*next) {
				char *end = next;

				while (*end && !isspace((unsigned char)*end))
					end++;
				*end = 0;
				file_err(c, fpath, lineno, zl_column(buf, next),
					 "expected one address or prefix a line, got \"%s\" after it", next);
				errors++;
				continue;
			}
		}
		if (zl_prefix_parse(s, &p, err, sizeof(err)) < 0) {
			file_err(c, fpath, lineno, zl_column(buf, s), "%s", err);
			errors++;
			continue;
		}
		*ZL_PUSH(c, addrs, struct zl_prefix) = p;
	}
	if (ferror(fp)) {
		rc = -1;
		if (!errno)
			errno = EIO;
	}
	free(buf);
	fclose(fp);
	return rc;
}

/* The driver. */

static int key_cmp(const void *a, const void *b)
{
	const struct zl_dkey *x = *(struct zl_dkey *const *)a, *y = *(struct zl_dkey *const *)b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Put this parse's messages in the order of the lines they are about. */
static void sort_diags(struct zl_pctx *c)
{
	size_t n = c->diags->n - c->diag_first;
	struct zl_dkey *keys = c->keys.v, **order;
	struct zl_diag_msg *msgs, *sorted;

	if (n < 2 || n != c->keys.n)
		return;
	order = xmalloc(n * sizeof(*order));
	sorted = xmalloc(n * sizeof(*sorted));
	for (size_t i = 0; i < n; i++)
		order[i] = &keys[i];
	qsort(order, n, sizeof(*order), key_cmp);
	msgs = c->diags->msgs + c->diag_first;
	for (size_t i = 0; i < n; i++)
		sorted[i] = msgs[order[i] - keys];
	memcpy(msgs, sorted, n * sizeof(*sorted));
	free(sorted);
	free(order);
}

static struct zl_policy *parse(const char *name, FILE *fp, const char *buf, size_t len,
			       const struct zl_policy_hooks *hooks, struct zl_diag *diags)
{
	struct zl_pctx c;
	struct zl_policy *p;
	const char *slash = strrchr(name, '/');

	memset(&c, 0, sizeof(c));
	c.a = zl_arena_new();
	c.diags = diags;
	c.hooks = hooks;
	c.diag_first = diags->n;
	c.file = zl_strdup(c.a, name);
	if (slash)
		c.dir = zl_strndup(c.a, name, slash == name ? 1 : (size_t)(slash - name));
	if (zl_lex_parse(&c, fp, buf, len) != 0 && !c.syntax_errors) {
		struct zl_loc at = { c.file, 0, 0 };

		zl_err(&c, &at, "the parser gave up (out of memory?)");
	}
	p = zl_alloc(c.a, sizeof(*p));
	p->arena = c.a;
	p->file = c.file;
	p->zones = c.zones.v;
	p->n_zones = c.zones.n;
	p->sets = c.sets.v;
	p->n_sets = c.sets.n;
	p->schedules = c.schedules.v;
	p->n_schedules = c.schedules.n;
	p->filters = c.filters.v;
	p->n_filters = c.filters.n;
	p->bh = c.bh.v;
	p->n_bh = c.bh.n;
	zl_b_inc_end(&c, p);
	zl_b_v6_end(&c, p);
	/* after a syntax error, names would be missing for reasons already given */
	if (!c.syntax_errors)
		zl_check(&c, p);
	sort_diags(&c);
	if (c.errors || c.syntax_errors) {
		zl_arena_free(c.a);
		return NULL;
	}
	return p;
}

struct zl_policy *zl_policy_parse(const char *path, const struct zl_policy_hooks *hooks,
				  struct zl_diag *diags)
{
	FILE *fp = fopen(path, "r");
	struct zl_policy *p;

	if (!fp) {
		zl_diag_add(diags, ZL_ERROR, path, 0, 0, "cannot read the policy: %s", strerror(errno));
		return NULL;
	}
	p = parse(path, fp, NULL, 0, hooks, diags);
	fclose(fp);
	return p;
}

struct zl_policy *zl_policy_parse_file(const char *path, struct zl_diag *diags)
{
	return zl_policy_parse(path, NULL, diags);
}

struct zl_policy *zl_policy_parse_string(const char *name, const char *text, size_t len,
					 const struct zl_policy_hooks *hooks,
					 struct zl_diag *diags)
{
	return parse(name, NULL, text, len, hooks, diags);
}

void zl_policy_free(struct zl_policy *p)
{
	if (p)
		zl_arena_free(p->arena);
}

const char *zl_action_name(enum zl_action a)
{
	return a == ZL_PASS ? "pass" : a == ZL_BLOCK ? "block" : "reject";
}

const char *zl_hook_name(enum zl_hook h)
{
	return h == ZL_FORWARD ? "forward" : h == ZL_INPUT ? "input" : "output";
}

const char *zl_bh_action_name(enum zl_bh_action a)
{
	static const char *const names[] = { "block", "allow", "audit", "limit" };

	return (unsigned)a < 4 ? names[a] : "?";
}
