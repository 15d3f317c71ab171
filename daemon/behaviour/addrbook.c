/*
 * addrbook.c - the address book: CSV rows -> an immutable book of hash
 * tables. The kernel's neighbour table, for rows known only by MAC, is
 * addrbook_neigh.c's. The interface and its rules are in addrbook.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "addrbook.h"
#include "addrbook_int.h"

/* ---- hash table: address or MAC -> row index ------------------------- */

int zl_ab_key_ip(struct key *k, int family, const uint8_t ip[16])
{
	memset(k, 0, sizeof(*k));
	if (family == AF_INET) {
		k->kind = 4;
		memcpy(k->b, ip, 4);
	} else if (family == AF_INET6) {
		k->kind = 6;
		memcpy(k->b, ip, 16);
	} else {
		return -1;
	}
	return 0;
}

void zl_ab_key_mac(struct key *k, const uint8_t hwaddr[6])
{
	memset(k, 0, sizeof(*k));
	k->kind = KIND_MAC;
	memcpy(k->b, hwaddr, 6);
}

static void key_row(struct key *k, const struct zl_addrbook_row *r)
{
	if (r->family)
		zl_ab_key_ip(k, r->family, r->ip);
	else
		zl_ab_key_mac(k, r->hwaddr);
}

/* FNV-1a, then a murmur3 finaliser so that the low bits mix well. */
static size_t key_hash(const struct key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (size_t)h;
}

int zl_ab_table_init(struct table *t, size_t want)
{
	size_t cap = 16, i;

	while (cap < 2 * want)
		cap *= 2;
	t->s = malloc(cap * sizeof(*t->s));
	if (!t->s)
		return -ENOMEM;
	for (i = 0; i < cap; i++)
		t->s[i].row = EMPTY;
	t->mask = cap - 1;
	t->n = 0;
	return 0;
}

void zl_ab_table_free(struct table *t)
{
	free(t->s);
	t->s = NULL;
	t->n = t->mask = 0;
}

/* The slot holding k, or the empty slot where it would go. */
static struct slot *table_slot(const struct table *t, const struct key *k)
{
	size_t i = key_hash(k) & t->mask;

	while (t->s[i].row != EMPTY && memcmp(&t->s[i].k, k, sizeof(*k)))
		i = (i + 1) & t->mask;
	return &t->s[i];
}

uint32_t zl_ab_table_get(const struct table *t, const struct key *k)
{
	return t->s ? table_slot(t, k)->row : EMPTY;
}

/* Insert or replace; returns the row it replaced or EMPTY, via *old. */
int zl_ab_table_put(struct table *t, const struct key *k, uint32_t row, uint32_t *old)
{
	struct slot *s;

	if (2 * (t->n + 1) > t->mask + 1) {
		struct table bigger;
		size_t i;

		if (zl_ab_table_init(&bigger, t->n + 1) < 0)
			return -ENOMEM;
		for (i = 0; i <= t->mask; i++)
			if (t->s[i].row != EMPTY)
				*table_slot(&bigger, &t->s[i].k) = t->s[i];
		bigger.n = t->n;
		zl_ab_table_free(t);
		*t = bigger;
	}
	s = table_slot(t, k);
	*old = s->row;
	if (s->row == EMPTY)
		t->n++;
	s->k = *k;
	s->row = row;
	return 0;
}

/* ---- one row: addresses, MACs and text ------------------------------ */


static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

#define IDEO_SPACE "\xe3\x80\x80"   /* U+3000, common in Chinese spreadsheets */

