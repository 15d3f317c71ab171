/*
 * rulenames.c - rule names as numbers (see rulenames.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rulenames.h"

#define MAX_NAMES 65535

struct entry {
	char name[64];
	uint64_t hits;
};

struct zl_rulenames {
	struct entry *v;        /* number i + 1 is v[i] */
	size_t n, cap;
};

struct zl_rulenames *zl_rulenames_new(void)
{
	return calloc(1, sizeof(struct zl_rulenames));
}

void zl_rulenames_free(struct zl_rulenames *t)
{
	if (!t)
		return;
	free(t->v);
	free(t);
}

/* A policy change looks up each of its rules once: a linear search over
 * the few hundred names a daemon sees is fine there, and the capture path
 * only ever uses numbers. */
uint16_t zl_rulenames_id(struct zl_rulenames *t, const char *name)
{
	size_t i;

	if (!t)
		return 0;
	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name))
			return (uint16_t)(i + 1);
	if (t->n == MAX_NAMES)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct entry *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return 0;
		t->v = v;
		t->cap = cap;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	snprintf(t->v[t->n].name, sizeof(t->v[0].name), "%s", name);
	return (uint16_t)++t->n;
}

const char *zl_rulenames_name(const struct zl_rulenames *t, uint16_t id)
{
	return t && id && id <= t->n ? t->v[id - 1].name : "";
}

void zl_rulenames_hit(struct zl_rulenames *t, uint16_t id)
{
	if (t && id && id <= t->n)
		t->v[id - 1].hits++;
}

uint64_t zl_rulenames_hits(const struct zl_rulenames *t, uint16_t id)
{
	return t && id && id <= t->n ? t->v[id - 1].hits : 0;
}
