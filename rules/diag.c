/*
 * diag.c - the diagnostics list, and "did you mean" by edit distance.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policy-int.h"

void zl_diag_init(struct zl_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void zl_diag_free(struct zl_diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->msgs[i].file);
		free(d->msgs[i].text);
	}
	free(d->msgs);
	zl_diag_init(d);
}

static void *xrealloc(void *p, size_t n)
{
	if (!(p = realloc(p, n))) {
		fputs("zhulan: out of memory\n", stderr);
		abort();
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

static void diag_vadd(struct zl_diag *d, enum zl_severity sev, const char *file,
		      int line, int col, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

static void diag_vadd(struct zl_diag *d, enum zl_severity sev, const char *file,
		      int line, int col, const char *fmt, va_list ap)
{
	struct zl_diag_msg *m;
	va_list aq;
	int n;

	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		d->msgs = xrealloc(d->msgs, d->cap * sizeof(*d->msgs));
	}
	m = &d->msgs[d->n++];
	m->severity = sev;
	m->file = xstrdup(file ? file : "");
	m->line = line;
	m->col = col;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	m->text = xrealloc(NULL, (size_t)n + 1);
	vsnprintf(m->text, (size_t)n + 1, fmt, ap);
	if (sev == ZL_ERROR)
		d->errors++;
	else
		d->warnings++;
}

void zl_diag_add(struct zl_diag *d, enum zl_severity sev, const char *file,
		 int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, sev, file, line, col, fmt, ap);
	va_end(ap);
}

int zl_diag_format(const struct zl_diag_msg *m, char *buf, size_t len)
{
	const char *sev = m->severity == ZL_ERROR ? "error" : "warning";

	if (m->line <= 0)
		return snprintf(buf, len, "%s: %s: %s", m->file, sev, m->text);
	return snprintf(buf, len, "%s:%d:%d: %s: %s", m->file, m->line, m->col, sev, m->text);
}

void zl_diag_print(const struct zl_diag *d, FILE *fp)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct zl_diag_msg *m = &d->msgs[i];
		int n = zl_diag_format(m, NULL, 0);
		char *buf = xrealloc(NULL, (size_t)n + 1);

		zl_diag_format(m, buf, (size_t)n + 1);
		fprintf(fp, "%s\n", buf);
		free(buf);
	}
}

/* Every message of a parse; policy.c sorts them by these keys at the end. */
void zl_report(struct zl_pctx *c, enum zl_severity sev, const char *file, int line, int col,
	       const char *fmt, va_list ap)
{
	struct zl_dkey *k;

	diag_vadd(c->diags, sev, file, line, col, fmt, ap);
	if (sev == ZL_ERROR)
		c->errors++;
	/* a set file's messages sort where the set is defined */
	k = zl_vec_push(c->a, &c->keys, sizeof(*k));
	k->line = c->key_line ? c->key_line : line;
	k->col = c->key_line ? c->key_col : col;
	k->seq = c->keys.n;
}

/*
 * Optimal string alignment distance (Levenshtein plus swapping two
 * neighbours, so "lna" is one step from "lan"), ignoring case. Words
 * longer than 63 bytes are never close to anything.
 */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int d[64][64];

	if (la > 63 || lb > 63)
		return 1000;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			int v = d[i - 1][j - 1] + (ca != cb);

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

void zl_near_init(struct zl_near *n, const char *word)
{
	size_t len = strlen(word);

	n->word = word;
	n->best = NULL;
	/* a wider net for longer words; the first candidate wins ties */
	n->dist = (len <= 4 ? 1 : len <= 8 ? 2 : 3) + 1;
}

void zl_near_try(struct zl_near *n, const char *cand)
{
	int d;

	if (!cand || !strcmp(cand, n->word))
		return;
	d = distance(n->word, cand);
	if (d < n->dist && (size_t)d < strlen(cand)) {
		n->dist = d;
		n->best = cand;
	}
}