/* The span of s without surrounding white space: returns its start, *n its length. */
static const char *trim(const char *s, size_t *n)
{
	const char *e = s + strlen(s);

	for (;;) {
		if (s < e && is_space((unsigned char)*s))
			s++;
		else if (e - s >= 3 && !memcmp(s, IDEO_SPACE, 3))
			s += 3;
		else
			break;
	}
	for (;;) {
		if (e > s && is_space((unsigned char)e[-1]))
			e--;
		else if (e - s >= 3 && !memcmp(e - 3, IDEO_SPACE, 3))
			e -= 3;
		else
			break;
	}
	*n = (size_t)(e - s);
	return s;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff, one separator throughout. */
static int parse_mac(const char *s, uint8_t mac[6])
{
	int i, hi, lo;

	if (strlen(s) != 17 || (s[2] != ':' && s[2] != '-'))
		return -1;
	for (i = 0; i < 6; i++) {
		hi = hexval(s[3 * i]);
		lo = hexval(s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != s[2]))
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* A NUL-terminated address or MAC into r's binary and text fields. */
static int parse_key(struct zl_addrbook_row *r, const char *s)
{
	memset(r->ip, 0, sizeof(r->ip));
	memset(r->hwaddr, 0, sizeof(r->hwaddr));
	r->address[0] = r->mac[0] = 0;
	r->family = 0;
	if (inet_pton(AF_INET, s, r->ip) == 1)
		r->family = AF_INET;
	else if (inet_pton(AF_INET6, s, r->ip) == 1)
		r->family = AF_INET6;
	if (r->family) {
		inet_ntop(r->family, r->ip, r->address, sizeof(r->address));
		return 0;
	}
	if (parse_mac(s, r->hwaddr) < 0)
		return -1;
	snprintf(r->mac, sizeof(r->mac), "%02x:%02x:%02x:%02x:%02x:%02x", r->hwaddr[0],
		 r->hwaddr[1], r->hwaddr[2], r->hwaddr[3], r->hwaddr[4], r->hwaddr[5]);
	return 0;
}

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

/*
 * s[0..n) as a quoted string for a message: about 40 bytes at most, invalid
 * UTF-8, quotes and control characters as \xNN, so that a hostile field
 * cannot break a log line.
 */
static const char *quote(const char *s, size_t n, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	size_t o = 0, l;

	buf[o++] = '"';
	while (p < end && o + 8 < size) {
		if (o > 40) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		l = utf8_seq(p, (size_t)(end - p));
		if (!l || *p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\') {
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", *p++);
			continue;
		}
		memcpy(buf + o, p, l);
		o += l;
		p += l;
	}
	buf[o++] = '"';
	buf[o] = 0;
	return buf;
}

/* Check and copy one text field (name, owner, department) into dst. */
static int set_text(char *dst, const char *what, const char *src, char *err, size_t errlen)
{
	size_t n, i, l, chars = 0;
	const char *s = trim(src, &n);

	for (i = 0; i < n; i += l, chars++) {
		l = utf8_seq((const unsigned char *)s + i, n - i);
		if (!l) {
			snprintf(err, errlen, "%s is not valid UTF-8 (byte %zu)", what, i + 1);
			return -EINVAL;
		}
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(err, errlen, "%s contains a control character", what);
			return -EINVAL;
		}
	}
	if (chars > ZL_NAME_CHARS) {
		snprintf(err, errlen, "%s is %zu characters long, at most %d", what, chars,
			 ZL_NAME_CHARS);
		return -EINVAL;
	}
	memcpy(dst, s, n);
	dst[n] = 0;
	return 0;
}

static int set_key(struct zl_addrbook_row *r, const char *src, char *err, size_t errlen)
{
	char copy[64], q[64];
	size_t n;
	const char *s = trim(src, &n);

	if (!n) {
		snprintf(err, errlen, "the address or MAC is empty");
		return -EINVAL;
	}
	if (n < sizeof(copy)) {
		memcpy(copy, s, n);
		copy[n] = 0;
		if (parse_key(r, copy) == 0)
			return 0;
	}
	snprintf(err, errlen, "%s is not an IPv4/IPv6 address or a MAC%s",
		 quote(s, n, q, sizeof(q)),
		 memchr(s, '/', n) ? " (a network is not allowed here)" : "");
	return -EINVAL;
}

int zl_addrbook_row_set(struct zl_addrbook_row *r, const char *key, const char *name,
			const char *owner, const char *department, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (set_key(r, key, err, errlen) < 0)
		return -EINVAL;
	if (!r->family && (r->hwaddr[0] & 1)) {
		snprintf(err, errlen, "%s is a multicast MAC, not a host's", r->mac);
		return -EINVAL;
	}
	if (!r->family && !memcmp(r->hwaddr, "\0\0\0\0\0\0", 6)) {
		snprintf(err, errlen, "%s is not a host's MAC", r->mac);
		return -EINVAL;
	}
	if (set_text(r->name, "the host name", name, err, errlen) < 0 ||
	    set_text(r->owner, "the owner", owner, err, errlen) < 0 ||
	    set_text(r->department, "the department", department, err, errlen) < 0)
		return -EINVAL;
	if (!r->name[0] && !r->owner[0]) {
		snprintf(err, errlen, "a row needs a host name or an owner");
		return -EINVAL;
	}
	return 0;
}

int zl_addrbook_rows_add(struct zl_addrbook_rows *rows, const struct zl_addrbook_row *r)
{
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? 2 * rows->cap : 64;
		struct zl_addrbook_row *v = reallocarray(rows->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		rows->v = v;
		rows->cap = cap;
	}
	rows->v[rows->n++] = *r;
	return 0;
}

void zl_addrbook_rows_free(struct zl_addrbook_rows *rows)
{
	free(rows->v);
	memset(rows, 0, sizeof(*rows));
}

void zl_addrbook_errors_free(struct zl_addrbook_errors *errs)
{
	free(errs->v);
	memset(errs, 0, sizeof(*errs));
}

/* ---- CSV ------------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t n, cap;
};

/* The tokenizer: one record at a time, its first four fields kept. */
struct csv {
	const char *p, *end;
	unsigned line, start;     /* the current physical line; the record's first */
	struct sbuf f[4];
	size_t nf;                /* fields in the record, kept or not */
	int any_text;             /* a field holds more than white space */
	int nomem;
	const char *syntax;       /* the record's quoting error, or NULL */
};

enum { END_FIELD, END_RECORD, END_INPUT, END_BAD };

/* Add c to b (NULL: a field past the fourth, only counted). */
static void put(struct csv *cs, struct sbuf *b, char c)
{
	if (c && !is_space((unsigned char)c))
		cs->any_text = 1;
	if (!b || cs->nomem)
		return;
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 128;
		char *p = realloc(b->p, cap);

		if (!p) {
			cs->nomem = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	b->p[b->n++] = c;
}

/* Consume what ends a field, if it is there: ',', LF, CRLF or the end. */
static int field_end(struct csv *cs)
{
	if (cs->p == cs->end)
		return END_INPUT;
	if (*cs->p == ',') {
		cs->p++;
		return END_FIELD;
	}
	if (*cs->p == '\n' || (*cs->p == '\r' && cs->end - cs->p > 1 && cs->p[1] == '\n')) {
		cs->p += *cs->p == '\r' ? 2 : 1;
		cs->line++;
		return END_RECORD;
	}
	return -1;
}

static void skip_line(struct csv *cs)
{
	const char *nl = memchr(cs->p, '\n', (size_t)(cs->end - cs->p));

	cs->p = nl ? nl + 1 : cs->end;
	if (nl)
		cs->line++;
}

static int read_plain(struct csv *cs, struct sbuf *b)
{
	int e;

	while ((e = field_end(cs)) < 0)
		put(cs, b, *cs->p++);
	return e;
}

/* After the opening quote. White space between the closing quote and the
 * separator is tolerated; other text there is an error. */
static int read_quoted(struct csv *cs, struct sbuf *b)
{
	int e;

	while (cs->p < cs->end) {
		char c = *cs->p++;

		if (c == '"' && cs->p < cs->end && *cs->p == '"') {
			cs->p++;
			put(cs, b, '"');
		} else if (c == '"') {
			while (cs->p < cs->end && (*cs->p == ' ' || *cs->p == '\t'))
				cs->p++;
			if ((e = field_end(cs)) >= 0)
				return e;
			cs->syntax = "unexpected text after a closing quote";
			skip_line(cs);
			return END_BAD;
		} else {
			cs->line += c == '\n';
			put(cs, b, c);
		}
	}
	cs->syntax = "a quoted field is not closed";
	return END_BAD;
}

/* Read a record (any_text 0 for a blank or comment line); 0 at the end. */
static int read_record(struct csv *cs)
{
	const char *q;
	int i, e;

	for (i = 0; i < 4; i++)
		cs->f[i].n = 0;
	cs->nf = 0;
	cs->any_text = 0;
	cs->syntax = NULL;
	cs->start = cs->line;
	if (cs->p == cs->end)
		return 0;
	for (q = cs->p; q < cs->end && (*q == ' ' || *q == '\t'); q++)
		;
	if (q < cs->end && *q == '#') {
		skip_line(cs);
		return 1;
	}
	do {
		struct sbuf *b = cs->nf < 4 ? &cs->f[cs->nf] : NULL;

		for (q = cs->p; q < cs->end && (*q == ' ' || *q == '\t'); q++)
			;
		cs->nf++;
		if (q < cs->end && *q == '"') {
			cs->p = q + 1;
			e = read_quoted(cs, b);
		} else {
			e = read_plain(cs, b);
		}
	} while (e == END_FIELD);
	for (i = 0; i < 4; i++) {
		put(cs, &cs->f[i], 0);   /* terminated, not counted */
		if (!cs->nomem)
			cs->f[i].n--;
	}
	return 1;
}

struct parse {
	struct csv cs;
	struct zl_addrbook_rows *rows;
	struct zl_addrbook_errors *errs;
	struct table seen;        /* address or MAC -> index in rows */
	int first;                /* the next record is the first */
};

__attribute__((format(printf, 4, 5)))
static int report(struct zl_addrbook_errors *errs, unsigned line, int warning,
		  const char *fmt, ...)
{
	struct zl_addrbook_msg *m;
	va_list ap;
	int o;

	if (warning)
		errs->n_warnings++;
	else
		errs->n_errors++;
	if (errs->n == ZL_ADDRBOOK_MAX_MSGS)
		return 0;
	if (!errs->v && !(errs->v = calloc(ZL_ADDRBOOK_MAX_MSGS, sizeof(*errs->v))))
		return -ENOMEM;
	m = &errs->v[errs->n++];
	m->line = line;
	m->warning = warning;
	o = snprintf(m->text, sizeof(m->text), "line %u: ", line);
	va_start(ap, fmt);
	vsnprintf(m->text + o, sizeof(m->text) - (size_t)o, fmt, ap);
	va_end(ap);
	return 0;
}

/*
 * A first line whose first field is not an address or a MAC is a header,
 * unless it looks like a mistyped address (only hex digits and separators,
 * or mostly digits): then it is a bad row, reported, not silently skipped.
 */
static int is_header(const char *field)
{
	struct zl_addrbook_row r;
	size_t n, i, digits = 0, addrchars = 0;
	const char *s = trim(field, &n);
	char err[8];

	if (set_key(&r, field, err, sizeof(err)) == 0 || !n)
		return 0;
	for (i = 0; i < n; i++) {
		digits += s[i] >= '0' && s[i] <= '9';
		addrchars += hexval(s[i]) >= 0 || strchr(".:-/", s[i]) != NULL;
	}
	return !(digits && addrchars == n) && 2 * digits < n;
}

/* Keep a good row; a later row for the same address or MAC wins. */
static int keep_row(struct parse *ps, const struct zl_addrbook_row *r)
{
	struct key k;
	uint32_t idx, old;
	struct zl_addrbook_row *prev;

	key_row(&k, r);
	idx = zl_ab_table_get(&ps->seen, &k);
	if (idx == EMPTY) {
		if (zl_ab_table_put(&ps->seen, &k, (uint32_t)ps->rows->n, &old) < 0)
			return -ENOMEM;
		return zl_addrbook_rows_add(ps->rows, r);
	}
	prev = &ps->rows->v[idx];
	if (report(ps->errs, r->line, 1, "%s is also on line %u; line %u wins",
		   r->family ? r->address : r->mac, prev->line, r->line) < 0)
		return -ENOMEM;
	*prev = *r;
	return 0;
}

static int take_record(struct parse *ps)
{
	struct csv *cs = &ps->cs;
	struct zl_addrbook_row r;
	char err[200];
	int i, first = ps->first;

	if (!cs->syntax && !cs->any_text)
		return 0;
	ps->first = 0;
	if (cs->syntax)
		return report(ps->errs, cs->start, 0, "%s", cs->syntax);
	if (first && is_header(cs->f[0].p)) {
		if (cs->nf == 4)
			return 0;
		return report(ps->errs, cs->start, 0, "the header has %zu fields, expected 4 "
			      "(address,name,owner,department)", cs->nf);
	}
	if (cs->nf != 4)
		return report(ps->errs, cs->start, 0, "expected 4 fields "
			      "(address,name,owner,department), found %zu", cs->nf);
	for (i = 0; i < 4; i++)
		if (strlen(cs->f[i].p) != cs->f[i].n)
			return report(ps->errs, cs->start, 0, "field %d contains a NUL byte", i + 1);
	if (zl_addrbook_row_set(&r, cs->f[0].p, cs->f[1].p, cs->f[2].p, cs->f[3].p,
				err, sizeof(err)) < 0)
		return report(ps->errs, cs->start, 0, "%s", err);
	r.line = cs->start;
	return keep_row(ps, &r);
}

int zl_addrbook_parse_csv(const char *text, size_t len, struct zl_addrbook_rows *rows,
			  struct zl_addrbook_errors *errs)
{
	struct parse ps = { .rows = rows, .errs = errs, .first = 1 };
	int i, rc = 0;

	if ((!text && len) || rows->n || errs->n || errs->n_errors || errs->n_warnings)
		return -EINVAL;
	if (!text)
		text = "";
	ps.cs.p = text;
	ps.cs.end = text + len;
	ps.cs.line = 1;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		ps.cs.p += 3;
	if (zl_ab_table_init(&ps.seen, 64) < 0)
		return -ENOMEM;
	while (rc == 0 && read_record(&ps.cs))
		rc = ps.cs.nomem ? -ENOMEM : take_record(&ps);
	for (i = 0; i < 4; i++)
		free(ps.cs.f[i].p);
	zl_ab_table_free(&ps.seen);
	return rc;
}

/* ---- the book -------------------------------------------------------- */

void zl_addrbook_free(struct zl_addrbook *b)
{
	if (!b)
		return;
	free(b->rows);
	zl_ab_table_free(&b->keys);
	zl_ab_neigh_free(b->nb);
	free(b);
}

/* What zl_addrbook_row_set makes: a known family and terminated strings. */
static int row_valid(const struct zl_addrbook_row *r)
{
	if (r->family != 0 && r->family != AF_INET && r->family != AF_INET6)
		return 0;
	return memchr(r->address, 0, sizeof(r->address)) && memchr(r->mac, 0, sizeof(r->mac)) &&
	       memchr(r->name, 0, sizeof(r->name)) && memchr(r->owner, 0, sizeof(r->owner)) &&
	       memchr(r->department, 0, sizeof(r->department));
}

struct zl_addrbook *zl_addrbook_new(const struct zl_addrbook_row *rows, size_t n)
{
	struct zl_addrbook *b;
	struct key k;
	uint32_t idx;
	size_t i;

	for (i = 0; i < n; i++)
		if (!row_valid(&rows[i])) {
			errno = EINVAL;
			return NULL;
		}
	if (n >= EMPTY || !(b = calloc(1, sizeof(*b)))) {
		errno = n >= EMPTY ? EINVAL : ENOMEM;
		return NULL;
	}
	b->rows = calloc(n ? n : 1, sizeof(*b->rows));
	if (!b->rows || zl_ab_table_init(&b->keys, n) < 0) {
		zl_addrbook_free(b);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		key_row(&k, &rows[i]);
		idx = zl_ab_table_get(&b->keys, &k);
		if (idx == EMPTY) {
			zl_ab_table_put(&b->keys, &k, (uint32_t)b->n, &idx);  /* sized: no growth */
			idx = (uint32_t)b->n++;
		}
		b->rows[idx] = rows[i];
	}
	return b;
}

size_t zl_addrbook_count(const struct zl_addrbook *b)
{
	return b->n;
}

const struct zl_addrbook_row *zl_addrbook_at(const struct zl_addrbook *b, size_t i)
{
	return i < b->n ? &b->rows[i] : NULL;
}

const struct zl_addrbook_row *zl_addrbook_lookup_ip(const struct zl_addrbook *b, int family,
						    const uint8_t ip[16])
{
	struct key k;
	uint32_t idx;

	if (zl_ab_key_ip(&k, family, ip) < 0)
		return NULL;
	idx = zl_ab_table_get(&b->keys, &k);
	if (idx == EMPTY && b->nb)
		idx = zl_ab_table_get(&b->nb->byip, &k);
	return idx == EMPTY ? NULL : &b->rows[idx];
}

const struct zl_addrbook_row *zl_addrbook_lookup_mac(const struct zl_addrbook *b,
						     const uint8_t hwaddr[6])
{
	struct key k;
	uint32_t idx;

	zl_ab_key_mac(&k, hwaddr);
	idx = zl_ab_table_get(&b->keys, &k);
	return idx == EMPTY ? NULL : &b->rows[idx];
}

const struct zl_addrbook_row *zl_addrbook_lookup(const struct zl_addrbook *b, const char *text)
{
	struct zl_addrbook_row r;
	char err[8];

	if (set_key(&r, text, err, sizeof(err)) < 0)
		return NULL;
	return r.family ? zl_addrbook_lookup_ip(b, r.family, r.ip)
			: zl_addrbook_lookup_mac(b, r.hwaddr);
}

/* Equal, ASCII letters in either case; other bytes (CJK) exactly. */
static int ascii_caseeq(const char *a, const char *b)
{
	unsigned char x, y;

	do {
		x = (unsigned char)*a++;
		y = (unsigned char)*b++;
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
	} while (x && x == y);
	return x == y;
}

size_t zl_addrbook_match(const struct zl_addrbook *b, enum zl_addrbook_field field,
			 const char *value, zl_addrbook_match_fn cb, void *arg)
{
	size_t i, calls = 0;
	const struct zl_addrbook_row *r;
	const char *s;

	for (i = 0; i < b->n; i++) {
		r = &b->rows[i];
		s = field == ZL_ADDRBOOK_HOST ? r->name :
		    field == ZL_ADDRBOOK_OWNER ? r->owner : r->department;
		if (!ascii_caseeq(s, value))
			continue;
		calls++;
		if (cb(r, arg))
			break;
	}
	return calls;
}
