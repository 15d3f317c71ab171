/*
 * pfxset.c - prefixes as sorted, merged address ranges.
 *
 * Addresses are compared as two 64-bit halves (an IPv4 address lives in the
 * high half's low 32 bits of its own family's array), so one range type and
 * one search serve both families.
 */
#include <stdlib.h>
#include <string.h>

#include "pfxset.h"

struct range {
	uint64_t lo[2], hi[2];     /* [0] high 64 bits, [1] low 64 bits */
};

struct fam {
	struct range *v;
	size_t n, cap;
	int sorted;
};

struct zl_pfxset {
	struct fam f[2];           /* IPv4, IPv6 */
};

struct zl_pfxset *zl_pfxset_new(void)
{
	return calloc(1, sizeof(struct zl_pfxset));
}

void zl_pfxset_free(struct zl_pfxset *s)
{
	if (!s)
		return;
	free(s->f[0].v);
	free(s->f[1].v);
	free(s);
}

static void to_u128(int ipver, const uint8_t *a, uint64_t out[2])
{
	int i;

	out[0] = out[1] = 0;
	if (ipver == 4) {
		for (i = 0; i < 4; i++)
			out[1] = out[1] << 8 | a[i];
		return;
	}
	for (i = 0; i < 8; i++)
		out[0] = out[0] << 8 | a[i];
	for (i = 8; i < 16; i++)
		out[1] = out[1] << 8 | a[i];
}

static int cmp128(const uint64_t a[2], const uint64_t b[2])
{
	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return a[1] < b[1] ? -1 : a[1] > b[1];
}

int zl_pfxset_add(struct zl_pfxset *s, int ipver, const uint8_t *addr, unsigned len)
{
	unsigned bits = ipver == 4 ? 32 : 128, host;
	struct fam *f;
	struct range r;
	uint64_t mask[2];

	if ((ipver != 4 && ipver != 6) || len > bits)
		return -1;
	f = &s->f[ipver == 6];
	to_u128(ipver, addr, r.lo);
	host = bits - len;             /* host bits, counted from the right */
	mask[1] = host >= 64 ? ~0ull : host ? (1ull << host) - 1 : 0;
	mask[0] = host > 64 ? (host >= 128 ? ~0ull : (1ull << (host - 64)) - 1) :
		  0;
	r.lo[0] &= ~mask[0];
	r.lo[1] &= ~mask[1];
	r.hi[0] = r.lo[0] | mask[0];
	r.hi[1] = r.lo[1] | mask[1];
	if (f->n == f->cap) {
		size_t n = f->cap ? f->cap * 2 : 16;
		struct range *v = realloc(f->v, n * sizeof(*v));
		if (!v)
			return -1;
		f->v = v;
		f->cap = n;
	}
	f->v[f->n++] = r;
	f->sorted = 0;
	return 0;
}

static int by_lo(const void *a, const void *b)
{
	return cmp128(((const struct range *)a)->lo, ((const struct range *)b)->lo);
}

/* Sort and merge overlapping or adjacent ranges. */
static void settle(struct fam *f)
{
	size_t i, o = 0;

	qsort(f->v, f->n, sizeof(*f->v), by_lo);
	for (i = 0; i < f->n; i++) {
		if (o && cmp128(f->v[i].lo, f->v[o - 1].hi) <= 0) {
			if (cmp128(f->v[i].hi, f->v[o - 1].hi) > 0)
				memcpy(f->v[o - 1].hi, f->v[i].hi, sizeof(f->v[i].hi));
			continue;
		}
		f->v[o++] = f->v[i];
	}
	f->n = o;
	f->sorted = 1;
}

int zl_pfxset_contains(struct zl_pfxset *s, int ipver, const uint8_t *addr)
{
	struct fam *f = &s->f[ipver == 6];
	uint64_t a[2];
	size_t lo = 0, hi;

	if (!f->n)
		return 0;
	if (!f->sorted)
		settle(f);
	to_u128(ipver, addr, a);
	hi = f->n;
	while (lo < hi) {              /* first range with lo > a */
		size_t mid = (lo + hi) / 2;
		if (cmp128(f->v[mid].lo, a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && cmp128(a, f->v[lo - 1].hi) <= 0;
}

size_t zl_pfxset_size(struct zl_pfxset *s)
{
	int i;

	for (i = 0; i < 2; i++)
		if (!s->f[i].sorted && s->f[i].n)
			settle(&s->f[i]);
	return s->f[0].n + s->f[1].n;
}
